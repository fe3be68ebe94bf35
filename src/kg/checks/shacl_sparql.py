"""kg's SHACL engine: the shapes of ``ontology/shapes.ttl`` compiled to SPARQL for Oxigraph.

This is the one engine ``kg build`` and ``kg check`` run, at every size
(:func:`validate_store`). pySHACL (:func:`kg.checks.validation.validate`) is the
reference: ``tests/test_shacl_sparql.py`` checks that both find the same
violations (focus nodes, constraints, ids, messages) on the seed and on hostile
fixtures; ``kg build --shapes pyshacl`` runs it on request.

:func:`compile_shapes` turns every *constraint* of every targeted node shape into
one :class:`CompiledShape`: a single SPARQL ``SELECT`` whose rows are the
violations (``?this``, optionally ``?value``, plus the variables a ``sh:sparql``
message mentions). The queries are linear: the focus nodes are computed once by
a sub-select, and "no such value" is a ``MINUS`` or a ``GROUP BY ... HAVING``,
never a correlated ``FILTER NOT EXISTS`` (Oxigraph evaluates those once per outer
row). Where ``sh:minCount 1`` and ``sh:maxCount`` look for a node's values, the
target pattern itself (:class:`_Focus`, ``inner``) is joined with the path, not
the sub-select: Oxigraph then looks the path up from each focus node instead of
holding every triple of the path in memory (at 10,000 articles, 730 MB per
constraint on ``rdf:subject``, whose triples are mostly the evidence's). A
``sh:sparql`` constraint runs once over all focus nodes: ``$this`` becomes the
focus variable, joined with the target; the shapes write their own ``sh:sparql``
constraints as left joins (``OPTIONAL`` + ``!BOUND``), which both engines
evaluate once.

Only the SHACL Core features that ``shapes.ttl`` uses are supported; any other
``sh:`` term raises :class:`UnsupportedShapeError` naming it, so that a future shape
is never skipped silently. Supported:

* targets: ``sh:targetClass`` (with ``rdfs:subClassOf*``), ``sh:targetNode``,
  ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``, ``sh:target`` with a
  ``sh:SPARQLTarget`` (``sh:select``, ``sh:prefixes``);
* paths: a predicate IRI, ``sh:inversePath``, sequence paths (RDF lists),
  ``sh:alternativePath``;
* components: ``sh:minCount``, ``sh:maxCount``, ``sh:class``, ``sh:datatype``
  (with well-formedness for the XSD types Oxigraph can cast), ``sh:nodeKind``,
  ``sh:in``, ``sh:hasValue``, ``sh:pattern`` (+ ``sh:flags``), ``sh:minInclusive``,
  ``sh:maxInclusive``, ``sh:minExclusive``, ``sh:maxExclusive``, ``sh:minLength``,
  ``sh:maxLength``, ``sh:languageIn``, ``sh:uniqueLang``, ``sh:lessThan``,
  ``sh:node``, ``sh:or``, ``sh:sparql`` (``sh:select``, ``sh:prefixes``; top-level
  shapes only);
* ``sh:message``, ``sh:severity``, ``sh:deactivated``; non-validating
  ``sh:name``/``sh:description``/``sh:order``/``sh:group`` are ignored.

Known differences from pySHACL, outside what the shapes and the data exercise:
``sh:pattern`` uses Oxigraph's regex dialect (Rust ``regex``; ``$`` matches only
at the very end), ``sh:lessThan`` compares with SPARQL ``<`` (IRIs never compare),
and default messages (shapes without ``sh:message``) follow pySHACL's wording
with the project's prefixes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import count

from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from kg.checks.report import Report, Violation
from kg.checks.shapes import DATA_SHAPE, check_id, owning_shape, shapes_graph, show

_RDF_TYPE_PATH = ("<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/"
                  "<http://www.w3.org/2000/01/rdf-schema#subClassOf>*")

#: XSD datatypes whose lexical forms Oxigraph checks when casting (ill-typed -> error).
_CASTABLE = frozenset({
    XSD.integer, XSD.decimal, XSD.float, XSD.double, XSD.boolean, XSD.date, XSD.dateTime,
    XSD.time, XSD.duration, XSD.gYear, XSD.gYearMonth, XSD.gMonth, XSD.gDay, XSD.gMonthDay,
    XSD.dayTimeDuration, XSD.yearMonthDuration,
})

_IGNORED = frozenset({SH.name, SH.description, SH.order, SH.group, SH.defaultValue})
_NODE_KINDS = {
    SH.IRI: "isIRI({v})", SH.BlankNode: "isBlank({v})", SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
_RANGES = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">",
           SH.maxExclusive: "<"}

#: Predicates allowed on each kind of node; anything else of the sh: namespace is refused.
_TARGETS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target}
_VALUE_COMPONENTS = {SH["class"], SH.datatype, SH.nodeKind, SH["in"], SH.hasValue, SH.pattern,
                     SH.flags, SH.minLength, SH.maxLength, SH.languageIn, SH.node, SH["or"],
                     *_RANGES}
_COMMON = {SH.message, SH.severity, SH.deactivated, *_IGNORED}
_NODE_ALLOWED = _TARGETS | _VALUE_COMPONENTS | _COMMON | {SH.property, SH.sparql}
_PROPERTY_ALLOWED = _VALUE_COMPONENTS | _COMMON | {SH.path, SH.minCount, SH.maxCount,
                                                  SH.uniqueLang, SH.lessThan}


class UnsupportedShapeError(ValueError):
    """A shape uses a SHACL construct this compiler does not implement."""


@dataclass(frozen=True)
class CompiledShape:
    """One constraint of one targeted shape, as a SPARQL query whose rows are violations.

    ``shape`` is the named node shape reported (as pySHACL's report names the node shape
    owning a blank property shape); ``source`` the node carrying the constraint (the
    property shape, the node shape, or the ``sh:sparql`` node); ``path`` the result
    path as shown in reports; ``messages`` the ``sh:message`` texts (``{?var}``
    placeholders are filled from the row). Rows bind ``?this`` and, for value-level
    constraints, ``?value``.
    """

    shape: URIRef
    source: object
    component: str
    path: str | None
    messages: tuple[str, ...]
    severity: URIRef
    query: str
    variables: tuple[str, ...] = field(default=())
    default_message: str = ""
    id: str = ""  # the check's id, kg-check:... (docs/checks.md)


# ---------------------------------------------------------------------------
# SPARQL text helpers
# ---------------------------------------------------------------------------


def _term(node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    raise UnsupportedShapeError(f"a blank node {node} cannot be a constant in a constraint")


_PREFIX_RE = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)


def _split_prefixes(text: str) -> tuple[dict[str, str], str]:
    prefixes = {}
    while m := _PREFIX_RE.match(text):
        prefixes[m.group(1) or ""] = m.group(2)
        text = text[m.end():]
    return prefixes, text


def _scan(text: str, start: int) -> int:
    """Index just after the '}' closing the '{' at ``start`` (skips strings, IRIs, comments)."""
    depth = 0
    i = start
    n = len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            quote = text[i:i + 3] if text[i:i + 3] in ('"""', "'''") else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            i = j + len(quote)
            continue
        if c == "<":
            m = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>").match(text, i)
            if m:
                i = m.end()
                continue
        if c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise UnsupportedShapeError("unbalanced braces in a SPARQL query of the shapes")


