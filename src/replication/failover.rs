//! FAILOVER: a coordinated switch of roles between a master and one of its
//! replicas. Redis counterpart: replication.c (failoverCommand,
//! updateFailoverStatus, abortFailover, clearFailoverState, findReplica, and
//! the FAILOVER argument of PSYNC).
//!
//! The master pauses writes, so the stream stops growing, and waits until a
//! replica (the one named by TO, or any) has acknowledged the whole stream.
//! It then becomes a replica of that replica and sends it `PSYNC <replid>
//! <offset> FAILOVER`; the target, seeing its own replication ID, turns
//! itself into a master and accepts the PSYNC as a partial resync. When the
//! old master's PSYNC is answered the failover is over and writes resume
//! (as -READONLY errors now). With TIMEOUT the wait is bounded: the failover
//! aborts, or with FORCE goes ahead with the target anyway.

use oxidis_ds::util;

use crate::networking::pause::{PausePurpose, PauseType};
use crate::networking::Client;
use crate::server::command::CommandProc;
use crate::server::shared;
use crate::server::Server;
use crate::server_log;

/// Redis: failover_state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FailoverState {
    #[default]
    None,
    /// Writes are paused; waiting for a replica to catch up.
    WaitForSync,
    /// We are a replica of the target and wait for its answer to PSYNC.
    InProgress,
}

/// Redis: the failover_* and target_replica_* fields of the server.
#[derive(Default)]
pub struct Failover {
    pub state: FailoverState,
    pub end_ms: i64, // 0: no timeout
    pub force: bool,
    pub target: Option<(String, i32)>,
}

impl FailoverState {
    /// INFO's master_failover_state. Redis: getFailoverStateString.
    pub fn name(self) -> &'static str {
        match self {
            FailoverState::None => "no-failover",
            FailoverState::WaitForSync => "waiting-for-sync",
            FailoverState::InProgress => "failover-in-progress",
        }
    }
}

/// The replica listening on host:port, by its announced or peer address.
/// Redis: findReplica.
fn find_replica(s: &Server, host: &str, port: i64) -> Option<usize> {
    s.repl
        .slaves
        .iter()
        .position(|r| r.ip().eq_ignore_ascii_case(host) && r.listening_port == port)
}

/// Redis: clearFailoverState — including the end of the write pause.
pub fn clear(s: &mut Server) {
    s.repl.failover = Failover::default();
    s.pause.unpause(PausePurpose::Failover);
}

/// Redis: abortFailover.
pub fn abort(s: &mut Server, err: &str) {
    if s.repl.failover.state == FailoverState::None {
        return;
    }
    match &s.repl.failover.target {
        Some((host, port)) => server_log!(Notice, "FAILOVER to {}:{} aborted: {}", host, port, err),
        None => server_log!(Notice, "FAILOVER to any replica aborted: {}", err),
    }
    if s.repl.failover.state == FailoverState::InProgress {
        super::replica::unset_master(s);
    }
    clear(s);
}

/// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms].
fn failover_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if argv.len() == 2 && argv[1].eq_ignore_ascii_case(b"abort") {
        if s.repl.failover.state == FailoverState::None {
            return c.add_reply_error("No failover in progress.");
        }
        abort(s, "Failover manually aborted");
        return c.add_reply_ok();
    }
    let mut timeout_ms: i64 = 0;
    let mut force = false;
    let mut target: Option<(String, i64)> = None;
    let mut j = 1;
    while j < argv.len() {
        let a = &argv[j];
        if a.eq_ignore_ascii_case(b"timeout") && j + 1 < argv.len() && timeout_ms == 0 {
            match util::string2l(&argv[j + 1]) {
                Some(t) => timeout_ms = t,
                None => return c.add_reply_error(shared::NOT_INTEGER),
            }
            if timeout_ms <= 0 {
                return c.add_reply_error("FAILOVER timeout must be greater than 0");
            }
            j += 2;
        } else if a.eq_ignore_ascii_case(b"to") && j + 2 < argv.len() && target.is_none() {
            let Some(port) = util::string2l(&argv[j + 2]) else {
                return c.add_reply_error(shared::NOT_INTEGER);
            };
            target = Some((String::from_utf8_lossy(&argv[j + 1]).into_owned(), port));
            j += 3;
        } else if a.eq_ignore_ascii_case(b"force") && !force {
            force = true;
            j += 1;
        } else {
            return c.add_reply_syntax_err();
        }
    }
    if s.repl.failover.state != FailoverState::None {
        return c.add_reply_error("FAILOVER already in progress.");
    }
    if s.config.masterhost.is_some() {
        return c.add_reply_error("FAILOVER is not valid when server is a replica.");
    }
    if s.repl.slaves.is_empty() {
        return c.add_reply_error("FAILOVER requires connected replicas.");
    }
    if force && (timeout_ms == 0 || target.is_none()) {
        return c.add_reply_error(
            "FAILOVER with force option requires both a timeout and target HOST and IP.",
        );
    }
    match &target {
        Some((host, port)) => {
            let Some(i) = find_replica(s, host, *port) else {
                return c.add_reply_error("FAILOVER target HOST and PORT is not a replica.");
            };
            if s.repl.slaves[i].state != super::SlaveState::Online {
                return c.add_reply_error("FAILOVER target replica is not online.");
            }
            server_log!(Notice, "FAILOVER requested to {}:{}.", host, port);
            s.repl.failover.target = Some((host.clone(), *port as i32));
        }
        None => server_log!(Notice, "FAILOVER requested to any replica."),
    }
    if timeout_ms > 0 {
        s.repl.failover.end_ms = util::mstime() + timeout_ms;
    }
    s.repl.failover.force = force;
    s.repl.failover.state = FailoverState::WaitForSync;
    s.pause
        .pause(PausePurpose::Failover, i64::MAX, PauseType::Write);
    c.add_reply_ok();
}

/// Runs before every sleep of the event loop: times the wait out, or starts
/// the failover once a replica has the whole stream. Redis:
/// updateFailoverStatus.
pub fn update_status(s: &mut Server) {
    if s.repl.failover.state != FailoverState::WaitForSync {
        return;
    }
    let now = util::mstime();
    if s.repl.failover.end_ms != 0 && s.repl.failover.end_ms <= now {
        if s.repl.failover.force {
            let (host, port) = s.repl.failover.target.clone().unwrap_or_default();
            server_log!(
                Notice,
                "FAILOVER to {}:{} time out exceeded, failing over.",
                host,
                port
            );
            s.repl.failover.state = FailoverState::InProgress;
            super::replica::set_master(s, &host, port);
        } else {
            abort(s, "Replica never caught up before timeout");
        }
        return;
    }
    let offset = s.repl.master_repl_offset;
    let caught_up = match &s.repl.failover.target {
        Some((host, port)) => {
            find_replica(s, host, *port as i64).is_some_and(|i| s.repl.slaves[i].ack_off == offset)
        }
        None => match s.repl.slaves.iter().find(|r| r.ack_off == offset) {
            Some(r) => {
                s.repl.failover.target = Some((r.ip(), r.listening_port as i32));
                true
            }
            None => false,
        },
    };
    if caught_up {
        let (host, port) = s.repl.failover.target.clone().unwrap_or_default();
        s.repl.failover.state = FailoverState::InProgress;
        server_log!(
            Notice,
            "Failover target {}:{} is synced, failing over.",
            host,
            port
        );
        super::replica::set_master(s, &host, port);
    }
}

/// The target's side of `PSYNC <replid> <offset> FAILOVER`: become a
/// master if the request continues our own history. Err is the reply.
/// Redis: the failover branch of syncCommand.
pub fn psync_failover_request(
    s: &mut Server,
    c: &Client,
    replid: &[u8],
) -> Result<(), &'static str> {
    server_log!(
        Warning,
        "Failover request received for replid {}.",
        String::from_utf8_lossy(replid)
    );
    if s.config.masterhost.is_none() {
        return Err("PSYNC FAILOVER can't be sent to a master.");
    }
    if !replid.eq_ignore_ascii_case(s.replid.as_bytes()) {
        return Err("PSYNC FAILOVER replid must match my replid.");
    }
    super::replica::unset_master(s);
    let who = crate::networking::client_info_string(s, c);
    server_log!(
        Notice,
        "MASTER MODE enabled (failover request from '{}')",
        who
    );
    Ok(())
}

pub static HANDLERS: &[(&str, CommandProc)] = &[("failover", failover_command)];
