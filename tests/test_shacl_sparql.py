"""The SPARQL engine for the SHACL shapes (kg.checks.shacl_sparql) against pySHACL, the reference.

Differential: for the valid fixture, every edit-one-thing case of tests/test_shapes.py,
a few extra edits that reach the constraints those cases do not, the style shapes,
and the seed build, both engines must report the same violations: the same
(focus, path, shape) set, and in fact the same report lines.
"""

from __future__ import annotations

import re
from importlib.resources import files

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS
from test_shapes import CASES, PREFIXES, edited, found

from kg.checks.shacl_sparql import (
    UnsupportedShapeError,
    compile_shapes,
    compiled_data_shapes,
    run_compiled,
    validate_store,
)
from kg.checks.shapes import DATA_SHAPE, STYLE_SHAPE, named_graphs_shapes, shapes_graph
from kg.checks.validation import check_ontology_style, validate
from kg.model.rdfterms import quads
from kg.namespaces import GRAPH_NAMES, graph_iri


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(data=(files("kg") / "ontology" / "kg.ttl").read_text("utf-8"),
                         format="turtle")


def compiled(data: Graph, ontology: Graph):
    """kg's engine over the data and the ontology in one graph of an in-memory Oxigraph."""
    store = ox.Store()
    g = ox.NamedNode("https://w3id.org/kg/graph/validation-data")
    store.bulk_extend(quads(g.value, data))
    store.bulk_extend(quads(g.value, ontology))
    return validate_store(store, [g], skip=named_graphs_shapes())


def both(data: Graph, ontology: Graph):
    return validate(data, ontology), compiled(data, ontology)


def assert_same(reference, fast) -> None:
    assert found(fast) == found(reference), (reference.text(), fast.text())
    assert fast.conforms == reference.conforms
    assert fast.text() == reference.text()
    assert sorted(fast.violations, key=repr) == sorted(reference.violations, key=repr)


def test_valid_fixture_conforms_in_both_engines(ontology: Graph):
    reference, fast = both(edited(), ontology)
    assert fast.conforms and fast.text() == "SHACL data shapes: conforms"
    assert_same(reference, fast)


@pytest.mark.parametrize("case", sorted(CASES))
def test_engines_agree_on_every_shape_case(case: str, ontology: Graph):
    remove, add, expected = CASES[case]
    reference, fast = both(edited(remove, add), ontology)
    assert found(fast) == expected, fast.text()
    assert_same(reference, fast)


#: Edits reaching constraints the cases above leave alone: several violations at once,
#: ill-typed literals (not booleans: rdflib rewrites "maybe"^^xsd:boolean to "false"),
#: a focus node without the class its shape requires, sh:in on sh:status, counts,
#: selectors, proposition IRIs.
EXTRA = {
    "untyped-annotation-and-bad-terms": (
        "",
        'kgd:x kg:annotationFile "f" , "g" ; oa:hasTarget kgd:doc-q0-6 .'
        ' kgr:plan kg:unconditional "yes" , true ; kg:status kgc:air ;'
        ' kg:duration "P1D"^^xsd:duration , "P2D"^^xsd:duration .'),
    "ill-typed-literals": (
        "",
        'kgr:interview kg:expressedOn "2025-13-45"^^xsd:date .'
        ' kgr:plan kg:numberOfPrisoners "many"^^xsd:integer .'),
    "counts-and-selectors": (
        "",
        'kgr:plan kg:quantity -3 , 4 . kgd:sel-1 a oa:TextPositionSelector ; oa:start "a" .'
        ' kgd:sel-2 a oa:TextQuoteSelector .'),
    "proposition-with-literal-predicate": (
        "",
        'kgr:p9 a kg:Proposition ; rdf:subject kgr:russia , kgr:plan ;'
        ' rdf:predicate "rejects" ; rdf:object kgr:plan .'),
    "wrong-classes": (
        "",
        'kgr:position-1 kg:expressedIn kgr:russia . kgr:interview kg:heldIn kgr:plan ;'
        ' kg:participant "someone" ; kg:dateQualifier kgc:early , kgc:late .'),
    "reported-claim-and-the-rest": (
        "",
        'kgr:rc a kg:ReportedClaim ; kg:claimant kgr:dymov ; kg:reportedSpeaker kgr:plan ;'
        ' kg:proposition kgr:plan . kgr:claim-1 kg:proposition kgr:plan .'
        ' kgd:ann-doc-L1 kg:supportsStatement kgr:plan . kgd:doc kg:fullText "again" .'
        ' kgr:interview kg:notLaterThan "2025"^^xsd:gYear . kgr:plan kg:addressedTo "nobody" .'),
    "claim-not-stated-anywhere": ("kgr:claim-1 kg:statedIn kgr:interview .", ""),
}


