"""The OWL 2 RL closure, kept in its own graph; noise filtered; errors surfaced.

``closure`` returns only what inference adds to ontology + data, and only
the triples users can query: no triple with a literal subject, no
``x owl:sameAs x``, nothing about the RDF/RDFS/OWL/XSD vocabularies or the
ontology's own terms. An inconsistency found by the reasoner (owlrl's
``err:`` error triples) becomes a :class:`~kg.errors.ViolationsError`.
"""

from __future__ import annotations

from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef

from .errors import KgError, ViolationsError

ERRNS = "http://www.daml.org/2002/03/agents/agent-ont#"
_VOCAB_NAMESPACES = (str(RDF), str(RDFS), str(OWL), "http://www.w3.org/2001/XMLSchema#",
                     ERRNS)
_NOISE_TYPES = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual, RDFS.Class, OWL.Class}

#: Reasoning engines ``closure`` accepts.
ENGINES = ("owlrl",)


class ReasonerLimit(KgError):
    """The closure grew past a guard: it is stopped instead of running for hours."""


#: Guards on the closure; generous for news graphs, fatal for runaway axioms.
MAX_GROWTH = 25          # inferred triples per input triple
MIN_BUDGET = 200_000     # inferred triples allowed whatever the input size
MAX_SAMEAS = 10_000      # owl:sameAs triples (cliques grow quadratically)
MAX_SECONDS = 900.0


def _guarded_semantics(budget: int, max_sameas: int, max_seconds: float):
    import time

    import owlrl

    class Guarded(owlrl.OWLRL_Semantics):
        """owlrl's OWL 2 RL semantics, counting what it adds."""

        def store_triple(self, t):
            before = len(self.added_triples)
            super().store_triple(t)
            if len(self.added_triples) == before:
                return
            self._kg_added = getattr(self, "_kg_added", 0) + 1
            if t[1] == OWL.sameAs and t[0] != t[2]:
                self._kg_sameas = getattr(self, "_kg_sameas", 0) + 1
                if self._kg_sameas > max_sameas:
                    raise ReasonerLimit(
                        f"the reasoner stopped: more than {max_sameas} owl:sameAs triples "
                        f"(last: {t[0]} = {t[2]})",
                        hint="an owl:sameAs clique, or a functional property with many values, "
                             "is merging resources; check the axioms and the data")
            if self._kg_added > budget:
                raise ReasonerLimit(
                    f"the reasoner stopped: the closure grew past {budget} new triples",
                    hint="an axiom makes the closure explode; check recent ontology changes")
            if self._kg_added % 10_000 == 0:
                start = getattr(self, "_kg_start", None)
                if start is None:
                    self._kg_start = time.monotonic()
                elif time.monotonic() - start > max_seconds:
                    raise ReasonerLimit(f"the reasoner stopped after {max_seconds:.0f} s")

    return Guarded


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


def closure(ontology: Graph, data: Graph, engine: str = "owlrl", *,
            max_growth: int = MAX_GROWTH, max_sameas: int = MAX_SAMEAS,
            max_seconds: float = MAX_SECONDS) -> Graph:
    """The triples OWL 2 RL adds to ``ontology + data`` that users may see.

    Raises :class:`ReasonerLimit` when the closure outgrows its guards and
    :class:`~kg.errors.ViolationsError` when the reasoner finds an inconsistency.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown reasoning engine {engine!r}")
    import owlrl

    full = Graph()
    for t in ontology:
        full.add(t)
    for t in data:
        full.add(t)
    budget = max(MIN_BUDGET, max_growth * len(full))
    owlrl.DeductiveClosure(_guarded_semantics(budget, max_sameas, max_seconds),
                           axiomatic_triples=False, datatype_axioms=False).expand(full)
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
