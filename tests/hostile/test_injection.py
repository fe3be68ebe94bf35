"""Injection: hostile parameter values return exactly what a direct lookup returns.

Parameters are bound as RDF terms, never pasted into the query text, so a
value that looks like SPARQL is only text. Each case runs ``kg query``
through the CLI, compares its answer with a lookup done in Python over the
store's quads, and checks that the graph's canonical hash did not move.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import graph_hash

LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"

HOSTILE = [
    '"} ; DROP ALL ; INSERT DATA {"',
    "> . ?s ?p ?o } #",
    "\\u0022",
    '\\u0022) } ; DROP ALL ; #',
    "\u00a71234",
    "\\u00a71234",
    '""" } DROP ALL """',
    "''' ; CLEAR DEFAULT '''",
    "line one\nline two } #",
    "back\\slash\\",
    "\\",
    '"',
    "<http://example.org/a>b>",
    "<http://example.org/a b>",
    "<http://example.org/{x}>",
    "http://example.org/a b",
    "http://example.org/{x}",
    "kgr:russia> } ; DROP ALL ; #",
    "' UNION { ?s ?p ?o } '",
    ") } SERVICE <http://127.0.0.1:9/> { (",
    "\x00",
]


ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
#: the letters queries/search.rq folds, after lower-casing (search ignores these accents)
FOLDED = {c: plain for chars, plain in [
    ("àáâãäåāăą", "a"), ("çćč", "c"), ("ďđ", "d"), ("èéêëēėęě", "e"), ("ğ", "g"),
    ("ìíîïīįı", "i"), ("łľ", "l"), ("ñńň", "n"), ("òóôõöøőō", "o"), ("ŕř", "r"),
    ("śşšș", "s"), ("ţťț", "t"), ("ùúûüūůűų", "u"), ("ýÿ", "y"), ("źżž", "z"),
    ("’‘", "'")] for c in chars}


def _fold(s: str) -> str:
    return "".join(FOLDED.get(c, c) for c in s.lower())


def labels_containing(store_dir, text: str) -> set[tuple[str, str]]:
    """Direct lookup: (resource, label) for the resources a label or alias of which
    contains ``text``, case-folded and (as search.rq does) without accents."""
    store = ox.Store.read_only(str((store_dir / "current").resolve() / "oxigraph"))
    labels: dict[str, set[str]] = {}
    matched = set()
    for pred in (LABEL, ALT):
        for q in store.quads_for_pattern(None, ox.NamedNode(pred), None, None):
            if pred == LABEL:
                labels.setdefault(q.subject.value, set()).add(q.object.value)
            name = q.object.value
            if text.lower() in name.lower() or _fold(text) in _fold(name):
                matched.add(q.subject.value)
    del store
    return {(r, label) for r in matched for label in labels.get(r, ())}


def resources_labelled(store_dir, text: str) -> set[str]:
    store = ox.Store.read_only(str((store_dir / "current").resolve() / "oxigraph"))
    found = set()
    for pred in (LABEL, PREF):
        for q in store.quads_for_pattern(None, ox.NamedNode(pred), None, None):
            if isinstance(q.subject, ox.NamedNode) and q.object.value.lower() == text.lower():
                found.add(q.subject.value)
    del store
    return found


def search(kg, store_dir, text: str) -> set[tuple[str, str]]:
    r = kg("query", "search", "-p", "text", text, "--format", "json",
           "--store", str(store_dir))
    assert r.exit_code == 0, r.stderr
    rows = json.loads(r.stdout)["results"]["bindings"]
    return {(row["resource"]["value"], row["label"]["value"]) for row in rows}


@pytest.fixture(scope="module")
def shared(built_store):
    return built_store


@pytest.mark.parametrize("value", HOSTILE)
def test_text_parameter_is_only_text(value, kg, shared, seed_hash):
    assert search(kg, shared, value) == labels_containing(shared, value)
    assert graph_hash(shared) == seed_hash


@pytest.mark.parametrize("value", ["Istanbul", "kyiv", "(", "-", "Türkiye"])
def test_text_parameter_finds_what_is_there(value, kg, shared):
    found = search(kg, shared, value)
    assert found and found == labels_containing(shared, value)


SUBJECT = "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject"


def statements_about(store_dir, term) -> int:
    """Direct lookup: how many reified statements have ``term`` as their subject."""
    store = ox.Store.read_only(str((store_dir / "current").resolve() / "oxigraph"))
    n = sum(1 for _ in store.quads_for_pattern(None, ox.NamedNode(SUBJECT), term, None))
    del store
    return n


@pytest.mark.parametrize("value", HOSTILE)
def test_resource_parameter_is_refused_or_looked_up(value, kg, shared, seed_hash):
    r = kg("query", "evidence", "-p", "resource", value, "--format", "json",
           "--store", str(shared))
    assert "Traceback" not in r.stderr
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] == '"':
        # A quoted literal: bound as the literal; no statement has a literal subject.
        assert r.exit_code == 0, r.stderr
        assert json.loads(r.stdout)["results"]["bindings"] == []
        assert statements_about(shared, ox.Literal(v[1:-1])) == 0
    else:
        assert resources_labelled(shared, v) == set()
        assert r.exit_code == 2, r.stderr
        assert r.stdout == ""
        first = r.stderr.splitlines()[0]
        assert first in (f"Error: parameter resource: no resource is labelled {v!r}",
                         f"Error: {value!r} is not a valid IRI"), first
    assert graph_hash(shared) == seed_hash


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               min_size=1, max_size=30).filter(lambda s: s.strip() == s))
def test_any_text_is_only_text(kg, shared, text):
    assert search(kg, shared, text) == labels_containing(shared, text)


@pytest.mark.parametrize("param", ["text", "resource"])
def test_injected_service_connects_nowhere(param, shared, seed_hash, tmp_path):
    """A value that smuggles a SERVICE clause: no connection, no open, in a fresh process."""
    from .helpers import Listener, run_audited

    query = "search" if param == "text" else "evidence"
    with Listener() as listener:
        value = (f'") }} SERVICE <{listener.base}/sparql> {{ ?s ?p ?o }} '
                 f'LOAD <{listener.base}/x> #')
        proc, events = run_audited(["query", query, "-p", param, value, "--format", "csv",
                                    "--store", str(shared)], tmp_path / "audit.log",
                                   cwd=tmp_path)
    stderr = proc.stderr.decode()
    assert "Traceback" not in stderr
    if param == "text":
        assert proc.returncode == 0, stderr
        assert proc.stdout.decode().splitlines() == ["resource,label,type"]
    else:
        assert proc.returncode == 2, stderr
        assert stderr.splitlines()[0] == \
            f"Error: parameter resource: no resource is labelled {value!r}"
    assert listener.connections == []
    assert [e for e in events if e[0] != "open"] == []
    assert graph_hash(shared) == seed_hash
