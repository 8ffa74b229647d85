//! Query-buffer parsing. Redis counterpart: networking.c
//! (processInlineBuffer, processMultibulkBuffer, setProtocolError).
//!
//! The parser is a state machine over `Client::querybuf`, resumable at any
//! byte boundary: `multibulklen` and `bulklen` remember where it stopped.
//! Arguments are copied into `argv`, whose inner buffers are reused from one
//! command to the next so that steady-state parsing does not allocate.

use memchr::memchr;
use oxidis_ds::util;

use super::client::{Client, ReqType};

pub const PROTO_INLINE_MAX_SIZE: usize = 64 * 1024;
pub const PROTO_MBULK_BIG_ARG: i64 = 32 * 1024;

/// Outcome of one parsing attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// `argv[..argc]` holds a command (argc may be 0: an empty line, `*0`).
    Command,
    /// More bytes are needed.
    NeedMore,
    /// Protocol error: reply with `reply` ("Protocol error: ..."), log
    /// `reason`, and close after the reply.
    Error { reply: String, reason: &'static str },
}

fn set_arg(c: &mut Client, bytes: &[u8]) {
    if c.argc < c.argv.len() {
        let a = &mut c.argv[c.argc];
        a.clear();
        if a.capacity() > 64 * 1024 && bytes.len() < 1024 {
            *a = Vec::new();
        }
        a.extend_from_slice(bytes);
    } else {
        c.argv.push(bytes.to_vec());
    }
    c.argc += 1;
    c.argv_len_sum += bytes.len();
}

/// Parse the next command in the query buffer. Redis: the body of
/// processInputBuffer that dispatches on the request type.
pub fn parse_command(c: &mut Client, proto_max_bulk_len: i64, auth_required: bool) -> Parsed {
    if c.qb_pos >= c.querybuf.len() {
        return Parsed::NeedMore;
    }
    if c.reqtype == ReqType::None {
        c.reqtype = if c.querybuf[c.qb_pos] == b'*' {
            ReqType::Multibulk
        } else {
            ReqType::Inline
        };
    }
    match c.reqtype {
        ReqType::Inline => parse_inline(c),
        _ => parse_multibulk(c, proto_max_bulk_len, auth_required),
    }
}

/// Redis: processInlineBuffer.
fn parse_inline(c: &mut Client) -> Parsed {
    let start = c.qb_pos;
    let rest = &c.querybuf[start..];
    let nl = match memchr(b'\n', rest) {
        Some(p) => p,
        None => {
            if rest.len() > PROTO_INLINE_MAX_SIZE {
                return Parsed::Error {
                    reply: "Protocol error: too big inline request".into(),
                    reason: "too big inline request",
                };
            }
            return Parsed::NeedMore;
        }
    };
    let mut linelen = nl;
    if linelen > 0 && rest[linelen - 1] == b'\r' {
        linelen -= 1;
    }
    let args = match util::split_args(&rest[..linelen]) {
        Some(a) => a,
        None => {
            return Parsed::Error {
                reply: "Protocol error: unbalanced quotes in request".into(),
                reason: "unbalanced quotes in inline request",
            }
        }
    };
    c.qb_pos += nl + 1;
    c.argc = 0;
    c.argv_len_sum = 0;
    for a in args {
        set_arg(c, &a);
    }
    Parsed::Command
}

/// Finds "\r" starting at `from`; returns its index if a full "\r\n"-terminated
/// line is buffered, Err(true) if no '\r' at all, Err(false) if '\r' is the
/// last byte.
fn find_line(buf: &[u8], from: usize) -> Result<usize, bool> {
    match memchr(b'\r', &buf[from..]) {
        None => Err(true),
        Some(p) => {
            if from + p + 1 >= buf.len() {
                Err(false)
            } else {
                Ok(from + p)
            }
        }
    }
}

/// The common case of a `*<n>` or `$<n>` header at `buf[pos]`: one to 18
/// digits without a leading zero, then CRLF. Returns the number and where
/// the next line starts, or None for anything else (a sign, a leading zero,
/// an incomplete or odd line), which the general path (find_line, then
/// string2ll) then reads, reports or waits for, so both agree on every
/// input. Skips a memchr and a string2ll call per argument.
#[inline(always)]
fn quick_header(buf: &[u8], pos: usize) -> Option<(i64, usize)> {
    let digits = buf.get(pos + 1..)?;
    let mut n = 0i64;
    let mut i = 0;
    while i < digits.len().min(18) {
        let d = digits[i].wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        n = n * 10 + i64::from(d);
        i += 1;
    }
    if i == 0 || (i > 1 && digits[0] == b'0') || digits.get(i..i + 2)? != b"\r\n" {
        return None;
    }
    Some((n, pos + 1 + i + 2))
}

