//! HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFSELFTEST, PFDEBUG.
//! Redis counterpart: hyperloglog.c ("HyperLogLog commands" and "Testing /
//! Debugging" banners). The registers themselves, and an essay on how they
//! are encoded, are `oxidis_ds::hll`.
//!
//! An HLL is a plain string value (OBJ_STRING), so nothing here needs a
//! type of its own: the commands check the HYLL header and then edit the
//! string's bytes in place, as Redis edits the sds.

use oxidis_ds::hll::{
    self as encoding, Corrupt, NotHll, HLL_DENSE, HLL_HDR_SIZE, HLL_REGISTERS, HLL_SPARSE,
};

use crate::db::LOOKUP_NONE;
use crate::networking::Client;
use crate::notify::NOTIFY_STRING;
use crate::object::Value;
use crate::server::command::CommandProc;
use crate::server::Server;

const INVALID_HLL_ERR: &str = "-INVALIDOBJ Corrupted HLL object detected";
const NOT_HLL_ERR: &str = "-WRONGTYPE Key is not a valid HyperLogLog string value.";

/// Redis: isHLLObjectOrReply. Int-encoded strings are never HLLs (Redis
/// requires an sds-encoded string).
fn check_hll(v: &Value) -> Result<(), NotHll> {
    match v {
        Value::EmbStr(b) => encoding::check_bytes(b),
        Value::Raw(b) => encoding::check_bytes(b),
        Value::Int(_) => Err(NotHll::Invalid),
        _ => Err(NotHll::WrongType),
    }
}

fn reply_not_hll(c: &mut Client, e: NotHll) {
    match e {
        NotHll::WrongType => c.add_reply_wrongtype(),
        NotHll::Invalid => c.add_reply_error(NOT_HLL_ERR),
    }
}

/// PFADD key [element ...] → 1 when a register changed (or the key was
/// created), else 0. Redis: pfaddCommand.
fn pfadd_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let (db, key) = (c.db, &argv[1][..]);
    let max_bytes = s.config.hll_sparse_max_bytes;
    let add_all = |hll: &mut Vec<u8>| -> Result<u64, Corrupt> {
        let mut updated = 0;
        for ele in &argv[2..] {
            updated += encoding::add(hll, ele, max_bytes)? as u64;
        }
        if updated > 0 {
            encoding::invalidate_cache(hll);
        }
        Ok(updated)
    };
    let result = match s.lookup_key_write(db, key) {
        Some(o) => {
            if let Err(e) = check_hll(&o.v) {
                return reply_not_hll(c, e);
            }
            add_all(o.v.make_raw())
        }
        None => {
            let mut hll = encoding::create_hll();
            let r = add_all(&mut hll).map(|n| n + 1);
            let o = s.new_obj(Value::Raw(Box::new(hll)));
            s.db_add(db, key, o);
            r
        }
    };
    let updated = match result {
        Ok(n) => n,
        Err(Corrupt) => return c.add_reply_error(INVALID_HLL_ERR),
    };
    if updated > 0 {
        s.signal_modified_key(db, key);
        s.notify_keyspace_event(NOTIFY_STRING, "pfadd", key, db);
        s.dirty += updated as i64;
    }
    c.add_reply_long((updated > 0) as i64);
}

/// Merges the HLLs at `keys` (missing keys count as empty) into `max`.
/// Returns whether one of them is dense, or replies and returns None.
/// Redis: the loops of pfcountCommand and pfmergeCommand.
fn merge_keys(
    s: &mut Server,
    c: &mut Client,
    keys: &[Vec<u8>],
    max: &mut [u8; HLL_REGISTERS],
) -> Option<bool> {
    let db = c.db;
    let mut any_dense = false;
    for key in keys {
        let Some(o) = s.lookup_key_read(db, key) else {
            continue;
        };
        if let Err(e) = check_hll(&o.v) {
            reply_not_hll(c, e);
            return None;
        }
        let bytes = o.v.string_bytes().expect("an HLL is a string");
        any_dense |= bytes[4] == HLL_DENSE;
        if encoding::merge(max, &bytes).is_err() {
            c.add_reply_error(INVALID_HLL_ERR);
            return None;
        }
    }
    Some(any_dense)
}

