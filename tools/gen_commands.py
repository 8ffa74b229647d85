#!/usr/bin/env python3
"""Generate src/server/commands_def.rs from Redis 7.0.15's src/commands/*.json.

Redis keeps its command metadata as data (one JSON file per command) and
generates commands.c from it. oxidis does the same: this script turns the
JSON into a Rust static table. The derived values that Redis computes at
start-up (the legacy first/last/step key range, the movablekeys flag and the
implicit ACL categories) are computed here, once, so the table is final.

Usage: tools/gen_commands.py /path/to/redis-7.0.15/src/commands > src/server/commands_def.rs
"""
import glob
import json
import os
import re
import sys

CMD_FLAGS = ["WRITE", "READONLY", "DENYOOM", "MODULE", "ADMIN", "PUBSUB", "NOSCRIPT", None,
             "BLOCKING", "LOADING", "STALE", "SKIP_MONITOR", "SKIP_SLOWLOG", "ASKING", "FAST",
             "NO_AUTH", "MAY_REPLICATE", "SENTINEL", "ONLY_SENTINEL", "NO_MANDATORY_KEYS",
             "PROTECTED", "MODULE_GETKEYS", "MODULE_NO_CLUSTER", "NO_ASYNC_LOADING", "NO_MULTI",
             "MOVABLE_KEYS", "ALLOW_BUSY", "MODULE_GETCHANNELS", "TOUCHES_ARBITRARY_KEYS"]
KEY_FLAGS = ["RO", "RW", "OW", "RM", "ACCESS", "UPDATE", "INSERT", "DELETE", "NOT_KEY",
             "INCOMPLETE", "VARIABLE_FLAGS"]
ACL_CATS = ["KEYSPACE", "READ", "WRITE", "SET", "SORTEDSET", "LIST", "HASH", "STRING", "BITMAP",
            "HYPERLOGLOG", "GEO", "STREAM", "PUBSUB", "ADMIN", "FAST", "SLOW", "BLOCKING",
            "DANGEROUS", "CONNECTION", "TRANSACTION", "SCRIPTING"]
# server.c COMMAND_GROUP_STR spells one group differently from the JSON.
GROUP_NAMES = {"sorted_set": "sorted-set"}
ARG_FLAGS = {"optional": 1, "multiple": 2, "multiple_token": 4}


def bit(names, table):
    v = 0
    for n in names:
        v |= 1 << table.index(n)
    return v


def rs(s):
    if s is None:
        return '""'
    return json.dumps(s, ensure_ascii=False)


def spec_of(ks):
    bs = ks["begin_search"]
    if "index" in bs:
        b = ("index", bs["index"]["pos"])
    elif "keyword" in bs:
        b = ("keyword", bs["keyword"]["keyword"], bs["keyword"]["startfrom"])
    else:
        b = ("unknown",)
    fk = ks["find_keys"]
    if "range" in fk:
        f = ("range", fk["range"]["lastkey"], fk["range"]["step"], fk["range"]["limit"])
    elif "keynum" in fk:
        f = ("keynum", fk["keynum"]["keynumidx"], fk["keynum"]["firstkey"], fk["keynum"]["step"])
    else:
        f = ("unknown",)
    return b, f


def legacy_range(specs, flags):
    """Redis: populateCommandLegacyRangeSpec(). Returns (first, last, step, flags)."""
    mov = 1 << CMD_FLAGS.index("MOVABLE_KEYS")
    inc = 1 << KEY_FLAGS.index("INCOMPLETE")
    if not specs:
        return (0, 0, 0, flags)
    parsed = [(bit(s["flags"], KEY_FLAGS),) + spec_of(s) for s in specs]
    if len(parsed) == 1 and parsed[0][1][0] == "index" and parsed[0][2][0] == "range":
        kf, b, f = parsed[0]
        if kf & inc:
            flags |= mov
        first, last, step = b[1], f[1], f[2]
        if last >= 0:
            last += first
        return (first, last, step, flags)
    first, last, prev_last = None, 0, 0
    for kf, b, f in parsed:
        if b[0] != "index" or f[0] != "range":
            flags |= mov
            continue
        if f[2] != 1 or (prev_last and prev_last != b[1] - 1):
            flags |= mov
            continue
        if kf & inc:
            flags |= mov
        first = b[1] if first is None else min(first, b[1])
        abs_last = f[1]
        if abs_last >= 0:
            abs_last += b[1]
        last = max(last & 0xFFFFFFFF, abs_last & 0xFFFFFFFF)
        if last >= 0x80000000:
            last -= 0x100000000
        prev_last = last
    if first is None:
        return (0, 0, 0, flags | mov)
    rel = last if last < 0 else last - first
    if rel >= 0:
        rel += first
    return (first, rel, 1, flags)


def acl_of(cmd, flags):
    cats = bit(cmd.get("acl_categories", []), ACL_CATS)

    def f(n):
        return flags & (1 << CMD_FLAGS.index(n))

    def c(n):
        return 1 << ACL_CATS.index(n)
    if f("WRITE"):
        cats |= c("WRITE")
    if f("READONLY") and not cats & c("SCRIPTING"):
        cats |= c("READ")
    if f("ADMIN"):
        cats |= c("ADMIN") | c("DANGEROUS")
    if f("PUBSUB"):
        cats |= c("PUBSUB")
    if f("FAST"):
        cats |= c("FAST")
    if f("BLOCKING"):
        cats |= c("BLOCKING")
    if not cats & c("FAST"):
        cats |= c("SLOW")
    return cats


def c_literal(v):
    """The string a C compiler makes of '"' + v + '"', as Redis's generator
    emits it: quotes inside v end and restart the literal, so they vanish
    (MIGRATE's token '""' becomes the empty string)."""
    return v.replace('"', "")


