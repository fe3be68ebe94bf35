"""The shapes file, ``ontology/shapes.ttl``: its families, check ids, and terms as shown.

Both SHACL engines (:mod:`kg.checks.shacl_sparql`, the one kg runs, and
:mod:`kg.checks.validation`, pySHACL, the reference in the tests) read the shapes
through this module, and render terms and ids with it, so that they report the
same :class:`~kg.checks.report.Violation` values.
"""

from __future__ import annotations

import re
from functools import cache

from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SH

from kg.checks.report import ID_PREFIX
from kg.namespaces import shorten
from kg.resources import ontology_file, read_text

KGSH = Namespace("https://w3id.org/kg/shapes#")

#: Marks a shape of ``shapes.ttl`` as checking built data.
DATA_SHAPE = KGSH.DataShape
#: Marks a shape of ``shapes.ttl`` as checking the ontology itself.
STYLE_SHAPE = KGSH.StyleShape
#: Marks a data shape as checking only the evidence graph kg writes itself.
EVIDENCE_SHAPE = KGSH.EvidenceIntegrityShape
#: Marks a data shape whose SPARQL names the build's graphs (``GRAPH kgg:asserted``):
#: pySHACL, which sees one merged graph, cannot run it.
NAMED_GRAPHS_SHAPE = KGSH.NamedGraphsShape


@cache
def _shapes_graph() -> Graph:
    from kg.model.rdfterms import graph_from_turtle

    return graph_from_turtle(read_text(ontology_file("shapes.ttl")))


def shapes_graph(family: URIRef) -> Graph:
    """The shapes of one family (:data:`DATA_SHAPE` or :data:`STYLE_SHAPE`) with all they reach."""
    shapes = _shapes_graph()
    other = STYLE_SHAPE if family == DATA_SHAPE else DATA_SHAPE
    excluded = set(shapes.subjects(RDF.type, other))
    out = Graph()
    for prefix, ns in shapes.namespaces():
        out.bind(prefix, ns)
    todo = list(shapes.subjects(RDF.type, family))
    seen: set = set()
    while todo:
        node = todo.pop()
        if node in seen or node in excluded:
            continue
        seen.add(node)
        for _, p, o in shapes.triples((node, None, None)):
            out.add((node, p, o))
            if isinstance(o, BNode) or (isinstance(o, URIRef) and (o, None, None) in shapes
                                        and p != RDF.type):
                todo.append(o)
    return out


def owning_shape(shapes: Graph, shape):
    """The named node shape a (possibly blank) property shape or constraint belongs to."""
    seen = set()
    while isinstance(shape, BNode) and shape not in seen:
        seen.add(shape)
        parent = next(shapes.subjects(None, shape), None)
        if parent is None:
            break
        shape = parent
    return shape


def check_id(shapes: Graph, source) -> str:
    """The id (``kg-check:...``) of the check a shape, property shape or constraint makes.

    The nearest ``dcterms:identifier`` from ``source`` up to its named node shape;
    a shape without one (the style shapes) is named after itself:
    ``kgsh:TermStyleShape`` -> ``kg-check:term-style``.
    """
    node, seen = source, set()
    while node is not None and node not in seen:
        seen.add(node)
        if (ident := shapes.value(node, DCTERMS.identifier)) is not None:
            return ID_PREFIX + str(ident)
        node = next(shapes.subjects(None, node), None) if isinstance(node, BNode) else None
    name = str(owning_shape(shapes, source)).rsplit("#", 1)[-1].removesuffix("Shape")
    return ID_PREFIX + re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def show(term, graph: Graph | None = None) -> str:
    """A term as the reports show it: ``kgr:x``, ``kgsh:Name``, a quoted literal, ``^kg:p``."""
    if isinstance(term, URIRef):
        if str(term).startswith(str(KGSH)):
            return "kgsh:" + str(term)[len(str(KGSH)):]
        return shorten(str(term))
    if isinstance(term, Literal):
        text = str(term)
        return repr(text if len(text) <= 60 else text[:57] + "...")
    if isinstance(term, BNode) and graph is not None:
        inverse = graph.value(term, SH.inversePath)
        if inverse is not None:
            return f"^{show(inverse)}"
    return "[]" if isinstance(term, BNode) else str(term)


def _typed(kind: URIRef) -> frozenset[str]:
    return frozenset(show(s) for s in _shapes_graph().subjects(RDF.type, kind))


@cache
def evidence_integrity_shapes() -> frozenset[str]:
    """The data shapes (as shown, ``kgsh:Name``) that check only what kg itself writes."""
    return _typed(EVIDENCE_SHAPE)


@cache
def named_graphs_shapes() -> frozenset[str]:
    """The data shapes (as shown) whose SPARQL names the build's graphs."""
    return _typed(NAMED_GRAPHS_SHAPE)


__all__ = [
    "DATA_SHAPE", "EVIDENCE_SHAPE", "KGSH", "NAMED_GRAPHS_SHAPE", "STYLE_SHAPE", "check_id",
    "evidence_integrity_shapes", "named_graphs_shapes", "owning_shape", "shapes_graph", "show",
]
