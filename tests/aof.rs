//! The append-only file, end to end: durability under kill -9, a kill during
//! a rewrite, and interoperability with the real Redis 7.0.15 when it is
//! installed (`/usr/bin/redis-server`, `/usr/bin/redis-check-aof`; the tests
//! that need it return early otherwise).
//!
//! - With `appendfsync always`, clients INCR their own counters while the
//!   server is killed with SIGKILL; after a restart every acknowledged
//!   increment is there (a counter may be one ahead: a write can reach the
//!   disk without its reply reaching the client).
//! - A SIGKILL in the middle of a BGREWRITEAOF leaves a manifest that loads.
//! - An `appendonlydir` written by oxidis (a base from a rewrite, then more
//!   writes in an INCR file) passes redis-check-aof and loads into
//!   redis-server with the same DEBUG DIGEST as oxidis loading it; one
//!   written by redis-server loads into oxidis the same way; both with and
//!   without the RDB preamble.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::dataset::{digest_values, ok, populate};
use common::{call, start_exe_in, Server};

const REDIS: &str = "/usr/bin/redis-server";
const CHECK_AOF: &str = "/usr/bin/redis-check-aof";

fn oxidis() -> &'static str {
    env!("CARGO_BIN_EXE_oxidis-server")
}

fn have_redis() -> bool {
    Path::new(REDIS).exists() && Path::new(CHECK_AOF).exists()
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("oxidis-aof-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Starts `exe` with AOF on in `dir` and returns once it has loaded its data:
/// both servers answer INFO while loading, and -LOADING to everything else.
fn spawn(exe: &str, dir: &Path, extra: &[&str]) -> Server {
    let mut args = vec!["--enable-debug-command", "yes", "--appendonly", "yes"];
    args.extend_from_slice(extra);
    let srv =
        start_exe_in(exe, Some(dir), &args).unwrap_or_else(|| panic!("{} did not start", exe));
    let mut c = conn(&srv);
    let deadline = Instant::now() + Duration::from_secs(30);
    while info_field(&mut c, b"persistence", "loading") != "0" {
        assert!(Instant::now() < deadline, "{exe} is still loading");
        std::thread::sleep(Duration::from_millis(10));
    }
    srv
}

fn conn(p: &Server) -> TcpStream {
    let c = TcpStream::connect(("127.0.0.1", p.port)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    c
}

fn info_field(c: &mut TcpStream, section: &[u8], name: &str) -> String {
    let r = call(c, &[b"INFO", section]);
    let text = String::from_utf8_lossy(&r).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")).map(str::to_string))
        .unwrap_or_default()
}

/// Waits until no rewrite runs (and none is scheduled).
fn wait_rewrite_done(c: &mut TcpStream) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while info_field(c, b"persistence", "aof_rewrite_in_progress") != "0"
        || info_field(c, b"persistence", "aof_rewrite_scheduled") != "0"
    {
        assert!(Instant::now() < deadline, "the rewrite did not end");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn manifest(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("appendonlydir/appendonly.aof.manifest")).unwrap()
}

fn check_aof(dir: &Path) {
    let out = Command::new(CHECK_AOF)
        .arg(dir.join("appendonlydir/appendonly.aof.manifest"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "redis-check-aof failed:\n{}", text);
    assert!(text.contains("is valid"), "{}", text);
}

#[test]
fn kill_9_loses_no_acknowledged_write() {
    let dir = tmpdir("kill9");
    let mut srv = spawn(oxidis(), &dir, &["--appendfsync", "always"]);
    let stop = Arc::new(AtomicBool::new(false));
    let port = srv.port;
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
                c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let key = format!("counter:{w}");
                let req = common::cmd(&[b"INCR", key.as_bytes()]);
                let mut acked = 0i64;
                let mut buf = [0u8; 64];
                while !stop.load(Ordering::Relaxed) {
                    if c.write_all(&req).is_err() {
                        break;
                    }
                    match c.read(&mut buf) {
                        Ok(n) if n > 0 && buf[0] == b':' => {
                            let v: i64 = std::str::from_utf8(&buf[1..n])
                                .unwrap()
                                .trim()
                                .parse()
                                .unwrap();
                            assert_eq!(v, acked + 1);
                            acked = v;
                        }
                        _ => break,
                    }
                }
                (key, acked)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    srv.kill();
    stop.store(true, Ordering::Relaxed);
    let acked: Vec<(String, i64)> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    assert!(acked.iter().all(|(_, n)| *n > 0), "no write went through");
    let srv = spawn(oxidis(), &dir, &["--appendfsync", "always"]);
    let mut c = conn(&srv);
    for (key, n) in &acked {
        let r = call(&mut c, &[b"GET", key.as_bytes()]);
        let text = String::from_utf8_lossy(&r);
        let got: i64 = text.lines().nth(1).unwrap_or("0").parse().unwrap();
        assert!(
            got == *n || got == n + 1,
            "{key}: {n} acknowledged, {got} after the restart (reply {text:?})"
        );
    }
    drop(srv);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn kill_during_rewrite_keeps_a_loadable_aof() {
    let dir = tmpdir("killrw");
    let mut srv = spawn(oxidis(), &dir, &["--rdb-key-save-delay", "100000"]);
    let mut c = conn(&srv);
    for i in 0..50 {
        ok(&mut c, &[b"SET", format!("k{i}").as_bytes(), b"v"]);
    }
    ok(&mut c, &[b"BGREWRITEAOF"]);
    assert_eq!(
        info_field(&mut c, b"persistence", "aof_rewrite_in_progress"),
        "1"
    );
    // Writes during the rewrite go to the new INCR file.
    ok(&mut c, &[b"SET", b"during", b"rewrite"]);
    let before = manifest(&dir);
    std::thread::sleep(Duration::from_millis(200));
    srv.kill();
    let srv = spawn(oxidis(), &dir, &[]);
    let mut c = conn(&srv);
    assert_eq!(call(&mut c, &[b"DBSIZE"]), b":51\r\n");
    assert_eq!(call(&mut c, &[b"GET", b"during"]), b"$7\r\nrewrite\r\n");
    assert!(before.contains("incr.aof seq 2 type i"), "{before}");
    drop(srv);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The dataset with a rewrite in the middle, so the folder has a base and an
/// INCR file; returns the keys, their digests and DEBUG DIGEST as the writer
/// itself loads the folder.
fn write_aof(exe: &str, dir: &Path, preamble: &str) -> (Vec<Vec<u8>>, Vec<String>, Vec<u8>) {
    let srv = spawn(exe, dir, &["--aof-use-rdb-preamble", preamble]);
    let mut c = conn(&srv);
    let keys = populate(&mut c);
    ok(&mut c, &[b"BGREWRITEAOF"]);
    wait_rewrite_done(&mut c);
    // More writes after the rewrite, of every kind of propagation rewrite.
    ok(&mut c, &[b"SET", b"after", b"rewrite", b"EX", b"100000"]);
    ok(&mut c, &[b"SADD", b"after:set", b"a", b"b", b"c"]);
    ok(&mut c, &[b"SPOP", b"after:set"]);
    ok(&mut c, &[b"MULTI"]);
    ok(&mut c, &[b"INCR", b"after:n"]);
    ok(&mut c, &[b"RPUSH", b"after:list", b"x", b"y"]);
    assert!(call(&mut c, &[b"EXEC"]).starts_with(b"*2"));
    ok(&mut c, &[b"SELECT", b"5"]);
    ok(&mut c, &[b"HSET", b"after:h", b"f", b"v"]);
    ok(&mut c, &[b"SELECT", b"0"]);
    let mut keys = keys;
    for k in [&b"after"[..], b"after:set", b"after:n", b"after:list"] {
        keys.push(k.to_vec());
    }
    // The dataset as the files describe it: a command-format base can turn
    // a -0 score into 0, in Redis too (the first ZADD builds a listpack),
    // so the reference is the writer's own reload of its folder.
    ok(&mut c, &[b"DEBUG", b"LOADAOF"]);
    let digests = digest_values(&mut c, &keys);
    let whole = call(&mut c, &[b"DEBUG", b"DIGEST"]);
    drop(srv);
    (keys, digests, whole)
}

fn transfer(name: &str, writer: &str, reader: &str, preamble: &str) {
    let dir = tmpdir(name);
    let (keys, digests, whole) = write_aof(writer, &dir, preamble);
    let m = manifest(&dir);
    assert!(m.contains("type b") && m.contains("type i"), "{m}");
    check_aof(&dir);
    let r = spawn(reader, &dir, &[]);
    let mut c = conn(&r);
    let deadline = Instant::now() + Duration::from_secs(30);
    while info_field(&mut c, b"persistence", "loading") != "0" {
        assert!(Instant::now() < deadline, "{name}: still loading");
        std::thread::sleep(Duration::from_millis(20));
    }
    let after = digest_values(&mut c, &keys);
    for (a, b) in digests.iter().zip(after.iter()) {
        assert_eq!(a, b, "{name}: DEBUG DIGEST-VALUE differs");
    }
    assert_eq!(
        String::from_utf8_lossy(&whole),
        String::from_utf8_lossy(&call(&mut c, &[b"DEBUG", b"DIGEST"])),
        "{name}: DEBUG DIGEST differs"
    );
    drop(r);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn oxidis_aof_loads_into_redis() {
    if !have_redis() {
        return;
    }
    transfer("ox2redis-rdb", oxidis(), REDIS, "yes");
    transfer("ox2redis-cmd", oxidis(), REDIS, "no");
}

#[test]
fn redis_aof_loads_into_oxidis() {
    if !have_redis() {
        return;
    }
    transfer("redis2ox-rdb", REDIS, oxidis(), "yes");
    transfer("redis2ox-cmd", REDIS, oxidis(), "no");
}
