//! Snapshots: SAVE, BGSAVE and the writer thread that replaces Redis's fork child.
//! Redis counterpart: rdb.c (rdbSave's bookkeeping, rdbSaveBackground,
//! backgroundSaveDoneHandler, saveCommand, bgsaveCommand, killRDBChild), server.c
//! (the save points and BGSAVE SCHEDULE of serverCron, checkChildrenDone,
//! updateDictResizePolicy, the SHUTDOWN save of finishShutdown) and childinfo.c.
//!
//! # How a BGSAVE works here
//!
//! Redis forks: the kernel gives the child a frozen image of the parent's memory and
//! copies a page only when the parent writes to it. oxidis does the same one level up:
//!
//! 1. `Snapshot::capture` clones every database's `dict` and `expires`. A `Dict`
//!    clone bumps the reference counts of its segment directories and copies nothing,
//!    so the main thread's stall is O(databases), whatever the number of keys.
//!    That capture plus the writer thread's spawn is what `latest_fork_usec`
//!    reports (Redis reports the `fork()` call).
//! 2. A writer thread, at a lower scheduling priority ([`WRITER_NICE`]), takes the
//!    snapshot, serialises it into `temp-<id>.rdb`, flushes, fsyncs and renames it
//!    over `dbfilename` (`save::save_to_file`). It walks the snapshot segment by
//!    segment and lets go of each one once written (`Dict::drain_for_each`): a
//!    segment the main thread has not written yet is then the live dict's alone,
//!    and writing it later copies nothing. A segment the main thread did copy is
//!    handed back over a channel and freed by the event loop, a few per iteration
//!    ([`free_retired`]), so the allocator's fast bins are not flooded from the
//!    writer's side.
//! 3. Meanwhile every write on the main thread reaches its bucket through
//!    `Arc::make_mut`, which copies the one segment (and directory) a snapshot still
//!    shares. The dict counts those bytes (`dict::cow_bytes`): that is
//!    `current_cow_size` during the save and `rdb_last_cow_size` after it.
//! 4. When it is done the writer sends its result on a channel and wakes the event
//!    loop through a `mio::Waker` (token [`WAKER_TOKEN`]); the loop runs
//!    [`check_child_done`], Redis's done handler: `lastsave`, the dirty counter, the
//!    log line, `rdb_last_bgsave_status`.
//!
//! While a snapshot exists the dicts avoid resizing (`dict::set_resize_allowed(false)`,
//! Redis's `updateDictResizePolicy`), because a rehash would copy every segment.
//!
//! "Killing the child" (FLUSHALL, SHUTDOWN) sets the snapshot's cancel flag; the
//! writer checks it between keys, removes its temp file and reports a cancellation,
//! which the done handler treats like Redis treats a child killed by SIGUSR1.
//!
//! Divergence: there is no child process, so tests that look for a child PID to kill
//! cannot find one (tcl-compat/design-differences.txt).

use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Instant;

use oxidis_ds::dict::Retired;
use oxidis_ds::util;

use super::save::{self, SaveError, SaveProgress, Snapshot};
use super::*;
use crate::networking::Client;
use crate::server::command::CommandProc;
use crate::server::Server;
use crate::server_log;

/// Redis: CONFIG_BGSAVE_RETRY_DELAY — seconds between attempts after a failure.
const BGSAVE_RETRY_DELAY: i64 = 5;

/// A save did not happen (the reason is in the log, as in Redis).
#[derive(Debug)]
pub struct SaveFailed;

/// How a background save ended.
pub enum Outcome {
    Ok(Option<Vec<u8>>), // the image itself when it was made for replica sockets
    Err,
    Cancelled,
    /// Its job handle (child.rs) was killed with this signal: Redis's child
    /// "terminated by signal N".
    Killed(i32),
}

