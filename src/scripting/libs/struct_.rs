//! The `struct` library (Roberto Ierusalimschy's struct 0.2, as Redis bundles
//! in deps/lua/src/lua_struct.c), written in Rust.
//!
//! `struct.pack(fmt, ...)`, `struct.unpack(fmt, s [, pos])` (returns the
//! values and then the next position) and `struct.size(fmt)`. Format:
//! `>` big endian, `<` little endian, `!n` alignment, `x` a pad byte,
//! `b/B` char, `h/H` short, `l/L` long (8 bytes), `T` size_t, `i/I[n]`
//! an n-byte integer (default 4), `f` float, `d` double, `s` a
//! zero-terminated string, `cn` n chars (`c0` in pack: the whole string; in
//! unpack: a length read just before), spaces ignored.

use mlua::{Lua, Table, Value, Variadic};

struct Header {
    little: bool,
    align: usize,
}

fn err<T>(msg: &str) -> mlua::Result<T> {
    Err(mlua::Error::runtime(msg.to_string()))
}

fn read_num(fmt: &[u8], i: &mut usize, default: usize) -> usize {
    if *i >= fmt.len() || !fmt[*i].is_ascii_digit() {
        return default;
    }
    let mut n = 0usize;
    while *i < fmt.len() && fmt[*i].is_ascii_digit() {
        n = n
            .saturating_mul(10)
            .saturating_add((fmt[*i] - b'0') as usize);
        *i += 1;
    }
    n
}

/// Size of one option, and its count for `c`.
fn opt_size(opt: u8, fmt: &[u8], i: &mut usize) -> mlua::Result<usize> {
    Ok(match opt {
        b'B' | b'b' => 1,
        b'H' | b'h' => 2,
        b'L' | b'l' | b'T' => 8,
        b'f' => 4,
        b'd' => 8,
        b'x' => 1,
        b'c' => read_num(fmt, i, 1),
        b'i' | b'I' => {
            let n = read_num(fmt, i, 4);
            if n > 8 {
                return err(&format!("integral size {} is larger than limit of 8", n));
            }
            n
        }
        _ => 0,
    })
}

fn gap(pos: usize, size: usize, h: &Header) -> usize {
    let align = size.min(h.align);
    if align <= 1 || pos.is_multiple_of(align) {
        0
    } else {
        align - pos % align
    }
}

