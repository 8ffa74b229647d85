//! The keyspace. Redis counterpart: db.c (lookupKey*, dbAdd, setKey,
//! dbDelete, the expires dict helpers) and the lazy half of expire.c
//! (expireIfNeeded).
//!
//! A `Db` is two dicts, as in Redis: `dict` (key -> value) and `expires`
//! (key -> absolute unix time in ms) for keys with a TTL. The keyspace
//! commands (DEL, SCAN, RENAME, ...) are in keyspace.rs; active expiry and
//! the EXPIRE family in expire.rs.
//! Divergence: `expires` owns its own copy of the key (Redis shares the sds).

use oxidis_ds::dict::Dict;

use crate::object::{self, RObj};
use crate::server::shared;
use crate::server::Server;

/// A keyspace key: inline up to 14 bytes (see `oxidis_ds::sds`).
pub type Key = oxidis_ds::sds::Sds;

/// Redis: redisDb.
pub struct Db {
    pub id: usize,
    pub dict: Dict<Key, RObj>,   // the keyspace
    pub expires: Dict<Key, i64>, // keys with a TTL -> unix time in ms
    pub avg_ttl: i64,            // INFO keyspace avg_ttl
    pub expires_cursor: u64,     // active expire cycle's scan cursor
    /// Keys whose value Redis would have taken on trust under shallow
    /// sanitization although it fails deep validation, with the reason
    /// (rdb/load.rs, load_object_sanitized). Reading one fails an assertion.
    pub unverified: std::collections::HashMap<Vec<u8>, oxidis_ds::rdb::shallow::Damage>,
}

impl Db {
    pub fn new(id: usize) -> Db {
        Db {
            id,
            dict: Dict::new(),
            expires: Dict::new(),
            avg_ttl: 0,
            expires_cursor: 0,
            unverified: Default::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.dict.len()
    }

    pub fn is_empty(&self) -> bool {
        self.dict.is_empty()
    }

    /// Expire time of `key` in ms, if it has one. Redis: getExpire.
    pub fn get_expire(&self, key: &[u8]) -> Option<i64> {
        if self.expires.is_empty() {
            return None;
        }
        self.expires.get(key).copied()
    }
}

/// Lookup flags. Redis: LOOKUP_NOTOUCH, LOOKUP_NONOTIFY, LOOKUP_NOSTATS.
pub const LOOKUP_NONE: u32 = 0;
pub const LOOKUP_NOTOUCH: u32 = 1 << 0;
pub const LOOKUP_NONOTIFY: u32 = 1 << 1;
pub const LOOKUP_NOSTATS: u32 = 1 << 2;
pub const LOOKUP_WRITE: u32 = 1 << 3;

impl Server {
    /// Redis: keyIsExpired.
    pub fn key_is_expired(&self, db: usize, key: &[u8]) -> bool {
        if self.loading || self.dbs[db].expires.is_empty() {
            return false;
        }
        match self.dbs[db].expires.get(key) {
            Some(&when) => when < self.now_ms(),
            None => false,
        }
    }

    /// Redis: expireIfNeeded. Deletes `key` if its TTL has passed and returns
    /// true when the key is (now) logically absent.
    pub fn expire_if_needed(&mut self, db: usize, key: &[u8]) -> bool {
        self.expire_if_needed_ext(db, key, false)
    }

    /// [`Server::expire_if_needed`]; `force_delete` deletes the expired key
    /// even on a replica (a write on a writable replica: Redis's
    /// EXPIRE_FORCE_DELETE_EXPIRED).
    pub fn expire_if_needed_ext(&mut self, db: usize, key: &[u8], force_delete: bool) -> bool {
        if !self.key_is_expired(db, key) {
            return false;
        }
        // Redis: a replica never deletes on its own. Its master's commands see
        // the key as it is (the DEL will come in the stream); its other
        // clients see it as gone.
        if self.config.masterhost.is_some() {
            if self
                .clients
                .current()
                .is_some_and(|slot| crate::replication::replica::is_master_slot(self, slot))
            {
                return false;
            }
            if !force_delete {
                return true;
            }
        }
        // Redis: during CLIENT PAUSE the key is logically expired but kept,
        // so a paused replica-consistent dataset does not change.
        if self.pause.check_timeout_and_return_if_paused() {
            return true;
        }
        self.delete_expired_key(db, key);
        true
    }

    /// Redis: deleteExpiredKeyAndPropagate.
    pub fn delete_expired_key(&mut self, db: usize, key: &[u8]) {
        self.db_delete(db, key);
        self.notify_keyspace_event(crate::notify::NOTIFY_EXPIRED, "expired", key, db);
        self.propagate_deletion(db, key, self.config.lazyfree_lazy_expire);
        self.stats.expiredkeys += 1;
    }