/// The running background save. Redis: child_pid / child_type / the child info pipe.
pub struct Child {
    thread: Option<std::thread::JoinHandle<()>>,
    rx: mpsc::Receiver<Outcome>,
    pub progress: Arc<SaveProgress>,
    pub keys_total: u64, // current_save_keys_total
    pub cow_start: u64,  // dict::cow_bytes() when the snapshot was taken
    pub cow_peak: u64,   // current_cow_peak
    pub started: Instant,
    pub kind: ChildKind,
    pub handle: Option<super::child::JobHandle>, // the process that stands for the job
    pub pid: i32, // the handle's pid (the server's own when none could start)
}

/// Where a background save writes. Redis: RDB_CHILD_TYPE_DISK / _SOCKET.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SaveTarget {
    Disk,
    Sockets,
}

/// What the writer thread is writing. Redis: child_type (CHILD_TYPE_RDB,
/// CHILD_TYPE_AOF) with rdb_child_type.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ChildKind {
    Rdb(SaveTarget),
    /// BGREWRITEAOF's new base file (aof/rewrite.rs).
    Aof,
}

impl Child {
    /// Bytes copied on write since the snapshot was taken (current_cow_size).
    pub fn cow_size(&self) -> u64 {
        oxidis_ds::dict::cow_bytes().saturating_sub(self.cow_start)
    }
}

/// Redis: updateDictResizePolicy().
fn update_dict_resize_policy(s: &Server) {
    oxidis_ds::dict::set_resize_allowed(!has_active_child(s));
}

/// Scheduling priority of the writer thread. Redis's fork child competes with
/// the main thread at the same priority (unless `bgsave_cpulist` pins it
/// elsewhere); here the writer is a thread of the same process, and running it
/// at a lower priority keeps the event loop's latency close to its normal level
/// during a save on a busy CPU, at the price of a longer save when the CPU is
/// saturated. Measured with `bench/run --snapshot`.
const WRITER_NICE: i32 = 19;

/// Segments handed back per event-loop iteration (each is `dict::SEG_LEN`
/// buckets and their chains; dropping one costs a few microseconds).
const RETIRED_PER_ITERATION: usize = 64;

/// Frees, a few at a time, the dict segments a finished (or running) writer
/// handed back: memory the main thread allocated is freed on the main thread,
/// in small steps. Called from `before_sleep`.
pub fn free_retired(s: &mut Server) {
    let mut budget = RETIRED_PER_ITERATION;
    s.rdb.retired.retain(|rx| loop {
        if budget == 0 {
            return true;
        }
        match rx.try_recv() {
            Ok(r) => {
                drop(r);
                budget -= 1;
            }
            Err(mpsc::TryRecvError::Empty) => return true,
            Err(mpsc::TryRecvError::Disconnected) => return false,
        }
    });
}

/// Redis: rdbSave() — a synchronous save of the whole dataset, on this thread.
pub fn rdb_save(s: &mut Server) -> Result<(), SaveFailed> {
    let snap = Snapshot::capture(s);
    let progress = SaveProgress::default();
    let filename = s.config.dbfilename.clone();
    match save::save_to_file(&filename, &format!("{}", s.pid), snap, &progress, &mut drop) {
        Ok(()) => {
            server_log!(Notice, "DB saved on disk");
            s.dirty = 0;
            s.lastsave = util::unixtime();
            s.rdb.lastbgsave_ok = true;
            Ok(())
        }
        Err(e) => {
            e.log();
            Err(SaveFailed)
        }
    }
}

/// Redis: rdbSaveBackground(). Captures the snapshot and starts the writer thread.
pub fn rdb_save_background(s: &mut Server) -> Result<(), SaveFailed> {
    rdb_save_background_to(s, SaveTarget::Disk)
}

/// rdbSaveBackground or, for `SaveTarget::Sockets`, rdbSaveToSlavesSockets: the
/// writer serialises the same snapshot into memory instead of dbfilename, and the
/// done handler hands it to the replicas (replication/master.rs).
pub fn rdb_save_background_to(s: &mut Server, target: SaveTarget) -> Result<(), SaveFailed> {
    rdb_save_background_filtered(s, target, 0)
}

