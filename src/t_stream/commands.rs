//! Stream commands. Redis counterpart: t_stream.c, banner "Stream commands
//! implementation": XADD, XRANGE, XREVRANGE, XLEN, XREAD and XREADGROUP
//! (the blocking half is in blocking.rs), XDEL, XTRIM, and the XADD/XTRIM
//! argument parser (streamParseAddOrTrimArgsOrReply).
//!
//! Propagation as Redis does it: XADD goes out with the generated ID in
//! place of "*" / "<ms>-*", and an approximate trim ("~") as an exact one
//! ("=" and the resulting length or first ID); XREAD(GROUP) never
//! propagates itself, XREADGROUP's effects go out as XCLAIM (one per entry
//! delivered), XGROUP SETID (NOACK reads) and XGROUP CREATECONSUMER.

use oxidis_ds::stream::encoding::{AppendError, Stream, StreamId, TrimArgs, TrimStrategy};

use super::reply::{self, GroupRead, RWR_HISTORY, RWR_NOACK};
use super::{stream_mut, stream_read, stream_write, Lookup};
use crate::args::get_long_or_reply;
use crate::networking::Client;
use crate::notify::NOTIFY_STREAM;
use crate::replication;
use crate::server::shared;
use crate::server::Server;

/// Redis: streamAddTrimArgs.
pub struct AddTrimArgs {
    pub id: StreamId,
    pub id_given: bool,
    pub seq_given: bool,
    pub no_mkstream: bool,
    pub trim: TrimArgs,
    pub trim_arg_idx: usize, // index of the MAXLEN count / MINID id
    pub idpos: usize,        // XADD: the ID argument
}

/// The optional `~` or `=` after MAXLEN/MINID: sets `approx` and returns how
/// many arguments it took (0 or 1).
fn trim_operator(argv: &[Vec<u8>], i: usize, moreargs: usize, approx: &mut bool) -> usize {
    *approx = false;
    if moreargs < 2 {
        return 0;
    }
    match argv[i + 1].as_slice() {
        b"~" => {
            *approx = true;
            1
        }
        b"=" => 1,
        _ => 0,
    }
}

/// Redis: streamParseAddOrTrimArgsOrReply.
pub fn parse_add_trim_args(
    s: &Server,
    c: &mut Client,
    argv: &[Vec<u8>],
    xadd: bool,
) -> Option<AddTrimArgs> {
    let mut a = AddTrimArgs {
        id: StreamId::MIN,
        id_given: false,
        seq_given: true,
        no_mkstream: false,
        trim: TrimArgs {
            strategy: TrimStrategy::None,
            approx: false,
            limit: 0,
        },
        trim_arg_idx: 0,
        idpos: 0,
    };
    let mut limit_given = false;
    let mut i = 2;
    let argc = argv.len();
    const BOTH: &str = "syntax error, MAXLEN and MINID options at the same time are not compatible";
    while i < argc {
        let moreargs = argc - 1 - i;
        let opt = &argv[i];
        if xadd && opt.as_slice() == b"*" {
            break;
        } else if opt.eq_ignore_ascii_case(b"maxlen") && moreargs > 0 {
            if a.trim.strategy != TrimStrategy::None {
                c.add_reply_error(BOTH);
                return None;
            }
            i += trim_operator(argv, i, moreargs, &mut a.trim.approx);
            let maxlen = get_long_or_reply(c, &argv[i + 1], None)?;
            if maxlen < 0 {
                c.add_reply_error("The MAXLEN argument must be >= 0.");
                return None;
            }
            i += 1;
            a.trim.strategy = TrimStrategy::MaxLen(maxlen as u64);
            a.trim_arg_idx = i;
        } else if opt.eq_ignore_ascii_case(b"minid") && moreargs > 0 {
            if a.trim.strategy != TrimStrategy::None {
                c.add_reply_error(BOTH);
                return None;
            }
            i += trim_operator(argv, i, moreargs, &mut a.trim.approx);
            let minid = reply::parse_strict_id_or_reply(c, &argv[i + 1], 0, None)?;
            i += 1;
            a.trim.strategy = TrimStrategy::MinId(minid);
            a.trim_arg_idx = i;
        } else if opt.eq_ignore_ascii_case(b"limit") && moreargs > 0 {
            let limit = get_long_or_reply(c, &argv[i + 1], None)?;
            if limit < 0 {
                c.add_reply_error("The LIMIT argument must be >= 0.");
                return None;
            }
            a.trim.limit = limit;
            limit_given = true;
            i += 1;
        } else if xadd && opt.eq_ignore_ascii_case(b"nomkstream") {
            a.no_mkstream = true;
        } else if xadd {
            let mut seq_given = true;
            a.id = reply::parse_strict_id_or_reply(c, &argv[i], 0, Some(&mut seq_given))?;
            a.seq_given = seq_given;
            a.id_given = true;
            break;
        } else {
            c.add_reply_syntax_err();
            return None;
        }
        i += 1;
    }
    a.idpos = i;
    if a.trim.limit != 0 && a.trim.strategy == TrimStrategy::None {
        c.add_reply_error(
            "syntax error, LIMIT cannot be used without specifying a trimming strategy",
        );
        return None;
    }
    if !xadd && a.trim.strategy == TrimStrategy::None {
        c.add_reply_error("syntax error, XTRIM must be called with a trimming strategy");
        return None;
    }
    if c.must_obey() {
        // Redis: what the master or the AOF sends was rewritten to an exact
        // trim (rewrite_trim); LIMIT no longer applies.
        a.trim.limit = 0;
    } else if limit_given {
        if !a.trim.approx {
            c.add_reply_error("syntax error, LIMIT cannot be used without the special ~ option");
            return None;
        }
    } else if a.trim.approx {
        // At most 100 nodes' worth of entries per call, clamped.
        let mut l = 100i64.saturating_mul(s.config.stream_node_max_entries);
        if l <= 0 {
            l = 10000;
        }
        if l > 1_000_000 {
            l = 1_000_000;
        }
        a.trim.limit = l;
    } else {
        a.trim.limit = 0;
    }
    Some(a)
}

