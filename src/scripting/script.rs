//! Running scripts. Redis counterpart: script.c — the run context, the checks
//! made before a script starts (`scriptPrepareForRun`) and before each command
//! it calls (`scriptCall`), SCRIPT KILL, and the interrupt that keeps the
//! server answering while a script is too slow (`scriptInterrupt`).
//!
//! Slow scripts. The server has one thread, and a script runs on it until it
//! returns. Past `busy-reply-threshold` ms, Lua's count hook (lua.rs) calls
//! `interrupt` every 100,000 instructions; that runs a restricted event-loop
//! pass (`process_events_while_blocked`): accept new connections, read every
//! client's socket and run what it sent, write pending replies, free closed
//! clients. `process_command` answers -BUSY to every command not flagged
//! allow-busy, so only SCRIPT KILL, SHUTDOWN NOSAVE, AUTH, HELLO, MULTI and a
//! few others get through. The calling client is lent out of the client table
//! while its command runs (`networking::clients`), so the pass never touches
//! it — Redis's `protectClient`. mio is edge-triggered, and
//! the pass reads sockets whether or not the poller reported them: an event
//! the poller reports later for drained data is a spurious wake-up, which the
//! read path already tolerates.

use mlua::{Lua, MultiValue, Value};

use super::convert;
use crate::networking::{self, Client};
use crate::server::command::{CMD_DENYOOM, CMD_MAY_REPLICATE, CMD_NOSCRIPT, CMD_STALE, CMD_WRITE};
use crate::server::Server;

// Script flags (script.h SCRIPT_FLAG_*), from the shebang line.
pub const SCRIPT_FLAG_NO_WRITES: u64 = 1 << 0;
pub const SCRIPT_FLAG_ALLOW_OOM: u64 = 1 << 1;
pub const SCRIPT_FLAG_ALLOW_STALE: u64 = 1 << 2;
pub const SCRIPT_FLAG_NO_CLUSTER: u64 = 1 << 3;
pub const SCRIPT_FLAG_EVAL_COMPAT_MODE: u64 = 1 << 4;
pub const SCRIPT_FLAG_ALLOW_CROSS_SLOT: u64 = 1 << 5;

pub const SCRIPT_FLAGS_DEF: &[(u64, &str)] = &[
    (SCRIPT_FLAG_NO_WRITES, "no-writes"),
    (SCRIPT_FLAG_ALLOW_OOM, "allow-oom"),
    (SCRIPT_FLAG_ALLOW_STALE, "allow-stale"),
    (SCRIPT_FLAG_NO_CLUSTER, "no-cluster"),
    (SCRIPT_FLAG_ALLOW_CROSS_SLOT, "allow-cross-slot-keys"),
];

// Run-context flags (script.h SCRIPT_*).
pub const SCRIPT_WRITE_DIRTY: u32 = 1 << 0;
pub const SCRIPT_TIMEDOUT: u32 = 1 << 3;
pub const SCRIPT_KILLED: u32 = 1 << 4;
pub const SCRIPT_READ_ONLY: u32 = 1 << 5;
pub const SCRIPT_ALLOW_OOM: u32 = 1 << 6;
pub const SCRIPT_EVAL_MODE: u32 = 1 << 7;

pub use crate::replication::{PROPAGATE_AOF, PROPAGATE_REPL};

pub const SLOW_EVAL_ERR: &str =
    "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
pub const SLOW_SCRIPT_ERR: &str =
    "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";

/// The state of the script in execution. Redis: `scriptRunCtx` (the parts
/// other clients see: SCRIPT KILL, the BUSY check, INFO).
pub struct RunState {
    pub funcname: String,
    pub start: std::time::Instant,
    pub flags: u32,
    pub repl_flags: u8, // PROPAGATE_AOF | PROPAGATE_REPL, set by redis.set_repl
    pub caller_master: bool, // the caller is our master: never killable
    pub argv: Vec<Vec<u8>>, // the FCALL that runs (FUNCTION STATS)
}

