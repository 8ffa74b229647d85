//! The listpack. Redis counterpart: listpack.c (7.0).
//!
//! A listpack is one contiguous byte buffer, byte-for-byte the format Redis
//! writes into RDB files:
//!
//! ```text
//!  <total-bytes u32 LE> <num-elements u16 LE> <entry> <entry> ... <0xFF>
//!  entry = <encoding+data> <backlen>
//! ```
//!
//! Every entry carries its own length twice: forward through its encoding
//! byte(s), backward through the trailing `backlen` (the size of
//! encoding+data written in 7-bit groups, read from right to left, the high
//! bit of each byte saying "one more byte to the left"). That is what lets a
//! listpack be walked in both directions without per-entry pointers.
//!
//! Encodings (first byte):
//!
//! | first byte | meaning                               |
//! |------------|---------------------------------------|
//! | `0xxxxxxx` | 7-bit unsigned int, no data bytes     |
//! | `10xxxxxx` | string, 6-bit length, then the bytes  |
//! | `110xxxxx` | 13-bit signed int (one more byte)     |
//! | `1110xxxx` | string, 12-bit length (one more byte) |
//! | `0xF0`     | string, 32-bit LE length              |
//! | `0xF1..F4` | 16/24/32/64-bit signed LE int         |
//! | `0xFF`     | end of listpack                       |
//!
//! A string element that is a canonical integer (Redis: lpStringToInt64) is
//! stored as an integer in the smallest encoding that holds it; `get`
//! returns `LpEntry::Int` for it.
//!
//! Positions are byte offsets into the buffer (Redis uses `unsigned char *`).
//! Any insert or delete invalidates offsets after the change point, as in
//! Redis. `validate.rs` holds `lpValidateIntegrity` for untrusted blobs.

#[cfg(test)]
mod tests;
mod validate;

pub use validate::{checked_walk, first_entry_is_valid, steps, validate_integrity};

pub const LP_HDR_SIZE: usize = 6;
pub const LP_HDR_NUMELE_UNKNOWN: u16 = u16::MAX;
pub const LP_EOF: u8 = 0xFF;

/// Where `insert` puts the new element relative to the given position.
/// Redis: LP_BEFORE / LP_AFTER / LP_REPLACE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Where {
    Before,
    After,
}

/// One decoded element: an integer or a borrowed string. Redis: the
/// (ele, count) / vll pair returned by lpGet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LpEntry<'a> {
    Int(i64),
    Str(&'a [u8]),
}

impl LpEntry<'_> {
    /// The element as bytes (integers formatted in decimal).
    pub fn to_vec(&self) -> Vec<u8> {
        match self {
            LpEntry::Int(v) => v.to_string().into_bytes(),
            LpEntry::Str(s) => s.to_vec(),
        }
    }

    /// Redis: lpCompare — an integer entry equals a string that parses to
    /// the same integer (integers are stored only in canonical form).
    pub fn eq_bytes(&self, s: &[u8]) -> bool {
        match self {
            LpEntry::Str(b) => *b == s,
            LpEntry::Int(v) => string_to_i64(s) == Some(*v),
        }
    }

    /// Calls `f` with the element as bytes, an integer formatted on the
    /// stack (no allocation, unlike [`LpEntry::to_vec`]).
    #[inline]
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            LpEntry::Str(b) => f(b),
            LpEntry::Int(v) => {
                let mut tmp = [0u8; 20];
                let n = crate::util::write_i64_slice(&mut tmp, *v);
                f(&tmp[..n])
            }
        }
    }

    /// Encoded byte length of the string form.
    pub fn str_len(&self) -> usize {
        self.with_bytes(<[u8]>::len)
    }
}

