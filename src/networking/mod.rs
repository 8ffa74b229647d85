//! Connections, input and output. Redis counterpart: networking.c
//! (acceptTcpHandler, readQueryFromClient, processInputBuffer,
//! handleClientsWithPendingWrites, freeClient / freeClientAsync).
//!
//! `client.rs` holds the client and its reply buffers, `parse.rs` the RESP
//! parser, `client_cmd.rs` the CLIENT / HELLO / AUTH / QUIT / RESET commands.
//! Sockets are registered once with mio for READABLE | WRITABLE
//! (edge-triggered); a read shorter than the buffer means the socket is
//! drained, so there is no extra read that ends in EAGAIN. Replies are written
//! in `before_sleep`, once per loop iteration.

pub mod client;
pub mod client_cmd;
pub mod clients;
pub mod monitor;
pub mod obuf;
pub mod parse;
pub mod pause;
pub mod prefetch;

use std::io;

pub use client::Client;
use client::*;
pub use clients::{with_client, Clients};
use parse::Parsed;

use crate::server::{Listener, Server};
use crate::server_log;
use oxidis_ds::util;

/// Token of the first listener; clients use their slab key as token.
pub const LISTENER_TOKEN_BASE: usize = usize::MAX - 16;
/// Per readable event, at most this many bytes are read before other clients
/// get their turn (the rest is served on the next iteration).
const MAX_READ_PER_EVENT: usize = 1024 * 1024;

/// Accepts as many connections as are waiting. Redis: acceptTcpHandler.
pub fn accept_on(s: &mut Server, li: usize) {
    loop {
        let res = match &s.listeners[li] {
            Listener::Tcp(l) => l.accept().map(|(st, addr)| {
                let _ = st.set_nodelay(true);
                let laddr = st.local_addr().map(|a| fmt_addr(&a)).unwrap_or_default();
                (Conn::Tcp(st), fmt_addr(&addr), laddr, false)
            }),
            Listener::Unix(l, path) => {
                let p = path.display().to_string();
                l.accept()
                    .map(|(st, _)| (Conn::Unix(st), format!("{}:0", p), p.clone(), true))
            }
        };
        match res {
            Ok((conn, addr, laddr, unix)) => {
                if unix {
                    server_log!(Verbose, "Accepted connection to {}", laddr);
                } else {
                    server_log!(Verbose, "Accepted {}", addr);
                }
                create_client(s, conn, addr, laddr, unix);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                server_log!(Warning, "Accepting client connection: {}", e);
                return;
            }
        }
    }
}

fn fmt_addr(a: &std::net::SocketAddr) -> String {
    match a {
        std::net::SocketAddr::V4(v) => format!("{}:{}", v.ip(), v.port()),
        std::net::SocketAddr::V6(v) => format!("[{}]:{}", v.ip(), v.port()),
    }
}

const PROTECTED_MODE_ERR: &[u8] = b"-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/// Redis: islocalClient for TCP peers — exactly 127.0.0.1 or ::1 (a
/// client of 127.0.0.2 is not local).
pub fn is_loopback(addr: &str) -> bool {
    addr.starts_with("127.0.0.1:") || addr.starts_with("[::1]:")
}

/// Redis: createClient + acceptCommonHandler (maxclients check).
fn create_client(s: &mut Server, mut conn: Conn, addr: String, laddr: String, unix: bool) {
    let now = util::mstime();
    if s.clients.len() >= s.config.maxclients as usize {
        // Redis writes the error straight to the socket and closes it.
        let _ = conn.write(b"-ERR max number of clients reached\r\n");
        s.stats.rejected_conn += 1;
        return;
    }
    // Redis: clientAcceptHandler's protected mode. Without a password, only
    // loopback and unix-socket peers may connect.
    let default_nopass = s.acl.default_user().flags & crate::acl::user::USER_NOPASS != 0;
    if s.config.protected_mode && default_nopass && !unix && !is_loopback(&addr) {
        let _ = conn.write(PROTECTED_MODE_ERR);
        s.stats.rejected_conn += 1;
        return;
    }
    let slot = s.clients.vacant_slot();
    if s.registry
        .register(
            conn.source(),
            mio::Token(slot),
            mio::Interest::READABLE | mio::Interest::WRITABLE,
        )
        .is_err()
    {
        return;
    }
    let id = s.next_client_id;
    s.next_client_id += 1;
    let mut c = Client::new(id, slot, Some(conn), now);
    c.addr = addr;
    c.laddr = laddr;
    c.unix = unix;
    c.fd = slot as i32 + 8;
    c.authenticated = s.acl.default_needs_no_auth();
    s.clients.insert(c);
    s.stats.numconnections += 1;
}

