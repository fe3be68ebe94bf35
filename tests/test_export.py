"""kg export: every format round-trips through two parsers, bytes are deterministic,
the output is valid for strict parsers, and rdflib's known serializer traps stay shut."""

from __future__ import annotations

import json
import re

import pyoxigraph as ox
import pytest
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib.compare import isomorphic
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kg import namespaces as ns
from kg.api import export
from kg.errors import KgError
from kg.interop.export import FORMATS, QUAD_FORMATS, export_bytes, serialize_quads
from kg.store.disk import open_store

RDFLIB_FORMATS = {"turtle": "turtle", "ntriples": "nt", "nquads": "nquads", "trig": "trig",
                  "jsonld": "json-ld", "rdfxml": "xml"}
XSD_STRING = rdflib.URIRef(ns.XSD + "string")


# ---------------------------------------------------------------------------
# helpers


def _norm(term):
    """RDF 1.1: "x" and "x"^^xsd:string are one literal; rdflib keeps them apart."""
    if isinstance(term, rdflib.Literal) and term.datatype == XSD_STRING:
        return rdflib.Literal(str(term))
    return term


def _graph(triples) -> rdflib.Graph:
    g = rdflib.Graph()
    for s, p, o in triples:
        g.add((_norm(s), _norm(p), _norm(o)))
    return g


def rdflib_parse(data: bytes, fmt: str) -> dict[str | None, rdflib.Graph]:
    """Graph name (None: the default graph) -> graph, as rdflib reads ``data``."""
    if fmt in QUAD_FORMATS:
        ds = rdflib.Dataset()
        ds.parse(data=data, format=RDFLIB_FORMATS[fmt])
        out: dict[str | None, list] = {}
        for s, p, o, g in ds.quads((None, None, None, None)):
            name = None if g is None or g == DATASET_DEFAULT_GRAPH_ID else str(g)
            out.setdefault(name, []).append((s, p, o))
        return {k: _graph(v) for k, v in out.items()}
    return {None: _graph(rdflib.Graph().parse(data=data, format=RDFLIB_FORMATS[fmt]))}


def ox_dataset(quads) -> ox.Dataset:
    d = ox.Dataset(quads)
    d.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return d


def as_default_graph(quads) -> list[ox.Quad]:
    return [ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads]


@pytest.fixture(scope="session")
def store(built_store):
    return open_store(built_store).oxigraph


@pytest.fixture(scope="session")
def exports(built_store) -> dict[str, bytes]:
    return {fmt: export(built_store, fmt=fmt)[0] for fmt in FORMATS}


# ---------------------------------------------------------------------------
# round trips of the built graph, through pyoxigraph and through rdflib


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_round_trip_through_pyoxigraph(fmt, exports, store):
    parsed = list(ox.parse(exports[fmt], format=FORMATS[fmt]))
    built = list(store.quads_for_pattern(None, None, None, None))
    assert {q.graph_name.value for q in built} == {ns.graph_iri(n) for n in ns.GRAPH_NAMES}
    if fmt not in QUAD_FORMATS:
        parsed, built = as_default_graph(parsed), as_default_graph(built)
    assert len(parsed) == len(set(built))
    assert ox_dataset(parsed) == ox_dataset(built)


def _as_stored(graph: rdflib.Graph) -> rdflib.Graph:
    """The build's graph with literals as the store keeps them.

    Oxigraph stores numbers, booleans and dates by value and writes them back
    in XSD 1.1 canonical form ("-5.0"^^xsd:decimal comes back as "-5"), so
    the triples pass through an in-memory store, unserialised, first.
    """
    from kg.model.rdfterms import from_ox, to_ox

    mem = ox.Store()
    mem.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.DefaultGraph()) for s, p, o in graph)
    return _graph((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)) for q in mem)


