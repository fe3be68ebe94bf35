"""`kg serve`'s SPARQL 1.1 Protocol endpoint, on loopback: formats, the guard, the deadline,
and round trips through SPARQLWrapper and `kg query --endpoint`."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pyoxigraph as ox
import pytest

from kg.web.app import create_app
from kg.web.negotiation import NotAcceptable, choose, parse_accept, wants_html
from kg.web.server import running

HELD_IN = "SELECT ?place WHERE { kgr:istanbul-talks-2025 kg:heldIn ?place }"
HELD_IN_JSON = {"head": {"vars": ["place"]}, "results": {"bindings": [
    {"place": {"type": "uri", "value": "https://w3id.org/kg/id/istanbul"}}]}}
CONSTRUCT = "CONSTRUCT WHERE { kgr:istanbul-talks-2025 kg:heldIn ?place }"
TRIPLE_NT = ("<https://w3id.org/kg/id/istanbul-talks-2025> <https://w3id.org/kg/ontology#heldIn> "
             "<https://w3id.org/kg/id/istanbul> .\n")
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def endpoint(built_store):
    with running(create_app(built_store, timeout=30)) as url:
        yield url + "/sparql"


@pytest.fixture(scope="module")
def client(endpoint):
    with httpx.Client(timeout=60) as c:
        yield c


# --------------------------------------------------------------------------- negotiation

def test_parse_accept_orders_by_quality_then_specificity():
    assert parse_accept("text/*;q=0.5, application/sparql-results+xml, */*;q=0.1") == [
        ("application/sparql-results+xml", 1.0), ("text/*", 0.5), ("*/*", 0.1)]
    assert parse_accept(None) == [("*/*", 1.0)]


@pytest.mark.parametrize("kind,accept,param,expected", [
    ("results", None, None, "application/sparql-results+json"),
    ("results", "*/*", None, "application/sparql-results+json"),
    ("results", "application/sparql-results+xml", None, "application/sparql-results+xml"),
    ("results", "text/csv;q=0.9, text/tab-separated-values", None, "text/tab-separated-values"),
    ("results", "application/json", None, "application/sparql-results+json"),
    ("results", "text/html, application/xml;q=0.9", None, "application/sparql-results+xml"),
    ("results", "text/*", None, "text/csv"),
    ("results", "application/sparql-results+xml", "json", "application/sparql-results+json"),
    ("results", None, "csv", "text/csv"),
    ("graph", None, None, "text/turtle"),
    ("graph", "application/n-triples", None, "application/n-triples"),
    ("graph", "application/rdf+xml", None, "application/rdf+xml"),
    ("graph", "application/ld+json", None, "application/ld+json"),
    ("graph", None, "xml", "application/rdf+xml"),  # SPARQLWrapper's default for CONSTRUCT
    ("graph", None, "json", "application/ld+json"),
    ("graph", None, "turtle", "text/turtle"),
])
def test_choose(kind, accept, param, expected):
    assert choose(kind, accept, param).media_type == expected


@pytest.mark.parametrize("accept,expected", [
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),
    ("application/sparql-results+json, text/html;q=0.5", False),
    ("*/*", False), (None, False), ("text/html;q=0", False),
])
def test_wants_html(accept, expected):
    assert wants_html(accept) is expected


def test_choose_refuses_what_cannot_be_given():
    with pytest.raises(NotAcceptable, match="cannot answer a SELECT/ASK query as image/png"):
        choose("results", "image/png", None)
    with pytest.raises(NotAcceptable, match="unknown format 'yaml'"):
        choose("graph", None, "yaml")


# --------------------------------------------------------------------------- the protocol

def test_get_post_form_and_post_query_give_the_same_json(client, endpoint):
    got = [client.get(endpoint, params={"query": HELD_IN}),
           client.post(endpoint, data={"query": HELD_IN}),
           client.post(endpoint, content=HELD_IN.encode(),
                       headers={"Content-Type": "application/sparql-query"})]
    for r in got:
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/sparql-results+json"
        assert json.loads(r.content) == HELD_IN_JSON


@pytest.mark.parametrize("accept,media,body", [
    ("application/sparql-results+xml", "application/sparql-results+xml",
     b'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>'
     b'<variable name="place"/></head><results><result><binding name="place"><uri>'
     b"https://w3id.org/kg/id/istanbul</uri></binding></result></results></sparql>"),
    ("text/csv", "text/csv; charset=utf-8", b"place\r\nhttps://w3id.org/kg/id/istanbul\r\n"),
    ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8",
     b"?place\n<https://w3id.org/kg/id/istanbul>\n"),
])
def test_select_formats_by_accept(client, endpoint, accept, media, body):
    r = client.get(endpoint, params={"query": HELD_IN}, headers={"Accept": accept})
    assert (r.status_code, r.headers["content-type"], r.content) == (200, media, body)


def test_format_parameter_wins_over_accept(client, endpoint):
    r = client.get(endpoint, params={"query": HELD_IN, "format": "csv"},
                   headers={"Accept": "application/sparql-results+xml"})
    assert (r.headers["content-type"], r.content) == (
        "text/csv; charset=utf-8", b"place\r\nhttps://w3id.org/kg/id/istanbul\r\n")


def test_ask(client, endpoint):
    r = client.get(endpoint, params={"query": "ASK { kgr:russia a kg:State }"})
    assert (r.status_code, r.content) == (200, b'{"head":{},"boolean":true}')


@pytest.mark.parametrize("accept,media,fmt", [
    ("application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("text/turtle", "text/turtle; charset=utf-8", ox.RdfFormat.TURTLE),
    ("application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
    ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
    (None, "text/turtle; charset=utf-8", ox.RdfFormat.TURTLE),
])
def test_construct_in_rdf_formats(client, endpoint, accept, media, fmt):
    headers = {"Accept": accept} if accept else {}
    r = client.post(endpoint, data={"query": CONSTRUCT}, headers=headers)
    assert (r.status_code, r.headers["content-type"]) == (200, media)
    triples = {str(q.triple) + " .\n" for q in ox.parse(r.content, format=fmt)}
    assert triples == {TRIPLE_NT}


def test_describe(client, endpoint):
    r = client.get(endpoint, params={"query": "DESCRIBE kgr:istanbul"},
                   headers={"Accept": "application/n-triples"})
    assert r.status_code == 200
    assert ('<https://w3id.org/kg/id/istanbul> <http://www.w3.org/2000/01/rdf-schema#label> '
            '"Istanbul"') in r.text


def test_dataset_from_the_protocol(client, endpoint):
    """default-graph-uri picks graphs of the build (as `kg query --endpoint` sends them)."""
    q = "ASK { kgr:istanbul-talks-2025 kg:heldIn kgr:istanbul }"
    asserted = client.get(endpoint, params={
        "query": q, "default-graph-uri": "https://w3id.org/kg/graph/asserted"})
    ontology = client.get(endpoint, params={
        "query": q, "default-graph-uri": "https://w3id.org/kg/graph/ontology"})
    assert json.loads(asserted.content)["boolean"] is True
    assert json.loads(ontology.content)["boolean"] is False


@pytest.mark.parametrize("params,message", [
    ({"query": "INSERT DATA { kgr:a kgr:b kgr:c }"},
     "Error: query: SPARQL Update is refused (INSERT): queries are read-only\n"),
    ({"query": "DROP ALL"}, "Error: query: SPARQL Update is refused (DROP): queries are "
                            "read-only\n"),
    ({"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"},
     "Error: query: SERVICE <http://example.org/sparql> is refused: a federated query would "
     "open a network connection\n"),
    ({"query": "SELECT * FROM <http://example.org/data.ttl> WHERE { ?s ?p ?o }"},
     "Error: query: FROM <http://example.org/data.ttl> is refused: it is not a graph of the "
     "build\n"),
    ({"query": "ASK {}", "default-graph-uri": "file:///etc/passwd"},
     "Error: query: default-graph-uri <file:///etc/passwd> is refused: it is not a graph of "
     "the build\n"),
    ({"update": "CLEAR ALL"}, "Error: SPARQL Update is refused: this endpoint is read-only\n"),
    ({"format": "json"}, "Error: no query given\n"),
    ({"query": "SELECT ?x WHERE { ?x }"}, "Error: query: SPARQL syntax error at line 1"),
])
def test_refused_and_malformed_queries_are_400_with_one_message(client, endpoint, params,
                                                                message):
    for r in (client.get(endpoint, params=params), client.post(endpoint, data=params)):
        assert (r.status_code, r.headers["content-type"]) == (400, "text/plain; charset=utf-8")
        assert r.text.startswith(message), r.text
        assert "Traceback" not in r.text


def test_update_and_odd_bodies_by_post(client, endpoint):
    r = client.post(endpoint, content=b"CLEAR ALL",
                    headers={"Content-Type": "application/sparql-update"})
    assert r.status_code == 400 and "read-only" in r.text
    r = client.post(endpoint, content=b"<q/>", headers={"Content-Type": "application/xml"})
    assert (r.status_code, r.text.splitlines()[0]) == (
        415, "Error: cannot read a POST body of type application/xml")
    r = client.get(endpoint, params={"query": HELD_IN}, headers={"Accept": "image/png"})
    assert r.status_code == 406
    r = client.post(endpoint, content=b"ASK {} #" + b"x" * (1 << 20),
                    headers={"Content-Type": "application/sparql-query"})
    assert (r.status_code, r.text) == (400, "Error: the request body is over 1048576 bytes\n")
    r = client.post(endpoint, content=b"ASK { \xff }",
                    headers={"Content-Type": "application/sparql-query"})
    assert (r.status_code, r.text) == (400, "Error: the query is not UTF-8\n")
    r = client.post(endpoint, content=b"query=ASK%7B%7D%FF",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (r.status_code, r.text) == (400, "Error: the form is not UTF-8\n")
    r = client.get(endpoint + "?query=ASK%7B%7D%FF")
    assert (r.status_code, r.text) == (400, "Error: the URL's parameters are not UTF-8\n")


def test_a_browser_opening_a_query_link_gets_the_page(client, endpoint):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = client.get(endpoint, params={"query": HELD_IN}, headers={"Accept": browser})
    assert (r.status_code, r.headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert '<tr><td><a href="/entity/istanbul">Istanbul</a></td></tr>' in r.text
    # a format parameter still wins
    r = client.get(endpoint, params={"query": HELD_IN, "format": "json"},
                   headers={"Accept": browser})
    assert json.loads(r.content) == HELD_IN_JSON


def test_html_form_and_results_page(client, endpoint):
    form = client.get(endpoint)
    assert form.status_code == 200 and '<form class="sparql" action="/sparql"' in form.text
    r = client.get(endpoint, params={"query": HELD_IN, "format": "html"})
    assert r.status_code == 200
    assert '<tr><td><a href="/entity/istanbul">Istanbul</a></td></tr>' in r.text
    refused = client.get(endpoint, params={"query": "DROP ALL", "format": "html"})
    assert (refused.status_code, refused.headers["content-type"]) == (
        400, "text/html; charset=utf-8")
    assert ("<pre>Error: query: SPARQL Update is refused (DROP): queries are read-only</pre>"
            in refused.text)
    assert '<textarea name="query" rows="8" cols="90" spellcheck="false">DROP ALL' \
        in refused.text


# --------------------------------------------------------------------------- the deadline

def test_runaway_query_does_not_block_others_and_stops_at_its_deadline(built_store):
    # The first runaway query has the server's deadline (10 minutes), so it is surely
    # still running while the others are answered; the server's stop ends it. The
    # second asks for a 1-second deadline, and must be stopped there.
    app = create_app(built_store, timeout=600)
    with running(app) as url, httpx.Client(base_url=url, timeout=60) as c:
        slow: list[object] = []

        def runaway() -> None:
            with httpx.Client(base_url=url, timeout=60) as own:
                try:
                    slow.append(own.get("/sparql", params={"query": RUNAWAY}))
                except httpx.HTTPError as e:  # the server stopped under it
                    slow.append(e)
        thread = threading.Thread(target=runaway)
        thread.start()
        for _ in range(6000):  # until its query runs (a minute at most)
            if app.state.site.waiting:
                break
            time.sleep(0.01)
        quick = c.get("/sparql", params={"query": HELD_IN})
        page = c.get("/query/talks")
        still_running = thread.is_alive() and not slow
        stopped = c.get("/sparql", params={"query": RUNAWAY, "timeout": "1"})
        again = c.get("/sparql", params={"query": HELD_IN})
    thread.join(60)
    assert quick.status_code == 200 and json.loads(quick.content) == HELD_IN_JSON
    assert page.status_code == 200
    assert still_running
    assert (stopped.status_code, stopped.text) == (
        503, "Error: query: the query ran longer than 1 s and was stopped\n"
             "Hint: narrow it (a LIMIT, a more specific pattern) or raise --timeout\n")
    assert again.status_code == 200  # the server is still usable
    # the server's stop ended the first one, and said so
    assert not thread.is_alive() and len(slow) == 1
    assert (slow[0].status_code, slow[0].text) == (
        503, "Error: query: the server is stopping and stopped the query\n"
             "Hint: send it again once the server is back\n")


# --------------------------------------------------------------------------- round trips

def test_sparqlwrapper_round_trip(endpoint, built_store):
    from SPARQLWrapper import JSON, SPARQLWrapper

    from kg import api

    text = ("SELECT ?talks ?place ?participant WHERE { ?talks a kg:Negotiation ; "
            "kg:heldIn ?place ; kg:participant ?participant } ORDER BY ?participant")
    client = SPARQLWrapper(endpoint)
    client.setQuery(text)
    client.setReturnFormat(JSON)
    got = client.query().convert()
    local, _ = api.sparql_result(text, store_dir=built_store)
    assert got["head"]["vars"] == local.variables
    assert [[b[v]["value"] for v in local.variables] for b in got["results"]["bindings"]] == \
        [[t.value for t in row] for row in local.rows]
    assert len(local.rows) == 2

    client.setQuery("ASK { kgr:russia a kg:State }")
    assert client.query().convert()["boolean"] is True

    client.setQuery(CONSTRUCT)
    client.setReturnFormat("xml")  # SPARQLWrapper parses RDF/XML into an rdflib Graph
    graph = client.query().convert()
    assert {tuple(str(x) for x in t) for t in graph} == {(
        "https://w3id.org/kg/id/istanbul-talks-2025", "https://w3id.org/kg/ontology#heldIn",
        "https://w3id.org/kg/id/istanbul")}


@pytest.mark.parametrize("args", [
    ["talks"],
    ["positions-of-actor", "-p", "actor", "Ukraine"],
    ["claims-by-speaker"],
])
def test_kg_query_endpoint_round_trip(kg, endpoint, built_store, args):
    remote = kg("query", *args, "--endpoint", endpoint, "--format", "csv")
    local = kg("query", *args, "--store", str(built_store), "--format", "csv")
    assert remote.exit_code == 0, remote.output
    assert local.exit_code == 0
    assert remote.output == local.output
    assert len(local.output.splitlines()) > 2


def test_kg_sparql_endpoint_construct_round_trip(kg, endpoint, built_store):
    args = ["sparql", CONSTRUCT, "--format", "ntriples"]
    remote = kg(*args, "--endpoint", endpoint)
    local = kg(*args, "--store", str(built_store))
    assert remote.exit_code == 0, remote.output
    assert remote.output == local.output
    assert TRIPLE_NT in local.output


def test_no_cross_origin_reads_unless_allowed(client, endpoint, built_store):
    origin = {"Origin": "http://yasgui.example"}
    r = client.get(endpoint, params={"query": HELD_IN}, headers=origin)
    assert "access-control-allow-origin" not in r.headers
    with running(create_app(built_store, cors_origins=("http://yasgui.example",))) as url:
        allowed = client.get(url + "/sparql", params={"query": HELD_IN}, headers=origin)
        assert allowed.headers["access-control-allow-origin"] == "http://yasgui.example"
        assert json.loads(allowed.content) == HELD_IN_JSON
        preflight = client.options(url + "/sparql", headers={
            **origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        assert preflight.status_code == 200
        other = client.get(url + "/sparql", params={"query": HELD_IN},
                           headers={"Origin": "http://elsewhere.example"})
        assert "access-control-allow-origin" not in other.headers
