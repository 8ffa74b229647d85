//! The directive table. Redis counterpart: config.c's `static_configs[]` and
//! the per-type interface functions (boolConfigSet, numericParseString,
//! numericBoundaryCheck, enumConfigSet, configEnumGetName, ...).
//!
//! Each [`ConfigDef`] carries plain `fn` accessors into [`Config`]'s typed
//! field, so one generic implementation per type serves every directive, as
//! config.c's pointers into `server` do. TLS directives are included because
//! Debian's redis-server is built with TLS; oxidis stores them unused.

use super::flags::*;
use super::special;
use super::*;

/// Numeric flags (config.c's INTEGER/MEMORY/PERCENT/OCTAL_CONFIG).
pub(crate) const INTEGER: u8 = 0;
pub(crate) const MEMORY: u8 = 1;
pub(crate) const PERCENT: u8 = 2;
pub(crate) const OCTAL: u8 = 4;

type Validate<T> = Option<fn(T) -> Result<(), &'static str>>;
/// String validators see the configuration as it stands (Redis's read
/// `server`, e.g. validateProcTitleTemplate expands against it).
type StrValidate = Option<fn(&Config, &str) -> Result<(), &'static str>>;
type SpecialSet = fn(&mut Config, &[Vec<u8>], bool) -> Result<bool, String>;

/// How a directive's value is stored, parsed and printed.
pub enum Kind {
    Bool {
        get: fn(&Config) -> bool,
        set: fn(&mut Config, bool),
        default: bool,
        valid: Validate<bool>,
    },
    /// A C string; `get` gives None for NULL ("empty string is NULL").
    Str {
        get: fn(&Config) -> Option<&str>,
        set: fn(&mut Config, Option<String>),
        default: Option<&'static str>,
        empty_is_null: bool,
        valid: StrValidate,
    },
    /// A binary-safe sds string.
    Sds {
        get: fn(&Config) -> Option<&[u8]>,
        set: fn(&mut Config, Option<Vec<u8>>),
    },
    Enum {
        get: fn(&Config) -> i32,
        set: fn(&mut Config, i32),
        items: &'static [(&'static str, i32)],
        default: i32,
        valid: Validate<i32>,
    },
    Num {
        get: fn(&Config) -> i64,
        set: fn(&mut Config, i64),
        lower: i64,
        upper: i64,
        default: i64,
        nflags: u8,
        /// Bounds compared as unsigned (unsigned int, size_t, unsigned long long).
        unsigned: bool,
    },
    Special {
        set: SpecialSet,
        get: fn(&Config) -> String,
        rewrite: fn(&Config, &'static str, &mut super::rewrite::State),
    },
}

/// One row of the table (standardConfig).
pub struct ConfigDef {
    pub name: &'static str,
    pub alias: Option<&'static str>,
    pub flags: u32,
    pub kind: Kind,
}

