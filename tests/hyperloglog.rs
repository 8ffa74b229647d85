//! HyperLogLog over TCP: the value is a string byte-identical to Redis's
//! (bytes recorded from redis-server 7.0.15), the cached cardinality, type
//! checks and corruption errors. Redis counterparts:
//! tests/unit/hyperloglog.tcl and hyperloglog.c.

mod common;

use common::*;

/// `PFADD x a b c` on Redis 7.0.15, then `GET x`: the sparse encoding with
/// a stale cache ...
const ABC_STALE: &[u8] =
    b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80`\xf3\x80P\xb1\x84K\xfb\x80BZ";
/// ... and after `PFCOUNT x`, with the cardinality 3 cached.
const ABC_CACHED: &[u8] =
    b"HYLL\x01\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00`\xf3\x80P\xb1\x84K\xfb\x80BZ";

fn bulk(v: &[u8]) -> Vec<u8> {
    let mut out = format!("${}\r\n", v.len()).into_bytes();
    out.extend_from_slice(v);
    out.extend_from_slice(b"\r\n");
    out
}

#[test]
fn hll_values_are_redis_strings() {
    let srv = start(&["--enable-debug-command", "yes"]);
    let mut c = connect(&srv);
    assert_eq!(call(&mut c, &[b"PFADD", b"x", b"a", b"b", b"c"]), b":1\r\n");
    assert_eq!(call(&mut c, &[b"PFADD", b"x", b"a", b"b", b"c"]), b":0\r\n");
    assert_eq!(call(&mut c, &[b"GET", b"x"]), bulk(ABC_STALE));
    assert_eq!(call(&mut c, &[b"PFCOUNT", b"x"]), b":3\r\n");
    assert_eq!(call(&mut c, &[b"GET", b"x"]), bulk(ABC_CACHED));
    // A value SET from Redis's bytes is an HLL here too.
    assert_eq!(call(&mut c, &[b"SET", b"y", ABC_STALE]), b"+OK\r\n");
    assert_eq!(call(&mut c, &[b"PFCOUNT", b"y"]), b":3\r\n");
    assert_eq!(call(&mut c, &[b"PFCOUNT", b"x", b"y", b"nokey"]), b":3\r\n");
    assert_eq!(call(&mut c, &[b"PFADD", b"z", b"d"]), b":1\r\n");
    assert_eq!(call(&mut c, &[b"PFMERGE", b"m", b"x", b"z"]), b"+OK\r\n");
    assert_eq!(call(&mut c, &[b"PFCOUNT", b"m"]), b":4\r\n");
    assert_eq!(
        call(&mut c, &[b"PFDEBUG", b"ENCODING", b"m"]),
        b"+sparse\r\n"
    );
    assert_eq!(call(&mut c, &[b"PFDEBUG", b"TODENSE", b"m"]), b":1\r\n");
    assert_eq!(call(&mut c, &[b"STRLEN", b"m"]), b":12304\r\n");
    assert_eq!(call(&mut c, &[b"PFCOUNT", b"m"]), b":4\r\n");
    // DEBUG RELOAD round-trips the strings through RDB.
    assert_eq!(call(&mut c, &[b"DEBUG", b"RELOAD"]), b"+OK\r\n");
    assert_eq!(call(&mut c, &[b"GET", b"x"]), bulk(ABC_CACHED));
    assert_eq!(call(&mut c, &[b"PFCOUNT", b"m", b"x"]), b":4\r\n");
}

#[test]
fn sparse_is_promoted_past_hll_sparse_max_bytes() {
    let srv = start(&["--hll-sparse-max-bytes", "100"]);
    let mut c = connect(&srv);
    let mut n = 0;
    while call(&mut c, &[b"PFDEBUG", b"ENCODING", b"h"]) != b"+dense\r\n" {
        let e = n.to_string();
        call(&mut c, &[b"PFADD", b"h", e.as_bytes()]);
        n += 1;
        assert!(n < 1000, "never promoted");
        let len = call(&mut c, &[b"STRLEN", b"h"]);
        let len: usize = std::str::from_utf8(&len[1..len.len() - 2])
            .unwrap()
            .parse()
            .unwrap();
        assert!(len <= 100 || len == 12304, "{}", len);
    }
}

#[test]
fn type_checks_and_corruption() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    let not_hll = b"-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n".to_vec();
    call(&mut c, &[b"SET", b"s", b"bar"]);
    call(&mut c, &[b"SET", b"i", b"12"]);
    call(&mut c, &[b"LPUSH", b"l", b"a"]);
    assert_eq!(call(&mut c, &[b"PFADD", b"s", b"1"]), not_hll);
    assert_eq!(call(&mut c, &[b"PFCOUNT", b"i"]), not_hll);
    assert!(call(&mut c, &[b"PFCOUNT", b"l"]).starts_with(b"-WRONGTYPE Operation against"));
    assert_eq!(call(&mut c, &[b"PFMERGE", b"dst", b"s"]), not_hll);
    // Extra bytes after the opcodes: the sparse HLL no longer covers
    // exactly 16384 registers.
    call(&mut c, &[b"PFADD", b"h", b"a", b"b", b"c"]);
    call(&mut c, &[b"APPEND", b"h", b"hello"]);
    let corrupt = b"-INVALIDOBJ Corrupted HLL object detected\r\n".to_vec();
    assert_eq!(call(&mut c, &[b"PFCOUNT", b"h"]), corrupt);
    assert_eq!(call(&mut c, &[b"PFCOUNT", b"h", b"s2"]), corrupt);
    // A dense header on a sparse-sized string is not an HLL.
    call(&mut c, &[b"SETRANGE", b"h", b"4", b"\x00"]);
    assert_eq!(call(&mut c, &[b"PFCOUNT", b"h"]), not_hll);
    assert_eq!(call(&mut c, &[b"PFSELFTEST"]), b"+OK\r\n");
}
