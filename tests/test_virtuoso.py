"""kg push and remote queries against a real OpenLink Virtuoso 7 (Debian's package), on loopback.

Virtuoso's layout (/sparql for queries and updates, /sparql-graph-crud for the
Graph Store Protocol, each with an -auth variant that takes only HTTP Digest)
is found from the URL; updates are written in the form it accepts (blank
nodes and xsd:duration literals in an INSERT template, in pieces of at most
500 triples). Skipped, with the reason, where `virtuoso-t` is not installed,
unless KG_REQUIRE_VIRTUOSO=1 (as in .ci/run), which makes it a failure.
"""

from __future__ import annotations

import os
import re

import pyoxigraph as ox
import pytest
from virtuoso_server import PASSWORD, REQUIRE, USER, VirtuosoServer, missing_reason, virtuoso_binary

from kg import api
from kg import namespaces as ns
from kg.interop.endpoint import derive_endpoints, push, run_query
from kg.interop.remote.credentials import Credentials
from kg.query.catalogue import all_queries
from kg.store.disk import open_store

if virtuoso_binary() is None and not os.environ.get(REQUIRE):
    pytest.skip(missing_reason(), allow_module_level=True)

QUERIES = [q.name for q in all_queries()]
CREDS = {"KG_ENDPOINT_USER": USER, "KG_ENDPOINT_PASSWORD": PASSWORD}
NO_CREDS = {"KG_ENDPOINT_USER": None, "KG_ENDPOINT_PASSWORD": None, "KG_ENDPOINT_TOKEN": None}
TARGET = "https://example.org/graph/kg-on-virtuoso"


def rows(result) -> list:
    """A result set as sorted rows of term strings (blank nodes all alike)."""
    def s(term):
        if term is None:
            return ""
        return "_:b" if isinstance(term, ox.BlankNode) else str(term)

    if result.kind == "ask":
        return [result.boolean]
    if result.kind == "graph":
        return sorted(" ".join(s(x) for x in (t.subject, t.predicate, t.object))
                      for t in result.triples)
    return [result.variables] + sorted(tuple(s(t) for t in row) for row in result.rows)


def count(url: str, where: str) -> int:
    result = run_query(url, "SELECT (COUNT(*) AS ?n) WHERE { %s }" % where,
                       creds=Credentials())
    return int(result.rows[0][0].value)


def local_count(store_dir, where: str) -> int:
    store = open_store(store_dir).oxigraph
    return int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { %s }" % where)))[0].value)


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory, built_store):
    """A fresh Virtuoso holding the seed graph, pushed over HTTP Digest to /sparql-auth."""
    with VirtuosoServer(tmp_path_factory.mktemp("virtuoso")) as srv:
        with pytest.MonkeyPatch.context() as mp:
            for k, v in CREDS.items():
                mp.setenv(k, v)
            srv.report = api.push(built_store, srv.auth_url)
        yield srv


def test_layout_is_found_from_the_url(virtuoso):
    e = derive_endpoints(virtuoso.auth_url)
    assert (e.store, e.update, e.gsp) == (
        "virtuoso", virtuoso.auth_url, virtuoso.base + "/sparql-graph-crud-auth")


def test_push_over_digest_reports_what_the_server_holds(virtuoso, built_store):
    report = virtuoso.report
    assert report.method == "gsp"
    assert report.held == report.sent
    assert set(report.sent) == {ns.graph_iri(n) for n in ns.GRAPH_NAMES}
    leftovers = run_query(virtuoso.query_url, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                          "FILTER(CONTAINS(STR(?g), '-upload-')) }", creds=Credentials())
    assert leftovers.rows == []


@pytest.mark.parametrize("name", QUERIES)
def test_canned_query_agrees_with_local(name, virtuoso, built_store, monkeypatch):
    """Every canned query, with its default parameters, on the anonymous endpoint."""
    for k in NO_CREDS:
        monkeypatch.delenv(k, raising=False)
    query = next(q for q in all_queries() if q.name == name)
    local, _ = api.canned_result(query, {}, store_dir=built_store)
    remote, _ = api.canned_result(query, {}, endpoint=virtuoso.query_url)
    assert rows(remote) == rows(local)


