//! SORT and SORT_RO. Redis counterpart: sort.c (7.0). Their COMMAND GETKEYS
//! helpers (db.c sortGetKeys, sortROGetKeys) are in server/getkeys.rs.
//!
//! # How SORT runs
//!
//! 1. The options are parsed first, so a syntax error wins over WRONGTYPE.
//! 2. The key (a list, set or sorted set; a missing key is an empty list)
//!    is copied into a vector of `SortObject`s. A listpack sorted set is
//!    converted to a skiplist on the way, destructively, as Redis does.
//!    When nothing is to be sorted (`BY` a pattern without `*`) and the
//!    value keeps its own order (list, sorted set), only the LIMIT window
//!    is loaded, walking from the right end for DESC.
//! 3. Each element gets its weight: the element itself or the value that
//!    `BY` names (a string key, or a hash field with `->`), parsed as a
//!    double like `strtod`, or kept as bytes for ALPHA.
//! 4. The vector is sorted. A full sort is stable (glibc's `qsort` is a
//!    merge sort, so equal weights keep their input order and replies match
//!    Redis's); BY with a LIMIT uses the partial quicksort of `pqsort.rs`.
//! 5. The window is replied, with each `GET` pattern looked up per element,
//!    or pushed to a new list stored at the `STORE` key (an empty result
//!    deletes the key instead).
//!
//! Divergences: ALPHA uses `strcoll` in Redis, which compares by the
//! locale's collation; oxidis compares bytes up to the first NUL, which is
//! what `strcoll` does in the C locale (the one the TCL suite runs in).
//! There is no cluster mode or ACL key permissions, so BY/GET are never
//! refused.

use std::cmp::Ordering;
use std::sync::Arc;

use oxidis_ds::listpack::LpEntry;
use oxidis_ds::quicklist::{End, Quicklist};
use oxidis_ds::util;
use oxidis_ds::zset::ZSet;

use crate::networking::Client;
use crate::notify::{NOTIFY_GENERIC, NOTIFY_LIST};
use crate::object::Value;
use crate::server::command::CommandProc;
use crate::server::shared;
use crate::server::Server;

/// One element to sort and its weight. Redis: redisSortObject (whose union
/// holds either the score or the compare object; here both fields exist).
#[derive(Clone, Debug, PartialEq)]
struct SortObject {
    obj: Vec<u8>,
    score: f64,
    /// The BY value for ALPHA sorting; None when the BY key is missing.
    cmpobj: Option<Vec<u8>>,
}

impl SortObject {
    fn new(obj: Vec<u8>) -> SortObject {
        SortObject {
            obj,
            score: 0.0,
            cmpobj: None,
        }
    }
}

/// The options of one SORT call, as parsed. Redis: the locals of
/// sortCommandGeneric.
#[derive(Debug, Default, PartialEq)]
struct SortOptions<'a> {
    desc: bool,
    alpha: bool,
    limit_start: i64,
    limit_count: i64,
    sortby: Option<&'a [u8]>,
    /// BY a pattern without `*`: nothing to sort by.
    dontsort: bool,
    storekey: Option<&'a [u8]>,
    getops: Vec<&'a [u8]>,
}

