//! ACL and AUTH. Redis counterpart: acl.c's aclCommand and authCommand.

use oxidis_ds::util;

use super::log::{self, Context, Reason};
use super::selector::{has_spaces, Selector};
use super::user::stage_rules;
use super::{check_command, Denied, DEFAULT_USER};
use crate::networking::Client;
use crate::server::command::CommandProc;
use crate::server::Server;

/// GENPASS's largest password, in bits.
const GENPASS_MAX_BITS: i64 = 4096;

fn setuser_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    c.redacted.extend(2..argv.len());
    let name = &argv[2];
    if has_spaces(name) {
        return c.add_reply_error("Usernames can't contain spaces or null characters");
    }
    let id = s.acl.lookup(name);
    let staged = {
        let base = id.map(|i| s.acl.user(i));
        stage_rules(s.acl_rule_ctx(), base, name, &argv[3..])
    };
    match staged {
        Ok(u) => {
            if let Some(id) = id {
                let original = s.acl.user(id).clone();
                super::kill_pubsub_clients_if_needed(s, c, id, &u, &original);
            }
            s.acl.put(u);
            c.add_reply_ok();
        }
        Err(e) => c.add_reply_error(&e),
    }
}

fn deluser_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if argv[2..].iter().any(|n| n == b"default") {
        return c.add_reply_error("The 'default' user cannot be removed");
    }
    let mut deleted = 0;
    for name in &argv[2..] {
        if let Some(id) = s.acl.lookup(name) {
            super::free_user_and_kill_clients(s, c, id);
            deleted += 1;
        }
    }
    c.add_reply_long(deleted);
}

/// The commands / keys / channels fields of one selector (Redis:
/// aclAddReplySelectorDescription).
fn reply_selector(s: &Server, c: &mut Client, sel: &Selector) {
    c.add_reply_bulk_str("commands");
    c.add_reply_bulk(sel.describe_commands(&s.commands).as_bytes());
    c.add_reply_bulk_str("keys");
    c.add_reply_bulk(&sel.describe_keys());
    c.add_reply_bulk_str("channels");
    c.add_reply_bulk(&sel.describe_channels());
}

fn getuser_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(id) = s.acl.lookup(&argv[2]) else {
        return c.add_reply_null();
    };
    let u = s.acl.user(id);
    c.add_reply_map_len(6);
    c.add_reply_bulk_str("flags");
    let flags = u.flag_names();
    c.add_reply_set_len(flags.len());
    for f in flags {
        c.add_reply_bulk_str(f);
    }
    c.add_reply_bulk_str("passwords");
    c.add_reply_array_len(u.passwords.len());
    for p in &u.passwords {
        c.add_reply_bulk(p.as_bytes());
    }
    reply_selector(s, c, u.root());
    c.add_reply_bulk_str("selectors");
    c.add_reply_array_len(u.selectors.len() - 1);
    for sel in &u.selectors[1..] {
        c.add_reply_map_len(3);
        reply_selector(s, c, sel);
    }
}

/// "user <name> <rules>", as ACL LIST and ACL SAVE write each user.
pub fn user_line(s: &Server, id: super::UserId) -> Vec<u8> {
    let u = s.acl.user(id);
    let mut line = b"user ".to_vec();
    line.extend_from_slice(&u.name);
    line.push(b' ');
    line.extend_from_slice(&u.describe(&s.commands));
    line
}

fn list_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    c.add_reply_array_len(s.acl.len());
    let ids: Vec<_> = s.acl.iter().map(|(id, _)| id).collect();
    for id in ids {
        c.add_reply_bulk(&user_line(s, id));
    }
}

fn users_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    c.add_reply_array_len(s.acl.len());
    for (_, u) in s.acl.iter() {
        c.add_reply_bulk(&u.name);
    }
}

fn whoami_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    if c.user == super::SUPERUSER {
        return c.add_reply_null();
    }
    let name = s.acl.user(c.user).name.clone();
    c.add_reply_bulk(&name);
}

const NO_ACLFILE: &str = "This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.";

