"""Free functions kept from before the session API (:func:`kg.open`), and ``push``.

Everything returns data; rendering and writing are the command line's business.
"""

from __future__ import annotations

from pathlib import Path

from kg import namespaces as ns
from kg.errors import UsageError
from kg.query.catalogue import CannedQuery

DEFAULT_TIMEOUT = 30.0  # seconds; kg.query.runner.DEFAULT_TIMEOUT


def _session(store_dir: Path | None, endpoint: str | None, *, asserted_only: bool,
             timeout: float | None):
    from kg.session import connect, default_store, open

    if endpoint is not None:
        return connect(endpoint, asserted_only=asserted_only, timeout=timeout)
    return open(store_dir if store_dir is not None else default_store(),
                asserted_only=asserted_only, timeout=timeout)


def canned_result(query: CannedQuery, params: dict[str, str], *, store_dir: Path | None = None,
                  endpoint: str | None = None, asserted_only: bool = False,
                  timeout: float | None = DEFAULT_TIMEOUT):
    """A canned query's :class:`~kg.session.Result` and the look-up it ran with.

    Kept for scripts written before :func:`kg.open`; ``Session.query`` is the same.
    """
    session = _session(store_dir, endpoint, asserted_only=asserted_only, timeout=timeout)
    result = session.query(query, params, timeout=timeout)
    return result, result.lookup


def sparql_result(text: str, *, store_dir: Path | None = None, endpoint: str | None = None,
                  asserted_only: bool = False, timeout: float | None = DEFAULT_TIMEOUT,
                  allow_remote: bool = False, label: str = "query"):
    """An ad hoc read-only query's :class:`~kg.session.Result` and its look-up.

    Kept for scripts written before :func:`kg.open`; ``Session.sparql`` is the same.
    """
    session = _session(store_dir, endpoint, asserted_only=asserted_only, timeout=timeout)
    result = session.sparql(text, allow_remote=allow_remote, label=label, timeout=timeout)
    return result, result.lookup


def export(store_dir: Path, *, fmt: str | None = None, graphs: list[str] | None = None,
           output: Path | None = None) -> tuple[bytes, str]:
    """Serialise the chosen graphs of the current build; returns (bytes, format).

    Kept for scripts written before :func:`kg.open`; ``Session.export`` is the same.
    """
    from kg.query.results import format_for_path
    from kg.session import open

    if not fmt and output is not None:
        fmt = format_for_path(str(output))
        if fmt is None:
            raise UsageError(f"cannot tell the format from {output.name!r}",
                             hint="pass --format")
    fmt = fmt or "turtle"
    return open(store_dir).export(fmt, graphs or ["all"]), fmt


def export_stream(store_dir: Path, *, fmt: str | None = None, graphs: list[str] | None = None,
                  output: Path | None = None):
    """:func:`export` in pieces: returns (an iterator of bytes, format)
    (``Session.export_chunks``)."""
    from kg.query.results import format_for_path
    from kg.session import open

    if not fmt and output is not None:
        fmt = format_for_path(str(output))
        if fmt is None:
            raise UsageError(f"cannot tell the format from {output.name!r}",
                             hint="pass --format")
    fmt = fmt or "turtle"
    return open(store_dir).export_chunks(fmt, graphs or ["all"]), fmt


def push(store_dir: Path | None, endpoint: str, *, graphs: list[str] | None = None,
         graph_iri: str | None = None, update_endpoint: str | None = None,
         gsp_endpoint: str | None = None, method: str = "auto", max_body: int | None = None,
         timeout: float | None = None, progress=None, store_type: str = "auto",
         atomic: bool = True):
    """Upload the chosen graphs of the current build to a SPARQL 1.1 server.

    Each graph replaces the server's graph of the same IRI, or, with
    ``graph_iri``, all of them replace that one graph; see
    :func:`kg.interop.endpoint.push`. ``store_type`` picks the server's layout
    (:mod:`kg.interop.remote.layouts`; ``auto`` guesses from the URL). The URLs,
    ``graph_iri`` and the credential variables are checked before the store
    is opened or anything is sent. The store's graphs are walked, not loaded: the
    memory a push needs does not grow with the graph. ``atomic=False`` uploads
    straight into the dropped targets instead of swapping temporary graphs in
    (see :func:`kg.interop.endpoint.push_targets`). Returns a
    :class:`kg.interop.endpoint.PushReport`.
    """
    from kg.interop import endpoint as remote
    from kg.interop.export import expand_graphs
    from kg.interop.remote.credentials import from_environment
    from kg.interop.remote.layouts import check_update_iri
    from kg.interop.remote.upload import store_targets
    from kg.store.disk import default_store_dir, open_store

    endpoints = remote.derive_endpoints(endpoint, update_endpoint, gsp_endpoint, store_type)
    if graph_iri is not None:
        check_update_iri(graph_iri)
    creds = from_environment()
    names = expand_graphs(graphs or ["all"])
    if max_body is None:
        max_body = remote.VIRTUOSO_UPDATE_BODY if endpoints.store == "virtuoso" and \
            method == "update" else remote.DEFAULT_MAX_BODY
    built = open_store(store_dir if store_dir is not None else default_store_dir())
    targets = store_targets(built.oxigraph, [ns.graph_iri(n) for n in names], graph_iri)
    return remote.push_targets(targets, endpoints, method=method, max_body=max_body,
                               timeout=remote.DEFAULT_TIMEOUT if timeout is None else timeout,
                               progress=progress, creds=creds, atomic=atomic)
