//! Server-level behaviour over TCP: connection limits, idle timeout, QUIT,
//! CONFIG round trips, start-up failures and signals. Redis counterparts:
//! tests/unit/limits.tcl, introspection.tcl, and server.c's start-up paths.

mod common;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

#[test]
fn maxclients_rejects_with_redis_error() {
    let srv = start(&["--maxclients", "2"]);
    // Let the server reap start()'s probe connection first.
    std::thread::sleep(Duration::from_millis(300));
    let mut a = connect(&srv);
    let mut b = connect(&srv);
    assert_eq!(call(&mut a, &[b"PING"]), b"+PONG\r\n");
    assert_eq!(call(&mut b, &[b"PING"]), b"+PONG\r\n");
    let mut c = connect(&srv);
    let mut buf = Vec::new();
    let _ = c.read_to_end(&mut buf);
    assert_eq!(buf, b"-ERR max number of clients reached\r\n");
    assert_eq!(call(&mut a, &[b"PING"]), b"+PONG\r\n");
}

#[test]
fn idle_clients_are_closed_after_timeout() {
    let srv = start(&["--timeout", "1"]);
    let mut c = connect(&srv);
    assert_eq!(call(&mut c, &[b"PING"]), b"+PONG\r\n");
    std::thread::sleep(Duration::from_millis(2500));
    assert!(closed(&mut c));
}

#[test]
fn quit_replies_ok_and_closes() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    c.write_all(&[cmd(&[b"QUIT"]), cmd(&[b"PING"])].concat())
        .unwrap();
    let mut buf = Vec::new();
    let _ = c.read_to_end(&mut buf);
    assert_eq!(buf, b"+OK\r\n");
}

#[test]
fn config_set_get_round_trip_and_errors() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    assert_eq!(
        call(&mut c, &[b"CONFIG", b"SET", b"maxmemory", b"10mb"]),
        b"+OK\r\n"
    );
    assert_eq!(
        call(&mut c, &[b"CONFIG", b"GET", b"maxmemory"]),
        b"*2\r\n$9\r\nmaxmemory\r\n$8\r\n10485760\r\n"
    );
    assert_eq!(
        call(&mut c, &[b"CONFIG", b"SET", b"maxmemory", b"abc"]),
        &b"-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value\r\n"[..]
    );
    assert_eq!(
        call(&mut c, &[b"CONFIG", b"SET", b"nosuch", b"1"]),
        &b"-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n"[..]
    );
    assert_eq!(
        call(&mut c, &[b"CONFIG", b"SET", b"maxmemory", b"0"]),
        b"+OK\r\n"
    );
}

#[test]
fn requirepass_gates_commands() {
    let srv = start(&["--requirepass", "s3cret"]);
    let mut c = connect(&srv);
    assert_eq!(
        call(&mut c, &[b"GET", b"x"]),
        b"-NOAUTH Authentication required.\r\n"
    );
    assert_eq!(
        call(&mut c, &[b"AUTH", b"wrong"]),
        &b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"[..]
    );
    assert_eq!(call(&mut c, &[b"AUTH", b"s3cret"]), b"+OK\r\n");
    assert_eq!(call(&mut c, &[b"GET", b"x"]), b"$-1\r\n");
}

