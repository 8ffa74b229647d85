//! Server configuration. Redis counterpart: config.c (7.0.15).
//!
//! Like config.c, configuration is table-driven: `table.rs` holds one
//! [`ConfigDef`] per directive (name, alias, flags, and a typed accessor into
//! [`Config`]), mirroring `static_configs[]`; CONFIG GET, CONFIG SET, the
//! config-file loader and CONFIG REWRITE all walk that table.
//!
//! - `mod.rs` (this file): the [`Config`] struct, the enums, CONFIG GET/SET.
//! - `table.rs`: the directive table (static_configs[]) and validators.
//! - `types.rs`: the per-type set/get/rewrite logic (bool, string, enum, numeric).
//! - `special.rs`: the "special" directives (save, bind, dir, replicaof,
//!   client-output-buffer-limit, oom-score-adj-values, notify-keyspace-events,
//!   latency-tracking-info-percentiles).
//! - `load.rs`: loadServerConfig(FromString) and main()'s argv folding.
//! - `rewrite.rs`: CONFIG REWRITE.
//! - `notify_flags.rs`: the NOTIFY_* classes (notify.c).
//!
//! Divergences:
//! - Apply functions (updatePort, updateMaxmemory, ...) are the server's job:
//!   [`Config::set`] returns the canonical names that changed and the server
//!   applies their side effects. Only the clamps Redis performs on the stored
//!   value itself (hz into 1..=500) happen here. To roll back after a failed
//!   apply, the server keeps a clone taken before `set` (see [`Config::set`]).
//! - Directives whose effect lives elsewhere (rename-command, user,
//!   loadmodule, module `a.b` configs, sentinel) are validated for shape and
//!   queued in [`Config::deferred`] for the server to process at start-up.
//! - C-string configs are `String`s; a non-UTF-8 value is stored lossily.
//! - The order of CONFIG GET replies is table order, not dict order.

mod load;
pub mod notify_flags;
mod rewrite;
mod special;
mod table;
mod types;

pub use load::{args_to_config_text, parse_server_args, ServerArgs};
pub use notify_flags::*;
pub use table::{ConfigDef, TABLE};

use std::path::PathBuf;

use crate::server::REDIS_VERSION;

/// Per-directive flags (config.c's *_CONFIG flags).
pub mod flags {
    /// Can be changed at run time (no flag set).
    pub const MODIFIABLE: u32 = 0;
    /// Can't be changed with CONFIG SET.
    pub const IMMUTABLE: u32 = 1 << 0;
    /// The value must be redacted from logs, SLOWLOG and MONITOR.
    pub const SENSITIVE: u32 = 1 << 1;
    /// Shown in the DEBUG config section of crash reports.
    pub const DEBUG: u32 = 1 << 2;
    /// Takes several arguments (space separated in CONFIG SET).
    pub const MULTI_ARG: u32 = 1 << 3;
    /// Only returned by CONFIG GET when asked for by exact name.
    pub const HIDDEN: u32 = 1 << 4;
    /// Settable only when enable-protected-configs allows it.
    pub const PROTECTED: u32 = 1 << 5;
    /// Can't be set while the server is loading data.
    pub const DENY_LOADING: u32 = 1 << 6;
    /// Setting it always counts as a change, even to the same value.
    pub const VOLATILE: u32 = 1 << 7;
}

/// Declares an enum-valued config type: variants, their Redis names and
/// numeric values (the values config.c stores), plus extra accepted names.
macro_rules! config_enum {
    ($(#[$m:meta])* $name:ident default $def:ident {
        $($var:ident = $val:expr => $s:literal),* $(,)?
    } $(extra { $($es:literal = $ev:expr),* })?) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name { $($var),* }
        impl $name {
            /// Accepted names and their values, in Redis's order.
            pub const ITEMS: &'static [(&'static str, i32)] =
                &[$(($s, $val),)* $($(($es, $ev),)*)?];
            /// Redis's default.
            pub const DEFAULT: Self = $name::$def;
            /// The value config.c stores for this variant.
            pub const fn to_i32(self) -> i32 {
                match self { $($name::$var => $val),* }
            }
            /// The variant for a stored value (the default if unknown).
            pub fn from_i32(v: i32) -> Self {
                $(if v == $val { return $name::$var; })*
                $name::$def
            }
            /// The name CONFIG GET prints.
            pub fn name(self) -> &'static str {
                match self { $($name::$var => $s),* }
            }
        }
        impl Default for $name {
            fn default() -> Self { $name::$def }
        }
    };
}

