"""``kg check``: every error of the annotation files in one run, as FILE:LINE: message.

Golden tests of the messages, one per kind of error, through the CLI on a
private copy of seeds/ with one slip made in the seed's annotation file.
"""

from __future__ import annotations

import shutil
import unicodedata

import pytest
from conftest import SEEDS

from kg.errors import InputError
from kg.read.annotations import load_annotations

NAME = "000_99214e3abbb71cf3"
FILE = f"seeds/{NAME}.yaml"
SEED_TEXT = (SEEDS / f"{NAME}.yaml").read_text(encoding="utf-8")
RECORDS = len(load_annotations(SEEDS / f"{NAME}.yaml").records)


def at(snippet: str, offset: int = 0) -> int:
    """The seed annotation file's line of the first ``snippet`` (plus ``offset`` lines)."""
    return SEED_TEXT[: SEED_TEXT.index(snippet)].count("\n") + 1 + offset


POSITION = at("  - id: pos-ukraine-proposes-ceasefire")
RUSSIA = at("  - id: russia\n")
PARTICIPANT = at("participant: [russia, ukraine]")
DURATION = at("duration: P30D")
HELD_IN = at("      - heldIn: istanbul")
SPEAKER = at("speaker: hakan-fidan")
TARGET = at("    stance: proposes\n    target: ceasefire-30-day", 1)
QUOTE = at('quote: "Türkiye’s Foreign Minister confirmed"')
VALUES = at("\nrecords:\n", 1)  # where a values: section goes in, before the records


