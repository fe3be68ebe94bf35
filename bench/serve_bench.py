"""`kg serve` under load: latency per route, cold (first request) and cached, and throughput.

Usage (on a built seed graph):

    kg build --store /tmp/kgbench
    python bench/serve_bench.py --store /tmp/kgbench [--clients 20] [--seconds 10]

Starts the application in this process on 127.0.0.1 (a free port), asks each
route once (the cold cost: a forked child renders the page), then runs
``--clients`` clients for ``--seconds`` seconds walking every route, and
prints the median and 95th percentile latency of each route, the requests
per second, and any request that failed. Pages are cached after their first
rendering; SPARQL answers never are, so each one forks a child.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from pathlib import Path

import httpx

from kg.web.app import create_app
from kg.web.server import running

HELD_IN = "SELECT ?place WHERE { kgr:istanbul-talks-2025 kg:heldIn ?place }"
ROUTES = [
    ("sparql select", "/sparql", {"query": HELD_IN}),
    ("sparql construct", "/sparql", {"query": "CONSTRUCT WHERE { kgr:russia ?p ?o }"}),
    ("index", "/", {}),
    ("query page", "/query/talks", {}),
    ("entity page", "/entity/russia", {}),
    ("graph svg", "/graph/russia.svg", {}),
    ("article reader", "/article/000_99214e3abbb71cf3", {}),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    with running(create_app(args.store)) as url:
        with httpx.Client(base_url=url, timeout=120) as c:
            print(f"{'route':18} {'cold ms':>8}")
            for name, path, params in ROUTES:
                t0 = time.perf_counter()
                r = c.get(path, params=params)
                print(f"{name:18} {(time.perf_counter() - t0) * 1000:8.0f}  "
                      f"({r.status_code}, {len(r.content):,} bytes)")
        times: dict[str, list[float]] = {name: [] for name, _, _ in ROUTES}
        failed: list[str] = []
        stop = time.monotonic() + args.seconds

        def client(n: int) -> None:
            with httpx.Client(base_url=url, timeout=120) as c:
                i = n
                while time.monotonic() < stop:
                    name, path, params = ROUTES[i % len(ROUTES)]
                    i += 1
                    t0 = time.perf_counter()
                    try:
                        r = c.get(path, params=params)
                        ok = r.status_code == 200
                    except httpx.HTTPError as e:
                        ok, r = False, e
                    times[name].append(time.perf_counter() - t0)
                    if not ok:
                        failed.append(f"{name}: {r}")

        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        spent = time.perf_counter() - t0
    total = sum(len(v) for v in times.values())
    print(f"\n{args.clients} clients, {spent:.1f} s: {total} requests, {total / spent:.1f}/s, "
          f"{len(failed)} failed")
    print(f"{'route':18} {'n':>6} {'median ms':>10} {'p95 ms':>8}")
    for name, values in times.items():
        if values:
            values.sort()
            p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
            print(f"{name:18} {len(values):6} {statistics.median(values) * 1000:10.0f} "
                  f"{p95 * 1000:8.0f}")
    for line in failed[:10]:
        print("FAILED", line)


if __name__ == "__main__":
    main()
