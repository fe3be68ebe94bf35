"""A fast OWL 2 RL forward-chaining engine specialised to one TBox: the public API.

The TBox (ontology graph) is closed first with the W3C ``scm-*`` rules
(:mod:`kg.reason.tbox`); the rules of :mod:`kg.reason.rules`, each defined
once as premises and a conclusion, are instantiated for it and evaluated
forward (:mod:`kg.reason.forward`) for the closure and backward
(:mod:`kg.reason.backward`) for ``kg explain``.

The rules (W3C OWL 2 RL rule-table names, section 4.3 of
https://www.w3.org/TR/owl2-profiles/#OWL_2_RL) are those that can fire on an
ontology the profile kg accepts (``tools/owl2rl_profile.py``) admits:
:data:`ABOX_RULES`, the consistency checks :data:`CHECK_RULES` and the TBox
closure :data:`SCHEMA_RULES`.  dt-type2 types only literals of the datatypes
the TBox uses as a class in a rule body.  What the profile refuses
(owl:hasKey, owl:oneOf, owl:differentFrom, owl:AllDifferent,
owl:AllDisjointProperties, negative property assertions) has no rule here
and raises :class:`UnsupportedAxiom`; ``--reasoner owlrl`` handles it.

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
* not matched: owlrl's dt-not-type (an ill-typed literal such as
  ``"x"^^xsd:integer``) is not checked here.

Public API: :func:`infer`, :func:`compile_tbox`, :class:`Inconsistency`,
:func:`check`, :func:`user_visible`, :func:`tbox_terms`, :func:`derivations`,
:func:`derivation_tree`, :class:`Explainer`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.gcpause import paused_gc
from kg.reason import rules
from kg.reason.backward import Derivation, Explainer, ProofNode
from kg.reason.backward import short as _short
from kg.reason.forward import EMPTY_DICT, Engine, GrowthLimit, holds, objects
from kg.reason.rules import SAME, TYPE, Triple, UnsupportedAxiom
from kg.reason.tbox import (
    _INDIVIDUAL_SLOTS,
    _OWLRL_ERR,
    NOISE_TYPES,
    RESERVED_NAMESPACES,
    TBox,
    _is_schema_triple,
    compile_tbox,
    tbox_terms,
)

__all__ = [
    "Clash", "Derivation", "Engine", "Explainer", "GrowthLimit", "Inconsistency", "ProofNode",
    "SUPPORTED_RULES", "TBox", "UnsupportedAxiom", "check", "compile_tbox",
    "derivation_tree", "derivations", "extend", "infer", "intermediate", "tbox_terms",
    "user_visible",
]

ABOX_RULES = rules.RULE_NAMES
CHECK_RULES = rules.CHECK_NAMES
SCHEMA_RULES = (
    "cls-thing", "cls-nothing1", "scm-cls", "scm-sco", "scm-eqc1", "scm-eqc2",
    "scm-op", "scm-dp", "scm-spo", "scm-eqp1", "scm-eqp2", "scm-dom1", "scm-dom2",
    "scm-rng1", "scm-rng2", "scm-hv", "scm-svf1", "scm-svf2", "scm-avf1",
    "scm-avf2", "scm-int", "scm-uni",
)
SUPPORTED_RULES = ABOX_RULES + CHECK_RULES + SCHEMA_RULES


# --------------------------------------------------------------------------- errors


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


# --------------------------------------------------------------------------- filter


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


def _closure(tbox: Graph | Iterable[Triple] | TBox, abox: Graph | Iterable[Triple],
             budget: int | None = None) -> tuple[Engine, list[tuple[int, int, int]], int]:
    tb, abox_list = _split(tbox, abox)
    eng = Engine(tb, rules.instances(tb))
    derived, n_loaded = _load_and_run(eng, itertools.chain(tb.asserted, abox_list), budget)
    return eng, derived, n_loaded


def _load_and_run(eng: Engine, triples: Iterable[Triple], budget: int | None
                  ) -> tuple[list[tuple[int, int, int]], int]:
    """Load ``triples`` into the engine and run to fixpoint: (the derived facts, how
    many facts were new)."""
    facts = eng.load(triples)
    _refuse(eng)
    n_loaded = len(facts)
    agenda = facts
    # dt-type2 conclusions are derived facts seeded on the agenda
    derived_seed = eng.load(eng.dt_facts())
    if derived_seed:
        agenda = facts + derived_seed
    derived = derived_seed + eng.run(agenda, budget)
    _no_schema_conclusions(eng, derived)
    return derived, n_loaded


def _no_schema_conclusions(eng: Engine, derived: list[tuple[int, int, int]]) -> None:
    """:class:`UnsupportedAxiom` when the ABox closure concluded a schema triple."""
    T = eng.terms
    S_same = any(s != o for s, os_ in eng.S.get(eng.same, {}).items() for o in objects(os_))
    for s, p, o in derived:
        t = (T[s], T[p], T[o])
        if _is_schema_triple(t) and not isinstance(t[0], Literal) and not (
                t[1] in _INDIVIDUAL_SLOTS and S_same):
            # (an individual slot copied by eq-rep-* is redundant: eq-rep on the
            # ABox facts already yields what the copied axiom would)
            raise UnsupportedAxiom(
                f"the ABox closure derived the schema triple {t}; "
                "a TBox that changes at run time is not supported")


def _refuse(eng: Engine) -> None:
    """A construct outside the profile (see kg.reason.rules) in the input."""
    ids, S = eng.ids, eng.S
    for p, what in rules.REFUSED_PREDICATES.items():
        if S.get(ids.get(p, -1)):
            raise UnsupportedAxiom(f"{what} is outside the OWL 2 RL profile kg accepts")
    for c, what in rules.REFUSED_TYPES.items():
        if eng.O.get(eng.type, {}).get(ids.get(c, -1)):
            raise UnsupportedAxiom(f"{what} is outside the OWL 2 RL profile kg accepts")


def check(tbox: Graph | Iterable[Triple] | TBox, abox: Graph | Iterable[Triple]) -> list[Clash]:
    """Every clash of the closure (empty when consistent)."""
    with paused_gc():
        return clashes(_closure(tbox, abox)[0])


def infer(tbox: Graph | Iterable[Triple] | TBox, abox: Graph | Iterable[Triple], *,
          visible_only: bool = True, raise_on_clash: bool = True,
          budget: int | None = None, hidden: set | None = None,
          keep: list | None = None) -> set[Triple]:
    """The new triples of the OWL 2 RL closure of ``tbox`` + ``abox``.

    Returns rdflib triples not in the input.  With ``visible_only`` (default)
    only the triples :func:`user_visible` accepts; otherwise also the
    generalised-RDF intermediate facts (literal subjects, ``owl:Thing`` types,
    facts about schema terms).  Raises :class:`Inconsistency` listing every
    clash unless ``raise_on_clash`` is false, and :class:`GrowthLimit` when more
    than ``budget`` facts are derived. With ``keep`` (a list), the engine, holding
    the whole closure, is appended to it (see :func:`extend`).
    """
    with paused_gc():
        return _infer(tbox, abox, visible_only, raise_on_clash, budget, hidden, keep)


def extend(eng: Engine, abox: Iterable[Triple], *, budget: int | None = None,
           hidden: set | None = None) -> set[Triple]:
    """More ABox triples for an engine that holds a closure (kept by :func:`infer`):
    the user-visible triples they add to it, computed semi-naively from the new facts
    only. The same checks as :func:`infer`: every clash of the whole closure raises
    :class:`Inconsistency`."""
    with paused_gc():
        derived, _n = _load_and_run(eng, abox, budget)
        return _results(eng, derived, True, True, hidden)


def revise(eng: Engine, removed: Iterable[Triple], added: Iterable[Triple],
           still_base: Callable[[Triple], bool], *, budget: int | None = None,
           hidden: set | None = None) -> tuple[set[Triple], set[Triple]] | None:
    """Change the ABox of an engine that holds a closure (kept by :func:`infer`) by
    DRed (Gupta, Mumick and Subrahmanian, 1993), without computing the closure again.

    ``removed`` are triples that leave the input (every one loaded before), ``added``
    triples that join it; ``still_base(t)`` says whether a triple is still in the input
    (the ontology's triples always are). Over-delete what ``removed`` derives, take it
    out, load back what is still input, then run semi-naively from ``added`` and from
    every stored fact about a subject of what was taken out (each rule's conclusion has
    its subject in a premise's subject or object, so every fact that still has a
    derivation is concluded again). Returns the user-visible triples that left the
    closure (``removed`` ones among them) and those that the rules concluded anew or
    again (not the ``added`` triples themselves), after the clash check of
    :func:`infer`; ``hidden`` gets every
    intermediate membership of the closure now. None, with the engine untouched, when
    DRed does not apply here (equality active, datatypes as classes in rule bodies):
    compute the closure again.
    """
    if eng._eqf[0] or eng.dt_body:
        return None
    with paused_gc():
        dead = [f for f in map(eng.stored, removed) if f is not None]
        out = eng.overdelete(dead)
        eng.retract(out)
        T, schema = eng.terms, eng.tb.asserted
        back = [t for t in ((T[s], T[p], T[o]) for s, p, o in out)
                if t in schema or still_base(t)]
        facts = eng.load(itertools.chain(added, back))
        _refuse(eng)
        derived = eng.run(facts + eng.touching({s for s, _p, _o in out}), budget)
        _no_schema_conclusions(eng, derived)
        S = eng.S
        left = {f for f in out if not holds(S.get(f[1], EMPTY_DICT).get(f[0]), f[2])}
        now = _results(eng, derived + [f for f in out if f not in left], True, True, None)
        gone = _results(eng, list(left), True, False, None)
        if hidden is not None:
            hidden.update(memberships(eng))
        return gone, now


def memberships(eng: Engine) -> set[Triple]:
    """Every intermediate membership (see :func:`intermediate`) the engine holds."""
    T, terms = eng.terms, eng.tb.terms
    subs = eng.O.get(eng.type, {})
    return intermediate(((T[s], TYPE, T[o]) for o in subs
                         if type(T[o]) is BNode and T[o] in terms for s in subs[o]), terms)


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
           hidden: set | None = None, keep: list | None = None) -> set[Triple]:
    eng, derived, _n = _closure(tbox, abox, budget)
    if keep is not None:
        keep.append(eng)
    return _results(eng, derived, visible_only, raise_on_clash, hidden)


def _results(eng: Engine, derived: list[tuple[int, int, int]], visible_only: bool,
             raise_on_clash: bool, hidden: set | None) -> set[Triple]:
    """The derived facts as triples (the user-visible ones), after the clash check."""
    if raise_on_clash:
        cl = clashes(eng)
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




def clashes(eng: Engine) -> list[Clash]:
    """Every violated consistency check (rules.CHECKS) in the engine's store."""
    out: list[Clash] = []
    T = eng.terms
    for inst in rules.checks(eng.tb):
        for env in eng.matches(inst):
            if inst.ordered and env[0] > env[1]:
                continue
            out.append(Clash(inst.rule, inst.schema, tuple(
                T[env[x]] if rules.is_var(x) else x for x in inst.resources)))
    return out


# --------------------------------------------------------------------------- explanation


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
