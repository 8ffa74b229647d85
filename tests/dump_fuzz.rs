//! A fuzzer for RESTORE, in the spirit of Redis's
//! tests/integration/corrupt-dump-fuzzer.tcl: valid DUMP payloads of every
//! type and encoding are mutated and RESTOREd into a server started for the
//! test; each restored key is then read by the commands of its type, and
//! the dataset is digested and SCANned now and then. The server must never
//! die and never hang.
//!
//! `cargo test` runs a few seconds' worth. Environment:
//! - `OXIDIS_FUZZ_PAYLOADS=N`: how many mutated payloads (default 30000);
//! - `OXIDIS_FUZZ_SEED=N`: the seed of the mutations (default: the time);
//! - `OXIDIS_FUZZ_SERVER=PATH`: fuzz another server binary with the same
//!   mutations (e.g. /usr/bin/redis-server, for comparison);
//! - `OXIDIS_FUZZ_SANITIZE=no`: shallow sanitization, where a server may
//!   end by an assertion (counted, and allowed) but never by a signal;
//! - `OXIDIS_FUZZ_LOG=FILE`: where the payloads that killed or hung the
//!   server are written, in hex.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;

/// One RESP reply, as far as the fuzzer cares.
#[derive(Debug)]
enum Reply {
    Status,
    Error,
    Int,
    Bulk(Option<Vec<u8>>),
    Array(Vec<Reply>),
}

/// Why a reply did not come.
#[derive(Debug, PartialEq)]
enum Fault {
    Died,
    Hung,
}

struct Conn {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Conn {
    fn open(port: u16, timeout: Duration) -> Option<Conn> {
        let s = TcpStream::connect(("127.0.0.1", port)).ok()?;
        s.set_read_timeout(Some(timeout)).ok()?;
        s.set_nodelay(true).ok()?;
        Some(Conn {
            r: BufReader::new(s.try_clone().ok()?),
            w: s,
        })
    }

    fn send(&mut self, cmds: &[Vec<Vec<u8>>]) -> Result<(), Fault> {
        let mut out = Vec::new();
        for c in cmds {
            let args: Vec<&[u8]> = c.iter().map(|a| a.as_slice()).collect();
            out.extend(cmd(&args));
        }
        self.w.write_all(&out).map_err(|_| Fault::Died)
    }

    fn line(&mut self) -> Result<Vec<u8>, Fault> {
        let mut l = Vec::new();
        match self.r.read_until(b'\n', &mut l) {
            Ok(0) => Err(Fault::Died),
            Ok(_) if l.ends_with(b"\r\n") => {
                l.truncate(l.len() - 2);
                Ok(l)
            }
            Ok(_) => Err(Fault::Died),
            Err(e) if is_timeout(&e) => Err(Fault::Hung),
            Err(_) => Err(Fault::Died),
        }
    }

    fn reply(&mut self) -> Result<Reply, Fault> {
        let l = self.line()?;
        let (kind, rest) = l.split_first().ok_or(Fault::Died)?;
        let n = || -> i64 {
            std::str::from_utf8(rest)
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(-1)
        };
        Ok(match kind {
            b'+' => Reply::Status,
            b'-' => Reply::Error,
            b':' => Reply::Int,
            b'$' if n() < 0 => Reply::Bulk(None),
            b'$' => {
                let mut b = vec![0u8; n() as usize + 2];
                self.r.read_exact(&mut b).map_err(|e| {
                    if is_timeout(&e) {
                        Fault::Hung
                    } else {
                        Fault::Died
                    }
                })?;
                b.truncate(b.len() - 2);
                Reply::Bulk(Some(b))
            }
            b'*' if n() < 0 => Reply::Bulk(None),
            b'*' => {
                let mut v = Vec::new();
                for _ in 0..n() {
                    v.push(self.reply()?);
                }
                Reply::Array(v)
            }
            _ => return Err(Fault::Died),
        })
    }

