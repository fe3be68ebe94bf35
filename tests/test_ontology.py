"""The ontology: the fixed vocabulary, its documentation, its profile and its generated docs."""

from __future__ import annotations

import csv
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

import owlrl
import pytest
from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, SKOS

from kg.checks.validation import check_ontology_style
from tools.ontology_docs import render_dot, render_markdown
from tools.owl2rl_profile import DATATYPE_EXTENSIONS, check_owl2_rl

ROOT = Path(__file__).resolve().parents[1]
KG = Namespace("https://w3id.org/kg/ontology#")
KGC = Namespace("https://w3id.org/kg/concept/")
PROV = Namespace("http://www.w3.org/ns/prov#")
SEM = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")
SCHEMA = Namespace("https://schema.org/")
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
ONTOLOGY = URIRef("https://w3id.org/kg/ontology")
ERR = "http://www.daml.org/2002/03/agents/agent-ont#"

CLASSES = """Actor Person State Organisation Government MediaOutlet Group Delegation ArmedForce Role
Place City Region Event Negotiation Agreement PrisonerExchange MilitaryAction War
CommunicationEvent Statement Interview HistoricalEvent Proposal CeasefireProposal PeacePlan Demand
Ultimatum Position Claim Proposition NewsArticle Proposer RejectedProposal""".split()  # noqa: SIM905
OBJECT_PROPERTIES = """participant participatesIn heldIn takesPlaceIn locatedIn containsPlace hosts
hostedBy mediates mediatedBy negotiatesWith represents memberOf hasMember leads ledBy actsOnBehalfOf
hasRole roleType roleFor nationality outcome outcomeOf provides proposes proposedBy supports
supportedBy rejects rejectedBy demands demandedBy accepts acceptedBy openTo addressedTo concerns
scope status holder holds stance target expressedIn claimant makesClaim about statedIn proposition
speaker interviewee publishedBy comparedWith eventType dateQualifier supportsStatement""".split()  # noqa: SIM905,E501
DATATYPE_PROPERTIES = {
    "date": "rdfs:Literal", "expressedOn": "rdfs:Literal", "numberOfPrisoners": "integer",
    "quantity": "integer", "duration": "duration", "unconditional": "boolean",
    "sha256": "string", "fullText": "string", "annotationFile": "string",
    "annotationLine": "integer",
}
CONCEPTS = {
    "stances": "proposes supports rejects demands accepts open-to",
    "proposal-statuses": "proposed rejected accepted pending",
    "scopes": "land sea air",
    "date-qualifiers": "early mid late",
    "role-types": "analyst foreign-minister president negotiator general journalist "
                  "head-of-delegation leader",
}


@pytest.fixture(scope="module")
def g() -> Graph:
    return Graph().parse(data=(files("kg") / "ontology" / "kg.ttl").read_text("utf-8"),
                         format="turtle")


def test_installed_copy_is_the_repository_copy():
    for name in ("kg.ttl", "shapes.ttl"):
        assert (files("kg") / "ontology" / name).read_bytes() == \
            (ROOT / "ontology" / name).read_bytes()


def test_header(g: Graph):
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in g
    assert g.value(ONTOLOGY, OWL.versionInfo) == Literal("0.1.0")
    assert g.value(ONTOLOGY, DCTERMS.license) == \
        URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert g.value(ONTOLOGY, DCTERMS.description) is not None
    assert g.value(ONTOLOGY, RDFS.label) is not None
    assert not list(g.triples((None, OWL.imports, None)))


@pytest.mark.parametrize("name", CLASSES)
def test_fixed_class(g: Graph, name: str):
    assert (KG[name], RDF.type, OWL.Class) in g


@pytest.mark.parametrize("name", OBJECT_PROPERTIES)
def test_fixed_object_property(g: Graph, name: str):
    assert (KG[name], RDF.type, OWL.ObjectProperty) in g


@pytest.mark.parametrize("name", sorted(DATATYPE_PROPERTIES))
def test_fixed_datatype_property(g: Graph, name: str):
    assert (KG[name], RDF.type, OWL.DatatypeProperty) in g
    expected = DATATYPE_PROPERTIES[name]
    want = RDFS.Literal if expected == "rdfs:Literal" else URIRef(XSD_NS + expected)
    assert g.value(KG[name], RDFS.range) == want


