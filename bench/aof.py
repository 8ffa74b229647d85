#!/usr/bin/env python3
"""AOF benchmark: oxidis against Debian's redis-server 7.0.15 with the append-only file on.

Part 1, writes under each fsync policy: every measurement starts one server fresh
(a temp --dir, `--appendonly yes --appendfsync <always|everysec>`, automatic rewrites
off), pinned to CPU 0, and runs `redis-benchmark -t set -c 50 -r 1000000 -d 16 -P <p>`
pinned to CPU 1. Rounds alternate which server goes first; the ratio is the median of
the per-round oxidis/Redis ratios. Server CPU per request comes from /proc/PID/stat;
`aof_current_size` afterwards checks that the load went through the AOF.

Part 2, BGREWRITEAOF under a SET load on 1M keys: snapshot.py's measurement with the
BGREWRITEAOF job (main-thread stall, SET p99 during the rewrite, peak memory).

The output is Markdown ready for the README. See bench/README.md.
"""
import argparse
import datetime
import os
import statistics
import subprocess
import sys

sys.dont_write_bytecode = True  # no bench/__pycache__ from the imports below
from bench import Server, free_port  # noqa: E402
import snapshot  # noqa: E402

POLICIES = ["always", "everysec"]
# Requests per measurement: enough for a few seconds of load at each depth.
REQUESTS = {("always", 1): 100_000, ("always", 16): 1_000_000,
            ("everysec", 1): 100_000, ("everysec", 16): 1_000_000}


def set_load(port, pipeline, requests):
    args = ["taskset", "-c", "1", "redis-benchmark", "-p", str(port), "-c", "50", "-r", "1000000",
            "-d", "16", "-t", "set", "-P", str(pipeline), "-n", str(requests), "--csv"]
    out = subprocess.run(args, capture_output=True, text=True, timeout=900).stdout
    return snapshot.parse_csv(out)


def measure(kind, binary, policy, pipeline, requests):
    srv = Server(kind, binary, free_port(),
                 ("--appendonly", "yes", "--appendfsync", policy,
                  "--auto-aof-rewrite-percentage", "0"))
    try:
        conn = snapshot.Conn(srv.port)
        cpu0 = srv.cpu_seconds()
        res = set_load(srv.port, pipeline, requests)
        cpu1 = srv.cpu_seconds()
        if res is None:
            return None
        inf = conn.info("persistence")
        if inf.get("aof_enabled") != "1" or inf.get("aof_last_write_status") != "ok":
            print(f"{kind}: AOF not enabled or failing: {inf}", file=sys.stderr)
            return None
        res["cpu_us"] = (cpu1 - cpu0) * 1e6 / requests
        # The AOF must hold every acknowledged SET: its size is the evidence the
        # load went through it (each SET is at least 60 bytes in RESP).
        size = int(inf.get("aof_current_size", 0))
        res["aof_mb"] = size / 2**20
        if size < requests * 40:
            print(f"{kind}: AOF holds {size} bytes for {requests} SETs", file=sys.stderr)
            return None
        return res
    finally:
        srv.stop()


def writes_table(a, rounds, scale):
    rows = []
    for policy in POLICIES:
        for p in [int(x) for x in a.pipelines.split(",")]:
            n = max(2000, int(REQUESTS[(policy, p)] * scale))
            ox, rd, ratios = [], [], []
            for r in range(rounds):
                order = [("oxidis", a.oxidis), ("redis", a.redis)]
                if r % 2:
                    order.reverse()
                got = {kind: measure(kind, binary, policy, p, n) for kind, binary in order}
                if got["oxidis"] is None or got["redis"] is None:
                    print(f"round {r + 1} {policy} P={p}: failed", file=sys.stderr)
                    continue
                ox.append(got["oxidis"])
                rd.append(got["redis"])
                ratios.append(got["oxidis"]["rps"] / got["redis"]["rps"])
                print(f"round {r + 1} {policy:8} P={p:<2} oxidis {got['oxidis']['rps']:.0f} req/s "
                      f"p99 {got['oxidis']['p99']:.3f}ms, redis {got['redis']['rps']:.0f} req/s "
                      f"p99 {got['redis']['p99']:.3f}ms", file=sys.stderr)
            rows.append((policy, p, ox, rd, ratios))
    lines = [
        f"Measured {datetime.date.today()} on a {os.cpu_count()}-core machine (shared, noisy): "
        f"`bench/run --aof{' --quick' if a.quick else ''}` ({rounds} round(s); fresh servers on "
        "CPU 0 with `--appendonly yes --appendfsync <policy> --auto-aof-rewrite-percentage 0`, "
        "redis-benchmark `-t set -c 50 -r 1000000 -d 16` on CPU 1). Medians over rounds; the "
        "throughput ratio is the median of per-round oxidis/Redis ratios.",
        "",
        "| appendfsync | P | throughput ratio | oxidis req/s | Redis req/s | p99 ms oxidis / Redis "
        "| p50 ms oxidis / Redis | CPU µs/req oxidis / Redis | goal |",
        "|---|---:|---:|---:|---:|---|---|---|---|",
    ]
    for policy, p, ox, rd, ratios in rows:
        if not ratios:
            lines.append(f"| {policy} | {p} | failed | | | | | | |")
            continue
        med = lambda runs, k: statistics.median(x[k] for x in runs)  # noqa: E731
        ratio = statistics.median(ratios)
        goal = f"≥ 1.0x: {'met' if ratio >= 1.0 else 'missed'}"
        lines.append(
            f"| {policy} | {p} | {ratio:.2f} | {med(ox, 'rps'):.0f} | {med(rd, 'rps'):.0f} | "
            f"{med(ox, 'p99'):.3f} / {med(rd, 'p99'):.3f} | {med(ox, 'p50'):.3f} / {med(rd, 'p50'):.3f} | "
            f"{med(ox, 'cpu_us'):.2f} / {med(rd, 'cpu_us'):.2f} | {goal} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--oxidis", required=True)
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="smoke mode: 1 round, few requests, 100k keys")
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("--keys", type=int, default=None, help="keys for the rewrite part (default 1,000,000)")
    ap.add_argument("--skip-rewrite", action="store_true", help="only the fsync-policy table")
    ap.add_argument("--out", default=None, help="also write the Markdown here")
    a = ap.parse_args()
    os.sched_setaffinity(0, {1})  # this script and redis-cli --pipe stay off the servers' CPU
    rounds = 1 if a.quick else max(3, a.rounds)
    scale = 0.05 if a.quick else 1.0
    out = [writes_table(a, rounds, scale)]
    if not a.skip_rewrite:
        nkeys = a.keys or (100_000 if a.quick else 1_000_000)
        pipelines = [int(p) for p in a.pipelines.split(",")]
        job = snapshot.JOBS["bgrewriteaof"]
        runs = snapshot.collect(job, a.oxidis, a.redis, rounds, nkeys, pipelines, False, 0.01)
        out.append(snapshot.render(job, f"bench/run --aof{' --quick' if a.quick else ''}",
                                   False, runs, pipelines, rounds, nkeys))
    text = "\n\n".join(out)
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
