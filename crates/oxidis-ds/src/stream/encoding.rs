//! Streams, the low-level encoding. Redis counterpart: t_stream.c, banner
//! "Low level stream encoding: a radix tree of listpacks" (and stream.h).
//!
//! A stream is a sorted map from 128-bit IDs to listpack nodes. Each node's
//! key is its *master ID*; the listpack holds, byte for byte as Redis writes
//! it (and as RDB stores it):
//!
//! ```text
//!  master entry: count | deleted | num-fields | field_1 .. field_N | 0
//!  each entry:   flags | ms-diff | seq-diff | [num-fields | f1 v1 .. fN vN] | lp-count
//!                (SAMEFIELDS flag: just the values v1 .. vN)
//! ```
//!
//! `count`/`deleted` are the live and tombstoned entries of the node; IDs are
//! deltas from the master ID; `lp-count` is the number of listpack elements
//! of the entry before it, so the node can be walked backwards (the master
//! entry's trailing 0 stops a reverse walk). An entry whose field names equal
//! the master entry's gets the SAMEFIELDS flag and stores only its values.
//! Deleting never rewrites a node: the entry is flagged DELETED and the
//! counters move, and a node whose last live entry goes is dropped.
//!
//! Divergence: Redis keys the nodes in a rax (radix tree) by the big-endian
//! ID; here a `BTreeMap<StreamId, Listpack>` does it. Ordering by (ms, seq)
//! equals the big-endian byte order, so iteration, seeks and the RDB image
//! (nodes saved in key order, keyed by the 16-byte ID) are identical. The rax
//! node count that XINFO reports is computed from the keys
//! (`rax_node_count`) as the compressed trie Redis would build. Each node
//! sits behind an `Arc`, so a write during a snapshot copies the node it
//! touches (and the map's pointers), not the whole stream.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::cgroups::ConsumerGroup;
use crate::listpack::{Listpack, LpEntry};

pub const STREAM_ITEM_FLAG_NONE: i64 = 0;
pub const STREAM_ITEM_FLAG_DELETED: i64 = 1 << 0;
pub const STREAM_ITEM_FLAG_SAMEFIELDS: i64 = 1 << 1;

/// Nodes never grow past this, whatever stream-node-max-bytes says.
pub const STREAM_LISTPACK_MAX_SIZE: usize = 1 << 30;

/// A stream entry ID. Redis: streamID. The derived order (ms, then seq) is
/// Redis's streamCompareID.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    pub ms: u64,  // Unix time in milliseconds
    pub seq: u64, // sequence within the millisecond
}

impl StreamId {
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    pub const MAX: StreamId = StreamId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    pub fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    /// Redis: streamIncrID. False (and 0-0) when the ID was the maximum.
    pub fn incr(&mut self) -> bool {
        if self.seq == u64::MAX {
            if self.ms == u64::MAX {
                *self = StreamId::MIN;
                return false;
            }
            self.ms += 1;
            self.seq = 0;
        } else {
            self.seq += 1;
        }
        true
    }

    /// Redis: streamDecrID. False (and MAX) when the ID was 0-0.
    pub fn decr(&mut self) -> bool {
        if self.seq == 0 {
            if self.ms == 0 {
                *self = StreamId::MAX;
                return false;
            }
            self.ms -= 1;
            self.seq = u64::MAX;
        } else {
            self.seq -= 1;
        }
        true
    }

    pub fn is_zero(&self) -> bool {
        self.ms == 0 && self.seq == 0
    }

    /// Redis: streamEncodeID — 128-bit big endian, as rax keys and RDB
    /// PEL entries store it.
    pub fn encode(&self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.ms.to_be_bytes());
        b[8..].copy_from_slice(&self.seq.to_be_bytes());
        b
    }

    /// Redis: streamDecodeID.
    pub fn decode(b: &[u8]) -> Option<StreamId> {
        if b.len() != 16 {
            return None;
        }
        let ms = u64::from_be_bytes(b[..8].try_into().ok()?);
        let seq = u64::from_be_bytes(b[8..].try_into().ok()?);
        Some(StreamId { ms, seq })
    }

    /// Redis: createStreamIDString — "<ms>-<seq>".
    pub fn to_bytes(&self) -> Vec<u8> {
        format!("{}-{}", self.ms, self.seq).into_bytes()
    }
}

