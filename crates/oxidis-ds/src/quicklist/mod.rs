//! The quicklist. Redis counterpart: quicklist.c (7.0).
//!
//! A quicklist is a sequence of nodes; each node is either a listpack of
//! several elements (PACKED) or one big element on its own (PLAIN, for
//! elements at least `packed_threshold` bytes, DEBUG
//! QUICKLIST-PACKED-THRESHOLD). How full a packed node may get is `fill`
//! (`list-max-listpack-size`): a positive fill caps the element count (with
//! an 8 KiB safety limit), a negative one caps the listpack's bytes at
//! 4/8/16/32/64 KiB for -1..-5. Inner nodes — those more than `compress`
//! (`list-compress-depth`) nodes away from both ends — are kept compressed.
//!
//! Divergences:
//! - Nodes live in a `VecDeque<Arc<Node>>` rather than a doubly linked
//!   list. A snapshot that shares the list shares every node; a write goes
//!   through `Arc::make_mut`, so it copies only the node it touches. Node
//!   lookups by position walk the node counts as Redis walks `->next`.
//! - Compression uses lz4 (lz4_flex) instead of LZF: it is in memory only.
//! - A compressed node read by LINDEX/LRANGE is decompressed into a
//!   temporary copy, never in place (reads do not need `&mut`); writes
//!   decompress the node in place and recompress it afterwards, as Redis's
//!   `recompress` flag does.
//! - No bookmarks (Redis uses them only for defrag).

pub mod rdb;

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::listpack::{Listpack, LpEntry, Where};

/// Byte limits of negative fill values -1..-5. Redis: optimization_level.
const OPTIMIZATION_LEVEL: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// Largest multi-element listpack when the fill is a count. Redis: SIZE_SAFETY_LIMIT.
const SIZE_SAFETY_LIMIT: usize = 8192;
/// Redis: SIZE_ESTIMATE_OVERHEAD.
const SIZE_ESTIMATE_OVERHEAD: usize = 8;
/// Nodes smaller than this are never compressed. Redis: MIN_COMPRESS_BYTES.
pub const MIN_COMPRESS_BYTES: usize = 48;
/// Compression must save at least this much. Redis: MIN_COMPRESS_IMPROVE.
pub const MIN_COMPRESS_IMPROVE: usize = 8;
const DEFAULT_PACKED_THRESHOLD: usize = 1 << 30;

/// Elements this big or bigger get a PLAIN node. Process-wide, as in Redis.
static PACKED_THRESHOLD: AtomicUsize = AtomicUsize::new(DEFAULT_PACKED_THRESHOLD);

/// Redis: quicklistisSetPackedThreshold. 0 restores the default (1 GiB).
pub fn set_packed_threshold(sz: u64) -> bool {
    if sz > (1u64 << 32) - (1 << 20) {
        return false;
    }
    let v = if sz == 0 {
        DEFAULT_PACKED_THRESHOLD
    } else {
        sz as usize
    };
    PACKED_THRESHOLD.store(v, Ordering::Relaxed);
    true
}

#[inline]
fn is_large_element(sz: usize) -> bool {
    sz >= PACKED_THRESHOLD.load(Ordering::Relaxed)
}

/// Which end. Redis: QUICKLIST_HEAD / QUICKLIST_TAIL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Head,
    Tail,
}

#[derive(Clone, Debug, PartialEq)]
enum NodeData {
    Packed(Listpack),                    // QUICKLIST_NODE_CONTAINER_PACKED, raw
    Plain(Vec<u8>),                      // QUICKLIST_NODE_CONTAINER_PLAIN, raw
    Lz4 { bytes: Vec<u8>, plain: bool }, // QUICKLIST_NODE_ENCODING_LZF
}

/// Redis: quicklistNode.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    data: NodeData,
    count: usize, // elements in this node
    sz: usize,    // uncompressed bytes (lpBytes, or the plain element's length)
}