    fn call(&mut self, args: &[&[u8]]) -> Result<Reply, Fault> {
        self.send(&[args.iter().map(|a| a.to_vec()).collect()])?;
        self.reply()
    }
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

/// xorshift64*: the mutations' randomness, reproducible from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn a(args: &[&str]) -> Vec<Vec<u8>> {
    args.iter().map(|s| s.as_bytes().to_vec()).collect()
}

/// Keys of every type and encoding: (key, what it is).
fn build_dataset(c: &mut Conn) -> Vec<(String, &'static str)> {
    let mut cmds = vec![
        a(&["CONFIG", "SET", "list-max-listpack-size", "5"]),
        a(&["CONFIG", "SET", "list-compress-depth", "1"]),
        a(&["CONFIG", "SET", "hash-max-listpack-entries", "8"]),
        a(&["CONFIG", "SET", "zset-max-listpack-entries", "8"]),
        a(&["CONFIG", "SET", "set-max-intset-entries", "8"]),
        a(&["CONFIG", "SET", "stream-node-max-entries", "4"]),
        a(&["SET", "str:int", "12345"]),
        a(&["SET", "str:embstr", "hello"]),
        a(&["SET", "str:raw", &"x".repeat(100)]),
        a(&["SET", "str:lzf", &"abcabcabc".repeat(20)]),
    ];
    for j in 0..30 {
        let v = if j % 2 == 0 {
            j.to_string()
        } else {
            format!("_{}", j)
        };
        if j < 4 {
            cmds.push(a(&["RPUSH", "list:small", &v]));
            cmds.push(a(&["HSET", "hash:lp", &j.to_string(), &v]));
            cmds.push(a(&["ZADD", "zset:lp", &j.to_string(), &v]));
            cmds.push(a(&["SADD", "set:intset", &j.to_string()]));
            cmds.push(a(&["SADD", "set:ht_small", &v]));
        }
        cmds.push(a(&["RPUSH", "list:big", &v]));
        cmds.push(a(&["HSET", "hash:ht", &j.to_string(), &v]));
        cmds.push(a(&["ZADD", "zset:skiplist", &format!("{}.5", j), &v]));
        cmds.push(a(&["SADD", "set:ht", &v]));
        cmds.push(a(&["SADD", "set:ints", &(j * 1000).to_string()]));
        cmds.push(a(&[
            "XADD",
            "stream:big",
            "*",
            "item",
            &j.to_string(),
            "value",
            &v,
        ]));
        if j < 3 {
            cmds.push(a(&["XADD", "stream:small", "*", "item", "1", "value", &v]));
        }
    }
    cmds.push(a(&["RPUSH", "list:plain", &"p".repeat(300)]));
    cmds.push(a(&["XADD", "stream:big", "*", "other", "1", "unique", "2"]));
    cmds.push(a(&["XGROUP", "CREATE", "stream:small", "g1", "0"]));
    cmds.push(a(&[
        "XREADGROUP",
        "GROUP",
        "g1",
        "alice",
        "COUNT",
        "2",
        "STREAMS",
        "stream:small",
        ">",
    ]));
    cmds.push(a(&["XGROUP", "CREATE", "stream:big", "g2", "0"]));
    cmds.push(a(&[
        "XREADGROUP",
        "GROUP",
        "g2",
        "bob",
        "COUNT",
        "5",
        "STREAMS",
        "stream:big",
        ">",
    ]));
    cmds.push(a(&["XDEL", "stream:big", "0-1"]));
    cmds.push(a(&["XTRIM", "stream:big", "MAXLEN", "28"]));
    let n = cmds.len();
    c.send(&cmds).expect("dataset");
    for _ in 0..n {
        c.reply().expect("dataset reply");
    }
    [
        ("str:int", "string"),
        ("str:embstr", "string"),
        ("str:raw", "string"),
        ("str:lzf", "string"),
        ("list:small", "list"),
        ("list:big", "list"),
        ("list:plain", "list"),
        ("hash:lp", "hash"),
        ("hash:ht", "hash"),
        ("zset:lp", "zset"),
        ("zset:skiplist", "zset"),
        ("set:intset", "set"),
        ("set:ints", "set"),
        ("set:ht_small", "set"),
        ("set:ht", "set"),
        ("stream:small", "stream"),
        ("stream:big", "stream"),
    ]
    .iter()
    .map(|(k, t)| (k.to_string(), *t))
    .collect()
}

/// Reads of each type, pipelined after a successful RESTORE of `k`.
fn reads(kind: &str, k: &str) -> Vec<Vec<Vec<u8>>> {
    let v = match kind {
        "string" => vec![
            a(&["GET", k]),
            a(&["STRLEN", k]),
            a(&["GETRANGE", k, "2", "-2"]),
        ],
        "list" => vec![
            a(&["LLEN", k]),
            a(&["LRANGE", k, "0", "-1"]),
            a(&["LINDEX", k, "-1"]),
            a(&["LPOS", k, "_3"]),
            a(&["LRANGE", k, "-3", "2"]),
        ],
        "hash" => vec![
            a(&["HLEN", k]),
            a(&["HGETALL", k]),
            a(&["HGET", k, "1"]),
            a(&["HSCAN", k, "0"]),
            a(&["HRANDFIELD", k, "-5", "WITHVALUES"]),
        ],
        "set" => vec![
            a(&["SCARD", k]),
            a(&["SMEMBERS", k]),
            a(&["SISMEMBER", k, "2"]),
            a(&["SRANDMEMBER", k, "-5"]),
            a(&["SSCAN", k, "0"]),
        ],
        "zset" => vec![
            a(&["ZCARD", k]),
            a(&["ZRANGE", k, "0", "-1", "WITHSCORES"]),
            a(&["ZREVRANGEBYSCORE", k, "+inf", "-inf"]),
            a(&["ZRANK", k, "_1"]),
            a(&["ZRANGEBYLEX", k, "-", "+"]),
            a(&["ZRANDMEMBER", k, "-5"]),
        ],
        _ => vec![
            a(&["XLEN", k]),
            a(&["XRANGE", k, "-", "+"]),
            a(&["XREVRANGE", k, "+", "-", "COUNT", "3"]),
            a(&["XINFO", "STREAM", k, "FULL"]),
            a(&["XINFO", "GROUPS", k]),
            a(&["XPENDING", k, "g1"]),
            a(&["XREAD", "COUNT", "2", "STREAMS", k, "0-0"]),
        ],
    };
    let mut v = v;
    v.push(a(&["TYPE", k]));
    v.push(a(&["DEBUG", "DIGEST-VALUE", k]));
    v
}

/// Redis's corrupt_payload, and a few more ways to damage a payload.
fn mutate(rng: &mut Rng, p: &[u8]) -> Vec<u8> {
    let mut p = p.to_vec();
    let times = if rng.below(10) == 0 { 2 } else { 1 };
    for _ in 0..times {
        let len = p.len();
        if len == 0 {
            break;
        }
        let i = rng.below(len);
        match rng.below(8) {
            0..=3 => p[i] = rng.next() as u8,
            4 => p[i] ^= 1 << rng.below(8),
            5 => p.insert(i, rng.next() as u8),
            6 => {
                p.remove(i);
            }
            _ => {
                let n = 1 + rng.below(4);
                let end = (i + n).min(len);
                let chunk = p[i..end].to_vec();
                let at = rng.below(len);
                p.splice(at..at, chunk);
            }
        }
    }
    p
}

#[derive(Default, Debug)]
struct Figures {
    payloads: u64,
    restored: u64,
    rejected: u64,
    deaths: u64,
    deaths_by_signal: u64,
    hangs: u64,
}

struct Target {
    exe: String,
    sanitize: String,
    server: Server,
    log: std::path::PathBuf,
}

impl Target {
    fn start(exe: &str, sanitize: &str) -> Target {
        let log = std::env::temp_dir().join(format!(
            "oxidis-fuzz-{}-{}.log",
            std::process::id(),
            free_port()
        ));
        let server = start_exe(
            exe,
            &[
                "--enable-debug-command",
                "yes",
                "--sanitize-dump-payload",
                sanitize,
                "--use-exit-on-panic",
                "yes",
                "--crash-memcheck-enabled",
                "no",
                "--logfile",
                log.to_str().unwrap(),
            ],
        )
        .expect("server did not start");
        Target {
            exe: exe.to_string(),
            sanitize: sanitize.to_string(),
            server,
            log,
        }
    }

