"""The project's namespaces and prefixes: the one place IRIs are minted.

Pure string constants and helpers, with no rdflib import, so that the query
path (``kg query``) stays fast. ``rdf_namespaces()`` gives rdflib objects for
the build path.
"""

from __future__ import annotations

import re

BASE = "https://w3id.org/kg/"
KG = BASE + "ontology#"
KGC = BASE + "concept/"
KGR = BASE + "id/"
KGD = BASE + "doc/"
KGG = BASE + "graph/"
ONTOLOGY_IRI = BASE + "ontology"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
DCTERMS = "http://purl.org/dc/terms/"
SEM = "http://semanticweb.cs.vu.nl/2009/11/sem/"
SCHEMA = "https://schema.org/"
TIME = "http://www.w3.org/2006/time#"
WD = "http://www.wikidata.org/entity/"

#: Prefixes predeclared for ``kg sparql`` and used when rendering IRIs.
PREFIXES: dict[str, str] = {
    "kg": KG,
    "kgc": KGC,
    "kgr": KGR,
    "kgd": KGD,
    "kgg": KGG,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "prov": PROV,
    "oa": OA,
    "dcterms": DCTERMS,
    "sem": SEM,
    "schema": SCHEMA,
    "time": TIME,
    "wd": WD,
}

#: The named graphs of a build, in priority order: a triple that would fall
#: into two of them is kept only in the first.
GRAPH_NAMES = ("ontology", "asserted", "background", "evidence", "inferred")


def graph_iri(name: str) -> str:
    if name not in GRAPH_NAMES:
        raise ValueError(f"unknown graph {name!r}")
    return KGG + name


_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def is_valid_id(record_id: str) -> bool:
    """A record id: lower-case ASCII letters, digits and hyphens."""
    return bool(_ID.match(record_id))


def resource_iri(record_id: str) -> str:
    return KGR + record_id


def document_iri(doc_id: str) -> str:
    return KGD + doc_id


def quote_iri(doc_id: str, start: int, end: int) -> str:
    return f"{KGD}{doc_id}-q{start}-{end}"


def annotation_iri(doc_id: str, line: int) -> str:
    return f"{KGD}ann-{doc_id}-L{line}"


def statement_iri(digest: str) -> str:
    return f"{KGD}st-{digest}"


def shorten(iri: str) -> str:
    """``https://w3id.org/kg/id/russia`` -> ``kgr:russia`` when a prefix fits."""
    best = None
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and (best is None or len(ns) > len(PREFIXES[best])):
            best = prefix
    if best is None:
        return iri
    local = iri[len(PREFIXES[best]):]
    if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", local) and not local.endswith("."):
        return f"{best}:{local}"
    return iri


def sparql_prologue() -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
