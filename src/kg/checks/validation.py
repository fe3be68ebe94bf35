"""pySHACL, the reference SHACL engine: the oracle of the differential tests.

``kg build`` checks the shapes with kg's own engine (:mod:`kg.checks.shacl_sparql`);
this module runs the same shapes in pySHACL, for the tests (both engines must
report the same violations), for ``kg build --shapes pyshacl``, and for the
style shapes over the ontology (a development check). Importing it imports
pySHACL; nothing on the default path of a build does.

* :func:`validate` runs the *data shapes* over a built graph (asserted +
  background + evidence + inferred), with the ontology mixed in so that
  ``sh:class`` sees the class hierarchy and the SKOS schemes;
* :func:`check_ontology_style` runs the *style shapes* over the ontology itself.
"""

from __future__ import annotations

import pyshacl
from rdflib import Graph
from rdflib.namespace import SH

from kg.checks.report import Report, Violation
from kg.checks.shapes import (
    DATA_SHAPE,
    NAMED_GRAPHS_SHAPE,
    STYLE_SHAPE,
    check_id,
    named_graphs_shapes,
    owning_shape,
    shapes_graph,
    show,
)


def _run_shacl(data: Graph, shapes: Graph, title: str) -> Report:
    conforms, results, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=False,
        abort_on_first=False)
    violations = []
    # top-level results only: the sh:detail of a failed sh:node repeats what they say
    for result in results.objects(None, SH.result):
        shape = results.value(result, SH.sourceShape)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        messages = sorted(str(m) for m in results.objects(result, SH.resultMessage))
        focus = results.value(result, SH.focusNode)
        if value == focus:  # SPARQL constraints without ?value repeat the focus node
            value = None
        violations.append(Violation(
            id=check_id(shapes, shape), focus=show(focus),
            message=messages[0] if messages else "violation",
            path=None if path is None else show(path, shapes),
            value=None if value is None else show(value),
            shape=show(owning_shape(shapes, shape))))
    return Report(title, bool(conforms), violations)


def _without(report: Report, shapes: frozenset[str]) -> Report:
    kept = [v for v in report.violations if v.shape not in shapes]
    return Report(report.title, not kept, kept)


def data_shapes_for_pyshacl() -> Graph:
    """The data shapes less those naming the build's graphs, which pySHACL cannot run."""
    shapes = shapes_graph(DATA_SHAPE)
    for shape in list(shapes.subjects(None, NAMED_GRAPHS_SHAPE)):
        shapes.remove((shape, None, None))
    return shapes


def validate(data: Graph, ontology: Graph, skip: frozenset[str] = frozenset()) -> Report:
    """Run the data shapes in pySHACL over a built graph (asserted + background + evidence
    + inferred); kg's engine over the same graphs must find the same violations.

    The ontology is mixed into a copy of the data so that ``sh:class`` sees the class
    hierarchy and concepts their schemes; no reasoning is done here (the build reasons
    first and passes the inferred graph in). The data is one graph, without the
    build's named graphs: the shapes typed ``kgsh:NamedGraphsShape`` are left out, as
    are those named in ``skip`` (``kgsh:Name``).
    """
    mixed = Graph()
    for triple in data:
        mixed.add(triple)
    for triple in ontology:
        mixed.add(triple)
    return _without(_run_shacl(mixed, data_shapes_for_pyshacl(), "SHACL data shapes"),
                    skip | named_graphs_shapes())


def check_ontology_style(ontology: Graph) -> Report:
    """Run the style shapes over the ontology: every term labelled, defined and attributed."""
    return _run_shacl(ontology, shapes_graph(STYLE_SHAPE), "SHACL ontology style shapes")


__all__ = ["check_ontology_style", "data_shapes_for_pyshacl", "validate"]
