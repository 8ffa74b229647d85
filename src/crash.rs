//! The bug report. Redis counterpart: debug.c, its "Crash handling" banner
//! (bugReportStart, _serverAssert, _serverPanic, sigsegvHandler,
//! logStackTrace, logRegisters, printCrashReport, logServerInfo,
//! logCurrentClient, bugReportEnd).
//!
//! Two ways in, as in Redis:
//! - a fatal signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT), caught in
//!   oxidis-sys (`crash.rs`), which calls `report_fatal_signal` and then lets
//!   the signal kill the process with its default action;
//! - a Rust panic, which is oxidis's serverAssert: `report_panic` is the panic
//!   hook. A panic raised through `oxidis_sys::crash::server_panic` is
//!   Redis's serverPanic ("Guru Meditation"); any other (a failed `assert!`,
//!   an index out of bounds, an `unwrap` on `None`) is an assertion. The
//!   process then ends with `_exit(1)` under `use-exit-on-panic`, else with
//!   `abort()`.
//!
//! Divergences: the stack trace is Rust's symbolised backtrace (function,
//! file and line) rather than `backtrace_symbols_fd`'s; there is no code dump
//! around the faulting instruction; the fast memory test is not implemented,
//! so `crash-memcheck-enabled` only accepts `no` (config/table.rs).

use std::sync::atomic::{AtomicBool, Ordering};

use oxidis_sys::crash::{self as sys_crash, FatalSignal, ServerPanic};

use crate::config::Config;
use crate::log::{self, Level};
use crate::networking::Client;
use crate::object::{RObj, Value};
use crate::server::{Server, REDIS_VERSION};

/// `crash-log-enabled` and `use-exit-on-panic`, readable from any thread (a
/// panic may happen on the snapshot writer or the bio thread).
static CRASH_LOG_ENABLED: AtomicBool = AtomicBool::new(true);
static USE_EXIT_ON_PANIC: AtomicBool = AtomicBool::new(false);

/// Installs the fatal-signal handlers (when `crash-log-enabled`) and the
/// panic hook, and registers the server the report reads. Redis:
/// setupSignalHandlers. `s` stays where it is until the process exits.
pub fn setup(s: &mut Server) {
    sys_crash::set_crash_context(&*s);
    sys_crash::set_fatal_signal_reporter(report_fatal_signal);
    sys_crash::set_watchdog_reporter(report_watchdog);
    apply_watchdog_period(s);
    std::panic::set_hook(Box::new(report_panic));
    apply_config(&s.config);
}

/// Applies `crash-log-enabled` and `use-exit-on-panic`. Redis:
/// updateSighandlerEnabled.
pub fn apply_config(c: &Config) {
    CRASH_LOG_ENABLED.store(c.crash_log_enabled, Ordering::Relaxed);
    USE_EXIT_ON_PANIC.store(c.use_exit_on_panic, Ordering::Relaxed);
    if c.crash_log_enabled {
        sys_crash::install_fatal_signal_handlers();
    } else {
        sys_crash::remove_fatal_signal_handlers();
    }
}

fn warn(msg: &str) {
    log::log(Level::Warning, msg);
}

fn raw(msg: &str) {
    log::log_raw(Level::Warning, msg);
}

/// Redis: applyWatchdogPeriod — `watchdog-period` milliseconds without a
/// return to the event loop's cron log the stack trace; 0 turns it off. A
/// period under two cron intervals is raised to that.
pub fn apply_watchdog_period(s: &mut Server) {
    let period = s.config.watchdog_period;
    if period <= 0 {
        sys_crash::schedule_watchdog(0);
        sys_crash::enable_watchdog(false);
        return;
    }
    sys_crash::enable_watchdog(true);
    let min_period = (1000 / s.config.hz.clamp(1, 500)) * 2;
    if period < min_period {
        s.config.watchdog_period = min_period;
    }
    sys_crash::schedule_watchdog(s.config.watchdog_period as u64);
}

/// Redis: serverLogFromHandler's line.
fn log_from_handler(msg: &str) {
    raw(&format!(
        "{}:signal-handler ({}) {}\n",
        oxidis_sys::getpid(),
        oxidis_ds::util::unixtime(),
        msg
    ));
}

/// Redis: watchdogSignalHandler — the stack trace of the event loop's
/// thread, stuck for longer than `watchdog-period`; the server goes on.
fn report_watchdog(ip: usize) {
    log_from_handler("\n--- WATCHDOG TIMER EXPIRED ---");
    log_stack_trace(ip);
    log_from_handler("--------\n");
}

/// Redis: bugReportStart — the header, once per process.
fn bug_report_start() {
    if sys_crash::begin_bug_report() {
        raw("\n\n=== REDIS BUG REPORT START: Cut & paste starting from here ===\n");
    }
}

/// `%p` as glibc prints it.
fn ptr(p: usize) -> String {
    if p == 0 {
        "(nil)".to_string()
    } else {
        format!("{:#x}", p)
    }
}

