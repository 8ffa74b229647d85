//! Keyspace commands. Redis counterpart: db.c, the "Type agnostic commands
//! operating on the key space" half (DEL, UNLINK, EXISTS, SELECT, RANDOMKEY,
//! KEYS, SCAN, DBSIZE, TYPE, RENAME, RENAMENX, MOVE, COPY, SWAPDB, FLUSHDB,
//! FLUSHALL), plus TOUCH (expire.c) and OBJECT (object.c).
//!
//! The lookup/add/delete primitives these commands build on live in db.rs;
//! this file only holds the commands and the argument parsing they share.
//! `parse_scan_cursor` and `ScanOptions::parse` are public so HSCAN, SSCAN and
//! ZSCAN can reuse the exact rules of Redis's parseScanCursorOrReply and the
//! option loop of scanGenericCommand.
//!
//! Divergences:
//! - FLUSHDB/FLUSHALL ASYNC and UNLINK free values synchronously: there is no
//!   lazy-free thread yet, and the observable replies are the same.
//! - RENAME and MOVE take the value out of the source slot and put it in the
//!   destination (Redis bumps a refcount, adds, then deletes the source); the
//!   value, its LRU/LFU field and its TTL travel unchanged, as in Redis.
//! - There is no cluster mode, so the "not allowed in cluster mode" errors of
//!   SELECT, MOVE, COPY and SWAPDB cannot happen.

use oxidis_ds::util;

use crate::args::get_int_or_reply;
use crate::db::{Key, LOOKUP_NOTOUCH};
use crate::networking::client::CLIENT_CLOSE_ASAP;
use crate::networking::Client;
use crate::notify::NOTIFY_GENERIC;
use crate::object::{self, RObj, Value};
use crate::server::command::CommandProc;
use crate::server::shared;
use crate::server::Server;

// ---------------------------------------------------------------------------
// Argument helpers (object.c getLongFromObjectOrReply and friends)
// ---------------------------------------------------------------------------

const ERR_DB_RANGE: &str = "DB index is out of range";
const ERR_SAME_OBJECT: &str = "source and destination objects are the same";

/// Redis: selectDb's range check, for an already parsed index.
fn valid_db(s: &Server, id: i32) -> Option<usize> {
    usize::try_from(id).ok().filter(|&i| i < s.dbs.len())
}

/// Removes `key` from `db` (value and TTL) and hands the value back, for the
/// commands that move a value elsewhere rather than dropping it.
/// Redis: the dbAdd(dst) + dbDelete(src) pair of RENAME and MOVE.
fn db_take(s: &mut Server, db: usize, key: &[u8]) -> Option<RObj> {
    let d = &mut s.dbs[db];
    let (_, val) = d.dict.remove(key)?;
    d.expires.remove(key);
    Some(val)
}

// ---------------------------------------------------------------------------
// SELECT, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB
// ---------------------------------------------------------------------------

/// Redis: selectCommand.
fn select_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(id) = get_int_or_reply(c, &argv[1], None) else {
        return;
    };
    match valid_db(s, id) {
        Some(db) => {
            c.db = db;
            c.add_reply_ok();
        }
        None => c.add_reply_error(ERR_DB_RANGE),
    }
}

/// Redis: dbsizeCommand.
fn dbsize_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    c.add_reply_long(s.dbs[c.db].dict.len() as i64);
}

/// Whether a flush runs in the background. Redis: EMPTYDB_ASYNC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlushMode {
    Sync,
    Async,
}

/// Redis: getFlushCommandFlags. Without an argument Redis consults
/// `lazyfree-lazy-user-flush`; both modes free synchronously here, so the
/// default is simply `Sync`.
pub fn parse_flush_mode(argv: &[Vec<u8>]) -> Option<FlushMode> {
    match argv.len() {
        1 => Some(FlushMode::Sync),
        2 if argv[1].eq_ignore_ascii_case(b"sync") => Some(FlushMode::Sync),
        2 if argv[1].eq_ignore_ascii_case(b"async") => Some(FlushMode::Async),
        _ => None,
    }
}