@pytest.fixture(scope="session")
def reference(dataset) -> dict[str, rdflib.Graph]:
    """The build's own rdflib graphs (not anything Oxigraph serialised), as stored."""
    return {name: _as_stored(dataset.graph(name)) for name in ns.GRAPH_NAMES}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_round_trip_through_rdflib(fmt, exports, reference):
    parsed = rdflib_parse(exports[fmt], fmt)
    if fmt in QUAD_FORMATS:
        assert set(parsed) == {ns.graph_iri(n) for n in ns.GRAPH_NAMES}
        for name in ns.GRAPH_NAMES:
            assert isomorphic(parsed[ns.graph_iri(name)], reference[name]), name
    else:
        union = rdflib.Graph()
        for g in reference.values():
            union += g
        assert set(parsed) == {None}
        assert isomorphic(parsed[None], union)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_one_graph_exports_only_that_graph(fmt, store, reference):
    data = export_bytes(store, fmt, ["inferred"])
    parsed = rdflib_parse(data, fmt)
    key = ns.graph_iri("inferred") if fmt in QUAD_FORMATS else None
    assert set(parsed) == {key}
    assert isomorphic(parsed[key], reference["inferred"])


def test_the_store_keeps_every_lexical_form(dataset):
    for name in ns.GRAPH_NAMES:
        assert isomorphic(_graph(dataset.graph(name)), _as_stored(dataset.graph(name))), name


# ---------------------------------------------------------------------------
# determinism


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_the_same_build_gives_the_same_bytes(fmt, exports, built_store):
    assert export(built_store, fmt=fmt)[0] == exports[fmt]


def test_two_builds_of_the_same_inputs_give_the_same_bytes(exports, tmp_path):
    from conftest import SEEDS

    from kg.build import build

    other = tmp_path / ".kg"
    build(SEEDS, other, checks="none")
    for fmt in FORMATS:
        assert export(other, fmt=fmt)[0] == exports[fmt], fmt


def test_blank_nodes_get_canonical_labels(exports):
    labels = set(re.findall(rb"_:([A-Za-z0-9]+)", exports["nquads"]))
    assert labels, "the ontology has OWL restrictions and lists: some blank nodes"
    assert all(re.fullmatch(rb"c14n\d+", label) for label in labels)


# ---------------------------------------------------------------------------
# valid for strict parsers

IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|^`\\]*$")
LANGTAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
PN_PREFIX = re.compile(r"^[A-Za-z]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")


def test_strict_terms(exports):
    g = rdflib.Graph().parse(data=exports["ntriples"], format="nt")
    assert len(g) > 9000
    for s, p, o in g:
        assert not isinstance(s, rdflib.Literal)
        assert isinstance(p, rdflib.URIRef)
        for term in (s, p, o):
            if isinstance(term, rdflib.URIRef):
                assert IRI.match(term), term
        if isinstance(o, rdflib.Literal):
            assert not o.ill_typed, (s, p, o)
            if o.language:
                assert LANGTAG.match(o.language), o
            if o.datatype is not None:
                assert IRI.match(o.datatype)


@pytest.mark.parametrize("fmt", ["turtle", "trig"])
def test_prefixes_are_valid_turtle_prefixes(fmt, exports):
    """rdflib trap: prefixes that begin with a digit (invalid PN_PREFIX)."""
    declared = re.findall(rb"^@prefix ([^:]*):", exports[fmt], re.M)
    assert declared
    for prefix in declared:
        assert PN_PREFIX.match(prefix.decode()), prefix
    assert all(PN_PREFIX.match(p) for p in ns.PREFIXES)


def test_local_names_beginning_with_a_digit_read_back(exports):
    """kgd:000_99214e3abbb71cf3 is a local name that begins with digits."""
    g = rdflib_parse(exports["turtle"], "turtle")[None]
    doc = rdflib.URIRef(ns.KGD + "000_99214e3abbb71cf3")
    assert (doc, rdflib.RDF.type, None) in g


def test_jsonld_needs_no_remote_context(exports):
    data = json.loads(exports["jsonld"])
    text = json.dumps(data)
    assert "@context" not in text
    assert {g["@id"] for g in data} == {ns.graph_iri(n) for n in ns.GRAPH_NAMES}


@pytest.mark.parametrize("fmt,quads", [("turtle", False), ("ntriples", False),
                                       ("nquads", True), ("trig", True)])
def test_header_says_how_to_tell_inferred_from_asserted(fmt, quads, exports):
    head = exports[fmt].split(b"\n", 2)
    assert head[0].startswith(b"# kg export: graphs https://w3id.org/kg/graph/ontology, ")
    expected = (b"# each triple is in its named graph; kgg:inferred" if quads
                else b"# merged into one graph; export --format nquads or trig")
    assert head[1].startswith(expected)


# ---------------------------------------------------------------------------
# rdflib's serializer traps, on synthetic graphs

EX = "http://example.org/"


def _t(s, p, o, g=None):
    return ox.Quad(s, ox.NamedNode(EX + p) if isinstance(p, str) else p, o,
                   ox.NamedNode(g) if g else ox.DefaultGraph())


def _both_parsers_agree(quads, fmt):
    data = serialize_quads(quads, fmt)
    expected = quads if fmt in QUAD_FORMATS else as_default_graph(quads)
    assert ox_dataset(ox.parse(data, format=FORMATS[fmt])) == ox_dataset(expected)
    got = rdflib_parse(data, fmt)
    want: dict = {}
    for q in expected:
        name = None if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value
        want.setdefault(name, []).append(q)
    from kg.model.rdfterms import from_ox

    want_graphs = {k: _graph((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object))
                             for q in v) for k, v in want.items()}
    assert set(got) == set(want_graphs)
    for k in got:
        assert isomorphic(got[k], want_graphs[k]), (fmt, k, data)
    return data


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_blank_node_cycles(fmt):
    """rdflib trap: JSON-LD (and nested Turtle) serialisation of blank-node cycles."""
    a, b, c = ox.BlankNode("a"), ox.BlankNode("b"), ox.BlankNode("c")
    g = EX + "g"
    quads = [_t(a, "next", b, g), _t(b, "next", a, g), _t(c, "self", c, g),
             _t(a, "label", ox.Literal("a"), g), _t(ox.NamedNode(EX + "s"), "p", a, g)]
    _both_parsers_agree(quads, fmt)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_awkward_iris_and_prefixes(fmt):
    """Local names that begin with digits or need escapes; IRIs that fall under a prefix."""
    s = ox.NamedNode(ns.KGD + "000_99214e3abbb71cf3-q451-467")
    quads = [_t(s, ox.NamedNode(ns.KG + "x1"), ox.NamedNode(ns.KGR + "1711")),
             _t(s, "1p", ox.NamedNode(ns.KGR + "a.b.")),
             _t(s, ox.NamedNode(ns.KG + "p"), ox.NamedNode(ns.KGR + "with%20escape~!$&'()*+,;=")),
             _t(ox.NamedNode(ns.KGR), "p", ox.Literal("x", language="en-GB"))]
    _both_parsers_agree(quads, fmt)


def test_rdfxml_refuses_control_characters():
    quads = [_t(ox.NamedNode(EX + "s"), "p", ox.Literal("bell\x07"))]
    with pytest.raises(KgError) as e:
        serialize_quads(quads, "rdfxml")
    assert e.value.message == ("RDF/XML cannot write the character U+0007 of a literal of "
                               "<http://example.org/s> <http://example.org/p>: "
                               "XML 1.0 forbids it")
    for fmt in sorted(set(FORMATS) - {"rdfxml"}):
        _both_parsers_agree(quads, fmt)


def test_rdfxml_refuses_predicates_without_an_xml_name():
    quads = [_t(ox.NamedNode(EX + "s"), "p/", ox.Literal("x"))]
    with pytest.raises(KgError, match=r"cannot write the predicate <http://example.org/p/>"):
        serialize_quads(quads, "rdfxml")


def test_rdfxml_keeps_carriage_returns_tabs_and_newlines():
    """XML parsers turn a raw CR into LF; the export writes it as a reference."""
    quads = [_t(ox.NamedNode(EX + "s"), "p", ox.Literal("a\r\nb\rc\td\n\u0085\u2028"))]
    data = _both_parsers_agree(quads, "rdfxml")
    assert b"&#xD;" in data and b"\r" not in data


# property: any literal text (that the format can carry) survives both parsers
_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
_lang = st.sampled_from([None, "en", "uk", "ru-Latn", "en-GB"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_text, _lang), min_size=1, max_size=4),
       st.sampled_from(sorted(FORMATS)))
def test_any_literal_round_trips(values, fmt):
    if fmt == "rdfxml":
        values = [(re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", v), lang)
                  for v, lang in values]
    quads = [_t(ox.NamedNode(EX + f"s{i}"), "p",
                ox.Literal(v, language=lang) if lang else ox.Literal(v), EX + "g")
             for i, (v, lang) in enumerate(values)]
    _both_parsers_agree(quads, fmt)


# ---------------------------------------------------------------------------
# the command line


def test_cli_format_from_extension(kg, built_store, tmp_path, exports):
    for name, fmt in [("kg.nq", "nquads"), ("kg.ttl", "turtle"), ("kg.rdf", "rdfxml"),
                      ("kg.jsonld", "jsonld"), ("kg.trig", "trig"), ("kg.nt", "ntriples")]:
        r = kg("export", "--store", str(built_store), "-o", str(tmp_path / name))
        assert r.exit_code == 0, r.output
        assert (tmp_path / name).read_bytes() == exports[fmt], name


def test_cli_stdout_is_turtle(kg, built_store, exports):
    r = kg("export", "--store", str(built_store))
    assert r.exit_code == 0
    assert r.stdout_bytes == exports["turtle"]


def test_cli_graph_choice(kg, built_store, store):
    r = kg("export", "--store", str(built_store), "--format", "nquads", "--graph", "asserted",
           "--graph", "ontology")
    assert r.exit_code == 0
    graphs = {q.graph_name.value for q in ox.parse(r.stdout_bytes, format=ox.RdfFormat.N_QUADS)}
    assert graphs == {ns.graph_iri("asserted"), ns.graph_iri("ontology")}


# ---------------------------------------------------------------------------
# bounded memory: the streamed N-Quads / N-Triples / Turtle / TriG against the in-memory export
# (export_bytes, which stays the oracle), on a generated corpus and on awkward quads


def _generated_store(tmp_path_factory, n: int) -> ox.Store:
    import importlib.util
    import sys
    from pathlib import Path

    from kg.build import build

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("generate_corpus",
                                                  root / "bench" / "generate_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("generate_corpus", mod)
    spec.loader.exec_module(mod)
    corpus = tmp_path_factory.mktemp("gen-corpus")
    mod.generate(n, corpus, seed=3)
    store = tmp_path_factory.mktemp("gen-store") / ".kg"
    build(corpus, store)
    return store


@pytest.fixture(scope="module")
def generated_store(tmp_path_factory):
    return _generated_store(tmp_path_factory, 12)


def _awkward_store() -> ox.Store:
    g = {name: ox.NamedNode(ns.graph_iri(name)) for name in ns.GRAPH_NAMES}
    ex = "http://example.org/"
    subjects = [ox.NamedNode(ex + s) for s in ("a", "a-b", "a/b", "a_:b", "ab", "A")]
    literals = [ox.Literal("plain"), ox.Literal(""), ox.Literal("with _:b0 inside"),
                ox.Literal("ctl \x01 \x7f\n\r"), ox.Literal("ünï 😀"),
                ox.Literal("plain", language="en"), ox.Literal("plai")]
    p, q = ox.NamedNode(ex + "p"), ox.NamedNode(ex + "p-q")
    quads = []
    for i, s in enumerate(subjects):
        for j, lit in enumerate(literals):
            quads.append(ox.Quad(s, p if (i + j) % 2 else q, lit,
                                 g["asserted"] if j % 3 else g["evidence"]))
        quads.append(ox.Quad(s, p, subjects[(i + 1) % len(subjects)], g["asserted"]))
        quads.append(ox.Quad(s, p, subjects[(i + 1) % len(subjects)], g["inferred"]))
    b1, b2, b3 = ox.BlankNode("x1"), ox.BlankNode("x2"), ox.BlankNode("zz")
    quads += [ox.Quad(b1, p, b2, g["ontology"]), ox.Quad(b2, p, b1, g["ontology"]),
              ox.Quad(b1, q, ox.Literal("shared"), g["asserted"]),
              ox.Quad(subjects[0], p, b1, g["asserted"]),
              ox.Quad(subjects[0], p, b3, g["asserted"]),
              ox.Quad(b3, p, ox.Literal("plain"), g["asserted"]),
              ox.Quad(b3, p, subjects[0], g["inferred"]),
              ox.Quad(b3, p, subjects[0], g["asserted"])]
    # kgr: usable in some graphs, ruled out by one IRI in the evidence graph
    quads += [ox.Quad(ox.NamedNode(ns.KGR + "x1"), p, ox.Literal("x"), g["asserted"]),
              ox.Quad(ox.NamedNode(ns.KGR + "x2"), q, ox.NamedNode(ns.KGR + "a.b."),
                      g["evidence"])]
    store = ox.Store()
    store.extend(quads)
    return store


GRAPH_CHOICES = [list(ns.GRAPH_NAMES), ["asserted"], ["inferred", "asserted"],
                 ["ontology", "inferred", "evidence"]]


STREAMED_FORMATS = ["nquads", "ntriples", "turtle", "trig", "jsonld", "rdfxml"]


@pytest.mark.parametrize("tiny", [False, True])
@pytest.mark.parametrize("fmt", STREAMED_FORMATS)
def test_streamed_export_is_the_in_memory_export(fmt, tiny, generated_store, monkeypatch):
    import kg.interop.export as export_module

    assert sorted(STREAMED_FORMATS) == sorted(FORMATS) == sorted(export_module.STREAMED)
    if tiny:  # many runs, many pieces: the merge and the walk over earlier graphs
        monkeypatch.setattr(export_module, "RUN_BYTES", 2000)
        monkeypatch.setattr(export_module, "CHUNK_BYTES", 300)
    stores = [open_store(generated_store).oxigraph]
    if fmt != "rdfxml":  # the awkward store has a literal RDF/XML refuses (the next test)
        stores.append(_awkward_store())
    for store in stores:
        for graphs in GRAPH_CHOICES:
            pieces = list(export_module.export_chunks(store, fmt, graphs))
            expected = export_bytes(store, fmt, graphs)
            assert b"".join(pieces) == expected, (fmt, graphs)
            assert len(expected) > 500
            if tiny:
                assert len(pieces) > 3


def test_streamed_rdfxml_refuses_before_writing_anything():
    """The refusal export_bytes gives, raised before the first piece (nothing reaches stdout)."""
    import kg.interop.export as export_module

    store = _awkward_store()
    with pytest.raises(KgError) as in_memory:
        export_bytes(store, "rdfxml", list(ns.GRAPH_NAMES))
    pieces = export_module.export_chunks(store, "rdfxml", list(ns.GRAPH_NAMES))
    with pytest.raises(KgError) as streamed:
        next(pieces)
    assert streamed.value.message == in_memory.value.message == (
        "RDF/XML cannot write the character U+0001 of a literal of "
        "<http://example.org/A> <http://example.org/p-q>: XML 1.0 forbids it")


def test_streamed_export_with_triple_terms_is_the_general_path():
    import kg.interop.export as export_module

    store = _awkward_store()
    store.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"),
                      ox.Triple(ox.NamedNode("http://example.org/a"),
                                ox.NamedNode("http://example.org/p"), ox.Literal("o")),
                      ox.NamedNode(ns.graph_iri("asserted"))))
    for fmt in ("nquads", "ntriples", "turtle", "trig"):
        streamed = b"".join(export_module.export_chunks(store, fmt, ["asserted"]))
        assert streamed == export_bytes(store, fmt, ["asserted"])
        assert b"<<" in streamed


@pytest.mark.parametrize("fmt", STREAMED_FORMATS)
def test_export_command_writes_the_in_memory_bytes(kg, generated_store, tmp_path, fmt):
    out = tmp_path / f"out.{fmt}"
    r = kg("export", "--store", str(generated_store), "--format", fmt, "-o", str(out))
    assert r.exit_code == 0, r.stderr
    expected = export_bytes(open_store(generated_store).oxigraph, fmt, list(ns.GRAPH_NAMES))
    assert out.read_bytes() == expected
    r = kg("export", "--store", str(generated_store), "--format", fmt)
    assert r.exit_code == 0, r.stderr
    assert r.stdout_bytes == expected


def test_streamed_export_into_a_fifo_is_checked_then_written(generated_store, tmp_path):
    import os
    import threading

    from kg.interop.export import export_chunks, write_atomically

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    store = open_store(generated_store).oxigraph
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_atomically(fifo, export_chunks(store, "nquads", ["asserted"]), "nquads")
    reader.join()
    assert got == [export_bytes(store, "nquads", ["asserted"])]
