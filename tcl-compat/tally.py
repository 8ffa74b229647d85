#!/usr/bin/env python3
"""Parse Redis TCL suite logs, print the scoreboard, enforce and update the ratchet.

Used by tcl-compat/run; not meant to be called by hand (but it can be):

  tally.py needs-rerun --logdir DIR --units FILE --ratchet FILE
      Print the units (one per line) whose first run missed a ratchet test.

  tally.py report --logdir DIR --units FILE --ratchet FILE --ref-counts FILE
                  --ref-list FILE --diffs FILE --scoreboard-md FILE [--update-ratchet]
      Print the scoreboard, write it as Markdown, check the ratchet (exit 1 on a
      regression), optionally add newly passing tests to the ratchet.

Log layout: DIR/<unit>.log and DIR/<unit>.meta for the first run,
DIR/<unit>.rerun.log and DIR/<unit>.rerun.meta for the re-run, if any.
"""

import argparse
import collections
import os
import re
import sys

ANSI = re.compile(r"\x1b\[[0-9;]*m")
RE_OK = re.compile(r"^\[ok\]: (.*) \((\d+) ms\)$")
RE_ERR = re.compile(r"^\[err\]: (.*)$")
RE_ERR_FILE = re.compile(r" in tests/\S+\.tcl$")
RE_SKIP = re.compile(r"^\[skip\]: (.*)$")
RE_IGNORE = re.compile(r"^\[ignore\]: (.*)$")
RE_EXCEPTION = re.compile(r"^\[exception\]: (.*)$")
RE_STALL = re.compile(r"^\[TIMEOUT\]: ")
RE_DONE = re.compile(r"^\[\d+/\d+ done\]: (\S+) \(\d+ seconds\)$")


# Tests whose names carry a value the suite picks at random on each run (psync2 draws
# a new replication layout and load size per cycle). Each such name is counted under
# its family, e.g. "PSYNC2: Set #<n> to replicate from #<n>", in the reference list,
# the ratchet and the logs alike; otherwise a layout that happened to pass once would
# be demanded by exact name forever after.
RANDOMIZED = [
    (re.compile(r"^(PSYNC2: Set #)\d+( to replicate from #)\d+$"), r"\1<n>\2<n>"),
    (re.compile(r"^(PSYNC2: \[NEW LAYOUT\] Set #)\d+( as master)$"), r"\1<n>\2"),
    (re.compile(r"^(PSYNC2: cluster is consistent after load \(x = )\d+(\))$"), r"\1<n>\2"),
]


def family(name):
    """The name a test is counted under: itself, or its family if it is randomized."""
    for pattern, repl in RANDOMIZED:
        if pattern.match(name):
            return pattern.sub(repl, name)
    return name


def read_lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return [ANSI.sub("", l.rstrip("\r\n")) for l in f]


def read_list(path):
    """'unit: name' lines -> {unit: Counter(name)}; '#' lines and blanks ignored."""
    out = collections.defaultdict(collections.Counter)
    if not os.path.exists(path):
        return out
    for line in read_lines(path):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        unit, sep, name = line.partition(": ")
        if not sep:
            print(f"tally: {path}: ignoring malformed line: {line!r}", file=sys.stderr)
            continue
        out[unit.strip()][family(name)] += 1
    return out


def read_diffs(path):
    """'unit: name | reason' lines -> {unit: {name: reason}}."""
    out = collections.defaultdict(dict)
    if not os.path.exists(path):
        return out
    for line in read_lines(path):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        test, sep, reason = line.rpartition(" | ")
        if not sep:
            test, reason = line, ""
        unit, sep, name = test.partition(": ")
        if not sep:
            print(f"tally: {path}: ignoring malformed line: {line!r}", file=sys.stderr)
            continue
        out[unit.strip()][family(name)] = reason.strip()
    return out


def read_counts(path):
    out = {}
    for line in read_lines(path):
        if not line.strip() or line.startswith("#"):
            continue
        unit, n = line.split()
        out[unit] = int(n)
    return out


def read_meta(path):
    meta = {}
    if os.path.exists(path):
        for line in read_lines(path):
            k, _, v = line.partition("=")
            meta[k] = v
    return meta


