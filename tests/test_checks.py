"""The check stage (kg.checks.run): the shapes and the voice guard, violations as data.

The *-violation queries stay canned queries for users (they list the offenders);
the build runs the shapes only, which find what the queries are named for.
"""

import pyoxigraph as ox
import pytest

from kg import namespaces as ns
from kg.query.catalogue import get_query
from kg.store.memory import memory_store

A = ns.graph_iri("asserted")


def _rows(store, name):
    return [tuple(str(t) for t in row)
            for row in store.query(get_query(name).text, use_default_graph_as_union=True)]


@pytest.fixture
def store(dataset):
    return memory_store(dataset)


@pytest.mark.parametrize("name", ["unsupported-fact-violation", "claim-without-claimant-violation",
                                  "position-without-holder-violation",
                                  "quote-offsets-violation"])
def test_the_seed_has_no_violations(store, name):
    assert _rows(store, name) == []


def _found(store, dataset, **kw):
    from kg.checks.run import run_checks

    return sorted((v.id, v.focus, v.path, v.value) for v in run_checks(
        store, dataset.ontology, **kw))


def test_an_asserted_triple_without_a_quote_is_found(store, dataset):
    s, p, o = (ox.NamedNode(ns.KGR + "russia"), ox.NamedNode(ns.KG + "rejects"),
               ox.NamedNode(ns.KGR + "ceasefire-30-day"))
    store.add(ox.Quad(s, p, o, ox.NamedNode(A)))
    assert _rows(store, "unsupported-fact-violation") == [(str(s), str(p), str(o))]
    assert _found(store, dataset) == [
        ("kg-check:unsupported-fact", "kgr:russia", None, "kgr:ceasefire-30-day")]
    assert _found(store, dataset, checks="data") == []  # an evidence-integrity check


def test_a_claim_without_claimant_is_found(store, dataset):
    claim = ox.NamedNode(ns.KGR + "claim-x")
    store.add(ox.Quad(claim, ox.NamedNode(ns.RDF + "type"), ox.NamedNode(ns.KG + "Claim"),
                      ox.NamedNode(A)))
    assert _rows(store, "claim-without-claimant-violation") == [
        (str(claim), f"<{ns.KG}claimant>"), (str(claim), f"<{ns.KG}statedIn>")]
    assert _found(store, dataset, checks="data") == [
        ("kg-check:claim-claimant", "kgr:claim-x", "kg:claimant", None),
        ("kg-check:claim-stated-in", "kgr:claim-x", "kg:statedIn", None)]


def test_a_position_without_holder_is_found(store, dataset):
    pos = ox.NamedNode(ns.KGR + "position-x")
    g = ox.NamedNode(A)
    store.add(ox.Quad(pos, ox.NamedNode(ns.RDF + "type"), ox.NamedNode(ns.KG + "Position"), g))
    store.add(ox.Quad(pos, ox.NamedNode(ns.KG + "stance"), ox.NamedNode(ns.KGC + "rejects"), g))
    assert _rows(store, "position-without-holder-violation") == [
        (str(pos), f"<{ns.KG}holder>"), (str(pos), f"<{ns.KG}target>")]
    assert _found(store, dataset, checks="data") == [
        ("kg-check:position-holder", "kgr:position-x", "kg:holder", None),
        ("kg-check:position-target", "kgr:position-x", "kg:target", None)]


def test_every_violation_query_is_left_to_shapes_that_exist():
    """The queries are canned views for users; the shapes are the one declaration the build runs."""
    from rdflib import RDF, SH, Graph, URIRef

    from kg.query.catalogue import violation_queries
    from kg.resources import ontology_file, read_text

    shapes = Graph().parse(data=read_text(ontology_file("shapes.ttl")), format="turtle")
    covered = {q.name: q.covered_by for q in violation_queries()}
    assert covered == {
        "claim-without-claimant-violation": "kgsh:ClaimShape",
        "position-without-holder-violation": "kgsh:PositionShape",
        "quote-offsets-violation": "kgsh:QuoteShape kgsh:TextPositionSelectorShape",
        "unsupported-fact-violation": "kgsh:SupportedFactShape"}
    for names in covered.values():
        for name in names.split():
            iri = URIRef("https://w3id.org/kg/shapes#" + name.removeprefix("kgsh:"))
            assert (iri, RDF.type, SH.NodeShape) in shapes


def test_a_quote_with_impossible_offsets_is_found_by_the_query_and_the_shapes(store):
    from kg.checks.shacl_sparql import validate_store

    end = ox.NamedNode(ns.OA + "end")
    (q,) = [q for q in store.quads_for_pattern(None, end, None, None)][:1]
    store.remove(q)
    longer = ox.Literal(str(int(q.object.value) + 1), datatype=q.object.datatype)
    store.add(ox.Quad(q.subject, end, longer, q.graph_name))
    rows = _rows(store, "quote-offsets-violation")
    assert [row[2] for row in rows] == [str(longer)]
    report = validate_store(store)
    assert {v.shape for v in report.violations} == {"kgsh:QuoteShape"}


