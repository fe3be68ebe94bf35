"""Sentence coverage of an article by its annotations.

The article body (the text after any page-debris header lines) is split into
sentences; each sentence is *mapped* when at least one annotation quote lies
in it, *listed* when the annotation file's ``unmapped`` section names it with
a reason, and *missing* otherwise. The report gives, per sentence, the
records anchored in it, and the percentages of sentences mapped and
accounted for (mapped or listed).

``split_sentences`` and ``coverage`` are pure functions over code-point
offsets (end exclusive, as in the evidence graph); ``seeds_coverage`` reads a
seeds directory and maps its annotations (no reasoning) to build one report
per article.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from kg.read.voice import OWN, REPORTED, Region, body_start, detect, sentences

__all__ = ["body_start", "coverage", "reports_json", "seeds_coverage", "split_sentences"]


@dataclass(frozen=True)
class Sentence:
    index: int  # 1-based, in article order
    start: int  # code-point offset, inclusive
    end: int  # code-point offset, exclusive
    text: str


@dataclass(frozen=True)
class SentenceCoverage:
    sentence: Sentence
    statements: tuple[str, ...]  # labels of the spans anchored in the sentence
    reasons: tuple[str, ...]  # reasons of the unmapped entries that name it
    voice: str = OWN  # "own" | "direct" | "reported": the voice of most of its words
    speaker: str | None = None  # as detected, or the record id an annotation gave
    facts: tuple[str, ...] = ()  # records with a fact (beyond a name) anchored here
    claims: tuple[tuple[str, bool], ...] = ()  # (claim record, has structured content)

    @property
    def voice_text(self) -> str:
        return self.voice + (f" ({self.speaker})" if self.speaker else "")

    @property
    def status(self) -> str:
        if self.statements:
            return "mapped"
        return "listed" if self.reasons else "missing"


@dataclass(frozen=True)
class CoverageReport:
    name: str
    sentences: tuple[SentenceCoverage, ...]

    @property
    def total(self) -> int:
        return len(self.sentences)

    @property
    def mapped(self) -> int:
        return sum(1 for s in self.sentences if s.status == "mapped")

    @property
    def listed(self) -> int:
        return sum(1 for s in self.sentences if s.status == "listed")

    @property
    def missing(self) -> tuple[SentenceCoverage, ...]:
        return tuple(s for s in self.sentences if s.status == "missing")

    @property
    def not_mapped(self) -> tuple[SentenceCoverage, ...]:
        return tuple(s for s in self.sentences if s.status != "mapped")

    @property
    def percent_mapped(self) -> float:
        return 100.0 * self.mapped / self.total if self.total else 100.0

    @property
    def percent_accounted(self) -> float:
        return 100.0 * (self.mapped + self.listed) / self.total if self.total else 100.0

    @property
    def claim_ids(self) -> dict[str, bool]:
        """Every claim anchored in the article -> whether it has structured content."""
        out: dict[str, bool] = {}
        for sc in self.sentences:
            for cid, structured in sc.claims:
                out[cid] = out.get(cid, False) or structured
        return out

    @property
    def own_voice(self) -> tuple[SentenceCoverage, ...]:
        """The sentences in the article's own voice (less those listed as unmapped)."""
        return tuple(s for s in self.sentences if s.voice == OWN and s.status != "listed")

    @property
    def own_without_fact(self) -> tuple[SentenceCoverage, ...]:
        return tuple(s for s in self.own_voice if not s.facts)

    def depth(self) -> str:
        claims = self.claim_ids
        structured = sum(claims.values())
        own = self.own_voice
        with_fact = len(own) - len(self.own_without_fact)
        claimed = (f"{structured} of {len(claims)} claims structured "
                   f"({_percent(structured, len(claims)):.1f}%)" if claims else "no claims")
        return f"{self.name}: {claimed}; {with_fact} of {len(own)} own-voice sentences " \
               "anchor a fact"

    def ok(self, min_mapped: float = 90.0) -> bool:
        """Every sentence accounted for and at least ``min_mapped`` % mapped."""
        return not self.missing and self.percent_mapped >= min_mapped

    def summary(self) -> str:
        return (f"{self.name}: {self.total} sentences, {self.mapped} mapped "
                f"({self.percent_mapped:.1f}%), {self.listed} listed as unmapped, "
                f"{len(self.missing)} missing; {self.percent_accounted:.1f}% accounted for")

    def text(self, *, all_sentences: bool = False, width: int = 72) -> str:
        """A readable report: the summary and depth lines, then what is not mapped
        and the own-voice sentences that anchor no fact (or every sentence, with
        its voice, facts, claims and other records)."""
        lines = [self.summary(), self.depth()]
        if all_sentences:
            for sc in self.sentences:
                self._sentence_lines(sc, lines, width, detail=True)
            from kg.visible import visible

            return visible("\n".join(lines))
        if self.not_mapped:
            lines.append("not mapped:")
            for sc in self.not_mapped:
                self._sentence_lines(sc, lines, width, detail=False)
        if self.own_without_fact:
            lines.append("own voice, no fact:")
            for sc in self.own_without_fact:
                s = sc.sentence
                lines.append(f"  S{s.index} [{s.start}-{s.end}]: {_shorten(s.text, width)}")
        from kg.visible import visible

        return visible("\n".join(lines))  # article text may hold terminal escapes

    @staticmethod
    def _sentence_lines(sc: SentenceCoverage, lines: list[str], width: int,
                        detail: bool) -> None:
        s = sc.sentence
        head = f"  S{s.index} [{s.start}-{s.end}] {sc.status}"
        if detail:
            head += f", {sc.voice_text}"
        lines.append(f"{head}: {_shorten(s.text, width)}")
        if detail:
            if sc.facts:
                lines.append("      facts: " + ", ".join(sc.facts))
            if sc.claims:
                lines.append("      claims: " + ", ".join(
                    f"{cid} ({'structured' if st else 'unstructured'})"
                    for cid, st in sc.claims))
            others = [x for x in sc.statements
                      if x not in sc.facts and x not in {c for c, _ in sc.claims}]
            if others:
                lines.append("      mentions: " + ", ".join(others))
        for reason in sc.reasons:
            lines.append(f"      reason: {reason}")

    def as_dict(self) -> dict:
        claims = self.claim_ids
        return {
            "article": self.name,
            "sentences": self.total,
            "mapped": self.mapped,
            "listed": self.listed,
            "missing": len(self.missing),
            "percent_mapped": round(self.percent_mapped, 2),
            "percent_accounted": round(self.percent_accounted, 2),
            "claims": len(claims),
            "claims_structured": sum(claims.values()),
            "own_voice_sentences": len(self.own_voice),
            "own_voice_with_fact": len(self.own_voice) - len(self.own_without_fact),
            "detail": [
                {"index": sc.sentence.index, "start": sc.sentence.start,
                 "end": sc.sentence.end, "text": sc.sentence.text, "status": sc.status,
                 "voice": sc.voice, "speaker": sc.speaker, "facts": list(sc.facts),
                 "claims": [{"id": cid, "structured": st} for cid, st in sc.claims],
                 "statements": list(sc.statements), "reasons": list(sc.reasons)}
                for sc in self.sentences
            ],
        }


