//! BITFIELD and BITFIELD_RO. Redis counterpart: bitops.c (7.0), second
//! half — the get/set helpers for integers of 1..64 bits at any bit offset,
//! the overflow checks (WRAP, SAT, FAIL), and bitfieldGeneric.
//!
//! Integers are stored big-endian at bit granularity: the most significant
//! bit of the field sits at the lowest bit offset, with bits numbered as
//! SETBIT numbers them.
//!
//! Divergence: a `#n` offset whose multiplication by the width overflows is
//! rejected as out of range (in C it is undefined behaviour).

use oxidis_ds::util;

use super::bitops::{bit_offset_or_reply, lookup_string_for_bit_command};
use crate::networking::Client;
use crate::server::shared;
use crate::server::Server;

/* ===================== Bit-level integer access ===================== */

/// Redis: setUnsignedBitfield — store the low `bits` bits of `value`.
pub(crate) fn set_unsigned_bitfield(p: &mut [u8], mut offset: u64, bits: u32, value: u64) {
    for j in 0..bits {
        let bitval = ((value >> (bits - 1 - j)) & 1) as u8;
        let byte = (offset >> 3) as usize;
        let bit = 7 - (offset & 7) as u32;
        p[byte] = (p[byte] & !(1 << bit)) | (bitval << bit);
        offset += 1;
    }
}

/// Redis: setSignedBitfield (two's complement).
pub(crate) fn set_signed_bitfield(p: &mut [u8], offset: u64, bits: u32, value: i64) {
    set_unsigned_bitfield(p, offset, bits, value as u64);
}

/// Redis: getUnsignedBitfield. Bytes beyond `p` read as zero.
pub(crate) fn get_unsigned_bitfield(p: &[u8], mut offset: u64, bits: u32) -> u64 {
    let mut value: u64 = 0;
    for _ in 0..bits {
        let byte = (offset >> 3) as usize;
        let bit = 7 - (offset & 7) as u32;
        let bitval = p.get(byte).map_or(0, |b| (b >> bit) & 1);
        value = (value << 1) | bitval as u64;
        offset += 1;
    }
    value
}

/// Redis: getSignedBitfield — sign-extends from bit `bits - 1`.
pub(crate) fn get_signed_bitfield(p: &[u8], offset: u64, bits: u32) -> i64 {
    let mut value = get_unsigned_bitfield(p, offset, bits) as i64;
    if bits < 64 && value & (1i64 << (bits - 1)) != 0 {
        value |= -1i64 << bits;
    }
    value
}

/// Overflow behaviour. Redis: BFOVERFLOW_WRAP/SAT/FAIL.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Overflow {
    Wrap,
    Sat,
    Fail,
}

/// Result of an overflow check: `None` when value + incr fits, otherwise
/// the value to store instead (the wrapped or saturated result; for FAIL
/// the value is meaningless and nothing is stored).
/// Redis: checkUnsignedBitfieldOverflow.
pub(crate) fn check_unsigned_overflow(
    value: u64,
    incr: i64,
    bits: u32,
    ow: Overflow,
) -> Option<u64> {
    let max: u64 = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let maxincr = max.wrapping_sub(value) as i64;
    let minincr = value.wrapping_neg() as i64;
    let wrap = || {
        let res = value.wrapping_add(incr as u64);
        if bits == 64 {
            res
        } else {
            res & max
        }
    };
    if value > max || (incr > 0 && incr > maxincr) {
        Some(match ow {
            Overflow::Wrap => wrap(),
            Overflow::Sat => max,
            Overflow::Fail => 0,
        })
    } else if incr < 0 && incr < minincr {
        Some(match ow {
            Overflow::Wrap => wrap(),
            Overflow::Sat => 0,
            Overflow::Fail => 0,
        })
    } else {
        None
    }
}

