//! What Redis does with a value when `deep_integrity_validation` is off
//! (sanitize-dump-payload `no`, or `clients` for a master and while
//! loading). Redis counterpart: the branches of rdbLoadObject that take
//! `deep_integrity_validation`, with lpValidateIntegrity, intsetValidateIntegrity
//! and streamValidateListpackIntegrity in their shallow form, and the
//! conversions that walk a value right after it is loaded.
//!
//! The loaders beside each structure always validate deeply. When that
//! fails and the caller asked for shallow validation only, `verdict` reads
//! the same bytes the way Redis would in that mode and says what Redis does:
//! - `Reject`: even the shallow checks fail; Redis reports the reason and
//!   the load fails ("Bad data format" for RESTORE);
//! - `Assert` / `DupPanic`: Redis takes the value, then walks it at once
//!   (lpFirst, a conversion to a hash table or skiplist) and fails an
//!   assertion, or panics on duplicates;
//! - `Trust`: Redis keeps the value as it is, and the first command that
//!   reaches its damaged part fails an assertion.

use super::encoding::Reader;
use super::{LoadLimits, RdbError};
use super::{
    RDB_TYPE_HASH_LISTPACK, RDB_TYPE_LIST_QUICKLIST_2, RDB_TYPE_SET_INTSET,
    RDB_TYPE_STREAM_LISTPACKS, RDB_TYPE_STREAM_LISTPACKS_2, RDB_TYPE_ZSET_LISTPACK,
};
use crate::listpack::{first_entry_is_valid, validate_integrity, LpEntry};

/// How a value Redis took on trust fails once a command reaches its damage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Damage {
    /// An assertion (Redis: serverAssert, listpack's ASSERT_INTEGRITY).
    Assert(String),
    /// A panic (Redis: serverPanic).
    Panic(String),
}

/// What Redis does with a value that fails deep validation, when only
/// shallow validation was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shallow {
    /// Redis rejects it too, for this reason.
    Reject(String),
    /// Redis fails this assertion while loading it.
    Assert(String),
    /// Redis finds duplicates converting this listpack (the bytes, for the
    /// hex dump Redis logs) and panics.
    DupPanic(Vec<u8>),
    /// Redis keeps it without looking further; reading it later fails so.
    Trust(Damage),
}

fn damaged() -> Damage {
    Damage::Assert("lpValidateNext(lp, &p, lpbytes)".to_string())
}

fn reject(e: RdbError) -> Shallow {
    Shallow::Reject(match e {
        RdbError::Eof => "Unexpected EOF reading RDB file".to_string(),
        RdbError::Corrupt(m) => m,
        RdbError::EmptyKey => "Empty keys".to_string(),
    })
}

macro_rules! try_read {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return reject(e),
        }
    };
}

const LP_NUMELE_UNKNOWN: u16 = 65535;

/// Redis: lpLength — the header's count, or a walk when it is unknown (a
/// walk over a damaged listpack fails an assertion).
fn lp_length(lp: &[u8]) -> Result<u64, Shallow> {
    let n = u16::from_le_bytes([lp[4], lp[5]]);
    if n != LP_NUMELE_UNKNOWN {
        return Ok(n as u64);
    }
    let mut count = 0u64;
    let mut cb = |_: LpEntry<'_>| {
        count += 1;
        true
    };
    if !validate_integrity(lp, true, Some(&mut cb)) {
        return Err(Shallow::Assert(
            "lpValidateNext(lp, &p, lpBytes(lp))".to_string(),
        ));
    }
    Ok(count)
}

fn entry_bytes(e: LpEntry<'_>) -> Vec<u8> {
    match e {
        LpEntry::Str(s) => s.to_vec(),
        LpEntry::Int(v) => v.to_string().into_bytes(),
    }
}

/// A listpack of pairs walked by a conversion (Redis: hashTypeConvert,
/// zsetConvert): a damaged entry fails an assertion, a repeated field is
/// `dup`.
fn convert_pairs(lp: &[u8], dup: Shallow) -> Shallow {
    let mut fields = std::collections::HashSet::new();
    let (mut n, mut has_dup) = (0u64, false);
    let mut cb = |e: LpEntry<'_>| {
        if n % 2 == 0 && !fields.insert(entry_bytes(e)) {
            has_dup = true;
        }
        n += 1;
        true
    };
    if !validate_integrity(lp, true, Some(&mut cb)) {
        return Shallow::Assert("lpValidateNext(lp, &p, lpBytes(lp))".to_string());
    }
    if n % 2 != 0 {
        return Shallow::Assert("vptr != NULL".to_string());
    }
    if has_dup {
        return dup;
    }
    Shallow::Trust(damaged())
}

