//! Lua scripting: EVAL and the script cache. Redis counterpart: eval.c
//! (EVAL / EVALSHA / EVAL_RO / EVALSHA_RO, SCRIPT, the shebang flags, the
//! sha1 → script dictionary).
//!
//! Files: `functions.rs` (functions.c, function_lua.c: FUNCTION, FCALL),
//! `script.rs` (script.c: run checks, SCRIPT KILL, the busy loop),
//! `lua.rs` (script_lua.c: the interpreter, the `redis` API, the error
//! handler), `convert.rs` (script_lua.c: RESP ↔ Lua conversions),
//! `sandbox.lua` (the globals protection), `libs/` (cjson, cmsgpack, bit,
//! struct, written in Rust).
//!
//! Redis 7.0 replicates scripts by their effects: the commands a script runs
//! are propagated by the nested `call()`s (wrapped in MULTI/EXEC when more
//! than one), and EVAL itself never is (`prevent_propagation`).
//! Divergences: no Lua debugger (SCRIPT DEBUG YES/SYNC/NO answer OK, and
//! scripts then run without it), SCRIPT FLUSH ASYNC frees the old interpreter on the spot.

pub mod convert;
pub mod functions;
pub mod libs;
pub mod lua;
pub mod script;

use std::collections::HashMap;

use script::*;

use crate::networking::Client;
use crate::server::command::CommandProc;
use crate::server::shared;
use crate::server::Server;

/// A cached script. Redis: `luaScript`.
pub struct CachedScript {
    pub body: Vec<u8>,
    pub flags: u64,
    pub func: mlua::Function,
}

/// Scripting state of the server. Redis: `lctx` of eval.c plus `curr_run_ctx`.
pub struct ScriptingState {
    pub engine: lua::Engine,
    pub functions: functions::FunctionsState, // FUNCTION libraries and their interpreter
    pub scripts: HashMap<String, CachedScript>, // sha1 hex → script
    pub scripts_mem: usize,                   // bytes of bodies and keys
    pub run: Option<RunState>,                // the script in execution
    pub pre_command_oom_state: bool,          // OOM seen by processCommand
    pub gc_count: u32,
    pub disable_deny_script: bool, // DEBUG SET-DISABLE-DENY-SCRIPTS: noscript commands allowed
    client: Option<Box<Client>>,   // the fake client scripts call commands with
}

impl Default for ScriptingState {
    fn default() -> Self {
        ScriptingState::new()
    }
}

impl ScriptingState {
    pub fn new() -> ScriptingState {
        ScriptingState {
            engine: lua::Engine::new().expect("Lua interpreter initialisation"),
            functions: Default::default(),
            scripts: HashMap::new(),
            scripts_mem: 0,
            run: None,
            pre_command_oom_state: false,
            gc_count: 0,
            disable_deny_script: false,
            client: None,
        }
    }

    /// The script client, created on first use. Redis: lctx.lua_client.
    pub fn take_client(&mut self, id: u64) -> Box<Client> {
        self.client.take().unwrap_or_else(|| {
            let mut c = Box::new(Client::new(
                id.wrapping_add(1 << 62),
                usize::MAX - 1,
                None,
                0,
            ));
            c.addr = "lua".to_string();
            c.authenticated = true;
            c.flags |= crate::networking::client::CLIENT_DENY_BLOCKING
                | crate::networking::client::CLIENT_SCRIPT;
            c
        })
    }

    pub fn put_client(&mut self, c: Box<Client>) {
        self.client = Some(c);
    }

    /// Redis: evalMemory.
    pub fn used_memory_lua(&self) -> usize {
        self.engine.used_memory()
    }

    /// Redis: evalScriptsMemory.
    pub fn used_memory_scripts(&self) -> usize {
        self.scripts_mem + self.scripts.len() * 64 + self.scripts.capacity() * 8
    }

    /// Redis: scriptingReset (SCRIPT FLUSH).
    pub fn reset(&mut self) {
        self.scripts.clear();
        self.scripts_mem = 0;
        self.engine = lua::Engine::new().expect("Lua interpreter initialisation");
    }
}

