//! Lists. Redis counterpart: t_list.c (7.0).
//!
//! The quicklist itself is `oxidis_ds::quicklist` (Redis: quicklist.c); this
//! file holds the list API and the non-blocking list commands, `blocking.rs` the blocking
//! ones (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) and the code that serves
//! a blocked client when its key gets data (Redis: serveClientBlockedOnList).
//! The generic blocking machinery is in `crate::blocked`.
//!
//! Redis 7.0 stores every list as a quicklist (the `listpack` list encoding
//! arrived in 7.2), so `OBJECT ENCODING` always answers `quicklist`.

pub mod blocking;

use std::sync::Arc;

use oxidis_ds::listpack::LpEntry;
use oxidis_ds::quicklist::{self, End, Quicklist};
use oxidis_ds::util;

use crate::args::{get_long_or_reply, get_positive_long_or_reply, get_range_long_or_reply};
use crate::networking::Client;
use crate::object::Value;
use crate::server::command::CommandProc;
use crate::server::shared;
use crate::server::Server;

// ---------------------------------------------------------------------------
// List API
// ---------------------------------------------------------------------------

/// Redis: createQuicklistObject + quicklistSetOptions from the config.
pub fn new_list(s: &Server) -> Value {
    Value::List(Arc::new(Quicklist::new(
        s.config.list_max_listpack_size,
        s.config.list_compress_depth,
    )))
}

/// Keyspace notification for list events (Redis: notifyKeyspaceEvent).
pub(crate) fn notify_list(s: &mut Server, event: &str, key: &[u8], db: usize) {
    s.notify_keyspace_event(crate::notify::NOTIFY_LIST, event, key, db);
}

/// The outcome of looking a list key up.
pub(crate) enum Lookup<T> {
    Missing,
    WrongType,
    Found(T),
}

/// Read lookup (Redis: lookupKeyRead + checkType).
pub(crate) fn lookup_read<'a>(s: &'a mut Server, db: usize, key: &[u8]) -> Lookup<&'a Quicklist> {
    match s.lookup_key_read(db, key) {
        None => Lookup::Missing,
        Some(o) => match &o.v {
            Value::List(ql) => Lookup::Found(&**ql),
            _ => Lookup::WrongType,
        },
    }
}

/// Write lookup (Redis: lookupKeyWrite + checkType). The quicklist is
/// unshared from any snapshot (its node vector only; nodes copy lazily).
pub(crate) fn lookup_write<'a>(
    s: &'a mut Server,
    db: usize,
    key: &[u8],
) -> Lookup<&'a mut Quicklist> {
    match s.lookup_key_write(db, key) {
        None => Lookup::Missing,
        Some(o) => match &mut o.v {
            Value::List(ql) => Lookup::Found(Arc::make_mut(ql)),
            _ => Lookup::WrongType,
        },
    }
}

/// The list at `key`, without expiry checks, LRU update or stats: for a
/// key the command already looked up.
pub(crate) fn list_mut<'a>(s: &'a mut Server, db: usize, key: &[u8]) -> Option<&'a mut Quicklist> {
    match &mut s.dbs[db].dict.find_mut(key)?.v {
        Value::List(ql) => Some(Arc::make_mut(ql)),
        _ => None,
    }
}

/// Checks the type of an existing key without touching LRU or stats.
pub(crate) fn key_is_non_list(s: &Server, db: usize, key: &[u8]) -> bool {
    s.dbs[db]
        .dict
        .get(key)
        .is_some_and(|o| !matches!(o.v, Value::List(_)))
}

/// Redis: addListRangeReply.
pub(crate) fn add_list_range_reply(
    c: &mut Client,
    ql: &Quicklist,
    start: i64,
    end: i64,
    reverse: bool,
) {
    let Some((start, end)) = oxidis_ds::util::clamp_rank_range(start, end, ql.len()) else {
        return c.add_reply_array_len(0);
    };
    let rangelen = end - start + 1;
    c.add_reply_array_len(rangelen);
    let from = if reverse { end } else { start };
    ql.for_range(from, rangelen, reverse, |e| {
        c.add_reply_lp_entry(e);
        true
    });
}

