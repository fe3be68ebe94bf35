"""No outbound access unless asked: SERVICE, LOAD, FROM, JSON-LD contexts, XML entities.

Each case runs the real ``kg`` in a fresh interpreter with an audit hook that
records every file open and socket connection (forked children included),
beside a loopback listener that records every TCP connection and a FIFO
"tripwire" that records any open of the file the query points at, even from
native code. Every case asserts the message, the exit status, zero recorded
connections, no open outside the allowed paths, and an unchanged graph.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from oxigraph_server import Canned

import kg

from .helpers import Listener, Tripwire, run_audited, store_state


def allowed_roots(store: Path) -> list[str]:
    """What kg may read: Python, kg's package (with its ontology and queries, which an
    editable install links to the repository's folders), the store, and the seeds the
    store was built from (the staleness check lists and hashes them)."""
    package = Path(kg.__file__).parent
    manifest = json.loads((store / "current" / "manifest.json").read_text("utf-8"))
    return [str(Path(p).resolve()) for p in
            (sys.prefix, sys.base_prefix, package, package / "ontology", package / "queries",
             store, manifest["seeds_dir"])]


def outside(events, roots) -> list[str]:
    """Opened paths that are in none of ``roots``."""
    return [path for event, path in events if event == "open"
            and not any(str(Path(path).resolve()).startswith(r) for r in roots)]


def network(events) -> list:
    return [e for e in events if e[0] != "open"]


# (name, query with {url} / {file} placeholders, expected first line of stderr)
CASES = [
    ("service", "SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
     "Error: <argument>: SERVICE <{url}/sparql> is refused: a federated query would open "
     "a network connection"),
    ("service-silent-prefixed",
     "PREFIX r: <{url}/>\nSELECT * WHERE {{ SERVICE SILENT r:sparql {{ ?s ?p ?o }} }}",
     "Error: <argument>: SERVICE <{url}/sparql> is refused: a federated query would open "
     "a network connection"),
    ("service-file", "SELECT * WHERE {{ SERVICE <file://{file}> {{ ?s ?p ?o }} }}",
     "Error: <argument>: SERVICE <file://{file}> is refused: a federated query would open "
     "a network connection"),
    ("load", "LOAD <{url}/data.ttl>",
     "Error: <argument>: SPARQL Update is refused (LOAD): queries are read-only"),
    ("load-file", "LOAD <file://{file}> INTO GRAPH <urn:x>",
     "Error: <argument>: SPARQL Update is refused (LOAD): queries are read-only"),
    ("from-remote", "SELECT * FROM <{url}/data.ttl> WHERE {{ ?s ?p ?o }}",
     "Error: <argument>: FROM <{url}/data.ttl> is refused: it is not a graph of the build"),
    ("from-named-remote", "SELECT * FROM NAMED <{url}/g> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
     "Error: <argument>: FROM NAMED <{url}/g> is refused: it is not a graph of the build"),
    ("from-file", "SELECT * FROM <file://{file}> WHERE {{ ?s ?p ?o }}",
     "Error: <argument>: FROM <file://{file}> is refused: it is not a graph of the build"),
    ("from-relative-file", "BASE <file://{dir}/>\nSELECT * FROM <tripwire.ttl> "
     "WHERE {{ ?s ?p ?o }}",
     "Error: <argument>: FROM <file://{file}> is refused: it is not a graph of the build"),
]


@pytest.mark.parametrize("name,query,expected", CASES, ids=[c[0] for c in CASES])
def test_outbound_is_refused(name, query, expected, store, before, tmp_path):
    trap_dir = tmp_path / "trap"
    trap_dir.mkdir()
    fifo = trap_dir / "tripwire.ttl"
    with Listener() as listener, Tripwire(fifo) as trip:
        fill = {"url": listener.base, "file": fifo, "dir": trap_dir}
        proc, events = run_audited(["sparql", "--store", str(store), "--timeout", "10",
                                    query.format(**fill)], tmp_path / "audit.log", cwd=tmp_path)
    stderr = proc.stderr.decode()
    assert proc.returncode == 1, stderr
    assert stderr.splitlines()[0] == expected.format(**fill)
    assert "Traceback" not in stderr and proc.stdout == b""
    assert listener.connections == []
    assert not trip.opened
    assert network(events) == []
    assert outside(events, allowed_roots(store)) == []
    assert store_state(store) == before


# --- RDF a server sends back must not make kg fetch anything either ----------------------

def _jsonld(url: str) -> bytes:
    return ('{"@context": "%s/context.jsonld", "@id": "https://w3id.org/kg/id/x", '
            '"name": "x"}' % url).encode()


def _rdfxml(path: Path) -> bytes:
    return ('<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY xxe SYSTEM "file://%s">]>\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:ex="http://example.org/"><rdf:Description rdf:about="http://example.org/s">'
            '<ex:p>&xxe;</ex:p></rdf:Description></rdf:RDF>\n' % path).encode()


ANSWERS = [
    ("jsonld-remote-context", "application/ld+json", _jsonld, "{url}/context.jsonld"),
    ("rdfxml-external-entity", "application/rdf+xml", _rdfxml, "file://{file}"),
]


def _answer_case(name, ctype, body, blocked, store, tmp_path):
    trap_dir = tmp_path / "trap"
    trap_dir.mkdir()
    fifo = trap_dir / "tripwire.xml"
    with Listener() as listener, Tripwire(fifo) as trip:
        fill = {"url": listener.base, "file": fifo}
        payload = body(listener.base) if "json" in ctype else body(fifo)
        with Canned(status=200, body=payload, ctype=ctype) as server:
            proc, events = run_audited(
                ["sparql", "--endpoint", server.base + "/query", "--timeout", "5",
                 "CONSTRUCT WHERE { ?s ?p ?o }"], tmp_path / "audit.log", cwd=tmp_path)
    stderr = proc.stderr.decode()
    # The only connections are to the server the user named.
    asked = f"('127.0.0.1', {server.base.rsplit(':', 1)[1]})"
    assert [e for e in network(events) if e[0] == "socket.connect"] == \
        [["socket.connect", asked]]
    assert listener.connections == []
    assert not trip.opened
    assert outside(events, allowed_roots(store)) == []
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr and proc.stdout == b""
    first = stderr.splitlines()[0]
    assert first.startswith(f"Error: query: the answer from {server.base}/query: the ")
    return first, blocked.format(**fill)


@pytest.mark.parametrize("name,ctype,body,blocked", ANSWERS, ids=[a[0] for a in ANSWERS])
def test_rdf_in_an_answer_fetches_nothing(name, ctype, body, blocked, store, tmp_path):
    _answer_case(name, ctype, body, blocked, store, tmp_path)


@pytest.mark.parametrize("name,ctype,body,blocked", ANSWERS, ids=[a[0] for a in ANSWERS])
def test_refused_fetch_in_an_answer_names_the_iri(name, ctype, body, blocked, store, tmp_path):
    first, iri = _answer_case(name, ctype, body, blocked, store, tmp_path)
    assert iri in first


def _laughs(levels: int) -> bytes:
    ents = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "' + f"&a{i - 1};" * 10 + '">' for i in range(1, levels + 1))
    return ('<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [%s]>\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:ex="http://example.org/"><rdf:Description rdf:about="http://example.org/s">'
            '<ex:p>&a%d;</ex:p></rdf:Description></rdf:RDF>\n' % (ents, levels)).encode()


def test_entity_expansion_in_an_answer_is_refused(kg):
    # Only 6 levels (3 MB): the test must not be the bomb it is about.
    with Canned(status=200, body=_laughs(6), ctype="application/rdf+xml") as server:
        r = kg("sparql", "--endpoint", server.base + "/query", "--timeout", "5",
               "--format", "ntriples", "CONSTRUCT WHERE { ?s ?p ?o }")
    assert r.exit_code == 1
    assert "entity declaration 'a0' is refused" in r.stderr.splitlines()[0]


# --- kg.interop.safety: the check the endpoint layer should run first ----------------------------

@pytest.mark.parametrize("body,fmt,message", [
    (_jsonld("http://127.0.0.1:9"), "application/ld+json",
     "x: the JSON-LD @context <http://127.0.0.1:9/context.jsonld> is refused"),
    (b'[{"@context": ["ctx.jsonld"], "@id": "urn:a"}]', "jsonld",
     "x: the JSON-LD @context <ctx.jsonld> is refused"),
    (b'{"@context": {"@import": "file:///etc/passwd"}}', "application/ld+json",
     "x: the JSON-LD @import <file:///etc/passwd> is refused"),
    (_rdfxml(Path("/etc/passwd")), "application/rdf+xml",
     "x: the RDF/XML external entity 'xxe' <file:///etc/passwd> is refused"),
    (_laughs(9), "rdfxml", "x: the RDF/XML entity declaration 'a0' is refused"),
])
def test_safety_refuses_and_names_what(body, fmt, message):
    from kg.errors import KgError
    from kg.interop.safety import UnsafeInput, check_rdf

    with pytest.raises(UnsafeInput) as e:
        check_rdf(body, fmt, source="x")
    assert isinstance(e.value, KgError)
    assert e.value.message.startswith(message)


@pytest.mark.parametrize("body,fmt", [
    (b'{"@context": {"name": "http://schema.org/name"}, "@id": "urn:a", "name": "b"}',
     "application/ld+json"),
    (b"not json at all", "application/ld+json"),
    (_rdfxml(Path("/x")).replace(b"<!DOCTYPE", b"<!-- DOC").replace(b"]>\n", b"] -->\n"),
     "application/rdf+xml"),
    (b"<urn:a> <urn:b> <urn:c> .\n", "application/n-triples"),
])
def test_safety_lets_plain_documents_through(body, fmt):
    from kg.interop.safety import check_rdf

    check_rdf(body, fmt)
