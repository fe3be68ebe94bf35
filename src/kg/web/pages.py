"""The data behind each page, read from the built store (in the forked child).

Functions take the store (a read-only ``pyoxigraph.Store``) and return plain
data for the templates: terms become :class:`Term` (display text, a link
into the reader when there is a page for it, the full IRI), so templates
never see RDF. Queries run over the union of the build's graphs, as
``kg query`` does.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from .. import namespaces as ns
from ..errors import KgError
from ..querying import bind_values, execute, labels
from .highlight import Span, highlight, quote_key

OWN_VOICE = ns.KGC + "own-voice"
SPEAKER_COLOURS = 8  # sp-0 .. sp-7 in kg.css


class NotFound(KgError):
    """The page asked for does not exist (HTTP 404)."""


@dataclass(frozen=True)
class Term:
    """An RDF term as shown: its text, a link to its page (if any) and its IRI."""

    text: str
    href: str | None = None
    iri: str | None = None


def page_for(iri: str, documents: set[str] = frozenset()) -> str | None:
    """The reader's page for an IRI: an entity page for ``kgr:``, the reader for an article."""
    if iri.startswith(ns.KGR):
        local = iri[len(ns.KGR):]
        if ns.is_valid_id(local):
            return "/entity/" + local
    if iri in documents:
        return "/article/" + urllib.parse.quote(iri[len(ns.KGD):], safe="")
    return None


class Namer:
    """Turns pyoxigraph terms into :class:`Term`, with labels looked up in one go."""

    def __init__(self, store: ox.Store, terms: Iterable, documents: set[str] = frozenset()):
        iris = {t.value for t in terms if isinstance(t, ox.NamedNode)}
        self.names = labels(lambda text: execute(store, text), iris)
        self.documents = documents

    def __call__(self, term) -> Term:
        if term is None:
            return Term("")
        if isinstance(term, ox.NamedNode):
            return Term(self.names.get(term.value) or ns.shorten(term.value),
                        page_for(term.value, self.documents), term.value)
        if isinstance(term, ox.BlankNode):
            return Term("_:" + term.value)
        return Term(term.value)


def _rows(store: ox.Store, text: str, bindings: dict | None = None) -> list[tuple]:
    return execute(store, text, bindings=bindings, prefixes=ns.PREFIXES).rows


# --------------------------------------------------------------------------- index

@dataclass
class ArticleItem:
    doc: str
    href: str
    title: str
    date: str
    publisher: Term
    quotes: int


def articles(store: ox.Store) -> list[ArticleItem]:
    """Every article of the build, newest first."""
    rows = _rows(store, """
        SELECT ?doc (SAMPLE(?t) AS ?title) (SAMPLE(?d) AS ?date) (SAMPLE(?pub) AS ?publisher)
               (COUNT(DISTINCT ?q) AS ?quotes)
        WHERE { ?doc kg:fullText ?text .
                OPTIONAL { ?doc dcterms:title ?t } OPTIONAL { ?doc dcterms:date ?d }
                OPTIONAL { ?doc dcterms:publisher ?pub }
                OPTIONAL { ?q oa:hasSource ?doc } }
        GROUP BY ?doc ORDER BY DESC(SAMPLE(?d)) ?doc""")
    name = Namer(store, [r[3] for r in rows])
    return [ArticleItem(doc.value[len(ns.KGD):], page_for(doc.value, {doc.value}) or "",
                        title.value if title else doc.value, date.value if date else "",
                        name(pub), int(n.value))
            for doc, title, date, pub, n in rows]


# --------------------------------------------------------------------------- article

@dataclass
class Support:
    """A triple that a quote of the article supports: a fact, or part of a claim."""

    key: str  # the statement's anchor id
    kind: str  # "fact" | "claim"
    subject: Term
    predicate: Term
    object: Term
    claimant: Term | None
    record: Term | None
    where: str  # "000_....yaml line 42"
    quotes: list[str] = field(default_factory=list)  # quote keys, in text order


