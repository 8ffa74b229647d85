//! The byte-level RDB format: writing and reading lengths, integers and strings.
//! Redis counterpart: rdb.c ("Low level functions": rdbSaveLen, rdbEncodeInteger,
//! rdbSaveLzfStringObject, rdbSaveRawString, rdbLoadLen, rdbGenericLoadStringObject,
//! ...) and the file/buffer targets of rio.c.
//!
//! # Lengths
//!
//! The two top bits of the first byte say how a length is stored:
//!
//! ```text
//!  00LLLLLL                     6-bit length
//!  01LLLLLL LLLLLLLL            14-bit length, big endian
//!  10000000 <4 bytes BE>        32-bit length
//!  10000001 <8 bytes BE>        64-bit length
//!  11EEEEEE                     not a length: a special string encoding follows
//! ```
//!
//! # Strings
//!
//! A string that is the canonical text of an integer fitting 32 bits is written as
//! `11000000 + int8`, `11000001 + int16 LE` or `11000010 + int32 LE`. With
//! `rdbcompression yes`, a string over 20 bytes is LZF-compressed when that makes it
//! at least 4 bytes shorter: `11000011 <len compressed> <len original> <data>`.
//! Everything else is `<len> <bytes>`.
//!
//! Divergence: Redis's `rio` abstracts files, buffers, sockets and fd sets; here
//! [`Rio`] writes to a buffer that is flushed to a file (or kept, for DUMP), and the
//! reader is a cursor over bytes already in memory.

use std::io::Write;

use super::*;
use crate::crc64::crc64;
use crate::lzf;

/// Bytes buffered before a write to the file. Redis's stdio buffer plays this role.
const FLUSH_BYTES: usize = 64 * 1024;
/// Redis: REDIS_AUTOSYNC_BYTES, the fsync interval of `rdb-save-incremental-fsync`.
const AUTOSYNC_BYTES: u64 = 4 * 1024 * 1024;

/// An RDB output stream with its running checksum. Redis: `rio` (file or buffer).
pub struct Rio {
    buf: Vec<u8>,
    file: Option<std::fs::File>,
    cksum: u64,         // CRC64 of the bytes already flushed
    checksum: bool,     // rdbchecksum: keep the CRC at all
    autosync: bool,     // rdb-save-incremental-fsync
    flushed: u64,       // bytes written to the file so far
    synced: u64,        // ... of which fsynced
    pub processed: u64, // total bytes written through this rio
}

impl Rio {
    /// A memory target (DUMP payloads).
    pub fn buffer() -> Rio {
        Rio {
            buf: Vec::new(),
            file: None,
            cksum: 0,
            checksum: true,
            autosync: false,
            flushed: 0,
            synced: 0,
            processed: 0,
        }
    }

    /// A file target. Redis: rioInitWithFile + rioSetAutoSync.
    pub fn file(f: std::fs::File, checksum: bool, autosync: bool) -> Rio {
        Rio {
            buf: Vec::with_capacity(FLUSH_BYTES + 1024),
            file: Some(f),
            checksum,
            autosync,
            ..Rio::buffer()
        }
    }

    #[inline]
    pub fn write(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.buf.extend_from_slice(b);
        self.processed += b.len() as u64;
        if self.file.is_some() && self.buf.len() >= FLUSH_BYTES {
            self.flush_buf()?;
        }
        Ok(())
    }

    fn flush_buf(&mut self) -> std::io::Result<()> {
        let Some(f) = self.file.as_mut() else {
            return Ok(());
        };
        if self.checksum {
            self.cksum = crc64(self.cksum, &self.buf);
        }
        f.write_all(&self.buf)?;
        self.flushed += self.buf.len() as u64;
        self.buf.clear();
        if self.autosync && self.flushed - self.synced >= AUTOSYNC_BYTES {
            f.sync_data()?;
            self.synced = self.flushed;
        }
        Ok(())
    }

    /// The CRC64 of everything written so far (0 when checksums are disabled).
    pub fn checksum(&self) -> u64 {
        if self.checksum {
            crc64(self.cksum, &self.buf)
        } else {
            0
        }
    }

    /// Flushes buffered bytes and hands the file back (Redis: fflush before fsync).
    pub fn finish_file(mut self) -> std::io::Result<std::fs::File> {
        self.flush_buf()?;
        Ok(self.file.take().expect("rio: not a file target"))
    }

    /// The bytes of a memory target.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /* -------------------------------- encoders -------------------------------- */

