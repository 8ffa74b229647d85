//! Hashes in RDB files and DUMP payloads. Redis counterpart: the OBJ_HASH
//! arms of rdb.c's rdbSaveObjectType, rdbSaveObject and rdbLoadObject.
//!
//! A listpack hash is written as it is (`RDB_TYPE_HASH_LISTPACK`); a
//! hashtable as `RDB_TYPE_HASH`, a count then field, value, field, ...
//! Loading also reads the encodings older Redis versions wrote:
//! `RDB_TYPE_HASH_ZIPMAP` (2.x) and `RDB_TYPE_HASH_ZIPLIST` (3.x-6.x), which
//! become listpacks, then a hashtable if the configured limits say so.
//! Duplicate fields are corruption, as in Redis.
//! Divergence: listpack blobs are always validated deeply (every entry, and
//! duplicate fields), whatever `sanitize-dump-payload` says.

use std::collections::HashSet;

use super::HashObj;
use crate::dict::Dict;
use crate::listpack::{self, Listpack, LpEntry};
use crate::rdb::encoding::{Reader, Rio};
use crate::rdb::legacy;
use crate::rdb::LoadLimits;
use crate::rdb::{RdbError, RdbResult, RDB_TYPE_HASH, RDB_TYPE_HASH_LISTPACK};

/// Redis: LISTPACK_MAX_SAFETY_SIZE (lpSafeToAdd).
const LISTPACK_MAX_SAFETY_SIZE: usize = 1 << 30;

/// Redis: rdbSaveObjectType for a hash.
pub fn save_type(h: &HashObj) -> u8 {
    match h {
        HashObj::Listpack(_) => RDB_TYPE_HASH_LISTPACK,
        HashObj::Ht(_) => RDB_TYPE_HASH,
    }
}

/// Redis: rdbSaveObject for a hash.
pub fn save(rdb: &mut Rio, h: &HashObj, compress: bool) -> std::io::Result<()> {
    match h {
        HashObj::Listpack(lp) => rdb.save_raw_string(lp.as_bytes(), compress),
        HashObj::Ht(d) => {
            rdb.save_len(d.len() as u64)?;
            for (f, v) in d.iter() {
                rdb.save_raw_string(f, compress)?;
                rdb.save_raw_string(v, compress)?;
            }
            Ok(())
        }
    }
}

fn dup_fields() -> RdbError {
    RdbError::corrupt("Duplicate hash fields detected")
}

/// Redis: rdbLoadObject for RDB_TYPE_HASH. Starts as a listpack while the
/// count and every length allow it, then continues into a dict.
pub fn load_hash(r: &mut Reader, lim: &LoadLimits) -> RdbResult<HashObj> {
    let mut len = r.load_count()?;
    if len == 0 {
        return Err(RdbError::EmptyKey);
    }
    let mut h = if len > lim.hash_max_listpack_entries {
        HashObj::Ht(Dict::with_capacity(len))
    } else {
        HashObj::new()
    };
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    while len > 0 {
        let HashObj::Listpack(lp) = &mut h else {
            break;
        };
        len -= 1;
        let field = r.load_string()?;
        let value = r.load_string()?;
        if !seen.insert(field.clone()) {
            return Err(dup_fields());
        }
        if field.len() > lim.hash_max_listpack_value
            || value.len() > lim.hash_max_listpack_value
            || lp.bytes() + field.len() + value.len() > LISTPACK_MAX_SAFETY_SIZE
        {
            h.convert_to_ht();
            let HashObj::Ht(d) = &mut h else {
                unreachable!()
            };
            d.add(field.into(), value.into())
                .map_err(|_| dup_fields())?;
            break;
        }
        lp.append(&field);
        lp.append(&value);
    }
    if let HashObj::Ht(d) = &mut h {
        d.expand(d.len() + len);
        for _ in 0..len {
            let field = r.load_string()?;
            let value = r.load_string()?;
            d.add(field.into(), value.into())
                .map_err(|_| dup_fields())?;
        }
    }
    Ok(h)
}

/// Builds a listpack hash from decoded pairs, converting past the limits.
/// `Err(EmptyKey)` for no pairs; duplicates are reported with `dup_msg`.
fn from_pairs(
    pairs: impl Iterator<Item = (Vec<u8>, Vec<u8>)>,
    lim: &LoadLimits,
    dup_msg: &str,
    check_value_len: bool,
) -> RdbResult<HashObj> {
    let mut lp = Listpack::new();
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    let mut maxlen = 0;
    for (f, v) in pairs {
        maxlen = maxlen.max(f.len()).max(v.len());
        lp.append(&f);
        lp.append(&v);
        if !seen.insert(f) {
            return Err(RdbError::corrupt(dup_msg));
        }
    }
    if lp.is_empty() {
        return Err(RdbError::EmptyKey);
    }
    let mut h = HashObj::Listpack(lp);
    if h.len() > lim.hash_max_listpack_entries
        || (check_value_len && maxlen > lim.hash_max_listpack_value)
    {
        h.convert_to_ht();
    }
    Ok(h)
}