/// Redis: rdbLoadObject with deep_integrity_validation off, for a value of
/// type `rdbtype` that failed deep validation. Types whose loading is the
/// same in both modes (plain encodings, ziplists, which are always
/// converted) are rejected as the deep loader did: `deep_reason`.
pub fn verdict(r: &mut Reader, rdbtype: u8, lim: &LoadLimits, deep_reason: &str) -> Shallow {
    match rdbtype {
        RDB_TYPE_LIST_QUICKLIST_2 => quicklist(r),
        RDB_TYPE_SET_INTSET => intset(r, lim),
        RDB_TYPE_ZSET_LISTPACK => pairs(
            r,
            "Zset listpack integrity check failed.",
            lim.zset_max_listpack_entries,
            Shallow::Assert("dictAdd(zs->dict,ele,&node->score) == DICT_OK".to_string()),
        ),
        RDB_TYPE_HASH_LISTPACK => {
            let pos = r.pos;
            let blob = try_read!(r.load_string());
            r.pos = pos;
            pairs(
                r,
                "Hash listpack integrity check failed.",
                lim.hash_max_listpack_entries,
                Shallow::DupPanic(blob),
            )
        }
        RDB_TYPE_STREAM_LISTPACKS | RDB_TYPE_STREAM_LISTPACKS_2 => stream(r, rdbtype),
        _ => Shallow::Reject(deep_reason.to_string()),
    }
}

fn quicklist(r: &mut Reader) -> Shallow {
    let nodes = try_read!(r.load_len());
    let mut elements = 0u64;
    for _ in 0..nodes {
        let container = try_read!(r.load_len());
        if container != 1 && container != 2 {
            return Shallow::Reject("Quicklist integrity check failed.".to_string());
        }
        let data = try_read!(r.load_string());
        if data.is_empty() {
            return Shallow::Reject("Unexpected EOF reading RDB file".to_string());
        }
        if container == 1 {
            elements += 1;
            continue;
        }
        if !validate_integrity(&data, false, None) {
            return Shallow::Reject("Listpack integrity check failed.".to_string());
        }
        match lp_length(&data) {
            Ok(n) => elements += n,
            Err(v) => return v,
        }
    }
    if elements == 0 {
        return Shallow::Reject("Empty keys".to_string());
    }
    Shallow::Trust(damaged())
}

fn intset(r: &mut Reader, lim: &LoadLimits) -> Shallow {
    let blob = try_read!(r.load_string());
    if !crate::intset::validate_integrity(&blob, false) {
        return Shallow::Reject("Intset integrity check failed.".to_string());
    }
    let count = u32::from_le_bytes([blob[4], blob[5], blob[6], blob[7]]) as usize;
    if count > lim.set_max_intset_entries {
        // Redis: setTypeConvert adds each value to a dict and asserts it
        // was new.
        let is = crate::intset::Intset::from_bytes_unchecked(blob);
        let mut seen = std::collections::HashSet::new();
        if is.iter().any(|v| !seen.insert(v)) {
            return Shallow::Assert("dictAdd(d,element,NULL) == DICT_OK".to_string());
        }
    }
    Shallow::Trust(damaged())
}

fn pairs(r: &mut Reader, what: &str, max_entries: usize, dup: Shallow) -> Shallow {
    let blob = try_read!(r.load_string());
    if !validate_integrity(&blob, false, None) {
        return Shallow::Reject(what.to_string());
    }
    let len = match lp_length(&blob) {
        Ok(n) => n / 2,
        Err(v) => return v,
    };
    if len == 0 {
        return Shallow::Reject("Empty keys".to_string());
    }
    if len as usize > max_entries {
        return convert_pairs(&blob, dup);
    }
    Shallow::Trust(damaged())
}

fn read_id(r: &mut Reader) -> Result<[u8; 16], Shallow> {
    match r.read(16) {
        Ok(b) => Ok(b.try_into().expect("16 bytes")),
        Err(_) => Err(Shallow::Reject("Stream PEL ID loading failed.".to_string())),
    }
}

/// Stream entry flags. Redis: STREAM_ITEM_FLAG_*.
const STREAM_ITEM_FLAG_DELETED: i64 = 1;
const STREAM_ITEM_FLAG_SAMEFIELDS: i64 = 2;