config_enum!(
    /// `loglevel`.
    LogLevel default Notice {
        Debug = 0 => "debug", Verbose = 1 => "verbose",
        Notice = 2 => "notice", Warning = 3 => "warning",
    }
);
config_enum!(
    /// `maxmemory-policy` (values are server.h's MAXMEMORY_* encodings).
    MaxmemoryPolicy default NoEviction {
        VolatileLru = 1 => "volatile-lru",
        VolatileLfu = (1 << 8) | 2 => "volatile-lfu",
        VolatileRandom = 3 << 8 => "volatile-random",
        VolatileTtl = 2 << 8 => "volatile-ttl",
        AllkeysLru = (4 << 8) | 1 | 4 => "allkeys-lru",
        AllkeysLfu = (5 << 8) | 2 | 4 => "allkeys-lfu",
        AllkeysRandom = (6 << 8) | 4 => "allkeys-random",
        NoEviction = 7 << 8 => "noeviction",
    }
);
config_enum!(
    /// `appendfsync`.
    AppendFsync default EverySec {
        EverySec = 2 => "everysec", Always = 1 => "always", No = 0 => "no",
    }
);
config_enum!(
    /// `supervised`.
    Supervised default No {
        Upstart = 3 => "upstart", Systemd = 2 => "systemd",
        Auto = 1 => "auto", No = 0 => "no",
    }
);
config_enum!(
    /// `repl-diskless-load`.
    ReplDisklessLoad default Disabled {
        Disabled = 0 => "disabled", OnEmptyDb = 1 => "on-empty-db", Swapdb = 2 => "swapdb",
    }
);
config_enum!(
    /// `oom-score-adj` ("relative" is another name for "yes").
    OomScoreAdj default No {
        No = 0 => "no", Relative = 1 => "yes", Absolute = 2 => "absolute",
    } extra { "relative" = 1 }
);
config_enum!(
    /// `acl-pubsub-default` (allchannels is SELECTOR_FLAG_ALLCHANNELS).
    AclPubsubDefault default ResetChannels {
        AllChannels = 1 << 3 => "allchannels", ResetChannels = 0 => "resetchannels",
    }
);
config_enum!(
    /// `sanitize-dump-payload`.
    SanitizeDumpPayload default No {
        No = 0 => "no", Yes = 1 => "yes", Clients = 2 => "clients",
    }
);
config_enum!(
    /// `enable-protected-configs`, `enable-debug-command`, `enable-module-command`.
    ProtectedAction default No {
        No = 0 => "no", Yes = 1 => "yes", Local = 2 => "local",
    }
);
config_enum!(
    /// `cluster-preferred-endpoint-type`.
    ClusterEndpointType default Ip {
        Ip = 0 => "ip", Hostname = 1 => "hostname", UnknownEndpoint = 2 => "unknown-endpoint",
    }
);
config_enum!(
    /// `propagation-error-behavior`.
    PropagationErrorBehavior default Ignore {
        Ignore = 0 => "ignore", Panic = 1 => "panic", PanicOnReplicas = 2 => "panic-on-replicas",
    }
);
config_enum!(
    /// `tls-auth-clients`.
    TlsAuthClients default Yes {
        No = 0 => "no", Yes = 1 => "yes", Optional = 2 => "optional",
    }
);

/// The name server code uses for [`ProtectedAction`].
pub type ProtectedMode = ProtectedAction;

impl MaxmemoryPolicy {
    /// MAXMEMORY_FLAG_LRU: evicts by approximated LRU.
    pub fn is_lru(self) -> bool {
        self.to_i32() & 1 != 0
    }
    /// MAXMEMORY_FLAG_LFU: evicts by LFU (the object's lru field holds LFU data).
    pub fn is_lfu(self) -> bool {
        self.to_i32() & 2 != 0
    }
    /// MAXMEMORY_FLAG_ALLKEYS: candidates are all keys, not only volatile ones.
    pub fn is_allkeys(self) -> bool {
        self.to_i32() & 4 != 0
    }
}

