//! Sets in RDB files and DUMP payloads. Redis counterpart: the OBJ_SET arms
//! of rdb.c's rdbSaveObjectType, rdbSaveObject and rdbLoadObject.
//!
//! An intset is written as it is (`RDB_TYPE_SET_INTSET`, the blob as one
//! string); a hashtable set as `RDB_TYPE_SET`, a count then each member.
//! Loading rebuilds the encoding the configured limits call for, and
//! rejects duplicate members as Redis does.
//! Divergence: an intset blob is always validated deeply (sorted, unique),
//! whatever `sanitize-dump-payload` says, so nothing downstream ever sees a
//! malformed one.

use super::{Member, SetObj};
use crate::dict::Dict;
use crate::intset::{self, Intset};
use crate::rdb::encoding::{Reader, Rio};
use crate::rdb::LoadLimits;
use crate::rdb::{RdbError, RdbResult, RDB_TYPE_SET, RDB_TYPE_SET_INTSET};
use crate::util;

/// Redis: rdbSaveObjectType for a set.
pub fn save_type(set: &SetObj) -> u8 {
    match set {
        SetObj::Intset(_) => RDB_TYPE_SET_INTSET,
        SetObj::Ht(_) => RDB_TYPE_SET,
    }
}

/// Redis: rdbSaveObject for a set.
pub fn save(rdb: &mut Rio, set: &SetObj, compress: bool) -> std::io::Result<()> {
    match set {
        SetObj::Intset(is) => rdb.save_raw_string(is.as_bytes(), compress),
        SetObj::Ht(d) => {
            rdb.save_len(d.len() as u64)?;
            for (m, _) in d.iter() {
                rdb.save_raw_string(m, compress)?;
            }
            Ok(())
        }
    }
}

fn dup() -> RdbError {
    RdbError::corrupt("Duplicate set members detected")
}

/// Redis: rdbLoadObject for RDB_TYPE_SET.
pub fn load_set(r: &mut Reader, lim: &LoadLimits) -> RdbResult<SetObj> {
    let len = r.load_count()?;
    if len == 0 {
        return Err(RdbError::EmptyKey);
    }
    let max = lim.set_max_intset_entries.min(1 << 30);
    let mut set = if len > max {
        SetObj::Ht(Dict::with_capacity(len))
    } else {
        SetObj::Intset(Intset::new())
    };
    for _ in 0..len {
        let ele = r.load_string()?;
        if let SetObj::Intset(is) = &mut set {
            match util::string2ll(&ele) {
                Some(v) => {
                    if !is.add(v) {
                        return Err(dup());
                    }
                    continue;
                }
                None => {
                    set.convert_to_ht();
                    if let SetObj::Ht(d) = &mut set {
                        d.expand(len);
                    }
                }
            }
        }
        if let SetObj::Ht(d) = &mut set {
            if d.add(Member::from_vec(ele), ()).is_err() {
                return Err(dup());
            }
        }
    }
    Ok(set)
}

/// Redis: rdbLoadObject for RDB_TYPE_SET_INTSET.
pub fn load_intset(r: &mut Reader, lim: &LoadLimits) -> RdbResult<SetObj> {
    let blob = r.load_string()?;
    if !intset::validate_integrity(&blob, true) {
        return Err(RdbError::corrupt("Intset integrity check failed."));
    }
    let is = Intset::from_bytes_unchecked(blob);
    let mut set = SetObj::Intset(is);
    if set.len() > lim.set_max_intset_entries {
        set.convert_to_ht();
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(set: &SetObj, lim: &LoadLimits) -> RdbResult<SetObj> {
        let mut rio = Rio::buffer();
        save(&mut rio, set, false).unwrap();
        let bytes = rio.into_bytes();
        let mut r = Reader::new(&bytes);
        match save_type(set) {
            RDB_TYPE_SET_INTSET => load_intset(&mut r, lim),
            _ => load_set(&mut r, lim),
        }
    }

    #[test]
    fn intset_and_hashtable_round_trip() {
        let lim = LoadLimits::default();
        let mut s = SetObj::create(b"1");
        for m in [&b"1"[..], b"-70000", b"5"] {
            s.add(m, 512);
        }
        let back = roundtrip(&s, &lim).unwrap();
        assert_eq!(back.encoding_name(), "intset");
        let (SetObj::Intset(a), SetObj::Intset(b)) = (&s, &back) else {
            panic!()
        };
        assert_eq!(a.as_bytes(), b.as_bytes());

        s.add(b"member", 512);
        let back = roundtrip(&s, &lim).unwrap();
        assert_eq!(back.encoding_name(), "hashtable");
        assert_eq!(back, s);

        // A small limit converts an intset on load.
        let mut small = SetObj::create(b"1");
        for i in 0..5 {
            small.add(i.to_string().as_bytes(), 512);
        }
        let tight = LoadLimits {
            set_max_intset_entries: 3,
            ..lim
        };
        assert_eq!(
            roundtrip(&small, &tight).unwrap().encoding_name(),
            "hashtable"
        );
    }

    #[test]
    fn duplicates_and_empty_sets_are_rejected() {
        let mut rio = Rio::buffer();
        rio.save_len(2).unwrap();
        rio.save_raw_string(b"7", false).unwrap();
        rio.save_raw_string(b"7", false).unwrap();
        let bytes = rio.into_bytes();
        let err = load_set(&mut Reader::new(&bytes), &LoadLimits::default()).unwrap_err();
        assert_eq!(err, RdbError::corrupt("Duplicate set members detected"));
        let mut rio = Rio::buffer();
        rio.save_len(0).unwrap();
        let bytes = rio.into_bytes();
        let err = load_set(&mut Reader::new(&bytes), &LoadLimits::default()).unwrap_err();
        assert_eq!(err, RdbError::EmptyKey);
    }
}
