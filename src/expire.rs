//! Key expiry. Redis counterpart: expire.c — the adaptive active expire
//! cycle and the EXPIRE / TTL / PERSIST family. The lazy half
//! (expireIfNeeded) is in db.rs.
//!
//! The active cycle samples keys with a TTL and deletes the expired ones. It
//! keeps sampling a database while more than ~10% of the sample was expired,
//! within a CPU budget: the slow cycle (from the cron) may use 25% of each
//! cron period; the fast cycle (from before_sleep) runs at most for 1 ms and
//! only when the previous cycles left many stale keys or hit their time limit.
//! `active-expire-effort` (1..10) scales the sample size, budget and
//! tolerated staleness, as in Redis.
//! Divergence: sampling walks the expires dict with its SCAN cursor instead
//! of Redis's raw bucket index; each step still visits one bucket.

use oxidis_ds::util;

use crate::networking::Client;
use crate::replication;
use crate::server::command::CommandProc;
use crate::server::shared;
use crate::server::Server;

const KEYS_PER_LOOP: u64 = 20;
const FAST_DURATION_US: u64 = 1000;
const SLOW_TIME_PERC: u64 = 25;
const ACCEPTABLE_STALE: u64 = 10;
const CRON_DBS_PER_CALL: usize = 16;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum CycleKind {
    Fast,
    Slow,
}

/// Redis: activeExpireCycle.
/// Redis: expireSlaveKeys — deletes the expired keys a writable replica's
/// clients set a TTL on, and forgets those that are gone or lost their TTL.
fn expire_slave_keys(s: &mut Server) {
    if s.repl.slave_keys_with_expire.is_empty() {
        return;
    }
    let now = util::mstime();
    let keys: Vec<(usize, Vec<u8>)> = s.repl.slave_keys_with_expire.iter().cloned().collect();
    for (db, key) in keys {
        match s.dbs[db].get_expire(&key) {
            Some(when) if when < now => {
                s.delete_expired_key(db, &key);
                s.repl.slave_keys_with_expire.remove(&(db, key));
            }
            Some(_) => {}
            None => {
                s.repl.slave_keys_with_expire.remove(&(db, key));
            }
        }
    }
}

