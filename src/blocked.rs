//! Blocking operations. Redis counterpart: blocked.c (the generic part:
//! blockForKeys, unblockClient, signalKeyAsReady, handleClientsBlockedOnKeys,
//! processUnblockedClients) and timeout.c (blocked clients' timeouts).
//!
//! How a blocking pop works, end to end:
//! 1. BLPOP finds every key empty, so `block_for_keys` parks the client:
//!    its `bpop` state is set and its (id, slot) is appended to the FIFO of
//!    each key it waits on (Redis: `db->blocking_keys`).
//! 2. A write that creates a list (`db_add`, so LPUSH on a missing key,
//!    RENAME/MOVE/COPY onto the key, ...) calls `signal_key_as_ready`, which
//!    queues the key on `ready` once.
//! 3. Right after the command that signalled (and in `before_sleep`),
//!    `handle_clients_blocked_on_keys` serves the waiting clients of each
//!    ready key in FIFO order until the list runs dry. Inside MULTI/EXEC
//!    this happens after EXEC, so the blocked client sees the final state.
//! 4. A served (or timed-out, or CLIENT UNBLOCKed) client is unblocked and
//!    queued on `unblocked`; `before_sleep` then runs the commands it had
//!    pipelined behind the blocking one (processInputBuffer stops at a
//!    blocked client). A served or CLIENT UNBLOCKed command's statistics
//!    and slow-log entry are completed only then (`update_stats_on_unblock`);
//!    its argv is kept until that moment.
//!
//! Divergence: clients are remembered by (id, slot) since slab slots are
//! reused; a stale entry (freed client) is skipped. Timeouts live in a
//! `BTreeSet` ordered by deadline (Redis: a radix tree), checked in
//! `before_sleep`.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use oxidis_ds::quicklist::End;

use crate::networking::{self, Client};
use crate::object::Value;
use crate::server::command::{CommandProc, CMD_SKIP_SLOWLOG};
use crate::server::shared;
use crate::server::Server;

/// Which blocking command parked the client (Redis looks at c->lastcmd).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockedCmd {
    Blpop,
    Brpop,
    Blmove,
    Brpoplpush,
    Blmpop,
    Bzpopmin,
    Bzpopmax,
    Bzmpop,
    Wait, // WAIT numreplicas timeout (Redis: BLOCKED_WAIT), no keys
    /// XREAD / XREADGROUP (Redis: BLOCKED_STREAM); the arguments are in
    /// `BlockPop::xread`.
    Xread,
}

impl BlockedCmd {
    /// Whether the client waits for a sorted set (Redis: BLOCKED_ZSET)
    /// rather than a list (BLOCKED_LIST).
    pub fn is_zset(self) -> bool {
        matches!(
            self,
            BlockedCmd::Bzpopmin | BlockedCmd::Bzpopmax | BlockedCmd::Bzmpop
        )
    }
}

/// A blocked client's state. Redis: `c->bpop` plus `c->btype`.
#[derive(Clone, Debug)]
pub struct BlockPop {
    pub db: usize,
    pub keys: Vec<Vec<u8>>,      // keys waited on, without duplicates
    pub timeout: i64,            // absolute unix ms; 0 = forever
    pub target: Option<Vec<u8>>, // BLMOVE / BRPOPLPUSH destination
    pub wherefrom: End,
    pub whereto: End,
    pub count: usize, // BLMPOP COUNT
    pub cmd: BlockedCmd,
    pub xread: Option<Box<crate::t_stream::commands::XreadArgs>>, // XREAD(GROUP)
}

/// (db, key) of a key clients can block on.
type DbKey = (usize, Vec<u8>);
/// A client remembered across the event loop: (id, slab slot).
type ClientRef = (u64, usize);

/// Server-wide blocking bookkeeping. Redis: db->blocking_keys,
/// db->ready_keys, server.ready_keys, server.unblocked_clients and the
/// timeout table.
#[derive(Default)]
pub struct Blocking {
    keys: HashMap<DbKey, VecDeque<ClientRef>>,
    ready: Vec<DbKey>,
    ready_set: HashSet<DbKey>,
    unblocked: Vec<ClientRef>,
    timeouts: BTreeSet<(i64, u64, usize)>,
}

