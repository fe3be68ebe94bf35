"""The *-violation queries find what they are named for (and nothing on the seed)."""

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


def test_an_asserted_triple_without_a_quote_is_found(store):
    s, p, o = (ox.NamedNode(ns.KGR + "russia"), ox.NamedNode(ns.KG + "rejects"),
               ox.NamedNode(ns.KGR + "ceasefire-30-day"))
    store.add(ox.Quad(s, p, o, ox.NamedNode(A)))
    assert _rows(store, "unsupported-fact-violation") == [(str(s), str(p), str(o))]


def test_a_claim_without_claimant_is_found(store):
    claim = ox.NamedNode(ns.KGR + "claim-x")
    store.add(ox.Quad(claim, ox.NamedNode(ns.RDF + "type"), ox.NamedNode(ns.KG + "Claim"),
                      ox.NamedNode(A)))
    assert _rows(store, "claim-without-claimant-violation") == [
        (str(claim), f"<{ns.KG}claimant>"), (str(claim), f"<{ns.KG}statedIn>")]


def test_a_position_without_holder_is_found(store):
    pos = ox.NamedNode(ns.KGR + "position-x")
    g = ox.NamedNode(A)
    store.add(ox.Quad(pos, ox.NamedNode(ns.RDF + "type"), ox.NamedNode(ns.KG + "Position"), g))
    store.add(ox.Quad(pos, ox.NamedNode(ns.KG + "stance"), ox.NamedNode(ns.KGC + "rejects"), g))
    assert _rows(store, "position-without-holder-violation") == [
        (str(pos), f"<{ns.KG}holder>"), (str(pos), f"<{ns.KG}target>")]


def test_checks_left_to_shapes_name_shapes_that_exist():
    from rdflib import RDF, SH, Graph, URIRef

    from kg.query.catalogue import violation_queries
    from kg.resources import ontology_file, read_text

    shapes = Graph().parse(data=read_text(ontology_file("shapes.ttl")), format="turtle")
    covered = {q.name: q.covered_by for q in violation_queries() if q.covered_by}
    assert covered == {"quote-offsets-violation":
                       "kgsh:QuoteShape kgsh:TextPositionSelectorShape"}
    for name in covered["quote-offsets-violation"].split():
        iri = URIRef("https://w3id.org/kg/shapes#" + name.removeprefix("kgsh:"))
        assert (iri, RDF.type, SH.NodeShape) in shapes


def test_a_quote_with_impossible_offsets_is_found_by_the_query_and_the_shapes(store):
    from kg.checks.validation import validate_store

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
    from kg.build import check_store

    check_store(store, dataset.ontology, shapes=shapes, checks=checks, size=0)


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
        assert "position-without-holder-violation: 3 violation(s)" in e.value.report
    _check(store, dataset, "none", shapes)


def test_auto_runs_every_check_on_small_builds_and_the_data_checks_above():
    from kg.build import CHECKS_AUTO_THRESHOLD, choose_checks

    assert choose_checks("auto", CHECKS_AUTO_THRESHOLD) == "all"
    assert choose_checks("auto", CHECKS_AUTO_THRESHOLD + 1) == "data"
    assert [choose_checks(c, 10**9) for c in ("all", "data", "none")] == ["all", "data", "none"]
    with pytest.raises(ValueError):
        choose_checks("some", 1)


def test_evidence_integrity_shapes_are_the_ones_over_what_kg_writes():
    from kg.checks.validation import evidence_integrity_shapes

    assert evidence_integrity_shapes() == {
        "kgsh:EvidenceShape", "kgsh:NewsArticleShape", "kgsh:AnnotationShape",
        "kgsh:QuoteShape", "kgsh:TextQuoteSelectorShape", "kgsh:TextPositionSelectorShape"}
    from kg.query.catalogue import violation_queries

    assert {q.name: q.scope for q in violation_queries()} == {
        "claim-without-claimant-violation": "data", "position-without-holder-violation": "data",
        "quote-offsets-violation": "evidence", "unsupported-fact-violation": "evidence"}
