//! Stateless cursor iteration for SCAN, SSCAN, HSCAN and ZSCAN.
//! Redis counterpart: dict.c `dictScan` (7.0).
//!
//! Divergences: there is no bucket callback (`dictScanBucketFunction`, used by Redis
//! only for active defragmentation), and rehashing is not paused explicitly: `scan`
//! borrows the dict immutably, so the callback cannot change it.
//!
//! # How the reverse-binary cursor works
//!
//! SCAN hands the caller a single number and keeps no state between calls. Between two
//! calls the table may grow, shrink, or be half way through a rehash, yet every element
//! that was present for the whole iteration must be returned at least once. A plain
//! bucket counter (0, 1, 2, ...) fails that as soon as the table shrinks: if it has
//! covered buckets 0..=5 of a 16-bucket table when the table halves to 8, the elements
//! of bucket 12, not yet visited, move into bucket 4, which the counter has passed, and
//! are never returned. (Growth only makes a plain counter repeat elements.)
//!
//! The trick is to look at which buckets are "related" across sizes. With a table of
//! 2^n buckets an element lives in bucket `hash & (2^n - 1)`: the low n bits of its
//! hash. Doubling the table adds one more hash bit on top, so bucket `b` of the small
//! table splits into buckets `b` and `b + 2^n` of the big one; halving merges them back.
//! Related buckets share their low bits and differ only in high bits.
//!
//! So the cursor is incremented from the top: reverse its bits, add one, reverse back.
//! With 8 buckets (3 bits) the visiting order is
//!
//! ```text
//!   000 -> 100 -> 010 -> 110 -> 001 -> 101 -> 011 -> 111 -> (wraps to 0: done)
//! ```
//!
//! Read each cursor backwards and it counts 0, 1, 2, ... 7. The high bits change
//! fastest, the low bits slowest. The invariant this buys: when the cursor reads `c`,
//! every bucket whose reversed index is below reversed(`c`) was visited, and that set
//! is the same whatever the table size, because a bucket's position in this order is
//! decided by its low bits first.
//!
//! - Grow from 8 to 16 between calls, with cursor 110 (low bits "011" reversed): the
//!   visited 8-table buckets 000, 100, 010 correspond to the 16-table buckets 0000,
//!   1000, 0100, 1100, 0010, 1010, which are exactly the 16-table buckets that come
//!   before 0110 in reverse order. Nothing is missed and nothing is repeated.
//! - Shrink from 16 to 8 with cursor 1110 (16-bucket 0110 already visited): masked to
//!   3 bits it becomes 110, and 8-table bucket 110 is the union of 16-table buckets
//!   0110 and 1110. The elements from 0110 come back a second time (a duplicate, which
//!   SCAN allows) but nothing is skipped.
//!
//! To make "add one at the top" work for any table size, the bits above the mask are
//! first set to one: the carry then ripples through them and falls off the top of the
//! word, leaving the masked bits incremented in reverse order. When every masked bit
//! carries out too the result is 0, which is the "iteration complete" answer.
//!
//! While a rehash is running both tables hold elements. Take the smaller table (it may
//! be `ht[1]` when shrinking) and emit its bucket `cursor & small_mask`; then emit every
//! bucket of the larger table whose low bits equal that bucket: the expansions of
//! `cursor` through the extra high bits, walked in the same reverse order, until the
//! increment carries past the extra bits into the shared low bits. The cursor returned
//! is then the next small-table bucket, so each call covers one small bucket and its
//! whole family in the big table, and an element is found whichever table it sits in.
//!
//! The cost: an element can be returned more than once (after a shrink, or when it is
//! rehashed between calls), and the cursor is only meaningful for the table family it
//! came from; both are in SCAN's documented contract.

use super::Dict;

