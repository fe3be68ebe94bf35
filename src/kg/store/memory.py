"""In-memory Oxigraph stores for checks and tests (the build path)."""

from __future__ import annotations

import pyoxigraph as ox

from kg import namespaces as ns
from kg.model.rdfterms import quads


def memory_store(dataset) -> ox.Store:
    store = ox.Store()
    for name in ns.GRAPH_NAMES:
        store.bulk_extend(quads(ns.graph_iri(name), dataset.triples[name]))
    return store
