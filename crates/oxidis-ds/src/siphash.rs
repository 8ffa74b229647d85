//! SipHash-1-2, the keyed hash behind every dict. Redis counterpart: siphash.c (7.0),
//! plus the seed helpers that dict.c keeps beside it (`dictSetHashFunctionSeed`,
//! `dictGetHashFunctionSeed`) and the start-up seeding done in server.c `main()`.
//!
//! What it holds:
//! - [`siphash`] and [`siphash_nocase`]: SipHash with one compression round per 8-byte
//!   word and two finalisation rounds ("1-2"), the reduced-round variant Redis chose for
//!   speed. The nocase variant folds ASCII `A..=Z` to lower case as it reads each byte,
//!   so `siphash_nocase(b"FOO") == siphash(b"foo")`.
//! - The process-wide 16-byte seed: [`set_hash_seed`], [`hash_seed`], [`gen_hash_seed`].
//!
//! Divergences from Redis:
//! - The round counts are const generic parameters of one private core function, so the
//!   tests can instantiate SipHash-2-4 and check the core against the published reference
//!   vectors (through std's own SipHash-2-4). Redis compiles two hand-copied functions.
//! - The seed is kept as two `AtomicU64` words (the two little-endian key halves) rather
//!   than a mutable byte array, so reading it is free of data races in safe Rust.
//!   It must be set once at start-up, before any dict holds keys: changing it later
//!   would strand every key already placed by the old seed.
//! - No alignment tricks: words are read with `u64::from_le_bytes`, which compiles to a
//!   plain load on little-endian CPUs, the same code Redis gets from its unaligned cast.

use std::sync::atomic::{AtomicU64, Ordering};

/// The two halves of the process-wide key, little-endian words of the 16-byte seed.
/// Zero until [`set_hash_seed`] runs; start-up sets it from [`gen_hash_seed`].
static SEED_K0: AtomicU64 = AtomicU64::new(0);
static SEED_K1: AtomicU64 = AtomicU64::new(0);

/// Redis: dictSetHashFunctionSeed(). Call once at start-up, before any dict is filled.
pub fn set_hash_seed(seed: [u8; 16]) {
    let (k0, k1) = split_key(&seed);
    SEED_K0.store(k0, Ordering::Relaxed);
    SEED_K1.store(k1, Ordering::Relaxed);
}

/// Redis: dictGetHashFunctionSeed().
pub fn hash_seed() -> [u8; 16] {
    let mut seed = [0u8; 16];
    seed[..8].copy_from_slice(&SEED_K0.load(Ordering::Relaxed).to_le_bytes());
    seed[8..].copy_from_slice(&SEED_K1.load(Ordering::Relaxed).to_le_bytes());
    seed
}

/// Draws 16 random bytes for [`set_hash_seed`], as server.c `main()` does with
/// `getRandomBytes()` (`util::get_random_bytes`: /dev/urandom).
pub fn gen_hash_seed() -> [u8; 16] {
    let mut seed = [0u8; 16];
    crate::util::get_random_bytes(&mut seed);
    seed
}

/// Hashes `input` with the process-wide seed. Redis: dictGenHashFunction().
#[inline]
pub fn siphash_seeded(input: &[u8]) -> u64 {
    let (k0, k1) = (
        SEED_K0.load(Ordering::Relaxed),
        SEED_K1.load(Ordering::Relaxed),
    );
    sip::<1, 2, false>(input, k0, k1)
}

/// Case-insensitive hash with the process-wide seed. Redis: dictGenCaseHashFunction().
#[inline]
pub fn siphash_nocase_seeded(input: &[u8]) -> u64 {
    let (k0, k1) = (
        SEED_K0.load(Ordering::Relaxed),
        SEED_K1.load(Ordering::Relaxed),
    );
    sip::<1, 2, true>(input, k0, k1)
}

/// SipHash-1-2 of `input` under the 16-byte `key`. Redis: siphash().
#[inline]
pub fn siphash(input: &[u8], key: &[u8; 16]) -> u64 {
    let (k0, k1) = split_key(key);
    sip::<1, 2, false>(input, k0, k1)
}

/// SipHash-1-2 of `input` with ASCII upper case folded to lower case.
/// Redis: siphash_nocase().
#[inline]
pub fn siphash_nocase(input: &[u8], key: &[u8; 16]) -> u64 {
    let (k0, k1) = split_key(key);
    sip::<1, 2, true>(input, k0, k1)
}

#[inline]
fn split_key(key: &[u8; 16]) -> (u64, u64) {
    let mut lo = [0u8; 8];
    let mut hi = [0u8; 8];
    lo.copy_from_slice(&key[..8]);
    hi.copy_from_slice(&key[8..]);
    (u64::from_le_bytes(lo), u64::from_le_bytes(hi))
}

/// ASCII-only lower casing, the same fold Redis's `siptlw()` applies.
#[inline(always)]
fn fold<const NOCASE: bool>(b: u8) -> u8 {
    if NOCASE {
        b.to_ascii_lowercase()
    } else {
        b
    }
}

/// The four-word state and its ARX round.
struct State {
    v0: u64,
    v1: u64,
    v2: u64,
    v3: u64,
}

impl State {
    #[inline(always)]
    fn round(&mut self) {
        self.v0 = self.v0.wrapping_add(self.v1);
        self.v1 = self.v1.rotate_left(13) ^ self.v0;
        self.v0 = self.v0.rotate_left(32);
        self.v2 = self.v2.wrapping_add(self.v3);
        self.v3 = self.v3.rotate_left(16) ^ self.v2;
        self.v0 = self.v0.wrapping_add(self.v3);
        self.v3 = self.v3.rotate_left(21) ^ self.v0;
        self.v2 = self.v2.wrapping_add(self.v1);
        self.v1 = self.v1.rotate_left(17) ^ self.v2;
        self.v2 = self.v2.rotate_left(32);
    }

