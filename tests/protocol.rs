//! Protocol robustness over TCP: malformed input gets Redis's error reply
//! and, where Redis closes the connection, a close — and the server keeps
//! serving everybody else. Redis counterpart: tests/unit/protocol.tcl.

mod common;

use std::io::{Read, Write};

use common::*;

#[test]
fn huge_bulk_length_is_rejected_and_connection_closed() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    c.write_all(b"*1\r\n$2147483648\r\n").unwrap();
    assert_eq!(
        read_reply(&mut c),
        b"-ERR Protocol error: invalid bulk length\r\n"
    );
    assert!(closed(&mut c));
    let mut other = connect(&srv);
    assert_eq!(call(&mut other, &[b"PING"]), b"+PONG\r\n");
}

#[test]
fn negative_multibulk_count_is_ignored() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    c.write_all(b"*-10\r\n").unwrap();
    assert_eq!(call(&mut c, &[b"PING"]), b"+PONG\r\n");
}

#[test]
fn unterminated_inline_request_of_100mb() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    let chunk = vec![b'a'; 1024 * 1024];
    let mut sent = 0usize;
    // The server answers and closes after 64 KiB; stop writing when it does.
    while sent < 100 * 1024 * 1024 {
        match c.write(&chunk) {
            Ok(n) => sent += n,
            Err(_) => break,
        }
    }
    let mut buf = Vec::new();
    let _ = c.read_to_end(&mut buf);
    assert!(
        buf.starts_with(b"-ERR Protocol error: too big inline request\r\n"),
        "got {:?}",
        String::from_utf8_lossy(&buf[..buf.len().min(80)])
    );
    let mut other = connect(&srv);
    assert_eq!(call(&mut other, &[b"PING"]), b"+PONG\r\n");
}

#[test]
fn wrong_multibulk_and_unknown_command_errors() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    assert_eq!(
        call(&mut c, &[b"NOSUCH", b"a", b"b"]),
        b"-ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' \r\n"
    );
    assert_eq!(
        call(&mut c, &[b"GET"]),
        b"-ERR wrong number of arguments for 'get' command\r\n"
    );
    c.write_all(b"*1\r\nfoo\r\n").unwrap();
    assert_eq!(
        read_reply(&mut c),
        b"-ERR Protocol error: expected '$', got 'f'\r\n"
    );
    assert!(closed(&mut c));
}

#[test]
fn pipelined_commands_get_replies_in_order() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    let mut batch = Vec::new();
    for i in 0..1000 {
        batch.extend(cmd(&[
            b"SET",
            format!("k{i}").as_bytes(),
            format!("v{i}").as_bytes(),
        ]));
        batch.extend(cmd(&[b"GET", format!("k{i}").as_bytes()]));
    }
    c.write_all(&batch).unwrap();
    for i in 0..1000 {
        assert_eq!(read_reply(&mut c), b"+OK\r\n");
        assert_eq!(
            read_reply(&mut c),
            format!("${}\r\nv{i}\r\n", format!("v{i}").len()).into_bytes()
        );
    }
}

#[test]
fn inline_commands_work() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    c.write_all(b"SET foo \"bar baz\"\r\nGET foo\n").unwrap();
    assert_eq!(read_reply(&mut c), b"+OK\r\n");
    assert_eq!(read_reply(&mut c), b"$7\r\nbar baz\r\n");
}

#[test]
fn resp3_hello_and_null() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    let r = call(&mut c, &[b"HELLO", b"3"]);
    assert!(
        r.starts_with(b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n"),
        "{:?}",
        String::from_utf8_lossy(&r)
    );
    assert_eq!(call(&mut c, &[b"GET", b"missing"]), b"_\r\n");
    assert_eq!(
        call(&mut c, &[b"HELLO", b"4"]),
        b"-NOPROTO unsupported protocol version\r\n"
    );
}
