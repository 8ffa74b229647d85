//! The pseudo-random generator behind every random choice of oxidis: dict
//! sampling (RANDOMKEY, eviction, active expiry), the
//! skiplist's level draws, SPOP/SRANDMEMBER/HRANDFIELD/ZRANDMEMBER, the LFU
//! counter's coin. Redis counterpart: the `random()` calls spread through
//! dict.c, t_zset.c (zslRandomLevel), t_set.c and evict.c, and mt19937-64.c.
//!
//! One algorithm, wyrand: 64 bits of state, one multiply per draw, and it
//! passes the usual statistical batteries. Nothing here is for secrets
//! (`util::get_random_bytes` reads /dev/urandom for run ids and seeds).
//! Two ways to use it:
//! - [`Rng`], a value the caller owns: deterministic from its seed, for tests
//!   and for a caller that draws many times in a row;
//! - [`random_u64`] / [`random_below`] / [`random_f64`], one generator per
//!   thread, seeded from /dev/urandom at its first use.
//!
//! Divergence: Lua's `math.random` inside scripts keeps Redis's own
//! `redisLrand48` (scripting/lua.rs), because scripts must see Redis's exact
//! sequence for a given seed; that is part of the scripting contract, not a
//! general-purpose generator.

use std::cell::Cell;

/// A wyrand generator. Redis: the state behind `random()`.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// A generator seeded from the thread's generator.
    pub fn from_thread() -> Rng {
        Rng(random_u64())
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0xa076_1d64_78bd_642f);
        let t = u128::from(self.0) * u128::from(self.0 ^ 0xe703_7ed1_a0b4_28db);
        (t as u64) ^ ((t >> 64) as u64)
    }

    /// A number in `0..n` (`n > 0`). The modulo bias is below 2^-40 for any
    /// `n` a collection can have, far under what sampling can notice.
    #[inline]
    pub fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `[0, 1)` with 53 random bits.
    #[inline]
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

thread_local! {
    static THREAD_RNG: Cell<u64> = Cell::new(entropy_seed());
}

fn entropy_seed() -> u64 {
    let mut b = [0u8; 8];
    crate::util::get_random_bytes(&mut b);
    u64::from_le_bytes(b)
}

/// The next 64 bits of this thread's generator.
#[inline]
pub fn random_u64() -> u64 {
    THREAD_RNG.with(|s| {
        let mut r = Rng(s.get());
        let v = r.next_u64();
        s.set(r.0);
        v
    })
}

/// A number in `0..n` (`n > 0`) from this thread's generator.
#[inline]
pub fn random_below(n: usize) -> usize {
    debug_assert!(n > 0);
    (random_u64() % n as u64) as usize
}

/// A number in `[0, 1)` from this thread's generator.
#[inline]
pub fn random_f64() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_fixes_the_sequence() {
        let (mut a, mut b) = (Rng::new(42), Rng::new(42));
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
    }

    #[test]
    fn draws_stay_in_range_and_cover_it() {
        let mut r = Rng::new(7);
        let mut seen = [0u32; 10];
        for _ in 0..10_000 {
            let i = r.below(10);
            seen[i] += 1;
            let f = r.next_f64();
            assert!((0.0..1.0).contains(&f));
        }
        // Each bucket expects 1,000; a fair generator stays far inside this.
        assert!(seen.iter().all(|&n| (800..1200).contains(&n)), "{seen:?}");
        let f = random_f64();
        assert!((0.0..1.0).contains(&f));
        assert!(random_below(3) < 3);
    }
}
