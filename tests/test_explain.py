"""`kg explain` over the seed graph: evidence, derivations, errors, and the whole graph."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import BNode, URIRef

from kg.insight.explain import (
    ABSENT,
    INTERMEDIATE,
    Source,
    explain,
    explain_resource,
    labels,
    to_json,
    to_text,
)
from kg.model.rdfterms import from_ox
from kg.query.querying import parse_term
from kg.reason import rl_engine
from kg.store.disk import open_store

DOC = "000_99214e3abbb71cf3"
SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The seed graph built without the (slow) checks; explain reads it only."""
    from kg.build import build

    path = tmp_path_factory.mktemp("explain") / ".kg"
    build(SEEDS, path, checks="none")
    return path


@pytest.fixture(scope="module")
def src(store) -> Source:
    return Source(open_store(store).oxigraph)


def yaml_line(text: str, name: str = f"{DOC}.yaml") -> int:
    """The 1-based line of the annotation file that starts with ``text`` (stripped):
    the record or fact whose annotation supports the triple."""
    lines = (SEEDS / name).read_text("utf-8").splitlines()
    (n,) = [i for i, line in enumerate(lines, 1) if line.strip() == text]
    return n


def t(text: str):
    return tuple(from_ox(parse_term(x)) for x in text.split())


def run(kg, store, *args):
    return kg("explain", "--store", str(store), *args)


# --------------------------------------------------------------------------- asserted


def test_asserted_fact_shows_its_exact_quote_and_offsets(kg, store, article_text):
    r = run(kg, store, "kgr:istanbul-talks-2025", "kg:heldIn", "kgr:istanbul")
    assert r.exit_code == 0, r.output
    assert r.output == (
        "kgr:istanbul-talks-2025 (Istanbul talks between Russia and Ukraine (2025)) "
        "kg:heldIn (held in) kgr:istanbul (Istanbul)\n"
        "  asserted\n"
        f"    “Held in Istanbul” [169, 185) in kgd:{DOC} — {DOC}.yaml line "
        f"{yaml_line('- heldIn: istanbul')}\n")
    assert article_text[169:185] == "Held in Istanbul"


def test_evidence_api(src, article_text):
    e = explain(src, t("kgr:istanbul-talks-2025 kg:heldIn kgr:istanbul"))
    assert e.status == "asserted" and e.derivation is None
    (ev,) = e.evidence
    assert (ev.quote, ev.start, ev.end, ev.annotation_file, ev.line, ev.speaker) == (
        "Held in Istanbul", 169, 185, f"{DOC}.yaml", yaml_line("- heldIn: istanbul"), None)
    assert ev.document == f"https://w3id.org/kg/doc/{DOC}"
    assert ev.annotation == f"https://w3id.org/kg/doc/ann-{DOC}-L{ev.line}"
    assert article_text[ev.start:ev.end] == ev.quote


def test_claim_triple_shows_the_speaker(kg, store):
    r = run(kg, store, "kgr:claim-dymov-coercion", "kg:about", "Ukraine")
    assert r.exit_code == 0, r.output
    assert "  asserted\n    “Forcing Ukraine to concede could soon become normalized." in r.output
    assert ("” [3860, 4014) in kgd:000_99214e3abbb71cf3, said by kgr:valeriy-dymov "
            f"(Valeriy Dymov) — {DOC}.yaml line {yaml_line('- id: claim-dymov-coercion')}\n"
            ) in r.output


def test_a_fact_in_the_articles_own_voice_has_no_speaker(src):
    e = explain(src, t("kgr:istanbul-talks-2025 kg:participant kgr:russia"))
    assert e.evidence and all(ev.speaker is None for ev in e.evidence)


def test_background_triple_shows_its_reference_source(kg, store):
    r = run(kg, store, "kgr:istanbul", "kg:locatedIn", "kgr:turkiye")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[1:] == [
        "  background knowledge",
        "    reference source kgd:reference-background (Reference facts that are not in any "
        "article): Wikidata Q406 (Istanbul), P17 country = Q43 (Türkiye) — background.yaml "
        f"line {yaml_line('- subject: istanbul', 'background.yaml')}"]


def test_ontology_triple_is_an_ontology_axiom(kg, store):
    r = run(kg, store, "kg:participant", "owl:inverseOf", "kg:participatesIn")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[1] == "  ontology axiom"


# --------------------------------------------------------------------------- inferred


def test_inferred_inverse(kg, store):
    r = run(kg, store, "kgr:russia", "kg:participatesIn", "kgr:istanbul-talks-2025")
    assert r.exit_code == 0, r.output
    assert r.output == (
        "kgr:russia (Russia) kg:participatesIn (participates in) kgr:istanbul-talks-2025 "
        "(Istanbul talks between Russia and Ukraine (2025))\n"
        "  inferred by prp-inv1\n"
        "    axiom: kg:participant owl:inverseOf kg:participatesIn\n"
        "    kgr:istanbul-talks-2025 kg:participant (participant) kgr:russia\n"
        "      asserted\n"
        "        “The first high-level talks between Russia and Ukraine” [30, 83) in "
        f"kgd:{DOC} — {DOC}.yaml line {yaml_line('- id: istanbul-talks-2025')}\n")


