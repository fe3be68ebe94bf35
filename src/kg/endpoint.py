"""Remote SPARQL 1.1 servers: run queries on them, and push the graph to them.

Queries go by the SPARQL 1.1 Protocol (URL-encoded POST to the query
endpoint) and come back as SPARQL JSON results or N-Triples/Turtle, parsed by
pyoxigraph into the same terms a local query gives, so one renderer serves
both. A push uploads into a temporary graph (Graph Store Protocol POST of
N-Triples, or SPARQL ``INSERT DATA``), in requests no bigger than
``max_body`` bytes, checks the temporary graph's size, and then replaces the
target graph in ONE SPARQL Update request (``DROP SILENT GRAPH <target> ;
MOVE GRAPH <tmp> TO GRAPH <target>``). A server runs one update request as
one transaction, so a push that fails at any point leaves the target graph
either as it was or fully replaced, never half-written. Afterwards it counts
the target graph and compares with what was sent.

Every HTTP request goes through :func:`_request`, which applies the
credentials (environment variables only: ``KG_ENDPOINT_TOKEN`` for a bearer
token, or ``KG_ENDPOINT_USER`` and ``KG_ENDPOINT_PASSWORD`` for HTTP Basic),
the deadline, and turns every HTTP or network failure into one
:class:`~kg.errors.EndpointError` with a one-line message.
"""

from __future__ import annotations

import base64
import http.client
import os
import re
import secrets
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from . import namespaces as ns
from .errors import EndpointError, UsageError
from .querying import ResultSet

ENV_USER = "KG_ENDPOINT_USER"
ENV_PASSWORD = "KG_ENDPOINT_PASSWORD"
ENV_TOKEN = "KG_ENDPOINT_TOKEN"

MAX_ANSWER_BYTES = 1 << 30  # 1 GiB
DEFAULT_TIMEOUT = 30.0
#: Request bodies stay under this many bytes unless told otherwise.
DEFAULT_MAX_BODY = 4_000_000

QUERY_ACCEPT = ("application/sparql-results+json, application/sparql-results+xml;q=0.9, "
                "application/n-triples;q=0.9, text/turtle;q=0.8, application/rdf+xml;q=0.5")
GRAPH_ACCEPT = ("application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5, "
                "application/sparql-results+json;q=0.4")
_RESULTS_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
_GRAPH_FORMATS = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


# ---------------------------------------------------------------------------
# Endpoint URLs


@dataclass(frozen=True)
class Endpoints:
    """The URLs of one server: query, update and Graph Store Protocol services."""

    query: str
    update: str | None = None
    gsp: str | None = None


def derive_endpoints(query: str, update: str | None = None,
                     gsp: str | None = None) -> Endpoints:
    """Fill in the update and GSP URLs that were not given, from the query URL.

    ``.../query`` is Oxigraph's layout (``/update``, ``/store``); ``.../sparql``
    Fuseki's (``/update``, ``/data``); ``.../repositories/NAME`` GraphDB's and
    RDF4J's (``/statements``, ``/rdf-graphs/service``). Otherwise updates go
    to the query URL and there is no GSP service.
    """
    parts = urllib.parse.urlsplit(query)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"{query!r} is not an http(s) URL",
                         hint="give the query endpoint, e.g. http://127.0.0.1:7878/query")
    path = parts.path.rstrip("/")

    def at(new_path: str) -> str:
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, new_path, "", ""))

    d_update: str | None = query
    d_gsp: str | None = None
    if path.endswith("/query"):
        d_update, d_gsp = at(path[:-6] + "/update"), at(path[:-6] + "/store")
    elif path.endswith("/sparql"):
        d_update, d_gsp = at(path[:-7] + "/update"), at(path[:-7] + "/data")
    elif re.search(r"/repositories/[^/]+$", path):
        d_update, d_gsp = at(path + "/statements"), at(path + "/rdf-graphs/service")
    return Endpoints(query, update or d_update, gsp or d_gsp)


def remote_dataset(graph_iri: str | None = None, *, asserted_only: bool = False) -> list[str]:
    """The ``default-graph-uri`` values that make a remote query see what a local one sees.

    After ``kg push`` (each graph under its own ``kgg:`` IRI) that is the
    five graphs, without ``kgg:inferred`` when ``asserted_only``: the same
    union a local query runs over. After ``kg push --graph-iri IRI`` (all in
    one graph) it is that one graph.
    """
    if graph_iri is None:
        return [ns.graph_iri(n) for n in ns.GRAPH_NAMES
                if not (asserted_only and n == "inferred")]
    if asserted_only:
        raise UsageError("asserted-only needs the graphs pushed apart",
                         hint="push without --graph-iri to keep kgg:inferred apart")
    return [graph_iri]


