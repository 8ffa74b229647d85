//! `oom-score-adj`: telling the kernel's OOM killer which process to prefer.
//! Redis counterpart: server.c (setOOMScoreAdj) and its callers in config.c
//! (updateOOMScoreAdj), replication.c (replicationSetMaster/UnsetMaster) and
//! server.c (redisFork's child, main).
//!
//! `oom-score-adj-values` holds three values, for a master, a replica and a
//! background child. With `oom-score-adj yes` (or `relative`) the value for
//! the server's role is added to the score the process had before oxidis
//! first touched it; with `absolute` it replaces it; the result is clamped to
//! [-1000, 1000] and written to `/proc/<pid>/oom_score_adj`. Turning it off
//! puts the original score back.
//!
//! Divergence: Redis's background child sets its own score after fork();
//! here the job's handle process (rdb/child.rs) stands for the child, and the
//! server writes the child's value to the handle's `/proc` entry.

use std::io;

use super::Server;
use crate::config::OomScoreAdj;
use crate::server_log;

/// The classes of `oom-score-adj-values`. Redis: CONFIG_OOM_*.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OomClass {
    Master = 0,
    Replica = 1,
    BgChild = 2,
}

/// The score could not be read or written (the reason is logged).
#[derive(Debug)]
pub struct OomFailed;

/// The process's own score from before oxidis changed it.
#[derive(Default)]
pub struct OomState {
    adjusted: bool, // oxidis changed the score and `base` holds the original
    base: i32,
}

fn read_score(pid: &str) -> io::Result<i32> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/oom_score_adj"))?;
    Ok(oxidis_ds::util::atoi(text.as_bytes()) as i32)
}

fn write_score(pid: &str, val: i32) -> io::Result<()> {
    std::fs::write(format!("/proc/{pid}/oom_score_adj"), format!("{val}\n"))
}

/// The score the class gets under the current settings, or None when
/// `oom-score-adj` is off.
fn score_for(s: &Server, class: OomClass) -> Option<i32> {
    let mut val = s.config.oom_score_adj_values[class as usize];
    match s.config.oom_score_adj {
        OomScoreAdj::No => return None,
        OomScoreAdj::Relative => val += s.oom.base,
        OomScoreAdj::Absolute => {}
    }
    Some(val.clamp(-1000, 1000))
}

/// Redis: setOOMScoreAdj(-1) — the server's own score for its role (or the
/// original one back when the setting is off). Err: it could not be read or
/// written (logged).
pub fn update(s: &mut Server) -> Result<(), OomFailed> {
    let class = if s.config.masterhost.is_some() {
        OomClass::Replica
    } else {
        OomClass::Master
    };
    let val = if s.config.oom_score_adj != OomScoreAdj::No {
        if !s.oom.adjusted {
            match read_score("self") {
                Ok(v) => {
                    s.oom.base = v;
                    s.oom.adjusted = true;
                }
                Err(e) => {
                    server_log!(
                        Warning,
                        "Unable to read oom_score_adj: {}",
                        crate::rdb::save::strerror(&e)
                    );
                    return Err(OomFailed);
                }
            }
        }
        score_for(s, class).unwrap_or(0)
    } else if s.oom.adjusted {
        s.oom.adjusted = false;
        s.oom.base
    } else {
        return Ok(());
    };
    write_score("self", val).map_err(|e| {
        server_log!(
            Warning,
            "Unable to write oom_score_adj: {}",
            crate::rdb::save::strerror(&e)
        );
        OomFailed
    })
}

/// Redis: setOOMScoreAdj(CONFIG_OOM_BGCHILD) in the child — the background
/// child's score, written for the job's handle process `pid`.
pub fn set_for_child(s: &Server, pid: i32) {
    let Some(val) = score_for(s, OomClass::BgChild) else {
        return;
    };
    if let Err(e) = write_score(&pid.to_string(), val) {
        server_log!(
            Warning,
            "Unable to write oom_score_adj: {}",
            crate::rdb::save::strerror(&e)
        );
    }
}
