//! Connection commands. Redis counterpart: networking.c (clientCommand and
//! its subcommands, helloCommand, resetCommand, quitCommand). AUTH and the
//! users HELLO AUTH logs in as are in acl/.

use oxidis_ds::util;

use super::client::*;
use super::{client_info_string, free_client_async};
use crate::server::command::CommandProc;
use crate::server::shared;
use crate::server::{Server, REDIS_VERSION};

/// Redis: clientSetName's charset rule.
fn valid_client_name(name: &[u8]) -> bool {
    name.iter().all(|&b| (b'!'..=b'~').contains(&b))
}

fn set_name_or_reply(c: &mut Client, name: &[u8]) -> bool {
    if name.is_empty() {
        c.name = None;
        return true;
    }
    if !valid_client_name(name) {
        c.add_reply_error("Client names cannot contain spaces, newlines or special characters.");
        return false;
    }
    c.name = Some(name.to_vec());
    true
}

fn hello_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let mut ver = 0;
    let mut j = 1;
    if argv.len() >= 2 {
        match util::string2ll(&argv[1]) {
            Some(v) => ver = v,
            None => return c.add_reply_error("Protocol version is not an integer or out of range"),
        }
        if !(2..=3).contains(&ver) {
            return c.add_reply_error("-NOPROTO unsupported protocol version");
        }
        j = 2;
    }
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        let opt = &argv[j];
        if opt.eq_ignore_ascii_case(b"auth") && more >= 2 {
            c.redacted.extend([j + 1, j + 2]);
            if !crate::acl::authenticate(s, c, &argv[j + 1], &argv[j + 2], &argv[0]) {
                return c.add_reply_error(
                    "-WRONGPASS invalid username-password pair or user is disabled.",
                );
            }
            j += 3;
        } else if opt.eq_ignore_ascii_case(b"setname") && more >= 1 {
            if !set_name_or_reply(c, &argv[j + 1]) {
                return;
            }
            j += 2;
        } else {
            return c.add_reply_error(&format!(
                "Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(opt)
            ));
        }
    }
    if s.auth_required(c) {
        return c.add_reply_error("-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
    }
    if ver != 0 {
        c.resp = ver as u8;
    }
    c.add_reply_map_len(7);
    c.add_reply_bulk_str("server");
    c.add_reply_bulk_str("redis");
    c.add_reply_bulk_str("version");
    c.add_reply_bulk_str(REDIS_VERSION);
    c.add_reply_bulk_str("proto");
    c.add_reply_long(c.resp as i64);
    c.add_reply_bulk_str("id");
    c.add_reply_long(c.id as i64);
    c.add_reply_bulk_str("mode");
    c.add_reply_bulk_str("standalone");
    c.add_reply_bulk_str("role");
    c.add_reply_bulk_str("master");
    c.add_reply_bulk_str("modules");
    c.add_reply_array_len(0);
}

fn quit_command(_s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    c.add_reply_ok();
    c.flags |= CLIENT_CLOSE_AFTER_REPLY;
}

/// Redis: resetCommand / clearClientConnectionState.
fn reset_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    s.discard_transaction(c);
    crate::pubsub::reset_client_pubsub(s, c);
    if c.flags & CLIENT_MONITOR != 0 {
        super::monitor::forget_monitor(s, c);
        c.flags &= !(CLIENT_MONITOR | CLIENT_SLAVE);
    }
    c.db = 0;
    c.resp = 2;
    crate::acl::acl_cmd::set_default_auth(s, c);
    c.name = None;
    c.flags &= !(CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP_NEXT);
    c.add_reply_status("RESET");
}

fn client_id_command(_s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    c.add_reply_long(c.id as i64);
}

fn client_info_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    let mut o = client_info_string(s, c);
    o.push('\n');
    c.add_reply_verbatim(o.as_bytes(), "txt");
}

/// Client type names accepted by CLIENT LIST/KILL TYPE.
fn client_type_by_name(name: &[u8]) -> Option<&'static str> {
    match name.to_ascii_lowercase().as_slice() {
        b"normal" => Some("normal"),
        b"slave" | b"replica" => Some("replica"),
        b"pubsub" => Some("pubsub"),
        b"master" => Some("master"),
        _ => None,
    }
}

/// Redis: getClientType, by the names above.
fn client_type_name(c: &Client) -> &'static str {
    match super::obuf::client_type(c) {
        super::obuf::CLIENT_TYPE_SLAVE => "replica",
        super::obuf::CLIENT_TYPE_PUBSUB => "pubsub",
        _ => "normal",
    }
}

