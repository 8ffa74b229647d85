//! Replication, master side: the propagation of commands and the replication
//! stream. Redis counterpart: replication.c (replicationFeedSlaves, the backlog,
//! INFO replication, ROLE) and the propagation half of server.c (alsoPropagate,
//! propagatePendingCommands, forceCommandPropagation, preventCommandPropagation).
//! `master.rs` holds SYNC/PSYNC/REPLCONF and the full synchronisation.
//!
//! # How a write reaches a replica
//!
//! A command handler never writes to replicas itself. `Server::call()` looks at
//! the dirty counter after the handler ran: when the command changed the dataset
//! (or forced propagation, as FLUSHALL and PUBLISH do) its argument vector is
//! queued on `also_propagate`, together with the database it ran in. A handler
//! that must be replicated in another form sets the form it wants with
//! [`rewrite_argv`] (SET EX becomes SET PXAT, BLPOP becomes LPOP, EXPIRE becomes
//! PEXPIREAT, ...), exactly where Redis calls `rewriteClientCommandVector`, and
//! a handler that emits several commands (SPOP with a count, a blocked client
//! being served, a lazily expired key turning into DEL) queues them with
//! [`Server::also_propagate`].
//!
//! When the outermost `call()` returns (EXEC's nested calls do not count), the
//! queue is flushed as one unit: alone, a command goes out as it is; two or more
//! are wrapped in MULTI ... EXEC, so a replica applies them atomically, as
//! Redis's propagatePendingCommands does. The active expire cycle and eviction
//! flush after every key, so their DELs are never wrapped.
//!
//! Flushing feeds the AOF (`aof::feed`, which keeps its own SELECT state) and the
//! replication stream: a SELECT whenever the database differs
//! from the last one sent (`slaveseldb`), then the command in RESP. Every byte
//! goes into the backlog (a ring of `repl-backlog-size` bytes that lets a
//! reconnecting replica continue with PSYNC), advances `master_repl_offset`, and
//! is appended to each online replica's output buffer. A replica still waiting
//! for its RDB collects the stream in its own `pending` buffer, which follows the
//! RDB payload on the wire.
//!
//! Nothing is queued or encoded while there is neither a replica nor a backlog
//! (Redis's shouldPropagate): the cost on the hot path is one test.
//!
//! `replica.rs` holds the other side, a replica's link to its master.

pub mod failover;
pub mod master;
pub mod replica;
pub mod wait;

use std::collections::VecDeque;
use std::fmt::Write as _;

use crate::networking::client::{CLIENT_PENDING_WRITE, CLIENT_SLAVE};
use crate::networking::Client;
use crate::server::Server;

/// Redis: CLIENT_FORCE_REPL — propagate even though the dataset did not change.
pub const CLIENT_FORCE_REPL: u64 = 1 << 14;
/// Redis: CLIENT_PREVENT_REPL_PROP — do not propagate the command itself.
pub const CLIENT_PREVENT_PROP: u64 = 1 << 20;

/// Where a replica is in its synchronisation. Redis: SLAVE_STATE_*.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlaveState {
    WaitBgsaveStart, // asked for a full sync; no snapshot for it yet
    WaitBgsaveEnd,   // its snapshot is being written; the stream collects in `pending`
    Online,          // receives the stream as it is produced
}

/// One replica. Redis: the replication fields of `client`.
pub struct Replica {
    pub id: u64,
    pub slot: usize,
    pub state: SlaveState,
    pub listening_port: i64,       // REPLCONF listening-port
    pub announced_ip: String,      // REPLCONF ip-address
    pub capa_eof: bool,            // REPLCONF capa eof
    pub capa_psync2: bool,         // REPLCONF capa psync2
    pub req: u8,                   // REPLCONF rdb-filter-only (master::SLAVE_REQ_*)
    pub rdb_only: bool,            // REPLCONF rdb-only: fed no stream, closed after the RDB
    pub psync_initial_offset: i64, // master_repl_offset when its snapshot was taken
    pub ack_off: i64,              // REPLCONF ACK offset
    pub ack_time: i64,             // when the last ACK (or the sync) happened, seconds
    pub old_protocol: bool,        // SYNC rather than PSYNC: no +FULLRESYNC line
    pub pending: Vec<u8>,          // the stream since its snapshot, until the RDB is out
    pub addr: String,              // peer address, for INFO and logs
}

