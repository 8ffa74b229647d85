//! The process title that `ps` and /proc/PID/cmdline show. Redis
//! counterpart: setproctitle.c (spt_init, setproctitle), which Redis builds
//! on Linux because Linux has no setproctitle(3).
//!
//! /proc/PID/cmdline is read from the very memory where the kernel copied
//! argv's strings at exec time, so a title is set by overwriting that memory.
//! The kernel lays the strings of argv and of the environment end to end:
//!
//! ```text
//!  base                nul                                      end
//!  v                   v                                        v
//!  | /usr/bin/redis-server\0 | r.conf\0 | HOME=/root\0 | ... | PATH=...\0 |
//!  |<------------ argv area ----------->|<------ environment ------>|
//! ```
//!
//! [`spt_init`] measures that run of contiguous strings (`base..end`) and
//! then moves out everything that still points into it, so the whole run
//! can be reused for the title:
//! - the environment is rebuilt through clearenv + setenv, so libc's
//!   `environ` (and Rust's `std::env::var`, which calls getenv) reads heap
//!   copies from then on;
//! - every `argv[i]` becomes a heap copy, so `std::env::args()` (which reads
//!   argv again on every call) still returns the real arguments;
//! - glibc's `program_invocation_name` / `_short_name` become copies.
//!
//! [`set_proc_title`] then writes the title at `base` with setproctitle.c's
//! rules: the whole run is zeroed the first time and only the first 256
//! bytes after that; the title is cut at 255 bytes; a title shorter than the
//! original argv[0] leaves a `.` where argv[0]'s NUL was, and one exactly as
//! long gets a trailing space there instead.
//!
//! The kernel reads it back as follows: while the last byte of the argv area
//! is still NUL, cmdline is that whole area (the title, then NUL padding);
//! once a title has reached over it, cmdline is the title up to its NUL.
//!
//! Divergences:
//! - `main` does not receive argc/argv in Rust, so they are captured by a
//!   glibc `.init_array` hook, exactly as Rust's std captures them for
//!   `std::env::args()`. On other targets nothing is captured and the title
//!   is never set, which is what Redis does when spt_init fails.
//! - Redis leaves argv[0] pointing at the title; here argv[0] is copied too,
//!   because Rust's std rereads argv on every `std::env::args()` call.

use std::ffi::{c_char, c_int, CStr, CString};
use std::sync::atomic::{AtomicIsize, AtomicPtr, Ordering};
use std::sync::Mutex;

/// argc/argv as the C runtime passed them, set before `main` runs.
static ARGC: AtomicIsize = AtomicIsize::new(0);
static ARGV: AtomicPtr<*mut c_char> = AtomicPtr::new(std::ptr::null_mut());

/// glibc calls `.init_array` functions with (argc, argv, envp) before main.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
extern "C" fn capture_argv(argc: c_int, argv: *mut *mut c_char, _envp: *mut *mut c_char) {
    ARGC.store(argc as isize, Ordering::Relaxed);
    ARGV.store(argv, Ordering::Relaxed);
}

// SAFETY (link_section): glibc calls every `.init_array` entry as
// fn(argc, argv, envp) before main; capture_argv has that signature and only
// stores two atomics, so running it that early is sound.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[used]
#[link_section = ".init_array"]
static CAPTURE_ARGV: extern "C" fn(c_int, *mut *mut c_char, *mut *mut c_char) = capture_argv;

#[cfg(all(target_os = "linux", target_env = "gnu"))]
extern "C" {
    /// glibc's copies of argv[0] and its basename (errno.h), used by
    /// error(3) and friends; they point into the argv area at start-up.
    static mut program_invocation_name: *mut c_char;
    static mut program_invocation_short_name: *mut c_char;
}

/// The reusable run of argv and environment strings (Redis's `SPT`).
struct TitleArea {
    base: *mut u8,
    /// Bytes from `base` to `end`.
    size: usize,
    /// Offset of argv[0]'s original NUL.
    nul: usize,
    /// The whole area has been zeroed once.
    reset: bool,
}

