//! LZF compression, as RDB uses it for long strings (`rdbcompression yes`).
//! Redis counterpart: lzf_c.c and lzf_d.c (liblzf 3.6, which Redis vendors).
//!
//! # The format
//!
//! An LZF stream is a sequence of chunks, each opened by a control byte:
//!
//! ```text
//!  000LLLLL  <L+1 literal bytes>                 literal run, 1..32 bytes
//!  LLLOOOOO  OOOOOOOO                            back reference, L in 1..6
//!  111OOOOO  LLLLLLLL  OOOOOOOO                  back reference, L = 7 + next byte
//! ```
//!
//! A back reference copies `L + 2` bytes (so 3..264) starting `O + 1` bytes behind
//! the current end of the output (O is 13 bits: at most 8192 bytes back). The copy
//! may overlap its own output, which is how a run like "aaaa…" compresses to a few
//! bytes: copy from one byte back, many times.
//!
//! # The compressor
//!
//! It makes the same choices as liblzf as Redis builds it (lzfP.h: `HLOG` 16,
//! `VERY_FAST`), so an RDB file or DUMP payload holds the same bytes Redis would write,
//! and a value is stored compressed exactly when Redis would store it compressed:
//!
//! - A hash table maps a rolling hash of the next three bytes to the last position
//!   seen with that hash. The hash is liblzf's: `h = h << 8 | next byte` (a 32-bit
//!   value that keeps older bytes in its high bits), slot `((h >> 8) - h * 5) & 0xffff`.
//! - At each position the slot is read, then overwritten with the position. The
//!   remembered position is a match when it is less than 8192 bytes back, is not
//!   position 0, and really starts with the same three bytes.
//! - A match is extended as far as the data goes, up to 264 bytes, and must leave
//!   two bytes of input behind it, except that liblzf checks its first sixteen extra
//!   bytes without that limit (its unrolled loop), and so does this.
//! - After a match, only its last two positions enter the table (`VERY_FAST`), and
//!   the search resumes after it.
//! - The output budget is checked where liblzf checks it: a back reference needs four
//!   bytes of room beyond the current position (or three when it closes an empty
//!   literal run), a literal one, and the tail of up to two literals three.
//!
//! Divergences:
//! - liblzf leaves its table uninitialised (`INIT_HTAB` 0) on the stack, and rejects
//!   what a stale entry could point at only by the checks above. Here every call
//!   starts from an empty table: a thread-local one, stamped with a call number so that
//!   it never needs clearing.
//! - `compress` returns `None` instead of 0 when the output would not fit, and
//!   `decompress` returns an error instead of setting errno.

use std::cell::RefCell;

const HLOG: u32 = 16;
const HSIZE: usize = 1 << HLOG;
const MAX_LIT: usize = 1 << 5; // 32
const MAX_OFF: usize = 1 << 13; // 8192
const MAX_REF: usize = (1 << 8) + (1 << 3); // 264

/// liblzf: FRST — the hash of the first two bytes at `i`.
#[inline]
fn frst(p: &[u8], i: usize) -> u32 {
    (p[i] as u32) << 8 | p[i + 1] as u32
}

/// liblzf: NEXT — rolls the third byte at `i` into the hash.
#[inline]
fn next(h: u32, p: &[u8], i: usize) -> u32 {
    h << 8 | p[i + 2] as u32
}

/// liblzf: IDX (the VERY_FAST variant).
#[inline]
fn idx(h: u32) -> usize {
    ((h >> (3 * 8 - HLOG)).wrapping_sub(h.wrapping_mul(5)) & (HSIZE as u32 - 1)) as usize
}

/// The hash table: per slot, the call number that wrote it (high 32 bits) and a
/// position (low 32 bits). A slot from an earlier call reads as empty.
struct HashTable {
    call: u64,
    slots: Vec<u64>,
}

impl HashTable {
    fn start_call(&mut self) {
        if self.slots.is_empty() {
            self.slots = vec![0; HSIZE];
        }
        self.call = (self.call + 1) & 0xffff_ffff;
        if self.call == 0 {
            // The stamps wrapped around: forget everything once.
            self.slots.fill(0);
            self.call = 1;
        }
    }

    /// Reads the slot and stores `pos` in it.
    #[inline]
    fn swap(&mut self, slot: usize, pos: usize) -> Option<usize> {
        let old = self.slots[slot];
        self.slots[slot] = self.call << 32 | pos as u64;
        (old >> 32 == self.call).then_some((old & 0xffff_ffff) as usize)
    }

