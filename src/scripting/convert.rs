//! Reply conversions between Redis's protocol and Lua values. Redis
//! counterpart: script_lua.c (`redisProtocolToLuaType` and its callbacks,
//! `luaReplyToRedisReply`).
//!
//! Direction 1, RESP → Lua: a command run from a script writes its reply into
//! the script's fake client exactly as it would for a socket; `resp_to_lua`
//! then parses those bytes (RESP2 or RESP3, whichever `redis.setresp` chose)
//! into the Lua value the script sees:
//!
//! | reply                      | Lua value                                  |
//! |----------------------------|--------------------------------------------|
//! | integer                    | number                                     |
//! | bulk string                | string                                     |
//! | null bulk / null array     | `false`                                    |
//! | status                     | `{ok = "..."}`                             |
//! | error                      | `{err = "..."}` (stats already counted)    |
//! | array                      | array table                                |
//! | RESP3 map / set            | `{map = {k = v}}` / `{set = {k = true}}`   |
//! | RESP3 null                 | `nil`                                      |
//! | RESP3 boolean              | boolean                                    |
//! | RESP3 double               | `{double = number}`                        |
//! | RESP3 big number           | `{big_number = "..."}`                     |
//! | RESP3 verbatim             | `{verbatim_string = {format=, string=}}`   |
//! | RESP3 attribute            | skipped                                    |
//!
//! Direction 2, Lua → client: `lua_to_reply` writes the script's return value
//! to the calling client (tables with `err`, `ok`, `double`, `big_number`,
//! `verbatim_string`, `map` or `set` fields are the special replies; any other
//! table is an array cut at the first nil; booleans depend on the script's
//! RESP version).

use mlua::{Lua, Table, Value};
use oxidis_ds::util;

use crate::networking::Client;

/// Parses one reply at `buf[*pos..]`. The buffer always holds complete
/// replies (it was written by a command handler), so a malformed one is a bug;
/// it yields an error rather than a panic.
pub fn resp_to_lua(lua: &Lua, buf: &[u8], pos: &mut usize) -> mlua::Result<Value> {
    let line = read_line(buf, pos)?;
    let (kind, rest) = match line.split_first() {
        Some((k, r)) => (*k, r),
        None => return Err(mlua::Error::runtime("empty reply")),
    };
    let num = || -> mlua::Result<i64> {
        util::string2ll(rest).ok_or_else(|| mlua::Error::runtime("bad reply length"))
    };
    Ok(match kind {
        b':' => Value::Number(num()? as f64),
        b'$' => {
            let n = num()?;
            if n < 0 {
                Value::Boolean(false)
            } else {
                let s = read_exact(buf, pos, n as usize)?;
                Value::String(lua.create_string(s)?)
            }
        }
        b'+' => single_field(lua, "ok", Value::String(lua.create_string(rest)?))?,
        b'-' => {
            let t = lua.create_table()?;
            t.raw_set("err", lua.create_string(rest)?)?;
            t.raw_set("ignore_error_stats_update", true)?;
            Value::Table(t)
        }
        b'*' => {
            let n = num()?;
            if n < 0 {
                Value::Boolean(false)
            } else {
                let t = lua.create_table_with_capacity(n as usize, 0)?;
                for i in 0..n {
                    let v = resp_to_lua(lua, buf, pos)?;
                    t.raw_set(i + 1, v)?;
                }
                Value::Table(t)
            }
        }
        b'%' => {
            let n = num()?;
            let m = lua.create_table()?;
            for _ in 0..n {
                let k = resp_to_lua(lua, buf, pos)?;
                let v = resp_to_lua(lua, buf, pos)?;
                m.raw_set(k, v)?;
            }
            single_field(lua, "map", Value::Table(m))?
        }
        b'~' => {
            let n = num()?;
            let m = lua.create_table()?;
            for _ in 0..n {
                let k = resp_to_lua(lua, buf, pos)?;
                m.raw_set(k, true)?;
            }
            single_field(lua, "set", Value::Table(m))?
        }
        b'_' => Value::Nil,
        b'#' => Value::Boolean(rest == b"t"),
        b',' => {
            let s = std::str::from_utf8(rest).unwrap_or("nan");
            let d: f64 = s.parse().unwrap_or(f64::NAN);
            single_field(lua, "double", Value::Number(d))?
        }
        b'(' => single_field(lua, "big_number", Value::String(lua.create_string(rest)?))?,
        b'=' => {
            let n = num()? as usize;
            let s = read_exact(buf, pos, n)?;
            let (fmt, body) = if s.len() >= 4 {
                s.split_at(4)
            } else {
                (s, &[][..])
            };
            let fmt = &fmt[..fmt.len().min(3)];
            let v = lua.create_table()?;
            v.raw_set("format", lua.create_string(fmt)?)?;
            v.raw_set("string", lua.create_string(body)?)?;
            single_field(lua, "verbatim_string", Value::Table(v))?
        }
        b'|' => {
            // Attributes carry no data a script sees: skip them, then the
            // reply they decorate follows.
            let n = num()?;
            for _ in 0..2 * n {
                resp_to_lua(lua, buf, pos)?;
            }
            return resp_to_lua(lua, buf, pos);
        }
        b'>' => {
            let n = num()?;
            let t = lua.create_table()?;
            for i in 0..n {
                let v = resp_to_lua(lua, buf, pos)?;
                t.raw_set(i + 1, v)?;
            }
            Value::Table(t)
        }
        _ => return Err(mlua::Error::runtime("unknown reply type")),
    })
}

