//! Blocking list commands. Redis counterpart: t_list.c, the "Blocking POP
//! operations" banner (blockingPopGenericCommand, blmoveGenericCommand,
//! serveClientBlockedOnList) and blocked.c's serveClientsBlockedOnListKey.
//!
//! When a key has data the commands behave exactly like their non-blocking
//! twins. Inside MULTI/EXEC they never block: they answer null at once.

use crate::blocked::{self, BlockPop, BlockedCmd};
use crate::networking::{self, Client};
use crate::replication;
use crate::server::Server;

use super::quicklist::End;
use super::{
    list_elements_removed, list_pop_range_and_reply_with_key, lmove_generic_command,
    lmove_handle_push, lookup_write, parse_mpop_args, parse_position, pop_cmd, Lookup,
};

/// Redis: getStringObjectFromListPosition.
fn position_arg(end: End) -> Vec<u8> {
    match end {
        End::Head => b"left".to_vec(),
        End::Tail => b"right".to_vec(),
    }
}

/// Blocking is refused inside MULTI/EXEC (Redis: CLIENT_DENY_BLOCKING).
fn deny_blocking(s: &Server, c: &Client) -> bool {
    s.in_exec || c.mstate.active
}

/// Redis: blockingPopGenericCommand.
fn blocking_pop_generic_command(
    s: &mut Server,
    c: &mut Client,
    keys: &[Vec<u8>],
    end: End,
    timeout_arg: &[u8],
    count: Option<usize>,
    cmd: BlockedCmd,
) {
    let Some(timeout) = crate::blocked::get_timeout_or_reply(c, timeout_arg) else {
        return;
    };
    let db = c.db;
    for key in keys {
        match lookup_write(s, db, key) {
            Lookup::Missing => continue,
            Lookup::WrongType => return c.add_reply_wrongtype(),
            Lookup::Found(ql) => {
                if ql.is_empty() {
                    continue;
                }
                if let Some(n) = count {
                    // Redis: replicated as [LR]POP key count.
                    let n_popped = n.min(ql.len());
                    list_pop_range_and_reply_with_key(s, c, db, key, end, n);
                    replication::rewrite_with(s, c, || {
                        vec![pop_cmd(end), key.clone(), n_popped.to_string().into_bytes()]
                    });
                    return;
                }
                let v = ql.pop(end).expect("non-empty");
                c.add_reply_array_len(2);
                c.add_reply_bulk(key);
                c.add_reply_bulk(&v);
                list_elements_removed(s, db, key, end, 1);
                // Redis: replicated as an [LR]POP instead of B[LR]POP.
                replication::rewrite_with(s, c, || vec![pop_cmd(end), key.clone()]);
                return;
            }
        }
    }
    if deny_blocking(s, c) {
        return c.add_reply_null_array();
    }
    let bp = BlockPop {
        db,
        keys: keys.to_vec(),
        timeout,
        target: None,
        wherefrom: end,
        whereto: End::Tail,
        count: count.unwrap_or(0),
        cmd,
        xread: None,
    };
    blocked::block_for_keys(s, c, bp);
}

pub fn blpop_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let n = argv.len();
    blocking_pop_generic_command(
        s,
        c,
        &argv[1..n - 1],
        End::Head,
        &argv[n - 1],
        None,
        BlockedCmd::Blpop,
    );
}

pub fn brpop_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let n = argv.len();
    blocking_pop_generic_command(
        s,
        c,
        &argv[1..n - 1],
        End::Tail,
        &argv[n - 1],
        None,
        BlockedCmd::Brpop,
    );
}

/// Redis: blmoveGenericCommand.
fn blmove_generic_command(
    s: &mut Server,
    c: &mut Client,
    argv: &[Vec<u8>],
    from: End,
    to: End,
    timeout: i64,
    cmd: BlockedCmd,
) {
    let db = c.db;
    match lookup_write(s, db, &argv[1]) {
        Lookup::WrongType => c.add_reply_wrongtype(),
        Lookup::Found(_) => {
            lmove_generic_command(s, c, &argv[1], &argv[2], from, to);
            // Redis: BLMOVE replicates as LMOVE, BRPOPLPUSH as RPOPLPUSH.
            replication::rewrite_with(s, c, || {
                if cmd == BlockedCmd::Brpoplpush {
                    vec![b"RPOPLPUSH".to_vec(), argv[1].clone(), argv[2].clone()]
                } else {
                    let mut v = argv[..5].to_vec();
                    v[0] = b"LMOVE".to_vec();
                    v
                }
            });
        }
        Lookup::Missing => {
            if deny_blocking(s, c) {
                return c.add_reply_null();
            }
            let bp = BlockPop {
                db,
                keys: vec![argv[1].clone()],
                timeout,
                target: Some(argv[2].clone()),
                wherefrom: from,
                whereto: to,
                count: 0,
                cmd,
                xread: None,
            };
            blocked::block_for_keys(s, c, bp);
        }
    }
}

