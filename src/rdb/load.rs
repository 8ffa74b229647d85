//! Reading RDB: values, whole files, the start-up load and DEBUG RELOAD.
//! Redis counterpart: rdb.c (rdbLoadObject, rdbLoadRioWithLoadingCtx, rdbLoad,
//! startLoading/stopLoading, rdbLoadProgressCallback), server.c (loadDataFromDisk)
//! and debug.c (DEBUG RELOAD).
//!
//! Divergence: the file is read into memory first and parsed from a byte cursor;
//! progress (`loading_loaded_bytes`) is the cursor position. On a corrupt file Redis
//! runs its embedded redis-check-rdb before exiting; oxidis logs the same error lines
//! and exits without that report.

use oxidis_ds::crc64::crc64;
use oxidis_ds::util;

use super::encoding::{Loaded, Reader};
use super::*;
use crate::object::{self, RObj, Value};
use crate::server::Server;
use crate::server_log;

/// Redis: rdbLoadObject(). Reads one value of type `rdbtype`. Every type's loader
/// hangs off this match; a type oxidis does not implement yet is reported the way
/// Redis reports a type byte it does not know.
pub fn load_object(r: &mut Reader, rdbtype: u8, lim: &LoadLimits) -> RdbResult<Value> {
    use oxidis_ds::{hash, set};
    let set = |s| Value::Set(Box::new(s));
    let hash = |h| Value::Hash(Box::new(h));
    match rdbtype {
        RDB_TYPE_STRING => Ok(match r.load_string_or_int()? {
            // Redis: rdbLoadEncodedStringObject + tryObjectEncoding.
            Loaded::Int(v) => Value::Int(v),
            Loaded::Bytes(b) => object::create_string_encoded_owned(b),
        }),
        RDB_TYPE_LIST
        | RDB_TYPE_LIST_ZIPLIST
        | RDB_TYPE_LIST_QUICKLIST
        | RDB_TYPE_LIST_QUICKLIST_2 => oxidis_ds::quicklist::rdb::load(r, rdbtype, lim)?
            .map(|ql| Value::List(std::sync::Arc::new(ql)))
            .ok_or(RdbError::EmptyKey),
        RDB_TYPE_SET => set::rdb::load_set(r, lim).map(set),
        RDB_TYPE_SET_INTSET => set::rdb::load_intset(r, lim).map(set),
        RDB_TYPE_HASH => hash::rdb::load_hash(r, lim).map(hash),
        RDB_TYPE_HASH_ZIPMAP => hash::rdb::load_zipmap(r, lim).map(hash),
        RDB_TYPE_HASH_ZIPLIST => hash::rdb::load_ziplist(r, lim).map(hash),
        RDB_TYPE_HASH_LISTPACK => hash::rdb::load_listpack(r, lim).map(hash),
        RDB_TYPE_ZSET | RDB_TYPE_ZSET_2 | RDB_TYPE_ZSET_ZIPLIST | RDB_TYPE_ZSET_LISTPACK => {
            let l = oxidis_ds::zset::Limits {
                max_entries: lim.zset_max_listpack_entries,
                max_value: lim.zset_max_listpack_value,
            };
            oxidis_ds::zset::rdb::load(r, rdbtype, l).map(|z| Value::ZSet(std::sync::Arc::new(z)))
        }
        RDB_TYPE_STREAM_LISTPACKS | RDB_TYPE_STREAM_LISTPACKS_2 => {
            oxidis_ds::stream::rdb::load(r, rdbtype)
                .map(|st| Value::Stream(std::sync::Arc::new(st)))
        }
        t => Err(RdbError::corrupt(format!(
            "Unknown RDB encoding type {}",
            t
        ))),
    }
}

