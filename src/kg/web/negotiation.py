"""Content negotiation for the SPARQL endpoint: which media type answers a request.

Pure functions over header and parameter strings. A ``format`` (or
``output``, as SPARQLWrapper sends it) parameter wins over the Accept header;
an Accept header is matched by quality, most specific range first.
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.errors import KgError


class NotAcceptable(KgError):
    """No media type the client accepts can carry this kind of answer."""


@dataclass(frozen=True)
class Answer:
    """How to write an answer: its media type and kg's name for the format."""

    media_type: str
    fmt: str  # results: json, xml, csv, tsv; graphs: turtle, ntriples, rdfxml, jsonld


#: SELECT and ASK answers, in order of preference when the client has none.
RESULTS = (
    Answer("application/sparql-results+json", "json"),
    Answer("application/sparql-results+xml", "xml"),
    Answer("text/csv", "csv"),
    Answer("text/tab-separated-values", "tsv"),
)
#: CONSTRUCT and DESCRIBE answers.
GRAPHS = (
    Answer("text/turtle", "turtle"),
    Answer("application/n-triples", "ntriples"),
    Answer("application/rdf+xml", "rdfxml"),
    Answer("application/ld+json", "jsonld"),
)
#: Other media types clients send for the same formats.
ALIASES = {
    "application/json": "json", "application/xml": "xml", "text/xml": "xml",
    "application/x-turtle": "turtle", "text/plain": "ntriples", "text/n3": "turtle",
}
#: ``format`` / ``output`` parameter values -> format, for each kind of answer.
PARAM_NAMES = {
    "json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv",
    "turtle": "turtle", "ttl": "turtle", "n3": "turtle", "ntriples": "ntriples", "nt": "ntriples",
    "n-triples": "ntriples", "rdfxml": "rdfxml", "rdf+xml": "rdfxml", "rdf": "rdfxml",
    "jsonld": "jsonld", "json-ld": "jsonld",
}
#: A format asked for by name that belongs to the other kind of answer.
CROSS = {"results": {"turtle": "json", "ntriples": "tsv", "rdfxml": "xml", "jsonld": "json"},
         "graph": {"json": "jsonld", "xml": "rdfxml", "csv": "ntriples", "tsv": "ntriples"}}


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """``(media range, quality)`` pairs, best first (more specific first at equal q)."""
    if not header or not header.strip():
        return [("*/*", 1.0)]
    out = []
    for order, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for f in fields[1:]:
            name, _, value = f.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        specificity = 0 if media == "*/*" else 1 if media.endswith("/*") else 2
        out.append((q, specificity, -order, media))
    out.sort(reverse=True)
    return [(media, q) for q, _, _, media in out]


def choose(kind: str, accept: str | None, param: str | None = None) -> Answer:
    """The answer for a ``kind`` ("results" or "graph") of query.

    ``param`` is the ``format`` / ``output`` parameter (a name such as
    ``json`` or a media type); without it the Accept header decides.
    """
    offered = RESULTS if kind == "results" else GRAPHS
    by_fmt = {a.fmt: a for a in offered}
    if param:
        p = param.strip().lower()
        fmt = PARAM_NAMES.get(p) or ALIASES.get(p) or next(
            (a.fmt for a in RESULTS + GRAPHS if a.media_type == p), None)
        if fmt is None:
            raise NotAcceptable(f"unknown format {param!r}",
                                hint="one of " + ", ".join(a.fmt for a in offered))
        fmt = CROSS[kind].get(fmt, fmt)
        return by_fmt[fmt]
    for media, q in parse_accept(accept):
        if q <= 0:
            continue
        if media in ("*/*", "application/*", "text/*"):
            kind_prefix = media.split("/")[0]
            match = next((a for a in offered if kind_prefix == "*"
                          or a.media_type.startswith(kind_prefix + "/")), None)
            if match:
                return match
            continue
        fmt = next((a.fmt for a in offered if a.media_type == media), None) \
            or ALIASES.get(media)
        if fmt in by_fmt:
            return by_fmt[fmt]
    raise NotAcceptable(
        f"cannot answer a {'SELECT/ASK' if kind == 'results' else 'CONSTRUCT/DESCRIBE'} "
        f"query as {accept}",
        hint="accept one of " + ", ".join(a.media_type for a in offered))


def wants_html(accept: str | None) -> bool:
    """A browser's Accept header: HTML first (a person opening a link to a query)."""
    ranges = parse_accept(accept)
    return bool(accept) and ranges[0][0] in ("text/html", "application/xhtml+xml") \
        and ranges[0][1] > 0
