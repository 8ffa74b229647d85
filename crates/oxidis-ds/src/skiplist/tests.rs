//! Tests of the skiplist (`mod.rs`): a proptest model against a sorted
//! `Vec<(f64, Vec<u8>)>`, and cases for tall nodes and range deletes.

use proptest::prelude::*;

use super::*;

#[derive(Clone, Debug)]
enum Op {
    Insert(i8, u8),
    Delete(u8),
    Update(u8, i8),
    Rank(u8),
    Range(i8, i8, bool, bool),
    Lex(u8, u8, bool, bool),
    DelRank(u8, u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<i8>(), 0u8..40).prop_map(|(s, e)| Op::Insert(s % 10, e)),
        2 => (0u8..40).prop_map(Op::Delete),
        2 => (0u8..40, any::<i8>()).prop_map(|(e, s)| Op::Update(e, s % 10)),
        1 => (0u8..40).prop_map(Op::Rank),
        1 => (any::<i8>(), any::<i8>(), any::<bool>(), any::<bool>())
            .prop_map(|(a, b, x, y)| Op::Range(a % 11, b % 11, x, y)),
        1 => (0u8..40, 0u8..40, any::<bool>(), any::<bool>())
            .prop_map(|(a, b, x, y)| Op::Lex(a, b, x, y)),
        1 => (0u8..10, 0u8..10).prop_map(|(a, b)| Op::DelRank(a, b)),
    ]
}

fn name(e: u8) -> Vec<u8> {
    format!("m{}", e).into_bytes()
}

fn sort(m: &mut [(f64, Vec<u8>)]) {
    m.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap().then_with(|| a.1.cmp(&b.1)));
}

proptest! {
    #[test]
    fn skiplist_matches_sorted_vec(ops in proptest::collection::vec(op(), 1..300)) {
        let mut z = Skiplist::new();
        let mut m: Vec<(f64, Vec<u8>)> = Vec::new();
        for op in ops {
            match op {
                Op::Insert(s, e) => {
                    let e = name(e);
                    if !m.iter().any(|(_, x)| *x == e) {
                        z.insert(s as f64, e.clone().into());
                        m.push((s as f64, e));
                        sort(&mut m);
                    }
                }
                Op::Delete(e) => {
                    let e = name(e);
                    let pos = m.iter().position(|(_, x)| *x == e);
                    let score = pos.map(|p| m[p].0).unwrap_or(0.0);
                    let got = z.delete(score, &e);
                    prop_assert_eq!(got.is_some(), pos.is_some());
                    if let Some(p) = pos { m.remove(p); }
                }
                Op::Update(e, s) => {
                    let e = name(e);
                    if let Some(p) = m.iter().position(|(_, x)| *x == e) {
                        let x = z.update_score(m[p].0, &e, s as f64);
                        prop_assert_eq!(z.score(x), s as f64);
                        m[p].0 = s as f64;
                        sort(&mut m);
                    }
                }
                Op::Rank(e) => {
                    let e = name(e);
                    match m.iter().position(|(_, x)| *x == e) {
                        Some(p) => prop_assert_eq!(z.get_rank(m[p].0, &e), p + 1),
                        None => prop_assert_eq!(z.get_rank(0.0, &e), 0),
                    }
                }
                Op::Range(a, b, minex, maxex) => {
                    let r = ZRangeSpec { min: a as f64, max: b as f64, minex, maxex };
                    let want: Vec<&Vec<u8>> = m.iter()
                        .filter(|(s, _)| r.value_gte_min(*s) && r.value_lte_max(*s))
                        .map(|(_, e)| e).collect();
                    let f = z.first_in_range(&r);
                    let l = z.last_in_range(&r);
                    if !r.is_valid() || want.is_empty() {
                        prop_assert_eq!(f, NIL);
                        prop_assert_eq!(l, NIL);
                    } else {
                        prop_assert_eq!(z.ele(f), &want[0][..]);
                        prop_assert_eq!(z.ele(l), &want[want.len() - 1][..]);
                    }
                }
                Op::Lex(a, b, minex, maxex) => {
                    // Lex ranges are meaningful over equal scores: test on
                    // a fresh list of all members at score 0.
                    let mut lz = Skiplist::new();
                    let mut names: Vec<Vec<u8>> = m.iter().map(|(_, e)| e.clone()).collect();
                    names.sort();
                    for e in &names { lz.insert(0.0, e.clone().into()); }
                    let bound = |e: u8, ex: bool| if ex { LexBound::Excl(name(e)) } else { LexBound::Incl(name(e)) };
                    let r = ZLexRangeSpec { min: bound(a, minex), max: bound(b, maxex) };
                    let want: Vec<&Vec<u8>> = names.iter()
                        .filter(|e| r.value_gte_min(e) && r.value_lte_max(e)).collect();
                    let f = lz.first_in_lex_range(&r);
                    if !r.is_valid() || want.is_empty() {
                        prop_assert_eq!(f, NIL);
                    } else {
                        prop_assert_eq!(lz.ele(f), &want[0][..]);
                        prop_assert_eq!(lz.ele(lz.last_in_lex_range(&r)), &want[want.len() - 1][..]);
                        let mut gone = Vec::new();
                        let n = lz.delete_range_by_lex(&r, &mut |e| gone.push(e.to_vec()));
                        prop_assert_eq!(n, want.len());
                        lz.check();
                    }
                }
                Op::DelRank(a, b) => {
                    let (start, end) = (a as usize + 1, a as usize + 1 + b as usize);
                    let mut gone = Vec::new();
                    z.delete_range_by_rank(start, end, &mut |e| gone.push(e.to_vec()));
                    let hi = end.min(m.len());
                    let want: Vec<Vec<u8>> = if start <= hi {
                        m.drain(start - 1..hi).map(|(_, e)| e).collect()
                    } else { Vec::new() };
                    prop_assert_eq!(gone, want);
                }
            }
            z.check();
            let got: Vec<(f64, Vec<u8>)> = z.iter().map(|(e, s)| (s, e.to_vec())).collect();
            prop_assert_eq!(&got, &m);
        }
    }
}

