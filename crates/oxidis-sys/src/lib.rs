//! oxidis-sys: the only crate of oxidis allowed to use `unsafe`: thin
//! wrappers over libc and the few places that need raw memory. Redis
//! counterpart: the scattered system calls of server.c (signal setup,
//! getrusage, setrlimit), zmalloc.c (allocation accounting) and
//! localtime.c. Every unsafe block carries a `// SAFETY:` note (clippy's
//! `undocumented_unsafe_blocks` checks it).
//!
//! Files: this one holds the allocator, signals, rusage, rlimits, local time,
//! the listening socket and prefetch; setproctitle.rs the process title
//! (Redis: setproctitle.c); thin.rs the thin-pointer byte string behind long
//! keys (Redis: sds.c); clock.rs the TSC-based wall clock read once per
//! command (Redis: ustime()); crash.rs the fatal-signal handlers and what a
//! bug report reads (Redis: sigsegvHandler and its helpers in debug.c).
#![deny(clippy::undocumented_unsafe_blocks)]

mod clock;
pub mod crash;
mod setproctitle;
mod thin;
pub use clock::{calibrate as calibrate_clock, realtime_us};
pub use setproctitle::{set_proc_title, spt_init};
pub use thin::ThinBytes;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};

/// Counting allocator: the `used_memory` of INFO. Redis: zmalloc.c keeps
/// `used_memory` the same way, around its allocator.
pub struct CountingAlloc;

static USED_MEMORY: AtomicUsize = AtomicUsize::new(0);

// SAFETY: defers every operation to the system allocator unchanged and only
// adds bookkeeping with atomics, which cannot fail or allocate.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            USED_MEMORY.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: ptr was allocated by System with this layout.
        unsafe { System.dealloc(ptr, layout) };
        USED_MEMORY.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            USED_MEMORY.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: ptr/layout come from this allocator, per the caller's contract.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            USED_MEMORY.fetch_add(new_size, Ordering::Relaxed);
            USED_MEMORY.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        p
    }
}

/// Bytes currently allocated through `CountingAlloc` (0 if it is not the
/// global allocator, as in unit tests).
pub fn used_memory() -> usize {
    USED_MEMORY.load(Ordering::Relaxed)
}

/// Broken-down local time: (year, month0, mday, hour, min, sec).
pub fn localtime(secs: i64) -> (i32, i32, i32, i32, i32, i32) {
    // SAFETY: `tm` is plain data; localtime_r writes into it and reads `t`.
    unsafe {
        let t: libc::time_t = secs as libc::time_t;
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&t, &mut tm);
        (
            tm.tm_year + 1900,
            tm.tm_mon,
            tm.tm_mday,
            tm.tm_hour,
            tm.tm_min,
            tm.tm_sec,
        )
    }
}

/// (user, system) CPU seconds of this process. Redis: getrusage in INFO cpu.
pub fn rusage_self() -> (f64, f64) {
    // SAFETY: getrusage fills the zeroed struct we own.
    unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut ru);
        (
            ru.ru_utime.tv_sec as f64 + ru.ru_utime.tv_usec as f64 / 1e6,
            ru.ru_stime.tv_sec as f64 + ru.ru_stime.tv_usec as f64 / 1e6,
        )
    }
}

pub fn isatty_stdout() -> bool {
    // SAFETY: isatty only inspects the descriptor.
    unsafe { libc::isatty(1) == 1 }
}

/// Raises RLIMIT_NOFILE towards `want`; returns the limit in force.
/// Redis: adjustOpenFilesLimit.
pub fn raise_nofile_limit(want: u64) -> u64 {
    // SAFETY: getrlimit/setrlimit on a struct we own.
    unsafe {
        let mut rl: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) != 0 {
            return want;
        }
        if rl.rlim_cur >= want {
            return rl.rlim_cur;
        }
        let mut best = rl.rlim_cur;
        let mut candidate = want.min(rl.rlim_max);
        while candidate > best {
            let nrl = libc::rlimit {
                rlim_cur: candidate,
                rlim_max: rl.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &nrl) == 0 {
                best = candidate;
                break;
            }
            candidate -= 16.min(candidate);
        }
        best
    }
}