    /// Redis: lookupKey with flags — expiry, hit/miss statistics and the
    /// LRU/LFU stamp, with a single probe of the keyspace dict.
    pub fn lookup_key(&mut self, db: usize, key: &[u8], flags: u32) -> Option<&mut RObj> {
        // Redis: a write on a writable replica deletes the expired key, so
        // the command starts from nothing (and no stale TTL survives).
        let force = flags & LOOKUP_WRITE != 0
            && !(self.config.masterhost.is_some() && self.config.replica_read_only);
        let expired = !self.dbs[db].expires.is_empty() && self.expire_if_needed_ext(db, key, force);
        let lfu = self.config.maxmemory_policy.is_lfu();
        let touch = flags & LOOKUP_NOTOUCH == 0;
        let r = if lfu && touch {
            oxidis_ds::rand::random_f64()
        } else {
            0.0
        };
        let (now, clock) = (self.now_ms(), self.lruclock);
        let (factor, decay) = (self.config.lfu_log_factor, self.config.lfu_decay_time);
        let count_stats = flags & (LOOKUP_NOSTATS | LOOKUP_WRITE) == 0;
        // Key-miss events need to know about a miss before the single probe
        // below hands out the value; only then is there a second probe.
        if flags & (LOOKUP_NONOTIFY | LOOKUP_WRITE) == 0
            && self.config.notify_keyspace_events & crate::notify::NOTIFY_KEY_MISS != 0
            && (expired || !self.dbs[db].dict.contains_key(key))
        {
            if count_stats {
                self.stats.keyspace_misses += 1;
            }
            self.notify_keyspace_event(crate::notify::NOTIFY_KEY_MISS, "keymiss", key, db);
            return None;
        }
        if touch && !expired && !self.dbs[db].unverified.is_empty() {
            use oxidis_ds::rdb::shallow::Damage;
            // Redis reaches the damaged bytes here.
            match self.dbs[db].unverified.get(key) {
                Some(Damage::Assert(what)) => panic!("{}", what),
                Some(Damage::Panic(what)) => oxidis_sys::crash::server_panic(what.clone()),
                None => {}
            }
        }
        let Server { dbs, stats, .. } = self;
        let found = if expired {
            None
        } else {
            dbs[db].dict.find_mut(key)
        };
        if count_stats {
            if found.is_some() {
                stats.keyspace_hits += 1;
            } else {
                stats.keyspace_misses += 1;
            }
        }
        let o = found?;
        if touch {
            if lfu {
                // Redis: updateLFU.
                let counter = object::lfu_decr_and_return(o.lru, decay, now);
                let counter = object::lfu_log_incr(counter, factor, r);
                o.lru = (object::lfu_time_in_minutes(now) << 8) | counter as u32;
            } else {
                o.lru = clock;
            }
        }
        Some(o)
    }

    /// Redis: lookupKeyRead.
    pub fn lookup_key_read(&mut self, db: usize, key: &[u8]) -> Option<&RObj> {
        self.lookup_key(db, key, LOOKUP_NONE).map(|o| &*o)
    }

    /// Redis: lookupKeyWrite.
    pub fn lookup_key_write(&mut self, db: usize, key: &[u8]) -> Option<&mut RObj> {
        self.lookup_key(db, key, LOOKUP_WRITE)
    }

    /// Stamps a new value's LRU/LFU field. Redis: createObject's lru init.
    pub fn new_obj(&self, v: object::Value) -> RObj {
        let lru = if self.config.maxmemory_policy.is_lfu() {
            (object::lfu_time_in_minutes(self.now_ms()) << 8) | object::LFU_INIT_VAL as u32
        } else {
            self.lruclock
        };
        RObj { lru, v }
    }

    /// Redis: dbAdd — the key must not exist.
    pub fn db_add(&mut self, db: usize, key: &[u8], val: RObj) {
        let wakes = matches!(
            val.v,
            object::Value::List(_) | object::Value::ZSet(_) | object::Value::Stream(_)
        );
        let _ = self.dbs[db].dict.add(key.into(), val);
        self.touch_watched_key(db, key);
        self.notify_keyspace_event(crate::notify::NOTIFY_NEW, "new", key, db);
        if wakes {
            self.signal_key_as_ready(db, key);
        }
    }

