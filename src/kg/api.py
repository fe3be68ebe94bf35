"""The library behind the commands: each CLI command is a thin call into here.

Everything returns data (text or bytes); writing to stdout or a file is the
caller's business.
"""

from __future__ import annotations

from pathlib import Path

from . import namespaces as ns
from .catalogue import CannedQuery
from .errors import QueryError, UsageError

DEFAULT_TIMEOUT = 30.0  # seconds; kg.runner.DEFAULT_TIMEOUT


def _result_format(fmt: str | None, output: Path | None, default: str) -> str:
    from .results import format_for_path

    if fmt:
        return fmt
    if output is not None:
        guessed = format_for_path(str(output))
        if guessed is None:
            raise UsageError(f"cannot tell the format from {output.name!r}",
                             hint="pass --format")
        return guessed
    return default


def render_result(lookup, result, fmt: str, iris: bool, *, width: int = 80,
                  with_labels: bool = False) -> str:
    """Render ``result``; tables and Markdown show labels (looked up by ``lookup``).

    ``width``: the width tables fit (long cells wrap). ``with_labels``: add a
    ``VAR_label`` column after each variable that holds IRIs (any format).
    """
    from .results import render

    names = None
    wanted = result.kind == "select" and (with_labels or (
        fmt in ("table", "markdown") and not iris))
    if wanted:
        from .querying import labels, result_iris

        names = labels(lookup, result_iris(result))
    if with_labels and result.kind == "select":
        from .querying import with_labels as add_labels

        result = add_labels(result, names or {})
    return render(result, fmt, names=names, iris=iris, width=width)


class _Target:
    """Where queries run: the built store (forked, with a deadline) or an endpoint."""

    def __init__(self, store_dir: Path | None, endpoint: str | None, *,
                 asserted_only: bool, timeout: float | None):
        self.endpoint = endpoint
        self.asserted_only = asserted_only
        self.timeout = timeout
        if endpoint is not None:
            try:
                from . import endpoint as remote
            except ImportError:
                raise QueryError("--endpoint is not available in this version of kg",
                                 hint="kg.endpoint (remote SPARQL servers) is missing") \
                    from None
            from .remote.credentials import from_environment
            from .remote.layouts import check_endpoint_url

            check_endpoint_url(endpoint)
            from_environment()  # the credential variables, checked before anything is sent
            self._remote = remote
            self.store = None
        else:
            from .store import open_store

            self.store = open_store(store_dir if store_dir is not None else
                                    _default_store()).oxigraph

    def run(self, text: str, *, bindings: dict | None = None, prefixes: dict | None = None,
            name: str = "query", form: str | None = None, query_dataset: bool = False,
            timeout: float | None = None):
        from .querying import bind_values, dataset_graphs, execute

        if self.store is not None:
            return execute(self.store, text, bindings=bindings,
                           asserted_only=self.asserted_only, prefixes=prefixes, name=name,
                           timeout=timeout, query_dataset=query_dataset)
        if bindings:
            text = bind_values(text, bindings)
        if prefixes:
            text = "".join(f"PREFIX {p}: <{i}>\n" for p, i in prefixes.items()) + text
        graphs = [] if query_dataset else [g.value for g in dataset_graphs(self.asserted_only)]
        if form is None:
            from .sparql_guard import inspect

            form = inspect(text).form
        return self._remote.run_query(self.endpoint, text, timeout=timeout or self.timeout or 0,
                                      default_graphs=graphs,
                                      accept_graph=form in ("CONSTRUCT", "DESCRIBE"))

    def lookup(self, text: str):
        """Short bounded look-ups (labels, parameters): no fork needed locally."""
        return self.run(text, name="label lookup",
                        timeout=None if self.store is not None else self.timeout)


def _default_store() -> Path:
    from .store import default_store_dir

    return default_store_dir()


def canned_result(query: CannedQuery, params: dict[str, str], *, store_dir: Path | None = None,
                  endpoint: str | None = None, asserted_only: bool = False,
                  timeout: float | None = DEFAULT_TIMEOUT):
    """A canned query's :class:`~kg.querying.ResultSet` and the look-up it ran with."""
    from .querying import resolve_params

    target = _Target(store_dir, endpoint, asserted_only=asserted_only, timeout=timeout)
    bindings = resolve_params(target.lookup, query, params)
    result = target.run(query.text, bindings=bindings, name=f"queries/{query.name}.rq",
                        timeout=timeout)
    return result, target.lookup


def run_canned(store_dir: Path | None, query: CannedQuery, params: dict[str, str], *,
               fmt: str | None = None, output: Path | None = None, iris: bool = False,
               asserted_only: bool = False, timeout: float | None = DEFAULT_TIMEOUT,
               endpoint: str | None = None, width: int = 80, labels: bool = False) -> str:
    """Run a canned query with ``params`` (name -> value as typed by the user)."""
    fmt = _result_format(fmt, output, "table")
    result, lookup = canned_result(query, params, store_dir=store_dir, endpoint=endpoint,
                                   asserted_only=asserted_only, timeout=timeout)
    if query.name == "search" and result.kind == "select" and not result.rows \
            and fmt == "table":
        default = next((p.default for p in query.params if p.name == "text"), None)
        return _no_match(lookup, params.get("text", default))
    return render_result(lookup, result, fmt, iris, width=width, with_labels=labels)