def _split_select(text: str, where: str) -> tuple[str, str]:
    """``SELECT <projection> WHERE { <body> }`` -> (projection, body)."""
    m = re.match(r"\s*SELECT\s+(.*?)\s*(?:WHERE\s*)?\{", text, re.IGNORECASE | re.DOTALL)
    if not m:
        raise UnsupportedShapeError(f"{where}: only SELECT queries are supported")
    open_brace = m.end() - 1
    end = _scan(text, open_brace)
    if text[end:].strip():
        raise UnsupportedShapeError(
            f"{where}: solution modifiers after the WHERE clause are not supported: "
            f"{text[end:].strip()[:40]!r}")
    return m.group(1), text[open_brace + 1:end - 1]


_VAR_RE = re.compile(r"[?$]([A-Za-z_][\w]*)")


# ---------------------------------------------------------------------------
# The compiler
# ---------------------------------------------------------------------------


@dataclass
class _Failure:
    """A group pattern binding the focus variable (and the value variable, if any)."""

    source: object
    component: str
    path: object  # rdflib path node, or None
    pattern: str
    value: str | None  # the variable holding the value node, or None
    messages: tuple[str, ...] = ()
    variables: tuple[str, ...] = ()  # extra projected variables (sh:sparql)
    projection: str | None = None  # sh:sparql: the user's projection
    prefixes: dict = field(default_factory=dict)
    default: str = ""  # pySHACL's generic message, used when the shape has no sh:message


