"""Counts over a built store: triples per graph, per class and per predicate.

Classes are counted by their ``rdf:type`` triples and predicates by their
triples, separately in ``kgg:asserted``, ``kgg:background`` and
``kgg:inferred``, so that what the articles state and what the reasoner adds
can be compared. All counting is done by SPARQL in the store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg import namespaces as ns

#: The graphs whose class and predicate counts are compared.
DATA_GRAPHS = ("asserted", "background", "inferred")


@dataclass
class Row:
    """One class or predicate and its number of triples per data graph."""

    iri: str
    asserted: int = 0
    background: int = 0
    inferred: int = 0

    @property
    def total(self) -> int:
        return self.asserted + self.background + self.inferred


@dataclass
class Stats:
    graphs: dict[str, int]                       # graph name -> triples
    classes: list[Row] = field(default_factory=list)     # by rdf:type triples
    predicates: list[Row] = field(default_factory=list)  # by triples


def _graph_name(iri: str) -> str:
    return iri[len(ns.KGG):]


def stats(store: ox.Store) -> Stats:
    """Count the triples of each graph, class and predicate of a built store."""
    graphs = {name: 0 for name in ns.GRAPH_NAMES}
    q = ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    for r in store.query(q):
        name = _graph_name(r["g"].value)
        if name in graphs:
            graphs[name] = int(r["n"].value)
    values = " ".join(f"<{ns.graph_iri(n)}>" for n in DATA_GRAPHS)
    classes = _rows(store, "SELECT ?g ?k (COUNT(*) AS ?n) WHERE { VALUES ?g { %s } "
                    "GRAPH ?g { ?s a ?k } } GROUP BY ?g ?k" % values)
    predicates = _rows(store, "SELECT ?g ?k (COUNT(*) AS ?n) WHERE { VALUES ?g { %s } "
                       "GRAPH ?g { ?s ?k ?o } } GROUP BY ?g ?k" % values)
    return Stats(graphs, classes, predicates)


def _rows(store: ox.Store, query: str) -> list[Row]:
    rows: dict[str, Row] = {}
    for r in store.query(query):
        k = r["k"]
        key = k.value if isinstance(k, ox.NamedNode) else "_:" + k.value
        row = rows.setdefault(key, Row(key))
        setattr(row, _graph_name(r["g"].value), int(r["n"].value))
    return sorted(rows.values(), key=lambda r: (-r.total, r.iri))


def stats_of(store_dir) -> Stats:
    """Open the built store at ``store_dir`` and count it."""
    from pathlib import Path

    from kg.store.disk import open_store

    return stats(open_store(Path(store_dir)).oxigraph)


def to_dict(s: Stats) -> dict:
    def rows(rs):
        return [{"iri": r.iri, "name": ns.shorten(r.iri), "asserted": r.asserted,
                 "background": r.background, "inferred": r.inferred, "total": r.total}
                for r in rs]

    return {"graphs": dict(s.graphs), "total": sum(s.graphs.values()),
            "classes": rows(s.classes), "predicates": rows(s.predicates)}


def to_json(s: Stats) -> str:
    return json.dumps(to_dict(s), indent=2, ensure_ascii=False) + "\n"


def to_table(s: Stats, width: int = 100) -> str:
    """Three plain-text tables: graphs, classes, predicates."""
    from kg.query.results import table

    total = sum(s.graphs.values())
    graphs = table(["graph", "triples"],
                   [[f"kgg:{n}", str(c)] for n, c in s.graphs.items()] + [["total", str(total)]],
                   width)
    cols = ["asserted", "background", "inferred", "total"]

    def block(title, rs):
        cells = [[ns.shorten(r.iri), str(r.asserted), str(r.background), str(r.inferred),
                  str(r.total)] for r in rs]
        return table([title] + cols, cells, width)

    return "\n".join([graphs, block("class (rdf:type triples)", s.classes),
                      block("predicate (triples)", s.predicates)])
