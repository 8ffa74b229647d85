//! The process that stands for a background job. Redis counterpart: the
//! child of redisFork() as the outside world sees it (server.c, childinfo.c):
//! its pid in "Background saving started by pid N", the temp files named
//! after it (`temp-N.rdb`, `temp-rewriteaof-bg-N.aof`), `pgrep -P`, kill.
//!
//! oxidis writes a snapshot on a thread (bgsave.rs), but operators, their
//! scripts and Redis's own test suite know a background save by its child
//! process: they find it with `pgrep -P <server>`, kill it to abort the
//! save, and look for the files named after its pid. So every background
//! job is paired with a small process, the server binary started as
//! `oxidis-server --job-handle <title>`: it takes the title Redis gives its
//! children (`redis-rdb-bgsave`, `redis-aof-rewrite`, `redis-rdb-to-slaves`)
//! and waits on a pipe from the server. It holds no data and does no work;
//! it is started with posix_spawn (vfork + exec), which copies none of the
//! server's page tables, so it brings back none of fork's stall.
//!
//! - The job ending closes the pipe: the handle exits 0 and is reaped.
//! - The handle dying first (kill -9) is seen where Redis sees a child exit,
//!   in checkChildrenDone: the writer is cancelled and the job ends
//!   "terminated by signal N", as Redis reports a killed child.
//! - The server dying closes the pipe as well (and the kernel sends the
//!   handle SIGKILL, PR_SET_PDEATHSIG), so no handle outlives its server.

use std::io::{self, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};

/// The first argument that makes the server binary a job handle.
pub const HANDLE_ARG: &str = "--job-handle";

/// How a handle ended: Redis's (exitcode, bysignal) of a child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

impl From<ExitStatus> for Exit {
    fn from(st: ExitStatus) -> Exit {
        match (st.code(), st.signal()) {
            (Some(c), _) => Exit::Code(c),
            (None, Some(s)) => Exit::Signal(s),
            (None, None) => Exit::Code(-1),
        }
    }
}

/// A running handle.
pub struct JobHandle {
    child: Child,
    pipe: Option<ChildStdin>, // closing it tells the handle the job is over
}

impl JobHandle {
    /// Starts a handle titled `title` (the process title Redis's child
    /// would set).
    pub fn spawn(exe: &Path, title: &str) -> io::Result<JobHandle> {
        let mut child = Command::new(exe)
            .arg(HANDLE_ARG)
            .arg(title)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let pipe = child.stdin.take();
        Ok(JobHandle { child, pipe })
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// How the handle ended, if it already has (it was killed while the job
    /// ran). Redis: the waitpid(WNOHANG) of checkChildrenDone.
    pub fn exited(&mut self) -> Option<Exit> {
        self.child.try_wait().ok().flatten().map(Exit::from)
    }

    /// Sends `sig` to the handle. Redis: kill(child_pid, sig).
    pub fn signal(&self, sig: i32) {
        oxidis_sys::kill(self.pid(), sig);
    }

    /// The job is over: the handle exits and is reaped. Returns how it
    /// ended (a signal when it was killed meanwhile).
    pub fn finish(mut self) -> Exit {
        drop(self.pipe.take());
        match self.child.wait() {
            Ok(st) => Exit::from(st),
            Err(_) => Exit::Code(-1),
        }
    }
}

/// The body of a handle process: take the title, wait for the pipe to close
/// (the job ended, or the server died), exit.
pub fn run_handle(title: &str) -> ! {
    oxidis_sys::die_with_parent();
    oxidis_sys::set_proc_title(title.as_bytes());
    let mut sink = [0u8; 64];
    let mut stdin = io::stdin();
    loop {
        match stdin.read(&mut sink) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    std::process::exit(0)
}
