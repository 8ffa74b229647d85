//! MEMORY HELP, USAGE, STATS and DOCTOR. Redis counterpart: object.c
//! (memoryCommand, objectComputeSize, getMemoryOverheadData,
//! getMemoryDoctorReport).
//! Divergences: sizes are estimates from this process's own layouts (no
//! jemalloc size classes), sampling like objectComputeSize for big
//! aggregates. DOCTOR checks what a libc-malloc build of Redis can check:
//! the allocator's own fragmentation and RSS figures are not visible, so
//! those two findings never fire (as in Redis built with libc malloc).
//! STATS reports the allocator figures a libc-malloc Redis reports
//! (allocated = active = used memory, resident = RSS). MALLOC-STATS and
//! PURGE are not implemented: they answer "unknown subcommand".

use oxidis_ds::hash::HashObj;
use oxidis_ds::set::SetObj;

use crate::networking::Client;
use crate::object::{RObj, Value};
use crate::server::command::CommandProc;
use crate::server::shared;
use crate::server::Server;

/// Redis: OBJ_COMPUTE_SIZE_DEF_SAMPLES.
const OBJ_COMPUTE_SIZE_DEF_SAMPLES: usize = 5;

const MEMORY_HELP: &[&str] = &[
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
];

fn memory_help_command(_s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    c.add_reply_help(&argv[0], MEMORY_HELP);
}

/// The estimated size of an aggregate: the average of the first `samples`
/// elements times the element count, plus a per-element overhead.
fn sampled(sizes: impl Iterator<Item = usize>, len: usize, samples: usize, per: usize) -> usize {
    let (mut n, mut sum) = (0usize, 0usize);
    for s in sizes.take(samples) {
        n += 1;
        sum += s + per;
    }
    sum.checked_div(n).map_or(0, |avg| avg * len)
}

/// Redis: objectComputeSize.
fn object_compute_size(o: &RObj, samples: usize) -> usize {
    let robj = std::mem::size_of::<RObj>();
    robj + match &o.v {
        Value::Int(_) => 0,
        Value::EmbStr(b) => b.len(),
        Value::Raw(b) => b.capacity(),
        Value::Set(s) => match &**s {
            SetObj::Intset(is) => is.blob_len(),
            SetObj::Ht(d) => {
                d.slots() * 8 + sampled(d.keys().map(|k| k.len()), d.len(), samples, 32)
            }
        },
        Value::Hash(h) => match &**h {
            HashObj::Listpack(lp) => lp.bytes(),
            HashObj::Ht(d) => {
                d.slots() * 8
                    + sampled(
                        d.iter().map(|(k, v)| k.len() + v.len()),
                        d.len(),
                        samples,
                        48,
                    )
            }
        },
        // Redis: the OBJ_STREAM branch — the nodes (sampled), then every
        // group's PEL and consumers.
        Value::Stream(st) => {
            let nodes = sampled(
                st.rax.values().map(|lp| lp.bytes()),
                st.rax.len(),
                samples,
                48,
            );
            let groups: usize = st.cgroups.as_ref().map_or(0, |g| {
                g.iter()
                    .map(|(name, cg)| {
                        name.len()
                            + 64
                            + cg.pel.len() * 48
                            + cg.consumers
                                .iter()
                                .map(|(n, c)| n.len() + 48 + c.pel.len() * 32)
                                .sum::<usize>()
                    })
                    .sum()
            });
            std::mem::size_of::<oxidis_ds::stream::Stream>() + nodes + groups
        }
        #[allow(unreachable_patterns)]
        _ => 0,
    }
}

/// Redis: memoryCommand's USAGE branch.
fn memory_usage_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let mut samples = OBJ_COMPUTE_SIZE_DEF_SAMPLES;
    let mut j = 3;
    while j < argv.len() {
        if argv[j].eq_ignore_ascii_case(b"samples") && j + 1 < argv.len() {
            let Some(n) = oxidis_ds::util::string2ll(&argv[j + 1]) else {
                return c.add_reply_error(shared::NOT_INTEGER);
            };
            if n < 0 {
                return c.add_reply_syntax_err();
            }
            samples = if n == 0 { usize::MAX } else { n as usize };
            j += 2;
        } else {
            return c.add_reply_syntax_err();
        }
    }
    let Some((k, o)) = s.dbs[c.db].dict.get_key_value(&argv[2]) else {
        return c.add_reply_null();
    };
    let usage = object_compute_size(o, samples) + k.len() + 24;
    c.add_reply_long(usage as i64);
}