/// Redis: lpStringToInt64 — strict canonical decimal integers only (no
/// leading zeros, no '+', no spaces, fits in i64).
pub fn string_to_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() >= 21 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !(b'1'..=b'9').contains(&digits[0]) {
        return None;
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((d - b'0') as u64)?;
    }
    if neg {
        if v > (i64::MAX as u64) + 1 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

/// Size of the backlen field for an entry of `l` bytes. Redis: lpEncodeBacklen(NULL, l).
#[inline]
pub fn backlen_size(l: usize) -> usize {
    if l <= 127 {
        1
    } else if l < 16383 {
        2
    } else if l < 2097151 {
        3
    } else if l < 268435455 {
        4
    } else {
        5
    }
}

/// Writes the backlen of an `l`-byte entry. Redis: lpEncodeBacklen.
fn encode_backlen(out: &mut [u8], l: usize) -> usize {
    let n = backlen_size(l);
    // Most significant group first; every byte after the first has bit 7 set,
    // so reading right to left, bit 7 means "continue".
    for (i, slot) in out.iter_mut().take(n).enumerate() {
        let shift = 7 * (n - 1 - i);
        let mut b = ((l >> shift) & 127) as u8;
        if i > 0 {
            b |= 128;
        }
        *slot = b;
    }
    n
}

/// Reads a backlen whose last byte is at `buf[p]`. Redis: lpDecodeBacklen.
/// Returns (value, bytes used), or None when it runs off the buffer.
fn decode_backlen(buf: &[u8], mut p: usize) -> Option<(usize, usize)> {
    let mut val: u64 = 0;
    let mut shift = 0;
    let mut used = 0;
    loop {
        let b = *buf.get(p)?;
        val |= ((b & 127) as u64) << shift;
        used += 1;
        if b & 128 == 0 {
            break;
        }
        shift += 7;
        if shift > 28 || p == 0 {
            return None;
        }
        p -= 1;
    }
    Some((val as usize, used))
}

/// The encoding header for an element, up to 9 bytes for integers (the whole
/// entry body) or the string length prefix. Redis: lpEncodeGetType +
/// lpEncodeIntegerGetType + lpEncodeString's header.
struct Enc {
    head: [u8; 9],
    head_len: usize,
    is_int: bool,
}

fn encode_int(v: i64) -> Enc {
    let mut head = [0u8; 9];
    let head_len;
    if (0..=127).contains(&v) {
        head[0] = v as u8;
        head_len = 1;
    } else if (-4096..=4095).contains(&v) {
        let u = if v < 0 { (1i64 << 13) + v } else { v } as u64;
        head[0] = ((u >> 8) as u8) | 0xC0;
        head[1] = (u & 0xff) as u8;
        head_len = 2;
    } else if (-32768..=32767).contains(&v) {
        let u = (v as i16) as u16;
        head[0] = 0xF1;
        head[1..3].copy_from_slice(&u.to_le_bytes());
        head_len = 3;
    } else if (-8388608..=8388607).contains(&v) {
        let u = (v as i32 as u32) & 0xFF_FFFF;
        head[0] = 0xF2;
        head[1..4].copy_from_slice(&u.to_le_bytes()[..3]);
        head_len = 4;
    } else if (i32::MIN as i64..=i32::MAX as i64).contains(&v) {
        head[0] = 0xF3;
        head[1..5].copy_from_slice(&(v as i32).to_le_bytes());
        head_len = 5;
    } else {
        head[0] = 0xF4;
        head[1..9].copy_from_slice(&v.to_le_bytes());
        head_len = 9;
    }
    Enc {
        head,
        head_len,
        is_int: true,
    }
}

fn encode_str_head(len: usize) -> Enc {
    let mut head = [0u8; 9];
    let head_len;
    if len < 64 {
        head[0] = 0x80 | len as u8;
        head_len = 1;
    } else if len < 4096 {
        head[0] = 0xE0 | (len >> 8) as u8;
        head[1] = (len & 0xff) as u8;
        head_len = 2;
    } else {
        head[0] = 0xF0;
        head[1..5].copy_from_slice(&(len as u32).to_le_bytes());
        head_len = 5;
    }
    Enc {
        head,
        head_len,
        is_int: false,
    }
}

fn encode_element(ele: &[u8]) -> Enc {
    match string_to_i64(ele) {
        Some(v) => encode_int(v),
        None => encode_str_head(ele.len()),
    }
}

/// Size of encoding+data of the entry starting with `buf[p..]`, or None for
/// an invalid encoding byte. Redis: lpCurrentEncodedSizeUnsafe, which trusts
/// the byte; this checks it.
#[inline]
fn encoded_size(buf: &[u8], p: usize) -> Option<usize> {
    let b = *buf.get(p)?;
    Some(if b & 0x80 == 0 {
        1
    } else if b & 0xC0 == 0x80 {
        1 + (b & 0x3F) as usize
    } else if b & 0xE0 == 0xC0 {
        2
    } else if b & 0xF0 == 0xE0 {
        2 + ((((b & 0xF) as usize) << 8) | *buf.get(p + 1)? as usize)
    } else {
        match b {
            0xF0 => {
                let l = u32::from_le_bytes(buf.get(p + 1..p + 5)?.try_into().ok()?);
                5 + l as usize
            }
            0xF1 => 3,
            0xF2 => 4,
            0xF3 => 5,
            0xF4 => 9,
            0xFF => 1,
            _ => return None,
        }
    })
}

/// Bytes needed to read an entry's length. Redis: lpCurrentEncodedSizeBytes.
fn encoded_size_bytes(b: u8) -> usize {
    if b & 0x80 == 0 || b & 0xC0 == 0x80 || b & 0xE0 == 0xC0 {
        1
    } else if b & 0xF0 == 0xE0 {
        2
    } else {
        match b {
            0xF0 => 5,
            0xF1..=0xF4 | 0xFF => 1,
            _ => 0,
        }
    }
}

/// Decodes the entry at `p`. The buffer must be valid there.
#[inline]
fn decode(buf: &[u8], p: usize) -> LpEntry<'_> {
    decode_sized(buf, p).0
}