/// The scripting fields of INFO memory. Redis: genRedisInfoString.
pub fn info_memory_fields(s: &Server) -> String {
    let sc = &s.scripting;
    let lua = sc.used_memory_lua();
    let flua = sc.functions.engine.used_memory();
    let scripts = sc.used_memory_scripts();
    let fmem = sc.functions.memory_overhead();
    let h = crate::server::info::bytes_to_human;
    format!(
        "used_memory_lua:{lua}\r\nused_memory_vm_eval:{lua}\r\nused_memory_lua_human:{}\r\nused_memory_scripts_eval:{scripts}\r\nnumber_of_cached_scripts:{}\r\nnumber_of_functions:{}\r\nnumber_of_libraries:{}\r\nused_memory_vm_functions:{flua}\r\nused_memory_vm_total:{}\r\nused_memory_vm_total_human:{}\r\nused_memory_functions:{fmem}\r\nused_memory_scripts:{}\r\nused_memory_scripts_human:{}\r\n",
        h(lua as u64),
        sc.scripts.len(),
        sc.functions.functions.len(),
        sc.functions.libraries.len(),
        lua + flua,
        h((lua + flua) as u64),
        scripts + fmem,
        h((scripts + fmem) as u64),
    )
}

/// Splits the shebang line. Redis: evalExtractShebangFlags. Returns the
/// flags and the length of the shebang (the body after it keeps its newline
/// so that line numbers stay right).
pub fn extract_shebang_flags(body: &[u8]) -> Result<(u64, usize), String> {
    if !body.starts_with(b"#!") {
        return Ok((SCRIPT_FLAG_EVAL_COMPAT_MODE, 0));
    }
    let Some(end) = memchr::memchr(b'\n', body) else {
        return Err("Invalid script shebang".to_string());
    };
    let parts = match oxidis_ds::util::split_args(&body[..end]) {
        Some(p) if !p.is_empty() => p,
        _ => return Err("Invalid engine in script shebang".to_string()),
    };
    if parts[0] != b"#!lua" {
        return Err(format!(
            "Unexpected engine in script shebang: {}",
            String::from_utf8_lossy(&parts[0])
        ));
    }
    let mut flags = 0;
    for p in &parts[1..] {
        if let Some(list) = p.strip_prefix(b"flags=") {
            for f in list.split(|&b| b == b',') {
                if f.is_empty() && list.is_empty() {
                    continue;
                }
                match SCRIPT_FLAGS_DEF.iter().find(|(_, n)| n.as_bytes() == f) {
                    Some((bit, _)) => flags |= bit,
                    None => {
                        return Err(format!(
                            "Unexpected flag in script shebang: {}",
                            String::from_utf8_lossy(f)
                        ))
                    }
                }
            }
        } else {
            return Err(format!(
                "Unknown lua shebang option: {}",
                String::from_utf8_lossy(p)
            ));
        }
    }
    Ok((flags, end))
}

fn sha1hex(body: &[u8]) -> String {
    oxidis_ds::sha1::hex(&oxidis_ds::sha1::sha1(body))
}

/// Compiles and caches `body` unless cached. Returns its sha, or the error
/// to reply. Redis: luaCreateFunction.
pub fn create_function(s: &mut Server, body: &[u8]) -> Result<String, String> {
    let sha = sha1hex(body);
    if s.scripting.scripts.contains_key(&sha) {
        return Ok(sha);
    }
    let (flags, shebang_len) = extract_shebang_flags(body)?;
    let func = s
        .scripting
        .engine
        .compile(&body[shebang_len..])
        .map_err(|e| format!("Error compiling script (new function): {}", e))?;
    s.scripting.scripts_mem += 40 + body.len();
    s.scripting.scripts.insert(
        sha.clone(),
        CachedScript {
            body: body.to_vec(),
            flags,
            func,
        },
    );
    Ok(sha)
}

fn is_evalsha(argv: &[Vec<u8>]) -> bool {
    let n = &argv[0];
    n.eq_ignore_ascii_case(b"evalsha") || n.eq_ignore_ascii_case(b"evalsha_ro")
}