/// Redis: the deep_integrity_validation switch of rdbLoadObject.
/// `sanitize-dump-payload clients` validates deeply except while loading,
/// for what the master sends, and for a client whose ACL user is flagged
/// skip-sanitize-payload.
pub fn deep_integrity_validation(s: &Server, client: Option<&crate::networking::Client>) -> bool {
    use crate::config::SanitizeDumpPayload as S;
    match s.config.sanitize_dump_payload {
        S::Yes => true,
        S::No => false,
        S::Clients => {
            let skip = s.loading
                || client.is_some_and(|c| {
                    c.flags & crate::networking::client::CLIENT_MASTER != 0
                        || (c.user != crate::acl::SUPERUSER
                            && s.acl.user(c.user).flags
                                & crate::acl::user::USER_SANITIZE_PAYLOAD_SKIP
                                != 0)
                });
            !skip
        }
    }
}

/// A value that failed deep validation but that Redis, validating only
/// shallowly, would have taken on trust: how reading it fails.
pub type Unverified = Option<oxidis_ds::rdb::shallow::Damage>;

/// Redis: rdbLoadObject with its deep_integrity_validation switch. The
/// structures' loaders always validate deeply; when that fails and only
/// shallow validation was asked for, the value is judged the way Redis
/// judges it in that mode (`oxidis_ds::rdb::shallow`): rejected, an
/// assertion or panic right away, or trusted. A trusted value is not built
/// from bytes that failed validation: an empty value of its type stands in
/// for it, and the key is marked (`Db::unverified`) so that the first command
/// that reads it fails the assertion Redis fails when it reaches the damage.
pub fn load_object_sanitized(
    s: &mut Server,
    r: &mut Reader,
    rdbtype: u8,
    lim: &LoadLimits,
    deep: bool,
) -> RdbResult<(Value, Unverified)> {
    use oxidis_ds::rdb::shallow::{verdict, Shallow};
    let start = r.pos;
    let sanitizable = matches!(
        rdbtype,
        RDB_TYPE_LIST_QUICKLIST_2
            | RDB_TYPE_SET_INTSET
            | RDB_TYPE_ZSET_LISTPACK
            | RDB_TYPE_HASH_LISTPACK
            | RDB_TYPE_STREAM_LISTPACKS
            | RDB_TYPE_STREAM_LISTPACKS_2
    );
    if deep && sanitizable {
        s.stats.dump_payload_sanitizations += 1;
    }
    let err = match load_object(r, rdbtype, lim) {
        Ok(v) => return Ok((v, None)),
        Err(e @ RdbError::EmptyKey) => return Err(e),
        Err(e) if deep || !sanitizable => return Err(e),
        Err(e) => e,
    };
    let reason = match &err {
        RdbError::Corrupt(m) => m.clone(),
        RdbError::Eof => "Unexpected EOF reading RDB file".to_string(),
        RdbError::EmptyKey => unreachable!("returned above"),
    };
    let mut again = Reader {
        buf: r.buf,
        pos: start,
    };
    match verdict(&mut again, rdbtype, lim, &reason) {
        Shallow::Reject(m) if m == "Empty keys" => Err(RdbError::EmptyKey),
        Shallow::Reject(m) => Err(RdbError::Corrupt(m)),
        Shallow::Assert(m) => panic!("{}", m),
        Shallow::DupPanic(bytes) => {
            crate::crash::log_hex_dump("listpack with dup elements dump", &bytes);
            oxidis_sys::crash::server_panic("Listpack corruption detected")
        }
        Shallow::Trust(damage) => {
            r.pos = again.pos;
            Ok((stand_in(rdbtype, lim), Some(damage)))
        }
    }
}

/// An empty value of the type `rdbtype` loads as.
fn stand_in(rdbtype: u8, lim: &LoadLimits) -> Value {
    use oxidis_ds::{hash::HashObj, intset::Intset, set::SetObj, stream::Stream, zset::ZSet};
    match rdbtype {
        RDB_TYPE_SET_INTSET => Value::Set(Box::new(SetObj::Intset(Intset::new()))),
        RDB_TYPE_ZSET_LISTPACK => Value::ZSet(std::sync::Arc::new(ZSet::new_listpack())),
        RDB_TYPE_HASH_LISTPACK => Value::Hash(Box::new(HashObj::new())),
        RDB_TYPE_STREAM_LISTPACKS | RDB_TYPE_STREAM_LISTPACKS_2 => {
            Value::Stream(std::sync::Arc::new(Stream::new()))
        }
        _ => Value::List(std::sync::Arc::new(oxidis_ds::quicklist::Quicklist::new(
            lim.list_max_listpack_size,
            lim.list_compress_depth,
        ))),
    }
}