impl std::fmt::Display for StreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// A node: its listpack behind an `Arc`, so that a snapshot sharing the
/// stream makes a write copy only the node it touches.
pub type Node = Arc<Listpack>;

/// The stream value. Redis: struct stream.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stream {
    pub rax: BTreeMap<StreamId, Node>,  // master ID -> node
    pub length: u64,                    // live entries
    pub last_id: StreamId,              // zero while nothing was added
    pub first_id: StreamId,             // first live entry, zero if empty
    pub max_deleted_entry_id: StreamId, // largest ID ever XDELed
    pub entries_added: u64,             // all-time count of entries added
    pub cgroups: Option<BTreeMap<Vec<u8>, ConsumerGroup>>, // created on demand
}

/// Why `append_item` refused an entry.
#[derive(Debug, PartialEq, Eq)]
pub enum AppendError {
    /// Redis: EDOM — the ID is not greater than the top item.
    IdTooSmall,
    /// Redis: ERANGE — the fields are too large for a node.
    TooLarge,
}

/// Node limits from the configuration (stream-node-max-bytes / -entries).
#[derive(Clone, Copy, Debug)]
pub struct NodeLimits {
    pub max_bytes: usize,
    pub max_entries: i64,
}

impl Default for NodeLimits {
    fn default() -> Self {
        NodeLimits {
            max_bytes: 4096,
            max_entries: 100,
        }
    }
}

/// Trimming strategy. Redis: TRIM_STRATEGY_*.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrimStrategy {
    None,
    MaxLen(u64),
    MinId(StreamId),
}

/// Trimming arguments. Redis: the trim half of streamAddTrimArgs.
#[derive(Clone, Copy, Debug)]
pub struct TrimArgs {
    pub strategy: TrimStrategy,
    pub approx: bool, // only whole nodes are removed
    pub limit: i64,   // at most this many entries; 0 = no limit
}

// ---------------------------------------------------------------------------
// Listpack helpers
// ---------------------------------------------------------------------------

/// Redis: lpGetInteger — the element as an integer (a string element that
/// is not a number reads as 0; validated nodes never hold one).
#[inline]
pub fn lp_int(lp: &Listpack, p: usize) -> i64 {
    match lp.get(p) {
        LpEntry::Int(v) => v,
        LpEntry::Str(s) => crate::util::string2ll(s).unwrap_or(0),
    }
}

/// Like `lp_int`, but None when the element is not an integer.
fn lp_int_checked(lp: &Listpack, p: usize) -> Option<i64> {
    match lp.get(p) {
        LpEntry::Int(v) => Some(v),
        LpEntry::Str(s) => crate::util::string2ll(s),
    }
}

fn itoa(v: i64) -> Vec<u8> {
    v.to_string().into_bytes()
}

/// Redis: lpAppendInteger.
fn lp_append_int(lp: &mut Listpack, v: i64) {
    lp.append(&itoa(v));
}

/// Redis: lpReplaceInteger.
fn lp_replace_int(lp: &mut Listpack, p: usize, v: i64) {
    lp.replace(p, &itoa(v));
}

/// Steps `n` elements forward (None past the end).
fn skip(lp: &Listpack, mut p: Option<usize>, n: usize) -> Option<usize> {
    for _ in 0..n {
        p = lp.next(p?);
    }
    p
}

/// The master entry of a node: counters and where its fields start.
#[derive(Clone, Copy, Debug)]
pub struct NodeHeader {
    pub count: i64,            // live entries
    pub deleted: i64,          // tombstones
    pub nfields: usize,        // master fields
    pub fields: Option<usize>, // first master field
    pub first: Option<usize>,  // flags of the first entry
}

/// Reads the master entry of a node.
pub fn node_header(lp: &Listpack) -> NodeHeader {
    let p0 = lp.first().unwrap_or(0);
    let count = lp_int(lp, p0);
    let p1 = lp.next(p0).unwrap_or(p0);
    let deleted = lp_int(lp, p1);
    let p2 = lp.next(p1).unwrap_or(p1);
    let nfields = lp_int(lp, p2).max(0) as usize;
    let fields = lp.next(p2);
    // Skip the fields and the master entry's 0 terminator.
    let first = skip(lp, fields, nfields + 1);
    NodeHeader {
        count,
        deleted,
        nfields,
        fields,
        first,
    }
}