    /// Redis: setKey(keepttl) — add or overwrite, dropping the TTL unless
    /// `keepttl`.
    pub fn set_key(&mut self, db: usize, key: &[u8], val: RObj, keepttl: bool) {
        let lfu = self.config.maxmemory_policy.is_lfu();
        let d = &mut self.dbs[db];
        // One probe for both outcomes (Redis needs a lookup, then dbAdd or
        // dbOverwrite): the new value goes in directly when the key is new.
        if !d.unverified.is_empty() {
            d.unverified.remove(key);
        }
        let mut val = Some(val);
        let (slot, added) =
            d.dict
                .get_or_insert_with(key, || Key::new(key), || val.take().expect("value"));
        // Redis: overwriting a stream wakes its blocked XREADGROUP clients.
        let mut wakes = added
            && matches!(
                slot.v,
                object::Value::List(_) | object::Value::ZSet(_) | object::Value::Stream(_)
            );
        if let Some(mut v) = val {
            wakes |= matches!(slot.v, object::Value::Stream(_))
                || matches!(v.v, object::Value::Stream(_));
            if lfu {
                v.lru = slot.lru;
            }
            *slot = v;
        }
        if !keepttl && !d.expires.is_empty() {
            d.expires.remove(key);
        }
        self.touch_watched_key(db, key);
        if added {
            self.notify_keyspace_event(crate::notify::NOTIFY_NEW, "new", key, db);
        }
        if wakes {
            self.signal_key_as_ready(db, key);
        }
    }

    /// Redis: dbDelete (synchronous; values are freed at once).
    pub fn db_delete(&mut self, db: usize, key: &[u8]) -> bool {
        let d = &mut self.dbs[db];
        if let Some(old) = d.dict.remove(key) {
            if !d.unverified.is_empty() {
                d.unverified.remove(key);
            }
            if !d.expires.is_empty() {
                d.expires.remove(key);
            }
            self.touch_watched_key(db, key);
            // Redis: deleting a stream unblocks its XREADGROUP clients.
            if matches!(old.1.v, object::Value::Stream(_)) {
                self.signal_key_as_ready(db, key);
            }
            true
        } else {
            false
        }
    }

    /// Redis: setExpire.
    pub fn set_expire(&mut self, db: usize, key: &[u8], when: i64) {
        let d = &mut self.dbs[db];
        if let Some(e) = d.expires.find_mut(key) {
            *e = when;
        } else {
            d.expires.insert(key.into(), when);
        }
        self.touch_watched_key(db, key);
        // Redis: rememberSlaveKeyWithExpire — a writable replica expires the
        // TTLs its own clients set, since no DEL will come from the master.
        if self.config.masterhost.is_some()
            && !self.config.replica_read_only
            && self
                .clients
                .current()
                .is_some_and(|slot| !crate::replication::replica::is_master_slot(self, slot))
        {
            self.repl.slave_keys_with_expire.insert((db, key.to_vec()));
        }
    }

    /// Redis: removeExpire.
    pub fn remove_expire(&mut self, db: usize, key: &[u8]) -> bool {
        let removed =
            !self.dbs[db].expires.is_empty() && self.dbs[db].expires.remove(key).is_some();
        if removed {
            self.touch_watched_key(db, key);
        }
        removed
    }

    /// Redis: signalModifiedKey — for commands that change a value in place
    /// (APPEND, INCR, SETRANGE, ...). Adding, overwriting and deleting keys
    /// through this file signal on their own.
    pub fn signal_modified_key(&mut self, db: usize, key: &[u8]) {
        self.touch_watched_key(db, key);
    }

    /// Existence check that honours expiry but touches nothing (EXISTS).
    pub fn key_exists(&mut self, db: usize, key: &[u8]) -> bool {
        self.lookup_key(db, key, LOOKUP_NOTOUCH).is_some()
    }

    /// Redis: emptyData — returns the number of keys removed.
    pub fn empty_data(&mut self, dbnum: Option<usize>) -> usize {
        for i in 0..self.dbs.len() {
            if dbnum.is_none_or(|n| n == i) {
                self.touch_all_watched_keys_in_db(i, None);
                self.scan_database_for_deleted_streams(i, None);
            }
        }
        let mut removed = 0;
        for (i, d) in self.dbs.iter_mut().enumerate() {
            if dbnum.is_some_and(|n| n != i) {
                continue;
            }
            removed += d.dict.len();
            d.dict.clear();
            d.expires.clear();
            d.unverified.clear();
            d.avg_ttl = 0;
            d.expires_cursor = 0;
        }
        removed
    }

    /// Redis: selectDb's range check.
    pub fn db_index(&self, arg: &[u8]) -> Result<usize, &'static str> {
        match oxidis_ds::util::string2ll(arg) {
            Some(n) if n >= 0 && (n as usize) < self.dbs.len() => Ok(n as usize),
            Some(_) => Err("DB index is out of range"),
            None => Err(shared::NOT_INTEGER),
        }
    }
}