def emit_token(a):
    """Redis's generator upper-cases tokens; a present-but-empty token (MIGRATE's
    empty key placeholder) is still shown by COMMAND DOCS, hence the Option."""
    tok = a.get("token")
    if not tok:
        return "None"
    return "Some(%s)" % rs(c_literal(tok.upper()))


def emit_args(args, ind):
    if not args:
        return "&[]"
    out = ["&["]
    for a in args:
        fl = sum(v for k, v in ARG_FLAGS.items() if a.get(k))
        out.append("%sArg { name: %s, typ: %s, key_spec_index: %d, token: %s, since: %s, "
                   "deprecated_since: %s, flags: %d, subargs: %s }," % (
                       ind, rs(a["name"].lower()), rs(a["type"]), a.get("key_spec_index", -1),
                       emit_token(a), rs(a.get("since")), rs(a.get("deprecated_since")), fl,
                       emit_args(a.get("arguments"), ind + "    ")))
    out.append(ind[:-4] + "]")
    return "\n".join(out)


def emit_specs(specs):
    if not specs:
        return "&[]"
    parts = []
    for s in specs:
        b, f = spec_of(s)
        if b[0] == "index":
            bs = "BeginSearch::Index(%d)" % b[1]
        elif b[0] == "keyword":
            bs = "BeginSearch::Keyword(%s, %d)" % (rs(b[1]), b[2])
        else:
            bs = "BeginSearch::Unknown"
        if f[0] == "range":
            fk = "FindKeys::Range { lastkey: %d, keystep: %d, limit: %d }" % f[1:]
        elif f[0] == "keynum":
            fk = "FindKeys::Keynum { keynumidx: %d, firstkey: %d, keystep: %d }" % f[1:]
        else:
            fk = "FindKeys::Unknown"
        parts.append("KeySpec { notes: %s, flags: %d, bs: %s, fk: %s }" % (
            rs(s.get("notes")), bit(s["flags"], KEY_FLAGS), bs, fk))
    return "&[" + ", ".join(parts) + "]"


def getkeys_proc(cmd):
    """JSON get_keys_function (e.g. sortROGetKeys) -> the Rust helper in
    src/server/getkeys.rs (sort_ro_get_keys)."""
    f = cmd.get("get_keys_function")
    if not f:
        return "None"
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", f).lower()
    return "Some(getkeys::%s)" % snake


def emit_cmd(name, cmd, subs, ind):
    flags = bit(cmd.get("command_flags", []), CMD_FLAGS)
    first, last, step, flags = legacy_range(cmd.get("key_specs", []), flags)
    doc = bit([d.upper() for d in cmd.get("doc_flags", [])], ["DEPRECATED", "SYSCMD"])
    hist = ", ".join("(%s, %s)" % (rs(h[0]), rs(h[1])) for h in cmd.get("history", []))
    # Redis's generator lower-cases tips ("REQUEST_POLICY:ALL_SHARDS" is shown
    # as "request_policy:all_shards").
    tips = ", ".join(rs(t.lower()) for t in cmd.get("command_tips", []))
    sub = "&[]"
    if subs:
        sub = "&[\n" + "\n".join(emit_cmd(n, c, [], ind + "    ") + "," for n, c in subs) + "\n" + ind + "]"
    return (
        "%sCommandDef {\n"
        "%s    name: %s, summary: %s, complexity: %s, since: %s, group: %s,\n"
        "%s    doc_flags: %d, deprecated_since: %s, replaced_by: %s, function: %s,\n"
        "%s    history: &[%s], tips: &[%s],\n"
        "%s    arity: %d, flags: %d, acl: %d, legacy: (%d, %d, %d),\n"
        "%s    key_specs: %s, getkeys_proc: %s,\n"
        "%s    args: %s,\n"
        "%s    subcommands: %s,\n"
        "%s}") % (
            ind, ind, rs(name.lower()), rs(cmd.get("summary")), rs(cmd.get("complexity")),
            rs(cmd.get("since")), rs(GROUP_NAMES.get(cmd.get("group"), cmd.get("group"))), ind, doc, rs(cmd.get("deprecated_since")),
            rs(cmd.get("replaced_by")), rs(cmd.get("function")), ind, hist, tips, ind, cmd["arity"], flags,
            acl_of(cmd, flags), first, last, step, ind, emit_specs(cmd.get("key_specs")), getkeys_proc(cmd), ind,
            emit_args(cmd.get("arguments"), ind + "        "), ind, sub, ind)


def main():
    d = sys.argv[1]
    tops, subs = {}, {}
    for f in sorted(glob.glob(os.path.join(d, "*.json"))):
        for name, cmd in json.load(open(f)).items():
            if "container" in cmd:
                subs.setdefault(cmd["container"].lower(), []).append((name, cmd))
            else:
                tops[name.lower()] = (name, cmd)
    print("//! Command metadata table. Redis counterpart: src/commands/*.json and the")
    print("//! commands.c generated from them (7.0.15).")
    print("//! GENERATED by tools/gen_commands.py from Redis's JSON command specs; do not edit.")
    print("//! It is data, not code, so it is exempt from the ~1,000-line guideline. The")
    print("//! derived fields (legacy key range, movablekeys, implicit ACL categories) are")
    print("//! computed by the generator the way server.c computes them at start-up.")
    print("use super::command::{Arg, BeginSearch, CommandDef, FindKeys, KeySpec};")
    print("use super::getkeys;")
    print()
    print("pub static COMMAND_DEFS: &[CommandDef] = &[")
    for key in sorted(tops):
        name, cmd = tops[key]
        s = sorted(subs.get(key, []), key=lambda x: x[0])
        print(emit_cmd(name, cmd, s, "    ") + ",")
    print("];")


main()
