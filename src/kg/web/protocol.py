"""The SPARQL 1.1 Protocol over the built store: a request in, an answer's bytes out.

:func:`read_request` takes what arrived (method, content type, URL parameters,
body) and returns the query text, its dataset and the asked-for format;
:func:`prepare` checks it with the same guard as ``kg sparql``
(:func:`kg.query.guard.check`: updates always refused, SERVICE and FROM
outside the build's graphs refused) and picks the answer's media type;
:func:`answer` runs it on a store and writes the answer (call it in the
forked runner, which gives it a deadline). Prefixes are predeclared as in
``kg sparql``.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

import pyoxigraph as ox

from kg import namespaces as ns
from kg.errors import KgError, QueryError
from kg.web.negotiation import Answer, choose

#: The largest request body read (a query, form-encoded or not).
MAX_BODY = 1 << 20

_RESULTS_FORMATS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
                    "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}


class ProtocolError(QueryError):
    """The request is not a SPARQL query this endpoint runs (HTTP 400)."""


class UnsupportedMediaType(KgError):
    """A POST body in a media type the protocol does not define (HTTP 415)."""


@dataclass(frozen=True)
class Request:
    """A query as the protocol carries it."""

    text: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    fmt: str | None = None  # the ``format`` or ``output`` parameter
    timeout: float | None = None  # the ``timeout`` parameter: a shorter deadline (seconds)


@dataclass(frozen=True)
class Prepared:
    """A checked query, ready to run: its dataset and the answer's format."""

    text: str
    form: str
    default_graphs: tuple[str, ...] | None  # None: the query's own FROM (or the union)
    named_graphs: tuple[str, ...] | None
    answer: Answer
    accept: str | None
    fmt: str | None


def url_params(query_string: bytes) -> list[tuple[str, str]]:
    """The parameters of a URL's query string, refusing percent-escapes that are not UTF-8."""
    try:
        return urllib.parse.parse_qsl(query_string.decode("ascii", "strict"),
                                      keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise ProtocolError("the URL's parameters are not UTF-8") from None


def read_request(method: str, content_type: str | None, params: list[tuple[str, str]],
                 body: bytes) -> Request:
    """The query of a GET (``?query=``), a form POST or an ``application/sparql-query`` POST."""
    fields = list(params)
    media = (content_type or "").split(";")[0].strip().lower()
    text = None
    if method == "POST":
        if media == "application/x-www-form-urlencoded":
            try:
                fields += urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                                                 errors="strict")
            except UnicodeDecodeError:
                raise ProtocolError("the form is not UTF-8") from None
        elif media == "application/sparql-query":
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise ProtocolError("the query is not UTF-8") from None
        elif media == "application/sparql-update":
            raise ProtocolError("SPARQL Update is refused: this endpoint is read-only",
                                hint="use SELECT, ASK, CONSTRUCT or DESCRIBE; `kg build` "
                                     "changes the graph")
        else:
            raise UnsupportedMediaType(
                f"cannot read a POST body of type {media or 'none'}",
                hint="send application/x-www-form-urlencoded (query=...) or "
                     "application/sparql-query")
    values: dict[str, list[str]] = {}
    for name, value in fields:
        values.setdefault(name, []).append(value)
    if "update" in values or "using-graph-uri" in values:
        raise ProtocolError("SPARQL Update is refused: this endpoint is read-only",
                            hint="use SELECT, ASK, CONSTRUCT or DESCRIBE; `kg build` "
                                 "changes the graph")
    queries = values.get("query", [])
    if text is not None and queries:
        raise ProtocolError("the query is given twice (in the body and as a parameter)")
    if text is None:
        if len(queries) > 1:
            raise ProtocolError("the query is given more than once")
        if not queries or not queries[0].strip():
            raise ProtocolError("no query given",
                                hint="GET /sparql?query=... or POST query=...")
        text = queries[0]
    fmt = (values.get("format") or values.get("output") or [None])[0]
    return Request(text, tuple(values.get("default-graph-uri", ())),
                   tuple(values.get("named-graph-uri", ())), fmt,
                   _timeout((values.get("timeout") or [None])[0]))


def _timeout(value: str | None) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise ProtocolError(f"timeout {value!r} is not a number of seconds above 0")
    return seconds


def deadline(server: float | None, asked: float | None) -> float | None:
    """The deadline of one query: the ``timeout`` parameter can only shorten the server's."""
    if not asked:
        return server
    return asked if not server else min(server, asked)


def prepare(request: Request, accept: str | None) -> Prepared:
    """Guard the query (as ``kg sparql`` does) and choose the answer's format."""
    from kg.query.guard import check, local_graphs

    found = check(request.text, prefixes=ns.PREFIXES, label="query")
    graphs = local_graphs()
    for keyword, iris in (("default-graph-uri", request.default_graphs),
                          ("named-graph-uri", request.named_graphs)):
        for iri in iris:
            if iri not in graphs:
                raise ProtocolError(
                    f"query: {keyword} <{iri}> is refused: it is not a graph of the build",
                    hint="the build's graphs are " + ", ".join(
                        ns.graph_iri(n) for n in ns.GRAPH_NAMES))
    form = found.form or "SELECT"
    kind = "graph" if form in ("CONSTRUCT", "DESCRIBE") else "results"
    if request.default_graphs or request.named_graphs:
        default, named = request.default_graphs, request.named_graphs
    elif found.has_dataset:
        default = named = None
    else:
        default = named = tuple(ns.graph_iri(n) for n in ns.GRAPH_NAMES)
    return Prepared(request.text, form, default, named, choose(kind, accept, request.fmt),
                    accept, request.fmt)


def run(store: ox.Store, prepared: Prepared):
    """The pyoxigraph result of a prepared query (an iterator: read it in the same child)."""
    from kg.query.querying import syntax_error_message

    def nodes(iris):
        return None if iris is None else [ox.NamedNode(i) for i in iris]

    try:
        return store.query(prepared.text, default_graph=nodes(prepared.default_graphs),
                           named_graphs=nodes(prepared.named_graphs), prefixes=ns.PREFIXES)
    except SyntaxError as e:
        raise QueryError(syntax_error_message("query", prepared.text, str(e))) from None
    except OSError as e:
        raise QueryError(f"query: the query failed: {e}") from None


def answer(store: ox.Store, prepared: Prepared) -> bytes:
    """Run the query and write its answer: ``media type`` newline ``body``.

    Runs in the forked child; the media type is decided again if the query
    turned out to be of the other kind than its text suggested.
    """
    result = run(store, prepared)
    try:
        graph = not isinstance(result, ox.QuerySolutions | ox.QueryBoolean)
        chosen = prepared.answer
        if graph != (chosen.fmt not in _RESULTS_FORMATS):
            chosen = choose("graph" if graph else "results", prepared.accept, prepared.fmt)
        if graph:
            from kg.interop.export import serialize_triples

            body = serialize_triples(list(result), chosen.fmt)
        else:
            body = result.serialize(format=_RESULTS_FORMATS[chosen.fmt])
    except OSError as e:
        raise QueryError(f"query: the query failed: {e}") from None
    return chosen.media_type.encode("ascii") + b"\n" + body


def split_answer(data: bytes) -> tuple[str, bytes]:
    """The inverse of the framing :func:`answer` writes."""
    media, _, body = data.partition(b"\n")
    return media.decode("ascii"), body
