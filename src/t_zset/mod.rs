//! Sorted sets. Redis counterpart: t_zset.c (7.0).
//!
//! The structure is oxidis-ds's: `oxidis_ds::skiplist` ("Skiplist
//! implementation of the low level API"), `oxidis_ds::zset::listpack`
//! ("Listpack-backed sorted set API") and `oxidis_ds::zset`, the
//! encoding-independent API ("Common sorted set API"). Here: this file the
//! "Sorted set commands" (ZADD, ZREM, ZCARD, ZSCORE, ZRANK, ZCOUNT, ZPOP*,
//! ZMPOP, ZRANDMEMBER, ZSCAN, ...), `range.rs` the ZRANGE family and
//! ZREMRANGEBY*, `setops.rs` ZUNION/ZINTER/ZDIFF(+STORE) and ZINTERCARD,
//! `blocking.rs` BZPOPMIN/BZPOPMAX/BZMPOP.
//! Divergences: skiplist nodes live in an arena addressed by index; the
//! value sits behind an `Arc` so a snapshot shares it until the next write.

pub mod blocking;
pub mod range;
pub mod setops;

use std::sync::Arc;

use oxidis_ds::util;
use oxidis_ds::zset::{AddFlags, AddOut, Limits, ZSet};

use crate::args::{get_double_or_reply, get_long_or_reply};
use crate::networking::Client;
use crate::object::{RObj, Value};
use crate::server::command::CommandProc;
use crate::server::shared;
use crate::server::Server;

pub const ERR_NAN: &str = "resulting score is not a number (NaN)";
pub const ERR_MINMAX_FLOAT: &str = "min or max is not a float";
pub const ERR_MINMAX_LEX: &str = "min or max not valid string range item";

// ---------------------------------------------------------------------------
// Helpers shared by the command files
// ---------------------------------------------------------------------------

/// The configured conversion limits.
pub fn limits(s: &Server) -> Limits {
    Limits {
        max_entries: s.config.zset_max_listpack_entries,
        max_value: s.config.zset_max_listpack_value,
    }
}

/// The outcome of looking a sorted set key up.
pub enum Lookup<T> {
    Missing,
    WrongType,
    Found(T),
}

/// Redis: lookupKeyRead + checkType(OBJ_ZSET).
pub fn zset_read<'a>(s: &'a mut Server, db: usize, key: &[u8]) -> Lookup<&'a ZSet> {
    match s.lookup_key_read(db, key) {
        None => Lookup::Missing,
        Some(o) => match &o.v {
            Value::ZSet(z) => Lookup::Found(&**z),
            _ => Lookup::WrongType,
        },
    }
}

/// Redis: lookupKeyWrite + checkType(OBJ_ZSET). The value is unshared
/// from any snapshot.
pub fn zset_write<'a>(s: &'a mut Server, db: usize, key: &[u8]) -> Lookup<&'a mut ZSet> {
    match s.lookup_key_write(db, key) {
        None => Lookup::Missing,
        Some(o) => match &mut o.v {
            Value::ZSet(z) => Lookup::Found(Arc::make_mut(z)),
            _ => Lookup::WrongType,
        },
    }
}

/// The sorted set at `key`, with no expiry check or stats: for a key the
/// command already looked up.
pub fn zset_mut<'a>(s: &'a mut Server, db: usize, key: &[u8]) -> Option<&'a mut ZSet> {
    match &mut s.dbs[db].dict.find_mut(key)?.v {
        Value::ZSet(z) => Some(Arc::make_mut(z)),
        _ => None,
    }
}

pub fn new_obj(s: &Server, z: ZSet) -> RObj {
    s.new_obj(Value::ZSet(Arc::new(z)))
}

/// Deletes the key if the sorted set became empty. Returns whether it did.
pub fn delete_if_empty(s: &mut Server, db: usize, key: &[u8]) -> bool {
    let empty = matches!(s.dbs[db].dict.get(key), Some(o) if matches!(&o.v, Value::ZSet(z) if z.is_empty()));
    if empty {
        s.db_delete(db, key);
        s.notify_keyspace_event(crate::notify::NOTIFY_GENERIC, "del", key, db);
    }
    empty
}

