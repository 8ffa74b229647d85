//! Writing RDB: values, keys, whole datasets and the file itself.
//! Redis counterpart: rdb.c (rdbSaveObjectType, rdbSaveObject, rdbSaveKeyValuePair,
//! rdbSaveInfoAuxFields, rdbSaveDb, rdbSaveRio, rdbSave).
//!
//! Everything here works on a [`Snapshot`], an image of the databases taken with
//! `Dict::clone` (O(1), copy-on-write), plus the settings read when it was taken. The
//! same code runs on the main thread for SAVE and on the writer thread for BGSAVE.
//!
//! Divergence: the writer thread cannot read the live server, so the few server
//! fields the format needs (ctime, used-mem, the eviction policy and clocks for
//! IDLE/FREQ, rdbcompression, ...) are copied into [`SaveOptions`] at snapshot time.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use oxidis_ds::dict::{Dict, Retired};

use super::encoding::Rio;
use super::*;
use crate::db::Key;
use crate::object::{self, RObj, Value};
use crate::server::Server;

/// One database as captured. Redis: the `redisDb` a fork child sees.
pub struct DbImage {
    pub id: usize,
    pub dict: Dict<Key, RObj>,
    pub expires: Dict<Key, i64>,
}

/// What the serialiser needs from the server, copied when the snapshot is taken.
#[derive(Clone)]
pub struct SaveOptions {
    pub compression: bool,                // rdbcompression
    pub checksum: bool,                   // rdbchecksum
    pub incremental_fsync: bool,          // rdb-save-incremental-fsync
    pub key_save_delay: i32,              // rdb-key-save-delay (microseconds per key)
    pub save_lru: bool,                   // maxmemory-policy is an LRU one: write IDLE
    pub save_lfu: bool,                   // ... an LFU one: write FREQ
    pub lru_clock: u32,                   // the LRU clock at snapshot time
    pub now_ms: i64,                      // the time at snapshot time (LFU decay)
    pub lfu_decay_time: i64,              // lfu-decay-time
    pub ctime: i64,                       // AUX ctime
    pub used_mem: u64,                    // AUX used-mem
    pub repl: Option<(i64, String, i64)>, // AUX repl-stream-db, repl-id, repl-offset
    pub aof_base: bool,                   // AUX aof-base
    pub functions: Vec<Vec<u8>>,          // the code of every function library
}

impl SaveOptions {
    pub fn from_server(s: &Server) -> SaveOptions {
        let policy = s.config.maxmemory_policy;
        SaveOptions {
            compression: s.config.rdbcompression,
            checksum: s.config.rdbchecksum,
            incremental_fsync: s.config.rdb_save_incremental_fsync,
            key_save_delay: s.config.rdb_key_save_delay,
            save_lru: policy.is_lru(),
            save_lfu: policy.is_lfu(),
            lru_clock: object::lru_clock(oxidis_ds::util::mstime()),
            now_ms: oxidis_ds::util::mstime(),
            lfu_decay_time: s.config.lfu_decay_time,
            ctime: oxidis_ds::util::unixtime(),
            used_mem: oxidis_sys::used_memory() as u64,
            // Redis: rdbPopulateSaveInfo — a master with a backlog records where
            // its replication stream stands, so a replica loading the file can
            // continue from it.
            // A replica records the db its master's stream is in.
            repl: match (&s.repl.backlog, s.repl.link.client) {
                (Some(_), None) if s.config.masterhost.is_none() => Some((
                    s.repl.slaveseldb.max(0),
                    s.replid.clone(),
                    s.repl.master_repl_offset,
                )),
                (_, Some((id, slot)))
                    if s.repl.link.state == crate::replication::replica::LinkState::Connected =>
                {
                    Some((
                        s.clients
                            .get(slot)
                            .filter(|c| c.id == id)
                            .map(|c| c.db as i64)
                            .unwrap_or(0),
                        s.replid.clone(),
                        s.repl.master_repl_offset,
                    ))
                }
                // Redis: a replica whose link is down saves its cached master.
                _ if s.config.masterhost.is_some() => s
                    .repl
                    .link
                    .cached
                    .as_ref()
                    .map(|(id, off)| (s.repl.link.cached_db as i64, id.clone(), *off)),
                _ => None,
            },
            aof_base: false,
            functions: s
                .scripting
                .functions
                .libraries
                .values()
                .map(|l| l.code.clone())
                .collect(),
        }
    }
}

