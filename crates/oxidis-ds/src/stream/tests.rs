//! Tests of the stream encoding: the node layout byte by byte, and a
//! proptest model of add/range/delete/trim against a BTreeMap.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::encoding::{
    node_header, validate_node, NodeLimits, Stream, StreamId, TrimArgs, TrimStrategy,
};
use crate::listpack::LpEntry;

fn fv(pairs: &[(&str, &str)]) -> Vec<Vec<u8>> {
    pairs
        .iter()
        .flat_map(|(f, v)| [f.as_bytes().to_vec(), v.as_bytes().to_vec()])
        .collect()
}

fn elements(st: &Stream, master: StreamId) -> Vec<String> {
    st.rax[&master]
        .iter()
        .map(|e| String::from_utf8_lossy(&e.to_vec()).into_owned())
        .collect()
}

#[test]
fn node_layout_matches_redis() {
    let mut st = Stream::new();
    let lim = NodeLimits::default();
    let id1 = st
        .append_item(
            &fv(&[("a", "1"), ("b", "x")]),
            Some(StreamId::new(5, 1)),
            true,
            0,
            lim,
        )
        .unwrap();
    st.append_item(
        &fv(&[("a", "2"), ("b", "y")]),
        Some(StreamId::new(7, 0)),
        true,
        0,
        lim,
    )
    .unwrap();
    st.append_item(&fv(&[("c", "3")]), Some(StreamId::new(7, 3)), true, 0, lim)
        .unwrap();
    // master: count deleted nfields fields... 0, then the entries.
    let want = [
        "3", "0", "2", "a", "b", "0", // master entry
        "2", "0", "0", "1", "x", "5", // SAMEFIELDS: flags ms seq values lp-count
        "2", "2", "-1", "2", "y", "5", // seq delta 0-1 wraps to -1
        "0", "2", "2", "1", "c", "3", "6", // different fields: num-fields, f, v
    ];
    assert_eq!(elements(&st, id1), want);
    assert!(validate_node(st.rax[&id1].as_bytes()));
    // Reverse iteration walks the lp-counts back.
    let rev: Vec<StreamId> = st.iter(None, None, true).map(|e| e.id).collect();
    assert_eq!(
        rev,
        vec![
            StreamId::new(7, 3),
            StreamId::new(7, 0),
            StreamId::new(5, 1)
        ]
    );
    let e = st
        .iter(Some(StreamId::new(7, 3)), None, false)
        .next()
        .unwrap();
    let f: Vec<(Vec<u8>, Vec<u8>)> = e.fields().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
    assert_eq!(f, vec![(b"c".to_vec(), b"3".to_vec())]);

    // Deleting flags the entry and moves the counters.
    assert!(st.delete_item(StreamId::new(7, 0)));
    assert!(!st.delete_item(StreamId::new(7, 0)));
    let h = node_header(&st.rax[&id1]);
    assert_eq!((h.count, h.deleted), (2, 1));
    assert_eq!(elements(&st, id1)[12], "3");
    assert_eq!(st.length, 2);
    assert!(validate_node(st.rax[&id1].as_bytes()));
    // A broken lp-count is caught.
    let mut bad = (*st.rax[&id1]).clone();
    let last = bad.last().unwrap();
    bad.replace(last, b"9");
    assert!(!validate_node(bad.as_bytes()));
    let lp = &st.rax[&id1];
    assert!(matches!(lp.get(lp.seek(12).unwrap()), LpEntry::Int(3)));
}

