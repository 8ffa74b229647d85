//! Sets. Redis counterpart: t_set.c (7.0).
//! The encoding-independent set API (intset or hashtable) is
//! `oxidis_ds::set`; this file holds the SADD/SREM/.../SSCAN commands,
//! ops.rs the multi-key operations (SINTER, SINTERCARD, SUNION, SDIFF and
//! their STORE forms).

mod ops;

use oxidis_ds::dict::Dict;
use oxidis_ds::rand::Rng;
use oxidis_ds::set::{Member, SetObj};

use crate::args::{get_positive_long_or_reply, get_range_long_or_reply};
use crate::keyspace::{parse_scan_cursor, scan_dict_loop, ScanOptions};
use crate::networking::client::CLIENT_CLOSE_ASAP;
use crate::networking::Client;
use crate::notify::{NOTIFY_GENERIC, NOTIFY_SET};
use crate::object::{RObj, Value};
use crate::server::command::CommandProc;
use crate::server::Server;

/// The set inside a value, if it is one.
pub fn as_set(o: &RObj) -> Option<&SetObj> {
    match &o.v {
        Value::Set(s) => Some(s),
        _ => None,
    }
}

fn as_set_mut(o: &mut RObj) -> Option<&mut SetObj> {
    match &mut o.v {
        Value::Set(s) => Some(s),
        _ => None,
    }
}

/// Which lookup a command does: read (hit/miss stats) or write.
#[derive(Clone, Copy)]
enum Lookup {
    Read,
    Write,
}

/// Redis: lookupKey{Read,Write}OrReply + checkType. Ok(None) for a missing
/// key; Err(()) after replying WRONGTYPE.
fn lookup_set<'a>(
    s: &'a mut Server,
    c: &mut Client,
    key: &[u8],
    how: Lookup,
) -> Result<Option<&'a mut SetObj>, ()> {
    let db = c.db;
    let o = match how {
        Lookup::Read => s.lookup_key(db, key, crate::db::LOOKUP_NONE),
        Lookup::Write => s.lookup_key_write(db, key),
    };
    match o {
        None => Ok(None),
        Some(o) => match as_set_mut(o) {
            Some(set) => Ok(Some(set)),
            None => {
                c.add_reply_wrongtype();
                Err(())
            }
        },
    }
}

/// Redis: setTypeDup — used by COPY (the dict clone is O(1)).
pub fn new_set_value(set: SetObj) -> Value {
    Value::Set(Box::new(set))
}

// ---------------------------------------------------------------------------
// SADD, SREM, SMOVE, SISMEMBER, SMISMEMBER, SCARD
// ---------------------------------------------------------------------------

/// Redis: saddCommand.
fn sadd_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let (db, key) = (c.db, &argv[1][..]);
    let max = s.config.set_max_intset_entries;
    let added = match lookup_set(s, c, key, Lookup::Write) {
        Err(()) => return,
        Ok(Some(set)) => argv[2..].iter().filter(|m| set.add(m, max)).count(),
        Ok(None) => {
            let mut set = SetObj::create(&argv[2]);
            let n = argv[2..].iter().filter(|m| set.add(m, max)).count();
            let o = s.new_obj(new_set_value(set));
            s.db_add(db, key, o);
            n
        }
    };
    if added > 0 {
        s.signal_modified_key(db, key);
        s.notify_keyspace_event(NOTIFY_SET, "sadd", key, db);
    }
    s.dirty += added as i64;
    c.add_reply_long(added as i64);
}

/// Redis: sremCommand.
fn srem_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let (db, key) = (c.db, &argv[1][..]);
    let mut deleted = 0;
    let mut emptied = false;
    match lookup_set(s, c, key, Lookup::Write) {
        Err(()) => return,
        Ok(None) => return c.add_reply_long(0),
        Ok(Some(set)) => {
            for m in &argv[2..] {
                if set.remove(m) {
                    deleted += 1;
                    if set.is_empty() {
                        emptied = true;
                        break;
                    }
                }
            }
        }
    }
    if emptied {
        s.db_delete(db, key);
    }
    if deleted > 0 {
        s.signal_modified_key(db, key);
        s.notify_keyspace_event(NOTIFY_SET, "srem", key, db);
        if emptied {
            s.notify_keyspace_event(NOTIFY_GENERIC, "del", key, db);
        }
        s.dirty += deleted as i64;
    }
    c.add_reply_long(deleted as i64);
}