#[test]
fn port_in_use_fails_with_redis_log_line() {
    let srv = start(&[]);
    let out = Command::new(env!("CARGO_BIN_EXE_oxidis-server"))
        .args([
            "--port",
            &srv.port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(
        log.contains(&format!(
            "Failed listening on port {} (TCP), aborting.",
            srv.port
        )),
        "{log}"
    );
}

#[test]
fn bad_config_directive_fails_start_up() {
    let out = Command::new(env!("CARGO_BIN_EXE_oxidis-server"))
        .args(["--port", "0", "--no-such-directive", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***"),
        "{err}"
    );
    assert!(
        err.contains("Bad directive or wrong number of arguments"),
        "{err}"
    );
}

#[test]
fn sigterm_shuts_down_cleanly() {
    let port = common::free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_oxidis-server"))
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let mut log = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(
        log.contains("Received SIGTERM scheduling shutdown..."),
        "{log}"
    );
    assert!(log.contains("is now ready to exit, bye bye..."), "{log}");
}

/// What /proc/PID/cmdline shows once the title fits in the argv area: the
/// area as the server rewrote it (setproctitle.c), title then NUL padding,
/// with a '.' where argv[0] ended if the title is shorter than argv[0].
fn expected_cmdline(argv: &[&str], title: &str) -> Vec<u8> {
    let area: usize = argv.iter().map(|a| a.len() + 1).sum();
    assert!(title.len() < area, "title must fit for this helper");
    let mut v = vec![0u8; area];
    v[..title.len()].copy_from_slice(title.as_bytes());
    if title.len() < argv[0].len() {
        v[argv[0].len()] = b'.';
    }
    v
}

#[test]
fn process_title_follows_proc_title_template() {
    let srv = start(&[]);
    let cmdline = || std::fs::read(format!("/proc/{}/cmdline", srv.pid())).unwrap();
    let exe = env!("CARGO_BIN_EXE_oxidis-server");
    let port = srv.port.to_string();
    let dir = srv.dir.display().to_string();
    let argv = [
        exe,
        "--port",
        &port,
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--dir",
        &dir,
    ];
    // Set at start-up from the default "{title} {listen-addr} {server-mode}";
    // the empty server mode's trailing space is trimmed.
    assert_eq!(
        cmdline(),
        expected_cmdline(&argv, &format!("{exe} 127.0.0.1:{port}"))
    );

    let mut c = connect(&srv);
    let t = b"TEST {title} {listen-addr} {port} {tls-port} {unixsocket} {config-file}";
    assert_eq!(
        call(&mut c, &[b"CONFIG", b"SET", b"proc-title-template", t]),
        b"+OK\r\n"
    );
    assert_eq!(
        cmdline(),
        expected_cmdline(&argv, &format!("TEST {exe} 127.0.0.1:{port} {port} 0  -"))
    );

    assert_eq!(
        call(&mut c, &[b"CONFIG", b"SET", b"proc-title-template", b"x"]),
        b"+OK\r\n"
    );
    assert_eq!(cmdline(), expected_cmdline(&argv, "x"));

    for bad in [&b"{invalid-var}"[..], b"{title}", b"{server-mode}", b"{"] {
        assert_eq!(
            call(&mut c, &[b"CONFIG", b"SET", b"proc-title-template", bad]),
            &b"-ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - template format is invalid or contains unknown variables\r\n"[..]
        );
    }
    assert_eq!(cmdline(), expected_cmdline(&argv, "x"));
}

/// utime+stime of a process in clock ticks, from /proc/PID/stat.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after_comm = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after_comm.split(' ').collect();
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

#[test]
fn busy_poll_is_hidden_settable_and_idle_server_does_not_spin() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    assert_eq!(
        call(&mut c, &[b"CONFIG", b"GET", b"busy-poll-usecs"]),
        b"*2\r\n$15\r\nbusy-poll-usecs\r\n$2\r\n30\r\n"
    );
    let all = call(&mut c, &[b"CONFIG", b"GET", b"*"]);
    assert!(!all.windows(9).any(|w| w == b"busy-poll"));
    assert_eq!(
        call(&mut c, &[b"CONFIG", b"SET", b"busy-poll-usecs", b"-1"]),
        b"-ERR CONFIG SET failed (possibly related to argument 'busy-poll-usecs') - argument must be between 0 and 1000000 inclusive\r\n".to_vec()
    );
    // A burst of short request/reply round trips turns the spin on ...
    for _ in 0..2000 {
        assert_eq!(call(&mut c, &[b"PING"]), b"+PONG\r\n");
    }
    // ... and an idle server must turn it off again: a spinning loop would
    // burn a whole CPU (100 ticks a second); allow a quarter of that.
    std::thread::sleep(Duration::from_millis(200));
    let before = cpu_ticks(srv.pid());
    std::thread::sleep(Duration::from_secs(1));
    assert!(cpu_ticks(srv.pid()) - before < 25);
    for v in [&b"0"[..], b"1000"] {
        assert_eq!(
            call(&mut c, &[b"CONFIG", b"SET", b"busy-poll-usecs", v]),
            b"+OK\r\n"
        );
        assert_eq!(call(&mut c, &[b"PING"]), b"+PONG\r\n");
    }
}
