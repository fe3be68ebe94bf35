"""`kg show ENTITY`: the profile of an entity, golden on the seed, and how entities are found.

The golden profiles live in ``tests/golden/show/``; regenerate them after a
deliberate change of the seed's annotations with
``KG_UPDATE_GOLDEN=1 python -m pytest tests/test_show.py`` and review the diff.
"""

from __future__ import annotations

import json
import os

import pyoxigraph as ox
import pytest
from conftest import ARTICLE, ROOT

from kg import namespaces as ns
from kg.errors import UsageError
from kg.insight.profile import EntityNotFound, find_entity, fold

GOLDEN = ROOT / "tests" / "golden" / "show"
UPDATE = os.environ.get("KG_UPDATE_GOLDEN") == "1"
CASES = [  # (golden file, arguments)
    ("turkiye.txt", ["Türkiye"]),
    ("istanbul-talks-2025.md", ["kgr:istanbul-talks-2025", "--format", "markdown"]),
    ("valeriy-dymov.json", ["valeriy dymov", "--format", "json"]),
    ("ceasefire-30-day.txt", ["30-day unconditional ceasefire proposal"]),
]


def show(kg, store, *args):
    return kg("show", *args, "--store", str(store))


@pytest.mark.parametrize(("golden", "args"), CASES, ids=[c[0] for c in CASES])
def test_golden_profile(kg, built_store, golden, args):
    result = show(kg, built_store, *args)
    assert result.exit_code == 0, result.output
    path = GOLDEN / golden
    if UPDATE:
        path.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("text", ["turkiye", "TÜRKIYE", "Türkiye", "  türkiye ", "kgr:turkiye",
                                  "<https://w3id.org/kg/id/turkiye>",
                                  "https://w3id.org/kg/id/turkiye", "TURKIYE"])
def test_one_entity_however_it_is_written(kg, built_store, text):
    result = show(kg, built_store, text)
    assert result.exit_code == 0, result.output
    assert result.stdout == (GOLDEN / "turkiye.txt").read_text(encoding="utf-8")


def test_fold_is_case_and_accent_insensitive():
    assert fold("TÜRKIYE") == fold("Türkiye") == fold("turkiye") == "turkiye"
    assert fold("Viktor  Orbán") == "viktor orban"
    assert fold("Russia\u2019s") == "russia's"


def test_nothing_matches_exits_1_with_suggestions(kg, built_store):
    result = show(kg, built_store, "Turkey")
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == "Error: no entity matches 'Turkey'"
    assert lines[1].startswith("Hint: did you mean: Türkiye (kgr:turkiye); ")
    assert len(lines) == 2


def test_an_unknown_prefixed_name_exits_1_with_suggestions(kg, built_store):
    result = show(kg, built_store, "kgr:medinsky")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "Error: no entity kgr:medinsky in the graph"
    assert result.stderr.splitlines()[1].startswith(
        "Hint: did you mean: Vladimir Medinsky (kgr:vladimir-medinsky); ")


def test_nothing_close_says_how_to_search(kg, built_store):
    result = show(kg, built_store, "qqqqqq")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: no entity matches 'qqqqqq'\n"
        "Hint: give a label, an alias, a prefixed name (kgr:russia) or an IRI; "
        "`kg query search -p text WORD` lists resources by label\n")


def test_a_shared_label_exits_2_with_the_candidates(kg, built_store):
    label = 'Kyiv calls Russia\'s terms "detached from reality"'
    result = show(kg, built_store, label.upper())
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"Error: {label.upper()!r} names 2 entities",
        f"Hint: say which: {label} (kgr:claim-ukraine-terms-detached-from-reality); "
        f"{label} (kgr:kyiv-statement-2025)"]


def test_a_literal_is_not_an_entity(kg, built_store):
    result = show(kg, built_store, '"Russia"')
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: '\"Russia\"' is a literal, not an entity\n")


