//! Replication, master side: SYNC, PSYNC, REPLCONF, ROLE and the full
//! synchronisation. Redis counterpart: replication.c (syncCommand,
//! masterTryPartialResynchronization, startBgsaveForReplication,
//! replicationSetupSlaveForFullResync, updateSlavesWaitingBgsave,
//! replconfCommand, roleCommand, the master half of replicationCron).
//!
//! A full sync is a BGSAVE: the copy-on-write snapshot is written to
//! `dbfilename` by the writer thread, as Redis's disk-based sync writes it from
//! the fork child, and when the done handler runs each waiting replica gets
//! `$<len>\r\n` plus the file, then the stream collected since the snapshot
//! (`Replica::pending`), then the live stream.
//!
//! Divergences: the RDB always goes through the disk (Redis's
//! `repl-diskless-sync` sends it straight to the sockets of replicas that
//! declare `capa eof`; disk-based transfer is what Redis does for the others),
//! and the file is read into memory to be sent (Redis streams it in 16 KiB
//! reads). WAIT and the replica side (REPLICAOF host port) are not here yet.

use oxidis_ds::util;

use super::*;
use crate::networking::client::{CLIENT_CLOSE_AFTER_REPLY, CLIENT_MONITOR};
use crate::server::command::CommandProc;
use crate::server::shared;
use crate::server_log;

/// What a client said in REPLCONF before it became a replica.
#[derive(Default, Clone)]
pub struct ReplConf {
    pub listening_port: i64,
    pub ip: String,
    pub capa_eof: bool,
    pub capa_psync2: bool,
    pub req: u8,        // REPLCONF rdb-filter-only: SLAVE_REQ_* bits
    pub rdb_only: bool, // REPLCONF rdb-only: the RDB, no stream after it
}

/* What a replica leaves out of its RDB. Redis: SLAVE_REQ_*. */
pub const SLAVE_REQ_RDB_EXCLUDE_DATA: u8 = 1 << 0;
pub const SLAVE_REQ_RDB_EXCLUDE_FUNCTIONS: u8 = 1 << 1;

/// Redis: replicationGetSlaveName — "ip:port" with the listening port when known.
fn slave_name(c: &Client) -> String {
    let conf = c.replconf.as_deref().cloned().unwrap_or_default();
    let ip = if !conf.ip.is_empty() {
        conf.ip.clone()
    } else {
        c.addr
            .rsplit_once(':')
            .map(|(h, _)| h.to_string())
            .unwrap_or_default()
    };
    if conf.listening_port != 0 {
        format!("{}:{}", ip, conf.listening_port)
    } else {
        c.addr.clone()
    }
}

