//! The Lua engine. Redis counterpart: script_lua.c (the `redis` API, the
//! error handler, `luaCallFunction`, the count hook) and the library loading
//! of eval.c (`scriptingInit`).
//!
//! The VM is stock Lua 5.1 through `mlua` (vendored), as Redis embeds 5.1.
//! Divergences:
//! - Globals protection is built from proxies in `sandbox.lua` rather than
//!   Redis's patched read-only tables; the error texts are Redis's.
//! - The `debug` library is not loaded (mlua's safe mode refuses it); the
//!   error handler that needs it is a Rust function using `inspect_stack`.
//! - `redis.call` and friends reach the server through functions created in
//!   an `mlua` scope for the duration of one invocation, so they can borrow
//!   the server without `unsafe` or `Rc<RefCell>` in the server itself; the
//!   count hook (which must be `'static`) reaches the server through one of
//!   them, kept in the Lua registry while the script runs.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Instant;

use mlua::{
    Function, HookTriggers, Lua, LuaOptions, MultiValue, StdLib, Table, Value, Variadic, VmState,
};

use super::convert;
use super::script::{self, RunCtx};
use crate::networking::Client;
use crate::server::Server;

const SANDBOX: &str = include_str!("sandbox.lua");
const BUSY_FN: &str = "oxidis_busy_check";
/// The count hook fires every this many VM instructions (Redis: 100000).
const HOOK_INSTRUCTIONS: u32 = 100_000;

/// An error raised from Rust with its Redis error code already in place
/// ("ERR ...", "BUSY ..."); the error handler takes it as it is.
/// `ignore_stats`: the error was already counted by the command that
/// replied it (Redis's `ignore_error_stats_update` field).
#[derive(Debug)]
pub struct ScriptError {
    pub msg: String,
    pub ignore_stats: bool,
}
impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.msg)
    }
}
impl std::error::Error for ScriptError {}

/// One Lua interpreter with the Redis API loaded. Redis: `lctx.lua`.
pub struct Engine {
    pub lua: Lua,
    pub env: Table,        // what scripts see as their globals (read-only proxy)
    pub globals: Table,    // the table behind `env`: KEYS and ARGV go here
    redis: Table,          // the real `redis` table (per-invocation functions go here)
    outside: Table,        // those functions' versions for outside an invocation
    pub load_redis: Table, // the `redis` table of FUNCTION LOAD
    pub set_load_mode: Function,
    fcall: Function,
    xpcall: Function,
    handler: Function,
    pub rand: Rc<Cell<u64>>, // redisLrand48 state, 48 bits
}

/// Builds an error table `{err = msg}`; `msg` that starts with '-' carries
/// its own code, any other message gets "ERR ". Redis: luaPushErrorBuff.
pub fn error_table(lua: &Lua, msg: &str) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("err", coded(msg))?;
    Ok(t)
}

/// The code-prefixed text of an error table message (see `error_table`).
fn coded(msg: &str) -> String {
    if let Some(rest) = msg.strip_prefix('-') {
        match rest.find(' ') {
            Some(i) => format!(
                "{} {}",
                &rest[..i],
                rest[i + 1..].trim_matches(['\r', '\n'])
            ),
            None => format!("ERR {}", rest.trim_matches(['\r', '\n'])),
        }
    } else {
        format!("ERR {}", msg.trim_matches(['\r', '\n']))
    }
}

/// Raises a Redis error from a Rust function called by a script. Redis:
/// luaPushError + luaError.
pub fn raise<T>(msg: &str) -> mlua::Result<T> {
    Err(mlua::Error::external(ScriptError {
        msg: coded(msg),
        ignore_stats: false,
    }))
}

/// Functions of the `redis` table that only work inside an invocation; out
/// of one they raise Redis's error.
const RUN_FUNCTIONS: &[(&str, &str)] = &[
    ("call", "redis.call/pcall"),
    ("pcall", "redis.call/pcall"),
    ("setresp", "redis.setresp"),
    ("set_repl", "redis.set_repl"),
    ("acl_check_cmd", "redis.acl_check_cmd"),
];