/// CLIENT PAUSE timeout [WRITE|ALL].
fn client_pause_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    use super::pause::PauseType;
    let mut t = PauseType::All;
    if argv.len() == 4 {
        match argv[3].to_ascii_lowercase().as_slice() {
            b"write" => t = PauseType::Write,
            b"all" => t = PauseType::All,
            _ => return c.add_reply_error("CLIENT PAUSE mode must be WRITE or ALL"),
        }
    }
    // Redis: getTimeoutFromObjectOrReply(UNIT_MILLISECONDS).
    let tval = match util::string2ll(&argv[2]) {
        Some(v) => v,
        None => return c.add_reply_error(shared::TIMEOUT_NOT_INTEGER),
    };
    if tval < 0 {
        return c.add_reply_error("timeout is negative");
    }
    let end = util::mstime().saturating_add(tval);
    s.pause
        .pause(super::pause::PausePurpose::ClientCommand, end, t);
    c.add_reply_ok();
}

fn client_unpause_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    s.pause.unpause(super::pause::PausePurpose::ClientCommand);
    c.add_reply_ok();
}

/// CLIENT LIST needs every client, the caller included (it is lent out of
/// the table while its command runs, so `iter` passes over it).
fn all_client_lines(s: &Server, me: &Client, filter: impl Fn(&Client) -> bool) -> String {
    let mut out = String::new();
    let mut ids: Vec<(u64, Option<usize>)> = s
        .clients
        .iter()
        .map(|(slot, c)| (c.id, Some(slot)))
        .collect();
    ids.push((me.id, None));
    ids.sort();
    for (_, slot) in ids {
        let cl = match slot {
            Some(sl) => &s.clients[sl],
            None => me,
        };
        if filter(cl) {
            out.push_str(&client_info_string(s, cl));
            out.push('\n');
        }
    }
    out
}

fn client_list_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let o = if argv.len() == 4 && argv[2].eq_ignore_ascii_case(b"type") {
        let Some(t) = client_type_by_name(&argv[3]) else {
            return c.add_reply_error(&format!(
                "Unknown client type '{}'",
                String::from_utf8_lossy(&argv[3])
            ));
        };
        all_client_lines(s, c, |cl| client_type_name(cl) == t)
    } else if argv.len() > 3 && argv[2].eq_ignore_ascii_case(b"id") {
        let mut ids = Vec::new();
        for a in &argv[3..] {
            match util::string2ll(a) {
                Some(v) => ids.push(v as u64),
                None => return c.add_reply_error("Invalid client ID"),
            }
        }
        let mut o = String::new();
        for id in ids {
            if id == c.id {
                o.push_str(&client_info_string(s, c));
                o.push('\n');
            } else if let Some((_, cl)) = s.clients.iter().find(|(_, cl)| cl.id == id) {
                o.push_str(&client_info_string(s, cl));
                o.push('\n');
            }
        }
        o
    } else if argv.len() != 2 {
        return c.add_reply_syntax_err();
    } else {
        all_client_lines(s, c, |_| true)
    };
    c.add_reply_verbatim(o.as_bytes(), "txt");
}

fn client_setname_command(_s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if set_name_or_reply(c, &argv[2]) {
        c.add_reply_ok();
    }
}

fn client_getname_command(_s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    match c.name.clone() {
        Some(n) => c.add_reply_bulk(&n),
        None => c.add_reply_null(),
    }
}

fn client_reply_command(_s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    match argv[2].to_ascii_lowercase().as_slice() {
        b"on" => {
            c.flags &= !(CLIENT_REPLY_SKIP | CLIENT_REPLY_OFF);
            c.add_reply_ok();
        }
        b"off" => c.flags |= CLIENT_REPLY_OFF,
        b"skip" => {
            if c.flags & CLIENT_REPLY_OFF == 0 {
                c.flags |= CLIENT_REPLY_SKIP_NEXT;
            }
        }
        _ => c.add_reply_syntax_err(),
    }
}

fn client_no_evict_command(_s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    match argv[2].to_ascii_lowercase().as_slice() {
        b"on" => {
            c.flags |= CLIENT_NO_EVICT;
            c.add_reply_ok();
        }
        b"off" => {
            c.flags &= !CLIENT_NO_EVICT;
            c.add_reply_ok();
        }
        _ => c.add_reply_syntax_err(),
    }
}