class _Focus(str):
    """The focus nodes bound to ``f`` by ``pattern``, as a ``SELECT DISTINCT`` sub-select
    (the string itself), with the group pattern it selects from (``inner``; it may bind
    a node more than once)."""

    inner: str

    def __new__(cls, f: str, pattern: str) -> _Focus:
        focus = super().__new__(cls, f"{{ SELECT DISTINCT {f} WHERE {{ {pattern} }} }}")
        focus.inner = f"{{ {pattern} }}"
        return focus


class _Compiler:
    def __init__(self, shapes: Graph):
        self.g = shapes
        self.fresh = count(1)

    def var(self, hint: str = "x") -> str:
        return f"?_{hint}{next(self.fresh)}"

    def check(self, node, allowed: set, kind: str) -> None:
        for p in set(self.g.predicates(node, None)):
            if str(p).startswith(str(SH)) and p not in allowed:
                raise UnsupportedShapeError(
                    f"{kind} {self.name(node)} uses {self.g.qname(p)}, which "
                    "kg.checks.shacl_sparql "
                    "does not support (extend the compiler, or express the shape differently)")

    def name(self, node) -> str:
        if isinstance(node, URIRef):
            return self.g.namespace_manager.normalizeUri(node)
        owner = owning_shape(self.g, node)
        return f"[] (a blank node of {self.name(owner)})" if owner != node else "[]"

    def one(self, node, p):
        values = list(self.g.objects(node, p))
        if len(values) > 1:
            raise UnsupportedShapeError(f"{self.name(node)} has {len(values)} values of "
                                        f"{self.g.qname(p)}; one is supported")
        return values[0] if values else None

    def deactivated(self, node) -> bool:
        v = self.one(node, SH.deactivated)
        return v is not None and bool(v.toPython()) is True

    def messages(self, node) -> tuple[str, ...]:
        return tuple(sorted(str(m) for m in self.g.objects(node, SH.message)))

    def prefixes(self, node) -> dict[str, str]:
        out: dict[str, str] = {}
        for decl_owner in self.g.objects(node, SH.prefixes):
            for decl in self.g.objects(decl_owner, SH.declare):
                prefix = str(self.g.value(decl, SH.prefix))
                out[prefix] = str(self.g.value(decl, SH.namespace))
        return out

    def show(self, node) -> str:
        return show(node, self.g)

    # paths -----------------------------------------------------------------

    def path(self, node) -> str:
        if isinstance(node, URIRef):
            return f"<{node}>"
        if (inv := self.g.value(node, SH.inversePath)) is not None:
            return f"^({self.path(inv)})"
        if (alt := self.g.value(node, SH.alternativePath)) is not None:
            return "(" + "|".join(self.path(p) for p in Collection(self.g, alt)) + ")"
        if self.g.value(node, RDF.first) is not None:
            return "(" + "/".join(self.path(p) for p in Collection(self.g, node)) + ")"
        preds = sorted(self.g.qname(p) for p in self.g.predicates(node, None))
        raise UnsupportedShapeError(f"unsupported sh:path form ({', '.join(preds)}) in "
                                    f"{self.name(owning_shape(self.g, node))}")

    # targets ---------------------------------------------------------------

    def targets(self, shape) -> tuple[list[str], dict]:
        g = self.g
        branches = []
        prefixes: dict[str, str] = {}
        if (shape, RDF.type, URIRef("http://www.w3.org/2000/01/rdf-schema#Class")) in g or \
           (shape, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")) in g:
            raise UnsupportedShapeError(f"{self.name(shape)}: implicit class targets "
                                        "(a shape that is also a class) are not supported")
        for c in g.objects(shape, SH.targetClass):
            branches.append(f"?this {_RDF_TYPE_PATH} {_term(c)} .")
        for n in g.objects(shape, SH.targetNode):
            branches.append(f"VALUES ?this {{ {_term(n)} }}")
        for p in g.objects(shape, SH.targetSubjectsOf):
            branches.append(f"?this {_term(p)} [] .")
        for p in g.objects(shape, SH.targetObjectsOf):
            branches.append(f"[] {_term(p)} ?this .")
        for t in g.objects(shape, SH.target):
            self.check(t, {SH.select, SH.prefixes}, "SPARQL target of")
            if (t, RDF.type, SH.SPARQLTarget) not in g or g.value(t, SH.select) is None:
                raise UnsupportedShapeError(f"{self.name(shape)}: only sh:SPARQLTarget targets "
                                            "with sh:select are supported")
            local, text = _split_prefixes(str(g.value(t, SH.select)))
            prefixes.update(self.prefixes(t))
            prefixes.update(local)
            branches.append("{ " + text.replace("$this", "?this") + " }")
        return branches, prefixes

    # constraints -------------------------------------------------------------

    def shape_failures(self, shape, focus: _Focus, f: str, top: bool) -> list[_Failure]:
        """The failures of a node shape for the focus nodes ``focus`` (binding ``f``)."""
        self.check(shape, _NODE_ALLOWED, "node shape")
        if self.deactivated(shape):
            return []
        for p in (SH.minCount, SH.maxCount):
            if (shape, p, None) in self.g:
                raise UnsupportedShapeError(f"{self.name(shape)}: {self.g.qname(p)} on a node "
                                            "shape")
        out = self.value_failures(shape, focus, f, "", f, None, self.messages(shape))
        for sparql in self.g.objects(shape, SH.sparql):
            if not top:
                raise UnsupportedShapeError(f"{self.name(shape)}: sh:sparql in a shape used by "
                                            "sh:node or sh:or is not supported")
            failure = self.sparql(shape, sparql, focus)
            if failure is not None:
                out.append(failure)
        for prop in self.g.objects(shape, SH.property):
            out += self.property_failures(prop, focus, f)
        return out

    def property_failures(self, prop, focus: _Focus, f: str) -> list[_Failure]:
        g = self.g
        self.check(prop, _PROPERTY_ALLOWED, "property shape")
        if self.deactivated(prop):
            return []
        path_node = self.one(prop, SH.path)
        if path_node is None:
            raise UnsupportedShapeError(
                f"a property shape of {self.name(owning_shape(g, prop))} has no sh:path")
        path = self.path(path_node)
        msgs = self.messages(prop)
        out: list[_Failure] = []

        shown = self.show(path_node)

        def add(component, pattern, value=None, default=""):
            out.append(_Failure(prop, component, path_node, pattern, value, msgs,
                                default=default))

        if (n := self.one(prop, SH.minCount)) is not None and int(n) > 0:
            default = f"Less than {int(n)} values on {{?this}}->{shown}"
            if int(n) == 1:
                add("minCount", f"{focus} MINUS {{ {focus.inner} {f} {path} {self.var()} }}",
                    default=default)
            else:
                x = self.var()
                add("minCount", f"{{ SELECT {f} WHERE {{ {focus} OPTIONAL {{ {f} {path} {x} }} }}"
                                f" GROUP BY {f} HAVING (COUNT(DISTINCT {x}) < {int(n)}) }}",
                    default=default)
        if (n := self.one(prop, SH.maxCount)) is not None:
            x = self.var()
            add("maxCount", f"{{ SELECT {f} WHERE {{ {focus.inner} {f} {path} {x} . }}"
                            f" GROUP BY {f} HAVING (COUNT(DISTINCT {x}) > {int(n)}) }}",
                default=f"More than {int(n)} values on {{?this}}->{shown}")
        if (u := self.one(prop, SH.uniqueLang)) is not None and bool(u.toPython()):
            x, lang = self.var(), self.var("lang")
            add("uniqueLang", f"{{ SELECT DISTINCT {f} WHERE {{ {{ SELECT {f} {lang} WHERE {{ "
                              f"{focus} {f} {path} {x} . FILTER (LANG({x}) != \"\") }} "
                              f"GROUP BY {f} (LANG({x}) AS {lang}) "
                              f"HAVING (COUNT(DISTINCT {x}) > 1) }} }} }}",
                default="More than one String shares the same Language")
        v = self.var("v")
        values = f"{focus} {f} {path} {v} ."
        for other in g.objects(prop, SH.lessThan):
            o = self.var()
            add("lessThan", f"{values} {f} {_term(other)} {o} . "
                            f"FILTER (!COALESCE({v} < {o}, false))", v,
                default=f"Value of {{?this}}->{self.show(other)} <= {{?value}}")
        if (h := self.one(prop, SH.hasValue)) is not None:
            add("hasValue", f"{focus} MINUS {{ {f} {path} {_term(h)} }}",
                default=f"Node {{?this}}->{shown} does not contain a value in the set: "
                        f"['{self.show(h)}']")
        out += self.value_failures(prop, focus, f, values, v, path_node, msgs, has_value=False)
        return out

    def value_failures(self, node, focus: _Focus, f: str, values: str, v: str, path_node,
                       msgs: tuple[str, ...], has_value: bool = True) -> list[_Failure]:
        """Constraints on each value node: ``values`` binds ``v`` (for a node shape, v is f)."""
        g = self.g
        base = values or focus
        out: list[_Failure] = []

        def add(component, pattern, default=""):
            out.append(_Failure(node, component, path_node, pattern, v, msgs, default=default))

        def filt(component, expr, default=""):
            add(component, f"{base} FILTER ({expr})", default)

        for c in g.objects(node, SH["class"]):
            add("class", f"{base} MINUS {{ {v} {_RDF_TYPE_PATH} {_term(c)} }}",
                f"Value does not have class {self.show(c)}")
        if (d := self.one(node, SH.datatype)) is not None:
            filt("datatype", "!" + _datatype_ok(v, d),
                 f"Value is not Literal with datatype {self.show(d)}")
        if (k := self.one(node, SH.nodeKind)) is not None:
            if k not in _NODE_KINDS:
                raise UnsupportedShapeError(f"unknown sh:nodeKind {k}")
            filt("nodeKind", "!" + _NODE_KINDS[k].format(v=v),
                 f"Value is not of Node Kind {self.show(k)}")
        if (lst := self.one(node, SH["in"])) is not None:
            members = list(Collection(g, lst))
            ok = " || ".join(f"sameTerm({v}, {_term(m)})" for m in members) or "false"
            filt("in", f"!({ok})", "Value {?value} not in list "
                 + str([self.show(m) for m in members]))
        if has_value and (h := self.one(node, SH.hasValue)) is not None:
            filt("hasValue", f"!sameTerm({v}, {_term(h)})",
                 f"Node {{?this}} value is not a in the set of values: ['{self.show(h)}']")
        if (pat := self.one(node, SH.pattern)) is not None:
            flags = self.one(node, SH.flags)
            flag_arg = "" if flags is None else ", " + Literal(str(flags)).n3()
            filt("pattern", f"isBlank({v}) || !COALESCE(REGEX(STR({v}), "
                            f"{Literal(str(pat)).n3()}{flag_arg}), false)",
                 f"Value does not match pattern '{pat}'")
        for p, op in _RANGES.items():
            if (bound := self.one(node, p)) is not None:
                filt(p.fragment, f"!COALESCE({v} {op} {_term(bound)}, false)",
                     f"Value is not {op} {self.show(bound)}")
        if (n := self.one(node, SH.minLength)) is not None:
            filt("minLength", f"isBlank({v}) || STRLEN(STR({v})) < {int(n)}",
                 f"String length not >= {int(n)}")
        if (n := self.one(node, SH.maxLength)) is not None:
            filt("maxLength", f"isBlank({v}) || STRLEN(STR({v})) > {int(n)}",
                 f"String length not <= {int(n)}")
        if (lst := self.one(node, SH.languageIn)) is not None:
            langs = [str(x) for x in Collection(g, lst)]
            ok = " || ".join(f"langMatches(LANG({v}), {Literal(x).n3()})" for x in langs)
            filt("languageIn", f"!(isLiteral({v}) && ({ok or 'false'}))",
                 f"String language is not in {langs}")
        inner_focus = _Focus(v, base)
        for target in g.objects(node, SH.node):
            failing = self.failing_set(target, inner_focus, v)
            if failing is not None:
                add("node", f"{base} {failing}",
                    f"Value does not conform to Shape {self.show(target)}. "
                    "See details for more information.")
        for lst in g.objects(node, SH["or"]):
            sets = []
            for member in Collection(g, lst):
                failing = self.failing_set(member, inner_focus, v)
                if failing is None:  # a member that never fails: the disjunction never fails
                    sets = None
                    break
                sets.append(failing)
            if sets:
                add("or", f"{base} " + " ".join(sets),
                    "Node {?value} must conform to one or more shapes in "
                    + " , ".join(self.show(m) for m in Collection(g, lst)))
        return out

    def failing_set(self, shape, focus: _Focus, f: str) -> str | None:
        """A sub-select of the nodes bound by ``focus`` that fail ``shape``, or None if none can."""
        if (shape, SH.path, None) in self.g:
            failures = self.property_failures(shape, focus, f)
        else:
            failures = self.shape_failures(shape, focus, f, top=False)
        if not failures:
            return None
        union = " UNION ".join(f"{{ {x.pattern} }}" for x in failures)
        return f"{{ SELECT DISTINCT {f} WHERE {{ {union} }} }}"

    def sparql(self, shape, node, focus: str) -> _Failure | None:
        g = self.g
        self.check(node, {SH.select, SH.prefixes, *_COMMON}, "SPARQL constraint of")
        if self.deactivated(node):
            return None
        select = g.value(node, SH.select)
        if select is None:
            raise UnsupportedShapeError(f"{self.name(shape)}: a sh:sparql constraint without "
                                        "sh:select")
        local, text = _split_prefixes(str(select))
        for bad in ("$PATH", "$currentShape", "$shapesGraph"):
            if bad in text:
                raise UnsupportedShapeError(f"{self.name(shape)}: {bad} in a SPARQL constraint")
        projection, body = _split_select(text, f"{self.name(shape)} sh:sparql")
        projection = projection.replace("$", "?")
        if projection.strip() == "*" or not re.search(r"\?this\b", projection):
            raise UnsupportedShapeError(f"{self.name(shape)}: a SPARQL constraint must project "
                                        "$this (and not *)")
        body = body.replace("$this", "?this")
        variables = tuple(dict.fromkeys(
            name for name in _VAR_RE.findall(projection) if name not in ("this", "value")))
        prefixes = {**self.prefixes(node), **local}
        msgs = self.messages(node) or self.messages(shape)
        return _Failure(node, "sparql", None, f"{focus} {body}",
                        "?value" if re.search(r"\?value\b", projection) else None,
                        msgs, variables, projection=projection, prefixes=prefixes)


def _datatype_ok(v: str, d) -> str:
    if d == XSD.string:
        return f"(isLiteral({v}) && DATATYPE({v}) = {_term(d)})"
    ok = f"isLiteral({v}) && DATATYPE({v}) = {_term(d)}"
    if d in _CASTABLE:
        ok += f" && COALESCE(isLiteral({_term(d)}(STR({v}))), false)"
    return f"({ok})"


def _prefix_block(prefixes: dict[str, str]) -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(prefixes.items()))


