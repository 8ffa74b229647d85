//! CONFIG GET / SET / RESETSTAT / REWRITE / HELP. Redis counterpart: the
//! command half of config.c. The configuration table itself is in config/;
//! this file applies the side effects a change has on the running server
//! (Redis's `apply` callbacks), such as rebinding a port.

use crate::networking::Client;
use crate::server::command::CommandProc;
use crate::server::Server;
use crate::server_log;

fn config_get_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let patterns: Vec<&[u8]> = argv[2..].iter().map(|v| v.as_slice()).collect();
    let pairs = s.config.get(&patterns);
    c.add_reply_map_len(pairs.len());
    for (k, v) in pairs {
        c.add_reply_bulk_str(&k);
        c.add_reply_bulk_str(&v);
    }
}

/// Applies what a configuration change means for the running server.
/// Redis: the `apply` functions of config.c (updatePort, changeBindAddr, ...).
/// Err names the setting whose apply failed, with Redis's reason.
fn apply_changes(s: &mut Server, changed: &[&'static str]) -> Result<(), (&'static str, String)> {
    let mut rebind = false;
    for name in changed {
        match *name {
            "port" | "bind" | "unixsocket" => rebind = true,
            "loglevel" | "logfile" => {
                crate::log::configure(s.config.loglevel.into(), &s.config.logfile)
            }
            // Redis: updateSighandlerEnabled.
            "crash-log-enabled" | "use-exit-on-panic" => crate::crash::apply_config(&s.config),
            // Redis: updateWatchdogPeriod.
            "watchdog-period" => crate::crash::apply_watchdog_period(s),
            // Redis: updateOOMScoreAdj.
            "oom-score-adj" | "oom-score-adj-values"
                if crate::server::oom_score::update(s).is_err() =>
            {
                return Err((
                    name,
                    "Failed to set current oom_score_adj. Check server logs.".into(),
                ));
            }
            // Redis: updateAppendonly.
            "appendonly" => {
                if !s.config.appendonly && s.aof.is_on() {
                    crate::aof::stop(s);
                } else if s.config.appendonly && !s.aof.is_on() && crate::aof::start(s).is_err() {
                    return Err((name, "Unable to turn on AOF. Check server logs.".into()));
                }
            }
            // Redis: updateAofAutoGCEnabled — history goes once gc is back on.
            "aof-disable-auto-gc" if !s.config.aof_disable_auto_gc => {
                let _ = crate::aof::del_history_files(s);
            }
            // Redis: updateProcTitleTemplate (whatever set-proc-title says).
            "proc-title-template" => {
                crate::server::proctitle::redis_set_proc_title(&s.config)
                    .map_err(|e| (*name, e.to_string()))?;
            }
            // Redis: updateRequirePass — the default user's password.
            "requirepass" => s
                .acl
                .set_default_password(&s.commands, s.config.requirepass.as_deref()),
            "maxmemory" => {
                let used = oxidis_sys::used_memory() as u64;
                if s.config.maxmemory > 0 && s.config.maxmemory < used {
                    server_log!(
                        Warning,
                        "WARNING: the new maxmemory value set via CONFIG SET ({}) is smaller than the current memory usage ({}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.",
                        s.config.maxmemory,
                        used
                    );
                }
                crate::evict::perform_evictions(s);
            }
            _ => {}
        }
    }
    if rebind
        && (s.port != s.config.port
            || s.bind_addrs != s.config.bind
            || changed.contains(&"unixsocket"))
    {
        // Redis: updatePort / changeBindAddr — close the old listeners, open
        // the new ones, and reopen the old ones if that fails.
        let failed = if s.port != s.config.port {
            ("port", "Unable to listen on this port. Check server logs.")
        } else if s.bind_addrs != s.config.bind {
            ("bind", "Failed to bind to specified addresses.")
        } else {
            ("unixsocket", "Failed to bind to specified addresses.")
        };
        close_listeners(s);
        match crate::server::init::open_listeners(&s.config) {
            Ok(new) => s.listeners = new,
            Err(e) => {
                server_log!(Warning, "{}", e);
                let mut old = s.config.clone();
                old.port = s.port;
                old.bind = s.bind_addrs.clone();
                if let Ok(l) = crate::server::init::open_listeners(&old) {
                    s.listeners = l;
                    let _ = crate::server::init::register_listeners(s);
                }
                return Err((failed.0, failed.1.into()));
            }
        }
        crate::server::init::register_listeners(s).map_err(|e| (failed.0, e.to_string()))?;
        s.port = s.config.port;
        s.bind_addrs = s.config.bind.clone();
    }
    Ok(())
}

fn close_listeners(s: &mut Server) {
    for l in s.listeners.iter_mut() {
        match l {
            crate::server::Listener::Tcp(t) => {
                let _ = s.registry.deregister(t);
            }
            crate::server::Listener::Unix(u, _) => {
                let _ = s.registry.deregister(u);
            }
        }
    }
    s.listeners.clear();
}

fn config_set_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if !argv.len().is_multiple_of(2) {
        return c.add_reply_error(&format!(
            "Unknown option or number of arguments for CONFIG SET - '{}'",
            String::from_utf8_lossy(argv.last().map(|v| v.as_slice()).unwrap_or(b""))
        ));
    }
    let pairs: Vec<(&[u8], &[u8])> = argv[2..]
        .chunks(2)
        .map(|p| (p[0].as_slice(), p[1].as_slice()))
        .collect();
    // Redis: redactClientCommandArgument for sensitive configs, so the value
    // never reaches SLOWLOG or MONITOR.
    for (i, (name, _)) in pairs.iter().enumerate() {
        if name.eq_ignore_ascii_case(b"masterauth") || name.eq_ignore_ascii_case(b"requirepass") {
            c.redacted.push(3 + 2 * i);
        }
    }
    let before = s.config.clone();
    let ctx = crate::config::SetContext {
        loading: s.loading,
        local_client: c.unix || crate::networking::is_loopback(&c.addr),
    };
    match s.config.set_ext(&pairs, ctx) {
        Ok(changed) => {
            if let Err((name, e)) = apply_changes(s, &changed) {
                // Redis: restoreBackupConfig — the old values, and their
                // apply functions run again (an applied OOM score goes back).
                s.config = before;
                if let Err((_, e)) = apply_changes(s, &changed) {
                    server_log!(
                        Warning,
                        "Failed applying restored failed CONFIG SET command: {}",
                        e
                    );
                }
                return c.add_reply_error(&format!(
                    "CONFIG SET failed (possibly related to argument '{}') - {}",
                    name, e
                ));
            }
            c.add_reply_ok();
        }
        Err(e) => c.add_reply_error(&format!("-{}", e)),
    }
}

