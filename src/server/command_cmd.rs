//! The COMMAND command. Redis counterpart: server.c (commandCommand and its
//! subcommands, addReplyCommandInfo / addReplyCommandDocs,
//! getKeysSubcommandImpl); the key finding itself is in getkeys.rs (db.c).
//! Everything here reads the command table; nothing is hard-coded per command.

use oxidis_ds::util;

use super::command::*;
use super::getkeys;
use super::Server;
use crate::networking::Client;

fn reply_flags<T: Copy + Into<u64>>(c: &mut Client, flags: u64, names: &[(T, &str)]) {
    let set: Vec<&str> = names
        .iter()
        .filter(|(f, _)| flags & (*f).into() != 0)
        .map(|(_, n)| *n)
        .collect();
    c.add_reply_set_len(set.len());
    for n in set {
        c.add_reply_status(n);
    }
}

fn reply_key_specs(c: &mut Client, def: &CommandDef) {
    c.add_reply_set_len(def.key_specs.len());
    for ks in def.key_specs {
        let has_notes = !ks.notes.is_empty();
        c.add_reply_map_len(3 + has_notes as usize);
        if has_notes {
            c.add_reply_bulk_str("notes");
            c.add_reply_bulk_str(ks.notes);
        }
        c.add_reply_bulk_str("flags");
        reply_flags(c, ks.flags, KEY_FLAG_NAMES);
        c.add_reply_bulk_str("begin_search");
        c.add_reply_map_len(2);
        c.add_reply_bulk_str("type");
        match ks.bs {
            BeginSearch::Unknown => {
                c.add_reply_bulk_str("unknown");
                c.add_reply_bulk_str("spec");
                c.add_reply_map_len(0);
            }
            BeginSearch::Index(pos) => {
                c.add_reply_bulk_str("index");
                c.add_reply_bulk_str("spec");
                c.add_reply_map_len(1);
                c.add_reply_bulk_str("index");
                c.add_reply_long(pos as i64);
            }
            BeginSearch::Keyword(kw, from) => {
                c.add_reply_bulk_str("keyword");
                c.add_reply_bulk_str("spec");
                c.add_reply_map_len(2);
                c.add_reply_bulk_str("keyword");
                c.add_reply_bulk_str(kw);
                c.add_reply_bulk_str("startfrom");
                c.add_reply_long(from as i64);
            }
        }
        c.add_reply_bulk_str("find_keys");
        c.add_reply_map_len(2);
        c.add_reply_bulk_str("type");
        match ks.fk {
            FindKeys::Unknown => {
                c.add_reply_bulk_str("unknown");
                c.add_reply_bulk_str("spec");
                c.add_reply_map_len(0);
            }
            FindKeys::Range {
                lastkey,
                keystep,
                limit,
            } => {
                c.add_reply_bulk_str("range");
                c.add_reply_bulk_str("spec");
                c.add_reply_map_len(3);
                c.add_reply_bulk_str("lastkey");
                c.add_reply_long(lastkey as i64);
                c.add_reply_bulk_str("keystep");
                c.add_reply_long(keystep as i64);
                c.add_reply_bulk_str("limit");
                c.add_reply_long(limit as i64);
            }
            FindKeys::Keynum {
                keynumidx,
                firstkey,
                keystep,
            } => {
                c.add_reply_bulk_str("keynum");
                c.add_reply_bulk_str("spec");
                c.add_reply_map_len(3);
                c.add_reply_bulk_str("keynumidx");
                c.add_reply_long(keynumidx as i64);
                c.add_reply_bulk_str("firstkey");
                c.add_reply_long(firstkey as i64);
                c.add_reply_bulk_str("keystep");
                c.add_reply_long(keystep as i64);
            }
        }
    }
}

/// Redis: addReplyCommandInfo.
fn reply_command_info(s: &Server, c: &mut Client, idx: Option<usize>) {
    let Some(idx) = idx else {
        return c.add_reply_null_array();
    };
    let cmd = s.commands.get(idx);
    let def = cmd.def;
    c.add_reply_array_len(10);
    c.add_reply_bulk_str(&cmd.fullname);
    c.add_reply_long(def.arity as i64);
    reply_flags(c, def.flags, CMD_FLAG_NAMES);
    c.add_reply_long(def.legacy.0 as i64);
    c.add_reply_long(def.legacy.1 as i64);
    c.add_reply_long(def.legacy.2 as i64);
    let cats: Vec<&str> = ACL_CATEGORY_NAMES
        .iter()
        .enumerate()
        .filter(|(i, _)| def.acl & (1 << i) != 0)
        .map(|(_, n)| *n)
        .collect();
    c.add_reply_set_len(cats.len());
    for n in cats {
        c.add_reply_status(&format!("@{}", n));
    }
    c.add_reply_set_len(def.tips.len());
    for t in def.tips {
        c.add_reply_bulk_str(t);
    }
    reply_key_specs(c, def);
    let subs: Vec<usize> = sorted_subs(s, idx);
    c.add_reply_array_len(subs.len());
    for sub in subs {
        reply_command_info(s, c, Some(sub));
    }
}

