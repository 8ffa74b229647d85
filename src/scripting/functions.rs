//! Redis Functions. Redis counterpart: functions.c (libraries, FUNCTION and
//! FCALL) and function_lua.c (the Lua engine: running a library's top level
//! with only `redis.register_function`, `redis.log` and the constants
//! reachable, then calling the registered callbacks with KEYS and ARGV as
//! parameters).
//!
//! Functions have their own interpreter, apart from EVAL's (SCRIPT FLUSH does
//! not touch them), and the same sandbox. Divergence: libraries are not
//! saved in RDB files yet (FUNCTION DUMP / RESTORE payloads are Redis's).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use mlua::{Function, HookTriggers, Lua, Value, Variadic, VmState};

use super::lua::{self, raise, Engine};
use super::script::*;
use crate::networking::Client;
use crate::server::Server;

/// Library code may run this long at FUNCTION LOAD. Redis: LOAD_TIMEOUT_MS.
const LOAD_TIMEOUT_MS: u128 = 500;

pub struct FunctionInfo {
    pub name: String, // as registered (the map key is lower case)
    pub library: String,
    pub func: Function,
    pub flags: u64,
    pub desc: Option<Vec<u8>>,
}

pub struct Library {
    pub code: Vec<u8>,
    pub functions: Vec<String>, // in registration order
}

/// Redis: functionsLibCtx plus the Lua engine.
pub struct FunctionsState {
    pub engine: Engine,
    pub libraries: BTreeMap<String, Library>,
    pub functions: HashMap<String, FunctionInfo>, // by lower-case name: FCALL ignores case
}

impl Default for FunctionsState {
    fn default() -> Self {
        FunctionsState::new()
    }
}

fn new_engine() -> Engine {
    let e = Engine::new().expect("Lua interpreter initialisation");
    let _ = set_register_outside(&e);
    e
}

fn set_register_outside(e: &Engine) -> mlua::Result<()> {
    e.load_redis.raw_set(
        "register_function",
        e.lua.create_function(|_, _: Variadic<Value>| {
            raise::<()>("redis.register_function can only be called on FUNCTION LOAD command")
        })?,
    )
}

impl FunctionsState {
    pub fn new() -> FunctionsState {
        FunctionsState {
            engine: new_engine(),
            libraries: BTreeMap::new(),
            functions: HashMap::new(),
        }
    }

    /// Redis: functionsMemoryOverhead (an estimate: names, code, entries).
    pub fn memory_overhead(&self) -> usize {
        let libs: usize = self
            .libraries
            .iter()
            .map(|(n, l)| n.len() + l.code.len() + 64)
            .sum();
        let funcs: usize = self
            .functions
            .iter()
            .map(|(n, f)| n.len() + f.desc.as_ref().map_or(0, |d| d.len()) + 64)
            .sum();
        184 + libs + funcs
    }

    /// Redis: functionsLibCtxClear (FUNCTION FLUSH).
    pub fn flush(&mut self) {
        self.libraries.clear();
        self.functions.clear();
        self.engine = new_engine();
    }
}

fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

const NAME_ERR: &str = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

/// The shebang of a library: engine and name, and where the code starts.
/// Redis: functionExtractLibMetaData.
fn extract_metadata(code: &[u8]) -> Result<(String, String, usize), String> {
    if !code.starts_with(b"#!") {
        return Err("Missing library metadata".into());
    }
    let Some(end) = memchr::memchr(b'\n', code) else {
        return Err("Invalid library metadata".into());
    };
    let line = &code[..end];
    let parts = match oxidis_ds::util::split_args(line) {
        Some(p) if !p.is_empty() => p,
        _ => return Err("Invalid library metadata".into()),
    };
    let engine = String::from_utf8_lossy(&parts[0][2..]).into_owned();
    let mut name: Option<String> = None;
    for p in &parts[1..] {
        if let Some(v) = p.strip_prefix(b"name=") {
            if name.is_some() {
                return Err(
                    "Invalid metadata value, name argument was given multiple times".into(),
                );
            }
            name = Some(String::from_utf8_lossy(v).into_owned());
        } else {
            return Err(format!(
                "Invalid metadata value given: {}",
                String::from_utf8_lossy(p)
            ));
        }
    }
    let Some(name) = name else {
        return Err("Library name was not given".into());
    };
    Ok((engine, name, end))
}