/// MEMORY STATS. Redis: the STATS branch of memoryCommand.
fn memory_stats_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    let used = oxidis_sys::used_memory() as u64;
    let mh = crate::server::info::memory_overhead(s, used);
    let rss = mh.rss;
    c.add_reply_map_len(27 + mh.dbs.len());
    let num = |c: &mut Client, k: &str, v: i64| {
        c.add_reply_bulk_str(k);
        c.add_reply_long(v);
    };
    num(c, "peak.allocated", mh.peak as i64);
    num(c, "total.allocated", used as i64);
    num(c, "startup.allocated", mh.startup as i64);
    num(c, "replication.backlog", mh.repl_backlog as i64);
    num(c, "clients.slaves", mh.clients_slaves as i64);
    num(c, "clients.normal", mh.clients_normal as i64);
    num(c, "cluster.links", 0);
    num(c, "aof.buffer", mh.aof_buffer as i64);
    num(c, "lua.caches", mh.lua_caches as i64);
    num(c, "functions.caches", mh.functions_caches as i64);
    for &(id, _, main, expires) in &mh.dbs {
        c.add_reply_bulk_str(&format!("db.{id}"));
        c.add_reply_map_len(3);
        num(c, "overhead.hashtable.main", main as i64);
        num(c, "overhead.hashtable.expires", expires as i64);
        num(c, "overhead.hashtable.slot-to-keys", 0);
    }
    num(c, "overhead.total", mh.overhead as i64);
    num(c, "keys.count", mh.total_keys as i64);
    let net = used.saturating_sub(mh.startup).max(1);
    let per_key = net.checked_div(mh.total_keys).unwrap_or(0);
    num(c, "keys.bytes-per-key", per_key as i64);
    num(c, "dataset.bytes", mh.dataset as i64);
    // Redis computes these ratios as C floats.
    let dbl = |c: &mut Client, k: &str, v: f64| {
        c.add_reply_bulk_str(k);
        c.add_reply_double(v as f32 as f64);
    };
    dbl(
        c,
        "dataset.percentage",
        mh.dataset as f64 * 100.0 / net as f64,
    );
    dbl(
        c,
        "peak.percentage",
        used as f64 * 100.0 / mh.peak.max(1) as f64,
    );
    // libc malloc shows no allocator internals: allocated and active are
    // what oxidis counts, resident is the process's RSS.
    num(c, "allocator.allocated", used as i64);
    num(c, "allocator.active", used as i64);
    num(c, "allocator.resident", rss as i64);
    dbl(c, "allocator-fragmentation.ratio", 1.0);
    num(c, "allocator-fragmentation.bytes", 0);
    dbl(c, "allocator-rss.ratio", rss as f64 / used.max(1) as f64);
    num(c, "allocator-rss.bytes", rss as i64 - used as i64);
    dbl(c, "rss-overhead.ratio", 1.0);
    num(c, "rss-overhead.bytes", 0);
    dbl(c, "fragmentation", rss as f64 / used.max(1) as f64);
    num(c, "fragmentation.bytes", rss as i64 - used as i64);
}

/// MEMORY DOCTOR. Redis: getMemoryDoctorReport.
fn memory_doctor_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    let used = oxidis_sys::used_memory() as u64;
    let mh = crate::server::info::memory_overhead(s, used);
    let mut findings: Vec<&str> = Vec::new();
    let empty = mh.total_allocated < 5 * 1024 * 1024;
    if !empty {
        if mh.peak as f64 / mh.total_allocated as f64 > 1.5 {
            findings.push(DOCTOR_BIG_PEAK);
        }
        let frag = mh.rss as f64 / mh.total_allocated as f64;
        if frag > 1.4 && mh.rss.saturating_sub(mh.total_allocated) > 10 << 20 {
            findings.push(DOCTOR_HIGH_FRAG);
        }
        let slaves = s.repl.slaves.len() as u64;
        let clients = (s.clients.len() as u64).saturating_sub(slaves).max(1);
        if mh.clients_normal / clients > 1024 * 200 {
            findings.push(DOCTOR_BIG_CLIENT_BUF);
        }
        if slaves > 0 && mh.clients_slaves > 1024 * 1024 * 10 {
            findings.push(DOCTOR_BIG_SLAVE_BUF);
        }
        if s.scripting.scripts.len() > 1000 {
            findings.push(DOCTOR_MANY_SCRIPTS);
        }
    }
    let report = if empty {
        "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n".to_string()
    } else if findings.is_empty() {
        "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n".to_string()
    } else {
        let mut r =
            "Sam, I detected a few issues in this Redis instance memory implants:\n\n".to_string();
        for f in findings {
            r.push_str(f);
            r.push_str("\n\n");
        }
        r.push_str("I'm here to keep you safe, Sam. I want to help you.\n");
        r
    };
    c.add_reply_verbatim(report.as_bytes(), "txt");
}

const DOCTOR_BIG_PEAK: &str = " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.";
const DOCTOR_HIGH_FRAG: &str = " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is \"libc\".";
const DOCTOR_BIG_SLAVE_BUF: &str = " * Big replica buffers: The replica output buffers in this instance are greater than 10MB for each replica (on average). This likely means that there is some replica instance that is struggling receiving data, either because it is too slow or because of networking issues. As a result, data piles on the master output buffers. Please try to identify what replica is not receiving data correctly and why. You can use the INFO output in order to check the replicas delays and the CLIENT LIST command to check the output buffers of each replica.";
const DOCTOR_BIG_CLIENT_BUF: &str = " * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.";
const DOCTOR_MANY_SCRIPTS: &str = " * Many scripts: There seem to be many cached scripts in this instance (more than 1000). This may be because scripts are generated and `EVAL`ed, instead of being parameterized (with KEYS and ARGV), `SCRIPT LOAD`ed and `EVALSHA`ed. Unless `SCRIPT FLUSH` is called periodically, the scripts' caches may end up consuming most of your memory.";

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("memory|help", memory_help_command),
    ("memory|doctor", memory_doctor_command),
    ("memory|stats", memory_stats_command),
    ("memory|usage", memory_usage_command),
];
