//! MIGRATE and its connection cache. Redis counterpart: cluster.c (migrateCommand,
//! migrateGetSocket, migrateCloseSocket, migrateCloseTimedoutSockets).
//!
//! MIGRATE serialises each key as a DUMP payload, sends `RESTORE key ttl payload
//! [REPLACE]` to the target (after AUTH and SELECT when needed), waits for the
//! replies and, unless COPY, deletes the keys the target acknowledged. Like Redis it
//! blocks the server for the duration, with the command's timeout on every socket
//! operation, and keeps the connection for reuse for 10 seconds.
//!
//! Divergence: the sockets are blocking `std::net::TcpStream`s with read/write
//! timeouts instead of Redis's `connSyncWrite`/`connSyncReadLine` polling loops.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use oxidis_ds::util;

use crate::networking::Client;
use crate::server::command::CommandProc;
use crate::server::shared;
use crate::server::Server;

/// Redis: MIGRATE_SOCKET_CACHE_ITEMS, MIGRATE_SOCKET_CACHE_TTL.
const CACHE_ITEMS: usize = 64;
const CACHE_TTL_SECS: i64 = 10;

/// One cached connection. Redis: migrateCachedSocket.
pub struct CachedSocket {
    reader: BufReader<TcpStream>,
    last_dbid: i64,
    last_use_time: i64,
}

/// "host:port" -> connection. Redis: server.migrate_cached_sockets.
#[derive(Default)]
pub struct SocketCache {
    map: HashMap<String, CachedSocket>,
}

