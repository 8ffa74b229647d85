//! Sorted sets in RDB files and DUMP payloads. Redis counterpart: the
//! OBJ_ZSET cases of rdb.c (rdbSaveObjectType, rdbSaveObject, rdbLoadObject).
//!
//! A listpack-encoded sorted set is written as RDB_TYPE_ZSET_LISTPACK, the
//! blob as it is; a skiplist one as RDB_TYPE_ZSET_2: the length, then member
//! and binary double score from the highest score down (so a loader can
//! insert each at the head). Loading also reads the older RDB_TYPE_ZSET
//! (scores as strings) and RDB_TYPE_ZSET_ZIPLIST. Untrusted blobs are
//! validated before use, and a duplicate member or a NaN score is corruption.

use super::{Limits, ZSet};
use crate::listpack::{self, Listpack, LpEntry};
use crate::rdb::encoding::{Reader, Rio};
use crate::rdb::{legacy, RdbError, RdbResult};
use crate::rdb::{RDB_TYPE_ZSET, RDB_TYPE_ZSET_2, RDB_TYPE_ZSET_LISTPACK, RDB_TYPE_ZSET_ZIPLIST};

/// Redis: rdbSaveObjectType for sorted sets.
pub fn save_type(z: &ZSet) -> u8 {
    if z.listpack().is_some() {
        RDB_TYPE_ZSET_LISTPACK
    } else {
        RDB_TYPE_ZSET_2
    }
}

/// Redis: rdbSaveObject for sorted sets.
pub fn save(rdb: &mut Rio, z: &ZSet, compress: bool) -> std::io::Result<()> {
    if let Some(lp) = z.listpack() {
        return rdb.save_raw_string(lp.as_bytes(), compress);
    }
    rdb.save_len(z.len() as u64)?;
    let mut res = Ok(());
    z.for_each_rev(|member, score| {
        if res.is_ok() {
            res = rdb
                .save_raw_string(member, compress)
                .and_then(|_| rdb.write(&score.to_le_bytes()));
        }
    });
    res
}

fn score_of(e: &legacy::Elem) -> RdbResult<f64> {
    let b = e.clone().into_bytes();
    crate::util::string2d(&b)
        .ok_or_else(|| RdbError::corrupt("Zset ziplist integrity check failed."))
}

/// Redis: rdbLoadObject for RDB_TYPE_ZSET, ZSET_2, ZSET_ZIPLIST and
/// ZSET_LISTPACK.
pub fn load(r: &mut Reader, rdbtype: u8, l: Limits) -> RdbResult<ZSet> {
    match rdbtype {
        RDB_TYPE_ZSET | RDB_TYPE_ZSET_2 => {
            let n = r.load_len()?;
            if n == 0 {
                return Err(RdbError::EmptyKey);
            }
            let mut pairs = Vec::with_capacity((n as usize).min(1 << 20));
            for _ in 0..n {
                let member = r.load_string()?;
                let score = if rdbtype == RDB_TYPE_ZSET_2 {
                    r.load_binary_double()?
                } else {
                    r.load_double_value()?
                };
                pairs.push((member, score));
            }
            ZSet::from_loaded_pairs(pairs, l)
                .ok_or_else(|| RdbError::corrupt("Duplicate zset fields detected"))
        }
        RDB_TYPE_ZSET_ZIPLIST => {
            let blob = r.load_string()?;
            let elems = legacy::ziplist_entries_as(&blob, "Zset ziplist")?;
            if elems.is_empty() {
                return Err(RdbError::EmptyKey);
            }
            if !elems.len().is_multiple_of(2) {
                return Err(RdbError::corrupt("Zset ziplist integrity check failed."));
            }
            let mut pairs = Vec::with_capacity(elems.len() / 2);
            for pair in elems.chunks(2) {
                pairs.push((pair[0].clone().into_bytes(), score_of(&pair[1])?));
            }
            ZSet::from_loaded_pairs(pairs, l)
                .ok_or_else(|| RdbError::corrupt("Duplicate zset fields detected"))
        }
        RDB_TYPE_ZSET_LISTPACK => {
            let blob = r.load_string()?;
            // Deep validation: well-formed entries, an even count, numeric
            // scores and no duplicate members (Redis: lpValidateIntegrity
            // with the zset callback).
            let mut count = 0usize;
            let mut ok_scores = true;
            let mut members = std::collections::HashSet::new();
            let mut dup = false;
            let valid = listpack::validate_integrity(
                &blob,
                true,
                Some(&mut |e: LpEntry<'_>| {
                    if count.is_multiple_of(2) {
                        let m = match e {
                            LpEntry::Str(s) => s.to_vec(),
                            LpEntry::Int(v) => v.to_string().into_bytes(),
                        };
                        if !members.insert(m) {
                            dup = true;
                        }
                    } else if let LpEntry::Str(s) = e {
                        ok_scores &= crate::util::string2d(s).is_some();
                    }
                    count += 1;
                    !dup
                }),
            );
            if !valid || dup || !ok_scores || !count.is_multiple_of(2) {
                return Err(RdbError::corrupt("Zset listpack integrity check failed."));
            }
            if count == 0 {
                return Err(RdbError::EmptyKey);
            }
            Ok(ZSet::from_loaded_listpack(
                Listpack::from_bytes_unchecked(blob),
                l,
            ))
        }
        t => Err(RdbError::corrupt(format!(
            "Unknown RDB encoding type {}",
            t
        ))),
    }
}
