//! Partial quicksort. Redis counterpart: pqsort.c, which SORT uses when a
//! BY pattern is combined with a LIMIT that selects only part of the result.
//!
//! # How a partial sort saves work
//!
//! Quicksort splits the array around a pivot and then sorts both sides on
//! their own. When the caller only needs the elements that end up at
//! positions `lrange..=rrange`, a side whose positions do not overlap that
//! window can be left unsorted: the pivot step already guarantees that every
//! element on it belongs on that side, so the window's contents are final
//! once the overlapping sides are sorted. With a small LIMIT the expected
//! cost falls from O(n log n) towards O(n).
//!
//! The partitioning is the Bentley–McIlroy scheme of the BSD `qsort` that
//! pqsort.c derives from: the pivot is the median of three (of three
//! medians-of-three above 40 elements), keys equal to the pivot are gathered
//! at both ends while scanning and swapped into the middle afterwards, and
//! runs shorter than 7 are insertion-sorted. The comparisons happen in the
//! same order as in Redis, so elements that compare equal come out in the
//! same (unspecified, not stable) order as Redis's.
//!
//! `merge_sort` is the full sort Redis gets from libc's qsort (glibc's merge
//! sort), which GEORADIUS/GEOSEARCH use without COUNT.
//! Divergence: indices into a slice instead of byte pointers and `es`.

use std::cmp::Ordering;

/// Sorts enough of `v` that positions `lrange..=rrange` hold what a full
/// sort would put there; the rest is partitioned but may be unsorted.
/// Redis: pqsort().
pub fn pqsort<T, F>(v: &mut [T], lrange: usize, rrange: usize, mut cmp: F)
where
    F: FnMut(&T, &T) -> Ordering,
{
    partial_sort(v, 0, lrange, rrange, &mut cmp);
}

/// Does the window `lrange..=rrange` overlap the `n` elements starting at
/// absolute position `start`?
fn overlaps(start: usize, n: usize, lrange: usize, rrange: usize) -> bool {
    !(rrange < start || lrange >= start + n)
}

/// Index of the median of `v[a]`, `v[b]`, `v[c]`. Redis: med3().
fn med3<T, F>(v: &[T], a: usize, b: usize, c: usize, cmp: &mut F) -> usize
where
    F: FnMut(&T, &T) -> Ordering,
{
    if cmp(&v[a], &v[b]) == Ordering::Less {
        if cmp(&v[b], &v[c]) == Ordering::Less {
            b
        } else if cmp(&v[a], &v[c]) == Ordering::Less {
            c
        } else {
            a
        }
    } else if cmp(&v[b], &v[c]) == Ordering::Greater {
        b
    } else if cmp(&v[a], &v[c]) == Ordering::Less {
        a
    } else {
        c
    }
}

/// Swaps the `n` elements at `a..` with those at `b..`. Redis: vecswap.
fn vecswap<T>(v: &mut [T], a: usize, b: usize, n: usize) {
    for k in 0..n {
        v.swap(a + k, b + k);
    }
}

/// `v` sits at absolute position `start` of the caller's array. Redis:
/// _pqsort(), whose tail recursion on the right part is a loop here too.
fn partial_sort<T, F>(mut v: &mut [T], mut start: usize, lrange: usize, rrange: usize, cmp: &mut F)
where
    F: FnMut(&T, &T) -> Ordering,
{
    loop {
        let n = v.len();
        if n < 7 {
            for m in 1..n {
                let mut l = m;
                while l > 0 && cmp(&v[l - 1], &v[l]) == Ordering::Greater {
                    v.swap(l, l - 1);
                    l -= 1;
                }
            }
            return;
        }
        let mut m = n / 2;
        if n > 7 {
            let mut l = 0;
            let mut h = n - 1;
            if n > 40 {
                let d = n / 8;
                l = med3(v, l, l + d, l + 2 * d, cmp);
                m = med3(v, m - d, m, m + d, cmp);
                h = med3(v, h - 2 * d, h - d, h, cmp);
            }
            m = med3(v, l, m, h, cmp);
        }
        v.swap(0, m);

        // v[0] is the pivot. Invariant while scanning:
        //   [1, pa)  equal    [pa, pb) less    (pc, pd] greater    (pd, n) equal
        let (mut pa, mut pb) = (1usize, 1usize);
        let (mut pc, mut pd) = (n as isize - 1, n as isize - 1);
        loop {
            while pb as isize <= pc {
                let r = cmp(&v[pb], &v[0]);
                if r == Ordering::Greater {
                    break;
                }
                if r == Ordering::Equal {
                    v.swap(pa, pb);
                    pa += 1;
                }
                pb += 1;
            }
            while pb as isize <= pc {
                let r = cmp(&v[pc as usize], &v[0]);
                if r == Ordering::Less {
                    break;
                }
                if r == Ordering::Equal {
                    v.swap(pc as usize, pd as usize);
                    pd -= 1;
                }
                pc -= 1;
            }
            if pb as isize > pc {
                break;
            }
            v.swap(pb, pc as usize);
            pb += 1;
            pc -= 1;
        }

        // Move the equal runs from both ends into the middle.
        let r = pa.min(pb - pa);
        vecswap(v, 0, pb - r, r);
        let (pc, pd) = (pc as usize, pd as usize);
        let r = (pd - pc).min(n - pd - 1);
        vecswap(v, pb, n - r, r);

        let less = pb - pa;
        if less > 1 && overlaps(start, less, lrange, rrange) {
            partial_sort(&mut v[..less], start, lrange, rrange, cmp);
        }
        let greater = pd - pc;
        if greater > 1 {
            let from = n - greater;
            if overlaps(start + from, greater, lrange, rrange) {
                v = &mut v[from..];
                start += from;
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

    #[test]
    fn sorts_whole_range() {
        let mut v: Vec<i32> = (0..100).rev().collect();
        pqsort(&mut v, 0, 99, |a, b| a.cmp(b));
        assert_eq!(v, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn small_and_empty() {
        let mut e: Vec<i32> = vec![];
        pqsort(&mut e, 0, 0, |a, b| a.cmp(b));
        let mut v = vec![3, 1, 2];
        pqsort(&mut v, 1, 1, |a, b| a.cmp(b));
        assert_eq!(v, [1, 2, 3]);
    }

    proptest! {
        #[test]
        fn merge_sort_is_a_stable_sort(v in proptest::collection::vec((0u8..10, 0u16..1000), 0..300)) {
            let mut a = v.clone();
            let mut b = v;
            merge_sort(&mut a, |x, y| x.0.cmp(&y.0));
            b.sort_by_key(|x| x.0);
            prop_assert_eq!(a, b);
        }

        /// The window holds exactly what a full sort puts there.
        #[test]
        fn window_matches_full_sort(
            v in prop::collection::vec(0u16..50, 0..300),
            a in 0usize..300,
            b in 0usize..300,
        ) {
            prop_assume!(!v.is_empty());
            let (l, r) = (a.min(b) % v.len(), a.max(b) % v.len());
            let (l, r) = (l.min(r), l.max(r));
            let mut sorted = v.clone();
            sorted.sort();
            let mut p = v.clone();
            pqsort(&mut p, l, r, |x, y| x.cmp(y));
            prop_assert_eq!(&p[l..=r], &sorted[l..=r]);
            let mut all = p.clone();
            all.sort();
            prop_assert_eq!(all, sorted);
        }
    }
}