/// After elements were popped: delete the key if the list is empty, signal
/// and count. Returns true if the key was deleted. Redis: listElementsRemoved.
pub(crate) fn list_elements_removed(
    s: &mut Server,
    db: usize,
    key: &[u8],
    end: End,
    count: usize,
) -> bool {
    notify_list(s, if end == End::Head { "lpop" } else { "rpop" }, key, db);
    let empty = matches!(s.dbs[db].dict.get(key), Some(o) if matches!(&o.v, Value::List(ql) if ql.is_empty()));
    if empty {
        s.db_delete(db, key);
        notify_list(s, "del", key, db);
    }
    s.signal_modified_key(db, key);
    s.dirty += count as i64;
    empty
}

/// Redis: listPopRangeAndReplyWithKey — [key, [elements...]].
pub(crate) fn list_pop_range_and_reply_with_key(
    s: &mut Server,
    c: &mut Client,
    db: usize,
    key: &[u8],
    end: End,
    count: usize,
) -> bool {
    let Lookup::Found(ql) = lookup_write(s, db, key) else {
        return false;
    };
    let llen = ql.len();
    let rangelen = count.min(llen);
    c.add_reply_array_len(2);
    c.add_reply_bulk(key);
    pop_range_reply(c, ql, end, rangelen);
    list_elements_removed(s, db, key, end, rangelen)
}

/// Replies with `n` elements from `end` (in pop order) and removes them.
fn pop_range_reply(c: &mut Client, ql: &mut Quicklist, end: End, n: usize) {
    let llen = ql.len();
    c.add_reply_array_len(n);
    match end {
        End::Head => {
            ql.for_range(0, n, false, |e| {
                c.add_reply_lp_entry(e);
                true
            });
            ql.del_range(0, n);
        }
        End::Tail => {
            ql.for_range(llen - 1, n, true, |e| {
                c.add_reply_lp_entry(e);
                true
            });
            ql.del_range(llen - n, n);
        }
    }
}

/// Redis: getListPositionFromObjectOrReply.
pub(crate) fn parse_position(c: &mut Client, arg: &[u8]) -> Option<End> {
    if arg.eq_ignore_ascii_case(b"right") {
        Some(End::Tail)
    } else if arg.eq_ignore_ascii_case(b"left") {
        Some(End::Head)
    } else {
        c.add_reply_syntax_err();
        None
    }
}

/// Redis: xorObjectDigest's list branch — every element mixed in order.
pub fn digest(d: &mut [u8; 20], ql: &Quicklist) {
    ql.for_range(0, ql.len(), false, |e| {
        match e {
            LpEntry::Str(b) => crate::debug::mix_digest(d, b),
            LpEntry::Int(v) => crate::debug::mix_digest(d, v.to_string().as_bytes()),
        }
        true
    });
}

/// The quicklist fields of DEBUG OBJECT.
pub fn debug_object_extra(ql: &Quicklist) -> String {
    let nodes = ql.node_count();
    let avg = if nodes == 0 {
        f64::NAN
    } else {
        ql.len() as f64 / nodes as f64
    };
    format!(
        " ql_nodes:{} ql_avg_node:{:.2} ql_listpack_max:{} ql_compressed:{} ql_uncompressed_size:{}",
        nodes,
        avg,
        ql.fill(),
        (ql.compress_depth() != 0) as i32,
        ql.uncompressed_size()
    )
}

/// DEBUG QUICKLIST-PACKED-THRESHOLD <size>.
pub fn debug_packed_threshold(c: &mut Client, arg: &[u8]) {
    match util::memtoull(arg) {
        Some(sz) if quicklist::set_packed_threshold(sz) => c.add_reply_ok(),
        _ => {
            c.add_reply_error("argument must be a memory value bigger than 1 and smaller than 4gb")
        }
    }
}

/// DEBUG LISTPACK <key> / DEBUG QUICKLIST <key> [0|1]. Redis prints the
/// structure on stdout; so do we, in a short form.
pub fn debug_encoding_dump(s: &mut Server, c: &mut Client, sub: &[u8], key: &[u8]) {
    let db = c.db;
    let Some(o) = s.lookup_key(db, key, crate::db::LOOKUP_NOTOUCH) else {
        return c.add_reply_error(shared::NO_SUCH_KEY);
    };
    match (&o.v, sub) {
        (Value::List(ql), b"quicklist") => {
            println!(
                "{{quicklist {{count : {}}} {{len : {}}} {{fill : {}}} {{compress : {}}}}}",
                ql.len(),
                ql.node_count(),
                ql.fill(),
                ql.compress_depth()
            );
            c.add_reply_status("Quicklist structure printed on stdout");
        }
        (_, b"quicklist") => c.add_reply_error("Not a quicklist encoded object."),
        _ => c.add_reply_error("Not a listpack encoded object."),
    }
}

