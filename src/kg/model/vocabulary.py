"""The ontology's terms as plain data: classes, properties, ranges, concepts.

The annotation mapping uses this index to resolve local names written in
annotation files (``type: Negotiation``, ``heldIn: istanbul``) and to type
literal values by each property's ``rdfs:range``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import OWL, RDF, RDFS, Graph, URIRef
from rdflib.namespace import SKOS

from kg.namespaces import KG, KGC


@dataclass(frozen=True)
class PropertyInfo:
    iri: str
    kind: str  # "object" | "datatype" | "annotation"
    range: str | None


@dataclass(frozen=True)
class Vocabulary:
    classes: dict[str, str]            # local name -> IRI
    properties: dict[str, PropertyInfo]  # local name -> info
    concepts: dict[str, str]           # local name -> IRI (kgc:)
    stance_property: dict[str, str]    # concept IRI -> shortcut property IRI
    #: local names of kg:Event and every class below it (for time bounds of reported events)
    event_classes: frozenset[str] = frozenset()


def vocabulary_from_graph(g: Graph) -> Vocabulary:
    classes: dict[str, str] = {}
    for s in set(g.subjects(RDF.type, OWL.Class)) | set(g.subjects(RDF.type, RDFS.Class)):
        if isinstance(s, URIRef) and str(s).startswith(KG):
            classes[str(s)[len(KG):]] = str(s)
    kinds = {OWL.ObjectProperty: "object", OWL.DatatypeProperty: "datatype",
             OWL.AnnotationProperty: "annotation"}
    properties: dict[str, PropertyInfo] = {}
    for rdf_kind, kind in kinds.items():
        for s in g.subjects(RDF.type, rdf_kind):
            if isinstance(s, URIRef) and str(s).startswith(KG):
                rng = g.value(s, RDFS.range)
                properties[str(s)[len(KG):]] = PropertyInfo(
                    str(s), kind, str(rng) if isinstance(rng, URIRef) else None)
    concepts: dict[str, str] = {}
    for s in g.subjects(RDF.type, SKOS.Concept):
        if isinstance(s, URIRef) and str(s).startswith(KGC):
            concepts[str(s)[len(KGC):]] = str(s)
    stance_property = {
        str(s): str(o) for s, o in g.subject_objects(URIRef(KG + "stanceProperty"))
        if isinstance(o, URIRef)
    }
    return Vocabulary(classes, properties, concepts, stance_property,
                      _subclasses_of(g, KG + "Event", classes))


def _subclasses_of(g: Graph, root: str, classes: dict[str, str]) -> frozenset[str]:
    """Local names of the named kg: classes at or below ``root`` (rdfs:subClassOf*)."""
    below = {root}
    changed = True
    while changed:
        changed = False
        for iri in classes.values():
            if iri in below:
                continue
            if any(str(sup) in below for sup in g.objects(URIRef(iri), RDFS.subClassOf)):
                below.add(iri)
                changed = True
    return frozenset(name for name, iri in classes.items() if iri in below)
