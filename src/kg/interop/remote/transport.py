"""Every HTTP request kg makes to a remote server, and its one-line errors.

SPARQL queries and updates are built by SPARQLWrapper (:func:`sparql`): it
encodes the protocol's parameters (``query``/``update``,
``default-graph-uri``, ``named-graph-uri``), the media types and HTTP Basic
credentials. What SPARQLWrapper does not give, this module adds around it,
by sending the request SPARQLWrapper built through :func:`send` instead of
``SPARQLWrapper.query()``:

* **a whole-request deadline**: SPARQLWrapper's timeout is urllib's, a limit
  on each socket operation, so a server that drips one byte a second never
  times out; here every read waits at most until the deadline;
* **no redirects**: urllib's default opener (which SPARQLWrapper uses)
  follows a 302 to another host with the ``Authorization`` header, turns the
  POST into a GET, and follows ``ftp://``; kg's opener
  (:mod:`kg.interop.remote.opener`) has no redirect handler (nor ftp, file or data
  handlers) and a redirect is an error naming where it pointed;
* **credential hygiene**: the credentials come checked from
  :mod:`kg.interop.remote.credentials`; SPARQLWrapper's Digest support installs a
  process-wide opener, so Digest is done in kg's opener only, when the
  server answers 401 with a Digest challenge (Virtuoso's ``-auth``
  endpoints); URLs in messages never show user information;
* **an answer-size cap** (:data:`MAX_ANSWER_BYTES`), and error bodies read
  only as far as an excerpt needs.

SPARQLWrapper's result conversion is not used either: answers are parsed by
pyoxigraph after :mod:`kg.interop.safety` has looked at them (see
:func:`kg.interop.endpoint.parse_answer`). Graph Store Protocol uploads are not SPARQL
requests, which SPARQLWrapper does not make; :func:`request` sends them
through the same opener and rules.
"""

from __future__ import annotations

import http.client
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings

from SPARQLWrapper import POST, POSTDIRECTLY, URLENCODED, SPARQLWrapper

from kg.errors import EndpointError
from kg.interop.remote.credentials import (
    ENV_PASSWORD,
    ENV_TOKEN,
    ENV_USER,
    Credentials,
    printable,
    shown,
)
from kg.interop.remote.opener import Watch, auth_headers, build_opener, digest_known

MAX_ANSWER_BYTES = 1 << 30  # 1 GiB
#: An error answer is read this far, for the excerpt in the message.
MAX_ERROR_BYTES = 1 << 16
DEFAULT_TIMEOUT = 30.0
USER_AGENT = "kg"
_REDIRECTS = (301, 302, 303, 307, 308)


# ---------------------------------------------------------------------------
# Sending


def check_url(url: str, what: str) -> None:
    if not re.match(r"^https?://[^/\s]+", url or ""):
        raise EndpointError(f"{what}: '{shown(url)}' is not an http:// or https:// URL",
                            hint="give the server's SPARQL endpoint, e.g. "
                                 "http://127.0.0.1:7878/query")
    try:
        netloc = urllib.parse.urlsplit(url).netloc
    except ValueError:
        raise EndpointError(f"{what}: '{shown(url)}' is not a valid URL") from None
    if "@" in netloc:
        raise EndpointError(f"{what}: {shown(url)} has a user name or password in it",
                            hint=f"put them in {ENV_USER} and {ENV_PASSWORD} (or {ENV_TOKEN})")


def send(req: urllib.request.Request, *, what: str, creds: Credentials,
         timeout: float | None = DEFAULT_TIMEOUT) -> tuple[str, bytes]:
    """Send ``req``; return (media type, body). Every failure is an EndpointError.

    ``timeout`` is a deadline for the whole request: connecting, sending and
    reading the full answer (None or 0: no deadline).
    """
    url = req.full_url
    check_url(url, what)
    timeout = timeout or None
    deadline = time.monotonic() + timeout if timeout else float("inf")
    req.kg_digest = False
    watch = Watch(deadline)
    try:
        opener = build_opener(url, creds, watch)
        try:
            resp = opener.open(req, timeout=timeout)
        except urllib.error.HTTPError as e:
            if not _basic_refused_unasked(e, req, creds):
                raise
            # Virtuoso answers Basic credentials with a bare 401: ask again without
            # them, so that the server's Digest challenge comes back and is answered.
            e.close()
            req.remove_header("Authorization")
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError from None
            resp = opener.open(req, timeout=None if left == float("inf") else left)
        with resp:
            answer = _read_all(resp, deadline, what, url)
        if watch.expired:  # the timer shut the socket: what was read ends early
            raise TimeoutError
        return answer
    except urllib.error.HTTPError as e:
        body = _read_error(e, deadline)
        detail = "" if watch.expired else _excerpt(body)
        location = e.headers.get("Location") if e.headers else None
        raise http_error(e.code, url, what, detail, creds=creds,
                         digest=getattr(req, "kg_digest", False),
                         location=location) from None
    except http.client.InvalidURL as e:
        raise EndpointError(f"{what}: bad URL '{shown(url)}' ({printable(str(e))})") from None
    except urllib.error.URLError as e:
        if isinstance(e.reason, http.client.InvalidURL):
            raise EndpointError(f"{what}: bad URL '{shown(url)}' ({printable(str(e.reason))})") \
                from None
        reason = TimeoutError() if watch.expired else e.reason
        raise network_error(reason, url, what, timeout) from None
    except (OSError, http.client.HTTPException) as e:
        raise network_error(TimeoutError() if watch.expired else e, url, what,
                            timeout) from None
    except UnicodeError:  # a credential or header urllib cannot encode
        raise EndpointError(f"{what}: a header for {shown(url)} cannot be sent (not Latin-1)",
                            hint=f"check {ENV_USER}, {ENV_PASSWORD} and {ENV_TOKEN}") from None
    except ValueError as e:  # e.g. a malformed URL; the message never holds a header value
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        if "header" in first.lower():
            first = "a header value is invalid"
        raise EndpointError(f"{what}: bad URL '{shown(url)}' ({printable(first)})") from None
    finally:
        watch.cancel()


