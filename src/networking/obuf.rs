//! Client output-buffer limits. Redis counterpart: networking.c
//! (getClientType, getClientOutputBufferMemoryUsage,
//! checkClientOutputBufferLimits, closeClientOnOutputBufferLimitReached).
//!
//! `client-output-buffer-limit` gives each class (normal, replica, pubsub) a
//! hard limit, and a soft limit that must hold for some seconds. Only the
//! reply list counts (not the 16 KiB static buffer), as in Redis. A client
//! over its limit is flagged CLIENT_CLOSE_ASAP: nothing more is queued or
//! written for it, and before_sleep frees it.
//!
//! Divergence: Redis checks on every append to the reply list; oxidis marks
//! the client (`obuf_check`) on such an append and checks once after the
//! command (or after a publish to a subscriber), which keeps the reply path
//! free of server lookups. The client's total is the same.

use oxidis_ds::util;

use super::client::*;
use super::client_info_string;
use crate::server::Server;
use crate::server_log;

pub const CLIENT_TYPE_NORMAL: usize = 0;
pub const CLIENT_TYPE_SLAVE: usize = 1;
pub const CLIENT_TYPE_PUBSUB: usize = 2;

/// Redis: getClientType (masters count as normal for limits).
pub fn client_type(c: &Client) -> usize {
    if c.flags & CLIENT_SLAVE != 0 && c.flags & CLIENT_MONITOR == 0 {
        CLIENT_TYPE_SLAVE
    } else if c.flags & CLIENT_PUBSUB != 0 {
        CLIENT_TYPE_PUBSUB
    } else {
        CLIENT_TYPE_NORMAL
    }
}

/// Redis: checkClientOutputBufferLimits.
fn limits_reached(s: &Server, c: &mut Client) -> bool {
    let class = client_type(c);
    let lim = s.config.client_obuf_limits[class];
    // Divergence: Redis sends everything after a deferred length to the
    // reply list, oxidis patches the header into the static buffer; counting
    // that buffer once the list is in use keeps the totals comparable.
    let used = (c.output_memory() + c.buf.len()) as u64;
    let hard = lim.hard_limit_bytes != 0 && used >= lim.hard_limit_bytes;
    let mut soft = lim.soft_limit_bytes != 0 && used >= lim.soft_limit_bytes;
    if soft {
        let now = util::unixtime();
        if c.obuf_soft_limit_reached_time == 0 {
            c.obuf_soft_limit_reached_time = now;
            soft = false;
        } else if now - c.obuf_soft_limit_reached_time <= lim.soft_limit_seconds {
            soft = false;
        }
    } else {
        c.obuf_soft_limit_reached_time = 0;
    }
    soft || hard
}

/// Redis: closeClientOnOutputBufferLimitReached(c, async=1), for a client
/// that is lent out of the client table (the one running a command).
pub fn check_obuf_limits(s: &mut Server, c: &mut Client) -> bool {
    c.obuf_check = false;
    if c.conn.is_none() || c.reply_bytes == 0 || c.flags & CLIENT_CLOSE_ASAP != 0 {
        return false;
    }
    if !limits_reached(s, c) {
        return false;
    }
    let info = client_info_string(s, c);
    c.flags |= CLIENT_CLOSE_ASAP;
    s.clients_to_close.push(c.slot);
    s.stats.client_outbuf_limit_disconnections += 1;
    server_log!(
        Warning,
        "Client {} scheduled to be closed ASAP for overcoming of output buffer limits.",
        info
    );
    true
}

/// The same for a client in the table (its `slot` field is its table slot,
/// so the close queue gets the right entry).
pub fn check_obuf_limits_slot(s: &mut Server, slot: usize) -> bool {
    let Some(mut c) = s.clients.lend(slot) else {
        return false;
    };
    let r = check_obuf_limits(s, &mut c);
    s.clients.give_back(slot, c);
    r
}

/// Redis: the clientsCron call — soft limits expire even without traffic.
pub fn clients_cron_obuf(s: &mut Server) {
    let slots: Vec<usize> = s
        .clients
        .iter()
        .filter(|(_, c)| c.reply_bytes > 0 && c.flags & CLIENT_CLOSE_ASAP == 0)
        .map(|(slot, _)| slot)
        .collect();
    for slot in slots {
        check_obuf_limits_slot(s, slot);
    }
}
