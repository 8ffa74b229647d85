//! The `cmsgpack` library (lua-cmsgpack 0.4.0 as Redis bundles in
//! deps/lua/src/lua_cmsgpack.c), written in Rust.
//!
//! Encoding rules, as lua-cmsgpack: integral numbers take the smallest
//! integer format, other numbers a float32 when exact, else a float64; a
//! table whose keys are exactly 1..n is an array, any other a map (in
//! `next` order); tables nested deeper than 16 levels, functions and other
//! values encode as nil. `pack(a, b, ...)` concatenates the encodings;
//! `unpack` decodes every object, `unpack_one` / `unpack_limit` decode some
//! and return the next offset first (-1 at the end of the input).

use mlua::{Lua, Table, Value, Variadic};

const MAX_NESTING: usize = 16;

fn encode_int(out: &mut Vec<u8>, n: i64) {
    if n >= 0 {
        if n <= 127 {
            out.push(n as u8);
        } else if n <= 0xff {
            out.extend_from_slice(&[0xcc, n as u8]);
        } else if n <= 0xffff {
            out.push(0xcd);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        } else if n <= 0xffff_ffff {
            out.push(0xce);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        } else {
            out.push(0xcf);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    } else if n >= -32 {
        out.push(n as i8 as u8);
    } else if n >= -128 {
        out.extend_from_slice(&[0xd0, n as i8 as u8]);
    } else if n >= -32768 {
        out.push(0xd1);
        out.extend_from_slice(&(n as i16).to_be_bytes());
    } else if n >= -2147483648 {
        out.push(0xd2);
        out.extend_from_slice(&(n as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn encode_number(out: &mut Vec<u8>, n: f64) {
    if !n.is_infinite()
        && (-9.223372036854776e18..9.223372036854776e18).contains(&n)
        && (n as i64) as f64 == n
    {
        encode_int(out, n as i64);
    } else if (n as f32) as f64 == n {
        out.push(0xca);
        out.extend_from_slice(&(n as f32).to_be_bytes());
    } else {
        out.push(0xcb);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn encode_len(out: &mut Vec<u8>, n: usize, fix: u8, fixmax: usize, b16: u8, b32: u8) {
    if n <= fixmax {
        out.push(fix | n as u8);
    } else if n <= 0xffff {
        out.push(b16);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(b32);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

fn encode_bytes(out: &mut Vec<u8>, s: &[u8]) {
    let n = s.len();
    if n < 32 {
        out.push(0xa0 | n as u8);
    } else if n <= 0xff {
        out.extend_from_slice(&[0xd9, n as u8]);
    } else if n <= 0xffff {
        out.push(0xda);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
    out.extend_from_slice(s);
}

/// lua-cmsgpack's table_is_an_array: the keys are exactly 1..n.
fn array_len(t: &Table) -> mlua::Result<Option<usize>> {
    let (mut count, mut max) = (0usize, 0usize);
    for pair in t.pairs::<Value, Value>() {
        let (k, _) = pair?;
        let n = match k {
            Value::Integer(i) => i as f64,
            Value::Number(n) => n,
            _ => return Ok(None),
        };
        if n <= 0.0 || n.floor() != n || n > i32::MAX as f64 {
            return Ok(None);
        }
        max = max.max(n as usize);
        count += 1;
    }
    Ok(if max == count { Some(count) } else { None })
}

fn encode_value(out: &mut Vec<u8>, v: &Value, level: usize) -> mlua::Result<()> {
    match v {
        Value::String(s) => encode_bytes(out, &s.as_bytes()),
        Value::Boolean(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Integer(i) => encode_int(out, *i),
        Value::Number(n) => encode_number(out, *n),
        Value::Table(t) if level < MAX_NESTING => match array_len(t)? {
            Some(n) => {
                encode_len(out, n, 0x90, 15, 0xdc, 0xdd);
                for i in 1..=n {
                    let e: Value = t.raw_get(i)?;
                    encode_value(out, &e, level + 1)?;
                }
            }
            None => {
                // Counted first, then encoded while iterating: a Rust Vec of
                // Lua values would pin every one of them on the Lua stack.
                let mut n = 0;
                for pair in t.pairs::<Value, Value>() {
                    pair?;
                    n += 1;
                }
                encode_len(out, n, 0x80, 15, 0xde, 0xdf);
                for pair in t.pairs::<Value, Value>() {
                    let (k, val) = pair?;
                    encode_value(out, &k, level + 1)?;
                    encode_value(out, &val, level + 1)?;
                }
            }
        },
        _ => out.push(0xc0),
    }
    Ok(())
}

enum DecodeError {
    Eof,
    BadFormat,
}

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], DecodeError> {
        if self.pos + n > self.s.len() {
            return Err(DecodeError::Eof);
        }
        let r = &self.s[self.pos..self.pos + n];
        self.pos += n;
        Ok(r)
    }
    fn be(&mut self, n: usize) -> Result<u64, DecodeError> {
        Ok(self.take(n)?.iter().fold(0u64, |a, &b| (a << 8) | b as u64))
    }
}

fn decode_value(lua: &Lua, c: &mut Cursor) -> Result<Value, DecodeError> {
    let b = c.take(1)?[0];
    let lua_err = |_| DecodeError::BadFormat;
    let num = |n: f64| Ok(Value::Number(n));
    match b {
        0x00..=0x7f => num(b as f64),
        0xe0..=0xff => num(b as i8 as f64),
        0xcc => num(c.be(1)? as f64),
        0xcd => num(c.be(2)? as f64),
        0xce => num(c.be(4)? as f64),
        0xcf => num(c.be(8)? as f64),
        0xd0 => num(c.be(1)? as u8 as i8 as f64),
        0xd1 => num(c.be(2)? as u16 as i16 as f64),
        0xd2 => num(c.be(4)? as u32 as i32 as f64),
        0xd3 => num(c.be(8)? as i64 as f64),
        0xc0 => Ok(Value::Nil),
        0xc3 => Ok(Value::Boolean(true)),
        0xc2 => Ok(Value::Boolean(false)),
        0xca => num(f32::from_bits(c.be(4)? as u32) as f64),
        0xcb => num(f64::from_bits(c.be(8)?)),
        0xa0..=0xbf | 0xd9 | 0xda | 0xdb => {
            let n = match b {
                0xd9 => c.be(1)?,
                0xda => c.be(2)?,
                0xdb => c.be(4)?,
                _ => (b & 0x1f) as u64,
            } as usize;
            let s = c.take(n)?;
            lua.create_string(s).map(Value::String).map_err(lua_err)
        }
        0x90..=0x9f | 0xdc | 0xdd => {
            let n = match b {
                0xdc => c.be(2)?,
                0xdd => c.be(4)?,
                _ => (b & 0x0f) as u64,
            } as usize;
            let t = lua.create_table().map_err(lua_err)?;
            for i in 0..n {
                let v = decode_value(lua, c)?;
                t.raw_set(i + 1, v).map_err(lua_err)?;
            }
            Ok(Value::Table(t))
        }
        0x80..=0x8f | 0xde | 0xdf => {
            let n = match b {
                0xde => c.be(2)?,
                0xdf => c.be(4)?,
                _ => (b & 0x0f) as u64,
            } as usize;
            let t = lua.create_table().map_err(lua_err)?;
            for _ in 0..n {
                let k = decode_value(lua, c)?;
                let v = decode_value(lua, c)?;
                if !k.is_nil() {
                    t.raw_set(k, v).map_err(lua_err)?;
                }
            }
            Ok(Value::Table(t))
        }
        _ => Err(DecodeError::BadFormat),
    }
}

/// Redis: mp_unpack_full. `limit` and `offset` 0 decode everything and
/// return only the objects.
fn unpack_full(lua: &Lua, s: &[u8], limit: i64, offset: i64) -> mlua::Result<Variadic<Value>> {
    let decode_all = limit == 0 && offset == 0;
    if offset < 0 || limit < 0 {
        return Err(mlua::Error::runtime(format!(
            "Invalid request to unpack with offset of {} and limit of {}.",
            offset,
            s.len()
        )));
    }
    if offset as usize > s.len() {
        return Err(mlua::Error::runtime(format!(
            "Start offset {} greater than input length {}.",
            offset,
            s.len()
        )));
    }
    let limit = if decode_all { i64::MAX } else { limit };
    let mut c = Cursor {
        s,
        pos: offset as usize,
    };
    let mut out = Vec::new();
    let mut cnt = 0;
    while c.pos < s.len() && cnt < limit {
        match decode_value(lua, &mut c) {
            Ok(v) => out.push(v),
            Err(DecodeError::Eof) => return Err(mlua::Error::runtime("Missing bytes in input.")),
            Err(DecodeError::BadFormat) => {
                return Err(mlua::Error::runtime("Bad data format in input."))
            }
        }
        cnt += 1;
    }
    if !decode_all {
        let next = if c.pos == s.len() { -1 } else { c.pos as i64 };
        out.insert(0, Value::Integer(next));
    }
    Ok(Variadic::from_iter(out))
}

fn int_arg(v: Option<&Value>) -> i64 {
    match v {
        Some(Value::Integer(i)) => *i,
        Some(Value::Number(n)) => *n as i64,
        _ => 0,
    }
}

fn bytes_arg(v: Option<&Value>, fname: &str) -> mlua::Result<Vec<u8>> {
    match v {
        Some(Value::String(s)) => Ok(s.as_bytes().to_vec()),
        Some(Value::Integer(i)) => Ok(i.to_string().into_bytes()),
        Some(Value::Number(n)) => Ok(oxidis_ds::util::fmt_g(*n, 14).into_bytes()),
        _ => Err(mlua::Error::runtime(format!(
            "bad argument #1 to '{}' (string expected, got no value)",
            fname
        ))),
    }
}

pub fn load(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set(
        "pack",
        lua.create_function(|lua, args: Variadic<Value>| {
            if args.is_empty() {
                return super::located(
                    lua,
                    Err(mlua::Error::runtime(
                        "bad argument #0 to 'pack' (MessagePack pack needs input.)",
                    )),
                );
            }
            let mut out = Vec::new();
            for a in args.iter() {
                super::located(lua, encode_value(&mut out, a, 0))?;
            }
            lua.create_string(&out)
        })?,
    )?;
    t.raw_set(
        "unpack",
        lua.create_function(|lua, args: Variadic<Value>| {
            let r = bytes_arg(args.first(), "unpack").and_then(|s| unpack_full(lua, &s, 0, 0));
            super::located(lua, r)
        })?,
    )?;
    t.raw_set(
        "unpack_one",
        lua.create_function(|lua, args: Variadic<Value>| {
            let r = bytes_arg(args.first(), "unpack_one")
                .and_then(|s| unpack_full(lua, &s, 1, int_arg(args.get(1))));
            super::located(lua, r)
        })?,
    )?;
    t.raw_set(
        "unpack_limit",
        lua.create_function(|lua, args: Variadic<Value>| {
            let r = bytes_arg(args.first(), "unpack_limit")
                .and_then(|s| unpack_full(lua, &s, int_arg(args.get(1)), int_arg(args.get(2))));
            super::located(lua, r)
        })?,
    )?;
    t.raw_set("_NAME", "cmsgpack")?;
    t.raw_set("_VERSION", "lua-cmsgpack 0.4.0")?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(lua: &Lua, src: &str) -> String {
        let s: mlua::LuaString = lua.load(src).eval().unwrap();
        s.as_bytes().iter().map(|b| format!("{:02x}", b)).collect()
    }

    #[test]
    fn pack_like_lua_cmsgpack() {
        let lua = Lua::new();
        lua.globals().set("cmsgpack", load(&lua).unwrap()).unwrap();
        assert_eq!(hex(&lua, "return cmsgpack.pack(0.1)"), "cb3fb999999999999a");
        assert_eq!(
            hex(&lua, "return cmsgpack.pack(-1099511627776)"),
            "d3ffffff0000000000"
        );
        assert_eq!(hex(&lua, "return cmsgpack.pack({1,2,3})"), "93010203");
        assert_eq!(
            hex(&lua, "return cmsgpack.pack(0.5, -1, true, 'ab')"),
            "ca3f000000ffc3a26162"
        );
        let ok: bool = lua
            .load(
                "local e = cmsgpack.pack({a=1, b={1,2,'x'}}, 300, -300)
                 local t, n, m = cmsgpack.unpack(e)
                 local off, one = cmsgpack.unpack_one(e, 0)
                 return t.a == 1 and t.b[3] == 'x' and n == 300 and m == -300 and one.b[2] == 2 and off > 0",
            )
            .eval()
            .unwrap();
        assert!(ok);
    }
}
