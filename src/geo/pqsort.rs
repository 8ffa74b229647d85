//! Sorting the matches of a search. Redis counterpart: pqsort.c (7.0),
//! NetBSD's qsort with a wanted range of ranks, plus the libc qsort Redis
//! calls for a full sort (glibc's merge sort, `merge_sort` here).
//!
//! Sorts only as much of a slice as needed for the ranks `lrange..=rrange`
//! to hold the elements a full sort would put there: after partitioning, a
//! part is recursed into only when it overlaps the wanted ranks. GEORADIUS
//! and GEOSEARCH with COUNT use it to pick the nearest N matches.
//! Divergence: indices instead of byte pointers. The pivot choices, swaps
//! and partitioning are Redis's, so elements that compare equal (points at
//! the same distance) come out in the same order as in Redis.

use std::cmp::Ordering;

/// The median of three, by index. Redis: med3.
fn med3<T>(v: &[T], a: usize, b: usize, c: usize, cmp: &impl Fn(&T, &T) -> Ordering) -> usize {
    let lt = |x: usize, y: usize| cmp(&v[x], &v[y]) == Ordering::Less;
    let gt = |x: usize, y: usize| cmp(&v[x], &v[y]) == Ordering::Greater;
    if lt(a, b) {
        if lt(b, c) {
            b
        } else if lt(a, c) {
            c
        } else {
            a
        }
    } else if gt(b, c) {
        b
    } else if lt(a, c) {
        a
    } else {
        c
    }
}

/// Swaps the `n` elements at `a..` with those at `b..`. Redis: vecswap.
fn vecswap<T>(v: &mut [T], a: usize, b: usize, n: usize) {
    for i in 0..n {
        v.swap(a + i, b + i);
    }
}

/// Sorts enough of `v` that ranks `lrange..=rrange` are final.
/// Redis: pqsort.
pub fn pqsort<T>(v: &mut [T], lrange: usize, rrange: usize, cmp: impl Fn(&T, &T) -> Ordering) {
    let n = v.len();
    sort_part(v, 0, n, lrange, rrange, &cmp);
}

/// Sorts `v[base..base + n]` as far as ranks `lrange..=rrange` (counted
/// from `v`'s start) need. Redis: _pqsort.
fn sort_part<T>(
    v: &mut [T],
    mut base: usize,
    mut n: usize,
    lrange: usize,
    rrange: usize,
    cmp: &impl Fn(&T, &T) -> Ordering,
) {
    let c = |v: &[T], x: usize, y: usize| cmp(&v[x], &v[y]);
    // Whether [lo, lo + len) holds any wanted rank.
    let overlaps = |lo: usize, len: usize| {
        !((lrange < lo && rrange < lo) || (lrange >= lo + len && rrange >= lo + len))
    };
    loop {
        let a = base;
        if n < 7 {
            // Insertion sort for the small parts.
            for pm in a + 1..a + n {
                let mut pl = pm;
                while pl > a && c(v, pl - 1, pl) == Ordering::Greater {
                    v.swap(pl, pl - 1);
                    pl -= 1;
                }
            }
            return;
        }
        // The pivot: the middle element, the median of three for n > 7, or
        // the median of three medians ("ninther") for n > 40.
        let mut pm = a + n / 2;
        if n > 7 {
            let mut pl = a;
            let mut pn = a + n - 1;
            if n > 40 {
                let d = n / 8;
                pl = med3(v, pl, pl + d, pl + 2 * d, cmp);
                pm = med3(v, pm - d, pm, pm + d, cmp);
                pn = med3(v, pn - 2 * d, pn - d, pn, cmp);
            }
            pm = med3(v, pl, pm, pn, cmp);
        }
        v.swap(a, pm);
        // Bentley-McIlroy three-way partition: elements equal to the pivot
        // are parked at both ends ([a, pa) and (pd, a + n)), the smaller
        // ones gather in [pa, pb), the larger in (pc, pd].
        let (mut pa, mut pb) = (a + 1, a + 1);
        let (mut pc, mut pd) = (a + n - 1, a + n - 1);
        loop {
            while pb <= pc {
                let r = c(v, pb, a);
                if r == Ordering::Greater {
                    break;
                }
                if r == Ordering::Equal {
                    v.swap(pa, pb);
                    pa += 1;
                }
                pb += 1;
            }
            while pb <= pc {
                let r = c(v, pc, a);
                if r == Ordering::Less {
                    break;
                }
                if r == Ordering::Equal {
                    v.swap(pc, pd);
                    pd -= 1;
                }
                pc -= 1;
            }
            if pb > pc {
                break;
            }
            v.swap(pb, pc);
            pb += 1;
            pc -= 1;
        }
        // Move the parked equal elements into the middle.
        let pn = a + n;
        let r = (pa - a).min(pb - pa);
        vecswap(v, a, pb - r, r);
        let r = (pd - pc).min(pn - pd - 1);
        vecswap(v, pb, pn - r, r);
        // Recurse into the smaller-than part, loop on the larger-than part,
        // each only when it holds a wanted rank.
        let r = pb - pa;
        if r > 1 && overlaps(a, r) {
            sort_part(v, a, r, lrange, rrange, cmp);
        }
        let r = pd - pc;
        if r > 1 {
            base = pn - r;
            n = r;
            if overlaps(base, n) {
                continue;
            }
        }
        return;
    }
}

