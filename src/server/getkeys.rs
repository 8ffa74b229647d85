//! Finding the key arguments of a command line. Redis counterpart: db.c
//! (getKeysUsingKeySpecs, getKeysFromCommandWithSpecs, doesCommandHaveKeys
//! and the per-command `*GetKeys` helpers).
//!
//! Key specs are the primary source: each says where its keys begin (an
//! index, or the argument after a keyword) and how many follow (a range, or a
//! count read from the arguments). Some commands cannot be described that
//! way, or only partly: their spec is `unknown` or flagged `incomplete`
//! (SORT's STORE, MIGRATE's KEYS), or the access flags depend on the
//! arguments (`variable_flags`: SET with GET, BITFIELD with only GETs). For
//! those Redis falls back to a hand-written helper named by the JSON spec's
//! `get_keys_function`; the generator binds it as `CommandDef::getkeys_proc`.
//!
//! Positions are indices into the command's own argv (argv[0] is the name).

use oxidis_ds::util;

use super::command::{BeginSearch, CommandDef, FindKeys};

// Key-spec flags (server.h CMD_KEY_*) used here.
pub const KEY_RO: u64 = 1 << 0;
pub const KEY_RW: u64 = 1 << 1;
pub const KEY_OW: u64 = 1 << 2;
pub const KEY_ACCESS: u64 = 1 << 4;
pub const KEY_UPDATE: u64 = 1 << 5;
pub const KEY_INSERT: u64 = 1 << 6;
pub const KEY_DELETE: u64 = 1 << 7;
pub const KEY_NOT_KEY: u64 = 1 << 8;
pub const KEY_INCOMPLETE: u64 = 1 << 9;
pub const KEY_VARIABLE_FLAGS: u64 = 1 << 10;

/// One key argument: its position in argv and how it is accessed.
/// Redis: keyReference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyRef {
    pub pos: usize,
    pub flags: u64,
}

/// A command's own key finder. Redis: redisGetKeysProc.
pub type GetKeysProc = fn(&[Vec<u8>]) -> Vec<KeyRef>;

fn key(pos: usize, flags: u64) -> KeyRef {
    KeyRef { pos, flags }
}

/// OR of the flags of every spec (or, with `inv`, of their complements).
/// Redis: getAllKeySpecsFlags.
fn all_key_specs_flags(def: &CommandDef, inv: bool) -> u64 {
    def.key_specs
        .iter()
        .fold(0, |acc, s| acc | if inv { !s.flags } else { s.flags })
}

/// Redis: doesCommandHaveKeys — a helper, or a spec that is not NOT_KEY.
pub fn does_command_have_keys(def: &CommandDef) -> bool {
    def.getkeys_proc.is_some() || all_key_specs_flags(def, true) & KEY_NOT_KEY != 0
}

/// Redis: getKeysUsingKeySpecs with GET_KEYSPEC_DEFAULT. `None` when a spec
/// cannot be applied to these arguments (unknown, incomplete, out of range),
/// which tells the caller to try the command's helper instead.
pub fn get_keys_using_key_specs(def: &CommandDef, argv: &[Vec<u8>]) -> Option<Vec<KeyRef>> {
    let argc = argv.len() as i64;
    let mut out = Vec::new();
    for spec in def.key_specs {
        if spec.flags & KEY_NOT_KEY != 0 {
            continue;
        }
        let mut first: i64 = match spec.bs {
            BeginSearch::Index(p) => p as i64,
            BeginSearch::Keyword(kw, from) => {
                // Scan forward from `startfrom`, or backward from the end
                // when it is negative; the key follows the keyword.
                let from = from as i64;
                let start = if from > 0 { from } else { argc + from };
                let end = if from > 0 { argc - 1 } else { 1 };
                let mut found = 0;
                let mut i = start;
                while i != end {
                    if i >= argc || i < 1 {
                        break;
                    }
                    if argv[i as usize].eq_ignore_ascii_case(kw.as_bytes()) {
                        found = i + 1;
                        break;
                    }
                    i = if start <= end { i + 1 } else { i - 1 };
                }
                if found == 0 {
                    continue;
                }
                found
            }
            BeginSearch::Unknown => return None,
        };
        let (last, step) = match spec.fk {
            FindKeys::Range {
                lastkey,
                keystep,
                limit,
            } => {
                let last = if lastkey >= 0 {
                    first + lastkey as i64
                } else if limit == 0 {
                    argc + lastkey as i64
                } else {
                    first + ((argc - first) / limit as i64 + lastkey as i64)
                };
                (last, keystep as i64)
            }
            FindKeys::Keynum {
                keynumidx,
                firstkey,
                keystep,
            } => {
                let idx = first + keynumidx as i64;
                if keynumidx as i64 >= argc || idx >= argc {
                    return None;
                }
                let n = util::string2ll(&argv[idx as usize]).filter(|&n| n >= 0)?;
                first += firstkey as i64;
                (first + n - 1, keystep as i64)
            }
            FindKeys::Unknown => return None,
        };
        if last >= argc || last < first || first >= argc {
            return None;
        }
        let mut i = first;
        while i <= last {
            // Commands with a variable arity get no dispatch-time check that
            // the specs fit, so an index past argc simply yields no key.
            if i >= argc {
                break;
            }
            out.push(key(i as usize, spec.flags));
            i += step.max(1);
        }
        // The keys of an incomplete spec are not the whole story.
        if spec.flags & KEY_INCOMPLETE != 0 {
            return None;
        }
    }
    Some(out)
}

