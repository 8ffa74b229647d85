//! ACL users: flags, passwords and selectors. Redis counterpart: the user
//! half of acl.c (ACLSetUser, ACLDescribeUser, ACLMergeSelectorArguments,
//! ACLStringSetUser, ACLCheckUserCredentials).

use oxidis_ds::sha256::sha256_hex;

use super::selector::{RuleError, Selector, SELECTOR_ROOT};
use crate::server::command::CommandTable;

// User flags (Redis: USER_FLAG_*).
pub const USER_ENABLED: u32 = 1 << 0;
pub const USER_DISABLED: u32 = 1 << 1;
pub const USER_NOPASS: u32 = 1 << 2;
pub const USER_SANITIZE_PAYLOAD: u32 = 1 << 3;
pub const USER_SANITIZE_PAYLOAD_SKIP: u32 = 1 << 4;

/// Flag names in the order ACL LIST and GETUSER show them.
const USER_FLAG_NAMES: &[(u32, &str)] = &[
    (USER_ENABLED, "on"),
    (USER_DISABLED, "off"),
    (USER_NOPASS, "nopass"),
    (USER_SANITIZE_PAYLOAD_SKIP, "skip-sanitize-payload"),
    (USER_SANITIZE_PAYLOAD, "sanitize-payload"),
];

/// What rule application needs besides the user: the command table (for
/// `+cmd` and `+@category`) and `acl-pubsub-default`.
#[derive(Clone, Copy)]
pub struct RuleCtx<'a> {
    pub cmds: &'a CommandTable,
    pub pubsub_allchannels: bool,
}

/// Redis: `struct user`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: Vec<u8>,
    pub flags: u32,
    /// SHA-256 hex digests of the passwords.
    pub passwords: Vec<String>,
    /// The root selector first, then the `(...)` ones.
    pub selectors: Vec<Selector>,
}

/// Redis: ACLCheckPasswordHash — 64 lowercase hex characters.
fn valid_hash(h: &[u8]) -> bool {
    h.len() == 64
        && h.iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
}

/// The digest a password rule names: of the clear text after `clear`
/// (`>pass`, `<pass`), or the hash itself (`#hash`, `!hash`).
fn password_digest(op: &[u8], clear: u8) -> Result<String, RuleError> {
    if op[0] == clear {
        return Ok(sha256_hex(&op[1..]));
    }
    if !valid_hash(&op[1..]) {
        return Err(RuleError::BadHash);
    }
    Ok(String::from_utf8_lossy(&op[1..]).into_owned())
}

impl User {
    /// A new user: off, no passwords, no permissions. Redis: ACLCreateUser.
    pub fn new(name: &[u8], pubsub_allchannels: bool) -> User {
        User {
            name: name.to_vec(),
            flags: USER_DISABLED,
            passwords: Vec::new(),
            selectors: vec![Selector::new(SELECTOR_ROOT, pubsub_allchannels)],
        }
    }

    /// The default user: on, nopass, every command, key and channel.
    /// Redis: ACLCreateDefaultUser.
    pub fn new_default(ctx: RuleCtx) -> User {
        let mut u = User::new(b"default", ctx.pubsub_allchannels);
        for op in ["+@all", "~*", "&*", "on", "nopass"] {
            u.apply(ctx, op.as_bytes())
                .expect("the default user's rules are valid");
        }
        u
    }

    pub fn root(&self) -> &Selector {
        &self.selectors[0]
    }

    pub fn is_enabled(&self) -> bool {
        self.flags & USER_DISABLED == 0
    }

    /// Applies one rule (Redis: ACLSetUser). An empty rule does nothing.
    pub fn apply(&mut self, ctx: RuleCtx, op: &[u8]) -> Result<(), RuleError> {
        if op.is_empty() {
            return Ok(());
        }
        let is = |w: &str| op.eq_ignore_ascii_case(w.as_bytes());
        if is("on") {
            self.flags = (self.flags | USER_ENABLED) & !USER_DISABLED;
        } else if is("off") {
            self.flags = (self.flags | USER_DISABLED) & !USER_ENABLED;
        } else if is("skip-sanitize-payload") {
            self.flags = (self.flags | USER_SANITIZE_PAYLOAD_SKIP) & !USER_SANITIZE_PAYLOAD;
        } else if is("sanitize-payload") {
            self.flags = (self.flags | USER_SANITIZE_PAYLOAD) & !USER_SANITIZE_PAYLOAD_SKIP;
        } else if is("nopass") {
            self.flags |= USER_NOPASS;
            self.passwords.clear();
        } else if is("resetpass") {
            self.flags &= !USER_NOPASS;
            self.passwords.clear();
        } else if op[0] == b'>' || op[0] == b'#' {
            let hash = password_digest(op, b'>')?;
            if !self.passwords.contains(&hash) {
                self.passwords.push(hash);
            }
            self.flags &= !USER_NOPASS;
        } else if op[0] == b'<' || op[0] == b'!' {
            let hash = password_digest(op, b'<')?;
            let pos = self
                .passwords
                .iter()
                .position(|p| *p == hash)
                .ok_or(RuleError::NoSuchPassword)?;
            self.passwords.remove(pos);
        } else if op[0] == b'(' && op[op.len() - 1] == b')' {
            // Redis: aclCreateSelectorFromOpSet — the rules inside are split
            // as sdssplitargs splits them (unbalanced quotes give no rules).
            let mut s = Selector::new(0, ctx.pubsub_allchannels);
            let inner = &op[1..op.len() - 1];
            let args = oxidis_ds::util::split_args(inner).unwrap_or_default();
            for a in args {
                s.apply(ctx.cmds, &a)?;
            }
            self.selectors.push(s);
        } else if is("clearselectors") {
            self.selectors.truncate(1);
        } else if is("reset") {
            for r in ["resetpass", "resetkeys", "resetchannels"] {
                self.apply(ctx, r.as_bytes())?;
            }
            if ctx.pubsub_allchannels {
                self.apply(ctx, b"allchannels")?;
            }
            for r in ["off", "sanitize-payload", "clearselectors", "-@all"] {
                self.apply(ctx, r.as_bytes())?;
            }
        } else {
            self.selectors[0].apply(ctx.cmds, op)?;
        }
        Ok(())
    }

