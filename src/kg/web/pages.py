"""The data behind each page, read from the built store (in the forked child).

Functions take the store (a read-only ``pyoxigraph.Store``) and return plain
data for the templates: terms become :class:`Term` (display text, a link
into the reader when there is a page for it, the full IRI), so templates
never see RDF. Queries run over the union of the build's graphs, as
``kg query`` does.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg import namespaces as ns
from kg.errors import KgError
from kg.query.querying import bind_values, execute, labels
from kg.web.highlight import quote_key


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


def select_rows(store: ox.Store, text: str, bindings: dict | None = None) -> list[tuple]:
    """The rows of a SELECT over the build's graphs (project prefixes predeclared)."""
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
    rows = select_rows(store, """
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
    from kg.interop.export import serialize_triples

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
    from kg.query.querying import resolve_params

    bindings = resolve_params(lambda text: execute(store, text), query, given)
    text = bind_values(query.text, bindings) if bindings else query.text
    try:
        result = store.query(text, default_graph=_union(), named_graphs=_union())
    except (SyntaxError, OSError) as e:
        from kg.errors import QueryError

        raise QueryError(f"queries/{query.name}.rq: the query failed: {e}") from None
    return _table(store, result)


def _union() -> list[ox.NamedNode]:
    from kg.query.querying import dataset_graphs

    return dataset_graphs()


def sparql_result(store: ox.Store, prepared) -> Table:
    """An ad hoc query (already guarded) as a table for the query page."""
    from kg.web.protocol import run

    return _table(store, run(store, prepared))


# --------------------------------------------------------------------------- entities

@dataclass
class EntityPage:
    """A :class:`kg.insight.profile.Profile` with helpers that turn its IRIs into links."""

    iri: str
    ident: str  # the path segment of /entity/ and /graph/
    title: str
    profile: object  # kg.insight.profile.Profile

    def name(self, iri: str) -> Term:
        return Term(self.profile.label(iri), page_for(iri, self._documents), iri)

    def value(self, term) -> Term:
        """A :class:`kg.insight.profile.Term` (IRI or literal) as shown."""
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
    from kg.insight import profile

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
    from kg.insight import profile

    iri = resolve_entity(store, ident)
    prof = profile.profile(store, iri)
    return EntityPage(iri, path_ident(iri), prof.labels[0] if prof.labels else
                      ns.shorten(iri), prof)


def graph_svg(store: ox.Store, ident: str) -> str:
    """The picture around the entity or proposal ``ident`` (:mod:`kg.insight.graphpic`)."""
    from kg.insight import graphpic

    iri = resolve_entity(store, ident)
    nodes, edges = graphpic.neighbourhood(store, iri)
    return graphpic.to_svg(nodes, edges)