/// Registers the link to this replica's master as a client (flagged
/// CLIENT_MASTER). Redis: the connection of connectWithMaster, which becomes
/// server.master once synchronised.
pub fn create_master_client(s: &mut Server, mut conn: Conn, addr: String) -> Option<usize> {
    let slot = s.clients.vacant_slot();
    s.registry
        .register(
            conn.source(),
            mio::Token(slot),
            mio::Interest::READABLE | mio::Interest::WRITABLE,
        )
        .ok()?;
    let id = s.next_client_id;
    s.next_client_id += 1;
    let mut c = Client::new(id, slot, Some(conn), util::mstime());
    c.addr = addr;
    c.fd = slot as i32 + 8;
    c.authenticated = true;
    c.user = crate::acl::SUPERUSER; // the master's stream is obeyed, not checked
    c.flags |= CLIENT_MASTER;
    s.clients.insert(c);
    Some(slot)
}

/// Readable event on a client socket. Redis: readQueryFromClient, looped
/// until the socket is drained because mio is edge-triggered.
pub fn read_query_from_client(s: &mut Server, slot: usize) {
    let mut total = 0usize;
    loop {
        let Some(c) = s.clients.get_mut(slot) else {
            return;
        };
        if c.flags & (CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY) != 0 {
            return;
        }
        let mut readlen = PROTO_IOBUF_LEN;
        // A big argument in progress: read the rest of it at once.
        if c.reqtype == ReqType::Multibulk
            && c.multibulklen > 0
            && c.bulklen >= parse::PROTO_MBULK_BIG_ARG
        {
            let remaining =
                c.bulklen as usize + 2 - (c.querybuf.len() - c.qb_pos).min(c.bulklen as usize + 2);
            if remaining > 0 && remaining < readlen * 64 {
                readlen = remaining.max(readlen);
            }
        }
        let res = c.read_from_socket(&mut s.readbuf, readlen);
        match res {
            Ok(0) => {
                server_log!(
                    Verbose,
                    "Client closed connection id={} addr={} laddr={} fd={} name={}",
                    c.id,
                    c.addr,
                    c.laddr,
                    c.fd,
                    c.name
                        .as_ref()
                        .map(|n| String::from_utf8_lossy(n).into_owned())
                        .unwrap_or_default()
                );
                free_client_async(s, slot);
                return;
            }
            Ok(n) => {
                c.last_interaction = util::mstime();
                s.stats.net_input_bytes += n as u64;
                s.stats.total_reads_processed += 1;
                total += n;
                let c = &s.clients[slot];
                if c.querybuf.len() - c.qb_pos > s.config.client_query_buffer_limit as usize {
                    let c = &s.clients[slot];
                    let bytes =
                        util::repr(&c.querybuf[c.qb_pos..(c.qb_pos + 64).min(c.querybuf.len())]);
                    let ci = client_info_string(s, c);
                    server_log!(Warning, "Closing client that reached max query buffer length: {} (qbuf initial bytes: {})", ci, bytes);
                    s.stats.client_qbuf_limit_disconnections += 1;
                    free_client_async(s, slot);
                    return;
                }
                process_input_buffer(s, slot);
                if n < readlen {
                    return; // drained
                }
                if total >= MAX_READ_PER_EVENT {
                    if let Some(c) = s.clients.get_mut(slot) {
                        if !c.pending_read {
                            c.pending_read = true;
                            s.clients_pending_read.push(slot);
                        }
                    }
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                server_log!(Verbose, "Reading from client: {}", e);
                free_client_async(s, slot);
                return;
            }
        }
    }
}

/// Runs every complete command in the query buffer. Redis: processInputBuffer.
pub fn process_input_buffer(s: &mut Server, slot: usize) {
    with_client(s, slot, |s, c| {
        // The link to our master speaks the handshake until it is up.
        let master = c.flags & CLIENT_MASTER != 0;
        if master
            && s.repl.link.state != crate::replication::replica::LinkState::Connected
            && !crate::replication::replica::handshake_input(s, c)
        {
            trim_query_buffer(c);
            s.mark_pending_write(slot, c);
            return;
        }
        // Commands left before the prefetched part of the batch is used up;
        // at zero the next part is prefetched (a batch deeper than
        // prefetch::MAX_BATCH is prefetched in slices as it runs).
        let mut prefetched = 0usize;
        // The end of one command's clock read is the next one's start.
        let mut prev_end_us = None;
        loop {
            if prefetched == 0 && c.flags & CLIENT_BLOCKED == 0 {
                let mut scratch = std::mem::take(&mut s.prefetch_scratch);
                prefetch::prefetch_batch(
                    &s.dbs[c.db].dict,
                    &s.commands,
                    &c.querybuf[c.qb_pos..],
                    &mut scratch,
                );
                // Nothing prefetched (one command, or an unusual one): look
                // again only after a whole slice's worth.
                prefetched = match scratch.len() {
                    n if n >= 2 => n,
                    _ => prefetch::MAX_BATCH,
                };
                s.prefetch_scratch = scratch;
            }
            prefetched = prefetched.saturating_sub(1);
            if c.flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP | CLIENT_BLOCKED) != 0 {
                break;
            }
            if c.qb_pos >= c.querybuf.len() || c.bpop.is_some() {
                break;
            }
            // Redis: while a busy script runs, the master's stream only
            // accumulates (it would get -BUSY otherwise); reset_run has it
            // processed once the script is over.
            if master && s.scripting.run.is_some() {
                break;
            }
            let auth_req = s.auth_required(c);
            let start = c.qb_pos;
            let parsed = parse::parse_command(c, s.config.proto_max_bulk_len, auth_req);
            if master {
                // The parser consumes a command's arguments as they arrive, so
                // a command split across reads is counted in pieces: the
                // replication offset advances by whole commands only.
                c.repl_cmd_bytes
                    .extend_from_slice(&c.querybuf[start..c.qb_pos]);
            }
            match parsed {
                Parsed::NeedMore => break,
                Parsed::Error { reply, reason } => {
                    c.add_reply_error(&reply);
                    set_protocol_error(s, c, reason);
                    break;
                }
                Parsed::Command => {
                    reset_parser(c);
                    if c.argc == 0 {
                        continue;
                    }
                    let argv = std::mem::take(&mut c.argv);
                    let argc = c.argc;
                    s.batch_clock_us = prev_end_us.take();
                    s.call_end_us = None;
                    s.process_command(c, &argv[..argc]);
                    s.batch_clock_us = None;
                    prev_end_us = s.call_end_us.take();
                    c.argv = argv;
                    // A command held by CLIENT PAUSE is applied (and counted)
                    // when it runs.
                    if master && c.postponed.is_none() {
                        let applied = std::mem::take(&mut c.repl_cmd_bytes);
                        crate::replication::replica::master_applied(s, &applied);
                    }
                    if c.flags & CLIENT_BLOCKED == 0 {
                        after_command(s, c);
                    } else {
                        c.argc = 0;
                        c.argv_len_sum = 0;
                    }
                }
            }
        }
        trim_query_buffer(c);
        s.mark_pending_write(slot, c);
    });
}