/// Redis: syncCommand — SYNC and PSYNC <replid> <offset>.
fn sync_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if c.flags & CLIENT_SLAVE != 0 {
        return; // already a replica (or a monitor): ignore
    }
    if argv.len() > 3
        && argv[0].eq_ignore_ascii_case(b"psync")
        && argv[3].eq_ignore_ascii_case(b"failover")
    {
        if let Err(e) = super::failover::psync_failover_request(s, c, &argv[1]) {
            return c.add_reply_error(e);
        }
    }
    // Redis: replicas do not sync with us while we are failing over.
    if s.repl.failover.state != super::failover::FailoverState::None {
        return c.add_reply_error("-NOMASTERLINK Can't SYNC while failing over");
    }
    if super::replica::link_down(s) {
        return c.add_reply_error("-NOMASTERLINK Can't SYNC while not connected with my master");
    }
    if c.has_pending_replies() {
        return c.add_reply_error("SYNC and PSYNC are invalid with pending output");
    }
    // Redis: a filtered RDB is only ever sent over the socket.
    let conf = c.replconf.as_deref().cloned().unwrap_or_default();
    if conf.req != 0 && !conf.capa_eof {
        return c.add_reply_error("Filtered replica requires EOF capability");
    }
    let psync = argv[0].eq_ignore_ascii_case(b"psync");
    let name = slave_name(c);
    server_log!(Notice, "Replica {} asks for synchronization", name);
    let mut psync_offset = 0i64;
    if psync {
        match util::string2ll(&argv[2]) {
            Some(v) => psync_offset = v,
            None => {
                server_log!(
                    Warning,
                    "Replica {} asks for synchronization but with a wrong offset",
                    name
                );
                return c.add_reply_error(shared::NOT_INTEGER);
            }
        }
    }
    if psync {
        if try_partial_resync(s, c, &argv[1], psync_offset, &name) {
            return;
        }
        if !argv[1].starts_with(b"?") {
            s.repl.stat_sync_partial_err += 1;
        }
    }
    s.repl.stat_sync_full += 1;
    c.flags |= CLIENT_SLAVE;
    let mut r = Replica {
        id: c.id,
        slot: c.slot,
        state: SlaveState::WaitBgsaveStart,
        listening_port: conf.listening_port,
        announced_ip: conf.ip.clone(),
        capa_eof: conf.capa_eof,
        capa_psync2: conf.capa_psync2,
        req: conf.req,
        rdb_only: conf.rdb_only,
        psync_initial_offset: 0,
        ack_off: 0,
        ack_time: util::unixtime(),
        old_protocol: !psync,
        pending: Vec::new(),
        addr: c.addr.clone(),
    };
    s.create_backlog_if_needed();
    use crate::rdb::bgsave::{ChildKind, SaveTarget};
    let child = s.rdb.child.as_ref().map(|ch| ch.kind);
    if child == Some(ChildKind::Rdb(SaveTarget::Sockets)) {
        // CASE 2: the running save streams to other replicas.
        server_log!(
            Notice,
            "Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC"
        );
        s.repl.slaves.push(r);
    } else if child == Some(ChildKind::Rdb(SaveTarget::Disk)) {
        // CASE 1: a BGSAVE to disk is running. Redis: attach to it if another
        // replica already waits for its end, else wait for the next one.
        // A filtered replica never shares a save to disk.
        let donor = s
            .repl
            .slaves
            .iter()
            .find(|o| o.state == SlaveState::WaitBgsaveEnd && o.req == 0 && r.req == 0)
            .map(|o| (o.pending.clone(), o.psync_initial_offset));
        if let Some((pending, offset)) = donor {
            r.pending = pending;
            let replid = s.replid.clone();
            if let Some(line) = setup_full_resync(&mut r, &replid, offset) {
                c.add_reply_raw_force(line.as_bytes());
            }
            s.repl.slaveseldb = -1;
            server_log!(Notice, "Waiting for end of BGSAVE for SYNC");
        } else {
            server_log!(
                Notice,
                "Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC"
            );
        }
        s.repl.slaves.push(r);
    } else if s.config.repl_diskless_sync && r.capa_eof && s.config.repl_diskless_sync_delay > 0 {
        // CASE 3, diskless with a delay: the cron starts the save, so that
        // replicas arriving meanwhile share it.
        server_log!(Notice, "Delay next BGSAVE for diskless SYNC");
        s.repl.slaves.push(r);
    } else if child.is_some() {
        server_log!(
            Notice,
            "No BGSAVE in progress, but another BG operation is active. BGSAVE for replication delayed"
        );
        s.repl.slaves.push(r);
    } else {
        s.repl.slaves.push(r);
        start_bgsave_for_replication(s, Some(c));
    }
}

