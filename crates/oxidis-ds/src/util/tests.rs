//! Unit and property tests for util/mod.rs (Redis util.c / sds.c helpers).
use proptest::prelude::*;

use super::*;

fn m(p: &str, s: &str) -> bool {
    string_match_len(p.as_bytes(), s.as_bytes(), false)
}

#[test]
fn atoi_is_c_like() {
    assert_eq!(atoi(b"12abc"), 12);
    assert_eq!(atoi(b"  -3"), -3);
    assert_eq!(atoi(b"\x0b+7"), 7);
    assert_eq!(atoi(b"x"), 0);
    assert_eq!(atoi(b""), 0);
}

#[test]
fn glob_basics() {
    // Redis quirk: an empty string matches only the empty pattern.
    assert!(!m("*", ""));
    assert!(m("", ""));
    assert!(m("*", "abc"));
    assert!(m("a*c", "abbbc"));
    assert!(!m("a*c", "abbbd"));
    assert!(m("h?llo", "hello"));
    assert!(!m("h?llo", "hllo"));
    assert!(m("h[ae]llo", "hallo"));
    assert!(!m("h[ae]llo", "hillo"));
    assert!(m("h[^e]llo", "hallo"));
    assert!(!m("h[^e]llo", "hello"));
    assert!(m("h[a-b]llo", "hbllo"));
    assert!(m("h[b-a]llo", "hallo")); // reversed range
    assert!(m("h\\*llo", "h*llo"));
    assert!(!m("h\\*llo", "hello"));
    assert!(m("[\\]]", "]"));
    assert!(m("a**", "a"));
    assert!(m("a*", "a"));
    assert!(!m("a?", "a"));
    assert!(m("", ""));
    assert!(!m("", "a"));
    // Unterminated class: the class runs to the end of the pattern.
    assert!(m("[ab", "a"));
    assert!(!m("[ab", "c"));
    // Trailing backslash matches a literal backslash.
    assert!(m("a\\", "a\\"));
    assert!(string_match_len(b"HELLO", b"hello", true));
    assert!(string_match_len(b"[A-C]x", b"bX", true));
    assert!(!string_match_len(b"HELLO", b"hello", false));
}

#[test]
fn glob_no_exponential_backtracking() {
    let pat = "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b";
    let s = "a".repeat(200);
    let t = Instant::now();
    assert!(!m(pat, &s));
    assert!(t.elapsed().as_secs() < 2);
}

/// Plain recursive matcher for the subset without classes and escapes.
fn reference(p: &[u8], s: &[u8]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(b'*') => (0..=s.len()).any(|i| reference(&p[1..], &s[i..])),
        Some(b'?') => !s.is_empty() && reference(&p[1..], &s[1..]),
        Some(c) => s.first() == Some(c) && reference(&p[1..], &s[1..]),
    }
}

proptest! {
    #[test]
    fn glob_agrees_with_reference(p in "[ab*?]{0,8}", s in "[ab]{0,8}") {
        let want = if s.is_empty() { p.is_empty() } else { reference(p.as_bytes(), s.as_bytes()) };
    prop_assert_eq!(string_match_len(p.as_bytes(), s.as_bytes(), false), want);
    }

    #[test]
    fn string2ll_canonical(v in any::<i64>()) {
        prop_assert_eq!(string2ll(v.to_string().as_bytes()), Some(v));
    }

    #[test]
    fn string2ll_matches_parse_when_canonical(s in "[-+ 0-9]{1,22}") {
        let parsed = s.parse::<i64>().ok();
        let canonical = parsed.map(|v| v.to_string() == s).unwrap_or(false);
        let got = string2ll(s.as_bytes());
        if canonical {
            prop_assert_eq!(got, parsed);
        } else {
            prop_assert_eq!(got, None);
        }
    }

    #[test]
    fn g17_round_trips(bits in any::<u64>()) {
        let x = f64::from_bits(bits);
        if x.is_finite() {
            let s = fmt_g17(x);
            prop_assert_eq!(s.parse::<f64>().unwrap().to_bits(), x.to_bits(), "{}", s);
            prop_assert_eq!(string2d(s.as_bytes()).map(f64::to_bits), Some(x.to_bits()));
        }
    }

    #[test]
    fn write_i64_agrees(v in any::<i64>()) {
        prop_assert_eq!(ll2string(v), v.to_string());
    }

    #[test]
    fn write_u64_agrees(v in prop_oneof![any::<u64>(), 0u64..1000], shift in 0u32..64) {
        for v in [v, v >> shift, u64::MAX, 0, 9, 10, 99, 100] {
            let mut buf = vec![b'x'];
            write_u64(&mut buf, v);
            let want = v.to_string();
            prop_assert_eq!(&buf[1..], want.as_bytes());
        }
    }

    #[test]
    fn split_repr_round_trip(v in proptest::collection::vec(any::<u8>(), 0..20)) {
        let line = repr(&v);
        prop_assert_eq!(split_args(line.as_bytes()), Some(vec![v]));
    }
}

