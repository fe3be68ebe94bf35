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
from collections import deque
from contextlib import ExitStack
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from kg import namespaces as ns
from kg.errors import KgError, UsageError

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

# Compiled on first use: ``kg query`` imports this module for FORMATS alone.
# Characters XML 1.0 cannot represent, not even as character references.
_XML_FORBIDDEN = "[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
# The end of an IRI that can be an XML element's local name (NCName).
_NAME_START = ("A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
               "\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf"
               "\ufdf0-\ufffd\U00010000-\U000effff")
_NCNAME_TAIL = (f"[{_NAME_START}][{_NAME_START}\\-.0-9\u00b7\u0300-\u036f"
                f"\u203f-\u2040]*$")


# A local name every Turtle reader reads back: no escapes, no percent signs,
# no trailing dot (rdflib, for one, rejects ``kgr:a.b\.``).
_PLAIN_LOCAL = r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?$|^$"


@cache
def _compiled(pattern: str | bytes, flags: int = 0) -> re.Pattern:
    return re.compile(pattern, flags)


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
    ncname_tail, xml_forbidden = _compiled(_NCNAME_TAIL), _compiled(_XML_FORBIDDEN)
    for t in triples:
        p = t.predicate.value
        if not ncname_tail.search(p):
            raise KgError(f"RDF/XML cannot write the predicate <{p}>: it does not end in an "
                          "XML name", hint="export --format turtle or ntriples instead")
        for term in (t.subject, t.object):
            if isinstance(term, ox.Literal):
                m = xml_forbidden.search(term.value)
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
    return _usable_prefixes({term.value for q in quads
                             for term in (q.subject, q.predicate, q.object)
                             if isinstance(term, ox.NamedNode)})


def _usable_prefixes(iris: set[str], among: dict[str, str] | None = None) -> dict[str, str]:
    """:func:`usable_prefixes` of the subject, predicate and object IRIs ``iris``
    (of the prefixes ``among``, by default the project's)."""
    from bisect import bisect_left

    ordered = sorted(iris)  # the IRIs under a base are side by side
    plain_local = _compiled(_PLAIN_LOCAL)
    out = {}
    for prefix, base in (ns.PREFIXES if among is None else among).items():
        i = bisect_left(ordered, base)
        while i < len(ordered) and ordered[i].startswith(base):
            if not plain_local.match(ordered[i][len(base):]):
                break
            i += 1
        else:
            out[prefix] = base
    return out


def serialize_quads(quads, fmt: str) -> bytes:
    """The body of an export: ``quads`` canonicalised, sorted and written as ``fmt``.

    ``quads`` may be :class:`CanonicalLines`, already canonical and sorted.
    """
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}", hint="one of " + ", ".join(FORMATS))
    if isinstance(quads, CanonicalLines):
        return quads.serialize(fmt)
    return _serialize_canonical(canonical_quads(quads), fmt)


def _serialize_canonical(quads: list[ox.Quad], fmt: str) -> bytes:
    """Quads already canonically labelled and sorted, written as ``fmt``."""
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
    blocks = canonical_lines(store, graphs)
    if blocks is not None:
        quads = CanonicalLines(blocks)
    else:  # triple terms: the general path
        quads = []
        for name in graphs:
            quads.extend(store.quads_for_pattern(None, None, None,
                                                 ox.NamedNode(ns.graph_iri(name))))
    return header(fmt, graphs) + serialize_quads(quads, fmt)


class CanonicalLines:
    """Quads canonically labelled and sorted, as :func:`canonical_lines` gives them.

    N-Quads and N-Triples are written from the lines as they are; other
    formats read the lines back as quads (iterating gives those quads).
    """

    def __init__(self, blocks: list[tuple[bytes, list[bytes]]]):
        self.blocks = blocks

    def nquads(self) -> bytes:
        return b"".join(_terminated(lines, b" " + graph + b" .\n")
                        for graph, lines in self.blocks)

    def __iter__(self):
        # Oxigraph's own dump, read back without validating it again
        return iter(ox.parse(self.nquads(), format=ox.RdfFormat.N_QUADS, lenient=True))

    def ntriples(self) -> bytes:
        """The distinct triples, in their first order (as :func:`merged_triples`)."""
        seen: set[bytes] = set()
        merged = []
        for _, lines in self.blocks:
            for line in lines:
                if line not in seen:
                    seen.add(line)
                    merged.append(line)
        return _terminated(merged, b" .\n")

    def serialize(self, fmt: str) -> bytes:
        """As :func:`serialize_quads` writes the same quads."""
        if fmt == "nquads":
            return self.nquads()
        if fmt in QUAD_FORMATS:
            data = self.nquads()
            return ox.serialize(ox.parse(data, format=ox.RdfFormat.N_QUADS, lenient=True),
                                format=FORMATS[fmt], prefixes=_usable_prefixes(_iris(data)))
        data = self.ntriples()
        if fmt == "ntriples":
            return data
        prefixes = _usable_prefixes(_iris(data))
        triples = ox.parse(data, format=ox.RdfFormat.N_TRIPLES, lenient=True)
        if fmt != "rdfxml":
            return ox.serialize(triples, format=FORMATS[fmt], prefixes=prefixes)
        triples = list(triples)
        check_rdfxml(triples)
        return ox.serialize(triples, format=FORMATS[fmt], prefixes=prefixes).replace(b"\r",
                                                                                      b"&#xD;")


