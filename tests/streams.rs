//! Streams over TCP. Every expected reply below was read from a real
//! redis-server 7.0.15 given the same commands (RESP2, then RESP3), and the
//! DUMP payload was written by it. Redis counterparts:
//! tests/unit/type/stream.tcl, stream-cgroups.tcl and t_stream.c.

mod common;

use std::io::Write;

use common::*;

#[test]
#[rustfmt::skip]
fn replies_match_redis() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    let resp2: &[Case] = &[
        (&[b"FLUSHALL"], b"+OK\r\n"),
        (&[b"XADD", b"s", b"1-1", b"a", b"1", b"b", b"2"], b"$3\r\n1-1\r\n"),
        (&[b"XADD", b"s", b"1-1", b"a", b"1"], b"-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n"),
        (&[b"XADD", b"s", b"1-*", b"a", b"2"], b"$3\r\n1-2\r\n"),
        (&[b"XADD", b"s", b"0-0", b"a", b"1"], b"-ERR The ID specified in XADD must be greater than 0-0\r\n"),
        (&[b"XADD", b"s", b"3-x", b"a", b"1"], b"-ERR Invalid stream ID specified as stream command argument\r\n"),
        (&[b"XADD", b"s", b"2", b"a", b"3", b"b", b"4"], b"$3\r\n2-0\r\n"),
        (&[b"XADD", b"s", b"MAXLEN", b"2", b"3-1", b"c", b"5"], b"$3\r\n3-1\r\n"),
        (&[b"XADD", b"s", b"MAXLEN", b"~", b"1", b"LIMIT", b"1", b"4-1", b"c", b"6"], b"$3\r\n4-1\r\n"),
        (&[b"XADD", b"s", b"LIMIT", b"10", b"5-1", b"c", b"1"], b"-ERR syntax error, LIMIT cannot be used without specifying a trimming strategy\r\n"),
        (&[b"XADD", b"s", b"MAXLEN", b"1", b"MINID", b"0", b"5-1", b"c", b"1"], b"-ERR syntax error, MAXLEN and MINID options at the same time are not compatible\r\n"),
        (&[b"XADD", b"s", b"MAXLEN", b"-1", b"5-1", b"c", b"1"], b"-ERR The MAXLEN argument must be >= 0.\r\n"),
        (&[b"XADD", b"s", b"5-1", b"c"], b"-ERR wrong number of arguments for 'xadd' command\r\n"),
        (&[b"XADD", b"s", b"NOMKSTREAM", b"5-1", b"c", b"7"], b"$3\r\n5-1\r\n"),
        (&[b"XADD", b"nokey", b"NOMKSTREAM", b"*", b"c", b"1"], b"$-1\r\n"),
        (&[b"XLEN", b"s"], b":4\r\n"),
        (&[b"XLEN", b"nokey"], b":0\r\n"),
        (&[b"XRANGE", b"s", b"-", b"+"], b"*4\r\n*2\r\n$3\r\n2-0\r\n*4\r\n$1\r\na\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n4\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\n5\r\n*2\r\n$3\r\n4-1\r\n*2\r\n$1\r\nc\r\n$1\r\n6\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\nc\r\n$1\r\n7\r\n"),
        (&[b"XRANGE", b"s", b"(2-0", b"+", b"COUNT", b"1"], b"*1\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\n5\r\n"),
        (&[b"XRANGE", b"s", b"-", b"(0-0"], b"-ERR invalid end ID for the interval\r\n"),
        (&[b"XRANGE", b"s", b"-", b"+", b"COUNT", b"0"], b"*-1\r\n"),
        (&[b"XRANGE", b"s", b"-", b"+", b"FOO"], b"-ERR syntax error\r\n"),
        (&[b"XREVRANGE", b"s", b"+", b"-", b"COUNT", b"2"], b"*2\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\nc\r\n$1\r\n7\r\n*2\r\n$3\r\n4-1\r\n*2\r\n$1\r\nc\r\n$1\r\n6\r\n"),
        (&[b"XREVRANGE", b"s", b"(5-1", b"-"], b"*3\r\n*2\r\n$3\r\n4-1\r\n*2\r\n$1\r\nc\r\n$1\r\n6\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\n5\r\n*2\r\n$3\r\n2-0\r\n*4\r\n$1\r\na\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n4\r\n"),
        (&[b"XRANGE", b"nokey", b"-", b"+"], b"*0\r\n"),
        (&[b"XRANGE", b"s", b"x", b"+"], b"-ERR Invalid stream ID specified as stream command argument\r\n"),
        (&[b"XDEL", b"s", b"4-1", b"99-0"], b":1\r\n"),
        (&[b"XDEL", b"s", b"x"], b"-ERR Invalid stream ID specified as stream command argument\r\n"),
        (&[b"XTRIM", b"s", b"MAXLEN", b"10"], b":0\r\n"),
        (&[b"XTRIM", b"s"], b"-ERR wrong number of arguments for 'xtrim' command\r\n"),
        (&[b"XTRIM", b"s", b"MAXLEN", b"1", b"LIMIT", b"1"], b"-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n"),
        (&[b"XTRIM", b"s", b"MINID", b"=", b"3-1"], b":1\r\n"),
        (&[b"XREAD", b"STREAMS", b"s", b"0"], b"*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\n5\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\nc\r\n$1\r\n7\r\n"),
        (&[b"XREAD", b"COUNT", b"1", b"STREAMS", b"s", b"nokey", b"0", b"0"], b"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\n5\r\n"),
        (&[b"XREAD", b"STREAMS", b"s", b"$"], b"*-1\r\n"),
        (&[b"XREAD", b"STREAMS", b"s"], b"-ERR wrong number of arguments for 'xread' command\r\n"),
        (&[b"XREAD", b"STREAMS", b"s", b">"], b"-ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.\r\n"),
        (&[b"XREAD", b"GROUP", b"g", b"c", b"STREAMS", b"s", b"0"], b"-ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.\r\n"),
        (&[b"TYPE", b"s"], b"+stream\r\n"),
        (&[b"OBJECT", b"ENCODING", b"s"], b"$6\r\nstream\r\n"),
        (&[b"XGROUP", b"CREATE", b"s", b"g", b"0"], b"+OK\r\n"),
        (&[b"XGROUP", b"CREATE", b"s", b"g", b"0"], b"-BUSYGROUP Consumer Group name already exists\r\n"),
        (&[b"XGROUP", b"CREATE", b"nokey", b"g", b"0"], b"-ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.\r\n"),
        (&[b"XGROUP", b"CREATE", b"nokey", b"g", b"$", b"MKSTREAM"], b"+OK\r\n"),
        (&[b"XGROUP", b"CREATE", b"s", b"g2", b"0", b"ENTRIESREAD", b"-5"], b"-ERR value for ENTRIESREAD must be positive or -1\r\n"),
        (&[b"XGROUP", b"SETID", b"s", b"nog", b"0"], b"-NOGROUP No such consumer group 'nog' for key name 's'\r\n"),
        (&[b"XREADGROUP", b"GROUP", b"g", b"alice", b"STREAMS", b"s", b">"], b"*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\n5\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\nc\r\n$1\r\n7\r\n"),
        (&[b"XREADGROUP", b"GROUP", b"g", b"alice", b"STREAMS", b"s", b"0"], b"*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\n5\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\nc\r\n$1\r\n7\r\n"),
        (&[b"XREADGROUP", b"GROUP", b"g", b"alice", b"STREAMS", b"s", b"$"], b"-ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.\r\n"),
        (&[b"XREADGROUP", b"GROUP", b"nog", b"alice", b"STREAMS", b"s", b">"], b"-NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option\r\n"),
        (&[b"XREADGROUP", b"STREAMS", b"s", b">"], b"-ERR wrong number of arguments for 'xreadgroup' command\r\n"),
        (&[b"XACK", b"s", b"g", b"3-1", b"9-9"], b":1\r\n"),
        (&[b"XACK", b"s", b"g", b"x"], b"-ERR Invalid stream ID specified as stream command argument\r\n"),
        (&[b"XPENDING", b"s", b"g"], b"*4\r\n:1\r\n$3\r\n5-1\r\n$3\r\n5-1\r\n*1\r\n*2\r\n$5\r\nalice\r\n$1\r\n1\r\n"),
        (&[b"XPENDING", b"s", b"g", b"-", b"+", b"10", b"nobody"], b"*0\r\n"),
        (&[b"XPENDING", b"s", b"nog"], b"-NOGROUP No such key 's' or consumer group 'nog'\r\n"),
        (&[b"XPENDING", b"s", b"g", b"-", b"+"], b"-ERR syntax error\r\n"),
        (&[b"XCLAIM", b"s", b"g", b"bob", b"0", b"5-1", b"JUSTID", b"RETRYCOUNT", b"7"], b"*1\r\n$3\r\n5-1\r\n"),
        (&[b"XCLAIM", b"s", b"g", b"bob", b"0", b"5-1", b"FOO"], b"-ERR Unrecognized XCLAIM option 'FOO'\r\n"),
        (&[b"XCLAIM", b"s", b"nog", b"bob", b"0", b"5-1"], b"-NOGROUP No such key 's' or consumer group 'nog'\r\n"),
        (&[b"XAUTOCLAIM", b"s", b"g", b"carol", b"0", b"0", b"COUNT", b"0"], b"-ERR COUNT must be > 0\r\n"),
        (&[b"XAUTOCLAIM", b"s", b"g", b"carol", b"0", b"0", b"JUSTID"], b"*3\r\n$3\r\n0-0\r\n*1\r\n$3\r\n5-1\r\n*0\r\n"),
        (&[b"XGROUP", b"CREATECONSUMER", b"s", b"g", b"dave"], b":1\r\n"),
        (&[b"XGROUP", b"CREATECONSUMER", b"s", b"g", b"dave"], b":0\r\n"),
        (&[b"XGROUP", b"DELCONSUMER", b"s", b"g", b"carol"], b":1\r\n"),
        (&[b"XGROUP", b"DESTROY", b"s", b"g"], b":1\r\n"),
        (&[b"XGROUP", b"DESTROY", b"s", b"g"], b":0\r\n"),
        (&[b"XGROUP", b"FOO"], b"-ERR unknown subcommand 'FOO'. Try XGROUP HELP.\r\n"),
        (&[b"XSETID", b"s", b"1-0"], b"-ERR The ID specified in XSETID is smaller than the target stream top item\r\n"),
        (&[b"XSETID", b"s", b"9-0", b"ENTRIESADDED", b"1"], b"-ERR The entries_added specified in XSETID is smaller than the target stream length\r\n"),
        (&[b"XSETID", b"s", b"9-0", b"ENTRIESADDED", b"50", b"MAXDELETEDID", b"8-0"], b"+OK\r\n"),
        (&[b"XSETID", b"nokey", b"1-0"], b"+OK\r\n"),
        (&[b"XINFO", b"STREAM", b"s"], b"*20\r\n$6\r\nlength\r\n:2\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$3\r\n9-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n8-0\r\n$13\r\nentries-added\r\n:50\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n3-1\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\n5\r\n$10\r\nlast-entry\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\nc\r\n$1\r\n7\r\n"),
        (&[b"XINFO", b"GROUPS", b"s"], b"*0\r\n"),
        (&[b"XINFO", b"STREAM", b"nokey"], b"*20\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n:0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\nlast-generated-id\r\n$3\r\n1-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:0\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n0-0\r\n$6\r\ngroups\r\n:1\r\n$11\r\nfirst-entry\r\n$-1\r\n$10\r\nlast-entry\r\n$-1\r\n"),
        (&[b"XINFO", b"STREAM", b"s", b"FOO"], b"-ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.\r\n"),
        (&[b"XINFO", b"FOO", b"s"], b"-ERR unknown subcommand 'FOO'. Try XINFO HELP.\r\n"),
        (&[b"SET", b"str", b"x"], b"+OK\r\n"),
        (&[b"XADD", b"str", b"*", b"a", b"1"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (&[b"XRANGE", b"str", b"-", b"+"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    ];
    run(&mut c, resp2);
    let hello = call(&mut c, &[b"HELLO", b"3"]);
    assert!(hello.starts_with(b"%7"));
    let resp3: &[Case] = &[
        (&[b"XREAD", b"STREAMS", b"s", b"0"], b"%1\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\n5\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\nc\r\n$1\r\n7\r\n"),
        (&[b"XINFO", b"STREAM", b"s"], b"%10\r\n$6\r\nlength\r\n:2\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$3\r\n9-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n8-0\r\n$13\r\nentries-added\r\n:50\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n3-1\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\n5\r\n$10\r\nlast-entry\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\nc\r\n$1\r\n7\r\n"),
        (&[b"XRANGE", b"s", b"-", b"+", b"COUNT", b"0"], b"_\r\n"),
    ];
    run(&mut c, resp3);
}

#[test]
#[rustfmt::skip]
fn edge_cases_and_errors_match_redis() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    let resp2: &[Case] = &[
        (&[b"FLUSHALL"], b"+OK\r\n"),
        (&[b"XADD", b"s", b"18446744073709551615-18446744073709551615", b"a", b"1"], b"$41\r\n18446744073709551615-18446744073709551615\r\n"),
        (&[b"XADD", b"s", b"*", b"a", b"1"], b"-ERR The stream has exhausted the last possible ID, unable to add more items\r\n"),
        (&[b"XADD", b"s", b"18446744073709551615-*", b"a", b"1"], b"-ERR The stream has exhausted the last possible ID, unable to add more items\r\n"),
        (&[b"DEL", b"s"], b":1\r\n"),
        (&[b"XADD", b"s", b"5-18446744073709551615", b"a", b"1"], b"$22\r\n5-18446744073709551615\r\n"),
        (&[b"XADD", b"s", b"5-*", b"a", b"1"], b"-ERR Elements are too large to be stored\r\n"),
        (&[b"XADD", b"s", b"6-*", b"a", b"1"], b"$3\r\n6-0\r\n"),
        (&[b"XADD", b"s"], b"-ERR wrong number of arguments for 'xadd' command\r\n"),
        (&[b"XADD", b"s", b"*"], b"-ERR wrong number of arguments for 'xadd' command\r\n"),
        (&[b"XADD", b"s", b"*", b"a"], b"-ERR wrong number of arguments for 'xadd' command\r\n"),
        (&[b"XADD", b"s", b"MAXLEN"], b"-ERR wrong number of arguments for 'xadd' command\r\n"),
        (&[b"XADD", b"s", b"MAXLEN", b"~"], b"-ERR wrong number of arguments for 'xadd' command\r\n"),
        (&[b"XADD", b"s", b"MAXLEN", b"~", b"x", b"*", b"a", b"1"], b"-ERR value is not an integer or out of range\r\n"),
        (&[b"XADD", b"s", b"MINID", b"~", b"x", b"*", b"a", b"1"], b"-ERR Invalid stream ID specified as stream command argument\r\n"),
        (&[b"XADD", b"s", b"LIMIT", b"-1", b"MAXLEN", b"~", b"1", b"*", b"a", b"1"], b"-ERR The LIMIT argument must be >= 0.\r\n"),
        (&[b"XADD", b"s", b"MAXLEN", b"~", b"1", b"LIMIT", b"x", b"*", b"a", b"1"], b"-ERR value is not an integer or out of range\r\n"),
        (&[b"XADD", b"s", b"NOMKSTREAM", b"MAXLEN", b"=", b"5", b"7-0", b"a", b"1"], b"$3\r\n7-0\r\n"),
        (&[b"XTRIM", b"s", b"MINID", b"~", b"0", b"LIMIT", b"0"], b":0\r\n"),
        (&[b"XTRIM", b"s", b"MAXLEN", b"=", b"x"], b"-ERR value is not an integer or out of range\r\n"),
        (&[b"XTRIM", b"s", b"FOO", b"1"], b"-ERR syntax error\r\n"),
        (&[b"XTRIM", b"nokey", b"MAXLEN", b"1"], b":0\r\n"),
        (&[b"XREAD", b"BLOCK", b"-1", b"STREAMS", b"s", b"0"], b"-ERR timeout is negative\r\n"),
        (&[b"XREAD", b"BLOCK", b"x", b"STREAMS", b"s", b"0"], b"-ERR timeout is not an integer or out of range\r\n"),
        (&[b"XREAD", b"COUNT", b"x", b"STREAMS", b"s", b"0"], b"-ERR value is not an integer or out of range\r\n"),
        (&[b"XREAD", b"COUNT", b"-5", b"STREAMS", b"s", b"0"], b"*1\r\n*2\r\n$1\r\ns\r\n*3\r\n*2\r\n$22\r\n5-18446744073709551615\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n6-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n7-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
        (&[b"XREAD", b"NOACK", b"STREAMS", b"s", b"0"], b"-ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.\r\n"),
        (&[b"XREAD", b"STREAMS", b"s", b"x"], b"-ERR Invalid stream ID specified as stream command argument\r\n"),
        (&[b"XREAD", b"STREAMS", b"s", b"+"], b"-ERR Invalid stream ID specified as stream command argument\r\n"),
        (&[b"XREAD", b"STREAMS", b"s", b"-"], b"-ERR Invalid stream ID specified as stream command argument\r\n"),
        (&[b"XGROUP", b"CREATE", b"s", b"g", b"-"], b"-ERR Invalid stream ID specified as stream command argument\r\n"),
        (&[b"XGROUP", b"CREATE", b"s", b"g", b"+"], b"-ERR Invalid stream ID specified as stream command argument\r\n"),
        (&[b"XGROUP", b"CREATE", b"s", b"g", b"0", b"ENTRIESREAD", b"x"], b"-ERR value is not an integer or out of range\r\n"),
        (&[b"XGROUP", b"CREATE", b"s", b"g", b"0", b"MKSTREAM", b"ENTRIESREAD", b"3"], b"+OK\r\n"),
        (&[b"XGROUP", b"SETID", b"s", b"g", b"-"], b"+OK\r\n"),
        (&[b"XGROUP", b"SETID", b"s", b"g", b"+", b"ENTRIESREAD", b"2"], b"+OK\r\n"),
        (&[b"XGROUP", b"SETID", b"s", b"g", b"$", b"MKSTREAM"], b"-ERR unknown subcommand or wrong number of arguments for 'SETID'. Try XGROUP HELP.\r\n"),
        (&[b"XGROUP", b"SETID", b"s", b"g", b"x"], b"-ERR Invalid stream ID specified as stream command argument\r\n"),
        (&[b"XINFO", b"GROUPS", b"s"], b"*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$41\r\n18446744073709551615-18446744073709551615\r\n$12\r\nentries-read\r\n:2\r\n$3\r\nlag\r\n:1\r\n"),
        (&[b"XGROUP", b"CREATE", b"s", b"g2", b"0"], b"+OK\r\n"),
        (&[b"XREADGROUP", b"GROUP", b"g2", b"c", b"NOACK", b"STREAMS", b"s", b">"], b"*1\r\n*2\r\n$1\r\ns\r\n*3\r\n*2\r\n$22\r\n5-18446744073709551615\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n6-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n7-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
        (&[b"XINFO", b"GROUPS", b"s"], b"*2\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$41\r\n18446744073709551615-18446744073709551615\r\n$12\r\nentries-read\r\n:2\r\n$3\r\nlag\r\n:1\r\n*12\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n7-0\r\n$12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n:0\r\n"),
        (&[b"XDEL", b"s", b"5-18446744073709551615"], b":1\r\n"),
        (&[b"XINFO", b"GROUPS", b"s"], b"*2\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$41\r\n18446744073709551615-18446744073709551615\r\n$12\r\nentries-read\r\n:2\r\n$3\r\nlag\r\n:1\r\n*12\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n7-0\r\n$12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n:0\r\n"),
        (&[b"XINFO", b"STREAM", b"s"], b"*20\r\n$6\r\nlength\r\n:2\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$3\r\n7-0\r\n$20\r\nmax-deleted-entry-id\r\n$22\r\n5-18446744073709551615\r\n$13\r\nentries-added\r\n:3\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n6-0\r\n$6\r\ngroups\r\n:2\r\n$11\r\nfirst-entry\r\n*2\r\n$3\r\n6-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n$10\r\nlast-entry\r\n*2\r\n$3\r\n7-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
        (&[b"XPENDING", b"s", b"g2", b"IDLE", b"x", b"-", b"+", b"10"], b"-ERR value is not an integer or out of range\r\n"),
        (&[b"XPENDING", b"s", b"g2", b"IDLE", b"10", b"-", b"+"], b"-ERR syntax error\r\n"),
        (&[b"XPENDING", b"s", b"g2", b"-", b"+", b"x"], b"-ERR value is not an integer or out of range\r\n"),
        (&[b"XPENDING", b"s", b"g2", b"x", b"+", b"10"], b"-ERR Invalid stream ID specified as stream command argument\r\n"),
        (&[b"XPENDING", b"s", b"g2", b"(-", b"+", b"10"], b"-ERR Invalid stream ID specified as stream command argument\r\n"),
        (&[b"XPENDING", b"s", b"g2", b"-", b"(+", b"10"], b"-ERR Invalid stream ID specified as stream command argument\r\n"),
        (&[b"XPENDING", b"s", b"g2", b"(18446744073709551615-18446744073709551615", b"+", b"10"], b"-ERR invalid start ID for the interval\r\n"),
        (&[b"XPENDING", b"s", b"g2", b"-", b"+", b"10", b"c", b"extra"], b"*0\r\n"),
        (&[b"XCLAIM", b"s", b"g2", b"c", b"x", b"1-1"], b"-ERR Invalid min-idle-time argument for XCLAIM\r\n"),
        (&[b"XCLAIM", b"s", b"g2", b"c", b"0", b"1-1", b"IDLE"], b"-ERR Unrecognized XCLAIM option 'IDLE'\r\n"),
        (&[b"XCLAIM", b"s", b"g2", b"c", b"0", b"1-1", b"TIME", b"x"], b"-ERR Invalid TIME option argument for XCLAIM\r\n"),
        (&[b"XCLAIM", b"s", b"g2", b"c", b"0", b"1-1", b"RETRYCOUNT", b"x"], b"-ERR Invalid RETRYCOUNT option argument for XCLAIM\r\n"),
        (&[b"XCLAIM", b"s", b"g2", b"c", b"0", b"1-1", b"LASTID", b"x"], b"-ERR Invalid stream ID specified as stream command argument\r\n"),
        (&[b"XCLAIM", b"s", b"g2", b"c", b"0", b"6-0", b"FORCE"], b"*1\r\n*2\r\n$3\r\n6-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
        (&[b"XPENDING", b"s", b"g2"], b"*4\r\n:1\r\n$3\r\n6-0\r\n$3\r\n6-0\r\n*1\r\n*2\r\n$1\r\nc\r\n$1\r\n1\r\n"),
        (&[b"XAUTOCLAIM", b"s", b"g2", b"c", b"x", b"0"], b"-ERR Invalid min-idle-time argument for XAUTOCLAIM\r\n"),
        (&[b"XAUTOCLAIM", b"s", b"g2", b"c", b"0", b"x"], b"-ERR Invalid stream ID specified as stream command argument\r\n"),
        (&[b"XAUTOCLAIM", b"s", b"g2", b"c", b"0", b"0", b"COUNT", b"0"], b"-ERR COUNT must be > 0\r\n"),
        (&[b"XAUTOCLAIM", b"s", b"g2", b"c", b"0", b"0", b"COUNT", b"-1"], b"-ERR COUNT must be > 0\r\n"),
        (&[b"XAUTOCLAIM", b"s", b"g2", b"c", b"0", b"0", b"COUNT", b"x"], b"-ERR COUNT must be > 0\r\n"),
        (&[b"XAUTOCLAIM", b"s", b"g2", b"c", b"0", b"0", b"FOO"], b"-ERR syntax error\r\n"),
        (&[b"XAUTOCLAIM", b"s", b"g2", b"c", b"0", b"(18446744073709551615-18446744073709551615"], b"-ERR invalid start ID for the interval\r\n"),
        (&[b"XAUTOCLAIM", b"nokey", b"g2", b"c", b"0", b"0"], b"-NOGROUP No such key 'nokey' or consumer group 'g2'\r\n"),
        (&[b"XSETID", b"s", b"x"], b"-ERR Invalid stream ID specified as stream command argument\r\n"),
        (&[b"XSETID", b"s", b"1-0", b"ENTRIESADDED", b"-1"], b"-ERR entries_added must be positive\r\n"),
        (&[b"XSETID", b"s", b"1-0", b"ENTRIESADDED", b"x"], b"-ERR value is not an integer or out of range\r\n"),
        (&[b"XSETID", b"s", b"1-0", b"MAXDELETEDID", b"x"], b"-ERR Invalid stream ID specified as stream command argument\r\n"),
        (&[b"XSETID", b"s", b"1-0", b"FOO", b"1"], b"-ERR syntax error\r\n"),
        (&[b"XSETID", b"s", b"1-0"], b"-ERR The ID specified in XSETID is smaller than the target stream top item\r\n"),
        (&[b"XINFO", b"STREAM", b"s", b"FULL", b"COUNT", b"x"], b"-ERR value is not an integer or out of range\r\n"),
        (&[b"XINFO", b"STREAM", b"s", b"FULL", b"FOO", b"1"], b"-ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.\r\n"),
        (&[b"XINFO", b"HELP", b"x"], b"-ERR wrong number of arguments for 'xinfo|help' command\r\n"),
        (&[b"XINFO", b"CONSUMERS", b"s"], b"-ERR wrong number of arguments for 'xinfo|consumers' command\r\n"),
        (&[b"XINFO", b"GROUPS", b"s", b"x"], b"-ERR wrong number of arguments for 'xinfo|groups' command\r\n"),
        (&[b"XGROUP", b"HELP", b"x"], b"-ERR wrong number of arguments for 'xgroup|help' command\r\n"),
        (&[b"XGROUP", b"DESTROY", b"s"], b"-ERR wrong number of arguments for 'xgroup|destroy' command\r\n"),
        (&[b"XGROUP", b"CREATECONSUMER", b"s", b"nog", b"c"], b"-NOGROUP No such consumer group 'nog' for key name 's'\r\n"),
        (&[b"XGROUP", b"DELCONSUMER", b"s", b"g2"], b"-ERR wrong number of arguments for 'xgroup|delconsumer' command\r\n"),
        (&[b"XGROUP", b"DELCONSUMER", b"s", b"g2", b"c", b"x"], b"-ERR wrong number of arguments for 'xgroup|delconsumer' command\r\n"),
        (&[b"XACK", b"s"], b"-ERR wrong number of arguments for 'xack' command\r\n"),
        (&[b"XACK", b"nokey", b"g", b"1-1"], b":0\r\n"),
        (&[b"XLEN", b"s", b"x"], b"-ERR wrong number of arguments for 'xlen' command\r\n"),
        (&[b"XRANGE", b"s"], b"-ERR wrong number of arguments for 'xrange' command\r\n"),
        (&[b"XRANGE", b"s", b"-", b"+", b"COUNT"], b"-ERR syntax error\r\n"),
        (&[b"XREVRANGE", b"s", b"(+", b"-"], b"-ERR Invalid stream ID specified as stream command argument\r\n"),
        (&[b"XDEL", b"nokey", b"1-1"], b":0\r\n"),
        (&[b"XDEL", b"s"], b"-ERR wrong number of arguments for 'xdel' command\r\n"),
    ];
    run(&mut c, resp2);
    call(&mut c, &[b"HELLO", b"3"]);
    let resp3: &[Case] = &[
        (&[b"XINFO", b"GROUPS", b"s"], b"*2\r\n%6\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$41\r\n18446744073709551615-18446744073709551615\r\n$12\r\nentries-read\r\n:2\r\n$3\r\nlag\r\n:1\r\n%6\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:1\r\n$17\r\nlast-delivered-id\r\n$3\r\n7-0\r\n$12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n:0\r\n"),
        (&[b"XPENDING", b"s", b"g2"], b"*4\r\n:1\r\n$3\r\n6-0\r\n$3\r\n6-0\r\n*1\r\n*2\r\n$1\r\nc\r\n$1\r\n1\r\n"),
        (&[b"XREADGROUP", b"GROUP", b"g2", b"c", b"STREAMS", b"s", b"0"], b"%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n6-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
        (&[b"XREAD", b"STREAMS", b"s", b"nokey", b"0", b"0"], b"%1\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n6-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n7-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
    ];
    run(&mut c, resp3);
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A stream with three nodes, a tombstone and a consumer group, DUMPed by
/// redis-server 7.0.15: oxidis restores it and DUMPs it back byte for byte.
const REDIS_DUMP: &str = "13031000000000000000010000000000000001c33a40410741000000180002014000078166020001020100200106827631030401032015400b0032200b8019000240240c827633038167028178020801ff1000000000000000040000000000000001c33b404111410000001800030100010101816602000102200a0600018276340304200b0001600b0035200b8019000240240c827636038167028178020801ff10000000000000000700000000000000011e1e0000000a000101000101018166020001020100010001827637030401ff0607010101020107010167030181ffffffffffffffff0200000000000000010000000000000001fadf253fa20100000100000000000000030000000000000001e803000000000000030305616c696365fadf253fa2010000010000000000000001000000000000000103626f62fadf253fa20100000100000000000000030000000000000001046361726cfadf253fa2010000000a0046ee3b75ed0c8eb3";

#[test]
fn dump_restore_is_byte_compatible() {
    // Deep sanitization: under the default shallow one, as in Redis, a
    // damaged payload may be taken on trust and its first read end the
    // server with an assertion (tests/dump_fuzz.rs covers that mode).
    let srv = start(&[
        "--enable-debug-command",
        "yes",
        "--sanitize-dump-payload",
        "yes",
    ]);
    let mut c = connect(&srv);
    let payload = unhex(REDIS_DUMP);
    assert_eq!(
        call(&mut c, &[b"RESTORE", b"s", b"0", &payload]),
        b"+OK\r\n"
    );
    let dump = call(&mut c, &[b"DUMP", b"s"]);
    let mut want = format!("${}\r\n", payload.len()).into_bytes();
    want.extend_from_slice(&payload);
    want.extend_from_slice(b"\r\n");
    assert_eq!(dump, want);
    assert_eq!(call(&mut c, &[b"XLEN", b"s"]), b":6\r\n");
    assert_eq!(
        call(&mut c, &[b"XPENDING", b"s", b"g"]),
        b"*4\r\n:2\r\n$3\r\n1-1\r\n$3\r\n3-1\r\n*2\r\n*2\r\n$5\r\nalice\r\n$1\r\n1\r\n*2\r\n$3\r\nbob\r\n$1\r\n1\r\n"
    );
    // Corrupt payloads are refused, never crash: every truncation, and
    // every byte of the body altered (with the checksum recomputed so the
    // value itself is what gets checked).
    for cut in 1..payload.len() {
        let r = call(
            &mut c,
            &[b"RESTORE", b"t", b"0", &payload[..cut], b"REPLACE"],
        );
        assert!(r.starts_with(b"-"), "cut {cut}");
    }
    let body = payload.len() - 8;
    for i in 0..body - 2 {
        for delta in [1u8, 0x80, 0xff] {
            let mut p = payload.clone();
            p[i] = p[i].wrapping_add(delta);
            let crc = oxidis_ds::crc64::crc64(0, &p[..body]);
            p[body..].copy_from_slice(&crc.to_le_bytes());
            let r = call(&mut c, &[b"RESTORE", b"t", b"0", &p, b"REPLACE"]);
            if r == b"+OK\r\n" {
                // Whatever was accepted must be usable.
                call(&mut c, &[b"XRANGE", b"t", b"-", b"+"]);
                call(&mut c, &[b"XREVRANGE", b"t", b"+", b"-"]);
                call(&mut c, &[b"XINFO", b"STREAM", b"t", b"FULL"]);
                call(&mut c, &[b"XADD", b"t", b"*", b"a", b"b"]);
                call(&mut c, &[b"XTRIM", b"t", b"MAXLEN", b"1"]);
            }
        }
    }
    assert_eq!(call(&mut c, &[b"PING"]), b"+PONG\r\n");
    assert_eq!(call(&mut c, &[b"DEBUG", b"RELOAD"]), b"+OK\r\n");
    assert_eq!(call(&mut c, &[b"DUMP", b"s"]), want);
}

#[test]
fn blocking_reads() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    let mut b = connect(&srv);
    // XREAD BLOCK is served by the next XADD.
    b.write_all(&cmd(&[b"XREAD", b"BLOCK", b"0", b"STREAMS", b"s", b"$"]))
        .unwrap();
    wait_blocked(&mut c, 1);
    assert_eq!(
        call(&mut c, &[b"XADD", b"s", b"1-1", b"f", b"v"]),
        b"$3\r\n1-1\r\n"
    );
    assert_eq!(
        read_reply(&mut b),
        b"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"
    );
    // XREADGROUP BLOCK: the key is deleted, the client gets an error.
    assert_eq!(
        call(&mut c, &[b"XGROUP", b"CREATE", b"s", b"g", b"$"]),
        b"+OK\r\n"
    );
    b.write_all(&cmd(&[
        b"XREADGROUP",
        b"GROUP",
        b"g",
        b"a",
        b"BLOCK",
        b"0",
        b"STREAMS",
        b"s",
        b">",
    ]))
    .unwrap();
    wait_blocked(&mut c, 1);
    assert_eq!(call(&mut c, &[b"DEL", b"s"]), b":1\r\n");
    assert_eq!(
        read_reply(&mut b),
        b"-UNBLOCKED the stream key no longer exists\r\n"
    );
    // Group destroyed: -NOGROUP.
    call(
        &mut c,
        &[b"XGROUP", b"CREATE", b"s", b"g", b"$", b"MKSTREAM"],
    );
    b.write_all(&cmd(&[
        b"XREADGROUP",
        b"GROUP",
        b"g",
        b"a",
        b"BLOCK",
        b"0",
        b"STREAMS",
        b"s",
        b">",
    ]))
    .unwrap();
    wait_blocked(&mut c, 1);
    assert_eq!(
        call(&mut c, &[b"XGROUP", b"DESTROY", b"s", b"g"]),
        b":1\r\n"
    );
    assert_eq!(
        read_reply(&mut b),
        b"-NOGROUP the consumer group this client was blocked on no longer exists\r\n"
    );
    // Timeout: a null array.
    assert_eq!(
        call(&mut b, &[b"XREAD", b"BLOCK", b"10", b"STREAMS", b"s", b"$"]),
        b"*-1\r\n"
    );
    // Inside MULTI it does not block.
    call(&mut c, &[b"MULTI"]);
    call(&mut c, &[b"XREAD", b"BLOCK", b"0", b"STREAMS", b"s", b"$"]);
    assert_eq!(call(&mut c, &[b"EXEC"]), b"*1\r\n*-1\r\n");
}

fn wait_blocked(c: &mut std::net::TcpStream, n: usize) {
    let want = format!("blocked_clients:{n}");
    for _ in 0..2000 {
        let info = call(c, &[b"INFO", b"clients"]);
        if String::from_utf8_lossy(&info).contains(&want) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    panic!("client never blocked");
}
