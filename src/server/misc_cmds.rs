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

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("ping", ping_command),
    ("echo", echo_command),
    ("time", time_command),
    ("lastsave", lastsave_command),
    ("shutdown", super::shutdown::shutdown_command),
];
