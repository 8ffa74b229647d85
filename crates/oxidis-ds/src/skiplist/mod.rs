//! The skiplist of sorted sets. Redis counterpart: t_zset.c, the "Skiplist
//! implementation of the low level API" banner (zslCreate, zslInsert,
//! zslDelete, zslUpdateScore, zslGetRank, the range finders and deleters).
//!
//! # How the skiplist works
//!
//! A skiplist is a sorted linked list with express lanes. Every node sits on
//! level 0, the plain doubly linked list ordered by (score, member). A node
//! also appears on levels 1, 2, ... up to a height drawn at insertion time:
//! each extra level is kept with probability p = 1/4, so about a quarter of
//! the nodes reach level 1, a sixteenth level 2, and so on, capped at 32
//! levels (enough for 2^64 elements at p = 1/4). A search starts at the
//! header's highest level, runs forward while the next node still sorts
//! before the target, then drops one level; each level skips ~4 nodes of the
//! level below, so a search visits O(log n) nodes on average, without any
//! rebalancing: an insertion only links the new node into the levels it
//! reaches, a deletion only unlinks it.
//!
//! ```text
//!  level 2  H ─────────────────────────────► 7 ──────────────────► NIL
//!  level 1  H ──────────► 3 ───────────────► 7 ─────────► 9 ──────► NIL
//!  level 0  H ──► 1 ──► 3 ──► 4 ──► 5 ──► 7 ──► 8 ──► 9 ──► NIL
//!                 ◄──── backward pointers (level 0 only) ◄────
//! ```
//!
//! Redis adds two things to the textbook structure:
//!
//! - **Spans.** Each forward link records how many level-0 steps it jumps
//!   (`span`). Summing the spans crossed during a search gives the rank of
//!   the node found, so ZRANK and "the element at rank r" (ZRANGE by index)
//!   are O(log n) as well. Insert and delete keep spans exact: while
//!   searching they remember in `rank[i]` the rank reached at each level, and
//!   use it to split the span of the link they cut in two (or merge the two
//!   spans of the links around a removed node). Levels the new node does not
//!   reach just gain (or lose) one in the span passing over it.
//! - **A backward pointer** on level 0, so reverse ranges (ZREVRANGE) walk
//!   from the tail one node at a time.
//!
//! Ties in score are ordered by member bytes (memcmp order, shorter first on
//! a common prefix: exactly Rust's slice order), so (score, member) is a
//! total order and ranges by lex work when all scores are equal.
//!
//! Divergence: nodes are not malloc'd and linked by pointers; they live in an
//! arena (`arena.rs`: fixed chunks that never move once allocated) and link
//! to each other by index (`u32`, `NIL` for none). Slot 0 is the header.
//! Freed slots go on a free list and are reused. A node's arena slot is one
//! 64-byte line holding what a search step reads (the score, the backward
//! link and the first six forward links); the member sits in a parallel
//! `eles` arena (inline when short: `Member`), read only when scores tie,
//! and the links above the sixth in a side `tall` array that the node names
//! by index (one node in 4096 has any). Measured on ZADD with 600k members,
//! this layout brings the cost per search step down to Redis's one cache
//! miss.

mod arena;
pub mod spec;

use arena::Arena;

/// A member as the skiplist and the dict of a sorted set store it: up to 22
/// bytes inside the value itself (no allocation, no pointer to follow when
/// comparing), longer ones boxed. Redis keeps one sds per member, shared by
/// the dict and the skiplist; here each holds its own copy, which for a
/// short member costs no allocation.
pub type Member = crate::sds::EmbStr;

/// Redis: ZSKIPLIST_MAXLEVEL.
pub const ZSKIPLIST_MAXLEVEL: usize = 32;
/// Redis: ZSKIPLIST_P.
pub const ZSKIPLIST_P: f64 = 0.25;

/// No node.
pub const NIL: u32 = u32::MAX;
const HEADER: u32 = 0;
/// Most search paths [`Skiplist::warm_paths`] walks at once.
pub const WARM_MAX: usize = 32;

/// One forward link of a node. Redis: zskiplistLevel.
#[derive(Clone, Copy, Debug)]
struct Level {
    forward: u32, // next node on this level, NIL at the end
    span: u32,    // level-0 steps this link jumps over
}

const NO_LEVEL: Level = Level {
    forward: NIL,
    span: 0,
};

