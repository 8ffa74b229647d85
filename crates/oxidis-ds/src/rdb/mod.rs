//! The RDB format as bytes: type and opcode numbers, the error a reader
//! reports, the encoding limits a loader builds values under, and the
//! codecs in `encoding.rs` (lengths, strings, the checksummed writer and the
//! reader) and `legacy.rs` (the old ziplist/zipmap/intset blobs). Redis
//! counterpart: rdb.h and the low-level half of rdb.c. Each structure's value
//! codec lives beside it (`set::rdb`, `hash::rdb`, `zset::rdb`,
//! `quicklist::rdb`, `stream::rdb`); files, snapshots and the keyspace live
//! above this crate.

pub mod encoding;
pub mod legacy;
pub mod shallow;

/// Redis: RDB_VERSION.
pub const RDB_VERSION: u16 = 10;

/* Object types, as written before each key. Redis: RDB_TYPE_*. */
pub const RDB_TYPE_STRING: u8 = 0;
pub const RDB_TYPE_LIST: u8 = 1;
pub const RDB_TYPE_SET: u8 = 2;
pub const RDB_TYPE_ZSET: u8 = 3;
pub const RDB_TYPE_HASH: u8 = 4;
pub const RDB_TYPE_ZSET_2: u8 = 5;
pub const RDB_TYPE_MODULE: u8 = 6;
pub const RDB_TYPE_MODULE_2: u8 = 7;
pub const RDB_TYPE_HASH_ZIPMAP: u8 = 9;
pub const RDB_TYPE_LIST_ZIPLIST: u8 = 10;
pub const RDB_TYPE_SET_INTSET: u8 = 11;
pub const RDB_TYPE_ZSET_ZIPLIST: u8 = 12;
pub const RDB_TYPE_HASH_ZIPLIST: u8 = 13;
pub const RDB_TYPE_LIST_QUICKLIST: u8 = 14;
pub const RDB_TYPE_STREAM_LISTPACKS: u8 = 15;
pub const RDB_TYPE_HASH_LISTPACK: u8 = 16;
pub const RDB_TYPE_ZSET_LISTPACK: u8 = 17;
pub const RDB_TYPE_LIST_QUICKLIST_2: u8 = 18;
pub const RDB_TYPE_STREAM_LISTPACKS_2: u8 = 19;

/// Redis: rdbIsObjectType().
pub fn is_object_type(t: u8) -> bool {
    t <= 7 || (9..=19).contains(&t)
}

/* Special opcodes. Redis: RDB_OPCODE_*. */
pub const RDB_OPCODE_FUNCTION2: u8 = 245;
pub const RDB_OPCODE_FUNCTION: u8 = 246;
pub const RDB_OPCODE_MODULE_AUX: u8 = 247;
pub const RDB_OPCODE_IDLE: u8 = 248;
pub const RDB_OPCODE_FREQ: u8 = 249;
pub const RDB_OPCODE_AUX: u8 = 250;
pub const RDB_OPCODE_RESIZEDB: u8 = 251;
pub const RDB_OPCODE_EXPIRETIME_MS: u8 = 252;
pub const RDB_OPCODE_EXPIRETIME: u8 = 253;
pub const RDB_OPCODE_SELECTDB: u8 = 254;
pub const RDB_OPCODE_EOF: u8 = 255;

/* Length encodings (the two top bits of the first byte). Redis: RDB_6BITLEN, ... */
pub const RDB_6BITLEN: u8 = 0;
pub const RDB_14BITLEN: u8 = 1;
pub const RDB_32BITLEN: u8 = 0x80;
pub const RDB_64BITLEN: u8 = 0x81;
pub const RDB_ENCVAL: u8 = 3;

/* Special string encodings after an RDB_ENCVAL length. Redis: RDB_ENC_*. */
pub const RDB_ENC_INT8: u8 = 0;
pub const RDB_ENC_INT16: u8 = 1;
pub const RDB_ENC_INT32: u8 = 2;
pub const RDB_ENC_LZF: u8 = 3;

/// Why reading RDB data failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RdbError {
    /// The data ended early (Redis: rdbReportReadError, "Unexpected EOF ...").
    Eof,
    /// The data is malformed (Redis: rdbReportCorruptRDB) — the reason.
    Corrupt(String),
    /// A value that is valid but empty (Redis: RDB_LOAD_ERR_EMPTY_KEY); skipped.
    EmptyKey,
}

impl RdbError {
    pub fn corrupt(msg: impl Into<String>) -> RdbError {
        RdbError::Corrupt(msg.into())
    }
}

pub type RdbResult<T> = Result<T, RdbError>;

/// The encoding settings rdbLoadObject reads from global state in Redis; the
/// caller fills them from its configuration and passes them down.
#[derive(Clone, Copy, Debug)]
pub struct LoadLimits {
    pub set_max_intset_entries: usize,    // set-max-intset-entries
    pub hash_max_listpack_entries: usize, // hash-max-listpack-entries
    pub hash_max_listpack_value: usize,   // hash-max-listpack-value
    pub zset_max_listpack_entries: usize, // zset-max-listpack-entries
    pub zset_max_listpack_value: usize,   // zset-max-listpack-value
    pub list_max_listpack_size: i32,      // list-max-listpack-size (quicklist fill)
    pub list_compress_depth: i32,         // list-compress-depth
}

impl Default for LoadLimits {
    /// Redis's defaults (for tests).
    fn default() -> Self {
        LoadLimits {
            set_max_intset_entries: 512,
            hash_max_listpack_entries: 128,
            hash_max_listpack_value: 64,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            list_max_listpack_size: -2,
            list_compress_depth: 0,
        }
    }
}
