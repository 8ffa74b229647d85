//! Consumer groups, the low-level part. Redis counterpart: t_stream.c,
//! banner "Low level implementation of consumer groups" (streamCreateCG,
//! streamCreateConsumer, streamLookupConsumer, streamDelConsumer, NACKs),
//! plus the group-lag helpers XINFO uses.
//!
//! Divergence: Redis shares one `streamNACK` between the group PEL and the
//! owning consumer's PEL, and the NACK points at its consumer. Here the
//! group PEL owns the `Nack` (which names its consumer), and a consumer's
//! PEL is the set of IDs it owns; both are kept in step by the functions
//! below. Groups and consumers are `BTreeMap`s keyed by name, which iterate
//! in the same byte order as Redis's rax.

use std::collections::{BTreeMap, BTreeSet};

use super::encoding::{Stream, StreamId};

/// A pending (delivered, not yet acknowledged) entry. Redis: streamNACK.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nack {
    pub delivery_time: i64,        // last delivery, unix ms
    pub delivery_count: u64,       // times delivered
    pub consumer: Option<Vec<u8>>, // owner; None only transiently (XCLAIM FORCE, RDB load)
}

/// Redis: streamConsumer (its name is the map key).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Consumer {
    pub seen_time: i64,          // last activity, unix ms
    pub pel: BTreeSet<StreamId>, // IDs this consumer owns in the group PEL
}

/// Redis: streamCG.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerGroup {
    pub last_id: StreamId,                      // last delivered ID
    pub entries_read: Option<i64>,              // None = SCG_INVALID_ENTRIES_READ
    pub pel: BTreeMap<StreamId, Nack>,          // pending entries of the group
    pub consumers: BTreeMap<Vec<u8>, Consumer>, // by name
}

impl ConsumerGroup {
    pub fn new(last_id: StreamId, entries_read: Option<i64>) -> ConsumerGroup {
        ConsumerGroup {
            last_id,
            entries_read,
            pel: BTreeMap::new(),
            consumers: BTreeMap::new(),
        }
    }

    /// Redis: streamCreateConsumer without the notification and dirty
    /// side effects (the caller does those). False if it already exists.
    pub fn create_consumer(&mut self, name: &[u8], now: i64) -> bool {
        if self.consumers.contains_key(name) {
            return false;
        }
        self.consumers.insert(
            name.to_vec(),
            Consumer {
                seen_time: now,
                pel: BTreeSet::new(),
            },
        );
        true
    }

    /// Redis: streamLookupConsumer (SLC_DEFAULT refreshes seen-time).
    pub fn lookup_consumer(&mut self, name: &[u8], refresh: bool, now: i64) -> bool {
        match self.consumers.get_mut(name) {
            Some(c) => {
                if refresh {
                    c.seen_time = now;
                }
                true
            }
            None => false,
        }
    }

    /// Redis: streamDelConsumer. Returns how many entries it had pending.
    pub fn del_consumer(&mut self, name: &[u8]) -> usize {
        let Some(c) = self.consumers.remove(name) else {
            return 0;
        };
        for id in &c.pel {
            self.pel.remove(id);
        }
        c.pel.len()
    }

    /// Removes a pending entry from the group and its owner. Returns it.
    pub fn remove_nack(&mut self, id: StreamId) -> Option<Nack> {
        let nack = self.pel.remove(&id)?;
        if let Some(owner) = nack.consumer.as_ref() {
            if let Some(c) = self.consumers.get_mut(owner) {
                c.pel.remove(&id);
            }
        }
        Some(nack)
    }

    /// Hands the pending entry `id` to `consumer` (which must exist),
    /// moving it out of the previous owner's PEL.
    pub fn assign_nack(&mut self, id: StreamId, consumer: &[u8]) {
        let Some(nack) = self.pel.get_mut(&id) else {
            return;
        };
        if nack.consumer.as_deref() == Some(consumer) {
            return;
        }
        if let Some(old) = nack.consumer.take() {
            if let Some(c) = self.consumers.get_mut(&old) {
                c.pel.remove(&id);
            }
        }
        nack.consumer = Some(consumer.to_vec());
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.pel.insert(id);
        }
    }
}

impl Stream {
    /// Redis: streamLookupCG.
    pub fn lookup_cg(&self, name: &[u8]) -> Option<&ConsumerGroup> {
        self.cgroups.as_ref()?.get(name)
    }

    pub fn lookup_cg_mut(&mut self, name: &[u8]) -> Option<&mut ConsumerGroup> {
        self.cgroups.as_mut()?.get_mut(name)
    }

    /// Redis: streamCreateCG. False if the name is taken.
    pub fn create_cg(&mut self, name: &[u8], id: StreamId, entries_read: Option<i64>) -> bool {
        let groups = self.cgroups.get_or_insert_with(BTreeMap::new);
        if groups.contains_key(name) {
            return false;
        }
        groups.insert(name.to_vec(), ConsumerGroup::new(id, entries_read));
        true
    }

    pub fn group_count(&self) -> usize {
        self.cgroups.as_ref().map_or(0, |g| g.len())
    }

    /// Redis: streamReplyWithCGLag's computation. None when the lag
    /// cannot be known (XINFO shows a null then).
    pub fn cg_lag(&self, cg: &ConsumerGroup) -> Option<i64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if let Some(read) = cg.entries_read {
            if !self.range_has_tombstones(Some(cg.last_id), None) {
                return Some(self.entries_added as i64 - read);
            }
        }
        self.estimate_distance_from_first_ever_entry(cg.last_id)
            .map(|read| self.entries_added as i64 - read)
    }
}