#[test]
fn nodes_split_on_limits() {
    let mut st = Stream::new();
    let lim = NodeLimits {
        max_bytes: 4096,
        max_entries: 2,
    };
    for i in 1..=5 {
        st.append_item(&fv(&[("f", "v")]), Some(StreamId::new(i, 0)), true, 0, lim)
            .unwrap();
    }
    assert_eq!(st.rax.len(), 3);
    assert_eq!(st.rax_node_count(), 8); // as redis-server reports
                                        // Trimming whole nodes only, with ~.
    let n = st.trim(&TrimArgs {
        strategy: TrimStrategy::MaxLen(2),
        approx: true,
        limit: 0,
    });
    assert_eq!(n, 2);
    assert_eq!(st.length, 3);
    assert_eq!(st.first_id, StreamId::new(3, 0));
    // Exact MINID marks entries inside the head node.
    let n = st.trim(&TrimArgs {
        strategy: TrimStrategy::MinId(StreamId::new(4, 0)),
        approx: false,
        limit: 0,
    });
    assert_eq!(n, 1);
    assert_eq!(st.first_id, StreamId::new(4, 0));
    assert_eq!(st.edge_id(true, false), StreamId::new(3, 0));
}

#[test]
fn auto_and_partial_ids() {
    let mut st = Stream::new();
    let lim = NodeLimits::default();
    assert_eq!(
        st.append_item(&fv(&[("a", "1")]), None, true, 100, lim),
        Ok(StreamId::new(100, 0))
    );
    assert_eq!(
        st.append_item(&fv(&[("a", "1")]), None, true, 50, lim),
        Ok(StreamId::new(100, 1))
    );
    assert_eq!(
        st.append_item(
            &fv(&[("a", "1")]),
            Some(StreamId::new(100, 0)),
            false,
            0,
            lim
        ),
        Ok(StreamId::new(100, 2))
    );
    assert_eq!(
        st.append_item(
            &fv(&[("a", "1")]),
            Some(StreamId::new(100, 2)),
            true,
            0,
            lim
        ),
        Err(super::encoding::AppendError::IdTooSmall)
    );
    assert_eq!(st.entries_added, 3);
}

#[derive(Debug, Clone)]
enum Op {
    Add(u64, u64, Vec<(Vec<u8>, Vec<u8>)>),
    Del(u64, u64),
    TrimLen(u64, bool),
    TrimId(u64, u64, bool),
    Range(u64, u64, u64, u64, bool),
}

fn op() -> impl Strategy<Value = Op> {
    let field = prop_oneof![
        Just(b"a".to_vec()),
        Just(b"b".to_vec()),
        Just(b"123".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..20),
    ];
    let pairs = proptest::collection::vec((field.clone(), field), 1..4);
    prop_oneof![
        6 => (0u64..40, 0u64..4, pairs).prop_map(|(m, s, p)| Op::Add(m, s, p)),
        2 => (0u64..40, 0u64..4).prop_map(|(m, s)| Op::Del(m, s)),
        1 => (0u64..30, any::<bool>()).prop_map(|(n, a)| Op::TrimLen(n, a)),
        1 => (0u64..40, 0u64..4, any::<bool>()).prop_map(|(m, s, a)| Op::TrimId(m, s, a)),
        2 => (0u64..40, 0u64..4, 0u64..40, 0u64..4, any::<bool>())
            .prop_map(|(a, b, c, d, r)| Op::Range(a, b, c, d, r)),
    ]
}

type Pairs = Vec<(Vec<u8>, Vec<u8>)>;
type Model = BTreeMap<(u64, u64), Pairs>;

fn entries(st: &Stream, start: StreamId, end: StreamId, rev: bool) -> Vec<((u64, u64), Pairs)> {
    st.iter(Some(start), Some(end), rev)
        .map(|e| {
            (
                (e.id.ms, e.id.seq),
                e.fields().map(|(f, v)| (f.to_vec(), v.to_vec())).collect(),
            )
        })
        .collect()
}

