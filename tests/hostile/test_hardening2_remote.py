"""Hardening II, remote endpoints (issue 15): redirects (H5), IRIs pasted into SPARQL Update
(H6), secrets in messages (M1), and HTTP Digest. Loopback only; exact messages and exit
statuses through the public CLI."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess

import pytest
from oxigraph_server import Canned, FailingProxy, LoopbackServer, OxigraphServer

from kg import namespaces as ns
from kg.errors import UsageError
from kg.interop.endpoint import Endpoints, push, run_query
from kg.interop.remote.credentials import Credentials, from_environment, shown

from .helpers import Listener, dataset_hash, kg_executable, store_state

JSON = "application/sparql-results+json"
TRUE = json.dumps({"head": {}, "boolean": True}).encode()
NO_CREDS = {"KG_ENDPOINT_USER": None, "KG_ENDPOINT_PASSWORD": None, "KG_ENDPOINT_TOKEN": None}
GRAPHS = ", ".join(f"<{ns.graph_iri(n)}>" for n in ns.GRAPH_NAMES)


def quiet(server):
    server.httpd.handle_error = lambda request, address: None
    return server


class Redirect(LoopbackServer):
    """Answers every request with ``status`` and ``Location: location``."""

    def __init__(self, status: int, location: str):
        super().__init__()
        self.status, self.location = status, location

    def respond(self, handler, body):
        handler.send_response(self.status)
        handler.send_header("Location", self.location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()


# ---------------------------------------------------------------------------
# H5: redirects are reported, never followed


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("env", [{"KG_ENDPOINT_TOKEN": "s3cret"},
                                 {"KG_ENDPOINT_USER": "ann", "KG_ENDPOINT_PASSWORD": "pw"}],
                         ids=["bearer", "basic"])
def test_query_redirected_to_another_origin(status, env, kg):
    with quiet(Canned(status=200, body=TRUE, ctype=JSON)) as other, \
            quiet(Redirect(status, other.base + "/query")) as server:
        url = server.base + "/query"
        r = kg("query", "talks", "--endpoint", url, "--timeout", "5", env={**NO_CREDS, **env})
    assert r.exit_code == 1
    assert r.stdout == ""
    assert r.stderr.splitlines() == [
        f"Error: query: {url} redirects to {other.base}/query (HTTP {status})",
        "Hint: kg follows no redirect; if you trust the new address, give it instead"]
    assert other.seen == []  # the other origin received nothing: no credentials, no query
    assert [(m, p) for m, p, *_ in server.seen] == [("POST", "/query")]


def test_same_origin_redirect_is_not_followed_either(kg):
    with quiet(Redirect(307, "/elsewhere")) as server:
        url = server.base + "/query"
        r = kg("sparql", "ASK {}", "--endpoint", url, env=NO_CREDS)
    assert r.exit_code == 1
    assert r.stderr.splitlines()[0] == \
        f"Error: query: {url} redirects to {server.base}/elsewhere (HTTP 307)"
    assert [(m, p) for m, p, *_ in server.seen] == [("POST", "/query")]


def test_redirect_to_ftp_is_not_followed(kg):
    with Listener() as ftp, quiet(Redirect(302, f"ftp://127.0.0.1:{ftp.port}/x")) as server:
        port = ftp.port
        url = server.base + "/query"
        r = kg("query", "talks", "--endpoint", url, env=NO_CREDS)
    assert r.exit_code == 1
    assert r.stderr.splitlines()[0] == \
        f"Error: query: {url} redirects to ftp://127.0.0.1:{port}/x (HTTP 302)"
    assert ftp.connections == []


def test_redirect_location_is_shown_without_secrets_or_escapes(kg):
    with quiet(Redirect(302, "http://ann:hunter2@127.0.0.1:9/\x1b]0;pwned\x07")) as server:
        url = server.base + "/query"
        r = kg("query", "talks", "--endpoint", url, env=NO_CREDS)
    assert r.exit_code == 1
    first = r.stderr.splitlines()[0]
    assert first == (f"Error: query: {url} redirects to http://***@127.0.0.1:9/"
                     "\\x1b]0;pwned\\x07 (HTTP 302)")
    assert "hunter2" not in r.stderr and "\x1b" not in r.stderr


def test_push_redirected_leaves_nothing_and_drops_nothing(kg, store, before):
    with quiet(Canned(status=200, body=TRUE, ctype=JSON)) as other, \
            quiet(Redirect(307, other.base + "/store")) as server:
        r = kg("push", "--endpoint", server.base + "/query", "--store", str(store),
               env={**NO_CREDS, "KG_ENDPOINT_TOKEN": "s3cret"})
    assert r.exit_code == 1
    first = r.stderr.splitlines()[0]
    assert re.fullmatch(
        rf"Error: push failed: upload 1/5: {re.escape(server.base)}/store\?graph=\S+ redirects "
        rf"to {re.escape(other.base)}/store \(HTTP 307\); {re.escape(GRAPHS)} left as it was",
        first), first
    assert other.seen == []
    assert len(server.seen) == 1  # the upload; no clean-up, since nothing was created
    assert store_state(store) == before


# ---------------------------------------------------------------------------
# H6: every IRI that goes into an update is checked before anything is sent

INJECTED = "urn:x> ; DROP ALL ; INSERT DATA { <urn:a> <urn:b> <urn:c> } ; DROP SILENT GRAPH <urn:z"


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    with OxigraphServer(tmp_path_factory.mktemp("oxigraph-h6") / "db") as srv:
        from kg.interop.remote import transport

        # the server holds something to lose, in a named graph and the default graph
        transport.request("POST", srv.base + "/update", what="setup", creds=Credentials(),
                          body=b"INSERT DATA { GRAPH <urn:keep> { <urn:s> <urn:p> 'kept' } . "
                               b"<urn:d> <urn:p> 'default' }",
                          headers={"Content-Type": "application/sparql-update"})
        yield srv


def server_hash(url: str) -> str:
    import pyoxigraph as ox

    r = run_query(url, "SELECT ?g ?s ?p ?o WHERE { { GRAPH ?g { ?s ?p ?o } } UNION "
                       "{ ?s ?p ?o } }", creds=Credentials(), default_graphs=[])
    return dataset_hash(ox.Quad(s, p, o, g if g is not None else ox.DefaultGraph())
                        for g, s, p, o in r.rows)


@pytest.mark.parametrize("iri,said", [
    (INJECTED, "'urn:x> ; DROP ALL ; INSERT DATA { <urn:a> <urn:b> <urn:c> } ; DROP SILENT "
               "GRA...' is not an IRI: it contains '>'"),
    ("urn:x y", "'urn:x y' is not an IRI: it contains ' '"),
    ('urn:x"', "'urn:x\"' is not an IRI: it contains '\"'"),
    ("urn:x\n", "'urn:x\\\\n' is not an IRI: it contains '\\\\n'"),
    ("example.org/kg", "'example.org/kg' is not an absolute IRI (no scheme such as https:)"),
], ids=["injection", "space", "quote", "newline", "relative"])
def test_graph_iri_that_would_inject_is_refused(iri, said, kg, store, before, oxigraph):
    old = server_hash(oxigraph.query_url)
    with quiet(FailingProxy(oxigraph.base)) as proxy:
        r = kg("push", "--endpoint", proxy.base + "/query", "--graph-iri", iri,
               "--store", str(store), env=NO_CREDS)
    assert r.exit_code == 2
    lines = r.stderr.splitlines()
    assert lines[0] == f"Error: --graph-iri {said}", lines[0]
    assert lines[1].startswith("Hint: ")
    assert proxy.count == 0  # nothing was sent
    assert server_hash(oxigraph.query_url) == old
    assert store_state(store) == before


def test_library_push_checks_the_iri_too(oxigraph):
    with pytest.raises(UsageError, match=r"^--graph-iri .* is not an IRI: it contains '>'$"):
        push([], Endpoints(oxigraph.query_url, oxigraph.base + "/update"), graph_iri=INJECTED,
             creds=Credentials())


# ---------------------------------------------------------------------------
# M1: credentials checked up front, named but never shown; URLs without user information

BAD_ENV = [
    ({"KG_ENDPOINT_TOKEN": "s3cret\r"},
     "KG_ENDPOINT_TOKEN ends with a line break (\\r or \\n), as $(cat FILE) leaves from a "
     "Windows file"),
    ({"KG_ENDPOINT_TOKEN": "s3cret\u00e9"},
     "KG_ENDPOINT_TOKEN contains characters a bearer token cannot have (letters, digits and "
     "-._~+/ then =)"),
    ({"KG_ENDPOINT_USER": "ann", "KG_ENDPOINT_PASSWORD": "s3cret\n"},
     "KG_ENDPOINT_PASSWORD ends with a line break (\\r or \\n), as $(cat FILE) leaves from a "
     "Windows file"),
    ({"KG_ENDPOINT_USER": "ann", "KG_ENDPOINT_PASSWORD": "s3\x1bcret"},
     "KG_ENDPOINT_PASSWORD contains a control character"),
    ({"KG_ENDPOINT_USER": "ann:s3cret", "KG_ENDPOINT_PASSWORD": "pw"},
     "KG_ENDPOINT_USER contains ':', which HTTP Basic cannot carry"),
    ({"KG_ENDPOINT_USER": "ann"}, "KG_ENDPOINT_USER is set but KG_ENDPOINT_PASSWORD is not"),
    ({"KG_ENDPOINT_PASSWORD": "s3cret"}, "KG_ENDPOINT_PASSWORD is set but KG_ENDPOINT_USER is not"),
]


@pytest.mark.parametrize("env,message", BAD_ENV, ids=[
    "token-cr", "token-non-ascii", "password-lf", "password-escape", "user-colon",
    "user-only", "password-only"])
@pytest.mark.parametrize("command", ["query", "push"])
def test_bad_credential_variables(env, message, command, kg, store, before):
    with quiet(Canned(status=200, body=TRUE, ctype=JSON)) as server:
        args = ["query", "talks"] if command == "query" else ["push"]
        r = kg(*args, "--endpoint", server.base + "/query", "--store", str(store),
               env={**NO_CREDS, **env})
    assert r.exit_code == 2
    assert r.stderr.splitlines()[0] == f"Error: {message}"
    assert "s3cret" not in r.stderr and "s3cret" not in r.stdout
    assert server.seen == []
    assert store_state(store) == before


@pytest.mark.parametrize("option", ["--endpoint", "--update-endpoint", "--gsp-endpoint"])
def test_userinfo_in_a_push_url_is_refused_and_redacted(option, kg, store, before):
    with quiet(Canned(status=200, body=TRUE, ctype=JSON)) as server:
        secret = server.base.replace("http://", "http://ann:hunter2@")
        urls = {"--endpoint": server.base + "/query"}
        urls[option] = secret + "/x"
        args = [a for k, v in urls.items() for a in (k, v)]
        r = kg("push", *args, "--store", str(store), env=NO_CREDS)
    assert r.exit_code == 2
    host = server.base.split("/")[2]
    assert r.stderr.splitlines() == [
        f"Error: {option} http://***@{host}/x has a user name or password in it",
        "Hint: put them in KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD (or KG_ENDPOINT_TOKEN): "
        "a URL shows in process lists and messages"]
    assert "hunter2" not in r.output and server.seen == []
    assert store_state(store) == before


def test_userinfo_in_a_query_url_is_refused_even_with_debug(tmp_path, store):
    """--debug shows the traceback: it shows no password either."""
    url = "http://ann:hunter2@127.0.0.1:9/query"
    for args in (["query", "talks"], ["--debug", "query", "talks"], ["--debug", "push"]):
        proc = subprocess.run([kg_executable(), *args, "--endpoint", url, "--store", str(store)],
                              capture_output=True, text=True, timeout=120,
                              env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
        if "--debug" in args:
            assert proc.returncode == 1 and "Traceback" in proc.stderr
        else:
            assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert "hunter2" not in proc.stderr and "hunter2" not in proc.stdout
        assert "http://***@127.0.0.1:9/query has a user name or password in it" in proc.stderr


def test_shown_redacts_userinfo():
    assert shown("http://ann:pw@h:1/q?x=1") == "http://***@h:1/q?x=1"
    assert shown("https://token@h/q") == "https://***@h/q"
    assert shown("http://h/q\u202e") == "http://h/q\\u202e"
    assert repr(from_environment({"KG_ENDPOINT_TOKEN": "abc"})) == "Credentials(token)"


# ---------------------------------------------------------------------------
# HTTP Digest (what Virtuoso's -auth endpoints speak), against a loopback fake


class DigestOnly(LoopbackServer):
    """Like Virtuoso's /sparql-auth: Basic gets a bare 401, no credentials get a Digest
    challenge, a correct Digest answer gets ``true``."""

    realm, nonce = "SPARQL", "abc123"

    def __init__(self, user: str, password: str):
        super().__init__()
        self.user, self.password = user, password

    def respond(self, handler, body):
        said = handler.headers.get("Authorization") or ""
        if said.startswith("Digest ") and self.valid(handler.command, said[7:]):
            self.send(handler, 200, TRUE, JSON)
            return
        handler.send_response(401)
        if not said:
            handler.send_header("WWW-Authenticate", f'Digest realm="{self.realm}", '
                                f'nonce="{self.nonce}", qop="auth", algorithm="MD5"')
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def valid(self, method: str, said: str) -> bool:
        import urllib.request

        f = urllib.request.parse_keqv_list(urllib.request.parse_http_list(said))

        def md5(s: str) -> str:
            return hashlib.md5(s.encode()).hexdigest()

        ha1 = md5(f"{self.user}:{self.realm}:{self.password}")
        ha2 = md5(f"{method}:{f['uri']}")
        want = md5(f"{ha1}:{f['nonce']}:{f['nc']}:{f['cnonce']}:{f['qop']}:{ha2}")
        return f.get("username") == self.user and f.get("response") == want


def test_digest_after_a_bare_401_then_digest_at_once():
    from kg.interop.remote import opener

    opener._DIGEST.clear()  # no challenge remembered from an earlier server on this port
    creds = Credentials(user="dba", password="pw-digest-1")
    with DigestOnly("dba", "pw-digest-1") as server:
        url = server.base + "/sparql-auth"
        assert run_query(url, "ASK {}", creds=creds).boolean is True
        assert run_query(url, "ASK {}", creds=creds).boolean is True
    schemes = [(h.get("Authorization") or "").split(" ")[0] for _, _, h, _ in server.seen]
    # Basic refused bare; asked again without; answered the challenge; then Digest at once
    assert schemes == ["Basic", "", "Digest", "Digest"]


def test_digest_with_a_wrong_password_is_refused(kg):
    with DigestOnly("dba", "right") as server:
        url = server.base + "/sparql-auth"
        r = kg("sparql", "ASK {}", "--endpoint", url,
               env={**NO_CREDS, "KG_ENDPOINT_USER": "dba", "KG_ENDPOINT_PASSWORD": "wrong"})
    assert r.exit_code == 1
    assert r.stderr.splitlines() == [
        f"Error: query: {url} refused access (HTTP 401)",
        "Hint: check the credentials in KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD "
        "(the server asked for HTTP Digest)"]
    assert len(server.seen) <= 8


# ---------------------------------------------------------------------------
# The answer: a size cap, and XML results checked before parsing


def test_an_answer_larger_than_the_cap_is_refused(monkeypatch):
    from kg.errors import EndpointError
    from kg.interop.remote import transport

    monkeypatch.setattr(transport, "MAX_ANSWER_BYTES", 1000)
    big = json.dumps({"head": {}, "boolean": True, "pad": "x" * 5000}).encode()
    with Canned(status=200, body=big, ctype=JSON) as server:
        url = server.base + "/query"
        with pytest.raises(EndpointError) as e:
            run_query(url, "ASK {}", creds=Credentials())
    assert e.value.message == f"query: the answer from {url} is larger than 1000 bytes"


def test_xml_results_with_entities_are_refused_before_parsing(kg):
    body = (b'<?xml version="1.0"?><!DOCTYPE sparql [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b'<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
            b'<boolean>&xxe;</boolean></sparql>')
    with quiet(Canned(status=200, body=body, ctype="application/sparql-results+xml")) as server:
        url = server.base + "/query"
        r = kg("sparql", "ASK {}", "--endpoint", url, env=NO_CREDS)
    assert r.exit_code == 1
    assert r.stderr.splitlines()[0] == (
        f"Error: query: the answer from {url}: the XML external entity 'xxe' "
        "<file:///etc/passwd> is refused: kg reads no file or URL named inside a document")


# ---------------------------------------------------------------------------
# The deadline covers the whole request: headers and error bodies that drip


class DripServer:
    """Accepts; sends ``head``, then one byte of ``drip`` every 0.1 s, forever."""

    def __init__(self, head: bytes, drip: bytes):
        import socket
        import threading

        self.head, self.drip = head, drip
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def serve(self, conn):
        import time

        try:
            conn.recv(65536)
            conn.sendall(self.head)
            while not self.stop.is_set():
                conn.sendall(self.drip)
                time.sleep(0.1)
        except OSError:
            pass
        finally:
            conn.close()

    def run(self):
        import threading

        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.mark.parametrize("head,drip,expected", [
    (b"HTTP/1.1 200 OK\r\nX-Slow: ", b"a", "query: no complete answer from {host} within 1 s"),
    (b"HTTP/1.1 500 Oops\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\n\r\n",
     b"e", "query: server error at {url} (HTTP 500)"),
], ids=["headers", "error-body"])
def test_a_dripping_server_is_cut_off_at_the_deadline(head, drip, expected):
    import threading

    from kg.errors import EndpointError

    with DripServer(head, drip) as server:
        url = server.base + "/query"
        box: dict = {}

        def call():
            try:
                run_query(url, "ASK {}", timeout=1.0, creds=Credentials())
            except EndpointError as e:
                box["error"] = e

        t = threading.Thread(target=call, daemon=True)
        t.start()
        t.join(timeout=6)  # not a speed goal: a hang would otherwise last for hours
        assert not t.is_alive(), "still waiting long after the deadline"
    assert box["error"].message == expected.format(url=url, host=url.split("/")[2])


# ---------------------------------------------------------------------------
# Endpoint URLs that are not URLs: a usage error before anything runs


@pytest.mark.parametrize("url,shown_as", [
    ("", ""),  # an unset variable: "--endpoint $URL" must not fall back to the local store
    ("http://[::1", "http://[::1"),
    ("http://127.0.0.1:abc/q", "http://127.0.0.1:abc/q"),
    ("http://127.0.0.1:0/q", "http://127.0.0.1:0/q"),
    ("http://a b/q", "http://a b/q"),
    ("http://127.0.0.1:9/q\x1b[2J", "http://127.0.0.1:9/q\\x1b[2J"),
    ("ftp://127.0.0.1/q", "ftp://127.0.0.1/q"),
    ("127.0.0.1:7878/query", "127.0.0.1:7878/query"),
], ids=["empty", "ipv6-unclosed", "port-letters", "port-zero", "space", "escape", "ftp",
        "no-scheme"])
@pytest.mark.parametrize("command", ["query", "push"])
def test_endpoint_that_is_not_a_url(url, shown_as, command, kg, store, before):
    args = ["query", "talks"] if command == "query" else ["push"]
    r = kg(*args, "--endpoint", url, "--store", str(store), env=NO_CREDS)
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr.splitlines() == [
        f"Error: --endpoint '{shown_as}' is not an http(s) URL",
        "Hint: give the query endpoint, e.g. http://127.0.0.1:7878/query"]
    assert store_state(store) == before
