"""`kg explain` on every row of the inference table (docs/inference.md).

Each row's fixture (tests/fixtures/ontology/inference/<row>/data.ttl) becomes a
tiny graph: its triples are asserted, each backed by a quote of a synthetic
document (the fixture's triples, one per line), and the row's inferred.ttl
(exactly what owlrl adds, as tests/test_inference_table.py proves) is the
inferred graph. The test
explains the row's implied triples and compares the whole derivation tree,
rule names, axioms, premises and quotes, with the expected text exactly.
For the disjointness rows (the build refuses them), the triples that meet in
the clash are explained over the closure of kg.reason.rl_engine.
"""

# ruff: noqa: E501  (the expected trees hold long quote lines verbatim)
from __future__ import annotations

import hashlib
from importlib.resources import files
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, XSD

from kg.insight.explain import ABSENT, explain, memory_source, to_text
from kg.reason import rl_engine

FIXTURES = Path(__file__).parent / "fixtures" / "ontology" / "inference"
KG = Namespace("https://w3id.org/kg/ontology#")
KGR = Namespace("https://w3id.org/kg/id/")
KGD = Namespace("https://w3id.org/kg/doc/")
OA = Namespace("http://www.w3.org/ns/oa#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SEM = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")
DOC = "fixture"


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(data=(files("kg") / "ontology" / "kg.ttl").read_text("utf-8"),
                         format="turtle")


def _line(t) -> str:
    from kg.insight.explain import triple_text

    return triple_text(t) + " ."


def evidence_graph(data: Graph) -> tuple[Graph, str]:
    """Evidence in the design's model for every triple of ``data``: one quote each,
    a line of a synthetic document made of the triples, one per line."""
    ev = Graph()
    doc = KGD[DOC]
    lines = sorted(_line(t) for t in data)
    text = "\n".join(lines) + "\n"
    ev.add((doc, RDF.type, KG.NewsArticle))
    ev.add((doc, DCTERMS.title, Literal("fixture", lang="en")))
    for t in sorted(data, key=_line):
        line = _line(t)
        start = text.index(line)
        end = start + len(line)
        no = lines.index(line) + 1
        q = KGD[f"{DOC}-q{start}-{end}"]
        ev.add((q, RDF.type, OA.SpecificResource))
        ev.add((q, OA.hasSource, doc))
        ev.add((q, OA.hasSelector, URIRef(q + "-text")))
        ev.add((q, OA.hasSelector, URIRef(q + "-pos")))
        ev.add((URIRef(q + "-text"), RDF.type, OA.TextQuoteSelector))
        ev.add((URIRef(q + "-text"), OA.exact, Literal(line)))
        ev.add((URIRef(q + "-pos"), RDF.type, OA.TextPositionSelector))
        ev.add((URIRef(q + "-pos"), OA.start, Literal(start, datatype=XSD.nonNegativeInteger)))
        ev.add((URIRef(q + "-pos"), OA.end, Literal(end, datatype=XSD.nonNegativeInteger)))
        st = KGD["st-" + hashlib.sha1(line.encode()).hexdigest()[:16]]
        ev.add((st, RDF.type, RDF.Statement))
        ev.add((st, RDF.subject, t[0]))
        ev.add((st, RDF.predicate, t[1]))
        ev.add((st, RDF.object, t[2]))
        ann = KGD[f"ann-{DOC}-L{no}"]
        ev.add((ann, RDF.type, OA.Annotation))
        ev.add((ann, OA.hasBody, t[0]))
        ev.add((ann, OA.hasTarget, q))
        ev.add((ann, KG.supportsStatement, st))
        ev.add((ann, KG.annotationFile, Literal("data.ttl")))
        ev.add((ann, KG.annotationLine, Literal(no)))
    return ev, text


_SOURCES: dict = {}


