//! The `cjson` library (lua-cjson 2.1.0 as Redis bundles in
//! deps/lua/src/lua_cjson.c), written in Rust.
//!
//! `cjson.encode` follows lua-cjson's rules: a table whose keys are all
//! positive integers is an array (holes become `null`; an excessively sparse
//! one is an error), any other table an object whose keys must be strings or
//! numbers; an empty table is `{}`; numbers print as `%.14g`; NaN and
//! infinities are refused unless `encode_invalid_numbers(true)`; '/' is
//! escaped. `cjson.decode` maps `null` to `cjson.null` (a NULL light
//! userdata). The configuration functions (`encode_max_depth`, ...) keep
//! per-interpreter settings.

use std::cell::RefCell;
use std::rc::Rc;

use mlua::{LightUserData, Lua, Table, Value, Variadic};
use oxidis_ds::util;

#[derive(Clone, Copy)]
struct Config {
    encode_max_depth: i64,
    decode_max_depth: i64,
    encode_invalid_numbers: bool,
    decode_invalid_numbers: bool,
    encode_number_precision: usize,
    sparse_convert: bool,
    sparse_ratio: i64,
    sparse_safe: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            encode_max_depth: 1000,
            decode_max_depth: 1000,
            encode_invalid_numbers: false,
            decode_invalid_numbers: true,
            encode_number_precision: 14,
            sparse_convert: false,
            sparse_ratio: 2,
            sparse_safe: 10,
        }
    }
}

fn err<T>(msg: String) -> mlua::Result<T> {
    Err(mlua::Error::runtime(msg))
}

fn is_null(v: &Value) -> bool {
    matches!(v, Value::LightUserData(p) if p.0.is_null())
}

fn append_string(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for &b in s {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'/' => out.extend_from_slice(b"\\/"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            b if b < 0x20 || b == 0x7f => out.extend_from_slice(format!("\\u{:04x}", b).as_bytes()),
            b => out.push(b),
        }
    }
    out.push(b'"');
}

fn append_number(out: &mut Vec<u8>, cfg: &Config, n: f64) -> mlua::Result<()> {
    if !n.is_finite() && !cfg.encode_invalid_numbers {
        return err("Cannot serialise number: must not be NaN or Inf".into());
    }
    let s = if n.is_nan() {
        "nan".to_string()
    } else if n.is_infinite() {
        if n > 0.0 { "inf" } else { "-inf" }.to_string()
    } else {
        util::fmt_g(n, cfg.encode_number_precision)
    };
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

fn number_of(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Number(n) => Some(*n),
        _ => None,
    }
}

/// lua-cjson's lua_array_length: Some(max index) for an array, None for an
/// object. Errors on an excessively sparse array.
fn array_length(cfg: &Config, t: &Table) -> mlua::Result<Option<i64>> {
    let mut max = 0i64;
    let mut items = 0i64;
    for pair in t.pairs::<Value, Value>() {
        let (k, _) = pair?;
        match number_of(&k) {
            Some(n) if n >= 1.0 && n.floor() == n => {
                max = max.max(n as i64);
                items += 1;
            }
            _ => return Ok(None),
        }
    }
    if cfg.sparse_ratio > 0 && max > items * cfg.sparse_ratio && max > cfg.sparse_safe {
        if !cfg.sparse_convert {
            return err("Cannot serialise table: excessively sparse array".into());
        }
        return Ok(None);
    }
    Ok(Some(max))
}

