"""Time and peak memory of ``kg push`` of a built store to a local Oxigraph server (issue 18).

    python bench/push_bench.py STORE [STORE ...] [--no-atomic] [--out bench/results/push.md]

For each store: a fresh ``oxigraph serve`` (the ``oxigraph`` binary of the test
extra, on 127.0.0.1 at a free port, its data in a temporary directory), then
a push of every graph as a child process (:func:`kg.api.push`, what ``kg push``
runs): wall time, the time when the last upload request was answered (the rest
is the server's replacement of the graphs and the counts), the child's peak
RSS and the server's (both from ``wait4``), the quads pushed, the requests
made, and whether the count check passed. ``--no-atomic`` pushes as
``kg push --no-atomic`` does (the targets dropped, the bodies uploaded straight
into them; no swap). Prints one JSON object
per store and, with ``--out``, writes a Markdown table (one row per store),
with the load average before and after each run. ``--walk-only``: no server,
only one walk over each store making every request body (the work a push
does twice on kg's side), with its time and peak RSS.

Build the stores with ``python bench/generate_corpus.py N /tmp/cN`` and
``kg build --seeds /tmp/cN --store /tmp/sN``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from export_bench import oxigraph_server  # noqa: E402


def articles(store: Path) -> int | None:
    """How many articles the store was built from (its manifest's inputs)."""
    try:
        manifest = json.loads((store / "current" / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return sum(1 for name in manifest.get("inputs", {}) if name.endswith(".txt"))


CHILD = """
import json, sys, time
from pathlib import Path
from kg.api import push
t0 = time.monotonic()
marks = {}
def progress(done, total):
    marks["upload_s"] = time.monotonic() - t0
report = push(Path(sys.argv[1]), sys.argv[2], timeout=float(sys.argv[3]), progress=progress,
              atomic=sys.argv[4] == "atomic")
print(json.dumps({"quads": report.triples, "requests": report.requests,
                  "method": report.method, "upload_s": round(marks.get("upload_s", 0), 1),
                  "count_check": report.held == report.sent}))
"""


WALK = """
import json, sys, time
from pathlib import Path
from kg import namespaces as ns
from kg.interop.endpoint import DEFAULT_MAX_BODY
from kg.interop.remote.upload import bodies, store_targets
from kg.store.disk import open_store
store = open_store(Path(sys.argv[1])).oxigraph
t0 = time.monotonic()
counts = {}
n = sum(1 for _ in bodies(store_targets(store, [ns.graph_iri(g) for g in ns.GRAPH_NAMES]),
                          DEFAULT_MAX_BODY, counts=counts))
print(json.dumps({"quads": sum(counts.values()), "requests": n,
                  "walk_s": round(time.monotonic() - t0, 1)}))
"""


def walk_row(store: Path) -> dict:
    """One walk over ``store`` making every request body of a push (what a push does
    twice), without a server: its time and the child's peak RSS."""
    proc = subprocess.Popen([sys.executable, "-c", WALK, str(store)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    said = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    row = {"store": str(store), "articles": articles(store), "what": "walk",
           "peak_mb": round(usage.ru_maxrss / 1024, 1),
           "status": os.waitstatus_to_exitcode(status)}
    if row["status"] == 0:
        row.update(json.loads(said))
    return row


def push_row(store: Path, timeout: float, atomic: bool = True) -> dict:
    """One push of ``store`` to a fresh local server, measured (a child process running
    :func:`kg.api.push`, what ``kg push`` runs, timing the last upload request too)."""
    with tempfile.TemporaryDirectory(prefix="kg-push-bench-") as tmp:
        server, url = oxigraph_server(Path(tmp) / "oxigraph")
        out, err = Path(tmp) / "out", Path(tmp) / "err"
        try:
            load_before = os.getloadavg()[0]
            t0 = time.monotonic()
            with out.open("wb") as o, err.open("wb") as e:
                proc = subprocess.Popen([sys.executable, "-c", CHILD, str(store), url,
                                         str(timeout), "atomic" if atomic else "direct"],
                                        stdout=o, stderr=e)
                _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.monotonic() - t0
            load_after = os.getloadavg()[0]
        finally:
            server.terminate()
            _, _, server_usage = os.wait4(server.pid, 0)
            server.returncode = 0  # reaped here
        said, complaint = out.read_text(errors="replace"), err.read_text(errors="replace")
    row = {"store": str(store), "articles": articles(store),
           "mode": "atomic" if atomic else "no-atomic", "seconds": round(seconds, 1),
           "peak_mb": round(usage.ru_maxrss / 1024, 1),
           "server_peak_mb": round(server_usage.ru_maxrss / 1024, 1),
           "status": os.waitstatus_to_exitcode(status),
           "load": [round(load_before, 2), round(load_after, 2)]}
    if row["status"] == 0:
        row.update(json.loads(said))
    else:
        row["stderr"] = complaint.strip().splitlines()[-1:]
    return row


def table(rows: list[dict]) -> str:
    lines = ["| articles | mode | quads pushed | requests | time (s) | of which upload (s) | "
             "kg peak RSS (MB) | server peak RSS (MB) | exit | count check | "
             "load before / after |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for r in rows:
        lines.append(f"| {r['articles']} | {r['mode']} | {r.get('quads')} | "
                     f"{r.get('requests')} | {r['seconds']} | {r.get('upload_s')} | "
                     f"{r['peak_mb']} | {r['server_peak_mb']} | {r['status']} | "
                     f"{r.get('count_check')} | {r['load'][0]} / {r['load'][1]} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("stores", type=Path, nargs="+")
    ap.add_argument("--timeout", type=float, default=600.0, help="kg push --timeout")
    ap.add_argument("--out", type=Path, help="write a Markdown table here")
    ap.add_argument("--no-atomic", action="store_true",
                    help="push as kg push --no-atomic (no swap on the server)")
    ap.add_argument("--walk-only", action="store_true",
                    help="no server: only walk each store making the request bodies")
    args = ap.parse_args(argv)
    rows = []
    for store in args.stores:
        if args.walk_only:
            print(json.dumps(walk_row(store)), flush=True)
            continue
        row = push_row(store, args.timeout, atomic=not args.no_atomic)
        print(json.dumps(row), flush=True)
        rows.append(row)
    if args.out:
        args.out.write_text(table(rows), encoding="utf-8")
    return 0 if all(r["status"] == 0 for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