proptest! {
    #[test]
    fn stream_matches_btreemap(ops in proptest::collection::vec(op(), 1..200), max_entries in 1i64..8) {
        let lim = NodeLimits { max_bytes: 4096, max_entries };
        let mut st = Stream::new();
        let mut m: Model = BTreeMap::new();
        let mut last = (0u64, 0u64);
        for op in ops {
            match op {
                Op::Add(ms, seq, pairs) => {
                    let flat: Vec<Vec<u8>> = pairs.iter().flat_map(|(f, v)| [f.clone(), v.clone()]).collect();
                    let r = st.append_item(&flat, Some(StreamId::new(ms, seq)), true, 0, lim);
                    if (ms, seq) > last {
                        prop_assert_eq!(r, Ok(StreamId::new(ms, seq)));
                        m.insert((ms, seq), pairs);
                        last = (ms, seq);
                    } else {
                        prop_assert!(r.is_err());
                    }
                }
                Op::Del(ms, seq) => {
                    let id = StreamId::new(ms, seq);
                    prop_assert_eq!(st.delete_item(id), m.remove(&(ms, seq)).is_some());
                    // What XDEL does after deleting.
                    if st.length == 0 {
                        st.first_id = StreamId::MIN;
                    } else if id == st.first_id {
                        st.first_id = st.edge_id(true, true);
                    }
                }
                Op::TrimLen(n, approx) => {
                    let before = st.length;
                    let d = st.trim(&TrimArgs { strategy: TrimStrategy::MaxLen(n), approx, limit: 0 });
                    prop_assert_eq!(before - d as u64, st.length);
                    if approx {
                        prop_assert!(st.length >= n.min(before));
                    } else {
                        prop_assert_eq!(st.length, n.min(before));
                    }
                    // The oldest entries went.
                    while m.len() as u64 > st.length {
                        let k = *m.keys().next().unwrap();
                        m.remove(&k);
                    }
                }
                Op::TrimId(ms, seq, approx) => {
                    let before = st.length;
                    let d = st.trim(&TrimArgs { strategy: TrimStrategy::MinId(StreamId::new(ms, seq)), approx, limit: 0 });
                    prop_assert_eq!(before - d as u64, st.length);
                    while m.len() as u64 > st.length {
                        let k = *m.keys().next().unwrap();
                        prop_assert!(k < (ms, seq));
                        m.remove(&k);
                    }
                    if !approx {
                        prop_assert!(m.keys().all(|k| *k >= (ms, seq)));
                    }
                }
                Op::Range(a, b, c, d, rev) => {
                    let (s0, e0) = (StreamId::new(a, b), StreamId::new(c, d));
                    let got = entries(&st, s0, e0, rev);
                    let mut want: Vec<_> = if (a, b) <= (c, d) {
                        m.range((a, b)..=(c, d)).map(|(k, v)| (*k, v.clone())).collect()
                    } else {
                        Vec::new()
                    };
                    if rev {
                        want.reverse();
                    }
                    prop_assert_eq!(got, want);
                }
            }
            prop_assert_eq!(st.length, m.len() as u64);
            let first = m.keys().next().map(|k| StreamId::new(k.0, k.1)).unwrap_or_default();
            prop_assert_eq!(st.first_id, first);
            for lp in st.rax.values() {
                prop_assert!(validate_node(lp.as_bytes()));
            }
        }
        let all = entries(&st, StreamId::MIN, StreamId::MAX, false);
        let want: Vec<_> = m.iter().map(|(k, v)| (*k, v.clone())).collect();
        prop_assert_eq!(all, want);
    }
}

#[test]
fn snapshot_shares_untouched_nodes() {
    let lim = NodeLimits {
        max_bytes: 4096,
        max_entries: 2,
    };
    let mut st = Stream::new();
    for i in 1..=6 {
        st.append_item(&fv(&[("f", "v")]), Some(StreamId::new(i, 0)), true, 0, lim)
            .unwrap();
    }
    let snap = st.clone();
    st.delete_item(StreamId::new(6, 0));
    st.append_item(&fv(&[("f", "w")]), Some(StreamId::new(7, 0)), true, 0, lim)
        .unwrap();
    // The head nodes are still the snapshot's; only the tail was copied.
    let (a, b) = (
        st.rax.values().next().unwrap(),
        snap.rax.values().next().unwrap(),
    );
    assert!(std::sync::Arc::ptr_eq(a, b));
    assert_eq!(snap.length, 6);
    assert_eq!(entries(&snap, StreamId::MIN, StreamId::MAX, false).len(), 6);
    assert_eq!(st.length, 6);
}