#[test]
fn string2ll_edges() {
    assert_eq!(string2ll(b"0"), Some(0));
    assert_eq!(string2ll(b"-0"), None);
    assert_eq!(string2ll(b"+1"), None);
    assert_eq!(string2ll(b"01"), None);
    assert_eq!(string2ll(b" 1"), None);
    assert_eq!(string2ll(b"1 "), None);
    assert_eq!(string2ll(b"-"), None);
    assert_eq!(string2ll(b""), None);
    assert_eq!(string2ll(b"9223372036854775807"), Some(i64::MAX));
    assert_eq!(string2ll(b"9223372036854775808"), None);
    assert_eq!(string2ll(b"-9223372036854775808"), Some(i64::MIN));
    assert_eq!(string2ll(b"-9223372036854775809"), None);
    assert_eq!(string2ll(b"99999999999999999999"), None);
    assert_eq!(string2ll(b"123456789012345678901"), None);
    assert_eq!(string2ull(b"18446744073709551615"), Some(u64::MAX));
    assert_eq!(string2ull(b"18446744073709551616"), None);
    assert_eq!(string2ull(b"-5"), None);
    assert_eq!(string2ull(b"12"), Some(12));
    assert_eq!(string2ull(b"x"), None);
}

#[test]
fn string2d_edges() {
    assert_eq!(string2d(b"1.5"), Some(1.5));
    assert_eq!(string2d(b"-1e3"), Some(-1000.0));
    assert_eq!(string2d(b"+2"), Some(2.0));
    assert_eq!(string2d(b".5"), Some(0.5));
    assert_eq!(string2d(b"5."), Some(5.0));
    assert_eq!(string2d(b"1e"), None);
    assert_eq!(string2d(b" 1"), None);
    assert_eq!(string2d(b"1 "), None);
    assert_eq!(string2d(b""), None);
    assert_eq!(string2d(b"."), None);
    assert_eq!(string2d(b"nan"), None);
    assert_eq!(string2d(b"abc"), None);
    assert_eq!(string2d(b"inf"), Some(f64::INFINITY));
    assert_eq!(string2d(b"-inf"), Some(f64::NEG_INFINITY));
    assert_eq!(string2d(b"+Infinity"), Some(f64::INFINITY));
    assert_eq!(string2d(b"infinit"), None);
    assert_eq!(string2d(b"1e400"), None);
    assert_eq!(string2d(b"1e-400"), None);
    assert_eq!(string2d(b"0e-400"), Some(0.0));
    assert!(string2d(b"4e-320").unwrap() > 0.0);
    assert_eq!(string2d(b"0x1p3"), Some(8.0));
    assert_eq!(string2d(b"0X1.8P1"), Some(3.0));
    assert_eq!(string2d(b"-0x10"), Some(-16.0));
    assert_eq!(string2d(b"0x.8"), Some(0.5));
    assert_eq!(string2d(b"0x"), None);
    assert_eq!(string2d(b"0x1p"), None);
    assert_eq!(string2d(b"0x1p-1074"), Some(f64::from_bits(1)));
    assert_eq!(string2d(b"0x1p-1080"), None);
    assert_eq!(string2d(b"0x1p1024"), None);
    assert_eq!(string2d(b"0x1.fffffffffffff8p0"), Some(2.0)); // tie → even
    assert_eq!(string2d(b"0x1.fffffffffffff7p0"), Some(2.0 - f64::EPSILON));
    assert_eq!(string2ld(b"10.5"), Some(10.5));
    assert_eq!(string2ld(b" 1"), None);
    assert_eq!(string2ld(b"nan"), None);
}

#[test]
fn g17_and_d2string() {
    assert_eq!(fmt_g17(1.1), "1.1000000000000001");
    assert_eq!(fmt_g17(0.1), "0.10000000000000001");
    assert_eq!(fmt_g17(1e17), "1e+17");
    assert_eq!(fmt_g17(1e16), "10000000000000000");
    assert_eq!(fmt_g17(1.5e300), "1.5000000000000001e+300");
    assert_eq!(fmt_g17(0.0001), "0.0001");
    assert_eq!(fmt_g17(0.00001), "1.0000000000000001e-05");
    assert_eq!(fmt_g17(2f64.powi(-25)), "2.9802322387695312e-08");
    assert_eq!(fmt_g17(-0.0), "-0");
    assert_eq!(fmt_g17(3.0), "3");
    assert_eq!(d2string(1.1), "1.1000000000000001");
    assert_eq!(d2string(3.0), "3");
    assert_eq!(d2string(-0.0), "-0");
    assert_eq!(d2string(f64::NEG_INFINITY), "-inf");
    assert_eq!(d2string(1e18), "1000000000000000000");
    assert_eq!(d2string(1e19), "1e+19");
    assert_eq!(d2string(f64::NAN), "nan");
}

