//! Replication over TCP: the stream a SYNC client receives (what Redis's
//! `attach_to_replication_stream` reads), oxidis replicating from oxidis, and,
//! when Debian's redis-server 7.0.15 is installed, real Redis replicating from
//! oxidis and oxidis replicating from real Redis.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{call, connect, read_reply, start};

const REDIS: &str = "/usr/bin/redis-server";

/// Sends SYNC and consumes the `$<len>` RDB payload that precedes the stream.
fn attach(port: u16) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"SYNC\r\n").unwrap();
    let line = read_line(&mut s);
    assert_eq!(line[0], b'$', "{}", String::from_utf8_lossy(&line));
    let n: usize = std::str::from_utf8(&line[1..]).unwrap().parse().unwrap();
    let mut payload = vec![0u8; n];
    s.read_exact(&mut payload).unwrap();
    assert_eq!(&payload[..9], b"REDIS0010");
    s
}

/// Reads one command of the stream as its arguments.
fn next_cmd(s: &mut TcpStream) -> Vec<String> {
    let raw = read_reply(s);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let mut parts = text.split("\r\n");
    let n: usize = parts.next().unwrap()[1..].parse().unwrap();
    let mut out = Vec::new();
    for _ in 0..n {
        parts.next(); // $len
        out.push(parts.next().unwrap().to_string());
    }
    out
}

fn wait_for(mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn sync_stream_carries_rewritten_commands_and_transactions() {
    let srv = start(&["--repl-ping-replica-period", "3600"]);
    let mut c = connect(&srv);
    let mut repl = attach(srv.port);
    call(&mut c, &[b"SET", b"k", b"v", b"EX", b"100"]);
    call(&mut c, &[b"MULTI"]);
    call(&mut c, &[b"INCR", b"n"]);
    call(&mut c, &[b"GET", b"n"]);
    call(&mut c, &[b"INCR", b"n"]);
    call(&mut c, &[b"EXEC"]);
    call(&mut c, &[b"DEL", b"missing"]); // no change: not propagated
    call(&mut c, &[b"SELECT", b"2"]);
    call(&mut c, &[b"RPUSH", b"l", b"a", b"b"]);
    call(&mut c, &[b"BLPOP", b"l", b"0"]);
    call(&mut c, &[b"EXPIRE", b"l", b"100"]);

    assert_eq!(next_cmd(&mut repl), ["SELECT", "0"]);
    let set = next_cmd(&mut repl);
    assert_eq!(&set[..4], ["SET", "k", "v", "PXAT"]);
    assert!(set[4].parse::<i64>().unwrap() > 1_000_000_000_000);
    assert_eq!(next_cmd(&mut repl), ["MULTI"]);
    assert_eq!(next_cmd(&mut repl), ["INCR", "n"]);
    assert_eq!(next_cmd(&mut repl), ["INCR", "n"]);
    assert_eq!(next_cmd(&mut repl), ["EXEC"]);
    assert_eq!(next_cmd(&mut repl), ["SELECT", "2"]);
    assert_eq!(next_cmd(&mut repl), ["RPUSH", "l", "a", "b"]);
    assert_eq!(next_cmd(&mut repl), ["LPOP", "l"]);
    let exp = next_cmd(&mut repl);
    assert_eq!(&exp[..2], ["PEXPIREAT", "l"]);

    // INFO and ROLE see the replica and the offset.
    let info = String::from_utf8(call(&mut c, &[b"INFO", b"replication"])).unwrap();
    assert!(info.contains("connected_slaves:1"), "{info}");
    assert!(info.contains("repl_backlog_active:1"), "{info}");
}

#[test]
fn oxidis_replicates_from_oxidis() {
    let master = start(&[]);
    let mut mc = connect(&master);
    call(&mut mc, &[b"SET", b"before", b"1"]);
    call(&mut mc, &[b"ZADD", b"z", b"1", b"a", b"2", b"b"]);
    let replica = start(&[]);
    let mut rc = connect(&replica);
    let port = master.port.to_string();
    assert_eq!(
        call(&mut rc, &[b"REPLICAOF", b"127.0.0.1", port.as_bytes()]),
        b"+OK\r\n"
    );
    assert!(wait_for(|| {
        String::from_utf8(call(&mut rc, &[b"INFO", b"replication"]))
            .unwrap()
            .contains("master_link_status:up")
    }));
    call(&mut mc, &[b"SET", b"after", b"2"]);
    call(&mut mc, &[b"HSET", b"h", b"f", b"v"]);
    assert!(wait_for(
        || call(&mut rc, &[b"HGET", b"h", b"f"]) == b"$1\r\nv\r\n"
    ));
    assert_eq!(call(&mut rc, &[b"GET", b"before"]), b"$1\r\n1\r\n");
    assert_eq!(call(&mut rc, &[b"GET", b"after"]), b"$1\r\n2\r\n");
    assert_eq!(call(&mut rc, &[b"ZSCORE", b"z", b"b"]), b"$1\r\n2\r\n");
    // WAIT returns once the replica acknowledged the write (REPLCONF GETACK),
    // and with the count it has when the timeout passes first.
    assert_eq!(call(&mut mc, &[b"WAIT", b"1", b"5000"]), b":1\r\n");
    assert_eq!(call(&mut mc, &[b"WAIT", b"2", b"100"]), b":1\r\n");
    // A read-only replica refuses writes; REPLICAOF NO ONE makes it a master.
    assert_eq!(
        call(&mut rc, &[b"SET", b"x", b"1"]),
        b"-READONLY You can't write against a read only replica.\r\n".to_vec()
    );
    assert_eq!(call(&mut rc, &[b"REPLICAOF", b"NO", b"ONE"]), b"+OK\r\n");
    assert_eq!(call(&mut rc, &[b"SET", b"x", b"1"]), b"+OK\r\n");
    // Both offsets agree once the replica acknowledged.
    let role = call(&mut mc, &[b"ROLE"]);
    assert!(role.starts_with(b"*3\r\n$6\r\nmaster\r\n"));
}

#[test]
fn replica_of_unreachable_master_is_stale() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    call(&mut c, &[b"SET", b"k", b"v"]);
    assert_eq!(
        call(
            &mut c,
            &[b"CONFIG", b"SET", b"replica-serve-stale-data", b"no"]
        ),
        b"+OK\r\n"
    );
    // Port 1 on loopback refuses connections.
    assert_eq!(
        call(&mut c, &[b"REPLICAOF", b"127.0.0.1", b"1"]),
        b"+OK\r\n"
    );
    assert_eq!(
        call(&mut c, &[b"GET", b"k"]),
        b"-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n"
            .to_vec()
    );
    let info = String::from_utf8(call(&mut c, &[b"INFO", b"replication"])).unwrap();
    assert!(info.contains("role:slave") && info.contains("master_link_status:down"));
    assert_eq!(call(&mut c, &[b"REPLICAOF", b"NO", b"ONE"]), b"+OK\r\n");
    assert_eq!(call(&mut c, &[b"GET", b"k"]), b"$1\r\nv\r\n");
}