/// Decodes the entry at `p` and returns its encoded length (without the
/// backlen) too, so a walk reads each header once.
#[inline]
fn decode_sized(buf: &[u8], p: usize) -> (LpEntry<'_>, usize) {
    let b = buf[p];
    if b & 0x80 == 0 {
        return (LpEntry::Int(b as i64), 1);
    }
    if b & 0xC0 == 0x80 {
        let l = (b & 0x3F) as usize;
        return (LpEntry::Str(&buf[p + 1..p + 1 + l]), 1 + l);
    }
    if b & 0xE0 == 0xC0 {
        let u = (((b & 0x1F) as i64) << 8) | buf[p + 1] as i64;
        return (
            LpEntry::Int(if u >= 1 << 12 { u - (1 << 13) } else { u }),
            2,
        );
    }
    if b & 0xF0 == 0xE0 {
        let l = (((b & 0xF) as usize) << 8) | buf[p + 1] as usize;
        return (LpEntry::Str(&buf[p + 2..p + 2 + l]), 2 + l);
    }
    match b {
        0xF0 => {
            let l = u32::from_le_bytes(buf[p + 1..p + 5].try_into().unwrap()) as usize;
            (LpEntry::Str(&buf[p + 5..p + 5 + l]), 5 + l)
        }
        0xF1 => (
            LpEntry::Int(i16::from_le_bytes([buf[p + 1], buf[p + 2]]) as i64),
            3,
        ),
        0xF2 => {
            let u = u32::from_le_bytes([buf[p + 1], buf[p + 2], buf[p + 3], 0]);
            (LpEntry::Int(((u << 8) as i32 >> 8) as i64), 4)
        }
        0xF3 => (
            LpEntry::Int(i32::from_le_bytes(buf[p + 1..p + 5].try_into().unwrap()) as i64),
            5,
        ),
        0xF4 => (
            LpEntry::Int(i64::from_le_bytes(buf[p + 1..p + 9].try_into().unwrap())),
            9,
        ),
        _ => (LpEntry::Int(0), 1), // unreachable on a valid listpack
    }
}

/// A listpack. Redis: the `unsigned char *lp` blob.
#[derive(Clone, PartialEq, Eq)]
pub struct Listpack {
    buf: Vec<u8>,
}

impl std::fmt::Debug for Listpack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(
                self.iter()
                    .map(|e| String::from_utf8_lossy(&e.to_vec()).into_owned()),
            )
            .finish()
    }
}

impl Default for Listpack {
    fn default() -> Self {
        Self::new()
    }
}

impl Listpack {
    /// Redis: lpNew.
    pub fn new() -> Listpack {
        let mut buf = Vec::with_capacity(32);
        buf.extend_from_slice(&7u32.to_le_bytes());
        buf.extend_from_slice(&0u16.to_le_bytes());
        buf.push(LP_EOF);
        Listpack { buf }
    }

    /// Wraps bytes already checked by `validate_integrity` (deep), or
    /// produced by `into_bytes`.
    pub fn from_bytes_unchecked(buf: Vec<u8>) -> Listpack {
        Listpack { buf }
    }