/// Drops the consumed part of the query buffer.
fn trim_query_buffer(c: &mut Client) {
    if c.qb_pos > 0 {
        if c.qb_pos == c.querybuf.len() {
            // The capacity stays until clientsCron resizes it, as Redis
            // keeps the sds allocation.
            c.querybuf.clear();
        } else {
            c.querybuf.drain(..c.qb_pos);
        }
        c.qb_pos = 0;
    }
}

fn reset_parser(c: &mut Client) {
    c.reqtype = ReqType::None;
    c.multibulklen = 0;
    c.bulklen = -1;
}

/// Redis: resetClient (CLIENT REPLY SKIP, argv) plus the output-buffer
/// check Redis makes while appending replies.
pub(crate) fn after_command(s: &mut Server, c: &mut Client) {
    if c.obuf_check {
        obuf::check_obuf_limits(s, c);
    }
    if !c.redacted.is_empty() {
        c.redacted.clear();
    }
    if c.flags & CLIENT_REPLY_SKIP != 0 {
        c.flags &= !CLIENT_REPLY_SKIP;
    }
    if c.flags & CLIENT_REPLY_SKIP_NEXT != 0 {
        c.flags |= CLIENT_REPLY_SKIP;
        c.flags &= !CLIENT_REPLY_SKIP_NEXT;
    }
    // A client blocked on keys keeps its argv until it is unblocked, for
    // the slow log and CLIENT LIST (Redis resets it in unblockClient).
    if c.bpop.is_some() {
        return;
    }
    reset_argv(c);
}

