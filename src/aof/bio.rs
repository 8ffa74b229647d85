//! The background I/O thread of the AOF. Redis counterpart: bio.c (the
//! BIO_AOF_FSYNC and BIO_CLOSE_FILE workers, and the unlink of
//! `bg_unlink`).
//!
//! fsync() can take tens of milliseconds on a busy disk; the event loop never
//! waits for one. Jobs run in order on one thread:
//! - `Fsync`: fdatasync the AOF file. For `appendfsync everysec` nobody waits
//!   for it; for `always` the event loop holds the replies it covers until it
//!   is done (see `mod.rs`, "Group commit"), so each job carries the
//!   position in the whole AOF stream it makes durable, and its completion
//!   wakes the loop.
//! - `FsyncAndClose`: the INCR file a rewrite has just replaced.
//! - `Close`: the last descriptor of a file just unlinked (`unlink`), so
//!   the file system frees its blocks off the event loop.
//!
//! A failed fsync is recorded as Redis records `aof_bio_fsync_status`: INFO
//! shows `aof_last_write_status:err` and writes are refused until an fsync
//! succeeds again.

use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;

/// One job. Redis: the bio job types.
enum Job {
    Fsync { file: Arc<File>, upto: u64 },
    FsyncAndClose(Arc<File>),
    Close(File),
}

/// What the thread and the event loop share.
#[derive(Default)]
struct Shared {
    pending_fsync: AtomicUsize, // fsync jobs queued or running (aof_pending_bio_fsync)
    synced_upto: AtomicU64,     // every AOF byte before this is on disk
    errno: AtomicI32,           // 0, or the errno of the last fsync, which failed
}

/// The handle the event loop keeps.
pub struct Bio {
    tx: mpsc::Sender<Job>,
    shared: Arc<Shared>,
}

impl Bio {
    /// Starts the thread. `wake` runs after every fsync, on the bio thread.
    pub fn start(wake: Box<dyn Fn() + Send>) -> std::io::Result<Bio> {
        let (tx, rx) = mpsc::channel::<Job>();
        let shared = Arc::new(Shared::default());
        let sh = shared.clone();
        std::thread::Builder::new()
            .name("bio_aof".into())
            .spawn(move || worker(rx, sh, wake))?;
        Ok(Bio { tx, shared })
    }

    /// Redis: aof_background_fsync. `upto` is the AOF stream position the
    /// file holds once it is synced.
    pub fn fsync(&self, file: &Arc<File>, upto: u64) {
        self.shared.pending_fsync.fetch_add(1, Ordering::AcqRel);
        if self
            .tx
            .send(Job::Fsync {
                file: file.clone(),
                upto,
            })
            .is_err()
        {
            self.shared.pending_fsync.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// Redis: aof_background_fsync_and_close.
    pub fn fsync_and_close(&self, file: Arc<File>) {
        let _ = self.tx.send(Job::FsyncAndClose(file));
    }

    /// Redis: bg_unlink — the name goes now (a file created next under the
    /// same name is safe), the blocks are freed when the bio thread closes
    /// the last descriptor.
    pub fn unlink(&self, path: PathBuf) {
        match File::open(&path) {
            Ok(f) => {
                let _ = std::fs::remove_file(&path);
                let _ = self.tx.send(Job::Close(f));
            }
            Err(_) => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }

    /// Redis: aofFsyncInProgress (bioPendingJobsOfType(BIO_AOF_FSYNC)).
    pub fn fsync_in_progress(&self) -> bool {
        self.pending_fsyncs() != 0
    }

    /// INFO aof_pending_bio_fsync.
    pub fn pending_fsyncs(&self) -> usize {
        self.shared.pending_fsync.load(Ordering::Acquire)
    }

    /// Every AOF byte before this position is on disk.
    pub fn synced_upto(&self) -> u64 {
        self.shared.synced_upto.load(Ordering::Acquire)
    }

    /// Records bytes made durable on the event loop's own thread.
    pub fn note_synced(&self, upto: u64) {
        self.shared.synced_upto.fetch_max(upto, Ordering::Release);
    }

    /// The errno of the last background fsync when it failed. Redis:
    /// aof_bio_fsync_status / aof_bio_fsync_errno.
    pub fn fsync_error(&self) -> Option<i32> {
        match self.shared.errno.load(Ordering::Relaxed) {
            0 => None,
            e => Some(e),
        }
    }

    /// Forgets a recorded fsync error (Redis: when AOF is switched on again).
    pub fn clear_fsync_error(&self) {
        self.shared.errno.store(0, Ordering::Relaxed);
    }
}

/// The bio thread. An fsync job takes along every fsync job of the same file
/// queued behind it: one fdatasync makes all their bytes durable (the
/// group commit of `appendfsync always`).
fn worker(rx: mpsc::Receiver<Job>, sh: Arc<Shared>, wake: Box<dyn Fn() + Send>) {
    let mut next: Option<Job> = None;
    loop {
        let job = match next.take() {
            Some(j) => j,
            None => match rx.recv() {
                Ok(j) => j,
                Err(_) => return,
            },
        };
        match job {
            Job::Fsync { file, mut upto } => {
                let mut merged = 1;
                while let Ok(j) = rx.try_recv() {
                    match j {
                        Job::Fsync { file: f, upto: u } if Arc::ptr_eq(&f, &file) => {
                            upto = upto.max(u);
                            merged += 1;
                        }
                        other => {
                            next = Some(other);
                            break;
                        }
                    }
                }
                match file.sync_data() {
                    Ok(()) => {
                        sh.errno.store(0, Ordering::Relaxed);
                        sh.synced_upto.fetch_max(upto, Ordering::Release);
                    }
                    Err(e) => {
                        let code = e.raw_os_error().unwrap_or(libc_eio());
                        sh.errno.store(code, Ordering::Relaxed);
                    }
                }
                sh.pending_fsync.fetch_sub(merged, Ordering::AcqRel);
                wake();
            }
            Job::FsyncAndClose(file) => {
                let _ = file.sync_data();
                drop(file);
            }
            Job::Close(file) => drop(file),
        }
    }
}

/// EIO, for an error without an OS code.
fn libc_eio() -> i32 {
    5
}
