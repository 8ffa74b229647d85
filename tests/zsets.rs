//! Sorted sets over TCP: encodings and their conversion, score formatting,
//! ranges, and BZPOPMIN served in arrival order while a list waiter on the
//! same key name is left alone. Redis counterparts: tests/unit/type/zset.tcl
//! and t_zset.c.

mod common;

use std::io::Write;
use std::time::Duration;

use common::*;

#[test]
fn zadd_encodings_scores_and_ranges() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    assert_eq!(
        call(
            &mut c,
            &[b"ZADD", b"z", b"1", b"a", b"2.5", b"b", b"-inf", b"c"]
        ),
        b":3\r\n"
    );
    assert_eq!(
        call(&mut c, &[b"OBJECT", b"ENCODING", b"z"]),
        b"$8\r\nlistpack\r\n"
    );
    assert_eq!(call(&mut c, &[b"ZSCORE", b"z", b"b"]), b"$3\r\n2.5\r\n");
    assert_eq!(
        call(&mut c, &[b"ZINCRBY", b"z", b"0.1", b"a"]),
        b"$18\r\n1.1000000000000001\r\n"
    );
    assert_eq!(
        call(&mut c, &[b"ZINCRBY", b"z", b"+inf", b"c"]),
        b"-ERR resulting score is not a number (NaN)\r\n"
    );
    assert_eq!(
        call(
            &mut c,
            &[b"ZRANGEBYSCORE", b"z", b"(1.5", b"+inf", b"WITHSCORES"]
        ),
        b"*2\r\n$1\r\nb\r\n$3\r\n2.5\r\n"
    );
    call(
        &mut c,
        &[b"ZADD", b"lex", b"0", b"a", b"0", b"b", b"0", b"c"],
    );
    assert_eq!(
        call(&mut c, &[b"ZRANGE", b"lex", b"(a", b"+", b"BYLEX"]),
        b"*2\r\n$1\r\nb\r\n$1\r\nc\r\n"
    );
    assert_eq!(
        call(&mut c, &[b"ZRANGEBYSCORE", b"z", b"x", b"1"]),
        b"-ERR min or max is not a float\r\n"
    );
    assert_eq!(call(&mut c, &[b"ZREVRANK", b"z", b"c"]), b":2\r\n");
    // A member longer than zset-max-listpack-value converts to skiplist.
    let long = vec![b'x'; 65];
    assert_eq!(call(&mut c, &[b"ZADD", b"z", b"3", &long]), b":1\r\n");
    assert_eq!(
        call(&mut c, &[b"OBJECT", b"ENCODING", b"z"]),
        b"$8\r\nskiplist\r\n"
    );
    assert_eq!(call(&mut c, &[b"ZRANK", b"z", &long]), b":3\r\n");
    assert_eq!(
        call(&mut c, &[b"ZREMRANGEBYRANK", b"z", b"0", b"1"]),
        b":2\r\n"
    );
    assert_eq!(call(&mut c, &[b"ZCARD", b"z"]), b":2\r\n");
}

#[test]
fn bzpopmin_is_served_fifo() {
    let srv = start(&[]);
    let mut a = connect(&srv);
    let mut b = connect(&srv);
    let mut l = connect(&srv);
    let mut p = connect(&srv);
    a.write_all(&cmd(&[b"BZPOPMIN", b"k", b"0"])).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    l.write_all(&cmd(&[b"BLPOP", b"k", b"0.3"])).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    b.write_all(&cmd(&[b"BZPOPMIN", b"k", b"0"])).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        call(&mut p, &[b"ZADD", b"k", b"2", b"two", b"1", b"one"]),
        b":2\r\n"
    );
    assert_eq!(
        read_reply(&mut a),
        b"*3\r\n$1\r\nk\r\n$3\r\none\r\n$1\r\n1\r\n"
    );
    assert_eq!(
        read_reply(&mut b),
        b"*3\r\n$1\r\nk\r\n$3\r\ntwo\r\n$1\r\n2\r\n"
    );
    // The list waiter was not served from the sorted set: it times out.
    assert_eq!(read_reply(&mut l), b"*-1\r\n");
    assert_eq!(call(&mut p, &[b"EXISTS", b"k"]), b":0\r\n");
}

/// A pipelined batch on a sorted set big enough for the skiplist warm-up
/// (networking/prefetch.rs walks the batch's search paths first): updates,
/// inserts, ZINCRBY, ZREM and ZRANK, with arguments the warm-up cannot read
/// as scores mixed in, all answer as they would one by one.
#[test]
fn pipelined_batch_on_a_big_zset() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    let n = 40_000;
    let mut load = Vec::new();
    for i in 0..n {
        let (s, m) = (format!("{}", i * 2), format!("m{i}"));
        load.extend_from_slice(&cmd(&[b"ZADD", b"big", s.as_bytes(), m.as_bytes()]));
    }
    c.write_all(&load).unwrap();
    for _ in 0..n {
        assert_eq!(read_reply(&mut c), b":1\r\n");
    }
    // m<i> scores 2i.
    let batch: [&[&[u8]]; 12] = [
        &[b"ZADD", b"big", b"1", b"m0"],        // stays first
        &[b"ZADD", b"big", b"79999", b"m1"],    // to the far end
        &[b"ZADD", b"big", b"-inf", b"new1"],   // a new head
        &[b"ZADD", b"big", b"NX", b"5", b"m2"], // a flag where a score may be
        &[b"ZADD", b"big", b"nan", b"m3"],
        &[b"ZINCRBY", b"big", b"0.5", b"m4"],
        &[b"ZINCRBY", b"big", b"x", b"m4"],
        &[b"ZREM", b"big", b"m5", b"nosuch"],
        &[b"ZRANK", b"big", b"m6"],
        &[b"ZREVRANK", b"big", b"m1"],
        &[b"ZRANK", b"big", b"nosuch"],
        &[b"ZADD", b"big", b"+inf", b"m7"],
    ];
    let mut out = Vec::new();
    for a in batch {
        out.extend_from_slice(&cmd(a));
    }
    c.write_all(&out).unwrap();
    let want: [&[u8]; 12] = [
        b":0\r\n",
        b":0\r\n",
        b":1\r\n",
        b":0\r\n",
        b"-ERR value is not a valid float\r\n",
        b"$3\r\n8.5\r\n",
        b"-ERR value is not a valid float\r\n",
        b":1\r\n",
        b":5\r\n", // after new1, m0, m2, m3 and m4
        b":0\r\n", // m7 goes to +inf only later
        b"$-1\r\n",
        b":0\r\n",
    ];
    for (i, w) in want.iter().enumerate() {
        let got = read_reply(&mut c);
        assert_eq!(got, *w, "reply {i}: {:?}", String::from_utf8_lossy(&got));
    }
    assert_eq!(call(&mut c, &[b"ZCARD", b"big"]), b":40000\r\n");
    assert_eq!(
        call(&mut c, &[b"ZRANGE", b"big", b"-2", b"-1"]),
        b"*2\r\n$2\r\nm1\r\n$2\r\nm7\r\n"
    );
}