/// Redis: the KILL branch of clientCommand, both syntaxes.
fn client_kill_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let mut addr: Option<&[u8]> = None;
    let mut laddr: Option<&[u8]> = None;
    let mut ctype: Option<&str> = None;
    let mut id: u64 = 0;
    let mut skipme = true;
    let mut user: Option<crate::acl::UserId> = None;
    if argv.len() == 3 {
        addr = Some(&argv[2]);
        skipme = false;
    } else if argv.len() > 3 {
        let mut i = 2;
        while i < argv.len() {
            let more = argv.len() > i + 1;
            let opt = argv[i].to_ascii_lowercase();
            if !more {
                return c.add_reply_syntax_err();
            }
            let val = &argv[i + 1];
            match opt.as_slice() {
                b"id" => match util::string2ll(val) {
                    Some(v) if v >= 1 => id = v as u64,
                    Some(_) => return c.add_reply_error("client-id should be greater than 0"),
                    None => return c.add_reply_error("client-id should be greater than 0"),
                },
                b"type" => match client_type_by_name(val) {
                    Some(t) => ctype = Some(t),
                    None => {
                        return c.add_reply_error(&format!(
                            "Unknown client type '{}'",
                            String::from_utf8_lossy(val)
                        ))
                    }
                },
                b"addr" => addr = Some(val),
                b"laddr" => laddr = Some(val),
                b"user" => match s.acl.lookup(val) {
                    Some(id) => user = Some(id),
                    None => {
                        return c.add_reply_error(&format!(
                            "No such user '{}'",
                            String::from_utf8_lossy(val)
                        ))
                    }
                },
                b"skipme" => match val.to_ascii_lowercase().as_slice() {
                    b"yes" => skipme = true,
                    b"no" => skipme = false,
                    _ => return c.add_reply_syntax_err(),
                },
                _ => return c.add_reply_syntax_err(),
            }
            i += 2;
        }
    } else {
        return c.add_reply_syntax_err();
    }
    let matches = |cl: &Client| {
        addr.is_none_or(|a| cl.addr.as_bytes() == a)
            && laddr.is_none_or(|a| cl.laddr.as_bytes() == a)
            && ctype.is_none_or(|t| client_type_name(cl) == t)
            && (id == 0 || cl.id == id)
            && user.is_none_or(|u| cl.user == u)
    };
    let mut killed = 0;
    let mut victims = Vec::new();
    for (slot, cl) in s.clients.iter() {
        if cl.conn.is_none() {
            continue;
        }
        if matches(cl) {
            victims.push(slot);
        }
    }
    let close_me = !skipme && matches(c);
    for slot in victims {
        free_client_async(s, slot);
        killed += 1;
    }
    if close_me {
        killed += 1;
    }
    if argv.len() == 3 {
        if killed == 0 {
            c.add_reply_error("No such client");
        } else {
            c.add_reply_ok();
        }
    } else {
        c.add_reply_long(killed);
    }
    if close_me {
        c.flags |= CLIENT_CLOSE_AFTER_REPLY;
    }
}

fn client_help_command(_s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    c.add_reply_help(
        &argv[0],
        &[
            "CACHING (YES|NO)",
            "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
            "GETREDIR",
            "    Return the client ID we are redirecting to when tracking is enabled.",
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Kill connections by type.",
            "    * USER <username>",
            "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)",
            "      Skip killing current connection (default: yes).",
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
            "UNPAUSE",
            "    Stop the current client pause, resuming traffic.",
            "PAUSE <timeout> [WRITE|ALL]",
            "    Suspend all, or just write, clients for <timeout> milliseconds.",
            "REPLY (ON|OFF|SKIP)",
            "    Control the replies sent to the current connection.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]",
            "    Unblock the specified blocked client.",
            "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
            "         [OPTIN] [OPTOUT] [NOLOOP]",
            "    Control server assisted client side caching.",
            "TRACKINGINFO",
            "    Report tracking status for the current connection.",
            "NO-EVICT (ON|OFF)",
            "    Protect current client connection from eviction.",
        ],
    );
}

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("hello", hello_command),
    ("quit", quit_command),
    ("reset", reset_command),
    ("client|id", client_id_command),
    ("client|info", client_info_command),
    ("client|list", client_list_command),
    ("client|setname", client_setname_command),
    ("client|getname", client_getname_command),
    ("client|reply", client_reply_command),
    ("client|no-evict", client_no_evict_command),
    ("client|kill", client_kill_command),
    ("client|help", client_help_command),
    ("client|pause", client_pause_command),
    ("client|unpause", client_unpause_command),
    ("monitor", super::monitor::monitor_command),
];
