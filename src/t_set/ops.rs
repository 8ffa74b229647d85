//! Multi-key set operations. Redis counterpart: t_set.c's
//! sinterGenericCommand (SINTER, SMEMBERS, SINTERCARD, SINTERSTORE) and
//! sunionDiffGenericCommand (SUNION, SDIFF and their STORE forms).
//!
//! Every key is first looked up through `lookup_key_read` (expiry, stats,
//! type check); the sets are then borrowed straight from the keyspace dict,
//! so nothing is copied to compute the result.

use oxidis_ds::intset::Intset;

use super::SetObj;
use super::{as_set, new_set_value};
use crate::args::{get_positive_long_or_reply, get_range_long_or_reply};
use crate::networking::Client;
use crate::notify::{NOTIFY_GENERIC, NOTIFY_SET};
use crate::server::Server;

/// Looks every key up for reading. Returns false after replying WRONGTYPE.
fn lookup_all(s: &mut Server, c: &mut Client, keys: &[Vec<u8>]) -> bool {
    let db = c.db;
    for k in keys {
        if let Some(o) = s.lookup_key_read(db, k) {
            if as_set(o).is_none() {
                c.add_reply_wrongtype();
                return false;
            }
        }
    }
    true
}

/// The sets named by `keys`, None for missing keys (after `lookup_all`).
fn borrow_sets<'a>(s: &'a Server, db: usize, keys: &[Vec<u8>]) -> Vec<Option<&'a SetObj>> {
    let dict = &s.dbs[db].dict;
    keys.iter().map(|k| dict.get(k).and_then(as_set)).collect()
}

/// Stores `dstset` at `dstkey` (or deletes the key when it is empty) and
/// replies with its size. Redis: the dstkey tail of both generic commands.
fn store_result(s: &mut Server, c: &mut Client, dstkey: &[u8], dstset: SetObj, event: &str) {
    let db = c.db;
    let n = dstset.len();
    if n > 0 {
        let o = s.new_obj(new_set_value(dstset));
        s.set_key(db, dstkey, o, false);
        c.add_reply_long(n as i64);
        s.notify_keyspace_event(NOTIFY_SET, event, dstkey, db);
        s.dirty += 1;
    } else {
        c.add_reply_long(0);
        if s.db_delete(db, dstkey) {
            s.dirty += 1;
            s.notify_keyspace_event(NOTIFY_GENERIC, "del", dstkey, db);
        }
    }
}

/// What sinterGenericCommand produces.
#[derive(Clone, Copy, PartialEq, Eq)]
enum InterMode {
    Reply,
    Card(usize), // SINTERCARD with its LIMIT (0: none)
    Store,
}

/// Redis: sinterGenericCommand.
fn sinter_generic_command(
    s: &mut Server,
    c: &mut Client,
    keys: &[Vec<u8>],
    dstkey: Option<&[u8]>,
    mode: InterMode,
) {
    if !lookup_all(s, c, keys) {
        return;
    }
    let db = c.db;
    let max = s.config.set_max_intset_entries;
    let sets = borrow_sets(s, db, keys);
    // An intersection with a missing (empty) set is empty.
    if sets.iter().any(|s| s.is_none()) {
        drop(sets);
        match mode {
            InterMode::Store => {
                let dst = dstkey.expect("store mode has a destination");
                if s.db_delete(db, dst) {
                    s.notify_keyspace_event(NOTIFY_GENERIC, "del", dst, db);
                    s.dirty += 1;
                }
                c.add_reply_long(0);
            }
            InterMode::Card(_) => c.add_reply_long(0),
            InterMode::Reply => c.add_reply_set_len(0),
        }
        return;
    }
    // Smallest set first: fewer candidates to test.
    let mut sets: Vec<(&[u8], &SetObj)> = keys
        .iter()
        .zip(sets)
        .map(|(k, s)| (&k[..], s.expect("checked above")))
        .collect();
    sets.sort_by_key(|(_, s)| s.len());

    let mut dstset = SetObj::Intset(Intset::new());
    let deferred = (mode == InterMode::Reply).then(|| c.add_reply_deferred_len());
    let mut cardinality = 0usize;
    let (first_key, first) = sets[0];
    for e in first.iter() {
        let in_all = sets[1..]
            .iter()
            .all(|(k, set)| *k == first_key || set.is_member_ele(e));
        if !in_all {
            continue;
        }
        match mode {
            InterMode::Card(limit) => {
                cardinality += 1;
                if limit != 0 && cardinality >= limit {
                    break;
                }
            }
            InterMode::Reply => {
                c.add_reply_set_ele(e);
                cardinality += 1;
            }
            InterMode::Store => {
                dstset.add_ele(e, max);
            }
        }
    }
    drop(sets);
    match mode {
        InterMode::Card(_) => c.add_reply_long(cardinality as i64),
        InterMode::Reply => c.set_deferred_set_len(deferred.expect("deferred"), cardinality),
        InterMode::Store => store_result(s, c, dstkey.expect("destination"), dstset, "sinterstore"),
    }
}