def _percent(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 100.0


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of the article body (:func:`kg.read.voice.sentences`), numbered from 1."""
    return [Sentence(i, s, e, text[s:e]) for i, (s, e) in enumerate(sentences(text), 1)]


def sentence_voice(regions: list[Region], start: int, end: int) -> Region:
    """The voice of a sentence: reported when it holds reported speech (its
    attribution, "Dymov said that", is the article's), else the voice of most
    of its characters (the article's own voice on a tie)."""
    share: dict[tuple, int] = {}
    for r in regions:
        n = min(end, r.end) - max(start, r.start)
        if n > 0:
            key = (r.voice, r.speaker)
            share[key] = share.get(key, 0) + n + (end - start if r.voice == REPORTED else 0)
    if not share:
        return Region(start, end, OWN, None, None)
    (voice, speaker), _ = max(share.items(), key=lambda kv: (kv[1], kv[0][0] == OWN))
    return Region(start, end, voice, speaker, None)


def coverage(text: str, spans: list[tuple], unmapped: list[tuple[int, int, str]],
             name: str = "article", regions: list[Region] | None = None) -> CoverageReport:
    """Which sentences of ``text`` the annotation ``spans`` cover, and how deeply.

    ``spans`` are ``(start, end, label)`` or ``(start, end, label, role)`` of
    the quotes that support statements (label: the record id; role as
    :class:`kg.model.mapping.Span`: "fact", "mention", "claim", "structured-claim";
    "fact" when left out); ``unmapped`` are ``(start, end, reason)`` of the
    sentences deliberately left out. A span or an unmapped entry counts for
    every sentence it overlaps. ``regions`` are the article's voices
    (:func:`kg.read.voice.detect` when not given).
    """
    if regions is None:
        regions = detect(text)
    ordered = sorted(((x[0], x[1], x[2], x[3] if len(x) > 3 else "fact") for x in spans),
                     key=lambda x: (x[0], x[1], x[2]))
    result = []
    for sent in split_sentences(text):
        labels: list[str] = []
        facts: list[str] = []
        claims: dict[str, bool] = {}
        for s, e, label, role in ordered:
            if not (s < sent.end and e > sent.start):
                continue
            if label not in labels:
                labels.append(label)
            if role == "fact" and label not in facts:
                facts.append(label)
            elif role in ("claim", "structured-claim"):
                claims[label] = claims.get(label, False) or role == "structured-claim"
        reasons: list[str] = []
        for s, e, reason in unmapped:
            if s < sent.end and e > sent.start and reason not in reasons:
                reasons.append(reason)
        v = sentence_voice(regions, sent.start, sent.end)
        result.append(SentenceCoverage(sent, tuple(labels), tuple(reasons), v.voice, v.speaker,
                                       tuple(facts), tuple(claims.items())))
    return CoverageReport(name, tuple(result))


def seeds_coverage(seeds_dir: Path) -> list[CoverageReport]:
    """One report per article of ``seeds_dir``, from its mapped annotations."""
    from kg.build import map_seeds

    seeds = map_seeds(Path(seeds_dir))
    articles, mapped = seeds.articles, seeds.mapped
    reports = []
    for article in articles:
        spans = [(s.start, s.end, s.record_id, s.role) for s in mapped.spans
                 if s.doc_id == article.doc_id]
        unmapped = [(s.start, s.end, s.record_id) for s in mapped.unmapped
                    if s.doc_id == article.doc_id]
        reports.append(coverage(article.text, spans, unmapped, name=article.doc_id,
                                regions=mapped.voices.get(article.doc_id)))
    return reports


def reports_json(reports: list[CoverageReport]) -> str:
    return json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=2)

