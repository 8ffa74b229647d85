//! CLIENT PAUSE / UNPAUSE and postponed clients. Redis counterpart:
//! networking.c (pauseClients, unpauseClients, areClientsPaused,
//! checkClientPauseTimeoutAndReturnIfPaused) and the BLOCKED_POSTPONE part
//! of blocked.c.
//!
//! While clients are paused, `process_command` parks a client whose command
//! is refused by the pause (every command for ALL; for WRITE, commands that
//! may replicate) — its argv is kept in `c.postponed` and the client is
//! flagged CLIENT_BLOCKED. Its remaining input waits in the query buffer.
//! When the pause ends (UNPAUSE or its deadline), `before_sleep` runs the
//! parked commands again, oldest first, then the rest of their input.
//! While paused, keys are not expired or evicted (db.rs, expire.rs, evict.rs
//! ask `check_timeout_and_return_if_paused`), so the dataset stays still.
//! A pause has a purpose (Redis: pause_purpose): CLIENT PAUSE, or a SHUTDOWN
//! waiting for its replicas. Each purpose pauses on its own; clients see the
//! strictest, and lifting one purpose leaves the others in force.

use oxidis_ds::util;

use super::client::*;
use super::{process_input_buffer, with_client};
use crate::pubsub::Sub;
use crate::server::Server;

/// Redis: pause_type.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Default)]
pub enum PauseType {
    #[default]
    Off,
    Write,
    All,
}

/// Why clients are paused. Redis: pause_purpose (PAUSE_BY_CLIENT_COMMAND,
/// PAUSE_DURING_SHUTDOWN, PAUSE_DURING_FAILOVER).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PausePurpose {
    ClientCommand = 0,
    Shutdown = 1,
    Failover = 2,
}

/// Redis: client_pause_type, client_pause_end_time,
/// client_pause_per_purpose, paused_clients.
#[derive(Default)]
pub struct PauseState {
    pub ptype: PauseType,            // the strictest purpose's
    pub end_ms: i64,                 // the latest purpose's deadline
    purposes: [(PauseType, i64); 3], // (type, deadline) per purpose
    pub paused: Vec<Sub>,            // postponed clients, in arrival order
    unblock_pending: bool,           // the pause ended: re-run the postponed clients
}

impl PauseState {
    /// Redis: areClientsPaused.
    #[inline]
    pub fn are_clients_paused(&self) -> bool {
        self.ptype != PauseType::Off
    }

    /// Redis: checkClientPauseTimeoutAndReturnIfPaused.
    #[inline]
    pub fn check_timeout_and_return_if_paused(&mut self) -> bool {
        if self.ptype == PauseType::Off {
            return false;
        }
        // Redis: only CLIENT PAUSE has a deadline.
        if self.purposes[PausePurpose::ClientCommand as usize].0 != PauseType::Off
            && self.purposes[PausePurpose::ClientCommand as usize].1 < util::mstime()
        {
            self.unpause(PausePurpose::ClientCommand);
        }
        self.are_clients_paused()
    }

    /// Redis: pauseClients — a second pause for a purpose extends it, never
    /// shortens it.
    pub fn pause(&mut self, purpose: PausePurpose, end_ms: i64, t: PauseType) {
        let p = &mut self.purposes[purpose as usize];
        p.0 = p.0.max(t);
        p.1 = p.1.max(end_ms);
        self.update();
    }

    /// Redis: unpauseClients.
    pub fn unpause(&mut self, purpose: PausePurpose) {
        self.purposes[purpose as usize] = (PauseType::Off, 0);
        self.update();
    }

    /// Redis: updateClientPauseTypeAndEndTime. When the pause gets less
    /// strict, the postponed clients run again (and wait again if they must).
    fn update(&mut self) {
        let old = self.ptype;
        self.ptype = self.purposes.iter().map(|p| p.0).max().unwrap_or_default();
        if self.ptype < old && !self.paused.is_empty() {
            self.unblock_pending = true;
        }
        self.end_ms = self
            .purposes
            .iter()
            .filter(|p| p.0 != PauseType::Off)
            .map(|p| p.1)
            .max()
            .unwrap_or(0);
    }

