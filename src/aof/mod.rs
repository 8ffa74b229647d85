//! The append-only file. Redis counterpart: aof.c (7.0) with its hooks in
//! server.c (beforeSleep, serverCron, finishShutdown, loadDataFromDisk,
//! INFO persistence) and config.c (`appendonly` at run time).
//!
//! Files: `manifest.rs` the manifest of the multi-part AOF; `load.rs`
//! replaying it at start-up and for DEBUG LOADAOF; `rewrite.rs` BGREWRITEAOF
//! on the copy-on-write snapshot; `bio.rs` the background fsync thread; this
//! file the write path, the switches and the INFO fields.
//!
//! # The write path
//!
//! Every write command reaches the AOF through propagation, exactly as it
//! reaches replicas (`replication/mod.rs`): the same rewrites (EXPIRE as
//! PEXPIREAT, SPOP as SREM, ...), the same MULTI/EXEC around a command that
//! propagated several. [`feed`] encodes it in RESP, after a SELECT when the
//! database changes and a `#TS:` line when `aof-timestamp-enabled` asks,
//! into `buf`. Before the event loop sleeps, and so before any reply leaves,
//! [`flush`] writes `buf` to the current INCR file with one write(), then:
//!
//! - `appendfsync no`: nothing more, the kernel flushes when it likes;
//! - `everysec`: at most once a second an fsync job goes to the bio thread;
//!   if the previous one is still running the write waits up to two seconds
//!   (Redis's `aof_delayed_fsync` counts the times it could not);
//! - `always`: see below.
//!
//! # Group commit for `appendfsync always`
//!
//! Redis calls fsync() on its main thread in beforeSleep: nothing else runs
//! while the disk works. Here the fsync runs on the bio thread and the loop
//! goes on reading and executing. The promise stays Redis's: no reply, no
//! pub/sub message, no byte of the replication stream leaves before every
//! AOF byte that existed when it was produced is on disk. So:
//!
//! 1. `flush` writes `buf`, and `written_upto` (a position in the whole AOF
//!    stream, across files) moves past it; an fsync job for that position
//!    goes to the bio thread.
//! 2. `hold_and_release` then marks the output of every client whose output
//!    grew: it may depend on any write executed so far (it may have read
//!    it), so that output waits until `written_upto` is durable. The client
//!    may still send what earlier marks cover once their fsyncs are done.
//! 3. The bio thread fdatasyncs, merging the jobs queued behind it into the
//!    same call (one flush covers every batch written meanwhile: group
//!    commit), publishes `synced_upto` and wakes the loop, which releases the
//!    clients whose position is now durable.
//!
//! Nothing that was not on disk is ever acknowledged or observed; what
//! changes is that a slow fsync delays only the clients that wait for it,
//! and that one fsync covers the batches of every client that wrote
//! meanwhile.
//!
//! Divergence: the rewrite runs on the writer thread over the copy-on-write
//! snapshot instead of in a fork child (`rewrite.rs`); log lines say "pid"
//! and print the server's own pid.

pub mod bio;
pub mod load;
pub mod manifest;
pub mod rewrite;

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::AppendFsync;
use crate::networking::client::CLIENT_PENDING_WRITE;
use crate::server::Server;
use crate::server_log;
use manifest::Manifest;
use oxidis_ds::util;

/// Redis: AOF_OFF / AOF_ON / AOF_WAIT_REWRITE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AofStatus {
    Off,
    On,
    /// Switched on at run time: the first rewrite has not finished yet.
    WaitRewrite,
}

/// An AOF operation did not happen; the reason is in the log, as in Redis.
#[derive(Debug)]
pub struct AofFailed;

/// Seconds between two logs of a failing AOF write. Redis:
/// AOF_WRITE_LOG_ERROR_RATE.
const WRITE_LOG_ERROR_RATE: i64 = 30;

