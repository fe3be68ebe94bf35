"""Remote faults: every broken server ends within the deadline in a classified one-line error.

A fake server on loopback plays each fault for ``kg query --endpoint`` and
``kg push``; a real Oxigraph server behind a proxy that breaks one request
plays the interrupted push, whose target graphs must be left as they were
(their canonical hash) with no temporary graph behind.
"""

from __future__ import annotations

import socket
import threading
import time

import pyoxigraph as ox
import pytest
from oxigraph_server import Canned, FailingProxy, OxigraphServer, free_port

from kg import namespaces as ns

from .helpers import dataset_hash, store_state

JSON = "application/sparql-results+json"
TIMEOUT = 1.0


class Drip:
    """Accepts, sends headers promising 1 MB, then one byte every 0.1 s, forever."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    @property
    def base(self):
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def serve(self, conn):
        try:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: " + JSON.encode()
                         + b"\r\nContent-Length: 1000000\r\n\r\n")
            while not self.stop.is_set():
                conn.sendall(b" ")
                time.sleep(0.1)
        except OSError:
            pass
        finally:
            conn.close()

    def run(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()


# (id, server factory, expected start of the query error after "Error: query: ")
FAULTS = [
    ("refused", None, "cannot connect to {host}: connection refused"),
    ("silent", lambda: Canned(delay=3 * TIMEOUT + 2),
     "no complete answer from {host} within 1 s"),
    ("hang-up", lambda: Canned(hang_up=True), "the connection to {host} broke off"),
    ("401", lambda: Canned(status=401), "{url} refused access (HTTP 401)"),
    ("403", lambda: Canned(status=403), "{url} refused access (HTTP 403)"),
    ("404", lambda: Canned(status=404), "no such service at {url} (HTTP 404)"),
    ("500", lambda: Canned(status=500, body=b"boom"), "server error at {url} (HTTP 500): boom"),
    ("503", lambda: Canned(status=503), "server error at {url} (HTTP 503)"),
    ("html", lambda: Canned(status=200, ctype="text/html",
                            body=b"<html><body><h1>Login</h1></body></html>"),
     "{url} answered text/html, not SPARQL results: Login"),
    ("truncated-json", lambda: Canned(status=200, ctype=JSON,
                                      body=b'{"head": {"vars": ["s"]}, "results": {"bindi'),
     "the answer from {url} is malformed or truncated"),
]


def quiet(server):
    """A fake server whose handler errors (kg hung up first) are not printed to stderr."""
    server.httpd.handle_error = lambda request, address: None
    return server


class _Refused:
    def __init__(self):
        self.base = f"http://127.0.0.1:{free_port()}"
        self.seen = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


def quiet_or_refused(factory):
    return quiet(factory()) if factory else _Refused()


def one_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert lines and lines[0].startswith("Error: ")
    assert all(line.startswith(("Error: ", "Hint: ")) for line in lines), stderr
    assert len([line for line in lines if line.startswith("Error: ")]) == 1
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize("name,factory,expected", FAULTS, ids=[f[0] for f in FAULTS])
def test_query_on_a_broken_server(name, factory, expected, kg):
    with quiet_or_refused(factory) as server:
        url = server.base + "/query"
        t0 = time.monotonic()
        r = kg("query", "talks", "--endpoint", url, "--timeout", str(TIMEOUT))
        elapsed = time.monotonic() - t0
    assert r.exit_code == 1
    assert r.stdout == ""
    first = one_line(r.stderr)
    assert first.startswith("Error: query: " + expected.format(url=url, host=url.split("/")[2]))
    assert elapsed < TIMEOUT + 3
    # Only the endpoint the user named was asked, and only to query.
    assert all(method == "POST" and path == "/query" for method, path, *_ in server.seen)


@pytest.mark.parametrize("name,factory,expected", FAULTS, ids=[f[0] for f in FAULTS])
def test_push_to_a_broken_server(name, factory, expected, kg, store, before):
    with quiet_or_refused(factory) as server:
        url = server.base + "/query"
        t0 = time.monotonic()
        r = kg("push", "--endpoint", url, "--timeout", str(TIMEOUT), "--store", str(store))
        elapsed = time.monotonic() - t0
    assert r.exit_code == 1
    first = one_line(r.stderr)
    gsp = server.base + "/store?graph="
    fault = expected.replace("{url}", gsp + "").format(host=url.split("/")[2])
    # A 200 answer is taken as a good upload; the count that follows finds the fault.
    step = "query: " if name in ("html", "truncated-json") else "upload 1/"
    assert first.startswith("Error: push failed: " + step), first
    head, _, rest = fault.partition(gsp)
    assert head in first and rest.split(" (")[0].split(":")[0] in first
    assert "left as it was" in first
    # one upload and one clean-up, each within its own deadline
    assert elapsed < 2 * TIMEOUT + 4
    assert store_state(store) == before


def test_query_on_a_server_that_drips(kg):
    with Drip() as server:
        url = server.base + "/query"
        t0 = time.monotonic()
        box = {}
        t = threading.Thread(target=lambda: box.setdefault("r", kg(
            "query", "talks", "--endpoint", url, "--timeout", str(TIMEOUT))), daemon=True)
        t.start()
        t.join(timeout=TIMEOUT + 4)
        elapsed = time.monotonic() - t0
        assert not t.is_alive() and elapsed < TIMEOUT + 4, "still reading after the deadline"
    r = box["r"]
    assert r.exit_code == 1
    assert one_line(r.stderr).startswith(
        f"Error: query: no complete answer from {url.split('/')[2]} within 1 s")


# --- an interrupted push to a real Oxigraph server ---------------------------------------------

def server_quads(url: str) -> list:
    from kg.interop.endpoint import run_query

    result = run_query(url, "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }", timeout=30)
    return [ox.Quad(s, p, o, g) for g, s, p, o in result.rows]


def server_hash(url: str, targets_only: bool = False) -> str:
    targets = {ns.graph_iri(g) for g in ns.GRAPH_NAMES}
    return dataset_hash(q for q in server_quads(url)
                        if not targets_only or q.graph_name.value in targets)


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    with OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "db") as srv:
        yield srv


@pytest.fixture
def old_content(oxigraph):
    """The server holds something else in the target graphs before each push."""
    from kg.interop.endpoint import _request

    drop = "DROP SILENT ALL"
    insert = "INSERT DATA { " + " ".join(
        f'GRAPH <{ns.graph_iri(g)}> {{ <urn:old:{g}> <urn:old:p> "old {g}" }}'
        for g in ns.GRAPH_NAMES) + " }"
    for update in (drop, insert):
        _request("POST", oxigraph.base + "/update", what="setup", body=update.encode(),
                 headers={"Content-Type": "application/sparql-update"})
    return server_hash(oxigraph.query_url)


@pytest.mark.parametrize("fail_at,mode", [(1, "hang-up"), (3, "status"), (3, "hang-up")])
def test_interrupted_upload_leaves_the_server_graphs(fail_at, mode, kg, store, oxigraph,
                                                     old_content):
    with quiet(FailingProxy(oxigraph.base, fail_at=fail_at, mode=mode)) as proxy:
        r = kg("push", "--endpoint", proxy.base + "/query", "--max-body", "400000",
               "--timeout", "20", "--store", str(store))
    assert r.exit_code == 1
    first = one_line(r.stderr)
    assert first.startswith(f"Error: push failed: upload {fail_at}/"), first
    assert first.endswith(" left as it was")
    assert server_hash(oxigraph.query_url) == old_content
    assert not [q for q in server_quads(oxigraph.query_url) if "-upload-" in q.graph_name.value]


def test_push_broken_at_the_replacement_is_old_or_new(kg, store, oxigraph, old_content):
    # Count the requests of a good push, then break the replacement (the second last).
    with quiet(FailingProxy(oxigraph.base, fail_at=0)) as proxy:
        r = kg("push", "--endpoint", proxy.base + "/query", "--max-body", "400000",
               "--store", str(store))
        assert r.exit_code == 0, r.stderr
        total = proxy.count
    new_content = server_hash(oxigraph.query_url)
    assert new_content != old_content
    for mode in ("hang-up", "forward-then-hang-up"):
        old_content_now = old_content if mode == "hang-up" else new_content
        with quiet(FailingProxy(oxigraph.base, fail_at=total - 1, mode=mode)) as proxy:
            r = kg("push", "--endpoint", proxy.base + "/query", "--max-body", "400000",
                   "--timeout", "20", "--store", str(store))
        assert r.exit_code == 1
        first = one_line(r.stderr)
        assert first.startswith("Error: push failed: replace: the connection to "), first
        assert server_hash(oxigraph.query_url) in (old_content_now, new_content)
        assert not [q for q in server_quads(oxigraph.query_url)
                    if "-upload-" in q.graph_name.value]


def test_server_killed_during_push(kg, store, oxigraph, old_content):
    """The real server dies mid-upload and comes back: its target graphs are the old ones."""
    old_targets = server_hash(oxigraph.query_url, targets_only=True)
    with quiet(FailingProxy(oxigraph.base, fail_at=0)) as proxy:
        real = proxy.respond

        def respond(handler, body):
            if proxy.count >= 2:  # the third request and all after: the server is gone
                if oxigraph.process is not None:
                    oxigraph.kill()
                proxy.hang_up(handler)
                return
            real(handler, body)

        proxy.respond = respond
        r = kg("push", "--endpoint", proxy.base + "/query", "--max-body", "400000",
               "--timeout", "5", "--store", str(store))
    assert r.exit_code == 1
    first = one_line(r.stderr)
    assert first.startswith("Error: push failed: upload 3/"), first
    assert "left as it was; the temporary graph(s) could not be dropped: <" in first
    oxigraph.start()
    assert server_hash(oxigraph.query_url, targets_only=True) == old_targets