macro_rules! b {
    ($n:literal, $a:expr, $fl:expr, $f:ident, $d:expr) => {
        b!($n, $a, $fl, $f, $d, None)
    };
    ($n:literal, $a:expr, $fl:expr, $f:ident, $d:expr, $v:expr) => {
        ConfigDef {
            name: $n,
            alias: $a,
            flags: $fl,
            kind: Kind::Bool {
                get: |c| c.$f,
                set: |c, v| c.$f = v,
                default: $d,
                valid: $v,
            },
        }
    };
}
/// A String field (empty allowed).
macro_rules! s {
    ($n:literal, $a:expr, $fl:expr, $f:ident, $d:expr, $v:expr) => {
        ConfigDef {
            name: $n,
            alias: $a,
            flags: $fl,
            kind: Kind::Str {
                get: |c| Some(c.$f.as_str()),
                set: |c, v| c.$f = v.unwrap_or_default(),
                default: Some($d),
                empty_is_null: false,
                valid: $v,
            },
        }
    };
}
/// An Option<String> field (empty string is NULL, default NULL).
macro_rules! sn {
    ($n:literal, $a:expr, $fl:expr, $f:ident) => {
        sn!($n, $a, $fl, $f, None)
    };
    ($n:literal, $a:expr, $fl:expr, $f:ident, $v:expr) => {
        ConfigDef {
            name: $n,
            alias: $a,
            flags: $fl,
            kind: Kind::Str {
                get: |c| c.$f.as_deref(),
                set: |c, v| c.$f = v,
                default: None,
                empty_is_null: true,
                valid: $v,
            },
        }
    };
}
/// A typed enum field.
macro_rules! e {
    ($n:literal, $fl:expr, $f:ident, $t:ident) => {
        e!($n, $fl, $f, $t, None)
    };
    ($n:literal, $fl:expr, $f:ident, $t:ident, $v:expr) => {
        ConfigDef {
            name: $n,
            alias: None,
            flags: $fl,
            kind: Kind::Enum {
                get: |c| c.$f.to_i32(),
                set: |c, v| c.$f = $t::from_i32(v),
                items: $t::ITEMS,
                default: $t::DEFAULT.to_i32(),
                valid: $v,
            },
        }
    };
}
/// A numeric field of Rust type `$t`; `$u` = unsigned bound checks.
macro_rules! n {
    ($n:literal, $a:expr, $fl:expr, $lo:expr, $hi:expr, $f:ident: $t:ty, $d:expr, $nf:expr, $u:expr) => {
        ConfigDef {
            name: $n,
            alias: $a,
            flags: $fl,
            kind: Kind::Num {
                get: |c| c.$f as i64,
                set: |c, v| c.$f = v as $t,
                lower: $lo as i64,
                upper: $hi as i64,
                default: $d as i64,
                nflags: $nf,
                unsigned: $u,
            },
        }
    };
}
macro_rules! sp {
    ($n:literal, $a:expr, $fl:expr, $m:ident) => {
        ConfigDef {
            name: $n,
            alias: $a,
            flags: $fl,
            kind: Kind::Special {
                set: special::$m::set,
                get: special::$m::get,
                rewrite: special::$m::rewrite,
            },
        }
    };
}

const IMM: u32 = IMMUTABLE;
const MOD: u32 = MODIFIABLE;
const INT_MAX: i64 = i32::MAX as i64;
const INT_MIN: i64 = i32::MIN as i64;
const UINT_MAX: i64 = u32::MAX as i64;
const LONG_MAX: i64 = i64::MAX;
const ULLONG_MAX: i64 = -1; // u64::MAX, compared unsigned

