"""The human-readable reference of the ontology, generated from the Turtle.

``render_markdown(ontology)`` gives ``docs/ontology.md``; ``render_dot(ontology)``
gives the Graphviz source of the picture of the main classes and properties
(``docs/ontology.dot``, drawn into ``docs/ontology.svg`` with ``dot -Tsvg``).
Both are pure functions of the graph, so a test can prove the committed files
are not stale. Regenerate them with::

    python -m tools.ontology_docs docs/

from the repository's root (a development tool: not part of the installed package).
"""

from __future__ import annotations

import sys
from pathlib import Path

from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, SKOS

from kg.namespaces import KG, KGC, ONTOLOGY_IRI, PREFIXES, shorten

GOLDSTEIN = URIRef(KG + "goldsteinScale")
STANCE_PROPERTY = URIRef(KG + "stanceProperty")

_KINDS = (
    ("Classes", OWL.Class),
    ("Object properties", OWL.ObjectProperty),
    ("Datatype properties", OWL.DatatypeProperty),
    ("Annotation properties", OWL.AnnotationProperty),
)
_CHARACTERISTICS = (
    (OWL.TransitiveProperty, "transitive"),
    (OWL.SymmetricProperty, "symmetric"),
    (OWL.FunctionalProperty, "functional"),
    (OWL.InverseFunctionalProperty, "inverse functional"),
)


def _own_terms(g: Graph, kind: URIRef) -> list[URIRef]:
    return sorted((s for s in g.subjects(RDF.type, kind)
                   if isinstance(s, URIRef) and str(s).startswith(KG)), key=_key)


def _key(term) -> str:
    return str(term).lower()


def _text(g: Graph, s, p) -> str | None:
    values = sorted(str(o) for o in g.objects(s, p))
    return " ".join(values) if values else None


def _expr(g: Graph, node) -> str:
    """A class expression in Manchester-like notation."""
    if isinstance(node, URIRef):
        return f"`{shorten(str(node))}`"
    if isinstance(node, Literal):
        return f"`{node}`"
    if (lst := g.value(node, OWL.intersectionOf)) is not None:
        return "(" + " and ".join(_expr(g, x) for x in Collection(g, lst)) + ")"
    if (lst := g.value(node, OWL.unionOf)) is not None:
        return "(" + " or ".join(_expr(g, x) for x in Collection(g, lst)) + ")"
    prop = g.value(node, OWL.onProperty)
    for p, word in ((OWL.someValuesFrom, "some"), (OWL.allValuesFrom, "only"),
                    (OWL.hasValue, "value")):
        if (filler := g.value(node, p)) is not None and prop is not None:
            return f"({_expr(g, prop)} {word} {_expr(g, filler)})"
    return "(?)"


def _links(terms) -> str:
    return ", ".join(f"`{shorten(str(t))}`" for t in sorted(terms, key=_key))


def _anchor(term: URIRef) -> str:
    return shorten(str(term)).replace(":", "-").lower()


def _term_section(g: Graph, term: URIRef, kind: URIRef) -> list[str]:
    label = _text(g, term, RDFS.label) or shorten(str(term))
    out = [f"### `{shorten(str(term))}` — {label}", ""]
    definition = _text(g, term, SKOS.definition) or _text(g, term, RDFS.comment)
    if definition:
        out += [definition, ""]
    facts: list[tuple[str, str]] = []
    if kind == OWL.Class:
        supers = [o for o in g.objects(term, RDFS.subClassOf) if isinstance(o, URIRef)]
        if supers:
            facts.append(("subclass of", _links(supers)))
        subs = [s for s in g.subjects(RDFS.subClassOf, term) if isinstance(s, URIRef)]
        if subs:
            facts.append(("superclass of", _links(subs)))
        defined_by = sorted(_expr(g, s) for s in g.subjects(RDFS.subClassOf, term)
                             if isinstance(s, BNode))
        for expr in defined_by:
            facts.append(("inferred for", expr))
        disjoint = set(g.objects(term, OWL.disjointWith)) | set(g.subjects(OWL.disjointWith, term))
        if disjoint:
            facts.append(("disjoint with", _links(disjoint)))
    else:
        characteristics = [word for t, word in _CHARACTERISTICS if (term, RDF.type, t) in g]
        if characteristics:
            facts.append(("characteristics", ", ".join(characteristics)))
        for p, name in ((RDFS.domain, "domain"), (RDFS.range, "range")):
            values = list(g.objects(term, p))
            if values:
                facts.append((name, ", ".join(_expr(g, v) for v in sorted(values, key=_key))))
        supers = list(g.objects(term, RDFS.subPropertyOf))
        if supers:
            facts.append(("subproperty of", _links(supers)))
        subs = list(g.subjects(RDFS.subPropertyOf, term))
        if subs:
            facts.append(("superproperty of", _links(subs)))
        inverse = set(g.objects(term, OWL.inverseOf)) | set(g.subjects(OWL.inverseOf, term))
        if inverse:
            facts.append(("inverse of", _links(inverse)))
        chains = sorted(" ∘ ".join(f"`{shorten(str(p))}`" for p in Collection(g, lst))
                        for lst in g.objects(term, OWL.propertyChainAxiom))
        for chain in chains:
            facts.append(("implied by chain", chain))
    for p, name in ((SKOS.example, "example"), (SKOS.scopeNote, "scope note")):
        for value in sorted(str(o) for o in g.objects(term, p)):
            facts.append((name, value))
    out += [f"- *{name}*: {value}" for name, value in facts]
    return out + ([""] if facts else [])