    fn conn(&self) -> Conn {
        Conn::open(self.server.port, Duration::from_secs(5)).expect("connect")
    }

    fn restart(&mut self) -> Conn {
        self.server.kill();
        let next = Target::start(&self.exe, &self.sanitize);
        let old = std::mem::replace(self, next);
        let _ = std::fs::remove_file(&old.log);
        drop(old);
        self.conn()
    }

    fn log_has(&self, what: &str) -> bool {
        std::fs::read_to_string(&self.log).is_ok_and(|t| t.contains(what))
    }
}

fn env_num(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// The fuzzing loop; returns its figures.
fn fuzz(exe: &str, sanitize: &str, payloads: u64, seed: u64) -> Figures {
    let mut t = Target::start(exe, sanitize);
    let mut c = t.conn();
    let keys = build_dataset(&mut c);
    let mut dumps = Vec::new();
    for (k, kind) in &keys {
        match c.call(&[b"DUMP", k.as_bytes()]) {
            Ok(Reply::Bulk(Some(p))) => dumps.push((p, *kind)),
            other => panic!("DUMP {}: {:?}", k, other),
        }
    }
    // The dataset lives on in the restarted servers as a set of payloads.
    let seed_cmds: Vec<Vec<Vec<u8>>> = keys
        .iter()
        .zip(&dumps)
        .map(|((k, _), (p, _))| {
            vec![
                b"RESTORE".to_vec(),
                k.as_bytes().to_vec(),
                b"0".to_vec(),
                p.clone(),
                b"REPLACE".to_vec(),
            ]
        })
        .collect();
    let reseed = |c: &mut Conn| {
        c.send(&[a(&["DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1"])])
            .expect("reseed");
        c.reply().expect("reseed");
        c.send(&seed_cmds).expect("reseed");
        for _ in 0..seed_cmds.len() {
            c.reply().expect("reseed");
        }
    };
    reseed(&mut c);
    let failures = std::env::var("OXIDIS_FUZZ_LOG").ok();
    let mut rng = Rng(seed | 1);
    let mut f = Figures::default();
    let record = |what: &str, p: &[u8]| {
        if let Some(path) = &failures {
            let hex: String = p.iter().map(|b| format!("{:02x}", b)).collect();
            if let Ok(mut file) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
            {
                let _ = writeln!(file, "{} {} {}", exe, what, hex);
            }
        }
    };
    while f.payloads < payloads {
        let (orig, kind) = &dumps[rng.below(dumps.len())];
        let p = mutate(&mut rng, orig);
        f.payloads += 1;
        let mut outcome = c
            .call(&[b"RESTORE", b"_fz", b"0", &p, b"REPLACE"])
            .and_then(|r| match r {
                Reply::Status => {
                    f.restored += 1;
                    let batch = reads(kind, "_fz");
                    c.send(&batch)?;
                    for _ in 0..batch.len() {
                        c.reply()?;
                    }
                    Ok(())
                }
                _ => {
                    f.rejected += 1;
                    Ok(())
                }
            });
        if outcome.is_ok() && f.payloads % 64 == 0 {
            outcome = (|| {
                c.call(&[b"DEBUG", b"DIGEST"])?;
                let mut cursor = b"0".to_vec();
                while let Reply::Array(v) = c.call(&[b"SCAN", &cursor, b"COUNT", b"100"])? {
                    match v.first() {
                        Some(Reply::Bulk(Some(next))) if next != b"0" => cursor = next.clone(),
                        _ => break,
                    }
                }
                Ok(())
            })();
        }
        match outcome {
            Ok(()) => {}
            Err(fault) => {
                if fault == Fault::Hung {
                    f.hangs += 1;
                    record("hang", &p);
                } else {
                    f.deaths += 1;
                    // Give the report time to reach the log.
                    std::thread::sleep(Duration::from_millis(50));
                    if t.log_has("crashed by signal") {
                        f.deaths_by_signal += 1;
                    }
                    record("death", &p);
                }
                c = t.restart();
                reseed(&mut c);
            }
        }
    }
    f
}

#[test]
fn corrupt_restore_payloads_never_kill_or_hang_the_server() {
    let payloads = env_num("OXIDIS_FUZZ_PAYLOADS").unwrap_or(30_000);
    let seed = env_num("OXIDIS_FUZZ_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
    });
    let exe = std::env::var("OXIDIS_FUZZ_SERVER")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_oxidis-server").to_string());
    let sanitize = std::env::var("OXIDIS_FUZZ_SANITIZE").unwrap_or_else(|_| "yes".to_string());
    let started = Instant::now();
    let f = fuzz(&exe, &sanitize, payloads, seed);
    eprintln!(
        "dump fuzz: server {} sanitize-dump-payload {} seed {}: {:?} in {:.1}s",
        exe,
        sanitize,
        seed,
        f,
        started.elapsed().as_secs_f64()
    );
    assert!(f.restored > 0 && f.rejected > 0, "{:?}", f);
    assert_eq!(f.hangs, 0, "seed {}: {:?}", seed, f);
    assert_eq!(f.deaths_by_signal, 0, "seed {}: {:?}", seed, f);
    if sanitize != "no" {
        assert_eq!(f.deaths, 0, "seed {}: {:?}", seed, f);
    }
}