fn outside_functions(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    for (k, name) in RUN_FUNCTIONS {
        let msg = format!("{} can only be called inside a script invocation", name);
        t.raw_set(
            *k,
            lua.create_function(move |_, _: MultiValue| raise::<()>(&msg))?,
        )?;
    }
    Ok(t)
}

/// Puts the out-of-invocation versions back in the `redis` table.
fn set_outside_functions(outside: &Table, redis: &Table) -> mlua::Result<()> {
    for (k, _) in RUN_FUNCTIONS {
        redis.raw_set(*k, outside.raw_get::<Value>(*k)?)?;
    }
    Ok(())
}

impl Engine {
    /// Redis: scriptingInit / luaRegisterRedisAPI.
    pub fn new() -> mlua::Result<Engine> {
        let lua = Lua::new_with(
            StdLib::TABLE | StdLib::STRING | StdLib::MATH,
            LuaOptions::default(),
        )?;
        let raw = lua.create_table()?;
        let rand = Rc::new(Cell::new(0x1234_ABCD_330Eu64));
        raw.raw_set(
            "sha1hex",
            lua.create_function(|lua, args: Variadic<Value>| {
                if args.len() != 1 {
                    return raise("wrong number of arguments");
                }
                let bytes = convert::lua_arg_to_bytes(&args[0]).unwrap_or_default();
                let hex = oxidis_ds::sha1::hex(&oxidis_ds::sha1::sha1(&bytes));
                Ok(Value::String(lua.create_string(hex)?))
            })?,
        )?;
        raw.raw_set(
            "error_reply",
            lua.create_function(|lua, args: Variadic<Value>| {
                let msg = match (args.len(), args.first()) {
                    (1, Some(Value::String(s))) => s.to_string_lossy(),
                    _ => {
                        return Ok(Value::Table(error_table(
                            lua,
                            "wrong number or type of arguments",
                        )?))
                    }
                };
                let msg = if msg.starts_with('-') {
                    msg
                } else {
                    format!("-{}", msg)
                };
                Ok(Value::Table(error_table(lua, &msg)?))
            })?,
        )?;
        raw.raw_set(
            "status_reply",
            lua.create_function(
                |lua, args: Variadic<Value>| match (args.len(), args.first()) {
                    (1, Some(v @ Value::String(_))) => {
                        let t = lua.create_table()?;
                        t.raw_set("ok", v.clone())?;
                        Ok(Value::Table(t))
                    }
                    _ => Ok(Value::Table(error_table(
                        lua,
                        "wrong number or type of arguments",
                    )?)),
                },
            )?,
        )?;
        raw.raw_set("log", lua.create_function(log_function)?)?;
        let r1 = rand.clone();
        raw.raw_set(
            "random",
            lua.create_function(move |_, args: Variadic<Value>| math_random(&r1, &args))?,
        )?;
        let r2 = rand.clone();
        raw.raw_set(
            "randomseed",
            lua.create_function(move |_, seed: Value| {
                let n = match seed {
                    Value::Integer(i) => i as i32,
                    Value::Number(n) => n as i32,
                    Value::String(s) => s
                        .to_str()
                        .ok()
                        .and_then(|s| s.trim().parse::<f64>().ok())
                        .map(|f| f as i32)
                        .ok_or_else(|| {
                            mlua::Error::runtime(
                                "bad argument #1 to 'randomseed' (number expected)",
                            )
                        })?,
                    _ => {
                        return Err(mlua::Error::runtime(
                            "bad argument #1 to 'randomseed' (number expected, got no value)",
                        ))
                    }
                };
                r2.set(((n as u32 as u64) << 16) | 0x330E);
                Ok(())
            })?,
        )?;
        raw.raw_set(
            "errmsg",
            lua.create_function(|_, v: Value| {
                Ok(match v {
                    Value::Error(e) => Some(error_message(&e).0),
                    _ => None,
                })
            })?,
        )?;
        raw.raw_set("version", crate::server::REDIS_VERSION)?;
        raw.raw_set("version_num", redis_version_num())?;
        let libs = super::libs::load(&lua)?;
        let (env, globals, redis, load_redis, set_load_mode, fcall): (
            Table,
            Table,
            Table,
            Table,
            Function,
            Function,
        ) = lua
            .load(SANDBOX)
            .set_name("=redis_sandbox")
            .call((raw, libs))?;
        let outside = outside_functions(&lua)?;
        set_outside_functions(&outside, &redis)?;
        let xpcall: Function = lua.globals().raw_get("xpcall")?;
        let handler = lua.create_function(error_handler)?;
        Ok(Engine {
            lua,
            env,
            globals,
            redis,
            outside,
            load_redis,
            set_load_mode,
            fcall,
            xpcall,
            handler,
            rand,
        })
    }

