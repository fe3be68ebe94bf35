"""Remote SPARQL 1.1 servers: run queries on them, and push the graph to them.

Queries go by the SPARQL 1.1 Protocol (URL-encoded POST to the query
endpoint) and come back as SPARQL JSON results or N-Triples/Turtle, parsed by
pyoxigraph into the same terms a local query gives, so one renderer serves
both. A push uploads into a temporary graph (Graph Store Protocol POST of
N-Triples, or SPARQL ``INSERT DATA``), in requests no bigger than
``max_body`` bytes, made one at a time from graphs that are walked rather than
loaded (:mod:`kg.interop.remote.upload`), checks the temporary graph's size, and then replaces the
target graph in ONE SPARQL Update request (``DROP SILENT GRAPH <target> ;
MOVE GRAPH <tmp> TO GRAPH <target>``). A server runs one update request as
one transaction, so a push that fails at any point leaves the target graph
either as it was or fully replaced, never half-written. Afterwards it counts
the target graph and compares with what was sent.

That one transaction is also the price: the server copies every triple
inside it (Oxigraph held 9.4 GB for the 2.26 M triples of 1,000 articles,
and took 8 minutes). ``atomic=False`` (``kg push --no-atomic``) drops the targets
in one update and uploads straight into them: no copy, but a push that
fails in the upload may leave a target incomplete, and the error says so.

Every request goes through :mod:`kg.interop.remote.transport` (SPARQL queries and
updates built by SPARQLWrapper; the deadline, no redirects, the size cap and
the one-line errors around it). Credentials come from the environment only
(:mod:`kg.interop.remote.credentials`), checked before anything is sent; the store
layouts are in :mod:`kg.interop.remote.layouts`.
"""

from __future__ import annotations

import re
import secrets
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg import namespaces as ns
from kg.errors import EndpointError, UsageError
from kg.interop.remote import transport, upload
from kg.interop.remote.credentials import (
    ENV_PASSWORD,
    ENV_TOKEN,
    ENV_USER,
    Credentials,
    from_environment,
    printable,
    shown,
)
from kg.interop.remote.layouts import STORE_TYPES, Endpoints, check_update_iri, derive_endpoints
from kg.interop.remote.transport import DEFAULT_TIMEOUT, MAX_ANSWER_BYTES
from kg.query.querying import ResultSet

__all__ = ["DEFAULT_MAX_BODY", "DEFAULT_TIMEOUT", "ENV_PASSWORD", "ENV_TOKEN", "ENV_USER",
           "MAX_ANSWER_BYTES", "STORE_TYPES", "Endpoints", "PushReport", "chunks",
           "count_triples", "derive_endpoints", "parse_answer", "push", "push_targets",
           "remote_dataset", "run_query", "units"]

#: Request bodies stay under this many bytes unless told otherwise.
DEFAULT_MAX_BODY = 4_000_000
#: Virtuoso compiles each INSERT into SQL, and refuses one of more than
#: ~10,000 lines of SQL ("SP031 ... exceeded 10000 lines"): smaller pieces.
VIRTUOSO_UPDATE_BODY = 100_000
VIRTUOSO_UPDATE_TRIPLES = 500

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


def _request(method: str, url: str, *, what: str, body: bytes | None = None,
             headers: dict[str, str] | None = None, timeout: float | None = DEFAULT_TIMEOUT,
             creds: Credentials | None = None) -> tuple[str, bytes]:
    """One plain HTTP request with the environment's credentials: (media type, body)."""
    return transport.request(method, url, what=what, body=body, headers=headers,
                             timeout=timeout,
                             creds=from_environment() if creds is None else creds)


def _update(url: str, text: str | bytes, *, what: str, creds: Credentials,
            timeout: float | None) -> None:
    """One SPARQL Update request (built by SPARQLWrapper)."""
    transport.sparql(url, text.decode("utf-8") if isinstance(text, bytes) else text,
                     what=what, creds=creds, update=True, timeout=timeout)


