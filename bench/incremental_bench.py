"""Incremental `kg build` against a full build, adding one article to a built corpus (issue 18).

    python bench/incremental_bench.py [--articles 1000] [--runs 3] [--seed 0] [--work DIR]
                                      [--change | --remove] [--out FILE]

With --change, one middle article of the built corpus gets one more record (a city quoted
from its text) instead; with --remove, one middle article is removed (the first from the
middle on whose removal leaves no id undefined and no later speaker lookup affected,
found from the build's own bookkeeping). The report goes to
bench/results/incremental.md (adding), incremental-change.md or incremental-remove.md.

Generates ARTICLES articles (bench/generate_corpus.py, seed SEED) and builds them in full
once (in-process, for the stage timings: what the incremental state costs a full build,
in time and on disk). Then, RUNS times, alternating which goes first:

* incremental: a copy of that build (the seeds directory without article ARTICLES + 1),
  the new article copied in, ``kg build`` (a child process, wall time): it must say
  ``incremental: 1 new article``;
* full: ``kg build`` of the same ARTICLES + 1 articles into a new store.

Reports the medians, their ratio (target: 15% or less), the sha256 of both stores'
``kg export --format nquads`` (they must be equal), and the load average before and
after; writes a Markdown table to OUT.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

TEMPLATE = """
import json, sys, time
from pathlib import Path
from kg.build import build
r = build(Path(sys.argv[1]), Path(sys.argv[2]))
print(json.dumps({"seconds": r.seconds, "timings": r.timings, "mode": r.mode}))
"""


def kg(*args: str) -> tuple[float, str]:
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True)
    seconds = time.monotonic() - t0
    if proc.returncode != 0:
        raise SystemExit(f"kg {' '.join(args)} failed:\n{proc.stderr}")
    return seconds, proc.stdout


def export_sha256(store: Path) -> str:
    proc = subprocess.run([sys.executable, "-m", "kg", "export", "--store", str(store),
                           "--format", "nquads"], capture_output=True, check=True)
    return hashlib.sha256(proc.stdout).hexdigest()


def generate(n: int, out: Path, seed: int) -> None:
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate_corpus.py"), str(n),
                    str(out), "--seed", str(seed)], check=True, capture_output=True)


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=None)
    how = ap.add_mutually_exclusive_group()
    how.add_argument("--change", action="store_true")
    how.add_argument("--remove", action="store_true")
    args = ap.parse_args()
    kind = "change" if args.change else "remove" if args.remove else "add"
    if args.out is None:
        name = "incremental.md" if kind == "add" else f"incremental-{kind}.md"
        args.out = ROOT / "bench" / "results" / name
    n = args.articles
    work = args.work or Path(tempfile.mkdtemp(prefix="kg-incremental-bench-"))
    load_before = os.getloadavg()
    seeds, more = work / "seeds", work / "more"
    shutil.rmtree(seeds, ignore_errors=True)
    shutil.rmtree(more, ignore_errors=True)
    generate(n, seeds, args.seed)
    generate(n + 1, more, args.seed)  # article k is the same whatever N: take the last one
    new_files = sorted(more.glob(f"{n:06d}_*"))
    assert len(new_files) == 2, new_files

    template = work / "template"
    shutil.rmtree(template, ignore_errors=True)
    proc = subprocess.run([sys.executable, "-c", TEMPLATE, str(seeds), str(template)],
                          capture_output=True, text=True, check=True)
    first = json.loads(proc.stdout)
    build_dir = (template / "current").resolve()
    sidecar_bytes = (build_dir / "incremental.pickle").stat().st_size
    build_bytes = du(build_dir)
    print(json.dumps({"template": first, "sidecar_bytes": sidecar_bytes,
                      "build_bytes": build_bytes}), flush=True)
    if kind != "add":
        return rework(args, kind, work, seeds, template, first, sidecar_bytes, build_bytes,
                      load_before)

    def add_the_article() -> None:
        for f in new_files:
            (seeds / f.name).unlink(missing_ok=True)
            shutil.copy(f, seeds / f.name)

    times, stores = alternate(args.runs, work, template, seeds, add_the_article,
                              "(incremental: 1 new article)")
    report(args, work, times, stores, first, {"load_before": load_before,
                                              "sidecar_bytes": sidecar_bytes,
                                              "build_bytes": build_bytes})


def alternate(runs: int, work: Path, template: Path, seeds: Path, prepare,
              expect: str) -> tuple[dict[str, list[float]], dict[str, Path]]:
    """Each run: a copy of the built template, ``prepare()`` the seeds, then the incremental
    build (its output must contain ``expect``) and a full one into a new store, in
    alternating order; the seconds of each, and the last store of each."""
    times: dict[str, list[float]] = {"incremental": [], "full": []}
    stores: dict[str, Path] = {}
    for run in range(runs):
        inc = work / f"inc-{run}"
        shutil.rmtree(inc, ignore_errors=True)
        shutil.copytree(template, inc, symlinks=True)
        prepare()
        full = work / f"full-{run}"
        shutil.rmtree(full, ignore_errors=True)
        order = ["incremental", "full"] if run % 2 == 0 else ["full", "incremental"]
        for which in order:
            store = inc if which == "incremental" else full
            seconds, out = kg("build", "--seeds", str(seeds), "--store", str(store))
            if (which == "incremental") != (expect in out):
                raise SystemExit(f"unexpected build kind for {which}: {out}")
            times[which].append(seconds)
            stores[which] = store
            print(json.dumps({"run": run, which: round(seconds, 2)}), flush=True)
    return times, stores


def report(args, work: Path, times: dict, stores: dict, first: dict, extra: dict) -> None:
    """Compare the exports, print and write the result, remove the runs' stores."""
    sha = {which: export_sha256(store) for which, store in stores.items()}
    med = {which: statistics.median(v) for which, v in times.items()}
    result = {"articles": args.articles, "runs": args.runs, "median_s": med,
              "times_s": times, "ratio": med["incremental"] / med["full"], "sha256": sha,
              "identical": sha["incremental"] == sha["full"],
              "load_after": os.getloadavg(), "state_seconds": first["timings"].get("state"),
              "full_build_seconds": first["seconds"], **extra}
    print(json.dumps(result), flush=True)
    write_report(args.out, result, first)
    for run in range(args.runs):
        shutil.rmtree(work / f"inc-{run}", ignore_errors=True)
        shutil.rmtree(work / f"full-{run}", ignore_errors=True)