/// [`rdb_save_background_to`] leaving out what a replica's REPLCONF
/// rdb-filter-only asked to leave out (`req`: SLAVE_REQ_* bits). Redis:
/// rdbSaveRio's `req`.
pub fn rdb_save_background_filtered(
    s: &mut Server,
    target: SaveTarget,
    req: u8,
) -> Result<(), SaveFailed> {
    use crate::replication::master::{SLAVE_REQ_RDB_EXCLUDE_DATA, SLAVE_REQ_RDB_EXCLUDE_FUNCTIONS};
    if has_active_child(s) {
        return Err(SaveFailed);
    }
    s.rdb.stat_rdb_saves += 1;
    s.rdb.dirty_before_bgsave = s.dirty;
    s.rdb.lastbgsave_try = util::unixtime();
    let filename = s.config.dbfilename.clone();
    let spawned = spawn_writer(s, ChildKind::Rdb(target), |pid| {
        // Redis: the child writes temp-<its pid>.rdb.
        let temp_id = pid.to_string();
        move |mut snap: Snapshot, p: &SaveProgress, retire: &mut dyn FnMut(Retired)| {
            if req & SLAVE_REQ_RDB_EXCLUDE_DATA != 0 {
                snap.dbs.clear();
            }
            if req & SLAVE_REQ_RDB_EXCLUDE_FUNCTIONS != 0 {
                snap.opts.functions.clear();
            }
            if target == SaveTarget::Sockets {
                let mut rdb = super::encoding::Rio::buffer();
                return match save::save_rio(&mut rdb, snap, p, retire) {
                    Ok(()) => Outcome::Ok(Some(rdb.into_bytes())),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Outcome::Cancelled,
                    Err(_) => Outcome::Err,
                };
            }
            match save::save_to_file(&filename, &temp_id, snap, p, retire) {
                Ok(()) => {
                    server_log!(Notice, "DB saved on disk");
                    Outcome::Ok(None)
                }
                Err(SaveError::Cancelled) => Outcome::Cancelled,
                Err(e) => {
                    e.log();
                    Outcome::Err
                }
            }
        }
    });
    match spawned {
        Ok(pid) => {
            if target == SaveTarget::Sockets {
                server_log!(Notice, "Background RDB transfer started by pid {}", pid);
            } else {
                server_log!(Notice, "Background saving started by pid {}", pid);
            }
            s.rdb.save_time_start = util::unixtime();
            Ok(())
        }
        Err(e) => {
            s.rdb.lastbgsave_ok = false;
            server_log!(Warning, "Can't save in background: fork: {}", e);
            Err(SaveFailed)
        }
    }
}

/// Redis: redisFork(). Captures the snapshot and starts the writer thread on
/// `job`, which returns how it ended; the done handler
/// ([`check_child_done`]) runs when it wakes the loop. The stall the event
/// loop sees, capture plus spawn, is what `latest_fork_usec` reports.
pub fn spawn_writer<J>(
    s: &mut Server,
    kind: ChildKind,
    make_job: impl FnOnce(i32) -> J,
) -> std::io::Result<i32>
where
    J: FnOnce(Snapshot, &SaveProgress, &mut dyn FnMut(Retired)) -> Outcome + Send + 'static,
{
    let start = Instant::now();
    let handle = spawn_handle(s, kind);
    let pid = handle.as_ref().map_or(s.pid, |h| h.pid());
    let job = make_job(pid);
    let mut snap = Snapshot::capture(s);
    snap.opts.aof_base = kind == ChildKind::Aof;
    let keys_total = snap.total_keys();
    let cow_start = oxidis_ds::dict::cow_bytes();
    let progress = Arc::new(SaveProgress::default());
    let (tx, rx) = mpsc::channel();
    let waker = s.rdb.waker.clone();
    let p = progress.clone();
    let (retire_tx, retire_rx) = mpsc::channel::<Retired>();
    let name = if kind == ChildKind::Aof {
        "aof-rewrite"
    } else {
        "rdb-bgsave"
    };
    let thread = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            oxidis_sys::set_current_thread_nice(WRITER_NICE);
            let mut retire = |r: Retired| {
                // The receiver is gone only if the server is shutting down.
                if let Err(mpsc::SendError(r)) = retire_tx.send(r) {
                    drop(r);
                }
            };
            let outcome = job(snap, &p, &mut retire);
            // The snapshot was consumed: segments still shared with the live
            // dataset were released, segments it had copied were handed back
            // to the event loop (free_retired).
            drop(retire_tx);
            let _ = tx.send(outcome);
            if let Some(w) = waker {
                let _ = w.wake();
            }
        })?;
    s.rdb.stat_fork_time_us = start.elapsed().as_micros() as u64;
    s.rdb.stat_total_forks += 1;
    s.rdb.retired.push(retire_rx);
    s.rdb.child = Some(Child {
        thread: Some(thread),
        rx,
        progress,
        keys_total,
        cow_start,
        cow_peak: 0,
        started: start,
        kind,
        handle,
        pid,
    });
    update_dict_resize_policy(s);
    Ok(pid)
}

