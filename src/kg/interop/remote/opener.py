"""kg's own urllib opener: http(s) only, no redirects, HTTP Digest, sockets under a deadline.

* No redirect handler (nor ftp, file or data handlers): a 3xx answer becomes an
  ``HTTPError`` that :mod:`kg.interop.remote.transport` reports, so credentials never
  follow a redirect to another host, a POST never becomes a GET, and
  ``ftp://`` is never opened.
* HTTP Digest (:class:`_Digest`), used only by this opener (SPARQLWrapper's
  Digest installs a process-wide one).
* :class:`Watch`: the sockets of one request, shut down when its deadline
  passes, so that no read (headers included) outlasts it.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import http.client
import socket
import threading
import time
import urllib.parse
import urllib.request

from kg.interop.remote.credentials import Credentials

# ---------------------------------------------------------------------------
# HTTP Digest, kept to kg's own opener


class _Digest(urllib.request.HTTPDigestAuthHandler):
    """Digest auth that answers only Digest challenges, and reuses the last one.

    urllib's handler raises ValueError on a challenge of another scheme
    (Bearer, Negotiate); this one leaves such a 401 alone. After the first
    challenge from a server, each request carries the Digest answer at once
    (the nonce count goes up), instead of sending the body, being refused,
    and sending it again.
    """

    def __init__(self, manager):
        super().__init__(manager)
        self.challenge: dict | None = None
        self.lock = threading.Lock()
        self.count_lock = threading.Lock()

    def http_error_auth_reqed(self, auth_header, host, req, headers):
        said = headers.get(auth_header, "") or ""
        if said.split(" ", 1)[0].lower() != "digest":
            return None
        return super().http_error_auth_reqed(auth_header, host, req, headers)

    def retry_http_digest_auth(self, req, auth):
        _, challenge = auth.split(" ", 1)
        with self.lock:
            self.challenge = urllib.request.parse_keqv_list(
                filter(None, urllib.request.parse_http_list(challenge)))
        req.kg_digest = True
        return super().retry_http_digest_auth(req, auth)

    def get_authorization(self, req, chal):
        with self.count_lock:  # the nonce count goes up once per request, across threads
            return super().get_authorization(req, chal)

    def http_request(self, req):
        with self.lock:
            challenge = dict(self.challenge) if self.challenge else None
        if challenge and not req.has_header("Authorization"):
            answer = self.get_authorization(req, challenge)
            if answer:
                req.add_unredirected_header("Authorization", "Digest " + answer)
                req.kg_digest = True
        return req

    https_request = http_request


_DIGEST: dict[tuple[str, str, str], _Digest] = {}
_DIGEST_LOCK = threading.Lock()


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _key(url: str, creds: Credentials) -> tuple[str, str, str]:
    """One Digest handler per server and credentials (a changed password gets a new one)."""
    secret = hashlib.sha256(f"{creds.user}\0{creds.password}".encode()).hexdigest()
    return _origin(url), creds.user or "", secret


def _digest_for(url: str, creds: Credentials) -> _Digest:
    key = _key(url, creds)
    with _DIGEST_LOCK:
        handler = _DIGEST.get(key)
        if handler is None:
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            manager.add_password(None, key[0] + "/", creds.user, creds.password)
            handler = _DIGEST[key] = _Digest(manager)
        return handler


def digest_known(url: str, creds: Credentials) -> bool:
    handler = _DIGEST.get(_key(url, creds))
    return bool(handler and handler.challenge)


class Watch:
    """The sockets of one request, shut down when its deadline passes.

    urllib's timeout bounds each socket operation; a server that sends its
    headers a byte at a time, or a Digest exchange of two requests, would
    outlast it. A timer shuts the request's sockets down at the deadline, and
    whatever read was waiting fails at once.
    """

    def __init__(self, deadline: float):
        self.deadline = deadline
        self.sockets: list = []
        self.expired = False
        self.lock = threading.Lock()
        self.timer: threading.Timer | None = None
        if deadline != float("inf"):
            self.timer = threading.Timer(max(deadline - time.monotonic(), 0), self.expire)
            self.timer.daemon = True
            self.timer.start()

    def add(self, sock) -> None:
        with self.lock:
            self.sockets.append(sock)
            if self.expired:
                _shut(sock)

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            for sock in self.sockets:
                _shut(sock)

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()


def _shut(sock) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _Watched:
    """A connection whose socket the request's deadline watch can shut."""

    def __init__(self, *args, watch: Watch, **kwargs):
        super().__init__(*args, **kwargs)
        self.kg_watch = watch

    def connect(self):
        super().connect()
        self.kg_watch.add(self.sock)


class _WatchedHTTP(_Watched, http.client.HTTPConnection):
    pass


class _WatchedHTTPS(_Watched, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, watch: Watch):
        super().__init__()
        self.watch = watch

    def http_open(self, req):
        return self.do_open(functools.partial(_WatchedHTTP, watch=self.watch), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, watch: Watch):
        super().__init__()
        self.watch = watch

    def https_open(self, req):
        return self.do_open(functools.partial(_WatchedHTTPS, watch=self.watch), req,
                            context=self._context)


def build_opener(url: str, creds: Credentials, watch: Watch) -> urllib.request.OpenerDirector:
    """An opener for http(s) only: no redirect, ftp, file or data handler."""
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), _HTTPHandler(watch), _HTTPSHandler(watch),
                    urllib.request.HTTPDefaultErrorHandler(),
                    urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    if creds.user:
        opener.add_handler(_digest_for(url, creds))
    return opener


def _basic(creds: Credentials) -> str:
    pair = f"{creds.user}:{creds.password}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def auth_headers(url: str, creds: Credentials) -> dict[str, str]:
    """The Authorization header sent up front (none once a server asked for Digest)."""
    if creds.token:
        return {"Authorization": "Bearer " + creds.token}
    if creds.user and not digest_known(url, creds):
        return {"Authorization": _basic(creds)}
    return {}