# ---------------------------------------------------------------------------
# HTTP


def _auth_headers() -> dict[str, str]:
    token = os.environ.get(ENV_TOKEN)
    if token:
        return {"Authorization": "Bearer " + token}
    user = os.environ.get(ENV_USER)
    if user:
        pair = f"{user}:{os.environ.get(ENV_PASSWORD, '')}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
    return {}


def _excerpt(body: bytes, limit: int = 160) -> str:
    text = body.decode("utf-8", "replace")
    text = re.sub(r"<[^>]*>", " ", text) if "<html" in text[:500].lower() else text
    text = " ".join(text.split())
    return text[:limit] + ("..." if len(text) > limit else "")


def _where(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return parts.netloc or url


def _request(method: str, url: str, *, what: str, body: bytes | None = None,
             headers: dict[str, str] | None = None,
             timeout: float = DEFAULT_TIMEOUT) -> tuple[str, bytes]:
    """Send one request; return (media type, body). Every failure is an EndpointError.

    ``timeout`` is a deadline for the whole request: connecting, sending and
    reading the full answer (None or 0: no deadline).
    """
    timeout = timeout or None
    deadline = time.monotonic() + timeout if timeout else float("inf")
    if not re.match(r"^https?://[^/\s]+", url or ""):
        raise EndpointError(f"{what}: {url!r} is not an http:// or https:// URL",
                            hint="give the server's SPARQL endpoint, e.g. "
                                 "http://127.0.0.1:7878/query")
    try:
        req = urllib.request.Request(url, data=body, method=method,
                                     headers={**(headers or {}), **_auth_headers(),
                                              "User-Agent": "kg"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            chunks = []
            size = 0
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                if left != float("inf"):
                    _set_read_timeout(resp, left)
                chunk = resp.read1(1 << 16)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_ANSWER_BYTES:
                    raise EndpointError(f"{what}: the answer from {url} is larger than "
                                        f"{MAX_ANSWER_BYTES} bytes")
                chunks.append(chunk)
            ctype = resp.headers.get("Content-Type", "") or ""
            return ctype.split(";")[0].strip().lower(), b"".join(chunks)
    except urllib.error.HTTPError as e:
        try:
            detail = _excerpt(e.read())
        except (OSError, http.client.HTTPException):
            detail = ""
        raise _http_error(e.code, url, what, detail) from None
    except urllib.error.URLError as e:
        raise _network_error(e.reason, url, what, timeout) from None
    except (OSError, http.client.HTTPException) as e:
        raise _network_error(e, url, what, timeout) from None
    except ValueError as e:  # e.g. a malformed URL
        raise EndpointError(f"{what}: bad URL {url!r} ({e})") from None


def _set_read_timeout(resp, seconds: float) -> None:
    """Make the next read wait at most until the deadline (read1 returns whatever
    has arrived, so a server that drips bytes cannot hold kg past it)."""
    sock = getattr(getattr(resp.fp, "raw", None), "_sock", None)
    if sock is not None:
        sock.settimeout(max(seconds, 0.001))


def _http_error(code: int, url: str, what: str, detail: str) -> EndpointError:
    said = f": {detail}" if detail else ""
    if code in (401, 403):
        have = any(os.environ.get(v) for v in (ENV_TOKEN, ENV_USER))
        return EndpointError(
            f"{what}: {url} refused access (HTTP {code})",
            hint=("check the credentials in " if have else "set ")
            + f"{ENV_USER} and {ENV_PASSWORD}, or {ENV_TOKEN}")
    if code == 404:
        return EndpointError(f"{what}: no such service at {url} (HTTP 404)",
                             hint="check the URL; Oxigraph serves /query, /update and /store, "
                                  "Fuseki /DATASET/sparql, /update and /data")
    if code == 413:
        return EndpointError(f"{what}: {url} refused a request as too large (HTTP 413)",
                             hint="pass a smaller --max-body")
    if code >= 500:
        return EndpointError(f"{what}: server error at {url} (HTTP {code}){said}")
    return EndpointError(f"{what}: {url} rejected the request (HTTP {code}){said}")


def _network_error(reason, url: str, what: str, timeout: float) -> EndpointError:
    where = _where(url)
    if isinstance(reason, TimeoutError | socket.timeout):
        return EndpointError(f"{what}: no complete answer from {where} within {timeout or 0:g} s",
                             hint="pass a longer --timeout, or check the server")
    if isinstance(reason, ConnectionRefusedError):
        return EndpointError(f"{what}: cannot connect to {where}: connection refused",
                             hint="is the server running, and is the URL right?")
    if isinstance(reason, socket.gaierror):
        return EndpointError(f"{what}: cannot resolve the host of {url}")
    if isinstance(reason, ConnectionError | http.client.HTTPException):
        return EndpointError(f"{what}: the connection to {where} broke off "
                             f"({type(reason).__name__})")
    return EndpointError(f"{what}: cannot reach {where}: {reason}")


# ---------------------------------------------------------------------------
# Queries


def run_query(url: str, text: str, *, timeout: float | None = DEFAULT_TIMEOUT,
              default_graphs: list[str] | None = None,
              named_graphs: list[str] | None = None,
              accept_graph: bool | None = None) -> ResultSet:
    """Run a SPARQL query on the endpoint ``url``; the answer as a local query gives it.

    ``default_graphs`` and ``named_graphs`` become ``default-graph-uri`` and
    ``named-graph-uri`` (see :func:`remote_dataset`). As in a local query,
    the named graphs are the default graphs unless given (``[]``: none);
    no default graphs leaves the dataset to the server. ``accept_graph`` asks for RDF first (a
    CONSTRUCT or DESCRIBE); either way the answer is read by its media type.
    """
    form = [("query", text)]
    form += [("default-graph-uri", g) for g in default_graphs or ()]
    if named_graphs is None:
        named_graphs = default_graphs
    form += [("named-graph-uri", g) for g in named_graphs or ()]
    ctype, body = _request(
        "POST", url, what="query", body=urllib.parse.urlencode(form).encode("utf-8"),
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Accept": GRAPH_ACCEPT if accept_graph else QUERY_ACCEPT},
        timeout=timeout)
    return parse_answer(ctype, body, url)


def parse_answer(ctype: str, body: bytes, url: str = "the server") -> ResultSet:
    """A query's HTTP answer (media type and body) as a ResultSet.

    An RDF answer that could make the parser fetch something (a remote JSON-LD
    context, an XML entity) is refused before parsing, naming what it asked for.
    """
    from .safety import UnsafeInput, check_rdf

    if ctype in _GRAPH_FORMATS:
        try:
            check_rdf(body, ctype, source=f"query: the answer from {url}")
        except UnsafeInput as e:
            raise EndpointError(e.message, hint=e.hint) from None
    try:
        if ctype in _RESULTS_FORMATS:
            result = ox.parse_query_results(body, format=_RESULTS_FORMATS[ctype])
            if isinstance(result, ox.QueryBoolean):
                return ResultSet("ask", boolean=bool(result))
            variables = [v.value for v in result.variables]
            rows = [tuple(sol[v] for v in variables) for sol in result]
            return ResultSet("select", variables, rows)
        if ctype in _GRAPH_FORMATS:
            triples = [ox.Triple(q.subject, q.predicate, q.object)
                       for q in ox.parse(body, format=_GRAPH_FORMATS[ctype])]
            return ResultSet("graph", triples=triples)
    except (SyntaxError, ValueError) as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise EndpointError(f"query: the answer from {url} is malformed or truncated "
                            f"({ctype}: {first})") from None
    shown = ctype or "no content type"
    raise EndpointError(f"query: {url} answered {shown}, not SPARQL results"
                        + (f": {_excerpt(body, 80)}" if body else ""),
                        hint="is this the SPARQL query endpoint? (Oxigraph: .../query)")


def count_triples(url: str, graphs: list[str], *, timeout: float = DEFAULT_TIMEOUT
                  ) -> dict[str, int]:
    """The number of triples in each of ``graphs`` on the server (0 when absent)."""
    values = " ".join(str(ox.NamedNode(g)) for g in graphs)
    result = run_query(url, "SELECT ?g (COUNT(*) AS ?n) WHERE { VALUES ?g { %s } "
                            "GRAPH ?g { ?s ?p ?o } } GROUP BY ?g" % values, timeout=timeout)
    counts = dict.fromkeys(graphs, 0)
    for g, n in result.rows:
        try:
            counts[g.value] = int(n.value)
        except (AttributeError, ValueError):
            raise EndpointError(f"query: {url} answered a count that is not a number "
                                f"({n})") from None
    return counts


# ---------------------------------------------------------------------------
# Push


@dataclass
class PushReport:
    """What a push sent and what the server holds afterwards."""

    endpoint: str
    method: str  # "gsp" | "update"
    sent: dict[str, int]  # target graph IRI -> distinct triples sent
    held: dict[str, int]  # target graph IRI -> triples the server holds afterwards
    requests: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def triples(self) -> int:
        return sum(self.sent.values())


def _line(t: ox.Triple) -> bytes:
    return f"{t} .\n".encode()


def units(triples: Iterable[ox.Triple]) -> list[bytes]:
    """N-Triples text cut into pieces that must travel in one request.

    A blank node is local to one request body, so all the triples that share
    blank nodes (a connected component) form one piece; every other triple is
    a piece of its own. Pieces come in a deterministic order.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    plain: list[bytes] = []
    linked: list[tuple[str, ox.Triple]] = []
    for t in triples:
        bnodes = [term.value for term in (t.subject, t.object)
                  if isinstance(term, ox.BlankNode)]
        if not bnodes:
            plain.append(_line(t))
            continue
        root = find(bnodes[0])
        for b in bnodes[1:]:
            other = find(b)
            if other != root:
                parent[other] = root
        linked.append((bnodes[0], t))
    groups: dict[str, list[bytes]] = {}
    for b, t in linked:
        groups.setdefault(find(b), []).append(_line(t))
    return plain + [b"".join(sorted(lines)) for _, lines in sorted(groups.items())]


def chunks(pieces: list[bytes], budget: int) -> list[bytes]:
    """Pack ``pieces`` in order into bodies of at most ``budget`` bytes."""
    out: list[bytes] = []
    current: list[bytes] = []
    size = 0
    for piece in pieces:
        if len(piece) > budget:
            raise UsageError(f"one triple (or blank-node group) takes {len(piece)} bytes, more "
                             f"than --max-body allows ({budget} bytes for the triples)",
                             hint="pass a larger --max-body")
        if size + len(piece) > budget and current:
            out.append(b"".join(current))
            current, size = [], 0
        current.append(piece)
        size += len(piece)
    if current:
        out.append(b"".join(current))
    return out


def _insert_data(graph: str, body: bytes) -> bytes:
    return b"INSERT DATA { GRAPH <" + graph.encode() + b"> {\n" + body + b"} }\n"


def push(quads: Iterable[ox.Quad], endpoints: Endpoints, *, graph_iri: str | None = None,
         method: str = "auto", max_body: int = DEFAULT_MAX_BODY,
         timeout: float | None = DEFAULT_TIMEOUT,
         progress: Callable[[int, int], None] | None = None,
         targets: Iterable[str] = ()) -> PushReport:
    """Replace graph(s) on the server with ``quads``; raise EndpointError on any failure.

    Each quad goes into the server's graph of the same name as its own
    (``kgg:asserted``, ...), or, with ``graph_iri``, every triple goes into
    that one graph. All the target graphs are replaced by one update
    request; ``targets`` names graphs to replace (empty) even when no quad
    falls into them. ``progress(done,
    total)`` is called after each upload request. On failure before the
    final update, the temporary graphs are dropped and the targets are as
    they were; the error message says which state the target is in.
    """
    t0 = time.monotonic()
    if method == "auto":
        method = "gsp" if endpoints.gsp else "update"
    if method not in ("gsp", "update"):
        raise UsageError(f"unknown upload method {method!r}", hint="gsp or update")
    if method == "gsp" and not endpoints.gsp:
        raise UsageError("no Graph Store Protocol endpoint known for "
                         f"{endpoints.query}", hint="pass --gsp-endpoint, or --method update")
    if not endpoints.update:
        raise UsageError("no SPARQL Update endpoint known", hint="pass --update-endpoint")
    by_target: dict[str, list[ox.Triple]] = {}
    seen: set = set()
    for q in quads:
        target = graph_iri or q.graph_name.value
        key = (target, q.subject, q.predicate, q.object)
        if key not in seen:
            seen.add(key)
            by_target.setdefault(target, []).append(ox.Triple(q.subject, q.predicate, q.object))
    for target in [graph_iri] if graph_iri else targets:
        by_target.setdefault(target, [])
    if not by_target:
        raise UsageError("nothing to push: the chosen graphs are empty")
    token = secrets.token_hex(6)
    tmp = {target: f"{target}-upload-{token}" for target in by_target}
    overhead = max(len(_insert_data(t, b"")) for t in tmp.values()) if method == "update" \
        else 0
    bodies = [(target, body) for target, triples in by_target.items()
              for body in chunks(units(triples), max_body - overhead)]
    sent = {target: len(triples) for target, triples in by_target.items()}
    report = PushReport(endpoints.query, method, sent, {})

    def cleanup():
        drop = " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in tmp.values())
        try:
            _request("POST", endpoints.update, what="cleanup", body=drop.encode(),
                     headers={"Content-Type": "application/sparql-update"},
                     timeout=min(timeout or 10.0, 10.0))
        except EndpointError:
            report.notes.append("the temporary graph(s) could not be dropped: "
                                + ", ".join(f"<{g}>" for g in tmp.values()))

    def untouched(e: EndpointError) -> EndpointError:
        cleanup()
        note = ("; " + report.notes[-1]) if report.notes else ""
        targets = ", ".join(f"<{t}>" for t in by_target)
        return EndpointError(f"push failed: {e.message}; {targets} left as it was" + note,
                             hint=e.hint)

    # 1. Upload into the temporary graphs.
    try:
        for i, (target, body) in enumerate(bodies, 1):
            if method == "gsp":
                url = endpoints.gsp + ("&" if "?" in endpoints.gsp else "?") + \
                    urllib.parse.urlencode({"graph": tmp[target]})
                _request("POST", url, what=f"upload {i}/{len(bodies)}", body=body,
                         headers={"Content-Type": "application/n-triples"}, timeout=timeout)
            else:
                _request("POST", endpoints.update, what=f"upload {i}/{len(bodies)}",
                         body=_insert_data(tmp[target], body),
                         headers={"Content-Type": "application/sparql-update"},
                         timeout=timeout)
            report.requests += 1
            if progress is not None:
                progress(i, len(bodies))
        # 2. Check that the server holds all of it before touching the targets.
        staged = count_triples(endpoints.query, list(tmp.values()), timeout=timeout)
        report.requests += 1
        for target, n in sent.items():
            if staged[tmp[target]] != n:
                raise EndpointError(f"the server holds {staged[tmp[target]]} of the {n} "
                                    f"triples uploaded to <{tmp[target]}>")
    except EndpointError as e:
        raise untouched(e) from None

    # 3. Replace the targets in one update request: one transaction on the server.
    ops = []
    for target, n in sent.items():
        ops.append(f"DROP SILENT GRAPH <{target}>")
        # Without SILENT, a temporary graph that vanished fails the whole request.
        ops.append(f"MOVE {'SILENT ' if n == 0 else ''}GRAPH <{tmp[target]}> "
                   f"TO GRAPH <{target}>")
    try:
        _request("POST", endpoints.update, what="replace", body=" ;\n".join(ops).encode(),
                 headers={"Content-Type": "application/sparql-update"}, timeout=timeout)
        report.requests += 1
    except EndpointError as e:
        if re.search(r"\(HTTP \d+\)", e.message):
            raise untouched(e) from None
        cleanup()
        raise EndpointError(
            f"push failed: {e.message}; the replacement is one update request, so "
            + ", ".join(f"<{t}>" for t in sent) + " holds either its old or its new content",
            hint="run kg push again") from None

    # 4. Count what the server now holds.
    try:
        report.held = count_triples(endpoints.query, list(sent), timeout=timeout)
        report.requests += 1
    except EndpointError as e:
        raise EndpointError(f"push: the graph was replaced, but counting it failed: "
                            f"{e.message}", hint=e.hint) from None
    report.seconds = time.monotonic() - t0
    wrong = {t: n for t, n in report.held.items() if n != sent[t]}
    if wrong:
        raise EndpointError("push: the server holds " + ", ".join(
            f"{n} triples in <{t}> where {sent[t]} were sent" for t, n in wrong.items()),
            hint="another client may be writing the same graph; run kg push again")
    return report
