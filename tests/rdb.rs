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

use common::dataset::{assert_same, encodings, image, ok, populate, push_all, strs, Image};
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
