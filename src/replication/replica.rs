//! Replication, replica side: REPLICAOF / SLAVEOF, the link to the master and
//! the synchronisation. Redis counterpart: replication.c (replicaofCommand,
//! replicationSetMaster / replicationUnsetMaster, connectWithMaster,
//! syncWithMaster's handshake, readSyncBulkPayload, replicationCacheMaster,
//! replicationSendAck, the slave half of replicationCron, INFO and ROLE) and
//! the READONLY / MASTERDOWN checks of server.c processCommand.
//!
//! # The link
//!
//! The connection to the master is an ordinary client in the slab, flagged
//! CLIENT_MASTER, so that once synchronised the master's stream runs through the
//! same parser and `process_command` as every other client. Until then its
//! input feeds the handshake instead ([`handshake_input`]):
//!
//! ```text
//! Connect --connect()--> Connecting --writable--> PING
//!   -> +PONG -> [AUTH] REPLCONF listening-port, REPLCONF capa psync2 (pipelined)
//!   -> PSYNC <cached replid> <offset+1> | PSYNC ? -1
//!   -> +CONTINUE: Connected, the dataset kept
//!   -> +FULLRESYNC <replid> <offset>: Transfer, read `$<len>` bytes of RDB,
//!      write dbfilename, flush, load, Connected
//! ```
//!
//! Connected, the master gets no replies (but REPLCONF ACK, sent every second
//! and on GETACK), its commands do not propagate through `call()`, and the
//! bytes of each command it applied are fed as they are to this server's own
//! backlog and replicas, so `master_repl_offset` follows the master's offset
//! and chained replicas see the master's stream. When the link drops, the
//! replication ID and offset are kept ("cached master") for a PSYNC that
//! continues where it stopped.
//!
//! Divergences: the RDB is always transferred through the master's disk path
//! (this side does not announce `capa eof`, which Redis masters honour by
//! falling back to disk-based transfer) and it is loaded from memory after
//! being written to `dbfilename`; `repl-diskless-load` is accepted but the
//! load always happens after the transfer.

use oxidis_ds::util;

use super::*;
use crate::networking::client::{Conn, CLIENT_MASTER};
use crate::networking::client_info_string;
use crate::server::command::CommandProc;
use crate::server_log;

/// Where the link to the master stands. Redis: REPL_STATE_*.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LinkState {
    #[default]
    None, // not a replica
    Connect,    // must connect (again)
    Connecting, // non-blocking connect in flight
    Handshake,  // PING, AUTH, REPLCONF, PSYNC replies awaited
    Transfer,   // reading the RDB payload
    Connected,  // applying the stream
}

/// The replica's view of its master. Redis: the repl_* and master fields.
#[derive(Default)]
pub struct MasterLink {
    pub state: LinkState,
    pub client: Option<(u64, usize)>, // the master client (id, slot)
    pub replies_expected: Vec<Expect>, // handshake replies still to read, in order
    pub transfer_size: usize,
    pub transfer_buf: Vec<u8>,
    pub transfer_replid: String,
    pub transfer_offset: i64,
    pub transfer_eof_mark: Option<Vec<u8>>, // `$EOF:<mark>`: the payload ends with the mark
    pub last_io: i64,                       // seconds
    pub down_since: i64,                    // seconds, 0 = never up
    pub cached: Option<(String, i64)>,      // replid and offset for PSYNC
    pub cached_db: usize,                   // the db the cached master's stream was in
    pub handshake_start: i64,               // seconds
}

/// A handshake reply the replica waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    Pong,
    Auth,
    Port,
    Ip,
    Capa,
    Psync,
}