/// Redis: xorObjectDigest's sorted set branch — each member's digest is
/// its bytes then its score as "%.17g", xored into the key's digest.
pub fn digest(d: &mut [u8; 20], z: &ZSet) {
    z.for_each(|e, score| {
        let mut ed = [0u8; 20];
        crate::debug::mix_digest(&mut ed, e);
        crate::debug::mix_digest(&mut ed, util::fmt_g17(score).as_bytes());
        // Redis: xorDigest(digest, eledigest) — xors in the SHA1 of the
        // element digest, not the digest itself.
        crate::debug::xor_digest(d, &ed);
    });
}

// ---------------------------------------------------------------------------
// Sorted set commands
// ---------------------------------------------------------------------------

/// Redis: zaddGenericCommand.
fn zadd_generic_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>], mut f: AddFlags) {
    let mut ch = false;
    let mut scoreidx = 2;
    while scoreidx < argv.len() {
        let o = &argv[scoreidx];
        if o.eq_ignore_ascii_case(b"nx") {
            f.nx = true;
        } else if o.eq_ignore_ascii_case(b"xx") {
            f.xx = true;
        } else if o.eq_ignore_ascii_case(b"ch") {
            ch = true;
        } else if o.eq_ignore_ascii_case(b"incr") {
            f.incr = true;
        } else if o.eq_ignore_ascii_case(b"gt") {
            f.gt = true;
        } else if o.eq_ignore_ascii_case(b"lt") {
            f.lt = true;
        } else {
            break;
        }
        scoreidx += 1;
    }
    let elements = argv.len() - scoreidx;
    if !elements.is_multiple_of(2) || elements == 0 {
        return c.add_reply_syntax_err();
    }
    let elements = elements / 2;
    if f.nx && f.xx {
        return c.add_reply_error("XX and NX options at the same time are not compatible");
    }
    if (f.nx && (f.gt || f.lt)) || (f.gt && f.lt) {
        return c.add_reply_error("GT, LT, and/or NX options at the same time are not compatible");
    }
    if f.incr && elements > 1 {
        return c.add_reply_error("INCR option supports a single increment-element pair");
    }
    // Every score is parsed before anything changes, as Redis does. The
    // common single pair needs no heap buffer.
    let mut one = [0.0f64; 1];
    let mut many = Vec::new();
    let scores: &mut [f64] = if elements == 1 {
        &mut one
    } else {
        many.resize(elements, 0.0);
        &mut many
    };
    for (j, slot) in scores.iter_mut().enumerate() {
        let Some(v) = get_double_or_reply(c, &argv[scoreidx + j * 2], None) else {
            return;
        };
        *slot = v;
    }
    let db = c.db;
    let key = &argv[1];
    let l = limits(s);
    let (mut added, mut updated, mut processed) = (0i64, 0i64, 0);
    let mut score = 0.0;
    let mut nan = false;
    // An existing key is looked up once; a new one is created and then found.
    let z = match zset_write(s, db, key) {
        Lookup::WrongType => return c.add_reply_wrongtype(),
        Lookup::Missing if f.xx => None,
        Lookup::Found(z) => Some(z),
        Lookup::Missing => {
            let z = if l.max_entries == 0 || l.max_value < argv[scoreidx + 1].len() {
                ZSet::new_skiplist()
            } else {
                ZSet::new_listpack()
            };
            let o = new_obj(s, z);
            s.db_add(db, key, o);
            zset_mut(s, db, key)
        }
    };
    match z {
        None => {}
        Some(z) => {
            for (j, &sc) in scores.iter().enumerate() {
                let ele = &argv[scoreidx + 1 + j * 2];
                match z.add(sc, ele, f, l) {
                    AddOut::Nan => {
                        nan = true;
                        break;
                    }
                    AddOut::Nop => {}
                    AddOut::Added(n) => {
                        added += 1;
                        processed += 1;
                        score = n;
                    }
                    AddOut::Updated(n) => {
                        updated += 1;
                        processed += 1;
                        score = n;
                    }
                    AddOut::Same(n) => {
                        processed += 1;
                        score = n;
                    }
                }
            }
            s.dirty += added + updated;
        }
    }
    if nan {
        c.add_reply_error(ERR_NAN);
    } else if f.incr {
        if processed > 0 {
            c.add_reply_double(score);
        } else {
            c.add_reply_null();
        }
    } else {
        c.add_reply_long(if ch { added + updated } else { added });
    }
    if added > 0 || updated > 0 {
        s.signal_modified_key(db, key);
        let event = if f.incr { "zincr" } else { "zadd" };
        s.notify_keyspace_event(crate::notify::NOTIFY_ZSET, event, key, db);
    }
}

