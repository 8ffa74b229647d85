//! DEBUG. Redis counterpart: debug.c (debugCommand, the dataset digest,
//! DEBUG PROTOCOL / OBJECT / SLEEP / ...).
//! RELOAD lives in rdb/load.rs, LOADAOF in aof/load.rs. Subcommands of
//! features oxidis does not have (the cluster and module ones) get Redis's
//! unknown-subcommand error.

use oxidis_ds::sha1::{self, Sha1};
use oxidis_ds::util;

use crate::networking::Client;
use crate::object::{RObj, Value};
use crate::server::command::CommandProc;
use crate::server::shared;
use crate::server::Server;

/// Redis: xorDigest — digest ^= SHA1(data).
pub fn xor_digest(digest: &mut [u8; 20], data: &[u8]) {
    let h = sha1::sha1(data);
    for (d, x) in digest.iter_mut().zip(h.iter()) {
        *d ^= x;
    }
}

/// Redis: mixDigest — digest = SHA1(digest ^ SHA1(data)); order-sensitive.
pub fn mix_digest(digest: &mut [u8; 20], data: &[u8]) {
    xor_digest(digest, data);
    let mut s = Sha1::new();
    s.update(&digest[..]);
    *digest = s.finish();
}

/// Redis object type codes (OBJ_STRING = 0, ...), as mixed into digests.
pub(crate) fn type_code(o: &RObj) -> u32 {
    match o.v {
        Value::Int(_) | Value::EmbStr(_) | Value::Raw(_) => 0,
        Value::List(_) => 1,
        Value::Set(_) => 2,
        Value::Hash(_) => 4,
        Value::ZSet(_) => 3,
        Value::Stream(_) => 6,
    }
}

/// Redis: xorObjectDigest.
pub fn object_digest(digest: &mut [u8; 20], o: &RObj, has_expire: bool) {
    mix_digest(digest, &type_code(o).to_be_bytes());
    match &o.v {
        v @ (Value::Int(_) | Value::EmbStr(_) | Value::Raw(_)) => {
            let b = v.string_bytes().unwrap_or_default();
            mix_digest(digest, &b);
        }
        Value::List(ql) => crate::t_list::digest(digest, ql),
        Value::Set(set) => crate::t_set::digest(digest, set),
        Value::Hash(h) => crate::t_hash::digest(digest, h),
        Value::ZSet(z) => crate::t_zset::digest(digest, z),
        Value::Stream(st) => crate::t_stream::digest(digest, st),
    }
    if has_expire {
        xor_digest(digest, b"!!expire!!");
    }
}

/// Redis: computeDatasetDigest.
pub fn dataset_digest(s: &Server) -> [u8; 20] {
    let mut fin = [0u8; 20];
    for (j, d) in s.dbs.iter().enumerate() {
        if d.dict.is_empty() {
            continue;
        }
        mix_digest(&mut fin, &(j as u32).to_be_bytes());
        for (k, o) in d.dict.iter() {
            let mut dg = [0u8; 20];
            mix_digest(&mut dg, k);
            object_digest(&mut dg, o, d.expires.contains_key(k));
            // Redis: xorDigest(final, digest, 20) — xors in SHA1 of the key's digest.
            xor_digest(&mut fin, &dg);
        }
    }
    fin
}

/// Redis: rdbSavedObjectLen — the bytes the value takes in an RDB file (without
/// its type byte and key), found by serialising it, compressed when
/// `rdbcompression` says so, as Redis does.
fn serialized_length(o: &RObj, compress: bool) -> usize {
    let mut rio = oxidis_ds::rdb::encoding::Rio::buffer();
    match crate::rdb::save::save_object(&mut rio, &o.v, compress) {
        Ok(()) => rio.into_bytes().len(),
        Err(_) => 0,
    }
}