/// The command flags an EVAL runs with, given its script's shebang flags.
/// Redis: evalGetCommandFlags (called by processCommand).
pub fn eval_get_command_flags(s: &Server, argv: &[Vec<u8>], cmd_flags: u64) -> u64 {
    if argv.len() < 2 {
        return cmd_flags;
    }
    let evalsha = is_evalsha(argv);
    if evalsha && argv[1].len() != 40 {
        return cmd_flags;
    }
    let sha = if evalsha {
        String::from_utf8_lossy(&argv[1]).to_ascii_lowercase()
    } else {
        sha1hex(&argv[1])
    };
    let script_flags = match s.scripting.scripts.get(&sha) {
        Some(sc) => sc.flags,
        None if evalsha => return cmd_flags,
        None => match extract_shebang_flags(&argv[1]) {
            Ok((f, _)) => f,
            Err(_) => return cmd_flags,
        },
    };
    if script_flags & SCRIPT_FLAG_EVAL_COMPAT_MODE != 0 {
        return cmd_flags;
    }
    script_flags_to_cmd_flags(cmd_flags, script_flags)
}

/// Redis: evalGenericCommand.
fn eval_generic_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>], evalsha: bool, ro: bool) {
    let numkeys = match oxidis_ds::util::string2ll(&argv[2]) {
        Some(n) => n,
        None => return c.add_reply_error(shared::NOT_INTEGER),
    };
    if numkeys > (argv.len() - 3) as i64 {
        return c.add_reply_error("Number of keys can't be greater than number of args");
    } else if numkeys < 0 {
        return c.add_reply_error("Number of keys can't be negative");
    }
    let sha = if evalsha {
        String::from_utf8_lossy(&argv[1]).to_ascii_lowercase()
    } else {
        sha1hex(&argv[1])
    };
    if !s.scripting.scripts.contains_key(&sha) {
        if evalsha {
            return c.add_reply_error("-NOSCRIPT No matching script. Please use EVAL.");
        }
        if let Err(e) = create_function(s, &argv[1]) {
            return c.add_reply_error(&e);
        }
    }
    let (func, flags) = {
        let sc = &s.scripting.scripts[&sha];
        (sc.func.clone(), sc.flags)
    };
    if !prepare_for_run(s, c, &sha, flags, ro, true) {
        return;
    }
    if let Some(r) = s.scripting.run.as_mut() {
        r.argv = argv.to_vec();
    }
    let nk = numkeys as usize;
    lua::call_function(
        s,
        c,
        lua::Mode::Eval,
        &func,
        &argv[3..3 + nk],
        &argv[3 + nk..],
    );
    reset_run(s, c);
}

fn feed_monitors(s: &mut Server, c: &Client, argv: &[Vec<u8>]) {
    if !s.monitors.is_empty() {
        crate::networking::monitor::feed_monitors(s, c, c.db, argv);
    }
}

/// Redis: evalCommand / evalRoCommand. Monitors see EVAL before the
/// commands the script runs.
fn eval_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    feed_monitors(s, c, argv);
    let ro = argv[0].eq_ignore_ascii_case(b"eval_ro");
    eval_generic_command(s, c, argv, false, ro);
}

/// Redis: evalShaCommand / evalShaRoCommand.
fn evalsha_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    feed_monitors(s, c, argv);
    if argv[1].len() != 40 {
        return c.add_reply_error("-NOSCRIPT No matching script. Please use EVAL.");
    }
    let ro = argv[0].eq_ignore_ascii_case(b"evalsha_ro");
    eval_generic_command(s, c, argv, true, ro);
}

const SCRIPT_HELP: &[&str] = &[
    "DEBUG (YES|SYNC|NO)",
    "    Set the debug mode for subsequent scripts executed.",
    "EXISTS <sha1> [<sha1> ...]",
    "    Return information about the existence of the scripts in the script cache.",
    "FLUSH [ASYNC|SYNC]",
    "    Flush the Lua scripts cache. Very dangerous on replicas.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the scripts cache.",
    "    * SYNC: Synchronously flush the scripts cache.",
    "KILL",
    "    Kill the currently executing Lua script.",
    "LOAD <script>",
    "    Load a script into the scripts cache without executing it.",
];

