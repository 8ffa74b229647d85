//! BGREWRITEAOF: a new base file from the copy-on-write snapshot. Redis
//! counterpart: aof.c, the "AOF rewrite" and "AOF background rewrite"
//! banners (rewriteAppendOnlyFileRio, rewriteAppendOnlyFileBackground,
//! backgroundRewriteDoneHandler) and the rewrite triggers of serverCron.
//!
//! How a rewrite goes, as in Redis 7 but without fork():
//!
//! 1. The AOF buffer is flushed and a new INCR file is opened and recorded
//!    in the manifest (`open_new_incr`); from now on new writes go there,
//!    so nothing written during the rewrite needs to be kept aside. (When
//!    AOF is being switched on, the new writes go to a temp INCR file that
//!    is not in the manifest yet.)
//! 2. The snapshot BGSAVE uses is captured (O(databases)), and the writer
//!    thread writes it to `temp-rewriteaof-bg-<pid>.aof`: an RDB image
//!    when `aof-use-rdb-preamble yes`, else commands (`write_commands`),
//!    then flushes and fsyncs it.
//! 3. The done handler renames it into the folder as the new base, turns
//!    the INCR files the snapshot covers into history, persists the manifest
//!    (atomically) and deletes the history files in the background.
//!
//! A rewrite that fails leaves the old manifest, whose files all still
//! exist; the next one is retried with Redis's backoff (`rewrite_limited`).

use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::Arc;

use oxidis_ds::dict::Retired;
use oxidis_ds::listpack::LpEntry;
use oxidis_ds::util;

use super::manifest;
use super::{dir, AofFailed, AofStatus};
use crate::networking::Client;
use crate::object::Value;
use crate::rdb::bgsave::{self, ChildKind, Outcome};
use crate::rdb::save::{self, SaveProgress, Snapshot};
use crate::server::command::CommandProc;
use crate::server::Server;
use crate::server_log;

/// Items per variadic command (RPUSH, SADD, ZADD, HMSET) in a rewrite.
/// Redis: AOF_REWRITE_ITEMS_PER_CMD.
const ITEMS_PER_CMD: usize = 64;

/// After this many failed rewrites in a row, automatic ones back off.
/// Redis: AOF_REWRITE_LIMITE_THRESHOLD.
const LIMIT_THRESHOLD: u64 = 3;
/// The longest backoff. Redis: AOF_REWRITE_LIMITE_MAX_MINUTES.
const LIMIT_MAX_MINUTES: i64 = 60;

/// aofRewriteLimited's two statics.
#[derive(Default)]
pub struct RewriteLimit {
    next_delay_minutes: i64,
    next_rewrite_time: i64,
}

/// Is the writer thread rewriting the AOF (`child_type == CHILD_TYPE_AOF`)?
pub fn in_progress(s: &Server) -> bool {
    s.rdb
        .child
        .as_ref()
        .is_some_and(|c| c.kind == ChildKind::Aof)
}

/// Redis: aofRewriteLimited. After three failures in a row, automatic
/// rewrites wait 1, 2, 4, ... up to 60 minutes; BGREWRITEAOF resets it.
pub fn rewrite_limited(s: &mut Server) -> bool {
    let now = util::unixtime();
    let l = &mut s.aof.limit;
    if s.aof.consecutive_failures < LIMIT_THRESHOLD {
        l.next_delay_minutes = 0;
        l.next_rewrite_time = 0;
        return false;
    }
    if l.next_rewrite_time != 0 {
        if now < l.next_rewrite_time {
            return true;
        }
        l.next_rewrite_time = 0;
        return false;
    }
    l.next_delay_minutes = if l.next_delay_minutes == 0 {
        1
    } else {
        (l.next_delay_minutes * 2).min(LIMIT_MAX_MINUTES)
    };
    l.next_rewrite_time = now + l.next_delay_minutes * 60;
    server_log!(
        Warning,
        "Background AOF rewrite has repeatedly failed and triggered the limit, will retry in {} minutes",
        l.next_delay_minutes
    );
    true
}

