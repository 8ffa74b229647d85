//! WAIT: block until enough replicas acknowledged a client's writes. Redis
//! counterpart: replication.c (waitCommand, replicationRequestAckFromSlaves,
//! replicationCountAcksByOffset, processClientsWaitingReplicas) and the
//! BLOCKED_WAIT cases of blocked.c.
//!
//! Every client remembers `woff`, the replication offset right after the last
//! command of its that was propagated. WAIT counts the replicas whose last
//! REPLCONF ACK reached that offset; when too few have, the client blocks
//! (through the blocked-clients machinery, so timeouts, CLIENT UNBLOCK and
//! `blocked_clients` work as for BLPOP), the next `before_sleep` asks every
//! replica for an ACK (REPLCONF GETACK *), and each `before_sleep` after that
//! releases the clients whose count is now reached.

use oxidis_ds::quicklist::End;

use super::*;
use crate::blocked::{self, BlockPop, BlockedCmd};
use crate::networking::client::CLIENT_DENY_BLOCKING;
use crate::server::command::CommandProc;
use crate::server::shared;

/// Redis: replicationCountAcksByOffset.
pub fn count_acks(s: &Server, offset: i64) -> usize {
    s.repl
        .slaves
        .iter()
        .filter(|r| r.state == SlaveState::Online && r.ack_off >= offset)
        .count()
}

/// Redis: waitCommand.
fn wait_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if s.config.masterhost.is_some() {
        return c.add_reply_error("WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.");
    }
    let Some(numreplicas) = oxidis_ds::util::string2ll(&argv[1]) else {
        return c.add_reply_error(shared::NOT_INTEGER);
    };
    let Some(timeout) = oxidis_ds::util::string2ll(&argv[2]) else {
        return c.add_reply_error(shared::TIMEOUT_NOT_INTEGER);
    };
    if timeout < 0 {
        return c.add_reply_error("timeout is negative");
    }
    let acks = count_acks(s, c.woff);
    if acks as i64 >= numreplicas || c.flags & CLIENT_DENY_BLOCKING != 0 || c.mstate.active {
        return c.add_reply_long(acks as i64);
    }
    c.wait_numreplicas = numreplicas;
    let bp = BlockPop {
        db: c.db,
        keys: Vec::new(),
        timeout: if timeout > 0 {
            timeout.saturating_add(oxidis_ds::util::mstime())
        } else {
            0
        },
        target: None,
        wherefrom: End::Head,
        whereto: End::Tail,
        count: 0,
        cmd: BlockedCmd::Wait,
        xread: None,
    };
    blocked::block_for_keys(s, c, bp);
    s.repl.waiting_acks.push((c.id, c.slot));
    s.repl.get_ack_from_slaves = true;
}

/// The before_sleep part: ask for ACKs once, then release the satisfied
/// waiters. Redis: the WAIT half of beforeSleep and processClientsWaitingReplicas.
pub fn before_sleep(s: &mut Server) {
    if s.repl.get_ack_from_slaves && !s.repl.slaves.is_empty() {
        let db = s.repl.slaveseldb;
        s.feed_slaves(
            db,
            &[b"REPLCONF".to_vec(), b"GETACK".to_vec(), b"*".to_vec()],
        );
    }
    s.repl.get_ack_from_slaves = false;
    if s.repl.waiting_acks.is_empty() {
        return;
    }
    let waiting = std::mem::take(&mut s.repl.waiting_acks);
    for (id, slot) in waiting {
        let keep = crate::networking::with_client(s, slot, |s, c| {
            if c.id != id || c.bpop.as_ref().is_none_or(|b| b.cmd != BlockedCmd::Wait) {
                return false; // unblocked meanwhile (timeout, CLIENT UNBLOCK, freed)
            }
            let acks = count_acks(s, c.woff);
            if (acks as i64) < c.wait_numreplicas {
                return true;
            }
            c.add_reply_long(acks as i64);
            blocked::unblock_client(s, c);
            s.mark_pending_write(slot, c);
            false
        });
        if keep == Some(true) {
            s.repl.waiting_acks.push((id, slot));
        }
    }
}

pub static HANDLERS: &[(&str, CommandProc)] = &[("wait", wait_command)];
