#!/usr/bin/env python3
"""Side-by-side benchmark: oxidis against Debian's redis-server 7.0.15.

Every round starts both servers fresh (--save '' --appendonly no), pinned to
CPU 0, and runs redis-benchmark pinned to CPU 1 against one, then the other.
Per test and pipeline depth it reports the median over rounds of the
per-round throughput ratio (so drift on a noisy machine cancels), server CPU
time per request (utime+stime from /proc/PID/stat), p50/p99 latency, and
memory per key after loading 1M string keys through redis-cli --pipe.
The output is a Markdown table ready for the README.
"""
import argparse
import datetime
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

TESTS = ["PING_MBULK", "SET", "GET", "INCR", "LPUSH", "RPOP", "SADD", "HSET", "ZADD", "LRANGE_100",
         "ZRANGE_100"]
COMMAND_OF = {"PING_MBULK": "ping", "SET": "set", "GET": "get", "INCR": "incr", "LPUSH": "lpush",
              "RPOP": "rpop", "SADD": "sadd", "HSET": "hset", "ZADD": "zadd", "LRANGE_100": "lrange",
              "ZRANGE_100": "zrange"}
REQUESTS = {1: 100_000, 16: 1_000_000, 64: 2_000_000}
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A fresh server in a temp --dir, pinned to CPU 0. `extra` config pairs go
    after the defaults (`--save '' --appendonly no`) and override them."""

    def __init__(self, kind, binary, port, extra=()):
        self.kind, self.port = kind, port
        self.dir = tempfile.mkdtemp(prefix=f"bench-{kind}-")
        args = ["taskset", "-c", "0", binary, "--port", str(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", self.dir, "--logfile", "server.log",
                *extra]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{kind} did not start")

    def pid(self):
        # taskset execs the server, so the pid is the server's.
        return self.proc.pid

    def cpu_seconds(self):
        with open(f"/proc/{self.pid()}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def rss(self):
        with open(f"/proc/{self.pid()}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def cli(self, *args):
        return subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True).stdout

    def info_field(self, name):
        for line in self.cli("info", "memory").splitlines():
            if line.startswith(name + ":"):
                return int(line.split(":")[1])
        return 0

    def supports(self, cmd):
        out = self.cli("command", "info", cmd).strip()
        return out != "" and "ERR" not in out

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        subprocess.run(["rm", "-rf", self.dir])


def run_custom(port, pipeline, requests, command):
    """redis-benchmark running one given command; returns its single CSV row."""
    args = ["taskset", "-c", "1", "redis-benchmark", "-p", str(port), "-c", "50",
            "-P", str(pipeline), "-n", str(requests), "--csv", *command]
    out = subprocess.run(args, capture_output=True, text=True, timeout=600).stdout
    for line in out.splitlines()[1:]:
        cols = [c.strip('"') for c in line.split('","')]
        if len(cols) >= 7:
            return {"rps": float(cols[1]), "p50": float(cols[4]), "p99": float(cols[6].strip('"'))}
    return None


def run_benchmark(port, test, pipeline, requests):
    if test == "ZRANGE_100":
        # A 100-member sorted set (listpack in both servers), read whole.
        members = []
        for i in range(100):
            members += [str(i), f"member:{i:03d}"]
        subprocess.run(["redis-cli", "-p", str(port), "zadd", "bench:zset", *members],
                       capture_output=True, check=True)
        return run_custom(port, pipeline, requests, ["zrange", "bench:zset", "0", "99"])
    args = ["taskset", "-c", "1", "redis-benchmark", "-p", str(port), "-c", "50", "-r", "1000000",
            "-d", "16", "-t", test.lower(), "-P", str(pipeline), "-n", str(requests), "--csv"]
    out = subprocess.run(args, capture_output=True, text=True, timeout=600).stdout
    for line in out.splitlines():
        cols = [c.strip('"') for c in line.split('","')]
        if cols and cols[0].strip('"') == test.replace("_", "_"):
            return {"rps": float(cols[1]), "p50": float(cols[4]), "p99": float(cols[6].strip('"'))}
        if cols and cols[0].strip('"').startswith(test.split("_")[0]) and test == "LRANGE_100" and "100" in cols[0]:
            return {"rps": float(cols[1]), "p50": float(cols[4]), "p99": float(cols[6].strip('"'))}
    return None


def bench_one(kind, binary, test, pipeline, requests):
    srv = Server(kind, binary, free_port())
    try:
        if not srv.supports(COMMAND_OF[test]):
            return "unsupported"
        cpu0 = srv.cpu_seconds()
        res = run_benchmark(srv.port, test, pipeline, requests)
        cpu1 = srv.cpu_seconds()
        if res is None:
            return "failed"
        res["cpu_us_per_req"] = (cpu1 - cpu0) * 1e6 / requests
        return res
    finally:
        srv.stop()


def bytes_per_key(kind, binary, nkeys):
    srv = Server(kind, binary, free_port())
    try:
        rss0, used0 = srv.rss(), srv.info_field("used_memory")
        value = "v" * 16
        payload = "".join(f"*3\r\n$3\r\nSET\r\n$12\r\nkey:{i:08d}\r\n$16\r\n{value}\r\n" for i in range(nkeys))
        subprocess.run(["redis-cli", "-p", str(srv.port), "--pipe"], input=payload, text=True, capture_output=True, check=True)
        time.sleep(0.5)
        rss1, used1 = srv.rss(), srv.info_field("used_memory")
        return (rss1 - rss0) / nkeys, (used1 - used0) / nkeys
    finally:
        srv.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--oxidis", required=True)
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="smoke mode: 1 round, few requests, 100k keys")
    ap.add_argument("--tests", default=",".join(TESTS))
    ap.add_argument("--pipelines", default="1,16,64")
    ap.add_argument("--out", default=None, help="also write the Markdown table here")
    a = ap.parse_args()
    rounds = 1 if a.quick else max(3, a.rounds)
    scale = 0.05 if a.quick else 1.0
    nkeys = 100_000 if a.quick else 1_000_000
    tests = [t.strip().upper() for t in a.tests.split(",") if t.strip()]
    pipelines = [int(p) for p in a.pipelines.split(",")]
    rows = []
    for test in tests:
        for p in pipelines:
            n = max(1000, int(REQUESTS[p] * scale))
            ratios, ox_runs, rd_runs, unsupported = [], [], [], False
            for r in range(rounds):
                order = [("oxidis", a.oxidis), ("redis", a.redis)]
                if r % 2:
                    order.reverse()
                got = {}
                for kind, binary in order:
                    got[kind] = bench_one(kind, binary, test, p, n)
                if got["oxidis"] == "unsupported":
                    unsupported = True
                    break
                if not isinstance(got["oxidis"], dict) or not isinstance(got["redis"], dict):
                    continue
                ox_runs.append(got["oxidis"])
                rd_runs.append(got["redis"])
                ratios.append(got["oxidis"]["rps"] / got["redis"]["rps"])
            if unsupported:
                rows.append((test, p, None))
                print(f"{test:11} P={p:<3} oxidis does not answer {COMMAND_OF[test].upper()} yet: skipped", file=sys.stderr)
                continue
            if not ratios:
                rows.append((test, p, "failed"))
                continue
            med = lambda runs, k: statistics.median(x[k] for x in runs)
            row = {
                "ratio": statistics.median(ratios),
                "ox_rps": med(ox_runs, "rps"), "rd_rps": med(rd_runs, "rps"),
                "ox_cpu": med(ox_runs, "cpu_us_per_req"), "rd_cpu": med(rd_runs, "cpu_us_per_req"),
                "ox_p50": med(ox_runs, "p50"), "rd_p50": med(rd_runs, "p50"),
                "ox_p99": med(ox_runs, "p99"), "rd_p99": med(rd_runs, "p99"),
            }
            rows.append((test, p, row))
            print(f"{test:11} P={p:<3} ratio {row['ratio']:.2f}  oxidis {row['ox_rps']:.0f} rps  redis {row['rd_rps']:.0f} rps", file=sys.stderr)
    mem = {}
    for kind, binary in [("oxidis", a.oxidis), ("redis", a.redis)]:
        mem[kind] = bytes_per_key(kind, binary, nkeys)
    lines = []
    lines.append(f"Measured {datetime.date.today()} on a {os.cpu_count()}-core machine: "
                 f"`bench/run{' --quick' if a.quick else ''}` ({rounds} round(s); servers on CPU 0, "
                 "redis-benchmark on CPU 1 with `-c 50 -r 1000000 -d 16`). Ratios are oxidis/Redis, the median of per-round ratios.")
    lines.append("")
    lines.append("| test | P | throughput ratio | oxidis req/s | Redis req/s | CPU µs/req oxidis | CPU µs/req Redis | CPU ratio | p50 ms oxidis / Redis | p99 ms oxidis / Redis |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for test, p, row in rows:
        if row is None:
            lines.append(f"| {test} | {p} | not answered yet | | | | | | | |")
        elif row == "failed":
            lines.append(f"| {test} | {p} | benchmark failed | | | | | | | |")
        else:
            cr = row["ox_cpu"] / row["rd_cpu"] if row["rd_cpu"] else float("nan")
            lines.append(f"| {test} | {p} | {row['ratio']:.2f} | {row['ox_rps']:.0f} | {row['rd_rps']:.0f} | "
                         f"{row['ox_cpu']:.2f} | {row['rd_cpu']:.2f} | {cr:.2f} | {row['ox_p50']:.3f} / {row['rd_p50']:.3f} | "
                         f"{row['ox_p99']:.3f} / {row['rd_p99']:.3f} |")
    lines.append("")
    (ox_rss, ox_used), (rd_rss, rd_used) = mem["oxidis"], mem["redis"]
    lines.append(f"Memory for {nkeys:,} keys `key:NNNNNNNN` with 16-byte values (redis-cli --pipe):")
    lines.append("")
    lines.append("| | oxidis | Redis | ratio |")
    lines.append("|---|---:|---:|---:|")
    lines.append(f"| RSS growth, bytes/key | {ox_rss:.1f} | {rd_rss:.1f} | {ox_rss / rd_rss:.2f} |")
    lines.append(f"| used_memory growth, bytes/key | {ox_used:.1f} | {rd_used:.1f} | {ox_used / rd_used if rd_used else float('nan'):.2f} |")
    table = "\n".join(lines)
    print(table)
    if a.out:
        with open(a.out, "w") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
