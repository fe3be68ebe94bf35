"""`kg stats`: counts per graph, class and predicate, checked against SPARQL counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg import namespaces as ns
from kg.insight.stats import stats, to_table
from kg.store.disk import open_store

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from kg.build import build

    path = tmp_path_factory.mktemp("stats") / ".kg"
    report = build(SEEDS, path, checks="none")
    return path, report


def count(ox_store, graph: str, pattern: str) -> int:
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ns.graph_iri(graph)}> {{ {pattern} }} }}"
    return int(next(iter(ox_store.query(q)))["n"].value)


def test_graph_counts_match_the_build_and_sparql(store):
    path, report = store
    ox_store = open_store(path).oxigraph
    s = stats(ox_store)
    assert s.graphs == report.counts
    for name in ns.GRAPH_NAMES:
        assert s.graphs[name] == count(ox_store, name, "?s ?p ?o") > 0


def test_class_and_predicate_counts_match_sparql(store):
    path, _ = store
    ox_store = open_store(path).oxigraph
    s = stats(ox_store)
    for row in s.classes[:15] + s.classes[-5:]:
        for g in ("asserted", "background", "inferred"):
            assert getattr(row, g) == count(ox_store, g, f"?s a <{row.iri}>"), (row.iri, g)
    for row in s.predicates[:15] + s.predicates[-5:]:
        for g in ("asserted", "background", "inferred"):
            assert getattr(row, g) == count(ox_store, g, f"?s <{row.iri}> ?o"), (row.iri, g)
    for g in ("asserted", "background", "inferred"):
        assert sum(getattr(r, g) for r in s.predicates) == s.graphs[g]
        assert sum(getattr(r, g) for r in s.classes) == count(ox_store, g, "?s a ?c")


def test_known_seed_counts(store):
    path, _ = store
    s = stats(open_store(path).oxigraph)
    rows = {ns.shorten(r.iri): r for r in s.classes}
    # kg:Speaker is never stated, only inferred (from kg:makesClaim some kg:Claim)
    assert rows["kg:Speaker"].asserted == 0 and rows["kg:Speaker"].inferred > 0
    preds = {ns.shorten(r.iri): r for r in s.predicates}
    assert preds["kg:participatesIn"].asserted == 0
    # the inverse of every participant triple, stated or inferred (kg:speaker)
    assert preds["kg:participatesIn"].inferred == preds["kg:participant"].total > 0
    assert preds["skos:exactMatch"].background > 0


def test_cli_table_and_json(kg, store):
    path, report = store
    r = kg("stats", "--store", str(path))
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].split() == ["graph", "triples"]
    assert lines[2].split() == ["kgg:ontology", str(report.counts["ontology"])]
    assert lines[3].split() == ["kgg:asserted", str(report.counts["asserted"])]
    assert "class (rdf:type triples)" in r.output and "predicate (triples)" in r.output
    r = kg("stats", "--store", str(path), "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["graphs"] == report.counts
    assert data["total"] == sum(report.counts.values())
    first = data["predicates"][0]
    assert first["total"] == first["asserted"] + first["background"] + first["inferred"]


def test_table_renderer_is_plain_text(store):
    path, _ = store
    text = to_table(stats(open_store(path).oxigraph))
    assert text.endswith("\n") and "kgg:inferred" in text


def test_missing_store_is_an_error(kg, tmp_path):
    r = kg("stats", "--store", str(tmp_path / "nowhere"))
    assert r.exit_code == 1
    assert r.output.startswith("Error: no built graph at")