# --- check levels of `kg build --checks` -----------------------------------------------

def _check(store, dataset, checks, shapes):
    from kg.checks.run import check_build

    check_build(store, dataset.ontology, shapes=shapes, checks=checks, size=0)


@pytest.mark.parametrize("shapes", ["pyshacl", "sparql"])
def test_data_checks_leave_out_only_the_evidence_integrity_checks(store, dataset, shapes):
    from kg.errors import ViolationsError

    # break the evidence: a quote's exact text no longer matches its offsets
    exact = ox.NamedNode(ns.OA + "exact")
    q = next(iter(store.quads_for_pattern(None, exact, None, None)))
    store.remove(q)
    store.add(ox.Quad(q.subject, exact, ox.Literal(q.object.value + "!"), q.graph_name))
    _check(store, dataset, "data", shapes)  # only a kg defect can do that: not a data check
    with pytest.raises(ViolationsError) as e:
        _check(store, dataset, "all", shapes)
    assert "kgsh:QuoteShape" in e.value.report
    # a data violation is found at either level
    pos = ox.NamedNode(ns.KGR + "position-x")
    store.add(ox.Quad(pos, ox.NamedNode(ns.RDF + "type"), ox.NamedNode(ns.KG + "Position"),
                      ox.NamedNode(A)))
    for checks in ("data", "all"):
        with pytest.raises(ViolationsError) as e:
            _check(store, dataset, checks, shapes)
        lines = e.value.report.splitlines()
        if checks == "data":
            assert lines == ["SHACL data shapes: 3 violations", *POSITION_X]
        else:  # and the evidence of position-x, and the broken quote
            assert [x for x in lines if "[kgsh:PositionShape]" in x] == POSITION_X
            assert {x.rsplit(" ", 1)[-1] for x in lines[1:]} == {
                "[kgsh:PositionShape]", "[kgsh:EvidenceShape]", "[kgsh:QuoteShape]",
                "[kgsh:SupportedFactShape]"}
    _check(store, dataset, "none", shapes)


POSITION_X = [
    "  kgr:position-x kg:holder: A position needs exactly one kg:holder, an actor."
    " [kgsh:PositionShape]",
    "  kgr:position-x kg:stance: A position needs exactly one kg:stance from the"
    " kgc:stances scheme. [kgsh:PositionShape]",
    "  kgr:position-x kg:target: A position needs a kg:target: what the stance is"
    " toward. [kgsh:PositionShape]"]


def test_auto_runs_every_check_on_small_builds_and_the_data_checks_above():
    from kg.checks.run import CHECKS_AUTO_THRESHOLD, choose_checks

    assert choose_checks("auto", CHECKS_AUTO_THRESHOLD) == "all"
    assert choose_checks("auto", CHECKS_AUTO_THRESHOLD + 1) == "data"
    assert [choose_checks(c, 10**9) for c in ("all", "data", "none")] == ["all", "data", "none"]
    with pytest.raises(ValueError):
        choose_checks("some", 1)


def test_evidence_integrity_shapes_are_the_ones_over_what_kg_writes():
    from kg.checks.shapes import evidence_integrity_shapes

    assert evidence_integrity_shapes() == {
        "kgsh:EvidenceShape", "kgsh:NewsArticleShape", "kgsh:AnnotationShape",
        "kgsh:SupportedFactShape",
        "kgsh:QuoteShape", "kgsh:TextQuoteSelectorShape", "kgsh:TextPositionSelectorShape"}
    from kg.query.catalogue import violation_queries

    assert {q.name: q.scope for q in violation_queries()} == {
        "claim-without-claimant-violation": "data", "position-without-holder-violation": "data",
        "quote-offsets-violation": "evidence", "unsupported-fact-violation": "evidence"}


# --- violations as data ------------------------------------------------------------------

def _position_x(store):
    pos = ox.NamedNode(ns.KGR + "position-x")
    store.add(ox.Quad(pos, ox.NamedNode(ns.RDF + "type"), ox.NamedNode(ns.KG + "Position"),
                      ox.NamedNode(A)))


def test_violations_carry_their_id_and_their_record_file_and_line(store, dataset):
    from kg.checks.report import Violation
    from kg.checks.run import raise_for_violations, run_checks
    from kg.errors import ViolationsError

    _position_x(store)
    found = run_checks(store, dataset.ontology, checks="data",
                       records={"position-x": ("seeds/x.yaml", 12)})
    assert [(v.id, v.source) for v in found] == [
        ("kg-check:position-holder", ("seeds/x.yaml", 12)),
        ("kg-check:position-stance", ("seeds/x.yaml", 12)),
        ("kg-check:position-target", ("seeds/x.yaml", 12))]
    assert all(isinstance(v, Violation) for v in found)
    with pytest.raises(ViolationsError) as e:
        raise_for_violations(found)
    assert e.value.message == "the graph failed its checks"
    assert e.value.report.splitlines()[1:] == [
        "  seeds/x.yaml:12: " + line.strip() for line in POSITION_X]
    raise_for_violations([])  # nothing found: no error


