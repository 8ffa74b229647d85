//! The RDB checker's report. Redis counterpart: redis-check-rdb.c
//! (redis_check_rdb, rdbCheckInfo, rdbCheckError, rdbShowGenericInfo), as
//! rdbReportError runs it when a file being loaded at start-up is corrupt:
//! the file is read again from the start, every value validated deeply, and
//! what was read is reported on standard output, up to the first error.
//!
//! Divergence: module values and function libraries are skipped over by the
//! same readers the loader uses, not re-executed.

use std::io::Write;

use oxidis_ds::crc64::crc64;

use super::encoding::Reader;
use super::*;

/// Redis: rdb_type_string — the names of the value types, by type byte.
const TYPE_NAMES: [&str; 19] = [
    "string",
    "list-linked",
    "set-hashtable",
    "zset-v1",
    "hash-hashtable",
    "zset-v2",
    "module-value",
    "",
    "",
    "hash-zipmap",
    "list-ziplist",
    "set-intset",
    "zset-ziplist",
    "hash-ziplist",
    "quicklist",
    "stream",
    "hash-listpack",
    "zset-listpack",
    "quicklist-v2",
];

/// What the checker was doing. Redis: rdb_check_doing_string.
#[derive(Clone, Copy)]
enum Doing {
    ReadType,
    ReadExpire,
    ReadKey,
    ReadObjectValue,
    CheckSum,
    ReadLen,
    ReadAux,
}

impl Doing {
    fn name(self) -> &'static str {
        match self {
            Doing::ReadType => "read-type",
            Doing::ReadExpire => "read-expire",
            Doing::ReadKey => "read-key",
            Doing::ReadObjectValue => "read-object-value",
            Doing::CheckSum => "check-sum",
            Doing::ReadLen => "read-len",
            Doing::ReadAux => "read-aux",
        }
    }
}

/// Redis: rdbstate.
struct State<'a> {
    out: &'a mut dyn Write,
    doing: Doing,
    key: Option<Vec<u8>>,
    key_type: Option<u8>,
    keys: u64,
    expires: u64,
    already_expired: u64,
}

impl State<'_> {
    /// Redis: rdbCheckInfo.
    fn info(&mut self, offset: usize, msg: &str) {
        let _ = writeln!(self.out, "[offset {}] {}", offset, msg);
    }

    /// Redis: rdbShowGenericInfo.
    fn generic_info(&mut self) {
        let _ = writeln!(self.out, "[info] {} keys read", self.keys);
        let _ = writeln!(self.out, "[info] {} expires", self.expires);
        let _ = writeln!(self.out, "[info] {} already expired", self.already_expired);
    }

    /// Redis: rdbCheckError.
    fn error(&mut self, offset: usize, msg: &str) {
        let _ = writeln!(self.out, "--- RDB ERROR DETECTED ---");
        let _ = writeln!(self.out, "[offset {}] {}", offset, msg);
        let _ = writeln!(
            self.out,
            "[additional info] While doing: {}",
            self.doing.name()
        );
        if let Some(k) = &self.key {
            let _ = writeln!(
                self.out,
                "[additional info] Reading key '{}'",
                String::from_utf8_lossy(k)
            );
        }
        if let Some(t) = self.key_type {
            let _ = writeln!(
                self.out,
                "[additional info] Reading type {} ({})",
                t,
                TYPE_NAMES.get(t as usize).copied().unwrap_or("unknown")
            );
        }
        self.generic_info();
    }
}

/// The text rdbReportError gives an error. Redis: "Internal error in RDB
/// reading offset ..." for a corrupt value, "Unexpected EOF reading RDB file"
/// for a short read.
fn error_text(e: &RdbError) -> String {
    match e {
        RdbError::Eof => "Unexpected EOF reading RDB file".to_string(),
        RdbError::Corrupt(m) => format!(
            "Internal error in RDB reading offset 0, function at rdb.c:0 -> {}",
            m
        ),
        RdbError::EmptyKey => "Empty keys".to_string(),
    }
}

/// Redis: redis_check_rdb_main for `filename`, written to `out`; true when
/// the file is sound. `limits` are the encoding settings values load under.
pub fn redis_check_rdb(
    filename: &str,
    data: &[u8],
    limits: &LoadLimits,
    out: &mut dyn Write,
) -> bool {
    let mut st = State {
        out,
        doing: Doing::ReadType,
        key: None,
        key_type: None,
        keys: 0,
        expires: 0,
        already_expired: 0,
    };
    st.info(0, &format!("Checking RDB file {}", filename));
    let ok = check(&mut st, data, limits);
    if ok {
        st.info(data.len(), "\\o/ RDB looks OK! \\o/");
        st.generic_info();
    }
    let _ = st.out.flush();
    ok
}

