"""Running SPARQL over a built store: dataset choice, parameter binding, labels.

Parameters are bound as RDF terms: a ``VALUES`` block built from the terms
(serialised by Oxigraph, so quotes, braces and newlines are escaped) is put
first in the query's top-level ``WHERE`` group. The raw text a user typed is
never pasted into a query, and the same bound query runs on any engine. A parameter value may be an
IRI (``<...>`` or ``http...``), a prefixed name (``kgr:russia``), a quoted
literal (``"text"``) or a label, looked up in the graph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from . import namespaces as ns
from .errors import QueryError, UsageError

LABEL_PREDICATES = (ns.RDFS + "label", ns.SKOS + "prefLabel")


@dataclass
class ResultSet:
    """A query's answer: rows (SELECT), a boolean (ASK) or triples (CONSTRUCT/DESCRIBE)."""

    kind: str  # "select" | "ask" | "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    boolean: bool | None = None
    triples: list = field(default_factory=list)


def dataset_graphs(asserted_only: bool = False) -> list[ox.NamedNode]:
    names = [n for n in ns.GRAPH_NAMES if not (asserted_only and n == "inferred")]
    return [ox.NamedNode(ns.graph_iri(n)) for n in names]


def execute(store: ox.Store, text: str, *, bindings: dict | None = None,
            asserted_only: bool = False, prefixes: dict | None = None,
            name: str = "query") -> ResultSet:
    """Run a query over the union of the build's graphs."""
    if bindings:
        text = bind_values(text, bindings)
    try:
        result = store.query(text, default_graph=dataset_graphs(asserted_only),
                             named_graphs=dataset_graphs(asserted_only),
                             prefixes=prefixes)
    except SyntaxError as e:
        raise QueryError(f"{name}: SPARQL syntax error: {e}") from None
    except OSError as e:
        raise QueryError(f"{name}: the query failed: {e}") from None
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = [tuple(sol[v] for v in variables) for sol in result]
        return ResultSet("select", variables, rows)
    if isinstance(result, ox.QueryBoolean):
        return ResultSet("ask", boolean=bool(result))
    return ResultSet("graph", triples=list(result))


_Q3 = '"' * 3
_A3 = "'" * 3
_TOKEN = re.compile("|".join([
    r"(?P<comment>#[^\n]*)",
    r"(?P<iri><[^<>\"{}|^`\\\s]*>)",
    "(?P<string>" + _Q3 + r'(?:[^"\\]|\\.|"(?!""))*' + _Q3
    + "|" + _A3 + r"(?:[^'\\]|\\.|'(?!''))*" + _A3
    + r'|"(?:[^"\\\n]|\\.)*"' + r"|'(?:[^'\\\n]|\\.)*')",
    r"(?P<open>\{)", r"(?P<close>\})", r"(?P<where>\bWHERE\b)", r"(?P<other>.)",
]), re.I | re.S)


def bind_values(text: str, bindings: dict) -> str:
    """Insert ``VALUES (?a ?b) { (term term) }`` first in the top-level WHERE group."""
    depth = 0
    seen_where = False
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "where" and depth == 0:
            seen_where = True
        elif kind == "open":
            if depth == 0 and seen_where:
                names = sorted(bindings)
                block = (" VALUES (" + " ".join("?" + n for n in names) + ") { ("
                         + " ".join(str(bindings[n]) for n in names) + ") } ")
                return text[: m.end()] + block + text[m.end():]
            depth += 1
        elif kind == "close":
            depth -= 1
    raise QueryError("cannot bind parameters: the query has no top-level WHERE { ... }",
                     hint="write the WHERE keyword before the query's pattern")


