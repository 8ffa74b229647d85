//! The incrementally rehashing hash table behind the keyspace and every hash, set and
//! sorted set that outgrows its compact encoding. Redis counterpart: dict.c / dict.h
//! (7.0), plus the resize helpers of server.c (`htNeedsResize`).
//!
//! Files: this one holds the layout, lookup, insertion, deletion, expansion and the
//! rehash step; `scan.rs` the reverse-binary SCAN cursor; `random.rs` random sampling
//! (`dictGetSomeKeys`, `dictGetFairRandomKey`); `iter.rs` safe iteration; `stats.rs`
//! `DEBUG HTSTATS` text; `tests.rs` the proptest model tests.
//!
//! # Layout
//!
//! Two tables, `ht[0]` and `ht[1]`, as in Redis. `ht[1]` is allocated only while an
//! incremental rehash moves buckets from `ht[0]` into it; `rehashidx` is the next
//! `ht[0]` bucket to move. Each table's buckets are cut into fixed segments of
//! [`SEG_LEN`] buckets, each segment behind its own `Arc`; a segment whose buckets have
//! never held an entry is not allocated at all (`None`). Entries are chained, never
//! probed, so an entry stays in the bucket its hash names until a rehash moves it; the
//! SCAN guarantee depends on that.
//!
//! ```text
//!  Dict
//!  ├── ht[0]: Table { size: 64, used: 3 }
//!  │     segs: Option<Arc<[Option<Arc<[Bucket; 16]>>]>>   the segment directory
//!  │       [0] ──► Arc ──► [ b0 | b1 | b2 | ... | b15 ]       a segment: 16 buckets
//!  │       │                      │
//!  │       │                      ▼
//!  │       │           Box<Entry { key, val, next }> ──► Box<Entry { .., next: None }>
//!  │       [1] ──► None                     (no entry ever hashed into buckets 16..31)
//!  │       [2] ──► Arc ──► [ ... ]
//!  │       [3] ──► Arc ──► [ ... ]
//!  ├── ht[1]: Table { size: 0 }             (allocated only while rehashing)
//!  └── rehashidx: Option<usize>             (Some(i): buckets 0..i of ht[0] are empty)
//! ```
//!
//! A bucket is `Option<Box<Entry>>`: one pointer, with the key, the value and the next
//! link inline in the entry's single allocation (no per-entry `Arc`, no stored hash).
//!
//! # Snapshots (copy-on-write in place of fork)
//!
//! The segment directory is itself behind an `Arc`, so `Dict::clone` bumps two
//! reference counts and copies nothing: O(1), no entry is touched. Every mutation
//! reaches a bucket through two `Arc::make_mut` calls. The first copies the directory
//! (O(size / SEG_LEN) pointer clones) on the first write after a snapshot was taken;
//! the second copies the one segment written (its buckets and the chains hanging off
//! them, cloning each key and value), and each copy happens only while a snapshot
//! still shares the original, never again afterwards:
//!
//! ```text
//!  live dict                           snapshot (clone)
//!   dir' [0] ───────► Arc(A) ◄────────── [0] dir     untouched since the clone: shared
//!        [1] ──► Arc(B')     Arc(B) ◄─── [1]         a write to B made the live dict copy it
//! ```
//!
//! So extra memory during a snapshot is bounded by the segments writes touch, and keys
//! and values should be cheap to clone (`Arc`-backed) for a copy to stay cheap.
//! Lookups and misses never copy: a write path first finds the entry through shared
//! references and calls `make_mut` only on the directory and segment it will change.
//!
//! # Divergences from Redis
//!
//! - Segmented, reference-counted tables (above) instead of one flat pointer array, so
//!   a point-in-time image costs two reference counts instead of a `fork()`.
//! - No `dictType` callbacks: keys are byte strings (`K: AsRef<[u8]>`), hashed with
//!   SipHash-1-2 under the process seed and compared bytewise; values are dropped by
//!   Rust. A case-insensitive dict would need a hash-kind parameter; none is needed yet.
//! - No `pauserehash` counter and split between "safe" and fingerprint-checked iterators: iteration and SCAN
//!   borrow the dict immutably, so the borrow checker forbids the rehash steps (and any
//!   other mutation) that Redis's counter forbids at run time.
//! - No `dictTypeExpandAllowed` hook (Redis uses it to refuse growth over maxmemory).
//! - Random choices use a small thread-local PRNG instead of libc `random()`.

