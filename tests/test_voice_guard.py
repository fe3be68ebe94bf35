"""The voice guard: `kg build` refuses a world fact that only someone's words support.

Also the `voices:` corrections of an annotation file and the voice of each
quote in the evidence graph (kg:voice, kg:voiceOf).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ANN = "000_99214e3abbb71cf3.yaml"


def append(seeds, text: str) -> int:
    """Append YAML to the seed annotation; returns the line the addition starts on."""
    path = seeds / ANN
    before = path.read_text(encoding="utf-8")
    path.write_text(before.rstrip("\n") + "\n" + text, encoding="utf-8")
    return before.rstrip("\n").count("\n") + 2


LEAK = """
  - id: leaked-blackmail
    type: MilitaryAction
    label: Russian blackmail
    quote: "Russia offers blackmail, not peace."
"""


def test_leaked_fact_fails_the_build(kg, seeds_copy, tmp_path):
    line = append(seeds_copy, LEAK) + 1  # the record starts after the blank line
    store = tmp_path / "store"
    result = kg("build", "--seeds", str(seeds_copy), "--store", str(store))
    assert result.exit_code == 3
    where = f"({ANN} line {line})"
    assert result.stderr == (
        "Error: record leaked-blackmail: kgr:leaked-blackmail rdf:type kg:MilitaryAction is "
        "supported only by the words of valeriy-dymov: “Russia offers blackmail, not peace.” "
        f"{where}\n"
        "record leaked-blackmail: kgr:leaked-blackmail rdfs:label \"Russian blackmail\"@en is "
        "supported only by the words of valeriy-dymov: “Russia offers blackmail, not peace.” "
        f"{where}\n"
        "Hint: a world fact needs a quote in the article's own voice; make it a claim of the "
        "speaker (see docs/design.md, Voice)\n")
    assert not (store / "current").exists() and list((store / "builds").iterdir()) == []


def test_own_voice_fact_passes(kg, seeds_copy, tmp_path):
    append(seeds_copy, """
  - id: own-voice-talks
    type: Negotiation
    label: talks held in Istanbul
    quote: "Held in Istanbul"
""")
    result = kg("build", "--seeds", str(seeds_copy), "--store", str(tmp_path / "s"))
    assert result.exit_code == 0, result.output


def test_a_fact_with_one_own_voice_quote_among_speech_passes(kg, seeds_copy, tmp_path):
    append(seeds_copy, """
  - id: mixed-support
    type: MilitaryAction
    label: escalation
    quotes:
      - "Escalation is not a possibility—it’s already happening."
      - "On the threat of escalation"
""")
    result = kg("build", "--seeds", str(seeds_copy), "--store", str(tmp_path / "s"))
    assert result.exit_code == 0, result.output


def test_mention_of_a_named_entity_in_someones_words_passes(kg, seeds_copy, tmp_path):
    append(seeds_copy, """
  - id: mentioned-person
    type: Person
    label: Vitkov
    quote: {text: "Vitkov", occurrence: 1}
  - id: mentioned-place
    type: City
    label: Kherson
    quote: "Kherson"
""")
    result = kg("build", "--seeds", str(seeds_copy), "--store", str(tmp_path / "s"))
    assert result.exit_code == 0, result.output


def test_correction_to_own_voice_lets_the_fact_pass(kg, seeds_copy, tmp_path):
    append(seeds_copy, LEAK + """
voices:
  - quote: "Russia offers blackmail, not peace."
    voice: own
""")
    result = kg("build", "--seeds", str(seeds_copy), "--store", str(tmp_path / "s"))
    assert result.exit_code == 0, result.output


# --- the evidence graph ---------------------------------------------------------------

#: A claim whose quotes probe the voices (claims are exempt from the guard).
PROBE = """
  - id: voice-probe
    type: Claim
    label: quotes whose voice the tests check
    claimant: valeriy-dymov
    statedIn: newsaz-dymov-interview
    quotes:
      - "Held in Istanbul"
      - "such ultimatums"
      - "Türkiye’s Foreign Minister confirmed"
      - "terms Kyiv called “detached from reality.”"
      - "Trump’s return has clearly accelerated"
      - "U.S. President Donald Trump"
