//! Transactions. Redis counterpart: multi.c — MULTI / EXEC / DISCARD and
//! optimistic locking with WATCH / UNWATCH.
//!
//! A client in MULTI queues commands instead of running them; an error while
//! queueing (unknown command, wrong arity, a rejected command) marks the
//! transaction so that EXEC aborts with -EXECABORT. WATCH records
//! (db, key) pairs; any write that signals the key (`touch_watched_key`),
//! a FLUSHDB/FLUSHALL/SWAPDB that changes it, or its expiry before EXEC makes
//! EXEC return a null reply.
//! Divergence: the "dirty CAS" mark lives in a server-side set keyed by client
//! id rather than in the client's flags, so a write can flag any client —
//! including the one running the command — without reaching into the slab.

use std::collections::HashMap;

use crate::networking::client::CLIENT_DENY_BLOCKING;
use crate::networking::Client;
use crate::server::command::CommandProc;
use crate::server::Server;

/// Per-client transaction state. Redis: multiState plus the MULTI flags.
#[derive(Default)]
pub struct MultiState {
    pub active: bool,                         // CLIENT_MULTI
    pub dirty_exec: bool,                     // CLIENT_DIRTY_EXEC
    pub commands: Vec<(usize, Vec<Vec<u8>>)>, // queued (command index, argv)
    pub cmd_flags: u64,                       // union of queued commands' flags
    pub cmd_inv_flags: u64,                   // union of their complements (cmd_inv_flags)
    pub watched: Vec<(usize, Vec<u8>)>,       // keys this client WATCHes
}

/// One watcher of a key: the client id and whether the key was already
/// logically expired when WATCH ran (Redis: watchedKey.expired).
#[derive(Clone, Copy)]
struct Watcher {
    id: u64,
    expired: bool,
}

/// Server-side WATCH bookkeeping. Redis: db->watched_keys plus
/// CLIENT_DIRTY_CAS.
#[derive(Default)]
pub struct WatchTable {
    keys: HashMap<(usize, Vec<u8>), Vec<Watcher>>,
    dirty_cas: std::collections::HashSet<u64>,
}

impl WatchTable {
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
    /// Whether EXEC of client `id` will fail (Redis: CLIENT_DIRTY_CAS).
    pub fn is_dirty(&self, id: u64) -> bool {
        !self.dirty_cas.is_empty() && self.dirty_cas.contains(&id)
    }
}

impl Server {
    /// Redis: touchWatchedKey / signalModifiedKey's WATCH half.
    pub fn touch_watched_key(&mut self, db: usize, key: &[u8]) {
        if self.watch.keys.is_empty() {
            return;
        }
        let exists = self.dbs[db].dict.contains_key(key);
        let Some(ws) = self.watch.keys.get_mut(&(db, key.to_vec())) else {
            return;
        };
        for w in ws.iter_mut() {
            if w.expired && !exists {
                // The stale key is gone: logically nothing changed.
                w.expired = false;
                continue;
            }
            self.watch.dirty_cas.insert(w.id);
        }
    }

    /// Redis: touchAllWatchedKeysInDb — before `emptied` is flushed or
    /// swapped with `replaced_with`.
    pub fn touch_all_watched_keys_in_db(&mut self, emptied: usize, replaced_with: Option<usize>) {
        if self.watch.keys.is_empty() {
            return;
        }
        let now = self.now_ms();
        let expired_in = |s: &Server, db: usize, key: &[u8]| {
            s.dbs[db].expires.get(key).is_some_and(|&w| w < now)
        };
        let keys: Vec<Vec<u8>> = self
            .watch
            .keys
            .keys()
            .filter(|(d, _)| *d == emptied)
            .map(|(_, k)| k.clone())
            .collect();
        for key in keys {
            let in_emptied = self.dbs[emptied].dict.contains_key(&key);
            let in_replacement = replaced_with.is_some_and(|r| self.dbs[r].dict.contains_key(&key));
            if !in_emptied && !in_replacement {
                continue;
            }
            let repl_expired = replaced_with.is_some_and(|r| expired_in(self, r, &key));
            let mut dirty = Vec::new();
            if let Some(ws) = self.watch.keys.get_mut(&(emptied, key.clone())) {
                for w in ws.iter_mut() {
                    if w.expired {
                        if !in_replacement {
                            w.expired = false;
                            continue;
                        } else if repl_expired {
                            continue;
                        }
                    } else if !in_emptied && repl_expired {
                        w.expired = true;
                        continue;
                    }
                    dirty.push(w.id);
                }
            }
            self.watch.dirty_cas.extend(dirty);
        }
    }

    /// Redis: unwatchAllKeys.
    pub fn unwatch_all_keys(&mut self, c: &mut Client) {
        for (db, key) in c.mstate.watched.drain(..) {
            if let Some(ws) = self.watch.keys.get_mut(&(db, key.clone())) {
                ws.retain(|w| w.id != c.id);
                if ws.is_empty() {
                    self.watch.keys.remove(&(db, key));
                }
            }
        }
    }

