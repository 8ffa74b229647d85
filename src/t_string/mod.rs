//! String commands. Redis counterpart: t_string.c (7.0), plus the string
//! helpers of object.c it leans on (getLongLongFromObjectOrReply,
//! getLongDoubleFromObjectOrReply, checkType on strings).
//!
//! Layout, following t_string.c's own order:
//! - this file: SET and its variants (SETNX, SETEX, PSETEX, GETSET), the GET
//!   family (GET, GETEX, GETDEL), MGET/MSET/MSETNX, APPEND, STRLEN,
//!   SETRANGE/GETRANGE/SUBSTR and the INCR/DECR family;
//! - `lcs.rs`: LCS;
//! - `bitops.rs`: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP (bitops.c);
//! - `bitfield.rs`: BITFIELD and BITFIELD_RO (the second half of bitops.c).
//!
//! Divergences:
//! - INCRBYFLOAT computes in f64, not C's 80-bit long double (the shared
//!   `util::ld2string`/`string2ld` helpers define the same contract).
//! - Keyspace notifications, WATCH invalidation and command propagation are
//!   not wired yet, so the argv rewriting Redis does for replication (SET ..
//!   PXAT, GETEX as PEXPIREAT, INCRBYFLOAT as SET .. KEEPTTL) is absent.

mod bitfield;
mod bitops;
mod lcs;

use oxidis_ds::util;

use crate::args::get_long_or_reply;
use crate::networking::Client;
use crate::notify::{NOTIFY_GENERIC, NOTIFY_STRING};
use crate::object::{self, Value};
use crate::replication;
use crate::server::command::CommandProc;
use crate::server::shared;
use crate::server::Server;

/// Handlers of every string and bitmap command, bound by name into the
/// command table (Redis: the string/bitmap rows of redisCommandTable).
pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("get", get_command),
    ("set", set_command),
    ("setnx", setnx_command),
    ("setex", setex_command),
    ("psetex", psetex_command),
    ("getex", getex_command),
    ("getdel", getdel_command),
    ("getset", getset_command),
    ("mget", mget_command),
    ("mset", mset_command),
    ("msetnx", msetnx_command),
    ("append", append_command),
    ("strlen", strlen_command),
    ("setrange", setrange_command),
    ("getrange", getrange_command),
    ("substr", getrange_command),
    ("incr", incr_command),
    ("decr", decr_command),
    ("incrby", incrby_command),
    ("decrby", decrby_command),
    ("incrbyfloat", incrbyfloat_command),
    ("lcs", lcs::lcs_command),
    ("setbit", bitops::setbit_command),
    ("getbit", bitops::getbit_command),
    ("bitcount", bitops::bitcount_command),
    ("bitpos", bitops::bitpos_command),
    ("bitop", bitops::bitop_command),
    ("bitfield", bitfield::bitfield_command),
    ("bitfield_ro", bitfield::bitfield_ro_command),
];

/* ========================= Shared helpers ========================= */

/// Redis: getLongLongFromObject on a stored string value.
fn value_to_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Int(n) => Some(*n),
        Value::EmbStr(b) => util::string2ll(b),
        Value::Raw(b) => util::string2ll(b),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// Redis: getLongDoubleFromObject on a stored string value.
fn value_to_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Int(n) => Some(*n as f64),
        Value::EmbStr(b) => util::string2ld(b),
        Value::Raw(b) => util::string2ld(b),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// Redis: checkStringLength — would a string of `size + append` bytes exceed
/// proto-max-bulk-len (or overflow)? Replies with the error when it would.
fn check_string_length(max_bulk: i64, c: &mut Client, size: i64, append: i64) -> bool {
    let fits = size
        .checked_add(append)
        .is_some_and(|total| total <= max_bulk);
    if !fits {
        c.add_reply_error("string exceeds maximum allowed size (proto-max-bulk-len)");
    }
    fits
}

