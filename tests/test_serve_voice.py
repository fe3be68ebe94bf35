"""The reader colours quotes by kg:voice / kg:voiceOf when the evidence graph has them.

A small store made here (the seed's build records no voices yet): one quote
in the article's own voice, one in Zelenskyy's words, one in the words of a
speaker the build could not name.
"""

from __future__ import annotations

import pyoxigraph as ox

from kg import namespaces as ns
from kg.web import reader

TEXT = "Kyiv rejected the plan. “We will never accept it,” Zelenskyy said. “No,” one said."


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _store() -> ox.Store:
    store = ox.Store()
    ev, asserted = _n(ns.graph_iri("evidence")), _n(ns.graph_iri("asserted"))
    doc = _n(ns.KGD + "t1")
    rdf, oa, kg, kgr = ns.RDF, ns.OA, ns.KG, ns.KGR
    add = store.add

    def quote(text: str, voice: str, speaker: str | None, triple: tuple) -> None:
        start = TEXT.index(text)
        end = start + len(text)
        q, pos, sel = (_n(f"{ns.KGD}t1-q{start}-{end}{x}") for x in ("", "-pos", "-text"))
        ann, st = _n(f"{ns.KGD}ann-t1-L{start}"), _n(f"{ns.KGD}st-{start:04x}")
        for s, p, o in [(q, oa + "hasSource", doc), (q, oa + "hasSelector", pos),
                        (q, oa + "hasSelector", sel), (pos, oa + "start", ox.Literal(
                            str(start), datatype=_n(ns.XSD + "integer"))),
                        (pos, oa + "end", ox.Literal(str(end),
                                                     datatype=_n(ns.XSD + "integer"))),
                        (sel, oa + "exact", ox.Literal(text)),
                        (q, kg + "voice", _n(ns.KGC + voice)),
                        (ann, oa + "hasTarget", q), (ann, kg + "supportsStatement", st),
                        (st, rdf + "subject", triple[0]), (st, rdf + "predicate", triple[1]),
                        (st, rdf + "object", triple[2])]:
            add(ox.Quad(s, _n(p), o, ev))
        if speaker:
            add(ox.Quad(q, _n(kg + "voiceOf"), _n(kgr + speaker), ev))
        add(ox.Quad(triple[0], triple[1], triple[2], asserted))

    add(ox.Quad(doc, _n(kg + "fullText"), ox.Literal(TEXT), ev))
    add(ox.Quad(doc, _n(ns.DCTERMS + "title"), ox.Literal("A test article"), ev))
    for rid, label in [("ukraine", "Ukraine"), ("plan", "the plan"),
                       ("zelenskyy", "Volodymyr Zelenskyy"), ("claim-z", "we will never")]:
        add(ox.Quad(_n(kgr + rid), _n(ns.RDFS + "label"), ox.Literal(label), asserted))
    add(ox.Quad(_n(kgr + "claim-z"), _n(rdf + "type"), _n(kg + "Claim"), asserted))
    add(ox.Quad(_n(kgr + "claim-z"), _n(kg + "claimant"), _n(kgr + "zelenskyy"), asserted))
    quote("Kyiv rejected the plan", "own-voice", None,
          (_n(kgr + "ukraine"), _n(kg + "rejects"), _n(kgr + "plan")))
    quote("We will never accept it,", "direct-speech", "zelenskyy",
          (_n(kgr + "claim-z"), _n(kg + "claimant"), _n(kgr + "zelenskyy")))
    quote("No,", "direct-speech", None,
          (_n(kgr + "claim-z"), _n(kg + "about"), _n(kgr + "plan")))
    return store


def test_quotes_are_coloured_by_voice_and_speaker():
    page = reader.article(_store(), "t1")
    assert page.by_voice
    assert [(q.exact, q.css, q.voice, q.speaker.text if q.speaker else None)
            for q in page.quotes] == [
        ("Kyiv rejected the plan", "v-own", "own voice", None),
        ("We will never accept it,", "v-speech sp-0", "direct speech", "Volodymyr Zelenskyy"),
        ("No,", "v-speech sp-unknown", "direct speech", None)]
    assert page.legend == [("v-own", "the article's own words"),
                           ("v-speech sp-0", "Volodymyr Zelenskyy"),
                           ("v-speech sp-unknown", "another speaker")]
    assert '<mark class="hl v-speech sp-0" data-q="q25-49" tabindex="0">We will never ' \
           "accept it,</mark>" in page.html
    assert [(s.kind, s.subject.text, s.predicate.text, s.object.text,
             s.claimant.text if s.claimant else None, s.quotes) for s in page.supports] == [
        ("fact", "Ukraine", "kg:rejects", "the plan", None, ["q0-22"]),
        ("claim", "we will never", "kg:claimant", "Volodymyr Zelenskyy",
         "Volodymyr Zelenskyy", ["q25-49"]),
        ("claim", "we will never", "kg:about", "the plan", "Volodymyr Zelenskyy", ["q68-71"])]


def test_the_seed_is_coloured_by_voice_or_else_by_claim_and_fact(built_store):
    """Exact for either state of the build: with kg:voice (once helper voice's mapping
    lands) or without (claim vs fact)."""
    from kg.store.disk import open_store

    page = reader.article(open_store(built_store).oxigraph, "000_99214e3abbb71cf3")
    held = next(q for q in page.quotes if q.key == "q169-185")
    if page.by_voice:
        assert held.css == "v-own"
        assert {q.css for q in page.quotes} <= {"v-own", "v-speech sp-unknown"} | {
            f"v-speech sp-{i}" for i in range(reader.SPEAKER_COLOURS)}
        dymov = [q for q in page.quotes if q.speaker and q.speaker.text == "Valeriy Dymov"]
        assert dymov and all(q.css.startswith("v-speech sp-") for q in dymov)
        return
    assert {q.css for q in page.quotes} == {"k-fact", "k-claim"}
    assert held.css == "k-fact"
    claimed = [q for q in page.quotes if q.css == "k-claim"]
    assert claimed and all(any(page.by_key[k].kind == "claim" for k in q.supports)
                           for q in claimed)