// ---------------------------------------------------------------------------
// List commands
// ---------------------------------------------------------------------------

/// Redis: pushGenericCommand.
fn push_generic_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>], end: End, xx: bool) {
    let db = c.db;
    let key = &argv[1][..];
    match lookup_write(s, db, key) {
        Lookup::WrongType => return c.add_reply_wrongtype(),
        Lookup::Found(_) => {}
        Lookup::Missing => {
            if xx {
                return c.add_reply_long(0);
            }
            let v = new_list(s);
            let o = s.new_obj(v);
            s.db_add(db, key, o);
        }
    }
    let ql = list_mut(s, db, key).expect("list exists");
    for ele in &argv[2..] {
        ql.push(end, ele);
    }
    let len = ql.len();
    s.dirty += (argv.len() - 2) as i64;
    c.add_reply_long(len as i64);
    s.signal_modified_key(db, key);
    notify_list(s, if end == End::Head { "lpush" } else { "rpush" }, key, db);
}

fn lpush_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    push_generic_command(s, c, argv, End::Head, false);
}

fn rpush_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    push_generic_command(s, c, argv, End::Tail, false);
}

fn lpushx_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    push_generic_command(s, c, argv, End::Head, true);
}

fn rpushx_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    push_generic_command(s, c, argv, End::Tail, true);
}

/// Redis: linsertCommand.
fn linsert_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let after = if argv[2].eq_ignore_ascii_case(b"after") {
        true
    } else if argv[2].eq_ignore_ascii_case(b"before") {
        false
    } else {
        return c.add_reply_syntax_err();
    };
    let db = c.db;
    let ql = match lookup_write(s, db, &argv[1]) {
        Lookup::Missing => return c.add_reply_long(0),
        Lookup::WrongType => return c.add_reply_wrongtype(),
        Lookup::Found(ql) => ql,
    };
    let pivot = &argv[3][..];
    let mut idx = 0usize;
    let mut found = None;
    ql.for_range(0, ql.len(), false, |e| {
        if e.eq_bytes(pivot) {
            found = Some(idx);
            return false;
        }
        idx += 1;
        true
    });
    let Some(i) = found else {
        return c.add_reply_long(-1);
    };
    ql.insert(i, &argv[4], after);
    let len = ql.len();
    s.signal_modified_key(db, &argv[1]);
    notify_list(s, "linsert", &argv[1], db);
    s.dirty += 1;
    c.add_reply_long(len as i64);
}

fn llen_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let db = c.db;
    match lookup_read(s, db, &argv[1]) {
        Lookup::Missing => c.add_reply_long(0),
        Lookup::WrongType => c.add_reply_wrongtype(),
        Lookup::Found(ql) => c.add_reply_long(ql.len() as i64),
    }
}

fn lindex_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let db = c.db;
    let ql = match lookup_read(s, db, &argv[1]) {
        Lookup::Missing => return c.add_reply_null(),
        Lookup::WrongType => return c.add_reply_wrongtype(),
        Lookup::Found(ql) => ql,
    };
    let Some(index) = get_long_or_reply(c, &argv[2], None) else {
        return;
    };
    let Some(i) = ql.norm_index(index) else {
        return c.add_reply_null();
    };
    ql.for_range(i, 1, false, |e| {
        c.add_reply_lp_entry(e);
        false
    });
}

fn lset_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let db = c.db;
    let ql = match lookup_write(s, db, &argv[1]) {
        Lookup::Missing => return c.add_reply_error(shared::NO_SUCH_KEY),
        Lookup::WrongType => return c.add_reply_wrongtype(),
        Lookup::Found(ql) => ql,
    };
    let Some(index) = get_long_or_reply(c, &argv[2], None) else {
        return;
    };
    match ql.norm_index(index) {
        Some(i) => {
            ql.replace(i, &argv[3]);
            c.add_reply_ok();
            s.signal_modified_key(db, &argv[1]);
            notify_list(s, "lset", &argv[1], db);
            s.dirty += 1;
        }
        None => c.add_reply_error(shared::INDEX_OUT_OF_RANGE),
    }
}