const DEBUG_HELP: &[&str] = &[
    "AOF-FLUSH-SLEEP <microsec>",
    "    Server will sleep before flushing the AOF, this is used for testing.",
    "ASSERT",
    "    Crash by assertion failed.",
    "CHANGE-REPL-ID",
    "    Change the replication IDs of the instance.",
    "    Dangerous: should be used only for testing the replication subsystem.",
    "CONFIG-REWRITE-FORCE-ALL",
    "    Like CONFIG REWRITE but writes all configuration options, including",
    "    keywords not listed in original configuration file or default values.",
    "CRASH-AND-RECOVER [<milliseconds>]",
    "    Hard crash and restart after a <milliseconds> delay (default 0).",
    "DIGEST",
    "    Output a hex signature representing the current DB content.",
    "DIGEST-VALUE <key> [<key> ...]",
    "    Output a hex signature of the values of all the specified keys.",
    "HTSTATS <dbid>",
    "    Return hash table statistics of the specified Redis database.",
    "HTSTATS-KEY <key>",
    "    Like HTSTATS but for the hash table stored at <key>'s value.",
    "LOADAOF",
    "    Flush the AOF buffers on disk and reload the AOF in memory.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "PANIC",
    "    Crash the server simulating a panic.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "PROTOCOL <type>",
    "    Reply with a test value of the specified type. <type> can be: string,",
    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
    "    true, false.",
    "RELOAD [option ...]",
    "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
    "    * MERGE: conflicting keys will be loaded from RDB.",
    "    * NOFLUSH: the existing database will not be removed before load, but",
    "      conflicting keys will generate an exception and kill the server.",
    "    * NOSAVE: the database will be loaded from an existing RDB file.",
    "    Examples:",
    "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
    "      the database.",
    "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
    "      existing RDB file.",
    "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
    "      file to the database.",
    "RESTART [<milliseconds>]",
    "    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
    "SEGFAULT",
    "    Crash the server with sigsegv.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
    "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
    "QUICKLIST-PACKED-THRESHOLD <size>",
    "    Sets the threshold for elements to be inserted as plain vs packed nodes",
    "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "STRINGMATCH-LEN",
    "    Run a fuzz tester against the stringmatchlen() function.",
    "PAUSE-CRON <0|1>",
    "    Stop periodic cron job processing.",
    "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
    "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
    "    In case NEVER is provided the last observed peak will never be reset",
    "    In case RESET is provided the peak reset time will be restored to the default value",
    "REPLYBUFFER RESIZING <0|1>",
    "    Enable or disable the replay buffer resize cron job",
];

