//! Listpack-backed sorted sets. Redis counterpart: t_zset.c, the
//! "Listpack-backed sorted set API" banner (zzlGetScore, zzlFind, zzlInsert,
//! zzlFirstInRange, zzlDeleteRangeByScore, ...).
//!
//! A small sorted set is one listpack of alternating entries, member then
//! score, ordered by (score, member): `[m1, s1, m2, s2, ...]`. Scores are
//! stored as Redis stores them, `d2string` text, which the listpack turns
//! into an integer entry whenever the text is a canonical integer, so the
//! blob is byte-identical to Redis's (RDB stores it as is).

use std::borrow::Cow;

use crate::listpack::{Listpack, LpEntry, Where};
use crate::skiplist::{ZLexRangeSpec, ZRangeSpec};

/// Redis: zzlStrtod — a score stored as text.
pub fn zzl_strtod(s: &[u8]) -> f64 {
    let s = &s[..s.len().min(127)];
    std::str::from_utf8(s)
        .ok()
        .and_then(|t| t.parse::<f64>().ok())
        .unwrap_or(0.0)
}

/// Redis: zzlGetScore.
#[inline]
pub fn get_score(lp: &Listpack, sptr: usize) -> f64 {
    entry_score(lp.get(sptr))
}

/// A score entry as a double.
#[inline]
pub fn entry_score(e: LpEntry<'_>) -> f64 {
    match e {
        LpEntry::Int(v) => v as f64,
        LpEntry::Str(s) => zzl_strtod(s),
    }
}

/// The member at `eptr` as bytes. Redis: lpGetObject.
#[inline]
pub fn get_ele(lp: &Listpack, eptr: usize) -> Cow<'_, [u8]> {
    match lp.get(eptr) {
        LpEntry::Int(v) => Cow::Owned(crate::util::ll2string(v).into_bytes()),
        LpEntry::Str(s) => Cow::Borrowed(s),
    }
}

/// Compares the member at `eptr` with `s`. Redis: zzlCompareElements.
#[inline]
pub fn cmp_ele(lp: &Listpack, eptr: usize, s: &[u8]) -> std::cmp::Ordering {
    lp.get(eptr).with_bytes(|b| b.cmp(s))
}

/// Number of (member, score) pairs. Redis: zzlLength.
#[inline]
pub fn length(lp: &Listpack) -> usize {
    lp.len() / 2
}

/// The score entry after a member.
#[inline]
pub fn score_of(lp: &Listpack, eptr: usize) -> usize {
    lp.next(eptr).expect("listpack zset: member without score")
}

/// The next member after (eptr, sptr). Redis: zzlNext.
#[inline]
pub fn next_ele(lp: &Listpack, sptr: usize) -> Option<usize> {
    lp.next(sptr)
}

/// The member before `eptr`. Redis: zzlPrev.
#[inline]
pub fn prev_ele(lp: &Listpack, eptr: usize) -> Option<usize> {
    let s = lp.prev(eptr)?;
    lp.prev(s)
}

/// The last member.
pub fn last_ele(lp: &Listpack) -> Option<usize> {
    lp.last().and_then(|s| lp.prev(s))
}

/// Redis: zzlIsInRange.
fn is_in_range(lp: &Listpack, r: &ZRangeSpec) -> bool {
    if !r.is_valid() {
        return false;
    }
    let Some(last) = lp.last() else {
        return false;
    };
    if !r.value_gte_min(get_score(lp, last)) {
        return false;
    }
    let first = lp.first().expect("non-empty");
    r.value_lte_max(get_score(lp, score_of(lp, first)))
}

/// First member with a score inside the range. Redis: zzlFirstInRange.
pub fn first_in_range(lp: &Listpack, r: &ZRangeSpec) -> Option<usize> {
    if !is_in_range(lp, r) {
        return None;
    }
    let mut e = lp.first();
    while let Some(eptr) = e {
        let sptr = score_of(lp, eptr);
        let score = get_score(lp, sptr);
        if r.value_gte_min(score) {
            return if r.value_lte_max(score) {
                Some(eptr)
            } else {
                None
            };
        }
        e = lp.next(sptr);
    }
    None
}

/// Last member with a score inside the range. Redis: zzlLastInRange.
pub fn last_in_range(lp: &Listpack, r: &ZRangeSpec) -> Option<usize> {
    if !is_in_range(lp, r) {
        return None;
    }
    let mut e = last_ele(lp);
    while let Some(eptr) = e {
        let score = get_score(lp, score_of(lp, eptr));
        if r.value_lte_max(score) {
            return if r.value_gte_min(score) {
                Some(eptr)
            } else {
                None
            };
        }
        e = prev_ele(lp, eptr);
    }
    None
}

fn lex_gte_min(lp: &Listpack, eptr: usize, r: &ZLexRangeSpec) -> bool {
    r.value_gte_min(&get_ele(lp, eptr))
}

fn lex_lte_max(lp: &Listpack, eptr: usize, r: &ZLexRangeSpec) -> bool {
    r.value_lte_max(&get_ele(lp, eptr))
}

/// Redis: zzlIsInLexRange.
fn is_in_lex_range(lp: &Listpack, r: &ZLexRangeSpec) -> bool {
    if !r.is_valid() {
        return false;
    }
    let Some(last) = last_ele(lp) else {
        return false;
    };
    lex_gte_min(lp, last, r) && lex_lte_max(lp, lp.first().expect("non-empty"), r)
}

/// Redis: zzlFirstInLexRange.
pub fn first_in_lex_range(lp: &Listpack, r: &ZLexRangeSpec) -> Option<usize> {
    if !is_in_lex_range(lp, r) {
        return None;
    }
    let mut e = lp.first();
    while let Some(eptr) = e {
        if lex_gte_min(lp, eptr, r) {
            return if lex_lte_max(lp, eptr, r) {
                Some(eptr)
            } else {
                None
            };
        }
        e = lp.next(score_of(lp, eptr));
    }
    None
}

