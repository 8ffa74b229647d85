//! A dataset built through commands only, the same on oxidis and on real
//! Redis, and what two servers holding it must agree on. Used by the RDB
//! and AOF interoperability tests.
#![allow(dead_code)]

use std::net::TcpStream;

use super::call;

/// Sends a command that must not fail; returns the reply.
pub fn ok(c: &mut TcpStream, args: &[&[u8]]) -> Vec<u8> {
    let r = call(c, args);
    assert_ne!(r[0], b'-', "{}", String::from_utf8_lossy(&r));
    r
}

/// `CMD key item...` in one command.
pub fn push_all(c: &mut TcpStream, cmd: &[u8], key: &[u8], items: &[Vec<u8>]) {
    let mut args: Vec<&[u8]> = vec![cmd, key];
    args.extend(items.iter().map(|i| i.as_slice()));
    ok(c, &args);
}

pub fn strs<T: ToString>(items: impl IntoIterator<Item = T>) -> Vec<Vec<u8>> {
    items
        .into_iter()
        .map(|i| i.to_string().into_bytes())
        .collect()
}

/// Keys whose encoding changes when the file is loaded, and the encoding the
/// loader picks: rdbLoadObject builds the smallest encoding the limits allow, so a
/// hashtable that shrank comes back compact.
pub const LOAD_ENCODING: &[(&[u8], &[u8])] = &[
    (b"set:shrunk", b"intset"),
    (b"hash:shrunk", b"listpack"),
    (b"zset:shrunk", b"listpack"),
];

