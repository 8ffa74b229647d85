//! Keyspace-notification class flags. Redis counterpart: the NOTIFY_* defines
//! in server.h and keyspaceEventsStringToFlags / keyspaceEventsFlagsToString
//! in notify.c.
//!
//! They live under config/ because `notify-keyspace-events` is the only place
//! that parses them today; notify.rs will import them from here.

/// K: publish on `__keyspace@<db>__:<key>`.
pub const NOTIFY_KEYSPACE: u32 = 1 << 0;
/// E: publish on `__keyevent@<db>__:<event>`.
pub const NOTIFY_KEYEVENT: u32 = 1 << 1;
/// g: generic commands (DEL, EXPIRE, RENAME, ...).
pub const NOTIFY_GENERIC: u32 = 1 << 2;
/// $: string commands.
pub const NOTIFY_STRING: u32 = 1 << 3;
/// l: list commands.
pub const NOTIFY_LIST: u32 = 1 << 4;
/// s: set commands.
pub const NOTIFY_SET: u32 = 1 << 5;
/// h: hash commands.
pub const NOTIFY_HASH: u32 = 1 << 6;
/// z: sorted-set commands.
pub const NOTIFY_ZSET: u32 = 1 << 7;
/// x: expired events.
pub const NOTIFY_EXPIRED: u32 = 1 << 8;
/// e: evicted events.
pub const NOTIFY_EVICTED: u32 = 1 << 9;
/// t: stream commands.
pub const NOTIFY_STREAM: u32 = 1 << 10;
/// m: key misses (deliberately not part of `A`).
pub const NOTIFY_KEY_MISS: u32 = 1 << 11;
/// Module-only: a key loaded from RDB.
pub const NOTIFY_LOADED: u32 = 1 << 12;
/// d: module key-space notifications.
pub const NOTIFY_MODULE: u32 = 1 << 13;
/// n: new-key notifications (not part of `A`).
pub const NOTIFY_NEW: u32 = 1 << 14;
/// A: alias for "g$lshzxetd".
pub const NOTIFY_ALL: u32 = NOTIFY_GENERIC
    | NOTIFY_STRING
    | NOTIFY_LIST
    | NOTIFY_SET
    | NOTIFY_HASH
    | NOTIFY_ZSET
    | NOTIFY_EXPIRED
    | NOTIFY_EVICTED
    | NOTIFY_STREAM
    | NOTIFY_MODULE;

/// Parse a class string such as "KEA" or "Kx". None on an unknown character.
pub fn keyspace_events_string_to_flags(classes: &[u8]) -> Option<u32> {
    let mut flags = 0;
    for &c in classes {
        flags |= match c {
            b'A' => NOTIFY_ALL,
            b'g' => NOTIFY_GENERIC,
            b'$' => NOTIFY_STRING,
            b'l' => NOTIFY_LIST,
            b's' => NOTIFY_SET,
            b'h' => NOTIFY_HASH,
            b'z' => NOTIFY_ZSET,
            b'x' => NOTIFY_EXPIRED,
            b'e' => NOTIFY_EVICTED,
            b'K' => NOTIFY_KEYSPACE,
            b'E' => NOTIFY_KEYEVENT,
            b't' => NOTIFY_STREAM,
            b'm' => NOTIFY_KEY_MISS,
            b'd' => NOTIFY_MODULE,
            b'n' => NOTIFY_NEW,
            _ => return None,
        };
    }
    Some(flags)
}

/// The canonical class string for `flags`, in the order Redis prints it:
/// "A" (or the individual type classes), then K, E, m.
pub fn keyspace_events_flags_to_string(flags: u32) -> String {
    let mut s = String::new();
    if flags & NOTIFY_ALL == NOTIFY_ALL {
        s.push('A');
    } else {
        for (bit, ch) in [
            (NOTIFY_GENERIC, 'g'),
            (NOTIFY_STRING, '$'),
            (NOTIFY_LIST, 'l'),
            (NOTIFY_SET, 's'),
            (NOTIFY_HASH, 'h'),
            (NOTIFY_ZSET, 'z'),
            (NOTIFY_EXPIRED, 'x'),
            (NOTIFY_EVICTED, 'e'),
            (NOTIFY_STREAM, 't'),
            (NOTIFY_MODULE, 'd'),
            (NOTIFY_NEW, 'n'),
        ] {
            if flags & bit != 0 {
                s.push(ch);
            }
        }
    }
    for (bit, ch) in [
        (NOTIFY_KEYSPACE, 'K'),
        (NOTIFY_KEYEVENT, 'E'),
        (NOTIFY_KEY_MISS, 'm'),
    ] {
        if flags & bit != 0 {
            s.push(ch);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let f = keyspace_events_string_to_flags(b"KEA").unwrap();
        assert_eq!(keyspace_events_flags_to_string(f), "AKE");
        let f = keyspace_events_string_to_flags(b"Elx").unwrap();
        assert_eq!(keyspace_events_flags_to_string(f), "lxE");
        // 'n' is not part of A, so it is lost when A is printed (as in Redis).
        let f = keyspace_events_string_to_flags(b"An").unwrap();
        assert_eq!(keyspace_events_flags_to_string(f), "A");
        assert_eq!(keyspace_events_string_to_flags(b"Q"), None);
        assert_eq!(keyspace_events_string_to_flags(b""), Some(0));
        assert_eq!(keyspace_events_flags_to_string(0), "");
    }
}
