//! Decoders for the compact blobs that RDB files embed as they are: ziplist (RDB
//! types 10, 12, 13 and the nodes of quicklist v1, type 14), zipmap (type 9), intset
//! (type 11) and listpack (types 16, 17, 18). Redis counterpart: ziplist.c,
//! zipmap.c, intset.c and listpack.c — only their read side, and their validation
//! (`ziplistValidateIntegrity`, ...).
//!
//! Each decoder turns a blob into plain elements and fails on anything malformed, so
//! a structure can load an old file without trusting it: the list, hash, set and
//! sorted-set loaders (`quicklist::rdb`, `hash::rdb`, `set::rdb`, `zset::rdb`) call
//! these, then build their own encoding from the elements.
//!
//! Divergence: Redis converts some of these blobs in place (a ziplist becomes a
//! listpack); here they are always decoded into elements first.

use super::{RdbError, RdbResult};

/// One element of a compact encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Elem {
    Str(Vec<u8>),
    Int(i64),
}

impl Elem {
    /// The element as the string Redis would return for it.
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            Elem::Str(b) => b,
            Elem::Int(v) => crate::util::ll2string(v).into_bytes(),
        }
    }
}

fn bad(what: &str) -> RdbError {
    RdbError::corrupt(format!("{} integrity check failed.", what))
}

fn take<'a>(b: &'a [u8], pos: &mut usize, n: usize, what: &str) -> RdbResult<&'a [u8]> {
    let end = pos
        .checked_add(n)
        .filter(|&e| e <= b.len())
        .ok_or_else(|| bad(what))?;
    let s = &b[*pos..end];
    *pos = end;
    Ok(s)
}

fn le(b: &[u8]) -> u64 {
    b.iter().rev().fold(0u64, |acc, &x| (acc << 8) | x as u64)
}

/// Sign-extends the low `bits` bits of `v`.
fn sext(v: u64, bits: u32) -> i64 {
    let shift = 64 - bits;
    ((v << shift) as i64) >> shift
}

/// Redis: ziplist.c, read with ziplistValidateIntegrity's deep checks.
/// `<zlbytes u32> <zltail u32> <zllen u16> entries... 0xFF`, each entry
/// `<prevlen: 1 byte, or 0xFE + u32> <encoding> <data>`. The sizes must
/// agree with the buffer, each prevlen with the entry before it, zltail with
/// the last entry and zllen (unless 65535) with the count.
pub fn ziplist_entries(b: &[u8]) -> RdbResult<Vec<Elem>> {
    ziplist_entries_as(b, "Ziplist")
}

/// [`ziplist_entries`], failing with `<what> integrity check failed.`.
pub fn ziplist_entries_as(b: &[u8], what: &str) -> RdbResult<Vec<Elem>> {
    const HDR: usize = 10;
    let w = what;
    if b.len() < HDR + 1 || le(&b[0..4]) as usize != b.len() || b[b.len() - 1] != 0xff {
        return Err(bad(w));
    }
    let tail = le(&b[4..8]) as usize;
    if tail > b.len() - 1 {
        return Err(bad(w));
    }
    let header_count = le(&b[8..10]) as usize;
    let mut pos = HDR;
    let mut out = Vec::new();
    let (mut prev_raw, mut last_start) = (0usize, None);
    while b[pos] != 0xff {
        let start = pos;
        let prevlen = if b[pos] == 0xfe {
            le(&take(b, &mut pos, 5, w)?[1..]) as usize
        } else {
            pos += 1;
            b[start] as usize
        };
        if prevlen != prev_raw || prevlen > start - HDR {
            return Err(bad(w));
        }
        let enc = *b.get(pos).ok_or_else(|| bad(w))?;
        pos += 1;
        let e = match enc >> 6 {
            0 => Elem::Str(take(b, &mut pos, (enc & 0x3f) as usize, w)?.to_vec()),
            1 => {
                let lo = take(b, &mut pos, 1, w)?[0] as usize;
                let n = (((enc & 0x3f) as usize) << 8) | lo;
                Elem::Str(take(b, &mut pos, n, w)?.to_vec())
            }
            2 => {
                let l = take(b, &mut pos, 4, w)?;
                let n = u32::from_be_bytes([l[0], l[1], l[2], l[3]]) as usize;
                Elem::Str(take(b, &mut pos, n, w)?.to_vec())
            }
            _ => match enc {
                0xc0 => Elem::Int(sext(le(take(b, &mut pos, 2, w)?), 16)),
                0xd0 => Elem::Int(sext(le(take(b, &mut pos, 4, w)?), 32)),
                0xe0 => Elem::Int(le(take(b, &mut pos, 8, w)?) as i64),
                0xf0 => Elem::Int(sext(le(take(b, &mut pos, 3, w)?), 24)),
                0xfe => Elem::Int(sext(le(take(b, &mut pos, 1, w)?), 8)),
                0xf1..=0xfd => Elem::Int((enc & 0x0f) as i64 - 1),
                _ => return Err(bad(w)),
            },
        };
        out.push(e);
        // The entry must end before the terminator.
        if pos >= b.len() {
            return Err(bad(w));
        }
        prev_raw = pos - start;
        last_start = Some(start);
    }
    if pos != b.len() - 1 {
        return Err(bad(w));
    }
    if last_start.is_some_and(|l| l != tail) {
        return Err(bad(w));
    }
    if header_count != u16::MAX as usize && header_count != out.len() {
        return Err(bad(w));
    }
    Ok(out)
}

