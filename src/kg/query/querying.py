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
from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg import namespaces as ns
from kg.errors import QueryError, StoreError, UsageError

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
            name: str = "query", timeout: float | None = None,
            query_dataset: bool = False) -> ResultSet:
    """Run a query over the union of the build's graphs (without the inferred one
    when ``asserted_only``).

    ``bindings`` (name -> pyoxigraph term) are bound by a VALUES block.
    ``timeout`` (seconds) runs the query in a forked child that is killed at
    the deadline (:mod:`kg.query.runner`); None runs it in this process.
    ``query_dataset`` lets the query's own FROM / FROM NAMED choose the graphs.
    """
    from kg.query import runner

    if bindings:
        text = bind_values(text, bindings)
    graphs = None if query_dataset else dataset_graphs(asserted_only)

    def run(materialise):
        try:
            result = store.query(text, default_graph=graphs, named_graphs=graphs,
                                 prefixes=prefixes)
            return materialise(result)
        except SyntaxError as e:
            raise QueryError(syntax_error_message(name, text, str(e))) from None
        except OSError as e:
            raise QueryError(f"{name}: the query failed: {e}") from None
        except RuntimeError as e:
            if not str(e).startswith("Corruption"):
                raise
            # the build's files went away under the query (a file system without
            # flock: kg.store.disk could not keep the build for this reader)
            raise StoreError("the store was replaced during the query",
                             hint="run it again") from None

    if not timeout or not runner.can_fork():
        return run(_materialise)
    return decode(runner.call(lambda: run(encode), timeout=timeout, what=name))


def _materialise(result) -> ResultSet:
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = list(map(tuple, result))  # a solution iterates its values in variable order
        return ResultSet("select", variables, rows)
    if isinstance(result, ox.QueryBoolean):
        return ResultSet("ask", boolean=bool(result))
    return ResultSet("graph", triples=list(result))


def encode(result) -> bytes:
    """A pyoxigraph result as bytes: W3C SPARQL results TSV, or N-Triples for graphs."""
    if isinstance(result, ox.QuerySolutions):
        return b"S" + result.serialize(format=ox.QueryResultsFormat.TSV)
    if isinstance(result, ox.QueryBoolean):
        return b"A1" if result else b"A0"
    return b"G" + result.serialize(format=ox.RdfFormat.N_TRIPLES)


def decode(data: bytes) -> ResultSet:
    """The inverse of :func:`encode`: a :class:`ResultSet` of pyoxigraph terms."""
    kind, body = data[:1], data[1:]
    if kind == b"A":
        return ResultSet("ask", boolean=body == b"1")
    if kind == b"G":
        return ResultSet("graph", triples=[q.triple for q in
                                           ox.parse(body, format=ox.RdfFormat.N_TRIPLES)])
    return _materialise(ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV))


def syntax_error_message(name: str, text: str, error: str) -> str:
    """``NAME: SPARQL syntax error at line L, column C: ...`` plus the line and a caret."""
    m = re.match(r"^error at (\d+):(\d+): (.*)$", error, re.S)
    if not m:
        return f"{name}: SPARQL syntax error: {error}"
    line, column, what = int(m.group(1)), int(m.group(2)), m.group(3)
    what = " ".join(what.split())
    if len(what) > 200:
        what = what[:199] + "…"
    lines = text.splitlines() or [""]
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    caret = min(max(column, 1), len(source) + 1)
    if len(source) > 160:  # a long line: 60 characters either side of the column
        start = max(caret - 61, 0)
        window = source[start: caret + 60]
        lead = "…" if start else ""
        source = lead + window + ("…" if caret + 60 < len(source) else "")
        caret = caret - start + len(lead)
    gutter = f"{line:>4} | "
    return (f"{name}: SPARQL syntax error at line {line}, column {column}: {what}\n"
            f"{gutter}{source.expandtabs(1)}\n"
            f"{' ' * (len(gutter) - 2)}| {' ' * (caret - 1)}^")


