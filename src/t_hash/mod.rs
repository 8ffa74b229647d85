//! Hashes. Redis counterpart: t_hash.c (7.0).
//! The encoding-independent hash API (listpack or hashtable) is
//! `oxidis_ds::hash`; this file holds the HSET/HGET/.../HSCAN commands.

use oxidis_ds::dict::Dict;
use oxidis_ds::hash::{Field, HashObj};
use oxidis_ds::listpack::LpEntry;
use oxidis_ds::rand::Rng;
use oxidis_ds::util;

use crate::args::get_range_long_or_reply;
use crate::keyspace::{parse_scan_cursor, scan_dict_loop, ScanOptions};
use crate::networking::client::CLIENT_CLOSE_ASAP;
use crate::networking::Client;
use crate::notify::{NOTIFY_GENERIC, NOTIFY_HASH};
use crate::object::{RObj, Value};
use crate::server::command::CommandProc;
use crate::server::shared;
use crate::server::Server;
use crate::t_set::reply_scan;

fn as_hash_mut(o: &mut RObj) -> Option<&mut HashObj> {
    match &mut o.v {
        Value::Hash(h) => Some(h),
        _ => None,
    }
}

/// Redis: lookupKeyReadOrReply + checkType. Ok(None) for a missing key;
/// Err(()) after replying WRONGTYPE.
fn lookup_read<'a>(
    s: &'a mut Server,
    c: &mut Client,
    key: &[u8],
) -> Result<Option<&'a mut HashObj>, ()> {
    match s.lookup_key(c.db, key, crate::db::LOOKUP_NONE) {
        None => Ok(None),
        Some(o) => match as_hash_mut(o) {
            Some(h) => Ok(Some(h)),
            None => {
                c.add_reply_wrongtype();
                Err(())
            }
        },
    }
}

/// Redis: hashTypeLookupWriteOrCreate — a missing key gets an empty
/// listpack hash (the caller always writes to it). None after WRONGTYPE.
fn lookup_write_or_create<'a>(
    s: &'a mut Server,
    c: &mut Client,
    key: &[u8],
) -> Option<&'a mut HashObj> {
    let db = c.db;
    match s
        .lookup_key_write(db, key)
        .map(|o| as_hash_mut(o).is_some())
    {
        Some(false) => {
            c.add_reply_wrongtype();
            return None;
        }
        Some(true) => {}
        None => {
            let o = s.new_obj(Value::Hash(Box::default()));
            s.db_add(db, key, o);
        }
    }
    s.dbs[db].dict.find_mut(key).and_then(as_hash_mut)
}

/// Limits from the configuration: (hash-max-listpack-entries, -value).
fn limits(s: &Server) -> (usize, usize) {
    (
        s.config.hash_max_listpack_entries,
        s.config.hash_max_listpack_value,
    )
}

// ---------------------------------------------------------------------------
// HSET, HSETNX, HMSET, HINCRBY, HINCRBYFLOAT
// ---------------------------------------------------------------------------

/// Redis: hsetnxCommand.
fn hsetnx_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let (db, key) = (c.db, &argv[1][..]);
    let (maxe, maxv) = limits(s);
    let Some(h) = lookup_write_or_create(s, c, key) else {
        return;
    };
    if h.exists(&argv[2]) {
        return c.add_reply_long(0);
    }
    h.try_conversion(&argv[2..4], maxv);
    h.set(&argv[2], &argv[3], maxe, maxv);
    c.add_reply_long(1);
    s.signal_modified_key(db, key);
    s.notify_keyspace_event(NOTIFY_HASH, "hset", key, db);
    s.dirty += 1;
}

/// Redis: hsetCommand (HSET and HMSET).
fn hset_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if argv.len() % 2 == 1 {
        let name = String::from_utf8_lossy(&argv[0]).to_lowercase();
        return c.add_reply_error(&format!("wrong number of arguments for '{name}' command"));
    }
    let (db, key) = (c.db, &argv[1][..]);
    let (maxe, maxv) = limits(s);
    let Some(h) = lookup_write_or_create(s, c, key) else {
        return;
    };
    h.try_conversion(&argv[2..], maxv);
    let mut created = 0;
    for pair in argv[2..].chunks_exact(2) {
        if !h.set(&pair[0], &pair[1], maxe, maxv) {
            created += 1;
        }
    }
    if matches!(argv[0].get(1), Some(b's' | b'S')) {
        c.add_reply_long(created);
    } else {
        c.add_reply_ok();
    }
    s.signal_modified_key(db, key);
    s.notify_keyspace_event(NOTIFY_HASH, "hset", key, db);
    s.dirty += ((argv.len() - 2) / 2) as i64;
}

