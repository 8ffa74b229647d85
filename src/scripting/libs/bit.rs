//! The `bit` library (LuaBitOp 1.0, as Redis bundles in deps/lua/src/lua_bit.c),
//! written in Rust. Every operation works on 32-bit integers; arguments are
//! normalised the way LuaBitOp does (round to the nearest integer, keep the
//! low 32 bits) and results are signed.

use mlua::{Lua, Table, Value, Variadic};

/// LuaBitOp's `barg`: a number reduced modulo 2^32, as a signed 32-bit value.
pub fn tobit(v: &Value, fname: &str, argn: usize) -> mlua::Result<i32> {
    let d = match v {
        Value::Integer(i) => return Ok(*i as u32 as i32),
        Value::Number(n) => *n,
        Value::String(s) => s
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse::<f64>().ok())
            .ok_or_else(|| bad_arg(fname, argn, v))?,
        _ => return Err(bad_arg(fname, argn, v)),
    };
    if !d.is_finite() {
        return Ok(0);
    }
    let r = d.round_ties_even();
    let m = r.rem_euclid(4294967296.0);
    Ok(m as u64 as u32 as i32)
}

fn bad_arg(fname: &str, argn: usize, v: &Value) -> mlua::Error {
    let got = if v.is_nil() {
        "no value"
    } else {
        v.type_name()
    };
    mlua::Error::runtime(format!(
        "bad argument #{} to '{}' (number expected, got {})",
        argn, fname, got
    ))
}

fn arg(lua: &Lua, args: &Variadic<Value>, i: usize, fname: &str) -> mlua::Result<i32> {
    super::located(lua, tobit(args.get(i).unwrap_or(&Value::Nil), fname, i + 1))
}

fn fold(lua: &Lua, t: &Table, name: &'static str, f: fn(i32, i32) -> i32) -> mlua::Result<()> {
    t.raw_set(
        name,
        lua.create_function(move |lua, args: Variadic<Value>| {
            let mut acc = arg(lua, &args, 0, name)?;
            for i in 1..args.len() {
                acc = f(acc, arg(lua, &args, i, name)?);
            }
            Ok(acc as f64)
        })?,
    )
}

fn shift(lua: &Lua, t: &Table, name: &'static str, f: fn(i32, u32) -> i32) -> mlua::Result<()> {
    t.raw_set(
        name,
        lua.create_function(move |lua, args: Variadic<Value>| {
            let x = arg(lua, &args, 0, name)?;
            let n = arg(lua, &args, 1, name)? as u32 & 31;
            Ok(f(x, n) as f64)
        })?,
    )
}

pub fn load(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set(
        "tobit",
        lua.create_function(|lua, args: Variadic<Value>| Ok(arg(lua, &args, 0, "tobit")? as f64))?,
    )?;
    t.raw_set(
        "bnot",
        lua.create_function(|lua, args: Variadic<Value>| Ok(!arg(lua, &args, 0, "bnot")? as f64))?,
    )?;
    t.raw_set(
        "bswap",
        lua.create_function(|lua, args: Variadic<Value>| {
            Ok(arg(lua, &args, 0, "bswap")?.swap_bytes() as f64)
        })?,
    )?;
    t.raw_set(
        "tohex",
        lua.create_function(|lua, args: Variadic<Value>| {
            let x = arg(lua, &args, 0, "tohex")? as u32;
            let mut n = match args.get(1) {
                None | Some(Value::Nil) => 8,
                Some(_) => arg(lua, &args, 1, "tohex")?,
            };
            let upper = n < 0;
            if upper {
                n = -n;
            }
            let n = n.clamp(1, 8) as usize;
            let s = if upper {
                format!("{:08X}", x)
            } else {
                format!("{:08x}", x)
            };
            Ok(s[8 - n..].to_string())
        })?,
    )?;
    fold(lua, &t, "band", |a, b| a & b)?;
    fold(lua, &t, "bor", |a, b| a | b)?;
    fold(lua, &t, "bxor", |a, b| a ^ b)?;
    shift(lua, &t, "lshift", |x, n| ((x as u32) << n) as i32)?;
    shift(lua, &t, "rshift", |x, n| ((x as u32) >> n) as i32)?;
    shift(lua, &t, "arshift", |x, n| x >> n)?;
    shift(lua, &t, "rol", |x, n| (x as u32).rotate_left(n) as i32)?;
    shift(lua, &t, "ror", |x, n| (x as u32).rotate_right(n) as i32)?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_operations() {
        let lua = Lua::new();
        lua.globals().set("bit", load(&lua).unwrap()).unwrap();
        let ok: bool = lua
            .load(
                "return bit.tobit(1) == 1 and bit.band(1) == 1 and bit.bxor(1,2) == 3
                 and bit.bor(1,2,4,8,16,32,64,128) == 255 and bit.tobit(0xffffffff) == -1
                 and bit.lshift(1, 31) == -2147483648 and bit.rshift(-1, 28) == 15
                 and bit.arshift(-256, 4) == -16 and bit.tohex(255, 4) == '00ff'
                 and bit.tohex(-1, -8) == 'FFFFFFFF' and bit.bnot(0) == -1
                 and bit.bswap(0x12345678) == 0x78563412 and bit.rol(0x12345678, 12) == 0x45678123",
            )
            .eval()
            .unwrap();
        assert!(ok);
    }
}
