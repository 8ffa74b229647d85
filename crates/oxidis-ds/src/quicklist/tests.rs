//! Quicklist tests: a proptest model test against `VecDeque`, across fill
//! values, compression depths and plain-node thresholds.

use std::sync::Mutex;

use proptest::collection::vec;
use proptest::prelude::*;

use super::*;

/// The packed threshold is process-wide (as in Redis): tests that depend on
/// it take this lock.
static THRESHOLD_LOCK: Mutex<()> = Mutex::new(());

#[derive(Debug, Clone)]
enum Op {
    Push(bool, Vec<u8>),
    Pop(bool),
    Insert(usize, Vec<u8>, bool),
    Replace(usize, Vec<u8>),
    DelRange(usize, usize),
    Rem(Vec<u8>, usize, bool),
}

fn element() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (0i64..20).prop_map(|v| v.to_string().into_bytes()),
        any::<i64>().prop_map(|v| v.to_string().into_bytes()),
        vec(b'a'..b'e', 0..12),
        (40usize..300).prop_map(|n| vec![b'q'; n]),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<bool>(), element()).prop_map(|(h, e)| Op::Push(h, e)),
        2 => any::<bool>().prop_map(Op::Pop),
        2 => (any::<usize>(), element(), any::<bool>()).prop_map(|(i, e, a)| Op::Insert(i, e, a)),
        1 => (any::<usize>(), element()).prop_map(|(i, e)| Op::Replace(i, e)),
        1 => (any::<usize>(), 0usize..10).prop_map(|(i, n)| Op::DelRange(i, n)),
        1 => ((0i64..20).prop_map(|v| v.to_string().into_bytes()), 0usize..3, any::<bool>())
            .prop_map(|(e, n, t)| Op::Rem(e, n, t)),
    ]
}

fn check(ql: &Quicklist, m: &VecDeque<Vec<u8>>) -> Result<(), TestCaseError> {
    prop_assert_eq!(ql.len(), m.len());
    let all = ql.to_vec();
    let want: Vec<Vec<u8>> = m.iter().cloned().collect();
    prop_assert_eq!(&all, &want);
    prop_assert_eq!(ql.nodes().map(|n| n.count()).sum::<usize>(), m.len());
    let d = ql.compress_depth();
    let len = ql.node_count();
    for (i, n) in ql.nodes().enumerate() {
        prop_assert!(n.count() > 0);
        if i < d || i + d >= len {
            prop_assert!(!n.is_compressed(), "end node {} compressed", i);
        }
    }
    // Reverse walk.
    if !m.is_empty() {
        let mut back = Vec::new();
        ql.for_range(m.len() - 1, m.len(), true, |e| {
            back.push(e.to_vec());
            true
        });
        back.reverse();
        prop_assert_eq!(&back, &want);
    }
    Ok(())
}

fn run(ops: Vec<Op>, fill: i32, depth: i32) -> Result<(), TestCaseError> {
    let mut ql = Quicklist::new(fill, depth);
    let mut m: VecDeque<Vec<u8>> = VecDeque::new();
    let shared = ql.clone();
    for op in ops {
        match op {
            Op::Push(head, e) => {
                if head {
                    ql.push(End::Head, &e);
                    m.push_front(e);
                } else {
                    ql.push(End::Tail, &e);
                    m.push_back(e);
                }
            }
            Op::Pop(head) => {
                let (a, b) = if head {
                    (ql.pop(End::Head), m.pop_front())
                } else {
                    (ql.pop(End::Tail), m.pop_back())
                };
                prop_assert_eq!(a, b);
            }
            Op::Insert(i, e, after) => {
                if m.is_empty() {
                    continue;
                }
                let i = i % m.len();
                ql.insert(i, &e, after);
                m.insert(if after { i + 1 } else { i }, e);
            }
            Op::Replace(i, e) => {
                if m.is_empty() {
                    continue;
                }
                let i = i % m.len();
                prop_assert!(ql.replace(i, &e));
                m[i] = e;
            }
            Op::DelRange(i, n) => {
                if m.is_empty() {
                    continue;
                }
                let i = i % m.len();
                ql.del_range(i, n);
                let e = (i + n).min(m.len());
                m.drain(i..e);
            }
            Op::Rem(e, limit, tail) => {
                let removed = ql.remove_matching(&e, limit, tail);
                let mut want = 0;
                if tail {
                    let mut i = m.len();
                    while i > 0 && (limit == 0 || want < limit) {
                        i -= 1;
                        if m[i] == e {
                            m.remove(i);
                            want += 1;
                        }
                    }
                } else {
                    let mut i = 0;
                    while i < m.len() && (limit == 0 || want < limit) {
                        if m[i] == e {
                            m.remove(i);
                            want += 1;
                        } else {
                            i += 1;
                        }
                    }
                }
                prop_assert_eq!(removed, want);
            }
        }
        check(&ql, &m)?;
        for i in 0..m.len().min(5) {
            prop_assert_eq!(ql.get(i as i64), Some(m[i].clone()));
            prop_assert_eq!(ql.get(-(i as i64) - 1), Some(m[m.len() - 1 - i].clone()));
        }
    }
    prop_assert!(shared.is_empty());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn quicklist_matches_vecdeque(
        ops in vec(op(), 1..120),
        fill in prop_oneof![Just(1), Just(2), Just(3), Just(5), Just(-1), Just(-2)],
        depth in 0i32..4,
        plain in any::<bool>(),
    ) {
        let _g = THRESHOLD_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        set_packed_threshold(if plain { 100 } else { 0 });
        let r = run(ops, fill, depth);
        set_packed_threshold(0);
        r?;
    }
}

#[test]
fn snapshot_shares_untouched_nodes() {
    let _g = THRESHOLD_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let mut ql = Quicklist::new(4, 0);
    for i in 0..40 {
        ql.push(End::Tail, format!("{i}").as_bytes());
    }
    let snap = ql.clone();
    ql.push(End::Head, b"new");
    let shared = snap
        .nodes
        .iter()
        .filter(|a| ql.nodes.iter().any(|b| Arc::ptr_eq(a, b)))
        .count();
    // Only the head node was copied (or a new head was created).
    assert!(shared >= snap.node_count() - 1);
    assert_eq!(snap.len(), 40);
    assert_eq!(ql.len(), 41);
}

#[test]
fn compression_round_trip() {
    let _g = THRESHOLD_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let mut ql = Quicklist::new(1, 1);
    for c in b'a'..=b'h' {
        ql.push(End::Tail, &vec![c; 500]);
    }
    assert_eq!(ql.nodes().filter(|n| n.is_compressed()).count(), 6);
    assert_eq!(ql.get(3), Some(vec![b'd'; 500]));
    ql.insert(3, &vec![b'z'; 500], true);
    assert_eq!(ql.get(4), Some(vec![b'z'; 500]));
    assert_eq!(ql.nodes().filter(|n| n.is_compressed()).count(), 7);
}