/// Signal received (SIGTERM or SIGINT), 0 if none. Redis: sigShutdownHandler
/// sets `shutdown_asap`; the cron notices.
static SHUTDOWN_SIGNAL: AtomicI32 = AtomicI32::new(0);
static SIGNALS_SEEN: AtomicUsize = AtomicUsize::new(0);
static IGNORE_SIGNALS: AtomicBool = AtomicBool::new(false);

/// What the handler needs to exit cleanly on a repeated SIGINT, prepared
/// before the handler is installed: the log file ("" for stdout) and the
/// name of the temporary RDB a shutdown save writes (`temp-<pid>.rdb`,
/// relative to the working directory, as the save names it).
static EXIT_PATHS: std::sync::OnceLock<(std::ffi::CString, std::ffi::CString)> =
    std::sync::OnceLock::new();

/// A fixed line buffer a signal handler can fill without allocating.
struct HandlerLine {
    buf: [u8; 160],
    len: usize,
}

impl HandlerLine {
    fn put(&mut self, bytes: &[u8]) {
        let n = bytes.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
        self.len += n;
    }

    fn put_u64(&mut self, mut v: u64) {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.put(&digits[i..]);
    }
}

/// Appends `pid:signal-handler (unixtime) msg` to the log using only
/// async-signal-safe calls. Redis: serverLogFromHandler.
fn log_from_handler(logfile: &std::ffi::CStr, msg: &[u8]) {
    let mut line = HandlerLine {
        buf: [0; 160],
        len: 0,
    };
    // SAFETY: getpid and time are async-signal-safe; time gets a null
    // pointer, which it accepts.
    let (pid, now) = unsafe { (libc::getpid(), libc::time(std::ptr::null_mut())) };
    line.put_u64(pid as u64);
    line.put(b":signal-handler (");
    line.put_u64(now as u64);
    line.put(b") ");
    line.put(msg);
    line.put(b"\n");
    // SAFETY: open/write/close are async-signal-safe; the buffer outlives
    // the write and `logfile` is a valid C string.
    unsafe {
        let fd = if logfile.to_bytes().is_empty() {
            1
        } else {
            libc::open(
                logfile.as_ptr(),
                libc::O_APPEND | libc::O_CREAT | libc::O_WRONLY,
                0o644,
            )
        };
        if fd == -1 {
            return;
        }
        let _ = libc::write(fd, line.buf.as_ptr().cast(), line.len);
        if fd != 1 {
            libc::close(fd);
        }
    }
}

extern "C" fn on_shutdown_signal(sig: libc::c_int) {
    // Only async-signal-safe work: atomics, and on a repeated SIGINT a log
    // line, unlink and _exit.
    let seen = SIGNALS_SEEN.fetch_add(1, Ordering::SeqCst);
    if seen > 0 && sig == libc::SIGINT {
        if let Some((logfile, temp_rdb)) = EXIT_PATHS.get() {
            log_from_handler(logfile, b"You insist... exiting now.");
            // SAFETY: unlink is async-signal-safe; the path is a valid C string.
            unsafe { libc::unlink(temp_rdb.as_ptr()) };
        }
        // SAFETY: _exit is async-signal-safe. Redis exits at once on a second
        // SIGINT while a shutdown is already in progress.
        unsafe { libc::_exit(1) };
    }
    SHUTDOWN_SIGNAL.store(sig, Ordering::SeqCst);
}