def test_inferred_chain(kg, store):
    r = run(kg, store, "kgr:istanbul-talks-2025", "kg:takesPlaceIn", "kgr:turkiye")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[1:4] == [
        "  inferred by prp-spo2",
        "    axiom: kg:takesPlaceIn owl:propertyChainAxiom (kg:heldIn kg:locatedIn)",
        "    kgr:istanbul-talks-2025 kg:heldIn (held in) kgr:istanbul (Istanbul)"]
    assert lines[4:6] == [
        "      asserted",
        f"        “Held in Istanbul” [169, 185) in kgd:{DOC} — {DOC}.yaml line "
        f"{yaml_line('- heldIn: istanbul')}"]
    assert lines[6:8] == [
        "    kgr:istanbul kg:locatedIn (located in) kgr:turkiye",
        "      background knowledge"]


def test_class_from_a_restriction(src):
    e = explain(src, t("kgr:valeriy-dymov rdf:type kg:Speaker"))
    d = e.derivation
    assert (e.status, d.rule) == ("inferred", "cax-sco")
    (mid,) = d.premises
    assert mid.status == INTERMEDIATE and isinstance(mid.triple[2], BNode)
    assert e.expressions[str(mid.triple[2])] == "(kg:makesClaim some kg:Claim)"
    assert mid.derivation.rule == "cls-svf1"
    member, typed = (k.triple for k in mid.derivation.premises)
    assert member[:2] == t("kgr:valeriy-dymov kg:makesClaim")
    assert typed == (member[2],) + t("rdf:type kg:Claim")
    text = to_text(e)
    assert ("    kgr:valeriy-dymov rdf:type (kg:makesClaim some kg:Claim)\n"
            "      intermediate step (an anonymous class; not stored) by cls-svf1") in text
    assert "axiom: (kg:makesClaim some kg:Claim) rdfs:subClassOf kg:Speaker\n" in text


def test_json_output(kg, store):
    r = run(kg, store, "--format", "json", "kgr:russia", "kg:participatesIn",
            "kgr:istanbul-talks-2025")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["status"] == "inferred"
    assert data["triple"]["text"] == "kgr:russia kg:participatesIn kgr:istanbul-talks-2025"
    d = data["derivation"]
    assert d["rule"] == "prp-inv1"
    assert [a["text"] for a in d["axiom"]] == ["kg:participant owl:inverseOf kg:participatesIn"]
    (p,) = d["premises"]
    assert p["triple"]["text"] == "kgr:istanbul-talks-2025 kg:participant kgr:russia"
    (ev,) = p["evidence"]
    assert (ev["quote"], ev["start"], ev["end"], ev["line"]) == (
        "The first high-level talks between Russia and Ukraine", 30, 83,
        yaml_line("- id: istanbul-talks-2025"))
    assert data["labels"]["https://w3id.org/kg/id/russia"] == "Russia"


def test_labels_and_a_as_input(kg, store):
    r = run(kg, store, "Russia", "a", "kg:Actor", "--depth", "1")
    assert r.exit_code == 0, r.output
    assert r.output.startswith("kgr:russia (Russia) rdf:type kg:Actor (actor)\n"
                               "  inferred by cax-sco")


def test_depth_limit(kg, store):
    r = run(kg, store, "kgr:valeriy-dymov", "a", "kg:Speaker", "--depth", "1")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[-1] == (
        "      intermediate step (an anonymous class; not stored) (depth limit reached; "
        "rerun with a larger --depth)")


def test_resource_explains_all_its_triples(kg, store, src):
    r = run(kg, store, "--format", "json", "kgr:istanbul")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    n = len(list(src.store.quads_for_pattern(
        parse_term("kgr:istanbul"), None, None, None)))
    assert len(data) == n > 5
    assert {d["status"] for d in data} == {"asserted", "background", "inferred"}
    statuses = [d["status"] for d in data]
    assert statuses == sorted(statuses, key=["asserted", "background", "inferred"].index)


# --------------------------------------------------------------------------- errors


def test_triple_not_in_graph(kg, store):
    r = run(kg, store, "kgr:russia", "kg:participant", "kgr:istanbul-talks-2025")
    assert r.exit_code == 1
    assert r.output == (
        "Error: the triple kgr:russia kg:participant kgr:istanbul-talks-2025 is not in the "
        "graph\nHint: near matches: kgr:russia kg:participatesIn kgr:istanbul-talks-2025 "
        "(inferred); kgr:istanbul-talks-2025 kg:participant kgr:russia (asserted)\n")


def test_not_in_graph_without_near_matches(kg, store):
    r = run(kg, store, "kgr:atlantis", "kg:leads", "kgr:ukraine")
    assert r.exit_code == 1
    assert r.output == ("Error: the triple kgr:atlantis kg:leads kgr:ukraine is not in the "
                        "graph\n")


