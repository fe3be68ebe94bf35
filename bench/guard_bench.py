"""How long kg's SPARQL guard takes: compiling its tokenizer, and checking each canned query.

The guard runs before every ``kg sparql`` (and tokenizes every ``kg query``
with parameters), in a fresh process each time, so the compile counts once
per command. Reproduce: ``python bench/guard_bench.py``.
"""

from __future__ import annotations

import re
import statistics
import time

from kg.query import guard as sparql_guard
from kg.query.catalogue import all_queries


def best_compile(runs: int = 7) -> float:
    best = float("inf")
    for _ in range(runs):
        re.purge()
        start = time.perf_counter()
        re.compile(sparql_guard._TOKEN_SOURCE, re.S)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    print(f"tokenizer compile (best of 7): {best_compile() * 1000:.1f} ms")
    times = []
    for q in all_queries():
        start = time.perf_counter()
        sparql_guard.check(q.text)
        times.append(time.perf_counter() - start)
    print(f"check, {len(times)} canned queries: median {statistics.median(times) * 1000:.2f} ms, "
          f"max {max(times) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
