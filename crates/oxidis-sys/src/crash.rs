//! Fatal signals and the state a bug report reads. Redis counterpart:
//! server.c (setupSignalHandlers, removeSignalHandlers), debug.c
//! (sigsegvHandler's signal half, getAndSetMcontextEip, logRegisters, the
//! re-raise at the end of bugReportEnd).
//!
//! The report itself (INFO, the client, the stack trace) is written by the
//! server (`src/crash.rs`); this file catches the signal, collects what the
//! kernel tells about it, calls the server's reporter, and then lets the
//! signal kill the process with its default action, as Redis does, so that
//! the exit status and a core dump say what happened.
//!
//! What the reporter reads: the server and the client being served, each
//! registered here by address. They are only handed out once the process is
//! dying (`begin_bug_report`), on the thread that owns them; the code the
//! signal interrupted never runs again. Redis reads its `server` struct from
//! the signal handler the same way.

use std::any::TypeId;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::OnceLock;

/// What the kernel reported about a fatal signal. Redis: the `siginfo_t` and
/// `ucontext_t` sigsegvHandler reads.
#[derive(Debug, Clone)]
pub struct FatalSignal {
    pub sig: i32,
    pub code: i32,
    /// The faulting address (SIGSEGV and SIGBUS).
    pub addr: usize,
    /// Sender pid and uid when another process sent the signal (SI_USER).
    pub sender: Option<(i32, u32)>,
    /// The instruction pointer when the signal arrived.
    pub ip: usize,
    /// The general registers, by name (x86-64 only; empty elsewhere).
    pub registers: Vec<(&'static str, u64)>,
}

/// The signals that produce a bug report. Redis: setupSignalHandlers.
const FATAL_SIGNALS: [libc::c_int; 5] = [
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGFPE,
    libc::SIGILL,
    libc::SIGABRT,
];

static REPORTER: OnceLock<fn(&FatalSignal)> = OnceLock::new();
static DYING: AtomicBool = AtomicBool::new(false);
static CONTEXT: AtomicPtr<()> = AtomicPtr::new(std::ptr::null_mut());
static CONTEXT_TYPE: OnceLock<TypeId> = OnceLock::new();
static CLIENT_TYPE: OnceLock<TypeId> = OnceLock::new();

/// The payload of a panic that stands for Redis's serverPanic ("Guru
/// Meditation"): the data is in a state the code cannot go on from. Any
/// other panic stands for a failed serverAssert.
#[derive(Debug)]
pub struct ServerPanic(pub String);

/// Redis: serverPanic. Panics with a `ServerPanic` payload.
#[track_caller]
pub fn server_panic(msg: impl Into<String>) -> ! {
    std::panic::panic_any(ServerPanic(msg.into()))
}

/// Sets the function that writes the report; the first call wins.
pub fn set_fatal_signal_reporter(report: fn(&FatalSignal)) {
    let _ = REPORTER.set(report);
}

fn handler_action(handler: libc::sighandler_t, flags: libc::c_int) -> libc::sigaction {
    // SAFETY: sigaction is plain data; all-zero is a valid value that the
    // fields set below complete, and sigemptyset initialises the mask we own.
    unsafe {
        let mut act: libc::sigaction = std::mem::zeroed();
        libc::sigemptyset(&mut act.sa_mask);
        act.sa_flags = flags;
        act.sa_sigaction = handler;
        act
    }
}

/// The alternate stack the calling thread's signal handlers run on. The
/// report symbolises a backtrace and formats INFO, which needs far more than
/// the few pages of the stack Rust's runtime provides for its own overflow
/// message; having a stack of its own lets a stack overflow be reported too.
const ALT_STACK_SIZE: usize = 4 << 20;

fn install_alt_stack() {
    static DONE: AtomicBool = AtomicBool::new(false);
    if DONE.swap(true, Ordering::SeqCst) {
        return;
    }
    // SAFETY: mmap of a fresh private anonymous region that is never
    // unmapped, so the stack stays valid for the life of the process;
    // sigaltstack reads the stack_t we own.
    unsafe {
        let p = libc::mmap(
            std::ptr::null_mut(),
            ALT_STACK_SIZE,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if p == libc::MAP_FAILED {
            return;
        }
        let st = libc::stack_t {
            ss_sp: p,
            ss_flags: 0,
            ss_size: ALT_STACK_SIZE,
        };
        libc::sigaltstack(&st, std::ptr::null_mut());
    }
}

/// Installs the bug-report handler on SIGSEGV, SIGBUS, SIGFPE, SIGILL and
/// SIGABRT, and gives the calling thread (the event loop's) an alternate
/// signal stack big enough for the report. Redis: setupSignalHandlers (when
/// crash-log-enabled).
pub fn install_fatal_signal_handlers() {
    install_alt_stack();
    let act = handler_action(
        on_fatal_signal as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void)
            as libc::sighandler_t,
        libc::SA_NODEFER | libc::SA_RESETHAND | libc::SA_SIGINFO | libc::SA_ONSTACK,
    );
    for sig in FATAL_SIGNALS {
        // SAFETY: `act` is a fully initialised sigaction; the old action is
        // not wanted (null).
        unsafe { libc::sigaction(sig, &act, std::ptr::null_mut()) };
    }
}

static WATCHDOG: OnceLock<fn(usize)> = OnceLock::new();

/// Sets the function the software watchdog runs (with the interrupted
/// instruction pointer) when its timer expires; the first call wins.
pub fn set_watchdog_reporter(report: fn(usize)) {
    let _ = WATCHDOG.set(report);
}

extern "C" fn on_watchdog_signal(
    _sig: libc::c_int,
    _info: *mut libc::siginfo_t,
    uc: *mut libc::c_void,
) {
    let ip = if uc.is_null() {
        0
    } else {
        registers(uc)
            .iter()
            .find(|(n, _)| *n == "rip")
            .map(|r| r.1 as usize)
            .unwrap_or(0)
    };
    if let Some(report) = WATCHDOG.get() {
        report(ip);
    }
}

/// Turns the software watchdog's SIGALRM handler on, or off (SIG_IGN, which
/// also drops a pending SIGALRM). Redis: applyWatchdogPeriod's signal half.
pub fn enable_watchdog(on: bool) {
    install_alt_stack();
    let act = if on {
        handler_action(
            on_watchdog_signal
                as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void)
                as libc::sighandler_t,
            libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_RESTART,
        )
    } else {
        handler_action(libc::SIG_IGN, 0)
    };
    // SAFETY: an initialised sigaction; the old action is not wanted.
    unsafe { libc::sigaction(libc::SIGALRM, &act, std::ptr::null_mut()) };
}