/// Redis: getGenericCommand — reply with the string at `key` (nil when it
/// is missing). Returns false after replying WRONGTYPE.
fn get_generic_command(s: &mut Server, c: &mut Client, key: &[u8]) -> bool {
    match s.lookup_key_read(c.db, key) {
        None => c.add_reply_null(),
        Some(o) => {
            if !reply_string_value(c, &o.v) {
                c.add_reply_wrongtype();
                return false;
            }
        }
    }
    true
}

/// Replies with a string value as a bulk (integers formatted on the fly,
/// without an allocation). Returns false, without replying, for a
/// non-string value.
fn reply_string_value(c: &mut Client, v: &Value) -> bool {
    match v {
        Value::Int(n) => c.add_reply_bulk_i64(*n),
        Value::EmbStr(b) => c.add_reply_bulk(b),
        Value::Raw(b) => c.add_reply_bulk(b),
        #[allow(unreachable_patterns)]
        _ => return false,
    }
    true
}

/* ===================== SET / GET option parsing ===================== */

/// Option flags of SET and GETEX. Redis: the OBJ_* flags of t_string.c.
pub(crate) mod flags {
    pub const NX: u32 = 1 << 0;
    pub const XX: u32 = 1 << 1;
    pub const EX: u32 = 1 << 2;
    pub const PX: u32 = 1 << 3;
    pub const KEEPTTL: u32 = 1 << 4;
    pub const GET: u32 = 1 << 5;
    pub const EXAT: u32 = 1 << 6;
    pub const PXAT: u32 = 1 << 7;
    pub const PERSIST: u32 = 1 << 8;
    /// Any of the four expire options.
    pub const ANY_EXPIRE: u32 = EX | PX | EXAT | PXAT;
}

/// Which command's options `parse_extended_string_args` accepts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ExtCmd {
    /// GETEX: PERSIST and the expire options; parsing starts at argv[2].
    Get,
    /// SET: NX, XX, GET, KEEPTTL and the expire options; starts at argv[3].
    Set,
}

/// The parsed options: flags, the expire argument's index in argv, and
/// whether it is in milliseconds (PX/PXAT) rather than seconds.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct ExtArgs {
    pub flags: u32,
    pub expire_idx: Option<usize>,
    pub unit_ms: bool,
}

/// Redis: parseExtendedStringArgumentsOrReply. `Err(())` means a syntax
/// error: an unknown option, a conflicting pair (NX with XX, two expire
/// kinds, KEEPTTL/PERSIST with an expire), or an expire option at the end.
/// A repeated option of the same kind is accepted; the last value wins.
pub(crate) fn parse_extended_string_args(argv: &[Vec<u8>], cmd: ExtCmd) -> Result<ExtArgs, ()> {
    use flags::*;
    let mut out = ExtArgs::default();
    let mut j = if cmd == ExtCmd::Get { 2 } else { 3 };
    let is_set = cmd == ExtCmd::Set;
    while j < argv.len() {
        let opt = &argv[j][..];
        let has_next = j + 1 < argv.len();
        let f = out.flags;
        let eq = |name: &str| opt.eq_ignore_ascii_case(name.as_bytes());
        if eq("nx") && f & XX == 0 && is_set {
            out.flags |= NX;
        } else if eq("xx") && f & NX == 0 && is_set {
            out.flags |= XX;
        } else if eq("get") && is_set {
            out.flags |= GET;
        } else if eq("keepttl") && f & (PERSIST | ANY_EXPIRE) == 0 && is_set {
            out.flags |= KEEPTTL;
        } else if eq("persist") && !is_set && f & (ANY_EXPIRE | KEEPTTL) == 0 {
            out.flags |= PERSIST;
        } else if let Some(kind) = [("ex", EX), ("px", PX), ("exat", EXAT), ("pxat", PXAT)]
            .iter()
            .find(|(name, _)| eq(name))
            .map(|&(_, k)| k)
        {
            // Only the same expire kind may repeat.
            let conflicts = KEEPTTL | PERSIST | (ANY_EXPIRE & !kind);
            if f & conflicts != 0 || !has_next {
                return Err(());
            }
            out.flags |= kind;
            out.unit_ms = kind & (PX | PXAT) != 0;
            out.expire_idx = Some(j + 1);
            j += 1;
        } else {
            return Err(());
        }
        j += 1;
    }
    Ok(out)
}

