//! The intset: a sorted array of integers in the narrowest width that holds
//! them all. Redis counterpart: intset.c (7.0).
//!
//! The blob is byte-for-byte what Redis stores in RDB (`RDB_TYPE_SET_INTSET`):
//!
//! ```text
//!  <encoding u32 LE> <length u32 LE> <v0> <v1> ... <v(length-1)>
//!  encoding = 2, 4 or 8: the byte width of every value, stored little endian
//! ```
//!
//! Values are kept sorted ascending, so lookup is a binary search. Adding a
//! value that does not fit the current width *upgrades* the whole set: every
//! element is rewritten in the wider encoding, back to front so nothing is
//! overwritten before it is read, and the new value (necessarily smaller or
//! larger than all others, since it is out of the old range) goes to the head
//! or the tail. An intset never downgrades, as in Redis.

/// Widths, in bytes. Redis: INTSET_ENC_INT16/32/64.
pub const INTSET_ENC_INT16: u32 = 2;
pub const INTSET_ENC_INT32: u32 = 4;
pub const INTSET_ENC_INT64: u32 = 8;
const HDR: usize = 8;

/// Redis: _intsetValueEncoding — the narrowest width that holds `v`.
fn value_encoding(v: i64) -> u32 {
    if v < i32::MIN as i64 || v > i32::MAX as i64 {
        INTSET_ENC_INT64
    } else if v < i16::MIN as i64 || v > i16::MAX as i64 {
        INTSET_ENC_INT32
    } else {
        INTSET_ENC_INT16
    }
}

/// A Redis intset blob.
#[derive(Clone, PartialEq, Eq)]
pub struct Intset {
    buf: Vec<u8>,
}

impl std::fmt::Debug for Intset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Default for Intset {
    fn default() -> Self {
        Self::new()
    }
}

impl Intset {
    /// Redis: intsetNew — an empty set in the 16-bit encoding.
    pub fn new() -> Intset {
        let mut buf = Vec::with_capacity(HDR + 8);
        buf.extend_from_slice(&INTSET_ENC_INT16.to_le_bytes());
        buf.extend_from_slice(&0u32.to_le_bytes());
        Intset { buf }
    }