    /// Builds a listpack from elements (appended in order).
    pub fn from_elements<I, S>(items: I) -> Listpack
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        let mut lp = Listpack::new();
        for i in items {
            lp.append(i.as_ref());
        }
        lp
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// Redis: lpBytes.
    pub fn bytes(&self) -> usize {
        self.buf.len()
    }

    fn num_header(&self) -> u16 {
        u16::from_le_bytes([self.buf[4], self.buf[5]])
    }

    fn set_num_header(&mut self, n: usize) {
        let v = if n >= LP_HDR_NUMELE_UNKNOWN as usize {
            LP_HDR_NUMELE_UNKNOWN
        } else {
            n as u16
        };
        self.buf[4..6].copy_from_slice(&v.to_le_bytes());
    }

    fn set_total_header(&mut self) {
        let n = self.buf.len() as u32;
        self.buf[0..4].copy_from_slice(&n.to_le_bytes());
    }

    /// Redis: lpLength — O(1) unless the element count overflowed the
    /// 16-bit header.
    pub fn len(&self) -> usize {
        let n = self.num_header();
        if n != LP_HDR_NUMELE_UNKNOWN {
            return n as usize;
        }
        self.iter().count()
    }

    pub fn is_empty(&self) -> bool {
        self.buf[LP_HDR_SIZE] == LP_EOF
    }

    /// Offset of the first entry. Redis: lpFirst.
    #[inline]
    pub fn first(&self) -> Option<usize> {
        if self.buf[LP_HDR_SIZE] == LP_EOF {
            None
        } else {
            Some(LP_HDR_SIZE)
        }
    }

    /// Offset of the last entry. Redis: lpLast.
    pub fn last(&self) -> Option<usize> {
        self.prev(self.buf.len() - 1)
    }

    /// Total size (encoding + data + backlen) of the entry at `p`.
    #[inline]
    fn entry_size(&self, p: usize) -> usize {
        let l = encoded_size(&self.buf, p).unwrap_or(1);
        l + backlen_size(l)
    }

    /// Redis: lpNext.
    #[inline]
    pub fn next(&self, p: usize) -> Option<usize> {
        let n = p + self.entry_size(p);
        if self.buf[n] == LP_EOF {
            None
        } else {
            Some(n)
        }
    }

    /// Redis: lpPrev. `p` may be the EOF offset.
    pub fn prev(&self, p: usize) -> Option<usize> {
        if p <= LP_HDR_SIZE {
            return None;
        }
        let (l, used) = decode_backlen(&self.buf, p - 1)?;
        Some(p - used - l)
    }

    /// The entry at `p` and the offset of the one after it (None at the
    /// end): lpGet and lpNext with one header decode.
    #[inline]
    pub fn get_next(&self, p: usize) -> (LpEntry<'_>, Option<usize>) {
        let (e, l) = decode_sized(&self.buf, p);
        let n = p + l + backlen_size(l);
        (e, (self.buf[n] != LP_EOF).then_some(n))
    }