/// What the Lua callbacks of one invocation borrow.
pub struct RunCtx<'a> {
    pub s: &'a mut Server,
    pub fake: Box<Client>,
}

/// Redis: scriptFlagsToCmdFlags — a script that declared flags replaces the
/// command's write / deny-oom / stale flags with what it declared.
pub fn script_flags_to_cmd_flags(mut cmd_flags: u64, script_flags: u64) -> u64 {
    cmd_flags &= !(CMD_STALE | CMD_DENYOOM | CMD_WRITE);
    if script_flags & (SCRIPT_FLAG_ALLOW_OOM | SCRIPT_FLAG_NO_WRITES) == 0 {
        cmd_flags |= CMD_DENYOOM;
    }
    if script_flags & SCRIPT_FLAG_NO_WRITES == 0 {
        cmd_flags |= CMD_WRITE;
    }
    if script_flags & SCRIPT_FLAG_ALLOW_STALE != 0 {
        cmd_flags |= CMD_STALE;
    }
    cmd_flags & !CMD_MAY_REPLICATE
}

fn running_stale(s: &Server) -> bool {
    crate::replication::replica::link_down(s) && !s.config.replica_serve_stale_data
}

/// Redis: scriptPrepareForRun. On refusal the error is already sent.
pub fn prepare_for_run(
    s: &mut Server,
    caller: &mut Client,
    funcname: &str,
    script_flags: u64,
    ro: bool,
    eval: bool,
) -> bool {
    let obey = caller.must_obey(); // Redis: mustObeyClient
    if script_flags & SCRIPT_FLAG_EVAL_COMPAT_MODE == 0 {
        if running_stale(s) && script_flags & SCRIPT_FLAG_ALLOW_STALE == 0 {
            caller.add_reply_error("-MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and 'allow-stale' flag is not set on the script.");
            return false;
        }
        if script_flags & SCRIPT_FLAG_NO_WRITES == 0 {
            if s.config.masterhost.is_some() && s.config.replica_read_only && !obey {
                caller.add_reply_error(
                    "-READONLY Can not run script with write flag on readonly replica",
                );
                return false;
            }
            if crate::rdb::bgsave::writes_denied_by_disk_error(s) && !obey {
                caller.add_reply_error("-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts.");
                return false;
            }
            if ro {
                caller.add_reply_error(
                    "Can not execute a script with write flag using *_ro command.",
                );
                return false;
            }
            if s.config.masterhost.is_none()
                && s.config.min_replicas_max_lag > 0
                && s.config.min_replicas_to_write > 0
                && {
                    s.refresh_good_slaves();
                    s.repl.good_slaves < s.config.min_replicas_to_write as usize
                }
            {
                caller.add_reply_error("-NOREPLICAS Not enough good replicas to write.");
                return false;
            }
        }
        if s.scripting.pre_command_oom_state
            && s.config.maxmemory > 0
            && script_flags & (SCRIPT_FLAG_ALLOW_OOM | SCRIPT_FLAG_NO_WRITES) == 0
        {
            caller.add_reply_error("-OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'");
            return false;
        }
    } else if running_stale(s) {
        caller.add_reply_error(
            "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
        );
        return false;
    }
    let mut flags = if eval { SCRIPT_EVAL_MODE } else { 0 };
    if ro
        || (script_flags & SCRIPT_FLAG_EVAL_COMPAT_MODE == 0
            && script_flags & SCRIPT_FLAG_NO_WRITES != 0)
    {
        flags |= SCRIPT_READ_ONLY;
    }
    if script_flags & SCRIPT_FLAG_EVAL_COMPAT_MODE == 0 && script_flags & SCRIPT_FLAG_ALLOW_OOM != 0
    {
        flags |= SCRIPT_ALLOW_OOM;
    }
    s.scripting.run = Some(RunState {
        funcname: funcname.to_string(),
        start: std::time::Instant::now(),
        flags,
        repl_flags: 3,
        caller_master: obey,
        argv: Vec::new(),
    });
    true
}