impl Blocking {
    /// Clients waiting on (db, key), in arrival order.
    pub fn waiters(&self, db: usize, key: &[u8]) -> Vec<(u64, usize)> {
        self.keys
            .get(&(db, key.to_vec()))
            .map(|q| q.iter().copied().collect())
            .unwrap_or_default()
    }

    pub fn has_ready_keys(&self) -> bool {
        !self.ready.is_empty()
    }

    pub fn has_unblocked(&self) -> bool {
        !self.unblocked.is_empty()
    }
}

/// Redis: blockForKeys + blockClient.
pub fn block_for_keys(s: &mut Server, c: &mut Client, mut bp: BlockPop) {
    let mut uniq: Vec<Vec<u8>> = Vec::with_capacity(bp.keys.len());
    for k in bp.keys.drain(..) {
        if !uniq.contains(&k) {
            uniq.push(k);
        }
    }
    for k in &uniq {
        s.blocking
            .keys
            .entry((bp.db, k.clone()))
            .or_default()
            .push_back((c.id, c.slot));
    }
    bp.keys = uniq;
    if bp.timeout > 0 {
        s.blocking.timeouts.insert((bp.timeout, c.id, c.slot));
    }
    c.bpop = Some(Box::new(bp));
    s.blocked_clients += 1;
}

/// Removes the client from every wait queue. Redis: unblockClientWaitingData.
fn forget_client(s: &mut Server, c: &mut Client) -> bool {
    let Some(bp) = c.bpop.take() else {
        return false;
    };
    for k in bp.keys {
        let entry = (bp.db, k);
        if let Some(q) = s.blocking.keys.get_mut(&entry) {
            q.retain(|&(id, _)| id != c.id);
            if q.is_empty() {
                s.blocking.keys.remove(&entry);
            }
        }
    }
    if bp.timeout > 0 {
        s.blocking.timeouts.remove(&(bp.timeout, c.id, c.slot));
    }
    s.blocked_clients -= 1;
    true
}

/// Redis: unblockClient — the client's pending input is processed again in
/// before_sleep (queueClientForReprocessing).
pub fn unblock_client(s: &mut Server, c: &mut Client) {
    if forget_client(s, c) {
        networking::reset_argv(c);
        s.blocking.unblocked.push((c.id, c.slot));
    }
}

/// Redis: disconnectAllBlockedClients — a master turned replica cannot serve
/// clients blocked on keys: they get an error and are closed after it.
pub fn disconnect_all_blocked_clients(s: &mut Server) {
    let blocked: Vec<(u64, usize)> = s
        .clients
        .iter()
        .filter(|(_, c)| c.bpop.is_some())
        .map(|(slot, c)| (c.id, slot))
        .collect();
    for (id, slot) in blocked {
        networking::with_client(s, slot, |s, c| {
            if c.id != id {
                return;
            }
            c.add_reply_error(
                "-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)",
            );
            unblock_client(s, c);
            c.flags |= networking::client::CLIENT_CLOSE_AFTER_REPLY;
            s.mark_pending_write(slot, c);
        });
    }
}

/// A blocked command's statistics, completed once it is served or CLIENT
/// UNBLOCKed (not on a timeout, as in Redis): the time of the original call
/// plus that of the reply goes to commandstats, the latency histogram and
/// the slow log, and a failure counts in failed_calls. The error replies
/// written to the client outside its own call() are counted here too.
/// Redis: updateStatsOnUnblock.
pub fn update_stats_on_unblock(s: &mut Server, c: &mut Client, reply_us: u64, had_errors: bool) {
    s.account_errors(c);
    let Some(idx) = c.lastcmd else {
        return;
    };
    let total = c.duration_us + reply_us;
    let st = &mut s.cmd_stats[idx];
    st.microseconds += total;
    if had_errors {
        st.failed_calls += 1;
    }
    if s.config.latency_tracking {
        s.latency_hists[idx].record(total * 1000);
    }
    if !s.commands.get(idx).is(CMD_SKIP_SLOWLOG) {
        crate::slowlog::slowlog_push_entry_if_needed(s, c, &c.argv[..c.argc], total);
    }
    s.latency_add_sample_if_needed("command-unblocking", reply_us / 1000);
}

