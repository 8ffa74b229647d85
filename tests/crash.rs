//! The bug report (src/crash.rs): what a fatal signal, an assertion and a
//! panic write to the log, and how the process ends, as Redis's debug.c
//! does it.

mod common;

use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use common::*;

fn start_logged(extra: &[&str]) -> (Server, std::path::PathBuf) {
    let log = std::env::temp_dir().join(format!(
        "oxidis-crash-{}-{}.log",
        std::process::id(),
        free_port()
    ));
    let _ = std::fs::remove_file(&log);
    let mut args = vec![
        "--logfile",
        log.to_str().unwrap(),
        "--enable-debug-command",
        "yes",
    ];
    args.extend_from_slice(extra);
    (start(&args), log)
}

fn send(s: &Server, args: &[&[u8]]) {
    use std::io::Write;
    let mut c = connect(s);
    c.write_all(&cmd(args)).unwrap();
    let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = [0u8; 64];
    let _ = std::io::Read::read(&mut c, &mut buf);
}

fn report(log: &std::path::Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let _ = std::fs::remove_file(log);
    text
}

#[test]
fn segfault_writes_the_report_and_dies_by_the_signal() {
    let (mut s, log) = start_logged(&[]);
    send(&s, &[b"SET", b"foo", b"bar"]);
    send(&s, &[b"DEBUG", b"SEGFAULT"]);
    let st = s.wait_exit(Duration::from_secs(20)).expect("still running");
    assert_eq!(st.signal(), Some(SIGSEGV));
    let text = report(&log);
    for want in [
        "=== REDIS BUG REPORT START: Cut & paste starting from here ===",
        "Redis 7.0.15 crashed by signal: 11, si_code: 2",
        "Accessing address: 0x",
        "------ STACK TRACE ------",
        "oxidis::debug::debug_command",
        "------ REGISTERS ------",
        "------ INFO OUTPUT ------",
        "redis_version:7.0.15",
        "------ CLIENT LIST OUTPUT ------",
        "------ CURRENT CLIENT INFO ------",
        "argv[0]: '\"DEBUG\"'",
        "argv[1]: '\"SEGFAULT\"'",
        "------ CONFIG DEBUG OUTPUT ------",
        "sanitize-dump-payload no",
        "=== REDIS BUG REPORT END. Make sure to include from START to END. ===",
        "redis-server --check-system",
    ] {
        assert!(text.contains(want), "missing {:?} in\n{}", want, text);
    }
}

const SIGSEGV: i32 = 11;

#[test]
fn a_sigabrt_from_outside_names_its_sender() {
    let (mut s, log) = start_logged(&[]);
    let me = std::process::Command::new("kill")
        .args(["-ABRT", &s.pid().to_string()])
        .status()
        .unwrap();
    assert!(me.success());
    let st = s.wait_exit(Duration::from_secs(20)).expect("still running");
    assert_eq!(st.signal(), Some(6));
    let text = report(&log);
    assert!(
        text.contains("crashed by signal: 6, si_code: 0"),
        "{}",
        text
    );
    assert!(text.contains("Killed by PID: "), "{}", text);
    assert!(text.contains("------ STACK TRACE ------"), "{}", text);
    assert!(!text.contains("CURRENT CLIENT INFO"), "{}", text);
}

#[test]
fn debug_assert_is_an_assertion_and_use_exit_on_panic_exits_1() {
    let (mut s, log) = start_logged(&["--use-exit-on-panic", "yes"]);
    send(&s, &[b"DEBUG", b"ASSERT"]);
    let st = s.wait_exit(Duration::from_secs(20)).expect("still running");
    assert_eq!(st.code(), Some(1));
    let text = report(&log);
    assert!(
        text.contains("=== ASSERTION FAILED CLIENT CONTEXT ==="),
        "{}",
        text
    );
    assert!(
        text.contains("client->argv[1] = \"ASSERT\" (refcount: 1)"),
        "{}",
        text
    );
    assert!(text.contains("=== ASSERTION FAILED ==="), "{}", text);
    assert!(text.contains("'1 == 2' is not true"), "{}", text);
    assert!(text.contains("------ STACK TRACE ------"), "{}", text);
    assert!(!text.contains("crashed by signal"), "{}", text);
    assert_eq!(
        text.matches("REDIS BUG REPORT START").count(),
        1,
        "{}",
        text
    );
}

#[test]
fn debug_panic_is_a_guru_meditation_and_aborts() {
    let (mut s, log) = start_logged(&[]);
    send(&s, &[b"DEBUG", b"PANIC"]);
    let st = s.wait_exit(Duration::from_secs(20)).expect("still running");
    assert_eq!(st.signal(), Some(6));
    let text = report(&log);
    assert!(
        text.contains("!!! Software Failure. Press left mouse button to continue"),
        "{}",
        text
    );
    assert!(
        text.contains("Guru Meditation: DEBUG PANIC called at Unix time "),
        "{}",
        text
    );
    // abort() after a panic does not report a second time.
    assert!(!text.contains("crashed by signal"), "{}", text);
}

