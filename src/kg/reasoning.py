"""The OWL 2 RL closure, kept in its own graph; noise filtered; errors surfaced.

``closure`` returns only what inference adds to ontology + data, and only
the triples users can query: no triple with a literal subject, no
``x owl:sameAs x``, nothing about the RDF/RDFS/OWL/XSD vocabularies or the
ontology's own terms. An inconsistency found by the reasoner (owlrl's
``err:`` error triples) becomes a :class:`~kg.errors.ViolationsError`.
"""

from __future__ import annotations

from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef

from .errors import ViolationsError

ERRNS = "http://www.daml.org/2002/03/agents/agent-ont#"
_VOCAB_NAMESPACES = (str(RDF), str(RDFS), str(OWL), "http://www.w3.org/2001/XMLSchema#",
                     ERRNS)
_NOISE_TYPES = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual, RDFS.Class, OWL.Class}

#: Reasoning engines ``closure`` accepts.
ENGINES = ("owlrl",)


def ontology_terms(ontology: Graph) -> set:
    """Every IRI the ontology describes (its subjects)."""
    return {s for s in ontology.subjects() if isinstance(s, URIRef)}


def user_visible(triple, terms: set) -> bool:
    """False for reasoner noise that must never reach users."""
    s, p, o = triple
    if isinstance(s, Literal):
        return False
    if p == OWL.sameAs and s == o:
        return False
    if str(s).startswith(_VOCAB_NAMESPACES) or s in terms:
        return False
    if p == RDF.type and o in _NOISE_TYPES:
        return False
    return not (p == RDF.type and str(o).startswith(ERRNS))


def closure(ontology: Graph, data: Graph, engine: str = "owlrl") -> Graph:
    """The triples OWL 2 RL adds to ``ontology + data`` that users may see."""
    if engine not in ENGINES:
        raise ValueError(f"unknown reasoning engine {engine!r}")
    import owlrl

    full = Graph()
    for t in ontology:
        full.add(t)
    for t in data:
        full.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                           datatype_axioms=False).expand(full)
    errors = sorted(str(m) for m in full.objects(None, URIRef(ERRNS + "error")))
    if errors:
        raise ViolationsError(
            f"the reasoner found {len(errors)} inconsistenc{'y' if len(errors) == 1 else 'ies'}:"
            f" {errors[0]}",
            report="\n".join(errors),
            hint="check the types and relations of the resources named above")
    terms = ontology_terms(ontology)
    inferred = Graph()
    for t in full:
        if t in ontology or t in data or any(isinstance(x, BNode) for x in t):
            continue
        if user_visible(t, terms):
            inferred.add(t)
    return inferred