#[test]
fn ld2string_human() {
    assert_eq!(ld2string(10.5 + 0.1, true), "10.6");
    assert_eq!(ld2string(3.0, true), "3");
    assert_eq!(ld2string(-0.0, true), "0");
    assert_eq!(ld2string(1e-20, true), "0");
    assert_eq!(ld2string(5.0e-3, true), "0.005");
    assert_eq!(ld2string(1.0 / 3.0, true), "0.3333333333333333");
    assert_eq!(ld2string(f64::INFINITY, true), "inf");
    assert_eq!(ld2string(1e200, true).len(), 201);
    assert_eq!(ld2string(1.5, false), "1.5");
}

#[test]
fn memtoull_units() {
    assert_eq!(memtoull(b"100"), Some(100));
    assert_eq!(memtoull(b"1k"), Some(1000));
    assert_eq!(memtoull(b"1KB"), Some(1024));
    assert_eq!(memtoull(b"2mb"), Some(2 << 20));
    assert_eq!(memtoull(b"1g"), Some(1_000_000_000));
    assert_eq!(memtoull(b"1Gb"), Some(1 << 30));
    assert_eq!(memtoull(b"5b"), Some(5));
    assert_eq!(memtoull(b"kb"), Some(0));
    assert_eq!(memtoull(b"-1"), None);
    assert_eq!(memtoull(b"1x"), None);
    assert_eq!(memtoull(b"1.5mb"), None);
    assert_eq!(memtoull(b"99999999999999999999999"), Some(u64::MAX));
}

#[test]
fn split_args_cases() {
    let v = |x: &[&str]| x.iter().map(|s| s.as_bytes().to_vec()).collect::<Vec<_>>();
    assert_eq!(split_args(b"set a b"), Some(v(&["set", "a", "b"])));
    assert_eq!(split_args(b"  "), Some(vec![]));
    assert_eq!(split_args(b""), Some(vec![]));
    assert_eq!(split_args(b"save \"\""), Some(v(&["save", ""])));
    assert_eq!(split_args(b"a \"b\\n\\x41\\q\""), Some(v(&["a", "b\nAq"])));
    assert_eq!(split_args(b"a 'it\\'s'"), Some(v(&["a", "it's"])));
    assert_eq!(split_args(b"a 'x\\n'"), Some(v(&["a", "x\\n"])));
    assert_eq!(split_args(b"a \"b\"c"), None);
    assert_eq!(split_args(b"a \"b"), None);
    assert_eq!(split_args(b"a 'b"), None);
    assert_eq!(split_args(b"foo\"bar\" x"), Some(v(&["foobar", "x"])));
    assert_eq!(split_args(b"a\tb\r\n"), Some(v(&["a", "b"])));
}

#[test]
fn repr_escapes() {
    assert_eq!(
        repr(b"a\"b\\\n\r\t\x07\x08\x01\xff"),
        "\"a\\\"b\\\\\\n\\r\\t\\a\\b\\x01\\xff\""
    );
}

#[test]
fn clocks_and_random() {
    assert!(mstime() > 1_600_000_000_000);
    let a = monotonic_us();
    assert!(monotonic_us() >= a);
    let h = get_random_hex_chars(40);
    assert_eq!(h.len(), 40);
    assert!(h.bytes().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(h, get_random_hex_chars(40));
}

/// The integer fast path agrees with the general parser bit for bit,
/// and leaves everything else to it.
#[test]
fn small_int_path_matches_strtod() {
    let cases: &[&[u8]] = &[
        b"0",
        b"-0",
        b"1",
        b"-1",
        b"000000123456",
        b"999999999999999",
        b"-999999999999999",
        b"1000000000000000",
        b"9007199254740993",
        b"+5",
        b"-",
        b"",
        b"1.5",
        b"1e3",
        b" 1",
        b"1 ",
        b"0x10",
        b"inf",
        b"-inf",
        b"nan",
        b"12a",
        b"--1",
    ];
    for c in cases {
        let fast = small_int_to_f64(c);
        let slow = string2d_strtod(c);
        if let Some(v) = fast {
            assert_eq!(Some(v.to_bits()), slow.map(f64::to_bits), "{:?}", c);
        }
        assert_eq!(
            fast.or_else(|| string2d_strtod(c)).map(f64::to_bits),
            slow.map(f64::to_bits)
        );
    }
    assert!(small_int_to_f64(b"1000000000000000").is_none());
    assert_eq!(
        small_int_to_f64(b"-0").map(f64::to_bits),
        Some((-0.0f64).to_bits())
    );
}

proptest! {
    #[test]
    fn small_int_path_agrees_on_any_short_integer(
        v in -999_999_999_999_999i64..=999_999_999_999_999,
        zeros in 0usize..3,
    ) {
        let s = format!("{}{}", "0".repeat(zeros), v.unsigned_abs());
        let s = if v < 0 { format!("-{s}") } else { s };
        let s = s.as_bytes();
        if s.len() <= 16 {
            let fast = small_int_to_f64(s);
            prop_assert!(fast.is_some() || s.len() - usize::from(v < 0) > 15);
            prop_assert_eq!(fast.map(f64::to_bits), string2d_strtod(s).filter(|_| fast.is_some()).map(f64::to_bits));
        }
    }
}
