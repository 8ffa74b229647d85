//! Listpack tests: byte compatibility with Redis 7.0 and a proptest model
//! test against `Vec<Vec<u8>>`.

use proptest::collection::vec;
use proptest::prelude::*;

use super::*;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The listpack of `RPUSH l a 1 -1 127 128 ... bbbb(70)` as DUMPed by Redis
/// 7.0.15 (the blob inside its RDB_TYPE_LIST_QUICKLIST_2 payload).
#[test]
fn bytes_match_redis() {
    let b70 = "b".repeat(70);
    let elems: Vec<&[u8]> = vec![
        b"a",
        b"1",
        b"-1",
        b"127",
        b"128",
        b"-4096",
        b"4095",
        b"-4097",
        b"32767",
        b"-32769",
        b"8388607",
        b"-8388609",
        b"2147483647",
        b"-2147483649",
        b"9223372036854775807",
        b"-9223372036854775808",
        b70.as_bytes(),
    ];
    let lp = Listpack::from_elements(elems.iter());
    let mut want = String::from(
        "9f00000011008161020101dfff027f01c08002d00002cfff02f1ffef03f1ff7f03f2ff7fff04f2ffff7f04\
         f3ffff7fff05f3ffffff7f05f4ffffff7fffffffff09f4ffffffffffffff7f09f4000000000000008009e046",
    );
    want.push_str(&"62".repeat(70));
    want.push_str("48ff");
    assert_eq!(lp.as_bytes(), &hex(&want)[..]);
    assert!(validate_integrity(lp.as_bytes(), true, None));
    let back: Vec<Vec<u8>> = lp.iter().map(|e| e.to_vec()).collect();
    let want_elems: Vec<Vec<u8>> = elems.iter().map(|e| e.to_vec()).collect();
    assert_eq!(back, want_elems);
}

#[test]
fn long_strings_and_backlen() {
    let s = vec![b'c'; 5000];
    let mut lp = Listpack::new();
    lp.append(&s);
    // 32-bit string header, then a two-byte backlen for 5005 bytes.
    assert_eq!(&lp.as_bytes()[6..11], &[0xf0, 0x88, 0x13, 0, 0]);
    let n = 5005usize;
    let tail = &lp.as_bytes()[lp.bytes() - 3..lp.bytes() - 1];
    assert_eq!(tail, &[(n >> 7) as u8, (n & 127) as u8 | 128]);
    assert_eq!(lp.get(lp.last().unwrap()), LpEntry::Str(&s));
    let big = vec![b'x'; 3_000_000];
    lp.prepend(&big);
    assert_eq!(lp.len(), 2);
    assert_eq!(lp.get(lp.first().unwrap()).str_len(), 3_000_000);
    assert_eq!(lp.prev(lp.last().unwrap()), lp.first());
    assert!(validate_integrity(lp.as_bytes(), true, None));
}

#[test]
fn string_to_int_rules() {
    assert_eq!(string_to_i64(b"0"), Some(0));
    assert_eq!(string_to_i64(b"-0"), None);
    assert_eq!(string_to_i64(b"01"), None);
    assert_eq!(string_to_i64(b"+1"), None);
    assert_eq!(string_to_i64(b" 1"), None);
    assert_eq!(string_to_i64(b"-9223372036854775808"), Some(i64::MIN));
    assert_eq!(string_to_i64(b"9223372036854775808"), None);
}

#[test]
fn validation_rejects_garbage() {
    let lp = Listpack::from_elements([&b"hello"[..], b"12", b"world"]);
    let good = lp.as_bytes().to_vec();
    assert!(validate_integrity(&good, true, None));
    // Wrong element count.
    let mut bad = good.clone();
    bad[4] = 2;
    assert!(!validate_integrity(&bad, true, None));
    assert!(validate_integrity(&bad, false, None));
    // Corrupt a backlen.
    let mut bad = good.clone();
    bad[12] = 0x33;
    assert!(!validate_integrity(&bad, true, None));
    // Truncated.
    assert!(!validate_integrity(&good[..good.len() - 1], false, None));
    // Every single-byte corruption is either accepted or rejected; never a panic.
    for i in 0..good.len() {
        for v in [0u8, 0x7f, 0x80, 0xc0, 0xe0, 0xf0, 0xf5, 0xff] {
            let mut b = good.clone();
            b[i] = v;
            let _ = validate_integrity(&b, true, None);
        }
    }
    let mut reject = |e: LpEntry<'_>| e != LpEntry::Int(12);
    assert!(!validate_integrity(&good, true, Some(&mut reject)));
}

