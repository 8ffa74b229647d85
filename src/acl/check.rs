//! The permission check. Redis counterpart: acl.c's ACLSelectorCheckCmd,
//! ACLCheckAllUserCommandPerm and ACLUserCheckCmdWithUnrestrictedKeyAccess,
//! and db.c's channel table (getChannelsFromCommand).
//!
//! A selector allows a command when it allows the command itself (its bit,
//! or a first-arg rule), every key the command's key specs find with the
//! access each spec declares (ACCESS needs read; INSERT, DELETE and UPDATE
//! need write), and every channel it publishes or subscribes to. A user
//! allows it when any selector does. The default user's root selector
//! allows everything, which the first test below sees at once.

use super::selector::{
    channel_in_list, Selector, PERM_READ, PERM_WRITE, SELECTOR_ALLCHANNELS, SELECTOR_ALLCOMMANDS,
    SELECTOR_ALLKEYS,
};
use super::UserId;
use crate::server::command::{
    CommandTable, CMD_NO_AUTH, CMD_X_CHANNEL_PATTERN, CMD_X_CHANNEL_PUBLISH,
    CMD_X_CHANNEL_SUBSCRIBE,
};
use crate::server::getkeys::{self, KeyRef, KEY_ACCESS, KEY_DELETE, KEY_INSERT, KEY_UPDATE};

/// Why a command was refused, with the argv position of the key or
/// channel at fault. Ordered as Redis ranks them when selectors disagree
/// (ACL_DENIED_CMD < ACL_DENIED_KEY < ACL_DENIED_CHANNEL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
    Cmd,
    Key(usize),
    Channel(usize),
}

impl Denied {
    fn rank(self) -> (u8, usize) {
        match self {
            Denied::Cmd => (1, 0),
            Denied::Key(p) => (2, p),
            Denied::Channel(p) => (4, p),
        }
    }
}

/// The channel-bearing flags of a command: which of its arguments are
/// channels (Redis: doesCommandHaveChannelsWithFlags).
pub fn channel_flags(flags: u64) -> u64 {
    flags & (CMD_X_CHANNEL_PUBLISH | CMD_X_CHANNEL_SUBSCRIBE | CMD_X_CHANNEL_PATTERN)
}

/// The access a key spec asks of a key pattern.
fn key_perm(flags: u64) -> u8 {
    let mut perm = 0;
    if flags & KEY_ACCESS != 0 {
        perm |= PERM_READ;
    }
    if flags & (KEY_INSERT | KEY_DELETE | KEY_UPDATE) != 0 {
        perm |= PERM_WRITE;
    }
    perm
}

/// Redis: ACLSelectorCheckCmd. `keys` caches the key positions between
/// selectors.
fn check_selector(
    sel: &Selector,
    cmds: &CommandTable,
    idx: usize,
    argv: &[Vec<u8>],
    keys: &mut Option<Vec<KeyRef>>,
) -> Result<(), Denied> {
    let cmd = cmds.get(idx);
    if sel.flags & SELECTOR_ALLCOMMANDS == 0
        && cmd.flags() & CMD_NO_AUTH == 0
        && !sel.command_bit(idx)
        && !sel.firstarg_allowed(idx, argv)
    {
        return Err(Denied::Cmd);
    }
    if sel.flags & SELECTOR_ALLKEYS == 0 && getkeys::does_command_have_keys(cmd.def) {
        let keys =
            keys.get_or_insert_with(|| getkeys::get_keys_from_command_with_specs(cmd.def, argv));
        for k in keys.iter() {
            if !sel.key_allowed(&argv[k.pos], key_perm(k.flags)) {
                return Err(Denied::Key(k.pos));
            }
        }
    }
    let chflags = channel_flags(cmd.flags());
    if sel.flags & SELECTOR_ALLCHANNELS == 0 && chflags != 0 {
        let is_pattern = chflags & CMD_X_CHANNEL_PATTERN != 0;
        let last = if chflags & CMD_X_CHANNEL_PUBLISH != 0 {
            argv.len().min(2)
        } else {
            argv.len()
        };
        for (pos, ch) in argv.iter().enumerate().take(last).skip(1) {
            if !channel_in_list(&sel.channels, ch, is_pattern) {
                return Err(Denied::Channel(pos));
            }
        }
    }
    Ok(())
}

/// Whether `user` may run command `idx` with these arguments. On refusal,
/// the most relevant reason over all selectors: the command if no selector
/// allows it, else the last key or channel no selector could match.
/// Redis: ACLCheckAllUserCommandPerm.
pub fn check_command_for(
    acl: &super::AclState,
    cmds: &CommandTable,
    user: UserId,
    idx: usize,
    argv: &[Vec<u8>],
) -> Result<(), Denied> {
    if acl.is_unrestricted(user) {
        return Ok(());
    }
    let u = acl.user(user);
    let mut keys = None;
    let mut relevant = Denied::Cmd;
    for sel in &u.selectors {
        match check_selector(sel, cmds, idx, argv, &mut keys) {
            Ok(()) => return Ok(()),
            Err(d) => {
                if d.rank() > relevant.rank() {
                    relevant = d;
                }
            }
        }
    }
    Err(relevant)
}

