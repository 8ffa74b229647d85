//! Streams in RDB files and DUMP payloads. Redis counterpart: the
//! OBJ_STREAM cases of rdb.c (rdbSaveObject, rdbSaveStreamPEL,
//! rdbSaveStreamConsumers, rdbLoadObject) and streamValidateListpackIntegrity.
//!
//! Layout (RDB_TYPE_STREAM_LISTPACKS_2, what 7.0 writes):
//! ```text
//!  <nodes> { <master ID: 16-byte string> <listpack string> }*
//!  <length> <last ms> <last seq> <first ms> <first seq>
//!  <max-deleted ms> <max-deleted seq> <entries-added>
//!  <groups> { <name> <last ms> <last seq> <entries-read>
//!             <pel> { <16-byte ID> <delivery ms: 8 bytes LE> <count> }*
//!             <consumers> { <name> <seen ms: 8 bytes LE>
//!                           <pel> { <16-byte ID> }* }* }*
//! ```
//! RDB_TYPE_STREAM_LISTPACKS (before 7.0) lacks the first ID, max deleted
//! ID, entries-added and entries-read, which are then derived.
//! Untrusted input is always validated deeply (every node walked as a
//! stream node; PEL references resolved), so nothing loaded can make a
//! later operation misbehave.

use std::collections::BTreeMap;

use super::cgroups::{ConsumerGroup, Nack};
use super::encoding::{validate_node, Stream, StreamId};
use crate::listpack::Listpack;
use crate::rdb::encoding::{Reader, Rio};
use crate::rdb::{RdbError, RdbResult, RDB_TYPE_STREAM_LISTPACKS, RDB_TYPE_STREAM_LISTPACKS_2};

pub fn save_type(_: &Stream) -> u8 {
    RDB_TYPE_STREAM_LISTPACKS_2
}

fn save_pel(
    rdb: &mut Rio,
    ids: &mut dyn Iterator<Item = (StreamId, Option<&Nack>)>,
    n: usize,
) -> std::io::Result<()> {
    rdb.save_len(n as u64)?;
    for (id, nack) in ids {
        rdb.write(&id.encode())?;
        if let Some(nack) = nack {
            rdb.save_millisecond_time(nack.delivery_time)?;
            rdb.save_len(nack.delivery_count)?;
        }
    }
    Ok(())
}

/// Redis: rdbSaveObject for streams.
pub fn save(rdb: &mut Rio, st: &Stream, compress: bool) -> std::io::Result<()> {
    rdb.save_len(st.rax.len() as u64)?;
    for (k, lp) in &st.rax {
        rdb.save_raw_string(&k.encode(), compress)?;
        rdb.save_raw_string(lp.as_bytes(), compress)?;
    }
    rdb.save_len(st.length)?;
    rdb.save_len(st.last_id.ms)?;
    rdb.save_len(st.last_id.seq)?;
    rdb.save_len(st.first_id.ms)?;
    rdb.save_len(st.first_id.seq)?;
    rdb.save_len(st.max_deleted_entry_id.ms)?;
    rdb.save_len(st.max_deleted_entry_id.seq)?;
    rdb.save_len(st.entries_added)?;
    let Some(groups) = st.cgroups.as_ref() else {
        return rdb.save_len(0);
    };
    rdb.save_len(groups.len() as u64)?;
    for (name, cg) in groups {
        rdb.save_raw_string(name, compress)?;
        rdb.save_len(cg.last_id.ms)?;
        rdb.save_len(cg.last_id.seq)?;
        rdb.save_len(cg.entries_read.unwrap_or(-1) as u64)?;
        save_pel(
            rdb,
            &mut cg.pel.iter().map(|(k, n)| (*k, Some(n))),
            cg.pel.len(),
        )?;
        rdb.save_len(cg.consumers.len() as u64)?;
        for (cname, cons) in &cg.consumers {
            rdb.save_raw_string(cname, compress)?;
            rdb.save_millisecond_time(cons.seen_time)?;
            save_pel(
                rdb,
                &mut cons.pel.iter().map(|k| (*k, None)),
                cons.pel.len(),
            )?;
        }
    }
    Ok(())
}

fn corrupt(msg: &str) -> RdbError {
    RdbError::corrupt(msg.to_string())
}

fn read_id(r: &mut Reader) -> RdbResult<StreamId> {
    let raw = r.read(16)?;
    StreamId::decode(raw).ok_or_else(|| corrupt("Stream PEL ID loading failed."))
}

