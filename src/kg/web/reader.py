"""The article reader's data: the text with its quotes highlighted, and what each supports.

Read from the built store (in the forked child): the article's text and
metadata, its quotes (``oa:start``/``oa:end``, code points) with their voice
(``kg:voice``/``kg:voiceOf`` when the build records them), and every triple
each quote supports, a fact or part of a claim (with the claimant). Quotes
are coloured by voice (the article's own words, each speaker's) when the
evidence graph has voices, else by claim versus fact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg import namespaces as ns
from kg.web.highlight import Span, highlight, quote_key
from kg.web.pages import Namer, NotFound, Term, select_rows

OWN_VOICE = ns.KGC + "own-voice"
SPEAKER_COLOURS = 8  # sp-0 .. sp-7 in kg.css


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
    head = select_rows(store, """SELECT ?text ?title ?date ?pub WHERE { ?doc kg:fullText ?text .
        OPTIONAL { ?doc dcterms:title ?title } OPTIONAL { ?doc dcterms:date ?date }
        OPTIONAL { ?doc dcterms:publisher ?pub } } LIMIT 1""", bound)
    if not head:
        raise NotFound(f"no article {doc!r} in the build",
                       hint="the index page lists the articles")
    text, title, date, pub = head[0]
    quote_rows = select_rows(store, _QUOTES, bound)
    support_rows = sorted(select_rows(store, _SUPPORTS, bound),
                          key=lambda r: (r[1].value, r[0].value))
    claims: dict[str, tuple] = {}
    for x, claim, claimant in select_rows(store, _CLAIMS):
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