/// Redis: debugCommand.
fn debug_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let sub = argv[1].to_ascii_lowercase();
    let argc = argv.len();
    match (sub.as_slice(), argc) {
        (b"help", 2) => c.add_reply_help(&argv[0], DEBUG_HELP),
        (b"sleep", 3) => {
            let secs = util::string2d(&argv[2]).unwrap_or(0.0);
            std::thread::sleep(std::time::Duration::from_micros(
                (secs * 1e6).max(0.0) as u64
            ));
            c.add_reply_ok();
        }
        (b"set-active-expire", 3) => {
            s.active_expire_enabled = util::string2ll(&argv[2]).unwrap_or(0) != 0;
            c.add_reply_ok();
        }
        (b"set-skip-checksum-validation", 3) => {
            s.skip_checksum_validation = util::string2ll(&argv[2]).unwrap_or(0) != 0;
            c.add_reply_ok();
        }
        (b"pause-cron", 3) => {
            s.pause_cron = util::string2ll(&argv[2]).unwrap_or(0) != 0;
            c.add_reply_ok();
        }
        (b"set-disable-deny-scripts", 3) => {
            s.scripting.disable_deny_script = util::string2ll(&argv[2]).unwrap_or(0) != 0;
            c.add_reply_ok();
        }
        (b"log", 3) => {
            crate::server_log!(Warning, "DEBUG LOG: {}", String::from_utf8_lossy(&argv[2]));
            c.add_reply_ok();
        }
        (b"object", 3) => {
            let db = c.db;
            let Some(o) = s.dbs[db].dict.get(&argv[2]) else {
                return c.add_reply_error(shared::NO_SUCH_KEY);
            };
            let idle = crate::object::estimate_idle_time_ms(o.lru, s.lruclock) / 1000;
            let serlen = serialized_length(o, s.config.rdbcompression);
            let extra = match &o.v {
                Value::List(ql) => crate::t_list::debug_object_extra(ql),
                _ => String::new(),
            };
            let msg = format!(
                "Value at:0x{:x} refcount:1 encoding:{} serializedlength:{} lru:{} lru_seconds_idle:{}{}",
                o as *const RObj as usize,
                o.encoding_name(),
                serlen,
                o.lru,
                idle,
                extra
            );
            c.add_reply_status(&msg);
        }
        (b"protocol", 3) => debug_protocol(c, &argv[2]),
        (b"digest", 2) => {
            let d = dataset_digest(s);
            c.add_reply_status(&sha1::hex(&d));
        }
        (b"digest-value", _) => {
            let db = c.db;
            c.add_reply_array_len(argc - 2);
            for k in &argv[2..] {
                let mut d = [0u8; 20];
                if let Some(o) = s.dbs[db].dict.get(k) {
                    object_digest(&mut d, o, s.dbs[db].expires.contains_key(k));
                }
                c.add_reply_status(&sha1::hex(&d));
            }
        }
        (b"change-repl-id", 2) => {
            s.replid2 = s.replid.clone();
            s.replid = util::get_random_hex_chars(40);
            crate::server_log!(
                Warning,
                "Changing replication IDs after receiving DEBUG change-repl-id"
            );
            c.add_reply_ok();
        }
        (b"htstats", 3) => {
            let dbid = match util::string2ll(&argv[2]) {
                Some(n) if n >= 0 && (n as usize) < s.dbs.len() => n as usize,
                Some(_) => return c.add_reply_error("Out of range database"),
                None => return c.add_reply_error(shared::NOT_INTEGER),
            };
            let d = &s.dbs[dbid];
            let mut out = format!("[Dictionary HT]\n{}", d.dict.stats());
            out.push_str(&format!("[Expires HT]\n{}", d.expires.stats()));
            c.add_reply_verbatim(out.as_bytes(), "txt");
        }
        (b"htstats-key", 3) => {
            let Some(o) = s.dbs[c.db].dict.get(&argv[2]) else {
                return c.add_reply_error(shared::NO_SUCH_KEY);
            };
            let stats = match &o.v {
                Value::Set(set) => match &**set {
                    oxidis_ds::set::SetObj::Ht(d) => Some(d.stats()),
                    _ => None,
                },
                Value::Hash(h) => match &**h {
                    oxidis_ds::hash::HashObj::Ht(d) => Some(d.stats()),
                    _ => None,
                },
                _ => None,
            };
            match stats {
                Some(st) => c.add_reply_verbatim(st.as_bytes(), "txt"),
                None => c.add_reply_error(
                    "The value stored at the specified key is not represented using an hash table",
                ),
            }
        }
        (b"stringmatch-len", 2) => {
            // Fuzz the matcher with random patterns; it must not blow up.
            let mut seed = util::ustime() as u64 | 1;
            for _ in 0..100_000 {
                let mut gen = |n: usize| -> Vec<u8> {
                    (0..n)
                        .map(|_| {
                            seed ^= seed << 13;
                            seed ^= seed >> 7;
                            seed ^= seed << 17;
                            b"*?[]\\^-ab"[(seed % 9) as usize]
                        })
                        .collect()
                };
                let p = gen(12);
                let t = gen(12);
                let _ = util::string_match_len(&p, &t, false);
            }
            c.add_reply_status("Apparently Redis did not crash: test passed");
        }
        (b"replybuffer", 4) => c.add_reply_ok(),
        (b"reload", _) => crate::rdb::load::debug_reload(s, c, argv),
        (b"loadaof", _) => crate::aof::load::debug_loadaof(s, c),
        (b"aof-flush-sleep", 3) => {
            s.aof.flush_sleep_us = util::string2ll(&argv[2]).unwrap_or(0).max(0) as u64;
            c.add_reply_ok();
        }
        (b"populate", 3..=5) => debug_populate(s, c, argv),
        (b"replicate", 3..) => {
            let db = s.repl.slaveseldb;
            s.feed_slaves(db, &argv[2..]);
            c.add_reply_ok();
        }
        (b"segfault", 2) => oxidis_sys::crash::trigger_segfault(),
        (b"config-rewrite-force-all", 2) => {
            let Some(path) = s.config.config_file.clone() else {
                return c.add_reply_error(
                    "CONFIG-REWRITE-FORCE-ALL failed: The server is running without a config file",
                );
            };
            match crate::config_cmd::rewrite_config(s, &path, true) {
                Ok(()) => c.add_reply_ok(),
                Err(e) => c.add_reply_error(&format!("CONFIG-REWRITE-FORCE-ALL failed: {}", e)),
            }
        }
        (b"restart" | b"crash-and-recover", 2 | 3) => {
            let delay = match argv.get(2) {
                Some(a) => match util::string2ll(a) {
                    Some(v) => v.max(0),
                    None => return c.add_reply_error(shared::NOT_INTEGER),
                },
                None => 0,
            };
            restart_server(s, sub == b"restart", delay);
            c.add_reply_error("failed to restart the server. Check server logs.");
        }
        (b"panic", 2) => oxidis_sys::crash::server_panic(format!(
            "DEBUG PANIC called at Unix time {}",
            util::unixtime()
        )),
        (b"assert", 2) => crate::crash::assert_with_info(c, argv, false, "1 == 2"),
        (b"quicklist-packed-threshold", 3) => crate::t_list::debug_packed_threshold(c, &argv[2]),
        (b"listpack", 3) | (b"quicklist", 3 | 4) => {
            crate::t_list::debug_encoding_dump(s, c, &sub, &argv[2])
        }
        _ => c.add_reply_subcommand_syntax_error(&argv[0], &argv[1]),
    }
}

