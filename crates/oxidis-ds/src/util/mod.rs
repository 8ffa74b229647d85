//! Small string and number helpers. Redis counterparts: util.c (glob matching,
//! string2ll/string2d/string2ld, d2string/ld2string, memtoull, random hex
//! chars, ustime/mstime) and the two sds.c helpers used everywhere:
//! sdssplitargs (config lines, inline requests) and sdscatrepr.
//!
//! Deliberate divergences:
//! - Redis uses `long double` (80-bit on x86-64) for INCRBYFLOAT and
//!   HINCRBYFLOAT. Rust has no such type, so `string2ld` and `ld2string` work on
//!   `f64`. To keep the human-friendly output that long double gives for small
//!   decimals (`10.5 + 0.1` prints `10.6`), `ld2string(_, true)` prints the
//!   shortest digits that round-trip, capped at 17 fractional digits as
//!   `%.17Lf` is. Values beyond the f64 range (e.g. `1e400`), which long double
//!   can still hold, overflow to infinity here; callers then report the
//!   NaN/Infinity error Redis would only give past long double's range.
//! - libc's `strtod` needs raw C strings (this crate makes no FFI calls), so `string2d` validates the C
//!   `strtod` grammar by hand and converts with Rust's correctly rounded parser
//!   (glibc's `strtod` is correctly rounded too, so the values agree). Hex
//!   floats are converted here with round-half-even.
//! - Random bytes come straight from /dev/urandom instead of Redis's
//!   SHA256-HMAC counter stream seeded from it.

use std::io::Read;
use std::sync::OnceLock;
use std::time::Instant;

/* ========================== Glob-style matching ========================== */

/// Byte at `i`, or 0 past the end: Redis's strings are NUL-terminated and its
/// matcher peeks one byte ahead in a few places, so "0 past the end" mirrors it.
#[inline]
fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

/// Glob-style pattern matching (`*`, `?`, `[...]` with `^` and ranges, `\`
/// escapes), as KEYS, SCAN MATCH, PSUBSCRIBE and CONFIG GET use it.
///
/// Like Redis 7.0.15 this stops exponential backtracking: once the pattern after
/// a `*` has failed to match at every later position of the string, no earlier
/// `*` can help by matching a longer run, so the whole match fails at once.
pub fn string_match_len(pattern: &[u8], s: &[u8], nocase: bool) -> bool {
    let mut skip_longer = false;
    match_impl(pattern, s, nocase, &mut skip_longer)
}

fn lower(c: u8) -> u8 {
    c.to_ascii_lowercase()
}

fn match_impl(pat: &[u8], s: &[u8], nocase: bool, skip_longer: &mut bool) -> bool {
    let (mut p, mut si) = (0usize, 0usize);
    while p < pat.len() && si < s.len() {
        match pat[p] {
            b'*' => {
                while p + 1 < pat.len() && pat[p + 1] == b'*' {
                    p += 1;
                }
                if p + 1 == pat.len() {
                    return true;
                }
                while si < s.len() {
                    if match_impl(&pat[p + 1..], &s[si..], nocase, skip_longer) {
                        return true;
                    }
                    if *skip_longer {
                        return false;
                    }
                    si += 1;
                }
                // The rest of the pattern matches nowhere in the rest of the
                // string: longer matches for earlier stars cannot help either.
                *skip_longer = true;
                return false;
            }
            b'?' => si += 1,
            b'[' => {
                p += 1;
                let not = at(pat, p) == b'^';
                if not {
                    p += 1;
                }
                let c = s[si];
                let mut matched = false;
                loop {
                    let left = pat.len().saturating_sub(p);
                    if at(pat, p) == b'\\' && left >= 2 {
                        p += 1;
                        if pat[p] == c {
                            matched = true;
                        }
                    } else if at(pat, p) == b']' {
                        break;
                    } else if left == 0 {
                        // Unterminated class: step back so the shared
                        // "advance the pattern" below lands on the end.
                        p -= 1;
                        break;
                    } else if left >= 3 && pat[p + 1] == b'-' {
                        let (mut start, mut end, mut ch) = (pat[p], pat[p + 2], c);
                        if start > end {
                            std::mem::swap(&mut start, &mut end);
                        }
                        if nocase {
                            start = lower(start);
                            end = lower(end);
                            ch = lower(ch);
                        }
                        p += 2;
                        if ch >= start && ch <= end {
                            matched = true;
                        }
                    } else if (!nocase && pat[p] == c) || (nocase && lower(pat[p]) == lower(c)) {
                        matched = true;
                    }
                    p += 1;
                }
                if not {
                    matched = !matched;
                }
                if !matched {
                    return false;
                }
                si += 1;
            }
            other => {
                let mut pc = other;
                if other == b'\\' && pat.len() - p >= 2 {
                    p += 1;
                    pc = pat[p];
                }
                let eq = if nocase {
                    lower(pc) == lower(s[si])
                } else {
                    pc == s[si]
                };
                if !eq {
                    return false;
                }
                si += 1;
            }
        }
        p += 1;
        if si == s.len() {
            while p < pat.len() && pat[p] == b'*' {
                p += 1;
            }
            break;
        }
    }
    p == pat.len() && si == s.len()
}

