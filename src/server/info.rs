//! The INFO command. Redis counterpart: server.c (genRedisInfoString,
//! genInfoSectionDict, infoCommand, bytesToHuman).
//! The persistence section comes from rdb/bgsave.rs and the replication
//! section from replication/. Fields of features oxidis does not have (AOF,
//! cluster, defragmentation, lazy freeing) print the values Redis prints
//! with the feature off.

use std::collections::HashSet;
use std::fmt::Write;

use oxidis_ds::util;

use super::command::CommandProc;
use super::{
    Server, REDIS_VERSION, STATS_METRIC_COMMAND, STATS_METRIC_NET_INPUT, STATS_METRIC_NET_OUTPUT,
};
use crate::networking::Client;

/// Redis: bytesToHuman.
pub fn bytes_to_human(n: u64) -> String {
    let d = n as f64;
    if n < 1024 {
        format!("{}B", n)
    } else if n < 1024 * 1024 {
        format!("{:.2}K", d / 1024.0)
    } else if n < 1024 * 1024 * 1024 {
        format!("{:.2}M", d / (1024.0 * 1024.0))
    } else if n < 1024u64.pow(4) {
        format!("{:.2}G", d / 1024f64.powi(3))
    } else if n < 1024u64.pow(5) {
        format!("{:.2}T", d / 1024f64.powi(4))
    } else if n < 1024u64.pow(6) {
        format!("{:.2}P", d / 1024f64.powi(5))
    } else {
        format!("{}B", n)
    }
}

pub fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map(|pages| pages * 4096)
        .unwrap_or(0)
}

/// Where the memory goes. Redis: struct redisMemOverhead and
/// getMemoryOverheadData (the parts oxidis can account for; allocator
/// internals are not visible through libc malloc).
#[derive(Clone, Debug, Default)]
pub struct MemOverhead {
    pub total_allocated: u64,
    pub peak: u64,
    pub rss: u64,
    pub startup: u64,
    /// The replication backlog.
    pub repl_backlog: u64,
    /// The backlog plus the stream waiting in replicas' output.
    pub repl_total: u64,
    pub clients_slaves: u64,
    pub clients_normal: u64,
    /// The AOF's pending buffer.
    pub aof_buffer: u64,
    /// The EVAL script cache and the function libraries.
    pub lua_caches: u64,
    pub functions_caches: u64,
    /// Per non-empty db: (id, keys, main dict bytes, expires dict bytes).
    pub dbs: Vec<(usize, u64, u64, u64)>,
    pub total_keys: u64,
    pub overhead: u64,
    pub dataset: u64,
}

/// Redis: getMemoryOverheadData. `used` is the allocated total.
pub fn memory_overhead(s: &Server, used: u64) -> MemOverhead {
    let peak = (s.stats.peak_memory as u64).max(used);
    let rss = rss_bytes();
    let startup = s.used_memory_startup as u64;
    // Replication buffers: the backlog, plus the stream waiting in each
    // replica's output (Redis shares one buffer between them; here each
    // replica holds its own copy, which is what it costs).
    let backlog_mem = s.repl.backlog.as_ref().map_or(0, |b| b.buf.len()) as u64;
    let mut repl_out = 0u64;
    let (mut clients_mem, mut slaves_mem) = (0u64, 0u64);
    for (_, c) in s.clients.iter() {
        if c.flags & crate::networking::client::CLIENT_SLAVE != 0 {
            repl_out += (c.buf.len() + c.reply_bytes) as u64;
            slaves_mem += (c.querybuf.capacity() + c.buf.capacity() - c.buf.len()) as u64;
        } else {
            clients_mem += (c.querybuf.capacity() + c.buf.capacity() + c.reply_bytes) as u64;
        }
    }
    for r in &s.repl.slaves {
        repl_out += r.pending.len() as u64;
    }
    let repl_mem = backlog_mem + repl_out;
    let aof_buffer = if s.aof.is_on() {
        s.aof.buf.capacity() as u64
    } else {
        0
    };
    let lua_caches = s.scripting.used_memory_scripts() as u64;
    let functions_caches = s.scripting.functions.memory_overhead() as u64;
    let mut overhead =
        startup + clients_mem + slaves_mem + repl_mem + aof_buffer + lua_caches + functions_caches;
    let mut dbs = Vec::new();
    let mut total_keys = 0;
    for db in &s.dbs {
        let keys = db.dict.len() as u64;
        if keys == 0 {
            continue;
        }
        let main = db.dict.structure_bytes() as u64;
        let expires = db.expires.structure_bytes() as u64;
        overhead += main + expires;
        total_keys += keys;
        dbs.push((db.id, keys, main, expires));
    }
    MemOverhead {
        total_allocated: used,
        peak,
        rss,
        startup,
        repl_backlog: backlog_mem,
        repl_total: repl_mem,
        clients_slaves: slaves_mem,
        clients_normal: clients_mem,
        aof_buffer,
        lua_caches,
        functions_caches,
        dbs,
        total_keys,
        overhead,
        dataset: used.saturating_sub(overhead),
    }
}