/// Redis: hincrbyCommand.
fn hincrby_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(incr) = util::string2ll(&argv[3]) else {
        return c.add_reply_error(shared::NOT_INTEGER);
    };
    let (db, key) = (c.db, &argv[1][..]);
    let (maxe, maxv) = limits(s);
    let Some(h) = lookup_write_or_create(s, c, key) else {
        return;
    };
    let old = match h.get(&argv[2]) {
        None => 0,
        Some(LpEntry::Int(v)) => v,
        Some(LpEntry::Str(b)) => match util::string2ll(b) {
            Some(v) => v,
            None => return c.add_reply_error("hash value is not an integer"),
        },
    };
    let Some(value) = old.checked_add(incr) else {
        return c.add_reply_error(shared::OVERFLOW);
    };
    h.set(&argv[2], util::ll2string(value).as_bytes(), maxe, maxv);
    c.add_reply_long(value);
    s.signal_modified_key(db, key);
    s.notify_keyspace_event(NOTIFY_HASH, "hincrby", key, db);
    s.dirty += 1;
}

/// Redis: hincrbyfloatCommand.
fn hincrbyfloat_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(incr) = util::string2ld(&argv[3]) else {
        return c.add_reply_error(shared::NOT_FLOAT);
    };
    if incr.is_nan() || incr.is_infinite() {
        return c.add_reply_error("value is NaN or Infinity");
    }
    let (db, key) = (c.db, &argv[1][..]);
    let (maxe, maxv) = limits(s);
    let Some(h) = lookup_write_or_create(s, c, key) else {
        return;
    };
    let old = match h.get(&argv[2]) {
        None => 0.0,
        Some(LpEntry::Int(v)) => v as f64,
        Some(LpEntry::Str(b)) => match util::string2ld(b) {
            Some(v) => v,
            None => return c.add_reply_error("hash value is not a float"),
        },
    };
    let value = old + incr;
    if value.is_nan() || value.is_infinite() {
        return c.add_reply_error("increment would produce NaN or Infinity");
    }
    let text = util::ld2string(value, true);
    h.set(&argv[2], text.as_bytes(), maxe, maxv);
    c.add_reply_bulk(text.as_bytes());
    s.signal_modified_key(db, key);
    s.notify_keyspace_event(NOTIFY_HASH, "hincrbyfloat", key, db);
    s.dirty += 1;
    // Redis: propagated as HSET with the result, so replicas do not redo the
    // float arithmetic.
    crate::replication::rewrite_with(s, c, || {
        vec![
            b"HSET".to_vec(),
            argv[1].clone(),
            argv[2].clone(),
            text.into_bytes(),
        ]
    });
}

// ---------------------------------------------------------------------------
// HGET, HMGET, HDEL, HLEN, HSTRLEN, HEXISTS, HKEYS, HVALS, HGETALL
// ---------------------------------------------------------------------------

/// Redis: hgetCommand.
fn hget_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    match lookup_read(s, c, &argv[1]) {
        Err(()) => {}
        Ok(None) => c.add_reply_null(),
        Ok(Some(h)) => match h.get(&argv[2]) {
            Some(e) => c.add_reply_lp_entry(e),
            None => c.add_reply_null(),
        },
    }
}

/// Redis: hmgetCommand — a missing key answers nulls.
fn hmget_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Ok(h) = lookup_read(s, c, &argv[1]) else {
        return;
    };
    c.add_reply_array_len(argv.len() - 2);
    for f in &argv[2..] {
        match h.as_ref().and_then(|h| h.get(f)) {
            Some(e) => c.add_reply_lp_entry(e),
            None => c.add_reply_null(),
        }
    }
}

/// Redis: hdelCommand.
fn hdel_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let (db, key) = (c.db, &argv[1][..]);
    let mut deleted = 0;
    let mut emptied = false;
    match s.lookup_key_write(db, key) {
        None => return c.add_reply_long(0),
        Some(o) => {
            let Some(h) = as_hash_mut(o) else {
                return c.add_reply_wrongtype();
            };
            for f in &argv[2..] {
                if h.delete(f) {
                    deleted += 1;
                    if h.is_empty() {
                        emptied = true;
                        break;
                    }
                }
            }
        }
    }
    if deleted > 0 {
        if emptied {
            s.db_delete(db, key);
        }
        s.signal_modified_key(db, key);
        s.notify_keyspace_event(NOTIFY_HASH, "hdel", key, db);
        if emptied {
            s.notify_keyspace_event(NOTIFY_GENERIC, "del", key, db);
        }
        s.dirty += deleted as i64;
    }
    c.add_reply_long(deleted as i64);
}

/// Redis: hlenCommand.
fn hlen_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    match lookup_read(s, c, &argv[1]) {
        Err(()) => {}
        Ok(None) => c.add_reply_long(0),
        Ok(Some(h)) => c.add_reply_long(h.len() as i64),
    }
}