/// Redis: flushdbCommand.
fn flushdb_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if parse_flush_mode(argv).is_none() {
        return c.add_reply_syntax_err();
    }
    s.dirty += s.empty_data(Some(c.db)) as i64;
    // Redis: replicated even when the database was already empty.
    crate::replication::force_propagation(c);
    c.add_reply_ok();
}

/// Redis: flushallCommand + flushAllDataAndResetRDB. The RDB save that
/// follows a FLUSHALL when save points are configured belongs to the
/// persistence layer.
fn flushall_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if parse_flush_mode(argv).is_none() {
        return c.add_reply_syntax_err();
    }
    s.dirty += s.empty_data(None) as i64;
    crate::rdb::bgsave::flushall_reset_rdb(s);
    // Redis: replicated even when the databases were already empty.
    crate::replication::force_propagation(c);
    c.add_reply_ok();
}

/// Redis: dbSwapDatabases. Swaps the data (dict, expires and the expiry
/// bookkeeping) but not the ids: clients stay on the index they selected.
pub fn db_swap_databases(s: &mut Server, id1: usize, id2: usize) {
    if id1 == id2 {
        return;
    }
    s.touch_all_watched_keys_in_db(id1, Some(id2));
    s.touch_all_watched_keys_in_db(id2, Some(id1));
    s.scan_database_for_deleted_streams(id1, Some(id2));
    s.scan_database_for_deleted_streams(id2, Some(id1));
    let (lo, hi) = (id1.min(id2), id1.max(id2));
    let (left, right) = s.dbs.split_at_mut(hi);
    let (a, b) = (&mut left[lo], &mut right[0]);
    std::mem::swap(&mut a.dict, &mut b.dict);
    std::mem::swap(&mut a.expires, &mut b.expires);
    std::mem::swap(&mut a.avg_ttl, &mut b.avg_ttl);
    std::mem::swap(&mut a.expires_cursor, &mut b.expires_cursor);
    s.scan_database_for_ready_keys(id1);
    s.scan_database_for_ready_keys(id2);
}

/// Redis: swapdbCommand.
fn swapdb_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(id1) = get_int_or_reply(c, &argv[1], Some("invalid first DB index")) else {
        return;
    };
    let Some(id2) = get_int_or_reply(c, &argv[2], Some("invalid second DB index")) else {
        return;
    };
    let (Some(a), Some(b)) = (valid_db(s, id1), valid_db(s, id2)) else {
        return c.add_reply_error(ERR_DB_RANGE);
    };
    db_swap_databases(s, a, b);
    s.dirty += 1;
    c.add_reply_ok();
}

// ---------------------------------------------------------------------------
// DEL, UNLINK, EXISTS, TOUCH, TYPE
// ---------------------------------------------------------------------------

/// Redis: delGenericCommand. An expired key is reclaimed first, so it is
/// not counted as deleted.
fn del_generic_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let db = c.db;
    let mut numdel = 0;
    for key in &argv[1..] {
        s.expire_if_needed(db, key);
        if s.db_delete(db, key) {
            s.notify_keyspace_event(NOTIFY_GENERIC, "del", key, db);
            s.dirty += 1;
            numdel += 1;
        }
    }
    c.add_reply_long(numdel);
}

/// Redis: delCommand.
fn del_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    del_generic_command(s, c, argv);
}

/// Redis: unlinkCommand (same reply as DEL; see the header on lazy free).
fn unlink_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    del_generic_command(s, c, argv);
}

/// Redis: existsCommand. A key named twice counts twice; no LRU update.
fn exists_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let db = c.db;
    let count = argv[1..]
        .iter()
        .filter(|k| s.lookup_key(db, k, LOOKUP_NOTOUCH).is_some())
        .count();
    c.add_reply_long(count as i64);
}

/// Redis: touchCommand (expire.c) — a plain read lookup, which updates the
/// LRU/LFU field.
fn touch_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let db = c.db;
    let count = argv[1..]
        .iter()
        .filter(|k| s.lookup_key_read(db, k).is_some())
        .count();
    c.add_reply_long(count as i64);
}

