"""Conversion between rdflib terms (the build) and pyoxigraph terms (the store)."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef


def to_ox(term):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def from_ox(term):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    raise TypeError(f"not an RDF term: {term!r}")


def graph_from_turtle(text: str):
    """An rdflib Graph of a Turtle document, parsed by pyoxigraph (several times faster
    than rdflib's own parser, whose module is then never imported).

    The same triples as ``Graph().parse(data=text, format="turtle")`` (plain literals
    without a datatype, as rdflib parses them; fresh blank nodes) and the same prefixes
    bound. For kg's own, known-good Turtle: a syntax error is pyoxigraph's ``SyntaxError``.
    """
    from rdflib import Graph

    g = Graph()
    blanks: dict[str, BNode] = {}

    def term(t):
        if isinstance(t, ox.NamedNode):
            return URIRef(t.value)
        if isinstance(t, ox.Literal):
            if t.language:
                return Literal(t.value, lang=t.language)
            dt = t.datatype.value
            return Literal(t.value) if dt == _XSD_STRING else Literal(t.value, datatype=URIRef(dt))
        b = blanks.get(t.value)
        if b is None:
            b = blanks[t.value] = BNode()
        return b

    parser = ox.parse(text, format=ox.RdfFormat.TURTLE)
    g.addN((term(t.subject), term(t.predicate), term(t.object), g) for t in parser)
    for prefix, iri in parser.prefixes.items():
        g.bind(prefix, iri)
    return g


def quads(graph_iri: str, triples):
    g = ox.NamedNode(graph_iri)
    for s, p, o in triples:
        yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), g)


# -- N-Quads text, for streaming large builds into the store -----------------

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def nt_literal(text: str) -> str:
    """A plain (xsd:string) literal in N-Triples syntax."""
    return '"' + text.translate(_ESCAPES) + '"'


def nt(term) -> str:
    """A term in N-Triples syntax (IRIs are already valid: rdflib checked them)."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        text = nt_literal(str(term))
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is not None and str(term.datatype) != _XSD_STRING:
            return f"{text}^^<{term.datatype}>"
        return text
    if isinstance(term, BNode):
        return f"_:{term}"
    raise TypeError(f"not an RDF term: {term!r}")


def nquads(graph_iri: str, triples, chunk: int = 100_000):
    """The triples as N-Quads in one graph, in pieces of ``chunk`` triples (bytes).

    Pieces keep the text of a large graph from being held all at once; within
    a piece, each distinct term is serialised once.
    """
    cache: dict = {}
    g = f" <{graph_iri}> .\n"
    out = []
    for triple in triples:
        parts = []
        for term in triple:
            text = cache.get(term)
            if text is None:
                text = cache[term] = nt(term)
            parts.append(text)
        out.append(" ".join(parts) + g)
        if len(out) >= chunk:
            yield "".join(out).encode("utf-8")
            out = []
            cache.clear()
    if out:
        yield "".join(out).encode("utf-8")