/// Redis: hstrlenCommand.
fn hstrlen_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    match lookup_read(s, c, &argv[1]) {
        Err(()) => {}
        Ok(None) => c.add_reply_long(0),
        Ok(Some(h)) => c.add_reply_long(h.get(&argv[2]).map_or(0, |e| e.str_len()) as i64),
    }
}

/// Redis: hexistsCommand.
fn hexists_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    match lookup_read(s, c, &argv[1]) {
        Err(()) => {}
        Ok(None) => c.add_reply_long(0),
        Ok(Some(h)) => c.add_reply_long(i64::from(h.exists(&argv[2]))),
    }
}

/// Redis: genericHgetallCommand — a map for HGETALL, arrays otherwise.
fn generic_hgetall_command(
    s: &mut Server,
    c: &mut Client,
    argv: &[Vec<u8>],
    keys: bool,
    vals: bool,
) {
    let both = keys && vals;
    let h = match lookup_read(s, c, &argv[1]) {
        Err(()) => return,
        Ok(None) if both => return c.add_reply_map_len(0),
        Ok(None) => return c.add_reply_array_len(0),
        Ok(Some(h)) => h,
    };
    if both {
        c.add_reply_map_len(h.len());
    } else {
        c.add_reply_array_len(h.len());
    }
    for (f, v) in h.iter() {
        if keys {
            c.add_reply_lp_entry(f);
        }
        if vals {
            c.add_reply_lp_entry(v);
        }
    }
}

fn hkeys_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    generic_hgetall_command(s, c, argv, true, false);
}

fn hvals_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    generic_hgetall_command(s, c, argv, false, true);
}

fn hgetall_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    generic_hgetall_command(s, c, argv, true, true);
}

// ---------------------------------------------------------------------------
// HSCAN, HRANDFIELD
// ---------------------------------------------------------------------------

/// Redis: hscanCommand + scanGenericCommand for a hash: field/value pairs,
/// MATCH filtering on the field. A listpack is returned whole with cursor 0.
fn hscan_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(cursor) = parse_scan_cursor(&argv[2]) else {
        return c.add_reply_error("invalid cursor");
    };
    let h = match lookup_read(s, c, &argv[1]) {
        Err(()) => return,
        Ok(None) => return reply_scan(c, 0, &[]),
        Ok(Some(h)) => h,
    };
    let opts = match ScanOptions::parse(&argv[3..], false) {
        Ok(o) => o,
        Err(e) => return e.reply(c),
    };
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let cursor = match &*h {
        HashObj::Ht(d) => {
            // The loop counts pairs; Redis counts list entries (two per
            // pair), so halve COUNT's effect by asking for count/2 pairs.
            scan_dict_loop(cursor, opts.count.div_ceil(2), &mut pairs, |cur, out| {
                d.scan(cur, |k, v| out.push((k.to_vec(), v.to_vec())))
            })
        }
        HashObj::Listpack(_) => {
            pairs.extend(h.iter().map(|(f, v)| (f.to_vec(), v.to_vec())));
            0
        }
    };
    let mut out = Vec::with_capacity(pairs.len() * 2);
    for (f, v) in pairs {
        if opts.matches(&f) {
            out.push(f);
            out.push(v);
        }
    }
    reply_scan(c, cursor, &out);
}

/// Redis: HRANDFIELD_SUB_STRATEGY_MUL.
const HRANDFIELD_SUB_STRATEGY_MUL: usize = 3;
/// Redis: HRANDFIELD_RANDOM_SAMPLE_LIMIT — negative counts are served in
/// batches of at most this many draws.
const HRANDFIELD_RANDOM_SAMPLE_LIMIT: usize = 1000;

/// One field (and value) of HRANDFIELD's reply: RESP3 nests pairs.
fn reply_pair(c: &mut Client, f: LpEntry<'_>, v: LpEntry<'_>, withvalues: bool) {
    if withvalues && c.resp > 2 {
        c.add_reply_array_len(2);
    }
    c.add_reply_lp_entry(f);
    if withvalues {
        c.add_reply_lp_entry(v);
    }
}

/// Redis: hrandfieldCommand.
fn hrandfield_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let mut rng = Rng::from_thread();
    if argv.len() >= 3 {
        let Some(l) = get_range_long_or_reply(c, &argv[2], -i64::MAX, i64::MAX, None) else {
            return;
        };
        let withvalues = argv.len() == 4;
        if argv.len() > 4 || (withvalues && !argv[3].eq_ignore_ascii_case(b"withvalues")) {
            return c.add_reply_syntax_err();
        }
        if withvalues && !(-i64::MAX / 2..=i64::MAX / 2).contains(&l) {
            return c.add_reply_error("value is out of range");
        }
        return hrandfield_with_count_command(s, c, argv, l, withvalues, &mut rng);
    }
    match lookup_read(s, c, &argv[1]) {
        Err(()) => {}
        Ok(None) => c.add_reply_null(),
        Ok(Some(h)) => {
            let (f, _) = h.random_element(&mut rng);
            c.add_reply_lp_entry(f);
        }
    }
}

