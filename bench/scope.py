#!/usr/bin/env python3
"""
scope.py - what store scope costs at the door: the same lookups (last four
digits, a 2-character name, a card) as an unscoped admin, a region-bound
manager and a store-bound waiter, on a big demo database.

    bench/scope.py --laoke build/laoke --db /path/big.db [--n 300]

Makes the three accounts if they are missing (CLI), starts `laoke serve` on
a free port, runs each lookup n times per account on one keep-alive
connection, prints p50/p99 in ms and the mean result count, stops the server.
"""
import argparse
import http.client
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse

PASSWORD = "s3cret-pass-long"
ACCOUNTS = (("bench_admin", "admin", []), ("bench_region", "manager", ["--region", None]),
            ("bench_store", "waiter", ["--store", None]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--laoke", required=True)
    ap.add_argument("--db", required=True, help="a SQLite file made by `laoke demo`")
    ap.add_argument("--n", type=int, default=300)
    a = ap.parse_args()
    url = "sqlite:" + a.db
    subprocess.run([a.laoke, "migrate", "--db", url], check=True, capture_output=True)
    con = sqlite3.connect(a.db)
    code, region = con.execute("SELECT code, region FROM stores ORDER BY id LIMIT 1").fetchone()
    names = [r[0][1:3] for r in con.execute(
        "SELECT name FROM customers WHERE length(name) >= 3 ORDER BY random() LIMIT 200")]
    con.close()
    have = subprocess.run([a.laoke, "user", "list", "--db", url], capture_output=True,
                          text=True).stdout
    for name, role, extra in ACCOUNTS:
        if name in have:
            continue
        extra = [x if x is not None else (region if extra[0] == "--region" else code)
                 for x in extra]
        subprocess.run([a.laoke, "user", "add", name, "--role", role, "--password-stdin",
                        "--db", url] + extra, input=PASSWORD + "\n", text=True, check=True,
                       capture_output=True)
    tmp = tempfile.mkdtemp(prefix="laoke-scope-")
    port_file = os.path.join(tmp, "port")
    srv = subprocess.Popen([a.laoke, "serve", "--db", url, "--listen", "127.0.0.1:0",
                            "--port-file", port_file, "--threads", "2"],
                           stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.05)
        port = int(open(port_file).read())
        print("# %s: store %s, region %s, n=%d per lookup" % (a.db, code, region, a.n))
        print("%-14s %-22s %8s %8s %8s" % ("account", "lookup", "p50 ms", "p99 ms", "results"))
        rnd = random.Random(7)
        tails = ["%04d" % rnd.randrange(10000) for _ in range(a.n)]
        for name, role, _ in ACCOUNTS:
            c = http.client.HTTPConnection("127.0.0.1", port)
            c.request("POST", "/api/v1/auth/login",
                      json.dumps({"username": name, "password": PASSWORD}),
                      {"Content-Type": "application/json"})
            tok = json.loads(c.getresponse().read())["token"]
            h = {"Authorization": "Bearer " + tok}
            found = []
            for label, paths in (
                    ("phone_tail", ["/api/v1/customers?phone_tail=" + t for t in tails]),
                    ("name (2 chars)", ["/api/v1/customers?q=" + urllib.parse.quote(n)
                                        for n in (names * (a.n // len(names) + 1))[:a.n]]),
                    ("card", None)):
                if paths is None:
                    paths = ["/api/v1/customers/%d" % i for i in (found * a.n)[:a.n]]
                    if not paths:
                        continue
                times, counts = [], []
                for p in paths:
                    t0 = time.perf_counter()
                    c.request("GET", p, headers=h)
                    body = c.getresponse().read()
                    times.append((time.perf_counter() - t0) * 1000)
                    j = json.loads(body)
                    items = j.get("items")
                    if items is not None:
                        counts.append(len(items))
                        if label == "phone_tail":
                            found += [x["id"] for x in items[:1]]
                times.sort()
                print("%-14s %-22s %8.2f %8.2f %8s" % (
                    "%s(%s)" % (role, name.split("_")[1]), label, times[len(times) // 2],
                    times[int(len(times) * 0.99) - 1],
                    "%.1f" % (sum(counts) / len(counts)) if counts else "-"))
            c.close()
    finally:
        srv.terminate()
        srv.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