@pytest.mark.parametrize("case", sorted(EXTRA))
def test_engines_agree_on_extra_edits(case: str, ontology: Graph):
    remove, add = EXTRA[case]
    reference, fast = both(edited(remove, add), ontology)
    assert not reference.conforms
    assert_same(reference, fast)


def test_the_differential_cases_reach_every_data_check(ontology: Graph):
    """Every check but the one pySHACL cannot run is compared on some hostile fixture."""
    reached = set()
    for remove, add, *_ in [*CASES.values(), *EXTRA.values()]:
        reached |= {v.id for v in compiled(edited(remove, add), ontology).violations}
    every = {c.id for c in compiled_data_shapes()
             if f"kgsh:{c.shape.split('#')[-1]}" not in named_graphs_shapes()}
    assert every - reached == set()
    assert "kg-check:unsupported-fact" not in every  # asserted in tests/test_checks.py


def test_engines_agree_on_the_seed_build(dataset):
    """validate_store over the build's named graphs, as kg build calls it."""
    from kg.store.memory import memory_store

    reference = validate(dataset.union(("asserted", "background", "evidence", "inferred")),
                         dataset.graph("ontology"))
    store = memory_store(dataset)
    fast = validate_store(store)  # the union of every graph of the store
    assert fast.conforms, fast.text()
    assert_same(reference, fast)
    listed = validate_store(store, [graph_iri(name) for name in GRAPH_NAMES])
    assert_same(reference, listed)


def test_engines_agree_on_the_seed_build_with_a_broken_quote(dataset):
    from kg.store.memory import memory_store

    store = memory_store(dataset)
    oa = "http://www.w3.org/ns/oa#"
    exact = next(iter(store.quads_for_pattern(None, ox.NamedNode(oa + "exact"), None)))
    store.remove(exact)
    store.add(ox.Quad(exact.subject, exact.predicate, ox.Literal("not the text"),
                      exact.graph_name))
    fast = validate_store(store)
    assert [v.shape for v in fast.violations] == ["kgsh:QuoteShape"], fast.text()


def test_engines_agree_on_the_style_shapes(ontology: Graph):
    g = Graph()
    for t in ontology:
        g.add(t)
    g.remove((URIRef("https://w3id.org/kg/ontology#Delegation"), SKOS.definition, None))
    g.parse(data=PREFIXES + """
        kg:Bare a <http://www.w3.org/2002/07/owl#Class> .
        kg:Sloppy a <http://www.w3.org/2002/07/owl#ObjectProperty> ;
            rdfs:label "sloppy"@en , "schlampig"@en ; skos:definition "no capital"@en ;
            rdfs:isDefinedBy <https://w3id.org/kg/ontology> .
        kgc:cameo-999 a skos:Concept ; skos:prefLabel "Nothing"@en ;
            skos:definition "Nothing at all."@en ; skos:inScheme kgc:event-types ;
            kg:goldsteinScale 11.5 .
    """, format="turtle")
    for graph in (ontology, g):
        reference = check_ontology_style(graph)
        store = ox.Store()
        store.bulk_extend(quads("https://example.org/g", graph))
        fast = run_compiled(compile_shapes(shapes_graph(STYLE_SHAPE)), store,
                            [ox.NamedNode("https://example.org/g")], reference.title)
        assert_same(reference, fast)


