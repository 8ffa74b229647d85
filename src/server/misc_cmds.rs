//! Small server commands. Redis counterpart: server.c (pingCommand,
//! echoCommand, timeCommand, shutdownCommand) and db.c (lastsaveCommand).

use oxidis_ds::util;

use super::command::CommandProc;
use super::Server;
use crate::networking::Client;

fn ping_command(_s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if argv.len() > 2 {
        return c.add_reply_error("wrong number of arguments for 'ping' command");
    }
    if c.flags & crate::networking::client::CLIENT_PUBSUB != 0 && c.resp == 2 {
        // Redis: a RESP2 subscriber gets PING's answer as a message.
        c.add_reply_raw(b"*2\r\n$4\r\npong\r\n");
        c.add_reply_bulk(argv.get(1).map_or(&b""[..], |v| v.as_slice()));
    } else if argv.len() == 1 {
        c.add_reply_raw(b"+PONG\r\n");
    } else {
        c.add_reply_bulk(&argv[1]);
    }
}

fn echo_command(_s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    c.add_reply_bulk(&argv[1]);
}

fn time_command(_s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    let us = util::ustime();
    c.add_reply_array_len(2);
    c.add_reply_bulk_i64(us / 1_000_000);
    c.add_reply_bulk_i64(us % 1_000_000);
}

fn lastsave_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    c.add_reply_long(s.lastsave);
}

pub use crate::config::{SHUTDOWN_FORCE, SHUTDOWN_NOSAVE, SHUTDOWN_NOW, SHUTDOWN_SAVE};

/// Redis: shutdownCommand. The final save, and what SAVE / NOSAVE / NOW /
/// FORCE change about it, is `Server::prepare_for_shutdown`'s.
fn shutdown_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
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
        return c.add_reply_error("No shutdown in progress.");
    }
    // Redis: a timed-out script allows only SHUTDOWN NOSAVE.
    if flags & SHUTDOWN_NOSAVE == 0 && crate::scripting::script::is_timedout(s) {
        let err = crate::scripting::script::busy_error(s);
        return c.add_reply_error(err);
    }
    if s.prepare_for_shutdown(flags).is_ok() {
        networking_flush_and_exit(s);
    }
    c.add_reply_error("Errors trying to SHUTDOWN. Check logs.");
}

fn networking_flush_and_exit(s: &mut Server) -> ! {
    for l in s.listeners.iter() {
        if let super::Listener::Unix(_, p) = l {
            let _ = std::fs::remove_file(p);
        }
    }
    // Redis: closeListeningSockets — nobody connects once clients see EOF.
    s.listeners.clear();
    std::process::exit(0);
}

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("ping", ping_command),
    ("echo", echo_command),
    ("time", time_command),
    ("lastsave", lastsave_command),
    ("shutdown", shutdown_command),
];
