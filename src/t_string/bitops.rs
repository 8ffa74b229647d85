//! Bitmap commands. Redis counterpart: bitops.c (7.0), first half — the
//! popcount and bit-search helpers, then SETBIT, GETBIT, BITOP, BITCOUNT and
//! BITPOS. BITFIELD lives in bitfield.rs.
//!
//! Bits are numbered from the most significant bit of the first byte, as
//! in Redis: bit 0 is `0x80` of byte 0, bit 9 is `0x40` of byte 1.
//!
//! Divergence: popcount and bit search run on safe slices with
//! `u64::count_ones` / word-at-a-time skipping instead of Redis's aligned
//! pointer tricks; the results are identical.

use oxidis_ds::util;

use crate::args::get_long_or_reply;
use crate::networking::Client;
use crate::object::Value;
use crate::server::shared;
use crate::server::Server;

/* ===================== Helpers (pure) ===================== */

/// Redis: redisPopcount — number of set bits in `s`.
pub(crate) fn popcount(s: &[u8]) -> i64 {
    let mut chunks = s.chunks_exact(8);
    let mut bits: u64 = 0;
    for ch in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(ch);
        bits += u64::from_ne_bytes(w).count_ones() as u64;
    }
    for &b in chunks.remainder() {
        bits += b.count_ones() as u64;
    }
    bits as i64
}

/// Redis: redisBitpos — position of the first bit equal to `bit` in `s`.
/// Looking for a 1 in a string with none gives -1; looking for a 0 in a
/// string of all ones gives the first bit past the end (the string is
/// treated as padded with zeros on the right).
pub(crate) fn bitpos(s: &[u8], bit: bool) -> i64 {
    let skip: u8 = if bit { 0 } else { 0xff };
    // Skip whole words of the uninteresting value first.
    let mut i = 0;
    while i + 8 <= s.len() && s[i..i + 8].iter().all(|&b| b == skip) {
        i += 8;
    }
    while i < s.len() {
        let b = s[i];
        if b != skip {
            let lead = if bit {
                b.leading_zeros()
            } else {
                (!b).leading_zeros()
            };
            return (i as i64) * 8 + lead as i64;
        }
        i += 1;
    }
    if bit {
        -1
    } else {
        s.len() as i64 * 8
    }
}

/// Redis: getBitOffsetFromArgument. With `hash` and `bits > 0`, a leading
/// '#' multiplies the offset by `bits` (BITFIELD's `#n` form). The offset
/// must address a byte below proto-max-bulk-len.
pub(crate) fn parse_bit_offset(arg: &[u8], hash: bool, bits: u32, max_bulk: i64) -> Option<u64> {
    let usehash = hash && bits > 0 && arg.first() == Some(&b'#');
    let digits = if usehash { &arg[1..] } else { arg };
    let mut off = util::string2ll(digits)?;
    if usehash {
        off = off.checked_mul(bits as i64)?;
    }
    if off < 0 || (off >> 3) >= max_bulk {
        return None;
    }
    Some(off as u64)
}

/// Replying variant of `parse_bit_offset`.
pub(crate) fn bit_offset_or_reply(
    s: &Server,
    c: &mut Client,
    arg: &[u8],
    hash: bool,
    bits: u32,
) -> Option<u64> {
    let r = parse_bit_offset(arg, hash, bits, s.config.proto_max_bulk_len);
    if r.is_none() {
        c.add_reply_error("bit offset is not an integer or out of range");
    }
    r
}

/// Redis: lookupStringForBitCommand — the string at `key`, created or
/// zero-padded so that bit `maxbit` is addressable, made raw for in-place
/// writes. Returns the bytes and whether the key was created or grown
/// (Redis's `dirty`), or None after replying WRONGTYPE.
pub(crate) fn lookup_string_for_bit_command<'a>(
    s: &'a mut Server,
    c: &mut Client,
    key: &[u8],
    maxbit: u64,
) -> Option<(&'a mut Vec<u8>, bool)> {
    let db = c.db;
    let need = (maxbit >> 3) as usize + 1;
    let exists = match s.lookup_key_write(db, key) {
        Some(o) if !o.is_string() => {
            c.add_reply_wrongtype();
            return None;
        }
        Some(_) => true,
        None => false,
    };
    if !exists {
        let o = s.new_obj(Value::Raw(Box::new(vec![0; need])));
        s.db_add(db, key, o);
    }
    let o = s.dbs[db].dict.find_mut(key)?;
    let buf = o.v.make_raw();
    let oldlen = buf.len();
    if buf.len() < need {
        buf.resize(need, 0);
    }
    let dirty = !exists || oldlen != buf.len();
    Some((buf, dirty))
}