def _no_match(lookup, text: str | None) -> str:
    """What an empty ``search`` answer says: no match, and the close names if any."""
    from .profile import suggestions

    text = (text or "").strip('"')
    close = suggestions(lookup, text)
    return f"no match for {text!r}\n" + ("did you mean: " + "; ".join(close) + "\n"
                                         if close else "")


def sparql_result(text: str, *, store_dir: Path | None = None, endpoint: str | None = None,
                  asserted_only: bool = False, timeout: float | None = DEFAULT_TIMEOUT,
                  allow_remote: bool = False, label: str = "query"):
    """An ad hoc read-only query's :class:`~kg.querying.ResultSet` and its look-up.

    SPARQL Update is refused; SERVICE and FROM / FROM NAMED naming anything
    but the build's graphs are refused unless ``allow_remote``.
    """
    from .sparql_guard import check

    found = check(text, allow_remote=allow_remote, prefixes=ns.PREFIXES, label=label,
                  asserted_only=asserted_only)
    target = _Target(store_dir, endpoint, asserted_only=asserted_only, timeout=timeout)
    result = target.run(text, prefixes=ns.PREFIXES, name=label, form=found.form,
                        query_dataset=found.has_dataset, timeout=timeout)
    return result, target.lookup


def run_sparql(store_dir: Path | None, text: str, *, fmt: str | None = None,
               output: Path | None = None, iris: bool = False, asserted_only: bool = False,
               label: str = "query", timeout: float | None = DEFAULT_TIMEOUT,
               allow_remote: bool = False, endpoint: str | None = None, width: int = 80,
               labels: bool = False) -> str:
    """Run an ad hoc read-only query with the project's prefixes predeclared."""
    fmt = _result_format(fmt, output, "table")
    from .results import FORMATS, GRAPH_FORMATS

    if fmt not in FORMATS + GRAPH_FORMATS:
        raise UsageError(f"unknown output format {fmt!r}",
                         hint="one of " + ", ".join(FORMATS + GRAPH_FORMATS))
    result, lookup = sparql_result(text, store_dir=store_dir, endpoint=endpoint,
                                   asserted_only=asserted_only, timeout=timeout,
                                   allow_remote=allow_remote, label=label)
    if result.kind == "graph" and fmt in FORMATS:
        fmt = "turtle"
    return render_result(lookup, result, fmt, iris, width=width, with_labels=labels)


def export(store_dir: Path, *, fmt: str | None = None, graphs: list[str] | None = None,
           output: Path | None = None) -> tuple[bytes, str]:
    """Serialise the chosen graphs of the current build; returns (bytes, format)."""
    chunks, fmt = export_stream(store_dir, fmt=fmt, graphs=graphs, output=output)
    return b"".join(chunks), fmt


def export_stream(store_dir: Path, *, fmt: str | None = None, graphs: list[str] | None = None,
                  output: Path | None = None):
    """:func:`export` in pieces: returns (an iterator of bytes, format).

    N-Quads and N-Triples are sorted on disk and streamed in bounded memory
    (:func:`kg.export.export_chunks`); the pieces joined are :func:`export`'s bytes.
    """
    from .export import expand_graphs, export_chunks
    from .store import open_store

    fmt = _result_format(fmt, output, "turtle")
    built = open_store(store_dir)
    return export_chunks(built.oxigraph, fmt, expand_graphs(graphs or ["all"])), fmt


def push(store_dir: Path | None, endpoint: str, *, graphs: list[str] | None = None,
         graph_iri: str | None = None, update_endpoint: str | None = None,
         gsp_endpoint: str | None = None, method: str = "auto", max_body: int | None = None,
         timeout: float | None = None, progress=None, store_type: str = "auto"):
    """Upload the chosen graphs of the current build to a SPARQL 1.1 server.

    Each graph replaces the server's graph of the same IRI, or, with
    ``graph_iri``, all of them replace that one graph; see
    :func:`kg.endpoint.push`. ``store_type`` picks the server's layout
    (:mod:`kg.remote.layouts`; ``auto`` guesses from the URL). The URLs,
    ``graph_iri`` and the credential variables are checked before the store
    is opened or anything is sent. Returns a :class:`kg.endpoint.PushReport`.
    """
    import pyoxigraph as ox

    from . import endpoint as remote
    from .export import expand_graphs
    from .remote.credentials import from_environment
    from .remote.layouts import check_update_iri
    from .store import default_store_dir, open_store

    endpoints = remote.derive_endpoints(endpoint, update_endpoint, gsp_endpoint, store_type)
    if graph_iri is not None:
        check_update_iri(graph_iri)
    creds = from_environment()
    names = expand_graphs(graphs or ["all"])
    if max_body is None:
        max_body = remote.VIRTUOSO_UPDATE_BODY if endpoints.store == "virtuoso" and \
            method == "update" else remote.DEFAULT_MAX_BODY
    built = open_store(store_dir if store_dir is not None else default_store_dir())
    quads = [q for name in names for q in built.oxigraph.quads_for_pattern(
        None, None, None, ox.NamedNode(ns.graph_iri(name)))]
    return remote.push(quads, endpoints, graph_iri=graph_iri, method=method,
                       max_body=max_body,
                       timeout=remote.DEFAULT_TIMEOUT if timeout is None else timeout,
                       progress=progress, targets=[ns.graph_iri(n) for n in names],
                       creds=creds)