/// Why parsing stopped.
#[derive(Debug, PartialEq)]
enum ParseError {
    Syntax,
    NotAnInteger,
    /// BY with a real pattern, or GET, for a user who cannot read every key.
    AclDenied(&'static str),
}

/// The bytes a C string function sees: everything before the first NUL.
fn c_str(b: &[u8]) -> &[u8] {
    match memchr::memchr(0, b) {
        Some(i) => &b[..i],
        None => b,
    }
}

/// Redis: strchr(pattern, '*') != NULL.
fn has_star(pattern: &[u8]) -> bool {
    memchr::memchr(b'*', c_str(pattern)).is_some()
}

/// Redis: the option loop of sortCommandGeneric. `args` are the arguments
/// after the key.
/// `all_keys_readable`: the user may read any key, which BY and GET need
/// since they read keys the ACL cannot see in advance.
fn parse_options(
    args: &[Vec<u8>],
    readonly: bool,
    all_keys_readable: bool,
) -> Result<SortOptions<'_>, ParseError> {
    let mut o = SortOptions {
        limit_count: -1,
        ..SortOptions::default()
    };
    let mut j = 0;
    while j < args.len() {
        let a = &args[j][..];
        let leftargs = args.len() - j - 1;
        if a.eq_ignore_ascii_case(b"asc") {
            o.desc = false;
        } else if a.eq_ignore_ascii_case(b"desc") {
            o.desc = true;
        } else if a.eq_ignore_ascii_case(b"alpha") {
            o.alpha = true;
        } else if a.eq_ignore_ascii_case(b"limit") && leftargs >= 2 {
            let (Some(start), Some(count)) =
                (util::string2ll(&args[j + 1]), util::string2ll(&args[j + 2]))
            else {
                return Err(ParseError::NotAnInteger);
            };
            o.limit_start = start;
            o.limit_count = count;
            j += 2;
        } else if !readonly && a.eq_ignore_ascii_case(b"store") && leftargs >= 1 {
            o.storekey = Some(&args[j + 1]);
            j += 1;
        } else if a.eq_ignore_ascii_case(b"by") && leftargs >= 1 {
            o.sortby = Some(&args[j + 1]);
            o.dontsort = !has_star(&args[j + 1]);
            if !o.dontsort && !all_keys_readable {
                return Err(ParseError::AclDenied(
                    "BY option of SORT denied due to insufficient ACL permissions.",
                ));
            }
            j += 1;
        } else if a.eq_ignore_ascii_case(b"get") && leftargs >= 1 {
            if !all_keys_readable {
                return Err(ParseError::AclDenied(
                    "GET option of SORT denied due to insufficient ACL permissions.",
                ));
            }
            o.getops.push(&args[j + 1]);
            j += 1;
        } else {
            return Err(ParseError::Syntax);
        }
        j += 1;
    }
    Ok(o)
}

/// The pieces of a BY/GET pattern. Redis: the parsing half of
/// lookupKeyByPattern.
#[derive(Debug, PartialEq)]
enum Pattern<'a> {
    /// `#`: the element itself.
    Element,
    /// No `*`: names no key at all.
    Constant,
    /// Key `prefix` + element + `postfix`, and a hash field after `->`.
    Key {
        prefix: &'a [u8],
        postfix: &'a [u8],
        field: Option<&'a [u8]>,
    },
}

fn parse_pattern(p: &[u8]) -> Pattern<'_> {
    let cs = c_str(p);
    if cs == b"#" {
        return Pattern::Element;
    }
    let Some(star) = memchr::memchr(b'*', cs) else {
        return Pattern::Constant;
    };
    // The field is what follows the first "->" after the star, unless the
    // arrow ends the pattern (then it is part of the key name).
    let arrow = memchr::memmem::find(&cs[star + 1..], b"->")
        .map(|i| star + 1 + i)
        .filter(|&f| f + 2 < cs.len());
    match arrow {
        Some(f) => Pattern::Key {
            prefix: &p[..star],
            postfix: &p[star + 1..f],
            field: Some(&p[f + 2..]),
        },
        None => Pattern::Key {
            prefix: &p[..star],
            postfix: &p[star + 1..],
            field: None,
        },
    }
}

/// The value a BY/GET pattern names for element `subst`: a string key's
/// value, a hash field, or the element itself for `#`. None when the key is
/// missing or of another type, or the field is missing.
/// Redis: lookupKeyByPattern.
fn lookup_key_by_pattern<'a>(
    s: &'a mut Server,
    db: usize,
    pattern: &[u8],
    subst: &'a [u8],
) -> Option<LpEntry<'a>> {
    let (prefix, postfix, field) = match parse_pattern(pattern) {
        Pattern::Element => return Some(LpEntry::Str(subst)),
        Pattern::Constant => return None,
        Pattern::Key {
            prefix,
            postfix,
            field,
        } => (prefix, postfix, field),
    };
    let mut key = Vec::with_capacity(prefix.len() + subst.len() + postfix.len());
    key.extend_from_slice(prefix);
    key.extend_from_slice(subst);
    key.extend_from_slice(postfix);
    let o = s.lookup_key_read(db, &key)?;
    match (&o.v, field) {
        (Value::Hash(h), Some(f)) => h.get(f),
        (_, Some(_)) => None,
        (Value::Int(n), None) => Some(LpEntry::Int(*n)),
        (Value::EmbStr(b), None) => Some(LpEntry::Str(&b[..])),
        (Value::Raw(b), None) => Some(LpEntry::Str(&b[..])),
        _ => None,
    }
}

