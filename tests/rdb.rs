//! RDB interoperability and crash safety, against the real Redis 7.0.15 when it is
//! installed (`/usr/bin/redis-server`, `/usr/bin/redis-check-rdb`); the tests that
//! need it return early otherwise.
//!
//! `populate` builds the same dataset on either server, through commands only: every
//! type in every encoding both servers write (strings as int, embstr, raw, LZF;
//! quicklists of one node, many nodes, an oversized packed node, plain nodes and
//! compressed inner nodes; intsets of 16-, 32- and 64-bit members; listpack and
//! hashtable hashes; listpack and skiplist sorted sets with scores such as -inf, inf,
//! -0 and 1e300), some keys with an expire, one key in another database. Then:
//!
//! - a dump.rdb written by oxidis passes redis-check-rdb and loads into redis-server
//!   with the same DEBUG DIGEST-VALUE for every key, the same DEBUG DIGEST, the
//!   same OBJECT ENCODING (or the one loading chooses, see `LOAD_ENCODING`) and, for
//!   lists, the same quicklist nodes;
//! - a dump.rdb written by redis-server loads into oxidis, with the same checks;
//! - one file loaded by both servers under small encoding limits gives the same
//!   digests and encodings (the conversions rdbLoadObject makes on load);
//! - DUMP payloads travel both ways through RESTORE, and the payload of every value
//!   that has an order (all but hashtables) is byte for byte Redis's, with
//!   `rdbcompression` on and off;
//! - kill -9 during a BGSAVE leaves the previous dump.rdb intact and loadable.

mod common;

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{call, start_exe_in, Server};