/// Arms (or with 0 disarms) the one-shot timer that delivers SIGALRM after
/// `period_ms`. Redis: watchdogScheduleSignal.
pub fn schedule_watchdog(period_ms: u64) {
    let it = libc::itimerval {
        it_interval: libc::timeval {
            tv_sec: 0,
            tv_usec: 0,
        },
        it_value: libc::timeval {
            tv_sec: (period_ms / 1000) as libc::time_t,
            tv_usec: ((period_ms % 1000) * 1000) as libc::suseconds_t,
        },
    };
    // SAFETY: setitimer reads the itimerval we own; the old value is not
    // wanted.
    unsafe { libc::setitimer(libc::ITIMER_REAL, &it, std::ptr::null_mut()) };
}

/// Gives the fatal signals back their default action. Redis:
/// removeSignalHandlers (crash-log-enabled off, or before abort() after an
/// assertion so that it does not report twice).
pub fn remove_fatal_signal_handlers() {
    let act = handler_action(libc::SIG_DFL, libc::SA_NODEFER | libc::SA_RESETHAND);
    for sig in FATAL_SIGNALS {
        // SAFETY: as in install_fatal_signal_handlers.
        unsafe { libc::sigaction(sig, &act, std::ptr::null_mut()) };
    }
}

extern "C" fn on_fatal_signal(sig: libc::c_int, info: *mut libc::siginfo_t, uc: *mut libc::c_void) {
    let mut fs = FatalSignal {
        sig,
        code: 0,
        addr: 0,
        sender: None,
        ip: 0,
        registers: Vec::new(),
    };
    if !info.is_null() {
        // SAFETY: the kernel passes a valid siginfo_t to an SA_SIGINFO
        // handler; the accessors read the union member the signal fills
        // (si_addr for faults, si_pid/si_uid for SI_USER), and the others
        // read bytes that exist in every siginfo_t.
        unsafe {
            fs.code = (*info).si_code;
            fs.addr = (*info).si_addr() as usize;
            if fs.code == libc::SI_USER {
                fs.sender = Some(((*info).si_pid(), (*info).si_uid()));
            }
        }
    }
    if !uc.is_null() {
        fs.registers = registers(uc);
        fs.ip = fs
            .registers
            .iter()
            .find(|(n, _)| *n == "rip")
            .map(|r| r.1 as usize)
            .unwrap_or(0);
    }
    if let Some(report) = REPORTER.get() {
        report(&fs);
    }
    reraise(sig);
}

