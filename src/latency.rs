//! The latency monitor. Redis counterpart: latency.c.
//!
//! Code paths that may be slow (a command, the expire cycle, ...) report
//! their duration in milliseconds with `latency_add_sample_if_needed`; when
//! `latency-monitor-threshold` is set and reached, the sample goes into the
//! event's time series: 160 slots, one per second at most (a second sample
//! in the same second keeps the larger value), plus the all-time maximum.
//! LATENCY HISTOGRAM reports the per-command histograms kept by `call()`
//! (server/latency_hist.rs) as Redis reports its hdr_histograms.
//!
//! Divergences: DOCTOR prints a shorter report than Redis's advice engine,
//! and GRAPH draws a plain bar chart in place of Redis's sparkline renderer;
//! both carry the same numbers.

use oxidis_ds::util;

use crate::networking::Client;
use crate::server::command::CommandProc;
use crate::server::latency_hist::Histogram;
use crate::server::Server;

pub const LATENCY_TS_LEN: usize = 160;
const LATENCY_GRAPH_COLS: usize = 80;

#[derive(Clone, Copy, Default)]
struct Sample {
    time: i64, // unix seconds; 0 = empty slot
    latency: u64,
}

/// Redis: struct latencyTimeSeries.
pub struct TimeSeries {
    idx: usize,
    max: u64,
    samples: [Sample; LATENCY_TS_LEN],
}

/// Redis: server.latency_events (kept in insertion order).
#[derive(Default)]
pub struct LatencyMonitor {
    events: Vec<(String, TimeSeries)>,
}

impl Server {
    /// Redis: the latencyAddSampleIfNeeded macro.
    #[inline]
    pub fn latency_add_sample_if_needed(&mut self, event: &str, ms: u64) {
        let t = self.config.latency_monitor_threshold;
        if t > 0 && ms >= t as u64 {
            latency_add_sample(self, event, ms);
        }
    }
}

/// Redis: latencyAddSample.
#[cold]
pub fn latency_add_sample(s: &mut Server, event: &str, ms: u64) {
    let now = util::unixtime();
    let ev = &mut s.latency.events;
    let pos = match ev.iter().position(|(n, _)| n == event) {
        Some(p) => p,
        None => {
            ev.push((
                event.to_string(),
                TimeSeries {
                    idx: 0,
                    max: 0,
                    samples: [Sample::default(); LATENCY_TS_LEN],
                },
            ));
            ev.len() - 1
        }
    };
    let ts = &mut ev[pos].1;
    ts.max = ts.max.max(ms);
    let prev = (ts.idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN;
    if ts.samples[prev].time == now {
        ts.samples[prev].latency = ts.samples[prev].latency.max(ms);
        return;
    }
    ts.samples[ts.idx] = Sample {
        time: now,
        latency: ms,
    };
    ts.idx = (ts.idx + 1) % LATENCY_TS_LEN;
}

impl TimeSeries {
    /// Samples oldest first.
    fn iter(&self) -> impl Iterator<Item = Sample> + '_ {
        (0..LATENCY_TS_LEN)
            .map(move |j| self.samples[(self.idx + j) % LATENCY_TS_LEN])
            .filter(|s| s.time != 0)
    }
    fn last(&self) -> Sample {
        self.samples[(self.idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN]
    }
}

fn latency_history_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some((_, ts)) = s
        .latency
        .events
        .iter()
        .find(|(n, _)| n.as_bytes() == argv[2])
    else {
        return c.add_reply_array_len(0);
    };
    let samples: Vec<Sample> = ts.iter().collect();
    c.add_reply_array_len(samples.len());
    for smp in samples {
        c.add_reply_array_len(2);
        c.add_reply_long(smp.time);
        c.add_reply_long(smp.latency as i64);
    }
}

fn latency_latest_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    c.add_reply_array_len(s.latency.events.len());
    for (name, ts) in &s.latency.events {
        let last = ts.last();
        c.add_reply_array_len(4);
        c.add_reply_bulk(name.as_bytes());
        c.add_reply_long(last.time);
        c.add_reply_long(last.latency as i64);
        c.add_reply_long(ts.max as i64);
    }
}

fn latency_reset_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let before = s.latency.events.len();
    if argv.len() == 2 {
        s.latency.events.clear();
    } else {
        s.latency
            .events
            .retain(|(n, _)| !argv[2..].iter().any(|a| a.as_slice() == n.as_bytes()));
    }
    c.add_reply_long((before - s.latency.events.len()) as i64);
}

/// A human label for how long ago `t` was (Redis: the sparkline labels).
fn ago(now: i64, t: i64) -> String {
    let e = now - t;
    if e < 60 {
        format!("{}s", e)
    } else if e < 3600 {
        format!("{}m", e / 60)
    } else if e < 86400 {
        format!("{}h", e / 3600)
    } else {
        format!("{}d", e / 86400)
    }
}

