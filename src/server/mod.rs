//! The server. Redis counterpart: server.c / server.h — the `Server` struct
//! (Redis's `struct redisServer`), start-up, `process_command()`, `call()`,
//! the cron, `before_sleep`, and shutdown.
//!
//! One thread owns the `Server`; the event loop (`ae`) calls into it. Command
//! handlers receive `(&mut Server, &mut Client, &argv)`: the calling client
//! is lent out of the client table for the duration of the call (see
//! `networking::clients`), so a handler can touch the keyspace and its own
//! client at the same time without `Rc<RefCell>`.

pub mod command;
pub mod command_cmd;
pub mod commands_def;
pub mod cron;
pub mod getkeys;
pub mod info;
pub mod init;
pub mod latency_hist;
pub mod misc_cmds;
pub mod module_cmd;
pub mod oom_score;
pub mod proctitle;
pub mod shared;
pub mod shutdown;
pub mod supervised;

use std::collections::HashMap;

use command::{CommandStats, CommandTable, CMD_LOADING, CMD_NO_AUTH, CMD_STALE};
use oxidis_ds::util;

use crate::config::Config;
use crate::db::Db;
use crate::log::Level;
use crate::networking::{self, Client};
use crate::server_log;

/// The Redis version oxidis answers as (INFO, HELLO, RDB aux fields, Lua,
/// start-up lines). Redis: REDIS_VERSION in version.h.
pub const REDIS_VERSION: &str = "7.0.15";

/// The client flags a command sets to steer its own propagation.
const PROP_FLAGS: u64 =
    crate::replication::CLIENT_FORCE_REPL | crate::replication::CLIENT_PREVENT_PROP;

/// A listening socket.
pub enum Listener {
    Tcp(mio::net::TcpListener),
    Unix(mio::net::UnixListener, std::path::PathBuf),
}

/// Instantaneous metrics samples (server.c trackInstantaneousMetric).
pub const STATS_METRIC_SAMPLES: usize = 16;
pub const STATS_METRIC_COMMAND: usize = 0;
pub const STATS_METRIC_NET_INPUT: usize = 1;
pub const STATS_METRIC_NET_OUTPUT: usize = 2;

#[derive(Default, Clone)]
pub struct InstMetric {
    pub last_sample_time: i64,
    pub last_sample_count: u64,
    pub samples: [u64; STATS_METRIC_SAMPLES],
    pub idx: usize,
}

/// Counters of INFO stats. Redis: the stat_* fields of redisServer.
#[derive(Default)]
pub struct Stats {
    pub numcommands: u64,
    pub numconnections: u64,
    pub rejected_conn: u64,
    pub expiredkeys: u64,
    pub expired_stale_perc: f64,
    pub expired_time_cap_reached_count: u64,
    pub expire_cycle_time_used: u64,
    pub evictedkeys: u64,
    pub keyspace_hits: u64,
    pub dump_payload_sanitizations: u64, // values validated deeply (RESTORE, RDB load)
    pub keyspace_misses: u64,
    pub net_input_bytes: u64,
    pub net_output_bytes: u64,
    pub total_error_replies: u64,
    pub unexpected_error_replies: u64,
    pub errorstats: HashMap<String, u64>,
    pub errorstats_disabled: bool,
    pub client_qbuf_limit_disconnections: u64,
    pub client_outbuf_limit_disconnections: u64,
    pub io_reads_processed: u64,
    pub io_writes_processed: u64,
    pub total_reads_processed: u64,
    pub total_writes_processed: u64,
    pub inst: [InstMetric; 3],
    pub peak_memory: usize,
}