/// Which bit operation BITOP applies.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum BitOp {
    And,
    Or,
    Xor,
    Not,
}

/// Redis: the computing half of bitopCommand. Missing bytes of shorter
/// sources read as zero; the result is as long as the longest source.
pub(crate) fn bitop(op: BitOp, srcs: &[&[u8]]) -> Vec<u8> {
    let maxlen = srcs.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut res = vec![0u8; maxlen];
    let Some(first) = srcs.first() else {
        return res;
    };
    res[..first.len()].copy_from_slice(first);
    match op {
        BitOp::Not => res.iter_mut().for_each(|b| *b = !*b),
        BitOp::And => {
            for src in &srcs[1..] {
                for (r, &b) in res.iter_mut().zip(src.iter()) {
                    *r &= b;
                }
                // Beyond a shorter source, AND with zero.
                res[src.len()..].iter_mut().for_each(|b| *b = 0);
            }
        }
        BitOp::Or | BitOp::Xor => {
            for src in &srcs[1..] {
                for (r, &b) in res.iter_mut().zip(src.iter()) {
                    if op == BitOp::Or {
                        *r |= b;
                    } else {
                        *r ^= b;
                    }
                }
            }
        }
    }
    res
}

/// Redis: the range arithmetic shared by BITCOUNT and BITPOS. Turns a
/// start/end pair (bytes, or bits when `isbit`) over a string of `strlen`
/// bytes into inclusive byte indexes plus the masks of bits to ignore in
/// the first and last byte. None when the range is empty.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct ByteRange {
    pub start: usize,
    pub end: usize,
    pub first_neg_mask: u8, // bits of byte `start` before the range
    pub last_neg_mask: u8,  // bits of byte `end` after the range
}

pub(crate) fn resolve_range(
    mut start: i64,
    mut end: i64,
    strlen: usize,
    isbit: bool,
) -> Option<ByteRange> {
    let mut totlen = strlen as i64;
    if isbit {
        totlen <<= 3;
    }
    if start < 0 {
        start += totlen;
    }
    if end < 0 {
        end += totlen;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= totlen {
        end = totlen - 1;
    }
    let (mut first_neg_mask, mut last_neg_mask) = (0u8, 0u8);
    if isbit && start <= end {
        first_neg_mask = !((1u32 << (8 - (start & 7))) - 1) as u8;
        last_neg_mask = ((1u32 << (7 - (end & 7))) - 1) as u8;
        start >>= 3;
        end >>= 3;
    }
    if start > end {
        return None;
    }
    Some(ByteRange {
        start: start as usize,
        end: end as usize,
        first_neg_mask,
        last_neg_mask,
    })
}

/// Redis: the counting half of bitcountCommand.
pub(crate) fn bitcount_range(p: &[u8], r: ByteRange) -> i64 {
    let mut count = popcount(&p[r.start..=r.end]);
    if r.first_neg_mask != 0 {
        count -= (p[r.start] & r.first_neg_mask).count_ones() as i64;
    }
    if r.last_neg_mask != 0 {
        count -= (p[r.end] & r.last_neg_mask).count_ones() as i64;
    }
    count
}

/// Redis: the searching half of bitposCommand. `end_given` means the user
/// named an explicit end, so a 0 past the range does not count.
pub(crate) fn bitpos_range(p: &[u8], r: ByteRange, bit: bool, end_given: bool) -> i64 {
    // Mask out-of-range bits of an edge byte so they never match.
    let edge = |byte: u8, mask: u8| if bit { byte & !mask } else { byte | mask };
    let mut start = r.start;
    let mut bytes = r.end - r.start + 1;
    let pos;
    'search: {
        if r.first_neg_mask != 0 {
            let mut tmp = edge(p[start], r.first_neg_mask);
            if r.last_neg_mask != 0 && bytes == 1 {
                tmp = edge(tmp, r.last_neg_mask);
            }
            let found = bitpos(&[tmp], bit);
            if bytes == 1 || (found != -1 && found != 8) {
                pos = found;
                break 'search;
            }
            start += 1;
            bytes -= 1;
        }
        let curbytes = bytes - usize::from(r.last_neg_mask != 0);
        if curbytes > 0 {
            let found = bitpos(&p[start..start + curbytes], bit);
            if bytes == curbytes || (found != -1 && found != (curbytes as i64) << 3) {
                pos = found;
                break 'search;
            }
            start += curbytes;
            bytes -= curbytes;
        }
        pos = bitpos(&[edge(p[r.end], r.last_neg_mask)], bit);
    }
    if end_given && !bit && pos == (bytes as i64) << 3 {
        return -1;
    }
    if pos != -1 {
        pos + ((start as i64) << 3)
    } else {
        pos
    }
}