struct Registered {
    name: String,
    func: Function,
    flags: u64,
    desc: Option<Vec<u8>>,
}

/// redis.register_function's arguments. Redis: luaRegisterFunctionReadArgs.
fn read_register_args(args: &Variadic<Value>) -> Result<Registered, String> {
    let str_of = |v: &Value| match v {
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Integer(i) => Some(i.to_string().into_bytes()),
        Value::Number(n) => Some(oxidis_ds::util::fmt_g(*n, 14).into_bytes()),
        _ => None,
    };
    match args.len() {
        2 => {
            let Some(name) = str_of(&args[0]) else {
                return Err("first argument to redis.register_function must be a string".into());
            };
            let Value::Function(f) = &args[1] else {
                return Err("second argument to redis.register_function must be a function".into());
            };
            Ok(Registered {
                name: String::from_utf8_lossy(&name).into_owned(),
                func: f.clone(),
                flags: 0,
                desc: None,
            })
        }
        1 => {
            let Value::Table(t) = &args[0] else {
                return Err("calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).".into());
            };
            let (mut name, mut func, mut flags, mut desc) = (None, None, 0u64, None);
            for pair in t.pairs::<Value, Value>() {
                let Ok((k, v)) = pair else {
                    return Err(
                        "named argument key given to redis.register_function is not a string"
                            .into(),
                    );
                };
                let Some(key) = str_of(&k) else {
                    return Err(
                        "named argument key given to redis.register_function is not a string"
                            .into(),
                    );
                };
                match key.to_ascii_lowercase().as_slice() {
                    b"function_name" => match str_of(&v) {
                        Some(n) => name = Some(String::from_utf8_lossy(&n).into_owned()),
                        None => return Err("function_name argument given to redis.register_function must be a string".into()),
                    },
                    b"description" => match str_of(&v) {
                        Some(d) => desc = Some(d),
                        None => return Err("description argument given to redis.register_function must be a string".into()),
                    },
                    b"callback" => match v {
                        Value::Function(f) => func = Some(f),
                        _ => return Err("callback argument given to redis.register_function must be a function".into()),
                    },
                    b"flags" => {
                        let Value::Table(ft) = v else {
                            return Err("flags argument to redis.register_function must be a table representing function flags".into());
                        };
                        let mut j = 1;
                        loop {
                            let fv: Value = ft.get(j).unwrap_or(Value::Nil);
                            if fv.is_nil() {
                                break;
                            }
                            let Some(fs) = str_of(&fv) else {
                                return Err("unknown flag given".into());
                            };
                            match SCRIPT_FLAGS_DEF
                                .iter()
                                .find(|(_, n)| n.as_bytes().eq_ignore_ascii_case(&fs))
                            {
                                Some((bit, _)) => flags |= bit,
                                None => return Err("unknown flag given".into()),
                            }
                            j += 1;
                        }
                    }
                    _ => return Err("unknown argument given to redis.register_function".into()),
                }
            }
            let Some(name) = name else {
                return Err("redis.register_function must get a function name argument".into());
            };
            let Some(func) = func else {
                return Err("redis.register_function must get a callback argument".into());
            };
            Ok(Registered {
                name,
                func,
                flags,
                desc,
            })
        }
        _ => Err("wrong number of arguments to redis.register_function".into()),
    }
}

