"""Voice detection (kg.read.voice): whose words each span of an article is."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.read.voice import (
    CORRECTION_CUE,
    DIRECT,
    OWN,
    REPORTED,
    Region,
    apply_corrections,
    detect,
    quote_voice,
    sentences,
    voice_at,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
ARTICLE = (SEEDS / "000_99214e3abbb71cf3.txt").read_text(encoding="utf-8")


def spoken(text):
    """(voice, speaker, cue, text) of every region that is not the article's own."""
    return [(r.voice, r.speaker, r.cue, text[r.start:r.end])
            for r in detect(text) if r.voice != OWN]


def assert_whole(text, regions):
    assert regions[0].start == 0 and regions[-1].end == len(text)
    for a, b in zip(regions, regions[1:], strict=False):
        assert a.end == b.start and a.start < a.end


# --- synthetic texts ----------------------------------------------------------------

def test_curly_quotation_with_a_speaker_before_it():
    text = "Russia set terms Kyiv called “detached from reality.” Talks go on."
    assert spoken(text) == [(DIRECT, "Kyiv", "called", "“detached from reality.”")]


def test_straight_quotation_with_the_speaker_after_it():
    text = 'Talks began. "We will not yield," Smith said. Then it rained.'
    assert spoken(text) == [(DIRECT, "Smith", "said", '"We will not yield,"')]


def test_guillemets():
    assert spoken("Peskov said: «No comment.» Then nothing.") == [
        (DIRECT, "Peskov", "said", "«No comment.»")]


def test_nested_single_quotes_stay_in_the_outer_quotation():
    text = "Anna warned:\n\n“The message is: ‘Accept our terms.’ It is clear.”\n\nThe end."
    assert spoken(text) == [
        (DIRECT, "Anna", "warned", "“The message is: ‘Accept our terms.’ It is clear.”")]


def test_scare_quotes_and_apostrophes_are_not_speech():
    assert spoken("Pressure via the U.S. ‘intermediaries.’ Moscow’s terms.") == []


def test_quotation_over_paragraphs_reopened_with_an_opening_mark():
    text = ("Dymov said:\n\n“First paragraph, still open.\n\n"
            "“Second paragraph closes.”\n\nThe article resumes.")
    assert spoken(text) == [(DIRECT, "Dymov", "said",
                             "“First paragraph, still open.\n\n“Second paragraph closes.”")]
    assert text[voice_at(detect(text), len(text) - 5, len(text)).start:].startswith("\n\nThe")


def test_quotation_over_paragraphs_closed_in_the_next():
    # the seed's "We’re facing:" paragraph: the next paragraph has no opening mark
    text = ("Dymov warned:\n\n“This is hybrid warfare. We’re facing:\n\n"
            "Frontline escalation. Media pressure.”\n\nDymov also spoke.")
    (region,) = [r for r in detect(text) if r.voice == DIRECT]
    assert text[region.start:region.end].endswith("Media pressure.”")
    assert region.speaker == "Dymov"


def test_unclosed_quotation_ends_with_its_paragraph():
    text = "He said “we are ready.\n\nOwn voice again."
    (region,) = [r for r in detect(text) if r.voice == DIRECT]
    assert text[region.start:region.end] == "“we are ready."
    assert voice_at(detect(text), text.index("Own"), len(text)).voice == OWN


def test_consecutive_quoted_paragraphs_keep_their_speaker():
    text = "Dymov was blunt:\n\n“None.”\n\n“Still none.”\n\nOn the war, Mr. X stayed silent."
    regions = detect(text)
    assert spoken(text) == [(DIRECT, "Dymov", "was blunt", "“None.”\n\n“Still none.”")]
    assert_whole(text, regions)


def test_quotation_after_reported_paragraph_takes_its_speaker():
    text = "Russia, Dymov said, insists on talks.\n\n“This is a clear attempt.”"
    assert spoken(text) == [
        (REPORTED, "Dymov", "said", "Russia"),
        (REPORTED, "Dymov", "said", "insists on talks."),
        (DIRECT, "Dymov", "said", "“This is a clear attempt.”")]


@pytest.mark.parametrize("sentence, speaker, cue, content", [
    ("Dymov noted that Ukraine entered the talks weak.", "Dymov", "noted",
     ["Ukraine entered the talks weak."]),
    ("He noted that, as a result, Ukraine was weak.", "He", "noted",
     ["as a result, Ukraine was weak."]),
    ("According to Dymov, Ukraine entered the talks weak.", "Dymov", "according to",
     ["Ukraine entered the talks weak."]),
    ("Ukraine, according to Valeriy Dymov, was weak.", "Valeriy Dymov", "according to",
     ["Ukraine", "was weak."]),
    ("In his view, the talks were theatre.", "his", "in his view",
     ["the talks were theatre."]),
    ("Russia, Dymov said, insists on negotiating only with the U.S. President.", "Dymov",
     "said", ["Russia", "insists on negotiating only with the U.S. President."]),
    ("Despite tensions, Türkiye’s Foreign Minister confirmed that both sides remain open.",
     "Türkiye’s Foreign Minister", "confirmed", ["both sides remain open."]),
    ("Dymov believes Russia is stalling.", "Dymov", "believes", ["Russia is stalling."]),
    ("Kellogg also stressed that aid would continue.", "Kellogg", "stressed",
     ["aid would continue."]),
    ("Aid will continue, Kellogg said.", "Kellogg", "said", ["Aid will continue"]),
])
def test_reported_speech(sentence, speaker, cue, content):
    """The content is the speaker's; the attribution ("Dymov noted that") is the article's."""
    text = f"Talks were held. {sentence} The end."
    assert spoken(text) == [(REPORTED, speaker, cue, part) for part in content]