/// Redis: replicationSetMaster.
pub fn set_master(s: &mut Server, host: &str, port: i32) {
    let was_master = s.config.masterhost.is_none();
    // Redis: a link that was up is cached, to try PSYNC with the new master;
    // our own replicas are kept (they may continue with us).
    drop_master_client(s, true);
    s.config.masterhost = Some(host.to_string());
    s.config.masterport = port;
    crate::log::set_role('S');
    s.repl.slave_keys_with_expire.clear();
    // Redis: clients blocked on keys cannot be served by a replica any more.
    crate::blocked::disconnect_all_blocked_clients(s);
    if was_master {
        // Redis: replicationCacheMasterUsingMyself — the stream this server
        // produced is the history a PSYNC to the new master can continue.
        s.repl.link.cached = Some((s.replid.clone(), s.repl.master_repl_offset));
        s.repl.link.cached_db = s.repl.slaveseldb.max(0) as usize;
    }
    s.repl.link.state = LinkState::Connect;
    s.repl.link.down_since = 0;
    let _ = crate::server::oom_score::update(s);
    server_log!(Notice, "Connecting to MASTER {}:{}", host, port);
    connect_with_master(s);
}

/// Redis: replicationUnsetMaster.
pub fn unset_master(s: &mut Server) {
    if s.config.masterhost.is_none() {
        return;
    }
    drop_master_client(s, false);
    s.repl.link = MasterLink::default();
    s.config.masterhost = None;
    crate::log::set_role('M');
    s.repl.slave_keys_with_expire.clear();
    // Redis: shiftReplicationId — the history so far stays valid for PSYNC
    // under the old ID, up to the current offset.
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
    s.repl.no_slaves_since = util::unixtime();
    let _ = crate::server::oom_score::update(s);
}

/// Closes the link to the master, if any. `cache`: keep its ID and offset for
/// a later PSYNC (a lost link rather than a new master).
fn drop_master_client(s: &mut Server, cache: bool) {
    if let Some((id, slot)) = s.repl.link.client.take() {
        if cache && s.repl.link.state == LinkState::Connected {
            s.repl.link.cached = Some((s.replid.clone(), s.repl.master_repl_offset));
            s.repl.link.cached_db = s.clients.get(slot).map(|c| c.db).unwrap_or(0);
        }
        if s.clients.get(slot).is_some_and(|c| c.id == id) {
            if let Some(c) = s.clients.get_mut(slot) {
                c.flags &= !CLIENT_MASTER; // freed as a plain client: no recursion
            }
            crate::networking::free_client_async(s, slot);
        }
    }
    s.repl.link.transfer_buf = Vec::new();
    s.repl.link.transfer_eof_mark = None;
    s.repl.link.replies_expected.clear();
}

/// Redis: disconnectSlaves — replicas must resync after a role change.
fn disconnect_slaves(s: &mut Server) {
    let slots: Vec<usize> = s.repl.slaves.iter().map(|r| r.slot).collect();
    for slot in slots {
        crate::networking::free_client_async(s, slot);
    }
}

/// Redis: connectWithMaster — a non-blocking connect; the writable event that
/// completes it starts the handshake.
fn connect_with_master(s: &mut Server) {
    let Some(host) = s.config.masterhost.clone() else {
        return;
    };
    let port = s.config.masterport as u16;
    let addr = match std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port)) {
        Ok(mut it) => it.next(),
        Err(e) => {
            server_log!(Warning, "Unable to connect to MASTER: {}", e);
            return;
        }
    };
    let Some(addr) = addr else {
        server_log!(
            Warning,
            "Unable to connect to MASTER: no address for {}",
            host
        );
        return;
    };
    let stream = match mio::net::TcpStream::connect(addr) {
        Ok(st) => st,
        Err(e) => {
            server_log!(Warning, "Unable to connect to MASTER: {}", e);
            return;
        }
    };
    let _ = stream.set_nodelay(true);
    let addr_s = format!("{}:{}", host, port);
    let Some(slot) = crate::networking::create_master_client(s, Conn::Tcp(stream), addr_s) else {
        server_log!(
            Warning,
            "Unable to connect to MASTER: can't register the socket"
        );
        return;
    };
    let id = s.clients[slot].id;
    s.repl.link.client = Some((id, slot));
    s.repl.link.state = LinkState::Connecting;
    s.repl.link.last_io = util::unixtime();
    s.repl.link.handshake_start = util::unixtime();
    server_log!(Notice, "MASTER <-> REPLICA sync started");
}