/// Redis: processMultibulkBuffer.
fn parse_multibulk(c: &mut Client, proto_max_bulk_len: i64, auth_required: bool) -> Parsed {
    if c.multibulklen == 0 {
        let pos = c.qb_pos;
        let (ll, next) = match quick_header(&c.querybuf, pos) {
            Some(h) if h.0 <= i32::MAX as i64 => h,
            _ => match multibulk_len_slow(c) {
                Ok(h) => h,
                Err(p) => return p,
            },
        };
        if ll > 10 && auth_required {
            return Parsed::Error {
                reply: "Protocol error: unauthenticated multibulk length".into(),
                reason: "unauth mbulk count",
            };
        }
        c.qb_pos = next;
        c.argc = 0;
        c.argv_len_sum = 0;
        if ll <= 0 {
            return Parsed::Command;
        }
        c.multibulklen = ll;
        c.bulklen = -1;
    }
    while c.multibulklen > 0 {
        if c.bulklen == -1 {
            let pos = c.qb_pos;
            let (ll, next) = match quick_header(&c.querybuf, pos) {
                Some(h) if c.querybuf[pos] == b'$' && h.0 <= proto_max_bulk_len => h,
                _ => match bulk_len_slow(c, proto_max_bulk_len) {
                    Ok(h) => h,
                    Err(p) => return p,
                },
            };
            if ll > 16384 && auth_required {
                return Parsed::Error {
                    reply: "Protocol error: unauthenticated bulk length".into(),
                    reason: "unauth bulk length",
                };
            }
            c.qb_pos = next;
            if ll >= PROTO_MBULK_BIG_ARG {
                // Make room for the whole argument at once, as Redis does for
                // big arguments, so the read path does not grow by doubling.
                let have = c.querybuf.len() - c.qb_pos;
                if have <= ll as usize + 2 {
                    c.querybuf.drain(..c.qb_pos);
                    c.qb_pos = 0;
                    c.querybuf.reserve(ll as usize + 2 - have);
                }
            }
            c.bulklen = ll;
        }
        let need = c.bulklen as usize + 2;
        if c.querybuf.len() - c.qb_pos < need {
            return Parsed::NeedMore;
        }
        let start = c.qb_pos;
        let end = start + c.bulklen as usize;
        // Temporarily take the buffer to copy out of it while mutating argv.
        let qb = std::mem::take(&mut c.querybuf);
        set_arg(c, &qb[start..end]);
        c.querybuf = qb;
        c.qb_pos = end + 2;
        c.bulklen = -1;
        c.multibulklen -= 1;
    }
    Parsed::Command
}

/// The end of the header line at `qb_pos` (its '\r'), or what to answer:
/// wait for more bytes, or `too_big` once a line with no '\r' outgrows the
/// inline limit.
fn header_end(c: &Client, too_big: &'static str) -> Result<usize, Parsed> {
    let pos = c.qb_pos;
    match find_line(&c.querybuf, pos) {
        Ok(nl) => Ok(nl),
        Err(no_cr) if no_cr && c.querybuf.len() - pos > PROTO_INLINE_MAX_SIZE => {
            Err(Parsed::Error {
                reply: format!("Protocol error: {too_big}"),
                reason: too_big,
            })
        }
        Err(_) => Err(Parsed::NeedMore),
    }
}

/// The `*<n>` line the quick path did not take: the multibulk length and
/// where the next line starts, or what to answer.
fn multibulk_len_slow(c: &Client) -> Result<(i64, usize), Parsed> {
    let nl = header_end(c, "too big mbulk count string")?;
    match util::string2ll(&c.querybuf[c.qb_pos + 1..nl]) {
        Some(v) if v <= i32::MAX as i64 => Ok((v, nl + 2)),
        _ => Err(Parsed::Error {
            reply: "Protocol error: invalid multibulk length".into(),
            reason: "invalid mbulk count",
        }),
    }
}