/* ============================ Integer parsing ============================ */

/// Length bound of string2ll: a string this long or longer is never a
/// valid number (Redis's LONG_STR_SIZE).
const LONG_STR_SIZE: usize = 21;

/// C's atoi/atoll: optional blanks and sign, then digits; anything after is
/// ignored, 0 when there are none. Saturates where C would overflow.
pub fn atoi(s: &[u8]) -> i64 {
    let mut i = 0;
    while i < s.len() && (s[i] == b' ' || (b'\t'..=b'\r').contains(&s[i])) {
        i += 1;
    }
    let neg = i < s.len() && s[i] == b'-';
    if i < s.len() && (s[i] == b'-' || s[i] == b'+') {
        i += 1;
    }
    let mut v: i64 = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        v = v.saturating_mul(10).saturating_add(i64::from(s[i] - b'0'));
        i += 1;
    }
    if neg {
        -v
    } else {
        v
    }
}

/// Strict string → i64: optional `-`, no `+`, no spaces, no leading zeroes
/// (except "0" itself), no overflow. "-0" is rejected, as in Redis, because
/// it would not print back the same.
pub fn string2ll(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() >= LONG_STR_SIZE {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let first = *digits.first()?;
    if !(b'1'..=b'9').contains(&first) {
        return None;
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    if negative {
        if v > (i64::MAX as u64) + 1 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

/// string2l: string2ll bounded to C `long`, which is 64-bit on the targets we run.
pub fn string2l(s: &[u8]) -> Option<i64> {
    string2ll(s)
}

/// string2ull: string2ll first (negatives rejected), then `strtoull` rules for
/// the values above i64::MAX: base 10, leading whitespace and a sign allowed
/// by strtoull, whole string consumed, no overflow. Like strtoull, a leading
/// `-` negates (so "-1" parses as u64::MAX); Redis keeps that quirk.
pub fn string2ull(s: &[u8]) -> Option<u64> {
    if let Some(v) = string2ll(s) {
        return u64::try_from(v).ok();
    }
    // strtoull fallback. Redis passes a C string, so stop at an embedded NUL.
    let s = match memchr::memchr(0, s) {
        Some(n) => &s[..n],
        None => s,
    };
    if s.is_empty() {
        return None;
    }
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let start = i;
    let mut v: u64 = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        v = v.checked_mul(10)?.checked_add(u64::from(s[i] - b'0'))?;
        i += 1;
    }
    if i == start || i != s.len() {
        return None;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// C's isspace() in the "C" locale.
#[inline]
pub fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/* ============================= Float parsing ============================= */

/// What `strtod` would do with the whole of `s`: `None` if it would not
/// consume every byte. Returns the value and whether strtod reports ERANGE
/// (overflow to ±inf, or underflow to zero from a nonzero literal).
pub fn c_strtod_full(s: &[u8]) -> Option<(f64, bool)> {
    let mut i = 0;
    let neg = match s.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    let body = &s[i..];
    let sign = if neg { -1.0 } else { 1.0 };
    let lower_body = body.to_ascii_lowercase();
    if lower_body == b"inf" || lower_body == b"infinity" {
        return Some((sign * f64::INFINITY, false));
    }
    if lower_body.starts_with(b"nan") {
        let rest = &lower_body[3..];
        let ok = rest.is_empty()
            || (rest.len() >= 2
                && rest[0] == b'('
                && rest[rest.len() - 1] == b')'
                && rest[1..rest.len() - 1]
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || *c == b'_'));
        return if ok { Some((f64::NAN, false)) } else { None };
    }
    if lower_body.len() > 2 && lower_body.starts_with(b"0x") {
        let v = parse_hex_float(&lower_body[2..])?;
        let erange = v.is_infinite() || (v == 0.0 && hex_mantissa_nonzero(&lower_body[2..]));
        return Some((sign * v, erange));
    }
    // Decimal: digits [. digits] [e [sign] digits], at least one mantissa digit.
    let b = body;
    let mut j = 0;
    let mut mant_digits = 0;
    let mut nonzero = false;
    while j < b.len() && b[j].is_ascii_digit() {
        nonzero |= b[j] != b'0';
        j += 1;
        mant_digits += 1;
    }
    if j < b.len() && b[j] == b'.' {
        j += 1;
        while j < b.len() && b[j].is_ascii_digit() {
            nonzero |= b[j] != b'0';
            j += 1;
            mant_digits += 1;
        }
    }
    if mant_digits == 0 {
        return None;
    }
    if j < b.len() && (b[j] == b'e' || b[j] == b'E') {
        let mut k = j + 1;
        if k < b.len() && (b[k] == b'+' || b[k] == b'-') {
            k += 1;
        }
        let ds = k;
        while k < b.len() && b[k].is_ascii_digit() {
            k += 1;
        }
        if k > ds {
            j = k;
        }
    }
    if j != b.len() {
        return None;
    }
    let text = std::str::from_utf8(b).ok()?;
    let v: f64 = text.parse().ok()?;
    let erange = v.is_infinite() || (v == 0.0 && nonzero);
    Some((sign * v, erange))
}

fn hex_mantissa_nonzero(h: &[u8]) -> bool {
    h.iter()
        .take_while(|c| *c != &b'p')
        .any(|c| c.is_ascii_hexdigit() && *c != b'0')
}

/// Hex float body after "0x": hexdigits [. hexdigits] [p [sign] digits].
/// Correctly rounded (half to even), with subnormals and overflow to inf.
fn parse_hex_float(h: &[u8]) -> Option<f64> {
    let mut mant: u64 = 0; // top hex digits, up to 16 of them
    let mut sticky = false; // any nonzero digit dropped
    let mut exp: i64 = 0; // binary exponent adjustment
    let mut ndigits = 0;
    let mut i = 0;
    let mut seen_dot = false;
    while i < h.len() {
        let c = h[i];
        if c == b'.' && !seen_dot {
            seen_dot = true;
        } else if c.is_ascii_hexdigit() {
            let d = (c as char).to_digit(16).unwrap_or(0) as u64;
            ndigits += 1;
            if mant >> 60 == 0 {
                mant = (mant << 4) | d;
                if seen_dot {
                    exp -= 4;
                }
            } else {
                sticky |= d != 0;
                if !seen_dot {
                    exp += 4;
                }
            }
        } else {
            break;
        }
        i += 1;
    }
    if ndigits == 0 {
        return None;
    }
    if i < h.len() && h[i] == b'p' {
        let mut k = i + 1;
        let mut eneg = false;
        if k < h.len() && (h[k] == b'+' || h[k] == b'-') {
            eneg = h[k] == b'-';
            k += 1;
        }
        let ds = k;
        let mut e: i64 = 0;
        while k < h.len() && h[k].is_ascii_digit() {
            e = (e * 10 + i64::from(h[k] - b'0')).min(1 << 40);
            k += 1;
        }
        if k > ds {
            exp += if eneg { -e } else { e };
            i = k;
        }
    }
    if i != h.len() {
        return None;
    }
    if mant == 0 {
        return Some(0.0);
    }
    // value = mant * 2^exp (+ sticky). Normalise so bit 63 is set.
    let lz = mant.leading_zeros() as i64;
    let m = mant << lz;
    let e2 = exp - lz + 63; // value = 1.xxx * 2^e2
    if e2 > 1023 {
        return Some(f64::INFINITY);
    }
    // Number of mantissa bits we keep: 53 for normals, fewer for subnormals.
    let keep: i64 = if e2 >= -1022 { 53 } else { 53 - (-1022 - e2) };
    if keep <= 0 {
        // Below half the smallest subnormal (or exactly half: rounds to 0 by
        // half-even unless sticky bits push it up).
        let half = keep == 0 && (m << 1 != 0 || sticky);
        return Some(if half { f64::from_bits(1) } else { 0.0 });
    }
    let drop = 64 - keep;
    let mut kept = m >> drop;
    let rem = m & ((1u64 << drop) - 1);
    let halfway = 1u64 << (drop - 1);
    if rem > halfway || (rem == halfway && (sticky || kept & 1 == 1)) {
        kept += 1;
    }
    // kept is an integer with `keep` (maybe keep+1 after carry) bits;
    // value = kept * 2^(e2 - keep + 1). Build it exactly with powi steps.
    let scale = e2 - keep + 1;
    let v = (kept as f64) * pow2(scale);
    Some(v)
}

/// 2^e as f64 for e in a range where the product with a <=54-bit integer is
/// exact (done in two steps so subnormal results are not double-rounded).
fn pow2(e: i64) -> f64 {
    let e = e.clamp(-2000, 2000);
    if e < -1000 {
        f64::powi(2.0, -1000) * f64::powi(2.0, (e + 1000) as i32)
    } else {
        f64::powi(2.0, e as i32)
    }
}

/// Strict string → double, like Redis's string2d over `strtod`: no leading
/// space, no trailing garbage, not empty, not NaN, and not a literal that
/// overflows to ±inf or underflows to zero. `inf`, `-infinity`, hex floats
/// (`0x1p3`) and exponents are accepted as strtod accepts them.
pub fn string2d(s: &[u8]) -> Option<f64> {
    small_int_to_f64(s).or_else(|| string2d_strtod(s))
}

/// A plain decimal integer of at most 15 digits, with an optional leading
/// '-': the common float argument (ZADD scores; redis-benchmark sends
/// 12-digit integers), read without the general strtod path. Any such
/// integer is below 2^53, so `as f64` is exact and equals what strtod
/// returns ("-0" gives -0.0 both ways). Anything else is None and goes to
/// the strtod path.
#[inline]
fn small_int_to_f64(arg: &[u8]) -> Option<f64> {
    let (neg, digits) = match arg.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, arg),
    };
    if digits.is_empty() || digits.len() > 15 {
        return None;
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(d - b'0');
    }
    let v = v as f64;
    Some(if neg { -v } else { v })
}

/// string2d's general path: the C `strtod` grammar.
fn string2d_strtod(s: &[u8]) -> Option<f64> {
    if s.is_empty() || is_c_space(s[0]) {
        return None;
    }
    let (v, erange) = c_strtod_full(s)?;
    if v.is_nan() || erange {
        return None;
    }
    // Redis's strict check rejects a lone zero-result underflow only; a
    // subnormal result from an underflowing literal is still accepted.
    Some(v)
}

/// Redis's string2ld, on f64 (see the header): same rules as string2d plus
/// Redis's 5 KiB length bound; a finite literal beyond f64's range becomes
/// ±inf (long double would still hold it) and one below becomes 0.
pub fn string2ld(s: &[u8]) -> Option<f64> {
    if s.is_empty() || s.len() >= 5 * 1024 || is_c_space(s[0]) {
        return None;
    }
    let (v, _erange) = c_strtod_full(s)?;
    if v.is_nan() {
        return None;
    }
    Some(v)
}

/* ============================ Number printing ============================ */

/// C's `printf("%.17g", v)`.
pub fn fmt_g17(v: f64) -> String {
    fmt_g(v, 17)
}

/// C's `printf("%.<prec>g", v)` for prec >= 1.
pub fn fmt_g(v: f64, prec: usize) -> String {
    if v.is_nan() {
        return if v.is_sign_negative() {
            "-nan".into()
        } else {
            "nan".into()
        };
    }
    if v.is_infinite() {
        return if v < 0.0 { "-inf".into() } else { "inf".into() };
    }
    let prec = prec.max(1);
    // Correctly rounded, in e-form: "d.ddddde<exp>".
    let e_form = format!("{:.*e}", prec - 1, v);
    let (mant, exp) = e_form.split_once('e').unwrap_or((&e_form, "0"));
    let x: i64 = exp.parse().unwrap_or(0);
    if x < -4 || x >= prec as i64 {
        let mant = trim_fraction_zeros(mant);
        let sign = if x < 0 { '-' } else { '+' };
        format!("{}e{}{:02}", mant, sign, x.abs())
    } else {
        let fixed = format!("{:.*}", (prec as i64 - 1 - x) as usize, v);
        trim_fraction_zeros(&fixed).to_string()
    }
}

/// Drop trailing zeros after a '.', and the '.' itself if nothing is left.
fn trim_fraction_zeros(s: &str) -> &str {
    if !s.contains('.') {
        return s;
    }
    let t = s.trim_end_matches('0');
    t.strip_suffix('.').unwrap_or(t)
}

/// Redis's double2ll: Some when `d` is an integer safely inside ±LLONG_MAX/2.
pub fn double2ll(d: f64) -> Option<i64> {
    let lim = (i64::MAX / 2) as f64;
    if !(-lim..=lim).contains(&d) {
        return None;
    }
    let ll = d as i64;
    if ll as f64 == d {
        Some(ll)
    } else {
        None
    }
}

/// Redis 7.0's d2string: "nan", "inf", "-inf", "0", "-0", integers printed as
/// integers, everything else as `%.17g`. Used for sorted-set scores.
pub fn d2string(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v < 0.0 {
            "-inf".into()
        } else {
            "inf".into()
        }
    } else if v == 0.0 {
        if v.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        }
    } else if let Some(ll) = double2ll(v) {
        ll2string(ll)
    } else {
        fmt_g17(v)
    }
}