pub fn zadd_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    zadd_generic_command(s, c, argv, AddFlags::default())
}

fn zincrby_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    zadd_generic_command(
        s,
        c,
        argv,
        AddFlags {
            incr: true,
            ..Default::default()
        },
    )
}

/// Redis: zremCommand.
fn zrem_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let db = c.db;
    let key = &argv[1];
    let z = match zset_write(s, db, key) {
        Lookup::Missing => return c.add_reply_long(0),
        Lookup::WrongType => return c.add_reply_wrongtype(),
        Lookup::Found(z) => z,
    };
    let mut deleted = 0;
    for m in &argv[2..] {
        if z.del(m) {
            deleted += 1;
        }
        if z.is_empty() {
            break;
        }
    }
    if deleted > 0 {
        s.notify_keyspace_event(crate::notify::NOTIFY_ZSET, "zrem", key, db);
        delete_if_empty(s, db, key);
        s.signal_modified_key(db, key);
        s.dirty += deleted;
    }
    c.add_reply_long(deleted);
}

fn zcard_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    match zset_read(s, c.db, &argv[1]) {
        Lookup::Missing => c.add_reply_long(0),
        Lookup::WrongType => c.add_reply_wrongtype(),
        Lookup::Found(z) => c.add_reply_long(z.len() as i64),
    }
}

fn zscore_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    match zset_read(s, c.db, &argv[1]) {
        Lookup::Missing => c.add_reply_null(),
        Lookup::WrongType => c.add_reply_wrongtype(),
        Lookup::Found(z) => match z.score(&argv[2]) {
            Some(v) => c.add_reply_double(v),
            None => c.add_reply_null(),
        },
    }
}

fn zmscore_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let z = match zset_read(s, c.db, &argv[1]) {
        Lookup::Missing => None,
        Lookup::WrongType => return c.add_reply_wrongtype(),
        Lookup::Found(z) => Some(z),
    };
    c.add_reply_array_len(argv.len() - 2);
    for m in &argv[2..] {
        match z.and_then(|z| z.score(m)) {
            Some(v) => c.add_reply_double(v),
            None => c.add_reply_null(),
        }
    }
}

fn zrank_generic_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>], reverse: bool) {
    match zset_read(s, c.db, &argv[1]) {
        Lookup::Missing => c.add_reply_null(),
        Lookup::WrongType => c.add_reply_wrongtype(),
        Lookup::Found(z) => match z.rank(&argv[2], reverse) {
            Some(r) => c.add_reply_long(r as i64),
            None => c.add_reply_null(),
        },
    }
}

fn zrank_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    zrank_generic_command(s, c, argv, false)
}

fn zrevrank_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    zrank_generic_command(s, c, argv, true)
}

/// Redis: zscanCommand + scanGenericCommand on a sorted set.
fn zscan_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(cursor) = crate::keyspace::parse_scan_cursor(&argv[2]) else {
        return c.add_reply_error("invalid cursor");
    };
    let z = match zset_read(s, c.db, &argv[1]) {
        Lookup::Missing => {
            c.add_reply_array_len(2);
            c.add_reply_bulk(b"0");
            return c.add_reply_array_len(0);
        }
        Lookup::WrongType => return c.add_reply_wrongtype(),
        Lookup::Found(z) => z,
    };
    let opts = match crate::keyspace::ScanOptions::parse(&argv[3..], false) {
        Ok(o) => o,
        Err(e) => return e.reply(c),
    };
    let mut out: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let next = match z {
        ZSet::Listpack(lp) => {
            let mut e = lp.first();
            while let Some(eptr) = e {
                let sptr = oxidis_ds::zset::listpack::score_of(lp, eptr);
                out.push((lp.get(eptr).to_vec(), lp.get(sptr).to_vec()));
                e = lp.next(sptr);
            }
            0
        }
        ZSet::Skiplist(zs) => {
            let dict = &zs.dict;
            crate::keyspace::scan_dict_loop(cursor, opts.count, &mut out, |cur, out| {
                dict.scan(cur, |k, v| {
                    out.push((k.to_vec(), util::fmt_g17(*v).into_bytes()))
                })
            })
        }
    };
    out.retain(|(k, _)| opts.matches(k));
    c.add_reply_array_len(2);
    c.add_reply_bulk(next.to_string().as_bytes());
    c.add_reply_array_len(out.len() * 2);
    for (k, v) in &out {
        c.add_reply_bulk(k);
        c.add_reply_bulk(v);
    }
}