def row_source(row: str, ontology: Graph):
    """The explanation source of a row: ontology, asserted data, evidence, closure."""
    if row not in _SOURCES:
        data = Graph().parse(FIXTURES / row / "data.ttl")
        ev, text = evidence_graph(data)
        if (FIXTURES / row / "inconsistent.txt").exists():
            inferred = rl_engine.infer(ontology, data, raise_on_clash=False)
        else:   # the closure of owlrl, as tests/test_inference_table.py proves
            inferred = set(Graph().parse(FIXTURES / row / "inferred.ttl"))
        inferred -= set(data)
        _SOURCES[row] = (memory_source({"ontology": ontology, "asserted": data,
                                        "evidence": ev, "inferred": inferred}), text)
    return _SOURCES[row]


def parse(text: str):
    from kg.model.rdfterms import from_ox
    from kg.query.querying import parse_term

    return tuple(from_ox(parse_term(x)) for x in text.split())


def table_rules() -> dict[str, set[str]]:
    """Row id -> the rule names docs/inference.md cites for it."""
    import re

    doc = (Path(__file__).parents[1] / "docs" / "inference.md").read_text("utf-8")
    out = {}
    for line in doc.splitlines():
        m = re.match(r"^\| `([a-z0-9-]+)` \|", line)
        if m:
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            out[m.group(1)] = set(re.findall(r"[a-z]{3}-[a-z0-9-]+", cells[3]))
    return out


def rules_of(expl) -> list[str]:
    return [n.derivation.rule for n in expl.walk() if n.derivation]


def check_steps(src, expl) -> None:
    """Every step of the tree: premises in the graph (or derived intermediates),
    and the rule yields the conclusion from the premises alone."""
    tb = src.tb
    for node in expl.walk():
        d = node.derivation
        if d is None:
            continue
        prem = [k.triple for k in d.premises]
        for k in d.premises:
            assert k.status != ABSENT
            assert k.status == "intermediate" or src.graph_of(k.triple) == k.status
        assert node.triple in rl_engine.infer(tb, prem, visible_only=False) | set(prem), \
            (d.rule, node.triple, prem)