@pytest.mark.parametrize("sentence", [
    "Russia demanded that Ukrainian forces withdraw.",  # a demand the article reports
    "Steps hailed by some experts as meaningful gestures.",  # no named speaker
    "Ukraine and its Western allies proposed a 30-day truce.",
    "When asked whether it was theatre, nobody answered.",
    "Kremlin negotiator Vladimir Medinsky’s warnings reflected Russia’s stance.",
])
def test_own_voice(sentence):
    assert spoken(sentence) == []


# --- the seed article ---------------------------------------------------------------

def test_seed_regions():
    regions = detect(ARTICLE)
    assert_whole(ARTICLE, regions)
    got = [(r.voice, r.speaker, r.cue, ARTICLE[r.start:r.end][:32]) for r in regions
           if r.voice != OWN]
    assert got == [
        (DIRECT, "Kyiv", "called", "“detached from reality.”"),
        (REPORTED, "Türkiye’s Foreign Minister", "confirmed", "both sides remain open to furthe"),
        (REPORTED, "He", "noted", "as a result of coordinated press"),
        (DIRECT, "He", "noted", "“Given Ukraine’s current situati"),
        (REPORTED, "Dymov", "emphasized", "this line of messaging will rema"),
        (DIRECT, "Dymov", "emphasized", "“Medinsky led the Russian delega"),
        (DIRECT, "Dymov", "referenced", "“Ukraine was winning, but Washin"),
        (DIRECT, "Dymov", "was blunt", "“None. These talks were a contin"),
        (REPORTED, "Dymov", "said", "Russia"),
        (REPORTED, "Dymov", "said", "insists on negotiating only with"),
        (DIRECT, "Dymov", "said", "“This is a clear attempt to stri"),
        (DIRECT, "Dymov", "warned", "“Escalation is not a possibility"),
        (DIRECT, "Dymov", "addressed", "“I wouldn’t call this a classic "),
        (DIRECT, "Dymov", "concluded", "“If Russians love history so muc"),
    ]


def test_seed_own_voice_sentences():
    regions = detect(ARTICLE)
    own = [ARTICLE[s:e][:30] for s, e in sentences(ARTICLE)
           if (r := voice_at(regions, s, e)) is not None and r.voice == OWN]
    assert own == [
        "The first high-level talks bet",
        "Held in Istanbul, the negotiat",
        "However, hopes for a ceasefire",
        "Kremlin negotiator Vladimir Me",
        "For the international communit",
        "The Azerbaijan-based analytica",
        "When asked whether he viewed t",
        "On whether he had any expectat",
        "On the threat of escalation if",
        "Dymov also addressed Türkiye’s",
        "Dymov concluded with a histori",
    ]


def test_seed_quote_voices():
    regions = detect(ARTICLE)

    def voice(quote):
        start = ARTICLE.index(quote)
        r = quote_voice(regions, start, start + len(quote))
        return r.voice, r.speaker

    assert voice("Held in Istanbul") == (OWN, None)
    assert voice("such ultimatums") == (DIRECT, "Dymov")
    assert voice("detached from reality") == (DIRECT, "Kyiv")
    assert voice("terms Kyiv called “detached from reality.”") == (OWN, None)
    assert voice("Ukraine entered the talks in a weak position") == (REPORTED, "He")


# --- corrections, lookups -----------------------------------------------------------

def test_corrections_override_detection():
    text = "He noted that Ukraine was weak. Talks went on."
    regions = apply_corrections(detect(text), [(0, 30, REPORTED, "valeriy-dymov"),
                                               (32, 46, OWN, "ignored")])
    assert_whole(text, regions)
    assert [(r.voice, r.speaker, r.cue, text[r.start:r.end]) for r in regions] == [
        (REPORTED, "valeriy-dymov", CORRECTION_CUE, "He noted that Ukraine was weak"),
        (REPORTED, "He", "noted", "."),
        (OWN, None, None, " "),
        (OWN, None, CORRECTION_CUE, "Talks went on."),
    ]


def test_voice_at_and_straddling_quotes():
    regions = [Region(0, 5, OWN, None, None), Region(5, 9, DIRECT, "A", "“"),
               Region(9, 12, REPORTED, "B", "said")]
    assert voice_at(regions, 5, 9) == regions[1]
    assert voice_at(regions, 4, 6) is None
    assert quote_voice(regions, 4, 6).voice == OWN
    assert quote_voice(regions, 6, 11) == regions[1]  # direct 3, reported 2


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from(
    ["Dymov said:", "“", "”", '"', "«", "»", "‘", "’", "Held in Istanbul.", "\n", "\n\n",
     " ", "He noted that", "According to Kyiv,", "Russia, Dymov said, insists.", "U.S.",
     "Trump called"]), max_size=30))
def test_regions_always_cover_the_text(parts):
    text = "".join(parts)
    regions = detect(text)
    if not text:
        assert regions == []
        return
    assert_whole(text, regions)
    for r in regions:
        assert r.voice in (OWN, DIRECT, REPORTED)
        if r.voice == OWN:
            assert r.speaker is None and r.cue is None