/// Starts the job's handle process (child.rs), titled as Redis titles the
/// child. None when it cannot start: the job then runs without one.
fn spawn_handle(s: &Server, kind: ChildKind) -> Option<super::child::JobHandle> {
    let exe = s.rdb.exe.as_ref()?;
    let title = match kind {
        ChildKind::Rdb(SaveTarget::Disk) => "redis-rdb-bgsave",
        ChildKind::Rdb(SaveTarget::Sockets) => "redis-rdb-to-slaves",
        ChildKind::Aof => "redis-aof-rewrite",
    };
    let title = crate::server::proctitle::expand_proc_title_template(
        &s.config.proc_title_template,
        title,
        &s.config,
    )
    .unwrap_or_else(|| title.to_string());
    match super::child::JobHandle::spawn(exe, &title) {
        Ok(h) => {
            crate::server::oom_score::set_for_child(s, h.pid());
            Some(h)
        }
        Err(e) => {
            server_log!(Verbose, "Can't start the job handle process: {}", e);
            None
        }
    }
}

/// Redis: checkChildrenDone() + backgroundSaveDoneHandler(). Runs when the waker
/// fires (and from the cron, as a fallback).
pub fn check_child_done(s: &mut Server) {
    let Some(c) = s.rdb.child.as_mut() else {
        return;
    };
    let mut outcome = match c.rx.try_recv() {
        Ok(o) => o,
        Err(mpsc::TryRecvError::Disconnected) => Outcome::Err,
        Err(mpsc::TryRecvError::Empty) => {
            // Redis: a child killed from outside. Its handle exiting before
            // the job ended stops the writer.
            let Some(exit) = c.handle.as_mut().and_then(|h| h.exited()) else {
                return;
            };
            c.progress.cancel.store(true, Ordering::Relaxed);
            let _ = c.rx.recv();
            match exit {
                super::child::Exit::Signal(sig) => Outcome::Killed(sig),
                super::child::Exit::Code(_) => Outcome::Err,
            }
        }
    };
    let mut child = s.rdb.child.take().expect("child present");
    if let Some(t) = child.thread.take() {
        let _ = t.join();
    }
    if let Some(h) = child.handle.take() {
        // A handle killed as the job ended still counts as killed.
        if let super::child::Exit::Signal(sig) = h.finish() {
            if !matches!(outcome, Outcome::Cancelled) {
                outcome = Outcome::Killed(sig);
            }
        }
    }
    // Redis stops its child with SIGUSR1.
    if let Outcome::Cancelled = outcome {
        outcome = Outcome::Killed(libc::SIGUSR1);
    }
    if child.kind == ChildKind::Aof {
        update_dict_resize_policy(s);
        return crate::aof::rewrite::done_handler(s, outcome, &child);
    }
    if child.kind == ChildKind::Rdb(SaveTarget::Sockets) {
        // Redis: backgroundSaveDoneHandlerSocket — no lastsave, no dirty reset.
        let payload = match outcome {
            Outcome::Ok(p) => {
                server_log!(Notice, "Background RDB transfer terminated with success");
                p
            }
            Outcome::Err => {
                server_log!(Warning, "Background transfer error");
                None
            }
            Outcome::Killed(sig) => {
                server_log!(Warning, "Background transfer terminated by signal {}", sig);
                None
            }
            Outcome::Cancelled => None,
        };
        update_dict_resize_policy(s);
        let ok = payload.is_some();
        return crate::replication::master::bgsave_done(s, ok, payload);
    }
    match outcome {
        Outcome::Ok(_) => {
            server_log!(Notice, "Background saving terminated with success");
            s.dirty -= s.rdb.dirty_before_bgsave;
            s.lastsave = util::unixtime();
            s.rdb.lastbgsave_ok = true;
            s.rdb.stat_rdb_cow_bytes = child.cow_size();
        }
        Outcome::Err => {
            server_log!(Warning, "Background saving error");
            s.rdb.lastbgsave_ok = false;
        }
        Outcome::Killed(sig) => {
            server_log!(Warning, "Background saving terminated by signal {}", sig);
            // Redis: SIGUSR1 is how it stops its own child, not an error.
            if sig != libc::SIGUSR1 {
                s.rdb.lastbgsave_ok = false;
            }
        }
        Outcome::Cancelled => {}
    }
    // Redis: rdbRemoveTempFile(child_pid).
    let _ = std::fs::remove_file(format!("temp-{}.rdb", child.pid));
    s.rdb.save_time_last = util::unixtime() - s.rdb.save_time_start;
    s.rdb.save_time_start = -1;
    update_dict_resize_policy(s);
    crate::replication::master::bgsave_done(s, matches!(outcome, Outcome::Ok(_)), None);
}