/// A stream iterator's walk over a node (Redis: streamIteratorGetID): from
/// the master entry on, each step asserted by lpNext, each number by
/// lpGetInteger. With `to_first_live`, it stops at the first live entry, as
/// streamGetEdgeID(s, 1, 1) does when a stream of type 15 is loaded.
/// Ok(whether a live entry was found), or Err(the assertion that fails).
fn walk_node(lp: &[u8], to_first_live: bool) -> Result<bool, String> {
    struct Walk<I>(I);
    impl<'a, I: Iterator<Item = Result<LpEntry<'a>, ()>>> Walk<I> {
        fn next(&mut self) -> Result<LpEntry<'a>, String> {
            self.0
                .next()
                .unwrap_or(Err(()))
                .map_err(|_| "lpValidateNext(lp, &p, lpbytes)".to_string())
        }
        fn int(&mut self) -> Result<i64, String> {
            match self.next()? {
                LpEntry::Int(v) => Ok(v),
                LpEntry::Str(s) => crate::util::string2ll(s).ok_or_else(|| "ret != 0".to_string()),
            }
        }
    }
    let mut w = Walk(crate::listpack::checked_walk(lp));
    let (count, deleted, master_fields) = (w.int()?, w.int()?, w.int()?);
    for _ in 0..master_fields.max(0) {
        w.next()?;
    }
    w.int()?; // the master terminator
    let mut found = false;
    for _ in 0..count.saturating_add(deleted).max(0) {
        let flags = w.int()?;
        w.int()?; // ms
        w.int()?; // seq
        let fields = if flags & STREAM_ITEM_FLAG_SAMEFIELDS != 0 {
            master_fields
        } else {
            w.int()?.saturating_mul(2)
        };
        for _ in 0..fields.max(0) {
            w.next()?;
        }
        w.int()?; // lp-count
        if flags & STREAM_ITEM_FLAG_DELETED == 0 {
            found = true;
            if to_first_live {
                break;
            }
        }
    }
    Ok(found)
}

/// Redis: streamLastValidID, that is streamIteratorGetID walking backwards
/// from the last node, on nodes trusted as they are: Ok(whether a live entry
/// was found), or Err(the assertion that fails on the way). `nodes` are in
/// rax order (by master ID).
fn last_valid_id_found(nodes: &[(Vec<u8>, Vec<u8>)]) -> Result<bool, String> {
    use crate::listpack::steps::{at, first, last, next, prev};
    let fail = |_| "lpValidateNext(lp, &p, lpbytes)".to_string();
    let int = |lp: &[u8], p: Option<usize>| -> Result<i64, String> {
        match at(lp, p).map_err(|_| "p != NULL".to_string())? {
            LpEntry::Int(v) => Ok(v),
            LpEntry::Str(s) => crate::util::string2ll(s).ok_or_else(|| "ret != 0".to_string()),
        }
    };
    for (_, lp) in nodes.iter().rev() {
        let lp = lp.as_slice();
        let mut e = first(lp).map_err(fail)?; // items count
        e = next(lp, e).map_err(fail)?; // deleted count
        e = next(lp, e).map_err(fail)?; // master fields count
        let master_fields = int(lp, e)?;
        next(lp, e).map_err(fail)?; // first master field
        e = last(lp).map_err(fail)?;
        loop {
            let lp_count = int(lp, e)?;
            if lp_count == 0 {
                break; // the master entry: on to the previous node
            }
            for _ in 0..lp_count.max(0) {
                e = prev(lp, e).map_err(fail)?;
            }
            let flags = int(lp, e)?;
            e = next(lp, e).map_err(fail)?;
            int(lp, e)?; // ms
            e = next(lp, e).map_err(fail)?;
            int(lp, e)?; // seq
            e = next(lp, e).map_err(fail)?;
            let numfields = if flags & STREAM_ITEM_FLAG_SAMEFIELDS != 0 {
                master_fields
            } else {
                let n = int(lp, e)?;
                e = next(lp, e).map_err(fail)?;
                n
            };
            if numfields < 0 {
                return Err("*numfields>=0".to_string());
            }
            if flags & STREAM_ITEM_FLAG_DELETED == 0 {
                return Ok(true);
            }
            let back = if flags & STREAM_ITEM_FLAG_SAMEFIELDS != 0 {
                4
            } else {
                5
            };
            for _ in 0..back {
                e = prev(lp, e).map_err(fail)?;
            }
        }
    }
    Ok(false)
}