/// `shutdown-on-sigint` / `shutdown-on-sigterm` flag bits (server.h SHUTDOWN_*).
pub const SHUTDOWN_SAVE: u32 = 1;
/// Don't save on shutdown.
pub const SHUTDOWN_NOSAVE: u32 = 2;
/// Don't wait for replicas.
pub const SHUTDOWN_NOW: u32 = 4;
/// Don't let errors stop the shutdown.
pub const SHUTDOWN_FORCE: u32 = 8;

/// `syslog-facility` values (syslog.h LOG_USER, LOG_LOCAL0..7).
pub const SYSLOG_FACILITIES: &[(&str, i32)] = &[
    ("user", 8),
    ("local0", 16 << 3),
    ("local1", 17 << 3),
    ("local2", 18 << 3),
    ("local3", 19 << 3),
    ("local4", 20 << 3),
    ("local5", 21 << 3),
    ("local6", 22 << 3),
    ("local7", 23 << 3),
];

/// Client classes of `client-output-buffer-limit`, in Redis's index order.
pub const OBUF_NORMAL: usize = 0;
/// Replicas ("slave" / "replica").
pub const OBUF_REPLICA: usize = 1;
/// Pub/Sub subscribers.
pub const OBUF_PUBSUB: usize = 2;

/// One class of `client-output-buffer-limit` (clientBufferLimitsConfig).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ObufLimit {
    pub hard_limit_bytes: u64,
    pub soft_limit_bytes: u64,
    pub soft_limit_seconds: i64,
}

/// Redis's built-in output buffer limits (normal, replica, pubsub).
pub const OBUF_DEFAULTS: [ObufLimit; 3] = [
    ObufLimit {
        hard_limit_bytes: 0,
        soft_limit_bytes: 0,
        soft_limit_seconds: 0,
    },
    ObufLimit {
        hard_limit_bytes: 256 << 20,
        soft_limit_bytes: 64 << 20,
        soft_limit_seconds: 60,
    },
    ObufLimit {
        hard_limit_bytes: 32 << 20,
        soft_limit_bytes: 8 << 20,
        soft_limit_seconds: 60,
    },
];

/// A config-file directive the config module does not act on itself
/// (rename-command, user, loadmodule, `module.config`, sentinel), kept with
/// its position so the server can report errors the way Redis does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// Lower-cased directive name followed by its arguments.
    pub args: Vec<Vec<u8>>,
    /// 1-based line number inside the text it came from.
    pub line_no: usize,
    /// The trimmed line, as Redis echoes it in errors.
    pub line: String,
}

/// A start-up configuration error. `Display` renders exactly what
/// redis-server writes to stderr before exiting with status 1 (including the
/// leading and trailing newline).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigFileError {
    /// 1-based line number; 0 when the error is not tied to a line.
    pub line_no: usize,
    /// The offending (trimmed) line.
    pub line: String,
    /// The reason, e.g. "Bad directive or wrong number of arguments".
    pub msg: String,
    /// False for errors Redis logs without the FATAL banner (a config file
    /// that can't be opened): then only `msg` is printed.
    pub header: bool,
}

impl std::fmt::Display for ConfigFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.header {
            return writeln!(f, "{}", self.msg);
        }
        write!(
            f,
            "\n*** FATAL CONFIG FILE ERROR (Redis {}) ***\n",
            REDIS_VERSION
        )?;
        if self.line_no > 0 {
            writeln!(
                f,
                "Reading the configuration file, at line {}",
                self.line_no
            )?;
            writeln!(f, ">>> '{}'", self.line)?;
        }
        writeln!(f, "{}", self.msg)
    }
}

impl std::error::Error for ConfigFileError {}

/// What CONFIG SET needs to know about the caller and the server.
#[derive(Clone, Copy, Debug, Default)]
pub struct SetContext {
    /// The server is loading a dataset (DENY_LOADING configs are refused).
    pub loading: bool,
    /// The client is local (for enable-protected-configs "local").
    pub local_client: bool,
}