/// A real redis-server, when Debian's is installed.
fn start_redis(extra: &[&str]) -> Option<common::Server> {
    if !std::path::Path::new(REDIS).exists() {
        return None;
    }
    common::start_exe(REDIS, extra)
}

fn redis_conn(port: u16) -> TcpStream {
    let c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c
}

#[test]
fn real_redis_replicates_from_oxidis() {
    let master = start(&[]);
    let mut mc = connect(&master);
    call(&mut mc, &[b"RPUSH", b"l", b"a", b"b", b"c"]);
    call(&mut mc, &[b"SET", b"n", b"10"]);
    let port = master.port.to_string();
    let Some(redis) = start_redis(&["--replicaof", "127.0.0.1", &port]) else {
        return;
    };
    let mut rc = redis_conn(redis.port);
    assert!(wait_for(|| {
        String::from_utf8(call(&mut rc, &[b"INFO", b"replication"]))
            .unwrap()
            .contains("master_link_status:up")
    }));
    call(&mut mc, &[b"INCRBYFLOAT", b"n", b"0.5"]);
    call(&mut mc, &[b"SADD", b"s", b"x"]);
    call(&mut mc, &[b"SPOP", b"s"]);
    call(&mut mc, &[b"SET", b"done", b"1"]);
    assert!(wait_for(
        || call(&mut rc, &[b"GET", b"done"]) == b"$1\r\n1\r\n"
    ));
    assert_eq!(call(&mut rc, &[b"GET", b"n"]), b"$4\r\n10.5\r\n");
    assert_eq!(call(&mut rc, &[b"EXISTS", b"s"]), b":0\r\n");
    assert_eq!(call(&mut rc, &[b"LLEN", b"l"]), b":3\r\n");
    // The master sees its replica online.
    let info = String::from_utf8(call(&mut mc, &[b"INFO", b"replication"])).unwrap();
    assert!(
        info.contains("connected_slaves:1") && info.contains("state=online"),
        "{info}"
    );
}

