"""`kg query` parameters: bound as RDF terms, never pasted into the query text."""

from __future__ import annotations

import sys
import types

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.errors import UsageError
from kg.query.querying import bind_values, execute, local_lookup, resolve_label

NASTY = 'Russia" } ; DROP ALL ; INSERT DATA { <a:b> <a:c> "x" } #\\u0022 {\n} \u0022 \'\'\' >'


def query(kg, store, *args):
    return kg("query", "--store", str(store), *args)


def quad_count(store_dir) -> int:
    from kg.store.disk import open_store

    return len(open_store(store_dir).oxigraph)


@pytest.mark.parametrize("value", ["Russia", "russia", "kgr:russia",
                                   "<https://w3id.org/kg/id/russia>",
                                   "https://w3id.org/kg/id/russia"])
def test_an_actor_by_label_prefixed_name_or_iri(kg, built_store, value):
    expected = query(kg, built_store, "positions-of-actor", "--format", "csv")
    result = query(kg, built_store, "positions-of-actor", "-p", "actor", value,
                   "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == expected.stdout
    assert len(result.stdout.splitlines()) > 1


def test_unknown_label_lists_candidates(kg, built_store):
    result = query(kg, built_store, "positions-of-actor", "-p", "actor", "Russian")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == "Error: parameter actor: no resource is labelled 'Russian'"
    assert lines[1].startswith("Hint: candidates: ")
    assert "(kgr:russian-delegation)" in lines[1]


def test_ambiguous_label_lists_candidates():
    store = ox.Store()
    for name in ("a", "b"):
        store.add(ox.Quad(ox.NamedNode("https://w3id.org/kg/id/" + name),
                          ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                          ox.Literal("Same"), ox.NamedNode("https://w3id.org/kg/graph/asserted")))
    with pytest.raises(UsageError) as e:
        resolve_label(local_lookup(store), "same", "actor")
    assert e.value.message == "parameter actor: the label 'same' is ambiguous"
    assert e.value.hint == "candidates: kgr:a; kgr:b"


def test_unknown_parameter_is_a_usage_error(kg, built_store):
    result = query(kg, built_store, "talks", "-p", "actor", "Russia")
    assert result.exit_code == 2
    assert result.stderr == ("Error: query 'talks' has no parameter 'actor'\n"
                             "Hint: it takes no parameters\n")


def test_invalid_iri_is_a_usage_error(kg, built_store):
    result = query(kg, built_store, "evidence", "-p", "resource", "<http://x/a b>")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: '<http://x/a b>' is not a valid IRI")


def test_a_resource_parameter_full_of_syntax_is_just_an_unknown_label(kg, built_store):
    before = quad_count(built_store)
    result = query(kg, built_store, "positions-of-actor", "-p", "actor", NASTY)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: parameter actor: no resource is labelled {NASTY!r}")
    assert quad_count(built_store) == before


def direct_label_lookup(store_dir, text: str) -> set[str]:
    """What `search` must return, computed in Python without SPARQL."""
    from kg.store.disk import open_store

    store = open_store(store_dir).oxigraph
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    return {q.subject.value for q in store.quads_for_pattern(None, label, None)
            if text.lower() in q.object.value.lower()}


@pytest.mark.parametrize("text", [NASTY, '"detached from reality"', "Istanbul", "} #", "\n",
                                  "\\u0022", "'"])
def test_a_text_parameter_full_of_syntax_returns_what_a_direct_lookup_returns(
        kg, built_store, text):
    before = quad_count(built_store)
    result = query(kg, built_store, "search", "-p", "text", text, "--format", "json")
    assert result.exit_code == 0, result.stderr
    import json

    found = {b["resource"]["value"] for b in json.loads(result.stdout)["results"]["bindings"]}
    assert found == direct_label_lookup(built_store, text)
    assert quad_count(built_store) == before
    if text == '"detached from reality"':
        assert found  # the quotes are part of the label and of the text


@settings(max_examples=200, deadline=None)
@given(value=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_bound_literals_round_trip(value):
    store = ox.Store()
    text = "SELECT ?v ?n WHERE { BIND(STRLEN(?v) AS ?n) }"
    result = execute(store, text, bindings={"v": ox.Literal(value)})
    assert result.rows == [(ox.Literal(value), ox.Literal(len(value)))]
    assert bind_values(text, {"v": ox.Literal(value)}).count("VALUES") == 1


def test_bind_values_goes_into_the_top_level_where():
    text = ('PREFIX x: <http://x/{}>\nSELECT ?a WHERE { "{" ?a <http://x/}> ?b # { }\n'
            ' { SELECT ?a WHERE { ?a ?p ?q } } }')
    bound = bind_values(text, {"a": ox.NamedNode("http://x/a")})
    assert bound.startswith('PREFIX x: <http://x/{}>\nSELECT ?a WHERE { VALUES (?a) '
                            '{ (<http://x/a>) }  "{"')


def test_query_list_and_show(kg):
    listed = kg("query", "--list")
    assert listed.exit_code == 0
    assert "positions-of-actor" in listed.stdout and "-p actor kgr:russia" in listed.stdout
    assert max(len(line) for line in listed.stdout.splitlines()) <= 80
    shown = kg("query", "search", "--show")
    assert shown.stdout.startswith("# title: Find resources by label\n")


def test_every_output_format(kg, built_store, tmp_path):
    for fmt, start in [("csv", "talks,place"), ("tsv", "?talks\t?place"),
                       ("markdown", "| talks | place"), ("jsonl", "{"), ("json", "{"),
                       ("table", "talks")]:
        result = query(kg, built_store, "talks", "--format", fmt)
        assert result.exit_code == 0 and result.stdout.startswith(start), fmt
    out = tmp_path / "talks.md"
    assert query(kg, built_store, "talks", "-o", str(out)).exit_code == 0
    assert out.read_text().startswith("| talks | place")
    bad = query(kg, built_store, "talks", "-o", str(tmp_path / "talks.xyz"))
    assert bad.exit_code == 2


def test_asserted_only_changes_inferred_answers(kg, built_store):
    both = query(kg, built_store, "inferred", "--format", "csv").stdout.splitlines()
    asserted = query(kg, built_store, "inferred", "--format", "csv",
                     "--asserted-only").stdout.splitlines()
    assert len(both) > 1 and asserted == both[:1]


def test_endpoint_runs_the_same_bound_query(kg, built_store, monkeypatch):
    """--endpoint sends the canned query with the same VALUES block and renders the
    endpoint's ResultSet exactly like a local one (a stand-in for kg.interop.endpoint)."""
    import kg.interop as kg_interop
    from kg.store.disk import open_store

    store = open_store(built_store).oxigraph
    calls = []

    def run_query(url, text, *, timeout, default_graphs, accept_graph):
        calls.append((url, text, timeout, tuple(default_graphs), accept_graph))
        return execute(store, text)

    fake = types.SimpleNamespace(run_query=run_query)
    monkeypatch.setitem(sys.modules, "kg.interop.endpoint", fake)
    monkeypatch.setattr(kg_interop, "endpoint", fake, raising=False)
    local = query(kg, built_store, "positions-of-actor", "-p", "actor", "Russia")
    remote = kg("query", "positions-of-actor", "-p", "actor", "Russia",
                "--endpoint", "http://sparql.invalid/q", "--timeout", "7")
    assert remote.exit_code == 0, remote.stderr
    assert remote.stdout == local.stdout
    main = [c for c in calls if "?position" in c[1]]
    assert len(main) == 1
    url, text, timeout, graphs, accept_graph = main[0]
    assert (url, timeout, accept_graph) == ("http://sparql.invalid/q", 7.0, False)
    assert "VALUES (?actor) { (<https://w3id.org/kg/id/russia>) }" in text
    assert "https://w3id.org/kg/graph/inferred" in graphs