proptest! {
    /// The walks of warm_paths end where a search by score would: on the
    /// last node scoring below each target.
    #[test]
    fn warm_paths_reach_the_last_node_below(
        scores in proptest::collection::vec(-20i8..20, 0..400),
        targets in proptest::collection::vec(prop_oneof![
            8 => (-25i8..25).prop_map(|t| t as f64 / 2.0),
            1 => Just(f64::INFINITY),
            1 => Just(f64::NEG_INFINITY),
            1 => Just(f64::NAN),
        ], 0..40),
    ) {
        let mut z = Skiplist::new();
        for (i, &s) in scores.iter().enumerate() {
            z.insert(s as f64, format!("m{i}").into_bytes().into());
        }
        let reached = z.warm_paths(&targets);
        for (k, &t) in targets.iter().take(WARM_MAX).enumerate() {
            let below = scores.iter().filter(|&&s| (s as f64) < t).count();
            let x = reached[k];
            if below == 0 {
                prop_assert_eq!(x, HEADER);
            } else {
                prop_assert!(z.score(x) < t);
                prop_assert_eq!(z.get_rank(z.score(x), z.ele(x)), below);
            }
        }
        z.check();
    }
}

/// Enough nodes that some are taller than the inline levels (one in
/// 4096), deleted and reinserted so their side slots are reused.
#[test]
fn tall_nodes_survive_churn() {
    let mut z = Skiplist::new();
    let n = 30_000;
    for i in 0..n {
        z.insert((i % 1000) as f64, format!("m{i}").into_bytes().into());
    }
    assert!(z.level > INLINE_LEVELS);
    for i in (0..n).step_by(2) {
        assert!(z
            .delete((i % 1000) as f64, format!("m{i}").as_bytes())
            .is_some());
    }
    for i in (0..n).step_by(2) {
        z.insert(-((i % 7) as f64), format!("m{i}").into_bytes().into());
    }
    for i in (1..n).step_by(10) {
        z.update_score(
            (i % 1000) as f64,
            format!("m{i}").as_bytes(),
            5000.0 + i as f64,
        );
    }
    z.check();
    assert_eq!(z.len(), n);
    assert_eq!(z.iter().count(), n);
    // The warm-up walks cross the tall levels too.
    let targets = [-3.5, 0.0, 499.5, 5000.0, 1e9];
    let reached = z.warm_paths(&targets);
    for (&t, &x) in targets.iter().zip(&reached) {
        let below = z.iter().filter(|&(_, s)| s < t).count();
        assert!(z.score(x) < t);
        assert_eq!(z.get_rank(z.score(x), z.ele(x)), below);
    }
}

#[test]
fn delete_range_by_score_counts() {
    let mut z = Skiplist::new();
    for i in 0..100 {
        z.insert(i as f64, format!("e{i:03}").into_bytes().into());
    }
    let r = ZRangeSpec {
        min: 10.0,
        max: 20.0,
        minex: true,
        maxex: false,
    };
    let n = z.delete_range_by_score(&r, &mut |_| {});
    assert_eq!(n, 10);
    z.check();
    assert_eq!(z.len(), 90);
}