fn sorted_subs(s: &Server, idx: usize) -> Vec<usize> {
    let mut v: Vec<usize> = s.commands.get(idx).subcommands.values().copied().collect();
    v.sort();
    v
}

fn reply_args(c: &mut Client, args: &[Arg]) {
    c.add_reply_array_len(args.len());
    for a in args {
        let nested = a.typ == "oneof" || a.typ == "block";
        let maplen = 2
            + (a.key_spec_index != -1) as usize
            + a.token.is_some() as usize
            + (!a.since.is_empty()) as usize
            + (!a.deprecated_since.is_empty()) as usize
            + (a.flags != 0) as usize
            + nested as usize;
        c.add_reply_map_len(maplen);
        c.add_reply_bulk_str("name");
        c.add_reply_bulk_str(a.name);
        c.add_reply_bulk_str("type");
        c.add_reply_bulk_str(a.typ);
        if a.key_spec_index != -1 {
            c.add_reply_bulk_str("key_spec_index");
            c.add_reply_long(a.key_spec_index as i64);
        }
        if let Some(token) = a.token {
            c.add_reply_bulk_str("token");
            c.add_reply_bulk_str(token);
        }
        if !a.since.is_empty() {
            c.add_reply_bulk_str("since");
            c.add_reply_bulk_str(a.since);
        }
        if !a.deprecated_since.is_empty() {
            c.add_reply_bulk_str("deprecated_since");
            c.add_reply_bulk_str(a.deprecated_since);
        }
        if a.flags != 0 {
            c.add_reply_bulk_str("flags");
            reply_flags(
                c,
                a.flags as u64,
                &[(1u64, "optional"), (2, "multiple"), (4, "multiple_token")],
            );
        }
        if nested {
            c.add_reply_bulk_str("arguments");
            reply_args(c, a.subargs);
        }
    }
}

/// Redis: addReplyCommandDocs.
fn reply_command_docs(s: &Server, c: &mut Client, idx: usize) {
    let cmd = s.commands.get(idx);
    let def = cmd.def;
    let subs = sorted_subs(s, idx);
    let maplen = 1
        + (!def.summary.is_empty()) as usize
        + (!def.since.is_empty()) as usize
        + (!def.complexity.is_empty()) as usize
        + (def.doc_flags != 0) as usize
        + (!def.deprecated_since.is_empty()) as usize
        + (!def.replaced_by.is_empty()) as usize
        + (!def.history.is_empty()) as usize
        + (!def.args.is_empty()) as usize
        + (!subs.is_empty()) as usize;
    c.add_reply_map_len(maplen);
    if !def.summary.is_empty() {
        c.add_reply_bulk_str("summary");
        c.add_reply_bulk_str(def.summary);
    }
    if !def.since.is_empty() {
        c.add_reply_bulk_str("since");
        c.add_reply_bulk_str(def.since);
    }
    c.add_reply_bulk_str("group");
    c.add_reply_bulk_str(def.group);
    if !def.complexity.is_empty() {
        c.add_reply_bulk_str("complexity");
        c.add_reply_bulk_str(def.complexity);
    }
    if def.doc_flags != 0 {
        c.add_reply_bulk_str("doc_flags");
        reply_flags(
            c,
            def.doc_flags as u64,
            &[(1u64, "deprecated"), (2, "syscmd")],
        );
    }
    if !def.deprecated_since.is_empty() {
        c.add_reply_bulk_str("deprecated_since");
        c.add_reply_bulk_str(def.deprecated_since);
    }
    if !def.replaced_by.is_empty() {
        c.add_reply_bulk_str("replaced_by");
        c.add_reply_bulk_str(def.replaced_by);
    }
    if !def.history.is_empty() {
        c.add_reply_bulk_str("history");
        c.add_reply_set_len(def.history.len());
        for (since, what) in def.history {
            c.add_reply_array_len(2);
            c.add_reply_bulk_str(since);
            c.add_reply_bulk_str(what);
        }
    }
    if !def.args.is_empty() {
        c.add_reply_bulk_str("arguments");
        reply_args(c, def.args);
    }
    if !subs.is_empty() {
        c.add_reply_bulk_str("subcommands");
        c.add_reply_map_len(subs.len());
        for sub in subs {
            c.add_reply_bulk_str(&s.commands.get(sub).fullname);
            reply_command_docs(s, c, sub);
        }
    }
}

