"""Time and peak memory of ``kg export`` and ``kg push`` on a built store (issue 18).

    python bench/export_bench.py STORE [--format nquads] [--push] [--old]

Each measurement is a child process (wall time, and peak RSS from ``wait4``);
``kg export`` streams every format (N-Quads, N-Triples, Turtle, TriG, JSON-LD, RDF/XML):

* ``export``: ``kg export --format F -o OUT`` (the streamed, bounded-memory path);
* ``export-old`` (``--old``): the in-memory path, :func:`kg.interop.export.export_bytes`
  then :func:`kg.interop.export.write_atomically`, as ``kg export`` did before; the two
  outputs are compared byte for byte;
* ``push`` (``--push``): ``kg push`` of every graph to a local ``oxigraph serve``
  (the ``oxigraph`` binary of the test extra, on 127.0.0.1 at a free port, data in
  a temporary directory), with its count check; the server's own memory is not
  counted.

Prints one JSON object per measurement. Build a store with
``python bench/generate_corpus.py 1000 /tmp/c1k && kg build --seeds /tmp/c1k --store /tmp/s1k``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

OLD = """
import sys
from pathlib import Path
from kg import namespaces as ns
from kg.interop.export import export_bytes, write_atomically
from kg.store.disk import open_store
store = open_store(Path(sys.argv[1])).oxigraph
write_atomically(Path(sys.argv[3]), export_bytes(store, sys.argv[2], list(ns.GRAPH_NAMES)),
                 sys.argv[2])
"""


def measure(name: str, argv: list[str], **extra) -> dict:
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - t0
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    row = {"what": name, "seconds": round(seconds, 2),
           "peak_mb": round(usage.ru_maxrss / 1024, 1),
           "status": os.waitstatus_to_exitcode(status), "load": os.getloadavg()[0], **extra}
    if row["status"]:
        row["stderr"] = err.strip().splitlines()[-2:] if err else []
    print(json.dumps(row), flush=True)
    return row


def _same(a: Path, b: Path) -> bool | None:
    """Whether the two files hold the same bytes (None: one is missing), a block at a time."""
    if not (a.exists() and b.exists()) or a.stat().st_size != b.stat().st_size:
        return None if not (a.exists() and b.exists()) else False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(1 << 20), fb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


def kg_command() -> list[str]:
    beside = Path(sys.executable).parent / "kg"
    return [str(beside)] if beside.is_file() else [sys.executable, "-m", "kg.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_server(location: Path) -> tuple[subprocess.Popen, str]:
    binary = Path(sys.executable).parent / "oxigraph"
    binary = str(binary) if binary.is_file() else shutil.which("oxigraph")
    if not binary:
        raise SystemExit("the oxigraph binary is missing: pip install -e '.[test]'")
    port = free_port()
    proc = subprocess.Popen([binary, "serve", "--location", str(location), "--bind",
                             f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2).read()
            return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("oxigraph serve did not start")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--format", default="nquads")
    ap.add_argument("--old", action="store_true", help="also the in-memory export")
    ap.add_argument("--push", action="store_true", help="also kg push to oxigraph serve")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kg-export-bench-") as tmp:
        out = Path(tmp) / f"new.{args.format}"
        row = measure("export", [*kg_command(), "export", "--store", str(args.store),
                                 "--format", args.format, "-o", str(out)], format=args.format)
        if out.exists():
            print(json.dumps({"what": "export", "bytes": out.stat().st_size}), flush=True)
        del row
        if args.old:
            old = Path(tmp) / f"old.{args.format}"
            measure("export-old", [sys.executable, "-c", OLD, str(args.store), args.format,
                                   str(old)], format=args.format)
            print(json.dumps({"what": "export-old", "identical": _same(old, out)}), flush=True)
        out.unlink(missing_ok=True)
        if args.push:
            server, url = oxigraph_server(Path(tmp) / "oxigraph")
            try:
                measure("push", [*kg_command(), "push", "--store", str(args.store),
                                 "--endpoint", url, "--timeout", "600"])
            finally:
                server.terminate()
                server.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