/// Runs a library's top level and collects what it registers. Redis:
/// luaEngineCreate.
fn run_library(engine: &Engine, code: &[u8]) -> Result<Vec<Registered>, String> {
    let chunk = engine
        .compile_named(code, "@user_function")
        .map_err(|e| format!("Error compiling function: {}", e))?;
    let lua: &Lua = &engine.lua;
    let registered: RefCell<Vec<Registered>> = RefCell::new(Vec::new());
    let start = Instant::now();
    let res: mlua::Result<Result<(), String>> = lua.scope(|scope| {
        let reg = scope.create_function(|_, args: Variadic<Value>| {
            let r = read_register_args(&args).or_else(|e| raise(&e))?;
            let mut list = registered.borrow_mut();
            if !valid_name(r.name.as_bytes()) {
                return raise(NAME_ERR);
            }
            if list.iter().any(|x| x.name == r.name) {
                return raise("Function already exists in the library");
            }
            list.push(r);
            Ok(())
        })?;
        engine.load_redis.raw_set("register_function", reg)?;
        engine.set_load_mode.call::<()>(true)?;
        lua.set_hook(
            HookTriggers::new().every_nth_instruction(100_000),
            move |lua, _| {
                if start.elapsed().as_millis() > LOAD_TIMEOUT_MS {
                    lua.set_hook(HookTriggers::EVERY_LINE, |_, _| {
                        raise("FUNCTION LOAD timeout")
                    })?;
                    return raise("FUNCTION LOAD timeout");
                }
                Ok(VmState::Continue)
            },
        )?;
        let r = chunk.call::<()>(());
        lua.remove_hook();
        engine.set_load_mode.call::<()>(false)?;
        set_register_outside(engine)?;
        Ok(r.map_err(|e| lua::error_text(&e)))
    });
    match res {
        Ok(Ok(())) => Ok(registered.into_inner()),
        Ok(Err(msg)) => Err(format!("Error registering functions: {}", msg)),
        Err(e) => Err(format!(
            "Error registering functions: {}",
            lua::error_text(&e)
        )),
    }
}

/// Redis: functionsCreateWithLibraryCtx. Returns the library name.
pub fn functions_create(s: &mut Server, code: &[u8], replace: bool) -> Result<String, String> {
    functions_create_in(&mut s.scripting.functions, code, replace)
}

/// functions_create into a given set of libraries.
pub fn functions_create_in(
    fs: &mut FunctionsState,
    code: &[u8],
    replace: bool,
) -> Result<String, String> {
    let (engine, name, shebang_len) = extract_metadata(code)?;
    if !valid_name(name.as_bytes()) {
        return Err(NAME_ERR.into());
    }
    if !engine.eq_ignore_ascii_case("lua") {
        return Err(format!("Engine '{}' not found", engine));
    }
    if fs.libraries.contains_key(&name) && !replace {
        return Err(format!("Library '{}' already exists", name));
    }
    let registered = run_library(&fs.engine, &code[shebang_len..])?;
    if registered.is_empty() {
        return Err("No functions registered".into());
    }
    for r in &registered {
        if let Some(f) = fs.functions.get(&r.name.to_ascii_lowercase()) {
            if f.library != name {
                return Err(format!("Function {} already exists", r.name));
            }
        }
    }
    if let Some(old) = fs.libraries.remove(&name) {
        for f in old.functions {
            fs.functions.remove(&f.to_ascii_lowercase());
        }
    }
    let mut names = Vec::new();
    for r in registered {
        names.push(r.name.clone());
        fs.functions.insert(
            r.name.to_ascii_lowercase(),
            FunctionInfo {
                name: r.name.clone(),
                library: name.clone(),
                func: r.func,
                flags: r.flags,
                desc: r.desc,
            },
        );
    }
    fs.libraries.insert(
        name.clone(),
        Library {
            code: code.to_vec(),
            functions: names,
        },
    );
    Ok(name)
}

/// The command flags FCALL runs with. Redis: fcallGetCommandFlags.
pub fn fcall_get_command_flags(s: &Server, argv: &[Vec<u8>], cmd_flags: u64) -> u64 {
    let Some(name) = argv.get(1) else {
        return cmd_flags;
    };
    match s
        .scripting
        .functions
        .functions
        .get(&String::from_utf8_lossy(name).to_ascii_lowercase())
    {
        Some(f) => script_flags_to_cmd_flags(cmd_flags, f.flags),
        None => cmd_flags,
    }
}