fn encode_value(out: &mut Vec<u8>, cfg: &Config, v: &Value, depth: i64) -> mlua::Result<()> {
    match v {
        Value::String(s) => append_string(out, &s.as_bytes()),
        Value::Integer(_) | Value::Number(_) => append_number(out, cfg, number_of(v).unwrap())?,
        Value::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Nil => out.extend_from_slice(b"null"),
        v if is_null(v) => out.extend_from_slice(b"null"),
        Value::Table(t) => {
            let depth = depth + 1;
            if depth > cfg.encode_max_depth {
                return err(format!("Cannot serialise, excessive nesting ({})", depth));
            }
            match array_length(cfg, t)? {
                Some(n) if n > 0 => {
                    out.push(b'[');
                    for i in 1..=n {
                        if i > 1 {
                            out.push(b',');
                        }
                        let e: Value = t.raw_get(i)?;
                        encode_value(out, cfg, &e, depth)?;
                    }
                    out.push(b']');
                }
                _ => {
                    out.push(b'{');
                    let mut first = true;
                    for pair in t.pairs::<Value, Value>() {
                        let (k, val) = pair?;
                        if !first {
                            out.push(b',');
                        }
                        first = false;
                        match &k {
                            Value::String(s) => append_string(out, &s.as_bytes()),
                            Value::Integer(_) | Value::Number(_) => {
                                out.push(b'"');
                                append_number(out, cfg, number_of(&k).unwrap())?;
                                out.push(b'"');
                            }
                            _ => {
                                return err(
                                    "Cannot serialise table: table key must be a number or string"
                                        .into(),
                                )
                            }
                        }
                        out.push(b':');
                        encode_value(out, cfg, &val, depth)?;
                    }
                    out.push(b'}');
                }
            }
        }
        other => {
            return err(format!(
                "Cannot serialise {}: type not supported",
                other.type_name()
            ))
        }
    }
    Ok(())
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    cfg: Config,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.pos < self.s.len() && matches!(self.s[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn fail<T>(&self, what: &str) -> mlua::Result<T> {
        let found = match self.s.get(self.pos) {
            None => "T_END".to_string(),
            Some(_) => "invalid token".to_string(),
        };
        err(format!(
            "Expected {} but found {} at character {}",
            what,
            found,
            self.pos + 1
        ))
    }

    fn value(&mut self, lua: &Lua, depth: i64) -> mlua::Result<Value> {
        self.ws();
        let Some(&b) = self.s.get(self.pos) else {
            return self.fail("value");
        };
        match b {
            b'{' | b'[' => {
                let depth = depth + 1;
                if depth > self.cfg.decode_max_depth {
                    return err(format!(
                        "Found too many nested data structures ({}) at character {}",
                        depth,
                        self.pos + 1
                    ));
                }
                self.pos += 1;
                let t = lua.create_table()?;
                let close = if b == b'{' { b'}' } else { b']' };
                self.ws();
                if self.s.get(self.pos) == Some(&close) {
                    self.pos += 1;
                    return Ok(Value::Table(t));
                }
                let mut i = 1i64;
                loop {
                    if b == b'{' {
                        self.ws();
                        if self.s.get(self.pos) != Some(&b'"') {
                            return self.fail("object key string");
                        }
                        let k = self.string(lua)?;
                        self.ws();
                        if self.s.get(self.pos) != Some(&b':') {
                            return self.fail("colon");
                        }
                        self.pos += 1;
                        let v = self.value(lua, depth)?;
                        t.raw_set(k, v)?;
                    } else {
                        let v = self.value(lua, depth)?;
                        t.raw_set(i, v)?;
                        i += 1;
                    }
                    self.ws();
                    match self.s.get(self.pos) {
                        Some(&b',') => self.pos += 1,
                        Some(&c) if c == close => {
                            self.pos += 1;
                            return Ok(Value::Table(t));
                        }
                        _ => {
                            return self.fail(if b == b'{' {
                                "comma or object end"
                            } else {
                                "comma or array end"
                            })
                        }
                    }
                }
            }
            b'"' => self.string(lua),
            b't' if self.s[self.pos..].starts_with(b"true") => {
                self.pos += 4;
                Ok(Value::Boolean(true))
            }
            b'f' if self.s[self.pos..].starts_with(b"false") => {
                self.pos += 5;
                Ok(Value::Boolean(false))
            }
            b'n' if self.s[self.pos..].starts_with(b"null") => {
                self.pos += 4;
                Ok(Value::LightUserData(LightUserData(std::ptr::null_mut())))
            }
            _ => self.number(),
        }
    }

    fn number(&mut self) -> mlua::Result<Value> {
        let start = self.pos;
        while self.pos < self.s.len()
            && matches!(self.s[self.pos], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E' | b'x' | b'X' | b'a'..=b'd' | b'f' | b'A'..=b'D' | b'F' | b'i' | b'n' | b'I' | b'N')
        {
            self.pos += 1;
        }
        let tok = &self.s[start..self.pos];
        let parsed = std::str::from_utf8(tok).ok().and_then(|t| {
            if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                i64::from_str_radix(h, 16).ok().map(|v| v as f64)
            } else {
                t.parse::<f64>().ok()
            }
        });
        match parsed {
            Some(n) if n.is_finite() || self.cfg.decode_invalid_numbers => Ok(Value::Number(n)),
            _ => {
                self.pos = start;
                self.fail("value")
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = self.s.get(self.pos..self.pos + 4)?;
        let v = u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()?;
        self.pos += 4;
        Some(v)
    }

    fn string(&mut self, lua: &Lua) -> mlua::Result<Value> {
        let start = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let Some(&b) = self.s.get(self.pos) else {
                self.pos = start;
                return self.fail("value");
            };
            self.pos += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    let Some(&e) = self.s.get(self.pos) else {
                        return self.fail("value");
                    };
                    self.pos += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let Some(mut cp) = self.hex4() else {
                                return self.fail("value");
                            };
                            if (0xD800..0xDC00).contains(&cp)
                                && self.s.get(self.pos..self.pos + 2) == Some(b"\\u")
                            {
                                self.pos += 2;
                                let Some(lo) = self.hex4() else {
                                    return self.fail("value");
                                };
                                cp = 0x10000
                                    + ((cp - 0xD800) << 10)
                                    + (lo.wrapping_sub(0xDC00) & 0x3ff);
                            }
                            let ch = char::from_u32(cp).unwrap_or('\u{fffd}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => return self.fail("value"),
                    }
                }
                b => out.push(b),
            }
        }
        Ok(Value::String(lua.create_string(&out)?))
    }
}

fn config_int(
    lua: &Lua,
    t: &Table,
    name: &'static str,
    cfg: &Rc<RefCell<Config>>,
    get: fn(&Config) -> i64,
    set: fn(&mut Config, i64),
) -> mlua::Result<()> {
    let cfg = cfg.clone();
    t.raw_set(
        name,
        lua.create_function(move |_, args: Variadic<Value>| {
            if let Some(v) = args.first().and_then(number_of) {
                set(&mut cfg.borrow_mut(), v as i64);
            }
            Ok(get(&cfg.borrow()))
        })?,
    )
}

fn config_bool(
    lua: &Lua,
    t: &Table,
    name: &'static str,
    cfg: &Rc<RefCell<Config>>,
    get: fn(&Config) -> bool,
    set: fn(&mut Config, bool),
) -> mlua::Result<()> {
    let cfg = cfg.clone();
    t.raw_set(
        name,
        lua.create_function(move |_, args: Variadic<Value>| {
            match args.first() {
                Some(Value::Boolean(b)) => set(&mut cfg.borrow_mut(), *b),
                Some(Value::String(s)) => {
                    let on = matches!(s.as_bytes().as_ref(), b"on" | b"true" | b"yes");
                    set(&mut cfg.borrow_mut(), on)
                }
                _ => {}
            }
            Ok(get(&cfg.borrow()))
        })?,
    )
}

/// cjson.decode.
fn decode(lua: &Lua, args: &Variadic<Value>, cfg: Config) -> mlua::Result<Value> {
    let s = match args.first() {
        Some(Value::String(s)) if args.len() == 1 => s.as_bytes().to_vec(),
        _ => return err("bad argument #1 to 'decode' (expected 1 argument)".into()),
    };
    let mut p = Parser { s: &s, pos: 0, cfg };
    let v = p.value(lua, 0)?;
    p.ws();
    if p.pos != s.len() {
        return p.fail("the end");
    }
    Ok(v)
}

pub fn load(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let cfg = Rc::new(RefCell::new(Config::default()));
    let c = cfg.clone();
    t.raw_set(
        "encode",
        lua.create_function(move |lua, args: Variadic<Value>| {
            if args.len() != 1 {
                return super::located(
                    lua,
                    err("bad argument #1 to 'encode' (expected 1 argument)".into()),
                );
            }
            let mut out = Vec::new();
            let conf = *c.borrow();
            super::located(lua, encode_value(&mut out, &conf, &args[0], 0))?;
            lua.create_string(&out)
        })?,
    )?;
    let c = cfg.clone();
    t.raw_set(
        "decode",
        lua.create_function(move |lua, args: Variadic<Value>| {
            super::located(lua, decode(lua, &args, *c.borrow()))
        })?,
    )?;
    config_int(
        lua,
        &t,
        "encode_max_depth",
        &cfg,
        |c| c.encode_max_depth,
        |c, v| c.encode_max_depth = v,
    )?;
    config_int(
        lua,
        &t,
        "decode_max_depth",
        &cfg,
        |c| c.decode_max_depth,
        |c, v| c.decode_max_depth = v,
    )?;
    config_int(
        lua,
        &t,
        "encode_number_precision",
        &cfg,
        |c| c.encode_number_precision as i64,
        |c, v| c.encode_number_precision = v.clamp(1, 14) as usize,
    )?;
    config_bool(
        lua,
        &t,
        "encode_invalid_numbers",
        &cfg,
        |c| c.encode_invalid_numbers,
        |c, v| c.encode_invalid_numbers = v,
    )?;
    config_bool(
        lua,
        &t,
        "decode_invalid_numbers",
        &cfg,
        |c| c.decode_invalid_numbers,
        |c, v| c.decode_invalid_numbers = v,
    )?;
    config_bool(lua, &t, "encode_keep_buffer", &cfg, |_| true, |_, _| {})?;
    let c = cfg.clone();
    t.raw_set(
        "encode_sparse_array",
        lua.create_function(move |_, args: Variadic<Value>| {
            let mut conf = c.borrow_mut();
            if let Some(Value::Boolean(b)) = args.first() {
                conf.sparse_convert = *b;
            }
            if let Some(r) = args.get(1).and_then(number_of) {
                conf.sparse_ratio = r as i64;
            }
            if let Some(s) = args.get(2).and_then(number_of) {
                conf.sparse_safe = s as i64;
            }
            Ok((conf.sparse_convert, conf.sparse_ratio, conf.sparse_safe))
        })?,
    )?;
    t.raw_set(
        "null",
        Value::LightUserData(LightUserData(std::ptr::null_mut())),
    )?;
    t.raw_set("_NAME", "cjson")?;
    t.raw_set("_VERSION", "2.1.0")?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lua() -> Lua {
        let lua = Lua::new();
        lua.globals().set("cjson", load(&lua).unwrap()).unwrap();
        lua
    }

    #[test]
    fn encode_like_lua_cjson() {
        let lua = lua();
        let enc = |src: &str| -> String { lua.load(src).eval().unwrap() };
        assert_eq!(enc("return cjson.encode({1,2,'a/b'})"), "[1,2,\"a\\/b\"]");
        assert_eq!(enc("return cjson.encode({})"), "{}");
        assert_eq!(enc("return cjson.encode({a=0.1})"), "{\"a\":0.1}");
        assert_eq!(enc("return cjson.encode({[1]=1,[3]=3})"), "[1,null,3]");
        assert_eq!(enc("return cjson.encode(cjson.null)"), "null");
        assert!(lua
            .load("return cjson.encode({[false]=1})")
            .eval::<String>()
            .is_err());
        assert!(lua
            .load("return cjson.encode({[20]=1})")
            .eval::<String>()
            .is_err());
        assert!(lua
            .load("return cjson.encode(0/0)")
            .eval::<String>()
            .is_err());
    }

    #[test]
    fn decode_like_lua_cjson() {
        let lua = lua();
        let s: String = lua
            .load("return table.concat(cjson.decode('[0.0, -5e3, -1, 0.3e-3, 1023.2, 0e10]'), ' ')")
            .eval()
            .unwrap();
        assert_eq!(s, "0 -5000 -1 0.0003 1023.2 0");
        let s: String = lua
            .load("local d = cjson.decode('{\"k\": \"\\\\u00e9\\\\n\", \"n\": null}') return d.k .. tostring(d.n == cjson.null)")
            .eval()
            .unwrap();
        assert_eq!(s, "é\ntrue");
        assert!(lua
            .load("return cjson.decode('[1,')")
            .eval::<Value>()
            .is_err());
        let ok: bool = lua
            .load("cjson.decode_max_depth(1) local ok = pcall(cjson.decode, '[[1]]') cjson.decode_max_depth(1000) return ok")
            .eval()
            .unwrap();
        assert!(!ok);
    }
}