/// Pops from the first non-empty sorted set among `keys`.
/// Redis: genericZpopCommand. `count` None is the plain single pop. Returns
/// the key popped from and how many members it had, capped at the count (what
/// the replicated ZPOPMIN/ZPOPMAX count is).
#[allow(clippy::too_many_arguments)]
pub fn generic_zpop_command(
    s: &mut Server,
    c: &mut Client,
    keys: &[Vec<u8>],
    max: bool,
    emitkey: bool,
    count: Option<usize>,
    use_nested_array: bool,
    reply_nil_when_empty: bool,
) -> Option<(Vec<u8>, usize)> {
    let db = c.db;
    let mut found = None;
    for key in keys {
        match zset_write(s, db, key) {
            Lookup::Missing => continue,
            Lookup::WrongType => {
                c.add_reply_wrongtype();
                return None;
            }
            Lookup::Found(_) => {
                found = Some(key);
                break;
            }
        }
    }
    let Some(key) = found else {
        if reply_nil_when_empty {
            c.add_reply_null_array();
        } else {
            c.add_reply_array_len(0);
        }
        return None;
    };
    if count == Some(0) {
        c.add_reply_array_len(0);
        return None;
    }
    let z = zset_mut(s, db, key).expect("looked up");
    let count = count.unwrap_or(1);
    let rangelen = count.min(z.len());
    match (use_nested_array, emitkey) {
        (false, false) => c.add_reply_array_len(rangelen * 2),
        (true, false) => c.add_reply_array_len(rangelen),
        (false, true) => {
            c.add_reply_array_len(rangelen * 2 + 1);
            c.add_reply_bulk(key);
        }
        (true, true) => {
            c.add_reply_array_len(2);
            c.add_reply_bulk(key);
            c.add_reply_array_len(rangelen);
        }
    }
    for _ in 0..rangelen {
        let cur = z.cursor_at_rank(0, max);
        let (ele, score) = {
            let (e, sc) = z.get(cur).expect("non-empty");
            (e.into_owned(), sc)
        };
        z.del(&ele);
        if use_nested_array {
            c.add_reply_array_len(2);
        }
        c.add_reply_bulk(&ele);
        c.add_reply_double(score);
    }
    s.dirty += rangelen as i64;
    s.signal_modified_key(db, key);
    let event = if max { "zpopmax" } else { "zpopmin" };
    s.notify_keyspace_event(crate::notify::NOTIFY_ZSET, event, key, db);
    delete_if_empty(s, db, key);
    Some((key.clone(), rangelen))
}

/// ZPOPMIN or ZPOPMAX, the form the blocking and multi-key pops replicate as.
pub fn zpop_cmd(max: bool) -> Vec<u8> {
    if max {
        b"ZPOPMAX".to_vec()
    } else {
        b"ZPOPMIN".to_vec()
    }
}

/// Redis: zpopMinMaxCommand.
fn zpop_min_max_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>], max: bool) {
    if argv.len() > 3 {
        return c.add_reply_syntax_err();
    }
    let mut count = None;
    if argv.len() == 3 {
        let Some(n) = get_long_or_reply(c, &argv[2], None) else {
            return;
        };
        if n < 0 {
            return c.add_reply_error(shared::NOT_POSITIVE);
        }
        count = Some(n as usize);
    }
    let nested = c.resp > 2 && count.is_some();
    generic_zpop_command(s, c, &argv[1..2], max, false, count, nested, false);
}