/// The temp file the writer writes. Redis: "temp-rewriteaof-bg-<child pid>.aof".
fn temp_file(pid: i32) -> String {
    format!("temp-rewriteaof-bg-{}.aof", pid)
}

/// Redis: openNewIncrAofForAppend. With AOF on, a new INCR file enters the
/// manifest (persisted first: all or nothing); while AOF waits for its
/// first rewrite, a temp INCR file collects the writes instead.
fn open_new_incr(s: &mut Server) -> Result<(), AofFailed> {
    if s.aof.status == AofStatus::Off {
        return Ok(());
    }
    let dir = dir(s);
    let aof_filename = s.config.appendfilename.clone();
    let mut temp_am = None;
    let name = if s.aof.status == AofStatus::WaitRewrite {
        manifest::temp_incr_name(&aof_filename)
    } else {
        let mut am = s.aof.manifest.clone();
        let n = am.new_incr(&aof_filename);
        temp_am = Some(am);
        n
    };
    let f = match File::create(dir.join(&name)) {
        Ok(f) => f,
        Err(e) => {
            server_log!(
                Warning,
                "Can't open the append-only file {}: {}",
                name,
                save::strerror(&e)
            );
            return Err(AofFailed);
        }
    };
    if let Some(am) = temp_am.as_mut() {
        if manifest::persist(am, &dir, &aof_filename).is_err() {
            return Err(AofFailed);
        }
    }
    server_log!(
        Notice,
        "Creating AOF incr file {} on background rewrite",
        name
    );
    // The old file: under `always` it is synced now, so the group commit's
    // positions stay true across the switch; otherwise the bio thread
    // fsyncs and closes it.
    if let Some(old) = s.aof.file.take() {
        if s.config.appendfsync == crate::config::AppendFsync::Always {
            let _ = old.sync_data();
            let upto = s.aof.written_upto;
            s.aof.bio().note_synced(upto);
        }
        s.aof.bio().fsync_and_close(old);
        s.aof.last_fsync = util::unixtime();
    }
    s.aof.file = Some(Arc::new(f));
    s.aof.last_incr_size = 0;
    s.aof.last_incr_fsync_offset = 0;
    if let Some(am) = temp_am {
        s.aof.manifest = am;
    }
    Ok(())
}

/// Redis: rewriteAppendOnlyFileBackground.
pub fn rewrite_background(s: &mut Server) -> Result<(), AofFailed> {
    if crate::rdb::has_active_child(s) {
        return Err(AofFailed);
    }
    if super::ensure_dir(s).is_err() {
        s.aof.lastbgrewrite_ok = false;
        return Err(AofFailed);
    }
    // A SELECT opens the new INCR file.
    s.aof.selected_db = -1;
    super::flush(s, true);
    if open_new_incr(s).is_err() {
        s.aof.lastbgrewrite_ok = false;
        return Err(AofFailed);
    }
    s.aof.stat_rewrites += 1;
    let preamble = s.config.aof_use_rdb_preamble;
    let timestamps = s.config.aof_timestamp_enabled;
    let incremental = s.config.aof_rewrite_incremental_fsync;
    let spawned = bgsave::spawn_writer(s, ChildKind::Aof, |pid| {
        rewrite_job(temp_file(pid), preamble, timestamps, incremental)
    });
    match spawned {
        Ok(pid) => {
            server_log!(
                Notice,
                "Background append only file rewriting started by pid {}",
                pid
            );
            s.aof.rewrite_scheduled = false;
            s.aof.rewrite_time_start = util::unixtime();
            Ok(())
        }
        Err(e) => {
            s.aof.lastbgrewrite_ok = false;
            server_log!(
                Warning,
                "Can't rewrite append only file in background: fork: {}",
                e
            );
            Err(AofFailed)
        }
    }
}

