"""Quote -> (start, end) in the article: code-point offsets, end exclusive.

A quote matches the article character for character, with one exception:
line breaks. A line break in the quote (``\\n``, ``\\r\\n`` or ``\\r``) matches any
line break in the article, so a quote typed (or pasted into YAML) with
``\\n`` anchors in an article saved with Windows line ends. The offsets are
always those of the article's own text, and ``Anchor.exact`` is the
article's slice ``text[start:end]`` (with its ``\\r\\n``), never the quote as typed.
Anything else (Unicode normalisation, apostrophes, case, spaces) must match
exactly; the hint then says what differs.

Pure functions: they raise :class:`AnchorError`; the annotation loader turns
it into an :class:`~kg.errors.InputError` naming the file and line.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice

#: An ambiguous quote's message lists this many occurrences, then "and N more".
LISTED_OCCURRENCES = 5

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
    quote must occur exactly once. Line breaks match any line break (see the
    module's docstring); ``exact`` is the article's text at the offsets.
    """
    if not quote:
        raise AnchorError("empty quote", "give the exact words of the article")
    if quote != quote.strip():
        raise AnchorError(f"quote {_show(quote)} starts or ends with white space",
                          "trim the quote to the words themselves")
    haystack, shifts = _unified(text)
    needle = unify_line_breaks(quote)[0] if "\r" in quote else quote
    starts = occurrences(haystack, needle)
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
        listed = starts[:LISTED_OCCURRENCES]
        lines = ", ".join(f"#{i} at line {line_of(haystack, s)}"
                          for i, s in enumerate(listed, 1))
        if len(starts) > len(listed):
            lines += f" and {len(starts) - len(listed)} more"
        raise AnchorError(
            f"quote {_show(quote)} occurs {len(starts)} times ({lines})",
            "lengthen the quote or add 'occurrence: N' to pick one")
    else:
        start = starts[0]
    end = start + len(needle)
    if shifts:  # back to the article's own offsets
        start += bisect_left(shifts, start)
        end += bisect_left(shifts, end)
    return Anchor(start, end, text[start:end])


@lru_cache(maxsize=4)
def _unified(text: str) -> tuple[str, list[int]]:
    """:func:`unify_line_breaks` of an article, once per article (its quotes come in a row)."""
    return unify_line_breaks(text) if "\r" in text else (text, [])


def unify_line_breaks(text: str) -> tuple[str, list[int]]:
    """``text`` with every ``\\r\\n`` and ``\\r`` made ``\\n``, and where the ``\\r\\n`` were.

    The list holds, sorted, the position in the new text of each ``\\n`` that
    was a ``\\r\\n``: position ``i`` of the new text is position
    ``i + bisect_left(shifts, i)`` of ``text``.
    """
    shifts = []
    j = text.find("\r\n")
    while j != -1:
        shifts.append(j - len(shifts))
        j = text.find("\r\n", j + 2)
    return text.replace("\r\n", "\n").replace("\r", "\n"), shifts


def _show(quote: str, limit: int = 60) -> str:
    shown = quote if len(quote) <= limit else quote[: limit - 1] + "…"
    return repr(shown)


def _fold(s: str) -> str:
    return " ".join(unicodedata.normalize("NFC", s).translate(_LOOKALIKES).casefold().split())


def _form(text: str) -> str:
    if unicodedata.is_normalized("NFC", text):
        return "composed (NFC)"
    if unicodedata.is_normalized("NFD", text):
        return "decomposed (NFD)"
    return "mixed"


def _near_miss(text: str, quote: str) -> str:
    """A hint saying how the quote differs from the article, when it nearly matches.

    Linear in the article's length (one folded copy, one substring search),
    however long the quote.
    """
    folded_quote = _fold(quote)
    if not folded_quote:
        return "give the exact words of the article"
    nfc_quote = unicodedata.normalize("NFC", unify_line_breaks(quote)[0])
    if nfc_quote in unicodedata.normalize("NFC", unify_line_breaks(text)[0]):
        return (f"the article writes accented letters {_form(text)} and the quote "
                f"{_form(quote)}: the same letters in other Unicode code points; "
                "copy the quote from the article's text")
    folded_text = " " + _fold(text) + " "
    at = folded_text.find(" " + folded_quote + " ")
    if at != -1:
        # the folded text has one space between words: the match starts at word i
        i = folded_text.count(" ", 1, at + 1)
        n = folded_quote.count(" ") + 1
        words = list(islice(re.finditer(r"\S+", text), i, i + n))
        original = text[words[0].start():words[-1].end()]
        if " ".join(original.split()) == " ".join(quote.split()):
            return (f"the article has {_show(original)}: the white space differs "
                    "(a line break, a non-breaking space or repeated spaces); copy it exactly")
        return (f"the article has {_show(original)}: copy it exactly "
                "(apostrophes ’, quotation marks “ ”, dashes — and case matter)")
    first = folded_quote.split(" ", 1)[0]
    if " " + first + " " in folded_text:
        return "the first word occurs in the article; check the rest of the quote word for word"
    return "copy the quote from the article text, character for character"
