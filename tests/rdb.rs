//! RDB interoperability and crash safety, against the real Redis 7.0.15 when it is
//! installed (`/usr/bin/redis-server`, `/usr/bin/redis-check-rdb`); the tests that
//! need it return early otherwise.
//!
//! - a dump.rdb written by oxidis passes redis-check-rdb and loads into redis-server
//!   with the same DEBUG DIGEST-VALUE for every key;
//! - a dump.rdb written by redis-server loads into oxidis, same digests;
//! - DUMP payloads travel both ways through RESTORE;
//! - kill -9 during a BGSAVE leaves the previous dump.rdb intact and loadable.
//!
//! Strings only for now: each type issue adds its keys to `populate`.

mod common;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::call;

const REDIS: &str = "/usr/bin/redis-server";
const CHECK_RDB: &str = "/usr/bin/redis-check-rdb";

struct Proc {
    port: u16,
    child: Child,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("oxidis-rdb-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Starts `exe` on a free port with its data in `dir`.
fn spawn(exe: &str, dir: &Path, extra: &[&str]) -> Proc {
    let port = free_port();
    let child = Command::new(exe)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--dir"])
        .arg(dir)
        .args(["--enable-debug-command", "yes", "--save", ""])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn server");
    let p = Proc { port, child };
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(mut c) = TcpStream::connect(("127.0.0.1", port)) {
            c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            if call(&mut c, &[b"PING"]) == b"+PONG\r\n" {
                return p;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{} did not start", exe);
}

fn conn(p: &Proc) -> TcpStream {
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

/// Keys of every kind the string type can produce in an RDB file.
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
    assert_eq!(call(c, &[b"SELECT", b"3"]), b"+OK\r\n");
    set(c, b"in-db-3", b"x");
    assert_eq!(call(c, &[b"SELECT", b"0"]), b"+OK\r\n");
    keys.pop(); // "in-db-3" is compared through DEBUG DIGEST
    keys
}

fn digest_values(c: &mut TcpStream, keys: &[Vec<u8>]) -> Vec<Vec<u8>> {
    keys.iter()
        .map(|k| call(c, &[b"DEBUG", b"DIGEST-VALUE", k]))
        .collect()
}

fn check_rdb(path: &Path) {
    let out = Command::new(CHECK_RDB).arg(path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "redis-check-rdb failed:\n{}", text);
    assert!(text.contains("RDB looks OK"), "{}", text);
}

#[test]
fn oxidis_dump_loads_into_redis() {
    if !have_redis() {
        return;
    }
    let dir = tmpdir("ox2redis");
    let (keys, digests, whole) = {
        let ox = spawn(oxidis(), &dir, &[]);
        let mut c = conn(&ox);
        let keys = populate(&mut c);
        assert_eq!(call(&mut c, &[b"SAVE"]), b"+OK\r\n");
        (
            keys.clone(),
            digest_values(&mut c, &keys),
            call(&mut c, &[b"DEBUG", b"DIGEST"]),
        )
    };
    check_rdb(&dir.join("dump.rdb"));
    let redis = spawn(REDIS, &dir, &[]);
    let mut r = conn(&redis);
    assert_eq!(digest_values(&mut r, &keys), digests);
    assert_eq!(call(&mut r, &[b"DEBUG", b"DIGEST"]), whole);
    drop(redis);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn redis_dump_loads_into_oxidis() {
    if !have_redis() {
        return;
    }
    let dir = tmpdir("redis2ox");
    let (keys, digests, whole) = {
        let redis = spawn(REDIS, &dir, &[]);
        let mut r = conn(&redis);
        let keys = populate(&mut r);
        assert_eq!(call(&mut r, &[b"SAVE"]), b"+OK\r\n");
        (
            keys.clone(),
            digest_values(&mut r, &keys),
            call(&mut r, &[b"DEBUG", b"DIGEST"]),
        )
    };
    let ox = spawn(oxidis(), &dir, &[]);
    let mut c = conn(&ox);
    assert_eq!(digest_values(&mut c, &keys), digests);
    assert_eq!(call(&mut c, &[b"DEBUG", b"DIGEST"]), whole);
    drop(ox);
    let _ = std::fs::remove_dir_all(&dir);
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
    for k in &keys {
        // oxidis -> redis and redis -> oxidis, each restored under a new name.
        let from_ox = call(&mut c, &[b"DUMP", k]);
        let from_redis = call(&mut r, &[b"DUMP", k]);
        let payload = |reply: &[u8]| -> Vec<u8> {
            let nl = reply.iter().position(|&b| b == b'\n').unwrap();
            reply[nl + 1..reply.len() - 2].to_vec()
        };
        let mut copy = k.clone();
        copy.extend_from_slice(b":copy");
        assert_eq!(
            call(&mut r, &[b"RESTORE", &copy, b"0", &payload(&from_ox)]),
            b"+OK\r\n"
        );
        assert_eq!(
            call(&mut c, &[b"RESTORE", &copy, b"0", &payload(&from_redis)]),
            b"+OK\r\n"
        );
        assert_eq!(
            call(&mut c, &[b"DEBUG", b"DIGEST-VALUE", &copy]),
            call(&mut r, &[b"DEBUG", b"DIGEST-VALUE", &copy])
        );
    }
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
    let _ = ox.child.kill(); // SIGKILL
    let _ = ox.child.wait();

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