fn zpopmin_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    zpop_min_max_command(s, c, argv, false)
}

fn zpopmax_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    zpop_min_max_command(s, c, argv, true)
}

/// Parsed ZMPOP/BZMPOP arguments.
pub struct MpopArgs {
    pub first_key: usize,
    pub numkeys: usize,
    pub max: bool,
    pub count: usize,
}

/// Redis: the parsing half of zmpopGenericCommand.
pub fn parse_zmpop_args(c: &mut Client, argv: &[Vec<u8>], numkeys_idx: usize) -> Option<MpopArgs> {
    let numkeys = match util::string2ll(&argv[numkeys_idx]) {
        Some(n) if n >= 1 => n as usize,
        _ => {
            c.add_reply_error("numkeys should be greater than 0");
            return None;
        }
    };
    let where_idx = numkeys_idx.checked_add(numkeys)?.checked_add(1)?;
    if where_idx >= argv.len() {
        c.add_reply_syntax_err();
        return None;
    }
    let max = if argv[where_idx].eq_ignore_ascii_case(b"min") {
        false
    } else if argv[where_idx].eq_ignore_ascii_case(b"max") {
        true
    } else {
        c.add_reply_syntax_err();
        return None;
    };
    let mut count: i64 = -1;
    let mut j = where_idx + 1;
    while j < argv.len() {
        let moreargs = argv.len() - 1 - j;
        if count == -1 && argv[j].eq_ignore_ascii_case(b"count") && moreargs > 0 {
            j += 1;
            match util::string2ll(&argv[j]) {
                Some(n) if n >= 1 => count = n,
                _ => {
                    c.add_reply_error("count should be greater than 0");
                    return None;
                }
            }
        } else {
            c.add_reply_syntax_err();
            return None;
        }
        j += 1;
    }
    Some(MpopArgs {
        first_key: numkeys_idx + 1,
        numkeys,
        max,
        count: if count == -1 { 1 } else { count as usize },
    })
}

fn zmpop_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(a) = parse_zmpop_args(c, argv, 1) else {
        return;
    };
    let keys = &argv[a.first_key..a.first_key + a.numkeys];
    // Redis: ZMPOP always replicates as ZPOPMIN/ZPOPMAX key count.
    if let Some((key, n)) = generic_zpop_command(s, c, keys, a.max, true, Some(a.count), true, true)
    {
        crate::replication::rewrite_with(s, c, || {
            vec![zpop_cmd(a.max), key, n.to_string().into_bytes()]
        });
    }
}

/// Redis: zrandmemberCommand + zrandmemberWithCountCommand.
fn zrandmember_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if argv.len() >= 3 {
        let Some(l) = get_long_or_reply(c, &argv[2], None) else {
            return;
        };
        if l == i64::MIN {
            return c.add_reply_error(&format!(
                "value is out of range, value must between {} and {}",
                -i64::MAX,
                i64::MAX
            ));
        }
        let withscores = argv.len() == 4 && argv[3].eq_ignore_ascii_case(b"withscores");
        if argv.len() > 4 || (argv.len() == 4 && !withscores) {
            return c.add_reply_syntax_err();
        }
        return zrandmember_with_count(s, c, argv, l, withscores);
    }
    match zset_write_noexpire_read(s, c.db, &argv[1]) {
        Lookup::Missing => c.add_reply_null(),
        Lookup::WrongType => c.add_reply_wrongtype(),
        Lookup::Found(z) => match z.random_element() {
            Some((e, _)) => c.add_reply_bulk(&e),
            None => c.add_reply_null(),
        },
    }
}

/// A read lookup that hands out `&mut` (random sampling of the dict may
/// rehash a step), without unsharing the value unless needed.
fn zset_write_noexpire_read<'a>(s: &'a mut Server, db: usize, key: &[u8]) -> Lookup<&'a mut ZSet> {
    match s.lookup_key_read(db, key) {
        None => return Lookup::Missing,
        Some(o) if !matches!(o.v, Value::ZSet(_)) => return Lookup::WrongType,
        Some(_) => {}
    }
    match zset_mut(s, db, key) {
        Some(z) => Lookup::Found(z),
        None => Lookup::Missing,
    }
}