def removable(build_dir: Path, n: int) -> int:
    """The first article from the middle on that can be taken out incrementally."""
    from kg.incremental import Fallback, _check_speakers, _fold_mapper, _Per, read_state

    state = read_state(build_dir)
    per, order = _Per(state["per"]), state["articles"]
    for k in list(range(n // 2, n)) + list(range(n // 2)):
        gone = {order[k]}
        try:
            _fold_mapper([per[d] for d in order if d not in gone], per[None], [order[k]])
            _check_speakers(per, {order[k]: per[order[k]]}, order, gone,
                            {d: d for d in order})
        except Fallback:
            continue
        return k
    raise SystemExit("no article can be removed incrementally")


def edit(seeds: Path, k: int) -> list[tuple[Path, str]]:
    """Give article k one more record (a city quoted from its text); the old texts."""
    ann = sorted(seeds.glob("*.yaml"))
    ann = [a for a in ann if a.name != "background.yaml"][k]
    text = ann.with_suffix(".txt").read_text(encoding="utf-8")
    old = ann.read_text(encoding="utf-8")
    words = " ".join(text.split()[:3])
    ann.write_text(old.rstrip("\n") + f"""

  - id: added-later-city
    type: City
    label: "Added Later"
    quote: {{text: "{words}", occurrence: 1}}
""", encoding="utf-8")
    return [(ann, old)]


def rework(args, kind, work, seeds, template, first, sidecar_bytes, build_bytes, load_before):
    """--change or --remove: the edit applied to a copy of the built seeds, each time."""
    n = args.articles
    build_dir = (template / "current").resolve()
    k = removable(build_dir, n) if kind == "remove" else n // 2
    expect = f"(incremental: 1 article {'removed' if kind == 'remove' else 'changed'})"
    article = [p for p in sorted(seeds.glob("*.yaml")) if p.name != "background.yaml"][k]
    backup = work / "backup"
    shutil.rmtree(backup, ignore_errors=True)
    backup.mkdir()
    for f in (article, article.with_suffix(".txt")):
        shutil.copy2(f, backup / f.name)

    def restore() -> None:  # the built corpus again (same bytes and mtime)
        for f in backup.iterdir():
            shutil.copy2(f, seeds / f.name)

    def change_it() -> None:
        restore()
        if kind == "remove":
            article.unlink()
            article.with_suffix(".txt").unlink()
        else:
            edit(seeds, k)

    times, stores = alternate(args.runs, work, template, seeds, change_it, expect)
    report(args, work, times, stores, first, {"load_before": load_before,
                                              "sidecar_bytes": sidecar_bytes,
                                              "build_bytes": build_bytes, "kind": kind, "k": k})
    restore()


def write_report(out: Path, r: dict, first: dict) -> None:
    n = r["articles"]
    fmt = ", ".join
    kind = r.get("kind", "add")
    what = {"add": ("added to", f"then article {n + 1} added", "+1 article", n + 1),
            "change": ("changed in", f"then article {r.get('k', 0) + 1} (a middle one) given "
                       "one more record (a city quoted from its text)", "1 article changed", n),
            "remove": ("removed from", f"then article {r.get('k', 0) + 1} (from the middle on, "
                       "the first whose removal no other file depends on) removed",
                       "1 article removed", n - 1)}[kind]
    flag = {"add": "", "change": " --change", "remove": " --remove"}[kind]
    lines = [
        f"# Incremental `kg build`: one article {what[0]} a built corpus",
        "",
        f"Generated corpus (bench/generate_corpus.py, seed 0): a full build of {n} articles,",
        f"{what[1]}. Each time is a `kg build` child process, wall clock; "
        f"{r['runs']} alternating runs.",
        "",
        "| build | median (s) | runs (s) |",
        "|---|---|---|",
        f"| incremental ({what[2]}) | {r['median_s']['incremental']:.2f} | "
        f"{fmt(f'{t:.2f}' for t in r['times_s']['incremental'])} |",
        f"| full, {what[3]} articles | {r['median_s']['full']:.2f} | "
        f"{fmt(f'{t:.2f}' for t in r['times_s']['full'])} |",
        "",
        f"Incremental / full: **{100 * r['ratio']:.1f}%** (target: 15% or less).",
        "",
        f"`kg export --format nquads` sha256: incremental `{r['sha256']['incremental']}`, "
        f"full `{r['sha256']['full']}`: {'identical' if r['identical'] else 'DIFFERENT'}.",
        "",
        f"Load average (1, 5, 15 min) before: {fmt(f'{x:.2f}' for x in r['load_before'])}; "
        f"after: {fmt(f'{x:.2f}' for x in r['load_after'])} (2 cores).",
        "",
        f"What the incremental state costs the full build of {n} articles "
        f"({first['seconds']:.1f} s in-process): {r['state_seconds']:.2f} s to write "
        f"`incremental.pickle`, {r['sidecar_bytes'] / 1e6:.1f} MB on disk "
        f"({100 * r['sidecar_bytes'] / r['build_bytes']:.1f}% of the build directory, "
        f"{r['build_bytes'] / 1e6:.0f} MB). Stage timings of that build (s): "
        + fmt(f"{k} {v:.2f}" for k, v in first["timings"].items()) + ".",
        "",
        "Reproduce: `python bench/incremental_bench.py --articles "
        f"{n} --runs {r['runs']}{flag}`.",
        "",
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