/// Redis: killRDBChild(). Asks the writer to stop; `wait` also joins it (SHUTDOWN,
/// which must not race the writer's rename with its own save).
pub fn kill_rdb_child(s: &mut Server, wait: bool) {
    let Some(child) = s.rdb.child.as_mut().filter(|c| c.kind != ChildKind::Aof) else {
        return;
    };
    child.progress.cancel.store(true, Ordering::Relaxed);
    if wait {
        if let Some(t) = child.thread.take() {
            let _ = t.join();
        }
        check_child_done(s);
    }
}

/// Stops the writer, waits for it and forgets it without running its done
/// handler. Redis: kill(), waitpid() and resetChildState().
pub fn kill_and_forget(s: &mut Server) {
    if let Some(mut c) = s.rdb.child.take() {
        c.progress.cancel.store(true, Ordering::Relaxed);
        if let Some(t) = c.thread.take() {
            let _ = t.join();
        }
        if let Some(h) = c.handle.take() {
            h.finish();
        }
    }
    update_dict_resize_policy(s);
}

/// The persistence part of serverCron: finished saves, save points, BGSAVE SCHEDULE.
pub fn rdb_cron(s: &mut Server) {
    if let Some(c) = s.rdb.child.as_mut() {
        let cow = oxidis_ds::dict::cow_bytes().saturating_sub(c.cow_start);
        c.cow_peak = c.cow_peak.max(cow);
        check_child_done(s);
    } else {
        let now = util::unixtime();
        let retry_ok = now - s.rdb.lastbgsave_try > BGSAVE_RETRY_DELAY || s.rdb.lastbgsave_ok;
        let due = s
            .config
            .save_params
            .iter()
            .copied()
            .find(|&(secs, changes)| s.dirty >= changes && now - s.lastsave > secs && retry_ok);
        if let Some((secs, changes)) = due {
            server_log!(Notice, "{} changes in {} seconds. Saving...", changes, secs);
            let _ = rdb_save_background(s);
        }
    }
    if !has_active_child(s) && s.rdb.bgsave_scheduled {
        let now = util::unixtime();
        if (now - s.rdb.lastbgsave_try > BGSAVE_RETRY_DELAY || s.rdb.lastbgsave_ok)
            && rdb_save_background(s).is_ok()
        {
            s.rdb.bgsave_scheduled = false;
        }
    }
}