    /// Compiles a script body. Redis: the luaL_loadbuffer of luaCreateFunction.
    pub fn compile(&self, body: &[u8]) -> Result<Function, String> {
        self.compile_named(body, "@user_script")
    }

    /// Compiles `body` under the chunk name `name`.
    pub fn compile_named(&self, body: &[u8], name: &str) -> Result<Function, String> {
        if body.first() == Some(&0x1b) {
            // A precompiled chunk: Redis's Lua refuses those.
            return Err("user_script: bad binary format (binary chunks are not allowed)".into());
        }
        self.lua
            .load(body)
            .set_name(name)
            .set_environment(self.env.clone())
            .into_function()
            .map_err(|e| match e {
                mlua::Error::SyntaxError { message, .. } => message,
                e => e.to_string(),
            })
    }

    /// Memory used by the interpreter. Redis: luaMemory.
    pub fn used_memory(&self) -> usize {
        self.lua.used_memory()
    }
}

/// 7.0.15 as Redis's REDIS_VERSION_NUM (0x00MMmmpp).
fn redis_version_num() -> i64 {
    let mut parts = crate::server::REDIS_VERSION
        .split('.')
        .map(|p| p.parse::<i64>().unwrap_or(0));
    let (a, b, c) = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    (a << 16) | (b << 8) | c
}

/// Redis: luaLogCommand.
fn log_function(_: &Lua, args: Variadic<Value>) -> mlua::Result<()> {
    if args.len() < 2 {
        return raise("redis.log() requires two arguments or more.");
    }
    let level = match &args[0] {
        Value::Integer(i) => *i,
        Value::Number(n) => *n as i64,
        Value::String(s) => match s.to_str().ok().and_then(|s| s.trim().parse::<f64>().ok()) {
            Some(f) => f as i64,
            None => return raise("First argument must be a number (log level)."),
        },
        _ => return raise("First argument must be a number (log level)."),
    };
    let level = match level {
        0 => crate::log::Level::Debug,
        1 => crate::log::Level::Verbose,
        2 => crate::log::Level::Notice,
        3 => crate::log::Level::Warning,
        _ => return raise("Invalid debug level."),
    };
    if !crate::log::enabled(level) {
        return Ok(());
    }
    let mut msg = Vec::new();
    for (j, a) in args[1..].iter().enumerate() {
        if let Some(b) = convert::lua_arg_to_bytes(a) {
            if j != 0 {
                msg.push(b' ');
            }
            msg.extend_from_slice(&b);
        }
    }
    crate::log::log(level, &String::from_utf8_lossy(&msg));
    Ok(())
}

/// rand48 step: x = (a*x + c) mod 2^48. Redis: redisLrand48.
fn lrand48(state: &Cell<u64>) -> i32 {
    let x = state.get().wrapping_mul(0x5_DEEC_E66D).wrapping_add(0xB) & 0xFFFF_FFFF_FFFF;
    state.set(x);
    (x >> 17) as i32
}