/* ===================== Commands ===================== */

/// SETBIT key offset value
pub fn setbit_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(bitoffset) = bit_offset_or_reply(s, c, &argv[2], false, 0) else {
        return;
    };
    let on = match util::string2ll(&argv[3]) {
        Some(v @ (0 | 1)) => v as u8,
        _ => return c.add_reply_error("bit is not an integer or out of range"),
    };
    let Some((buf, dirty)) = lookup_string_for_bit_command(s, c, &argv[1], bitoffset) else {
        return;
    };
    let byte = (bitoffset >> 3) as usize;
    let bit = 7 - (bitoffset & 7) as u32;
    let old = (buf[byte] >> bit) & 1;
    if dirty || old != on {
        buf[byte] = (buf[byte] & !(1 << bit)) | (on << bit);
        s.dirty += 1;
        s.signal_modified_key(c.db, &argv[1]);
        s.notify_keyspace_event(crate::notify::NOTIFY_STRING, "setbit", &argv[1], c.db);
    }
    c.add_reply_long(old as i64);
}

/// GETBIT key offset
pub fn getbit_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(bitoffset) = bit_offset_or_reply(s, c, &argv[2], false, 0) else {
        return;
    };
    let byte = (bitoffset >> 3) as usize;
    let bit = 7 - (bitoffset & 7) as u32;
    match s.lookup_key_read(c.db, &argv[1]) {
        None => c.add_reply_long(0),
        Some(o) if !o.is_string() => c.add_reply_wrongtype(),
        Some(o) => {
            let p = o.v.string_bytes().unwrap_or_default();
            let v = p.get(byte).map_or(0, |b| (b >> bit) & 1);
            c.add_reply_long(v as i64);
        }
    }
}

/// BITOP AND|OR|XOR|NOT destkey key [key ...]
pub fn bitop_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let opname = &argv[1][..];
    let op = if opname.eq_ignore_ascii_case(b"and") {
        BitOp::And
    } else if opname.eq_ignore_ascii_case(b"or") {
        BitOp::Or
    } else if opname.eq_ignore_ascii_case(b"xor") {
        BitOp::Xor
    } else if opname.eq_ignore_ascii_case(b"not") {
        BitOp::Not
    } else {
        return c.add_reply_syntax_err();
    };
    if op == BitOp::Not && argv.len() != 4 {
        return c.add_reply_error("BITOP NOT must be called with a single source key.");
    }
    let db = c.db;
    // First pass: expire, count stats and type-check every source.
    for key in &argv[3..] {
        if s.lookup_key_read(db, key).is_some_and(|o| !o.is_string()) {
            return c.add_reply_wrongtype();
        }
    }
    // Second pass: borrow the values; a missing key is an empty string.
    let dict = &s.dbs[db].dict;
    let srcs: Vec<std::borrow::Cow<'_, [u8]>> = argv[3..]
        .iter()
        .map(|k| {
            dict.get(&k[..])
                .and_then(|o| o.v.string_bytes())
                .unwrap_or_default()
        })
        .collect();
    let refs: Vec<&[u8]> = srcs.iter().map(|v| &v[..]).collect();
    let res = bitop(op, &refs);
    drop(refs);
    drop(srcs);
    let maxlen = res.len();
    let target = &argv[2][..];
    if maxlen > 0 {
        let o = s.new_obj(Value::Raw(Box::new(res)));
        s.set_key(db, target, o, false);
        s.notify_keyspace_event(crate::notify::NOTIFY_STRING, "set", target, db);
        s.dirty += 1;
    } else if s.db_delete(db, target) {
        s.notify_keyspace_event(crate::notify::NOTIFY_GENERIC, "del", target, db);
        s.dirty += 1;
    }
    c.add_reply_long(maxlen as i64);
}