/// Redis's ld2string over f64 (see the header). `human` is LD_STR_HUMAN:
/// fixed notation, at most 17 fractional digits, trailing zeros trimmed,
/// "-0" printed as "0". Otherwise LD_STR_AUTO, which is `%.17g`.
pub fn ld2string(v: f64, human: bool) -> String {
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if !human {
        return fmt_g17(v);
    }
    if v.is_nan() {
        return "nan".into();
    }
    // Shortest round-trip digits, in fixed notation (Rust's Display never
    // uses an exponent for f64).
    let mut s = format!("{}", v);
    if let Some(dot) = s.find('.') {
        if s.len() - dot - 1 > 17 {
            s = format!("{:.17}", v);
        }
    }
    let mut s = trim_fraction_zeros(&s).to_string();
    if s == "-0" {
        s = "0".into();
    }
    s
}

/// i64 → decimal string.
pub fn ll2string(v: i64) -> String {
    let mut buf = Vec::with_capacity(20);
    write_i64(&mut buf, v);
    // Only ASCII digits and '-' were written.
    String::from_utf8(buf).unwrap_or_default()
}

/// Append the decimal form of `v` to `buf` without allocating beyond the
/// buffer's own growth.
pub fn write_i64(buf: &mut Vec<u8>, v: i64) {
    let mut tmp = [0u8; 20];
    let n = write_i64_slice(&mut tmp, v);
    buf.extend_from_slice(&tmp[..n]);
}

