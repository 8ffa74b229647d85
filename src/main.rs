//! oxidis-server. Redis counterpart: server.c main() — argument handling,
//! configuration loading, the start-up log lines, then the event loop.

use oxidis::config::{self, Config};
use oxidis::log;
use oxidis::server::{self, REDIS_VERSION};
use oxidis::server_log;
use oxidis_sys as sys;

#[global_allocator]
static GLOBAL: sys::CountingAlloc = sys::CountingAlloc;

fn version_line() -> String {
    format!(
        "Redis server v={} sha=00000000:0 malloc=libc bits=64 build=oxidis-{}",
        REDIS_VERSION,
        env!("CARGO_PKG_VERSION")
    )
}

fn usage() -> ! {
    eprintln!(
        "Usage: ./oxidis-server [/path/to/redis.conf] [options] [-]\n       \
         ./oxidis-server - (read config from stdin)\n       \
         ./oxidis-server -v or --version\n       \
         ./oxidis-server -h or --help\n\n\
         Examples:\n       \
         ./oxidis-server (run the server with default conf)\n       \
         ./oxidis-server /etc/redis/6379.conf\n       \
         ./oxidis-server --port 7777\n       \
         ./oxidis-server /etc/myredis.conf --loglevel verbose -\n       \
         ./oxidis-server /etc/myredis.conf --loglevel verbose\n"
    );
    std::process::exit(1);
}

