"""SHACL: data shapes over built graphs, style shapes over the ontology, and the report.

Each case edits the valid fixture (tests/fixtures/ontology/shapes/valid.ttl, a tiny
built graph) and names exactly the violations expected as (focus, path, shape).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import SH, SKOS

from kg.checks.report import Report, Violation
from kg.checks.shapes import DATA_SHAPE, STYLE_SHAPE, shapes_graph
from kg.checks.validation import check_ontology_style, validate
from kg.errors import EXIT_VIOLATIONS, ViolationsError

FIXTURES = Path(__file__).parent / "fixtures" / "ontology" / "shapes"
PREFIXES = """
@prefix kg: <https://w3id.org/kg/ontology#> .
@prefix kgc: <https://w3id.org/kg/concept/> .
@prefix kgd: <https://w3id.org/kg/doc/> .
@prefix kgr: <https://w3id.org/kg/id/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(data=(files("kg") / "ontology" / "kg.ttl").read_text("utf-8"),
                         format="turtle")


def edited(remove: str = "", add: str = "") -> Graph:
    g = Graph().parse(FIXTURES / "valid.ttl")
    if remove:
        for t in Graph().parse(data=PREFIXES + remove, format="turtle"):
            assert t in g, t
            g.remove(t)
    if add:
        g.parse(data=PREFIXES + add, format="turtle")
    return g


def found(report: Report) -> set[tuple[str, str | None, str]]:
    return {(v.focus, v.path, v.shape) for v in report.violations}


def test_valid_fixture_conforms(ontology: Graph):
    report = validate(edited(), ontology)
    assert report.conforms, report.text()
    assert report.violations == []
    assert report.text() == "SHACL data shapes: conforms"


