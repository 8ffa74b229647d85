//! Integrity checks for listpacks read from untrusted input (RDB files,
//! RESTORE payloads). Redis counterpart: listpack.c lpValidateIntegrity and
//! lpValidateNext.
//!
//! Shallow validation checks only the header and the terminator; deep
//! validation walks every entry, checking that its encoded length and its
//! backlen agree and stay inside the buffer, and that the element count in
//! the header matches (unless it is the "unknown" marker 65535).

use super::{backlen_size, decode, decode_backlen, encoded_size, encoded_size_bytes, LpEntry};
use super::{LP_EOF, LP_HDR_NUMELE_UNKNOWN, LP_HDR_SIZE};

/// Redis: lpValidateNext. Returns the offset of the next entry (or of the
/// EOF byte), None when the entry at `p` is malformed.
fn validate_next(lp: &[u8], p: usize) -> Option<usize> {
    let out_of_range = |x: usize| x < LP_HDR_SIZE || x > lp.len() - 1;
    if out_of_range(p) {
        return None;
    }
    let lenbytes = encoded_size_bytes(lp[p]);
    if lenbytes == 0 || out_of_range(p + lenbytes) {
        return None;
    }
    let body = encoded_size(lp, p)?;
    let bl = backlen_size(body);
    let entrylen = body.checked_add(bl)?;
    let next = p.checked_add(entrylen)?;
    if out_of_range(next) {
        return None;
    }
    let (prevlen, _) = decode_backlen(lp, next - 1)?;
    if prevlen + bl != entrylen {
        return None;
    }
    Some(next)
}

/// Whether the first entry is well formed, as lpFirst asserts it to be
/// (Redis: lpFirst's lpAssertValidEntry). The header must have been checked.
pub fn first_entry_is_valid(lp: &[u8]) -> bool {
    lp.len() > LP_HDR_SIZE
        && (lp[LP_HDR_SIZE] == LP_EOF || validate_next(lp, LP_HDR_SIZE).is_some())
}

/// Redis's lpFirst, lpNext, lpPrev and lpLast on an untrusted listpack whose
/// header was checked: `Err(Broken)` where Redis fails its integrity assertion
/// (lpAssertValidEntry, ASSERT_INTEGRITY), `Ok(None)` where it returns NULL.
pub mod steps {
    use super::super::{backlen_size, decode, decode_backlen, LpEntry};
    use super::{validate_next, LP_EOF, LP_HDR_SIZE};

    /// The step fails Redis's integrity assertion.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Broken;

    pub type Step = Result<Option<usize>, Broken>;

    /// Redis: lpFirst.
    pub fn first(lp: &[u8]) -> Step {
        if lp[LP_HDR_SIZE] == LP_EOF {
            return Ok(None);
        }
        validate_next(lp, LP_HDR_SIZE).ok_or(Broken)?;
        Ok(Some(LP_HDR_SIZE))
    }

    /// Redis: lpNext.
    pub fn next(lp: &[u8], p: Option<usize>) -> Step {
        let next = validate_next(lp, p.ok_or(Broken)?).ok_or(Broken)?;
        if lp[next] == LP_EOF {
            return Ok(None);
        }
        validate_next(lp, next).ok_or(Broken)?;
        Ok(Some(next))
    }

    /// Redis: lpPrev. `p` may be the terminator's offset.
    pub fn prev(lp: &[u8], p: Option<usize>) -> Step {
        let p = p.ok_or(Broken)?;
        if p == LP_HDR_SIZE {
            return Ok(None);
        }
        if p < LP_HDR_SIZE || p >= lp.len() {
            return Err(Broken);
        }
        let (prevlen, _) = decode_backlen(lp, p - 1).ok_or(Broken)?;
        let q = p
            .checked_sub(prevlen + backlen_size(prevlen))
            .ok_or(Broken)?;
        if q < LP_HDR_SIZE {
            return Err(Broken);
        }
        validate_next(lp, q).ok_or(Broken)?;
        Ok(Some(q))
    }

    /// Redis: lpLast.
    pub fn last(lp: &[u8]) -> Step {
        prev(lp, Some(lp.len() - 1))
    }

    /// The element at a position one of the steps returned.
    pub fn at(lp: &[u8], p: Option<usize>) -> Result<LpEntry<'_>, Broken> {
        Ok(decode(lp, p.ok_or(Broken)?))
    }
}

/// Walks the entries from the first one, checking each step as Redis's
/// lpNext asserts it: yields each well-formed entry, then `None` at the
/// terminator, or `Some(Err(()))` at the first malformed entry. The header
/// must have been checked (shallow validation).
pub fn checked_walk(lp: &[u8]) -> impl Iterator<Item = Result<LpEntry<'_>, ()>> + '_ {
    let mut p = Some(LP_HDR_SIZE);
    std::iter::from_fn(move || {
        let at = p?;
        if lp[at] == LP_EOF {
            p = None;
            return None;
        }
        match validate_next(lp, at) {
            Some(next) => {
                p = Some(next);
                Some(Ok(decode(lp, at)))
            }
            None => {
                p = None;
                Some(Err(()))
            }
        }
    })
}

/// Redis: lpValidateIntegrity. `entry_cb`, when given, sees every element
/// and may reject the listpack (the hash and sorted-set loaders use it to
/// check for duplicates).
pub fn validate_integrity(
    lp: &[u8],
    deep: bool,
    mut entry_cb: Option<&mut dyn FnMut(LpEntry<'_>) -> bool>,
) -> bool {
    if lp.len() < LP_HDR_SIZE + 1 {
        return false;
    }
    let total = u32::from_le_bytes([lp[0], lp[1], lp[2], lp[3]]) as usize;
    if total != lp.len() {
        return false;
    }
    if lp[lp.len() - 1] != LP_EOF {
        return false;
    }
    if !deep {
        return true;
    }
    let numele = u16::from_le_bytes([lp[4], lp[5]]);
    let mut count: u64 = 0;
    let mut p = LP_HDR_SIZE;
    while lp[p] != LP_EOF {
        let Some(next) = validate_next(lp, p) else {
            return false;
        };
        if let Some(cb) = entry_cb.as_mut() {
            if !cb(decode(lp, p)) {
                return false;
            }
        }
        count += 1;
        p = next;
    }
    if p != lp.len() - 1 {
        return false;
    }
    numele == LP_HDR_NUMELE_UNKNOWN || numele as u64 == count
}