/// The writer thread's job: the new base in `tmp`. Redis: the child half of
/// rewriteAppendOnlyFileBackground.
fn rewrite_job(
    tmp: String,
    preamble: bool,
    timestamps: bool,
    incremental: bool,
) -> impl FnOnce(Snapshot, &SaveProgress, &mut dyn FnMut(Retired)) -> Outcome + Send + 'static {
    move |snap, p, retire| match write_base_file(
        Path::new(&tmp),
        snap,
        preamble,
        timestamps,
        incremental,
        p,
        retire,
    ) {
        Ok(()) => {
            server_log!(
                Notice,
                "Successfully created the temporary AOF base file {}",
                tmp
            );
            Outcome::Ok(None)
        }
        Err(e) if e.kind() == io::ErrorKind::Interrupted => {
            let _ = std::fs::remove_file(&tmp);
            Outcome::Cancelled
        }
        Err(e) => {
            server_log!(
                Warning,
                "Write error writing append only file on disk: {}",
                save::strerror(&e)
            );
            let _ = std::fs::remove_file(&tmp);
            Outcome::Err
        }
    }
}

/// Redis: rewriteAppendOnlyFile — the base file on this thread (at start-up
/// with AOF on and no file yet). Writes a temp file, fsyncs and renames it.
pub fn rewrite_sync(s: &mut Server, target: &Path) -> Result<(), AofFailed> {
    let tmp = format!("temp-rewriteaof-{}.aof", s.pid);
    let mut snap = Snapshot::capture(s);
    snap.opts.aof_base = true;
    let p = SaveProgress::default();
    let r = write_base_file(
        Path::new(&tmp),
        snap,
        s.config.aof_use_rdb_preamble,
        s.config.aof_timestamp_enabled,
        s.config.aof_rewrite_incremental_fsync,
        &p,
        &mut drop,
    )
    .and_then(|()| {
        std::fs::rename(&tmp, target).inspect_err(|e| {
            server_log!(
                Warning,
                "Error moving temp append only file on the final destination: {}",
                save::strerror(e)
            )
        })
    });
    if let Err(e) = r {
        if e.kind() != io::ErrorKind::Other {
            server_log!(
                Warning,
                "Write error writing append only file on disk: {}",
                save::strerror(&e)
            );
        }
        let _ = std::fs::remove_file(&tmp);
        return Err(AofFailed);
    }
    Ok(())
}

/// Writes a base file: an RDB image (`preamble`) or the commands that
/// rebuild the snapshot; then flush and fsync. Runs on the writer thread.
fn write_base_file(
    path: &Path,
    snap: Snapshot,
    preamble: bool,
    timestamps: bool,
    incremental: bool,
    progress: &SaveProgress,
    retire: &mut dyn FnMut(Retired),
) -> io::Result<()> {
    let f = File::create(path).inspect_err(|e| {
        server_log!(
            Warning,
            "Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): {}",
            save::strerror(e)
        )
    })?;
    let checksum = snap.opts.checksum;
    let mut rio = crate::rdb::encoding::Rio::file(f, checksum, incremental);
    if preamble {
        save::save_rio(&mut rio, snap, progress, retire)?;
    } else {
        write_commands(&mut rio, snap, timestamps, progress, retire)?;
    }
    let f = rio.finish_file()?;
    f.sync_all()
}

/* ===================== The dataset as commands ===================== */

/// A RESP writer over the rio. Redis: rioWriteBulkCount / rioWriteBulkString
/// / rioWriteBulkLongLong / rioWriteBulkDouble.
struct Resp<'a>(&'a mut crate::rdb::encoding::Rio);

impl Resp<'_> {
    fn count(&mut self, n: usize) -> io::Result<()> {
        self.0.write(format!("*{}\r\n", n).as_bytes())
    }
    fn bulk(&mut self, b: &[u8]) -> io::Result<()> {
        self.0.write(format!("${}\r\n", b.len()).as_bytes())?;
        self.0.write(b)?;
        self.0.write(b"\r\n")
    }
    fn long(&mut self, v: i64) -> io::Result<()> {
        self.bulk(util::ll2string(v).as_bytes())
    }
    fn double(&mut self, v: f64) -> io::Result<()> {
        self.bulk(util::fmt_g17(v).as_bytes())
    }
    fn entry(&mut self, e: LpEntry<'_>) -> io::Result<()> {
        match e {
            LpEntry::Int(v) => self.long(v),
            LpEntry::Str(b) => self.bulk(b),
        }
    }
    fn id(&mut self, id: oxidis_ds::stream::StreamId) -> io::Result<()> {
        self.bulk(format!("{}-{}", id.ms, id.seq).as_bytes())
    }
}

