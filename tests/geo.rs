//! Geo commands over TCP. Every expected reply below was read from a real
//! redis-server 7.0.15 given the same commands. Redis counterparts:
//! tests/unit/geo.tcl and geo.c.

mod common;

use std::io::Write;

use common::*;

#[test]
#[rustfmt::skip]
fn replies_match_redis() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    let resp2: &[Case] = &[
        (&[b"GEOADD", b"Sicily", b"13.361389", b"38.115556", b"Palermo", b"15.087269", b"37.502669", b"Catania"], b":2\r\n"),
        (&[b"GEOADD", b"Sicily", b"CH", b"13.361389", b"38.115556", b"Palermo", b"1", b"1", b"new"], b":1\r\n"),
        (&[b"GEOADD", b"Sicily", b"XX", b"CH", b"1", b"2", b"new", b"3", b"4", b"absent"], b":1\r\n"),
        (&[b"GEOADD", b"Sicily", b"NX", b"1", b"3", b"new"], b":0\r\n"),
        (&[b"GEOADD", b"Sicily", b"NX", b"XX", b"1", b"1", b"x"], b"-ERR syntax error\r\n"),
        (&[b"GEOADD", b"Sicily", b"1", b"1"], b"-ERR wrong number of arguments for 'geoadd' command\r\n"),
        (&[b"GEOADD", b"Sicily", b"200", b"100", b"x"], b"-ERR invalid longitude,latitude pair 200.000000,100.000000\r\n"),
        (&[b"GEOADD", b"Sicily", b"abc", b"0", b"x"], b"-ERR value is not a valid float\r\n"),
        (&[b"ZREM", b"Sicily", b"new"], b":1\r\n"),
        (&[b"ZSCORE", b"Sicily", b"Palermo"], b"$16\r\n3479099956230698\r\n"),
        (&[b"OBJECT", b"ENCODING", b"Sicily"], b"$8\r\nlistpack\r\n"),
        (&[b"GEODIST", b"Sicily", b"Palermo", b"Catania"], b"$11\r\n166274.1516\r\n"),
        (&[b"GEODIST", b"Sicily", b"Palermo", b"Catania", b"km"], b"$8\r\n166.2742\r\n"),
        (&[b"GEODIST", b"Sicily", b"Palermo", b"Catania", b"mi"], b"$8\r\n103.3182\r\n"),
        (&[b"GEODIST", b"Sicily", b"Palermo", b"Catania", b"ft"], b"$11\r\n545518.8700\r\n"),
        (&[b"GEODIST", b"Sicily", b"Palermo", b"Catania", b"parsec"], b"-ERR unsupported unit provided. please use M, KM, FT, MI\r\n"),
        (&[b"GEODIST", b"Sicily", b"Palermo", b"Nope"], b"$-1\r\n"),
        (&[b"GEODIST", b"nokey", b"a", b"b"], b"$-1\r\n"),
        (&[b"GEOPOS", b"Sicily", b"Palermo", b"Nope"], b"*2\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*-1\r\n"),
        (&[b"GEOPOS", b"nokey", b"Palermo"], b"*1\r\n*-1\r\n"),
        (&[b"GEOHASH", b"Sicily", b"Palermo", b"Catania", b"Nope"], b"*3\r\n$11\r\nsqc8b49rny0\r\n$11\r\nsqdtr74hyu0\r\n$-1\r\n"),
        (&[b"GEORADIUS", b"Sicily", b"15", b"37", b"200", b"km", b"WITHDIST", b"WITHCOORD", b"WITHHASH"], b"*2\r\n*4\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n:3479099956230698\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*4\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n:3479447370796909\r\n*2\r\n$20\r\n15.08726745843887329\r\n$20\r\n37.50266842333162032\r\n"),
        (&[b"GEORADIUS", b"Sicily", b"15", b"37", b"200", b"km", b"DESC"], b"*2\r\n$7\r\nPalermo\r\n$7\r\nCatania\r\n"),
        (&[b"GEORADIUS", b"Sicily", b"15", b"37", b"200", b"km", b"COUNT", b"1"], b"*1\r\n$7\r\nCatania\r\n"),
        (&[b"GEORADIUS", b"Sicily", b"15", b"37", b"200", b"km", b"ANY"], b"-ERR the ANY argument requires COUNT argument\r\n"),
        (&[b"GEORADIUS", b"Sicily", b"15", b"37", b"200", b"km", b"COUNT", b"0"], b"-ERR COUNT must be > 0\r\n"),
        (&[b"GEORADIUS", b"Sicily", b"15", b"37", b"-1", b"km"], b"-ERR radius cannot be negative\r\n"),
        (&[b"GEORADIUS", b"Sicily", b"15", b"37", b"1", b"km"], b"*0\r\n"),
        (&[b"GEORADIUS", b"Sicily", b"15", b"37", b"200", b"km", b"STORE", b"dst", b"WITHDIST"], b"-ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options\r\n"),
        (&[b"GEORADIUS_RO", b"Sicily", b"15", b"37", b"200", b"km", b"STORE", b"dst"], b"-ERR syntax error\r\n"),
        (&[b"GEORADIUSBYMEMBER", b"Sicily", b"Palermo", b"200", b"km", b"WITHDIST", b"ASC"], b"*2\r\n*2\r\n$7\r\nPalermo\r\n$6\r\n0.0000\r\n*2\r\n$7\r\nCatania\r\n$8\r\n166.2742\r\n"),
        (&[b"GEORADIUSBYMEMBER", b"Sicily", b"Nope", b"200", b"km"], b"-ERR could not decode requested zset member\r\n"),
        (&[b"GEOSEARCH", b"Sicily", b"FROMLONLAT", b"15", b"37", b"BYBOX", b"400", b"400", b"km", b"ASC", b"WITHDIST"], b"*2\r\n*2\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n*2\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n"),
        (&[b"GEOSEARCH", b"Sicily", b"FROMMEMBER", b"Palermo", b"FROMLONLAT", b"15", b"37", b"BYRADIUS", b"1", b"km"], b"-ERR syntax error\r\n"),
        (&[b"GEOSEARCH", b"Sicily", b"BYRADIUS", b"1", b"km"], b"-ERR wrong number of arguments for 'geosearch' command\r\n"),
        (&[b"GEOSEARCH", b"Sicily", b"FROMMEMBER", b"Palermo"], b"-ERR wrong number of arguments for 'geosearch' command\r\n"),
        (&[b"GEOSEARCH", b"Sicily", b"FROMMEMBER", b"Palermo", b"BYBOX", b"1", b"-1", b"km"], b"-ERR height or width cannot be negative\r\n"),
        (&[b"GEOSEARCHSTORE", b"dst", b"Sicily", b"FROMMEMBER", b"Palermo", b"BYRADIUS", b"200", b"km", b"STOREDIST"], b":2\r\n"),
        (&[b"ZRANGE", b"dst", b"0", b"-1", b"WITHSCORES"], b"*4\r\n$7\r\nPalermo\r\n$1\r\n0\r\n$7\r\nCatania\r\n$18\r\n166.27415156960032\r\n"),
        (&[b"GEORADIUS", b"Sicily", b"15", b"37", b"200", b"km", b"STORE", b"dst"], b":2\r\n"),
        (&[b"ZRANGE", b"dst", b"0", b"-1", b"WITHSCORES"], b"*4\r\n$7\r\nPalermo\r\n$16\r\n3479099956230698\r\n$7\r\nCatania\r\n$16\r\n3479447370796909\r\n"),
        (&[b"GEOSEARCHSTORE", b"dst", b"Sicily", b"FROMMEMBER", b"Palermo", b"BYRADIUS", b"200", b"km", b"WITHCOORD"], b"-ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options\r\n"),
        (&[b"GEOSEARCHSTORE", b"dst", b"Sicily", b"FROMLONLAT", b"0", b"0", b"BYRADIUS", b"1", b"km"], b":0\r\n"),
        (&[b"EXISTS", b"dst"], b":0\r\n"),
        (&[b"SET", b"str", b"x"], b"+OK\r\n"),
        (&[b"GEOPOS", b"str", b"a"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (&[b"GEOSEARCH", b"str", b"FROMLONLAT", b"0", b"0", b"BYRADIUS", b"1", b"km"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    ];
    run(&mut c, resp2);
    // RESP3: coordinates become doubles, missing members nulls; distances
    // stay bulk strings.
    assert!(call(&mut c, &[b"HELLO", b"3"]).starts_with(b"%7\r\n"));
    let resp3: &[Case] = &[
        (&[b"GEOPOS", b"Sicily", b"Palermo", b"Nope"], b"*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n"),
        (&[b"GEOHASH", b"Sicily", b"Nope"], b"*1\r\n_\r\n"),
        (&[b"GEORADIUS", b"Sicily", b"15", b"37", b"200", b"km", b"WITHDIST", b"WITHCOORD"], b"*2\r\n*3\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n*3\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n*2\r\n,15.08726745843887329\r\n,37.50266842333162032\r\n"),
        (&[b"GEODIST", b"Sicily", b"Palermo", b"Catania"], b"$11\r\n166274.1516\r\n"),
    ];
    run(&mut c, resp3);
}

/// Points at equal distances: COUNT sorts with Redis's partial quicksort,
/// which is not stable, and the order must still be Redis's.
#[test]
#[rustfmt::skip]
fn count_ties_sort_as_redis() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    let pts: [(&[u8], &[u8]); 4] = [(b"10.0", b"10.0"), (b"10.01", b"10.0"), (b"10.0", b"10.02"), (b"9.99", b"9.99")];
    let names: Vec<Vec<u8>> = (0..48).map(|i| format!("p{i}").into_bytes()).collect();
    let mut args: Vec<&[u8]> = vec![b"GEOADD", b"ties"];
    for (i, n) in names.iter().enumerate() {
        args.extend([pts[i % 4].0, pts[i % 4].1, n.as_slice()]);
    }
    assert_eq!(call(&mut c, &args), b":48\r\n");
    run(&mut c, &[
        (&[b"GEORADIUS", b"ties", b"10", b"10", b"100", b"km", b"COUNT", b"10", b"ASC"], b"*10\r\n$2\r\np8\r\n$2\r\np0\r\n$3\r\np12\r\n$3\r\np16\r\n$3\r\np20\r\n$3\r\np24\r\n$3\r\np28\r\n$3\r\np32\r\n$3\r\np36\r\n$2\r\np4\r\n"),
        (&[b"GEORADIUS", b"ties", b"10", b"10", b"100", b"km", b"COUNT", b"15", b"DESC"], b"*15\r\n$3\r\np10\r\n$3\r\np46\r\n$3\r\np42\r\n$3\r\np38\r\n$3\r\np34\r\n$3\r\np30\r\n$3\r\np26\r\n$3\r\np22\r\n$2\r\np2\r\n$3\r\np18\r\n$3\r\np14\r\n$2\r\np6\r\n$3\r\np11\r\n$3\r\np15\r\n$3\r\np19\r\n"),
    ]);
}

#[test]
fn store_notifies_and_counts_as_redis() {
    let srv = start(&[]);
    let mut sub = connect(&srv);
    let mut c = connect(&srv);
    call(
        &mut c,
        &[b"CONFIG", b"SET", b"notify-keyspace-events", b"KEA"],
    );
    sub.write_all(&cmd(&[b"PSUBSCRIBE", b"__keyevent@0__:*"]))
        .unwrap();
    read_reply(&mut sub);
    let dirty = |c: &mut std::net::TcpStream| -> i64 {
        let info = call(c, &[b"INFO", b"persistence"]);
        let info = String::from_utf8_lossy(&info).into_owned();
        let line = info
            .lines()
            .find(|l| l.starts_with("rdb_changes_since_last_save:"))
            .unwrap()
            .to_string();
        line.split(':').nth(1).unwrap().trim().parse().unwrap()
    };
    let d0 = dirty(&mut c);
    call(
        &mut c,
        &[
            b"GEOADD",
            b"g",
            b"13.361389",
            b"38.115556",
            b"Palermo",
            b"15.087269",
            b"37.502669",
            b"Catania",
        ],
    );
    call(
        &mut c,
        &[b"GEOADD", b"g", b"13.361389", b"38.115556", b"Palermo"],
    );
    assert_eq!(dirty(&mut c) - d0, 2);
    call(
        &mut c,
        &[
            b"GEORADIUS",
            b"g",
            b"15",
            b"37",
            b"200",
            b"km",
            b"STORE",
            b"d1",
        ],
    );
    assert_eq!(dirty(&mut c) - d0, 4);
    call(
        &mut c,
        &[
            b"GEOSEARCHSTORE",
            b"d1",
            b"g",
            b"FROMLONLAT",
            b"15",
            b"37",
            b"BYRADIUS",
            b"1",
            b"km",
        ],
    );
    assert_eq!(dirty(&mut c) - d0, 5);
    // GEOADD through MULTI (it used to be unknown there).
    assert_eq!(call(&mut c, &[b"MULTI"]), b"+OK\r\n");
    assert_eq!(
        call(&mut c, &[b"GEOADD", b"g2", b"0", b"0", b"bar"]),
        b"+QUEUED\r\n"
    );
    assert_eq!(call(&mut c, &[b"EXEC"]), b"*1\r\n:1\r\n");
    call(&mut c, &[b"SET", b"end", b"1"]);
    let mut events = Vec::new();
    loop {
        let m = read_reply(&mut sub);
        let text = String::from_utf8_lossy(&m).into_owned();
        let parts: Vec<&str> = text.split("\r\n").collect();
        events.push(format!("{} {}", parts[6], parts[8]));
        if parts[8] == "end" {
            break;
        }
    }
    assert_eq!(
        events,
        [
            "__keyevent@0__:zadd g",
            "__keyevent@0__:georadiusstore d1",
            "__keyevent@0__:del d1",
            "__keyevent@0__:zadd g2",
            "__keyevent@0__:set end",
        ]
    );
}
