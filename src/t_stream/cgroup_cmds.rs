//! Consumer group commands. Redis counterpart: t_stream.c, banner
//! "Consumer groups commands": XGROUP (CREATE, SETID, DESTROY,
//! CREATECONSUMER, DELCONSUMER, HELP), XSETID, XACK, XPENDING, XCLAIM and
//! XAUTOCLAIM.
//!
//! XCLAIM and XAUTOCLAIM never propagate as themselves: every claimed (or
//! dropped) PEL entry goes out as the idempotent XCLAIM ... FORCE JUSTID
//! LASTID form, and a bare LASTID change as XGROUP SETID.

use oxidis_ds::stream::cgroups::Nack;
use oxidis_ds::stream::encoding::{Stream, StreamId};

use super::reply::{self, add_reply_stream_id};
use super::{stream_mut, stream_read, stream_write, Lookup};
use crate::args::get_long_or_reply;
use crate::networking::Client;
use crate::notify::NOTIFY_STREAM;
use crate::replication;
use crate::server::shared;
use crate::server::Server;

fn s_(b: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(b)
}

const XGROUP_HELP: &[&str] = &[
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
];

/// Redis: xgroupCommand (every subcommand).
pub fn xgroup_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let opt = argv[1].to_ascii_lowercase();
    let argc = argv.len();
    let db = c.db;
    let mut mkstream = false;
    let mut entries_read: Option<i64> = None;
    let mut exists = false;
    let mut has_group = false;
    if argc >= 4 {
        let create = opt == b"create";
        let setid = opt == b"setid";
        let mut i = 5;
        while i < argc {
            if create && argv[i].eq_ignore_ascii_case(b"mkstream") {
                mkstream = true;
                i += 1;
            } else if (create || setid)
                && argv[i].eq_ignore_ascii_case(b"entriesread")
                && i + 1 < argc
            {
                let Some(v) = get_long_or_reply(c, &argv[i + 1], None) else {
                    return;
                };
                if v < 0 && v != -1 {
                    return c.add_reply_error("value for ENTRIESREAD must be positive or -1");
                }
                entries_read = (v >= 0).then_some(v);
                i += 2;
            } else {
                return super::subcommand_syntax_error(c, argv);
            }
        }
        match stream_write(s, db, &argv[2]) {
            Lookup::WrongType => return c.add_reply_wrongtype(),
            Lookup::Missing => {}
            Lookup::Found(st) => {
                exists = true;
                has_group = st.lookup_cg(&argv[3]).is_some();
            }
        }
    }
    if argc >= 4 && !mkstream {
        if !exists {
            return c.add_reply_error(
                "The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.",
            );
        }
        if !has_group
            && matches!(
                opt.as_slice(),
                b"setid" | b"createconsumer" | b"delconsumer"
            )
        {
            return c.add_reply_error(&format!(
                "-NOGROUP No such consumer group '{}' for key name '{}'",
                s_(&argv[3]),
                s_(&argv[2])
            ));
        }
    }
    let key = argv.get(2).cloned().unwrap_or_default();
    let key = key.as_slice();
    match opt.as_slice() {
        b"help" if argc == 2 => c.add_reply_help(&argv[0], XGROUP_HELP),
        b"create" if (5..=8).contains(&argc) => {
            let id = if argv[4].as_slice() == b"$" {
                match stream_read(s, db, key) {
                    Lookup::Found(st) => st.last_id,
                    _ => StreamId::MIN,
                }
            } else {
                match reply::parse_strict_id_or_reply(c, &argv[4], 0, None) {
                    Some(id) => id,
                    None => return,
                }
            };
            if !exists {
                let o = super::new_obj(s, Stream::new());
                s.db_add(db, key, o);
                s.signal_modified_key(db, key);
            }
            let st = stream_mut(s, db, key).expect("stream");
            if st.create_cg(&argv[3], id, entries_read) {
                c.add_reply_ok();
                s.dirty += 1;
                s.notify_keyspace_event(NOTIFY_STREAM, "xgroup-create", key, db);
            } else {
                c.add_reply_error("-BUSYGROUP Consumer Group name already exists");
            }
        }
        b"setid" if argc == 5 || argc == 7 => {
            let st = stream_mut(s, db, key).expect("stream");
            let id = if argv[4].as_slice() == b"$" {
                st.last_id
            } else {
                match reply::parse_id_or_reply(c, &argv[4], 0) {
                    Some(id) => id,
                    None => return,
                }
            };
            let cg = st.lookup_cg_mut(&argv[3]).expect("group");
            cg.last_id = id;
            cg.entries_read = entries_read;
            c.add_reply_ok();
            s.dirty += 1;
            s.notify_keyspace_event(NOTIFY_STREAM, "xgroup-setid", key, db);
        }
        b"destroy" if argc == 4 => {
            if has_group {
                let st = stream_mut(s, db, key).expect("stream");
                if let Some(g) = st.cgroups.as_mut() {
                    g.remove(argv[3].as_slice());
                }
                c.add_reply_long(1);
                s.dirty += 1;
                s.notify_keyspace_event(NOTIFY_STREAM, "xgroup-destroy", key, db);
                // Blocked XREADGROUP clients of this group get -NOGROUP.
                s.signal_key_as_ready(db, key);
            } else {
                c.add_reply_long(0);
            }
        }
        b"createconsumer" if argc == 5 => {
            let now = oxidis_ds::util::mstime();
            let st = stream_mut(s, db, key).expect("stream");
            let cg = st.lookup_cg_mut(&argv[3]).expect("group");
            let created = cg.create_consumer(&argv[4], now);
            if created {
                s.dirty += 1;
                s.notify_keyspace_event(NOTIFY_STREAM, "xgroup-createconsumer", key, db);
            }
            c.add_reply_long(created as i64);
        }
        b"delconsumer" if argc == 5 => {
            let st = stream_mut(s, db, key).expect("stream");
            let cg = st.lookup_cg_mut(&argv[3]).expect("group");
            let mut pending = 0;
            if cg.consumers.contains_key(argv[4].as_slice()) {
                pending = cg.del_consumer(&argv[4]);
                s.dirty += 1;
                s.notify_keyspace_event(NOTIFY_STREAM, "xgroup-delconsumer", key, db);
            }
            c.add_reply_long(pending as i64);
        }
        _ => super::subcommand_syntax_error(c, argv),
    }
}

/// XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id]. Redis: xsetidCommand.
pub fn xsetid_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(id) = reply::parse_strict_id_or_reply(c, &argv[2], 0, None) else {
        return;
    };
    let mut entries_added: i64 = -1;
    let mut max_xdel = StreamId::MIN;
    let mut i = 3;
    while i < argv.len() {
        let moreargs = argv.len() - 1 - i;
        if argv[i].eq_ignore_ascii_case(b"entriesadded") && moreargs > 0 {
            let Some(v) = get_long_or_reply(c, &argv[i + 1], None) else {
                return;
            };
            if v < 0 {
                return c.add_reply_error("entries_added must be positive");
            }
            entries_added = v;
            i += 2;
        } else if argv[i].eq_ignore_ascii_case(b"maxdeletedid") && moreargs > 0 {
            let Some(v) = reply::parse_strict_id_or_reply(c, &argv[i + 1], 0, None) else {
                return;
            };
            if id < v {
                return c.add_reply_error(
                    "The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                );
            }
            max_xdel = v;
            i += 2;
        } else {
            return c.add_reply_syntax_err();
        }
    }
    let db = c.db;
    let key = &argv[1];
    let st = match stream_write(s, db, key) {
        Lookup::Missing => return c.add_reply_error(shared::NO_SUCH_KEY),
        Lookup::WrongType => return c.add_reply_wrongtype(),
        Lookup::Found(st) => st,
    };
    if st.length > 0 {
        if id < st.last_valid_id() {
            return c.add_reply_error(
                "The ID specified in XSETID is smaller than the target stream top item",
            );
        }
        if entries_added != -1 && st.length > entries_added as u64 {
            return c.add_reply_error(
                "The entries_added specified in XSETID is smaller than the target stream length",
            );
        }
    }
    st.last_id = id;
    if entries_added != -1 {
        st.entries_added = entries_added as u64;
    }
    if !max_xdel.is_zero() {
        st.max_deleted_entry_id = max_xdel;
    }
    c.add_reply_ok();
    s.dirty += 1;
    s.notify_keyspace_event(NOTIFY_STREAM, "xsetid", key, db);
}