/// Emits `items` in variadic commands of at most ITEMS_PER_CMD items, each
/// `width` arguments long (Redis's count/cmd_items loop).
struct Batcher<'k> {
    cmd: &'static [u8],
    key: &'k [u8],
    left: usize,
    in_cmd: usize,
    width: usize,
}

impl<'k> Batcher<'k> {
    /// `left` items of `width` arguments each, at most ITEMS_PER_CMD per command.
    fn new(cmd: &'static [u8], key: &'k [u8], left: usize, width: usize) -> Self {
        Batcher {
            cmd,
            key,
            left,
            in_cmd: 0,
            width,
        }
    }

    fn next_item(&mut self, w: &mut Resp<'_>) -> io::Result<()> {
        if self.in_cmd == 0 {
            let n = self.left.min(ITEMS_PER_CMD);
            w.count(2 + n * self.width)?;
            w.bulk(self.cmd)?;
            w.bulk(self.key)?;
        }
        self.in_cmd += 1;
        if self.in_cmd == ITEMS_PER_CMD {
            self.in_cmd = 0;
        }
        self.left -= 1;
        Ok(())
    }
}

/// Redis: rewriteAppendOnlyFileRio — every key as the commands that build
/// it, then its PEXPIREAT.
fn write_commands(
    rio: &mut crate::rdb::encoding::Rio,
    snap: Snapshot,
    timestamps: bool,
    progress: &SaveProgress,
    retire: &mut dyn FnMut(Retired),
) -> io::Result<()> {
    if timestamps {
        let mut cur = 0;
        let ts = super::timestamp_annotation(&mut cur, util::unixtime(), true).expect("forced");
        rio.write(&ts)?;
    }
    // Redis: rewriteFunctions — every library, before the keys.
    for code in &snap.opts.functions {
        let mut w = Resp(rio);
        w.count(3)?;
        w.bulk(b"FUNCTION")?;
        w.bulk(b"LOAD")?;
        w.bulk(code)?;
    }
    let delay = snap.opts.key_save_delay;
    for db in snap.dbs {
        if db.dict.is_empty() {
            continue;
        }
        let mut w = Resp(rio);
        w.count(2)?;
        w.bulk(b"SELECT")?;
        w.long(db.id as i64)?;
        let expires = db.expires;
        let written = db.dict.drain_for_each(
            |key, o| {
                let key = key.as_bytes();
                let mut w = Resp(&mut *rio);
                write_key(&mut w, key, &o.v)?;
                if let Some(&when) = expires.get(key) {
                    w.count(3)?;
                    w.bulk(b"PEXPIREAT")?;
                    w.bulk(key)?;
                    w.long(when)?;
                }
                progress
                    .keys_processed
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if delay != 0 {
                    save::debug_delay(delay);
                }
                if progress.cancel.load(std::sync::atomic::Ordering::Relaxed) {
                    return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled"));
                }
                Ok(())
            },
            retire,
        );
        let _ = expires.drain_for_each(|_, _| Ok::<(), ()>(()), retire);
        written?;
    }
    Ok(())
}