/// The AOF state kept on the server. Redis: the aof_* fields of
/// `struct redisServer`.
pub struct AofState {
    pub status: AofStatus,              // aof_state
    pub manifest: Manifest,             // aof_manifest
    pub file: Option<Arc<File>>,        // aof_fd: the INCR file appended to
    pub buf: Vec<u8>,                   // aof_buf: written in before_sleep
    pub selected_db: i64,               // aof_selected_db; -1 forces a SELECT
    pub current_size: u64,              // aof_current_size
    pub rewrite_base_size: u64,         // aof_rewrite_base_size
    pub last_incr_size: u64,            // aof_last_incr_size
    pub last_incr_fsync_offset: u64,    // aof_last_incr_fsync_offset
    pub last_fsync: i64,                // aof_last_fsync (unix seconds)
    pub flush_postponed_start: i64,     // aof_flush_postponed_start
    pub flush_sleep_us: u64,            // aof_flush_sleep (DEBUG AOF-FLUSH-SLEEP)
    pub delayed_fsync: u64,             // aof_delayed_fsync
    pub last_write_ok: bool,            // aof_last_write_status == C_OK
    pub last_write_errno: i32,          // aof_last_write_errno
    pub last_write_error_log: i64,      // unix time of the last logged write error
    pub rewrite_scheduled: bool,        // aof_rewrite_scheduled
    pub rewrite_time_start: i64,        // aof_rewrite_time_start, -1 when none
    pub rewrite_time_last: i64,         // aof_rewrite_time_last, -1 when none
    pub lastbgrewrite_ok: bool,         // aof_lastbgrewrite_status == C_OK
    pub stat_rewrites: u64,             // stat_aof_rewrites
    pub consecutive_failures: u64,      // stat_aofrw_consecutive_failures
    pub stat_cow_bytes: u64,            // stat_aof_cow_bytes
    pub cur_timestamp: i64,             // aof_cur_timestamp (#TS annotations)
    pub limit: rewrite::RewriteLimit,   // aofRewriteLimited's state
    pub written_upto: u64,              // AOF stream bytes written, across files
    pub held: Vec<(usize, u64)>,        // (slot, id) of clients waiting for an fsync
    pub bio: Option<bio::Bio>,          // the fsync thread, started on first use
    pub waker: Option<Arc<mio::Waker>>, // wakes the loop when an fsync ends
}

impl Default for AofState {
    fn default() -> Self {
        AofState {
            status: AofStatus::Off,
            manifest: Manifest::default(),
            file: None,
            buf: Vec::new(),
            selected_db: -1,
            current_size: 0,
            rewrite_base_size: 0,
            last_incr_size: 0,
            last_incr_fsync_offset: 0,
            last_fsync: util::unixtime(),
            flush_postponed_start: 0,
            flush_sleep_us: 0,
            delayed_fsync: 0,
            last_write_ok: true,
            last_write_errno: 0,
            last_write_error_log: 0,
            rewrite_scheduled: false,
            rewrite_time_start: -1,
            rewrite_time_last: -1,
            lastbgrewrite_ok: true,
            stat_rewrites: 0,
            consecutive_failures: 0,
            stat_cow_bytes: 0,
            cur_timestamp: 0,
            limit: rewrite::RewriteLimit::default(),
            written_upto: 0,
            held: Vec::new(),
            bio: None,
            waker: None,
        }
    }
}

impl AofState {
    /// Redis: `aof_state != AOF_OFF`.
    pub fn is_on(&self) -> bool {
        self.status != AofStatus::Off
    }

    /// The bio thread, started on first use.
    fn bio(&mut self) -> &bio::Bio {
        if self.bio.is_none() {
            let waker = self.waker.clone();
            let wake = Box::new(move || {
                if let Some(w) = &waker {
                    let _ = w.wake();
                }
            });
            match bio::Bio::start(wake) {
                Ok(b) => self.bio = Some(b),
                Err(e) => {
                    server_log!(Warning, "Fatal: Can't initialize Background Jobs: {}", e);
                    std::process::exit(1);
                }
            }
        }
        self.bio.as_ref().expect("bio started")
    }

    /// Redis: aofFsyncInProgress.
    fn fsync_in_progress(&self) -> bool {
        self.bio.as_ref().is_some_and(|b| b.fsync_in_progress())
    }

    /// Every AOF byte before this position is on disk.
    fn synced_upto(&self) -> u64 {
        self.bio
            .as_ref()
            .map_or(self.written_upto, |b| b.synced_upto())
    }