/// The encoding settings values are loaded under, from the configuration.
pub fn load_limits(s: &Server) -> LoadLimits {
    let c = &s.config;
    LoadLimits {
        set_max_intset_entries: c.set_max_intset_entries,
        hash_max_listpack_entries: c.hash_max_listpack_entries,
        hash_max_listpack_value: c.hash_max_listpack_value,
        zset_max_listpack_entries: c.zset_max_listpack_entries,
        zset_max_listpack_value: c.zset_max_listpack_value,
        list_max_listpack_size: c.list_max_listpack_size,
        list_compress_depth: c.list_compress_depth,
    }
}

/// Redis: objectSetLRUOrLFU(). Applies a loaded (or RESTOREd) FREQ or IDLE.
pub fn object_set_lru_or_lfu(
    s: &Server,
    o: &mut RObj,
    lfu_freq: Option<u8>,
    lru_idle_secs: Option<i64>,
    lru_clock: u32,
) {
    if s.config.maxmemory_policy.is_lfu() {
        if let Some(f) = lfu_freq {
            o.lru = (object::lfu_time_in_minutes(util::mstime()) << 8) | f as u32;
        }
    } else if let Some(idle) = lru_idle_secs {
        let mut abs = lru_clock as i64 - idle;
        if abs < 0 {
            abs += object::LRU_CLOCK_MAX as i64;
        }
        o.lru = abs as u32;
    }
}