/// The master client became writable. While connecting, that means the
/// connect finished (or failed). Redis: syncWithMaster's first state.
pub fn master_writable(s: &mut Server, slot: usize) -> bool {
    if s.repl.link.state != LinkState::Connecting || s.repl.link.client.map(|x| x.1) != Some(slot) {
        return false;
    }
    let Some(c) = s.clients.get_mut(slot) else {
        return true;
    };
    let err = match c.conn.as_ref() {
        Some(Conn::Tcp(st)) => match st.take_error() {
            Ok(Some(e)) => Some(e.to_string()),
            Err(e) => Some(e.to_string()),
            Ok(None) => match st.peer_addr() {
                Ok(_) => None,
                Err(e) if e.kind() == std::io::ErrorKind::NotConnected => return true,
                Err(e) => Some(e.to_string()),
            },
        },
        _ => Some("not a TCP connection".into()),
    };
    if let Some(e) = err {
        server_log!(Warning, "Error condition on socket for SYNC: {}", e);
        cancel_handshake(s);
        return true;
    }
    server_log!(Notice, "Non blocking connect for SYNC fired the event.");
    let id = c.id;
    s.repl.link.state = LinkState::Handshake;
    s.repl.link.replies_expected = vec![Expect::Pong];
    write_to_replica(s, slot, id, b"PING\r\n");
    true
}

/// Redis: cancelReplicationHandshake — back to Connect, retried by the cron.
fn cancel_handshake(s: &mut Server) {
    drop_master_client(s, false);
    s.repl.link.state = LinkState::Connect;
}

/// Takes one `\r\n`-terminated line off the front of the query buffer.
fn take_line(c: &mut Client) -> Option<String> {
    let buf = &c.querybuf[c.qb_pos..];
    let nl = memchr::memchr(b'\n', buf)?;
    let mut line = &buf[..nl];
    if line.last() == Some(&b'\r') {
        line = &line[..line.len() - 1];
    }
    let s = String::from_utf8_lossy(line).into_owned();
    c.qb_pos += nl + 1;
    Some(s)
}

