#!/usr/bin/env python3
"""Model-path benchmark: GET /v1/users/{id}/recommendations through wrk against a real `recogrid serve` with a trained,
promoted model, every request for a trained user (the model path, never popularity), and in the same run the raw
ONNX Runtime ceiling of the same catalogue shape (`recogrid bench scoring` at one batch size). Prints per run and as
medians: recommendations/s, the ratio end-to-end / raw, p50/p99, server CPU µs per request (/proc/<pid>/stat) and
bytes allocated per request (the node's /metrics: the .NET runtime's total allocated bytes), and the load average.

Setup (once per run, or reused with --model): `recogrid generate` (--users × --items, --interactions), `recogrid
train` (--factors), then per node start a fresh data folder with the artifact registered and promoted
(`recogrid models add --promote --no-ann`: this catalogue size is ranked exactly, like the raw ceiling).

A/B of a lever: each --variant NAME [KEY=VALUE ...] is a node configuration, run alternately per round. KEY is an
environment variable of the server process (e.g. DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0), a setting written
Section:Key=VALUE (becomes RECOGRID__Section__Key), or DLL=PATH to serve with another build of recogrid.dll (e.g. a
worktree of an older commit). Without --variant one configuration, "default", runs. --env KEY=VALUE applies to all.

Usage: python3 loadtest/bench/model-path.py [--users 100000] [--items 20108] [--factors 64] [--connections 64]
         [--seconds 20] [--rounds 3] [--batch 64] [--variant NAME KEY=VALUE ...] [--json out.json]
Small check: python3 loadtest/bench/model-path.py --users 2000 --items 1000 --factors 16 --seconds 4 --warmup 6 --rounds 1 --raw-seconds 1 --connections 16
Needs wrk (apt-get install wrk) and a Release build (dotnet build src/RecoGrid.Cli -c Release).
Run it on a quiet machine: it prints the load average before and after.
"""
import argparse, json, os, re, shutil, statistics, subprocess, sys, tempfile, urllib.request

import benchlib
from benchlib import cpu_seconds

from benchlib import DLL, ROOT
LUA = os.path.join(ROOT, "loadtest/wrk/recommendations.lua")
# The .NET runtime's count of bytes allocated on the managed heap, as OpenTelemetry's Prometheus exporter names it
# (System.Runtime meter on .NET 9+, or the older OpenTelemetry runtime instrumentation).
ALLOCATED = re.compile(r"^(dotnet_gc_heap_total_allocated_bytes(?:_total)?|process_runtime_dotnet_gc_allocations_size_bytes(?:_total)?)(?:\{[^}]*\})?\s+([0-9.eE+]+)", re.M)


def recogrid(dll, *args, quiet=True):
    print("  recogrid " + " ".join(args), file=sys.stderr, flush=True)
    subprocess.run(["dotnet", dll, *args], check=True, stdout=subprocess.DEVNULL if quiet else None)


def prepare(a, work):
    """Generates interactions and trains a model; returns the artifact folder."""
    if a.model:
        return a.model
    csv = os.path.join(work, "interactions.csv")
    artifact = os.path.join(work, "artifact")
    recogrid(DLL, "generate", "--out", csv, "--users", str(a.users), "--items", str(a.items),
             "--interactions", str(a.interactions or a.users * 20), "--seed", str(a.seed))
    recogrid(DLL, "train", "--input", csv, "--out", artifact, "--factors", str(a.factors), "--no-loss", *a.train_arg)
    os.remove(csv)
    return artifact


def parse_pairs(pairs):
    env, dll = {}, DLL
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"'{pair}' is not KEY=VALUE")
        if key == "DLL":
            dll = os.path.abspath(value)
        elif ":" in key:
            env["RECOGRID__" + key.replace(":", "__")] = value
        else:
            env[key] = value
    return env, dll


class Node(benchlib.Node):
    def __init__(self, dll, artifact, extra_env, work):
        data_dir = tempfile.mkdtemp(prefix="node-", dir=work)
        recogrid(dll, "models", "add", artifact, "--promote", "--no-ann", "--data-dir", data_dir)
        super().__init__(dll, data_dir, {"RECOGRID__Auth__Mode": "none", **extra_env})

    def allocated_bytes(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=10) as r:
            text = r.read().decode()
        m = ALLOCATED.search(text)
        return float(m.group(2)) if m else None

    def check_model_path(self, user_id):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/v1/users/{urllib.request.quote(user_id, safe='')}/recommendations", timeout=30) as r:
            body = json.load(r)
        if body.get("source") != "model":
            raise SystemExit(f"user {user_id} was answered by '{body.get('source')}', not the model: the run would not measure the model path")

def wrk(node, ids_file, seconds, connections, threads, seed, order="random"):
    env = dict(os.environ, USER_IDS=ids_file, SEED=str(seed), ORDER=order)
    before_cpu, before_alloc = cpu_seconds(node.proc.pid), node.allocated_bytes()
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", LUA, f"http://127.0.0.1:{node.port}"],
                         env=env, capture_output=True, text=True, check=True).stdout
    cpu = cpu_seconds(node.proc.pid) - before_cpu
    after_alloc = node.allocated_bytes()
    summary = json.loads(out.strip().splitlines()[-1])
    total = max(1, summary["requests"])
    alloc = (after_alloc - before_alloc) / total if before_alloc is not None and after_alloc is not None else None
    return {"requests": summary["requests"], "requests_per_s": summary["requests_per_s"], "p50_ms": summary["p50_ms"], "p99_ms": summary["p99_ms"],
            "non2xx": summary["non2xx"], "server_cpu_us_per_request": cpu / total * 1e6, "allocated_bytes_per_request": alloc}