def test_every_quote_slices_the_article_at_its_offsets(kg, built_store, article_text):
    doc = ns.document_iri(ARTICLE.stem)
    for entity in ["Russia", "Ukraine", "Valeriy Dymov", "kgr:istanbul-talks-2025",
                   "kgr:pos-ukraine-rejects-withdrawal-demand"]:
        data = json.loads(show(kg, built_store, entity, "-f", "json").stdout)
        quotes = [q for f in data["facts_out"] + data["facts_in"] for q in f["quotes"]]
        for key in ("positions", "claims_by", "claims_about", "events"):
            quotes += [q for item in data[key] for q in item["quotes"]]
        assert quotes, entity
        for q in quotes:
            assert q["document"] == doc
            assert article_text[q["start"]:q["end"]] == q["text"]


def test_claims_stay_claims(kg, built_store):
    """Dymov says Medinsky led the delegation: a claim about Medinsky, never his fact."""
    data = json.loads(show(kg, built_store, "Vladimir Medinsky", "-f", "json").stdout)
    leads = ns.PREFIXES["kg"] + "leads"
    assert all(f["predicate"] != leads for f in data["facts_out"])
    [claim] = [c for c in data["claims_about"]
               if c["iri"] == ns.resource_iri("claim-dymov-medinsky-led-delegation")]
    assert claim["claimant"] == [ns.resource_iri("valeriy-dymov")]
    assert {"subject": {"value": ns.resource_iri("vladimir-medinsky"), "kind": "iri",
                        "datatype": None, "language": None},
            "predicate": leads,
            "object": {"value": ns.resource_iri("russian-delegation"), "kind": "iri",
                       "datatype": None, "language": None}} in claim["propositions"]
    assert [c["iri"] for c in data["claims_by"]] == [ns.resource_iri("claim-medinsky-warnings")]


def test_output_file_format_from_extension(kg, built_store, tmp_path):
    out = tmp_path / "t.md"
    assert show(kg, built_store, "kgr:istanbul-talks-2025", "-o", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8") == (GOLDEN / "istanbul-talks-2025.md").read_text(
        encoding="utf-8")
    bad = show(kg, built_store, "Russia", "-o", str(tmp_path / "r.csv"))
    assert bad.exit_code == 2
    assert bad.stderr.startswith("Error: cannot tell the format from 'r.csv'\n")
    assert not (tmp_path / "r.csv").exists()


def test_a_stale_store_is_refused(kg, seeds_copy, tmp_path):
    from kg.build import build

    store = tmp_path / ".kg"
    build(seeds_copy, store)
    (seeds_copy / ARTICLE.name).write_text(ARTICLE.read_text(encoding="utf-8") + " ",
                                           encoding="utf-8")
    result = show(kg, store, "Russia")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: the built graph at {store} is stale: "
                                    f"{ARTICLE.name} changed since the build\n")


def _tiny_store() -> ox.Store:
    """A store with one entity that has a label and two aliases (skos:altLabel)."""
    store = ox.Store()
    g = ox.NamedNode(ns.graph_iri("asserted"))
    witkoff = ox.NamedNode(ns.resource_iri("steve-witkoff"))
    orban = ox.NamedNode(ns.resource_iri("viktor-orban"))
    label, alt = ox.NamedNode(ns.RDFS + "label"), ox.NamedNode(ns.SKOS + "altLabel")
    store.extend([ox.Quad(witkoff, label, ox.Literal("Steve Witkoff", language="en"), g),
                  ox.Quad(witkoff, alt, ox.Literal("Vitkov", language="en"), g),
                  ox.Quad(witkoff, alt, ox.Literal("Witkoff"), g),
                  ox.Quad(orban, label, ox.Literal("Viktor Orbán", language="en"), g)])
    return store


@pytest.mark.parametrize(("text", "iri"), [
    ("Vitkov", "steve-witkoff"), ("vitkov", "steve-witkoff"), ("WITKOFF", "steve-witkoff"),
    ("steve witkoff", "steve-witkoff"), ("steve-witkoff", "steve-witkoff"),
    ("viktor orban", "viktor-orban"), ("Viktor ORBÁN", "viktor-orban")])
def test_aliases_and_ids_find_the_entity(text, iri):
    assert find_entity(_tiny_store(), text) == ns.resource_iri(iri)


def test_suggestions_include_aliases():
    with pytest.raises(EntityNotFound) as e:
        find_entity(_tiny_store(), "Vitkoff")
    assert e.value.hint == ("did you mean: Steve Witkoff (kgr:steve-witkoff)")