/// Why an expire argument was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ExpireErr {
    /// Not an integer: shared::NOT_INTEGER.
    NotInteger,
    /// Zero, negative or overflowing: "invalid expire time in '<cmd>' command".
    Invalid,
}

/// Redis: getExpireMillisecondsOrReply without the reply: the absolute unix
/// time in ms that an EX/PX/EXAT/PXAT argument names, `now_ms` being the
/// wall clock used for the relative forms.
pub(crate) fn expire_to_abs_ms(
    arg: &[u8],
    flags: u32,
    unit_ms: bool,
    now_ms: i64,
) -> Result<i64, ExpireErr> {
    let mut ms = util::string2ll(arg).ok_or(ExpireErr::NotInteger)?;
    if ms <= 0 || (!unit_ms && ms > i64::MAX / 1000) {
        return Err(ExpireErr::Invalid);
    }
    if !unit_ms {
        ms *= 1000;
    }
    if flags & (flags::PX | flags::EX) != 0 {
        // C adds with wrap-around and then checks for a non-positive sum.
        ms = ms.wrapping_add(now_ms);
    }
    if ms <= 0 {
        return Err(ExpireErr::Invalid);
    }
    Ok(ms)
}

/// Reply for an expire parsing error. Redis: addReplyErrorExpireTime uses
/// the command's full name.
fn reply_expire_err(c: &mut Client, e: ExpireErr, cmdname: &str) {
    match e {
        ExpireErr::NotInteger => c.add_reply_error(shared::NOT_INTEGER),
        ExpireErr::Invalid => {
            c.add_reply_error(&format!("invalid expire time in '{}' command", cmdname))
        }
    }
}

/* ============================ SET family ============================ */

/// Redis: setGenericCommand. `nx_reply` selects SETNX's integer replies
/// (:1 / :0) over +OK / nil.
#[allow(clippy::too_many_arguments)]
fn set_generic_command(
    s: &mut Server,
    c: &mut Client,
    flags: u32,
    key: &[u8],
    val: Value,
    expire: Option<&[u8]>,
    unit_ms: bool,
    nx_reply: bool,
    cmdname: &str,
    raw_val: &[u8],
) {
    let mut when = None;
    if let Some(arg) = expire {
        match expire_to_abs_ms(arg, flags, unit_ms, util::mstime()) {
            Ok(ms) => when = Some(ms),
            Err(e) => return reply_expire_err(c, e, cmdname),
        }
    }
    if flags & flags::GET != 0 && !get_generic_command(s, c, key) {
        return;
    }
    // Redis: a relative or absolute expire propagates as SET key value PXAT ms.
    if let Some(ms) = when {
        replication::rewrite_with(s, c, || {
            vec![
                b"SET".to_vec(),
                key.to_vec(),
                raw_val.to_vec(),
                b"PXAT".to_vec(),
                ms.to_string().into_bytes(),
            ]
        });
    }
    // Only NX and XX need to know whether the key exists; a plain SET just
    // lets an expired key go first (its `expired` event and stats), and then
    // set_key probes the keyspace once. LFU needs the lookup's counter bump,
    // which the new value inherits.
    let found = if flags & (flags::NX | flags::XX) != 0 || s.config.maxmemory_policy.is_lfu() {
        s.lookup_key_write(c.db, key).is_some()
    } else {
        if !s.dbs[c.db].expires.is_empty() {
            s.expire_if_needed(c.db, key);
        }
        false
    };
    if (flags & flags::NX != 0 && found) || (flags & flags::XX != 0 && !found) {
        if flags & flags::GET == 0 {
            if nx_reply {
                c.add_reply_long(0);
            } else {
                c.add_reply_null();
            }
        }
        return;
    }
    let o = s.new_obj(val);
    s.set_key(c.db, key, o, flags & flags::KEEPTTL != 0);
    s.dirty += 1;
    s.notify_keyspace_event(NOTIFY_STRING, "set", key, c.db);
    if let Some(ms) = when {
        s.set_expire(c.db, key, ms);
        s.notify_keyspace_event(NOTIFY_GENERIC, "expire", key, c.db);
    }
    if flags & flags::GET == 0 {
        if nx_reply {
            c.add_reply_long(1);
        } else {
            c.add_reply_ok();
        }
    }
}

/// SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms-ts|KEEPTTL]
pub fn set_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let ext = match parse_extended_string_args(argv, ExtCmd::Set) {
        Ok(e) => e,
        Err(()) => return c.add_reply_syntax_err(),
    };
    let val = object::create_string_encoded(&argv[2]);
    let expire = ext.expire_idx.map(|i| &argv[i][..]);
    set_generic_command(
        s,
        c,
        ext.flags,
        &argv[1],
        val,
        expire,
        ext.unit_ms,
        false,
        "set",
        &argv[2],
    );
    // Redis: without an expire, SET ... GET propagates without its GET.
    if ext.flags & flags::GET != 0 && expire.is_none() {
        replication::rewrite_with(s, c, || {
            argv.iter()
                .enumerate()
                .filter(|(j, a)| *j < 3 || !a.eq_ignore_ascii_case(b"get"))
                .map(|(_, a)| a.clone())
                .collect()
        });
    }
}

/// SETNX key value
pub fn setnx_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let val = object::create_string_encoded(&argv[2]);
    set_generic_command(
        s,
        c,
        flags::NX,
        &argv[1],
        val,
        None,
        false,
        true,
        "setnx",
        &argv[2],
    );
}

/// SETEX key seconds value
pub fn setex_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let val = object::create_string_encoded(&argv[3]);
    set_generic_command(
        s,
        c,
        flags::EX,
        &argv[1],
        val,
        Some(&argv[2]),
        false,
        false,
        "setex",
        &argv[3],
    );
}

/// PSETEX key milliseconds value
pub fn psetex_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let val = object::create_string_encoded(&argv[3]);
    set_generic_command(
        s,
        c,
        flags::PX,
        &argv[1],
        val,
        Some(&argv[2]),
        true,
        false,
        "psetex",
        &argv[3],
    );
}

/// GETSET key value — GET then SET, dropping any TTL.
pub fn getset_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if !get_generic_command(s, c, &argv[1]) {
        return;
    }
    let o = s.new_obj(object::create_string_encoded(&argv[2]));
    s.set_key(c.db, &argv[1], o, false);
    s.notify_keyspace_event(NOTIFY_STRING, "set", &argv[1], c.db);
    s.dirty += 1;
    replication::rewrite_with(s, c, || {
        vec![b"SET".to_vec(), argv[1].clone(), argv[2].clone()]
    });
}

/* ============================ GET family ============================ */

/// GET key
pub fn get_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    get_generic_command(s, c, &argv[1]);
}