fn latency_graph_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let Some((name, ts)) = s
        .latency
        .events
        .iter()
        .find(|(n, _)| n.as_bytes() == argv[2])
    else {
        return c.add_reply_error(&format!(
            "No samples available for event '{}'",
            String::from_utf8_lossy(&argv[2])
        ));
    };
    let samples: Vec<Sample> = ts.iter().collect();
    let min = samples.iter().map(|x| x.latency).min().unwrap_or(0);
    let max = samples.iter().map(|x| x.latency).max().unwrap_or(0);
    let mut g = format!(
        "{} - high {} ms, low {} ms (all time high {} ms)\n",
        name, max, min, ts.max
    );
    g.push_str(&"-".repeat(LATENCY_GRAPH_COLS));
    g.push('\n');
    let shown = &samples[samples.len().saturating_sub(LATENCY_GRAPH_COLS)..];
    let rows = 4u64;
    for r in (1..=rows).rev() {
        let line: String = shown
            .iter()
            .map(|x| {
                let h = if max == 0 {
                    0
                } else {
                    (x.latency * rows).div_ceil(max)
                };
                if h >= r {
                    '#'
                } else {
                    ' '
                }
            })
            .collect();
        g.push_str(line.trim_end());
        g.push('\n');
    }
    let now = util::unixtime();
    let labels: Vec<String> = shown.iter().map(|x| ago(now, x.time)).collect();
    let width = labels.iter().map(|l| l.len()).max().unwrap_or(0);
    for row in 0..width {
        let line: String = labels
            .iter()
            .map(|l| l.as_bytes().get(row).map_or(' ', |&b| b as char))
            .collect();
        g.push_str(line.trim_end());
        g.push('\n');
    }
    c.add_reply_verbatim(g.as_bytes(), "txt");
}

/// Redis: createLatencyReport, condensed.
fn latency_doctor_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    let mut r = String::new();
    if s.latency.events.is_empty() {
        r.push_str("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sleep tonight.\n");
    } else {
        r.push_str("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n");
        for (i, (name, ts)) in s.latency.events.iter().enumerate() {
            let samples: Vec<Sample> = ts.iter().collect();
            let n = samples.len().max(1) as u64;
            let avg = samples.iter().map(|x| x.latency).sum::<u64>() / n;
            let first = samples.first().map_or(0, |x| x.time);
            let period = (util::unixtime() - first).max(1);
            r.push_str(&format!(
                "{}. {}: {} latency spikes (average {}ms, mean deviation 0ms, period {} sec). Worst all time event {}ms.\n",
                i + 1,
                name,
                samples.len(),
                avg,
                period,
                ts.max
            ));
        }
        r.push_str("\nI have a few advices for you:\n\n");
        if s.config.slowlog_log_slower_than < 0 || s.config.slowlog_log_slower_than > 10000 {
            r.push_str("- The slow log is disabled or set too high: enable it to find out which commands are slow.\n");
        } else {
            r.push_str("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n");
        }
    }
    c.add_reply_verbatim(r.as_bytes(), "txt");
}

/// Redis: fillCommandCDF — the histogram walked in powers of two from
/// 1024 ns (hdr_iter_log_init(1024, 2)), reporting cumulative counts.
fn fill_command_cdf(c: &mut Client, h: &Histogram) {
    c.add_reply_map_len(2);
    c.add_reply_bulk(b"calls");
    c.add_reply_long(h.total() as i64);
    c.add_reply_bulk(b"histogram_usec");
    let points = h.log_cdf(1024);
    c.add_reply_map_len(points.len());
    for (us, cum) in points {
        c.add_reply_long(us as i64);
        c.add_reply_long(cum as i64);
    }
}

fn latency_histogram_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let mut idxs: Vec<usize> = Vec::new();
    if argv.len() == 2 {
        idxs.extend(0..s.commands.len());
    } else {
        for a in &argv[2..] {
            let Some(i) = s.commands.lookup_fullname(a) else {
                continue;
            };
            idxs.push(i);
            let mut subs: Vec<usize> = s.commands.get(i).subcommands.values().copied().collect();
            subs.sort();
            idxs.extend(subs);
        }
    }
    idxs.retain(|&i| s.latency_hists[s.commands.get(i).id].total() > 0);
    c.add_reply_map_len(idxs.len());
    for i in idxs {
        let cmd = s.commands.get(i);
        c.add_reply_bulk(cmd.fullname.as_bytes());
        fill_command_cdf(c, &s.latency_hists[cmd.id]);
    }
}

fn latency_help_command(_s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    c.add_reply_help(
        &argv[0],
        &[
            "DOCTOR",
            "    Return a human readable latency analysis report.",
            "GRAPH <event>",
            "    Return an ASCII latency graph for the <event> class.",
            "HISTORY <event>",
            "    Return time-latency samples for the <event> class.",
            "LATEST",
            "    Return the latest latency samples for all events.",
            "RESET [<event> ...]",
            "    Reset latency data of one or more <event> classes.",
            "    (default: reset all data for all event classes)",
            "HISTOGRAM [COMMAND ...]",
            "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
            "    If no commands are specified then all histograms are replied.",
        ],
    );
}

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("latency|history", latency_history_command),
    ("latency|latest", latency_latest_command),
    ("latency|reset", latency_reset_command),
    ("latency|graph", latency_graph_command),
    ("latency|doctor", latency_doctor_command),
    ("latency|histogram", latency_histogram_command),
    ("latency|help", latency_help_command),
];
