#!/usr/bin/env python3
"""Event -> recommendation freshness: how long after POST /v1/events starts a user's recommendations reflect the
event (the item is excluded as seen), on a real `recogrid serve`; at light load and while wrk sends events.

Usage: python3 loadtest/bench/freshness.py [--users 300] [--background-connections 16]
Each user first asks for recommendations (so its grain is active), then sends one event for the most popular item
and asks again until that item is gone; the time is from the start of the POST to the first answer that reflects it.
"""
import argparse, json, os, statistics, subprocess, sys, time, urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from ingestion import LUA, Node  # noqa: E402


def call(node, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{node.port}{path}", data=data, method=method,
                                 headers={"X-Api-Key": node.key, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"null")


def measure(node, users, tag):
    times = []
    for u in range(users):
        user = f"fresh-{tag}-{u}"
        first = call(node, "GET", f"/v1/users/{user}/recommendations?count=10")["items"]
        item = first[0]["itemId"]
        start = time.perf_counter()
        call(node, "POST", "/v1/events", {"events": [{"userId": user, "itemId": item, "type": "view"}]})
        while True:
            items = [i["itemId"] for i in call(node, "GET", f"/v1/users/{user}/recommendations?count=10")["items"]]
            if item not in items:
                break
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"p50_ms": statistics.median(times), "p99_ms": times[min(len(times) - 1, int(len(times) * 0.99))], "users": users}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=300)
    ap.add_argument("--background-connections", type=int, default=16)
    a = ap.parse_args()
    node = Node({})
    try:
        # Popularity to exclude from: some items seen by many users.
        call(node, "POST", "/v1/events", {"events": [{"userId": f"seed-{i}", "itemId": f"item-{i % 20}", "type": "purchase"} for i in range(500)]})
        time.sleep(6)  # popularity merge and refresh (2 s each by default)
        print("load average", open("/proc/loadavg").read().strip())
        light = measure(node, a.users, "light")
        print(f"light load: p50 {light['p50_ms']:.1f} ms, p99 {light['p99_ms']:.1f} ms over {light['users']} users", flush=True)
        env = dict(os.environ, USERS="1000000", BATCH="100", API_KEY=node.key)
        wrk = subprocess.Popen(["wrk", "-t1", f"-c{a.background_connections}", "-d600s", "-s", LUA, f"http://127.0.0.1:{node.port}"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(3)
            loaded = measure(node, a.users, "loaded")
        finally:
            wrk.terminate()
            wrk.wait()
        print(f"while wrk sends events ({a.background_connections} connections, 100 per request): p50 {loaded['p50_ms']:.1f} ms, p99 {loaded['p99_ms']:.1f} ms", flush=True)
        print("load average", open("/proc/loadavg").read().strip())
    finally:
        node.close()


if __name__ == "__main__":
    main()
