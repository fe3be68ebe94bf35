"""Whose words a span of an article is: the article's own, or a speaker's.

Every code point of an article lies in exactly one :class:`Region`:

- ``"direct"``: inside quotation marks (“…”, "…", «…»). A paragraph that
  opens a quotation without closing it continues into the next paragraph
  when that paragraph starts with an opening mark (the English convention)
  or closes the quotation before opening another one.
- ``"reported"``: a sentence outside quotation marks whose clause is
  attributed by a reporting cue to a speaker: "Dymov noted that ...",
  "Russia, Dymov said, insists ...", "According to Dymov, ...", "In his
  view, ...".
- ``"own"``: everything else, the article's own voice.

The speaker is the text near the cue as written ("Dymov", "Türkiye’s
Foreign Minister", "He"): detection does not resolve pronouns or map names
to records; an annotation file's ``voices:`` section confirms or corrects a
span (:func:`apply_corrections`), and the mapping matches speakers to
records. Single quotation marks (‘…’) are never a voice of their own: inside
a quotation they are the speaker quoting someone, outside they are scare
quotes or apostrophes.

Pure functions over code-point offsets (end exclusive, like ``oa:start`` /
``oa:end``); no RDF here. :func:`sentences` is the project's one sentence
splitter (``kg coverage`` uses it too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OWN, DIRECT, REPORTED = "own", "direct", "reported"
VOICES = (OWN, DIRECT, REPORTED)

#: The cue of a region set by an annotation file's ``voices:`` section; its
#: speaker is then a record id, not text.
CORRECTION_CUE = "voices:"


@dataclass(frozen=True)
class Region:
    """A maximal span of text in one voice."""

    start: int  # code points, end exclusive, like oa:start/oa:end
    end: int
    voice: str  # "own" | "direct" | "reported"
    speaker: str | None  # as written near the cue; None for "own"
    cue: str | None  # the attribution cue ("noted", "according to", "“") or None


# --- sentences ---------------------------------------------------------------

#: Lines at the top of an article that are left-overs of the web page, not
#: text: "date 2025-05-20 + ↺ − 16 px", share and font-size widgets.
_DEBRIS = re.compile(
    r"^\s*(?:date\s+\d{4}-\d{2}-\d{2}\b.*|.*[↺↻].*|.*\b\d+\s*px\s*)$", re.IGNORECASE)

#: Abbreviations whose final period does not end a sentence.
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "sgt", "capt", "st", "jr", "sr",
    "vs", "etc", "e.g", "i.e", "no", "fig", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec", "inc", "ltd", "co", "corp", "gov", "rep",
    "sen", "pres", "approx",
}
_CLOSERS = "\"'”’»)]"
_OPENERS = "\"'“‘«(["
# A candidate boundary: terminal punctuation, closing quotes, white space.
_BOUNDARY = re.compile(r"[.!?…]+[" + re.escape(_CLOSERS) + r"]*(?=\s+)")
_ACRONYM = re.compile(r"(?:^|[\s(“‘\"'])(?:[A-Za-z]\.){2,}$")  # U.S. e.g. i.e.
_INITIAL = re.compile(r"(?:^|[\s(“‘\"'])[A-Z]\.$")  # J. Smith


def body_start(text: str) -> int:
    """Offset where the article body begins: after leading blank and debris lines."""
    pos = 0
    for line in text.splitlines(keepends=True):
        if line.strip() and not _DEBRIS.match(line.rstrip("\r\n")):
            break
        pos += len(line)
    return pos


def _is_abbreviation(before: str) -> bool:
    """True when the text before a period ends with an abbreviation or initial."""
    if _ACRONYM.search(before) or _INITIAL.search(before):
        return True
    word = re.search(r"([A-Za-z.]+)$", before)
    return bool(word) and word.group(1).rstrip(".").lower() in _ABBREVIATIONS


def sentences(text: str) -> list[tuple[int, int]]:
    """The sentence spans ``(start, end)`` of the article body.

    The body starts after leading page-debris lines (:func:`body_start`). A
    line break always ends a sentence; within a line a sentence ends at ., !,
    ? or … (with any closing quotes) followed by white space and an
    upper-case letter, a digit or an opening quote, unless the period closes
    an abbreviation (U.S., Gen.) or an initial. Spans are trimmed of white
    space, never empty, in order.
    """
    out: list[tuple[int, int]] = []
    offset = body_start(text)
    for line in text[offset:].splitlines(keepends=True):
        start = offset
        offset += len(line)
        content = line.rstrip("\r\n")
        cuts = [0]
        for m in _BOUNDARY.finditer(content):
            nxt = content[m.end():].lstrip()
            if not nxt or not (nxt[0].isupper() or nxt[0].isdigit() or nxt[0] in _OPENERS):
                continue
            punct = m.group(0).rstrip(_CLOSERS)
            if punct == "." and _is_abbreviation(content[: m.start() + 1]):
                continue
            cuts.append(m.end())
        cuts.append(len(content))
        for a, b in zip(cuts, cuts[1:], strict=False):
            piece = content[a:b]
            if not piece.strip():
                continue
            lead = len(piece) - len(piece.lstrip())
            out.append((start + a + lead, start + a + len(piece.rstrip())))
    return out


# --- quotation marks ------------------------------------------------------------

_OPEN_DOUBLE = "“«„"
_CLOSE_DOUBLE = "”»"


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """Non-blank lines as ``(start, end)`` without the line break."""
    out, pos = [], 0
    for line in text.splitlines(keepends=True):
        content = line.rstrip("\r\n")
        if content.strip():
            out.append((pos, pos + len(content)))
        pos += len(line)
    return out


def _first_mark(text: str) -> str | None:
    """"open", "close" or None: which double quotation mark comes first in ``text``."""
    for ch in text:
        if ch in _OPEN_DOUBLE:
            return "open"
        if ch in _CLOSE_DOUBLE:
            return "close"
        if ch == '"':
            return None  # a straight mark could be either
    return None


def _quotations(text: str) -> list[tuple[int, int]]:
    """Spans of direct speech, quotation marks included, outermost only."""
    spans: list[tuple[int, int]] = []
    paras = _paragraphs(text)
    depth, straight, begin = 0, False, 0
    resume_at = -1  # the opening mark that continues a quotation from the paragraph before
    for i, (ps, pe) in enumerate(paras):
        for j in range(ps, pe):
            ch = text[j]
            if straight:
                if ch == '"':
                    straight = False
                    spans.append((begin, j + 1))
            elif ch in _OPEN_DOUBLE:
                if depth == 0 and j != resume_at:
                    begin = j
                depth += 1
            elif ch in _CLOSE_DOUBLE and depth > 0:
                depth -= 1
                if depth == 0:
                    spans.append((begin, j + 1))
            elif ch == '"' and depth == 0:
                begin, straight = j, True
        resume_at = -1
        if depth > 0 or straight:
            nxt = paras[i + 1] if i + 1 < len(paras) else None
            rest = text[nxt[0]:nxt[1]] if nxt else ""
            lead = len(rest) - len(rest.lstrip())
            if nxt and rest[lead:lead + 1] in tuple(_OPEN_DOUBLE):
                resume_at = nxt[0] + lead  # re-opened: the same quotation goes on
                depth, straight = 0, False
                continue
            if nxt and not straight and _first_mark(rest) == "close":
                continue  # closed further on: the same quotation goes on
            spans.append((begin, pe))  # never closed: it ends with its paragraph
            depth, straight = 0, False
    return spans


# --- speakers and reporting cues ---------------------------------------------------

#: Verbs that attribute the clause they introduce to their subject.
_CUE_VERBS = (
    "said", "says", "say", "noted", "notes", "warned", "warns", "emphasized", "emphasizes",
    "emphasised", "emphasises", "stressed", "stresses", "added", "adds", "argued", "argues",
    "believes", "believe", "believed", "claimed", "claims", "confirmed", "confirms", "stated",
    "states", "explained", "explains", "insisted", "insists", "told", "suggested", "suggests",
    "thinks", "think", "thought", "concluded", "observed", "remarked", "asserted", "asserts",
    "maintained", "maintains", "contended", "alleged", "alleges", "announced", "acknowledged",
    "admitted", "predicted", "recalled", "replied", "wrote", "writes", "declared", "pointed out",
    "called",
)
#: Cues that take their content without "that" ("Dymov believes Russia is ...").
_BARE_CUES = {"believes", "believe", "believed", "thinks", "think", "thought"}
_PRONOUNS = ("He", "She", "They", "he", "she", "they", "It", "it", "We", "we", "I")
#: Capitalised words that start a clause but never name a speaker.
_NOT_NAMES = {
    "When", "On", "If", "While", "Despite", "After", "Before", "As", "But", "And", "The",
    "This", "That", "These", "Those", "However", "For", "In", "At", "With", "Yet", "So",
    "Thus", "Then", "Now", "Asked", "Still", "Meanwhile", "According", "Although", "Though",
    "A", "An", "Only", "Even", "Also",
}
_WORD = r"[A-ZÀ-ÖØ-Þ][\w.\-’']*"
_NAME = rf"(?:{_WORD})(?:\s+(?:of\s+|de\s+|the\s+)?{_WORD})*"
_ADVERB = r"(?:\s+(?:also|again|recently|later|then|even|further|once|\w+ly))?"
_CUE = "|".join(re.escape(c) for c in sorted(_CUE_VERBS, key=len, reverse=True))
_SPEAKER = rf"(?P<speaker>{_NAME}|{'|'.join(_PRONOUNS)})"
#: "Dymov noted that", "He said,", "Dymov believes Russia ..."
_CLAUSE_CUE = re.compile(
    rf"(?:^|(?<=[\s,;(—–]))(?P<who>{_SPEAKER}){_ADVERB}\s+(?P<cue>{_CUE})\b"
    rf"(?P<after>\s+that\b|\s*,|\s*—|\s+(?=\S))")
#: "Russia, Dymov said, insists" / "..., Dymov said."
_PARENTHETICAL = re.compile(
    rf",\s+(?P<who>{_SPEAKER}){_ADVERB}\s+(?P<cue>{_CUE})\s*(?:[,.;—]|$)")
_ACCORDING = re.compile(rf"\b(?P<cue>[Aa]ccording to)\s+(?P<speaker>{_NAME}|him|her|them)")
_VIEW = re.compile(r"\b(?P<cue>[Ii]n (?P<speaker>his|her|their) (?:view|opinion|words))\b")
#: "Kyiv called “", "Dymov said: “": a speaker and cue right before a quotation.
_CUE_BEFORE = re.compile(
    rf"(?:^|(?<=[\s,;(—–]))(?P<speaker>{_NAME}|{'|'.join(_PRONOUNS)}){_ADVERB}\s+"
    rf"(?P<cue>{_CUE})\s*[:,]?\s*$")
#: The introduction of a quotation in the paragraph before it: "Dymov was blunt:".
_INTRO = re.compile(
    rf"(?:^|(?<=[\s,;(—–]))(?P<speaker>{_NAME}){_ADVERB}\s+"
    rf"(?P<cue>{_CUE}|was\s+\w+|is\s+\w+|\w+ed)\b")


def _clean_speaker(name: str) -> str | None:
    words = name.split()
    while words and words[0] in _NOT_NAMES:
        words.pop(0)
    return " ".join(words) or None


def _reporting_cue(sentence: str) -> tuple[str, str, int, int] | None:
    """``(speaker, cue, start, end)`` when the sentence's clause is attributed to a
    speaker; ``[start, end)`` is the attribution ("Dymov noted that", ", Dymov
    said,", "According to Dymov,"), which stays in the article's own voice."""
    m = _ACCORDING.search(sentence) or _VIEW.search(sentence)
    if m:
        end = m.end() + 1 if sentence[m.end():m.end() + 1] == "," else m.end()
        start = 0 if not sentence[:m.start()].strip() else m.start()
        return m.group("speaker"), m.group("cue").lower(), start, end
    for m in _PARENTHETICAL.finditer(sentence):
        speaker = _clean_speaker(m.group("speaker"))
        if speaker:
            return speaker, m.group("cue"), m.start(), m.end()
    for m in _CLAUSE_CUE.finditer(sentence):
        cue, after = m.group("cue"), m.group("after")
        if cue == "called":
            continue  # "terms Kyiv called “...”" names a quotation, not a clause
        if not (after.strip() in ("that", ",", "—") or cue in _BARE_CUES):
            continue
        speaker = _clean_speaker(m.group("speaker"))
        if speaker:
            return speaker, cue, 0, m.end()
    return None


def _intro_speaker(intro: str) -> tuple[str, str] | None:
    """``(speaker, cue)`` of the last "NAME verb" in a paragraph that introduces a quotation."""
    found = None
    for m in _INTRO.finditer(intro):
        speaker = _clean_speaker(m.group("speaker"))
        if speaker:
            found = (speaker, " ".join(m.group("cue").split()))
    return found


def _quotation_speaker(text: str, q: tuple[int, int], para: tuple[int, int],
                       prev: Region | None, prev_para: tuple[int, int] | None,
                       reported: tuple[str, str] | None) -> tuple[str | None, str]:
    """The speaker and cue of the quotation ``q`` in paragraph ``para``."""
    before = text[para[0]:q[0]]
    # "... Kyiv called “...”", "Dymov said: “...”" in the same sentence
    tail = re.split(r"[.!?…]\s", before)[-1]
    m = _CUE_BEFORE.search(tail)
    if m and _clean_speaker(m.group("speaker")):
        return _clean_speaker(m.group("speaker")), m.group("cue")
    if tail.rstrip().endswith(":"):
        intro = _intro_speaker(tail)
        if intro:
            return intro
    after = text[q[1]:para[1]]
    m = re.match(rf"\s*,?\s*(?P<speaker>{_NAME}|{'|'.join(_PRONOUNS)}){_ADVERB}\s+"
                 rf"(?P<cue>{_CUE})\b", after)
    if m and _clean_speaker(m.group("speaker")):
        return _clean_speaker(m.group("speaker")), m.group("cue")
    if before.strip() == "" and prev_para is not None:
        prev_text = text[prev_para[0]:prev_para[1]].rstrip()
        if prev is not None and prev.voice == DIRECT and prev.end >= prev_para[1] - 1 \
                and prev_text.endswith(tuple(_CLOSE_DOUBLE) + ('"',)):
            return prev.speaker, prev.cue or text[q[0]]  # the same speaker goes on
        if prev_text.endswith(":"):
            intro = _intro_speaker(prev_text)
            if intro:
                return intro
        if reported is not None:
            return reported  # a quotation after a paragraph of reported speech
    return None, text[q[0]]


def _region_at(regions: list[Region], pos: int) -> Region | None:
    for r in regions:
        if r.start <= pos < r.end:
            return r
    return None


def detect(text: str) -> list[Region]:
    """The voice of every code point of ``text``: sorted, non-overlapping, whole."""
    quotes = _quotations(text)
    paras = _paragraphs(text)

    def para_of(pos: int) -> int:
        for k, (ps, pe) in enumerate(paras):
            if ps <= pos < pe:
                return k
        return -1

    direct = [Region(a, b, DIRECT, None, None) for a, b in quotes]
    # reported speech: sentences outside quotations with a reporting cue
    reported: list[Region] = []
    for s, e in sentences(text):
        found = _reporting_cue(_masked(text, s, e, direct))
        if found is None:
            continue
        speaker, cue, own_start, own_end = found
        attribution = Region(s + own_start, s + own_end, OWN, None, None)
        for a, b in _outside(s, e, direct + [attribution]):
            while a < b and text[a] in _TRIM:
                a += 1
            while a < b and text[b - 1] in _TRIM:
                b -= 1
            if any(ch.isalnum() for ch in text[a:b]):
                reported.append(Region(a, b, REPORTED, speaker, cue))
    # who speaks each quotation
    spoken: list[Region] = []
    for a, b in quotes:
        k = para_of(a)
        prev_para = paras[k - 1] if k > 0 else None
        whole = None
        if prev_para is not None:
            inside = [r for r in reported if prev_para[0] <= r.start < prev_para[1]]
            if inside and not text[inside[-1].end:prev_para[1]].strip():
                whole = (inside[-1].speaker, inside[-1].cue)  # it ends in reported speech
        speaker, cue = _quotation_speaker(text, (a, b), paras[k],
                                          spoken[-1] if spoken else None, prev_para, whole)
        spoken.append(Region(a, b, DIRECT, speaker, cue))
    pieces = sorted(spoken + reported, key=lambda r: r.start)
    return _fill(text, pieces)


#: Characters trimmed from the ends of reported speech ("that, as a result" -> "as a result").
_TRIM = " \t,;:—–"


def _outside(s: int, e: int, skip: list[Region]) -> list[tuple[int, int]]:
    """The parts of ``[s, e)`` outside the regions ``skip``."""
    parts, pos = [], s
    for r in sorted(skip, key=lambda r: r.start):
        if r.end <= pos or r.start >= e:
            continue
        if r.start > pos:
            parts.append((pos, r.start))
        pos = max(pos, r.end)
    if pos < e:
        parts.append((pos, e))
    return parts


def _masked(text: str, s: int, e: int, direct: list[Region]) -> str:
    """The sentence with each quotation blanked to a same-length run of "x"."""
    chars = list(text[s:e])
    for r in direct:
        for i in range(max(r.start, s), min(r.end, e)):
            chars[i - s] = "x"
    return "".join(chars)


def _fill(text: str, pieces: list[Region]) -> list[Region]:
    """Own-voice regions in the gaps; adjacent regions of one voice and speaker
    merged, also over a gap of white space (the paragraphs of one speech)."""
    out: list[Region] = []
    pos = 0
    for r in pieces:
        if r.start > pos:
            out.append(Region(pos, r.start, OWN, None, None))
        out.append(r)
        pos = r.end
    if pos < len(text):
        out.append(Region(pos, len(text), OWN, None, None))
    merged: list[Region] = []
    for r in out:
        if len(merged) >= 2 and merged[-1].voice == OWN \
                and not text[merged[-1].start:merged[-1].end].strip() \
                and _same(merged[-2], r):
            merged.pop()
        last = merged[-1] if merged else None
        if last and _same(last, r):
            merged[-1] = Region(last.start, r.end, r.voice, r.speaker, r.cue)
        else:
            merged.append(r)
    return merged


def _same(a: Region, b: Region) -> bool:
    return (a.voice, a.speaker, a.cue) == (b.voice, b.speaker, b.cue)


def voice_at(regions: list[Region], start: int, end: int) -> Region | None:
    """The region ``[start, end)`` lies in, or None when it straddles two regions."""
    for r in regions:
        if r.start <= start and end <= r.end:
            return r
    return None


def quote_voice(regions: list[Region], start: int, end: int) -> Region:
    """The voice of a quote: the region it lies in; when it straddles regions,
    the article's own voice if any of it is own, else the region it overlaps most.

    A quote that holds some of the article's own words ("terms Kyiv called
    “detached from reality”") is the article speaking.
    """
    inside = voice_at(regions, start, end)
    if inside is not None:
        return inside
    overlapping = [r for r in regions if r.start < end and r.end > start]
    if not overlapping or any(r.voice == OWN for r in overlapping):
        return Region(start, end, OWN, None, None)
    return max(overlapping, key=lambda r: min(end, r.end) - max(start, r.start))


def apply_corrections(regions: list[Region],
                      corrections: list[tuple[int, int, str, str | None]]) -> list[Region]:
    """``regions`` with each ``(start, end, voice, speaker)`` span set by hand.

    The span becomes one region with cue :data:`CORRECTION_CUE` and the
    given speaker (a record id, or None for the article's own voice); the
    detected regions it overlaps are cut around it. Later corrections win.
    """
    out = list(regions)
    for start, end, voice, speaker in corrections:
        if voice not in VOICES:
            raise ValueError(f"unknown voice {voice!r}")
        cut: list[Region] = []
        for r in out:
            if r.end <= start or r.start >= end:
                cut.append(r)
                continue
            if r.start < start:
                cut.append(Region(r.start, start, r.voice, r.speaker, r.cue))
            if r.end > end:
                cut.append(Region(end, r.end, r.voice, r.speaker, r.cue))
        cut.append(Region(start, end, voice, None if voice == OWN else speaker,
                          CORRECTION_CUE))
        out = sorted(cut, key=lambda r: r.start)
    return out