const REDIS: &str = "/usr/bin/redis-server";
const CHECK_RDB: &str = "/usr/bin/redis-check-rdb";

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("oxidis-rdb-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Starts `exe` on a free port with its data in `dir`.
fn spawn(exe: &str, dir: &Path, extra: &[&str]) -> Server {
    let mut args = vec!["--enable-debug-command", "yes"];
    args.extend_from_slice(extra);
    start_exe_in(exe, Some(dir), &args).unwrap_or_else(|| panic!("{} did not start", exe))
}

fn conn(p: &Server) -> TcpStream {
    let c = TcpStream::connect(("127.0.0.1", p.port)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    c
}

fn oxidis() -> &'static str {
    env!("CARGO_BIN_EXE_oxidis-server")
}

fn have_redis() -> bool {
    Path::new(REDIS).exists() && Path::new(CHECK_RDB).exists()
}

/// Sends a command that must not fail; returns the reply.
fn ok(c: &mut TcpStream, args: &[&[u8]]) -> Vec<u8> {
    let r = call(c, args);
    assert_ne!(r[0], b'-', "{}", String::from_utf8_lossy(&r));
    r
}

/// `CMD key item...` in one command.
fn push_all(c: &mut TcpStream, cmd: &[u8], key: &[u8], items: &[Vec<u8>]) {
    let mut args: Vec<&[u8]> = vec![cmd, key];
    args.extend(items.iter().map(|i| i.as_slice()));
    ok(c, &args);
}

fn strs<T: ToString>(items: impl IntoIterator<Item = T>) -> Vec<Vec<u8>> {
    items
        .into_iter()
        .map(|i| i.to_string().into_bytes())
        .collect()
}

/// Keys whose encoding changes when the file is loaded, and the encoding the
/// loader picks: rdbLoadObject builds the smallest encoding the limits allow, so a
/// hashtable that shrank comes back compact.
const LOAD_ENCODING: &[(&[u8], &[u8])] = &[
    (b"set:shrunk", b"intset"),
    (b"hash:shrunk", b"listpack"),
    (b"zset:shrunk", b"listpack"),
];

/// The same dataset on either server, built with commands: every type in every
/// encoding. Returns the keys of database 0.
fn populate(c: &mut TcpStream) -> Vec<Vec<u8>> {
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
fn digest_values(c: &mut TcpStream, keys: &[Vec<u8>]) -> Vec<String> {
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
fn encodings(c: &mut TcpStream, keys: &[Vec<u8>]) -> Vec<String> {
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
fn encodings_after_load(c: &mut TcpStream, keys: &[Vec<u8>]) -> Vec<String> {
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
fn list_shapes(c: &mut TcpStream, keys: &[Vec<u8>]) -> Vec<String> {
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
struct Image {
    digests: Vec<String>,   // DEBUG DIGEST-VALUE per key
    whole: String,          // DEBUG DIGEST
    encodings: Vec<String>, // OBJECT ENCODING per key
    lists: Vec<String>,     // quicklist nodes per list key
}

/// The image of a server. `after_load`: with the encodings a load will pick.
fn image(c: &mut TcpStream, keys: &[Vec<u8>], after_load: bool) -> Image {
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
fn assert_same(what: &str, a: &Image, b: &Image) {
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

fn check_rdb(path: &Path) {
    let out = Command::new(CHECK_RDB).arg(path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "redis-check-rdb failed:\n{}", text);
    assert!(text.contains("RDB looks OK"), "{}", text);
}

/// Populates a `writer` server, saves, and loads the file into a `reader` server
/// started with `reader_args`. Returns the writer's image (with the encodings a
/// load picks) and the reader's.
fn transfer(name: &str, writer: &str, reader: &str, reader_args: &[&str]) -> (Image, Image) {
    let dir = tmpdir(name);
    let (keys, before) = {
        let w = spawn(writer, &dir, &[]);
        let mut c = conn(&w);
        let keys = populate(&mut c);
        assert_eq!(call(&mut c, &[b"SAVE"]), b"+OK\r\n");
        let before = image(&mut c, &keys, true);
        (keys, before)
    };
    check_rdb(&dir.join("dump.rdb"));
    let r = spawn(reader, &dir, reader_args);
    let after = image(&mut conn(&r), &keys, false);
    drop(r);
    let _ = std::fs::remove_dir_all(&dir);
    (before, after)
}

#[test]
fn oxidis_dump_loads_into_redis() {
    if !have_redis() {
        return;
    }
    let (before, after) = transfer("ox2redis", oxidis(), REDIS, &[]);
    assert_same("oxidis -> redis", &before, &after);
}

#[test]
fn redis_dump_loads_into_oxidis() {
    if !have_redis() {
        return;
    }
    let (before, after) = transfer("redis2ox", REDIS, oxidis(), &[]);
    assert_same("redis -> oxidis", &before, &after);
}

/// Small limits on the loading side: the conversions rdbLoadObject makes while
/// loading (an intset past set-max-intset-entries, a listpack past its entries
/// limit, RDB_TYPE_HASH with a long value, ...) must come out the same in both
/// servers, from a file written by either.
#[test]
fn small_limits_convert_alike_on_load() {
    if !have_redis() {
        return;
    }
    let small = [
        "--hash-max-listpack-entries",
        "4",
        "--hash-max-listpack-value",
        "2",
        "--zset-max-listpack-entries",
        "4",
        "--zset-max-listpack-value",
        "2",
        "--set-max-intset-entries",
        "4",
        "--list-max-listpack-size",
        "4",
        "--list-compress-depth",
        "1",
    ];
    for (name, writer) in [("small-ox", oxidis()), ("small-redis", REDIS)] {
        let (_, by_redis) = transfer(&format!("{}-r", name), writer, REDIS, &small);
        let (_, by_oxidis) = transfer(&format!("{}-o", name), writer, oxidis(), &small);
        assert_same(name, &by_redis, &by_oxidis);
    }
}

/// The payload of a DUMP reply (a bulk string).
fn payload(reply: &[u8]) -> Vec<u8> {
    let nl = reply.iter().position(|&b| b == b'\n').unwrap();
    reply[nl + 1..reply.len() - 2].to_vec()
}

#[test]
fn dump_payloads_travel_both_ways() {
    if !have_redis() {
        return;
    }
    let (d1, d2) = (tmpdir("dump-ox"), tmpdir("dump-redis"));
    let ox = spawn(oxidis(), &d1, &[]);
    let redis = spawn(REDIS, &d2, &[]);
    let (mut c, mut r) = (conn(&ox), conn(&redis));
    let keys = populate(&mut c);
    populate(&mut r);
    // The same commands built the same values.
    assert_same(
        "populate",
        &image(&mut r, &keys, false),
        &image(&mut c, &keys, false),
    );
    let encs = encodings(&mut r, &keys);
    for compression in [&b"no"[..], b"yes"] {
        for srv in [&mut c, &mut r] {
            ok(srv, &[b"CONFIG", b"SET", b"rdbcompression", compression]);
        }
        for (k, enc) in keys.iter().zip(&encs) {
            let from_ox = payload(&call(&mut c, &[b"DUMP", k]));
            let from_redis = payload(&call(&mut r, &[b"DUMP", k]));
            // A value in a deterministic order is Redis's bytes, compressed or not
            // (the same LZF, and quicklist nodes compressed as Redis holds them);
            // hashtables iterate in their own order.
            if k.starts_with(b"stream:") {
                // Same bytes but for the consumers' seen-times (wall clock).
                assert_eq!(from_ox.len(), from_redis.len(), "DUMP {:?} differs", k);
            } else if !enc.ends_with(" hashtable") {
                assert!(
                    from_ox == from_redis,
                    "DUMP {} (rdbcompression {}) differs",
                    String::from_utf8_lossy(k),
                    String::from_utf8_lossy(compression)
                );
            }
            // oxidis -> redis and redis -> oxidis, each restored under a new name.
            let mut copy = k.clone();
            copy.extend_from_slice(b":copy:");
            copy.extend_from_slice(compression);
            assert_eq!(
                call(&mut r, &[b"RESTORE", &copy, b"0", &from_ox]),
                b"+OK\r\n"
            );
            assert_eq!(
                call(&mut c, &[b"RESTORE", &copy, b"0", &from_redis]),
                b"+OK\r\n"
            );
            let copies = [copy];
            assert_same(
                "RESTORE",
                &image(&mut c, &copies, false),
                &image(&mut r, &copies, false),
            );
        }
    }

    // A load changes one thing about a value: a skiplist's -0 score becomes the
    // integer 0 when the loader turns the small sorted set into a listpack
    // (zzlInsertAt stores whatever double2ll accepts as an integer). Each server's
    // payload restored into the other must come out as that server's own does.
    let members = strs((0..200).flat_map(|i| [i.to_string(), format!("m{}", i)]));
    for srv in [&mut c, &mut r] {
        push_all(srv, b"ZADD", b"negzero", &members); // a skiplist by now
        ok(srv, &[b"ZADD", b"negzero", b"-0", b"negative zero"]);
        ok(srv, &[b"ZREMRANGEBYRANK", b"negzero", b"10", b"-1"]);
        assert_eq!(
            call(srv, &[b"ZSCORE", b"negzero", b"negative zero"]),
            b"$2\r\n-0\r\n"
        );
    }
    let from_ox = payload(&call(&mut c, &[b"DUMP", b"negzero"]));
    let from_redis = payload(&call(&mut r, &[b"DUMP", b"negzero"]));
    for (srv, own, other) in [
        (&mut c, &from_ox, &from_redis),
        (&mut r, &from_redis, &from_ox),
    ] {
        ok(srv, &[b"RESTORE", b"negzero:own", b"0", own]);
        ok(srv, &[b"RESTORE", b"negzero:other", b"0", other]);
        assert_eq!(
            call(srv, &[b"ZSCORE", b"negzero:other", b"negative zero"]),
            b"$1\r\n0\r\n"
        );
    }
    let copies = [b"negzero:own".to_vec(), b"negzero:other".to_vec()];
    assert_same(
        "-0",
        &image(&mut c, &copies, false),
        &image(&mut r, &copies, false),
    );

    drop((ox, redis));
    let _ = std::fs::remove_dir_all(&d1);
    let _ = std::fs::remove_dir_all(&d2);
}

#[test]
fn restore_rejects_corrupt_payloads() {
    let dir = tmpdir("corrupt");
    let ox = spawn(oxidis(), &dir, &[]);
    let mut c = conn(&ox);
    assert_eq!(
        call(&mut c, &[b"SET", b"k", &b"xyz".repeat(50)]),
        b"+OK\r\n"
    );
    let reply = call(&mut c, &[b"DUMP", b"k"]);
    let nl = reply.iter().position(|&b| b == b'\n').unwrap();
    let payload = reply[nl + 1..reply.len() - 2].to_vec();
    // Every truncation and every single-byte flip: an error, never a key or a crash.
    for cut in 0..payload.len() {
        let r = call(&mut c, &[b"RESTORE", b"t", b"0", &payload[..cut]]);
        assert_eq!(r[0], b'-', "{}", String::from_utf8_lossy(&r));
    }
    for i in 0..payload.len() {
        let mut p = payload.clone();
        p[i] ^= 0x5a;
        let r = call(&mut c, &[b"RESTORE", b"t", b"0", &p]);
        assert_eq!(r[0], b'-', "{}", String::from_utf8_lossy(&r));
    }
    assert_eq!(call(&mut c, &[b"EXISTS", b"t"]), b":0\r\n");
    assert_eq!(
        call(&mut c, &[b"RESTORE", b"t", b"0", &payload]),
        b"+OK\r\n"
    );
    drop(ox);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn kill_during_bgsave_keeps_previous_dump() {
    let dir = tmpdir("crash");
    let mut ox = spawn(oxidis(), &dir, &[]);
    let mut c = conn(&ox);
    let keys = populate(&mut c);
    assert_eq!(call(&mut c, &[b"SAVE"]), b"+OK\r\n");
    let digest = call(&mut c, &[b"DEBUG", b"DIGEST"]);
    let before = std::fs::read(dir.join("dump.rdb")).unwrap();

    // A slow BGSAVE of a changed dataset, killed half way.
    for i in 0..500 {
        call(&mut c, &[b"SET", format!("new:{}", i).as_bytes(), b"v"]);
    }
    assert_eq!(
        call(&mut c, &[b"CONFIG", b"SET", b"rdb-key-save-delay", b"2000"]),
        b"+OK\r\n"
    );
    assert_eq!(
        call(&mut c, &[b"BGSAVE"]),
        b"+Background saving started\r\n"
    );
    std::thread::sleep(Duration::from_millis(200));
    ox.kill(); // SIGKILL

    assert_eq!(std::fs::read(dir.join("dump.rdb")).unwrap(), before);
    if have_redis() {
        check_rdb(&dir.join("dump.rdb"));
    }
    let ox2 = spawn(oxidis(), &dir, &[]);
    let mut c2 = conn(&ox2);
    assert_eq!(call(&mut c2, &[b"DEBUG", b"DIGEST"]), digest);
    assert_eq!(
        call(&mut c2, &[b"DBSIZE"]),
        format!(":{}\r\n", keys.len()).into_bytes()
    );
    drop(ox2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bgsave_is_a_point_in_time_image() {
    let dir = tmpdir("pit");
    let ox = spawn(oxidis(), &dir, &[]);
    let mut c = conn(&ox);
    for i in 0..300 {
        call(&mut c, &[b"SET", format!("k{}", i).as_bytes(), b"before"]);
    }
    let digest = call(&mut c, &[b"DEBUG", b"DIGEST"]);
    call(&mut c, &[b"CONFIG", b"SET", b"rdb-key-save-delay", b"1000"]);
    assert_eq!(
        call(&mut c, &[b"BGSAVE"]),
        b"+Background saving started\r\n"
    );
    // Writes while the writer thread works must not reach the file.
    for i in 0..300 {
        call(&mut c, &[b"SET", format!("k{}", i).as_bytes(), b"after"]);
    }
    call(&mut c, &[b"FLUSHDB"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let info = call(&mut c, &[b"INFO", b"persistence"]);
        let text = String::from_utf8_lossy(&info);
        if text.contains("rdb_bgsave_in_progress:0") {
            assert!(text.contains("rdb_last_bgsave_status:ok"), "{}", text);
            break;
        }
        assert!(Instant::now() < deadline, "bgsave did not finish");
        std::thread::sleep(Duration::from_millis(50));
    }
    call(&mut c, &[b"CONFIG", b"SET", b"rdb-key-save-delay", b"0"]);
    assert_eq!(call(&mut c, &[b"DEBUG", b"RELOAD", b"NOSAVE"]), b"+OK\r\n");
    assert_eq!(call(&mut c, &[b"DEBUG", b"DIGEST"]), digest);
    drop(ox);
    let _ = std::fs::remove_dir_all(&dir);
}