pub struct Server {
    pub config: Config,
    pub dbs: Vec<Db>,
    pub clients: networking::Clients,
    pub commands: CommandTable,
    pub cmd_stats: Vec<CommandStats>,
    pub stats: Stats,
    pub registry: mio::Registry,
    pub listeners: Vec<Listener>,
    pub next_client_id: u64,
    pub clients_pending_write: Vec<usize>,
    pub clients_pending_read: Vec<usize>,
    pub clients_to_close: Vec<usize>,
    pub dirty: i64,
    pub lastsave: i64,
    pub start_time_ms: i64,
    pub cronloops: u64,
    pub hz: i32,
    pub run_id: String,
    pub replid: String,
    pub replid2: String,
    pub executable: String,
    pub config_file: Option<String>,
    pub shutdown_asap: bool,
    pub shutdown_flags: u32,
    pub oom: oom_score::OomState, // the OOM score from before oom-score-adj changed it
    pub supervised_mode: supervised::SupervisedMode, // systemd/upstart, once detected
    pub shutdown_mstime: i64,     // waiting for replicas until then (0: not shutting down)
    pub exit_code: Option<i32>,
    pub active_expire_enabled: bool,
    pub pause_cron: bool, // DEBUG PAUSE-CRON: server_cron does nothing
    pub lruclock: u32,
    pub cmd_time_ms: i64,
    /// The clock read that ended the previous command of the pipelined batch
    /// being run (networking::process_input_buffer sets and clears it); the
    /// next command starts from it instead of reading the clock again.
    pub batch_clock_us: Option<i64>,
    /// The clock read at the end of the latest call().
    pub call_end_us: Option<i64>,
    pub loading: bool,
    /// DEBUG SET-SKIP-CHECKSUM-VALIDATION: RESTORE and RDB loading skip
    /// the CRC64 check.
    pub skip_checksum_validation: bool,
    pub bind_addrs: Vec<String>,
    pub port: u16,
    pub pid: i32,
    pub timelimit_exit: bool,
    pub last_expire_cycle_fast_start: u64,
    pub expire_cycle_db: usize,
    pub blocked_clients: usize,
    pub used_memory_startup: usize,
    pub latency_hists: Vec<latency_hist::Histogram>,
    pub watch: crate::multi::WatchTable,
    pub in_exec: bool,
    pub blocking: crate::blocked::Blocking, // blocked clients and ready keys
    pub readbuf: Vec<u8>, // scratch for socket reads (networking::read_query_from_client)
    pub prefetch_scratch: Vec<crate::networking::prefetch::Pending>, // key hashes of a pipelined batch (networking::prefetch)
    pub rdb: crate::rdb::RdbState, // persistence state (rdb/mod.rs)
    pub aof: crate::aof::AofState, // the append-only file (aof/)
    pub pubsub: crate::pubsub::PubSub,
    pub monitors: Vec<crate::pubsub::Sub>,
    pub slowlog: crate::slowlog::SlowLog,
    pub latency: crate::latency::LatencyMonitor,
    pub pause: crate::networking::pause::PauseState,
    pub repl: crate::replication::ReplState, // replicas, backlog, propagation (replication/)
    pub scripting: crate::scripting::ScriptingState, // Lua, the script cache, the running script (scripting/)
    pub acl: crate::acl::AclState,                   // users and the ACL LOG (acl/)
}

impl Server {
    /// Current time cached for the command in progress (Redis caches
    /// `server.mstime` around each call so one command sees one time).
    pub fn now_ms(&self) -> i64 {
        self.cmd_time_ms
    }

    pub fn update_cached_time(&mut self) {
        self.set_cached_time(util::mstime());
    }

    fn set_cached_time(&mut self, ms: i64) {
        self.cmd_time_ms = ms;
        self.lruclock = crate::object::lru_clock(ms);
    }

    /// Redis: authRequired().
    pub fn auth_required(&self, c: &Client) -> bool {
        crate::acl::auth_required(self, c)
    }

    /// Puts a client on the write list once. Redis: putClientInPendingWriteQueue.
    pub fn mark_pending_write(&mut self, slot: usize, c: &mut Client) {
        if c.flags & networking::client::CLIENT_PENDING_WRITE == 0 && c.has_pending_replies() {
            c.flags |= networking::client::CLIENT_PENDING_WRITE;
            self.clients_pending_write.push(slot);
        }
    }

    /// Records the error replies a command emitted. Redis: afterErrorReply.
    pub(crate) fn account_errors(&mut self, c: &mut Client) {
        if !c.critical_errors.is_empty() {
            self.log_critical_errors(c);
        }
        for code in c.err_prefixes.drain(..) {
            self.stats.total_error_replies += 1;
            if self.stats.errorstats_disabled {
                continue;
            }
            if !self.stats.errorstats.contains_key(&code) && self.stats.errorstats.len() >= 128 {
                self.stats.errorstats_disabled = true;
                self.stats.errorstats.clear();
                server_log!(
                    Warning,
                    "Errorstats stopped adding new errors because the number of different errors reached the limit of 128. Use CONFIG RESETSTAT to reset errorstats."
                );
                continue;
            }
            *self.stats.errorstats.entry(code).or_insert(0) += 1;
        }
    }