/// Redis: popGenericCommand.
fn pop_generic_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>], end: End) {
    let hascount = argv.len() == 3;
    if argv.len() > 3 {
        let name = String::from_utf8_lossy(&argv[0]).to_lowercase();
        return c.add_reply_error(&format!("wrong number of arguments for '{}' command", name));
    }
    let mut count = 0;
    if hascount {
        match get_positive_long_or_reply(c, &argv[2], None) {
            Some(n) => count = n as usize,
            None => return,
        }
    }
    let db = c.db;
    let key = &argv[1][..];
    let ql = match lookup_write(s, db, key) {
        Lookup::Missing => {
            return if hascount {
                c.add_reply_null_array()
            } else {
                c.add_reply_null()
            }
        }
        Lookup::WrongType => return c.add_reply_wrongtype(),
        Lookup::Found(ql) => ql,
    };
    if hascount && count == 0 {
        return c.add_reply_array_len(0);
    }
    if !hascount {
        let v = ql.pop(end).expect("lists are never empty");
        c.add_reply_bulk(&v);
        list_elements_removed(s, db, key, end, 1);
    } else {
        let n = count.min(ql.len());
        pop_range_reply(c, ql, end, n);
        list_elements_removed(s, db, key, end, n);
    }
}

fn lpop_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    pop_generic_command(s, c, argv, End::Head);
}

fn rpop_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    pop_generic_command(s, c, argv, End::Tail);
}

fn lrange_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(start) = get_long_or_reply(c, &argv[2], None) else {
        return;
    };
    let Some(end) = get_long_or_reply(c, &argv[3], None) else {
        return;
    };
    let db = c.db;
    match lookup_read(s, db, &argv[1]) {
        Lookup::Missing => c.add_reply_array_len(0),
        Lookup::WrongType => c.add_reply_wrongtype(),
        Lookup::Found(ql) => add_list_range_reply(c, ql, start, end, false),
    }
}

fn ltrim_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(mut start) = get_long_or_reply(c, &argv[2], None) else {
        return;
    };
    let Some(mut end) = get_long_or_reply(c, &argv[3], None) else {
        return;
    };
    let db = c.db;
    let key = &argv[1][..];
    let ql = match lookup_write(s, db, key) {
        Lookup::Missing => return c.add_reply_ok(),
        Lookup::WrongType => return c.add_reply_wrongtype(),
        Lookup::Found(ql) => ql,
    };
    let llen = ql.len() as i64;
    if start < 0 {
        start += llen;
    }
    if end < 0 {
        end += llen;
    }
    if start < 0 {
        start = 0;
    }
    let (ltrim, rtrim) = if start > end || start >= llen {
        (llen, 0)
    } else {
        if end >= llen {
            end = llen - 1;
        }
        (start, llen - end - 1)
    };
    ql.del_range(0, ltrim as usize);
    if rtrim > 0 {
        let n = ql.len();
        ql.del_range(n - rtrim as usize, rtrim as usize);
    }
    let empty = ql.is_empty();
    notify_list(s, "ltrim", key, db);
    if empty {
        s.db_delete(db, key);
        notify_list(s, "del", key, db);
    }
    s.signal_modified_key(db, key);
    s.dirty += ltrim + rtrim;
    c.add_reply_ok();
}