/// Input from the master before the link is up: handshake replies and the
/// RDB payload. Returns true when the link just became Connected and the rest
/// of the buffer is the stream. Redis: syncWithMaster + readSyncBulkPayload.
pub fn handshake_input(s: &mut Server, c: &mut Client) -> bool {
    s.repl.link.last_io = util::unixtime();
    loop {
        match s.repl.link.state {
            LinkState::Handshake => {
                let Some(line) = take_line(c) else {
                    return false;
                };
                if line.is_empty() {
                    continue; // a keepalive newline
                }
                if !handshake_reply(s, c, &line) {
                    return false;
                }
            }
            LinkState::Transfer => {
                if s.repl.link.transfer_size == usize::MAX {
                    let Some(line) = take_line(c) else {
                        return false;
                    };
                    if line.is_empty() {
                        continue; // newlines while the master writes the RDB
                    }
                    if let Some(e) = line.strip_prefix('-') {
                        server_log!(Warning, "MASTER aborted replication with an error: {}", e);
                        cancel_handshake(s);
                        return false;
                    }
                    if let Some(mark) = line.strip_prefix("$EOF:") {
                        if mark.len() != 40 {
                            server_log!(Warning, "Bad EOF mark from MASTER: '{}'", mark);
                            cancel_handshake(s);
                            return false;
                        }
                        server_log!(
                            Notice,
                            "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk"
                        );
                        s.repl.link.transfer_eof_mark = Some(mark.as_bytes().to_vec());
                        s.repl.link.transfer_size = usize::MAX - 1;
                        s.repl.link.transfer_buf = Vec::new();
                        continue;
                    }
                    let len = line.strip_prefix('$').and_then(|n| n.parse::<usize>().ok());
                    let Some(len) = len else {
                        server_log!(
                            Warning,
                            "Bad protocol from MASTER, the first byte is not '$' (we received '{}'), are you sure the host and port are right?",
                            line
                        );
                        cancel_handshake(s);
                        return false;
                    };
                    server_log!(
                        Notice,
                        "MASTER <-> REPLICA sync: receiving {} bytes from master to disk",
                        len
                    );
                    s.repl.link.transfer_size = len;
                    s.repl.link.transfer_buf = Vec::with_capacity(len.min(1 << 30));
                }
                if let Some(mark) = s.repl.link.transfer_eof_mark.clone() {
                    // Everything is appended; the mark ends the payload and what
                    // follows it is the stream, handed back to the parser.
                    let from = s
                        .repl
                        .link
                        .transfer_buf
                        .len()
                        .saturating_sub(mark.len() - 1);
                    s.repl
                        .link
                        .transfer_buf
                        .extend_from_slice(&c.querybuf[c.qb_pos..]);
                    c.qb_pos = c.querybuf.len();
                    let buf = &s.repl.link.transfer_buf;
                    let Some(p) = memchr::memmem::find(&buf[from..], &mark).map(|p| p + from)
                    else {
                        return false;
                    };
                    let rest = s.repl.link.transfer_buf.split_off(p + mark.len());
                    s.repl.link.transfer_buf.truncate(p);
                    s.repl.link.transfer_eof_mark = None;
                    c.querybuf = rest;
                    c.qb_pos = 0;
                    return finish_transfer(s, c);
                }
                let want = s.repl.link.transfer_size - s.repl.link.transfer_buf.len();
                let avail = c.querybuf.len() - c.qb_pos;
                let n = want.min(avail);
                s.repl
                    .link
                    .transfer_buf
                    .extend_from_slice(&c.querybuf[c.qb_pos..c.qb_pos + n]);
                c.qb_pos += n;
                if s.repl.link.transfer_buf.len() < s.repl.link.transfer_size {
                    return false;
                }
                return finish_transfer(s, c);
            }
            LinkState::Connected => return true,
            _ => return false,
        }
    }
}

/// One handshake reply. Returns false when the handshake was abandoned or is
/// waiting for something else.
fn handshake_reply(s: &mut Server, c: &mut Client, line: &str) -> bool {
    let Some(&expect) = s.repl.link.replies_expected.first() else {
        return false;
    };
    s.repl.link.replies_expected.remove(0);
    match expect {
        Expect::Pong => {
            let auth_err = ["-NOAUTH", "-NOPERM", "-ERR operation not permitted"]
                .iter()
                .any(|p| line.starts_with(p));
            if line.starts_with('-') && !auth_err {
                server_log!(Warning, "Error reply to PING from master: '{}'", line);
                cancel_handshake(s);
                return false;
            }
            server_log!(
                Notice,
                "Master replied to PING, replication can continue..."
            );
            send_handshake(s, c);
        }
        Expect::Auth => {
            if line.starts_with('-') {
                server_log!(Warning, "Unable to AUTH to MASTER: {}", line);
                cancel_handshake(s);
                return false;
            }
        }
        Expect::Port => {
            if line.starts_with('-') {
                server_log!(
                    Notice,
                    "(Non critical) Master does not understand REPLCONF listening-port: {}",
                    line
                );
            }
        }
        Expect::Ip => {
            if line.starts_with('-') {
                server_log!(
                    Notice,
                    "(Non critical) Master does not understand REPLCONF ip-address: {}",
                    line
                );
            }
        }
        Expect::Capa => {
            if line.starts_with('-') {
                server_log!(
                    Notice,
                    "(Non critical) Master does not understand REPLCONF capa: {}",
                    line
                );
            }
            send_psync(s, c);
        }
        Expect::Psync => return psync_reply(s, c, line),
    }
    true
}