# ---------------------------------------------------------------------------
# Queries


def run_query(url: str, text: str, *, timeout: float | None = DEFAULT_TIMEOUT,
              default_graphs: list[str] | None = None,
              named_graphs: list[str] | None = None,
              accept_graph: bool | None = None,
              creds: Credentials | None = None) -> ResultSet:
    """Run a SPARQL query on the endpoint ``url``; the answer as a local query gives it.

    ``default_graphs`` and ``named_graphs`` become ``default-graph-uri`` and
    ``named-graph-uri`` (see :func:`remote_dataset`). As in a local query,
    the named graphs are the default graphs unless given (``[]``: none);
    no default graphs leaves the dataset to the server. ``accept_graph`` asks for RDF first (a
    CONSTRUCT or DESCRIBE); either way the answer is read by its media type.
    ``creds``: the environment's
    (:func:`kg.interop.remote.credentials.from_environment`) unless given.
    """
    params = [("default-graph-uri", g) for g in default_graphs or ()]
    if named_graphs is None:
        named_graphs = default_graphs
    params += [("named-graph-uri", g) for g in named_graphs or ()]
    ctype, body = transport.sparql(
        url, text, what="query", creds=from_environment() if creds is None else creds,
        form="CONSTRUCT" if accept_graph else "SELECT", params=params,
        accept=GRAPH_ACCEPT if accept_graph else QUERY_ACCEPT, timeout=timeout)
    return parse_answer(ctype, body, url)


def parse_answer(ctype: str, body: bytes, url: str = "the server") -> ResultSet:
    """A query's HTTP answer (media type and body) as a ResultSet.

    An RDF or XML answer that could make the parser fetch something (a remote
    JSON-LD context, an XML entity) is refused before parsing, naming what it
    asked for.
    """
    from kg.interop.safety import UnsafeInput, check_rdf

    where = shown(url) if "://" in url else url
    if ctype in _GRAPH_FORMATS or ctype == "application/sparql-results+xml":
        try:
            check_rdf(body, ctype, source=f"query: the answer from {where}")
        except UnsafeInput as e:
            raise EndpointError(e.message, hint=e.hint) from None
    error = None
    try:
        parsed = _parse(ctype, body)
    except (SyntaxError, ValueError) as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        error = EndpointError(f"query: the answer from {where} is malformed or truncated "
                              f"({ctype}: {printable(first)})")
    # Raised here, not in the except clause: the parser's error (and the unsendable
    # pyoxigraph iterator its traceback holds) is freed now, on this thread, rather than
    # chained to the error and collected later by whichever thread runs the GC.
    if error is not None:
        raise error
    if parsed is not None:
        return parsed
    said = printable(ctype) if ctype else "no content type"
    raise EndpointError(f"query: {where} answered {said}, not SPARQL results"
                        + (f": {transport._excerpt(body, 80)}" if body else ""),
                        hint="is this the SPARQL query endpoint? (Oxigraph: .../query)")


def _parse(ctype: str, body: bytes) -> ResultSet | None:
    """The answer parsed by pyoxigraph by its media type (None: not a type kg reads)."""
    if ctype in _RESULTS_FORMATS:
        result = ox.parse_query_results(body, format=_RESULTS_FORMATS[ctype])
        if isinstance(result, ox.QueryBoolean):
            return ResultSet("ask", boolean=bool(result))
        variables = [v.value for v in result.variables]
        rows = [tuple(sol[v] for v in variables) for sol in result]
        if variables == ["__ASK_RETVAL"] and len(rows) == 1:  # Virtuoso's ASK in JSON
            return ResultSet("ask", boolean=getattr(rows[0][0], "value", "0") == "1")
        return ResultSet("select", variables, rows)
    if ctype in _GRAPH_FORMATS:
        triples = [ox.Triple(q.subject, q.predicate, q.object)
                   for q in ox.parse(body, format=_GRAPH_FORMATS[ctype])]
        return ResultSet("graph", triples=triples)
    return None


