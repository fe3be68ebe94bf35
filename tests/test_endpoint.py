"""Remote queries against a real Oxigraph server, and one-line errors from bad servers."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from oxigraph_server import Canned, OxigraphServer, free_port

from kg import api
from kg import namespaces as ns
from kg.errors import EndpointError, UsageError
from kg.interop.endpoint import Endpoints, derive_endpoints, remote_dataset, run_query
from kg.query.catalogue import all_queries
from kg.query.querying import ResultSet, bind_values, execute
from kg.store.disk import open_store

QUERIES = [q.name for q in all_queries()]


def rows(result: ResultSet) -> list:
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


@pytest.fixture(scope="module")
def server(tmp_path_factory, built_store):
    """A real Oxigraph server holding the seed graph, pushed with `kg push`'s library call."""
    with OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "db") as srv:
        srv.report = api.push(built_store, srv.query_url)
        yield srv


def test_push_reports_what_the_server_holds(server, built_store):
    store = open_store(built_store).oxigraph
    expected = {ns.graph_iri(n): sum(1 for _ in store.quads_for_pattern(
        None, None, None, ox.NamedNode(ns.graph_iri(n)))) for n in ns.GRAPH_NAMES}
    assert server.report.sent == expected
    assert server.report.held == expected
    assert server.report.method == "gsp"
    # no temporary upload graph is left behind
    graphs = run_query(server.query_url, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert {r[0].value for r in graphs.rows} == set(expected)


@pytest.mark.parametrize("name", QUERIES)
def test_canned_query_local_equals_remote(name, server, built_store):
    """Every canned query, with its default parameters, through the library API."""
    query = next(q for q in all_queries() if q.name == name)
    local, _ = api.canned_result(query, {}, store_dir=built_store)
    remote, _ = api.canned_result(query, {}, endpoint=server.query_url)
    assert rows(remote) == rows(local)


def test_asserted_only_local_equals_remote(server, built_store):
    query = next(q for q in all_queries() if q.name == "inferred")
    local, _ = api.canned_result(query, {}, store_dir=built_store, asserted_only=True)
    remote, _ = api.canned_result(query, {}, endpoint=server.query_url, asserted_only=True)
    assert rows(remote) == rows(local)


def test_bound_parameters_and_graph_results(server, built_store):
    """run_query directly: a VALUES-bound SELECT, an ASK and a CONSTRUCT."""
    store = open_store(built_store).oxigraph
    text = ("SELECT ?p ?o WHERE { ?s ?p ?o }")
    bound = bind_values(text, {"s": ox.NamedNode(ns.KGR + "istanbul-talks-2025")})
    local = execute(store, bound)
    remote = run_query(server.query_url, bound, default_graphs=remote_dataset())
    assert local.rows and rows(remote) == rows(local)
    ask = run_query(server.query_url, "ASK { ?s a <%sNegotiation> }" % ns.KG,
                    default_graphs=remote_dataset())
    assert ask.kind == "ask" and ask.boolean is True
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s a <%sCity> ; ?p ?o }" % ns.KG
    remote = run_query(server.query_url, construct, default_graphs=remote_dataset(),
                       accept_graph=True)
    assert remote.kind == "graph" and rows(remote) == rows(execute(store, construct))


@pytest.mark.parametrize("fmt", ["csv", "json", "tsv"])
def test_cli_query_local_equals_remote(fmt, kg, server, built_store):
    local = kg("query", "talks", "--store", str(built_store), "--format", fmt)
    remote = kg("query", "talks", "--endpoint", server.query_url, "--format", fmt)
    assert local.exit_code == 0 and remote.exit_code == 0, remote.output
    assert remote.stdout == local.stdout


def test_cli_sparql_local_equals_remote(kg, server, built_store):
    text = "SELECT ?s ?l WHERE { ?s a kg:City ; rdfs:label ?l } ORDER BY ?s"
    local = kg("sparql", text, "--store", str(built_store), "--format", "csv")
    remote = kg("sparql", text, "--endpoint", server.query_url, "--format", "csv")
    assert local.exit_code == 0 and remote.exit_code == 0, remote.output
    assert remote.stdout == local.stdout