mod iter;
mod random;
mod scan;
mod stats;
#[cfg(test)]
mod tests;

pub use iter::Iter;

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crate::siphash::{siphash_nocase_seeded, siphash_seeded};

/// log2 of the number of buckets per segment.
const SEG_SHIFT: u32 = 4;
/// Buckets per copy-on-write segment. Small enough that the first write to a shared
/// segment copies few entries (measured with `bench/run --snapshot`: SET's p99 during
/// a save at 1M keys fell from 1.0-1.1x Redis's with 64-bucket segments to 0.6-0.7x
/// with 16), large enough that the directory stays short (65,536 thin pointers,
/// 512 KiB, for a 2^20-bucket table; the writer thread, not the event loop, copies it).
pub const SEG_LEN: usize = 1 << SEG_SHIFT;
const SEG_MASK: usize = SEG_LEN - 1;

/// Redis: DICT_HT_INITIAL_EXP / DICT_HT_INITIAL_SIZE.
const HT_INITIAL_EXP: u32 = 2;
pub const HT_INITIAL_SIZE: usize = 1 << HT_INITIAL_EXP;

/// Redis: dict_force_resize_ratio. While resizing is only avoided (a snapshot is
/// running), a table still grows once it holds more than this many entries per bucket,
/// and a rehash still proceeds when the tables' sizes differ by at least this factor.
pub const FORCE_RESIZE_RATIO: usize = 5;

/// Redis server.c: HASHTABLE_MIN_FILL, the fill percentage under which a table shrinks.
pub const HASHTABLE_MIN_FILL: usize = 10;

/// One chained entry. The key, the value and the link share one allocation.
#[derive(Clone)]
struct Entry<K, V> {
    key: K,
    val: V,
    next: Bucket<K, V>,
}

/// The two dependent loads of a lookup, which [`Dict::prefetch_stage`] issues
/// one at a time: first the buckets, then the entries they point to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrefetchStage {
    Buckets,
    Entries,
}

/// A part of a dict given back by [`Dict::drain_for_each`] to be dropped elsewhere.
pub type Retired = Box<dyn Send>;

/// A bucket is the head of a chain.
type Bucket<K, V> = Option<Box<Entry<K, V>>>;

/// A run of `SEG_LEN` buckets, shared by snapshots until written. A fixed-size
/// array, so the directory holds thin pointers (8 bytes each: a shorter
/// directory to copy and to keep in cache); a table smaller than a segment
/// uses only its first `size` buckets.
type Segment<K, V> = Arc<[Bucket<K, V>; SEG_LEN]>;

/// A table's segments, in bucket order. `None`: a segment whose buckets are all empty.
type Directory<K, V> = Arc<[Option<Segment<K, V>>]>;

/// One hash table: a power-of-two number of buckets in segments.
/// Redis keeps the same three facts as `ht_table[i]`, `ht_size_exp[i]`, `ht_used[i]`.
#[derive(Clone)]
struct Table<K, V> {
    segs: Option<Directory<K, V>>, // None when size == 0
    size: usize,                   // number of buckets; 0 = not allocated
    used: usize,                   // number of entries
}

/// Where an entry sits: table, bucket, and how many links down the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pos {
    table: usize,
    bucket: usize,
    depth: usize,
}

/// The dict. Redis: `struct dict` with its `ht_table[2]` and `rehashidx`.
#[derive(Clone)]
pub struct Dict<K, V> {
    ht: [Table<K, V>; 2],     // ht[1] is in use only while rehashing
    rehashidx: Option<usize>, // Some(i): rehashing, buckets below i of ht[0] are moved
}

/* ----------------------------- resize policy ----------------------------- */

/// Redis: dictResizeEnable. Set from whether a snapshot is running; process-wide,
/// as Redis's `dict_can_resize` is, because every dict must follow it at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ResizePolicy {
    /// Grow at load factor 1, shrink on request, rehash freely.
    Enable = 0,
    /// A snapshot shares the tables: grow only past [`FORCE_RESIZE_RATIO`], never
    /// shrink, and rehash only when the size ratio is at least that large.
    Avoid = 1,
    /// Never resize or rehash (Redis uses it inside a fork child).
    Forbid = 2,
}