/// Redis: scriptResetRun.
pub fn reset_run(s: &mut Server, caller: &mut Client) {
    s.scripting.run = None;
    crate::replication::prevent_propagation(caller);
    // Redis: queueClientForReprocessing(server.master) — what the master sent
    // during the script waits in its query buffer.
    if let Some((_, slot)) = s.repl.link.client {
        s.repl.reprocess_master = Some(slot);
    }
}

/// Looks a command up as processCommand does (container + subcommand).
pub fn lookup(s: &Server, argv: &[Vec<u8>]) -> Option<usize> {
    let top = s.commands.lookup_top(argv.first()?)?;
    let t = s.commands.get(top);
    if argv.len() == 1 || t.subcommands.is_empty() {
        Some(top)
    } else {
        s.commands.lookup_sub(top, &argv[1])
    }
}

/// redis.call (`raise`) and redis.pcall: runs the command and converts its
/// reply; redis.call raises an error reply instead of returning it. Redis:
/// luaRedisGenericCommand.
pub fn redis_call(
    lua: &Lua,
    ctx: &mut RunCtx,
    args: MultiValue,
    raise: bool,
) -> mlua::Result<Value> {
    let fail = |msg: &str, ignore_stats: bool| -> mlua::Result<Value> {
        if raise {
            return Err(mlua::Error::external(super::lua::ScriptError {
                msg: super::lua::error_table(lua, msg)?.raw_get::<String>("err")?,
                ignore_stats,
            }));
        }
        let t = super::lua::error_table(lua, msg)?;
        if ignore_stats {
            t.raw_set("ignore_error_stats_update", true)?;
        }
        Ok(Value::Table(t))
    };
    if args.is_empty() {
        return fail(
            "Please specify at least one argument for this redis lib call",
            false,
        );
    }
    let argv: Option<Vec<Vec<u8>>> = args.iter().map(convert::lua_arg_to_bytes).collect();
    let Some(argv) = argv else {
        return fail(
            "Lua redis lib command arguments must be strings or integers",
            false,
        );
    };
    if let Err(e) = script_call(ctx.s, &mut ctx.fake, &argv) {
        return fail(&e, true);
    }
    let fake = &mut *ctx.fake;
    let mut reply = std::mem::take(&mut fake.buf);
    while let Some(block) = fake.reply.pop_front() {
        reply.extend_from_slice(&block);
    }
    fake.reply_bytes = 0;
    if raise && reply.first() == Some(&b'-') {
        let end = memchr::memchr(b'\r', &reply).unwrap_or(reply.len());
        let msg = String::from_utf8_lossy(&reply[1..end]).into_owned();
        reply.clear();
        fake.buf = reply;
        return Err(mlua::Error::external(super::lua::ScriptError {
            msg,
            ignore_stats: true,
        }));
    }
    let mut pos = 0;
    let v = if reply.is_empty() {
        Value::Nil
    } else {
        convert::resp_to_lua(lua, &reply, &mut pos)?
    };
    reply.clear();
    fake.buf = reply;
    Ok(v)
}

/// Counts an error the script layer refused a command with, as
/// afterErrorReply + incrCommandStatsOnError(REJECTED) do.
fn reject(s: &mut Server, fake: &mut Client, idx: Option<usize>, err: &str) -> Result<(), String> {
    let full = if err.starts_with('-') {
        err.to_string()
    } else {
        format!("-ERR {}", err)
    };
    let code = full[1..].split(' ').next().unwrap_or("ERR").to_string();
    fake.err_prefixes.push(code);
    s.account_errors(fake);
    if let Some(i) = idx {
        s.cmd_stats[i].rejected_calls += 1;
    }
    Err(err.to_string())
}