/// The `$<n>` line the quick path did not take: the bulk length and where
/// the argument starts, or what to answer.
fn bulk_len_slow(c: &Client, proto_max_bulk_len: i64) -> Result<(i64, usize), Parsed> {
    let nl = header_end(c, "too big bulk count string")?;
    let pos = c.qb_pos;
    if c.querybuf[pos] != b'$' {
        let got = c.querybuf[pos] as char;
        return Err(Parsed::Error {
            reply: format!("Protocol error: expected '$', got '{}'", got),
            reason: "expected $ but got something else",
        });
    }
    match util::string2ll(&c.querybuf[pos + 1..nl]) {
        Some(v) if v >= 0 && v <= proto_max_bulk_len => Ok((v, nl + 2)),
        _ => Err(Parsed::Error {
            reply: "Protocol error: invalid bulk length".into(),
            reason: "invalid bulk length",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn client_with(bytes: &[u8]) -> Client {
        let mut c = Client::new(1, 0, None, 0);
        c.querybuf.extend_from_slice(bytes);
        c
    }

    fn args(c: &Client) -> Vec<Vec<u8>> {
        c.argv[..c.argc].to_vec()
    }

    fn reset(c: &mut Client) {
        c.reqtype = ReqType::None;
        c.multibulklen = 0;
        c.bulklen = -1;
    }

    #[test]
    fn multibulk_and_inline() {
        let mut c = client_with(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING  \"a b\"\r\n");
        assert_eq!(parse_command(&mut c, 512 << 20, false), Parsed::Command);
        assert_eq!(args(&c), vec![b"GET".to_vec(), b"k".to_vec()]);
        reset(&mut c);
        assert_eq!(parse_command(&mut c, 512 << 20, false), Parsed::Command);
        assert_eq!(args(&c), vec![b"PING".to_vec(), b"a b".to_vec()]);
        reset(&mut c);
        assert_eq!(parse_command(&mut c, 512 << 20, false), Parsed::NeedMore);
    }

    /// The protocol error reply for `bytes`, parsed with this bulk limit.
    fn error_of(bytes: &[u8], proto_max_bulk_len: i64) -> Option<String> {
        match parse_command(&mut client_with(bytes), proto_max_bulk_len, false) {
            Parsed::Error { reply, .. } => Some(reply),
            _ => None,
        }
    }

    #[test]
    fn errors_match_redis() {
        let mut long_count = b"*".to_vec();
        long_count.resize(PROTO_INLINE_MAX_SIZE + 2, b'1');
        let mut long_bulk = b"*1\r\n$".to_vec();
        long_bulk.resize(PROTO_INLINE_MAX_SIZE + 6, b'1');
        let max = 512 << 20;
        let cases: [(&[u8], i64, &str); 10] = [
            (b"*20000000000\r\n", max, "invalid multibulk length"),
            (b"*1\r\n$2147483648\r\n", max, "invalid bulk length"),
            (b"*1\r\nfoo\r\n", max, "expected '$', got 'f'"),
            // Leading zeros, and a count past i32 that fits the quick
            // path's 18 digits, are the general path's to reject.
            (b"*1\r\n$03\r\nabc\r\n", max, "invalid bulk length"),
            (b"*01\r\n$3\r\nabc\r\n", max, "invalid multibulk length"),
            (b"*2147483648\r\n", max, "invalid multibulk length"),
            (b"*1\r\n$10\r\n0123456789\r\n", 9, "invalid bulk length"),
            (&long_count, max, "too big mbulk count string"),
            (&long_bulk, max, "too big bulk count string"),
            (b"\"unbalanced\r\n", max, "unbalanced quotes in request"),
        ];
        for (bytes, limit, want) in cases {
            let want = format!("Protocol error: {want}");
            assert_eq!(
                error_of(bytes, limit).as_deref(),
                Some(want.as_str()),
                "{:?}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(40)])
            );
        }
        let mut c = client_with(b"*-10\r\n");
        assert_eq!(parse_command(&mut c, max, false), Parsed::Command);
        assert_eq!(c.argc, 0);
    }

    #[test]
    fn byte_at_a_time() {
        let input = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
        let mut c = Client::new(1, 0, None, 0);
        let mut done = false;
        for &b in input.iter() {
            c.querybuf.push(b);
            match parse_command(&mut c, 512 << 20, false) {
                Parsed::Command => done = true,
                Parsed::NeedMore => {}
                e => panic!("{e:?}"),
            }
        }
        assert!(done);
        assert_eq!(
            args(&c),
            vec![b"SET".to_vec(), b"key".to_vec(), b"value".to_vec()]
        );
    }

    proptest! {
        #[test]
        fn quick_header_agrees_with_the_general_path(
            line in proptest::collection::vec(prop_oneof![b'0'..=b'9', Just(b'\r'), Just(b'\n'), Just(b'-'), any::<u8>()], 0..24)
        ) {
            let mut buf = vec![b'$'];
            buf.extend_from_slice(&line);
            if let Some((n, next)) = quick_header(&buf, 0) {
                prop_assert_eq!(find_line(&buf, 0), Ok(next - 2));
                prop_assert_eq!(util::string2ll(&buf[1..next - 2]), Some(n));
            }
        }

        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let mut c = client_with(&data);
            for _ in 0..64 {
                match parse_command(&mut c, 1 << 20, false) {
                    Parsed::Command => reset(&mut c),
                    _ => break,
                }
            }
        }

        #[test]
        fn round_trips(argv in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 1..8), split in 0usize..400) {
            let mut enc = format!("*{}\r\n", argv.len()).into_bytes();
            for a in &argv {
                enc.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
                enc.extend_from_slice(a);
                enc.extend_from_slice(b"\r\n");
            }
            let cut = split.min(enc.len());
            let mut c = client_with(&enc[..cut]);
            let first = parse_command(&mut c, 1 << 20, false);
            if first != Parsed::Command {
                prop_assert_eq!(first, Parsed::NeedMore);
                c.querybuf.extend_from_slice(&enc[cut..]);
                prop_assert_eq!(parse_command(&mut c, 1 << 20, false), Parsed::Command);
            }
            prop_assert_eq!(args(&c), argv);
        }
    }
}