fn load_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    if s.config.aclfile.is_empty() {
        return c.add_reply_error(NO_ACLFILE);
    }
    match super::file::load_from_file(s, c) {
        Ok(()) => c.add_reply_ok(),
        Err(e) => c.add_reply_error(&e),
    }
}

fn save_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    if s.config.aclfile.is_empty() {
        return c.add_reply_error(NO_ACLFILE);
    }
    match super::file::save_to_file(s) {
        true => c.add_reply_ok(),
        false => c.add_reply_error(
            "There was an error trying to save the ACLs. Please check the server logs for more information",
        ),
    }
}

fn cat_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let names = crate::server::command::ACL_CATEGORY_NAMES;
    match argv.len() {
        2 => {
            c.add_reply_array_len(names.len());
            for n in names {
                c.add_reply_bulk_str(n);
            }
        }
        3 => {
            let Some(cflag) = super::selector::category_bit(&argv[2]) else {
                let name = &argv[2][..argv[2].len().min(128)];
                return c.add_reply_error(&format!(
                    "Unknown category '{}'",
                    String::from_utf8_lossy(name)
                ));
            };
            let mut out = Vec::new();
            for top in s.commands.top_level() {
                if top.flags() & crate::server::command::CMD_MODULE != 0 {
                    continue;
                }
                if top.def.acl & cflag != 0 {
                    out.push(top.fullname.clone());
                }
                for sub in s.commands.subcommand_ids(top.id) {
                    let sub = s.commands.get(sub);
                    if sub.def.acl & cflag != 0 {
                        out.push(sub.fullname.clone());
                    }
                }
            }
            c.add_reply_array_len(out.len());
            for n in out {
                c.add_reply_bulk_str(&n);
            }
        }
        _ => c.add_reply_subcommand_syntax_error(&argv[0], &argv[1]),
    }
}

fn genpass_command(_s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let bits = match argv.len() {
        2 => 256,
        3 => match util::string2l(&argv[2]) {
            Some(b) => b,
            None => return c.add_reply_error("value is not an integer or out of range"),
        },
        _ => return c.add_reply_subcommand_syntax_error(&argv[0], &argv[1]),
    };
    if bits <= 0 || bits > GENPASS_MAX_BITS {
        return c.add_reply_error(&format!(
            "ACL GENPASS argument must be the number of bits for the output password, a positive number up to {}",
            GENPASS_MAX_BITS
        ));
    }
    let chars = ((bits + 3) / 4) as usize;
    c.add_reply_bulk(util::get_random_hex_chars(chars).as_bytes());
}

fn log_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if argv.len() > 3 {
        return c.add_reply_subcommand_syntax_error(&argv[0], &argv[1]);
    }
    log::log_command(s, c, argv);
}

fn dryrun_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(id) = s.acl.lookup(&argv[2]) else {
        return c.add_reply_error(&format!(
            "User '{}' not found",
            String::from_utf8_lossy(&argv[2])
        ));
    };
    let cmd_argv = &argv[3..];
    let Some(idx) = crate::scripting::script::lookup(s, cmd_argv) else {
        return c.add_reply_error(&format!(
            "Command '{}' not found",
            String::from_utf8_lossy(&argv[3])
        ));
    };
    let cmd = s.commands.get(idx);
    let arity = cmd.arity();
    if (arity > 0 && arity as usize != cmd_argv.len()) || (cmd_argv.len() as i64) < -(arity as i64)
    {
        return c.add_reply_error(&format!(
            "wrong number of arguments for '{}' command",
            cmd.fullname
        ));
    }
    match check_command(s, id, idx, cmd_argv) {
        Ok(()) => c.add_reply_ok(),
        Err(d) => {
            let msg = match d {
                Denied::Cmd => format!(
                    "This user has no permissions to run the '{}' command",
                    cmd.fullname
                ),
                Denied::Key(p) => format!(
                    "This user has no permissions to access the '{}' key",
                    String::from_utf8_lossy(&cmd_argv[p])
                ),
                Denied::Channel(p) => format!(
                    "This user has no permissions to access the '{}' channel",
                    String::from_utf8_lossy(&cmd_argv[p])
                ),
            };
            c.add_reply_bulk(msg.as_bytes());
        }
    }
}

