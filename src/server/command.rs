//! The command table's types. Redis counterpart: server.h (`struct redisCommand`,
//! `CMD_*` flags, key specs) and the registration half of server.c
//! (`populateCommandTable`, `lookupCommand`).
//!
//! The metadata itself (arity, flags, key specs, docs) is data generated from
//! Redis's own JSON command specs into `commands_def.rs`. Each type module only
//! binds handlers to names (`HANDLERS` tables); `CommandTable::build` joins the
//! two at start-up. A command with metadata but no handler is simply not
//! registered, so `COMMAND` never advertises what oxidis cannot do.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::networking::Client;
use crate::server::Server;

/// A command handler: the server, the calling client, and the arguments
/// (argv[0] is the command name as the client typed it).
pub type CommandProc = fn(&mut Server, &mut Client, &[Vec<u8>]);

// Command flags (server.h CMD_*); bit positions match Redis.
pub const CMD_WRITE: u64 = 1 << 0;
pub const CMD_READONLY: u64 = 1 << 1;
pub const CMD_DENYOOM: u64 = 1 << 2;
pub const CMD_MODULE: u64 = 1 << 3;
pub const CMD_ADMIN: u64 = 1 << 4;
pub const CMD_PUBSUB: u64 = 1 << 5;
pub const CMD_NOSCRIPT: u64 = 1 << 6;
pub const CMD_BLOCKING: u64 = 1 << 8;
pub const CMD_LOADING: u64 = 1 << 9;
pub const CMD_STALE: u64 = 1 << 10;
pub const CMD_SKIP_MONITOR: u64 = 1 << 11;
pub const CMD_SKIP_SLOWLOG: u64 = 1 << 12;
pub const CMD_ASKING: u64 = 1 << 13;
pub const CMD_FAST: u64 = 1 << 14;
pub const CMD_NO_AUTH: u64 = 1 << 15;
pub const CMD_MAY_REPLICATE: u64 = 1 << 16;
pub const CMD_SENTINEL: u64 = 1 << 17;
pub const CMD_ONLY_SENTINEL: u64 = 1 << 18;
pub const CMD_NO_MANDATORY_KEYS: u64 = 1 << 19;
pub const CMD_PROTECTED: u64 = 1 << 20;
pub const CMD_NO_ASYNC_LOADING: u64 = 1 << 23;
pub const CMD_NO_MULTI: u64 = 1 << 24;
pub const CMD_MOVABLE_KEYS: u64 = 1 << 25;
pub const CMD_ALLOW_BUSY: u64 = 1 << 26;
pub const CMD_TOUCHES_ARBITRARY_KEYS: u64 = 1 << 28;

/* oxidis's own flags, above Redis's bits; COMMAND never shows them. Redis
 * tells these commands apart by their handler (`c->cmd->proc ==
 * execCommand`); Rust does not promise that a function's address is unique,
 * so the table says it instead (`DISPATCH_FLAGS`). */
/// EXEC itself: a rejection aborts the transaction, and its checks see the
/// flags of what it queued.
pub const CMD_X_EXEC: u64 = 1 << 40;
/// Runs at once inside MULTI instead of being queued.
pub const CMD_X_NOT_QUEUED: u64 = 1 << 41;
/// Not refused inside MULTI when over maxmemory.
pub const CMD_X_MULTI_OOM_OK: u64 = 1 << 42;
/// Allowed to a RESP2 client in subscribed mode.
pub const CMD_X_SUBSCRIBED_OK: u64 = 1 << 43;
/// EVAL family: the script's shebang flags replace the command's.
pub const CMD_X_EVAL: u64 = 1 << 44;
/// FCALL family: the function's flags replace the command's.
pub const CMD_X_FCALL: u64 = 1 << 45;
/// Allowed only as `enable-debug-command` says.
pub const CMD_X_DEBUG: u64 = 1 << 46;
/// MODULE LOAD / LOADEX / UNLOAD: allowed only as `enable-module-command`
/// says.
pub const CMD_X_MODULE: u64 = 1 << 55;
/// Refused with -MISCONF after a failed save, as writes are (PING).
pub const CMD_X_DISK_ERROR_DENIED: u64 = 1 << 47;
/// MULTI itself (an AOF cut back to before an unfinished transaction).
pub const CMD_X_MULTI: u64 = 1 << 51;
/// Batch prefetch: looks up the member (argument 2) of a sorted set by
/// score, so the skiplist path to its current score is worth warming.
pub const CMD_X_WARM_OLD_SCORE: u64 = 1 << 48;
/// Batch prefetch: argument 2 is the member's new score (ZADD).
pub const CMD_X_WARM_NEW_SCORE: u64 = 1 << 49;
/// Batch prefetch: argument 2 is added to the member's score (ZINCRBY).
pub const CMD_X_WARM_INCR_SCORE: u64 = 1 << 50;

