"""The forward closure: the rule instances of :mod:`kg.reason.rules`, compiled to
integer ids and evaluated with a semi-naive worklist.

Every fact is processed exactly once, joined against the facts stored so far
(per-predicate ``s -> {o}`` and ``o -> {s}`` indexes), and each new conclusion
is stored and queued.  An instance with several premises fires when any of its
premises is processed and the others are stored, so the fixpoint is the least
model of the instances.  Instances with one premise (most of them) are grouped
by the shape of their conclusion so that the loop stays a few dictionary
look-ups per fact; the others go through one generic join.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.term import Node

from kg.reason.rules import (
    SAME,
    THING,
    TYPE,
    Instance,
    Triple,
    UnsupportedAxiom,
    is_var,
    join_order,
    literal_types,
)

Fact = tuple[int, int, int]
EMPTY: frozenset[int] = frozenset()
EMPTY_DICT: dict = {}


# The subject index S maps a predicate to {subject: its objects}. One object is stored
# bare (an int), two or more as a set: a set per (predicate, subject) was half the
# engine's memory (216 bytes each; 490 MB of the closure at 10,000 articles).

def objects(stored) -> Collection[int]:
    """The objects an entry of the subject index holds (``None``: none)."""
    if stored is None:
        return EMPTY
    return (stored,) if type(stored) is int else stored


def holds(stored, o: int) -> bool:
    """Whether an entry of the subject index (or ``None``) holds the object ``o``."""
    if type(stored) is int:
        return stored == o
    return stored is not None and o in stored


class GrowthLimit(RuntimeError):
    """The closure derived more facts than its budget allowed."""

    def __init__(self, derived: int, budget: int):
        super().__init__(f"the closure grew past {budget} derived facts")
        self.derived = derived
        self.budget = budget


# what a one-premise instance concludes from a fact (s, p, o): (s hp c), (o hp c),
# (s hp o), (o hp s); else a join with the other premises
S_CONST, O_CONST, COPY, SWAP, JOIN = range(5)


def _ignore(fact: Fact) -> None:
    pass


def _new_trigger() -> list[list]:
    return [[], [], [], [], []]


def _compact(trigger: list[list]) -> tuple[tuple[int, tuple], ...] | None:
    return tuple((shape, tuple(a)) for shape, a in enumerate(trigger) if a) or None


class _Join:
    """One premise of a multi-premise instance, seen from the fact that matched it:
    the variables that fact binds, the other premises in join order, the head
    (patterns as ids, variable k as -k-1)."""

    __slots__ = ("nvars", "bind", "steps", "head")

    def __init__(self, inst: Instance, body: tuple, i: int, head: tuple):
        self.nvars = len({x for pat in inst.body for x in pat if is_var(x)})
        self.bind = tuple((pos, x) for pos, x in enumerate(inst.body[i]) if is_var(x))
        bound = {x for x in inst.body[i] if is_var(x)}
        self.steps = tuple(body[j] for j in join_order(inst.body, i, bound))
        self.head = head


class Engine:
    """Integer-encoded fact store plus the compiled instances of one TBox."""

    def __init__(self, tbox, instances: Iterable[Instance]):
        self.tb = tbox
        self._uri_ids: dict[str, int] = {}
        self._lit_ids: dict[tuple, int] = {}
        self.S: dict[int, dict[int, int | set[int]]] = {}  # see objects()
        self.O: dict[int, dict[int, set[int]]] = {}
        self._eqf = [False]   # equality active: every predicate gets an object index
        # the compiled triggers depend on the TBox only: compiled once per TBox
        # object, each engine starting from the same term ids
        plan = tbox.__dict__.get("_forward_plan")
        if plan is None:
            self.ids, self.terms = {}, []
            self.type, self.same, self.thing = self.enc(TYPE), self.enc(SAME), self.enc(THING)
            self._compile([i for i in instances if i.forward])
            plan = tbox.__dict__["_forward_plan"] = (
                dict(self.ids), list(self.terms), self.P, self.wild, self.need_o, self.dt_body)
        ids, terms, self.P, self.wild, self.need_o, self.dt_body = plan
        self.ids, self.terms = dict(ids), list(terms)
        self.type, self.same, self.thing = 0, 1, 2

    def enc(self, t: Node) -> int:
        i = self.ids.get(t)
        if i is None:
            i = self.ids[t] = len(self.terms)
            self.terms.append(t)
        return i

    def pattern(self, pat: tuple) -> tuple[int, ...]:
        """A pattern with constants as ids (>= 0) and variable k as -k-1."""
        return tuple(-x - 1 if isinstance(x, int) else self.enc(x) for x in pat)

    # -- compilation -----------------------------------------------------

    def _compile(self, instances: list[Instance]) -> None:
        # by predicate (premise with a variable object), by predicate and object,
        # and for premises whose predicate is a variable (the equality rules)
        self.by_p: dict[int, list] = {}
        self.by_po: dict[int, dict[int, list]] = {}
        self.wild: list = []
        need_o = {self.type, self.same}
        body_classes: set[Node] = set()
        for inst in instances:
            body = tuple(self.pattern(p) for p in inst.body)
            head = self.pattern(inst.head)
            body_classes.update(p[2] for p in inst.body if p[1] == TYPE and not isinstance(
                p[2], int))
            for i, pat in enumerate(body):
                kind, action = self._action(inst, body, i, head)
                self._trigger(pat, kind, action)
                if kind == JOIN:
                    need_o |= _object_lookups(action.steps, inst.body[i])
        for p, by_o in self.by_po.items():  # a fact (p, o) fires both kinds
            for trig in by_o.values():
                for kind, more in enumerate(self.by_p.get(p, ())):
                    trig[kind][:0] = more
        # per predicate: the triggers of any object, and those of given objects,
        # each as its non-empty (shape, actions) pairs
        by_p = {p: _compact(t) for p, t in self.by_p.items()}
        by_po = {p: {o: _compact(t) for o, t in d.items()} for p, d in self.by_po.items()}
        self.P = {p: (by_p.get(p), by_po.get(p)) for p in {*by_p, *by_po}}
        self.need_o = need_o
        # dt-type2 is needed only for datatypes used as a class in a rule body
        self.dt_body = {t for t in body_classes if isinstance(t, URIRef) and (
            str(t).startswith(str(XSD)) or t in (RDFS.Literal, RDF.PlainLiteral, RDF.XMLLiteral))}

    def _trigger(self, pat: tuple[int, ...], kind: int, action: object) -> None:
        _s, p, o = pat
        if p < 0:
            self.wild.append(action)
            return
        if o >= 0:
            trig = self.by_po.setdefault(p, {}).get(o)
            if trig is None:
                trig = self.by_po[p][o] = _new_trigger()
        else:
            trig = self.by_p.get(p)
            if trig is None:
                trig = self.by_p[p] = _new_trigger()
        trig[kind].append(action)

    def _action(self, inst: Instance, body: tuple, i: int, head: tuple[int, ...]
                ) -> tuple[int, object]:
        """What a fact matching premise ``i`` does, by the shape of the conclusion of
        a one-premise instance (the fact's subject and/or object, constants), else
        a join with the other premises."""
        s, p, o = body[i]
        if len(body) == 1 and s < 0 and p >= 0 and s != o:
            slot = {s: -1, o: -2}
            hs, hp, ho = (slot.get(x, x) if x < 0 else x for x in head)
            shape = {(-1, True): S_CONST, (-2, True): O_CONST}.get((hs, ho >= 0))
            if hp >= 0 and shape is not None:
                return shape, (hp, ho)
            if hp >= 0 and (hs, ho) in ((-1, -2), (-2, -1)):
                return (COPY if hs == -1 else SWAP), hp
        return JOIN, _Join(inst, body, i, head)

    # -- loading ---------------------------------------------------------

    def load(self, triples: Iterable[Triple]) -> list[Fact]:
        """Insert asserted facts; return the ones that were new."""
        out: list[Fact] = []
        lits: set[Literal] = set()
        # rdflib terms hash in Python; IRIs are looked up by their plain string
        # (a C-level hash) and only the other terms go through self.enc
        uri_ids, lit_ids, enc, plain = self._uri_ids, self._lit_ids, self.enc, str.__str__
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

        add, _ = self._adder(out.append, _ignore)
        for s, p, o in triples:
            if type(p) is not Literal:
                add(fenc(s), fenc(p), fenc(o))
        self._lits = lits
        return out

    def stored(self, t: Triple) -> Fact | None:
        """The stored fact of a triple (None when it is not stored)."""
        s, p, o = (self.ids.get(x) for x in t)  # every term the engine has is in ids
        if s is None or p is None or o is None:
            return None
        return (s, p, o) if holds(self.S.get(p, EMPTY_DICT).get(s), o) else None

    def dt_facts(self) -> list[Triple]:
        """dt-type2 facts ``"v"^^D rdf:type D'`` for body datatypes D'."""
        if not self.dt_body or not self._lits:
            return []
        return [(lit, TYPE, d) for lit in self._lits for d in literal_types(lit)
                if d in self.dt_body]

    # -- the fixpoint ----------------------------------------------------

    def _adder(self, push: Callable, rec: Callable) -> tuple[Callable, Callable]:
        """``add`` stores and queues a new fact; ``add_checked`` first refuses
        ``x owl:sameAs x`` and notes a new owl:sameAs (joins may conclude one; a
        one-premise instance concludes owl:sameAs only by eq-sym, already noted)."""
        S, O, need_o, eqf, same = self.S, self.O, self.need_o, self._eqf, self.same  # noqa: E741

        def add(s: int, p: int, o: int) -> None:
            d = S.get(p)
            if d is None:
                d = S[p] = {}
                if p in need_o or eqf[0]:
                    O[p] = {}
            os_ = d.get(s)
            if os_ is None:
                d[s] = o
            elif type(os_) is int:
                if os_ == o:
                    return
                d[s] = {os_, o}
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
            fact = (s, p, o)
            push(fact)
            rec(fact)

        def add_checked(s: int, p: int, o: int) -> None:
            if p == same and (s == o or self._on_same(s, o)):
                return  # never x owl:sameAs x (eq-ref is not produced)
            add(s, p, o)

        return add, add_checked

    def run(self, agenda: list[Fact], budget: int | None = None) -> list[Fact]:
        """Process the agenda to fixpoint; return every newly derived fact.

        Raises :class:`GrowthLimit` when more than ``budget`` facts are derived.
        """
        limit = budget if budget is not None else -1
        derived: list[Fact] = []
        stack = list(agenda)
        stack.reverse()
        add, add_checked = self._adder(stack.append, derived.append)
        for p in (self.type, self.same):
            self.S.setdefault(p, {})
            self.O.setdefault(p, {})
        for s, os_ in self.S[self.same].items():  # asserted owl:sameAs
            for o in objects(os_):
                if s != o:
                    self._on_same(s, o)
        self._drain(stack, add, add_checked, derived, limit)
        return derived

    def _drain(self, stack: list[Fact], add: Callable, add_checked: Callable,
               derived: list[Fact], limit: int) -> None:
        """Fire every instance a fact of ``stack`` matches, joined with the stored facts,
        until the stack is empty; ``add`` gets each conclusion (and pushes what is new)."""
        pop = stack.pop
        P, wild, eqf, join = self.P, self.wild, self._eqf, self._join
        while stack:
            if limit >= 0 and len(derived) > limit:
                raise GrowthLimit(len(derived), limit)
            fact = pop()
            s, p, o = fact
            pt = P.get(p)
            if pt is not None:
                trig, by_o = pt
                if by_o is not None:
                    trig = by_o.get(o, trig)
            else:
                trig = None
            if trig is not None:
                for shape, actions in trig:
                    if shape == S_CONST:
                        for hp, ho in actions:
                            add(s, hp, ho)
                    elif shape == O_CONST:
                        for hp, ho in actions:
                            add(o, hp, ho)
                    elif shape == COPY:
                        for hp in actions:
                            add(s, hp, o)
                    elif shape == SWAP:
                        for hp in actions:
                            add(o, hp, s)
                    else:
                        for j in actions:
                            join(j, fact, add_checked)
            if eqf[0]:
                for j in wild:
                    join(j, fact, add_checked)

    # -- deletion (DRed) -------------------------------------------------

    def overdelete(self, facts: Iterable[Fact]) -> set[Fact]:
        """DRed's over-deletion: ``facts`` (stored ones) and every stored fact that some
        rule instance concludes from a premise among them, to fixpoint, the other premises
        joined with the whole store as it is (nothing is removed here). Not with equality
        active (the caller computes the closure again then)."""
        S = self.S
        gone: set[Fact] = set()
        stack: list[Fact] = []

        def mark(s: int, p: int, o: int) -> None:
            fact = (s, p, o)
            if fact not in gone and holds(S.get(p, EMPTY_DICT).get(s), o):
                gone.add(fact)
                stack.append(fact)

        for fact in facts:
            mark(*fact)
        self._drain(stack, mark, mark, [], -1)
        return gone

    def retract(self, facts: Iterable[Fact]) -> None:
        """Take stored facts out of both indexes."""
        S, O = self.S, self.O  # noqa: E741
        for s, p, o in facts:
            d = S[p]
            objs = d[s]
            if type(objs) is int:
                del d[s]  # its one object, o
            else:
                objs.discard(o)
                if len(objs) == 1:
                    d[s] = next(iter(objs))
            od = O.get(p)
            if od is not None:
                subs = od[o]
                subs.discard(s)
                if not subs:
                    del od[o]

    def touching(self, nodes: set[int]) -> list[Fact]:
        """Every stored fact whose subject or object is one of ``nodes``."""
        out: list[Fact] = []
        for p, d in self.S.items():
            for s, objs in d.items():
                if type(objs) is int:
                    if s in nodes or objs in nodes:
                        out.append((s, p, objs))
                elif s in nodes:
                    out.extend((s, p, o) for o in objs)
                else:
                    out.extend((s, p, o) for o in objs & nodes)
        return out

    def _join(self, j: _Join, fact: Fact, add: Callable) -> None:
        env: list = [None] * j.nvars
        for pos, v in j.bind:
            x = fact[pos]
            if env[v] is not None and env[v] != x:
                return
            env[v] = x
        steps = j.steps
        if len(steps) == 1 and steps[0][1] >= 0:  # two premises: one look-up, inline
            self._last(steps[0], env, j.head, add)
        else:
            self._solve(steps, 0, env, j.head, add)

    def _last(self, step: tuple, env: list, head: tuple, add: Callable) -> None:
        """The one remaining premise (a constant predicate) of a join: add the head
        for each stored fact that matches it."""
        vs, p, vo = step
        d = self.S.get(p)
        if not d:
            return
        s = env[-vs - 1] if vs < 0 else vs
        o = env[-vo - 1] if vo < 0 else vo
        if s is not None:
            objs = d.get(s)
            if objs is None or (o is not None and not holds(objs, o)):
                return
            found, slot = ((None,), None) if o is not None else (tuple(objects(objs)), -vo - 1)
        elif o is not None:
            found, slot = tuple(self.O[p].get(o, EMPTY)), -vs - 1
        else:
            self._solve((step,), 0, env, head, add)
            return
        hs, hp, ho = head
        for x in found:
            if slot is not None:
                env[slot] = x
            add(env[-hs - 1] if hs < 0 else hs, env[-hp - 1] if hp < 0 else hp,
                env[-ho - 1] if ho < 0 else ho)

    def _solve(self, steps: tuple, k: int, env: list, head: tuple | None,
               emit: Callable) -> None:
        """Bind the variables of ``steps[k:]`` to stored facts, by backtracking on
        ``env``; then ``emit`` the head (or, without one, a copy of ``env``)."""
        if k == len(steps):
            if head is None:
                emit(list(env))
                return
            hs, hp, ho = head
            emit(env[-hs - 1] if hs < 0 else hs, env[-hp - 1] if hp < 0 else hp,
                 env[-ho - 1] if ho < 0 else ho)
            return
        vs, vp, vo = steps[k]
        s = env[-vs - 1] if vs < 0 else vs
        p = env[-vp - 1] if vp < 0 else vp
        o = env[-vo - 1] if vo < 0 else vo
        if p is None:  # a variable predicate (equality rules): every predicate
            for q in tuple(self.S):
                env[-vp - 1] = q
                self._solve(steps, k, env, head, emit)
            env[-vp - 1] = None
            return
        d = self.S.get(p)
        if not d:
            return
        last = head is not None and k + 1 == len(steps)  # emit the head here
        hs, hp, ho = head if last else (0, 0, 0)
        for x, y in self._pairs(d, p, s, o, vs == vo):
            if s is None:
                env[-vs - 1] = x
            if o is None:
                env[-vo - 1] = y
            if last:
                emit(env[-hs - 1] if hs < 0 else hs, env[-hp - 1] if hp < 0 else hp,
                     env[-ho - 1] if ho < 0 else ho)
            else:
                self._solve(steps, k + 1, env, head, emit)
        if s is None:
            env[-vs - 1] = None
        if o is None:
            env[-vo - 1] = None

    def _pairs(self, d: dict, p: int, s: int | None, o: int | None, same_var: bool
               ) -> Iterable[tuple[int, int]]:
        """The stored (subject, object) pairs of predicate ``p`` matching s and o
        (None: any), copied so that the caller may add facts meanwhile."""
        if s is not None:
            objs = d.get(s)
            if o is not None:
                return ((s, o),) if holds(objs, o) else ()
            return tuple((s, x) for x in objects(objs))
        if o is not None:
            return tuple((x, o) for x in self.O[p].get(o, EMPTY))
        return tuple((x, y) for x, objs in d.items() for y in objects(objs)
                     if not same_var or x == y)

    def _activate_equality(self) -> None:
        """From the first owl:sameAs between distinct nodes on, every predicate
        needs its object index (eq-rep-o) and the equality rules apply."""
        self._eqf[0] = True
        S, O = self.S, self.O  # noqa: E741
        for p, d in S.items():
            if p in O:
                continue
            od: dict[int, set[int]] = {}
            for s, os_ in d.items():
                for o in objects(os_):
                    od.setdefault(o, set()).add(s)
            O[p] = od

    def _on_same(self, s: int, o: int) -> bool:
        """A new owl:sameAs: equality becomes active; never on a schema term."""
        if not self._eqf[0]:
            self._activate_equality()
        for i in (s, o):
            if self.terms[i] in self.tb.schema_terms:
                raise UnsupportedAxiom(
                    f"an owl:sameAs on the schema term {self.terms[i]} was derived; "
                    "the TBox would change at run time")
        return False

    # -- consistency -----------------------------------------------------

    def matches(self, inst: Instance) -> list[list]:
        """Every binding of the instance's body in the store (for the checks)."""
        body = tuple(self.pattern(p) for p in inst.body)
        nvars = len({x for pat in body for x in pat if x < 0})
        envs: list[list] = []
        self._solve(body, 0, [None] * nvars, None, envs.append)
        return sorted(envs)


def _object_lookups(steps: tuple, first: tuple) -> set[int]:
    """The constant predicates a join looks up by object (they need an o -> s index)."""
    bound = {-x - 1 for x in first if is_var(x)}
    out = set()
    for s, p, o in steps:
        if p >= 0 and (o >= 0 or o in bound) and not (s >= 0 or s in bound):
            out.add(p)
        bound |= {x for x in (s, p, o) if x < 0}
    return out


# -- the fact store as plain data, for an incremental build ----------------------------------

def engine_state(eng: Engine, encode: Callable[[Node], object]) -> dict:
    """The engine's fact store and compiled plan as plain data (ints, strings, tuples):
    the term table through ``encode`` (a term -> plain value), the per-predicate
    indexes, the equality flag and the compiled triggers. The rules' plan refers to
    terms by id, so it is kept with the table rather than recompiled (a recompiled
    plan numbers the terms in another order)."""
    return {"terms": [encode(t) for t in eng.terms], "S": eng.S, "O": eng.O,
            "eqf": eng._eqf[0], "plan": (eng.P, eng.wild, eng.need_o,
                                          [encode(t) for t in eng.dt_body])}


def restore_engine(tbox, state: dict, decode: Callable[[object], Node]) -> Engine:
    """The engine :func:`engine_state` saved, over ``tbox`` (compiled from the same
    ontology), ready to ``load`` and ``run`` more facts."""
    eng = Engine.__new__(Engine)
    eng.tb = tbox
    eng.terms = [decode(x) for x in state["terms"]]
    eng.ids = {t: i for i, t in enumerate(eng.terms)}
    eng._uri_ids = {str.__str__(t): i for i, t in enumerate(eng.terms) if type(t) is URIRef}
    eng._lit_ids = {(str.__str__(t), str.__str__(t.datatype) if t.datatype is not None else None,
                     t.language): i for i, t in enumerate(eng.terms) if type(t) is Literal}
    eng.S, eng.O, eng._eqf = state["S"], state["O"], [state["eqf"]]
    eng.P, eng.wild, eng.need_o, dt_body = state["plan"]
    eng.dt_body = {decode(x) for x in dt_body}
    eng.type, eng.same, eng.thing = eng.ids[TYPE], eng.ids[SAME], eng.ids[THING]
    eng._lits = set()
    return eng
