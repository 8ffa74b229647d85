//! oxidis: a Redis 7.0-compatible server that mirrors Redis's internals
//! module by module. This crate is the server: the event loop, clients,
//! commands, persistence, replication and scripting. Its data structures are
//! the `oxidis-ds` crate and its libc calls the `oxidis-sys` crate (the only
//! one allowed `unsafe`; the workspace lints forbid it here).
//! docs/architecture.md maps every module to its Redis file.

pub mod acl;
pub mod ae;
pub mod aof;
pub mod args;
pub mod blocked;
pub mod config;
pub mod config_cmd;
pub mod crash;
pub mod db;
pub mod debug;
pub mod evict;
pub mod expire;
pub mod geo;
pub mod hyperloglog;
pub mod keyspace;
pub mod latency;
pub mod log;
pub mod memory_cmd;
pub mod multi;
pub mod networking;
pub mod notify;
pub mod object;
pub mod pubsub;
pub mod rdb;
pub mod replication;
pub mod scripting;
pub mod server;
pub mod slowlog;
pub mod sort;
pub mod t_hash;
pub mod t_list;
pub mod t_set;
pub mod t_stream;
pub mod t_string;
pub mod t_zset;
