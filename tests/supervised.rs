//! `daemonize` and `supervised`, end to end.
//!
//! - `daemonize yes`: the started process exits at once with status 0, the
//!   server goes on in the background, writes its pid to `pidfile`, answers,
//!   and removes the pid file when it shuts down.
//! - `supervised systemd`: the server sends systemd's notifications to the
//!   datagram socket in `$NOTIFY_SOCKET` — loading, ready, READY=1 — reports
//!   `process_supervised:systemd`, and says STOPPING=1 on SHUTDOWN.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{call, free_port};

fn oxidis() -> &'static str {
    env!("CARGO_BIN_EXE_oxidis-server")
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("oxidis-sup-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn connect(port: u16) -> TcpStream {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(c) = TcpStream::connect(("127.0.0.1", port)) {
            c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            return c;
        }
        assert!(Instant::now() < deadline, "the server never answered");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Kills the daemon if the test fails before it shut it down.
struct Daemon(Option<i32>);

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
    }
}

#[test]
fn daemonize_detaches_and_keeps_a_pid_file() {
    let dir = tmpdir("daemon");
    let pidfile = dir.join("oxidis.pid");
    let port = free_port();
    let status = Command::new(oxidis())
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .args(["--daemonize", "yes", "--logfile", "server.log", "--dir"])
        .arg(&dir)
        .arg("--pidfile")
        .arg(&pidfile)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "the foreground process exits 0");
    let mut c = connect(port);
    let info = String::from_utf8(call(&mut c, &[b"INFO", b"server"])).unwrap();
    let pid: i32 = info
        .lines()
        .find_map(|l| l.strip_prefix("process_id:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let mut daemon = Daemon(Some(pid));
    let written = std::fs::read_to_string(&pidfile).unwrap();
    assert_eq!(written, format!("{pid}\n"));
    // SHUTDOWN answers only when it fails.
    c.write_all(&common::cmd(&[b"SHUTDOWN", b"NOSAVE"]))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while pidfile.exists() || TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(Instant::now() < deadline, "the daemon did not go away");
        std::thread::sleep(Duration::from_millis(20));
    }
    daemon.0 = None;
    let log = std::fs::read_to_string(dir.join("server.log")).unwrap();
    assert!(log.contains("Removing the pid file."), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn systemd_hears_ready_and_stopping() {
    let dir = tmpdir("systemd");
    let sock_path = dir.join("notify.sock");
    let sock = UnixDatagram::bind(&sock_path).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let port = free_port();
    let mut child = Command::new(oxidis())
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .args(["--supervised", "systemd", "--dir"])
        .arg(&dir)
        .env("NOTIFY_SOCKET", &sock_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 512];
    while !got.iter().any(|m: &String| m == "READY=1\n") {
        let n = sock.recv(&mut buf).expect("no READY=1 from the server");
        got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    assert_eq!(
        got,
        [
            "STATUS=Redis is loading...\n",
            "STATUS=Ready to accept connections\n",
            "READY=1\n"
        ]
    );
    let mut c = connect(port);
    let info = String::from_utf8(call(&mut c, &[b"INFO", b"server"])).unwrap();
    assert!(info.contains("process_supervised:systemd\r\n"), "{info}");
    // SHUTDOWN answers only when it fails.
    c.write_all(&common::cmd(&[b"SHUTDOWN", b"NOSAVE"]))
        .unwrap();
    let n = sock.recv(&mut buf).expect("no STOPPING=1 from the server");
    assert_eq!(&buf[..n], b"STOPPING=1\n");
    assert!(child.wait().unwrap().success());
    let _ = std::fs::remove_dir_all(&dir);
}
