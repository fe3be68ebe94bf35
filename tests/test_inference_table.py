"""Every row of docs/inference.md: a tiny fixture and the exact triples the closure adds.

Fixtures live in tests/fixtures/ontology/inference/<row>/: ``data.ttl`` is the
stated graph; ``inferred.ttl`` lists every triple the closure must add (and
nothing else may be added); ``inconsistent.txt`` replaces it for the rows whose
point is that the reasoner reports a clash.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.compare import to_isomorphic

from kg.errors import ViolationsError
from kg.reason.reasoning import closure

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "ontology" / "inference"
ROWS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
KG = "https://w3id.org/kg/ontology#"
ERR = "http://www.daml.org/2002/03/agents/agent-ont#"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"

#: Rule names of the W3C OWL 2 RL rule tables (OWL 2 Profiles, 4.3) the table may cite.
RL_RULES = {
    "prp-dom", "prp-rng", "prp-fp", "prp-ifp", "prp-irp", "prp-symp", "prp-asyp", "prp-trp",
    "prp-spo1", "prp-spo2", "prp-eqp1", "prp-eqp2", "prp-pdw", "prp-inv1", "prp-inv2",
    "cls-thing", "cls-nothing1", "cls-nothing2", "cls-int1", "cls-int2", "cls-uni", "cls-com",
    "cls-svf1", "cls-svf2", "cls-avf", "cls-hv1", "cls-hv2", "cls-maxc1", "cls-maxc2",
    "cax-sco", "cax-eqc1", "cax-eqc2", "cax-dw", "cax-adc",
    "scm-cls", "scm-sco", "scm-eqc1", "scm-eqc2", "scm-op", "scm-dp", "scm-spo", "scm-eqp1",
    "scm-eqp2", "scm-dom1", "scm-dom2", "scm-rng1", "scm-rng2", "scm-hv", "scm-svf1",
    "scm-svf2", "scm-avf1", "scm-avf2", "scm-int", "scm-uni",
}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(data=(files("kg") / "ontology" / "kg.ttl").read_text("utf-8"),
                         format="turtle")


def table_rows() -> dict[str, list[str]]:
    """Row id -> cells of the inference table in docs/inference.md."""
    rows = {}
    for line in (ROOT / "docs" / "inference.md").read_text("utf-8").splitlines():
        m = re.match(r"^\| `([a-z0-9-]+)` \|", line)
        if m:
            rows[m.group(1)] = [c.strip() for c in line.strip().strip("|").split(" | ")]
    return rows


def test_every_table_row_has_a_fixture_and_every_fixture_a_row():
    assert sorted(table_rows()) == ROWS


def test_table_cites_only_owl2_rl_rule_names():
    for row, cells in table_rows().items():
        rules = {r.strip() for r in cells[3].split(",")}
        assert rules <= RL_RULES, (row, rules - RL_RULES)


def test_table_covers_what_the_issue_asks_for():
    rules = {r.strip() for cells in table_rows().values() for r in cells[3].split(",")}
    assert {"prp-inv1", "prp-symp", "prp-trp", "prp-spo1", "prp-spo2", "prp-dom", "prp-rng",
            "cax-sco", "cls-svf1", "cax-dw"} <= rules
    chains = [r for r in table_rows() if r.startswith("chain-")]
    assert len(chains) >= 2


@pytest.mark.parametrize("row", ROWS)
def test_row(row: str, ontology: Graph):
    data = Graph().parse(FIXTURES / row / "data.ttl")
    before = to_isomorphic(data)
    expected_error = FIXTURES / row / "inconsistent.txt"
    if expected_error.exists():
        with pytest.raises(ViolationsError) as caught:
            closure(ontology, data)
        assert caught.value.report.splitlines() == expected_error.read_text("utf-8").splitlines()
        return
    inferred = closure(ontology, data)
    expected = Graph().parse(FIXTURES / row / "inferred.ttl")
    missing = set(expected) - set(inferred)
    unexpected = set(inferred) - set(expected)
    assert not missing and not unexpected, (sorted(missing), sorted(unexpected))
    # the closure neither changes the stated graph nor repeats it
    assert to_isomorphic(data) == before
    assert not set(inferred) & set(data)


def noise(triple, ontology: Graph) -> str | None:
    s, p, o = triple
    if isinstance(s, Literal):
        return "literal subject"
    if p == OWL.sameAs:
        return "owl:sameAs"
    if isinstance(s, BNode) or isinstance(o, BNode):
        return "blank node (a class expression of the ontology)"
    if str(s).startswith((str(RDF), str(RDFS), str(OWL), XSD_NS)):
        return "triple about the RDF/RDFS/OWL/XSD vocabulary"
    if (s, None, None) in ontology and isinstance(s, URIRef):
        return "triple about an ontology term"
    if ERR in str(p) or ERR in str(o):
        return "owlrl error triple"
    if p == RDF.type and o in (OWL.Thing, RDFS.Resource, OWL.NamedIndividual):
        return "trivial type"
    return None


CONSISTENT = [r for r in ROWS if not (FIXTURES / r / "inconsistent.txt").exists()]


@pytest.mark.parametrize("row", CONSISTENT)
def test_inferred_graph_has_no_reasoner_noise(row: str, ontology: Graph):
    data = Graph().parse(FIXTURES / row / "data.ttl")
    found = {(t, why) for t in closure(ontology, data) if (why := noise(t, ontology))}
    assert not found


def test_all_rows_together_infer_the_union(ontology: Graph):
    """The rows do not interfere: together they infer the union of their expectations
    (checked over the consistent rows, whose resources overlap)."""
    data, expected = Graph(), Graph()
    for row in ROWS:
        if (FIXTURES / row / "inconsistent.txt").exists():
            continue
        data += Graph().parse(FIXTURES / row / "data.ttl")
        expected += Graph().parse(FIXTURES / row / "inferred.ttl")
    inferred = closure(ontology, data)
    # a resource shared by two rows gets the other row's consequences too, so only
    # require that nothing expected is lost and nothing noisy is added
    assert set(expected) - set(data) <= set(inferred)
    assert not [t for t in inferred if noise(t, ontology)]