/// Shared between the main thread and a writer: progress for INFO, and the flag that
/// plays the role of killing the fork child.
#[derive(Default)]
pub struct SaveProgress {
    pub keys_processed: AtomicU64,
    pub cancel: AtomicBool,
}

/// A point-in-time image of every database.
pub struct Snapshot {
    pub dbs: Vec<DbImage>,
    pub opts: SaveOptions,
}

impl Snapshot {
    /// Captures every database: two `Dict::clone`s each, O(1) per database.
    pub fn capture(s: &Server) -> Snapshot {
        Snapshot {
            dbs: s
                .dbs
                .iter()
                .enumerate()
                .map(|(id, d)| DbImage {
                    id,
                    dict: d.dict.clone(),
                    expires: d.expires.clone(),
                })
                .collect(),
            opts: SaveOptions::from_server(s),
        }
    }

    pub fn total_keys(&self) -> u64 {
        self.dbs.iter().map(|d| d.dict.len() as u64).sum()
    }
}

/* ------------------------------ values ------------------------------ */

/// Redis: rdbSaveObjectType(). The type byte written before the key.
pub fn save_object_type(v: &Value) -> u8 {
    match v {
        Value::Int(_) | Value::EmbStr(_) | Value::Raw(_) => RDB_TYPE_STRING,
        Value::List(_) => super::RDB_TYPE_LIST_QUICKLIST_2,
        Value::Set(set) => oxidis_ds::set::rdb::save_type(set),
        Value::Hash(h) => oxidis_ds::hash::rdb::save_type(h),
        Value::ZSet(z) => oxidis_ds::zset::rdb::save_type(z),
        Value::Stream(st) => oxidis_ds::stream::rdb::save_type(st),
    }
}

/// Redis: rdbSaveObject(). The value, in the encoding its type byte announces.
pub fn save_object(rdb: &mut Rio, v: &Value, compress: bool) -> std::io::Result<()> {
    match v {
        Value::Int(n) => rdb.save_long_long_as_string(*n),
        Value::EmbStr(b) => rdb.save_raw_string(b, compress),
        Value::Raw(b) => rdb.save_raw_string(b, compress),
        Value::List(ql) => oxidis_ds::quicklist::rdb::save(rdb, ql, compress),
        Value::Set(set) => oxidis_ds::set::rdb::save(rdb, set, compress),
        Value::Hash(h) => oxidis_ds::hash::rdb::save(rdb, h, compress),
        Value::ZSet(z) => oxidis_ds::zset::rdb::save(rdb, z, compress),
        Value::Stream(st) => oxidis_ds::stream::rdb::save(rdb, st, compress),
    }
}

/// Redis: rdbSaveKeyValuePair().
pub fn save_key_value_pair(
    rdb: &mut Rio,
    key: &[u8],
    val: &RObj,
    expire: Option<i64>,
    opts: &SaveOptions,
) -> std::io::Result<()> {
    if let Some(when) = expire {
        rdb.save_type(RDB_OPCODE_EXPIRETIME_MS)?;
        rdb.save_millisecond_time(when)?;
    }
    if opts.save_lru {
        let idle = object::estimate_idle_time_ms(val.lru, opts.lru_clock) / 1000;
        rdb.save_type(RDB_OPCODE_IDLE)?;
        rdb.save_len(idle as u64)?;
    }
    if opts.save_lfu {
        let freq = object::lfu_decr_and_return(val.lru, opts.lfu_decay_time, opts.now_ms);
        rdb.save_type(RDB_OPCODE_FREQ)?;
        rdb.write(&[freq])?;
    }
    rdb.save_type(save_object_type(&val.v))?;
    rdb.save_raw_string(key, opts.compression)?;
    save_object(rdb, &val.v, opts.compression)
}

