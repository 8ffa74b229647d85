//! LCS — longest common subsequence of two strings. Redis counterpart:
//! t_string.c (7.0), lcsCommand.
//!
//! The classic dynamic-programming table is filled forwards, then walked
//! backwards from its corner to rebuild the subsequence and, for IDX, the
//! matching ranges, emitted from the end of the strings towards the start,
//! exactly in Redis's order.
//!
//! Divergence: the computation is split from the reply (`lcs_compute`) so
//! it can be unit-tested; the reply bytes are Redis's.

use oxidis_ds::util;

use crate::networking::Client;
use crate::server::shared;
use crate::server::Server;

/// One matching run: inclusive ranges in the first and second string.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct LcsMatch {
    pub a: (u32, u32),
    pub b: (u32, u32),
    pub len: u32,
}

/// What `lcs_compute` found.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub(crate) struct LcsResult {
    pub len: u32,
    pub string: Vec<u8>,        // the subsequence (when asked for)
    pub matches: Vec<LcsMatch>, // ranges of at least `minmatchlen` (when asked for)
}

/// Fills the LCS table of `a` and `b`. Entry (i, j), at `j + (blen+1) * i`,
/// is the LCS length of a[..i] and b[..j].
fn lcs_table(a: &[u8], b: &[u8]) -> Vec<u32> {
    let (alen, blen) = (a.len(), b.len());
    let w = blen + 1;
    let mut t = vec![0u32; (alen + 1) * w];
    for i in 1..=alen {
        for j in 1..=blen {
            t[j + i * w] = if a[i - 1] == b[j - 1] {
                t[(j - 1) + (i - 1) * w] + 1
            } else {
                t[j + (i - 1) * w].max(t[(j - 1) + i * w])
            };
        }
    }
    t
}

/// Redis: the algorithm of lcsCommand. `want_string` rebuilds the
/// subsequence; `want_idx` collects the matching ranges whose length is at
/// least `minmatchlen` (0 keeps all).
pub(crate) fn lcs_compute(
    a: &[u8],
    b: &[u8],
    want_string: bool,
    want_idx: bool,
    minmatchlen: u64,
) -> LcsResult {
    let t = lcs_table(a, b);
    let (alen, blen) = (a.len() as u32, b.len() as u32);
    let w = b.len() + 1;
    let at = |i: u32, j: u32| t[j as usize + i as usize * w];
    let total = at(alen, blen);
    let mut res = LcsResult {
        len: total,
        ..Default::default()
    };
    if !(want_string || want_idx) {
        return res;
    }
    let mut out = vec![0u8; total as usize];
    let mut idx = total as usize;
    // `arange_start == alen` means no range is open.
    let (mut arange_start, mut arange_end, mut brange_start, mut brange_end) =
        (alen, 0u32, 0u32, 0u32);
    let (mut i, mut j) = (alen, blen);
    while i > 0 && j > 0 {
        let mut emit_range = false;
        if a[i as usize - 1] == b[j as usize - 1] {
            out[idx - 1] = a[i as usize - 1];
            if arange_start == alen {
                arange_start = i - 1;
                arange_end = i - 1;
                brange_start = j - 1;
                brange_end = j - 1;
            } else if arange_start == i && brange_start == j {
                // Contiguous with the open range: extend it backwards.
                arange_start -= 1;
                brange_start -= 1;
            } else {
                emit_range = true;
            }
            // Reaching the first byte of either string closes the range.
            if arange_start == 0 || brange_start == 0 {
                emit_range = true;
            }
            idx -= 1;
            i -= 1;
            j -= 1;
        } else {
            if at(i - 1, j) > at(i, j - 1) {
                i -= 1;
            } else {
                j -= 1;
            }
            if arange_start != alen {
                emit_range = true;
            }
        }
        if emit_range {
            let match_len = arange_end.wrapping_sub(arange_start).wrapping_add(1);
            if want_idx && (minmatchlen == 0 || match_len as u64 >= minmatchlen) {
                res.matches.push(LcsMatch {
                    a: (arange_start, arange_end),
                    b: (brange_start, brange_end),
                    len: match_len,
                });
            }
            arange_start = alen;
        }
    }
    if want_string {
        res.string = out;
    }
    res
}