/// Redis: masterTryPartialResynchronization. Returns true when the replica
/// continues from the backlog.
fn try_partial_resync(
    s: &mut Server,
    c: &mut Client,
    replid: &[u8],
    offset: i64,
    name: &str,
) -> bool {
    let replid = String::from_utf8_lossy(replid).to_string();
    if replid != s.replid && (replid != s.replid2 || offset > s.repl.second_repl_offset) {
        if !replid.starts_with('?') {
            if replid != s.replid && replid != s.replid2 {
                server_log!(
                    Notice,
                    "Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '{}', my replication IDs are '{}' and '{}')",
                    replid,
                    s.replid,
                    s.replid2
                );
            } else {
                server_log!(
                    Notice,
                    "Partial resynchronization not accepted: Requested offset for second ID was {}, but I can reply up to {}",
                    offset,
                    s.repl.second_repl_offset
                );
            }
        } else {
            server_log!(Notice, "Full resync requested by replica {}", name);
        }
        return false;
    }
    let tail = s.repl.backlog.as_ref().and_then(|b| b.tail_from(offset));
    let Some(tail) = tail else {
        server_log!(
            Notice,
            "Unable to partial resync with replica {} for lack of backlog (Replica request was: {}).",
            name,
            offset
        );
        if offset > s.repl.master_repl_offset {
            server_log!(
                Warning,
                "Warning: replica {} tried to PSYNC with an offset that is greater than the master replication offset.",
                name
            );
        }
        return false;
    };
    let conf = c.replconf.as_deref().cloned().unwrap_or_default();
    c.flags |= CLIENT_SLAVE;
    let line = if conf.capa_psync2 {
        format!("+CONTINUE {}\r\n", s.replid)
    } else {
        "+CONTINUE\r\n".to_string()
    };
    c.add_reply_raw_force(line.as_bytes());
    c.add_reply_raw_force(&tail);
    s.repl.slaves.push(Replica {
        id: c.id,
        slot: c.slot,
        state: SlaveState::Online,
        listening_port: conf.listening_port,
        announced_ip: conf.ip,
        capa_eof: conf.capa_eof,
        capa_psync2: conf.capa_psync2,
        req: conf.req,
        rdb_only: conf.rdb_only,
        psync_initial_offset: offset,
        ack_off: 0,
        ack_time: util::unixtime(),
        old_protocol: false,
        pending: Vec::new(),
        addr: c.addr.clone(),
    });
    s.repl.stat_sync_partial_ok += 1;
    server_log!(
        Notice,
        "Partial resynchronization request from {} accepted. Sending {} bytes of backlog starting from offset {}.",
        name,
        tail.len(),
        offset
    );
    s.refresh_good_slaves();
    true
}

/// Redis: replicationSetupSlaveForFullResync. Returns the +FULLRESYNC line
/// the caller queues on the replica's client (none for the old SYNC).
/// The caller resets `slaveseldb`, so the stream after the snapshot opens with
/// a SELECT.
fn setup_full_resync(r: &mut Replica, replid: &str, offset: i64) -> Option<String> {
    r.psync_initial_offset = offset;
    r.state = SlaveState::WaitBgsaveEnd;
    (!r.old_protocol).then(|| format!("+FULLRESYNC {} {}\r\n", replid, offset))
}

/// Redis: startBgsaveForReplication (disk target). `current` is the client
/// running SYNC, if this comes from the command.
fn start_bgsave_for_replication(s: &mut Server, mut current: Option<&mut Client>) {
    // Redis: one save serves the waiting replicas that want the same RDB as
    // the first of them (the others wait for the next save).
    let req = s
        .repl
        .slaves
        .iter()
        .find(|r| r.state == SlaveState::WaitBgsaveStart)
        .map_or(0, |r| r.req);
    let waiting: Vec<usize> = (0..s.repl.slaves.len())
        .filter(|&i| {
            s.repl.slaves[i].state == SlaveState::WaitBgsaveStart && s.repl.slaves[i].req == req
        })
        .collect();
    // Redis: the sockets are the target only if every waiting replica can
    // take an EOF-delimited payload; a filtered RDB always goes there.
    let sockets = (s.config.repl_diskless_sync || req != 0)
        && waiting.iter().all(|&i| s.repl.slaves[i].capa_eof);
    let target = if sockets {
        server_log!(
            Notice,
            "Starting BGSAVE for SYNC with target: replicas sockets"
        );
        crate::rdb::bgsave::SaveTarget::Sockets
    } else {
        server_log!(Notice, "Starting BGSAVE for SYNC with target: disk");
        crate::rdb::bgsave::SaveTarget::Disk
    };
    let ok = crate::rdb::bgsave::rdb_save_background_filtered(s, target, req).is_ok();
    if !ok {
        server_log!(Warning, "BGSAVE for replication failed");
        for &i in waiting.iter().rev() {
            let r = s.repl.slaves.remove(i);
            with_replica_client(s, &mut current, r.id, r.slot, |c| {
                c.flags &= !CLIENT_SLAVE;
                c.add_reply_error("BGSAVE failed, replication can't continue");
                c.flags |= CLIENT_CLOSE_AFTER_REPLY;
            });
        }
        return;
    }
    s.repl.bgsave_for_repl = true;
    let offset = s.repl.master_repl_offset;
    let replid = s.replid.clone();
    for i in waiting {
        let r = &mut s.repl.slaves[i];
        let (id, slot) = (r.id, r.slot);
        let line = setup_full_resync(r, &replid, offset);
        // The FULLRESYNC line is queued on the client before any stream byte.
        with_replica_client(s, &mut current, id, slot, |c| {
            if let Some(line) = line {
                c.add_reply_raw_force(line.as_bytes());
            }
        });
    }
    s.repl.slaveseldb = -1;
}

