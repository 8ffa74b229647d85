//! The encoding-independent set API. Redis counterpart: the "Set API" half of
//! t_set.c (setTypeCreate, setTypeAdd, setTypeRemove, setTypeIsMember,
//! setTypeNext, setTypeRandomElement, setTypeConvert, setTypeDup).
//!
//! A set starts as an `intset` when its first member is an integer and
//! becomes a `hashtable` (the project's dict, members as keys, no values)
//! on the first non-integer member or when it grows past
//! `set-max-intset-entries`. It never converts back, as in Redis.
//!
//! Snapshots: the dict's `Clone` is O(1) and copies only the segments a
//! write touches afterwards, so a snapshot never copies a big set whole; an
//! intset is at most `set-max-intset-entries` integers.

pub mod rdb;

use crate::dict::{Dict, PrefetchStage};
use crate::intset::Intset;
use crate::rand::Rng;
use crate::util;

/// A member of a hashtable-encoded set.
pub type Member = crate::sds::EmbStr;

/// Redis: an OBJ_SET robj's encoding + ptr.
#[derive(Clone, Debug)]
pub enum SetObj {
    /// OBJ_ENCODING_INTSET.
    Intset(Intset),
    /// OBJ_ENCODING_HT: members are the keys, values are unit.
    Ht(Dict<Member, ()>),
}

/// One element as a set yields it: an integer from an intset, or the bytes
/// of a hashtable member. Redis: the (sdsele, llele, encoding) triple.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetEle<'a> {
    Int(i64),
    Str(&'a [u8]),
}

impl SetEle<'_> {
    pub fn to_vec(self) -> Vec<u8> {
        match self {
            SetEle::Int(v) => util::ll2string(v).into_bytes(),
            SetEle::Str(s) => s.to_vec(),
        }
    }
}

/// Equal members, whatever the encodings (used by tests on `Value`).
impl PartialEq for SetObj {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|e| other.is_member_ele(e))
    }
}

/// Iterator over a set's elements. Redis: setTypeIterator.
pub enum SetIter<'a> {
    Intset(&'a Intset, usize),
    Ht(crate::dict::Iter<'a, Member, ()>),
}

impl<'a> Iterator for SetIter<'a> {
    type Item = SetEle<'a>;
    #[inline]
    fn next(&mut self) -> Option<SetEle<'a>> {
        match self {
            SetIter::Intset(is, i) => {
                if *i >= is.len() {
                    return None;
                }
                let v = is.get(*i);
                *i += 1;
                Some(SetEle::Int(v))
            }
            SetIter::Ht(it) => it.next().map(|(k, _)| SetEle::Str(k)),
        }
    }
}

/// Redis caps intsets at 1G entries whatever the configuration says.
fn intset_limit(max_entries: usize) -> usize {
    max_entries.min(1 << 30)
}

impl SetObj {
    /// Redis: setTypeCreate — an intset if the first member is an integer.
    pub fn create(first: &[u8]) -> SetObj {
        if util::string2ll(first).is_some() {
            SetObj::Intset(Intset::new())
        } else {
            SetObj::Ht(Dict::new())
        }
    }

