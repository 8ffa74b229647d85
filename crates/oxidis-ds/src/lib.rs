//! oxidis-ds: the data structures and byte codecs of oxidis, and nothing of
//! the server. Redis draws the same line: dict.c, listpack.c, quicklist.c,
//! intset.c and the rest never include server.h. Here Cargo enforces it: this
//! crate depends on `oxidis-sys` only, so no file can name a client, a reply,
//! a command or the server. A structure answers questions ("the members in
//! this range", "warm the paths to these scores"); the server's command files
//! turn the answers into replies, and pass every setting in as a parameter.
//! Only safe Rust: the workspace lint table (root Cargo.toml) forbids the
//! other kind here, so raw memory stays in `oxidis-sys`.
//!
//! | module | Redis counterpart |
//! |---|---|
//! | `dict` | dict.c: the incrementally rehashing, copy-on-write hash table, SCAN, random sampling |
//! | `listpack` | listpack.c, byte-compatible, with the integrity validation |
//! | `quicklist` | quicklist.c: listpack nodes with lz4 compression; its RDB codec |
//! | `intset` | intset.c, byte-compatible |
//! | `skiplist` | t_zset.c's skiplist, its node arena and the range specs |
//! | `zset`, `hash`, `set` | the encoding-independent APIs of t_zset.c, t_hash.c, t_set.c, and their RDB codecs |
//! | `stream` | t_stream.c's node encoding and consumer groups, stream.h; its RDB codec |
//! | `hll` | hyperloglog.c's dense and sparse encodings and the estimator |
//! | `geohash`, `geohash_helper` | geohash.c, geohash_helper.c |
//! | `sds` | sds.c keys and object.c's embstr |
//! | `rdb` | rdb.h, rdb.c's low-level codecs, the legacy ziplist/zipmap decoders |
//! | `lzf`, `crc64`, `siphash`, `sha1`, `pqsort` | lzf_*.c, crc64.c, siphash.c, sha1.c, pqsort.c |
//! | `util` | util.c: number parsing and printing, glob matching, sds.c's split/repr |
//! | `rand` | the one pseudo-random generator (Redis: `random()`) |

pub mod crc64;
pub mod dict;
pub mod geohash;
pub mod geohash_helper;
pub mod hash;
pub mod hll;
pub mod intset;
pub mod listpack;
pub mod lzf;
pub mod pqsort;
pub mod quicklist;
pub mod rand;
pub mod rdb;
pub mod sds;
pub mod set;
pub mod sha1;
pub mod sha256;
pub mod siphash;
pub mod skiplist;
pub mod stream;
pub mod util;
pub mod zset;
