//! Access control lists: users, their permissions, and the checks every
//! command passes. Redis counterpart: acl.c.
//!
//! - `selector.rs`: one set of command / key / channel permissions.
//! - `user.rs`: users (flags, password digests, selectors) and their rules.
//! - `check.rs`: the permission check process_command, EXEC and scripts run.
//! - `log.rs`: the ACL LOG of denials and failed logins.
//! - `file.rs`: `user` directives, the ACL file (ACL LOAD / SAVE).
//! - `acl_cmd.rs`: the ACL command and AUTH.
//!
//! Users live in a slot vector, so a client names its user by index
//! (`Client::user`) and the per-command check is an index, not a name
//! lookup. Slot 0 is always the `default` user: `requirepass` sets its
//! password, and new connections start as it. Deleting a user disconnects
//! its clients before the slot can be reused.

pub mod acl_cmd;
mod check;
pub mod file;
pub mod log;
pub mod selector;
pub mod user;

use std::collections::BTreeMap;

pub use check::{
    channel_flags, check_command, check_command_for, user_has_unrestricted_key_access, Denied,
};
pub use selector::COMMAND_BITS;
pub use user::{RuleCtx, User};

use crate::networking::client::{CLIENT_CLOSE_AFTER_REPLY, CLIENT_PUBSUB};
use crate::networking::Client;
use crate::server::command::CommandTable;
use crate::server::Server;

/// Index of a user in [`AclState::users`].
pub type UserId = usize;

/// The `default` user's slot.
pub const DEFAULT_USER: UserId = 0;

/// No user: the client may run anything (the link to our master, the AOF
/// loader). Redis: a client whose `user` is NULL.
pub const SUPERUSER: UserId = usize::MAX;

/// Redis: the `Users` radix tree, `DefaultUser` and `ACLLog`.
pub struct AclState {
    users: Vec<Option<User>>,
    free: Vec<UserId>,
    /// Name -> slot, in name order (the order ACL LIST shows).
    by_name: BTreeMap<Vec<u8>, UserId>,
    pub log: log::AclLog,
}

impl AclState {
    /// Only the default user. Redis: ACLInit.
    pub fn new(cmds: &CommandTable) -> AclState {
        let ctx = RuleCtx {
            cmds,
            pubsub_allchannels: false,
        };
        let mut by_name = BTreeMap::new();
        by_name.insert(b"default".to_vec(), DEFAULT_USER);
        AclState {
            users: vec![Some(User::new_default(ctx))],
            free: Vec::new(),
            by_name,
            log: Default::default(),
        }
    }

    pub fn user(&self, id: UserId) -> &User {
        self.users[id].as_ref().expect("a client's user exists")
    }

    /// Whether the user may run anything: the check can skip the details.
    pub fn is_unrestricted(&self, id: UserId) -> bool {
        use selector::{SELECTOR_ALLCHANNELS, SELECTOR_ALLCOMMANDS, SELECTOR_ALLKEYS};
        const ALL: u32 = SELECTOR_ALLCOMMANDS | SELECTOR_ALLKEYS | SELECTOR_ALLCHANNELS;
        id == SUPERUSER || self.user(id).root().flags & ALL == ALL
    }

    /// The user's name as CLIENT LIST shows it.
    pub fn user_name(&self, id: UserId) -> std::borrow::Cow<'_, str> {
        if id == SUPERUSER {
            return "(superuser)".into();
        }
        String::from_utf8_lossy(&self.user(id).name)
    }

    pub fn default_user(&self) -> &User {
        self.user(DEFAULT_USER)
    }

    pub fn lookup(&self, name: &[u8]) -> Option<UserId> {
        self.by_name.get(name).copied()
    }

    /// Users in name order.
    pub fn iter(&self) -> impl Iterator<Item = (UserId, &User)> {
        self.by_name.values().map(|&id| (id, self.user(id)))
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// Replaces a user's rules, or adds a new user.
    pub fn put(&mut self, u: User) -> UserId {
        if let Some(&id) = self.by_name.get(&u.name) {
            self.users[id] = Some(u);
            return id;
        }
        let name = u.name.clone();
        let id = match self.free.pop() {
            Some(id) => {
                self.users[id] = Some(u);
                id
            }
            None => {
                self.users.push(Some(u));
                self.users.len() - 1
            }
        };
        self.by_name.insert(name, id);
        id
    }

    /// Removes a user from the table (its clients are the caller's
    /// business: see [`free_user_and_kill_clients`]).
    fn remove(&mut self, id: UserId) -> User {
        let u = self.users[id].take().expect("removing a live user");
        self.by_name.remove(&u.name);
        self.free.push(id);
        u
    }

    /// Whether a new connection starts authenticated: the default user is
    /// on and needs no password. Redis: createClient's rule.
    pub fn default_needs_no_auth(&self) -> bool {
        let d = self.default_user();
        d.flags & user::USER_NOPASS != 0 && d.is_enabled()
    }

    /// Redis: ACLUpdateDefaultUserPassword, what `requirepass` does.
    pub fn set_default_password(&mut self, cmds: &CommandTable, pass: Option<&[u8]>) {
        let ctx = RuleCtx {
            cmds,
            pubsub_allchannels: false,
        };
        let d = self.users[DEFAULT_USER].as_mut().expect("default user");
        let _ = d.apply(ctx, b"resetpass");
        match pass {
            Some(p) => {
                let mut op = Vec::with_capacity(p.len() + 1);
                op.push(b'>');
                op.extend_from_slice(p);
                let _ = d.apply(ctx, &op);
            }
            None => {
                let _ = d.apply(ctx, b"nopass");
            }
        }
    }
}

