"""A real OpenLink Virtuoso server for the tests, on 127.0.0.1 at free ports.

The ``virtuoso-t`` binary comes from Debian's ``virtuoso-opensource`` package
(``apt-get install -y virtuoso-opensource``; .ci/run installs it). A fresh
database is made in a temporary directory, with the stock ``dba`` / ``dba``
account; the HTTP server and the SQL listener bind to loopback only.
``VirtuosoServer`` starts ``virtuoso-t -f`` (foreground), waits until it
answers a query, and stops it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from oxigraph_server import free_port

#: Set (to 1) where Virtuoso must be tested: its absence is then a failure, not a skip.
REQUIRE = "KG_REQUIRE_VIRTUOSO"
USER, PASSWORD = "dba", "dba"


def virtuoso_binary() -> str | None:
    return shutil.which("virtuoso-t")


def missing_reason() -> str:
    return ("the `virtuoso-t` binary is missing: apt-get install -y virtuoso-opensource "
            f"(set {REQUIRE}=1 to make this a failure)")


_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CheckpointInterval = 0
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = {d}

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
ServerThreads = 10
MaxClientConnections = 10

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


class VirtuosoServer:
    """``virtuoso-t -f -c DIR/virtuoso.ini`` as a context manager."""

    def __init__(self, directory: Path):
        self.dir = Path(directory)
        self.process: subprocess.Popen | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        """The anonymous endpoint: queries only."""
        return self.base + "/sparql"

    @property
    def auth_url(self) -> str:
        """The authenticated endpoint (HTTP Digest): queries and updates."""
        return self.base + "/sparql-auth"

    def start(self, timeout: float = 120.0) -> VirtuosoServer:
        binary = virtuoso_binary()
        if binary is None:
            raise RuntimeError(missing_reason())
        self.dir.mkdir(parents=True, exist_ok=True)
        for _attempt in range(3):  # a free port may be taken before the server binds it
            self.port = free_port()
            ini = self.dir / "virtuoso.ini"
            ini.write_text(_INI.format(d=self.dir, sql=free_port(), http=self.port))
            with open(self.dir / "stdout.log", "ab") as log:
                self.process = subprocess.Popen(
                    [binary, "-f", "-c", str(ini)], cwd=self.dir, stdout=log,
                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    env={**os.environ, "LC_ALL": "C"})
            if self._wait(timeout):
                return self
            self.stop()
        log = (self.dir / "stdout.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"virtuoso did not start; see {self.dir}:\n{log}")

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
                time.sleep(0.25)
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> VirtuosoServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