/// A weight as SORT reads it: `strtod` over the C string, where the whole
/// string must be consumed and neither NaN nor a range error (overflow, or
/// an inexact underflow such as a decimal subnormal) is allowed. Unlike the
/// strict parsers, leading white space is skipped and the empty string is
/// 0 (strtod converts nothing and stops on the terminating NUL).
fn sort_strtod(b: &[u8]) -> Option<f64> {
    let cs = c_str(b);
    let body = &cs[cs.iter().take_while(|&&c| util::is_c_space(c)).count()..];
    if body.is_empty() {
        return cs.is_empty().then_some(0.0);
    }
    let (v, erange) = util::c_strtod_full(body)?;
    let unsigned = body
        .strip_prefix(b"+")
        .or(body.strip_prefix(b"-"))
        .unwrap_or(body);
    let hex = unsigned.len() > 1 && unsigned[0] == b'0' && unsigned[1] | 0x20 == b'x';
    let subnormal = v != 0.0 && v.abs() < f64::MIN_POSITIVE;
    if v.is_nan() || erange || (subnormal && !hex) {
        return None;
    }
    Some(v)
}

/// C-locale strcoll: bytes compared up to the first NUL.
fn strcoll(a: &[u8], b: &[u8]) -> Ordering {
    c_str(a).cmp(c_str(b))
}

/// How two elements compare. Redis: sortCompare (its server.sort_* globals
/// are the fields here).
struct Comparator {
    desc: bool,
    alpha: bool,
    bypattern: bool,
    store: bool,
}

impl Comparator {
    fn compare(&self, a: &SortObject, b: &SortObject) -> Ordering {
        let cmp = if !self.alpha {
            // Equal scores fall back to the elements, so the result does not
            // depend on the input order.
            match a.score.partial_cmp(&b.score) {
                Some(Ordering::Equal) | None => a.obj.cmp(&b.obj),
                Some(o) => o,
            }
        } else if self.bypattern {
            match (&a.cmpobj, &b.cmpobj) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                // STORE compares binary-safe, a reply collates.
                (Some(x), Some(y)) if self.store => x.cmp(y),
                (Some(x), Some(y)) => strcoll(x, y),
            }
        } else if self.store {
            a.obj.cmp(&b.obj)
        } else {
            strcoll(&a.obj, &b.obj)
        };
        if self.desc {
            cmp.reverse()
        } else {
            cmp
        }
    }
}

/// The LIMIT window over `vectorlen` elements, clamped as Redis clamps it.
/// `end < start` means an empty window. Redis: the "LIMIT start,count
/// sanity checking" of sortCommandGeneric.
fn clamp_limit(limit_start: i64, limit_count: i64, vectorlen: i64) -> (i64, i64) {
    let mut start = limit_start.max(0).min(vectorlen);
    let count = limit_count.max(-1).min(vectorlen);
    let mut end = if count < 0 {
        vectorlen - 1
    } else {
        start + count - 1
    };
    if start >= vectorlen {
        start = vectorlen - 1;
        end = vectorlen - 2;
    }
    if end >= vectorlen {
        end = vectorlen - 1;
    }
    (start, end)
}

/// Loads the elements to sort. For a list or sorted set that is not to be
/// sorted, only the window `start..=end` is loaded (from the right end for
/// DESC) and the window is moved to start at 0. Redis: the "load the
/// sorting vector" part of sortCommandGeneric.
fn load_vector(
    o: Option<&Value>,
    dontsort: bool,
    desc: bool,
    start: &mut i64,
    end: &mut i64,
) -> Vec<SortObject> {
    let mut vector = Vec::new();
    match o {
        None => {}
        Some(Value::List(ql)) if dontsort && *end >= *start => {
            let len = ql.len() as i64;
            let from = if desc { len - *start - 1 } else { *start };
            let n = (*end - *start + 1) as usize;
            vector.reserve(n);
            ql.for_range(from as usize, n, desc, |e| {
                vector.push(SortObject::new(e.to_vec()));
                true
            });
            *end -= *start;
            *start = 0;
        }
        Some(Value::List(_)) if dontsort => {} // an empty window
        Some(Value::List(ql)) => {
            vector.reserve(ql.len());
            ql.for_range(0, ql.len(), false, |e| {
                vector.push(SortObject::new(e.to_vec()));
                true
            });
        }
        Some(Value::Set(set)) => {
            vector.reserve(set.len());
            for e in set.iter() {
                vector.push(SortObject::new(e.to_vec()));
            }
        }
        Some(Value::ZSet(z)) if dontsort => {
            let rangelen = (*end - *start + 1).max(0) as usize;
            if rangelen > 0 {
                vector.reserve(rangelen);
                let mut cur = z.cursor_at_rank(*start as usize, desc);
                for _ in 0..rangelen {
                    let Some((ele, _)) = z.get(cur) else {
                        break;
                    };
                    vector.push(SortObject::new(ele.into_owned()));
                    cur = z.step(cur, desc);
                }
            }
            *end -= *start;
            *start = 0;
        }
        Some(Value::ZSet(z)) => match &**z {
            // Dict order, as Redis walks the zset's dict.
            ZSet::Skiplist(zs) => {
                vector.reserve(zs.dict.len());
                for (ele, _) in zs.dict.iter() {
                    vector.push(SortObject::new(ele.to_vec()));
                }
            }
            ZSet::Listpack(_) => z.for_each(|e, _| vector.push(SortObject::new(e.to_vec()))),
        },
        Some(_) => unreachable!("type checked by the caller"),
    }
    vector
}