    /// An error sent to our master, a replica or the AOF loader: logged,
    /// counted, and fatal if propagation-error-behavior says so. Redis: the
    /// second half of afterErrorReply.
    fn log_critical_errors(&mut self, c: &mut Client) {
        use crate::config::PropagationErrorBehavior as Peb;
        let aof = c.id == crate::aof::load::CLIENT_ID_AOF;
        let from_master = c.flags & networking::client::CLIENT_MASTER != 0;
        let (from, to) = if aof {
            ("server", "AOF-loading-client")
        } else if from_master {
            ("replica", "master")
        } else {
            ("master", "replica")
        };
        let cmdname = c
            .lastcmd
            .map(|i| self.commands.get(i).fullname.clone())
            .unwrap_or_else(|| "<unknown>".to_string());
        for err in std::mem::take(&mut c.critical_errors) {
            let err = &err[..err.floor_char_boundary(4096)];
            server_log!(
                Warning,
                "== CRITICAL == This {} is sending an error to its {}: '{}' after processing the command '{}'",
                from,
                to,
                err,
                cmdname
            );
            if from_master {
                crate::replication::show_latest_backlog(self);
            }
            self.stats.unexpected_error_replies += 1;
            let behavior = self.config.propagation_error_behavior;
            let panic_in_replicas = from_master
                && self.config.replica_read_only
                && matches!(behavior, Peb::Panic | Peb::PanicOnReplicas);
            if panic_in_replicas || (aof && behavior == Peb::Panic) {
                panic!(
                    "This {} panicked sending an error to its {} after processing the command '{}'",
                    from, to, cmdname
                );
            }
        }
    }

    /// A replica's command tried to answer it: the link carries no replies,
    /// so the replica is disconnected. Redis: logInvalidUseAndFreeClientAsync
    /// from _addReplyToBufferOrList.
    fn drop_replying_replica(&mut self, c: &mut Client, cmd: Option<usize>) {
        c.replica_replied = false;
        let name = cmd.map_or("<unknown>".to_string(), |i| {
            self.commands.get(i).fullname.clone()
        });
        let info = networking::client_info_string(self, c);
        server_log!(
            Warning,
            "Replica generated a reply to command '{}', disconnecting it: {}",
            name,
            info
        );
        c.flags |= networking::client::CLIENT_CLOSE_ASAP;
        self.clients_to_close.push(c.slot);
    }

    /// Redis: rejectCommand — an error before the command ran.
    fn reject(&mut self, c: &mut Client, cmd: Option<usize>, msg: &str) {
        if let Some(i) = cmd {
            self.cmd_stats[i].rejected_calls += 1;
        }
        if c.mstate.active {
            c.mstate.dirty_exec = true;
        }
        if cmd.is_some_and(|i| self.commands.get(i).is(command::CMD_X_EXEC)) {
            // Redis: execCommandAbort (monitors see the EXEC that closes
            // the MULTI they were shown).
            self.discard_transaction(c);
            if !self.monitors.is_empty() {
                networking::monitor::feed_monitors(self, c, c.db, &[b"exec".to_vec()]);
            }
            let m = msg.strip_prefix('-').unwrap_or(msg);
            c.add_reply_error(&format!(
                "-EXECABORT Transaction discarded because of: {}",
                m
            ));
            c.cur_errors = 0;
            self.account_errors(c);
            return;
        }
        c.add_reply_error(msg);
        c.cur_errors = 0;
        if c.replica_replied {
            self.drop_replying_replica(c, cmd);
        }
        self.account_errors(c);
    }