def compile_shapes(shapes: Graph, only: Iterable[URIRef] | None = None) -> list[CompiledShape]:
    """Compile every targeted, active node shape of ``shapes`` into SPARQL queries.

    ``shapes`` is typically ``kg.checks.shapes.shapes_graph(DATA_SHAPE)``; ``only`` limits
    the result to some shapes. Raises :class:`UnsupportedShapeError` on any SHACL
    construct outside the supported set.
    """
    c = _Compiler(shapes)
    wanted = None if only is None else set(only)
    out: list[CompiledShape] = []
    node_shapes = set(shapes.subjects(RDF.type, SH.NodeShape))
    node_shapes |= {s for p in _TARGETS for s in shapes.subjects(p, None)}
    for shape in sorted(node_shapes, key=str):
        if isinstance(shape, BNode) and next(shapes.subjects(None, shape), None) is not None:
            continue  # a nested shape (sh:node / sh:or member): compiled where it is used
        if wanted is not None and shape not in wanted:
            continue
        c.check(shape, _NODE_ALLOWED, "node shape")
        branches, target_prefixes = c.targets(shape)
        if not branches or c.deactivated(shape):
            continue
        union = " UNION ".join(f"{{ {b} }}" for b in branches)
        focus = _Focus("?this", union)
        severity = c.one(shape, SH.severity) or SH.Violation
        for failure in c.shape_failures(shape, focus, "?this", top=True):
            prefixes = {**target_prefixes, **failure.prefixes}
            for p in set(target_prefixes) & set(failure.prefixes):
                if target_prefixes[p] != failure.prefixes[p]:
                    raise UnsupportedShapeError(f"{c.name(shape)}: prefix {p}: is declared "
                                                "twice with different namespaces")
            if failure.projection is not None:
                head = f"SELECT DISTINCT {failure.projection}"
            elif failure.value is None:
                head = "SELECT DISTINCT ?this"
            else:
                head = f"SELECT DISTINCT ?this ({failure.value} AS ?value)"
            query = f"{_prefix_block(prefixes)}{head} WHERE {{\n{failure.pattern}\n}}"
            source_severity = c.one(failure.source, SH.severity) or severity
            out.append(CompiledShape(
                shape=shape, source=failure.source, component=failure.component,
                path=None if failure.path is None else show(failure.path, shapes),
                messages=failure.messages, severity=source_severity, query=query,
                variables=failure.variables, default_message=failure.default,
                id=check_id(shapes, failure.source)))
    return out