    /// A history file or a failed rewrite's temp file, deleted in the
    /// background. Redis: bg_unlink.
    pub fn unlink_in_background(&mut self, path: PathBuf) {
        self.bio().unlink(path);
    }
}

/// The folder of the multi-part AOF.
pub fn dir(s: &Server) -> PathBuf {
    PathBuf::from(&s.config.appenddirname)
}

/* ============================== Feeding ============================== */

/// Redis: catAppendOnlyGenericCommand — one command in RESP.
pub fn cat_command(out: &mut Vec<u8>, argv: &[Vec<u8>]) {
    crate::replication::encode_command(out, argv);
}

/// Redis: genAofTimestampAnnotationIfNeeded. `force`: always (the start of
/// a rewrite), with the time read now.
pub fn timestamp_annotation(cur: &mut i64, now: i64, force: bool) -> Option<Vec<u8>> {
    if force || *cur < now {
        *cur = now;
        return Some(format!("#TS:{}\r\n", now).into_bytes());
    }
    None
}

/// Redis: feedAppendOnlyFile. Appends one propagated command to `buf`.
pub fn feed(s: &mut Server, db: usize, argv: &[Vec<u8>]) {
    let rewriting = rewrite::in_progress(s);
    let now = util::unixtime();
    let a = &mut s.aof;
    // Redis: in AOF_WAIT_REWRITE the buffer only collects while the
    // rewrite that will switch AOF on runs (into its temp INCR file).
    if a.status != AofStatus::On && !(a.status == AofStatus::WaitRewrite && rewriting) {
        return;
    }
    if s.config.aof_timestamp_enabled {
        if let Some(ts) = timestamp_annotation(&mut a.cur_timestamp, now, false) {
            a.buf.extend_from_slice(&ts);
        }
    }
    if db as i64 != a.selected_db {
        cat_command(
            &mut a.buf,
            &[b"SELECT".to_vec(), db.to_string().into_bytes()],
        );
        a.selected_db = db as i64;
    }
    cat_command(&mut a.buf, argv);
}

/* ============================== Flushing ============================== */

/// Redis: aofWrite — write() until everything is written or an error; the
/// bytes written before an error are returned as a short write.
fn aof_write(mut f: &File, buf: &[u8]) -> io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match f.write(&buf[done..]) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(done)
}

/// Redis: flushAppendOnlyFile. Writes `buf` to the INCR file and starts the
/// fsync `appendfsync` asks for. `force`: write even while an everysec
/// fsync is still running.
pub fn flush(s: &mut Server, force: bool) {
    let now = util::unixtime();
    let policy = s.config.appendfsync;
    let child = crate::rdb::has_active_child(s);
    let Some(file) = s.aof.file.clone() else {
        return;
    };
    let mut sync_in_progress = false;
    if s.aof.buf.is_empty() {
        // Redis: an fsync may still be owed when writes stopped before the
        // second ended, or when the policy became `always`.
        let a = &s.aof;
        let owed = a.last_incr_fsync_offset != a.last_incr_size;
        let due = match policy {
            AppendFsync::EverySec => {
                owed && now > a.last_fsync && {
                    sync_in_progress = a.fsync_in_progress();
                    !sync_in_progress
                }
            }
            AppendFsync::Always => owed,
            AppendFsync::No => false,
        };
        if due {
            try_fsync(s, &file, policy, child, sync_in_progress, now);
        }
        return;
    }
    if policy == AppendFsync::EverySec {
        sync_in_progress = s.aof.fsync_in_progress();
    }
    if policy == AppendFsync::EverySec && !force && sync_in_progress {
        // Redis: postpone the write while the previous fsync runs, but not
        // for more than two seconds.
        let a = &mut s.aof;
        if a.flush_postponed_start == 0 {
            a.flush_postponed_start = now;
            return;
        } else if now - a.flush_postponed_start < 2 {
            return;
        }
        a.delayed_fsync += 1;
        server_log!(
            Notice,
            "Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis."
        );
    }
    if s.aof.flush_sleep_us > 0 {
        std::thread::sleep(std::time::Duration::from_micros(s.aof.flush_sleep_us));
    }
    let start = std::time::Instant::now();
    let res = aof_write(&file, &s.aof.buf);
    let ms = start.elapsed().as_millis() as u64;
    let ev = if sync_in_progress {
        "aof-write-pending-fsync"
    } else if child {
        "aof-write-active-child"
    } else {
        "aof-write-alone"
    };
    s.latency_add_sample_if_needed(ev, ms);
    s.latency_add_sample_if_needed("aof-write", ms);
    s.aof.flush_postponed_start = 0;
    let len = s.aof.buf.len();
    let written = match res {
        Ok(n) if n == len => {
            if !s.aof.last_write_ok {
                server_log!(
                    Warning,
                    "AOF write error looks solved, Redis can write again."
                );
                s.aof.last_write_ok = true;
            }
            n
        }
        res => return write_failed(s, &file, res, len, policy, now),
    };
    let a = &mut s.aof;
    a.current_size += written as u64;
    a.last_incr_size += written as u64;
    a.written_upto += written as u64;
    if a.buf.capacity() < 4000 {
        a.buf.clear();
    } else {
        a.buf = Vec::new();
    }
    try_fsync(s, &file, policy, child, sync_in_progress, now);
}