/// Redis: getKeysFromCommandWithSpecs (GET_KEYSPEC_DEFAULT). Key specs
/// first, when they exist and their flags are fixed; the command's helper
/// when they fail or their flags depend on the arguments.
pub fn get_keys_from_command_with_specs(def: &CommandDef, argv: &[Vec<u8>]) -> Vec<KeyRef> {
    let has_keyspec = all_key_specs_flags(def, true) & KEY_NOT_KEY != 0;
    let has_varflags = all_key_specs_flags(def, false) & KEY_VARIABLE_FLAGS != 0;
    if has_keyspec && !has_varflags {
        if let Some(keys) = get_keys_using_key_specs(def, argv) {
            return keys;
        }
    }
    match def.getkeys_proc {
        Some(proc_) => proc_(argv),
        None => Vec::new(),
    }
}

/// `CMD [destkey] <numkeys> <key> ... <options>`: no keys at all when
/// numkeys is out of range, since the command will answer a syntax error.
/// Redis: genericGetKeys.
fn generic_get_keys(store: usize, count: usize, first: usize, argv: &[Vec<u8>]) -> Vec<KeyRef> {
    let Some(n) = argv.get(count).map(|a| util::atoi(a)) else {
        return Vec::new();
    };
    if n < 1 || n > (argv.len() as i64 - first as i64) {
        return Vec::new();
    }
    let mut keys: Vec<KeyRef> = (0..n as usize).map(|i| key(first + i, 0)).collect();
    if store != 0 {
        keys.push(key(store, 0));
    }
    keys
}

pub fn sintercard_get_keys(argv: &[Vec<u8>]) -> Vec<KeyRef> {
    generic_get_keys(0, 1, 2, argv)
}
pub fn zunion_inter_diff_store_get_keys(argv: &[Vec<u8>]) -> Vec<KeyRef> {
    generic_get_keys(1, 2, 3, argv)
}
pub fn zunion_inter_diff_get_keys(argv: &[Vec<u8>]) -> Vec<KeyRef> {
    generic_get_keys(0, 1, 2, argv)
}
pub fn eval_get_keys(argv: &[Vec<u8>]) -> Vec<KeyRef> {
    generic_get_keys(0, 2, 3, argv)
}
pub fn function_get_keys(argv: &[Vec<u8>]) -> Vec<KeyRef> {
    generic_get_keys(0, 2, 3, argv)
}
pub fn lmpop_get_keys(argv: &[Vec<u8>]) -> Vec<KeyRef> {
    generic_get_keys(0, 1, 2, argv)
}
/// Also BZMPOP's (the same shape: timeout, numkeys, keys).
pub fn blmpop_get_keys(argv: &[Vec<u8>]) -> Vec<KeyRef> {
    generic_get_keys(0, 2, 3, argv)
}
pub fn zmpop_get_keys(argv: &[Vec<u8>]) -> Vec<KeyRef> {
    generic_get_keys(0, 1, 2, argv)
}

/// SORT_RO reads its first argument; BY and GET patterns are not keys it can
/// name in advance. Redis: sortROGetKeys.
pub fn sort_ro_get_keys(_argv: &[Vec<u8>]) -> Vec<KeyRef> {
    vec![key(1, KEY_RO | KEY_ACCESS)]
}

