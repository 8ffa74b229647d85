//! Random sampling of entries, for RANDOMKEY, SRANDMEMBER/SPOP, HRANDFIELD, eviction and
//! active expiry. Redis counterpart: dict.c `dictGetRandomKey`, `dictGetSomeKeys`,
//! `dictGetFairRandomKey` (7.0).
//!
//! Divergences:
//! - Randomness comes from the thread's generator (`crate::rand`; Redis uses libc
//!   `random()` and its own `randomULong()`). Sampling does not need cryptographic
//!   quality, only speed and no shared state.
//! - The samplers record positions (table, bucket, chain depth) and resolve them to
//!   references at the end, which keeps the borrow of the dict simple.

use super::{Dict, Pos};

/// How many entries the fair sampler draws before picking one.
/// Redis: GETFAIR_NUM_ENTRIES.
const GETFAIR_NUM_ENTRIES: usize = 15;

/// A uniform-enough number in `0..n` (`n > 0`).
#[inline]
fn below(n: usize) -> usize {
    crate::rand::random_below(n)
}

impl<K: AsRef<[u8]> + Clone + Eq, V: Clone> Dict<K, V> {
    /// Redis: dictGetSomeKeys(). Returns up to `count` entries from a random region of
    /// the table: fast, but not uniform, not guaranteed to find `count` (or any)
    /// entries, and free to return an entry twice (after jumping back into a region
    /// it already walked). Does rehash work proportional to `count` first.
    pub fn get_some_keys(&mut self, count: usize) -> Vec<(&K, &V)> {
        let count = count.min(self.len());
        self.rehash_steps(count);
        let mut picks = vec![None; count];
        let got = self.sample_positions(&mut picks);
        let this = &*self;
        picks[..got]
            .iter()
            .map(|p| {
                let e = this.entry_at(p.expect("sampled position"));
                (&e.key, &e.val)
            })
            .collect()
    }

    /// Redis: dictGetFairRandomKey(). Samples a few entries with the fast sampler and
    /// picks one of them, which corrects much of the bias toward long chains; falls
    /// back to [`Dict::random_key_unfair`] when the sampler came back empty handed.
    pub fn random_entry(&mut self) -> Option<(&K, &V)> {
        if self.is_empty() {
            return None;
        }
        let count = GETFAIR_NUM_ENTRIES.min(self.len());
        self.rehash_steps(count);
        let mut picks = [None; GETFAIR_NUM_ENTRIES];
        let got = self.sample_positions(&mut picks[..count]);
        let pos = if got == 0 {
            self.random_position()?
        } else {
            picks[below(got)].expect("sampled position")
        };
        let e = self.entry_at(pos);
        Some((&e.key, &e.val))
    }

    /// Redis: dictGetRandomKey(). Picks a random non-empty bucket, then a random entry
    /// of its chain: entries in short chains are likelier to be chosen.
    pub fn random_key_unfair(&mut self) -> Option<(&K, &V)> {
        let pos = self.random_position()?;
        let e = self.entry_at(pos);
        Some((&e.key, &e.val))
    }

    /// Redis: the rehash loop at the top of dictGetSomeKeys().
    fn rehash_steps(&mut self, count: usize) {
        for _ in 0..count {
            if !self.is_rehashing() {
                break;
            }
            self.rehash_step();
        }
    }

    /// The body of dictGetRandomKey(), returning a position.
    fn random_position(&mut self) -> Option<Pos> {
        if self.is_empty() {
            return None;
        }
        self.rehash_step();
        let (table, bucket) = match self.rehashidx {
            // Buckets below rehashidx in ht[0] are known empty: draw from the rest of
            // ht[0] and all of ht[1], numbered one after the other.
            Some(ridx) => {
                let s0 = self.ht[0].size;
                loop {
                    let h = ridx + below(self.slots() - ridx);
                    let (t, b) = if h >= s0 { (1, h - s0) } else { (0, h) };
                    if self.ht[t].head(b).is_some() {
                        break (t, b);
                    }
                }
            }
            None => {
                let m = self.ht[0].mask();
                loop {
                    let b = crate::rand::random_u64() as usize & m;
                    if self.ht[0].head(b).is_some() {
                        break (0, b);
                    }
                }
            }
        };
        let mut len = 0;
        let mut cur = self.ht[table].head(bucket);
        while let Some(e) = cur {
            len += 1;
            cur = e.next.as_deref();
        }
        Some(Pos {
            table,
            bucket,
            depth: below(len),
        })
    }

