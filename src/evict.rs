//! maxmemory enforcement. Redis counterpart: evict.c (performEvictions,
//! getMaxmemoryState, the eviction pool).
//!
//! When `used_memory` is above `maxmemory`, keys are evicted according to
//! `maxmemory-policy` until it is not, or until nothing is left to evict;
//! a write command that would need memory is then refused with -OOM.
//! Victims are chosen by sampling `maxmemory-samples` keys per database, as
//! Redis's approximated LRU/LFU/TTL does.
//! Divergence: no cross-call eviction pool; each round samples afresh, which
//! gives the same approximation with less state.

use crate::config::MaxmemoryPolicy as P;
use crate::object;
use crate::server::Server;

/// Redis: getMaxmemoryState — true while memory is over the limit.
pub fn over_maxmemory(s: &Server) -> bool {
    s.config.maxmemory > 0 && oxidis_sys::used_memory() as u64 > s.config.maxmemory
}

/// Picks one victim key in `db` according to the policy.
fn pick_victim(s: &mut Server, db: usize) -> Option<crate::db::Key> {
    let policy = s.config.maxmemory_policy;
    let samples = s.config.maxmemory_samples.max(1) as usize;
    let volatile = matches!(
        policy,
        P::VolatileLru | P::VolatileLfu | P::VolatileRandom | P::VolatileTtl
    );
    let now = s.now_ms();
    let clock = s.lruclock;
    let decay = s.config.lfu_decay_time;
    match policy {
        P::AllkeysRandom => s.dbs[db].dict.random_entry().map(|(k, _)| k.clone()),
        P::VolatileRandom => s.dbs[db].expires.random_entry().map(|(k, _)| k.clone()),
        P::VolatileTtl => {
            let keys = s.dbs[db].expires.get_some_keys(samples);
            keys.into_iter()
                .min_by_key(|(_, &when)| when)
                .map(|(k, _)| k.clone())
        }
        _ => {
            let lfu = policy.is_lfu();
            let candidates: Vec<crate::db::Key> = if volatile {
                s.dbs[db]
                    .expires
                    .get_some_keys(samples)
                    .into_iter()
                    .map(|(k, _)| k.clone())
                    .collect()
            } else {
                s.dbs[db]
                    .dict
                    .get_some_keys(samples)
                    .into_iter()
                    .map(|(k, _)| k.clone())
                    .collect()
            };
            let d = &s.dbs[db];
            candidates
                .into_iter()
                .filter_map(|k| {
                    let o = d.dict.get(&k)?;
                    let score = if lfu {
                        255 - object::lfu_decr_and_return(o.lru, decay, now) as i64
                    } else {
                        object::estimate_idle_time_ms(o.lru, clock)
                    };
                    Some((score, k))
                })
                .max_by_key(|(score, _)| *score)
                .map(|(_, k)| k)
        }
    }
}

/// Redis: performEvictions. Returns false when memory is still over the
/// limit afterwards (EVICT_FAIL).
pub fn perform_evictions(s: &mut Server) -> bool {
    if s.pause.check_timeout_and_return_if_paused() {
        return true;
    }
    // Redis: a replica leaves eviction to its master (replica-ignore-maxmemory).
    if s.config.masterhost.is_some() && s.config.replica_ignore_maxmemory {
        return true;
    }
    if !over_maxmemory(s) {
        return true;
    }
    if s.config.maxmemory_policy == P::NoEviction {
        return false;
    }
    let start = std::time::Instant::now();
    let volatile = matches!(
        s.config.maxmemory_policy,
        P::VolatileLru | P::VolatileLfu | P::VolatileRandom | P::VolatileTtl
    );
    while over_maxmemory(s) {
        let mut evicted = false;
        for db in 0..s.dbs.len() {
            let empty = if volatile {
                s.dbs[db].expires.is_empty()
            } else {
                s.dbs[db].dict.is_empty()
            };
            if empty {
                continue;
            }
            if let Some(k) = pick_victim(s, db) {
                s.db_delete(db, &k);
                s.notify_keyspace_event(crate::notify::NOTIFY_EVICTED, "evicted", &k, db);
                s.propagate_deletion(db, &k, s.config.lazyfree_lazy_eviction);
                s.stats.evictedkeys += 1;
                s.dirty += 1;
                evicted = true;
                if !over_maxmemory(s) {
                    break;
                }
            }
        }
        if !evicted {
            s.propagate_pending_commands(true);
            return false;
        }
        // Like Redis's eviction time limit: don't stall the loop for long.
        if start.elapsed().as_millis() > 50 {
            break;
        }
    }
    // Redis: the DELs of this eviction go out now, each on its own.
    s.propagate_pending_commands(true);
    !over_maxmemory(s)
}
