//! Blocking sorted set pops: BZPOPMIN, BZPOPMAX, BZMPOP. Redis counterpart:
//! t_zset.c (blockingGenericZpopCommand, bzmpop) and blocked.c
//! (serveClientsBlockedOnSortedSetKey). The generic parking, FIFO serving
//! and timeouts are `crate::blocked`'s.
//!
//! The pop end is kept in `BlockPop::wherefrom`: `End::Head` is the lowest
//! score (MIN), `End::Tail` the highest (MAX).

use oxidis_ds::quicklist::End;

use super::{generic_zpop_command, parse_zmpop_args, zpop_cmd, zset_write, Lookup};
use crate::blocked::{self, BlockPop, BlockedCmd};
use crate::networking::{self, Client};
use crate::server::Server;

/// What a blocking pop of `n` members from `key` replicates as: ZPOPMIN or
/// ZPOPMAX, with the count when the command had one (BZMPOP).
fn zpop_prop(max: bool, key: Vec<u8>, n: usize, count: Option<usize>) -> Vec<Vec<u8>> {
    match count {
        None => vec![zpop_cmd(max), key],
        Some(_) => vec![zpop_cmd(max), key, n.to_string().into_bytes()],
    }
}

/// Redis: blockingGenericZpopCommand. `count` None is BZPOPMIN/MAX's
/// single pop.
#[allow(clippy::too_many_arguments)]
fn blocking_generic_zpop_command(
    s: &mut Server,
    c: &mut Client,
    keys: &[Vec<u8>],
    max: bool,
    timeout_arg: &[u8],
    count: Option<usize>,
    cmd: BlockedCmd,
) {
    let Some(timeout) = crate::blocked::get_timeout_or_reply(c, timeout_arg) else {
        return;
    };
    let db = c.db;
    let nested = count.is_some();
    for key in keys {
        match zset_write(s, db, key) {
            Lookup::Missing => continue,
            Lookup::WrongType => return c.add_reply_wrongtype(),
            Lookup::Found(z) => {
                if z.is_empty() {
                    continue;
                }
                let popped = generic_zpop_command(
                    s,
                    c,
                    std::slice::from_ref(key),
                    max,
                    true,
                    count,
                    nested,
                    nested,
                );
                // Redis: replicated as ZPOPMIN/ZPOPMAX, with the count for BZMPOP.
                if let Some((key, n)) = popped {
                    crate::replication::rewrite_with(s, c, || zpop_prop(max, key, n, count));
                }
                return;
            }
        }
    }
    if s.in_exec || c.mstate.active {
        return c.add_reply_null_array();
    }
    let bp = BlockPop {
        db,
        keys: keys.to_vec(),
        timeout,
        target: None,
        wherefrom: if max { End::Tail } else { End::Head },
        whereto: End::Tail,
        count: count.unwrap_or(0),
        cmd,
        xread: None,
    };
    blocked::block_for_keys(s, c, bp);
}

pub fn bzpopmin_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let n = argv.len();
    blocking_generic_zpop_command(
        s,
        c,
        &argv[1..n - 1],
        false,
        &argv[n - 1],
        None,
        BlockedCmd::Bzpopmin,
    );
}

pub fn bzpopmax_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let n = argv.len();
    blocking_generic_zpop_command(
        s,
        c,
        &argv[1..n - 1],
        true,
        &argv[n - 1],
        None,
        BlockedCmd::Bzpopmax,
    );
}

/// BZMPOP timeout numkeys key... MIN|MAX [COUNT n].
pub fn bzmpop_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(a) = parse_zmpop_args(c, argv, 2) else {
        return;
    };
    let keys = &argv[a.first_key..a.first_key + a.numkeys];
    blocking_generic_zpop_command(
        s,
        c,
        keys,
        a.max,
        &argv[1],
        Some(a.count),
        BlockedCmd::Bzmpop,
    );
}

/// Serves the clients blocked on the sorted set at `key`, first come first
/// served, while it has members. Redis: serveClientsBlockedOnSortedSetKey.
pub fn serve_clients_blocked_on_sorted_set_key(s: &mut Server, db: usize, key: &[u8]) {
    for (id, slot) in s.blocking.waiters(db, key) {
        let has_data = matches!(zset_write(s, db, key), Lookup::Found(z) if !z.is_empty());
        if !has_data {
            break;
        }
        networking::with_client(s, slot, |s, rc| {
            let Some(bp) = rc.bpop.as_ref() else {
                return;
            };
            if rc.id != id || !bp.cmd.is_zset() {
                return;
            }
            let max = bp.wherefrom == End::Tail;
            let count = (bp.cmd == BlockedCmd::Bzmpop).then_some(bp.count);
            let nested = count.is_some();
            let mut popped = None;
            blocked::serve_and_unblock(s, rc, |s, rc| {
                popped = generic_zpop_command(
                    s,
                    rc,
                    std::slice::from_ref(&key.to_vec()),
                    max,
                    true,
                    count,
                    nested,
                    nested,
                );
            });
            // Redis: propagated as ZPOPMIN/ZPOPMAX (with the count for BZMPOP).
            if let Some((key, n)) = popped {
                s.also_propagate(db, zpop_prop(max, key, n, count));
            }
            s.mark_pending_write(slot, rc);
            // Redis: afterCommand(receiver).
            s.propagate_pending_commands(false);
        });
    }
}