@pytest.fixture(autouse=True)
def check_cache(tmp_path_factory, monkeypatch):
    """kg check's ontology cache (kg.author.ontology_cache) in a directory of the tests'."""
    cache = tmp_path_factory.getbasetemp() / "kg-check-cache"
    monkeypatch.setenv("KG_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def seeds(tmp_path, monkeypatch, seeds_copy):
    """A copy of seeds/ in the current directory, so that messages say seeds/NAME.yaml."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KG_SEEDS", raising=False)
    return seeds_copy


def edit(seeds, old: str, new: str, name: str = NAME) -> int:
    """Replace the first ``old`` by ``new`` in an annotation file; its line number."""
    path = seeds / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def run_check(kg, *args):
    r = kg("check", *args)
    return r.exit_code, r.stdout.splitlines(), r.stderr.splitlines()


def test_clean_seed_says_so(kg, seeds):
    code, out, err = run_check(kg)
    assert (code, out, err) == (
        0, [f"Checked 1 annotation file ({RECORDS} records): no errors."], [])


def test_clean_seed_named_file(kg, seeds):
    code, out, _ = run_check(kg, FILE)
    assert (code, out) == (0, [f"Checked 1 annotation file ({RECORDS} records): no errors."])


@pytest.mark.parametrize("old,new,expected", [
    pytest.param(
        "participant: [russia, ukraine]", "participant: [russia, ukrane]",
        [f"{PARTICIPANT}: unknown record id 'ukrane'", "  Hint: did you mean 'ukraine'?"],
        id="unknown-id"),
    pytest.param(
        "duration: P30D", "duration: 30 days",
        [f"{DURATION}: duration: '30 days' is not an ISO 8601 duration such as P30D"],
        id="wrong-kind-literal"),
    pytest.param(
        "participant: [russia, ukraine]", "participant: {russia: ukraine}",
        [f"{PARTICIPANT}: participant must be a single value, not a list or mapping"],
        id="wrong-kind-mapping"),
    pytest.param(
        "      - heldIn: istanbul", "      - heldIn: valeriy-dymov",
        [f"{HELD_IN}: heldIn: 'valeriy-dymov' is a Person, not a Place (the range of heldIn)",
         "  Hint: give a record of class Place, or fix the type of 'valeriy-dymov'"],
        id="wrong-kind-class"),
    pytest.param(
        "participant: [russia, ukraine]", "participant: russia, ukraine",
        [f"{PARTICIPANT}: participant: 'russia, ukraine' is a list written as a string",
         "  Hint: write a YAML list: [russia, ukraine]"], id="list-as-string"),
    pytest.param(
        "speaker: hakan-fidan", "speaker: Hakan Fidan",
        [f"{SPEAKER}: speaker: 'Hakan Fidan' is not a record id (lower-case letters, digits and "
         "hyphens)", "  Hint: write the id of a record, e.g. hakan-fidan"], id="name-for-id"),
    pytest.param(
        "    type: Position\n    label: Ukraine proposes the 30-day ceasefire",
        "    type: Positon\n    label: Ukraine proposes the 30-day ceasefire",
        [f"{POSITION}: unknown class 'Positon' for record 'pos-ukraine-proposes-ceasefire'",
         "  Hint: did you mean 'Position' or 'Proposition'?"], id="unknown-class"),
    pytest.param(
        "    stance: proposes\n    target: ceasefire-30-day",
        "    stance: proposes\n    targt: ceasefire-30-day",
        [f"{TARGET}: unknown property 'targt'", "  Hint: did you mean 'target'?"],
        id="unknown-property"),
    pytest.param(
        'quote: "Türkiye’s Foreign Minister confirmed"',
        'quote: "Türkiye\'s Foreign Minister confirmed"',
        [f"{QUOTE}: quote \"Türkiye's Foreign Minister confirmed\" is not in the article",
         "  Hint: nearest match at article line 3: 'Türkiye’s Foreign Minister confirmed'; "
         "curly and straight quotation marks, apostrophes or dashes differ: the article's "
         "’ “ ” — are not ' \" -"], id="quote-straight-apostrophe"),
    pytest.param(
        'quote: "Türkiye’s Foreign Minister confirmed"',
        'quote: "' + unicodedata.normalize("NFD", "Türkiye’s Foreign Minister confirmed") + '"',
        [f"{QUOTE}: quote '" + unicodedata.normalize("NFD", "Türkiye’s Foreign Minister confirmed")
         + "' is not in the article",
         "  Hint: nearest match at article line 3: 'Türkiye’s Foreign Minister confirmed'; "
         "Unicode normalisation differs (NFD and NFC forms of an accented letter): copy the "
         "word from the article"], id="quote-nfd"),
    pytest.param(
        'quote: "Türkiye’s Foreign Minister confirmed"',
        'quote: "Türkiye’s Foreign  Minister confirmed"',
        [f"{QUOTE}: quote 'Türkiye’s Foreign  Minister confirmed' is not in the article",
         "  Hint: nearest match at article line 3: 'Türkiye’s Foreign Minister confirmed'; "
         "white space differs (double spaces, tabs or non-breaking spaces): copy the spacing "
         "from the article"], id="quote-whitespace"),
    pytest.param(
        'quote: "Türkiye’s Foreign Minister confirmed"',
        'quote: "Türkiye’s Foreign Minister\\nconfirmed"',
        [f"{QUOTE}: quote 'Türkiye’s Foreign Minister\\nconfirmed' is not in the article",
         "  Hint: nearest match at article line 3: 'Türkiye’s Foreign Minister confirmed'; "
         "the quote has a line break where the article has none: write the words on one "
         "line"], id="quote-line-break"),
    pytest.param(
        'quote: "Türkiye’s Foreign Minister confirmed"',
        'quote: "Türkiye’s Foreign Minister confirmd"',
        [f"{QUOTE}: quote 'Türkiye’s Foreign Minister confirmd' is not in the article",
         "  Hint: nearest match at article line 3: 'Türkiye’s Foreign Minister confirmed'; it "
         "differs at 'irmd' (quote) / 'irmed' (article)"], id="quote-typo"),
    pytest.param(
        "    holder: ukraine\n    stance: proposes\n", "    stance: proposes\n",
        [f"{POSITION}: SHACL: kgr:pos-ukraine-proposes-ceasefire kg:holder: A position needs "
         "exactly one kg:holder, an actor. [kgsh:PositionShape]"], id="shacl"),
    pytest.param(
        "  - id: russia\n    type: State\n", "  - id: russia\n    type: [State, Negotiation]\n",
        [f"{RUSSIA}: the reasoner found 2 inconsistencies, the first: cax-dw: axiom [Event "
         "disjointWith Actor] violated by russia",
         "  Hint: check the types and relations of the resources named above"],
        id="inconsistency"),
    pytest.param(
        "  - id: russia\n    type: State\n", "  - id: russia\n    type: State\n    - x\n",
        [f"{RUSSIA + 2}: YAML syntax error: did not find expected key"], id="yaml-syntax"),
    pytest.param(
        "\nrecords:\n", "\nvalues: 2025-05-16\nrecords:\n",
        [f"{VALUES}: values must be a list"], id="values-not-a-list"),
    pytest.param(
        "\nrecords:\n", "\nvalues:\n  - {heldIn: istanbul, quote: Held in Istanbul}\nrecords:\n",
        [f"{VALUES + 1}: values: 'heldIn' is not a property for a date, a duration or a number",
         "  Hint: write date:, duration:, quantity: or another datatype property of "
         "docs/ontology.md"], id="values-not-a-datatype-property"),
])
def test_one_message_per_kind_of_error(kg, seeds, old, new, expected):
    edit(seeds, old, new)
    code, out, err = run_check(kg)
    assert code == 1
    assert out == [f"{FILE}:{expected[0]}", *expected[1:]]
    assert err == ["Error: 1 error in 1 annotation file",
                   "Hint: fix them and run `kg check` again; the store was not touched"]


def test_every_error_in_one_run(kg, seeds):
    lines = [
        edit(seeds, "participant: [russia, ukraine]", "participant: [russia, ukrane]"),
        edit(seeds, "duration: P30D", "duration: 30 days"),
        edit(seeds, "speaker: hakan-fidan", "speaker: Hakan Fidan"),
        edit(seeds, 'quote: "Türkiye’s Foreign Minister confirmed"',
             'quote: "Türkiye\'s Foreign Minister confirmed"'),
    ]
    code, out, err = run_check(kg)
    assert code == 1
    found = [int(x.split(":")[1]) for x in out if x.startswith(FILE)]
    assert found == sorted(lines)
    assert err[0] == "Error: 4 errors in 1 annotation file"


def test_conflicting_labels_across_files(kg, seeds):
    """Two files give one record two labels: kg check reports it, kg build refuses it."""
    shutil.copy(seeds / f"{NAME}.txt", seeds / "001_follow_up.txt")
    (seeds / "001_follow_up.yaml").write_text(
        "document:\n  title: A follow-up\n  publisher: news-az\n  published: 2025-05-21\n"
        "  language: en\nrecords:\n  - id: russia\n    type: State\n"
        "    label: Russian Federation\n    quote: {text: Russia, occurrence: 1}\n",
        encoding="utf-8")
    code, out, err = run_check(kg)
    assert code == 1
    assert out == ["seeds/001_follow_up.yaml:7: record 'russia' is labelled 'Russian "
                   f"Federation' here but 'Russia' in {FILE}:{RUSSIA}",
                   "  Hint: a record has one label in every file: use the same label"]
    r = kg("build", "--store", "store")
    assert r.exit_code == 1
    assert r.stderr.splitlines()[0] == (
        "Error: seeds/001_follow_up.yaml:7: record 'russia' is labelled 'Russian Federation' "
        f"here but 'Russia' in {FILE}:{RUSSIA}")


def test_only_the_named_files_are_reported(kg, seeds):
    """Other files of the seeds directory define ids and labels but are not reported on."""
    edit(seeds, "duration: P30D", "duration: 30 days")
    shutil.copy(seeds / f"{NAME}.txt", seeds / "001_follow_up.txt")
    (seeds / "001_follow_up.yaml").write_text(
        "document:\n  title: A follow-up\n  publisher: news-az\n  published: 2025-05-21\n"
        "  language: en\nrecords:\n  - id: istanbul-round-two\n    type: Negotiation\n"
        "    label: Istanbul talks, second round\n    quote: {text: Istanbul, occurrence: 1}\n"
        "    participant: [russia, ukraine]\n", encoding="utf-8")
    code, out, _ = run_check(kg, "seeds/001_follow_up.yaml")
    assert (code, out) == (0, ["Checked 1 annotation file (1 records): no errors."])


def test_a_missing_file(kg, seeds):
    code, out, err = run_check(kg, "seeds/nope.yaml")
    assert code == 1
    assert out == ["seeds/nope.yaml:1: no such annotation file"]


def test_check_writes_nothing(kg, seeds, tmp_path):
    edit(seeds, "duration: P30D", "duration: 30 days")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    run_check(kg)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_build_names_the_record_and_line_of_a_shacl_violation(kg, seeds):
    line = edit(seeds, "    holder: ukraine\n    stance: proposes\n", "    stance: proposes\n")
    r = kg("build", "--store", "store")
    assert r.exit_code == 3
    assert (f"  seeds/000_99214e3abbb71cf3.yaml:{POSITION}: kgr:pos-ukraine-proposes-ceasefire "
            "kg:holder: A position needs exactly one kg:holder, an actor. "
            "[kgsh:PositionShape]") in r.stderr.splitlines()
    assert line > POSITION


def test_collecting_parser_keeps_going():
    from kg.read.annotations import parse_annotations

    errors: list = []
    ann = parse_annotations(
        "document: {title: t, publisher: p, published: '2025', language: en}\n"
        "records:\n  - {id: a, type: State, quote: x, label: [1, {2: 3}]}\n"
        "  - {id: b, type: State, quote: y}\n  - {id: C, type: State, quote: z}\n",
        "f.yaml", errors)
    assert [e.message for e in errors] == [
        "f.yaml:3: label must be a single value, not a list or mapping",
        "f.yaml:5: id 'C' is not lower-case letters, digits and hyphens"]
    assert [r.id for r in ann.records] == ["b"]
    assert ann.broken_ids == ("a",)
    with pytest.raises(InputError):
        parse_annotations("document: x\n", "f.yaml")


def test_quote_across_a_line_break_in_the_article():
    """The article breaks the line inside the passage the quote gives on one line."""
    from kg.read.quote_diagnosis import diagnose

    text = "Intro.\nThe talks were held\nin Istanbul on Friday."
    assert diagnose(text, "held in Istanbul") == (
        "nearest match at article line 2: 'held\\nin Istanbul'; the article has a line break "
        "inside the passage: write it as \\n inside a double-quoted string, or quote the "
        "lines separately")
    assert diagnose(text, "zzz qqq") == (
        "nothing like it in the article: copy the quote from the article text")


# --- the ontology cache ----------------------------------------------------------------------


def test_the_ontology_cache_is_written_once_and_read_back(kg, seeds, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("KG_CACHE_DIR", str(cache))
    expected = (0, [f"Checked 1 annotation file ({RECORDS} records): no errors."], [])
    assert run_check(kg) == expected
    [file] = cache.iterdir()
    assert file.name.startswith("check-") and file.suffix == ".pickle"
    written = file.read_bytes()
    assert run_check(kg) == expected
    assert [p.name for p in cache.iterdir()] == [file.name]
    assert file.read_bytes() == written
    edit(seeds, "    holder: ukraine\n    stance: proposes\n", "    stance: proposes\n")
    _, out, _ = run_check(kg)
    assert out[0].startswith(f"{FILE}:{POSITION}: SHACL: kgr:pos-ukraine-proposes-ceasefire "
                             "kg:holder: A position needs exactly one kg:holder"), out


def test_the_cached_ontology_checks_as_the_ontology_itself(kg, seeds, tmp_path, monkeypatch):
    """The facts read back from the cache file find what the facts computed from the
    ontology find: a SHACL violation, a range problem, a wrong literal, an unknown id."""
    from kg.author.check import check_annotations
    from kg.build import load_ontology

    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    edit(seeds, "    holder: ukraine\n    stance: proposes\n", "    stance: proposes\n")
    edit(seeds, "      - heldIn: istanbul", "      - heldIn: valeriy-dymov")
    edit(seeds, "duration: P30D", "duration: 30 days")
    edit(seeds, "participant: [russia, ukraine]", "participant: [russia, ukrane]")
    computed = check_annotations(seeds, ontology=load_ontology()).problems
    written = check_annotations(seeds).problems  # computes, writes the cache file
    assert len(list((tmp_path / "cache").iterdir())) == 1
    read_back = check_annotations(seeds).problems
    assert [p.text() for p in computed] == [p.text() for p in written] == \
        [p.text() for p in read_back]
    assert [p.line for p in read_back] == sorted([POSITION, HELD_IN, DURATION, PARTICIPANT])


def test_old_cache_files_are_pruned(kg, seeds, tmp_path, monkeypatch):
    import os

    cache = tmp_path / "cache"
    cache.mkdir()
    for i in range(10):
        old = cache / f"check-old{i}.pickle"
        old.write_bytes(b"x")
        os.utime(old, (1_000_000 + i, 1_000_000 + i))
    monkeypatch.setenv("KG_CACHE_DIR", str(cache))
    run_check(kg)
    names = sorted(p.name for p in cache.iterdir())
    assert len(names) == 8
    assert [n for n in names if n.startswith("check-old")] == [
        f"check-old{i}.pickle" for i in range(3, 10)]


def test_a_damaged_ontology_cache_is_computed_again(kg, seeds, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("KG_CACHE_DIR", str(cache))
    run_check(kg)
    [file] = cache.iterdir()
    damaged = file.read_bytes()[:1000]
    file.write_bytes(damaged)
    assert run_check(kg) == (
        0, [f"Checked 1 annotation file ({RECORDS} records): no errors."], [])
    rewritten = file.read_bytes()
    assert len(rewritten) > len(damaged)
    run_check(kg)
    assert file.read_bytes() == rewritten  # read back, not computed again


def test_an_unwritable_cache_directory_is_no_error(kg, seeds, tmp_path, monkeypatch):
    (tmp_path / "not-a-dir").write_text("")
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "not-a-dir" / "cache"))
    assert run_check(kg) == (
        0, [f"Checked 1 annotation file ({RECORDS} records): no errors."], [])


def test_facts_that_cannot_be_pickled_are_no_error(kg, seeds, tmp_path, monkeypatch):
    """(If a future TBox held a lambda:) nothing is cached, nothing is left behind."""
    import pickle

    from kg.author import ontology_cache

    def refuse(self, obj):
        raise pickle.PicklingError("cannot pickle a lambda")

    monkeypatch.setattr(ontology_cache._Pickler, "dump", refuse)
    cache = tmp_path / "cache"
    monkeypatch.setenv("KG_CACHE_DIR", str(cache))
    assert run_check(kg) == (
        0, [f"Checked 1 annotation file ({RECORDS} records): no errors."], [])
    assert list(cache.iterdir()) == []


PROTEST = """
kg:Protest a owl:Class ;
    rdfs:subClassOf kg:Event ;
    rdfs:label "protest"@en ;
    rdfs:comment "A public demonstration."@en .
"""


def test_the_ontology_cache_is_never_stale(kg, tmp_path, monkeypatch):
    """An edit to a project's ontology extension is seen by the next kg check."""
    assert kg("init", str(tmp_path / "p")).exit_code == 0
    monkeypatch.chdir(tmp_path / "p")
    monkeypatch.delenv("KG_SEEDS", raising=False)
    monkeypatch.delenv("KG_PROJECT", raising=False)
    for suffix in (".txt", ".yaml"):
        shutil.copy(SEEDS / f"{NAME}{suffix}", "seeds")
    extension = tmp_path / "p" / "ontology" / "extension.ttl"
    plain = extension.read_text(encoding="utf-8")
    extension.write_text(plain + PROTEST, encoding="utf-8")
    line = SEED_TEXT.count("\n") + 1  # the record's first line
    with open(f"seeds/{NAME}.yaml", "a", encoding="utf-8") as f:
        f.write("  - id: istanbul-protest\n    type: Protest\n    label: A protest\n"
                "    quote: {text: Istanbul, occurrence: 2}\n")
    assert run_check(kg)[0] == 0
    extension.write_text(plain, encoding="utf-8")
    code, out, _ = run_check(kg)
    assert code == 1
    assert out[0] == f"{FILE}:{line}: unknown class 'Protest' for record 'istanbul-protest'"