/// One entry inside a node, as located by a walk.
#[derive(Clone, Copy, Debug)]
pub struct EntryPos {
    pub flags_pos: usize,
    pub flags: i64,
    pub id: StreamId,
    pub numfields: usize,
    pub body: Option<usize>, // first field (or first value with SAMEFIELDS)
    pub next: Option<usize>, // flags of the following entry
}

/// Decodes the entry whose flags are at `p`. Redis: the body of
/// streamIteratorGetID's inner loop.
pub fn read_entry(lp: &Listpack, master: StreamId, h: &NodeHeader, p: usize) -> EntryPos {
    let flags = lp_int(lp, p);
    let pms = lp.next(p).unwrap_or(p);
    let pseq = lp.next(pms).unwrap_or(pms);
    let id = StreamId {
        ms: master.ms.wrapping_add(lp_int(lp, pms) as u64),
        seq: master.seq.wrapping_add(lp_int(lp, pseq) as u64),
    };
    let mut q = lp.next(pseq);
    let numfields;
    let per_field;
    if flags & STREAM_ITEM_FLAG_SAMEFIELDS != 0 {
        numfields = h.nfields;
        per_field = 1;
    } else {
        numfields = q.map(|q| lp_int(lp, q).max(0) as usize).unwrap_or(0);
        q = q.and_then(|q| lp.next(q));
        per_field = 2;
    }
    let body = q;
    // Skip the fields/values and the lp-count.
    let next = skip(lp, q, numfields * per_field + 1);
    EntryPos {
        flags_pos: p,
        flags,
        id,
        numfields,
        body,
        next,
    }
}

/// The flags position of the entry whose lp-count is at `p`, or None at
/// the master entry's terminator. Redis: the reverse step of the iterator.
fn entry_start_from_count(lp: &Listpack, p: usize) -> Option<usize> {
    let n = lp_int(lp, p);
    if n <= 0 {
        return None;
    }
    let mut q = p;
    for _ in 0..n {
        q = lp.prev(q)?;
    }
    Some(q)
}

/// A decoded entry handed out by the iterator: its ID and a way to read its
/// field-value pairs.
#[derive(Clone, Copy)]
pub struct EntryRef<'a> {
    pub id: StreamId,
    pub flags: i64,
    pub numfields: usize,
    lp: &'a Listpack,
    master_fields: Option<usize>,
    body: Option<usize>,
}

impl<'a> EntryRef<'a> {
    /// Redis: streamIteratorGetField, for every field in turn.
    pub fn fields(&self) -> FieldIter<'a> {
        FieldIter {
            lp: self.lp,
            same: self.flags & STREAM_ITEM_FLAG_SAMEFIELDS != 0,
            mf: self.master_fields,
            p: self.body,
            left: self.numfields,
        }
    }
}

/// The field-value pairs of one entry.
pub struct FieldIter<'a> {
    lp: &'a Listpack,
    same: bool,
    mf: Option<usize>,
    p: Option<usize>,
    left: usize,
}

impl<'a> Iterator for FieldIter<'a> {
    type Item = (LpEntry<'a>, LpEntry<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let field = if self.same {
            let f = self.mf?;
            self.mf = self.lp.next(f);
            self.lp.get(f)
        } else {
            let f = self.p?;
            self.p = self.lp.next(f);
            self.lp.get(f)
        };
        let v = self.p?;
        self.p = self.lp.next(v);
        Some((field, self.lp.get(v)))
    }
}

/// Cursor inside the current node.
struct NodeCursor<'a> {
    lp: &'a Listpack,
    master: StreamId,
    h: NodeHeader,
    // Forward: flags of the next entry. Reverse: lp-count of the next one.
    pos: Option<usize>,
}

/// Iterates the entries of a stream between two IDs (inclusive), either
/// way. Redis: streamIterator (streamIteratorStart / GetID / GetField).
pub struct StreamIter<'a> {
    nodes: std::collections::btree_map::Range<'a, StreamId, Node>,
    cur: Option<NodeCursor<'a>>,
    start: StreamId,
    end: StreamId,
    rev: bool,
    pub skip_tombstones: bool,
    done: bool,
}