/// Redis: freeClientArgv as resetClient does it.
pub(crate) fn reset_argv(c: &mut Client) {
    if c.argv_len_sum > 64 * 1024 {
        c.argv.truncate(0);
        c.argv.shrink_to_fit();
    }
    c.argc = 0;
    c.argv_len_sum = 0;
}

/// Redis: setProtocolError.
fn set_protocol_error(s: &mut Server, c: &mut Client, reason: &str) {
    if crate::log::enabled(crate::log::Level::Verbose) {
        let rest = &c.querybuf[c.qb_pos..];
        let sample = if rest.len() < 128 {
            format!("Query buffer during protocol error: '{}'", printable(rest))
        } else {
            format!(
                "Query buffer during protocol error: '{}' (... more {} bytes ...) '{}'",
                printable(&rest[..64]),
                rest.len() - 128,
                printable(&rest[rest.len() - 64..])
            )
        };
        let ci = client_info_string(s, c);
        server_log!(
            Verbose,
            "Protocol error ({}) from client: {}. {}",
            reason,
            ci,
            sample
        );
    }
    c.flags |= CLIENT_CLOSE_AFTER_REPLY | CLIENT_PROTOCOL_ERROR;
}

fn printable(b: &[u8]) -> String {
    b.iter()
        .map(|&x| {
            if (0x20..0x7f).contains(&x) {
                x as char
            } else {
                '.'
            }
        })
        .collect()
}

/// Writes every client with pending replies. Redis:
/// handleClientsWithPendingWrites.
pub fn handle_clients_with_pending_writes(s: &mut Server) {
    let list = std::mem::take(&mut s.clients_pending_write);
    for slot in list.iter().copied() {
        let Some(c) = s.clients.get_mut(slot) else {
            continue;
        };
        c.flags &= !CLIENT_PENDING_WRITE;
        write_to_client(s, slot);
    }
    let mut list = list;
    list.clear();
    if s.clients_pending_write.is_empty() {
        s.clients_pending_write = list;
    }
}

/// Writes a client's pending output. Redis: writeToClient.
pub fn write_to_client(s: &mut Server, slot: usize) {
    let Some(c) = s.clients.get_mut(slot) else {
        return;
    };
    if c.flags & CLIENT_CLOSE_ASAP != 0 {
        return;
    }
    let before = c.net_output_bytes;
    let res = c.write_to_socket();
    let written = c.net_output_bytes - before;
    s.stats.net_output_bytes += written;
    if written > 0 {
        s.stats.total_writes_processed += 1;
    }
    let c = &mut s.clients[slot];
    match res {
        Ok(true) => {
            if c.flags & CLIENT_CLOSE_AFTER_REPLY != 0 {
                free_client_async(s, slot);
            }
        }
        Ok(false) => {} // WRITABLE is registered: the next writable event resumes.
        Err(e) => {
            server_log!(Verbose, "Error writing to client: {}", e);
            free_client_async(s, slot);
        }
    }
}

/// Writable event: resume a partial write. Redis: sendReplyToClient.
///
/// mio registers both directions edge-triggered, so a read event usually
/// reports the socket writable too. A client already queued for
/// before_sleep's write is left for it: writing here, between reads, would
/// hand the first reply to a sleeping client before the rest of the batch
/// is served, and every such early reply costs that client a wake-up
/// (measured: 4x the client context switches of Redis at P=16).
pub fn handle_writable(s: &mut Server, slot: usize) {
    if crate::replication::replica::master_writable(s, slot) {
        return;
    }
    if s.clients
        .get(slot)
        .is_some_and(|c| c.flags & CLIENT_PENDING_WRITE == 0 && c.has_pending_replies())
    {
        write_to_client(s, slot);
    }
}

