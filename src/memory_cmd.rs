//! MEMORY HELP and MEMORY USAGE. Redis counterpart: object.c
//! (memoryCommand, objectComputeSize).
//! Divergence: sizes are estimates from this process's own layouts (no
//! jemalloc size classes), sampling like objectComputeSize for big
//! aggregates. MEMORY STATS, DOCTOR, MALLOC-STATS and PURGE are not
//! implemented: they answer "unknown subcommand".

use oxidis_ds::hash::HashObj;
use oxidis_ds::set::SetObj;

use crate::networking::Client;
use crate::object::{RObj, Value};
use crate::server::command::CommandProc;
use crate::server::shared;
use crate::server::Server;

/// Redis: OBJ_COMPUTE_SIZE_DEF_SAMPLES.
const OBJ_COMPUTE_SIZE_DEF_SAMPLES: usize = 5;

const MEMORY_HELP: &[&str] = &[
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
];

fn memory_help_command(_s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    c.add_reply_help(&argv[0], MEMORY_HELP);
}

/// The estimated size of an aggregate: the average of the first `samples`
/// elements times the element count, plus a per-element overhead.
fn sampled(sizes: impl Iterator<Item = usize>, len: usize, samples: usize, per: usize) -> usize {
    let (mut n, mut sum) = (0usize, 0usize);
    for s in sizes.take(samples) {
        n += 1;
        sum += s + per;
    }
    sum.checked_div(n).map_or(0, |avg| avg * len)
}

/// Redis: objectComputeSize.
fn object_compute_size(o: &RObj, samples: usize) -> usize {
    let robj = std::mem::size_of::<RObj>();
    robj + match &o.v {
        Value::Int(_) => 0,
        Value::EmbStr(b) => b.len(),
        Value::Raw(b) => b.capacity(),
        Value::Set(s) => match &**s {
            SetObj::Intset(is) => is.blob_len(),
            SetObj::Ht(d) => {
                d.slots() * 8 + sampled(d.keys().map(|k| k.len()), d.len(), samples, 32)
            }
        },
        Value::Hash(h) => match &**h {
            HashObj::Listpack(lp) => lp.bytes(),
            HashObj::Ht(d) => {
                d.slots() * 8
                    + sampled(
                        d.iter().map(|(k, v)| k.len() + v.len()),
                        d.len(),
                        samples,
                        48,
                    )
            }
        },
        // Redis: the OBJ_STREAM branch — the nodes (sampled), then every
        // group's PEL and consumers.
        Value::Stream(st) => {
            let nodes = sampled(
                st.rax.values().map(|lp| lp.bytes()),
                st.rax.len(),
                samples,
                48,
            );
            let groups: usize = st.cgroups.as_ref().map_or(0, |g| {
                g.iter()
                    .map(|(name, cg)| {
                        name.len()
                            + 64
                            + cg.pel.len() * 48
                            + cg.consumers
                                .iter()
                                .map(|(n, c)| n.len() + 48 + c.pel.len() * 32)
                                .sum::<usize>()
                    })
                    .sum()
            });
            std::mem::size_of::<oxidis_ds::stream::Stream>() + nodes + groups
        }
        #[allow(unreachable_patterns)]
        _ => 0,
    }
}

/// Redis: memoryCommand's USAGE branch.
fn memory_usage_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let mut samples = OBJ_COMPUTE_SIZE_DEF_SAMPLES;
    let mut j = 3;
    while j < argv.len() {
        if argv[j].eq_ignore_ascii_case(b"samples") && j + 1 < argv.len() {
            let Some(n) = oxidis_ds::util::string2ll(&argv[j + 1]) else {
                return c.add_reply_error(shared::NOT_INTEGER);
            };
            if n < 0 {
                return c.add_reply_syntax_err();
            }
            samples = if n == 0 { usize::MAX } else { n as usize };
            j += 2;
        } else {
            return c.add_reply_syntax_err();
        }
    }
    let Some((k, o)) = s.dbs[c.db].dict.get_key_value(&argv[2]) else {
        return c.add_reply_null();
    };
    let usage = object_compute_size(o, samples) + k.len() + 24;
    c.add_reply_long(usage as i64);
}

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("memory|help", memory_help_command),
    ("memory|usage", memory_usage_command),
];