@dataclass
class QuoteView:
    key: str
    start: int
    end: int
    exact: str
    css: str
    voice: str  # "own voice", "direct speech", "reported speech", "" when unknown
    speaker: Term | None
    supports: list[str] = field(default_factory=list)  # Support keys


@dataclass
class ArticlePage:
    doc: str
    iri: str
    title: str
    date: str
    publisher: Term
    html: str
    quotes: list[QuoteView]
    supports: list[Support]
    legend: list[tuple[str, str]]
    by_voice: bool  # coloured by kg:voice (else by claim vs fact)

    @property
    def by_key(self) -> dict[str, Support]:
        return {s.key: s for s in self.supports}

    @property
    def exact(self) -> dict[str, str]:
        """Quote key -> the quoted words."""
        return {q.key: q.exact for q in self.quotes}


_QUOTES = """
SELECT ?quote ?start ?end ?exact ?voice ?speaker WHERE { GRAPH kgg:evidence {
  ?quote oa:hasSource ?doc ; oa:hasSelector ?pos .
  ?pos oa:start ?start ; oa:end ?end .
  OPTIONAL { ?quote oa:hasSelector ?text . ?text oa:exact ?exact }
  OPTIONAL { ?quote kg:voice ?voice }
  OPTIONAL { ?quote kg:voiceOf ?speaker }
} }"""
_SUPPORTS = """
SELECT ?quote ?st ?s ?p ?o ?body ?file ?line WHERE { GRAPH kgg:evidence {
  ?quote oa:hasSource ?doc .
  ?ann oa:hasTarget ?quote ; kg:supportsStatement ?st .
  ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
  OPTIONAL { ?ann oa:hasBody ?body }
  OPTIONAL { ?ann kg:annotationFile ?file ; kg:annotationLine ?line }
} }"""
#: every claim and claim content (kg:Proposition) with the claim and its claimant
_CLAIMS = """
SELECT ?x ?claim ?claimant WHERE {
  { ?x a kg:Claim . BIND(?x AS ?claim) } UNION { ?claim kg:proposition ?x }
  OPTIONAL { ?claim kg:claimant ?claimant }
}"""