    /// Whether `flags` of a command make it wait under the current pause.
    /// Redis: processCommand's client-pause check.
    #[inline]
    pub fn blocks(&self, may_replicate: bool) -> bool {
        match self.ptype {
            PauseType::Off => false,
            PauseType::All => true,
            PauseType::Write => may_replicate,
        }
    }
}

/// Redis: blockClient(c, BLOCKED_POSTPONE).
pub fn postpone_client(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    c.flags |= CLIENT_BLOCKED;
    c.btype = BlockType::Postpone;
    c.postponed = Some(argv.to_vec());
    s.blocked_clients += 1;
    s.pause.paused.push(Sub {
        id: c.id,
        slot: c.slot,
    });
}

/// Forgets a client that is freed while postponed.
pub fn forget_client(s: &mut Server, c: &mut Client) {
    if c.flags & CLIENT_BLOCKED != 0 && c.btype == BlockType::Postpone {
        s.pause.paused.retain(|p| p.id != c.id);
        s.blocked_clients = s.blocked_clients.saturating_sub(1);
        c.flags &= !CLIENT_BLOCKED;
        c.btype = BlockType::None;
    }
}

/// Called from before_sleep: checks the pause deadline and re-runs the
/// postponed commands once the pause is over. Redis: the unblock half of
/// unpauseClients plus processUnblockedClients.
pub fn handle_paused_clients(s: &mut Server) {
    if s.pause.ptype != PauseType::Off {
        s.pause.check_timeout_and_return_if_paused();
    }
    if !s.pause.unblock_pending {
        return;
    }
    s.pause.unblock_pending = false;
    let list = std::mem::take(&mut s.pause.paused);
    for sub in list {
        if s.clients.get(sub.slot).is_none_or(|c| c.id != sub.id) {
            continue;
        }
        with_client(s, sub.slot, |s, c| {
            c.flags &= !CLIENT_BLOCKED;
            c.btype = BlockType::None;
            s.blocked_clients = s.blocked_clients.saturating_sub(1);
            if let Some(argv) = c.postponed.take() {
                s.process_command(c, &argv);
                if c.flags & CLIENT_MASTER != 0 && c.postponed.is_none() {
                    let applied = std::mem::take(&mut c.repl_cmd_bytes);
                    crate::replication::replica::master_applied(s, &applied);
                }
                if c.flags & CLIENT_BLOCKED == 0 {
                    super::after_command(s, c);
                }
            }
            s.mark_pending_write(sub.slot, c);
        });
        if s.clients
            .get(sub.slot)
            .is_some_and(|c| c.flags & CLIENT_BLOCKED == 0 && c.qb_pos < c.querybuf.len())
        {
            process_input_buffer(s, sub.slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_pause_on_their_own() {
        let mut p = PauseState::default();
        p.pause(PausePurpose::Shutdown, i64::MAX, PauseType::Write);
        p.pause(PausePurpose::ClientCommand, 1_000, PauseType::All);
        assert_eq!(p.ptype, PauseType::All);
        assert_eq!(p.end_ms, i64::MAX);
        p.paused.push(Sub { id: 1, slot: 0 });
        // CLIENT UNPAUSE lifts only its own pause: writes stay paused, and the
        // postponed clients run again to see whether they still must wait.
        p.unpause(PausePurpose::ClientCommand);
        assert_eq!(p.ptype, PauseType::Write);
        assert!(p.unblock_pending);
        p.unblock_pending = false;
        // A pause for a purpose extends, never shortens or weakens.
        p.pause(PausePurpose::Shutdown, 5, PauseType::Write);
        assert_eq!((p.ptype, p.end_ms), (PauseType::Write, i64::MAX));
        p.unpause(PausePurpose::Shutdown);
        assert_eq!((p.ptype, p.end_ms), (PauseType::Off, 0));
        assert!(p.unblock_pending);
    }

    #[test]
    fn only_client_pause_expires() {
        let mut p = PauseState::default();
        p.pause(PausePurpose::Shutdown, 0, PauseType::Write);
        p.pause(PausePurpose::ClientCommand, 0, PauseType::All);
        assert!(p.check_timeout_and_return_if_paused());
        assert_eq!(p.ptype, PauseType::Write);
    }
}
