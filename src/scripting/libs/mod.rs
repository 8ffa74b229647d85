//! The Lua libraries Redis bundles (deps/lua/src: lua_cjson.c, lua_cmsgpack.c,
//! lua_bit.c, lua_struct.c), written in Rust as Lua functions.
//! `bit.rs` is LuaBitOp, `cjson.rs` the JSON codec, `cmsgpack.rs`
//! MessagePack, `struct_.rs` Roberto Ierusalimschy's struct packing.

pub mod bit;
pub mod cjson;
pub mod cmsgpack;
pub mod struct_;

use mlua::{Lua, Table};

/// The libraries by global name, for the sandbox to expose read-only.
pub fn load(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("bit", bit::load(lua)?)?;
    t.raw_set("cjson", cjson::load(lua)?)?;
    t.raw_set("cmsgpack", cmsgpack::load(lua)?)?;
    t.raw_set("struct", struct_::load(lua)?)?;
    Ok(t)
}