/// The same dataset on either server, built with commands: every type in every
/// encoding. Returns the keys of database 0.
pub fn populate(c: &mut TcpStream) -> Vec<Vec<u8>> {
    let mut keys: Vec<Vec<u8>> = Vec::new();
    let mut set = |c: &mut TcpStream, k: &[u8], v: &[u8]| {
        assert_eq!(call(c, &[b"SET", k, v]), b"+OK\r\n");
        keys.push(k.to_vec());
    };
    set(c, b"small", b"bar");
    set(c, b"int8", b"7");
    set(c, b"int16", b"-3000");
    set(c, b"int32", b"2000000000");
    set(c, b"int64", b"9000000000000000000");
    set(c, b"not-canonical", b"0123");
    set(c, b"empty", b"");
    set(c, b"compressible", &b"abc".repeat(300));
    let binary: Vec<u8> = (0..2000u32).map(|i| (i * 7919 % 251) as u8).collect();
    set(c, b"binary", &binary);
    set(c, &[0, 1, 2, 255], b"binary key");
    for i in 0..200 {
        set(
            c,
            format!("k:{}", i).as_bytes(),
            format!("v:{}", i * i).as_bytes(),
        );
    }
    assert_eq!(call(c, &[b"EXPIRE", b"small", b"10000"]), b":1\r\n");

    // Lists: a quicklist of one listpack node; of many nodes, one of them a
    // packed node bigger than list-max-listpack-size; with plain nodes (elements
    // above the packed threshold); with compressed inner nodes.
    let mut list = |c: &mut TcpStream, k: &[u8], items: Vec<Vec<u8>>| {
        push_all(c, b"RPUSH", k, &items);
        keys.push(k.to_vec());
    };
    list(
        c,
        b"list:small",
        strs(["a", "b", "1", "2", "-5", "99999999999", "", "3.14"]),
    );
    let mut big = Vec::new();
    for i in 0..3000 {
        big.push(match i % 3 {
            0 => i.to_string().into_bytes(),
            1 => format!("element:{}", i).into_bytes(),
            _ => (-(i as i64) * 1_000_003).to_string().into_bytes(),
        });
        if i == 1500 {
            big.push(b"x".repeat(20_000));
        }
    }
    list(c, b"list:big", big);
    ok(c, &[b"DEBUG", b"QUICKLIST-PACKED-THRESHOLD", b"100"]);
    list(
        c,
        b"list:plain",
        vec![
            b"small".to_vec(),
            b"y".repeat(300),
            b"small2".to_vec(),
            b"7".to_vec(),
        ],
    );
    ok(c, &[b"LPUSH", b"list:plain", &b"z".repeat(500)]);
    ok(
        c,
        &[
            b"LINSERT",
            b"list:plain",
            b"BEFORE",
            b"small2",
            &b"w".repeat(200),
        ],
    );
    ok(c, &[b"DEBUG", b"QUICKLIST-PACKED-THRESHOLD", b"0"]);
    ok(c, &[b"CONFIG", b"SET", b"list-compress-depth", b"1"]);
    list(
        c,
        b"list:compressed",
        (0..3000)
            .map(|i| format!("compress-me-please:{}", i % 700).into_bytes())
            .collect(),
    );
    ok(c, &[b"LPUSH", b"list:compressed", b"head"]);
    ok(
        c,
        &[
            b"LSET",
            b"list:compressed",
            b"1500",
            b"changed in the middle",
        ],
    );
    // A plain node among the compressed ones.
    ok(c, &[b"DEBUG", b"QUICKLIST-PACKED-THRESHOLD", b"100"]);
    ok(
        c,
        &[
            b"LINSERT",
            b"list:compressed",
            b"AFTER",
            b"changed in the middle",
            &b"plain and compressible ".repeat(20),
        ],
    );
    ok(c, &[b"DEBUG", b"QUICKLIST-PACKED-THRESHOLD", b"0"]);
    ok(c, &[b"CONFIG", b"SET", b"list-compress-depth", b"0"]);

    // Sets: intsets of 16-, 32- and 64-bit members; hashtables of strings and of
    // more integers than set-max-intset-entries; a hashtable left with integers only.
    let mut sadd = |c: &mut TcpStream, k: &[u8], items: Vec<Vec<u8>>| {
        push_all(c, b"SADD", k, &items);
        keys.push(k.to_vec());
    };
    sadd(c, b"set:int16", strs([1, 2, 3, -7, 100, 32767, -32768]));
    sadd(c, b"set:int32", strs([1, 70000, -70000, 2147483647]));
    sadd(
        c,
        b"set:int64",
        strs([1i64, i64::MIN, i64::MAX, 5_000_000_000, -5_000_000_000]),
    );
    sadd(c, b"set:strings", strs(["a", "b", "c", "1", "2", ""]));
    sadd(
        c,
        b"set:bigints",
        strs((0..600).map(|i| i * 1000 - 300_000)),
    );
    sadd(c, b"set:shrunk", strs(["1", "2", "3", "not a number"]));
    ok(c, &[b"SREM", b"set:shrunk", b"not a number"]);

    // Hashes: listpack; hashtable by count and by a long value; a hashtable that
    // shrank back under both limits.
    let mut hset = |c: &mut TcpStream, k: &[u8], items: Vec<Vec<u8>>| {
        push_all(c, b"HSET", k, &items);
        keys.push(k.to_vec());
    };
    hset(
        c,
        b"hash:small",
        strs(["a", "1", "b", "2", "c", "xyz", "100", "-5", "e", ""]),
    );
    hset(
        c,
        b"hash:many",
        (0..600)
            .flat_map(|i| [format!("field:{}", i), (i * 7).to_string()])
            .map(String::into_bytes)
            .collect(),
    );
    hset(
        c,
        b"hash:long",
        vec![
            b"a".to_vec(),
            b"1".to_vec(),
            b"big".to_vec(),
            b"z".repeat(100),
        ],
    );
    hset(
        c,
        b"hash:shrunk",
        vec![
            b"a".to_vec(),
            b"1".to_vec(),
            b"big".to_vec(),
            b"z".repeat(100),
        ],
    );
    ok(c, &[b"HDEL", b"hash:shrunk", b"big"]);

    // Sorted sets: scores that exercise every way a score is stored (listpack
    // integer, listpack text, binary double) and printed by the digest.
    let scores = [
        "1.5",
        "-inf",
        "inf",
        "0",
        "-0",
        "1e300",
        "-1e-300",
        "3",
        "-17",
        "0.1",
        "4611686018427387904",
        "12345678901234567",
        "2.5e-10",
    ];
    let special: Vec<Vec<u8>> = scores
        .iter()
        .enumerate()
        .flat_map(|(i, s)| [s.to_string(), format!("m{}", i)])
        .map(String::into_bytes)
        .collect();
    let mut zadd = |c: &mut TcpStream, k: &[u8], items: Vec<Vec<u8>>| {
        push_all(c, b"ZADD", k, &items);
        keys.push(k.to_vec());
    };
    zadd(c, b"zset:small", special.clone());
    ok(c, &[b"ZADD", b"zset:small", b"42", b"12345"]);
    let mut many = special.clone();
    for i in 0..300 {
        many.push(format!("{}.{}", i % 17, i).into_bytes());
        many.push(format!("member:{}", i).into_bytes());
    }
    zadd(c, b"zset:big", many.clone());
    // -0 added to a skiplist stays -0 (a listpack stores it as the integer 0).
    ok(c, &[b"ZADD", b"zset:big", b"-0", b"negative zero"]);
    zadd(
        c,
        b"zset:long",
        vec![
            b"1".to_vec(),
            b"q".repeat(100),
            b"2".to_vec(),
            b"b".to_vec(),
        ],
    );
    zadd(c, b"zset:shrunk", many);
    ok(c, &[b"ZREMRANGEBYRANK", b"zset:shrunk", b"10", b"-6"]);

    // Streams: several nodes, fields that match the master entry and some
    // that do not, integers, tombstones, trimming, consumer groups with
    // pending entries (times given explicitly so both sides agree).
    for i in 1..=250u64 {
        let id = format!("{}-{}", 1000 + i / 3, i % 3).into_bytes();
        let v = format!("value {i}").into_bytes();
        let n = i.to_string().into_bytes();
        if i % 7 == 0 {
            ok(c, &[b"XADD", b"stream:big", &id, b"other", &v, b"n", &n]);
        } else {
            ok(c, &[b"XADD", b"stream:big", &id, b"f", &v, b"n", &n]);
        }
    }
    ok(
        c,
        &[b"XDEL", b"stream:big", b"1003-0", b"1050-1", b"1083-1"],
    );
    ok(c, &[b"XTRIM", b"stream:big", b"MAXLEN", b"240"]);
    ok(c, &[b"XGROUP", b"CREATE", b"stream:big", b"g1", b"0"]);
    ok(
        c,
        &[
            b"XGROUP",
            b"CREATE",
            b"stream:big",
            b"g2",
            b"$",
            b"ENTRIESREAD",
            b"5",
        ],
    );
    ok(
        c,
        &[
            b"XREADGROUP",
            b"GROUP",
            b"g1",
            b"alice",
            b"COUNT",
            b"3",
            b"STREAMS",
            b"stream:big",
            b">",
        ],
    );
    ok(
        c,
        &[
            b"XCLAIM",
            b"stream:big",
            b"g1",
            b"bob",
            b"0",
            b"1002-2",
            b"TIME",
            b"1600000000000",
            b"RETRYCOUNT",
            b"4",
        ],
    );
    ok(
        c,
        &[
            b"XCLAIM",
            b"stream:big",
            b"g1",
            b"alice",
            b"0",
            b"1003-1",
            b"1003-2",
            b"TIME",
            b"1600000000001",
        ],
    );
    ok(
        c,
        &[b"XGROUP", b"CREATECONSUMER", b"stream:big", b"g2", b"idle"],
    );
    keys.push(b"stream:big".to_vec());
    ok(
        c,
        &[
            b"XADD",
            b"stream:empty",
            b"MAXLEN",
            b"0",
            b"5-5",
            b"a",
            b"b",
        ],
    );
    ok(
        c,
        &[
            b"XSETID",
            b"stream:empty",
            b"7-7",
            b"ENTRIESADDED",
            b"9",
            b"MAXDELETEDID",
            b"6-0",
        ],
    );
    keys.push(b"stream:empty".to_vec());

    for (k, secs) in [
        (&b"list:small"[..], &b"10000"[..]),
        (b"list:compressed", b"20000"),
        (b"set:strings", b"10000"),
        (b"set:int64", b"30000"),
        (b"hash:many", b"10000"),
        (b"zset:big", b"40000"),
        (b"zset:small", b"50000"),
    ] {
        assert_eq!(call(c, &[b"EXPIRE", k, secs]), b":1\r\n");
    }

    assert_eq!(call(c, &[b"SELECT", b"3"]), b"+OK\r\n");
    ok(c, &[b"SET", b"in-db-3", b"x"]);
    ok(c, &[b"RPUSH", b"list-in-db-3", b"a", b"b"]);
    ok(c, &[b"ZADD", b"zset-in-db-3", b"1", b"a"]);
    assert_eq!(call(c, &[b"SELECT", b"0"]), b"+OK\r\n");
    keys // database 3 is compared through DEBUG DIGEST
}