impl Replica {
    /// The address the replica announced (REPLCONF ip-address), else the
    /// host of its connection. Redis: the slave_addr / connection peer choice.
    pub fn ip(&self) -> String {
        if !self.announced_ip.is_empty() {
            return self.announced_ip.clone();
        }
        self.addr
            .rsplit_once(':')
            .map(|(h, _)| h.to_string())
            .unwrap_or_default()
    }
}

/// The replication backlog. Redis: replBacklog (a ring buffer here, as in 6.x).
pub struct Backlog {
    pub buf: VecDeque<u8>,
    pub size: usize,
    pub offset: i64, // replication offset of the first byte in `buf`
}

/// Logs the last 256 bytes of the backlog, quoted: what the master sent
/// just before an error we answered it with. Redis: showLatestBacklog.
pub fn show_latest_backlog(s: &Server) {
    let Some(b) = s.repl.backlog.as_ref() else {
        return;
    };
    if b.buf.is_empty() {
        return;
    }
    let n = b.buf.len().min(256);
    let tail: Vec<u8> = b.buf.iter().skip(b.buf.len() - n).copied().collect();
    crate::server_log!(
        Warning,
        "Latest backlog is: '{}'",
        oxidis_ds::util::repr(&tail)
    );
}

impl Backlog {
    fn new(size: usize, master_repl_offset: i64) -> Backlog {
        Backlog {
            buf: VecDeque::new(),
            size: size.max(16 * 1024),
            offset: master_repl_offset + 1,
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend(bytes.iter().copied());
        if self.buf.len() > self.size {
            let excess = self.buf.len() - self.size;
            self.buf.drain(..excess);
            self.offset += excess as i64;
        }
    }

    /// The bytes from replication offset `from` (inclusive) to the end, if the
    /// backlog still has them.
    pub fn tail_from(&self, from: i64) -> Option<Vec<u8>> {
        let end = self.offset + self.buf.len() as i64;
        if from < self.offset || from > end {
            return None;
        }
        let skip = (from - self.offset) as usize;
        Some(self.buf.iter().skip(skip).copied().collect())
    }

    pub fn histlen(&self) -> usize {
        self.buf.len()
    }
}

/// A command waiting to be propagated. Redis: redisOp.
pub struct PropOp {
    pub db: usize,
    pub argv: Vec<Vec<u8>>,
    /// Where it goes: PROPAGATE_AOF | PROPAGATE_REPL (a script's
    /// redis.set_repl narrows it).
    pub target: u8,
}

/// Redis: PROPAGATE_AOF, PROPAGATE_REPL.
pub const PROPAGATE_AOF: u8 = 1;
pub const PROPAGATE_REPL: u8 = 2;

/// Replication state on the `Server`. Redis: the repl_* fields of redisServer.
pub struct ReplState {
    pub slaves: Vec<Replica>,
    pub backlog: Option<Backlog>,
    pub master_repl_offset: i64,
    pub second_repl_offset: i64,
    pub slaveseldb: i64, // last SELECTed db in the stream; -1 forces a SELECT
    pub also_propagate: Vec<PropOp>,
    pub in_nested_call: u32,
    pub last_ping_ms: i64,
    pub no_slaves_since: i64,       // seconds; for repl-backlog-ttl
    pub bgsave_for_repl: bool,      // the running BGSAVE serves replicas
    pub good_slaves: usize,         // replicas with lag <= min-replicas-max-lag
    pub cron_loops: u64,            // replication_cron_loops
    pub stat_sync_full: u64,        // INFO sync_full
    pub stat_sync_partial_ok: u64,  // INFO sync_partial_ok
    pub stat_sync_partial_err: u64, // INFO sync_partial_err
    pub link: replica::MasterLink,  // the link to our master, when a replica
    pub slave_keys_with_expire: std::collections::HashSet<(usize, Vec<u8>)>, // writable replica's own TTLs
    pub loaded_stream_db: Option<usize>, // repl-stream-db of the last RDB loaded
    pub loaded_repl: Option<(String, i64)>, // its repl-id and repl-offset
    pub waiting_acks: Vec<(u64, usize)>, // clients blocked in WAIT
    pub failover: failover::Failover,    // a FAILOVER in progress
    pub reprocess_master: Option<usize>, // the master's buffered input runs in before_sleep
    pub get_ack_from_slaves: bool,       // send REPLCONF GETACK in before_sleep
}

impl Default for ReplState {
    fn default() -> Self {
        ReplState {
            slaves: Vec::new(),
            backlog: None,
            master_repl_offset: 0,
            second_repl_offset: -1,
            slaveseldb: -1,
            also_propagate: Vec::new(),
            in_nested_call: 0,
            last_ping_ms: 0,
            no_slaves_since: oxidis_ds::util::unixtime(),
            bgsave_for_repl: false,
            good_slaves: 0,
            cron_loops: 0,
            stat_sync_full: 0,
            stat_sync_partial_ok: 0,
            stat_sync_partial_err: 0,
            link: Default::default(),
            slave_keys_with_expire: Default::default(),
            loaded_stream_db: None,
            loaded_repl: None,
            waiting_acks: Vec::new(),
            failover: Default::default(),
            reprocess_master: None,
            get_ack_from_slaves: false,
        }
    }
}

/// Redis: rewriteClientCommandVector — the command propagates as `argv` rather
/// than as the client sent it (SLOWLOG and MONITOR still show the original).
pub fn rewrite_argv(c: &mut Client, argv: Vec<Vec<u8>>) {
    c.prop_argv = Some(argv);
}

/// `rewrite_argv` when anything propagates at all, so that the hot path builds
/// no vector when there is no replica.
#[inline]
pub fn rewrite_with(s: &Server, c: &mut Client, f: impl FnOnce() -> Vec<Vec<u8>>) {
    if s.should_propagate() {
        c.prop_argv = Some(f());
    }
}

/// The DEL or UNLINK a deletion propagates as.
pub fn del_cmd(lazy: bool) -> Vec<u8> {
    if lazy {
        b"unlink".to_vec()
    } else {
        b"del".to_vec()
    }
}

/// Redis: rewriteClientCommandArgument — replaces (or appends) one argument of
/// the propagated vector.
pub fn rewrite_arg(c: &mut Client, argv: &[Vec<u8>], i: usize, val: &[u8]) {
    let v = c.prop_argv.get_or_insert_with(|| argv.to_vec());
    if i < v.len() {
        v[i] = val.to_vec();
    } else {
        v.push(val.to_vec());
    }
}

/// Redis: forceCommandPropagation(c, PROPAGATE_REPL).
pub fn force_propagation(c: &mut Client) {
    c.flags |= CLIENT_FORCE_REPL;
}

/// Redis: preventCommandPropagation.
pub fn prevent_propagation(c: &mut Client) {
    c.flags |= CLIENT_PREVENT_PROP;
}

/// Appends one command in RESP to `out`.
pub fn encode_command(out: &mut Vec<u8>, argv: &[Vec<u8>]) {
    let _ = write!(StrOut(out), "*{}\r\n", argv.len());
    for a in argv {
        let _ = write!(StrOut(out), "${}\r\n", a.len());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

struct StrOut<'a>(&'a mut Vec<u8>);
impl std::fmt::Write for StrOut<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

impl Server {
    /// Redis: shouldPropagate — is there a target: the AOF, or replicas
    /// (or the backlog) of a master?
    #[inline]
    pub fn should_propagate(&self) -> bool {
        !self.loading && (self.aof.is_on() || self.should_propagate_repl())
    }

    /// Redis: shouldPropagate(PROPAGATE_REPL).
    #[inline]
    fn should_propagate_repl(&self) -> bool {
        self.config.masterhost.is_none()
            && (self.repl.backlog.is_some() || !self.repl.slaves.is_empty())
    }

    /// Redis: alsoPropagate — queue a command for the end of the current call.
    pub fn also_propagate(&mut self, db: usize, argv: Vec<Vec<u8>>) {
        if self.should_propagate() {
            self.repl.also_propagate.push(PropOp {
                db,
                argv,
                target: PROPAGATE_AOF | PROPAGATE_REPL,
            });
        }
    }

    /// Redis: propagateDeletion — an expired or evicted key becomes DEL (UNLINK
    /// when the matching lazyfree option is on).
    pub fn propagate_deletion(&mut self, db: usize, key: &[u8], lazy: bool) {
        if self.should_propagate() {
            let cmd: &[u8] = if lazy { b"unlink" } else { b"del" };
            self.also_propagate(db, vec![cmd.to_vec(), key.to_vec()]);
        }
    }

    /// Redis: propagatePendingCommands — flush the queue as one unit (`no_multi`:
    /// each on its own, for the expire cycle, eviction and the commands that
    /// touch arbitrary keys).
    pub fn propagate_pending_commands(&mut self, no_multi: bool) {
        if self.repl.also_propagate.is_empty() {
            return;
        }
        let ops = std::mem::take(&mut self.repl.also_propagate);
        if !self.should_propagate() {
            return;
        }
        let transaction = ops.len() > 1 && !no_multi;
        let all = PROPAGATE_AOF | PROPAGATE_REPL;
        if transaction {
            self.propagate_now(ops[0].db, &[b"MULTI".to_vec()], all);
        }
        for op in &ops {
            self.propagate_now(op.db, &op.argv, op.target);
        }
        if transaction {
            let db = ops[ops.len() - 1].db;
            self.propagate_now(db, &[b"EXEC".to_vec()], all);
        }
    }

    /// Redis: propagateNow — one command to the AOF and to the replicas.
    fn propagate_now(&mut self, db: usize, argv: &[Vec<u8>], target: u8) {
        if self.aof.is_on() && target & PROPAGATE_AOF != 0 {
            crate::aof::feed(self, db, argv);
        }
        if self.should_propagate_repl() && target & PROPAGATE_REPL != 0 {
            self.feed_slaves(db as i64, argv);
        }
    }

    /// Redis: replicationFeedSlaves — one command into the backlog and to every
    /// replica, preceded by a SELECT when the database changes (`db` equal to
    /// `slaveseldb` never selects: the cron's PING uses that).
    pub fn feed_slaves(&mut self, db: i64, argv: &[Vec<u8>]) {
        // Redis: a replica only proxies its master's stream (master_applied);
        // what it would generate itself (PINGs, its own writes on a writable
        // replica) would shift its sub-replicas' offsets away from the master's.
        if self.config.masterhost.is_some() {
            return;
        }
        if self.repl.backlog.is_none() && self.repl.slaves.is_empty() {
            return;
        }
        let mut out = Vec::new();
        if self.repl.slaveseldb != db {
            encode_command(&mut out, &[b"SELECT".to_vec(), db.to_string().into_bytes()]);
            self.repl.slaveseldb = db;
        }
        encode_command(&mut out, argv);
        self.feed_stream_bytes(&out);
    }

    /// Appends raw stream bytes to the backlog and the replicas.
    pub fn feed_stream_bytes(&mut self, bytes: &[u8]) {
        self.repl.master_repl_offset += bytes.len() as i64;
        if let Some(b) = self.repl.backlog.as_mut() {
            b.feed(bytes);
        }
        let mut i = 0;
        while i < self.repl.slaves.len() {
            let r = &mut self.repl.slaves[i];
            i += 1;
            // Redis: canFeedReplicaReplBuffer — not a replica that only wants the RDB.
            if r.rdb_only {
                continue;
            }
            match r.state {
                SlaveState::WaitBgsaveStart => {}
                SlaveState::WaitBgsaveEnd => r.pending.extend_from_slice(bytes),
                SlaveState::Online => {
                    let slot = r.slot;
                    let id = r.id;
                    write_to_replica(self, slot, id, bytes);
                }
            }
        }
    }

    /// Creates the backlog when the first replica arrives. Redis:
    /// createReplicationBacklog plus the new replication ID of syncCommand.
    pub fn create_backlog_if_needed(&mut self) {
        if self.repl.backlog.is_some() {
            return;
        }
        self.change_replication_id();
        self.replid2 = "0".repeat(40);
        self.repl.second_repl_offset = -1;
        let size = self.config.repl_backlog_size.max(1) as usize;
        self.repl.backlog = Some(Backlog::new(size, self.repl.master_repl_offset));
        crate::server_log!(
            Notice,
            "Replication backlog created, my new replication IDs are '{}' and '{}'",
            self.replid,
            self.replid2
        );
    }

    /// Redis: createReplicationBacklog alone (start-up of a master).
    pub fn create_backlog_keeping_id(&mut self) {
        if self.repl.backlog.is_none() {
            let size = self.config.repl_backlog_size.max(1) as usize;
            self.repl.backlog = Some(Backlog::new(size, self.repl.master_repl_offset));
        }
    }

    /// Redis: changeReplicationId.
    pub fn change_replication_id(&mut self) {
        self.replid = oxidis_ds::util::get_random_hex_chars(40);
    }

    /// Redis: resizeReplicationBacklog (CONFIG SET repl-backlog-size).
    pub fn resize_backlog(&mut self) {
        let size = (self.config.repl_backlog_size.max(1) as usize).max(16 * 1024);
        if let Some(b) = self.repl.backlog.as_mut() {
            b.size = size;
            if b.buf.len() > size {
                let excess = b.buf.len() - size;
                b.buf.drain(..excess);
                b.offset += excess as i64;
            }
        }
    }

    /// Redis: refreshGoodSlavesCount.
    pub fn refresh_good_slaves(&mut self) {
        let now = oxidis_ds::util::unixtime();
        let max_lag = self.config.min_replicas_max_lag as i64;
        self.repl.good_slaves = self
            .repl
            .slaves
            .iter()
            .filter(|r| r.state == SlaveState::Online && now - r.ack_time <= max_lag)
            .count();
    }

    /// The `# Replication` section of INFO.
    pub fn info_replication(&self) -> String {
        let mut s = String::from("# Replication\r\n");
        if self.config.masterhost.is_some() {
            s.push_str("role:slave\r\n");
            replica::info_slave_fields(self, &mut s);
        } else {
            s.push_str("role:master\r\n");
        }
        let _ = write!(s, "connected_slaves:{}\r\n", self.repl.slaves.len());
        if self.config.min_replicas_to_write > 0 && self.config.min_replicas_max_lag > 0 {
            let _ = write!(s, "min_slaves_good_slaves:{}\r\n", self.repl.good_slaves);
        }
        let now = oxidis_ds::util::unixtime();
        for (i, r) in self.repl.slaves.iter().enumerate() {
            let ip = r.ip();
            let state = match r.state {
                SlaveState::WaitBgsaveStart | SlaveState::WaitBgsaveEnd => "wait_bgsave",
                SlaveState::Online => "online",
            };
            let _ = write!(
                s,
                "slave{}:ip={},port={},state={},offset={},lag={}\r\n",
                i,
                ip,
                r.listening_port,
                state,
                r.ack_off,
                now - r.ack_time
            );
        }
        let (active, first, histlen) = match &self.repl.backlog {
            Some(b) => (1, b.offset, b.histlen()),
            None => (0, 0, 0),
        };
        let _ = write!(
            s,
            "master_failover_state:{}\r\nmaster_replid:{}\r\nmaster_replid2:{}\r\nmaster_repl_offset:{}\r\nsecond_repl_offset:{}\r\nrepl_backlog_active:{}\r\nrepl_backlog_size:{}\r\nrepl_backlog_first_byte_offset:{}\r\nrepl_backlog_histlen:{}\r\n",
            self.repl.failover.state.name(),
            self.replid,
            self.replid2,
            self.repl.master_repl_offset,
            self.repl.second_repl_offset,
            active,
            self.config.repl_backlog_size,
            first,
            histlen
        );
        s
    }
}

/// Writes stream bytes to one replica's output buffer (bypassing the rule that
/// replicas get no replies).
pub fn write_to_replica(s: &mut Server, slot: usize, id: u64, bytes: &[u8]) {
    if s.clients.current() == Some(slot) {
        // The replica itself is running a command (REPLCONF): its bytes wait.
        if let Some(r) = s.repl.slaves.iter_mut().find(|r| r.id == id) {
            r.pending.extend_from_slice(bytes);
        }
        return;
    }
    let Some(c) = s.clients.get_mut(slot) else {
        return;
    };
    if c.id != id {
        return;
    }
    c.add_reply_raw_force(bytes);
    if c.flags & CLIENT_PENDING_WRITE == 0 && c.has_pending_replies() {
        c.flags |= CLIENT_PENDING_WRITE;
        s.clients_pending_write.push(slot);
    }
    if c.obuf_check {
        crate::networking::obuf::check_obuf_limits_slot(s, slot);
    }
}

/// Drops a freed client from the replica list. Redis: freeClient's replica part.
pub fn forget_replica(s: &mut Server, c: &Client) {
    if c.flags & CLIENT_SLAVE == 0 {
        return;
    }
    // Redis (unlinkClient): a disk snapshot only this replica waited for
    // is stopped, unless save points make it worth finishing.
    let waited = s
        .repl
        .slaves
        .iter()
        .any(|r| r.id == c.id && r.state == SlaveState::WaitBgsaveEnd);
    let others_wait = s
        .repl
        .slaves
        .iter()
        .any(|r| r.id != c.id && r.state == SlaveState::WaitBgsaveEnd);
    let disk_snapshot = s.rdb.child.as_ref().is_some_and(|ch| {
        ch.kind == crate::rdb::bgsave::ChildKind::Rdb(crate::rdb::bgsave::SaveTarget::Disk)
    });
    if waited && !others_wait && disk_snapshot && s.config.save_params.is_empty() {
        crate::rdb::bgsave::kill_rdb_child(s, false);
    }
    let before = s.repl.slaves.len();
    s.repl.slaves.retain(|r| r.id != c.id);
    if s.repl.slaves.len() != before {
        crate::server_log!(Notice, "Connection with replica {} lost.", c.addr);
        if s.repl.slaves.is_empty() {
            s.repl.no_slaves_since = oxidis_ds::util::unixtime();
        }
        s.refresh_good_slaves();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_is_resp() {
        let mut out = Vec::new();
        encode_command(&mut out, &[b"SET".to_vec(), b"k".to_vec(), b"".to_vec()]);
        assert_eq!(out, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
    }

    #[test]
    fn backlog_ring_keeps_the_tail() {
        let mut b = Backlog::new(16 * 1024, 0);
        assert_eq!(b.offset, 1);
        let chunk = vec![7u8; 10_000];
        b.feed(&chunk);
        b.feed(&chunk);
        assert_eq!(b.histlen(), 16 * 1024);
        assert_eq!(b.offset, 20_000 - 16 * 1024 + 1);
        assert!(b.tail_from(1).is_none());
        assert_eq!(b.tail_from(b.offset).unwrap().len(), 16 * 1024);
        assert_eq!(b.tail_from(20_001).unwrap().len(), 0);
        assert!(b.tail_from(20_002).is_none());
    }
}
