"""What a push sends: each target graph's triples, as request bodies of bounded size.

A target is a graph IRI and a way to walk its distinct triples afresh
(:class:`Target`): a push walks them twice, once to count the triples and
the requests, once to send, and never holds more than one request body (and
the blank-node triples, which come from the ontology, not from the articles).
:func:`store_targets` walks a store's graphs; :func:`quad_targets` sorts quads
already in memory. A store graph without blank nodes is written out once by
Oxigraph, as N-Triples, into a temporary file that both walks read line by
line (:class:`Spool`): the same lines a walk over the store's quads
makes, at a tenth of the time.

The N-Triples of one target are cut into pieces that must travel in one
request (:func:`stream_units`: a triple, or all the triples that share blank
nodes) and packed in order into bodies (:func:`pack`); Virtuoso's updates are
written as ``INSERT`` templates (:func:`insert_template`), everyone else's as
``INSERT DATA`` (:func:`insert_data`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from kg.errors import StoreError, UsageError

#: A blank node in an N-Triples line: the subject (the line starts with ``_:``) or the
#: object (the line ends ``_:label .``; a literal object ends with ``"``, a language
#: tag or ``>``, none of which a label holds).
_BLANK = re.compile(rb'(?m)^_:| _:[^\s"<>]* \.\r?$')


class Spool:
    """A graph's N-Triples lines (no blank node among them) in one file that Oxigraph
    writes at the first walk, into the temporary directory; the file's name is gone at
    once, and the file with the last reference to its spool."""

    def __init__(self, store: ox.Store, graph: ox.NamedNode) -> None:
        self.store, self.graph, self.file = store, graph, None

    def _start(self):
        if self.file is None:
            self.file = _dump(self.store, self.graph)
        self.file.seek(0)
        return self.file

    def has_blank_nodes(self) -> bool:
        """Whether a line has a blank node (then the spool is of no use: see
        :func:`stream_units`); one pass over the file, by regular expression."""
        f = self._start()
        while block := f.read(1 << 24) + f.readline():
            if _BLANK.search(block):
                return True
        return False

    def lines(self) -> Iterator[bytes]:
        """A fresh walk over the lines (``b"<s> <p> <o> .\\n"``)."""
        yield from self._start()

    def blocks(self, budget: int) -> Iterator[bytes]:
        """A fresh walk over the lines packed in order into blocks of at most ``budget``
        bytes: what :func:`pack` makes of :meth:`lines`, cut from the file a block at a
        time."""
        f, rest = self._start(), b""
        while True:
            data = f.read(budget - len(rest))
            if not data:
                break
            data, rest = rest + data, b""
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                raise _too_big(len(data) + len(f.readline()), budget)
            data, rest = data[:cut], data[cut:]
            yield data
        if rest:
            yield rest


@dataclass(frozen=True)
class Target:
    """One graph the push replaces, and a fresh walk over its distinct triples; with a
    ``spool``, the same triples are read from it as N-Triples (see :class:`Spool`)."""

    iri: str
    triples: Callable[[], Iterable[ox.Triple]]
    spool: Spool | None = None


def _triples(quads: Iterable[ox.Quad]) -> Iterator[ox.Triple]:
    for q in quads:
        yield ox.Triple(q.subject, q.predicate, q.object)


def _across(store: ox.Store, graphs: list[ox.NamedNode]) -> Iterator[ox.Triple]:
    """The triples of ``graphs`` in order, each once: a triple already in an earlier
    graph is looked up in the store's index rather than remembered."""
    for k, graph in enumerate(graphs):
        earlier = graphs[:k]
        for q in store.quads_for_pattern(None, None, None, graph):
            if not any(ox.Quad(q.subject, q.predicate, q.object, g) in store for g in earlier):
                yield ox.Triple(q.subject, q.predicate, q.object)


