//! Safe iteration over a dict. Redis counterpart: dict.c `dictGetIterator`,
//! `dictGetSafeIterator`, `dictNext`, `dictReleaseIterator`.
//!
//! Visits `ht[0]` bucket by bucket, then `ht[1]` while a rehash is in progress.
//!
//! Divergence: Redis has two kinds of iterator. A "safe" one pauses rehashing so the
//! caller may modify the dict while iterating; the other kind checks a fingerprint
//! to detect misuse. Here the iterator borrows the dict immutably, so no rehash step and
//! no other mutation can happen while it lives; the compiler enforces what the
//! fingerprint only detects. Callers that delete while walking collect keys first, or
//! use `Dict::scan`. Whole segments that were never allocated are skipped in one step.

use super::{Dict, Entry, SEG_LEN, SEG_MASK};

/// Iterator over `(&key, &value)` pairs, in bucket order. Created by [`Dict::iter`].
pub struct Iter<'a, K, V> {
    dict: &'a Dict<K, V>,
    table: usize,                   // 0, then 1 while rehashing
    bucket: usize,                  // next bucket to open in `table`
    chain: Option<&'a Entry<K, V>>, // rest of the chain being walked
    remaining: usize,               // entries not yet yielded
}

impl<'a, K, V> Iter<'a, K, V> {
    pub(super) fn new(dict: &'a Dict<K, V>) -> Self {
        Iter {
            dict,
            table: 0,
            bucket: 0,
            chain: None,
            remaining: dict.len(),
        }
    }
}

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(e) = self.chain {
                self.chain = e.next.as_deref();
                self.remaining -= 1;
                return Some((&e.key, &e.val));
            }
            if self.remaining == 0 {
                return None;
            }
            let t = &self.dict.ht[self.table];
            if self.bucket >= t.size {
                // Entries remain, so ht[1] must be in use.
                debug_assert!(
                    self.table == 0,
                    "dict iterator: entries past the last table"
                );
                self.table += 1;
                self.bucket = 0;
                continue;
            }
            if t.seg_is_vacant(self.bucket) {
                self.bucket = (self.bucket & !SEG_MASK) + SEG_LEN;
                continue;
            }
            self.chain = t.head(self.bucket);
            self.bucket += 1;
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<K, V> ExactSizeIterator for Iter<'_, K, V> {}

impl<K, V> std::iter::FusedIterator for Iter<'_, K, V> {}

#[cfg(test)]
mod tests {
    use super::super::Dict;
    use std::collections::BTreeMap;

    #[test]
    fn iterates_every_entry_once_even_mid_rehash() {
        let mut d: Dict<Vec<u8>, u32> = Dict::new();
        for i in 0..1000u32 {
            d.insert(format!("key:{i}").into_bytes(), i);
        }
        // Start a grow and stop half way, so entries sit in both tables.
        d.expand(4096);
        d.rehash(300);
        assert!(d.is_rehashing());
        let seen: BTreeMap<Vec<u8>, u32> = d.iter().map(|(k, v)| (k.clone(), *v)).collect();
        assert_eq!(seen.len(), 1000);
        assert_eq!(d.iter().len(), 1000);
        for (k, v) in &seen {
            assert_eq!(k, &format!("key:{v}").into_bytes());
        }
    }

    #[test]
    fn empty_dict_yields_nothing() {
        let d: Dict<Vec<u8>, ()> = Dict::new();
        assert_eq!(d.iter().next(), None);
        let d: Dict<Vec<u8>, ()> = Dict::with_capacity(1000);
        assert_eq!(d.iter().count(), 0);
    }
}