EXPECTED = [
    ('inverse-proposes', 'kgr:ceasefire kg:proposedBy kgr:united-states', 'prp-inv1', """\
kgr:ceasefire kg:proposedBy kgr:united-states
  inferred by prp-inv1
    axiom: kg:proposes owl:inverseOf kg:proposedBy
    kgr:united-states kg:proposes kgr:ceasefire
      asserted
        “kgr:united-states kg:proposes kgr:ceasefire .” [0, 45) in kgd:fixture — data.ttl line 1
"""),
    ('inverse-participant', 'kgr:ukraine kg:participatesIn kgr:istanbul-talks', 'prp-inv1', """\
kgr:ukraine kg:participatesIn kgr:istanbul-talks
  inferred by prp-inv1
    axiom: kg:participant owl:inverseOf kg:participatesIn
    kgr:istanbul-talks kg:participant kgr:ukraine
      asserted
        “kgr:istanbul-talks kg:participant kgr:ukraine .” [0, 47) in kgd:fixture — data.ttl line 1
"""),
    ('inverse-participant', 'kgr:istanbul-talks sem:hasActor kgr:ukraine', 'prp-spo1', """\
kgr:istanbul-talks sem:hasActor kgr:ukraine
  inferred by prp-spo1
    axiom: kg:participant rdfs:subPropertyOf sem:hasActor
    kgr:istanbul-talks kg:participant kgr:ukraine
      asserted
        “kgr:istanbul-talks kg:participant kgr:ukraine .” [0, 47) in kgd:fixture — data.ttl line 1
"""),
    ('symmetric-negotiates-with', 'kgr:ukraine kg:negotiatesWith kgr:russia', 'prp-symp', """\
kgr:ukraine kg:negotiatesWith kgr:russia
  inferred by prp-symp
    axiom: kg:negotiatesWith rdf:type owl:SymmetricProperty
    kgr:russia kg:negotiatesWith kgr:ukraine
      asserted
        “kgr:russia kg:negotiatesWith kgr:ukraine .” [0, 42) in kgd:fixture — data.ttl line 1
"""),
    ('transitive-located-in', 'kgr:kadikoy kg:locatedIn kgr:turkiye', 'prp-trp', """\
kgr:kadikoy kg:locatedIn kgr:turkiye
  inferred by prp-trp (1 other derivation)
    axiom: kg:locatedIn rdf:type owl:TransitiveProperty
    kgr:kadikoy kg:locatedIn kgr:istanbul
      asserted
        “kgr:kadikoy kg:locatedIn kgr:istanbul .” [40, 79) in kgd:fixture — data.ttl line 2
    kgr:istanbul kg:locatedIn kgr:turkiye
      asserted
        “kgr:istanbul kg:locatedIn kgr:turkiye .” [0, 39) in kgd:fixture — data.ttl line 1
"""),
    ('transitive-located-in', 'kgr:turkiye kg:containsPlace kgr:kadikoy', 'prp-inv1', """\
kgr:turkiye kg:containsPlace kgr:kadikoy
  inferred by prp-inv1
    axiom: kg:locatedIn owl:inverseOf kg:containsPlace
    kgr:kadikoy kg:locatedIn kgr:turkiye
      inferred by prp-trp (1 other derivation)
        axiom: kg:locatedIn rdf:type owl:TransitiveProperty
        kgr:kadikoy kg:locatedIn kgr:istanbul
          asserted
            “kgr:kadikoy kg:locatedIn kgr:istanbul .” [40, 79) in kgd:fixture — data.ttl line 2
        kgr:istanbul kg:locatedIn kgr:turkiye
          asserted
            “kgr:istanbul kg:locatedIn kgr:turkiye .” [0, 39) in kgd:fixture — data.ttl line 1
"""),
    ('subproperty-leads', 'kgr:medinsky kg:memberOf kgr:russian-delegation', 'prp-spo1', """\
kgr:medinsky kg:memberOf kgr:russian-delegation
  inferred by prp-spo1 (1 other derivation)
    axiom: kg:leads rdfs:subPropertyOf kg:memberOf
    kgr:medinsky kg:leads kgr:russian-delegation
      asserted
        “kgr:medinsky kg:leads kgr:russian-delegation .” [0, 46) in kgd:fixture — data.ttl line 1
"""),
    ('subproperty-leads', 'kgr:russian-delegation kg:ledBy kgr:medinsky', 'prp-inv1', """\
kgr:russian-delegation kg:ledBy kgr:medinsky
  inferred by prp-inv1
    axiom: kg:leads owl:inverseOf kg:ledBy
    kgr:medinsky kg:leads kgr:russian-delegation
      asserted
        “kgr:medinsky kg:leads kgr:russian-delegation .” [0, 46) in kgd:fixture — data.ttl line 1
"""),
    ('chain-delegation-member', 'kgr:medinsky kg:actsOnBehalfOf kgr:russia', 'prp-spo2', """\
kgr:medinsky kg:actsOnBehalfOf kgr:russia
  inferred by prp-spo2
    axiom: kg:actsOnBehalfOf owl:propertyChainAxiom (kg:memberOf kg:represents)
    kgr:medinsky kg:memberOf kgr:russian-delegation
      asserted
        “kgr:medinsky kg:memberOf kgr:russian-delegation .” [0, 49) in kgd:fixture — data.ttl line 1
    kgr:russian-delegation kg:represents kgr:russia
      asserted
        “kgr:russian-delegation kg:represents kgr:russia .” [50, 99) in kgd:fixture — data.ttl line 2
"""),
    ('chain-delegation-member', 'kgr:medinsky prov:actedOnBehalfOf kgr:russia', 'prp-spo1', """\
kgr:medinsky prov:actedOnBehalfOf kgr:russia
  inferred by prp-spo1
    axiom: kg:actsOnBehalfOf rdfs:subPropertyOf prov:actedOnBehalfOf
    kgr:medinsky kg:actsOnBehalfOf kgr:russia
      inferred by prp-spo2
        axiom: kg:actsOnBehalfOf owl:propertyChainAxiom (kg:memberOf kg:represents)
        kgr:medinsky kg:memberOf kgr:russian-delegation
          asserted
            “kgr:medinsky kg:memberOf kgr:russian-delegation .” [0, 49) in kgd:fixture — data.ttl line 1
        kgr:russian-delegation kg:represents kgr:russia
          asserted
            “kgr:russian-delegation kg:represents kgr:russia .” [50, 99) in kgd:fixture — data.ttl line 2
"""),
    ('chain-role', 'kgr:hakan-fidan kg:actsOnBehalfOf kgr:turkiye', 'prp-spo2', """\
kgr:hakan-fidan kg:actsOnBehalfOf kgr:turkiye
  inferred by prp-spo2
    axiom: kg:actsOnBehalfOf owl:propertyChainAxiom (kg:hasRole kg:roleFor)
    kgr:hakan-fidan kg:hasRole kgr:hakan-fidan-foreign-minister
      asserted
        “kgr:hakan-fidan kg:hasRole kgr:hakan-fidan-foreign-minister .” [0, 61) in kgd:fixture — data.ttl line 1
    kgr:hakan-fidan-foreign-minister kg:roleFor kgr:turkiye
      asserted
        “kgr:hakan-fidan-foreign-minister kg:roleFor kgr:turkiye .” [62, 119) in kgd:fixture — data.ttl line 2
"""),
    ('chain-held-in', 'kgr:istanbul-talks kg:takesPlaceIn kgr:turkiye', 'prp-spo2', """\
kgr:istanbul-talks kg:takesPlaceIn kgr:turkiye
  inferred by prp-spo2
    axiom: kg:takesPlaceIn owl:propertyChainAxiom (kg:heldIn kg:locatedIn)
    kgr:istanbul-talks kg:heldIn kgr:istanbul
      asserted
        “kgr:istanbul-talks kg:heldIn kgr:istanbul .” [40, 83) in kgd:fixture — data.ttl line 2
    kgr:istanbul kg:locatedIn kgr:turkiye
      asserted
        “kgr:istanbul kg:locatedIn kgr:turkiye .” [0, 39) in kgd:fixture — data.ttl line 1
"""),
    ('chain-held-in', 'kgr:istanbul-talks kg:takesPlaceIn kgr:istanbul', 'prp-spo1', """\
kgr:istanbul-talks kg:takesPlaceIn kgr:istanbul
  inferred by prp-spo1
    axiom: kg:heldIn rdfs:subPropertyOf kg:takesPlaceIn
    kgr:istanbul-talks kg:heldIn kgr:istanbul
      asserted
        “kgr:istanbul-talks kg:heldIn kgr:istanbul .” [40, 83) in kgd:fixture — data.ttl line 2
"""),
    ('proposer', 'kgr:trump rdf:type kg:Proposer', 'cls-svf2', """\
kgr:trump rdf:type kg:Proposer
  inferred by cax-sco
    axiom: (kg:proposes some owl:Thing) rdfs:subClassOf kg:Proposer
    kgr:trump rdf:type (kg:proposes some owl:Thing)
      intermediate step (an anonymous class; not stored) by cls-svf2
        axiom: class expression (kg:proposes some owl:Thing)
        kgr:trump kg:proposes kgr:direct-talks
          asserted
            “kgr:trump kg:proposes kgr:direct-talks .” [43, 83) in kgd:fixture — data.ttl line 2
"""),
    ('rejected-proposal', 'kgr:jeddah-plan rdf:type kg:RejectedProposal', 'cls-int1', """\
kgr:jeddah-plan rdf:type kg:RejectedProposal
  inferred by cax-sco
    axiom: (kg:Proposal and (kg:rejectedBy some kg:Actor)) rdfs:subClassOf kg:RejectedProposal
    kgr:jeddah-plan rdf:type (kg:Proposal and (kg:rejectedBy some kg:Actor))
      intermediate step (an anonymous class; not stored) by cls-int1
        axiom: class expression (kg:Proposal and (kg:rejectedBy some kg:Actor))
        kgr:jeddah-plan rdf:type kg:Proposal
          inferred by cax-sco (6 other derivations)
            axiom: kg:PeacePlan rdfs:subClassOf kg:Proposal
            kgr:jeddah-plan rdf:type kg:PeacePlan
              asserted
                “kgr:jeddah-plan rdf:type kg:PeacePlan .” [44, 83) in kgd:fixture — data.ttl line 2
        kgr:jeddah-plan rdf:type (kg:rejectedBy some kg:Actor)
          intermediate step (an anonymous class; not stored) by cls-svf1 (2 other derivations)
            axiom: class expression (kg:rejectedBy some kg:Actor)
            kgr:jeddah-plan kg:rejectedBy kgr:russia
              inferred by prp-inv1
                axiom: kg:rejects owl:inverseOf kg:rejectedBy
                kgr:russia kg:rejects kgr:jeddah-plan
                  asserted
                    “kgr:russia kg:rejects kgr:jeddah-plan .” [126, 165) in kgd:fixture — data.ttl line 4
            kgr:russia rdf:type kg:Actor
              inferred by prp-dom (3 other derivations)
                axiom: kg:rejects rdfs:domain kg:Actor
                kgr:russia kg:rejects kgr:further-talks
                  asserted
                    “kgr:russia kg:rejects kgr:further-talks .” [84, 125) in kgd:fixture — data.ttl line 3
"""),
    ('rejected-proposal', 'kgr:further-talks rdf:type kg:RejectedProposal', None, """\
kgr:further-talks rdf:type kg:RejectedProposal
  not in the graph
"""),
    ('planned-event', 'kgr:exchange rdf:type kg:PlannedEvent', 'cls-hv2', """\
kgr:exchange rdf:type kg:PlannedEvent
  inferred by cax-sco
    axiom: (kg:modality value kgc:planned) rdfs:subClassOf kg:PlannedEvent
    kgr:exchange rdf:type (kg:modality value kgc:planned)
      intermediate step (an anonymous class; not stored) by cls-hv2
        axiom: class expression (kg:modality value kgc:planned)
        kgr:exchange kg:modality kgc:planned
          asserted
            “kgr:exchange kg:modality kgc:planned .” [183, 221) in kgd:fixture — data.ttl line 5
"""),
    ('planned-event', 'kgr:kyiv-government kg:participatesIn kgr:exchange', None, """\
kgr:kyiv-government kg:participatesIn kgr:exchange
  not in the graph
"""),
    ('former-role', 'kgr:kellogg-general rdf:type kg:Role', 'prp-dom', """\
kgr:kellogg-general rdf:type kg:Role
  inferred by prp-dom (2 other derivations)
    axiom: kg:roleFor rdfs:domain kg:Role
    kgr:kellogg-general kg:roleFor kgr:usa
      asserted
        “kgr:kellogg-general kg:roleFor kgr:usa .” [48, 88) in kgd:fixture — data.ttl line 2
"""),
    ('former-role', 'kgr:kellogg kg:actsOnBehalfOf kgr:usa', None, """\
kgr:kellogg kg:actsOnBehalfOf kgr:usa
  not in the graph
"""),
    ('mediator', 'kgr:turkiye rdf:type kg:Mediator', 'cls-svf2', """\
kgr:turkiye rdf:type kg:Mediator
  inferred by cax-sco
    axiom: (kg:mediates some owl:Thing) rdfs:subClassOf kg:Mediator
    kgr:turkiye rdf:type (kg:mediates some owl:Thing)
      intermediate step (an anonymous class; not stored) by cls-svf2
        axiom: class expression (kg:mediates some owl:Thing)
        kgr:turkiye kg:mediates kgr:istanbul-talks
          asserted
            “kgr:turkiye kg:mediates kgr:istanbul-talks .” [0, 44) in kgd:fixture — data.ttl line 1
"""),
    ('mediator', 'kgr:istanbul-talks kg:mediatedBy kgr:turkiye', 'prp-inv1', """\
kgr:istanbul-talks kg:mediatedBy kgr:turkiye
  inferred by prp-inv1
    axiom: kg:mediates owl:inverseOf kg:mediatedBy
    kgr:turkiye kg:mediates kgr:istanbul-talks
      asserted
        “kgr:turkiye kg:mediates kgr:istanbul-talks .” [0, 44) in kgd:fixture — data.ttl line 1
"""),
    ('speaker', 'kgr:dymov rdf:type kg:Speaker', 'cls-svf1', """\
kgr:dymov rdf:type kg:Speaker
  inferred by cax-sco
    axiom: (kg:makesClaim some kg:Claim) rdfs:subClassOf kg:Speaker
    kgr:dymov rdf:type (kg:makesClaim some kg:Claim)
      intermediate step (an anonymous class; not stored) by cls-svf1
        axiom: class expression (kg:makesClaim some kg:Claim)
        kgr:dymov kg:makesClaim kgr:claim-1
          inferred by prp-inv1
            axiom: kg:claimant owl:inverseOf kg:makesClaim
            kgr:claim-1 kg:claimant kgr:dymov
              asserted
                “kgr:claim-1 kg:claimant kgr:dymov .” [0, 35) in kgd:fixture — data.ttl line 1
        kgr:claim-1 rdf:type kg:Claim
          inferred by prp-dom (1 other derivation)
            axiom: kg:claimant rdfs:domain kg:Claim
            kgr:claim-1 kg:claimant kgr:dymov
              asserted
                “kgr:claim-1 kg:claimant kgr:dymov .” [0, 35) in kgd:fixture — data.ttl line 1
"""),
    ('speaker', 'kgr:claim-1 prov:wasAttributedTo kgr:dymov', 'prp-spo1', """\
kgr:claim-1 prov:wasAttributedTo kgr:dymov
  inferred by prp-spo1
    axiom: kg:claimant rdfs:subPropertyOf prov:wasAttributedTo
    kgr:claim-1 kg:claimant kgr:dymov
      asserted
        “kgr:claim-1 kg:claimant kgr:dymov .” [0, 35) in kgd:fixture — data.ttl line 1
"""),
    ('domain-range', 'kgr:dymov rdf:type kg:Person', 'prp-dom', """\
kgr:dymov rdf:type kg:Person
  inferred by prp-dom
    axiom: kg:nationality rdfs:domain kg:Person
    kgr:dymov kg:nationality kgr:ukraine
      asserted
        “kgr:dymov kg:nationality kgr:ukraine .” [0, 38) in kgd:fixture — data.ttl line 1
"""),
    ('domain-range', 'kgr:ukraine rdf:type kg:Place', 'prp-rng', """\
kgr:ukraine rdf:type kg:Place
  inferred by prp-rng (1 other derivation)
    axiom: kg:State rdfs:subClassOf kg:Place
    axiom: kg:nationality rdfs:range kg:State
    (the axiom used follows from these by scm-rng1)
    kgr:dymov kg:nationality kgr:ukraine
      asserted
        “kgr:dymov kg:nationality kgr:ukraine .” [0, 38) in kgd:fixture — data.ttl line 1
"""),
    ('subclass', 'kgr:russian-delegation rdf:type sem:Actor', 'cax-sco', """\
kgr:russian-delegation rdf:type sem:Actor
  inferred by cax-sco (2 other derivations)
    axiom: kg:Actor rdfs:subClassOf sem:Actor
    axiom: kg:Delegation rdfs:subClassOf kg:Group
    axiom: kg:Group rdfs:subClassOf kg:Actor
    (the axiom used follows from these by scm-sco)
    kgr:russian-delegation rdf:type kg:Delegation
      asserted
        “kgr:russian-delegation rdf:type kg:Delegation .” [0, 47) in kgd:fixture — data.ttl line 1
"""),
    ('subproperty-speaker', 'kgr:dymov kg:participatesIn kgr:newsaz-interview', 'prp-inv1', """\
kgr:dymov kg:participatesIn kgr:newsaz-interview
  inferred by prp-inv1
    axiom: kg:participant owl:inverseOf kg:participatesIn
    kgr:newsaz-interview kg:participant kgr:dymov
      inferred by prp-spo1 (1 other derivation)
        axiom: kg:speaker rdfs:subPropertyOf kg:participant
        kgr:newsaz-interview kg:speaker kgr:dymov
          asserted
            “kgr:newsaz-interview kg:speaker kgr:dymov .” [0, 43) in kgd:fixture — data.ttl line 1
"""),
    ('disjoint-city-actor', 'kgr:kyiv rdf:type kg:Actor', 'prp-dom', """\
kgr:kyiv rdf:type kg:Actor
  inferred by prp-dom (1 other derivation)
    axiom: kg:rejects rdfs:domain kg:Actor
    kgr:kyiv kg:rejects kgr:russian-terms
      asserted
        “kgr:kyiv kg:rejects kgr:russian-terms .” [0, 39) in kgd:fixture — data.ttl line 1
"""),
    ('disjoint-event-actor', 'kgr:istanbul-talks rdf:type kg:Actor', 'prp-dom', """\
kgr:istanbul-talks rdf:type kg:Actor
  inferred by prp-dom (1 other derivation)
    axiom: kg:negotiatesWith rdfs:domain kg:Actor
    kgr:istanbul-talks kg:negotiatesWith kgr:russia
      asserted
        “kgr:istanbul-talks kg:negotiatesWith kgr:russia .” [0, 49) in kgd:fixture — data.ttl line 1
"""),
    ('disjoint-event-actor', 'kgr:istanbul-talks rdf:type kg:Event', 'cax-sco', """\
kgr:istanbul-talks rdf:type kg:Event
  inferred by cax-sco
    axiom: kg:Negotiation rdfs:subClassOf kg:Event
    kgr:istanbul-talks rdf:type kg:Negotiation
      asserted
        “kgr:istanbul-talks rdf:type kg:Negotiation .” [50, 94) in kgd:fixture — data.ttl line 2
"""),
    ('disjoint-person-state', 'kgr:georgia rdf:type kg:State', None, """\
kgr:georgia rdf:type kg:State
  asserted
    “kgr:georgia rdf:type kg:State .” [33, 64) in kgd:fixture — data.ttl line 2
"""),
]


