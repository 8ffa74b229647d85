//! Values and their encodings. Redis counterpart: object.c (robj creation,
//! tryObjectEncoding, OBJECT command helpers) and the LFU half of evict.c.
//!
//! `RObj` is what the keyspace dict stores: the value plus the 24-bit LRU/LFU
//! field Redis keeps in every robj. Strings keep Redis's three encodings so
//! `OBJECT ENCODING` answers as Redis does: `int` (a canonical integer),
//! `embstr` (at most 44 bytes, created in one piece) and `raw`.
//! Divergence: there is no refcount. Redis shares small integers
//! (0..9999); `OBJECT REFCOUNT` reports the shared refcount for them exactly
//! when Redis would have shared them, so the answer matches.

use oxidis_ds::sds::EmbStr;
use oxidis_ds::util;

pub const OBJ_ENCODING_EMBSTR_SIZE_LIMIT: usize = 44;
pub const OBJ_SHARED_INTEGERS: i64 = 10000;
pub const OBJ_SHARED_REFCOUNT: i64 = i32::MAX as i64;
pub const LRU_CLOCK_MAX: u32 = (1 << 24) - 1;
pub const LRU_CLOCK_RESOLUTION: i64 = 1000;
pub const LFU_INIT_VAL: u8 = 5;

/// A stored value. Redis: the `type` + `encoding` + `ptr` of an robj.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// OBJ_STRING, OBJ_ENCODING_INT.
    Int(i64),
    /// OBJ_STRING, OBJ_ENCODING_EMBSTR: up to 44 bytes, the first 22 inline
    /// (see `oxidis_ds::sds`), as Redis allocates an embstr together with its robj.
    EmbStr(EmbStr),
    /// OBJ_STRING, OBJ_ENCODING_RAW. Boxed so that `Value` stays 24 bytes.
    Raw(Box<Vec<u8>>),
    /// OBJ_LIST, OBJ_ENCODING_QUICKLIST (Redis 7.0 has no other list
    /// encoding). Behind an `Arc` so cloning the value for a snapshot is
    /// O(1); writes go through `Arc::make_mut` and then copy only the
    /// quicklist node they touch.
    List(std::sync::Arc<oxidis_ds::quicklist::Quicklist>),
    /// OBJ_SET: OBJ_ENCODING_INTSET or OBJ_ENCODING_HT (see `oxidis_ds::set`).
    Set(Box<oxidis_ds::set::SetObj>),
    /// OBJ_HASH: OBJ_ENCODING_LISTPACK or OBJ_ENCODING_HT (see `oxidis_ds::hash`).
    Hash(Box<oxidis_ds::hash::HashObj>),
    /// OBJ_ZSET, OBJ_ENCODING_LISTPACK or OBJ_ENCODING_SKIPLIST (the
    /// encoding lives in the `ZSet` enum). Behind an `Arc` for snapshots.
    ZSet(std::sync::Arc<oxidis_ds::zset::ZSet>),
    /// OBJ_STREAM, OBJ_ENCODING_STREAM (see `oxidis_ds::stream`). Behind an `Arc` for
    /// snapshots.
    Stream(std::sync::Arc<oxidis_ds::stream::Stream>),
}

/// Redis: robj (without refcount).
#[derive(Clone, Debug)]
pub struct RObj {
    pub lru: u32, // LRU clock (seconds resolution) or LFU: 16-bit minutes + 8-bit counter
    pub v: Value,
}

impl RObj {
    pub fn new(v: Value) -> RObj {
        RObj { lru: 0, v }
    }

    /// Redis: getObjectTypeName / the TYPE command.
    pub fn type_name(&self) -> &'static str {
        match &self.v {
            Value::Int(_) | Value::EmbStr(_) | Value::Raw(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Hash(_) => "hash",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }

    /// Redis: strEncoding(o->encoding).
    pub fn encoding_name(&self) -> &'static str {
        match &self.v {
            Value::Int(_) => "int",
            Value::EmbStr(_) => "embstr",
            Value::Raw(_) => "raw",
            Value::List(_) => "quicklist",
            Value::Set(s) => s.encoding_name(),
            Value::Hash(h) => h.encoding_name(),
            Value::ZSet(ref z) => z.encoding_name(),
            Value::Stream(_) => "stream",
        }
    }

    pub fn is_string(&self) -> bool {
        matches!(self.v, Value::Int(_) | Value::EmbStr(_) | Value::Raw(_))
    }
}

/// Redis: createStringObject — embstr up to 44 bytes, raw beyond.
pub fn create_string(bytes: &[u8]) -> Value {
    if bytes.len() <= OBJ_ENCODING_EMBSTR_SIZE_LIMIT {
        Value::EmbStr(EmbStr::new(bytes))
    } else {
        Value::Raw(Box::new(bytes.to_vec()))
    }
}

/// Redis: createRawStringObject.
pub fn create_raw_string(bytes: Vec<u8>) -> Value {
    Value::Raw(Box::new(bytes))
}

/// Redis: tryObjectEncoding applied to a fresh string argument: integers of
/// at most 20 chars become `int`, short strings `embstr`, the rest `raw`.
pub fn create_string_encoded(bytes: &[u8]) -> Value {
    if bytes.len() <= 20 {
        if let Some(n) = util::string2l(bytes) {
            return Value::Int(n);
        }
    }
    create_string(bytes)
}