/// Redis: writeCommandsDeniedByDiskError() for RDB: writes are refused after a failed
/// save while `stop-writes-on-bgsave-error yes` and save points are set.
pub fn writes_denied_by_disk_error(s: &Server) -> bool {
    s.config.stop_writes_on_bgsave_error && !s.config.save_params.is_empty() && !s.rdb.lastbgsave_ok
}

/// Redis: shared.bgsaveerr.
pub const MISCONF_ERR: &str = "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/// The RDB part of finishShutdown(): stop a running BGSAVE, then save if save points
/// are set (or SAVE was asked for) unless NOSAVE. `Err` means "can't exit".
pub fn shutdown_save(
    s: &mut Server,
    save: bool,
    nosave: bool,
    force: bool,
) -> Result<(), SaveFailed> {
    if rdb_child_running(s) {
        server_log!(Warning, "There is a child saving an .rdb. Killing it!");
        kill_rdb_child(s, true);
    }
    if crate::aof::shutdown(s, force).is_err() {
        return Err(SaveFailed);
    }
    if (!s.config.save_params.is_empty() && !nosave) || save {
        server_log!(Notice, "Saving the final RDB snapshot before exiting.");
        let systemd = s.supervised_mode == crate::server::supervised::SupervisedMode::Systemd;
        if systemd {
            crate::server::supervised::notify_systemd("STATUS=Saving the final RDB snapshot\n");
        }
        if rdb_save(s).is_err() {
            if force {
                server_log!(Warning, "Error trying to save the DB. Exit anyway.");
            } else {
                server_log!(Warning, "Error trying to save the DB, can't exit.");
                if systemd {
                    crate::server::supervised::notify_systemd(
                        "STATUS=Error trying to save the DB, can't exit.\n",
                    );
                }
                return Err(SaveFailed);
            }
        }
    }
    Ok(())
}

/// The FLUSHALL tail. Redis: flushAllDataAndResetRDB() after emptyData().
pub fn flushall_reset_rdb(s: &mut Server) {
    if rdb_child_running(s) {
        // Wait for the writer (it stops within milliseconds): it must not rename
        // its now stale image over the file the save below writes.
        kill_rdb_child(s, true);
    }
    if !s.config.save_params.is_empty() {
        let _ = rdb_save(s);
    }
}

/* --------------------------------- INFO --------------------------------- */

