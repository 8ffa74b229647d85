//! The per-type config interfaces. Redis counterpart: config.c's
//! boolConfigSet/Get/Rewrite, stringConfig*, sdsConfig*, enumConfig* (with
//! configEnumGetValue / configEnumGetName), numericParseString,
//! numericBoundaryCheck and numericConfig*.
//!
//! One generic implementation per [`Kind`] serves every directive in the
//! table, as config.c's function pointers do.

use oxidis_ds::util::{memtoull, string2ll};

use super::flags::*;
use super::table::{ConfigDef, Kind, INTEGER, MEMORY, OCTAL, PERCENT};
use super::*;

/* ------------------------- Generic type logic -------------------------- */

/// configEnumGetName: a perfect match, or for bit flags the names of the
/// set bits; "unknown" if nothing matches.
pub(crate) fn enum_name(items: &[(&str, i32)], value: i32, bitflags: bool) -> String {
    let mut names: Vec<&str> = Vec::new();
    let mut unmatched = value;
    for &(name, v) in items {
        if v == value {
            return name.to_string();
        }
        if bitflags && v != 0 && v == (unmatched & v) {
            names.push(name);
            unmatched &= !v;
        }
    }
    if names.is_empty() || unmatched != 0 {
        return "unknown".to_string();
    }
    names.join(" ")
}

/// C's strtoll over a whole string: leading whitespace and a sign allowed,
/// "" or a bare sign read as 0 with nothing consumed; Some only if every
/// byte was consumed, with (value, overflowed).
pub(crate) fn strtoll_full(s: &[u8], base: u32) -> Option<(i64, bool)> {
    let mut i = 0;
    while i < s.len() && oxidis_ds::util::is_c_space(s[i]) {
        i += 1;
    }
    let neg = i < s.len() && s[i] == b'-';
    if i < s.len() && (s[i] == b'-' || s[i] == b'+') {
        i += 1;
    }
    let start = i;
    let mut v: i128 = 0;
    while i < s.len() {
        let Some(d) = (s[i] as char).to_digit(base) else {
            break;
        };
        v = (v * base as i128 + d as i128).min(1 << 70);
        i += 1;
    }
    if i == start {
        // No digits: strtoll consumes nothing, so only "" is fully consumed.
        return if s.is_empty() { Some((0, false)) } else { None };
    }
    if i != s.len() {
        return None;
    }
    let v = if neg { -v } else { v };
    if v > i64::MAX as i128 {
        Some((i64::MAX, true))
    } else if v < i64::MIN as i128 {
        Some((i64::MIN, true))
    } else {
        Some((v as i64, false))
    }
}

/// numericParseString.
fn parse_numeric(nflags: u8, v: &[u8]) -> Result<i64, &'static str> {
    if nflags & MEMORY != 0 {
        if let Some(x) = memtoull(v) {
            return Ok(x as i64);
        }
    }
    if nflags & PERCENT != 0 && v.len() > 1 && v[v.len() - 1] == b'%' {
        if let Some(x) = string2ll(&v[..v.len() - 1]) {
            if x >= 0 {
                return Ok(-x);
            }
        }
    }
    if nflags & OCTAL != 0 {
        if let Some((x, false)) = strtoll_full(v, 8) {
            return Ok(x);
        }
    }
    if nflags == INTEGER {
        if let Some(x) = string2ll(v) {
            return Ok(x);
        }
    }
    Err(if nflags & MEMORY != 0 && nflags & PERCENT != 0 {
        "argument must be a memory or percent value"
    } else if nflags & MEMORY != 0 {
        "argument must be a memory value"
    } else if nflags & OCTAL != 0 {
        "argument couldn't be parsed as an octal number"
    } else {
        "argument couldn't be parsed into an integer"
    })
}

/// numericBoundaryCheck.
fn check_bounds(lo: i64, hi: i64, nflags: u8, unsigned: bool, v: i64) -> Result<(), String> {
    if unsigned {
        let (u, ulo, uhi) = (v as u64, lo as u64, hi as u64);
        if u > uhi || u < ulo {
            return Err(if nflags & OCTAL != 0 {
                format!("argument must be between {:o} and {:o} inclusive", ulo, uhi)
            } else {
                format!("argument must be between {} and {} inclusive", ulo, uhi)
            });
        }
    } else if nflags & PERCENT != 0 && v < 0 {
        if v < lo {
            return Err(format!(
                "percentage argument must be less or equal to {}",
                -lo
            ));
        }
    } else if v > hi || v < lo {
        return Err(format!(
            "argument must be between {} and {} inclusive",
            lo, hi
        ));
    }
    Ok(())
}

impl ConfigDef {
    /// Store the built-in default (the `init` interface).
    pub(crate) fn init(&self, c: &mut Config) {
        match &self.kind {
            Kind::Bool { set, default, .. } => set(c, *default),
            Kind::Str { set, default, .. } => set(c, default.map(str::to_string)),
            Kind::Sds { set, .. } => set(c, None),
            Kind::Enum { set, default, .. } => set(c, *default),
            Kind::Num { set, default, .. } => set(c, *default),
            Kind::Special { .. } => {}
        }
    }

    /// The CONFIG GET text of the current value.
    pub fn get_value(&self, c: &Config) -> String {
        match &self.kind {
            Kind::Bool { get, .. } => if get(c) { "yes" } else { "no" }.to_string(),
            Kind::Str { get, .. } => get(c).unwrap_or("").to_string(),
            Kind::Sds { get, .. } => String::from_utf8_lossy(get(c).unwrap_or(b"")).into_owned(),
            Kind::Enum { get, items, .. } => enum_name(items, get(c), self.flags & MULTI_ARG != 0),
            Kind::Num { get, nflags, .. } => {
                let v = get(c);
                if nflags & PERCENT != 0 && v < 0 {
                    format!("{}%", -v)
                } else if nflags & MEMORY != 0 {
                    (v as u64).to_string()
                } else if nflags & OCTAL != 0 {
                    format!("{:o}", v)
                } else {
                    v.to_string()
                }
            }
            Kind::Special { get, .. } => get(c),
        }
    }