    pub fn encoding_name(&self) -> &'static str {
        match self {
            SetObj::Intset(_) => "intset",
            SetObj::Ht(_) => "hashtable",
        }
    }

    /// Redis: setTypeSize.
    pub fn len(&self) -> usize {
        match self {
            SetObj::Intset(is) => is.len(),
            SetObj::Ht(d) => d.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One stage of loading what a lookup of the member hashed `h` reads
    /// (see `Dict::prefetch`). Nothing for an intset: a lookup binary-searches
    /// a few cache lines there.
    pub fn prefetch_member(&self, h: u64, stage: PrefetchStage) {
        if let SetObj::Ht(d) = self {
            d.prefetch_stage(&[h], stage);
        }
    }

    /// Redis: setTypeAdd. `max_intset` is `set-max-intset-entries`.
    pub fn add(&mut self, v: &[u8], max_intset: usize) -> bool {
        match self {
            // Redis: dictAddRaw — the member is copied only when it is new.
            SetObj::Ht(d) => d.get_or_insert_with(v, || v.into(), || ()).1,
            SetObj::Intset(is) => {
                if let Some(n) = util::string2ll(v) {
                    if !is.add(n) {
                        return false;
                    }
                    if is.len() > intset_limit(max_intset) {
                        self.convert_to_ht();
                    }
                    true
                } else {
                    self.convert_to_ht();
                    let SetObj::Ht(d) = self else { unreachable!() };
                    d.add(v.into(), ()).is_ok()
                }
            }
        }
    }

    /// Adds an element yielded by another set.
    pub fn add_ele(&mut self, e: SetEle<'_>, max_intset: usize) -> bool {
        match (e, &mut *self) {
            (SetEle::Int(n), SetObj::Intset(is)) => {
                if !is.add(n) {
                    return false;
                }
                if is.len() > intset_limit(max_intset) {
                    self.convert_to_ht();
                }
                true
            }
            (SetEle::Int(n), _) => self.add(util::ll2string(n).as_bytes(), max_intset),
            (SetEle::Str(s), _) => self.add(s, max_intset),
        }
    }

    /// Redis: setTypeRemove (the dict shrinks when it falls under 10% full).
    pub fn remove(&mut self, v: &[u8]) -> bool {
        match self {
            SetObj::Ht(d) => {
                if d.remove(v).is_some() {
                    if d.needs_resize() {
                        d.resize();
                    }
                    true
                } else {
                    false
                }
            }
            SetObj::Intset(is) => util::string2ll(v).is_some_and(|n| is.remove(n)),
        }
    }

    /// Removes an element yielded by this or another set.
    pub fn remove_ele(&mut self, e: SetEle<'_>) -> bool {
        match (e, &mut *self) {
            (SetEle::Int(n), SetObj::Intset(is)) => is.remove(n),
            (SetEle::Int(n), _) => self.remove(util::ll2string(n).as_bytes()),
            (SetEle::Str(s), _) => self.remove(s),
        }
    }

    /// Redis: setTypeIsMember.
    pub fn is_member(&self, v: &[u8]) -> bool {
        match self {
            SetObj::Ht(d) => d.contains_key(v),
            SetObj::Intset(is) => util::string2ll(v).is_some_and(|n| is.contains(n)),
        }
    }

    /// Membership of an element yielded by another set (intset against
    /// intset compares integers directly, as sinterGenericCommand does).
    pub fn is_member_ele(&self, e: SetEle<'_>) -> bool {
        match (e, self) {
            (SetEle::Int(n), SetObj::Intset(is)) => is.contains(n),
            (SetEle::Int(n), SetObj::Ht(d)) => {
                let mut buf = [0u8; 21];
                let len = crate::util::write_i64_slice(&mut buf, n);
                d.contains_key(&buf[..len])
            }
            (SetEle::Str(s), _) => self.is_member(s),
        }
    }

    /// Redis: setTypeInitIterator.
    pub fn iter(&self) -> SetIter<'_> {
        match self {
            SetObj::Intset(is) => SetIter::Intset(is, 0),
            SetObj::Ht(d) => SetIter::Ht(d.iter()),
        }
    }

    /// Redis: setTypeRandomElement — intsetRandom or dictGetFairRandomKey.
    /// The set must not be empty.
    pub fn random_element(&mut self, rng: &mut Rng) -> SetEle<'_> {
        match self {
            SetObj::Intset(is) => SetEle::Int(is.get(rng.below(is.len()))),
            SetObj::Ht(d) => SetEle::Str(d.random_entry().expect("random of empty set").0),
        }
    }

    /// Pops a random element, returning it owned (SPOP).
    pub fn pop_random(&mut self, rng: &mut Rng) -> Vec<u8> {
        match self {
            SetObj::Intset(is) => {
                let v = is.get(rng.below(is.len()));
                is.remove(v);
                util::ll2string(v).into_bytes()
            }
            SetObj::Ht(d) => {
                let k = d.random_entry().expect("pop of empty set").0.clone();
                d.remove(&k);
                if d.needs_resize() {
                    d.resize();
                }
                k.into_vec()
            }
        }
    }

    /// Redis: setTypeConvert(OBJ_ENCODING_HT) — presized to the intset.
    pub fn convert_to_ht(&mut self) {
        if let SetObj::Intset(is) = self {
            let mut d = Dict::with_capacity(is.len());
            for v in is.iter() {
                let _ = d.add(Member::new(util::ll2string(v).as_bytes()), ());
            }
            *self = SetObj::Ht(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_on_string_and_on_size() {
        let mut s = SetObj::create(b"1");
        assert!(s.add(b"1", 3));
        assert!(!s.add(b"1", 3));
        assert!(s.add(b"2", 3));
        assert!(s.add(b"3", 3));
        assert_eq!(s.encoding_name(), "intset");
        assert!(s.add(b"4", 3));
        assert_eq!(s.encoding_name(), "hashtable");
        assert!(s.is_member(b"4") && s.is_member_ele(SetEle::Int(2)));

        let mut s = SetObj::create(b"1");
        s.add(b"1", 512);
        assert!(s.add(b"a", 512));
        assert_eq!(s.encoding_name(), "hashtable");
        assert_eq!(s.len(), 2);
        assert!(s.remove_ele(SetEle::Int(1)));
        let mut rng = Rng::new(7);
        assert_eq!(s.pop_random(&mut rng), b"a".to_vec());
        assert!(s.is_empty());
    }
}