def _dump(store: ox.Store, graph: ox.NamedNode):
    """``graph`` as N-Triples in an open temporary file whose name is already gone."""
    path = None
    try:
        fd, path = tempfile.mkstemp(prefix="kg-push-", suffix=".nt")
        os.close(fd)
        store.dump(output=path, format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
        return open(path, "rb")  # noqa: SIM115 - closed when the walk is dropped
    except OSError as e:
        raise StoreError(f"push: cannot write the triples of <{graph.value}> to a temporary "
                         f"file in {tempfile.gettempdir()}: {e.strerror or e}; nothing was "
                         "sent", hint="free some space there, or set TMPDIR to another "
                                      "directory") from None
    finally:
        if path is not None:
            with contextlib.suppress(OSError):
                os.unlink(path)


def store_targets(store: ox.Store, graphs: list[str], graph_iri: str | None = None
                  ) -> list[Target]:
    """The targets of a push of ``graphs`` (IRIs) from ``store``: each graph under its
    own IRI, or all of them, each triple once, under ``graph_iri``. Empty graphs come
    last, as :func:`quad_targets` puts them. A graph without blank nodes is read from
    a spooled N-Triples dump (:class:`Spool`)."""
    nodes = [ox.NamedNode(g) for g in graphs]
    if graph_iri is not None:
        return [Target(graph_iri, lambda: _across(store, nodes))]

    def walk(node: ox.NamedNode) -> Callable[[], Iterator[ox.Triple]]:
        return lambda: _triples(store.quads_for_pattern(None, None, None, node))

    def target(node: ox.NamedNode) -> Target:
        spool = Spool(store, node)
        return Target(node.value, walk(node), None if spool.has_blank_nodes() else spool)

    full = [n for n in nodes if next(store.quads_for_pattern(None, None, None, n), None)]
    return [target(n) for n in full + [n for n in nodes if n not in full]]


def quad_targets(quads: Iterable[ox.Quad], graph_iri: str | None = None,
                 names: Iterable[str] = ()) -> list[Target]:
    """The targets of a push of ``quads`` held in memory: each quad into the graph of
    its own name, or every triple into ``graph_iri``, each triple once; ``names``
    are graphs to replace even when no quad falls into them."""
    by_target: dict[str, list[ox.Triple]] = {}
    seen: set = set()
    for q in quads:
        target = graph_iri or q.graph_name.value
        key = (target, q.subject, q.predicate, q.object)
        if key not in seen:
            seen.add(key)
            by_target.setdefault(target, []).append(ox.Triple(q.subject, q.predicate, q.object))
    for target in [graph_iri] if graph_iri else names:
        by_target.setdefault(target, [])
    return [Target(t, lambda triples=triples: triples) for t, triples in by_target.items()]


def _line(t: ox.Triple) -> bytes:
    return f"{t} .\n".encode()


def stream_units(triples: Iterable[ox.Triple]) -> Iterator[bytes]:
    """N-Triples text cut into pieces that must travel in one request.

    A blank node is local to one request body, so all the triples that share
    blank nodes (a connected component) form one piece; every other triple is
    a piece of its own, given as it comes. The blank-node groups come last, in
    a deterministic order.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    linked: list[tuple[str, ox.Triple]] = []
    for t in triples:
        bnodes = [term.value for term in (t.subject, t.object)
                  if isinstance(term, ox.BlankNode)]
        if not bnodes:
            yield _line(t)
            continue
        root = find(bnodes[0])
        for b in bnodes[1:]:
            other = find(b)
            if other != root:
                parent[other] = root
        linked.append((bnodes[0], t))
    groups: dict[str, list[bytes]] = {}
    for b, t in linked:
        groups.setdefault(find(b), []).append(_line(t))
    for _, lines in sorted(groups.items()):
        yield b"".join(sorted(lines))


def _too_big(size: int, budget: int) -> UsageError:
    return UsageError(f"one triple (or blank-node group) takes {size} bytes, more than "
                      f"--max-body allows ({budget} bytes for the triples)",
                      hint="pass a larger --max-body")


def pack(pieces: Iterable[bytes], budget: int, max_triples: int | None = None
         ) -> Iterator[bytes]:
    """Pack ``pieces`` in order into bodies of at most ``budget`` bytes (and at most
    ``max_triples`` lines, unless one piece alone has more), one body at a time."""
    current: list[bytes] = []
    size = lines = 0
    for piece in pieces:
        n = piece.count(b"\n")
        if max_triples and lines + n > max_triples and current:
            yield b"".join(current)
            current, size, lines = [], 0, 0
        lines += n
        if len(piece) > budget:
            raise _too_big(len(piece), budget)
        if size + len(piece) > budget and current:
            yield b"".join(current)
            current, size, lines = [], 0, n
        current.append(piece)
        size += len(piece)
    if current:
        yield b"".join(current)


def insert_data(graph: str, body: bytes) -> bytes:
    return b"INSERT DATA { GRAPH <" + graph.encode() + b"> {\n" + body + b"} }\n"


_XSD = b"http://www.w3.org/2001/XMLSchema#"
_DURATION = re.compile(rb' ("(?:[^"\\]|\\.)*"\^\^<' + re.escape(_XSD)
                       + rb'(?:duration|dayTimeDuration|yearMonthDuration)>) \.$')


def insert_template(graph: str, body: bytes) -> bytes:
    """``INSERT { GRAPH <g> { ... } } WHERE { BIND ... }``: the form Virtuoso accepts.

    Virtuoso refuses blank nodes in ``INSERT DATA`` ("not allowed in a constant
    clause") and cannot read an ``xsd:duration`` literal written in an update
    (SR553); an INSERT template takes blank nodes (one solution: one node per
    label, so the request's blank-node groups stay whole) and a duration made
    by ``STRDT`` in the WHERE clause.
    """
    binds: dict[bytes, bytes] = {}
    lines = []
    for line in body.splitlines():
        m = _DURATION.search(line)
        if m:
            var = b"?d" + hashlib.sha1(m.group(1)).hexdigest()[:16].encode()
            lexical, _, datatype = m.group(1).rpartition(b"^^")
            binds[var] = b"BIND(STRDT(" + lexical + b", " + datatype + b") AS " + var + b")"
            line = line[:m.start(1)] + var + b" ."
        lines.append(line + b"\n")
    return (b"INSERT { GRAPH <" + graph.encode() + b"> {\n" + b"".join(lines) + b"} }\nWHERE { "
            + b" ".join(binds[v] for v in sorted(binds)) + b" }\n")


def bodies(targets: list[Target], budget: int, max_triples: int | None = None,
           counts: dict[str, int] | None = None) -> Iterator[tuple[str, bytes]]:
    """(target IRI, N-Triples body) for every request of the upload, in order; the
    triples of each target are counted into ``counts`` as they go by."""
    for target in targets:
        def counted(items: Iterable, iri: str = target.iri) -> Iterator:
            for item in items:
                if counts is not None:
                    counts[iri] = counts.get(iri, 0) + 1
                yield item

        if target.spool is not None and not max_triples:
            for body in target.spool.blocks(budget):
                if counts is not None:
                    counts[target.iri] = counts.get(target.iri, 0) + body.count(b"\n")
                yield target.iri, body
            continue
        pieces = counted(target.spool.lines()) if target.spool is not None \
            else stream_units(counted(target.triples()))
        for body in pack(pieces, budget, max_triples):
            yield target.iri, body