/// A read-only view of a node's contents.
pub enum NodeView<'a> {
    Packed(Cow<'a, Listpack>),
    Plain(Cow<'a, [u8]>),
}

impl Node {
    fn packed(lp: Listpack) -> Node {
        let count = lp.len();
        let sz = lp.bytes();
        Node {
            data: NodeData::Packed(lp),
            count,
            sz,
        }
    }

    fn plain(v: &[u8]) -> Node {
        Node {
            data: NodeData::Plain(v.to_vec()),
            count: 1,
            sz: v.len(),
        }
    }

    pub fn is_plain(&self) -> bool {
        matches!(
            self.data,
            NodeData::Plain(_) | NodeData::Lz4 { plain: true, .. }
        )
    }

    pub fn is_compressed(&self) -> bool {
        matches!(self.data, NodeData::Lz4 { .. })
    }

    pub fn count(&self) -> usize {
        self.count
    }

    /// Uncompressed size in bytes (Redis: node->sz).
    pub fn size(&self) -> usize {
        self.sz
    }

    /// The node's contents, decompressed into a temporary when needed.
    pub fn view(&self) -> NodeView<'_> {
        match &self.data {
            NodeData::Packed(lp) => NodeView::Packed(Cow::Borrowed(lp)),
            NodeData::Plain(v) => NodeView::Plain(Cow::Borrowed(v)),
            NodeData::Lz4 { bytes, plain } => {
                let raw = lz4_flex::block::decompress(bytes, self.sz).unwrap_or_default();
                if *plain {
                    NodeView::Plain(Cow::Owned(raw))
                } else {
                    NodeView::Packed(Cow::Owned(Listpack::from_bytes_unchecked(raw)))
                }
            }
        }
    }

    /// Redis: __quicklistCompressNode.
    fn compress(&mut self) {
        if self.is_compressed() || self.sz < MIN_COMPRESS_BYTES {
            return;
        }
        let (raw, plain): (&[u8], bool) = match &self.data {
            NodeData::Packed(lp) => (lp.as_bytes(), false),
            NodeData::Plain(v) => (v, true),
            NodeData::Lz4 { .. } => return,
        };
        let c = lz4_flex::block::compress(raw);
        if c.len() + MIN_COMPRESS_IMPROVE >= self.sz {
            return;
        }
        self.data = NodeData::Lz4 { bytes: c, plain };
    }

    /// Redis: __quicklistDecompressNode.
    fn decompress(&mut self) {
        if let NodeData::Lz4 { bytes, plain } = &self.data {
            let raw = lz4_flex::block::decompress(bytes, self.sz).unwrap_or_default();
            self.data = if *plain {
                NodeData::Plain(raw)
            } else {
                NodeData::Packed(Listpack::from_bytes_unchecked(raw))
            };
        }
    }

    /// The raw listpack of a packed node (decompressing it first).
    fn lp_mut(&mut self) -> &mut Listpack {
        self.decompress();
        match &mut self.data {
            NodeData::Packed(lp) => lp,
            _ => panic!("quicklist: plain node used as packed"),
        }
    }

    fn update_sz(&mut self) {
        if let NodeData::Packed(lp) = &self.data {
            self.sz = lp.bytes();
            self.count = lp.len();
        }
    }
}

/// Redis: _quicklistNodeSizeMeetsOptimizationRequirement.
fn size_meets_optimization(sz: usize, fill: i32) -> bool {
    if fill >= 0 {
        return false;
    }
    let off = (-(fill as i64) - 1) as usize;
    off < OPTIMIZATION_LEVEL.len() && sz <= OPTIMIZATION_LEVEL[off]
}

/// Redis: _quicklistNodeAllowInsert.
fn allow_insert(node: Option<&Node>, fill: i32, sz: usize) -> bool {
    let Some(node) = node else {
        return false;
    };
    if node.is_plain() || is_large_element(sz) {
        return false;
    }
    let new_sz = node.sz + sz + SIZE_ESTIMATE_OVERHEAD;
    if size_meets_optimization(new_sz, fill) {
        true
    } else if new_sz > SIZE_SAFETY_LIMIT {
        false
    } else {
        (node.count as i64) < fill as i64
    }
}

/// Redis: _quicklistNodeAllowMerge.
fn allow_merge(a: &Node, b: &Node, fill: i32) -> bool {
    if a.is_plain() || b.is_plain() {
        return false;
    }
    let merge_sz = (a.sz + b.sz).saturating_sub(11);
    if size_meets_optimization(merge_sz, fill) {
        true
    } else if merge_sz > SIZE_SAFETY_LIMIT {
        false
    } else {
        (a.count + b.count) as i64 <= fill as i64
    }
}

/// Redis: struct quicklist.
#[derive(Clone, Debug, PartialEq)]
pub struct Quicklist {
    nodes: VecDeque<Arc<Node>>,
    count: usize,    // total elements
    fill: i32,       // list-max-listpack-size at creation
    compress: usize, // list-compress-depth at creation
}