def raw_ceiling(dll, a, work):
    out = os.path.join(work, "bench-scoring.json")
    recogrid(dll, "bench", "scoring", "--items", str(a.items), "--factors", str(a.factors), "--batch-sizes", str(a.batch),
             "--duration", str(a.raw_seconds), "--concurrency", str(a.batch), "--json", out)
    point = json.load(open(out))["batchSizes"][0]
    return {"raw_users_per_s": point["rawOnnxRuntime"]["requestsPerSecond"], "batcher_users_per_s": point["service"]["requestsPerSecond"]}


def fmt(res):
    alloc = res["allocated_bytes_per_request"]
    return (f"{res['requests_per_s']:,.0f} recs/s ({res['ratio']:.2f} of raw {res['raw_users_per_s']:,.0f}), p50 {res['p50_ms']:.2f} ms, "
            f"p99 {res['p99_ms']:.2f} ms, {res['server_cpu_us_per_request']:.1f} µs CPU/req, "
            + (f"{alloc:,.0f} B allocated/req" if alloc is not None else "allocated bytes not exposed") + f", non-2xx {res['non2xx']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--items", type=int, default=20_108, help="items generated; with --model, give the model's item count (the raw ceiling's catalogue)")
    ap.add_argument("--interactions", type=int, help="generated interactions (default: 20 per user)")
    ap.add_argument("--factors", type=int, default=64, help="factors trained; with --model, give the model's")
    ap.add_argument("--train-arg", action="append", default=[], help="extra `recogrid train` argument (repeat), e.g. --train-arg=--iterations --train-arg=5")
    ap.add_argument("--model", help="reuse a trained artifact folder instead of generating and training")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--connections", default="64", help="comma-separated wrk connection counts")
    ap.add_argument("--wrk-threads", type=int, default=1)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=15, help="seconds of warm-up per node; it should reach every trained user once (a warning says when not)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--batch", type=int, default=64, help="batch size of the raw ONNX Runtime ceiling")
    ap.add_argument("--raw-seconds", type=float, default=5)
    ap.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="server environment or Section:Key setting for every variant")
    ap.add_argument("--variant", action="append", nargs="+", metavar=("NAME", "KEY=VALUE"), help="a node configuration to A/B (repeat)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (artifact) and print its path")
    ap.add_argument("--json")
    a = ap.parse_args()
    benchlib.require_wrk_and_build()
    common_env, _ = parse_pairs(a.env)
    variants = []
    for spec in a.variant or [["default"]]:
        env, dll = parse_pairs(spec[1:])
        if not os.path.exists(dll):
            raise SystemExit(f"{dll} (variant {spec[0]}) is missing")
        variants.append((spec[0], {**common_env, **env}, dll))
    connections = [int(c) for c in a.connections.split(",")]

    load_before = open("/proc/loadavg").read().strip()
    work = tempfile.mkdtemp(prefix="recogrid-model-path-", dir=os.environ.get("BENCH_DIR"))
    results = {(name, c): [] for name, _, _ in variants for c in connections}
    users = 0
    try:
        print("preparing the model", file=sys.stderr, flush=True)
        artifact = prepare(a, work)
        ids_file = os.path.join(artifact, "user_ids.txt")
        ids = [line.strip() for line in open(ids_file) if line.strip()]
        first_user, users = ids[0], len(ids)
        for r in range(a.rounds):
            order = variants if r % 2 == 0 else list(reversed(variants))
            for name, env, dll in order:
                node = Node(dll, artifact, env, work)
                try:
                    node.check_model_path(first_user)
                    for c in connections:
                        # Warm-up walks the ids in order: every user grain is active before the measured run
                        # (activations would otherwise be counted as model-path cost).
                        warm = wrk(node, ids_file, a.warmup, c, a.wrk_threads, 100 + r, order="sequential")
                        if warm["requests"] < users:
                            print(f"warning: the {a.warmup} s warm-up reached {warm['requests']:,} of {users:,} users; raise --warmup", file=sys.stderr, flush=True)
                        res = wrk(node, ids_file, a.seconds, c, a.wrk_threads, r)
                        res.update(raw_ceiling(dll, a, work))
                        res["ratio"] = res["requests_per_s"] / res["raw_users_per_s"]
                        results[(name, c)].append(res)
                        print(f"round {r + 1} {name}, c={c}: {fmt(res)}", flush=True)
                finally:
                    node.close()
    finally:
        if a.keep:
            print(f"work folder kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    load_after = open("/proc/loadavg").read().strip()
    print(f"\nload average before: {load_before}; after: {load_after}")
    print(f"{users:,} trained users × {a.items:,} items × {a.factors} factors, raw ceiling at batch {a.batch}, {a.seconds} s per run, medians of {a.rounds}:")
    for (name, c), runs in results.items():
        med = {k: statistics.median(x[k] for x in runs) if runs[0][k] is not None else None for k in runs[0]}
        print(f"  {name}, c={c}: {fmt(med)}")
    if a.json:
        json.dump({"load_before": load_before, "load_after": load_after, "settings": vars(a),
                   "results": [{"variant": n, "connections": c, "runs": runs} for (n, c), runs in results.items()]}, open(a.json, "w"), indent=2)


if __name__ == "__main__":
    main()