/// GETEX key [EX s|PX ms|EXAT ts|PXAT ms-ts|PERSIST]
pub fn getex_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let ext = match parse_extended_string_args(argv, ExtCmd::Get) {
        Ok(e) => e,
        Err(()) => return c.add_reply_syntax_err(),
    };
    let db = c.db;
    let key = &argv[1][..];
    let bytes = match s.lookup_key_read(db, key) {
        None => return c.add_reply_null(),
        Some(o) if !o.is_string() => return c.add_reply_wrongtype(),
        Some(o) => {
            o.v.string_bytes()
                .map(|b| b.into_owned())
                .unwrap_or_default()
        }
    };
    // The expire is validated only once the key is known to be a string.
    let mut when = None;
    if let Some(i) = ext.expire_idx {
        match expire_to_abs_ms(&argv[i], ext.flags, ext.unit_ms, util::mstime()) {
            Ok(ms) => when = Some(ms),
            Err(e) => return reply_expire_err(c, e, "getex"),
        }
    }
    c.add_reply_bulk(&bytes);
    let absolute = ext.flags & (flags::EXAT | flags::PXAT) != 0;
    match when {
        // Redis: checkAlreadyExpired — an absolute time in the past deletes.
        // GETEX never propagates as itself: DEL/UNLINK, PEXPIREAT or PERSIST.
        Some(ms) if absolute && ms <= util::mstime() && !s.loading => {
            s.db_delete(db, key);
            s.dirty += 1;
            let lazy = s.config.lazyfree_lazy_expire;
            replication::rewrite_with(s, c, || vec![replication::del_cmd(lazy), key.to_vec()]);
            s.notify_keyspace_event(NOTIFY_GENERIC, "del", key, db);
        }
        Some(ms) => {
            s.set_expire(db, key, ms);
            s.dirty += 1;
            replication::rewrite_with(s, c, || {
                vec![
                    b"PEXPIREAT".to_vec(),
                    key.to_vec(),
                    ms.to_string().into_bytes(),
                ]
            });
            s.notify_keyspace_event(NOTIFY_GENERIC, "expire", key, db);
        }
        None => {
            if ext.flags & flags::PERSIST != 0 && s.remove_expire(db, key) {
                s.dirty += 1;
                replication::rewrite_with(s, c, || vec![b"PERSIST".to_vec(), key.to_vec()]);
                s.notify_keyspace_event(NOTIFY_GENERIC, "persist", key, db);
            }
        }
    }
}

/// GETDEL key
pub fn getdel_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if !get_generic_command(s, c, &argv[1]) {
        return;
    }
    if s.db_delete(c.db, &argv[1]) {
        let lazy = s.config.lazyfree_lazy_user_del;
        replication::rewrite_with(s, c, || vec![replication::del_cmd(lazy), argv[1].clone()]);
        s.notify_keyspace_event(NOTIFY_GENERIC, "del", &argv[1], c.db);
        s.dirty += 1;
    }
}

/// MGET key [key ...] — non-string values read as nil.
pub fn mget_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    c.add_reply_array_len(argv.len() - 1);
    for key in &argv[1..] {
        match s.lookup_key_read(c.db, key) {
            Some(o) if o.is_string() => {
                reply_string_value(c, &o.v);
            }
            _ => c.add_reply_null(),
        }
    }
}

/// Redis: msetGenericCommand.
fn mset_generic_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>], nx: bool) {
    if argv.len().is_multiple_of(2) {
        let name = if nx { "msetnx" } else { "mset" };
        return c.add_reply_error(&format!("wrong number of arguments for '{}' command", name));
    }
    if nx
        && argv[1..]
            .iter()
            .step_by(2)
            .any(|k| s.lookup_key_write(c.db, k).is_some())
    {
        return c.add_reply_long(0);
    }
    for pair in argv[1..].chunks_exact(2) {
        let o = s.new_obj(object::create_string_encoded(&pair[1]));
        s.set_key(c.db, &pair[0], o, false);
        s.notify_keyspace_event(NOTIFY_STRING, "set", &pair[0], c.db);
    }
    s.dirty += ((argv.len() - 1) / 2) as i64;
    if nx {
        c.add_reply_long(1);
    } else {
        c.add_reply_ok();
    }
}

/// MSET key value [key value ...]
pub fn mset_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    mset_generic_command(s, c, argv, false);
}

/// MSETNX key value [key value ...]
pub fn msetnx_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    mset_generic_command(s, c, argv, true);
}

/* ===================== APPEND, STRLEN, ranges ===================== */