@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_query_over_digest_equals_local(fmt, kg, virtuoso, built_store):
    """kg query on the authenticated endpoint (labels looked up side by side, over Digest)."""
    local = kg("query", "talks", "--store", str(built_store), "--format", fmt)
    remote = kg("query", "talks", "--endpoint", virtuoso.auth_url, "--format", fmt, env=CREDS)
    assert local.exit_code == 0 and remote.exit_code == 0, remote.output
    assert remote.stdout == local.stdout


def test_update_method_with_blank_nodes_and_durations(kg, virtuoso, built_store):
    """--method update: blank nodes and xsd:duration literals go in, in pieces of 500."""
    r = kg("push", "--endpoint", virtuoso.auth_url, "--method", "update", "--graph-iri", TARGET,
           "--max-body", "1000000", "--store", str(built_store), env=CREDS)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    n = local_count(built_store, "GRAPH ?g { ?s ?p ?o }")
    assert lines[0] == f"{TARGET}: {n} triples on the server ({n} sent)"
    assert re.fullmatch(rf"Pushed {n} triples to {re.escape(virtuoso.auth_url)} in (\d+) "
                        r"requests \(update\), [\d.]+ s\.", lines[1])
    assert int(re.search(r" in (\d+) requests", lines[1]).group(1)) >= n // 500 + 2
    bnodes = "?s ?p ?o FILTER(isBlank(?s) || isBlank(?o))"
    durations = "?s ?p ?o FILTER(datatype(?o) = <http://www.w3.org/2001/XMLSchema#duration>)"
    assert count(virtuoso.query_url, f"GRAPH <{TARGET}> {{ {bnodes} }}") == \
        local_count(built_store, f"GRAPH ?g {{ {bnodes} }}") > 0
    assert count(virtuoso.query_url, f"GRAPH <{TARGET}> {{ {durations} }}") == \
        local_count(built_store, f"GRAPH ?g {{ {durations} }}") > 0


def test_blank_node_groups_stay_whole(virtuoso):
    """A blank node shared by two triples is one node on the server, whatever the pieces."""
    b = ox.BlankNode()
    g = ox.NamedNode(TARGET + "-bnodes")
    p = ox.NamedNode("urn:p")
    quads = [ox.Quad(b, p, ox.Literal("P3D", datatype=ox.NamedNode(
                 "http://www.w3.org/2001/XMLSchema#duration")), g),
             ox.Quad(ox.NamedNode("urn:s"), p, b, g)]
    report = push(quads, derive_endpoints(virtuoso.auth_url), method="update",
                  creds=Credentials(user=USER, password=PASSWORD))
    assert report.held == {g.value: 2}
    assert count(virtuoso.query_url,
                 f"GRAPH <{g.value}> {{ <urn:s> <urn:p> ?b . ?b <urn:p> ?d }}") == 1


def test_wrong_password_is_refused_and_names_digest(kg, virtuoso, built_store):
    env = {**CREDS, "KG_ENDPOINT_PASSWORD": "wrong"}
    r = kg("push", "--endpoint", virtuoso.auth_url, "--store", str(built_store), env=env)
    assert r.exit_code == 1
    lines = r.stderr.splitlines()
    gsp = virtuoso.base + "/sparql-graph-crud-auth?graph="
    assert lines[0].startswith(f"Error: push failed: upload 1/5: {gsp}")
    # the server refused the first upload: nothing was created, nothing to drop
    assert lines[0].endswith(" refused access (HTTP 401); " + ", ".join(
        f"<{ns.graph_iri(n)}>" for n in ns.GRAPH_NAMES) + " left as it was")
    assert lines[1] == ("Hint: check the credentials in KG_ENDPOINT_USER and "
                        "KG_ENDPOINT_PASSWORD (the server asked for HTTP Digest)")
    for graph, n in virtuoso.report.held.items():
        assert count(virtuoso.query_url, f"GRAPH <{graph}> {{ ?s ?p ?o }}") == n


def test_anonymous_push_is_refused(kg, virtuoso, built_store):
    r = kg("push", "--endpoint", virtuoso.query_url, "--store", str(built_store), env=NO_CREDS)
    assert r.exit_code == 1
    lines = r.stderr.splitlines()
    assert lines[0].startswith(
        f"Error: push failed: upload 1/5: {virtuoso.base}/sparql-graph-crud?graph=")
    assert " refused access (HTTP 403); " in lines[0] and lines[0].endswith(" left as it was")
    assert lines[1] == "Hint: set KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD, or KG_ENDPOINT_TOKEN"