/// PFCOUNT key [key ...]. One key: the cached cardinality, recomputed and
/// stored back (a write to the string, so the key is signalled and dirty)
/// when stale. Several keys: the cardinality of their union, never cached.
/// Redis: pfcountCommand.
fn pfcount_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if argv.len() > 2 {
        let mut max = Box::new([0u8; HLL_REGISTERS]);
        if merge_keys(s, c, &argv[1..], &mut max).is_none() {
            return;
        }
        return c.add_reply_long(encoding::count_raw(&max) as i64);
    }
    let (db, key) = (c.db, &argv[1][..]);
    // A read lookup (stats, expiry as for reads), but the cache may be
    // written back.
    let Some(o) = s.lookup_key(db, key, LOOKUP_NONE) else {
        return c.add_reply_long(0);
    };
    if let Err(e) = check_hll(&o.v) {
        return reply_not_hll(c, e);
    }
    let hll = o.v.make_raw();
    if let Some(card) = encoding::cached_card(hll) {
        return c.add_reply_long(card as i64);
    }
    let Ok(card) = encoding::count(hll) else {
        return c.add_reply_error(INVALID_HLL_ERR);
    };
    encoding::set_cached_card(hll, card);
    s.signal_modified_key(db, key);
    s.dirty += 1;
    c.add_reply_long(card as i64);
}

/// PFMERGE destkey [sourcekey ...]: destkey (itself one of the inputs) gets
/// the register-wise maximum; it turns dense when any input is dense.
/// Redis: pfmergeCommand.
fn pfmerge_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let mut max = Box::new([0u8; HLL_REGISTERS]);
    let Some(use_dense) = merge_keys(s, c, &argv[1..], &mut max) else {
        return;
    };
    let (db, key) = (c.db, &argv[1][..]);
    let max_bytes = s.config.hll_sparse_max_bytes;
    let write = |hll: &mut Vec<u8>| -> Result<(), Corrupt> {
        if use_dense {
            encoding::sparse_to_dense(hll)?;
        }
        for (j, &m) in max.iter().enumerate() {
            if m == 0 {
                continue;
            }
            if hll[4] == HLL_DENSE {
                encoding::dense_set(&mut hll[HLL_HDR_SIZE..], j, m);
            } else {
                // As in Redis, a failure here is ignored: the inputs
                // (destkey included) were validated by the merge.
                let _ = encoding::sparse_set(hll, j, m, max_bytes);
            }
        }
        encoding::invalidate_cache(hll);
        Ok(())
    };
    let result = match s.lookup_key_write(db, key) {
        // Already checked to be an HLL by merge_keys.
        Some(o) => write(o.v.make_raw()),
        None => {
            let mut hll = encoding::create_hll();
            let r = write(&mut hll);
            let o = s.new_obj(Value::Raw(Box::new(hll)));
            s.db_add(db, key, o);
            r
        }
    };
    if result.is_err() {
        return c.add_reply_error(INVALID_HLL_ERR);
    }
    s.signal_modified_key(db, key);
    // A merge is a mass PFADD as far as notifications go.
    s.notify_keyspace_event(NOTIFY_STRING, "pfadd", key, db);
    s.dirty += 1;
    c.add_reply_ok();
}

/// PFSELFTEST: register access and the estimate's error, dense and sparse
/// side by side. Redis: pfselftestCommand.
fn pfselftest_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    match selftest(s) {
        Ok(()) => c.add_reply_ok(),
        Err(msg) => c.add_reply_error(&msg),
    }
}