# The IRIs of N-Triples / N-Quads lines as Oxigraph writes them (one space between
# terms, IRIs unescaped): subject, predicate, and object when it is an IRI.
_LINE_IRIS = (rb"^<([^>]*)>", rb"^(?:<[^>]*>|_:\S+) <([^>]*)>",
              rb"^(?:<[^>]*>|_:\S+) <[^>]*> <([^>]*)>")


def _iris(data: bytes) -> set[str]:
    """The subject, predicate and object IRIs of ``data`` (not graph names or datatypes)."""
    found: set[bytes] = set()
    for pattern in _LINE_IRIS:
        found.update(_compiled(pattern, re.M).findall(data))
    return {iri.decode("utf-8") for iri in found}


def _terminated(lines: list[bytes], end: bytes) -> bytes:
    return end.join(lines) + end if lines else b""


def canonical_lines(store: ox.Store, graphs: list[str]) -> list[tuple[bytes, list[bytes]]] | None:
    """The chosen graphs as N-Triples lines, exactly as :func:`canonical_quads` orders them.

    Returns ``(graph term, lines)`` per graph in the order of the graph terms,
    each line ``S P O`` (no `` .``) with RDFC-1.0 blank node labels, in the
    order of :func:`_quad_key`; or None when a graph holds a triple term (or
    is named twice): :func:`canonical_quads` then does it.

    The graphs are dumped by Oxigraph as N-Triples, and sorted as bytes: a
    term's N-Triples form is its ``str``, IRIs end with ``>``, no raw byte
    below a space is ever written, and UTF-8 bytes sort as code points, so
    for triples without blank nodes the byte order of the lines is the order
    of :func:`_quad_key` (a literal, ``"``, before an IRI, ``<``). Only the
    (few) triples with blank nodes are parsed, relabelled as in
    :func:`canonical_quads` and put in place by their key.
    """
    if len(set(graphs)) != len(graphs):
        return None  # a graph twice: its quads twice, interleaved by the general path
    dumps = []
    for name, data in _dump_graphs(store, graphs):
        graph = str(ox.NamedNode(ns.graph_iri(name))).encode()
        found = _lines_with_blank_nodes(data)
        if found is None:
            return None
        lines = data.split(b" .\n")
        del data
        lines.pop()  # what follows the last line's end
        if found:
            lines = [line for line in lines if line not in found]
        dumps.append((graph, lines, found))
    dumps.sort(key=lambda d: d[0].decode())
    relabelled = _canonical_blank_lines(dumps)
    blocks = []
    for graph, lines, _ in dumps:
        lines.sort()
        extra = relabelled.get(graph)
        if extra:
            lines = _merge_in(lines, extra)
        blocks.append((graph, lines))
    return blocks


def _dump_graphs(store: ox.Store, graphs: list[str]):
    """(name, the graph's triples as unsorted N-Triples) for each of ``graphs``.

    Oxigraph spends most of an export looking up the terms' strings, without
    the GIL: each graph is read one predicate at a time on as many threads as
    there are cores (a whole graph at once would keep one core busy).
    """
    from concurrent.futures import ThreadPoolExecutor

    def part(graph: str, predicate: str) -> bytes:
        return store.query("CONSTRUCT { ?s %s ?o } WHERE { GRAPH <%s> { ?s %s ?o } }"
                           % (predicate, graph, predicate)).serialize(
            format=ox.RdfFormat.N_TRIPLES)

    with ThreadPoolExecutor(max_workers=min(os.cpu_count() or 1, 8)) as pool:
        for name in graphs:
            graph = ns.graph_iri(name)
            predicates = [str(row[0]) for row in store.query(
                "SELECT DISTINCT ?p WHERE { GRAPH <%s> { ?s ?p ?o } }" % graph)]
            parts = list(pool.map(lambda p, g=graph: part(g, p), predicates))
            yield name, b"".join(parts)


