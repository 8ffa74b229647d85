//! Keyspace events. Redis counterpart: notify.c (notifyKeyspaceEvent).
//!
//! A command that changes a key calls `notify_keyspace_event(class, event,
//! key, db)`. When `notify-keyspace-events` enables the class, the event is
//! published on `__keyspace@<db>__:<key>` (message: the event name) and/or
//! `__keyevent@<db>__:<event>` (message: the key) through pubsub.rs.
//! The class flags and their parsing live in config/notify_flags.rs.
//!
//! The disabled case is one bit test (`#[inline]` here, the publishing in a
//! cold function), so commands may call this freely on the hot path.
//! Divergence: no module notifications (no module system).

pub use crate::config::notify_flags::*;
use crate::pubsub::{self, Kind};
use crate::server::Server;

impl Server {
    /// Redis: notifyKeyspaceEvent.
    #[inline]
    pub fn notify_keyspace_event(&mut self, class: u32, event: &str, key: &[u8], db: usize) {
        if self.config.notify_keyspace_events & class == 0 {
            return;
        }
        publish_event(self, event, key, db);
    }
}

#[cold]
fn publish_event(s: &mut Server, event: &str, key: &[u8], db: usize) {
    let flags = s.config.notify_keyspace_events;
    let dbs = db.to_string();
    if flags & NOTIFY_KEYSPACE != 0 {
        let mut chan = Vec::with_capacity(16 + dbs.len() + key.len());
        chan.extend_from_slice(b"__keyspace@");
        chan.extend_from_slice(dbs.as_bytes());
        chan.extend_from_slice(b"__:");
        chan.extend_from_slice(key);
        pubsub::publish_message(s, None, &chan, event.as_bytes(), Kind::Global);
    }
    if flags & NOTIFY_KEYEVENT != 0 {
        let mut chan = Vec::with_capacity(16 + dbs.len() + event.len());
        chan.extend_from_slice(b"__keyevent@");
        chan.extend_from_slice(dbs.as_bytes());
        chan.extend_from_slice(b"__:");
        chan.extend_from_slice(event.as_bytes());
        pubsub::publish_message(s, None, &chan, key, Kind::Global);
    }
}