static RESIZE_POLICY: AtomicU8 = AtomicU8::new(ResizePolicy::Enable as u8);

/// Redis: dictSetResizeEnabled().
pub fn set_resize_policy(policy: ResizePolicy) {
    RESIZE_POLICY.store(policy as u8, Ordering::Relaxed);
}

/// The current global resize policy.
pub fn resize_policy() -> ResizePolicy {
    match RESIZE_POLICY.load(Ordering::Relaxed) {
        0 => ResizePolicy::Enable,
        1 => ResizePolicy::Avoid,
        _ => ResizePolicy::Forbid,
    }
}

/// Redis: dictEnableResize() / dictDisableResize(). `false` means
/// [`ResizePolicy::Avoid`], the setting while a snapshot is in progress, as
/// `updateDictResizePolicy()` picks while a child process runs.
pub fn set_resize_allowed(allowed: bool) {
    set_resize_policy(if allowed {
        ResizePolicy::Enable
    } else {
        ResizePolicy::Avoid
    });
}

/// Bytes copied by copy-on-write so far, process-wide: directories and segments a
/// snapshot still shared when a write made them private (the entries of a copied
/// segment count at their inline size). BGSAVE reports the growth during a save as
/// Redis reports a fork child's copied pages (`rdb_last_cow_size`).
static COW_BYTES: AtomicU64 = AtomicU64::new(0);

/// The copy-on-write byte counter (see [`COW_BYTES`]).
pub fn cow_bytes() -> u64 {
    COW_BYTES.load(Ordering::Relaxed)
}

/* ----------------------------- hash functions ---------------------------- */

/// Redis: dictGenHashFunction(). SipHash-1-2 under the process seed.
#[inline]
pub fn gen_hash(key: &[u8]) -> u64 {
    siphash_seeded(key)
}

/// Redis: dictGenCaseHashFunction(). ASCII case-insensitive variant of [`gen_hash`].
#[inline]
pub fn gen_case_hash(key: &[u8]) -> u64 {
    siphash_nocase_seeded(key)
}

/// Redis: _dictNextExp(). The exponent of the smallest power of two >= `size`.
fn next_exp(size: usize) -> u32 {
    if size <= HT_INITIAL_SIZE {
        return HT_INITIAL_EXP;
    }
    if size >= isize::MAX as usize {
        return usize::BITS - 1;
    }
    usize::BITS - (size - 1).leading_zeros()
}

/* ------------------------------- the table ------------------------------- */

impl<K, V> Table<K, V> {
    const fn empty() -> Self {
        Table {
            segs: None,
            size: 0,
            used: 0,
        }
    }

    /// A table of `size` (a power of two) buckets, with no segment allocated yet.
    fn with_size(size: usize) -> Self {
        let nsegs = size.div_ceil(SEG_LEN);
        Table {
            segs: Some((0..nsegs).map(|_| None).collect()),
            size,
            used: 0,
        }
    }

    #[inline]
    fn mask(&self) -> usize {
        self.size.wrapping_sub(1)
    }

    /// The chain in bucket `idx` (`idx < size`).
    #[inline]
    fn head(&self, idx: usize) -> Option<&Entry<K, V>> {
        match self.segs.as_deref().map(|dir| &dir[idx >> SEG_SHIFT]) {
            Some(Some(seg)) => seg[idx & SEG_MASK].as_deref(),
            _ => None,
        }
    }

    /// Is the whole segment holding bucket `idx` unallocated (so all its buckets empty)?
    #[inline]
    fn seg_is_vacant(&self, idx: usize) -> bool {
        self.segs
            .as_deref()
            .is_none_or(|dir| dir[idx >> SEG_SHIFT].is_none())
    }
}