/// Redis: rdbLoadRioWithLoadingCtx(). Loads a whole RDB image into `s.dbs`;
/// returns the bytes it took (an AOF's RDB preamble is followed by commands).
/// `progress` runs every `loading-process-events-interval-bytes` bytes (Redis:
/// rdbLoadProgressCallback, which serves clients while a big file loads).
pub fn load_rio(
    s: &mut Server,
    data: &[u8],
    flags: u32,
    progress: &mut dyn FnMut(&mut Server),
) -> RdbResult<usize> {
    let mut r = Reader::new(data);
    let magic = r.read(9)?;
    if &magic[..5] != b"REDIS" {
        server_log!(Warning, "Wrong signature trying to load DB from file");
        return Err(RdbError::corrupt("Wrong signature"));
    }
    let rdbver = std::str::from_utf8(&magic[5..])
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(0);
    if rdbver < 1 || rdbver > RDB_VERSION as u32 {
        server_log!(Warning, "Can't handle RDB format version {}", rdbver);
        return Err(RdbError::corrupt("Bad version"));
    }

    let interval = s.config.loading_process_events_interval_bytes.max(0) as usize;
    let mut next_progress = if interval > 0 { interval } else { usize::MAX };
    s.update_cached_time();
    let now = util::mstime();
    let lru_clock = s.lruclock;
    let lim = load_limits(s);
    let deep = deep_integrity_validation(s, None);
    let mut db = 0usize;
    let (mut expiretime, mut lfu_freq, mut lru_idle) = (None::<i64>, None::<u8>, None::<i64>);
    let mut empty_keys_skipped = 0u64;

    loop {
        if r.pos >= next_progress {
            s.rdb.loading_loaded_bytes = r.pos as u64;
            progress(s);
            next_progress = (r.pos / interval + 1) * interval;
        }
        let t = r.read_u8()?;
        match t {
            RDB_OPCODE_EXPIRETIME => {
                expiretime = Some(r.load_time()? as i64 * 1000);
                continue;
            }
            RDB_OPCODE_EXPIRETIME_MS => {
                expiretime = Some(r.load_millisecond_time()?);
                continue;
            }
            RDB_OPCODE_FREQ => {
                lfu_freq = Some(r.read_u8()?);
                continue;
            }
            RDB_OPCODE_IDLE => {
                lru_idle = Some(r.load_len()? as i64);
                continue;
            }
            RDB_OPCODE_EOF => break,
            RDB_OPCODE_SELECTDB => {
                let id = r.load_len()?;
                if id >= s.dbs.len() as u64 {
                    server_log!(
                        Warning,
                        "FATAL: Data file was created with a Redis server configured to handle more than {} databases. Exiting\n",
                        s.dbs.len()
                    );
                    std::process::exit(1);
                }
                db = id as usize;
                continue;
            }
            RDB_OPCODE_RESIZEDB => {
                let db_size = r.load_len()?;
                let expires_size = r.load_len()?;
                // A hint only; never let a corrupt one allocate beyond the file.
                let cap = r.remaining() as u64;
                s.dbs[db].dict.expand(db_size.min(cap) as usize);
                s.dbs[db].expires.expand(expires_size.min(cap) as usize);
                continue;
            }
            RDB_OPCODE_AUX => {
                let key = r.load_string()?;
                let val = r.load_string()?;
                handle_aux_field(s, &key, &val);
                continue;
            }
            RDB_OPCODE_MODULE_AUX => {
                return Err(RdbError::corrupt(
                    "The RDB file contains AUX module data I can't load",
                ));
            }
            RDB_OPCODE_FUNCTION | RDB_OPCODE_FUNCTION2 => {
                let replace = flags & RDBFLAGS_ALLOW_DUP != 0;
                if let Err(e) = load_function(s, &mut r, t, replace) {
                    server_log!(Warning, "Failed loading library, {}", e);
                    return Err(RdbError::corrupt("Failed loading library"));
                }
                continue;
            }
            _ => {}
        }
        if !is_object_type(t) {
            return Err(RdbError::corrupt(format!(
                "Unknown RDB encoding type {}",
                t
            )));
        }
        let key = r.load_string()?;
        let (val, unverified) = match load_object_sanitized(s, &mut r, t, &lim, deep) {
            Ok(v) => v,
            Err(RdbError::EmptyKey) => {
                if empty_keys_skipped < 10 {
                    server_log!(
                        Warning,
                        "rdbLoadObject skipping empty key: {}",
                        String::from_utf8_lossy(&key)
                    );
                }
                empty_keys_skipped += 1;
                (expiretime, lfu_freq, lru_idle) = (None, None, None);
                continue;
            }
            Err(e) => return Err(e),
        };
        // Redis: a master drops keys that expired meanwhile (a replica keeps
        // them for its master's DEL); at start-up the DELs go to the backlog.
        if flags & RDBFLAGS_AOF_PREAMBLE == 0
            && s.config.masterhost.is_none()
            && expiretime.is_some_and(|e| e < now)
        {
            s.rdb.last_load_keys_expired += 1;
            if flags & RDBFLAGS_FEED_REPL != 0 {
                let del = crate::replication::del_cmd(s.config.lazyfree_lazy_expire);
                s.feed_slaves(db as i64, &[del, key.to_vec()]);
            }
        } else {
            let mut o = s.new_obj(val);
            object_set_lru_or_lfu(s, &mut o, lfu_freq, lru_idle, lru_clock);
            let key_bytes = key.to_vec();
            let key = crate::db::Key::new(&key);
            let expire_key = expiretime.map(|when| (key.clone(), when));
            let d = &mut s.dbs[db];
            s.rdb.last_load_keys_loaded += 1;
            if let Err((k, o)) = d.dict.add(key, o) {
                if flags & RDBFLAGS_ALLOW_DUP != 0 {
                    // Redis: dbSyncDelete + dbAddRDBLoad.
                    d.expires.remove(&k);
                    d.dict.insert(k, o);
                } else {
                    server_log!(
                        Warning,
                        "RDB has duplicated key '{}' in DB {}",
                        String::from_utf8_lossy(&k),
                        db
                    );
                    return Err(RdbError::corrupt("Duplicated key found in RDB file"));
                }
            }
            if let Some((k, when)) = expire_key {
                d.expires.insert(k, when);
            }
            if let Some(why) = unverified {
                d.unverified.insert(key_bytes, why);
            }
        }
        if s.config.key_load_delay != 0 {
            super::save::debug_delay(s.config.key_load_delay);
        }
        (expiretime, lfu_freq, lru_idle) = (None, None, None);
    }

    if rdbver >= 5 {
        let end = r.pos;
        let stored = u64::from_le_bytes(r.read(8)?.try_into().expect("8 bytes"));
        if s.config.rdbchecksum && !s.skip_checksum_validation {
            if stored == 0 {
                server_log!(
                    Warning,
                    "RDB file was saved with checksum disabled: no check performed."
                );
            } else {
                let expected = crc64(0, &data[..end]);
                if stored != expected {
                    server_log!(
                        Warning,
                        "Wrong RDB checksum expected: ({:x}) but got ({:x}). Aborting now.",
                        expected,
                        stored
                    );
                    return Err(RdbError::corrupt("RDB CRC error"));
                }
            }
        }
    }
    s.rdb.loading_loaded_bytes = r.pos as u64;
    if empty_keys_skipped > 0 {
        server_log!(
            Warning,
            "Done loading RDB, keys loaded: {}, keys expired: {}, empty keys skipped: {}.",
            s.rdb.last_load_keys_loaded,
            s.rdb.last_load_keys_expired,
            empty_keys_skipped
        );
    } else {
        server_log!(
            Notice,
            "Done loading RDB, keys loaded: {}, keys expired: {}.",
            s.rdb.last_load_keys_loaded,
            s.rdb.last_load_keys_expired
        );
    }
    Ok(r.pos)
}