#[test]
fn crash_log_disabled_writes_no_report() {
    let (mut s, log) = start_logged(&["--crash-log-enabled", "no"]);
    send(&s, &[b"DEBUG", b"SEGFAULT"]);
    let st = s.wait_exit(Duration::from_secs(20)).expect("still running");
    assert_eq!(st.signal(), Some(11));
    let text = report(&log);
    assert!(!text.contains("BUG REPORT"), "{}", text);
}

#[test]
fn crash_memcheck_cannot_be_enabled() {
    let s = start(&[]);
    let mut c = connect(&s);
    use std::io::Write;
    c.write_all(&cmd(&[
        b"CONFIG",
        b"SET",
        b"crash-memcheck-enabled",
        b"yes",
    ]))
    .unwrap();
    let r = read_reply(&mut c);
    assert!(
        r.starts_with(
            b"-ERR CONFIG SET failed (possibly related to argument 'crash-memcheck-enabled')"
        ),
        "{}",
        String::from_utf8_lossy(&r)
    );
    c.write_all(&cmd(&[b"CONFIG", b"GET", b"crash-memcheck-enabled"]))
        .unwrap();
    assert_eq!(
        read_reply(&mut c),
        b"*2\r\n$22\r\ncrash-memcheck-enabled\r\n$2\r\nno\r\n"
    );
}

#[test]
fn the_watchdog_logs_the_stack_of_a_stuck_loop_and_the_server_goes_on() {
    let (mut s, log) = start_logged(&[]);
    let mut c = connect(&s);
    let ok = b"+OK\r\n".to_vec();
    assert_eq!(
        call(&mut c, &[b"CONFIG", b"SET", b"watchdog-period", b"200"]),
        ok
    );
    assert_eq!(call(&mut c, &[b"DEBUG", b"SLEEP", b"1"]), ok);
    assert_eq!(call(&mut c, &[b"PING"]), b"+PONG\r\n");
    assert_eq!(
        call(&mut c, &[b"CONFIG", b"SET", b"watchdog-period", b"0"]),
        ok
    );
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(text.contains("--- WATCHDOG TIMER EXPIRED ---"), "{}", text);
    assert!(text.contains("oxidis::debug::debug_command"), "{}", text);
    assert!(text.contains("in Redis: debugCommand"), "{}", text);
    assert!(!text.contains("BUG REPORT"), "{}", text);
    // Off again: a stall is not reported.
    assert_eq!(call(&mut c, &[b"DEBUG", b"SLEEP", b"0.5"]), ok);
    let again = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(
        again.matches("WATCHDOG TIMER EXPIRED").count(),
        1,
        "{}",
        again
    );
    assert!(s.wait_exit(Duration::from_millis(10)).is_none());
    let _ = std::fs::remove_file(&log);
}

/// Waits for the server (same port, same process after execve) to answer.
fn reconnect(s: &Server) -> std::net::TcpStream {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(mut c) = std::net::TcpStream::connect(("127.0.0.1", s.port)) {
            c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            use std::io::Write;
            if c.write_all(&cmd(&[b"PING"])).is_ok() {
                let mut b = [0u8; 64];
                if let Ok(n) = std::io::Read::read(&mut c, &mut b) {
                    if b[..n].starts_with(b"+PONG") {
                        return c;
                    }
                }
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not come back"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn debug_restart_saves_and_runs_again_in_the_same_process() {
    let (mut s, log) = start_logged(&["--save", "3600 1"]);
    let mut c = connect(&s);
    assert_eq!(call(&mut c, &[b"SET", b"kept", b"1"]), b"+OK\r\n");
    send(&s, &[b"DEBUG", b"RESTART"]);
    let mut c = reconnect(&s);
    assert!(s.wait_exit(Duration::from_millis(10)).is_none());
    assert_eq!(call(&mut c, &[b"GET", b"kept"]), b"$1\r\n1\r\n");
    let pid = format!("process_id:{}\r\n", s.pid());
    let info = call(&mut c, &[b"INFO", b"server"]);
    assert!(String::from_utf8_lossy(&info).contains(&pid));
    // A crash and recovery does not save: what came after the last save is lost.
    assert_eq!(call(&mut c, &[b"SAVE"]), b"+OK\r\n");
    assert_eq!(call(&mut c, &[b"SET", b"lost", b"1"]), b"+OK\r\n");
    send(&s, &[b"DEBUG", b"CRASH-AND-RECOVER", b"10"]);
    let mut c = reconnect(&s);
    assert_eq!(call(&mut c, &[b"GET", b"kept"]), b"$1\r\n1\r\n");
    assert_eq!(call(&mut c, &[b"GET", b"lost"]), b"$-1\r\n");
    let text = report(&log);
    assert_eq!(text.matches("Redis is starting").count(), 3, "{}", text);
}
