//! Publish/subscribe. Redis counterpart: pubsub.c — SUBSCRIBE / UNSUBSCRIBE,
//! PSUBSCRIBE / PUNSUBSCRIBE, the shard channels (SSUBSCRIBE / SUNSUBSCRIBE /
//! SPUBLISH), PUBLISH and PUBSUB.
//!
//! Two views of the same subscriptions are kept, as in Redis: the server maps
//! each channel (and each pattern) to the clients subscribed to it, and each
//! client keeps the set of its own channels and the list of its patterns, so
//! that a disconnect can undo them.
//!
//! Divergences:
//! - A subscriber is remembered by its monotonic client id plus its slab key
//!   (`Sub`), never by a pointer; slab keys are reused, so delivery checks the
//!   id before writing.
//! - The publishing client is lent out of the client table while its command
//!   runs (networking::clients). PUBLISH passes it explicitly, so a client
//!   subscribed to its own channel gets the message before the reply, as in
//!   Redis. Messages produced without the client at hand (keyspace
//!   notifications) are parked in `PubSub::self_pending` and appended to the
//!   current client right after its command (`flush_self_pending`).

use std::collections::{HashMap, HashSet};

use oxidis_ds::util;

use crate::networking::client::*;
use crate::networking::Client;
use crate::server::command::CommandProc;
use crate::server::Server;

/// A subscribed client: its id (never reused) and slab key (reused).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Sub {
    pub id: u64,
    pub slot: usize,
}

/// A client's own subscriptions. Redis: c->pubsub_channels,
/// c->pubsub_patterns, c->pubsubshard_channels.
#[derive(Default)]
pub struct ClientPubSub {
    pub channels: HashSet<Vec<u8>>,
    pub patterns: Vec<Vec<u8>>, // a list in Redis 7.0 too
    pub shard_channels: HashSet<Vec<u8>>,
}

impl ClientPubSub {
    /// Redis: clientSubscriptionsCount.
    pub fn count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }
    /// Redis: clientTotalPubSubSubscriptionCount.
    pub fn total(&self) -> usize {
        self.count() + self.shard_channels.len()
    }
}

/// A message waiting for the client that is running the current command.
enum SelfMsg {
    Message {
        channel: Vec<u8>,
        msg: Vec<u8>,
        shard: bool,
    },
    PMessage {
        pattern: Vec<u8>,
        channel: Vec<u8>,
        msg: Vec<u8>,
    },
}

/// Server-side subscriptions. Redis: server.pubsub_channels,
/// server.pubsub_patterns, server.pubsubshard_channels.
#[derive(Default)]
pub struct PubSub {
    pub channels: HashMap<Vec<u8>, Vec<Sub>>,
    pub patterns: HashMap<Vec<u8>, Vec<Sub>>,
    pub shard_channels: HashMap<Vec<u8>, Vec<Sub>>,
    self_pending: Vec<SelfMsg>,
}

/// Global or shard channels. Redis: pubsubtype.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Global,
    Shard,
}

impl Kind {
    fn subscribe_msg(self) -> &'static [u8] {
        match self {
            Kind::Global => b"$9\r\nsubscribe\r\n",
            Kind::Shard => b"$10\r\nssubscribe\r\n",
        }
    }
    fn unsubscribe_msg(self) -> &'static [u8] {
        match self {
            Kind::Global => b"$11\r\nunsubscribe\r\n",
            Kind::Shard => b"$12\r\nsunsubscribe\r\n",
        }
    }
    fn message_msg(self) -> &'static [u8] {
        match self {
            Kind::Global => b"$7\r\nmessage\r\n",
            Kind::Shard => b"$8\r\nsmessage\r\n",
        }
    }
    /// Redis: type.subscriptionCount.
    fn count(self, c: &Client) -> usize {
        match self {
            Kind::Global => c.pubsub.count(),
            Kind::Shard => c.pubsub.shard_channels.len(),
        }
    }
    fn client_set(self, c: &mut Client) -> &mut HashSet<Vec<u8>> {
        match self {
            Kind::Global => &mut c.pubsub.channels,
            Kind::Shard => &mut c.pubsub.shard_channels,
        }
    }
    fn server_map(self, p: &mut PubSub) -> &mut HashMap<Vec<u8>, Vec<Sub>> {
        match self {
            Kind::Global => &mut p.channels,
            Kind::Shard => &mut p.shard_channels,
        }
    }
}