/// Redis: fcallCommandGeneric.
fn fcall_generic(s: &mut Server, c: &mut Client, argv: &[Vec<u8>], ro: bool) {
    // Redis: monitors see FCALL before the commands the function runs (the
    // command is flagged skip_monitor, so call() does not show it).
    if !s.monitors.is_empty() {
        crate::networking::monitor::feed_monitors(s, c, c.db, argv);
    }
    let name = String::from_utf8_lossy(&argv[1]).into_owned();
    let Some((func, flags)) = s
        .scripting
        .functions
        .functions
        .get(&name.to_ascii_lowercase())
        .map(|f| (f.func.clone(), f.flags))
    else {
        return c.add_reply_error("Function not found");
    };
    let Some(numkeys) = oxidis_ds::util::string2ll(&argv[2]) else {
        return c.add_reply_error("Bad number of keys provided");
    };
    if numkeys > (argv.len() - 3) as i64 {
        return c.add_reply_error("Number of keys can't be greater than number of args");
    } else if numkeys < 0 {
        return c.add_reply_error("Number of keys can't be negative");
    }
    if !prepare_for_run(s, c, &name, flags, ro, false) {
        return;
    }
    if let Some(r) = s.scripting.run.as_mut() {
        r.argv = argv.to_vec();
    }
    let nk = numkeys as usize;
    lua::call_function(
        s,
        c,
        lua::Mode::Function,
        &func,
        &argv[3..3 + nk],
        &argv[3 + nk..],
    );
    reset_run(s, c);
}

fn fcall_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    fcall_generic(s, c, argv, false);
}

fn fcall_ro_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    fcall_generic(s, c, argv, true);
}

/// FUNCTION LOAD [REPLACE] code.
fn function_load_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let mut replace = false;
    let mut i = 2;
    while i < argv.len() - 1 {
        if argv[i].eq_ignore_ascii_case(b"replace") {
            replace = true;
            i += 1;
        } else {
            return c.add_reply_error(&format!(
                "Unknown option given: {}",
                String::from_utf8_lossy(&argv[i])
            ));
        }
    }
    if i >= argv.len() {
        return c.add_reply_error("Function code is missing");
    }
    match functions_create(s, &argv[i], replace) {
        Ok(name) => {
            s.dirty += 1;
            c.add_reply_bulk(name.as_bytes());
        }
        Err(e) => c.add_reply_error(&e),
    }
}

fn function_delete_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let name = String::from_utf8_lossy(&argv[2]).into_owned();
    let fs = &mut s.scripting.functions;
    let Some(lib) = fs.libraries.remove(&name) else {
        return c.add_reply_error("Library not found");
    };
    for f in lib.functions {
        fs.functions.remove(&f.to_ascii_lowercase());
    }
    s.dirty += 1;
    c.add_reply_ok();
}

fn function_flush_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if argv.len() > 3 {
        return super::subcommand_syntax_error(c, argv);
    }
    if argv.len() == 3
        && !argv[2].eq_ignore_ascii_case(b"sync")
        && !argv[2].eq_ignore_ascii_case(b"async")
    {
        return c.add_reply_error("FUNCTION FLUSH only supports SYNC|ASYNC option");
    }
    s.scripting.functions.flush();
    s.dirty += 1;
    c.add_reply_ok();
}

/// FUNCTION DUMP: every library as an RDB function record, then the RDB
/// version and a CRC64, as DUMP payloads. Redis: functionDumpCommand.
fn function_dump_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    let mut rdb = oxidis_ds::rdb::encoding::Rio::buffer();
    // Writes to a memory buffer cannot fail.
    for lib in s.scripting.functions.libraries.values() {
        let _ = rdb.save_type(crate::rdb::RDB_OPCODE_FUNCTION2);
        let _ = rdb.save_raw_string(&lib.code, s.config.rdbcompression);
    }
    let mut buf = rdb.into_bytes();
    buf.extend_from_slice(&crate::rdb::RDB_VERSION.to_le_bytes());
    let crc = oxidis_ds::crc64::crc64(0, &buf);
    buf.extend_from_slice(&crc.to_le_bytes());
    c.add_reply_bulk(&buf);
}

/// FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]. The payload's libraries
/// are first created apart (so a bad payload changes nothing), then joined.
/// Redis: functionRestoreCommand + libraryJoin.
fn function_restore_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if argv.len() > 4 {
        return super::subcommand_syntax_error(c, argv);
    }
    #[derive(PartialEq)]
    enum Policy {
        Append,
        Replace,
        Flush,
    }
    let policy = match argv.get(3).map(|a| a.to_ascii_lowercase()) {
        None => Policy::Append,
        Some(p) if p == b"append" => Policy::Append,
        Some(p) if p == b"replace" => Policy::Replace,
        Some(p) if p == b"flush" => Policy::Flush,
        Some(_) => {
            return c.add_reply_error(
                "Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.",
            )
        }
    };
    let data = &argv[2];
    if !crate::rdb::dump::verify_dump_payload(data, false) {
        return c.add_reply_error("DUMP payload version or checksum are wrong");
    }
    let mut fresh = FunctionsState::new();
    let mut codes = Vec::new();
    let mut r = oxidis_ds::rdb::encoding::Reader::new(&data[..data.len() - 10]);
    while r.remaining() > 0 {
        let Ok(t) = r.read_u8() else {
            return c.add_reply_error("can not read data type");
        };
        if t != crate::rdb::RDB_OPCODE_FUNCTION2 {
            return c.add_reply_error("given type is not a function");
        }
        let Ok(code) = r.load_string() else {
            return c.add_reply_error("Failed loading library blob");
        };
        if let Err(e) = functions_create_in(&mut fresh, &code, false) {
            return c.add_reply_error(&e);
        }
        codes.push(code);
    }
    if policy == Policy::Flush {
        s.scripting.functions = fresh;
    } else {
        let fs = &mut s.scripting.functions;
        for name in fresh.libraries.keys() {
            if fs.libraries.contains_key(name) && policy == Policy::Append {
                return c.add_reply_error(&format!("Library {} already exists", name));
            }
        }
        for (key, f) in fresh.functions.iter() {
            if let Some(old) = fs.functions.get(key) {
                if !fresh.libraries.contains_key(&old.library) {
                    return c.add_reply_error(&format!("Function {} already exists", f.name));
                }
            }
        }
        for code in &codes {
            if let Err(e) = functions_create_in(fs, code, true) {
                return c.add_reply_error(&e);
            }
        }
    }
    s.dirty += 1;
    c.add_reply_ok();
}

fn function_kill_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    script_kill(s, c, false);
}

/// FUNCTION LIST [WITHCODE] [LIBRARYNAME pattern]. Redis: functionListCommand.
fn function_list_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let mut with_code = false;
    let mut pattern: Option<Vec<u8>> = None;
    let mut i = 2;
    while i < argv.len() {
        if argv[i].eq_ignore_ascii_case(b"withcode") && !with_code {
            with_code = true;
        } else if argv[i].eq_ignore_ascii_case(b"libraryname") && pattern.is_none() {
            if i + 1 >= argv.len() {
                return c.add_reply_error("library name argument was not given");
            }
            pattern = Some(argv[i + 1].clone());
            i += 1;
        } else {
            return c.add_reply_error(&format!(
                "Unknown argument {}",
                String::from_utf8_lossy(&argv[i])
            ));
        }
        i += 1;
    }
    let fs = &s.scripting.functions;
    let libs: Vec<(&String, &Library)> = fs
        .libraries
        .iter()
        .filter(|(n, _)| {
            pattern
                .as_ref()
                .is_none_or(|p| oxidis_ds::util::string_match_len(p, n.as_bytes(), false))
        })
        .collect();
    c.add_reply_array_len(libs.len());
    for (name, lib) in libs {
        c.add_reply_map_len(if with_code { 4 } else { 3 });
        c.add_reply_bulk(b"library_name");
        c.add_reply_bulk(name.as_bytes());
        c.add_reply_bulk(b"engine");
        c.add_reply_bulk(b"LUA");
        c.add_reply_bulk(b"functions");
        c.add_reply_array_len(lib.functions.len());
        let mut fnames: Vec<&String> = lib.functions.iter().collect();
        fnames.sort();
        for f in fnames {
            let info = &fs.functions[&f.to_ascii_lowercase()];
            c.add_reply_map_len(3);
            c.add_reply_bulk(b"name");
            c.add_reply_bulk(f.as_bytes());
            c.add_reply_bulk(b"description");
            match &info.desc {
                Some(d) => c.add_reply_bulk(d),
                None => c.add_reply_null(),
            }
            c.add_reply_bulk(b"flags");
            let names: Vec<&str> = SCRIPT_FLAGS_DEF
                .iter()
                .filter(|(b, _)| info.flags & b != 0)
                .map(|(_, n)| *n)
                .collect();
            c.add_reply_set_len(names.len());
            for n in names {
                c.add_reply_bulk(n.as_bytes());
            }
        }
        if with_code {
            c.add_reply_bulk(b"library_code");
            c.add_reply_bulk(&lib.code);
        }
    }
}