/// Append the decimal form of `v` to `buf`.
pub fn write_u64(buf: &mut Vec<u8>, v: u64) {
    let mut tmp = [0u8; 20];
    let n = write_u64_slice(&mut tmp, v);
    buf.extend_from_slice(&tmp[..n]);
}

/// Writes the decimal form of `v` at the start of `out` (20 bytes always
/// suffice) and returns its length: the hot path of every integer written
/// out as text.
#[inline]
pub fn write_i64_slice(out: &mut [u8], v: i64) -> usize {
    if v < 0 {
        out[0] = b'-';
        1 + write_u64_slice(&mut out[1..], v.unsigned_abs())
    } else {
        write_u64_slice(out, v as u64)
    }
}

/// [`write_i64_slice`] for a u64: the digit count first (ilog10), then two
/// digits per step from the end, as Redis's ull2string does.
#[inline]
pub fn write_u64_slice(out: &mut [u8], mut v: u64) -> usize {
    const DIGITS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";
    let len = v.checked_ilog10().map_or(1, |d| d as usize + 1);
    let out = &mut out[..len];
    let mut pos = len;
    while v >= 100 {
        let i = ((v % 100) * 2) as usize;
        v /= 100;
        pos -= 2;
        out[pos..pos + 2].copy_from_slice(&DIGITS[i..i + 2]);
    }
    if v < 10 {
        out[pos - 1] = b'0' + v as u8;
    } else {
        let i = (v * 2) as usize;
        out[pos - 2..pos].copy_from_slice(&DIGITS[i..i + 2]);
    }
    len
}

