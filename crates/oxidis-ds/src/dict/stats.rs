//! Human-readable table statistics for `DEBUG HTSTATS` and `DEBUG HTSTATS-KEY`.
//! Redis counterpart: dict.c `dictGetStats` / `_dictGetStatsHt` (7.0).
//!
//! The text matches Redis byte for byte, including the float arithmetic: Redis divides
//! in single precision (`(float)a/b`) and prints with `%.02f`; we compute in `f32`
//! and format the widened value, which rounds the same way.
//!
//! Divergences: Redis writes into a caller's fixed buffer (4096 bytes in debug.c) and
//! truncates; this returns a `String`. The `[Dictionary HT]` / `[Expires HT]` banners
//! are added by the caller, as in Redis's debug.c, not here.

use std::fmt::Write;

use super::Dict;

/// Chain lengths at or above this are counted together. Redis: DICT_STATS_VECTLEN.
const STATS_VECTLEN: usize = 50;

impl<K, V> Dict<K, V> {
    /// Redis: dictGetStats(). Stats for `ht[0]`, plus `ht[1]` while rehashing.
    pub fn stats(&self) -> String {
        let mut out = String::new();
        self.table_stats(&mut out, 0);
        if self.is_rehashing() {
            self.table_stats(&mut out, 1);
        }
        out
    }

    /// Redis: _dictGetStatsHt().
    fn table_stats(&self, out: &mut String, table: usize) {
        let t = &self.ht[table];
        let name = if table == 0 {
            "main hash table"
        } else {
            "rehashing target"
        };
        let _ = writeln!(out, "Hash table {table} stats ({name}):");
        if t.used == 0 {
            out.push_str("No stats available for empty dictionaries\n");
            return;
        }
        let mut clvector = [0usize; STATS_VECTLEN];
        let (mut slots, mut maxchainlen, mut totchainlen) = (0usize, 0usize, 0usize);
        for b in 0..t.size {
            let mut chainlen = 0;
            let mut cur = t.head(b);
            while let Some(e) = cur {
                chainlen += 1;
                cur = e.next.as_deref();
            }
            clvector[chainlen.min(STATS_VECTLEN - 1)] += 1;
            if chainlen == 0 {
                continue;
            }
            slots += 1;
            maxchainlen = maxchainlen.max(chainlen);
            totchainlen += chainlen;
        }

        let _ = writeln!(out, " table size: {}", t.size);
        let _ = writeln!(out, " number of elements: {}", t.used);
        let _ = writeln!(out, " different slots: {slots}");
        let _ = writeln!(out, " max chain length: {maxchainlen}");
        let counted = totchainlen as f32 / slots as f32;
        let computed = t.used as f32 / slots as f32;
        let _ = writeln!(
            out,
            " avg chain length (counted): {:.2}",
            f64::from(counted)
        );
        let _ = writeln!(
            out,
            " avg chain length (computed): {:.2}",
            f64::from(computed)
        );
        out.push_str(" Chain length distribution:\n");
        // Like Redis, the last (overflow) slot of the vector is not printed.
        for (len, &n) in clvector.iter().enumerate().take(STATS_VECTLEN - 1) {
            if n == 0 {
                continue;
            }
            let pct = (n as f32 / t.size as f32) * 100.0;
            let _ = writeln!(out, "   {len}: {n} ({:.2}%)", f64::from(pct));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::enabled;
    use super::super::Dict;

    #[test]
    fn empty_dict() {
        let d: Dict<Vec<u8>, ()> = Dict::new();
        let want = "Hash table 0 stats (main hash table):\n\
                    No stats available for empty dictionaries\n";
        assert_eq!(d.stats(), want);
    }

    #[test]
    fn one_element() {
        let _g = enabled();
        let mut d = Dict::new();
        d.insert(b"a".to_vec(), ());
        let want = "Hash table 0 stats (main hash table):\n \
                    table size: 4\n \
                    number of elements: 1\n \
                    different slots: 1\n \
                    max chain length: 1\n \
                    avg chain length (counted): 1.00\n \
                    avg chain length (computed): 1.00\n \
                    Chain length distribution:\n   \
                    0: 3 (75.00%)\n   \
                    1: 1 (25.00%)\n";
        assert_eq!(d.stats(), want);
    }

    #[test]
    fn rehashing_prints_both_tables() {
        let _g = enabled();
        let mut d = Dict::new();
        for i in 0..4u8 {
            d.insert(vec![i], ());
        }
        // The fifth insertion starts a grow from 4 to 8 buckets and lands in ht[1].
        d.insert(vec![9], ());
        assert!(d.is_rehashing());
        let s = d.stats();
        assert!(s.contains("Hash table 1 stats (rehashing target):\n table size: 8\n"));
        let lines_pct: f64 = s
            .lines()
            .skip_while(|l| !l.starts_with("Hash table 1"))
            .filter_map(|l| l.split('(').nth(1)?.strip_suffix("%)")?.parse::<f64>().ok())
            .sum();
        assert!((lines_pct - 100.0).abs() < 0.1, "{s}");
    }
}
