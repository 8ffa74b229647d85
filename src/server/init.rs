//! Start-up. Redis counterpart: server.c (initServer, listenToPort, main's
//! log lines, createPidFile).

use oxidis_ds::util;

use super::{Listener, Server, Stats};
use crate::ae::EventLoop;
use crate::config::Config;
use crate::db::Db;
use crate::networking::LISTENER_TOKEN_BASE;
use crate::server_log;

/// Every command handler table, gathered once (Redis: redisCommandTable).
pub fn handler_tables() -> Vec<&'static [(&'static str, super::command::CommandProc)]> {
    vec![
        super::misc_cmds::HANDLERS,
        super::info::HANDLERS,
        super::command_cmd::HANDLERS,
        crate::networking::client_cmd::HANDLERS,
        crate::acl::acl_cmd::HANDLERS,
        super::module_cmd::HANDLERS,
        crate::keyspace::HANDLERS,
        crate::expire::HANDLERS,
        crate::t_string::HANDLERS,
        crate::t_set::HANDLERS,
        crate::t_hash::HANDLERS,
        crate::memory_cmd::HANDLERS,
        crate::config_cmd::HANDLERS,
        crate::debug::HANDLERS,
        crate::multi::HANDLERS,
        crate::rdb::bgsave::HANDLERS,
        crate::aof::rewrite::HANDLERS,
        crate::rdb::dump::HANDLERS,
        crate::rdb::migrate::HANDLERS,
        crate::pubsub::HANDLERS,
        crate::slowlog::HANDLERS,
        crate::latency::HANDLERS,
        crate::t_list::HANDLERS,
        crate::t_zset::HANDLERS,
        crate::t_stream::HANDLERS,
        crate::geo::HANDLERS,
        crate::blocked::HANDLERS,
        crate::replication::master::HANDLERS,
        crate::replication::replica::HANDLERS,
        crate::replication::wait::HANDLERS,
        crate::replication::failover::HANDLERS,
        crate::sort::HANDLERS,
        crate::hyperloglog::HANDLERS,
        crate::scripting::HANDLERS,
        crate::scripting::functions::HANDLERS,
    ]
}

fn bind_tcp(addr: &str, port: u16, backlog: i32) -> std::io::Result<mio::net::TcpListener> {
    let host = match addr {
        "*" => "0.0.0.0",
        "::*" => "::",
        a => a,
    };
    let sa: std::net::SocketAddr = if host.contains(':') {
        format!("[{}]:{}", host, port)
    } else {
        format!("{}:{}", host, port)
    }
    .parse()
    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{e}")))?;
    Ok(mio::net::TcpListener::from_std(oxidis_sys::tcp_listen(
        sa, backlog,
    )?))
}

/// Redis: listenToPort. Returns Err(()) after logging when a mandatory
/// address cannot be bound.
fn listen_to_port(
    port: u16,
    binds: &[String],
    backlog: i32,
    out: &mut Vec<Listener>,
) -> Result<(), ()> {
    for b in binds {
        let optional = b.starts_with('-');
        let addr = b.trim_start_matches('-');
        match bind_tcp(addr, port, backlog) {
            Ok(l) => out.push(Listener::Tcp(l)),
            Err(e) => {
                let msg = match e.raw_os_error() {
                    Some(libc::EADDRINUSE) => "bind: Address already in use".to_string(),
                    Some(libc::EADDRNOTAVAIL) => {
                        "bind: Cannot assign requested address".to_string()
                    }
                    _ => format!("bind: {}", e),
                };
                server_log!(
                    Warning,
                    "Warning: Could not create server TCP listening socket {}:{}: {}",
                    addr,
                    port,
                    msg
                );
                let errno = e.raw_os_error().unwrap_or(0);
                if errno == libc::EADDRNOTAVAIL && optional {
                    continue;
                }
                if [
                    libc::ENOPROTOOPT,
                    libc::EPROTONOSUPPORT,
                    libc::ESOCKTNOSUPPORT,
                    libc::EPFNOSUPPORT,
                    libc::EAFNOSUPPORT,
                ]
                .contains(&errno)
                {
                    continue;
                }
                out.clear();
                return Err(());
            }
        }
    }
    Ok(())
}