/// The short-write and error half of flushAppendOnlyFile.
fn write_failed(
    s: &mut Server,
    file: &File,
    res: io::Result<usize>,
    len: usize,
    policy: AppendFsync,
    now: i64,
) {
    let a = &mut s.aof;
    let can_log = now - a.last_write_error_log > WRITE_LOG_ERROR_RATE;
    if can_log {
        a.last_write_error_log = now;
    }
    let mut nwritten = 0usize;
    match res {
        Err(e) => {
            if can_log {
                server_log!(
                    Warning,
                    "Error writing to the AOF file: {}",
                    crate::rdb::save::strerror(&e)
                );
            }
            a.last_write_errno = e.raw_os_error().unwrap_or(5);
        }
        Ok(n) => {
            if can_log {
                server_log!(
                    Warning,
                    "Short write while writing to the AOF file: (nwritten={}, expected={})",
                    n,
                    len
                );
            }
            match file.set_len(a.last_incr_size) {
                Ok(()) => {}
                Err(e) => {
                    if can_log {
                        server_log!(
                            Warning,
                            "Could not remove short write from the append-only file.  Redis may refuse to load the AOF the next time it starts.  ftruncate: {}",
                            crate::rdb::save::strerror(&e)
                        );
                    }
                    nwritten = n;
                }
            }
            a.last_write_errno = 28; // ENOSPC
        }
    }
    if policy == AppendFsync::Always {
        // Redis: replies may already be in output buffers and the dataset
        // cannot be rolled back; the contract is that acknowledged writes
        // are on disk, so there is nothing to do but exit.
        server_log!(
            Warning,
            "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting..."
        );
        std::process::exit(1);
    }
    a.last_write_ok = false;
    if nwritten > 0 {
        a.current_size += nwritten as u64;
        a.last_incr_size += nwritten as u64;
        a.written_upto += nwritten as u64;
        a.buf.drain(..nwritten);
    }
}

/// The try_fsync half of flushAppendOnlyFile.
fn try_fsync(
    s: &mut Server,
    file: &Arc<File>,
    policy: AppendFsync,
    child: bool,
    sync_in_progress: bool,
    now: i64,
) {
    // Redis: no fsync while a child writes, if no-appendfsync-on-rewrite.
    if s.config.no_appendfsync_on_rewrite && child {
        return;
    }
    let a = &mut s.aof;
    match policy {
        AppendFsync::Always => {
            // The group commit of the header: the fsync runs on the bio
            // thread; hold_and_release keeps every reply back until it
            // has returned.
            let upto = a.written_upto;
            a.bio().fsync(file, upto);
            a.last_incr_fsync_offset = a.last_incr_size;
            a.last_fsync = now;
        }
        AppendFsync::EverySec if now > a.last_fsync => {
            if !sync_in_progress {
                let upto = a.written_upto;
                a.bio().fsync(file, upto);
                a.last_incr_fsync_offset = a.last_incr_size;
            }
            a.last_fsync = now;
        }
        _ => {}
    }
}