"""

VOICES = """
SELECT ?exact ?voice ?speaker WHERE {
  ?q kg:voice ?voice ; oa:hasSelector/oa:exact ?exact .
  OPTIONAL { ?q kg:voiceOf ?speaker }
  VALUES ?exact { %s }
} ORDER BY ?exact
"""
OWN_V, DIRECT_V, REPORTED_V = (f"https://w3id.org/kg/concept/{x}"
                               for x in ("own-voice", "direct-speech", "reported-speech"))
DYMOV = "https://w3id.org/kg/id/valeriy-dymov"


def voices_query(*quotes: str) -> str:
    return VOICES % " ".join(json.dumps(q, ensure_ascii=False) for q in quotes)


@pytest.fixture(scope="module")
def probe_store(tmp_path_factory):
    import shutil

    from kg.build import build

    seeds = tmp_path_factory.mktemp("probe") / "seeds"
    shutil.copytree(Path(__file__).resolve().parent.parent / "seeds", seeds)
    append(seeds, PROBE)
    store = seeds.parent / "store"
    build(seeds, store)
    return store


def rows(kg, store, query):
    result = kg("sparql", "--store", str(store), "--format", "json", query)
    assert result.exit_code == 0, result.output
    return [{k: v["value"] for k, v in b.items()}
            for b in json.loads(result.stdout)["results"]["bindings"]]


def test_quotes_carry_their_voice(kg, probe_store):
    assert rows(kg, probe_store, voices_query(
        "Held in Istanbul", "such ultimatums", "Türkiye’s Foreign Minister confirmed",
        "terms Kyiv called “detached from reality.”")) == [
        {"exact": "Held in Istanbul", "voice": OWN_V},
        # the attribution of reported speech is the article's
        {"exact": "Türkiye’s Foreign Minister confirmed", "voice": OWN_V},
        {"exact": "such ultimatums", "voice": DIRECT_V, "speaker": DYMOV},
        # partly the article's words (and Kyiv, a city, never speaks)
        {"exact": "terms Kyiv called “detached from reality.”", "voice": OWN_V},
    ]


def test_he_is_the_person_named_before_the_cue(kg, probe_store):
    """"He noted that ... Donald Trump ...": "He" is Dymov, named in the sentence before,
    not Trump, named after the cue; the quotation after it is his too."""
    assert rows(kg, probe_store, voices_query(
        "Trump’s return has clearly accelerated", "U.S. President Donald Trump")) == [
        {"exact": "Trump’s return has clearly accelerated", "voice": DIRECT_V,
         "speaker": DYMOV},
        {"exact": "U.S. President Donald Trump", "voice": REPORTED_V, "speaker": DYMOV},
    ]


def test_corrections_set_voice_and_speaker(kg, seeds_copy, tmp_path):
    append(seeds_copy, PROBE + """
voices:
  - quote: "He noted that, as a result of coordinated pressure from Russia and U.S. President Donald Trump, Ukraine entered the talks in a weak position and was forced to consider the Kremlin’s terms."
    voice: own
  - quote: "Trump’s return has clearly accelerated"
    voice: reported
    speaker: donald-trump
""")  # noqa: E501
    store = tmp_path / "s"
    result = kg("build", "--seeds", str(seeds_copy), "--store", str(store))
    assert result.exit_code == 0, result.output
    assert rows(kg, store, voices_query("Trump’s return has clearly accelerated",
                                        "U.S. President Donald Trump")) == [
        {"exact": "Trump’s return has clearly accelerated", "voice": REPORTED_V,
         "speaker": "https://w3id.org/kg/id/donald-trump"},
        {"exact": "U.S. President Donald Trump", "voice": OWN_V},
    ]


@pytest.mark.parametrize("entry, message", [
    ("  - {quote: Held in Istanbul, voice: loud}", "voice 'loud' is not own, direct or reported"),
    ("  - {quote: Held in Istanbul, voice: direct}",
     "a direct voice needs a 'speaker' (a record id)"),
    ("  - {quote: Held in Istanbul, voice: own, speaker: valeriy-dymov}",
     "the article's own voice has no speaker"),
    ("  - {quote: Held in Istanbul, voice: reported, speaker: nobody-known}",
     "unknown record id 'nobody-known'"),
    ("  - {quote: Not in the text, voice: own}", "quote 'Not in the text' is not in the article"),
])
def test_bad_corrections_name_the_line(kg, seeds_copy, tmp_path, entry, message):
    line = append(seeds_copy, "voices:\n" + entry + "\n") + 1
    result = kg("build", "--seeds", str(seeds_copy), "--store", str(tmp_path / "s"))
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"Error: {seeds_copy / ANN}:{line}: "), first
    assert first.endswith(message), first