def _read_error(e: urllib.error.HTTPError, deadline: float) -> bytes:
    """As much of an error answer as the excerpt needs; nothing if it does not arrive
    (whole, or as far as the excerpt needs) before the deadline."""
    if e.fp is None:
        return b""
    got = b""
    try:
        while len(got) < MAX_ERROR_BYTES:
            if time.monotonic() >= deadline:
                return b""
            _set_read_timeout(e.fp, deadline - time.monotonic())
            chunk = e.fp.read1(MAX_ERROR_BYTES - len(got)) if hasattr(e.fp, "read1") \
                else e.fp.read(MAX_ERROR_BYTES - len(got))
            if not chunk:
                break
            got += chunk
    except (OSError, http.client.HTTPException, ValueError):
        return b""
    return got


def _basic_refused_unasked(e: urllib.error.HTTPError, req, creds: Credentials) -> bool:
    """A 401 to credentials sent up front as Basic, with no Digest challenge in it."""
    if e.code != 401 or not creds.user:
        return False
    sent = req.get_header("Authorization") or ""
    asked = (e.headers.get("WWW-Authenticate") or "") if e.headers else ""
    return sent.startswith("Basic ") and "digest" not in asked.lower()


def _read_all(resp, deadline: float, what: str, url: str) -> tuple[str, bytes]:
    declared = resp.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
        raise EndpointError(f"{what}: the answer from {shown(url)} is larger than "
                            f"{MAX_ANSWER_BYTES} bytes")
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
            raise EndpointError(f"{what}: the answer from {shown(url)} is larger than "
                                f"{MAX_ANSWER_BYTES} bytes")
        chunks.append(chunk)
    ctype = resp.headers.get("Content-Type", "") or ""
    return ctype.split(";")[0].strip().lower(), b"".join(chunks)


def _set_read_timeout(resp, seconds: float) -> None:
    """Make the next read wait at most until the deadline (read1 returns whatever
    has arrived, so a server that drips bytes cannot hold kg past it)."""
    sock = getattr(getattr(getattr(resp, "fp", None), "raw", None), "_sock", None)
    if sock is not None:
        sock.settimeout(max(seconds, 0.001))


def request(method: str, url: str, *, what: str, creds: Credentials, body: bytes | None = None,
            headers: dict[str, str] | None = None,
            timeout: float | None = DEFAULT_TIMEOUT) -> tuple[str, bytes]:
    """A plain HTTP request (a Graph Store Protocol upload) under the same rules as :func:`send`."""
    check_url(url, what)
    try:
        req = urllib.request.Request(url, data=body, method=method,
                                     headers={**(headers or {}), **auth_headers(url, creds),
                                              "User-Agent": USER_AGENT})
    except ValueError as e:
        raise EndpointError(f"{what}: bad URL '{shown(url)}' ({printable(str(e))})") from None
    return send(req, what=what, creds=creds, timeout=timeout)


# ---------------------------------------------------------------------------
# SPARQL through SPARQLWrapper


class _Wrapper(SPARQLWrapper):
    """SPARQLWrapper told the query form by kg (its own guess is a regular expression
    that takes ``PREFIX add: <...>`` for an ADD update)."""

    form = "SELECT"

    def _parseQueryType(self, query: str) -> str:  # noqa: N802 - SPARQLWrapper's name
        return self.form


