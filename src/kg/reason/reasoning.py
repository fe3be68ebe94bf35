"""The OWL 2 RL closure, kept in its own graph; noise filtered; errors surfaced.

``closure`` returns only what inference adds to ontology + data, and only
the triples users can query: no triple with a literal subject, no
``x owl:sameAs x``, nothing about the RDF/RDFS/OWL/XSD vocabularies or the
ontology's own terms. An inconsistency found by the reasoner (owlrl's
``err:`` error triples) becomes a :class:`~kg.errors.ViolationsError`.
"""

from __future__ import annotations

import contextlib

from rdflib import OWL, Graph, URIRef

from kg.errors import KgError, ViolationsError

ERRNS = "http://www.daml.org/2002/03/agents/agent-ont#"

#: Reasoning engines ``closure`` accepts. ``auto`` picks owlrl, the reference,
#: for small inputs and the compiled engine (kg.reason.rl_engine) above AUTO_THRESHOLD
#: input triples; a differential test shows both give the same user-visible
#: triples.
ENGINES = ("auto", "owlrl", "rules")
AUTO_THRESHOLD = 20_000


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


def choose_engine(engine: str, n_input: int) -> str:
    if engine not in ENGINES:
        raise ValueError(f"unknown reasoning engine {engine!r}")
    if engine == "auto":
        return "owlrl" if n_input <= AUTO_THRESHOLD else "rules"
    return engine


def closure(ontology: Graph, data, engine: str = "auto", *,
            max_growth: int = MAX_GROWTH, max_sameas: int = MAX_SAMEAS,
            max_seconds: float = MAX_SECONDS, hidden: set | None = None,
            keep: list | None = None) -> set:
    """The triples OWL 2 RL adds to ``ontology + data`` that users may see.

    ``data`` is an rdflib Graph or any iterable of rdflib triples. Returns a set
    of triples. Raises :class:`ReasonerLimit` when the closure outgrows its
    guards and :class:`~kg.errors.ViolationsError` when the reasoner finds an
    inconsistency. If ``hidden`` is given, it receives the memberships of
    anonymous class expressions the closure holds (what ``kg explain`` shows
    as intermediate steps; see :func:`kg.reason.rl_engine.intermediate`). If
    ``keep`` is given (a list), the compiled engine holding the closure is appended
    to it (with ``hidden``: whichever engine ran, for an incremental build).
    """
    data = data if isinstance(data, (Graph, set, frozenset)) else set(data)
    engine = choose_engine(engine, len(data))
    budget = max(MIN_BUDGET, max_growth * (len(data) + len(ontology)))
    if engine == "rules":
        return _rules_closure(ontology, data, budget, hidden, keep)
    out = _owlrl_closure(ontology, data, budget, max_sameas, max_seconds)
    if hidden is not None:
        hidden.update(intermediate_memberships(ontology, data, keep))
    return out


def intermediate_memberships(ontology: Graph, data, keep: list | None = None) -> set:
    """The memberships of anonymous class expressions in the compiled engine's
    closure of ``ontology + data`` (empty if it cannot compute them)."""
    from kg.reason import rl_engine

    hidden: set = set()
    try:
        rl_engine.infer(ontology, data, raise_on_clash=False, hidden=hidden, keep=keep)
    except (ValueError, rl_engine.Inconsistency, rl_engine.GrowthLimit):
        return set()
    return hidden


def _rules_closure(ontology: Graph, data, budget: int, hidden: set | None = None,
                   keep: list | None = None) -> set:
    from kg.reason import rl_engine

    with _engine_errors():
        return rl_engine.infer(ontology, data, budget=budget, hidden=hidden, keep=keep)


def extend_closure(eng, data: set, budget: int, hidden: set | None = None) -> set:
    """What ``data`` adds to the closure that an engine kept by :func:`closure` holds
    (the user-visible triples new to it), with the same errors as :func:`closure`."""
    from kg.reason import rl_engine

    with _engine_errors():
        return rl_engine.extend(eng, data, budget=budget, hidden=hidden)


def revise_closure(eng, removed: set, added: set, still_base, budget: int,
                   hidden: set | None = None) -> tuple[set, set] | None:
    """DRed in an engine kept by :func:`closure` (see :func:`kg.reason.rl_engine.revise`):
    (the user-visible triples that left the closure, those in it whose derivation may be
    new), or None when it does not apply; the same errors as :func:`closure`."""
    from kg.reason import rl_engine

    with _engine_errors():
        return rl_engine.revise(eng, removed, added, still_base, budget=budget, hidden=hidden)


@contextlib.contextmanager
def _engine_errors():
    """The compiled engine's errors as kg's."""
    from kg.reason import rl_engine

    try:
        yield
    except rl_engine.GrowthLimit as e:
        raise ReasonerLimit(
            f"the reasoner stopped: the closure grew past {e.budget} new triples",
            hint="an axiom makes the closure explode; check recent ontology changes") from None
    except rl_engine.Inconsistency as e:
        raise _inconsistency([str(c) for c in e.clashes]) from None
    except rl_engine.UnsupportedAxiom as e:
        raise KgError(f"the compiled reasoner cannot handle this ontology: {e}",
                      hint="use --reasoner owlrl") from None


def _inconsistency(errors: list[str]) -> ViolationsError:
    """The clashes, all in the report; the message names the first."""
    errors = sorted(errors)
    head = ("the reasoner found an inconsistency" if len(errors) == 1 else
            f"the reasoner found {len(errors)} inconsistencies, the first")
    return ViolationsError(f"{head}: {errors[0]}", report="\n".join(errors),
                           hint="check the types and relations of the resources named above")


def _owlrl_closure(ontology: Graph, data, budget: int, max_sameas: int,
                   max_seconds: float) -> set:
    import owlrl

    from kg.reason.rl_engine import tbox_terms, user_visible

    full = Graph()
    for t in ontology:
        full.add(t)
    for t in data:
        full.add(t)
    owlrl.DeductiveClosure(_guarded_semantics(budget, max_sameas, max_seconds),
                           axiomatic_triples=False, datatype_axioms=False).expand(full)
    errors = [str(m) for m in full.objects(None, URIRef(ERRNS + "error"))]
    if errors:
        raise _inconsistency(errors)
    terms = tbox_terms(ontology)
    return {t for t in full
            if t not in ontology and t not in data and user_visible(t, terms)}