impl<'a> StreamIter<'a> {
    /// Redis: streamIteratorStart. `None` bounds are the minimum/maximum ID.
    pub fn new(
        rax: &'a BTreeMap<StreamId, Node>,
        start: Option<StreamId>,
        end: Option<StreamId>,
        rev: bool,
    ) -> StreamIter<'a> {
        let start = start.unwrap_or(StreamId::MIN);
        let end = end.unwrap_or(StreamId::MAX);
        // Seek the node that may hold the first ID to emit: the last node
        // whose master ID is <= the bound (Redis: raxSeek "<=").
        let nodes = if !rev {
            match rax.range(..=start).next_back() {
                Some((k, _)) => rax.range(*k..),
                None => rax.range(start..),
            }
        } else {
            rax.range(..=end)
        };
        StreamIter {
            nodes,
            cur: None,
            start,
            end,
            rev,
            skip_tombstones: true,
            done: start > end,
        }
    }

    fn enter_node(&mut self) -> bool {
        let next = if self.rev {
            self.nodes.next_back()
        } else {
            self.nodes.next()
        };
        let Some((master, lp)) = next else {
            return false;
        };
        let h = node_header(lp);
        let pos = if self.rev { lp.last() } else { h.first };
        self.cur = Some(NodeCursor {
            lp,
            master: *master,
            h,
            pos,
        });
        true
    }
}

impl<'a> Iterator for StreamIter<'a> {
    type Item = EntryRef<'a>;

    fn next(&mut self) -> Option<EntryRef<'a>> {
        if self.done {
            return None;
        }
        loop {
            if self.cur.is_none() && !self.enter_node() {
                self.done = true;
                return None;
            }
            let cur = self.cur.as_mut().expect("node");
            let lp = cur.lp;
            let flags_pos = match cur.pos {
                None => None,
                Some(p) if self.rev => entry_start_from_count(lp, p),
                Some(p) => Some(p),
            };
            let Some(fp) = flags_pos else {
                self.cur = None;
                continue;
            };
            let e = read_entry(lp, cur.master, &cur.h, fp);
            cur.pos = if self.rev { lp.prev(fp) } else { e.next };
            let deleted = e.flags & STREAM_ITEM_FLAG_DELETED != 0;
            let emit = !self.skip_tombstones || !deleted;
            if !self.rev {
                if e.id >= self.start && emit {
                    if e.id > self.end {
                        self.done = true;
                        return None;
                    }
                    return Some(entry_ref(lp, &cur.h, &e));
                }
            } else if e.id <= self.end && emit {
                if e.id < self.start {
                    self.done = true;
                    return None;
                }
                return Some(entry_ref(lp, &cur.h, &e));
            }
        }
    }
}

fn entry_ref<'a>(lp: &'a Listpack, h: &NodeHeader, e: &EntryPos) -> EntryRef<'a> {
    EntryRef {
        id: e.id,
        flags: e.flags,
        numfields: e.numfields,
        lp,
        master_fields: h.fields,
        body: e.body,
    }
}

// ---------------------------------------------------------------------------
// The stream API
// ---------------------------------------------------------------------------

impl Stream {
    /// Redis: streamNew.
    pub fn new() -> Stream {
        Stream::default()
    }