/// Declares the `Config` struct and a constructor of all-zero values that
/// `Default` then fills from the table.
macro_rules! config_struct {
    ($($(#[$m:meta])* $field:ident : $ty:ty),* $(,)?) => {
        /// Every configuration directive, one typed field each (named after
        /// the directive), plus the loader's own state at the end.
        #[derive(Clone, Debug)]
        pub struct Config {
            $($(#[$m])* pub $field: $ty,)*
        }
        impl Config {
            fn zeroed() -> Self {
                Config { $($field: Default::default(),)* }
            }
        }
    };
}

config_struct! {
    // ---- bool ----
    rdbchecksum: bool, daemonize: bool, io_threads_do_reads: bool, always_show_logo: bool,
    protected_mode: bool, rdbcompression: bool, rdb_del_sync_files: bool, activerehashing: bool,
    stop_writes_on_bgsave_error: bool, set_proc_title: bool, dynamic_hz: bool,
    lazyfree_lazy_eviction: bool, lazyfree_lazy_expire: bool, lazyfree_lazy_server_del: bool,
    lazyfree_lazy_user_del: bool, lazyfree_lazy_user_flush: bool, repl_disable_tcp_nodelay: bool,
    repl_diskless_sync: bool, aof_rewrite_incremental_fsync: bool, no_appendfsync_on_rewrite: bool,
    cluster_require_full_coverage: bool, rdb_save_incremental_fsync: bool,
    aof_load_truncated: bool, aof_use_rdb_preamble: bool, aof_timestamp_enabled: bool,
    cluster_replica_no_failover: bool, replica_lazy_flush: bool, replica_serve_stale_data: bool,
    replica_read_only: bool, replica_ignore_maxmemory: bool, jemalloc_bg_thread: bool,
    activedefrag: bool, syslog_enabled: bool, cluster_enabled: bool, appendonly: bool,
    cluster_allow_reads_when_down: bool, cluster_allow_pubsubshard_when_down: bool,
    crash_log_enabled: bool, crash_memcheck_enabled: bool, use_exit_on_panic: bool,
    disable_thp: bool, cluster_allow_replica_migration: bool, replica_announced: bool,
    latency_tracking: bool, aof_disable_auto_gc: bool, replica_ignore_disk_write_errors: bool,
    tls_cluster: bool, tls_replication: bool, tls_prefer_server_ciphers: bool,
    tls_session_caching: bool,
    // ---- strings (Option = "empty string is NULL") ----
    aclfile: String, unixsocket: Option<String>, pidfile: Option<String>,
    replica_announce_ip: Option<String>, masteruser: Option<String>,
    cluster_announce_ip: Option<String>, cluster_config_file: String,
    cluster_announce_hostname: Option<String>, syslog_ident: String, dbfilename: String,
    appendfilename: String, appenddirname: String, server_cpulist: Option<String>,
    bio_cpulist: Option<String>, aof_rewrite_cpulist: Option<String>,
    bgsave_cpulist: Option<String>, ignore_warnings: String, proc_title_template: String,
    bind_source_addr: Option<String>, logfile: String,
    tls_cert_file: Option<String>, tls_key_file: Option<String>,
    tls_key_file_pass: Option<String>, tls_client_cert_file: Option<String>,
    tls_client_key_file: Option<String>, tls_client_key_file_pass: Option<String>,
    tls_dh_params_file: Option<String>, tls_ca_cert_file: Option<String>,
    tls_ca_cert_dir: Option<String>, tls_protocols: Option<String>,
    tls_ciphers: Option<String>, tls_ciphersuites: Option<String>,
    // ---- binary-safe strings ----
    masterauth: Option<Vec<u8>>, requirepass: Option<Vec<u8>>,
    // ---- enums ----
    supervised: Supervised, syslog_facility: i32, repl_diskless_load: ReplDisklessLoad,
    loglevel: LogLevel, maxmemory_policy: MaxmemoryPolicy, appendfsync: AppendFsync,
    oom_score_adj: OomScoreAdj, acl_pubsub_default: AclPubsubDefault,
    sanitize_dump_payload: SanitizeDumpPayload, enable_protected_configs: ProtectedAction,
    enable_debug_command: ProtectedAction, enable_module_command: ProtectedAction,
    cluster_preferred_endpoint_type: ClusterEndpointType,
    propagation_error_behavior: PropagationErrorBehavior,
    /// SHUTDOWN_* bits.
    shutdown_on_sigint: u32,
    /// SHUTDOWN_* bits.
    shutdown_on_sigterm: u32,
    tls_auth_clients: TlsAuthClients,
    // ---- int ----
    databases: i32, port: u16, io_threads: i32, auto_aof_rewrite_percentage: i32,
    cluster_replica_validity_factor: i32, list_max_listpack_size: i32, tcp_keepalive: i32,
    cluster_migration_barrier: i32, active_defrag_cycle_min: i32, active_defrag_cycle_max: i32,
    active_defrag_threshold_lower: i32, active_defrag_threshold_upper: i32,
    lfu_log_factor: i64, lfu_decay_time: i64, replica_priority: i32,
    repl_diskless_sync_delay: i32, maxmemory_samples: i32, maxmemory_eviction_tenacity: i32,
    /// Client idle timeout in seconds (0 = never).
    timeout: i64,
    replica_announce_port: i32, tcp_backlog: i32, cluster_port: i32,
    cluster_announce_bus_port: i32, cluster_announce_port: i32, cluster_announce_tls_port: i32,
    repl_timeout: i32, repl_ping_replica_period: i32, list_compress_depth: i32,
    rdb_key_save_delay: i32, key_load_delay: i32, active_expire_effort: i32,
    /// oxidis only (hidden): how long the event loop polls without sleeping
    /// before it blocks, when the last wait was short (`src/ae/mod.rs`).
    busy_poll_usecs: i32,
    /// server.config_hz (clamped to 1..=500 like Redis).
    hz: i32,
    min_replicas_to_write: i32, min_replicas_max_lag: i32, watchdog_period: i32,
    shutdown_timeout: i32, repl_diskless_sync_max_replicas: i32, tls_port: i32,
    tls_session_cache_size: i32, tls_session_cache_timeout: i32,
    // ---- unsigned int / unsigned long ----
    maxclients: u32,
    /// Octal permission bits.
    unixsocketperm: u32,
    socket_mark_id: u32,
    active_defrag_max_scan_fields: u64, slowlog_max_len: u64, acllog_max_len: u64,
    // ---- long long / unsigned long long ----
    /// `busy-reply-threshold` (alias lua-time-limit), milliseconds.
    busy_reply_threshold: i64,
    cluster_node_timeout: i64, slowlog_log_slower_than: i64, latency_monitor_threshold: i64,
    proto_max_bulk_len: i64, stream_node_max_entries: i64, repl_backlog_size: i64,
    maxmemory: u64, cluster_link_sendbuf_limit: u64,
    // ---- size_t / ssize_t / time_t / off_t ----
    hash_max_listpack_entries: usize, set_max_intset_entries: usize,
    zset_max_listpack_entries: usize, active_defrag_ignore_bytes: usize,
    hash_max_listpack_value: usize, stream_node_max_bytes: usize,
    zset_max_listpack_value: usize, hll_sparse_max_bytes: usize,
    tracking_table_max_keys: usize, client_query_buffer_limit: i64,
    /// Bytes, or a negative number meaning that percentage of maxmemory.
    maxmemory_clients: i64,
    repl_backlog_ttl: i64, auto_aof_rewrite_min_size: i64,
    loading_process_events_interval_bytes: i64,
    // ---- special ----
    /// `save`: (seconds, changes) pairs.
    save_params: Vec<(i64, i64)>,
    /// `bind` addresses ("-" prefix = optional address).
    bind: Vec<String>,
    /// Indexed by OBUF_NORMAL, OBUF_REPLICA, OBUF_PUBSUB.
    client_obuf_limits: [ObufLimit; 3],
    /// master, replica, bgchild.
    oom_score_adj_values: [i32; 3],
    /// NOTIFY_* bits.
    notify_keyspace_events: u32,
    /// `replicaof` host (None = this is a master).
    masterhost: Option<String>,
    masterport: i32,
    latency_tracking_info_percentiles: Vec<f64>,
    // ---- loader state ----
    /// Absolute path of the config file, if the server was started with one.
    config_file: Option<PathBuf>,
    /// The original argv (with the config file made absolute), for rewrite.
    exec_argv: Vec<String>,
    /// Directives for the server to process (see [`Directive`]).
    deferred: Vec<Directive>,
    /// A `save` line was read from a file: later ones append, not replace.
    save_loaded: bool,
}

impl Default for Config {
    /// Redis's built-in defaults.
    fn default() -> Self {
        let mut c = Config::zeroed();
        for def in TABLE {
            def.init(&mut c);
        }
        c.save_params = vec![(3600, 1), (300, 100), (60, 10000)];
        c.bind = vec!["*".to_string(), "-::*".to_string()];
        c.client_obuf_limits = OBUF_DEFAULTS;
        c.oom_score_adj_values = [0, 200, 800];
        c.masterport = 6379;
        c.latency_tracking_info_percentiles = vec![50.0, 99.0, 99.9];
        c
    }
}

/// Case-insensitive lookup of a directive by name or alias (lookupConfig).
pub fn lookup(name: &[u8]) -> Option<&'static ConfigDef> {
    TABLE.iter().find(|d| {
        name.eq_ignore_ascii_case(d.name.as_bytes())
            || d.alias
                .is_some_and(|a| name.eq_ignore_ascii_case(a.as_bytes()))
    })
}

/// Whether `name` (or an alias) is a SENSITIVE config whose value must be
/// redacted (requirepass, masterauth, masteruser).
pub fn is_sensitive(name: &[u8]) -> bool {
    lookup(name).is_some_and(|d| d.flags & flags::SENSITIVE != 0)
}

/// Every directive name CONFIG GET knows, aliases included, in table order
/// (each alias right after its primary name).
pub fn all_names() -> impl Iterator<Item = &'static str> {
    TABLE
        .iter()
        .flat_map(|d| std::iter::once(d.name).chain(d.alias))
}

/// Format a CONFIG SET failure the way configSetCommand does; also for the
/// server's apply errors ("Unable to listen on this port ...").
pub fn set_error(name: &str, msg: Option<&str>) -> String {
    match msg {
        Some(m) => format!(
            "ERR CONFIG SET failed (possibly related to argument '{}') - {}",
            name, m
        ),
        None => format!(
            "ERR CONFIG SET failed (possibly related to argument '{}')",
            name
        ),
    }
}

impl Config {
    /// CONFIG GET: each argument is an exact name (returned as typed) or a
    /// case-insensitive glob over names and aliases (HIDDEN configs need an
    /// exact name). Every name appears at most once.
    pub fn get(&self, patterns: &[&[u8]]) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for &pat in patterns {
            if !pat.iter().any(|c| matches!(c, b'[' | b'*' | b'?')) {
                let key = String::from_utf8_lossy(pat).into_owned();
                if out.iter().any(|(k, _)| *k == key) {
                    continue;
                }
                if let Some(def) = lookup(pat) {
                    out.push((key, def.get_value(self)));
                }
                continue;
            }
            for def in TABLE {
                if def.flags & flags::HIDDEN != 0 {
                    continue;
                }
                for name in std::iter::once(def.name).chain(def.alias) {
                    if out.iter().any(|(k, _)| k == name) {
                        continue;
                    }
                    if oxidis_ds::util::string_match_len(pat, name.as_bytes(), true) {
                        out.push((name.to_string(), def.get_value(self)));
                    }
                }
            }
        }
        out
    }

    /// The CONFIG GET value of one directive (exact name or alias).
    pub fn get_one(&self, name: &str) -> Option<String> {
        lookup(name.as_bytes()).map(|d| d.get_value(self))
    }

    /// CONFIG SET with default context (not loading, non-local client).
    pub fn set(&mut self, pairs: &[(&[u8], &[u8])]) -> Result<Vec<&'static str>, String> {
        self.set_ext(pairs, SetContext::default())
    }

    /// CONFIG SET name value [name value ...], atomically: every name is
    /// checked first, then every value is set; if any value is rejected all
    /// of them are restored. Returns the canonical names whose value changed
    /// (the server applies their side effects; if applying fails it should
    /// restore a clone taken before this call and reply with [`set_error`]).
    /// Errors are the full reply text without the leading '-'.
    pub fn set_ext(
        &mut self,
        pairs: &[(&[u8], &[u8])],
        ctx: SetContext,
    ) -> Result<Vec<&'static str>, String> {
        let mut defs: Vec<&'static ConfigDef> = Vec::with_capacity(pairs.len());
        let mut unknown: Option<&[u8]> = None;
        let mut err: Option<(String, &'static str)> = None;
        let mut deny_loading = false;
        for &(name, _) in pairs {
            let Some(def) = lookup(name) else {
                if unknown.is_none() && err.is_none() && !deny_loading {
                    unknown = Some(name);
                }
                continue;
            };
            if unknown.is_some() || err.is_some() || deny_loading {
                continue;
            }
            let shown = String::from_utf8_lossy(name).into_owned();
            if def.flags & flags::IMMUTABLE != 0 {
                err = Some((shown, "can't set immutable config"));
                continue;
            }
            if def.flags & flags::PROTECTED != 0 && !self.protected_allowed(ctx) {
                err = Some((shown, "can't set protected config"));
                continue;
            }
            if ctx.loading && def.flags & flags::DENY_LOADING != 0 {
                deny_loading = true;
                continue;
            }
            if defs.iter().any(|d| std::ptr::eq(*d, def)) {
                err = Some((shown, "duplicate parameter"));
                continue;
            }
            defs.push(def);
        }
        if deny_loading {
            return Err("LOADING Redis is loading the dataset in memory".to_string());
        }
        if let Some(name) = unknown {
            return Err(format!(
                "ERR Unknown option or number of arguments for CONFIG SET - '{}'",
                String::from_utf8_lossy(name)
            ));
        }
        if let Some((name, msg)) = err {
            return Err(set_error(&name, Some(msg)));
        }

        let backup = self.clone();
        let old_cwd = std::env::current_dir().ok();
        let mut changed = Vec::new();
        for (def, &(_, value)) in defs.iter().zip(pairs) {
            let args = if def.flags & flags::MULTI_ARG != 0 {
                split_on_spaces(value)
            } else {
                vec![value.to_vec()]
            };
            match def.set_args(self, &args, false) {
                Ok(true) => changed.push(def.name),
                Ok(false) => {}
                Err(msg) => {
                    *self = backup;
                    if changed.contains(&"dir") {
                        if let Some(cwd) = old_cwd {
                            let _ = std::env::set_current_dir(cwd);
                        }
                    }
                    return Err(set_error(def.name, Some(&msg)));
                }
            }
        }
        self.clamp_hz();
        Ok(changed)
    }

    fn protected_allowed(&self, ctx: SetContext) -> bool {
        match self.enable_protected_configs {
            ProtectedAction::Yes => true,
            ProtectedAction::Local => ctx.local_client,
            ProtectedAction::No => false,
        }
    }

    /// updateHZ / the loader's final check: keep hz within 1..=500.
    pub(crate) fn clamp_hz(&mut self) {
        self.hz = self.hz.clamp(1, 500);
    }

    /// The DEBUG_CONFIG section of a crash report (getConfigDebugInfo).
    pub fn debug_info(&self) -> String {
        rewrite::debug_info(self)
    }
}

/// sdssplitlen(value, " "): split on every single space, keeping empty
/// pieces; an empty value gives no arguments. This is how CONFIG SET splits
/// the value of a multi-argument config.
pub(crate) fn split_on_spaces(v: &[u8]) -> Vec<Vec<u8>> {
    if v.is_empty() {
        return Vec::new();
    }
    v.split(|&c| c == b' ').map(|p| p.to_vec()).collect()
}

/// An io::Error's text as C's strerror() prints it (no " (os error N)").
pub(crate) fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

#[cfg(test)]
mod tests;