def test_an_empty_name_is_a_usage_error():
    with pytest.raises(UsageError):
        find_entity(_tiny_store(), "  ")


def test_reported_speech_stays_the_reporters_claim():
    """Dymov says Trump blames Biden: on Trump's profile that is Dymov's claim of what
    Trump said (kg:ReportedClaim, kg:reportedSpeaker), never a claim Trump makes."""
    from kg.cli.show_cmd import to_text
    from kg.insight.profile import profile

    store = ox.Store()
    g = ox.NamedNode(ns.graph_iri("asserted"))
    kg_ = ns.PREFIXES["kg"]

    def r(x):
        return ox.NamedNode(ns.resource_iri(x))

    def k(x):
        return ox.NamedNode(kg_ + x)

    a, label = ox.NamedNode(ns.RDF + "type"), ox.NamedNode(ns.RDFS + "label")
    store.extend([ox.Quad(*t, g) for t in [
        (r("trump"), label, ox.Literal("Donald Trump")),
        (r("dymov"), label, ox.Literal("Valeriy Dymov")),
        (r("outer"), a, k("Claim")), (r("outer"), k("claimant"), r("dymov")),
        (r("outer"), k("reports"), r("rc")),
        (r("rc"), a, k("Claim")), (r("rc"), a, k("ReportedClaim")),
        (r("rc"), k("reportedSpeaker"), r("trump")),
        (r("rc"), label, ox.Literal("Trump blames Biden"))]])
    p = profile(store, ns.resource_iri("trump"))
    assert p.claims_by == [] and p.claims_about == []
    [rc] = p.claims_reported
    assert (rc.iri, rc.claimant, rc.reported_speaker, rc.reported_by) == (
        ns.resource_iri("rc"), (), (ns.resource_iri("trump"),), (ns.resource_iri("dymov"),))
    assert p.facts_in == []
    assert ("  according to Valeriy Dymov (kgr:dymov): Donald Trump (kgr:trump) (says): "
            '"Trump blames Biden" — kgr:rc\n') in to_text(p)


@pytest.fixture(scope="module")
def seed_oxigraph(built_store):
    from kg.store.disk import open_store

    return open_store(built_store).oxigraph


def test_any_text_finds_one_entity_or_says_why(seed_oxigraph):
    """Random names (Hypothesis, derandomized): an IRI of the graph, or a KgError."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from kg.errors import KgError

    @settings(derandomize=True, max_examples=150, deadline=None)
    @given(st.one_of(
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
        st.sampled_from(["kgr:", "kg:", "<>", "<urn:x>", '"x"', "http://", "kgr:ru ssia",
                         "RUSSIA", "ukrAINE", "Orban", "\u0130stanbul", "t\u0308urkiye"])))
    def check(text):
        try:
            iri = find_entity(seed_oxigraph, text)
        except KgError as e:
            assert e.message and "\n" not in e.message
            return
        assert seed_oxigraph.query(f"ASK {{ GRAPH ?g {{ {{ <{iri}> ?p ?o }} UNION "
                                   f"{{ ?s ?p <{iri}> }} }} }}")

    check()


def test_a_resource_only_a_claim_names_is_marked_so():
    from kg.insight.profile import names_of

    store = ox.Store()
    g = ox.NamedNode(ns.graph_iri("asserted"))
    x, thing = ox.NamedNode(ns.resource_iri("c-p1")), ns.resource_iri("alleged-collapse")
    store.extend([ox.Quad(*t, g) for t in [
        (x, ox.NamedNode(ns.RDF + "type"), ox.NamedNode(ns.PREFIXES["kg"] + "Proposition")),
        (x, ox.NamedNode(ns.RDF + "subject"), ox.NamedNode(thing)),
        (x, ox.NamedNode(ns.RDF + "predicate"), ox.NamedNode(ns.RDFS + "label")),
        (x, ox.NamedNode(ns.RDF + "object"), ox.Literal("collapse of the talks"))]])
    assert names_of(store, {thing, ns.resource_iri("nothing")}) == {
        thing: "collapse of the talks (only in claims)"}