/// Redis: streamRewriteApproxSpecifier + streamRewriteTrimArgument — an
/// approximate trim propagates as the exact trim it turned out to be.
/// `edge` is the stream's (length, first ID with tombstones).
fn rewrite_trim(c: &mut Client, argv: &[Vec<u8>], edge: (u64, StreamId), a: &AddTrimArgs) {
    replication::rewrite_arg(c, argv, a.trim_arg_idx - 1, b"=");
    let val = match a.trim.strategy {
        TrimStrategy::MaxLen(_) => edge.0.to_string().into_bytes(),
        _ => edge.1.to_bytes(),
    };
    replication::rewrite_arg(c, argv, a.trim_arg_idx, &val);
}

/// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]]
/// *|id field value [field value ...]. Redis: xaddCommand.
pub fn xadd_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(a) = parse_add_trim_args(s, c, argv, true) else {
        return;
    };
    let field_pos = a.idpos + 1;
    let nf = argv.len().saturating_sub(field_pos);
    if argv.len() < field_pos || nf < 2 || nf % 2 == 1 {
        return c.add_reply_error("wrong number of arguments for 'xadd' command");
    }
    if a.id_given && a.seq_given && a.id.is_zero() {
        return c.add_reply_error("The ID specified in XADD must be greater than 0-0");
    }
    let db = c.db;
    let key = &argv[1];
    match stream_write(s, db, key) {
        Lookup::WrongType => return c.add_reply_wrongtype(),
        Lookup::Missing => {
            if a.no_mkstream {
                return c.add_reply_null();
            }
            let o = super::new_obj(s, Stream::new());
            s.db_add(db, key, o);
        }
        Lookup::Found(_) => {}
    }
    let lim = super::node_limits(s);
    let now = oxidis_ds::util::mstime().max(0) as u64;
    let st = stream_mut(s, db, key).expect("just looked up");
    if st.last_id == StreamId::MAX {
        return c.add_reply_error(
            "The stream has exhausted the last possible ID, unable to add more items",
        );
    }
    let use_id = a.id_given.then_some(a.id);
    let id = match st.append_item(&argv[field_pos..], use_id, a.seq_given, now, lim) {
        Ok(id) => id,
        Err(AppendError::IdTooSmall) => {
            return c.add_reply_error(
                "The ID specified in XADD is equal or smaller than the target stream top item",
            )
        }
        Err(AppendError::TooLarge) => {
            return c.add_reply_error("Elements are too large to be stored")
        }
    };
    let idbytes = id.to_bytes();
    c.add_reply_bulk(&idbytes);
    let trimmed = if a.trim.strategy != TrimStrategy::None {
        st.trim(&a.trim)
    } else {
        0
    };
    let edge = (st.length, st.edge_id(true, false));
    if a.trim.strategy != TrimStrategy::None && a.trim.approx && s.should_propagate() {
        rewrite_trim(c, argv, edge, &a);
    }
    s.signal_modified_key(db, key);
    s.notify_keyspace_event(NOTIFY_STREAM, "xadd", key, db);
    s.dirty += 1;
    if trimmed > 0 {
        s.notify_keyspace_event(NOTIFY_STREAM, "xtrim", key, db);
    }
    if (!a.id_given || !a.seq_given) && s.should_propagate() {
        replication::rewrite_arg(c, argv, a.idpos, &idbytes);
    }
    s.signal_key_as_ready(db, key);
}