#[test]
fn oxidis_replicates_from_real_redis() {
    let Some(redis) = start_redis(&[]) else {
        return;
    };
    let mut mc = redis_conn(redis.port);
    call(&mut mc, &[b"SET", b"k", b"v"]);
    call(&mut mc, &[b"HSET", b"h", b"a", b"1", b"b", b"2"]);
    let port = redis.port.to_string();
    let replica = start(&["--replicaof", &format!("127.0.0.1 {port}")]);
    let mut rc = connect(&replica);
    assert!(wait_for(|| {
        String::from_utf8(call(&mut rc, &[b"INFO", b"replication"]))
            .unwrap()
            .contains("master_link_status:up")
    }));
    call(&mut mc, &[b"SELECT", b"3"]);
    call(&mut mc, &[b"SET", b"other", b"db"]);
    call(&mut mc, &[b"SELECT", b"0"]);
    call(&mut mc, &[b"DEL", b"k"]);
    call(&mut mc, &[b"SET", b"done", b"1"]);
    assert!(wait_for(
        || call(&mut rc, &[b"GET", b"done"]) == b"$1\r\n1\r\n"
    ));
    assert_eq!(call(&mut rc, &[b"EXISTS", b"k"]), b":0\r\n");
    assert_eq!(call(&mut rc, &[b"HGET", b"h", b"b"]), b"$1\r\n2\r\n");
    call(&mut rc, &[b"SELECT", b"3"]);
    assert_eq!(call(&mut rc, &[b"GET", b"other"]), b"$2\r\ndb\r\n");
}

#[test]
fn diskless_sync_streams_the_image_with_an_eof_mark() {
    let master = start(&[
        "--repl-diskless-sync",
        "yes",
        "--repl-diskless-sync-delay",
        "0",
    ]);
    let mut mc = connect(&master);
    call(&mut mc, &[b"SET", b"k", b"v"]);
    let replica = start(&[]);
    let mut rc = connect(&replica);
    let port = master.port.to_string();
    call(&mut rc, &[b"REPLICAOF", b"127.0.0.1", port.as_bytes()]);
    assert!(wait_for(|| {
        String::from_utf8(call(&mut rc, &[b"INFO", b"replication"]))
            .unwrap()
            .contains("master_link_status:up")
    }));
    call(&mut mc, &[b"SET", b"after", b"1"]);
    assert!(wait_for(
        || call(&mut rc, &[b"GET", b"after"]) == b"$1\r\n1\r\n"
    ));
    assert_eq!(call(&mut rc, &[b"GET", b"k"]), b"$1\r\nv\r\n");
    // A save made for sockets leaves no file behind and does not count as a save.
    assert!(!master.dir.join("dump.rdb").exists());
}

#[test]
fn failover_swaps_the_roles_without_a_full_sync() {
    let master = start(&[]);
    let replica = start(&[]);
    let mut mc = connect(&master);
    let mut rc = connect(&replica);
    // Without replicas there is nothing to fail over to.
    assert_eq!(
        call(&mut mc, &[b"FAILOVER"]),
        b"-ERR FAILOVER requires connected replicas.\r\n".to_vec()
    );
    let mport = master.port.to_string();
    let rport = replica.port.to_string();
    call(&mut rc, &[b"REPLICAOF", b"127.0.0.1", mport.as_bytes()]);
    let info = |c: &mut TcpStream| String::from_utf8(call(c, &[b"INFO", b"replication"])).unwrap();
    assert!(wait_for(|| info(&mut rc).contains("master_link_status:up")));
    call(&mut mc, &[b"SET", b"k", b"v"]);
    assert_eq!(
        call(
            &mut mc,
            &[b"FAILOVER", b"TO", b"127.0.0.1", rport.as_bytes(), b"FORCE"]
        ),
        b"-ERR FAILOVER with force option requires both a timeout and target HOST and IP.\r\n"
            .to_vec()
    );
    assert_eq!(
        call(
            &mut mc,
            &[b"FAILOVER", b"TO", b"127.0.0.1", rport.as_bytes()]
        ),
        b"+OK\r\n"
    );
    assert!(wait_for(|| {
        let i = info(&mut mc);
        i.contains("role:slave") && i.contains("master_failover_state:no-failover")
    }));
    assert!(wait_for(|| info(&mut mc).contains("master_link_status:up")));
    assert!(info(&mut rc).contains("role:master"));
    let stats = String::from_utf8(call(&mut rc, &[b"INFO", b"stats"])).unwrap();
    assert!(
        stats.contains("sync_partial_ok:1") && stats.contains("sync_full:0"),
        "{stats}"
    );
    assert_eq!(call(&mut rc, &[b"GET", b"k"]), b"$1\r\nv\r\n");
    // The old master follows the new one.
    call(&mut rc, &[b"SET", b"k", b"w"]);
    assert!(wait_for(|| call(&mut mc, &[b"GET", b"k"]) == b"$1\r\nw\r\n"));
}