/// Redis: sigsegvHandler, from the line after the header to the end.
fn report_fatal_signal(fs: &FatalSignal) {
    bug_report_start();
    warn(&format!(
        "Redis {} crashed by signal: {}, si_code: {}",
        REDIS_VERSION, fs.sig, fs.code
    ));
    if fs.sig == libc::SIGSEGV || fs.sig == libc::SIGBUS {
        warn(&format!("Accessing address: {}", ptr(fs.addr)));
    }
    if let Some((pid, uid)) = fs.sender.filter(|s| s.0 != -1) {
        warn(&format!("Killed by PID: {}, UID: {}", pid, uid));
    }
    if fs.ip != 0 {
        warn(&format!(
            "Crashed running the instruction at: {}",
            ptr(fs.ip)
        ));
    }
    log_stack_trace(fs.ip);
    log_registers(fs);
    print_crash_report();
    bug_report_end(Some(fs.sig));
}

/// The panic hook: Redis's _serverAssert, or _serverPanic for a
/// `server_panic`.
fn report_panic(info: &std::panic::PanicHookInfo<'_>) {
    let (file, line) = info
        .location()
        .map(|l| (l.file().to_string(), l.line()))
        .unwrap_or_else(|| ("?".to_string(), 0));
    let payload = info.payload();
    let (guru, msg) = if let Some(p) = payload.downcast_ref::<ServerPanic>() {
        (true, p.0.clone())
    } else if let Some(s) = payload.downcast_ref::<&str>() {
        (false, s.to_string())
    } else if let Some(s) = payload.downcast_ref::<String>() {
        (false, s.clone())
    } else {
        (false, "Box<dyn Any>".to_string())
    };
    bug_report_start();
    if guru {
        warn("------------------------------------------------");
        warn("!!! Software Failure. Press left mouse button to continue");
        warn(&format!("Guru Meditation: {} #{}:{}", msg, file, line));
    } else {
        warn("=== ASSERTION FAILED ===");
        warn(&format!("==> {}:{} '{}' is not true", file, line, msg));
    }
    if !sys_crash::is_main_thread() {
        warn(&format!(
            "(in thread '{}')",
            std::thread::current().name().unwrap_or("unnamed")
        ));
    }
    if CRASH_LOG_ENABLED.load(Ordering::Relaxed) {
        log_stack_trace(0);
        print_crash_report();
    }
    // So that abort() below does not report a second time.
    sys_crash::remove_fatal_signal_handlers();
    bug_report_end(None);
}

/// Redis: logStackTrace. The frames of the thread writing the report.
fn log_stack_trace(ip: usize) {
    let bt = std::backtrace::Backtrace::force_capture();
    let mut out = String::from("\n------ STACK TRACE ------\n");
    if ip != 0 {
        out.push_str(&format!("EIP:\n{}\n", ptr(ip)));
    }
    out.push_str(&format!("\nBacktrace:\n{}\n", bt));
    // The Redis function of the command this thread was running, as Redis's
    // own frames would name it.
    if let Some(f) = sys_crash::served_function().filter(|f| !f.is_empty()) {
        out.push_str(&format!("Serving a command; in Redis: {}\n", f));
    }
    raw(&out);
}

/// Redis: logRegisters (x86-64 Linux layout).
fn log_registers(fs: &FatalSignal) {
    if fs.registers.is_empty() {
        return;
    }
    raw("\n------ REGISTERS ------\n");
    let get = |n: &str| {
        fs.registers
            .iter()
            .find(|r| r.0 == n)
            .map(|r| r.1)
            .unwrap_or(0)
    };
    let pairs = [
        ("RAX", "rax", "RBX", "rbx"),
        ("RCX", "rcx", "RDX", "rdx"),
        ("RDI", "rdi", "RSI", "rsi"),
        ("RBP", "rbp", "RSP", "rsp"),
        ("R8 ", "r8", "R9 ", "r9"),
        ("R10", "r10", "R11", "r11"),
        ("R12", "r12", "R13", "r13"),
        ("R14", "r14", "R15", "r15"),
        ("RIP", "rip", "EFL", "eflags"),
    ];
    let mut text = String::new();
    for (a, ra, b, rb) in pairs {
        text.push_str(&format!("\n{}:{:016x} {}:{:016x}", a, get(ra), b, get(rb)));
    }
    warn(&text);
}

/// Redis: printCrashReport — INFO, CLIENT LIST, the current client, modules,
/// the DEBUG-flagged configs. Only on the event loop's thread, which owns the
/// server; another thread's report stops at its stack trace.
fn print_crash_report() {
    let Some(s) = sys_crash::crash_context::<Server>() else {
        return;
    };
    log_server_info(s);
    log_current_client(s);
    // Redis: logModulesInfo. No module can be loaded, so the section is empty.
    raw("\n------ MODULES INFO OUTPUT ------\n");
    raw("\n------ CONFIG DEBUG OUTPUT ------\n");
    raw(&s.config.debug_info());
}