/// Redis: the pipelined AUTH / REPLCONF part of syncWithMaster.
fn send_handshake(s: &mut Server, c: &mut Client) {
    let mut out = Vec::new();
    let mut expect = Vec::new();
    if let Some(pass) = s.config.masterauth.clone() {
        let mut argv = vec![b"AUTH".to_vec()];
        if let Some(u) = s.config.masteruser.clone() {
            argv.push(u.into_bytes());
        }
        argv.push(pass);
        encode_command(&mut out, &argv);
        expect.push(Expect::Auth);
    }
    let port = if s.config.replica_announce_port != 0 {
        s.config.replica_announce_port as i64
    } else {
        s.port as i64
    };
    encode_command(
        &mut out,
        &[
            b"REPLCONF".to_vec(),
            b"listening-port".to_vec(),
            port.to_string().into_bytes(),
        ],
    );
    expect.push(Expect::Port);
    if let Some(ip) = s.config.replica_announce_ip.clone() {
        encode_command(
            &mut out,
            &[
                b"REPLCONF".to_vec(),
                b"ip-address".to_vec(),
                ip.into_bytes(),
            ],
        );
        expect.push(Expect::Ip);
    }
    encode_command(
        &mut out,
        &[
            b"REPLCONF".to_vec(),
            b"capa".to_vec(),
            b"eof".to_vec(),
            b"capa".to_vec(),
            b"psync2".to_vec(),
        ],
    );
    expect.push(Expect::Capa);
    c.add_reply_raw_force(&out);
    s.repl.link.replies_expected = expect;
}

/// Redis: slaveTryPartialResynchronization's write half.
fn send_psync(s: &mut Server, c: &mut Client) {
    let (replid, offset) = match &s.repl.link.cached {
        Some((id, off)) => {
            server_log!(
                Notice,
                "Trying a partial resynchronization (request {}:{}).",
                id,
                off + 1
            );
            (id.clone(), (off + 1).to_string())
        }
        None => {
            server_log!(
                Notice,
                "Partial resynchronization not possible (no cached master)"
            );
            ("?".to_string(), "-1".to_string())
        }
    };
    let mut out = Vec::new();
    let mut argv = vec![b"PSYNC".to_vec(), replid.into_bytes(), offset.into_bytes()];
    // A master failing over asks its target to take over (failover.rs).
    if s.repl.failover.state == super::failover::FailoverState::InProgress {
        argv.push(b"FAILOVER".to_vec());
    }
    encode_command(&mut out, &argv);
    c.add_reply_raw_force(&out);
    s.repl.link.replies_expected = vec![Expect::Psync];
}

/// Redis: slaveTryPartialResynchronization's read half.
fn psync_reply(s: &mut Server, c: &mut Client, line: &str) -> bool {
    // Redis: a planned failover ends with the target's answer, full or
    // partial; anything else aborts it.
    if s.repl.failover.state == super::failover::FailoverState::InProgress {
        if line.starts_with("+FULLRESYNC") || line.starts_with("+CONTINUE") {
            super::failover::clear(s);
        } else {
            super::failover::abort(s, "Failover target rejected psync request");
            return false;
        }
    }
    if let Some(rest) = line.strip_prefix("+FULLRESYNC") {
        let mut it = rest.split_whitespace();
        let replid = it.next().unwrap_or("").to_string();
        let offset = it.next().and_then(|o| o.parse::<i64>().ok()).unwrap_or(-1);
        server_log!(Notice, "Full resync from master: {}:{}", replid, offset);
        s.repl.link.cached = None;
        s.repl.link.transfer_replid = replid;
        s.repl.link.transfer_offset = offset;
        s.repl.link.transfer_size = usize::MAX;
        s.repl.link.transfer_buf = Vec::new();
        s.repl.link.state = LinkState::Transfer;
        return true;
    }
    if let Some(rest) = line.strip_prefix("+CONTINUE") {
        server_log!(Notice, "Successful partial resynchronization with master.");
        let (cached_id, cached_off) = s.repl.link.cached.take().unwrap_or_default();
        let new_id = rest.trim();
        if !new_id.is_empty() && new_id != cached_id {
            s.replid2 = cached_id;
            s.repl.second_repl_offset = cached_off + 1;
            s.replid = new_id.to_string();
            server_log!(Notice, "Master replication ID changed to {}", s.replid);
            disconnect_slaves(s);
        } else {
            s.replid = cached_id;
        }
        s.repl.master_repl_offset = cached_off;
        c.db = s.repl.link.cached_db.min(s.dbs.len() - 1);
        server_log!(
            Notice,
            "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization."
        );
        link_up(s, c);
        return true;
    }
    if line.starts_with("-NOMASTERLINK") || line.starts_with("-LOADING") {
        server_log!(
            Notice,
            "Master is currently unable to PSYNC but should be in the future: {}",
            line
        );
    } else {
        server_log!(Warning, "Unexpected reply to PSYNC from master: {}", line);
    }
    cancel_handshake(s);
    false
}

