//! Streams: ID parsing and the range reply shared by XRANGE, XREAD,
//! XREADGROUP, XCLAIM and XINFO. Redis counterpart: t_stream.c
//! (streamGenericParseIDOrReply and its wrappers, streamParseIntervalIDOrReply,
//! streamReplyWithRange, streamReplyWithRangeFromConsumerPEL,
//! streamPropagateXCLAIM, streamPropagateGroupID,
//! streamPropagateConsumerCreation).
//!
//! Divergence: streamReplyWithRange updates the group while it walks the
//! stream. Here the walk writes the reply and collects the IDs it emitted,
//! then the group is updated for those IDs in the same order, which yields
//! the same state and the same propagated XCLAIMs without holding a borrow
//! of the nodes and of the groups at once. Commands to propagate are
//! returned to the caller, which owns the `Server`.

use oxidis_ds::listpack::LpEntry;
use oxidis_ds::stream::cgroups::Nack;
use oxidis_ds::stream::encoding::{EntryRef, Stream, StreamId};

use crate::networking::Client;

pub const ERR_INVALID_ID: &str = "Invalid stream ID specified as stream command argument";

/// streamReplyWithRange flags.
pub const RWR_NOACK: u32 = 1 << 0; // do not create PEL entries
pub const RWR_RAWENTRIES: u32 = 1 << 1; // no outer array
pub const RWR_HISTORY: u32 = 1 << 2; // serve the consumer's own PEL

/// Redis: streamGenericParseIDOrReply without the reply. `seq_given`, when
/// given, accepts the "<ms>-*" form and says whether a sequence was there.
pub fn parse_id(
    arg: &[u8],
    missing_seq: u64,
    strict: bool,
    seq_given: Option<&mut bool>,
) -> Option<StreamId> {
    if arg.len() > 127 {
        return None;
    }
    // Redis works on a C string copy: an embedded NUL ends it.
    let buf = match memchr::memchr(0, arg) {
        Some(n) => &arg[..n],
        None => arg,
    };
    if strict && (buf == b"-" || buf == b"+") {
        return None;
    }
    let mut given = true;
    let id = if buf == b"-" {
        StreamId::MIN
    } else if buf == b"+" {
        StreamId::MAX
    } else {
        let (ms_part, seq_part) = match memchr::memchr(b'-', buf) {
            Some(d) => (&buf[..d], Some(&buf[d + 1..])),
            None => (buf, None),
        };
        let ms = oxidis_ds::util::string2ull(ms_part)?;
        let seq = match seq_part {
            Some(b"*") if seq_given.is_some() => {
                given = false;
                0
            }
            Some(s) => oxidis_ds::util::string2ull(s)?,
            None => missing_seq,
        };
        StreamId { ms, seq }
    };
    if let Some(g) = seq_given {
        *g = given;
    }
    Some(id)
}

/// Redis: streamParseIDOrReply.
pub fn parse_id_or_reply(c: &mut Client, arg: &[u8], missing_seq: u64) -> Option<StreamId> {
    let r = parse_id(arg, missing_seq, false, None);
    if r.is_none() {
        c.add_reply_error(ERR_INVALID_ID);
    }
    r
}

/// Redis: streamParseStrictIDOrReply ("-" and "+" rejected).
pub fn parse_strict_id_or_reply(
    c: &mut Client,
    arg: &[u8],
    missing_seq: u64,
    seq_given: Option<&mut bool>,
) -> Option<StreamId> {
    let r = parse_id(arg, missing_seq, true, seq_given);
    if r.is_none() {
        c.add_reply_error(ERR_INVALID_ID);
    }
    r
}

/// Redis: streamParseIntervalIDOrReply — "(" makes the bound exclusive.
/// Returns the ID and whether it was exclusive.
pub fn parse_interval_id_or_reply(
    c: &mut Client,
    arg: &[u8],
    missing_seq: u64,
) -> Option<(StreamId, bool)> {
    if arg.len() > 1 && arg[0] == b'(' {
        parse_strict_id_or_reply(c, &arg[1..], missing_seq, None).map(|id| (id, true))
    } else {
        parse_id_or_reply(c, arg, missing_seq).map(|id| (id, false))
    }
}

/// Parses a range start (sequence 0 when missing, "(" bumps it up).
/// Redis: the start half of xrangeGenericCommand / xpendingCommand.
pub fn parse_range_start(c: &mut Client, arg: &[u8]) -> Option<StreamId> {
    let (mut id, ex) = parse_interval_id_or_reply(c, arg, 0)?;
    if ex && !id.incr() {
        c.add_reply_error("invalid start ID for the interval");
        return None;
    }
    Some(id)
}

/// Parses a range end (sequence MAX when missing, "(" lowers it).
pub fn parse_range_end(c: &mut Client, arg: &[u8]) -> Option<StreamId> {
    let (mut id, ex) = parse_interval_id_or_reply(c, arg, u64::MAX)?;
    if ex && !id.decr() {
        c.add_reply_error("invalid end ID for the interval");
        return None;
    }
    Some(id)
}