/// Runs `f` on the replica's client, whether it is the one lent out for the
/// current command or one in the client table; then queues it for writing.
fn with_replica_client(
    s: &mut Server,
    current: &mut Option<&mut Client>,
    id: u64,
    slot: usize,
    f: impl FnOnce(&mut Client),
) {
    if let Some(c) = current.as_deref_mut() {
        if c.id == id {
            f(c);
            return;
        }
    }
    if let Some(c) = s.clients.get_mut(slot) {
        if c.id == id {
            f(c);
            if c.flags & CLIENT_PENDING_WRITE == 0 && c.has_pending_replies() {
                c.flags |= CLIENT_PENDING_WRITE;
                s.clients_pending_write.push(slot);
            }
        }
    }
}

/// Redis: updateSlavesWaitingBgsave — called by the BGSAVE done handler.
/// `image` is the payload of a save made for replica sockets (else the file
/// is read).
pub fn bgsave_done(s: &mut Server, ok: bool, image: Option<Vec<u8>>) {
    s.repl.bgsave_for_repl = false;
    let waiting: Vec<usize> = (0..s.repl.slaves.len())
        .filter(|&i| s.repl.slaves[i].state == SlaveState::WaitBgsaveEnd)
        .collect();
    if waiting.is_empty() {
        return start_pending_fork(s);
    }
    let sockets = image.is_some();
    let payload = if !ok && sockets {
        None
    } else if let Some(img) = image {
        // Redis: an EOF-delimited transfer ends with a random 40-byte mark the
        // replica watches for, as the length is not known in advance.
        let mark = util::get_random_hex_chars(40);
        let mut b = format!("$EOF:{}\r\n", mark).into_bytes();
        b.extend_from_slice(&img);
        b.extend_from_slice(mark.as_bytes());
        Some(b)
    } else if ok {
        match std::fs::read(&s.config.dbfilename) {
            Ok(b) => Some(b),
            Err(e) => {
                server_log!(
                    Warning,
                    "SYNC failed. Can't open/stat DB after BGSAVE: {}",
                    e
                );
                None
            }
        }
    } else {
        server_log!(Warning, "SYNC failed. BGSAVE child returned an error");
        None
    };
    for &i in waiting.iter().rev() {
        let (id, slot) = (s.repl.slaves[i].id, s.repl.slaves[i].slot);
        let Some(payload) = payload.as_ref() else {
            s.repl.slaves.remove(i);
            crate::networking::free_client_async(s, slot);
            continue;
        };
        let r = &mut s.repl.slaves[i];
        let pending = std::mem::take(&mut r.pending);
        r.state = SlaveState::Online;
        r.ack_time = util::unixtime();
        let Some(c) = s.clients.get_mut(slot).filter(|c| c.id == id) else {
            s.repl.slaves.remove(i);
            continue;
        };
        // Whatever is already queued (FULLRESYNC, keepalive newlines) goes first,
        // then the bulk, then the stream since the snapshot.
        let mut bulk = std::mem::take(&mut c.buf);
        for blk in c.reply.drain(..) {
            bulk.extend_from_slice(&blk);
        }
        c.reply_bytes = 0;
        let skip = std::mem::take(&mut c.sentlen);
        let mut front = bulk.split_off(skip.min(bulk.len()));
        if sockets {
            front.extend_from_slice(payload);
        } else {
            front.extend_from_slice(format!("${}\r\n", payload.len()).as_bytes());
            front.extend_from_slice(payload);
        }
        c.bulk = Some(Box::new((front, 0)));
        c.buf = Vec::with_capacity(crate::networking::client::PROTO_REPLY_CHUNK_BYTES);
        c.add_reply_raw_force(&pending);
        if c.flags & CLIENT_PENDING_WRITE == 0 {
            c.flags |= CLIENT_PENDING_WRITE;
            s.clients_pending_write.push(slot);
        }
        let name = slave_name(c);
        // Redis: replicaPutOnline — a replica that asked for the RDB only is
        // closed once it has it, and never gets the stream.
        if s.repl.slaves[i].rdb_only {
            c.flags |= CLIENT_CLOSE_AFTER_REPLY;
            s.repl.slaves.remove(i);
            server_log!(
                Notice,
                "RDB transfer completed, rdb only replica ({}) should be disconnected asap",
                name
            );
            continue;
        }
        if sockets {
            server_log!(
                Notice,
                "Streamed RDB transfer with replica {} succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming",
                name
            );
        }
        server_log!(Notice, "Synchronization with replica {} succeeded", name);
    }
    s.refresh_good_slaves();
    start_pending_fork(s);
}

