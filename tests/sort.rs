//! SORT over TCP: BY / GET / STORE, sorted-set order with BY nosort, the
//! errors, COMMAND GETKEYS, and a client blocked on the STORE destination
//! being served. Every expected reply was checked byte for byte against a
//! real redis-server 7.0.15. Redis counterparts: tests/unit/sort.tcl, sort.c.

mod common;

use std::io::Write;
use std::net::TcpStream;

use common::*;

fn setup(c: &mut TcpStream) {
    assert_eq!(call(c, &[b"RPUSH", b"l", b"3", b"1", b"2"]), b":3\r\n");
    assert_eq!(
        call(c, &[b"MSET", b"w_1", b"30", b"w_2", b"10", b"w_3", b"20"]),
        b"+OK\r\n"
    );
    assert_eq!(call(c, &[b"HSET", b"h_1", b"f", b"a"]), b":1\r\n");
    assert_eq!(call(c, &[b"HSET", b"h_3", b"f", b"c"]), b":1\r\n");
}

#[test]
fn by_get_store() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    setup(&mut c);
    assert_eq!(
        call(
            &mut c,
            &[b"SORT", b"l", b"BY", b"w_*", b"GET", b"#", b"GET", b"h_*->f"]
        ),
        b"*6\r\n$1\r\n2\r\n$-1\r\n$1\r\n3\r\n$1\r\nc\r\n$1\r\n1\r\n$1\r\na\r\n"
    );
    assert_eq!(
        call(
            &mut c,
            &[b"SORT", b"l", b"BY", b"w_*", b"GET", b"#", b"STORE", b"dst"]
        ),
        b":3\r\n"
    );
    assert_eq!(
        call(&mut c, &[b"LRANGE", b"dst", b"0", b"-1"]),
        b"*3\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n1\r\n"
    );
    assert_eq!(
        call(&mut c, &[b"OBJECT", b"ENCODING", b"dst"]),
        b"$9\r\nquicklist\r\n"
    );
    // Constant BY: the list's own order, read from the right for DESC.
    assert_eq!(
        call(
            &mut c,
            &[b"SORT", b"l", b"BY", b"nosort", b"DESC", b"LIMIT", b"0", b"2"]
        ),
        b"*2\r\n$1\r\n2\r\n$1\r\n1\r\n"
    );
    assert_eq!(
        call(
            &mut c,
            &[b"SORT", b"l", b"ALPHA", b"DESC", b"LIMIT", b"1", b"5"]
        ),
        b"*2\r\n$1\r\n2\r\n$1\r\n1\r\n"
    );
    // A sorted set BY nosort keeps score order; SORT converts it.
    assert_eq!(
        call(&mut c, &[b"ZADD", b"z", b"1", b"a", b"2", b"b", b"0", b"c"]),
        b":3\r\n"
    );
    assert_eq!(
        call(&mut c, &[b"SORT", b"z", b"BY", b"nosort", b"DESC"]),
        b"*3\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nc\r\n"
    );
    assert_eq!(
        call(&mut c, &[b"OBJECT", b"ENCODING", b"z"]),
        b"$8\r\nskiplist\r\n"
    );
    // An empty result deletes the destination.
    assert_eq!(
        call(&mut c, &[b"SORT", b"nokey", b"STORE", b"dst"]),
        b":0\r\n"
    );
    assert_eq!(call(&mut c, &[b"EXISTS", b"dst"]), b":0\r\n");
    assert_eq!(
        call(
            &mut c,
            &[b"COMMAND", b"GETKEYS", b"SORT", b"abc", b"STORE", b"def"]
        ),
        b"*2\r\n$3\r\nabc\r\n$3\r\ndef\r\n"
    );
}

#[test]
fn errors() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    setup(&mut c);
    assert_eq!(call(&mut c, &[b"SET", b"s", b"x"]), b"+OK\r\n");
    assert_eq!(
        call(&mut c, &[b"SORT", b"s"]),
        &b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"[..]
    );
    // Options are parsed before the key is looked at.
    assert_eq!(
        call(&mut c, &[b"SORT", b"s", b"LIMIT", b"1"]),
        b"-ERR syntax error\r\n"
    );
    assert_eq!(
        call(&mut c, &[b"SORT", b"l", b"LIMIT", b"x", b"1"]),
        &b"-ERR value is not an integer or out of range\r\n"[..]
    );
    assert_eq!(
        call(&mut c, &[b"SORT_RO", b"l", b"STORE", b"d"]),
        b"-ERR syntax error\r\n"
    );
    assert_eq!(call(&mut c, &[b"SET", b"w_2", b"abc"]), b"+OK\r\n");
    assert_eq!(
        call(&mut c, &[b"SORT", b"l", b"BY", b"w_*"]),
        &b"-ERR One or more scores can't be converted into double\r\n"[..]
    );
}

#[test]
fn store_wakes_blocked_client() {
    let srv = start(&[]);
    let mut a = connect(&srv);
    let mut c = connect(&srv);
    setup(&mut c);
    a.write_all(&cmd(&[b"BLPOP", b"dst", b"0"])).unwrap();
    // Wait until the server has parked `a` (no timing assumption).
    loop {
        let info = call(&mut c, &[b"INFO", b"clients"]);
        if String::from_utf8_lossy(&info).contains("blocked_clients:1") {
            break;
        }
        std::thread::yield_now();
    }
    assert_eq!(
        call(&mut c, &[b"SORT", b"l", b"BY", b"w_*", b"STORE", b"dst"]),
        b":3\r\n"
    );
    assert_eq!(read_reply(&mut a), b"*2\r\n$3\r\ndst\r\n$1\r\n2\r\n");
    assert_eq!(
        call(&mut c, &[b"LRANGE", b"dst", b"0", b"-1"]),
        b"*2\r\n$1\r\n3\r\n$1\r\n1\r\n"
    );
}