/// Redis: addReplyStreamID.
pub fn add_reply_stream_id(c: &mut Client, id: StreamId) {
    c.add_reply_bulk(&id.to_bytes());
}

fn add_reply_lp(c: &mut Client, e: LpEntry<'_>) {
    match e {
        LpEntry::Int(v) => c.add_reply_bulk_i64(v),
        LpEntry::Str(s) => c.add_reply_bulk(s),
    }
}

/// One entry as [id, [field, value, ...]].
pub fn add_reply_entry(c: &mut Client, e: &EntryRef<'_>) {
    c.add_reply_array_len(2);
    add_reply_stream_id(c, e.id);
    c.add_reply_array_len(e.numfields * 2);
    for (f, v) in e.fields() {
        add_reply_lp(c, f);
        add_reply_lp(c, v);
    }
}

/// The consumer-group side of a read: which group and consumer, and the
/// key and group name the propagated commands name.
pub struct GroupRead<'a> {
    pub key: &'a [u8],
    pub group: &'a [u8],
    pub consumer: &'a [u8],
}

/// Redis: streamPropagateXCLAIM's argument vector.
pub fn xclaim_argv(
    key: &[u8],
    group: &[u8],
    id: StreamId,
    nack: &Nack,
    last_id: StreamId,
) -> Vec<Vec<u8>> {
    vec![
        b"XCLAIM".to_vec(),
        key.to_vec(),
        group.to_vec(),
        nack.consumer.clone().unwrap_or_default(),
        b"0".to_vec(),
        id.to_bytes(),
        b"TIME".to_vec(),
        nack.delivery_time.to_string().into_bytes(),
        b"RETRYCOUNT".to_vec(),
        nack.delivery_count.to_string().into_bytes(),
        b"FORCE".to_vec(),
        b"JUSTID".to_vec(),
        b"LASTID".to_vec(),
        last_id.to_bytes(),
    ]
}

/// Redis: streamPropagateGroupID's argument vector.
pub fn setid_argv(
    key: &[u8],
    group: &[u8],
    last_id: StreamId,
    entries_read: Option<i64>,
) -> Vec<Vec<u8>> {
    vec![
        b"XGROUP".to_vec(),
        b"SETID".to_vec(),
        key.to_vec(),
        group.to_vec(),
        last_id.to_bytes(),
        b"ENTRIESREAD".to_vec(),
        entries_read.unwrap_or(-1).to_string().into_bytes(),
    ]
}

/// Redis: streamPropagateConsumerCreation's argument vector.
pub fn createconsumer_argv(key: &[u8], group: &[u8], consumer: &[u8]) -> Vec<Vec<u8>> {
    vec![
        b"XGROUP".to_vec(),
        b"CREATECONSUMER".to_vec(),
        key.to_vec(),
        group.to_vec(),
        consumer.to_vec(),
    ]
}

/// Redis: streamReplyWithRange. Emits the entries from `start` to `end`
/// (at most `count`, 0 = all) and returns how many. With a group, the group
/// last ID, read counter and PEL are updated as XREADGROUP does, and the
/// commands to propagate are appended to `props`.
#[allow(clippy::too_many_arguments)]
pub fn reply_with_range(
    c: &mut Client,
    s: &mut Stream,
    start: Option<StreamId>,
    end: Option<StreamId>,
    count: usize,
    rev: bool,
    grp: Option<&GroupRead<'_>>,
    flags: u32,
    now: i64,
    props: &mut Vec<Vec<Vec<u8>>>,
) -> usize {
    if let Some(g) = grp {
        if flags & RWR_HISTORY != 0 {
            return reply_from_consumer_pel(c, s, start.unwrap_or_default(), count, g, now);
        }
    }
    let raw = flags & RWR_RAWENTRIES != 0;
    let d = (!raw).then(|| c.add_reply_deferred_len());
    let mut ids = Vec::new();
    for e in s.iter(start, end, rev) {
        add_reply_entry(c, &e);
        ids.push(e.id);
        if count != 0 && ids.len() == count {
            break;
        }
    }
    if let Some(g) = grp {
        apply_group_read(s, g, &ids, flags & RWR_NOACK != 0, now, props);
    }
    if let Some(d) = d {
        c.set_deferred_array_len(d, ids.len());
    }
    ids.len()
}