    /// Wraps a blob already checked by `validate_integrity`.
    pub fn from_bytes_unchecked(buf: Vec<u8>) -> Intset {
        Intset { buf }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// The current width in bytes.
    pub fn encoding(&self) -> u32 {
        u32::from_le_bytes(self.buf[0..4].try_into().unwrap())
    }

    /// Redis: intsetLen.
    pub fn len(&self) -> usize {
        u32::from_le_bytes(self.buf[4..8].try_into().unwrap()) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Redis: intsetBlobLen.
    pub fn blob_len(&self) -> usize {
        self.buf.len()
    }

    fn set_len(&mut self, n: usize) {
        self.buf[4..8].copy_from_slice(&(n as u32).to_le_bytes());
    }

    /// Redis: _intsetGetEncoded.
    #[inline]
    fn get_encoded(&self, pos: usize, enc: u32) -> i64 {
        let at = HDR + pos * enc as usize;
        let b = &self.buf[at..at + enc as usize];
        match enc {
            INTSET_ENC_INT16 => i16::from_le_bytes([b[0], b[1]]) as i64,
            INTSET_ENC_INT32 => i32::from_le_bytes(b.try_into().unwrap()) as i64,
            _ => i64::from_le_bytes(b.try_into().unwrap()),
        }
    }

    /// Redis: _intsetSet.
    #[inline]
    fn set_at(&mut self, pos: usize, v: i64) {
        let enc = self.encoding() as usize;
        let at = HDR + pos * enc;
        match enc as u32 {
            INTSET_ENC_INT16 => self.buf[at..at + 2].copy_from_slice(&(v as i16).to_le_bytes()),
            INTSET_ENC_INT32 => self.buf[at..at + 4].copy_from_slice(&(v as i32).to_le_bytes()),
            _ => self.buf[at..at + 8].copy_from_slice(&v.to_le_bytes()),
        }
    }

    /// Redis: intsetGet (without the bounds flag: `pos` must be < len).
    pub fn get(&self, pos: usize) -> i64 {
        self.get_encoded(pos, self.encoding())
    }

    /// Redis: intsetSearch — Ok(position) when found, Err(insertion point).
    fn search(&self, v: i64) -> Result<usize, usize> {
        let len = self.len();
        if len == 0 {
            return Err(0);
        }
        // Out of range of the ends: the common case when appending in order.
        if v > self.get(len - 1) {
            return Err(len);
        }
        if v < self.get(0) {
            return Err(0);
        }
        let (mut lo, mut hi) = (0usize, len);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let cur = self.get(mid);
            match cur.cmp(&v) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    /// Redis: intsetFind.
    pub fn contains(&self, v: i64) -> bool {
        value_encoding(v) <= self.encoding() && self.search(v).is_ok()
    }

    /// Redis: intsetUpgradeAndAdd. `v` is outside the current range, so it
    /// lands at the head (negative) or the tail (positive).
    fn upgrade_and_add(&mut self, v: i64) {
        let old = self.encoding();
        let new = value_encoding(v);
        let len = self.len();
        let prepend = usize::from(v < 0);
        self.buf.resize(HDR + (len + 1) * new as usize, 0);
        self.buf[0..4].copy_from_slice(&new.to_le_bytes());
        // Back to front: wider slots never overwrite narrower ones not yet read.
        for i in (0..len).rev() {
            let x = self.get_encoded(i, old);
            self.set_at(i + prepend, x);
        }
        if prepend == 1 {
            self.set_at(0, v);
        } else {
            self.set_at(len, v);
        }
        self.set_len(len + 1);
    }

    /// Redis: intsetAdd. Returns false if `v` was already present.
    pub fn add(&mut self, v: i64) -> bool {
        if value_encoding(v) > self.encoding() {
            self.upgrade_and_add(v);
            return true;
        }
        let pos = match self.search(v) {
            Ok(_) => return false,
            Err(p) => p,
        };
        let enc = self.encoding() as usize;
        let len = self.len();
        self.buf.resize(HDR + (len + 1) * enc, 0);
        // Redis: intsetMoveTail.
        let from = HDR + pos * enc;
        self.buf.copy_within(from..HDR + len * enc, from + enc);
        self.set_at(pos, v);
        self.set_len(len + 1);
        true
    }

    /// Redis: intsetRemove. Returns false if `v` was absent.
    pub fn remove(&mut self, v: i64) -> bool {
        if value_encoding(v) > self.encoding() {
            return false;
        }
        let Ok(pos) = self.search(v) else {
            return false;
        };
        let enc = self.encoding() as usize;
        let len = self.len();
        let from = HDR + (pos + 1) * enc;
        self.buf.copy_within(from..HDR + len * enc, from - enc);
        self.buf.truncate(HDR + (len - 1) * enc);
        self.set_len(len - 1);
        true
    }

    /// Redis: intsetMax.
    pub fn max(&self) -> Option<i64> {
        (!self.is_empty()).then(|| self.get(self.len() - 1))
    }

    /// Ascending iteration.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = i64> + ExactSizeIterator + '_ {
        let enc = self.encoding();
        (0..self.len()).map(move |i| self.get_encoded(i, enc))
    }
}

/// Redis: intsetValidateIntegrity. `deep` also checks that the values are
/// strictly ascending (no duplicates), as RDB loading with
/// sanitize-dump-payload does.
pub fn validate_integrity(buf: &[u8], deep: bool) -> bool {
    if buf.len() < HDR {
        return false;
    }
    let enc = u32::from_le_bytes(buf[0..4].try_into().unwrap());
    if !matches!(enc, INTSET_ENC_INT16 | INTSET_ENC_INT32 | INTSET_ENC_INT64) {
        return false;
    }
    let count = u32::from_le_bytes(buf[4..8].try_into().unwrap()) as u64;
    if HDR as u64 + count * enc as u64 != buf.len() as u64 {
        return false;
    }
    if count == 0 {
        return false;
    }
    if !deep {
        return true;
    }
    let is = Intset { buf: buf.to_vec() };
    let mut prev: Option<i64> = None;
    for v in is.iter() {
        if prev.is_some_and(|p| v <= p) {
            return false;
        }
        prev = Some(v);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    #[test]
    fn bytes_match_redis() {
        // redis-cli: SADD s 1 2 3; DEBUG ... the blob dumped by Redis 7.0.
        let mut is = Intset::new();
        for v in [3, 1, 2] {
            assert!(is.add(v));
        }
        assert_eq!(
            is.as_bytes(),
            &[2, 0, 0, 0, 3, 0, 0, 0, 1, 0, 2, 0, 3, 0][..]
        );
        assert!(!is.add(2));
        // Upgrade to 32 bits puts a big value at the tail, a negative one at the head.
        assert!(is.add(70000));
        assert_eq!(is.encoding(), INTSET_ENC_INT32);
        assert!(is.add(-5_000_000_000));
        assert_eq!(is.encoding(), INTSET_ENC_INT64);
        assert_eq!(
            is.iter().collect::<Vec<_>>(),
            vec![-5_000_000_000, 1, 2, 3, 70000]
        );
        assert!(validate_integrity(is.as_bytes(), true));
        assert!(!validate_integrity(&is.as_bytes()[..20], false));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Add(i64),
        Remove(i64),
    }

    fn value() -> impl Strategy<Value = i64> {
        prop_oneof![
            -200i64..200,
            (i16::MIN as i64 - 5)..(i16::MIN as i64 + 5),
            (i32::MAX as i64 - 5)..(i32::MAX as i64 + 5),
            any::<i64>(),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![value().prop_map(Op::Add), value().prop_map(Op::Remove)]
    }

    proptest! {
        #[test]
        fn intset_matches_btreeset(ops in proptest::collection::vec(op(), 1..300)) {
            let (mut is, mut m) = (Intset::new(), BTreeSet::new());
            let mut width = INTSET_ENC_INT16;
            for op in ops {
                match op {
                    Op::Add(v) => prop_assert_eq!(is.add(v), m.insert(v)),
                    Op::Remove(v) => prop_assert_eq!(is.remove(v), m.remove(&v)),
                }
                prop_assert_eq!(is.len(), m.len());
                // Never downgrades; always wide enough for the extremes present.
                prop_assert!(is.encoding() >= width);
                width = is.encoding();
                if let (Some(lo), Some(hi)) = (m.first(), m.last()) {
                    prop_assert!(value_encoding(*lo) <= width && value_encoding(*hi) <= width);
                }
                prop_assert_eq!(is.blob_len(), HDR + m.len() * width as usize);
            }
            prop_assert!(is.iter().eq(m.iter().copied()));
            for v in m.iter() {
                prop_assert!(is.contains(*v));
            }
            prop_assert_eq!(is.max(), m.last().copied());
            if !m.is_empty() {
                prop_assert!(validate_integrity(is.as_bytes(), true));
            }
        }
    }
}
