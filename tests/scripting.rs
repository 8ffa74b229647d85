//! Lua scripting over TCP: EVAL and the reply conversions, EVALSHA and
//! NOSCRIPT, an error raised by redis.call, RESP3 from a script, and a slow
//! script answered with -BUSY until SCRIPT KILL. Every expected reply was
//! checked byte for byte against a real redis-server 7.0.15. Redis
//! counterparts: tests/unit/scripting.tcl, eval.c, script.c, script_lua.c.

mod common;

use std::io::Write;

use common::*;

#[test]
fn eval_basics_and_conversions() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    assert_eq!(
        call(
            &mut c,
            &[
                b"EVAL",
                b"return {1, 'a', {ok='FINE'}, {err='E1 bad'}, 3.7, true, false, nil, 'not reached'}",
                b"0"
            ]
        ),
        b"*7\r\n:1\r\n$1\r\na\r\n+FINE\r\n-E1 bad\r\n:3\r\n:1\r\n$-1\r\n"
    );
    assert_eq!(
        call(
            &mut c,
            &[
                b"EVAL",
                b"return redis.call('set', KEYS[1], ARGV[1])",
                b"1",
                b"k",
                b"v"
            ]
        ),
        b"+OK\r\n"
    );
    assert_eq!(
        call(
            &mut c,
            &[
                b"EVAL",
                b"return {redis.call('get', KEYS[1]), KEYS[1], ARGV[1]}",
                b"1",
                b"k",
                b"x"
            ]
        ),
        b"*3\r\n$1\r\nv\r\n$1\r\nk\r\n$1\r\nx\r\n"
    );
    assert_eq!(
        call(&mut c, &[b"EVAL", b"return 1", b"2", b"a"]),
        b"-ERR Number of keys can't be greater than number of args\r\n"
    );
    // RESP3: the script asks for RESP3 replies and returns a double.
    let hello = call(&mut c, &[b"HELLO", b"3"]);
    assert!(hello.starts_with(b"%7\r\n"));
    assert_eq!(
        call(
            &mut c,
            &[
                b"EVAL",
                b"redis.setresp(3); return redis.call('hgetall', 'nokey')",
                b"0"
            ]
        ),
        b"%0\r\n"
    );
    assert_eq!(
        call(&mut c, &[b"EVAL", b"return {double=1.5}", b"0"]),
        b",1.5\r\n"
    );
}

#[test]
fn evalsha_and_noscript() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    assert_eq!(
        call(&mut c, &[b"SCRIPT", b"LOAD", b"return 'loaded'"]),
        b"$40\r\nb534286061d4b9e4026607613b95c06c06015ae8\r\n"
    );
    assert_eq!(
        call(
            &mut c,
            &[
                b"EVALSHA",
                b"b534286061d4b9e4026607613b95c06c06015ae8",
                b"0"
            ]
        ),
        b"$6\r\nloaded\r\n"
    );
    assert_eq!(
        call(
            &mut c,
            &[
                b"EVALSHA",
                b"ffffffffffffffffffffffffffffffffffffffff",
                b"0"
            ]
        ),
        b"-NOSCRIPT No matching script. Please use EVAL.\r\n"
    );
    assert_eq!(
        call(
            &mut c,
            &[
                b"SCRIPT",
                b"EXISTS",
                b"ffffffffffffffffffffffffffffffffffffffff"
            ]
        ),
        b"*1\r\n:0\r\n"
    );
    assert_eq!(call(&mut c, &[b"SCRIPT", b"FLUSH"]), b"+OK\r\n");
    assert_eq!(
        call(
            &mut c,
            &[
                b"EVALSHA",
                b"b534286061d4b9e4026607613b95c06c06015ae8",
                b"0"
            ]
        ),
        b"-NOSCRIPT No matching script. Please use EVAL.\r\n"
    );
}

#[test]
fn redis_call_error_is_raised() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    assert_eq!(call(&mut c, &[b"SET", b"k", b"v"]), b"+OK\r\n");
    assert_eq!(
        call(&mut c, &[b"EVAL", b"return redis.call('incr', KEYS[1])", b"1", b"k"]),
        b"-ERR value is not an integer or out of range script: 2bab3b661081db58bd2341920e0ba7cf5dc77b25, on @user_script:1.\r\n"
    );
    assert_eq!(
        call(
            &mut c,
            &[b"EVAL", b"return redis.pcall('incr', KEYS[1])", b"1", b"k"]
        ),
        b"-ERR value is not an integer or out of range\r\n"
    );
}

const BUSY: &[u8] =
    b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n";

/// PINGs until the server answers -BUSY (the other connection's EVAL may be
/// read after the first PING).
fn wait_busy(c: &mut std::net::TcpStream) {
    for _ in 0..1000 {
        let r = call(c, &[b"PING"]);
        if r == BUSY {
            return;
        }
        assert_eq!(r, b"+PONG\r\n");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    panic!("the script never made the server busy");
}

#[test]
fn slow_script_busy_then_kill() {
    let srv = start(&[]);
    let mut a = connect(&srv);
    let mut b = connect(&srv);
    assert_eq!(
        call(&mut b, &[b"CONFIG", b"SET", b"busy-reply-threshold", b"50"]),
        b"+OK\r\n"
    );
    a.write_all(&cmd(&[
        b"EVAL",
        b"local i = 0 while true do i = i + 1 end",
        b"0",
    ]))
    .unwrap();
    wait_busy(&mut b);
    assert_eq!(call(&mut b, &[b"SCRIPT", b"KILL"]), b"+OK\r\n");
    assert_eq!(
        read_reply(&mut a),
        b"-ERR Script killed by user with SCRIPT KILL... script: 3fcf51a9b854b8f66cb8685600b0d7df968f4398, on @user_script:1.\r\n"
    );
    assert_eq!(call(&mut b, &[b"PING"]), b"+PONG\r\n");
    assert_eq!(
        call(&mut b, &[b"SCRIPT", b"KILL"]),
        b"-NOTBUSY No scripts in execution right now.\r\n"
    );
    // A script that wrote cannot be killed; SHUTDOWN NOSAVE ends it.
    a.write_all(&cmd(&[
        b"EVAL",
        b"redis.call('set','x','1') while true do end",
        b"0",
    ]))
    .unwrap();
    wait_busy(&mut b);
    assert_eq!(
        call(&mut b, &[b"SCRIPT", b"KILL"]),
        b"-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n"
    );
    assert_eq!(call(&mut b, &[b"SHUTDOWN"]), BUSY);
    b.write_all(&cmd(&[b"SHUTDOWN", b"NOSAVE"])).unwrap();
    assert!(closed(&mut b));
}
