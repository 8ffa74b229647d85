//! Score and lex ranges: what ZRANGEBYSCORE, ZCOUNT, ZRANGEBYLEX and their
//! kin parse their bounds into, and the tests each encoding's range walk
//! applies to an element. Redis counterpart: t_zset.c (`zrangespec`,
//! `zlexrangespec`, `zslValueGteMin` and friends, `zslLexValueGteMin`).

/// A score range. Redis: zrangespec.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ZRangeSpec {
    pub min: f64,
    pub max: f64,
    pub minex: bool, // min is exclusive
    pub maxex: bool, // max is exclusive
}

impl ZRangeSpec {
    /// Redis: zslValueGteMin.
    #[inline]
    pub fn value_gte_min(&self, v: f64) -> bool {
        if self.minex {
            v > self.min
        } else {
            v >= self.min
        }
    }

    /// Redis: zslValueLteMax.
    #[inline]
    pub fn value_lte_max(&self, v: f64) -> bool {
        if self.maxex {
            v < self.max
        } else {
            v <= self.max
        }
    }

    /// False when no score can be inside (min > max, or an empty exclusive point).
    pub fn is_valid(&self) -> bool {
        !(self.min > self.max || (self.min == self.max && (self.minex || self.maxex)))
    }
}

/// One end of a lex range: `-`, `+`, `[member` or `(member`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LexBound {
    NegInf,
    PosInf,
    Incl(Vec<u8>),
    Excl(Vec<u8>),
}

impl LexBound {
    fn order(&self) -> (u8, &[u8]) {
        match self {
            LexBound::NegInf => (0, &[]),
            LexBound::Incl(b) | LexBound::Excl(b) => (1, b),
            LexBound::PosInf => (2, &[]),
        }
    }
}

/// A lex range. Redis: zlexrangespec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZLexRangeSpec {
    pub min: LexBound,
    pub max: LexBound,
}

impl ZLexRangeSpec {
    /// Redis: zslLexValueGteMin.
    #[inline]
    pub fn value_gte_min(&self, v: &[u8]) -> bool {
        match &self.min {
            LexBound::NegInf => true,
            LexBound::PosInf => false,
            LexBound::Incl(b) => v >= &b[..],
            LexBound::Excl(b) => v > &b[..],
        }
    }

    /// Redis: zslLexValueLteMax.
    #[inline]
    pub fn value_lte_max(&self, v: &[u8]) -> bool {
        match &self.max {
            LexBound::NegInf => false,
            LexBound::PosInf => true,
            LexBound::Incl(b) => v <= &b[..],
            LexBound::Excl(b) => v < &b[..],
        }
    }

    /// False when min sorts after max, or they are equal and one is exclusive.
    pub fn is_valid(&self) -> bool {
        let c = self.min.order().cmp(&self.max.order());
        let ex = matches!(self.min, LexBound::Excl(_)) || matches!(self.max, LexBound::Excl(_));
        !(c == std::cmp::Ordering::Greater || (c == std::cmp::Ordering::Equal && ex))
    }
}