    /// Redis: processCommand. Runs every check Redis runs before `call()`.
    pub fn process_command(&mut self, c: &mut Client, argv: &[Vec<u8>]) {
        let top = if !argv[0].is_empty() && c.name_cache.0 == argv[0] {
            Some(c.name_cache.1)
        } else {
            let top = self.commands.lookup_top(&argv[0]);
            if let Some(t) = top {
                c.name_cache.0.clear();
                c.name_cache.0.extend_from_slice(&argv[0]);
                c.name_cache.1 = t;
            }
            top
        };
        let lookup = top.and_then(|top| {
            let t = self.commands.get(top);
            if argv.len() == 1 || t.subcommands.is_empty() {
                Some(top)
            } else {
                self.commands.lookup_sub(top, &argv[1])
            }
        });
        let idx = match lookup {
            Some(i) => i,
            None => {
                let err = if argv.len() > 1 && self.commands.lookup_top(&argv[0]).is_some() {
                    let cmd = String::from_utf8_lossy(&argv[0]).to_uppercase();
                    format!(
                        "unknown subcommand '{}'. Try {} HELP.",
                        String::from_utf8_lossy(&argv[1][..argv[1].len().min(128)]),
                        cmd
                    )
                } else {
                    let mut args = String::new();
                    for a in &argv[1..] {
                        if args.len() >= 128 {
                            break;
                        }
                        let room = 128 - args.len();
                        let s = String::from_utf8_lossy(&a[..a.len().min(room)]);
                        args.push('\'');
                        args.push_str(&s);
                        args.push_str("' ");
                    }
                    format!(
                        "unknown command '{}', with args beginning with: {}",
                        String::from_utf8_lossy(&argv[0][..argv[0].len().min(128)]),
                        args
                    )
                };
                let err = err.replace(['\r', '\n'], " ");
                // Redis: c->cmd = c->lastcmd = lookupCommand() -> NULL.
                c.cmd = None;
                c.lastcmd = None;
                return self.reject(c, None, &err);
            }
        };
        let cmd = self.commands.get(idx);
        let arity = cmd.arity();
        if (arity > 0 && arity as usize != argv.len()) || (argv.len() as i64) < -(arity as i64) {
            let err = format!("wrong number of arguments for '{}' command", cmd.fullname);
            return self.reject(c, Some(idx), &err);
        }
        let mut flags = cmd.flags();
        // Redis: getCommandFlags — a script's shebang flags, or a function's
        // flags, decide.
        if flags & command::CMD_X_EVAL != 0 {
            flags = crate::scripting::eval_get_command_flags(self, argv, flags);
        } else if flags & command::CMD_X_FCALL != 0 {
            flags = crate::scripting::functions::fcall_get_command_flags(self, argv, flags);
        }
        c.cmd = Some(idx);
        c.lastcmd = Some(idx);
        if flags & command::CMD_PROTECTED != 0 {
            let refused = if flags & command::CMD_X_DEBUG != 0
                && !self.allow_protected(c, self.config.enable_debug_command)
            {
                Some(("DEBUG", "enable-debug-command"))
            } else if flags & command::CMD_X_MODULE != 0
                && !self.allow_protected(c, self.config.enable_module_command)
            {
                Some(("MODULE", "enable-module-command"))
            } else {
                None
            };
            if let Some((cmd, option)) = refused {
                let err = format!("{cmd} command not allowed. If the {option} option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.");
                return self.reject(c, Some(idx), &err);
            }
        }
        if self.auth_required(c) && flags & CMD_NO_AUTH == 0 {
            return self.reject(c, Some(idx), "-NOAUTH Authentication required.");
        }
        if c.mstate.active && flags & command::CMD_NO_MULTI != 0 {
            return self.reject(c, Some(idx), "Command not allowed inside a transaction");
        }
        if let Err(d) = crate::acl::check_command(self, c.user, idx, argv) {
            let context = if c.mstate.active {
                crate::acl::log::Context::Multi
            } else {
                crate::acl::log::Context::Toplevel
            };
            let err = crate::acl::acl_cmd::denial_error(self, c, idx, argv, d, context);
            return self.reject(c, Some(idx), &err);
        }
        let is_exec = c.mstate.active && flags & command::CMD_X_EXEC != 0;
        // Redis: EXEC counts as the union of the flags it queued.
        let eff_flags = if is_exec {
            flags | c.mstate.cmd_flags
        } else {
            flags
        };
        self.scripting.pre_command_oom_state = false;
        if self.config.maxmemory > 0 {
            let oom = !crate::evict::perform_evictions(self);
            self.scripting.pre_command_oom_state = oom;
            // Inside MULTI every queued command is refused on OOM.
            let reject_on_oom = eff_flags & command::CMD_DENYOOM != 0
                || (c.mstate.active && flags & command::CMD_X_MULTI_OOM_OK == 0);
            if oom && reject_on_oom {
                return self.reject(
                    c,
                    Some(idx),
                    "-OOM command not allowed when used memory > 'maxmemory'.",
                );
            }
        }
        // Redis: checkGoodReplicasStatus.
        if eff_flags & command::CMD_WRITE != 0
            && self.config.min_replicas_to_write > 0
            && self.config.min_replicas_max_lag > 0
            && self.config.masterhost.is_none()
            && {
                self.refresh_good_slaves();
                self.repl.good_slaves < self.config.min_replicas_to_write as usize
            }
        {
            return self.reject(
                c,
                Some(idx),
                "-NOREPLICAS Not enough good replicas to write.",
            );
        }
        // Redis: writeCommandsDeniedByDiskError() — PING is refused too.
        if c.flags & networking::client::CLIENT_MASTER == 0
            && (flags & command::CMD_WRITE != 0
                || (is_exec && c.mstate.cmd_flags & command::CMD_WRITE != 0)
                || flags & command::CMD_X_DISK_ERROR_DENIED != 0)
        {
            if crate::rdb::bgsave::writes_denied_by_disk_error(self) {
                return self.reject(c, Some(idx), crate::rdb::bgsave::MISCONF_ERR);
            }
            if let Some(err) = crate::aof::write_error(self) {
                return self.reject(c, Some(idx), &err);
            }
        }
        // Redis: a read-only replica refuses writes from its clients.
        if self.config.masterhost.is_some()
            && self.config.replica_read_only
            && c.flags & networking::client::CLIENT_MASTER == 0
            && eff_flags & command::CMD_WRITE != 0
        {
            return self.reject(
                c,
                Some(idx),
                "-READONLY You can't write against a read only replica.",
            );
        }
        if c.flags & networking::client::CLIENT_PUBSUB != 0
            && c.resp == 2
            && flags & command::CMD_X_SUBSCRIBED_OK == 0
        {
            let err = format!("Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context", self.commands.get(idx).fullname);
            return self.reject(c, Some(idx), &err);
        }
        // Redis: a replica whose link is down serves only "stale" commands when
        // replica-serve-stale-data is off (EXEC: if everything queued is).
        if crate::replication::replica::link_down(self)
            && !self.config.replica_serve_stale_data
            && (flags & CMD_STALE == 0 || (is_exec && c.mstate.cmd_inv_flags & CMD_STALE != 0))
        {
            return self.reject(
                c,
                Some(idx),
                "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
            );
        }
        if self.loading && flags & CMD_LOADING == 0 {
            return self.reject(
                c,
                Some(idx),
                "-LOADING Redis is loading the dataset in memory",
            );
        }
        // Redis: while a script runs past busy-reply-threshold only the
        // allow-busy commands run.
        if self.scripting.run.is_some()
            && crate::scripting::script::is_timedout(self)
            && flags & command::CMD_ALLOW_BUSY == 0
        {
            let err = crate::scripting::script::busy_error(self);
            return self.reject(c, Some(idx), err);
        }
        // Redis: a replica may not touch the keyspace (replicas are exempt
        // from CLIENT PAUSE, which this would let them abuse).
        if c.flags & networking::client::CLIENT_SLAVE != 0
            && eff_flags & (command::CMD_WRITE | command::CMD_MAY_REPLICATE | command::CMD_READONLY)
                != 0
        {
            return self.reject(c, Some(idx), "Replica can't interact with the keyspace");
        }
        if self.pause.are_clients_paused()
            && c.flags & networking::client::CLIENT_SLAVE == 0
            && self
                .pause
                .blocks(eff_flags & (command::CMD_WRITE | command::CMD_MAY_REPLICATE) != 0)
        {
            networking::pause::postpone_client(self, c, argv);
            return;
        }
        if c.mstate.active && flags & command::CMD_X_NOT_QUEUED == 0 {
            crate::multi::queue_command(c, idx, flags, argv);
            return;
        }
        self.call(c, idx, argv);
        // Redis: not while a script is running (an allow-busy command run
        // from the busy loop must not serve clients blocked on its keys).
        if self.blocking.has_ready_keys() && self.scripting.run.is_none() {
            crate::blocked::handle_clients_blocked_on_keys(self);
        }
    }