fn total_system_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| {
                    l.split_whitespace()
                        .nth(1)
                        .and_then(|k| k.parse::<u64>().ok())
                })
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

/// Redis: trimDoubleString on "%f" output ("50.000000" -> "50").
fn trim_double(v: f64) -> String {
    let s = format!("{:.6}", v);
    let s = s.trim_end_matches('0');
    s.trim_end_matches('.').to_string()
}

const DEFAULT_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "module_list",
    "errorstats",
    "cluster",
    "keyspace",
];

/// Redis: genRedisInfoString. `sections` holds lowercase section names.
pub fn gen_info_string(
    s: &Server,
    sections: &HashSet<String>,
    all: bool,
    everything: bool,
) -> String {
    let all = all || everything;
    let want = |name: &str| all || sections.contains(name);
    // Read used_memory before this function allocates the reply text, so
    // INFO does not report its own buffer (maxmemory tests compare it
    // against the limit with a 4 KiB margin).
    let used_at_entry = oxidis_sys::used_memory() as u64;
    let mut info = String::with_capacity(4096);
    let mut n = 0;
    let mut sep = |info: &mut String| {
        if n > 0 {
            info.push_str("\r\n");
        }
        n += 1;
    };
    let now_us = util::ustime();
    let uptime = (util::mstime() - s.start_time_ms) / 1000;
    if want("server") {
        sep(&mut info);
        let uname =
            std::fs::read_to_string("/proc/sys/kernel/ostype").unwrap_or_else(|_| "Linux".into());
        let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        let _ = write!(
            info,
            "# Server\r\nredis_version:{}\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:standalone\r\nos:{} {} {}\r\narch_bits:64\r\nmonotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:epoll\r\natomicvar_api:c11-builtin\r\ngcc_version:0.0.0\r\nprocess_id:{}\r\nprocess_supervised:{}\r\nrun_id:{}\r\ntcp_port:{}\r\nserver_time_usec:{}\r\nuptime_in_seconds:{}\r\nuptime_in_days:{}\r\nhz:{}\r\nconfigured_hz:{}\r\nlru_clock:{}\r\nexecutable:{}\r\nconfig_file:{}\r\nio_threads_active:0\r\n",
            REDIS_VERSION,
            uname.trim(),
            release.trim(),
            std::env::consts::ARCH,
            s.pid,
            s.supervised_mode.name(),
            s.run_id,
            s.config.port,
            now_us,
            uptime,
            uptime / 86400,
            s.hz,
            s.config.hz,
            s.lruclock,
            s.executable,
            s.config_file.as_deref().unwrap_or("")
        );
        if s.is_shutdown_initiated() {
            let _ = write!(
                info,
                "shutdown_in_milliseconds:{}\r\n",
                s.shutdown_mstime - util::mstime()
            );
        }
    }
    if want("clients") {
        sep(&mut info);
        let (mut max_in, mut max_out) = (0usize, 0usize);
        for (_, c) in s.clients.iter() {
            max_in = max_in.max(c.querybuf_peak);
            max_out = max_out.max(c.output_memory());
        }
        let _ = write!(
            info,
            "# Clients\r\nconnected_clients:{}\r\ncluster_connections:0\r\nmaxclients:{}\r\nclient_recent_max_input_buffer:{}\r\nclient_recent_max_output_buffer:{}\r\nblocked_clients:{}\r\ntracking_clients:0\r\nclients_in_timeout_table:0\r\n",
            s.clients.len().saturating_sub(s.repl.slaves.len()),
            s.config.maxclients,
            max_in,
            max_out,
            s.blocked_clients
        );
    }
    if want("memory") {
        sep(&mut info);
        let used = used_at_entry;
        let MemOverhead {
            peak,
            rss,
            startup,
            repl_backlog: backlog_mem,
            repl_total: repl_mem,
            clients_slaves: slaves_mem,
            clients_normal: clients_mem,
            overhead,
            dataset,
            ..
        } = memory_overhead(s, used);
        let total_mem = total_system_memory();
        let net = used.saturating_sub(startup).max(1);
        let frag = if used > 0 {
            rss as f64 / used as f64
        } else {
            0.0
        };
        let scripting = crate::scripting::info_memory_fields(s);
        let _ = write!(
            info,
            "# Memory\r\nused_memory:{used}\r\nused_memory_human:{}\r\nused_memory_rss:{rss}\r\nused_memory_rss_human:{}\r\nused_memory_peak:{peak}\r\nused_memory_peak_human:{}\r\nused_memory_peak_perc:{:.2}%\r\nused_memory_overhead:{overhead}\r\nused_memory_startup:{startup}\r\nused_memory_dataset:{dataset}\r\nused_memory_dataset_perc:{:.2}%\r\nallocator_allocated:{used}\r\nallocator_active:{used}\r\nallocator_resident:{rss}\r\ntotal_system_memory:{total_mem}\r\ntotal_system_memory_human:{}\r\n{scripting}maxmemory:{}\r\nmaxmemory_human:{}\r\nmaxmemory_policy:{}\r\nallocator_frag_ratio:1.00\r\nallocator_frag_bytes:0\r\nallocator_rss_ratio:{:.2}\r\nallocator_rss_bytes:{}\r\nrss_overhead_ratio:1.00\r\nrss_overhead_bytes:0\r\nmem_fragmentation_ratio:{:.2}\r\nmem_fragmentation_bytes:{}\r\nmem_not_counted_for_evict:0\r\nmem_replication_backlog:{backlog_mem}\r\nmem_total_replication_buffers:{repl_mem}\r\nmem_clients_slaves:{slaves_mem}\r\nmem_clients_normal:{clients_mem}\r\nmem_cluster_links:0\r\nmem_aof_buffer:0\r\nmem_allocator:libc\r\nactive_defrag_running:0\r\nlazyfree_pending_objects:0\r\nlazyfreed_objects:0\r\n",
            bytes_to_human(used),
            bytes_to_human(rss),
            bytes_to_human(peak),
            used as f64 * 100.0 / peak.max(1) as f64,
            dataset as f64 * 100.0 / net as f64,
            bytes_to_human(total_mem),
            s.config.maxmemory,
            bytes_to_human(s.config.maxmemory),
            s.config.maxmemory_policy.name(),
            frag,
            rss as i64 - used as i64,
            frag,
            rss as i64 - used as i64,
        );
    }
    if want("persistence") {
        sep(&mut info);
        info.push_str(&crate::rdb::bgsave::info_persistence(s));
    }
    if want("stats") {
        sep(&mut info);
        let st = &s.stats;
        let _ = write!(
            info,
            "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\ninstantaneous_ops_per_sec:{}\r\ntotal_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\ntotal_net_repl_input_bytes:0\r\ntotal_net_repl_output_bytes:0\r\ninstantaneous_input_kbps:{:.2}\r\ninstantaneous_output_kbps:{:.2}\r\ninstantaneous_input_repl_kbps:0.00\r\ninstantaneous_output_repl_kbps:0.00\r\nrejected_connections:{}\r\nsync_full:{}\r\nsync_partial_ok:{}\r\nsync_partial_err:{}\r\nexpired_keys:{}\r\nexpired_stale_perc:{:.2}\r\nexpired_time_cap_reached_count:{}\r\nexpire_cycle_cpu_milliseconds:{}\r\nevicted_keys:{}\r\nevicted_clients:0\r\ntotal_eviction_exceeded_time:0\r\ncurrent_eviction_exceeded_time:0\r\nkeyspace_hits:{}\r\nkeyspace_misses:{}\r\npubsub_channels:0\r\npubsub_patterns:0\r\npubsubshard_channels:0\r\n{}slave_expires_tracked_keys:{}\r\nactive_defrag_hits:0\r\nactive_defrag_misses:0\r\nactive_defrag_key_hits:0\r\nactive_defrag_key_misses:0\r\ntotal_active_defrag_time:0\r\ncurrent_active_defrag_time:0\r\ntracking_total_keys:0\r\ntracking_total_items:0\r\ntracking_total_prefixes:0\r\nunexpected_error_replies:{}\r\ntotal_error_replies:{}\r\ndump_payload_sanitizations:{}\r\ntotal_reads_processed:{}\r\ntotal_writes_processed:{}\r\nio_threaded_reads_processed:0\r\nio_threaded_writes_processed:0\r\nreply_buffer_shrinks:0\r\nreply_buffer_expands:0\r\n",
            st.numconnections,
            st.numcommands,
            s.instantaneous_metric(STATS_METRIC_COMMAND),
            st.net_input_bytes,
            st.net_output_bytes,
            s.instantaneous_metric(STATS_METRIC_NET_INPUT) as f64 / 1024.0,
            s.instantaneous_metric(STATS_METRIC_NET_OUTPUT) as f64 / 1024.0,
            st.rejected_conn,
            s.repl.stat_sync_full,
            s.repl.stat_sync_partial_ok,
            s.repl.stat_sync_partial_err,
            st.expiredkeys,
            st.expired_stale_perc * 100.0,
            st.expired_time_cap_reached_count,
            st.expire_cycle_time_used / 1000,
            st.evictedkeys,
            st.keyspace_hits,
            st.keyspace_misses,
            crate::rdb::bgsave::info_fork_fields(s),
            s.repl.slave_keys_with_expire.len(),
            st.unexpected_error_replies,
            st.total_error_replies,
            st.dump_payload_sanitizations,
            st.total_reads_processed,
            st.total_writes_processed
        );
    }
    if want("replication") {
        sep(&mut info);
        info.push_str(&s.info_replication());
    }
    if want("cpu") {
        sep(&mut info);
        let (u, sy) = oxidis_sys::rusage_self();
        let _ = write!(
            info,
            "# CPU\r\nused_cpu_sys:{:.6}\r\nused_cpu_user:{:.6}\r\nused_cpu_sys_children:0.000000\r\nused_cpu_user_children:0.000000\r\nused_cpu_sys_main_thread:{:.6}\r\nused_cpu_user_main_thread:{:.6}\r\n",
            sy, u, sy, u
        );
    }
    if all || sections.contains("module_list") || sections.contains("modules") {
        sep(&mut info);
        info.push_str("# Modules\r\n");
    }
    if want("commandstats") {
        sep(&mut info);
        info.push_str("# Commandstats\r\n");
        for cmd in s.commands.cmds.iter() {
            let st = &s.cmd_stats[cmd.id];
            if st.calls > 0 || st.failed_calls > 0 || st.rejected_calls > 0 {
                let per = if st.calls == 0 {
                    0.0
                } else {
                    st.microseconds as f64 / st.calls as f64
                };
                let _ = write!(
                    info,
                    "cmdstat_{}:calls={},usec={},usec_per_call={:.2},rejected_calls={},failed_calls={}\r\n",
                    cmd.fullname, st.calls, st.microseconds, per, st.rejected_calls, st.failed_calls
                );
            }
        }
    }
    if want("errorstats") {
        sep(&mut info);
        info.push_str("# Errorstats\r\n");
        let mut errs: Vec<(&String, &u64)> = s.stats.errorstats.iter().collect();
        errs.sort();
        for (k, v) in errs {
            let _ = write!(info, "errorstat_{}:count={}\r\n", k, v);
        }
    }
    if want("latencystats") {
        sep(&mut info);
        info.push_str("# Latencystats\r\n");
        if s.config.latency_tracking {
            for cmd in s.commands.cmds.iter() {
                let h = &s.latency_hists[cmd.id];
                if h.total() == 0 {
                    continue;
                }
                let _ = write!(info, "latency_percentiles_usec_{}:", cmd.fullname);
                let pcts = &s.config.latency_tracking_info_percentiles;
                for (j, p) in pcts.iter().enumerate() {
                    let _ = write!(
                        info,
                        "p{}={:.3}",
                        trim_double(*p),
                        h.value_at_percentile(*p) as f64 / 1000.0
                    );
                    if j + 1 != pcts.len() {
                        info.push(',');
                    }
                }
                info.push_str("\r\n");
            }
        }
    }
    if want("cluster") {
        sep(&mut info);
        info.push_str("# Cluster\r\ncluster_enabled:0\r\n");
    }
    if want("keyspace") {
        sep(&mut info);
        info.push_str("# Keyspace\r\n");
        for (j, d) in s.dbs.iter().enumerate() {
            let (keys, vkeys) = (d.dict.len(), d.expires.len());
            if keys > 0 || vkeys > 0 {
                let _ = write!(
                    info,
                    "db{}:keys={},expires={},avg_ttl={}\r\n",
                    j, keys, vkeys, d.avg_ttl
                );
            }
        }
    }
    info
}

/// Redis: genInfoSectionDict. Returns (sections, all, everything).
pub fn info_sections(args: &[Vec<u8>]) -> (HashSet<String>, bool, bool) {
    let mut set = HashSet::new();
    let (mut all, mut everything) = (false, false);
    if args.is_empty() {
        set.extend(DEFAULT_SECTIONS.iter().map(|s| s.to_string()));
        return (set, false, false);
    }
    for a in args {
        let l = String::from_utf8_lossy(a).to_lowercase();
        match l.as_str() {
            "default" => set.extend(DEFAULT_SECTIONS.iter().map(|s| s.to_string())),
            "all" => all = true,
            "everything" => {
                all = true;
                everything = true;
            }
            _ => {
                set.insert(l);
            }
        }
    }
    (set, all, everything)
}

fn info_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let (sections, all, everything) = info_sections(&argv[1..]);
    let text = gen_info_string(s, &sections, all, everything);
    c.add_reply_verbatim(text.as_bytes(), "txt");
}

pub static HANDLERS: &[(&str, CommandProc)] = &[("info", info_command)];