/// One key's commands. Redis: the per-type rewrite*Object functions.
fn write_key(w: &mut Resp<'_>, key: &[u8], v: &Value) -> io::Result<()> {
    match v {
        Value::Int(n) => {
            w.count(3)?;
            w.bulk(b"SET")?;
            w.bulk(key)?;
            w.long(*n)
        }
        Value::EmbStr(b) => {
            w.count(3)?;
            w.bulk(b"SET")?;
            w.bulk(key)?;
            w.bulk(b)
        }
        Value::Raw(b) => {
            w.count(3)?;
            w.bulk(b"SET")?;
            w.bulk(key)?;
            w.bulk(b)
        }
        Value::List(ql) => {
            let mut b = Batcher::new(b"RPUSH", key, ql.len(), 1);
            let mut res = Ok(());
            ql.for_range(0, ql.len(), false, |e| {
                res = b.next_item(w).and_then(|()| w.entry(e));
                res.is_ok()
            });
            res
        }
        Value::Set(set) => {
            let mut b = Batcher::new(b"SADD", key, set.len(), 1);
            for e in set.iter() {
                b.next_item(w)?;
                match e {
                    oxidis_ds::set::SetEle::Int(v) => w.long(v)?,
                    oxidis_ds::set::SetEle::Str(s) => w.bulk(s)?,
                }
            }
            Ok(())
        }
        Value::ZSet(z) => {
            let mut b = Batcher::new(b"ZADD", key, z.len(), 2);
            let mut res = Ok(());
            z.for_each(|member, score| {
                if res.is_ok() {
                    res = b
                        .next_item(w)
                        .and_then(|()| w.double(score))
                        .and_then(|()| w.bulk(member));
                }
            });
            res
        }
        Value::Hash(h) => {
            let mut b = Batcher::new(b"HMSET", key, h.len(), 2);
            for (f, v) in h.iter() {
                b.next_item(w)?;
                w.entry(f)?;
                w.entry(v)?;
            }
            Ok(())
        }
        Value::Stream(st) => write_stream(w, key, st),
    }
}

/// Redis: rewriteStreamObject — XADDs (or the XADD MAXLEN 0 trick for an
/// empty stream), XSETID, then each group with XGROUP CREATE, its
/// consumers' pending entries as XCLAIM ... JUSTID FORCE, and consumers
/// without pending entries as XGROUP CREATECONSUMER.
fn write_stream(w: &mut Resp<'_>, key: &[u8], st: &oxidis_ds::stream::Stream) -> io::Result<()> {
    use oxidis_ds::stream::StreamId;
    if st.length > 0 {
        for e in st.iter(None, None, false) {
            let fields: Vec<(Vec<u8>, Vec<u8>)> =
                e.fields().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
            w.count(3 + fields.len() * 2)?;
            w.bulk(b"XADD")?;
            w.bulk(key)?;
            w.id(e.id)?;
            for (f, v) in fields {
                w.bulk(&f)?;
                w.bulk(&v)?;
            }
        }
    } else {
        w.count(7)?;
        w.bulk(b"XADD")?;
        w.bulk(key)?;
        w.bulk(b"MAXLEN")?;
        w.bulk(b"0")?;
        w.id(StreamId { ms: 0, seq: 1 })?;
        w.bulk(b"x")?;
        w.bulk(b"y")?;
    }
    w.count(7)?;
    w.bulk(b"XSETID")?;
    w.bulk(key)?;
    w.id(st.last_id)?;
    w.bulk(b"ENTRIESADDED")?;
    w.long(st.entries_added as i64)?;
    w.bulk(b"MAXDELETEDID")?;
    w.id(st.max_deleted_entry_id)?;
    for (name, g) in st.cgroups.iter().flatten() {
        w.count(7)?;
        w.bulk(b"XGROUP")?;
        w.bulk(b"CREATE")?;
        w.bulk(key)?;
        w.bulk(name)?;
        w.id(g.last_id)?;
        w.bulk(b"ENTRIESREAD")?;
        w.long(g.entries_read.unwrap_or(-1))?;
        for (cname, consumer) in &g.consumers {
            if consumer.pel.is_empty() {
                w.count(5)?;
                w.bulk(b"XGROUP")?;
                w.bulk(b"CREATECONSUMER")?;
                w.bulk(key)?;
                w.bulk(name)?;
                w.bulk(cname)?;
                continue;
            }
            for id in &consumer.pel {
                let Some(nack) = g.pel.get(id) else {
                    continue;
                };
                w.count(12)?;
                w.bulk(b"XCLAIM")?;
                w.bulk(key)?;
                w.bulk(name)?;
                w.bulk(cname)?;
                w.bulk(b"0")?;
                w.id(*id)?;
                w.bulk(b"TIME")?;
                w.long(nack.delivery_time)?;
                w.bulk(b"RETRYCOUNT")?;
                w.long(nack.delivery_count as i64)?;
                w.bulk(b"JUSTID")?;
                w.bulk(b"FORCE")?;
            }
        }
    }
    Ok(())
}