/// Redis: scriptCommand.
fn script_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let sub = argv[1].to_ascii_lowercase();
    match (sub.as_slice(), argv.len()) {
        (b"help", 2) => c.add_reply_help(&argv[0], SCRIPT_HELP),
        (b"flush", _) => {
            if argv.len() > 3
                || argv.len() == 3
                    && !argv[2].eq_ignore_ascii_case(b"sync")
                    && !argv[2].eq_ignore_ascii_case(b"async")
            {
                return c.add_reply_error("SCRIPT FLUSH only support SYNC|ASYNC option");
            }
            s.scripting.reset();
            c.add_reply_ok();
        }
        (b"exists", n) if n >= 2 => {
            c.add_reply_array_len(n - 2);
            for a in &argv[2..] {
                let sha = String::from_utf8_lossy(a).into_owned();
                c.add_reply_long(s.scripting.scripts.contains_key(&sha) as i64);
            }
        }
        (b"load", 3) => match create_function(s, &argv[2]) {
            Ok(sha) => c.add_reply_bulk(sha.as_bytes()),
            Err(e) => c.add_reply_error(&e),
        },
        (b"kill", 2) => script_kill(s, c, true),
        (b"debug", 3) => {
            if c.has_pending_replies() {
                return c.add_reply_error("SCRIPT DEBUG must be called outside a pipeline");
            }
            let mode = argv[2].to_ascii_lowercase();
            match mode.as_slice() {
                b"no" => c.add_reply_ok(),
                // No Lua debugger: the mode is accepted and scripts run
                // as usual (see the header).
                b"yes" | b"sync" => c.add_reply_ok(),
                _ => c.add_reply_error("Use SCRIPT DEBUG YES/SYNC/NO"),
            }
        }
        _ => subcommand_syntax_error(c, argv),
    }
}

/// Redis: addReplySubcommandSyntaxError (a known subcommand with the wrong
/// arguments).
pub fn subcommand_syntax_error(c: &mut Client, argv: &[Vec<u8>]) {
    let sub = String::from_utf8_lossy(&argv[1][..argv[1].len().min(128)]).into_owned();
    let cmd = String::from_utf8_lossy(&argv[0]).to_uppercase();
    c.add_reply_error(&format!(
        "unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
        sub, cmd
    ));
}

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("eval", eval_command),
    ("eval_ro", eval_command),
    ("evalsha", evalsha_command),
    ("evalsha_ro", evalsha_command),
    ("script|help", script_command),
    ("script|flush", script_command),
    ("script|exists", script_command),
    ("script|load", script_command),
    ("script|kill", script_command),
    ("script|debug", script_command),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebang_flags() {
        assert_eq!(
            extract_shebang_flags(b"return 1").unwrap(),
            (SCRIPT_FLAG_EVAL_COMPAT_MODE, 0)
        );
        assert_eq!(extract_shebang_flags(b"#!lua\nreturn 1").unwrap(), (0, 5));
        let (f, n) = extract_shebang_flags(b"#!lua flags=no-writes,allow-oom\nreturn 1").unwrap();
        assert_eq!(f, SCRIPT_FLAG_NO_WRITES | SCRIPT_FLAG_ALLOW_OOM);
        assert_eq!(n, 31);
        assert_eq!(
            extract_shebang_flags(b"#!lua").unwrap_err(),
            "Invalid script shebang"
        );
        assert_eq!(
            extract_shebang_flags(b"#!lua flags=bad\n").unwrap_err(),
            "Unexpected flag in script shebang: bad"
        );
        assert_eq!(
            extract_shebang_flags(b"#!lua name=x\n").unwrap_err(),
            "Unknown lua shebang option: name=x"
        );
        assert_eq!(
            extract_shebang_flags(b"#!python\n").unwrap_err(),
            "Unexpected engine in script shebang: #!python"
        );
    }
}