def sparql(url: str, text: str, *, what: str, creds: Credentials, update: bool = False,
           form: str = "SELECT", accept: str | None = None,
           params: list[tuple[str, str]] = (),
           timeout: float | None = DEFAULT_TIMEOUT) -> tuple[str, bytes]:
    """Run a SPARQL query (URL-encoded POST) or update (``application/sparql-update`` POST)
    built by SPARQLWrapper; return (media type, body)."""
    check_url(url, what)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wrapper = _Wrapper(url, updateEndpoint=url, agent=USER_AGENT)
        wrapper.form = "INSERT" if update else form
        wrapper.setQuery(text)
        wrapper.setMethod(POST)
        wrapper.setOnlyConneg(True)
        wrapper.setRequestMethod(POSTDIRECTLY if update else URLENCODED)
        for name, value in params:
            wrapper.addParameter(name, value)
        if creds.token:
            wrapper.addCustomHttpHeader("Authorization", "Bearer " + creds.token)
        elif creds.user and not digest_known(url, creds):
            wrapper.setCredentials(creds.user, creds.password)
        if accept:
            wrapper.addCustomHttpHeader("Accept", accept)
        try:
            req = wrapper._createRequest()
        except ValueError as e:
            raise EndpointError(f"{what}: bad URL '{shown(url)}' ({printable(str(e))})") \
                from None
    if req.full_url.endswith("?"):  # POSTDIRECTLY with no parameters
        req.full_url = req.full_url[:-1]
    return send(req, what=what, creds=creds, timeout=timeout)


# ---------------------------------------------------------------------------
# Errors


def _excerpt(body: bytes, limit: int = 160) -> str:
    text = body.decode("utf-8", "replace")
    text = re.sub(r"<[^>]*>", " ", text) if "<html" in text[:500].lower() else text
    text = printable(" ".join(text.split()))
    return text[:limit] + ("..." if len(text) > limit else "")


def _where(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return printable(parts.netloc.rpartition("@")[2]) if parts.netloc else shown(url)


def http_error(code: int, url: str, what: str, detail: str, *, creds: Credentials,
               digest: bool = False, location: str | None = None) -> EndpointError:
    said = f": {detail}" if detail else ""
    where = shown(url)
    if code in _REDIRECTS:
        target = shown(urllib.parse.urljoin(url, location)) if location else "nowhere"
        return EndpointError(f"{what}: {where} redirects to {target} (HTTP {code})",
                             hint="kg follows no redirect; if you trust the new address, "
                                  "give it instead")
    if code in (401, 403):
        if digest:
            hint = (f"check the credentials in {ENV_USER} and {ENV_PASSWORD} "
                    "(the server asked for HTTP Digest)")
        else:
            hint = (("check the credentials in " if creds.any else "set ")
                    + f"{ENV_USER} and {ENV_PASSWORD}, or {ENV_TOKEN}")
        return EndpointError(f"{what}: {where} refused access (HTTP {code})", hint=hint)
    if code == 404:
        return EndpointError(f"{what}: no such service at {where} (HTTP 404)",
                             hint="check the URL, or pass --store-type; Oxigraph serves "
                                  "/query, /update and /store, Fuseki /DATASET/sparql, "
                                  "/update and /data, Virtuoso /sparql and "
                                  "/sparql-graph-crud (-auth)")
    if code == 413:
        return EndpointError(f"{what}: {where} refused a request as too large (HTTP 413)",
                             hint="pass a smaller --max-body")
    if code >= 500:
        return EndpointError(f"{what}: server error at {where} (HTTP {code}){said}")
    return EndpointError(f"{what}: {where} rejected the request (HTTP {code}){said}")


def network_error(reason, url: str, what: str, timeout: float | None) -> EndpointError:
    where = _where(url)
    if isinstance(reason, TimeoutError | socket.timeout):
        return EndpointError(f"{what}: no complete answer from {where} within {timeout or 0:g} s",
                             hint="pass a longer --timeout, or check the server")
    if isinstance(reason, ConnectionRefusedError):
        return EndpointError(f"{what}: cannot connect to {where}: connection refused",
                             hint="is the server running, and is the URL right?")
    if isinstance(reason, socket.gaierror):
        return EndpointError(f"{what}: cannot resolve the host of {shown(url)}")
    if isinstance(reason, ConnectionError | http.client.HTTPException):
        return EndpointError(f"{what}: the connection to {where} broke off "
                             f"({type(reason).__name__})")
    return EndpointError(f"{what}: cannot reach {where}: {printable(str(reason))}")


def wrote_nothing(error: EndpointError) -> bool:
    """Whether the failed request certainly changed nothing on the server: it never
    reached it, the server sent it elsewhere (HTTP 3xx, not followed), or refused it
    (HTTP 4xx: refused access, bad request, ...)."""
    status = re.search(r"\(HTTP (\d{3})\)", error.message)  # the first: the body comes after
    return ": cannot connect to " in error.message or \
        ": cannot resolve the host of " in error.message or \
        (status is not None and status.group(1)[0] in "34")
