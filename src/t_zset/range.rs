//! The ZRANGE family, ZCOUNT/ZLEXCOUNT and ZREMRANGEBY*. Redis counterpart:
//! t_zset.c, zrangeGenericCommand and its result handlers (a reply to the
//! client, or a destination key for ZRANGESTORE), genericZrangebyrank/
//! score/lex, zslParseRange / zslParseLexRange, zremrangeGenericCommand.

use oxidis_ds::skiplist::{LexBound, ZLexRangeSpec, ZRangeSpec};
use oxidis_ds::util;
use oxidis_ds::zset::listpack as zzl;
use oxidis_ds::zset::{AddFlags, Cursor, Limits, ZSet};

use super::{
    delete_if_empty, limits, new_obj, zset_read, zset_write, Lookup, ERR_MINMAX_FLOAT,
    ERR_MINMAX_LEX,
};
use crate::args::get_long_or_reply;
use crate::networking::client::Deferred;
use crate::networking::Client;
use crate::server::Server;

/// One end of a score range: strtod over the whole text, after an optional
/// '(' (exclusive). Like C strtod, leading spaces are skipped and an empty
/// text reads as 0.
fn parse_score_bound(arg: &[u8]) -> Option<(f64, bool)> {
    let (ex, t) = match arg.first() {
        Some(b'(') => (true, &arg[1..]),
        _ => (false, arg),
    };
    let t = t.split(|&b| b == 0).next().unwrap_or(&[]);
    let start = t
        .iter()
        .position(|&b| !util::is_c_space(b))
        .unwrap_or(t.len());
    let t = &t[start..];
    let v = if t.is_empty() {
        if start > 0 {
            return None;
        }
        0.0
    } else {
        util::c_strtod_full(t)?.0
    };
    if v.is_nan() {
        return None;
    }
    Some((v, ex))
}

/// Redis: zslParseRange.
pub fn parse_range(min: &[u8], max: &[u8]) -> Option<ZRangeSpec> {
    let (min, minex) = parse_score_bound(min)?;
    let (max, maxex) = parse_score_bound(max)?;
    Some(ZRangeSpec {
        min,
        max,
        minex,
        maxex,
    })
}

/// Redis: zslParseLexRangeItem.
fn parse_lex_item(arg: &[u8]) -> Option<LexBound> {
    match arg.first() {
        Some(b'+') if arg.len() == 1 => Some(LexBound::PosInf),
        Some(b'-') if arg.len() == 1 => Some(LexBound::NegInf),
        Some(b'(') => Some(LexBound::Excl(arg[1..].to_vec())),
        Some(b'[') => Some(LexBound::Incl(arg[1..].to_vec())),
        _ => None,
    }
}

/// Redis: zslParseLexRange.
pub fn parse_lex_range(min: &[u8], max: &[u8]) -> Option<ZLexRangeSpec> {
    Some(ZLexRangeSpec {
        min: parse_lex_item(min)?,
        max: parse_lex_item(max)?,
    })
}

/// Where a range's results go. Redis: zrange_result_handler.
enum Sink<'a> {
    Client {
        c: &'a mut Client,
        withscores: bool,
        pairs: bool, // RESP3 with scores: each result is a [member, score] pair
        deferred: Option<Deferred>,
    },
    Store {
        dst: ZSet,
        limits: Limits,
    },
}