// SAFETY: the area is process-wide memory, not tied to the thread that found
// it; every access goes through the AREA mutex.
unsafe impl Send for TitleArea {}

static AREA: Mutex<Option<TitleArea>> = Mutex::new(None);

/// Longest title written (setproctitle.c's SPT_MAXTITLE).
const MAX_TITLE: usize = 255;

/// Redis: spt_init(). Finds the argv/environment area and frees it for the
/// title. Call at the very start of `main`, before any thread exists: it
/// rewrites the environment and argv. Does nothing if the area cannot be
/// found or moved (the title then stays as exec left it).
pub fn spt_init() {
    let argc = ARGC.load(Ordering::Relaxed);
    let argv = ARGV.load(Ordering::Relaxed);
    if argv.is_null() || argc < 1 {
        return;
    }
    // SAFETY: argv is the array glibc passed to the init hook (argc entries
    // then NULL), still alive for the whole process; main promises no other
    // thread exists yet.
    if let Some(area) = unsafe { init_area(argc as usize, argv) } {
        *AREA.lock().unwrap_or_else(|e| e.into_inner()) = Some(area);
    }
}

/// If `s` starts exactly at `end`, moves `end` just past its NUL: that is
/// how spt_init grows the area one contiguous string at a time.
///
/// # Safety
/// `s` is null or a NUL-terminated string.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
unsafe fn extend_over(end: &mut *mut u8, s: *mut c_char) {
    if !s.is_null() && std::ptr::eq(s as *const u8, *end) {
        // SAFETY: s is a C string (caller); its NUL is inside it.
        *end = unsafe { (s as *mut u8).add(libc::strlen(s) + 1) };
    }
}

/// Redis: the body of spt_init(). Measures the area, then moves argv, the
/// environment and glibc's program names out of it; None (no title ever)
/// if any step fails.
///
/// # Safety
/// `argv` holds `argc` entries followed by NULL, each null or a C string;
/// no other thread runs (the environment and argv change under any reader).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
unsafe fn init_area(argc: usize, argv: *mut *mut c_char) -> Option<TitleArea> {
    // SAFETY: argv has at least one entry (argc >= 1, checked by the caller).
    let base = unsafe { *argv } as *mut u8;
    if base.is_null() {
        return None;
    }
    // SAFETY: argv[0] is a C string.
    let nul = unsafe { libc::strlen(base as *const c_char) };
    // SAFETY: one past argv[0]'s NUL: at most the end of its allocation.
    let mut end = unsafe { base.add(nul + 1) };
    for i in 0..argc {
        // SAFETY: i < argc, and each entry is null or a C string.
        unsafe { extend_over(&mut end, *argv.add(i)) };
    }
    // The environment's strings normally follow argv's: take them too.
    // SAFETY: reading the environ pointer; nothing writes it concurrently.
    let envp = unsafe { libc::environ };
    let mut old_env: Vec<*mut c_char> = Vec::new();
    while !envp.is_null() {
        // SAFETY: environ is NULL-terminated and we stop at the NULL.
        let s = unsafe { *envp.add(old_env.len()) };
        if s.is_null() {
            break;
        }
        // SAFETY: environment entries are C strings.
        unsafe { extend_over(&mut end, s) };
        old_env.push(s);
    }
    // All the strings above lie in one mapping (the initial stack), so the
    // area is that mapping's bytes base..end.
    let size = end as usize - base as usize;

    // SAFETY: the caller guarantees a single thread.
    unsafe { copy_program_names()? };
    // SAFETY: the caller guarantees a single thread; old_env are C strings.
    unsafe { copy_environ(old_env)? };
    for i in 0..argc {
        // SAFETY: i < argc; the entry is null or a C string, and argv's
        // array is writable (C's `char **argv`). strdup's copy is never freed.
        unsafe {
            let s = *argv.add(i);
            if !s.is_null() {
                let copy = libc::strdup(s);
                if copy.is_null() {
                    return None;
                }
                *argv.add(i) = copy;
            }
        }
    }
    Some(TitleArea {
        base,
        size,
        nul,
        reset: false,
    })
}

