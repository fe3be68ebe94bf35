"""SHACL data shapes: pySHACL (the reference) against the shapes compiled to SPARQL on Oxigraph.

Usage:

    python bench/shacl_bench.py                          # N = 10, 100, 1000
    python bench/shacl_bench.py --sizes 100 --runs 5 --pyshacl-max 10

For each N it generates a synthetic corpus (``bench/generate_corpus.py N``) and
builds it once without checks (``kg build --no-check --reasoner rules``), both
cached under ``--work`` (default ``bench/work/shacl``); then it opens the store
read-only and times

* the SPARQL engine: ``kg.checks.shacl_sparql.validate_store(store)`` over the build's
  five graphs (median of ``--runs``; compiling the shapes is timed apart, it
  happens once per process), plus the three slowest compiled queries of one run;
* pySHACL: ``kg.checks.validation.validate(data, ontology)`` with the same graphs
  loaded from the store into rdflib (only the ``validate`` call is timed; the
  load is reported apart), for N <= ``--pyshacl-max`` (default 100), ``--pyshacl-runs``
  runs (default 1: it takes minutes at N = 100).

Both engines must report the same violations (set of report lines); the script
says so, or prints the difference. The machine is shared: quote medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def ensure_store(n: int, work: Path) -> Path:
    corpus, store = work / f"c{n}", work / f"s{n}"
    if not corpus.is_dir():
        subprocess.run([sys.executable, str(BENCH / "generate_corpus.py"), str(n), str(corpus)],
                       check=True)
    if not (store / "current").exists():
        t0 = time.perf_counter()
        kg = Path(sys.executable).with_name("kg")
        subprocess.run([str(kg) if kg.exists() else "kg", "build", "--seeds", str(corpus),
                        "--store", str(store), "--no-check", "--reasoner", "rules"], check=True)
        print(f"  built N={n} in {time.perf_counter() - t0:.1f} s", flush=True)
    return store


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def bench_sparql(store, runs: int) -> dict:
    from kg.checks import shacl_sparql
    from kg.checks.shacl_sparql import run_compiled

    t0 = time.perf_counter()
    shacl_sparql.compiled_data_shapes.cache_clear()
    compiled = shacl_sparql.compiled_data_shapes()
    compile_s = time.perf_counter() - t0
    times, report = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        report = shacl_sparql.validate_store(store)
        times.append(time.perf_counter() - t0)
    per_query = []
    for cs in compiled:
        t0 = time.perf_counter()
        run_compiled([cs], store, None)
        per_query.append((time.perf_counter() - t0, f"{cs.shape.split('#')[-1]} "
                                                    f"{cs.component} {cs.path or ''}".strip()))
    per_query.sort(reverse=True)
    return {"compile_s": compile_s, "times": times, "median": statistics.median(times),
            "queries": len(compiled), "slowest": per_query[:3], "report": report}


def bench_pyshacl(store, runs: int) -> dict:
    import pyoxigraph as ox
    from rdflib import Graph

    from kg.checks.validation import validate
    from kg.model.rdfterms import from_ox
    from kg.namespaces import graph_iri

    t0 = time.perf_counter()
    data, ontology = Graph(), Graph()
    for name in ("asserted", "background", "evidence", "inferred"):
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri(name))):
            data.add((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))
    for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri("ontology"))):
        ontology.add((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))
    load_s = time.perf_counter() - t0
    times, report = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        report = validate(data, ontology)
        times.append(time.perf_counter() - t0)
    return {"load_s": load_s, "times": times, "median": statistics.median(times),
            "report": report}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    ap.add_argument("--runs", type=int, default=3, help="runs of the SPARQL engine per N")
    ap.add_argument("--pyshacl-max", type=int, default=100)
    ap.add_argument("--pyshacl-runs", type=int, default=1)
    ap.add_argument("--work", type=Path, default=BENCH / "work" / "shacl")
    ap.add_argument("--json", type=Path, help="also write the numbers here")
    args = ap.parse_args()

    from kg.store.disk import open_store

    args.work.mkdir(parents=True, exist_ok=True)
    rows = []
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    for n in args.sizes:
        store_dir = ensure_store(n, args.work)
        built = open_store(store_dir, check_fresh=False)
        store, counts = built.oxigraph, built.manifest.get("counts", {})
        print(f"N={n}: {counts}", flush=True)
        sp = bench_sparql(store, args.runs)
        row = {"n": n, "counts": counts, "sparql_median_s": sp["median"],
               "sparql_times_s": sp["times"], "compile_s": sp["compile_s"],
               "queries": sp["queries"], "violations": len(sp["report"].violations),
               "slowest": sp["slowest"]}
        print(f"  sparql: median {sp['median']:.2f} s over {args.runs} runs "
              f"({', '.join(f'{t:.2f}' for t in sp['times'])}); compile {sp['compile_s']:.2f} s; "
              f"{sp['queries']} queries; {len(sp['report'].violations)} violations; "
              f"peak RSS {rss_mb():.0f} MB", flush=True)
        print("  slowest queries: " + "; ".join(f"{name} {t:.2f} s"
                                                for t, name in sp["slowest"]), flush=True)
        if n <= args.pyshacl_max:
            ps = bench_pyshacl(store, args.pyshacl_runs)
            same = set(ps["report"].text().splitlines()) == set(sp["report"].text().splitlines())
            row.update(pyshacl_median_s=ps["median"], pyshacl_times_s=ps["times"],
                       pyshacl_load_s=ps["load_s"], same_violations=same)
            print(f"  pyshacl: median {ps['median']:.2f} s over {args.pyshacl_runs} runs "
                  f"(load into rdflib {ps['load_s']:.2f} s); speed-up "
                  f"{ps['median'] / sp['median']:.0f}x; same violations: {same}", flush=True)
            if not same:
                print("  pyshacl report:\n" + ps["report"].text())
                print("  sparql report:\n" + sp["report"].text())
        rows.append(row)
        del store, built
    print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0 if all(r.get("same_violations", True) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