fn config_resetstat_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    let peak = oxidis_sys::used_memory();
    s.stats = Default::default();
    s.stats.peak_memory = peak;
    for st in s.cmd_stats.iter_mut() {
        *st = Default::default();
    }
    for h in s.latency_hists.iter_mut() {
        *h = Default::default();
    }
    // Redis: resetServerStats also clears the sync counters.
    s.repl.stat_sync_full = 0;
    s.repl.stat_sync_partial_ok = 0;
    s.repl.stat_sync_partial_err = 0;
    c.add_reply_ok();
}

fn config_rewrite_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    let Some(path) = s.config.config_file.clone() else {
        return c.add_reply_error("The server is running without a config file");
    };
    match rewrite_config(s, &path, false) {
        Ok(()) => {
            server_log!(Warning, "CONFIG REWRITE executed with success.");
            c.add_reply_ok();
        }
        Err(e) => {
            server_log!(Warning, "CONFIG REWRITE failed: {}", e);
            c.add_reply_error(&format!("Rewriting config file: {}", e));
        }
    }
}

/// CONFIG REWRITE with the server's own lines: the users, unless an ACL
/// file keeps them (then old `user` lines are dropped). Redis:
/// rewriteConfig's rewriteConfigUserOption.
pub fn rewrite_config(s: &Server, path: &std::path::Path, force_all: bool) -> Result<(), String> {
    let mut users = Vec::new();
    if s.config.aclfile.is_empty() {
        for (id, _) in s.acl.iter() {
            users
                .push(String::from_utf8_lossy(&crate::acl::acl_cmd::user_line(s, id)).into_owned());
        }
    }
    s.config.rewrite_with(path, force_all, &[("user", users)])
}

fn config_help_command(_s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    c.add_reply_help(
        &argv[0],
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    );
}

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("config|get", config_get_command),
    ("config|set", config_set_command),
    ("config|resetstat", config_resetstat_command),
    ("config|rewrite", config_rewrite_command),
    ("config|help", config_help_command),
];