def test_compiled_queries_are_linear():
    """No correlated FILTER NOT EXISTS (Oxigraph runs those once per outer row)."""
    compiled = compiled_data_shapes()
    assert compiled
    for cs in compiled:
        assert "NOT EXISTS" not in cs.query.upper(), cs.query
    shapes = {str(cs.shape) for cs in compiled}
    assert "https://w3id.org/kg/shapes#EvidenceShape" in shapes
    assert "https://w3id.org/kg/shapes#QuoteShape" in shapes


def test_count_constraints_look_the_path_up_from_the_target_pattern():
    """sh:minCount 1 and sh:maxCount join the target pattern itself with the path, not the
    focus sub-select: joined with the sub-select, Oxigraph held every rdf:subject triple
    of the store in memory (730 MB per constraint at 10,000 articles, where the
    evidence's statements have most of them); joined with the pattern, it looks the
    path up from each proposition."""
    rdf, rdfs = "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://www.w3.org/2000/01/rdf-schema#"
    target = (f"{{ {{ ?this <{rdf}type>/<{rdfs}subClassOf>* "
              "<https://w3id.org/kg/ontology#Proposition> . } }")
    queries = {cs.component: re.sub(r"\?_x\d+", "?x", cs.query) for cs in compiled_data_shapes()
               if str(cs.shape) == "https://w3id.org/kg/shapes#PropositionShape"
               and cs.path == "rdf:subject"}
    assert queries == {
        "minCount": "SELECT DISTINCT ?this WHERE {\n"
                    f"{{ SELECT DISTINCT ?this WHERE {target} }} "
                    f"MINUS {{ {target} ?this <{rdf}subject> ?x }}\n}}",
        "maxCount": "SELECT DISTINCT ?this WHERE {\n"
                    f"{{ SELECT ?this WHERE {{ {target} ?this <{rdf}subject> ?x . }} "
                    "GROUP BY ?this HAVING (COUNT(DISTINCT ?x) > 1) }\n}",
    }


UNSUPPORTED = {
    "sh:closed": "sh:closed true",
    "sh:xone": "sh:xone ( [ sh:class ex:A ] [ sh:class ex:B ] )",
    "sh:qualifiedValueShape": "sh:property [ sh:path ex:p ; sh:qualifiedValueShape"
                              " [ sh:class ex:A ] ; sh:qualifiedMinCount 1 ]",
    "sh:equals": "sh:property [ sh:path ex:p ; sh:equals ex:q ]",
    "sh:zeroOrMorePath": "sh:property [ sh:path [ sh:zeroOrMorePath ex:p ] ; sh:minCount 1 ]",
    "sh:SPARQLAskValidator": "sh:target [ a sh:SPARQLTarget ; sh:ask \"ASK {}\" ]",
}


@pytest.mark.parametrize("construct", sorted(UNSUPPORTED))
def test_compile_refuses_an_unsupported_construct(construct: str):
    shapes = Graph().parse(data=f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <https://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:A ; {UNSUPPORTED[construct]} .
    """, format="turtle")
    with pytest.raises(UnsupportedShapeError) as caught:
        compile_shapes(shapes)
    assert "ex:S" in str(caught.value) or "example.org/S" in str(caught.value)
    if construct != "sh:SPARQLAskValidator":  # named: the construct, or its qualifier
        assert construct.split(":")[1][:9] in str(caught.value)


def test_every_shape_of_the_file_compiles():
    assert compile_shapes(shapes_graph(DATA_SHAPE))
    assert compile_shapes(shapes_graph(STYLE_SHAPE))