/// APPEND key value
pub fn append_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let (db, key, append) = (c.db, &argv[1][..], &argv[2][..]);
    let max_bulk = s.config.proto_max_bulk_len;
    let totlen = match s.lookup_key_write(db, key) {
        Some(o) => {
            if !o.is_string() {
                return c.add_reply_wrongtype();
            }
            let olen = o.v.string_len() as i64;
            if !check_string_length(max_bulk, c, olen, append.len() as i64) {
                return;
            }
            let buf = o.v.make_raw();
            buf.extend_from_slice(append);
            buf.len()
        }
        None => {
            let v = object::create_string_encoded(append);
            let len = v.string_len();
            let o = s.new_obj(v);
            s.db_add(db, key, o);
            len
        }
    };
    s.dirty += 1;
    s.signal_modified_key(db, key);
    s.notify_keyspace_event(NOTIFY_STRING, "append", key, db);
    c.add_reply_long(totlen as i64);
}

/// STRLEN key
pub fn strlen_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    match s.lookup_key_read(c.db, &argv[1]) {
        None => c.add_reply_long(0),
        Some(o) if !o.is_string() => c.add_reply_wrongtype(),
        Some(o) => c.add_reply_long(o.v.string_len() as i64),
    }
}

/// SETRANGE key offset value
pub fn setrange_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let (db, key, value) = (c.db, &argv[1][..], &argv[3][..]);
    let Some(offset) = get_long_or_reply(c, &argv[2], None) else {
        return;
    };
    if offset < 0 {
        return c.add_reply_error("offset is out of range");
    }
    let max_bulk = s.config.proto_max_bulk_len;
    let newlen = match s.lookup_key_write(db, key) {
        Some(o) => {
            if !o.is_string() {
                return c.add_reply_wrongtype();
            }
            // Setting nothing reports the current length.
            if value.is_empty() {
                return c.add_reply_long(o.v.string_len() as i64);
            }
            if !check_string_length(max_bulk, c, offset, value.len() as i64) {
                return;
            }
            write_at(o.v.make_raw(), offset as usize, value)
        }
        None => {
            // Setting nothing on a missing key creates nothing.
            if value.is_empty() {
                return c.add_reply_long(0);
            }
            if !check_string_length(max_bulk, c, offset, value.len() as i64) {
                return;
            }
            let mut buf = Vec::new();
            let len = write_at(&mut buf, offset as usize, value);
            let o = s.new_obj(Value::Raw(Box::new(buf)));
            s.db_add(db, key, o);
            len
        }
    };
    s.dirty += 1;
    s.signal_modified_key(db, key);
    s.notify_keyspace_event(NOTIFY_STRING, "setrange", key, db);
    c.add_reply_long(newlen as i64);
}

/// Copies `value` to `buf[off..]`, zero-padding as needed; returns the new
/// length. Redis: sdsgrowzero + memcpy.
fn write_at(buf: &mut Vec<u8>, off: usize, value: &[u8]) -> usize {
    let end = off + value.len();
    if buf.len() < end {
        buf.resize(end, 0);
    }
    buf[off..end].copy_from_slice(value);
    buf.len()
}

/// Redis: the index arithmetic of getrangeCommand. Returns the inclusive
/// byte range to reply with, or None for an empty reply.
pub(crate) fn getrange_bounds(mut start: i64, mut end: i64, len: usize) -> Option<(usize, usize)> {
    let strlen = len as i64;
    if start < 0 && end < 0 && start > end {
        return None;
    }
    if start < 0 {
        start += strlen;
    }
    if end < 0 {
        end += strlen;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= strlen {
        end = strlen - 1;
    }
    if start > end || strlen == 0 {
        return None;
    }
    Some((start as usize, end as usize))
}

/// GETRANGE key start end (also SUBSTR)
pub fn getrange_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(start) = get_long_or_reply(c, &argv[2], None) else {
        return;
    };
    let Some(end) = get_long_or_reply(c, &argv[3], None) else {
        return;
    };
    match s.lookup_key_read(c.db, &argv[1]) {
        None => c.add_reply_bulk(b""),
        Some(o) if !o.is_string() => c.add_reply_wrongtype(),
        Some(o) => {
            let bytes = o.v.string_bytes().unwrap_or_default();
            match getrange_bounds(start, end, bytes.len()) {
                Some((a, b)) => c.add_reply_bulk(&bytes[a..=b]),
                None => c.add_reply_bulk(b""),
            }
        }
    }
}