/* ========================== The done handler ========================= */

/// Redis: backgroundRewriteDoneHandler.
pub fn done_handler(s: &mut Server, outcome: Outcome, child: &bgsave::Child) {
    let now = util::unixtime();
    let tmp = temp_file(child.pid);
    match outcome {
        Outcome::Ok(_) => {
            server_log!(Notice, "Background AOF rewrite terminated with success");
            if install_new_base(s, &tmp).is_ok() {
                s.aof.stat_cow_bytes = child.cow_size();
                if s.aof.is_on() {
                    let base = s
                        .aof
                        .manifest
                        .base
                        .as_ref()
                        .map(|b| b.name.clone())
                        .unwrap_or_default();
                    let base_size = super::file_size(s, &base).unwrap_or(0);
                    s.aof.current_size = base_size + s.aof.last_incr_size;
                    s.aof.rewrite_base_size = s.aof.current_size;
                }
                let _ = super::del_history_files(s);
                s.aof.lastbgrewrite_ok = true;
                s.aof.consecutive_failures = 0;
                server_log!(Notice, "Background AOF rewrite finished successfully");
                if s.aof.status == AofStatus::WaitRewrite {
                    s.aof.status = AofStatus::On;
                }
            } else {
                s.aof.lastbgrewrite_ok = false;
                s.aof.consecutive_failures += 1;
            }
        }
        Outcome::Err => {
            s.aof.lastbgrewrite_ok = false;
            s.aof.consecutive_failures += 1;
            server_log!(Warning, "Background AOF rewrite terminated with error");
        }
        Outcome::Killed(sig) => {
            // Redis: SIGUSR1 is how it stops its own child, not an error.
            if sig != libc::SIGUSR1 {
                s.aof.lastbgrewrite_ok = false;
                s.aof.consecutive_failures += 1;
            }
            server_log!(
                Warning,
                "Background AOF rewrite terminated by signal {}",
                sig
            );
        }
        Outcome::Cancelled => {}
    }
    let _ = std::fs::remove_file(&tmp);
    if s.aof.status == AofStatus::WaitRewrite {
        s.aof.buf = Vec::new();
        let dir = dir(s);
        let name = manifest::temp_incr_name(&s.config.appendfilename);
        server_log!(
            Notice,
            "Removing the temp incr aof file {} in the background",
            name
        );
        s.aof.file = None;
        s.aof.unlink_in_background(dir.join(name));
    }
    s.aof.rewrite_time_last = now - s.aof.rewrite_time_start;
    s.aof.rewrite_time_start = -1;
    if s.aof.status == AofStatus::WaitRewrite {
        s.aof.rewrite_scheduled = true;
    }
}

/// The success half of the done handler: rename the base (and, when AOF is
/// being switched on, the temp INCR file) into the folder, turn the old
/// files into history, persist the manifest. Err leaves the old manifest.
fn install_new_base(s: &mut Server, tmp: &str) -> Result<(), AofFailed> {
    let dir = dir(s);
    let aof_filename = s.config.appendfilename.clone();
    let mut am = s.aof.manifest.clone();
    let base_name = am.new_base(&aof_filename, s.config.aof_use_rdb_preamble);
    let base_path = dir.join(&base_name);
    let start = std::time::Instant::now();
    if let Err(e) = std::fs::rename(tmp, &base_path) {
        server_log!(
            Warning,
            "Error trying to rename the temporary AOF base file {} into {}: {}",
            tmp,
            base_path.display(),
            save::strerror(&e)
        );
        return Err(AofFailed);
    }
    s.latency_add_sample_if_needed("aof-rename", start.elapsed().as_millis() as u64);
    server_log!(
        Notice,
        "Successfully renamed the temporary AOF base file {} into {}",
        tmp,
        base_name
    );
    let mut new_incr_path = None;
    if s.aof.status == AofStatus::WaitRewrite {
        let temp_incr = manifest::temp_incr_name(&aof_filename);
        let temp_incr_path = dir.join(&temp_incr);
        let new_incr = am.new_incr(&aof_filename);
        let p = dir.join(&new_incr);
        let start = std::time::Instant::now();
        if let Err(e) = std::fs::rename(&temp_incr_path, &p) {
            server_log!(
                Warning,
                "Error trying to rename the temporary AOF incr file {} into {}: {}",
                temp_incr_path.display(),
                p.display(),
                save::strerror(&e)
            );
            s.aof.unlink_in_background(base_path);
            return Err(AofFailed);
        }
        s.latency_add_sample_if_needed("aof-rename", start.elapsed().as_millis() as u64);
        server_log!(
            Notice,
            "Successfully renamed the temporary AOF incr file {} into {}",
            temp_incr,
            new_incr
        );
        new_incr_path = Some(p);
    }
    am.mark_rewritten_incr_as_history(s.aof.file.is_some());
    if manifest::persist(&mut am, &dir, &aof_filename).is_err() {
        s.aof.unlink_in_background(base_path);
        if let Some(p) = new_incr_path {
            s.aof.unlink_in_background(p);
        }
        return Err(AofFailed);
    }
    s.aof.manifest = am;
    Ok(())
}