/// Opens the TCP and unix listeners for the configured port/bind/unixsocket.
pub fn open_listeners(config: &Config) -> Result<Vec<Listener>, String> {
    let mut listeners = Vec::new();
    if config.port != 0
        && listen_to_port(
            config.port,
            &config.bind,
            config.tcp_backlog,
            &mut listeners,
        )
        .is_err()
    {
        return Err(format!(
            "Failed listening on port {} (TCP), aborting.",
            config.port
        ));
    }
    if let Some(path) = config.unixsocket.as_ref().filter(|p| !p.is_empty()) {
        let _ = std::fs::remove_file(path);
        match mio::net::UnixListener::bind(path) {
            Ok(l) => {
                use std::os::unix::fs::PermissionsExt;
                if config.unixsocketperm != 0 {
                    let _ = std::fs::set_permissions(
                        path,
                        std::fs::Permissions::from_mode(config.unixsocketperm),
                    );
                }
                listeners.push(Listener::Unix(l, path.into()));
            }
            Err(e) => return Err(format!("Failed opening Unix socket: {}", e)),
        }
    }
    if listeners.is_empty() {
        return Err("Configured to not listen anywhere, exiting.".to_string());
    }
    Ok(listeners)
}

/// Registers listeners with the poller, each under its own token.
pub fn register_listeners(s: &mut Server) -> std::io::Result<()> {
    for (i, l) in s.listeners.iter_mut().enumerate() {
        let tok = mio::Token(LISTENER_TOKEN_BASE + i);
        match l {
            Listener::Tcp(t) => s.registry.register(t, tok, mio::Interest::READABLE)?,
            Listener::Unix(u, _) => s.registry.register(u, tok, mio::Interest::READABLE)?,
        }
    }
    Ok(())
}

/// `path` made absolute against the working directory, each leading `../`
/// taking one directory off it; INFO's `executable`. Redis: getAbsolutePath.
pub fn absolute_path(path: &str) -> String {
    let mut rel = path.trim_matches(|c| matches!(c, ' ' | '\r' | '\n' | '\t'));
    if rel.starts_with('/') {
        return rel.to_string();
    }
    let Ok(cwd) = std::env::current_dir() else {
        return rel.to_string();
    };
    let mut abs = cwd.to_string_lossy().into_owned();
    if !abs.ends_with('/') {
        abs.push('/');
    }
    while let Some(rest) = rel.strip_prefix("../") {
        rel = rest;
        if abs.len() > 1 {
            let cut = abs[..abs.len() - 1].rfind('/').map_or(0, |i| i + 1);
            abs.truncate(cut);
        }
    }
    abs.push_str(rel);
    abs
}

