//! Pub/sub, keyspace notifications and transactions over TCP, including the
//! two failure cases of issue 4: a subscriber that never reads is dropped at
//! its output-buffer limit without stalling the publisher, and CLIENT KILL of
//! a client in the middle of MULTI leaves nothing behind.

mod common;

use std::io::Write;

use common::*;

fn client_list(c: &mut std::net::TcpStream) -> String {
    String::from_utf8_lossy(&call(c, &[b"CLIENT", b"LIST"])).into_owned()
}

#[test]
fn publish_subscribe_and_keyspace_events() {
    let srv = start(&[]);
    let mut sub = connect(&srv);
    let mut p = connect(&srv);
    assert_eq!(
        call(&mut sub, &[b"SUBSCRIBE", b"ch"]),
        b"*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
    );
    // RESP2 subscribed context refuses other commands with Redis's text.
    assert!(call(&mut sub, &[b"GET", b"x"]).starts_with(b"-ERR Can't execute 'get'"));
    assert_eq!(call(&mut p, &[b"PUBLISH", b"ch", b"hi"]), b":1\r\n");
    assert_eq!(
        read_reply(&mut sub),
        b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"
    );
    assert_eq!(
        call(
            &mut p,
            &[b"CONFIG", b"SET", b"notify-keyspace-events", b"KEA"]
        ),
        b"+OK\r\n"
    );
    assert_eq!(
        read_reply(&mut {
            let mut ps = connect(&srv);
            call(&mut ps, &[b"PSUBSCRIBE", b"__keyevent@0__:*"]);
            call(&mut p, &[b"SET", b"k", b"v"]);
            ps
        }),
        b"*4\r\n$8\r\npmessage\r\n$16\r\n__keyevent@0__:*\r\n$18\r\n__keyevent@0__:set\r\n$1\r\nk\r\n"
    );
}

#[test]
fn slow_subscriber_is_dropped_and_publisher_keeps_going() {
    let srv = start(&[]);
    let mut p = connect(&srv);
    call(
        &mut p,
        &[
            b"CONFIG",
            b"SET",
            b"client-output-buffer-limit",
            b"pubsub 1mb 0 0",
        ],
    );
    let mut sub = connect(&srv);
    call(&mut sub, &[b"SUBSCRIBE", b"flood"]);
    // The subscriber never reads again. Pipeline 4000 publishes of 10 KiB
    // (40 MB) and read every reply: the publisher is served throughout.
    let payload = vec![b'x'; 10 * 1024];
    let mut batch = Vec::new();
    for _ in 0..4000 {
        batch.extend_from_slice(&cmd(&[b"PUBLISH", b"flood", &payload]));
    }
    p.write_all(&batch).unwrap();
    let mut delivered = 0;
    let mut dropped = 0;
    for _ in 0..4000 {
        match read_reply(&mut p).as_slice() {
            b":1\r\n" => delivered += 1,
            b":0\r\n" => dropped += 1,
            other => panic!("unexpected reply {:?}", String::from_utf8_lossy(other)),
        }
    }
    assert!(delivered > 0 && dropped > 0, "{delivered} {dropped}");
    assert_eq!(
        call(&mut p, &[b"PUBSUB", b"NUMSUB", b"flood"]),
        b"*2\r\n$5\r\nflood\r\n:0\r\n"
    );
    assert!(!client_list(&mut p).contains("cmd=subscribe"));
    assert!(closed(&mut sub));
}

#[test]
fn client_kill_during_multi_leaves_no_state() {
    let srv = start(&[]);
    let mut a = connect(&srv);
    let mut b = connect(&srv);
    assert_eq!(call(&mut a, &[b"WATCH", b"k"]), b"+OK\r\n");
    assert_eq!(call(&mut a, &[b"MULTI"]), b"+OK\r\n");
    assert_eq!(call(&mut a, &[b"SET", b"k", b"from-a"]), b"+QUEUED\r\n");
    assert_eq!(call(&mut a, &[b"SUBSCRIBE", b"c"]), b"+QUEUED\r\n");
    // Find a's id from CLIENT LIST (it is the one in MULTI: flags=x).
    let list = client_list(&mut b);
    let line = list
        .lines()
        .find(|l| l.contains("flags=x"))
        .expect("a in MULTI");
    assert!(line.contains("multi=2"));
    let aid = line
        .split(' ')
        .next()
        .unwrap()
        .trim_start_matches(|c: char| !c.is_ascii_digit());
    assert_eq!(
        call(&mut b, &[b"CLIENT", b"KILL", b"ID", aid.as_bytes()]),
        b":1\r\n"
    );
    assert!(closed(&mut a));
    // Nothing of a's transaction ran, and its state is gone.
    assert_eq!(call(&mut b, &[b"GET", b"k"]), b"$-1\r\n");
    assert!(!client_list(&mut b).contains("flags=x"));
    assert_eq!(
        call(&mut b, &[b"PUBSUB", b"NUMSUB", b"c"]),
        b"*2\r\n$1\r\nc\r\n:0\r\n"
    );
    // A new client can WATCH/MULTI/EXEC the same key normally.
    let mut c = connect(&srv);
    call(&mut c, &[b"WATCH", b"k"]);
    call(&mut c, &[b"MULTI"]);
    call(&mut c, &[b"SET", b"k", b"from-c"]);
    assert_eq!(call(&mut c, &[b"EXEC"]), b"*1\r\n+OK\r\n");
}