impl Quicklist {
    /// Redis: quicklistNew(fill, compress).
    pub fn new(fill: i32, compress: i32) -> Quicklist {
        Quicklist {
            nodes: VecDeque::new(),
            count: 0,
            fill: fill.clamp(-5, 1 << 15),
            compress: compress.clamp(0, 1 << 16) as usize,
        }
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn fill(&self) -> i32 {
        self.fill
    }

    pub fn compress_depth(&self) -> usize {
        self.compress
    }

    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().map(|n| &**n)
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    fn node_mut(&mut self, i: usize) -> &mut Node {
        Arc::make_mut(&mut self.nodes[i])
    }

    /// Keeps the compression invariant after a change that touched node
    /// `touched`: nodes within `compress` of either end are raw, the others
    /// compressed. Only the window next to each end can change state
    /// (nodes are inserted one at a time), plus the touched node.
    /// Redis: __quicklistCompress / quicklistCompress.
    fn fix_compression(&mut self, touched: &[usize]) {
        let d = self.compress;
        if d == 0 {
            return;
        }
        let len = self.nodes.len();
        for i in 0..d.min(len) {
            for j in [i, len - 1 - i] {
                if self.nodes[j].is_compressed() {
                    self.node_mut(j).decompress();
                }
            }
        }
        if len <= 2 * d {
            return;
        }
        let compress_one = |ql: &mut Quicklist, i: usize| {
            if i >= d && i < len - d && !ql.nodes[i].is_compressed() {
                ql.node_mut(i).compress();
            }
        };
        compress_one(self, d);
        compress_one(self, len - 1 - d);
        for &t in touched {
            if t < len {
                compress_one(self, t);
            }
        }
    }

    /// Inserts `node` at position `at` in the node list.
    fn insert_node(&mut self, at: usize, node: Node) {
        self.nodes.insert(at, Arc::new(node));
    }

    fn remove_node(&mut self, i: usize) {
        if let Some(n) = self.nodes.remove(i) {
            self.count -= n.count;
        }
    }

    /// Redis: quicklistPushHead / quicklistPushTail.
    pub fn push(&mut self, end: End, ele: &[u8]) {
        let sz = ele.len();
        let idx = match end {
            End::Head => 0,
            End::Tail => self.nodes.len().wrapping_sub(1),
        };
        let target = self.nodes.get(idx).map(|n| &**n);
        if is_large_element(sz) {
            let at = if end == End::Head {
                0
            } else {
                self.nodes.len()
            };
            self.insert_node(at, Node::plain(ele));
            self.count += 1;
            self.fix_compression(&[at]);
            return;
        }
        if allow_insert(target, self.fill, sz) {
            let node = self.node_mut(idx);
            let lp = node.lp_mut();
            match end {
                End::Head => lp.prepend(ele),
                End::Tail => lp.append(ele),
            };
            node.sz = lp.bytes();
            node.count += 1;
            self.count += 1;
            if self.compress > 0 {
                self.fix_compression(&[]);
            }
        } else {
            let mut lp = Listpack::new();
            lp.append(ele);
            let at = if end == End::Head {
                0
            } else {
                self.nodes.len()
            };
            self.insert_node(at, Node::packed(lp));
            self.count += 1;
            self.fix_compression(&[]);
        }
    }

    /// Appends a pre-built node (RDB loading). Redis: quicklistAppendListpack
    /// / quicklistAppendPlainNode.
    pub fn append_listpack(&mut self, lp: Listpack) {
        if lp.is_empty() {
            return;
        }
        let n = Node::packed(lp);
        self.count += n.count;
        let at = self.nodes.len();
        self.nodes.push_back(Arc::new(n));
        self.fix_compression(&[at]);
    }

    pub fn append_plain(&mut self, v: &[u8]) {
        self.count += 1;
        let at = self.nodes.len();
        self.nodes.push_back(Arc::new(Node::plain(v)));
        self.fix_compression(&[at]);
    }

    /// Redis: quicklistPop. Removes and returns the element at `end`.
    pub fn pop(&mut self, end: End) -> Option<Vec<u8>> {
        if self.count == 0 {
            return None;
        }
        let idx = match end {
            End::Head => 0,
            End::Tail => self.nodes.len() - 1,
        };
        let node = self.node_mut(idx);
        node.decompress();
        let v = match &mut node.data {
            NodeData::Plain(v) => {
                let v = std::mem::take(v);
                self.remove_node(idx);
                self.fix_compression(&[]);
                return Some(v);
            }
            NodeData::Packed(lp) => {
                let p = match end {
                    End::Head => lp.first(),
                    End::Tail => lp.last(),
                }?;
                let v = lp.get(p).to_vec();
                lp.delete(p);
                v
            }
            NodeData::Lz4 { .. } => unreachable!(),
        };
        node.update_sz();
        let empty = node.count == 0;
        self.count -= 1;
        if empty {
            self.nodes.remove(idx);
        }
        self.fix_compression(&[]);
        Some(v)
    }

    /// Node index and offset inside it of element `index` (0-based from the
    /// head), walking from the nearer end. Redis: quicklistGetIteratorAtIdx.
    pub fn locate(&self, index: usize) -> Option<(usize, usize)> {
        if index >= self.count {
            return None;
        }
        if index <= (self.count - 1) / 2 {
            let mut acc = 0;
            for (i, n) in self.nodes.iter().enumerate() {
                if index < acc + n.count {
                    return Some((i, index - acc));
                }
                acc += n.count;
            }
        } else {
            let mut acc = self.count;
            for (i, n) in self.nodes.iter().enumerate().rev() {
                acc -= n.count;
                if index >= acc {
                    return Some((i, index - acc));
                }
            }
        }
        None
    }

    /// Normalises a possibly negative index. None when out of range.
    pub fn norm_index(&self, index: i64) -> Option<usize> {
        let n = self.count as i64;
        let i = if index < 0 { n + index } else { index };
        (i >= 0 && i < n).then_some(i as usize)
    }

    /// The element at `index` (negative from the tail). Redis: quicklistGetIteratorEntryAtIdx.
    pub fn get(&self, index: i64) -> Option<Vec<u8>> {
        let mut out = None;
        let i = self.norm_index(index)?;
        self.for_range(i, 1, false, |e| {
            out = Some(e.to_vec());
            false
        });
        out
    }

    /// Visits `count` elements starting at `start`, towards the tail
    /// (`reverse` = false) or the head. Stops early when `f` returns false.
    pub fn for_range(
        &self,
        start: usize,
        mut count: usize,
        reverse: bool,
        mut f: impl FnMut(LpEntry<'_>) -> bool,
    ) {
        let Some((mut ni, mut off)) = self.locate(start) else {
            return;
        };
        while count > 0 {
            let node = &self.nodes[ni];
            match node.view() {
                NodeView::Plain(v) => {
                    count -= 1;
                    if !f(LpEntry::Str(&v)) {
                        return;
                    }
                }
                NodeView::Packed(lp) => {
                    let mut p = lp.seek(off as i64);
                    while let Some(x) = p {
                        if count == 0 {
                            return;
                        }
                        count -= 1;
                        if !f(lp.get(x)) {
                            return;
                        }
                        p = if reverse { lp.prev(x) } else { lp.next(x) };
                    }
                }
            }
            if reverse {
                if ni == 0 {
                    return;
                }
                ni -= 1;
                off = self.nodes[ni].count - 1;
            } else {
                ni += 1;
                if ni == self.nodes.len() {
                    return;
                }
                off = 0;
            }
        }
    }

    /// Splits node `ni` at `off`: with `after`, the node keeps [0..=off] and
    /// the returned node holds the rest; otherwise the node keeps [off..] and
    /// the returned node holds [0..off). Redis: _quicklistSplitNode.
    fn split_node(&mut self, ni: usize, off: usize, after: bool) -> Node {
        let node = self.node_mut(ni);
        let lp = node.lp_mut();
        let n = lp.len();
        let mut new_lp = lp.clone();
        if after {
            lp.delete_range(off as i64 + 1, n);
            new_lp.delete_range(0, off + 1);
        } else {
            lp.delete_range(0, off);
            new_lp.delete_range(off as i64, n);
        }
        node.update_sz();
        Node::packed(new_lp)
    }

    /// Inserts `ele` before or after element `index`. Redis: _quicklistInsert.
    pub fn insert(&mut self, index: usize, ele: &[u8], after: bool) {
        let Some((ni, off)) = self.locate(index) else {
            return;
        };
        let sz = ele.len();
        let fill = self.fill;
        let node = &*self.nodes[ni];
        let full = !allow_insert(Some(node), fill, sz);
        let at_tail = after && off == node.count - 1;
        let at_head = !after && off == 0;
        let avail_next = at_tail && allow_insert(self.nodes.get(ni + 1).map(|n| &**n), fill, sz);
        let avail_prev = at_head && ni > 0 && allow_insert(Some(&*self.nodes[ni - 1]), fill, sz);
        let node_plain = node.is_plain();
        self.count += 1;
        if is_large_element(sz) {
            if node_plain || at_tail || at_head {
                let at = if after { ni + 1 } else { ni };
                self.insert_node(at, Node::plain(ele));
                self.fix_compression(&[ni, at]);
            } else {
                let new_node = self.split_node(ni, off, after);
                if after {
                    self.insert_node(ni + 1, Node::plain(ele));
                    self.insert_node(ni + 2, new_node);
                    self.fix_compression(&[ni, ni + 1, ni + 2]);
                } else {
                    self.insert_node(ni, new_node);
                    self.insert_node(ni + 1, Node::plain(ele));
                    self.fix_compression(&[ni, ni + 1, ni + 2]);
                }
            }
            return;
        }
        if !full {
            let node = self.node_mut(ni);
            let lp = node.lp_mut();
            let p = lp.seek(off as i64).expect("offset in node");
            lp.insert(p, ele, if after { Where::After } else { Where::Before });
            node.update_sz();
            self.fix_compression(&[ni]);
        } else if at_tail && avail_next {
            let node = self.node_mut(ni + 1);
            node.lp_mut().prepend(ele);
            node.update_sz();
            self.fix_compression(&[ni, ni + 1]);
        } else if at_head && avail_prev {
            let node = self.node_mut(ni - 1);
            node.lp_mut().append(ele);
            node.update_sz();
            self.fix_compression(&[ni - 1, ni]);
        } else if at_tail || at_head {
            let mut lp = Listpack::new();
            lp.append(ele);
            let at = if after { ni + 1 } else { ni };
            self.insert_node(at, Node::packed(lp));
            self.fix_compression(&[ni, at, ni + 1]);
        } else {
            let mut new_node = self.split_node(ni, off, after);
            {
                let lp = new_node.lp_mut();
                if after {
                    lp.prepend(ele);
                } else {
                    lp.append(ele);
                }
            }
            new_node.update_sz();
            let (at, center) = if after { (ni + 1, ni) } else { (ni, ni + 1) };
            self.insert_node(at, new_node);
            self.merge_nodes(center);
            self.fix_compression(&[]);
            let len = self.nodes.len();
            let touched: Vec<usize> = (ni.saturating_sub(2)..(ni + 3).min(len)).collect();
            self.fix_compression(&touched);
        }
    }

    /// Merges node `b` into node `a` (= `b - 1`). Redis: _quicklistListpackMerge.
    fn merge_pair(&mut self, a: usize) {
        let b_node = self.nodes.remove(a + 1).expect("merge pair");
        let b_view = b_node.view();
        let node = self.node_mut(a);
        if let NodeView::Packed(blp) = b_view {
            node.lp_mut().merge_back(&blp);
        }
        node.update_sz();
    }

    /// Tries to merge the nodes around `center`. Redis: _quicklistMergeNodes.
    fn merge_nodes(&mut self, mut center: usize) {
        let fill = self.fill;
        let ok = |ql: &Quicklist, a: usize, b: usize| {
            b < ql.nodes.len() && allow_merge(&ql.nodes[a], &ql.nodes[b], fill)
        };
        // prev_prev + prev
        if center >= 2 && ok(self, center - 2, center - 1) {
            self.merge_pair(center - 2);
            center -= 1;
        }
        // next + next_next
        if ok(self, center + 1, center + 2) {
            self.merge_pair(center + 1);
        }
        // prev + center
        let target = if center >= 1 && ok(self, center - 1, center) {
            self.merge_pair(center - 1);
            center - 1
        } else {
            center
        };
        // target + next
        if ok(self, target, target + 1) {
            self.merge_pair(target);
        }
    }

    /// Replaces the element at `index`. Redis: quicklistReplaceAtIndex.
    pub fn replace(&mut self, index: usize, ele: &[u8]) -> bool {
        let Some((ni, off)) = self.locate(index) else {
            return false;
        };
        let plain = self.nodes[ni].is_plain();
        let large = is_large_element(ele.len());
        if !plain && !large {
            let node = self.node_mut(ni);
            let lp = node.lp_mut();
            let p = lp.seek(off as i64).expect("offset in node");
            lp.replace(p, ele);
            node.update_sz();
            self.fix_compression(&[ni]);
        } else if plain && large {
            let node = self.node_mut(ni);
            node.data = NodeData::Plain(ele.to_vec());
            node.sz = ele.len();
            self.fix_compression(&[ni]);
        } else {
            self.insert(index, ele, true);
            self.del_range(index, 1);
        }
        true
    }

    /// Deletes `count` elements from `start`. Redis: quicklistDelRange.
    pub fn del_range(&mut self, start: usize, count: usize) {
        let Some((mut ni, mut off)) = self.locate(start) else {
            return;
        };
        let mut extent = count.min(self.count - start);
        while extent > 0 && ni < self.nodes.len() {
            let ncount = self.nodes[ni].count;
            if (off == 0 && extent >= ncount) || self.nodes[ni].is_plain() {
                let del = ncount.min(extent);
                self.remove_node(ni);
                extent -= del;
            } else {
                let del = extent.min(ncount - off);
                let node = self.node_mut(ni);
                node.lp_mut().delete_range(off as i64, del);
                node.update_sz();
                self.count -= del;
                extent -= del;
                if self.nodes[ni].count == 0 {
                    self.nodes.remove(ni);
                } else {
                    ni += 1;
                }
            }
            off = 0;
        }
        let touched: Vec<usize> = if ni > 0 { vec![ni - 1, ni] } else { vec![ni] };
        self.fix_compression(&touched);
    }

    /// Removes up to `limit` elements equal to `ele` (0 = all), scanning
    /// from the head or the tail. Returns how many were removed. Used by
    /// LREM (Redis walks an iterator and calls quicklistDelEntry).
    pub fn remove_matching(&mut self, ele: &[u8], limit: usize, from_tail: bool) -> usize {
        let needle_int = crate::listpack::string_to_i64(ele);
        let matches = |e: LpEntry<'_>| match e {
            LpEntry::Str(s) => s == ele,
            LpEntry::Int(v) => needle_int == Some(v),
        };
        let mut removed = 0;
        let n = self.nodes.len();
        let order: Vec<usize> = if from_tail {
            (0..n).rev().collect()
        } else {
            (0..n).collect()
        };
        let mut emptied = Vec::new();
        for ni in order {
            if limit != 0 && removed >= limit {
                break;
            }
            // Look before writing: a snapshot-shared node is copied only if
            // it really holds a match.
            let has = {
                let mut found = false;
                match self.nodes[ni].view() {
                    NodeView::Plain(v) => found = matches(LpEntry::Str(&v)),
                    NodeView::Packed(lp) => {
                        for e in lp.iter() {
                            if matches(e) {
                                found = true;
                                break;
                            }
                        }
                    }
                }
                found
            };
            if !has {
                continue;
            }
            if self.nodes[ni].is_plain() {
                removed += 1;
                emptied.push(ni);
                continue;
            }
            let node = self.node_mut(ni);
            let lp = node.lp_mut();
            let mut p = if from_tail { lp.last() } else { lp.first() };
            while let Some(x) = p {
                if limit != 0 && removed >= limit {
                    break;
                }
                if matches(lp.get(x)) {
                    removed += 1;
                    let next = lp.delete(x);
                    p = if from_tail {
                        match next {
                            Some(nx) => lp.prev(nx),
                            None => lp.last(),
                        }
                    } else {
                        next
                    };
                } else {
                    p = if from_tail { lp.prev(x) } else { lp.next(x) };
                }
            }
            node.update_sz();
            if node.count == 0 {
                emptied.push(ni);
            }
        }
        self.count = self.nodes.iter().map(|n| n.count).sum();
        emptied.sort_unstable();
        for ni in emptied.into_iter().rev() {
            self.nodes.remove(ni);
        }
        self.count = self.nodes.iter().map(|n| n.count).sum();
        self.recompress_all();
        removed
    }

    /// Re-establishes compression on every node (after bulk edits).
    fn recompress_all(&mut self) {
        if self.compress == 0 {
            return;
        }
        let len = self.nodes.len();
        let all: Vec<usize> = (0..len).collect();
        self.fix_compression(&all);
    }

    /// Total uncompressed bytes (DEBUG OBJECT ql_uncompressed_size).
    pub fn uncompressed_size(&self) -> usize {
        self.nodes.iter().map(|n| n.sz).sum()
    }

    /// Every element, head to tail (tests, digests, RDB).
    pub fn to_vec(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::with_capacity(self.count);
        self.for_range(0, self.count, false, |e| {
            out.push(e.to_vec());
            true
        });
        out
    }
}

#[cfg(test)]
mod tests;
