"""Why a quote is not in its article: the nearest match and how it differs.

Pure functions over strings, used by ``kg check``. A quote that differs
from the article only in Unicode normalisation (NFC/NFD), typographic
quotation marks, apostrophes or dashes, a line break, other white space or
case is found by folding both; otherwise the closest passage of about the
quote's length is found with difflib (bounded: at most ``MAX_WINDOWS``
passages are compared).
"""

from __future__ import annotations

import difflib
import re
import unicodedata

#: Typographic characters that hand-typed quotes often get wrong.
_TYPOGRAPHY = str.maketrans({
    "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2014": "-", "\u2013": "-", "\u2212": "-",
})
#: White space other than a plain space and a line break.
_SPACES = re.compile(r"[\t\u00a0\u2000-\u200b\u202f\u205f\u3000]")

#: (name, how the two texts differ in that respect, what to do)
_ASPECTS = (
    ("nfc", "Unicode normalisation differs (NFD and NFC forms of an accented letter)",
     "copy the word from the article"),
    ("typography", "curly and straight quotation marks, apostrophes or dashes differ",
     "the article's ’ “ ” — are not ' \" -"),
    ("linebreak", "the article has a line break inside the passage",
     "write it as \\n inside a double-quoted string, or quote the lines separately"),
    ("space", "white space differs (double spaces, tabs or non-breaking spaces)",
     "copy the spacing from the article"),
    ("case", "upper and lower case differ", "copy the case from the article"),
)
MAX_WINDOWS = 5_000


def _fold(s: str, skip: str = "") -> str:
    """``s`` with every difference but ``skip`` folded away."""
    if skip != "nfc":
        s = unicodedata.normalize("NFC", s)
    if skip != "typography":
        s = s.translate(_TYPOGRAPHY)
    if skip != "space":
        s = _SPACES.sub(" ", s)
        s = re.sub(r"[ ]+", " ", s)
    if skip != "linebreak":
        s = re.sub(r"[ ]*\n[ ]*", " ", s)
    if skip not in ("space", "linebreak"):
        s = re.sub(r"\s+", " ", s)
    if skip != "case":
        s = s.casefold()
    return s


def _folded_with_map(text: str) -> tuple[str, list[int]]:
    """The fully folded text and, per folded character, its offset in ``text``."""
    out: list[str] = []
    origin: list[int] = []
    space = False
    for i, c in enumerate(text):
        if c.isspace():
            if not space and out:
                out.append(" ")
                origin.append(i)
            space = True
            continue
        space = False
        for f in unicodedata.normalize("NFD", c.translate(_TYPOGRAPHY)).casefold():
            out.append(f)
            origin.append(i)
    return "".join(out), origin


def _nfd_fold(s: str) -> str:
    return " ".join(unicodedata.normalize("NFD", s.translate(_TYPOGRAPHY)).casefold().split())


def differences(quote: str, passage: str) -> list[tuple[str, str]]:
    """How ``quote`` differs from ``passage`` when they are equal once folded."""
    out = []
    for name, what, todo in _ASPECTS:
        if _fold(quote, name) != _fold(passage, name):
            if name == "linebreak" and "\n" not in passage:
                what, todo = ("the quote has a line break where the article has none",
                              "write the words on one line")
            out.append((what, todo))
    return out


def _show(s: str, limit: int = 70) -> str:
    return repr(s if len(s) <= limit else s[: limit - 1] + "…")


def nearest(text: str, quote: str) -> tuple[int, int] | None:
    """The span of ``text`` nearest to ``quote``: equal once folded, or the closest passage."""
    folded, origin = _folded_with_map(text)
    q = _nfd_fold(quote)
    if not q:
        return None
    i = folded.find(q)
    if i != -1:
        j = i + len(q) - 1
        end = origin[j] + 1
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1
        return origin[i], end
    # The closest passage of the quote's length, starting at a word.
    n = len(quote)
    starts = [m.start() for m in re.finditer(r"\S+", text)][:MAX_WINDOWS]
    best, best_ratio = None, 0.6
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(quote)
    for s in starts:
        matcher.set_seq1(text[s:s + n])
        if matcher.real_quick_ratio() <= best_ratio or matcher.quick_ratio() <= best_ratio:
            continue
        r = matcher.ratio()
        if r > best_ratio:
            best, best_ratio = s, r
    if best is None:
        return None
    end = min(len(text), best + n)
    while end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1  # to the end of the word
    while end > best and text[end - 1].isspace():
        end -= 1
    return best, end


def diagnose(text: str, quote: str) -> str:
    """A hint for a quote that is not in ``text``: where the nearest match is, and why."""
    span = nearest(text, quote)
    if span is None:
        return "nothing like it in the article: copy the quote from the article text"
    start, end = span
    passage = text[start:end]
    line = text.count("\n", 0, start) + 1
    diffs = differences(quote, passage) if _nfd_fold(quote) == _nfd_fold(passage) else []
    where = f"nearest match at article line {line}: {_show(passage)}"
    if not diffs:
        a, b = _first_difference(quote, passage)
        return f"{where}; it differs at {a!r} (quote) / {b!r} (article)"
    return where + "; " + "; ".join(f"{what}: {todo}" for what, todo in diffs)


def _first_difference(a: str, b: str) -> tuple[str, str]:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            return a[max(0, i1 - 3):i2 + 3], b[max(0, j1 - 3):j2 + 3]
    return a, b
