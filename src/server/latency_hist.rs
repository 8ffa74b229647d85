//! Per-command latency histograms for INFO latencystats. Redis counterpart:
//! deps/hdr_histogram (hdr_init(1, 1e9, 2), hdr_record_value,
//! hdr_value_at_percentile) as used by server.c.
//!
//! An HDR histogram with two significant digits: values below 256 ns are
//! exact; above, each power-of-two range is split into 128 equal buckets.
//! A percentile query returns the highest value equivalent to the bucket
//! where the cumulative count reaches the percentile, as hdr_histogram does.

const SUB_BUCKET_COUNT: u64 = 256;
const SUB_BUCKET_HALF: u64 = 128;
const MAX_VALUE: u64 = 1_000_000_000;
const BUCKETS: usize = 23; // enough for 1e9 with 256 sub-buckets

#[derive(Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
}

impl Default for Histogram {
    /// Empty and unallocated: the ~24 KiB of buckets appear on the first
    /// record, so the hundreds of commands never called cost nothing
    /// (Redis also creates a command's histogram on its first call).
    fn default() -> Self {
        Histogram {
            counts: Vec::new(),
            total: 0,
        }
    }
}

fn bucket_of(v: u64) -> u32 {
    64 - (v | (SUB_BUCKET_COUNT - 1)).leading_zeros() - 8
}

fn index_of(v: u64) -> usize {
    let b = bucket_of(v);
    let sb = v >> b;
    (((b as u64 + 1) << 7) + sb - SUB_BUCKET_HALF) as usize
}

fn value_of_index(i: usize) -> u64 {
    let i = i as u64;
    let mut b = (i >> 7) as i64 - 1;
    let mut sb = (i & (SUB_BUCKET_HALF - 1)) + SUB_BUCKET_HALF;
    if b < 0 {
        sb -= SUB_BUCKET_HALF;
        b = 0;
    }
    sb << b
}

fn highest_equivalent(v: u64) -> u64 {
    let b = bucket_of(v);
    let sb = v >> b;
    let adjusted = if sb >= SUB_BUCKET_COUNT { b + 1 } else { b };
    let lowest = sb << b;
    lowest + (1u64 << adjusted) - 1
}

impl Histogram {
    /// Redis: updateCommandLatencyHistogram (value in nanoseconds).
    pub fn record(&mut self, ns: u64) {
        let v = ns.clamp(1, MAX_VALUE);
        if self.counts.is_empty() {
            self.counts = vec![0; (BUCKETS + 1) * SUB_BUCKET_HALF as usize];
        }
        let i = index_of(v);
        if i < self.counts.len() {
            self.counts[i] += 1;
            self.total += 1;
        }
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// The cumulative distribution walked in powers of two from `first_ns`
    /// (hdr_iter_log_init(first_ns, 2)): (microseconds, cumulative count)
    /// at every step where the count grew. Redis: fillCommandCDF.
    pub fn log_cdf(&self, first_ns: u64) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        if self.total == 0 {
            return out;
        }
        let mut level = first_ns;
        let mut i = 0usize;
        let mut acc = 0u64;
        let mut prev = 0u64;
        while prev < self.total && level <= MAX_VALUE * 2 {
            let he = highest_equivalent(level);
            while i < self.counts.len() && value_of_index(i) <= he {
                acc += self.counts[i];
                i += 1;
            }
            if acc > prev {
                out.push((he / 1000, acc));
            }
            prev = acc;
            level *= 2;
        }
        out
    }

    /// hdr_value_at_percentile.
    pub fn value_at_percentile(&self, pct: f64) -> u64 {
        let pct = pct.min(100.0);
        let want = ((pct / 100.0) * self.total as f64 + 0.5) as u64;
        let want = want.max(1);
        let mut acc = 0;
        for (i, &n) in self.counts.iter().enumerate() {
            acc += n;
            if acc >= want {
                return highest_equivalent(value_of_index(i));
            }
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_below_256_and_bucketed_above() {
        let mut h = Histogram::default();
        for v in 1..=100 {
            h.record(v);
        }
        assert_eq!(h.value_at_percentile(50.0), 50);
        assert_eq!(h.value_at_percentile(100.0), 100);
        let mut h = Histogram::default();
        h.record(1_000_000);
        let p = h.value_at_percentile(50.0);
        assert!((1_000_000..1_010_000).contains(&p), "{p}");
    }
}
