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