/// Redis: logServerInfo.
fn log_server_info(s: &Server) {
    raw("\n------ INFO OUTPUT ------\n");
    let (sections, all, everything) = crate::server::info::info_sections(&[b"all".to_vec()]);
    raw(&crate::server::info::gen_info_string(
        s, &sections, all, everything,
    ));
    raw("\n------ CLIENT LIST OUTPUT ------\n");
    let mut list = String::new();
    for (_, c) in s.clients.iter() {
        list.push_str(&crate::networking::client_info_string(s, c));
        list.push('\n');
    }
    raw(&list);
}

/// Redis: logCurrentClient.
fn log_current_client(s: &Server) {
    let Some((c, argv)) = sys_crash::crash_client::<Client>() else {
        return;
    };
    raw("\n------ CURRENT CLIENT INFO ------\n");
    raw(&format!(
        "{}\n",
        crate::networking::client_info_string(s, c)
    ));
    for (j, a) in argv.iter().enumerate() {
        let shown = &a[..a.len().min(128)];
        raw(&format!(
            "argv[{}]: '{}'\n",
            j,
            oxidis_ds::util::repr(shown)
        ));
    }
    if argv.len() > 1 {
        if let Some(o) = s.dbs.get(c.db).and_then(|d| d.dict.get(&argv[1])) {
            warn(&format!(
                "key '{}' found in DB containing the following object:",
                String::from_utf8_lossy(&argv[1])
            ));
            log_object_debug_info(o);
        }
    }
}

/// Redis: serverLogObjectDebugInfo. Type and encoding as Redis numbers them.
fn log_object_debug_info(o: &RObj) {
    let encoding = match (&o.v, o.encoding_name()) {
        (Value::Raw(_), _) => 0,
        (Value::Int(_), _) => 1,
        (Value::EmbStr(_), _) => 8,
        (Value::Stream(_), _) => 10,
        (_, "hashtable") => 2,
        (_, "intset") => 6,
        (_, "skiplist") => 7,
        (_, "quicklist") => 9,
        _ => 11, // listpack
    };
    warn(&format!("Object type: {}", crate::debug::type_code(o)));
    warn(&format!("Object encoding: {}", encoding));
    warn("Object refcount: 1");
}

/// Redis: bugReportEnd. `signal` is the fatal signal to die by; None after an
/// assertion or a panic.
fn bug_report_end(signal: Option<i32>) -> ! {
    raw(concat!(
        "\n=== REDIS BUG REPORT END. Make sure to include from START to END. ===\n\n",
        "       Please report the crash by opening an issue on github:\n\n",
        "           http://github.com/redis/redis/issues\n\n",
        "  If a Redis module was involved, please open in the module's repo instead.\n\n",
        "  Suspect RAM error? Use redis-server --test-memory to verify it.\n\n",
        "  Some other issues could be detected by redis-server --check-system\n"
    ));
    if let Some(s) = sys_crash::crash_context::<Server>() {
        if s.config.daemonize
            && s.supervised_mode == crate::server::supervised::SupervisedMode::None
        {
            if let Some(p) = &s.config.pidfile {
                let _ = std::fs::remove_file(p);
            }
        }
    }
    match signal {
        Some(sig) => sys_crash::reraise(sig),
        None if USE_EXIT_ON_PANIC.load(Ordering::Relaxed) => sys_crash::exit_now(1),
        None => std::process::abort(),
    }
}

/// Redis: serverAssertWithInfo — the client's context, then the object's
/// (the command name here, as DEBUG ASSERT passes it), then the assertion.
#[track_caller]
pub fn assert_with_info(c: &Client, argv: &[Vec<u8>], cond: bool, text: &str) {
    if cond {
        return;
    }
    bug_report_start();
    warn("=== ASSERTION FAILED CLIENT CONTEXT ===");
    warn(&format!("client->flags = {}", c.flags));
    warn(&format!("client->conn = fd={}", c.fd));
    warn(&format!("client->argc = {}", argv.len()));
    for (j, a) in argv.iter().enumerate() {
        warn(&format!(
            "client->argv[{}] = \"{}\" (refcount: 1)",
            j,
            String::from_utf8_lossy(a)
        ));
    }
    warn("=== ASSERTION FAILED OBJECT CONTEXT ===");
    warn("Object type: 0");
    warn(&format!(
        "Object encoding: {}",
        if argv.first().map_or(0, |a| a.len()) <= 44 {
            8
        } else {
            0
        }
    ));
    warn("Object refcount: 1");
    panic!("{}", text);
}

/// Redis: serverLogHexDump — a header line, then the bytes as hex.
pub fn log_hex_dump(descr: &str, bytes: &[u8]) {
    warn(&format!("{} (hexdump of {} bytes):", descr, bytes.len()));
    let mut hex = String::with_capacity(bytes.len() * 2 + 1);
    for b in bytes {
        hex.push_str(&format!("{:02x}", b));
    }
    hex.push('\n');
    raw(&hex);
}