    /// Absorbs one message word with `C` compression rounds.
    #[inline(always)]
    fn absorb<const C: usize>(&mut self, m: u64) {
        self.v3 ^= m;
        for _ in 0..C {
            self.round();
        }
        self.v0 ^= m;
    }
}

/// SipHash-C-D core. The constants are the ASCII of "somepseudorandomlygeneratedbytes",
/// as in the SipHash paper.
#[inline(always)]
fn sip<const C: usize, const D: usize, const NOCASE: bool>(input: &[u8], k0: u64, k1: u64) -> u64 {
    let mut s = State {
        v0: k0 ^ 0x736f_6d65_7073_6575,
        v1: k1 ^ 0x646f_7261_6e64_6f6d,
        v2: k0 ^ 0x6c79_6765_6e65_7261,
        v3: k1 ^ 0x7465_6462_7974_6573,
    };

    let mut words = input.chunks_exact(8);
    for w in &mut words {
        let mut bytes = [0u8; 8];
        for (dst, &src) in bytes.iter_mut().zip(w) {
            *dst = fold::<NOCASE>(src);
        }
        s.absorb::<C>(u64::from_le_bytes(bytes));
    }

    // The last word holds the 0..=7 leftover bytes low-first and the input length
    // (mod 256) in its top byte.
    let mut last = (input.len() as u64) << 56;
    for (i, &b) in words.remainder().iter().enumerate() {
        last |= u64::from(fold::<NOCASE>(b)) << (8 * i);
    }
    s.absorb::<C>(last);

    s.v2 ^= 0xff;
    for _ in 0..D {
        s.round();
    }
    s.v0 ^ s.v1 ^ s.v2 ^ s.v3
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

    /// The reference input of the SipHash paper: bytes 0, 1, 2, ... len-1.
    fn ramp(len: usize) -> Vec<u8> {
        (0..len).map(|i| i as u8).collect()
    }

    /// The core instantiated as SipHash-2-4 must agree with std's SipHash-2-4 (which
    /// matches the paper's vectors) on every length, so the word packing, tail and
    /// finalisation are right; 1-2 then differs only in the round counts.
    #[test]
    #[allow(deprecated)]
    fn core_as_2_4_matches_reference() {
        use std::hash::{Hasher, SipHasher};
        let (k0, k1) = split_key(&KEY);
        for len in 0..100 {
            let msg = ramp(len);
            let mut h = SipHasher::new_with_keys(k0, k1);
            h.write(&msg);
            assert_eq!(sip::<2, 4, false>(&msg, k0, k1), h.finish(), "len {len}");
        }
        // First vector of the paper, spelled out.
        assert_eq!(sip::<2, 4, false>(b"", k0, k1), 0x726f_db47_dd0e_0e31);
    }

    /// SipHash-1-2 outputs pinned from Redis 7.0.15's siphash.c compiled as is, with
    /// the paper's key 00..0f and the paper's ramp inputs.
    #[test]
    fn siphash_1_2_pinned() {
        let cases: [(usize, u64); 6] = [
            (0, 0xcea2_8b51_565c_12e2),
            (1, 0x94aa_f38c_34ce_7ba6),
            (7, 0xf03c_4cbc_f492_b05a),
            (8, 0x6068_45b4_d093_af74),
            (15, 0xec8f_61bc_1c89_66a6),
            (63, 0xff6d_07af_acba_d6d9),
        ];
        for (len, want) in cases {
            assert_eq!(siphash(&ramp(len), &KEY), want, "len {len}");
        }
        assert_eq!(siphash(b"hello world", &KEY), 0xb91b_8e97_a165_8e27);
        assert_eq!(siphash_nocase(b"HeLLo World", &KEY), 0xb91b_8e97_a165_8e27);
    }

    #[test]
    fn nocase_is_hash_of_lowercase() {
        let inputs: [&[u8]; 6] = [
            b"",
            b"A",
            b"MixedCase-Key:42",
            b"ALLUPPERCASEWORDSLONGERTHAN8",
            b"\xc3\x84\xff@[`{",
            b"already lower",
        ];
        for inp in inputs {
            let lower = inp.to_ascii_lowercase();
            assert_eq!(siphash_nocase(inp, &KEY), siphash(&lower, &KEY));
            assert_eq!(siphash_nocase(inp, &KEY), siphash_nocase(&lower, &KEY));
        }
        // Bytes just outside A..=Z are not folded.
        assert_ne!(siphash_nocase(b"@", &KEY), siphash(b"`", &KEY));
        assert_ne!(siphash_nocase(b"[", &KEY), siphash(b"{", &KEY));
    }

    #[test]
    fn key_matters() {
        let mut other = KEY;
        other[15] ^= 1;
        assert_ne!(siphash(b"abc", &KEY), siphash(b"abc", &other));
    }

    #[test]
    fn seed_round_trip_and_generation() {
        let a = gen_hash_seed();
        let b = gen_hash_seed();
        assert_ne!(a, b, "two draws of 128 random bits collided");
        // The seed is process-wide and other tests hash through it, so only check that
        // the seeded functions agree with the explicit-key ones for the current seed.
        let cur = hash_seed();
        assert_eq!(siphash_seeded(b"key"), siphash(b"key", &cur));
        assert_eq!(siphash_nocase_seeded(b"KeY"), siphash(b"key", &cur));
        set_hash_seed(cur);
        assert_eq!(hash_seed(), cur);
    }
}