/* ========================== INCR / DECR ========================== */

/// Redis: incrDecrCommand.
fn incr_decr_command(s: &mut Server, c: &mut Client, key: &[u8], incr: i64) {
    let db = c.db;
    let value = match s.lookup_key_write(db, key) {
        Some(o) => {
            if !o.is_string() {
                return c.add_reply_wrongtype();
            }
            let Some(old) = value_to_i64(&o.v) else {
                return c.add_reply_error(shared::NOT_INTEGER);
            };
            let Some(value) = old.checked_add(incr) else {
                return c.add_reply_error(shared::OVERFLOW);
            };
            // Overwritten in place: the TTL and the LRU stamp stay.
            o.v = Value::Int(value);
            value
        }
        None => {
            let o = s.new_obj(Value::Int(incr));
            s.db_add(db, key, o);
            incr
        }
    };
    s.dirty += 1;
    s.signal_modified_key(db, key);
    s.notify_keyspace_event(NOTIFY_STRING, "incrby", key, db);
    c.add_reply_long(value);
}

/// INCR key
pub fn incr_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    incr_decr_command(s, c, &argv[1], 1);
}

/// DECR key
pub fn decr_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    incr_decr_command(s, c, &argv[1], -1);
}

/// INCRBY key increment
pub fn incrby_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if let Some(incr) = get_long_or_reply(c, &argv[2], None) {
        incr_decr_command(s, c, &argv[1], incr);
    }
}

/// DECRBY key decrement
pub fn decrby_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(decr) = get_long_or_reply(c, &argv[2], None) else {
        return;
    };
    if decr == i64::MIN {
        return c.add_reply_error("decrement would overflow");
    }
    incr_decr_command(s, c, &argv[1], -decr);
}

/// INCRBYFLOAT key increment — the result is stored as a string, never as
/// an integer encoding.
pub fn incrbyfloat_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let (db, key) = (c.db, &argv[1][..]);
    let incr = util::string2ld(&argv[2]);
    let text = match s.lookup_key_write(db, key) {
        Some(o) => {
            if !o.is_string() {
                return c.add_reply_wrongtype();
            }
            let (Some(value), Some(incr)) = (value_to_f64(&o.v), incr) else {
                return c.add_reply_error(shared::NOT_FLOAT);
            };
            let Some(text) = incrbyfloat_result(c, value, incr) else {
                return;
            };
            o.v = object::create_string(text.as_bytes());
            text
        }
        None => {
            let Some(incr) = incr else {
                return c.add_reply_error(shared::NOT_FLOAT);
            };
            let Some(text) = incrbyfloat_result(c, 0.0, incr) else {
                return;
            };
            let o = s.new_obj(object::create_string(text.as_bytes()));
            s.db_add(db, key, o);
            text
        }
    };
    s.dirty += 1;
    // Redis: propagated as SET with the result, so replicas do not redo the
    // float arithmetic (and KEEPTTL keeps the key's TTL there too).
    replication::rewrite_with(s, c, || {
        vec![
            b"SET".to_vec(),
            key.to_vec(),
            text.as_bytes().to_vec(),
            b"KEEPTTL".to_vec(),
        ]
    });
    s.signal_modified_key(db, key);
    s.notify_keyspace_event(NOTIFY_STRING, "incrbyfloat", key, db);
    c.add_reply_bulk(text.as_bytes());
}