fn command_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    let tops: Vec<usize> = s.commands.top_level().map(|c| c.id).collect();
    c.add_reply_array_len(tops.len());
    for i in tops {
        reply_command_info(s, c, Some(i));
    }
}

fn command_count_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    c.add_reply_long(s.commands.top_level().count() as i64);
}

fn command_info_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if argv.len() == 2 {
        return command_command(s, c, argv);
    }
    c.add_reply_array_len(argv.len() - 2);
    for name in &argv[2..] {
        let idx = s.commands.lookup_fullname(name);
        reply_command_info(s, c, idx);
    }
}

fn command_docs_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let list: Vec<usize> = if argv.len() == 2 {
        s.commands.top_level().map(|c| c.id).collect()
    } else {
        argv[2..]
            .iter()
            .filter_map(|n| s.commands.lookup_fullname(n))
            .collect()
    };
    c.add_reply_map_len(list.len());
    for i in list {
        c.add_reply_bulk_str(&s.commands.get(i).fullname.clone());
        reply_command_docs(s, c, i);
    }
}

fn command_list_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    enum Filter {
        None,
        AclCat(u64),
        Pattern(Vec<u8>),
        Module,
    }
    let mut filter = Filter::None;
    let mut i = 2;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        if argv[i].eq_ignore_ascii_case(b"filterby") && more == 2 {
            let ft = argv[i + 1].to_ascii_lowercase();
            let arg = &argv[i + 2];
            filter = match ft.as_slice() {
                b"module" => Filter::Module,
                b"aclcat" => {
                    let lower = arg.to_ascii_lowercase();
                    let bit = ACL_CATEGORY_NAMES
                        .iter()
                        .position(|n| n.as_bytes() == lower.as_slice())
                        .map(|p| 1u64 << p)
                        .unwrap_or(0);
                    Filter::AclCat(bit)
                }
                b"pattern" => Filter::Pattern(arg.clone()),
                _ => return c.add_reply_syntax_err(),
            };
            i += 3;
        } else {
            return c.add_reply_syntax_err();
        }
    }
    let mut names = Vec::new();
    for top in s.commands.top_level() {
        let mut ids = vec![top.id];
        ids.extend(sorted_subs(s, top.id));
        for id in ids {
            let cmd = s.commands.get(id);
            let keep = match &filter {
                Filter::None => true,
                Filter::Module => false,
                Filter::AclCat(bit) => *bit != 0 && cmd.def.acl & bit != 0,
                Filter::Pattern(p) => util::string_match_len(p, cmd.fullname.as_bytes(), true),
            };
            if keep {
                names.push(cmd.fullname.clone());
            }
        }
    }
    c.add_reply_bulks(names.iter());
}

/// Redis: getKeysSubcommandImpl.
fn getkeys_impl(s: &mut Server, c: &mut Client, argv: &[Vec<u8>], with_flags: bool) {
    let sub = &argv[2..];
    let Some(idx) = s.commands.lookup(sub).filter(|&i| {
        let t = s.commands.get(i);
        // lookup() may return a container for an unknown subcommand.
        t.proc_.is_some() || sub.len() == 1
    }) else {
        return c.add_reply_error("Invalid command specified");
    };
    let def = s.commands.get(idx).def;
    if !getkeys::does_command_have_keys(def) {
        return c.add_reply_error("The command has no key arguments");
    }
    let n = sub.len() as i32;
    if (def.arity > 0 && def.arity != n) || n < -def.arity {
        return c.add_reply_error("Invalid number of arguments specified for command");
    }
    let keys = getkeys::get_keys_from_command_with_specs(def, sub);
    if keys.is_empty() {
        if def.flags & CMD_NO_MANDATORY_KEYS != 0 {
            c.add_reply_array_len(0);
        } else {
            c.add_reply_error("Invalid arguments specified for command");
        }
        return;
    }
    c.add_reply_array_len(keys.len());
    for k in keys {
        if with_flags {
            c.add_reply_array_len(2);
            c.add_reply_bulk(&sub[k.pos]);
            reply_flags(c, k.flags, KEY_FLAG_NAMES);
        } else {
            c.add_reply_bulk(&sub[k.pos]);
        }
    }
}

fn command_getkeys_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    getkeys_impl(s, c, argv, false)
}
fn command_getkeysandflags_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    getkeys_impl(s, c, argv, true)
}

fn command_help_command(_s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    c.add_reply_help(
        &argv[0],
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full Redis command.",
        ],
    );
}

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("command", command_command),
    ("command|count", command_count_command),
    ("command|info", command_info_command),
    ("command|docs", command_docs_command),
    ("command|list", command_list_command),
    ("command|getkeys", command_getkeys_command),
    ("command|getkeysandflags", command_getkeysandflags_command),
    ("command|help", command_help_command),
];
