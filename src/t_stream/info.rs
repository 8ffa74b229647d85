//! XINFO STREAM [FULL [COUNT n]], XINFO GROUPS, XINFO CONSUMERS, XINFO HELP.
//! Redis counterpart: t_stream.c (xinfoCommand, xinfoReplyWithStreamInfo,
//! streamReplyWithCGLag).
//!
//! Divergence: "radix-tree-nodes" is computed from the node keys (see
//! `Stream::rax_node_count`) since there is no rax to ask.

use oxidis_ds::stream::encoding::Stream;

use super::reply::{self, add_reply_stream_id};
use super::{stream_read, Lookup};
use crate::args::get_long_or_reply;
use crate::networking::Client;
use crate::server::shared;
use crate::server::Server;

const XINFO_HELP: &[&str] = &[
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
];

fn reply_lag(c: &mut Client, st: &Stream, cg: &super::ConsumerGroup) {
    match st.cg_lag(cg) {
        Some(l) => c.add_reply_long(l),
        None => c.add_reply_null(),
    }
}

fn reply_entries_read(c: &mut Client, v: Option<i64>) {
    match v {
        Some(n) => c.add_reply_long(n),
        None => c.add_reply_null(),
    }
}

/// Redis: xinfoReplyWithStreamInfo.
fn reply_stream_info(c: &mut Client, st: &Stream, argv: &[Vec<u8>]) {
    let opts = &argv[3..];
    let mut full = true;
    let mut count: i64 = 10;
    if opts.is_empty() {
        full = false;
    } else {
        if opts.len() != 1 && opts.len() != 3 {
            return super::subcommand_syntax_error(c, argv);
        }
        if !opts[0].eq_ignore_ascii_case(b"full") {
            return super::subcommand_syntax_error(c, argv);
        }
        if opts.len() == 3 {
            if !opts[1].eq_ignore_ascii_case(b"count") {
                return super::subcommand_syntax_error(c, argv);
            }
            let Some(n) = get_long_or_reply(c, &opts[2], None) else {
                return;
            };
            count = if n < 0 { 10 } else { n };
        }
    }
    c.add_reply_map_len(if full { 9 } else { 10 });
    c.add_reply_bulk(b"length");
    c.add_reply_long(st.length as i64);
    c.add_reply_bulk(b"radix-tree-keys");
    c.add_reply_long(st.rax.len() as i64);
    c.add_reply_bulk(b"radix-tree-nodes");
    c.add_reply_long(st.rax_node_count() as i64);
    c.add_reply_bulk(b"last-generated-id");
    add_reply_stream_id(c, st.last_id);
    c.add_reply_bulk(b"max-deleted-entry-id");
    add_reply_stream_id(c, st.max_deleted_entry_id);
    c.add_reply_bulk(b"entries-added");
    c.add_reply_long(st.entries_added as i64);
    c.add_reply_bulk(b"recorded-first-entry-id");
    add_reply_stream_id(c, st.first_id);
    if !full {
        c.add_reply_bulk(b"groups");
        c.add_reply_long(st.group_count() as i64);
        c.add_reply_bulk(b"first-entry");
        match st.iter(None, None, false).next() {
            Some(e) => reply::add_reply_entry(c, &e),
            None => c.add_reply_null(),
        }
        c.add_reply_bulk(b"last-entry");
        match st.iter(None, None, true).next() {
            Some(e) => reply::add_reply_entry(c, &e),
            None => c.add_reply_null(),
        }
        return;
    }
    let count = count as usize;
    c.add_reply_bulk(b"entries");
    let d = c.add_reply_deferred_len();
    let mut n = 0;
    for e in st.iter(None, None, false) {
        reply::add_reply_entry(c, &e);
        n += 1;
        if count != 0 && n == count {
            break;
        }
    }
    c.set_deferred_array_len(d, n);
    c.add_reply_bulk(b"groups");
    let Some(groups) = st.cgroups.as_ref() else {
        return c.add_reply_array_len(0);
    };
    let lim = |len: usize| if count == 0 { len } else { len.min(count) };
    c.add_reply_array_len(groups.len());
    for (name, cg) in groups {
        c.add_reply_map_len(7);
        c.add_reply_bulk(b"name");
        c.add_reply_bulk(name);
        c.add_reply_bulk(b"last-delivered-id");
        add_reply_stream_id(c, cg.last_id);
        c.add_reply_bulk(b"entries-read");
        reply_entries_read(c, cg.entries_read);
        c.add_reply_bulk(b"lag");
        reply_lag(c, st, cg);
        c.add_reply_bulk(b"pel-count");
        c.add_reply_long(cg.pel.len() as i64);
        c.add_reply_bulk(b"pending");
        c.add_reply_array_len(lim(cg.pel.len()));
        for (id, nack) in cg.pel.iter().take(lim(cg.pel.len())) {
            c.add_reply_array_len(4);
            add_reply_stream_id(c, *id);
            c.add_reply_bulk(nack.consumer.as_deref().unwrap_or_default());
            c.add_reply_long(nack.delivery_time);
            c.add_reply_long(nack.delivery_count as i64);
        }
        c.add_reply_bulk(b"consumers");
        c.add_reply_array_len(cg.consumers.len());
        for (cname, cons) in &cg.consumers {
            c.add_reply_map_len(4);
            c.add_reply_bulk(b"name");
            c.add_reply_bulk(cname);
            c.add_reply_bulk(b"seen-time");
            c.add_reply_long(cons.seen_time);
            c.add_reply_bulk(b"pel-count");
            c.add_reply_long(cons.pel.len() as i64);
            c.add_reply_bulk(b"pending");
            c.add_reply_array_len(lim(cons.pel.len()));
            for id in cons.pel.iter().take(lim(cons.pel.len())) {
                let nack = cg.pel.get(id);
                c.add_reply_array_len(3);
                add_reply_stream_id(c, *id);
                c.add_reply_long(nack.map_or(0, |n| n.delivery_time));
                c.add_reply_long(nack.map_or(0, |n| n.delivery_count as i64));
            }
        }
    }
}