impl SocketCache {
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Redis: migrateCloseTimedoutSockets(), run once a second from the cron.
pub fn close_timedout_sockets(s: &mut Server) {
    let now = util::unixtime();
    s.rdb
        .migrate_cache
        .map
        .retain(|_, cs| now - cs.last_use_time <= CACHE_TTL_SECS);
}

/// Redis: migrateGetSocket(). Returns the cache key, connecting first if needed.
fn get_socket(
    s: &mut Server,
    c: &mut Client,
    host: &[u8],
    port: &[u8],
    timeout_ms: u64,
) -> Option<String> {
    let name = format!(
        "{}:{}",
        String::from_utf8_lossy(host),
        String::from_utf8_lossy(port)
    );
    let cache = &mut s.rdb.migrate_cache.map;
    if let Some(cs) = cache.get_mut(&name) {
        cs.last_use_time = util::unixtime();
        return Some(name);
    }
    if cache.len() == CACHE_ITEMS {
        if let Some(k) = cache.keys().next().cloned() {
            cache.remove(&k);
        }
    }
    let timeout = Duration::from_millis(timeout_ms.max(1));
    let stream = format!(
        "{}:{}",
        String::from_utf8_lossy(host),
        String::from_utf8_lossy(port)
    )
    .to_socket_addrs()
    .ok()
    .and_then(|mut addrs| addrs.next())
    .and_then(|addr| TcpStream::connect_timeout(&addr, timeout).ok());
    let Some(stream) = stream else {
        c.add_reply_error("-IOERR error or timeout connecting to the client");
        return None;
    };
    let _ = stream.set_nodelay(true);
    cache.insert(
        name.clone(),
        CachedSocket {
            reader: BufReader::new(stream),
            last_dbid: -1,
            last_use_time: util::unixtime(),
        },
    );
    Some(name)
}

fn bulk(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(format!("${}\r\n", b.len()).as_bytes());
    out.extend_from_slice(b);
    out.extend_from_slice(b"\r\n");
}

fn array(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(format!("*{}\r\n", n).as_bytes());
}

/// Reads one reply line (Redis: connSyncReadLine), without the CRLF.
fn read_line(r: &mut BufReader<TcpStream>) -> std::io::Result<String> {
    let mut line = Vec::new();
    let n = r.read_until(b'\n', &mut line)?;
    if n == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

/// Redis: migrateCommand().
/// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
///         [AUTH password | AUTH2 username password] [KEYS key ...]
fn migrate_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let (mut copy, mut replace) = (false, false);
    let (mut username, mut password): (Option<&[u8]>, Option<&[u8]>) = (None, None);
    let (mut first_key, mut num_keys) = (3usize, 1usize);
    let mut j = 6;
    while j < argv.len() {
        let more = argv.len() - j - 1;
        match argv[j].to_ascii_lowercase().as_slice() {
            b"copy" => copy = true,
            b"replace" => replace = true,
            b"auth" => {
                if more == 0 {
                    return c.add_reply_syntax_err();
                }
                j += 1;
                password = Some(&argv[j]);
                c.redacted.push(j); // Redis: redactClientCommandArgument
            }
            b"auth2" => {
                if more < 2 {
                    return c.add_reply_syntax_err();
                }
                username = Some(&argv[j + 1]);
                password = Some(&argv[j + 2]);
                c.redacted.extend([j + 1, j + 2]);
                j += 2;
            }
            b"keys" => {
                if !argv[3].is_empty() {
                    return c.add_reply_error(
                        "When using MIGRATE KEYS option, the key argument must be set to the empty string",
                    );
                }
                first_key = j + 1;
                num_keys = argv.len() - j - 1;
                break;
            }
            _ => return c.add_reply_syntax_err(),
        }
        j += 1;
    }
    let (Some(timeout), Some(dbid)) = (util::string2ll(&argv[5]), util::string2ll(&argv[4])) else {
        return c.add_reply_error(shared::NOT_INTEGER);
    };
    let timeout = if timeout <= 0 { 1000 } else { timeout as u64 };

    let db = c.db;
    let mut keys: Vec<&[u8]> = Vec::new();
    for k in &argv[first_key..first_key + num_keys] {
        if s.lookup_key_read(db, k).is_some() {
            keys.push(k);
        }
    }
    if keys.is_empty() {
        return c.add_reply_raw(b"+NOKEY\r\n");
    }

    let mut may_retry = true;
    loop {
        let Some(name) = get_socket(s, c, &argv[1], &argv[2], timeout) else {
            return;
        };
        let last_dbid = s.rdb.migrate_cache.map[&name].last_dbid;
        // Build the whole command stream.
        let mut cmd = Vec::new();
        if let Some(pw) = password {
            array(&mut cmd, if username.is_some() { 3 } else { 2 });
            bulk(&mut cmd, b"AUTH");
            if let Some(u) = username {
                bulk(&mut cmd, u);
            }
            bulk(&mut cmd, pw);
        }
        let select = last_dbid != dbid;
        if select {
            array(&mut cmd, 2);
            bulk(&mut cmd, b"SELECT");
            bulk(&mut cmd, dbid.to_string().as_bytes());
        }
        let compress = s.config.rdbcompression;
        let mut sent: Vec<&[u8]> = Vec::new();
        for &k in &keys {
            let mut ttl = 0;
            if let Some(at) = s.dbs[db].get_expire(k) {
                ttl = at - util::mstime();
                if ttl < 0 {
                    continue;
                }
                ttl = ttl.max(1);
            }
            let Some(o) = s.dbs[db].dict.get(k) else {
                continue;
            };
            array(&mut cmd, if replace { 5 } else { 4 });
            bulk(&mut cmd, b"RESTORE");
            bulk(&mut cmd, k);
            bulk(&mut cmd, ttl.to_string().as_bytes());
            bulk(&mut cmd, &super::dump::create_dump_payload(&o.v, compress));
            if replace {
                bulk(&mut cmd, b"REPLACE");
            }
            sent.push(k);
        }

        let tmo = Some(Duration::from_millis(timeout));
        let cs = s.rdb.migrate_cache.map.get_mut(&name).expect("cached");
        let stream = cs.reader.get_mut();
        let _ = stream.set_write_timeout(tmo);
        let _ = stream.set_read_timeout(tmo);
        let mut write_error = stream.write_all(&cmd).is_err();
        let mut timed_out = false;
        let mut replies: Vec<String> = Vec::new();
        let mut socket_error = false;
        let (mut auth_reply, mut select_reply) = (None, None);
        if !write_error {
            let mut read = |cs: &mut CachedSocket| match read_line(&mut cs.reader) {
                Ok(l) => Some(l),
                Err(e) => {
                    timed_out |= matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    );
                    None
                }
            };
            if password.is_some() {
                auth_reply = read(cs);
                write_error |= auth_reply.is_none();
            }
            if select && !write_error {
                select_reply = read(cs);
                write_error |= select_reply.is_none();
            }
            if !write_error {
                for _ in 0..sent.len() {
                    match read(cs) {
                        Some(l) => replies.push(l),
                        None => {
                            socket_error = true;
                            break;
                        }
                    }
                }
            }
        }
        if write_error && replies.is_empty() && auth_reply.is_none() && select_reply.is_none() {
            // Redis: socket_err — close, maybe retry once.
            s.rdb.migrate_cache.map.remove(&name);
            if may_retry && !timed_out {
                may_retry = false;
                continue;
            }
            let what = if cmd.is_empty() || write_error && !timed_out {
                "writing"
            } else {
                "reading"
            };
            let _ = what;
            return c.add_reply_error(&format!(
                "-IOERR error or timeout {} to target instance",
                if timed_out { "reading" } else { "writing" }
            ));
        }
        if write_error {
            s.rdb.migrate_cache.map.remove(&name);
            return c.add_reply_error("-IOERR error or timeout reading to target instance");
        }

        let mut error_from_target = false;
        let mut deleted: Vec<Vec<u8>> = vec![b"DEL".to_vec()];
        for (i, line) in replies.iter().enumerate() {
            let err = [auth_reply.as_ref(), select_reply.as_ref(), Some(line)]
                .into_iter()
                .flatten()
                .find(|l| l.starts_with('-'));
            if let Some(e) = err {
                if !error_from_target {
                    if let Some(cs) = s.rdb.migrate_cache.map.get_mut(&name) {
                        cs.last_dbid = -1;
                    }
                    error_from_target = true;
                    c.add_reply_error(&format!("Target instance replied with error: {}", &e[1..]));
                }
            } else if !copy {
                let k = sent[i];
                s.db_delete(db, k);
                s.dirty += 1;
                deleted.push(k.to_vec());
            }
        }
        // Redis: MIGRATE replicates as a DEL of the keys the target acknowledged.
        if deleted.len() > 1 {
            crate::replication::rewrite_with(s, c, || deleted);
        }
        if socket_error {
            s.rdb.migrate_cache.map.remove(&name);
            if !error_from_target {
                if replies.is_empty() && may_retry && !timed_out {
                    may_retry = false;
                    continue;
                }
                return c.add_reply_error("-IOERR error or timeout reading to target instance");
            }
            return;
        }
        if !error_from_target {
            if let Some(cs) = s.rdb.migrate_cache.map.get_mut(&name) {
                cs.last_dbid = dbid;
            }
            c.add_reply_ok();
        }
        return;
    }
}

pub static HANDLERS: &[(&str, CommandProc)] = &[("migrate", migrate_command)];