pub fn active_expire_cycle(s: &mut Server, kind: CycleKind) {
    // Redis: only a master expires keys; a replica waits for the master's DEL,
    // but for the keys its own clients gave a TTL (expireSlaveKeys).
    if s.config.masterhost.is_some() {
        return expire_slave_keys(s);
    }
    let effort = (s.config.active_expire_effort.clamp(1, 10) - 1) as u64;
    let keys_per_loop = KEYS_PER_LOOP + KEYS_PER_LOOP / 4 * effort;
    let fast_duration = FAST_DURATION_US + FAST_DURATION_US / 4 * effort;
    let slow_time_perc = SLOW_TIME_PERC + 2 * effort;
    let acceptable_stale = ACCEPTABLE_STALE - effort;

    if s.pause.check_timeout_and_return_if_paused() {
        return;
    }
    let start = util::ustime() as u64;
    if kind == CycleKind::Fast {
        if !s.timelimit_exit && s.stats.expired_stale_perc < acceptable_stale as f64 {
            return;
        }
        if start < s.last_expire_cycle_fast_start + fast_duration * 2 {
            return;
        }
        s.last_expire_cycle_fast_start = start;
    }
    let dbnum = s.dbs.len();
    let mut dbs_per_call = CRON_DBS_PER_CALL;
    if dbs_per_call > dbnum || s.timelimit_exit {
        dbs_per_call = dbnum;
    }
    let hz = s.config.hz.clamp(1, 500) as u64;
    let timelimit = if kind == CycleKind::Fast {
        fast_duration
    } else {
        (slow_time_perc * 1_000_000 / hz / 100).max(1)
    };
    s.timelimit_exit = false;

    let mut total_sampled = 0u64;
    let mut total_expired = 0u64;
    let mut iteration = 0u64;
    let mut expired_keys: Vec<crate::db::Key> = Vec::new();
    'dbs: for _ in 0..dbs_per_call {
        let dbi = s.expire_cycle_db % dbnum;
        s.expire_cycle_db = s.expire_cycle_db.wrapping_add(1);
        loop {
            let num = s.dbs[dbi].expires.len() as u64;
            if num == 0 {
                s.dbs[dbi].avg_ttl = 0;
                break;
            }
            let slots = s.dbs[dbi].expires.slots() as u64;
            if slots > 4 && num * 100 / slots < 1 {
                break;
            }
            let now = util::mstime();
            let target = num.min(keys_per_loop);
            let max_buckets = target * 20;
            let (mut sampled, mut checked_buckets) = (0u64, 0u64);
            let (mut ttl_sum, mut ttl_samples) = (0i64, 0i64);
            expired_keys.clear();
            let db = &mut s.dbs[dbi];
            while sampled < target && checked_buckets < max_buckets {
                let cursor = db.expires_cursor;
                db.expires_cursor = db.expires.scan(cursor, |k, &when| {
                    sampled += 1;
                    if when < now {
                        expired_keys.push(k.clone());
                    } else {
                        ttl_sum += when - now;
                        ttl_samples += 1;
                    }
                });
                checked_buckets += 1;
                if db.expires_cursor == 0 && cursor != 0 && sampled == 0 {
                    break;
                }
            }
            let expired = expired_keys.len() as u64;
            for k in expired_keys.drain(..) {
                s.delete_expired_key(dbi, &k);
            }
            total_expired += expired;
            total_sampled += sampled;
            if ttl_samples > 0 {
                let avg = ttl_sum / ttl_samples;
                let d = &mut s.dbs[dbi];
                d.avg_ttl = if d.avg_ttl == 0 {
                    avg
                } else {
                    (d.avg_ttl / 50) * 49 + avg / 50
                };
            }
            iteration += 1;
            if iteration & 0xf == 0 {
                let elapsed = util::ustime() as u64 - start;
                if elapsed > timelimit {
                    s.timelimit_exit = true;
                    s.stats.expired_time_cap_reached_count += 1;
                    break 'dbs;
                }
            }
            let repeat = sampled == 0 || expired * 100 / sampled > acceptable_stale;
            if !repeat {
                break;
            }
        }
    }
    // Redis: all the DELs go out now, each on its own (propagate_no_multi).
    s.propagate_pending_commands(true);
    let elapsed = util::ustime() as u64 - start;
    s.latency_add_sample_if_needed("expire-cycle", elapsed / 1000);
    s.stats.expire_cycle_time_used += elapsed;
    let perc = if total_sampled > 0 {
        total_expired as f64 / total_sampled as f64
    } else {
        0.0
    };
    s.stats.expired_stale_perc = perc * 0.05 + s.stats.expired_stale_perc * 0.95;
}

// ---------------------------------------------------------------------------
// Expire commands
// ---------------------------------------------------------------------------

const EXPIRE_NX: u32 = 1;
const EXPIRE_XX: u32 = 2;
const EXPIRE_GT: u32 = 4;
const EXPIRE_LT: u32 = 8;

/// Redis: parseExtendedExpireArgumentsOrReply.
fn parse_expire_flags(c: &mut Client, argv: &[Vec<u8>]) -> Option<u32> {
    let mut flags = 0;
    for opt in &argv[3..] {
        match opt.to_ascii_lowercase().as_slice() {
            b"nx" => flags |= EXPIRE_NX,
            b"xx" => flags |= EXPIRE_XX,
            b"gt" => flags |= EXPIRE_GT,
            b"lt" => flags |= EXPIRE_LT,
            _ => {
                c.add_reply_error(&format!(
                    "Unsupported option {}",
                    String::from_utf8_lossy(opt)
                ));
                return None;
            }
        }
    }
    if flags & EXPIRE_NX != 0 && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT) != 0 {
        c.add_reply_error("NX and XX, GT or LT options at the same time are not compatible");
        return None;
    }
    if flags & EXPIRE_GT != 0 && flags & EXPIRE_LT != 0 {
        c.add_reply_error("GT and LT options at the same time are not compatible");
        return None;
    }
    Some(flags)
}