fn stream(r: &mut Reader, rdbtype: u8) -> Shallow {
    let v2 = rdbtype == RDB_TYPE_STREAM_LISTPACKS_2;
    let nodes = try_read!(r.load_len());
    let mut masters = std::collections::HashSet::new();
    let mut first_walk = None;
    let mut rax: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for i in 0..nodes {
        let key = try_read!(r.load_string());
        if key.len() != 16 {
            return Shallow::Reject(
                "Stream node key entry is not the size of a stream ID".to_string(),
            );
        }
        let lp = try_read!(r.load_string());
        if !validate_integrity(&lp, false, None) {
            return Shallow::Reject("Stream listpack integrity check failed.".to_string());
        }
        if lp.len() > 6 && lp[6] == 0xFF {
            return Shallow::Reject("Empty listpack inside stream".to_string());
        }
        if !first_entry_is_valid(&lp) {
            return Shallow::Assert("lpValidateNext(lp, &p, lpBytes(lp))".to_string());
        }
        if i == 0 {
            first_walk = Some(walk_node(&lp, true));
        }
        if !masters.insert(key.clone()) {
            return Shallow::Reject("Listpack re-added with existing key".to_string());
        }
        rax.push((key, lp));
    }
    rax.sort();
    let length = try_read!(r.load_len());
    for _ in 0..2 {
        try_read!(r.load_len()); // last ID
    }
    if v2 {
        for _ in 0..5 {
            try_read!(r.load_len()); // first ID, max deleted ID, entries added
        }
    } else if let Some(Err(assertion)) = first_walk {
        return Shallow::Assert(assertion);
    }
    if length > 0 && nodes == 0 {
        return Shallow::Reject("Stream length inconsistent with rax entries".to_string());
    }
    let groups = try_read!(r.load_len());
    let mut names = std::collections::HashSet::new();
    for _ in 0..groups {
        let name = try_read!(r.load_string());
        for _ in 0..2 {
            try_read!(r.load_len());
        }
        if v2 {
            try_read!(r.load_len()); // entries read
        }
        if !names.insert(name.clone()) {
            return Shallow::Reject(format!(
                "Duplicated consumer group name {}",
                String::from_utf8_lossy(&name)
            ));
        }
        let pel = try_read!(r.load_len());
        let mut global: std::collections::HashMap<[u8; 16], bool> = Default::default();
        for _ in 0..pel {
            let id = match read_id(r) {
                Ok(id) => id,
                Err(v) => return v,
            };
            try_read!(r.load_millisecond_time());
            try_read!(r.load_len());
            if global.insert(id, false).is_some() {
                return Shallow::Reject(
                    "Duplicated global PEL entry loading stream consumer group".to_string(),
                );
            }
        }
        let consumers = try_read!(r.load_len());
        let mut cnames = std::collections::HashSet::new();
        for _ in 0..consumers {
            let cname = try_read!(r.load_string());
            try_read!(r.load_millisecond_time());
            if !cnames.insert(cname) {
                return Shallow::Reject("Duplicate stream consumer detected.".to_string());
            }
            let n = try_read!(r.load_len());
            for _ in 0..n {
                let id = match read_id(r) {
                    Ok(id) => id,
                    Err(v) => return v,
                };
                match global.get_mut(&id) {
                    None => {
                        return Shallow::Reject(
                            "Consumer entry not found in group global PEL".to_string(),
                        )
                    }
                    Some(owned) if *owned => {
                        return Shallow::Reject(
                            "Duplicated consumer PEL entry  loading a stream consumer group"
                                .to_string(),
                        )
                    }
                    Some(owned) => *owned = true,
                }
            }
        }
    }
    // What the commands that need the stream's top entry run into first.
    match last_valid_id_found(&rax) {
        Ok(false) if length > 0 => Shallow::Trust(Damage::Panic(format!(
            "Corrupt stream, length is {}, but no max id",
            length
        ))),
        Err(assertion) => Shallow::Trust(Damage::Assert(assertion)),
        Ok(_) => Shallow::Trust(damaged()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listpack::Listpack;
    use crate::rdb::encoding::Rio;

    fn as_string(blob: &[u8]) -> Vec<u8> {
        let mut rio = Rio::buffer();
        rio.save_raw_string(blob, false).unwrap();
        rio.into_bytes()
    }

    fn listpack(elems: &[&[u8]]) -> Vec<u8> {
        let mut lp = Listpack::new();
        for e in elems {
            lp.append(e);
        }
        lp.as_bytes().to_vec()
    }

    fn judge(rdbtype: u8, body: &[u8], lim: &LoadLimits) -> Shallow {
        verdict(&mut Reader::new(body), rdbtype, lim, "deep")
    }

    #[test]
    fn a_hash_with_duplicates_is_trusted_until_converted() {
        let blob = listpack(&[b"a", b"1", b"a", b"2"]);
        let body = as_string(&blob);
        let lim = LoadLimits::default();
        assert!(matches!(
            judge(RDB_TYPE_HASH_LISTPACK, &body, &lim),
            Shallow::Trust(Damage::Assert(_))
        ));
        let small = LoadLimits {
            hash_max_listpack_entries: 1,
            ..LoadLimits::default()
        };
        assert_eq!(
            judge(RDB_TYPE_HASH_LISTPACK, &body, &small),
            Shallow::DupPanic(blob)
        );
    }

    #[test]
    fn a_bad_header_is_rejected_in_either_mode() {
        let mut blob = listpack(&[b"a", b"1"]);
        blob[0] ^= 1; // total bytes no longer match
        assert_eq!(
            judge(
                RDB_TYPE_HASH_LISTPACK,
                &as_string(&blob),
                &LoadLimits::default()
            ),
            Shallow::Reject("Hash listpack integrity check failed.".to_string())
        );
        let intset = [2u8, 0, 0, 0, 3, 0, 0, 0, 1, 0, 2, 0]; // says 3, holds 2
        assert_eq!(
            judge(
                RDB_TYPE_SET_INTSET,
                &as_string(&intset),
                &LoadLimits::default()
            ),
            Shallow::Reject("Intset integrity check failed.".to_string())
        );
        // Types without a shallow mode keep the deep loader's verdict.
        assert_eq!(
            judge(crate::rdb::RDB_TYPE_SET, b"", &LoadLimits::default()),
            Shallow::Reject("deep".to_string())
        );
    }

    #[test]
    fn an_unsorted_intset_is_trusted_and_a_duplicate_asserts_on_conversion() {
        let intset = [2u8, 0, 0, 0, 2, 0, 0, 0, 5, 0, 5, 0];
        let body = as_string(&intset);
        assert!(matches!(
            judge(RDB_TYPE_SET_INTSET, &body, &LoadLimits::default()),
            Shallow::Trust(_)
        ));
        let small = LoadLimits {
            set_max_intset_entries: 1,
            ..LoadLimits::default()
        };
        assert!(matches!(
            judge(RDB_TYPE_SET_INTSET, &body, &small),
            Shallow::Assert(_)
        ));
    }

    // corrupt-dump.tcl's "stream with no records": two entries counted, none
    // live once the last backlen is damaged; Redis panics in streamLastValidID.
    const NO_RECORDS: &str = concat!(
        "0110000001784d5568090000000000000000404242000000180002010101020184697465",
        "6d058576616c756506000102010001000101010001050103013e0100010101825f310305",
        "01020150010001010102010523ff0281000001784d5568590001076d7967726f75708100",
        "0001784d5568470001000001784d55684700000000000000009f68554d78010000010105",
        "416c6963658568554d7801000001000001784d5568470000000000000000",
    );

    #[test]
    fn a_stream_without_a_live_entry_panics_when_its_top_is_asked_for() {
        let body: Vec<u8> = (0..NO_RECORDS.len() / 2)
            .map(|i| u8::from_str_radix(&NO_RECORDS[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        assert_eq!(
            judge(RDB_TYPE_STREAM_LISTPACKS, &body, &LoadLimits::default()),
            Shallow::Trust(Damage::Panic(
                "Corrupt stream, length is 2, but no max id".to_string()
            ))
        );
    }

    #[test]
    fn a_stream_node_starting_with_a_bad_entry_asserts_at_load() {
        // One node whose first entry claims more bytes than the listpack has.
        let mut lp = listpack(&[b"1", b"0", b"1", b"f", b"0"]);
        lp[6] = 0x85; // a 5-byte string where "1" (an integer) was
        let mut body = Vec::new();
        body.push(1u8); // one node
        body.extend(as_string(&[0u8; 16]));
        body.extend(as_string(&lp));
        assert!(matches!(
            judge(RDB_TYPE_STREAM_LISTPACKS_2, &body, &LoadLimits::default()),
            Shallow::Assert(_) | Shallow::Reject(_)
        ));
    }
}
