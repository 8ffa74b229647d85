//! Streams. Redis counterpart: t_stream.c and stream.h (7.0).
//!
//! The structure is oxidis-ds's (`oxidis_ds::stream`): "Low level stream
//! encoding: a radix tree of listpacks" (StreamId, the node format, append,
//! iterate, delete, trim), "Low level implementation of consumer groups",
//! and RDB_TYPE_STREAM_LISTPACKS(_2). The files here follow t_stream.c's
//! other banners:
//! - `reply.rs`: ID parsing and streamReplyWithRange (the reply shared by
//!   the reading commands, with the consumer-group bookkeeping);
//! - `commands.rs`: "Stream commands implementation" (XADD, XRANGE,
//!   XREVRANGE, XLEN, XREAD/XREADGROUP, XDEL, XTRIM);
//! - `cgroup_cmds.rs`: "Consumer groups commands" (XGROUP, XSETID, XACK,
//!   XPENDING, XCLAIM, XAUTOCLAIM);
//! - `info.rs`: XINFO;
//! - `blocking.rs`: blocking XREAD/XREADGROUP (blocked.c's
//!   serveClientsBlockedOnStreamKey and unblockDeletedStreamReadgroupClients);
//!
//! Divergence: the rax of nodes is a `BTreeMap` keyed by ID (see
//! `oxidis_ds::stream::encoding`); the value sits behind an `Arc` so a snapshot shares it
//! until the next write.

pub mod blocking;
pub mod cgroup_cmds;
pub mod commands;
pub mod info;
pub mod reply;

use std::sync::Arc;

use oxidis_ds::stream::{ConsumerGroup, NodeLimits, Stream};

use crate::networking::Client;
use crate::object::{RObj, Value};
use crate::server::command::CommandProc;
use crate::server::Server;

/// The outcome of looking a stream key up.
pub enum Lookup<T> {
    Missing,
    WrongType,
    Found(T),
}

/// Redis: lookupKeyRead + checkType(OBJ_STREAM).
pub fn stream_read<'a>(s: &'a mut Server, db: usize, key: &[u8]) -> Lookup<&'a Stream> {
    match s.lookup_key_read(db, key) {
        None => Lookup::Missing,
        Some(o) => match &o.v {
            Value::Stream(st) => Lookup::Found(&**st),
            _ => Lookup::WrongType,
        },
    }
}

/// Redis: lookupKeyWrite + checkType(OBJ_STREAM); unshared from snapshots.
pub fn stream_write<'a>(s: &'a mut Server, db: usize, key: &[u8]) -> Lookup<&'a mut Stream> {
    match s.lookup_key_write(db, key) {
        None => Lookup::Missing,
        Some(o) => match &mut o.v {
            Value::Stream(st) => Lookup::Found(Arc::make_mut(st)),
            _ => Lookup::WrongType,
        },
    }
}

/// The stream at `key` with no expiry check or stats, for a key the command
/// already looked up.
pub fn stream_mut<'a>(s: &'a mut Server, db: usize, key: &[u8]) -> Option<&'a mut Stream> {
    match &mut s.dbs[db].dict.find_mut(key)?.v {
        Value::Stream(st) => Some(Arc::make_mut(st)),
        _ => None,
    }
}

pub fn new_obj(s: &Server, st: Stream) -> RObj {
    s.new_obj(Value::Stream(Arc::new(st)))
}

/// stream-node-max-bytes / stream-node-max-entries.
pub fn node_limits(s: &Server) -> NodeLimits {
    NodeLimits {
        max_bytes: s.config.stream_node_max_bytes,
        max_entries: s.config.stream_node_max_entries,
    }
}

/// Redis: addReplySubcommandSyntaxError (the text differs from the
/// command table's "unknown subcommand" error).
pub fn subcommand_syntax_error(c: &mut Client, argv: &[Vec<u8>]) {
    let sub = String::from_utf8_lossy(&argv[1][..argv[1].len().min(128)]).into_owned();
    let cmd = String::from_utf8_lossy(&argv[0]).to_uppercase();
    c.add_reply_error(&format!(
        "unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
        sub, cmd
    ));
}

/// Redis: xorObjectDigest's stream branch — every entry's "<ms>.<seq>",
/// then its fields and values, mixed in order (groups are not digested).
pub fn digest(d: &mut [u8; 20], st: &Stream) {
    use crate::debug::mix_digest;
    for e in st.iter(None, None, false) {
        mix_digest(d, format!("{}.{}", e.id.ms, e.id.seq).as_bytes());
        for (f, v) in e.fields() {
            mix_digest(d, &f.to_vec());
            mix_digest(d, &v.to_vec());
        }
    }
}

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("xadd", commands::xadd_command),
    ("xrange", commands::xrange_command),
    ("xrevrange", commands::xrevrange_command),
    ("xlen", commands::xlen_command),
    ("xread", commands::xread_command),
    ("xreadgroup", commands::xreadgroup_command),
    ("xdel", commands::xdel_command),
    ("xtrim", commands::xtrim_command),
    ("xgroup|create", cgroup_cmds::xgroup_command),
    ("xgroup|setid", cgroup_cmds::xgroup_command),
    ("xgroup|destroy", cgroup_cmds::xgroup_command),
    ("xgroup|createconsumer", cgroup_cmds::xgroup_command),
    ("xgroup|delconsumer", cgroup_cmds::xgroup_command),
    ("xgroup|help", cgroup_cmds::xgroup_command),
    ("xsetid", cgroup_cmds::xsetid_command),
    ("xack", cgroup_cmds::xack_command),
    ("xpending", cgroup_cmds::xpending_command),
    ("xclaim", cgroup_cmds::xclaim_command),
    ("xautoclaim", cgroup_cmds::xautoclaim_command),
    ("xinfo|stream", info::xinfo_command),
    ("xinfo|groups", info::xinfo_command),
    ("xinfo|consumers", info::xinfo_command),
    ("xinfo|help", info::xinfo_command),
];