/// Levels kept inside the node itself; the rest go to a side allocation.
/// Six links (48 bytes) plus the score, the backward link and the index of
/// the side allocation make 64 bytes.
const INLINE_LEVELS: usize = 6;

/// Redis: zskiplistNode, minus the member (kept in `Skiplist::eles`, read
/// only on score ties) and minus the links above the sixth (kept in
/// `Skiplist::tall`, slot `tall`; 4095 nodes in 4096 have none). The score,
/// the backward link and six forward links fill exactly one 64-byte line, so
/// a search step costs one cache miss, as in Redis, where the levels are a
/// flexible array member at the end of the node.
#[derive(Clone, Debug)]
#[repr(C, align(64))]
struct Node {
    score: f64,
    backward: u32,                 // previous node on level 0 (NIL for the first)
    tall: u32,                     // slot in Skiplist::tall, NIL for a short node
    level: [Level; INLINE_LEVELS], // the first forward links
}

/// Redis: zskiplist.
#[derive(Clone, Debug)]
pub struct Skiplist {
    nodes: Arena<Node>,      // the nodes; nodes[0] is the header
    eles: Arena<Member>,     // each node's member, by node index
    tall: Vec<Box<[Level]>>, // links above INLINE_LEVELS; tall[0] is the header's
    tall_free: Vec<u32>,     // reusable slots of `tall`
    free: Vec<u32>,          // reusable arena slots
    tail: u32,
    length: usize,
    level: usize, // levels in use (at least 1)
}

pub use spec::{LexBound, ZLexRangeSpec, ZRangeSpec};

/// Redis: zslRandomLevel — 1 + a geometric draw with p = 1/4, capped at 32.
pub fn random_level() -> usize {
    let threshold = (ZSKIPLIST_P * 65535.0) as u32;
    let mut level = 1;
    while level < ZSKIPLIST_MAXLEVEL && (crate::rand::random_u64() as u32 & 0xFFFF) < threshold {
        level += 1;
    }
    level
}

/// (score, ele) sorts before (score2, ele2)?
#[cfg(test)]
fn before(score: f64, ele: &[u8], score2: f64, ele2: &[u8]) -> bool {
    score < score2 || (score == score2 && ele < ele2)
}

/// One of [`Skiplist::search_pair`]'s two walks: its target, the node it
/// has reached and that node's rank.
struct Walk<'a> {
    score: f64,
    ele: &'a [u8],
    x: u32,
    rank: u32,
}