/// What a BY value gives an element. Redis: the score-loading loop.
enum Weight {
    Score(f64),
    Cmp(Option<Vec<u8>>),
    NotADouble,
}

fn weight(byval: LpEntry<'_>, alpha: bool, bypattern: bool) -> Weight {
    match (alpha, byval) {
        (true, v) => Weight::Cmp(bypattern.then(|| v.to_vec())),
        (false, LpEntry::Int(n)) => Weight::Score(n as f64),
        (false, LpEntry::Str(b)) => sort_strtod(b).map_or(Weight::NotADouble, Weight::Score),
    }
}

/// Redis: sortCommandGeneric.
fn sort_command_generic(s: &mut Server, c: &mut Client, argv: &[Vec<u8>], readonly: bool) {
    let readable = match c.cmd {
        Some(idx) => crate::acl::user_has_unrestricted_key_access(
            s,
            c.user,
            idx,
            argv,
            crate::acl::selector::PERM_READ,
        ),
        None => true,
    };
    let mut opts = match parse_options(&argv[2..], readonly, readable) {
        Ok(o) => o,
        Err(ParseError::Syntax) => return c.add_reply_syntax_err(),
        Err(ParseError::NotAnInteger) => return c.add_reply_error(shared::NOT_INTEGER),
        Err(ParseError::AclDenied(msg)) => return c.add_reply_error(msg),
    };
    let db = c.db;

    // The key must be a list, set or sorted set; listpack sorted sets are
    // converted for good, as Redis converts them.
    let sortval = match s.lookup_key(db, &argv[1], crate::db::LOOKUP_NONE) {
        None => None,
        Some(o) => {
            match &mut o.v {
                Value::List(_) | Value::Set(_) => {}
                Value::ZSet(z) => {
                    if matches!(**z, ZSet::Listpack(_)) {
                        Arc::make_mut(z).convert_to_skiplist();
                    }
                }
                _ => return c.add_reply_wrongtype(),
            }
            Some(&o.v)
        }
    };
    let vectorlen = match sortval {
        Some(Value::List(ql)) => ql.len(),
        Some(Value::Set(set)) => set.len(),
        Some(Value::ZSet(z)) => z.len(),
        _ => 0,
    };

    // An unsorted set would come out in hash order; when that order would
    // be stored, sort it alphabetically instead.
    if opts.dontsort
        && matches!(sortval, Some(Value::Set(_)))
        && (opts.storekey.is_some() || c.flags & crate::networking::client::CLIENT_SCRIPT != 0)
    {
        opts.dontsort = false;
        opts.alpha = true;
        opts.sortby = None;
    }

    let (mut start, mut end) = clamp_limit(opts.limit_start, opts.limit_count, vectorlen as i64);
    let mut vector = load_vector(sortval, opts.dontsort, opts.desc, &mut start, &mut end);

    // Weights, then the sort itself.
    let mut int_conversion_error = false;
    if !opts.dontsort {
        for so in vector.iter_mut() {
            let w = match opts.sortby {
                Some(p) => match lookup_key_by_pattern(s, db, p, &so.obj) {
                    Some(v) => weight(v, opts.alpha, true),
                    None => continue,
                },
                None => weight(LpEntry::Str(&so.obj), opts.alpha, false),
            };
            match w {
                Weight::Score(v) => so.score = v,
                Weight::Cmp(o) => so.cmpobj = o,
                Weight::NotADouble => int_conversion_error = true,
            }
        }
        if !int_conversion_error {
            let cmp = Comparator {
                desc: opts.desc,
                alpha: opts.alpha,
                bypattern: opts.sortby.is_some(),
                store: opts.storekey.is_some(),
            };
            let n = vector.len() as i64;
            if opts.sortby.is_some() && (start != 0 || end != n - 1) {
                if end >= start {
                    oxidis_ds::pqsort::pqsort(&mut vector, start as usize, end as usize, |a, b| {
                        cmp.compare(a, b)
                    });
                }
            } else {
                vector.sort_by(|a, b| cmp.compare(a, b));
            }
        }
    }
    if int_conversion_error {
        return c.add_reply_error("One or more scores can't be converted into double");
    }

    // The window always lies inside the vector (Redis asserts as much);
    // `get` keeps a broken invariant from taking the server down.
    debug_assert!(end < start || (start >= 0 && (end as usize) < vector.len()));
    let window: &[SortObject] = if end >= start {
        vector.get(start as usize..=end as usize).unwrap_or(&[])
    } else {
        &[]
    };
    let outputlen = window.len() * opts.getops.len().max(1);
    let Some(storekey) = opts.storekey else {
        c.add_reply_array_len(outputlen);
        for so in window {
            if opts.getops.is_empty() {
                c.add_reply_bulk(&so.obj);
            }
            for p in &opts.getops {
                match lookup_key_by_pattern(s, db, p, &so.obj) {
                    None => c.add_reply_null(),
                    Some(LpEntry::Int(n)) => c.add_reply_bulk_i64(n),
                    Some(LpEntry::Str(b)) => c.add_reply_bulk(b),
                }
            }
        }
        return;
    };

    // STORE: the result becomes a list (missing GET values are empty
    // strings), or the destination is deleted when there is no result.
    let mut ql = Quicklist::new(
        s.config.list_max_listpack_size,
        s.config.list_compress_depth,
    );
    for so in window {
        if opts.getops.is_empty() {
            ql.push(End::Tail, &so.obj);
        }
        for p in &opts.getops {
            match lookup_key_by_pattern(s, db, p, &so.obj) {
                None => ql.push(End::Tail, b""),
                Some(LpEntry::Str(b)) => ql.push(End::Tail, b),
                Some(LpEntry::Int(n)) => ql.push(End::Tail, util::ll2string(n).as_bytes()),
            }
        }
    }
    if outputlen > 0 {
        let o = s.new_obj(Value::List(Arc::new(ql)));
        s.set_key(db, storekey, o, false);
        s.notify_keyspace_event(NOTIFY_LIST, "sortstore", storekey, db);
        s.dirty += outputlen as i64;
    } else if s.db_delete(db, storekey) {
        s.signal_modified_key(db, storekey);
        s.notify_keyspace_event(NOTIFY_GENERIC, "del", storekey, db);
        s.dirty += 1;
    }
    c.add_reply_long(outputlen as i64);
}

/// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
/// [ALPHA] [STORE destination]. Redis: sortCommand.
fn sort_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    sort_command_generic(s, c, argv, false);
}

/// SORT_RO: SORT without STORE. Redis: sortroCommand.
fn sort_ro_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    sort_command_generic(s, c, argv, true);
}

pub static HANDLERS: &[(&str, CommandProc)] =
    &[("sort", sort_command), ("sort_ro", sort_ro_command)];

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<Vec<u8>> {
        a.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn parse_all_options() {
        let a = args(&[
            "by", "w_*", "limit", "1", "2", "get", "#", "GET", "h_*->f", "desc", "alpha", "store",
            "dst",
        ]);
        let o = parse_options(&a, false, true).unwrap();
        assert!(o.desc && o.alpha && !o.dontsort);
        assert_eq!((o.limit_start, o.limit_count), (1, 2));
        assert_eq!(o.sortby, Some(&b"w_*"[..]));
        assert_eq!(o.getops, vec![&b"#"[..], &b"h_*->f"[..]]);
        assert_eq!(o.storekey, Some(&b"dst"[..]));
        let a = args(&["BY", "nosort", "ASC"]);
        let o = parse_options(&a, false, true).unwrap();
        assert!(o.dontsort && !o.desc);
        assert_eq!(o.limit_count, -1);
    }

    #[test]
    fn parse_errors() {
        assert_eq!(
            parse_options(&args(&["limit", "1"]), false, true),
            Err(ParseError::Syntax)
        );
        assert_eq!(
            parse_options(&args(&["limit", "x", "1"]), false, true),
            Err(ParseError::NotAnInteger)
        );
        assert_eq!(
            parse_options(&args(&["store", "d"]), true, true),
            Err(ParseError::Syntax)
        );
        assert_eq!(
            parse_options(&args(&["get"]), false, true),
            Err(ParseError::Syntax)
        );
        assert_eq!(
            parse_options(&args(&["foo"]), false, true),
            Err(ParseError::Syntax)
        );
    }

    #[test]
    fn patterns() {
        assert_eq!(parse_pattern(b"#"), Pattern::Element);
        assert_eq!(parse_pattern(b"nosort"), Pattern::Constant);
        // A star after a NUL is invisible to strchr.
        assert_eq!(parse_pattern(b"a\0*"), Pattern::Constant);
        assert_eq!(
            parse_pattern(b"w_*->f"),
            Pattern::Key {
                prefix: b"w_",
                postfix: b"",
                field: Some(b"f")
            }
        );
        // An arrow that ends the pattern is part of the key name.
        assert_eq!(
            parse_pattern(b"x:*->"),
            Pattern::Key {
                prefix: b"x:",
                postfix: b"->",
                field: None
            }
        );
        // Only the text after the star is searched for the arrow.
        assert_eq!(
            parse_pattern(b"a->b*c"),
            Pattern::Key {
                prefix: b"a->b",
                postfix: b"c",
                field: None
            }
        );
    }

    #[test]
    fn strtod_rules() {
        assert_eq!(sort_strtod(b""), Some(0.0));
        assert_eq!(sort_strtod(b" 5"), Some(5.0));
        assert_eq!(sort_strtod(b"   "), None);
        assert_eq!(sort_strtod(b"5 "), None);
        assert_eq!(sort_strtod(b"+5"), Some(5.0));
        assert_eq!(sort_strtod(b"inf"), Some(f64::INFINITY));
        assert_eq!(sort_strtod(b"0x10"), Some(16.0));
        assert_eq!(sort_strtod(b"7\0junk"), Some(7.0));
        assert_eq!(sort_strtod(b"nan"), None);
        assert_eq!(sort_strtod(b"1e309"), None);
        assert_eq!(sort_strtod(b"1e-310"), None);
        assert_eq!(sort_strtod(b"0x1p-1074"), Some(f64::from_bits(1)));
        assert_eq!(sort_strtod(b"not-a-double"), None);
    }

    #[test]
    fn limits_clamp_like_redis() {
        assert_eq!(clamp_limit(0, -1, 5), (0, 4));
        assert_eq!(clamp_limit(-10, 100, 5), (0, 4));
        assert_eq!(clamp_limit(5, 10, 5), (4, 3));
        assert_eq!(clamp_limit(1, 0, 5), (1, 0));
        assert_eq!(clamp_limit(2, i64::MAX, 3), (2, 2));
        assert_eq!(clamp_limit(0, -1, 0), (-1, -2));
    }

    fn objs(v: &[&str]) -> Vec<SortObject> {
        v.iter()
            .map(|s| {
                let mut o = SortObject::new(s.as_bytes().to_vec());
                o.score = sort_strtod(s.as_bytes()).unwrap_or(0.0);
                o
            })
            .collect()
    }

    fn names(v: &[SortObject]) -> Vec<String> {
        v.iter()
            .map(|o| String::from_utf8_lossy(&o.obj).into_owned())
            .collect()
    }

    #[test]
    fn compare_numeric_alpha_desc() {
        let num = Comparator {
            desc: false,
            alpha: false,
            bypattern: false,
            store: false,
        };
        let mut v = objs(&["10", "2", "1.5", "-inf", "2"]);
        v.sort_by(|a, b| num.compare(a, b));
        assert_eq!(names(&v), ["-inf", "1.5", "2", "2", "10"]);
        let alpha = Comparator {
            alpha: true,
            desc: true,
            ..num
        };
        v.sort_by(|a, b| alpha.compare(a, b));
        assert_eq!(names(&v), ["2", "2", "10", "1.5", "-inf"]);
        // Missing BY values sort first; equal ones keep their order.
        let by = Comparator {
            desc: false,
            alpha: true,
            bypattern: true,
            store: false,
        };
        let mut w = objs(&["a", "b", "c"]);
        w[0].cmpobj = Some(b"z".to_vec());
        w[2].cmpobj = Some(b"m".to_vec());
        w.sort_by(|a, b| by.compare(a, b));
        assert_eq!(names(&w), ["b", "c", "a"]);
    }
}