/// The RDB payload has arrived: write it, load it, go online. Redis: the end of
/// readSyncBulkPayload.
fn finish_transfer(s: &mut Server, c: &mut Client) -> bool {
    let payload = std::mem::take(&mut s.repl.link.transfer_buf);
    s.repl.link.transfer_size = 0;
    crate::rdb::bgsave::kill_rdb_child(s, true);
    // Redis: replicationAttachToNewMaster — the history changes, so our own
    // replicas must resync.
    disconnect_slaves(s);
    let tmp = format!("temp-{}.{}.rdb", util::unixtime(), s.pid);
    let written =
        std::fs::write(&tmp, &payload).and_then(|_| std::fs::rename(&tmp, &s.config.dbfilename));
    if let Err(e) = written {
        server_log!(
            Warning,
            "Failed trying to rename the temp DB into {} in MASTER <-> REPLICA synchronization: {}",
            s.config.dbfilename,
            e
        );
        let _ = std::fs::remove_file(&tmp);
        cancel_handshake(s);
        return false;
    }
    server_log!(Notice, "MASTER <-> REPLICA sync: Flushing old data");
    s.empty_data(None);
    // Redis: the master's functions replace ours (they come in the payload).
    s.scripting.functions.flush();
    server_log!(Notice, "MASTER <-> REPLICA sync: Loading DB in memory");
    s.repl.loaded_stream_db = None;
    crate::rdb::load::start_loading(s, payload.len() as u64);
    let r = crate::rdb::load::load_rio(s, &payload, crate::rdb::RDBFLAGS_REPLICATION, &mut |_| {});
    crate::rdb::load::stop_loading(s);
    if r.is_err() {
        server_log!(
            Warning,
            "Failed trying to load the MASTER synchronization DB from disk, check server logs."
        );
        s.empty_data(None);
        cancel_handshake(s);
        return false;
    }
    s.replid = std::mem::take(&mut s.repl.link.transfer_replid);
    s.replid2 = "0".repeat(40);
    s.repl.second_repl_offset = -1;
    s.repl.master_repl_offset = s.repl.link.transfer_offset;
    s.repl.backlog = None;
    s.dirty = 0;
    c.db = s
        .repl
        .loaded_stream_db
        .take()
        .filter(|&d| d < s.dbs.len())
        .unwrap_or(0);
    server_log!(Notice, "MASTER <-> REPLICA sync: Finished with success");
    link_up(s, c);
    true
}

/// The link is up: the master client applies the stream from now on.
fn link_up(s: &mut Server, c: &mut Client) {
    s.repl.link.state = LinkState::Connected;
    s.repl.link.last_io = util::unixtime();
    s.repl.link.down_since = 0;
    // Redis: a replica keeps a backlog of the master's stream, so its own
    // replicas (and it, after a failover) can continue with PSYNC.
    if s.repl.backlog.is_none() {
        let size = s.config.repl_backlog_size.max(1) as usize;
        s.repl.backlog = Some(Backlog::new(size, s.repl.master_repl_offset));
    }
    c.authenticated = true;
    c.user = crate::acl::SUPERUSER;
    send_ack(s, c);
}

/// Redis: replicationSendAck.
pub fn send_ack(s: &Server, c: &mut Client) {
    let mut out = Vec::new();
    encode_command(
        &mut out,
        &[
            b"REPLCONF".to_vec(),
            b"ACK".to_vec(),
            s.repl.master_repl_offset.to_string().into_bytes(),
        ],
    );
    c.add_reply_raw_force(&out);
}

