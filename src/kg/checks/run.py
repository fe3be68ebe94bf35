"""The check stage of a build: every check over the new store, violations as data.

:func:`run_checks` runs the SHACL data shapes of ``ontology/shapes.ttl``
(compiled to SPARQL on Oxigraph, :mod:`kg.checks.shacl_sparql`; pySHACL only with
``shapes="pyshacl"``) and the voice guard side by side, and returns
:class:`~kg.checks.report.Violation` values, each with its record's annotation
file and line when known. :func:`check_build` raises them as one
:class:`~kg.errors.ViolationsError` (exit status 3); every id is explained in
docs/checks.md.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from rdflib import Graph, Literal

from kg import namespaces as ns
from kg.checks.report import ID_PREFIX, Report, Violation
from kg.checks.shacl_sparql import compiled_data_shapes, validate_store
from kg.checks.shapes import evidence_integrity_shapes, named_graphs_shapes, show
from kg.errors import ViolationsError
from kg.model.locate import locate

#: ``--shapes``: ``auto`` and ``sparql`` check the shapes with kg's SPARQL compilation
#: of ontology/shapes.ttl on Oxigraph, at every size; ``pyshacl`` with the reference
#: engine (slow; a differential test shows both report the same violations).
SHAPES_ENGINES = ("auto", "pyshacl", "sparql")
CHECKS = ("auto", "all", "data", "none")
#: Up to this many asserted + background triples ``--checks auto`` runs every
#: check; above it, the data checks only. The evidence-integrity checks are
#: 40% of a large build (10 of 25 s at 1,000 articles) and only a kg defect can
#: fail them; the test suite runs them on the seed and a generated corpus.
CHECKS_AUTO_THRESHOLD = 20_000
#: Checks run side by side on this many threads (Oxigraph queries release the GIL).
CHECK_WORKERS = max(2, min(4, os.cpu_count() or 1))
#: The voice guard's id: a world fact that only someone's words support.
VOICE_ID = ID_PREFIX + "speech-only-fact"
_VOICE_HINT = ("a world fact needs a quote in the article's own voice; make it a claim of the "
               "speaker (see docs/design.md, Voice)")


def choose_checks(checks: str, size: int) -> str:
    """``auto``: every check up to CHECKS_AUTO_THRESHOLD triples, the data checks above."""
    if checks not in CHECKS:
        raise ValueError(f"unknown checks {checks!r}")
    if checks == "auto":
        return "all" if size <= CHECKS_AUTO_THRESHOLD else "data"
    return checks


def run_checks(store, ontology: Graph, *, shapes: str = "auto", checks: str = "all",
               size: int = 0, records: dict[str, tuple[str, int]] | None = None
               ) -> list[Violation]:
    """Every check of a build's store; its violations, each at its record when known.

    ``store`` is a pyoxigraph Store holding exactly the build's graphs; ``ontology``
    the ontology graph (for pySHACL); ``checks`` one of :data:`CHECKS` (``data``
    leaves out the evidence-integrity shapes, which only a kg defect can fail);
    ``size`` the asserted + background triples (for ``auto``); ``records`` maps a
    record id to its annotation file and line (``Violation.source``).
    """
    if shapes not in SHAPES_ENGINES:
        raise ValueError(f"unknown shapes engine {shapes!r}")
    checks = choose_checks(checks, size)
    if checks == "none":
        return []
    skip = evidence_integrity_shapes() if checks == "data" else frozenset()
    with ThreadPoolExecutor(max_workers=CHECK_WORKERS) as pool:
        guard = pool.submit(voice_guard, store)
        if shapes == "pyshacl":
            found = _pyshacl(store, ontology, skip) + validate_store(
                store, pool=pool, skip=skip | _all_but(named_graphs_shapes())).violations
        else:
            found = validate_store(store, pool=pool, skip=skip).violations
        found += guard.result()
    return [replace(v, source=locate(v.line(), records or {})) for v in found]


def _all_but(kept: frozenset[str]) -> frozenset[str]:
    return frozenset(show(c.shape) for c in compiled_data_shapes()) - kept


def _pyshacl(store, ontology: Graph, skip: frozenset[str]) -> list[Violation]:
    """The shapes in pySHACL, the reference (``--shapes pyshacl``): slow, imported on request."""
    from kg.checks.validation import validate
    from kg.model.rdfterms import from_ox

    data = Graph()
    ontology_graph = ns.graph_iri("ontology")
    for q in store.quads_for_pattern(None, None, None, None):
        if q.graph_name.value != ontology_graph:
            data.add((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))
    return validate(data, ontology, skip=skip).violations


def raise_for_violations(violations: list[Violation]) -> None:
    """Raise the violations of a build as one :class:`~kg.errors.ViolationsError` (exit 3).

    The SHACL violations under ``SHACL data shapes: N violations``, the voice
    guard's under ``voice guard: N violation(s)``, each line after its
    ``FILE:LINE:`` when known; the voice guard's alone are the message and the
    report lines themselves.
    """
    voice = sorted((v for v in violations if v.id == VOICE_ID), key=Violation.line)
    shaped = [v for v in violations if v.id != VOICE_ID]
    if voice and not shaped:
        lines = [v.line() for v in voice]
        raise ViolationsError(lines[0], report="\n".join(lines[1:]), hint=_VOICE_HINT)
    problems = [Report("SHACL data shapes", False, shaped).text()] if shaped else []
    if voice:
        problems.append(f"voice guard: {len(voice)} violation(s)\n"
                        + "\n".join("  " + v.located() for v in voice))
    if problems:
        raise ViolationsError("the graph failed its checks", report="\n\n".join(problems),
                              hint="fix the annotation files; the store was not written")


def check_build(store, ontology: Graph, *, shapes: str = "auto", checks: str = "all",
                size: int = 0, records: dict[str, tuple[str, int]] | None = None) -> None:
    """:func:`run_checks`, raising its violations (exit status 3); what ``kg build`` calls."""
    raise_for_violations(run_checks(store, ontology, shapes=shapes, checks=checks, size=size,
                                    records=records))


def voice_guard(store) -> list[Violation]:
    """The asserted triples that only someone's words support (the voice guard), as violations.

    A world fact needs a quote in the article's own voice (``kg:voice
    kgc:own-voice`` on the quote, in the evidence graph). Exempt: triples about
    a claim or its proposition (the words are the evidence that it was said),
    and the type, label and aliases of a named actor or place (any mention
    supports them). See docs/design.md, Voice. One violation per record and
    triple, naming every quote in someone's words that supports it.

    Walks the store by pattern from the quotes in someone's words, so its cost
    follows the number of such quotes (a SPARQL formulation took minutes at
    100 articles).
    """
    import pyoxigraph as ox

    from kg.model.rdfterms import from_ox

    iri = ox.NamedNode
    evidence, asserted = iri(ns.graph_iri("evidence")), iri(ns.graph_iri("asserted"))
    kg = ns.KG
    voice_p, voice_of, own = iri(kg + "voice"), iri(kg + "voiceOf"), iri(ns.KGC + "own-voice")
    target_p, supports = iri(ns.OA + "hasTarget"), iri(kg + "supportsStatement")
    rdf_type = iri(ns.RDF + "type")

    def objects(s, p, g=evidence):
        return [q.object for q in store.quads_for_pattern(s, p, None, g)]

    def subjects(p, o, g=evidence):
        return [q.subject for q in store.quads_for_pattern(None, p, o, g)]

    def typed(s, classes) -> bool:
        return any(next(iter(store.quads_for_pattern(s, rdf_type, iri(c), None)), None)
                   is not None for c in classes)

    voice = {q.subject: q.object for q in store.quads_for_pattern(None, voice_p, None, evidence)}
    checked: dict = {}  # statement -> (s, p, o) when only speech supports it, else None
    found: dict[tuple, dict] = {}
    for quote, v in voice.items():
        if v == own:
            continue
        for ann in subjects(target_p, quote):
            for st in objects(ann, supports):
                if st not in checked:
                    checked[st] = None
                    if any(voice.get(t) == own for a in subjects(supports, st)
                           for t in objects(a, target_p)):
                        continue
                    spo = [objects(st, iri(ns.RDF + x)) for x in ("subject", "predicate",
                                                                   "object")]
                    if not all(len(x) == 1 for x in spo):
                        continue
                    s_, p_, o_ = (x[0] for x in spo)
                    if next(iter(store.quads_for_pattern(s_, p_, o_, asserted)), None) is None:
                        continue
                    if typed(s_, (kg + "Claim", kg + "Proposition")):
                        continue
                    if p_.value in _MENTION and typed(s_, (kg + "Actor", kg + "Place")):
                        continue
                    checked[st] = (s_, p_, o_)
                triple = checked[st]
                if triple is None:
                    continue
                body = objects(ann, iri(ns.OA + "hasBody"))
                record = body[0].value.removeprefix(ns.KGR) if body else "?"
                speaker = objects(quote, voice_of)
                who = speaker[0].value.removeprefix(ns.KGR) if speaker \
                    else "an unidentified speaker"
                exact = [x.value for sel in objects(quote, iri(ns.OA + "hasSelector"))
                         for x in objects(sel, iri(ns.OA + "exact"))]
                file = objects(ann, iri(kg + "annotationFile"))
                line = objects(ann, iri(kg + "annotationLine"))
                entry = found.setdefault((record, *(from_ox(x) for x in triple)), {})
                entry[(who, exact[0] if exact else "?")] = (
                    file[0].value if file else "?", int(line[0].value) if line else 0)
    out = []
    for (record, s_, p_, o_), quotes in found.items():
        words = "; ".join(f"{who}: “{exact}” ({file} line {line})"
                          for (who, exact), (file, line) in sorted(quotes.items()))
        out.append(Violation(VOICE_ID, f"record {record}",
                             f"{_short_triple(s_, p_, o_)} is supported only by the words of "
                             f"{words}"))
    return sorted(out, key=Violation.line)


_MENTION = frozenset({ns.RDF + "type", ns.RDFS + "label", ns.SKOS + "altLabel"})


def _short_triple(s, p, o) -> str:
    """``kgr:x rdf:type kg:Y`` / ``kgr:x rdfs:label "..."@en`` for a message."""

    def term(t) -> str:
        if isinstance(t, Literal):
            return t.n3()
        text = str(t)
        for prefix, iri in sorted(ns.PREFIXES.items(), key=lambda kv: -len(kv[1])):
            if text.startswith(iri) and text != iri:
                return f"{prefix}:{text[len(iri):]}"
        return f"<{text}>"

    return f"{term(s)} {term(p)} {term(o)}"


__all__ = [
    "CHECKS", "CHECKS_AUTO_THRESHOLD", "CHECK_WORKERS", "SHAPES_ENGINES", "VOICE_ID",
    "check_build", "choose_checks", "locate", "raise_for_violations", "run_checks",
    "voice_guard",
]