/* ============================== Memory units ============================= */

/// Redis's memtoull: "<digits>[b|k|kb|m|mb|g|gb]" (unit case-insensitive;
/// k/m/g are powers of 1000, kb/mb/gb of 1024). A leading '-' is an error.
/// Like Redis (which uses strtoull without checking ERANGE), an overflowing
/// digit string saturates to u64::MAX and the unit multiply wraps; an empty
/// digit string is 0.
pub fn memtoull(s: &[u8]) -> Option<u64> {
    if s.first() == Some(&b'-') {
        return None;
    }
    let nd = s.iter().take_while(|c| c.is_ascii_digit()).count();
    let unit = s[nd..].to_ascii_lowercase();
    let mul: u64 = match unit.as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if nd >= 128 {
        return None;
    }
    let mut val: u64 = 0;
    for &d in &s[..nd] {
        val = val
            .checked_mul(10)
            .and_then(|x| x.checked_add(u64::from(d - b'0')))
            .unwrap_or(u64::MAX);
        if val == u64::MAX {
            break;
        }
    }
    Some(val.wrapping_mul(mul))
}

/* ======================= sds.c: split args and repr ====================== */

/// sdssplitargs: split a line into arguments the way redis-cli, inline
/// requests and the config file do. Double quotes take `\n \r \t \b \a \\ \"`
/// and `\xHH` escapes (any other escaped char stands for itself); single
/// quotes take only `\'`. A closing quote must be followed by whitespace or
/// the end of the line. Unbalanced quotes → None. An empty or all-space line
/// gives an empty vector. As in C, a NUL byte ends the line.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let line = match memchr::memchr(0, line) {
        Some(n) => &line[..n],
        None => line,
    };
    let mut out = Vec::new();
    let mut p = 0;
    loop {
        while p < line.len() && is_c_space(line[p]) {
            p += 1;
        }
        if p >= line.len() {
            return Some(out);
        }
        let mut cur = Vec::new();
        let (mut inq, mut insq) = (false, false);
        loop {
            let c = at(line, p);
            if inq {
                if c == b'\\'
                    && at(line, p + 1) == b'x'
                    && at(line, p + 2).is_ascii_hexdigit()
                    && at(line, p + 3).is_ascii_hexdigit()
                {
                    let hi = (at(line, p + 2) as char).to_digit(16).unwrap_or(0) as u8;
                    let lo = (at(line, p + 3) as char).to_digit(16).unwrap_or(0) as u8;
                    cur.push(hi * 16 + lo);
                    p += 3;
                } else if c == b'\\' && p + 1 < line.len() {
                    p += 1;
                    cur.push(match line[p] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    if p + 1 < line.len() && !is_c_space(line[p + 1]) {
                        return None;
                    }
                    p += 1;
                    break;
                } else if p >= line.len() {
                    return None;
                } else {
                    cur.push(c);
                }
            } else if insq {
                if c == b'\\' && at(line, p + 1) == b'\'' {
                    p += 1;
                    cur.push(b'\'');
                } else if c == b'\'' {
                    if p + 1 < line.len() && !is_c_space(line[p + 1]) {
                        return None;
                    }
                    p += 1;
                    break;
                } else if p >= line.len() {
                    return None;
                } else {
                    cur.push(c);
                }
            } else if p >= line.len() {
                break;
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' => {
                        p += 1;
                        break;
                    }
                    b'"' => inq = true,
                    b'\'' => insq = true,
                    _ => cur.push(c),
                }
            }
            p += 1;
        }
        out.push(cur);
    }
}

