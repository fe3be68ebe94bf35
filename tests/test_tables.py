"""Tables that fit the terminal by wrapping long cells (never cutting them),
`--width`, `--labels` columns in CSV/TSV/JSON/JSONL, and `search` over labels
and aliases, case- and accent-insensitively."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg import namespaces as ns
from kg.cli.query_cmd import table_width
from kg.query.catalogue import get_query
from kg.query.querying import execute
from kg.query.results import table, wrap_cell

VALUES = ('SELECT ?a ?b WHERE { VALUES (?a ?b) { ("short" "a long text that wraps over '
          'several lines, every word kept") ("x" "tiny") } }')


def sparql(kg, store, *args):
    return kg("sparql", *args, "--store", str(store))


def columns(text: str, n_rows: int) -> list[list[str]]:
    """The cells of a table of ``n_rows`` rows printed by :func:`kg.query.results.table`,
    each wrapped cell joined again with spaces."""
    lines = text.splitlines()[:-1]  # without "(N rows)"
    dash = next(i for i, line in enumerate(lines) if line and set(line) <= {"-", " "})
    spans, start = [], 0
    for part in lines[dash].split("   "):
        spans.append((start, start + len(part)))
        start += len(part) + 3
    body = lines[dash + 1:]
    if n_rows <= 1:  # one row: all its lines
        blocks = [body] if body else []
    elif "" in body:  # some row wraps: rows are separated by an empty line
        blocks = [[]]
        for line in body:
            blocks.append([]) if line == "" else blocks[-1].append(line)
    else:
        blocks = [[line] for line in body]
    return [[" ".join(x for x in (line[a:b].strip() for line in block) if x)
             for a, b in spans] for block in blocks]


def test_a_long_cell_wraps_at_words(kg, built_store):
    result = sparql(kg, built_store, VALUES, "--width", "30")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "a       b\n"
        "-----   ----------------------\n"
        "short   a long text that wraps\n"
        "        over several lines,\n"
        "        every word kept\n"
        "\n"
        "x       tiny\n"
        "(2 rows)\n")


def test_default_width_is_80_when_not_a_terminal(kg, built_store):
    text = sparql(kg, built_store, VALUES.replace("every word kept", "every word kept " * 20)
                  ).stdout
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert len(lines[1]) == 80  # the dashes: the table takes the whole width


def test_width_follows_the_terminal(monkeypatch):
    import os
    import shutil
    import sys

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(shutil, "get_terminal_size",
                        lambda fallback=(80, 24): os.terminal_size((132, 40)))
    assert table_width(None, None) == 132
    assert table_width(50, None) == 50
    from pathlib import Path

    assert table_width(None, Path("out.txt")) == 80
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False, raising=False)
    assert table_width(None, None) == 80


def test_width_below_20_is_a_usage_error(kg, built_store):
    result = sparql(kg, built_store, VALUES, "--width", "5")
    assert result.exit_code == 2


def test_a_long_word_is_split_not_cut():
    assert wrap_cell("abcdefghij k", 4) == ["abcd", "efgh", "ij k"]
    assert table(["v"], [["x" * 10]], width=20) == "v\n" + "-" * 10 + "\n" + "x" * 10 + \
        "\n(1 row)\n"


WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéü✓", min_size=1, max_size=12)
CELL = st.lists(WORD, max_size=12).map(" ".join)


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(
    st.lists(WORD, min_size=n, max_size=n),
    st.lists(st.lists(CELL, min_size=n, max_size=n).filter(any), max_size=5),
    st.integers(20, 120))))
def test_wrapping_fits_and_keeps_every_word(case):
    variables, rows, width = case
    text = table(variables, rows, width)
    n = len(variables)
    if width >= 7 * n:
        assert max(len(line) for line in text.splitlines()) <= width
    assert text.endswith(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")
    got = columns(text, len(rows))
    assert len(got) == len(rows)
    for want, have in zip(rows, got, strict=True):
        for cell, seen in zip(want, have, strict=True):
            # the words are all there in order; a word longer than the column
            # is split over lines, so compare without spaces
            assert seen.replace(" ", "") == cell.replace(" ", "")


LABELLED = ('SELECT ?s ?x WHERE { VALUES (?s ?x) { (kgr:russia 1) (kgr:turkiye "t") '
            '(<urn:example:none> kgr:ukraine) } }')


def test_labels_in_csv(kg, built_store):
    result = sparql(kg, built_store, LABELLED, "-f", "csv", "--labels")
    assert result.stdout == (
        "s,s_label,x,x_label\n"
        "https://w3id.org/kg/id/russia,Russia,1,\n"
        "https://w3id.org/kg/id/turkiye,Türkiye,t,\n"
        "urn:example:none,,https://w3id.org/kg/id/ukraine,Ukraine\n")


def test_labels_in_tsv(kg, built_store):
    result = sparql(kg, built_store, LABELLED, "-f", "tsv", "--labels")
    assert result.stdout == (
        "?s\t?s_label\t?x\t?x_label\n"
        '<https://w3id.org/kg/id/russia>\t"Russia"\t'
        '"1"^^<http://www.w3.org/2001/XMLSchema#integer>\t\n'
        '<https://w3id.org/kg/id/turkiye>\t"Türkiye"\t"t"\t\n'
        '<urn:example:none>\t\t<https://w3id.org/kg/id/ukraine>\t"Ukraine"\n')


def test_labels_in_json_and_jsonl(kg, built_store):
    data = json.loads(sparql(kg, built_store, LABELLED, "-f", "json", "--labels").stdout)
    assert data["head"] == {"vars": ["s", "s_label", "x", "x_label"]}
    assert data["results"]["bindings"][0] == {
        "s": {"type": "uri", "value": "https://w3id.org/kg/id/russia"},
        "s_label": {"type": "literal", "value": "Russia"},
        "x": {"type": "literal", "value": "1",
              "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}
    lines = sparql(kg, built_store, LABELLED, "-f", "jsonl", "--labels").stdout.splitlines()
    assert json.loads(lines[2]) == {
        "s": {"type": "uri", "value": "urn:example:none"}, "s_label": None,
        "x": {"type": "uri", "value": "https://w3id.org/kg/id/ukraine"},
        "x_label": {"type": "literal", "value": "Ukraine"}}


def test_labels_beside_iris_in_a_table(kg, built_store):
    result = sparql(kg, built_store, LABELLED, "--labels", "--iris", "--width", "120")
    assert result.stdout.splitlines()[0].split() == ["s", "s_label", "x", "x_label"]
    assert "https://w3id.org/kg/id/turkiye   Türkiye" in result.stdout


def test_without_labels_nothing_changes(kg, built_store):
    assert sparql(kg, built_store, LABELLED, "-f", "csv").stdout.splitlines()[0] == "s,x"


def test_labels_for_canned_queries(kg, built_store):
    result = kg("query", "search", "-p", "text", "Türkiye's mediation between", "-f", "csv",
                "--labels", "--store", str(built_store))
    assert result.stdout == (
        "resource,resource_label,label,type,type_label\n"
        "https://w3id.org/kg/id/turkiye-mediation-2025,Türkiye's mediation between Russia "
        "and Ukraine,Türkiye's mediation between Russia and Ukraine,"
        "https://w3id.org/kg/ontology#Event,event\n")


@pytest.mark.parametrize("text", ["turkiye", "TÜRKIYE", "Türkiye", "türk", "TURKIYE"])
def test_search_ignores_case_and_accents(kg, built_store, text):
    result = kg("query", "search", "-p", "text", text, "-f", "csv", "--store", str(built_store))
    assert "https://w3id.org/kg/id/turkiye,Türkiye,https://w3id.org/kg/ontology#State\n" \
        in result.stdout


def test_search_finds_orban_without_the_accent(kg, built_store):
    result = kg("query", "search", "-p", "text", "viktor orban", "-f", "csv", "--store",
                str(built_store))
    assert result.stdout == ("resource,label,type\n"
                             "https://w3id.org/kg/id/viktor-orban,Viktor Orbán,"
                             "https://w3id.org/kg/ontology#Person\n")


def test_search_finds_aliases():
    store = ox.Store()
    g = ox.NamedNode(ns.graph_iri("asserted"))
    witkoff = ox.NamedNode(ns.resource_iri("steve-witkoff"))
    store.extend([
        ox.Quad(witkoff, ox.NamedNode(ns.RDFS + "label"), ox.Literal("Steve Witkoff"), g),
        ox.Quad(witkoff, ox.NamedNode(ns.SKOS + "altLabel"), ox.Literal("Vitkov"), g),
        ox.Quad(witkoff, ox.NamedNode(ns.RDF + "type"), ox.NamedNode(ns.PREFIXES["kg"] + "Person"),
                g)])
    for text in ("vitkov", "VITKÓV", "witkoff"):
        result = execute(store, get_query("search").text, bindings={"text": ox.Literal(text)})
        assert [tuple(t.value for t in row) for row in result.rows] == [
            (witkoff.value, "Steve Witkoff", ns.PREFIXES["kg"] + "Person")], text


def test_an_empty_search_says_no_match_with_suggestions(kg, built_store):
    result = kg("query", "search", "-p", "text", "Turkey", "--store", str(built_store))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "no match for 'Turkey'"
    assert lines[1].startswith("did you mean: Türkiye (kgr:turkiye); ")
    assert len(lines) == 2


def test_an_empty_search_without_suggestions(kg, built_store):
    result = kg("query", "search", "-p", "text", "qqqqqq", "--store", str(built_store))
    assert result.stdout == "no match for 'qqqqqq'\n"
    csv = kg("query", "search", "-p", "text", "qqqqqq", "-f", "csv", "--store",
             str(built_store))
    assert csv.stdout == "resource,label,type\n"


@pytest.mark.parametrize("width", ["60", "80", "200"])
def test_the_query_list_wraps_and_keeps_every_title(kg, width):
    from kg.query.catalogue import all_queries

    text = kg("query", "--list", "--width", width).stdout
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= int(width)
    assert "…" not in text
    squeezed = " ".join(text.split())
    for q in all_queries():
        assert " ".join(q.title.split()) in squeezed, q.name
        for p in q.params:
            assert f"-p {p.name} {p.default}" in squeezed
            assert " ".join((p.doc or "").split()) in squeezed