/// Points glibc's program_invocation_name and _short_name at heap copies.
///
/// # Safety
/// No other thread runs.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
unsafe fn copy_program_names() -> Option<()> {
    // SAFETY: both are C strings set up by glibc before main; they are only
    // replaced (with never-freed copies) while no other thread can read them.
    unsafe {
        let name = libc::strdup(program_invocation_name);
        let short = libc::strdup(program_invocation_short_name);
        if name.is_null() || short.is_null() {
            return None;
        }
        program_invocation_name = name;
        program_invocation_short_name = short;
    }
    Some(())
}

/// Redis: spt_copyenv(). Rebuilds the environment from `old_env` through
/// clearenv + setenv, so that libc owns heap copies of every entry.
///
/// # Safety
/// No other thread runs; `old_env` are C strings that outlive the call.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
unsafe fn copy_environ(mut old_env: Vec<*mut c_char>) -> Option<()> {
    // SAFETY: single thread; clearenv only drops libc's array of pointers,
    // never the strings, which old_env still lists.
    if unsafe { libc::clearenv() } != 0 {
        return None;
    }
    for &entry in &old_env {
        // SAFETY: entry is a C string (caller), not yet overwritten.
        let bytes = unsafe { CStr::from_ptr(entry) }.to_bytes();
        let Some(eq) = bytes.iter().position(|&b| b == b'=') else {
            continue; // Not NAME=VALUE: dropped, as Redis does.
        };
        let (Ok(k), Ok(v)) = (CString::new(&bytes[..eq]), CString::new(&bytes[eq + 1..])) else {
            continue;
        };
        // SAFETY: single thread; k and v are C strings setenv copies.
        if unsafe { libc::setenv(k.as_ptr(), v.as_ptr(), 1) } != 0 {
            // As Redis: put the old entries back (leaked, like libc's own
            // arrays) and give up on titles.
            old_env.push(std::ptr::null_mut());
            // SAFETY: single thread; a NULL-terminated array of C strings
            // that now lives for the rest of the process.
            unsafe { libc::environ = old_env.leak().as_mut_ptr() };
            return None;
        }
    }
    Some(())
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
unsafe fn init_area(_argc: usize, _argv: *mut *mut c_char) -> Option<TitleArea> {
    None
}

/// Redis: setproctitle("%s", title). Writes `title` (cut at its first NUL
/// and at 255 bytes) over the area spt_init found; does nothing without one.
pub fn set_proc_title(title: &[u8]) {
    let title = title.split(|&b| b == 0).next().unwrap_or(b"");
    if title.is_empty() {
        return; // vsnprintf wrote nothing: setproctitle.c's error path.
    }
    let mut guard = AREA.lock().unwrap_or_else(|e| e.into_inner());
    let Some(a) = guard.as_mut() else {
        return;
    };
    // SAFETY: base..base+size is the run spt_init measured: writable, alive
    // for the whole process, and after spt_init moved argv, the environment
    // and program_invocation_name out of it, referenced by nothing but this
    // mutex-guarded struct.
    let area = unsafe { std::slice::from_raw_parts_mut(a.base, a.size) };
    let buf = MAX_TITLE + 1;
    if a.reset {
        area[..a.size.min(buf)].fill(0);
    } else {
        area.fill(0);
        a.reset = true;
    }
    let len = title.len().min(a.size.min(buf) - 1);
    area[..len].copy_from_slice(&title[..len]);
    if len < a.nul {
        area[a.nul] = b'.';
    } else if len == a.nul && len + 1 < a.size {
        area[a.nul] = b' ';
        area[len + 1] = 0;
    }
}