/// XACK key group id [id ...]. Redis: xackCommand.
pub fn xack_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let db = c.db;
    match group_exists(s, c, db, &argv[1], &argv[2]) {
        None => return,
        Some(false) => return c.add_reply_long(0),
        Some(true) => {}
    }
    let mut ids = Vec::with_capacity(argv.len() - 3);
    for a in &argv[3..] {
        let Some(id) = reply::parse_strict_id_or_reply(c, a, 0, None) else {
            return;
        };
        ids.push(id);
    }
    let st = stream_mut(s, db, &argv[1]).expect("stream");
    let cg = st.lookup_cg_mut(&argv[2]).expect("group");
    let mut acked = 0;
    for id in ids {
        if cg.remove_nack(id).is_some() {
            acked += 1;
        }
    }
    s.dirty += acked;
    c.add_reply_long(acked);
}

/// Whether the stream at `key` has the consumer group `gname` (a missing key
/// has none); None after replying WRONGTYPE.
fn group_exists(
    s: &mut Server,
    c: &mut Client,
    db: usize,
    key: &[u8],
    gname: &[u8],
) -> Option<bool> {
    match stream_read(s, db, key) {
        Lookup::WrongType => {
            c.add_reply_wrongtype();
            None
        }
        Lookup::Missing => Some(false),
        Lookup::Found(st) => Some(st.lookup_cg(gname).is_some()),
    }
}

fn nogroup(c: &mut Client, key: &[u8], group: &[u8]) {
    c.add_reply_error(&format!(
        "-NOGROUP No such key '{}' or consumer group '{}'",
        s_(key),
        s_(group)
    ));
}