impl<K: Clone, V: Clone> Table<K, V> {
    /// Mutable access to bucket `idx`, copying the directory and then the segment first
    /// if a snapshot shares them, and allocating the segment if it was never used.
    #[inline]
    fn bucket_mut(&mut self, idx: usize) -> &mut Bucket<K, V> {
        let dir = self
            .segs
            .as_mut()
            .expect("dict: write to an unallocated table");
        if Arc::strong_count(dir) > 1 {
            let bytes = dir.len() * std::mem::size_of::<Option<Segment<K, V>>>();
            COW_BYTES.fetch_add(bytes as u64, Ordering::Relaxed);
        }
        let seg = Arc::make_mut(dir)[idx >> SEG_SHIFT]
            .get_or_insert_with(|| Arc::new(std::array::from_fn(|_| None)));
        if Arc::strong_count(seg) > 1 {
            let entries: usize = seg
                .iter()
                .map(|b| std::iter::successors(b.as_deref(), |e| e.next.as_deref()).count())
                .sum();
            let bytes = seg.len() * std::mem::size_of::<Bucket<K, V>>()
                + entries * std::mem::size_of::<Entry<K, V>>();
            COW_BYTES.fetch_add(bytes as u64, Ordering::Relaxed);
        }
        &mut Arc::make_mut(seg)[idx & SEG_MASK]
    }

    /// Pushes `entry` at the head of bucket `idx`, as Redis does (recent keys are the
    /// likeliest to be looked up again).
    #[inline]
    fn push_front(&mut self, idx: usize, mut entry: Box<Entry<K, V>>) -> &mut Entry<K, V> {
        self.used += 1;
        let bucket = self.bucket_mut(idx);
        entry.next = bucket.take();
        bucket.insert(entry)
    }
}

/* ------------------------- construction and sizes ------------------------ */

impl<K, V> Default for Dict<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V> Dict<K, V> {
    /// Redis: dictCreate(). Allocates nothing until the first insertion.
    pub const fn new() -> Self {
        Dict {
            ht: [Table::empty(), Table::empty()],
            rehashidx: None,
        }
    }