ROWS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


def test_every_row_of_the_table_is_explained():
    assert sorted({row for row, *_ in EXPECTED}) == ROWS == sorted(table_rules())


@pytest.mark.parametrize(("row", "triple", "rule", "expected"), EXPECTED,
                         ids=[f"{r}:{t.split()[1]}" for r, t, *_ in EXPECTED])
def test_explain_row(ontology, row, triple, rule, expected):
    src, text = row_source(row, ontology)
    expl = explain(src, parse(triple))
    assert to_text(expl) == expected
    if rule is None:      # a stated triple, or one the ontology must not imply
        assert expl.derivation is None
        return
    assert rule in table_rules()[row]
    assert rule in rules_of(expl)
    check_steps(src, expl)
    for node in expl.walk():   # every leaf is asserted, with its exact quote
        if node.derivation is None:
            assert node.status == "asserted"
            (ev,) = node.evidence
            assert text[ev.start:ev.end] == ev.quote == _line(node.triple)


def test_a_rejected_non_proposal_is_not_explained(ontology):
    src, _ = row_source("rejected-proposal", ontology)
    expl = explain(src, parse("kgr:further-talks rdf:type kg:RejectedProposal"))
    assert expl.status == ABSENT
    assert [t for t, _g in expl.near] == [
        parse("kgr:further-talks rdf:type kg:Negotiation"),
        parse("kgr:further-talks rdf:type sem:Event"),
        parse("kgr:further-talks rdf:type kg:Event"),
    ]
