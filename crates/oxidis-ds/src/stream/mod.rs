//! Streams as a structure. Redis counterpart: t_stream.c's "Low level stream
//! encoding" and "Low level implementation of consumer groups", and stream.h.
//!
//! `encoding.rs` holds the stream: IDs, listpack nodes with their master
//! entries (byte-compatible with Redis) in a `BTreeMap` keyed by ID in place
//! of the rax, append, iteration both ways, delete, trim, node validation;
//! `cgroups.rs` the consumer groups, consumers and the pending entries list;
//! `rdb.rs` the RDB codec; `tests.rs` the model tests. XADD, XREAD and the
//! rest live above this crate.

pub mod cgroups;
pub mod encoding;
pub mod rdb;
#[cfg(test)]
mod tests;

pub use cgroups::{Consumer, ConsumerGroup, Nack};
pub use encoding::{NodeLimits, Stream, StreamId};