    /// The user's rules in the form ACL LIST, ACL SAVE and CONFIG REWRITE
    /// write (without "user <name> "). Redis: ACLDescribeUser.
    pub fn describe(&self, cmds: &CommandTable) -> Vec<u8> {
        let mut out = Vec::new();
        for &(f, name) in USER_FLAG_NAMES {
            if self.flags & f != 0 {
                out.extend_from_slice(name.as_bytes());
                out.push(b' ');
            }
        }
        for p in &self.passwords {
            out.push(b'#');
            out.extend_from_slice(p.as_bytes());
            out.push(b' ');
        }
        for s in &self.selectors {
            let d = s.describe(cmds);
            if s.is_root() {
                out.extend_from_slice(&d);
            } else {
                out.extend_from_slice(b" (");
                out.extend_from_slice(&d);
                out.push(b')');
            }
        }
        out
    }

    /// The `flags` of ACL GETUSER.
    pub fn flag_names(&self) -> Vec<&'static str> {
        USER_FLAG_NAMES
            .iter()
            .filter(|(f, _)| self.flags & f != 0)
            .map(|&(_, n)| n)
            .collect()
    }

    /// Redis: ACLCheckUserCredentials for a known user. The comparison of
    /// the digests does not stop at the first difference.
    pub fn check_password(&self, pass: &[u8]) -> bool {
        if !self.is_enabled() {
            return false;
        }
        if self.flags & USER_NOPASS != 0 {
            return true;
        }
        let hashed = sha256_hex(pass);
        self.passwords.iter().any(|p| {
            p.len() == hashed.len()
                && p.bytes()
                    .zip(hashed.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        })
    }
}

/// Joins a selector spread over several arguments ("(+get", "~key)") back
/// into one. Err is the index of the argument that opened a selector never
/// closed. Redis: ACLMergeSelectorArguments.
pub fn merge_selector_args(args: &[Vec<u8>]) -> Result<Vec<Vec<u8>>, usize> {
    let mut out = Vec::with_capacity(args.len());
    let mut open: Option<(usize, Vec<u8>)> = None;
    for (j, op) in args.iter().enumerate() {
        if let Some((_, sel)) = open.as_mut() {
            sel.push(b' ');
            sel.extend_from_slice(op);
            if op.last() == Some(&b')') {
                out.push(open.take().unwrap().1);
            }
            continue;
        }
        if op.first() == Some(&b'(') && op.last() != Some(&b')') {
            open = Some((j, op.clone()));
            continue;
        }
        out.push(op.clone());
    }
    match open {
        Some((j, _)) => Err(j),
        None => Ok(out),
    }
}

/// Applies rules to a copy of `base` (or of a new user), so that either all
/// of them apply or none does. Redis: ACLStringSetUser's staging; the error
/// is the reply text.
pub fn stage_rules(
    ctx: RuleCtx,
    base: Option<&User>,
    name: &[u8],
    args: &[Vec<u8>],
) -> Result<User, String> {
    let merged = merge_selector_args(args).map_err(|j| {
        format!(
            "Unmatched parenthesis in acl selector starting at '{}'.",
            String::from_utf8_lossy(&args[j])
        )
    })?;
    let mut u = match base {
        Some(b) => b.clone(),
        None => User::new(name, ctx.pubsub_allchannels),
    };
    for op in &merged {
        if let Err(e) = u.apply(ctx, op) {
            return Err(format!(
                "Error in ACL SETUSER modifier '{}': {}",
                String::from_utf8_lossy(op),
                e.message()
            ));
        }
    }
    Ok(u)
}