/// Redis: freeClientAsync — the client is freed in before_sleep.
pub fn free_client_async(s: &mut Server, slot: usize) {
    if let Some(c) = s.clients.get_mut(slot) {
        if c.flags & CLIENT_CLOSE_ASAP == 0 {
            c.flags |= CLIENT_CLOSE_ASAP;
            s.clients_to_close.push(slot);
        }
    } else if s.clients.current() == Some(slot) {
        s.clients_to_close.push(slot);
    }
}

/// Redis: freeClientsInAsyncFreeQueue.
pub fn free_clients_in_async_queue(s: &mut Server) {
    while let Some(slot) = s.clients_to_close.pop() {
        free_client(s, slot);
    }
}

/// Redis: freeClient.
pub fn free_client(s: &mut Server, slot: usize) {
    let Some(mut c) = s.clients.remove(slot) else {
        return;
    };
    s.free_client_multi_state(&mut c);
    crate::pubsub::free_client_pubsub(s, &mut c);
    monitor::forget_monitor(s, &c);
    crate::replication::forget_replica(s, &c);
    if c.flags & CLIENT_MASTER != 0 {
        crate::replication::replica::master_client_freed(s, &c);
    }
    pause::forget_client(s, &mut c);
    s.unblock_shutdown(&mut c);
    crate::blocked::free_client_blocked(s, &mut c);
    if let Some(mut conn) = c.conn.take() {
        let _ = s.registry.deregister(conn.source());
        conn.shutdown();
    }
}

/// The `id=... addr=... ...` line of CLIENT LIST / CLIENT INFO. Redis:
/// catClientInfoString.
pub fn client_info_string(s: &Server, c: &Client) -> String {
    let now = util::mstime();
    let cmd = c
        .lastcmd
        .map(|i| s.commands.get(i).fullname.clone())
        .unwrap_or_else(|| "NULL".to_string());
    let qbuf = c.querybuf.len();
    let qbuf_free = c.querybuf.capacity() - c.querybuf.len();
    let argv_mem = if c.argc > 0 { c.argv_len_sum } else { 0 };
    let multi_mem: usize = c
        .mstate
        .commands
        .iter()
        .map(|(_, a)| a.iter().map(|x| x.len()).sum::<usize>())
        .sum();
    let multi = if c.mstate.active {
        c.mstate.commands.len() as i64
    } else {
        -1
    };
    let obl = c.buf.len();
    let oll = c.reply.len();
    let omem = c.reply_bytes;
    let tot = c.querybuf.capacity() + c.buf.capacity() + omem + argv_mem + multi_mem + 1024;
    let mut flags = c.flags_string();
    if s.watch.is_dirty(c.id) {
        // Redis: CLIENT_DIRTY_CAS ('d') sits after 'b'/'t'/'R'/'B'.
        let at = flags
            .find(|ch: char| !matches!(ch, 'O' | 'S' | 'M' | 'P' | 'x' | 'b'))
            .unwrap_or(flags.len());
        if flags == "N" {
            flags.clear();
        }
        flags.insert(at.min(flags.len()), 'd');
    }
    let events = match &c.conn {
        Some(_) => {
            if c.has_pending_replies() {
                "rw"
            } else {
                "r"
            }
        }
        None => "",
    };
    format!(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} qbuf={} qbuf-free={} argv-mem={} multi-mem={} rbs={} rbp={} obl={} oll={} omem={} tot-mem={} events={} cmd={} user={} redir=-1 resp={}",
        c.id,
        c.addr,
        c.laddr,
        c.fd,
        c.name.as_ref().map(|n| String::from_utf8_lossy(n).into_owned()).unwrap_or_default(),
        (now - c.ctime) / 1000,
        (now - c.last_interaction) / 1000,
        flags,
        c.db,
        c.pubsub.channels.len(),
        c.pubsub.patterns.len(),
        c.pubsub.shard_channels.len(),
        multi,
        qbuf,
        qbuf_free,
        argv_mem,
        multi_mem,
        c.buf.capacity(),
        c.buf_peak,
        obl,
        oll,
        omem,
        tot,
        events,
        cmd,
        s.acl.user_name(c.user),
        c.resp
    )
}
