"""kg push: a push that fails at any point leaves the target graph either exactly as it
was or exactly replaced, and says which; a push that succeeds reports the server's count."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from oxigraph_server import FailingProxy, OxigraphServer, free_port

from kg import api
from kg import namespaces as ns
from kg.errors import EndpointError, UsageError
from kg.interop.endpoint import (
    DEFAULT_MAX_BODY,
    Endpoints,
    chunks,
    push,
    push_targets,
    run_query,
    units,
)
from kg.interop.remote import upload
from kg.store.disk import open_store

TARGET = "https://example.org/graph/kg"


def content(url: str, graph: str) -> ox.Dataset:
    """The triples of ``graph`` on the server, canonicalised for comparison."""
    r = run_query(url, "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <%s> { ?s ?p ?o } }" % graph,
                  accept_graph=True)
    d = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
                   for t in r.triples)
    d.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return d


def expected(built_store, graphs) -> ox.Dataset:
    store = open_store(built_store).oxigraph
    d = ox.Dataset(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
                   for g in graphs for q in store.quads_for_pattern(
                       None, None, None, ox.NamedNode(ns.graph_iri(g))))
    d.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return d


def upload_graphs(url: str) -> set[str]:
    r = run_query(url, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    return {row[0].value for row in r.rows if "-upload-" in row[0].value}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with OxigraphServer(tmp_path_factory.mktemp("oxigraph-push") / "db") as srv:
        yield srv


OLD = ["background"]            # 22 triples
NEW = ["background", "ontology"]  # with the ontology's blank nodes


def test_replaces_rather_than_piles_on(server, built_store):
    for _ in range(2):
        report = api.push(built_store, server.query_url, graphs=NEW, graph_iri=TARGET)
        assert report.held == {TARGET: report.triples}
    assert content(server.query_url, TARGET) == expected(built_store, NEW)
    report = api.push(built_store, server.query_url, graphs=OLD, graph_iri=TARGET)
    assert content(server.query_url, TARGET) == expected(built_store, OLD)
    assert not upload_graphs(server.query_url)


def test_small_bodies_keep_blank_nodes_whole(server, built_store):
    """Many small requests; a blank node never straddles two of them."""
    report = api.push(built_store, server.query_url, graphs=NEW, graph_iri=TARGET,
                      max_body=4096, method="update")
    assert report.requests > 20
    assert content(server.query_url, TARGET) == expected(built_store, NEW)


def test_chunks_respect_the_body_limit(built_store):
    store = open_store(built_store).oxigraph
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in store]
    pieces = units(triples)
    bodies = chunks(pieces, 20_000)
    assert all(len(b) <= 20_000 for b in bodies)
    assert b"".join(sorted(bodies)) and sum(len(b) for b in bodies) == sum(map(len, pieces))
    # each blank node's triples in exactly one body
    for label in {t.subject.value for t in triples if isinstance(t.subject, ox.BlankNode)}:
        mark = f"_:{label} ".encode()
        assert sum(1 for b in bodies if mark in b) == 1
    with pytest.raises(UsageError, match="more than --max-body allows"):
        chunks(pieces, 1000)


@pytest.mark.parametrize("graph_iri", [None, TARGET])
@pytest.mark.parametrize("graphs", [NEW, list(ns.GRAPH_NAMES)])
def test_walking_the_store_sends_what_the_quads_in_memory_did(built_store, graphs, graph_iri):
    """``kg push`` walks the store graph by graph (twice) instead of loading its quads:
    the same request bodies, in the same order, and the same counts."""
    store = open_store(built_store).oxigraph
    iris = [ns.graph_iri(g) for g in graphs]
    quads = [q for g in iris for q in store.quads_for_pattern(None, None, None, ox.NamedNode(g))]
    walked, held = {}, {}
    assert list(upload.bodies(upload.store_targets(store, iris, graph_iri), 20_000,
                              counts=walked)) == \
        list(upload.bodies(upload.quad_targets(quads, graph_iri, iris), 20_000, counts=held))
    assert walked == held and sum(walked.values()) == len(set(
        (q.subject, q.predicate, q.object) if graph_iri else q for q in quads))


def test_a_triple_in_two_graphs_goes_once_into_one():
    """Into one graph (--graph-iri), a triple of two graphs is sent once; the store is
    asked whether an earlier graph holds it, nothing is remembered."""
    a, b = (f"https://example.org/graph/{x}" for x in "ab")
    s, p = ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p")
    store = ox.Store()
    store.extend([ox.Quad(s, p, ox.Literal("both"), ox.NamedNode(a)),
                  ox.Quad(s, p, ox.Literal("both"), ox.NamedNode(b)),
                  ox.Quad(s, p, ox.Literal("b only"), ox.NamedNode(b))])
    counts = {}
    sent = list(upload.bodies(upload.store_targets(store, [a, b], TARGET), 1000, counts=counts))
    assert sent == [(TARGET, b'<https://example.org/s> <https://example.org/p> "both" .\n'
                             b'<https://example.org/s> <https://example.org/p> "b only" .\n')]
    assert counts == {TARGET: 2}
    apart = upload.store_targets(store, [a, b, "https://example.org/graph/empty"])
    assert [(t.iri, len(list(t.triples()))) for t in apart] == \
        [(a, 1), (b, 2), ("https://example.org/graph/empty", 0)]


def test_bodies_are_sent_while_the_graph_is_walked(server, built_store):
    """Nothing is gathered first: the graph is walked once to count, and then each body
    goes out as soon as it is made (requests are made before the second walk ends)."""
    store = open_store(built_store).oxigraph
    graph = ns.graph_iri("asserted")
    walks: list[list[int]] = []  # per walk: the requests sent when each triple was given
    sent = [0]

    def walk():
        walks.append([])
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
            walks[-1].append(sent[0])
            yield ox.Triple(q.subject, q.predicate, q.object)

    def progress(done, total):
        sent[0] = done

    report = push_targets([upload.Target(TARGET, walk)], Endpoints(
        server.query_url, server.base + "/update", server.base + "/store"),
        max_body=4096, progress=progress)
    uploads = report.requests - 3  # less the two counts and the replacement
    assert len(walks) == 2 and len(walks[0]) == len(walks[1]) == report.triples
    assert walks[0][-1] == 0  # the counting walk sends nothing
    # the last triple goes into the last body: every other body has gone by then
    assert walks[1][0] == 0 and walks[1][-1] == uploads - 1 > 5
    assert report.held == {TARGET: report.triples}


def test_server_killed_midway(tmp_path, built_store):
    """The server dies after the third upload request: the target is as it was."""
    with OxigraphServer(tmp_path / "db") as srv:
        api.push(built_store, srv.query_url, graphs=OLD, graph_iri=TARGET)

        def kill_after_third(done, total):
            assert total > 5
            if done == 3:
                srv.kill()

        with pytest.raises(EndpointError) as e:
            api.push(built_store, srv.query_url, graphs=NEW, graph_iri=TARGET,
                     max_body=8192, progress=kill_after_third)
        host = srv.query_url.split("/")[2]
        assert e.value.message.startswith(
            "push failed: upload 4/")
        assert f"cannot connect to {host}: connection refused; <{TARGET}> left as it was" \
            in e.value.message
        assert "the temporary graph(s) could not be dropped" in e.value.message
        srv.start()
        assert content(srv.query_url, TARGET) == expected(built_store, OLD)
        leftover = upload_graphs(srv.query_url)
        assert len(leftover) == 1 and leftover.pop().startswith(TARGET + "-upload-")
        report = api.push(built_store, srv.query_url, graphs=NEW, graph_iri=TARGET)
        assert report.held == {TARGET: report.triples}
        assert content(srv.query_url, TARGET) == expected(built_store, NEW)


@pytest.mark.parametrize("mode", ["status", "hang-up", "forward-then-status",
                                  "forward-then-hang-up"])
def test_a_failure_at_every_request(mode, server, built_store):
    """Fail request n (an upload, the staging count, the replacement, the final count),
    for every n: the push reports failure and the target is exactly old or exactly new."""
    old, new = expected(built_store, OLD), expected(built_store, NEW)
    kw = dict(graphs=NEW, graph_iri=TARGET, max_body=40_000, timeout=10)
    with FailingProxy(server.base) as proxy:
        report = api.push(built_store, proxy.base + "/query", **kw)
    total = proxy.count
    assert total == report.requests >= 5
    outcomes = set()
    for n in range(1, total + 1):
        api.push(built_store, server.query_url, graphs=OLD, graph_iri=TARGET)
        with FailingProxy(server.base, fail_at=n, mode=mode) as proxy, \
                pytest.raises(EndpointError) as e:
            api.push(built_store, proxy.base + "/query", **kw)
        message = e.value.message
        assert message.startswith("push"), message
        assert "\n" not in message
        now = content(server.query_url, TARGET)
        assert now in (old, new), (n, message)
        if now == old:
            assert "left as it was" in message or "either its old or its new" in message
            outcomes.add("old")
        else:
            assert n >= total - 1, (n, message)
            outcomes.add("new")
        assert not upload_graphs(server.query_url), (n, message)
    assert "old" in outcomes


def test_a_graph_without_blank_nodes_is_read_from_oxigraphs_dump(built_store):
    """Each graph without blank nodes is walked as the N-Triples lines of one Oxigraph
    dump: the very lines a walk over its quads makes, in the same order, on every walk;
    a graph with blank nodes (the ontology's) is walked as triples."""
    store = open_store(built_store).oxigraph
    targets = upload.store_targets(store, [ns.graph_iri(n) for n in ns.GRAPH_NAMES])
    assert {t.iri for t in targets if t.spool is None} == {ns.graph_iri("ontology")}
    for t in targets:
        if t.spool is not None:
            walked = [f"{triple} .\n".encode() for triple in t.triples()]
            assert walked and list(t.spool.lines()) == walked == list(t.spool.lines())
            longest = max(map(len, walked))
            for budget in (longest, longest + 1000, max(longest, 20_000)):
                blocks = list(t.spool.blocks(budget))
                assert blocks == list(upload.pack(walked, budget)) == \
                    list(t.spool.blocks(budget))
    spool = next(t.spool for t in targets if t.spool is not None)
    longest = max(map(len, spool.lines()))
    with pytest.raises(UsageError, match=f"one triple .* takes {longest} bytes, more than "):
        list(spool.blocks(longest - 1))


def test_blank_nodes_are_told_from_literals_that_look_like_them():
    """A graph is read from its dump unless a line holds a blank node, as subject or
    object; a literal that looks like one (``"... _:b ."``) is no blank node."""
    s, p = ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p")
    graphs = {name: ox.NamedNode(f"https://example.org/graph/{name}")
              for name in ("literal", "subject", "object")}
    store = ox.Store()
    store.extend([ox.Quad(s, p, ox.Literal("x _:b ."), graphs["literal"]),
                  ox.Quad(s, p, ox.Literal("_:b"), graphs["literal"]),
                  ox.Quad(ox.BlankNode("b"), p, ox.Literal("x"), graphs["subject"]),
                  ox.Quad(s, p, ox.BlankNode("b"), graphs["object"])])
    targets = upload.store_targets(store, [g.value for g in graphs.values()])
    assert [(t.iri.rsplit("/", 1)[1], t.spool is not None) for t in targets] == \
        [("literal", True), ("subject", False), ("object", False)]


def test_a_dump_that_cannot_be_written_is_one_error_before_anything_is_sent(
        kg, built_store, tmp_path, monkeypatch):
    import tempfile

    url = f"http://127.0.0.1:{free_port()}/query"  # nothing listens: nothing may be sent
    missing = tmp_path / "missing"
    monkeypatch.setattr(tempfile, "tempdir", str(missing))
    r = kg("push", "--endpoint", url, "--store", str(built_store))
    assert r.exit_code == 1
    assert r.stderr.splitlines() == [
        f"Error: push: cannot write the triples of <{ns.graph_iri('ontology')}> to a "
        f"temporary file in {missing}: No such file or directory; nothing was sent",
        "Hint: free some space there, or set TMPDIR to another directory"]


def test_no_atomic_drops_and_uploads_into_the_targets(server, built_store):
    """--no-atomic: one update drops the targets, the bodies go straight into them, one
    count; no temporary graph is made."""
    api.push(built_store, server.query_url, graphs=NEW, graph_iri=TARGET)
    with FailingProxy(server.base) as proxy:
        report = api.push(built_store, proxy.base + "/query", graphs=OLD, graph_iri=TARGET,
                          atomic=False, max_body=1024)
    assert report.held == {TARGET: report.triples} == {TARGET: len(expected(built_store, OLD))}
    assert proxy.count == report.requests > 3  # the drop, the uploads, the count
    assert content(server.query_url, TARGET) == expected(built_store, OLD)
    assert not upload_graphs(server.query_url)
    report = api.push(built_store, server.query_url, atomic=False)
    assert report.held == report.sent and set(report.sent) == {
        ns.graph_iri(n) for n in ns.GRAPH_NAMES}
    assert not upload_graphs(server.query_url)


@pytest.mark.parametrize("mode", ["status", "hang-up", "forward-then-status",
                                  "forward-then-hang-up"])
def test_no_atomic_says_what_a_failure_left(mode, server, built_store):
    """Fail request n of a --no-atomic push (the drop, an upload, the count), for every
    n: the message says what the target holds, and it does."""
    old, new = expected(built_store, OLD), expected(built_store, NEW)
    kw = dict(graphs=NEW, graph_iri=TARGET, max_body=40_000, timeout=10, atomic=False)
    with FailingProxy(server.base) as proxy:
        api.push(built_store, proxy.base + "/query", **kw)
    total = proxy.count
    assert total >= 4
    forwarded = mode.startswith("forward")
    for n in range(1, total + 1):
        api.push(built_store, server.query_url, graphs=OLD, graph_iri=TARGET)
        with FailingProxy(server.base, fail_at=n, mode=mode) as proxy, \
                pytest.raises(EndpointError) as e:
            api.push(built_store, proxy.base + "/query", **kw)
        message, now = e.value.message, content(server.query_url, TARGET)
        assert "\n" not in message
        if n == 1:
            assert message.startswith("push failed: drop: "), message
            assert message.endswith(f"<{TARGET}> either as it was or emptied (one update "
                                    "request)"), message
            assert now == (ox.Dataset() if forwarded else old)
        elif n < total:
            assert message.startswith(f"push failed: upload {n - 1}/{total - 2}: "), message
            assert message.endswith(f"<{TARGET}> may be incomplete (--no-atomic dropped it "
                                    "before the upload)"), message
            if forwarded and n == total - 1:  # the last body did arrive
                assert now == new
            else:
                assert len(now) < len(new) and all(q in new for q in now)
        else:
            assert message.startswith("push: the graph was replaced, but counting it "
                                      "failed: "), message
            assert now == new
        assert not upload_graphs(server.query_url), (n, message)


def test_push_uses_update_when_no_gsp(server, built_store):
    store = open_store(built_store).oxigraph
    quads = list(store.quads_for_pattern(None, None, None, ox.NamedNode(ns.graph_iri("ontology"))))
    endpoints = Endpoints(server.query_url, server.base + "/update")
    report = push(quads, endpoints, graph_iri=TARGET)
    assert report.method == "update" and report.held == {TARGET: len(quads)}
    with pytest.raises(UsageError, match="no Graph Store Protocol endpoint"):
        push(quads, endpoints, graph_iri=TARGET, method="gsp")


def test_default_body_limit_is_a_few_megabytes():
    assert 1_000_000 <= DEFAULT_MAX_BODY <= 10_000_000


# ---------------------------------------------------------------------------
# the command line


def test_cli_push_reports_the_count(kg, server, built_store):
    r = kg("push", "--endpoint", server.query_url, "--store", str(built_store))
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    for name, line in zip(ns.GRAPH_NAMES, lines, strict=False):
        assert re.fullmatch(rf"{ns.graph_iri(name)}: (\d+) triples on the server \(\1 sent\)",
                            line), line
    assert re.fullmatch(r"Pushed \d+ triples to .* in \d+ requests \(gsp\), [\d.]+ s\.",
                        lines[-1])


def test_cli_push_no_atomic(kg, server, built_store):
    r = kg("push", "--endpoint", server.query_url, "--store", str(built_store), "--no-atomic",
           "--graph", "background")
    assert r.exit_code == 0, r.output
    n = len(expected(built_store, ["background"]))
    assert r.stdout.splitlines()[0] == \
        f"{ns.graph_iri('background')}: {n} triples on the server ({n} sent)"
    assert re.fullmatch(rf"Pushed {n} triples to .* in 3 requests \(gsp\), [\d.]+ s\.",
                        r.stdout.splitlines()[-1])


def test_cli_push_failure_is_one_line(kg, built_store):
    url = f"http://127.0.0.1:{free_port()}/query"
    r = kg("push", "--endpoint", url, "--store", str(built_store))
    assert r.exit_code == 1
    host = url.split("/")[2]
    first = r.stderr.splitlines()[0]
    # The first upload never reached a server: no temporary graph exists, none is named.
    assert first == (
        f"Error: push failed: upload 1/5: cannot connect to {host}: connection refused; "
        + ", ".join(f"<{ns.graph_iri(n)}>" for n in ns.GRAPH_NAMES)
        + " left as it was"), first
    assert r.stderr.splitlines()[1:] == ["Hint: is the server running, and is the URL right?"]


def test_cli_has_no_secret_options(kg):
    r = kg("push", "--help")
    assert r.exit_code == 0
    assert "KG_ENDPOINT_USER" in r.stdout and "--password" not in r.stdout
    assert "--token" not in r.stdout