    /// Redis: dictSize().
    #[inline]
    pub fn len(&self) -> usize {
        self.ht[0].used + self.ht[1].used
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Redis: dictSlots(). Buckets in both tables.
    #[inline]
    pub fn slots(&self) -> usize {
        self.ht[0].size + self.ht[1].size
    }

    /// Bytes the dict itself takes around what the keys and values own:
    /// the buckets and one entry (key, value, link) per element. Redis counts
    /// the same parts for MEMORY STATS (dictEntry and bucket pointers).
    pub fn structure_bytes(&self) -> usize {
        self.slots() * std::mem::size_of::<Bucket<K, V>>()
            + self.len() * std::mem::size_of::<Entry<K, V>>()
    }

    /// Redis: dictIsRehashing().
    #[inline]
    pub fn is_rehashing(&self) -> bool {
        self.rehashidx.is_some()
    }

    /// Redis server.c: htNeedsResize(). True when the dict is big enough to be worth
    /// shrinking and less than 10% full; the caller then calls [`Dict::resize`].
    pub fn needs_resize(&self) -> bool {
        let size = self.slots();
        size > HT_INITIAL_SIZE && self.len() * 100 / size < HASHTABLE_MIN_FILL
    }

    /// Redis: dictEmpty(). Drops every entry (or, for segments a snapshot still
    /// shares, only this dict's references to them) and returns to the unallocated state.
    pub fn clear(&mut self) {
        *self = Dict::new();
    }

    /// Swaps the whole dict out, leaving an empty one, so the caller can free the old
    /// contents elsewhere (Redis's lazy-free `emptyDbAsync` swaps in fresh dicts too).
    pub fn take(&mut self) -> Dict<K, V> {
        std::mem::take(self)
    }

    /// The table an entry at `pos` lives in, its chain walked `pos.depth` links.
    fn entry_at(&self, pos: Pos) -> &Entry<K, V> {
        let mut e = self.ht[pos.table]
            .head(pos.bucket)
            .expect("dict: position names an empty bucket");
        for _ in 0..pos.depth {
            e = e.next.as_deref().expect("dict: position past chain end");
        }
        e
    }

    /// Finds `key` (already hashed to `hash`) without moving anything.
    /// Redis: the lookup loop shared by dictFind() and _dictKeyIndex().
    #[inline]
    fn locate(&self, hash: u64, key: &[u8]) -> Option<Pos>
    where
        K: AsRef<[u8]>,
    {
        let ntables = if self.is_rehashing() { 2 } else { 1 };
        for table in 0..ntables {
            let t = &self.ht[table];
            if t.size == 0 {
                continue;
            }
            let bucket = hash as usize & t.mask();
            let mut cur = t.head(bucket);
            let mut depth = 0;
            while let Some(e) = cur {
                if e.key.as_ref() == key {
                    return Some(Pos {
                        table,
                        bucket,
                        depth,
                    });
                }
                cur = e.next.as_deref();
                depth += 1;
            }
        }
        None
    }

    /// Redis: dictFetchValue() without the rehash step: a read-only lookup, usable
    /// through a shared reference (and so on a snapshot).
    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<&V>
    where
        K: AsRef<[u8]>,
    {
        self.get_key_value(key).map(|(_, v)| v)
    }

    /// Like [`Dict::get`], also returning the stored key.
    #[inline]
    pub fn get_key_value(&self, key: &[u8]) -> Option<(&K, &V)>
    where
        K: AsRef<[u8]>,
    {
        if self.is_empty() {
            return None;
        }
        let pos = self.locate(gen_hash(key), key)?;
        let e = self.entry_at(pos);
        Some((&e.key, &e.val))
    }

    #[inline]
    pub fn contains_key(&self, key: &[u8]) -> bool
    where
        K: AsRef<[u8]>,
    {
        self.get(key).is_some()
    }

    /// Starts loading, for each of `hashes`, the bucket it names and the first entry
    /// of that bucket's chain, in both tables while rehashing. No Redis 7.0
    /// counterpart (Redis 8's memory_prefetch.c does the same for its I/O threads).
    ///
    /// A keyspace lookup is two dependent cache misses (the bucket, then the entry);
    /// one lookup at a time they are paid one after the other. Issuing all the
    /// bucket loads of a batch first, then all the entry loads (whose addresses
    /// come from the now-cached buckets), lets the memory system serve them in
    /// parallel, and the lookups then run on cached lines.
    pub fn prefetch(&self, hashes: &[u64]) {
        self.prefetch_buckets(hashes);
        self.prefetch_entries(hashes);
    }

    /// One stage of [`Dict::prefetch`], for callers that batch several dicts.
    pub fn prefetch_stage(&self, hashes: &[u64], stage: PrefetchStage) {
        match stage {
            PrefetchStage::Buckets => self.prefetch_buckets(hashes),
            PrefetchStage::Entries => self.prefetch_entries(hashes),
        }
    }

    /// The first half of [`Dict::prefetch`]: the buckets (and their segments'
    /// reference counts). A caller batching several dicts issues this for all
    /// of them before [`Dict::prefetch_entries`].
    pub fn prefetch_buckets(&self, hashes: &[u64]) {
        if self.is_empty() {
            return;
        }
        let ntables = if self.is_rehashing() { 2 } else { 1 };
        for t in &self.ht[..ntables] {
            if let Some(dir) = t.segs.as_deref() {
                for &h in hashes {
                    let idx = h as usize & t.mask();
                    if let Some(seg) = &dir[idx >> SEG_SHIFT] {
                        oxidis_sys::prefetch_read(&seg[idx & SEG_MASK]);
                        // The segment's reference counts, which every write
                        // checks (make_mut), sit just before its first bucket.
                        let counts = Arc::as_ptr(seg) as *const u8;
                        oxidis_sys::prefetch_read(counts.wrapping_sub(2 * size_of::<usize>()));
                    }
                }
            }
        }
    }

    /// The second half of [`Dict::prefetch`]: the first entry of each chain.
    pub fn prefetch_entries(&self, hashes: &[u64]) {
        if self.is_empty() {
            return;
        }
        let ntables = if self.is_rehashing() { 2 } else { 1 };
        for t in &self.ht[..ntables] {
            for &h in hashes {
                if let Some(e) = t.head(h as usize & t.mask()) {
                    oxidis_sys::prefetch_read(e);
                }
            }
        }
    }

    /// [`Dict::get`] for a key whose [`gen_hash`] the caller already has.
    #[inline]
    pub fn get_hashed(&self, hash: u64, key: &[u8]) -> Option<&V>
    where
        K: AsRef<[u8]>,
    {
        if self.is_empty() {
            return None;
        }
        let pos = self.locate(hash, key)?;
        Some(&self.entry_at(pos).val)
    }

    /// Consumes the dict, calling `f` on every entry (table 0, then table 1, in
    /// bucket order, as [`Dict::iter`]) and letting go of each segment as soon as
    /// its entries have been visited. Stops at the first error.
    ///
    /// This is how a snapshot is written (rdb/save.rs). The snapshot's share of a
    /// segment is what forces the live dict to copy that segment on its next
    /// write; once the writer has passed a segment the live dict owns it alone
    /// again and writes to it copy nothing. A segment the live dict did copy
    /// meanwhile is freed here, on the writer's thread, spread over the save
    /// rather than all at its end. The directory is made private first (a copy of
    /// segment pointers, if the live dict still shares it), on this thread too.
    ///
    /// A visited segment that nobody else references any more (the live dict
    /// copied it meanwhile) is not freed here but handed to `retire`, so the
    /// caller decides which thread frees it: freeing the main thread's small
    /// allocations from the writer thread piles them into the allocator's fast
    /// bins, which the main thread then pays to consolidate.
    pub fn drain_for_each<E>(
        mut self,
        mut f: impl FnMut(&K, &V) -> Result<(), E>,
        retire: &mut dyn FnMut(Retired),
    ) -> Result<(), E>
    where
        K: Clone + Send + Sync + 'static,
        V: Clone + Send + Sync + 'static,
    {
        for t in &mut self.ht {
            let Some(mut dir) = t.segs.take() else {
                continue;
            };
            for slot in Arc::make_mut(&mut dir).iter_mut() {
                if let Some(mut seg) = slot.take() {
                    for b in seg.iter() {
                        let mut cur = b.as_deref();
                        while let Some(e) = cur {
                            f(&e.key, &e.val)?;
                            cur = e.next.as_deref();
                        }
                    }
                    // Nobody else holds it (the live dict copied it): its memory
                    // goes back through `retire` instead of being freed here.
                    if Arc::get_mut(&mut seg).is_some() {
                        retire(Box::new(seg));
                    }
                }
            }
        }
        Ok(())
    }

    /// Redis: dictGetIterator() + dictNext(), the safe kind: the borrow stops every
    /// mutation (rehash steps included) while the iterator lives.
    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter::new(self)
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> + '_ {
        self.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> + '_ {
        self.iter().map(|(_, v)| v)
    }
}