fn zrandmember_with_count(
    s: &mut Server,
    c: &mut Client,
    argv: &[Vec<u8>],
    l: i64,
    withscores: bool,
) {
    let (count, uniq) = if l >= 0 {
        (l as u64, true)
    } else {
        (l.unsigned_abs(), false)
    };
    if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
        return c.add_reply_error("value is out of range");
    }
    let z = match zset_write_noexpire_read(s, c.db, &argv[1]) {
        Lookup::Missing => return c.add_reply_array_len(0),
        Lookup::WrongType => return c.add_reply_wrongtype(),
        Lookup::Found(z) => z,
    };
    let size = z.len() as u64;
    if count == 0 {
        return c.add_reply_array_len(0);
    }
    let emit = |c: &mut Client, e: &[u8], sc: f64| {
        if withscores && c.resp > 2 {
            c.add_reply_array_len(2);
        }
        c.add_reply_bulk(e);
        if withscores {
            c.add_reply_double(sc);
        }
    };
    let arr = |c: &mut Client, n: u64| {
        if withscores && c.resp == 2 {
            c.add_reply_array_len(n as usize * 2);
        } else {
            c.add_reply_array_len(n as usize);
        }
    };
    // Case 1: repetitions allowed.
    if !uniq || count == 1 {
        arr(c, count);
        for _ in 0..count {
            let (e, sc) = z.random_element().expect("non-empty");
            emit(c, &e, sc);
        }
        return;
    }
    // Case 2: the whole set.
    if count >= size {
        arr(c, size);
        let mut all = Vec::with_capacity(size as usize);
        z.for_each(|e, sc| all.push((e.to_vec(), sc)));
        for (e, sc) in all {
            emit(c, &e, sc);
        }
        return;
    }
    // Cases 3/4: distinct members — sample indexes without repetition.
    let mut all: Vec<(Vec<u8>, f64)> = Vec::with_capacity(size as usize);
    z.for_each(|e, sc| all.push((e.to_vec(), sc)));
    let n = all.len();
    for i in 0..count as usize {
        let j = i + oxidis_ds::rand::random_below(n - i);
        all.swap(i, j);
    }
    arr(c, count);
    for (e, sc) in all.iter().take(count as usize) {
        emit(c, e, *sc);
    }
}

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("zadd", zadd_command),
    ("zincrby", zincrby_command),
    ("zrem", zrem_command),
    ("zcard", zcard_command),
    ("zscore", zscore_command),
    ("zmscore", zmscore_command),
    ("zrank", zrank_command),
    ("zrevrank", zrevrank_command),
    ("zscan", zscan_command),
    ("zpopmin", zpopmin_command),
    ("zpopmax", zpopmax_command),
    ("zmpop", zmpop_command),
    ("zrandmember", zrandmember_command),
    ("zrange", range::zrange_command),
    ("zrangestore", range::zrangestore_command),
    ("zrevrange", range::zrevrange_command),
    ("zrangebyscore", range::zrangebyscore_command),
    ("zrevrangebyscore", range::zrevrangebyscore_command),
    ("zrangebylex", range::zrangebylex_command),
    ("zrevrangebylex", range::zrevrangebylex_command),
    ("zcount", range::zcount_command),
    ("zlexcount", range::zlexcount_command),
    ("zremrangebyrank", range::zremrangebyrank_command),
    ("zremrangebyscore", range::zremrangebyscore_command),
    ("zremrangebylex", range::zremrangebylex_command),
    ("zunion", setops::zunion_command),
    ("zinter", setops::zinter_command),
    ("zdiff", setops::zdiff_command),
    ("zunionstore", setops::zunionstore_command),
    ("zinterstore", setops::zinterstore_command),
    ("zdiffstore", setops::zdiffstore_command),
    ("zintercard", setops::zintercard_command),
    ("bzpopmin", blocking::bzpopmin_command),
    ("bzpopmax", blocking::bzpopmax_command),
    ("bzmpop", blocking::bzmpop_command),
];