/// Redis: initServer. Builds the server and its event loop.
pub fn init_server(
    config: Config,
    executable: String,
    config_file: Option<String>,
) -> Result<(Server, EventLoop), String> {
    oxidis_ds::siphash::set_hash_seed(oxidis_ds::siphash::gen_hash_seed());
    let el = EventLoop::new(config.maxclients as usize + 128)
        .map_err(|e| format!("Failed creating the event loop. Error message: '{}'", e))?;
    let registry = el.poll.registry().try_clone().map_err(|e| e.to_string())?;
    let mut commands = super::command::CommandTable::build(&handler_tables());
    for d in config.deferred.iter() {
        if d.args.first().map(|a| a.as_slice()) == Some(b"rename-command".as_slice())
            && d.args.len() == 3
        {
            if let Err(msg) = commands.rename(&d.args[1], &d.args[2]) {
                let e = crate::config::ConfigFileError {
                    line_no: d.line_no,
                    line: d.line.clone(),
                    msg: msg.to_string(),
                    header: true,
                };
                // Redis reports it like any other config file error and exits.
                eprint!("{}", e);
                std::process::exit(1);
            }
        }
    }
    let ncmds = commands.len();
    let mut acl = crate::acl::AclState::new(&commands);
    acl.set_default_password(&commands, config.requirepass.as_deref());
    let users: Vec<&crate::config::Directive> = config
        .deferred
        .iter()
        .filter(|d| d.args.first().map(|a| a.as_slice()) == Some(b"user".as_slice()))
        .collect();
    let ctx = crate::acl::RuleCtx {
        cmds: &commands,
        pubsub_allchannels: config.acl_pubsub_default
            == crate::config::AclPubsubDefault::AllChannels,
    };
    if let Err((i, msg)) = crate::acl::file::validate_config_users(ctx, &users) {
        let e = crate::config::ConfigFileError {
            line_no: users[i].line_no,
            line: users[i].line.clone(),
            msg,
            header: true,
        };
        eprint!("{}", e);
        std::process::exit(1);
    }
    let listeners = open_listeners(&config)?;
    let now = util::mstime();
    let dbs = (0..config.databases.max(1) as usize).map(Db::new).collect();
    let mut s = Server {
        hz: config.hz,
        port: config.port,
        bind_addrs: config.bind.clone(),
        config,
        dbs,
        clients: Default::default(),
        commands,
        cmd_stats: vec![Default::default(); ncmds],
        stats: Stats::default(),
        registry,
        listeners,
        next_client_id: 1,
        clients_pending_write: Vec::new(),
        clients_pending_read: Vec::new(),
        clients_to_close: Vec::new(),
        dirty: 0,
        lastsave: now / 1000,
        start_time_ms: now,
        cronloops: 0,
        run_id: util::get_random_hex_chars(40),
        replid: util::get_random_hex_chars(40),
        replid2: "0".repeat(40),
        executable: absolute_path(&executable),
        config_file,
        shutdown_asap: false,
        shutdown_flags: 0,
        shutdown_mstime: 0,
        supervised_mode: Default::default(),
        oom: Default::default(),
        exit_code: None,
        active_expire_enabled: true,
        pause_cron: false,
        lruclock: crate::object::lru_clock(now),
        cmd_time_ms: now,
        batch_clock_us: None,
        call_end_us: None,
        loading: false,
        skip_checksum_validation: false,
        pid: oxidis_sys::getpid(),
        timelimit_exit: false,
        last_expire_cycle_fast_start: 0,
        expire_cycle_db: 0,
        blocked_clients: 0,
        used_memory_startup: oxidis_sys::used_memory(),
        latency_hists: vec![Default::default(); ncmds],
        watch: Default::default(),
        in_exec: false,
        blocking: Default::default(),
        readbuf: vec![0; crate::networking::client::PROTO_IOBUF_LEN],
        prefetch_scratch: Vec::new(),
        rdb: Default::default(),
        aof: Default::default(),
        pubsub: Default::default(),
        monitors: Vec::new(),
        slowlog: Default::default(),
        latency: Default::default(),
        pause: Default::default(),
        repl: Default::default(),
        scripting: Default::default(),
        acl,
    };
    register_listeners(&mut s).map_err(|e| e.to_string())?;
    // The BGSAVE writer thread wakes the loop through this (rdb/bgsave.rs).
    let waker = mio::Waker::new(&s.registry, crate::rdb::WAKER_TOKEN).map_err(|e| e.to_string())?;
    let waker = std::sync::Arc::new(waker);
    s.rdb.waker = Some(waker.clone());
    // The AOF's bio thread wakes the loop when an fsync ends (aof/bio.rs).
    s.aof.waker = Some(waker);
    if s.config.appendonly {
        s.aof.status = crate::aof::AofStatus::On;
    }
    // `replicaof` in the configuration: the replication cron connects.
    if s.config.masterhost.is_some() {
        s.repl.link.state = crate::replication::replica::LinkState::Connect;
        crate::log::set_role('S');
    }
    Ok((s, el))
}

#[cfg(test)]
mod tests {
    use super::absolute_path;

    #[test]
    fn absolute_path_joins_the_working_directory() {
        let cwd = std::env::current_dir().unwrap();
        let cwd = cwd.to_string_lossy();
        let parent = &cwd[..cwd.rfind('/').unwrap()];
        assert_eq!(absolute_path("/usr/bin/x"), "/usr/bin/x");
        assert_eq!(absolute_path(" bin/x\n"), format!("{cwd}/bin/x"));
        assert_eq!(absolute_path("../x"), format!("{parent}/x"));
        // Redis leaves "./" as it is.
        assert_eq!(absolute_path("./x"), format!("{cwd}/./x"));
    }
}