/// The `# Persistence` section of INFO. Redis: genRedisInfoString().
pub fn info_persistence(s: &Server) -> String {
    let r = &s.rdb;
    let now = util::unixtime();
    let (cow_peak, cow, processed, total) = match &r.child {
        Some(c) => (
            c.cow_peak.max(c.cow_size()),
            c.cow_size(),
            c.progress.keys_processed.load(Ordering::Relaxed),
            c.keys_total,
        ),
        None => (0, 0, 0, 0),
    };
    let fork_perc = if total > 0 {
        processed as f64 * 100.0 / total as f64
    } else {
        0.0
    };
    let mut out = format!(
        "# Persistence\r\nloading:{}\r\nasync_loading:0\r\ncurrent_cow_peak:{}\r\ncurrent_cow_size:{}\r\ncurrent_cow_size_age:0\r\ncurrent_fork_perc:{:.2}\r\ncurrent_save_keys_processed:{}\r\ncurrent_save_keys_total:{}\r\nrdb_changes_since_last_save:{}\r\nrdb_bgsave_in_progress:{}\r\nrdb_last_save_time:{}\r\nrdb_last_bgsave_status:{}\r\nrdb_last_bgsave_time_sec:{}\r\nrdb_current_bgsave_time_sec:{}\r\nrdb_saves:{}\r\nrdb_last_cow_size:{}\r\nrdb_last_load_keys_expired:{}\r\nrdb_last_load_keys_loaded:{}\r\n{}",
        s.loading as i32,
        cow_peak,
        cow,
        fork_perc,
        processed,
        total,
        s.dirty,
        rdb_child_running(s) as i32,
        s.lastsave,
        if r.lastbgsave_ok { "ok" } else { "err" },
        r.save_time_last,
        if rdb_child_running(s) {
            now - r.save_time_start
        } else {
            -1
        },
        r.stat_rdb_saves,
        r.stat_rdb_cow_bytes,
        r.last_load_keys_expired,
        r.last_load_keys_loaded,
        crate::aof::info_fields(s),
    );
    if s.loading {
        let (perc, remaining) = if r.loading_total_bytes > 0 {
            (
                r.loading_loaded_bytes as f64 * 100.0 / r.loading_total_bytes as f64,
                r.loading_total_bytes.saturating_sub(r.loading_loaded_bytes),
            )
        } else {
            (0.0, 1)
        };
        let elapsed = now - r.loading_start_time;
        let eta = if elapsed == 0 {
            1
        } else {
            elapsed * remaining as i64 / (r.loading_loaded_bytes as i64 + 1)
        };
        out.push_str(&format!(
            "loading_start_time:{}\r\nloading_total_bytes:{}\r\nloading_rdb_used_mem:{}\r\nloading_loaded_bytes:{}\r\nloading_loaded_perc:{:.2}\r\nloading_eta_seconds:{}\r\n",
            r.loading_start_time,
            r.loading_total_bytes,
            r.loading_rdb_used_mem,
            r.loading_loaded_bytes,
            perc,
            eta
        ));
    }
    out
}

/// The fork-related lines of INFO stats: `latest_fork_usec` is the snapshot's
/// start stall, `total_forks` the snapshots taken.
pub fn info_fork_fields(s: &Server) -> String {
    format!(
        "latest_fork_usec:{}\r\ntotal_forks:{}\r\nmigrate_cached_sockets:{}\r\n",
        s.rdb.stat_fork_time_us,
        s.rdb.stat_total_forks,
        s.rdb.migrate_cache.len()
    )
}

/* ------------------------------- commands ------------------------------- */

/// Is the writer thread writing an RDB (`child_type == CHILD_TYPE_RDB`)?
pub fn rdb_child_running(s: &Server) -> bool {
    s.rdb
        .child
        .as_ref()
        .is_some_and(|c| matches!(c.kind, ChildKind::Rdb(_)))
}

/// Redis: saveCommand().
fn save_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    if rdb_child_running(s) {
        return c.add_reply_error("Background save already in progress");
    }
    s.rdb.stat_rdb_saves += 1;
    if rdb_save(s).is_ok() {
        c.add_reply_ok();
    } else {
        c.add_reply_error("-ERR");
    }
}

/// Redis: bgsaveCommand().
fn bgsave_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let mut schedule = false;
    if argv.len() > 1 {
        if argv.len() == 2 && argv[1].eq_ignore_ascii_case(b"schedule") {
            schedule = true;
        } else {
            return c.add_reply_syntax_err();
        }
    }
    if rdb_child_running(s) {
        c.add_reply_error("Background save already in progress");
    } else if has_active_child(s) || s.in_exec {
        if schedule || s.in_exec {
            s.rdb.bgsave_scheduled = true;
            c.add_reply_status("Background saving scheduled");
        } else {
            c.add_reply_error("Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
        }
    } else if rdb_save_background(s).is_ok() {
        c.add_reply_status("Background saving started");
    } else {
        c.add_reply_error("-ERR");
    }
}

pub static HANDLERS: &[(&str, CommandProc)] = &[("save", save_command), ("bgsave", bgsave_command)];