impl Server {
    /// The context rules are applied in: the original command table and
    /// `acl-pubsub-default`.
    pub fn acl_rule_ctx(&self) -> RuleCtx<'_> {
        RuleCtx {
            cmds: &self.commands,
            pubsub_allchannels: self.config.acl_pubsub_default
                == crate::config::AclPubsubDefault::AllChannels,
        }
    }
}

/// Logs a client in if the user exists, is on and the password matches.
/// A failure goes to the ACL LOG. Redis: ACLAuthenticateUser.
/// `cmdname` is argv[0] as the client typed it (the entry's object).
pub fn authenticate(
    s: &mut Server,
    c: &mut Client,
    name: &[u8],
    pass: &[u8],
    cmdname: &[u8],
) -> bool {
    if let Some(id) = s.acl.lookup(name) {
        if s.acl.user(id).check_password(pass) {
            c.authenticated = true;
            c.user = id;
            return true;
        }
    }
    let context = if c.mstate.active {
        log::Context::Multi
    } else {
        log::Context::Toplevel
    };
    log::add_entry(
        s,
        c,
        log::Reason::Auth,
        context,
        cmdname.to_vec(),
        Some(name.to_vec()),
    );
    false
}

/// Disconnects every client logged in as `id` (the calling client after
/// its reply), returning them to the unauthenticated default user first.
/// Redis: ACLFreeUserAndKillClients.
fn kill_clients_of(s: &mut Server, cur: &mut Client, id: UserId) {
    let mut victims = Vec::new();
    for (slot, cl) in s.clients.iter_mut() {
        if cl.user == id && cl.conn.is_some() {
            cl.user = DEFAULT_USER;
            cl.authenticated = false;
            victims.push(slot);
        }
    }
    for slot in victims {
        crate::networking::free_client_async(s, slot);
    }
    if cur.user == id {
        cur.user = DEFAULT_USER;
        cur.authenticated = false;
        cur.flags |= CLIENT_CLOSE_AFTER_REPLY;
    }
}

/// Deletes a user and disconnects its clients.
pub fn free_user_and_kill_clients(s: &mut Server, cur: &mut Client, id: UserId) {
    kill_clients_of(s, cur, id);
    s.acl.remove(id);
}

/// Whether a subscribed client keeps every subscription under the channel
/// patterns `upcoming`.
fn subscriptions_allowed(c: &Client, upcoming: &[Vec<u8>]) -> bool {
    c.pubsub
        .patterns
        .iter()
        .all(|p| selector::channel_in_list(upcoming, p, true))
        && c.pubsub
            .channels
            .iter()
            .chain(c.pubsub.shard_channels.iter())
            .all(|ch| selector::channel_in_list(upcoming, ch, false))
}

/// After a user's rules change: disconnects its subscribers that lost the
/// permission for a channel they listen to. Nothing happens when the new
/// channel patterns include all the old ones. Redis:
/// ACLKillPubsubClientsIfNeeded.
pub fn kill_pubsub_clients_if_needed(
    s: &mut Server,
    cur: &mut Client,
    id: UserId,
    new: &User,
    original: &User,
) {
    use selector::SELECTOR_ALLCHANNELS;
    if new
        .selectors
        .iter()
        .any(|sel| sel.flags & SELECTOR_ALLCHANNELS != 0)
    {
        return;
    }
    let upcoming: Vec<Vec<u8>> = new
        .selectors
        .iter()
        .flat_map(|sel| sel.channels.iter().cloned())
        .collect();
    let superset = original.selectors.iter().all(|sel| {
        sel.flags & SELECTOR_ALLCHANNELS == 0 && sel.channels.iter().all(|ch| upcoming.contains(ch))
    });
    if superset {
        return;
    }
    let is_subscriber = |c: &Client| {
        use crate::networking::obuf::{client_type, CLIENT_TYPE_PUBSUB};
        c.flags & CLIENT_PUBSUB != 0 && client_type(c) == CLIENT_TYPE_PUBSUB
    };
    let mut victims = Vec::new();
    for (slot, cl) in s.clients.iter() {
        if cl.user == id && is_subscriber(cl) && !subscriptions_allowed(cl, &upcoming) {
            victims.push(slot);
        }
    }
    for slot in victims {
        crate::networking::free_client_async(s, slot);
    }
    if cur.user == id && is_subscriber(cur) && !subscriptions_allowed(cur, &upcoming) {
        cur.flags |= CLIENT_CLOSE_AFTER_REPLY;
    }
}

/// Redis: authRequired — the default user needs a password (or is off) and
/// the client has not logged in.
pub fn auth_required(s: &Server, c: &Client) -> bool {
    !c.authenticated && !s.acl.default_needs_no_auth()
}