/// After the master client applied one command: its bytes advance the offset
/// and go to this server's backlog and replicas. Redis: commandProcessed +
/// replicationFeedStreamFromMasterStream.
pub fn master_applied(s: &mut Server, bytes: &[u8]) {
    s.repl.link.last_io = util::unixtime();
    s.feed_stream_bytes(bytes);
}

/// The master client is being freed. Redis: freeClient's master branch and
/// replicationCacheMaster.
pub fn master_client_freed(s: &mut Server, c: &Client) {
    if s.repl.link.client.map(|x| x.0) != Some(c.id) {
        return;
    }
    s.repl.link.client = None;
    if s.repl.link.state == LinkState::Connected {
        server_log!(Notice, "Connection with master lost.");
        server_log!(Notice, "Caching the disconnected master state.");
        s.repl.link.cached = Some((s.replid.clone(), s.repl.master_repl_offset));
        s.repl.link.cached_db = c.db;
        s.repl.link.down_since = util::unixtime();
    }
    if s.config.masterhost.is_some() {
        s.repl.link.state = LinkState::Connect;
    }
}

/// The replica half of replicationCron.
pub fn replica_cron(s: &mut Server) {
    if s.config.masterhost.is_none() {
        return;
    }
    let now = util::unixtime();
    let timeout = s.config.repl_timeout as i64;
    match s.repl.link.state {
        LinkState::Connect => {
            let host = s.config.masterhost.clone().unwrap_or_default();
            server_log!(
                Notice,
                "Connecting to MASTER {}:{}",
                host,
                s.config.masterport
            );
            connect_with_master(s);
        }
        LinkState::Connecting | LinkState::Handshake => {
            if now - s.repl.link.last_io > timeout {
                server_log!(Warning, "Timeout connecting to the MASTER...");
                cancel_handshake(s);
            }
        }
        LinkState::Transfer => {
            if now - s.repl.link.last_io > timeout {
                server_log!(
                    Warning,
                    "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value."
                );
                cancel_handshake(s);
            }
        }
        LinkState::Connected => {
            if now - s.repl.link.last_io > timeout {
                server_log!(Warning, "MASTER timeout: no data nor PING received...");
                drop_master_client(s, true);
                s.repl.link.state = LinkState::Connect;
                s.repl.link.down_since = now;
                return;
            }
            if let Some((id, slot)) = s.repl.link.client {
                let mut out = Vec::new();
                encode_command(
                    &mut out,
                    &[
                        b"REPLCONF".to_vec(),
                        b"ACK".to_vec(),
                        s.repl.master_repl_offset.to_string().into_bytes(),
                    ],
                );
                write_to_replica(s, slot, id, &out);
            }
        }
        LinkState::None => {}
    }
}

/// True while this server is a replica whose link to its master is not up.
pub fn link_down(s: &Server) -> bool {
    s.config.masterhost.is_some() && s.repl.link.state != LinkState::Connected
}

/// True when `slot` is the master link's client.
pub fn is_master_slot(s: &Server, slot: usize) -> bool {
    s.repl.link.client.is_some_and(|(_, sl)| sl == slot)
}

/// At start-up, the replication info of the RDB lets PSYNC continue. Redis:
/// loadDataFromDisk. A replica caches it as its master; a master keeps it as
/// its secondary ID, so its old replicas can continue with it.
pub fn restore_replication_info_from_rdb(s: &mut Server) {
    let Some((id, off)) = s.repl.loaded_repl.take() else {
        return;
    };
    let db = s.repl.loaded_stream_db.take().unwrap_or(0);
    if s.config.masterhost.is_some() {
        s.replid = id.clone();
        s.repl.master_repl_offset = off;
        s.repl.link.cached = Some((id, off));
        s.repl.link.cached_db = db;
        return;
    }
    s.replid2 = id;
    s.repl.second_repl_offset = off + 1;
    // Rebase the offset (and the DELs already in the backlog) on the file's.
    s.repl.master_repl_offset += off;
    if let Some(b) = s.repl.backlog.as_mut() {
        b.offset = s.repl.master_repl_offset - b.histlen() as i64 + 1;
    }
    s.repl.no_slaves_since = util::unixtime();
}

