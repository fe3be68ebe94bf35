"""Limits: query deadlines, reasoner guards and input sizes end in a clear message.

A runaway query is stopped at its deadline and the process goes on working;
a closure that explodes or an owl:sameAs clique stops the reasoner with a
message instead of running for hours; oversized or absurdly nested inputs
are refused with their file (and line).
"""

from __future__ import annotations

import functools
import os
import re
import time

import pytest
from rdflib import OWL, RDF, Graph, URIRef

from .helpers import ARTICLE_NAME, store_state

CYCLES = ("SELECT (COUNT(*) AS ?n) WHERE { ?a (kg:x|!kg:x)* ?b . ?c (kg:x|!kg:x)* ?d . "
          "?e (kg:x|!kg:x)* ?f }")
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


# --- query deadline -------------------------------------------------------------------------

@pytest.mark.parametrize("query", [CYCLES, CARTESIAN], ids=["path-over-cycles", "cartesian"])
def test_runaway_query_stops_at_the_deadline_and_kg_goes_on(query, kg, store, before):
    t0 = time.monotonic()
    r = kg("sparql", "--store", str(store), "--timeout", "1.5", query)
    elapsed = time.monotonic() - t0
    assert r.exit_code == 1
    assert r.stderr == ("Error: <argument>: the query ran longer than 1.5 s and was stopped\n"
                        "Hint: narrow it (a LIMIT, a more specific pattern) or raise --timeout\n")
    assert r.stdout == ""
    assert elapsed < 10
    # The same process answers the next query at once.
    r = kg("sparql", "--store", str(store), "--format", "csv",
           "ASK { kgr:russia a kg:State }")
    assert (r.exit_code, r.stdout.strip()) == (0, "true")
    assert store_state(store) == before


# --- reasoner guards --------------------------------------------------------------------------

def test_closure_growth_guard_stops_the_build(kg, store, before, monkeypatch):
    import kg.build as build
    import kg.reason.reasoning as reasoning

    monkeypatch.setattr(reasoning, "MIN_BUDGET", 50)
    monkeypatch.setattr(build, "closure", functools.partial(reasoning.closure, max_growth=0))
    r = kg("build", "--store", str(store))
    assert r.exit_code == 1
    assert r.stderr == ("Error: the reasoner stopped: the closure grew past 50 new triples\n"
                        "Hint: an axiom makes the closure explode; check recent ontology "
                        "changes\n")
    assert store_state(store) == before


def test_sameas_clique_guard_stops_the_build(kg, store, before, monkeypatch):
    """A recent ontology change (participant made inverse-functional) merges every event."""
    import kg.build as build
    import kg.reason.reasoning as reasoning

    real = build.load_ontology

    def changed():
        g = real()
        g.add((URIRef("https://w3id.org/kg/ontology#participant"), RDF.type,
               OWL.InverseFunctionalProperty))
        return g

    monkeypatch.setattr(build, "load_ontology", changed)
    monkeypatch.setattr(build, "closure", functools.partial(reasoning.closure, max_sameas=5))
    r = kg("build", "--store", str(store))
    assert r.exit_code == 1
    lines = r.stderr.splitlines()
    assert lines[0].startswith("Error: the reasoner stopped: more than 5 owl:sameAs triples "
                               "(last: https://w3id.org/kg/id/")
    assert lines[1] == ("Hint: an owl:sameAs clique, or a functional property with many "
                        "values, is merging resources; check the axioms and the data")
    assert len(lines) == 2
    assert store_state(store) == before


def test_sameas_clique_guard_with_the_default_limits():
    from kg.reason.reasoning import MAX_SAMEAS, ReasonerLimit, closure

    data = Graph()
    for i in range(149):  # a chain of 150 becomes a clique of 150 * 149 > 10,000 triples
        data.add((URIRef(f"urn:x:{i}"), OWL.sameAs, URIRef(f"urn:x:{i + 1}")))
    t0 = time.monotonic()
    with pytest.raises(ReasonerLimit) as e:
        closure(Graph(), data)
    assert e.value.message.startswith(f"the reasoner stopped: more than {MAX_SAMEAS} "
                                      "owl:sameAs triples")
    assert time.monotonic() - t0 < 60


# --- input sizes ------------------------------------------------------------------------------

def build_fails(kg, seeds, store, before, first_line: str):
    r = kg("build", "--seeds", str(seeds), "--store", str(store))
    assert r.exit_code == 1, r.stderr
    assert r.stderr.splitlines()[0] == first_line
    assert "Traceback" not in r.stderr
    assert store_state(store) == before
    return r


def test_oversized_article_is_refused(kg, seeds_copy, store, before):
    from kg.read.sources import MAX_ARTICLE_BYTES

    article = seeds_copy / f"{ARTICLE_NAME}.txt"
    with open(article, "ab") as f:
        f.write(b"x" * (MAX_ARTICLE_BYTES + 1 - article.stat().st_size))
    build_fails(kg, seeds_copy, store, before,
                f"Error: {article}: file is {MAX_ARTICLE_BYTES + 1} bytes, more than the limit "
                f"of {MAX_ARTICLE_BYTES}")