    /// Redis: lpGet.
    #[inline]
    pub fn get(&self, p: usize) -> LpEntry<'_> {
        decode(&self.buf, p)
    }

    /// Offset of the element at `index` (negative from the tail). Redis: lpSeek.
    pub fn seek(&self, index: i64) -> Option<usize> {
        let n = self.len() as i64;
        let idx = if index < 0 { n + index } else { index };
        if idx < 0 || idx >= n {
            return None;
        }
        if idx < n / 2 {
            let mut p = self.first()?;
            for _ in 0..idx {
                p = self.next(p)?;
            }
            Some(p)
        } else {
            let mut p = self.last()?;
            for _ in 0..(n - 1 - idx) {
                p = self.prev(p)?;
            }
            Some(p)
        }
    }

    /// Inserts `ele` at byte offset `at` (an entry start or the EOF offset).
    /// Returns the new entry's offset. Redis: lpInsert.
    fn insert_at(&mut self, at: usize, ele: &[u8]) -> usize {
        let enc = encode_element(ele);
        let data: &[u8] = if enc.is_int { &[] } else { ele };
        let body = enc.head_len + data.len();
        let mut bl = [0u8; 5];
        let bl_len = encode_backlen(&mut bl, body);
        let total = body + bl_len;
        let old = self.buf.len();
        self.buf.resize(old + total, 0);
        self.buf.copy_within(at..old, at + total);
        self.buf[at..at + enc.head_len].copy_from_slice(&enc.head[..enc.head_len]);
        let d = at + enc.head_len;
        self.buf[d..d + data.len()].copy_from_slice(data);
        self.buf[d + data.len()..at + total].copy_from_slice(&bl[..bl_len]);
        self.set_total_header();
        let n = self.num_header();
        if n != LP_HDR_NUMELE_UNKNOWN {
            self.set_num_header(n as usize + 1);
        }
        at
    }

    /// Inserts `ele` before or after the entry at `p`; returns its offset.
    pub fn insert(&mut self, p: usize, ele: &[u8], w: Where) -> usize {
        let at = match w {
            Where::Before => p,
            Where::After => p + self.entry_size(p),
        };
        self.insert_at(at, ele)
    }

    /// Redis: lpAppend.
    pub fn append(&mut self, ele: &[u8]) -> usize {
        let eof = self.buf.len() - 1;
        self.insert_at(eof, ele)
    }

    /// Redis: lpPrepend.
    pub fn prepend(&mut self, ele: &[u8]) -> usize {
        self.insert_at(LP_HDR_SIZE, ele)
    }

    /// Deletes the entry at `p`; returns the offset of the following entry
    /// (None at the end). Redis: lpDelete.
    pub fn delete(&mut self, p: usize) -> Option<usize> {
        let sz = self.entry_size(p);
        self.buf.drain(p..p + sz);
        self.set_total_header();
        let n = self.num_header();
        if n != LP_HDR_NUMELE_UNKNOWN {
            self.set_num_header(n as usize - 1);
        } else {
            let c = self.iter().count();
            self.set_num_header(c);
        }
        if self.buf[p] == LP_EOF {
            None
        } else {
            Some(p)
        }
    }

    /// Replaces the entry at `p` with `ele`; returns its offset.
    /// Redis: lpReplace.
    pub fn replace(&mut self, p: usize, ele: &[u8]) -> usize {
        let sz = self.entry_size(p);
        let enc = encode_element(ele);
        let data: &[u8] = if enc.is_int { &[] } else { ele };
        let body = enc.head_len + data.len();
        let mut bl = [0u8; 5];
        let bl_len = encode_backlen(&mut bl, body);
        let total = body + bl_len;
        let mut entry = Vec::with_capacity(total);
        entry.extend_from_slice(&enc.head[..enc.head_len]);
        entry.extend_from_slice(data);
        entry.extend_from_slice(&bl[..bl_len]);
        self.buf.splice(p..p + sz, entry);
        self.set_total_header();
        p
    }

    /// Deletes `num` entries starting at `index` (negative from the tail).
    /// Redis: lpDeleteRange.
    pub fn delete_range(&mut self, index: i64, num: usize) {
        let n = self.len();
        let start = if index < 0 { n as i64 + index } else { index };
        if start < 0 || start as usize >= n || num == 0 {
            return;
        }
        let start = start as usize;
        let num = num.min(n - start);
        let Some(p) = self.seek(start as i64) else {
            return;
        };
        let mut end = p;
        for _ in 0..num {
            end += self.entry_size(end);
        }
        self.buf.drain(p..end);
        self.set_total_header();
        self.set_num_header(n - num);
    }

    /// Appends every entry of `other` (Redis: lpMerge, simplified: entries
    /// are self-describing, so merging is concatenating their bytes).
    pub fn merge_back(&mut self, other: &Listpack) {
        let n = self.len() + other.len();
        let eof = self.buf.len() - 1;
        self.buf.truncate(eof);
        self.buf
            .extend_from_slice(&other.buf[LP_HDR_SIZE..other.buf.len()]);
        self.set_total_header();
        self.set_num_header(n);
    }

    /// Iterates over the elements head to tail.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            lp: self,
            p: self.first(),
        }
    }

    /// Iterates from `p` (inclusive) towards the tail.
    pub fn iter_from(&self, p: Option<usize>) -> Iter<'_> {
        Iter { lp: self, p }
    }
}

/// Forward iterator over a listpack's elements.
pub struct Iter<'a> {
    lp: &'a Listpack,
    p: Option<usize>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = LpEntry<'a>;
    #[inline]
    fn next(&mut self) -> Option<LpEntry<'a>> {
        let p = self.p?;
        self.p = self.lp.next(p);
        Some(decode(&self.lp.buf, p))
    }
}
