"""A real Oxigraph SPARQL server for the tests, on 127.0.0.1 at a free port.

The ``oxigraph`` binary comes from the ``oxigraph`` package on PyPI (in the
project's ``[test]`` extra). ``OxigraphServer`` starts ``oxigraph serve``,
waits until it answers a query, and stops it; ``kill()`` stops it abruptly
(SIGKILL) and ``start()`` brings it back on the same data directory.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
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