def test_oversized_annotation_file_is_refused(kg, seeds_copy, store, before):
    from kg.read.sources import MAX_ANNOTATION_BYTES

    ann = seeds_copy / f"{ARTICLE_NAME}.yaml"
    with open(ann, "ab") as f:
        f.write(b"#" * (MAX_ANNOTATION_BYTES + 1 - ann.stat().st_size))
    build_fails(kg, seeds_copy, store, before,
                f"Error: {ann}: file is {MAX_ANNOTATION_BYTES + 1} bytes, more than the limit "
                f"of {MAX_ANNOTATION_BYTES}")


@pytest.mark.parametrize("name", ["a b", "a>b", "über", "-dash-first"])
def test_article_whose_name_cannot_name_an_iri_is_refused(kg, seeds_copy, store, before, name):
    for ext in ("txt", "yaml"):
        (seeds_copy / f"{ARTICLE_NAME}.{ext}").rename(seeds_copy / f"{name}.{ext}")
    build_fails(kg, seeds_copy, store, before,
                f"Error: {seeds_copy / (name + '.txt')}: an article's file name may hold only "
                "ASCII letters, digits, '.', '_' and '-' (it names the article's IRI)")


def _append_record(seeds, text: str):
    ann = seeds / f"{ARTICLE_NAME}.yaml"
    body = ann.read_text(encoding="utf-8")
    ann.write_text(body + text, encoding="utf-8")
    return ann, body.count("\n") + 1


def test_deep_nesting_is_refused(kg, seeds_copy, store, before):
    ann, line = _append_record(seeds_copy, "  - id: deep\n    type: State\n    note: "
                               + "[" * 40 + "]" * 40 + "\n    quote: Russia\n")
    build_fails(kg, seeds_copy, store, before,
                f"Error: seeds/{ann.name}:{line + 2}: YAML nested deeper than 32 levels"
                .replace("seeds/", f"{seeds_copy}/"))


def test_very_deep_nesting_is_refused_without_recursion(kg, seeds_copy, store, before):
    _append_record(seeds_copy, "  - note: " + "[" * 50_000 + "]" * 50_000 + "\n")
    r = kg("build", "--seeds", str(seeds_copy), "--store", str(store))
    assert r.exit_code == 1
    assert "exceeded maximum nesting depth" in r.stderr.splitlines()[0]
    assert store_state(store) == before


def test_alias_bomb_is_refused(kg, seeds_copy, store, before):
    bomb = "".join(f"\n  - &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" if i else
                   "\n  - &a0 [lol]" for i in range(12))
    ann = seeds_copy / f"{ARTICLE_NAME}.yaml"
    ann.write_text(ann.read_text(encoding="utf-8").replace("unmapped:", "bomb:" + bomb
                                                           + "\nunmapped:", 1),
                   encoding="utf-8")
    r = kg("build", "--seeds", str(seeds_copy), "--store", str(store))
    assert r.exit_code == 1
    assert r.stderr.splitlines()[0].endswith(
        ": YAML aliases (*name) are not allowed in annotation files")
    assert store_state(store) == before


def test_too_many_nodes_is_refused(kg, seeds_copy, store, before, monkeypatch):
    import kg.read.annotations as annotations

    monkeypatch.setattr(annotations, "MAX_NODES", 500)
    ann = seeds_copy / f"{ARTICLE_NAME}.yaml"
    r = kg("build", "--seeds", str(seeds_copy), "--store", str(store))
    assert r.exit_code == 1
    assert re.fullmatch(rf"Error: {re.escape(str(ann))}:\d+: more than 500 YAML nodes",
                        r.stderr.splitlines()[0]), r.stderr
    assert r.stderr.splitlines()[1] == "Hint: split the annotations over several files"
    assert store_state(store) == before


def test_huge_scalar_is_refused(kg, seeds_copy, store, before):
    from kg.read.annotations import MAX_SCALAR_CHARS

    ann, line = _append_record(seeds_copy, "  - id: huge\n    type: State\n    label: "
                               + "x" * (MAX_SCALAR_CHARS + 1) + "\n    quote: Russia\n")
    build_fails(kg, seeds_copy, store, before,
                f"Error: {ann}:{line + 2}: label is {MAX_SCALAR_CHARS + 1} characters long, "
                f"more than the limit of {MAX_SCALAR_CHARS}")


def test_article_that_never_ends_is_refused(kg, seeds_copy, store, before):
    """A FIFO (size 0, endless) is not read. (A symlink to /dev/zero is refused before
    that, as a link leaving the seeds directory: test_hardening2_store.py.)"""
    article = seeds_copy / f"{ARTICLE_NAME}.txt"
    article.unlink()
    os.mkfifo(article)
    r = build_fails(kg, seeds_copy, store, before, f"Error: {article}: not a regular file")
    assert r.stderr.splitlines()[1] == "Hint: give a plain text file"


def test_article_that_is_not_utf8_names_its_line(kg, seeds_copy, store, before):
    article = seeds_copy / f"{ARTICLE_NAME}.txt"
    data = article.read_bytes()
    cut = data.index(b"\n", 100) + 1
    article.write_bytes(data[:cut] + b"caf\xe9\n" + data[cut:])
    line = data[:cut].count(b"\n") + 1
    build_fails(kg, seeds_copy, store, before,
                f"Error: {article}:{line}: not valid UTF-8 (byte {cut + 3})")