/// The formatted sum, or None after replying the NaN/Infinity error.
fn incrbyfloat_result(c: &mut Client, value: f64, incr: f64) -> Option<String> {
    let sum = value + incr;
    if sum.is_nan() || sum.is_infinite() {
        c.add_reply_error("increment would produce NaN or Infinity");
        return None;
    }
    Some(util::ld2string(sum, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(a: &[&str]) -> Vec<Vec<u8>> {
        a.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn set_options_parse() {
        let a = argv(&["set", "k", "v", "nx", "GET", "px", "100"]);
        let e = parse_extended_string_args(&a, ExtCmd::Set).unwrap();
        assert_eq!(e.flags, flags::NX | flags::GET | flags::PX);
        assert_eq!(e.expire_idx, Some(6));
        assert!(e.unit_ms);
        // Conflicts and incomplete options are syntax errors.
        for bad in [
            &["set", "k", "v", "nx", "xx"][..],
            &["set", "k", "v", "ex", "1", "px", "2"],
            &["set", "k", "v", "keepttl", "ex", "1"],
            &["set", "k", "v", "ex"],
            &["set", "k", "v", "persist"],
            &["set", "k", "v", "bogus"],
        ] {
            assert!(
                parse_extended_string_args(&argv(bad), ExtCmd::Set).is_err(),
                "{:?}",
                bad
            );
        }
        // The same expire kind may repeat; the last value wins.
        let e = parse_extended_string_args(
            &argv(&["set", "k", "v", "ex", "1", "ex", "2"]),
            ExtCmd::Set,
        )
        .unwrap();
        assert_eq!(e.expire_idx, Some(6));
        assert!(
            parse_extended_string_args(&argv(&["set", "k", "v", "nx", "nx"]), ExtCmd::Set).is_ok()
        );
    }

    #[test]
    fn getex_options_parse() {
        let e = parse_extended_string_args(&argv(&["getex", "k", "persist"]), ExtCmd::Get).unwrap();
        assert_eq!(e.flags, flags::PERSIST);
        assert!(parse_extended_string_args(
            &argv(&["getex", "k", "persist", "ex", "1"]),
            ExtCmd::Get
        )
        .is_err());
        assert!(parse_extended_string_args(&argv(&["getex", "k", "nx"]), ExtCmd::Get).is_err());
        assert!(
            parse_extended_string_args(&argv(&["getex", "k", "keepttl"]), ExtCmd::Get).is_err()
        );
        let e =
            parse_extended_string_args(&argv(&["getex", "k", "EXAT", "5"]), ExtCmd::Get).unwrap();
        assert_eq!(
            (e.flags, e.expire_idx, e.unit_ms),
            (flags::EXAT, Some(3), false)
        );
    }

    #[test]
    fn expire_arguments() {
        assert_eq!(expire_to_abs_ms(b"10", flags::EX, false, 1000), Ok(11_000));
        assert_eq!(expire_to_abs_ms(b"10", flags::PX, true, 1000), Ok(1010));
        assert_eq!(
            expire_to_abs_ms(b"10", flags::EXAT, false, 1000),
            Ok(10_000)
        );
        assert_eq!(
            expire_to_abs_ms(b"0", flags::EX, false, 1000),
            Err(ExpireErr::Invalid)
        );
        assert_eq!(
            expire_to_abs_ms(b"-1", flags::PX, true, 1000),
            Err(ExpireErr::Invalid)
        );
        assert_eq!(
            expire_to_abs_ms(b"x", flags::PX, true, 1000),
            Err(ExpireErr::NotInteger)
        );
        let big = (i64::MAX / 1000 + 1).to_string();
        assert_eq!(
            expire_to_abs_ms(big.as_bytes(), flags::EX, false, 0),
            Err(ExpireErr::Invalid)
        );
        let max = i64::MAX.to_string();
        assert_eq!(
            expire_to_abs_ms(max.as_bytes(), flags::PX, true, 5),
            Err(ExpireErr::Invalid)
        );
    }

    #[test]
    fn getrange_index_rules() {
        assert_eq!(getrange_bounds(0, -1, 5), Some((0, 4)));
        assert_eq!(getrange_bounds(-3, -1, 5), Some((2, 4)));
        assert_eq!(getrange_bounds(-1, -3, 5), None);
        assert_eq!(getrange_bounds(0, 4_294_967_297, 3), Some((0, 2)));
        assert_eq!(getrange_bounds(3, 1, 5), None);
        assert_eq!(getrange_bounds(0, -1, 0), None);
        assert_eq!(getrange_bounds(-100, 100, 5), Some((0, 4)));
    }
}
