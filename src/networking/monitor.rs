//! MONITOR. Redis counterpart: monitorCommand (server.c) and
//! replicationFeedMonitors (replication.c).
//!
//! A monitor is a client flagged CLIENT_SLAVE|CLIENT_MONITOR; after every
//! command `call()` sends each monitor one status line:
//! `+<sec>.<usec> [<db> <addr>] "arg" "arg" ...`. Commands flagged
//! skip_monitor or admin are not shown, and arguments a command marked as
//! sensitive (`c.redacted`) print as "(redacted)".
//! The no-monitor case costs one `is_empty()` test per command.

use oxidis_ds::util;

use super::client::*;
use crate::pubsub::Sub;
use crate::server::Server;

/// Redis: replicationFeedMonitors. `c` is the client whose command ran.
#[cold]
pub fn feed_monitors(s: &mut Server, c: &Client, db: usize, argv: &[Vec<u8>]) {
    if s.loading {
        return;
    }
    let us = util::ustime();
    let mut line = format!("+{}.{:06} ", us / 1_000_000, us % 1_000_000);
    if c.unix {
        let path = c.laddr.clone();
        line.push_str(&format!("[{} unix:{}] ", db, path));
    } else {
        line.push_str(&format!("[{} {}] ", db, c.addr));
    }
    for (j, a) in argv.iter().enumerate() {
        if c.redacted.contains(&j) {
            line.push_str("\"(redacted)\"");
        } else {
            line.push_str(&util::repr(a));
        }
        if j + 1 != argv.len() {
            line.push(' ');
        }
    }
    line.push_str("\r\n");
    let monitors = s.monitors.clone();
    let mut alive = Vec::with_capacity(monitors.len());
    for m in monitors {
        if s.clients.is_lent(m.slot) {
            alive.push(m); // lent out: a monitor does not see itself
            continue;
        }
        let Some(mc) = s.clients.get_mut(m.slot) else {
            continue;
        };
        if mc.id != m.id {
            continue;
        }
        alive.push(m);
        mc.add_reply_raw(line.as_bytes());
        if mc.flags & CLIENT_PENDING_WRITE == 0 && mc.has_pending_replies() {
            mc.flags |= CLIENT_PENDING_WRITE;
            s.clients_pending_write.push(m.slot);
        }
        if mc.obuf_check {
            super::obuf::check_obuf_limits_slot(s, m.slot);
        }
    }
    s.monitors = alive;
}

/// Redis: monitorCommand.
pub fn monitor_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    if c.flags & CLIENT_DENY_BLOCKING != 0 && !c.mstate.active {
        return c.add_reply_error("MONITOR isn't allowed for DENY BLOCKING client");
    }
    if c.flags & CLIENT_SLAVE != 0 {
        return;
    }
    c.flags |= CLIENT_SLAVE | CLIENT_MONITOR;
    s.monitors.push(Sub {
        id: c.id,
        slot: c.slot,
    });
    c.add_reply_ok();
}

/// Drops a freed client from the monitor list.
pub fn forget_monitor(s: &mut Server, c: &Client) {
    if c.flags & CLIENT_MONITOR != 0 {
        s.monitors.retain(|m| m.id != c.id);
    }
}