/// Redis: checkSignedBitfieldOverflow.
pub(crate) fn check_signed_overflow(value: i64, incr: i64, bits: u32, ow: Overflow) -> Option<i64> {
    let max: i64 = if bits == 64 {
        i64::MAX
    } else {
        (1i64 << (bits - 1)) - 1
    };
    let min = -max - 1;
    // These may wrap; they are only looked at once `value` is in range.
    let maxincr = (max as u64).wrapping_sub(value as u64) as i64;
    let minincr = min.wrapping_sub(value);
    let wrap = || {
        let mut c = (value as u64).wrapping_add(incr as u64);
        if bits < 64 {
            let mask = u64::MAX << bits;
            if c & (1u64 << (bits - 1)) != 0 {
                c |= mask;
            } else {
                c &= !mask;
            }
        }
        c as i64
    };
    if value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr) {
        Some(match ow {
            Overflow::Wrap => wrap(),
            Overflow::Sat => max,
            Overflow::Fail => 0,
        })
    } else if value < min
        || (bits != 64 && incr < minincr)
        || (value < 0 && incr < 0 && incr < minincr)
    {
        Some(match ow {
            Overflow::Wrap => wrap(),
            Overflow::Sat => min,
            Overflow::Fail => 0,
        })
    } else {
        None
    }
}

/* ===================== The command ===================== */

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum OpCode {
    Get,
    Set,
    IncrBy,
}

/// One parsed subcommand. Redis: struct bitfieldOp.
#[derive(Clone, Copy, Debug)]
struct BitfieldOp {
    offset: u64, // bit offset of the field
    i64: i64,    // SET value or INCRBY increment
    opcode: OpCode,
    owtype: Overflow, // overflow mode in force when the op was parsed
    bits: u32,        // field width
    sign: bool,       // i<bits> rather than u<bits>
}

/// Redis: getBitfieldTypeFromArgument — `i1`..`i64` or `u1`..`u63`.
pub(crate) fn parse_bitfield_type(arg: &[u8]) -> Option<(bool, u32)> {
    let sign = match arg.first() {
        Some(b'i') => true,
        Some(b'u') => false,
        _ => return None,
    };
    // Redis reads the width as a C string: it ends at the first NUL.
    let rest = &arg[1..];
    let rest = &rest[..memchr::memchr(0, rest).unwrap_or(rest.len())];
    let bits = util::string2ll(rest)?;
    let limit = if sign { 64 } else { 63 };
    if !(1..=limit).contains(&bits) {
        return None;
    }
    Some((sign, bits as u32))
}