def article(store: ox.Store, doc: str) -> ArticlePage:
    """The reader's data for article ``doc`` (the local name of its ``kgd:`` IRI)."""
    iri = ns.KGD + doc
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", doc):
        raise NotFound(f"no article {doc!r}")
    bound = {"doc": ox.NamedNode(iri)}
    head = _rows(store, """SELECT ?text ?title ?date ?pub WHERE { ?doc kg:fullText ?text .
        OPTIONAL { ?doc dcterms:title ?title } OPTIONAL { ?doc dcterms:date ?date }
        OPTIONAL { ?doc dcterms:publisher ?pub } } LIMIT 1""", bound)
    if not head:
        raise NotFound(f"no article {doc!r} in the build",
                       hint="the index page lists the articles")
    text, title, date, pub = head[0]
    quote_rows = _rows(store, _QUOTES, bound)
    support_rows = sorted(_rows(store, _SUPPORTS, bound),
                          key=lambda r: (r[1].value, r[0].value))
    claims: dict[str, tuple] = {}
    for x, claim, claimant in _rows(store, _CLAIMS):
        if x.value not in claims or claims[x.value][1] is None:
            claims[x.value] = (claim, claimant)
    name = Namer(store, [r[5] for r in quote_rows]
                 + [t for r in support_rows for t in (r[2], r[3], r[4], r[5])]
                 + [c for _, c in claims.values()] + [pub], {iri})
    by_voice = any(r[4] is not None for r in quote_rows)
    speakers = sorted({r[5].value for r in quote_rows if r[5] is not None})
    quotes: dict[str, QuoteView] = {}
    by_iri: dict[str, QuoteView] = {}
    for q, start, end, exact, voice, speaker in quote_rows:
        key = quote_key(int(start.value), int(end.value))
        view = quotes.get(key)
        if view is None:
            view = quotes[key] = QuoteView(
                key, int(start.value), int(end.value), exact.value if exact else "",
                _voice_css(voice, speaker, speakers) if by_voice else "", _voice_text(voice),
                name(speaker) if speaker is not None else None)
        by_iri[q.value] = view
    supports: dict[str, Support] = {}
    for q, st, s, p, o, body, file_, line in support_rows:
        view = by_iri.get(q.value)
        if view is None:
            continue
        skey = "s-" + st.value.rsplit("/", 1)[-1]
        sup = supports.get(skey)
        if sup is None:
            claim, claimant = claims.get(s.value, (None, None))
            sup = supports[skey] = Support(
                skey, "claim" if claim is not None else "fact", name(s), name(p), name(o),
                name(claimant) if claimant is not None else None,
                name(body) if body is not None else None,
                f"{file_.value} line {line.value}" if file_ is not None else "")
        if view.key not in sup.quotes:
            sup.quotes.append(view.key)
        if skey not in view.supports:
            view.supports.append(skey)
    if not by_voice:
        for view in quotes.values():
            view.css = "k-claim" if any(supports[k].kind == "claim"
                                        for k in view.supports) else "k-fact"
    spans = [Span(v.start, v.end, v.key, v.css) for v in quotes.values()]
    for sup in supports.values():
        sup.quotes.sort(key=lambda k: (quotes[k].start, quotes[k].end))
    first = {k: (quotes[s.quotes[0]].start, quotes[s.quotes[0]].end)
             for k, s in supports.items()}
    ordered = sorted(supports.values(), key=lambda s: (first[s.key], s.subject.text,
                                                       s.predicate.text, s.object.text))
    return ArticlePage(doc, iri, title.value if title else doc, date.value if date else "",
                       name(pub) if pub is not None else Term(""),
                       highlight(text.value, spans), sorted(quotes.values(),
                                                            key=lambda v: (v.start, v.end)),
                       ordered, _legend(by_voice, speakers, name), by_voice)


def _voice_text(voice) -> str:
    if voice is None:
        return ""
    return {ns.KGC + "own-voice": "own voice", ns.KGC + "direct-speech": "direct speech",
            ns.KGC + "reported-speech": "reported speech"}.get(voice.value,
                                                               ns.shorten(voice.value))


def _voice_css(voice, speaker, speakers: list[str]) -> str:
    if voice is None:
        return "v-unknown"
    if voice.value == OWN_VOICE:
        return "v-own"
    if speaker is None:
        return "v-speech sp-unknown"
    return f"v-speech sp-{speakers.index(speaker.value) % SPEAKER_COLOURS}"


def _legend(by_voice: bool, speakers: list[str], name: Namer) -> list[tuple[str, str]]:
    if not by_voice:
        return [("k-fact", "the article's facts"), ("k-claim", "what someone claims")]
    out = [("v-own", "the article's own words")]
    out += [(f"v-speech sp-{i % SPEAKER_COLOURS}", name(ox.NamedNode(s)).text)
            for i, s in enumerate(speakers)]
    out.append(("v-speech sp-unknown", "another speaker"))
    return out


# --------------------------------------------------------------------------- queries

@dataclass
class Table:
    """A query's answer for a page: rows of terms, a boolean, or a graph as Turtle."""

    variables: list[str] = field(default_factory=list)
    rows: list[list[Term]] = field(default_factory=list)
    boolean: bool | None = None
    graph: str | None = None


def _table(store: ox.Store, result) -> Table:
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = [tuple(r) for r in result]
        name = Namer(store, [t for r in rows for t in r], _documents(store, rows))
        return Table(variables, [[name(t) for t in r] for r in rows])
    if isinstance(result, ox.QueryBoolean):
        return Table(boolean=bool(result))
    from ..export import serialize_triples

    return Table(graph=serialize_triples(list(result), "turtle").decode("utf-8"))