/// Every directive of Redis 7.0.15 (TLS included), in config.c's order.
#[rustfmt::skip]
pub static TABLE: &[ConfigDef] = &[
    // Bool configs
    b!("rdbchecksum", None, IMM, rdbchecksum, true),
    b!("daemonize", None, IMM, daemonize, false),
    b!("io-threads-do-reads", None, DEBUG | IMM, io_threads_do_reads, false),
    b!("always-show-logo", None, IMM, always_show_logo, false),
    b!("protected-mode", None, MOD, protected_mode, true),
    b!("rdbcompression", None, MOD, rdbcompression, true),
    b!("rdb-del-sync-files", None, MOD, rdb_del_sync_files, false),
    b!("activerehashing", None, MOD, activerehashing, true),
    b!("stop-writes-on-bgsave-error", None, MOD, stop_writes_on_bgsave_error, true),
    b!("set-proc-title", None, IMM, set_proc_title, true),
    b!("dynamic-hz", None, MOD, dynamic_hz, true),
    b!("lazyfree-lazy-eviction", None, DEBUG, lazyfree_lazy_eviction, false),
    b!("lazyfree-lazy-expire", None, DEBUG, lazyfree_lazy_expire, false),
    b!("lazyfree-lazy-server-del", None, DEBUG, lazyfree_lazy_server_del, false),
    b!("lazyfree-lazy-user-del", None, DEBUG, lazyfree_lazy_user_del, false),
    b!("lazyfree-lazy-user-flush", None, DEBUG, lazyfree_lazy_user_flush, false),
    b!("repl-disable-tcp-nodelay", None, MOD, repl_disable_tcp_nodelay, false),
    b!("repl-diskless-sync", None, DEBUG, repl_diskless_sync, true),
    b!("aof-rewrite-incremental-fsync", None, MOD, aof_rewrite_incremental_fsync, true),
    b!("no-appendfsync-on-rewrite", None, MOD, no_appendfsync_on_rewrite, false),
    b!("cluster-require-full-coverage", None, MOD, cluster_require_full_coverage, true),
    b!("rdb-save-incremental-fsync", None, MOD, rdb_save_incremental_fsync, true),
    b!("aof-load-truncated", None, MOD, aof_load_truncated, true),
    b!("aof-use-rdb-preamble", None, MOD, aof_use_rdb_preamble, true),
    b!("aof-timestamp-enabled", None, MOD, aof_timestamp_enabled, false),
    b!("cluster-replica-no-failover", Some("cluster-slave-no-failover"), MOD, cluster_replica_no_failover, false),
    b!("replica-lazy-flush", Some("slave-lazy-flush"), MOD, replica_lazy_flush, false),
    b!("replica-serve-stale-data", Some("slave-serve-stale-data"), MOD, replica_serve_stale_data, true),
    b!("replica-read-only", Some("slave-read-only"), DEBUG, replica_read_only, true),
    b!("replica-ignore-maxmemory", Some("slave-ignore-maxmemory"), MOD, replica_ignore_maxmemory, true),
    b!("jemalloc-bg-thread", None, MOD, jemalloc_bg_thread, true),
    b!("activedefrag", None, DEBUG, activedefrag, false, Some(valid_active_defrag)),
    b!("syslog-enabled", None, IMM, syslog_enabled, false),
    b!("cluster-enabled", None, IMM, cluster_enabled, false),
    b!("appendonly", None, DENY_LOADING, appendonly, false),
    b!("cluster-allow-reads-when-down", None, MOD, cluster_allow_reads_when_down, false),
    b!("cluster-allow-pubsubshard-when-down", None, MOD, cluster_allow_pubsubshard_when_down, true),
    b!("crash-log-enabled", None, MOD, crash_log_enabled, true),
    b!("crash-memcheck-enabled", None, MOD, crash_memcheck_enabled, false, Some(valid_crash_memcheck)),
    b!("use-exit-on-panic", None, HIDDEN, use_exit_on_panic, false),
    b!("disable-thp", None, IMM, disable_thp, true),
    b!("cluster-allow-replica-migration", None, MOD, cluster_allow_replica_migration, true),
    b!("replica-announced", None, MOD, replica_announced, true),
    b!("latency-tracking", None, MOD, latency_tracking, true),
    b!("aof-disable-auto-gc", None, MOD, aof_disable_auto_gc, false),
    b!("replica-ignore-disk-write-errors", None, MOD, replica_ignore_disk_write_errors, false),
    // String configs
    s!("aclfile", None, IMM, aclfile, "", None),
    sn!("unixsocket", None, IMM, unixsocket),
    sn!("pidfile", None, IMM, pidfile),
    sn!("replica-announce-ip", Some("slave-announce-ip"), MOD, replica_announce_ip),
    sn!("masteruser", None, SENSITIVE, masteruser),
    sn!("cluster-announce-ip", None, MOD, cluster_announce_ip),
    s!("cluster-config-file", None, IMM, cluster_config_file, "nodes.conf", None),
    sn!("cluster-announce-hostname", None, MOD, cluster_announce_hostname, Some(valid_hostname)),
    s!("syslog-ident", None, IMM, syslog_ident, "redis", None),
    s!("dbfilename", None, PROTECTED, dbfilename, "dump.rdb", Some(valid_dbfilename)),
    s!("appendfilename", None, IMM, appendfilename, "appendonly.aof", Some(valid_aof_filename)),
    s!("appenddirname", None, IMM, appenddirname, "appendonlydir", Some(valid_aof_dirname)),
    sn!("server_cpulist", None, IMM, server_cpulist),
    sn!("bio_cpulist", None, IMM, bio_cpulist),
    sn!("aof_rewrite_cpulist", None, IMM, aof_rewrite_cpulist),
    sn!("bgsave_cpulist", None, IMM, bgsave_cpulist),
    s!("ignore-warnings", None, MOD, ignore_warnings, "", None),
    s!("proc-title-template", None, MOD, proc_title_template, "{title} {listen-addr} {server-mode}", Some(valid_proc_title)),
    sn!("bind-source-addr", None, MOD, bind_source_addr),
    s!("logfile", None, IMM, logfile, "", None),
    // SDS configs
    ConfigDef {
        name: "masterauth",
        alias: None,
        flags: SENSITIVE,
        kind: Kind::Sds {
            get: |c| c.masterauth.as_deref(),
            set: |c, v| c.masterauth = v,
        },
    },
    ConfigDef {
        name: "requirepass",
        alias: None,
        flags: SENSITIVE,
        kind: Kind::Sds {
            get: |c| c.requirepass.as_deref(),
            set: |c, v| c.requirepass = v,
        },
    },
    // Enum configs
    e!("supervised", IMM, supervised, Supervised),
    ConfigDef {
        name: "syslog-facility",
        alias: None,
        flags: IMM,
        kind: Kind::Enum {
            get: |c| c.syslog_facility,
            set: |c, v| c.syslog_facility = v,
            items: SYSLOG_FACILITIES,
            default: 16 << 3,
            valid: None,
        },
    },
    e!("repl-diskless-load", DEBUG | DENY_LOADING, repl_diskless_load, ReplDisklessLoad),
    e!("loglevel", MOD, loglevel, LogLevel),
    e!("maxmemory-policy", MOD, maxmemory_policy, MaxmemoryPolicy),
    e!("appendfsync", MOD, appendfsync, AppendFsync),
    e!("oom-score-adj", MOD, oom_score_adj, OomScoreAdj),
    e!("acl-pubsub-default", MOD, acl_pubsub_default, AclPubsubDefault),
    e!("sanitize-dump-payload", DEBUG, sanitize_dump_payload, SanitizeDumpPayload),
    e!("enable-protected-configs", IMM, enable_protected_configs, ProtectedAction),
    e!("enable-debug-command", IMM, enable_debug_command, ProtectedAction),
    e!("enable-module-command", IMM, enable_module_command, ProtectedAction),
    e!("cluster-preferred-endpoint-type", MOD, cluster_preferred_endpoint_type, ClusterEndpointType),
    e!("propagation-error-behavior", MOD, propagation_error_behavior, PropagationErrorBehavior),
    ConfigDef {
        name: "shutdown-on-sigint",
        alias: None,
        flags: MULTI_ARG,
        kind: Kind::Enum {
            get: |c| c.shutdown_on_sigint as i32,
            set: |c, v| c.shutdown_on_sigint = v as u32,
            items: SHUTDOWN_ITEMS,
            default: 0,
            valid: Some(valid_shutdown_flags),
        },
    },
    ConfigDef {
        name: "shutdown-on-sigterm",
        alias: None,
        flags: MULTI_ARG,
        kind: Kind::Enum {
            get: |c| c.shutdown_on_sigterm as i32,
            set: |c, v| c.shutdown_on_sigterm = v as u32,
            items: SHUTDOWN_ITEMS,
            default: 0,
            valid: Some(valid_shutdown_flags),
        },
    },
    // Integer configs
    n!("databases", None, IMM, 1, INT_MAX, databases: i32, 16, INTEGER, false),
    n!("port", None, MOD, 0, 65535, port: u16, 6379, INTEGER, false),
    n!("io-threads", None, DEBUG | IMM, 1, 128, io_threads: i32, 1, INTEGER, false),
    n!("auto-aof-rewrite-percentage", None, MOD, 0, INT_MAX, auto_aof_rewrite_percentage: i32, 100, INTEGER, false),
    n!("cluster-replica-validity-factor", Some("cluster-slave-validity-factor"), MOD, 0, INT_MAX, cluster_replica_validity_factor: i32, 10, INTEGER, false),
    n!("list-max-listpack-size", Some("list-max-ziplist-size"), MOD, INT_MIN, INT_MAX, list_max_listpack_size: i32, -2, INTEGER, false),
    n!("tcp-keepalive", None, MOD, 0, INT_MAX, tcp_keepalive: i32, 300, INTEGER, false),
    n!("cluster-migration-barrier", None, MOD, 0, INT_MAX, cluster_migration_barrier: i32, 1, INTEGER, false),
    n!("active-defrag-cycle-min", None, MOD, 1, 99, active_defrag_cycle_min: i32, 1, INTEGER, false),
    n!("active-defrag-cycle-max", None, MOD, 1, 99, active_defrag_cycle_max: i32, 25, INTEGER, false),
    n!("active-defrag-threshold-lower", None, MOD, 0, 1000, active_defrag_threshold_lower: i32, 10, INTEGER, false),
    n!("active-defrag-threshold-upper", None, MOD, 0, 1000, active_defrag_threshold_upper: i32, 100, INTEGER, false),
    n!("lfu-log-factor", None, MOD, 0, INT_MAX, lfu_log_factor: i64, 10, INTEGER, false),
    n!("lfu-decay-time", None, MOD, 0, INT_MAX, lfu_decay_time: i64, 1, INTEGER, false),
    n!("replica-priority", Some("slave-priority"), MOD, 0, INT_MAX, replica_priority: i32, 100, INTEGER, false),
    n!("repl-diskless-sync-delay", None, MOD, 0, INT_MAX, repl_diskless_sync_delay: i32, 5, INTEGER, false),
    n!("maxmemory-samples", None, MOD, 1, INT_MAX, maxmemory_samples: i32, 5, INTEGER, false),
    n!("maxmemory-eviction-tenacity", None, MOD, 0, 100, maxmemory_eviction_tenacity: i32, 10, INTEGER, false),
    n!("timeout", None, MOD, 0, INT_MAX, timeout: i64, 0, INTEGER, false),
    n!("replica-announce-port", Some("slave-announce-port"), MOD, 0, 65535, replica_announce_port: i32, 0, INTEGER, false),
    n!("tcp-backlog", None, IMM, 0, INT_MAX, tcp_backlog: i32, 511, INTEGER, false),
    n!("cluster-port", None, IMM, 0, 65535, cluster_port: i32, 0, INTEGER, false),
    n!("cluster-announce-bus-port", None, MOD, 0, 65535, cluster_announce_bus_port: i32, 0, INTEGER, false),
    n!("cluster-announce-port", None, MOD, 0, 65535, cluster_announce_port: i32, 0, INTEGER, false),
    n!("cluster-announce-tls-port", None, MOD, 0, 65535, cluster_announce_tls_port: i32, 0, INTEGER, false),
    n!("repl-timeout", None, MOD, 1, INT_MAX, repl_timeout: i32, 60, INTEGER, false),
    n!("repl-ping-replica-period", Some("repl-ping-slave-period"), MOD, 1, INT_MAX, repl_ping_replica_period: i32, 10, INTEGER, false),
    n!("list-compress-depth", None, DEBUG, 0, INT_MAX, list_compress_depth: i32, 0, INTEGER, false),
    n!("rdb-key-save-delay", None, HIDDEN, INT_MIN, INT_MAX, rdb_key_save_delay: i32, 0, INTEGER, false),
    n!("key-load-delay", None, HIDDEN, INT_MIN, INT_MAX, key_load_delay: i32, 0, INTEGER, false),
    n!("busy-poll-usecs", None, HIDDEN, 0, 1000000, busy_poll_usecs: i32, 30, INTEGER, false),
    n!("active-expire-effort", None, MOD, 1, 10, active_expire_effort: i32, 1, INTEGER, false),
    n!("hz", None, MOD, 0, INT_MAX, hz: i32, 10, INTEGER, false),
    n!("min-replicas-to-write", Some("min-slaves-to-write"), MOD, 0, INT_MAX, min_replicas_to_write: i32, 0, INTEGER, false),
    n!("min-replicas-max-lag", Some("min-slaves-max-lag"), MOD, 0, INT_MAX, min_replicas_max_lag: i32, 10, INTEGER, false),
    n!("watchdog-period", None, HIDDEN, 0, INT_MAX, watchdog_period: i32, 0, INTEGER, false),
    n!("shutdown-timeout", None, MOD, 0, INT_MAX, shutdown_timeout: i32, 10, INTEGER, false),
    n!("repl-diskless-sync-max-replicas", None, MOD, 0, INT_MAX, repl_diskless_sync_max_replicas: i32, 0, INTEGER, false),
    // Unsigned int configs
    n!("maxclients", None, MOD, 1, UINT_MAX, maxclients: u32, 10000, INTEGER, true),
    n!("unixsocketperm", None, IMM, 0, 0o777, unixsocketperm: u32, 0, OCTAL, true),
    n!("socket-mark-id", None, IMM, 0, UINT_MAX, socket_mark_id: u32, 0, INTEGER, true),
    // Unsigned long configs (bounds checked as signed, like Redis)
    n!("active-defrag-max-scan-fields", None, MOD, 1, LONG_MAX, active_defrag_max_scan_fields: u64, 1000, INTEGER, false),
    n!("slowlog-max-len", None, MOD, 0, LONG_MAX, slowlog_max_len: u64, 128, INTEGER, false),
    n!("acllog-max-len", None, MOD, 0, LONG_MAX, acllog_max_len: u64, 128, INTEGER, false),
    // Long long configs
    n!("busy-reply-threshold", Some("lua-time-limit"), MOD, 0, LONG_MAX, busy_reply_threshold: i64, 5000, INTEGER, false),
    n!("cluster-node-timeout", None, MOD, 0, LONG_MAX, cluster_node_timeout: i64, 15000, INTEGER, false),
    n!("slowlog-log-slower-than", None, MOD, -1, LONG_MAX, slowlog_log_slower_than: i64, 10000, INTEGER, false),
    n!("latency-monitor-threshold", None, MOD, 0, LONG_MAX, latency_monitor_threshold: i64, 0, INTEGER, false),
    n!("proto-max-bulk-len", None, DEBUG, 1024 * 1024, LONG_MAX, proto_max_bulk_len: i64, 512i64 << 20, MEMORY, false),
    n!("stream-node-max-entries", None, MOD, 0, LONG_MAX, stream_node_max_entries: i64, 100, INTEGER, false),
    n!("repl-backlog-size", None, MOD, 1, LONG_MAX, repl_backlog_size: i64, 1024 * 1024, MEMORY, false),
    // Unsigned long long configs
    n!("maxmemory", None, MOD, 0, ULLONG_MAX, maxmemory: u64, 0, MEMORY, true),
    n!("cluster-link-sendbuf-limit", None, MOD, 0, ULLONG_MAX, cluster_link_sendbuf_limit: u64, 0, MEMORY, true),
    // Size_t configs
    n!("hash-max-listpack-entries", Some("hash-max-ziplist-entries"), MOD, 0, LONG_MAX, hash_max_listpack_entries: usize, 512, INTEGER, true),
    n!("set-max-intset-entries", None, MOD, 0, LONG_MAX, set_max_intset_entries: usize, 512, INTEGER, true),
    n!("zset-max-listpack-entries", Some("zset-max-ziplist-entries"), MOD, 0, LONG_MAX, zset_max_listpack_entries: usize, 128, INTEGER, true),
    n!("active-defrag-ignore-bytes", None, MOD, 1, LONG_MAX, active_defrag_ignore_bytes: usize, 100 << 20, MEMORY, true),
    n!("hash-max-listpack-value", Some("hash-max-ziplist-value"), MOD, 0, LONG_MAX, hash_max_listpack_value: usize, 64, MEMORY, true),
    n!("stream-node-max-bytes", None, MOD, 0, LONG_MAX, stream_node_max_bytes: usize, 4096, MEMORY, true),
    n!("zset-max-listpack-value", Some("zset-max-ziplist-value"), MOD, 0, LONG_MAX, zset_max_listpack_value: usize, 64, MEMORY, true),
    n!("hll-sparse-max-bytes", None, MOD, 0, LONG_MAX, hll_sparse_max_bytes: usize, 3000, MEMORY, true),
    n!("tracking-table-max-keys", None, MOD, 0, LONG_MAX, tracking_table_max_keys: usize, 1000000, INTEGER, true),
    n!("client-query-buffer-limit", None, DEBUG, 1024 * 1024, LONG_MAX, client_query_buffer_limit: i64, 1i64 << 30, MEMORY, true),
    n!("maxmemory-clients", None, MOD, -100, LONG_MAX, maxmemory_clients: i64, 0, MEMORY | PERCENT, false),
    // Other configs
    n!("repl-backlog-ttl", None, MOD, 0, LONG_MAX, repl_backlog_ttl: i64, 3600, INTEGER, false),
    n!("auto-aof-rewrite-min-size", None, MOD, 0, LONG_MAX, auto_aof_rewrite_min_size: i64, 64 << 20, MEMORY, false),
    n!("loading-process-events-interval-bytes", None, HIDDEN, 1024, INT_MAX, loading_process_events_interval_bytes: i64, 2 << 20, INTEGER, false),
    // TLS configs (stored only)
    n!("tls-port", None, MOD, 0, 65535, tls_port: i32, 0, INTEGER, false),
    n!("tls-session-cache-size", None, MOD, 0, INT_MAX, tls_session_cache_size: i32, 20 * 1024, INTEGER, false),
    n!("tls-session-cache-timeout", None, MOD, 0, INT_MAX, tls_session_cache_timeout: i32, 300, INTEGER, false),
    b!("tls-cluster", None, MOD, tls_cluster, false),
    b!("tls-replication", None, MOD, tls_replication, false),
    e!("tls-auth-clients", MOD, tls_auth_clients, TlsAuthClients),
    b!("tls-prefer-server-ciphers", None, MOD, tls_prefer_server_ciphers, false),
    b!("tls-session-caching", None, MOD, tls_session_caching, true),
    sn!("tls-cert-file", None, VOLATILE, tls_cert_file),
    sn!("tls-key-file", None, VOLATILE, tls_key_file),
    sn!("tls-key-file-pass", None, MOD, tls_key_file_pass),
    sn!("tls-client-cert-file", None, VOLATILE, tls_client_cert_file),
    sn!("tls-client-key-file", None, VOLATILE, tls_client_key_file),
    sn!("tls-client-key-file-pass", None, MOD, tls_client_key_file_pass),
    sn!("tls-dh-params-file", None, VOLATILE, tls_dh_params_file),
    sn!("tls-ca-cert-file", None, VOLATILE, tls_ca_cert_file),
    sn!("tls-ca-cert-dir", None, VOLATILE, tls_ca_cert_dir),
    sn!("tls-protocols", None, MOD, tls_protocols),
    sn!("tls-ciphers", None, MOD, tls_ciphers),
    sn!("tls-ciphersuites", None, MOD, tls_ciphersuites),
    // Special configs
    sp!("dir", None, PROTECTED | DENY_LOADING, dir),
    sp!("save", None, MULTI_ARG, save),
    sp!("client-output-buffer-limit", None, MULTI_ARG, obuf),
    sp!("oom-score-adj-values", None, MULTI_ARG, oom_values),
    sp!("notify-keyspace-events", None, MOD, notify),
    sp!("bind", None, MULTI_ARG, bind),
    sp!("replicaof", Some("slaveof"), IMM | MULTI_ARG, replicaof),
    sp!("latency-tracking-info-percentiles", None, MULTI_ARG, percentiles),
];