/// sdscatrepr: a quoted, escaped, printable form of `s`.
pub fn repr(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for &c in s {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x20..=0x7e => out.push(c as char),
            _ => out.push_str(&format!("\\x{:02x}", c)),
        }
    }
    out.push('"');
    out
}

/* ================================= Time ================================== */

/// Wall-clock microseconds since the Unix epoch.
#[inline]
pub fn ustime() -> i64 {
    oxidis_sys::realtime_us()
}

/// Wall-clock milliseconds since the Unix epoch.
pub fn mstime() -> i64 {
    ustime() / 1000
}

/// Wall-clock seconds since the Unix epoch (Redis: time(NULL)).
pub fn unixtime() -> i64 {
    mstime() / 1000
}

/// Monotonic microseconds since an arbitrary origin fixed at first use
/// (Redis's getMonotonicUs).
pub fn monotonic_us() -> u64 {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    let origin = *ORIGIN.get_or_init(Instant::now);
    // Start at 1 so that 0 can mean "never".
    origin.elapsed().as_micros() as u64 + 1
}

/* ================================ Random ================================= */

/// Fill `buf` with random bytes from /dev/urandom (falling back to a
/// time-and-pid mix if it cannot be read, as Redis does).
pub fn get_random_bytes(buf: &mut [u8]) {
    let ok = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(buf))
        .is_ok();
    if !ok {
        let mut rng =
            crate::rand::Rng::new((ustime() as u64) ^ (u64::from(std::process::id()) << 32));
        for b in buf.iter_mut() {
            *b = (rng.next_u64() >> 56) as u8;
        }
    }
}

