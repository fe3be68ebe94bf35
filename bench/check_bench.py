"""``kg check`` on the seed: the whole process, median of several runs (target 0.3 s).

Usage:

    python bench/check_bench.py                 # 11 runs of `kg check` in seeds/
    python bench/check_bench.py --runs 21 --no-shapes
    python bench/check_bench.py --against /tmp/base/src   # ratio against other kg sources

With ``--against SRC`` (a ``src`` directory of another kg, e.g. from ``git archive
COMMIT src | tar -x -C /tmp/base``) the runs of both alternate, so that both
see the same load on a shared machine, and the ratio of the medians is reported.
``kg check`` caches what depends only on the ontology (kg.author.ontology_cache):
the warm-up run fills the cache, as the first check after installing or after an
ontology edit does; ``--cold`` gives every run an empty cache directory instead.

Each run is a fresh process (``python -m kg check``), as on every save in an
editor. Reports the median, minimum and maximum wall-clock time and the
median CPU time (user + system) of the child, which is the fairer figure on
a shared machine. The child may write bytecode (``PYTHONDONTWRITEBYTECODE``
is removed from its environment), as an installed kg does: without it every
run compiles kg's sources again (about 0.4 s). Exit status 1 when ``kg check`` fails.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.3


def one_run(args: list[str], src: str | None = None, cold: bool = False
            ) -> tuple[float, float]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if src is not None:
        env["PYTHONPATH"] = src
    if cold:
        env["KG_CACHE_DIR"] = tempfile.mkdtemp(prefix="kg-check-bench-")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "kg", "check", *args], cwd=ROOT, env=env,
                       capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cold:
        shutil.rmtree(env["KG_CACHE_DIR"], ignore_errors=True)
    if r.returncode != 0:
        sys.exit(f"kg check failed ({r.returncode}): {r.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def summary(label: str, walls, cpus) -> str:
    return (f"{label}: median {statistics.median(walls):.3f} s wall (min {min(walls):.3f}, "
            f"max {max(walls):.3f}), median CPU {statistics.median(cpus):.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--no-shapes", action="store_true",
                        help="time `kg check --no-shapes` (no closure, no data checks)")
    parser.add_argument("--against", metavar="SRC",
                        help="also time the kg whose sources are in SRC, runs alternating")
    parser.add_argument("--cold", action="store_true",
                        help="an empty cache directory for every run (the first check)")
    opts = parser.parse_args()
    args = ["--no-shapes"] if opts.no_shapes else []
    one_run(args)  # warm the file cache, the bytecode and kg check's ontology cache
    if opts.against:
        one_run(args, opts.against)
    runs = []
    for _ in range(opts.runs):
        runs.append(one_run(args, cold=opts.cold))
        if opts.against:
            runs.append(one_run(args, opts.against, cold=opts.cold))
    walls, cpus = zip(*runs[::2 if opts.against else 1], strict=True)
    median = statistics.median(walls)
    print(f"kg check {' '.join(args)}".strip() + f"{' (cold cache)' if opts.cold else ''} "
          f"on seeds/ ({opts.runs} runs, load average {os.getloadavg()[0]:.1f})")
    print(summary("  this kg", walls, cpus) + f"; target {TARGET} s: "
          f"{'met' if median <= TARGET else 'not met'}")
    if opts.against:
        base_walls, base_cpus = zip(*runs[1::2], strict=True)
        print(summary(f"  {opts.against}", base_walls, base_cpus))
        print(f"  ratio of the medians (this / other): wall "
              f"{median / statistics.median(base_walls):.2f}, CPU "
              f"{statistics.median(cpus) / statistics.median(base_cpus):.2f}")


if __name__ == "__main__":
    main()