/// Redis: zipmap.c. `<zmlen u8> (<len> key <len> <free u8> value <free bytes>)* 0xFF`.
pub fn zipmap_pairs(b: &[u8]) -> RdbResult<Vec<(Vec<u8>, Vec<u8>)>> {
    const W: &str = "Zipmap";
    let mut pos = 1;
    if b.is_empty() {
        return Err(bad(W));
    }
    let len = |pos: &mut usize| -> RdbResult<usize> {
        let f = *b.get(*pos).ok_or_else(|| bad(W))?;
        *pos += 1;
        match f {
            0..=253 => Ok(f as usize),
            254 => Ok(le(take(b, pos, 4, W)?) as usize),
            _ => Err(bad(W)),
        }
    };
    let mut out = Vec::new();
    loop {
        match b.get(pos) {
            Some(0xff) => break,
            None => return Err(bad(W)),
            _ => {}
        }
        let kl = len(&mut pos)?;
        let k = take(b, &mut pos, kl, W)?.to_vec();
        let vl = len(&mut pos)?;
        let free = take(b, &mut pos, 1, W)?[0] as usize;
        let v = take(b, &mut pos, vl, W)?.to_vec();
        take(b, &mut pos, free, W)?;
        out.push((k, v));
    }
    if pos != b.len() - 1 || out.is_empty() {
        return Err(bad(W));
    }
    // zmlen counts the pairs, unless it is the "too many to count" 254.
    if b[0] != 254 && b[0] as usize != out.len() {
        return Err(bad(W));
    }
    Ok(out)
}

/// Redis: intset.c. `<encoding u32: 2|4|8> <length u32> <values LE, sorted, unique>`.
pub fn intset_values(b: &[u8]) -> RdbResult<Vec<i64>> {
    const W: &str = "Intset";
    if b.len() < 8 {
        return Err(bad(W));
    }
    let width = le(&b[0..4]) as usize;
    let n = le(&b[4..8]) as usize;
    if !matches!(width, 2 | 4 | 8) || n.checked_mul(width) != Some(b.len() - 8) || n == 0 {
        return Err(bad(W));
    }
    let vals: Vec<i64> = b[8..]
        .chunks_exact(width)
        .map(|c| sext(le(c), width as u32 * 8))
        .collect();
    if vals.windows(2).any(|w| w[0] >= w[1]) {
        return Err(bad(W));
    }
    Ok(vals)
}

