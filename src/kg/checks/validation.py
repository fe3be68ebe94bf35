"""Checks that turn a graph into a readable report: SHACL shapes.

Two checks, each returning a :class:`Report` (the OWL 2 RL profile checker,
a development tool, is ``tools/owl2rl_profile.py``):

* :func:`validate` runs the *data shapes* of ``ontology/shapes.ttl`` (pySHACL)
  over a built graph (asserted + background + evidence + inferred), with the
  ontology mixed in so that ``sh:class`` sees the class hierarchy and the SKOS
  schemes;
* :func:`check_ontology_style` runs the *style shapes* of the same file over the
  ontology itself (every term labelled and defined).

The library never prints and never imports click; :meth:`Report.raise_for_violations`
turns a failed report into a :class:`~kg.errors.ViolationsError` (exit status 3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import SH

from kg.errors import ViolationsError
from kg.namespaces import shorten
from kg.resources import ontology_file, read_text

KGSH = Namespace("https://w3id.org/kg/shapes#")

#: Marks a shape of ``shapes.ttl`` as checking built data.
DATA_SHAPE = KGSH.DataShape
#: Marks a shape of ``shapes.ttl`` as checking the ontology itself.
STYLE_SHAPE = KGSH.StyleShape
#: Marks a data shape as checking only the evidence graph kg writes itself.
EVIDENCE_SHAPE = KGSH.EvidenceIntegrityShape


@dataclass(frozen=True)
class Violation:
    """One problem found by a check."""

    focus: str
    path: str | None
    message: str
    shape: str
    value: str | None = None

    def line(self) -> str:
        where = self.focus if self.path is None else f"{self.focus} {self.path}"
        value = "" if self.value is None else f" (value: {self.value})"
        return f"{where}: {self.message}{value} [{self.shape}]"


@dataclass(frozen=True)
class Report:
    """The outcome of a check: whether the graph conforms, and why not."""

    title: str
    conforms: bool
    violations: list[Violation] = field(default_factory=list)

    def text(self) -> str:
        """A readable multi-line report, one violation a line, sorted."""
        if self.conforms:
            return f"{self.title}: conforms"
        n = len(self.violations)
        lines = [f"{self.title}: {n} violation{'' if n == 1 else 's'}"]
        lines += ["  " + v.line() for v in sorted(self.violations, key=_sort_key)]
        return "\n".join(lines)

    def raise_for_violations(self) -> None:
        """Raise :class:`~kg.errors.ViolationsError` (exit status 3) unless the graph conforms."""
        if not self.conforms:
            n = len(self.violations)
            raise ViolationsError(
                f"{self.title}: {n} violation{'' if n == 1 else 's'}", report=self.text(),
                hint="each line names the resource, the property, the problem and the shape")


def _sort_key(v: Violation) -> tuple:
    return (v.focus, v.path or "", v.message, v.shape, v.value or "")


# ---------------------------------------------------------------------------
# SHACL
# ---------------------------------------------------------------------------


@cache
def _shapes_graph() -> Graph:
    from kg.model.rdfterms import graph_from_turtle

    return graph_from_turtle(read_text(ontology_file("shapes.ttl")))


def shapes_graph(family: URIRef) -> Graph:
    """The shapes of one family (:data:`DATA_SHAPE` or :data:`STYLE_SHAPE`) with all they reach."""
    return _family(_shapes_graph(), family)


def _family(shapes: Graph, family: URIRef) -> Graph:
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


def _run_shacl(data: Graph, shapes: Graph, title: str) -> Report:
    import pyshacl

    conforms, results, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=False,
        abort_on_first=False)
    violations = []
    # top-level results only: the sh:detail of a failed sh:node repeats what they say
    for result in results.objects(None, SH.result):
        shape = results.value(result, SH.sourceShape)
        owner = owning_shape(shapes, shape)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        messages = sorted(str(m) for m in results.objects(result, SH.resultMessage))
        focus = results.value(result, SH.focusNode)
        if value == focus:  # SPARQL constraints without ?value repeat the focus node
            value = None
        violations.append(Violation(
            focus=_show(focus),
            path=None if path is None else _show(path, shapes),
            message=messages[0] if messages else "violation",
            shape=_show(owner),
            value=None if value is None else _show(value)))
    return Report(title, bool(conforms), violations)


def owning_shape(shapes: Graph, shape):
    """The named node shape a (possibly blank) property shape belongs to."""
    seen = set()
    while isinstance(shape, BNode) and shape not in seen:
        seen.add(shape)
        parent = next(shapes.subjects(None, shape), None)
        if parent is None:
            break
        shape = parent
    return shape


def _show(term, graph: Graph | None = None) -> str:
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
            return f"^{_show(inverse)}"
    return "[]" if isinstance(term, BNode) else str(term)


@cache
def evidence_integrity_shapes() -> frozenset[str]:
    """The data shapes (as shown, ``kgsh:Name``) that check only what kg itself writes."""
    return frozenset(_show(s) for s in _shapes_graph().subjects(RDF.type, EVIDENCE_SHAPE))


def _without(report: Report, shapes: frozenset[str]) -> Report:
    kept = [v for v in report.violations if v.shape not in shapes]
    return Report(report.title, not kept, kept)


def validate(data: Graph, ontology: Graph, engine: str = "pyshacl",
             skip: frozenset[str] = frozenset()) -> Report:
    """Run the data shapes over a built graph (asserted + background + evidence + inferred).

    The ontology is mixed into a copy of the data so that ``sh:class`` sees the class
    hierarchy and concepts their schemes; no reasoning is done here (the build reasons
    first and passes the inferred graph in).

    ``engine="pyshacl"`` (the default) is the reference engine; ``engine="sparql"``
    loads both graphs into an in-memory Oxigraph store and runs the shapes compiled
    to SPARQL (:func:`validate_store`), which must find the same violations.
    Shapes named in ``skip`` (``kgsh:Name``) are left out.
    """
    if engine == "sparql":
        import pyoxigraph as ox

        from kg.model.rdfterms import quads

        store = ox.Store()
        g = ox.NamedNode("https://w3id.org/kg/graph/validation-data")
        store.bulk_extend(quads(g.value, data))
        store.bulk_extend(quads(g.value, ontology))
        return validate_store(store, [g], skip=skip)
    if engine != "pyshacl":
        raise ValueError(f"unknown SHACL engine {engine!r} (pyshacl or sparql)")
    mixed = Graph()
    for triple in data:
        mixed.add(triple)
    for triple in ontology:
        mixed.add(triple)
    return _without(_run_shacl(mixed, shapes_graph(DATA_SHAPE), "SHACL data shapes"), skip)


@cache
def compiled_data_shapes() -> tuple:
    """The data shapes compiled to SPARQL (:mod:`kg.checks.shacl_sparql`), once per process."""
    from kg.checks.shacl_sparql import compile_shapes

    return tuple(compile_shapes(shapes_graph(DATA_SHAPE)))


def validate_store(store, default_graph=None, pool=None,
                   skip: frozenset[str] = frozenset()) -> Report:
    """Run the data shapes, compiled to SPARQL, over a pyoxigraph store (the fast engine).

    ``default_graph`` lists the graphs whose union is checked (IRIs as ``str`` or
    ``pyoxigraph.NamedNode``); it must include the ontology graph, as :func:`validate`
    mixes the ontology in. ``None`` (the default) checks the union of *every* graph of
    the store, which is 2-3x faster: right for a build's store, which holds exactly
    ``kgg:ontology``, ``kgg:asserted``, ``kgg:background``, ``kgg:evidence`` and
    ``kgg:inferred``. Returns the same :class:`Report` as :func:`validate` (title,
    violation lines); ``report.raise_for_violations()`` exits with status 3.
    With ``pool`` (an Executor), the shapes' queries run on it side by side.
    Shapes named in ``skip`` (``kgsh:Name``) are left out.
    """
    import pyoxigraph as ox

    from kg.checks.shacl_sparql import run_compiled

    graphs = None if default_graph is None else [
        ox.NamedNode(g) if isinstance(g, str) else g for g in default_graph]
    compiled = [c for c in compiled_data_shapes() if _show(c.shape) not in skip]
    return run_compiled(compiled, store, graphs, "SHACL data shapes", pool=pool)


def check_ontology_style(ontology: Graph) -> Report:
    """Run the style shapes over the ontology: every term labelled, defined and attributed."""
    return _run_shacl(ontology, shapes_graph(STYLE_SHAPE), "SHACL ontology style shapes")


__all__ = [
    "DATA_SHAPE", "STYLE_SHAPE", "Report", "Violation", "check_ontology_style",
    "compiled_data_shapes", "shapes_graph", "validate", "validate_store",
]

