"""The *-violation queries find what they are named for (and nothing on the seed)."""

import pyoxigraph as ox
import pytest

from kg import namespaces as ns
from kg.catalogue import get_query
from kg.localengine import memory_store

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