/// ACL: every argument from 1 on is a channel the command subscribes to
/// (Redis: db.c's commands_with_channels, CMD_CHANNEL_SUBSCRIBE).
pub const CMD_X_CHANNEL_SUBSCRIBE: u64 = 1 << 52;
/// ACL: the channels are patterns (PSUBSCRIBE), compared literally.
pub const CMD_X_CHANNEL_PATTERN: u64 = 1 << 53;
/// ACL: argument 1 is a channel the command publishes to.
pub const CMD_X_CHANNEL_PUBLISH: u64 = 1 << 54;

/// Which commands carry oxidis's own flags. Applied to the table once, at
/// start-up; after that only flags are tested.
const DISPATCH_FLAGS: &[(&str, u64)] = &[
    ("exec", CMD_X_EXEC | CMD_X_NOT_QUEUED | CMD_X_MULTI_OOM_OK),
    ("discard", CMD_X_NOT_QUEUED | CMD_X_MULTI_OOM_OK),
    ("multi", CMD_X_NOT_QUEUED | CMD_X_MULTI),
    ("watch", CMD_X_NOT_QUEUED),
    (
        "quit",
        CMD_X_NOT_QUEUED | CMD_X_MULTI_OOM_OK | CMD_X_SUBSCRIBED_OK,
    ),
    (
        "reset",
        CMD_X_NOT_QUEUED | CMD_X_MULTI_OOM_OK | CMD_X_SUBSCRIBED_OK,
    ),
    ("ping", CMD_X_SUBSCRIBED_OK | CMD_X_DISK_ERROR_DENIED),
    ("subscribe", CMD_X_SUBSCRIBED_OK | CMD_X_CHANNEL_SUBSCRIBE),
    ("ssubscribe", CMD_X_SUBSCRIBED_OK | CMD_X_CHANNEL_SUBSCRIBE),
    (
        "psubscribe",
        CMD_X_SUBSCRIBED_OK | CMD_X_CHANNEL_SUBSCRIBE | CMD_X_CHANNEL_PATTERN,
    ),
    ("publish", CMD_X_CHANNEL_PUBLISH),
    ("spublish", CMD_X_CHANNEL_PUBLISH),
    ("unsubscribe", CMD_X_SUBSCRIBED_OK),
    ("sunsubscribe", CMD_X_SUBSCRIBED_OK),
    ("punsubscribe", CMD_X_SUBSCRIBED_OK),
    ("eval", CMD_X_EVAL),
    ("eval_ro", CMD_X_EVAL),
    ("evalsha", CMD_X_EVAL),
    ("evalsha_ro", CMD_X_EVAL),
    ("fcall", CMD_X_FCALL),
    ("fcall_ro", CMD_X_FCALL),
    ("debug", CMD_X_DEBUG),
    ("module|load", CMD_X_MODULE),
    ("module|loadex", CMD_X_MODULE),
    ("module|unload", CMD_X_MODULE),
    ("zadd", CMD_X_WARM_OLD_SCORE | CMD_X_WARM_NEW_SCORE),
    ("zincrby", CMD_X_WARM_OLD_SCORE | CMD_X_WARM_INCR_SCORE),
    ("zrem", CMD_X_WARM_OLD_SCORE),
    ("zrank", CMD_X_WARM_OLD_SCORE),
    ("zrevrank", CMD_X_WARM_OLD_SCORE),
];