fn single_field(lua: &Lua, name: &str, v: Value) -> mlua::Result<Value> {
    let t = lua.create_table()?;
    t.raw_set(name, v)?;
    Ok(Value::Table(t))
}

fn read_line<'a>(buf: &'a [u8], pos: &mut usize) -> mlua::Result<&'a [u8]> {
    let start = *pos;
    match memchr::memchr(b'\r', &buf[start.min(buf.len())..]) {
        Some(i) => {
            *pos = start + i + 2;
            Ok(&buf[start..start + i])
        }
        None => Err(mlua::Error::runtime("truncated reply")),
    }
}

fn read_exact<'a>(buf: &'a [u8], pos: &mut usize, n: usize) -> mlua::Result<&'a [u8]> {
    let start = *pos;
    if start + n + 2 > buf.len() {
        return Err(mlua::Error::runtime("truncated reply"));
    }
    *pos = start + n + 2;
    Ok(&buf[start..start + n])
}

/// Replaces CR and LF with spaces, as Redis's `sdsmapchars(s, "\r\n", "  ")`.
fn no_newlines(b: &[u8]) -> String {
    String::from_utf8_lossy(b).replace(['\r', '\n'], " ")
}

/// Writes an error reply. `count` is false when the error was already counted
/// in errorstats by the command that produced it (Redis's
/// ERR_REPLY_FLAG_NO_STATS_UPDATE): the calling command still counts as
/// failed, but errorstats and total_error_replies do not move.
pub fn add_error(c: &mut Client, msg: &str, count: bool) {
    let msg = msg.replace(['\r', '\n'], " ");
    if count {
        c.add_reply_error(&format!("-{}", msg));
    } else {
        c.cur_errors += 1;
        let mut v = Vec::with_capacity(msg.len() + 3);
        v.push(b'-');
        v.extend_from_slice(msg.as_bytes());
        v.extend_from_slice(b"\r\n");
        c.add_reply_raw(&v);
    }
}

/// Reads field `name` of `t` without metamethods, as Redis's lua_rawget.
fn raw_field(t: &Table, name: &str) -> Value {
    t.raw_get::<Value>(name).unwrap_or(Value::Nil)
}

/// The error information of an error table. Redis: luaExtractErrorInformation.
pub struct ErrorInfo {
    pub msg: String,
    pub source: Option<String>,
    pub line: Option<String>,
    pub ignore_stats: bool,
}

pub fn extract_error_info(t: &Table) -> ErrorInfo {
    let s = |v: Value| match v {
        Value::String(s) => Some(String::from_utf8_lossy(&s.as_bytes()).into_owned()),
        Value::Integer(i) => Some(i.to_string()),
        Value::Number(n) => Some(util::fmt_g(n, 14)),
        _ => None,
    };
    ErrorInfo {
        msg: s(t.get::<Value>("err").unwrap_or(Value::Nil)).unwrap_or_default(),
        source: s(t.get::<Value>("source").unwrap_or(Value::Nil)),
        line: s(t.get::<Value>("line").unwrap_or(Value::Nil)),
        ignore_stats: matches!(
            t.get::<Value>("ignore_error_stats_update"),
            Ok(Value::Boolean(true))
        ),
    }
}

/// Writes the Lua value `v` as the reply to `c`. `script_resp` is the RESP
/// version the script selected (booleans depend on it). Redis:
/// luaReplyToRedisReply.
pub fn lua_to_reply(c: &mut Client, script_resp: u8, v: &Value, depth: usize) {
    if depth > 190 {
        // Redis runs out of Lua stack at about this depth.
        c.add_reply_error("reached lua stack limit");
        return;
    }
    match v {
        Value::String(s) => c.add_reply_bulk(&s.as_bytes()),
        Value::Boolean(b) => {
            if script_resp == 2 {
                if *b {
                    c.add_reply_raw(b":1\r\n")
                } else {
                    c.add_reply_null()
                }
            } else {
                c.add_reply_bool(*b)
            }
        }
        Value::Integer(i) => c.add_reply_long(*i),
        Value::Number(n) => c.add_reply_long(double_to_ll(*n)),
        Value::Table(t) => table_to_reply(c, script_resp, t, depth),
        _ => c.add_reply_null(),
    }
}