    /// Redis: discardTransaction (also clears the dirty-CAS mark).
    pub fn discard_transaction(&mut self, c: &mut Client) {
        c.mstate.commands.clear();
        c.mstate.active = false;
        c.mstate.dirty_exec = false;
        c.mstate.cmd_flags = 0;
        c.mstate.cmd_inv_flags = 0;
        self.unwatch_all_keys(c);
        self.watch.dirty_cas.remove(&c.id);
    }

    /// Redis: freeClient's transaction cleanup.
    pub fn free_client_multi_state(&mut self, c: &mut Client) {
        self.discard_transaction(c);
    }

    /// Redis: isWatchedKeyExpired.
    fn watched_key_expired(&self, c: &Client) -> bool {
        c.mstate.watched.iter().any(|(db, key)| {
            let was_expired = self
                .watch
                .keys
                .get(&(*db, key.clone()))
                .and_then(|ws| ws.iter().find(|w| w.id == c.id))
                .is_some_and(|w| w.expired);
            !was_expired && self.key_is_expired(*db, key)
        })
    }
}

/// Redis: queueMultiCommand.
pub fn queue_command(c: &mut Client, idx: usize, flags: u64, argv: &[Vec<u8>]) {
    c.mstate.commands.push((idx, argv.to_vec()));
    c.mstate.cmd_flags |= flags;
    c.mstate.cmd_inv_flags |= !flags;
    c.add_reply_raw(b"+QUEUED\r\n");
}

fn multi_command(_s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    if c.mstate.active {
        return c.add_reply_error("MULTI calls can not be nested");
    }
    c.mstate.active = true;
    c.add_reply_ok();
}

fn discard_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    if !c.mstate.active {
        return c.add_reply_error("DISCARD without MULTI");
    }
    s.discard_transaction(c);
    c.add_reply_ok();
}

fn exec_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    if !c.mstate.active {
        return c.add_reply_error("EXEC without MULTI");
    }
    let dirty_cas = s.watch.dirty_cas.contains(&c.id) || s.watched_key_expired(c);
    if c.mstate.dirty_exec || dirty_cas {
        if c.mstate.dirty_exec {
            c.add_reply_error("-EXECABORT Transaction discarded because of previous errors.");
        } else {
            c.add_reply_null_array();
        }
        s.discard_transaction(c);
        return;
    }
    s.unwatch_all_keys(c);
    s.watch.dirty_cas.remove(&c.id);
    let commands = std::mem::take(&mut c.mstate.commands);
    c.mstate.active = false;
    c.add_reply_array_len(commands.len());
    s.in_exec = true;
    let saved_cmd = c.cmd;
    // Blocking commands inside EXEC behave as their non-blocking form.
    let old_flags = c.flags;
    c.flags |= CLIENT_DENY_BLOCKING;
    for (idx, argv) in commands.iter() {
        c.cmd = Some(*idx);
        // Redis: the ACL is checked again, in case the rules changed while
        // the transaction was queued.
        if let Err(d) = crate::acl::check_command(s, c.user, *idx, argv) {
            let reason = match d {
                crate::acl::Denied::Cmd => "no permission to execute the command or subcommand",
                crate::acl::Denied::Key(_) => "no permission to touch the specified keys",
                crate::acl::Denied::Channel(_) => {
                    "no permission to access one of the channels used as arguments"
                }
            };
            let _ = crate::acl::acl_cmd::denial_error(
                s,
                c,
                *idx,
                argv,
                d,
                crate::acl::log::Context::Multi,
            );
            c.add_reply_error(&format!("-NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: {}", reason));
            continue;
        }
        s.call(c, *idx, argv);
    }
    if old_flags & CLIENT_DENY_BLOCKING == 0 {
        c.flags &= !CLIENT_DENY_BLOCKING;
    }
    c.cmd = saved_cmd;
    s.in_exec = false;
    s.discard_transaction(c);
}

fn watch_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if c.mstate.active {
        return c.add_reply_error("WATCH inside MULTI is not allowed");
    }
    let db = c.db;
    for key in &argv[1..] {
        if c.mstate.watched.iter().any(|(d, k)| *d == db && k == key) {
            continue;
        }
        let expired = s.key_is_expired(db, key);
        s.watch
            .keys
            .entry((db, key.clone()))
            .or_default()
            .push(Watcher { id: c.id, expired });
        c.mstate.watched.push((db, key.clone()));
    }
    c.add_reply_ok();
}

fn unwatch_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    s.unwatch_all_keys(c);
    s.watch.dirty_cas.remove(&c.id);
    c.add_reply_ok();
}

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("multi", multi_command),
    ("exec", exec_command),
    ("discard", discard_command),
    ("watch", watch_command),
    ("unwatch", unwatch_command),
];
