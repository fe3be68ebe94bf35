"""The ontology and the queries ship inside the package, identical to the repository."""

from conftest import ROOT

from kg.resources import ontology_dir, queries_dir


def _files(traversable, suffix):
    return {e.name: e.read_bytes() for e in traversable.iterdir() if e.name.endswith(suffix)}


def test_installed_queries_equal_repository():
    repo = {p.name: p.read_bytes() for p in (ROOT / "queries").glob("*.rq")}
    assert repo
    assert _files(queries_dir(), ".rq") == repo


def test_installed_ontology_equals_repository():
    repo = {p.name: p.read_bytes() for p in (ROOT / "ontology").glob("*.ttl")}
    assert "kg.ttl" in repo
    assert _files(ontology_dir(), ".ttl") == repo