#[cfg(target_arch = "x86_64")]
fn registers(uc: *mut libc::c_void) -> Vec<(&'static str, u64)> {
    const NAMES: [(&str, libc::c_int); 18] = [
        ("rax", libc::REG_RAX),
        ("rbx", libc::REG_RBX),
        ("rcx", libc::REG_RCX),
        ("rdx", libc::REG_RDX),
        ("rdi", libc::REG_RDI),
        ("rsi", libc::REG_RSI),
        ("rbp", libc::REG_RBP),
        ("rsp", libc::REG_RSP),
        ("r8", libc::REG_R8),
        ("r9", libc::REG_R9),
        ("r10", libc::REG_R10),
        ("r11", libc::REG_R11),
        ("r12", libc::REG_R12),
        ("r13", libc::REG_R13),
        ("r14", libc::REG_R14),
        ("r15", libc::REG_R15),
        ("rip", libc::REG_RIP),
        ("eflags", libc::REG_EFL),
    ];
    // SAFETY: the third argument of an SA_SIGINFO handler is the interrupted
    // thread's ucontext_t, valid for the duration of the handler.
    let gregs = unsafe { (*(uc as *const libc::ucontext_t)).uc_mcontext.gregs };
    NAMES
        .iter()
        .map(|&(n, i)| (n, gregs[i as usize] as u64))
        .collect()
}

#[cfg(not(target_arch = "x86_64"))]
fn registers(_uc: *mut libc::c_void) -> Vec<(&'static str, u64)> {
    Vec::new()
}

/// Ends the process with `sig` and its default action (a core dump for the
/// fatal signals). Redis: the end of bugReportEnd.
pub fn reraise(sig: i32) -> ! {
    let act = handler_action(
        libc::SIG_DFL,
        libc::SA_NODEFER | libc::SA_ONSTACK | libc::SA_RESETHAND,
    );
    // SAFETY: sigaction with an initialised action, then kill/raise to
    // ourselves; nothing here touches memory of ours.
    unsafe {
        libc::sigaction(sig, &act, std::ptr::null_mut());
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::kill(libc::getpid(), sig);
        // A signal sent to the process may be taken by another thread; this
        // one stops here until the process is gone.
        loop {
            libc::pause();
        }
    }
}

/// Writes to a read-only page: a real SIGSEGV. Redis: DEBUG SEGFAULT.
pub fn trigger_segfault() -> ! {
    // SAFETY: mmap of a fresh private anonymous page; the volatile write to
    // it faults (the page is read-only) and the fatal-signal path ends the
    // process, so no memory of ours is ever changed. Should the mapping fail,
    // the process aborts instead.
    unsafe {
        let p = libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if p == libc::MAP_FAILED {
            libc::abort();
        }
        std::ptr::write_volatile(p as *mut u8, b'x');
        libc::abort();
    }
}

/// Ends the process at once with `code`, running no destructors. Redis:
/// `_exit` under use-exit-on-panic.
pub fn exit_now(code: i32) -> ! {
    // SAFETY: _exit takes an integer and does not return.
    unsafe { libc::_exit(code) }
}

/// Marks the process as dying: from now on the registered server and client
/// are handed out to the bug report. Returns false if a report had already
/// begun (Redis: bugReportStart prints its header once).
pub fn begin_bug_report() -> bool {
    !DYING.swap(true, Ordering::SeqCst)
}