fn controls(opt: u8, fmt: &[u8], i: &mut usize, h: &mut Header) -> mlua::Result<bool> {
    match opt {
        b' ' => {}
        b'>' => h.little = false,
        b'<' => h.little = true,
        b'!' => {
            let a = read_num(fmt, i, 8);
            if !a.is_power_of_two() {
                return err(&format!("alignment {} is not a power of 2", a));
            }
            h.align = a;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

fn num_arg(v: Option<&Value>, n: usize) -> mlua::Result<f64> {
    match v {
        Some(Value::Integer(i)) => Ok(*i as f64),
        Some(Value::Number(f)) => Ok(*f),
        Some(Value::String(s)) => s
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse::<f64>().ok())
            .ok_or_else(|| {
                mlua::Error::runtime(format!(
                    "bad argument #{} to 'pack' (number expected, got string)",
                    n
                ))
            }),
        _ => err(&format!(
            "bad argument #{} to 'pack' (number expected, got no value)",
            n
        )),
    }
}

fn put_int(out: &mut Vec<u8>, v: i64, size: usize, little: bool) {
    let bytes = v.to_le_bytes();
    let mut b: Vec<u8> = (0..size)
        .map(|k| {
            if k < 8 {
                bytes[k]
            } else if v < 0 {
                0xff
            } else {
                0
            }
        })
        .collect();
    if !little {
        b.reverse();
    }
    out.extend_from_slice(&b);
}

fn pack(lua: &Lua, args: Variadic<Value>) -> mlua::Result<mlua::LuaString> {
    let fmt = match args.first() {
        Some(Value::String(s)) => s.as_bytes().to_vec(),
        _ => return err("bad argument #1 to 'pack' (string expected)"),
    };
    let mut h = Header {
        little: cfg!(target_endian = "little"),
        align: 1,
    };
    let mut out = Vec::new();
    let mut arg = 1;
    let mut i = 0;
    while i < fmt.len() {
        let opt = fmt[i];
        i += 1;
        if controls(opt, &fmt, &mut i, &mut h)? {
            continue;
        }
        let size = opt_size(opt, &fmt, &mut i)?;
        let g = gap(out.len(), size, &h);
        out.extend(std::iter::repeat_n(0u8, g));
        match opt {
            b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                let n = num_arg(args.get(arg), arg + 1)?;
                arg += 1;
                let v = if matches!(opt, b'B' | b'H' | b'L' | b'T' | b'I')
                    && n >= 9.223372036854776e18
                {
                    n as u64 as i64
                } else {
                    n as i64
                };
                put_int(&mut out, v, size, h.little);
            }
            b'x' => out.push(0),
            b'f' => {
                let n = num_arg(args.get(arg), arg + 1)? as f32;
                arg += 1;
                out.extend_from_slice(&if h.little {
                    n.to_le_bytes()
                } else {
                    n.to_be_bytes()
                });
            }
            b'd' => {
                let n = num_arg(args.get(arg), arg + 1)?;
                arg += 1;
                out.extend_from_slice(&if h.little {
                    n.to_le_bytes()
                } else {
                    n.to_be_bytes()
                });
            }
            b'c' | b's' => {
                let s = match args.get(arg) {
                    Some(Value::String(s)) => s.as_bytes().to_vec(),
                    Some(Value::Integer(n)) => n.to_string().into_bytes(),
                    Some(Value::Number(n)) => oxidis_ds::util::fmt_g(*n, 14).into_bytes(),
                    _ => {
                        return err(&format!(
                            "bad argument #{} to 'pack' (string expected, got no value)",
                            arg + 1
                        ))
                    }
                };
                arg += 1;
                let mut l = s.len();
                if opt == b'c' && size != 0 && fmt[i - 1].is_ascii_digit() {
                    if l < size {
                        return err(&format!(
                            "bad argument #{} to 'pack' (string too short)",
                            arg
                        ));
                    }
                    l = size;
                } else if opt == b'c' && fmt[i - 1] != b'c' && size == 0 {
                    // c0: the whole string
                }
                out.extend_from_slice(&s[..l]);
                if opt == b's' {
                    out.push(0);
                }
            }
            _ => return err(&format!("invalid format option '{}'", opt as char)),
        }
    }
    lua.create_string(&out)
}

fn get_int(b: &[u8], little: bool, signed: bool) -> f64 {
    let mut v: u64 = 0;
    let n = b.len();
    for k in 0..n {
        let byte = if little { b[n - 1 - k] } else { b[k] };
        v = (v << 8) | byte as u64;
    }
    if signed && n < 8 && n > 0 && v & (1u64 << (n * 8 - 1)) != 0 {
        (v as i64 - (1i64 << (n * 8))) as f64
    } else if signed {
        v as i64 as f64
    } else {
        v as f64
    }
}

fn unpack(lua: &Lua, args: Variadic<Value>) -> mlua::Result<Variadic<Value>> {
    let fmt = match args.first() {
        Some(Value::String(s)) => s.as_bytes().to_vec(),
        _ => return err("bad argument #1 to 'unpack' (string expected)"),
    };
    let data = match args.get(1) {
        Some(Value::String(s)) => s.as_bytes().to_vec(),
        _ => return err("bad argument #2 to 'unpack' (string expected)"),
    };
    let mut pos = match args.get(2) {
        Some(Value::Integer(i)) => *i as usize,
        Some(Value::Number(n)) => *n as usize,
        _ => 1,
    };
    if pos == 0 {
        return err("offset must be 1 or greater");
    }
    pos -= 1;
    let mut h = Header {
        little: cfg!(target_endian = "little"),
        align: 1,
    };
    let mut out = Vec::new();
    let mut i = 0;
    let short = || err::<Variadic<Value>>("bad argument #2 to 'unpack' (data string too short)");
    while i < fmt.len() {
        let opt = fmt[i];
        i += 1;
        if controls(opt, &fmt, &mut i, &mut h)? {
            continue;
        }
        let mut size = opt_size(opt, &fmt, &mut i)?;
        pos += gap(pos, size, &h);
        if opt == b'c' && size == 0 {
            // c0: the length is the number unpacked just before.
            size = match out.pop() {
                Some(Value::Number(n)) => n as usize,
                _ => return err("format 'c0' needs a previous size"),
            };
        }
        if opt != b's' && pos + size > data.len() {
            return short();
        }
        match opt {
            b'b' | b'h' | b'l' | b'i' => out.push(Value::Number(get_int(
                &data[pos..pos + size],
                h.little,
                true,
            ))),
            b'B' | b'H' | b'L' | b'T' | b'I' => out.push(Value::Number(get_int(
                &data[pos..pos + size],
                h.little,
                false,
            ))),
            b'x' => {}
            b'f' => {
                let mut b = [0u8; 4];
                b.copy_from_slice(&data[pos..pos + 4]);
                let f = if h.little {
                    f32::from_le_bytes(b)
                } else {
                    f32::from_be_bytes(b)
                };
                out.push(Value::Number(f as f64));
            }
            b'd' => {
                let mut b = [0u8; 8];
                b.copy_from_slice(&data[pos..pos + 8]);
                let f = if h.little {
                    f64::from_le_bytes(b)
                } else {
                    f64::from_be_bytes(b)
                };
                out.push(Value::Number(f));
            }
            b'c' => out.push(Value::String(lua.create_string(&data[pos..pos + size])?)),
            b's' => {
                let Some(z) = data.get(pos..).and_then(|r| memchr::memchr(0, r)) else {
                    return err("unfinished string in data");
                };
                out.push(Value::String(lua.create_string(&data[pos..pos + z])?));
                size = z + 1;
            }
            _ => return err(&format!("invalid format option '{}'", opt as char)),
        }
        pos += size;
    }
    out.push(Value::Number((pos + 1) as f64));
    Ok(Variadic::from_iter(out))
}

fn size(_: &Lua, fmt: mlua::LuaString) -> mlua::Result<f64> {
    let fmt = fmt.as_bytes().to_vec();
    let mut h = Header {
        little: true,
        align: 1,
    };
    let mut pos = 0usize;
    let mut i = 0;
    while i < fmt.len() {
        let opt = fmt[i];
        i += 1;
        if controls(opt, &fmt, &mut i, &mut h)? {
            continue;
        }
        let size = opt_size(opt, &fmt, &mut i)?;
        if opt == b's' || (opt == b'c' && size == 0) {
            return err("options 'c0' - 's' have undefined sizes");
        }
        pos += gap(pos, size, &h) + size;
    }
    Ok(pos as f64)
}

pub fn load(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set(
        "pack",
        lua.create_function(|lua, a| super::located(lua, pack(lua, a)))?,
    )?;
    t.raw_set(
        "unpack",
        lua.create_function(|lua, a| super::located(lua, unpack(lua, a)))?,
    )?;
    t.raw_set(
        "size",
        lua.create_function(|lua, a| super::located(lua, size(lua, a)))?,
    )?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_unpack_round_trip() {
        let lua = Lua::new();
        lua.globals().set("struct", load(&lua).unwrap()).unwrap();
        let ok: bool = lua
            .load(
                "local s = struct.pack('>HIbs', 513, 70000, -2, 'hi')
                 local a, b, c, d, nxt = struct.unpack('>HIbs', s)
                 return #s == 10 and s:byte(1) == 2 and s:byte(2) == 1 and a == 513 and b == 70000
                    and c == -2 and d == 'hi' and nxt == 11 and struct.size('>!4bi') == 8",
            )
            .eval()
            .unwrap();
        assert!(ok);
    }
}