    /// Redis: allowProtectedAction — `yes`, or `local` from a local peer.
    fn allow_protected(&self, c: &Client, setting: crate::config::ProtectedMode) -> bool {
        use crate::config::ProtectedMode;
        match setting {
            ProtectedMode::Yes => true,
            ProtectedMode::No => false,
            ProtectedMode::Local => c.unix || crate::networking::is_loopback(&c.addr),
        }
    }

    /// Redis: call(). Runs the handler and keeps the statistics.
    pub fn call(&mut self, c: &mut Client, idx: usize, argv: &[Vec<u8>]) {
        let proc_ = match self.commands.get(idx).proc_ {
            Some(p) => p,
            None => return,
        };
        let dirty_before = self.dirty;
        // Redis: the propagation flags are the command's own; restored below
        // because call() nests (EXEC).
        let outer_prop_flags = c.flags & PROP_FLAGS;
        c.flags &= !PROP_FLAGS;
        // One clock read serves both the cached time and the duration's
        // start, and inside a pipelined batch the previous command's end
        // serves as this one's start (the clock cost ~9% of CPU at GET P=16).
        let start_us = self.batch_clock_us.take().unwrap_or_else(util::ustime);
        // Redis: time is frozen while a script runs (scriptTimeSnapshot), so
        // a key cannot expire between two commands of one script.
        if self.scripting.run.is_none() {
            self.set_cached_time(start_us / 1000);
        }
        let outer_errors = c.cur_errors;
        c.cur_errors = 0;
        self.repl.in_nested_call += 1;
        // Redis: server.current_client, for the bug report.
        let function = self.commands.get(idx).def.function;
        let outer_served = oxidis_sys::crash::set_crash_client(&*c, argv, function);
        proc_(self, c, argv);
        oxidis_sys::crash::restore_crash_client(outer_served);
        self.repl.in_nested_call -= 1;
        if c.replica_replied {
            self.drop_replying_replica(c, Some(idx));
        }
        // The wall clock can step backwards; a duration never does.
        let end_us = util::ustime();
        let dur = (end_us - start_us).max(0) as u64;
        self.call_end_us = Some(end_us);
        c.duration_us = dur;
        // A command that blocked is logged and timed when it is unblocked
        // (blocked::update_stats_on_unblock).
        let blocked = c.flags & networking::client::CLIENT_BLOCKED != 0 || c.bpop.is_some();
        let failed = c.cur_errors > 0;
        c.cur_errors = outer_errors;
        if self.pubsub.has_self_pending() {
            crate::pubsub::flush_self_pending(self, c);
        }
        let cflags = self.commands.get(idx).flags();
        if self.config.latency_monitor_threshold > 0 {
            let ev = if cflags & command::CMD_FAST != 0 {
                "fast-command"
            } else {
                "command"
            };
            self.latency_add_sample_if_needed(ev, dur / 1000);
        }
        if cflags & command::CMD_SKIP_SLOWLOG == 0 && !blocked {
            crate::slowlog::slowlog_push_entry_if_needed(self, c, argv, dur);
        }
        if !self.monitors.is_empty()
            && cflags & (command::CMD_SKIP_MONITOR | command::CMD_ADMIN) == 0
        {
            networking::monitor::feed_monitors(self, c, c.db, argv);
        }
        let st = &mut self.cmd_stats[idx];
        st.calls += 1;
        st.microseconds += dur;
        if self.config.latency_tracking && !blocked {
            self.latency_hists[idx].record(dur * 1000);
        }
        if failed {
            st.failed_calls += 1;
        }
        self.account_errors(c);
        self.stats.numcommands += 1;
        // Redis: the propagation part of call(), then afterCommand(). Only a
        // growing dirty counter means a change: DEBUG LOADAOF and others
        // reset it so that they are not propagated.
        let prop_argv = c.prop_argv.take();
        if self.should_propagate()
            && c.flags & crate::replication::CLIENT_PREVENT_PROP == 0
            && !self.commands.get(idx).is(command::CMD_X_EXEC)
            && (self.dirty > dirty_before || c.flags & crate::replication::CLIENT_FORCE_REPL != 0)
        {
            let argv = prop_argv.unwrap_or_else(|| argv.to_vec());
            self.also_propagate(c.db, argv);
        }
        c.flags = (c.flags & !PROP_FLAGS) | outer_prop_flags;
        if self.repl.in_nested_call == 0 && !self.repl.also_propagate.is_empty() {
            self.propagate_pending_commands(cflags & command::CMD_TOUCHES_ARBITRARY_KEYS != 0);
            // Redis: c->woff, what WAIT waits for.
            c.woff = self.repl.master_repl_offset;
        }
    }

    /// Log at `level` unless filtered. Convenience for handlers.
    pub fn log(&self, level: Level, msg: &str) {
        crate::log::log(level, msg);
    }
}