/// SORT key ... [STORE dest]: skips the options that take arguments so that
/// a "store" argument of LIMIT/GET/BY is not mistaken for the option; the
/// last STORE wins, as in SORT itself. Redis: sortGetKeys.
pub fn sort_get_keys(argv: &[Vec<u8>]) -> Vec<KeyRef> {
    let mut keys = vec![key(1, KEY_RO | KEY_ACCESS)];
    let mut store = None;
    let mut i = 2;
    while i < argv.len() {
        let a = &argv[i];
        if a.eq_ignore_ascii_case(b"limit") {
            i += 2;
        } else if a.eq_ignore_ascii_case(b"get") || a.eq_ignore_ascii_case(b"by") {
            i += 1;
        } else if a.eq_ignore_ascii_case(b"store") && i + 1 < argv.len() {
            store = Some(i + 1);
        }
        i += 1;
    }
    if let Some(pos) = store {
        keys.push(key(pos, KEY_OW | KEY_UPDATE));
    }
    keys
}

/// MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw]
/// [AUTH2 user pw] [KEYS key ...]. Redis: migrateGetKeys.
pub fn migrate_get_keys(argv: &[Vec<u8>]) -> Vec<KeyRef> {
    let (mut first, mut num) = (3, 1);
    if argv.len() > 6 {
        let mut i = 6;
        while i < argv.len() {
            let a = &argv[i];
            if a.eq_ignore_ascii_case(b"keys") {
                if !argv[3].is_empty() {
                    // A syntax error MIGRATE itself reports.
                    num = 0;
                } else {
                    first = i + 1;
                    num = argv.len() - first;
                }
                break;
            }
            if a.eq_ignore_ascii_case(b"auth") {
                i += 1;
            } else if a.eq_ignore_ascii_case(b"auth2") {
                i += 2;
            }
            i += 1;
        }
    }
    (first..first + num)
        .map(|p| key(p, KEY_RW | KEY_ACCESS | KEY_DELETE))
        .collect()
}

/// GEORADIUS key ... [STORE key] [STOREDIST key]; the last one wins.
/// Redis: georadiusGetKeys.
pub fn georadius_get_keys(argv: &[Vec<u8>]) -> Vec<KeyRef> {
    let mut stored = None;
    let mut i = 5;
    while i < argv.len() {
        let a = &argv[i];
        if (a.eq_ignore_ascii_case(b"store") || a.eq_ignore_ascii_case(b"storedist"))
            && i + 1 < argv.len()
        {
            stored = Some(i + 1);
            i += 1;
        }
        i += 1;
    }
    let mut keys = vec![key(1, 0)];
    if let Some(p) = stored {
        keys.push(key(p, 0));
    }
    keys
}

/// XREAD/XREADGROUP ... STREAMS key ... id ...: the first STREAMS that is an
/// option (not an option's argument) starts the keys, which are the first
/// half of what follows. Redis: xreadGetKeys.
pub fn xread_get_keys(argv: &[Vec<u8>]) -> Vec<KeyRef> {
    let mut streams_pos = None;
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        if a.eq_ignore_ascii_case(b"block") || a.eq_ignore_ascii_case(b"count") {
            i += 1;
        } else if a.eq_ignore_ascii_case(b"group") {
            i += 2;
        } else if a.eq_ignore_ascii_case(b"noack") {
        } else if a.eq_ignore_ascii_case(b"streams") {
            streams_pos = Some(i);
            break;
        } else {
            break;
        }
        i += 1;
    }
    let Some(sp) = streams_pos else {
        return Vec::new();
    };
    let num = argv.len() - sp - 1;
    if num == 0 || !num.is_multiple_of(2) {
        return Vec::new();
    }
    (sp + 1..sp + 1 + num / 2).map(|p| key(p, 0)).collect()
}

/// SET reads the old value only with GET. Redis: setGetKeys.
pub fn set_get_keys(argv: &[Vec<u8>]) -> Vec<KeyRef> {
    let get = argv.iter().skip(3).any(|a| a.eq_ignore_ascii_case(b"get"));
    if get {
        vec![key(1, KEY_RW | KEY_ACCESS | KEY_UPDATE)]
    } else {
        vec![key(1, KEY_OW | KEY_UPDATE)]
    }
}