/* ------------------------ mutation and rehashing ------------------------- */

impl<K: AsRef<[u8]> + Clone + Eq, V: Clone> Dict<K, V> {
    /// A dict with its table already sized for `n` entries. Redis: dictCreate() +
    /// dictExpand().
    pub fn with_capacity(n: usize) -> Self {
        let mut d = Dict::new();
        if n > 0 {
            d.expand(n);
        }
        d
    }

    /// Redis: dictExpand() (via _dictExpand()). Allocates a table of the next power of
    /// two >= `size` buckets: as `ht[0]` if none exists, else as `ht[1]`, starting an
    /// incremental rehash. Fails while rehashing, when `size` is below the number of
    /// entries, on overflow, or when the size would not change.
    pub fn expand(&mut self, size: usize) -> bool {
        if self.is_rehashing() || self.ht[0].used > size {
            return false;
        }
        let exp = next_exp(size);
        // Redis rejects a table whose pointer array would overflow; so do we.
        let Some(newsize) = 1usize.checked_shl(exp) else {
            return false;
        };
        if newsize < size || newsize.checked_mul(std::mem::size_of::<usize>()).is_none() {
            return false;
        }
        if newsize == self.ht[0].size {
            return false;
        }
        let table = Table::with_size(newsize);
        if self.ht[0].size == 0 {
            self.ht[0] = table;
        } else {
            self.ht[1] = table;
            self.rehashidx = Some(0);
        }
        true
    }

    /// Redis: dictResize(). Shrinks (or grows) the table to the smallest power of two
    /// that holds every entry, at least 4 buckets. Only when resizing is enabled and no
    /// rehash is running.
    pub fn resize(&mut self) -> bool {
        if resize_policy() != ResizePolicy::Enable || self.is_rehashing() {
            return false;
        }
        self.expand(self.ht[0].used.max(HT_INITIAL_SIZE))
    }

    /// Redis: _dictExpandIfNeeded(). Grows at load factor 1, or past
    /// [`FORCE_RESIZE_RATIO`] while resizing is only avoided.
    fn expand_if_needed(&mut self) {
        if self.is_rehashing() {
            return;
        }
        let (size, used) = (self.ht[0].size, self.ht[0].used);
        if size == 0 {
            self.expand(HT_INITIAL_SIZE);
            return;
        }
        let policy = resize_policy();
        if (policy == ResizePolicy::Enable && used >= size)
            || (policy != ResizePolicy::Forbid && used / size > FORCE_RESIZE_RATIO)
        {
            self.expand(used + 1);
        }
    }