/// Fsyncs the INCR file on this thread (SHUTDOWN, switching AOF off, a
/// rewrite switching files under `always`).
fn fsync_now(s: &mut Server) -> io::Result<()> {
    let Some(f) = s.aof.file.clone() else {
        return Ok(());
    };
    f.sync_data()?;
    let upto = s.aof.written_upto;
    s.aof.bio().note_synced(upto);
    s.aof.last_incr_fsync_offset = s.aof.last_incr_size;
    Ok(())
}

/// Does output produced now have to wait for an fsync? Only under
/// `appendfsync always`, while some written AOF byte is not yet durable.
fn hold_needed(s: &Server) -> bool {
    s.aof.is_on()
        && s.config.appendfsync == AppendFsync::Always
        && s.aof.synced_upto() < s.aof.written_upto
        && !(s.config.no_appendfsync_on_rewrite && crate::rdb::has_active_child(s))
}

/// Steps 2 and 3 of the group commit, in before_sleep right after `flush`
/// and before the replies are written.
///
/// Step 2: every client whose output grew since the last pass (those on
/// the write queue) may have observed any write executed so far, so the
/// output it has now is marked: "this far, once the AOF is durable up to
/// `written_upto`". A client keeps a queue of such marks, so output marked
/// at an earlier pass leaves as soon as its own fsync is done, even while
/// newer output waits for a newer one.
///
/// Step 3: each held client may write up to its last mark whose position is
/// durable (`Client::write_cap`); once every mark is, it is free again.
pub fn hold_and_release(s: &mut Server) {
    if hold_needed(s) {
        let upto = s.aof.written_upto;
        let list = std::mem::take(&mut s.clients_pending_write);
        for slot in list {
            let Some(c) = s.clients.get_mut(slot) else {
                continue;
            };
            c.flags &= !CLIENT_PENDING_WRITE;
            if !c.has_pending_replies() {
                continue;
            }
            if c.aof_marks.is_empty() {
                s.aof.held.push((slot, c.id));
                c.write_cap = Some(c.net_output_bytes);
            }
            let mark = c.net_output_bytes + c.pending_len() as u64;
            c.aof_marks.push_back((mark, upto));
        }
    }
    if s.aof.held.is_empty() {
        return;
    }
    if let Some(errno) = s.aof.bio.as_ref().and_then(|b| b.fsync_error()) {
        if s.config.appendfsync == AppendFsync::Always && s.aof.is_on() {
            server_log!(
                Warning,
                "Can't persist AOF for fsync error when the AOF fsync policy is 'always': {}. Exiting...",
                crate::rdb::save::strerror(&io::Error::from_raw_os_error(errno))
            );
            std::process::exit(1);
        }
    }
    let synced = if hold_needed(s) {
        s.aof.synced_upto()
    } else {
        u64::MAX // everything written is durable, or nothing needs to be
    };
    let Server {
        clients,
        clients_pending_write,
        aof,
        ..
    } = s;
    aof.held.retain(|&(slot, id)| {
        let Some(c) = clients.get_mut(slot).filter(|c| c.id == id) else {
            // Lent out (running a command): looked at again next pass.
            return clients.is_lent(slot);
        };
        let mut cap = None;
        while let Some(&(mark, upto)) = c.aof_marks.front() {
            if upto > synced {
                break;
            }
            cap = Some(mark);
            c.aof_marks.pop_front();
        }
        let keep = !c.aof_marks.is_empty();
        let grew = match (cap, keep) {
            (_, false) => {
                c.write_cap = None;
                true
            }
            (Some(m), true) => {
                c.write_cap = Some(m);
                true
            }
            (None, true) => false,
        };
        if grew && c.flags & CLIENT_PENDING_WRITE == 0 && c.has_pending_replies() {
            c.flags |= CLIENT_PENDING_WRITE;
            clients_pending_write.push(slot);
        }
        keep
    });
}

/* ============================ Switching ============================= */

