//! The Lua libraries Redis bundles (deps/lua/src: lua_cjson.c, lua_cmsgpack.c,
//! lua_bit.c, lua_struct.c), written in Rust as Lua functions.
//! `bit.rs` is LuaBitOp, `cjson.rs` the JSON codec, `cmsgpack.rs`
//! MessagePack, `struct_.rs` Roberto Ierusalimschy's struct packing.

pub mod bit;
pub mod cjson;
pub mod cmsgpack;
pub mod struct_;

use mlua::{Lua, Table};

/// Prefixes a library error with the caller's position ("user_script:1: "),
/// as luaL_error does (luaL_where at level 1).
pub fn located<T>(lua: &Lua, r: mlua::Result<T>) -> mlua::Result<T> {
    match r {
        Err(mlua::Error::RuntimeError(m)) => {
            let at = lua
                .inspect_stack(1, |d| {
                    let src = d.source().short_src.map(|s| s.into_owned());
                    match (src, d.current_line()) {
                        (Some(s), Some(l)) => format!("{}:{}: ", s, l),
                        _ => String::new(),
                    }
                })
                .unwrap_or_default();
            Err(mlua::Error::RuntimeError(format!("{}{}", at, m)))
        }
        r => r,
    }
}

/// The libraries by global name, for the sandbox to expose read-only.
pub fn load(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("bit", bit::load(lua)?)?;
    t.raw_set("cjson", cjson::load(lua)?)?;
    t.raw_set("cmsgpack", cmsgpack::load(lua)?)?;
    t.raw_set("struct", struct_::load(lua)?)?;
    Ok(t)
}