// ---------------------------------------------------------------------------
// Pub/Sub low level API
// ---------------------------------------------------------------------------

/// Runs `f` with CLIENT_PUSHING set, so the push passes CLIENT REPLY OFF.
fn pushing(c: &mut Client, f: impl FnOnce(&mut Client)) {
    let old = c.flags;
    c.flags |= CLIENT_PUSHING;
    f(c);
    if old & CLIENT_PUSHING == 0 {
        c.flags &= !CLIENT_PUSHING;
    }
}

/// Redis: addReplyPubsubMessage.
fn reply_message(c: &mut Client, kind: Kind, channel: &[u8], msg: &[u8]) {
    pushing(c, |c| {
        c.add_reply_push_len(3);
        c.add_reply_raw(kind.message_msg());
        c.add_reply_bulk(channel);
        c.add_reply_bulk(msg);
    });
}

/// Redis: addReplyPubsubPatMessage.
fn reply_pmessage(c: &mut Client, pattern: &[u8], channel: &[u8], msg: &[u8]) {
    pushing(c, |c| {
        c.add_reply_push_len(4);
        c.add_reply_raw(b"$8\r\npmessage\r\n");
        c.add_reply_bulk(pattern);
        c.add_reply_bulk(channel);
        c.add_reply_bulk(msg);
    });
}

/// Redis: addReplyPubsubSubscribed / addReplyPubsubUnsubscribed and the
/// pattern variants. `what` is the bulk of the message type.
fn reply_sub_event(c: &mut Client, what: &[u8], name: Option<&[u8]>, count: usize) {
    pushing(c, |c| {
        c.add_reply_push_len(3);
        c.add_reply_raw(what);
        match name {
            Some(n) => c.add_reply_bulk(n),
            None => c.add_reply_null(),
        }
        c.add_reply_long(count as i64);
    });
}

/// Redis: pubsubSubscribeChannel.
fn subscribe_channel(s: &mut Server, c: &mut Client, channel: &[u8], kind: Kind) {
    if kind.client_set(c).insert(channel.to_vec()) {
        let sub = Sub {
            id: c.id,
            slot: c.slot,
        };
        kind.server_map(&mut s.pubsub)
            .entry(channel.to_vec())
            .or_default()
            .push(sub);
    }
    let n = kind.count(c);
    reply_sub_event(c, kind.subscribe_msg(), Some(channel), n);
}

/// Redis: pubsubUnsubscribeChannel. Returns whether it was subscribed.
fn unsubscribe_channel(
    s: &mut Server,
    c: &mut Client,
    channel: &[u8],
    notify: bool,
    kind: Kind,
) -> bool {
    let removed = kind.client_set(c).remove(channel);
    if removed {
        let map = kind.server_map(&mut s.pubsub);
        if let Some(list) = map.get_mut(channel) {
            list.retain(|x| x.id != c.id);
            if list.is_empty() {
                map.remove(channel);
            }
        }
    }
    if notify {
        let n = kind.count(c);
        reply_sub_event(c, kind.unsubscribe_msg(), Some(channel), n);
    }
    removed
}

/// Redis: pubsubSubscribePattern.
fn subscribe_pattern(s: &mut Server, c: &mut Client, pattern: &[u8]) {
    if !c.pubsub.patterns.iter().any(|p| p == pattern) {
        c.pubsub.patterns.push(pattern.to_vec());
        let sub = Sub {
            id: c.id,
            slot: c.slot,
        };
        s.pubsub
            .patterns
            .entry(pattern.to_vec())
            .or_default()
            .push(sub);
    }
    let n = c.pubsub.count();
    reply_sub_event(c, b"$10\r\npsubscribe\r\n", Some(pattern), n);
}