/// Redis: aofOpenIfNeededOnServerStart. With AOF on: a base file when the
/// dataset starts empty, the last INCR file opened for appending (a new one
/// if there is none), and the manifest made durable. Exits on failure.
pub fn open_if_needed_on_server_start(s: &mut Server) {
    if s.aof.status != AofStatus::On {
        return;
    }
    let Ok(dir) = ensure_dir(s) else {
        std::process::exit(1);
    };
    let aof_filename = s.config.appendfilename.clone();
    let incr_len = s.aof.manifest.incr.len();
    if s.aof.manifest.base.is_none() && incr_len == 0 {
        let preamble = s.config.aof_use_rdb_preamble;
        let base = s.aof.manifest.new_base(&aof_filename, preamble);
        if rewrite::rewrite_sync(s, &dir.join(&base)).is_err() {
            std::process::exit(1);
        }
        server_log!(Notice, "Creating AOF base file {} on server start", base);
    }
    let name = s.aof.manifest.last_incr(&aof_filename);
    match open_append(&dir.join(&name)) {
        Ok(f) => s.aof.file = Some(Arc::new(f)),
        Err(e) => {
            server_log!(
                Warning,
                "Can't open the append-only file {}: {}",
                name,
                crate::rdb::save::strerror(&e)
            );
            std::process::exit(1);
        }
    }
    if manifest::persist(&mut s.aof.manifest, &dir, &aof_filename).is_err() {
        std::process::exit(1);
    }
    let size = file_size(s, &name).unwrap_or(0);
    s.aof.last_incr_size = size;
    s.aof.last_incr_fsync_offset = size;
    if incr_len > 0 {
        server_log!(Notice, "Opening AOF incr file {} on server start", name);
    } else {
        server_log!(Notice, "Creating AOF incr file {} on server start", name);
    }
}

/// Opens an INCR file for appending (O_WRONLY|O_APPEND|O_CREAT, 0644).
fn open_append(p: &Path) -> io::Result<File> {
    OpenOptions::new().append(true).create(true).open(p)
}

/// Redis: dirCreateIfMissing.
fn create_dir_if_missing(d: &Path) -> io::Result<()> {
    match std::fs::create_dir(d) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            if d.is_dir() {
                Ok(())
            } else {
                Err(io::Error::from_raw_os_error(20)) // ENOTDIR
            }
        }
        Err(e) => Err(e),
    }
}

/// The AOF folder, created if missing; on failure Redis's line is logged.
pub fn ensure_dir(s: &Server) -> Result<PathBuf, AofFailed> {
    let d = dir(s);
    match create_dir_if_missing(&d) {
        Ok(()) => Ok(d),
        Err(e) => {
            server_log!(
                Warning,
                "Can't open or create append-only dir {}: {}",
                d.display(),
                crate::rdb::save::strerror(&e)
            );
            Err(AofFailed)
        }
    }
}

/// Redis: getAppendOnlyFileSize — the size of a file of the AOF folder.
/// Logs Redis's line when it cannot be read.
pub fn file_size(s: &mut Server, name: &str) -> io::Result<u64> {
    let p = dir(s).join(name);
    let start = std::time::Instant::now();
    let r = std::fs::metadata(&p).map(|m| m.len());
    s.latency_add_sample_if_needed("aof-fstat", start.elapsed().as_millis() as u64);
    if let Err(e) = &r {
        server_log!(
            Warning,
            "Unable to obtain the AOF file {} length. stat: {}",
            name,
            crate::rdb::save::strerror(e)
        );
    }
    r
}

/// Redis: aofLoadManifestFromDisk — at start-up, before loading. A missing
/// folder or manifest is an empty manifest; a bad one ends the process.
pub fn load_manifest_from_disk(s: &mut Server) {
    s.aof.manifest = Manifest::default();
    let dir = dir(s);
    if !dir.is_dir() {
        server_log!(Debug, "The AOF directory {} doesn't exist", dir.display());
        return;
    }
    let name = manifest::manifest_name(&s.config.appendfilename);
    let path = dir.join(&name);
    if !path.is_file() {
        server_log!(Debug, "The AOF manifest file {} doesn't exist", name);
        return;
    }
    s.aof.manifest = read_manifest_or_exit(&path);
}

/// Reads and parses a manifest; on failure logs Redis's lines and exits.
pub fn read_manifest_or_exit(path: &Path) -> Manifest {
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) => {
            server_log!(
                Warning,
                "Fatal error: can't open the AOF manifest file {} for reading: {}",
                path.display(),
                crate::rdb::save::strerror(&e)
            );
            std::process::exit(1);
        }
    };
    match Manifest::parse(&text) {
        Ok(am) => am,
        Err(e) => {
            server_log!(Warning, "\n*** FATAL AOF MANIFEST FILE ERROR ***\n");
            if let Some((n, line)) = &e.line {
                server_log!(Warning, "Reading the manifest file, at line {}\n", n);
                server_log!(Warning, ">>> '{}'\n", line);
            }
            server_log!(Warning, "{}\n", e.reason);
            std::process::exit(1);
        }
    }
}

