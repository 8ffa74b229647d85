//! DUMP and RESTORE. Redis counterpart: cluster.c (createDumpPayload,
//! verifyDumpPayload, dumpCommand, restoreCommand).
//!
//! A payload is one RDB value followed by a footer:
//!
//! ```text
//!  <type byte> <value, as in an RDB file>  <RDB version: 2 bytes LE>  <CRC64: 8 bytes LE>
//! ```
//!
//! The CRC covers everything before it, version included. RESTORE checks version
//! and CRC first (unless DEBUG SET-SKIP-CHECKSUM-VALIDATION), then parses the
//! value into a fresh object under `sanitize-dump-payload`: deeply validated, a
//! corrupt or truncated payload gets an error and changes nothing; shallowly
//! validated, what Redis would take on trust is kept as a marked stand-in that
//! fails Redis's assertion when read (rdb/load.rs, load_object_sanitized).

use oxidis_ds::crc64::crc64;
use oxidis_ds::util;

use super::encoding::{Reader, Rio};
use super::*;
use crate::networking::Client;
use crate::object::Value;
use crate::server::command::CommandProc;
use crate::server::shared;
use crate::server::Server;

/// Redis: createDumpPayload().
pub fn create_dump_payload(v: &Value, compress: bool) -> Vec<u8> {
    let mut rdb = Rio::buffer();
    // Writes to a memory buffer cannot fail.
    let _ = rdb.save_type(save::save_object_type(v));
    let _ = save::save_object(&mut rdb, v, compress);
    let mut buf = rdb.into_bytes();
    buf.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(0, &buf);
    buf.extend_from_slice(&crc.to_le_bytes());
    buf
}

/// Redis: verifyDumpPayload(). Version not newer than ours and a matching CRC.
pub fn verify_dump_payload(p: &[u8], skip_checksum: bool) -> bool {
    if p.len() < 10 {
        return false;
    }
    let footer = &p[p.len() - 10..];
    let ver = u16::from_le_bytes([footer[0], footer[1]]);
    if ver > RDB_VERSION {
        return false;
    }
    if skip_checksum {
        return true;
    }
    let crc = crc64(0, &p[..p.len() - 8]);
    crc.to_le_bytes() == footer[2..]
}

/// Parses a verified payload into a value. Redis: rdbLoadObjectType + rdbLoadObject
/// over the payload buffer.
pub fn load_dump_payload(p: &[u8], lim: &LoadLimits) -> RdbResult<Value> {
    let body = &p[..p.len() - 10];
    let mut r = Reader::new(body);
    let t = r.read_u8()?;
    if !is_object_type(t) {
        return Err(RdbError::corrupt("bad type"));
    }
    load::load_object(&mut r, t, lim)
}

/// [`load_dump_payload`] under `sanitize-dump-payload`: deep validation or,
/// when `deep` is off, Redis's shallow one (load::load_object_sanitized).
fn load_dump_payload_sanitized(
    s: &mut Server,
    p: &[u8],
    lim: &LoadLimits,
    deep: bool,
) -> RdbResult<(Value, load::Unverified)> {
    let body = &p[..p.len() - 10];
    let mut r = Reader::new(body);
    let t = r.read_u8()?;
    if !is_object_type(t) {
        return Err(RdbError::corrupt("bad type"));
    }
    load::load_object_sanitized(s, &mut r, t, lim, deep)
}

/// Redis: dumpCommand().
fn dump_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let compress = s.config.rdbcompression;
    match s.lookup_key_read(c.db, &argv[1]) {
        None => c.add_reply_null(),
        Some(o) => {
            let payload = create_dump_payload(&o.v, compress);
            c.add_reply_bulk(&payload);
        }
    }
}

