"""`kg explain` on a triple that is only the content of a claim: not asserted, exit 1,
with who claims it, where, and the quotes (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import RDF, URIRef

from kg import namespaces as ns
from kg.insight.explain import CLAIMED, explain, labels, memory_source, to_text

DOC = "000_99214e3abbb71cf3"
SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from kg.build import build

    path = tmp_path_factory.mktemp("explain-claims") / ".kg"
    build(SEEDS, path, checks="none")
    return path


def yaml_line(text: str) -> int:
    lines = (SEEDS / f"{DOC}.yaml").read_text("utf-8").splitlines()
    (n,) = [i for i, line in enumerate(lines, 1) if line.strip() == text]
    return n


def test_claim_only_triple_is_not_asserted_and_shows_who_claims_it(kg, store, article_text):
    r = kg("explain", "--store", str(store),
           "kgr:vladimir-medinsky", "kg:leads", "kgr:russian-delegation")
    assert r.exit_code == 1
    quote = "Medinsky led the Russian delegation again."
    start = article_text.index(quote)
    line = yaml_line("- id: claim-dymov-medinsky-led-delegation")
    assert r.stdout == (
        "kgr:vladimir-medinsky (Vladimir Medinsky) kg:leads (leads) kgr:russian-delegation "
        "(Russian delegation)\n"
        "  not asserted: only what a claim says\n"
        "    claim kgr:claim-dymov-medinsky-led-delegation (Medinsky led the Russian "
        "delegation again)\n"
        "      claimed by kgr:valeriy-dymov (Valeriy Dymov) in kgr:newsaz-dymov-interview "
        "(News.Az interview with Valeriy Dymov on the Istanbul talks)\n"
        f"        “{quote}” [{start}, {start + len(quote)}) in kgd:{DOC} — {DOC}.yaml "
        f"line {line}\n")
    assert r.stderr == (
        "Error: the triple kgr:vladimir-medinsky kg:leads kgr:russian-delegation is not "
        "asserted: it is only what a claim says\n"
        "Hint: a claim is what someone says, never a fact of the graph\n")


def test_claim_only_triple_as_json(kg, store):
    r = kg("explain", "--store", str(store), "--format", "json",
           "kgr:vladimir-medinsky", "kg:leads", "kgr:russian-delegation")
    assert r.exit_code == 1
    data = json.loads(r.stdout)
    assert data["status"] == CLAIMED
    (claim,) = data["claims"]
    assert (claim["claim"], claim["claimants"], claim["stated_in"], claim["reported_by"]) == (
        ns.KGR + "claim-dymov-medinsky-led-delegation", [ns.KGR + "valeriy-dymov"],
        [ns.KGR + "newsaz-dymov-interview"], [])
    assert [e["quote"] for e in claim["evidence"]] == [
        "Medinsky led the Russian delegation again."]
    assert data["labels"][ns.KGR + "valeriy-dymov"] == "Valeriy Dymov"


def test_a_triple_neither_asserted_nor_claimed_is_still_absent(kg, store):
    r = kg("explain", "--store", str(store), "kgr:vladimir-medinsky", "kg:leads",
           "kgr:ukrainian-delegation")
    assert r.exit_code == 1
    assert r.stdout == ""
    assert "is not in the graph" in r.stderr


def test_asserted_triple_is_not_reported_as_a_claim(kg, store):
    r = kg("explain", "--store", str(store), "kgr:istanbul-talks-2025", "kg:heldIn",
           "kgr:istanbul")
    assert r.exit_code == 0
    assert "  asserted\n" in r.stdout and "not asserted" not in r.stdout


def test_nested_reported_claim_shows_the_chain():
    """Dymov says that Trump blames Biden: the content of a claim that another claim reports."""
    def k(x):
        return URIRef(ns.KG + x)

    def r(x):
        return URIRef(ns.KGR + x)

    outer, inner, prop = r("claim-dymov-trump-blame"), r("rc-trump-blames-biden"), \
        r("rc-trump-blames-biden-p1")
    asserted = {
        (outer, RDF.type, k("Claim")), (outer, k("claimant"), r("valeriy-dymov")),
        (outer, k("statedIn"), r("interview")), (outer, k("reports"), inner),
        (inner, RDF.type, k("Claim")), (inner, k("reportedSpeaker"), r("donald-trump")),
        (inner, k("proposition"), prop), (prop, RDF.type, k("Proposition")),
        (prop, RDF.subject, r("joe-biden")), (prop, RDF.predicate, k("responsibleFor")),
        (prop, RDF.object, r("collapse")),
    }
    src = memory_source({"ontology": set(), "asserted": asserted, "background": set(),
                         "inferred": set(), "evidence": set()})
    e = explain(src, (r("joe-biden"), k("responsibleFor"), r("collapse")))
    assert e.status == CLAIMED
    assert to_text(e, labels(src, [e])) == (
        "kgr:joe-biden kg:responsibleFor kgr:collapse\n"
        "  not asserted: only what a claim says\n"
        "    claim kgr:rc-trump-blames-biden\n"
        "      said by kgr:donald-trump, as reported in\n"
        "        claim kgr:claim-dymov-trump-blame\n"
        "          claimed by kgr:valeriy-dymov in kgr:interview\n")
