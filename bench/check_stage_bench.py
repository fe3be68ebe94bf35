"""The build's check stage over a built store: its time and the memory it adds.

Usage:

    python bench/check_stage_bench.py STORE [--runs 3] [--checks data] [--against SRC]

Each run is a fresh process that opens ``STORE`` (built by ``kg build``) read-only
and runs what ``kg build`` runs before it swaps a build in
(:func:`kg.checks.run.run_checks`: the compiled SHACL shapes and the voice guard,
side by side on ``CHECK_WORKERS`` threads). ``--checks data`` (the default) is what
``--checks auto`` picks above 20,000 triples; ``all`` adds the evidence-integrity
shapes. Reports the median wall time of the checks and the median of the memory
they add to the process (peak resident set size during the checks, less the
resident set size before them).

With ``--against SRC`` (a ``src`` directory of another kg, e.g. from ``git archive
COMMIT | tar -x -C /tmp/base``: the whole tree, for the ontology and queries ``src``
links to) the runs of both alternate over the same store,
and the ratios of the medians are reported. The machine is shared: quote medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import json, sys, threading, time
from pathlib import Path
from kg.build import load_ontology
from kg.checks.run import run_checks
from kg.store.disk import open_store

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096
store = open_store(Path(sys.argv[1]), check_fresh=False).oxigraph
ontology = load_ontology()
before = peak = rss()
done = threading.Event()
def watch():
    global peak
    while not done.wait(0.05):
        peak = max(peak, rss())
threading.Thread(target=watch, daemon=True).start()
t0 = time.perf_counter()
found = run_checks(store, ontology, checks=sys.argv[2], size=10**9)
seconds = time.perf_counter() - t0
done.set()
print(json.dumps({"seconds": seconds, "added": max(peak, rss()) - before,
                  "violations": len(found)}))
"""


def run_once(src: Path | None, store: Path, checks: str) -> dict:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    done = subprocess.run([sys.executable, "-c", CHILD, str(store), checks],
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"the checks failed ({src or 'this kg'}):\n{done.stderr}")
    return json.loads(done.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--checks", choices=("data", "all"), default="data")
    ap.add_argument("--against", type=Path, help="a src directory of another kg")
    args = ap.parse_args()
    sides = {"this kg": None} if args.against is None else {"this kg": None,
                                                            str(args.against): args.against}
    results: dict[str, list[dict]] = {name: [] for name in sides}
    for _ in range(args.runs):
        for name, src in sides.items():
            results[name].append(run_once(src, args.store, args.checks))
    medians = {}
    for name, runs in results.items():
        seconds = statistics.median(r["seconds"] for r in runs)
        added = statistics.median(r["added"] for r in runs)
        medians[name] = (seconds, added)
        print(f"{name}: checks {seconds:.1f} s (median of {len(runs)}), "
              f"{added / 2**20:.0f} MB added to the process, "
              f"{runs[0]['violations']} violations")
    if args.against is not None:
        (s1, m1), (s2, m2) = medians.values()
        print(f"ratio (this kg / other): time {s1 / s2:.2f}, memory added {m1 / m2:.2f}")


if __name__ == "__main__":
    main()