/// Redis: aofDelHistoryFiles — history files are deleted in the background
/// (unless `aof-disable-auto-gc`), and the manifest forgets them.
pub fn del_history_files(s: &mut Server) -> io::Result<()> {
    if s.config.aof_disable_auto_gc || s.aof.manifest.history.is_empty() {
        return Ok(());
    }
    let dir = dir(s);
    for h in std::mem::take(&mut s.aof.manifest.history) {
        server_log!(
            Notice,
            "Removing the history file {} in the background",
            h.name
        );
        s.aof.unlink_in_background(dir.join(&h.name));
    }
    s.aof.manifest.dirty = true;
    let name = s.config.appendfilename.clone();
    manifest::persist(&mut s.aof.manifest, &dir, &name)
}

/// Redis: stopAppendOnly — `CONFIG SET appendonly no`.
pub fn stop(s: &mut Server) {
    flush(s, true);
    match fsync_now(s) {
        Ok(()) => s.aof.last_fsync = util::unixtime(),
        Err(e) => server_log!(
            Warning,
            "Fail to fsync the AOF file: {}",
            crate::rdb::save::strerror(&e)
        ),
    }
    let a = &mut s.aof;
    a.file = None;
    a.selected_db = -1;
    a.status = AofStatus::Off;
    a.rewrite_scheduled = false;
    a.last_incr_size = 0;
    a.last_incr_fsync_offset = 0;
    rewrite::kill_child(s);
    s.aof.buf = Vec::new();
    hold_and_release(s);
}

/// Redis: startAppendOnly — `CONFIG SET appendonly yes`: a rewrite writes
/// the first base, and AOF is on when it succeeds.
pub fn start(s: &mut Server) -> Result<(), AofFailed> {
    s.aof.status = AofStatus::WaitRewrite;
    let child = crate::rdb::has_active_child(s);
    if child && !rewrite::in_progress(s) {
        s.aof.rewrite_scheduled = true;
        server_log!(
            Warning,
            "AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible."
        );
    } else if s.in_exec {
        s.aof.rewrite_scheduled = true;
        server_log!(
            Warning,
            "AOF was enabled during a transaction. An AOF background was scheduled to start when possible."
        );
    } else {
        if rewrite::in_progress(s) {
            server_log!(
                Warning,
                "AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now."
            );
            rewrite::kill_child(s);
        }
        if rewrite::rewrite_background(s).is_err() {
            s.aof.status = AofStatus::Off;
            server_log!(
                Warning,
                "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error."
            );
            return Err(AofFailed);
        }
    }
    s.aof.last_fsync = util::unixtime();
    if let Some(b) = &s.aof.bio {
        if b.fsync_error().is_some() {
            server_log!(
                Warning,
                "AOF reopen, just ignore the AOF fsync error in bio job"
            );
            b.clear_fsync_error();
        }
    }
    if !s.aof.last_write_ok {
        server_log!(Warning, "AOF reopen, just ignore the last error.");
        s.aof.last_write_ok = true;
    }
    Ok(())
}

/* ========================= Event-loop hooks ========================= */

/// The AOF part of beforeSleep: write the buffer (and start its fsync)
/// before any reply leaves.
pub fn before_sleep(s: &mut Server) {
    if s.aof.is_on() {
        flush(s, false);
    }
    hold_and_release(s);
}