def _documents(store: ox.Store, rows: list[tuple]) -> set[str]:
    """The articles among the IRIs of ``rows`` (they link to the reader)."""
    docs = {t.value for r in rows for t in r
            if isinstance(t, ox.NamedNode) and t.value.startswith(ns.KGD)
            and "-q" not in t.value[len(ns.KGD):]}
    if not docs:
        return set()
    values = " ".join(str(ox.NamedNode(d)) for d in sorted(docs))
    return {r[0].value for r in execute(
        store, "SELECT ?d WHERE { VALUES ?d { %s } ?d <%sfullText> ?t }" % (values, ns.KG)).rows}


def canned(store: ox.Store, query, given: dict[str, str]) -> Table:
    """A canned query run with the parameters a form gave (defaults for the others)."""
    from ..querying import resolve_params

    bindings = resolve_params(lambda text: execute(store, text), query, given)
    text = bind_values(query.text, bindings) if bindings else query.text
    try:
        result = store.query(text, default_graph=_union(), named_graphs=_union())
    except (SyntaxError, OSError) as e:
        from ..errors import QueryError

        raise QueryError(f"queries/{query.name}.rq: the query failed: {e}") from None
    return _table(store, result)


def _union() -> list[ox.NamedNode]:
    from ..querying import dataset_graphs

    return dataset_graphs()


def sparql_result(store: ox.Store, prepared) -> Table:
    """An ad hoc query (already guarded) as a table for the query page."""
    from .protocol import run

    return _table(store, run(store, prepared))


# --------------------------------------------------------------------------- entities

@dataclass
class EntityPage:
    """A :class:`kg.profile.Profile` with helpers that turn its IRIs into links."""

    iri: str
    ident: str  # the path segment of /entity/ and /graph/
    title: str
    profile: object  # kg.profile.Profile

    def name(self, iri: str) -> Term:
        return Term(self.profile.label(iri), page_for(iri, self._documents), iri)

    def value(self, term) -> Term:
        """A :class:`kg.profile.Term` (IRI or literal) as shown."""
        if term.kind == "iri":
            return self.name(term.value)
        if term.kind == "bnode":
            return Term("_:" + term.value)
        return Term(term.value)

    def quote_href(self, quote) -> str:
        doc = page_for(quote.document, {quote.document}) or ""
        return f"{doc}#{quote_key(quote.start, quote.end)}"

    @property
    def _documents(self) -> set[str]:
        return {q.document for f in self.profile.facts_out + self.profile.facts_in
                for q in f.quotes}


def resolve_entity(store: ox.Store, ident: str) -> str:
    """The IRI that ``ident`` (a record id, prefixed name, IRI, label or alias) names."""
    from .. import profile

    text = urllib.parse.unquote(ident)
    try:
        if ns.is_valid_id(text):
            try:
                return profile.find_entity(store, "kgr:" + text)
            except profile.EntityNotFound:
                pass
        return profile.find_entity(store, text)
    except profile.EntityNotFound as e:
        raise NotFound(e.message, hint=e.hint) from None


def path_ident(iri: str) -> str:
    """The /entity/ path segment for an IRI: the record id for ``kgr:``, else the IRI."""
    local = iri[len(ns.KGR):] if iri.startswith(ns.KGR) else ""
    return local if ns.is_valid_id(local) else urllib.parse.quote(iri, safe="")


def entity(store: ox.Store, ident: str) -> EntityPage:
    from .. import profile

    iri = resolve_entity(store, ident)
    prof = profile.profile(store, iri)
    return EntityPage(iri, path_ident(iri), prof.labels[0] if prof.labels else
                      ns.shorten(iri), prof)


def graph_svg(store: ox.Store, ident: str) -> str:
    """The picture around the entity or proposal ``ident`` (:mod:`kg.graphpic`)."""
    from .. import graphpic

    iri = resolve_entity(store, ident)
    nodes, edges = graphpic.neighbourhood(store, iri)
    return graphpic.to_svg(nodes, edges)
