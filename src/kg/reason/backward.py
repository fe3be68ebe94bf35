"""The explanation: one backward step reads the same rule instances as the
closure (:mod:`kg.reason.rules`), unifying a conclusion with the triple asked
about and looking the premises up in the graph; proof trees repeat the step
down to asserted triples."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kg.reason.rules import (
    SAME,
    TYPE,
    Instance,
    Triple,
    instances,
    is_var,
    join_order,
    literal_types,
)
from kg.reason.tbox import compile_tbox


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


def short(t: Node) -> str:
    s = str(t)
    for sep in ("#", "/"):
        if isinstance(t, URIRef) and sep in s:
            return s.rsplit(sep, 1)[1] or s
    return t.n3() if isinstance(t, Literal | BNode) else s


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

    def __init__(self, tbox, graph_triples):
        self.tb = compile_tbox(tbox)
        # any object with ``all`` (membership), ``objs`` and ``subjs`` will do:
        # kg.insight.explain passes one that looks the triples up in the built store
        self.g = graph_triples if hasattr(graph_triples, "objs") else _GIndex(graph_triples)
        self.by_po: dict[tuple[Node, Node], list[tuple[int, Instance]]] = {}
        self.by_p: dict[Node, list[tuple[int, Instance]]] = {}
        self.wild: list[tuple[int, Instance]] = []
        for n, inst in enumerate(instances(self.tb)):
            _s, p, o = inst.head
            if is_var(p):
                self.wild.append((n, inst))
            elif is_var(o):
                self.by_p.setdefault(p, []).append((n, inst))
            else:
                self.by_po.setdefault((p, o), []).append((n, inst))
        self._memo: dict[tuple[Triple, int], bool] = {}

    def derivations(self, triple: Triple) -> list[Derivation]:
        """Every one-step rule instance concluding ``triple`` with premises in the graph."""
        s, p, o = triple
        cands = self.by_po.get((p, o), []) + self.by_p.get(p, [])
        if SAME in self.g.sp:
            cands += self.wild
        out: list[Derivation] = []
        for _n, inst in sorted(cands, key=lambda c: c[0]):
            env = _unify(inst.head, triple)
            if env is None:
                continue
            for premises in self._premises(inst, env):
                ax, via = self.tb.axiom(*inst.schema)
                out.append(Derivation(inst.rule, ax, premises, inst.schema, via))
        if p == TYPE and o in literal_types(s):
            out.append(Derivation("dt-type2", (), ()))
        return out

    def _premises(self, inst: Instance, env: dict) -> list[tuple[Triple, ...]]:
        """The groundings of the body in the graph (at most MAX_PER_RULE), each
        variable taken in the order of its terms' text."""
        envs = [env]
        for j in join_order(inst.body, None, set(env)):
            envs = [e for x in envs for e in self._extend(inst.body[j], x)]
            if not envs:
                return []
        envs = envs[: self.MAX_PER_RULE]
        return [tuple(tuple(e[x] if is_var(x) else x for x in pat) for pat in inst.body)
                for e in envs]

    def _extend(self, pat: tuple, env: dict) -> list[dict]:
        s, p, o = (env.get(x) if is_var(x) else x for x in pat)
        g = self.g
        if s is not None and o is not None:
            return [env] if (s, p, o) in g.all else []
        if s is not None:
            new, var = sorted(g.objs(s, p), key=str), pat[2]
        elif o is not None:
            new, var = sorted(g.subjs(p, o), key=str), pat[0]
        else:
            return []  # never: every rule body is connected to its head
        return [{**env, var: v} for v in new]

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


def _unify(head: tuple, triple: Triple) -> dict | None:
    env: dict = {}
    for x, v in zip(head, triple, strict=True):
        if not is_var(x):
            if x != v:
                return None
        elif env.setdefault(x, v) != v:
            return None
    return env


@dataclass(frozen=True)
class ProofNode:
    triple: Triple
    derivation: Derivation | None     # None for an asserted triple
    children: tuple[ProofNode, ...] = field(default=())
    unproved: bool = False

    def lines(self, indent: int = 0) -> list[str]:
        s, p, o = self.triple
        head = "  " * indent + f"{short(s)} {short(p)} {short(o)}"
        if self.unproved:
            return [head + "   [no proof from asserted triples]"]
        if self.derivation is None:
            return [head + "   [asserted]"]
        d = self.derivation
        ax = "; ".join(" ".join(short(x) for x in a) for a in d.axiom)
        out = [head + f"   [{d.rule}: {ax}]"]
        for k in self.children:
            out.extend(k.lines(indent + 1))
        return out
