"""Where a triple store keeps its services, and which IRIs may go into an update.

A SPARQL server has up to three services: queries, updates and the Graph
Store Protocol (GSP). Given the query URL, :func:`derive_endpoints` fills in
the other two from the store's layout:

=========== ============================ ======================== ===============================
store       query URL                    update                   Graph Store Protocol
=========== ============================ ======================== ===============================
oxigraph    ``/query``                   ``/update``              ``/store``
fuseki      ``/DATASET/sparql``          ``/DATASET/update``      ``/DATASET/data``
virtuoso    ``/sparql`` (``-auth``)      ``/sparql`` (``-auth``)  ``/sparql-graph-crud`` (``-auth``)
rdf4j       ``/repositories/NAME``       ``.../statements``       ``.../rdf-graphs/service``
generic     anything                     the query URL            none
=========== ============================ ======================== ===============================

``auto`` tells them apart by the path alone (no request is made): a path
that is exactly ``/sparql`` or ``/sparql-auth`` is Virtuoso's (Fuseki's
always has a dataset before ``/sparql``). A store behind a proxy that
rewrites paths needs ``--store-type`` (or explicit ``--update-endpoint`` and
``--gsp-endpoint``).
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

from kg.errors import UsageError
from kg.interop.remote.credentials import printable, refuse_userinfo, shown

STORE_TYPES = ("auto", "oxigraph", "fuseki", "virtuoso", "rdf4j", "generic")


@dataclass(frozen=True)
class Endpoints:
    """The URLs of one server: query, update and Graph Store Protocol services,
    and the kind of store (``virtuoso`` changes how updates are written)."""

    query: str
    update: str | None = None
    gsp: str | None = None
    store: str = "generic"


def guess_store(path: str) -> str:
    """The store type a query URL's path suggests (see the module's table)."""
    path = path.rstrip("/")
    if path.endswith("/query"):
        return "oxigraph"
    if path in ("/sparql", "/sparql-auth"):
        return "virtuoso"
    if path.endswith("/sparql"):
        return "fuseki"
    if re.search(r"/repositories/[^/]+$", path):
        return "rdf4j"
    return "generic"


def check_endpoint_url(url: str, option: str = "--endpoint") -> urllib.parse.SplitResult:
    """``url`` split, if it is an http(s) URL kg can send to; else a UsageError (exit 2).

    Refused: another scheme, no host, a port that is not a number from 1 to
    65535, white space or control characters, and user information
    (credentials come from the environment only).
    """
    try:
        parts = urllib.parse.urlsplit(url or "")
        port = parts.port
    except ValueError:
        parts = port = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname \
            or re.search(r"[\x00-\x20\x7f]", url) or port == 0:
        raise UsageError(f"{option} '{shown(url)}' is not an http(s) URL",
                         hint="give the query endpoint, e.g. http://127.0.0.1:7878/query")
    refuse_userinfo(url, option)
    return parts


def derive_endpoints(query: str, update: str | None = None, gsp: str | None = None,
                     store: str = "auto") -> Endpoints:
    """Fill in the update and GSP URLs that were not given, from the query URL and the
    store type (``auto``: guessed from the path)."""
    parts = check_endpoint_url(query, "--endpoint")
    for url, option in ((update, "--update-endpoint"), (gsp, "--gsp-endpoint")):
        if url is not None:
            check_endpoint_url(url, option)
    if store not in STORE_TYPES:
        raise UsageError(f"unknown store type {store!r}", hint=", ".join(STORE_TYPES))
    path = parts.path.rstrip("/")
    kind = guess_store(path) if store == "auto" else store

    def at(new_path: str) -> str:
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, new_path, "", ""))

    def base(*suffixes: str) -> str:
        for suffix in suffixes:
            if path.endswith(suffix):
                return path[:-len(suffix)]
        return path

    d_update: str | None = query
    d_gsp: str | None = None
    if kind == "oxigraph":
        root = base("/query")
        d_update, d_gsp = at(root + "/update"), at(root + "/store")
    elif kind == "fuseki":
        root = base("/sparql", "/query")
        d_update, d_gsp = at(root + "/update"), at(root + "/data")
    elif kind == "virtuoso":
        auth = path.endswith("-auth")
        root = base("/sparql-auth", "/sparql")
        d_update = at(root + ("/sparql-auth" if auth else "/sparql"))
        d_gsp = at(root + ("/sparql-graph-crud-auth" if auth else "/sparql-graph-crud"))
    elif kind == "rdf4j":
        d_update, d_gsp = at(path + "/statements"), at(path + "/rdf-graphs/service")
    return Endpoints(query, update or d_update, gsp or d_gsp, kind)


# ---------------------------------------------------------------------------
# IRIs that go into an update

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_NOT_IN_IRIREF = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f]')


def check_update_iri(iri: str, what: str = "--graph-iri") -> str:
    """``iri`` if it can be written as ``<iri>`` in SPARQL Update; else a UsageError.

    The SPARQL grammar's IRIREF excludes ``<>"{}|^`\\``, spaces and control
    characters; an absolute IRI starts with a scheme. Anything else could end
    the ``<...>`` early and smuggle operations (``urn:x> ; DROP ALL ; ...``).
    """
    bad = _NOT_IN_IRIREF.search(iri or "")
    short = printable(iri if len(iri or "") <= 80 else iri[:77] + "...")
    if bad:
        ch = printable(bad.group())
        raise UsageError(f"{what} {short!r} is not an IRI: it contains {ch!r}",
                         hint="an IRI has no spaces, quotes or any of <>{}|^`\\, "
                              "e.g. https://example.org/graph/kg")
    if not _SCHEME.match(iri or ""):
        raise UsageError(f"{what} {short!r} is not an absolute IRI (no scheme such as "
                         "https:)", hint="e.g. https://example.org/graph/kg")
    return iri
