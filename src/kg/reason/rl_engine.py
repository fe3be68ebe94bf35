"""A fast OWL 2 RL forward-chaining engine specialised to one TBox.

The TBox (ontology graph) is closed first with the W3C ``scm-*`` rules; the
closed TBox is then compiled into ABox rules keyed by predicate (and, for
``rdf:type`` facts, by class).  The ABox is integer-encoded and evaluated with
a semi-naive worklist: every fact is processed exactly once, joined against the
facts stored so far (per-predicate ``s -> {o}`` and ``o -> {s}`` indexes), and
each new conclusion is stored and queued.  A rule instance with several
premises fires when its last premise is processed, so the fixpoint is the
least model of the compiled rules.

Supported rules (W3C OWL 2 RL rule-table names, section 4.3 of
https://www.w3.org/TR/owl2-profiles/#OWL_2_RL):

* ABox rules: prp-dom, prp-rng, prp-spo1, prp-spo2 (chains of any length),
  prp-eqp1, prp-eqp2, prp-inv1, prp-inv2, prp-symp, prp-trp, prp-fp,
  prp-ifp, prp-key, cax-sco, cax-eqc1, cax-eqc2, cls-int1, cls-int2, cls-uni,
  cls-svf1, cls-svf2, cls-avf, cls-hv1, cls-hv2, cls-maxc2, cls-maxqc3,
  cls-maxqc4, cls-oo, eq-sym, eq-trans, eq-rep-s, eq-rep-p, eq-rep-o,
  dt-type2 (only for datatypes the TBox uses as a class in a rule body).
* Consistency checks (rules whose head is ``false``): cax-dw, cax-adc,
  cls-nothing2, cls-com, cls-maxc1, cls-maxqc1, cls-maxqc2, prp-irp,
  prp-asyp, prp-pdw, prp-adp, prp-npa1, prp-npa2, eq-diff1, eq-diff2,
  eq-diff3.
* TBox closure: cls-thing, cls-nothing1, scm-cls, scm-sco, scm-eqc1,
  scm-eqc2, scm-op, scm-dp, scm-spo, scm-eqp1, scm-eqp2, scm-dom1, scm-dom2,
  scm-rng1, scm-rng2, scm-hv, scm-svf1, scm-svf2, scm-avf1, scm-avf2,
  scm-int, scm-uni.

Deliberately not produced (they never reach users, see :func:`user_visible`):
eq-ref (``x owl:sameAs x``), prp-ap, dt-type1, and the datatype axioms.
TBox-changing ABox conclusions (a derived ``rdfs:subClassOf``, a derived
``x rdf:type owl:Class``, an ``owl:sameAs`` between classes or properties)
would need the rules to be recompiled; they raise :class:`UnsupportedAxiom`.

Semantics are owlrl's (``DeductiveClosure(OWLRL_Semantics)``, no axiomatic
triples) restricted to :func:`user_visible`, checked by a differential test.
Where owlrl departs from the W3C rule table:

* matched: ``x rdf:type owl:Thing`` only for individuals with a type that is
  a declared ``owl:Class`` (owlrl's scm-cls then cax-sco); generalised RDF
  (literal subjects from prp-rng / prp-inv, dt-type2 typing of literals), so
  conclusions that pass through a literal are the same; owlrl's
  ``rdf:type`` of owl:Class for scm-cls only (not rdfs:Class).  All of these
  intermediate facts are internal and filtered out.
* not matched (W3C kept): owlrl's prp-key compares only the first n-1 key
  properties (with one key property every two instances of the class become
  ``owl:sameAs``); owlrl's prp-adp, eq-diff2 and eq-diff3 skip the last list
  member; owlrl's eq-diff2/3 ignore a member listed twice.  owlrl's
  dt-not-type (an ill-typed literal such as ``"x"^^xsd:integer``) is not
  checked here.

Public API: :func:`infer`, :func:`compile_tbox`, :class:`Inconsistency`,
:func:`check`, :func:`user_visible`, :func:`tbox_terms`, :func:`derivations`,
:func:`derivation_tree`, :class:`Explainer`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from kg.gcpause import paused_gc

Triple = tuple[Node, Node, Node]

TYPE = RDF.type
SUB_C = RDFS.subClassOf
SUB_P = RDFS.subPropertyOf
EQ_C = OWL.equivalentClass
EQ_P = OWL.equivalentProperty
SAME = OWL.sameAs
THING = OWL.Thing
NOTHING = OWL.Nothing

ABOX_RULES = (
    "prp-dom", "prp-rng", "prp-spo1", "prp-spo2", "prp-eqp1", "prp-eqp2",
    "prp-inv1", "prp-inv2", "prp-symp", "prp-trp", "prp-fp", "prp-ifp", "prp-key",
    "cax-sco", "cax-eqc1", "cax-eqc2", "cls-int1", "cls-int2", "cls-uni",
    "cls-svf1", "cls-svf2", "cls-avf", "cls-hv1", "cls-hv2", "cls-maxc2",
    "cls-maxqc3", "cls-maxqc4", "cls-oo", "eq-sym", "eq-trans", "eq-rep-s",
    "eq-rep-p", "eq-rep-o", "dt-type2",
)
CHECK_RULES = (
    "cax-dw", "cax-adc", "cls-nothing2", "cls-com", "cls-maxc1", "cls-maxqc1",
    "cls-maxqc2", "prp-irp", "prp-asyp", "prp-pdw", "prp-adp", "prp-npa1",
    "prp-npa2", "eq-diff1", "eq-diff2", "eq-diff3",
)
SCHEMA_RULES = (
    "cls-thing", "cls-nothing1", "scm-cls", "scm-sco", "scm-eqc1", "scm-eqc2",
    "scm-op", "scm-dp", "scm-spo", "scm-eqp1", "scm-eqp2", "scm-dom1", "scm-dom2",
    "scm-rng1", "scm-rng2", "scm-hv", "scm-svf1", "scm-svf2", "scm-avf1",
    "scm-avf2", "scm-int", "scm-uni",
)
SUPPORTED_RULES = ABOX_RULES + CHECK_RULES + SCHEMA_RULES

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
PROPERTY_CLASSES = frozenset({
    OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property,
    OWL.TransitiveProperty, OWL.SymmetricProperty, OWL.AsymmetricProperty,
    OWL.ReflexiveProperty, OWL.IrreflexiveProperty, OWL.FunctionalProperty,
    OWL.InverseFunctionalProperty,
})
RESERVED_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))
# Types every engine may or may not add; never shown to users.
NOISE_TYPES = frozenset({OWL.Thing, RDFS.Resource, OWL.NamedIndividual})
# owlrl writes its inconsistency messages into the graph in this namespace.
_OWLRL_ERR = "http://www.daml.org/2002/03/agents/agent-ont#"


# --------------------------------------------------------------------------- errors


class GrowthLimit(RuntimeError):
    """The closure derived more facts than its budget allowed."""

    def __init__(self, derived: int, budget: int):
        super().__init__(f"the closure grew past {budget} derived facts")
        self.derived = derived
        self.budget = budget


class UnsupportedAxiom(ValueError):
    """The TBox (or a conclusion) needs something this engine does not do."""


@dataclass(frozen=True)
class Clash:
    """One violated ``false``-headed rule: rule name, TBox axiom(s), resources."""

    rule: str
    axiom: tuple[Triple, ...]
    resources: tuple[Node, ...]

    def __str__(self) -> str:
        ax = "; ".join(" ".join(_short(t) for t in tr) for tr in self.axiom) or "-"
        res = ", ".join(_short(r) for r in self.resources)
        return f"{self.rule}: axiom [{ax}] violated by {res}"


class Inconsistency(Exception):  # noqa: N818 - the name is part of the contract
    """The ABox violates the TBox; ``clashes`` lists every violation found."""

    def __init__(self, clashes: list[Clash]):
        self.clashes = list(clashes)
        head = "; ".join(str(c) for c in self.clashes[:5])
        more = f" (+{len(self.clashes) - 5} more)" if len(self.clashes) > 5 else ""
        super().__init__(f"{len(self.clashes)} inconsistencies: {head}{more}")

    @property
    def rule(self) -> str:
        return self.clashes[0].rule

    @property
    def axiom(self) -> tuple[Triple, ...]:
        return self.clashes[0].axiom

    @property
    def resources(self) -> tuple[Node, ...]:
        return self.clashes[0].resources


def _short(t: Node) -> str:
    s = str(t)
    for sep in ("#", "/"):
        if isinstance(t, URIRef) and sep in s:
            return s.rsplit(sep, 1)[1] or s
    return t.n3() if isinstance(t, Literal | BNode) else s


# --------------------------------------------------------------------------- filter

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


def user_visible(triple: Triple, tbox_terms: frozenset[Node] | set[Node]) -> bool:
    """Whether an inferred triple may be shown to users.

    The same function filters this engine's and owlrl's output.  It drops:
    literal subjects; ``x owl:sameAs x``; subjects that are schema terms of the
    ontology (see :func:`tbox_terms`) or rdf/rdfs/owl/xsd terms; ``rdf:type``
    to ``owl:Thing``/``rdfs:Resource``/``owl:NamedIndividual``; triples with a
    blank-node or literal predicate (generalised RDF); triples whose object
    is a blank node of the ontology (``x rdf:type _:restriction``: the node
    has no stable name outside the ontology graph); owlrl's error messages.
    """
    s, p, o = triple
    if p == SAME and s == o:
        return False
    return _subject_ok(s, tbox_terms) and _predicate_ok(p) and _object_ok(p, o, tbox_terms)


def _subject_ok(s: Node, tbox_terms: frozenset[Node] | set[Node]) -> bool:
    if isinstance(s, Literal) or s in tbox_terms:
        return False
    return not (isinstance(s, URIRef) and str(s).startswith(RESERVED_NAMESPACES))


def _predicate_ok(p: Node) -> bool:
    return isinstance(p, URIRef) and not str(p).startswith(_OWLRL_ERR)


def _object_ok(p: Node, o: Node, tbox_terms: frozenset[Node] | set[Node]) -> bool:
    if p == TYPE and (o in NOISE_TYPES or str(o).startswith(_OWLRL_ERR)):
        return False
    return not (isinstance(o, BNode) and o in tbox_terms)  # e.g. x rdf:type [restriction]


# --------------------------------------------------------------------------- TBox


@dataclass(frozen=True)
class Derivation:
    """One rule instance: ``rule`` (W3C name) applied with ``axiom`` (the
    asserted TBox triples that justify the schema axiom it uses), to
    ``premises`` (ABox triples), yields the conclusion asked for.
    ``schema`` is the (possibly inferred) schema triple(s) the rule instance
    matches, ``via`` the scm-* rules that inferred them from ``axiom``."""

    rule: str
    axiom: tuple[Triple, ...]
    premises: tuple[Triple, ...]
    schema: tuple[Triple, ...] = ()
    via: tuple[str, ...] = ()


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
        rounds = 0
        while True:
            rounds += 1
            new: list[Triple] = []
            for c in list(T.subjs(TYPE, OWL.Class)):
                d = ((c, TYPE, OWL.Class),)
                emit(new, (c, SUB_C, c), "scm-cls", d)
                emit(new, (c, EQ_C, c), "scm-cls", d)
                emit(new, (c, SUB_C, THING), "scm-cls", d)
                emit(new, (NOTHING, SUB_C, c), "scm-cls", d)
            for kind, rule in ((OWL.ObjectProperty, "scm-op"), (OWL.DatatypeProperty, "scm-dp"),
                               (RDF.Property, "scm-op")):
                for p in list(T.subjs(TYPE, kind)):
                    d = ((p, TYPE, kind),)
                    emit(new, (p, SUB_P, p), rule, d)
                    emit(new, (p, EQ_P, p), rule, d)
            for sub, eq, r_tr, r_eq1, r_eq2 in ((SUB_C, EQ_C, "scm-sco", "scm-eqc1", "scm-eqc2"),
                                                (SUB_P, EQ_P, "scm-spo", "scm-eqp1", "scm-eqp2")):
                for a, b in list(T.pairs(sub)):
                    for c in T.objs(b, sub):
                        emit(new, (a, sub, c), r_tr, ((a, sub, b), (b, sub, c)))
                    if a in T.objs(b, sub):
                        emit(new, (a, eq, b), r_eq2, ((a, sub, b), (b, sub, a)))
                for a, b in list(T.pairs(eq)):
                    emit(new, (a, sub, b), r_eq1, ((a, eq, b),))
                    emit(new, (b, sub, a), r_eq1, ((a, eq, b),))
            for dr, r1, r2 in ((RDFS.domain, "scm-dom1", "scm-dom2"),
                               (RDFS.range, "scm-rng1", "scm-rng2")):
                for p, c in list(T.pairs(dr)):
                    for c2 in T.objs(c, SUB_C):
                        emit(new, (p, dr, c2), r1, ((p, dr, c), (c, SUB_C, c2)))
                    for p1 in T.subjs(SUB_P, p):
                        emit(new, (p1, dr, c), r2, ((p, dr, c), (p1, SUB_P, p)))
            # scm-hv
            for c1, v in list(T.pairs(OWL.hasValue)):
                for p1 in T.objs(c1, OWL.onProperty):
                    for c2 in T.subjs(OWL.hasValue, v):
                        for p2 in T.objs(c2, OWL.onProperty):
                            if p2 in T.objs(p1, SUB_P):
                                emit(new, (c1, SUB_C, c2), "scm-hv",
                                     ((c1, OWL.hasValue, v), (c1, OWL.onProperty, p1),
                                      (c2, OWL.hasValue, v), (c2, OWL.onProperty, p2),
                                      (p1, SUB_P, p2)))
            # scm-svf1/2, scm-avf1/2
            for rp, r1, r2 in ((OWL.someValuesFrom, "scm-svf1", "scm-svf2"),
                               (OWL.allValuesFrom, "scm-avf1", "scm-avf2")):
                for c1, y1 in list(T.pairs(rp)):
                    for p1 in T.objs(c1, OWL.onProperty):
                        for c2 in T.subjs(OWL.onProperty, p1):
                            for y2 in T.objs(c2, rp):
                                if y2 in T.objs(y1, SUB_C):
                                    emit(new, (c1, SUB_C, c2), r1,
                                         ((c1, rp, y1), (c1, OWL.onProperty, p1),
                                          (c2, rp, y2), (c2, OWL.onProperty, p1),
                                          (y1, SUB_C, y2)))
                        for c2 in T.subjs(rp, y1):
                            for p2 in T.objs(c2, OWL.onProperty):
                                if p2 in T.objs(p1, SUB_P):
                                    pr = ((c1, rp, y1), (c1, OWL.onProperty, p1),
                                          (c2, rp, y1), (c2, OWL.onProperty, p2),
                                          (p1, SUB_P, p2))
                                    if rp == OWL.someValuesFrom:
                                        emit(new, (c1, SUB_C, c2), r2, pr)
                                    else:
                                        emit(new, (c2, SUB_C, c1), r2, pr)
            for c, lst in list(T.pairs(OWL.intersectionOf)):
                lt = tuple(T.list_triples(lst))
                for ci in T.items(lst):
                    emit(new, (c, SUB_C, ci), "scm-int", ((c, OWL.intersectionOf, lst),) + lt)
            for c, lst in list(T.pairs(OWL.unionOf)):
                lt = tuple(T.list_triples(lst))
                for ci in T.items(lst):
                    emit(new, (ci, SUB_C, c), "scm-uni", ((c, OWL.unionOf, lst),) + lt)
            if not new:
                break
            for t in new:
                T.add(t)
        self.closure_rounds = rounds

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

        def typed(k: Node) -> set[Node]:
            return set(g.subjs(TYPE, k))

        self.sym = typed(OWL.SymmetricProperty)
        self.trp = typed(OWL.TransitiveProperty)
        self.fp = typed(OWL.FunctionalProperty)
        self.ifp = typed(OWL.InverseFunctionalProperty)
        self.irp = typed(OWL.IrreflexiveProperty)
        self.asyp = typed(OWL.AsymmetricProperty)
        self.chains: list[tuple[Node, tuple[Node, ...], Node]] = []
        for p, lst in g.pairs(OWL.propertyChainAxiom):
            ch = tuple(g.items(lst))
            if ch:
                self.chains.append((p, ch, lst))
        self.svf: list[tuple[Node, Node, Node]] = []   # (R, p, filler)
        self.avf: list[tuple[Node, Node, Node]] = []
        self.hv: list[tuple[Node, Node, Node]] = []
        self.maxc: list[tuple[Node, Node, int, Node | None]] = []  # (R, p, n, onClass)
        for r, p in g.pairs(OWL.onProperty):
            for y in g.objs(r, OWL.someValuesFrom):
                self.svf.append((r, p, y))
            for y in g.objs(r, OWL.allValuesFrom):
                self.avf.append((r, p, y))
            for v in g.objs(r, OWL.hasValue):
                self.hv.append((r, p, v))
            for n in g.objs(r, OWL.maxCardinality):
                self.maxc.append((r, p, _int(n), None))
            for n in g.objs(r, OWL.maxQualifiedCardinality):
                for oc in g.objs(r, OWL.onClass) or {THING}:
                    self.maxc.append((r, p, _int(n), oc))
        self.ints = [(c, tuple(g.items(lst))) for c, lst in g.pairs(OWL.intersectionOf)]
        self.unis = [(c, tuple(g.items(lst))) for c, lst in g.pairs(OWL.unionOf)]
        self.oneof = [(c, tuple(g.items(lst))) for c, lst in g.pairs(OWL.oneOf)]
        self.keys = [(c, tuple(g.items(lst))) for c, lst in g.pairs(OWL.hasKey)]
        self.dw = {(a, b) for a, b in g.pairs(OWL.disjointWith)}
        self.adc = [(x, tuple(g.items(lst))) for x in typed(OWL.AllDisjointClasses)
                    for lst in g.objs(x, OWL.members)]
        self.com = {(a, b) for a, b in g.pairs(OWL.complementOf)}
        self.pdw = {(a, b) for a, b in g.pairs(OWL.propertyDisjointWith)}
        self.adp = [(x, tuple(g.items(lst))) for x in typed(OWL.AllDisjointProperties)
                    for lst in g.objs(x, OWL.members)]
        self.alldiff = [(x, pp, tuple(g.items(lst))) for x in typed(OWL.AllDifferent)
                        for pp in (OWL.members, OWL.distinctMembers)
                        for lst in g.objs(x, pp)]
        self.npa = []
        for x, i1 in g.pairs(OWL.sourceIndividual):
            for p in g.objs(x, OWL.assertionProperty):
                for tp in (OWL.targetIndividual, OWL.targetValue):
                    for i2 in g.objs(x, tp):
                        self.npa.append((x, i1, p, tp, i2))
        self.uses_datatype_classes = False
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

    def has(self, t: Triple) -> bool:
        return t in self.idx.all


def _key(t: Triple) -> tuple[str, str, str]:
    return (str(t[0]), str(t[1]), str(t[2]))


def _int(n: Node) -> int:
    try:
        return int(n.toPython()) if isinstance(n, Literal) else -1
    except (TypeError, ValueError):
        return -1


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


# --------------------------------------------------------------------------- engine


class _Plan:
    """Rules triggered by a fact with a given predicate (ids)."""

    __slots__ = ("dom", "rng", "sup", "inv", "sym", "trp", "chains", "svf", "avf",
                 "hv2", "fp", "ifp", "maxc", "keys")

    def __init__(self) -> None:
        self.dom: tuple = ()
        self.rng: tuple = ()
        self.sup: tuple = ()
        self.inv: tuple = ()
        self.sym = False
        self.trp = False
        self.chains: list = []      # (target, chain ids, position)
        self.svf: list = []         # (R, filler id or -1 for owl:Thing)
        self.avf: list = []         # (R, y)
        self.hv2: dict = {}         # v -> [R]
        self.fp = False
        self.ifp = False
        self.maxc: list = []        # (R, onClass id or -1)
        self.keys: list = []        # (class, props)


class _TPlan:
    """Rules triggered by ``x rdf:type C`` for a given class C (ids)."""

    __slots__ = ("sup", "int1", "hv1", "svf_filler", "avf", "maxc", "maxqc_class", "keys")

    def __init__(self) -> None:
        self.sup: tuple = ()
        self.int1: list = []        # (X, members)
        self.hv1: list = []         # (p, v)
        self.svf_filler: list = []  # (p, R)
        self.avf: list = []         # (p, y)
        self.maxc: list = []        # (p, onClass id or -1)   C is the restriction
        self.maxqc_class: list = []  # (R, p)                 C is the onClass
        self.keys: list = []        # props


class Engine:
    """Integer-encoded fact store plus the compiled rules of one TBox."""

    def __init__(self, tbox: TBox):
        self.tb = tbox
        self.ids: dict[Node, int] = {}
        self.terms: list[Node] = []
        self._uri_ids: dict[str, int] = {}
        self._lit_ids: dict[tuple, int] = {}
        self.S: dict[int, dict[int, set[int]]] = {}
        self.O: dict[int, dict[int, set[int]]] = {}
        self.type = self.enc(TYPE)
        self.same = self.enc(SAME)
        self.thing = self.enc(THING)
        self._build_plans()

    def enc(self, t: Node) -> int:
        i = self.ids.get(t)
        if i is None:
            i = self.ids[t] = len(self.terms)
            self.terms.append(t)
        return i

    def _build_plans(self) -> None:
        tb, e = self.tb, self.enc
        P: dict[int, _Plan] = {}
        C: dict[int, _TPlan] = {}

        def pp(p: Node) -> _Plan:
            i = e(p)
            if i not in P:
                P[i] = _Plan()
            return P[i]

        def cp(c: Node) -> _TPlan:
            i = e(c)
            if i not in C:
                C[i] = _TPlan()
            return C[i]

        for p, cs in tb.dom.items():
            pp(p).dom = tuple(e(c) for c in cs)
        for p, cs in tb.rng.items():
            pp(p).rng = tuple(e(c) for c in cs)
        for p, ps in tb.sup_p.items():
            pp(p).sup = tuple(e(q) for q in ps)
        for p, qs in tb.inv.items():
            pp(p).inv = tuple(e(q) for q in qs)
        for p in tb.sym:
            pp(p).sym = True
        for p in tb.trp:
            pp(p).trp = True
        for p in tb.fp:
            pp(p).fp = True
        for p in tb.ifp:
            pp(p).ifp = True
        for target, ch, _head in tb.chains:
            ids = tuple(e(q) for q in ch)
            for i, q in enumerate(ch):
                pp(q).chains.append((e(target), ids, i))
        for r, p, y in tb.svf:
            yid = -1 if y == THING else e(y)
            pp(p).svf.append((e(r), yid))
            if yid >= 0:
                cp(y).svf_filler.append((e(p), e(r)))
        for r, p, y in tb.avf:
            pp(p).avf.append((e(r), e(y)))
            cp(r).avf.append((e(p), e(y)))
        for r, p, v in tb.hv:
            pp(p).hv2.setdefault(e(v), []).append(e(r))
            cp(r).hv1.append((e(p), e(v)))
        for r, p, n, oc in tb.maxc:
            if n != 1:
                continue
            ocid = -1 if oc is None or oc == THING else e(oc)
            pp(p).maxc.append((e(r), ocid))
            cp(r).maxc.append((e(p), ocid))
            if ocid >= 0:
                cp(oc).maxqc_class.append((e(r), e(p)))
        for c, cs in tb.sup_c.items():
            cp(c).sup = tuple(e(x) for x in cs)
        for x, members in tb.ints:
            ids = tuple(e(m) for m in members)
            for m in set(members):
                cp(m).int1.append((e(x), ids))
        # cls-int2 and cls-uni are covered by cax-sco over scm-int / scm-uni.
        for c, props in tb.keys:
            ids = tuple(e(q) for q in props)
            if not ids:
                continue
            cp(c).keys.append(ids)
            for q in set(props):
                pp(q).keys.append((e(c), ids))
        self.P = P
        self.C = C
        # object indexes (o -> {s}) only where a rule joins on the object
        need_o = {self.type, self.same}
        for pid, pl in P.items():
            if pl.trp or pl.ifp or pl.keys or pl.svf:
                need_o.add(pid)
            for _t, ch, i in pl.chains:
                if i < len(ch) - 1:
                    need_o.add(pid)
        for tp in C.values():
            need_o.update(q for q, _r in tp.svf_filler)
            need_o.update(q for _r, q in tp.maxqc_class)
        self.need_o = need_o
        self._eqf = [False]   # equality active: every predicate gets an object index
        # dt-type2 is needed only for datatypes used as a class in a rule body
        self.dt_body = {t for t in (self.terms[i] for i in C)
                        if isinstance(t, URIRef) and str(t).startswith(str(XSD))}
        self.dt_body |= {t for t in (RDFS.Literal, RDF.PlainLiteral, RDF.XMLLiteral)
                         if t in self.ids and self.ids[t] in C}

    # -- loading ---------------------------------------------------------

    def load(self, triples: Iterable[Triple]) -> list[tuple[int, int, int]]:
        """Insert asserted facts; return the ones that were new."""
        S, O = self.S, self.O  # noqa: E741
        out = []
        lits: set[Literal] = set()
        # rdflib terms hash in Python; IRIs are looked up by their plain string
        # (a C-level hash) and only the other terms go through self.enc
        uri_ids = self._uri_ids
        enc = self.enc
        plain = str.__str__

        lit_ids = self._lit_ids
        need_o = self.need_o
        want_lits = bool(self.dt_body)

        def fenc(t: Node) -> int:
            tt = type(t)
            if tt is URIRef:
                k = plain(t)
                i = uri_ids.get(k)
                if i is None:
                    i = uri_ids[k] = enc(t)
                return i
            if tt is Literal:
                dt = t.datatype
                lk = (plain(t), plain(dt) if dt is not None else None, t.language)
                i = lit_ids.get(lk)
                if i is None:
                    i = lit_ids[lk] = enc(t)
                    if want_lits and dt is not None:
                        lits.add(t)
                return i
            return enc(t)

        for s, p, o in triples:
            if type(p) is Literal:
                continue
            si, pi, oi = fenc(s), fenc(p), fenc(o)
            d = S.get(pi)
            if d is None:
                d = S[pi] = {}
                if pi in need_o or self._eqf[0]:
                    O[pi] = {}
            os_ = d.get(si)
            if os_ is None:
                d[si] = {oi}
            elif oi in os_:
                continue
            else:
                os_.add(oi)
            od = O.get(pi)
            if od is not None:
                ss = od.get(oi)
                if ss is None:
                    od[oi] = {si}
                else:
                    ss.add(si)
            out.append((si, pi, oi))
        self._lits = lits
        return out

    def dt_facts(self) -> list[Triple]:
        """dt-type2 facts ``"v"^^D rdf:type D'`` for body datatypes D'."""
        if not self.dt_body or not self._lits:
            return []
        from owlrl.XsdDatatypes import OWL_Datatype_Subsumptions, OWL_RL_Datatypes

        out = []
        for lit in self._lits:
            dt = lit.datatype
            if dt not in OWL_RL_Datatypes:
                continue
            for d in (dt, *OWL_Datatype_Subsumptions.get(dt, ())):
                if d in self.dt_body:
                    out.append((lit, TYPE, d))
        return out

    # -- the fixpoint ----------------------------------------------------

    def run(self, agenda: list[tuple[int, int, int]], budget: int | None = None,
            ) -> list[tuple[int, int, int]]:
        """Process the agenda to fixpoint; return every newly derived fact.

        Raises :class:`GrowthLimit` when more than ``budget`` facts are derived.
        """
        limit = budget if budget is not None else -1
        S, O, P, C = self.S, self.O, self.P, self.C  # noqa: E741
        TYP, SAM = self.type, self.same
        derived: list[tuple[int, int, int]] = []
        stack = list(agenda)
        stack.reverse()
        pop, push, rec = stack.pop, stack.append, derived.append
        empty: frozenset[int] = frozenset()

        need_o, eqf = self.need_o, self._eqf

        def add(s: int, p: int, o: int) -> None:
            d = S.get(p)
            if d is None:
                d = S[p] = {}
                if p in need_o or eqf[0]:
                    O[p] = {}
            os_ = d.get(s)
            if os_ is None:
                d[s] = {o}
            elif o in os_:
                return
            else:
                os_.add(o)
            od = O.get(p)
            if od is not None:
                ss = od.get(o)
                if ss is None:
                    od[o] = {s}
                else:
                    ss.add(s)
            push((s, p, o))
            rec((s, p, o))

        types = S.setdefault(TYP, {})
        O.setdefault(TYP, {})
        S.setdefault(SAM, {})
        O.setdefault(SAM, {})
        sames = S[SAM]

        while stack:
            if limit >= 0 and len(derived) > limit:
                raise GrowthLimit(len(derived), limit)
            s, p, o = pop()
            if p == TYP:
                tp = C.get(o)
                if tp is not None:
                    for c in tp.sup:
                        add(s, TYP, c)
                    if tp.int1:
                        ts = types.get(s, empty)
                        for x, members in tp.int1:
                            if all(m in ts for m in members):
                                add(s, TYP, x)
                    for q, v in tp.hv1:
                        add(s, q, v)
                    for q, r in tp.svf_filler:
                        for u in O.get(q, {}).get(s, empty):
                            add(u, TYP, r)
                    for q, y in tp.avf:
                        for v in tuple(S.get(q, {}).get(s, empty)):
                            add(v, TYP, y)
                    for q, oc in tp.maxc:
                        vals = [v for v in S.get(q, {}).get(s, empty)
                                if oc < 0 or oc in types.get(v, empty)]
                        for y1, y2 in itertools.permutations(vals, 2):
                            add(y1, SAM, y2)
                    for r, q in tp.maxqc_class:
                        for u in tuple(O.get(q, {}).get(s, empty)):
                            if r in types.get(u, empty):
                                for y2 in tuple(S[q].get(u, empty)):
                                    if y2 != s and o in types.get(y2, empty):
                                        add(s, SAM, y2)
                                        add(y2, SAM, s)
                    for props in tp.keys:
                        self._key(s, o, props, add)
            pl = P.get(p)
            if pl is not None:
                for c in pl.dom:
                    add(s, TYP, c)
                for c in pl.rng:
                    add(o, TYP, c)
                for q in pl.sup:
                    add(s, q, o)
                for q in pl.inv:
                    add(o, q, s)
                if pl.sym:
                    add(o, p, s)
                if pl.trp:
                    d, od = S[p], O[p]
                    for z in tuple(d.get(o, empty)):
                        add(s, p, z)
                    for w in tuple(od.get(s, empty)):
                        add(w, p, o)
                for target, ch, i in pl.chains:
                    lefts = {s}
                    for j in range(i - 1, -1, -1):
                        od = O.get(ch[j], {})
                        nl: set[int] = set()
                        for x in lefts:
                            nl |= od.get(x, empty)
                        lefts = nl
                        if not lefts:
                            break
                    if not lefts:
                        continue
                    rights = {o}
                    for j in range(i + 1, len(ch)):
                        d = S.get(ch[j], {})
                        nr: set[int] = set()
                        for x in rights:
                            nr |= d.get(x, empty)
                        rights = nr
                        if not rights:
                            break
                    for a in lefts:
                        for b in rights:
                            add(a, target, b)
                if pl.svf:
                    tv = types.get(o, empty)
                    for r, y in pl.svf:
                        if y < 0 or y in tv:
                            add(s, TYP, r)
                if pl.avf:
                    ts = types.get(s, empty)
                    for r, y in pl.avf:
                        if r in ts:
                            add(o, TYP, y)
                if pl.hv2:
                    for r in pl.hv2.get(o, ()):
                        add(s, TYP, r)
                if pl.fp:
                    for y2 in tuple(S[p].get(s, empty)):
                        if y2 != o:
                            add(o, SAM, y2)
                            add(y2, SAM, o)
                if pl.ifp:
                    for x2 in tuple(O[p].get(o, empty)):
                        if x2 != s:
                            add(s, SAM, x2)
                            add(x2, SAM, s)
                if pl.maxc:
                    ts = types.get(s, empty)
                    for r, oc in pl.maxc:
                        if r in ts and (oc < 0 or oc in types.get(o, empty)):
                            for y2 in tuple(S[p].get(s, empty)):
                                if y2 != o and (oc < 0 or oc in types.get(y2, empty)):
                                    add(o, SAM, y2)
                                    add(y2, SAM, o)
                for c, props in pl.keys:
                    if c in types.get(s, empty):
                        self._key(s, c, props, add)
            if p == SAM and s != o:
                # eq-sym, eq-trans, eq-rep-s/p/o for a new sameAs
                if not eqf[0]:
                    self._activate_equality()
                add(o, SAM, s)
                for z in tuple(sames.get(o, empty)):
                    if z != s:
                        add(s, SAM, z)
                self._check_same(s, o)
                for q in list(S):
                    d = S[q]
                    for v in tuple(d.get(s, empty)):
                        add(o, q, v)
                    for u in tuple(O[q].get(s, empty)):
                        add(u, q, o)
                if s in S:
                    for u, vs in list(S[s].items()):
                        for v in tuple(vs):
                            add(u, o, v)
            if sames:
                for s2 in tuple(sames.get(s, empty)):
                    if s2 != s:
                        add(s2, p, o)
                for o2 in tuple(sames.get(o, empty)):
                    if o2 != o:
                        add(s, p, o2)
                for p2 in tuple(sames.get(p, empty)):
                    if p2 != p:
                        add(s, p2, o)
        return derived

    def _activate_equality(self) -> None:
        """From the first owl:sameAs between distinct nodes on, every predicate
        needs its object index (eq-rep-o)."""
        self._eqf[0] = True
        S, O = self.S, self.O  # noqa: E741
        for p, d in S.items():
            if p in O:
                continue
            od: dict[int, set[int]] = {}
            for s, os_ in d.items():
                for o in os_:
                    ss = od.get(o)
                    if ss is None:
                        od[o] = {s}
                    else:
                        ss.add(s)
            O[p] = od

    def _key(self, x: int, c: int, props: tuple[int, ...], add: Callable) -> None:
        """prp-key for individual x of class c (W3C semantics: all keys match)."""
        S, O, types, empty = self.S, self.O, self.S[self.type], frozenset()  # noqa: E741
        cands: set[int] | None = None
        for q in props:
            ys: set[int] = set()
            for z in S.get(q, {}).get(x, empty):
                ys |= O[q].get(z, empty)
            cands = ys if cands is None else cands & ys
            if not cands:
                return
        for y in cands or ():
            if y != x and c in types.get(y, empty):
                add(x, self.same, y)
                add(y, self.same, x)

    def _check_same(self, s: int, o: int) -> None:
        sch = self.tb.schema_terms
        for i in (s, o):
            if self.terms[i] in sch:
                raise UnsupportedAxiom(
                    f"an owl:sameAs on the schema term {self.terms[i]} was derived; "
                    "the TBox would change at run time")

    # -- consistency -----------------------------------------------------

    def clashes(self) -> list[Clash]:
        tb, S, ids, T = self.tb, self.S, self.ids, self.terms
        out: list[Clash] = []
        empty: frozenset[int] = frozenset()
        insts = self.O.get(self.type, {})

        def inst(c: Node) -> set[int]:
            i = ids.get(c)
            return insts.get(i, set()) if i is not None else set()

        def pairs(p: Node) -> Iterable[tuple[int, int]]:
            i = ids.get(p)
            for s, os_ in S.get(i, {}).items() if i is not None else ():
                for o in os_:
                    yield s, o

        def has(s: int, p: Node, o: int) -> bool:
            i = ids.get(p)
            return i is not None and o in S.get(i, {}).get(s, empty)

        for c1, c2 in sorted(tb.dw, key=lambda t: (str(t[0]), str(t[1]))):
            for x in sorted(inst(c1) & inst(c2)):
                out.append(Clash("cax-dw", tb.axiom((c1, OWL.disjointWith, c2))[0], (T[x],)))
        for c1, c2 in tb.com:
            for x in sorted(inst(c1) & inst(c2)):
                out.append(Clash("cls-com", tb.axiom((c1, OWL.complementOf, c2))[0], (T[x],)))
        for x, members in tb.adc:
            for i, j in itertools.combinations(range(len(members)), 2):
                for z in sorted(inst(members[i]) & inst(members[j])):
                    out.append(Clash("cax-adc", tuple(tb.idx.list_triples(x)) or (
                        (x, TYPE, OWL.AllDisjointClasses),), (T[z], members[i], members[j])))
        for x in sorted(inst(NOTHING)):
            out.append(Clash("cls-nothing2", (), (T[x],)))
        for p in tb.irp:
            for s, o in pairs(p):
                if s == o:
                    out.append(Clash("prp-irp", ((p, TYPE, OWL.IrreflexiveProperty),),
                                     (T[s], p)))
        for p in tb.asyp:
            for s, o in pairs(p):
                if has(o, p, s) and s <= o:
                    out.append(Clash("prp-asyp", ((p, TYPE, OWL.AsymmetricProperty),),
                                     (T[s], p, T[o])))
        for p1, p2 in tb.pdw:
            for s, o in pairs(p1):
                if has(s, p2, o):
                    out.append(Clash("prp-pdw", tb.axiom((p1, OWL.propertyDisjointWith, p2))[0],
                                     (T[s], T[o])))
        for x, props in tb.adp:
            for i, j in itertools.combinations(range(len(props)), 2):
                for s, o in pairs(props[i]):
                    if has(s, props[j], o):
                        out.append(Clash("prp-adp", ((x, TYPE, OWL.AllDisjointProperties),),
                                         (T[s], props[i], props[j], T[o])))
        for x, i1, p, tp, i2 in tb.npa:
            a, b = ids.get(i1), ids.get(i2)
            if a is not None and b is not None and has(a, p, b):
                rule = "prp-npa1" if tp == OWL.targetIndividual else "prp-npa2"
                out.append(Clash(rule, ((x, OWL.sourceIndividual, i1),
                                        (x, OWL.assertionProperty, p), (x, tp, i2)),
                                 (i1, p, i2)))
        for r, p, n, oc in tb.maxc:
            if n != 0:
                continue
            for u in sorted(inst(r)):
                pi = ids.get(p)
                for y in S.get(pi, {}).get(u, empty) if pi is not None else ():
                    if oc is None:
                        out.append(Clash("cls-maxc1", ((r, OWL.maxCardinality, Literal(0)),
                                                       (r, OWL.onProperty, p)), (T[u], T[y])))
                    elif oc == THING or y in inst(oc):
                        rule = "cls-maxqc2" if oc == THING else "cls-maxqc1"
                        out.append(Clash(rule, ((r, OWL.maxQualifiedCardinality, Literal(0)),
                                                (r, OWL.onProperty, p), (r, OWL.onClass, oc)),
                                         (T[u], T[y])))
        for s, o in pairs(OWL.differentFrom):
            if s == o or has(s, SAME, o):
                out.append(Clash("eq-diff1", (), (T[s], T[o])))
        for x, pp, members in tb.alldiff:
            rule = "eq-diff2" if pp == OWL.members else "eq-diff3"
            for i, j in itertools.combinations(range(len(members)), 2):
                a, b = ids.get(members[i]), ids.get(members[j])
                if a is not None and (a == b or has(a, SAME, b)):
                    out.append(Clash(rule, ((x, TYPE, OWL.AllDifferent),),
                                     (members[i], members[j])))
        return out


# --------------------------------------------------------------------------- API


def _triples(abox: Graph | Iterable[Triple]) -> Iterable[Triple]:
    return abox.triples((None, None, None)) if isinstance(abox, Graph) else abox


def _split(tbox: Graph | Iterable[Triple] | TBox,
           abox: Graph | Iterable[Triple]) -> tuple[TBox, list[Triple]]:
    abox_list = list(_triples(abox))
    schema = [t for t in abox_list if _is_schema_triple(t)]
    if schema:
        base = tbox.asserted if isinstance(tbox, TBox) else set(_triples(tbox))
        tb = TBox(set(base) | set(schema))
    else:
        tb = compile_tbox(tbox)
    return tb, abox_list


def closure(tbox: Graph | Iterable[Triple] | TBox, abox: Graph | Iterable[Triple],
            budget: int | None = None) -> tuple[Engine, list[tuple[int, int, int]], int]:
    """Run the engine; return it, the derived facts (ids) and the number loaded."""
    with paused_gc():
        return _closure(tbox, abox, budget)


def _closure(tbox: Graph | Iterable[Triple] | TBox, abox: Graph | Iterable[Triple],
             budget: int | None = None) -> tuple[Engine, list[tuple[int, int, int]], int]:
    tb, abox_list = _split(tbox, abox)
    eng = Engine(tb)
    facts = eng.load(itertools.chain(tb.asserted, abox_list))
    n_loaded = len(facts)
    agenda = facts
    # cls-oo and dt-type2 conclusions are derived facts seeded on the agenda
    seeds: list[Triple] = [(y, TYPE, c) for c, ys in tb.oneof for y in ys]
    seeds += eng.dt_facts()
    if seeds:
        extra = eng.load(seeds)
        agenda = facts + extra
        derived_seed = extra
    else:
        derived_seed = []
    derived = derived_seed + eng.run(agenda, budget)
    T = eng.terms
    S_same = any(s != o for s, os_ in eng.S.get(eng.same, {}).items() for o in os_)
    for s, p, o in derived:
        t = (T[s], T[p], T[o])
        if _is_schema_triple(t) and not isinstance(t[0], Literal) and not (
                t[1] in _INDIVIDUAL_SLOTS and S_same):
            # (an individual slot copied by eq-rep-* is redundant: eq-rep on the
            # ABox facts already yields what the copied axiom would)
            raise UnsupportedAxiom(
                f"the ABox closure derived the schema triple {t}; "
                "a TBox that changes at run time is not supported")
    return eng, derived, n_loaded


def check(tbox: Graph | Iterable[Triple] | TBox, abox: Graph | Iterable[Triple]) -> list[Clash]:
    """Every clash of the closure (empty when consistent)."""
    eng, _d, _n = closure(tbox, abox)
    return eng.clashes()


def infer(tbox: Graph | Iterable[Triple] | TBox, abox: Graph | Iterable[Triple], *,
          visible_only: bool = True, raise_on_clash: bool = True,
          budget: int | None = None, hidden: set | None = None) -> set[Triple]:
    """The new triples of the OWL 2 RL closure of ``tbox`` + ``abox``.

    Returns rdflib triples not in the input.  With ``visible_only`` (default)
    only the triples :func:`user_visible` accepts; otherwise also the
    generalised-RDF intermediate facts (literal subjects, ``owl:Thing`` types,
    facts about schema terms).  Raises :class:`Inconsistency` listing every
    clash unless ``raise_on_clash`` is false, and :class:`GrowthLimit` when more
    than ``budget`` facts are derived.
    """
    with paused_gc():
        return _infer(tbox, abox, visible_only, raise_on_clash, budget, hidden)


def intermediate(derived: Iterable[Triple], terms: frozenset[Node] | set[Node]
                 ) -> set[Triple]:
    """The memberships of anonymous class expressions (``x a [restriction]``)
    among ``derived``: not user-visible, but the unstored links a derivation
    tree shows between a class expression and the named class it implies."""
    return {t for t in derived if t[1] == TYPE and isinstance(t[2], BNode)
            and t[2] in terms and not isinstance(t[0], (BNode, Literal))
            and t[0] not in terms}


def _infer(tbox: Graph | Iterable[Triple] | TBox, abox: Graph | Iterable[Triple],
           visible_only: bool, raise_on_clash: bool, budget: int | None = None,
           hidden: set | None = None) -> set[Triple]:
    eng, derived, _n = _closure(tbox, abox, budget)
    if raise_on_clash:
        cl = eng.clashes()
        if cl:
            raise Inconsistency(cl)
    T = eng.terms
    if hidden is not None:  # the unstored premises kg explain needs
        tid = eng.enc(TYPE)
        hidden.update(intermediate(((T[s], T[p], T[o]) for s, p, o in derived if p == tid),
                                   eng.tb.terms))
    if not visible_only:
        return {(T[s], T[p], T[o]) for s, p, o in derived}
    # user_visible, evaluated once per term id instead of once per triple
    terms = eng.tb.terms
    subj: dict[int, bool] = {}
    pred: dict[int, bool] = {}
    obj: dict[tuple[int, int], bool] = {}
    same = eng.same
    out = set()
    add = out.add
    for s, p, o in derived:
        ok = subj.get(s)
        if ok is None:
            ok = subj[s] = _subject_ok(T[s], terms)
        if not ok:
            continue
        ok = pred.get(p)
        if ok is None:
            ok = pred[p] = _predicate_ok(T[p])
        if not ok or (p == same and s == o):
            continue
        ok = obj.get((p, o))
        if ok is None:
            ok = obj[(p, o)] = _object_ok(T[p], T[o], terms)
        if ok:
            add((T[s], T[p], T[o]))
    return out


# --------------------------------------------------------------------------- explanation


class _GIndex:
    """Index over an explicit set of rdflib triples (for backward steps)."""

    def __init__(self, triples: Iterable[Triple]):
        self.all = triples if isinstance(triples, set | frozenset) else set(triples)
        self.sp: dict[Node, dict[Node, set[Node]]] = {}
        self.op: dict[Node, dict[Node, set[Node]]] = {}
        for s, p, o in self.all:
            self.sp.setdefault(p, {}).setdefault(s, set()).add(o)
            self.op.setdefault(p, {}).setdefault(o, set()).add(s)

    def objs(self, s: Node, p: Node) -> set[Node]:
        return self.sp.get(p, {}).get(s, set())

    def subjs(self, p: Node, o: Node) -> set[Node]:
        return self.op.get(p, {}).get(o, set())


class Explainer:
    """One-step backward derivations over a fixed graph, and proof trees."""

    MAX_PER_RULE = 50

    def __init__(self, tbox: Graph | Iterable[Triple] | TBox, graph_triples: Iterable[Triple]):
        self.tb = compile_tbox(tbox)
        # any object with ``all`` (membership), ``objs`` and ``subjs`` will do:
        # kg.insight.explain passes one that looks the triples up in the built store
        self.g = graph_triples if hasattr(graph_triples, "objs") else _GIndex(graph_triples)
        tb = self.tb
        self.sub_c: dict[Node, set[Node]] = {}
        for a, bs in tb.sup_c.items():
            for b in bs:
                self.sub_c.setdefault(b, set()).add(a)
        self.sub_p: dict[Node, set[Node]] = {}
        for a, bs in tb.sup_p.items():
            for b in bs:
                self.sub_p.setdefault(b, set()).add(a)
        self.dom_of: dict[Node, set[Node]] = {}
        for p, cs in tb.dom.items():
            for c in cs:
                self.dom_of.setdefault(c, set()).add(p)
        self.rng_of: dict[Node, set[Node]] = {}
        for p, cs in tb.rng.items():
            for c in cs:
                self.rng_of.setdefault(c, set()).add(p)
        self.chains_to: dict[Node, list[tuple[tuple[Node, ...], Node]]] = {}
        for p, ch, head in tb.chains:
            self.chains_to.setdefault(p, []).append((ch, head))
        self._memo: dict[tuple[Triple, int], bool] = {}

    def _d(self, rule: str, schema: tuple[Triple, ...], premises: tuple[Triple, ...]
           ) -> Derivation:
        ax, via = self.tb.axiom(*schema)
        return Derivation(rule, ax, premises, schema, via)

    def derivations(self, triple: Triple) -> list[Derivation]:
        """Every one-step rule instance concluding ``triple`` with premises in the graph."""
        tb, g = self.tb, self.g
        s, p, o = triple
        has = g.all.__contains__
        out: list[Derivation] = []
        if p == TYPE:
            c = o
            for c1 in sorted(self.sub_c.get(c, ()), key=str):
                if has((s, TYPE, c1)):
                    # one derivation per premise: the equivalence when there is one,
                    # an asserted one first
                    if (c1, EQ_C, c) in tb.asserted or (
                            tb.has((c1, EQ_C, c)) and (c, EQ_C, c1) not in tb.asserted):
                        out.append(self._d("cax-eqc1", ((c1, EQ_C, c),), ((s, TYPE, c1),)))
                    elif tb.has((c, EQ_C, c1)):
                        out.append(self._d("cax-eqc2", ((c, EQ_C, c1),), ((s, TYPE, c1),)))
                    else:
                        out.append(self._d("cax-sco", ((c1, SUB_C, c),), ((s, TYPE, c1),)))
            for q in sorted(self.dom_of.get(c, ()), key=str):
                for y in sorted(g.objs(s, q), key=str)[: self.MAX_PER_RULE]:
                    out.append(self._d("prp-dom", ((q, RDFS.domain, c),), ((s, q, y),)))
            for q in sorted(self.rng_of.get(c, ()), key=str):
                for x in sorted(g.subjs(q, s), key=str)[: self.MAX_PER_RULE]:
                    out.append(self._d("prp-rng", ((q, RDFS.range, c),), ((x, q, s),)))
            for x, members in tb.ints:
                if x == c and members and all(has((s, TYPE, m)) for m in members):
                    out.append(self._d("cls-int1", ((x, OWL.intersectionOf, tb.idx.one(
                        x, OWL.intersectionOf)),), tuple((s, TYPE, m) for m in members)))
                if c in members and x != c and has((s, TYPE, x)):
                    out.append(self._d("cls-int2", ((x, OWL.intersectionOf, tb.idx.one(
                        x, OWL.intersectionOf)),), ((s, TYPE, x),)))
            for u, members in tb.unis:
                if u == c:
                    for m in members:
                        if m != c and has((s, TYPE, m)):
                            out.append(self._d("cls-uni", ((u, OWL.unionOf, tb.idx.one(
                                u, OWL.unionOf)),), ((s, TYPE, m),)))
            for r, q, y in tb.svf:
                if r != c:
                    continue
                sch = ((r, OWL.someValuesFrom, y), (r, OWL.onProperty, q))
                for v in sorted(g.objs(s, q), key=str):
                    if y == THING:
                        out.append(self._d("cls-svf2", sch, ((s, q, v),)))
                    elif has((v, TYPE, y)):
                        out.append(self._d("cls-svf1", sch, ((s, q, v), (v, TYPE, y))))
                    if len(out) > 4 * self.MAX_PER_RULE:
                        break
            for r, q, y in tb.avf:
                if y != c:
                    continue
                sch = ((r, OWL.allValuesFrom, y), (r, OWL.onProperty, q))
                for u in sorted(g.subjs(q, s), key=str)[: self.MAX_PER_RULE]:
                    if has((u, TYPE, r)):
                        out.append(self._d("cls-avf", sch, ((u, TYPE, r), (u, q, s))))
            for r, q, v in tb.hv:
                if r == c and has((s, q, v)):
                    out.append(self._d("cls-hv2", ((r, OWL.hasValue, v), (r, OWL.onProperty, q)),
                                       ((s, q, v),)))
            for cc, ys in tb.oneof:
                if cc == c and s in ys:
                    out.append(self._d("cls-oo", ((cc, OWL.oneOf, tb.idx.one(cc, OWL.oneOf)),),
                                       ()))
            if isinstance(s, Literal) and s.datatype is not None:
                from owlrl.XsdDatatypes import OWL_Datatype_Subsumptions

                if c == s.datatype or c in OWL_Datatype_Subsumptions.get(s.datatype, ()):
                    out.append(Derivation("dt-type2", (), ()))
        # property rules (rdf:type included, for generality)
        for q in sorted(self.sub_p.get(p, ()), key=str):
            if has((s, q, o)):
                if (q, EQ_P, p) in tb.asserted or (
                        tb.has((q, EQ_P, p)) and (p, EQ_P, q) not in tb.asserted):
                    out.append(self._d("prp-eqp1", ((q, EQ_P, p),), ((s, q, o),)))
                elif tb.has((p, EQ_P, q)):
                    out.append(self._d("prp-eqp2", ((p, EQ_P, q),), ((s, q, o),)))
                else:
                    out.append(self._d("prp-spo1", ((q, SUB_P, p),), ((s, q, o),)))
        for q in sorted(tb.inv.get(p, ()), key=str):
            if has((o, q, s)):
                if tb.has((q, OWL.inverseOf, p)):
                    out.append(self._d("prp-inv1", ((q, OWL.inverseOf, p),), ((o, q, s),)))
                if tb.has((p, OWL.inverseOf, q)):
                    out.append(self._d("prp-inv2", ((p, OWL.inverseOf, q),), ((o, q, s),)))
        if p in tb.sym and has((o, p, s)):
            out.append(self._d("prp-symp", ((p, TYPE, OWL.SymmetricProperty),), ((o, p, s),)))
        if p in tb.trp:
            n = 0
            for z in sorted(g.objs(s, p), key=str):
                if z != o and has((z, p, o)):
                    out.append(self._d("prp-trp", ((p, TYPE, OWL.TransitiveProperty),),
                                       ((s, p, z), (z, p, o))))
                    n += 1
                    if n >= self.MAX_PER_RULE:
                        break
        for ch, lst in self.chains_to.get(p, ()):
            sch = ((p, OWL.propertyChainAxiom, lst),)
            for path in itertools.islice(self._paths(s, ch, o), self.MAX_PER_RULE):
                out.append(self._d("prp-spo2", sch, path))
        for r, q, v in tb.hv:
            if q == p and v == o and has((s, TYPE, r)):
                out.append(self._d("cls-hv1", ((r, OWL.hasValue, v), (r, OWL.onProperty, q)),
                                   ((s, TYPE, r),)))
        if p == SAME:
            out.extend(self._same_derivations(s, o))
        elif SAME in g.sp:
            out.extend(self._eq_rep(s, p, o))
        return out

    def _paths(self, s: Node, ch: tuple[Node, ...], o: Node) -> Iterable[tuple[Triple, ...]]:
        g = self.g

        def walk(x: Node, i: int, acc: tuple[Triple, ...]) -> Iterable[tuple[Triple, ...]]:
            if i == len(ch) - 1:
                if o in g.objs(x, ch[i]):
                    yield acc + ((x, ch[i], o),)
                return
            for y in sorted(g.objs(x, ch[i]), key=str):
                yield from walk(y, i + 1, acc + ((x, ch[i], y),))

        return walk(s, 0, ())

    def _same_derivations(self, x: Node, y: Node) -> list[Derivation]:
        tb, g = self.tb, self.g
        has = g.all.__contains__
        out: list[Derivation] = []
        if has((y, SAME, x)):
            out.append(Derivation("eq-sym", (), ((y, SAME, x),)))
        for z in sorted(g.objs(x, SAME), key=str):
            if z not in (x, y) and has((z, SAME, y)):
                out.append(Derivation("eq-trans", (), ((x, SAME, z), (z, SAME, y))))
        for p in sorted(tb.fp, key=str):
            for u in g.subjs(p, x):
                if has((u, p, y)):
                    out.append(self._d("prp-fp", ((p, TYPE, OWL.FunctionalProperty),),
                                       ((u, p, x), (u, p, y))))
        for p in sorted(tb.ifp, key=str):
            for v in g.objs(x, p):
                if has((y, p, v)):
                    out.append(self._d("prp-ifp", ((p, TYPE, OWL.InverseFunctionalProperty),),
                                       ((x, p, v), (y, p, v))))
        for r, p, n, oc in tb.maxc:
            if n != 1:
                continue
            for u in g.subjs(p, x):
                if has((u, p, y)) and has((u, TYPE, r)):
                    prem: tuple[Triple, ...] = ((u, TYPE, r), (u, p, x), (u, p, y))
                    if oc is None:
                        rule = "cls-maxc2"
                        sch = ((r, OWL.maxCardinality, Literal(1)), (r, OWL.onProperty, p))
                    else:
                        rule = "cls-maxqc4" if oc == THING else "cls-maxqc3"
                        sch = ((r, OWL.maxQualifiedCardinality, Literal(1)),
                               (r, OWL.onProperty, p), (r, OWL.onClass, oc))
                        if oc != THING:
                            if not (has((x, TYPE, oc)) and has((y, TYPE, oc))):
                                continue
                            prem += ((x, TYPE, oc), (y, TYPE, oc))
                    out.append(Derivation(rule, tuple(t for t in sch if tb.has(t)), prem))
        for c, props in tb.keys:
            if has((x, TYPE, c)) and has((y, TYPE, c)):
                prem = [(x, TYPE, c), (y, TYPE, c)]
                for q in props:
                    common = sorted(g.objs(x, q) & g.objs(y, q), key=str)
                    if not common:
                        break
                    prem += [(x, q, common[0]), (y, q, common[0])]
                else:
                    lst = tb.idx.one(c, OWL.hasKey)
                    out.append(self._d("prp-key", ((c, OWL.hasKey, lst),), tuple(prem)))
        out.extend(self._eq_rep(x, SAME, y))
        return out

    def _eq_rep(self, s: Node, p: Node, o: Node) -> list[Derivation]:
        g = self.g
        has = g.all.__contains__
        out: list[Derivation] = []
        for s0 in sorted(g.objs(s, SAME), key=str):
            if s0 != s and has((s0, p, o)):
                out.append(Derivation("eq-rep-s", (), ((s0, SAME, s), (s0, p, o))))
        for p0 in sorted(g.objs(p, SAME), key=str):
            if p0 != p and has((s, p0, o)):
                out.append(Derivation("eq-rep-p", (), ((p0, SAME, p), (s, p0, o))))
        for o0 in sorted(g.objs(o, SAME), key=str):
            if o0 != o and has((s, p, o0)):
                out.append(Derivation("eq-rep-o", (), ((o0, SAME, o), (s, p, o0))))
        return out

    # -- proof trees -------------------------------------------------------

    def _provable(self, t: Triple, depth: int, asserted: Callable[[Triple], bool]) -> bool:
        if asserted(t):
            return True
        if depth <= 0:
            return False
        key = (t, depth)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        self._memo[key] = False
        ok = any(all(self._provable(q, depth - 1, asserted) for q in d.premises)
                 for d in self.derivations(t))
        self._memo[key] = ok
        return ok

    def height(self, t: Triple, asserted: Callable[[Triple], bool], limit: int = 64) -> int:
        for d in range(0, limit + 1):
            if self._provable(t, d, asserted):
                return d
        return -1

    def tree(self, t: Triple, asserted: Callable[[Triple], bool] | set | frozenset,
             limit: int = 64) -> ProofNode:
        """A proof of ``t`` down to asserted triples, of minimal height."""
        is_asserted = asserted if callable(asserted) else asserted.__contains__
        self._memo.clear()
        return self._tree(t, is_asserted, limit)

    def _tree(self, t: Triple, asserted: Callable[[Triple], bool], limit: int) -> ProofNode:
        if asserted(t):
            return ProofNode(t, None, ())
        h = self.height(t, asserted, limit)
        if h < 0:
            return ProofNode(t, None, (), unproved=True)
        best = None
        for d in self.derivations(t):
            if all(self._provable(q, h - 1, asserted) for q in d.premises):
                size = len(d.premises)
                if best is None or size < len(best.premises):
                    best = d
        assert best is not None
        kids = tuple(self._tree(q, asserted, h - 1) for q in best.premises)
        return ProofNode(t, best, kids)


@dataclass(frozen=True)
class ProofNode:
    triple: Triple
    derivation: Derivation | None     # None for an asserted triple
    children: tuple[ProofNode, ...] = field(default=())
    unproved: bool = False

    def lines(self, indent: int = 0) -> list[str]:
        s, p, o = self.triple
        head = "  " * indent + f"{_short(s)} {_short(p)} {_short(o)}"
        if self.unproved:
            return [head + "   [no proof from asserted triples]"]
        if self.derivation is None:
            return [head + "   [asserted]"]
        d = self.derivation
        ax = "; ".join(" ".join(_short(x) for x in a) for a in d.axiom)
        out = [head + f"   [{d.rule}: {ax}]"]
        for k in self.children:
            out.extend(k.lines(indent + 1))
        return out


_EXPLAINER_CACHE: dict[tuple[int, int, int], Explainer] = {}


def _explainer(tbox: Any, graph_triples: Any) -> Explainer:
    key = (id(tbox), id(graph_triples), len(graph_triples))
    ex = _EXPLAINER_CACHE.get(key)
    if ex is None or ex.g.all is not graph_triples:
        _EXPLAINER_CACHE.clear()
        ex = _EXPLAINER_CACHE[key] = Explainer(tbox, graph_triples)
    return ex


def derivations(tbox: Graph | Iterable[Triple] | TBox, graph_triples: set[Triple],
                triple: Triple) -> list[Derivation]:
    """One backward step: every compiled rule instance whose conclusion is
    ``triple`` and whose premises all are in ``graph_triples``."""
    return _explainer(tbox, graph_triples).derivations(triple)


def derivation_tree(tbox: Graph | Iterable[Triple] | TBox, graph_triples: set[Triple],
                    triple: Triple, asserted: set[Triple] | Callable[[Triple], bool]
                    ) -> ProofNode:
    """Explain ``triple`` recursively down to ``asserted`` triples, with the
    proof of minimal height (so no cycles), preferring fewer premises."""
    return _explainer(tbox, graph_triples).tree(triple, asserted)