/// Redis: smoveCommand.
fn smove_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let (db, src, dst, ele) = (c.db, &argv[1][..], &argv[2][..], &argv[3][..]);
    let src_kind = s.lookup_key_write(db, src).map(|o| as_set(o).is_some());
    let dst_kind = s.lookup_key_write(db, dst).map(|o| as_set(o).is_some());
    match src_kind {
        None => return c.add_reply_long(0),
        Some(false) => return c.add_reply_wrongtype(),
        Some(true) => {}
    }
    if dst_kind == Some(false) {
        return c.add_reply_wrongtype();
    }
    let dict = &mut s.dbs[db].dict;
    let srcset = dict
        .find_mut(src)
        .and_then(as_set_mut)
        .expect("SMOVE: source vanished");
    if src == dst {
        let is = srcset.is_member(ele);
        return c.add_reply_long(i64::from(is));
    }
    if !srcset.remove(ele) {
        return c.add_reply_long(0);
    }
    let emptied = srcset.is_empty();
    s.notify_keyspace_event(NOTIFY_SET, "srem", src, db);
    if emptied {
        s.db_delete(db, src);
        s.notify_keyspace_event(NOTIFY_GENERIC, "del", src, db);
    }
    let max = s.config.set_max_intset_entries;
    let added = match s.dbs[db].dict.find_mut(dst).and_then(as_set_mut) {
        Some(set) => set.add(ele, max),
        None => {
            let mut set = SetObj::create(ele);
            set.add(ele, max);
            let o = s.new_obj(new_set_value(set));
            s.db_add(db, dst, o);
            true
        }
    };
    s.signal_modified_key(db, src);
    s.dirty += 1;
    if added {
        s.dirty += 1;
        s.signal_modified_key(db, dst);
        s.notify_keyspace_event(NOTIFY_SET, "sadd", dst, db);
    }
    c.add_reply_long(1);
}

/// Redis: sismemberCommand.
fn sismember_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    match lookup_set(s, c, &argv[1], Lookup::Read) {
        Err(()) => {}
        Ok(None) => c.add_reply_long(0),
        Ok(Some(set)) => c.add_reply_long(i64::from(set.is_member(&argv[2]))),
    }
}

/// Redis: smismemberCommand — a missing key answers zeros.
fn smismember_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Ok(set) = lookup_set(s, c, &argv[1], Lookup::Read) else {
        return;
    };
    c.add_reply_array_len(argv.len() - 2);
    for m in &argv[2..] {
        let is = set.as_ref().is_some_and(|set| set.is_member(m));
        c.add_reply_long(i64::from(is));
    }
}

/// Redis: scardCommand.
fn scard_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    match lookup_set(s, c, &argv[1], Lookup::Read) {
        Err(()) => {}
        Ok(None) => c.add_reply_long(0),
        Ok(Some(set)) => c.add_reply_long(set.len() as i64),
    }
}

// ---------------------------------------------------------------------------
// SPOP, SRANDMEMBER
// ---------------------------------------------------------------------------

/// How much bigger than the remainder the popped count must be for SPOP to
/// rebuild the set from the survivors instead. Redis: SPOP_MOVE_STRATEGY_MUL.
const SPOP_MOVE_STRATEGY_MUL: usize = 5;

/// Redis: spopCommand.
fn spop_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if argv.len() == 3 {
        return spop_with_count_command(s, c, argv);
    } else if argv.len() > 3 {
        return c.add_reply_syntax_err();
    }
    let (db, key) = (c.db, &argv[1][..]);
    let mut rng = Rng::from_thread();
    let (ele, empty) = match lookup_set(s, c, key, Lookup::Write) {
        Err(()) => return,
        Ok(None) => return c.add_reply_null(),
        Ok(Some(set)) => (set.pop_random(&mut rng), set.is_empty()),
    };
    s.notify_keyspace_event(NOTIFY_SET, "spop", key, db);
    // Redis: SPOP propagates as the SREM of what it popped.
    crate::replication::rewrite_with(s, c, || vec![b"SREM".to_vec(), key.to_vec(), ele.clone()]);
    c.add_reply_bulk(&ele);
    if empty {
        s.db_delete(db, key);
        s.notify_keyspace_event(NOTIFY_GENERIC, "del", key, db);
    }
    s.signal_modified_key(db, key);
    s.dirty += 1;
}