# ---------------------------------------------------------------------------
# Running the queries on Oxigraph
# ---------------------------------------------------------------------------


def _to_rdflib(term):
    from kg.model.rdfterms import from_ox

    try:
        return from_ox(term)
    except TypeError:  # an RDF-star triple term: shown as text
        return Literal(str(term))


def _default_message(compiled: CompiledShape) -> str:
    return compiled.default_message or f"{compiled.component} constraint violated"


def _fill(message: str, bindings: dict) -> str:
    for name, value in bindings.items():
        if value is not None:
            message = re.sub(r"\{[?$]" + re.escape(name) + r"\}", lambda _m, s=str(value): s,
                             message)
    return message


def run_compiled(compiled: Sequence[CompiledShape], store, default_graph,
                 title: str = "SHACL data shapes", pool=None):
    """Run compiled shapes on a pyoxigraph store; the query's default graph is ``default_graph``.

    ``default_graph`` is a list of graph names (``pyoxigraph.NamedNode``), or None for
    the union of every graph of the store (Oxigraph's ``use_default_graph_as_union``,
    2-3x faster than listing the same graphs). With ``pool`` (a
    ``concurrent.futures.Executor``) the queries run side by side, the longest
    first: Oxigraph evaluates a query without holding the GIL.
    """
    options = ({"use_default_graph_as_union": True} if default_graph is None
               else {"default_graph": list(default_graph)})

    def run(cs: CompiledShape) -> list:
        return list(store.query(cs.query, **options))

    if pool is None:
        results = [run(cs) for cs in compiled]
    else:
        futures = {id(cs): pool.submit(run, cs)
                   for cs in sorted(compiled, key=lambda c: -len(c.query))}
        results = [futures[id(cs)].result() for cs in compiled]
    violations = []
    for cs, rows in zip(compiled, results, strict=True):
        for row in rows:
            this = _to_rdflib(row["this"])
            try:
                value = row["value"]
            except KeyError:  # not projected
                value = None
            value = None if value is None else _to_rdflib(value)
            if value == this:
                value = None
            bindings = {"this": this, "value": value}
            for name in cs.variables:
                term = row[name]
                bindings[name] = None if term is None else _to_rdflib(term)
            shown = {k: None if t is None else show(t) for k, t in bindings.items()}
            messages = sorted(_fill(m, bindings) for m in cs.messages) or \
                [_fill(_default_message(cs), shown)]
            violations.append(Violation(
                id=cs.id, focus=show(this), path=cs.path, message=messages[0],
                shape=show(cs.shape), value=None if value is None else show(value)))
    return Report(title, not violations, violations)