/// Flag names in the order `COMMAND INFO` prints them (server.c
/// addReplyFlagsForCommand); hidden flags are absent.
pub const CMD_FLAG_NAMES: &[(u64, &str)] = &[
    (CMD_WRITE, "write"),
    (CMD_READONLY, "readonly"),
    (CMD_DENYOOM, "denyoom"),
    (CMD_MODULE, "module"),
    (CMD_ADMIN, "admin"),
    (CMD_PUBSUB, "pubsub"),
    (CMD_NOSCRIPT, "noscript"),
    (CMD_BLOCKING, "blocking"),
    (CMD_LOADING, "loading"),
    (CMD_STALE, "stale"),
    (CMD_SKIP_MONITOR, "skip_monitor"),
    (CMD_SKIP_SLOWLOG, "skip_slowlog"),
    (CMD_ASKING, "asking"),
    (CMD_FAST, "fast"),
    (CMD_NO_AUTH, "no_auth"),
    (CMD_NO_MANDATORY_KEYS, "no_mandatory_keys"),
    (CMD_NO_ASYNC_LOADING, "no_async_loading"),
    (CMD_NO_MULTI, "no_multi"),
    (CMD_MOVABLE_KEYS, "movablekeys"),
    (CMD_ALLOW_BUSY, "allow_busy"),
];

/// Key-spec flags (server.h CMD_KEY_*), in COMMAND's print order.
pub const KEY_FLAG_NAMES: &[(u64, &str)] = &[
    (1 << 0, "RO"),
    (1 << 1, "RW"),
    (1 << 2, "OW"),
    (1 << 3, "RM"),
    (1 << 4, "access"),
    (1 << 5, "update"),
    (1 << 6, "insert"),
    (1 << 7, "delete"),
    (1 << 8, "not_key"),
    (1 << 9, "incomplete"),
    (1 << 10, "variable_flags"),
];

/// ACL categories, bit i = entry i (acl.c ACLCommandCategories order).
pub const ACL_CATEGORY_NAMES: &[&str] = &[
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
];

pub const ARG_FLAG_NAMES: &[(u8, &str)] =
    &[(1, "optional"), (2, "multiple"), (4, "multiple_token")];

/// Where a key spec starts looking for keys.
#[derive(Debug)]
pub enum BeginSearch {
    Unknown,
    Index(i32),
    Keyword(&'static str, i32),
}

/// How a key spec finds the keys once it has started.
#[derive(Debug)]
pub enum FindKeys {
    Unknown,
    Range {
        lastkey: i32,
        keystep: i32,
        limit: i32,
    },
    Keynum {
        keynumidx: i32,
        firstkey: i32,
        keystep: i32,
    },
}

#[derive(Debug)]
pub struct KeySpec {
    pub notes: &'static str,
    pub flags: u64,
    pub bs: BeginSearch,
    pub fk: FindKeys,
}

/// One argument in a command's documentation (COMMAND DOCS).
#[derive(Debug)]
pub struct Arg {
    pub name: &'static str,
    pub typ: &'static str,
    pub key_spec_index: i32,
    pub token: Option<&'static str>, // Some("") is shown (MIGRATE's empty-key token)
    pub since: &'static str,
    pub deprecated_since: &'static str,
    pub flags: u8,
    pub subargs: &'static [Arg],
}

/// Static metadata of a command, straight from Redis's JSON specs.
#[derive(Debug)]
pub struct CommandDef {
    pub name: &'static str,
    pub summary: &'static str,
    pub complexity: &'static str,
    pub since: &'static str,
    pub group: &'static str,
    pub doc_flags: u8,
    pub deprecated_since: &'static str,
    pub replaced_by: &'static str,
    pub function: &'static str, // the C function Redis runs it with (debugCommand)
    pub history: &'static [(&'static str, &'static str)],
    pub tips: &'static [&'static str],
    pub arity: i32,              // >0 exact, <0 at least -arity
    pub flags: u64,              // CMD_* bits, movablekeys already derived
    pub acl: u64,                // ACL category bits, implicit ones included
    pub legacy: (i32, i32, i32), // (firstkey, lastkey, step) as COMMAND INFO prints them
    pub key_specs: &'static [KeySpec],
    pub getkeys_proc: Option<super::getkeys::GetKeysProc>, // Redis: getkeys_proc
    pub args: &'static [Arg],
    pub subcommands: &'static [CommandDef],
}

/// A registered command: metadata plus handler. Redis: `struct redisCommand`.
pub struct RedisCommand {
    pub def: &'static CommandDef,
    pub flags: u64,                           // def.flags plus oxidis's CMD_X_* bits
    pub fullname: String,                     // "get", or "config|get" for a subcommand
    pub proc_: Option<CommandProc>,           // None only for containers
    pub id: usize,                            // index into the per-command statistics
    pub subcommands: HashMap<Vec<u8>, usize>, // lowercase subcommand -> command index
    pub parent: Option<usize>,
}

