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
//! Like liblzf it keeps a hash table from a 3-byte prefix to the last position where
//! that prefix was seen. At each position it looks the next three bytes up; if the
//! remembered position is close enough and really starts with the same three bytes, it
//! extends the match as far as it goes and emits a back reference, otherwise it
//! appends the byte to the current literal run. The output is not byte-for-byte what
//! liblzf writes (liblzf also re-hashes the positions inside a match and uses a
//! slightly different hash), but any LZF decoder, Redis's included, reads it.
//!
//! Divergence: `compress` returns `None` instead of 0 when the output would not fit,
//! and `decompress` returns an error instead of setting errno.

const HLOG: u32 = 14;
const HSIZE: usize = 1 << HLOG;
const MAX_LIT: usize = 1 << 5; // 32
const MAX_OFF: usize = 1 << 13; // 8192
const MAX_REF: usize = (1 << 8) + (1 << 3); // 264

#[inline]
fn hash3(p: &[u8]) -> usize {
    let v = (p[0] as u32) << 16 | (p[1] as u32) << 8 | p[2] as u32;
    (v.wrapping_mul(2_654_435_761) >> (32 - HLOG)) as usize
}

/// Redis: lzf_compress(). Compresses `input`; returns `None` when the result would be
/// longer than `max_out` bytes (callers then store the data uncompressed).
pub fn compress(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    let n = input.len();
    if n == 0 {
        return None;
    }
    let mut htab = vec![0u32; HSIZE]; // position + 1; 0 = never seen
    let mut out: Vec<u8> = Vec::with_capacity(max_out.min(n + n / 16 + 64));
    out.push(0); // control byte of the first literal run, filled in later
    let mut lit_pos = 0usize; // index of the open run's control byte
    let mut lit = 0usize; // bytes in the open run
    let mut ip = 0usize;

    while ip + 2 < n {
        let h = hash3(&input[ip..]);
        let cand = htab[h] as usize;
        htab[h] = (ip + 1) as u32;
        if cand > 0 {
            let r = cand - 1;
            let off = ip - r - 1;
            if off < MAX_OFF && input[r..r + 3] == input[ip..ip + 3] {
                let maxlen = (n - ip).min(MAX_REF);
                let mut len = 3;
                while len < maxlen && input[r + len] == input[ip + len] {
                    len += 1;
                }
                // Close the literal run (or drop its unused control byte).
                if lit > 0 {
                    out[lit_pos] = (lit - 1) as u8;
                } else {
                    out.pop();
                }
                let l = len - 2;
                if l < 7 {
                    out.push(((l << 5) | (off >> 8)) as u8);
                } else {
                    out.push(((7 << 5) | (off >> 8)) as u8);
                    out.push((l - 7) as u8);
                }
                out.push((off & 0xff) as u8);
                lit_pos = out.len();
                out.push(0);
                lit = 0;
                // Remember the positions inside the match too, cheaply: the last two.
                for p in (ip + len).saturating_sub(2)..ip + len {
                    if p + 2 < n {
                        htab[hash3(&input[p..])] = (p + 1) as u32;
                    }
                }
                ip += len;
                if out.len() > max_out {
                    return None;
                }
                continue;
            }
        }
        out.push(input[ip]);
        ip += 1;
        lit += 1;
        if lit == MAX_LIT {
            out[lit_pos] = (MAX_LIT - 1) as u8;
            lit_pos = out.len();
            out.push(0);
            lit = 0;
        }
        if out.len() > max_out + 1 {
            return None;
        }
    }
    while ip < n {
        out.push(input[ip]);
        ip += 1;
        lit += 1;
        if lit == MAX_LIT {
            out[lit_pos] = (MAX_LIT - 1) as u8;
            lit_pos = out.len();
            out.push(0);
            lit = 0;
        }
    }
    if lit > 0 {
        out[lit_pos] = (lit - 1) as u8;
    } else {
        out.pop();
    }
    if out.len() > max_out {
        return None;
    }
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
