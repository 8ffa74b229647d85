//! HyperLogLog registers: the dense and sparse representations, the hash,
//! and the cardinality estimate. Redis counterpart: hyperloglog.c (the
//! "Low level bit macros", "HyperLogLog algorithm", "Dense/Sparse
//! representation implementation" and "HyperLogLog Count" banners).
//!
//! # How the registers are stored
//!
//! An HLL is an ordinary string value, so it travels through GET/SET, DUMP
//! and RDB unchanged; these bytes are exactly Redis's. Every HLL starts with
//! a 16-byte header:
//!
//! ```text
//!  0      4   5       8                16
//! +------+---+-------+----------------+-------------//
//! | HYLL | E | 0 0 0 | cardinality LE | registers ...
//! +------+---+-------+----------------+-------------//
//! ```
//!
//! `E` is 0 (dense) or 1 (sparse). The cardinality is the last PFCOUNT
//! result, little endian; its top bit (byte 15, 0x80) set means "stale",
//! and every write that changes a register sets it. A read can then answer
//! from the cache as long as nobody wrote in between.
//!
//! There are 2^14 = 16384 registers. An element's 64-bit MurmurHash2 picks
//! the register with its low 14 bits; the other 50 bits, with a sentinel
//! 1 above them, give the run length "number of trailing zeros + 1"
//! (1..=51). A register keeps the largest run it has seen.
//!
//! **Dense**: 16384 six-bit registers packed LSB first, 12288 bytes. Register
//! `i` starts at bit `6*i`, so it lives in byte `6*i/8` at shift `6*i%8`,
//! spilling its high bits into the next byte when the shift is more than 2:
//!
//! ```text
//!  byte 0   byte 1   byte 2
//! 11000000 22221111 33333322     (digit = register number, MSB on the left)
//! ```
//!
//! Reading ORs `b0 >> shift` with `b1 << (8 - shift)` and keeps 6 bits;
//! writing clears and ORs the same two windows. (Redis relies on the sds
//! terminator to read "byte 12288" for the last register; here the second
//! byte is simply skipped when it would lie past the end, which changes
//! nothing since no bit of that register lives there.)
//!
//! **Sparse**: run-length opcodes, for HLLs with few non-zero registers:
//!
//! ```text
//! ZERO   00xxxxxx            1..64 registers at 0      (len = xxxxxx + 1)
//! XZERO  01xxxxxx yyyyyyyy   1..16384 registers at 0   (len = 14 bits + 1)
//! VAL    1vvvvvxx            1..4 registers at 1..32   (val = v+1, len = x+1)
//! ```
//!
//! The opcodes must cover exactly 16384 registers, or the value is
//! corrupt. A new HLL is a single `XZERO:16384` (18 bytes in all). Setting a
//! register splits the opcode that covers it into at most three (the worst
//! case, XZERO → XZERO VAL XZERO, grows the string by 3 bytes), then merges
//! equal neighbouring VALs. The HLL is promoted to dense, for good, when a
//! register needs a value above 32 or the string would exceed
//! `hll-sparse-max-bytes`.
//!
//! **Raw** (internal only): one byte per register, used to merge several
//! HLLs for PFCOUNT k1 k2 ... and PFMERGE.
//!
//! The estimate is Otmar Ertl's improved estimator ("New cardinality
//! estimation algorithms for HyperLogLog sketches", arXiv:1702.01284) over
//! the histogram of register values, as in Redis, so the numbers match.