impl Sink<'_> {
    /// Redis: beginResultEmission. `length` None: unknown yet.
    fn begin(&mut self, length: Option<usize>) {
        match self {
            Sink::Client {
                c,
                withscores,
                deferred,
                ..
            } => match length {
                Some(n) if n > 0 => {
                    let n = if *withscores && c.resp == 2 { n * 2 } else { n };
                    c.add_reply_array_len(n);
                }
                _ => *deferred = Some(c.add_reply_deferred_len()),
            },
            Sink::Store { dst, limits } => {
                *dst = if length.is_some_and(|n| n > limits.max_entries) {
                    ZSet::new_skiplist()
                } else {
                    ZSet::new_listpack()
                };
            }
        }
    }

    #[inline]
    fn emit(&mut self, ele: &[u8], score: f64) {
        match self {
            Sink::Client {
                c,
                withscores,
                pairs,
                ..
            } => {
                if *pairs {
                    c.add_reply_array_len(2);
                }
                c.add_reply_bulk(ele);
                if *withscores {
                    c.add_reply_double(score);
                }
            }
            Sink::Store { dst, limits } => {
                dst.add(score, ele, AddFlags::default(), *limits);
            }
        }
    }

    /// Redis: finalizeResultEmission (for the client; the store variant is
    /// `finish_store`).
    fn finalize(&mut self, count: usize) {
        if let Sink::Client {
            c,
            withscores,
            deferred,
            ..
        } = self
        {
            if let Some(d) = deferred.take() {
                let n = if *withscores && c.resp == 2 {
                    count * 2
                } else {
                    count
                };
                c.set_deferred_array_len(d, n);
            }
        }
    }
}