/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]
pub fn lcs_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let db = c.db;
    // Look both keys up (expiring, counting stats), then borrow them.
    let a_ok = s
        .lookup_key_read(db, &argv[1])
        .is_none_or(|o| o.is_string());
    let b_ok = s
        .lookup_key_read(db, &argv[2])
        .is_none_or(|o| o.is_string());
    if !a_ok || !b_ok {
        return c.add_reply_error("The specified keys must contain string values");
    }
    let (mut getlen, mut getidx, mut withmatchlen) = (false, false, false);
    let mut minmatchlen: i64 = 0;
    let mut j = 3;
    while j < argv.len() {
        let opt = &argv[j][..];
        let moreargs = argv.len() - 1 - j;
        if opt.eq_ignore_ascii_case(b"idx") {
            getidx = true;
        } else if opt.eq_ignore_ascii_case(b"len") {
            getlen = true;
        } else if opt.eq_ignore_ascii_case(b"withmatchlen") {
            withmatchlen = true;
        } else if opt.eq_ignore_ascii_case(b"minmatchlen") && moreargs > 0 {
            match util::string2ll(&argv[j + 1]) {
                Some(v) => minmatchlen = v.max(0),
                None => return c.add_reply_error(shared::NOT_INTEGER),
            }
            j += 1;
        } else {
            return c.add_reply_syntax_err();
        }
        j += 1;
    }
    if getlen && getidx {
        return c.add_reply_error("If you want both the length and indexes, please just use IDX.");
    }
    let dict = &s.dbs[db].dict;
    let a = dict
        .get(&argv[1][..])
        .and_then(|o| o.v.string_bytes())
        .unwrap_or_default();
    let b = dict
        .get(&argv[2][..])
        .and_then(|o| o.v.string_bytes())
        .unwrap_or_default();
    if a.len() as u64 >= u32::MAX as u64 - 1 || b.len() as u64 >= u32::MAX as u64 - 1 {
        return c.add_reply_error("String too long for LCS");
    }
    // The table is (alen+1)*(blen+1) u32 cells; refuse what Redis refuses.
    let cells = (a.len() as u128 + 1) * (b.len() as u128 + 1);
    if cells * 4 > s.config.proto_max_bulk_len.max(0) as u128 {
        return c.add_reply_error(
            "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        );
    }
    let r = lcs_compute(&a, &b, getidx || !getlen, getidx, minmatchlen as u64);
    if getidx {
        c.add_reply_map_len(2);
        c.add_reply_bulk(b"matches");
        c.add_reply_array_len(r.matches.len());
        for m in &r.matches {
            c.add_reply_array_len(2 + usize::from(withmatchlen));
            c.add_reply_array_len(2);
            c.add_reply_long(m.a.0 as i64);
            c.add_reply_long(m.a.1 as i64);
            c.add_reply_array_len(2);
            c.add_reply_long(m.b.0 as i64);
            c.add_reply_long(m.b.1 as i64);
            if withmatchlen {
                c.add_reply_long(m.len as i64);
            }
        }
        c.add_reply_bulk(b"len");
        c.add_reply_long(r.len as i64);
    } else if getlen {
        c.add_reply_long(r.len as i64);
    } else {
        c.add_reply_bulk(&r.string);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lcs_string_and_len() {
        let r = lcs_compute(b"ohmytext", b"mynewtext", true, false, 0);
        assert_eq!(r.string, b"mytext");
        assert_eq!(r.len, 6);
        assert_eq!(lcs_compute(b"", b"abc", true, false, 0).string, b"");
        assert_eq!(lcs_compute(b"abc", b"xyz", false, false, 0).len, 0);
    }

    #[test]
    fn lcs_ranges() {
        // The example of the LCS documentation.
        let r = lcs_compute(b"ohmytext", b"mynewtext", false, true, 0);
        let got: Vec<_> = r.matches.iter().map(|m| (m.a, m.b, m.len)).collect();
        assert_eq!(got, vec![((4, 7), (5, 8), 4), ((2, 3), (0, 1), 2)]);
        let r = lcs_compute(b"ohmytext", b"mynewtext", false, true, 4);
        assert_eq!(r.matches.len(), 1);
    }
}