pub const HLL_P: usize = 14;
pub const HLL_Q: usize = 64 - HLL_P;
pub const HLL_REGISTERS: usize = 1 << HLL_P;
const HLL_P_MASK: u64 = (HLL_REGISTERS - 1) as u64;
pub const HLL_BITS: usize = 6;
pub const HLL_REGISTER_MAX: u8 = (1 << HLL_BITS) - 1;
pub const HLL_HDR_SIZE: usize = 16;
pub const HLL_DENSE_SIZE: usize = HLL_HDR_SIZE + (HLL_REGISTERS * HLL_BITS).div_ceil(8);
pub const HLL_DENSE: u8 = 0;
pub const HLL_SPARSE: u8 = 1;
const HLL_MAX_ENCODING: u8 = 1;
const HLL_ALPHA_INF: f64 = 0.721_347_520_444_481_7; // 0.5 / ln(2)

const SPARSE_XZERO_BIT: u8 = 0x40;
const SPARSE_VAL_BIT: u8 = 0x80;
pub const SPARSE_VAL_MAX_VALUE: u8 = 32;
const SPARSE_VAL_MAX_LEN: usize = 4;
const SPARSE_ZERO_MAX_LEN: usize = 64;
const SPARSE_XZERO_MAX_LEN: usize = 16384;

/// The HLL is corrupt (its sparse opcodes do not cover 16384 registers).
#[derive(Debug, PartialEq, Eq)]
pub struct Corrupt;

/// Why a value is not an HLL. Redis: isHLLObjectOrReply.
#[derive(Debug, PartialEq, Eq)]
pub enum NotHll {
    WrongType, // not a string at all
    Invalid,   // a string, but not an HLL
}

// --- sparse opcode helpers (Redis: the HLL_SPARSE_* macros) ---

fn is_zero(b: u8) -> bool {
    b & 0xc0 == 0
}
fn is_xzero(b: u8) -> bool {
    b & 0xc0 == SPARSE_XZERO_BIT
}
fn is_val(b: u8) -> bool {
    b & SPARSE_VAL_BIT != 0
}
fn zero_len(b: u8) -> usize {
    (b & 0x3f) as usize + 1
}
fn xzero_len(b0: u8, b1: u8) -> usize {
    ((((b0 & 0x3f) as usize) << 8) | b1 as usize) + 1
}
fn val_value(b: u8) -> u8 {
    ((b >> 2) & 0x1f) + 1
}
fn val_len(b: u8) -> usize {
    (b & 0x3) as usize + 1
}
fn val_op(val: u8, len: usize) -> u8 {
    ((val - 1) << 2) | (len as u8 - 1) | SPARSE_VAL_BIT
}
fn xzero_op(len: usize) -> [u8; 2] {
    let l = len - 1;
    [(l >> 8) as u8 | SPARSE_XZERO_BIT, (l & 0xff) as u8]
}

/// The byte at `i`, or 0 past the end: what Redis reads there is the sds
/// terminator, so a truncated XZERO decodes the same way.
fn at(buf: &[u8], i: usize) -> u8 {
    buf.get(i).copied().unwrap_or(0)
}

/// One sparse opcode: (registers covered, bytes used, value or 0).
fn decode_op(buf: &[u8], p: usize) -> (usize, usize, u8) {
    let b = buf[p];
    if is_zero(b) {
        (zero_len(b), 1, 0)
    } else if is_xzero(b) {
        (xzero_len(b, at(buf, p + 1)), 2, 0)
    } else {
        (val_len(b), 1, val_value(b))
    }
}

// --- hashing ---