impl<'a> Walk<'a> {
    fn new((score, ele): (f64, &'a [u8])) -> Walk<'a> {
        Walk {
            score,
            ele,
            x: HEADER,
            rank: 0,
        }
    }
}

impl Default for Skiplist {
    fn default() -> Self {
        Self::new()
    }
}

impl Skiplist {
    /// Redis: zslCreate.
    pub fn new() -> Skiplist {
        let header = Node {
            score: 0.0,
            backward: NIL,
            tall: 0,
            level: [NO_LEVEL; INLINE_LEVELS],
        };
        let mut nodes = Arena::default();
        nodes.push(header);
        let mut eles = Arena::default();
        eles.push(Member::new(b""));
        Skiplist {
            nodes,
            eles,
            tall: vec![vec![NO_LEVEL; ZSKIPLIST_MAXLEVEL - INLINE_LEVELS].into_boxed_slice()],
            tall_free: Vec::new(),
            free: Vec::new(),
            tail: NIL,
            length: 0,
            level: 1,
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.length
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    /// First node (lowest score), or NIL.
    #[inline]
    pub fn first(&self) -> u32 {
        self.lv(HEADER as usize, 0).forward
    }

    /// Last node, or NIL.
    #[inline]
    pub fn last(&self) -> u32 {
        self.tail
    }

    /// The node after `x` on level 0, or NIL.
    #[inline]
    pub fn next(&self, x: u32) -> u32 {
        self.lv(x as usize, 0).forward
    }

    /// The node before `x` (backward pointer), or NIL.
    #[inline]
    pub fn prev(&self, x: u32) -> u32 {
        self.nodes[x as usize].backward
    }

    #[inline]
    pub fn ele(&self, x: u32) -> &[u8] {
        self.eles[x as usize].as_bytes()
    }

    #[inline]
    pub fn score(&self, x: u32) -> f64 {
        self.nodes[x as usize].score
    }

    #[inline(always)]
    fn fwd(&self, x: u32, i: usize) -> u32 {
        self.lv(x as usize, i).forward
    }

    /// Link `i` of node `x`.
    #[inline(always)]
    fn lv(&self, x: usize, i: usize) -> Level {
        if i < INLINE_LEVELS {
            self.nodes[x].level[i]
        } else {
            self.tall[self.nodes[x].tall as usize][i - INLINE_LEVELS]
        }
    }

    #[inline(always)]
    fn lv_mut(&mut self, x: usize, i: usize) -> &mut Level {
        if i < INLINE_LEVELS {
            &mut self.nodes[x].level[i]
        } else {
            let t = self.nodes[x].tall as usize;
            &mut self.tall[t][i - INLINE_LEVELS]
        }
    }

    fn alloc(&mut self, level: usize, score: f64, ele: Member) -> u32 {
        let tall = if level > INLINE_LEVELS {
            let links = vec![NO_LEVEL; level - INLINE_LEVELS].into_boxed_slice();
            match self.tall_free.pop() {
                Some(t) => {
                    self.tall[t as usize] = links;
                    t
                }
                None => {
                    self.tall.push(links);
                    (self.tall.len() - 1) as u32
                }
            }
        } else {
            NIL
        };
        let node = Node {
            score,
            backward: NIL,
            tall,
            level: [NO_LEVEL; INLINE_LEVELS],
        };
        match self.free.pop() {
            Some(i) => {
                self.nodes[i as usize] = node;
                self.eles[i as usize] = ele;
                i
            }
            None => {
                self.nodes.push(node);
                self.eles.push(ele);
                (self.nodes.len() - 1) as u32
            }
        }
    }

    /// Inserts a new node; the caller guarantees `ele` is not present.
    /// Returns the node. Redis: zslInsert.
    pub fn insert(&mut self, score: f64, ele: Member) -> u32 {
        debug_assert!(!score.is_nan());
        let mut update = [HEADER; ZSKIPLIST_MAXLEVEL];
        let mut rank = [0u32; ZSKIPLIST_MAXLEVEL];
        self.search(score, &ele, &mut update, &mut rank);
        self.link_new(score, ele, &mut update, &mut rank)
    }

    /// The second half of insert: a new node after the predecessors `update`
    /// (whose ranks are `rank`) found by a search for (score, ele).
    fn link_new(
        &mut self,
        score: f64,
        ele: Member,
        update: &mut [u32; ZSKIPLIST_MAXLEVEL],
        rank: &mut [u32; ZSKIPLIST_MAXLEVEL],
    ) -> u32 {
        let level = random_level();
        if level > self.level {
            for i in self.level..level {
                rank[i] = 0;
                update[i] = HEADER;
                self.lv_mut(HEADER as usize, i).span = self.length as u32;
            }
            self.level = level;
        }
        let x = self.alloc(level, score, ele);
        for i in 0..level {
            let u = update[i] as usize;
            let ulev = self.lv(u, i);
            *self.lv_mut(x as usize, i) = Level {
                forward: ulev.forward,
                span: ulev.span - (rank[0] - rank[i]),
            };
            *self.lv_mut(u, i) = Level {
                forward: x,
                span: (rank[0] - rank[i]) + 1,
            };
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(level) {
            self.lv_mut(u as usize, i).span += 1;
        }
        self.nodes[x as usize].backward = if update[0] == HEADER { NIL } else { update[0] };
        let next = self.fwd(x, 0);
        if next != NIL {
            self.nodes[next as usize].backward = x;
        } else {
            self.tail = x;
        }
        self.length += 1;
        x
    }

    /// Unlinks `x` given the predecessors on each level. Redis: zslDeleteNode.
    fn delete_node(&mut self, x: u32, update: &[u32; ZSKIPLIST_MAXLEVEL]) {
        for (i, &u) in update.iter().enumerate().take(self.level) {
            let u = u as usize;
            if self.lv(u, i).forward == x {
                let xl = self.lv(x as usize, i);
                self.lv_mut(u, i).span += xl.span;
                self.lv_mut(u, i).span -= 1;
                self.lv_mut(u, i).forward = xl.forward;
            } else {
                self.lv_mut(u, i).span -= 1;
            }
        }
        let next = self.fwd(x, 0);
        let back = self.nodes[x as usize].backward;
        if next != NIL {
            self.nodes[next as usize].backward = back;
        } else {
            self.tail = back;
        }
        while self.level > 1 && self.lv(HEADER as usize, self.level - 1).forward == NIL {
            self.level -= 1;
        }
        self.length -= 1;
    }

    /// Releases an unlinked node's slot, handing back its member.
    fn free_node(&mut self, x: u32) -> Member {
        let t = std::mem::replace(&mut self.nodes[x as usize].tall, NIL);
        if t != NIL {
            self.tall[t as usize] = Box::default();
            self.tall_free.push(t);
        }
        self.free.push(x);
        std::mem::replace(&mut self.eles[x as usize], Member::new(b""))
    }

    /// Finds the predecessors of (score, ele) on every level.
    fn find_update(&self, score: f64, ele: &[u8]) -> ([u32; ZSKIPLIST_MAXLEVEL], u32) {
        let mut update = [HEADER; ZSKIPLIST_MAXLEVEL];
        let mut rank = [0u32; ZSKIPLIST_MAXLEVEL];
        let x = self.search(score, ele, &mut update, &mut rank);
        (update, self.fwd(x, 0))
    }

    /// [`Skiplist::descend`] specialised to the (score, member) order, the
    /// hot loop of ZADD: fills the predecessors `update` and the rank reached
    /// at each level (`rank[i]`, the rank of `update[i]`), and returns the
    /// last node reached on level 0. Each step indexes the arena once: the
    /// current node is held by reference, and the levels above the inline
    /// ones get their own loop so the inline walk has no branch on the level.
    ///
    /// Each step waits for one node (the next one on this level) to come in
    /// from memory. If that node turns out not to sort before the target, the
    /// walk drops a level and waits for another, the current node's successor
    /// on the level below, whose index is already known. So every step also
    /// starts loading that successor: on a drop, the second wait overlaps the
    /// first instead of following it. (Three prefetches in four go unused,
    /// when the walk advances instead; the drop-downs they cover are the
    /// misses that were on the critical path.)
    #[inline]
    fn search(
        &self,
        score: f64,
        ele: &[u8],
        update: &mut [u32; ZSKIPLIST_MAXLEVEL],
        rank: &mut [u32; ZSKIPLIST_MAXLEVEL],
    ) -> u32 {
        let mut x = HEADER;
        let mut xn = &self.nodes[HEADER as usize];
        let mut r = 0u32;
        // The next node sorts before (score, ele)? Then its node.
        let ahead = |f: u32| -> Option<&Node> {
            let n = &self.nodes[f as usize];
            (n.score < score || (n.score == score && self.eles[f as usize].as_bytes() < ele))
                .then_some(n)
        };
        for i in (INLINE_LEVELS..self.level).rev() {
            loop {
                let l = self.tall[xn.tall as usize][i - INLINE_LEVELS];
                if l.forward == NIL {
                    break;
                }
                match ahead(l.forward) {
                    Some(n) => {
                        r += l.span;
                        x = l.forward;
                        xn = n;
                    }
                    None => break,
                }
            }
            update[i] = x;
            rank[i] = r;
        }
        for i in (0..self.level.min(INLINE_LEVELS)).rev() {
            loop {
                let l = xn.level[i];
                if l.forward == NIL {
                    break;
                }
                if i > 0 {
                    let g = xn.level[i - 1].forward;
                    if g != l.forward && g != NIL {
                        self.nodes.prefetch(g as usize);
                    }
                }
                match ahead(l.forward) {
                    Some(n) => {
                        r += l.span;
                        x = l.forward;
                        xn = n;
                    }
                    None => break,
                }
            }
            update[i] = x;
            rank[i] = r;
        }
        x
    }

    /// The search every lookup shares: from the top level down, move forward
    /// while `before(next)` holds. Returns the last node reached on each level
    /// (the predecessors an insert or delete relinks) and the last node reached
    /// on level 0 (HEADER if none qualified).
    fn descend(
        &self,
        mut before: impl FnMut(&Self, u32) -> bool,
    ) -> ([u32; ZSKIPLIST_MAXLEVEL], u32) {
        let mut update = [HEADER; ZSKIPLIST_MAXLEVEL];
        let mut x = HEADER;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                if f != NIL && before(self, f) {
                    x = f;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        (update, x)
    }

    /// Deletes the node with this score and member. Returns its member when
    /// found. Redis: zslDelete.
    pub fn delete(&mut self, score: f64, ele: &[u8]) -> Option<Member> {
        let (update, x) = self.find_update(score, ele);
        if x != NIL && self.score(x) == score && self.ele(x) == ele {
            self.delete_node(x, &update);
            Some(self.free_node(x))
        } else {
            None
        }
    }

    /// Changes the score of the node (curscore, ele), which must exist.
    /// Returns the node (possibly a new slot). Redis: zslUpdateScore.
    ///
    /// Redis searches twice, for the old place and then (after the delete)
    /// for the new one. Both walks are pointer chases that wait on memory
    /// at every step, so here they run side by side in one descent
    /// (`search_pair`), keeping two misses in flight; the new place's
    /// predecessors and ranks, found with the node still linked, are then
    /// corrected for its removal.
    pub fn update_score(&mut self, curscore: f64, ele: &[u8], newscore: f64) -> u32 {
        let mut update = [HEADER; ZSKIPLIST_MAXLEVEL];
        let mut rank = [0u32; ZSKIPLIST_MAXLEVEL];
        let mut update2 = [HEADER; ZSKIPLIST_MAXLEVEL];
        let mut rank2 = [0u32; ZSKIPLIST_MAXLEVEL];
        let last = self.search_pair(
            (curscore, ele),
            (newscore, ele),
            &mut update,
            &mut rank,
            &mut update2,
            &mut rank2,
        );
        let x = self.fwd(last, 0);
        assert!(x != NIL && self.score(x) == curscore && self.ele(x) == ele);
        // Still in place? Then just overwrite the score.
        let back = self.nodes[x as usize].backward;
        let next = self.fwd(x, 0);
        if (back == NIL || self.score(back) < newscore)
            && (next == NIL || self.score(next) > newscore)
        {
            self.nodes[x as usize].score = newscore;
            return x;
        }
        // x's rank is rank[0] + 1. Where the new place's walk stopped at x,
        // x's own predecessor takes over; past x, ranks drop by one.
        let xrank = rank[0] + 1;
        for i in 0..self.level {
            if update2[i] == x {
                update2[i] = update[i];
                rank2[i] = rank[i];
            } else if rank2[i] > xrank {
                rank2[i] -= 1;
            }
        }
        self.delete_node(x, &update);
        let ele = self.free_node(x);
        self.link_new(newscore, ele, &mut update2, &mut rank2)
    }

    /// Starts loading `x`'s successor on the level below `i` when it is not
    /// `fwd` (the node the walk is about to test): where the walk drops a
    /// level, that is the next node it waits for (see [`Skiplist::search`]).
    #[inline(always)]
    fn prefetch_below(&self, x: u32, i: usize, fwd: u32) {
        if i > 0 && i <= INLINE_LEVELS {
            let g = self.nodes[x as usize].level[i - 1].forward;
            if g != fwd && g != NIL {
                self.nodes.prefetch(g as usize);
            }
        }
    }

    /// Two [`Skiplist::search`]es in one descent: at every level each walk
    /// takes its steps in turn, so the load one waits on overlaps the
    /// other's. Fills each walk's predecessors and ranks; returns the last
    /// node the first walk reached on level 0.
    fn search_pair(
        &self,
        a: (f64, &[u8]),
        b: (f64, &[u8]),
        update_a: &mut [u32; ZSKIPLIST_MAXLEVEL],
        rank_a: &mut [u32; ZSKIPLIST_MAXLEVEL],
        update_b: &mut [u32; ZSKIPLIST_MAXLEVEL],
        rank_b: &mut [u32; ZSKIPLIST_MAXLEVEL],
    ) -> u32 {
        let mut wa = Walk::new(a);
        let mut wb = Walk::new(b);
        for i in (0..self.level).rev() {
            let (mut go_a, mut go_b) = (true, true);
            while go_a || go_b {
                go_a = go_a && self.step(&mut wa, i);
                go_b = go_b && self.step(&mut wb, i);
            }
            (update_a[i], rank_a[i]) = (wa.x, wa.rank);
            (update_b[i], rank_b[i]) = (wb.x, wb.rank);
        }
        wa.x
    }

    /// One step of a walk on level `i`: on to the next node if it sorts
    /// before the walk's target (true), else false (drop a level).
    #[inline(always)]
    fn step(&self, w: &mut Walk<'_>, i: usize) -> bool {
        let l = self.lv(w.x as usize, i);
        self.prefetch_below(w.x, i, l.forward);
        if l.forward == NIL {
            return false;
        }
        let n = &self.nodes[l.forward as usize];
        let ahead = n.score < w.score
            || (n.score == w.score && self.eles[l.forward as usize].as_bytes() < w.ele);
        if ahead {
            w.rank += l.span;
            w.x = l.forward;
        }
        ahead
    }

    /// Walks the search paths to several scores at once, reading the nodes
    /// on them and changing nothing: a warm-up for a batch of searches
    /// about to run. One search waits on
    /// memory at every step; here each walk takes one step in turn, so the
    /// loads of all of them are in flight together, and the real searches
    /// that follow find their nodes in the cache. Compares by score alone
    /// (ties in score only shorten a walk). At most [`WARM_MAX`] targets;
    /// returns, for each, the last node scoring below it (0, the header,
    /// when there is none).
    pub fn warm_paths(&self, targets: &[f64]) -> [u32; WARM_MAX] {
        let n = targets.len().min(WARM_MAX);
        // Each walk: (the node reached, levels left); it is on level
        // `left - 1`, and done at 0.
        let mut at = [(HEADER, 0usize); WARM_MAX];
        for w in &mut at[..n] {
            w.1 = self.level;
        }
        let mut live = n;
        while live > 0 {
            live = 0;
            for (w, &t) in at[..n].iter_mut().zip(targets) {
                if w.1 == 0 {
                    continue;
                }
                let f = self.fwd(w.0, w.1 - 1);
                if f != NIL && self.nodes[f as usize].score < t {
                    w.0 = f;
                } else {
                    w.1 -= 1;
                    if w.1 == 0 {
                        continue;
                    }
                }
                // Start loading the node this walk tests next, so that its
                // wait overlaps the other walks' steps.
                let g = self.fwd(w.0, w.1 - 1);
                if g != NIL {
                    self.nodes.prefetch(g as usize);
                }
                live += 1;
            }
        }
        at.map(|w| w.0)
    }

    /// 1-based rank of (score, ele), 0 when absent. Redis: zslGetRank.
    pub fn get_rank(&self, score: f64, ele: &[u8]) -> usize {
        let mut rank = 0usize;
        let mut x = HEADER;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                if f != NIL
                    && (self.score(f) < score || (self.score(f) == score && self.ele(f) <= ele))
                {
                    rank += self.lv(x as usize, i).span as usize;
                    x = f;
                } else {
                    break;
                }
            }
            if x != HEADER && self.ele(x) == ele {
                return rank;
            }
        }
        0
    }

    /// The node at 1-based `rank`, or NIL. Redis: zslGetElementByRank.
    pub fn get_element_by_rank(&self, rank: usize) -> u32 {
        let mut traversed = 0usize;
        let mut x = HEADER;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                let span = self.lv(x as usize, i).span as usize;
                if f != NIL && traversed + span <= rank {
                    traversed += span;
                    x = f;
                } else {
                    break;
                }
            }
            if traversed == rank {
                return if x == HEADER { NIL } else { x };
            }
        }
        NIL
    }

    /// Redis: zslIsInRange.
    pub fn is_in_range(&self, r: &ZRangeSpec) -> bool {
        if !r.is_valid() || self.tail == NIL {
            return false;
        }
        r.value_gte_min(self.score(self.tail)) && r.value_lte_max(self.score(self.first()))
    }

    /// First node inside the score range, or NIL. Redis: zslFirstInRange.
    pub fn first_in_range(&self, r: &ZRangeSpec) -> u32 {
        if !self.is_in_range(r) {
            return NIL;
        }
        let (_, x) = self.descend(|z, f| !r.value_gte_min(z.score(f)));
        let x = self.fwd(x, 0);
        if x != NIL && r.value_lte_max(self.score(x)) {
            x
        } else {
            NIL
        }
    }

    /// Last node inside the score range, or NIL. Redis: zslLastInRange.
    pub fn last_in_range(&self, r: &ZRangeSpec) -> u32 {
        if !self.is_in_range(r) {
            return NIL;
        }
        let (_, x) = self.descend(|z, f| r.value_lte_max(z.score(f)));
        if x != HEADER && r.value_gte_min(self.score(x)) {
            x
        } else {
            NIL
        }
    }

    /// Redis: zslIsInLexRange.
    pub fn is_in_lex_range(&self, r: &ZLexRangeSpec) -> bool {
        if !r.is_valid() || self.tail == NIL {
            return false;
        }
        r.value_gte_min(self.ele(self.tail)) && r.value_lte_max(self.ele(self.first()))
    }

    /// Redis: zslFirstInLexRange.
    pub fn first_in_lex_range(&self, r: &ZLexRangeSpec) -> u32 {
        if !self.is_in_lex_range(r) {
            return NIL;
        }
        let (_, x) = self.descend(|z, f| !r.value_gte_min(z.ele(f)));
        let x = self.fwd(x, 0);
        if x != NIL && r.value_lte_max(self.ele(x)) {
            x
        } else {
            NIL
        }
    }

    /// Redis: zslLastInLexRange.
    pub fn last_in_lex_range(&self, r: &ZLexRangeSpec) -> u32 {
        if !self.is_in_lex_range(r) {
            return NIL;
        }
        let (_, x) = self.descend(|z, f| r.value_lte_max(z.ele(f)));
        if x != HEADER && r.value_gte_min(self.ele(x)) {
            x
        } else {
            NIL
        }
    }

    /// Deletes nodes from the predecessors `update` onwards while `keep_going`
    /// accepts them; `removed` receives each deleted member.
    fn delete_run(
        &mut self,
        update: &[u32; ZSKIPLIST_MAXLEVEL],
        mut keep_going: impl FnMut(&Skiplist, u32) -> bool,
        removed: &mut dyn FnMut(Member),
    ) -> usize {
        let mut n = 0;
        let mut x = self.fwd(update[0], 0);
        while x != NIL && keep_going(self, x) {
            let next = self.fwd(x, 0);
            self.delete_node(x, update);
            removed(self.free_node(x));
            n += 1;
            x = next;
        }
        n
    }

    /// Redis: zslDeleteRangeByScore.
    pub fn delete_range_by_score(
        &mut self,
        r: &ZRangeSpec,
        removed: &mut dyn FnMut(Member),
    ) -> usize {
        let (update, _) = self.descend(|z, f| !r.value_gte_min(z.score(f)));
        self.delete_run(&update, |z, x| r.value_lte_max(z.score(x)), removed)
    }

    /// Redis: zslDeleteRangeByLex.
    pub fn delete_range_by_lex(
        &mut self,
        r: &ZLexRangeSpec,
        removed: &mut dyn FnMut(Member),
    ) -> usize {
        let (update, _) = self.descend(|z, f| !r.value_gte_min(z.ele(f)));
        self.delete_run(&update, |z, x| r.value_lte_max(z.ele(x)), removed)
    }

    /// Deletes 1-based ranks start..=end. Redis: zslDeleteRangeByRank.
    pub fn delete_range_by_rank(
        &mut self,
        start: usize,
        end: usize,
        removed: &mut dyn FnMut(Member),
    ) -> usize {
        let mut update = [HEADER; ZSKIPLIST_MAXLEVEL];
        let mut traversed = 0usize;
        let mut x = HEADER;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                let span = self.lv(x as usize, i).span as usize;
                if f != NIL && traversed + span < start {
                    traversed += span;
                    x = f;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        let mut rank = traversed + 1;
        self.delete_run(
            &update,
            |_, _| {
                let ok = rank <= end;
                rank += 1;
                ok
            },
            removed,
        )
    }

    /// Iterates (member, score) from the lowest score.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], f64)> + '_ {
        let mut x = self.first();
        std::iter::from_fn(move || {
            if x == NIL {
                return None;
            }
            let r = (self.ele(x), self.score(x));
            x = self.next(x);
            Some(r)
        })
    }

    /// Checks every invariant (order, spans, backward links, length).
    #[cfg(test)]
    pub fn check(&self) {
        let mut x = self.first();
        let mut prev = NIL;
        let mut n = 0;
        while x != NIL {
            assert_eq!(self.prev(x), prev);
            if prev != NIL {
                assert!(before(
                    self.score(prev),
                    self.ele(prev),
                    self.score(x),
                    self.ele(x)
                ));
            }
            prev = x;
            x = self.next(x);
            n += 1;
        }
        assert_eq!(self.tail, prev);
        assert_eq!(n, self.length);
        // Spans: following level i from the header reaches each node at its rank.
        for i in 0..self.level {
            let mut x = HEADER;
            let mut rank = 0usize;
            loop {
                let l = self.lv(x as usize, i);
                if l.forward == NIL {
                    break;
                }
                rank += l.span as usize;
                assert_eq!(self.get_element_by_rank(rank), l.forward);
                x = l.forward;
            }
        }
    }
}

#[cfg(test)]
mod tests;
