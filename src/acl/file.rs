//! Users from the configuration and the ACL file. Redis counterpart: acl.c's
//! ACLAppendUserForLoading, ACLLoadConfiguredUsers, ACLLoadFromFile,
//! ACLSaveToFile and ACLLoadUsersAtStartup.
//!
//! ACL LOAD builds the whole new user set aside and swaps it in only if
//! every line applied; the old users are dropped (and their clients
//! disconnected), except `default`, which keeps its slot and takes the new
//! rules. ACL SAVE writes a temporary file and renames it over the old one.

use std::collections::BTreeMap;
use std::io::Write;

use oxidis_ds::util;

use super::selector::has_spaces;
use super::user::{merge_selector_args, RuleCtx, User, USER_DISABLED};
use super::{UserId, DEFAULT_USER};
use crate::config::Directive;
use crate::networking::Client;
use crate::server::Server;
use crate::server_log;

/// Checks the `user` directives of the configuration as the config loader
/// does (rules may name commands that are unknown, which fail later), and
/// returns the directive at fault with Redis's message. Redis:
/// ACLAppendUserForLoading.
pub fn validate_config_users(ctx: RuleCtx, users: &[&Directive]) -> Result<(), (usize, String)> {
    let mut seen: Vec<&[u8]> = Vec::new();
    for (i, d) in users.iter().enumerate() {
        let argv = &d.args;
        let fail = |j: usize, msg: &str| {
            let arg = argv.get(j).map(|a| String::from_utf8_lossy(a).into_owned());
            (
                i,
                format!(
                    "Error in user declaration '{}': {}",
                    arg.unwrap_or_default(),
                    msg
                ),
            )
        };
        if seen.contains(&argv[1].as_slice()) {
            return Err(fail(1, super::selector::RuleError::DuplicateUser.message()));
        }
        seen.push(&argv[1]);
        let merged = merge_selector_args(&argv[2..]).map_err(|j| fail(j, "Syntax error"))?;
        let mut fake = User::new(b"", ctx.pubsub_allchannels);
        for (j, op) in merged.iter().enumerate() {
            match fake.apply(ctx, op) {
                Ok(()) | Err(super::selector::RuleError::UnknownCommand) => {}
                Err(e) => return Err(fail(j, e.message())),
            }
        }
    }
    Ok(())
}

/// Applies the configuration's users, `default` included. Err is the log
/// line of the first rule that fails. Redis: ACLLoadConfiguredUsers.
fn load_configured_users(s: &mut Server, users: &[&Directive]) -> Result<(), String> {
    for d in users {
        let name = &d.args[1];
        if has_spaces(name) {
            return Err("Spaces not allowed in ACL usernames".into());
        }
        let merged = merge_selector_args(&d.args[2..]).unwrap_or_default();
        let ctx = s.acl_rule_ctx();
        let mut u = match s.acl.lookup(name) {
            Some(id) => {
                let mut u = s.acl.user(id).clone();
                let _ = u.apply(ctx, b"reset");
                u
            }
            None => User::new(name, ctx.pubsub_allchannels),
        };
        for op in &merged {
            if let Err(e) = u.apply(ctx, op) {
                return Err(format!(
                    "Error loading ACL rule '{}' for the user named '{}': {}",
                    String::from_utf8_lossy(op),
                    String::from_utf8_lossy(name),
                    e.message()
                ));
            }
        }
        if u.flags & USER_DISABLED != 0 {
            server_log!(
                Notice,
                "The user '{}' is disabled (there is no 'on' modifier in the user description). Make sure this is not a configuration error.",
                String::from_utf8_lossy(name)
            );
        }
        s.acl.put(u);
    }
    Ok(())
}

/// The users of the configuration, then the ACL file. Any error stops the
/// server, as Redis's ACLLoadUsersAtStartup does.
pub fn load_users_at_startup(s: &mut Server, users: &[&Directive]) -> Result<(), String> {
    if !s.config.aclfile.is_empty() && !users.is_empty() {
        return Err("Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.".into());
    }
    if let Err(e) = load_configured_users(s, users) {
        server_log!(Warning, "{}", e);
        return Err("Critical error while loading ACLs. Exiting.".into());
    }
    if !s.config.aclfile.is_empty() {
        let users = parse_file(s)
            .map_err(|e| format!("Aborting Redis startup because of ACL errors: {}", e))?;
        if let Some(users) = users {
            install(s, None, users);
        }
    }
    Ok(())
}