    /// Redis: dictRehash(). Moves up to `n` non-empty buckets from `ht[0]` to `ht[1]`,
    /// giving up after visiting `10 * n` empty ones so one call stays short. Returns
    /// true if buckets remain to move. Under [`ResizePolicy::Avoid`] it does nothing
    /// unless the tables' sizes differ by at least [`FORCE_RESIZE_RATIO`], which keeps
    /// a snapshot from copying the whole table just to rehash it; like Redis it then
    /// returns false although the rehash is still pending (see [`Dict::is_rehashing`]).
    pub fn rehash(&mut self, n: usize) -> bool {
        let Some(mut idx) = self.rehashidx else {
            return false;
        };
        let (s0, s1) = (self.ht[0].size, self.ht[1].size);
        match resize_policy() {
            ResizePolicy::Forbid => return false,
            ResizePolicy::Avoid
                if (s1 > s0 && s1 / s0 < FORCE_RESIZE_RATIO)
                    || (s1 < s0 && s0 / s1 < FORCE_RESIZE_RATIO) =>
            {
                return false
            }
            _ => {}
        }

        let mut empty_visits = n.saturating_mul(10);
        let mut n = n;
        let mask1 = self.ht[1].mask();
        let [t0, t1] = &mut self.ht;
        while n > 0 && t0.used != 0 {
            n -= 1;
            debug_assert!(idx < t0.size, "dict: rehashidx ran past a non-empty table");
            // Skip empty buckets without touching (and so without copying) them.
            while t0.head(idx).is_none() {
                idx += 1;
                empty_visits -= 1;
                if empty_visits == 0 {
                    self.rehashidx = Some(idx);
                    return true;
                }
            }
            let mut chain = t0.bucket_mut(idx).take();
            while let Some(mut e) = chain {
                chain = e.next.take();
                let h = gen_hash(e.key.as_ref()) as usize & mask1;
                t1.push_front(h, e);
                t0.used -= 1;
            }
            idx += 1;
        }

        if t0.used == 0 {
            // Done: the new table becomes the main one.
            self.ht[0] = std::mem::replace(&mut self.ht[1], Table::empty());
            self.rehashidx = None;
            return false;
        }
        // The next step (usually the next lookup) moves the next non-empty
        // chain: start loading its first entry now, so that step does not wait.
        let t0 = &self.ht[0];
        if let Some(e) = (idx..t0.size.min(idx + 8)).find_map(|i| t0.head(i)) {
            oxidis_sys::prefetch_read(e);
        }
        self.rehashidx = Some(idx);
        true
    }

    /// Redis: _dictRehashStep(). One bucket of rehash work, done by every lookup and
    /// update so a big rehash is spread over many operations.
    #[inline]
    fn rehash_step(&mut self) {
        if self.rehashidx.is_some() {
            self.rehash(1);
        }
    }

    /// Redis: dictRehashMilliseconds(). Rehashes in batches of 100 buckets for about
    /// `ms` milliseconds (Redis: serverCron's `activerehashing`). Returns the buckets moved,
    /// counted in batches as Redis counts them.
    pub fn rehash_milliseconds(&mut self, ms: u64) -> usize {
        let start = Instant::now();
        let mut rehashes = 0;
        while self.rehash(100) {
            rehashes += 100;
            if start.elapsed().as_millis() > u128::from(ms) {
                break;
            }
        }
        rehashes
    }

    /// The entry at `pos`, its segment made private to this dict first.
    fn entry_at_mut(&mut self, pos: Pos) -> &mut Entry<K, V> {
        let mut e = self.ht[pos.table]
            .bucket_mut(pos.bucket)
            .as_deref_mut()
            .expect("dict: position names an empty bucket");
        for _ in 0..pos.depth {
            e = e
                .next
                .as_deref_mut()
                .expect("dict: position past chain end");
        }
        e
    }

    /// Redis: the tail of dictAddRaw(). Links a new entry for a key known to be absent,
    /// into `ht[1]` while rehashing (so it is never visited again by the rehash).
    fn insert_new(&mut self, hash: u64, key: K, val: V) -> &mut Entry<K, V> {
        let table = if self.is_rehashing() { 1 } else { 0 };
        let t = &mut self.ht[table];
        let bucket = hash as usize & t.mask();
        t.push_front(
            bucket,
            Box::new(Entry {
                key,
                val,
                next: None,
            }),
        )
    }

