//! Replication, replica side: REPLICAOF / SLAVEOF and the replica's state.
//! Redis counterpart: replication.c (replicaofCommand, replicationSetMaster,
//! replicationUnsetMaster, shiftReplicationId, the slave part of INFO and ROLE)
//! and the READONLY / MASTERDOWN checks of server.c processCommand.
//!
//! Divergence: the link to the master is not established yet. A server told to
//! replicate logs that it connects, refuses writes as a read-only replica does,
//! applies `replica-serve-stale-data`, and reports `master_link_status:down`
//! until it is turned back into a master with REPLICAOF NO ONE. The
//! synchronisation itself (PSYNC handshake, RDB load, applying the stream) is
//! the replication issue's work.

use super::*;
use crate::networking::client_info_string;
use crate::server::command::CommandProc;
use crate::server_log;

/// Redis: replicationSetMaster.
pub fn set_master(s: &mut Server, host: &str, port: i32) {
    let was_master = s.config.masterhost.is_none();
    s.config.masterhost = Some(host.to_string());
    s.config.masterport = port;
    // Redis: clients blocked on keys cannot be served by a replica any more.
    crate::blocked::disconnect_all_blocked_clients(s);
    disconnect_slaves(s);
    if was_master {
        // Redis caches itself as the master it was, so that a later PSYNC can
        // continue: the stream it produced is the replica's history.
        s.repl.slaveseldb = -1;
    }
    server_log!(Notice, "Connecting to MASTER {}:{}", host, port);
    server_log!(Notice, "MASTER <-> REPLICA sync started");
}

/// Redis: replicationUnsetMaster.
pub fn unset_master(s: &mut Server) {
    if s.config.masterhost.is_none() {
        return;
    }
    server_log!(Notice, "Connection with master lost.");
    s.config.masterhost = None;
    // Redis: shiftReplicationId — the history so far stays valid for PSYNC under
    // the old ID, up to the current offset.
    s.replid2 = s.replid.clone();
    s.repl.second_repl_offset = s.repl.master_repl_offset + 1;
    s.change_replication_id();
    server_log!(
        Notice,
        "Setting secondary replication ID to {}, valid up to offset: {}. New replication ID is {}",
        s.replid2,
        s.repl.second_repl_offset,
        s.replid
    );
    disconnect_slaves(s);
    s.repl.slaveseldb = -1;
    s.repl.no_slaves_since = crate::util::mstime() / 1000;
}

/// Redis: disconnectSlaves — replicas must resync after a role change.
fn disconnect_slaves(s: &mut Server) {
    let slots: Vec<usize> = s.repl.slaves.iter().map(|r| r.slot).collect();
    for slot in slots {
        crate::networking::free_client_async(s, slot);
    }
}

/// True while this server is a replica whose link to its master is down.
pub fn link_down(s: &Server) -> bool {
    s.config.masterhost.is_some()
}

/// Redis: replicaofCommand (also SLAVEOF).
fn replicaof_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if s.config.cluster_enabled {
        return c.add_reply_error("REPLICAOF not allowed in cluster mode.");
    }
    if argv[1].eq_ignore_ascii_case(b"no") && argv[2].eq_ignore_ascii_case(b"one") {
        if s.config.masterhost.is_some() {
            unset_master(s);
            let who = client_info_string(s, c);
            server_log!(Notice, "MASTER MODE enabled (user request from '{}')", who);
        }
        return c.add_reply_ok();
    }
    if c.flags & CLIENT_SLAVE != 0 {
        return c.add_reply_error("Command is not valid when client is a replica.");
    }
    let port = match crate::util::string2ll(&argv[2]) {
        Some(p) if (0..=65535).contains(&p) => p as i32,
        _ => return c.add_reply_error("Invalid master port"),
    };
    let host = String::from_utf8_lossy(&argv[1]).into_owned();
    if s.config
        .masterhost
        .as_deref()
        .is_some_and(|h| h.eq_ignore_ascii_case(&host))
        && s.config.masterport == port
    {
        server_log!(
            Notice,
            "REPLICAOF would result into synchronization with the master we are already connected with. No operation performed."
        );
        return c.add_reply_raw(b"+OK Already connected to specified master\r\n");
    }
    set_master(s, &host, port);
    let who = client_info_string(s, c);
    server_log!(
        Notice,
        "REPLICAOF {}:{} enabled (user request from '{}')",
        host,
        port,
        who
    );
    c.add_reply_ok();
}

/// The slave part of INFO replication (before `connected_slaves`).
pub fn info_slave_fields(s: &Server, out: &mut String) {
    let Some(host) = s.config.masterhost.as_deref() else {
        return;
    };
    let _ = write!(
        out,
        "master_host:{}\r\nmaster_port:{}\r\nmaster_link_status:down\r\nmaster_last_io_seconds_ago:-1\r\nmaster_sync_in_progress:0\r\nslave_read_repl_offset:{}\r\nslave_repl_offset:{}\r\nmaster_link_down_since_seconds:-1\r\nslave_priority:{}\r\nslave_read_only:{}\r\nreplica_announced:{}\r\n",
        host,
        s.config.masterport,
        s.repl.master_repl_offset,
        s.repl.master_repl_offset,
        s.config.replica_priority,
        s.config.replica_read_only as i32,
        s.config.replica_announced as i32
    );
}

/// ROLE for a replica. Redis: roleCommand.
pub fn role_reply(s: &Server, c: &mut Client) {
    c.add_reply_array_len(5);
    c.add_reply_bulk(b"slave");
    c.add_reply_bulk(s.config.masterhost.as_deref().unwrap_or("").as_bytes());
    c.add_reply_long(s.config.masterport as i64);
    c.add_reply_bulk(b"connect");
    c.add_reply_long(-1);
}

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("replicaof", replicaof_command),
    ("slaveof", replicaof_command),
];