/// Runs one command for the script. Redis: scriptCall and its
/// scriptVerify* checks.
pub fn script_call(s: &mut Server, fake: &mut Client, argv: &[Vec<u8>]) -> Result<(), String> {
    let Some(idx) = lookup(s, argv) else {
        return reject(s, fake, None, "Unknown Redis command called from script");
    };
    let cmd = s.commands.get(idx);
    let arity = cmd.arity();
    if (arity > 0 && arity as usize != argv.len()) || (argv.len() as i64) < -(arity as i64) {
        return reject(
            s,
            fake,
            Some(idx),
            "Wrong number of args calling Redis command from script",
        );
    }
    let flags = cmd.flags();
    if flags & CMD_NOSCRIPT != 0 && !s.scripting.disable_deny_script {
        return reject(
            s,
            fake,
            Some(idx),
            "This Redis command is not allowed from script",
        );
    }
    if running_stale(s) && flags & CMD_STALE == 0 {
        return reject(
            s,
            fake,
            Some(idx),
            "Can not execute the command on a stale replica",
        );
    }
    // Redis: scriptVerifyACL — the script runs as its caller's user.
    if let Err(d) = crate::acl::check_command(s, fake.user, idx, argv) {
        let _ =
            crate::acl::acl_cmd::denial_error(s, fake, idx, argv, d, crate::acl::log::Context::Lua);
        let what = match d {
            crate::acl::Denied::Cmd => "can't run this command or subcommand",
            crate::acl::Denied::Key(_) => {
                "can't access at least one of the keys mentioned in the command arguments"
            }
            crate::acl::Denied::Channel(_) => {
                "can't publish to the channel mentioned in the command"
            }
        };
        return reject(
            s,
            fake,
            Some(idx),
            &format!("The user executing the script {}", what),
        );
    }
    let (run_flags, caller_master) = match s.scripting.run.as_ref() {
        Some(r) => (r.flags, r.caller_master),
        None => (0, false),
    };
    if run_flags & SCRIPT_READ_ONLY != 0 && flags & (CMD_WRITE | CMD_MAY_REPLICATE) != 0 {
        return reject(
            s,
            fake,
            Some(idx),
            "Write commands are not allowed from read-only scripts.",
        );
    }
    if flags & CMD_WRITE != 0 && run_flags & SCRIPT_WRITE_DIRTY == 0 {
        if s.config.masterhost.is_some() && s.config.replica_read_only && !caller_master {
            return reject(
                s,
                fake,
                Some(idx),
                "-READONLY You can't write against a read only replica.",
            );
        }
        if crate::rdb::bgsave::writes_denied_by_disk_error(s) {
            return reject(s, fake, Some(idx), crate::rdb::bgsave::MISCONF_ERR);
        }
        if s.config.masterhost.is_none()
            && s.config.min_replicas_max_lag > 0
            && s.config.min_replicas_to_write > 0
            && {
                s.refresh_good_slaves();
                s.repl.good_slaves < s.config.min_replicas_to_write as usize
            }
        {
            return reject(
                s,
                fake,
                Some(idx),
                "-NOREPLICAS Not enough good replicas to write.",
            );
        }
    }
    if run_flags & SCRIPT_ALLOW_OOM == 0
        && s.config.maxmemory > 0
        && !caller_master
        && run_flags & SCRIPT_WRITE_DIRTY == 0
        && s.scripting.pre_command_oom_state
        && flags & CMD_DENYOOM != 0
    {
        return reject(
            s,
            fake,
            Some(idx),
            "-OOM command not allowed when used memory > 'maxmemory'.",
        );
    }
    if flags & CMD_WRITE != 0 {
        if let Some(r) = s.scripting.run.as_mut() {
            r.flags |= SCRIPT_WRITE_DIRTY;
        }
    }
    fake.cmd = Some(idx);
    fake.lastcmd = Some(idx);
    let queued = s.repl.also_propagate.len();
    s.call(fake, idx, argv);
    // Redis: the script's redis.set_repl target goes with what the command
    // queued for propagation.
    let repl = s.scripting.run.as_ref().map(|r| r.repl_flags).unwrap_or(3);
    if repl != PROPAGATE_AOF | PROPAGATE_REPL {
        for op in &mut s.repl.also_propagate[queued..] {
            op.target &= repl;
        }
        let mut i = queued;
        while i < s.repl.also_propagate.len() {
            if s.repl.also_propagate[i].target == 0 {
                s.repl.also_propagate.remove(i);
            } else {
                i += 1;
            }
        }
    }
    Ok(())
}