/// Redis: getObjectTypeName, with "none" for a missing key.
fn type_name_of(o: Option<&RObj>) -> &'static str {
    o.map_or("none", RObj::type_name)
}

/// Redis: typeCommand.
fn type_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let db = c.db;
    let t = type_name_of(s.lookup_key(db, &argv[1], LOOKUP_NOTOUCH).map(|o| &*o));
    c.add_reply_status(t);
}

// ---------------------------------------------------------------------------
// RANDOMKEY, KEYS, SCAN
// ---------------------------------------------------------------------------

/// Redis: dbRandomKey. Draws fairly until it finds a key that is not
/// logically expired, reclaiming the expired ones it meets. (Redis also
/// gives up after 100 tries on a replica whose keys are all volatile, since
/// a replica never deletes expired keys; oxidis has no replica mode yet.)
pub fn db_random_key(s: &mut Server, db: usize) -> Option<Key> {
    loop {
        let key: Key = s.dbs[db].dict.random_entry()?.0.clone();
        if s.dbs[db].expires.contains_key(&key) && s.expire_if_needed(db, &key) {
            continue;
        }
        return Some(key);
    }
}

/// Redis: randomkeyCommand.
fn randomkey_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    match db_random_key(s, c.db) {
        Some(k) => c.add_reply_bulk(&k),
        None => c.add_reply_null(),
    }
}

/// Redis: keysCommand. Expired keys are skipped but not deleted (KEYS walks
/// the dict and must not change it under its feet).
fn keys_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let pattern = &argv[1][..];
    let allkeys = pattern == b"*";
    let now = s.now_ms();
    let loading = s.loading;
    let d = &s.dbs[c.db];
    let replylen = c.add_reply_deferred_len();
    let mut numkeys = 0;
    for (key, _) in d.dict.iter() {
        if allkeys || util::string_match_len(pattern, key, false) {
            let expired = !loading && d.expires.get(key).is_some_and(|&when| when < now);
            if !expired {
                c.add_reply_bulk(key);
                numkeys += 1;
            }
        }
        if c.flags & CLIENT_CLOSE_ASAP != 0 {
            break;
        }
    }
    c.set_deferred_array_len(replylen, numkeys);
}

/// Redis: parseScanCursorOrReply's strtoul(): base 10, an optional sign (a
/// negative cursor wraps around, as strtoul does), no leading whitespace, no
/// trailing garbage, no overflow. An empty string is cursor 0. The argument
/// ends at the first NUL byte, as the C string it is in Redis.
pub fn parse_scan_cursor(arg: &[u8]) -> Option<u64> {
    let arg = arg.split(|&b| b == 0).next().unwrap_or(&[]);
    if arg.is_empty() {
        return Some(0);
    }
    if util::is_c_space(arg[0]) {
        return None;
    }
    let (negative, digits) = match arg[0] {
        b'-' => (true, &arg[1..]),
        b'+' => (false, &arg[1..]),
        _ => (false, arg),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(if negative { v.wrapping_neg() } else { v })
}

/// Why SCAN's options were refused. Redis replies with the error text of
/// getLongFromObjectOrReply or shared.syntaxerr.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanOptError {
    NotInteger,
    Syntax,
}

impl ScanOptError {
    pub fn reply(self, c: &mut Client) {
        match self {
            ScanOptError::NotInteger => c.add_reply_error(shared::NOT_INTEGER),
            ScanOptError::Syntax => c.add_reply_syntax_err(),
        }
    }
}

/// The options of SCAN/HSCAN/SSCAN/ZSCAN. Redis: step 1 of scanGenericCommand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanOptions<'a> {
    pub count: usize,                // COUNT, default 10, at least 1
    pub pattern: Option<&'a [u8]>,   // MATCH; None when absent or exactly "*"
    pub type_name: Option<&'a [u8]>, // TYPE (SCAN only)
}

