"""Cold `kg explain` latency at several corpus sizes: the whole process, from
start to printed tree.

    python bench/explain_bench.py --sizes 1 100 1000 [--work /tmp/kg-explain-bench]
        [--runs 5] [--src /work/main/src]

For each size N it generates a corpus of N articles (bench/generate_corpus.py,
seed 0) and builds it (``kg build``) under ``--work``, unless already there,
then times a cold ``kg explain`` (a fresh Python process each run, output
discarded) of three things: an inferred triple (the first of kgg:inferred whose
derivation uses a property chain, prp-spo2, or else the first), an asserted
triple, and a resource (every triple it is the subject of). ``--src`` runs
another checkout's code (``PYTHONPATH``), builds included: give it its own
``--work`` (a store is stale for another version of kg). The target is
0.5 s or less at 1,000 articles.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ENTRY = "import sys; from kg.cli import main; sys.argv[0] = 'kg'; main()"

_FIRST = """SELECT ?s ?p ?o WHERE {{ GRAPH <https://w3id.org/kg/graph/{graph}> {{
  ?s ?p ?o FILTER(isIRI(?s) && isIRI(?o) && ?p != <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>)
}} }} ORDER BY ?s ?p ?o LIMIT 1"""


def ensure_store(n: int, work: Path, env: dict) -> Path:
    corpus, store = work / f"corpus-{n}", work / f"store-{n}"
    if not corpus.is_dir():
        subprocess.run([sys.executable, str(HERE / "generate_corpus.py"), str(n), str(corpus)],
                       check=True, stdout=subprocess.DEVNULL)
    if not (store / "current").exists():
        subprocess.run([sys.executable, "-c", ENTRY, "build", "--seeds", str(corpus),
                        "--store", str(store)], check=True, stdout=subprocess.DEVNULL, env=env)
    return store


def first(store: Path, graph: str) -> list[str]:
    import pyoxigraph as ox

    st = ox.Store.read_only(str(store / "current" / "oxigraph"))
    row = next(iter(st.query(_FIRST.format(graph=graph))))
    return [f"<{row[v].value}>" for v in ("s", "p", "o")]


def cold(args: list[str], runs: int, env: dict) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", ENTRY, *args], check=True,
                       stdout=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 100, 1000])
    ap.add_argument("--work", type=Path, default=Path("/tmp/kg-explain-bench"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--src", type=Path, default=None,
                    help="run the code of this source tree (PYTHONPATH) instead")
    args = ap.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if args.src:
        env["PYTHONPATH"] = str(args.src)
    args.work.mkdir(parents=True, exist_ok=True)
    print("| articles | what | median s | min s | max s |")
    print("|---:|---|---:|---:|---:|")
    for n in args.sizes:
        store = ensure_store(n, args.work, env)
        cases = {"inferred triple": first(store, "inferred"),
                 "asserted triple": first(store, "asserted"),
                 "resource": first(store, "asserted")[:1]}
        for what, terms in cases.items():
            cold(["explain", "--store", str(store), *terms], 1, env)  # warm the caches
            ts = cold(["explain", "--store", str(store), *terms], args.runs, env)
            print(f"| {n} | {what} | {statistics.median(ts):.2f} | {min(ts):.2f} "
                  f"| {max(ts):.2f} |", flush=True)


if __name__ == "__main__":
    main()