    #[inline]
    fn set(&mut self, slot: usize, pos: usize) {
        self.slots[slot] = self.call << 32 | pos as u64;
    }
}

thread_local! {
    static HTAB: RefCell<HashTable> = const {
        RefCell::new(HashTable {
            call: 0,
            slots: Vec::new(),
        })
    };
}

/// Redis: lzf_compress(). Compresses `input` into at most `out_len` bytes; `None`
/// when it does not fit (liblzf returns 0), and for inputs of 4 GiB or more, whose
/// positions the table cannot hold.
pub fn compress(input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    if input.is_empty() || out_len == 0 || input.len() > u32::MAX as usize {
        return None;
    }
    HTAB.with(|t| compress_with(&mut t.borrow_mut(), input, out_len))
}

fn compress_with(htab: &mut HashTable, input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    htab.start_call();
    let n = input.len();
    // liblzf writes at most out_len bytes; the slack only spares index checks.
    let mut out = vec![0u8; out_len + 4];
    let mut op = 1; // out[0] is the control byte of the first literal run
    let mut lit = 0usize; // bytes in the open literal run, just before `op`
    let mut ip = 0usize;
    let mut hval = if n >= 2 { frst(input, 0) } else { 0 };

    while ip + 2 < n {
        hval = next(hval, input, ip);
        let slot = idx(hval);
        let cand = htab.swap(slot, ip);
        let found = cand.filter(|&r| {
            r > 0
                && r < ip
                && ip - r - 1 < MAX_OFF
                && input[r + 2] == input[ip + 2]
                && input[r..r + 2] == input[ip..ip + 2]
        });
        let Some(r) = found else {
            // One more literal byte.
            if op >= out_len {
                return None;
            }
            lit += 1;
            out[op] = input[ip];
            op += 1;
            ip += 1;
            if lit == MAX_LIT {
                out[op - lit - 1] = (lit - 1) as u8; // close the run
                lit = 0;
                op += 1; // open the next
            }
            continue;
        };

        let off = ip - r - 1;
        let maxlen = (n - ip - 2).min(MAX_REF);
        let empty_run = (lit == 0) as usize;
        if op + 3 + 1 >= out_len && op - empty_run + 3 + 1 >= out_len {
            return None;
        }
        out[op - lit - 1] = (lit as u8).wrapping_sub(1); // close the run ...
        op -= empty_run; // ... or take back its control byte when it is empty

        // `len` ends as the length of the match (at least 3).
        let mut len = 2;
        'extend: {
            if maxlen > 16 {
                for _ in 0..16 {
                    len += 1;
                    if input[r + len] != input[ip + len] {
                        break 'extend;
                    }
                }
            }
            loop {
                len += 1;
                if !(len < maxlen && input[r + len] == input[ip + len]) {
                    break;
                }
            }
        }

        let l = len - 2;
        if l < 7 {
            out[op] = ((off >> 8) + (l << 5)) as u8;
            op += 1;
        } else {
            out[op] = ((off >> 8) + (7 << 5)) as u8;
            out[op + 1] = (l - 7) as u8;
            op += 2;
        }
        out[op] = off as u8;
        op += 2; // the offset's low byte, then the next run's control byte
        lit = 0;
        ip += len;
        if ip + 2 >= n {
            break;
        }
        // Enter the match's last two positions into the table.
        ip -= 2;
        hval = frst(input, ip);
        for _ in 0..2 {
            hval = next(hval, input, ip);
            htab.set(idx(hval), ip);
            ip += 1;
        }
    }

    if op + 3 > out_len {
        return None;
    }
    while ip < n {
        lit += 1;
        out[op] = input[ip];
        op += 1;
        ip += 1;
        if lit == MAX_LIT {
            out[op - lit - 1] = (lit - 1) as u8;
            lit = 0;
            op += 1;
        }
    }
    out[op - lit - 1] = (lit as u8).wrapping_sub(1); // close the last run ...
    op -= (lit == 0) as usize; // ... or drop it when empty
    out.truncate(op);
    Some(out)
}

/// Why a stream could not be decompressed (liblzf: E2BIG / EINVAL).
#[derive(Debug, PartialEq, Eq)]
pub enum LzfError {
    /// The output would exceed the expected length.
    OutputTooBig,
    /// A chunk runs past the end of the input, or a back reference points before the
    /// start of the output.
    Corrupt,
}