/// Redis: xrangeGenericCommand.
fn xrange_generic_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>], rev: bool) {
    let (startarg, endarg) = if rev {
        (&argv[3], &argv[2])
    } else {
        (&argv[2], &argv[3])
    };
    let Some(start) = reply::parse_range_start(c, startarg) else {
        return;
    };
    let Some(end) = reply::parse_range_end(c, endarg) else {
        return;
    };
    let mut count: i64 = -1;
    let mut j = 4;
    while j < argv.len() {
        let additional = argv.len() - j - 1;
        if argv[j].eq_ignore_ascii_case(b"count") && additional >= 1 {
            let Some(n) = get_long_or_reply(c, &argv[j + 1], None) else {
                return;
            };
            count = n.max(0);
            j += 1;
        } else {
            return c.add_reply_syntax_err();
        }
        j += 1;
    }
    let db = c.db;
    let st = match stream_read(s, db, &argv[1]) {
        Lookup::Missing => return c.add_reply_array_len(0),
        Lookup::WrongType => return c.add_reply_wrongtype(),
        Lookup::Found(st) => st,
    };
    if count == 0 {
        return c.add_reply_null_array();
    }
    let count = if count == -1 { 0 } else { count as usize };
    let d = c.add_reply_deferred_len();
    let mut n = 0;
    for e in st.iter(Some(start), Some(end), rev) {
        reply::add_reply_entry(c, &e);
        n += 1;
        if count != 0 && n == count {
            break;
        }
    }
    c.set_deferred_array_len(d, n);
}

pub fn xrange_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    xrange_generic_command(s, c, argv, false)
}

pub fn xrevrange_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    xrange_generic_command(s, c, argv, true)
}

/// XLEN key. Redis: xlenCommand.
pub fn xlen_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    match stream_read(s, c.db, &argv[1]) {
        Lookup::Missing => c.add_reply_long(0),
        Lookup::WrongType => c.add_reply_wrongtype(),
        Lookup::Found(st) => c.add_reply_long(st.length as i64),
    }
}

/// Default COUNT of a blocked XREAD served later. Redis:
/// XREAD_BLOCKED_DEFAULT_COUNT.
pub const XREAD_BLOCKED_DEFAULT_COUNT: usize = 1000;

/// What XREAD/XREADGROUP was asked. Kept by a blocked client.
#[derive(Clone, Debug)]
pub struct XreadArgs {
    pub timeout: Option<i64>, // absolute ms deadline (0 = forever); None = no BLOCK
    pub count: usize,
    pub group: Option<(Vec<u8>, Vec<u8>)>, // (group, consumer)
    pub noack: bool,
    pub keys: Vec<Vec<u8>>,
    pub ids: Vec<StreamId>, // MAX for ">"
}

