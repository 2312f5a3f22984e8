#!/usr/bin/env python3
"""Ingestion benchmark: POST /v1/events through wrk against a real `recogrid serve`, fsync on and off, and the
HTTP-only ceiling (/v1/events:validate), alternating per round; prints each run and the medians.

Usage: python3 loadtest/bench/ingestion.py [--rounds 3] [--seconds 20] [--connections 64] [--batch 100]
Needs wrk (apt-get install wrk) and a Release build (dotnet build src/RecoGrid.Cli -c Release).
Run it on a quiet machine: it prints the load average before and after.
"""
import argparse, json, os, re, statistics, subprocess, sys, tempfile

import benchlib
from benchlib import cpu_seconds

from benchlib import DLL, ROOT
LUA = os.path.join(ROOT, "loadtest/wrk/events.lua")


class Node(benchlib.Node):
    def __init__(self, settings):
        env = {"RECOGRID__Api__MaxEventBatchSize": "1000"}
        for k, v in settings.items():
            env["RECOGRID__" + k.replace(":", "__")] = v
        super().__init__(DLL, tempfile.mkdtemp(prefix="recogrid-ingest-", dir=os.environ.get("BENCH_DIR")), env, ready_within=60)
        self.key = open(os.path.join(self.dir, "admin.key")).read().strip()


def wrk(node, target, seconds, connections, batch, seed):
    env = dict(os.environ, USERS="1000000", BATCH=str(batch), TARGET=target, API_KEY=node.key, SEED=str(seed))
    before = cpu_seconds(node.proc.pid)
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", LUA, f"http://127.0.0.1:{node.port}"],
                         env=env, capture_output=True, text=True, check=True).stdout
    cpu = cpu_seconds(node.proc.pid) - before
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    def pct(p):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        v = float(m.group(1))
        return v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"events_per_s": rps * batch, "requests_per_s": rps, "p50_ms": pct(50), "p99_ms": pct(99),
            "server_cpu_us_per_event": cpu / max(1, total * batch) * 1e6, "non2xx": int(non2xx.group(1)) if non2xx else 0}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--json")
    a = ap.parse_args()
    benchlib.require_wrk_and_build()
    load_before = open("/proc/loadavg").read().strip()
    configs = [("events, fsync on", {}, "/v1/events"),
               ("events, fsync off", {"Storage:FlushToDisk": "false"}, "/v1/events"),
               ("validate only (HTTP ceiling)", {}, "/v1/events:validate")]
    results = {name: [] for name, _, _ in configs}
    for r in range(a.rounds):
        order = configs if r % 2 == 0 else list(reversed(configs))
        for name, settings, target in order:
            node = Node(settings)
            try:
                wrk(node, target, a.warmup, a.connections, a.batch, 100 + r)
                res = wrk(node, target, a.seconds, a.connections, a.batch, r)
            finally:
                node.close()
            results[name].append(res)
            print(f"round {r + 1} {name}: {res['events_per_s']:,.0f} events/s, p50 {res['p50_ms']:.1f} ms, p99 {res['p99_ms']:.1f} ms, "
                  f"{res['server_cpu_us_per_event']:.2f} µs server CPU/event, non-2xx {res['non2xx']}", flush=True)
    load_after = open("/proc/loadavg").read().strip()
    print(f"\nload average before: {load_before}; after: {load_after}")
    print(f"{a.connections} connections, {a.batch} events per request, 1,000,000 Zipf users, {a.seconds} s per run, medians of {a.rounds}:")
    for name, runs in results.items():
        med = {k: statistics.median(x[k] for x in runs) for k in runs[0]}
        print(f"  {name}: {med['events_per_s']:,.0f} events/s, p50 {med['p50_ms']:.1f} ms, p99 {med['p99_ms']:.1f} ms, {med['server_cpu_us_per_event']:.2f} µs CPU/event")
    if a.json:
        json.dump({"load_before": load_before, "load_after": load_after, "results": results}, open(a.json, "w"), indent=2)


if __name__ == "__main__":
    main()
