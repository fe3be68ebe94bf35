"""Sentence coverage: splitting, per-sentence statements, the report, the command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from kg.cli import cli
from kg.insight.coverage import body_start, coverage, seeds_coverage, split_sentences

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
ARTICLE = "000_99214e3abbb71cf3"


def texts(text):
    return [s.text for s in split_sentences(text)]


# --- splitting --------------------------------------------------------------

def test_page_debris_header_is_not_body():
    text = " date 2025-05-20 + ↺ − 16 px\n\nHeld in Istanbul. Talks went on.\n"
    assert body_start(text) == text.index("Held")
    assert texts(text) == ["Held in Istanbul.", "Talks went on."]


def test_text_without_debris_starts_at_zero():
    assert body_start("Russia and Ukraine met.") == 0


def test_abbreviations_and_initials_do_not_end_sentences():
    text = ("He noted that U.S. President Donald Trump spoke. Gen. Kellogg agreed. "
            "J. Smith left. Pressure via the U.S. ‘intermediaries.’ Then it ended.")
    assert texts(text) == [
        "He noted that U.S. President Donald Trump spoke.",
        "Gen. Kellogg agreed.",
        "J. Smith left.",
        "Pressure via the U.S. ‘intermediaries.’",
        "Then it ended.",
    ]


def test_quotation_marks_stay_with_their_sentence():
    text = "“None. These talks were a continuation.”\nDymov was blunt:\n“Escalation is here.”"
    assert texts(text) == ["“None.", "These talks were a continuation.”", "Dymov was blunt:",
                           "“Escalation is here.”"]


def test_lower_case_after_a_period_does_not_split():
    assert texts("Prices rose by 3.5 per cent. e.g. here. News.Az reported it.") == [
        "Prices rose by 3.5 per cent. e.g. here.", "News.Az reported it."]


@given(st.lists(st.sampled_from(
    ["Held in Istanbul.", "U.S. President Trump spoke.", "“None.", "Why?", "Yes!”",
     "We’re facing:", "e.g. this", "  ", "\n", "\n\n", " ", "The U.S.", "date 2025-05-20 px\n",
     "‘a great guy.’", "1,000 prisoners."]), max_size=25))
def test_sentences_are_ordered_trimmed_slices_covering_the_body(parts):
    text = " ".join(parts)
    sentences = split_sentences(text)
    prev_end = body_start(text)
    for i, s in enumerate(sentences, 1):
        assert s.index == i
        assert prev_end <= s.start < s.end
        assert text[s.start:s.end] == s.text == s.text.strip()
        assert "\n" not in s.text
        assert not text[prev_end:s.start].strip()
        prev_end = s.end
    assert not text[prev_end:].strip()


# --- coverage of spans -----------------------------------------------------

TEXT = "Russia and Ukraine met. They talked in Istanbul. Nothing else.\nThe end."


def test_coverage_statuses_and_percentages():
    spans = [(0, 6, "russia"), (11, 18, "ukraine"), (11, 18, "ukraine"),
             (39, 47, "istanbul"), (20, 30, "talks")]  # the last one straddles S1/S2
    unmapped = [(TEXT.index("Nothing"), TEXT.index("Nothing") + 13, "says nothing")]
    report = coverage(TEXT, spans, unmapped, name="toy")
    assert [(s.sentence.index, s.status, s.statements, s.reasons)
            for s in report.sentences] == [
        (1, "mapped", ("russia", "ukraine", "talks"), ()),
        (2, "mapped", ("talks", "istanbul"), ()),
        (3, "listed", (), ("says nothing",)),
        (4, "missing", (), ()),
    ]
    assert (report.total, report.mapped, report.listed) == (4, 2, 1)
    assert report.percent_mapped == 50.0 and report.percent_accounted == 75.0
    assert not report.ok(min_mapped=0)  # a sentence is missing
    assert report.text() == (
        "toy: 4 sentences, 2 mapped (50.0%), 1 listed as unmapped, 1 missing; "
        "75.0% accounted for\n"
        "toy: no claims; 2 of 3 own-voice sentences anchor a fact\n"
        "not mapped:\n"
        "  S3 [49-62] listed: Nothing else.\n"
        "      reason: says nothing\n"
        "  S4 [63-71] missing: The end.\n"
        "own voice, no fact:\n"
        "  S4 [63-71]: The end.")


def test_full_report_lists_statements_of_every_sentence():
    report = coverage("Al met Bo. Cy left.", [(0, 2, "a"), (7, 9, "b")],
                      [(11, 19, "no content")], name="t")
    assert report.ok(min_mapped=50) and not report.ok(min_mapped=51)
    assert report.text(all_sentences=True) == (
        "t: 2 sentences, 1 mapped (50.0%), 1 listed as unmapped, 0 missing; "
        "100.0% accounted for\n"
        "t: no claims; 1 of 1 own-voice sentences anchor a fact\n"
        "  S1 [0-10] mapped, own: Al met Bo.\n"
        "      facts: a, b\n"
        "  S2 [11-19] listed, own: Cy left.\n"
        "      reason: no content")


def test_empty_article_is_fully_covered():
    report = coverage("", [], [])
    assert report.total == 0 and report.percent_mapped == 100.0 and report.ok()


# --- the seed article ------------------------------------------------------

@pytest.fixture(scope="module")
def seed_report():
    (report,) = seeds_coverage(SEEDS)
    return report


def test_seed_every_sentence_accounted_for_and_most_mapped(seed_report):
    assert seed_report.name == ARTICLE
    assert seed_report.total == 95
    assert seed_report.missing == ()
    assert seed_report.percent_accounted == 100.0
    assert seed_report.percent_mapped >= 90.0


def test_seed_sentence_statements(seed_report):
    def statements(start):
        (found,) = [s.statements for s in seed_report.sentences
                    if s.sentence.text.startswith(start)]
        return found

    assert statements("Held in Istanbul") == (
        "istanbul", "istanbul-talks-2025", "claim-newsaz-symbolic-agreement",
        "istanbul-agreement-2025", "prisoner-exchange-2025", "continued-dialogue",
        "claim-experts-meaningful-gestures", "experts-comments-2025", "unnamed-experts")
    assert statements("“Medinsky led") == (
        "claim-dymov-medinsky-led-delegation", "russian-delegation")


def test_seed_debris_is_outside_the_body():
    text = (SEEDS / f"{ARTICLE}.txt").read_text(encoding="utf-8")
    assert text[body_start(text):].startswith("The first high-level talks")


# --- the command -----------------------------------------------------------

def seed_claims() -> tuple[int, int]:
    """(structured, total) claims of the seed annotation, read from the YAML itself:
    a claim is structured when it has a proposition or reports a claim."""
    from kg.read.annotations import load_annotations

    ann = load_annotations(SEEDS / f"{ARTICLE}.yaml")
    claims = [r for r in ann.records if {"Claim", "ReportedClaim"} & set(r.types)]
    structured = [r for r in claims
                  if r.propositions or any(p.name == "reports" for p in r.properties)]
    return len(structured), len(claims)


def test_command_on_the_seeds():
    result = CliRunner().invoke(cli, ["coverage", "--seeds", str(SEEDS)])
    assert result.exit_code == 0, result.output
    structured, total = seed_claims()
    lines = result.output.splitlines()
    assert lines[:2] == [
        f"{ARTICLE}: 95 sentences, 95 mapped (100.0%), 0 listed as unmapped, 0 missing; "
        "100.0% accounted for",
        f"{ARTICLE}: {structured} of {total} claims structured "
        f"({100 * structured / total:.1f}%); {12 - len(lines[3:])} of 12 own-voice sentences "
        "anchor a fact"]
    assert lines[2:3] in ([], ["own voice, no fact:"])


def test_seed_sentence_voices(seed_report):
    def sentence(start):
        (found,) = [s for s in seed_report.sentences if s.sentence.text.startswith(start)]
        return found

    assert sentence("Held in Istanbul").voice_text == "own"
    assert sentence("He noted that").voice_text == "reported (He)"
    assert sentence("Russia, Dymov said").voice_text == "reported (Dymov)"
    assert sentence("“Medinsky led").voice_text == "direct (Dymov)"
    assert sentence("Ukraine and its Western allies proposed").voice_text == "own"
    assert sentence("Despite tensions").voice_text == "reported (Türkiye’s Foreign Minister)"
    assert len(seed_report.own_voice) == 12


def test_depth_counts_facts_and_claims_per_sentence():
    text = "Talks were held in Istanbul. Dymov said that they failed.\n“It is a farce.”"
    spans = [(0, 5, "talks", "fact"), (19, 27, "istanbul", "mention"),
             (29, 57, "claim-failed", "structured-claim"),
             (59, 74, "claim-farce", "claim"), (66, 71, "claim-farce", "claim")]
    report = coverage(text, spans, [], name="d")
    assert [(s.voice_text, s.facts, s.claims) for s in report.sentences] == [
        ("own", ("talks",), ()),
        ("reported (Dymov)", (), (("claim-failed", True),)),
        ("direct (Dymov)", (), (("claim-farce", False),)),
    ]
    assert report.depth() == ("d: 1 of 2 claims structured (50.0%); 1 of 1 own-voice "
                              "sentences anchor a fact")
    data = report.as_dict()
    assert (data["claims"], data["claims_structured"], data["own_voice_sentences"],
            data["own_voice_with_fact"]) == (2, 1, 1, 1)
    assert data["detail"][1]["claims"] == [{"id": "claim-failed", "structured": True}]
    assert (data["detail"][2]["voice"], data["detail"][2]["speaker"]) == ("direct", "Dymov")
    assert report.text(all_sentences=True).splitlines()[2:] == [
        "  S1 [0-28] mapped, own: Talks were held in Istanbul.",
        "      facts: talks",
        "      mentions: istanbul",
        "  S2 [29-57] mapped, reported (Dymov): Dymov said that they failed.",
        "      claims: claim-failed (structured)",
        "  S3 [58-74] mapped, direct (Dymov): “It is a farce.”",
        "      claims: claim-farce (unstructured)",
    ]


def test_command_json(tmp_path):
    out = tmp_path / "coverage.json"
    result = CliRunner().invoke(cli, ["coverage", "--seeds", str(SEEDS), "-o", str(out)])
    assert result.exit_code == 0, result.output
    (data,) = json.loads(out.read_text(encoding="utf-8"))
    assert (data["article"], data["sentences"], data["missing"]) == (ARTICLE, 95, 0)
    assert data["detail"][0]["status"] == "mapped"
    assert (data["claims_structured"], data["claims"]) == seed_claims()
    assert data["detail"][0]["voice"] == "own" and data["own_voice_sentences"] == 12


def test_command_fails_with_status_3_below_target(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copytree(SEEDS / "reference", seeds / "reference")
    (seeds / "a.txt").write_text(
        " date 2025-05-20 + ↺ − 16 px\n\nRussia and Ukraine met. They talked.\n",
        encoding="utf-8")
    (seeds / "a.yaml").write_text(
        "document: {title: t, publisher: russia, published: 2025-05-20, language: en}\n"
        "records:\n"
        "  - {id: russia, type: State, label: Russia, quote: Russia and Ukraine met}\n",
        encoding="utf-8")
    result = CliRunner().invoke(cli, ["coverage", "--seeds", str(seeds)])
    assert result.exit_code == 3
    assert result.stdout == (
        "a: 2 sentences, 1 mapped (50.0%), 0 listed as unmapped, 1 missing; "
        "50.0% accounted for\n"
        "a: no claims; 0 of 2 own-voice sentences anchor a fact\n"
        "not mapped:\n"
        "  S2 [54-66] missing: They talked.\n"
        "own voice, no fact:\n"
        "  S1 [30-53]: Russia and Ukraine met.\n"
        "  S2 [54-66]: They talked.\n")
    assert result.stderr.startswith("Error: 1 article(s) below the coverage target\n")
