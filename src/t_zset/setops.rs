//! ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD. Redis
//! counterpart: t_zset.c, zunionInterDiffGenericCommand with the zsetopsrc
//! iterators (zuiInitIterator/zuiNext/zuiFind) and zdiff.
//!
//! Divergence: the inputs are read into plain (member, score) runs first
//! instead of through Redis's per-encoding iterator structs; the result is
//! built as a skiplist then converted with zsetConvertToListpackIfNeeded, as
//! Redis does. Plain sets are accepted as inputs, every member with score 1.

use std::collections::HashMap;
use std::sync::Arc;

use oxidis_ds::zset::{AddFlags, ZSet};

use super::{limits, new_obj};
use crate::args::get_long_or_reply;
use crate::networking::Client;
use crate::object::Value;
use crate::server::Server;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

/// Redis: zunionInterAggregate.
#[inline]
fn aggregate(target: &mut f64, val: f64, a: Aggregate) {
    match a {
        Aggregate::Sum => {
            *target += val;
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => {
            if val < *target {
                *target = val;
            }
        }
        Aggregate::Max => {
            if val > *target {
                *target = val;
            }
        }
    }
}

/// One input. Redis: zsetopsrc.
struct Src {
    z: Option<Arc<ZSet>>,
    weight: f64,
}

impl Src {
    fn len(&self) -> usize {
        self.z.as_ref().map_or(0, |z| z.len())
    }

    /// Redis: zuiFind.
    fn find(&self, ele: &[u8]) -> Option<f64> {
        self.z.as_ref()?.score(ele)
    }

    fn for_each(&self, f: impl FnMut(&[u8], f64)) {
        if let Some(z) = &self.z {
            z.for_each(f);
        }
    }
}

/// The input value at a key as a sorted set. Plain sets are read as sorted
/// sets whose scores are all 1 (Redis: zuiNext on an OBJ_SET).
fn src_from_value(v: &Value) -> Option<Arc<ZSet>> {
    match v {
        Value::ZSet(z) => Some(z.clone()),
        // Redis accepts plain sets as inputs: every member scores 1.
        Value::Set(set) => {
            let mut z = ZSet::new_skiplist();
            let l = oxidis_ds::zset::Limits {
                max_entries: usize::MAX,
                max_value: usize::MAX,
            };
            for e in set.iter() {
                z.add(1.0, &e.to_vec(), AddFlags::default(), l);
            }
            Some(Arc::new(z))
        }
        _ => None,
    }
}

/// Redis: zunionInterDiffGenericCommand.
fn zunion_inter_diff_generic_command(
    s: &mut Server,
    c: &mut Client,
    argv: &[Vec<u8>],
    dstkey: Option<&[u8]>,
    numkeys_idx: usize,
    op: Op,
    cardinality_only: bool,
) {
    let Some(setnum) = get_long_or_reply(c, &argv[numkeys_idx], None) else {
        return;
    };
    if setnum < 1 {
        let name = String::from_utf8_lossy(&argv[0]).to_lowercase();
        return c.add_reply_error(&format!(
            "at least 1 input key is needed for '{}' command",
            name
        ));
    }
    if setnum > (argv.len() - (numkeys_idx + 1)) as i64 {
        return c.add_reply_syntax_err();
    }
    let setnum = setnum as usize;
    let db = c.db;
    let mut src = Vec::with_capacity(setnum);
    let mut j = numkeys_idx + 1;
    for _ in 0..setnum {
        let z = match s.lookup_key_read(db, &argv[j]) {
            None => None,
            Some(o) => match src_from_value(&o.v) {
                Some(z) => Some(z),
                None => return c.add_reply_wrongtype(),
            },
        };
        src.push(Src { z, weight: 1.0 });
        j += 1;
    }
    let mut agg = Aggregate::Sum;
    let mut withscores = false;
    let mut limit: usize = 0;
    while j < argv.len() {
        let remaining = argv.len() - j;
        let a = &argv[j];
        if op != Op::Diff
            && !cardinality_only
            && remaining > setnum
            && a.eq_ignore_ascii_case(b"weights")
        {
            j += 1;
            for sr in src.iter_mut() {
                match oxidis_ds::util::string2d(&argv[j]) {
                    Some(w) => sr.weight = w,
                    None => return c.add_reply_error("weight value is not a float"),
                }
                j += 1;
            }
        } else if op != Op::Diff
            && !cardinality_only
            && remaining >= 2
            && a.eq_ignore_ascii_case(b"aggregate")
        {
            let v = &argv[j + 1];
            agg = if v.eq_ignore_ascii_case(b"sum") {
                Aggregate::Sum
            } else if v.eq_ignore_ascii_case(b"min") {
                Aggregate::Min
            } else if v.eq_ignore_ascii_case(b"max") {
                Aggregate::Max
            } else {
                return c.add_reply_syntax_err();
            };
            j += 2;
        } else if dstkey.is_none() && !cardinality_only && a.eq_ignore_ascii_case(b"withscores") {
            withscores = true;
            j += 1;
        } else if cardinality_only && remaining >= 2 && a.eq_ignore_ascii_case(b"limit") {
            match oxidis_ds::util::string2ll(&argv[j + 1]) {
                Some(n) if n >= 0 => limit = n as usize,
                _ => return c.add_reply_error("LIMIT can't be negative"),
            }
            j += 2;
        } else {
            return c.add_reply_syntax_err();
        }
    }
    if op != Op::Diff {
        src.sort_by_key(|s| s.len());
    }

    // The result, as (member, score) in no particular order.
    let mut out: Vec<(Vec<u8>, f64)> = Vec::new();
    let mut cardinality = 0usize;
    match op {
        Op::Inter => {
            if src[0].len() > 0 {
                let (first, rest) = src.split_first().expect("setnum >= 1");
                let mut done = false;
                first.for_each(|e, sc| {
                    if done {
                        return;
                    }
                    let mut score = first.weight * sc;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    for r in rest {
                        match r.find(e) {
                            Some(v) => aggregate(&mut score, v * r.weight, agg),
                            None => return,
                        }
                    }
                    if cardinality_only {
                        cardinality += 1;
                        if limit != 0 && cardinality >= limit {
                            done = true;
                        }
                    } else {
                        out.push((e.to_vec(), score));
                    }
                });
            }
        }
        Op::Union => {
            let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
            for sr in &src {
                sr.for_each(|e, sc| {
                    let mut score = sr.weight * sc;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    match index.get(e) {
                        Some(&i) => aggregate(&mut out[i].1, score, agg),
                        None => {
                            index.insert(e.to_vec(), out.len());
                            out.push((e.to_vec(), score));
                        }
                    }
                });
            }
        }
        Op::Diff => {
            let (first, rest) = src.split_first().expect("setnum >= 1");
            first.for_each(|e, sc| {
                if !rest.iter().any(|r| r.find(e).is_some()) {
                    out.push((e.to_vec(), sc));
                }
            });
        }
    }

    if cardinality_only {
        return c.add_reply_long(cardinality as i64);
    }
    let l = limits(s);
    let mut dst = ZSet::new_skiplist();
    let mut maxelelen = 0;
    for (e, sc) in &out {
        maxelelen = maxelelen.max(e.len());
        dst.add(*sc, e, AddFlags::default(), l);
    }
    match dstkey {
        Some(dk) => {
            if !dst.is_empty() {
                dst.convert_to_listpack_if_needed(maxelelen, l);
                let n = dst.len();
                let o = new_obj(s, dst);
                s.set_key(db, dk, o, false);
                s.signal_modified_key(db, dk);
                c.add_reply_long(n as i64);
                let event = match op {
                    Op::Union => "zunionstore",
                    Op::Inter => "zinterstore",
                    Op::Diff => "zdiffstore",
                };
                s.notify_keyspace_event(crate::notify::NOTIFY_ZSET, event, dk, db);
                s.dirty += 1;
            } else {
                c.add_reply_long(0);
                if s.db_delete(db, dk) {
                    s.signal_modified_key(db, dk);
                    s.notify_keyspace_event(crate::notify::NOTIFY_GENERIC, "del", dk, db);
                    s.dirty += 1;
                }
            }
        }
        None => {
            let n = dst.len();
            if withscores && c.resp == 2 {
                c.add_reply_array_len(n * 2);
            } else {
                c.add_reply_array_len(n);
            }
            dst.for_each(|e, sc| {
                if withscores && c.resp > 2 {
                    c.add_reply_array_len(2);
                }
                c.add_reply_bulk(e);
                if withscores {
                    c.add_reply_double(sc);
                }
            });
        }
    }
}

pub fn zunionstore_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    zunion_inter_diff_generic_command(s, c, argv, Some(&argv[1]), 2, Op::Union, false)
}

pub fn zinterstore_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    zunion_inter_diff_generic_command(s, c, argv, Some(&argv[1]), 2, Op::Inter, false)
}

pub fn zdiffstore_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    zunion_inter_diff_generic_command(s, c, argv, Some(&argv[1]), 2, Op::Diff, false)
}

pub fn zunion_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    zunion_inter_diff_generic_command(s, c, argv, None, 1, Op::Union, false)
}

pub fn zinter_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    zunion_inter_diff_generic_command(s, c, argv, None, 1, Op::Inter, false)
}

pub fn zintercard_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    zunion_inter_diff_generic_command(s, c, argv, None, 1, Op::Inter, true)
}

pub fn zdiff_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    zunion_inter_diff_generic_command(s, c, argv, None, 1, Op::Diff, false)
}