    /// Redis: rdbSaveType().
    #[inline]
    pub fn save_type(&mut self, t: u8) -> std::io::Result<()> {
        self.write(&[t])
    }

    /// Redis: rdbSaveLen().
    pub fn save_len(&mut self, len: u64) -> std::io::Result<()> {
        if len < 1 << 6 {
            self.write(&[(len as u8) | (RDB_6BITLEN << 6)])
        } else if len < 1 << 14 {
            self.write(&[((len >> 8) as u8) | (RDB_14BITLEN << 6), len as u8])
        } else if len <= u32::MAX as u64 {
            self.write(&[RDB_32BITLEN])?;
            self.write(&(len as u32).to_be_bytes())
        } else {
            self.write(&[RDB_64BITLEN])?;
            self.write(&len.to_be_bytes())
        }
    }

    /// Redis: rdbSaveMillisecondTime(). Little endian, as version >= 9 requires.
    pub fn save_millisecond_time(&mut self, t: i64) -> std::io::Result<()> {
        self.write(&t.to_le_bytes())
    }

    /// Redis: rdbSaveRawString(). Integer encoding, then LZF, then plain.
    pub fn save_raw_string(&mut self, s: &[u8], compress: bool) -> std::io::Result<()> {
        if s.len() <= 11 {
            if let Some(enc) = try_integer_encoding(s) {
                return self.write(&enc.bytes[..enc.len]);
            }
        }
        if compress && s.len() > 20 {
            // Redis: rdbSaveLzfStringObject — only if it saves at least 4 bytes.
            if let Some(c) = lzf::compress(s, s.len() - 4) {
                return self.save_lzf_blob(&c, s.len());
            }
        }
        self.save_len(s.len() as u64)?;
        self.write(s)
    }

    /// Redis: rdbSaveLzfBlob() — LZF data `c` that decompresses to `len` bytes.
    pub fn save_lzf_blob(&mut self, c: &[u8], len: usize) -> std::io::Result<()> {
        self.save_type((RDB_ENCVAL << 6) | RDB_ENC_LZF)?;
        self.save_len(c.len() as u64)?;
        self.save_len(len as u64)?;
        self.write(c)
    }

    /// Redis: rdbSaveLongLongAsStringObject().
    pub fn save_long_long_as_string(&mut self, v: i64) -> std::io::Result<()> {
        if let Some(enc) = encode_integer(v) {
            self.write(&enc.bytes[..enc.len])
        } else {
            let s = crate::util::ll2string(v);
            self.save_len(s.len() as u64)?;
            self.write(s.as_bytes())
        }
    }

    /// Redis: rdbSaveAuxFieldStrStr().
    pub fn save_aux_field(&mut self, key: &str, val: &[u8]) -> std::io::Result<()> {
        self.save_type(RDB_OPCODE_AUX)?;
        self.save_raw_string(key.as_bytes(), false)?;
        self.save_raw_string(val, false)
    }
}

/// An integer-encoded string: up to 5 bytes.
pub struct EncodedInt {
    pub bytes: [u8; 5],
    pub len: usize,
}