def parse_term(value: str) -> ox.NamedNode | ox.Literal | None:
    """An IRI, prefixed name or quoted literal as a term; None if it is a label."""
    v = value.strip()
    if v.startswith("<") and v.endswith(">"):
        v = v[1:-1]
        if not v or re.search(r"[\s<>\"{}|\\^`]", v):
            raise UsageError(f"{value!r} is not a valid IRI")
        return ox.NamedNode(v)
    if re.match(r"^(https?|urn|file):", v):
        if re.search(r"[\s<>\"{}|\\^`]", v):
            raise UsageError(f"{value!r} is not a valid IRI")
        return ox.NamedNode(v)
    m = re.fullmatch(r"([A-Za-z][\w-]*):([\w.-]*)", v)
    if m and m.group(1) in ns.PREFIXES:
        return ox.NamedNode(ns.PREFIXES[m.group(1)] + m.group(2))
    if len(v) >= 2 and v[0] == v[-1] == '"':
        return ox.Literal(v[1:-1])
    return None


def resolve_label(store: ox.Store, label: str, param: str) -> ox.NamedNode:
    """The one resource whose label is ``label`` (case-insensitive)."""
    q = ("SELECT DISTINCT ?s ?l WHERE { ?s ?p ?l . VALUES ?p { <%s> <%s> } "
         "FILTER(isIRI(?s) && LCASE(STR(?l)) = LCASE(STR(?wanted))) } ORDER BY ?s"
         % LABEL_PREDICATES)
    rows = list(store.query(bind_values(q, {"wanted": ox.Literal(label)}),
                            default_graph=dataset_graphs()))
    found = sorted({r["s"].value for r in rows})
    if len(found) == 1:
        return ox.NamedNode(found[0])
    if not found:
        cands = _candidates(store, label)
        raise UsageError(f"parameter {param}: no resource is labelled {label!r}",
                         hint=("candidates: " + "; ".join(cands)) if cands else
                         "give an IRI or a prefixed name such as kgr:russia")
    raise UsageError(f"parameter {param}: the label {label!r} is ambiguous",
                     hint="candidates: " + "; ".join(ns.shorten(f) for f in found))


def _candidates(store: ox.Store, label: str, limit: int = 8) -> list[str]:
    q = ("SELECT DISTINCT ?s ?l WHERE { ?s ?p ?l . VALUES ?p { <%s> <%s> } "
         "FILTER(isIRI(?s) && CONTAINS(LCASE(STR(?l)), LCASE(STR(?wanted)))) } "
         "ORDER BY ?l LIMIT %d" % (*LABEL_PREDICATES, limit))
    words = label.split()
    seen = []
    for word in [label] + words:
        for r in store.query(bind_values(q, {"wanted": ox.Literal(word)}),
                             default_graph=dataset_graphs()):
            item = f"{r['l'].value} ({ns.shorten(r['s'].value)})"
            if item not in seen:
                seen.append(item)
        if seen:
            break
    return seen[:limit]


def resolve_params(store: ox.Store, query, given: dict[str, str]) -> dict:
    """Bindings for a canned query from ``-p NAME VALUE`` pairs and defaults."""
    known = {p.name: p for p in query.params}
    for name in given:
        if name not in known:
            raise UsageError(f"query {query.name!r} has no parameter {name!r}",
                             hint=("its parameters: " + ", ".join(known)) if known else
                             "it takes no parameters")
    bindings = {}
    for p in query.params:
        raw = given.get(p.name, p.default)
        if raw is None:
            continue
        term = parse_term(raw)
        if term is None:
            term = resolve_label(store, raw, p.name)
        bindings[p.name] = term
    return bindings


def labels(store: ox.Store, iris: set[str]) -> dict[str, str]:
    """IRI -> label for the IRIs that have one (English preferred)."""
    if not iris:
        return {}
    out: dict[str, str] = {}
    values = " ".join(str(ox.NamedNode(i)) for i in sorted(iris))
    q = ("SELECT ?s ?l WHERE { VALUES ?s { %s } VALUES ?p { <%s> <%s> } ?s ?p ?l } "
         "ORDER BY ?s DESC(LANGMATCHES(LANG(?l), 'en')) ?l" % (values, *LABEL_PREDICATES))
    for r in store.query(q, default_graph=dataset_graphs()):
        out.setdefault(r["s"].value, r["l"].value)
    return out