/// FUNCTION STATS. Redis: functionStatsCommand.
fn function_stats_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    c.add_reply_map_len(2);
    c.add_reply_bulk(b"running_script");
    match &s.scripting.run {
        Some(r) if r.flags & SCRIPT_EVAL_MODE == 0 => {
            c.add_reply_map_len(3);
            c.add_reply_bulk(b"name");
            c.add_reply_bulk(r.funcname.as_bytes());
            c.add_reply_bulk(b"command");
            c.add_reply_array_len(r.argv.len());
            for a in &r.argv {
                c.add_reply_bulk(a);
            }
            c.add_reply_bulk(b"duration_ms");
            c.add_reply_long(r.start.elapsed().as_millis() as i64);
        }
        _ => c.add_reply_null(),
    }
    let fs = &s.scripting.functions;
    c.add_reply_bulk(b"engines");
    c.add_reply_map_len(1);
    c.add_reply_bulk(b"LUA");
    c.add_reply_map_len(2);
    c.add_reply_bulk(b"libraries_count");
    c.add_reply_long(fs.libraries.len() as i64);
    c.add_reply_bulk(b"functions_count");
    c.add_reply_long(fs.functions.len() as i64);
}

const FUNCTION_HELP: &[&str] = &[
    "LOAD [REPLACE] <FUNCTION CODE>",
    "    Create a new library with the given library name and code.",
    "DELETE <LIBRARY NAME>",
    "    Delete the given library.",
    "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    "    Return general information on all the libraries:",
    "    * Library name",
    "    * The engine used to run the Library",
    "    * Library description",
    "    * Functions list",
    "    * Library code (if WITHCODE is given)",
    "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
    "STATS",
    "    Return information about the current function running:",
    "    * Function name",
    "    * Command used to run the function",
    "    * Duration in MS that the function is running",
    "    If no function is running, return nil",
    "    In addition, returns a list of available engines.",
    "KILL",
    "    Kill the current running function.",
    "FLUSH [ASYNC|SYNC]",
    "    Delete all the libraries.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the libraries.",
    "    * SYNC: Synchronously flush the libraries.",
    "DUMP",
    "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
    "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
    "    control how to handle existing libraries (default APPEND):",
    "    * FLUSH: delete all existing libraries.",
    "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
    "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
    "      libraries with the new libraries (notice that even on this option there is a chance of failure",
    "      in case of functions name collision with another library).",
];

fn function_help_command(_s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    c.add_reply_help(&argv[0], FUNCTION_HELP);
}

pub static HANDLERS: &[(&str, crate::server::command::CommandProc)] = &[
    ("fcall", fcall_command),
    ("fcall_ro", fcall_ro_command),
    ("function|load", function_load_command),
    ("function|delete", function_delete_command),
    ("function|flush", function_flush_command),
    ("function|kill", function_kill_command),
    ("function|dump", function_dump_command),
    ("function|restore", function_restore_command),
    ("function|list", function_list_command),
    ("function|stats", function_stats_command),
    ("function|help", function_help_command),
];