/// Installs the SIGTERM/SIGINT handlers. `logfile` is the configured log
/// file ("" for stdout), where a repeated SIGINT leaves its last line.
pub fn install_signal_handlers(logfile: &str) {
    let cstr = |s: String| std::ffi::CString::new(s).unwrap_or_default();
    let _ = EXIT_PATHS.set((
        cstr(logfile.to_string()),
        cstr(format!("temp-{}.rdb", getpid())),
    ));
    // SAFETY: installing a handler that only makes async-signal-safe calls.
    unsafe {
        let h = on_shutdown_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::signal(libc::SIGTERM, h);
        libc::signal(libc::SIGINT, h);
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        libc::signal(libc::SIGHUP, libc::SIG_IGN);
    }
}

/// Takes the pending shutdown signal, if any.
pub fn take_shutdown_signal() -> Option<i32> {
    if IGNORE_SIGNALS.load(Ordering::Relaxed) {
        return None;
    }
    match SHUTDOWN_SIGNAL.swap(0, Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// Lets a failed shutdown be retried by a later signal.
pub fn reset_signal_count() {
    SIGNALS_SEEN.store(0, Ordering::SeqCst);
}

pub fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGINT => "SIGINT",
        libc::SIGTERM => "SIGTERM",
        _ => "signal",
    }
}

/// This process's id.
pub fn getpid() -> i32 {
    std::process::id() as i32
}

/// Detaches from the terminal: the parent exits, the child leads a new
/// session with stdin, stdout and stderr on /dev/null. Call it before any
/// thread is started: only the calling thread survives the fork.
/// Redis: daemonize.
pub fn daemonize() {
    // SAFETY: fork in a process that has started no threads yet; the parent
    // leaves with _exit, running no destructors or atexit handlers that could
    // touch state the child shares. setsid, open and dup2 take no pointers
    // but the NUL-terminated literal.
    unsafe {
        match libc::fork() {
            -1 => return,
            0 => {}
            _ => libc::_exit(0),
        }
        libc::setsid();
        let fd = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR, 0);
        if fd != -1 {
            libc::dup2(fd, 0);
            libc::dup2(fd, 1);
            libc::dup2(fd, 2);
            if fd > 2 {
                libc::close(fd);
            }
        }
    }
}

/// Stops the process until a SIGCONT: how an upstart job signals readiness.
pub fn raise_sigstop() {
    // SAFETY: raise only delivers a signal to this process.
    unsafe {
        libc::raise(libc::SIGSTOP);
    }
}

/// Whether this process may execute `path`. Redis: access(path, X_OK).
pub fn can_execute(path: &str) -> bool {
    let Ok(c) = std::ffi::CString::new(path) else {
        return false;
    };
    // SAFETY: access reads the NUL-terminated path we own.
    unsafe { libc::access(c.as_ptr(), libc::X_OK) == 0 }
}

/// Replaces this process with `path` run with `argv` and the current
/// environment, after closing every descriptor from 3 to `max_fd` (stdin,
/// stdout and stderr stay). Returns only if execve failed. Redis: the end of
/// restartServer.
pub fn close_fds_and_exec(path: &str, argv: &[String], max_fd: i32) -> std::io::Error {
    let cstr = |s: &str| std::ffi::CString::new(s).unwrap_or_default();
    let path_c = cstr(path);
    let args: Vec<std::ffi::CString> = argv.iter().map(|a| cstr(a)).collect();
    let mut ptrs: Vec<*const libc::c_char> = args.iter().map(|a| a.as_ptr()).collect();
    ptrs.push(std::ptr::null());
    for fd in 3..max_fd {
        // SAFETY: fcntl(F_GETFD) only asks whether `fd` is open; close of an
        // open descriptor of this process, which is about to be replaced,
        // cannot invalidate memory of ours.
        unsafe {
            if libc::fcntl(fd, libc::F_GETFD) != -1 {
                libc::close(fd);
            }
        }
    }
    extern "C" {
        static environ: *const *const libc::c_char;
    }
    // SAFETY: the path and every argument are NUL-terminated strings that
    // live until the call, the argument array ends with a null pointer, and
    // `environ` is the process's environment as libc keeps it.
    unsafe {
        libc::execve(path_c.as_ptr(), ptrs.as_ptr(), environ);
    }
    std::io::Error::last_os_error()
}

