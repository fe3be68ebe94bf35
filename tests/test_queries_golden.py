"""Every canned query has a golden answer, sorted and compared exactly.

The answers live in ``tests/golden/queries.json``: for each query, its
variables and its rows, each term in N-Triples syntax ("" when unbound),
the rows sorted. Regenerate them after a deliberate change of the data or
of a query with ``KG_UPDATE_GOLDEN=1 python -m pytest tests/test_queries_golden.py``
and review the diff.
"""

from __future__ import annotations

import json
import os
import re

import pytest
from conftest import ROOT

from kg.query.catalogue import all_queries, get_query

GOLDEN = ROOT / "tests" / "golden" / "queries.json"
UPDATE = os.environ.get("KG_UPDATE_GOLDEN") == "1"
QUERY_FILES = sorted(p.stem for p in (ROOT / "queries").glob("*.rq"))


def answer(store_dir, name: str) -> dict:
    from kg.api import canned_result

    result, _ = canned_result(get_query(name), {}, store_dir=store_dir, timeout=None)
    rows = sorted(["" if t is None else str(t) for t in row] for row in result.rows)
    return {"variables": result.variables, "rows": rows}


@pytest.fixture(scope="module")
def golden(built_store):
    if UPDATE:
        data = {name: answer(built_store, name) for name in QUERY_FILES}
        GOLDEN.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
                          encoding="utf-8")
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_at_least_fifteen_canned_queries_and_some_checks():
    names = [q.name for q in all_queries()]
    assert names == QUERY_FILES
    assert len([n for n in names if not n.endswith("-violation")]) >= 15
    assert [n for n in names if n.endswith("-violation")]


def test_every_query_has_a_golden_answer_and_every_answer_a_query(golden):
    assert sorted(golden) == QUERY_FILES


@pytest.mark.parametrize("name", QUERY_FILES)
def test_golden_answer(built_store, golden, name):
    assert answer(built_store, name) == golden[name]


@pytest.mark.parametrize("name", [n for n in QUERY_FILES if n.endswith("-violation")])
def test_violation_queries_return_nothing(golden, name):
    assert golden[name]["rows"] == []


@pytest.mark.parametrize("name", QUERY_FILES)
def test_query_is_standalone_standard_sparql(name):
    """Own prefixes, a header, WHERE, ORDER BY, no extensions: parses in rdflib too."""
    from rdflib.plugins.sparql import prepareQuery

    from kg.query.guard import check, inspect

    query = get_query(name)
    assert query.title and query.description
    check(query.text)  # no SERVICE, no FROM outside the build, not an update
    assert inspect(query.text).form == "SELECT"
    assert re.search(r"^WHERE \{", query.text, re.M), "the top-level pattern uses WHERE"
    assert re.search(r"^ORDER BY ", query.text, re.M)
    prepareQuery(query.text)  # every prefix declared; standard SPARQL 1.1 grammar
    for p in query.params:
        assert p.default is not None and p.doc, f"{name}: parameter {p.name} needs a default"
        assert re.search(r"\?" + p.name + r"\b", query.text)


@pytest.mark.parametrize("name", QUERY_FILES)
def test_query_orders_by_every_projected_variable(name):
    text = get_query(name).text
    select = re.search(r"^SELECT (?:DISTINCT )?(.*)$", text, re.M).group(1)
    projected = re.findall(r"\?(\w+)\)?(?:\s|$)", re.sub(r"\(.*? AS (\?\w+)\)", r"\1", select))
    order = re.search(r"^ORDER BY (.*)$", text, re.M).group(1)
    for var in projected:
        assert re.search(r"\?" + var + r"\b", order), f"{name}: ORDER BY lacks ?{var}"


def test_the_violation_queries_are_the_catalogue_s_violation_files():
    from kg.query.catalogue import violation_queries

    assert {q.name for q in violation_queries()} == {
        n for n in QUERY_FILES if n.endswith("-violation")}
