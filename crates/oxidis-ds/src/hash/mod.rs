//! The encoding-independent hash API. Redis counterpart: the "Hash type
//! API" half of t_hash.c (hashTypeTryConversion, hashTypeGetValue,
//! hashTypeSet, hashTypeDelete, hashTypeNext, hashTypeConvert,
//! hashTypeRandomElement) plus listpack.c's lpRandomPair(s).
//!
//! A hash starts as a `listpack` of alternating field and value entries, in
//! insertion order, and becomes a `hashtable` (the project's dict) once it
//! holds more than `hash-max-listpack-entries` pairs or a field or value
//! longer than `hash-max-listpack-value` bytes. It never converts back.
//!
//! Snapshots: the dict's `Clone` is O(1) and copies only the segments a
//! write touches afterwards; a listpack is bounded by the two limits above.

pub mod rdb;

use crate::dict::{Dict, PrefetchStage};
use crate::listpack::{string_to_i64, Listpack, LpEntry};
use crate::rand::Rng;

/// A field or value of a hashtable-encoded hash.
pub type Field = crate::sds::EmbStr;

/// Redis: LISTPACK_MAX_SAFETY_SIZE — a listpack never grows past 1 GiB.
const LISTPACK_MAX_SAFETY_SIZE: usize = 1 << 30;

/// Redis: an OBJ_HASH robj's encoding + ptr.
#[derive(Clone, Debug)]
pub enum HashObj {
    /// OBJ_ENCODING_LISTPACK: field, value, field, value, ...
    Listpack(Listpack),
    /// OBJ_ENCODING_HT.
    Ht(Dict<Field, Field>),
}

/// A field compared against listpack entries: its integer form is parsed
/// once, not at every entry. Redis: lpFind's cached `vll`.
struct Needle<'a> {
    bytes: &'a [u8],
    int: Option<i64>,
}

impl<'a> Needle<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Needle {
            bytes,
            int: string_to_i64(bytes),
        }
    }

    #[inline]
    fn matches(&self, e: LpEntry<'_>) -> bool {
        match e {
            LpEntry::Str(s) => s == self.bytes,
            LpEntry::Int(v) => self.int == Some(v),
        }
    }
}

/// Iterator over (field, value) pairs. Redis: hashTypeIterator.
pub enum HashIter<'a> {
    Listpack(crate::listpack::Iter<'a>),
    Ht(crate::dict::Iter<'a, Field, Field>),
}

impl<'a> Iterator for HashIter<'a> {
    type Item = (LpEntry<'a>, LpEntry<'a>);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            HashIter::Listpack(it) => {
                let f = it.next()?;
                let v = it.next().expect("listpack hash: field without value");
                Some((f, v))
            }
            HashIter::Ht(it) => it.next().map(|(f, v)| (LpEntry::Str(f), LpEntry::Str(v))),
        }
    }
}

/// Equal contents, whatever the encodings (used by tests on `Value`).
impl PartialEq for HashObj {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self.iter().all(|(f, v)| {
                other
                    .get(&f.to_vec())
                    .is_some_and(|w| w.to_vec() == v.to_vec())
            })
    }
}

impl Default for HashObj {
    fn default() -> Self {
        HashObj::Listpack(Listpack::new())
    }
}

impl HashObj {
    /// Redis: createHashObject — an empty listpack.
    pub fn new() -> HashObj {
        HashObj::default()
    }