/// Redis: redis_math_random (Lua's math.random over redisLrand48).
fn math_random(state: &Cell<u64>, args: &[Value]) -> mlua::Result<f64> {
    let r = (lrand48(state) % i32::MAX) as f64 / i32::MAX as f64;
    let int = |v: &Value, n: usize| -> mlua::Result<i64> {
        match v {
            Value::Integer(i) => Ok(*i),
            Value::Number(f) => Ok(*f as i64),
            _ => Err(mlua::Error::runtime(format!(
                "bad argument #{} to 'random' (number expected)",
                n
            ))),
        }
    };
    match args.len() {
        0 => Ok(r),
        1 => {
            let u = int(&args[0], 1)?;
            if u < 1 {
                return Err(mlua::Error::runtime(
                    "bad argument #1 to 'random' (interval is empty)",
                ));
            }
            Ok((r * u as f64).floor() + 1.0)
        }
        2 => {
            let l = int(&args[0], 1)?;
            let u = int(&args[1], 2)?;
            if l > u {
                return Err(mlua::Error::runtime(
                    "bad argument #2 to 'random' (interval is empty)",
                ));
            }
            Ok((r * (u - l + 1) as f64).floor() + l as f64)
        }
        _ => Err(mlua::Error::runtime("wrong number of arguments")),
    }
}

/// The innermost message of an mlua error, and whether it is one of ours
/// (already carrying its Redis error code).
fn error_message(e: &mlua::Error) -> (String, bool) {
    match e {
        mlua::Error::CallbackError { cause, .. } => error_message(cause),
        mlua::Error::RuntimeError(m) => (m.clone(), false),
        mlua::Error::MemoryError(m) => (m.clone(), false),
        e => match e.downcast_ref::<ScriptError>() {
            Some(se) => (se.msg.clone(), true),
            None => (e.to_string(), false),
        },
    }
}

fn script_error(e: &mlua::Error) -> Option<&ScriptError> {
    match e {
        mlua::Error::CallbackError { cause, .. } => script_error(cause),
        e => e.downcast_ref::<ScriptError>(),
    }
}

/// The Redis error text of an error caught outside the error handler
/// (FUNCTION LOAD): ours as it is, Lua's with "ERR ".
pub fn error_text(e: &mlua::Error) -> String {
    let (msg, ours) = error_message(e);
    if ours {
        msg
    } else {
        format!("ERR {}", msg)
    }
}

/// The pcall error handler: turns any error into an error table and records
/// where in the user's script it happened. Redis: `__redis__err__handler`.
fn error_handler(lua: &Lua, err: Value) -> mlua::Result<Table> {
    let t = match err {
        Value::Table(t) => t,
        Value::Error(e) => {
            let (msg, ours) = error_message(&e);
            let t = lua.create_table()?;
            t.raw_set("err", if ours { msg } else { format!("ERR {}", msg) })?;
            if script_error(&e).is_some_and(|se| se.ignore_stats) {
                t.raw_set("ignore_error_stats_update", true)?;
            }
            t
        }
        other => {
            let s = match &other {
                Value::String(s) => s.to_string_lossy(),
                Value::Integer(i) => i.to_string(),
                Value::Number(n) => oxidis_ds::util::fmt_g(*n, 14),
                Value::Nil => "nil".to_string(),
                Value::Boolean(b) => b.to_string(),
                _ => "(error object is not a string)".to_string(),
            };
            let t = lua.create_table()?;
            t.raw_set("err", format!("ERR {}", s))?;
            t
        }
    };
    // The first Lua frame that is not ours: C frames and the sandbox's own
    // wrappers ("=..." sources) are skipped.
    for level in 1..12 {
        let frame = lua.inspect_stack(level, |d| {
            let src = d.source();
            (
                src.what,
                src.source.map(|s| s.into_owned()),
                d.current_line(),
            )
        });
        let Some((what, source, line)) = frame else {
            break;
        };
        if what == "C" || source.as_deref().is_none_or(|s| s.starts_with('=')) {
            continue;
        }
        t.raw_set("source", source.unwrap_or_default())?;
        if let Some(l) = line {
            t.raw_set("line", l as i64)?;
        }
        break;
    }
    Ok(t)
}

/// Which interpreter runs, and how: an EVAL script (KEYS and ARGV are
/// globals) or a FUNCTION (they are the callback's parameters).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Eval,
    Function,
}