/// Redis: killAppendOnlyChild — stop a running rewrite and wait for it.
pub fn kill_child(s: &mut Server) {
    if !in_progress(s) {
        return;
    }
    let pid = s.rdb.child.as_ref().map_or(s.pid, |c| c.pid);
    server_log!(Notice, "Killing running AOF rewrite child: {}", pid);
    // Redis resets the child state without running the done handler.
    bgsave::kill_and_forget(s);
    let _ = std::fs::remove_file(temp_file(pid));
    s.aof.rewrite_time_start = -1;
}

/* ============================= Commands ============================== */

/// Redis: bgrewriteaofCommand.
fn bgrewriteaof_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    if in_progress(s) {
        c.add_reply_error("Background append only file rewriting already in progress");
    } else if crate::rdb::has_active_child(s) || s.in_exec {
        s.aof.rewrite_scheduled = true;
        // Redis: a manual rewrite is not held back by the failure backoff.
        s.aof.consecutive_failures = 0;
        c.add_reply_status("Background append only file rewriting scheduled");
    } else if rewrite_background(s).is_ok() {
        c.add_reply_status("Background append only file rewriting started");
    } else {
        c.add_reply_error(
            "Can't execute an AOF background rewriting. Please check the server logs for more information.",
        );
    }
}

pub static HANDLERS: &[(&str, CommandProc)] = &[("bgrewriteaof", bgrewriteaof_command)];

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(f: impl FnOnce(&mut Resp<'_>)) -> String {
        let mut rio = crate::rdb::encoding::Rio::buffer();
        f(&mut Resp(&mut rio));
        String::from_utf8(rio.into_bytes()).unwrap()
    }

    #[test]
    fn variadic_commands_split_at_64_items() {
        let out = resp(|w| {
            let mut b = Batcher::new(b"SADD", b"k", 65, 1);
            for i in 0..65 {
                b.next_item(w).unwrap();
                w.long(i).unwrap();
            }
        });
        assert!(out.starts_with("*66\r\n$4\r\nSADD\r\n$1\r\nk\r\n$1\r\n0\r\n"));
        assert!(out.ends_with("*3\r\n$4\r\nSADD\r\n$1\r\nk\r\n$2\r\n64\r\n"));
    }

    #[test]
    fn keys_become_redis_commands() {
        let out = resp(|w| write_key(w, b"s", &Value::Int(5)).unwrap());
        assert_eq!(out, "*3\r\n$3\r\nSET\r\n$1\r\ns\r\n$1\r\n5\r\n");
        let mut z = oxidis_ds::zset::ZSet::new_listpack();
        let lim = oxidis_ds::zset::Limits {
            max_entries: 128,
            max_value: 64,
        };
        let _ = z.add(1.5, b"a", oxidis_ds::zset::AddFlags::default(), lim);
        let out = resp(|w| write_key(w, b"z", &Value::ZSet(Arc::new(z))).unwrap());
        assert_eq!(
            out,
            "*4\r\n$4\r\nZADD\r\n$1\r\nz\r\n$3\r\n1.5\r\n$1\r\na\r\n"
        );
    }
}