/// Whether a bug report has begun.
pub fn is_dying() -> bool {
    DYING.load(Ordering::SeqCst)
}

/// Whether the caller runs on the process's first thread (the event loop's).
pub fn is_main_thread() -> bool {
    // SAFETY: gettid and getpid take no arguments and cannot fail.
    unsafe { libc::syscall(libc::SYS_gettid) as libc::pid_t == libc::getpid() }
}

/// Registers the server state a bug report reads. `ctx` must stay at its
/// address for the rest of the process's life.
pub fn set_crash_context<T: 'static>(ctx: &T) {
    if *CONTEXT_TYPE.get_or_init(TypeId::of::<T>) == TypeId::of::<T>() {
        CONTEXT.store(ctx as *const T as *mut (), Ordering::Release);
    }
}

/// The client being served and the arguments of its command, as registered.
#[derive(Clone, Copy)]
pub struct ServedClient {
    client: *const (),
    argv: *const Vec<u8>,
    argc: usize,
    function: &'static str,
}

thread_local! {
    static SERVED: std::cell::Cell<Option<ServedClient>> = const { std::cell::Cell::new(None) };
}

/// Registers the client being served, its command's arguments and the Redis
/// function that command mirrors (`debugCommand`), and returns what was
/// registered before (a script's or a transaction's inner command is served
/// within the outer one), for `restore_crash_client`. Redis:
/// server.current_client, as logCurrentClient reads it.
#[inline]
pub fn set_crash_client<T: 'static>(
    c: &T,
    argv: &[Vec<u8>],
    function: &'static str,
) -> Option<ServedClient> {
    if *CLIENT_TYPE.get_or_init(TypeId::of::<T>) != TypeId::of::<T>() {
        return None;
    }
    let now = ServedClient {
        client: c as *const T as *const (),
        argv: argv.as_ptr(),
        argc: argv.len(),
        function,
    };
    SERVED.with(|s| s.replace(Some(now)))
}

/// Puts back what `set_crash_client` returned, once the command is done.
#[inline]
pub fn restore_crash_client(prev: Option<ServedClient>) {
    SERVED.with(|s| s.set(prev));
}

/// The Redis function of the command being served on this thread, if any
/// (a static name: safe to read at any time, from a signal handler too).
pub fn served_function() -> Option<&'static str> {
    SERVED.with(|s| s.get()).map(|sc| sc.function)
}

/// The registered server state, only while a bug report is being written on
/// the main thread.
pub fn crash_context<T: 'static>() -> Option<&'static T> {
    if !is_dying() || !is_main_thread() || CONTEXT_TYPE.get() != Some(&TypeId::of::<T>()) {
        return None;
    }
    let p = CONTEXT.load(Ordering::Acquire) as *const T;
    if p.is_null() {
        return None;
    }
    // SAFETY: the pointer was registered from a live `&T` of this very type
    // (checked through its TypeId) whose owner keeps it at that address for
    // the life of the process. It is only handed out once the process is
    // dying, on the main thread that owns the value: the code that was
    // interrupted or panicked never resumes, because a bug report ends by
    // killing the process. The value may be half-way through an update, as
    // Redis's server struct may be when its crash report reads it.
    Some(unsafe { &*p })
}

/// The client that was being served and its command's arguments, only while
/// a bug report is being written on the main thread.
pub fn crash_client<T: 'static>() -> Option<(&'static T, &'static [Vec<u8>])> {
    if !is_dying() || !is_main_thread() || CLIENT_TYPE.get() != Some(&TypeId::of::<T>()) {
        return None;
    }
    let sc = SERVED.with(|s| s.get())?;
    // SAFETY: as in dying_ref: the client and the argument vector were
    // registered from live references of these types by the command that
    // the signal or panic interrupted; that command never resumes, so they
    // are still where they were registered.
    unsafe {
        Some((
            &*(sc.client as *const T),
            std::slice::from_raw_parts(sc.argv, sc.argc),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_handed_out_before_a_report_begins() {
        let v = 7u64;
        set_crash_context(&v);
        assert!(crash_context::<u64>().is_none());
        assert!(crash_context::<u32>().is_none());
    }
}
