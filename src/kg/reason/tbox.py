"""The TBox: closed with the W3C ``scm-*`` rules, then compiled into the tables
the rules of :mod:`kg.reason.rules` are instantiated from."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rdflib import BNode, Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from kg.reason.rules import (
    EQ_C,
    EQ_P,
    NOTHING,
    SAME,
    SUB_C,
    SUB_P,
    THING,
    TYPE,
    Triple,
    UnsupportedAxiom,
)

# Predicates whose triples belong to the TBox (they are compiled, not just stored).
SCHEMA_PREDICATES = frozenset({
    SUB_C, SUB_P, EQ_C, EQ_P, RDFS.domain, RDFS.range, OWL.inverseOf,
    OWL.propertyChainAxiom, OWL.onProperty, OWL.someValuesFrom, OWL.allValuesFrom,
    OWL.hasValue, OWL.maxCardinality, OWL.maxQualifiedCardinality, OWL.onClass,
    OWL.intersectionOf, OWL.unionOf, OWL.complementOf, OWL.oneOf, OWL.disjointWith,
    OWL.propertyDisjointWith, OWL.members, OWL.distinctMembers, OWL.hasKey,
    OWL.sourceIndividual, OWL.assertionProperty, OWL.targetIndividual,
    OWL.targetValue, OWL.cardinality, OWL.minCardinality, OWL.qualifiedCardinality,
    OWL.minQualifiedCardinality, OWL.onDataRange, OWL.disjointUnionOf,
    OWL.onProperties, OWL.withRestrictions, OWL.onDatatype, OWL.datatypeComplementOf,
    RDF.first, RDF.rest,
})
SCHEMA_CLASSES = frozenset({
    OWL.Class, RDFS.Class, OWL.Restriction, OWL.ObjectProperty, OWL.DatatypeProperty,
    OWL.AnnotationProperty, RDF.Property, OWL.TransitiveProperty,
    OWL.SymmetricProperty, OWL.AsymmetricProperty, OWL.ReflexiveProperty,
    OWL.IrreflexiveProperty, OWL.FunctionalProperty, OWL.InverseFunctionalProperty,
    OWL.AllDisjointClasses, OWL.AllDisjointProperties, OWL.AllDifferent,
    OWL.NegativePropertyAssertion, RDFS.Datatype, OWL.Ontology, OWL.DataRange,
    RDF.List,
})
RESERVED_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))
# Types every engine may or may not add; never shown to users.
NOISE_TYPES = frozenset({OWL.Thing, RDFS.Resource, OWL.NamedIndividual})
# owlrl writes its inconsistency messages into the graph in this namespace.
_OWLRL_ERR = "http://www.daml.org/2002/03/agents/agent-ont#"


# schema predicates whose subject or object may be an individual
_INDIVIDUAL_SLOTS = frozenset({
    OWL.hasValue, OWL.targetIndividual, OWL.targetValue, OWL.sourceIndividual,
    RDF.first, OWL.members, OWL.distinctMembers, OWL.oneOf,
})


def tbox_terms(tbox: Graph | Iterable[Triple]) -> frozenset[Node]:
    """The schema terms of an ontology: classes, properties, restrictions, lists,
    datatypes and every blank node of the TBox.  Individuals described in the
    ontology graph (e.g. SKOS concepts) are *not* schema terms."""
    terms: set[Node] = set()
    triples = list(tbox)
    idx = _TIndex(triples)
    # members of class and property lists are schema terms; members of
    # owl:oneOf / owl:AllDifferent lists are individuals
    for lp in (OWL.intersectionOf, OWL.unionOf, OWL.propertyChainAxiom, OWL.hasKey,
               OWL.disjointUnionOf):
        for _s, lst in idx.pairs(lp):
            terms.update(idx.items(lst))
    for x in idx.subjs(TYPE, OWL.AllDisjointClasses) | idx.subjs(TYPE, OWL.AllDisjointProperties):
        for lst in idx.objs(x, OWL.members):
            terms.update(idx.items(lst))
    for s, p, o in triples:
        if isinstance(s, BNode):
            terms.add(s)
        if isinstance(o, BNode):
            terms.add(o)
        if p == TYPE and o in SCHEMA_CLASSES:
            terms.add(s)
        elif p in SCHEMA_PREDICATES and p not in _INDIVIDUAL_SLOTS:
            terms.add(s)
            if not isinstance(o, Literal):
                terms.add(o)
    return frozenset(terms)


def _is_schema_triple(t: Triple) -> bool:
    return t[1] in SCHEMA_PREDICATES or (t[1] == TYPE and t[2] in SCHEMA_CLASSES)


class _TIndex:
    """Tiny triple index over rdflib terms for the TBox closure."""

    def __init__(self, triples: Iterable[Triple]):
        self.sp: dict[Node, dict[Node, set[Node]]] = {}
        self.op: dict[Node, dict[Node, set[Node]]] = {}
        self.all: set[Triple] = set()
        for t in triples:
            self.add(t)

    def add(self, t: Triple) -> bool:
        if t in self.all:
            return False
        self.all.add(t)
        s, p, o = t
        self.sp.setdefault(p, {}).setdefault(s, set()).add(o)
        self.op.setdefault(p, {}).setdefault(o, set()).add(s)
        return True

    def objs(self, s: Node, p: Node) -> set[Node]:
        return self.sp.get(p, {}).get(s, set())

    def subjs(self, p: Node, o: Node) -> set[Node]:
        return self.op.get(p, {}).get(o, set())

    def pairs(self, p: Node) -> Iterable[tuple[Node, Node]]:
        for s, os_ in self.sp.get(p, {}).items():
            for o in os_:
                yield s, o

    def one(self, s: Node, p: Node) -> Node | None:
        v = self.objs(s, p)
        return next(iter(v)) if v else None

    def items(self, head: Node | None) -> list[Node]:
        out: list[Node] = []
        seen: set[Node] = set()
        while head is not None and head != RDF.nil and head not in seen:
            seen.add(head)
            first = self.one(head, RDF.first)
            if first is None:
                break
            out.append(first)
            head = self.one(head, RDF.rest)
        return out

    def list_triples(self, head: Node) -> list[Triple]:
        out: list[Triple] = []
        seen: set[Node] = set()
        while head is not None and head != RDF.nil and head not in seen:
            seen.add(head)
            for p in (RDF.first, RDF.rest):
                for o in self.objs(head, p):
                    out.append((head, p, o))
            head = self.one(head, RDF.rest)
        return out


class TBox:
    """A TBox closed with the scm-* rules and compiled into ABox rule tables."""

    def __init__(self, tbox: Graph | Iterable[Triple]):
        asserted = [t for t in tbox if not isinstance(t[1], Literal)]
        self.asserted: frozenset[Triple] = frozenset(asserted)
        self.terms = tbox_terms(asserted)
        idx = _TIndex(asserted)
        self.just: dict[Triple, tuple[str, tuple[Triple, ...]]] = {}
        self._close(idx)
        self.idx = idx
        self._support_memo: dict[Triple, tuple[frozenset[Triple], tuple[str, ...]]] = {}
        self._compile(idx)

    # -- closure ----------------------------------------------------------

    def _close(self, T: _TIndex) -> None:
        just = self.just

        def emit(new: list, t: Triple, rule: str, prem: tuple[Triple, ...]) -> None:
            if t not in T.all and t not in just:
                just[t] = (rule, prem)
                new.append(t)

        init: list[Triple] = []
        emit(init, (THING, TYPE, OWL.Class), "cls-thing", ())
        emit(init, (NOTHING, TYPE, OWL.Class), "cls-nothing1", ())
        for t in init:
            T.add(t)
        while True:
            new: list[Triple] = []
            for scm in SCHEMA_RULES:
                for t, rule, prem in scm(T):
                    emit(new, t, rule, prem)
            if not new:
                break
            for t in new:
                T.add(t)

    def support(self, t: Triple) -> tuple[frozenset[Triple], tuple[str, ...]]:
        """Asserted TBox triples and scm rules that justify schema triple ``t``."""
        memo = self._support_memo
        if t in memo:
            return memo[t]
        if t in self.asserted or t not in self.just:
            res: tuple[frozenset[Triple], tuple[str, ...]] = (frozenset([t]), ())
        else:
            rule, prem = self.just[t]
            ax: set[Triple] = set()
            rules: list[str] = [rule]
            for p in prem:
                a, r = self.support(p)
                ax |= a
                rules.extend(x for x in r if x not in rules)
            res = (frozenset(ax), tuple(rules))
        memo[t] = res
        return res

    # -- compilation -----------------------------------------------------

    def _compile(self, T: _TIndex) -> None:
        g = T
        self.sup_c: dict[Node, set[Node]] = {}
        for a, b in g.pairs(SUB_C):
            if a != b:
                self.sup_c.setdefault(a, set()).add(b)
        self.sup_p: dict[Node, set[Node]] = {}
        for a, b in g.pairs(SUB_P):
            if a != b:
                self.sup_p.setdefault(a, set()).add(b)
        self.dom: dict[Node, set[Node]] = {}
        for p, c in g.pairs(RDFS.domain):
            self.dom.setdefault(p, set()).add(c)
        self.rng: dict[Node, set[Node]] = {}
        for p, c in g.pairs(RDFS.range):
            self.rng.setdefault(p, set()).add(c)
        self.inv: dict[Node, set[Node]] = {}
        for p1, p2 in g.pairs(OWL.inverseOf):
            self.inv.setdefault(p1, set()).add(p2)
            self.inv.setdefault(p2, set()).add(p1)

        self.trp = self.typed(OWL.TransitiveProperty)
        # schema terms that must not be merged by owl:sameAs
        self.schema_terms = {t for t in self.terms if not isinstance(t, BNode)}
        for s, p, _o in self.asserted:
            if p == SAME and s in self.schema_terms:
                raise UnsupportedAxiom(
                    f"owl:sameAs on the schema term {s}: would change the TBox at run time")

    # -- axiom justification helpers -------------------------------------

    def axiom(self, *schema: Triple) -> tuple[tuple[Triple, ...], tuple[str, ...]]:
        ax: list[Triple] = []
        via: list[str] = []
        for t in schema:
            a, r = self.support(t)
            ax.extend(x for x in sorted(a, key=_key) if x not in ax)
            via.extend(x for x in r if x not in via)
        return tuple(ax), tuple(via)

    def typed(self, kind: Node) -> set[Node]:
        """The terms of the closed TBox typed ``kind`` (e.g. owl:SymmetricProperty)."""
        return set(self.idx.subjs(TYPE, kind))

    def has(self, t: Triple) -> bool:
        return t in self.idx.all


# --------------------------------------------------------------------------- scm-*
# Each yields (conclusion, rule, premises) for the TBox index T as it stands.

Step = Iterable[tuple[Triple, str, tuple[Triple, ...]]]


def _scm_cls(T: _TIndex) -> Step:
    for c in list(T.subjs(TYPE, OWL.Class)):
        d = ((c, TYPE, OWL.Class),)
        for t in ((c, SUB_C, c), (c, EQ_C, c), (c, SUB_C, THING), (NOTHING, SUB_C, c)):
            yield t, "scm-cls", d
    for kind, rule in ((OWL.ObjectProperty, "scm-op"), (OWL.DatatypeProperty, "scm-dp"),
                       (RDF.Property, "scm-op")):
        for p in list(T.subjs(TYPE, kind)):
            d = ((p, TYPE, kind),)
            yield (p, SUB_P, p), rule, d
            yield (p, EQ_P, p), rule, d


def _scm_sub_eq(T: _TIndex) -> Step:
    """scm-sco, scm-eqc1, scm-eqc2 and their property twins scm-spo, scm-eqp1/2."""
    for sub, eq, r_tr, r_eq1, r_eq2 in ((SUB_C, EQ_C, "scm-sco", "scm-eqc1", "scm-eqc2"),
                                        (SUB_P, EQ_P, "scm-spo", "scm-eqp1", "scm-eqp2")):
        for a, b in list(T.pairs(sub)):
            for c in T.objs(b, sub):
                yield (a, sub, c), r_tr, ((a, sub, b), (b, sub, c))
            if a in T.objs(b, sub):
                yield (a, eq, b), r_eq2, ((a, sub, b), (b, sub, a))
        for a, b in list(T.pairs(eq)):
            yield (a, sub, b), r_eq1, ((a, eq, b),)
            yield (b, sub, a), r_eq1, ((a, eq, b),)


def _scm_dom_rng(T: _TIndex) -> Step:
    for dr, r1, r2 in ((RDFS.domain, "scm-dom1", "scm-dom2"),
                       (RDFS.range, "scm-rng1", "scm-rng2")):
        for p, c in list(T.pairs(dr)):
            for c2 in T.objs(c, SUB_C):
                yield (p, dr, c2), r1, ((p, dr, c), (c, SUB_C, c2))
            for p1 in T.subjs(SUB_P, p):
                yield (p1, dr, c), r2, ((p, dr, c), (p1, SUB_P, p))


def _scm_hv(T: _TIndex) -> Step:
    for c1, v in list(T.pairs(OWL.hasValue)):
        for p1 in T.objs(c1, OWL.onProperty):
            for c2 in T.subjs(OWL.hasValue, v):
                for p2 in T.objs(c2, OWL.onProperty):
                    if p2 not in T.objs(p1, SUB_P):
                        continue
                    yield (c1, SUB_C, c2), "scm-hv", (
                        (c1, OWL.hasValue, v), (c1, OWL.onProperty, p1),
                        (c2, OWL.hasValue, v), (c2, OWL.onProperty, p2), (p1, SUB_P, p2))


def _scm_svf_avf(T: _TIndex) -> Step:
    """scm-svf1/2 and scm-avf1/2: restrictions on the same property with
    sub-class fillers, or on sub-properties with the same filler."""
    for rp, r1, r2 in ((OWL.someValuesFrom, "scm-svf1", "scm-svf2"),
                       (OWL.allValuesFrom, "scm-avf1", "scm-avf2")):
        for c1, y1 in list(T.pairs(rp)):
            for p1 in T.objs(c1, OWL.onProperty):
                for c2 in T.subjs(OWL.onProperty, p1):
                    for y2 in T.objs(c2, rp):
                        if y2 not in T.objs(y1, SUB_C):
                            continue
                        yield (c1, SUB_C, c2), r1, (
                            (c1, rp, y1), (c1, OWL.onProperty, p1), (c2, rp, y2),
                            (c2, OWL.onProperty, p1), (y1, SUB_C, y2))
                for c2 in T.subjs(rp, y1):
                    for p2 in T.objs(c2, OWL.onProperty):
                        if p2 not in T.objs(p1, SUB_P):
                            continue
                        pr = ((c1, rp, y1), (c1, OWL.onProperty, p1), (c2, rp, y1),
                              (c2, OWL.onProperty, p2), (p1, SUB_P, p2))
                        yield ((c1, SUB_C, c2) if rp == OWL.someValuesFrom
                               else (c2, SUB_C, c1)), r2, pr


def _scm_int_uni(T: _TIndex) -> Step:
    for c, lst in list(T.pairs(OWL.intersectionOf)):
        lt = tuple(T.list_triples(lst))
        for ci in T.items(lst):
            yield (c, SUB_C, ci), "scm-int", ((c, OWL.intersectionOf, lst),) + lt
    for c, lst in list(T.pairs(OWL.unionOf)):
        lt = tuple(T.list_triples(lst))
        for ci in T.items(lst):
            yield (ci, SUB_C, c), "scm-uni", ((c, OWL.unionOf, lst),) + lt


SCHEMA_RULES = (_scm_cls, _scm_sub_eq, _scm_dom_rng, _scm_hv, _scm_svf_avf, _scm_int_uni)


def _key(t: Triple) -> tuple[str, str, str]:
    return (str(t[0]), str(t[1]), str(t[2]))


_TBOX_CACHE: dict[int, tuple[Any, int, TBox]] = {}


def compile_tbox(tbox: Graph | Iterable[Triple] | TBox) -> TBox:
    """Close and compile a TBox (cached per rdflib Graph object and size)."""
    if isinstance(tbox, TBox):
        return tbox
    if isinstance(tbox, Graph):
        hit = _TBOX_CACHE.get(id(tbox))
        if hit is not None and hit[0] is tbox and hit[1] == len(tbox):
            return hit[2]
        tb = TBox(tbox)
        _TBOX_CACHE[id(tbox)] = (tbox, len(tbox), tb)
        return tb
    return TBox(tbox)