/// Serves one blocked client with `serve` and completes its statistics.
/// Redis: the body of the serveClientsBlockedOn*Key loops.
pub fn serve_and_unblock(
    s: &mut Server,
    c: &mut Client,
    serve: impl FnOnce(&mut Server, &mut Client),
) {
    let start = std::time::Instant::now();
    serve(s, c);
    let had_errors = !c.err_prefixes.is_empty();
    update_stats_on_unblock(s, c, start.elapsed().as_micros() as u64, had_errors);
    unblock_client(s, c);
}

/// Redis: freeClient's unblock.
pub fn free_client_blocked(s: &mut Server, c: &mut Client) {
    forget_client(s, c);
}

impl Server {
    /// Redis: signalKeyAsReady. Cheap when nobody is blocked.
    pub fn signal_key_as_ready(&mut self, db: usize, key: &[u8]) {
        if self.blocking.keys.is_empty() {
            return;
        }
        let entry = (db, key.to_vec());
        if !self.blocking.keys.contains_key(&entry) || self.blocking.ready_set.contains(&entry) {
            return;
        }
        self.blocking.ready_set.insert(entry.clone());
        self.blocking.ready.push(entry);
    }

    /// Redis: scanDatabaseForDeletedStreams — before `emptied` is flushed
    /// (or swapped with `replaced_with`), its blocked-on keys that hold a
    /// stream which goes away are signalled, so XREADGROUP clients get
    /// their error.
    pub fn scan_database_for_deleted_streams(
        &mut self,
        emptied: usize,
        replaced_with: Option<usize>,
    ) {
        if self.blocking.keys.is_empty() {
            return;
        }
        let is_stream = |s: &Server, db: usize, k: &[u8]| matches!(s.dbs[db].dict.get(k), Some(o) if matches!(o.v, Value::Stream(_)));
        let keys: Vec<Vec<u8>> = self
            .blocking
            .keys
            .keys()
            .filter(|(d, _)| *d == emptied)
            .map(|(_, k)| k.clone())
            .collect();
        for k in keys {
            let was = is_stream(self, emptied, &k);
            let will = replaced_with.is_some_and(|r| is_stream(self, r, &k));
            if was && !will {
                self.signal_key_as_ready(emptied, &k);
            }
        }
    }

    /// Redis: scanDatabaseForReadyKeys (SWAPDB).
    pub fn scan_database_for_ready_keys(&mut self, db: usize) {
        let keys: Vec<Vec<u8>> = self
            .blocking
            .keys
            .keys()
            .filter(|(d, _)| *d == db)
            .map(|(_, k)| k.clone())
            .collect();
        for k in keys {
            if self.dbs[db].dict.contains_key(&k) {
                self.signal_key_as_ready(db, &k);
            }
        }
    }
}

/// Redis: handleClientsBlockedOnKeys.
pub fn handle_clients_blocked_on_keys(s: &mut Server) {
    while !s.blocking.ready.is_empty() {
        let list = std::mem::take(&mut s.blocking.ready);
        for (db, key) in list {
            s.blocking.ready_set.remove(&(db, key.clone()));
            s.update_cached_time();
            let (is_list, is_zset, is_stream, exists) = match s.lookup_key(
                db,
                &key,
                crate::db::LOOKUP_NOTOUCH | crate::db::LOOKUP_NOSTATS,
            ) {
                Some(o) => (
                    matches!(o.v, Value::List(_)),
                    matches!(o.v, Value::ZSet(_)),
                    matches!(o.v, Value::Stream(_)),
                    true,
                ),
                None => (false, false, false, false),
            };
            if is_list {
                crate::t_list::blocking::serve_clients_blocked_on_list_key(s, db, &key);
            } else if is_zset {
                crate::t_zset::blocking::serve_clients_blocked_on_sorted_set_key(s, db, &key);
            } else if is_stream {
                crate::t_stream::blocking::serve_clients_blocked_on_stream_key(s, db, &key);
            }
            // Redis: XREADGROUP clients of a key that is gone (or is no
            // longer a stream) are unblocked with an error.
            if !is_stream {
                crate::t_stream::blocking::unblock_deleted_stream_readgroup_clients(s, db, &key);
            }
            if !exists {
                // Redis: the lookup may have expired the key; no call() follows
                // to propagate its DEL, so it goes out here.
                s.propagate_pending_commands(false);
            }
        }
    }
}