impl<'a> ScanOptions<'a> {
    /// Parses the option arguments that follow the cursor. `allow_type` is
    /// true for SCAN itself (TYPE filters the db's keys only).
    pub fn parse(args: &'a [Vec<u8>], allow_type: bool) -> Result<ScanOptions<'a>, ScanOptError> {
        let mut opts = ScanOptions {
            count: 10,
            pattern: None,
            type_name: None,
        };
        let mut i = 0;
        while i < args.len() {
            let has_value = args.len() - i >= 2;
            let opt = &args[i];
            if opt.eq_ignore_ascii_case(b"count") && has_value {
                let n = util::string2ll(&args[i + 1]).ok_or(ScanOptError::NotInteger)?;
                if n < 1 {
                    return Err(ScanOptError::Syntax);
                }
                opts.count = usize::try_from(n).unwrap_or(usize::MAX);
            } else if opt.eq_ignore_ascii_case(b"match") && has_value {
                let pat = &args[i + 1][..];
                opts.pattern = if pat == b"*" { None } else { Some(pat) };
            } else if opt.eq_ignore_ascii_case(b"type") && allow_type && has_value {
                opts.type_name = Some(&args[i + 1][..]);
            } else {
                return Err(ScanOptError::Syntax);
            }
            i += 2;
        }
        Ok(opts)
    }

    /// Whether `element` survives the MATCH filter.
    pub fn matches(&self, element: &[u8]) -> bool {
        self.pattern
            .is_none_or(|p| util::string_match_len(p, element, false))
    }
}

/// Redis: the dictScan loop of scanGenericCommand. Calls `scan` until it
/// has gathered `count` elements, the iteration ends, or it has made ten
/// times `count` calls (so a sparse table cannot stall the server). Returns
/// the next cursor.
pub fn scan_dict_loop<T>(
    mut cursor: u64,
    count: usize,
    out: &mut Vec<T>,
    mut scan: impl FnMut(u64, &mut Vec<T>) -> u64,
) -> u64 {
    let mut maxiterations = count.saturating_mul(10);
    loop {
        cursor = scan(cursor, out);
        if cursor == 0 || maxiterations == 0 || out.len() >= count {
            break;
        }
        maxiterations -= 1;
    }
    cursor
}

/// Redis: scanCommand + scanGenericCommand with a NULL object (the keyspace).
fn scan_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(cursor) = parse_scan_cursor(&argv[1]) else {
        return c.add_reply_error("invalid cursor");
    };
    let opts = match ScanOptions::parse(&argv[2..], true) {
        Ok(o) => o,
        Err(e) => return e.reply(c),
    };
    let db = c.db;
    let mut keys: Vec<Key> = Vec::new();
    let dict = &s.dbs[db].dict;
    let cursor = scan_dict_loop(cursor, opts.count, &mut keys, |cur, out| {
        dict.scan(cur, |k, _| out.push(k.clone()))
    });

    // Step 3 of scanGenericCommand: MATCH, then TYPE (a NOTOUCH lookup, so
    // it also reclaims an expired key), then expiry.
    keys.retain(|key| {
        if !opts.matches(key) {
            return false;
        }
        if let Some(want) = opts.type_name {
            let t = type_name_of(s.lookup_key(db, key, LOOKUP_NOTOUCH).map(|o| &*o));
            if !want.eq_ignore_ascii_case(t.as_bytes()) {
                return false;
            }
        }
        !s.expire_if_needed(db, key)
    });

    c.add_reply_array_len(2);
    c.add_reply_bulk(cursor.to_string().as_bytes());
    c.add_reply_array_len(keys.len());
    for k in &keys {
        c.add_reply_bulk(k);
    }
}

// ---------------------------------------------------------------------------
// RENAME, RENAMENX, MOVE, COPY
// ---------------------------------------------------------------------------

