-- The script sandbox. Redis counterpart: script_lua.c (luaRegisterRedisAPI,
-- luaSetErrorMetatable, luaSetAllowListProtection,
-- luaSetTableProtectionRecursively, luaRedisPcall).
--
-- Redis patches its Lua VM with read-only tables. oxidis runs stock Lua 5.1,
-- so the same guarantees come from proxies: every table a script can reach
-- through its globals (the globals themselves, `redis`, `string`, `cjson`,
-- ...) is an empty proxy whose metatable reads through to the real table
-- and refuses writes; `rawset` and `setmetatable` refuse proxies too.
-- Reading a global that does not exist is an error, as in Redis.
--
-- Called once at start-up with the real globals. Arguments: `raw` (the
-- Rust-side functions), `libs` (the bundled libraries). Returns the
-- environment scripts run in, the table behind it, and the real `redis`
-- table (Rust sets the per-invocation functions in it).

local raw, libs = ...

local setmetatable, rawset, pcall, error, type, tostring, select, unpack =
      setmetatable, rawset, pcall, error, type, tostring, select, unpack
local loadstring, load, setfenv = loadstring, load, setfenv

local protected = setmetatable({}, {__mode = 'k'})

local function readonly_error()
    error('Attempt to modify a readonly table', 2)
end

-- Makes a read-only proxy of `t`; getmetatable() of the proxy answers a
-- read-only proxy of its metatable.
local function readonly(t, index)
    local mt = {__index = index or t, __newindex = readonly_error}
    local mtp = setmetatable({}, {__index = mt, __newindex = readonly_error})
    protected[mtp] = true
    mt.__metatable = mtp
    local p = setmetatable({}, mt)
    protected[p] = true
    return p
end

local real = {}
-- What the environment reads through: `real`, or while FUNCTION LOAD runs
-- a library's top level, `load_api` (functions.c's library API).
local api = real

-- The environment: reads go to `api`, a missing name is an error.
local env = readonly(real, function(_, k)
    local v = api[k]
    if v == nil then
        error("Script attempted to access nonexistent global variable '" ..
              tostring(k) .. "'", 2)
    end
    return v
end)

for _, name in ipairs({'xpcall', 'tostring', 'getfenv', 'next', 'assert',
        'tonumber', 'rawequal', 'collectgarbage', 'getmetatable', 'type',
        'select', 'unpack', 'gcinfo', 'pairs', 'rawget', 'ipairs', '_VERSION',
        'setfenv', 'error', 'newproxy'}) do
    real[name] = _G[name]
end

real._G = env
real.coroutine = readonly(coroutine)
real.string = readonly(string)
real.table = readonly(table)

local math_copy = {}
for k, v in pairs(math) do math_copy[k] = v end
math_copy.random = raw.random
math_copy.randomseed = raw.randomseed
real.math = readonly(math_copy)

for name, lib in pairs(libs) do
    real[name] = readonly(lib)
end

real.setmetatable = function(t, mt)
    if protected[t] then error('Attempt to modify a readonly table', 0) end
    return setmetatable(t, mt)
end

real.rawset = function(t, k, v)
    if protected[t] then error('Attempt to modify a readonly table', 0) end
    return rawset(t, k, v)
end

-- Chunks loaded by a script run in the script's environment; binary chunks
-- are refused, as Redis's Lua refuses them.
real.loadstring = function(s, name)
    if type(s) == 'string' and s:byte(1) == 27 then
        return nil, 'binary chunks are not allowed'
    end
    local f, e = loadstring(s, name)
    if f then setfenv(f, env) end
    return f, e
end

real.load = function(...)
    local f, e = load(...)
    if f then setfenv(f, env) end
    return f, e
end

-- Redis: luaRedisPcall — an error table is returned as its message.
local function pcall_result(ok, ...)
    if ok then return ok, ... end
    local e = ...
    if type(e) == 'userdata' then
        local m = raw.errmsg(e)
        if m then e = m end
    elseif type(e) == 'table' then
        local m = e.err
        if type(m) == 'string' or type(m) == 'number' then e = m end
    end
    return false, e, select(2, ...)
end
real.pcall = function(...)
    return pcall_result(pcall(...))
end

-- The functions that need the running script (call, pcall, setresp,
-- set_repl, acl_check_cmd) are set by Rust around each invocation.
local redis = {}
redis.sha1hex = raw.sha1hex
redis.error_reply = raw.error_reply
redis.status_reply = raw.status_reply
redis.log = raw.log
redis.replicate_commands = function() return true end
redis.breakpoint = function() return false end
redis.debug = function() end
redis.LOG_DEBUG = 0
redis.LOG_VERBOSE = 1
redis.LOG_NOTICE = 2
redis.LOG_WARNING = 3
redis.REPL_NONE = 0
redis.REPL_AOF = 1
redis.REPL_SLAVE = 2
redis.REPL_REPLICA = 2
redis.REPL_ALL = 3
redis.REDIS_VERSION = raw.version
redis.REDIS_VERSION_NUM = raw.version_num
real.redis = readonly(redis)

-- A table whose missing fields are errors, as luaSetErrorMetatable.
local function strict(t)
    return readonly(t, function(_, k)
        local v = t[k]
        if v == nil then
            error("Script attempted to access nonexistent global variable '" ..
                  tostring(k) .. "'", 2)
        end
        return v
    end)
end

-- The library API of FUNCTION LOAD: only `redis`, and in it only
-- register_function (set by Rust during a load), log and the constants.
local load_redis = {log = raw.log, REDIS_VERSION = raw.version,
    REDIS_VERSION_NUM = raw.version_num, LOG_DEBUG = 0, LOG_VERBOSE = 1,
    LOG_NOTICE = 2, LOG_WARNING = 3}
local load_api = {redis = strict(load_redis)}

local function set_load_mode(on)
    if on then api = load_api else api = real end
end

-- FCALL: the callback gets the keys and the arguments as parameters.
local function fcall(f, handler, keys, args)
    return xpcall(function() return f(keys, args) end, handler)
end

return env, real, redis, load_redis, set_load_mode, fcall
