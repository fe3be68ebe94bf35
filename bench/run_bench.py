"""The scale benchmark: the full `kg build`, cold `kg query`, `kg export`, and the naive
pipeline (rdflib parse + owlrl) in the same run, for N = 1, 10, 100, 1000 (10000 with --big).

    python bench/run_bench.py [--sizes 1 10 100 1000] [--big] [--runs 3]
                              [--reasoner owlrl ...] [--naive-max 1000] [--no-check]
    python bench/run_bench.py --profile 100          # cProfile of one full build

For each N: the corpus is generated (bench/generate_corpus.py, cached under
bench/corpus/N), then each run is

* an instrumented build: a child Python process calls ``kg.build.build`` (the
  code of ``kg build``) with light hooks on the module's own functions that
  mark stage boundaries (inputs, load, map, reason, check, store); each stage's
  wall time and peak RSS (the VmHWM of /proc/self/status, reset at each
  boundary through /proc/self/clear_refs) are recorded;
* the CLI itself, ``kg build --seeds ... --store ...``, timed end to end
  (interpreter start-up included), with the child's own peak RSS (wait4);
* a cold ``kg query`` (a new process each time) for three canned queries,
  median of 5;
* ``kg export --format nquads``;
* the naive pipeline: the asserted + background graphs (the same input the
  reasoner gets) serialised once to Turtle, then in a fresh process
  ``rdflib.Graph().parse`` of ontology + data and
  ``owlrl.DeductiveClosure(OWLRL_Semantics).expand``; skipped above
  --naive-max articles (owlrl needs ~150 s at 1,000 articles and grows
  super-linearly).

Writes bench/results/results.json, table.md and scale.png. The machine is
shared: medians are quoted, and every ratio compares numbers of the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = HERE / "corpus"
WORK = HERE / "work"
RESULTS = HERE / "results"
PY = sys.executable
KG = [str(Path(PY).parent / "kg")] if (Path(PY).parent / "kg").exists() else [PY, "-m", "kg.cli"]

QUERY_RUNS = 5


# ---------------------------------------------------------------------------
# Measuring a child process
# ---------------------------------------------------------------------------


def run_measured(cmd: list[str], *, env: dict | None = None) -> dict:
    """Run cmd; its wall time, CPU time and peak RSS (MB) from wait4, and its output."""
    import tempfile

    with tempfile.TemporaryFile() as out_f, tempfile.TemporaryFile() as err_f:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out_f, stderr=err_f, env=env, cwd=ROOT)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out_f.seek(0)
        err_f.seek(0)
        out_b, err_b = out_f.read(), err_f.read()
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "peak_mb": ru.ru_maxrss / 1024,
            "rc": p.returncode, "stdout": out_b.decode("utf-8", "replace"),
            "stderr": err_b.decode("utf-8", "replace")}


def _check(res: dict, what: str) -> dict:
    if res["rc"] != 0:
        raise RuntimeError(f"{what} failed (exit {res['rc']}):\n{res['stderr'][-3000:]}")
    return res


# ---------------------------------------------------------------------------
# Child: the instrumented build
# ---------------------------------------------------------------------------


def _hwm_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_hwm() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:  # pragma: no cover - not Linux
        pass


class Stages:
    def __init__(self):
        self.rows: list[dict] = []
        self.current: str | None = None
        self.t0 = 0.0

    def open(self, name: str) -> None:
        now = time.perf_counter()
        if self.current is not None:
            self.rows.append({"stage": self.current, "wall": now - self.t0, "peak_mb": _hwm_mb()})
        _reset_hwm()
        self.current, self.t0 = name, time.perf_counter()

    def close(self) -> None:
        self.open(None)  # type: ignore[arg-type]
        self.current = None


def child_build(args: argparse.Namespace) -> int:
    t_start = time.perf_counter()
    st = Stages()
    st.open("import")
    import kg.build as kb

    captured: dict = {}
    orig_closure = kb.closure

    def closure(*a, **kw):
        captured["data"] = a[1] if len(a) > 1 else kw.get("data")
        return orig_closure(*a, **kw)

    kb.closure = closure
    # The build announces its stages through its progress callback; the map stage
    # includes streaming the evidence into the new store, which runs alongside it.
    # Loading (YAML) and mapping are interleaved article by article: their stage
    # ("map") covers both, and the build's own timings split them.
    stage_of = (("read", "map"), ("reasoning", "reason"),
                ("writing the store", "store"), ("checking", "check"))

    def progress(message: str) -> None:
        for prefix, stage in stage_of:
            if message.startswith(prefix) and st.current != stage:
                st.open(stage)

    profiler = None
    if args.profile_out:
        import cProfile

        profiler = cProfile.Profile()
    st.open("inputs")
    t_build = time.perf_counter()
    if profiler:
        profiler.enable()
    report = kb.build(Path(args.seeds), Path(args.store), reasoner=args.reasoner,
                      checks=args.checks, progress=progress)
    if profiler:
        profiler.disable()
    build_wall = time.perf_counter() - t_build
    st.close()
    ru = resource.getrusage(resource.RUSAGE_SELF)
    result = {
        "counts": report.counts, "articles": report.articles,
        "build_timings": report.timings, "stages": st.rows,
        "checks": json.loads((Path(args.store) / "current" / "manifest.json").read_text())
        ["checks"],
        "build_wall": build_wall, "process_wall": time.perf_counter() - t_start,
        "cpu": ru.ru_utime + ru.ru_stime,
        # per-stage high-water marks are reset at each boundary, so the process's own
        # ru_maxrss is unreliable after the first reset: the peak is the largest stage peak
        "peak_mb": max(r["peak_mb"] for r in st.rows),
    }
    if profiler:
        profiler.dump_stats(args.profile_out)
    if args.naive_ttl and "data" in captured:
        t0 = time.perf_counter()
        data = captured["data"]
        if not hasattr(data, "serialize"):  # the build may hand the engine a set of triples
            from rdflib import Graph

            g = Graph()
            for t in data:
                g.add(t)
            data = g
        data.serialize(destination=args.naive_ttl, format="turtle")
        result["naive_ttl_seconds"] = time.perf_counter() - t0
        result["naive_input_triples"] = len(data)
    Path(args.out).write_text(json.dumps(result, indent=2))
    return 0


def child_naive(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    import owlrl
    from rdflib import Graph

    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    g = Graph()
    g.parse(str(ROOT / "ontology" / "kg.ttl"), format="turtle")
    g.parse(args.ttl, format="turtle")
    parsed = len(g)
    t_parse = time.perf_counter() - t0
    t0 = time.perf_counter()
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    t_reason = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_SELF)
    Path(args.out).write_text(json.dumps({
        "import": t_import, "parse": t_parse, "reason": t_reason, "total": t_parse + t_reason,
        "triples_in": parsed, "triples_out": len(g), "cpu": ru.ru_utime + ru.ru_stime,
        "peak_mb": ru.ru_maxrss / 1024}, indent=2))
    return 0


# ---------------------------------------------------------------------------
# The parent: one size
# ---------------------------------------------------------------------------


def ensure_corpus(n: int, seed: int) -> Path:
    sys.path.insert(0, str(HERE))
    from generate_corpus import generate

    out = CORPUS / str(n)
    marker = out / ".complete"
    want = f"{n} {seed} {_generator_digest()}"
    if marker.is_file() and marker.read_text() == want:
        return out
    generate(n, out, seed)
    marker.write_text(want)
    return out


def _generator_digest() -> str:
    import hashlib

    return hashlib.sha1((HERE / "generate_corpus.py").read_bytes()).hexdigest()[:12]


def queries_for(work: Path) -> list[tuple[str, list[str]]]:
    """Three canned queries: talks, evidence, and a third from the catalogue (or ad hoc)."""
    from kg.resources import queries_dir

    first_talks = "kgr:talks-a000000"
    qs = [("talks", ["query", "talks"]),
          ("evidence", ["query", "evidence", "-p", "resource", first_talks])]
    others = sorted(p.stem for p in queries_dir().glob("*.rq")
                    if p.stem not in ("talks", "evidence") and not p.stem.endswith("-violation"))
    preferred = [q for q in others if "timeline" in q] + others
    if preferred:
        qs.append((preferred[0], ["query", preferred[0]]))
    else:
        qs.append(("timeline (sparql)", ["sparql", (
            "SELECT ?event ?date ?place WHERE { ?event a kg:Event ; kg:date ?date . "
            "OPTIONAL { ?event kg:takesPlaceIn ?place } } ORDER BY ?date ?event LIMIT 200")]))
    return qs


def bench_size(n: int, args, reasoner: str, log) -> dict:
    seeds = ensure_corpus(n, args.seed)
    work = WORK / f"{n}-{reasoner}"
    work.mkdir(parents=True, exist_ok=True)
    store = work / "store"
    runs = args.runs if n < 100 else (args.big_runs if n < 1000 else args.huge_runs)
    checks = "none" if args.no_check or n > args.check_max else args.checks
    out: dict = {"n": n, "reasoner": reasoner, "checks": checks, "runs": []}
    naive_ttl = work / "naive-data.ttl"
    for i in range(runs):
        log(f"  N={n} [{reasoner}] run {i + 1}/{runs}: instrumented build")
        res_path = work / f"build-{i}.json"
        cmd = [PY, __file__, "_build", str(seeds), str(store), "--reasoner", reasoner,
               "--out", str(res_path)]
        cmd += ["--checks", checks]
        if i == 0 and n <= args.naive_max:
            cmd += ["--naive-ttl", str(naive_ttl)]
        child = _check(run_measured(cmd), f"instrumented build N={n}")
        run = json.loads(res_path.read_text())
        run["child_peak_mb"] = child["peak_mb"]
        out["checks"] = run["checks"]  # what "auto" chose
        log(f"    build {run['build_wall']:.2f} s, peak {run['peak_mb']:.0f} MB, "
            + ", ".join(f"{r['stage']} {r['wall']:.2f}" for r in run["stages"]))

        if n <= args.cli_max:
            log(f"  N={n} [{reasoner}] run {i + 1}/{runs}: kg build (CLI)")
            run["cli_build"] = cli_build(n, seeds, store, reasoner, checks, log)
        else:
            run["cli_build"] = None
        run["queries"] = {}
        for name, qargs in queries_for(work):
            walls, peaks, rows = [], [], 0
            error = None
            for _ in range(QUERY_RUNS):
                q = run_measured(KG + qargs + ["--store", str(store), "--format", "csv"])
                if q["rc"] != 0:
                    error = q["stderr"].strip()[-500:]
                    log(f"    kg query {name} failed: {error}")
                    break
                walls.append(q["wall"])
                peaks.append(q["peak_mb"])
                rows = max(0, len(q["stdout"].splitlines()) - 1)
            if error:
                run["queries"][name] = {"median": None, "error": error}
                continue
            run["queries"][name] = {"median": statistics.median(walls), "all": walls,
                                    "peak_mb": max(peaks), "rows": rows}
            log(f"    kg query {name}: median {statistics.median(walls) * 1000:.0f} ms "
                f"({rows} rows)")
        if n <= args.export_max:
            nq = work / "export.nq"
            res = _check(run_measured(KG + ["export", "--format", "nquads", "-o", str(nq),
                                            "--store", str(store)]), "kg export")
            run["export"] = {"wall": res["wall"], "peak_mb": res["peak_mb"],
                             "bytes": nq.stat().st_size}
            nq.unlink()
            log(f"    kg export {res['wall']:.2f} s")

        if n <= args.naive_max and naive_ttl.is_file():
            log(f"  N={n} run {i + 1}/{runs}: naive pipeline (rdflib parse + owlrl)")
            npath = work / f"naive-{i}.json"
            res = _check(run_measured([PY, __file__, "_naive", str(naive_ttl), "--out",
                                       str(npath)]), "naive pipeline")
            run["naive"] = json.loads(npath.read_text())
            run["naive"]["process_wall"] = res["wall"]
            log(f"    naive parse {run['naive']['parse']:.2f} s + owlrl "
                f"{run['naive']['reason']:.2f} s, peak {run['naive']['peak_mb']:.0f} MB")
        out["runs"].append(run)
    out["summary"] = summarise(out["runs"])
    return out


def cli_build(n, seeds, store, reasoner, checks, log) -> dict:
    cli = ["build", "--seeds", str(seeds), "--store", str(store), "--reasoner", reasoner,
           "--checks", checks]
    res = _check(run_measured(KG + cli), f"kg build N={n}")
    out = {k: res[k] for k in ("wall", "cpu", "peak_mb")}
    out["stdout"] = res["stdout"].strip()
    log(f"    kg build {res['wall']:.2f} s (cpu {res['cpu']:.2f} s), "
        f"peak {res['peak_mb']:.0f} MB")
    return out


def _med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(runs: list[dict]) -> dict:
    s: dict = {"counts": runs[0]["counts"]}
    stages = list(dict.fromkeys(r["stage"] for r in runs[0]["stages"]))

    def stage_wall(run, name):  # a stage may come back (the store resumes after the check)
        walls = [x["wall"] for x in run["stages"] if x["stage"] == name]
        return sum(walls) if walls else None

    s["stages"] = {name: {
        "wall": _med([stage_wall(r, name) for r in runs]),
        "peak_mb": max(max((x["peak_mb"] for x in r["stages"] if x["stage"] == name),
                           default=0) for r in runs)} for name in stages}
    for name in ("load", "map"):  # interleaved: the build's own timings split them
        s["stages"].setdefault(name, {"wall": None, "peak_mb": s["stages"].get(
            "map", {}).get("peak_mb", 0)})
        s["stages"][name]["wall"] = _med([r["build_timings"].get(name) for r in runs])
    s["build_wall"] = _med([r["build_wall"] for r in runs])
    s["build_cpu"] = _med([r["cpu"] for r in runs])
    s["peak_mb"] = max(r["peak_mb"] for r in runs)
    cli = [r["cli_build"] for r in runs if r.get("cli_build")]
    s["cli_wall"] = _med([c["wall"] for c in cli])
    s["cli_cpu"] = _med([c["cpu"] for c in cli])
    s["cli_peak_mb"] = max((c["peak_mb"] for c in cli), default=None)
    s["queries"] = {name: _med([r["queries"][name].get("median") for r in runs])
                    for name in runs[0]["queries"]}
    s["export_wall"] = _med([r["export"]["wall"] for r in runs if "export" in r])
    naive = [r["naive"] for r in runs if "naive" in r]
    if naive:
        s["naive_total"] = _med([x["total"] for x in naive])
        s["naive_parse"] = _med([x["parse"] for x in naive])
        s["naive_reason"] = _med([x["reason"] for x in naive])
        s["naive_peak_mb"] = max(x["peak_mb"] for x in naive)
        # ratios within a run, then their median
        s["speedup_build"] = _med([r["naive"]["total"] / r["build_wall"]
                                   for r in runs if "naive" in r])
        s["speedup_reason"] = _med([
            r["naive"]["total"] / stage_wall(r, "reason")
            for r in runs if "naive" in r])
    return s


# ---------------------------------------------------------------------------
# Machine, table, plot
# ---------------------------------------------------------------------------


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    from importlib.metadata import version

    pkgs = {}
    for name in ("kg", "rdflib", "owlrl", "pyoxigraph", "pyshacl", "PyYAML"):
        try:
            pkgs[name] = version(name)
        except Exception:  # noqa: BLE001
            pkgs[name] = "?"
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem,
            "python": platform.python_version(), "platform": platform.platform(),
            "packages": pkgs, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "loadavg_start": os.getloadavg()}


def _f(x, fmt="{:.2f}"):
    return "—" if x is None else fmt.format(x)


def write_table(results: dict, path: Path) -> None:
    m = results["machine"]
    lines = [
        "# Scale benchmark",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']} RAM; Python {m['python']} "
        f"({m['platform']}); " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()) + ".",
        f"Run on {m['date']}; load average at start "
        f"{', '.join(f'{x:.1f}' for x in m['loadavg_start'])}, at end "
        f"{', '.join(f'{x:.1f}' for x in m.get('loadavg_end', ()))} "
        "(a shared machine: wall times are medians; CPU time is given beside them).",
        "",
        f"Command: `{results['command']}`"
        + (f" (invocations started at {', '.join(results['runs_on'])}; the build code "
           "changed between them, see the reasoner column)" if results.get("runs_on") else ""),
        "",
        "Corpus: bench/generate_corpus.py (seed "
        f"{results['seed']}); checks = the level `kg build --checks` ran (SHACL shapes + "
        "violation queries, the `check` stage): `all`, or `data` (without the "
        "evidence-integrity checks; what `auto` picks above 20,000 triples), or `none`. "
        "Loading (YAML) and mapping are interleaved article by article while the "
        "evidence streams into the store: `load` and `map` are the build's own split, "
        "and their peak is shared.",
        "",
        "## Full build (`kg build`), per stage",
        "",
        "Stage wall times in seconds (median of runs); peak = the highest RSS of the build "
        "process (MB). `kg build` = the CLI end to end, interpreter start-up included.",
        "",
        "| N | reasoner | checks | runs | asserted | inferred | evidence | load | map | reason "
        "| check | store | build | build CPU | peak MB | `kg build` s | `kg build` peak MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["sizes"]:
        s = r["summary"]
        c = s["counts"]
        st = s["stages"]

        def w(name, st=st):
            return _f(st.get(name, {}).get("wall"))
        lines.append(
            f"| {r['n']} | {r['reasoner']} | {r.get('checks', 'all')} "
            f"| {len(r['runs'])} | {c['asserted']} | {c['inferred']} "
            f"| {c['evidence']} | {w('load')} | {w('map')} | {w('reason')} | {w('check')} | "
            f"{w('store')} | {_f(s['build_wall'])} | {_f(s['build_cpu'])} | "
            f"{_f(s['peak_mb'], '{:.0f}')} | {_f(s['cli_wall'])} | "
            f"{_f(s['cli_peak_mb'], '{:.0f}')} |")
    lines += [
        "",
        "Peak RSS per stage (MB; the stage's own high-water mark):",
        "",
        "| N | reasoner | " + " | ".join(["inputs", "load", "map", "reason", "check", "store"])
        + " |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results["sizes"]:
        st = r["summary"]["stages"]
        lines.append(f"| {r['n']} | {r['reasoner']} | " + " | ".join(
            _f(st.get(k, {}).get("peak_mb"), "{:.0f}")
            for k in ("inputs", "load", "map", "reason", "check", "store")) + " |")
    lines += [
        "",
        "## Naive pipeline in the same run (rdflib parse + owlrl), and the speed-up",
        "",
        "Same input as the build's reasoner (asserted + background, serialised to Turtle once), "
        "plus the ontology. Speed-up = naive (parse + owlrl) / our full build, and / our "
        "reason stage; ratios are taken within each run, then the median.",
        "",
        "| N | reasoner | naive parse s | naive owlrl s | naive total s | naive peak MB | "
        "our build s | speed-up (build) | speed-up (reason stage) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["sizes"]:
        s = r["summary"]
        if "naive_total" not in s:
            lines.append(f"| {r['n']} | {r['reasoner']} | skipped (N > --naive-max "
                         f"{results['naive_max']}) | | | | {_f(s['build_wall'])} | | |")
            continue
        lines.append(
            f"| {r['n']} | {r['reasoner']} | {_f(s['naive_parse'])} | {_f(s['naive_reason'])} | "
            f"{_f(s['naive_total'])} | {_f(s['naive_peak_mb'], '{:.0f}')} | "
            f"{_f(s['build_wall'])} | {_f(s['speedup_build'], '{:.2f}×')} | "
            f"{_f(s['speedup_reason'], '{:.2f}×')} |")
    qnames = list(results["sizes"][0]["summary"]["queries"]) if results["sizes"] else []
    lines += [
        "",
        "## Cold `kg query` (new process each time; median of 5, ms) and `kg export`",
        "",
        "| N | reasoner | " + " | ".join(f"`{q}`" for q in qnames) + " | export nquads s |",
        "|---|---|" + "---|" * (len(qnames) + 1),
    ]
    for r in results["sizes"]:
        s = r["summary"]
        lines.append(f"| {r['n']} | {r['reasoner']} | " + " | ".join(
            _f(s["queries"].get(q), "{:.0f}") if s["queries"].get(q) is None
            else f"{s['queries'][q] * 1000:.0f}" for q in qnames)
            + f" | {_f(s['export_wall'])} |")
    lines += ["", "Targets (issue 9): 1,000 articles: build ≤ 30 s, ≥ 5× the naive pipeline, "
              "peak < 1 GB; 10,000 articles: build ≤ 5 min, peak < 4 GB; cold query < 100 ms at "
              "1 article, < 300 ms at 10,000.", ""]
    path.write_text("\n".join(lines))


def write_plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 5))
    sizes = results["sizes"]
    series: dict[tuple, list] = {}
    for r in sizes:  # one line per (engine, checks); a later row replaces an earlier one
        key = (r["reasoner"], r.get("checks", "all"))
        series.setdefault(key, {})[r["n"]] = r
    for (reasoner, checks), by_n in sorted(series.items()):
        rows = [by_n[n] for n in sorted(by_n)]
        ns = [r["n"] for r in rows]
        label = f"{reasoner}, checks {checks}"
        style = "o--" if checks == "none" else "o-"
        line = ax1.plot(ns, [r["summary"]["build_wall"] for r in rows], style,
                        label=f"full build ({label})")[0]
        ax1.plot(ns, [r["summary"]["stages"].get("reason", {}).get("wall") or float("nan")
                      for r in rows], ":", marker=".", color=line.get_color(), alpha=0.6,
                 label=f"reason stage ({label})")
        ax2.plot(ns, [r["summary"]["peak_mb"] for r in rows], style, color=line.get_color(),
                 label=f"build peak RSS ({label})")
    naive = {}
    for r in sizes:  # as for the builds, a later row replaces an earlier one
        if "naive_total" in r["summary"]:
            naive[r["n"]] = [r["summary"]]
    if naive:
        ns = sorted(naive)
        ax1.plot(ns, [statistics.median(s["naive_total"] for s in naive[n]) for n in ns], "s-",
                 color="black", label="naive rdflib parse + owlrl")
        ax2.plot(ns, [max(s["naive_peak_mb"] for s in naive[n]) for n in ns], "s-",
                 color="black", label="naive peak RSS")
    for ax, ylabel in ((ax1, "wall time (s)"), (ax2, "peak RSS (MB)")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("articles (N)")
        ax.set_ylabel(ylabel)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    ax1.axhline(30, color="red", lw=0.8, ls=":")
    ax1.axhline(300, color="red", lw=0.8, ls=":")
    ax2.axhline(1024, color="red", lw=0.8, ls=":")
    ax2.axhline(4096, color="red", lw=0.8, ls=":")
    m = results["machine"]
    fig.suptitle(f"kg build scale — {m['cpu']}, {m['cores']} cores, {m['date']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


# ---------------------------------------------------------------------------
# Profile
# ---------------------------------------------------------------------------


def profile(n: int, args, log) -> None:
    import pstats

    seeds = ensure_corpus(n, args.seed)
    work = WORK / f"profile-{n}"
    work.mkdir(parents=True, exist_ok=True)
    prof = work / f"profile-{n}-{args.reasoner[0]}.prof"  # binary: kept out of results/
    res_path = work / "build.json"
    cmd = [PY, __file__, "_build", str(seeds), str(work / "store"), "--reasoner",
           args.reasoner[0], "--out", str(res_path), "--profile-out", str(prof),
           "--checks", "none" if args.no_check else args.checks]
    log(f"profiling N={n}")
    _check(run_measured(cmd), "profiled build")
    run = json.loads(res_path.read_text())
    txt = args.out_dir / f"profile-{n}-{args.reasoner[0]}.txt"
    with open(txt, "w") as f:
        f.write(json.dumps({k: run[k] for k in ("counts", "stages", "build_wall", "peak_mb")},
                           indent=1) + "\n\n")
        p = pstats.Stats(str(prof), stream=f)
        p.sort_stats("cumulative").print_stats(60)
        p.sort_stats("tottime").print_stats(40)
    log(f"wrote {txt}")


# ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_build":
        ap = argparse.ArgumentParser()
        ap.add_argument("seeds")
        ap.add_argument("store")
        ap.add_argument("--reasoner", default="owlrl")
        ap.add_argument("--out", required=True)
        ap.add_argument("--checks", default="auto")
        ap.add_argument("--naive-ttl")
        ap.add_argument("--profile-out")
        return child_build(ap.parse_args(argv[1:]))
    if argv and argv[0] == "_naive":
        ap = argparse.ArgumentParser()
        ap.add_argument("ttl")
        ap.add_argument("--out", required=True)
        return child_naive(ap.parse_args(argv[1:]))

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100, 1000])
    ap.add_argument("--big", action="store_true", help="add N = 10000")
    ap.add_argument("--runs", type=int, default=3, help="runs per size for N < 100")
    ap.add_argument("--big-runs", type=int, default=2, help="runs per size for 100 <= N < 1000")
    ap.add_argument("--huge-runs", type=int, default=1, help="runs per size for N >= 1000")
    ap.add_argument("--cli-max", type=int, default=100,
                    help="above this many articles, skip the separate end-to-end `kg build` "
                    "(the instrumented build is the same code, minus ~0.5 s of start-up)")
    ap.add_argument("--reasoner", nargs="+", default=None,
                    help="engines to bench (default: every engine kg build offers)")
    ap.add_argument("--naive-max", type=int, default=1000,
                    help="skip the naive pipeline above this many articles")
    ap.add_argument("--checks", default="auto", choices=["auto", "all", "data", "none"],
                    help="kg build --checks (default auto)")
    ap.add_argument("--no-check", action="store_true", help="build with --checks none")
    ap.add_argument("--check-max", type=int, default=10**9,
                    help="build with --checks none above this many articles")
    ap.add_argument("--export-max", type=int, default=10**9,
                    help="skip `kg export` above this many articles (bench/export_bench.py "
                    "measures it on its own)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--profile", type=int, nargs="*", metavar="N",
                    help="profile one build per N (cProfile) instead of benchmarking")
    ap.add_argument("--out-dir", type=Path, default=RESULTS)
    ap.add_argument("--append", action="store_true",
                    help="add these sizes/engines to an existing results.json")
    args = ap.parse_args(argv)
    if args.reasoner is None:
        from kg.reason.reasoning import ENGINES

        # "auto" only picks one of the others
        args.reasoner = [e for e in ENGINES if e != "auto"] or list(ENGINES)
    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    args.out_dir.mkdir(parents=True, exist_ok=True)
    if args.profile is not None:
        for n in args.profile or [100, 1000]:
            profile(n, args, log)
        return 0
    sizes = sorted(set(args.sizes + ([10000] if args.big else [])))
    results = {"machine": machine(), "command": "python bench/run_bench.py "
               + " ".join(argv), "seed": args.seed, "no_check": args.no_check,
               "naive_max": args.naive_max, "sizes": []}
    json_path = args.out_dir / "results.json"
    if args.append and json_path.is_file():
        previous = json.loads(json_path.read_text())
        previous["command"] += " ; then " + results["command"]
        previous.setdefault("runs_on", [previous["machine"]["date"]]).append(
            results["machine"]["date"])
        results = previous
    for reasoner in args.reasoner:
        for n in sizes:
            log(f"N={n} reasoner={reasoner}")
            results["sizes"].append(bench_size(n, args, reasoner, log))
            results["machine"]["loadavg_end"] = os.getloadavg()
            json_path.write_text(json.dumps(results, indent=1))
            write_table(results, args.out_dir / "table.md")
    write_plot(results, args.out_dir / "scale.png")
    log(f"wrote {json_path}, table.md, scale.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