/// Redis: renameGenericCommand. The TTL goes with the value; a TTL on an
/// overwritten destination is dropped with it.
fn rename_generic_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>], nx: bool) {
    let db = c.db;
    let (src, dst) = (&argv[1][..], &argv[2][..]);
    if s.lookup_key_write(db, src).is_none() {
        return c.add_reply_error(shared::NO_SUCH_KEY);
    }
    if src == dst {
        return if nx {
            c.add_reply_long(0)
        } else {
            c.add_reply_ok()
        };
    }
    let expire = s.dbs[db].get_expire(src);
    if s.lookup_key_write(db, dst).is_some() {
        if nx {
            return c.add_reply_long(0);
        }
        s.db_delete(db, dst);
    }
    let val = db_take(s, db, src).expect("RENAME: source vanished after lookup");
    s.db_add(db, dst, val);
    if let Some(when) = expire {
        s.set_expire(db, dst, when);
    }
    s.notify_keyspace_event(NOTIFY_GENERIC, "rename_from", src, db);
    s.notify_keyspace_event(NOTIFY_GENERIC, "rename_to", dst, db);
    s.dirty += 1;
    if nx {
        c.add_reply_long(1)
    } else {
        c.add_reply_ok()
    }
}

/// Redis: renameCommand.
fn rename_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    rename_generic_command(s, c, argv, false);
}

/// Redis: renamenxCommand.
fn renamenx_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    rename_generic_command(s, c, argv, true);
}

/// Redis: moveCommand.
fn move_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let src = c.db;
    let Some(id) = get_int_or_reply(c, &argv[2], None) else {
        return;
    };
    let Some(dst) = valid_db(s, id) else {
        return c.add_reply_error(ERR_DB_RANGE);
    };
    if src == dst {
        return c.add_reply_error(ERR_SAME_OBJECT);
    }
    let key = &argv[1][..];
    if s.lookup_key_write(src, key).is_none() {
        return c.add_reply_long(0);
    }
    let expire = s.dbs[src].get_expire(key);
    if s.lookup_key_write(dst, key).is_some() {
        return c.add_reply_long(0);
    }
    let val = db_take(s, src, key).expect("MOVE: source vanished after lookup");
    s.db_add(dst, key, val);
    if let Some(when) = expire {
        s.set_expire(dst, key, when);
    }
    s.notify_keyspace_event(NOTIFY_GENERIC, "move_from", key, src);
    s.notify_keyspace_event(NOTIFY_GENERIC, "move_to", key, dst);
    s.dirty += 1;
    c.add_reply_long(1);
}

/// Redis: copyCommand. The copy is a new object (fresh LRU/LFU field, as
/// Redis's xxxDup functions create one) that keeps the source's encoding
/// and TTL.
fn copy_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let src = c.db;
    let mut dst = c.db;
    let mut replace = false;
    let mut j = 3;
    while j < argv.len() {
        let additional = argv.len() - j - 1;
        if argv[j].eq_ignore_ascii_case(b"replace") {
            replace = true;
        } else if argv[j].eq_ignore_ascii_case(b"db") && additional >= 1 {
            let Some(id) = get_int_or_reply(c, &argv[j + 1], None) else {
                return;
            };
            let Some(d) = valid_db(s, id) else {
                return c.add_reply_error(ERR_DB_RANGE);
            };
            dst = d;
            j += 1;
        } else {
            return c.add_reply_syntax_err();
        }
        j += 1;
    }

    let (key, newkey) = (&argv[1][..], &argv[2][..]);
    if src == dst && key == newkey {
        return c.add_reply_error(ERR_SAME_OBJECT);
    }
    let value: Value = match s.lookup_key_read(src, key) {
        Some(o) => o.v.clone(),
        None => return c.add_reply_long(0),
    };
    let expire = s.dbs[src].get_expire(key);
    let delete = s.lookup_key_write(dst, newkey).is_some();
    if delete && !replace {
        return c.add_reply_long(0);
    }
    let newobj = s.new_obj(value);
    if delete {
        s.db_delete(dst, newkey);
    }
    s.db_add(dst, newkey, newobj);
    if let Some(when) = expire {
        s.set_expire(dst, newkey, when);
    }
    s.notify_keyspace_event(NOTIFY_GENERIC, "copy_to", newkey, dst);
    s.dirty += 1;
    c.add_reply_long(1);
}

// ---------------------------------------------------------------------------
// OBJECT (object.c)
// ---------------------------------------------------------------------------

const OBJECT_HELP: &[&str] = &[
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
];

