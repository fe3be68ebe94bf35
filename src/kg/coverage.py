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

from .voice import body_start, sentences

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

    def ok(self, min_mapped: float = 90.0) -> bool:
        """Every sentence accounted for and at least ``min_mapped`` % mapped."""
        return not self.missing and self.percent_mapped >= min_mapped

    def summary(self) -> str:
        return (f"{self.name}: {self.total} sentences, {self.mapped} mapped "
                f"({self.percent_mapped:.1f}%), {self.listed} listed as unmapped, "
                f"{len(self.missing)} missing; {self.percent_accounted:.1f}% accounted for")

    def text(self, *, all_sentences: bool = False, width: int = 72) -> str:
        """A readable report: the summary, then what is not mapped (or every sentence)."""
        lines = [self.summary()]
        shown = self.sentences if all_sentences else self.not_mapped
        if not all_sentences and shown:
            lines.append("not mapped:")
        for sc in shown:
            s = sc.sentence
            head = f"  S{s.index} [{s.start}-{s.end}] {sc.status}"
            lines.append(f"{head}: {_shorten(s.text, width)}")
            if sc.statements and all_sentences:
                lines.append("      " + ", ".join(sc.statements))
            for reason in sc.reasons:
                lines.append(f"      reason: {reason}")
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {
            "article": self.name,
            "sentences": self.total,
            "mapped": self.mapped,
            "listed": self.listed,
            "missing": len(self.missing),
            "percent_mapped": round(self.percent_mapped, 2),
            "percent_accounted": round(self.percent_accounted, 2),
            "detail": [
                {"index": sc.sentence.index, "start": sc.sentence.start,
                 "end": sc.sentence.end, "text": sc.sentence.text, "status": sc.status,
                 "statements": list(sc.statements), "reasons": list(sc.reasons)}
                for sc in self.sentences
            ],
        }


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of the article body (:func:`kg.voice.sentences`), numbered from 1."""
    return [Sentence(i, s, e, text[s:e]) for i, (s, e) in enumerate(sentences(text), 1)]


def coverage(text: str, spans: list[tuple[int, int, str]],
             unmapped: list[tuple[int, int, str]], name: str = "article") -> CoverageReport:
    """Which sentences of ``text`` the annotation ``spans`` cover.

    ``spans`` are ``(start, end, label)`` of the quotes that support
    statements (label: the record id); ``unmapped`` are ``(start, end,
    reason)`` of the sentences deliberately left out. A span or an unmapped
    entry counts for every sentence it overlaps.
    """
    result = []
    for sent in split_sentences(text):
        labels: list[str] = []
        for s, e, label in sorted(spans, key=lambda x: (x[0], x[1], x[2])):
            if s < sent.end and e > sent.start and label not in labels:
                labels.append(label)
        reasons: list[str] = []
        for s, e, reason in unmapped:
            if s < sent.end and e > sent.start and reason not in reasons:
                reasons.append(reason)
        result.append(SentenceCoverage(sent, tuple(labels), tuple(reasons)))
    return CoverageReport(name, tuple(result))


def seeds_coverage(seeds_dir: Path) -> list[CoverageReport]:
    """One report per article of ``seeds_dir``, from its mapped annotations."""
    from .build import map_seeds

    seeds = map_seeds(Path(seeds_dir))
    articles, mapped = seeds.articles, seeds.mapped
    reports = []
    for article in articles:
        spans = [(s.start, s.end, s.record_id) for s in mapped.spans
                 if s.doc_id == article.doc_id]
        unmapped = [(s.start, s.end, s.record_id) for s in mapped.unmapped
                    if s.doc_id == article.doc_id]
        reports.append(coverage(article.text, spans, unmapped, name=article.doc_id))
    return reports


def reports_json(reports: list[CoverageReport]) -> str:
    return json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=2)