const SHUTDOWN_ITEMS: &[(&str, i32)] = &[
    ("default", 0),
    ("save", SHUTDOWN_SAVE as i32),
    ("nosave", SHUTDOWN_NOSAVE as i32),
    ("now", SHUTDOWN_NOW as i32),
    ("force", SHUTDOWN_FORCE as i32),
];

/* ----------------------------- Validators ------------------------------ */

fn valid_active_defrag(v: bool) -> Result<(), &'static str> {
    if v {
        return Err(
            "Active defragmentation cannot be enabled: it requires a Redis server compiled \
                    with a modified Jemalloc like the one shipped by default with the Redis source \
                    distribution",
        );
    }
    Ok(())
}

/// The fast memory test of Redis's crash report (memtest over the process's
/// anonymous mappings) is not part of oxidis (crash.rs), so it cannot be
/// turned on.
fn valid_crash_memcheck(v: bool) -> Result<(), &'static str> {
    if v {
        return Err("the crash report's fast memory test is not supported by this server");
    }
    Ok(())
}

fn is_base_name(p: &str) -> bool {
    !p.contains('/')
}

fn valid_dbfilename(_: &Config, v: &str) -> Result<(), &'static str> {
    if !is_base_name(v) {
        return Err("dbfilename can't be a path, just a filename");
    }
    Ok(())
}