/// Redis: objectCommandLookupOrReply — a lookup that leaves the LRU/LFU
/// field alone; replies null when the key is missing.
fn object_lookup_or_reply<'a>(s: &'a mut Server, c: &mut Client, key: &[u8]) -> Option<&'a RObj> {
    let db = c.db;
    let o = s.lookup_key(db, key, LOOKUP_NOTOUCH).map(|o| &*o);
    if o.is_none() {
        c.add_reply_null();
    }
    o
}

/// Redis: objectCommand's HELP branch.
fn object_help_command(_s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    c.add_reply_help(&argv[0], OBJECT_HELP);
}

/// Redis: objectCommand's ENCODING branch.
fn object_encoding_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if let Some(o) = object_lookup_or_reply(s, c, &argv[2]) {
        let enc = o.encoding_name();
        c.add_reply_bulk(enc.as_bytes());
    }
}

/// Whether Redis would have stored this value as one of its shared integer
/// objects: an `int`-encoded 0..9999, unless a maxmemory limit with an
/// LRU/LFU policy is set (such policies need a private LRU field per value).
/// Redis: the shared-integer condition of tryObjectEncoding.
fn is_shared_integer(s: &Server, v: &Value) -> bool {
    let policy = &s.config.maxmemory_policy;
    let no_shared = s.config.maxmemory != 0 && (policy.is_lru() || policy.is_lfu());
    !no_shared && matches!(*v, Value::Int(n) if (0..object::OBJ_SHARED_INTEGERS).contains(&n))
}

/// Redis: objectCommand's REFCOUNT branch. oxidis has no refcounts: a
/// value is referenced once, except the integers Redis would have shared.
fn object_refcount_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let db = c.db;
    let shared = match s.lookup_key(db, &argv[2], LOOKUP_NOTOUCH) {
        Some(o) => matches!(o.v, Value::Int(_)).then(|| o.v.clone()),
        None => return c.add_reply_null(),
    };
    let shared = shared.is_some_and(|v| is_shared_integer(s, &v));
    c.add_reply_long(if shared {
        object::OBJ_SHARED_REFCOUNT
    } else {
        1
    });
}

/// Redis: objectCommand's IDLETIME branch (seconds since last access).
fn object_idletime_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(lru) = object_lookup_or_reply(s, c, &argv[2]).map(|o| o.lru) else {
        return;
    };
    if s.config.maxmemory_policy.is_lfu() {
        return c.add_reply_error(
            "An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
        );
    }
    c.add_reply_long(object::estimate_idle_time_ms(lru, s.lruclock) / 1000);
}