def bind_values(text: str, bindings: dict) -> str:
    """Insert ``VALUES (?a ?b) { (term term) }`` first in the top-level WHERE group."""
    from kg.query.guard import tokens

    depth = 0
    seen_where = False
    for tok in tokens(text):
        if tok.kind == "word" and depth == 0 and tok.text.upper() == "WHERE":
            seen_where = True
        elif tok.kind == "other" and tok.text == "{":
            if depth == 0 and seen_where:
                names = sorted(bindings)
                block = (" VALUES (" + " ".join("?" + n for n in names) + ") { ("
                         + " ".join(str(bindings[n]) for n in names) + ") } ")
                return text[: tok.start + 1] + block + text[tok.start + 1:]
            depth += 1
        elif tok.kind == "other" and tok.text == "}":
            depth -= 1
    raise QueryError("cannot bind parameters: the query has no top-level WHERE { ... }",
                     hint="write the WHERE keyword before the query's pattern")


def parse_term(value: str) -> ox.NamedNode | ox.Literal | None:
    """An IRI, prefixed name or quoted literal as a term; None if it is a label."""
    v = value.strip()
    if v.startswith("<") and v.endswith(">"):
        return _iri(v[1:-1], value)
    if re.match(r"^(https?|urn|file):", v):
        return _iri(v, value)
    m = re.fullmatch(r"([A-Za-z][\w-]*):([\w.-]*)", v)
    if m and m.group(1) in ns.PREFIXES:
        return ox.NamedNode(ns.PREFIXES[m.group(1)] + m.group(2))
    if len(v) >= 2 and v[0] == v[-1] == '"':
        return ox.Literal(v[1:-1])
    return None


def _iri(v: str, value: str) -> ox.NamedNode:
    if v and not re.search(r"[\s<>\"{}|\\^`]", v):
        try:
            return ox.NamedNode(v)
        except ValueError:
            pass
    raise UsageError(f"{value!r} is not a valid IRI",
                     hint="write <https://...>, a prefixed name such as kgr:russia, or a label")


Lookup = Callable[[str], ResultSet]
"""Runs a complete query over the dataset: a local store or a remote endpoint."""


def local_lookup(store: ox.Store) -> Lookup:
    return lambda text: execute(store, text)


def resolve_label(lookup: Lookup, label: str, param: str) -> ox.NamedNode:
    """The one resource whose label is ``label`` (case-insensitive)."""
    q = ("SELECT DISTINCT ?s WHERE { ?s ?p ?l . VALUES ?p { <%s> <%s> } "
         "FILTER(isIRI(?s) && LCASE(STR(?l)) = LCASE(STR(?wanted))) } ORDER BY ?s"
         % LABEL_PREDICATES)
    rows = lookup(bind_values(q, {"wanted": ox.Literal(label)})).rows
    found = sorted({r[0].value for r in rows})
    if len(found) == 1:
        return ox.NamedNode(found[0])
    if not found:
        cands = _candidates(lookup, label)
        raise UsageError(f"parameter {param}: no resource is labelled {label!r}",
                         hint=("candidates: " + "; ".join(cands)) if cands else
                         "give an IRI or a prefixed name such as kgr:russia")
    raise UsageError(f"parameter {param}: the label {label!r} is ambiguous",
                     hint="candidates: " + "; ".join(ns.shorten(f) for f in found))


def _candidates(lookup: Lookup, label: str, limit: int = 8) -> list[str]:
    q = ("SELECT DISTINCT ?s ?l WHERE { ?s ?p ?l . VALUES ?p { <%s> <%s> } "
         "FILTER(isIRI(?s) && CONTAINS(LCASE(STR(?l)), LCASE(STR(?wanted)))) } "
         "ORDER BY ?l ?s LIMIT %d" % (*LABEL_PREDICATES, limit))
    seen: list[str] = []
    for word in [label] + [w for w in re.split(r"\W+", label) if len(w) > 2]:
        for s, lab in lookup(bind_values(q, {"wanted": ox.Literal(word)})).rows:
            item = f"{lab.value} ({ns.shorten(s.value)})"
            if item not in seen:
                seen.append(item)
        if seen:
            break
    return seen[:limit]


def resolve_params(lookup: Lookup, query, given: dict[str, str]) -> dict:
    """Bindings for a canned query from ``-p NAME VALUE`` pairs and defaults.

    A parameter whose default is a quoted string takes text: the value is
    bound as a plain literal, exactly as typed. Any other parameter takes a
    resource: an IRI, a prefixed name, or a label looked up in the graph.
    """
    known = {p.name: p for p in query.params}
    for name in given:
        if name not in known:
            raise UsageError(f"query {query.name!r} has no parameter {name!r}",
                             hint=("its parameters: " + ", ".join(known)) if known else
                             "it takes no parameters")
    bindings = {}
    for p in query.params:
        if p.name in given:
            raw = given[p.name]
            if p.is_text:
                bindings[p.name] = ox.Literal(raw)
                continue
        elif p.default is None:
            continue
        else:
            raw = p.default
        term = parse_term(raw)
        if term is None:
            term = resolve_label(lookup, raw, p.name)
        bindings[p.name] = term
    return bindings


