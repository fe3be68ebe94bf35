"""Checks that turn a graph into a readable report: SHACL shapes and the OWL 2 RL profile.

Three checks, each returning a :class:`Report`:

* :func:`validate` runs the *data shapes* of ``ontology/shapes.ttl`` (pySHACL)
  over a built graph (asserted + background + evidence + inferred), with the
  ontology mixed in so that ``sh:class`` sees the class hierarchy and the SKOS
  schemes;
* :func:`check_ontology_style` runs the *style shapes* of the same file over the
  ontology itself (every term labelled and defined);
* :func:`check_owl2_rl` is a structural checker: every axiom of the ontology
  must use an OWL 2 RL construct from an allow-list, on the side of
  ``rdfs:subClassOf`` where the profile allows it, and no property chain may be
  recursive (owlrl does not terminate on those).

The library never prints and never imports click; :meth:`Report.raise_for_violations`
turns a failed report into a :class:`~kg.errors.ViolationsError` (exit status 3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from .errors import ViolationsError
from .namespaces import shorten
from .resources import ontology_file, read_text

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
    return Graph().parse(data=read_text(ontology_file("shapes.ttl")), format="turtle")


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

        from .rdfterms import quads

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
    """The data shapes compiled to SPARQL (:mod:`kg.shacl_sparql`), once per process."""
    from .shacl_sparql import compile_shapes

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

    from .shacl_sparql import run_compiled

    graphs = None if default_graph is None else [
        ox.NamedNode(g) if isinstance(g, str) else g for g in default_graph]
    compiled = [c for c in compiled_data_shapes() if _show(c.shape) not in skip]
    return run_compiled(compiled, store, graphs, "SHACL data shapes", pool=pool)


def check_ontology_style(ontology: Graph) -> Report:
    """Run the style shapes over the ontology: every term labelled, defined and attributed."""
    return _run_shacl(ontology, shapes_graph(STYLE_SHAPE), "SHACL ontology style shapes")


# ---------------------------------------------------------------------------
# OWL 2 RL profile
# ---------------------------------------------------------------------------

#: Datatypes of the OWL 2 RL profile (OWL 2 Profiles, section 4.3), plus rdfs:Literal.
RL_DATATYPES = frozenset({
    RDFS.Literal, RDF.PlainLiteral, RDF.XMLLiteral, OWL.real, OWL.rational,
    XSD.decimal, XSD.integer, XSD.nonNegativeInteger, XSD.nonPositiveInteger,
    XSD.positiveInteger, XSD.negativeInteger, XSD.long, XSD.int, XSD.short, XSD.byte,
    XSD.unsignedLong, XSD.unsignedInt, XSD.unsignedShort, XSD.unsignedByte,
    XSD.float, XSD.double, XSD.string, XSD.normalizedString, XSD.token, XSD.language,
    XSD.Name, XSD.NCName, XSD.NMTOKEN, XSD.boolean, XSD.hexBinary, XSD.base64Binary,
    XSD.anyURI, XSD.dateTime, XSD.dateTimeStamp,
})

#: Datatypes outside the OWL 2 datatype map that the ontology deliberately uses as
#: the rdfs:range of a datatype property (documented in docs/inference.md): owlrl
#: treats them as opaque, so no rule fires on them.
DATATYPE_EXTENSIONS = frozenset({XSD.duration})

#: The class and property kinds an ontology subject may be typed with.
RL_DECLARATION_TYPES = frozenset({
    OWL.Ontology, OWL.Class, OWL.Restriction, OWL.ObjectProperty, OWL.DatatypeProperty,
    OWL.AnnotationProperty, OWL.TransitiveProperty, OWL.SymmetricProperty,
    OWL.AsymmetricProperty, OWL.IrreflexiveProperty, OWL.FunctionalProperty,
    OWL.InverseFunctionalProperty, OWL.NamedIndividual, OWL.AllDisjointClasses,
    RDFS.Datatype,
})

#: Predicates that may appear in axioms (annotation properties come on top).
RL_AXIOM_PREDICATES = frozenset({
    RDF.type, RDF.first, RDF.rest, RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain,
    RDFS.range, OWL.equivalentClass, OWL.equivalentProperty, OWL.disjointWith,
    OWL.propertyDisjointWith, OWL.inverseOf, OWL.propertyChainAxiom, OWL.intersectionOf,
    OWL.unionOf, OWL.complementOf, OWL.onProperty, OWL.someValuesFrom, OWL.allValuesFrom,
    OWL.hasValue, OWL.maxCardinality, OWL.maxQualifiedCardinality, OWL.onClass,
    OWL.members, OWL.versionIRI,
})

#: Constructs refused outright, with the reason given in the report.
REFUSED = {
    OWL.sameAs: "owl:sameAs makes OWL-RL copy every triple onto the other IRI; use skos:exactMatch",
    OWL.imports: "owl:imports would need the network; declare the external terms used instead",
    OWL.hasKey: "owl:hasKey is handled badly by owlrl",
    OWL.minCardinality: "min cardinality is not OWL 2 RL",
    OWL.cardinality: "exact cardinality is not OWL 2 RL",
    OWL.qualifiedCardinality: "exact cardinality is not OWL 2 RL",
    OWL.minQualifiedCardinality: "min cardinality is not OWL 2 RL",
    OWL.hasSelf: "self restrictions are not OWL 2 RL",
    OWL.disjointUnionOf: "disjoint unions are not OWL 2 RL",
    OWL.oneOf: "enumerations are avoided (owlrl expands them into owl:sameAs reasoning)",
}


class _RL:
    """The structural OWL 2 RL check of one ontology graph."""

    def __init__(self, g: Graph):
        self.g = g
        self.out: list[Violation] = []
        self.annotation = set(g.subjects(RDF.type, OWL.AnnotationProperty))
        self.datatype_props = set(g.subjects(RDF.type, OWL.DatatypeProperty))

    def fail(self, node, message: str, path=None) -> None:
        self.out.append(Violation(_show(node), None if path is None else _show(path),
                                  message, "kg.validation.check_owl2_rl"))

    def members(self, node) -> list:
        return list(Collection(self.g, node))

    # class expressions (OWL 2 Profiles, 4.2)
    def sub(self, c) -> bool:
        if isinstance(c, URIRef):
            return c != OWL.Thing
        g = self.g
        if (lst := g.value(c, OWL.intersectionOf)) is not None or \
           (lst := g.value(c, OWL.unionOf)) is not None:
            return all(self.sub(x) for x in self.members(lst))
        if g.value(c, OWL.onProperty) is not None:
            if (filler := g.value(c, OWL.someValuesFrom)) is not None:
                return filler == OWL.Thing or self.sub(filler)
            return g.value(c, OWL.hasValue) is not None
        return False

    def sup(self, c) -> bool:
        if isinstance(c, URIRef):
            return c != OWL.Thing
        g = self.g
        if (lst := g.value(c, OWL.intersectionOf)) is not None:
            return all(self.sup(x) for x in self.members(lst))
        if (neg := g.value(c, OWL.complementOf)) is not None:
            return self.sub(neg)
        if g.value(c, OWL.onProperty) is not None:
            if (filler := g.value(c, OWL.allValuesFrom)) is not None:
                return self.sup(filler)
            if g.value(c, OWL.hasValue) is not None:
                return True
            for card in (OWL.maxCardinality, OWL.maxQualifiedCardinality):
                if (n := g.value(c, card)) is not None:
                    return str(n) in {"0", "1"}
        return False

    def equiv(self, c) -> bool:
        if isinstance(c, URIRef):
            return c != OWL.Thing
        if (lst := self.g.value(c, OWL.intersectionOf)) is not None:
            return all(self.equiv(x) for x in self.members(lst))
        return self.g.value(c, OWL.onProperty) is not None and \
            self.g.value(c, OWL.hasValue) is not None

    def run(self) -> list[Violation]:
        g = self.g
        for s, p, _o in g:
            if p in REFUSED:
                self.fail(s, REFUSED[p], p)
            elif p not in RL_AXIOM_PREDICATES and p not in self.annotation:
                self.fail(s, "predicate is neither an OWL 2 RL axiom nor a declared annotation "
                             "property", p)
        for s, o in g.subject_objects(RDFS.subClassOf):
            if not self.sub(s):
                self.fail(s, "not an OWL 2 RL subclass expression (left of rdfs:subClassOf)",
                          RDFS.subClassOf)
            if not self.sup(o):
                self.fail(s, f"{_show(o)} is not an OWL 2 RL superclass expression",
                          RDFS.subClassOf)
        for s, o in g.subject_objects(OWL.equivalentClass):
            if not (self.equiv(s) and self.equiv(o)):
                self.fail(s, "owl:equivalentClass needs OWL 2 RL equivalent-class expressions "
                             "on both sides", OWL.equivalentClass)
        for s, o in g.subject_objects(OWL.disjointWith):
            if not (self.sub(s) and self.sub(o)):
                self.fail(s, "owl:disjointWith needs subclass expressions", OWL.disjointWith)
        for s, o in g.subject_objects(RDFS.domain):
            if not self.sup(o):
                self.fail(s, "the domain is not an OWL 2 RL superclass expression", RDFS.domain)
        for s, o in g.subject_objects(RDFS.range):
            if s in self.datatype_props:
                if o not in RL_DATATYPES and o not in DATATYPE_EXTENSIONS:
                    self.fail(s, f"datatype {_show(o)} is not in the OWL 2 RL datatype list",
                              RDFS.range)
            elif not self.sup(o):
                self.fail(s, "the range is not an OWL 2 RL superclass expression", RDFS.range)
        self.check_chains()
        return self.out

    def check_chains(self) -> None:
        g = self.g
        for q, lst in g.subject_objects(OWL.propertyChainAxiom):
            chain = self.members(lst)
            # what the chain infers for q also holds for every superproperty of q: if one of
            # them is in the chain, the chain feeds itself
            fed = set(g.transitive_objects(q, RDFS.subPropertyOf))
            if len(chain) < 2:
                self.fail(q, "a property chain needs at least two properties",
                          OWL.propertyChainAxiom)
            for p in chain:
                if not isinstance(p, URIRef):
                    self.fail(q, "a property chain may list only named properties",
                              OWL.propertyChainAxiom)
                elif p in fed:
                    self.fail(q, f"recursive property chain: {_show(q)} is (a subproperty of) "
                                 f"{_show(p)}, which is in its own chain; owlrl does not "
                                 "terminate on it",
                              OWL.propertyChainAxiom)


def check_owl2_rl(ontology: Graph) -> Report:
    """Check that every axiom of the ontology is an OWL 2 RL construct owlrl handles well."""
    violations = _RL(ontology).run()
    return Report("OWL 2 RL profile", not violations, violations)


__all__ = [
    "DATA_SHAPE", "STYLE_SHAPE", "Report", "Violation", "check_ontology_style",
    "check_owl2_rl", "compiled_data_shapes", "shapes_graph", "validate", "validate_store",
]