    pub fn encoding_name(&self) -> &'static str {
        match self {
            HashObj::Listpack(_) => "listpack",
            HashObj::Ht(_) => "hashtable",
        }
    }

    /// Redis: hashTypeLength.
    pub fn len(&self) -> usize {
        match self {
            HashObj::Listpack(lp) => lp.len() / 2,
            HashObj::Ht(d) => d.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One stage of loading what a lookup of the field hashed `h` reads (see
    /// `Dict::prefetch`). Nothing for a listpack, which a lookup scans.
    pub fn prefetch_member(&self, h: u64, stage: PrefetchStage) {
        if let HashObj::Ht(d) = self {
            d.prefetch_stage(&[h], stage);
        }
    }

    /// Redis: hashTypeTryConversion — converts before a write whose
    /// arguments are too long for a listpack, or would grow it past its safety size.
    pub fn try_conversion(&mut self, args: &[Vec<u8>], max_value: usize) {
        let HashObj::Listpack(lp) = self else {
            return;
        };
        let mut sum = 0usize;
        for a in args {
            if a.len() > max_value {
                return self.convert_to_ht();
            }
            sum += a.len();
        }
        if lp.bytes() + sum > LISTPACK_MAX_SAFETY_SIZE {
            self.convert_to_ht();
        }
    }

    /// Position of `field`'s entry in a listpack. Redis: lpFind with skip 1.
    fn lp_find(lp: &Listpack, field: &[u8]) -> Option<usize> {
        let needle = Needle::new(field);
        let mut p = lp.first();
        while let Some(fp) = p {
            if needle.matches(lp.get(fp)) {
                return Some(fp);
            }
            p = lp.next(fp).and_then(|vp| lp.next(vp));
        }
        None
    }

    /// Redis: hashTypeGetValue.
    pub fn get(&self, field: &[u8]) -> Option<LpEntry<'_>> {
        match self {
            HashObj::Listpack(lp) => {
                let fp = Self::lp_find(lp, field)?;
                Some(lp.get(lp.next(fp).expect("listpack hash: field without value")))
            }
            HashObj::Ht(d) => d.get(field).map(|v| LpEntry::Str(v)),
        }
    }

    /// Redis: hashTypeExists.
    pub fn exists(&self, field: &[u8]) -> bool {
        match self {
            HashObj::Listpack(lp) => Self::lp_find(lp, field).is_some(),
            HashObj::Ht(d) => d.contains_key(field),
        }
    }

    /// Redis: hashTypeSet. Returns true if the field existed (an update).
    pub fn set(
        &mut self,
        field: &[u8],
        value: &[u8],
        max_entries: usize,
        max_value: usize,
    ) -> bool {
        if matches!(self, HashObj::Listpack(_))
            && (field.len() > max_value || value.len() > max_value)
        {
            self.convert_to_ht();
        }
        match self {
            HashObj::Listpack(lp) => {
                let update = match Self::lp_find(lp, field) {
                    Some(fp) => {
                        let vp = lp.next(fp).expect("listpack hash: field without value");
                        lp.replace(vp, value);
                        true
                    }
                    None => {
                        lp.append(field);
                        lp.append(value);
                        false
                    }
                };
                if lp.len() / 2 > max_entries {
                    self.convert_to_ht();
                }
                update
            }
            HashObj::Ht(d) => {
                // One probe: insert, or overwrite the value of the field found.
                let mut fresh = false;
                let (v, inserted) = d.get_or_insert_with(
                    field,
                    || field.into(),
                    || {
                        fresh = true;
                        value.into()
                    },
                );
                if !inserted {
                    *v = value.into();
                }
                debug_assert_eq!(fresh, inserted);
                !inserted
            }
        }
    }

    /// Redis: hashTypeDelete. Returns true if the field was there.
    pub fn delete(&mut self, field: &[u8]) -> bool {
        match self {
            HashObj::Listpack(lp) => match Self::lp_find(lp, field) {
                Some(fp) => {
                    let vp = lp.delete(fp).expect("listpack hash: field without value");
                    lp.delete(vp);
                    true
                }
                None => false,
            },
            HashObj::Ht(d) => {
                if d.remove(field).is_some() {
                    if d.needs_resize() {
                        d.resize();
                    }
                    true
                } else {
                    false
                }
            }
        }
    }

    /// Redis: hashTypeInitIterator.
    pub fn iter(&self) -> HashIter<'_> {
        match self {
            HashObj::Listpack(lp) => HashIter::Listpack(lp.iter()),
            HashObj::Ht(d) => HashIter::Ht(d.iter()),
        }
    }

    /// Redis: hashTypeConvertListpack(OBJ_ENCODING_HT), presized.
    pub fn convert_to_ht(&mut self) {
        if let HashObj::Listpack(lp) = self {
            let mut d: Dict<Field, Field> = Dict::with_capacity(lp.len() / 2);
            let mut it = lp.iter();
            while let (Some(f), Some(v)) = (it.next(), it.next()) {
                let dup = d.add(f.to_vec().into(), v.to_vec().into()).is_err();
                assert!(!dup, "Listpack corruption detected: duplicate hash field");
            }
            *self = HashObj::Ht(d);
        }
    }

    /// Positions of every field in a listpack hash, for random access.
    fn lp_field_positions(lp: &Listpack) -> Vec<usize> {
        let mut out = Vec::with_capacity(lp.len() / 2);
        let mut p = lp.first();
        while let Some(fp) = p {
            out.push(fp);
            p = lp.next(fp).and_then(|vp| lp.next(vp));
        }
        out
    }

    /// Redis: hashTypeRandomElement (lpRandomPair / dictGetFairRandomKey).
    /// The hash must not be empty.
    pub fn random_element(&mut self, rng: &mut Rng) -> (LpEntry<'_>, LpEntry<'_>) {
        match self {
            HashObj::Listpack(lp) => {
                let pos = Self::lp_field_positions(lp);
                let fp = pos[rng.below(pos.len())];
                let vp = lp.next(fp).expect("listpack hash: field without value");
                (lp.get(fp), lp.get(vp))
            }
            HashObj::Ht(d) => {
                let (f, v) = d.random_entry().expect("random of an empty hash");
                (LpEntry::Str(f), LpEntry::Str(v))
            }
        }
    }

    /// Redis: lpRandomPairs — `count` pairs drawn with replacement, in
    /// random order (listpack encoding only).
    pub fn lp_random_pairs<'a>(
        lp: &'a Listpack,
        count: usize,
        rng: &mut Rng,
    ) -> Vec<(LpEntry<'a>, LpEntry<'a>)> {
        let pos = Self::lp_field_positions(lp);
        (0..count)
            .map(|_| {
                let fp = pos[rng.below(pos.len())];
                (lp.get(fp), lp.get(lp.next(fp).expect("value")))
            })
            .collect()
    }

    /// Redis: lpRandomPairsUnique — `count` distinct pairs by selection
    /// sampling (Knuth's algorithm S), in listpack order.
    pub fn lp_random_pairs_unique<'a>(
        lp: &'a Listpack,
        count: usize,
        rng: &mut Rng,
    ) -> Vec<(LpEntry<'a>, LpEntry<'a>)> {
        let total = lp.len() / 2;
        let count = count.min(total);
        let mut out = Vec::with_capacity(count);
        let mut it = lp.iter();
        let mut remaining = total;
        while out.len() < count {
            let (f, v) = (it.next().expect("field"), it.next().expect("value"));
            let needed = count - out.len();
            // Pick this pair with probability needed / remaining.
            if rng.below(remaining) < needed {
                out.push((f, v));
            }
            remaining -= 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    #[derive(Debug, Clone)]
    enum Op {
        Set(Vec<u8>, Vec<u8>),
        Del(Vec<u8>),
    }

    fn bytes() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            (0i64..20).prop_map(|n| n.to_string().into_bytes()),
            proptest::collection::vec(b'a'..b'e', 0..4),
            proptest::collection::vec(any::<u8>(), 0..12),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (bytes(), bytes()).prop_map(|(f, v)| Op::Set(f, v)),
            bytes().prop_map(Op::Del),
        ]
    }

    proptest! {
        /// The listpack encoding and its conversion to a dict behave like a
        /// HashMap, and conversion happens exactly at the configured limits.
        #[test]
        fn hash_matches_hashmap(
            ops in proptest::collection::vec(op(), 1..200),
            max_entries in 0usize..40,
            max_value in 0usize..16,
        ) {
            let (mut h, mut m) = (HashObj::new(), HashMap::new());
            let mut converted = false;
            for op in ops {
                match op {
                    Op::Set(f, v) => {
                        let too_long = f.len() > max_value || v.len() > max_value;
                        let upd = h.set(&f, &v, max_entries, max_value);
                        prop_assert_eq!(upd, m.insert(f, v).is_some());
                        converted |= too_long || m.len() > max_entries;
                    }
                    Op::Del(f) => prop_assert_eq!(h.delete(&f), m.remove(&f).is_some()),
                }
                prop_assert_eq!(h.len(), m.len());
                prop_assert_eq!(h.encoding_name() == "hashtable", converted);
            }
            for (f, v) in &m {
                prop_assert_eq!(h.get(f).map(|e| e.to_vec()), Some(v.clone()));
            }
            let got: HashMap<Vec<u8>, Vec<u8>> =
                h.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
            prop_assert_eq!(got, m);
        }
    }

    #[test]
    fn unique_sampling_returns_distinct_fields() {
        let mut h = HashObj::new();
        for i in 0..10 {
            h.set(format!("f{i}").as_bytes(), b"v", 128, 64);
        }
        let HashObj::Listpack(lp) = &h else { panic!() };
        let mut rng = crate::rand::Rng::new(3);
        for n in 0..=10 {
            let got = HashObj::lp_random_pairs_unique(lp, n, &mut rng);
            let mut fields: Vec<_> = got.iter().map(|(f, _)| f.to_vec()).collect();
            fields.dedup();
            assert_eq!(fields.len(), n);
        }
    }
}