def labels(lookup: Lookup, iris: set[str]) -> dict[str, str]:
    """IRI -> label for the IRIs that have one (English preferred).

    Where an IRI has several labels, the first in the order ``DESC(LANGMATCHES(
    LANG(?l), 'en')) ?l`` is taken. Ordering every label in the query is slow
    for thousands of IRIs (and ``VALUES ?s {...} VALUES ?p {...} ?s ?p ?l``
    is planned as a scan: minutes at 10,000 articles), so all the labels are
    fetched unordered, in a few pieces side by side, and only the IRIs with
    two different ones are asked for again with the ordering.
    """
    if not iris:
        return {}
    found: dict[str, set[str]] = {}
    for rows in _side_by_side(lookup, [_labels_query(piece, ordered=False)
                                       for piece in _pieces(sorted(iris))]):
        for s, lab in rows:
            found.setdefault(s.value, set()).add(lab.value)
    several = sorted(s for s, values in found.items() if len(values) > 1)
    chosen: dict[str, str] = {}
    for rows in _side_by_side(lookup, [_labels_query(piece, ordered=True)
                                       for piece in _pieces(several)]):
        for s, lab in rows:
            chosen.setdefault(s.value, lab.value)
    return {s: chosen[s] if s in chosen else next(iter(found[s])) for s in sorted(found)}


def _labels_query(iris: list[str], *, ordered: bool) -> str:
    values = " ".join(str(ox.NamedNode(i)) for i in iris)
    q = ("SELECT ?s ?l WHERE { VALUES ?s { %s } { ?s <%s> ?l } UNION { ?s <%s> ?l } }"
         % (values, *LABEL_PREDICATES))
    return q + " ORDER BY ?s DESC(LANGMATCHES(LANG(?l), 'en')) ?l" if ordered else q


_PIECE = 1000  # IRIs at least, in each piece but the last


def _pieces(iris: list[str]) -> list[list[str]]:
    """``iris`` in one piece per core (one if they are few), in order."""
    import os

    n = max(1, min(os.cpu_count() or 1, 8, len(iris) // _PIECE))
    size = max(1, -(-len(iris) // n))
    return [iris[i:i + size] for i in range(0, len(iris), size)]


def _side_by_side(lookup: Lookup, queries: list[str]) -> list[list[tuple]]:
    """The rows of each query, in order; run on threads when there are several
    (Oxigraph evaluates without holding the GIL)."""
    if len(queries) <= 1:
        return [lookup(q).rows for q in queries]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(queries)) as pool:
        return [r.rows for r in pool.map(lookup, queries)]


def result_iris(result: ResultSet) -> set[str]:
    """The IRIs in a SELECT result's rows."""
    return {t.value for row in result.rows for t in row if isinstance(t, ox.NamedNode)}


def with_labels(result: ResultSet, names: dict[str, str]) -> ResultSet:
    """``result`` with a ``VAR_label`` column after each variable that holds an IRI.

    A label column holds the IRI's label as a plain literal (unbound where the
    value is not an IRI or has no label). Not for ASK or graph results, which
    are returned as they are.
    """
    if result.kind != "select":
        return result
    taken = set(result.variables)
    labelled = [i for i, _ in enumerate(result.variables)
                if any(isinstance(row[i], ox.NamedNode) for row in result.rows)]
    variables: list[str] = []
    for i, v in enumerate(result.variables):
        variables.append(v)
        if i in labelled:
            name = v + "_label"
            while name in taken:  # a query that already has a VAR_label variable
                name += "_"
            taken.add(name)
            variables.append(name)

    def label(t):
        if isinstance(t, ox.NamedNode) and t.value in names:
            return ox.Literal(names[t.value])
        return None

    rows = []
    for row in result.rows:
        out: list = []
        for i, t in enumerate(row):
            out.append(t)
            if i in labelled:
                out.append(label(t))
        rows.append(tuple(out))
    return ResultSet("select", variables, rows)
