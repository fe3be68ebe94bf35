"""Quote -> (start, end) in the article: code-point offsets, end exclusive.

Pure functions: they raise :class:`AnchorError`; the annotation loader turns
it into an :class:`~kg.errors.InputError` naming the file and line.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

#: Typographic characters that hand-typed quotes often get wrong.
_LOOKALIKES = str.maketrans({
    "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
    "\u2014": "-", "\u2013": "-", "\u00a0": " ",
})


class AnchorError(ValueError):
    """A quote could not be anchored; ``hint`` says what to do."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    exact: str


def occurrences(text: str, quote: str) -> list[int]:
    """Start offsets of every (possibly overlapping) occurrence of quote."""
    found = []
    i = text.find(quote)
    while i != -1:
        found.append(i)
        i = text.find(quote, i + 1)
    return found


def line_of(text: str, offset: int) -> int:
    """1-based line number of a code-point offset."""
    return text.count("\n", 0, offset) + 1


def anchor(text: str, quote: str, occurrence: int | None = None) -> Anchor:
    """Find ``quote`` in ``text``.

    ``occurrence`` (1-based) picks one of several occurrences; without it the
    quote must occur exactly once.
    """
    if not quote:
        raise AnchorError("empty quote", "give the exact words of the article")
    if quote != quote.strip():
        raise AnchorError(f"quote {_show(quote)} starts or ends with white space",
                          "trim the quote to the words themselves")
    starts = occurrences(text, quote)
    if not starts:
        raise AnchorError(f"quote {_show(quote)} is not in the article", _near_miss(text, quote))
    if occurrence is not None:
        if not 1 <= occurrence <= len(starts):
            raise AnchorError(
                f"quote {_show(quote)} occurs {len(starts)} time(s); occurrence {occurrence} "
                "does not exist",
                f"use an occurrence between 1 and {len(starts)}")
        start = starts[occurrence - 1]
    elif len(starts) > 1:
        lines = ", ".join(f"#{i} at line {line_of(text, s)}" for i, s in enumerate(starts, 1))
        raise AnchorError(
            f"quote {_show(quote)} occurs {len(starts)} times ({lines})",
            "lengthen the quote or add 'occurrence: N' to pick one")
    else:
        start = starts[0]
    return Anchor(start, start + len(quote), quote)


def _show(quote: str, limit: int = 60) -> str:
    shown = quote if len(quote) <= limit else quote[: limit - 1] + "…"
    return repr(shown)


def _fold(s: str) -> str:
    return " ".join(unicodedata.normalize("NFC", s).translate(_LOOKALIKES).casefold().split())


def _near_miss(text: str, quote: str) -> str:
    """A hint when the quote differs from the text only in typography, case or spacing."""
    folded_quote = _fold(quote)
    if not folded_quote:
        return "give the exact words of the article"
    # Compare against a folded copy of the text, mapping back approximately.
    words = folded_quote.split()
    first = words[0]
    folded_text_words = text.translate(_LOOKALIKES).casefold().split()
    n = len(words)
    for i in range(len(folded_text_words) - n + 1):
        if folded_text_words[i:i + n] == words:
            original = " ".join(text.split()[i:i + n])
            return (f"the article has {_show(original)}: copy it exactly "
                    "(apostrophes ’, quotation marks “ ”, dashes — and case matter)")
    if first in folded_text_words:
        return "the first word occurs in the article; check the rest of the quote word for word"
    return "copy the quote from the article text, character for character"