/// The AOF part of serverCron.
pub fn cron(s: &mut Server) {
    let child = crate::rdb::has_active_child(s);
    if !child && s.aof.rewrite_scheduled && !rewrite::rewrite_limited(s) {
        let _ = rewrite::rewrite_background(s);
    }
    if !crate::rdb::has_active_child(s)
        && s.aof.status == AofStatus::On
        && s.config.auto_aof_rewrite_percentage > 0
        && s.aof.current_size > s.config.auto_aof_rewrite_min_size as u64
    {
        let base = s.aof.rewrite_base_size.max(1);
        let growth = (s.aof.current_size * 100 / base) as i64 - 100;
        if growth >= i64::from(s.config.auto_aof_rewrite_percentage) && !rewrite::rewrite_limited(s)
        {
            server_log!(
                Notice,
                "Starting automatic rewriting of AOF on {}% growth",
                growth
            );
            let _ = rewrite::rewrite_background(s);
        }
    }
    if s.aof.is_on() && s.aof.flush_postponed_start != 0 {
        flush(s, false);
    }
    if s.aof.is_on() && !s.aof.last_write_ok && s.cronloops.is_multiple_of(s.hz.max(1) as u64) {
        flush(s, false);
    }
}

/// The AOF part of finishShutdown. Err: the first rewrite has not written
/// the dataset yet, so exiting would lose it (unless `force`).
pub fn shutdown(s: &mut Server, force: bool) -> Result<(), AofFailed> {
    if rewrite::in_progress(s) {
        if s.aof.status == AofStatus::WaitRewrite {
            if force {
                server_log!(Warning, "Writing initial AOF. Exit anyway.");
            } else {
                server_log!(Warning, "Writing initial AOF, can't exit.");
                return Err(AofFailed);
            }
        }
        server_log!(Warning, "There is a child rewriting the AOF. Killing it!");
        rewrite::kill_child(s);
    }
    if s.aof.is_on() {
        server_log!(Notice, "Calling fsync() on the AOF file.");
        flush(s, true);
        if let Err(e) = fsync_now(s) {
            server_log!(
                Warning,
                "Fail to fsync the AOF file: {}.",
                crate::rdb::save::strerror(&e)
            );
        }
    }
    Ok(())
}

/// Redis: writeCommandsDeniedByDiskError's AOF half — the error text when
/// the last write or background fsync failed.
pub fn write_error(s: &Server) -> Option<String> {
    if !s.aof.is_on() {
        return None;
    }
    let errno = if !s.aof.last_write_ok {
        s.aof.last_write_errno
    } else {
        s.aof.bio.as_ref().and_then(|b| b.fsync_error())?
    };
    Some(format!(
        "-MISCONF Errors writing to the AOF file: {}",
        crate::rdb::save::strerror(&io::Error::from_raw_os_error(errno))
    ))
}

/* =============================== INFO =============================== */

/// The AOF fields of `# Persistence`, after `rdb_last_load_keys_loaded`.
pub fn info_fields(s: &Server) -> String {
    let a = &s.aof;
    let now = util::unixtime();
    let write_ok = a.last_write_ok && a.bio.as_ref().is_none_or(|b| b.fsync_error().is_none());
    let mut out = format!(
        "aof_enabled:{}\r\naof_rewrite_in_progress:{}\r\naof_rewrite_scheduled:{}\r\naof_last_rewrite_time_sec:{}\r\naof_current_rewrite_time_sec:{}\r\naof_last_bgrewrite_status:{}\r\naof_rewrites:{}\r\naof_rewrites_consecutive_failures:{}\r\naof_last_write_status:{}\r\naof_last_cow_size:{}\r\nmodule_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n",
        u8::from(a.is_on()),
        u8::from(rewrite::in_progress(s)),
        u8::from(a.rewrite_scheduled),
        a.rewrite_time_last,
        if a.rewrite_time_start == -1 {
            -1
        } else {
            now - a.rewrite_time_start
        },
        if a.lastbgrewrite_ok { "ok" } else { "err" },
        a.stat_rewrites,
        a.consecutive_failures,
        if write_ok { "ok" } else { "err" },
        a.stat_cow_bytes,
    );
    if s.config.appendonly {
        out.push_str(&format!(
            "aof_current_size:{}\r\naof_base_size:{}\r\naof_pending_rewrite:{}\r\naof_buffer_length:{}\r\naof_pending_bio_fsync:{}\r\naof_delayed_fsync:{}\r\n",
            a.current_size,
            a.rewrite_base_size,
            u8::from(a.rewrite_scheduled),
            a.buf.len(),
            a.bio.as_ref().map_or(0, |b| b.pending_fsyncs()),
            a.delayed_fsync,
        ));
    }
    out
}