/// Redis: pubsubUnsubscribePattern.
fn unsubscribe_pattern(s: &mut Server, c: &mut Client, pattern: &[u8], notify: bool) -> bool {
    let pos = c.pubsub.patterns.iter().position(|p| p == pattern);
    if let Some(i) = pos {
        c.pubsub.patterns.remove(i);
        if let Some(list) = s.pubsub.patterns.get_mut(pattern) {
            list.retain(|x| x.id != c.id);
            if list.is_empty() {
                s.pubsub.patterns.remove(pattern);
            }
        }
    }
    if notify {
        let n = c.pubsub.count();
        reply_sub_event(c, b"$12\r\npunsubscribe\r\n", Some(pattern), n);
    }
    pos.is_some()
}

/// Redis: pubsubUnsubscribeAllChannelsInternal.
fn unsubscribe_all_channels(s: &mut Server, c: &mut Client, notify: bool, kind: Kind) -> usize {
    let chans: Vec<Vec<u8>> = kind.client_set(c).iter().cloned().collect();
    let mut count = 0;
    for ch in chans {
        count += unsubscribe_channel(s, c, &ch, notify, kind) as usize;
    }
    if notify && count == 0 {
        let n = kind.count(c);
        reply_sub_event(c, kind.unsubscribe_msg(), None, n);
    }
    count
}

/// Redis: pubsubUnsubscribeAllPatterns.
fn unsubscribe_all_patterns(s: &mut Server, c: &mut Client, notify: bool) -> usize {
    let pats = c.pubsub.patterns.clone();
    let mut count = 0;
    for p in pats {
        count += unsubscribe_pattern(s, c, &p, notify) as usize;
    }
    if notify && count == 0 {
        let n = c.pubsub.count();
        reply_sub_event(c, b"$12\r\npunsubscribe\r\n", None, n);
    }
    count
}

/// Redis: freeClient's pub/sub cleanup. Cheap when the client never
/// subscribed.
pub fn free_client_pubsub(s: &mut Server, c: &mut Client) {
    if c.pubsub.total() == 0 {
        return;
    }
    unsubscribe_all_channels(s, c, false, Kind::Global);
    unsubscribe_all_channels(s, c, false, Kind::Shard);
    unsubscribe_all_patterns(s, c, false);
    c.flags &= !CLIENT_PUBSUB;
}

/// Redis: RESET's pub/sub half (clearClientConnectionState).
pub fn reset_client_pubsub(s: &mut Server, c: &mut Client) {
    free_client_pubsub(s, c);
}

/// Writes to subscriber `sub`: the caller's own client, or another client in
/// the slab (then put on the pending-write list and checked against its
/// output-buffer limit). Returns false if the subscriber is gone.
fn deliver(s: &mut Server, me: Option<&mut Client>, sub: Sub, f: impl FnOnce(&mut Client)) {
    if let Some(me) = me {
        if me.id == sub.id {
            f(me);
            return;
        }
    }
    if s.clients.current() == Some(sub.slot) {
        return; // handled by the caller via self_pending
    }
    let Some(cl) = s.clients.get_mut(sub.slot) else {
        return;
    };
    if cl.id != sub.id {
        return;
    }
    f(cl);
    if cl.flags & CLIENT_PENDING_WRITE == 0 && cl.has_pending_replies() {
        cl.flags |= CLIENT_PENDING_WRITE;
        s.clients_pending_write.push(sub.slot);
    }
    if cl.obuf_check {
        crate::networking::obuf::check_obuf_limits_slot(s, sub.slot);
    }
}