def count_triples(url: str, graphs: list[str], *, timeout: float | None = DEFAULT_TIMEOUT,
                  creds: Credentials | None = None) -> dict[str, int]:
    """The number of triples in each of ``graphs`` on the server (0 when absent)."""
    values = " ".join(str(ox.NamedNode(g)) for g in graphs)
    result = run_query(url, "SELECT ?g (COUNT(*) AS ?n) WHERE { VALUES ?g { %s } "
                            "GRAPH ?g { ?s ?p ?o } } GROUP BY ?g" % values, timeout=timeout,
                       creds=creds)
    counts = dict.fromkeys(graphs, 0)
    for g, n in result.rows:
        try:
            counts[g.value] = int(n.value)
        except (AttributeError, ValueError):
            raise EndpointError(f"query: {shown(url)} answered a count that is not a "
                                f"number ({printable(str(n))})") from None
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


def units(triples: Iterable[ox.Triple]) -> list[bytes]:
    """N-Triples text cut into pieces that must travel in one request
    (:func:`kg.interop.remote.upload.stream_units`, as a list)."""
    return list(upload.stream_units(triples))


def chunks(pieces: list[bytes], budget: int, max_triples: int | None = None) -> list[bytes]:
    """Pack ``pieces`` in order into bodies of at most ``budget`` bytes (and at most
    ``max_triples`` lines, unless one piece alone has more)
    (:func:`kg.interop.remote.upload.pack`, as a list)."""
    return list(upload.pack(pieces, budget, max_triples))


def push(quads: Iterable[ox.Quad], endpoints: Endpoints, *, graph_iri: str | None = None,
         method: str = "auto", max_body: int = DEFAULT_MAX_BODY,
         timeout: float | None = DEFAULT_TIMEOUT,
         progress: Callable[[int, int], None] | None = None,
         targets: Iterable[str] = (), creds: Credentials | None = None,
         atomic: bool = True) -> PushReport:
    """Replace graph(s) on the server with ``quads``; raise EndpointError on any failure.

    Each quad goes into the server's graph of the same name as its own
    (``kgg:asserted``, ...), or, with ``graph_iri``, every triple goes into
    that one graph. ``targets`` names graphs to replace (empty) even when no
    quad falls into them. The quads are held in memory; :func:`push_targets`
    (which this calls) takes graphs that are walked instead, as ``kg push``
    walks the store's. Every IRI that goes into an update is checked before
    anything is sent (UsageError), and so are the credentials.
    """
    if graph_iri is not None:
        check_update_iri(graph_iri)
    return push_targets(upload.quad_targets(quads, graph_iri, targets), endpoints,
                        method=method, max_body=max_body, timeout=timeout,
                        progress=progress, creds=creds, atomic=atomic)


def push_targets(targets: list[upload.Target], endpoints: Endpoints, *, method: str = "auto",
                 max_body: int = DEFAULT_MAX_BODY, timeout: float | None = DEFAULT_TIMEOUT,
                 progress: Callable[[int, int], None] | None = None,
                 creds: Credentials | None = None, atomic: bool = True) -> PushReport:
    """Replace each target graph on the server with the target's triples.

    The triples are walked twice (:class:`kg.interop.remote.upload.Target`):
    once to count them and the requests, once to send them, one request body
    at a time, so the memory a push needs does not grow with the graph. All
    the targets are replaced by one update request. ``progress(done, total)``
    is called after each upload request. On failure before the final update,
    the temporary graphs that may have received something are dropped and the
    targets are as they were; the error message says which state the target
    is in.
    """
    t0 = time.monotonic()
    creds = from_environment() if creds is None else creds
    method = _upload_method(method, endpoints)
    if not targets:
        raise UsageError("nothing to push: the chosen graphs are empty")
    job = _Push(targets, endpoints, method, timeout, creds, atomic)
    total = job.plan(max_body)
    if atomic:
        job.upload(total, progress)
        job.replace()
    else:
        job.drop()
        job.upload_direct(total, progress)
    job.count()
    job.report.seconds = time.monotonic() - t0
    return job.report