fn check(st: &mut State<'_>, data: &[u8], limits: &LoadLimits) -> bool {
    let mut r = Reader::new(data);
    macro_rules! read {
        ($e:expr) => {
            match $e {
                Ok(v) => v,
                Err(e) => {
                    let at = r.pos;
                    st.error(at, &error_text(&e));
                    return false;
                }
            }
        };
    }
    let magic = read!(r.read(9)).to_vec();
    if &magic[..5] != b"REDIS" {
        st.error(r.pos, "Wrong signature trying to load DB from file");
        return false;
    }
    let rdbver: u32 = std::str::from_utf8(&magic[5..])
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if rdbver < 1 || rdbver > RDB_VERSION as u32 {
        st.error(
            r.pos,
            &format!("Can't handle RDB format version {}", rdbver),
        );
        return false;
    }
    let now = oxidis_ds::util::mstime();
    let mut expiretime: Option<i64> = None;
    loop {
        st.doing = Doing::ReadType;
        let t = read!(r.read_u8());
        match t {
            RDB_OPCODE_EXPIRETIME => {
                st.doing = Doing::ReadExpire;
                expiretime = Some(read!(r.load_time()) as i64 * 1000);
                continue;
            }
            RDB_OPCODE_EXPIRETIME_MS => {
                st.doing = Doing::ReadExpire;
                expiretime = Some(read!(r.load_millisecond_time()));
                continue;
            }
            RDB_OPCODE_FREQ => {
                read!(r.read_u8());
                continue;
            }
            RDB_OPCODE_IDLE => {
                read!(r.load_len());
                continue;
            }
            RDB_OPCODE_EOF => break,
            RDB_OPCODE_SELECTDB => {
                st.doing = Doing::ReadLen;
                let id = read!(r.load_len());
                st.info(r.pos, &format!("Selecting DB ID {}", id));
                continue;
            }
            RDB_OPCODE_RESIZEDB => {
                st.doing = Doing::ReadLen;
                read!(r.load_len());
                read!(r.load_len());
                continue;
            }
            RDB_OPCODE_AUX => {
                st.doing = Doing::ReadAux;
                let k = read!(r.load_string());
                let v = read!(r.load_string());
                st.info(
                    r.pos,
                    &format!(
                        "AUX FIELD {} = '{}'",
                        String::from_utf8_lossy(&k),
                        String::from_utf8_lossy(&v)
                    ),
                );
                continue;
            }
            RDB_OPCODE_FUNCTION2 => {
                read!(r.load_string());
                continue;
            }
            _ => {}
        }
        if !is_object_type(t) {
            st.error(r.pos, &format!("Invalid object type: {}", t));
            return false;
        }
        st.key_type = Some(t);
        st.doing = Doing::ReadKey;
        let key = read!(r.load_string());
        st.key = Some(key);
        st.keys += 1;
        st.doing = Doing::ReadObjectValue;
        match load::load_object(&mut r, t, limits) {
            Ok(_) | Err(RdbError::EmptyKey) => {}
            Err(e) => {
                let at = r.pos;
                st.error(at, &error_text(&e));
                return false;
            }
        }
        if let Some(when) = expiretime.take() {
            st.expires += 1;
            if when < now {
                st.already_expired += 1;
            }
        }
        st.key = None;
        st.key_type = None;
    }
    if rdbver >= 5 {
        st.doing = Doing::CheckSum;
        let end = r.pos;
        let stored = u64::from_le_bytes(read!(r.read(8)).try_into().expect("8 bytes"));
        if stored == 0 {
            st.info(
                r.pos,
                "RDB file was saved with checksum disabled: no check performed.",
            );
        } else if stored != crc64(0, &data[..end]) {
            st.error(r.pos, "RDB CRC error");
            return false;
        } else {
            st.info(r.pos, "Checksum OK");
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(data: &[u8]) -> (bool, String) {
        let mut out = Vec::new();
        let ok = redis_check_rdb("x.rdb", data, &LoadLimits::default(), &mut out);
        (ok, String::from_utf8(out).unwrap())
    }

    #[test]
    fn a_sound_file_is_reported_ok() {
        // REDIS0010, one AUX field, SELECTDB 0, "k" => "v", EOF, checksum 0.
        let mut f = b"REDIS0010".to_vec();
        f.extend_from_slice(b"\xfa\x03ver\x017");
        f.extend_from_slice(b"\xfe\x00");
        f.extend_from_slice(b"\x00\x01k\x01v");
        f.push(0xff);
        f.extend_from_slice(&[0; 8]);
        let (ok, text) = run(&f);
        assert!(ok, "{}", text);
        assert!(
            text.starts_with("[offset 0] Checking RDB file x.rdb\n"),
            "{}",
            text
        );
        assert!(text.contains("AUX FIELD ver = '7'"), "{}", text);
        assert!(text.contains("Selecting DB ID 0"), "{}", text);
        assert!(
            text.contains("\\o/ RDB looks OK! \\o/\n[info] 1 keys read\n"),
            "{}",
            text
        );
    }

    #[test]
    fn a_corrupt_value_is_reported_with_its_key_and_type() {
        let mut f = b"REDIS0010\xfe\x00".to_vec();
        // An intset whose header counts more values than it holds.
        f.extend_from_slice(b"\x0b\x03key\x0c\x02\x00\x00\x00\x03\x00\x00\x00\x01\x00\x02\x00");
        f.push(0xff);
        let (ok, text) = run(&f);
        assert!(!ok);
        assert!(text.contains("--- RDB ERROR DETECTED ---"), "{}", text);
        assert!(
            text.contains("-> Intset integrity check failed."),
            "{}",
            text
        );
        assert!(
            text.contains("[additional info] While doing: read-object-value"),
            "{}",
            text
        );
        assert!(
            text.contains("[additional info] Reading key 'key'"),
            "{}",
            text
        );
        assert!(
            text.contains("[additional info] Reading type 11 (set-intset)"),
            "{}",
            text
        );
    }
}