/// Redis: pubsubPublishMessageInternal. `me` is the client running the
/// current command when the caller has it; otherwise messages for that client
/// wait in `self_pending`.
pub fn publish_message(
    s: &mut Server,
    mut me: Option<&mut Client>,
    channel: &[u8],
    msg: &[u8],
    kind: Kind,
) -> usize {
    let mut receivers = 0;
    let cur = s.clients.current();
    let subs: Option<Vec<Sub>> = kind.server_map(&mut s.pubsub).get(channel).cloned();
    if let Some(subs) = subs {
        for sub in subs {
            receivers += 1;
            let is_me = me.as_ref().is_some_and(|m| m.id == sub.id);
            if !is_me && cur == Some(sub.slot) {
                s.pubsub.self_pending.push(SelfMsg::Message {
                    channel: channel.to_vec(),
                    msg: msg.to_vec(),
                    shard: kind == Kind::Shard,
                });
                continue;
            }
            deliver(s, me.as_deref_mut(), sub, |c| {
                reply_message(c, kind, channel, msg)
            });
        }
    }
    if kind == Kind::Shard || s.pubsub.patterns.is_empty() {
        return receivers;
    }
    let matching: Vec<(Vec<u8>, Vec<Sub>)> = s
        .pubsub
        .patterns
        .iter()
        .filter(|(p, _)| util::string_match_len(p, channel, false))
        .map(|(p, l)| (p.clone(), l.clone()))
        .collect();
    for (pattern, subs) in matching {
        for sub in subs {
            receivers += 1;
            let is_me = me.as_ref().is_some_and(|m| m.id == sub.id);
            if !is_me && cur == Some(sub.slot) {
                s.pubsub.self_pending.push(SelfMsg::PMessage {
                    pattern: pattern.clone(),
                    channel: channel.to_vec(),
                    msg: msg.to_vec(),
                });
                continue;
            }
            deliver(s, me.as_deref_mut(), sub, |c| {
                reply_pmessage(c, &pattern, channel, msg)
            });
        }
    }
    receivers
}

/// Appends messages parked for the client running the current command.
pub fn flush_self_pending(s: &mut Server, c: &mut Client) {
    for m in std::mem::take(&mut s.pubsub.self_pending) {
        match m {
            SelfMsg::Message {
                channel,
                msg,
                shard,
            } => {
                let kind = if shard { Kind::Shard } else { Kind::Global };
                reply_message(c, kind, &channel, &msg)
            }
            SelfMsg::PMessage {
                pattern,
                channel,
                msg,
            } => reply_pmessage(c, &pattern, &channel, &msg),
        }
    }
}

impl PubSub {
    /// True when something waits for the current client (one test per call).
    #[inline]
    pub fn has_self_pending(&self) -> bool {
        !self.self_pending.is_empty()
    }
}

// ---------------------------------------------------------------------------
// Pub/Sub commands implementation
// ---------------------------------------------------------------------------

fn deny_blocking_outside_multi(c: &Client) -> bool {
    c.flags & CLIENT_DENY_BLOCKING != 0 && !c.mstate.active
}

fn subscribe_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if deny_blocking_outside_multi(c) {
        return c.add_reply_error("SUBSCRIBE isn't allowed for a DENY BLOCKING client");
    }
    for ch in &argv[1..] {
        subscribe_channel(s, c, ch, Kind::Global);
    }
    c.flags |= CLIENT_PUBSUB;
}

fn unsubscribe_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if argv.len() == 1 {
        unsubscribe_all_channels(s, c, true, Kind::Global);
    } else {
        for ch in &argv[1..] {
            unsubscribe_channel(s, c, ch, true, Kind::Global);
        }
    }
    if c.pubsub.total() == 0 {
        c.flags &= !CLIENT_PUBSUB;
    }
}

fn psubscribe_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if deny_blocking_outside_multi(c) {
        return c.add_reply_error("PSUBSCRIBE isn't allowed for a DENY BLOCKING client");
    }
    for p in &argv[1..] {
        subscribe_pattern(s, c, p);
    }
    c.flags |= CLIENT_PUBSUB;
}