fn selftest(s: &mut Server) -> Result<(), String> {
    let mut dense = encoding::create_hll();
    encoding::sparse_to_dense(&mut dense).expect("an empty HLL");
    // Test 1: every register keeps its value and leaves its neighbours
    // alone.
    let mut bytes = vec![0u8; HLL_REGISTERS];
    for _ in 0..1000 {
        let regs = &mut dense[HLL_HDR_SIZE..];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (oxidis_ds::rand::random_u64() & encoding::HLL_REGISTER_MAX as u64) as u8;
            encoding::dense_set_register(regs, i, *b);
        }
        for (i, &b) in bytes.iter().enumerate() {
            let val = encoding::dense_get(regs, i);
            if val != b {
                return Err(format!(
                    "TESTFAILED Register {} should be {} but is {}",
                    i, b, val
                ));
            }
        }
    }
    // Test 2: the error stays within 6 standard errors at every power of
    // ten up to 10M, and sparse and dense always agree.
    dense[HLL_HDR_SIZE..].fill(0);
    let mut sparse = encoding::create_hll();
    let max_bytes = s.config.hll_sparse_max_bytes;
    let relerr = 1.04 / (HLL_REGISTERS as f64).sqrt();
    let seed = oxidis_ds::rand::random_u64();
    let mut checkpoint: u64 = 1;
    for j in 1..=10_000_000u64 {
        let ele = (j ^ seed).to_le_bytes();
        encoding::dense_add(&mut dense[HLL_HDR_SIZE..], &ele);
        let _ = encoding::add(&mut sparse, &ele, max_bytes);
        if j != checkpoint {
            continue;
        }
        if j < max_bytes as u64 / 2 && sparse[4] != HLL_SPARSE {
            return Err("TESTFAILED sparse encoding not used".into());
        }
        let card = encoding::count(&dense).expect("dense");
        if encoding::count(&sparse) != Ok(card) {
            return Err("TESTFAILED dense/sparse disagree".into());
        }
        let abserr = (checkpoint as i64 - card as i64).unsigned_abs();
        // Cardinality 10 often collides; allow an error of 1 there.
        let maxerr = if j == 10 {
            1
        } else {
            (relerr * 6.0 * checkpoint as f64).ceil() as u64
        };
        if abserr > maxerr {
            return Err(format!(
                "TESTFAILED Too big error. card:{} abserr:{}",
                checkpoint, abserr
            ));
        }
        checkpoint *= 10;
    }
    Ok(())
}

/// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key. Redis: pfdebugCommand.
fn pfdebug_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let (db, key) = (c.db, &argv[2][..]);
    let sub = String::from_utf8_lossy(&argv[1]).into_owned();
    let lower = sub.to_ascii_lowercase();
    let Some(o) = s.lookup_key_write(db, key) else {
        return c.add_reply_error("The specified key does not exist");
    };
    if let Err(e) = check_hll(&o.v) {
        return reply_not_hll(c, e);
    }
    let hll = o.v.make_raw();
    let known = matches!(lower.as_str(), "getreg" | "decode" | "encoding" | "todense");
    if known && argv.len() != 3 {
        return c.add_reply_error(&format!(
            "Wrong number of arguments for the '{}' subcommand",
            sub
        ));
    }
    match lower.as_str() {
        "getreg" => {
            let converted = hll[4] == HLL_SPARSE;
            if encoding::sparse_to_dense(hll).is_err() {
                return c.add_reply_error(INVALID_HLL_ERR);
            }
            let regs = &hll[HLL_HDR_SIZE..];
            c.add_reply_array_len(HLL_REGISTERS);
            for i in 0..HLL_REGISTERS {
                c.add_reply_long(encoding::dense_get(regs, i) as i64);
            }
            if converted {
                s.dirty += 1; // the encoding change must propagate
            }
        }
        "decode" => {
            if hll[4] != HLL_SPARSE {
                return c.add_reply_error("HLL encoding is not sparse");
            }
            let text = encoding::decode_sparse(hll);
            c.add_reply_bulk(text.as_bytes());
        }
        "encoding" => {
            c.add_reply_status(if hll[4] == HLL_DENSE {
                "dense"
            } else {
                "sparse"
            });
        }
        "todense" => {
            let converted = hll[4] == HLL_SPARSE;
            if encoding::sparse_to_dense(hll).is_err() {
                return c.add_reply_error(INVALID_HLL_ERR);
            }
            if converted {
                s.dirty += 1;
            }
            c.add_reply_long(converted as i64);
        }
        _ => c.add_reply_error(&format!("Unknown PFDEBUG subcommand '{}'", sub)),
    }
}

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("pfadd", pfadd_command),
    ("pfcount", pfcount_command),
    ("pfmerge", pfmerge_command),
    ("pfselftest", pfselftest_command),
    ("pfdebug", pfdebug_command),
];