/// DEBUG DIGEST-VALUE of every key, as "key digest" lines.
pub fn digest_values(c: &mut TcpStream, keys: &[Vec<u8>]) -> Vec<String> {
    keys.iter()
        .map(|k| {
            let r = call(c, &[b"DEBUG", b"DIGEST-VALUE", k]);
            // A stream's digest covers its entries only: add its metadata,
            // groups, PELs and consumers (seen-times are not compared).
            let info = if k.starts_with(b"stream:") {
                let full = call(c, &[b"XINFO", b"STREAM", k, b"FULL"]);
                let text = String::from_utf8_lossy(&full).into_owned();
                let mut lines: Vec<&str> = text.split("\r\n").collect();
                for i in 1..lines.len() {
                    if lines[i - 1] == "seen-time" {
                        lines[i] = "-";
                    }
                }
                lines.join(" ")
            } else {
                String::new()
            };
            format!(
                "{} {} {}",
                String::from_utf8_lossy(k),
                String::from_utf8_lossy(&r).trim_end(),
                info
            )
        })
        .collect()
}

/// OBJECT ENCODING of every key, as "key encoding" lines.
pub fn encodings(c: &mut TcpStream, keys: &[Vec<u8>]) -> Vec<String> {
    keys.iter()
        .map(|k| {
            let r = call(c, &[b"OBJECT", b"ENCODING", k]);
            let r = String::from_utf8_lossy(&r);
            let enc = r.lines().nth(1).unwrap_or(&r);
            format!("{} {}", String::from_utf8_lossy(k), enc)
        })
        .collect()
}

