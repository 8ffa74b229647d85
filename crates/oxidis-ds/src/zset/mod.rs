//! The encoding-independent sorted set API. Redis counterpart: t_zset.c, the
//! "Common sorted set API" banner (zsetLength, zsetConvert, zsetScore,
//! zsetAdd, zsetDel, zsetRank, zsetDup) plus range walkers, so that a caller
//! never looks at the encoding itself.
//!
//! Encodings: `listpack` (see listpack.rs) while the set has at most
//! `zset-max-listpack-entries` members of at most `zset-max-listpack-value`
//! bytes; past either limit it converts, once, to `skiplist`: a skiplist
//! ordered by (score, member) for ranges and ranks, plus a dict from member
//! to score for O(1) ZSCORE and membership.
//! Divergence: Redis's dict points at the score inside the skiplist node;
//! here the dict holds a copy of the score (and of the member), kept equal by
//! every write path below. Members up to 22 bytes sit inline in both copies
//! (`skiplist::Member`), so the copy costs no allocation.

use std::borrow::Cow;

use crate::dict::{Dict, PrefetchStage};
use crate::listpack::Listpack;

pub mod listpack;
pub mod rdb;

use crate::skiplist::{Member, Skiplist, ZLexRangeSpec, ZRangeSpec, NIL};
use listpack as zzl;

/// The skiplist encoding. Redis: `zset` (dict + zsl).
#[derive(Clone, Debug, Default)]
pub struct SkiplistZSet {
    pub dict: Dict<Member, f64>,
    pub zsl: Skiplist,
}

/// A sorted set value. Redis: an robj of type OBJ_ZSET.
#[derive(Clone, Debug)]
pub enum ZSet {
    Listpack(Listpack),
    Skiplist(Box<SkiplistZSet>),
}

/// The two conversion thresholds (config zset-max-listpack-entries/value).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_entries: usize,
    pub max_value: usize,
}

/// ZADD input flags. Redis: ZADD_IN_*.
#[derive(Clone, Copy, Debug, Default)]
pub struct AddFlags {
    pub incr: bool,
    pub nx: bool,
    pub xx: bool,
    pub gt: bool,
    pub lt: bool,
}

/// What zset_add did. Redis: ZADD_OUT_*.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AddOut {
    Nan,
    Nop,
    Added(f64),
    Updated(f64),
    /// The member exists and its score stays (same score).
    Same(f64),
}

impl ZSet {
    /// Redis: createZsetListpackObject.
    pub fn new_listpack() -> ZSet {
        ZSet::Listpack(Listpack::new())
    }

    /// Redis: createZsetObject.
    pub fn new_skiplist() -> ZSet {
        ZSet::Skiplist(Box::default())
    }

    /// Creates the encoding a set that will hold `size` members of up to
    /// `maxlen` bytes should start with.
    pub fn with_hint(size: usize, maxlen: usize, l: Limits) -> ZSet {
        if size <= l.max_entries && maxlen <= l.max_value && l.max_entries != 0 {
            ZSet::new_listpack()
        } else {
            ZSet::new_skiplist()
        }
    }