def test_one_target_graph(server, built_store):
    """`--graph-iri`: everything in one graph; queries name it as their default graph."""
    iri = "https://example.org/kg-copy"
    report = api.push(built_store, server.query_url, graph_iri=iri, method="update",
                      max_body=200_000)
    assert report.held == {iri: report.triples} and report.requests > 3
    query = next(q for q in all_queries() if q.name == "talks")
    local, _ = api.canned_result(query, {}, store_dir=built_store)
    remote = run_query(server.query_url, query.text, default_graphs=remote_dataset(iri))
    assert rows(remote) == rows(local)
    with pytest.raises(UsageError):
        remote_dataset(iri, asserted_only=True)


# ---------------------------------------------------------------------------
# endpoint URLs


def test_derived_endpoints():
    e = derive_endpoints("http://127.0.0.1:7878/query")
    assert (e.update, e.gsp) == ("http://127.0.0.1:7878/update", "http://127.0.0.1:7878/store")
    e = derive_endpoints("http://localhost:3030/kg/sparql")
    assert (e.update, e.gsp) == ("http://localhost:3030/kg/update",
                                 "http://localhost:3030/kg/data")
    e = derive_endpoints("http://localhost:7200/repositories/kg")
    assert (e.update, e.gsp) == ("http://localhost:7200/repositories/kg/statements",
                                 "http://localhost:7200/repositories/kg/rdf-graphs/service")
    e = derive_endpoints("https://example.org/sparql-endpoint", gsp="https://example.org/gsp")
    assert (e.update, e.gsp) == ("https://example.org/sparql-endpoint", "https://example.org/gsp")
    with pytest.raises(UsageError, match="not an http"):
        derive_endpoints("ftp://example.org/query")


@pytest.mark.parametrize("url,store,update,gsp", [
    # Virtuoso: /sparql at the root is its endpoint for queries and updates
    ("http://h:8890/sparql", "virtuoso", "http://h:8890/sparql", "http://h:8890/sparql-graph-crud"),
    ("http://h:8890/sparql-auth", "virtuoso", "http://h:8890/sparql-auth",
     "http://h:8890/sparql-graph-crud-auth"),
    # Fuseki always has a dataset before /sparql
    ("http://h:3030/ds/sparql", "fuseki", "http://h:3030/ds/update", "http://h:3030/ds/data"),
    ("http://h:7878/query", "oxigraph", "http://h:7878/update", "http://h:7878/store"),
    ("http://h:7200/repositories/kg", "rdf4j", "http://h:7200/repositories/kg/statements",
     "http://h:7200/repositories/kg/rdf-graphs/service"),
    ("http://h/endpoint", "generic", "http://h/endpoint", None),
])
def test_store_layout_from_the_path(url, store, update, gsp):
    assert derive_endpoints(url) == Endpoints(url, update, gsp, store)


def test_store_type_overrides_the_path():
    # a Virtuoso behind a proxy that serves it under /kg/sparql
    e = derive_endpoints("https://x.org/kg/sparql", store="virtuoso")
    assert (e.update, e.gsp) == ("https://x.org/kg/sparql", "https://x.org/kg/sparql-graph-crud")
    e = derive_endpoints("http://h:8890/sparql", store="fuseki")
    assert (e.update, e.gsp) == ("http://h:8890/update", "http://h:8890/data")
    assert derive_endpoints("http://h/sparql", store="generic").gsp is None
    with pytest.raises(UsageError, match="unknown store type 'blazegraph'"):
        derive_endpoints("http://h/sparql", store="blazegraph")


def test_cli_store_type_option(kg, built_store):
    """--store-type picks the layout: a Fuseki push asks /data, not /sparql-graph-crud."""
    with Canned(status=404) as fake:
        r = kg("push", "--endpoint", fake.base + "/sparql", "--store-type", "fuseki",
               "--store", str(built_store))
    assert r.exit_code == 1
    assert fake.seen[0][1].startswith("/data?graph=")
    assert "no such service at " + fake.base + "/data?graph=" in r.stderr
    assert r.stderr.splitlines()[1] == (
        "Hint: check the URL, or pass --store-type; Oxigraph serves /query, /update and "
        "/store, Fuseki /DATASET/sparql, /update and /data, Virtuoso /sparql and "
        "/sparql-graph-crud (-auth)")