/// Redis: bitfieldGeneric. `readonly_cmd` is BITFIELD_RO, which refuses
/// anything but GET.
fn bitfield_generic(s: &mut Server, c: &mut Client, argv: &[Vec<u8>], readonly_cmd: bool) {
    let mut ops: Vec<BitfieldOp> = Vec::new();
    let mut owtype = Overflow::Wrap;
    let mut readonly = true;
    let mut highest_write_offset: u64 = 0;
    let mut j = 2;
    while j < argv.len() {
        let remargs = argv.len() - j - 1;
        let sub = &argv[j][..];
        let opcode = if sub.eq_ignore_ascii_case(b"get") && remargs >= 2 {
            OpCode::Get
        } else if sub.eq_ignore_ascii_case(b"set") && remargs >= 3 {
            OpCode::Set
        } else if sub.eq_ignore_ascii_case(b"incrby") && remargs >= 3 {
            OpCode::IncrBy
        } else if sub.eq_ignore_ascii_case(b"overflow") && remargs >= 1 {
            let name = &argv[j + 1][..];
            owtype = if name.eq_ignore_ascii_case(b"wrap") {
                Overflow::Wrap
            } else if name.eq_ignore_ascii_case(b"sat") {
                Overflow::Sat
            } else if name.eq_ignore_ascii_case(b"fail") {
                Overflow::Fail
            } else {
                return c.add_reply_error("Invalid OVERFLOW type specified");
            };
            j += 2;
            continue;
        } else {
            return c.add_reply_syntax_err();
        };
        let Some((sign, bits)) = parse_bitfield_type(&argv[j + 1]) else {
            return c.add_reply_error(
                "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
            );
        };
        let Some(offset) = bit_offset_or_reply(s, c, &argv[j + 2], true, bits) else {
            return;
        };
        let mut value = 0;
        if opcode != OpCode::Get {
            readonly = false;
            highest_write_offset = highest_write_offset.max(offset + bits as u64 - 1);
            match util::string2ll(&argv[j + 3]) {
                Some(v) => value = v,
                None => return c.add_reply_error(shared::NOT_INTEGER),
            }
        }
        ops.push(BitfieldOp {
            offset,
            i64: value,
            opcode,
            owtype,
            bits,
            sign,
        });
        j += if opcode == OpCode::Get { 3 } else { 4 };
    }

    if readonly {
        // Read path: a missing key reads as zeros.
        let p = match s.lookup_key_read(c.db, &argv[1]) {
            Some(o) if !o.is_string() => return c.add_reply_wrongtype(),
            Some(o) => o.v.string_bytes().unwrap_or_default(),
            None => Default::default(),
        };
        c.add_reply_array_len(ops.len());
        for op in &ops {
            reply_get(c, &p, op);
        }
        return;
    }
    if readonly_cmd {
        return c.add_reply_error("BITFIELD_RO only supports the GET subcommand");
    }
    let Some((buf, dirty)) = lookup_string_for_bit_command(s, c, &argv[1], highest_write_offset)
    else {
        return;
    };
    c.add_reply_array_len(ops.len());
    let mut changes = 0;
    for op in &ops {
        match op.opcode {
            OpCode::Get => reply_get(c, buf, op),
            OpCode::Set | OpCode::IncrBy if op.sign => {
                let oldval = get_signed_bitfield(buf, op.offset, op.bits);
                let (newval, retval, overflow) = if op.opcode == OpCode::IncrBy {
                    match check_signed_overflow(oldval, op.i64, op.bits, op.owtype) {
                        Some(w) => (w, w, true),
                        None => (oldval + op.i64, oldval + op.i64, false),
                    }
                } else {
                    match check_signed_overflow(op.i64, 0, op.bits, op.owtype) {
                        Some(w) => (w, oldval, true),
                        None => (op.i64, oldval, false),
                    }
                };
                if overflow && op.owtype == Overflow::Fail {
                    c.add_reply_null();
                } else {
                    c.add_reply_long(retval);
                    set_signed_bitfield(buf, op.offset, op.bits, newval);
                    if dirty || oldval != newval {
                        changes += 1;
                    }
                }
            }
            OpCode::Set | OpCode::IncrBy => {
                let oldval = get_unsigned_bitfield(buf, op.offset, op.bits);
                let (newval, retval, overflow) = if op.opcode == OpCode::IncrBy {
                    match check_unsigned_overflow(oldval, op.i64, op.bits, op.owtype) {
                        Some(w) => (w, w, true),
                        None => {
                            let n = oldval.wrapping_add(op.i64 as u64);
                            (n, n, false)
                        }
                    }
                } else {
                    match check_unsigned_overflow(op.i64 as u64, 0, op.bits, op.owtype) {
                        Some(w) => (w, oldval, true),
                        None => (op.i64 as u64, oldval, false),
                    }
                };
                if overflow && op.owtype == Overflow::Fail {
                    c.add_reply_null();
                } else {
                    c.add_reply_long(retval as i64);
                    set_unsigned_bitfield(buf, op.offset, op.bits, newval);
                    if dirty || oldval != newval {
                        changes += 1;
                    }
                }
            }
        }
    }
    s.dirty += changes;
    if changes > 0 {
        s.signal_modified_key(c.db, &argv[1]);
        s.notify_keyspace_event(crate::notify::NOTIFY_STRING, "setbit", &argv[1], c.db);
    }
}

/// The reply to one GET subcommand over `p` (zero-padded past its end).
fn reply_get(c: &mut Client, p: &[u8], op: &BitfieldOp) {
    if op.sign {
        c.add_reply_long(get_signed_bitfield(p, op.offset, op.bits));
    } else {
        c.add_reply_long(get_unsigned_bitfield(p, op.offset, op.bits) as i64);
    }
}

/// BITFIELD key [GET type offset] [SET type offset value]
///   [INCRBY type offset increment] [OVERFLOW WRAP|SAT|FAIL] ...
pub fn bitfield_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    bitfield_generic(s, c, argv, false);
}

