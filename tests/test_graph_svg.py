"""`kg graph ENTITY`: the picture around an entity, as standalone SVG, on the seed.

The node and edge sets are exact; after a deliberate change of the seed's
annotations, update them here (``kg graph ENTITY`` and read the SVG's
``data-`` attributes).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from kg import namespaces as ns
from kg.insight.graphpic import Edge, Node, neighbourhood, to_svg, wrap

SVG = "{http://www.w3.org/2000/svg}"


def graph(kg, store, *args):
    return kg("graph", *args, "--store", str(store))


def parsed(svg: str):
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.tag == SVG + "svg"
    nodes = {(g.get("data-iri"), g.get("class").split()[1])
             for g in root.iter(SVG + "g") if (g.get("class") or "").startswith("node ")}
    edges = set()
    for g in root.iter(SVG + "g"):
        cls = (g.get("class") or "").split()
        if cls[:1] == ["edge"]:
            [line] = g.findall(SVG + "line")
            assert (line.get("stroke-dasharray") is not None) == (cls[1] == "claimed")
            edges.add((g.get("data-source"), g.get("data-relation"), g.get("data-target"),
                       cls[1]))
    return root, nodes, edges


def r(name: str) -> str:
    return ns.resource_iri(name)


def test_the_ceasefire_picture_on_the_seed(kg, built_store):
    result = graph(kg, built_store, "kgr:ceasefire-30-day")
    assert result.exit_code == 0, result.stderr
    root, nodes, edges = parsed(result.stdout)
    assert {(r("ceasefire-30-day"), "proposal"), (r("ukraine"), "actor"),
            (r("western-allies"), "actor"), (r("pos-ukraine-proposes-ceasefire"), "position"),
            (r("pos-western-allies-propose-ceasefire"), "position")} <= nodes
    asserted = {e[:3] for e in edges if e[3] == "asserted"}
    assert asserted == {
        (r("ukraine"), "holds", r("pos-ukraine-proposes-ceasefire")),
        (r("pos-ukraine-proposes-ceasefire"), "proposes", r("ceasefire-30-day")),
        (r("western-allies"), "holds", r("pos-western-allies-propose-ceasefire")),
        (r("pos-western-allies-propose-ceasefire"), "proposes", r("ceasefire-30-day"))}
    # the US proposal and Russia's rejection are only Dymov's words: dashed, attributed
    claimed = {e[:3] for e in edges if e[3] == "claimed"}
    assert {(r("russia"), "rejects", r("ceasefire-30-day")),
            (r("united-states"), "proposes", r("ceasefire-30-day"))} <= claimed
    texts = ["".join(t.itertext()) for t in root.iter(SVG + "text")]
    assert "rejects (according to Valeriy Dymov)" in texts
    assert "Legend" in texts and "only claimed (according to someone)" in texts


def _picture_store():
    """A proposal with a stated position, a claimed stance and a reported demand."""
    import pyoxigraph as ox

    store = ox.Store()
    g = ox.NamedNode(ns.graph_iri("asserted"))
    kg_ = ns.PREFIXES["kg"]

    def k(x):
        return ox.NamedNode(kg_ + x)

    def n(x):
        return ox.NamedNode(r(x))

    a, label = ox.NamedNode(ns.RDF + "type"), ox.NamedNode(ns.RDFS + "label")
    triples = [(n(x), label, ox.Literal(y)) for x, y in [
        ("plan", "the plan"), ("ua", "Ukraine"), ("ru", "Russia"), ("eu", "European leaders"),
        ("putin", "Putin"), ("analyst", "an analyst"), ("pos", "Ukraine proposes the plan")]]
    triples += [
        (n("plan"), a, k("Proposal")), (n("ua"), a, k("Actor")), (n("ru"), a, k("Actor")),
        (n("eu"), a, k("Actor")), (n("putin"), a, k("Actor")),
        (n("pos"), a, k("Position")), (n("pos"), k("holder"), n("ua")),
        (n("pos"), k("stance"), ox.NamedNode(ns.PREFIXES["kgc"] + "proposes")),
        (n("pos"), k("target"), n("plan")), (n("ua"), k("proposes"), n("plan")),
        # the analyst claims Russia rejects the plan
        (n("c1"), a, k("Claim")), (n("c1"), k("claimant"), n("analyst")),
        (n("c1"), k("proposition"), n("c1-p1")), (n("c1-p1"), a, k("Proposition")),
        (n("c1-p1"), ox.NamedNode(ns.RDF + "subject"), n("ru")),
        (n("c1-p1"), ox.NamedNode(ns.RDF + "predicate"), k("rejects")),
        (n("c1-p1"), ox.NamedNode(ns.RDF + "object"), n("plan")),
        # the analyst says European leaders demanded that Putin accept it
        (n("c2"), a, k("Claim")), (n("c2"), k("claimant"), n("analyst")),
        (n("c2"), k("reports"), n("rc")), (n("rc"), a, k("Claim")),
        (n("rc"), k("reportedSpeaker"), n("eu")),
        (n("rc"), k("speechAct"), ox.NamedNode(ns.PREFIXES["kgc"] + "demands")),
        (ox.NamedNode(ns.PREFIXES["kgc"] + "demands"), label, ox.Literal("demands")),
        (n("rc"), k("proposition"), n("rc-p1")), (n("rc-p1"), a, k("Proposition")),
        (n("rc-p1"), ox.NamedNode(ns.RDF + "subject"), n("putin")),
        (n("rc-p1"), ox.NamedNode(ns.RDF + "predicate"), k("accepts")),
        (n("rc-p1"), ox.NamedNode(ns.RDF + "object"), n("plan"))]
    store.extend([ox.Quad(*t, g) for t in triples])
    return store


def test_the_picture_of_a_proposal_exactly():
    nodes, edges = neighbourhood(_picture_store(), r("plan"))
    assert [(n.iri, n.kind, n.ring) for n in nodes] == [
        (r("plan"), "proposal", 0), (r("putin"), "actor", 1), (r("ru"), "actor", 1),
        (r("ua"), "actor", 1), (r("pos"), "position", 1)]
    assert {(e.source, e.relation, e.target, e.according_to, e.reported_as) for e in edges} == {
        (r("ua"), "holds", r("pos"), (), ""),
        (r("pos"), "proposes", r("plan"), (), ""),  # the shortcut ua proposes plan: not drawn
        (r("ru"), "rejects", r("plan"), ("an analyst",), ""),
        (r("putin"), "accepts", r("plan"), ("an analyst",), "European leaders demands")}
    _, found_nodes, found_edges = parsed(to_svg(nodes, edges))
    assert found_edges == {(r("ua"), "holds", r("pos"), "asserted"),
                           (r("pos"), "proposes", r("plan"), "asserted"),
                           (r("ru"), "rejects", r("plan"), "claimed"),
                           (r("putin"), "accepts", r("plan"), "claimed")}
    assert "accepts (European leaders demands, according to an analyst)" in to_svg(nodes, edges)


def test_the_turkiye_picture_exactly(kg, built_store):
    _, nodes, edges = parsed(graph(kg, built_store, "TÜRKIYE").stdout)
    assert nodes == {(r("turkiye"), "actor"), (r("istanbul-talks-2025"), "event"),
                     (r("turkiye-mediation-2025"), "event"), (r("russia"), "actor"),
                     (r("ukraine"), "actor")}
    assert edges == {
        (r("turkiye"), "mediates", r("istanbul-talks-2025"), "asserted"),
        (r("turkiye"), "participates in", r("turkiye-mediation-2025"), "asserted"),
        (r("russia"), "participates in", r("istanbul-talks-2025"), "asserted"),
        (r("ukraine"), "participates in", r("istanbul-talks-2025"), "asserted")}


def test_same_bytes_every_time_and_o_writes_the_same(kg, built_store, tmp_path):
    first = graph(kg, built_store, "Russia").stdout
    assert graph(kg, built_store, "kgr:russia").stdout == first
    out = tmp_path / "russia.svg"
    result = graph(kg, built_store, "Russia", "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert out.read_text(encoding="utf-8") == first
    assert [p.name for p in tmp_path.iterdir()] == ["russia.svg"]


def test_only_svg_files(kg, built_store, tmp_path):
    result = graph(kg, built_store, "Russia", "-o", str(tmp_path / "russia.png"))
    assert result.exit_code == 2
    assert result.stderr == ("Error: 'russia.png' is not an .svg file\n"
                             "Hint: kg graph writes SVG: give -o FILE.svg, or no -o for stdout\n")
    assert list(tmp_path.iterdir()) == []


def test_unknown_entity(kg, built_store):
    result = graph(kg, built_store, "Turkey")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no entity matches 'Turkey'\nHint: did you mean: "
                                    "Türkiye (kgr:turkiye); ")


def test_library_api(built_store):
    from kg.store.disk import open_store

    store = open_store(built_store).oxigraph
    nodes, edges = neighbourhood(store, r("turkiye"))
    assert nodes[0] == Node(r("turkiye"), "Türkiye", "actor", 0)
    assert all(not e.claimed for e in edges)


def test_labels_are_escaped_and_wrapped():
    nodes = [Node("urn:a", 'A <b> & "c" ' + "x" * 60, "actor", 0),
             Node("urn:b", "B", "proposal", 1)]
    edges = [Edge("urn:a", "urn:b", "proposes", ("urn:c",), ("C & D",))]
    svg = to_svg(nodes, edges)
    root, found_nodes, found_edges = parsed(svg)
    assert found_nodes == {("urn:a", "actor"), ("urn:b", "proposal")}
    assert found_edges == {("urn:a", "proposes", "urn:b", "claimed")}
    titles = [t.text for t in root.iter(SVG + "title")]
    assert 'A <b> & "c" ' + "x" * 60 + " (urn:a)" in titles
    assert "proposes (according to C & D)" in ["".join(t.itertext())
                                               for t in root.iter(SVG + "text")]


@pytest.mark.parametrize(("text", "lines"), [
    ("Istanbul talks between Russia and Ukraine (2025)",
     ["Istanbul talks between", "Russia and Ukraine", "(2025)"]),
    ("short", ["short"]),
    ("a" * 30, ["a" * 22, "a" * 8]),
    ("one two three four five six seven eight nine ten eleven twelve thirteen",
     ["one two three four", "five six seven eight", "nine ten eleven…"]),
])
def test_wrap(text, lines):
    assert wrap(text) == lines


def test_empty_picture_is_valid_svg():
    root, nodes, edges = parsed(to_svg([], []))
    assert nodes == set() and edges == set()