    /// Redis: streamIteratorStart.
    pub fn iter(
        &self,
        start: Option<StreamId>,
        end: Option<StreamId>,
        rev: bool,
    ) -> StreamIter<'_> {
        StreamIter::new(&self.rax, start, end, rev)
    }

    /// Redis: streamGetEdgeID — the first (or last) ID, tombstones included
    /// unless `skip_tombstones`; MAX (or MIN) when there is none.
    pub fn edge_id(&self, first: bool, skip_tombstones: bool) -> StreamId {
        let mut it = self.iter(None, None, !first);
        it.skip_tombstones = skip_tombstones;
        match it.next() {
            Some(e) => e.id,
            None if first => StreamId::MAX,
            None => StreamId::MIN,
        }
    }

    /// Redis: streamLastValidID — the last live entry (0-0 if none).
    pub fn last_valid_id(&self) -> StreamId {
        self.iter(None, None, true)
            .next()
            .map(|e| e.id)
            .unwrap_or_default()
    }

    /// Redis: streamEntryExists.
    pub fn entry_exists(&self, id: StreamId) -> bool {
        self.iter(Some(id), Some(id), false).next().is_some()
    }

    /// Redis: streamAppendItem. `use_id` with `seq_given == false` is the
    /// "<ms>-*" form: the sequence is generated.
    pub fn append_item(
        &mut self,
        fields: &[Vec<u8>],
        use_id: Option<StreamId>,
        seq_given: bool,
        now_ms: u64,
        lim: NodeLimits,
    ) -> Result<StreamId, AppendError> {
        let numfields = fields.len() / 2;
        let id = match use_id {
            Some(u) if seq_given => u,
            Some(u) => {
                if self.last_id.ms == u.ms {
                    if self.last_id.seq == u64::MAX {
                        // Redis returns C_ERR here without setting errno,
                        // so XADD reports the ERANGE text; so does oxidis.
                        return Err(AppendError::TooLarge);
                    }
                    StreamId::new(u.ms, self.last_id.seq + 1)
                } else {
                    u
                }
            }
            None => {
                // Redis: streamNextID.
                if now_ms > self.last_id.ms {
                    StreamId::new(now_ms, 0)
                } else {
                    let mut n = self.last_id;
                    n.incr();
                    n
                }
            }
        };
        if id <= self.last_id {
            return Err(AppendError::IdTooSmall);
        }
        let totelelen: usize = fields.iter().map(|f| f.len()).sum();
        if totelelen > STREAM_LISTPACK_MAX_SIZE {
            return Err(AppendError::TooLarge);
        }

        // Can the tail node take it?
        let mut tail: Option<StreamId> = None;
        if let Some((k, lp)) = self.rax.iter().next_back() {
            let mut max_bytes = lim.max_bytes;
            if max_bytes == 0 || max_bytes > STREAM_LISTPACK_MAX_SIZE {
                max_bytes = STREAM_LISTPACK_MAX_SIZE;
            }
            let mut new_node = lp.bytes() + totelelen >= max_bytes;
            if !new_node && lim.max_entries > 0 {
                let h = node_header(lp);
                if h.count + h.deleted >= lim.max_entries {
                    new_node = true;
                }
            }
            if !new_node {
                tail = Some(*k);
            }
        }

        let mut flags = STREAM_ITEM_FLAG_NONE;
        let master_id = match tail {
            None => {
                let mut lp = Listpack::new();
                lp_append_int(&mut lp, 1);
                lp_append_int(&mut lp, 0);
                lp_append_int(&mut lp, numfields as i64);
                for i in 0..numfields {
                    lp.append(&fields[i * 2]);
                }
                lp_append_int(&mut lp, 0);
                self.rax.insert(id, Arc::new(lp));
                flags |= STREAM_ITEM_FLAG_SAMEFIELDS;
                id
            }
            Some(k) => {
                let lp = Arc::make_mut(self.rax.get_mut(&k).expect("tail node"));
                let p0 = lp.first().expect("master entry");
                let count = lp_int(lp, p0);
                lp_replace_int(lp, p0, count + 1);
                let h = node_header(lp);
                if numfields == h.nfields {
                    let mut f = h.fields;
                    let mut same = true;
                    for i in 0..numfields {
                        match f {
                            Some(p) if lp.get(p).eq_bytes(&fields[i * 2]) => f = lp.next(p),
                            _ => {
                                same = false;
                                break;
                            }
                        }
                    }
                    if same {
                        flags |= STREAM_ITEM_FLAG_SAMEFIELDS;
                    }
                }
                k
            }
        };
        let lp = Arc::make_mut(self.rax.get_mut(&master_id).expect("node"));
        lp_append_int(lp, flags);
        lp_append_int(lp, id.ms.wrapping_sub(master_id.ms) as i64);
        lp_append_int(lp, id.seq.wrapping_sub(master_id.seq) as i64);
        let same = flags & STREAM_ITEM_FLAG_SAMEFIELDS != 0;
        if !same {
            lp_append_int(lp, numfields as i64);
        }
        for i in 0..numfields {
            if !same {
                lp.append(&fields[i * 2]);
            }
            lp.append(&fields[i * 2 + 1]);
        }
        let mut lp_count = numfields as i64 + 3;
        if !same {
            lp_count += numfields as i64 + 1;
        }
        lp_append_int(lp, lp_count);

        self.length += 1;
        self.entries_added += 1;
        self.last_id = id;
        if self.length == 1 {
            self.first_id = id;
        }
        Ok(id)
    }

    /// Marks the entry `id` deleted. Redis: streamDeleteItem (with
    /// streamIteratorRemoveEntry). True if a live entry was removed.
    pub fn delete_item(&mut self, id: StreamId) -> bool {
        let Some((&master, lp)) = self.rax.range(..=id).next_back() else {
            return false;
        };
        let h = node_header(lp);
        let mut p = h.first;
        let mut found = None;
        while let Some(fp) = p {
            let e = read_entry(lp, master, &h, fp);
            if e.id == id && e.flags & STREAM_ITEM_FLAG_DELETED == 0 {
                found = Some(e);
                break;
            }
            if e.id > id {
                break;
            }
            p = e.next;
        }
        let Some(e) = found else {
            return false;
        };
        if h.count <= 1 {
            self.rax.remove(&master);
        } else {
            let lp = Arc::make_mut(self.rax.get_mut(&master).expect("node"));
            lp_replace_int(lp, e.flags_pos, e.flags | STREAM_ITEM_FLAG_DELETED);
            let p0 = lp.first().expect("master");
            lp_replace_int(lp, p0, h.count - 1);
            let p1 = lp.next(p0).expect("deleted");
            lp_replace_int(lp, p1, h.deleted + 1);
        }
        self.length = self.length.saturating_sub(1);
        true
    }

    /// Redis: streamTrim. Returns how many entries went.
    pub fn trim(&mut self, args: &TrimArgs) -> i64 {
        if args.strategy == TrimStrategy::None {
            return 0;
        }
        let mut deleted: i64 = 0;
        // Always the head node: it is either dropped whole (and the next
        // one becomes the head) or trimmed inside, which ends the loop.
        while let Some((&master, _)) = self.rax.first_key_value() {
            if let TrimStrategy::MaxLen(maxlen) = args.strategy {
                if self.length <= maxlen {
                    break;
                }
            }
            let lp = self.rax.get(&master).expect("node");
            let h = node_header(lp);
            let entries = h.count;
            if args.limit != 0 && deleted + entries > args.limit {
                break;
            }
            let remove_node = match args.strategy {
                TrimStrategy::MaxLen(maxlen) => {
                    self.length.saturating_sub(entries.max(0) as u64) >= maxlen
                }
                TrimStrategy::MinId(minid) => {
                    // The last entry of the node (tombstone or not).
                    let last = lp
                        .last()
                        .and_then(|p| entry_start_from_count(lp, p))
                        .map(|fp| read_entry(lp, master, &h, fp).id);
                    match last {
                        Some(l) => l < minid,
                        None => true,
                    }
                }
                TrimStrategy::None => false,
            };
            if remove_node {
                self.rax.remove(&master);
                self.length = self.length.saturating_sub(entries.max(0) as u64);
                deleted += entries;
                continue;
            }
            if args.approx {
                break;
            }
            // Mark entries deleted from the head of this node.
            let mut marks = Vec::new();
            let mut length = self.length;
            let mut p = h.first;
            while let Some(fp) = p {
                let e = read_entry(lp, master, &h, fp);
                let stop = match args.strategy {
                    TrimStrategy::MaxLen(maxlen) => length <= maxlen,
                    TrimStrategy::MinId(minid) => e.id >= minid,
                    TrimStrategy::None => true,
                };
                if stop {
                    break;
                }
                if e.flags & STREAM_ITEM_FLAG_DELETED == 0 {
                    marks.push((e.flags_pos, e.flags | STREAM_ITEM_FLAG_DELETED));
                    length = length.saturating_sub(1);
                }
                p = e.next;
            }
            let n = marks.len() as i64;
            let lp = Arc::make_mut(self.rax.get_mut(&master).expect("node"));
            // Replace from the tail so earlier offsets stay valid (a flags
            // value 0..3 keeps its one-byte encoding anyway).
            for (pos, fl) in marks.into_iter().rev() {
                lp_replace_int(lp, pos, fl);
            }
            let p0 = lp.first().expect("master");
            lp_replace_int(lp, p0, entries - n);
            let p1 = lp.next(p0).expect("deleted");
            lp_replace_int(lp, p1, h.deleted + n);
            self.length = length;
            deleted += n;
            break;
        }
        if self.length == 0 {
            self.first_id = StreamId::MIN;
        } else if deleted > 0 {
            self.first_id = self.edge_id(true, true);
        }
        deleted
    }

    /// Redis: streamRangeHasTombstones.
    pub fn range_has_tombstones(&self, start: Option<StreamId>, end: Option<StreamId>) -> bool {
        if self.length == 0 || self.max_deleted_entry_id.is_zero() {
            return false;
        }
        if self.first_id > self.max_deleted_entry_id {
            return false;
        }
        let start = start.unwrap_or(StreamId::MIN);
        let end = end.unwrap_or(StreamId::MAX);
        start <= self.max_deleted_entry_id && self.max_deleted_entry_id <= end
    }

    /// Redis: streamEstimateDistanceFromFirstEverEntry. None is
    /// SCG_INVALID_ENTRIES_READ.
    pub fn estimate_distance_from_first_ever_entry(&self, id: StreamId) -> Option<i64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if self.length == 0 && id <= self.last_id {
            return Some(self.entries_added as i64);
        }
        if id == self.last_id {
            return Some(self.entries_added as i64);
        } else if id > self.last_id {
            return None;
        }
        if self.max_deleted_entry_id.is_zero() || self.max_deleted_entry_id < self.first_id {
            if id < self.first_id {
                return Some(self.entries_added as i64 - self.length as i64);
            } else if id == self.first_id {
                return Some(self.entries_added as i64 - self.length as i64 + 1);
            }
        }
        None
    }

    /// The node count of the rax Redis would hold for these keys (XINFO's
    /// radix-tree-nodes): a trie over the 16-byte keys where each run of
    /// bytes with a single continuation is one compressed node.
    pub fn rax_node_count(&self) -> u64 {
        let keys: Vec<[u8; 16]> = self.rax.keys().map(|k| k.encode()).collect();
        if keys.is_empty() {
            return 1;
        }
        fn count(keys: &[[u8; 16]], d: usize) -> u64 {
            if d == 16 {
                return 1;
            }
            let first = keys[0][d];
            if keys.iter().all(|k| k[d] == first) {
                // Extend the common run as far as it goes.
                let mut e = d + 1;
                while e < 16 && keys.iter().all(|k| k[e] == keys[0][e]) {
                    e += 1;
                }
                return 1 + count(keys, e);
            }
            let mut n = 1;
            let mut i = 0;
            while i < keys.len() {
                let b = keys[i][d];
                let mut j = i;
                while j < keys.len() && keys[j][d] == b {
                    j += 1;
                }
                n += count_child(&keys[i..j], d + 1);
                i = j;
            }
            n
        }
        // A child of a branch: the byte itself is in the parent.
        fn count_child(keys: &[[u8; 16]], d: usize) -> u64 {
            count(keys, d)
        }
        count(&keys, 0)
    }
}