/// Parses BIT|BYTE. Redis: the strcasecmp pair in bitcount/bitposCommand.
fn parse_bit_unit(c: &mut Client, arg: &[u8]) -> Option<bool> {
    if arg.eq_ignore_ascii_case(b"bit") {
        Some(true)
    } else if arg.eq_ignore_ascii_case(b"byte") {
        Some(false)
    } else {
        c.add_reply_syntax_err();
        None
    }
}

/// BITCOUNT key [start end [BYTE|BIT]]
pub fn bitcount_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    // The key is looked up before the arguments are checked, as in Redis.
    let p = match s.lookup_key_read(c.db, &argv[1]) {
        None => return c.add_reply_long(0),
        Some(o) if !o.is_string() => return c.add_reply_wrongtype(),
        Some(o) => o.v.string_bytes().unwrap_or_default(),
    };
    let range = match argv.len() {
        4 | 5 => {
            let Some(start) = get_long_or_reply(c, &argv[2], None) else {
                return;
            };
            let Some(end) = get_long_or_reply(c, &argv[3], None) else {
                return;
            };
            if start < 0 && end < 0 && start > end {
                return c.add_reply_long(0);
            }
            let mut isbit = false;
            if argv.len() == 5 {
                let Some(b) = parse_bit_unit(c, &argv[4]) else {
                    return;
                };
                isbit = b;
            }
            resolve_range(start, end, p.len(), isbit)
        }
        2 => resolve_range(0, -1, p.len(), false),
        _ => return c.add_reply_syntax_err(),
    };
    match range {
        None => c.add_reply_long(0),
        Some(r) => c.add_reply_long(bitcount_range(&p, r)),
    }
}

