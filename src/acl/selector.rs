//! ACL selectors: one set of command, key and channel permissions. Redis
//! counterpart: the selector half of acl.c (aclSelector, ACLSetSelector,
//! ACLSelectorCheckCmd, ACLDescribeSelectorCommandRules).
//!
//! A user owns a root selector (the rules written outside parentheses) and
//! any number of further selectors (`(...)`); a command runs if any one
//! selector allows all of it: the command, every key with the access the key
//! spec declares, and every channel.
//!
//! Commands are a bitmap indexed by the command table's ids (subcommands have
//! their own ids). The last bit stands for "commands that do not exist yet":
//! only `+@all` / `allcommands` set it, which is how the description of a
//! user tells `+@all -get` (future commands allowed) from `-@all +set ...`.

use std::collections::BTreeMap;

use oxidis_ds::util::string_match_len;

use crate::server::command::{CommandTable, CMD_MODULE};

/// Bits in the command bitmap (Redis: USER_COMMAND_BITS_COUNT).
pub const COMMAND_BITS: usize = 1024;
const WORDS: usize = COMMAND_BITS / 64;
/// The reserved bit that only `+@all` sets.
const FUTURE_BIT: usize = COMMAND_BITS - 1;

// Selector flags (Redis: SELECTOR_FLAG_*).
pub const SELECTOR_ROOT: u32 = 1 << 0;
pub const SELECTOR_ALLKEYS: u32 = 1 << 1;
pub const SELECTOR_ALLCOMMANDS: u32 = 1 << 2;
pub const SELECTOR_ALLCHANNELS: u32 = 1 << 3;

// Key pattern permissions (Redis: ACL_READ_PERMISSION, ...).
pub const PERM_READ: u8 = 1 << 0;
pub const PERM_WRITE: u8 = 1 << 1;
pub const PERM_ALL: u8 = PERM_READ | PERM_WRITE;

/// Why an ACL rule was refused; each maps to the errno Redis's ACLSetUser
/// reports and to its text (ACLSetUserStringError).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleError {
    /// EINVAL: unknown op, or a pattern with spaces.
    Syntax,
    /// ENOENT: unknown command or category.
    UnknownCommand,
    /// EEXIST: a key pattern after `allkeys`.
    KeyAfterAll,
    /// EISDIR: a channel pattern after `allchannels`.
    ChannelAfterAll,
    /// ENODEV: removing a password the user does not have.
    NoSuchPassword,
    /// EBADMSG: a malformed password hash.
    BadHash,
    /// EALREADY: the same user twice in the configuration.
    DuplicateUser,
    /// ECHILD: a first-arg of a subcommand.
    FirstArgOfSubcommand,
}

impl RuleError {
    pub fn message(self) -> &'static str {
        match self {
            RuleError::UnknownCommand => "Unknown command or category name in ACL",
            RuleError::Syntax => "Syntax error",
            RuleError::KeyAfterAll => "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
            RuleError::ChannelAfterAll => "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
            RuleError::NoSuchPassword => {
                "The password you are trying to remove from the user does not exist"
            }
            RuleError::BadHash => "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters",
            RuleError::DuplicateUser => {
                "Duplicate user found. A user can only be defined once in config files"
            }
            RuleError::FirstArgOfSubcommand => "Allowing first-arg of a subcommand is not supported",
        }
    }
}

/// A key pattern and the access it grants (Redis: keyPattern).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPattern {
    pub perm: u8,
    pub pattern: Vec<u8>,
}

impl KeyPattern {
    /// `~pat`, `%R~pat` or `%W~pat` (Redis: sdsCatPatternString).
    fn describe(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(match self.perm {
            PERM_READ => b"%R~".as_slice(),
            PERM_WRITE => b"%W~",
            _ => b"~",
        });
        out.extend_from_slice(&self.pattern);
    }
}

/// Redis: aclSelector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    pub flags: u32,
    allowed: [u64; WORDS],
    /// Command id -> first arguments allowed while the command itself is not
    /// (`+select|0`).
    firstargs: BTreeMap<usize, Vec<Vec<u8>>>,
    pub patterns: Vec<KeyPattern>,
    pub channels: Vec<Vec<u8>>,
}

/// Redis: ACLStringHasSpaces — isspace() or NUL anywhere.
pub fn has_spaces(s: &[u8]) -> bool {
    s.iter()
        .any(|&b| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0))
}

/// Index of a category name, case-insensitive (Redis:
/// ACLGetCommandCategoryFlagByName); bit i of a command's `acl` field.
pub fn category_bit(name: &[u8]) -> Option<u64> {
    crate::server::command::ACL_CATEGORY_NAMES
        .iter()
        .position(|c| c.as_bytes().eq_ignore_ascii_case(name))
        .map(|i| 1u64 << i)
}