@cache
def compiled_data_shapes() -> tuple[CompiledShape, ...]:
    """The data shapes compiled to SPARQL, once per process."""
    return tuple(compile_shapes(shapes_graph(DATA_SHAPE)))


def validate_store(store, default_graph=None, pool=None,
                   skip: frozenset[str] = frozenset()) -> Report:
    """Run the data shapes, compiled to SPARQL, over a pyoxigraph store.

    ``default_graph`` lists the graphs whose union is checked (IRIs as ``str`` or
    ``pyoxigraph.NamedNode``); it must include the ontology graph (``sh:class``
    needs the class hierarchy). ``None`` (the default) checks the union of *every*
    graph of the store, which is 2-3x faster: right for a build's store, which holds
    exactly ``kgg:ontology``, ``kgg:asserted``, ``kgg:background``, ``kgg:evidence``
    and ``kgg:inferred``. ``report.raise_for_violations()`` exits with status 3.
    With ``pool`` (an Executor), the shapes' queries run on it side by side.
    Shapes named in ``skip`` (``kgsh:Name``) are left out.
    """
    import pyoxigraph as ox

    graphs = None if default_graph is None else [
        ox.NamedNode(g) if isinstance(g, str) else g for g in default_graph]
    compiled = [c for c in compiled_data_shapes() if show(c.shape) not in skip]
    return run_compiled(compiled, store, graphs, "SHACL data shapes", pool=pool)


__all__ = ["CompiledShape", "UnsupportedShapeError", "compile_shapes", "compiled_data_shapes",
           "run_compiled", "validate_store"]