/// SINTER key [key ...], and SMEMBERS key.
pub fn sinter_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    sinter_generic_command(s, c, &argv[1..], None, InterMode::Reply);
}

/// SINTERSTORE destination key [key ...]
pub fn sinterstore_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    sinter_generic_command(s, c, &argv[2..], Some(&argv[1]), InterMode::Store);
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit]. Redis: sinterCardCommand.
pub fn sintercard_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(numkeys) = get_range_long_or_reply(
        c,
        &argv[1],
        1,
        i64::MAX,
        Some("numkeys should be greater than 0"),
    ) else {
        return;
    };
    if numkeys > (argv.len() - 2) as i64 {
        return c.add_reply_error("Number of keys can't be greater than number of args");
    }
    let numkeys = numkeys as usize;
    let mut limit = 0usize;
    let mut j = 2 + numkeys;
    while j < argv.len() {
        let moreargs = argv.len() - 1 - j;
        if argv[j].eq_ignore_ascii_case(b"limit") && moreargs > 0 {
            j += 1;
            let Some(l) = get_positive_long_or_reply(c, &argv[j], Some("LIMIT can't be negative"))
            else {
                return;
            };
            limit = l as usize;
        } else {
            return c.add_reply_syntax_err();
        }
        j += 1;
    }
    sinter_generic_command(s, c, &argv[2..2 + numkeys], None, InterMode::Card(limit));
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Diff,
}

/// Redis: sunionDiffGenericCommand, with both DIFF algorithms.
fn sunion_diff_generic_command(
    s: &mut Server,
    c: &mut Client,
    keys: &[Vec<u8>],
    dstkey: Option<&[u8]>,
    op: SetOp,
) {
    if !lookup_all(s, c, keys) {
        return;
    }
    let db = c.db;
    let max = s.config.set_max_intset_entries;
    let mut sets: Vec<(&[u8], Option<&SetObj>)> = keys
        .iter()
        .map(|k| &k[..])
        .zip(borrow_sets(s, db, keys))
        .collect();
    let sameset = sets[0].1.is_some() && sets[1..].iter().any(|(k, _)| *k == sets[0].0);

    // Algorithm 1 is O(N*M) over the first set; algorithm 2 is O(total).
    let mut diff_algo = 1;
    if op == SetOp::Diff && sets[0].1.is_some() && !sameset {
        let first = sets[0].1.map_or(0, |s| s.len()) as i64;
        let (mut one, mut two) = (0i64, 0i64);
        for (_, set) in &sets {
            if let Some(set) = set {
                one += first;
                two += set.len() as i64;
            }
        }
        one /= 2;
        diff_algo = if one <= two { 1 } else { 2 };
        if diff_algo == 1 && sets.len() > 1 {
            // Biggest first: likelier to find the element early.
            sets[1..].sort_by_key(|(_, s)| std::cmp::Reverse(s.map_or(0, |s| s.len())));
        }
    }

    let mut dstset = SetObj::Intset(Intset::new());
    match op {
        SetOp::Union => {
            for set in sets.iter().filter_map(|(_, s)| *s) {
                for e in set.iter() {
                    dstset.add_ele(e, max);
                }
            }
        }
        SetOp::Diff if sameset => {}
        SetOp::Diff => {
            if let Some(first) = sets[0].1 {
                if diff_algo == 1 {
                    for e in first.iter() {
                        let found = sets[1..].iter().any(|(k, set)| {
                            *k == sets[0].0 || set.is_some_and(|s| s.is_member_ele(e))
                        });
                        if !found {
                            dstset.add_ele(e, max);
                        }
                    }
                } else {
                    for e in first.iter() {
                        dstset.add_ele(e, max);
                    }
                    for set in sets[1..].iter().filter_map(|(_, s)| *s) {
                        for e in set.iter() {
                            dstset.remove_ele(e);
                        }
                        if dstset.is_empty() {
                            break;
                        }
                    }
                }
            }
        }
    }
    drop(sets);

    match dstkey {
        None => {
            c.add_reply_set_len(dstset.len());
            for e in dstset.iter() {
                c.add_reply_set_ele(e);
            }
        }
        Some(dst) => {
            let event = match op {
                SetOp::Union => "sunionstore",
                SetOp::Diff => "sdiffstore",
            };
            store_result(s, c, dst, dstset, event)
        }
    }
}

/// SUNION key [key ...]
pub fn sunion_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    sunion_diff_generic_command(s, c, &argv[1..], None, SetOp::Union);
}

/// SUNIONSTORE destination key [key ...]
pub fn sunionstore_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    sunion_diff_generic_command(s, c, &argv[2..], Some(&argv[1]), SetOp::Union);
}

/// SDIFF key [key ...]
pub fn sdiff_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    sunion_diff_generic_command(s, c, &argv[1..], None, SetOp::Diff);
}

/// SDIFFSTORE destination key [key ...]
pub fn sdiffstore_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    sunion_diff_generic_command(s, c, &argv[2..], Some(&argv[1]), SetOp::Diff);
}