# ---------------------------------------------------------------------------
# failures become one-line messages

JSON = "application/sparql-results+json"


@pytest.mark.parametrize("server_kw,message", [
    (dict(status=401), "query: {url} refused access (HTTP 401)"),
    (dict(status=403), "query: {url} refused access (HTTP 403)"),
    (dict(status=404), "query: no such service at {url} (HTTP 404)"),
    (dict(status=500, body=b"boom\nmore"), "query: server error at {url} (HTTP 500): boom more"),
    (dict(status=503), "query: server error at {url} (HTTP 503)"),
    (dict(status=200, body=b"<html><body>Welcome</body></html>", ctype="text/html"),
     "query: {url} answered text/html, not SPARQL results: Welcome"),
    (dict(status=200, body=b'{"head": {"vars": ["x"]}, "results": {"bindings": [',
          ctype=JSON), "query: the answer from {url} is malformed or truncated"),
    (dict(status=200, body=b"", ctype=""),
     "query: {url} answered no content type, not SPARQL results"),
    (dict(delay=1.5), "query: no complete answer from {host} within 0.5 s"),
    (dict(hang_up=True), "query: the connection to {host} broke off"),
])
def test_errors_are_classified(server_kw, message):
    with Canned(**server_kw) as fake:
        url = fake.base + "/query"
        with pytest.raises(EndpointError) as e:
            run_query(url, "SELECT * WHERE { ?s ?p ?o }", timeout=0.5)
    expected = message.format(url=url, host=url.split("/")[2])
    assert e.value.message.startswith(expected)
    assert "\n" not in e.value.message


def test_connection_refused():
    url = f"http://127.0.0.1:{free_port()}/query"
    with pytest.raises(EndpointError) as e:
        run_query(url, "ASK {}")
    assert e.value.message == f"query: cannot connect to {url.split('/')[2]}: connection refused"
    assert e.value.hint == "is the server running, and is the URL right?"


def test_auth_hint_names_the_variables(monkeypatch):
    monkeypatch.delenv("KG_ENDPOINT_USER", raising=False)
    monkeypatch.delenv("KG_ENDPOINT_TOKEN", raising=False)
    with Canned(status=401) as fake, pytest.raises(EndpointError) as e:
        run_query(fake.base + "/query", "ASK {}")
    assert e.value.hint == "set KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD, or KG_ENDPOINT_TOKEN"


@pytest.mark.parametrize("env,header", [
    ({"KG_ENDPOINT_TOKEN": "s3cret"}, "Bearer s3cret"),
    ({"KG_ENDPOINT_USER": "ann", "KG_ENDPOINT_PASSWORD": "pw"}, "Basic YW5uOnB3"),
    ({}, None),
])
def test_credentials_come_from_the_environment(env, header, monkeypatch):
    for var in ("KG_ENDPOINT_TOKEN", "KG_ENDPOINT_USER", "KG_ENDPOINT_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    answer = json.dumps({"head": {}, "boolean": True}).encode()
    with Canned(status=200, body=answer, ctype=JSON) as fake:
        assert run_query(fake.base + "/query", "ASK {}").boolean is True
    method, path, headers, body = fake.seen[0]
    assert (method, path) == ("POST", "/query")
    assert headers.get("Authorization") == header
    assert body == b"query=ASK+%7B%7D"


def test_cli_error_is_one_line(kg):
    url = f"http://127.0.0.1:{free_port()}/query"
    r = kg("query", "talks", "--endpoint", url)
    assert r.exit_code == 1
    lines = r.stderr.splitlines()
    assert lines[0].startswith("Error: ") and "connection refused" in lines[0]
    assert all(line.startswith(("Error: ", "Hint: ")) for line in lines)