impl<K, V> Dict<K, V> {
    /// Redis: dictScan(). Calls `f` for every entry in the bucket(s) named by `cursor`
    /// and returns the cursor for the next call; 0 means the iteration is complete.
    /// Start with cursor 0.
    pub fn scan<F: FnMut(&K, &V)>(&self, cursor: u64, mut f: F) -> u64 {
        if self.is_empty() {
            return 0;
        }
        let mut v = cursor;
        let mut emit = |table: usize, bucket: usize| {
            let mut cur = self.ht[table].head(bucket);
            while let Some(e) = cur {
                f(&e.key, &e.val);
                cur = e.next.as_deref();
            }
        };

        if !self.is_rehashing() {
            let m0 = self.ht[0].mask() as u64;
            emit(0, (v & m0) as usize);
            v = rev_increment(v, m0);
        } else {
            let (small, big) = if self.ht[0].size > self.ht[1].size {
                (1, 0)
            } else {
                (0, 1)
            };
            let m0 = self.ht[small].mask() as u64;
            let m1 = self.ht[big].mask() as u64;

            emit(small, (v & m0) as usize);
            // Every bucket of the big table that shares the small bucket's low bits.
            loop {
                emit(big, (v & m1) as usize);
                v = rev_increment(v, m1);
                if v & (m0 ^ m1) == 0 {
                    break;
                }
            }
        }
        v
    }
}

/// Adds one to the bits of `v` under `mask`, counting from the most significant masked
/// bit down (reverse-binary increment). The bits above the mask are set first so the
/// carry runs through them and falls off; the result keeps no bits above the mask.
#[inline]
fn rev_increment(v: u64, mask: u64) -> u64 {
    let v = v | !mask;
    v.reverse_bits().wrapping_add(1).reverse_bits()
}

#[cfg(test)]
mod tests {
    use super::super::tests::enabled;
    use super::super::Dict;
    use super::rev_increment;
    use std::collections::HashSet;

    #[test]
    fn reverse_increment_order() {
        let mut v = 0;
        let mut order = vec![];
        loop {
            order.push(v);
            v = rev_increment(v, 7);
            if v == 0 {
                break;
            }
        }
        assert_eq!(
            order,
            vec![0b000, 0b100, 0b010, 0b110, 0b001, 0b101, 0b011, 0b111]
        );
    }

    fn key(i: usize) -> Vec<u8> {
        format!("scan-key-{i}").into_bytes()
    }

    fn full_scan(d: &Dict<Vec<u8>, usize>) -> Vec<usize> {
        let mut out = vec![];
        let mut cursor = 0;
        loop {
            cursor = d.scan(cursor, |_, v| out.push(*v));
            if cursor == 0 {
                return out;
            }
        }
    }

    #[test]
    fn stable_table_returns_each_element_exactly_once() {
        let _g = enabled();
        let mut d = Dict::new();
        for i in 0..500 {
            d.insert(key(i), i);
        }
        while d.rehash(100) {}
        let mut seen = full_scan(&d);
        seen.sort_unstable();
        assert_eq!(seen, (0..500).collect::<Vec<_>>());
    }

    #[test]
    fn mid_rehash_both_directions() {
        let _g = enabled();
        for grow in [true, false] {
            let mut d = Dict::new();
            for i in 0..300 {
                d.insert(key(i), i);
            }
            while d.rehash(100) {}
            if grow {
                assert!(d.expand(4096));
            } else {
                for i in 20..300 {
                    d.remove(&key(i));
                }
                while d.rehash(100) {}
                assert!(d.resize());
            }
            d.rehash(3);
            assert!(d.is_rehashing());
            let seen: HashSet<usize> = full_scan(&d).into_iter().collect();
            let want: HashSet<usize> = d.values().copied().collect();
            assert_eq!(seen, want);
        }
    }

    #[test]
    fn survives_grow_and_shrink_between_calls() {
        let _g = enabled();
        let mut d = Dict::new();
        for i in 0..64 {
            d.insert(key(i), i);
        }
        let mut seen = HashSet::new();
        let mut cursor = d.scan(0, |_, v| {
            seen.insert(*v);
        });
        // Grow a lot, then shrink back, with the scan in flight.
        for i in 64..5000 {
            d.insert(key(i), i);
        }
        cursor = d.scan(cursor, |_, v| {
            seen.insert(*v);
        });
        for i in 64..5000 {
            d.remove(&key(i));
        }
        while d.rehash(100) {}
        d.resize();
        while cursor != 0 {
            cursor = d.scan(cursor, |_, v| {
                seen.insert(*v);
            });
            d.rehash(1);
        }
        for i in 0..64 {
            assert!(seen.contains(&i), "key {i} missed");
        }
    }

    #[test]
    fn empty_dict_scan_is_done() {
        let d: Dict<Vec<u8>, ()> = Dict::new();
        assert_eq!(d.scan(0, |_, _| panic!("no entries")), 0);
        assert_eq!(d.scan(12345, |_, _| panic!("no entries")), 0);
    }
}