#[derive(Debug, Clone)]
enum Op {
    Append(Vec<u8>),
    Prepend(Vec<u8>),
    Insert(usize, Vec<u8>, bool),
    Replace(usize, Vec<u8>),
    Delete(usize),
    DeleteRange(i64, usize),
    Merge(Vec<Vec<u8>>),
}

fn element() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        any::<i64>().prop_map(|v| v.to_string().into_bytes()),
        (-5000i64..5000).prop_map(|v| v.to_string().into_bytes()),
        vec(any::<u8>(), 0..80),
        (60usize..5000).prop_map(|n| vec![b'z'; n]),
        Just(b"007".to_vec()),
        Just(b"-0".to_vec()),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        element().prop_map(Op::Append),
        element().prop_map(Op::Prepend),
        (any::<usize>(), element(), any::<bool>()).prop_map(|(i, e, a)| Op::Insert(i, e, a)),
        (any::<usize>(), element()).prop_map(|(i, e)| Op::Replace(i, e)),
        any::<usize>().prop_map(Op::Delete),
        (-20i64..20, 0usize..6).prop_map(|(i, n)| Op::DeleteRange(i, n)),
        vec(element(), 0..4).prop_map(Op::Merge),
    ]
}

proptest! {
    #[test]
    fn listpack_matches_vec(ops in vec(op(), 1..60)) {
        let mut lp = Listpack::new();
        let mut m: Vec<Vec<u8>> = Vec::new();
        for op in ops {
            match op {
                Op::Append(e) => { lp.append(&e); m.push(e); }
                Op::Prepend(e) => { lp.prepend(&e); m.insert(0, e); }
                Op::Insert(i, e, after) => {
                    if m.is_empty() { continue; }
                    let i = i % m.len();
                    let p = lp.seek(i as i64).unwrap();
                    if after {
                        lp.insert(p, &e, Where::After);
                        m.insert(i + 1, e);
                    } else {
                        lp.insert(p, &e, Where::Before);
                        m.insert(i, e);
                    }
                }
                Op::Replace(i, e) => {
                    if m.is_empty() { continue; }
                    let i = i % m.len();
                    let p = lp.seek(i as i64).unwrap();
                    lp.replace(p, &e);
                    m[i] = e;
                }
                Op::Delete(i) => {
                    if m.is_empty() { continue; }
                    let i = i % m.len();
                    let p = lp.seek(-(i as i64) - 1).unwrap();
                    lp.delete(p);
                    m.remove(m.len() - 1 - i);
                }
                Op::DeleteRange(i, n) => {
                    lp.delete_range(i, n);
                    let len = m.len() as i64;
                    let s = if i < 0 { len + i } else { i };
                    if s >= 0 && s < len && n > 0 {
                        let s = s as usize;
                        let e = (s + n).min(m.len());
                        m.drain(s..e);
                    }
                }
                Op::Merge(es) => {
                    let other = Listpack::from_elements(es.iter());
                    lp.merge_back(&other);
                    m.extend(es);
                }
            }
            prop_assert_eq!(lp.len(), m.len());
            prop_assert!(validate_integrity(lp.as_bytes(), true, None));
        }
        let fwd: Vec<Vec<u8>> = lp.iter().map(|e| e.to_vec()).collect();
        prop_assert_eq!(&fwd, &m);
        // Walk backwards too.
        let mut back = Vec::new();
        let mut p = lp.last();
        while let Some(x) = p {
            back.push(lp.get(x).to_vec());
            p = lp.prev(x);
        }
        back.reverse();
        prop_assert_eq!(&back, &m);
        // And with get_next, which decodes each header once.
        let mut walk = Vec::new();
        let mut p = lp.first();
        while let Some(x) = p {
            let (e, next) = lp.get_next(x);
            prop_assert_eq!(next, lp.next(x));
            walk.push(e.to_vec());
            p = next;
        }
        prop_assert_eq!(&walk, &m);
        for (i, e) in m.iter().enumerate() {
            prop_assert!(lp.get(lp.seek(i as i64).unwrap()).eq_bytes(e));
        }
    }
}
