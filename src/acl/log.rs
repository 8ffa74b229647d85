//! The ACL LOG: recent denials and failed logins. Redis counterpart: the
//! "ACL log" section of acl.c (ACLLogEntry, addACLLogEntry, ACL LOG).
//!
//! Similar events (same reason, context, object and user, within a minute)
//! fold into one entry with a count, so a client retrying a refused command
//! does not flush the log. Only the ten newest entries are searched for a
//! match, as in Redis.

use std::collections::VecDeque;

use oxidis_ds::util;

use crate::networking::client::CLIENT_SCRIPT;
use crate::networking::Client;
use crate::server::Server;

/// Entries closer in time than this may be folded together.
const GROUPING_MAX_TIME_DELTA_MS: i64 = 60_000;

/// Redis: ACL_DENIED_*.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    Command,
    Key,
    Channel,
    Auth,
}

/// Redis: ACL_LOG_CTX_*.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    Toplevel,
    Multi,
    Lua,
}

/// Redis: ACLLogEntry.
#[derive(Clone, Debug)]
pub struct Entry {
    pub count: u64,
    pub reason: Reason,
    pub context: Context,
    pub object: Vec<u8>,
    pub username: Vec<u8>,
    pub ctime: i64,
    pub cinfo: String,
}

/// The log, newest entry first.
#[derive(Default)]
pub struct AclLog {
    pub entries: VecDeque<Entry>,
    /// CLIENT LIST line of the client whose script is running, when its
    /// user is restricted: a denial inside the script names that client,
    /// not the script's own.
    pub script_caller: Option<String>,
}

/// Records a denial. `username` overrides the client's user (a failed AUTH
/// names the user it tried). Redis: addACLLogEntry.
pub fn add_entry(
    s: &mut Server,
    c: &Client,
    reason: Reason,
    context: Context,
    object: Vec<u8>,
    username: Option<Vec<u8>>,
) {
    let username = username.unwrap_or_else(|| s.acl.user_name(c.user).as_bytes().to_vec());
    let cinfo = match (&s.acl.log.script_caller, c.flags & CLIENT_SCRIPT != 0) {
        (Some(info), true) => info.clone(),
        _ => crate::networking::client_info_string(s, c),
    };
    let ctime = util::mstime();
    let max_len = s.config.acllog_max_len as usize;
    let log = &mut s.acl.log.entries;
    let found = log.iter().take(10).position(|e| {
        e.reason == reason
            && e.context == context
            && (e.ctime - ctime).abs() <= GROUPING_MAX_TIME_DELTA_MS
            && e.object == object
            && e.username == username
    });
    if let Some(i) = found {
        let mut e = log.remove(i).expect("found above");
        e.cinfo = cinfo;
        e.ctime = ctime;
        e.count += 1;
        log.push_front(e);
        return;
    }
    log.push_front(Entry {
        count: 1,
        reason,
        context,
        object,
        username,
        ctime,
        cinfo,
    });
    log.truncate(max_len);
}

/// ACL LOG [count | RESET].
pub fn log_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let mut count: i64 = 10;
    if argv.len() == 3 {
        if argv[2].eq_ignore_ascii_case(b"reset") {
            s.acl.log.entries.clear();
            return c.add_reply_ok();
        }
        match util::string2l(&argv[2]) {
            Some(n) => count = n.max(0),
            None => return c.add_reply_error("value is not an integer or out of range"),
        }
    }
    let log = &s.acl.log.entries;
    let count = (count as usize).min(log.len());
    let now = util::mstime();
    c.add_reply_array_len(count);
    for e in log.iter().take(count) {
        c.add_reply_map_len(7);
        c.add_reply_bulk_str("count");
        c.add_reply_long(e.count as i64);
        c.add_reply_bulk_str("reason");
        c.add_reply_bulk_str(match e.reason {
            Reason::Command => "command",
            Reason::Key => "key",
            Reason::Channel => "channel",
            Reason::Auth => "auth",
        });
        c.add_reply_bulk_str("context");
        c.add_reply_bulk_str(match e.context {
            Context::Toplevel => "toplevel",
            Context::Multi => "multi",
            Context::Lua => "lua",
        });
        c.add_reply_bulk_str("object");
        c.add_reply_bulk(&e.object);
        c.add_reply_bulk_str("username");
        c.add_reply_bulk(&e.username);
        c.add_reply_bulk_str("age-seconds");
        c.add_reply_double((now - e.ctime) as f64 / 1000.0);
        c.add_reply_bulk_str("client-info");
        c.add_reply_bulk(e.cinfo.as_bytes());
    }
}