/// Runs a compiled script for `caller` and writes its reply. Redis:
/// luaCallFunction.
pub fn call_function(
    s: &mut Server,
    caller: &mut Client,
    mode: Mode,
    func: &Function,
    keys: &[Vec<u8>],
    args: &[Vec<u8>],
) {
    let engine = match mode {
        Mode::Eval => &s.scripting.engine,
        Mode::Function => &s.scripting.functions.engine,
    };
    let fcall = engine.fcall.clone();
    let lua = engine.lua.clone();
    let (globals, redis, outside, xpcall, handler) = (
        engine.globals.clone(),
        engine.redis.clone(),
        engine.outside.clone(),
        engine.xpcall.clone(),
        engine.handler.clone(),
    );
    let funcname = s
        .scripting
        .run
        .as_ref()
        .map(|r| r.funcname.clone())
        .unwrap_or_default();
    let mk_array = |items: &[Vec<u8>]| -> mlua::Result<Table> {
        let t = lua.create_table_with_capacity(items.len(), 0)?;
        for (i, a) in items.iter().enumerate() {
            t.raw_set(i + 1, lua.create_string(a)?)?;
        }
        Ok(t)
    };
    let (k, a) = match (mk_array(keys), mk_array(args)) {
        (Ok(k), Ok(a)) => (k, a),
        _ => return caller.add_reply_error("reached lua stack limit"),
    };
    if mode == Mode::Eval {
        let _ = globals.raw_set("KEYS", k.clone());
        let _ = globals.raw_set("ARGV", a.clone());
    }
    let mut fake = s.scripting.take_client(s.next_client_id);
    fake.db = caller.db;
    fake.resp = 2;
    fake.user = caller.user;
    if !s.acl.is_unrestricted(caller.user) {
        // A denial inside the script is logged with the caller's details.
        s.acl.log.script_caller = Some(crate::networking::client_info_string(s, caller));
    }
    if caller.mstate.active {
        fake.flags |= crate::networking::client::CLIENT_MULTI;
    }
    let threshold = s.config.busy_reply_threshold;
    let start = Instant::now();
    let cell = RefCell::new(RunCtx { s, fake });
    let result: mlua::Result<(bool, Value)> = lua.scope(|scope| {
        let call = scope.create_function(|lua, args: MultiValue| {
            let mut ctx = cell.borrow_mut();
            script::redis_call(lua, &mut ctx, args, true)
        })?;
        let pcall = scope.create_function(|lua, args: MultiValue| {
            let mut ctx = cell.borrow_mut();
            script::redis_call(lua, &mut ctx, args, false)
        })?;
        let setresp = scope.create_function(|_, args: Variadic<Value>| {
            let mut ctx = cell.borrow_mut();
            if args.len() != 1 {
                return raise("redis.setresp() requires one argument.");
            }
            let n = number_arg(&args[0]);
            if n != 2 && n != 3 {
                return raise("RESP version must be 2 or 3.");
            }
            ctx.fake.resp = n as u8;
            Ok(())
        })?;
        let set_repl = scope.create_function(|_, args: Variadic<Value>| {
            let mut ctx = cell.borrow_mut();
            if args.len() != 1 {
                return raise("redis.set_repl() requires two arguments.");
            }
            let n = number_arg(&args[0]);
            if n & !3 != 0 {
                return raise(
                    "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
                );
            }
            if let Some(r) = ctx.s.scripting.run.as_mut() {
                r.repl_flags = n as u8;
            }
            Ok(())
        })?;
        let acl_check = scope.create_function(|_, args: Variadic<Value>| {
            let ctx = cell.borrow_mut();
            if args.is_empty() {
                return raise("Please specify at least one argument for this redis lib call");
            }
            let argv: Option<Vec<Vec<u8>>> = args.iter().map(convert::lua_arg_to_bytes).collect();
            let Some(argv) = argv else {
                return raise("Lua redis lib command arguments must be strings or integers");
            };
            let Some(idx) = script::lookup(ctx.s, &argv) else {
                return raise("Invalid command passed to redis.acl_check_cmd()");
            };
            // Redis: ACLCheckAllUserCommandPerm for the script's caller.
            Ok(crate::acl::check_command(ctx.s, ctx.fake.user, idx, &argv).is_ok())
        })?;
        let busy = scope.create_function(|_, ()| {
            let mut ctx = cell.borrow_mut();
            Ok(script::interrupt(ctx.s))
        })?;
        redis.raw_set("call", call)?;
        redis.raw_set("pcall", pcall)?;
        redis.raw_set("setresp", setresp)?;
        redis.raw_set("set_repl", set_repl)?;
        redis.raw_set("acl_check_cmd", acl_check)?;
        if threshold > 0 {
            lua.set_named_registry_value(BUSY_FN, busy)?;
            lua.set_hook(
                HookTriggers::new().every_nth_instruction(HOOK_INSTRUCTIONS),
                move |lua, _| {
                    if (start.elapsed().as_millis() as i64) < threshold {
                        return Ok(VmState::Continue);
                    }
                    let f: Function = lua.named_registry_value(BUSY_FN)?;
                    if f.call::<bool>(())? {
                        crate::server_log!(Warning, "Lua script killed by user with SCRIPT KILL.");
                        // From now on every line raises, so that pcall cannot
                        // keep the script alive.
                        lua.set_hook(HookTriggers::EVERY_LINE, |_, _| Err(kill_error()))?;
                        return Err(kill_error());
                    }
                    Ok(VmState::Continue)
                },
            )?;
        }
        let r = match mode {
            Mode::Eval => xpcall.call::<(bool, Value)>((func.clone(), handler.clone())),
            Mode::Function => fcall.call::<(bool, Value)>((func.clone(), handler.clone(), k, a)),
        };
        set_outside_functions(&outside, &redis)?;
        lua.remove_hook();
        lua.set_named_registry_value(BUSY_FN, Value::Nil)?;
        r
    });
    let RunCtx { s, mut fake } = cell.into_inner();
    s.acl.log.script_caller = None;
    let script_resp = fake.resp;
    fake.flags &= !crate::networking::client::CLIENT_MULTI;
    s.scripting.put_client(fake);
    match result {
        Ok((true, v)) => convert::lua_to_reply(caller, script_resp, &v, 0),
        Ok((false, Value::Table(t))) => {
            let info = convert::extract_error_info(&t);
            let mut msg = info.msg.clone();
            if let (Some(src), Some(line)) = (&info.source, &info.line) {
                msg.push_str(&format!(" script: {}, on {}:{}.", funcname, src, line));
            }
            convert::add_error(caller, &msg, !info.ignore_stats);
        }
        Ok((false, other)) => {
            let m = match other {
                Value::String(s) => s.to_string_lossy(),
                _ => "execution failure".to_string(),
            };
            let m: String = m.chars().take(100).collect();
            caller.add_reply_error(&format!("Error running script {}, {}", funcname, m));
        }
        Err(e) => {
            let (m, _) = error_message(&e);
            let m: String = m.chars().take(100).collect();
            caller.add_reply_error(&format!("Error running script {}, {}", funcname, m));
        }
    }
    // Redis: a GC step every LUA_GC_CYCLE_PERIOD (50) invocations.
    let sc = &mut s.scripting;
    sc.gc_count += 1;
    if sc.gc_count == 50 {
        for _ in 0..50 {
            let _ = lua.gc_step();
        }
        sc.gc_count = 0;
    }
}

fn kill_error() -> mlua::Error {
    mlua::Error::external(ScriptError {
        msg: "ERR Script killed by user with SCRIPT KILL...".to_string(),
        ignore_stats: false,
    })
}

/// A Lua number argument as lua_tonumber would read it (0 if not a number).
fn number_arg(v: &Value) -> i64 {
    match v {
        Value::Integer(i) => *i,
        Value::Number(n) => *n as i64,
        Value::String(s) => s
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse::<f64>().ok())
            .map(|f| f as i64)
            .unwrap_or(0),
        _ => 0,
    }
}