fn punsubscribe_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if argv.len() == 1 {
        unsubscribe_all_patterns(s, c, true);
    } else {
        for p in &argv[1..] {
            unsubscribe_pattern(s, c, p, true);
        }
    }
    if c.pubsub.total() == 0 {
        c.flags &= !CLIENT_PUBSUB;
    }
}

fn ssubscribe_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if c.flags & CLIENT_DENY_BLOCKING != 0 {
        return c.add_reply_error("SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
    }
    for ch in &argv[1..] {
        subscribe_channel(s, c, ch, Kind::Shard);
    }
    c.flags |= CLIENT_PUBSUB;
}

fn sunsubscribe_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    if argv.len() == 1 {
        unsubscribe_all_channels(s, c, true, Kind::Shard);
    } else {
        for ch in &argv[1..] {
            unsubscribe_channel(s, c, ch, true, Kind::Shard);
        }
    }
    if c.pubsub.total() == 0 {
        c.flags &= !CLIENT_PUBSUB;
    }
}

fn publish_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let n = publish_message(s, Some(c), &argv[1], &argv[2], Kind::Global);
    // Redis: replicas forward what is published to their own subscribers.
    crate::replication::force_propagation(c);
    c.add_reply_long(n as i64);
}

fn spublish_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    let n = publish_message(s, Some(c), &argv[1], &argv[2], Kind::Shard);
    crate::replication::force_propagation(c);
    c.add_reply_long(n as i64);
}

/// Redis: channelList.
fn channel_list(c: &mut Client, pat: Option<&[u8]>, map: &HashMap<Vec<u8>, Vec<Sub>>) {
    let names: Vec<&Vec<u8>> = map
        .keys()
        .filter(|ch| pat.is_none_or(|p| util::string_match_len(p, ch, false)))
        .collect();
    c.add_reply_array_len(names.len());
    for n in names {
        c.add_reply_bulk(n);
    }
}

fn numsub_reply(c: &mut Client, argv: &[Vec<u8>], map: &HashMap<Vec<u8>, Vec<Sub>>) {
    c.add_reply_array_len((argv.len() - 2) * 2);
    for ch in &argv[2..] {
        c.add_reply_bulk(ch);
        c.add_reply_long(map.get(ch).map_or(0, |l| l.len()) as i64);
    }
}

fn pubsub_help_command(_s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    c.add_reply_help(
        &argv[0],
        &[
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
        ],
    );
}

fn pubsub_channels_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    channel_list(c, argv.get(2).map(|v| v.as_slice()), &s.pubsub.channels);
}

fn pubsub_shardchannels_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    channel_list(
        c,
        argv.get(2).map(|v| v.as_slice()),
        &s.pubsub.shard_channels,
    );
}

fn pubsub_numsub_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    numsub_reply(c, argv, &s.pubsub.channels);
}

fn pubsub_shardnumsub_command(s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    numsub_reply(c, argv, &s.pubsub.shard_channels);
}

fn pubsub_numpat_command(s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    c.add_reply_long(s.pubsub.patterns.len() as i64);
}

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("subscribe", subscribe_command),
    ("unsubscribe", unsubscribe_command),
    ("psubscribe", psubscribe_command),
    ("punsubscribe", punsubscribe_command),
    ("ssubscribe", ssubscribe_command),
    ("sunsubscribe", sunsubscribe_command),
    ("publish", publish_command),
    ("spublish", spublish_command),
    ("pubsub|help", pubsub_help_command),
    ("pubsub|channels", pubsub_channels_command),
    ("pubsub|shardchannels", pubsub_shardchannels_command),
    ("pubsub|numsub", pubsub_numsub_command),
    ("pubsub|shardnumsub", pubsub_shardnumsub_command),
    ("pubsub|numpat", pubsub_numpat_command),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        let mut p = ClientPubSub::default();
        p.channels.insert(b"a".to_vec());
        p.patterns.push(b"b*".to_vec());
        p.shard_channels.insert(b"c".to_vec());
        assert_eq!(p.count(), 2);
        assert_eq!(p.total(), 3);
    }
}
