//! Shutting down. Redis counterpart: server.c (prepareForShutdown,
//! isReadyToShutdown, finishShutdown, abortShutdown, the shutdown part of
//! serverCron), db.c (shutdownCommand) and blocked.c
//! (replyToClientsBlockedOnShutdown).
//!
//! A shutdown that replicas would lose writes by (their acknowledged offset
//! is behind ours) first waits for them, up to `shutdown-timeout` seconds:
//! writes are paused, the replicas are asked for an ACK, the SHUTDOWN
//! callers stay blocked, and INFO shows `shutdown_in_milliseconds`. The cron
//! finishes the shutdown once every replica caught up or the time is up;
//! SHUTDOWN ABORT, or a failure while finishing (a save that cannot be
//! written), cancels it, and the blocked callers get an error. `SHUTDOWN
//! NOW`, or `shutdown-timeout 0`, skips the wait.

use super::supervised::SupervisedMode;
use super::Server;
use crate::config::{SHUTDOWN_FORCE, SHUTDOWN_NOSAVE, SHUTDOWN_NOW, SHUTDOWN_SAVE};
use crate::networking::client::{BlockType, CLIENT_BLOCKED, CLIENT_DENY_BLOCKING};
use crate::networking::pause::{PausePurpose, PauseType};
use crate::networking::Client;
use crate::replication::SlaveState;
use crate::server_log;
use oxidis_ds::util;

/// The error the blocked SHUTDOWN callers get when it does not happen.
const SHUTDOWN_FAILED: &str = "Errors trying to SHUTDOWN. Check logs.";

impl Server {
    /// Redis: isShutdownInitiated — waiting for replicas.
    pub fn is_shutdown_initiated(&self) -> bool {
        self.shutdown_mstime != 0
    }

    /// Redis: isReadyToShutdown — no replica is behind.
    fn is_ready_to_shutdown(&self) -> bool {
        let off = self.repl.master_repl_offset;
        self.repl.slaves.iter().all(|r| r.ack_off == off)
    }

    /// Redis: prepareForShutdown. True: the server may exit now. False: the
    /// shutdown waits for replicas, or failed (the reason is logged).
    pub fn prepare_for_shutdown(&mut self, mut flags: u32) -> bool {
        if self.is_shutdown_initiated() {
            return false;
        }
        // Redis: never save a half-loaded dataset.
        if self.loading {
            flags = (flags & !SHUTDOWN_SAVE) | SHUTDOWN_NOSAVE;
        }
        self.shutdown_flags = flags;
        server_log!(Warning, "User requested shutdown...");
        if self.supervised_mode == SupervisedMode::Systemd {
            super::supervised::notify_systemd("STOPPING=1\n");
        }
        if flags & SHUTDOWN_NOW == 0
            && self.config.shutdown_timeout != 0
            && !self.is_ready_to_shutdown()
        {
            self.shutdown_mstime = util::mstime() + i64::from(self.config.shutdown_timeout) * 1000;
            if !self.pause.are_clients_paused() {
                self.repl.get_ack_from_slaves = true;
            }
            self.pause
                .pause(PausePurpose::Shutdown, i64::MAX, PauseType::Write);
            server_log!(Notice, "Waiting for replicas before shutting down.");
            return false;
        }
        self.finish_shutdown()
    }

    /// Redis: finishShutdown. True when the server may exit.
    pub fn finish_shutdown(&mut self) -> bool {
        let flags = self.shutdown_flags;
        let off = self.repl.master_repl_offset;
        let now = util::unixtime();
        let mut lagging = 0;
        for r in &self.repl.slaves {
            if r.ack_off != off {
                lagging += 1;
                let lag = if r.state == SlaveState::Online {
                    now - r.ack_time
                } else {
                    0
                };
                let state = match r.state {
                    SlaveState::WaitBgsaveStart | SlaveState::WaitBgsaveEnd => "wait_bgsave",
                    SlaveState::Online => "online",
                };
                server_log!(
                    Warning,
                    "Lagging replica {}:{} reported offset {} behind master, lag={}, state={}.",
                    r.ip(),
                    r.listening_port,
                    off - r.ack_off,
                    lag,
                    state
                );
            }
        }
        let n = self.repl.slaves.len();
        if n > 0 {
            server_log!(
                Notice,
                "{} of {} replicas are in sync when shutting down.",
                n - lagging,
                n
            );
        }
        if crate::rdb::bgsave::shutdown_save(
            self,
            flags & SHUTDOWN_SAVE != 0,
            flags & SHUTDOWN_NOSAVE != 0,
            flags & SHUTDOWN_FORCE != 0,
        )
        .is_err()
        {
            server_log!(
                Warning,
                "Errors trying to shut down the server. Check the logs for more information."
            );
            self.cancel_shutdown();
            return false;
        }
        if let Some(pidfile) = self.config.pidfile.clone().filter(|p| !p.is_empty()) {
            server_log!(Notice, "Removing the pid file.");
            let _ = std::fs::remove_file(&pidfile);
        }
        // Redis: flushSlavesOutputBuffers — best effort.
        let slots: Vec<usize> = self.repl.slaves.iter().map(|r| r.slot).collect();
        for slot in slots {
            crate::networking::write_to_client(self, slot);
        }
        for l in self.listeners.iter() {
            if let super::Listener::Unix(_, path) = l {
                let _ = std::fs::remove_file(path);
            }
        }
        self.listeners.clear();
        server_log!(Warning, "Redis is now ready to exit, bye bye...");
        true
    }

