"""Checks on RDF that comes from outside before a parser sees it: nothing fetched, nothing bombed.

kg itself parses no user-supplied RDF: the annotation files are YAML (read
node by node, see :mod:`kg.read.annotations`), and the only RDF files kg reads
are its own packaged ontology and shapes. RDF does arrive from outside in
one place: the answer of a remote SPARQL endpoint the user named
(``--endpoint``), which may be JSON-LD, RDF/XML or SPARQL XML results. Two
features of those formats reach beyond the document:

* a JSON-LD ``@context`` (or ``@import``) given as an IRI asks the reader to
  fetch that document, from the network or, for a relative IRI, a file;
* an XML document type (RDF/XML, SPARQL XML results) may declare entities: ``SYSTEM``/``PUBLIC``
  ones name a file or URL to read (XXE), and internal ones can nest into
  an exponential expansion ("billion laughs") that pyoxigraph performs in
  full, exhausting memory.

pyoxigraph loads no remote context and reads no external entity, but its
errors do not say what was blocked, and it expands internal entities.
:func:`check_rdf` refuses all of these with a message naming the IRI (or
the entity) before parsing, so that call sites can run it first::

    check_rdf(body, "application/ld+json")   # raises UnsafeInput

It needs only the standard library and raises :class:`UnsafeInput`, a
:class:`~kg.errors.KgError`.
"""

from __future__ import annotations

import json
import re

from kg.errors import KgError

#: The largest RDF document check_rdf looks into.
MAX_RDF_BYTES = 200_000_000
#: The deepest JSON nesting accepted (Python's json recursion limit is ~1000).
MAX_JSON_DEPTH = 200


class UnsafeInput(KgError):
    """Input that would make kg fetch something, or expand without bound."""


_JSONLD = {"application/ld+json", "jsonld", "json-ld"}
_RDFXML = {"application/rdf+xml", "rdfxml", "rdf/xml", "application/xml", "text/xml",
           "application/sparql-results+xml"}

_DOCTYPE = re.compile(rb"<!DOCTYPE\b", re.I)
_ENTITY = re.compile(
    rb"<!ENTITY\s+(%\s+)?([^\s>]+)\s+(?:(SYSTEM)\s+(\"[^\"]*\"|'[^']*')"
    rb"|(PUBLIC)\s+(?:\"[^\"]*\"|'[^']*')\s+(\"[^\"]*\"|'[^']*'))?", re.I)


def check_rdf(body: bytes | str, fmt: str, *, source: str = "the document") -> None:
    """Refuse ``body`` (in ``fmt``: a media type or kg format name) if parsing could fetch.

    JSON-LD: any ``@context`` or ``@import`` that is an IRI (absolute or
    relative). RDF/XML: any ``<!ENTITY>`` declaration (external ones are
    named by their IRI). Other formats have no such feature and pass.
    """
    data = body.encode("utf-8") if isinstance(body, str) else body
    if len(data) > MAX_RDF_BYTES:
        raise UnsafeInput(f"{source} is {len(data)} bytes, more than the limit of "
                          f"{MAX_RDF_BYTES}")
    kind = fmt.lower().split(";")[0].strip()
    if kind in _JSONLD:
        _check_jsonld(data, source)
    elif kind in _RDFXML:
        _check_rdfxml(data, source, "XML" if kind == "application/sparql-results+xml"
                      else "RDF/XML")


def _check_jsonld(data: bytes, source: str) -> None:
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return  # not JSON: the parser will say so, and fetches nothing
    stack = [(doc, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise UnsafeInput(f"{source}: JSON-LD nested deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("@context", "@import"):
                    for ctx in value if isinstance(value, list) else [value]:
                        if isinstance(ctx, str):
                            raise UnsafeInput(
                                f"{source}: the JSON-LD {key} <{ctx}> is refused: kg does "
                                "not fetch remote or relative contexts",
                                hint="ask for N-Triples or Turtle, or inline the context")
                stack.append((value, depth + 1))
        elif isinstance(node, list):
            stack.extend((item, depth + 1) for item in node)


def _check_rdfxml(data: bytes, source: str, label: str = "RDF/XML") -> None:
    if not _DOCTYPE.search(data):
        return
    for m in _ENTITY.finditer(data):
        name = m.group(2).decode("utf-8", "replace")
        iri = m.group(4) or m.group(6)
        if iri is not None:
            shown = iri[1:-1].decode("utf-8", "replace")
            raise UnsafeInput(f"{source}: the {label} external entity {name!r} <{shown}> is "
                              "refused: kg reads no file or URL named inside a document",
                              hint="ask for N-Triples or Turtle instead")
        raise UnsafeInput(f"{source}: the {label} entity declaration {name!r} is refused: "
                          "entities can expand without bound",
                          hint="ask for N-Triples or Turtle instead")