/// Redis: zrangeResultFinalizeStore.
fn finish_store(s: &mut Server, c: &mut Client, dstkey: &[u8], dst: ZSet, count: usize) {
    let db = c.db;
    if count > 0 {
        let o = new_obj(s, dst);
        s.set_key(db, dstkey, o, false);
        s.signal_modified_key(db, dstkey);
        c.add_reply_long(count as i64);
        s.notify_keyspace_event(crate::notify::NOTIFY_ZSET, "zrangestore", dstkey, db);
        s.dirty += 1;
    } else {
        c.add_reply_long(0);
        if s.db_delete(db, dstkey) {
            s.signal_modified_key(db, dstkey);
            s.notify_keyspace_event(crate::notify::NOTIFY_GENERIC, "del", dstkey, db);
            s.dirty += 1;
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeType {
    Auto,
    Rank,
    Score,
    Lex,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Auto,
    Forward,
    Reverse,
}

/// Redis: genericZrangebyrankCommand.
fn range_by_rank(sink: &mut Sink, z: &ZSet, start: i64, end: i64, reverse: bool) {
    let Some((start, end)) = util::clamp_rank_range(start, end, z.len()) else {
        sink.begin(Some(0));
        sink.finalize(0);
        return;
    };
    let rangelen = end - start + 1;
    sink.begin(Some(rangelen));
    if let (ZSet::Listpack(lp), false) = (z, reverse) {
        // The common forward walk over a listpack: each entry decoded once.
        let mut p = lp.seek(2 * start as i64);
        for _ in 0..rangelen {
            let Some(ep) = p else { break };
            let (ele, sp) = lp.get_next(ep);
            let Some(sp) = sp else { break };
            let (score, next) = lp.get_next(sp);
            ele.with_bytes(|e| sink.emit(e, zzl::entry_score(score)));
            p = next;
        }
        sink.finalize(rangelen);
        return;
    }
    let mut cur = z.cursor_at_rank(start, reverse);
    for _ in 0..rangelen {
        let Some((e, sc)) = z.get(cur) else { break };
        sink.emit(&e, sc);
        cur = z.step(cur, reverse);
    }
    sink.finalize(rangelen);
}

/// Skips `offset` elements then emits up to `limit` (negative: no limit)
/// while `inside` accepts them. Shared by the score and lex walks, which
/// differ only in where they start and what ends them.
fn emit_run(
    sink: &mut Sink,
    z: &ZSet,
    mut cur: Cursor,
    mut offset: i64,
    mut limit: i64,
    reverse: bool,
    inside: impl Fn(&[u8], f64) -> bool,
) {
    sink.begin(None);
    if offset > 0 && offset >= z.len() as i64 {
        sink.finalize(0);
        return;
    }
    while offset != 0 && z.get(cur).is_some() {
        offset -= 1;
        cur = z.step(cur, reverse);
    }
    let mut n = 0;
    while limit != 0 {
        let Some((e, sc)) = z.get(cur) else { break };
        if !inside(&e, sc) {
            break;
        }
        limit -= 1;
        n += 1;
        sink.emit(&e, sc);
        cur = z.step(cur, reverse);
    }
    sink.finalize(n);
}

/// Redis: zrangeGenericCommand. `argc_start` is the index of the key.
fn zrange_generic_command(
    s: &mut Server,
    c: &mut Client,
    argv: &[Vec<u8>],
    argc_start: usize,
    store: bool,
    mut rangetype: RangeType,
    mut direction: Direction,
) {
    let key = &argv[argc_start];
    let mut minidx = argc_start + 1;
    let mut maxidx = argc_start + 2;
    let mut withscores = false;
    let mut offset: i64 = 0;
    let mut limit: i64 = -1;
    let mut j = argc_start + 3;
    while j < argv.len() {
        let leftargs = argv.len() - j - 1;
        let a = &argv[j];
        if !store && a.eq_ignore_ascii_case(b"withscores") {
            withscores = true;
        } else if a.eq_ignore_ascii_case(b"limit") && leftargs >= 2 {
            let Some(o) = get_long_or_reply(c, &argv[j + 1], None) else {
                return;
            };
            let Some(l) = get_long_or_reply(c, &argv[j + 2], None) else {
                return;
            };
            offset = o;
            limit = l;
            j += 2;
        } else if direction == Direction::Auto && a.eq_ignore_ascii_case(b"rev") {
            direction = Direction::Reverse;
        } else if rangetype == RangeType::Auto && a.eq_ignore_ascii_case(b"bylex") {
            rangetype = RangeType::Lex;
        } else if rangetype == RangeType::Auto && a.eq_ignore_ascii_case(b"byscore") {
            rangetype = RangeType::Score;
        } else {
            return c.add_reply_syntax_err();
        }
        j += 1;
    }
    if direction == Direction::Auto {
        direction = Direction::Forward;
    }
    if rangetype == RangeType::Auto {
        rangetype = RangeType::Rank;
    }
    if limit != -1 && rangetype == RangeType::Rank {
        return c.add_reply_error(
            "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        );
    }
    if withscores && rangetype == RangeType::Lex {
        return c
            .add_reply_error("syntax error, WITHSCORES not supported in combination with BYLEX");
    }
    let reverse = direction == Direction::Reverse;
    if reverse && rangetype != RangeType::Rank {
        std::mem::swap(&mut minidx, &mut maxidx);
    }
    let mut rank = (0, 0);
    let mut range = None;
    let mut lex = None;
    match rangetype {
        RangeType::Rank | RangeType::Auto => {
            let Some(a) = get_long_or_reply(c, &argv[minidx], None) else {
                return;
            };
            let Some(b) = get_long_or_reply(c, &argv[maxidx], None) else {
                return;
            };
            rank = (a, b);
        }
        RangeType::Score => match parse_range(&argv[minidx], &argv[maxidx]) {
            Some(r) => range = Some(r),
            None => return c.add_reply_error(ERR_MINMAX_FLOAT),
        },
        RangeType::Lex => match parse_lex_range(&argv[minidx], &argv[maxidx]) {
            Some(r) => lex = Some(r),
            None => return c.add_reply_error(ERR_MINMAX_LEX),
        },
    }
    let l = limits(s);
    let db = c.db;
    // Clone the Arc so the sink can borrow the client while we read.
    let zobj = match s.lookup_key_read(db, key) {
        None => None,
        Some(o) => match &o.v {
            crate::object::Value::ZSet(z) => Some(z.clone()),
            _ => return c.add_reply_wrongtype(),
        },
    };
    let Some(z) = zobj else {
        if store {
            finish_store(s, c, &argv[1], ZSet::new_listpack(), 0);
        } else {
            c.add_reply_array_len(0);
        }
        return;
    };
    let mut sink = if store {
        Sink::Store {
            dst: ZSet::new_listpack(),
            limits: l,
        }
    } else {
        let pairs = withscores && c.resp > 2;
        Sink::Client {
            c: &mut *c,
            withscores,
            pairs,
            deferred: None,
        }
    };
    let count = match rangetype {
        RangeType::Score => {
            let r = range.expect("parsed");
            let cur = z.cursor_in_range(&r, reverse);
            emit_run(&mut sink, &z, cur, offset, limit, reverse, |_, sc| {
                if reverse {
                    r.value_gte_min(sc)
                } else {
                    r.value_lte_max(sc)
                }
            });
            None
        }
        RangeType::Lex => {
            let r = lex.expect("parsed");
            let cur = z.cursor_in_lex_range(&r, reverse);
            emit_run(&mut sink, &z, cur, offset, limit, reverse, |e, _| {
                if reverse {
                    r.value_gte_min(e)
                } else {
                    r.value_lte_max(e)
                }
            });
            None
        }
        _ => {
            range_by_rank(&mut sink, &z, rank.0, rank.1, reverse);
            None::<usize>
        }
    };
    let _ = count;
    if let Sink::Store { dst, .. } = sink {
        let n = dst.len();
        finish_store(s, c, &argv[1], dst, n);
    }
}

pub fn zrange_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    zrange_generic_command(s, c, argv, 1, false, RangeType::Auto, Direction::Auto)
}

pub fn zrangestore_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    zrange_generic_command(s, c, argv, 2, true, RangeType::Auto, Direction::Auto)
}

pub fn zrevrange_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    zrange_generic_command(s, c, argv, 1, false, RangeType::Rank, Direction::Reverse)
}

pub fn zrangebyscore_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    zrange_generic_command(s, c, argv, 1, false, RangeType::Score, Direction::Forward)
}

