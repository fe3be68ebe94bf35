"""The store's floor: what Oxigraph alone takes to load and optimize a build's quads.

Usage:

    python bench/store_floor_bench.py STORE [--runs 3] [--naive] [--modes build path]

``STORE`` is a store built by ``kg build``. Its quads are exported once
(``kg export --format nquads``) to a temporary file: the very quads the build
wrote. Then each run is a fresh process that loads that file into a new
Oxigraph store and optimizes it, and nothing else (no reading, no mapping, no
reasoning, no checks):

* ``build``: the way ``kg build`` loads, ``Store.bulk_load`` of batches of
  ``kg.store.disk.LOAD_BATCH_BYTES`` (about 40 MB, what keeps the build's memory
  bounded), one after the other;
* ``path``: Oxigraph's own way, one ``Store.bulk_load(path=...)`` of the whole
  file (its loader's batches, two threads; its memory is not bounded by kg).

Both end with ``Store.optimize()``, as ``kg build`` does. Reported per mode: the
median load, optimize and total wall time, CPU time (every thread) and peak
resident set size. The modes alternate run by run.

With ``--naive``, the naive pipeline of ``run_bench.py`` (rdflib parse of the
ontology and of the asserted and background graphs as Turtle, then owlrl) runs
once per run as well, in the same run, and the budget of issue 18's target (the
naive pipeline's time / 10) is printed beside the store's floor.

A build cannot be faster than the store's floor under it: if the floor is above a
target, no change to kg's own code meets that target on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = r"""
import json, resource, shutil, sys, tempfile, threading, time
import pyoxigraph as ox
from kg.store.disk import LOAD_BATCH_BYTES

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096
peak = rss()
done = threading.Event()
def watch():
    global peak
    while not done.wait(0.05):
        peak = max(peak, rss())
threading.Thread(target=watch, daemon=True).start()
mode, source = sys.argv[1], sys.argv[2]
target = tempfile.mkdtemp(prefix="kg-floor-")
try:
    store = ox.Store(target)
    t0 = time.perf_counter()
    if mode == "path":
        store.bulk_load(path=source, format=ox.RdfFormat.N_QUADS, lenient=True)
    else:
        with open(source, "rb") as f:
            while True:
                data = f.read(LOAD_BATCH_BYTES)
                if not data:
                    break
                data += f.readline()  # whole lines only
                store.bulk_load(data, format=ox.RdfFormat.N_QUADS, lenient=True)
    t1 = time.perf_counter()
    store.optimize()
    t2 = time.perf_counter()
    quads = len(store)
    del store
finally:
    shutil.rmtree(target, ignore_errors=True)
done.set()
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"load": t1 - t0, "optimize": t2 - t1, "total": t2 - t0,
                  "cpu": ru.ru_utime + ru.ru_stime, "peak_mb": max(peak, rss()) / 2**20,
                  "quads": quads}))
"""


def run(cmd: list[str]) -> str:
    """A child process's output; the benchmark stops with its last error line if it fails.
    (Also used by compaction_bench.py.)"""
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        why = next((x for x in lines if x.startswith("Error: ")), lines[-1])  # kg's, or the last
        sys.exit(f"{Path(sys.argv[0]).stem}: {' '.join(cmd[:3])}... failed: {why}")
    return done.stdout


def kg(*args: str) -> None:
    """``kg ARGS`` in a child process (the kg this Python imports)."""
    run([sys.executable, "-m", "kg", *args])


def load_avg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--modes", nargs="+", choices=("build", "path"), default=["build", "path"])
    ap.add_argument("--naive", action="store_true",
                    help="run the naive pipeline in the same run (for the 10x budget)")
    args = ap.parse_args(argv)
    print(f"load average before: {load_avg()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="kg-floor-bench-") as tmp:
        quads = Path(tmp) / "store.nq"
        kg("export", "--store", str(args.store), "--format", "nquads", "-o", str(quads))
        ttl = Path(tmp) / "naive-data.ttl"
        if args.naive:
            kg("export", "--store", str(args.store), "--format", "turtle",
                "--graph", "asserted", "--graph", "background", "-o", str(ttl))
        results: dict[str, list[dict]] = {m: [] for m in args.modes}
        naive: list[float] = []
        for i in range(args.runs):
            for mode in args.modes:
                r = json.loads(run([sys.executable, "-c", CHILD, mode, str(quads)]))
                results[mode].append(r)
                print(f"run {i + 1} {mode}: load {r['load']:.1f} s, optimize "
                      f"{r['optimize']:.1f} s, total {r['total']:.1f} s, cpu {r['cpu']:.1f} s, "
                      f"peak {r['peak_mb']:.0f} MB ({r['quads']} quads)", flush=True)
            if args.naive:
                out = Path(tmp) / "naive.json"
                run([sys.executable, str(HERE / "run_bench.py"), "_naive", str(ttl),
                      "--out", str(out)])
                naive.append(json.loads(out.read_text())["total"])
                print(f"run {i + 1} naive: {naive[-1]:.1f} s", flush=True)
    print(f"load average after: {load_avg()}")
    print("\n| mode | load | optimize | total | cpu | peak |\n|---|---|---|---|---|---|")
    for mode, rs in results.items():
        med = {k: statistics.median(r[k] for r in rs)
               for k in ("load", "optimize", "total", "cpu", "peak_mb")}
        print(f"| {mode} | {med['load']:.1f} s | {med['optimize']:.1f} s | "
              f"{med['total']:.1f} s | {med['cpu']:.1f} s | {med['peak_mb']:,.0f} MB |")
    if naive:
        m = statistics.median(naive)
        print(f"\nnaive pipeline: {m:.1f} s (median of {len(naive)}); "
              f"10x budget: {m / 10:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