/// Sorts all of `v`, as glibc's qsort does: a top-down merge sort that
/// takes from the left run on ties (so it is stable). Redis sorts the full
/// result with qsort, and with this same merge order even a comparator that
/// is not a total order (a NaN distance) gives Redis's output, and no panic.
/// Like glibc for elements over 32 bytes, it sorts indices and then moves
/// each element once.
pub fn merge_sort<T>(v: &mut Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    let mut tmp = Vec::with_capacity(v.len());
    msort_with_tmp(&mut idx, &mut tmp, &|a: &usize, b: &usize| {
        cmp(&v[*a], &v[*b])
    });
    let mut old: Vec<Option<T>> = v.drain(..).map(Some).collect();
    v.extend(idx.iter().filter_map(|&i| old[i].take()));
}

/// glibc: msort_with_tmp.
fn msort_with_tmp<T: Copy>(v: &mut [T], tmp: &mut Vec<T>, cmp: &impl Fn(&T, &T) -> Ordering) {
    let n = v.len();
    if n <= 1 {
        return;
    }
    let n1 = n / 2;
    msort_with_tmp(&mut v[..n1], tmp, cmp);
    msort_with_tmp(&mut v[n1..], tmp, cmp);
    tmp.clear();
    let (mut i, mut j) = (0, n1);
    while i < n1 && j < n {
        if cmp(&v[i], &v[j]) != Ordering::Greater {
            tmp.push(v[i]);
            i += 1;
        } else {
            tmp.push(v[j]);
            j += 1;
        }
    }
    tmp.extend_from_slice(&v[i..n1]);
    // What is left of the right run is already in place.
    v[..tmp.len()].copy_from_slice(tmp);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn wanted_ranks_match_a_full_sort(
            mut v in proptest::collection::vec(0u8..20, 0..200),
            a in 0usize..200,
            b in 0usize..200,
        ) {
            if v.is_empty() {
                return Ok(());
            }
            let (l, r) = (a.min(b) % v.len(), a.max(b) % v.len());
            let (l, r) = (l.min(r), l.max(r));
            let mut sorted = v.clone();
            sorted.sort();
            pqsort(&mut v, l, r, |x, y| x.cmp(y));
            prop_assert_eq!(&v[l..=r], &sorted[l..=r]);
        }

        #[test]
        fn merge_sort_is_a_stable_sort(v in proptest::collection::vec((0u8..10, 0u16..1000), 0..300)) {
            let mut a = v.clone();
            let mut b = v;
            merge_sort(&mut a, |x, y| x.0.cmp(&y.0));
            b.sort_by_key(|x| x.0);
            prop_assert_eq!(a, b);
        }
    }
}