/// BITFIELD_RO key [GET type offset] ...
pub fn bitfield_ro_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    bitfield_generic(s, c, argv, true);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_set_roundtrip() {
        let mut p = vec![0u8; 16];
        for bits in 1..=64u32 {
            for off in [0u64, 3, 7, 9, 17] {
                let v: i64 = if bits == 64 {
                    -12345
                } else {
                    -(1i64 << (bits - 1))
                };
                set_signed_bitfield(&mut p, off, bits, v);
                assert_eq!(
                    get_signed_bitfield(&p, off, bits),
                    v,
                    "bits {bits} off {off}"
                );
                let u: u64 = if bits == 64 {
                    u64::MAX
                } else {
                    (1u64 << bits) - 1
                };
                set_unsigned_bitfield(&mut p, off, bits, u);
                assert_eq!(get_unsigned_bitfield(&p, off, bits), u);
            }
        }
        // Layout: u8 at bit 4 spans two bytes, big-endian.
        let mut q = vec![0u8; 2];
        set_unsigned_bitfield(&mut q, 4, 8, 0xab);
        assert_eq!(q, vec![0x0a, 0xb0]);
        // Reads past the end are zero.
        assert_eq!(get_unsigned_bitfield(&[0xff], 4, 8), 0xf0);
    }

    #[test]
    fn unsigned_overflow_modes() {
        assert_eq!(check_unsigned_overflow(250, 3, 8, Overflow::Wrap), None);
        assert_eq!(check_unsigned_overflow(250, 10, 8, Overflow::Wrap), Some(4));
        assert_eq!(
            check_unsigned_overflow(250, 10, 8, Overflow::Sat),
            Some(255)
        );
        assert!(check_unsigned_overflow(250, 10, 8, Overflow::Fail).is_some());
        assert_eq!(
            check_unsigned_overflow(5, -10, 8, Overflow::Wrap),
            Some(251)
        );
        assert_eq!(check_unsigned_overflow(5, -10, 8, Overflow::Sat), Some(0));
        // A SET value out of range, checked as value + 0.
        assert_eq!(check_unsigned_overflow(256, 0, 8, Overflow::Wrap), Some(0));
        assert_eq!(
            check_unsigned_overflow(u64::MAX, 0, 8, Overflow::Sat),
            Some(255)
        );
        assert_eq!(check_unsigned_overflow(1, 0, 63, Overflow::Sat), None);
    }

    #[test]
    fn signed_overflow_modes() {
        assert_eq!(check_signed_overflow(120, 7, 8, Overflow::Wrap), None);
        assert_eq!(
            check_signed_overflow(120, 10, 8, Overflow::Wrap),
            Some(-126)
        );
        assert_eq!(check_signed_overflow(120, 10, 8, Overflow::Sat), Some(127));
        assert_eq!(
            check_signed_overflow(-120, -10, 8, Overflow::Wrap),
            Some(126)
        );
        assert_eq!(
            check_signed_overflow(-120, -10, 8, Overflow::Sat),
            Some(-128)
        );
        assert_eq!(check_signed_overflow(200, 0, 8, Overflow::Wrap), Some(-56));
        assert_eq!(
            check_signed_overflow(i64::MAX, 1, 64, Overflow::Wrap),
            Some(i64::MIN)
        );
        assert_eq!(
            check_signed_overflow(i64::MAX, 1, 64, Overflow::Sat),
            Some(i64::MAX)
        );
        assert_eq!(
            check_signed_overflow(i64::MIN, -1, 64, Overflow::Sat),
            Some(i64::MIN)
        );
        assert_eq!(check_signed_overflow(-5, 3, 64, Overflow::Sat), None);
        assert_eq!(check_signed_overflow(0, -1, 1, Overflow::Wrap), None);
        assert_eq!(check_signed_overflow(-1, -1, 1, Overflow::Wrap), Some(0));
    }

    #[test]
    fn bitfield_types() {
        assert_eq!(parse_bitfield_type(b"i64"), Some((true, 64)));
        assert_eq!(parse_bitfield_type(b"u63"), Some((false, 63)));
        assert_eq!(parse_bitfield_type(b"u64"), None);
        assert_eq!(parse_bitfield_type(b"i0"), None);
        assert_eq!(parse_bitfield_type(b"I8"), None);
        assert_eq!(parse_bitfield_type(b"u"), None);
    }
}