/// Redis: lposCommand.
fn lpos_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let ele = &argv[2][..];
    let mut rank: i64 = 1;
    let mut count: i64 = -1;
    let mut maxlen: i64 = 0;
    let mut j = 3;
    while j < argv.len() {
        let moreargs = argv.len() - 1 - j;
        let opt = &argv[j];
        if opt.eq_ignore_ascii_case(b"rank") && moreargs > 0 {
            j += 1;
            let Some(r) = get_long_or_reply(c, &argv[j], None) else {
                return;
            };
            if r == 0 {
                return c.add_reply_error("RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
            }
            rank = r;
        } else if opt.eq_ignore_ascii_case(b"count") && moreargs > 0 {
            j += 1;
            let Some(n) =
                get_range_long_or_reply(c, &argv[j], 0, i64::MAX, Some("COUNT can't be negative"))
            else {
                return;
            };
            count = n;
        } else if opt.eq_ignore_ascii_case(b"maxlen") && moreargs > 0 {
            j += 1;
            let Some(n) =
                get_range_long_or_reply(c, &argv[j], 0, i64::MAX, Some("MAXLEN can't be negative"))
            else {
                return;
            };
            maxlen = n;
        } else {
            return c.add_reply_syntax_err();
        }
        j += 1;
    }
    let reverse = rank < 0;
    // RANK i64::MIN has no positive counterpart; Redis negates it anyway.
    let rank = rank.unsigned_abs() as i64;
    let db = c.db;
    let ql = match lookup_read(s, db, &argv[1]) {
        Lookup::Missing => {
            return if count != -1 {
                c.add_reply_array_len(0)
            } else {
                c.add_reply_null()
            }
        }
        Lookup::WrongType => return c.add_reply_wrongtype(),
        Lookup::Found(ql) => ql,
    };
    let llen = ql.len() as i64;
    let needle_int = oxidis_ds::listpack::string_to_i64(ele);
    let mut results: Vec<i64> = Vec::new();
    let mut matches: i64 = 0;
    let mut index: i64 = 0;
    let start = if reverse { llen - 1 } else { 0 };
    if llen > 0 {
        ql.for_range(start as usize, llen as usize, reverse, |e| {
            if maxlen != 0 && index >= maxlen {
                return false;
            }
            let eq = match e {
                LpEntry::Str(b) => b == ele,
                LpEntry::Int(v) => needle_int == Some(v),
            };
            if eq {
                matches += 1;
                if matches >= rank {
                    results.push(if reverse { llen - index - 1 } else { index });
                    if count == -1 || (count != 0 && matches - rank + 1 >= count) {
                        return false;
                    }
                }
            }
            index += 1;
            true
        });
    }
    if count != -1 {
        c.add_reply_array_len(results.len());
        for r in results {
            c.add_reply_long(r);
        }
    } else {
        match results.first() {
            Some(&r) => c.add_reply_long(r),
            None => c.add_reply_null(),
        }
    }
}

/// Redis: lremCommand.
fn lrem_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(toremove) = get_long_or_reply(c, &argv[2], None) else {
        return;
    };
    let db = c.db;
    let key = &argv[1][..];
    let ql = match lookup_write(s, db, key) {
        Lookup::Missing => return c.add_reply_long(0),
        Lookup::WrongType => return c.add_reply_wrongtype(),
        Lookup::Found(ql) => ql,
    };
    let removed = ql.remove_matching(&argv[3], toremove.unsigned_abs() as usize, toremove < 0);
    let empty = ql.is_empty();
    s.dirty += removed as i64;
    if removed > 0 {
        s.signal_modified_key(db, key);
        notify_list(s, "lrem", key, db);
    }
    if empty {
        s.db_delete(db, key);
        notify_list(s, "del", key, db);
    }
    c.add_reply_long(removed as i64);
}

/// Pushes `value` onto `dstkey` (creating it), replying with the value.
/// Redis: lmoveHandlePush.
pub(crate) fn lmove_handle_push(
    s: &mut Server,
    c: &mut Client,
    db: usize,
    dstkey: &[u8],
    value: &[u8],
    whereto: End,
) {
    if !s.dbs[db].dict.contains_key(dstkey) {
        let v = new_list(s);
        let o = s.new_obj(v);
        s.db_add(db, dstkey, o);
    }
    s.signal_modified_key(db, dstkey);
    if let Some(o) = s.dbs[db].dict.find_mut(dstkey) {
        if let Value::List(ql) = &mut o.v {
            Arc::make_mut(ql).push(whereto, value);
        }
    }
    notify_list(
        s,
        if whereto == End::Head {
            "lpush"
        } else {
            "rpush"
        },
        dstkey,
        db,
    );
    c.add_reply_bulk(value);
}

/// Redis: lmoveGenericCommand.
pub(crate) fn lmove_generic_command(
    s: &mut Server,
    c: &mut Client,
    src: &[u8],
    dst: &[u8],
    wherefrom: End,
    whereto: End,
) {
    let db = c.db;
    match lookup_write(s, db, src) {
        Lookup::Missing => return c.add_reply_null(),
        Lookup::WrongType => return c.add_reply_wrongtype(),
        Lookup::Found(_) => {}
    }
    let dst_missing = s.lookup_key_write(db, dst).is_none();
    if !dst_missing && key_is_non_list(s, db, dst) {
        return c.add_reply_wrongtype();
    }
    let Lookup::Found(ql) = lookup_write(s, db, src) else {
        return c.add_reply_null();
    };
    let value = ql.pop(wherefrom).expect("lists are never empty");
    lmove_handle_push(s, c, db, dst, &value, whereto);
    notify_list(
        s,
        if wherefrom == End::Head {
            "lpop"
        } else {
            "rpop"
        },
        src,
        db,
    );
    let empty = matches!(s.dbs[db].dict.get(src), Some(o) if matches!(&o.v, Value::List(ql) if ql.is_empty()));
    if empty {
        s.db_delete(db, src);
        notify_list(s, "del", src, db);
    }
    s.signal_modified_key(db, src);
    s.dirty += 1;
}