    /// Redis: cancelShutdown.
    fn cancel_shutdown(&mut self) {
        self.shutdown_asap = false;
        self.shutdown_flags = 0;
        self.shutdown_mstime = 0;
        oxidis_sys::reset_signal_count();
        self.reply_to_clients_blocked_on_shutdown();
        self.pause.unpause(PausePurpose::Shutdown);
    }

    /// Redis: abortShutdown. False when no shutdown was under way.
    pub fn abort_shutdown(&mut self) -> bool {
        if self.is_shutdown_initiated() {
            self.cancel_shutdown();
        } else if self.shutdown_asap || oxidis_sys::take_shutdown_signal().is_some() {
            // A signal asked for a shutdown the cron has not started yet.
            self.shutdown_asap = false;
            oxidis_sys::reset_signal_count();
        } else {
            return false;
        }
        server_log!(Notice, "Shutdown manually aborted.");
        true
    }

    /// Redis: replyToClientsBlockedOnShutdown.
    fn reply_to_clients_blocked_on_shutdown(&mut self) {
        let slots: Vec<usize> = self
            .clients
            .iter()
            .filter(|(_, c)| c.flags & CLIENT_BLOCKED != 0 && c.btype == BlockType::Shutdown)
            .map(|(slot, _)| slot)
            .collect();
        for slot in slots {
            crate::networking::with_client(self, slot, |s, c| {
                s.fail_blocked_shutdown(c);
                s.mark_pending_write(slot, c);
            });
        }
    }

    /// A SHUTDOWN caller hears that the shutdown did not happen.
    fn fail_blocked_shutdown(&mut self, c: &mut Client) {
        c.add_reply_error(SHUTDOWN_FAILED);
        self.unblock_shutdown(c);
    }

    /// Redis: unblockClient for BLOCKED_SHUTDOWN.
    pub fn unblock_shutdown(&mut self, c: &mut Client) {
        if c.flags & CLIENT_BLOCKED != 0 && c.btype == BlockType::Shutdown {
            c.flags &= !CLIENT_BLOCKED;
            c.btype = BlockType::None;
            self.blocked_clients = self.blocked_clients.saturating_sub(1);
        }
    }

    /// The shutdown part of serverCron, with the signal handler's part
    /// (sigShutdownHandler) that cannot run in a handler. True when the
    /// server must exit now.
    pub fn shutdown_cron(&mut self) -> bool {
        if let Some(sig) = oxidis_sys::take_shutdown_signal() {
            let name = if sig == libc::SIGINT {
                "SIGINT"
            } else {
                "SIGTERM"
            };
            server_log!(Warning, "Received {} scheduling shutdown...", name);
            self.shutdown_asap = true;
            // A shutdown already waiting for replicas keeps its own flags.
            if !self.is_shutdown_initiated() {
                self.shutdown_flags = if sig == libc::SIGINT {
                    self.config.shutdown_on_sigint
                } else {
                    self.config.shutdown_on_sigterm
                };
            }
        }
        if self.shutdown_asap && !self.is_shutdown_initiated() {
            return self.prepare_for_shutdown(self.shutdown_flags);
        }
        if self.is_shutdown_initiated()
            && (util::mstime() >= self.shutdown_mstime || self.is_ready_to_shutdown())
        {
            return self.finish_shutdown();
        }
        false
    }
}

/// Redis: shutdownCommand.
pub fn shutdown_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let mut flags = 0;
    let mut abort = false;
    for a in &argv[1..] {
        match a.to_ascii_lowercase().as_slice() {
            b"nosave" => flags |= SHUTDOWN_NOSAVE,
            b"save" => flags |= SHUTDOWN_SAVE,
            b"now" => flags |= SHUTDOWN_NOW,
            b"force" => flags |= SHUTDOWN_FORCE,
            b"abort" => abort = true,
            _ => return c.add_reply_syntax_err(),
        }
    }
    if (abort && flags != 0) || (flags & SHUTDOWN_NOSAVE != 0 && flags & SHUTDOWN_SAVE != 0) {
        return c.add_reply_syntax_err();
    }
    if abort {
        return if s.abort_shutdown() {
            c.add_reply_ok()
        } else {
            c.add_reply_error("No shutdown in progress.")
        };
    }
    if flags & SHUTDOWN_NOW == 0 && c.flags & CLIENT_DENY_BLOCKING != 0 {
        return c.add_reply_error(
            "SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client",
        );
    }
    // Redis: a timed-out script allows only SHUTDOWN NOSAVE.
    if flags & SHUTDOWN_NOSAVE == 0 && crate::scripting::script::is_timedout(s) {
        let err = crate::scripting::script::busy_error(s);
        return c.add_reply_error(err);
    }
    // Redis: blockClient(c, BLOCKED_SHUTDOWN) — the caller hears back when
    // the shutdown fails or is aborted.
    c.flags |= CLIENT_BLOCKED;
    c.btype = BlockType::Shutdown;
    s.blocked_clients += 1;
    if s.prepare_for_shutdown(flags) {
        std::process::exit(0);
    }
    // Failed at once: the caller (lent out of the table) was not among the
    // clients cancel_shutdown answered.
    if !s.is_shutdown_initiated() && c.btype == BlockType::Shutdown {
        s.fail_blocked_shutdown(c);
    }
}
