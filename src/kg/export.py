"""Deterministic serialisation of the build's named graphs, written atomically.

Quad formats (N-Quads, TriG, JSON-LD) keep every graph under its IRI
(``kgg:asserted``, ``kgg:inferred``, ...); triple formats (Turtle,
N-Triples, RDF/XML) merge the chosen graphs, and a header comment (where
the format has comments) says which. The same build gives the same bytes:
quads are sorted before serialisation.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pyoxigraph as ox

from . import namespaces as ns
from .errors import KgError, UsageError

FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
QUAD_FORMATS = {"nquads", "trig", "jsonld"}
COMMENT_FORMATS = {"turtle", "ntriples", "nquads", "trig"}
GRAPH_CHOICES = (*ns.GRAPH_NAMES, "all")


def _key(term) -> tuple:
    return (type(term).__name__, str(term))


def sorted_quads(store: ox.Store, graphs: list[str]) -> list[ox.Quad]:
    out = []
    for name in graphs:
        out.extend(store.quads_for_pattern(None, None, None, ox.NamedNode(ns.graph_iri(name))))
    out.sort(key=lambda q: (_key(q.graph_name), _key(q.subject), _key(q.predicate),
                            _key(q.object)))
    return out


def expand_graphs(choice: list[str]) -> list[str]:
    names: list[str] = []
    for c in choice:
        if c == "all":
            return list(ns.GRAPH_NAMES)
        if c not in ns.GRAPH_NAMES:
            raise UsageError(f"unknown graph {c!r}", hint="one of " + ", ".join(GRAPH_CHOICES))
        if c not in names:
            names.append(c)
    return [n for n in ns.GRAPH_NAMES if n in names]


def serialize_triples(triples, fmt: str) -> bytes:
    return ox.serialize(sorted(triples, key=lambda t: (_key(t.subject), _key(t.predicate),
                                                       _key(t.object))),
                        format=FORMATS[fmt], prefixes=ns.PREFIXES)


def export_bytes(store: ox.Store, fmt: str, graphs: list[str]) -> bytes:
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}", hint="one of " + ", ".join(FORMATS))
    quads = sorted_quads(store, graphs)
    header = b""
    if fmt in COMMENT_FORMATS:
        header = ("# kg export: graphs " + ", ".join(ns.graph_iri(g) for g in graphs) + "\n"
                  + ("# each triple is in its named graph; kgg:inferred holds what OWL 2 RL "
                     "inference added\n" if fmt in QUAD_FORMATS else
                     "# merged into one graph; export --format nquads or trig to tell "
                     "inferred (kgg:inferred) from asserted triples\n")).encode("utf-8")
    if fmt in QUAD_FORMATS:
        body = ox.serialize(quads, format=FORMATS[fmt],
                            prefixes=ns.PREFIXES if fmt != "nquads" else None)
    else:
        seen = set()
        triples = []
        for q in quads:
            t = ox.Triple(q.subject, q.predicate, q.object)
            if t not in seen:
                seen.add(t)
                triples.append(t)
        body = ox.serialize(triples, format=FORMATS[fmt],
                            prefixes=ns.PREFIXES if fmt not in ("ntriples",) else None)
    return header + body


def write_atomically(path: Path, data: bytes, fmt: str | None = None) -> None:
    """Write ``data`` to ``path`` via a temporary file, re-parsed first when RDF."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if fmt in FORMATS:
            try:
                list(ox.parse(path=tmp, format=FORMATS[fmt]))
            except (SyntaxError, ValueError) as e:
                raise KgError(f"the {fmt} output did not re-parse ({e}); {path} left as it was")\
                    from None
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