/// Owned variant of `create_string_encoded`, avoiding a copy for raw values.
pub fn create_string_encoded_owned(bytes: Vec<u8>) -> Value {
    if bytes.len() <= 20 {
        if let Some(n) = util::string2l(&bytes) {
            return Value::Int(n);
        }
    }
    if bytes.len() <= OBJ_ENCODING_EMBSTR_SIZE_LIMIT {
        Value::EmbStr(EmbStr::from_vec(bytes))
    } else {
        Value::Raw(Box::new(bytes))
    }
}

impl Value {
    /// The string's bytes; integers are formatted. None for non-strings.
    pub fn string_bytes(&self) -> Option<std::borrow::Cow<'_, [u8]>> {
        match self {
            Value::Int(n) => Some(std::borrow::Cow::Owned(util::ll2string(*n).into_bytes())),
            Value::EmbStr(b) => Some(std::borrow::Cow::Borrowed(&b[..])),
            Value::Raw(b) => Some(std::borrow::Cow::Borrowed(&b[..])),
            _ => None,
        }
    }

    /// Length of the string representation. Redis: stringObjectLen.
    pub fn string_len(&self) -> usize {
        match self {
            Value::Int(n) => {
                let mut tmp = [0u8; 21];
                oxidis_ds::util::write_i64_slice(&mut tmp, *n)
            }
            Value::EmbStr(b) => b.len(),
            Value::Raw(b) => b.len(),
            _ => 0,
        }
    }

    /// Redis: dbUnshareStringValue + making the value raw: returns the bytes
    /// for in-place modification, converting the encoding to `raw`.
    pub fn make_raw(&mut self) -> &mut Vec<u8> {
        if !matches!(self, Value::Raw(_)) {
            let bytes = self
                .string_bytes()
                .map(|b| b.into_owned())
                .unwrap_or_default();
            *self = Value::Raw(Box::new(bytes));
        }
        match self {
            Value::Raw(v) => v,
            _ => unreachable!(),
        }
    }

    pub fn is_string(&self) -> bool {
        matches!(self, Value::Int(_) | Value::EmbStr(_) | Value::Raw(_))
    }
}

// ---------------------------------------------------------------------------
// LRU / LFU clocks (evict.c)
// ---------------------------------------------------------------------------

/// Redis: getLRUClock — seconds, 24 bits.
pub fn lru_clock(now_ms: i64) -> u32 {
    ((now_ms / LRU_CLOCK_RESOLUTION) as u32) & LRU_CLOCK_MAX
}

/// Redis: estimateObjectIdleTime, in milliseconds.
pub fn estimate_idle_time_ms(lru: u32, clock: u32) -> i64 {
    if clock >= lru {
        (clock - lru) as i64 * LRU_CLOCK_RESOLUTION
    } else {
        (clock as i64 + (LRU_CLOCK_MAX as i64 - lru as i64)) * LRU_CLOCK_RESOLUTION
    }
}

/// Redis: LFUGetTimeInMinutes.
pub fn lfu_time_in_minutes(now_ms: i64) -> u32 {
    ((now_ms / 1000 / 60) as u32) & 65535
}

/// Redis: LFUTimeElapsed.
pub fn lfu_time_elapsed(ldt: u32, now_ms: i64) -> u32 {
    let now = lfu_time_in_minutes(now_ms);
    if now >= ldt {
        now - ldt
    } else {
        65535 - ldt + now
    }
}

/// Redis: LFULogIncr — probabilistic logarithmic counter.
pub fn lfu_log_incr(counter: u8, lfu_log_factor: i64, rand01: f64) -> u8 {
    if counter == 255 {
        return 255;
    }
    let baseval = (counter as f64 - LFU_INIT_VAL as f64).max(0.0);
    let p = 1.0 / (baseval * lfu_log_factor as f64 + 1.0);
    if rand01 < p {
        counter + 1
    } else {
        counter
    }
}

/// Redis: LFUDecrAndReturn — the counter after decay.
pub fn lfu_decr_and_return(lru: u32, lfu_decay_time: i64, now_ms: i64) -> u8 {
    let ldt = lru >> 8;
    let counter = (lru & 255) as u8;
    let periods = if lfu_decay_time > 0 {
        lfu_time_elapsed(ldt, now_ms) as i64 / lfu_decay_time
    } else {
        0
    };
    if periods > 0 {
        if periods > counter as i64 {
            0
        } else {
            counter - periods as u8
        }
    } else {
        counter
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keyspace entry (dict link, `Sds` key, LRU and `Value`) fits one
    /// 64-byte malloc chunk only at these sizes (see oxidis_ds::sds).
    #[test]
    fn sizes_keep_the_entry_in_one_chunk() {
        assert_eq!(std::mem::size_of::<Value>(), 24);
        assert_eq!(std::mem::size_of::<RObj>(), 32);
    }

    #[test]
    fn string_encodings() {
        assert_eq!(create_string_encoded(b"12345"), Value::Int(12345));
        assert!(matches!(create_string_encoded(b"012"), Value::EmbStr(_)));
        assert!(matches!(
            create_string_encoded(&[b'a'; 44]),
            Value::EmbStr(_)
        ));
        assert!(matches!(create_string_encoded(&[b'a'; 45]), Value::Raw(_)));
        let mut v = create_string_encoded(b"10");
        v.make_raw().extend_from_slice(b"0");
        assert_eq!(v, Value::Raw(Box::new(b"100".to_vec())));
    }

    #[test]
    fn lfu_decay() {
        let now = 60_000 * 100;
        let lru = (lfu_time_in_minutes(now - 60_000 * 3) << 8) | 10;
        assert_eq!(lfu_decr_and_return(lru, 1, now), 7);
    }
}