/// Redis: zzlLastInLexRange.
pub fn last_in_lex_range(lp: &Listpack, r: &ZLexRangeSpec) -> Option<usize> {
    if !is_in_lex_range(lp, r) {
        return None;
    }
    let mut e = last_ele(lp);
    while let Some(eptr) = e {
        if lex_lte_max(lp, eptr, r) {
            return if lex_gte_min(lp, eptr, r) {
                Some(eptr)
            } else {
                None
            };
        }
        e = prev_ele(lp, eptr);
    }
    None
}

/// Finds a member; returns its offset and score. Redis: zzlFind.
pub fn find(lp: &Listpack, ele: &[u8]) -> Option<(usize, f64)> {
    let mut e = lp.first();
    while let Some(eptr) = e {
        let sptr = score_of(lp, eptr);
        if lp.get(eptr).eq_bytes(ele) {
            return Some((eptr, get_score(lp, sptr)));
        }
        e = lp.next(sptr);
    }
    None
}

/// Deletes the (member, score) pair at `eptr`. Redis: zzlDelete.
pub fn delete(lp: &mut Listpack, eptr: usize) -> Option<usize> {
    lp.delete(eptr);
    lp.delete(eptr)
}

/// Inserts a pair before `eptr` (None: at the end). Redis: zzlInsertAt.
/// A score that `double2ll` accepts is stored as an integer before d2string
/// is ever asked, so -0.0 is stored as 0 (and reads back as 0), as in Redis.
pub fn insert_at(lp: &mut Listpack, eptr: Option<usize>, ele: &[u8], score: f64) {
    let s = match crate::util::double2ll(score) {
        Some(ll) => crate::util::ll2string(ll),
        None => crate::util::d2string(score),
    };
    match eptr {
        None => {
            lp.append(ele);
            lp.append(s.as_bytes());
        }
        Some(p) => {
            let p = lp.insert(p, ele, Where::Before);
            lp.insert(p, s.as_bytes(), Where::After);
        }
    }
}

/// Inserts a pair keeping (score, member) order. Redis: zzlInsert.
pub fn insert(lp: &mut Listpack, ele: &[u8], score: f64) {
    let mut e = lp.first();
    while let Some(eptr) = e {
        let sptr = score_of(lp, eptr);
        let s = get_score(lp, sptr);
        if s > score || (s == score && cmp_ele(lp, eptr, ele) == std::cmp::Ordering::Greater) {
            insert_at(lp, Some(eptr), ele, score);
            return;
        }
        e = lp.next(sptr);
    }
    insert_at(lp, None, ele, score);
}

/// Redis: zzlDeleteRangeByScore. Returns the number of pairs deleted.
pub fn delete_range_by_score(lp: &mut Listpack, r: &ZRangeSpec) -> usize {
    let Some(mut eptr) = first_in_range(lp, r) else {
        return 0;
    };
    let mut n = 0;
    loop {
        let score = get_score(lp, score_of(lp, eptr));
        if !r.value_lte_max(score) {
            break;
        }
        n += 1;
        match delete(lp, eptr) {
            Some(p) => eptr = p,
            None => break,
        }
    }
    n
}

/// Redis: zzlDeleteRangeByLex.
pub fn delete_range_by_lex(lp: &mut Listpack, r: &ZLexRangeSpec) -> usize {
    let Some(mut eptr) = first_in_lex_range(lp, r) else {
        return 0;
    };
    let mut n = 0;
    loop {
        if !lex_lte_max(lp, eptr, r) {
            break;
        }
        n += 1;
        match delete(lp, eptr) {
            Some(p) => eptr = p,
            None => break,
        }
    }
    n
}

/// Deletes 1-based ranks start..=end. Redis: zzlDeleteRangeByRank.
pub fn delete_range_by_rank(lp: &mut Listpack, start: usize, end: usize) -> usize {
    let num = (end - start + 1) * 2;
    let before = lp.len();
    lp.delete_range(2 * (start as i64 - 1), num);
    (before - lp.len()) / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_keeps_order_and_integer_scores() {
        let mut lp = Listpack::new();
        insert(&mut lp, b"b", 2.0);
        insert(&mut lp, b"a", 2.0);
        insert(&mut lp, b"c", 1.5);
        let v: Vec<Vec<u8>> = lp.iter().map(|e| e.to_vec()).collect();
        assert_eq!(
            v,
            vec![
                b"c".to_vec(),
                b"1.5".to_vec(),
                b"a".to_vec(),
                b"2".to_vec(),
                b"b".to_vec(),
                b"2".to_vec()
            ]
        );
        assert!(matches!(lp.get(lp.seek(3).unwrap()), LpEntry::Int(2)));
        assert_eq!(find(&lp, b"a").map(|x| x.1), Some(2.0));
        let r = ZRangeSpec {
            min: 1.5,
            max: 2.0,
            minex: true,
            maxex: false,
        };
        assert_eq!(delete_range_by_score(&mut lp, &r), 2);
        assert_eq!(length(&lp), 1);
    }

    #[test]
    fn negative_zero_is_stored_as_the_integer_zero() {
        // zzlInsertAt asks double2ll before d2string: -0.0 == 0 is an integer.
        let mut lp = Listpack::new();
        insert(&mut lp, b"z", -0.0);
        let sptr = lp.seek(1).unwrap();
        assert!(matches!(lp.get(sptr), LpEntry::Int(0)));
        assert!(get_score(&lp, sptr).is_sign_positive());
    }
}
