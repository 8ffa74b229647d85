//! Logging. Redis counterpart: server.c (serverLog, serverLogRaw) and the
//! start-up logo of redisAsciiArt.
//!
//! Line format, as Redis writes it:
//! `pid:role dd Mon yyyy hh:mm:ss.mmm <level-char> message`, level chars
//! `.` debug, `-` verbose, `*` notice, `#` warning; role `M` (master),
//! `S` (replica), `C` (a background writer — Redis's child process; here the
//! snapshot writer thread).
//! Divergence: the logo art is oxidis's own; it keeps the lines the test
//! suite and people look for (version, mode, `Port:`, `PID:`).

use std::io::Write;
use std::sync::Mutex;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Level {
    Debug = 0,
    Verbose = 1,
    Notice = 2,
    Warning = 3,
}

struct LogState {
    verbosity: Level,
    logfile: String, // "" = stdout
    role: char,
}

static LOG: Mutex<LogState> = Mutex::new(LogState {
    verbosity: Level::Notice,
    logfile: String::new(),
    role: 'M',
});

/// The log file as first configured (Redis's `logfile` cannot change at
/// run time): where a bug report writes when the interrupted code holds the
/// log's lock.
static REPORT_LOGFILE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

pub fn configure(verbosity: Level, logfile: &str) {
    let _ = REPORT_LOGFILE.set(logfile.to_string());
    let mut l = LOG.lock().unwrap_or_else(|e| e.into_inner());
    l.verbosity = verbosity;
    l.logfile = logfile.to_string();
}

/// Runs `f` on the log state. While a bug report is written the lock may be
/// held by the very code a signal interrupted, so the report does not wait
/// for it: it writes warnings to the configured file instead.
fn with_state<R>(f: impl FnOnce(&LogState) -> R) -> R {
    if !oxidis_sys::crash::is_dying() {
        return f(&LOG.lock().unwrap_or_else(|e| e.into_inner()));
    }
    match LOG.try_lock() {
        Ok(g) => f(&g),
        Err(std::sync::TryLockError::Poisoned(e)) => f(&e.into_inner()),
        Err(std::sync::TryLockError::WouldBlock) => f(&LogState {
            verbosity: Level::Warning,
            logfile: REPORT_LOGFILE.get().cloned().unwrap_or_default(),
            role: 'M',
        }),
    }
}

pub fn set_role(role: char) {
    LOG.lock().unwrap_or_else(|e| e.into_inner()).role = role;
}

pub fn enabled(level: Level) -> bool {
    with_state(|l| level >= l.verbosity)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn write_out(logfile: &str, bytes: &[u8]) {
    if logfile.is_empty() {
        let out = std::io::stdout();
        let mut lock = out.lock();
        let _ = lock.write_all(bytes);
        let _ = lock.flush();
    } else if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(logfile)
    {
        let _ = f.write_all(bytes);
    }
}

/// Redis: serverLog. `role` overrides the process role char (e.g. 'C' for a
/// background writer).
pub fn log_with_role(level: Level, role: Option<char>, msg: &str) {
    with_state(|l| log_line(l, level, role, msg))
}

fn log_line(l: &LogState, level: Level, role: Option<char>, msg: &str) {
    if level < l.verbosity {
        return;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let (y, mo, d, h, mi, s) = oxidis_sys::localtime(now.as_secs() as i64);
    let ms = now.subsec_millis();
    let c = [b'.', b'-', b'*', b'#'][level as usize] as char;
    let line = format!(
        "{}:{} {:02} {} {} {:02}:{:02}:{:02}.{:03} {} {}\n",
        oxidis_sys::getpid(),
        role.unwrap_or(l.role),
        d,
        MONTHS[mo as usize % 12],
        y,
        h,
        mi,
        s,
        ms,
        c,
        msg
    );
    write_out(&l.logfile, line.as_bytes());
}

pub fn log(level: Level, msg: &str) {
    log_with_role(level, None, msg)
}

/// Redis: serverLogRaw with LL_RAW — no prefix.
pub fn log_raw(level: Level, msg: &str) {
    with_state(|l| {
        if level >= l.verbosity {
            write_out(&l.logfile, msg.as_bytes());
        }
    })
}

#[macro_export]
macro_rules! server_log {
    ($lvl:ident, $($arg:tt)*) => {
        if $crate::log::enabled($crate::log::Level::$lvl) {
            $crate::log::log($crate::log::Level::$lvl, &format!($($arg)*))
        }
    };
}

/// The start-up banner shown when `always-show-logo yes` (or stdout is a tty).
pub fn logo(version: &str, mode: &str, port: u16, pid: i32) -> String {
    format!(
        concat!(
            "\n",
            "      ____  _  __ ___  ____   ___  ____\n",
            "     / __ \\| |/ /|_ _||  _ \\ |_ _|/ ___|     oxidis {} (Redis {} compatible) 64 bit\n",
            "    | |  | |  /   | | | | | | | | \\___ \\\n",
            "    | |__| | /  \\ | | | |_| | | |  ___) |    Running in {} mode\n",
            "     \\____/ /_/\\_\\|___||____/ |___||____/     Port: {}\n",
            "                                              PID: {}\n",
            "\n"
        ),
        env!("CARGO_PKG_VERSION"),
        version,
        mode,
        port,
        pid
    )
}

impl From<crate::config::LogLevel> for Level {
    fn from(l: crate::config::LogLevel) -> Level {
        use crate::config::LogLevel as L;
        match l {
            L::Debug => Level::Debug,
            L::Verbose => Level::Verbose,
            L::Notice => Level::Notice,
            L::Warning => Level::Warning,
        }
    }
}