pub fn blmove_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(from) = parse_position(c, &argv[3]) else {
        return;
    };
    let Some(to) = parse_position(c, &argv[4]) else {
        return;
    };
    let Some(timeout) = crate::blocked::get_timeout_or_reply(c, &argv[5]) else {
        return;
    };
    blmove_generic_command(s, c, argv, from, to, timeout, BlockedCmd::Blmove);
}

pub fn brpoplpush_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(timeout) = crate::blocked::get_timeout_or_reply(c, &argv[3]) else {
        return;
    };
    blmove_generic_command(
        s,
        c,
        argv,
        End::Tail,
        End::Head,
        timeout,
        BlockedCmd::Brpoplpush,
    );
}

/// BLMPOP timeout numkeys key... LEFT|RIGHT [COUNT n].
pub fn blmpop_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(a) = parse_mpop_args(c, argv, 2) else {
        return;
    };
    let keys = &argv[a.first_key..a.first_key + a.numkeys];
    blocking_pop_generic_command(
        s,
        c,
        keys,
        a.end,
        &argv[1],
        Some(a.count),
        BlockedCmd::Blmpop,
    );
}

/// Serves one blocked client from the list at `key`. Redis:
/// serveClientBlockedOnList.
fn serve_client_blocked_on_list(s: &mut Server, rc: &mut Client, db: usize, key: &[u8]) {
    let bp = rc.bpop.as_ref().expect("blocked client").clone();
    match &bp.target {
        None => {
            let Lookup::Found(ql) = lookup_write(s, db, key) else {
                return;
            };
            if bp.cmd == BlockedCmd::Blmpop {
                // Redis: propagated as [LR]POP key count.
                let n = bp.count.min(ql.len());
                s.also_propagate(
                    db,
                    vec![
                        pop_cmd(bp.wherefrom),
                        key.to_vec(),
                        n.to_string().into_bytes(),
                    ],
                );
                list_pop_range_and_reply_with_key(s, rc, db, key, bp.wherefrom, bp.count);
                return;
            }
            s.also_propagate(db, vec![pop_cmd(bp.wherefrom), key.to_vec()]);
            let Lookup::Found(ql) = lookup_write(s, db, key) else {
                return;
            };
            let v = ql.pop(bp.wherefrom).expect("non-empty");
            rc.add_reply_array_len(2);
            rc.add_reply_bulk(key);
            rc.add_reply_bulk(&v);
            list_elements_removed(s, db, key, bp.wherefrom, 1);
        }
        Some(dst) => {
            if super::key_is_non_list(s, db, dst) {
                rc.add_reply_wrongtype();
                return;
            }
            let Lookup::Found(ql) = lookup_write(s, db, key) else {
                return;
            };
            let v = ql.pop(bp.wherefrom).expect("non-empty");
            lmove_handle_push(s, rc, db, dst, &v, bp.whereto);
            // Redis: propagated as LMOVE (RPOPLPUSH for BRPOPLPUSH).
            let prop = if bp.cmd == BlockedCmd::Brpoplpush {
                vec![b"RPOPLPUSH".to_vec(), key.to_vec(), dst.clone()]
            } else {
                vec![
                    b"LMOVE".to_vec(),
                    key.to_vec(),
                    dst.clone(),
                    position_arg(bp.wherefrom),
                    position_arg(bp.whereto),
                ]
            };
            s.also_propagate(db, prop);
            list_elements_removed(s, db, key, bp.wherefrom, 1);
        }
    }
}

/// Serves the clients blocked on `key`, first come first served, while the
/// list has elements. Redis: serveClientsBlockedOnListKey.
pub fn serve_clients_blocked_on_list_key(s: &mut Server, db: usize, key: &[u8]) {
    for (id, slot) in s.blocking.waiters(db, key) {
        let has_data = matches!(lookup_write(s, db, key), Lookup::Found(ql) if !ql.is_empty());
        if !has_data {
            break;
        }
        networking::with_client(s, slot, |s, rc| {
            if rc.id != id
                || rc
                    .bpop
                    .as_ref()
                    .is_none_or(|b| b.cmd.is_zset() || b.cmd == BlockedCmd::Xread)
            {
                return;
            }
            blocked::serve_and_unblock(s, rc, |s, rc| serve_client_blocked_on_list(s, rc, db, key));
            s.mark_pending_write(slot, rc);
            // Redis: afterCommand(receiver) — each served client is its own unit.
            s.propagate_pending_commands(false);
        });
    }
}
