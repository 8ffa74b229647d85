//! CRC-64 with the Jones polynomial, the checksum that ends every RDB file and every
//! DUMP payload. Redis counterpart: crc64.c + crcspeed.c (7.0).
//!
//! Parameters (the "CRC-64/Jones" of Redis): reflected input and output, polynomial
//! 0xad93d23594c935a9 (0x95ac9329ac4bc9b5 bit-reversed, which is the form a reflected
//! implementation shifts with), initial value 0, no final xor. The check value of
//! `"123456789"` is 0xe9c6d914c4b8d9ca.
//!
//! # Slicing by eight
//!
//! The textbook reflected CRC consumes one byte per table lookup: the low byte of the
//! running CRC, xored with the input byte, indexes a 256-entry table of "what these 8
//! bits contribute after 8 shifts". Slicing-by-8 (what crcspeed.c does) extends the idea
//! to a whole 64-bit word: `TABLES[k][b]` is the contribution of byte `b` after it has
//! been pushed through `8 * (k + 1)` bit shifts, so the eight bytes of `crc ^ word` are
//! looked up in eight tables and xored together, one step per 8 input bytes. The tables
//! are computed at compile time.
//!
//! Divergence: none in the result; the tables are built by a `const fn` instead of on
//! first use.

/// The reflected Jones polynomial.
const POLY: u64 = 0x95ac_9329_ac4b_c9b5;

const fn make_tables() -> [[u64; 256]; 8] {
    let mut t = [[0u64; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u64;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ POLY
            } else {
                crc >> 1
            };
            bit += 1;
        }
        t[0][i] = crc;
        i += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            i += 1;
        }
        k += 1;
    }
    t
}

static TABLES: [[u64; 256]; 8] = make_tables();

/// Redis: crc64(). Continues the checksum `crc` over `data` (start with 0).
pub fn crc64(mut crc: u64, data: &[u8]) -> u64 {
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let w = crc ^ u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        crc = TABLES[7][(w & 0xff) as usize]
            ^ TABLES[6][((w >> 8) & 0xff) as usize]
            ^ TABLES[5][((w >> 16) & 0xff) as usize]
            ^ TABLES[4][((w >> 24) & 0xff) as usize]
            ^ TABLES[3][((w >> 32) & 0xff) as usize]
            ^ TABLES[2][((w >> 40) & 0xff) as usize]
            ^ TABLES[1][((w >> 48) & 0xff) as usize]
            ^ TABLES[0][(w >> 56) as usize];
    }
    for &b in chunks.remainder() {
        crc = TABLES[0][((crc ^ b as u64) & 0xff) as usize] ^ (crc >> 8);
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Bit-at-a-time reference, straight from the definition.
    fn crc64_bitwise(mut crc: u64, data: &[u8]) -> u64 {
        for &b in data {
            crc ^= b as u64;
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ POLY
                } else {
                    crc >> 1
                };
            }
        }
        crc
    }

    #[test]
    fn check_value() {
        // The value Redis's own crc64Test() asserts.
        assert_eq!(crc64(0, b"123456789"), 0xe9c6_d914_c4b8_d9ca);
        assert_eq!(crc64(0, b""), 0);
    }

    #[test]
    fn redis_test_vector() {
        let li = b"This is a test of the emergency broadcast system.";
        assert_eq!(crc64(0, li), crc64_bitwise(0, li));
    }

    proptest! {
        #[test]
        fn sliced_matches_bitwise(data in proptest::collection::vec(any::<u8>(), 0..300), split in 0usize..300) {
            let split = split.min(data.len());
            let whole = crc64(0, &data);
            prop_assert_eq!(whole, crc64_bitwise(0, &data));
            // Continuing a checksum over two pieces gives the same result.
            prop_assert_eq!(crc64(crc64(0, &data[..split]), &data[split..]), whole);
        }
    }
}