def _concepts(g: Graph) -> list[str]:
    out = ["## Concept schemes", "",
           "Controlled lists are SKOS concept schemes in the `kgc:` namespace.", ""]
    schemes = sorted((s for s in g.subjects(RDF.type, SKOS.ConceptScheme)
                      if str(s).startswith(KGC)), key=_key)
    for scheme in schemes:
        title = _text(g, scheme, SKOS.prefLabel) or shorten(str(scheme))
        out += [f"### `{shorten(str(scheme))}` — {title}", "",
                _text(g, scheme, SKOS.definition) or "", ""]
        concepts = sorted(g.subjects(SKOS.inScheme, scheme),
                          key=lambda c: (str(g.value(c, SKOS.notation) or ""), _key(c)))
        has_code = any(g.value(c, SKOS.notation) is not None for c in concepts)
        has_stance = any(g.value(c, STANCE_PROPERTY) is not None for c in concepts)
        header = ["concept", "label"]
        if has_code:
            header += ["CAMEO code", "Goldstein"]
        if has_stance:
            header += ["shortcut property"]
        header += ["definition"]
        out += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for c in concepts:
            row = [f"`{shorten(str(c))}`", _text(g, c, SKOS.prefLabel) or ""]
            if has_code:
                row += [str(g.value(c, SKOS.notation) or ""), str(g.value(c, GOLDSTEIN) or "")]
            if has_stance:
                prop = g.value(c, STANCE_PROPERTY)
                row += [f"`{shorten(str(prop))}`" if prop is not None else ""]
            row += [_text(g, c, SKOS.definition) or ""]
            out.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
        out.append("")
    return out


def _external(g: Graph) -> list[str]:
    terms = sorted((s for s in g.subjects(RDFS.isDefinedBy, None)
                    if isinstance(s, URIRef) and not str(s).startswith((KG, KGC))), key=_key)
    out = ["## Reused terms", "",
           "Declared minimally (no `owl:imports`) so that the ontology's own terms can",
           "point to them with `rdfs:subClassOf` and `rdfs:subPropertyOf`.", "",
           "| term | label | defined by |", "|---|---|---|"]
    for t in terms:
        out.append(f"| `{shorten(str(t))}` | {_text(g, t, RDFS.label) or ''} | "
                   f"<{g.value(t, RDFS.isDefinedBy)}> |")
    return out + [""]


def render_markdown(ontology: Graph) -> str:
    """The reference page of the ontology (``docs/ontology.md``)."""
    g = ontology
    onto = URIRef(ONTOLOGY_IRI)
    title = _text(g, onto, DCTERMS.title) or _text(g, onto, RDFS.label) or "Ontology"
    out = [
        "<!-- Generated by tools/ontology_docs.py (render_markdown) from ontology/kg.ttl;",
        "     do not edit: run `python -m tools.ontology_docs docs/` -->",
        "",
        f"# {title}",
        "",
        f"- *IRI*: <{ONTOLOGY_IRI}>",
        f"- *version*: {_text(g, onto, OWL.versionInfo) or '?'}",
        f"- *version IRI*: <{g.value(onto, OWL.versionIRI)}>",
        f"- *licence*: <{g.value(onto, DCTERMS.license)}>",
        "",
        _text(g, onto, DCTERMS.description) or "",
        "",
        "How the ontology reasons is in [inference.md](inference.md); how articles",
        "become triples is in [design.md](design.md).",
        "",
        "![The main classes and properties](ontology.svg)",
        "",
        "## Namespaces",
        "",
        "| prefix | IRI |",
        "|---|---|",
    ]
    out += [f"| `{p}:` | <{ns}> |" for p, ns in PREFIXES.items()]
    out.append("")
    contents = []
    for heading, kind in _KINDS:
        terms = _own_terms(g, kind)
        contents.append(f"- {heading}: " + ", ".join(
            f"[`{shorten(str(t))}`](#{_anchor(t)})" for t in terms))
    out += ["## Contents", "", *contents, "- [Concept schemes](#concept-schemes)",
            "- [Reused terms](#reused-terms)", ""]
    for heading, kind in _KINDS:
        out += [f"## {heading}", ""]
        for term in _own_terms(g, kind):
            out += [f'<a id="{_anchor(term)}"></a>', ""]
            out += _term_section(g, term, kind)
    out += _concepts(g)
    out += _external(g)
    return "\n".join(out).rstrip("\n") + "\n"