/// Parses XREAD / XREADGROUP arguments. Redis: the first half of
/// xreadCommand (up to resolving the groups and IDs).
fn parse_xread(
    s: &mut Server,
    c: &mut Client,
    argv: &[Vec<u8>],
    xreadgroup: bool,
) -> Option<XreadArgs> {
    let mut timeout = None;
    let mut count = 0i64;
    let mut streams_arg = 0;
    let mut streams_count = 0;
    let mut group = None;
    let mut noack = false;
    let argc = argv.len();
    let mut i = 1;
    while i < argc {
        let moreargs = argc - i - 1;
        let o = &argv[i];
        if o.eq_ignore_ascii_case(b"block") && moreargs > 0 {
            // Redis: BLOCK makes no sense inside a script.
            if c.flags & crate::networking::client::CLIENT_SCRIPT != 0 {
                c.add_reply_error(&format!(
                    "{} command is not allowed with BLOCK option from scripts",
                    String::from_utf8_lossy(&argv[0])
                ));
                return None;
            }
            i += 1;
            let t = get_long_or_reply(c, &argv[i], Some(shared::TIMEOUT_NOT_INTEGER))?;
            if t < 0 {
                c.add_reply_error("timeout is negative");
                return None;
            }
            timeout = Some(if t > 0 {
                t.saturating_add(oxidis_ds::util::mstime())
            } else {
                0
            });
        } else if o.eq_ignore_ascii_case(b"count") && moreargs > 0 {
            i += 1;
            count = get_long_or_reply(c, &argv[i], None)?.max(0);
        } else if o.eq_ignore_ascii_case(b"streams") && moreargs > 0 {
            streams_arg = i + 1;
            streams_count = argc - streams_arg;
            if streams_count % 2 != 0 {
                c.add_reply_error(
                    "Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
                );
                return None;
            }
            streams_count /= 2;
            break;
        } else if o.eq_ignore_ascii_case(b"group") && moreargs >= 2 {
            if !xreadgroup {
                c.add_reply_error(
                    "The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                );
                return None;
            }
            group = Some((argv[i + 1].clone(), argv[i + 2].clone()));
            i += 2;
        } else if o.eq_ignore_ascii_case(b"noack") {
            if !xreadgroup {
                c.add_reply_error(
                    "The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                );
                return None;
            }
            noack = true;
        } else {
            c.add_reply_syntax_err();
            return None;
        }
        i += 1;
    }
    if streams_arg == 0 {
        c.add_reply_syntax_err();
        return None;
    }
    if xreadgroup && group.is_none() {
        c.add_reply_error("Missing GROUP option for XREADGROUP");
        return None;
    }
    let db = c.db;
    let keys: Vec<Vec<u8>> = argv[streams_arg..streams_arg + streams_count].to_vec();
    let mut ids = Vec::with_capacity(streams_count);
    for (k, key) in keys.iter().enumerate() {
        let idarg = &argv[streams_arg + streams_count + k];
        let (exists, last_id, has_group) = match stream_read(s, db, key) {
            Lookup::WrongType => {
                c.add_reply_wrongtype();
                return None;
            }
            Lookup::Missing => (false, StreamId::MIN, false),
            Lookup::Found(st) => (
                true,
                st.last_id,
                group
                    .as_ref()
                    .is_some_and(|(g, _)| st.lookup_cg(g).is_some()),
            ),
        };
        if let Some((g, _)) = group.as_ref() {
            if !exists || !has_group {
                c.add_reply_error(&format!(
                    "-NOGROUP No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option",
                    String::from_utf8_lossy(key),
                    String::from_utf8_lossy(g)
                ));
                return None;
            }
        }
        if idarg.as_slice() == b"$" {
            if xreadgroup {
                c.add_reply_error(
                    "The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.",
                );
                return None;
            }
            ids.push(last_id);
            continue;
        } else if idarg.as_slice() == b">" {
            if !xreadgroup {
                c.add_reply_error(
                    "The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.",
                );
                return None;
            }
            ids.push(StreamId::MAX);
            continue;
        }
        ids.push(reply::parse_strict_id_or_reply(c, idarg, 0, None)?);
    }
    Some(XreadArgs {
        timeout,
        count: count as usize,
        group,
        noack,
        keys,
        ids,
    })
}

/// Serves one key of a read: the [key, entries] element (RESP2) or the
/// key/entries pair of the map (RESP3). Shared with blocking.rs. Returns
/// the commands to propagate.
#[allow(clippy::too_many_arguments)]
pub fn serve_key(
    s: &mut Server,
    c: &mut Client,
    db: usize,
    key: &[u8],
    gt: StreamId,
    count: usize,
    group: Option<&(Vec<u8>, Vec<u8>)>,
    noack: bool,
    history: bool,
) {
    if c.resp == 2 {
        c.add_reply_array_len(2);
    }
    c.add_reply_bulk(key);
    let mut start = gt;
    start.incr();
    let now = oxidis_ds::util::mstime();
    let mut props = Vec::new();
    let mut created = false;
    let Some(st) = stream_mut(s, db, key) else {
        return;
    };
    if let Some((g, cons)) = group {
        if let Some(cg) = st.lookup_cg_mut(g) {
            if !cg.lookup_consumer(cons, true, now) {
                cg.create_consumer(cons, now);
                created = true;
                if noack {
                    props.push(reply::createconsumer_argv(key, g, cons));
                }
            }
        }
    }
    let mut flags = 0;
    if noack {
        flags |= RWR_NOACK;
    }
    if history {
        flags |= RWR_HISTORY;
    }
    let gr = group.map(|(g, cons)| GroupRead {
        key,
        group: g,
        consumer: cons,
    });
    reply::reply_with_range(
        c,
        st,
        Some(start),
        None,
        count,
        false,
        gr.as_ref(),
        flags,
        now,
        &mut props,
    );
    if created {
        s.dirty += 1;
        s.notify_keyspace_event(NOTIFY_STREAM, "xgroup-createconsumer", key, db);
    }
    for p in props {
        s.also_propagate(db, p);
    }
    if group.is_some() {
        s.dirty += 1;
    }
}

/// Redis: xreadCommand (XREAD and XREADGROUP).
fn xread_generic_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>], xreadgroup: bool) {
    // The command never propagates as itself.
    replication::prevent_propagation(c);
    let Some(a) = parse_xread(s, c, argv, xreadgroup) else {
        return;
    };
    let db = c.db;
    let mut served = 0;
    let mut d = None;
    for (i, key) in a.keys.iter().enumerate() {
        let mut gt = a.ids[i];
        let (serve, history) = {
            let st = match stream_read(s, db, key) {
                Lookup::Found(st) => st,
                _ => continue,
            };
            if let Some((g, _)) = a.group.as_ref() {
                if gt != StreamId::MAX {
                    (true, true)
                } else if st.length > 0 {
                    let last = st.lookup_cg(g).map(|cg| cg.last_id).unwrap_or_default();
                    if st.last_valid_id() > last {
                        gt = last;
                        (true, false)
                    } else {
                        (false, false)
                    }
                } else {
                    (false, false)
                }
            } else {
                (st.length > 0 && st.last_valid_id() > gt, false)
            }
        };
        if !serve {
            continue;
        }
        served += 1;
        if served == 1 {
            d = Some(c.add_reply_deferred_len());
        }
        serve_key(
            s,
            c,
            db,
            key,
            gt,
            a.count,
            a.group.as_ref(),
            a.noack,
            history,
        );
    }
    if served > 0 {
        let d = d.expect("deferred");
        if c.resp == 2 {
            c.set_deferred_array_len(d, served);
        } else {
            c.set_deferred_map_len(d, served);
        }
        return;
    }
    if a.timeout.is_some() {
        if s.in_exec
            || c.mstate.active
            || c.flags & crate::networking::client::CLIENT_DENY_BLOCKING != 0
        {
            return c.add_reply_null_array();
        }
        super::blocking::block_for_streams(s, c, a);
        return;
    }
    c.add_reply_null_array();
}

