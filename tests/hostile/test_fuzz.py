"""Broken inputs: fuzzed annotation files and command lines end in clean errors, never a traceback.

The annotation loader and the mapping get random YAML and mutations of the
seed annotation file (lines deleted or duplicated, characters swapped,
control characters, lone surrogates, deep nesting, huge scalars, invalid
dates and language tags); the CLI gets random arguments. The only
acceptable outcomes are success or a :class:`~kg.errors.KgError` whose
message names the file and line.

Deterministic by default (the ``ci`` profile: derandomized, 150 examples per
test), so that the suite never fails by chance. To hunt for new failures,
run the ``explore`` profile with seeds and more examples, and turn each
finding into an explicit case of ``test_slips``::

    KG_FUZZ_PROFILE=explore KG_FUZZ_EXAMPLES=1000 \
        python -m pytest -q tests/hostile/test_fuzz.py --hypothesis-seed=7
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kg.errors import InputError, KgError
from kg.read.annotations import parse_annotations, parse_background

from .helpers import ARTICLE_NAME, SEEDS

PATH = "seeds/fuzz.yaml"
SEED_TEXT = (SEEDS / f"{ARTICLE_NAME}.yaml").read_text(encoding="utf-8")
SEED_LINES = SEED_TEXT.splitlines(keepends=True)
WHERE = re.compile(r"^seeds/fuzz\.yaml:\d+: \S")

settings.register_profile("ci", max_examples=150, derandomize=True, database=None)
settings.register_profile("explore", max_examples=int(os.environ.get("KG_FUZZ_EXAMPLES", 500)),
                          derandomize=False)
PROFILE = settings.get_profile(os.environ.get("KG_FUZZ_PROFILE", "ci"))
FUZZ = settings(PROFILE, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def mapper():
    """parse + map one annotation file against the seed article and the real ontology."""
    from kg.build import load_ontology
    from kg.model.mapping import map_articles
    from kg.model.vocabulary import vocabulary_from_graph
    from kg.read.sources import discover

    vocab = vocabulary_from_graph(load_ontology())
    article = discover(SEEDS)[0]

    def run(text: str):
        ann = parse_annotations(text, PATH)
        return map_articles([(article, ann)], vocab)

    return run


def clean(run, text: str) -> None:
    """``run(text)`` succeeds or raises a KgError naming the file and line."""
    try:
        run(text)
    except InputError as e:
        assert WHERE.match(e.message), e.message
        assert "\n" not in e.message
    except KgError as e:  # pragma: no cover - the loader raises only InputError
        raise AssertionError(f"not an InputError: {type(e).__name__}: {e.message}") from None


# --- strategies -----------------------------------------------------------------------------

ODD = st.sampled_from([
    "\x00", "\x07", "\x1b", "\x7f", "\u0085", "\u2028", "\ufeff", "\ufffe", "\U0010ffff",
    "\u202e", "\u0301", "İ", "ß", "\t", "\r", "\r\n", "\\", '"', "'", ":", "#", "&a", "*a",
    "!!python/object:os.system", "!!binary", "{", "[", "- ", "? ", "|", ">", "%YAML 1.2",
])
SCALARS = st.one_of(
    st.text(max_size=20), ODD,
    st.sampled_from(["2025-02-30", "2025-13-01", "0000-00-00", "-99999-01-01", "1e999",
                     "en-", "e", "EN_us", "x" * 9, "1,000", "P", "PT", "true", "yes", "~",
                     "Q0", "Q-1", "kgc:", "kgc:nonsense", ".inf", "0x1F"]))


def _any(children):
    return st.one_of(st.lists(children, max_size=4),
                     st.dictionaries(st.text(max_size=10), children, max_size=4))


YAML_VALUES = st.recursive(SCALARS, _any, max_leaves=20)

RESERVED_KEYS = ["id", "type", "label", "quote", "quotes", "facts", "wikidata",
                 "proposition", "note", "occurrence", "text", "subject", "predicate",
                 "object", "participant", "heldIn", "stance", "date", "published"]
RECORDS = st.lists(st.dictionaries(st.sampled_from(RESERVED_KEYS), YAML_VALUES, max_size=6),
                   max_size=4)


@st.composite
def mutated(draw):
    """The seed annotation file with a few mutations."""
    lines = list(SEED_LINES)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "surrogate",
                                   "date", "lang", "nest", "huge", "replace"]))
        i = draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, line)
        elif op == "swap" and len(line) > 2:
            j = draw(st.integers(0, len(line) - 2))
            lines[i] = line[:j] + line[j + 1] + line[j] + line[j + 2:]
        elif op == "insert":
            j = draw(st.integers(0, len(line)))
            lines[i] = line[:j] + draw(ODD) + line[j:]
        elif op == "surrogate":
            lines[i] = re.sub(r": (.+)$", lambda m: ': "\\ud800' + m.group(1).replace(
                "\\", "").replace('"', "") + '"', line, count=1)
        elif op == "date":
            bad = draw(SCALARS.filter(lambda s: "\n" not in s))
            lines = [re.sub(r"\b2025-05-20\b", lambda m, bad=bad: bad, x) for x in lines]
        elif op == "lang":
            lines = [x.replace("language: en", "language: " + draw(st.sampled_from(
                ["e", "english", "en_GB", "en-", "'en ", "123", '"\\u0000"', "[en]"])))
                for x in lines]
        elif op == "nest":
            depth = draw(st.integers(10, 2000))
            nested = ": " + "[" * depth + "x" + "]" * depth
            lines[i] = re.sub(r": (.+)$", lambda m, n=nested: n, line, count=1)
        elif op == "huge":
            huge = ": " + "y" * draw(st.integers(100_001, 110_000))
            lines[i] = re.sub(r": (.+)$", lambda m, h=huge: h, line, count=1)
        elif op == "replace":
            lines[i] = re.sub(r": (.+)$", lambda m: ": " + yaml.safe_dump(
                draw(YAML_VALUES), default_flow_style=True, width=10**9).strip(),
                line, count=1)
    return "".join(lines)


# --- the annotation loader and the mapping ------------------------------------------------

@FUZZ
@given(st.text(max_size=300))
def test_random_text(text):
    clean(lambda t: parse_annotations(t, PATH), text)


@FUZZ
@given(st.fixed_dictionaries({"document": YAML_VALUES}, optional={
    "records": st.one_of(RECORDS, YAML_VALUES), "unmapped": YAML_VALUES}))
def test_random_yaml(mapper, doc):
    try:
        text = yaml.safe_dump(doc, allow_unicode=True)
    except yaml.YAMLError:
        assume(False)
    clean(mapper, text)


@FUZZ
@given(mutated())
def test_mutated_seed_file(mapper, text):
    clean(mapper, text)


@FUZZ
@given(st.one_of(st.text(max_size=200), YAML_VALUES.map(
    lambda v: yaml.safe_dump(v, allow_unicode=True))))
def test_random_background(text):
    clean(lambda t: parse_background(t, PATH), text)


def test_seed_file_itself_maps(mapper):
    mapper(SEED_TEXT)


@pytest.mark.parametrize("text,message", [
    ("document: {title: a\x00b}", "seeds/fuzz.yaml:1: character U+0000 is not allowed in a "
     "YAML file"),
    ("document:\n  title: \ud800\n", "seeds/fuzz.yaml:2: character U+D800 is not allowed"),
    ("document:\n\n  title: a\x1bb\n", "seeds/fuzz.yaml:3: character U+001B is not allowed"),
    ('document:\n  title: "\\ud800"\n  publisher: p\n  published: "2025"\n  language: en\n',
     "seeds/fuzz.yaml:2: YAML syntax error: found invalid Unicode character escape code"),
    ("document: " + "[" * 5000 + "]" * 5000, "seeds/fuzz.yaml:1: YAML syntax error: "
     "exceeded maximum nesting depth"),
    ("\ufeffdocument: x", "seeds/fuzz.yaml:1: document must be a mapping"),
    ("document: x\n- y", "seeds/fuzz.yaml:2: YAML syntax error: did not find expected key"),
])
def test_broken_inputs_name_file_and_line(text, message):
    with pytest.raises(InputError) as e:
        parse_annotations(text, PATH)
    assert e.value.message.startswith(message), e.value.message


# --- the command line ---------------------------------------------------------------------

COMMANDS = ["query", "sparql", "export", "stats", "explain", "coverage", "push", "build",
            "check", "draft", "nonsense", "--help", "--version", "--debug"]
WORDS = st.one_of(
    st.sampled_from([
        "talks", "search", "evidence", "-p", "text", "resource", "--param", "--list",
        "--show", "-f", "--format", "csv", "json", "table", "turtle", "rdfxml", "jsonld",
        "nquads", "-o", "out.csv", "out.ttl", "out", "--iris", "--asserted-only",
        "--timeout", "0", "-1", "2", "nan", "inf", "1e308", "--endpoint",
        "http://127.0.0.1:9/query", "ftp://x", "--store", "nostore", "--seeds", "noseeds",
        "--graph", "all", "asserted", "bogus", "--graph-iri", "--max-body", "5", "--method",
        "gsp", "--depth", "--all", "--min-mapped", "101", "-", "--", "=", "kgr:russia",
        "Russia", "a", "kg:State", "<http://x>", "SELECT * WHERE { ?s ?p ?o } LIMIT 1",
        "ASK {}", "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2", "DESCRIBE kgr:russia",
        "--force", "--no-shapes", "x.txt", "x.yaml", "noseeds/x.yaml",
        "SELECT ?x WHERE {", "INSERT DATA {}", "--allow-remote", "--no-check", "--reasoner",
        "x" * 300]),
    st.text(max_size=12))


@pytest.fixture
def sandbox(tmp_path, monkeypatch, built_store):
    """The CLI runs in an empty directory, with a copy of the store as its default."""
    from .helpers import copy_store

    monkeypatch.chdir(tmp_path)
    store = copy_store(built_store, tmp_path / ".kg")
    (tmp_path / "noseeds").mkdir()
    monkeypatch.setenv("KG_STORE", str(store))
    monkeypatch.setenv("KG_SEEDS", str(tmp_path / "noseeds"))
    return tmp_path


@settings(PROFILE, max_examples=min(120, PROFILE.max_examples), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.sampled_from(COMMANDS), st.lists(WORDS, max_size=6))
def test_random_command_lines(kg, sandbox, command, args):
    if command == "sparql" and "--timeout" not in args:
        args = [*args, "--timeout", "5"]
    if command == "push":
        args = [*args, "--timeout", "2"]
    r = kg(command, *args)
    assert r.exit_code in (0, 1, 2, 3), (r.exit_code, r.output)
    assert "Traceback" not in r.output and "Traceback" not in r.stderr
    assert "internal error" not in r.stderr, r.stderr
    if r.exit_code == 1:
        assert r.stderr.startswith("Error: "), r.stderr
    # Nothing is ever written outside the sandbox's own files.
    assert {p.name for p in Path(sandbox).iterdir()} <= {
        ".kg", "noseeds", "out.csv", "out.ttl", "out", "-"}


# --- bytes that are not UTF-8 on the command line (a pasted Latin-1 word, say) -------------

NOT_UTF8 = "\udcff"  # how Python hands over the byte 0xFF of argv (surrogateescape)

ARGV_CASES = [
    pytest.param(["query", NOT_UTF8], "'\\xff'", id="query-name"),
    pytest.param(["query", "search", "-p", "text", "a" + NOT_UTF8], "'a\\xff'",
                 id="query-param"),
    pytest.param(["explain", "kgr:russia", "a", NOT_UTF8], "'\\xff'", id="explain-term"),
    pytest.param(["sparql", "ASK { " + NOT_UTF8 + " }"], "'ASK { \\xff }'",
                 id="sparql-text"),
]


@pytest.mark.parametrize("args,shown", ARGV_CASES)
def test_argv_that_is_not_utf8(args, shown, kg, sandbox):
    """Refused before any command runs: a usage error (exit 2) naming the argument."""
    r = kg(*args)
    assert r.exit_code == 2, r.stderr
    assert r.stderr.splitlines()[-1] == f"Error: argument {shown} is not valid UTF-8"
    assert "internal error" not in r.stderr


@pytest.mark.parametrize("old,new,message", [
    ("published: 2025-05-20", "published: 2025-02-30",
     "published: '2025-02-30' is not a valid date"),
    ("published: 2025-05-20", "published: 2025-13", "published: '2025-13' is not a valid date"),
    ("language: en", "language: en_GB", "language 'en_GB' is not a valid language tag"),
    ("language: en", "language: 'en '", "language 'en ' is not a valid language tag"),
])
def test_invalid_dates_and_language_tags(mapper, old, new, message):
    text = SEED_TEXT.replace(old, new, 1)
    line = SEED_TEXT[: SEED_TEXT.index(old)].count("\n") + 1
    with pytest.raises(InputError) as e:
        mapper(text)
    assert e.value.message.startswith(f"{PATH}:")
    assert e.value.message.endswith(message), e.value.message
    assert int(e.value.message.split(":")[1]) in (line, SEED_TEXT[: SEED_TEXT.index(
        "document:")].count("\n") + 2)


# --- slips the fuzzer found, as explicit regression cases ---------------------------------

def _line_of(old: str) -> int:
    return SEED_TEXT[: SEED_TEXT.index(old)].count("\n") + 1


@pytest.mark.parametrize("old,new,message", [
    pytest.param("participant: [russia, ukraine]", "participant: russia, ukraine",
                 "participant: 'russia, ukraine' is a list written as a string",
                 id="list-as-string"),
    pytest.param("speaker: hakan-fidan", "speaker: Hakan Fidan",
                 "speaker: 'Hakan Fidan' is not a record id (lower-case letters, digits and "
                 "hyphens)", id="name-for-id"),
    pytest.param("participant: [russia, ukraine]", "participant: r[ussia, ukraine]",
                 "participant: 'r[ussia, ukraine]' is not a record id", id="broken-list"),
    pytest.param("publisher: news-az", "publisher: News.Az",
                 "publisher: 'News.Az' is not a record id (lower-case letters, digits and "
                 "hyphens)", id="publisher-name"),
    pytest.param("claimant: valeriy-dymov", "claimant: kgc:nonsense",
                 "claimant: 'kgc:nonsense' is not a record id (lower-case letters, digits "
                 "and hyphens)", id="concept-for-id"),
])
def test_slips(mapper, old, new, message):
    """Each slip names the file, the line of the value and what is wrong with it."""
    text = SEED_TEXT.replace(old, new, 1)
    with pytest.raises(InputError) as e:
        mapper(text)
    assert e.value.message == f"{PATH}:{_line_of(old)}: {message}"


@pytest.mark.parametrize("value,hint", [
    ("russia, ukraine", "write a YAML list: [russia, ukraine]"),
    ("Hakan Fidan", "write the id of a record, e.g. hakan-fidan"),
    ("Türkiye", "write the id of a record, e.g. turkiye"),
    ("r[ussia, ukraine]", "a list of record ids is written [a, b], the brackets around the "
     "whole value"),
])
def test_slip_hints(mapper, value, hint):
    text = SEED_TEXT.replace("participant: [russia, ukraine]", f"participant: {value}", 1)
    with pytest.raises(InputError) as e:
        mapper(text)
    assert e.value.hint == hint


# --- kg check: the collecting parser and mapping ------------------------------------------

@pytest.fixture(scope="module")
def checker(tmp_path_factory):
    """kg check's library call on one mutated copy of the seed annotation file."""
    import shutil

    from kg.author.check import check_annotations
    from kg.build import load_ontology

    seeds = tmp_path_factory.mktemp("fuzzcheck")
    shutil.copy(SEEDS / f"{ARTICLE_NAME}.txt", seeds)
    ontology = load_ontology()

    def run(text: str):
        (seeds / f"{ARTICLE_NAME}.yaml").write_text(text, encoding="utf-8",
                                                    errors="surrogatepass")
        return check_annotations(seeds, checks=False, ontology=ontology)

    return run


@settings(FUZZ, max_examples=min(60, PROFILE.max_examples))
@given(mutated())
def test_mutated_seed_file_checked(checker, text):
    """kg check collects every error as a problem with a file and a line, and never fails."""
    try:
        result = checker(text)
    except InputError as e:  # only what stops everything: the file cannot be read at all
        assert re.match(r"^\S+: \S", e.message), e.message
        return
    for p in result.problems:
        assert p.path.endswith(f"{ARTICLE_NAME}.yaml") and p.line >= 1, p
        assert "\n" not in p.message