def _lines_with_blank_nodes(data: bytes) -> set[bytes] | None:
    """The lines (less `` .``) of an N-Triples dump whose subject or object is a blank
    node; None if a subject or object is a triple term."""
    found: set[bytes] = set()
    for marker in (b"_:", b"<<"):
        i = data.find(marker)
        while i != -1:
            start = data.rfind(b"\n", 0, i) + 1
            end = data.find(b"\n", i)
            line = data[start:end - 2]
            subject, _, obj = line.split(b" ", 2)
            if subject.startswith(b"<<") or obj.startswith(b"<<"):
                return None
            if subject.startswith(b"_:") or obj.startswith(b"_:"):
                found.add(line)
            i = data.find(marker, end)
    return found


def _canonical_blank_lines(dumps) -> dict[bytes, list[bytes]]:
    """Graph term -> the lines with blank nodes, relabelled by RDFC-1.0 over all of them."""
    text = b"".join(line + b" " + graph + b" .\n"
                    for graph, _, found in dumps for line in sorted(found))
    if not text:
        return {}
    d = ox.Dataset(ox.parse(text, format=ox.RdfFormat.N_QUADS, lenient=True))
    d.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    out: dict[bytes, list[bytes]] = {}
    for q in d:
        out.setdefault(str(q.graph_name).encode(), []).append(
            f"{q.subject} {q.predicate} {q.object}".encode())
    return out


def _blank_key(line: bytes) -> bytes:
    """A line's sort key among lines without blank nodes: a blank node subject or
    object sorts first (as ``_quad_key``'s ``BlankNode`` < ``Literal`` < ``NamedNode``)."""
    subject, predicate, obj = line.split(b" ", 2)
    if subject.startswith(b"_:"):
        subject = b"\x01" + subject[1:]
    if obj.startswith(b"_:"):
        obj = b"\x01" + obj[1:]
    return b" ".join((subject, predicate, obj))


def _merge_in(lines: list[bytes], extra: list[bytes]) -> list[bytes]:
    """Sorted ``lines`` (each its own key) with ``extra`` put in place by :func:`_blank_key`."""
    from bisect import bisect_right

    out: list[bytes] = []
    at = 0
    for key, line in sorted((_blank_key(line), line) for line in extra):
        i = bisect_right(lines, key, at)
        out.extend(lines[at:i])
        out.append(line)
        at = i
    out.extend(lines[at:])
    return out


# ---------------------------------------------------------------------------
# Streaming: N-Quads and N-Triples in bounded memory (and Turtle and TriG, written
# by Oxigraph from those lines, file to file)
#
# The same lines in the same order as :func:`canonical_lines`, but sorted by an
# external merge sort: each graph is dumped a few predicates at a time, each
# piece sorted and written to a temporary file (a run), and the runs merged
# (heapq.merge) into one sorted file per graph. Lines are kept in their sort
# key's form (:func:`_blank_key`: a blank node's ``_:`` written ``\x01:``, which
# Oxigraph never writes raw), so that plain byte order is the export's order
# and lines with blank nodes need no special place.

#: The formats :func:`export_chunks` streams in bounded memory.
STREAMED = ("nquads", "ntriples", "turtle", "trig", "jsonld", "rdfxml")
#: Lines (bytes) of one run before it is sorted and written out.
RUN_BYTES = 32 << 20
#: Bytes of output handed over at a time.
CHUNK_BYTES = 1 << 20


def export_chunks(store: ox.Store, fmt: str, graphs: list[str]):
    """:func:`export_bytes` in pieces (an iterator of bytes); the same bytes joined.

    N-Quads and N-Triples are sorted on disk and streamed, in bounded memory,
    and so are Turtle, TriG, JSON-LD and RDF/XML (the sorted lines written by
    Oxigraph's serializer, reading from and writing to temporary files); graphs
    with triple terms are made whole in memory.
    """
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}", hint="one of " + ", ".join(FORMATS))
    return _export_chunks(store, fmt, graphs)