/// Redis: rdbLoadObject for RDB_TYPE_HASH_ZIPMAP.
pub fn load_zipmap(r: &mut Reader, lim: &LoadLimits) -> RdbResult<HashObj> {
    let blob = r.load_string()?;
    let pairs = legacy::zipmap_pairs(&blob)?;
    let n = pairs.len();
    from_pairs(
        pairs.into_iter(),
        lim,
        &format!("Hash zipmap with dup elements, or big length ({n})"),
        true,
    )
}

/// Redis: rdbLoadObject for RDB_TYPE_HASH_ZIPLIST.
pub fn load_ziplist(r: &mut Reader, lim: &LoadLimits) -> RdbResult<HashObj> {
    let blob = r.load_string()?;
    let bad = || RdbError::corrupt("Hash ziplist integrity check failed.");
    let elems = legacy::ziplist_entries(&blob).map_err(|_| bad())?;
    if elems.len() % 2 != 0 {
        return Err(bad());
    }
    let mut it = elems.into_iter();
    let pairs = std::iter::from_fn(move || {
        let f = it.next()?;
        let v = it.next()?;
        Some((f.into_bytes(), v.into_bytes()))
    });
    from_pairs(pairs, lim, "Hash ziplist integrity check failed.", false)
}

/// Redis: rdbLoadObject for RDB_TYPE_HASH_LISTPACK, with
/// lpValidateIntegrityAndDups (an even count, no field twice).
pub fn load_listpack(r: &mut Reader, lim: &LoadLimits) -> RdbResult<HashObj> {
    let blob = r.load_string()?;
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    let mut idx = 0usize;
    let mut cb = |e: LpEntry<'_>| {
        let ok = idx % 2 == 1 || seen.insert(e.to_vec());
        idx += 1;
        ok
    };
    if !listpack::validate_integrity(&blob, true, Some(&mut cb)) || !idx.is_multiple_of(2) {
        return Err(RdbError::corrupt("Hash listpack integrity check failed."));
    }
    let lp = Listpack::from_bytes_unchecked(blob);
    if lp.is_empty() {
        return Err(RdbError::EmptyKey);
    }
    let mut h = HashObj::Listpack(lp);
    if h.len() > lim.hash_max_listpack_entries {
        h.convert_to_ht();
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(h: &HashObj, lim: &LoadLimits) -> RdbResult<HashObj> {
        let mut rio = Rio::buffer();
        save(&mut rio, h, false).unwrap();
        let bytes = rio.into_bytes();
        let mut r = Reader::new(&bytes);
        match save_type(h) {
            RDB_TYPE_HASH_LISTPACK => load_listpack(&mut r, lim),
            _ => load_hash(&mut r, lim),
        }
    }

    #[test]
    fn listpack_and_hashtable_round_trip() {
        let lim = LoadLimits::default();
        let mut h = HashObj::new();
        h.set(b"a", b"1", 128, 64);
        h.set(b"b", b"two", 128, 64);
        let back = roundtrip(&h, &lim).unwrap();
        assert_eq!(back.encoding_name(), "listpack");
        assert_eq!(back, h);
        h.set(b"long", &[b'x'; 100], 128, 64);
        assert_eq!(h.encoding_name(), "hashtable");
        let back = roundtrip(&h, &lim).unwrap();
        assert_eq!(back.encoding_name(), "hashtable");
        assert_eq!(back, h);
        // Loaded as RDB_TYPE_HASH under generous limits, a small hash is a listpack.
        let mut small = HashObj::Ht(Dict::new());
        small.set(b"f", b"v", 128, 64);
        assert_eq!(roundtrip(&small, &lim).unwrap().encoding_name(), "listpack");
    }

    #[test]
    fn duplicate_fields_are_corruption() {
        let lp = Listpack::from_elements([&b"f"[..], b"1", b"f", b"2"]);
        let mut rio = Rio::buffer();
        rio.save_raw_string(lp.as_bytes(), false).unwrap();
        let bytes = rio.into_bytes();
        let err = load_listpack(&mut Reader::new(&bytes), &LoadLimits::default()).unwrap_err();
        assert_eq!(
            err,
            RdbError::corrupt("Hash listpack integrity check failed.")
        );
    }
}