/// Redis: objectCommand's FREQ branch. The counter is decayed on read, as
/// the stored one only changes when the key is accessed.
fn object_freq_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(lru) = object_lookup_or_reply(s, c, &argv[2]).map(|o| o.lru) else {
        return;
    };
    if !s.config.maxmemory_policy.is_lfu() {
        return c.add_reply_error(
            "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
        );
    }
    let freq = object::lfu_decr_and_return(lru, s.config.lfu_decay_time, s.now_ms());
    c.add_reply_long(i64::from(freq));
}

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("select", select_command),
    ("dbsize", dbsize_command),
    ("flushdb", flushdb_command),
    ("flushall", flushall_command),
    ("swapdb", swapdb_command),
    ("del", del_command),
    ("unlink", unlink_command),
    ("exists", exists_command),
    ("touch", touch_command),
    ("type", type_command),
    ("randomkey", randomkey_command),
    ("keys", keys_command),
    ("scan", scan_command),
    ("rename", rename_command),
    ("renamenx", renamenx_command),
    ("move", move_command),
    ("copy", copy_command),
    ("object|help", object_help_command),
    ("object|encoding", object_encoding_command),
    ("object|refcount", object_refcount_command),
    ("object|idletime", object_idletime_command),
    ("object|freq", object_freq_command),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<Vec<u8>> {
        v.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn scan_cursor_follows_strtoul() {
        assert_eq!(parse_scan_cursor(b"0"), Some(0));
        assert_eq!(parse_scan_cursor(b"176"), Some(176));
        assert_eq!(parse_scan_cursor(b""), Some(0));
        assert_eq!(parse_scan_cursor(b"+5"), Some(5));
        assert_eq!(parse_scan_cursor(b"007"), Some(7));
        assert_eq!(parse_scan_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(parse_scan_cursor(b"-18446744073709551615"), Some(1));
        assert_eq!(parse_scan_cursor(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_scan_cursor(b"18446744073709551616"), None);
        assert_eq!(parse_scan_cursor(b" 1"), None);
        assert_eq!(parse_scan_cursor(b"1 "), None);
        assert_eq!(parse_scan_cursor(b"1x"), None);
        assert_eq!(parse_scan_cursor(b"-"), None);
        assert_eq!(parse_scan_cursor(b"0x10"), None);
        assert_eq!(parse_scan_cursor(b"12\0junk"), Some(12));
    }

    #[test]
    fn scan_options() {
        let a = args(&[]);
        let o = ScanOptions::parse(&a, true).unwrap();
        assert_eq!((o.count, o.pattern, o.type_name), (10, None, None));

        let a = args(&["MATCH", "k*", "count", "100", "TYPE", "string"]);
        let o = ScanOptions::parse(&a, true).unwrap();
        assert_eq!(o.count, 100);
        assert_eq!(o.pattern, Some(&b"k*"[..]));
        assert_eq!(o.type_name, Some(&b"string"[..]));
        assert!(o.matches(b"key") && !o.matches(b"foo"));

        // "*" disables the filter; later options override earlier ones.
        let a = args(&["match", "x", "match", "*"]);
        let o = ScanOptions::parse(&a, true).unwrap();
        assert_eq!(o.pattern, None);
        assert!(o.matches(b"anything"));
    }

    #[test]
    fn scan_option_errors() {
        let bad =
            |v: &[&str], allow_type: bool| ScanOptions::parse(&args(v), allow_type).unwrap_err();
        assert_eq!(bad(&["count", "0"], true), ScanOptError::Syntax);
        assert_eq!(bad(&["count", "-3"], true), ScanOptError::Syntax);
        assert_eq!(bad(&["count", "x"], true), ScanOptError::NotInteger);
        assert_eq!(bad(&["count"], true), ScanOptError::Syntax);
        assert_eq!(bad(&["match"], true), ScanOptError::Syntax);
        assert_eq!(bad(&["type", "string"], false), ScanOptError::Syntax);
        assert_eq!(bad(&["type"], true), ScanOptError::Syntax);
        assert_eq!(bad(&["foo", "bar"], true), ScanOptError::Syntax);
    }

    #[test]
    fn flush_modes() {
        assert_eq!(parse_flush_mode(&args(&["flushdb"])), Some(FlushMode::Sync));
        assert_eq!(
            parse_flush_mode(&args(&["flushdb", "ASYNC"])),
            Some(FlushMode::Async)
        );
        assert_eq!(
            parse_flush_mode(&args(&["flushdb", "sync"])),
            Some(FlushMode::Sync)
        );
        assert_eq!(parse_flush_mode(&args(&["flushdb", "x"])), None);
        assert_eq!(parse_flush_mode(&args(&["flushdb", "sync", "async"])), None);
    }

    #[test]
    fn scan_loop_bounds() {
        // Stops once `count` elements are gathered.
        let mut out = Vec::new();
        let next = scan_dict_loop(0, 3, &mut out, |cur, o| {
            o.push(cur);
            o.push(cur);
            cur + 1
        });
        assert_eq!((next, out.len()), (2, 4));
        // Gives up after 10 * count + 1 empty calls.
        let mut out: Vec<u64> = Vec::new();
        let mut calls = 0;
        let next = scan_dict_loop(0, 2, &mut out, |cur, _| {
            calls += 1;
            cur + 1
        });
        assert_eq!((next, calls), (21, 21));
        // Stops when the iteration completes.
        let next = scan_dict_loop(5, 100, &mut out, |_, _| 0);
        assert_eq!(next, 0);
    }
}
