//! oxidis: a Redis 7.0-compatible server that mirrors Redis's internals
//! module by module. See README.md for the module map (Rust module ⇐ Redis
//! file). Only `sys` may use `unsafe`.
#![deny(unsafe_code)]

pub mod ae;
pub mod blocked;
pub mod config;
pub mod config_cmd;
pub mod crc64;
pub mod db;
pub mod debug;
pub mod dict;
pub mod evict;
pub mod expire;
pub mod geo;
pub mod hyperloglog;
pub mod intset;
pub mod keyspace;
pub mod latency;
pub mod listpack;
pub mod log;
pub mod lzf;
pub mod memory_cmd;
pub mod multi;
pub mod networking;
pub mod notify;
pub mod object;
pub mod pqsort;
pub mod pubsub;
pub mod rdb;
pub mod replication;
pub mod scripting;
pub mod sds;
pub mod server;
pub mod sha1;
pub mod siphash;
pub mod slowlog;
pub mod sort;
pub mod sys;
pub mod t_hash;
pub mod t_list;
pub mod t_set;
pub mod t_stream;
pub mod t_string;
pub mod t_zset;
pub mod util;
