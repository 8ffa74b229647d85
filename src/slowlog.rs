//! The slow log. Redis counterpart: slowlog.c.
//!
//! `call()` hands every finished command with its duration to
//! `slowlog_push_entry_if_needed`; commands that took at least
//! `slowlog-log-slower-than` microseconds are kept, newest first, up to
//! `slowlog-max-len` entries. Long argument vectors and long arguments are
//! trimmed as Redis trims them, so the log cannot eat memory.
//! The disabled case (`slowlog-log-slower-than` < 0) costs one comparison.

use std::collections::VecDeque;

use oxidis_ds::util;

use crate::networking::Client;
use crate::server::command::CommandProc;
use crate::server::Server;

const SLOWLOG_ENTRY_MAX_ARGC: usize = 32;
const SLOWLOG_ENTRY_MAX_STRING: usize = 128;

/// Redis: slowlogEntry.
pub struct SlowlogEntry {
    pub id: u64,
    pub time: i64,     // unix seconds
    pub duration: u64, // microseconds
    pub argv: Vec<Vec<u8>>,
    pub peerid: String,
    pub cname: Vec<u8>,
}

/// Redis: server.slowlog plus server.slowlog_entry_id.
#[derive(Default)]
pub struct SlowLog {
    pub entries: VecDeque<SlowlogEntry>,
    pub next_id: u64,
}

/// Redis: slowlogCreateEntry's argument trimming.
fn trimmed_argv(argv: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let argc = argv.len();
    let slargc = argc.min(SLOWLOG_ENTRY_MAX_ARGC);
    let mut out = Vec::with_capacity(slargc);
    for (j, a) in argv.iter().take(slargc).enumerate() {
        if slargc != argc && j == slargc - 1 {
            out.push(format!("... ({} more arguments)", argc - slargc + 1).into_bytes());
        } else if a.len() > SLOWLOG_ENTRY_MAX_STRING {
            let mut v = a[..SLOWLOG_ENTRY_MAX_STRING].to_vec();
            v.extend_from_slice(
                format!("... ({} more bytes)", a.len() - SLOWLOG_ENTRY_MAX_STRING).as_bytes(),
            );
            out.push(v);
        } else {
            out.push(a.clone());
        }
    }
    out
}

/// Redis: slowlogPushEntryIfNeeded.
#[inline]
pub fn slowlog_push_entry_if_needed(s: &mut Server, c: &Client, argv: &[Vec<u8>], dur_us: u64) {
    let slower = s.config.slowlog_log_slower_than;
    if slower < 0 || dur_us < slower as u64 {
        return;
    }
    push_entry(s, c, argv, dur_us);
}

#[cold]
fn push_entry(s: &mut Server, c: &Client, argv: &[Vec<u8>], dur_us: u64) {
    let argv = if c.redacted.is_empty() {
        trimmed_argv(argv)
    } else {
        let mut v = argv.to_vec();
        for &i in &c.redacted {
            if i < v.len() {
                v[i] = b"(redacted)".to_vec();
            }
        }
        trimmed_argv(&v)
    };
    let id = s.slowlog.next_id;
    s.slowlog.next_id += 1;
    s.slowlog.entries.push_front(SlowlogEntry {
        id,
        time: util::unixtime(),
        duration: dur_us,
        argv,
        peerid: c.addr.clone(),
        cname: c.name.clone().unwrap_or_default(),
    });
    while s.slowlog.entries.len() as u64 > s.config.slowlog_max_len {
        s.slowlog.entries.pop_back();
    }
}

fn slowlog_help_command(_s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    c.add_reply_help(
        &argv[0],
        &[
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
        ],
    );
}

fn slowlog_reset_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    s.slowlog.entries.clear();
    c.add_reply_ok();
}

fn slowlog_len_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    c.add_reply_long(s.slowlog.entries.len() as i64);
}

fn slowlog_get_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let mut count = 10usize;
    if argv.len() == 3 {
        match util::string2ll(&argv[2]) {
            Some(-1) => count = s.slowlog.entries.len(),
            Some(n) if n >= 0 => count = n as usize,
            _ => return c.add_reply_error("count should be greater than or equal to -1"),
        }
    }
    let n = count.min(s.slowlog.entries.len());
    c.add_reply_array_len(n);
    for e in s.slowlog.entries.iter().take(n) {
        c.add_reply_array_len(6);
        c.add_reply_long(e.id as i64);
        c.add_reply_long(e.time);
        c.add_reply_long(e.duration as i64);
        c.add_reply_array_len(e.argv.len());
        for a in &e.argv {
            c.add_reply_bulk(a);
        }
        c.add_reply_bulk(e.peerid.as_bytes());
        c.add_reply_bulk(&e.cname);
    }
}

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("slowlog|help", slowlog_help_command),
    ("slowlog|reset", slowlog_reset_command),
    ("slowlog|len", slowlog_len_command),
    ("slowlog|get", slowlog_get_command),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_like_redis() {
        let argv: Vec<Vec<u8>> = (0..34).map(|i| i.to_string().into_bytes()).collect();
        let t = trimmed_argv(&argv);
        assert_eq!(t.len(), 32);
        assert_eq!(t[31], b"... (3 more arguments)".to_vec());
        let t = trimmed_argv(&[vec![b'A'; 129]]);
        assert!(t[0].ends_with(b"A... (1 more bytes)"));
        assert_eq!(t[0].len(), 128 + "... (1 more bytes)".len());
    }
}
