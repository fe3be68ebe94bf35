"""The OWL 2 RL profile checker: a development tool run by the tests, not shipped in kg.

:func:`check_owl2_rl` is a structural checker: every axiom of the ontology
must use an OWL 2 RL construct from an allow-list, on the side of
``rdfs:subClassOf`` where the profile allows it, and no property chain may be
recursive (owlrl does not terminate on those).
"""

from __future__ import annotations

from rdflib import OWL, RDF, RDFS, XSD, Graph, URIRef
from rdflib.collection import Collection

from kg.checks.report import Report, Violation
from kg.checks.shapes import show as _show

#: Datatypes of the OWL 2 RL profile (OWL 2 Profiles, section 4.3), plus rdfs:Literal.
RL_DATATYPES = frozenset({
    RDFS.Literal, RDF.PlainLiteral, RDF.XMLLiteral, OWL.real, OWL.rational,
    XSD.decimal, XSD.integer, XSD.nonNegativeInteger, XSD.nonPositiveInteger,
    XSD.positiveInteger, XSD.negativeInteger, XSD.long, XSD.int, XSD.short, XSD.byte,
    XSD.unsignedLong, XSD.unsignedInt, XSD.unsignedShort, XSD.unsignedByte,
    XSD.float, XSD.double, XSD.string, XSD.normalizedString, XSD.token, XSD.language,
    XSD.Name, XSD.NCName, XSD.NMTOKEN, XSD.boolean, XSD.hexBinary, XSD.base64Binary,
    XSD.anyURI, XSD.dateTime, XSD.dateTimeStamp,
})

#: Datatypes outside the OWL 2 datatype map that the ontology deliberately uses as
#: the rdfs:range of a datatype property (documented in docs/inference.md): owlrl
#: treats them as opaque, so no rule fires on them.
DATATYPE_EXTENSIONS = frozenset({XSD.duration})

#: The class and property kinds an ontology subject may be typed with.
RL_DECLARATION_TYPES = frozenset({
    OWL.Ontology, OWL.Class, OWL.Restriction, OWL.ObjectProperty, OWL.DatatypeProperty,
    OWL.AnnotationProperty, OWL.TransitiveProperty, OWL.SymmetricProperty,
    OWL.AsymmetricProperty, OWL.IrreflexiveProperty, OWL.FunctionalProperty,
    OWL.InverseFunctionalProperty, OWL.NamedIndividual, OWL.AllDisjointClasses,
    RDFS.Datatype,
})

#: Predicates that may appear in axioms (annotation properties come on top).
RL_AXIOM_PREDICATES = frozenset({
    RDF.type, RDF.first, RDF.rest, RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain,
    RDFS.range, OWL.equivalentClass, OWL.equivalentProperty, OWL.disjointWith,
    OWL.propertyDisjointWith, OWL.inverseOf, OWL.propertyChainAxiom, OWL.intersectionOf,
    OWL.unionOf, OWL.complementOf, OWL.onProperty, OWL.someValuesFrom, OWL.allValuesFrom,
    OWL.hasValue, OWL.maxCardinality, OWL.maxQualifiedCardinality, OWL.onClass,
    OWL.members, OWL.versionIRI,
})

#: Constructs refused outright, with the reason given in the report.
REFUSED = {
    OWL.sameAs: "owl:sameAs makes OWL-RL copy every triple onto the other IRI; use skos:exactMatch",
    OWL.imports: "owl:imports would need the network; declare the external terms used instead",
    OWL.hasKey: "owl:hasKey is handled badly by owlrl",
    OWL.minCardinality: "min cardinality is not OWL 2 RL",
    OWL.cardinality: "exact cardinality is not OWL 2 RL",
    OWL.qualifiedCardinality: "exact cardinality is not OWL 2 RL",
    OWL.minQualifiedCardinality: "min cardinality is not OWL 2 RL",
    OWL.hasSelf: "self restrictions are not OWL 2 RL",
    OWL.disjointUnionOf: "disjoint unions are not OWL 2 RL",
    OWL.oneOf: "enumerations are avoided (owlrl expands them into owl:sameAs reasoning)",
}