impl Selector {
    /// An empty selector: no commands, keys or channels, except the
    /// channels `acl-pubsub-default allchannels` grants. Redis:
    /// ACLCreateSelector.
    pub fn new(flags: u32, pubsub_allchannels: bool) -> Selector {
        let extra = if pubsub_allchannels {
            SELECTOR_ALLCHANNELS
        } else {
            0
        };
        Selector {
            flags: flags | extra,
            allowed: [0; WORDS],
            firstargs: BTreeMap::new(),
            patterns: Vec::new(),
            channels: Vec::new(),
        }
    }

    pub fn is_root(&self) -> bool {
        self.flags & SELECTOR_ROOT != 0
    }

    pub fn command_bit(&self, id: usize) -> bool {
        id < COMMAND_BITS && self.allowed[id / 64] & (1 << (id % 64)) != 0
    }

    fn set_command_bit(&mut self, id: usize, on: bool) {
        if id >= COMMAND_BITS {
            return;
        }
        if on {
            self.allowed[id / 64] |= 1 << (id % 64);
        } else {
            self.allowed[id / 64] &= !(1 << (id % 64));
            self.flags &= !SELECTOR_ALLCOMMANDS;
        }
    }

    /// Redis: ACLChangeSelectorPerm — a container takes its subcommands
    /// along.
    fn change_perm(&mut self, cmds: &CommandTable, id: usize, on: bool) {
        self.set_command_bit(id, on);
        self.firstargs.remove(&id);
        for &sub in cmds.get(id).subcommands.values() {
            self.set_command_bit(sub, on);
        }
    }

    /// Redis: ACLSetSelectorCommandBitsForCategory.
    fn change_category(&mut self, cmds: &CommandTable, cflag: u64, on: bool) {
        for top in cmds.top_level() {
            if top.flags() & CMD_MODULE != 0 {
                continue;
            }
            if top.def.acl & cflag != 0 {
                self.change_perm(cmds, top.id, on);
            }
            for sub in cmds.subcommand_ids(top.id) {
                if cmds.get(sub).def.acl & cflag != 0 {
                    self.change_perm(cmds, sub, on);
                }
            }
        }
    }

    /// Commands of a category this selector allows and denies. Redis:
    /// ACLCountCategoryBitsForSelector.
    fn count_category(&self, cmds: &CommandTable, cflag: u64) -> (usize, usize) {
        let (mut on, mut off) = (0, 0);
        for c in cmds.cmds.iter() {
            if c.def.acl & cflag != 0 {
                if self.command_bit(c.id) {
                    on += 1;
                } else {
                    off += 1;
                }
            }
        }
        (on, off)
    }

