//! Sets and hashes over TCP: encodings and their conversions, the replies
//! Redis gives (byte for byte), and RESP3 shapes. Redis counterparts:
//! tests/unit/type/set.tcl and tests/unit/type/hash.tcl.

mod common;

use common::*;

#[test]
fn set_encodings_convert_like_redis() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    assert_eq!(call(&mut c, &[b"SADD", b"s", b"1", b"2", b"2"]), b":2\r\n");
    assert_eq!(
        call(&mut c, &[b"OBJECT", b"ENCODING", b"s"]),
        b"$6\r\nintset\r\n"
    );
    assert_eq!(call(&mut c, &[b"SADD", b"s", b"x"]), b":1\r\n");
    assert_eq!(
        call(&mut c, &[b"OBJECT", b"ENCODING", b"s"]),
        b"$9\r\nhashtable\r\n"
    );
    assert_eq!(call(&mut c, &[b"TYPE", b"s"]), b"+set\r\n");
    assert_eq!(call(&mut c, &[b"SREM", b"s", b"1", b"2", b"x"]), b":3\r\n");
    assert_eq!(call(&mut c, &[b"EXISTS", b"s"]), b":0\r\n");
    assert_eq!(
        call(&mut c, &[b"SINTERCARD", b"0", b"s"]),
        b"-ERR numkeys should be greater than 0\r\n"
    );
    assert_eq!(call(&mut c, &[b"SPOP", b"nokey", b"3"]), b"*0\r\n");
}

#[test]
fn hash_encodings_and_replies() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    assert_eq!(
        call(&mut c, &[b"HSET", b"h", b"f", b"1", b"g", b"v"]),
        b":2\r\n"
    );
    assert_eq!(
        call(&mut c, &[b"OBJECT", b"ENCODING", b"h"]),
        b"$8\r\nlistpack\r\n"
    );
    assert_eq!(call(&mut c, &[b"HINCRBY", b"h", b"f", b"41"]), b":42\r\n");
    assert_eq!(call(&mut c, &[b"HGET", b"h", b"f"]), b"$2\r\n42\r\n");
    assert_eq!(
        call(&mut c, &[b"HINCRBY", b"h", b"g", b"1"]),
        b"-ERR hash value is not an integer\r\n"
    );
    let long = vec![b'x'; 65];
    assert_eq!(call(&mut c, &[b"HSET", b"h", b"big", &long]), b":1\r\n");
    assert_eq!(
        call(&mut c, &[b"OBJECT", b"ENCODING", b"h"]),
        b"$9\r\nhashtable\r\n"
    );
    assert_eq!(call(&mut c, &[b"HSTRLEN", b"h", b"big"]), b":65\r\n");
    assert_eq!(
        call(&mut c, &[b"HSET", b"h", b"odd"]),
        b"-ERR wrong number of arguments for 'hset' command\r\n"
    );
    assert_eq!(call(&mut c, &[b"HELLO", b"3"]).first(), Some(&b'%'));
    assert_eq!(call(&mut c, &[b"HGETALL", b"nokey"]), b"%0\r\n");
}