    /// The `set` interface: Ok(true) if the value changed (or the config is
    /// VOLATILE), Ok(false) if it was already that value. `loading` is true
    /// while reading a config file (it changes how `save` accumulates).
    pub(crate) fn set_args(
        &self,
        c: &mut Config,
        argv: &[Vec<u8>],
        loading: bool,
    ) -> Result<bool, String> {
        let volatile = self.flags & VOLATILE != 0;
        let first = || argv.first().map(|v| v.as_slice()).unwrap_or(b"");
        match &self.kind {
            Kind::Bool {
                get, set, valid, ..
            } => {
                let a = first();
                let yn = if a.eq_ignore_ascii_case(b"yes") {
                    true
                } else if a.eq_ignore_ascii_case(b"no") {
                    false
                } else {
                    return Err("argument must be 'yes' or 'no'".into());
                };
                if let Some(f) = valid {
                    f(yn)?;
                }
                if get(c) != yn {
                    set(c, yn);
                    return Ok(true);
                }
                Ok(volatile)
            }
            Kind::Str {
                get,
                set,
                empty_is_null,
                valid,
                ..
            } => {
                let a = String::from_utf8_lossy(first()).into_owned();
                if let Some(f) = valid {
                    f(c, &a)?;
                }
                let new = if *empty_is_null && a.is_empty() {
                    None
                } else {
                    Some(a)
                };
                if get(c) != new.as_deref() {
                    set(c, new);
                    return Ok(true);
                }
                Ok(volatile)
            }
            Kind::Sds { get, set } => {
                let a = first();
                let new = if a.is_empty() { None } else { Some(a.to_vec()) };
                if get(c) != new.as_deref() {
                    set(c, new);
                    return Ok(true);
                }
                Ok(volatile)
            }
            Kind::Enum {
                get,
                set,
                items,
                valid,
                ..
            } => {
                let bitflags = self.flags & MULTI_ARG != 0;
                let value = enum_value(items, argv, bitflags).ok_or_else(|| {
                    let names: Vec<&str> = items.iter().map(|(n, _)| *n).collect();
                    let mut msg = format!(
                        "argument(s) must be one of the following: {}",
                        names.join(", ")
                    );
                    msg.truncate(255); // Redis formats into a 256-byte buffer
                    msg
                })?;
                if let Some(f) = valid {
                    f(value)?;
                }
                if get(c) != value {
                    set(c, value);
                    return Ok(true);
                }
                Ok(volatile)
            }
            Kind::Num {
                get,
                set,
                lower,
                upper,
                nflags,
                unsigned,
                ..
            } => {
                let v = parse_numeric(*nflags, first())?;
                check_bounds(*lower, *upper, *nflags, *unsigned, v)?;
                if get(c) != v {
                    set(c, v);
                    return Ok(true);
                }
                Ok(volatile)
            }
            Kind::Special { set, .. } => set(c, argv, loading),
        }
    }

    /// The `rewrite` interface.
    pub(crate) fn rewrite(&self, c: &Config, st: &mut super::rewrite::State) {
        use super::rewrite::format_memory;
        let name = self.name;
        match &self.kind {
            Kind::Bool { get, default, .. } => {
                let v = get(c);
                let line = format!("{} {}", name, if v { "yes" } else { "no" });
                st.rewrite_line(name, line, v != *default);
            }
            Kind::Str { get, default, .. } => match get(c) {
                None => st.mark_processed(name),
                Some(v) => {
                    let force = *default != Some(v);
                    st.rewrite_line(
                        name,
                        format!("{} {}", name, oxidis_ds::util::repr(v.as_bytes())),
                        force,
                    );
                }
            },
            Kind::Sds { get, .. } => match get(c) {
                None => st.mark_processed(name),
                Some(v) => {
                    st.rewrite_line(name, format!("{} {}", name, oxidis_ds::util::repr(v)), true)
                }
            },
            Kind::Enum {
                get,
                items,
                default,
                ..
            } => {
                let v = get(c);
                let names = enum_name(items, v, self.flags & MULTI_ARG != 0);
                st.rewrite_line(name, format!("{} {}", name, names), v != *default);
            }
            Kind::Num {
                get,
                default,
                nflags,
                ..
            } => {
                let v = get(c);
                let force = v != *default;
                let line = if nflags & PERCENT != 0 && v < 0 {
                    format!("{} {}%", name, -v)
                } else if nflags & MEMORY != 0 {
                    format!("{} {}", name, format_memory(v))
                } else if nflags & OCTAL != 0 {
                    format!("{} {:o}", name, v)
                } else {
                    format!("{} {}", name, v)
                };
                st.rewrite_line(name, line, force);
            }
            Kind::Special { rewrite, .. } => rewrite(c, name, st),
        }
    }
}

/// configEnumGetValue: one name (or, for bit flags, several OR-ed together),
/// matched case-insensitively. None if any argument is unknown or there are
/// none.
fn enum_value(items: &[(&str, i32)], argv: &[Vec<u8>], bitflags: bool) -> Option<i32> {
    if argv.is_empty() || (!bitflags && argv.len() != 1) {
        return None;
    }
    let mut values = 0;
    for a in argv {
        let mut matched = false;
        for &(name, v) in items {
            if a.eq_ignore_ascii_case(name.as_bytes()) {
                values |= v;
                matched = true;
            }
        }
        if !matched {
            return None;
        }
    }
    Some(values)
}
