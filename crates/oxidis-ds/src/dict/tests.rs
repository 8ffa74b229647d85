//! Tests of the dict as a whole. Redis counterpart: the `dictTest` harness at the end
//! of dict.c (7.0), grown into unit tests plus proptest model tests: the dict against
//! `std::collections::HashMap` (with forced rehash steps and snapshots taken mid-way),
//! and SCAN's guarantee while the table grows, shrinks and rehashes between calls.
//!
//! The resize policy is process-wide, so a test that changes it takes
//! [`exclusive`] and every test that depends on table shapes takes [`enabled`].

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use proptest::collection::vec;
use proptest::prelude::*;

use super::*;

static POLICY_LOCK: RwLock<()> = RwLock::new(());

/// Holds the resize policy at `Enable` for the guard's lifetime.
pub(super) fn enabled() -> RwLockReadGuard<'static, ()> {
    POLICY_LOCK.read().unwrap_or_else(|e| e.into_inner())
}

/// Lets one test change the resize policy; `Enable` is restored when it drops, even
/// if the test panics.
fn exclusive() -> PolicyGuard {
    PolicyGuard(POLICY_LOCK.write().unwrap_or_else(|e| e.into_inner()))
}

struct PolicyGuard(#[allow(dead_code)] RwLockWriteGuard<'static, ()>);

impl Drop for PolicyGuard {
    fn drop(&mut self) {
        set_resize_policy(ResizePolicy::Enable);
    }
}

impl<K: AsRef<[u8]> + Clone + Eq, V: Clone> Dict<K, V> {
    /// Checks every structural invariant; panics with a description on failure.
    pub(super) fn check_invariants(&self) {
        let mut keys = HashSet::new();
        for (ti, t) in self.ht.iter().enumerate() {
            assert!(
                t.size == 0 || t.size.is_power_of_two(),
                "ht[{ti}] size {}",
                t.size
            );
            assert_eq!(
                t.segs.as_deref().map_or(0, <[_]>::len),
                t.size.div_ceil(SEG_LEN),
                "ht[{ti}] segment count"
            );
            for seg in t.segs.iter().flat_map(|dir| dir.iter()).flatten() {
                // A table smaller than a segment uses only its first `size` buckets.
                assert!(
                    seg[t.size.min(SEG_LEN)..].iter().all(Option::is_none),
                    "ht[{ti}] bucket past size"
                );
            }
            let mut count = 0;
            for b in 0..t.size {
                let mut cur = t.head(b);
                while let Some(e) = cur {
                    let k = e.key.as_ref();
                    assert_eq!(gen_hash(k) as usize & t.mask(), b, "entry in wrong bucket");
                    assert!(keys.insert(k.to_vec()), "duplicate key");
                    if let (0, Some(ridx)) = (ti, self.rehashidx) {
                        assert!(b >= ridx, "ht[0] bucket {b} below rehashidx {ridx}");
                    }
                    count += 1;
                    cur = e.next.as_deref();
                }
            }
            assert_eq!(count, t.used, "ht[{ti}] used");
        }
        if self.is_rehashing() {
            assert!(self.ht[0].size > 0 && self.ht[1].size > 0);
        } else {
            assert_eq!(self.ht[1].size, 0);
            assert_eq!(self.ht[1].used, 0);
        }
    }
}

fn k(i: usize) -> Vec<u8> {
    format!("key:{i}").into_bytes()
}

/* ------------------------------- unit tests ------------------------------ */

#[test]
fn insert_get_remove() {
    let _g = enabled();
    let mut d = Dict::new();
    assert!(d.is_empty());
    assert_eq!(d.insert(k(1), 10), None);
    assert_eq!(d.insert(k(1), 11), Some(10));
    assert_eq!(d.add(k(1), 12), Err((k(1), 12)));
    assert_eq!(d.add(k(2), 20), Ok(()));
    assert_eq!(d.len(), 2);
    assert_eq!(d.get(&k(1)), Some(&11));
    assert_eq!(d.find(&k(2)), Some(&20));
    assert_eq!(d.get_key_value(&k(2)), Some((&k(2), &20)));
    assert!(d.contains_key(&k(1)) && !d.contains_key(&k(3)));
    *d.find_mut(&k(2)).unwrap() += 1;
    assert_eq!(d.get(&k(2)), Some(&21));
    assert_eq!(d.find_mut(&k(3)), None);
    assert_eq!(d.remove(&k(1)), Some((k(1), 11)));
    assert_eq!(d.remove(&k(1)), None);
    assert_eq!(d.len(), 1);
    d.check_invariants();
}

/// A key whose identity can be told apart from an equal key's.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Tagged(Vec<u8>, u32);
impl AsRef<[u8]> for Tagged {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

#[test]
fn replace_keeps_existing_key_object() {
    let mut d = Dict::new();
    d.insert(Tagged(b"a".to_vec(), 1), "x");
    assert_eq!(d.insert(Tagged(b"a".to_vec(), 2), "y"), Some("x"));
    assert_eq!(
        d.get_key_value(b"a"),
        Some((&Tagged(b"a".to_vec(), 1), &"y"))
    );
    let (v, inserted) = d.get_or_insert_with(b"a", || unreachable!(), || unreachable!());
    assert!(!inserted);
    assert_eq!(*v, "y");
    let (v, inserted) = d.get_or_insert_with(b"b", || Tagged(b"b".to_vec(), 3), || "z");
    assert!(inserted);
    *v = "w";
    assert_eq!(d.get(b"b"), Some(&"w"));
}

#[test]
fn grows_at_load_factor_one() {
    let _g = enabled();
    let mut d = Dict::new();
    assert_eq!(d.slots(), 0);
    d.insert(k(0), 0);
    assert_eq!(d.slots(), 4);
    for i in 1..4 {
        d.insert(k(i), i);
    }
    assert!(!d.is_rehashing());
    assert_eq!(d.slots(), 4);
    // used == size: the next insertion grows to the power of two >= used + 1.
    d.insert(k(4), 4);
    assert!(d.is_rehashing());
    assert_eq!((d.ht[0].size, d.ht[1].size), (4, 8));
    d.check_invariants();
    while d.rehash(1) {}
    assert_eq!(d.slots(), 8);
    for i in 5..10_000 {
        d.insert(k(i), i);
        if i % 997 == 0 {
            d.check_invariants();
        }
    }
    while d.rehash(100) {}
    assert_eq!(d.slots(), 16384);
    for i in 0..10_000 {
        assert_eq!(d.get(&k(i)), Some(&i));
    }
}

#[test]
fn shrink_with_resize() {
    let _g = enabled();
    let mut d = Dict::with_capacity(1000);
    assert_eq!(d.slots(), 1024);
    for i in 0..1000 {
        d.insert(k(i), i);
    }
    assert!(!d.needs_resize());
    for i in 0..990 {
        d.remove(&k(i));
    }
    assert!(d.needs_resize());
    assert!(d.resize());
    assert!(d.is_rehashing());
    assert!(!d.resize(), "resize refused while rehashing");
    assert!(d.rehash_milliseconds(100) <= 1100);
    while d.rehash(100) {}
    assert_eq!(d.slots(), 16);
    assert!(!d.needs_resize());
    d.check_invariants();
    for i in 990..1000 {
        assert_eq!(d.find(&k(i)), Some(&i));
    }
    assert!(!d.expand(16), "same size is refused");
    assert!(!d.expand(5), "below used is refused");
}

#[test]
fn rehash_step_bounds_empty_visits() {
    let _g = enabled();
    let mut d = Dict::new();
    d.insert(k(0), 0);
    assert!(d.expand(1 << 16));
    // A grow from 4 buckets holding one entry finishes within a single step.
    assert!(!d.rehash(1));
    assert!(!d.is_rehashing());
    // A big sparse table: the one key sits somewhere; each step visits <= 10 buckets.
    let mut d = Dict::with_capacity(1 << 16);
    d.insert(k(1), 1);
    assert!(d.expand(1 << 17));
    let mut steps = 0;
    while d.rehash(1) {
        steps += 1;
        let ridx = d.rehashidx.unwrap();
        assert!(ridx <= steps * 10);
    }
    assert_eq!(d.get(&k(1)), Some(&1));
}

#[test]
fn resize_policy_avoid_and_forbid() {
    let _g = exclusive();
    let mut d = Dict::new();
    for i in 0..16 {
        d.insert(k(i), i);
    }
    while d.rehash(100) {}
    assert_eq!(d.slots(), 16);

    set_resize_allowed(false);
    assert_eq!(resize_policy(), ResizePolicy::Avoid);
    // No growth until used / size > 5.
    for i in 16..96 {
        d.insert(k(i), i);
    }
    assert!(!d.is_rehashing(), "grew before the forced ratio");
    d.insert(k(96), 96); // 96 / 16 = 6 > 5 at the check
    assert!(d.is_rehashing());
    assert_eq!(d.ht[1].size, 128);
    // 128 / 16 >= 5: rehashing may proceed even while avoided.
    while d.rehash(10) {}
    assert!(!d.resize(), "no shrinking while avoided");
    // A rehash whose size ratio is small does not proceed (and, as in Redis, reports
    // "nothing to do" although the rehash is still pending).
    set_resize_allowed(true);
    assert!(d.expand(256));
    set_resize_allowed(false);
    assert!(!d.rehash(1));
    assert_eq!(d.rehashidx, Some(0));

    set_resize_policy(ResizePolicy::Forbid);
    assert!(!d.rehash(1));
    set_resize_policy(ResizePolicy::Enable);
    while d.rehash(100) {}
    d.check_invariants();
    assert_eq!(d.len(), 97);
}

#[test]
fn clone_is_a_point_in_time_snapshot() {
    let _g = enabled();
    let mut d = Dict::new();
    for i in 0..5000 {
        d.insert(k(i), i);
    }
    while d.rehash(100) {}
    let snap = d.clone();
    let dir = |d: &Dict<Vec<u8>, usize>| d.ht[0].segs.clone().expect("allocated");
    // The clone shares the whole directory.
    assert!(Arc::ptr_eq(&dir(&d), &dir(&snap)));
    // A miss and a read copy nothing.
    assert_eq!(d.find_mut(b"absent"), None);
    assert_eq!(d.find(&k(7)), Some(&7));
    assert!(Arc::ptr_eq(&dir(&d), &dir(&snap)));
    let shared = |d: &Dict<Vec<u8>, usize>, s: &Dict<Vec<u8>, usize>| {
        dir(d)
            .iter()
            .zip(dir(s).iter())
            .filter(|(a, b)| matches!((a, b), (Some(a), Some(b)) if Arc::ptr_eq(a, b)))
            .count()
    };
    let allocated = dir(&d).iter().flatten().count();
    // One write copies the directory and exactly one segment.
    *d.find_mut(&k(7)).unwrap() = 700;
    assert!(!Arc::ptr_eq(&dir(&d), &dir(&snap)));
    assert_eq!(shared(&d, &snap), allocated - 1);
    // Keep mutating the original heavily, including a grow.
    for i in 0..5000 {
        if i % 2 == 0 {
            d.remove(&k(i));
        } else {
            d.insert(k(i), i + 1);
        }
    }
    for i in 5000..20_000 {
        d.insert(k(i), i);
    }
    assert_eq!(snap.len(), 5000);
    for i in 0..5000 {
        assert_eq!(snap.get(&k(i)), Some(&i));
    }
    assert_eq!(snap.get(&k(6000)), None);
    snap.check_invariants();
    d.check_invariants();
    // The snapshot can be serialised on another thread.
    let total = std::thread::spawn(move || snap.values().sum::<usize>())
        .join()
        .unwrap();
    assert_eq!(total, (0..5000).sum::<usize>());
}

#[test]
fn drain_visits_the_snapshot_and_retires_only_what_the_live_dict_copied() {
    let _g = enabled();
    let mut d = Dict::new();
    for i in 0..3000 {
        d.insert(k(i), i);
    }
    while d.rehash(100) {}
    let snap = d.clone();
    // Writes to a few keys copy their segments: the originals are then the
    // snapshot's alone.
    for i in [1usize, 500, 2999] {
        *d.find_mut(&k(i)).unwrap() += 10_000;
    }
    let copied = [1usize, 500, 2999]
        .iter()
        .map(|&i| (gen_hash(&k(i)) as usize & d.ht[0].mask()) >> SEG_SHIFT)
        .collect::<HashSet<_>>()
        .len();
    let mut seen = HashMap::new();
    let mut retired = 0;
    let r: Result<(), ()> = snap.drain_for_each(
        |key, &v| {
            seen.insert(key.clone(), v);
            Ok(())
        },
        &mut |_| retired += 1,
    );
    assert!(r.is_ok());
    assert_eq!(seen.len(), 3000);
    assert!(
        (0..3000).all(|i| seen[&k(i)] == i),
        "the point-in-time values"
    );
    assert_eq!(retired, copied);
    // The live dict is intact, and no longer shares anything.
    assert_eq!(d.get(&k(500)), Some(&10_500));
    d.check_invariants();
    // An error stops the walk.
    let mut n = 0;
    let r = d.clone().drain_for_each(
        |_, _| {
            n += 1;
            if n == 10 {
                Err("stop")
            } else {
                Ok(())
            }
        },
        &mut drop,
    );
    assert_eq!((r, n), (Err("stop"), 10));
}

#[test]
fn dict_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Dict<Vec<u8>, Arc<Vec<u8>>>>();
}

#[test]
fn clear_and_take() {
    let mut d = Dict::new();
    for i in 0..100 {
        d.insert(k(i), i);
    }
    let old = d.take();
    assert!(d.is_empty() && d.slots() == 0);
    assert_eq!(old.len(), 100);
    d.insert(k(1), 1);
    d.clear();
    assert!(d.is_empty() && d.slots() == 0 && !d.is_rehashing());
    assert_eq!(d.get(&k(1)), None);
}

#[test]
fn entry_layout_is_compact() {
    // A bucket is one pointer; an entry is the key, the value and one link.
    assert_eq!(std::mem::size_of::<Bucket<Box<[u8]>, u64>>(), 8);
    assert_eq!(std::mem::size_of::<Entry<Box<[u8]>, u64>>(), 16 + 8 + 8);
}

/* ------------------------ proptest: dict vs HashMap ----------------------- */

#[derive(Clone, Debug)]
enum Op {
    Insert(usize, u32),
    Add(usize, u32),
    Remove(usize),
    FindMut(usize, u32),
    Find(usize),
    Get(usize),
    GetOrInsert(usize, u32),
    Rehash(usize),
    Snapshot,
    Resize,
    Expand(usize),
    Random,
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0usize..400;
    prop_oneof![
        8 => (key.clone(), any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
        3 => (key.clone(), any::<u32>()).prop_map(|(k, v)| Op::Add(k, v)),
        6 => key.clone().prop_map(Op::Remove),
        3 => (key.clone(), any::<u32>()).prop_map(|(k, v)| Op::FindMut(k, v)),
        2 => key.clone().prop_map(Op::Find),
        2 => key.clone().prop_map(Op::Get),
        2 => (key.clone(), any::<u32>()).prop_map(|(k, v)| Op::GetOrInsert(k, v)),
        3 => (0usize..20).prop_map(Op::Rehash),
        1 => Just(Op::Snapshot),
        1 => Just(Op::Resize),
        1 => (0usize..2000).prop_map(Op::Expand),
        1 => Just(Op::Random),
        1 => (0u32..40).prop_map(|x| if x == 0 { Op::Clear } else { Op::Rehash(1) }),
    ]
}

type TestDict = Dict<Vec<u8>, u32>;
type Model = HashMap<Vec<u8>, u32>;

fn as_map(d: &TestDict) -> Model {
    d.iter().map(|(k, v)| (k.clone(), *v)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn dict_matches_hashmap(ops in vec(op(), 1..600)) {
        let _g = enabled();
        let mut d: Dict<Vec<u8>, u32> = Dict::new();
        let mut m: HashMap<Vec<u8>, u32> = HashMap::new();
        let mut snaps: Vec<(TestDict, Model)> = vec![];
        for op in ops {
            match op {
                Op::Insert(i, v) => prop_assert_eq!(d.insert(k(i), v), m.insert(k(i), v)),
                Op::Add(i, v) => {
                    let want = if m.contains_key(&k(i)) { Err((k(i), v)) } else { Ok(()) };
                    m.entry(k(i)).or_insert(v);
                    prop_assert_eq!(d.add(k(i), v), want);
                }
                Op::Remove(i) => prop_assert_eq!(d.remove(&k(i)), m.remove_entry(&k(i))),
                Op::FindMut(i, v) => {
                    let got = d.find_mut(&k(i)).map(|x| std::mem::replace(x, v));
                    let want = m.get_mut(&k(i)).map(|x| std::mem::replace(x, v));
                    prop_assert_eq!(got, want);
                }
                Op::Find(i) => prop_assert_eq!(d.find(&k(i)), m.get(&k(i))),
                Op::Get(i) => prop_assert_eq!(d.get(&k(i)), m.get(&k(i))),
                Op::GetOrInsert(i, v) => {
                    let had = m.contains_key(&k(i));
                    let want = *m.entry(k(i)).or_insert(v);
                    let (got, inserted) = d.get_or_insert_with(&k(i), || k(i), || v);
                    prop_assert_eq!(*got, want);
                    prop_assert_eq!(inserted, !had);
                }
                Op::Rehash(n) => { d.rehash(n); }
                Op::Snapshot => snaps.push((d.clone(), m.clone())),
                Op::Resize => { d.resize(); }
                Op::Expand(n) => { d.expand(n); }
                Op::Random => match d.random_entry() {
                    Some((key, v)) => prop_assert_eq!(m.get(key), Some(v)),
                    None => prop_assert!(m.is_empty()),
                },
                Op::Clear => { d.clear(); m.clear(); }
            }
            prop_assert_eq!(d.len(), m.len());
        }
        d.check_invariants();
        prop_assert_eq!(as_map(&d), m);
        for (snap, model) in &snaps {
            snap.check_invariants();
            prop_assert_eq!(&as_map(snap), model);
            for (key, v) in model {
                prop_assert_eq!(snap.get(key), Some(v));
            }
        }
    }
}

/* ------------------- proptest: the SCAN guarantee ------------------------ */

#[derive(Clone, Debug)]
enum ScanOp {
    Scan,
    /// Insert this many new keys (forces growth).
    Grow(usize),
    /// Remove this many non-stable keys (prepares a shrink).
    Shrink(usize),
    /// `resize()`, after finishing any rehash so that it can take effect.
    Resize,
    Rehash(usize),
}

fn scan_op() -> impl Strategy<Value = ScanOp> {
    prop_oneof![
        6 => Just(ScanOp::Scan),
        2 => (1usize..600).prop_map(ScanOp::Grow),
        2 => (1usize..600).prop_map(ScanOp::Shrink),
        1 => Just(ScanOp::Resize),
        2 => (0usize..40).prop_map(ScanOp::Rehash),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn scan_returns_every_stable_key(
        n_stable in 1usize..300,
        n_removable in 0usize..600,
        ops in vec(scan_op(), 0..120),
    ) {
        let _g = enabled();
        let mut d: Dict<Vec<u8>, ()> = Dict::new();
        let stable: Vec<Vec<u8>> = (0..n_stable).map(|i| format!("s{i}").into_bytes()).collect();
        let mut removable: Vec<Vec<u8>> =
            (0..n_removable).map(|i| format!("r{i}").into_bytes()).collect();
        for key in stable.iter().chain(&removable) {
            d.insert(key.clone(), ());
        }
        let mut next_new = 0;
        let mut seen: HashSet<Vec<u8>> = HashSet::new();
        let mut cursor = 0u64;
        let mut done = false;
        let mut scan = |d: &Dict<Vec<u8>, ()>, cursor: &mut u64| {
            *cursor = d.scan(*cursor, |key, _| { seen.insert(key.clone()); });
        };
        for op in ops {
            match op {
                ScanOp::Scan => {
                    scan(&d, &mut cursor);
                    if cursor == 0 { done = true; break; }
                }
                ScanOp::Grow(n) => for _ in 0..n {
                    let key = format!("n{next_new}").into_bytes();
                    next_new += 1;
                    d.insert(key.clone(), ());
                    removable.push(key);
                },
                ScanOp::Shrink(n) => for j in 0..n.min(removable.len()) {
                    let victim = removable.swap_remove((j * 7919) % removable.len());
                    prop_assert!(d.remove(&victim).is_some());
                },
                ScanOp::Resize => {
                    while d.rehash(100) {}
                    d.resize();
                }
                ScanOp::Rehash(n) => { d.rehash(n); }
            }
        }
        let mut guard = 0;
        while !done {
            scan(&d, &mut cursor);
            d.rehash(1);
            done = cursor == 0;
            guard += 1;
            prop_assert!(guard < 1_000_000, "scan never finished");
        }
        for key in &stable {
            prop_assert!(seen.contains(key), "stable key {:?} missed", String::from_utf8_lossy(key));
        }
        d.check_invariants();
    }
}
