"""Error paths of quote anchoring at the article size limit (issue 15, M5).

Usage:

    python bench/anchor_bench.py

Times :func:`kg.read.anchoring.anchor` on the two cases the hostile review found
quadratic: a quote occurring 300,000 times (it took 92 s and wrote a 7 MB
error line) and one unmatched 98 KB quote in a 4.8 MB article (119 s).
Prints the seconds and the length of the message and hint. The target is
well under a second each; the test suite asserts the messages, not the time.
"""

from __future__ import annotations

import time

from kg.read.anchoring import AnchorError, anchor


def case(name: str, text: str, quote: str) -> None:
    t0 = time.perf_counter()
    try:
        anchor(text, quote)
    except AnchorError as e:
        spent = time.perf_counter() - t0
        print(f"{name}: {spent:.3f} s, message {len(str(e))} chars, hint {len(e.hint or '')} "
              f"chars (article {len(text):,} chars, quote {len(quote):,} chars)")
    else:
        raise SystemExit(f"{name}: the quote anchored, which the case does not expect")


def main() -> None:
    case("300,000 occurrences", "x\n" + "ab " * 300_000, "ab")
    words = [f"w{i}" for i in range(700_000)]
    text = " ".join(words)
    case("unmatched 98 KB quote, first word found", text,
         " ".join(words[10_000:25_000]) + " zzz")
    case("98 KB quote differing in case only", text, " ".join(words[10_000:25_000]).upper())
    case("98 KB quote, no word found", text, " ".join(f"v{i}" for i in range(15_000)))


if __name__ == "__main__":
    main()