/// `encodings` as they will be once the dataset went through an RDB file.
pub fn encodings_after_load(c: &mut TcpStream, keys: &[Vec<u8>]) -> Vec<String> {
    let mut lines = encodings(c, keys);
    for (k, line) in keys.iter().zip(lines.iter_mut()) {
        if let Some((_, enc)) = LOAD_ENCODING.iter().find(|(n, _)| *n == k.as_slice()) {
            *line = format!(
                "{} {}",
                String::from_utf8_lossy(k),
                String::from_utf8_lossy(enc)
            );
        }
    }
    lines
}

/// The quicklist shape of every list key: node count and total listpack bytes
/// (DEBUG OBJECT's ql_nodes and ql_uncompressed_size). An RDB file stores the
/// nodes as they are, so both sides of a transfer must agree.
pub fn list_shapes(c: &mut TcpStream, keys: &[Vec<u8>]) -> Vec<String> {
    keys.iter()
        .filter(|k| k.starts_with(b"list:"))
        .map(|k| {
            let r = String::from_utf8_lossy(&call(c, &[b"DEBUG", b"OBJECT", k])).into_owned();
            let field = |name: &str| {
                r.split(' ')
                    .find_map(|f| f.trim_end().strip_prefix(name))
                    .unwrap_or("?")
                    .to_string()
            };
            format!(
                "{} nodes:{} bytes:{}",
                String::from_utf8_lossy(k),
                field("ql_nodes:"),
                field("ql_uncompressed_size:")
            )
        })
        .collect()
}

/// Everything a transfer must keep.
pub struct Image {
    pub digests: Vec<String>,   // DEBUG DIGEST-VALUE per key
    pub whole: String,          // DEBUG DIGEST
    pub encodings: Vec<String>, // OBJECT ENCODING per key
    pub lists: Vec<String>,     // quicklist nodes per list key
}

/// The image of a server. `after_load`: with the encodings a load will pick.
pub fn image(c: &mut TcpStream, keys: &[Vec<u8>], after_load: bool) -> Image {
    Image {
        digests: digest_values(c, keys),
        whole: String::from_utf8_lossy(&call(c, &[b"DEBUG", b"DIGEST"])).into_owned(),
        encodings: if after_load {
            encodings_after_load(c, keys)
        } else {
            encodings(c, keys)
        },
        lists: list_shapes(c, keys),
    }
}

/// Asserts two images are equal, naming the first key that differs.
pub fn assert_same(what: &str, a: &Image, b: &Image) {
    for (name, x, y) in [
        ("DEBUG DIGEST-VALUE", &a.digests, &b.digests),
        ("OBJECT ENCODING", &a.encodings, &b.encodings),
        ("quicklist nodes", &a.lists, &b.lists),
    ] {
        assert_eq!(x.len(), y.len());
        for (l, r) in x.iter().zip(y.iter()) {
            assert_eq!(l, r, "{}: {} differs", what, name);
        }
    }
    assert_eq!(a.whole, b.whole, "{}: DEBUG DIGEST differs", what);
}