/// Sends `sig` to process `pid`; false when it could not be sent.
pub fn kill(pid: i32, sig: i32) -> bool {
    // SAFETY: kill(2) takes two integers and touches no memory of ours.
    unsafe { libc::kill(pid, sig) == 0 }
}

/// Asks the kernel to SIGKILL this process when its parent dies (Linux:
/// prctl(PR_SET_PDEATHSIG)).
pub fn die_with_parent() {
    // SAFETY: PR_SET_PDEATHSIG takes a signal number as a plain integer;
    // the call reads and writes no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    }
}

/// Creates a listening TCP socket the way Redis's anetTcpServer does:
/// SO_REUSEADDR, IPV6_V6ONLY for IPv6 (so "*" and "::*" can both be bound),
/// non-blocking, close-on-exec, and the configured backlog.
pub fn tcp_listen(
    addr: std::net::SocketAddr,
    backlog: i32,
) -> std::io::Result<std::net::TcpListener> {
    use std::os::fd::FromRawFd;
    let (domain, v6) = match addr {
        std::net::SocketAddr::V4(_) => (libc::AF_INET, false),
        std::net::SocketAddr::V6(_) => (libc::AF_INET6, true),
    };
    // SAFETY: plain socket(2) call; the result is checked.
    let fd = unsafe {
        libc::socket(
            domain,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: fd is a fresh socket we own; from_raw_fd takes ownership so it
    // is closed on every error path below.
    let listener = unsafe { std::net::TcpListener::from_raw_fd(fd) };
    let one: libc::c_int = 1;
    let setopt = |level, name| {
        // SAFETY: `one` outlives the call and its size is passed.
        let r = unsafe {
            libc::setsockopt(
                fd,
                level,
                name,
                &one as *const libc::c_int as *const libc::c_void,
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if r < 0 {
            Err(std::io::Error::last_os_error())
        } else {
            Ok(())
        }
    };
    setopt(libc::SOL_SOCKET, libc::SO_REUSEADDR)?;
    if v6 {
        setopt(libc::IPPROTO_IPV6, libc::IPV6_V6ONLY)?;
    }
    let r = match addr {
        std::net::SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(a.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sin is a valid sockaddr_in for the length passed.
            unsafe {
                libc::bind(
                    fd,
                    &sin as *const libc::sockaddr_in as *const libc::sockaddr,
                    std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
                )
            }
        }
        std::net::SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: sin6 is a valid sockaddr_in6 for the length passed.
            unsafe {
                libc::bind(
                    fd,
                    &sin6 as *const libc::sockaddr_in6 as *const libc::sockaddr,
                    std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t,
                )
            }
        }
    };
    if r < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: listen on our bound socket.
    if unsafe { libc::listen(fd, backlog) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(listener)
}

/// Asks the CPU to start loading the cache line holding the byte at `p` (a
/// hint: no effect on program state, and `p` may point anywhere, since a
/// prefetch never faults). Used to overlap the cache misses of the keyspace
/// lookups of a pipelined batch (see networking/prefetch.rs).
#[inline(always)]
pub fn prefetch_read<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: PREFETCHT0 never faults, whatever the address, and changes no
    // architectural state. SSE is part of the x86_64 baseline, so the target
    // feature is always present.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p as *const i8);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Lowers the calling thread's scheduling priority to `nice` (Linux: nice
/// values are per thread). Returns false if the kernel refused.
pub fn set_current_thread_nice(nice: i32) -> bool {
    // SAFETY: gettid has no preconditions; setpriority only reads its integer
    // arguments and affects the calling thread alone.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, nice) == 0
    }
}
