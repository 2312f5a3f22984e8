#!/usr/bin/env python3
"""
Recall@count of two-stage retrieval against exact scoring over HTTP, for the same users of a node's promoted model.

Starts `recogrid serve` on an existing data folder (kept: this script never deletes it), or measures a node that is
already running (--url). For each sampled user it asks for `count` recommendations twice, with `retrieval=exact` and
`retrieval=ann`, and reports the mean, p10 and minimum share of the exact list that the two-stage list returns, plus
the latency of each path. A node it starts has cold-start blending and exploration switched off, so both lists are
model-ranked only, and runs with Auth:Mode=none (loopback only). On a node given by --url, set
Recommendations:ColdStartEvents=0 and Recommendations:ExplorationShare=0 yourself.

  python3 loadtest/bench/retrieval-recall.py --data-dir dd10m --users 200 --count 100
"""
import argparse, concurrent.futures, json, os, statistics, sys, time, urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from benchlib import DLL, Node, require_build  # noqa: E402


def recommend(base, user, count, path, api_key):
    url = f"{base}/v1/users/{user}/recommendations?count={count}&retrieval={path}&excludeSeen=false"
    request = urllib.request.Request(url, headers={"X-Api-Key": api_key} if api_key else {})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        body = json.load(response)
    elapsed = time.perf_counter() - started
    if body.get("source") != "model":
        raise SystemExit(f"{user}: source was {body.get('source')!r}, not the model; is a model promoted and does the user have a vector?")
    if body.get("retrieval") != path:
        raise SystemExit(f"{user}: asked for retrieval={path}, the node answered {body.get('retrieval')!r}")
    return [item["itemId"] for item in body["items"]], elapsed


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--data-dir", help="data folder of a node with a promoted model (started here, then stopped; never deleted)")
    where.add_argument("--url", help="base URL of a running node instead")
    parser.add_argument("--api-key", default="", help="X-Api-Key for a node with authentication")
    parser.add_argument("--users", type=int, default=200, help="users sampled (default 200)")
    parser.add_argument("--user-prefix", default="user-", help="user ids are PREFIX0, PREFIX1, … (default user-, as `recogrid generate --artifact` writes them)")
    parser.add_argument("--user-count", type=int, default=100_000, help="users in the model; the sample is spread evenly over them")
    parser.add_argument("--count", type=int, default=100, help="recommendations per request; recall is measured at this count")
    parser.add_argument("--concurrency", type=int, default=2, help="requests in flight (default 2: exact scoring of a large catalogue is slow)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    node = None
    if args.data_dir:
        require_build()
        node = Node(DLL, os.path.abspath(args.data_dir), env={
            "RECOGRID__Recommendations__ColdStartEvents": "0",
            "RECOGRID__Recommendations__ExplorationShare": "0",
            "RECOGRID__Auth__Mode": "none",
        }, ready_within=600, keep=True)
        base = f"http://127.0.0.1:{node.port}"
    else:
        base = args.url.rstrip("/")

    step = max(1, args.user_count // args.users)
    users = [f"{args.user_prefix}{i * step}" for i in range(args.users)]
    load_start = open("/proc/loadavg").read().strip()
    try:
        def both(user):
            exact, exact_s = recommend(base, user, args.count, "exact", args.api_key)
            ann, ann_s = recommend(base, user, args.count, "ann", args.api_key)
            truth = set(exact)
            return (len(truth.intersection(ann)) / len(truth) if truth else 1.0), exact_s, ann_s

        # One request of each path first: it loads pages of the tables and the index that the rest then share.
        both(users[0])
        with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
            results = list(pool.map(both, users))
    finally:
        if node is not None:
            node.close()
    load_end = open("/proc/loadavg").read().strip()

    recalls = [r for r, _, _ in results]
    exact_ms = [e * 1000 for _, e, _ in results]
    ann_ms = [a * 1000 for _, _, a in results]
    report = {
        "users": len(users),
        "count": args.count,
        "recallMean": round(statistics.fmean(recalls), 4),
        "recallP10": round(percentile(recalls, 0.10), 4),
        "recallMin": round(min(recalls), 4),
        "exactMsMedian": round(statistics.median(exact_ms), 1),
        "annMsMedian": round(statistics.median(ann_ms), 1),
        "concurrency": args.concurrency,
        "loadAverageAtStart": load_start,
        "loadAverageAtEnd": load_end,
    }
    print(f"recall@{args.count} of retrieval=ann against retrieval=exact over HTTP, {len(users)} users: "
          f"mean {report['recallMean']:.4f}, p10 {report['recallP10']:.4f}, min {report['recallMin']:.4f}")
    print(f"median latency ({args.concurrency} in flight): exact {report['exactMsMedian']} ms, ann {report['annMsMedian']} ms")
    print(f"load average at start {load_start}, at end {load_end}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