/// XPENDING key group [[IDLE min-idle] start end count [consumer]].
/// Redis: xpendingCommand.
pub fn xpending_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let argc = argv.len();
    let justinfo = argc == 3;
    if argc != 3 && !(6..=9).contains(&argc) {
        return c.add_reply_syntax_err();
    }
    let mut start = StreamId::MIN;
    let mut end = StreamId::MAX;
    let mut count: i64 = 0;
    let mut minidle: i64 = 0;
    let mut consumer: Option<&[u8]> = None;
    if argc >= 6 {
        let mut startidx = 3;
        if argv[3].eq_ignore_ascii_case(b"idle") {
            let Some(v) = get_long_or_reply(c, &argv[4], None) else {
                return;
            };
            minidle = v;
            if argc < 8 {
                return c.add_reply_syntax_err();
            }
            startidx += 2;
        }
        let Some(n) = get_long_or_reply(c, &argv[startidx + 2], None) else {
            return;
        };
        count = n.max(0);
        let Some(st) = reply::parse_range_start(c, &argv[startidx]) else {
            return;
        };
        let Some(en) = reply::parse_range_end(c, &argv[startidx + 1]) else {
            return;
        };
        start = st;
        end = en;
        if startidx + 3 < argc {
            consumer = Some(&argv[startidx + 3]);
        }
    }
    let db = c.db;
    let st = match stream_read(s, db, &argv[1]) {
        Lookup::WrongType => return c.add_reply_wrongtype(),
        Lookup::Missing => return nogroup(c, &argv[1], &argv[2]),
        Lookup::Found(st) => st,
    };
    let Some(cg) = st.lookup_cg(&argv[2]) else {
        return nogroup(c, &argv[1], &argv[2]);
    };
    if justinfo {
        c.add_reply_array_len(4);
        c.add_reply_long(cg.pel.len() as i64);
        if cg.pel.is_empty() {
            c.add_reply_null();
            c.add_reply_null();
            c.add_reply_null_array();
        } else {
            add_reply_stream_id(c, *cg.pel.keys().next().expect("first"));
            add_reply_stream_id(c, *cg.pel.keys().next_back().expect("last"));
            let with: Vec<_> = cg
                .consumers
                .iter()
                .filter(|(_, x)| !x.pel.is_empty())
                .collect();
            c.add_reply_array_len(with.len());
            for (name, cons) in with {
                c.add_reply_array_len(2);
                c.add_reply_bulk(name);
                c.add_reply_bulk_i64(cons.pel.len() as i64);
            }
        }
        return;
    }
    let now = oxidis_ds::util::mstime();
    // Walk the PEL (the group's or the consumer's) from `start`, lazily:
    // COUNT bounds the work, not the PEL size.
    let ids: Box<dyn Iterator<Item = StreamId> + '_> = match consumer {
        Some(name) => match cg.consumers.get(name) {
            None => return c.add_reply_array_len(0),
            Some(cons) => Box::new(cons.pel.range(start..).copied()),
        },
        None => Box::new(cg.pel.range(start..).map(|(k, _)| *k)),
    };
    let d = c.add_reply_deferred_len();
    let mut n = 0;
    for id in ids {
        if count == 0 || id > end {
            break;
        }
        let Some(nack) = cg.pel.get(&id) else {
            continue;
        };
        if minidle != 0 && now - nack.delivery_time < minidle {
            continue;
        }
        n += 1;
        count -= 1;
        c.add_reply_array_len(4);
        add_reply_stream_id(c, id);
        c.add_reply_bulk(nack.consumer.as_deref().unwrap_or_default());
        c.add_reply_long((now - nack.delivery_time).max(0));
        c.add_reply_long(nack.delivery_count as i64);
    }
    c.set_deferred_array_len(d, n);
}

/// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms]
/// [TIME unix-ms] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID id].
/// Redis: xclaimCommand.
pub fn xclaim_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let db = c.db;
    let key = &argv[1];
    let gname = &argv[2];
    match group_exists(s, c, db, key, gname) {
        None => return,
        Some(false) => return nogroup(c, key, gname),
        Some(true) => {}
    }
    let Some(minidle) = get_long_or_reply(
        c,
        &argv[4],
        Some("Invalid min-idle-time argument for XCLAIM"),
    ) else {
        return;
    };
    let minidle = minidle.max(0);
    let mut ids = Vec::new();
    let mut j = 5;
    while j < argv.len() {
        match reply::parse_id(&argv[j], 0, true, None) {
            Some(id) => ids.push(id),
            None => break,
        }
        j += 1;
    }
    let now = oxidis_ds::util::mstime();
    let mut deliverytime: i64 = -1;
    let mut retrycount: i64 = -1;
    let (mut force, mut justid) = (false, false);
    let mut last_id = StreamId::MIN;
    while j < argv.len() {
        let moreargs = argv.len() - 1 - j;
        let opt = &argv[j];
        if opt.eq_ignore_ascii_case(b"force") {
            force = true;
        } else if opt.eq_ignore_ascii_case(b"justid") {
            justid = true;
        } else if opt.eq_ignore_ascii_case(b"idle") && moreargs > 0 {
            j += 1;
            let Some(v) =
                get_long_or_reply(c, &argv[j], Some("Invalid IDLE option argument for XCLAIM"))
            else {
                return;
            };
            deliverytime = now.wrapping_sub(v);
        } else if opt.eq_ignore_ascii_case(b"time") && moreargs > 0 {
            j += 1;
            let Some(v) =
                get_long_or_reply(c, &argv[j], Some("Invalid TIME option argument for XCLAIM"))
            else {
                return;
            };
            deliverytime = v;
        } else if opt.eq_ignore_ascii_case(b"retrycount") && moreargs > 0 {
            j += 1;
            let Some(v) = get_long_or_reply(
                c,
                &argv[j],
                Some("Invalid RETRYCOUNT option argument for XCLAIM"),
            ) else {
                return;
            };
            retrycount = v;
        } else if opt.eq_ignore_ascii_case(b"lastid") && moreargs > 0 {
            j += 1;
            let Some(v) = reply::parse_strict_id_or_reply(c, &argv[j], 0, None) else {
                return;
            };
            last_id = v;
        } else {
            return c.add_reply_error(&format!("Unrecognized XCLAIM option '{}'", s_(opt)));
        }
        j += 1;
    }
    let st = stream_mut(s, db, key).expect("stream");
    let mut props = Vec::new();
    let mut dirty = 0;
    let mut propagate_last_id = false;
    {
        let cg = st.lookup_cg_mut(gname).expect("group");
        if last_id > cg.last_id {
            cg.last_id = last_id;
            propagate_last_id = true;
        }
    }
    if deliverytime != -1 {
        if deliverytime < 0 || deliverytime > now {
            deliverytime = now;
        }
    } else {
        deliverytime = now;
    }
    let name = &argv[3];
    let mut consumer_ready = false;
    let mut created = false;
    let d = c.add_reply_deferred_len();
    let mut n = 0;
    for (k, &id) in ids.iter().enumerate() {
        let exists = st.entry_exists(id);
        let cg = st.lookup_cg_mut(gname).expect("group");
        if !exists {
            if let Some(nack) = cg.pel.get(&id) {
                let mut p = reply::xclaim_argv(key, gname, id, nack, cg.last_id);
                p[5] = argv[5 + k].clone();
                props.push(p);
                propagate_last_id = false;
                dirty += 1;
                cg.remove_nack(id);
            }
            continue;
        }
        if force && !cg.pel.contains_key(&id) {
            cg.pel.insert(
                id,
                Nack {
                    delivery_time: now,
                    delivery_count: 1,
                    consumer: None,
                },
            );
        }
        let Some(nack) = cg.pel.get(&id) else {
            continue;
        };
        if nack.consumer.is_some() && minidle != 0 && now - nack.delivery_time < minidle {
            continue;
        }
        if !consumer_ready {
            if !cg.lookup_consumer(name, true, now) {
                cg.create_consumer(name, now);
                created = true;
            }
            consumer_ready = true;
        }
        cg.assign_nack(id, name);
        let nack = cg.pel.get_mut(&id).expect("nack");
        nack.delivery_time = deliverytime;
        if retrycount >= 0 {
            nack.delivery_count = retrycount as u64;
        } else if !justid {
            nack.delivery_count += 1;
        }
        let nack = nack.clone();
        let last = cg.last_id;
        if justid {
            add_reply_stream_id(c, id);
        } else if let Some(e) = st.iter(Some(id), Some(id), false).next() {
            reply::add_reply_entry(c, &e);
        }
        n += 1;
        // Redis names the ID as the client wrote it.
        let mut argv_p = reply::xclaim_argv(key, gname, id, &nack, last);
        argv_p[5] = argv[5 + k].clone();
        props.push(argv_p);
        propagate_last_id = false;
        dirty += 1;
    }
    if propagate_last_id {
        let cg = st.lookup_cg(gname).expect("group");
        props.push(reply::setid_argv(key, gname, cg.last_id, cg.entries_read));
        dirty += 1;
    }
    c.set_deferred_array_len(d, n);
    if created {
        s.dirty += 1;
        s.notify_keyspace_event(NOTIFY_STREAM, "xgroup-createconsumer", key, db);
    }
    s.dirty += dirty;
    for p in props {
        s.also_propagate(db, p);
    }
    replication::prevent_propagation(c);
}

/// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID].
/// Redis: xautoclaimCommand.
pub fn xautoclaim_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(minidle) = get_long_or_reply(
        c,
        &argv[4],
        Some("Invalid min-idle-time argument for XAUTOCLAIM"),
    ) else {
        return;
    };
    let minidle = minidle.max(0);
    let Some(start) = reply::parse_range_start(c, &argv[5]) else {
        return;
    };
    let mut count: i64 = 100;
    let mut justid = false;
    let attempts_factor: i64 = 10;
    let mut j = 6;
    while j < argv.len() {
        let moreargs = argv.len() - 1 - j;
        if argv[j].eq_ignore_ascii_case(b"count") && moreargs > 0 {
            let max_count = i64::MAX / 16;
            match oxidis_ds::util::string2ll(&argv[j + 1]) {
                Some(v) if (1..=max_count).contains(&v) => count = v,
                Some(_) => return c.add_reply_error("COUNT must be > 0"),
                None => return c.add_reply_error("COUNT must be > 0"),
            }
            j += 1;
        } else if argv[j].eq_ignore_ascii_case(b"justid") {
            justid = true;
        } else {
            return c.add_reply_syntax_err();
        }
        j += 1;
    }
    let db = c.db;
    let key = &argv[1];
    let gname = &argv[2];
    match group_exists(s, c, db, key, gname) {
        None => return,
        Some(false) => return nogroup(c, key, gname),
        Some(true) => {}
    }
    let name = &argv[3];
    let now = oxidis_ds::util::mstime();
    let st = stream_mut(s, db, key).expect("stream");
    let mut attempts = count.saturating_mul(attempts_factor);
    let mut props = Vec::new();
    let mut deleted_ids = Vec::new();
    let mut dirty = 0;
    let mut created = false;
    let mut consumer_ready = false;
    c.add_reply_array_len(3);
    let endd = c.add_reply_deferred_len();
    let arrd = c.add_reply_deferred_len();
    let mut n = 0;
    let mut cursor = start;
    let mut endid = StreamId::MIN;
    loop {
        let next = {
            let cg = st.lookup_cg(gname).expect("group");
            cg.pel.range(cursor..).next().map(|(k, _)| *k)
        };
        let Some(id) = next else {
            break;
        };
        if attempts == 0 || count == 0 {
            endid = id;
            break;
        }
        attempts -= 1;
        // Past this one next time.
        let mut after = id;
        let wrapped = !after.incr();
        let exists = st.entry_exists(id);
        let cg = st.lookup_cg_mut(gname).expect("group");
        if !exists {
            if let Some(nack) = cg.pel.get(&id) {
                props.push(reply::xclaim_argv(key, gname, id, nack, cg.last_id));
            }
            dirty += 1;
            cg.remove_nack(id);
            deleted_ids.push(id);
            count -= 1;
        } else {
            let nack = &cg.pel[&id];
            if minidle == 0 || now - nack.delivery_time >= minidle {
                if !consumer_ready {
                    if !cg.lookup_consumer(name, true, now) {
                        cg.create_consumer(name, now);
                        created = true;
                    }
                    consumer_ready = true;
                }
                cg.assign_nack(id, name);
                let nack = cg.pel.get_mut(&id).expect("nack");
                nack.delivery_time = now;
                if !justid {
                    nack.delivery_count += 1;
                }
                let nack = nack.clone();
                let last = cg.last_id;
                if justid {
                    add_reply_stream_id(c, id);
                } else if let Some(e) = st.iter(Some(id), Some(id), false).next() {
                    reply::add_reply_entry(c, &e);
                }
                n += 1;
                count -= 1;
                props.push(reply::xclaim_argv(key, gname, id, &nack, last));
                dirty += 1;
            }
        }
        if wrapped {
            break;
        }
        cursor = after;
    }
    c.set_deferred_array_len(arrd, n);
    c.set_deferred_bulk(endd, &endid.to_bytes());
    c.add_reply_array_len(deleted_ids.len());
    for id in deleted_ids {
        add_reply_stream_id(c, id);
    }
    if created {
        s.dirty += 1;
        s.notify_keyspace_event(NOTIFY_STREAM, "xgroup-createconsumer", key, db);
    }
    s.dirty += dirty;
    for p in props {
        s.also_propagate(db, p);
    }
    replication::prevent_propagation(c);
}