/// Redis: spopWithCountCommand and its three cases.
fn spop_with_count_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(count) = get_positive_long_or_reply(c, &argv[2], None) else {
        return;
    };
    let count = count as usize;
    let (db, key) = (c.db, &argv[1][..]);
    let mut rng = Rng::from_thread();
    let max = s.config.set_max_intset_entries;
    let propagate = s.should_propagate();
    let mut popped: Vec<Vec<u8>> = Vec::new();
    let set = match lookup_set(s, c, key, Lookup::Write) {
        Err(()) => return,
        Ok(None) => return c.add_reply_set_len(0),
        Ok(Some(set)) => set,
    };
    if count == 0 {
        return c.add_reply_set_len(0);
    }
    let size = set.len();

    // CASE 1: at least the whole set: reply with it and delete the key.
    if count >= size {
        c.add_reply_set_len(size);
        for e in set.iter() {
            c.add_reply_set_ele(e);
        }
        s.dirty += size as i64;
        s.notify_keyspace_event(NOTIFY_SET, "spop", key, db);
        s.db_delete(db, key);
        s.notify_keyspace_event(NOTIFY_GENERIC, "del", key, db);
        crate::replication::rewrite_with(s, c, || vec![b"DEL".to_vec(), key.to_vec()]);
        s.signal_modified_key(db, key);
        return;
    }
    c.add_reply_set_len(count);
    let remaining = size - count;
    if remaining * SPOP_MOVE_STRATEGY_MUL > count {
        // CASE 2: few elements compared to the set: pop them one by one.
        for _ in 0..count {
            let e = set.pop_random(&mut rng);
            c.add_reply_bulk(&e);
            if propagate {
                popped.push(e);
            }
        }
    } else {
        // CASE 3: most of the set goes: move the survivors into a new set,
        // then reply with what is left of the old one.
        let mut newset: Option<SetObj> = None;
        for _ in 0..remaining {
            let e = set.pop_random(&mut rng);
            newset
                .get_or_insert_with(|| SetObj::create(&e))
                .add(&e, max);
        }
        for e in set.iter() {
            if propagate {
                popped.push(e.to_vec());
            } else {
                c.add_reply_set_ele(e);
            }
        }
        for e in &popped {
            c.add_reply_bulk(e);
        }
        *set = newset.expect("SPOP: remaining is positive");
    }
    // Redis: one SREM per popped element instead of the command itself.
    for e in popped {
        s.also_propagate(db, vec![b"SREM".to_vec(), key.to_vec(), e]);
    }
    crate::replication::prevent_propagation(c);
    s.dirty += count as i64;
    s.notify_keyspace_event(NOTIFY_SET, "spop", key, db);
    s.signal_modified_key(db, key);
}

/// How much bigger than the requested count a set must be for SRANDMEMBER
/// to sample instead of copying and trimming. Redis: SRANDMEMBER_SUB_STRATEGY_MUL.
const SRANDMEMBER_SUB_STRATEGY_MUL: usize = 3;

/// Redis: srandmemberCommand.
fn srandmember_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if argv.len() == 3 {
        return srandmember_with_count_command(s, c, argv);
    } else if argv.len() > 3 {
        return c.add_reply_syntax_err();
    }
    let mut rng = Rng::from_thread();
    match lookup_set(s, c, &argv[1], Lookup::Read) {
        Err(()) => {}
        Ok(None) => c.add_reply_null(),
        Ok(Some(set)) => c.add_reply_set_ele(set.random_element(&mut rng)),
    }
}