class Result:
    """One run of one unit."""

    def __init__(self, unit, log, meta):
        self.unit = unit
        self.passed = collections.Counter()
        self.failed = collections.Counter()
        self.skipped = collections.Counter()
        self.ignored = 0
        self.exceptions = []
        self.stalled = False
        self.done = False
        self.meta = read_meta(meta)
        self.present = os.path.exists(log)
        if self.present:
            self._parse(read_lines(log))

    def _parse(self, lines):
        for line in lines:
            m = RE_OK.match(line)
            if m:
                self.passed[family(m.group(1))] += 1
                continue
            m = RE_ERR.match(line)
            if m:
                self.failed[family(RE_ERR_FILE.sub("", m.group(1)))] += 1
                continue
            m = RE_SKIP.match(line)
            if m:
                self.skipped[family(m.group(1))] += 1
                continue
            if RE_IGNORE.match(line):
                self.ignored += 1
                continue
            m = RE_EXCEPTION.match(line)
            if m:
                self.exceptions.append(m.group(1))
                continue
            if RE_STALL.match(line):
                self.stalled = True
                continue
            m = RE_DONE.match(line)
            if m and m.group(1) == self.unit:
                self.done = True

    @property
    def status(self):
        if not self.present:
            return "NOT-RUN"
        if self.meta.get("timed_out") == "1":
            return "TIMEOUT"
        if self.stalled:
            return "STALLED"
        if self.exceptions:
            return "EXCEPTION"
        if not self.done:
            return "INCOMPLETE"
        if sum(self.failed.values()):
            return "FAIL"
        return "ok"

    @property
    def elapsed(self):
        try:
            return int(self.meta.get("elapsed", "0"))
        except ValueError:
            return 0


def unit_paths(logdir, unit, suffix=""):
    base = os.path.join(logdir, unit)
    return base + suffix + ".log", base + suffix + ".meta"


def shortfall(expected, r):
    """Ratchet tests (name -> how many) that the run `r` failed to pass.

    A name listed N times must pass N times, with two allowances: a test the run
    explicitly skipped (--only/--skiptest) is not held against it, and in a complete
    run where the name passed at least once and never failed, fewer passes are a
    randomized repetition count (e.g. psync2-reg), not a regression."""
    out = collections.Counter()
    complete = r.status in ("ok", "FAIL")
    for name, n in expected.items():
        short = n - r.passed.get(name, 0)
        if short <= 0 or r.skipped.get(name):
            continue
        if r.passed.get(name, 0) == 0 or r.failed.get(name, 0) or not complete:
            out[name] = short
    return out


def regressions_of(expected, runs):
    """Tests that fell short in every run (first run and re-run)."""
    result = shortfall(expected, runs[0])
    for r in runs[1:]:
        result &= shortfall(expected, r)
    return result


def read_units(path):
    return [l.strip() for l in read_lines(path) if l.strip() and not l.startswith("#")]


def cmd_needs_rerun(a):
    ratchet = read_list(a.ratchet)
    for unit in read_units(a.units):
        r = Result(unit, *unit_paths(a.logdir, unit))
        if shortfall(ratchet.get(unit, {}), r):
            print(unit)
    return 0


def cmd_report(a):
    units = read_units(a.units)
    ratchet = read_list(a.ratchet)
    ref_counts = read_counts(a.ref_counts)
    ref_list = read_list(a.ref_list)
    diffs = read_diffs(a.diffs)

    rows = []
    regressions = {}
    new_passes = collections.defaultdict(collections.Counter)
    for unit in units:
        first = Result(unit, *unit_paths(a.logdir, unit))
        rerun = Result(unit, *unit_paths(a.logdir, unit, ".rerun"))
        runs = [first] + ([rerun] if rerun.present else [])
        # Per test name, the most passes in any run (for --update-ratchet). A ratchet
        # test regresses only if it fell short in the first run and in the re-run.
        best = collections.Counter()
        for r in runs:
            for name, n in r.passed.items():
                best[name] = max(best[name], n)
        gone = regressions_of(ratchet.get(unit, {}), runs)
        if gone:
            regressions[unit] = gone
        # The run shown on the scoreboard: the one with more passes (first on ties).
        shown = max(runs, key=lambda r: sum(r.passed.values()))
        for name, n in best.items():
            allowed = min(n, ref_list.get(unit, {}).get(name, 0))
            have = ratchet.get(unit, {}).get(name, 0)
            if allowed > have:
                new_passes[unit][name] = allowed - have
        udiffs = diffs.get(unit, {})
        diff_passing = sorted(n for n in udiffs if best.get(n))
        rows.append(dict(
            unit=unit,
            passed=sum(shown.passed.values()),
            failed=sum(shown.failed.values()),
            redis=ref_counts.get(unit),
            ratchet=sum(ratchet.get(unit, {}).values()),
            diffs=len(udiffs),
            status=shown.status + (" (re-run)" if rerun.present else ""),
            elapsed=sum(r.elapsed for r in runs),
            skipped=sum(shown.skipped.values()),
            ignored=shown.ignored,
            exceptions=shown.exceptions,
            diff_passing=diff_passing,
            log=unit_paths(a.logdir, unit, ".rerun" if shown is rerun else "")[0],
        ))

    print_scoreboard(rows)
    write_markdown(rows, a.scoreboard_md)

    for row in rows:
        for exc in row["exceptions"]:
            print(f"note: {row['unit']}: suite exception: {exc.splitlines()[0] if exc else ''}")
        for name in row["diff_passing"]:
            print(f"note: {row['unit']}: '{name}' is listed in design-differences.txt but passes")
        if row["status"].split()[0] not in ("ok", "FAIL"):
            print(f"note: {row['unit']}: {row['status']}, see {row['log']}")

    for unit, names in diffs.items():
        for name in names:
            if not ref_list.get(unit, {}).get(name):
                print(f"warning: design-differences.txt: '{unit}: {name}' is not in the Redis reference list")
    for unit, names in ratchet.items():
        for name in names:
            if not ref_list.get(unit, {}).get(name):
                print(f"warning: passing.txt: '{unit}: {name}' is not in the Redis reference list")

    n_new = sum(sum(c.values()) for c in new_passes.values())
    if a.update_ratchet:
        if n_new:
            update_ratchet(a.ratchet, new_passes)
            print(f"ratchet: added {n_new} newly passing test(s) to {a.ratchet}")
        else:
            print("ratchet: nothing new to add")
    elif n_new:
        print(f"ratchet: {n_new} test(s) pass but are not in the ratchet yet "
              f"(tcl-compat/run --update-ratchet to add them)")

    if regressions:
        total = sum(sum(v.values()) for v in regressions.values())
        print()
        print(f"RATCHET FAILED: {total} test(s) listed in {os.path.basename(a.ratchet)} did not pass "
              f"(first run and re-run):")
        for unit, names in regressions.items():
            for name, n in sorted(names.items()):
                print(f"  REGRESSED  {unit}: {name}" + (f"  (x{n})" if n > 1 else ""))
        print("Logs:")
        for unit in regressions:
            for suffix in ("", ".rerun"):
                log = unit_paths(a.logdir, unit, suffix)[0]
                if os.path.exists(log):
                    print(f"  {log}")
        return 1
    print("ratchet: holds")
    return 0