/// Redis: replicaofCommand (also SLAVEOF).
fn replicaof_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if s.config.cluster_enabled {
        return c.add_reply_error("REPLICAOF not allowed in cluster mode.");
    }
    if s.repl.failover.state != super::failover::FailoverState::None {
        return c.add_reply_error("REPLICAOF not allowed while failing over.");
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
    let port = match util::string2ll(&argv[2]) {
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
    let l = &s.repl.link;
    let now = util::unixtime();
    let up = l.state == LinkState::Connected;
    let _ = write!(
        out,
        "master_host:{}\r\nmaster_port:{}\r\nmaster_link_status:{}\r\nmaster_last_io_seconds_ago:{}\r\nmaster_sync_in_progress:{}\r\nslave_read_repl_offset:{}\r\nslave_repl_offset:{}\r\n",
        host,
        s.config.masterport,
        if up { "up" } else { "down" },
        if up { now - l.last_io } else { -1 },
        (l.state == LinkState::Transfer) as i32,
        s.repl.master_repl_offset + unapplied_bytes(s) as i64,
        s.repl.master_repl_offset,
    );
    if l.state == LinkState::Transfer {
        let total = if l.transfer_size >= usize::MAX - 1 {
            -1
        } else {
            l.transfer_size as i64
        };
        let read = l.transfer_buf.len() as i64;
        let perc = if total > 0 {
            read as f64 * 100.0 / total as f64
        } else {
            0.0
        };
        let _ = write!(
            out,
            "master_sync_total_bytes:{}\r\nmaster_sync_read_bytes:{}\r\nmaster_sync_left_bytes:{}\r\nmaster_sync_perc:{:.2}\r\nmaster_sync_last_io_seconds_ago:{}\r\n",
            total,
            read,
            total - read,
            perc,
            now - l.last_io
        );
    }
    if !up {
        let since = if l.down_since != 0 {
            now - l.down_since
        } else {
            -1
        };
        let _ = write!(out, "master_link_down_since_seconds:{}\r\n", since);
    }
    let _ = write!(
        out,
        "slave_priority:{}\r\nslave_read_only:{}\r\nreplica_announced:{}\r\n",
        s.config.replica_priority,
        s.config.replica_read_only as i32,
        s.config.replica_announced as i32
    );
}

/// Bytes read from the master but not applied yet (a command being parsed or
/// held by CLIENT PAUSE): slave_read_repl_offset minus slave_repl_offset.
fn unapplied_bytes(s: &Server) -> usize {
    if s.repl.link.state != LinkState::Connected {
        return 0;
    }
    let Some((id, slot)) = s.repl.link.client else {
        return 0;
    };
    s.clients
        .get(slot)
        .filter(|c| c.id == id)
        .map(|c| c.repl_cmd_bytes.len() + c.querybuf.len() - c.qb_pos)
        .unwrap_or(0)
}

/// ROLE for a replica. Redis: roleCommand.
pub fn role_reply(s: &Server, c: &mut Client) {
    let state = match s.repl.link.state {
        LinkState::None | LinkState::Connect => "connect",
        LinkState::Connecting => "connecting",
        LinkState::Handshake => "handshake",
        LinkState::Transfer => "sync",
        LinkState::Connected => "connected",
    };
    c.add_reply_array_len(5);
    c.add_reply_bulk(b"slave");
    c.add_reply_bulk(s.config.masterhost.as_deref().unwrap_or("").as_bytes());
    c.add_reply_long(s.config.masterport as i64);
    c.add_reply_bulk(state.as_bytes());
    let off = if s.repl.link.state == LinkState::Connected {
        s.repl.master_repl_offset
    } else {
        -1
    };
    c.add_reply_long(off);
}

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("replicaof", replicaof_command),
    ("slaveof", replicaof_command),
];