fn main() {
    // Redis: spt_init, first thing in main and before any thread exists: it
    // moves argv and the environment out of the memory the title reuses.
    sys::spt_init();
    let argv: Vec<String> = std::env::args().collect();
    // The process that stands for a background save (rdb/child.rs).
    if argv.len() == 3 && argv[1] == oxidis::rdb::child::HANDLE_ARG {
        oxidis::rdb::child::run_handle(&argv[2]);
    }
    let exe = argv
        .first()
        .cloned()
        .unwrap_or_else(|| "oxidis-server".into());

    // -v/--version and -h/--help are only recognised as the first argument,
    // as in Redis; everything else is configuration.
    if argv.len() >= 2 {
        let mut opts = getopts::Options::new();
        opts.optflag("v", "version", "print the version and exit");
        opts.optflag("h", "help", "print usage and exit");
        opts.optflag("", "test-memory", "not supported");
        if let Ok(m) = opts.parse(&argv[1..2]) {
            if m.opt_present("v") {
                println!("{}", version_line());
                return;
            }
            if m.opt_present("h") {
                usage();
            }
            if m.opt_present("test-memory") {
                eprintln!("memory test is not supported by oxidis");
                std::process::exit(1);
            }
        }
    }

    let mut conf = Config::default();
    let sa = config::parse_server_args(&argv[1..]);
    let mut stdin_text = None;
    if sa.config_from_stdin {
        use std::io::Read;
        let mut s = String::new();
        let _ = std::io::stdin().read_to_string(&mut s);
        stdin_text = Some(s);
    }
    if let Err(e) = conf.load_server_config(
        sa.config_file.as_deref(),
        stdin_text.as_deref(),
        &sa.options,
    ) {
        eprint!("{}", e);
        std::process::exit(1);
    }
    let config_file = sa.config_file.as_ref().map(|p| p.display().to_string());
    conf.exec_argv = argv.clone();

    log::configure(conf.loglevel.into(), &conf.logfile);
    // Redis: redisIsSupervised, then daemonize before anything else starts.
    let supervised = server::supervised::detect(conf.supervised);
    let background = conf.daemonize && supervised == server::supervised::SupervisedMode::None;
    if background {
        sys::daemonize();
    }
    sys::install_signal_handlers(&conf.logfile);
    server_log!(Warning, "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo");
    server_log!(
        Warning,
        "Redis version={}, bits=64, commit=00000000, modified=0, pid={}, just started",
        REDIS_VERSION,
        sys::getpid()
    );
    if argv.len() == 1 {
        server_log!(
            Warning,
            "Warning: no config file specified, using the default config. In order to specify a config file use {} /path/to/redis.conf",
            exe
        );
    } else {
        server_log!(Warning, "Configuration loaded");
    }
    let want = conf.maxclients as u64 + 32;
    let got = sys::raise_nofile_limit(want);
    if got < want && got > 32 {
        server_log!(
            Warning,
            "You requested maxclients of {} requiring at least {} max file descriptors.",
            conf.maxclients,
            want
        );
        conf.maxclients = (got - 32) as u32;
    }

    let show_logo = conf.always_show_logo || (conf.logfile.is_empty() && sys::isatty_stdout());
    let port = conf.port;
    let (mut srv, mut el) = match server::init::init_server(conf, exe, config_file) {
        Ok(x) => x,
        Err(msg) => {
            server_log!(Warning, "{}", msg);
            std::process::exit(1);
        }
    };
    srv.supervised_mode = supervised;
    // Redis: setupSignalHandlers (the fatal-signal half) — `srv` stays here
    // until the process exits.
    oxidis::crash::setup(&mut srv);
    // Redis: createPidFile, when daemonized or asked for.
    let pidfile = srv.config.pidfile.clone().filter(|p| !p.is_empty());
    if background || pidfile.is_some() {
        let path = pidfile.unwrap_or_else(|| server::supervised::DEFAULT_PID_FILE.to_string());
        server::supervised::create_pid_file(&path);
        srv.config.pidfile = Some(path);
    }
    if srv.config.set_proc_title {
        let _ = server::proctitle::redis_set_proc_title(&srv.config);
    }
    if show_logo {
        log::log_raw(
            log::Level::Notice,
            &log::logo(REDIS_VERSION, "standalone", port, sys::getpid()),
        );
    } else {
        server_log!(Notice, "Running mode=standalone, port={}.", port);
    }
    server_log!(Warning, "Server initialized");
    // Redis: moduleLoadFromQueue, then ACLLoadUsersAtStartup.
    server::module_cmd::load_from_config(&srv);
    let users: Vec<config::Directive> = srv
        .config
        .deferred
        .iter()
        .filter(|d| d.args.first().map(|a| a.as_slice()) == Some(b"user".as_slice()))
        .cloned()
        .collect();
    let users: Vec<&config::Directive> = users.iter().collect();
    if let Err(msg) = oxidis::acl::file::load_users_at_startup(&mut srv, &users) {
        server_log!(Warning, "{}", msg);
        std::process::exit(1);
    }
    // Redis: aofLoadManifestFromDisk, loadDataFromDisk (the AOF when it is
    // on, else the RDB), aofOpenIfNeededOnServerStart, aofDelHistoryFiles.
    oxidis::aof::load_manifest_from_disk(&mut srv);
    if srv.aof.is_on() {
        oxidis::aof::load::load_data_from_disk(&mut srv, &mut |s| {
            el.process_events_while_blocked(s)
        });
    } else {
        oxidis::rdb::load::load_data_from_disk(&mut srv, &mut |s| {
            el.process_events_while_blocked(s)
        });
    }
    oxidis::aof::open_if_needed_on_server_start(&mut srv);
    let _ = oxidis::aof::del_history_files(&mut srv);
    server_log!(Notice, "Ready to accept connections");
    if srv.supervised_mode == server::supervised::SupervisedMode::Systemd {
        let status = if srv.config.masterhost.is_none() {
            "STATUS=Ready to accept connections\n"
        } else {
            "STATUS=Ready to accept connections in read-only mode. Waiting for MASTER <-> REPLICA sync\n"
        };
        server::supervised::notify_systemd(status);
        server::supervised::notify_systemd("READY=1\n");
    }
    let _ = server::oom_score::update(&mut srv);
    let hz = srv.config.hz.clamp(1, 500) as i64;
    el.create_time_event(1000 / hz, |s| s.server_cron());
    el.run(&mut srv);
    std::process::exit(srv.exit_code.unwrap_or(0));
}
