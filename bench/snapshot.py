#!/usr/bin/env python3
"""Snapshot benchmark: BGSAVE (or BGREWRITEAOF, --job) under a SET load, oxidis against
Debian's redis-server 7.0.15.

Every measurement starts one server fresh (--save '' --appendonly no, a temp --dir;
for BGREWRITEAOF --appendonly yes --appendfsync everysec with automatic rewrites off),
pinned to CPU 0, loads N string keys through redis-cli --pipe, starts redis-benchmark
SET (pinned to CPU 1), sends the job's command once a tenth of the benchmark's requests
are done, and polls the server until the job is over, sampling memory (Pss from
/proc/PID/smaps_rollup, the server plus its fork children) at every poll. The request
count is sized from the previous run on the same server so that the load covers the
save; a discarded calibration run comes first. See bench/README.md.
The output is a Markdown table ready for the README.
"""
import argparse
import csv
import datetime
import io
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import namedtuple

sys.dont_write_bytecode = True  # no bench/__pycache__ from the import below
from bench import Server, free_port  # noqa: E402

LEAD = 0.1  # share of the requests sent before the job starts
MARGIN = 1.1  # size the load 10% longer than the save it has to cover
FIRST_GUESS = {1: 300_000, 16: 2_000_000}  # requests for the calibration lead

# A background job the benchmark starts under load: the command, the start of its
# reply, the INFO fields that are 0 once it is over, its status and copy-on-write
# fields, the server options it needs, and the log lines that bracket the writing.
Job = namedtuple("Job", "name noun command reply busy status cow server_args log_start log_done")
JOBS = {
    "bgsave": Job("bgsave", "save", "BGSAVE", "+Background saving started", ["rdb_bgsave_in_progress"],
                  "rdb_last_bgsave_status", "rdb_last_cow_size", (),
                  "Background saving started", "DB saved on disk"),
    "bgrewriteaof": Job("bgrewriteaof", "rewrite", "BGREWRITEAOF",
                        "+Background append only file rewriting started",
                        ["aof_rewrite_in_progress", "aof_rewrite_scheduled"],
                        "aof_last_bgrewrite_status", "aof_last_cow_size",
                        ("--appendonly", "yes", "--appendfsync", "everysec",
                         "--auto-aof-rewrite-percentage", "0"),
                        "Background append only file rewriting started",
                        "Successfully created the temporary AOF base file"),
}