    /// Applies one rule. Redis: ACLSetSelector.
    pub fn apply(&mut self, cmds: &CommandTable, op: &[u8]) -> Result<(), RuleError> {
        let is = |w: &str| op.eq_ignore_ascii_case(w.as_bytes());
        if is("allkeys") || is("~*") {
            self.flags |= SELECTOR_ALLKEYS;
            self.patterns.clear();
        } else if is("resetkeys") {
            self.flags &= !SELECTOR_ALLKEYS;
            self.patterns.clear();
        } else if is("allchannels") || is("&*") {
            self.flags |= SELECTOR_ALLCHANNELS;
            self.channels.clear();
        } else if is("resetchannels") {
            self.flags &= !SELECTOR_ALLCHANNELS;
            self.channels.clear();
        } else if is("allcommands") || is("+@all") {
            self.allowed = [u64::MAX; WORDS];
            self.flags |= SELECTOR_ALLCOMMANDS;
            self.firstargs.clear();
        } else if is("nocommands") || is("-@all") {
            self.allowed = [0; WORDS];
            self.flags &= !SELECTOR_ALLCOMMANDS;
            self.firstargs.clear();
        } else if op[0] == b'~' || op[0] == b'%' {
            if self.flags & SELECTOR_ALLKEYS != 0 {
                return Err(RuleError::KeyAfterAll);
            }
            let (perm, offset) = if op[0] == b'%' {
                let mut perm = 0;
                let mut offset = 1;
                let mut closed = false;
                while offset < op.len() {
                    let ch = op[offset].to_ascii_uppercase();
                    offset += 1;
                    if ch == b'R' && perm & PERM_READ == 0 {
                        perm |= PERM_READ;
                    } else if ch == b'W' && perm & PERM_WRITE == 0 {
                        perm |= PERM_WRITE;
                    } else if ch == b'~' {
                        closed = true;
                        break;
                    } else {
                        return Err(RuleError::Syntax);
                    }
                }
                // A pattern that grants nothing, or has no '~', is refused
                // (it could never be described back).
                if perm == 0 || !closed {
                    return Err(RuleError::Syntax);
                }
                (perm, offset)
            } else {
                (PERM_ALL, 1)
            };
            let pat = &op[offset..];
            if has_spaces(pat) {
                return Err(RuleError::Syntax);
            }
            match self.patterns.iter_mut().find(|p| p.pattern == pat) {
                Some(p) => p.perm |= perm,
                None => self.patterns.push(KeyPattern {
                    perm,
                    pattern: pat.to_vec(),
                }),
            }
            self.flags &= !SELECTOR_ALLKEYS;
        } else if op[0] == b'&' {
            if self.flags & SELECTOR_ALLCHANNELS != 0 {
                return Err(RuleError::ChannelAfterAll);
            }
            let pat = &op[1..];
            if has_spaces(pat) {
                return Err(RuleError::Syntax);
            }
            if !self.channels.iter().any(|c| c == pat) {
                self.channels.push(pat.to_vec());
            }
            self.flags &= !SELECTOR_ALLCHANNELS;
        } else if op[0] == b'+' && op.get(1) != Some(&b'@') {
            let name = &op[1..];
            match name.iter().rposition(|&b| b == b'|') {
                None => {
                    let id = cmds.lookup_acl(name).ok_or(RuleError::UnknownCommand)?;
                    self.change_perm(cmds, id, true);
                }
                Some(bar) => {
                    let (head, sub) = (&name[..bar], &name[bar + 1..]);
                    let id = cmds.lookup_acl(head).ok_or(RuleError::UnknownCommand)?;
                    if cmds.get(id).parent.is_some() {
                        return Err(RuleError::FirstArgOfSubcommand);
                    }
                    if sub.is_empty() {
                        return Err(RuleError::Syntax);
                    }
                    if !cmds.get(id).subcommands.is_empty() {
                        let sub_id = cmds.lookup_acl(name).ok_or(RuleError::UnknownCommand)?;
                        self.change_perm(cmds, sub_id, true);
                    } else {
                        crate::server_log!(
                            Warning,
                            "Deprecation warning: Allowing a first arg of an otherwise blocked command is a misuse of ACL and may get disabled in the future (offender: +{})",
                            String::from_utf8_lossy(name)
                        );
                        let list = self.firstargs.entry(id).or_default();
                        if !list.iter().any(|a| a.eq_ignore_ascii_case(sub)) {
                            list.push(sub.to_vec());
                        }
                    }
                }
            }
        } else if op[0] == b'-' && op.get(1) != Some(&b'@') {
            let id = cmds.lookup_acl(&op[1..]).ok_or(RuleError::UnknownCommand)?;
            self.change_perm(cmds, id, false);
        } else if (op[0] == b'+' || op[0] == b'-') && op.get(1) == Some(&b'@') {
            let cflag = category_bit(&op[2..]).ok_or(RuleError::UnknownCommand)?;
            self.change_category(cmds, cflag, op[0] == b'+');
        } else {
            return Err(RuleError::Syntax);
        }
        Ok(())
    }

    /// The command rules as ACL SETUSER would take them back: `+@all` or
    /// `-@all`, then the categories that fit best, then single commands and
    /// first-args for what is left. Redis: ACLDescribeSelectorCommandRules.
    pub fn describe_commands(&self, cmds: &CommandTable) -> String {
        let mut rules = String::new();
        // `fake` replays the rules as they are emitted; `temp` has each
        // chosen category taken back out, so it is not chosen again.
        let mut fake = Selector::new(0, false);
        let additive = !self.command_bit(FUTURE_BIT);
        if additive {
            rules.push_str("-@all ");
            let _ = fake.apply(cmds, b"-@all");
        } else {
            rules.push_str("+@all ");
            let _ = fake.apply(cmds, b"+@all");
        }
        let mut temp = Selector::new(0, false);
        temp.allowed = self.allowed;
        let names = crate::server::command::ACL_CATEGORY_NAMES;
        let mut applied = vec![false; names.len()];
        loop {
            let mut best = None;
            let (mut mindiff, mut maxsame) = (usize::MAX, 0);
            for (j, name) in names.iter().enumerate() {
                if applied[j] {
                    continue;
                }
                let (on, off) = temp.count_category(cmds, 1 << j);
                let (diff, same) = if additive { (off, on) } else { (on, off) };
                if same > diff && (diff < mindiff || (diff == mindiff && same > maxsame)) {
                    best = Some((j, *name));
                    mindiff = diff;
                    maxsame = same;
                }
            }
            let Some((j, name)) = best else { break };
            let cflag = 1u64 << j;
            fake.change_category(cmds, cflag, additive);
            temp.change_category(cmds, cflag, !additive);
            rules.push_str(if additive { "+@" } else { "-@" });
            rules.push_str(name);
            rules.push(' ');
            applied[j] = true;
        }
        for top in cmds.top_level() {
            self.describe_single(cmds, &mut fake, &mut rules, top.id);
            for sub in cmds.subcommand_ids(top.id) {
                self.describe_single(cmds, &mut fake, &mut rules, sub);
            }
        }
        rules.pop();
        // Emitting rules that would not rebuild this bitmap would hand out
        // (or take away) permissions silently; Redis panics here too.
        assert!(
            fake.allowed == self.allowed,
            "ACL rules '{rules}' do not rebuild the user's command bitmap"
        );
        rules
    }