/// BITFIELD is read-only when it has only GET (and OVERFLOW) operations.
/// Redis: bitfieldGetKeys.
pub fn bitfield_get_keys(argv: &[Vec<u8>]) -> Vec<KeyRef> {
    let mut readonly = true;
    let argc = argv.len();
    let mut i = 2;
    while i < argc {
        let rem = argc - i - 1;
        let a = &argv[i];
        if a.eq_ignore_ascii_case(b"get") && rem >= 2 {
            i += 2;
        } else if (a.eq_ignore_ascii_case(b"set") || a.eq_ignore_ascii_case(b"incrby")) && rem >= 3
        {
            readonly = false;
            break;
        } else if a.eq_ignore_ascii_case(b"overflow") && rem >= 1 {
            i += 1;
        } else {
            // A syntax error: assume it writes.
            readonly = false;
            break;
        }
        i += 1;
    }
    let flags = if readonly {
        KEY_RO | KEY_ACCESS
    } else {
        KEY_RW | KEY_ACCESS | KEY_UPDATE
    };
    vec![key(1, flags)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::commands_def::COMMAND_DEFS;

    fn def(name: &str) -> &'static CommandDef {
        COMMAND_DEFS.iter().find(|d| d.name == name).unwrap()
    }

    fn args(s: &str) -> Vec<Vec<u8>> {
        s.split(' ')
            .map(|a| {
                if a == "''" {
                    Vec::new()
                } else {
                    a.as_bytes().to_vec()
                }
            })
            .collect()
    }

    fn keys(name: &str, line: &str) -> Vec<(String, u64)> {
        let argv = args(line);
        get_keys_from_command_with_specs(def(name), &argv)
            .into_iter()
            .map(|k| (String::from_utf8(argv[k.pos].clone()).unwrap(), k.flags))
            .collect()
    }

    fn names(v: Vec<(String, u64)>) -> Vec<String> {
        v.into_iter().map(|(n, _)| n).collect()
    }

    #[test]
    fn variable_flags_use_the_helper() {
        assert_eq!(
            keys("set", "set k v"),
            vec![("k".into(), KEY_OW | KEY_UPDATE)]
        );
        assert_eq!(
            keys("set", "set k v GET"),
            vec![("k".into(), KEY_RW | KEY_ACCESS | KEY_UPDATE)]
        );
        assert_eq!(
            keys("bitfield", "bitfield k get u8 0"),
            vec![("k".into(), KEY_RO | KEY_ACCESS)]
        );
        assert_eq!(
            keys("bitfield", "bitfield k set u8 0 1"),
            vec![("k".into(), KEY_RW | KEY_ACCESS | KEY_UPDATE)]
        );
    }

    #[test]
    fn incomplete_and_unknown_specs_fall_back() {
        // MIGRATE's first spec is incomplete: the empty key is not a key.
        assert_eq!(
            names(keys("migrate", "migrate h p '' 0 5 COPY AUTH pw KEYS a b")),
            ["a", "b"]
        );
        assert_eq!(names(keys("migrate", "migrate h p k 0 5")), ["k"]);
        assert!(keys("migrate", "migrate h p k 0 5 KEYS a").is_empty());
        assert_eq!(
            keys("sort", "sort k1 limit 0 1 get store store k2"),
            vec![
                ("k1".into(), KEY_RO | KEY_ACCESS),
                ("k2".into(), KEY_OW | KEY_UPDATE)
            ]
        );
        assert_eq!(names(keys("sort_ro", "sort_ro k by x")), ["k"]);
    }

    #[test]
    fn numkeys_commands() {
        assert_eq!(
            names(keys("zunionstore", "zunionstore t 2 a b weights 1 2")),
            ["t", "a", "b"]
        );
        // numkeys 0 makes the keynum spec fail; the helper finds nothing.
        assert!(keys("eval", "eval s 0").is_empty());
        assert_eq!(names(keys("eval", "eval s 1 k a")), ["k"]);
        assert!(keys("zunion", "zunion 5 a b").is_empty());
    }

    #[test]
    fn helpers_for_commands_without_usable_specs() {
        assert_eq!(
            names_of(xread_get_keys(&args("xread count 2 streams a b 0 0"))),
            [4, 5]
        );
        assert!(xread_get_keys(&args("xread streams a b 0")).is_empty());
        assert_eq!(
            names_of(georadius_get_keys(&args(
                "georadius k 0 0 1 km store s1 storedist s2"
            ))),
            [1, 9]
        );
    }

    fn names_of(v: Vec<KeyRef>) -> Vec<usize> {
        v.into_iter().map(|k| k.pos).collect()
    }
}