/// Redis: expireGenericCommand.
fn expire_generic(s: &mut Server, c: &mut Client, argv: &[Vec<u8>], basetime: i64, seconds: bool) {
    let Some(flags) = parse_expire_flags(c, argv) else {
        return;
    };
    let Some(mut when) = util::string2ll(&argv[2]) else {
        return c.add_reply_error(shared::NOT_INTEGER);
    };
    let cmdname = c
        .cmd
        .map(|i| s.commands.get(i).fullname.clone())
        .unwrap_or_default();
    let bad_time = |c: &mut Client| {
        c.add_reply_error(&format!("invalid expire time in '{}' command", cmdname))
    };
    if seconds {
        if !(i64::MIN / 1000..=i64::MAX / 1000).contains(&when) {
            return bad_time(c);
        }
        when *= 1000;
    }
    if when > i64::MAX - basetime {
        return bad_time(c);
    }
    when += basetime;
    let db = c.db;
    let key = &argv[1];
    if s.lookup_key_write(db, key).is_none() {
        return c.add_reply_long(0);
    }
    if flags != 0 {
        let cur = s.dbs[db].get_expire(key);
        if flags & EXPIRE_NX != 0 && cur.is_some() {
            return c.add_reply_long(0);
        }
        if flags & EXPIRE_XX != 0 && cur.is_none() {
            return c.add_reply_long(0);
        }
        if flags & EXPIRE_GT != 0 && cur.is_none_or(|cur| when <= cur) {
            return c.add_reply_long(0);
        }
        if flags & EXPIRE_LT != 0 && cur.is_some_and(|cur| when >= cur) {
            return c.add_reply_long(0);
        }
    }
    if when <= util::mstime() && !s.loading {
        s.db_delete(db, key);
        // Redis: replicated as an explicit DEL (UNLINK with lazyfree-lazy-expire).
        let lazy = s.config.lazyfree_lazy_expire;
        replication::rewrite_with(s, c, || vec![replication::del_cmd(lazy), key.clone()]);
        s.notify_keyspace_event(crate::notify::NOTIFY_GENERIC, "del", key, db);
        s.dirty += 1;
        c.add_reply_long(1);
    } else {
        s.set_expire(db, key, when);
        // Redis: replicated as PEXPIREAT with the absolute time; the NX/XX/GT/LT
        // arguments stay.
        replication::rewrite_with(s, c, || {
            let mut v = argv.to_vec();
            if basetime != 0 || seconds {
                v[0] = b"PEXPIREAT".to_vec();
                v[2] = when.to_string().into_bytes();
            }
            v
        });
        s.notify_keyspace_event(crate::notify::NOTIFY_GENERIC, "expire", key, db);
        s.dirty += 1;
        c.add_reply_long(1);
    }
}

fn expire_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    expire_generic(s, c, argv, util::mstime(), true)
}
fn expireat_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    expire_generic(s, c, argv, 0, true)
}
fn pexpire_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    expire_generic(s, c, argv, util::mstime(), false)
}
fn pexpireat_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    expire_generic(s, c, argv, 0, false)
}

/// Redis: ttlGenericCommand.
fn ttl_generic(s: &mut Server, c: &mut Client, key: &[u8], output_ms: bool, output_abs: bool) {
    let db = c.db;
    if s.lookup_key(db, key, crate::db::LOOKUP_NOTOUCH).is_none() {
        return c.add_reply_long(-2);
    }
    let Some(expire) = s.dbs[db].get_expire(key) else {
        return c.add_reply_long(-1);
    };
    let ttl = if output_abs {
        expire
    } else {
        (expire - util::mstime()).max(0)
    };
    c.add_reply_long(if output_ms { ttl } else { (ttl + 500) / 1000 });
}

fn ttl_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    ttl_generic(s, c, &argv[1], false, false)
}
fn pttl_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    ttl_generic(s, c, &argv[1], true, false)
}
fn expiretime_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    ttl_generic(s, c, &argv[1], false, true)
}
fn pexpiretime_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    ttl_generic(s, c, &argv[1], true, true)
}

/// Redis: persistCommand.
fn persist_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let db = c.db;
    if s.lookup_key_write(db, &argv[1]).is_some() && s.remove_expire(db, &argv[1]) {
        s.notify_keyspace_event(crate::notify::NOTIFY_GENERIC, "persist", &argv[1], db);
        s.dirty += 1;
        return c.add_reply_long(1);
    }
    c.add_reply_long(0);
}

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("expire", expire_command),
    ("expireat", expireat_command),
    ("pexpire", pexpire_command),
    ("pexpireat", pexpireat_command),
    ("ttl", ttl_command),
    ("pttl", pttl_command),
    ("expiretime", expiretime_command),
    ("pexpiretime", pexpiretime_command),
    ("persist", persist_command),
];