    /// The common start of every insertion (Redis: dictAddRaw() up to
    /// _dictKeyIndex()): one rehash step, one hash, grow if needed, look the key up.
    #[inline]
    fn prepare_insert(&mut self, key: &[u8]) -> (u64, Option<Pos>) {
        self.rehash_step();
        let hash = gen_hash(key);
        self.expand_if_needed();
        (hash, self.locate(hash, key))
    }

    /// Redis: dictFind(). A lookup that also does one rehash step.
    pub fn find(&mut self, key: &[u8]) -> Option<&V> {
        if self.is_empty() {
            return None;
        }
        self.rehash_step();
        self.get(key)
    }

    /// Like [`Dict::find`], returning the value for update. Copies the entry's segment
    /// if a snapshot shares it; a miss copies nothing.
    pub fn find_mut(&mut self, key: &[u8]) -> Option<&mut V> {
        if self.is_empty() {
            return None;
        }
        self.rehash_step();
        let pos = self.locate(gen_hash(key), key)?;
        Some(&mut self.entry_at_mut(pos).val)
    }

    /// Redis: dictAdd(). Inserts only if `key` is absent; otherwise hands the pair back.
    pub fn add(&mut self, key: K, val: V) -> Result<(), (K, V)> {
        let (hash, found) = self.prepare_insert(key.as_ref());
        if found.is_some() {
            return Err((key, val));
        }
        self.insert_new(hash, key, val);
        Ok(())
    }

    /// Redis: dictReplace(). Inserts, or overwrites the value of an existing key and
    /// returns the old value. An existing key object is kept, the new one dropped.
    pub fn insert(&mut self, key: K, val: V) -> Option<V> {
        let (hash, found) = self.prepare_insert(key.as_ref());
        match found {
            Some(pos) => Some(std::mem::replace(&mut self.entry_at_mut(pos).val, val)),
            None => {
                self.insert_new(hash, key, val);
                None
            }
        }
    }

    /// Redis: dictAddRaw() with its `existing` out-parameter (and dictAddOrFind()).
    /// Returns the value for `key`, inserting `make_key()`/`make_val()` first if the key
    /// is absent; the flag says whether it inserted. `make_key()` must return a key
    /// equal to `key`.
    pub fn get_or_insert_with(
        &mut self,
        key: &[u8],
        make_key: impl FnOnce() -> K,
        make_val: impl FnOnce() -> V,
    ) -> (&mut V, bool) {
        let (hash, found) = self.prepare_insert(key);
        match found {
            Some(pos) => (&mut self.entry_at_mut(pos).val, false),
            None => {
                let k = make_key();
                debug_assert!(k.as_ref() == key, "get_or_insert_with: make_key() differs");
                (&mut self.insert_new(hash, k, make_val()).val, true)
            }
        }
    }

    /// Redis: dictDelete() / dictUnlink(). Unlinks `key` and returns its pair.
    pub fn remove(&mut self, key: &[u8]) -> Option<(K, V)> {
        if self.is_empty() {
            return None;
        }
        self.rehash_step();
        let pos = self.locate(gen_hash(key), key)?;
        let t = &mut self.ht[pos.table];
        let removed = unlink(t.bucket_mut(pos.bucket), pos.depth);
        t.used -= 1;
        let Entry { key, val, .. } = *removed;
        Some((key, val))
    }
}

/// Takes the entry `depth` links down the chain in `bucket` out of the chain.
fn unlink<K, V>(bucket: &mut Bucket<K, V>, depth: usize) -> Box<Entry<K, V>> {
    let mut link = bucket;
    for _ in 0..depth {
        link = &mut link.as_mut().expect("dict: chain shorter than depth").next;
    }
    let mut e = link.take().expect("dict: located entry vanished");
    *link = e.next.take();
    e
}

impl<K, V> std::fmt::Debug for Dict<K, V>
where
    K: std::fmt::Debug,
    V: std::fmt::Debug,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<'a, K, V> IntoIterator for &'a Dict<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;
    fn into_iter(self) -> Iter<'a, K, V> {
        self.iter()
    }
}