/// Redis: streamValidateListpackIntegrity (deep), on an untrusted node.
pub fn validate_node(blob: &[u8]) -> bool {
    if !crate::listpack::validate_integrity(blob, true, None) {
        return false;
    }
    let lp = Listpack::from_bytes_unchecked(blob.to_vec());
    let mut p = lp.first();
    let next_int = |p: &mut Option<usize>| -> Option<i64> {
        let q = (*p)?;
        let v = lp_int_checked(&lp, q);
        *p = lp.next(q);
        v
    };
    let Some(count) = next_int(&mut p) else {
        return false;
    };
    let Some(deleted) = next_int(&mut p) else {
        return false;
    };
    let Some(master_fields) = next_int(&mut p) else {
        return false;
    };
    if count < 0 || deleted < 0 || master_fields < 0 {
        return false;
    }
    for _ in 0..master_fields {
        if p.is_none() {
            return false;
        }
        p = lp.next(p.unwrap_or(0));
    }
    if next_int(&mut p) != Some(0) {
        return false;
    }
    let mut entries = count.saturating_add(deleted);
    while entries > 0 {
        entries -= 1;
        let Some(flags) = next_int(&mut p) else {
            return false;
        };
        if next_int(&mut p).is_none() || next_int(&mut p).is_none() {
            return false;
        }
        let mut fields = master_fields;
        let mut extra = 3;
        if flags & STREAM_ITEM_FLAG_SAMEFIELDS == 0 {
            let Some(f) = next_int(&mut p) else {
                return false;
            };
            if f < 0 {
                return false;
            }
            fields = f;
            for _ in 0..fields {
                if p.is_none() {
                    return false;
                }
                p = lp.next(p.unwrap_or(0));
            }
            extra += fields + 1;
        }
        for _ in 0..fields {
            if p.is_none() {
                return false;
            }
            p = lp.next(p.unwrap_or(0));
        }
        if next_int(&mut p) != Some(fields + extra) {
            return false;
        }
    }
    p.is_none()
}
