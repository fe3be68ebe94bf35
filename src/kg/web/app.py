"""The Starlette application of ``kg serve``: routes, the forked runner, error pages.

Each page and each SPARQL query runs in a child process forked by
:func:`kg.query.runner.call` with the server's deadline (``--timeout``); the
request waits for it on a worker thread, so the event loop never blocks and
a runaway query holds up only its own request. The child reads the store
(opened read-only once, at start) and renders the page, so the parent
process never runs a query itself. Templates are compiled before the first
fork. Everything is served from the package: no CDN, no external font or
script (the Content-Security-Policy says so to the browser).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kg.errors import KgError, QueryError, QueryTimeout, UsageError
from kg.interop import export as _export  # noqa: F401 - imported before any fork (module locks)
from kg.query import querying as _querying  # noqa: F401 - likewise
from kg.query import runner
from kg.query.catalogue import CannedQuery, all_queries, get_query
from kg.web import pages, protocol, reader
from kg.web.cache import PageCache
from kg.web.negotiation import NotAcceptable, wants_html

HERE = Path(__file__).resolve().parent
TEMPLATES = ("index.html", "article.html", "query.html", "sparql.html", "entity.html",
             "error.html")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"


class Stopping(QueryError):
    """The server stopped a query that was still running because it is itself stopping."""


def status_for(error: BaseException) -> int:
    """The HTTP status of a library error."""
    if isinstance(error, pages.NotFound):
        return 404
    if isinstance(error, QueryTimeout | Stopping):
        return 503
    if isinstance(error, NotAcceptable):
        return 406
    if isinstance(error, protocol.UnsupportedMediaType):
        return 415
    if isinstance(error, QueryError | UsageError):
        return 400
    return 500


def error_text(error: BaseException) -> str:
    """``Error: ...`` and an optional ``Hint: ...`` line, as the command line prints them."""
    if isinstance(error, KgError):
        text = f"Error: {error.message}\n"
        return text + (f"Hint: {error.hint}\n" if error.hint else "")
    first = (str(error).splitlines() or [""])[0]
    return f"Error: the request failed ({type(error).__name__}: {first})\n"


class Site:
    """The built store, the templates and the deadline shared by every request."""

    def __init__(self, store_dir: Path, *, timeout: float = runner.DEFAULT_TIMEOUT):
        from kg.store.disk import open_store

        self.built = open_store(store_dir)
        self.store = self.built.oxigraph
        self.timeout = timeout
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                                 autoescape=True, undefined=jinja2.StrictUndefined,
                                 trim_blocks=True, lstrip_blocks=True)
        self.templates = {name: env.get_template(name) for name in TEMPLATES}
        self.queries = list(all_queries())
        self.cache = PageCache()
        self.waiting: set[int] = set()  # native ids of the threads waiting for a child
        self.stopping = False  # set by stop_children

    def render(self, name: str, status: int = 200, **data) -> bytes:
        """A page as the child sends it: the HTTP status (3 digits), then the HTML."""
        return b"%03d" % status + self.templates[name].render(**data).encode("utf-8")

    async def in_child(self, func: Callable[[], bytes], what: str,
                       timeout: float | None = None) -> bytes:
        """``func()`` in a forked child with the deadline, waited for on a worker thread."""
        server = os.getpid()

        def child() -> bytes:
            if os.getpid() != server:  # forked (not so with --timeout 0)
                _die_with(server)
            return func()

        def wait() -> bytes:
            thread = threading.get_native_id()
            self.waiting.add(thread)
            try:
                return runner.call(child, what=what,
                                   timeout=self.timeout if timeout is None else timeout)
            except QueryError:
                if self.stopping:  # its child was killed by stop_children
                    raise Stopping(f"{what}: the server is stopping and stopped the query",
                                   hint="send it again once the server is back") from None
                raise
            finally:
                self.waiting.discard(thread)
        return await run_in_threadpool(wait)

    def stop_children(self) -> None:
        """Kill the children still running queries (the server is stopping).

        Each is found as a child of the worker thread waiting for it (Linux's
        ``/proc/self/task/TID/children``), so no other child of the process
        is touched; elsewhere the children end at their deadline.
        """
        self.stopping = True
        for thread in list(self.waiting):
            try:
                with open(f"/proc/self/task/{thread}/children", encoding="ascii") as f:
                    pids = [int(p) for p in f.read().split()]
            except OSError:
                continue
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    async def page(self, func: Callable[[], bytes], what: str, key: str | None = None
                   ) -> Response:
        """The page ``func`` renders in a child; answered from the cache when it has it."""
        data = self.cache.get(key)
        if data is None:
            try:
                data = await self.in_child(func, what)
            except Exception as e:  # noqa: BLE001 - every failure becomes an error page
                return self.error_page(e)
            if data[:3] == b"200":
                self.cache.put(key, data)
        return HTMLResponse(data[3:], status_code=int(data[:3]))

    def error_page(self, error: BaseException, status: int | None = None) -> Response:
        text = error_text(error)
        lines = text.rstrip("\n").split("\n")
        return HTMLResponse(self.render("error.html", lines=lines)[3:],
                            status_code=status or status_for(error))


def _libc():
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


_LIBC = _libc() if sys.platform.startswith("linux") else None
_PR_SET_PDEATHSIG = 1


def _die_with(server: int) -> None:
    """In a forked child: be killed when the server process ends (Linux's parent-death
    signal), so that a query still running when the server stops does not outlive it."""
    if _LIBC is None:
        return
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != server:  # the server ended before the signal was armed
        os._exit(1)


def _key(request: Request) -> str:
    return request.url.path + ("?" + request.url.query if request.url.query else "")


def create_app(store_dir: Path, *, timeout: float = runner.DEFAULT_TIMEOUT,
               host: str = "127.0.0.1", cors_origins: tuple[str, ...] = ()) -> Starlette:
    """The application over the build in ``store_dir`` (opened now: a stale build fails here).

    ``cors_origins`` lets pages of those origins (a YASGUI page, say) read the
    answers of ``/sparql`` from the browser; by default no other site can.
    """
    site = Site(store_dir, timeout=timeout)

    async def index(request: Request) -> Response:
        search = next((q for q in site.queries if q.name == "search"), None)

        def make() -> bytes:
            return site.render("index.html", articles=pages.articles(site.store),
                               queries=[q for q in site.queries if not q.is_check],
                               checks=[q for q in site.queries if q.is_check],
                               search=search.params[0].name if search and search.params
                               else None)
        return await site.page(make, "the index", _key(request))

    async def article(request: Request) -> Response:
        doc = request.path_params["doc"]
        return await site.page(lambda: site.render("article.html",
                                                   page=reader.article(site.store, doc)),
                               f"article {doc}", _key(request))

    async def query(request: Request) -> Response:
        try:
            canned = get_query(request.path_params["name"])
        except UsageError as e:
            return site.error_page(pages.NotFound(e.message, hint=e.hint))
        given = {p.name: request.query_params[p.name] for p in canned.params
                 if request.query_params.get(p.name, "").strip()}
        return await site.page(lambda: _query_page(site, canned, given),
                               f"queries/{canned.name}.rq", _key(request))

    async def entity(request: Request) -> Response:
        ident = request.path_params["ident"]
        return await site.page(lambda: _entity_page(site, ident), f"entity {ident}",
                               _key(request))

    async def graph_svg(request: Request) -> Response:
        ident = request.path_params["ident"]
        svg = site.cache.get(_key(request))
        if svg is None:
            try:
                svg = await site.in_child(lambda: _graph_svg(site, ident),
                                          f"graph of {ident}")
            except Exception as e:  # noqa: BLE001
                return PlainTextResponse(error_text(e), status_code=status_for(e))
            site.cache.put(_key(request), svg)
        return Response(svg, media_type="image/svg+xml",
                        headers={"Content-Security-Policy": SVG_CSP})

    async def sparql(request: Request) -> Response:
        try:
            body = await _read_body(request)
            params = protocol.url_params(request.scope.get("query_string", b""))
            if request.method == "GET" and not params:
                return HTMLResponse(site.render("sparql.html", query=_EXAMPLE, result=None,
                                                error=None)[3:])
            req = protocol.read_request(request.method, request.headers.get("content-type"),
                                        params, body)
            if (req.fmt or "").lower() == "html" or (
                    req.fmt is None and wants_html(request.headers.get("accept"))):
                return await _sparql_page(site, req)
            prepared = protocol.prepare(req, request.headers.get("accept"))
            data = await site.in_child(lambda: protocol.answer(site.store, prepared), "query",
                                       protocol.deadline(site.timeout, req.timeout))
        except Exception as e:  # noqa: BLE001 - every failure is a one-line answer
            return PlainTextResponse(error_text(e), status_code=status_for(e))
        media, answer = protocol.split_answer(data)
        return Response(answer, media_type=media)

    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 405:
            message = (f"{request.method} is not allowed on {request.url.path}: kg serve is "
                       "read-only")
            hint = "GET any page; POST only to /sparql"
        elif exc.status_code == 404:
            message, hint = f"no page at {request.url.path}", "the index page is at /"
        else:
            message, hint = exc.detail or f"HTTP {exc.status_code}", None
        err = KgError(message, hint=hint)
        if request.url.path.startswith(("/sparql", "/static", "/graph")):
            return PlainTextResponse(error_text(err), status_code=exc.status_code,
                                     headers=exc.headers)
        return site.error_page(err, exc.status_code)

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/article/{doc}", article, methods=["GET"]),
        Route("/entity/{ident:path}", entity, methods=["GET"]),
        Route("/query/{name}", query, methods=["GET"]),
        Route("/graph/{ident}.svg", graph_svg, methods=["GET"]),
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error})
    app.state.site = site
    app.add_middleware(_Headers)
    if cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(cors_origins),
                           allow_methods=["GET", "POST"], allow_headers=["Content-Type"])
    if host in LOOPBACK:
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        app.add_middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost",
                                                                 "[::1]", "::1"])
    return app


_EXAMPLE = "SELECT ?talks ?place WHERE { ?talks a kg:Negotiation ; kg:heldIn ?place }"


class _Headers:
    """Adds the security headers to every answer (pure ASGI, no buffering)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", CSP.encode()))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"no-referrer"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _read_body(request: Request) -> bytes:
    if request.method != "POST":
        return b""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > protocol.MAX_BODY:
        raise protocol.ProtocolError(f"the request body is over {protocol.MAX_BODY} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > protocol.MAX_BODY:
            raise protocol.ProtocolError(f"the request body is over {protocol.MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _sparql_page(site: Site, req: protocol.Request) -> Response:
    """The query page's answer: the form again, and the results as a table or the error."""
    try:
        prepared = protocol.prepare(protocol.Request(
            req.text, req.default_graphs, req.named_graphs, None), None)
        data = await site.in_child(lambda: site.render(
            "sparql.html", query=req.text, error=None,
            result=pages.sparql_result(site.store, prepared)), "query",
            protocol.deadline(site.timeout, req.timeout))
    except Exception as e:  # noqa: BLE001 - shown on the page
        lines = error_text(e).rstrip("\n").split("\n")
        return HTMLResponse(site.render("sparql.html", query=req.text, result=None,
                                        error=lines)[3:], status_code=status_for(e))
    return HTMLResponse(data[3:], status_code=int(data[:3]))


def _query_page(site: Site, canned: CannedQuery, given: dict[str, str]) -> bytes:
    form = [(p, given.get(p.name, "")) for p in canned.params]
    try:
        result, error, status = pages.canned(site.store, canned, given), None, 200
    except KgError as e:
        result, error, status = None, error_text(e).rstrip("\n").split("\n"), status_for(e)
    return site.render("query.html", status, query=canned, form=form, result=result,
                       error=error)


def _entity_page(site: Site, ident: str) -> bytes:
    return site.render("entity.html", page=pages.entity(site.store, ident))


def _graph_svg(site: Site, ident: str) -> bytes:
    return pages.graph_svg(site.store, ident).encode("utf-8")