@pytest.mark.parametrize(("sub", "sup"), [
    (KG.Actor, PROV.Agent), (KG.State, KG.Actor), (KG.State, KG.Place),
    (KG.Government, KG.Organisation), (KG.MediaOutlet, KG.Organisation),
    (KG.Delegation, KG.Group), (KG.ArmedForce, KG.Group), (KG.City, KG.Place),
    (KG.Region, KG.Place), (KG.Event, SEM.Event), (KG.Statement, KG.CommunicationEvent),
    (KG.Interview, KG.CommunicationEvent), (KG.Proposal, PROV.Entity),
    (KG.Ultimatum, KG.Demand), (KG.Demand, KG.Proposal), (KG.CeasefireProposal, KG.Proposal),
    (KG.PeacePlan, KG.Proposal), (KG.Claim, PROV.Entity), (KG.Proposition, RDF.Statement),
    (KG.NewsArticle, SCHEMA.NewsArticle), (KG.NewsArticle, PROV.Entity),
    (KG.HistoricalEvent, KG.Event), (KG.War, KG.Event), (KG.Negotiation, KG.Event),
])
def test_links_to_the_standards_and_hierarchy(g: Graph, sub, sup):
    assert (sub, RDFS.subClassOf, sup) in g


@pytest.mark.parametrize(("sub", "sup"), [
    (KG.participant, SEM.hasActor), (KG.heldIn, SEM.hasPlace), (KG.heldIn, KG.takesPlaceIn),
    (KG.leads, KG.memberOf), (KG.actsOnBehalfOf, PROV.actedOnBehalfOf),
    (KG.claimant, PROV.wasAttributedTo),
])
def test_subproperties(g: Graph, sub, sup):
    assert (sub, RDFS.subPropertyOf, sup) in g


@pytest.mark.parametrize(("p", "q"), [
    (KG.participant, KG.participatesIn), (KG.locatedIn, KG.containsPlace),
    (KG.hosts, KG.hostedBy), (KG.mediates, KG.mediatedBy), (KG.memberOf, KG.hasMember),
    (KG.leads, KG.ledBy), (KG.outcome, KG.outcomeOf), (KG.proposes, KG.proposedBy),
    (KG.supports, KG.supportedBy), (KG.rejects, KG.rejectedBy), (KG.demands, KG.demandedBy),
    (KG.accepts, KG.acceptedBy), (KG.holder, KG.holds), (KG.claimant, KG.makesClaim),
])
def test_inverses(g: Graph, p, q):
    assert (p, OWL.inverseOf, q) in g


def test_characteristics_and_chains(g: Graph):
    assert (KG.locatedIn, RDF.type, OWL.TransitiveProperty) in g
    assert (KG.negotiatesWith, RDF.type, OWL.SymmetricProperty) in g
    chains = {(q, tuple(Collection(g, lst)))
              for q, lst in g.subject_objects(OWL.propertyChainAxiom)}
    assert chains == {
        (KG.actsOnBehalfOf, (KG.memberOf, KG.represents)),
        (KG.actsOnBehalfOf, (KG.hasRole, KG.roleFor)),
        (KG.takesPlaceIn, (KG.heldIn, KG.locatedIn)),
    }


def test_no_same_as_anywhere(g: Graph):
    assert not [t for t in g if OWL.sameAs in t]


@pytest.mark.parametrize("scheme", sorted(CONCEPTS))
def test_concept_schemes(g: Graph, scheme: str):
    assert (KGC[scheme], RDF.type, SKOS.ConceptScheme) in g
    members = {str(c)[len(str(KGC)):] for c in g.subjects(SKOS.inScheme, KGC[scheme])}
    assert members == set(CONCEPTS[scheme].split())


def test_stance_concepts_name_their_shortcut_property(g: Graph):
    expected = {"proposes": KG.proposes, "supports": KG.supports, "rejects": KG.rejects,
                "demands": KG.demands, "accepts": KG.accepts, "open-to": KG.openTo}
    for local, prop in expected.items():
        assert g.value(KGC[local], KG.stanceProperty) == prop


def test_every_cameo_row_is_an_event_type(g: Graph):
    with (ROOT / "seeds" / "reference" / "cameo.tsv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader((line for line in f if not line.startswith("#")),
                                   delimiter="\t"))
    assert rows
    in_scheme = set(g.subjects(SKOS.inScheme, KGC["event-types"]))
    assert {KGC["cameo-" + r["code"]] for r in rows} == in_scheme
    for r in rows:
        c = KGC["cameo-" + r["code"]]
        assert g.value(c, SKOS.notation) == Literal(r["code"])
        assert str(g.value(c, SKOS.prefLabel)) == r["label"]
        goldstein = g.value(c, KG.goldsteinScale)
        assert goldstein.datatype == URIRef(XSD_NS + "decimal")
        assert goldstein.toPython() == Decimal(r["goldstein"])


def test_every_own_term_is_labelled_and_defined(g: Graph):
    """The style shapes pass (a second, plain-Python statement of the same rule)."""
    report = check_ontology_style(g)
    assert report.conforms, report.text()
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty):
        for term in g.subjects(RDF.type, kind):
            if str(term).startswith(str(KG)):
                assert g.value(term, RDFS.label) is not None, term
                assert g.value(term, SKOS.definition) is not None, term