pub fn xread_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    xread_generic_command(s, c, argv, false)
}

pub fn xreadgroup_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    xread_generic_command(s, c, argv, true)
}

/// XDEL key id [id ...]. Redis: xdelCommand.
pub fn xdel_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let db = c.db;
    let key = &argv[1];
    match stream_write(s, db, key) {
        Lookup::Missing => return c.add_reply_long(0),
        Lookup::WrongType => return c.add_reply_wrongtype(),
        Lookup::Found(_) => {}
    }
    let mut ids = Vec::with_capacity(argv.len() - 2);
    for a in &argv[2..] {
        let Some(id) = reply::parse_strict_id_or_reply(c, a, 0, None) else {
            return;
        };
        ids.push(id);
    }
    let st = stream_mut(s, db, key).expect("looked up");
    let mut deleted = 0;
    let mut first_entry = false;
    for id in ids {
        if st.delete_item(id) {
            if id == st.first_id {
                first_entry = true;
            }
            if id > st.max_deleted_entry_id {
                st.max_deleted_entry_id = id;
            }
            deleted += 1;
        }
    }
    if deleted > 0 {
        if st.length == 0 {
            st.first_id = StreamId::MIN;
        } else if first_entry {
            st.first_id = st.edge_id(true, true);
        }
        s.signal_modified_key(db, key);
        s.notify_keyspace_event(NOTIFY_STREAM, "xdel", key, db);
        s.dirty += deleted;
    }
    c.add_reply_long(deleted);
}

/// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]. Redis: xtrimCommand.
pub fn xtrim_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(a) = parse_add_trim_args(s, c, argv, false) else {
        return;
    };
    let db = c.db;
    let key = &argv[1];
    let st = match stream_write(s, db, key) {
        Lookup::Missing => return c.add_reply_long(0),
        Lookup::WrongType => return c.add_reply_wrongtype(),
        Lookup::Found(st) => st,
    };
    let deleted = st.trim(&a.trim);
    if deleted > 0 {
        let edge = (st.length, st.edge_id(true, false));
        s.notify_keyspace_event(NOTIFY_STREAM, "xtrim", key, db);
        if a.trim.approx && s.should_propagate() {
            rewrite_trim(c, argv, edge, &a);
        }
        s.signal_modified_key(db, key);
        s.dirty += deleted;
    }
    c.add_reply_long(deleted);
}