fn lmove_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(from) = parse_position(c, &argv[3]) else {
        return;
    };
    let Some(to) = parse_position(c, &argv[4]) else {
        return;
    };
    lmove_generic_command(s, c, &argv[1], &argv[2], from, to);
}

fn rpoplpush_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    lmove_generic_command(s, c, &argv[1], &argv[2], End::Tail, End::Head);
}

/// Parsed `numkeys key... LEFT|RIGHT [COUNT n]`. Redis: lmpopGenericCommand.
pub(crate) struct MpopArgs {
    pub first_key: usize,
    pub numkeys: usize,
    pub end: End,
    pub count: usize,
}

pub(crate) fn parse_mpop_args(
    c: &mut Client,
    argv: &[Vec<u8>],
    numkeys_idx: usize,
) -> Option<MpopArgs> {
    let numkeys = get_range_long_or_reply(
        c,
        &argv[numkeys_idx],
        1,
        i64::MAX,
        Some("numkeys should be greater than 0"),
    )? as usize;
    let where_idx = numkeys_idx.checked_add(numkeys)?.checked_add(1)?;
    if where_idx >= argv.len() {
        c.add_reply_syntax_err();
        return None;
    }
    let end = parse_position(c, &argv[where_idx])?;
    let mut count: i64 = -1;
    let mut j = where_idx + 1;
    while j < argv.len() {
        let moreargs = argv.len() - 1 - j;
        if count == -1 && argv[j].eq_ignore_ascii_case(b"count") && moreargs > 0 {
            j += 1;
            count = get_range_long_or_reply(
                c,
                &argv[j],
                1,
                i64::MAX,
                Some("count should be greater than 0"),
            )?;
        } else {
            c.add_reply_syntax_err();
            return None;
        }
        j += 1;
    }
    Some(MpopArgs {
        first_key: numkeys_idx + 1,
        numkeys,
        end,
        count: if count == -1 { 1 } else { count as usize },
    })
}

/// Redis: mpopGenericCommand.
/// LPOP or RPOP, the form a pop from `end` propagates in (LMPOP, BLPOP, ...).
pub(crate) fn pop_cmd(end: End) -> Vec<u8> {
    match end {
        End::Head => b"LPOP".to_vec(),
        End::Tail => b"RPOP".to_vec(),
    }
}

fn lmpop_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(a) = parse_mpop_args(c, argv, 1) else {
        return;
    };
    let db = c.db;
    for key in &argv[a.first_key..a.first_key + a.numkeys] {
        match lookup_write(s, db, key) {
            Lookup::Missing => continue,
            Lookup::WrongType => return c.add_reply_wrongtype(),
            Lookup::Found(ql) => {
                // Redis: LMPOP always replicates as [LR]POP key count.
                let n = a.count.min(ql.len());
                list_pop_range_and_reply_with_key(s, c, db, key, a.end, a.count);
                crate::replication::rewrite_with(s, c, || {
                    vec![pop_cmd(a.end), key.clone(), n.to_string().into_bytes()]
                });
                return;
            }
        }
    }
    c.add_reply_null_array();
}

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("lpush", lpush_command),
    ("rpush", rpush_command),
    ("lpushx", lpushx_command),
    ("rpushx", rpushx_command),
    ("linsert", linsert_command),
    ("llen", llen_command),
    ("lindex", lindex_command),
    ("lset", lset_command),
    ("lpop", lpop_command),
    ("rpop", rpop_command),
    ("lrange", lrange_command),
    ("ltrim", ltrim_command),
    ("lpos", lpos_command),
    ("lrem", lrem_command),
    ("lmove", lmove_command),
    ("rpoplpush", rpoplpush_command),
    ("lmpop", lmpop_command),
    ("blpop", blocking::blpop_command),
    ("brpop", blocking::brpop_command),
    ("blmove", blocking::blmove_command),
    ("brpoplpush", blocking::brpoplpush_command),
    ("blmpop", blocking::blmpop_command),
];