def test_owl2_rl_profile(g: Graph):
    report = check_owl2_rl(g)
    assert report.conforms, report.text()


def test_only_documented_datatypes_outside_owl2_rl(g: Graph):
    used = {o for s, o in g.subject_objects(RDFS.range) if (s, RDF.type, OWL.DatatypeProperty) in g}
    assert used & DATATYPE_EXTENSIONS == {URIRef(XSD_NS + "duration")}


BAD_AXIOMS = {
    "same-as": ("kg:Person owl:sameAs kg:Actor .", "owl:sameAs"),
    "has-key": ("kg:Person owl:hasKey ( kg:nationality ) .", "owl:hasKey"),
    "imports": ("<https://w3id.org/kg/ontology> owl:imports <http://www.w3.org/ns/prov-o> .",
                "owl:imports"),
    "some-on-superclass-side": (
        "kg:Delegation rdfs:subClassOf [ a owl:Restriction ; owl:onProperty kg:represents ;"
        " owl:someValuesFrom kg:State ] .", "superclass expression"),
    "union-on-superclass-side": (
        "kg:Role rdfs:subClassOf [ a owl:Class ; owl:unionOf ( kg:Person kg:Group ) ] .",
        "superclass expression"),
    "thing-as-superclass": ("kg:Role rdfs:subClassOf owl:Thing .", "superclass expression"),
    "max-cardinality-2": (
        "kg:Position rdfs:subClassOf [ a owl:Restriction ; owl:onProperty kg:holder ;"
        " owl:maxCardinality 2 ] .", "superclass expression"),
    "min-cardinality": (
        "kg:Position rdfs:subClassOf [ a owl:Restriction ; owl:onProperty kg:holder ;"
        " owl:minCardinality 1 ] .", "min cardinality"),
    "recursive-chain": ("kg:locatedIn owl:propertyChainAxiom ( kg:locatedIn kg:containsPlace ) .",
                        "recursive property chain"),
    "recursive-chain-via-superproperty": (
        "kg:leads owl:propertyChainAxiom ( kg:memberOf kg:represents ) .",
        "recursive property chain"),
    "unknown-datatype": ("kg:quantity rdfs:range xsd:gYear .", "datatype"),
    "undeclared-predicate": ("kg:Person kg:madeUp kg:Actor .", "neither an OWL 2 RL axiom"),
}


@pytest.mark.parametrize("case", sorted(BAD_AXIOMS))
def test_owl2_rl_checker_refuses(g: Graph, case: str):
    turtle, expected = BAD_AXIOMS[case]
    bad = Graph()
    for t in g:
        bad.add(t)
    prefixes = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in g.namespaces())
    bad.parse(data=prefixes + turtle, format="turtle")
    report = check_owl2_rl(bad)
    assert not report.conforms
    assert any(expected in v.message for v in report.violations), report.text()


def test_owlrl_terminates_on_the_ontology_without_errors(g: Graph):
    """owlrl closes the ontology plus all consistent inference fixtures with no err:.

    (How fast is a benchmark's business: bench/rl_engine_bench.py times both engines.)
    """
    fixtures = ROOT / "tests" / "fixtures" / "ontology" / "inference"
    full = Graph()
    for t in g:
        full.add(t)
    for row in sorted(fixtures.iterdir()):
        if not (row / "inconsistent.txt").exists():
            full.parse(row / "data.ttl")
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                           datatype_axioms=False).expand(full)
    assert not [t for t in full if str(t[1]).startswith(ERR) or str(t[2]).startswith(ERR)]


def test_restrictions_are_blank_and_subclass_side_only(g: Graph):
    for r in g.subjects(RDF.type, OWL.Restriction):
        assert isinstance(r, BNode)
        assert not list(g.subjects(RDFS.subClassOf, r))  # never a superclass


def test_reference_page_is_current(g: Graph):
    committed = (ROOT / "docs" / "ontology.md").read_text("utf-8")
    assert committed == render_markdown(g), "run: python -m tools.ontology_docs docs/"


def test_picture_source_is_current(g: Graph):
    committed = (ROOT / "docs" / "ontology.dot").read_text("utf-8")
    assert committed == render_dot(g), "run: python -m tools.ontology_docs docs/ and dot -Tsvg"
    svg = (ROOT / "docs" / "ontology.svg").read_text("utf-8")
    assert "<svg" in svg and "kg:Actor" in svg


def test_reference_page_documents_every_own_term(g: Graph):
    page = render_markdown(g)
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty):
        for term in g.subjects(RDF.type, kind):
            if str(term).startswith(str(KG)):
                assert f"### `kg:{str(term)[len(str(KG)):]}`" in page