    pub fn encoding_name(&self) -> &'static str {
        match self {
            ZSet::Listpack(_) => "listpack",
            ZSet::Skiplist(_) => "skiplist",
        }
    }

    /// Redis: zsetLength.
    pub fn len(&self) -> usize {
        match self {
            ZSet::Listpack(lp) => zzl::length(lp),
            ZSet::Skiplist(z) => z.zsl.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Redis: zsetConvert(OBJ_ENCODING_SKIPLIST).
    pub fn convert_to_skiplist(&mut self) {
        let ZSet::Listpack(lp) = self else {
            return;
        };
        let mut z = SkiplistZSet::default();
        let mut e = lp.first();
        while let Some(eptr) = e {
            let sptr = zzl::score_of(lp, eptr);
            let score = zzl::get_score(lp, sptr);
            let ele = Member::new(&zzl::get_ele(lp, eptr));
            z.zsl.insert(score, ele.clone());
            let _ = z.dict.add(ele, score);
            e = lp.next(sptr);
        }
        *self = ZSet::Skiplist(Box::new(z));
    }

    /// Redis: zsetConvert(OBJ_ENCODING_LISTPACK).
    pub fn convert_to_listpack(&mut self) {
        let ZSet::Skiplist(z) = self else {
            return;
        };
        let mut lp = Listpack::new();
        for (ele, score) in z.zsl.iter() {
            zzl::insert_at(&mut lp, None, ele, score);
        }
        *self = ZSet::Listpack(lp);
    }

    /// Redis: zsetConvertToListpackIfNeeded.
    pub fn convert_to_listpack_if_needed(&mut self, maxelelen: usize, l: Limits) {
        if let ZSet::Skiplist(z) = self {
            if z.zsl.len() <= l.max_entries && maxelelen <= l.max_value {
                self.convert_to_listpack();
            }
        }
    }

    /// Redis: zsetScore.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            ZSet::Listpack(lp) => zzl::find(lp, member).map(|(_, s)| s),
            ZSet::Skiplist(z) => z.dict.get(member).copied(),
        }
    }

    /// Adds or updates a member. Redis: zsetAdd.
    pub fn add(&mut self, mut score: f64, ele: &[u8], f: AddFlags, l: Limits) -> AddOut {
        if score.is_nan() {
            return AddOut::Nan;
        }
        if let ZSet::Listpack(lp) = self {
            if let Some((eptr, cur)) = zzl::find(lp, ele) {
                if f.nx {
                    return AddOut::Nop;
                }
                if f.incr {
                    score += cur;
                    if score.is_nan() {
                        return AddOut::Nan;
                    }
                }
                if (f.lt && score >= cur) || (f.gt && score <= cur) {
                    return AddOut::Nop;
                }
                if score != cur {
                    zzl::delete(lp, eptr);
                    zzl::insert(lp, ele, score);
                    return AddOut::Updated(score);
                }
                return AddOut::Same(score);
            } else if !f.xx {
                if zzl::length(lp) + 1 > l.max_entries || ele.len() > l.max_value {
                    self.convert_to_skiplist();
                } else {
                    zzl::insert(lp, ele, score);
                    return AddOut::Added(score);
                }
            } else {
                return AddOut::Nop;
            }
        }
        let ZSet::Skiplist(z) = self else {
            unreachable!()
        };
        let SkiplistZSet { dict, zsl } = &mut **z;
        // One dict probe: find the member, or (without XX) add it.
        let cur = if f.xx {
            match dict.find_mut(ele) {
                Some(v) => v,
                None => return AddOut::Nop,
            }
        } else {
            let (v, inserted) = dict.get_or_insert_with(ele, || ele.into(), || score);
            if inserted {
                zsl.insert(score, ele.into());
                return AddOut::Added(score);
            }
            v
        };
        if f.nx {
            return AddOut::Nop;
        }
        let curscore = *cur;
        if f.incr {
            score += curscore;
            if score.is_nan() {
                return AddOut::Nan;
            }
        }
        if (f.lt && score >= curscore) || (f.gt && score <= curscore) {
            return AddOut::Nop;
        }
        if score != curscore {
            zsl.update_score(curscore, ele, score);
            *cur = score;
            return AddOut::Updated(score);
        }
        AddOut::Same(score)
    }

    /// Removes a member. Redis: zsetDel.
    pub fn del(&mut self, ele: &[u8]) -> bool {
        match self {
            ZSet::Listpack(lp) => match zzl::find(lp, ele) {
                Some((eptr, _)) => {
                    zzl::delete(lp, eptr);
                    true
                }
                None => false,
            },
            ZSet::Skiplist(z) => match z.dict.remove(ele) {
                Some((_, score)) => {
                    z.zsl.delete(score, ele);
                    true
                }
                None => false,
            },
        }
    }

    /// 0-based rank, from the lowest score or (reverse) the highest.
    /// Redis: zsetRank.
    pub fn rank(&self, ele: &[u8], reverse: bool) -> Option<usize> {
        let len = self.len();
        let r = match self {
            ZSet::Listpack(lp) => {
                let mut e = lp.first();
                let mut rank = 0;
                loop {
                    let eptr = e?;
                    if lp.get(eptr).eq_bytes(ele) {
                        break rank;
                    }
                    rank += 1;
                    e = lp.next(zzl::score_of(lp, eptr));
                }
            }
            ZSet::Skiplist(z) => {
                let score = *z.dict.get(ele)?;
                z.zsl.get_rank(score, ele).checked_sub(1)?
            }
        };
        Some(if reverse { len - 1 - r } else { r })
    }

    /// A cursor on the element at 0-based rank `start` (from the head, or
    /// from the tail when `reverse`).
    pub fn cursor_at_rank(&self, start: usize, reverse: bool) -> Cursor {
        match self {
            ZSet::Listpack(lp) => {
                let idx = 2 * start as i64;
                let p = if reverse {
                    lp.seek(-2 - idx)
                } else {
                    lp.seek(idx)
                };
                Cursor::Lp(p)
            }
            ZSet::Skiplist(z) => {
                let len = z.zsl.len();
                let rank = if reverse { len - start } else { start + 1 };
                let x = if rank >= 1 && rank <= len {
                    z.zsl.get_element_by_rank(rank)
                } else {
                    NIL
                };
                Cursor::Sl(x)
            }
        }
    }

    /// A cursor on the first (or, reversed, last) element in a score range.
    pub fn cursor_in_range(&self, r: &ZRangeSpec, reverse: bool) -> Cursor {
        match self {
            ZSet::Listpack(lp) => Cursor::Lp(if reverse {
                zzl::last_in_range(lp, r)
            } else {
                zzl::first_in_range(lp, r)
            }),
            ZSet::Skiplist(z) => Cursor::Sl(if reverse {
                z.zsl.last_in_range(r)
            } else {
                z.zsl.first_in_range(r)
            }),
        }
    }

    /// A cursor on the first (or, reversed, last) element in a lex range.
    pub fn cursor_in_lex_range(&self, r: &ZLexRangeSpec, reverse: bool) -> Cursor {
        match self {
            ZSet::Listpack(lp) => Cursor::Lp(if reverse {
                zzl::last_in_lex_range(lp, r)
            } else {
                zzl::first_in_lex_range(lp, r)
            }),
            ZSet::Skiplist(z) => Cursor::Sl(if reverse {
                z.zsl.last_in_lex_range(r)
            } else {
                z.zsl.first_in_lex_range(r)
            }),
        }
    }

    /// The element under a cursor.
    #[inline]
    pub fn get(&self, c: Cursor) -> Option<(Cow<'_, [u8]>, f64)> {
        match (self, c) {
            (ZSet::Listpack(lp), Cursor::Lp(Some(p))) => Some((
                zzl::get_ele(lp, p),
                zzl::get_score(lp, zzl::score_of(lp, p)),
            )),
            (ZSet::Skiplist(z), Cursor::Sl(x)) if x != NIL => {
                Some((Cow::Borrowed(z.zsl.ele(x)), z.zsl.score(x)))
            }
            _ => None,
        }
    }

    /// Moves a cursor one element on (towards higher scores, or lower when
    /// `reverse`).
    #[inline]
    pub fn step(&self, c: Cursor, reverse: bool) -> Cursor {
        match (self, c) {
            (ZSet::Listpack(lp), Cursor::Lp(Some(p))) => Cursor::Lp(if reverse {
                zzl::prev_ele(lp, p)
            } else {
                zzl::next_ele(lp, zzl::score_of(lp, p))
            }),
            (ZSet::Skiplist(z), Cursor::Sl(x)) if x != NIL => Cursor::Sl(if reverse {
                z.zsl.prev(x)
            } else {
                z.zsl.next(x)
            }),
            _ => c,
        }
    }

    /// Visits every (member, score) in order.
    pub fn for_each(&self, mut f: impl FnMut(&[u8], f64)) {
        let mut c = self.cursor_at_rank(0, false);
        while let Some((e, s)) = self.get(c) {
            f(&e, s);
            c = self.step(c, false);
        }
    }

    /// Redis: zremrangeGenericCommand's ZRANGE_SCORE part. Returns the count.
    pub fn delete_range_by_score(&mut self, r: &ZRangeSpec) -> usize {
        match self {
            ZSet::Listpack(lp) => zzl::delete_range_by_score(lp, r),
            ZSet::Skiplist(z) => {
                let dict = &mut z.dict;
                z.zsl.delete_range_by_score(r, &mut |e| {
                    dict.remove(&e);
                })
            }
        }
    }

    /// Lex ranges.
    pub fn delete_range_by_lex(&mut self, r: &ZLexRangeSpec) -> usize {
        match self {
            ZSet::Listpack(lp) => zzl::delete_range_by_lex(lp, r),
            ZSet::Skiplist(z) => {
                let dict = &mut z.dict;
                z.zsl.delete_range_by_lex(r, &mut |e| {
                    dict.remove(&e);
                })
            }
        }
    }

    /// 1-based inclusive ranks.
    pub fn delete_range_by_rank(&mut self, start: usize, end: usize) -> usize {
        match self {
            ZSet::Listpack(lp) => zzl::delete_range_by_rank(lp, start, end),
            ZSet::Skiplist(z) => {
                let dict = &mut z.dict;
                z.zsl.delete_range_by_rank(start, end, &mut |e| {
                    dict.remove(&e);
                })
            }
        }
    }

    /// Longest member, for zsetConvertToListpackIfNeeded.
    pub fn max_ele_len(&self) -> usize {
        let mut m = 0;
        self.for_each(|e, _| m = m.max(e.len()));
        m
    }

    /// A random member with its score. Redis: zsetTypeRandomElement.
    pub fn random_element(&mut self) -> Option<(Vec<u8>, f64)> {
        match self {
            ZSet::Listpack(lp) => {
                let n = zzl::length(lp);
                if n == 0 {
                    return None;
                }
                let i = crate::rand::random_below(n);
                let p = lp.seek(2 * i as i64)?;
                Some((
                    zzl::get_ele(lp, p).into_owned(),
                    zzl::get_score(lp, zzl::score_of(lp, p)),
                ))
            }
            ZSet::Skiplist(z) => {
                let (k, v) = z.dict.random_entry()?;
                Some((k.to_vec(), *v))
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Warming a pipelined batch's lookups
// ---------------------------------------------------------------------------

/// Sorted sets smaller than this keep their skiplist in the cache anyway, so
/// walking its search paths ahead of time only costs.
const WARM_MIN_LEN: usize = 1 << 15;

impl ZSet {
    /// One stage of loading what a lookup of the member hashed `h` reads (see
    /// `Dict::prefetch`). Nothing for a listpack, which a lookup scans.
    pub fn prefetch_member(&self, h: u64, stage: PrefetchStage) {
        if let ZSet::Skiplist(z) = self {
            z.dict.prefetch_stage(&[h], stage);
        }
    }

    /// Is this set big enough for [`ZSet::warm_paths`] to pay?
    pub fn worth_warming(&self) -> bool {
        matches!(self, ZSet::Skiplist(z) if z.zsl.len() >= WARM_MIN_LEN)
    }

    /// The score of the member hashed `h` (by `dict::gen_hash`), for a
    /// skiplist-encoded set; None otherwise or when it is not a member.
    pub fn score_hashed(&self, h: u64, member: &[u8]) -> Option<f64> {
        match self {
            ZSet::Skiplist(z) => z.dict.get_hashed(h, member).copied(),
            ZSet::Listpack(_) => None,
        }
    }

    /// Walks the skiplist's search paths to up to `WARM_MAX` scores side by
    /// side, so the searches that follow find their nodes in the cache (see
    /// [`Skiplist::warm_paths`]). Nothing for a listpack.
    pub fn warm_paths(&self, targets: &[f64]) {
        if let ZSet::Skiplist(z) = self {
            let _ = z.zsl.warm_paths(targets);
        }
    }
}

// ---------------------------------------------------------------------------
// Hooks for RDB / DUMP (rdbSaveObject / rdbLoadObject's sorted set cases)
// ---------------------------------------------------------------------------

impl ZSet {
    /// The listpack blob, for RDB_TYPE_ZSET_LISTPACK. None for a skiplist.
    pub fn listpack(&self) -> Option<&Listpack> {
        match self {
            ZSet::Listpack(lp) => Some(lp),
            ZSet::Skiplist(_) => None,
        }
    }

    /// Visits (member, score) from the highest score down: the order in
    /// which Redis writes RDB_TYPE_ZSET_2, so that loading inserts each
    /// element at the head of the skiplist.
    pub fn for_each_rev(&self, mut f: impl FnMut(&[u8], f64)) {
        let mut c = self.cursor_at_rank(0, true);
        while let Some((e, s)) = self.get(c) {
            f(&e, s);
            c = self.step(c, true);
        }
    }

    /// Builds a loaded RDB_TYPE_ZSET / ZSET_2 value: a skiplist, converted
    /// to a listpack when small enough, as rdbLoadObject does. Returns None
    /// on a duplicate member (a corrupt payload).
    pub fn from_loaded_pairs(pairs: Vec<(Vec<u8>, f64)>, l: Limits) -> Option<ZSet> {
        let mut z = SkiplistZSet::default();
        if pairs.len() > crate::dict::HT_INITIAL_SIZE {
            z.dict.expand(pairs.len());
        }
        let mut maxelelen = 0;
        for (e, score) in pairs {
            if score.is_nan() {
                return None;
            }
            maxelelen = maxelelen.max(e.len());
            let b = Member::from_vec(e);
            if z.dict.add(b.clone(), score).is_err() {
                return None;
            }
            z.zsl.insert(score, b);
        }
        let mut zs = ZSet::Skiplist(Box::new(z));
        zs.convert_to_listpack_if_needed(maxelelen, l);
        Some(zs)
    }

    /// Wraps a loaded (already validated) RDB_TYPE_ZSET_LISTPACK blob, or a
    /// ziplist converted to a listpack, converting to a skiplist when it
    /// holds more than zset-max-listpack-entries members.
    pub fn from_loaded_listpack(lp: Listpack, l: Limits) -> ZSet {
        let mut z = ZSet::Listpack(lp);
        if z.len() > l.max_entries {
            z.convert_to_skiplist();
        }
        z
    }
}

impl PartialEq for ZSet {
    /// Same encoding and the same (member, score) sequence.
    fn eq(&self, other: &ZSet) -> bool {
        if self.encoding_name() != other.encoding_name() || self.len() != other.len() {
            return false;
        }
        let mut a = Vec::new();
        let mut b = Vec::new();
        self.for_each(|e, s| a.push((e.to_vec(), s)));
        other.for_each(|e, s| b.push((e.to_vec(), s)));
        a == b
    }
}

/// A position inside a sorted set, for either encoding.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cursor {
    Lp(Option<usize>), // offset of a member entry
    Sl(u32),           // skiplist node, NIL at the end
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: Limits = Limits {
        max_entries: 4,
        max_value: 8,
    };

    #[test]
    fn add_converts_past_limits() {
        let mut z = ZSet::new_listpack();
        for i in 0..4 {
            assert_eq!(
                z.add(i as f64, format!("m{i}").as_bytes(), AddFlags::default(), L),
                AddOut::Added(i as f64)
            );
        }
        assert_eq!(z.encoding_name(), "listpack");
        z.add(9.0, b"m9", AddFlags::default(), L);
        assert_eq!(z.encoding_name(), "skiplist");
        assert_eq!(z.rank(b"m9", false), Some(4));
        assert_eq!(z.rank(b"m9", true), Some(0));
        assert!(z.del(b"m0"));
        z.convert_to_listpack_if_needed(z.max_ele_len(), L);
        assert_eq!(z.encoding_name(), "listpack");
        assert_eq!(z.score(b"m3"), Some(3.0));
    }

    #[test]
    fn load_hooks() {
        let pairs: Vec<(Vec<u8>, f64)> = (0..3)
            .map(|i| (format!("m{i}").into_bytes(), i as f64))
            .collect();
        let z = ZSet::from_loaded_pairs(pairs.clone(), L).unwrap();
        assert_eq!(z.encoding_name(), "listpack");
        let mut rev = Vec::new();
        z.for_each_rev(|e, s| rev.push((e.to_vec(), s)));
        rev.reverse();
        assert_eq!(rev, pairs);
        let mut dup = pairs.clone();
        dup.push(pairs[0].clone());
        assert!(ZSet::from_loaded_pairs(dup, L).is_none());
        let big: Vec<(Vec<u8>, f64)> = (0..9)
            .map(|i| (format!("m{i}").into_bytes(), i as f64))
            .collect();
        assert_eq!(
            ZSet::from_loaded_pairs(big, L).unwrap().encoding_name(),
            "skiplist"
        );
        let lp = z.listpack().unwrap().clone();
        let many = L2;
        assert_eq!(
            ZSet::from_loaded_listpack(lp, many).encoding_name(),
            "skiplist"
        );
    }

    const L2: Limits = Limits {
        max_entries: 2,
        max_value: 8,
    };
}