/// C's `(long long)double`: truncation, saturating where C is undefined.
fn double_to_ll(n: f64) -> i64 {
    if n.is_nan() {
        i64::MIN
    } else {
        n as i64
    }
}

fn table_to_reply(c: &mut Client, resp: u8, t: &Table, depth: usize) {
    if let Value::String(_) = raw_field(t, "err") {
        let info = extract_error_info(t);
        add_error(c, &info.msg, !info.ignore_stats);
        return;
    }
    if let Value::String(s) = raw_field(t, "ok") {
        c.add_reply_status(&no_newlines(&s.as_bytes()));
        return;
    }
    match raw_field(t, "double") {
        Value::Number(d) => return c.add_reply_double(d),
        Value::Integer(i) => return c.add_reply_double(i as f64),
        _ => {}
    }
    if let Value::String(s) = raw_field(t, "big_number") {
        let n = no_newlines(&s.as_bytes());
        if c.resp >= 3 {
            c.add_reply_raw(format!("({}\r\n", n).as_bytes());
        } else {
            c.add_reply_bulk(n.as_bytes());
        }
        return;
    }
    if let Value::Table(vt) = raw_field(t, "verbatim_string") {
        if let (Value::String(f), Value::String(s)) =
            (raw_field(&vt, "format"), raw_field(&vt, "string"))
        {
            let fmt = String::from_utf8_lossy(&f.as_bytes()).into_owned();
            c.add_reply_verbatim(&s.as_bytes(), &fmt);
            return;
        }
    }
    // Lengths are deferred and elements converted while iterating: holding
    // the elements in a Rust Vec would pin each one on the Lua stack.
    if let Value::Table(m) = raw_field(t, "map") {
        let d = c.add_reply_deferred_len();
        let mut n = 0;
        for (k, v) in m.pairs::<Value, Value>().filter_map(|r| r.ok()) {
            lua_to_reply(c, resp, &k, depth + 1);
            lua_to_reply(c, resp, &v, depth + 1);
            n += 1;
        }
        c.set_deferred_map_len(d, n);
        return;
    }
    if let Value::Table(m) = raw_field(t, "set") {
        let d = c.add_reply_deferred_len();
        let mut n = 0;
        for (k, _) in m.pairs::<Value, Value>().filter_map(|r| r.ok()) {
            lua_to_reply(c, resp, &k, depth + 1);
            n += 1;
        }
        c.set_deferred_set_len(d, n);
        return;
    }
    let d = c.add_reply_deferred_len();
    let mut j = 1i64;
    loop {
        let v: Value = t.raw_get(j).unwrap_or(Value::Nil);
        if v.is_nil() {
            break;
        }
        lua_to_reply(c, resp, &v, depth + 1);
        j += 1;
    }
    c.set_deferred_array_len(d, (j - 1) as usize);
}

