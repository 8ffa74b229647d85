//! Reading numbers from command arguments, replying with Redis's error when
//! an argument is not one. Redis counterpart: object.c's
//! get*FromObjectOrReply family (getLongLongFromObjectOrReply,
//! getRangeLongFromObjectOrReply, getPositiveLongFromObjectOrReply,
//! getIntFromObjectOrReply, getDoubleFromObjectOrReply).
//!
//! Each returns `None` after replying, so a command reads
//! `let Some(n) = get_long_or_reply(c, &argv[2], None) else { return };`.
//! `msg` replaces the default text, for a bad number and for one out of
//! range alike, as Redis's `msg` argument does.
//! Divergence: C `long` and `long long` are both 64-bit here, so the
//! "Long" and "LongLong" variants are one function.

use oxidis_ds::util;

use crate::networking::Client;
use crate::server::shared;

/// Redis: getLongLongFromObjectOrReply / getLongFromObjectOrReply.
pub fn get_long_or_reply(c: &mut Client, arg: &[u8], msg: Option<&str>) -> Option<i64> {
    let v = util::string2ll(arg);
    if v.is_none() {
        c.add_reply_error(msg.unwrap_or(shared::NOT_INTEGER));
    }
    v
}

/// Redis: getRangeLongFromObjectOrReply — a long within `min..=max`.
pub fn get_range_long_or_reply(
    c: &mut Client,
    arg: &[u8],
    min: i64,
    max: i64,
    msg: Option<&str>,
) -> Option<i64> {
    let v = get_long_or_reply(c, arg, msg)?;
    if v < min || v > max {
        match msg {
            Some(m) => c.add_reply_error(m),
            None => c.add_reply_error(&format!(
                "value is out of range, value must between {min} and {max}"
            )),
        }
        return None;
    }
    Some(v)
}

/// Redis: getPositiveLongFromObjectOrReply — zero or more.
pub fn get_positive_long_or_reply(c: &mut Client, arg: &[u8], msg: Option<&str>) -> Option<i64> {
    get_range_long_or_reply(
        c,
        arg,
        0,
        i64::MAX,
        Some(msg.unwrap_or(shared::NOT_POSITIVE)),
    )
}

/// Redis: getIntFromObjectOrReply — a long that also fits a C `int`.
pub fn get_int_or_reply(c: &mut Client, arg: &[u8], msg: Option<&str>) -> Option<i32> {
    get_range_long_or_reply(c, arg, i32::MIN.into(), i32::MAX.into(), msg).map(|v| v as i32)
}

/// Redis: getDoubleFromObjectOrReply. NaN is refused; infinities pass.
pub fn get_double_or_reply(c: &mut Client, arg: &[u8], msg: Option<&str>) -> Option<f64> {
    let v = util::string2d(arg);
    if v.is_none() {
        c.add_reply_error(msg.unwrap_or(shared::NOT_FLOAT));
    }
    v
}
