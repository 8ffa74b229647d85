//! Shared helpers for the integration tests: start `oxidis-server` on a free
//! port, talk raw RESP to it, and stop it when the test ends.
#![allow(dead_code)]

pub mod dataset;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    pub port: u16,
    child: Child,
    pub dir: PathBuf,
    /// The directory was made for this server (removed with it).
    own_dir: bool,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        if self.own_dir {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl Server {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits up to `timeout` for the process to exit on its own.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(st) = self.child.try_wait().ok().flatten() {
                return Some(st);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// SIGKILL, and wait for the process to be gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on right now (another process may still take it).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts a server with extra `--name value` arguments.
pub fn start(extra: &[&str]) -> Server {
    start_exe(env!("CARGO_BIN_EXE_oxidis-server"), extra).expect("server did not start")
}

/// Starts `exe` (oxidis-server, or a real redis-server to compare with) on a
/// free port with its own directory; None if it never answers.
pub fn start_exe(exe: &str, extra: &[&str]) -> Option<Server> {
    start_exe_in(exe, None, extra)
}

/// [`start_exe`] with its data in `dir` (kept when the server stops), or in
/// a directory of its own when None.
pub fn start_exe_in(exe: &str, dir: Option<&Path>, extra: &[&str]) -> Option<Server> {
    for _ in 0..5 {
        let port = free_port();
        let (dir, own_dir) = match dir {
            Some(d) => (d.to_path_buf(), false),
            None => (
                std::env::temp_dir().join(format!("oxidis-test-{}-{}", std::process::id(), port)),
                true,
            ),
        };
        std::fs::create_dir_all(&dir).unwrap();
        let mut cmd = Command::new(exe);
        cmd.args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
        ])
        .arg(&dir)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        let child = cmd.spawn().ok()?;
        let mut srv = Server {
            port,
            child,
            dir,
            own_dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            // A child that exited (its port was taken meanwhile) means
            // another try on another port.
            if srv.child.try_wait().ok().flatten().is_some() {
                break;
            }
            if let Ok(mut c) = TcpStream::connect(("127.0.0.1", port)) {
                // Another test's server may hold the port ours failed to
                // bind: only our own child's process_id will do.
                if answers_as(&mut c, srv.child.id()) {
                    return Some(srv);
                }
                let _ = srv.child.kill();
                let _ = srv.child.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    None
}

/// Whether the server on `c` reports `pid` as its process_id.
fn answers_as(c: &mut TcpStream, pid: u32) -> bool {
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    if c.write_all(&cmd(&[b"INFO", b"server"])).is_err() {
        return false;
    }
    let want = format!("process_id:{pid}\r\n");
    let mut out = Vec::new();
    let mut chunk = [0u8; 4096];
    // INFO server names the process before run_id, in every version.
    while !out.windows(7).any(|w| w == b"run_id:") {
        if out.starts_with(b"-") && out.ends_with(b"\r\n") {
            // -NOAUTH (a test with requirepass): no way to tell; the port
            // race this guards against is rare enough.
            return true;
        }
        match c.read(&mut chunk) {
            Ok(n) if n > 0 => out.extend_from_slice(&chunk[..n]),
            _ => return false,
        }
    }
    out.windows(want.len()).any(|w| w == want.as_bytes())
}

pub fn connect(s: &Server) -> TcpStream {
    let c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c
}

/// Encodes a command as a RESP multibulk.
pub fn cmd(args: &[&[u8]]) -> Vec<u8> {
    let mut v = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        v.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        v.extend_from_slice(a);
        v.extend_from_slice(b"\r\n");
    }
    v
}

/// Reads exactly one RESP reply and returns its raw bytes.
pub fn read_reply(c: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    read_one(c, &mut out);
    out
}

fn read_line(c: &mut TcpStream, out: &mut Vec<u8>) -> Vec<u8> {
    let start = out.len();
    let mut b = [0u8; 1];
    loop {
        let n = c.read(&mut b).expect("read");
        assert!(n == 1, "connection closed while reading a reply");
        out.push(b[0]);
        if out.len() >= start + 2 && &out[out.len() - 2..] == b"\r\n" {
            return out[start..out.len() - 2].to_vec();
        }
    }
}

fn read_one(c: &mut TcpStream, out: &mut Vec<u8>) {
    let line = read_line(c, out);
    let n: i64 = std::str::from_utf8(&line[1..])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    match line[0] {
        b'$' | b'=' | b'!' if n >= 0 => {
            let mut buf = vec![0u8; n as usize + 2];
            c.read_exact(&mut buf).unwrap();
            out.extend_from_slice(&buf);
        }
        b'*' | b'~' | b'>' if n > 0 => {
            for _ in 0..n {
                read_one(c, out);
            }
        }
        b'%' if n > 0 => {
            for _ in 0..2 * n {
                read_one(c, out);
            }
        }
        _ => {}
    }
}

/// Sends a command and returns the raw reply.
pub fn call(c: &mut TcpStream, args: &[&[u8]]) -> Vec<u8> {
    c.write_all(&cmd(args)).unwrap();
    read_reply(c)
}

/// True when the peer closed the connection (EOF) within the timeout.
pub fn closed(c: &mut TcpStream) -> bool {
    let mut buf = [0u8; 1024];
    loop {
        match c.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

/// A command and the exact reply expected (read from real Redis).
pub type Case<'a> = (&'a [&'a [u8]], &'a [u8]);

/// Sends each case's command and checks its reply byte for byte.
pub fn run(c: &mut TcpStream, cases: &[Case]) {
    for (args, want) in cases {
        let got = call(c, args);
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(want),
            "{:?}",
            args.iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect::<Vec<_>>()
        );
    }
}