def test_api_reports_absent_triples_with_near_matches(src):
    e = explain(src, t("kgr:russia kg:participant kgr:istanbul-talks-2025"))
    assert e.status == ABSENT and e.derivation is None
    assert e.near == [(t("kgr:russia kg:participatesIn kgr:istanbul-talks-2025"), "inferred"),
                      (t("kgr:istanbul-talks-2025 kg:participant kgr:russia"), "asserted")]


def test_two_values_is_a_usage_error(kg, store):
    r = run(kg, store, "kgr:russia", "kg:participant")
    assert r.exit_code == 2
    assert "give a resource or a triple S P O, not 2 values" in r.output


def test_terms_are_read_before_the_store_is_opened(kg, tmp_path):
    """A mistyped IRI or a wrong number of values is an error before any store is
    opened: here there is no store at all, and the error is about the term."""
    missing = tmp_path / "no-store"
    r = kg("explain", "--store", str(missing), "kgr:russia", "a", "<bad iri>")
    assert r.exit_code == 2
    assert r.output.startswith("Error: '<bad iri>' is not a valid IRI\n")
    r = kg("explain", "--store", str(missing), "kgr:russia", "kg:participant")
    assert r.exit_code == 2 and "not 2 values" in r.output
    r = kg("explain", "--store", str(missing), "kgr:russia")
    assert r.exit_code == 1 and "no built graph" in r.output


def test_unknown_label_is_a_usage_error(kg, store):
    r = run(kg, store, "Atlantis", "a", "kg:State")
    assert r.exit_code == 2
    assert "no resource is labelled 'Atlantis'" in r.output


def test_help_has_an_example(kg):
    for cmd in ("explain", "stats"):
        r = kg(cmd, "--help")
        assert r.exit_code == 0 and "Example" in r.output and f"kg {cmd}" in r.output


# --------------------------------------------------------------------------- whole graph


def _check_tree(src: Source, e, conclusions: set) -> None:
    for node in e.walk():
        assert not node.unproved, node.triple
        d = node.derivation
        if d is None:
            assert node.status in ("asserted", "background"), node.triple
            assert node.evidence, node.triple
            continue
        prem = [k.triple for k in d.premises]
        for k in d.premises:   # every premise is in the built graph, or an intermediate
            assert k.status == src.graph_of(k.triple) != ABSENT, k.triple
        # the rule yields the conclusion from these premises alone
        key = (tuple(prem), node.triple)
        if key not in conclusions:
            assert node.triple in rl_engine.infer(src.tb, prem, visible_only=False), (
                d.rule, node.triple, prem)
            conclusions.add(key)


def test_every_inferred_triple_has_a_derivation(src):
    """Every triple of kgg:inferred has a derivation tree down to stated triples
    with evidence; each step's rule, run forward on its premises alone, yields it."""
    assert len(src.inferred) > 400
    checked: set = set()
    rules: set[str] = set()
    for triple in sorted(src.inferred, key=lambda x: tuple(map(str, x))):
        e = explain(src, triple)
        assert e.status == "inferred" and e.derivation is not None, triple
        _check_tree(src, e, checked)
        rules.update(n.derivation.rule for n in e.walk() if n.derivation)
        json.loads(to_json(e))
        assert to_text(e)
    assert {"prp-inv1", "prp-spo1", "prp-spo2", "cax-sco", "cls-svf1", "cls-svf2",
            "cls-int1"} <= rules


def test_inferred_graph_agrees_with_the_engine(src):
    """kgg:inferred is what rl_engine infers from the stated triples (so the
    derivations shown are those of the build's reasoner)."""
    visible = rl_engine.infer(src.tb, src.base)
    assert src.inferred == visible - src.base - src.tbox


def test_resource_api_and_labels(src):
    expls = explain_resource(src, URIRef("https://w3id.org/kg/id/istanbul"))
    names = labels(src, expls)
    assert names["https://w3id.org/kg/id/istanbul"] == "Istanbul"
    assert to_text(expls, names).count("\n\n") == len(expls) - 1


def test_the_examples_in_docs_explain_md_are_true(kg, store):
    """Each ``$ kg ...`` console example of docs/explain.md prints what it shows
    (annotation line numbers aside: the seed annotations are edited often)."""
    import re
    import shlex

    doc = (SEEDS.parent / "docs" / "explain.md").read_text("utf-8")
    blocks = re.findall(r"```console\n\$ (kg [^\n]+)\n(.*?)```", doc, re.S)
    assert len(blocks) >= 2

    def strip(text: str) -> list[str]:
        return [re.sub(r"\.yaml line \d+", ".yaml line N", line) for line in text.splitlines()]

    for command, shown in blocks:
        args = shlex.split(command)[1:]
        r = kg(args[0], "--store", str(store), *args[1:])
        assert strip(r.output) == strip(shown), command