/// MurmurHash2, 64-bit version, reading 8-byte words little endian so the
/// result does not depend on the machine. Redis: MurmurHash64A.
pub fn murmurhash64a(key: &[u8], seed: u32) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = (seed as u64) ^ (key.len() as u64).wrapping_mul(M);
    let mut chunks = key.chunks_exact(8);
    for w in &mut chunks {
        let mut k = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate() {
            h ^= (b as u64) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The register an element maps to and its run length ("000..1" pattern
/// length, 1..=Q+1). Redis: hllPatLen.
pub fn pat_len(ele: &[u8]) -> (usize, u8) {
    let hash = murmurhash64a(ele, 0xadc8_3b19);
    let index = (hash & HLL_P_MASK) as usize;
    let rest = (hash >> HLL_P) | (1u64 << HLL_Q);
    (index, rest.trailing_zeros() as u8 + 1)
}

// --- dense ---

/// Redis: HLL_DENSE_GET_REGISTER. `regs` is the register area.
#[inline]
pub fn dense_get(regs: &[u8], i: usize) -> u8 {
    let byte = i * HLL_BITS / 8;
    let fb = (i * HLL_BITS) & 7;
    let b0 = regs[byte] as u32;
    let b1 = at(regs, byte + 1) as u32;
    (((b0 >> fb) | (b1 << (8 - fb))) & HLL_REGISTER_MAX as u32) as u8
}

/// Redis: HLL_DENSE_SET_REGISTER.
#[inline]
pub fn dense_set_register(regs: &mut [u8], i: usize, val: u8) {
    let byte = i * HLL_BITS / 8;
    let fb = (i * HLL_BITS) & 7;
    let fb8 = 8 - fb;
    let v = val as u32;
    let max = HLL_REGISTER_MAX as u32;
    regs[byte] &= !((max << fb) as u8);
    regs[byte] |= (v << fb) as u8;
    if byte + 1 < regs.len() {
        regs[byte + 1] &= !((max >> fb8) as u8);
        regs[byte + 1] |= (v >> fb8) as u8;
    }
}

/// Raises register `i` to `count`; true when it changed. Redis: hllDenseSet.
pub fn dense_set(regs: &mut [u8], i: usize, count: u8) -> bool {
    if count > dense_get(regs, i) {
        dense_set_register(regs, i, count);
        true
    } else {
        false
    }
}

/// Redis: hllDenseAdd.
pub fn dense_add(regs: &mut [u8], ele: &[u8]) -> bool {
    let (index, count) = pat_len(ele);
    dense_set(regs, index, count)
}

/// Histogram of the register values. Redis: hllDenseRegHisto (16 registers
/// = 12 bytes per step).
fn dense_reghisto(regs: &[u8], histo: &mut [u64; 64]) {
    for r in regs.chunks_exact(12) {
        let r: [usize; 12] = std::array::from_fn(|i| r[i] as usize);
        for v in [
            r[0] & 63,
            (r[0] >> 6 | r[1] << 2) & 63,
            (r[1] >> 4 | r[2] << 4) & 63,
            (r[2] >> 2) & 63,
            r[3] & 63,
            (r[3] >> 6 | r[4] << 2) & 63,
            (r[4] >> 4 | r[5] << 4) & 63,
            (r[5] >> 2) & 63,
            r[6] & 63,
            (r[6] >> 6 | r[7] << 2) & 63,
            (r[7] >> 4 | r[8] << 4) & 63,
            (r[8] >> 2) & 63,
            r[9] & 63,
            (r[9] >> 6 | r[10] << 2) & 63,
            (r[10] >> 4 | r[11] << 4) & 63,
            (r[11] >> 2) & 63,
        ] {
            histo[v] += 1;
        }
    }
}

// --- sparse ---

/// A new, empty HLL: the header and XZERO:16384. Redis: createHLLObject.
pub fn create_hll() -> Vec<u8> {
    let mut v = Vec::with_capacity(HLL_HDR_SIZE + 2);
    v.extend_from_slice(b"HYLL");
    v.push(HLL_SPARSE);
    v.extend_from_slice(&[0; 11]);
    let mut aux = HLL_REGISTERS;
    while aux > 0 {
        let xzero = aux.min(SPARSE_XZERO_MAX_LEN);
        v.extend_from_slice(&xzero_op(xzero));
        aux -= xzero;
    }
    v
}

/// Rewrites a sparse HLL as dense (a dense one is left alone). The header,
/// cached cardinality included, is kept. Redis: hllSparseToDense.
pub fn sparse_to_dense(o: &mut Vec<u8>) -> Result<(), Corrupt> {
    if o[4] == HLL_DENSE {
        return Ok(());
    }
    let mut dense = vec![0u8; HLL_DENSE_SIZE];
    dense[..HLL_HDR_SIZE].copy_from_slice(&o[..HLL_HDR_SIZE]);
    dense[4] = HLL_DENSE;
    let regs = &mut dense[HLL_HDR_SIZE..];
    let (mut idx, mut p) = (0usize, HLL_HDR_SIZE);
    while p < o.len() {
        let (runlen, oplen, val) = decode_op(o, p);
        if val > 0 {
            if runlen + idx > HLL_REGISTERS {
                break;
            }
            for _ in 0..runlen {
                dense_set_register(regs, idx, val);
                idx += 1;
            }
        } else {
            idx += runlen;
        }
        p += oplen;
    }
    if idx != HLL_REGISTERS {
        return Err(Corrupt);
    }
    *o = dense;
    Ok(())
}

/// Marks the cached cardinality stale. Redis: HLL_INVALIDATE_CACHE.
pub fn invalidate_cache(o: &mut [u8]) {
    o[15] |= 0x80;
}

/// Raises register `index` of a sparse HLL to `count`, splitting the
/// opcode that covers it; promotes to dense when the value does not fit a
/// VAL or the string would outgrow `max_bytes`. Ok(true) when a register
/// changed. Redis: hllSparseSet.
pub fn sparse_set(
    o: &mut Vec<u8>,
    index: usize,
    count: u8,
    max_bytes: usize,
) -> Result<bool, Corrupt> {
    if count > SPARSE_VAL_MAX_VALUE {
        return promote(o, index, count);
    }
    // Step 1: find the opcode covering `index`.
    let sparse = HLL_HDR_SIZE;
    let mut end = o.len();
    let (mut p, mut first, mut span) = (sparse, 0usize, 0usize);
    let mut prev = None;
    while p < end {
        let (s, oplen, _) = decode_op(o, p);
        span = s;
        if index < first + span {
            break;
        }
        prev = Some(p);
        p += oplen;
        first += span;
    }
    if span == 0 || p >= end {
        return Err(Corrupt);
    }
    let b = o[p];
    let (runlen, _, _) = decode_op(o, p);
    let (xzero, zero) = (is_xzero(b), is_zero(b));

    // Step 2: the trivial cases are updated in place.
    let mut in_place = false;
    if is_val(b) {
        if val_value(b) >= count {
            return Ok(false);
        }
        in_place = runlen == 1;
    }
    if zero && runlen == 1 {
        in_place = true;
    }
    if in_place {
        o[p] = val_op(count, 1);
    } else {
        // The general case: split the opcode into (before, ours, after).
        let mut seq: Vec<u8> = Vec::with_capacity(5);
        let last = first + span - 1;
        let push_zeros = |seq: &mut Vec<u8>, len: usize| {
            if len > SPARSE_ZERO_MAX_LEN {
                seq.extend_from_slice(&xzero_op(len));
            } else {
                seq.push((len - 1) as u8);
            }
        };
        if zero || xzero {
            if index != first {
                push_zeros(&mut seq, index - first);
            }
            seq.push(val_op(count, 1));
            if index != last {
                push_zeros(&mut seq, last - index);
            }
        } else {
            let curval = val_value(b);
            if index != first {
                seq.push(val_op(curval, index - first));
            }
            seq.push(val_op(count, 1));
            if index != last {
                seq.push(val_op(curval, last - index));
            }
        }
        // Step 3: put the new sequence in place of the old opcode.
        let oldlen = if xzero { 2 } else { 1 };
        if seq.len() > oldlen && o.len() + (seq.len() - oldlen) > max_bytes {
            return promote(o, index, count);
        }
        o.splice(p..(p + oldlen).min(end), seq);
        end = o.len();
    }

    // Step 4: merge adjacent VALs of the same value, starting from the
    // opcode before ours and looking at up to 5 opcodes.
    let mut p = prev.unwrap_or(sparse);
    let mut scanlen = 5;
    while p < end && scanlen > 0 {
        scanlen -= 1;
        let b = o[p];
        if is_xzero(b) {
            p += 2;
            continue;
        } else if is_zero(b) {
            p += 1;
            continue;
        }
        if p + 1 < end && is_val(o[p + 1]) {
            let (v1, v2) = (val_value(b), val_value(o[p + 1]));
            let len = val_len(b) + val_len(o[p + 1]);
            if v1 == v2 && len <= SPARSE_VAL_MAX_LEN {
                o[p + 1] = val_op(v1, len);
                o.remove(p);
                end -= 1;
                // Try the merged opcode against its right neighbour too.
                continue;
            }
        }
        p += 1;
    }
    invalidate_cache(o);
    Ok(true)
}

/// Redis: the `promote:` label of hllSparseSet.
fn promote(o: &mut Vec<u8>, index: usize, count: u8) -> Result<bool, Corrupt> {
    sparse_to_dense(o)?;
    Ok(dense_set(&mut o[HLL_HDR_SIZE..], index, count))
}

/// Histogram of a sparse HLL; Err when its opcodes do not cover exactly
/// 16384 registers. Redis: hllSparseRegHisto.
fn sparse_reghisto(o: &[u8], histo: &mut [u64; 64]) -> Result<(), Corrupt> {
    let (mut idx, mut p) = (0usize, HLL_HDR_SIZE);
    while p < o.len() {
        let (runlen, oplen, val) = decode_op(o, p);
        idx += runlen;
        histo[val as usize] += runlen as u64;
        p += oplen;
    }
    if idx != HLL_REGISTERS {
        return Err(Corrupt);
    }
    Ok(())
}

// --- count ---

/// Redis: hllSigma.
fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let (mut y, mut z) = (1.0, x);
    loop {
        x *= x;
        let prev = z;
        z += x * y;
        y += y;
        if prev == z {
            return z;
        }
    }
}

/// Redis: hllTau.
fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let (mut y, mut z) = (1.0, 1.0 - x);
    loop {
        x = x.sqrt();
        let prev = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
        if prev == z {
            return z / 3.0;
        }
    }
}

/// Ertl's estimate from the register histogram. Redis: hllCount's tail.
fn estimate(histo: &[u64; 64]) -> u64 {
    let m = HLL_REGISTERS as f64;
    let mut z = m * tau((m - histo[HLL_Q + 1] as f64) / m);
    for j in (1..=HLL_Q).rev() {
        z += histo[j] as f64;
        z *= 0.5;
    }
    z += m * sigma(histo[0] as f64 / m);
    (HLL_ALPHA_INF * m * m / z).round() as u64
}

/// Cardinality of a validated HLL value. Redis: hllCount.
pub fn count(o: &[u8]) -> Result<u64, Corrupt> {
    let mut histo = [0u64; 64];
    if o[4] == HLL_DENSE {
        dense_reghisto(&o[HLL_HDR_SIZE..], &mut histo);
    } else {
        sparse_reghisto(o, &mut histo)?;
    }
    Ok(estimate(&histo))
}

/// Cardinality of raw registers (one byte each). Redis: hllCount on an
/// HLL_RAW header.
pub fn count_raw(regs: &[u8; HLL_REGISTERS]) -> u64 {
    let mut histo = [0u64; 64];
    for &r in regs.iter() {
        histo[(r & 63) as usize] += 1;
    }
    estimate(&histo)
}

/// The cached cardinality, if it is not stale.
pub fn cached_card(o: &[u8]) -> Option<u64> {
    (o[15] & 0x80 == 0).then(|| u64::from_le_bytes(o[8..16].try_into().expect("8 bytes")))
}

pub fn set_cached_card(o: &mut [u8], card: u64) {
    o[8..16].copy_from_slice(&card.to_le_bytes());
}

/// Adds an element; Ok(true) when a register changed. Redis: hllAdd.
pub fn add(o: &mut Vec<u8>, ele: &[u8], max_bytes: usize) -> Result<bool, Corrupt> {
    match o[4] {
        HLL_DENSE => Ok(dense_add(&mut o[HLL_HDR_SIZE..], ele)),
        HLL_SPARSE => {
            let (index, count) = pat_len(ele);
            sparse_set(o, index, count, max_bytes)
        }
        _ => Err(Corrupt),
    }
}

/// max[i] = MAX(max[i], hll[i]). Redis: hllMerge.
pub fn merge(max: &mut [u8; HLL_REGISTERS], o: &[u8]) -> Result<(), Corrupt> {
    if o[4] == HLL_DENSE {
        let regs = &o[HLL_HDR_SIZE..];
        for (i, m) in max.iter_mut().enumerate() {
            *m = (*m).max(dense_get(regs, i));
        }
        return Ok(());
    }
    let (mut i, mut p) = (0usize, HLL_HDR_SIZE);
    while p < o.len() {
        let (runlen, oplen, val) = decode_op(o, p);
        if val > 0 {
            if runlen + i > HLL_REGISTERS {
                break;
            }
            for m in &mut max[i..i + runlen] {
                *m = (*m).max(val);
            }
        }
        i += runlen;
        p += oplen;
    }
    if i != HLL_REGISTERS {
        return Err(Corrupt);
    }
    Ok(())
}

/// Checks that string bytes are an HLL: long enough, the HYLL magic, a
/// known encoding, and the exact dense size. Redis: isHLLObjectOrReply.
pub fn check_bytes(b: &[u8]) -> Result<(), NotHll> {
    if b.len() < HLL_HDR_SIZE || &b[..4] != b"HYLL" || b[4] > HLL_MAX_ENCODING {
        return Err(NotHll::Invalid);
    }
    if b[4] == HLL_DENSE && b.len() != HLL_DENSE_SIZE {
        return Err(NotHll::Invalid);
    }
    Ok(())
}

/// PFDEBUG DECODE's text for a sparse HLL ("Z:16384", "z:3 v:2,1 ...").
pub fn decode_sparse(o: &[u8]) -> String {
    let mut out = Vec::new();
    let mut p = HLL_HDR_SIZE;
    while p < o.len() {
        let b = o[p];
        let (runlen, oplen, val) = decode_op(o, p);
        out.push(if is_zero(b) {
            format!("z:{}", runlen)
        } else if is_xzero(b) {
            format!("Z:{}", runlen)
        } else {
            format!("v:{},{}", val, runlen)
        });
        p += oplen;
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dense_regs(o: &[u8]) -> Vec<u8> {
        let mut d = o.to_vec();
        sparse_to_dense(&mut d).unwrap();
        (0..HLL_REGISTERS)
            .map(|i| dense_get(&d[HLL_HDR_SIZE..], i))
            .collect()
    }

    #[test]
    fn murmur_matches_redis() {
        // Register and run length of a few elements, as Redis's PFDEBUG
        // GETREG shows them after PFADD.
        assert_eq!(
            murmurhash64a(b"", 0xadc8_3b19),
            murmurhash64a(b"", 0xadc8_3b19)
        );
        let (i, n) = pat_len(b"a");
        assert!(i < HLL_REGISTERS && (1..=51).contains(&n));
    }

    #[test]
    fn new_hll_is_one_xzero() {
        let o = create_hll();
        assert_eq!(o.len(), 18);
        assert_eq!(&o[16..], &[0x7f, 0xff]);
        assert_eq!(decode_sparse(&o), "Z:16384");
        assert_eq!(count(&o), Ok(0));
    }

    #[test]
    fn dense_registers_do_not_disturb_neighbours() {
        let mut regs = vec![0u8; HLL_DENSE_SIZE - HLL_HDR_SIZE];
        let mut model = vec![0u8; HLL_REGISTERS];
        let mut rng = crate::rand::Rng::new(0x1234_5678);
        for _ in 0..5 {
            for (i, m) in model.iter_mut().enumerate() {
                *m = (rng.next_u64() & 63) as u8;
                dense_set_register(&mut regs, i, *m);
            }
            for (i, m) in model.iter().enumerate() {
                assert_eq!(dense_get(&regs, i), *m, "register {}", i);
            }
        }
    }

    #[test]
    fn sparse_splits_and_merges_like_redis() {
        let mut o = create_hll();
        assert_eq!(sparse_set(&mut o, 1000, 2, 3000), Ok(true));
        assert_eq!(decode_sparse(&o), "Z:1000 v:2,1 Z:15383");
        assert_eq!(sparse_set(&mut o, 1020, 3, 3000), Ok(true));
        assert_eq!(sparse_set(&mut o, 1021, 3, 3000), Ok(true));
        assert_eq!(decode_sparse(&o), "Z:1000 v:2,1 z:19 v:3,2 Z:15362");
        assert_eq!(sparse_set(&mut o, 1021, 2, 3000), Ok(false));
        // The stale bit is set by every change.
        assert_eq!(o[15] & 0x80, 0x80);
        let regs = dense_regs(&o);
        assert_eq!(
            (regs[1000], regs[1020], regs[1021], regs[1001]),
            (2, 3, 3, 0)
        );
        // A value above 32 promotes.
        assert_eq!(sparse_set(&mut o, 5, 40, 3000), Ok(true));
        assert_eq!(o[4], HLL_DENSE);
        assert_eq!(o.len(), HLL_DENSE_SIZE);
        assert_eq!(dense_get(&o[HLL_HDR_SIZE..], 5), 40);
        assert_eq!(dense_get(&o[HLL_HDR_SIZE..], 1020), 3);
    }

    #[test]
    fn sparse_and_dense_agree() {
        let mut sparse = create_hll();
        let mut dense = create_hll();
        sparse_to_dense(&mut dense).unwrap();
        for i in 0..20_000u64 {
            let e = i.to_le_bytes();
            let a = add(&mut sparse, &e, 3000).unwrap();
            let b = add(&mut dense, &e, 3000).unwrap();
            assert_eq!(a, b);
            if i % 997 == 0 {
                assert_eq!(count(&sparse), count(&dense));
            }
        }
        assert_eq!(sparse[4], HLL_DENSE, "promoted by hll-sparse-max-bytes");
        let c = count(&dense).unwrap() as f64;
        assert!((c - 20_000.0).abs() < 20_000.0 * 0.05, "{}", c);
    }

    #[test]
    fn corrupt_sparse_is_detected() {
        let mut o = create_hll();
        o.extend_from_slice(b"hello");
        assert_eq!(count(&o), Err(Corrupt));
        let mut max = [0u8; HLL_REGISTERS];
        assert_eq!(merge(&mut max, &o), Err(Corrupt));
        assert_eq!(sparse_to_dense(&mut o.clone()), Err(Corrupt));
        // A truncated XZERO never panics.
        let mut t = create_hll();
        t.pop();
        assert!(count(&t).is_err());
        let _ = sparse_set(&mut t, 16383, 3, 3000);
    }

    #[test]
    fn validation() {
        assert_eq!(check_bytes(&create_hll()), Ok(()));
        assert_eq!(check_bytes(b"HYLL"), Err(NotHll::Invalid));
        let mut d = create_hll();
        d[4] = HLL_DENSE;
        assert_eq!(check_bytes(&d), Err(NotHll::Invalid));
        d[4] = 2;
        assert_eq!(check_bytes(&d), Err(NotHll::Invalid));
    }
}
