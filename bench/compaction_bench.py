"""The end of a full build: compacting the new store and the checks, one after the other
or side by side.

Usage:

    python bench/compaction_bench.py STORE [--runs 2] [--checks data]

``STORE`` is a store built by ``kg build``. Its quads are exported once
(``kg export --format nquads``) and loaded, the way ``kg build`` loads them
(``LOAD_BATCH_BYTES`` batches), into an uncompacted store under a temporary
directory. Each run is a fresh process over a copy of that store:

* ``after``: ``Store.optimize()``, then the checks (``kg.checks.run.run_checks``)
  and the count of each graph, one after the other (kg before 2026-11-30);
* ``beside``: the checks and the counts while ``optimize()`` runs on a second
  thread, as ``kg build`` does now (:meth:`kg.store.disk.BuildSink.finish`).

The modes alternate; the median of each and their ratio are printed. Needs disk space
for two copies of the store.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from store_floor_bench import kg, load_avg, run  # bench/ is the script's directory

LOAD = r"""
import sys
import pyoxigraph as ox
from kg.store.disk import LOAD_BATCH_BYTES
store = ox.Store(sys.argv[2])
with open(sys.argv[1], "rb") as f:
    while True:
        data = f.read(LOAD_BATCH_BYTES)
        if not data:
            break
        data += f.readline()
        store.bulk_load(data, format=ox.RdfFormat.N_QUADS, lenient=True)
store.flush()
"""

RUN = r"""
import json, sys, threading, time
import pyoxigraph as ox
from kg.build import load_ontology
from kg.checks.run import run_checks
from kg.store.disk import graph_counts
mode, path, checks = sys.argv[1:4]
ontology = load_ontology()
store = ox.Store(path)
t0 = time.perf_counter()
if mode == "after":
    store.optimize()
    found = run_checks(store, ontology, checks=checks, size=10**9)
    graph_counts(store)
else:
    thread = threading.Thread(target=store.optimize)
    thread.start()
    found = run_checks(store, ontology, checks=checks, size=10**9)
    graph_counts(store)
    thread.join()
print(json.dumps({"seconds": time.perf_counter() - t0, "violations": len(found)}))
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--checks", choices=("data", "all"), default="data")
    args = ap.parse_args(argv)
    print(f"load average before: {load_avg()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="kg-compaction-bench-") as tmp:
        quads, base, work = Path(tmp) / "store.nq", Path(tmp) / "base", Path(tmp) / "work"
        kg("export", "--store", str(args.store), "--format", "nquads", "-o", str(quads))
        run([sys.executable, "-c", LOAD, str(quads), str(base)])
        quads.unlink()
        times: dict[str, list[float]] = {"after": [], "beside": []}
        for i in range(args.runs):
            for mode in times:
                shutil.rmtree(work, ignore_errors=True)
                shutil.copytree(base, work)
                r = json.loads(run([sys.executable, "-c", RUN, mode, str(work), args.checks]))
                times[mode].append(r["seconds"])
                print(f"run {i + 1} {mode}: {r['seconds']:.1f} s "
                      f"({r['violations']} violations)", flush=True)
    print(f"load average after: {load_avg()}")
    after, beside = (statistics.median(times[m]) for m in ("after", "beside"))
    print(f"median: after {after:.1f} s, beside {beside:.1f} s ({beside / after:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