fn help_command(_s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    c.add_reply_help(
        &argv[0],
        &[
            "CAT [<category>]",
            "    List all commands that belong to <category>, or all command categories",
            "    when no category is specified.",
            "DELUSER <username> [<username> ...]",
            "    Delete a list of users.",
            "DRYRUN <username> <command> [<arg> ...]",
            "    Returns whether the user can execute the given command without executing the command.",
            "GETUSER <username>",
            "    Get the user's details.",
            "GENPASS [<bits>]",
            "    Generate a secure 256-bit user password. The optional `bits` argument can",
            "    be used to specify a different size.",
            "LIST",
            "    Show users details in config file format.",
            "LOAD",
            "    Reload users from the ACL file.",
            "LOG [<count> | RESET]",
            "    Show the ACL log entries.",
            "SAVE",
            "    Save the current config to the ACL file.",
            "SETUSER <username> <attribute> [<attribute> ...]",
            "    Create or modify a user with the specified attributes.",
            "USERS",
            "    List all the registered usernames.",
            "WHOAMI",
            "    Return the current connection username.",
        ],
    );
}

/// AUTH [username] password. Redis: authCommand.
fn auth_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if argv.len() > 3 {
        return c.add_reply_syntax_err();
    }
    c.redacted.extend(1..argv.len());
    let (name, pass): (&[u8], &[u8]) = if argv.len() == 2 {
        if s.acl.default_user().flags & super::user::USER_NOPASS != 0 {
            return c.add_reply_error(
                "AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
            );
        }
        (b"default", &argv[1])
    } else {
        (&argv[1], &argv[2])
    };
    if super::authenticate(s, c, name, pass, &argv[0]) {
        c.add_reply_ok();
    } else {
        c.add_reply_error("-WRONGPASS invalid username-password pair or user is disabled.");
    }
}

/// Logs a refused command and answers it. `context` says where it ran.
/// Returns the error text process_command replies with. Redis: the ACL
/// block of processCommand.
pub fn denial_error(
    s: &mut Server,
    c: &Client,
    idx: usize,
    argv: &[Vec<u8>],
    d: Denied,
    context: Context,
) -> String {
    let (reason, object) = match d {
        Denied::Cmd => (
            Reason::Command,
            s.commands.get(idx).fullname.as_bytes().to_vec(),
        ),
        Denied::Key(p) => (Reason::Key, argv[p].clone()),
        Denied::Channel(p) => (Reason::Channel, argv[p].clone()),
    };
    log::add_entry(s, c, reason, context, object, None);
    match d {
        Denied::Cmd => format!(
            "-NOPERM this user has no permissions to run the '{}' command",
            s.commands.get(idx).fullname
        ),
        Denied::Key(_) => {
            "-NOPERM this user has no permissions to access one of the keys used as arguments"
                .to_string()
        }
        Denied::Channel(_) => {
            "-NOPERM this user has no permissions to access one of the channels used as arguments"
                .to_string()
        }
    }
}

/// The user a client is reset to: the default one, logged in only if it
/// needs no password. Redis: clientSetDefaultAuth.
pub fn set_default_auth(s: &Server, c: &mut Client) {
    c.user = DEFAULT_USER;
    c.authenticated = s.acl.default_needs_no_auth();
}

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("acl|setuser", setuser_command),
    ("acl|deluser", deluser_command),
    ("acl|getuser", getuser_command),
    ("acl|list", list_command),
    ("acl|users", users_command),
    ("acl|whoami", whoami_command),
    ("acl|load", load_command),
    ("acl|save", save_command),
    ("acl|cat", cat_command),
    ("acl|genpass", genpass_command),
    ("acl|log", log_command),
    ("acl|dryrun", dryrun_command),
    ("acl|help", help_command),
    ("auth", auth_command),
];