/// Redis: processUnblockedClients — run what the unblocked clients had
/// pipelined behind their blocking command.
pub fn process_unblocked_clients(s: &mut Server) {
    while !s.blocking.unblocked.is_empty() {
        let list = std::mem::take(&mut s.blocking.unblocked);
        for (id, slot) in list {
            let ok = s
                .clients
                .get(slot)
                .is_some_and(|c| c.id == id && c.bpop.is_none());
            if ok {
                networking::process_input_buffer(s, slot);
            }
        }
    }
}

/// Redis: replyToBlockedClientTimedOut for lists.
fn reply_timed_out(s: &Server, c: &mut Client) {
    if c.bpop.as_ref().is_some_and(|b| b.cmd == BlockedCmd::Wait) {
        // WAIT answers how many replicas acknowledged in time.
        let acks = crate::replication::wait::count_acks(s, c.woff);
        return c.add_reply_long(acks as i64);
    }
    c.add_reply_null_array();
}

/// Redis: handleBlockedClientsTimeout.
pub fn handle_blocked_clients_timeout(s: &mut Server) {
    if s.blocking.timeouts.is_empty() {
        return;
    }
    let now = oxidis_ds::util::mstime();
    while let Some(&(when, id, slot)) = s.blocking.timeouts.first() {
        if when > now {
            break;
        }
        s.blocking.timeouts.pop_first();
        networking::with_client(s, slot, |s, c| {
            if c.id == id && c.bpop.is_some() {
                reply_timed_out(s, c);
                unblock_client(s, c);
                s.mark_pending_write(slot, c);
            }
        });
    }
}

/// CLIENT UNBLOCK <id> [TIMEOUT|ERROR]. Redis: clientCommand's unblock branch.
fn client_unblock_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let mut unblock_error = false;
    if argv.len() == 4 {
        if argv[3].eq_ignore_ascii_case(b"timeout") {
            unblock_error = false;
        } else if argv[3].eq_ignore_ascii_case(b"error") {
            unblock_error = true;
        } else {
            return c.add_reply_error("CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
        }
    }
    let Some(id) = oxidis_ds::util::string2ll(&argv[2]) else {
        return c.add_reply_error(shared::NOT_INTEGER);
    };
    let slot = s
        .clients
        .iter()
        .find(|(_, t)| t.id == id as u64 && t.bpop.is_some())
        .map(|(slot, _)| slot);
    let Some(slot) = slot else {
        return c.add_reply_long(0);
    };
    networking::with_client(s, slot, |s, t| {
        if unblock_error {
            t.add_reply_error("-UNBLOCKED client unblocked via CLIENT UNBLOCK");
        } else {
            reply_timed_out(s, t);
        }
        // Redis counts the call as failed either way. (It updates the
        // stats after resetting the client, so its slow-log entry has no
        // arguments; here it keeps them.)
        update_stats_on_unblock(s, t, 0, true);
        unblock_client(s, t);
        s.mark_pending_write(slot, t);
    });
    c.add_reply_long(1);
}

/// Redis: getTimeoutFromObjectOrReply(UNIT_SECONDS) — seconds as a float,
/// rounded up to ms; returns an absolute deadline in ms (0 = forever).
pub fn get_timeout_or_reply(c: &mut Client, arg: &[u8]) -> Option<i64> {
    let secs = match oxidis_ds::util::string2ld(arg) {
        Some(v) if v.is_finite() => v,
        _ => {
            c.add_reply_error("timeout is not a float or out of range");
            return None;
        }
    };
    let ms = (secs * 1000.0).ceil();
    if ms < 0.0 {
        c.add_reply_error("timeout is negative");
        return None;
    }
    let ms = if ms > i64::MAX as f64 / 2.0 {
        i64::MAX / 2
    } else {
        ms as i64
    };
    Some(if ms > 0 {
        ms + oxidis_ds::util::mstime()
    } else {
        0
    })
}

pub static HANDLERS: &[(&str, CommandProc)] = &[("client|unblock", client_unblock_command)];
