//! The wall clock that `call()` reads once per command. Redis counterpart:
//! ustime() in server.c (gettimeofday), and monotonic.c, whose x86 TSC
//! clock Redis offers as a build option.
//!
//! # Why, and how
//!
//! clock_gettime through the vDSO is no system call, but it orders the TSC
//! read with a fence and walks the kernel's seqlocked clock data: measured,
//! 5.5% of the server's CPU at PING P=16, where a command costs ~300 ns.
//! So [`realtime_us`] reads the TSC itself (no fence: a skew of a few
//! dozen cycles is nothing at microsecond resolution) and turns ticks into
//! microseconds from an anchor that the server cron sets every 100 ms
//! ([`calibrate`]): the anchor is a (TSC, clock_gettime) pair, and the rate
//! is measured between the last two anchors, so the estimate drifts from
//! the real clock by well under a microsecond per cron period and is put
//! right at every anchor (the clock may step back by that much, as
//! gettimeofday may under NTP).
//!
//! The TSC is used only where the CPU says its rate is constant and it keeps
//! counting in sleep states (`constant_tsc` and `nonstop_tsc` in
//! /proc/cpuinfo). A reader falls back to clock_gettime when there is no
//! anchor yet, when the anchor is being rewritten, or when it is over ~2^32
//! ticks old (about a second and a half: the cron stalled, or another thread
//! reads while the main thread is busy), so a stale rate never stretches far.
//!
//! The anchor is three atomics under a sequence counter (a seqlock): one
//! writer, the main thread's cron; readers on any thread retry nothing, they
//! just take the slow path when the counter moved.

use std::sync::atomic::{fence, AtomicBool, AtomicU64, Ordering};

/// The anchor: TSC ticks, wall-clock µs, and µs per tick in 32.32 fixed
/// point, valid while `SEQ` is even and unchanged.
static BASE_TSC: AtomicU64 = AtomicU64::new(0);
static BASE_US: AtomicU64 = AtomicU64::new(0);
static MULT: AtomicU64 = AtomicU64::new(0);
static SEQ: AtomicU64 = AtomicU64::new(0);
/// An anchor with a measured rate exists.
static READY: AtomicBool = AtomicBool::new(false);

/// Ticks past the anchor beyond which a reader does not trust the rate.
const MAX_TICKS: u64 = 1 << 32;

/// clock_gettime(CLOCK_REALTIME) in µs since the Unix epoch.
#[inline]
pub fn gettime_us() -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_REALTIME always
    // exists, so the call cannot fail.
    unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts) };
    ts.tv_sec * 1_000_000 + ts.tv_nsec / 1000
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn rdtsc() -> u64 {
    // SAFETY: RDTSC reads the time-stamp counter and has no other effect;
    // every x86_64 CPU has it (and Linux leaves it enabled for user space).
    unsafe { std::arch::x86_64::_rdtsc() }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn rdtsc() -> u64 {
    0
}

/// Wall-clock microseconds since the Unix epoch (see the module comment).
#[inline]
pub fn realtime_us() -> i64 {
    if READY.load(Ordering::Relaxed) {
        let seq = SEQ.load(Ordering::Acquire);
        let t = rdtsc();
        let base_tsc = BASE_TSC.load(Ordering::Relaxed);
        let base_us = BASE_US.load(Ordering::Relaxed) as i64;
        let mult = MULT.load(Ordering::Relaxed);
        fence(Ordering::Acquire);
        let dt = t.wrapping_sub(base_tsc);
        if seq & 1 == 0 && SEQ.load(Ordering::Relaxed) == seq && dt < MAX_TICKS {
            // dt < 2^32 and mult < 2^32 (a tick is well under a µs).
            return base_us + ((dt * mult) >> 32) as i64;
        }
    }
    gettime_us()
}

/// Whether this CPU's TSC runs at a constant rate through sleep states.
fn tsc_is_steady() -> bool {
    if !cfg!(target_arch = "x86_64") {
        return false;
    }
    let Ok(info) = std::fs::read_to_string("/proc/cpuinfo") else {
        return false;
    };
    let flags = info.lines().find(|l| l.starts_with("flags")).unwrap_or("");
    let has = |f: &str| flags.split_whitespace().any(|x| x == f);
    has("constant_tsc") && has("nonstop_tsc")
}

/// Sets a new anchor; from the second call on (at least 10 ms after the
/// previous one) the TSC path is on. A call whose clock reads straddle a
/// preemption changes nothing. Called by the server cron, from one thread
/// only.
pub fn calibrate() {
    static STEADY: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    static PREV_TSC: AtomicU64 = AtomicU64::new(0);
    static PREV_US: AtomicU64 = AtomicU64::new(0);
    if !*STEADY.get_or_init(tsc_is_steady) {
        return;
    }
    // A pair read with a preemption between its halves would skew the
    // anchor and the next rate: the TSC read is bracketed by two clock
    // reads, and a pair whose bracket is wider than 20 µs is not used.
    let before = gettime_us();
    let t = rdtsc();
    let after = gettime_us();
    if !(0..=20).contains(&(after - before)) {
        return;
    }
    let us = before + (after - before) / 2;
    let (pt, pu) = (
        PREV_TSC.load(Ordering::Relaxed),
        PREV_US.load(Ordering::Relaxed) as i64,
    );
    let (dt, du) = (t.wrapping_sub(pt), us - pu);
    if pt != 0 && du >= 10_000 && dt > du as u64 {
        let mult = ((du as u128) << 32) / dt as u128;
        if mult < 1 << 32 {
            let seq = SEQ.load(Ordering::Relaxed);
            SEQ.store(seq + 1, Ordering::Relaxed);
            fence(Ordering::Release);
            BASE_TSC.store(t, Ordering::Relaxed);
            BASE_US.store(us as u64, Ordering::Relaxed);
            MULT.store(mult as u64, Ordering::Relaxed);
            SEQ.store(seq + 2, Ordering::Release);
            READY.store(true, Ordering::Relaxed);
        }
    }
    if pt == 0 || !(0..10_000).contains(&du) {
        PREV_TSC.store(t, Ordering::Relaxed);
        PREV_US.store(us as u64, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsc_clock_follows_the_real_clock() {
        // A calibration is skipped when its clock reads straddle a
        // preemption; a few tries always find a quiet moment.
        calibrate();
        for _ in 0..50 {
            std::thread::sleep(std::time::Duration::from_millis(15));
            calibrate();
            if READY.load(Ordering::Relaxed) {
                break;
            }
        }
        for _ in 0..5 {
            std::thread::sleep(std::time::Duration::from_millis(7));
            let (a, b, c) = (gettime_us(), realtime_us(), gettime_us());
            // Within a millisecond of the real clock, either way.
            assert!(b >= a - 1000 && b <= c + 1000, "{a} {b} {c}");
        }
        if tsc_is_steady() {
            assert!(READY.load(Ordering::Relaxed));
        }
    }
}