def _upload_method(method: str, endpoints: Endpoints) -> str:
    if method == "auto":
        method = "gsp" if endpoints.gsp else "update"
    if method not in ("gsp", "update"):
        raise UsageError(f"unknown upload method {method!r}", hint="gsp or update")
    if method == "gsp" and not endpoints.gsp:
        raise UsageError("no Graph Store Protocol endpoint known for "
                         f"{shown(endpoints.query)}",
                         hint="pass --gsp-endpoint, or --method update")
    if not endpoints.update:
        raise UsageError("no SPARQL Update endpoint known", hint="pass --update-endpoint")
    return method


class _Push:
    """One push's steps and state: the temporary graphs, and what was sent."""

    def __init__(self, targets: list[upload.Target], endpoints: Endpoints, method: str,
                 timeout: float | None, creds: Credentials, atomic: bool = True):
        self.targets, self.endpoints, self.timeout, self.creds = \
            targets, endpoints, timeout, creds
        token = secrets.token_hex(6)
        # where each target's triples are uploaded: a temporary graph, or (not atomic)
        # the target itself
        self.tmp = {t.iri: f"{t.iri}-upload-{token}" if atomic else t.iri for t in targets}
        for target, name in self.tmp.items():
            check_update_iri(target, "graph")
            check_update_iri(name, "graph")
        self.insert = upload.insert_template if endpoints.store == "virtuoso" \
            else upload.insert_data
        self.report = PushReport(shown(endpoints.query), method, {}, {})
        self.touched: list[str] = []  # temporary graphs a request may have written to
        self.budget, self.max_triples = 0, None

    def bodies(self, counts: dict[str, int] | None = None):
        return upload.bodies(self.targets, self.budget, self.max_triples, counts)

    def plan(self, max_body: int) -> int:
        """Walk the triples once: count them (``report.sent``) and the requests; an
        oversized blank-node group is refused here, before anything is sent."""
        update = self.report.method == "update"
        overhead = max(len(self.insert(t, b"")) for t in self.tmp.values()) if update else 0
        self.budget = max_body - overhead
        if update and self.insert is upload.insert_template:
            self.max_triples = VIRTUOSO_UPDATE_TRIPLES
        counts: dict[str, int] = {}
        total = sum(1 for _ in self.bodies(counts))
        self.report.sent = {t: counts.get(t, 0) for t in self.tmp}
        return total

    def cleanup(self) -> None:
        if not self.touched:
            return
        drop = " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in self.touched)
        try:
            _update(self.endpoints.update, drop, what="cleanup", creds=self.creds,
                    timeout=min(self.timeout or 10.0, 10.0))
        except EndpointError:
            self.report.notes.append("the temporary graph(s) could not be dropped: "
                                     + ", ".join(f"<{g}>" for g in self.touched))

    def untouched(self, e: EndpointError) -> EndpointError:
        self.cleanup()
        note = ("; " + self.report.notes[-1]) if self.report.notes else ""
        targets = self._targets()
        return EndpointError(f"push failed: {e.message}; {targets} left as it was" + note,
                             hint=e.hint)

    def send(self, graph: str, body: bytes, what: str) -> None:
        if self.report.method == "gsp":
            gsp = self.endpoints.gsp
            url = gsp + ("&" if "?" in gsp else "?") + urllib.parse.urlencode({"graph": graph})
            _request("POST", url, what=what, body=body,
                     headers={"Content-Type": "application/n-triples"},
                     timeout=self.timeout, creds=self.creds)
        else:
            _update(self.endpoints.update, self.insert(graph, body), what=what,
                    creds=self.creds, timeout=self.timeout)

    def upload(self, total: int, progress: Callable[[int, int], None] | None) -> None:
        """1. Upload into the temporary graphs; 2. check that the server holds all of
        it before touching the targets."""
        try:
            started: set[str] = set()
            for i, (target, body) in enumerate(self.bodies(), 1):
                name = self.tmp[target]
                if name not in self.touched:
                    self.touched.append(name)
                try:
                    self.send(name, body, f"upload {i}/{total}")
                except EndpointError as e:
                    if transport.wrote_nothing(e) and target not in started:
                        self.touched.remove(name)
                    raise
                started.add(target)
                self.report.requests += 1
                if progress is not None:
                    progress(i, total)
            staged = count_triples(self.endpoints.query, list(self.tmp.values()),
                                   timeout=self.timeout, creds=self.creds)
            self.report.requests += 1
            for target, n in self.report.sent.items():
                if staged[self.tmp[target]] != n:
                    raise EndpointError(f"the server holds {staged[self.tmp[target]]} of the "
                                        f"{n} triples uploaded to <{self.tmp[target]}>")
        except EndpointError as e:
            raise self.untouched(e) from None

    def drop(self) -> None:
        """Not atomic, 1. Drop the targets in one update request."""
        try:
            _update(self.endpoints.update, " ;\n".join(
                f"DROP SILENT GRAPH <{t}>" for t in self.tmp), what="drop", creds=self.creds,
                timeout=self.timeout)
            self.report.requests += 1
        except EndpointError as e:
            state = "left as it was" if transport.wrote_nothing(e) else \
                "either as it was or emptied (one update request)"
            raise EndpointError(f"push failed: {e.message}; " + self._targets() + " "
                                + state, hint=e.hint) from None

    def upload_direct(self, total: int, progress: Callable[[int, int], None] | None
                      ) -> None:
        """Not atomic, 2. Upload straight into the (dropped) targets."""
        for i, (target, body) in enumerate(self.bodies(), 1):
            try:
                self.send(target, body, f"upload {i}/{total}")
            except EndpointError as e:
                them = "it" if len(self.tmp) == 1 else "them"
                raise EndpointError(
                    f"push failed: {e.message}; {self._targets()} may be incomplete (--no-atomic "
                    f"dropped {them} before the upload)", hint="run kg push again") from None
            self.report.requests += 1
            if progress is not None:
                progress(i, total)

    def _targets(self) -> str:
        return ", ".join(f"<{t}>" for t in self.tmp)

    def replace(self) -> None:
        """3. Replace the targets in one update request: one transaction on the server."""
        self.touched[:] = list(self.tmp.values())
        ops = []
        for target, n in self.report.sent.items():
            ops.append(f"DROP SILENT GRAPH <{target}>")
            # Without SILENT, a temporary graph that vanished fails the whole request.
            ops.append(f"MOVE {'SILENT ' if n == 0 else ''}GRAPH <{self.tmp[target]}> "
                       f"TO GRAPH <{target}>")
        try:
            _update(self.endpoints.update, " ;\n".join(ops), what="replace", creds=self.creds,
                    timeout=self.timeout)
            self.report.requests += 1
        except EndpointError as e:
            if re.search(r"\(HTTP \d+\)", e.message):
                raise self.untouched(e) from None
            self.cleanup()
            raise EndpointError(
                f"push failed: {e.message}; the replacement is one update request, so "
                + self._targets()
                + " holds either its old or its new content",
                hint="run kg push again") from None

    def count(self) -> None:
        """4. Count what the server now holds, and compare with what was sent."""
        sent = self.report.sent
        try:
            self.report.held = count_triples(self.endpoints.query, list(sent),
                                             timeout=self.timeout, creds=self.creds)
            self.report.requests += 1
        except EndpointError as e:
            raise EndpointError(f"push: the graph was replaced, but counting it failed: "
                                f"{e.message}", hint=e.hint) from None
        wrong = {t: n for t, n in self.report.held.items() if n != sent[t]}
        if wrong:
            raise EndpointError("push: the server holds " + ", ".join(
                f"{n} triples in <{t}> where {sent[t]} were sent" for t, n in wrong.items()),
                hint="another client may be writing the same graph; run kg push again")
