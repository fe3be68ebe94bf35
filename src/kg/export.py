"""Deterministic serialisation of the build's named graphs, written atomically.

Quad formats (N-Quads, TriG, JSON-LD) keep every graph under its IRI
(``kgg:asserted``, ``kgg:inferred``, ...); triple formats (Turtle,
N-Triples, RDF/XML) merge the chosen graphs, and a header comment (where
the format has comments) says which and how to tell inferred triples apart.

The same build, and two builds of the same inputs, give the same bytes:
blank nodes are relabelled by RDF Dataset Canonicalization (RDFC-1.0, so
``_:c14n0``, ``_:c14n1``, ...) and quads are sorted before serialisation.
JSON-LD is written in expanded form, with no ``@context`` to fetch.

RDF/XML cannot carry every graph: XML 1.0 has no way to write most C0
control characters, and a predicate must be split into a namespace and an
XML name. Such graphs are refused with a one-line error rather than written
as XML that strict parsers reject; a carriage return is written as ``&#xD;``
so that XML end-of-line normalisation does not turn it into a newline.
"""

from __future__ import annotations

import os
import re
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

# Characters XML 1.0 cannot represent, not even as character references.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# The end of an IRI that can be an XML element's local name (NCName).
_NAME_START = ("A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
               "\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf"
               "\ufdf0-\ufffd\U00010000-\U000effff")
_NCNAME_TAIL = re.compile(f"[{_NAME_START}][{_NAME_START}\\-.0-9\u00b7\u0300-\u036f"
                          f"\u203f-\u2040]*$")


# A local name every Turtle reader reads back: no escapes, no percent signs,
# no trailing dot (rdflib, for one, rejects ``kgr:a.b\.``).
_PLAIN_LOCAL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?$|^$")


def _key(term) -> tuple:
    return (type(term).__name__, str(term))


def _quad_key(q: ox.Quad) -> tuple:
    return (_key(q.graph_name), _key(q.subject), _key(q.predicate), _key(q.object))


def canonical_quads(quads) -> list[ox.Quad]:
    """The quads with RDFC-1.0 blank node labels, sorted: the same graph, the same list."""
    plain, with_bnodes = [], []
    for q in quads:
        if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode):
            with_bnodes.append(q)
        else:
            plain.append(q)
    if with_bnodes:
        # RDFC-1.0 labels a blank node from the quads that mention it, so the
        # quads without blank nodes can be left out of the canonicalisation.
        d = ox.Dataset(with_bnodes)
        d.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        plain.extend(d)
    plain.sort(key=_quad_key)
    return plain


def sorted_quads(store: ox.Store, graphs: list[str]) -> list[ox.Quad]:
    """The quads of the named ``graphs`` of ``store``, canonically labelled and sorted."""
    out = []
    for name in graphs:
        out.extend(store.quads_for_pattern(None, None, None, ox.NamedNode(ns.graph_iri(name))))
    return canonical_quads(out)


def merged_triples(quads) -> list[ox.Triple]:
    """The distinct triples of ``quads`` (graph names dropped), in their first order."""
    seen: set = set()
    triples = []
    for q in quads:
        t = ox.Triple(q.subject, q.predicate, q.object)
        if t not in seen:
            seen.add(t)
            triples.append(t)
    return triples


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


def check_rdfxml(triples) -> None:
    """Refuse what RDF/XML cannot carry (see the module docstring)."""
    for t in triples:
        p = t.predicate.value
        if not _NCNAME_TAIL.search(p):
            raise KgError(f"RDF/XML cannot write the predicate <{p}>: it does not end in an "
                          "XML name", hint="export --format turtle or ntriples instead")
        for term in (t.subject, t.object):
            if isinstance(term, ox.Literal):
                m = _XML_FORBIDDEN.search(term.value)
                if m:
                    raise KgError(
                        f"RDF/XML cannot write the character U+{ord(m.group()):04X} of a "
                        f"literal of {t.subject} <{p}>: XML 1.0 forbids it",
                        hint="export --format turtle or ntriples instead")


def header(fmt: str, graphs: list[str]) -> bytes:
    """The comment that opens a Turtle, N-Triples, N-Quads or TriG export."""
    if fmt not in COMMENT_FORMATS:
        return b""
    lines = ["# kg export: graphs " + ", ".join(ns.graph_iri(g) for g in graphs)]
    if fmt in QUAD_FORMATS:
        lines.append("# each triple is in its named graph; kgg:inferred holds what OWL 2 RL "
                     "inference added")
    else:
        lines.append("# merged into one graph; export --format nquads or trig to tell "
                     "inferred (kgg:inferred) from asserted triples")
    return ("\n".join(lines) + "\n").encode("utf-8")


def usable_prefixes(quads) -> dict[str, str]:
    r"""The project's prefixes, less any under which some IRI would need an escape.

    Such IRIs are valid in Turtle as ``kgr:a.b\.`` but not every reader
    takes them; without the prefix they are written in full.
    """
    iris = {term.value for q in quads for term in (q.subject, q.predicate, q.object)
            if isinstance(term, ox.NamedNode)}
    return {prefix: base for prefix, base in ns.PREFIXES.items()
            if all(_PLAIN_LOCAL.match(iri[len(base):]) for iri in iris if iri.startswith(base))}


def serialize_quads(quads, fmt: str) -> bytes:
    """The body of an export: ``quads`` canonicalised, sorted and written as ``fmt``."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}", hint="one of " + ", ".join(FORMATS))
    quads = canonical_quads(quads)
    prefixes = None if fmt in ("ntriples", "nquads") else usable_prefixes(quads)
    if fmt in QUAD_FORMATS:
        return ox.serialize(quads, format=FORMATS[fmt], prefixes=prefixes)
    triples = merged_triples(quads)
    if fmt != "rdfxml":
        return ox.serialize(triples, format=FORMATS[fmt], prefixes=prefixes)
    check_rdfxml(triples)
    # A raw CR in XML character data reads back as LF; a reference keeps it.
    return ox.serialize(triples, format=FORMATS[fmt], prefixes=prefixes).replace(b"\r",
                                                                                  b"&#xD;")


def serialize_triples(triples, fmt: str) -> bytes:
    """Triples (a CONSTRUCT result, say) as ``fmt``, canonicalised and sorted."""
    return serialize_quads((ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
                            for t in triples), fmt)


def export_bytes(store: ox.Store, fmt: str, graphs: list[str]) -> bytes:
    """The chosen ``graphs`` of a built store as ``fmt``, header comment first."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}", hint="one of " + ", ".join(FORMATS))
    quads = []
    for name in graphs:
        quads.extend(store.quads_for_pattern(None, None, None,
                                             ox.NamedNode(ns.graph_iri(name))))
    return header(fmt, graphs) + serialize_quads(quads, fmt)


def write_atomically(path: Path, data: bytes, fmt: str | None = None) -> None:
    """Write ``data`` to ``path`` via a temporary file, re-parsed first when RDF.

    On any failure the previous ``path`` is left byte-identical and the
    temporary file is removed; an OS error becomes a one-line KgError.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as e:
        raise KgError(f"cannot write {path}: {e.strerror or e}",
                      hint="check that the directory exists and is writable") from None
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
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise KgError(f"cannot write {path}: {e.strerror or e}; {path} left as it was") \
            from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