/// Redis: srandmemberWithCountCommand and its four cases.
fn srandmember_with_count_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(l) = get_range_long_or_reply(c, &argv[2], -i64::MAX, i64::MAX, None) else {
        return;
    };
    let (count, uniq) = (l.unsigned_abs() as usize, l >= 0);
    let mut rng = Rng::from_thread();
    let set = match lookup_set(s, c, &argv[1], Lookup::Read) {
        Err(()) => return,
        Ok(None) => return c.add_reply_array_len(0),
        Ok(Some(set)) => set,
    };
    let size = set.len();
    if count == 0 {
        return c.add_reply_array_len(0);
    }

    // CASE 1: negative count: independent draws, repeats allowed.
    if !uniq || count == 1 {
        c.add_reply_array_len(count);
        for _ in 0..count {
            c.add_reply_set_ele(set.random_element(&mut rng));
            if c.flags & CLIENT_CLOSE_ASAP != 0 {
                break;
            }
        }
        return;
    }

    // CASE 2: the whole set.
    if count >= size {
        c.add_reply_array_len(size);
        for e in set.iter() {
            c.add_reply_set_ele(e);
        }
        return;
    }

    let mut d: Dict<Member, ()> = Dict::new();
    if count * SRANDMEMBER_SUB_STRATEGY_MUL > size {
        // CASE 3: copy the set, then remove random elements down to count.
        d.expand(size);
        for e in set.iter() {
            let _ = d.add(Member::from_vec(e.to_vec()), ());
        }
        while d.len() > count {
            let k = d.random_entry().expect("non-empty").0.clone();
            d.remove(&k);
        }
    } else {
        // CASE 4: sample until count distinct elements are found.
        d.expand(count);
        while d.len() < count {
            let e = set.random_element(&mut rng).to_vec();
            let _ = d.add(Member::from_vec(e), ());
        }
    }
    c.add_reply_array_len(count);
    for (k, _) in d.iter() {
        c.add_reply_bulk(k);
    }
}

// ---------------------------------------------------------------------------
// SSCAN
// ---------------------------------------------------------------------------

/// Redis: sscanCommand + scanGenericCommand for a set. An intset is small,
/// so it is returned whole with cursor 0, as Redis does.
fn sscan_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(cursor) = parse_scan_cursor(&argv[2]) else {
        return c.add_reply_error("invalid cursor");
    };
    let set = match lookup_set(s, c, &argv[1], Lookup::Read) {
        Err(()) => return,
        Ok(None) => return reply_scan(c, 0, &[]),
        Ok(Some(set)) => set,
    };
    let opts = match ScanOptions::parse(&argv[3..], false) {
        Ok(o) => o,
        Err(e) => return e.reply(c),
    };
    let mut out: Vec<Vec<u8>> = Vec::new();
    let cursor = match set {
        SetObj::Ht(d) => scan_dict_loop(cursor, opts.count, &mut out, |cur, out| {
            d.scan(cur, |k, _| out.push(k.to_vec()))
        }),
        SetObj::Intset(_) => {
            out.extend(set.iter().map(|e| e.to_vec()));
            0
        }
    };
    out.retain(|e| opts.matches(e));
    reply_scan(c, cursor, &out);
}

/// The two-element SCAN reply: cursor, then the elements.
pub fn reply_scan(c: &mut Client, cursor: u64, items: &[Vec<u8>]) {
    c.add_reply_array_len(2);
    c.add_reply_bulk(cursor.to_string().as_bytes());
    c.add_reply_array_len(items.len());
    for i in items {
        c.add_reply_bulk(i);
    }
}

// ---------------------------------------------------------------------------
// DEBUG DIGEST
// ---------------------------------------------------------------------------

/// Redis: the OBJ_SET arm of xorObjectDigest — members xor-ed together, so
/// the order of iteration does not matter.
pub fn digest(digest: &mut [u8; 20], set: &SetObj) {
    for e in set.iter() {
        crate::debug::xor_digest(digest, &e.to_vec());
    }
}

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("sadd", sadd_command),
    ("srem", srem_command),
    ("smove", smove_command),
    ("sismember", sismember_command),
    ("smismember", smismember_command),
    ("scard", scard_command),
    ("spop", spop_command),
    ("srandmember", srandmember_command),
    ("sinter", ops::sinter_command),
    ("smembers", ops::sinter_command),
    ("sintercard", ops::sintercard_command),
    ("sinterstore", ops::sinterstore_command),
    ("sunion", ops::sunion_command),
    ("sunionstore", ops::sunionstore_command),
    ("sdiff", ops::sdiff_command),
    ("sdiffstore", ops::sdiffstore_command),
    ("sscan", sscan_command),
];