/// Reads a line ending in \r\n (keepalive newlines before it skipped).
fn read_line(s: &mut TcpStream) -> Vec<u8> {
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    loop {
        s.read_exact(&mut b).unwrap();
        if b[0] == b'\n' {
            if line.is_empty() {
                continue;
            }
            line.pop(); // \r
            return line;
        }
        line.push(b[0]);
    }
}

#[test]
fn rdb_filter_only_functions_sends_the_libraries_without_the_data() {
    // Redis: REPLCONF rdb-filter-only, what redis-cli --functions-rdb asks for.
    let master = start(&[]);
    let mut mc = connect(&master);
    call(&mut mc, &[b"SET", b"a-key-of-the-dataset", b"v"]);
    let code = b"#!lua name=filtlib\nredis.register_function('ff', function() return 1 end)";
    assert_eq!(
        call(&mut mc, &[b"FUNCTION", b"LOAD", code]),
        b"$7\r\nfiltlib\r\n"
    );
    assert_eq!(
        call(&mut mc, &[b"REPLCONF", b"rdb-filter-only", b"keys"]),
        b"-ERR Unsupported rdb-filter-only option: keys\r\n"
    );
    // Without the EOF capability a filtered RDB cannot be sent.
    let mut plain = connect(&master);
    call(&mut plain, &[b"REPLCONF", b"rdb-filter-only", b"functions"]);
    assert_eq!(
        call(&mut plain, &[b"PSYNC", b"?", b"-1"]),
        b"-ERR Filtered replica requires EOF capability\r\n"
    );

    let mut s = connect(&master);
    assert_eq!(call(&mut s, &[b"REPLCONF", b"capa", b"eof"]), b"+OK\r\n");
    assert_eq!(call(&mut s, &[b"REPLCONF", b"rdb-only", b"1"]), b"+OK\r\n");
    assert_eq!(
        call(&mut s, &[b"REPLCONF", b"rdb-filter-only", b"functions"]),
        b"+OK\r\n"
    );
    s.write_all(b"PSYNC ? -1\r\n").unwrap();
    assert!(read_line(&mut s).starts_with(b"+FULLRESYNC "));
    let head = read_line(&mut s);
    assert!(
        head.starts_with(b"$EOF:"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    let mark = head[5..].to_vec();
    let mut rdb = Vec::new();
    let mut b = [0u8; 4096];
    while !rdb.ends_with(&mark) {
        let n = s.read(&mut b).unwrap();
        assert!(n > 0, "connection closed before the end mark");
        rdb.extend_from_slice(&b[..n]);
    }
    let has = |what: &[u8]| rdb.windows(what.len()).any(|w| w == what);
    assert!(rdb.starts_with(b"REDIS0010"));
    assert!(has(b"filtlib"), "the library is in the RDB");
    assert!(!has(b"a-key-of-the-dataset"), "no key is in the RDB");
    // rdb-only: no stream follows, and the master closes the link.
    call(&mut mc, &[b"SET", b"after", b"1"]);
    let mut rest = Vec::new();
    s.read_to_end(&mut rest)
        .expect("the master closes the link");
    assert!(rest.iter().all(|&b| b == b'\n'), "{:?}", rest);
    assert_eq!(
        call(&mut mc, &[b"REPLCONF", b"rdb-only", b"2"]),
        b"-ERR value is out of range, value must between 0 and 1\r\n"
    );
}
