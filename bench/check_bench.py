"""``kg check`` on the seed: the whole process, median of several runs (target 0.3 s).

Usage:

    python bench/check_bench.py                 # 11 runs of `kg check` in seeds/
    python bench/check_bench.py --runs 21 --no-shapes

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
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.3


def one_run(args: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    r = subprocess.run([sys.executable, "-m", "kg", "check", *args], cwd=ROOT, env=env,
                       capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        sys.exit(f"kg check failed ({r.returncode}): {r.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--no-shapes", action="store_true",
                        help="time `kg check --no-shapes` (no closure, no data checks)")
    opts = parser.parse_args()
    args = ["--no-shapes"] if opts.no_shapes else []
    one_run(args)  # warm the file cache and the bytecode
    walls, cpus = zip(*(one_run(args) for _ in range(opts.runs)), strict=True)
    median = statistics.median(walls)
    print(f"kg check {' '.join(args)}".strip() + f" on seeds/ ({opts.runs} runs, "
          f"load average {os.getloadavg()[0]:.1f}): median {median:.3f} s wall "
          f"(min {min(walls):.3f}, max {max(walls):.3f}), median CPU "
          f"{statistics.median(cpus):.3f} s; target {TARGET} s: "
          f"{'met' if median <= TARGET else 'not met'}")


if __name__ == "__main__":
    main()