/// Redis: restoreCommand(). RESTORE key ttl payload [REPLACE] [ABSTTL]
/// [IDLETIME seconds] [FREQ frequency].
fn restore_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let (mut replace, mut absttl) = (false, false);
    let (mut lfu_freq, mut lru_idle): (Option<u8>, Option<i64>) = (None, None);
    let mut j = 4;
    while j < argv.len() {
        let additional = argv.len() - j - 1;
        let opt = argv[j].to_ascii_lowercase();
        match opt.as_slice() {
            b"replace" => replace = true,
            b"absttl" => absttl = true,
            b"idletime" if additional >= 1 && lfu_freq.is_none() => {
                let Some(v) = util::string2ll(&argv[j + 1]) else {
                    return c.add_reply_error(shared::NOT_INTEGER);
                };
                if v < 0 {
                    return c.add_reply_error("Invalid IDLETIME value, must be >= 0");
                }
                lru_idle = Some(v);
                j += 1;
            }
            b"freq" if additional >= 1 && lru_idle.is_none() => {
                let Some(v) = util::string2ll(&argv[j + 1]) else {
                    return c.add_reply_error(shared::NOT_INTEGER);
                };
                if !(0..=255).contains(&v) {
                    return c.add_reply_error("Invalid FREQ value, must be >= 0 and <= 255");
                }
                lfu_freq = Some(v as u8);
                j += 1;
            }
            _ => return c.add_reply_syntax_err(),
        }
        j += 1;
    }
    let db = c.db;
    let key = &argv[1];
    if !replace && s.lookup_key_write(db, key).is_some() {
        return c.add_reply_error("-BUSYKEY Target key name already exists.");
    }
    let Some(mut ttl) = util::string2ll(&argv[2]) else {
        return c.add_reply_error(shared::NOT_INTEGER);
    };
    if ttl < 0 {
        return c.add_reply_error("Invalid TTL value, must be >= 0");
    }
    if !verify_dump_payload(&argv[3], s.skip_checksum_validation) {
        return c.add_reply_error("DUMP payload version or checksum are wrong");
    }
    let deep = load::deep_integrity_validation(s, Some(c));
    let lim = load::load_limits(s);
    let (val, unverified) = match load_dump_payload_sanitized(s, &argv[3], &lim, deep) {
        Ok(v) => v,
        Err(e) => {
            // Redis: rdbReportError in a RESTORE context logs at verbose.
            let reason = match e {
                RdbError::Eof => "Unexpected EOF reading RDB file".to_string(),
                RdbError::Corrupt(m) => m,
                RdbError::EmptyKey => "Empty keys".to_string(),
            };
            crate::server_log!(
                Verbose,
                "Internal error in RDB reading offset 0, function at rdb.c:0 -> {}",
                reason
            );
            return c.add_reply_error("Bad data format");
        }
    };

    let deleted = replace && s.db_delete(db, key);
    if ttl != 0 && !absttl {
        ttl = ttl.saturating_add(util::mstime());
    }
    // Redis: checkAlreadyExpired() — a master drops a key restored already expired.
    if ttl != 0 && ttl < util::mstime() && !s.loading {
        if deleted {
            s.dirty += 1;
            crate::replication::rewrite_with(s, c, || vec![b"DEL".to_vec(), key.to_vec()]);
        }
        return c.add_reply_ok();
    }
    let mut o = s.new_obj(val);
    let clock = s.lruclock;
    load::object_set_lru_or_lfu(s, &mut o, lfu_freq, lru_idle, clock);
    s.db_add(db, key, o);
    if let Some(why) = unverified {
        s.dbs[db].unverified.insert(key.to_vec(), why);
    }
    if ttl != 0 {
        s.set_expire(db, key, ttl);
        if !absttl {
            // Redis: the TTL propagates as an absolute time.
            crate::replication::rewrite_with(s, c, || {
                let mut v = argv.to_vec();
                v[2] = ttl.to_string().into_bytes();
                v.push(b"ABSTTL".to_vec());
                v
            });
        }
    }
    s.signal_modified_key(db, key);
    c.add_reply_ok();
    s.dirty += 1;
}

pub static HANDLERS: &[(&str, CommandProc)] =
    &[("dump", dump_command), ("restore", restore_command)];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn payload_matches_redis() {
        // redis-cli DUMP of SET foo bar on Redis 7.0.15.
        let p = create_dump_payload(&Value::EmbStr(b"bar".into()), true);
        assert_eq!(p, b"\x00\x03bar\x0a\x00\xe6\xbeI`\xeef\xfd\x17".to_vec());
        assert!(verify_dump_payload(&p, false));
        assert_eq!(
            load_dump_payload(&p, &LoadLimits::default()).unwrap(),
            Value::EmbStr(b"bar".into())
        );
    }

    proptest! {
        #[test]
        fn corrupt_payloads_never_panic(mut p in proptest::collection::vec(any::<u8>(), 0..64), fix_crc: bool) {
            if fix_crc && p.len() >= 10 {
                let n = p.len();
                p[n - 10] = 10;
                p[n - 9] = 0;
                let crc = crc64(0, &p[..n - 8]);
                p[n - 8..].copy_from_slice(&crc.to_le_bytes());
            }
            if verify_dump_payload(&p, false) {
                let _ = load_dump_payload(&p, &LoadLimits::default());
            }
        }
    }
}
