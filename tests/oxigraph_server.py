"""A real Oxigraph SPARQL server for the tests, on 127.0.0.1 at a free port.

The ``oxigraph`` binary comes from the ``oxigraph`` package on PyPI (in the
project's ``[test]`` extra). ``OxigraphServer`` starts ``oxigraph serve``,
waits until it answers a query, and stops it; ``kill()`` stops it abruptly
(SIGKILL) and ``start()`` brings it back on the same data directory.
"""

from __future__ import annotations

import http.server
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path


def oxigraph_binary() -> str:
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.is_file() else shutil.which("oxigraph")
    if not found:
        raise RuntimeError("the `oxigraph` server binary is missing: "
                           "pip install '.[test]' installs it (the oxigraph package)")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OxigraphServer:
    """``oxigraph serve --location DIR --bind 127.0.0.1:PORT`` as a context manager."""

    def __init__(self, location: Path, log: Path | None = None):
        self.location = Path(location)
        self.log = Path(log) if log else self.location.with_suffix(".log")
        self.process: subprocess.Popen | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        return self.base + "/query"

    def start(self, timeout: float = 30.0) -> OxigraphServer:
        binary = oxigraph_binary()
        for _attempt in range(3):  # the free port may be taken before the server binds it
            self.port = free_port()
            with open(self.log, "ab") as log:
                self.process = subprocess.Popen(
                    [binary, "serve", "--location", str(self.location),
                     "--bind", f"127.0.0.1:{self.port}"],
                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            if self._wait(timeout):
                return self
            self.stop()
        raise RuntimeError(f"oxigraph did not start; see {self.log}:\n"
                           + self.log.read_text(errors="replace")[-2000:])

    def _wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        url = self.query_url + "?query=ASK%7B%7D"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        return False

    def kill(self) -> None:
        """Stop the server abruptly, as a crash or a pulled plug would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# ---------------------------------------------------------------------------
# Loopback HTTP servers that misbehave on purpose


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.owner.seen.append((self.command, self.path, dict(self.headers), body))
        self.server.owner.respond(self, body)

    do_GET = do_POST = do_PUT = do_DELETE = _handle


class LoopbackServer:
    """An HTTP server on 127.0.0.1 in a thread; ``respond(handler, body)`` answers."""

    def __init__(self):
        self.seen: list[tuple] = []
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def respond(self, handler, body: bytes) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    @staticmethod
    def send(handler, status: int, body: bytes = b"", ctype: str = "text/plain") -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", ctype)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    @staticmethod
    def hang_up(handler) -> None:
        """Close the connection without an answer."""
        handler.close_connection = True
        handler.connection.shutdown(socket.SHUT_RDWR)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class Canned(LoopbackServer):
    """Answers every request with one fixed response (or hangs, or stalls)."""

    def __init__(self, status=200, body=b"", ctype="text/plain", delay=0.0, hang_up=False):
        super().__init__()
        self.status, self.body, self.ctype = status, body, ctype
        self.delay, self.hang = delay, hang_up

    def respond(self, handler, body):
        if self.delay:
            time.sleep(self.delay)
        if self.hang:
            self.hang_up(handler)
            return
        self.send(handler, self.status, self.body, self.ctype)


class FailingProxy(LoopbackServer):
    """Forwards to ``upstream``, except that request number ``fail_at`` fails.

    ``mode``: "status" answers 500 without forwarding; "hang-up" closes the
    connection without forwarding; "forward-then-status" forwards and then
    answers 500; "forward-then-hang-up" forwards and then closes.
    """

    def __init__(self, upstream: str, fail_at: int = 0, mode: str = "status"):
        super().__init__()
        self.upstream, self.fail_at, self.mode = upstream, fail_at, mode
        self.count = 0
        self.lock = threading.Lock()

    def respond(self, handler, body):
        with self.lock:
            self.count += 1
            failing = self.count == self.fail_at
        if failing and not self.mode.startswith("forward"):
            if self.mode == "hang-up":
                self.hang_up(handler)
            else:
                self.send(handler, 500, b"injected failure")
            return
        status, ctype, answer = self._forward(handler, body)
        if failing:
            if self.mode.endswith("hang-up"):
                self.hang_up(handler)
            else:
                self.send(handler, 500, b"injected failure after forwarding")
            return
        self.send(handler, status, answer, ctype)

    def _forward(self, handler, body):
        headers = {k: v for k, v in handler.headers.items()
                   if k.lower() in ("content-type", "accept", "authorization")}
        req = urllib.request.Request(self.upstream + handler.path, data=body or None,
                                     method=handler.command, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.headers.get("Content-Type", ""), r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type", ""), e.read()