/// Redis: listpack.c. `<total u32> <count u16> (entry backlen)* 0xFF`.
pub fn listpack_entries(b: &[u8]) -> RdbResult<Vec<Elem>> {
    const W: &str = "Listpack";
    if b.len() < 7 || le(&b[0..4]) as usize != b.len() || b[b.len() - 1] != 0xff {
        return Err(bad(W));
    }
    let mut pos = 6;
    let mut out = Vec::new();
    while b[pos] != 0xff {
        let start = pos;
        let enc = b[pos];
        pos += 1;
        let e = if enc & 0x80 == 0 {
            Elem::Int((enc & 0x7f) as i64)
        } else if enc & 0xc0 == 0x80 {
            Elem::Str(take(b, &mut pos, (enc & 0x3f) as usize, W)?.to_vec())
        } else if enc & 0xe0 == 0xc0 {
            let lo = take(b, &mut pos, 1, W)?[0] as u64;
            Elem::Int(sext((((enc & 0x1f) as u64) << 8) | lo, 13))
        } else if enc & 0xf0 == 0xe0 {
            let lo = take(b, &mut pos, 1, W)?[0] as usize;
            let n = (((enc & 0x0f) as usize) << 8) | lo;
            Elem::Str(take(b, &mut pos, n, W)?.to_vec())
        } else {
            match enc {
                0xf0 => {
                    let n = le(take(b, &mut pos, 4, W)?) as usize;
                    Elem::Str(take(b, &mut pos, n, W)?.to_vec())
                }
                0xf1 => Elem::Int(sext(le(take(b, &mut pos, 2, W)?), 16)),
                0xf2 => Elem::Int(sext(le(take(b, &mut pos, 3, W)?), 24)),
                0xf3 => Elem::Int(sext(le(take(b, &mut pos, 4, W)?), 32)),
                0xf4 => Elem::Int(le(take(b, &mut pos, 8, W)?) as i64),
                _ => return Err(bad(W)),
            }
        };
        // backlen: the entry's length in 7-bit groups, 1 to 5 bytes.
        let l = pos - start;
        let backlen = match l {
            0..=127 => 1,
            128..=16383 => 2,
            16384..=2097151 => 3,
            2097152..=268435455 => 4,
            _ => 5,
        };
        take(b, &mut pos, backlen, W)?;
        out.push(e);
        if pos >= b.len() {
            return Err(bad(W));
        }
    }
    if pos != b.len() - 1 {
        return Err(bad(W));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ziplist_small() {
        // A ziplist of "a", 7 (immediate) and 300 (int16), built by hand.
        let mut z = vec![0u8; 10];
        z.extend_from_slice(&[0x00, 0x01, b'a']);
        z.extend_from_slice(&[0x03, 0xf8]);
        z.extend_from_slice(&[0x02, 0xc0, 0x2c, 0x01]);
        z.push(0xff);
        let n = z.len() as u32;
        z[0..4].copy_from_slice(&n.to_le_bytes());
        z[4..8].copy_from_slice(&15u32.to_le_bytes()); // zltail: the last entry
        z[8..10].copy_from_slice(&3u16.to_le_bytes()); // zllen
        assert_eq!(
            ziplist_entries(&z).unwrap(),
            vec![Elem::Str(b"a".to_vec()), Elem::Int(7), Elem::Int(300)]
        );
        // zllen 65535 means "count them".
        let mut unknown = z.clone();
        unknown[8..10].copy_from_slice(&u16::MAX.to_le_bytes());
        assert_eq!(ziplist_entries(&unknown).unwrap().len(), 3);
        // Redis's deep checks: each one alone makes the ziplist corrupt.
        let bad_count = {
            let mut b = z.clone();
            b[8] = 2;
            b
        };
        let bad_tail = {
            let mut b = z.clone();
            b[4] = 13;
            b
        };
        let bad_prevlen = {
            let mut b = z.clone();
            b[13] = 0x04;
            b
        };
        for b in [bad_count, bad_tail, bad_prevlen] {
            assert_eq!(
                ziplist_entries_as(&b, "Zset ziplist"),
                Err(RdbError::corrupt("Zset ziplist integrity check failed."))
            );
        }
    }

    #[test]
    fn intset_and_zipmap() {
        let mut i = vec![2, 0, 0, 0, 2, 0, 0, 0];
        i.extend_from_slice(&(-5i16).to_le_bytes());
        i.extend_from_slice(&9i16.to_le_bytes());
        assert_eq!(intset_values(&i).unwrap(), vec![-5, 9]);
        let z = [1, 1, b'k', 1, 0, b'v', 0xff];
        assert_eq!(
            zipmap_pairs(&z).unwrap(),
            vec![(b"k".to_vec(), b"v".to_vec())]
        );
    }

    #[test]
    fn listpack_small() {
        let mut l = vec![0u8; 6];
        l.extend_from_slice(&[0x05, 0x01]); // 5
        l.extend_from_slice(&[0x82, b'h', b'i', 0x03]); // "hi"
        l.push(0xff);
        let n = l.len() as u32;
        l[0..4].copy_from_slice(&n.to_le_bytes());
        assert_eq!(
            listpack_entries(&l).unwrap(),
            vec![Elem::Int(5), Elem::Str(b"hi".to_vec())]
        );
    }

    proptest! {
        #[test]
        fn decoders_never_panic(b in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = ziplist_entries(&b);
            let _ = zipmap_pairs(&b);
            let _ = intset_values(&b);
            let _ = listpack_entries(&b);
        }
    }
}