# ---------------------------------------------------------------------------
# The picture
# ---------------------------------------------------------------------------

#: The classes drawn in the picture (the rest are listed in the reference).
PICTURE_CLASSES = (
    "Actor", "Person", "State", "Organisation", "Group", "Delegation", "Role", "Place", "City",
    "Event", "Negotiation", "CommunicationEvent", "Proposal", "Demand", "Position", "Claim",
    "Proposition", "NewsArticle",
)
#: The object properties drawn as edges between their domain and range.
PICTURE_PROPERTIES = (
    "participant", "heldIn", "locatedIn", "negotiatesWith", "represents", "memberOf",
    "actsOnBehalfOf", "hasRole", "roleFor", "addressedTo", "holder", "target", "expressedIn",
    "claimant", "about", "statedIn", "proposition", "comparedWith",
)
#: Edges for properties without a single named domain or range.
_PICTURE_DEFAULTS = {"target": "Proposal", "about": "Actor"}


def render_dot(ontology: Graph) -> str:
    """Graphviz source of the picture of the main classes and properties."""
    g = ontology
    kg = {name: URIRef(KG + name) for name in PICTURE_CLASSES}
    lines = [
        "// Generated by tools/ontology_docs.py (render_dot) from ontology/kg.ttl; do not edit.",
        "digraph kg {",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=11, nodesep=0.3, ranksep=0.6];',
        '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname="Helvetica",'
        " fontsize=11];",
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    for name in PICTURE_CLASSES:
        supers = [shorten(str(o)) for o in g.objects(kg[name], RDFS.subClassOf)
                  if isinstance(o, URIRef) and not str(o).startswith(KG)]
        extra = "\\n⊑ " + ", ".join(sorted(supers)) if supers else ""
        lines.append(f'  "{name}" [label="kg:{name}{extra}"];')
    for name in PICTURE_CLASSES:
        for o in sorted(g.objects(kg[name], RDFS.subClassOf), key=_key):
            if isinstance(o, URIRef) and str(o).startswith(KG) and str(o)[len(KG):] in kg:
                lines.append(f'  "{name}" -> "{str(o)[len(KG):]}" [arrowhead=empty, '
                             'color="#666666"];')
    for prop in PICTURE_PROPERTIES:
        p = URIRef(KG + prop)
        dom, rng = g.value(p, RDFS.domain), g.value(p, RDFS.range)
        d = str(dom)[len(KG):] if isinstance(dom, URIRef) and str(dom).startswith(KG) else None
        r = str(rng)[len(KG):] if isinstance(rng, URIRef) and str(rng).startswith(KG) else None
        r = r or _PICTURE_DEFAULTS.get(prop)
        if d in kg and r in kg:
            marks = [word for t, word in _CHARACTERISTICS if (p, RDF.type, t) in g]
            label = prop + (f" ({', '.join(marks)})" if marks else "")
            lines.append(f'  "{d}" -> "{r}" [label="{label}", color="#1f5fa8", '
                         'fontcolor="#1f5fa8"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_docs(ontology: Graph, docs_dir: Path) -> list[Path]:
    """Write docs/ontology.md and docs/ontology.dot; return the paths written."""
    md = docs_dir / "ontology.md"
    dot = docs_dir / "ontology.dot"
    md.write_text(render_markdown(ontology), encoding="utf-8")
    dot.write_text(render_dot(ontology), encoding="utf-8")
    return [md, dot]


def _main(argv: list[str]) -> int:
    from kg.resources import ontology_file, read_text

    docs_dir = Path(argv[0]) if argv else Path("docs")
    g = Graph().parse(data=read_text(ontology_file()), format="turtle")
    for path in write_docs(g, docs_dir):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