/// Redis: xinfoCommand.
pub fn xinfo_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if argv[1].eq_ignore_ascii_case(b"help") {
        if argv.len() != 2 {
            return super::subcommand_syntax_error(c, argv);
        }
        return c.add_reply_help(&argv[0], XINFO_HELP);
    } else if argv.len() < 3 {
        return super::subcommand_syntax_error(c, argv);
    }
    let opt = argv[1].to_ascii_lowercase();
    let key = &argv[2];
    let db = c.db;
    let st = match stream_read(s, db, key) {
        Lookup::Missing => return c.add_reply_error(shared::NO_SUCH_KEY),
        Lookup::WrongType => return c.add_reply_wrongtype(),
        Lookup::Found(st) => st,
    };
    match opt.as_slice() {
        b"consumers" if argv.len() == 4 => {
            let Some(cg) = st.lookup_cg(&argv[3]) else {
                return c.add_reply_error(&format!(
                    "-NOGROUP No such consumer group '{}' for key name '{}'",
                    String::from_utf8_lossy(&argv[3]),
                    String::from_utf8_lossy(key)
                ));
            };
            let now = oxidis_ds::util::mstime();
            c.add_reply_array_len(cg.consumers.len());
            for (name, cons) in &cg.consumers {
                c.add_reply_map_len(3);
                c.add_reply_bulk(b"name");
                c.add_reply_bulk(name);
                c.add_reply_bulk(b"pending");
                c.add_reply_long(cons.pel.len() as i64);
                c.add_reply_bulk(b"idle");
                c.add_reply_long((now - cons.seen_time).max(0));
            }
        }
        b"groups" if argv.len() == 3 => {
            let Some(groups) = st.cgroups.as_ref() else {
                return c.add_reply_array_len(0);
            };
            c.add_reply_array_len(groups.len());
            for (name, cg) in groups {
                c.add_reply_map_len(6);
                c.add_reply_bulk(b"name");
                c.add_reply_bulk(name);
                c.add_reply_bulk(b"consumers");
                c.add_reply_long(cg.consumers.len() as i64);
                c.add_reply_bulk(b"pending");
                c.add_reply_long(cg.pel.len() as i64);
                c.add_reply_bulk(b"last-delivered-id");
                add_reply_stream_id(c, cg.last_id);
                c.add_reply_bulk(b"entries-read");
                reply_entries_read(c, cg.entries_read);
                c.add_reply_bulk(b"lag");
                reply_lag(c, st, cg);
            }
        }
        b"stream" => reply_stream_info(c, st, argv),
        _ => super::subcommand_syntax_error(c, argv),
    }
}