/// Redis: hrandfieldWithCountCommand and its four cases.
fn hrandfield_with_count_command(
    s: &mut Server,
    c: &mut Client,
    argv: &[Vec<u8>],
    l: i64,
    withvalues: bool,
    rng: &mut Rng,
) {
    let h = match lookup_read(s, c, &argv[1]) {
        Err(()) => return,
        Ok(None) => return c.add_reply_array_len(0),
        Ok(Some(h)) => h,
    };
    let size = h.len();
    let (count, uniq) = (l.unsigned_abs() as usize, l >= 0);
    if count == 0 {
        return c.add_reply_array_len(0);
    }
    let flat = withvalues && c.resp == 2;

    // CASE 1: negative count: independent draws, repeats allowed.
    if !uniq || count == 1 {
        c.add_reply_array_len(if flat { count * 2 } else { count });
        match h {
            HashObj::Ht(_) => {
                for _ in 0..count {
                    let (f, v) = h.random_element(rng);
                    reply_pair(c, f, v, withvalues);
                    if c.flags & CLIENT_CLOSE_ASAP != 0 {
                        break;
                    }
                }
            }
            HashObj::Listpack(lp) => {
                let mut left = count;
                while left > 0 {
                    let n = left.min(HRANDFIELD_RANDOM_SAMPLE_LIMIT);
                    left -= n;
                    for (f, v) in HashObj::lp_random_pairs(lp, n, rng) {
                        reply_pair(c, f, v, withvalues);
                    }
                    if c.flags & CLIENT_CLOSE_ASAP != 0 {
                        break;
                    }
                }
            }
        }
        return;
    }

    let reply_size = count.min(size);
    c.add_reply_array_len(if flat { reply_size * 2 } else { reply_size });

    // CASE 2: the whole hash.
    if count >= size {
        for (f, v) in h.iter() {
            reply_pair(c, f, v, withvalues);
        }
        return;
    }

    // CASE 3: copy the hash, then remove random fields down to count.
    if count * HRANDFIELD_SUB_STRATEGY_MUL > size {
        let mut d: Dict<Field, Field> = Dict::with_capacity(size);
        for (f, v) in h.iter() {
            let _ = d.add(f.to_vec().into(), v.to_vec().into());
        }
        while d.len() > count {
            let k = d.random_entry().expect("non-empty").0.clone();
            d.remove(&k);
        }
        for (f, v) in d.iter() {
            reply_pair(c, LpEntry::Str(f), LpEntry::Str(v), withvalues);
        }
        return;
    }

    // CASE 4: sample until count distinct fields were found.
    match h {
        HashObj::Listpack(lp) => {
            for (f, v) in HashObj::lp_random_pairs_unique(lp, count, rng) {
                reply_pair(c, f, v, withvalues);
            }
        }
        HashObj::Ht(_) => {
            let mut seen: Dict<Field, ()> = Dict::with_capacity(count);
            while seen.len() < count {
                let (f, v) = h.random_element(rng);
                if seen.add(f.to_vec().into(), ()).is_ok() {
                    reply_pair(c, f, v, withvalues);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// DEBUG DIGEST
// ---------------------------------------------------------------------------

/// Redis: the OBJ_HASH arm of xorObjectDigest — each pair is mixed in
/// order (field, then value), and the SHA1s of the pair digests are xor-ed
/// together (Redis: xorDigest(digest, eledigest, 20)).
pub fn digest(digest: &mut [u8; 20], h: &HashObj) {
    for (f, v) in h.iter() {
        let mut ele = [0u8; 20];
        crate::debug::mix_digest(&mut ele, &f.to_vec());
        crate::debug::mix_digest(&mut ele, &v.to_vec());
        crate::debug::xor_digest(digest, &ele);
    }
}

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("hset", hset_command),
    ("hmset", hset_command),
    ("hsetnx", hsetnx_command),
    ("hget", hget_command),
    ("hmget", hmget_command),
    ("hdel", hdel_command),
    ("hlen", hlen_command),
    ("hstrlen", hstrlen_command),
    ("hexists", hexists_command),
    ("hkeys", hkeys_command),
    ("hvals", hvals_command),
    ("hgetall", hgetall_command),
    ("hincrby", hincrby_command),
    ("hincrbyfloat", hincrbyfloat_command),
    ("hrandfield", hrandfield_command),
    ("hscan", hscan_command),
];