class Conn:
    """A minimal RESP connection for BGSAVE and INFO (no subprocess per poll)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            self.buf += self.sock.recv(65536)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def call(self, *args):
        req = f"*{len(args)}\r\n" + "".join(f"${len(a)}\r\n{a}\r\n" for a in args)
        self.sock.sendall(req.encode())
        line = self._line()
        kind, rest = line[:1], line[1:].decode()
        if kind in (b"+", b"-", b":"):
            return kind.decode() + rest
        n = int(rest)
        while len(self.buf) < n + 2:
            self.buf += self.sock.recv(max(65536, n + 2 - len(self.buf)))
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data.decode()

    def info(self, *sections):
        out = {}
        for line in self.call("INFO", *sections).splitlines():
            if ":" in line and not line.startswith("#"):
                k, v = line.split(":", 1)
                out[k] = v
        return out


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except FileNotFoundError:
        return []


def memory_kb(pid):
    """Pss of the server and of its children (Redis's fork child), in kB."""
    return pss_kb(pid) + sum(pss_kb(c) for c in children(pid))


def log_time(line):
    # "PID:R 21 Nov 2026 16:38:18.005 * message"
    parts = line.split(" ", 5)
    stamp = " ".join(parts[1:5])
    return datetime.datetime.strptime(stamp, "%d %b %Y %H:%M:%S.%f").timestamp()


def writer_seconds(log_path, job):
    """Log time from the job's start line ("Background saving started") to the
    child's or writer thread's own done line ("DB saved on disk"): the job without
    Redis's cron-paced reaping."""
    start = done = None
    try:
        with open(log_path) as f:
            for line in f:
                if job.log_start in line:
                    start = log_time(line)
                elif job.log_done in line and start is not None:
                    done = log_time(line)
    except (OSError, ValueError):
        return None
    return done - start if start is not None and done is not None else None


def make_payload(path, nkeys, short_keys):
    value = "v" * 16
    fmt = "key:{:08d}" if short_keys else "key:{:012d}"
    with open(path, "w") as f:
        for i in range(nkeys):
            k = fmt.format(i)
            f.write(f"*3\r\n$3\r\nSET\r\n${len(k)}\r\n{k}\r\n$16\r\n{value}\r\n")


def parse_csv(text):
    for row in csv.reader(io.StringIO(text)):
        if row and row[0] == "SET":
            return {"rps": float(row[1]), "p50": float(row[4]), "p99": float(row[6]),
                    "max": float(row[7])}
    return None


def measure(kind, binary, pipeline, payload, keyspace, n, calibrate, poll, job=JOBS["bgsave"]):
    """One fresh server, one job (BGSAVE) under load. `n` is the request count (in a
    calibration run, the lead is sized from it and the load is killed after the job)."""
    srv = Server(kind, binary, free_port(), job.server_args)
    bench = None
    try:
        with open(payload) as f:
            subprocess.run(["redis-cli", "-p", str(srv.port), "--pipe"], stdin=f,
                           capture_output=True, check=True)
        time.sleep(0.5)
        conn = Conn(srv.port)
        pid = srv.pid()
        requests = n * 100 if calibrate else n
        args = ["taskset", "-c", "1", "redis-benchmark", "-p", str(srv.port), "-c", "50",
                "-r", str(keyspace), "-d", "16", "-t", "set", "-P", str(pipeline),
                "-n", str(requests), "--csv"]
        baseline = None
        if not calibrate:
            # The same load without a save, polled the same way, for reference.
            bench = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            while bench.poll() is None:
                conn.info("persistence", "stats")
                memory_kb(pid)
                time.sleep(poll)
            baseline = parse_csv(bench.communicate()[0])
            if baseline is None:
                return None
        mem_before = memory_kb(pid)
        base = int(conn.info("stats")["total_commands_processed"])
        t_run0 = time.time()
        bench = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        lead = max(1, int(n * LEAD))
        while int(conn.info("stats")["total_commands_processed"]) - base < lead:
            if bench.poll() is not None:
                return None
            time.sleep(0.002)
        t_save0 = time.time()
        reply = conn.call(job.command)
        if not reply.startswith(job.reply):
            print(f"{kind}: {job.command} answered {reply!r}", file=sys.stderr)
            return None
        t_bgsave_reply = time.time()
        samples = []  # (time, commands processed) while the load runs and the save goes on
        peak = 0
        bench_end = None
        while True:
            inf = conn.info("persistence", "stats")
            now = time.time()
            peak = max(peak, memory_kb(pid))
            if bench_end is None:
                if bench.poll() is None:
                    samples.append((now, int(inf["total_commands_processed"])))
                else:
                    bench_end = now
            if all(inf[f] == "0" for f in job.busy):
                t_save1 = now
                break
            time.sleep(poll)
        if calibrate:
            bench.terminate()
            bench.wait()
            res = {}
            t_run1 = time.time()
        else:
            out, _ = bench.communicate(timeout=600)
            t_run1 = time.time()
            res = parse_csv(out)
            if res is None:
                return None
        inf = conn.info("persistence", "stats")
        if inf.get(job.status) != "ok":
            print(f"{kind}: {job.command} failed", file=sys.stderr)
            return None
        save_s = t_save1 - t_save0
        # Rate of the load during the save, for sizing the next run on this server.
        rate = 0.0
        if len(samples) >= 2:
            (ta, ca), (tb, cb) = samples[0], samples[-1]
            rate = (cb - ca) / (tb - ta) if tb > ta else 0.0
        overlap = max(0.0, min(t_run1, t_save1) - max(t_run0, t_save0))
        if baseline:
            res.update({"base_p99": baseline["p99"], "base_max": baseline["max"]})
        res.update({
            "stall_us": int(inf["latest_fork_usec"]),
            "bgsave_rtt_ms": (t_bgsave_reply - t_save0) * 1e3,
            "save_s": save_s,
            "writer_s": writer_seconds(os.path.join(srv.dir, "server.log"), job),
            "mem_before_mb": mem_before / 1024,
            "mem_peak_mb": peak / 1024,
            "cow_mb": int(inf.get(job.cow, 0)) / 2**20,
            "rate": rate,
            "run_saving": overlap / (t_run1 - t_run0),
            "save_loaded": overlap / save_s if save_s > 0 else 0.0,
        })
        return res
    finally:
        if bench is not None and bench.poll() is None:
            bench.kill()
            bench.wait()
        srv.stop()


def size_for(prev):
    """Requests so that the lead plus the save at the measured rate fit, with margin."""
    return max(2000, int(prev["rate"] * prev["save_s"] / (1 - LEAD) * MARGIN))


def fmt(v, spec):
    return "n/a" if v is None else format(v, spec)


def collect(job, oxidis, redis, rounds, nkeys, pipelines, insert, poll):
    """Calibration, then `rounds` measurements per server and pipeline depth."""
    servers = [("oxidis", oxidis), ("redis", redis)]
    tmp = tempfile.mkdtemp(prefix="bench-snapshot-")
    payload = os.path.join(tmp, "keys.resp")
    make_payload(payload, nkeys, insert)
    runs = {(k, p): [] for k, _ in servers for p in pipelines}
    size = {}
    try:
        for p in pipelines:
            guess = max(2000, FIRST_GUESS.get(p, 2_000_000) * nkeys // 1_000_000)
            for kind, binary in servers:
                cal = measure(kind, binary, p, payload, nkeys, guess, True, poll, job)
                if cal is None:
                    sys.exit(f"{kind} P={p}: calibration run failed")
                size[(kind, p)] = size_for(cal)
                print(f"calibration {kind:6} P={p:<2} {job.noun} {cal['save_s']:.2f}s at "
                      f"{cal['rate']:.0f} req/s -> {size[(kind, p)]} requests", file=sys.stderr)
        for r in range(rounds):
            order = servers if r % 2 == 0 else servers[::-1]
            for p in pipelines:
                for kind, binary in order:
                    res = measure(kind, binary, p, payload, nkeys, size[(kind, p)], False, poll, job)
                    if res is None:
                        print(f"round {r + 1} {kind} P={p}: failed", file=sys.stderr)
                        continue
                    res["round"] = r
                    runs[(kind, p)].append(res)
                    if res["rate"] > 0:
                        size[(kind, p)] = size_for(res)
                    print(f"round {r + 1} {kind:6} P={p:<2} stall {res['stall_us']}us "
                          f"p99 {res['p99']:.3f}ms (no {job.noun} {res['base_p99']:.3f}ms) "
                          f"max {res['max']:.3f}ms peak {res['mem_peak_mb']:.0f}MiB "
                          f"{job.noun} {res['save_s']:.2f}s "
                          f"coverage {res['run_saving']:.0%}/{res['save_loaded']:.0%}",
                          file=sys.stderr)
    finally:
        subprocess.run(["rm", "-rf", tmp])
    return runs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--oxidis", required=True)
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    ap.add_argument("--job", choices=sorted(JOBS), default="bgsave",
                    help="the background job to start under load")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="smoke mode: 1 round, 100k keys")
    ap.add_argument("--keys", type=int, default=None, help="keys to load (default 1,000,000)")
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("--insert", action="store_true",
                    help="load key:NNNNNNNN (8 digits) so the SETs insert new keys instead of "
                         "overwriting the loaded ones")
    ap.add_argument("--poll-ms", type=float, default=10.0, help="INFO and memory polling interval")
    ap.add_argument("--out", default=None, help="also write the Markdown table here")
    a = ap.parse_args()
    os.sched_setaffinity(0, {1})  # this script and redis-cli --pipe stay off the servers' CPU
    rounds = 1 if a.quick else max(3, a.rounds)
    nkeys = a.keys or (100_000 if a.quick else 1_000_000)
    pipelines = [int(p) for p in a.pipelines.split(",")]
    job = JOBS[a.job]
    runs = collect(job, a.oxidis, a.redis, rounds, nkeys, pipelines, a.insert, a.poll_ms / 1000)
    table = render(job, f"bench/run --snapshot{' --quick' if a.quick else ''}"
                        f"{'' if a.job == 'bgsave' else ' --job ' + a.job}",
                   a.insert, runs, pipelines, rounds, nkeys)
    print(table)
    if a.out:
        with open(a.out, "w") as f:
            f.write(table + "\n")


METRICS = [
    # key in a run's result, row label ({cmd}, {noun}, {busy}, {done}, {cow} from the job), format
    ("stall_us", "main-thread stall at snapshot start (`latest_fork_usec`), µs", ".0f"),
    ("stall_min_us", "the same, lowest over the rounds, µs", ".0f"),
    ("bgsave_rtt_ms", "{cmd} round trip seen by a client under load, ms", ".2f"),
    ("p99", "SET p99 latency over the run, ms", ".3f"),
    ("max", "SET max latency over the run, ms", ".3f"),
    ("base_p99", "SET p99 latency, same load without a {noun}, ms", ".3f"),
    ("base_max", "SET max latency, same load without a {noun}, ms", ".3f"),
    ("p50", "SET p50 latency over the run, ms", ".3f"),
    ("rps", "SET throughput over the run, req/s", ".0f"),
    ("mem_before_mb", "memory before {cmd} (Pss), MiB", ".1f"),
    ("mem_peak_mb", "peak memory during the {noun} (Pss, server + child), MiB", ".1f"),
    ("cow_mb", "copied on write (`{cow}`), MiB", ".1f"),
    ("save_s", "time to {noun} ({cmd} to `{busy}:0`, polled), s", ".2f"),
    ("writer_s", "of which writing (log: started to `{done}`), s", ".2f"),
    ("run_saving", "share of the SET run spent in the {noun}", ".0%"),
    ("save_loaded", "share of the {noun} under the SET load", ".0%"),
]


def goal_of(key, ox, ratio):
    if key == "stall_us":
        return f"< 1000 µs: {'met' if ox < 1000 else 'missed'}"
    if key == "p99":
        return f"≤ 0.5x: {'met' if ratio <= 0.5 else 'missed'}"
    if key == "mem_peak_mb":
        return f"≤ 0.8x: {'met' if ratio <= 0.8 else 'missed'}"
    return ""


def render(job, how, insert, runs, pipelines, rounds, nkeys):
    lines = []
    keys = "`key:NNNNNNNN` (the SETs insert new keys)" if insert else \
        "`key:NNNNNNNNNNNN` (redis-benchmark's own key names, so the SETs overwrite them)"
    opts = " ".join(job.server_args)
    lines.append(
        f"Measured {datetime.date.today()} on a {os.cpu_count()}-core machine (shared, noisy): "
        f"`{how}` ({rounds} round(s) after a calibration run; "
        f"servers on CPU 0{' with `' + opts + '`' if opts else ''}, "
        f"redis-benchmark `-t set -c 50 -r {nkeys} -d 16` on CPU 1). "
        f"{nkeys:,} keys {keys} with 16-byte values loaded through `redis-cli --pipe`; "
        f"{job.command} sent once a tenth of the SETs are done, the request count sized so the run "
        f"covers the {job.noun}. "
        "Medians over rounds; the ratio is the median of per-round oxidis/Redis ratios.")
    lines.append("")
    lines.append("| P | metric | oxidis | Redis | oxidis/Redis | goal |")
    lines.append("|---:|---|---:|---:|---:|---|")
    for p in pipelines:
        ox, rd = runs[("oxidis", p)], runs[("redis", p)]
        if not ox or not rd:
            lines.append(f"| {p} | all | failed | | | |")
            continue
        for runs_of in (ox, rd):
            low = min(x["stall_us"] for x in runs_of)
            for x in runs_of:
                x["stall_min_us"] = low
        for key, label, spec in METRICS:
            label = label.format(cmd=job.command, noun=job.noun, busy=job.busy[0],
                                 done=job.log_done, cow=job.cow)
            oxv = [x[key] for x in ox if x.get(key) is not None]
            rdv = [x[key] for x in rd if x.get(key) is not None]
            om = statistics.median(oxv) if oxv else None
            rm = statistics.median(rdv) if rdv else None
            rd_by_round = {y["round"]: y.get(key) for y in rd}
            pairs = [(x[key], rd_by_round[x["round"]]) for x in ox
                     if x.get(key) is not None and rd_by_round.get(x["round"])]
            ratio = statistics.median(x / y for x, y in pairs) if pairs else None
            show_ratio = key not in ("run_saving", "save_loaded")
            goal = goal_of(key, om, ratio) if om is not None and ratio is not None else ""
            lines.append(f"| {p} | {label} | {fmt(om, spec)} | {fmt(rm, spec)} | "
                         f"{fmt(ratio, '.2f') if show_ratio else ''} | {goal} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
