//! RDB persistence. Redis counterpart: rdb.c / rdb.h (7.0), plus the DUMP, RESTORE and
//! MIGRATE commands of cluster.c and the child bookkeeping of childinfo.c.
//!
//! The format as bytes is oxidis-ds's: `oxidis_ds::rdb` (type numbers, opcodes, the
//! writer `Rio` with its running CRC64, the reader, lengths and strings, the legacy
//! ziplist/zipmap decoders) and each structure's value codec (`oxidis_ds::set::rdb`,
//! `hash::rdb`, `zset::rdb`, `quicklist::rdb`, `stream::rdb`). This folder holds what
//! needs the server:
//! - `save.rs`: serialising values, keys and whole datasets (`rdbSaveRio`), and the
//!   temp-file + fsync + rename of `rdbSave`;
//! - `load.rs`: loading a file or a payload (`rdbLoadRio`, `rdbLoadObject`), the
//!   start-up load with its log lines, and `DEBUG RELOAD`;
//! - `bgsave.rs`: the copy-on-write snapshot and its writer thread (Redis: the fork
//!   child), SAVE / BGSAVE / LASTSAVE, save points, the done handler;
//! - `dump.rs`: DUMP / RESTORE; `migrate.rs`: MIGRATE and its socket cache.
//!
//! # The file
//!
//! ```text
//!  "REDIS0010"                                   magic + 4-digit version
//!  FA <str key> <str value>  ...                 AUX fields (redis-ver, ctime, ...)
//!  FE <len db>  FB <len keys> <len expires>      SELECTDB, RESIZEDB
//!    [FC <8-byte LE ms>] [F8 <len idle>|F9 <u8>] EXPIRETIME_MS, IDLE or FREQ
//!    <type byte> <str key> <value>               one key
//!    ...
//!  FF <8-byte LE CRC64 of everything before>     EOF + checksum (0 when disabled)
//! ```
//!
//! # Adding a type
//!
//! Saving dispatches on `Value` in `save::save_object_type` / `save::save_object`;
//! loading dispatches on the type byte in `load::load_object`. A new type adds one arm
//! to each (and the old encodings it must read, via `oxidis_ds::rdb::legacy`). A type byte oxidis
//! does not implement yet fails the load with Redis's "Unknown RDB encoding type".
//!
//! Divergences from Redis:
//! - No fork: BGSAVE clones every database's dicts (O(1), see `oxidis_ds::dict`) and hands
//!   the clones to a writer thread (`bgsave.rs`). "Killing the child" sets a cancel
//!   flag the writer checks between keys.
//! - Files are loaded from memory (the whole file is read first); the progress
//!   callback still runs every `loading-process-events-interval-bytes`.
//! - A corrupt file is reported and the server exits, but without running the
//!   embedded redis-check-rdb report Redis prints.

pub mod bgsave;
pub mod check;
pub mod child;
pub mod dump;
pub mod load;
pub mod migrate;
pub mod save;

/// The format's numbers and error type, so the files here read `rdb::RDB_TYPE_*`.
pub use oxidis_ds::rdb::*;

/// Loading flags. Redis: RDBFLAGS_*.
pub const RDBFLAGS_NONE: u32 = 0;
pub const RDBFLAGS_AOF_PREAMBLE: u32 = 1 << 0;
pub const RDBFLAGS_ALLOW_DUP: u32 = 1 << 2;
pub const RDBFLAGS_REPLICATION: u32 = 1 << 1;
/// Keys found expired while loading are fed to the backlog as DELs.
pub const RDBFLAGS_FEED_REPL: u32 = 1 << 5;

/// Persistence state kept on the server. Redis: the rdb_* / lastsave / loading_* /
/// stat_*cow* fields of `struct redisServer`.
pub struct RdbState {
    pub child: Option<bgsave::Child>, // the running background save, if any
    pub lastbgsave_ok: bool,          // Redis: lastbgsave_status == C_OK
    pub lastbgsave_try: i64,          // unix time of the last BGSAVE attempt
    pub bgsave_scheduled: bool,       // BGSAVE SCHEDULE waiting for a free slot
    pub dirty_before_bgsave: i64,     // dirty when the snapshot was taken
    pub save_time_last: i64,          // seconds the last BGSAVE took, -1 if none
    pub save_time_start: i64,         // unix time the running BGSAVE started
    pub stat_rdb_saves: u64,          // INFO rdb_saves
    pub stat_rdb_cow_bytes: u64,      // INFO rdb_last_cow_size
    pub stat_fork_time_us: u64,       // INFO latest_fork_usec: snapshot start stall
    pub stat_total_forks: u64,        // INFO total_forks: snapshots taken
    pub last_load_keys_loaded: i64,   // INFO rdb_last_load_keys_loaded
    pub last_load_keys_expired: i64,  // INFO rdb_last_load_keys_expired
    pub loading_start_time: i64,      // unix time loading started
    pub loading_total_bytes: u64,     // size of the file being loaded
    pub loading_loaded_bytes: u64,    // bytes consumed so far
    pub loading_rdb_used_mem: u64,    // the file's used-mem AUX field
    pub waker: Option<std::sync::Arc<mio::Waker>>, // wakes the loop when a save ends
    pub exe: Option<std::path::PathBuf>, // this binary, started as each job's handle (child.rs)
    pub retired: Vec<std::sync::mpsc::Receiver<oxidis_ds::dict::Retired>>, // see bgsave::free_retired
    pub migrate_cache: migrate::SocketCache, // MIGRATE's cached connections
}

impl Default for RdbState {
    fn default() -> Self {
        RdbState {
            child: None,
            lastbgsave_ok: true,
            lastbgsave_try: 0,
            bgsave_scheduled: false,
            dirty_before_bgsave: 0,
            save_time_last: -1,
            save_time_start: -1,
            stat_rdb_saves: 0,
            stat_rdb_cow_bytes: 0,
            stat_fork_time_us: 0,
            stat_total_forks: 0,
            last_load_keys_loaded: 0,
            last_load_keys_expired: 0,
            loading_start_time: 0,
            loading_total_bytes: 0,
            loading_loaded_bytes: 0,
            loading_rdb_used_mem: 0,
            waker: None,
            exe: std::env::current_exe().ok(),
            retired: Vec::new(),
            migrate_cache: migrate::SocketCache::default(),
        }
    }
}

/// The mio token of the writer thread's waker (below the listener tokens).
pub const WAKER_TOKEN: mio::Token = mio::Token(crate::networking::LISTENER_TOKEN_BASE - 1);

/// Redis: the call sites of killRDBChild() + the "hasActiveChildProcess" check.
pub fn has_active_child(s: &crate::server::Server) -> bool {
    s.rdb.child.is_some()
}