/// Redis: replicationStartPendingFork and shouldStartChildForReplication —
/// replicas that asked while another save ran, or that wait for the diskless
/// delay (or for enough of them, repl-diskless-sync-max-replicas).
fn start_pending_fork(s: &mut Server) {
    if s.rdb.child.is_some() {
        return;
    }
    let now = util::unixtime();
    let waiting: Vec<&Replica> = s
        .repl
        .slaves
        .iter()
        .filter(|r| r.state == SlaveState::WaitBgsaveStart)
        .collect();
    if waiting.is_empty() {
        return;
    }
    if s.config.repl_diskless_sync {
        let max_idle = waiting.iter().map(|r| now - r.ack_time).max().unwrap_or(0);
        let max = s.config.repl_diskless_sync_max_replicas;
        let enough = max > 0 && waiting.len() >= max as usize;
        if max_idle < s.config.repl_diskless_sync_delay as i64 && !enough {
            return;
        }
    }
    start_bgsave_for_replication(s, None);
}

/// The master half of replicationCron (once a second).
pub fn replication_cron(s: &mut Server) {
    s.repl.cron_loops += 1;
    super::replica::replica_cron(s);
    let period = s.config.repl_ping_replica_period.max(1) as u64;
    if !s.repl.slaves.is_empty() && s.repl.cron_loops.is_multiple_of(period) {
        let db = s.repl.slaveseldb;
        s.feed_slaves(db, &[b"ping".to_vec()]);
    }
    // Newlines keep replicas that wait for their RDB from timing out.
    let presync: Vec<(u64, usize)> = s
        .repl
        .slaves
        .iter()
        .filter(|r| r.state != SlaveState::Online)
        .map(|r| (r.id, r.slot))
        .collect();
    for (id, slot) in presync {
        if let Some(c) = s.clients.get_mut(slot).filter(|c| c.id == id) {
            if c.bulk.is_none() {
                c.add_reply_raw_force(b"\n");
                if c.flags & CLIENT_PENDING_WRITE == 0 {
                    c.flags |= CLIENT_PENDING_WRITE;
                    s.clients_pending_write.push(slot);
                }
            }
        }
    }
    let now = util::unixtime();
    let timeout = s.config.repl_timeout as i64;
    let timed_out: Vec<usize> = s
        .repl
        .slaves
        .iter()
        .filter(|r| r.state == SlaveState::Online && !r.old_protocol && now - r.ack_time > timeout)
        .map(|r| r.slot)
        .collect();
    for slot in timed_out {
        if let Some(c) = s.clients.get(slot) {
            server_log!(
                Warning,
                "Disconnecting timedout replica (streaming sync): {}",
                slave_name(c)
            );
        }
        crate::networking::free_client_async(s, slot);
    }
    let ttl = s.config.repl_backlog_ttl;
    if s.repl.slaves.is_empty()
        && ttl > 0
        && s.repl.backlog.is_some()
        && now - s.repl.no_slaves_since > ttl
    {
        s.change_replication_id();
        s.replid2 = "0".repeat(40);
        s.repl.second_repl_offset = -1;
        s.repl.backlog = None;
        server_log!(
            Notice,
            "Replication backlog freed after {} seconds without connected replicas.",
            ttl
        );
    }
    start_pending_fork(s);
    s.refresh_good_slaves();
}