/// The group half of streamReplyWithRange, for the emitted `ids`.
#[allow(clippy::map_entry)] // the existing-NACK branch needs `assign_nack`
fn apply_group_read(
    s: &mut Stream,
    g: &GroupRead<'_>,
    ids: &[StreamId],
    noack: bool,
    now: i64,
    props: &mut Vec<Vec<Vec<u8>>>,
) {
    let mut propagate_last_id = false;
    for &id in ids {
        let has_tomb = s.range_has_tombstones(Some(id), None);
        let estimate = s.estimate_distance_from_first_ever_entry(id);
        let added = s.entries_added;
        let Some(cg) = s.lookup_cg_mut(g.group) else {
            return;
        };
        if id > cg.last_id {
            match cg.entries_read {
                Some(n) if !has_tomb => cg.entries_read = Some(n + 1),
                _ if added > 0 => cg.entries_read = estimate,
                _ => {}
            }
            cg.last_id = id;
            if noack {
                propagate_last_id = true;
            }
        }
        if !noack {
            if cg.pel.contains_key(&id) {
                cg.assign_nack(id, g.consumer);
                let nack = cg.pel.get_mut(&id).expect("nack");
                nack.delivery_time = now;
                nack.delivery_count = 1;
            } else {
                cg.pel.insert(
                    id,
                    Nack {
                        delivery_time: now,
                        delivery_count: 1,
                        consumer: Some(g.consumer.to_vec()),
                    },
                );
                if let Some(cons) = cg.consumers.get_mut(g.consumer) {
                    cons.pel.insert(id);
                }
            }
            let nack = &cg.pel[&id];
            props.push(xclaim_argv(g.key, g.group, id, nack, cg.last_id));
        }
    }
    if propagate_last_id {
        if let Some(cg) = s.lookup_cg(g.group) {
            props.push(setid_argv(g.key, g.group, cg.last_id, cg.entries_read));
        }
    }
}

/// Redis: streamReplyWithRangeFromConsumerPEL — the consumer's history:
/// its pending IDs from `start`, each with its entry (or a null when the
/// entry was deleted meanwhile).
fn reply_from_consumer_pel(
    c: &mut Client,
    s: &mut Stream,
    start: StreamId,
    count: usize,
    g: &GroupRead<'_>,
    now: i64,
) -> usize {
    let ids: Vec<StreamId> = match s
        .lookup_cg(g.group)
        .and_then(|cg| cg.consumers.get(g.consumer))
    {
        Some(cons) => {
            let it = cons.pel.range(start..).copied();
            if count == 0 {
                it.collect()
            } else {
                it.take(count).collect()
            }
        }
        None => Vec::new(),
    };
    c.add_reply_array_len(ids.len());
    let mut found = Vec::with_capacity(ids.len());
    for &id in &ids {
        match s.iter(Some(id), Some(id), false).next() {
            Some(e) => {
                add_reply_entry(c, &e);
                found.push(id);
            }
            None => {
                c.add_reply_array_len(2);
                add_reply_stream_id(c, id);
                c.add_reply_null_array();
            }
        }
    }
    if let Some(cg) = s.lookup_cg_mut(g.group) {
        for id in found {
            if let Some(n) = cg.pel.get_mut(&id) {
                n.delivery_time = now;
                n.delivery_count += 1;
            }
        }
    }
    ids.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_forms() {
        assert_eq!(parse_id(b"1-2", 0, true, None), Some(StreamId::new(1, 2)));
        assert_eq!(parse_id(b"5", 7, true, None), Some(StreamId::new(5, 7)));
        assert_eq!(parse_id(b"-", 0, false, None), Some(StreamId::MIN));
        assert_eq!(parse_id(b"+", 0, false, None), Some(StreamId::MAX));
        assert_eq!(parse_id(b"-", 0, true, None), None);
        assert_eq!(parse_id(b"+", 0, true, None), None);
        assert_eq!(parse_id(b"1-x", 0, false, None), None);
        assert_eq!(parse_id(b"", 0, false, None), None);
        assert_eq!(parse_id(b"1-*", 0, false, None), None);
        let mut given = true;
        assert_eq!(
            parse_id(b"3-*", 0, true, Some(&mut given)),
            Some(StreamId::new(3, 0))
        );
        assert!(!given);
        assert_eq!(
            parse_id(b"18446744073709551615-18446744073709551615", 0, true, None),
            Some(StreamId::MAX)
        );
        assert_eq!(parse_id(b"18446744073709551616-0", 0, true, None), None);
        assert_eq!(parse_id(&[b'1'; 128], 0, true, None), None);
    }

    #[test]
    fn format_and_order() {
        assert_eq!(StreamId::new(12, 3).to_bytes(), b"12-3".to_vec());
        assert!(StreamId::new(1, u64::MAX) < StreamId::new(2, 0));
        let mut id = StreamId::new(1, u64::MAX);
        assert!(id.incr());
        assert_eq!(id, StreamId::new(2, 0));
        assert!(id.decr());
        assert_eq!(id, StreamId::new(1, u64::MAX));
        let mut max = StreamId::MAX;
        assert!(!max.incr());
        assert_eq!(max, StreamId::MIN);
        let mut min = StreamId::MIN;
        assert!(!min.decr());
        assert_eq!(min, StreamId::MAX);
        let e = StreamId::new(0x0102, 0x0304).encode();
        assert_eq!(StreamId::decode(&e), Some(StreamId::new(0x0102, 0x0304)));
        assert_eq!(e[7], 2);
        assert_eq!(e[15], 4);
    }
}