/// A Lua argument of redis.call as a command argument: strings as they are,
/// numbers as `%.17g` (Lua's own conversion loses precision). Redis:
/// luaArgsToRedisArgv.
pub fn lua_arg_to_bytes(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Integer(i) => Some(util::fmt_g17(*i as f64).into_bytes()),
        Value::Number(n) => Some(util::fmt_g17(*n).into_bytes()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(lua: &Lua, b: &[u8]) -> Value {
        let mut pos = 0;
        let v = resp_to_lua(lua, b, &mut pos).unwrap();
        assert_eq!(pos, b.len());
        v
    }

    fn reply(v: &Value, resp: u8, client_resp: u8) -> Vec<u8> {
        let mut c = Client::new(1, 0, None, 0);
        c.resp = client_resp;
        lua_to_reply(&mut c, resp, v, 0);
        c.buf.clone()
    }

    #[test]
    fn resp2_replies_to_lua() {
        let lua = Lua::new();
        assert!(matches!(parse(&lua, b":42\r\n"), Value::Number(n) if n == 42.0));
        assert!(matches!(parse(&lua, b"$-1\r\n"), Value::Boolean(false)));
        assert!(matches!(parse(&lua, b"*-1\r\n"), Value::Boolean(false)));
        match parse(&lua, b"$3\r\nfoo\r\n") {
            Value::String(s) => assert_eq!(&s.as_bytes()[..], b"foo"),
            _ => panic!(),
        }
        match parse(&lua, b"+OK\r\n") {
            Value::Table(t) => assert_eq!(t.get::<String>("ok").unwrap(), "OK"),
            _ => panic!(),
        }
        match parse(&lua, b"-ERR bad\r\n") {
            Value::Table(t) => assert_eq!(t.get::<String>("err").unwrap(), "ERR bad"),
            _ => panic!(),
        }
        match parse(&lua, b"*2\r\n:1\r\n$1\r\na\r\n") {
            Value::Table(t) => assert_eq!(t.raw_len(), 2),
            _ => panic!(),
        }
    }

    #[test]
    fn resp3_replies_to_lua() {
        let lua = Lua::new();
        assert!(parse(&lua, b"_\r\n").is_nil());
        assert!(matches!(parse(&lua, b"#t\r\n"), Value::Boolean(true)));
        match parse(&lua, b",3.5\r\n") {
            Value::Table(t) => assert_eq!(t.get::<f64>("double").unwrap(), 3.5),
            _ => panic!(),
        }
        match parse(&lua, b"%1\r\n$1\r\nk\r\n:1\r\n") {
            Value::Table(t) => {
                let m: Table = t.get("map").unwrap();
                assert_eq!(m.get::<i64>("k").unwrap(), 1);
            }
            _ => panic!(),
        }
        match parse(&lua, b"~1\r\n$1\r\na\r\n") {
            Value::Table(t) => {
                let m: Table = t.get("set").unwrap();
                assert!(m.get::<bool>("a").unwrap());
            }
            _ => panic!(),
        }
        match parse(&lua, b"=7\r\ntxt:abc\r\n") {
            Value::Table(t) => {
                let v: Table = t.get("verbatim_string").unwrap();
                assert_eq!(v.get::<String>("format").unwrap(), "txt");
                assert_eq!(v.get::<String>("string").unwrap(), "abc");
            }
            _ => panic!(),
        }
        match parse(&lua, b"(123\r\n") {
            Value::Table(t) => assert_eq!(t.get::<String>("big_number").unwrap(), "123"),
            _ => panic!(),
        }
    }

    #[test]
    fn lua_values_to_replies() {
        let lua = Lua::new();
        let v: Value = lua.load("return 3.9").eval().unwrap();
        assert_eq!(reply(&v, 2, 2), b":3\r\n");
        assert_eq!(reply(&Value::Boolean(true), 2, 2), b":1\r\n");
        assert_eq!(reply(&Value::Boolean(false), 2, 2), b"$-1\r\n");
        assert_eq!(reply(&Value::Boolean(false), 2, 3), b"_\r\n");
        assert_eq!(reply(&Value::Boolean(false), 3, 3), b"#f\r\n");
        assert_eq!(reply(&Value::Nil, 2, 2), b"$-1\r\n");
        let v: Value = lua.load("return {1, 'a', nil, 4}").eval().unwrap();
        assert_eq!(reply(&v, 2, 2), b"*2\r\n:1\r\n$1\r\na\r\n");
        let v: Value = lua.load("return {ok='FINE'}").eval().unwrap();
        assert_eq!(reply(&v, 2, 2), b"+FINE\r\n");
        let v: Value = lua.load("return {err='My Error'}").eval().unwrap();
        assert_eq!(reply(&v, 2, 2), b"-My Error\r\n");
        let v: Value = lua.load("return {double=3.14}").eval().unwrap();
        assert_eq!(reply(&v, 2, 3), b",3.1400000000000001\r\n");
        assert_eq!(reply(&v, 2, 2), b"$18\r\n3.1400000000000001\r\n");
        let v: Value = lua.load("return {map={a=1}}").eval().unwrap();
        assert_eq!(reply(&v, 2, 3), b"%1\r\n$1\r\na\r\n:1\r\n");
        assert_eq!(reply(&v, 2, 2), b"*2\r\n$1\r\na\r\n:1\r\n");
        let v: Value = lua.load("return {set={a=true}}").eval().unwrap();
        assert_eq!(reply(&v, 2, 3), b"~1\r\n$1\r\na\r\n");
        let v: Value = lua.load("return {big_number='123'}").eval().unwrap();
        assert_eq!(reply(&v, 2, 3), b"(123\r\n");
        assert_eq!(reply(&v, 2, 2), b"$3\r\n123\r\n");
        let v: Value = lua
            .load("return {verbatim_string={format='txt', string='hi'}}")
            .eval()
            .unwrap();
        assert_eq!(reply(&v, 2, 3), b"=6\r\ntxt:hi\r\n");
        assert_eq!(reply(&v, 2, 2), b"$2\r\nhi\r\n");
    }

    #[test]
    fn arguments_use_17_digits() {
        assert_eq!(lua_arg_to_bytes(&Value::Integer(3)).unwrap(), b"3");
        assert_eq!(
            lua_arg_to_bytes(&Value::Number(0.1)).unwrap(),
            b"0.10000000000000001"
        );
        assert!(lua_arg_to_bytes(&Value::Nil).is_none());
    }
}