/// [`check_command_for`] with the server's own tables.
pub fn check_command(
    s: &crate::server::Server,
    user: UserId,
    idx: usize,
    argv: &[Vec<u8>],
) -> Result<(), Denied> {
    check_command_for(&s.acl, &s.commands, user, idx, argv)
}

/// Whether some selector both allows the command and grants `perm` on every
/// key (`~*` or `allkeys`). SORT's BY and GET read keys it cannot name in
/// advance, so they need this. Redis: ACLUserCheckCmdWithUnrestrictedKeyAccess.
pub fn user_has_unrestricted_key_access(
    s: &crate::server::Server,
    user: UserId,
    idx: usize,
    argv: &[Vec<u8>],
    perm: u8,
) -> bool {
    if user == super::SUPERUSER {
        return true;
    }
    let mut keys = None;
    s.acl.user(user).selectors.iter().any(|sel| {
        check_selector(sel, &s.commands, idx, argv, &mut keys).is_ok() && sel.all_keys_allowed(perm)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acl::{AclState, RuleCtx, User};

    fn setup() -> (CommandTable, AclState) {
        let cmds = CommandTable::build(&crate::server::init::handler_tables());
        let acl = AclState::new(&cmds);
        (cmds, acl)
    }

    fn user(cmds: &CommandTable, acl: &mut AclState, rules: &[&str]) -> UserId {
        let ctx = RuleCtx {
            cmds,
            pubsub_allchannels: false,
        };
        let mut u = User::new(b"u", false);
        for r in rules {
            u.apply(ctx, r.as_bytes()).unwrap();
        }
        acl.put(u)
    }

    fn argv(s: &str) -> Vec<Vec<u8>> {
        s.split(' ').map(|a| a.as_bytes().to_vec()).collect()
    }

    fn check(cmds: &CommandTable, acl: &AclState, u: UserId, line: &str) -> Result<(), Denied> {
        let a = argv(line);
        let idx = cmds.lookup(&a).unwrap();
        check_command_for(acl, cmds, u, idx, &a)
    }

    #[test]
    fn commands_keys_and_channels() {
        let (cmds, mut acl) = setup();
        let u = user(
            &cmds,
            &mut acl,
            &["+get", "+set", "~foo:*", "%R~ro:*", "+publish", "&news.*"],
        );
        assert_eq!(check(&cmds, &acl, u, "get foo:1"), Ok(()));
        assert_eq!(check(&cmds, &acl, u, "get bar"), Err(Denied::Key(1)));
        assert_eq!(check(&cmds, &acl, u, "get ro:1"), Ok(()));
        assert_eq!(check(&cmds, &acl, u, "set ro:1 x"), Err(Denied::Key(1)));
        assert_eq!(check(&cmds, &acl, u, "incr foo:1"), Err(Denied::Cmd));
        assert_eq!(check(&cmds, &acl, u, "publish news.a x"), Ok(()));
        assert_eq!(
            check(&cmds, &acl, u, "publish sport x"),
            Err(Denied::Channel(1))
        );
        // AUTH and HELLO need no permission.
        assert_eq!(check(&cmds, &acl, u, "auth a b"), Ok(()));
        assert_eq!(
            check(&cmds, &acl, crate::acl::DEFAULT_USER, "flushall"),
            Ok(())
        );
    }

    #[test]
    fn selectors_are_alternatives_and_the_worst_reason_wins() {
        let (cmds, mut acl) = setup();
        let u = user(
            &cmds,
            &mut acl,
            &["+mget", "~key", "(+mget ~key ~otherkey)"],
        );
        assert_eq!(check(&cmds, &acl, u, "mget key otherkey"), Ok(()));
        assert_eq!(check(&cmds, &acl, u, "get key"), Err(Denied::Cmd));
        assert_eq!(
            check(&cmds, &acl, u, "mget otherkey someotherkey"),
            Err(Denied::Key(2))
        );
    }

    #[test]
    fn first_args_and_subcommands() {
        let (cmds, mut acl) = setup();
        let u = user(&cmds, &mut acl, &["+select|0", "+config|get", "allkeys"]);
        assert_eq!(check(&cmds, &acl, u, "select 0"), Ok(()));
        assert_eq!(check(&cmds, &acl, u, "select 1"), Err(Denied::Cmd));
        assert_eq!(check(&cmds, &acl, u, "config get x"), Ok(()));
        assert_eq!(check(&cmds, &acl, u, "config set x y"), Err(Denied::Cmd));
    }
}