/// The AUX fields Redis acts on or logs while loading.
fn handle_aux_field(s: &mut Server, key: &[u8], val: &[u8]) {
    let v = String::from_utf8_lossy(val);
    if key.first() == Some(&b'%') {
        server_log!(Notice, "RDB '{}': {}", String::from_utf8_lossy(key), v);
        return;
    }
    match key.to_ascii_lowercase().as_slice() {
        b"redis-ver" => server_log!(Notice, "Loading RDB produced by version {}", v),
        b"ctime" => {
            let age = (util::unixtime() - util::string2ll(val).unwrap_or(0)).max(0);
            server_log!(Notice, "RDB age {} seconds", age);
        }
        b"used-mem" => {
            let used = util::string2ll(val).unwrap_or(0);
            server_log!(
                Notice,
                "RDB memory usage when created {:.2} Mb",
                used as f64 / (1024.0 * 1024.0)
            );
            s.rdb.loading_rdb_used_mem = used.max(0) as u64;
        }
        b"aof-preamble" => {
            if util::string2ll(val).unwrap_or(0) != 0 {
                server_log!(Notice, "RDB has an AOF tail");
            }
        }
        b"aof-base" => {
            if util::string2ll(val).unwrap_or(0) != 0 {
                server_log!(Notice, "RDB is base AOF");
            }
        }
        // The db the master's stream was in when the file was made: a replica's
        // master client starts there (readSyncBulkPayload).
        b"repl-stream-db" => {
            s.repl.loaded_stream_db = util::string2ll(val).filter(|&d| d >= 0).map(|d| d as usize);
        }
        b"repl-id" if val.len() == 40 => {
            let off = s.repl.loaded_repl.as_ref().map(|r| r.1).unwrap_or(-1);
            s.repl.loaded_repl = Some((String::from_utf8_lossy(val).into_owned(), off));
        }
        b"repl-offset" => {
            let off = util::string2ll(val).unwrap_or(-1);
            let id = s.repl.loaded_repl.take().map(|r| r.0).unwrap_or_default();
            s.repl.loaded_repl = Some((id, off));
        }
        b"repl-id" | b"lua" | b"redis-bits" => {}
        _ => server_log!(
            Debug,
            "Unrecognized RDB AUX field: '{}'",
            String::from_utf8_lossy(key)
        ),
    }
}