/// Redis: restartServer (server.c). Runs the server again with the command
/// line it was started with, in this same process: `gracefully` rewrites the
/// config file and shuts down properly first (saving as SHUTDOWN does,
/// without waiting for replicas); otherwise it is a crash and a recovery.
/// Returns only when it could not restart (the reason is logged).
fn restart_server(s: &mut Server, gracefully: bool, delay_ms: i64) {
    if !oxidis_sys::can_execute(&s.executable) {
        crate::server_log!(
            Warning,
            "Can't restart: this process has no permissions to execute {}",
            s.executable
        );
        return;
    }
    if gracefully {
        if let Some(path) = s.config.config_file.clone() {
            if let Err(e) = s.config.rewrite(&path) {
                crate::server_log!(
                    Warning,
                    "Can't restart: configuration rewrite process failed: {}",
                    e
                );
                return;
            }
        }
        if !s.prepare_for_shutdown(crate::config::SHUTDOWN_NOW) {
            crate::server_log!(Warning, "Can't restart: error preparing for shutdown");
            return;
        }
    }
    let max_fd = s.config.maxclients as i32 + 1024;
    if delay_ms > 0 {
        std::thread::sleep(std::time::Duration::from_millis(delay_ms as u64));
    }
    let mut argv = s.config.exec_argv.clone();
    if let Some(first) = argv.first_mut() {
        *first = s.executable.clone();
    }
    // execve returns only on failure; nothing can be done then.
    let _ = oxidis_sys::close_fds_and_exec(&s.executable, &argv, max_fd);
    oxidis_sys::crash::exit_now(1);
}

/// Redis: DEBUG POPULATE <count> [<prefix>] [<size>]. Adds `prefix:N` keys (default
/// prefix "key") holding "value:N", padded with zero bytes or cut to `size`; keys
/// that exist are left alone.
fn debug_populate(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let positive = |a: &[u8]| util::string2ll(a).filter(|&n| n >= 0);
    let Some(count) = positive(&argv[2]) else {
        return c.add_reply_error(shared::NOT_POSITIVE);
    };
    let valsize = match argv.get(4) {
        Some(a) => match positive(a) {
            Some(n) => n as usize,
            None => return c.add_reply_error(shared::NOT_POSITIVE),
        },
        None => 0,
    };
    let prefix = argv.get(3).map(|p| p.as_slice()).unwrap_or(b"key");
    let db = c.db;
    s.dbs[db].dict.expand(count as usize);
    for j in 0..count {
        let mut key = prefix.to_vec();
        key.extend_from_slice(format!(":{}", j).as_bytes());
        if s.lookup_key_write(db, &key).is_some() {
            continue;
        }
        let mut val = format!("value:{}", j).into_bytes();
        if valsize > 0 {
            val.resize(valsize, 0);
        }
        let o = s.new_obj(crate::object::create_string(&val));
        s.db_add(db, &key, o);
    }
    c.add_reply_ok();
}

/// Redis: DEBUG PROTOCOL.
fn debug_protocol(c: &mut Client, name: &[u8]) {
    match name.to_ascii_lowercase().as_slice() {
        b"string" => c.add_reply_bulk_str("Hello World"),
        b"integer" => c.add_reply_long(12345),
        #[allow(clippy::approx_constant)]
        b"double" => c.add_reply_double(3.141),
        b"bignum" => {
            if c.resp >= 3 {
                c.add_reply_raw(b"(1234567999999999999999999999999999999\r\n");
            } else {
                c.add_reply_bulk_str("1234567999999999999999999999999999999");
            }
        }
        b"null" => c.add_reply_null(),
        b"array" => {
            c.add_reply_array_len(3);
            for j in 0..3 {
                c.add_reply_long(j);
            }
        }
        b"set" => {
            c.add_reply_set_len(3);
            for j in 0..3 {
                c.add_reply_long(j);
            }
        }
        b"map" => {
            c.add_reply_map_len(3);
            for j in 0..3 {
                c.add_reply_long(j);
                c.add_reply_bool(j == 1);
            }
        }
        b"attrib" => {
            if c.resp >= 3 {
                c.add_reply_raw(b"|1\r\n");
                c.add_reply_bulk_str("key-popularity");
                c.add_reply_array_len(2);
                c.add_reply_bulk_str("key:123");
                c.add_reply_long(90);
            }
            c.add_reply_bulk_str("Some real reply following the attribute");
        }
        b"push" => {
            if c.resp < 3 {
                return c.add_reply_error("RESP2 is not supported by this command");
            }
            c.add_reply_push_len(2);
            c.add_reply_bulk_str("server-cpu-usage");
            c.add_reply_long(42);
            c.add_reply_bulk_str("Some real reply following the push reply");
        }
        b"true" => c.add_reply_bool(true),
        b"false" => c.add_reply_bool(false),
        b"verbatim" => c.add_reply_verbatim(b"This is a verbatim\nstring", "txt"),
        _ => c.add_reply_error("Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false"),
    }
}

pub static HANDLERS: &[(&str, CommandProc)] = &[("debug", debug_command)];