class _RL:
    """The structural OWL 2 RL check of one ontology graph."""

    def __init__(self, g: Graph):
        self.g = g
        self.out: list[Violation] = []
        self.annotation = set(g.subjects(RDF.type, OWL.AnnotationProperty))
        self.datatype_props = set(g.subjects(RDF.type, OWL.DatatypeProperty))

    def fail(self, node, message: str, path=None) -> None:
        self.out.append(Violation("kg-check:owl2rl-profile", _show(node), message,
                                  path=None if path is None else _show(path),
                                  shape="tools.owl2rl_profile.check_owl2_rl"))

    def members(self, node) -> list:
        return list(Collection(self.g, node))

    # class expressions (OWL 2 Profiles, 4.2)
    def sub(self, c) -> bool:
        if isinstance(c, URIRef):
            return c != OWL.Thing
        g = self.g
        if (lst := g.value(c, OWL.intersectionOf)) is not None or \
           (lst := g.value(c, OWL.unionOf)) is not None:
            return all(self.sub(x) for x in self.members(lst))
        if g.value(c, OWL.onProperty) is not None:
            if (filler := g.value(c, OWL.someValuesFrom)) is not None:
                return filler == OWL.Thing or self.sub(filler)
            return g.value(c, OWL.hasValue) is not None
        return False

    def sup(self, c) -> bool:
        if isinstance(c, URIRef):
            return c != OWL.Thing
        g = self.g
        if (lst := g.value(c, OWL.intersectionOf)) is not None:
            return all(self.sup(x) for x in self.members(lst))
        if (neg := g.value(c, OWL.complementOf)) is not None:
            return self.sub(neg)
        if g.value(c, OWL.onProperty) is not None:
            if (filler := g.value(c, OWL.allValuesFrom)) is not None:
                return self.sup(filler)
            if g.value(c, OWL.hasValue) is not None:
                return True
            for card in (OWL.maxCardinality, OWL.maxQualifiedCardinality):
                if (n := g.value(c, card)) is not None:
                    return str(n) in {"0", "1"}
        return False

    def equiv(self, c) -> bool:
        if isinstance(c, URIRef):
            return c != OWL.Thing
        if (lst := self.g.value(c, OWL.intersectionOf)) is not None:
            return all(self.equiv(x) for x in self.members(lst))
        return self.g.value(c, OWL.onProperty) is not None and \
            self.g.value(c, OWL.hasValue) is not None

    def run(self) -> list[Violation]:
        g = self.g
        for s, p, _o in g:
            if p in REFUSED:
                self.fail(s, REFUSED[p], p)
            elif p not in RL_AXIOM_PREDICATES and p not in self.annotation:
                self.fail(s, "predicate is neither an OWL 2 RL axiom nor a declared annotation "
                             "property", p)
        for s, o in g.subject_objects(RDFS.subClassOf):
            if not self.sub(s):
                self.fail(s, "not an OWL 2 RL subclass expression (left of rdfs:subClassOf)",
                          RDFS.subClassOf)
            if not self.sup(o):
                self.fail(s, f"{_show(o)} is not an OWL 2 RL superclass expression",
                          RDFS.subClassOf)
        for s, o in g.subject_objects(OWL.equivalentClass):
            if not (self.equiv(s) and self.equiv(o)):
                self.fail(s, "owl:equivalentClass needs OWL 2 RL equivalent-class expressions "
                             "on both sides", OWL.equivalentClass)
        for s, o in g.subject_objects(OWL.disjointWith):
            if not (self.sub(s) and self.sub(o)):
                self.fail(s, "owl:disjointWith needs subclass expressions", OWL.disjointWith)
        for s, o in g.subject_objects(RDFS.domain):
            if not self.sup(o):
                self.fail(s, "the domain is not an OWL 2 RL superclass expression", RDFS.domain)
        for s, o in g.subject_objects(RDFS.range):
            if s in self.datatype_props:
                if o not in RL_DATATYPES and o not in DATATYPE_EXTENSIONS:
                    self.fail(s, f"datatype {_show(o)} is not in the OWL 2 RL datatype list",
                              RDFS.range)
            elif not self.sup(o):
                self.fail(s, "the range is not an OWL 2 RL superclass expression", RDFS.range)
        self.check_chains()
        return self.out

    def check_chains(self) -> None:
        g = self.g
        for q, lst in g.subject_objects(OWL.propertyChainAxiom):
            chain = self.members(lst)
            # what the chain infers for q also holds for every superproperty of q: if one of
            # them is in the chain, the chain feeds itself
            fed = set(g.transitive_objects(q, RDFS.subPropertyOf))
            if len(chain) < 2:
                self.fail(q, "a property chain needs at least two properties",
                          OWL.propertyChainAxiom)
            for p in chain:
                if not isinstance(p, URIRef):
                    self.fail(q, "a property chain may list only named properties",
                              OWL.propertyChainAxiom)
                elif p in fed:
                    self.fail(q, f"recursive property chain: {_show(q)} is (a subproperty of) "
                                 f"{_show(p)}, which is in its own chain; owlrl does not "
                                 "terminate on it",
                              OWL.propertyChainAxiom)


def check_owl2_rl(ontology: Graph) -> Report:
    """Check that every axiom of the ontology is an OWL 2 RL construct owlrl handles well."""
    violations = _RL(ontology).run()
    return Report("OWL 2 RL profile", not violations, violations)