/// Reads and applies the ACL file into a fresh set of users. Ok(None) never
/// happens; Err is the one-line report of every problem found. Redis:
/// ACLLoadFromFile's parsing half.
fn parse_file(s: &Server) -> Result<Option<BTreeMap<Vec<u8>, User>>, String> {
    let path = s.config.aclfile.clone();
    let text = std::fs::read(&path).map_err(|e| {
        format!(
            "Error loading ACLs, opening file '{}': {}",
            path,
            crate::rdb::save::strerror(&e)
        )
    })?;
    let ctx = s.acl_rule_ctx();
    let mut users: BTreeMap<Vec<u8>, User> = BTreeMap::new();
    let mut errors = String::new();
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        let linenum = i + 1;
        let line = util::trim_bytes(line, b" \t\r\n");
        if line.is_empty() {
            continue;
        }
        let argv: Vec<Vec<u8>> = line.split(|&b| b == b' ').map(|a| a.to_vec()).collect();
        if argv[0] != b"user" || argv.len() < 2 {
            errors.push_str(&format!(
                "{}:{} should start with user keyword followed by the username. ",
                path, linenum
            ));
            continue;
        }
        let name = &argv[1];
        if has_spaces(name) {
            errors.push_str(&format!(
                "'{}:{}: username '{}' contains invalid characters. ",
                path,
                linenum,
                String::from_utf8_lossy(name)
            ));
            continue;
        }
        if users.contains_key(name) {
            errors.push_str(&format!(
                "WARNING: Duplicate user '{}' found on line {}. ",
                String::from_utf8_lossy(name),
                linenum
            ));
            continue;
        }
        let mut u = User::new(name, ctx.pubsub_allchannels);
        let merged = match merge_selector_args(&argv[2..]) {
            Ok(m) => m,
            Err(_) => {
                errors.push_str(&format!(
                    "{}:{}: Unmatched parenthesis in selector definition.",
                    path, linenum
                ));
                Vec::new()
            }
        };
        let mut syntax_error = false;
        for op in &merged {
            let op = util::trim_bytes(op, b"\t\r\n");
            if let Err(e) = u.apply(ctx, op) {
                if e == super::selector::RuleError::UnknownCommand {
                    errors.push_str(&format!(
                        "{}:{}: Error in applying operation '{}': {}. ",
                        path,
                        linenum,
                        String::from_utf8_lossy(op),
                        e.message()
                    ));
                } else if !syntax_error {
                    errors.push_str(&format!("{}:{}: {}. ", path, linenum, e.message()));
                    syntax_error = true;
                }
            }
        }
        users.insert(name.clone(), u);
    }
    if errors.is_empty() {
        Ok(Some(users))
    } else {
        errors.push_str(
            "WARNING: ACL errors detected, no change to the previously active ACL rules was performed",
        );
        Err(errors)
    }
}

/// Swaps a freshly loaded user set in: `default` takes the new rules (or
/// the built-in ones if the file has none), every other old user goes and
/// its clients with it.
fn install(s: &mut Server, cur: Option<&mut Client>, mut users: BTreeMap<Vec<u8>, User>) {
    let ctx = s.acl_rule_ctx();
    let default = users
        .remove(b"default".as_slice())
        .unwrap_or_else(|| User::new_default(ctx));
    let old: Vec<UserId> = s
        .acl
        .iter()
        .map(|(id, _)| id)
        .filter(|&id| id != DEFAULT_USER)
        .collect();
    match cur {
        Some(c) => {
            for id in old {
                super::free_user_and_kill_clients(s, c, id);
            }
        }
        None => {
            let mut nobody = Client::new(0, usize::MAX, None, 0);
            nobody.user = DEFAULT_USER;
            for id in old {
                super::free_user_and_kill_clients(s, &mut nobody, id);
            }
        }
    }
    s.acl.put(default);
    for (_, u) in users {
        s.acl.put(u);
    }
}

/// ACL LOAD. On error nothing changes.
pub fn load_from_file(s: &mut Server, c: &mut Client) -> Result<(), String> {
    if let Some(users) = parse_file(s)? {
        install(s, Some(c), users);
    }
    Ok(())
}

/// ACL SAVE: every user as a `user` line, written to a temporary file that
/// replaces the ACL file. Failures are logged (false). Redis: ACLSaveToFile.
pub fn save_to_file(s: &Server) -> bool {
    let mut text = Vec::new();
    for (id, _) in s.acl.iter() {
        text.extend_from_slice(&super::acl_cmd::user_line(s, id));
        text.push(b'\n');
    }
    let path = s.config.aclfile.clone();
    let tmp = format!("{}.tmp-{}-{}", path, std::process::id(), util::mstime());
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(|e| ("Opening temp ACL file for ACL SAVE", e))?;
        f.write_all(&text)
            .and_then(|_| f.sync_all())
            .map_err(|e| ("Writing ACL file for ACL SAVE", e))?;
        std::fs::rename(&tmp, &path).map_err(|e| ("Renaming ACL file for ACL SAVE", e))
    })();
    if let Err((what, e)) = result {
        server_log!(Warning, "{}: {}", what, crate::rdb::save::strerror(&e));
        let _ = std::fs::remove_file(&tmp);
        return false;
    }
    true
}