/// Redis: replconfCommand.
fn replconf_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if argv.len().is_multiple_of(2) {
        return c.add_reply_syntax_err();
    }
    let mut j = 1;
    while j < argv.len() {
        let opt = &argv[j];
        let val = &argv[j + 1];
        if opt.eq_ignore_ascii_case(b"listening-port") {
            let Some(port) = util::string2ll(val) else {
                return c.add_reply_error(shared::NOT_INTEGER);
            };
            c.replconf
                .get_or_insert_with(Default::default)
                .listening_port = port;
        } else if opt.eq_ignore_ascii_case(b"ip-address") {
            if val.len() >= 46 {
                return c.add_reply_error(&format!(
                    "REPLCONF ip-address provided by replica instance is too long: {} bytes",
                    val.len()
                ));
            }
            c.replconf.get_or_insert_with(Default::default).ip =
                String::from_utf8_lossy(val).to_string();
        } else if opt.eq_ignore_ascii_case(b"capa") {
            let conf = c.replconf.get_or_insert_with(Default::default);
            if val.eq_ignore_ascii_case(b"eof") {
                conf.capa_eof = true;
            } else if val.eq_ignore_ascii_case(b"psync2") {
                conf.capa_psync2 = true;
            }
        } else if opt.eq_ignore_ascii_case(b"ack") {
            // Sent by replicas only: never answered.
            if c.flags & CLIENT_SLAVE == 0 {
                return;
            }
            let Some(off) = util::string2ll(val) else {
                return;
            };
            if let Some(r) = s.repl.slaves.iter_mut().find(|r| r.id == c.id) {
                if off > r.ack_off {
                    r.ack_off = off;
                }
                r.ack_time = util::unixtime();
            }
            return;
        } else if opt.eq_ignore_ascii_case(b"getack") {
            // Only a replica answers, and only its master.
            if c.flags & crate::networking::client::CLIENT_MASTER != 0 {
                super::replica::send_ack(s, c);
            }
            return;
        } else if opt.eq_ignore_ascii_case(b"rdb-only") {
            let Some(v) = crate::args::get_range_long_or_reply(c, val, 0, 1, None) else {
                return;
            };
            c.replconf.get_or_insert_with(Default::default).rdb_only = v == 1;
        } else if opt.eq_ignore_ascii_case(b"rdb-filter-only") {
            // Redis: the include filters of the RDB; only "functions" exists.
            let Some(filters) = util::split_args(val) else {
                return c.add_reply_error("Missing rdb-filter-only values");
            };
            let mut req = SLAVE_REQ_RDB_EXCLUDE_DATA | SLAVE_REQ_RDB_EXCLUDE_FUNCTIONS;
            for f in &filters {
                if f.eq_ignore_ascii_case(b"functions") {
                    req &= !SLAVE_REQ_RDB_EXCLUDE_FUNCTIONS;
                } else {
                    return c.add_reply_error(&format!(
                        "Unsupported rdb-filter-only option: {}",
                        String::from_utf8_lossy(f)
                    ));
                }
            }
            c.replconf.get_or_insert_with(Default::default).req = req;
        } else {
            return c.add_reply_error(&format!(
                "Unrecognized REPLCONF option: {}",
                String::from_utf8_lossy(opt)
            ));
        }
        j += 2;
    }
    c.add_reply_ok();
}

/// Redis: roleCommand (master).
fn role_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    if s.config.masterhost.is_some() {
        return super::replica::role_reply(s, c);
    }
    c.add_reply_array_len(3);
    c.add_reply_bulk(b"master");
    c.add_reply_long(s.repl.master_repl_offset);
    let online: Vec<(String, i64, i64)> = s
        .repl
        .slaves
        .iter()
        .filter(|r| r.state == SlaveState::Online)
        .map(|r| (r.ip(), r.listening_port, r.ack_off))
        .collect();
    c.add_reply_array_len(online.len());
    for (ip, port, off) in online {
        c.add_reply_array_len(3);
        c.add_reply_bulk(ip.as_bytes());
        c.add_reply_bulk(port.to_string().as_bytes());
        c.add_reply_bulk(off.to_string().as_bytes());
    }
}

/// True for a replica (not a monitor): replies to it are dropped, as Redis's
/// prepareClientToWrite drops them.
pub fn is_replica(c: &Client) -> bool {
    c.flags & CLIENT_SLAVE != 0 && c.flags & CLIENT_MONITOR == 0
}

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("sync", sync_command),
    ("psync", sync_command),
    ("replconf", replconf_command),
    ("role", role_command),
];