impl RedisCommand {
    pub fn flags(&self) -> u64 {
        self.flags
    }
    pub fn arity(&self) -> i32 {
        self.def.arity
    }
    pub fn is(&self, flag: u64) -> bool {
        self.flags & flag != 0
    }
}

/// Per-command statistics (INFO commandstats). Redis keeps them inside
/// `struct redisCommand`; here they live beside the table so the table can
/// stay immutable data.
#[derive(Default, Clone, Debug)]
pub struct CommandStats {
    pub calls: u64,
    pub microseconds: u64,
    pub rejected_calls: u64,
    pub failed_calls: u64,
}

/// FNV-1a, for the name index. Every command looks its name up, and std's
/// SipHash showed in profiles; the table's keys are fixed at start-up (plus
/// RENAME-COMMAND), so clients cannot aim collisions at it.
#[derive(Default)]
struct NameHasher(u64);

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type NameMap = HashMap<Vec<u8>, usize, BuildHasherDefault<NameHasher>>;

/// All registered commands. Redis: `server.commands` plus `lookupCommand*`.
pub struct CommandTable {
    pub cmds: Vec<RedisCommand>,
    by_name: NameMap,
    /// Top-level commands by their original name, untouched by
    /// rename-command (Redis: server.orig_commands, which ACL rules use).
    orig: NameMap,
}

fn find_def<'a>(defs: &'a [CommandDef], name: &str) -> Option<&'a CommandDef> {
    defs.iter().find(|d| d.name == name)
}