def _export_chunks(store: ox.Store, fmt: str, graphs: list[str]):
    import tempfile

    if fmt in STREAMED and len(set(graphs)) == len(graphs):
        with tempfile.TemporaryDirectory(prefix="kg-export-") as tmp:
            files = sorted_graph_files(store, graphs, Path(tmp))
            if files is not None:
                if fmt in ("nquads", "ntriples"):
                    yield header(fmt, graphs)
                if fmt in QUAD_FORMATS:
                    lines = (block for graph, path in files
                             for block in _nquads_blocks(graph, path))
                else:
                    lines = _ntriples_blocks([path for _, path in files])
                if fmt in ("nquads", "ntriples"):
                    yield from lines
                    return
                # serialised whole (to a file) before the header goes out: a triple
                # RDF/XML cannot carry is refused before anything is written
                blocks = _serialized_blocks(lines, fmt, Path(tmp))
                first = next(blocks, b"")
                yield header(fmt, graphs)
                yield first
                yield from blocks
                return
    yield export_bytes(store, fmt, graphs)


def _serialized_blocks(lines, fmt: str, tmp: Path):
    """The sorted N-Quads (TriG) or N-Triples (Turtle) ``lines`` (pieces of bytes)
    written as ``fmt`` by Oxigraph, as :meth:`CanonicalLines.serialize` writes them,
    through temporary files: the lines are spooled to disk while the usable
    prefixes are worked out a piece at a time, then parsed and serialised from
    file to file, and the result read back a piece at a time."""
    spool, out = tmp / "lines", tmp / f"out.{fmt}"
    prefixes = dict(ns.PREFIXES)
    with open(spool, "wb", buffering=1 << 20) as f:
        for block in lines:
            f.write(block)
            if prefixes:  # a prefix is usable if no piece has an IRI that rules it out
                prefixes = _usable_prefixes(_iris(block), prefixes)
    source = ox.parse(path=str(spool), lenient=True, format=ox.RdfFormat.N_QUADS
                      if fmt in QUAD_FORMATS else ox.RdfFormat.N_TRIPLES)
    if fmt == "rdfxml":
        source = _checked_for_rdfxml(source)
    ox.serialize(source, str(out), format=FORMATS[fmt], prefixes=prefixes)
    del source
    spool.unlink()
    if fmt in ("turtle", "trig"):
        yield from _blocks(out)
    elif fmt == "jsonld":  # one line: read in pieces of CHUNK_BYTES
        yield from _raw_blocks(out)
    else:  # RDF/XML, as CanonicalLines.serialize: a carriage return as a reference
        yield from (block.replace(b"\r", b"&#xD;") for block in _raw_blocks(out))


def _raw_blocks(path: Path):
    with open(path, "rb") as f:
        while data := f.read(CHUNK_BYTES):
            yield data


def _checked_for_rdfxml(triples):
    """The triples, each refused as :func:`check_rdfxml` refuses it, one at a time."""
    for t in triples:
        check_rdfxml((t,))
        yield t


def sorted_graph_files(store: ox.Store, graphs: list[str],
                       tmp: Path) -> list[tuple[bytes, Path]] | None:
    """(graph term, a file of its lines in key form, sorted) per graph, in the order of
    the graph terms; None when a graph holds a triple term."""
    import heapq

    order = sorted(graphs, key=lambda g: str(ox.NamedNode(ns.graph_iri(g))))
    runs: dict[str, list[Path]] = {g: [] for g in order}
    found: dict[str, set[bytes]] = {g: set() for g in order}
    counter = iter(range(1 << 62))
    for name, pieces in _dump_graph_pieces(store, order, tmp):
        pending: list[bytes] = []
        size = 0
        for data in pieces:
            blank = _lines_with_blank_nodes(data)
            if blank is None:
                return None
            lines = data.split(b" .\n")
            size += len(data)
            del data
            lines.pop()
            if blank:
                found[name] |= blank
                lines = [line for line in lines if line not in blank]
            pending.extend(lines)
            del lines
            if size >= RUN_BYTES:
                runs[name].append(_write_run(pending, tmp / f"run{next(counter)}"))
                pending, size = [], 0
        if pending:
            runs[name].append(_write_run(pending, tmp / f"run{next(counter)}"))
        del pending
    terms = {g: str(ox.NamedNode(ns.graph_iri(g))).encode() for g in order}
    relabelled = _canonical_blank_lines([(terms[g], None, found[g]) for g in order])
    out = []
    for name in order:
        extra = relabelled.get(terms[name])
        if extra:
            runs[name].append(_write_run([_blank_key(line) for line in extra],
                                         tmp / f"run{next(counter)}"))
        path = tmp / f"graph{next(counter)}"
        with ExitStack() as stack, open(path, "wb", buffering=1 << 20) as f:
            handles = [stack.enter_context(open(run, "rb")) for run in runs[name]]
            f.writelines(heapq.merge(*handles))
        for run in runs[name]:
            run.unlink()
        out.append((terms[name], path))
    return out