/// Redis: rdbSaveInfoAuxFields().
fn save_info_aux_fields(rdb: &mut Rio, opts: &SaveOptions) -> std::io::Result<()> {
    rdb.save_aux_field("redis-ver", crate::server::REDIS_VERSION.as_bytes())?;
    rdb.save_aux_field("redis-bits", b"64")?;
    rdb.save_aux_field("ctime", opts.ctime.to_string().as_bytes())?;
    rdb.save_aux_field("used-mem", opts.used_mem.to_string().as_bytes())?;
    if let Some((db, id, off)) = &opts.repl {
        rdb.save_aux_field("repl-stream-db", db.to_string().as_bytes())?;
        rdb.save_aux_field("repl-id", id.as_bytes())?;
        rdb.save_aux_field("repl-offset", off.to_string().as_bytes())?;
    }
    rdb.save_aux_field("aof-base", if opts.aof_base { b"1" } else { b"0" })
}

fn cancelled() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::Interrupted, "save cancelled")
}

/// Redis: rdbSaveDb(). Consumes the image: each dict segment is released as
/// soon as it is written (`Dict::drain_for_each`), so the live dict stops
/// copying what the writer has passed.
fn save_db(
    rdb: &mut Rio,
    db: DbImage,
    opts: &SaveOptions,
    progress: &SaveProgress,
    retire: &mut dyn FnMut(Retired),
) -> std::io::Result<()> {
    if db.dict.is_empty() {
        return Ok(());
    }
    rdb.save_type(RDB_OPCODE_SELECTDB)?;
    rdb.save_len(db.id as u64)?;
    rdb.save_type(RDB_OPCODE_RESIZEDB)?;
    rdb.save_len(db.dict.len() as u64)?;
    rdb.save_len(db.expires.len() as u64)?;
    let expires = db.expires;
    let written = db.dict.drain_for_each(
        |k, v| {
            let expire = expires.get(k).copied();
            save_key_value_pair(rdb, k, v, expire, opts)?;
            progress.keys_processed.fetch_add(1, Ordering::Relaxed);
            if opts.key_save_delay != 0 {
                cancellable_delay(opts.key_save_delay, progress);
            }
            if progress.cancel.load(Ordering::Relaxed) {
                return Err(cancelled());
            }
            Ok(())
        },
        retire,
    );
    let _ = expires.drain_for_each(|_, _| Ok::<(), ()>(()), retire);
    written
}

/// Redis: debugDelay(). Positive: sleep that many microseconds; negative: sleep 1µs
/// once every -N calls on average.
pub fn debug_delay(usec: i32) {
    let us = if usec < 0 {
        let r = oxidis_ds::util::ustime() as u64;
        u64::from(r.is_multiple_of((-(usec as i64)) as u64))
    } else {
        usec as u64
    };
    if us > 0 {
        std::thread::sleep(std::time::Duration::from_micros(us));
    }
}

/// `debug_delay` in slices, so a cancelled save stops within a few milliseconds even
/// with a long `rdb-key-save-delay`.
fn cancellable_delay(usec: i32, progress: &SaveProgress) {
    if usec <= 10_000 {
        return debug_delay(usec);
    }
    let mut left = usec as u64;
    while left > 0 && !progress.cancel.load(Ordering::Relaxed) {
        let step = left.min(10_000);
        std::thread::sleep(std::time::Duration::from_micros(step));
        left -= step;
    }
}