/// BITPOS key bit [start [end [BYTE|BIT]]]
pub fn bitpos_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let bit = match util::string2ll(&argv[2]) {
        None => return c.add_reply_error(shared::NOT_INTEGER),
        Some(0) => false,
        Some(1) => true,
        Some(_) => return c.add_reply_error("The bit argument must be 1 or 0."),
    };
    // A missing key is an endless run of zeros.
    let p = match s.lookup_key_read(c.db, &argv[1]) {
        None => return c.add_reply_long(if bit { -1 } else { 0 }),
        Some(o) if !o.is_string() => return c.add_reply_wrongtype(),
        Some(o) => o.v.string_bytes().unwrap_or_default(),
    };
    let mut end_given = false;
    let range = match argv.len() {
        4..=6 => {
            let Some(start) = get_long_or_reply(c, &argv[3], None) else {
                return;
            };
            let mut isbit = false;
            if argv.len() == 6 {
                let Some(b) = parse_bit_unit(c, &argv[5]) else {
                    return;
                };
                isbit = b;
            }
            let end = if argv.len() >= 5 {
                let Some(e) = get_long_or_reply(c, &argv[4], None) else {
                    return;
                };
                end_given = true;
                e
            } else {
                // Redis computes a default end that the clamp then trims.
                if isbit {
                    ((p.len() as i64) << 3) + 7
                } else {
                    p.len() as i64 - 1
                }
            };
            resolve_range(start, end, p.len(), isbit)
        }
        3 => resolve_range(0, -1, p.len(), false),
        _ => return c.add_reply_syntax_err(),
    };
    match range {
        // An empty range contains neither a 0 nor a 1.
        None => c.add_reply_long(-1),
        Some(r) => c.add_reply_long(bitpos_range(&p, r, bit, end_given)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference: the bit at `i` of `p`.
    fn bit_at(p: &[u8], i: usize) -> bool {
        p.get(i / 8).is_some_and(|b| b & (0x80 >> (i % 8)) != 0)
    }

    #[test]
    fn popcount_matches_naive() {
        let data: Vec<u8> = (0..100u32)
            .map(|i| (i.wrapping_mul(37) ^ 0x5a) as u8)
            .collect();
        for len in 0..data.len() {
            let naive: i64 = data[..len].iter().map(|b| b.count_ones() as i64).sum();
            assert_eq!(popcount(&data[..len]), naive);
        }
    }

    #[test]
    fn bitpos_basics() {
        assert_eq!(bitpos(&[], true), -1);
        assert_eq!(bitpos(&[], false), 0);
        assert_eq!(bitpos(&[0xff, 0xf0, 0x00], false), 12);
        assert_eq!(bitpos(&[0xff; 3], false), 24);
        assert_eq!(bitpos(&[0x00; 3], true), -1);
        assert_eq!(bitpos(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 1], true), 79);
    }

    #[test]
    fn bitcount_ranges() {
        let p = b"foobar";
        let all = resolve_range(0, -1, p.len(), false).unwrap();
        assert_eq!(bitcount_range(p, all), 26);
        assert_eq!(bitcount_range(p, resolve_range(1, 1, 6, false).unwrap()), 6);
        assert_eq!(
            bitcount_range(p, resolve_range(5, 30, 6, true).unwrap()),
            17
        );
        assert_eq!(resolve_range(4, 2, 6, false), None);
        // Bit ranges against a naive count.
        for start in -50i64..50 {
            for end in -50i64..50 {
                let got =
                    resolve_range(start, end, p.len(), true).map_or(0, |r| bitcount_range(p, r));
                let tot = 48i64;
                let (mut a, mut b) = (start, end);
                if a < 0 {
                    a += tot;
                }
                if b < 0 {
                    b += tot;
                }
                let (a, b) = (a.max(0), b.max(0).min(tot - 1));
                let naive = (a..=b).filter(|&i| bit_at(p, i as usize)).count() as i64;
                assert_eq!(got, naive, "{start} {end}");
            }
        }
    }

    #[test]
    fn bitpos_ranges() {
        let p = [0xff, 0xf0, 0x00];
        let r = |s, e, isbit| resolve_range(s, e, 3, isbit).unwrap();
        assert_eq!(bitpos_range(&p, r(0, -1, false), false, false), 12);
        assert_eq!(bitpos_range(&p, r(2, -1, false), true, false), -1);
        assert_eq!(bitpos_range(&p, r(7, 15, true), true, true), 7);
        assert_eq!(bitpos_range(&p, r(0, 11, true), false, true), -1);
        let r2 = resolve_range(0, -1, 2, false).unwrap();
        assert_eq!(bitpos_range(&[0xff, 0xff], r2, false, false), 16);
        assert_eq!(bitpos_range(&[0xff, 0xff], r2, false, true), -1);
        // Bit ranges against a naive search.
        let q = [0x0f, 0x00, 0xf1];
        for bit in [false, true] {
            for start in 0i64..24 {
                for end in start..24 {
                    let got =
                        bitpos_range(&q, resolve_range(start, end, 3, true).unwrap(), bit, true);
                    let naive = (start..=end)
                        .find(|&i| bit_at(&q, i as usize) == bit)
                        .unwrap_or(-1);
                    assert_eq!(got, naive, "{bit} {start} {end}");
                }
            }
        }
    }

    #[test]
    fn bitop_ops() {
        let a: &[u8] = &[0xf0, 0x0f, 0xff];
        let b: &[u8] = &[0xff, 0xff];
        assert_eq!(bitop(BitOp::And, &[a, b]), vec![0xf0, 0x0f, 0x00]);
        assert_eq!(bitop(BitOp::Or, &[b, a]), vec![0xff, 0xff, 0xff]);
        assert_eq!(bitop(BitOp::Xor, &[a, b]), vec![0x0f, 0xf0, 0xff]);
        assert_eq!(bitop(BitOp::Not, &[a]), vec![0x0f, 0xf0, 0x00]);
        assert_eq!(bitop(BitOp::And, &[&[], &[]]), Vec::<u8>::new());
    }

    #[test]
    fn bit_offsets() {
        assert_eq!(parse_bit_offset(b"10", false, 0, 1 << 29), Some(10));
        assert_eq!(parse_bit_offset(b"#3", true, 8, 1 << 29), Some(24));
        assert_eq!(parse_bit_offset(b"#3", false, 8, 1 << 29), None);
        assert_eq!(parse_bit_offset(b"-1", false, 0, 1 << 29), None);
        assert_eq!(parse_bit_offset(b"4294967296", false, 0, 1 << 29), None);
        assert_eq!(
            parse_bit_offset(b"4294967295", false, 0, 1 << 29),
            Some(4294967295)
        );
    }
}