def _write_run(lines: list[bytes], path: Path) -> Path:
    lines.sort()
    with open(path, "wb", buffering=1 << 20) as f:
        for i in range(0, len(lines), 1 << 16):
            f.write(b"\n".join(lines[i:i + (1 << 16)]) + b"\n")
    return path


def _dump_graph_pieces(store: ox.Store, graphs: list[str], tmp: Path):
    """(name, an iterator of pieces of the graph's N-Triples, whole lines of about
    :data:`RUN_BYTES` each) for each of ``graphs``, in their order.

    Oxigraph dumps each graph to a temporary file, on as many threads as there
    are cores, in constant memory (a SPARQL CONSTRUCT, as :func:`_dump_graphs`
    uses, keeps a set of every triple it has given); the files are read back a
    piece at a time.
    """
    from concurrent.futures import ThreadPoolExecutor

    def dump(i: int, name: str) -> Path:
        path = tmp / f"dump{i}"
        store.dump(str(path), format=ox.RdfFormat.N_TRIPLES,
                   from_graph=ox.NamedNode(ns.graph_iri(name)))
        return path

    def pieces(path: Path):
        yield from _blocks(path, RUN_BYTES)
        path.unlink()

    with ThreadPoolExecutor(max_workers=min(os.cpu_count() or 1, 8)) as pool:
        futures = [pool.submit(dump, i, name) for i, name in enumerate(graphs)]
        try:
            for name, future in zip(graphs, futures, strict=True):
                yield name, pieces(future.result())
        finally:
            for future in futures:
                future.cancel()


def _blocks(path: Path, size: int | None = None):
    """The file's whole lines, about ``size`` (:data:`CHUNK_BYTES`) bytes at a time."""
    with open(path, "rb") as f:
        rest = b""
        while True:
            data = f.read(size or CHUNK_BYTES)
            if not data:
                break
            data = rest + data
            end = data.rfind(b"\n") + 1
            rest = data[end:]
            if end:
                yield data[:end]
        if rest:
            yield rest


def _nquads_blocks(graph: bytes, path: Path):
    end = b" " + graph + b" .\n"
    for block in _blocks(path):
        yield block.replace(b"\x01:", b"_:").replace(b"\n", end)


def _ntriples_blocks(paths: list[Path]):
    """The lines of the sorted files, each but its first time left out (as
    :func:`merged_triples`): a line of a later file is looked for in the earlier
    files by walking them alongside, all being sorted."""
    import heapq

    for i, path in enumerate(paths):
        if i == 0:
            for block in _blocks(path):
                yield block.replace(b"\x01:", b"_:").replace(b"\n", b" .\n")
            continue
        with ExitStack() as stack:
            handles = [stack.enter_context(open(p, "rb")) for p in paths[:i]]
            earlier = heapq.merge(*handles)
            seen = next(earlier, None)
            out: list[bytes] = []
            size = 0
            with open(path, "rb") as f:
                for line in f:
                    while seen is not None and seen < line:
                        seen = next(earlier, None)
                    if seen == line:
                        continue
                    out.append(line)
                    size += len(line)
                    if size >= CHUNK_BYTES:
                        yield b"".join(out).replace(b"\x01:", b"_:").replace(b"\n", b" .\n")
                        out, size = [], 0
            if out:
                yield b"".join(out).replace(b"\x01:", b"_:").replace(b"\n", b" .\n")


class StdoutError(KgError):
    """Standard output could not take every byte (a full disk, a closed descriptor)."""


def _pieces(data):
    """``data`` (bytes, or an iterable of bytes) as an iterable of bytes."""
    return [data] if isinstance(data, (bytes, bytearray, memoryview)) else data


def write_stdout(data) -> None:
    """Write every byte of ``data`` (bytes, or an iterable of bytes pieces) to standard
    output, or raise :class:`StdoutError`.

    Writes straight to the descriptor, looping over short writes, so that a
    full disk or a device that refuses bytes is an error rather than a
    truncated output and exit status 0.
    """
    import sys

    stream = sys.stdout
    if stream is None:
        raise StdoutError("cannot write to stdout: it is closed",
                          hint="redirect it to a file, or pass -o FILE")
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        fd = None  # not a real descriptor (a test runner's buffer)
    try:
        stream.flush()
        for piece in _pieces(data):
            if fd is None:
                stream.buffer.write(piece)
                stream.flush()
                continue
            view = memoryview(piece)
            while view:
                n = os.write(fd, view[: 1 << 20])
                if n <= 0:
                    raise OSError(5, "the output took no bytes")
                view = view[n:]
    except BrokenPipeError:
        raise
    except OSError as e:
        raise StdoutError(f"cannot write to stdout: {e.strerror or e}") from None