/// Redis: rdbSaveRio(). The whole file: magic, AUX fields, databases, EOF, CRC64.
/// The snapshot is consumed; parts of it the live dataset no longer shares go to
/// `retire` (see `Dict::drain_for_each`).
pub fn save_rio(
    rdb: &mut Rio,
    snap: Snapshot,
    progress: &SaveProgress,
    retire: &mut dyn FnMut(Retired),
) -> std::io::Result<()> {
    rdb.write(format!("REDIS{:04}", RDB_VERSION).as_bytes())?;
    save_info_aux_fields(rdb, &snap.opts)?;
    // Redis: rdbSaveFunctions — every library's code, before the keys.
    for code in &snap.opts.functions {
        rdb.save_type(RDB_OPCODE_FUNCTION2)?;
        rdb.save_raw_string(code, snap.opts.compression)?;
    }
    for db in snap.dbs {
        save_db(rdb, db, &snap.opts, progress, retire)?;
    }
    rdb.save_type(RDB_OPCODE_EOF)?;
    let ck = rdb.checksum();
    rdb.write(&ck.to_le_bytes())
}

/// How a save to disk failed (for the log line Redis writes).
#[derive(Debug)]
pub enum SaveError {
    /// fopen of the temp file failed: (temp file, cwd, error).
    Open(String, String, std::io::Error),
    /// A write or sync failed: (operation, error).
    Write(&'static str, std::io::Error),
    /// The final rename failed: (temp file, target, cwd, error).
    Rename(String, String, String, std::io::Error),
    /// The save was cancelled (Redis: the child was killed).
    Cancelled,
}

fn cwd() -> String {
    std::env::current_dir()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

/// Redis's strerror() text for an io error ("Permission denied", ...).
pub fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

impl SaveError {
    /// Logs the failure with Redis's text.
    pub fn log(&self) {
        match self {
            SaveError::Open(tmp, cwd, e) => crate::server_log!(
                Warning,
                "Failed opening the temp RDB file {} (in server root dir {}) for saving: {}",
                tmp,
                cwd,
                strerror(e)
            ),
            SaveError::Write(op, e) => crate::server_log!(
                Warning,
                "Write error saving DB on disk({}): {}",
                op,
                strerror(e)
            ),
            SaveError::Rename(tmp, target, cwd, e) => crate::server_log!(
                Warning,
                "Error moving temp DB file {} on the final destination {} (in server root dir {}): {}",
                tmp,
                target,
                cwd,
                strerror(e)
            ),
            SaveError::Cancelled => {}
        }
    }
}

/// Redis: rdbSave() without the server bookkeeping. Writes `temp-<id>.rdb`, flushes,
/// fsyncs, renames it over `filename` and fsyncs the directory. On failure the temp
/// file is removed and the previous `filename` is left untouched.
pub fn save_to_file(
    filename: &str,
    temp_id: &str,
    snap: Snapshot,
    progress: &SaveProgress,
    retire: &mut dyn FnMut(Retired),
) -> Result<(), SaveError> {
    let tmpfile = format!("temp-{}.rdb", temp_id);
    let f =
        std::fs::File::create(&tmpfile).map_err(|e| SaveError::Open(tmpfile.clone(), cwd(), e))?;
    let mut rdb = Rio::file(f, snap.opts.checksum, snap.opts.incremental_fsync);
    let result = (|| {
        save_rio(&mut rdb, snap, progress, retire).map_err(|e| {
            if e.kind() == std::io::ErrorKind::Interrupted {
                SaveError::Cancelled
            } else {
                SaveError::Write("rdbSaveRio", e)
            }
        })?;
        let f = rdb
            .finish_file()
            .map_err(|e| SaveError::Write("fflush", e))?;
        f.sync_all().map_err(|e| SaveError::Write("fsync", e))?;
        drop(f);
        std::fs::rename(&tmpfile, filename)
            .map_err(|e| SaveError::Rename(tmpfile.clone(), filename.to_string(), cwd(), e))?;
        fsync_file_dir(filename).map_err(|e| SaveError::Write("fsyncFileDir", e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmpfile);
    }
    result
}

/// Redis: fsyncFileDir(). Makes the rename durable.
fn fsync_file_dir(filename: &str) -> std::io::Result<()> {
    let p = std::path::Path::new(filename);
    let dir = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    std::fs::File::open(dir)?.sync_all()
}

/// A flag type the writer thread shares with the main thread.
pub type SharedProgress = Arc<SaveProgress>;