impl CommandTable {
    /// Joins the generated metadata with the handler tables. A handler name is
    /// "cmd" or "container|sub". Panics on a name without metadata: that is a
    /// programming error caught by the unit test below.
    pub fn build(handler_tables: &[&[(&'static str, CommandProc)]]) -> CommandTable {
        let mut t = CommandTable {
            cmds: Vec::new(),
            by_name: NameMap::default(),
            orig: NameMap::default(),
        };
        for table in handler_tables {
            for &(name, proc_) in table.iter() {
                t.register(name, proc_);
            }
        }
        t
    }

    fn register(&mut self, name: &'static str, proc_: CommandProc) {
        let defs = super::commands_def::COMMAND_DEFS;
        if let Some((parent, sub)) = name.split_once('|') {
            let pidx = match self.by_name.get(parent.as_bytes()) {
                Some(&i) => i,
                None => {
                    let def = find_def(defs, parent)
                        .unwrap_or_else(|| panic!("no metadata for {parent}"));
                    self.push(def, parent.to_string(), None, None)
                }
            };
            let pdef = self.cmds[pidx].def;
            let def =
                find_def(pdef.subcommands, sub).unwrap_or_else(|| panic!("no metadata for {name}"));
            let idx = self.push(def, name.to_string(), Some(proc_), Some(pidx));
            self.cmds[pidx]
                .subcommands
                .insert(sub.as_bytes().to_vec(), idx);
        } else {
            let def = find_def(defs, name).unwrap_or_else(|| panic!("no metadata for {name}"));
            if let Some(&i) = self.by_name.get(name.as_bytes()) {
                self.cmds[i].proc_ = Some(proc_);
            } else {
                self.push(def, name.to_string(), Some(proc_), None);
            }
        }
    }

    fn push(
        &mut self,
        def: &'static CommandDef,
        fullname: String,
        proc_: Option<CommandProc>,
        parent: Option<usize>,
    ) -> usize {
        let id = self.cmds.len();
        assert!(
            id < crate::acl::COMMAND_BITS - 1,
            "the ACL command bitmap is full"
        );
        if parent.is_none() {
            self.by_name.insert(fullname.as_bytes().to_vec(), id);
            self.orig.insert(fullname.as_bytes().to_vec(), id);
        }
        let extra = DISPATCH_FLAGS
            .iter()
            .find(|(name, _)| *name == fullname)
            .map_or(0, |&(_, f)| f);
        self.cmds.push(RedisCommand {
            def,
            flags: def.flags | extra,
            fullname,
            proc_,
            id,
            subcommands: HashMap::new(),
            parent,
        });
        id
    }

    /// Top-level lookup by name, case-insensitive. Redis: lookupCommandBySds.
    pub fn lookup_top(&self, name: &[u8]) -> Option<usize> {
        if name.len() > 64 {
            return None;
        }
        let mut buf = [0u8; 64];
        let lower = &mut buf[..name.len()];
        lower.copy_from_slice(name);
        lower.make_ascii_lowercase();
        self.by_name.get(&lower[..]).copied()
    }

    /// Subcommand of a container, case-insensitive.
    pub fn lookup_sub(&self, parent: usize, name: &[u8]) -> Option<usize> {
        let lower = name.to_ascii_lowercase();
        self.cmds[parent].subcommands.get(&lower).copied()
    }

    /// Redis: lookupCommand() — resolves `argv[0]` and, for containers,
    /// `argv[1]`. Returns the container itself when the subcommand is unknown.
    pub fn lookup(&self, argv: &[Vec<u8>]) -> Option<usize> {
        let top = self.lookup_top(&argv[0])?;
        if self.cmds[top].subcommands.is_empty() || argv.len() < 2 {
            return Some(top);
        }
        Some(self.lookup_sub(top, &argv[1]).unwrap_or(top))
    }

    /// Resolves "get" or "config|get" (COMMAND INFO / DOCS names).
    pub fn lookup_fullname(&self, name: &[u8]) -> Option<usize> {
        let lower = name.to_ascii_lowercase();
        match lower.iter().position(|&b| b == b'|') {
            Some(p) => {
                let top = self.lookup_top(&lower[..p])?;
                self.lookup_sub(top, &lower[p + 1..])
            }
            None => self.lookup_top(&lower),
        }
    }

    /// A command as ACL rules name it: "get" or "config|get", by original
    /// name, case-insensitive; a container named alone is the container.
    /// Redis: ACLLookupCommand (lookupCommandBySdsLogic, strict).
    pub fn lookup_acl(&self, name: &[u8]) -> Option<usize> {
        let lower = name.to_ascii_lowercase();
        let mut parts = lower.split(|&b| b == b'|');
        let top = *self.orig.get(parts.next()?)?;
        match (parts.next(), parts.next()) {
            (None, _) => Some(top),
            (Some(sub), None) => self.cmds[top].subcommands.get(sub).copied(),
            _ => None,
        }
    }

    /// A container's subcommands, in table order.
    pub fn subcommand_ids(&self, id: usize) -> Vec<usize> {
        let mut ids: Vec<usize> = self.cmds[id].subcommands.values().copied().collect();
        ids.sort_unstable();
        ids
    }

    /// Redis: the rename-command directive. The command keeps its fullname
    /// (and statistics); only the name it is looked up by changes. An empty
    /// `new` removes the command.
    pub fn rename(&mut self, old: &[u8], new: &[u8]) -> Result<(), &'static str> {
        let old = old.to_ascii_lowercase();
        let idx = self
            .by_name
            .remove(&old)
            .ok_or("No such command in rename-command")?;
        if !new.is_empty() {
            let new = new.to_ascii_lowercase();
            if self.by_name.contains_key(&new) {
                return Err("Target command name already exists");
            }
            self.by_name.insert(new, idx);
        }
        Ok(())
    }

    pub fn top_level(&self) -> impl Iterator<Item = &RedisCommand> {
        self.cmds.iter().filter(|c| c.parent.is_none())
    }

    pub fn get(&self, idx: usize) -> &RedisCommand {
        &self.cmds[idx]
    }

    pub fn len(&self) -> usize {
        self.cmds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cmds.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every handler has metadata (build panics otherwise), every name in
    /// DISPATCH_FLAGS is a registered command, and oxidis's bits stay clear
    /// of Redis's and out of COMMAND's output.
    #[test]
    fn the_table_builds_and_every_dispatch_flag_lands() {
        let t = CommandTable::build(&crate::server::init::handler_tables());
        for &(name, f) in DISPATCH_FLAGS {
            let i = t
                .lookup_fullname(name.as_bytes())
                .unwrap_or_else(|| panic!("{name} is not a command"));
            assert_eq!(t.get(i).flags() & f, f, "{name}");
            assert_eq!(t.get(i).def.flags & f, 0, "{name}: bits clash with Redis's");
        }
        for &(bit, _) in CMD_FLAG_NAMES {
            assert!(bit < 1 << 40);
        }
        let exec = t.lookup_top(b"EXEC").unwrap();
        assert!(t.get(exec).is(CMD_X_EXEC));
        assert!(!t.get(t.lookup_top(b"get").unwrap()).is(CMD_X_EXEC));
    }
}