def _temporary(directory: Path, name: str, mode: int) -> tuple[int, str]:
    """A new file beside the target, created with ``mode`` (less the umask)."""
    import secrets

    for _ in range(100):
        tmp = os.path.join(directory, f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
                           mode), tmp
        except FileExistsError:
            continue
    raise FileExistsError(17, "no free temporary file name")


def _check_reparses(data, fmt: str | None, path: Path, tmp: str | None = None) -> None:
    """``data`` (bytes or a binary file) re-parses as ``fmt``, or the file ``tmp`` does."""
    if fmt not in FORMATS:
        return
    # Oxigraph writes JSON-LD in the streaming profile, which its streaming parser reads in
    # constant memory (the general one held 1.8 GB for the 1,000-article export)
    as_format = ox.RdfFormat.STREAMING_JSON_LD if fmt == "jsonld" else FORMATS[fmt]
    try:
        if tmp is None:
            deque(ox.parse(data, format=as_format), maxlen=0)
        else:
            deque(ox.parse(path=tmp, format=as_format), maxlen=0)
    except (SyntaxError, ValueError) as e:
        raise KgError(f"the {fmt} output did not re-parse ({e}); {path} left as it was") \
            from None


def _write_in_place(path: Path, data, fmt: str | None) -> None:
    """A device, a FIFO or a socket: checked first, then written through, never replaced.

    Pieces (an iterable of bytes) are spooled to an unnamed temporary file first."""
    import tempfile

    with ExitStack() as stack:
        if isinstance(data, (bytes, bytearray, memoryview)):
            _check_reparses(data, fmt, path)
            pieces = [data]
        else:
            try:
                spool = stack.enter_context(tempfile.TemporaryFile())
                for piece in data:
                    spool.write(piece)
                spool.seek(0)
            except OSError as e:
                raise KgError(f"cannot write {path}: {e.strerror or e}; {path} left as it "
                              "was") from None
            if fmt in FORMATS:
                _check_reparses(spool, fmt, path)
                spool.seek(0)
            pieces = iter(lambda: spool.read(1 << 20), b"")
        _write_through(path, pieces)


def _write_through(path: Path, pieces) -> None:
    try:
        with open(path, "wb", buffering=0) as f:
            for piece in pieces:
                view = memoryview(piece)
                while view:
                    n = f.write(view[: 1 << 20])
                    if not n:
                        raise OSError(5, "the output took no bytes")
                    view = view[n:]
    except OSError as e:
        raise KgError(f"cannot write {path}: {e.strerror or e}") from None


def write_atomically(path: Path, data, fmt: str | None = None) -> None:
    """Write ``data`` (bytes, or an iterable of bytes pieces) to ``path`` via a
    temporary file, re-parsed first when RDF.

    On any failure the previous ``path`` is left byte-identical and the
    temporary file is removed; an OS error becomes a one-line KgError. A
    new file gets the umask's mode, an existing one keeps its mode; a
    symlink is followed (its target is replaced, the link stays); a device,
    FIFO or socket (``/dev/null``, ``/proc/self/fd/1``) is written in place.
    """
    import stat

    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise KgError(f"cannot write {path}: {e.strerror or e}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        if stat.S_ISDIR(st.st_mode):
            raise KgError(f"cannot write {path}: it is a directory")
        _write_in_place(path, data, fmt)
        return
    shown = path
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = _temporary(directory, path.name, 0o666 if st is None else 0o600)
    except OSError as e:
        raise KgError(f"cannot write {shown}: {e.strerror or e}",
                      hint="check that the directory exists and is writable") from None
    try:
        with os.fdopen(fd, "wb") as f:
            if st is not None:
                os.fchmod(fd, stat.S_IMODE(st.st_mode))
            for piece in _pieces(data):
                f.write(piece)
            f.flush()
            os.fsync(f.fileno())
        _check_reparses(data if isinstance(data, bytes) else None, fmt, shown, tmp)
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise KgError(f"cannot write {shown}: {e.strerror or e}; {shown} left as it was") \
            from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
