//! Blocking XREAD / XREADGROUP. Redis counterpart: blocked.c
//! (serveClientsBlockedOnStreamKey, unblockDeletedStreamReadgroupClients)
//! and the BLOCK branch of t_stream.c's xreadCommand. The generic parking,
//! FIFO serving and timeouts are `crate::blocked`'s.
//!
//! A client blocked by XREAD waits for an ID greater than the one it gave
//! (or than the last ID, for "$"); one blocked by XREADGROUP ... ">" waits
//! for entries past its group's last delivered ID, which other consumers
//! may move meanwhile, so it is re-read when the key is served. Deleting
//! the key, overwriting it with another type, or destroying the group
//! unblocks XREADGROUP clients with an error, as Redis does.

use oxidis_ds::quicklist::End;
use oxidis_ds::stream::encoding::StreamId;

use super::commands::{serve_key, XreadArgs, XREAD_BLOCKED_DEFAULT_COUNT};
use crate::blocked::{self, BlockPop, BlockedCmd};
use crate::networking::{self, Client};
use crate::server::Server;

/// Redis: blockForKeys(BLOCKED_STREAM) with bpop.xread_* set.
pub fn block_for_streams(s: &mut Server, c: &mut Client, mut a: XreadArgs) {
    if a.count == 0 {
        a.count = XREAD_BLOCKED_DEFAULT_COUNT;
    }
    let bp = BlockPop {
        db: c.db,
        keys: a.keys.clone(),
        timeout: a.timeout.unwrap_or(0),
        target: None,
        wherefrom: End::Head,
        whereto: End::Tail,
        count: 0,
        cmd: BlockedCmd::Xread,
        xread: Some(Box::new(a)),
    };
    blocked::block_for_keys(s, c, bp);
}

/// The ID a blocked client waits past, for `key` (its first occurrence in
/// the command, as Redis keeps the first).
fn blocked_id(a: &XreadArgs, key: &[u8]) -> StreamId {
    a.keys
        .iter()
        .position(|k| k.as_slice() == key)
        .map(|i| a.ids[i])
        .unwrap_or_default()
}

/// Redis: serveClientsBlockedOnStreamKey.
pub fn serve_clients_blocked_on_stream_key(s: &mut Server, db: usize, key: &[u8]) {
    for (id, slot) in s.blocking.waiters(db, key) {
        networking::with_client(s, slot, |s, rc| {
            let Some(bp) = rc.bpop.as_ref() else {
                return;
            };
            if rc.id != id || bp.cmd != BlockedCmd::Xread {
                return;
            }
            let Some(a) = bp.xread.clone() else {
                return;
            };
            let mut gt = blocked_id(&a, key);
            let (last_id, group_last) = {
                let Some(st) = super::stream_mut(s, db, key) else {
                    return;
                };
                let gl = a
                    .group
                    .as_ref()
                    .map(|(g, _)| st.lookup_cg(g).map(|cg| cg.last_id));
                (st.last_id, gl)
            };
            match group_last {
                Some(None) => {
                    rc.add_reply_error(
                        "-NOGROUP the consumer group this client was blocked on no longer exists",
                    );
                }
                Some(Some(l)) => gt = l,
                None => {}
            }
            if group_last != Some(None) {
                if last_id <= gt {
                    return;
                }
                if rc.resp == 2 {
                    rc.add_reply_array_len(1);
                } else {
                    rc.add_reply_map_len(1);
                }
                serve_key(
                    s,
                    rc,
                    db,
                    key,
                    gt,
                    a.count,
                    a.group.as_ref(),
                    a.noack,
                    false,
                );
            }
            // Redis: updateStatsOnUnblock.
            let had_errors = !rc.err_prefixes.is_empty();
            blocked::update_stats_on_unblock(s, rc, 0, had_errors);
            blocked::unblock_client(s, rc);
            s.mark_pending_write(slot, rc);
            // Redis: afterCommand(receiver).
            s.propagate_pending_commands(false);
        });
    }
}

/// Redis: unblockDeletedStreamReadgroupClients — the key is gone (or no
/// longer a stream): XREADGROUP clients blocked on it get an error.
pub fn unblock_deleted_stream_readgroup_clients(s: &mut Server, db: usize, key: &[u8]) {
    for (id, slot) in s.blocking.waiters(db, key) {
        networking::with_client(s, slot, |s, rc| {
            let Some(bp) = rc.bpop.as_ref() else {
                return;
            };
            let is_group = bp.xread.as_ref().is_some_and(|a| a.group.is_some());
            if rc.id != id || bp.cmd != BlockedCmd::Xread || !is_group {
                return;
            }
            rc.add_reply_error("-UNBLOCKED the stream key no longer exists");
            // Redis: updateStatsOnUnblock.
            let had_errors = !rc.err_prefixes.is_empty();
            blocked::update_stats_on_unblock(s, rc, 0, had_errors);
            blocked::unblock_client(s, rc);
            s.mark_pending_write(slot, rc);
        });
    }
}