/// Redis: rdbFunctionLoad — one function library. RDB_OPCODE_FUNCTION is the
/// format of 7.0's release candidates (name, engine, description, code),
/// turned into a library payload with its shebang.
fn load_function(s: &mut Server, r: &mut Reader, t: u8, replace: bool) -> Result<(), String> {
    let payload = if t == RDB_OPCODE_FUNCTION {
        let name = r
            .load_string()
            .map_err(|_| "Failed loading library name".to_string())?;
        let engine = r
            .load_string()
            .map_err(|_| "Failed loading engine name".to_string())?;
        let has_desc = r
            .load_len()
            .map_err(|_| "Failed loading library description indicator".to_string())?;
        if has_desc != 0 {
            r.load_string()
                .map_err(|_| "Failed loading library description".to_string())?;
        }
        let blob = r
            .load_string()
            .map_err(|_| "Failed loading library blob".to_string())?;
        let mut p = format!(
            "#!{} name={}\n",
            String::from_utf8_lossy(&engine),
            String::from_utf8_lossy(&name)
        )
        .into_bytes();
        p.extend_from_slice(&blob);
        p
    } else {
        r.load_string()
            .map_err(|_| "Failed loading library payload".to_string())?
    };
    crate::scripting::functions::functions_create(s, &payload, replace).map(|_| ())
}

/// Redis: startLoading().
pub fn start_loading(s: &mut Server, size: u64) {
    s.loading = true;
    s.rdb.loading_start_time = util::unixtime();
    s.rdb.loading_loaded_bytes = 0;
    s.rdb.loading_total_bytes = size;
    s.rdb.loading_rdb_used_mem = 0;
    s.rdb.last_load_keys_expired = 0;
    s.rdb.last_load_keys_loaded = 0;
}

/// Redis: stopLoading().
pub fn stop_loading(s: &mut Server) {
    s.loading = false;
}

/// Why a file could not be loaded.
pub enum LoadFileError {
    /// It could not be opened or read (Redis checks errno == ENOENT).
    Io(std::io::Error),
    /// Its content is bad.
    Rdb(RdbError),
}

/// Redis: rdbLoad(). Reads `filename` and loads it.
pub fn load_file(
    s: &mut Server,
    filename: &str,
    flags: u32,
    progress: &mut dyn FnMut(&mut Server),
) -> Result<(), LoadFileError> {
    let data = std::fs::read(filename).map_err(LoadFileError::Io)?;
    start_loading(s, data.len() as u64);
    let r = load_rio(s, &data, flags, progress);
    stop_loading(s);
    r.map(|_| ()).map_err(LoadFileError::Rdb)
}

/// Redis: rdbReportError() for a file being loaded: log, check the file
/// (redis-check-rdb's report on standard output), then terminate.
pub fn report_load_error_and_exit(s: &Server, e: &RdbError, filename: &str) -> ! {
    let reason = match e {
        RdbError::Eof => {
            server_log!(
                Warning,
                "Short read or OOM loading DB. Unrecoverable error, aborting now."
            );
            "Unexpected EOF reading RDB file".to_string()
        }
        RdbError::Corrupt(m) => m.clone(),
        RdbError::EmptyKey => "Empty keys".to_string(),
    };
    server_log!(
        Warning,
        "Internal error in RDB reading offset {}, function at rdb.c:0 -> {}",
        s.rdb.loading_loaded_bytes,
        reason
    );
    if let Ok(data) = std::fs::read(filename) {
        super::check::redis_check_rdb(filename, &data, &load_limits(s), &mut std::io::stdout());
    }
    server_log!(
        Warning,
        "Terminating server after rdb file reading failure."
    );
    std::process::exit(1);
}