pub fn zrevrangebyscore_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    zrange_generic_command(s, c, argv, 1, false, RangeType::Score, Direction::Reverse)
}

pub fn zrangebylex_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    zrange_generic_command(s, c, argv, 1, false, RangeType::Lex, Direction::Forward)
}

pub fn zrevrangebylex_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    zrange_generic_command(s, c, argv, 1, false, RangeType::Lex, Direction::Reverse)
}

/// Counts the run of elements starting at `cur` that `inside` accepts.
fn count_run(z: &ZSet, mut cur: Cursor, inside: impl Fn(&[u8], f64) -> bool) -> usize {
    let mut n = 0;
    while let Some((e, sc)) = z.get(cur) {
        if !inside(&e, sc) {
            break;
        }
        n += 1;
        cur = z.step(cur, false);
    }
    n
}

/// Redis: zcountCommand (ranks on the skiplist, a walk on the listpack).
pub fn zcount_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(r) = parse_range(&argv[2], &argv[3]) else {
        return c.add_reply_error(ERR_MINMAX_FLOAT);
    };
    let z = match zset_read(s, c.db, &argv[1]) {
        Lookup::Missing => return c.add_reply_long(0),
        Lookup::WrongType => return c.add_reply_wrongtype(),
        Lookup::Found(z) => z,
    };
    let n = match z {
        ZSet::Skiplist(zs) => {
            let first = zs.zsl.first_in_range(&r);
            if first == oxidis_ds::skiplist::NIL {
                0
            } else {
                let len = zs.zsl.len();
                let rank = zs.zsl.get_rank(zs.zsl.score(first), zs.zsl.ele(first));
                let mut count = len - (rank - 1);
                let last = zs.zsl.last_in_range(&r);
                if last != oxidis_ds::skiplist::NIL {
                    let rank = zs.zsl.get_rank(zs.zsl.score(last), zs.zsl.ele(last));
                    count -= len - rank;
                }
                count
            }
        }
        ZSet::Listpack(_) => {
            let cur = z.cursor_in_range(&r, false);
            count_run(z, cur, |_, sc| r.value_lte_max(sc))
        }
    };
    c.add_reply_long(n as i64);
}