/// True while a script runs past the busy threshold (other clients get
/// -BUSY). Redis: scriptIsTimedout.
pub fn is_timedout(s: &Server) -> bool {
    s.scripting
        .run
        .as_ref()
        .is_some_and(|r| r.flags & SCRIPT_TIMEDOUT != 0)
}

/// The -BUSY reply for the script in execution.
pub fn busy_error(s: &Server) -> &'static str {
    match s.scripting.run.as_ref() {
        Some(r) if r.flags & SCRIPT_EVAL_MODE == 0 => SLOW_SCRIPT_ERR,
        _ => SLOW_EVAL_ERR,
    }
}

/// Called from the Lua hook once the script is past the threshold; serves
/// other clients and tells whether the script was killed. Redis:
/// scriptInterrupt.
pub fn interrupt(s: &mut Server) -> bool {
    let Some(r) = s.scripting.run.as_mut() else {
        return false;
    };
    if r.flags & SCRIPT_TIMEDOUT == 0 {
        r.flags |= SCRIPT_TIMEDOUT;
        let elapsed = r.start.elapsed().as_millis();
        let (cmd, name) = (
            if r.flags & SCRIPT_EVAL_MODE != 0 {
                "SCRIPT KILL"
            } else {
                "FUNCTION KILL"
            },
            r.funcname.clone(),
        );
        crate::server_log!(
            Warning,
            "Slow script detected: still in execution after {} milliseconds. You can try killing the script using the {} command. Script name is: {}.",
            elapsed,
            cmd,
            name
        );
    }
    let (t, lru) = (s.cmd_time_ms, s.lruclock);
    process_events_while_blocked(s);
    // The script keeps the time it started with.
    s.cmd_time_ms = t;
    s.lruclock = lru;
    s.scripting
        .run
        .as_ref()
        .is_some_and(|r| r.flags & SCRIPT_KILLED != 0)
}

/// A restricted event-loop pass for a long script (see the header). Redis:
/// processEventsWhileBlocked.
pub fn process_events_while_blocked(s: &mut Server) {
    s.update_cached_time();
    for li in 0..s.listeners.len() {
        networking::accept_on(s, li);
    }
    // The caller, lent out while its script runs, is not among them.
    let slots: Vec<usize> = s.clients.iter().map(|(k, _)| k).collect();
    for slot in slots {
        networking::read_query_from_client(s, slot);
    }
    let list = std::mem::take(&mut s.clients_pending_write);
    let mut keep = Vec::new();
    for slot in list {
        // The caller: its replies go out once its command is over.
        if s.clients.is_lent(slot) {
            keep.push(slot);
            continue;
        }
        if let Some(c) = s.clients.get_mut(slot) {
            c.flags &= !networking::client::CLIENT_PENDING_WRITE;
            networking::write_to_client(s, slot);
        }
    }
    s.clients_pending_write.extend(keep);
    networking::free_clients_in_async_queue(s);
}

/// Redis: scriptKill. `is_eval`: SCRIPT KILL (true) or FUNCTION KILL.
pub fn script_kill(s: &mut Server, c: &mut Client, is_eval: bool) {
    let Some(r) = s.scripting.run.as_mut() else {
        return c.add_reply_error("-NOTBUSY No scripts in execution right now.");
    };
    if r.caller_master {
        return c.add_reply_error("-UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed.");
    }
    if r.flags & SCRIPT_WRITE_DIRTY != 0 {
        return c.add_reply_error("-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.");
    }
    let eval_mode = r.flags & SCRIPT_EVAL_MODE != 0;
    if is_eval && !eval_mode {
        return c.add_reply_error(SLOW_SCRIPT_ERR);
    }
    if !is_eval && eval_mode {
        return c.add_reply_error(SLOW_EVAL_ERR);
    }
    r.flags |= SCRIPT_KILLED;
    c.add_reply_ok();
}
