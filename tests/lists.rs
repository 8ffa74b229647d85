//! Lists over TCP: blocking pops served FIFO, pipelined commands behind a
//! blocked client, timeouts and CLIENT UNBLOCK. Redis counterparts:
//! tests/unit/type/list.tcl (the blocking part) and blocked.c.

mod common;

use std::io::Write;
use std::time::Duration;

use common::*;

#[test]
fn blpop_is_served_fifo_and_pipeline_resumes() {
    let srv = start(&[]);
    let mut a = connect(&srv);
    let mut b = connect(&srv);
    let mut p = connect(&srv);
    // `a` blocks, with a PING pipelined behind its BLPOP.
    let mut req = cmd(&[b"BLPOP", b"k", b"0"]);
    req.extend(cmd(&[b"PING"]));
    a.write_all(&req).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    b.write_all(&cmd(&[b"BLPOP", b"k", b"0"])).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(call(&mut p, &[b"RPUSH", b"k", b"x", b"y", b"z"]), b":3\r\n");
    assert_eq!(read_reply(&mut a), b"*2\r\n$1\r\nk\r\n$1\r\nx\r\n");
    assert_eq!(read_reply(&mut a), b"+PONG\r\n");
    assert_eq!(read_reply(&mut b), b"*2\r\n$1\r\nk\r\n$1\r\ny\r\n");
    assert_eq!(
        call(&mut p, &[b"LRANGE", b"k", b"0", b"-1"]),
        b"*1\r\n$1\r\nz\r\n"
    );
}

#[test]
fn blocking_timeout_and_client_unblock() {
    let srv = start(&[]);
    let mut a = connect(&srv);
    let mut p = connect(&srv);
    assert_eq!(call(&mut a, &[b"BRPOP", b"nothing", b"0.05"]), b"*-1\r\n");
    let id = call(&mut a, &[b"CLIENT", b"ID"]);
    let id = &id[1..id.len() - 2];
    a.write_all(&cmd(&[b"BLMOVE", b"src", b"dst", b"LEFT", b"RIGHT", b"0"]))
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        call(&mut p, &[b"CLIENT", b"UNBLOCK", id, b"ERROR"]),
        b":1\r\n"
    );
    assert_eq!(
        read_reply(&mut a),
        b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
    );
    // Inside MULTI a blocking pop answers at once.
    assert_eq!(call(&mut a, &[b"MULTI"]), b"+OK\r\n");
    assert_eq!(call(&mut a, &[b"BLPOP", b"nothing", b"0"]), b"+QUEUED\r\n");
    assert_eq!(call(&mut a, &[b"EXEC"]), b"*1\r\n*-1\r\n");
}

#[test]
fn rename_wakes_blocked_client_and_encoding_is_quicklist() {
    let srv = start(&[]);
    let mut a = connect(&srv);
    let mut p = connect(&srv);
    a.write_all(&cmd(&[b"BLPOP", b"foo", b"5"])).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(call(&mut p, &[b"LPUSH", b"bob", b"abc", b"def"]), b":2\r\n");
    assert_eq!(
        call(&mut p, &[b"OBJECT", b"ENCODING", b"bob"]),
        b"$9\r\nquicklist\r\n"
    );
    assert_eq!(call(&mut p, &[b"RENAME", b"bob", b"foo"]), b"+OK\r\n");
    assert_eq!(read_reply(&mut a), b"*2\r\n$3\r\nfoo\r\n$3\r\ndef\r\n");
}

/// Polls INFO until `n` clients are blocked.
fn wait_blocked(p: &mut std::net::TcpStream, n: usize) {
    let want = format!("blocked_clients:{}\r\n", n);
    for _ in 0..500 {
        let info = call(p, &[b"INFO", b"clients"]);
        if String::from_utf8_lossy(&info).contains(&want) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("never saw {} blocked clients", n);
}

fn info_has(p: &mut std::net::TcpStream, section: &[u8], line: &str) -> bool {
    String::from_utf8_lossy(&call(p, &[b"INFO", section])).contains(line)
}

#[test]
fn unblocked_commands_complete_their_stats_and_slowlog_entry() {
    let srv = start(&[]);
    let mut a = connect(&srv);
    let mut p = connect(&srv);
    // CLIENT UNBLOCK ... ERROR: the error reply counts in errorstats and the
    // BLPOP counts as failed (Redis: updateStatsOnUnblock).
    let id = call(&mut a, &[b"CLIENT", b"ID"]);
    let id = &id[1..id.len() - 2];
    assert_eq!(call(&mut p, &[b"CONFIG", b"RESETSTAT"]), b"+OK\r\n");
    a.write_all(&cmd(&[b"BLPOP", b"list1", b"0"])).unwrap();
    wait_blocked(&mut p, 1);
    assert_eq!(
        call(&mut p, &[b"CLIENT", b"UNBLOCK", id, b"ERROR"]),
        b":1\r\n"
    );
    assert!(read_reply(&mut a).starts_with(b"-UNBLOCKED"));
    assert!(info_has(
        &mut p,
        b"errorstats",
        "errorstat_UNBLOCKED:count=1\r\n"
    ));
    assert!(info_has(
        &mut p,
        b"commandstats",
        "rejected_calls=0,failed_calls=1\r\n"
    ));
    assert!(info_has(&mut p, b"stats", "total_error_replies:1\r\n"));
    // A served BLPOP is logged when it is served, as the command it was,
    // even though the slow log was reset while it was blocked.
    call(
        &mut p,
        &[b"CONFIG", b"SET", b"slowlog-log-slower-than", b"0"],
    );
    a.write_all(&cmd(&[b"BLPOP", b"l", b"0"])).unwrap();
    wait_blocked(&mut p, 1);
    call(&mut p, &[b"MULTI"]);
    call(&mut p, &[b"LPUSH", b"l", b"foo"]);
    call(&mut p, &[b"SLOWLOG", b"RESET"]);
    call(&mut p, &[b"EXEC"]);
    assert_eq!(read_reply(&mut a), b"*2\r\n$1\r\nl\r\n$3\r\nfoo\r\n");
    let log = call(&mut p, &[b"SLOWLOG", b"GET", b"1"]);
    let blpop = b"*3\r\n$5\r\nBLPOP\r\n$1\r\nl\r\n$1\r\n0\r\n";
    assert!(
        log.windows(blpop.len()).any(|w| w == blpop),
        "{}",
        String::from_utf8_lossy(&log)
    );
}