/// Redis: zlexcountCommand.
pub fn zlexcount_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some(r) = parse_lex_range(&argv[2], &argv[3]) else {
        return c.add_reply_error(ERR_MINMAX_LEX);
    };
    let z = match zset_read(s, c.db, &argv[1]) {
        Lookup::Missing => return c.add_reply_long(0),
        Lookup::WrongType => return c.add_reply_wrongtype(),
        Lookup::Found(z) => z,
    };
    let n = match z {
        ZSet::Skiplist(zs) => {
            let first = zs.zsl.first_in_lex_range(&r);
            if first == oxidis_ds::skiplist::NIL {
                0
            } else {
                let len = zs.zsl.len();
                let rank = zs.zsl.get_rank(zs.zsl.score(first), zs.zsl.ele(first));
                let mut count = len - (rank - 1);
                let last = zs.zsl.last_in_lex_range(&r);
                if last != oxidis_ds::skiplist::NIL {
                    let rank = zs.zsl.get_rank(zs.zsl.score(last), zs.zsl.ele(last));
                    count -= len - rank;
                }
                count
            }
        }
        ZSet::Listpack(_) => {
            let cur = z.cursor_in_lex_range(&r, false);
            count_run(z, cur, |e, _| r.value_lte_max(e))
        }
    };
    c.add_reply_long(n as i64);
}

enum RemRange {
    Rank(i64, i64),
    Score(ZRangeSpec),
    Lex(ZLexRangeSpec),
}

/// Redis: zremrangeGenericCommand.
fn zremrange_generic_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>], t: RangeType) {
    let spec = match t {
        RangeType::Score => match parse_range(&argv[2], &argv[3]) {
            Some(r) => RemRange::Score(r),
            None => return c.add_reply_error(ERR_MINMAX_FLOAT),
        },
        RangeType::Lex => match parse_lex_range(&argv[2], &argv[3]) {
            Some(r) => RemRange::Lex(r),
            None => return c.add_reply_error(ERR_MINMAX_LEX),
        },
        _ => {
            let Some(a) = get_long_or_reply(c, &argv[2], None) else {
                return;
            };
            let Some(b) = get_long_or_reply(c, &argv[3], None) else {
                return;
            };
            RemRange::Rank(a, b)
        }
    };
    let db = c.db;
    let key = &argv[1];
    let z = match zset_write(s, db, key) {
        Lookup::Missing => return c.add_reply_long(0),
        Lookup::WrongType => return c.add_reply_wrongtype(),
        Lookup::Found(z) => z,
    };
    let deleted = match spec {
        RemRange::Rank(start, end) => {
            let Some((start, end)) = util::clamp_rank_range(start, end, z.len()) else {
                return c.add_reply_long(0);
            };
            z.delete_range_by_rank(start + 1, end + 1)
        }
        RemRange::Score(r) => z.delete_range_by_score(&r),
        RemRange::Lex(r) => z.delete_range_by_lex(&r),
    };
    if deleted > 0 {
        let event = match t {
            RangeType::Score => "zremrangebyscore",
            RangeType::Lex => "zremrangebylex",
            _ => "zremrangebyrank",
        };
        s.notify_keyspace_event(crate::notify::NOTIFY_ZSET, event, key, db);
        delete_if_empty(s, db, key);
        s.signal_modified_key(db, key);
        s.dirty += deleted as i64;
    }
    c.add_reply_long(deleted as i64);
}

pub fn zremrangebyrank_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    zremrange_generic_command(s, c, argv, RangeType::Rank)
}

pub fn zremrangebyscore_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    zremrange_generic_command(s, c, argv, RangeType::Score)
}

pub fn zremrangebylex_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    zremrange_generic_command(s, c, argv, RangeType::Lex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_bounds() {
        assert_eq!(parse_score_bound(b"(1.5"), Some((1.5, true)));
        assert_eq!(parse_score_bound(b"-inf"), Some((f64::NEG_INFINITY, false)));
        assert_eq!(parse_score_bound(b""), Some((0.0, false)));
        assert_eq!(parse_score_bound(b"1x"), None);
        assert_eq!(parse_score_bound(b"nan"), None);
        assert!(parse_lex_item(b"a").is_none());
        assert!(parse_lex_item(b"+x").is_none());
    }
}