def print_scoreboard(rows):
    w = max([len(r["unit"]) for r in rows] + [len("TOTAL")])
    hdr = f"{'unit':<{w}}  {'passed':>6}  {'failed':>6}  {'redis':>5}  {'ratchet':>7}  {'diffs':>5}  {'time':>6}  status"
    print()
    print("=== tcl-compat scoreboard ===")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        redis = "?" if r["redis"] is None else r["redis"]
        print(f"{r['unit']:<{w}}  {r['passed']:>6}  {r['failed']:>6}  {redis:>5}  {r['ratchet']:>7}  "
              f"{r['diffs']:>5}  {str(r['elapsed']) + 's':>6}  {r['status']}")
    t = totals(rows)
    print("-" * len(hdr))
    print(f"{'TOTAL':<{w}}  {t['passed']:>6}  {t['failed']:>6}  {t['redis']:>5}  {t['ratchet']:>7}  "
          f"{t['diffs']:>5}  {str(t['elapsed']) + 's':>6}  {len(rows)} unit(s)")
    print()


def totals(rows):
    return dict(
        passed=sum(r["passed"] for r in rows),
        failed=sum(r["failed"] for r in rows),
        redis=sum(r["redis"] or 0 for r in rows),
        ratchet=sum(r["ratchet"] for r in rows),
        diffs=sum(r["diffs"] for r in rows),
        elapsed=sum(r["elapsed"] for r in rows),
    )


def write_markdown(rows, path):
    t = totals(rows)
    out = [
        "| unit | passed | failed | Redis 7.0.15 passes | design differences | status |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        redis = "?" if r["redis"] is None else r["redis"]
        out.append(f"| `{r['unit']}` | {r['passed']} | {r['failed']} | {redis} | {r['diffs']} | {r['status']} |")
    out.append(f"| **total** | **{t['passed']}** | **{t['failed']}** | **{t['redis']}** | **{t['diffs']}** | |")
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    os.replace(tmp, path)


def update_ratchet(path, new_passes):
    header, entries = [], []
    if os.path.exists(path):
        for line in read_lines(path):
            if line.lstrip().startswith("#") or not line.strip():
                if not entries:
                    header.append(line)
            else:
                entries.append(line)
    for unit, names in new_passes.items():
        for name, n in names.items():
            entries.extend([f"{unit}: {name}"] * n)
    entries.sort()
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join([h for h in header if h.strip()] + entries) + "\n")
    os.replace(tmp, path)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("needs-rerun")
    s.add_argument("--logdir", required=True)
    s.add_argument("--units", required=True)
    s.add_argument("--ratchet", required=True)
    s = sub.add_parser("report")
    for opt in ("--logdir", "--units", "--ratchet", "--ref-counts", "--ref-list", "--diffs", "--scoreboard-md"):
        s.add_argument(opt, required=True)
    s.add_argument("--update-ratchet", action="store_true")
    a = p.parse_args()
    return cmd_needs_rerun(a) if a.cmd == "needs-rerun" else cmd_report(a)


if __name__ == "__main__":
    sys.exit(main())
