"""The OWL 2 RL rules kg's engine applies, each defined once, as data.

A rule (W3C name, section 4.3 of https://www.w3.org/TR/owl2-profiles/#OWL_2_RL)
is turned, for one closed TBox, into *instances*: the schema triples it
matches, its ABox premises (``body``) and its conclusion (``head``), as triple
patterns whose variables are small ints.  The forward closure
(:mod:`kg.reason.forward`) and the explanation (:mod:`kg.reason.backward`) both
read these instances: the first joins the body to derive the head, the second
unifies the head with a triple and looks the body up in the graph.

Only the rules that can fire on an ontology the OWL 2 RL profile check admits
(``tools/owl2rl_profile.py``) are here; an input using a construct it refuses
(``owl:hasKey``, ``owl:oneOf``, ``owl:differentFrom``, ``owl:AllDifferent``,
negative property assertions, ``owl:AllDisjointProperties``) raises
:class:`UnsupportedAxiom` (owlrl, ``--reasoner owlrl``, still handles them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rdflib import Literal
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

Triple = tuple[Node, Node, Node]
Pattern = tuple  # (s, p, o): each an rdflib term or an int (a variable)

TYPE = RDF.type
SUB_C = RDFS.subClassOf
SUB_P = RDFS.subPropertyOf
EQ_C = OWL.equivalentClass
EQ_P = OWL.equivalentProperty
SAME = OWL.sameAs
THING = OWL.Thing
NOTHING = OWL.Nothing


class UnsupportedAxiom(ValueError):
    """The TBox (or a conclusion) needs something this engine does not do."""


@dataclass(frozen=True)
class Instance:
    """One rule applied to one schema axiom: ``body`` implies ``head``.

    ``forward`` is False for an instance whose conclusion the TBox closure already
    yields through another rule (cls-int2 and cls-uni, by scm-int / scm-uni and
    cax-sco): the explanation shows it, the closure need not compute it twice.
    ``resources`` (consistency checks only) names what a clash reports.
    """

    rule: str
    schema: tuple[Triple, ...]
    body: tuple[Pattern, ...]
    head: Pattern | None = None
    forward: bool = True
    resources: tuple = ()
    ordered: bool = False   # a check reports a symmetric match once (variable 0 <= 1)


# --------------------------------------------------------------------------- TBox look-ups


def _on(tb, pred: Node) -> Iterable[tuple[Node, Node, Node]]:
    """(restriction, property, value of ``pred``) for the restrictions of the TBox."""
    for r, p in tb.idx.pairs(OWL.onProperty):
        for v in tb.idx.objs(r, pred):
            yield r, p, v


def _lists(tb, pred: Node) -> Iterable[tuple[Node, tuple[Node, ...]]]:
    for c, lst in tb.idx.pairs(pred):
        yield c, tuple(tb.idx.items(lst))


def _max_cardinalities(tb) -> Iterable[tuple[Node, Node, int, Node | None]]:
    """(restriction, property, n, onClass or None when unqualified)."""
    for r, p, n in _on(tb, OWL.maxCardinality):
        yield r, p, _int(n), None
    for r, p, n in _on(tb, OWL.maxQualifiedCardinality):
        for oc in tb.idx.objs(r, OWL.onClass) or {THING}:
            yield r, p, _int(n), oc


def _int(n: Node) -> int:
    try:
        return int(n.toPython()) if isinstance(n, Literal) else -1
    except (TypeError, ValueError):
        return -1


# --------------------------------------------------------------------------- rules


def _cax(tb) -> Iterable[Instance]:
    """cax-sco, cax-eqc1, cax-eqc2: one instance per (sub, super) pair of the
    closed TBox, named after the asserted axiom that yields it."""
    for c1, sups in tb.sup_c.items():
        for c in sups:
            if (c1, EQ_C, c) in tb.asserted or (
                    tb.has((c1, EQ_C, c)) and (c, EQ_C, c1) not in tb.asserted):
                rule, ax = "cax-eqc1", (c1, EQ_C, c)
            elif tb.has((c, EQ_C, c1)):
                rule, ax = "cax-eqc2", (c, EQ_C, c1)
            else:
                rule, ax = "cax-sco", (c1, SUB_C, c)
            yield Instance(rule, (ax,), ((0, TYPE, c1),), (0, TYPE, c))


def _dom(tb) -> Iterable[Instance]:
    for p, cs in tb.dom.items():
        for c in cs:
            yield Instance("prp-dom", ((p, RDFS.domain, c),), ((0, p, 1),), (0, TYPE, c))


def _rng(tb) -> Iterable[Instance]:
    for p, cs in tb.rng.items():
        for c in cs:
            yield Instance("prp-rng", ((p, RDFS.range, c),), ((0, p, 1),), (1, TYPE, c))


def _ints(tb) -> Iterable[Instance]:
    for x, members in _lists(tb, OWL.intersectionOf):
        ax = ((x, OWL.intersectionOf, tb.idx.one(x, OWL.intersectionOf)),)
        if members:
            yield Instance("cls-int1", ax, tuple((0, TYPE, m) for m in members), (0, TYPE, x))
        for m in dict.fromkeys(members):
            if m != x:
                yield Instance("cls-int2", ax, ((0, TYPE, x),), (0, TYPE, m), forward=False)


def _uni(tb) -> Iterable[Instance]:
    for u, members in _lists(tb, OWL.unionOf):
        ax = ((u, OWL.unionOf, tb.idx.one(u, OWL.unionOf)),)
        for m in dict.fromkeys(members):
            if m != u:
                yield Instance("cls-uni", ax, ((0, TYPE, m),), (0, TYPE, u), forward=False)


def _svf(tb) -> Iterable[Instance]:
    for r, q, y in _on(tb, OWL.someValuesFrom):
        sch = ((r, OWL.someValuesFrom, y), (r, OWL.onProperty, q))
        if y == THING:
            yield Instance("cls-svf2", sch, ((0, q, 1),), (0, TYPE, r))
        else:
            yield Instance("cls-svf1", sch, ((0, q, 1), (1, TYPE, y)), (0, TYPE, r))


def _avf(tb) -> Iterable[Instance]:
    for r, q, y in _on(tb, OWL.allValuesFrom):
        sch = ((r, OWL.allValuesFrom, y), (r, OWL.onProperty, q))
        yield Instance("cls-avf", sch, ((0, TYPE, r), (0, q, 1)), (1, TYPE, y))


def _hv2(tb) -> Iterable[Instance]:
    for r, q, v in _on(tb, OWL.hasValue):
        sch = ((r, OWL.hasValue, v), (r, OWL.onProperty, q))
        yield Instance("cls-hv2", sch, ((0, q, v),), (0, TYPE, r))


def _hv1(tb) -> Iterable[Instance]:
    for r, q, v in _on(tb, OWL.hasValue):
        sch = ((r, OWL.hasValue, v), (r, OWL.onProperty, q))
        yield Instance("cls-hv1", sch, ((0, TYPE, r),), (0, q, v))


def _spo(tb) -> Iterable[Instance]:
    """prp-spo1, prp-eqp1, prp-eqp2 (as cax-* for classes)."""
    for q, sups in tb.sup_p.items():
        for p in sups:
            if (q, EQ_P, p) in tb.asserted or (
                    tb.has((q, EQ_P, p)) and (p, EQ_P, q) not in tb.asserted):
                rule, ax = "prp-eqp1", (q, EQ_P, p)
            elif tb.has((p, EQ_P, q)):
                rule, ax = "prp-eqp2", (p, EQ_P, q)
            else:
                rule, ax = "prp-spo1", (q, SUB_P, p)
            yield Instance(rule, (ax,), ((0, q, 1),), (0, p, 1))


def _inv(tb) -> Iterable[Instance]:
    for p1, p2 in tb.idx.pairs(OWL.inverseOf):
        ax = ((p1, OWL.inverseOf, p2),)
        yield Instance("prp-inv1", ax, ((0, p1, 1),), (1, p2, 0))
        yield Instance("prp-inv2", ax, ((0, p2, 1),), (1, p1, 0))


def _symp(tb) -> Iterable[Instance]:
    for p in tb.typed(OWL.SymmetricProperty):
        yield Instance("prp-symp", ((p, TYPE, OWL.SymmetricProperty),), ((0, p, 1),), (1, p, 0))


def _trp(tb) -> Iterable[Instance]:
    for p in tb.trp:
        yield Instance("prp-trp", ((p, TYPE, OWL.TransitiveProperty),),
                       ((0, p, 1), (1, p, 2)), (0, p, 2))


def _chains(tb) -> Iterable[Instance]:
    for p, lst in tb.idx.pairs(OWL.propertyChainAxiom):
        ch = tb.idx.items(lst)
        if not ch:
            continue
        body = tuple((i, q, i + 1) for i, q in enumerate(ch))
        yield Instance("prp-spo2", ((p, OWL.propertyChainAxiom, lst),), body, (0, p, len(ch)))


def _fp(tb) -> Iterable[Instance]:
    for p in tb.typed(OWL.FunctionalProperty):
        yield Instance("prp-fp", ((p, TYPE, OWL.FunctionalProperty),),
                       ((0, p, 1), (0, p, 2)), (1, SAME, 2))
    for p in tb.typed(OWL.InverseFunctionalProperty):
        yield Instance("prp-ifp", ((p, TYPE, OWL.InverseFunctionalProperty),),
                       ((1, p, 0), (2, p, 0)), (1, SAME, 2))


def _maxc(tb) -> Iterable[Instance]:
    """cls-maxc2, cls-maxqc3, cls-maxqc4: a max cardinality of 1 merges the values."""
    for r, p, n, oc in _max_cardinalities(tb):
        if n != 1:
            continue
        body = ((0, TYPE, r), (0, p, 1), (0, p, 2))
        if oc is None:
            rule, sch = "cls-maxc2", ((r, OWL.maxCardinality, Literal(1)), (r, OWL.onProperty, p))
        else:
            rule = "cls-maxqc4" if oc == THING else "cls-maxqc3"
            sch = ((r, OWL.maxQualifiedCardinality, Literal(1)), (r, OWL.onProperty, p),
                   (r, OWL.onClass, oc))
            if oc != THING:
                body += ((1, TYPE, oc), (2, TYPE, oc))
        yield Instance(rule, tuple(t for t in sch if tb.has(t)), body, (1, SAME, 2))


def _eq(tb) -> Iterable[Instance]:
    """eq-sym, eq-trans, eq-rep-s/p/o: what a derived owl:sameAs implies (prp-fp,
    prp-ifp and the max-cardinality rules derive it)."""
    yield Instance("eq-sym", (), ((0, SAME, 1),), (1, SAME, 0))
    yield Instance("eq-trans", (), ((0, SAME, 1), (1, SAME, 2)), (0, SAME, 2))
    yield Instance("eq-rep-s", (), ((0, SAME, 1), (0, 2, 3)), (1, 2, 3))
    yield Instance("eq-rep-p", (), ((0, SAME, 1), (2, 0, 3)), (2, 1, 3))
    yield Instance("eq-rep-o", (), ((0, SAME, 1), (2, 3, 0)), (2, 3, 1))


#: The ABox rules, in the order an explanation lists them.
RULES: tuple[tuple[tuple[str, ...], Callable[..., Iterable[Instance]]], ...] = (
    (("cax-sco", "cax-eqc1", "cax-eqc2"), _cax),
    (("prp-dom",), _dom),
    (("prp-rng",), _rng),
    (("cls-int1", "cls-int2"), _ints),
    (("cls-uni",), _uni),
    (("cls-svf1", "cls-svf2"), _svf),
    (("cls-avf",), _avf),
    (("cls-hv2",), _hv2),
    (("prp-spo1", "prp-eqp1", "prp-eqp2"), _spo),
    (("prp-inv1", "prp-inv2"), _inv),
    (("prp-symp",), _symp),
    (("prp-trp",), _trp),
    (("prp-spo2",), _chains),
    (("cls-hv1",), _hv1),
    (("prp-fp", "prp-ifp"), _fp),
    (("cls-maxc2", "cls-maxqc3", "cls-maxqc4"), _maxc),
    (("eq-sym", "eq-trans", "eq-rep-s", "eq-rep-p", "eq-rep-o"), _eq),
)


def _order_key(i: Instance) -> tuple:
    return (tuple(str(x) for pat in i.body + (i.head,) for x in pat), i.rule)


def instances(tb) -> list[Instance]:
    """Every rule instance of the closed TBox ``tb``, in explanation order: by
    rule, then by the terms of its premises and conclusion (computed once per TBox)."""
    memo = tb.__dict__.get("_rule_instances")
    if memo is None:
        memo = tb.__dict__["_rule_instances"] = [
            i for _names, make in RULES for i in sorted(make(tb), key=_order_key)]
    return memo


def is_var(x: object) -> bool:
    return isinstance(x, int)


def _score(pat: Pattern, bound: set) -> int:
    """How selective a premise is once ``bound`` variables are known: a known
    subject first, then a known object (a class alone selects little)."""
    s, p, o = pat
    if is_var(p) and p not in bound:
        return -1  # a scan of every predicate: last
    s_known = not is_var(s) or s in bound
    o_known = not is_var(o) or o in bound
    class_scan = p == TYPE and not is_var(o)
    return 3 * s_known + 2 * (o_known and not class_scan) + o_known


def join_order(body: tuple[Pattern, ...], skip: int | None, bound: set) -> tuple[int, ...]:
    """The order in which to look up the premises (all but ``skip``) of ``body``
    given the ``bound`` variables: the most selective next, ties in body order.
    Both the closure and the explanation join in this order."""
    bound = set(bound)
    rest = [j for j in range(len(body)) if j != skip]
    out = []
    while rest:
        j = max(rest, key=lambda k: _score(body[k], bound))
        rest.remove(j)
        out.append(j)
        bound |= {x for x in body[j] if is_var(x)}
    return tuple(out)


# --------------------------------------------------------------------------- dt-type2


def literal_types(lit: Node) -> tuple[Node, ...]:
    """dt-type2: the OWL 2 RL datatypes a typed literal belongs to."""
    if not isinstance(lit, Literal) or lit.datatype is None:
        return ()
    from owlrl.XsdDatatypes import OWL_Datatype_Subsumptions, OWL_RL_Datatypes

    if lit.datatype not in OWL_RL_Datatypes:
        return ()
    return (lit.datatype, *OWL_Datatype_Subsumptions.get(lit.datatype, ()))


# --------------------------------------------------------------------------- checks


def _disjoint(tb) -> Iterable[Instance]:
    for c1, c2 in sorted(tb.idx.pairs(OWL.disjointWith), key=lambda t: (str(t[0]), str(t[1]))):
        yield Instance("cax-dw", tb.axiom((c1, OWL.disjointWith, c2))[0],
                       ((0, TYPE, c1), (0, TYPE, c2)), resources=(0,))
    for c1, c2 in tb.idx.pairs(OWL.complementOf):
        yield Instance("cls-com", tb.axiom((c1, OWL.complementOf, c2))[0],
                       ((0, TYPE, c1), (0, TYPE, c2)), resources=(0,))
    for x in tb.typed(OWL.AllDisjointClasses):
        members = [m for lst in tb.idx.objs(x, OWL.members) for m in tb.idx.items(lst)]
        ax = tuple(tb.idx.list_triples(x)) or ((x, TYPE, OWL.AllDisjointClasses),)
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                yield Instance("cax-adc", ax, ((0, TYPE, a), (0, TYPE, b)),
                               resources=(0, a, b))
    yield Instance("cls-nothing2", (), ((0, TYPE, NOTHING),), resources=(0,))


def _property_checks(tb) -> Iterable[Instance]:
    for p in tb.typed(OWL.IrreflexiveProperty):
        yield Instance("prp-irp", ((p, TYPE, OWL.IrreflexiveProperty),), ((0, p, 0),),
                       resources=(0, p))
    for p in tb.typed(OWL.AsymmetricProperty):  # each pair once (ordered)
        yield Instance("prp-asyp", ((p, TYPE, OWL.AsymmetricProperty),),
                       ((0, p, 1), (1, p, 0)), resources=(0, p, 1), ordered=True)
    for p1, p2 in tb.idx.pairs(OWL.propertyDisjointWith):
        yield Instance("prp-pdw", tb.axiom((p1, OWL.propertyDisjointWith, p2))[0],
                       ((0, p1, 1), (0, p2, 1)), resources=(0, 1))


def _cardinality_checks(tb) -> Iterable[Instance]:
    for r, p, n, oc in _max_cardinalities(tb):
        if n != 0:
            continue
        body = ((0, TYPE, r), (0, p, 1))
        if oc is None:
            yield Instance("cls-maxc1", ((r, OWL.maxCardinality, Literal(0)),
                                         (r, OWL.onProperty, p)), body, resources=(0, 1))
            continue
        ax = ((r, OWL.maxQualifiedCardinality, Literal(0)), (r, OWL.onProperty, p),
              (r, OWL.onClass, oc))
        if oc == THING:
            yield Instance("cls-maxqc2", ax, body, resources=(0, 1))
        else:
            yield Instance("cls-maxqc1", ax, body + ((1, TYPE, oc),), resources=(0, 1))


#: The consistency checks (rules whose head is ``false``).
CHECKS = (
    (("cax-dw", "cls-com", "cax-adc", "cls-nothing2"), _disjoint),
    (("prp-irp", "prp-asyp", "prp-pdw"), _property_checks),
    (("cls-maxc1", "cls-maxqc1", "cls-maxqc2"), _cardinality_checks),
)


def checks(tb) -> list[Instance]:
    return [i for _names, make in CHECKS for i in make(tb)]


# --------------------------------------------------------------------------- scope

#: What the profile check refuses and this engine therefore does not implement
#: (prp-key, cls-oo, eq-diff1/2/3, prp-npa1/2, prp-adp).
REFUSED_PREDICATES = {
    OWL.hasKey: "owl:hasKey (prp-key)", OWL.oneOf: "owl:oneOf (cls-oo)",
    OWL.differentFrom: "owl:differentFrom (eq-diff1)",
    OWL.distinctMembers: "owl:AllDifferent (eq-diff3)",
    OWL.sourceIndividual: "a negative property assertion (prp-npa1/2)",
}
REFUSED_TYPES = {
    OWL.AllDifferent: "owl:AllDifferent (eq-diff2)",
    OWL.AllDisjointProperties: "owl:AllDisjointProperties (prp-adp)",
    OWL.NegativePropertyAssertion: "a negative property assertion (prp-npa1/2)",
}


RULE_NAMES = tuple(n for names, _m in RULES for n in names) + ("dt-type2",)
CHECK_NAMES = tuple(n for names, _m in CHECKS for n in names)