/// Redis: rdbLoadObject for RDB_TYPE_STREAM_LISTPACKS and _2.
pub fn load(r: &mut Reader, rdbtype: u8) -> RdbResult<Stream> {
    let v2 = rdbtype == RDB_TYPE_STREAM_LISTPACKS_2;
    debug_assert!(v2 || rdbtype == RDB_TYPE_STREAM_LISTPACKS);
    let mut st = Stream::new();
    let nodes = r.load_len()?;
    let mut live: u64 = 0;
    for _ in 0..nodes {
        let key = r.load_string()?;
        let Some(master) = StreamId::decode(&key) else {
            return Err(corrupt(
                "Stream node key entry is not the size of a stream ID",
            ));
        };
        let blob = r.load_string()?;
        if !validate_node(&blob) {
            return Err(corrupt("Stream listpack integrity check failed."));
        }
        let lp = Listpack::from_bytes_unchecked(blob);
        if lp.first().is_none() {
            return Err(corrupt("Empty listpack inside stream"));
        }
        let h = super::encoding::node_header(&lp);
        live = live.saturating_add(h.count as u64);
        if st.rax.insert(master, std::sync::Arc::new(lp)).is_some() {
            return Err(corrupt("Listpack re-added with existing key"));
        }
    }
    st.length = r.load_len()?;
    st.last_id = StreamId::new(r.load_len()?, r.load_len()?);
    if v2 {
        st.first_id = StreamId::new(r.load_len()?, r.load_len()?);
        st.max_deleted_entry_id = StreamId::new(r.load_len()?, r.load_len()?);
        st.entries_added = r.load_len()?;
    } else {
        st.entries_added = st.length;
        st.first_id = if st.length > 0 {
            st.edge_id(true, true)
        } else {
            StreamId::MIN
        };
    }
    if st.length > 0 && st.rax.is_empty() {
        return Err(corrupt("Stream length inconsistent with rax entries"));
    }
    // Stricter than Redis (which trusts these unless sanitizing): the
    // counters must agree with the nodes, and IDs must not pass the top.
    if st.length != live {
        return Err(corrupt("Stream length inconsistent with rax entries"));
    }
    if st.length > 0 && st.last_valid_id() > st.last_id {
        return Err(corrupt("Stream last ID smaller than its entries"));
    }
    let ngroups = r.load_len()?;
    for _ in 0..ngroups {
        let name = r.load_string()?;
        let last_id = StreamId::new(r.load_len()?, r.load_len()?);
        let entries_read = if v2 {
            let v = r.load_len()? as i64;
            (v >= 0).then_some(v)
        } else {
            st.estimate_distance_from_first_ever_entry(last_id)
        };
        let groups = st.cgroups.get_or_insert_with(BTreeMap::new);
        if groups.contains_key(&name) {
            return Err(corrupt("Duplicated consumer group name"));
        }
        let mut cg = ConsumerGroup::new(last_id, entries_read);
        let pel = r.load_len()?;
        for _ in 0..pel {
            let id = read_id(r)?;
            let delivery_time = r.load_millisecond_time()?;
            let delivery_count = r.load_len()?;
            let nack = Nack {
                delivery_time,
                delivery_count,
                consumer: None,
            };
            if cg.pel.insert(id, nack).is_some() {
                return Err(corrupt(
                    "Duplicated global PEL entry loading stream consumer group",
                ));
            }
        }
        let nconsumers = r.load_len()?;
        for _ in 0..nconsumers {
            let cname = r.load_string()?;
            let seen = r.load_millisecond_time()?;
            if !cg.create_consumer(&cname, seen) {
                return Err(corrupt("Duplicate stream consumer detected."));
            }
            let n = r.load_len()?;
            for _ in 0..n {
                let id = read_id(r)?;
                let Some(nack) = cg.pel.get_mut(&id) else {
                    return Err(corrupt("Consumer entry not found in group global PEL"));
                };
                if nack.consumer.is_some() {
                    return Err(corrupt(
                        "Duplicated consumer PEL entry  loading a stream consumer group",
                    ));
                }
                nack.consumer = Some(cname.clone());
                cg.consumers
                    .get_mut(&cname)
                    .expect("consumer")
                    .pel
                    .insert(id);
            }
        }
        if cg.pel.values().any(|n| n.consumer.is_none()) {
            return Err(corrupt("Stream CG PEL entry without consumer"));
        }
        st.cgroups
            .get_or_insert_with(BTreeMap::new)
            .insert(name, cg);
    }
    Ok(st)
}