CASES = {
    "position-without-holder": (
        "kgr:position-1 kg:holder kgr:russia .", "",
        {("kgr:position-1", "kg:holder", "kgsh:PositionShape")}),
    "position-with-two-stances": (
        "", "kgr:position-1 kg:stance kgc:supports .",
        {("kgr:position-1", "kg:stance", "kgsh:PositionShape")}),
    "stance-not-a-stance": (
        "kgr:position-1 kg:stance kgc:rejects .", "kgr:position-1 kg:stance kgc:land .",
        {("kgr:position-1", "kg:stance", "kgsh:PositionShape")}),
    "position-without-target": (
        "kgr:position-1 kg:target kgr:plan .", "",
        {("kgr:position-1", "kg:target", "kgsh:PositionShape")}),
    "claim-without-claimant": (
        "kgr:claim-1 kg:claimant kgr:dymov .", "",
        {("kgr:claim-1", "kg:claimant", "kgsh:ClaimShape")}),
    "claim-without-evidence": (
        "kgd:ann-doc-L4 oa:hasBody kgr:claim-1 .", "",
        {("kgr:claim-1", None, "kgsh:EvidenceShape")}),
    "resource-without-evidence": (
        "", "kgr:kyiv a kg:City .",
        {("kgr:kyiv", None, "kgsh:EvidenceShape")}),
    "evidence-through-a-supported-statement-is-enough": (
        "kgd:ann-doc-L2 oa:hasBody kgr:plan .",
        "kgd:st-2 a rdf:Statement ; rdf:subject kgr:plan ; rdf:predicate kg:scope ;"
        " rdf:object kgc:land . kgd:ann-doc-L2 kg:supportsStatement kgd:st-2 .",
        set()),
    "propositions-need-no-evidence": (
        "", "kgr:p2 a kg:Proposition ; rdf:subject kgr:russia ; rdf:predicate kg:rejects ;"
        " rdf:object kgr:plan .",
        set()),
    "proposition-without-object": (
        "kgr:claim-1-p1 rdf:object kgr:plan .", "",
        {("kgr:claim-1-p1", "rdf:object", "kgsh:PropositionShape")}),
    "date-of-wrong-datatype": (
        "", "kgr:interview kg:date \"May 2025\" .",
        {("kgr:interview", "kg:date", "kgsh:DatedShape")}),
    "quote-that-does-not-slice-to-its-text": (
        "kgd:doc-q0-6-text oa:exact \"Russia\" .", "kgd:doc-q0-6-text oa:exact \"Russi\" .",
        {("kgd:doc", None, "kgsh:QuoteShape")}),
    "quote-running-past-the-end-of-the-text": (
        "kgd:doc-q26-48-text oa:exact \"Dymov said Russia lies\" . kgd:doc-q26-48-pos oa:end 48 .",
        "kgd:doc-q26-48-text oa:exact \"Dymov said Russia lies.\" . kgd:doc-q26-48-pos oa:end 60 .",
        {("kgd:doc", None, "kgsh:QuoteShape")}),
    "start-after-end": (
        "kgd:doc-q0-6-pos oa:start 0 .", "kgd:doc-q0-6-pos oa:start 7 .",
        {("kgd:doc-q0-6-pos", "oa:start", "kgsh:TextPositionSelectorShape"),
         ("kgd:doc", None, "kgsh:QuoteShape")}),
    "bad-digest": (
        "kgd:doc kg:sha256 \"0000000000000000000000000000000000000000000000000000000000000000\" .",
        "kgd:doc kg:sha256 \"ABC\" .",
        {("kgd:doc", "kg:sha256", "kgsh:NewsArticleShape")}),
    "duration-not-a-duration": (
        "kgr:plan kg:duration \"P30D\"^^xsd:duration .", "kgr:plan kg:duration \"30 days\" .",
        {("kgr:plan", "kg:duration", "kgsh:ProposalShape")}),
    "scope-not-a-scope": (
        "", "kgr:plan kg:scope kgc:early .",
        {("kgr:plan", "kg:scope", "kgsh:ProposalShape")}),
    "event-type-not-cameo": (
        "kgr:interview kg:eventType kgc:cameo-010 .", "kgr:interview kg:eventType kgc:land .",
        {("kgr:interview", "kg:eventType", "kgsh:EventShape")}),
    "role-without-type-or-holder": (
        "", "kgr:role-1 a kg:Role . kgd:ann-doc-L1 oa:hasBody kgr:role-1 .",
        {("kgr:role-1", "kg:roleType", "kgsh:RoleShape"),
         ("kgr:role-1", "^kg:hasRole", "kgsh:RoleShape")}),
    "annotation-line-zero": (
        "kgd:ann-doc-L1 kg:annotationLine 1 .", "kgd:ann-doc-L1 kg:annotationLine 0 .",
        {("kgd:ann-doc-L1", "kg:annotationLine", "kgsh:AnnotationShape")}),
    "annotation-without-target": (
        "kgd:ann-doc-L1 oa:hasTarget kgd:doc-q0-6 .", "",
        # kgr:russia keeps its evidence: it is the subject of a statement kgd:ann-doc-L2 supports
        {("kgd:ann-doc-L1", "oa:hasTarget", "kgsh:AnnotationShape")}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_data_shape_case(case: str, ontology: Graph):
    remove, add, expected = CASES[case]
    report = validate(edited(remove, add), ontology)
    assert found(report) == expected, report.text()
    assert report.conforms == (not expected)


def test_report_text_is_readable(ontology: Graph):
    report = validate(edited("kgr:position-1 kg:holder kgr:russia .",
                             "kgr:kyiv a kg:City ."), ontology)
    assert report.text().splitlines() == [
        "SHACL data shapes: 2 violations",
        "  kgr:kyiv: No evidence: no oa:Annotation with an oa:hasTarget has it as"
        " oa:hasBody or supports a statement about it. [kgsh:EvidenceShape]",
        "  kgr:position-1 kg:holder: A position needs exactly one kg:holder, an actor."
        " [kgsh:PositionShape]",
    ]


def test_quote_violation_names_the_quote_and_the_text(ontology: Graph):
    report = validate(edited("kgd:doc-q0-6-text oa:exact \"Russia\" .",
                             "kgd:doc-q0-6-text oa:exact \"Russi\" ."), ontology)
    [v] = report.violations
    assert v.value == "kgd:doc-q0-6"
    assert v.line() == ('kgd:doc: A quote does not slice this article to its oa:exact text:'
                        ' [0, 6) gives "Russia", not "Russi". (value: kgd:doc-q0-6)'
                        ' [kgsh:QuoteShape]')


def test_violations_raise_with_exit_status_3(ontology: Graph):
    report = validate(edited("kgr:claim-1 kg:claimant kgr:dymov .", ""), ontology)
    with pytest.raises(ViolationsError) as caught:
        report.raise_for_violations()
    assert caught.value.exit_code == EXIT_VIOLATIONS == 3
    assert caught.value.message == "SHACL data shapes: 1 violation"
    assert caught.value.report == report.text()
    validate(edited(), ontology).raise_for_violations()  # conforming: no error


def test_validate_does_not_change_its_inputs(ontology: Graph):
    data = edited()
    n_data, n_onto = len(data), len(ontology)
    validate(data, ontology)
    assert (len(data), len(ontology)) == (n_data, n_onto)


def test_every_shape_belongs_to_exactly_one_family():
    g = Graph().parse(data=(files("kg") / "ontology" / "shapes.ttl").read_text("utf-8"),
                      format="turtle")
    shapes = {s for s in g.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}
    data = set(g.subjects(RDF.type, DATA_SHAPE))
    style = set(g.subjects(RDF.type, STYLE_SHAPE))
    assert shapes == data | style
    assert not data & style
    assert not set(shapes_graph(DATA_SHAPE).subjects(RDF.type, STYLE_SHAPE))
    assert not set(shapes_graph(STYLE_SHAPE).subjects(RDF.type, DATA_SHAPE))


def test_ontology_passes_its_style_shapes(ontology: Graph):
    report = check_ontology_style(ontology)
    assert report.conforms, report.text()


def test_style_shapes_catch_an_undocumented_term(ontology: Graph):
    g = Graph()
    for t in ontology:
        g.add(t)
    kg = "https://w3id.org/kg/ontology#"
    g.remove((URIRef(kg + "Delegation"), SKOS.definition, None))
    g.parse(data=PREFIXES + """
        kg:Bare a <http://www.w3.org/2002/07/owl#Class> .
        kg:Sloppy a <http://www.w3.org/2002/07/owl#ObjectProperty> ;
            rdfs:label "sloppy"@en ; skos:definition "no capital and no full stop"@en ;
            rdfs:isDefinedBy <https://w3id.org/kg/ontology> ; rdfs:domain kg:Actor .
        kgc:cameo-999 a skos:Concept ; skos:prefLabel "Nothing"@en ;
            skos:definition "Nothing at all."@en ; skos:inScheme kgc:event-types .
    """, format="turtle")
    report = check_ontology_style(g)
    assert found(report) == {
        ("kg:Delegation", "skos:definition", "kgsh:TermStyleShape"),
        ("kg:Bare", "rdfs:label", "kgsh:TermStyleShape"),
        ("kg:Bare", "skos:definition", "kgsh:TermStyleShape"),
        ("kg:Bare", "rdfs:isDefinedBy", "kgsh:TermStyleShape"),
        ("kg:Sloppy", "skos:definition", "kgsh:TermStyleShape"),
        ("kgc:cameo-999", "skos:notation", "kgsh:EventTypeStyleShape"),
        ("kgc:cameo-999", "kg:goldsteinScale", "kgsh:EventTypeStyleShape"),
    }, report.text()


def test_violation_line_format():
    v = Violation("kg-check:position-holder", "kgr:x", "missing", path="kg:holder",
                  shape="kgsh:PositionShape", value="kgr:y")
    assert v.line() == "kgr:x kg:holder: missing (value: kgr:y) [kgsh:PositionShape]"
    assert v.located() == v.line()
    at = Violation("kg-check:position-holder", "kgr:x", "missing", source=("a.yaml", 7))
    assert at.located() == "a.yaml:7: kgr:x: missing"


def test_seed_build_passes_the_data_shapes():
    """The acceptance check of issue 3: the seed's built graph has zero violations."""
    from kg.build import build_in_memory

    root = Path(__file__).resolve().parents[1]
    dataset = build_in_memory(root / "seeds")
    report = validate(dataset.union(("asserted", "background", "evidence", "inferred")),
                      dataset.graph("ontology"))
    assert report.conforms, report.text()