def test_a_violation_is_frozen_data():
    import dataclasses

    from kg.checks.report import Violation

    v = Violation("kg-check:position-holder", "kgr:x", "missing")
    assert (v.id, v.focus, v.message, v.source) == ("kg-check:position-holder", "kgr:x",
                                                    "missing", None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.id = "other"  # type: ignore[misc]


def test_unknown_engine_or_level_is_an_error(store, dataset):
    from kg.checks.run import run_checks

    with pytest.raises(ValueError, match="shapes engine"):
        run_checks(store, dataset.ontology, shapes="jena")
    with pytest.raises(ValueError, match="checks"):
        run_checks(store, dataset.ontology, checks="some")


# --- the ids are documented; one engine; no cycle --------------------------------------

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def _emittable_ids() -> set[str]:
    """Every id the code can emit: the shapes' (both families), the voice guard's, the tools'."""
    import re

    from kg.checks.run import VOICE_ID
    from kg.checks.shacl_sparql import compile_shapes
    from kg.checks.shapes import DATA_SHAPE, STYLE_SHAPE, shapes_graph

    ids = {c.id for family in (DATA_SHAPE, STYLE_SHAPE)
           for c in compile_shapes(shapes_graph(family))}
    tools = (ROOT / "tools" / "owl2rl_profile.py").read_text(encoding="utf-8")
    return ids | {VOICE_ID} | set(re.findall(r'"(kg-check:[a-z0-9-]+)"', tools))


def test_every_check_id_has_its_section_in_docs_checks_md():
    import re

    text = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    documented = re.findall(r"^### (kg-check:[a-z0-9-]+)$", text, re.MULTILINE)
    assert len(documented) == len(set(documented))  # one section each
    assert set(documented) == _emittable_ids()
    assert "kg-check:unsupported-fact" in documented and "kg-check:owl2rl-profile" in documented


def test_every_data_check_names_its_id_in_the_shapes_file():
    """Ids are written down (dcterms:identifier), not derived: renaming a shape keeps them."""
    from rdflib.namespace import DCTERMS

    from kg.checks.shacl_sparql import compiled_data_shapes
    from kg.checks.shapes import DATA_SHAPE, shapes_graph

    written = {"kg-check:" + str(o)
               for o in shapes_graph(DATA_SHAPE).objects(None, DCTERMS.identifier)}
    ids = {c.id for c in compiled_data_shapes()}
    assert ids == written
    assert len(ids) == 44


def test_the_default_build_never_imports_pyshacl(tmp_path):
    import subprocess
    import sys

    code = ("import sys; from kg.build import build; "
            f"build({str(ROOT / 'seeds')!r}, {str(tmp_path / 'store')!r}); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pyshacl'))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=600, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_the_checks_modules_import_each_other_without_a_cycle():
    """Imports anywhere in a module (function-local ones too) between kg.checks modules."""
    import ast

    graph: dict[str, set[str]] = {}
    for path in (ROOT / "src" / "kg" / "checks").glob("*.py"):
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kg.checks."):
                deps.add(node.module.removeprefix("kg.checks."))
        graph[path.stem] = deps
    assert graph["report"] == set() and graph["shapes"] == {"report"}
    order: list[str] = []
    while len(order) < len(graph):
        ready = sorted(m for m in graph if m not in order and graph[m] <= set(order))
        assert ready, f"an import cycle among {sorted(set(graph) - set(order))}"
        order += ready
    # the oracle shares nothing with the engine it checks but the shapes file and the report
    assert graph["validation"] == {"report", "shapes"}


def test_build_reports_the_same_with_either_engine(kg, seeds_copy, tmp_path):
    """`kg build --shapes pyshacl` (the reference, on request) says what the default says."""
    ann = seeds_copy / "000_99214e3abbb71cf3.yaml"
    text = ann.read_text(encoding="utf-8")
    broken = text.replace("      - \"Ukraine’s ceasefire proposal\"\n    holder: ukraine\n",
                          "      - \"Ukraine’s ceasefire proposal\"\n", 1)
    assert broken != text
    ann.write_text(broken, encoding="utf-8")
    results = [kg("build", "--seeds", str(seeds_copy), "--store", str(tmp_path / name), *opts)
               for name, opts in (("a", ()), ("b", ("--shapes", "pyshacl")))]
    assert [r.exit_code for r in results] == [3, 3]
    assert results[0].stderr == results[1].stderr
    assert "kgr:pos-ukraine-proposes-ceasefire kg:holder: A position needs exactly one " \
           "kg:holder, an actor. [kgsh:PositionShape]" in results[0].stderr