/// `n` random lowercase hex characters (run ids, replication ids).
pub fn get_random_hex_chars(n: usize) -> String {
    const CHARSET: &[u8; 16] = b"0123456789abcdef";
    let mut bytes = vec![0u8; n];
    get_random_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| CHARSET[(b & 0x0f) as usize] as char)
        .collect()
}

/// Redis's rank-range rule (LRANGE, ZRANGE, ZREMRANGEBYRANK): negative
/// indexes count from the end, start is clamped to 0 and end to the last
/// element. Returns the inclusive (start, end), or None for an empty range.
pub fn clamp_rank_range(mut start: i64, mut end: i64, len: usize) -> Option<(usize, usize)> {
    let llen = len as i64;
    if start < 0 {
        start += llen;
    }
    if end < 0 {
        end += llen;
    }
    if start < 0 {
        start = 0;
    }
    if start > end || start >= llen {
        return None;
    }
    if end >= llen {
        end = llen - 1;
    }
    Some((start as usize, end as usize))
}

#[cfg(test)]
mod tests;

/// `s` without the bytes of `set` at either end (Redis: sdstrim).
pub fn trim_bytes<'a>(s: &'a [u8], set: &[u8]) -> &'a [u8] {
    let start = s.iter().position(|b| !set.contains(b)).unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|b| !set.contains(b))
        .map_or(start, |e| e + 1);
    &s[start..end]
}