/// Redis: loadDataFromDisk(). Loads `dbfilename` at start-up; a missing file is an
/// empty dataset, any other failure ends the process. `process_events` serves
/// clients (with -LOADING) while a big file loads.
pub fn load_data_from_disk(s: &mut Server, process_events: &mut dyn FnMut(&mut Server)) {
    let start = util::ustime();
    let filename = s.config.dbfilename.clone();
    s.repl.loaded_repl = None;
    s.repl.loaded_stream_db = None;
    let mut flags = RDBFLAGS_NONE;
    if s.config.masterhost.is_none() {
        // Redis: a master creates its backlog first, so the DELs of keys found
        // expired while loading go into it.
        s.create_backlog_keeping_id();
        flags |= RDBFLAGS_FEED_REPL;
    }
    let mut repl_info_valid = false;
    match load_file(s, &filename, flags, process_events) {
        Ok(()) => {
            server_log!(
                Notice,
                "DB loaded from disk: {:.3} seconds",
                (util::ustime() - start) as f64 / 1e6
            );
            repl_info_valid = s.repl.loaded_stream_db.is_some()
                && s.repl
                    .loaded_repl
                    .as_ref()
                    .is_some_and(|r| r.0.len() == 40 && r.1 >= 0);
            if repl_info_valid {
                crate::replication::replica::restore_replication_info_from_rdb(s);
            }
        }
        Err(LoadFileError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(LoadFileError::Io(e)) => {
            server_log!(
                Warning,
                "Fatal error loading the DB: {}. Exiting.",
                super::save::strerror(&e)
            );
            std::process::exit(1);
        }
        Err(LoadFileError::Rdb(e)) => report_load_error_and_exit(s, &e, &filename),
    }
    // Redis: without replication info the backlog cannot serve a PSYNC.
    if !repl_info_valid {
        s.repl.backlog = None;
    }
}

/// Redis: DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE].
pub fn debug_reload(s: &mut Server, c: &mut crate::networking::Client, argv: &[Vec<u8>]) {
    let (mut flush, mut save, mut flags) = (true, true, RDBFLAGS_NONE);
    for opt in &argv[2..] {
        match opt.to_ascii_lowercase().as_slice() {
            b"merge" => flags |= RDBFLAGS_ALLOW_DUP,
            b"noflush" => flush = false,
            b"nosave" => save = false,
            _ => {
                return c.add_reply_error(
                    "DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.",
                )
            }
        }
    }
    if save && super::bgsave::rdb_save(s).is_err() {
        return c.add_reply_error("-ERR");
    }
    if flush {
        s.empty_data(None);
        // Redis: emptyData(-1) drops the functions too; the file has them.
        s.scripting.functions.flush();
    }
    let filename = s.config.dbfilename.clone();
    // Redis: a load a client asked for (isRestoreContext) reports its error
    // instead of ending the process.
    if load_file(s, &filename, flags, &mut |_| {}).is_err() {
        return c.add_reply_error("Error trying to load the RDB dump");
    }
    server_log!(Warning, "DB reloaded by DEBUG RELOAD");
    c.add_reply_ok();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_types_are_corrupt() {
        let mut r = Reader::new(&[1, 2, 3]);
        assert!(matches!(
            load_object(&mut r, 99, &LoadLimits::default()),
            Err(RdbError::Corrupt(_))
        ));
    }

    #[test]
    fn strings_load_with_their_encoding() {
        let mut r = Reader::new(&[0xc0, 7]);
        assert_eq!(
            load_object(&mut r, RDB_TYPE_STRING, &LoadLimits::default()).unwrap(),
            Value::Int(7)
        );
        let mut r = Reader::new(&[3, b'a', b'b', b'c']);
        assert!(matches!(
            load_object(&mut r, RDB_TYPE_STRING, &LoadLimits::default()).unwrap(),
            Value::EmbStr(_)
        ));
    }
}