    /// The sampling loop of dictGetSomeKeys(): walks buckets from a random start in
    /// both tables, jumping elsewhere after a run of empty buckets, and fills `out`
    /// (whose length is the wanted count). Chains that overflow `out` are reservoir
    /// sampled so the tail of a long chain has its fair chance. Returns how many slots
    /// of `out` were filled.
    fn sample_positions(&self, out: &mut [Option<Pos>]) -> usize {
        let count = out.len();
        if count == 0 {
            return 0;
        }
        let tables = if self.is_rehashing() { 2 } else { 1 };
        let ridx = self.rehashidx.unwrap_or(0);
        let mut maxmask = self.ht[0].mask();
        if tables == 2 {
            maxmask = maxmask.max(self.ht[1].mask());
        }
        let mut maxsteps = count * 10;
        let mut stored = 0;
        let mut emptylen = 0;
        let mut i = crate::rand::random_u64() as usize & maxmask;

        while stored < count && maxsteps > 0 {
            maxsteps -= 1;
            for table in 0..tables {
                // ht[0] holds nothing below rehashidx. If ht[1] is also too small to
                // reach index i (a shrink), neither table has anything until
                // rehashidx: jump there.
                if tables == 2 && table == 0 && i < ridx {
                    if i >= self.ht[1].size {
                        i = ridx;
                    } else {
                        continue;
                    }
                }
                let t = &self.ht[table];
                if i >= t.size {
                    continue;
                }
                match t.head(i) {
                    None => {
                        emptylen += 1;
                        if emptylen >= 5 && emptylen > count {
                            i = crate::rand::random_u64() as usize & maxmask;
                            emptylen = 0;
                        }
                    }
                    Some(head) => {
                        emptylen = 0;
                        let mut cur = Some(head);
                        let mut depth = 0;
                        while let Some(e) = cur {
                            let pos = Pos {
                                table,
                                bucket: i,
                                depth,
                            };
                            if stored < count {
                                out[stored] = Some(pos);
                            } else {
                                let r = below(stored + 1);
                                if r < count {
                                    out[r] = Some(pos);
                                }
                            }
                            stored += 1;
                            depth += 1;
                            cur = e.next.as_deref();
                        }
                        if stored >= count {
                            return count;
                        }
                    }
                }
            }
            i = (i + 1) & maxmask;
        }
        stored.min(count)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::enabled;
    use super::super::Dict;
    use std::collections::HashMap;

    fn filled(n: usize) -> Dict<Vec<u8>, usize> {
        let mut d = Dict::new();
        for i in 0..n {
            d.insert(format!("r{i}").into_bytes(), i);
        }
        d
    }

    #[test]
    fn empty_gives_nothing() {
        let mut d: Dict<Vec<u8>, usize> = Dict::new();
        assert!(d.random_entry().is_none());
        assert!(d.random_key_unfair().is_none());
        assert!(d.get_some_keys(10).is_empty());
    }

    #[test]
    fn samples_are_members() {
        let _g = enabled();
        let mut d = filled(1000);
        d.expand(8192); // sample while rehashing too
        for _ in 0..50 {
            let got: Vec<(Vec<u8>, usize)> = d
                .get_some_keys(20)
                .into_iter()
                .map(|(k, v)| (k.clone(), *v))
                .collect();
            assert!(got.len() <= 20);
            for (k, v) in got {
                assert_eq!(d.get(&k), Some(&v));
            }
        }
        // Asking for more than there is returns at most everything.
        let mut small = filled(3);
        assert!(small.get_some_keys(100).len() <= 3);
    }

    #[test]
    fn random_entry_reaches_every_key() {
        let _g = enabled();
        let mut d = filled(40);
        let mut hits: HashMap<usize, usize> = HashMap::new();
        for _ in 0..20_000 {
            let (k, v) = d.random_entry().expect("non-empty");
            assert_eq!(k, &format!("r{v}").into_bytes());
            *hits.entry(*v).or_default() += 1;
        }
        assert_eq!(hits.len(), 40, "some key never drawn");
        for _ in 0..2000 {
            let (_, v) = d.random_key_unfair().expect("non-empty");
            assert!(*v < 40);
        }
    }

    #[test]
    fn single_entry_mid_shrink() {
        let _g = enabled();
        let mut d = filled(200);
        for i in 1..200 {
            d.remove(format!("r{i}").as_bytes());
        }
        while d.rehash(100) {}
        assert!(d.resize());
        for _ in 0..100 {
            assert_eq!(d.random_entry().map(|(_, v)| *v), Some(0));
        }
    }
}