/// Redis: lzf_decompress(). Decompresses `input`, which must expand to exactly
/// `out_len` bytes (RDB stores the original length).
pub fn decompress(input: &[u8], out_len: usize) -> Result<Vec<u8>, LzfError> {
    let mut out: Vec<u8> = Vec::with_capacity(out_len);
    let mut ip = 0;
    while ip < input.len() {
        let ctrl = input[ip] as usize;
        ip += 1;
        if ctrl < 32 {
            let run = ctrl + 1;
            if out.len() + run > out_len {
                return Err(LzfError::OutputTooBig);
            }
            let lits = input.get(ip..ip + run).ok_or(LzfError::Corrupt)?;
            out.extend_from_slice(lits);
            ip += run;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += *input.get(ip).ok_or(LzfError::Corrupt)? as usize;
                ip += 1;
            }
            let lo = *input.get(ip).ok_or(LzfError::Corrupt)? as usize;
            ip += 1;
            let back = ((ctrl & 0x1f) << 8) + lo + 1;
            let len = len + 2;
            if out.len() + len > out_len {
                return Err(LzfError::OutputTooBig);
            }
            if back > out.len() {
                return Err(LzfError::Corrupt);
            }
            let start = out.len() - back;
            if back >= len {
                out.extend_from_within(start..start + len);
            } else {
                // Overlapping copy: each byte may be one this copy just wrote.
                for k in 0..len {
                    let b = out[start + k];
                    out.push(b);
                }
            }
        }
    }
    if out.len() != out_len {
        return Err(LzfError::Corrupt);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn runs_compress_well() {
        let data = vec![b'a'; 1000];
        let c = compress(&data, data.len()).unwrap();
        assert!(c.len() < 30, "{}", c.len());
        assert_eq!(decompress(&c, 1000).unwrap(), data);
    }

    fn unhex(h: &str) -> Vec<u8> {
        (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn output_is_liblzfs_byte_for_byte() {
        // What Redis 7.0.15 wrote for these values (DUMP, rdbcompression yes).
        let cases: [(Vec<u8>, &str); 3] = [
            (
                // Two copies of 32 bytes: position 0 may not be referenced, so the
                // match starts one byte late, and it must leave two bytes behind.
                (0..64u32).map(|i| ((i % 32) * 37 % 251) as u8).collect(),
                "1f00254a6f94b9de082d52779cc1e610355a7fa4c9ee183d6287acd1f620456a8f0000e0141f016a8f",
            ),
            (
                [&b"The quick brown fox jumps over the lazy dog. "
                    .repeat(5)[..], b"The quick brown cat."]
                .concat(),
                "1f54686520717569636b2062726f776e20666f78206a756d7073206f7665722074201e0a6c617a7920646f672e2054200de0b72c036361742e",
            ),
            (
                b"abc".repeat(300),
                "0361626361e0ff02e1ff07e1ff07e15d07016263",
            ),
        ];
        for (input, want) in cases {
            let got = compress(&input, input.len() - 4).unwrap();
            assert_eq!(got, unhex(want));
            assert_eq!(decompress(&got, input.len()).unwrap(), input);
        }
    }

    #[test]
    fn incompressible_gives_none() {
        let data: Vec<u8> = (0..64u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert!(compress(&data, data.len() - 4).is_none());
    }

    #[test]
    fn decoder_reads_liblzf_output() {
        // A hand-built stream: the literal run "aa", then two overlapping long back
        // references one byte behind (7 + 0x7f + 2 and 7 + 4 + 2 bytes).
        let c = [0x01, b'a', b'a', 0xe0, 0x7f, 0x00, 0xe0, 0x04, 0x00];
        let d = decompress(&c, 2 + (7 + 0x7f + 2) + (7 + 4 + 2)).unwrap();
        assert!(d.iter().all(|&b| b == b'a'));
    }

    #[test]
    fn corrupt_input_is_an_error() {
        assert_eq!(decompress(&[0x05, b'a'], 6), Err(LzfError::Corrupt));
        assert_eq!(decompress(&[0x20, 0x05], 3), Err(LzfError::Corrupt));
        assert_eq!(decompress(&[0x00, b'a'], 0), Err(LzfError::OutputTooBig));
        assert_eq!(decompress(&[0x00, b'a'], 2), Err(LzfError::Corrupt));
    }

    proptest! {
        #[test]
        fn round_trip(data in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), any::<u8>()], 1..3000)) {
            if let Some(c) = compress(&data, data.len() + 64) {
                prop_assert_eq!(decompress(&c, data.len()).unwrap(), data);
            }
        }

        #[test]
        fn decompress_never_panics(data in proptest::collection::vec(any::<u8>(), 0..200), n in 0usize..500) {
            let _ = decompress(&data, n);
        }
    }
}