fn valid_aof_filename(_: &Config, v: &str) -> Result<(), &'static str> {
    if v.is_empty() {
        return Err("appendfilename can't be empty");
    }
    if !is_base_name(v) {
        return Err("appendfilename can't be a path, just a filename");
    }
    Ok(())
}

fn valid_aof_dirname(_: &Config, v: &str) -> Result<(), &'static str> {
    if v.is_empty() {
        return Err("appenddirname can't be empty");
    }
    if !is_base_name(v) {
        return Err("appenddirname can't be a path, just a dirname");
    }
    Ok(())
}

fn valid_shutdown_flags(v: i32) -> Result<(), &'static str> {
    let v = v as u32;
    if v & SHUTDOWN_NOSAVE != 0 && v & SHUTDOWN_SAVE != 0 {
        return Err("shutdown options SAVE and NOSAVE can't be used simultaneously");
    }
    Ok(())
}

fn valid_hostname(_: &Config, v: &str) -> Result<(), &'static str> {
    if v.len() >= 256 {
        return Err("Hostnames must be less than 256 characters");
    }
    if !v
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.')
    {
        return Err("Hostnames may only contain alphanumeric characters, hyphens or dots");
    }
    Ok(())
}

/// isValidProcTitleTemplate: the template must expand, to something not
/// blank, against the current configuration.
fn valid_proc_title(c: &Config, v: &str) -> Result<(), &'static str> {
    if crate::server::proctitle::validate_proc_title_template(v, c) {
        Ok(())
    } else {
        Err("template format is invalid or contains unknown variables")
    }
}
