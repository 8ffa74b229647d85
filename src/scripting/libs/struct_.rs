//! stub
use mlua::{Lua, Table};
pub fn load(lua: &Lua) -> mlua::Result<Table> {
    lua.create_table()
}