/// Redis: rdbEncodeInteger(). `None` when `v` does not fit 32 bits.
pub fn encode_integer(v: i64) -> Option<EncodedInt> {
    let mut bytes = [0u8; 5];
    let len = if (-(1 << 7)..1 << 7).contains(&v) {
        bytes[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT8;
        bytes[1] = v as i8 as u8;
        2
    } else if (-(1 << 15)..1 << 15).contains(&v) {
        bytes[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT16;
        bytes[1..3].copy_from_slice(&(v as i16).to_le_bytes());
        3
    } else if (-(1i64 << 31)..1i64 << 31).contains(&v) {
        bytes[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT32;
        bytes[1..5].copy_from_slice(&(v as i32).to_le_bytes());
        5
    } else {
        return None;
    };
    Some(EncodedInt { bytes, len })
}

/// Redis: rdbTryIntegerEncoding(). Only strings that are the canonical text of their
/// integer ("12", not "012" or "+12") may be stored as integers.
pub fn try_integer_encoding(s: &[u8]) -> Option<EncodedInt> {
    let v = crate::util::string2ll(s)?;
    if crate::util::ll2string(v).as_bytes() != s {
        return None;
    }
    encode_integer(v)
}

/* --------------------------------- reading --------------------------------- */

/// A cursor over RDB bytes in memory. Redis: a `rio` opened for reading.
pub struct Reader<'a> {
    pub buf: &'a [u8],
    pub pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0 }
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Redis: rioRead(). Fails with `Eof` when fewer than `n` bytes remain.
    #[inline]
    pub fn read(&mut self, n: usize) -> RdbResult<&'a [u8]> {
        if n > self.remaining() {
            return Err(RdbError::Eof);
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Redis: rdbLoadType().
    #[inline]
    pub fn read_u8(&mut self) -> RdbResult<u8> {
        Ok(self.read(1)?[0])
    }

    /// Redis: rdbLoadLenByRef(). Returns the length and whether it is really a special
    /// string encoding (`11EEEEEE`), in which case the value is that encoding.
    pub fn load_len_enc(&mut self) -> RdbResult<(u64, bool)> {
        let b = self.read_u8()?;
        match b >> 6 {
            RDB_ENCVAL => Ok(((b & 0x3f) as u64, true)),
            RDB_6BITLEN => Ok(((b & 0x3f) as u64, false)),
            RDB_14BITLEN => Ok(((((b & 0x3f) as u64) << 8) | self.read_u8()? as u64, false)),
            _ if b == RDB_32BITLEN => {
                let r = self.read(4)?;
                Ok((u32::from_be_bytes([r[0], r[1], r[2], r[3]]) as u64, false))
            }
            _ if b == RDB_64BITLEN => {
                let r = self.read(8)?;
                Ok((u64::from_be_bytes(r.try_into().expect("8 bytes")), false))
            }
            _ => Err(RdbError::corrupt(format!(
                "Unknown length encoding {} in rdbLoadLen()",
                b >> 6
            ))),
        }
    }

    /// Redis: rdbLoadLen().
    pub fn load_len(&mut self) -> RdbResult<u64> {
        Ok(self.load_len_enc()?.0)
    }

    /// A length that must also be a count of things still to read (each at least one
    /// byte), so that a corrupt length cannot make us allocate wildly.
    pub fn load_count(&mut self) -> RdbResult<usize> {
        let n = self.load_len()?;
        if n > self.remaining() as u64 {
            return Err(RdbError::Eof);
        }
        Ok(n as usize)
    }

    /// Redis: rdbLoadMillisecondTime() (little endian from version 9; earlier files
    /// were written in the host's order, little endian on every machine Redis
    /// supports in practice).
    pub fn load_millisecond_time(&mut self) -> RdbResult<i64> {
        let r = self.read(8)?;
        Ok(i64::from_le_bytes(r.try_into().expect("8 bytes")))
    }

    /// Redis: rdbLoadTime(), the seconds of the old EXPIRETIME opcode.
    pub fn load_time(&mut self) -> RdbResult<i32> {
        let r = self.read(4)?;
        Ok(i32::from_le_bytes(r.try_into().expect("4 bytes")))
    }

    /// Redis: rdbGenericLoadStringObject(). The string's bytes, whatever its encoding.
    pub fn load_string(&mut self) -> RdbResult<Vec<u8>> {
        match self.load_string_or_int()? {
            Loaded::Bytes(b) => Ok(b),
            Loaded::Int(v) => Ok(crate::util::ll2string(v).into_bytes()),
        }
    }

    /// Like [`Reader::load_string`], but keeps integer-encoded strings as integers
    /// (Redis: RDB_LOAD_ENC, used for string values).
    pub fn load_string_or_int(&mut self) -> RdbResult<Loaded> {
        let (len, encoded) = self.load_len_enc()?;
        if encoded {
            return match len as u8 {
                RDB_ENC_INT8 => Ok(Loaded::Int(self.read(1)?[0] as i8 as i64)),
                RDB_ENC_INT16 => {
                    let r = self.read(2)?;
                    Ok(Loaded::Int(i16::from_le_bytes([r[0], r[1]]) as i64))
                }
                RDB_ENC_INT32 => {
                    let r = self.read(4)?;
                    Ok(Loaded::Int(
                        i32::from_le_bytes([r[0], r[1], r[2], r[3]]) as i64
                    ))
                }
                RDB_ENC_LZF => self.load_lzf_string().map(Loaded::Bytes),
                e => Err(RdbError::corrupt(format!(
                    "Unknown RDB string encoding type {}",
                    e
                ))),
            };
        }
        if len > self.remaining() as u64 {
            return Err(RdbError::Eof);
        }
        Ok(Loaded::Bytes(self.read(len as usize)?.to_vec()))
    }

    /// Redis: rdbLoadLzfStringObject().
    fn load_lzf_string(&mut self) -> RdbResult<Vec<u8>> {
        let clen = self.load_len()?;
        let len = self.load_len()?;
        if clen > self.remaining() as u64 {
            return Err(RdbError::Eof);
        }
        // An LZF chunk of 3 bytes expands to at most 264: anything beyond that ratio
        // cannot be a real stream, and must not drive the allocation below.
        if len > clen.saturating_mul(90) + 32 {
            return Err(RdbError::corrupt("Invalid LZF compressed string"));
        }
        let c = self.read(clen as usize)?;
        if len == 0 {
            return Err(RdbError::corrupt("Invalid LZF compressed string"));
        }
        lzf::decompress(c, len as usize)
            .map_err(|_| RdbError::corrupt("Invalid LZF compressed string"))
    }

    /// Redis: rdbLoadDoubleValue(), the old text-encoded double of RDB_TYPE_ZSET.
    pub fn load_double_value(&mut self) -> RdbResult<f64> {
        let n = self.read_u8()?;
        match n {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            _ => {
                let s = self.read(n as usize)?;
                std::str::from_utf8(s)
                    .ok()
                    .and_then(|t| t.trim().parse::<f64>().ok())
                    .ok_or_else(|| RdbError::corrupt("Invalid double value"))
            }
        }
    }

    /// Redis: rdbLoadBinaryDoubleValue().
    pub fn load_binary_double(&mut self) -> RdbResult<f64> {
        let r = self.read(8)?;
        Ok(f64::from_le_bytes(r.try_into().expect("8 bytes")))
    }
}

/// A string as loaded: bytes, or an integer it was encoded as.
pub enum Loaded {
    Bytes(Vec<u8>),
    Int(i64),
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn saved(f: impl FnOnce(&mut Rio)) -> Vec<u8> {
        let mut r = Rio::buffer();
        f(&mut r);
        r.into_bytes()
    }

    #[test]
    fn lengths() {
        assert_eq!(saved(|r| r.save_len(10).unwrap()), [0x0a]);
        assert_eq!(saved(|r| r.save_len(700).unwrap()), [0x42, 0xbc]);
        assert_eq!(
            saved(|r| r.save_len(70000).unwrap()),
            [0x80, 0, 1, 0x11, 0x70]
        );
        assert_eq!(saved(|r| r.save_len(1 << 40).unwrap())[0], 0x81);
    }

    #[test]
    fn integer_strings() {
        assert_eq!(saved(|r| r.save_raw_string(b"7", true).unwrap()), [0xc0, 7]);
        assert_eq!(
            saved(|r| r.save_raw_string(b"-300", true).unwrap()),
            [0xc1, 0xd4, 0xfe]
        );
        assert_eq!(
            saved(|r| r.save_raw_string(b"007", true).unwrap()),
            [3, b'0', b'0', b'7']
        );
        assert_eq!(
            saved(|r| r.save_raw_string(b"10000000000", true).unwrap())[0],
            11
        );
    }

    #[test]
    fn lzf_strings() {
        let s = vec![b'x'; 100];
        let b = saved(|r| r.save_raw_string(&s, true).unwrap());
        assert_eq!(b[0], 0xc3);
        let mut rd = Reader::new(&b);
        assert_eq!(rd.load_string().unwrap(), s);
        assert_eq!(rd.remaining(), 0);
    }

    #[test]
    fn corrupt_lengths_do_not_allocate() {
        let b = [0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(Reader::new(&b).load_string().err(), Some(RdbError::Eof));
        let b = [0xc3, 0x02, 0x81, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2];
        assert!(Reader::new(&b).load_string().is_err());
    }

    proptest! {
        #[test]
        fn strings_round_trip(s in proptest::collection::vec(prop_oneof![Just(b'1'), Just(b'a'), any::<u8>()], 0..200), compress: bool) {
            let b = saved(|r| r.save_raw_string(&s, compress).unwrap());
            let mut rd = Reader::new(&b);
            prop_assert_eq!(rd.load_string().unwrap(), s);
            prop_assert_eq!(rd.remaining(), 0);
        }

        #[test]
        fn lengths_round_trip(n: u64) {
            let b = saved(|r| r.save_len(n).unwrap());
            prop_assert_eq!(Reader::new(&b).load_len().unwrap(), n);
        }

        #[test]
        fn reader_never_panics(b in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut rd = Reader::new(&b);
            while rd.load_string().is_ok() {}
        }
    }
}