    /// One command of the final pass of describe_commands (Redis:
    /// ACLDescribeSelectorCommandRulesSingleCommands).
    fn describe_single(
        &self,
        cmds: &CommandTable,
        fake: &mut Selector,
        rules: &mut String,
        id: usize,
    ) {
        let cmd = cmds.get(id);
        let userbit = self.command_bit(id);
        if userbit != fake.command_bit(id) {
            rules.push(if userbit { '+' } else { '-' });
            rules.push_str(&cmd.fullname);
            rules.push(' ');
            fake.change_perm(cmds, id, userbit);
        }
        if !userbit {
            if let Some(args) = self.firstargs.get(&id) {
                for a in args {
                    rules.push('+');
                    rules.push_str(&cmd.fullname);
                    rules.push('|');
                    rules.push_str(&String::from_utf8_lossy(a));
                    rules.push(' ');
                }
            }
        }
    }

    /// Keys, channels, then commands. Redis: ACLDescribeSelector.
    pub fn describe(&self, cmds: &CommandTable) -> Vec<u8> {
        let mut out = Vec::new();
        if self.flags & SELECTOR_ALLKEYS != 0 {
            out.extend_from_slice(b"~* ");
        } else {
            for p in &self.patterns {
                p.describe(&mut out);
                out.push(b' ');
            }
        }
        if self.flags & SELECTOR_ALLCHANNELS != 0 {
            out.extend_from_slice(b"&* ");
        } else {
            out.extend_from_slice(b"resetchannels ");
            for ch in &self.channels {
                out.push(b'&');
                out.extend_from_slice(ch);
                out.push(b' ');
            }
        }
        out.extend_from_slice(self.describe_commands(cmds).as_bytes());
        out
    }

    /// The `keys` field of ACL GETUSER.
    pub fn describe_keys(&self) -> Vec<u8> {
        if self.flags & SELECTOR_ALLKEYS != 0 {
            return b"~*".to_vec();
        }
        join_described(self.patterns.iter(), |p, out| p.describe(out))
    }

    /// The `channels` field of ACL GETUSER.
    pub fn describe_channels(&self) -> Vec<u8> {
        if self.flags & SELECTOR_ALLCHANNELS != 0 {
            return b"&*".to_vec();
        }
        join_described(self.channels.iter(), |ch, out| {
            out.push(b'&');
            out.extend_from_slice(ch);
        })
    }

    /// Whether argv[1] is one of the first-args allowed for a command whose
    /// own bit is clear.
    pub fn firstarg_allowed(&self, id: usize, argv: &[Vec<u8>]) -> bool {
        match (self.firstargs.get(&id), argv.get(1)) {
            (Some(list), Some(arg)) => list.iter().any(|a| a.eq_ignore_ascii_case(arg)),
            _ => false,
        }
    }

    /// Redis: ACLSelectorCheckKey. `perm` is what the key spec needs.
    pub fn key_allowed(&self, key: &[u8], perm: u8) -> bool {
        if self.flags & SELECTOR_ALLKEYS != 0 {
            return true;
        }
        self.patterns
            .iter()
            .any(|p| p.perm & perm == perm && string_match_len(&p.pattern, key, false))
    }

    /// Redis: ACLSelectorHasUnrestrictedKeyAccess — `~*` with that access.
    pub fn all_keys_allowed(&self, perm: u8) -> bool {
        self.flags & SELECTOR_ALLKEYS != 0
            || self
                .patterns
                .iter()
                .any(|p| p.perm & perm == perm && p.pattern == b"*")
    }
}

/// Each item described by `f`, separated by single spaces.
fn join_described<T>(items: impl Iterator<Item = T>, f: impl Fn(T, &mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        f(item, &mut out);
    }
    out
}

/// Redis: ACLCheckChannelAgainstList. A channel given as a pattern
/// (PSUBSCRIBE) must appear literally; a plain channel is matched against
/// the patterns.
pub fn channel_in_list(list: &[Vec<u8>], channel: &[u8], is_pattern: bool) -> bool {
    list.iter().any(|p| {
        if is_pattern {
            p == channel
        } else {
            string_match_len(p, channel, false)
        }
    })
}
