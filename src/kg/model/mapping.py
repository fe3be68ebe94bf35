"""Plain annotation data -> triples, in three graphs (pure functions, no I/O).

* ``asserted``: what the articles state (facts and claim records);
* ``background``: reference knowledge (Wikidata links, place containment);
* ``evidence``: documents, quotes and their selectors, one ``oa:Annotation``
  per annotation record, one reified ``rdf:Statement`` per supported triple.

The evidence graph is about ten times the size of the asserted graph, so it
is written straight to N-Triples text (``_Evidence``) rather than built from
rdflib terms: a large build streams it into the store article by article, and
``map_articles`` parses it back into rdflib triples for in-memory use.

See docs/design.md for the model.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import pickle
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from rdflib import RDF, RDFS, XSD, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from kg import namespaces as ns
from kg.errors import InputError, attempt
from kg.model.rdfterms import nt, nt_literal
from kg.model.vocabulary import Vocabulary
from kg.read.anchoring import Anchor, AnchorError, anchor
from kg.read.annotations import AnnotationFile, BackgroundFact, Property, QuoteRef, Value
from kg.read.sources import Article
from kg.read.voice import (
    CORRECTION_CUE,
    DIRECT,
    OWN,
    REPORTED,
    Region,
    apply_corrections,
    detect,
    quote_voice,
)

Triple = tuple

@functools.cache
def KG(local: str) -> URIRef:
    """The kg: term of a local name (built once per name)."""
    return URIRef(ns.KG + local)


CONTEXT_CHARS = 24
_LANG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
_DURATION = re.compile(
    r"^-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
_QID = re.compile(r"^Q[1-9][0-9]*$")
#: The record key that makes a record's resource exist only inside a claim's content.
WITHIN = "within"


@dataclass(frozen=True)
class Span:
    """A quote anchored in an article, and the record it supports."""

    doc_id: str
    start: int
    end: int
    record_id: str
    line: int
    #: what the quote anchors: "fact" (a triple beyond a name), "mention" (only a
    #: type, label or alias), "claim" or "structured-claim" (a claim with a
    #: proposition or a reported claim); any other role (e.g. "content", a thing
    #: that exists only in a claim's content) counts as a mention in kg coverage
    role: str = "fact"


@dataclass
class Mapped:
    asserted: set = field(default_factory=set)
    background: set = field(default_factory=set)
    evidence: set = field(default_factory=set)  # filled by map_articles only
    spans: list[Span] = field(default_factory=list)
    unmapped: list[Span] = field(default_factory=list)
    voices: dict = field(default_factory=dict)  # doc id -> its kg.read.voice Regions (corrected)


_RDF_TYPE = f"<{ns.RDF}type>"
_XSD_INTEGER = f"^^<{ns.XSD}integer>"
_P = {name: f"<{iri}>" for name, iri in {
    "SpecificResource": ns.OA + "SpecificResource", "hasSource": ns.OA + "hasSource",
    "hasSelector": ns.OA + "hasSelector", "TextQuoteSelector": ns.OA + "TextQuoteSelector",
    "exact": ns.OA + "exact", "prefix": ns.OA + "prefix", "suffix": ns.OA + "suffix",
    "TextPositionSelector": ns.OA + "TextPositionSelector", "start": ns.OA + "start",
    "end": ns.OA + "end", "Annotation": ns.OA + "Annotation",
    "motivatedBy": ns.OA + "motivatedBy", "describing": ns.OA + "describing",
    "hasBody": ns.OA + "hasBody", "hasTarget": ns.OA + "hasTarget",
    "annotationFile": ns.KG + "annotationFile", "annotationLine": ns.KG + "annotationLine",
    "supportsStatement": ns.KG + "supportsStatement", "Statement": ns.RDF + "Statement",
    "subject": ns.RDF + "subject", "predicate": ns.RDF + "predicate",
    "object": ns.RDF + "object", "voice": ns.KG + "voice", "voiceOf": ns.KG + "voiceOf",
}.items()}
#: The IRI of a reified statement less its digest (see kg.namespaces.statement_iri).
_STATEMENT = ns.statement_iri("")
#: kg:voice's concepts, by kg.read.voice's names.
VOICE_CONCEPTS = {OWN: ns.KGC + "own-voice", DIRECT: ns.KGC + "direct-speech",
                  REPORTED: ns.KGC + "reported-speech"}


def _int(n: int) -> str:
    return f'"{n}"{_XSD_INTEGER}'


class _Evidence:
    """The evidence graph as N-Triples statements (``"<s> <p> o"``, no final dot).

    A quote is written once per batch (the store drops a repeat in a later
    batch); a reified statement once per build, as a triple asserted by an
    earlier article comes in ``known``.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._seen: set[str] = set()
        self._nt: dict = {}  # term -> its N-Triples text, for the batch
        self._n3: dict = {}  # term -> its n3(), for the batch's statement digests
        #: the subjects of the batch's lines but its reified statements, and the
        #: statements its annotations support (for :func:`contribution`)
        self.subjects: set[str] = set()
        self.statements: set[str] = set()
        #: what the three above held for the batch last taken
        self.taken: tuple[set[str], set[str], dict] = (set(), set(), {})

    def take(self) -> list[str]:
        lines, self.lines = self.lines, []
        self._seen.clear()
        self._n3.clear()
        self.taken = (self.subjects, self.statements, self._nt)
        self.subjects, self.statements, self._nt = set(), set(), {}
        return lines

    def add(self, triple: Triple) -> None:
        """One triple of rdflib terms (for the few triples per document)."""
        s, p, o = triple
        self.lines.append(f"{nt(s)} {nt(p)} {nt(o)}")
        self.subjects.add(str(s))

    def term(self, t) -> str:
        text = self._nt.get(t)
        if text is None:
            text = self._nt[t] = nt(t)
        return text

    def quote(self, doc: str, qi: str, exact: str, prefix: str, suffix: str,
              start: int, end: int, voice: str = OWN, speaker: str | None = None) -> None:
        """A quote with its selectors, its voice and, for speech, its speaker (an IRI)."""
        if qi in self._seen:
            return
        self._seen.add(qi)
        self.subjects.update((qi, f"{qi}-text", f"{qi}-pos"))
        q, ts, ps, p = f"<{qi}>", f"<{qi}-text>", f"<{qi}-pos>", _P
        self.lines += (
            f"{q} {_RDF_TYPE} {p['SpecificResource']}",
            f"{q} {p['hasSource']} <{doc}>",
            f"{q} {p['hasSelector']} {ts}",
            f"{q} {p['hasSelector']} {ps}",
            f"{ts} {_RDF_TYPE} {p['TextQuoteSelector']}",
            f"{ts} {p['exact']} {nt_literal(exact)}",
            f"{ts} {p['prefix']} {nt_literal(prefix)}",
            f"{ts} {p['suffix']} {nt_literal(suffix)}",
            f"{ps} {_RDF_TYPE} {p['TextPositionSelector']}",
            f"{ps} {p['start']} {_int(start)}",
            f"{ps} {p['end']} {_int(end)}",
            f"{q} {p['voice']} <{VOICE_CONCEPTS[voice]}>",
        )
        if speaker is not None:
            self.lines.append(f"{q} {p['voiceOf']} <{speaker}>")

    def annotation(self, ann: str, body: str, targets: Iterable[str],
                   triples: Iterable[Triple], file_name: str, line: int,
                   known: set | frozenset = frozenset()) -> None:
        """An annotation supporting ``triples``; those in ``known`` were reified earlier."""
        a, p, lines = f"<{ann}>", _P, self.lines
        self.subjects.add(ann)
        lines += (
            f"{a} {_RDF_TYPE} {p['Annotation']}",
            f"{a} {p['motivatedBy']} {p['describing']}",
            f"{a} {p['hasBody']} <{body}>",
        )
        lines.extend(f"{a} {p['hasTarget']} <{t}>" for t in targets)
        lines.append(f"{a} {p['annotationFile']} {nt_literal(file_name)}")
        lines.append(f"{a} {p['annotationLine']} {_int(line)}")
        supports, seen, statements, term = f"{a} {p['supportsStatement']} <", self._seen, \
            self.statements, self.term
        for triple in triples:
            st = _STATEMENT + self.digest(triple)
            statements.add(st)
            lines.append(f"{supports}{st}>")
            if st in seen or triple in known:
                continue
            seen.add(st)
            s = f"<{st}>"
            lines += (
                f"{s} {_RDF_TYPE} {p['Statement']}",
                f"{s} {p['subject']} {term(triple[0])}",
                f"{s} {p['predicate']} {term(triple[1])}",
                f"{s} {p['object']} {term(triple[2])}",
            )

    def digest(self, triple: Triple) -> str:
        """The digest in a reified statement's IRI: the first 16 hex digits of the SHA-1
        of its terms' n3(), joined by spaces (each term's n3() computed once per batch)."""
        n3, parts = self._n3, []
        for term in triple:
            text = n3.get(term)
            if text is None:
                text = n3[term] = term.n3()
            parts.append(text)
        return hashlib.sha1(" ".join(parts).encode("utf-8")).hexdigest()[:16]


class _NoEvidence(_Evidence):
    """Writes no evidence: for ``kg check``, whose checks never read it."""

    def add(self, triple: Triple) -> None:
        pass

    def quote(self, *args, **kwargs) -> None:
        pass

    def annotation(self, *args, **kwargs) -> None:
        pass


class _Mapper:
    def __init__(self, vocab: Vocabulary, wikidata: dict[str, str] | None,
                 errors: list | None = None, evidence: bool = True):
        self.vocab = vocab
        #: None: the first error is raised (the build); a list: errors are collected
        #: and the mapping goes on with the next record (``kg check``)
        self.errors = errors
        self.ids: set[str] = set()  # record ids of the files seen so far
        #: (record id, language) -> (label, file, line) where it was first labelled
        self.labels: dict[tuple[str, str], tuple[str, str, int]] = {}
        self.pending: list[tuple[str, str, int]] = []  # (id, file, line) not yet defined
        self.wikidata = wikidata
        self.out = Mapped()
        self.ev = _Evidence() if evidence else _NoEvidence()
        self._sources: set[str] = set()
        self.names: dict[str, set[str]] = {}  # normalised label or alias -> record ids
        self.persons: set[str] = set()  # ids of kg:Person records (what "he", "she" name)
        self.regions: list[Region] = []  # the voices of the article being mapped
        self.text = ""  # the text of the article being mapped
        self.within: list[tuple[str, str, int]] = []  # (claim id, file, line) of `within`
        self.within_all: list[tuple[str, str, int]] = []  # every `within` (checked again
        # after a later file: it may give a record other classes)
        self.types: dict[str, tuple[str, ...]] = {}  # record id -> its classes
        #: what the file being mapped contributes and reads (see :meth:`contribution`);
        #: None unless asked for (an incremental build's bookkeeping)
        self.contrib: dict | None = None
        #: each IRI as one URIRef, built once (record id or IRI -> URIRef)
        self._resources: dict[str, URIRef] = {}
        self._iris: dict[str, URIRef] = {}

    def iri(self, iri: str) -> URIRef:
        """The URIRef of ``iri``, the same object every time."""
        found = self._iris.get(iri)
        if found is None:
            found = self._iris[iri] = URIRef(iri)
        return found

    def resource_ref(self, record_id: str) -> URIRef:
        """The URIRef of a record's resource, the same object every time."""
        found = self._resources.get(record_id)
        if found is None:
            found = self._resources[record_id] = URIRef(ns.resource_iri(record_id))
        return found

    def state(self) -> dict:
        """What mapping a further article reads of the files mapped so far, as plain data
        (after :meth:`finish`): record ids, labels, classes, the speaker index, the
        reference sources described (see docs/design.md, Incremental builds)."""
        return {"ids": sorted(self.ids), "labels": {f"{i}\t{lang}": list(v) for (i, lang), v
                                                     in self.labels.items()},
                "types": {i: list(t) for i, t in self.types.items()},
                "names": {n: sorted(i) for n, i in self.names.items()},
                "persons": sorted(self.persons), "sources": sorted(self._sources),
                "within": [list(w) for w in self.within_all]}

    def restore(self, state: dict) -> None:
        """Carry on from :meth:`state`: the next file is mapped as if every earlier one
        had just been."""
        self.ids = set(state["ids"])
        self.labels = {tuple(k.split("\t", 1)): (v[0], v[1], v[2])
                       for k, v in state["labels"].items()}
        self.types = {i: tuple(t) for i, t in state["types"].items()}
        self.names = {n: set(i) for n, i in state["names"].items()}
        self.persons = set(state["persons"])
        self._sources = set(state["sources"])
        self.within_all = [(w[0], w[1], w[2]) for w in state["within"]]
        self.within = list(self.within_all)

    def track(self) -> None:
        """Start recording what the next file (or the background facts) contributes to
        the cross-file state and reads of it (see docs/design.md, Incremental builds)."""
        self.contrib = {"ids": [], "types": [], "labels": [], "names": [], "persons": [],
                        "within": [], "refs": set(), "sources": set(), "lookups": set(),
                        "asserted": [], "background": []}

    def _note(self, key: str, value) -> None:
        c = self.contrib
        if c is not None:
            if isinstance(c[key], set):
                c[key].add(value)
            else:
                c[key].append(value)

    def take_evidence(self) -> list[str]:
        """The evidence (N-Triples statements) mapped since the last call."""
        return self.ev.take()

    def finish(self) -> None:
        """Fail on the first reference to a record id that no file defines."""
        self.finish_within()
        for record_id, path, line in self.pending:
            if record_id not in self.ids:
                close = _close_matches(record_id, self.ids)
                self.attempt(self.fail, path, line, f"unknown record id {record_id!r}",
                             f"did you mean {close}?" if close else
                             "define a record with this id")
        self.pending.clear()

    def attempt(self, fn, *args):
        """``fn(*args)``; when collecting errors, an InputError is kept and None returned."""
        return attempt(self.errors, fn, *args)

    # -- terms -------------------------------------------------------------
    def fail(self, path: str, line: int, message: str, hint: str | None = None):
        raise InputError(message, path=path, line=line, hint=hint)

    def resource(self, path: str, value: Value, what: str = "value") -> URIRef:
        problem = record_id_problem(value.text)
        if problem is not None:
            self.fail(path, value.line, f"{what}: {problem[0]}", problem[1])
        self._note("refs", value.text)
        if value.text not in self.ids:  # perhaps defined by a later file: checked in finish()
            self.pending.append((value.text, path, value.line))
        return self.resource_ref(value.text)

    def prop(self, path: str, p: Property) -> URIRef:
        info = self.vocab.properties.get(p.name)
        if info is None:
            close = _close_matches(p.name, self.vocab.properties)
            self.fail(path, p.line, f"unknown property {p.name!r}",
                      f"did you mean {close}?" if close else "see docs/ontology.md")
        return self.iri(info.iri)

    def value(self, path: str, p: Property, v: Value, lang: str):
        info = self.vocab.properties[p.name]
        if info.kind == "object":
            if info.range == ns.SKOS + "Concept" or v.text.startswith("kgc:"):
                name = v.text.removeprefix("kgc:")
                if name in self.vocab.concepts:
                    return self.iri(self.vocab.concepts[name])
                if info.range == ns.SKOS + "Concept":
                    close = _close_matches(name, self.vocab.concepts)
                    self.fail(path, v.line, f"unknown concept {v.text!r} for {p.name!r}",
                              f"did you mean {close}?" if close else "see docs/ontology.md")
            return self.resource(path, v, p.name)
        return typed_literal(v.text, info.range, lang,
                             lambda msg: self.fail(path, v.line, f"{p.name}: {msg}"))

    # -- evidence ----------------------------------------------------------
    def quote(self, article: Article, path: str, q: QuoteRef) -> tuple[str, Anchor]:
        try:
            a = anchor(article.text, q.text, q.occurrence)
        except AnchorError as e:
            raise InputError(str(e), path=path, line=q.line, hint=e.hint) from None
        qi = ns.quote_iri(article.doc_id, a.start, a.end)
        text = article.text
        region = quote_voice(self.regions, a.start, a.end)
        self.ev.quote(ns.document_iri(article.doc_id), qi, a.exact,
                      text[max(0, a.start - CONTEXT_CHARS):a.start],
                      text[a.end:a.end + CONTEXT_CHARS], a.start, a.end,
                      region.voice, self.speaker_iri(region))
        return qi, a

    # -- voice -------------------------------------------------------------
    def index_names(self, ann_file: AnnotationFile) -> None:
        """Remember the labels and aliases of the records that can speak."""
        for rec in ann_file.records:
            if set(rec.types) <= _NOT_SPEAKERS:
                continue
            if "Person" in rec.types:
                self.persons.add(rec.id)
                self._note("persons", rec.id)
            names = [rec.label] if rec.label else []
            names += [v.text for p in rec.properties if p.name in _ALIAS_KEYS for v in p.values]
            for name in names:
                for key in (_norm_name(name), _norm_name(name.split()[-1])):
                    self.names.setdefault(key, set()).add(rec.id)
                    self._note("names", [key, rec.id])

    def speaker_iri(self, region: Region) -> str | None:
        """The record whose words ``region`` is: set by ``voices:``, or the one record
        whose label, alias or last name is the detected speaker (else unknown)."""
        if region.voice == OWN or region.speaker is None:
            return None
        if region.cue == CORRECTION_CUE:
            return ns.resource_iri(region.speaker)
        if region.speaker in _PERSONAL_PRONOUNS:
            found = self.antecedent(region)
            return ns.resource_iri(found) if found else None
        self._note("lookups", _norm_name(region.speaker))
        found = self.names.get(_norm_name(region.speaker), set())
        return ns.resource_iri(next(iter(found))) if len(found) == 1 else None

    def antecedent(self, region: Region) -> str | None:
        """The person a "he" or "she" speaker names: the last name before the pronoun
        ("He noted", the last one before the region) that is the label, alias or last
        name of exactly one person record."""
        start = region.start
        cue = re.compile(rf"\b{re.escape(region.speaker)}(?:\s+\w+)?\s+"
                         rf"{re.escape(region.cue or '')}\b")
        uses = list(cue.finditer(self.text, 0, region.end))
        if uses:
            start = uses[-1].start()
        text = self.text[max(0, start - _ANTECEDENT_CHARS):start]
        for m in reversed(list(_CAPITALISED.finditer(text))):
            words = m.group(0).split()
            for k in range(len(words)):  # "Ukrainian political analyst Valeriy Dymov"
                key = _norm_name(" ".join(words[k:]))
                self._note("lookups", key)
                found = self.names.get(key, set()) & self.persons
                if len(found) == 1:
                    return next(iter(found))
        return None

    def voices(self, article: Article, ann_file: AnnotationFile) -> list[Region]:
        """The article's detected voices with the annotation's corrections applied."""
        corrections = []
        for c in ann_file.voices:
            try:
                a = anchor(article.text, c.quote.text, c.quote.occurrence)
            except AnchorError as e:
                raise InputError(str(e), path=ann_file.path, line=c.quote.line,
                                 hint=e.hint) from None
            speaker = None
            if c.speaker is not None:
                self.resource(ann_file.path, c.speaker)  # an unknown id fails in finish()
                speaker = c.speaker.text
            corrections.append((a.start, a.end, c.voice, speaker))
        return apply_corrections(detect(article.text), corrections)

    # -- records -----------------------------------------------------------
    def map_file(self, article: Article, ann_file: AnnotationFile) -> None:
        path = ann_file.path
        file_name = article.annotation_path.name
        doc = URIRef(ns.document_iri(article.doc_id))
        self.ids.update(rec.id for rec in ann_file.records)
        self.ids.update(ann_file.broken_ids)
        self.types.update((rec.id, rec.types) for rec in ann_file.records)
        if self.contrib is not None:
            self.contrib["ids"] = sorted({rec.id for rec in ann_file.records}
                                         | set(ann_file.broken_ids))
            self.contrib["types"] = [[rec.id, list(rec.types)] for rec in ann_file.records]
        self.index_names(ann_file)
        self.text = article.text
        self.regions = self.voices(article, ann_file)
        self.out.voices[article.doc_id] = self.regions
        meta = ann_file.document
        if meta is None or self.attempt(self._document, article, path, file_name, doc,
                                        meta) is None:
            lang = "en"  # only when collecting errors: go on with the records
        else:
            lang = meta.language
        for u in ann_file.unmapped:
            self.attempt(self._unmapped, article, path, u)
        bounded: list = []  # undated reported events, bounded by the publication date
        for rec in ann_file.records:
            self.attempt(self._record, article, path, file_name, lang, rec, bounded)
        if meta is not None and meta.quote is not None:
            self.attempt(self._time_bounds, article, path, file_name, meta, bounded)

    def _document(self, article: Article, path: str, file_name: str, doc, meta) -> bool:
        lang = meta.language
        if not _LANG.match(lang):
            self.fail(path, meta.line, f"language {lang!r} is not a valid language tag")
        ev = self.ev
        ev.add((doc, RDF.type, KG("NewsArticle")))
        ev.add((doc, DCTERMS.title, Literal(meta.title, lang=lang)))
        ev.add((doc, DCTERMS.publisher, self.resource(path, meta.publisher, "publisher")))
        ev.add((doc, DCTERMS.language, Literal(lang)))
        ev.add((doc, DCTERMS.date, typed_literal(
            meta.published.text, ns.RDFS + "Literal", lang,
            lambda msg: self.fail(path, meta.published.line, f"published: {msg}"))))
        ev.add((doc, KG("sha256"), Literal(article.sha256)))
        ev.add((doc, KG("fullText"), Literal(article.text)))
        if meta.quote is not None:
            q, _ = self.quote(article, path, meta.quote)
            self.ev.annotation(ns.annotation_iri(article.doc_id, meta.line), str(doc), [q], [],
                               file_name, meta.line)
        return True

    def _unmapped(self, article: Article, path: str, u) -> None:
        try:
            a = anchor(article.text, u.quote.text, u.quote.occurrence)
        except AnchorError as e:
            raise InputError(str(e), path=path, line=u.quote.line, hint=e.hint) from None
        self.out.unmapped.append(Span(article.doc_id, a.start, a.end, u.reason, u.line))

    def _label(self, path: str, rec, lang: str) -> None:
        """One record has one label (per language) across every file."""
        key = (rec.id, lang)
        self._note("labels", [rec.id, lang, rec.label, path, rec.line])
        first = self.labels.get(key)
        if first is None:
            self.labels[key] = (rec.label, path, rec.line)
        elif first[0] != rec.label:
            self.fail(path, rec.line,
                      f"record {rec.id!r} is labelled {rec.label!r} here but {first[0]!r} "
                      f"in {first[1]}:{first[2]}",
                      "a record has one label in every file: use the same label")

    def _record(self, article: Article, path: str, file_name: str, lang: str, rec,
                bounded: list) -> None:
        subject = self.resource_ref(rec.id)
        within = self._within(path, rec)
        triples = []
        for type_name in rec.types:
            cls = self.vocab.classes.get(type_name)
            if cls is None:
                close = _close_matches(type_name, self.vocab.classes)
                self.fail(path, rec.line,
                          f"unknown class {type_name!r} for record {rec.id!r}",
                          f"did you mean {close}?" if close else "see docs/ontology.md")
            triples.append((subject, RDF.type, self.iri(cls)))
        if rec.label is not None:
            self._label(path, rec, lang)
            triples.append((subject, RDFS.label, Literal(rec.label, lang=lang)))
        for p in rec.properties:
            self.attempt(self._property, path, p, subject, lang, triples)
        triples.extend(self._stance_shortcut(path, rec, subject, triples))
        for i, prop in enumerate(rec.propositions, 1):
            triples += self._proposition(path, lang, subject, i, prop)
        body = subject
        if within is not None:  # a thing that exists only in a claim's content
            body, triples = within, self._as_content(within, rec.id, 0, triples)
        claim = _claim_role(rec)
        self._emit(article, path, file_name, rec.id, body, rec.quotes, triples, rec.line,
                   "content" if within is not None else claim or _fact_role(triples))
        for n, fact in enumerate(rec.facts, 1):
            ftriples: list[Triple] = []
            for p in fact.properties:
                self.attempt(self._property, path, p, subject, lang, ftriples)
            if within is not None:
                ftriples = self._as_content(within, rec.id, n, ftriples)
            self._emit(article, path, file_name, rec.id, body, fact.quotes, ftriples,
                       fact.line, "content" if within is not None
                       else claim or _fact_role(ftriples))
        if rec.wikidata is not None:
            self._wikidata(path, file_name, article.doc_id, rec, subject)
        if within is None and self._undated_reported_event(rec):
            bounded.append((rec, subject))

    def _property(self, path: str, p: Property, subject, lang: str, out: list) -> None:
        """One property of a record or fact: an ontology property by its local name, or
        ``altLabel`` (skos:altLabel, another name the text uses); ``within`` is not a triple."""
        if p.name == WITHIN:
            return
        if p.name == "altLabel":
            out.extend((subject, SKOS.altLabel, Literal(v.text, lang=lang)) for v in p.values)
            return
        pred = self.prop(path, p)
        values = [self.value(path, p, v, lang) for v in p.values]
        out.extend((subject, pred, o) for o in values)

    def _within(self, path, rec) -> URIRef | None:
        """The claim in whose content alone the record's resource exists (``within: ID``)."""
        found = [p for p in rec.properties if p.name == WITHIN]
        if not found:
            return None
        values = found[0].values
        if len(values) != 1:
            self.fail(path, found[0].line, f"{WITHIN}: give the one claim whose content "
                      f"record {rec.id!r} belongs to")
        self.within.append((values[0].text, path, values[0].line))
        self._note("within", [values[0].text, path, values[0].line])
        self.within_all.append(self.within[-1])
        return self.resource(path, values[0])

    def _as_content(self, claim: URIRef, record_id: str, part: int,
                    triples: list[Triple]) -> list[Triple]:
        """Triples about a claim-only resource, turned into unasserted propositions of the claim."""
        out = []
        subjects = []
        for k, (s, p, o) in enumerate(triples, 1):
            node = URIRef(f"{claim}-{record_id}-p{part}-{k}" if part else
                          f"{claim}-{record_id}-p{k}")
            out += [(claim, KG("proposition"), node), (node, RDF.type, KG("Proposition")),
                    (node, RDF.subject, s), (node, RDF.predicate, p), (node, RDF.object, o)]
            if s not in subjects:
                subjects.append(s)
        out.extend((claim, KG("about"), s) for s in subjects)
        return out

    def _undated_reported_event(self, rec) -> bool:
        """An event the article reports as having happened, and without a date."""
        events = self.vocab.event_classes
        if not any(t in events for t in rec.types) or "HistoricalEvent" in rec.types \
                or "PlannedEvent" in rec.types:
            return False
        props = list(rec.properties) + [p for f in rec.facts for p in f.properties]
        if any(p.name == "date" for p in props):
            return False
        return not any(p.name == "modality" and v.text.removeprefix("kgc:") != "happened"
                       for p in props for v in p.values)

    def _time_bounds(self, article, path, file_name, meta, bounded) -> None:
        """kg:notLaterThan the publication date, evidenced by the document's date quote."""
        if not bounded:
            return
        date = date_literal(meta.published.text,
                            lambda msg: self.fail(path, meta.published.line, f"published: {msg}"))
        if date.datatype != XSD.date:
            return
        qi, a = self.quote(article, path, meta.quote)
        for rec, subject in bounded:
            triple = (subject, KG("notLaterThan"), date)
            self.out.spans.append(Span(article.doc_id, a.start, a.end, rec.id, meta.quote.line))
            self.ev.annotation(ns.annotation_iri(article.doc_id, rec.line) + "-published",
                               str(subject), [qi], [triple], file_name, meta.quote.line,
                               known=self.out.asserted)
            self.out.asserted.add(triple)
            self._note("asserted", triple)

    def finish_within(self) -> None:
        """Every ``within`` names a claim record."""
        for record_id, path, line in self.within:
            if record_id in self.types and "Claim" not in self.types[record_id] \
                    and "ReportedClaim" not in self.types[record_id]:
                self.fail(path, line, f"{WITHIN}: {record_id!r} is not a Claim record",
                          "a claim-only resource belongs to the content of a claim")
        self.within.clear()

    def _proposition(self, path, lang, subject, i, prop) -> list[Triple]:
        """A claim's content: a reified triple that is described, never asserted."""
        node = URIRef(f"{subject}-p{i}")
        name = prop.predicate.text.removeprefix("kg:")
        if name in ("type", "rdf:type", "a"):
            cls = self.vocab.classes.get(prop.object.text)
            if cls is None:
                self.fail(path, prop.object.line, f"unknown class {prop.object.text!r}")
            pred, obj = RDF.type, URIRef(cls)
        else:
            p = Property(name, (prop.object,), prop.predicate.line)
            pred = self.prop(path, p)
            obj = self.value(path, p, prop.object, lang)
        return [
            (subject, KG("proposition"), node),
            (node, RDF.type, KG("Proposition")),
            (node, RDF.subject, self.resource(path, prop.subject, "subject")),
            (node, RDF.predicate, pred),
            (node, RDF.object, obj),
        ]

    def _stance_shortcut(self, path, rec, subject, triples) -> list[Triple]:
        """A Position's holder gets the stance's shortcut property towards the target."""
        if "Position" not in rec.types or any(p == KG("supersededBy") for _, p, _ in triples):
            return []  # a superseded position is no longer held: no present-tense shortcut
        holders = [o for s, p, o in triples if p == KG("holder")]
        stances = [o for s, p, o in triples if p == KG("stance")]
        targets = [o for s, p, o in triples if p == KG("target")]
        out = []
        for stance in stances:
            shortcut = self.vocab.stance_property.get(str(stance))
            if shortcut is None:
                continue
            out.extend((h, URIRef(shortcut), t) for h in holders for t in targets)
        return out

    def _emit(self, article, path, file_name, record_id, subject, quotes, triples, line,
              role="fact"):
        targets = []
        for q in quotes:
            qi, a = self.quote(article, path, q)
            targets.append(qi)
            self.out.spans.append(Span(article.doc_id, a.start, a.end, record_id, line, role))
        self.ev.annotation(ns.annotation_iri(article.doc_id, line), str(subject), targets,
                           triples, file_name, line, known=self.out.asserted)
        self.out.asserted.update(triples)
        if self.contrib is not None:
            self.contrib["asserted"] += triples

    def _wikidata(self, path, file_name, doc_id, rec, subject) -> None:
        qid = rec.wikidata.text
        if not _QID.match(qid):
            self.fail(path, rec.wikidata.line, f"{qid!r} is not a Wikidata item id (Q123)")
        if self.wikidata is not None and qid not in self.wikidata:
            self.fail(path, rec.wikidata.line,
                      f"Wikidata id {qid} is not in seeds/reference/wikidata.tsv",
                      "link only identifiers checked in the reference table")
        triple = (subject, SKOS.exactMatch, URIRef(ns.WD + qid))
        ann = ns.annotation_iri(doc_id, rec.wikidata.line) + "-ref"
        source = self.reference_source("wikidata", "reference/wikidata.tsv",
                                       "Wikidata identifiers checked for the seed articles")
        self.ev.annotation(ann, str(subject), [source], [triple], file_name, rec.wikidata.line,
                           known=self.out.background)
        self.out.background.add(triple)
        self._note("background", triple)

    def reference_source(self, name: str, path: str, label: str) -> str:
        """A reference file that backs triples of the background graph (described once)."""
        src = f"{ns.KGD}reference-{name}"
        self._note("sources", src)
        if src not in self._sources:
            self._sources.add(src)
            ev, node = self.ev, URIRef(src)
            ev.add((node, RDF.type, URIRef(ns.PROV + "Entity")))
            ev.add((node, RDFS.label, Literal(label, lang="en")))
            ev.add((node, DCTERMS.source, Literal(path)))
        return src

    def map_background(self, facts: Iterable[BackgroundFact], path: str, lang: str) -> None:
        for f in facts:
            subject = self.resource(path, f.subject)
            triples = []
            for p in f.properties:
                pred = self.prop(path, p)
                triples.extend((subject, pred, self.value(path, p, v, lang)) for v in p.values)
            ann = f"{ns.KGD}ann-background-L{f.line}"
            source = self.reference_source("background", "background.yaml",
                                           "Reference facts that are not in any article")
            self.ev.annotation(ann, str(subject), [source], triples, "background.yaml", f.line,
                               known=self.out.background)
            self.out.background.update(triples)
            if self.contrib is not None:
                self.contrib["background"] += triples
            self.ev.add((URIRef(ann), DCTERMS.source, Literal(f.source)))


#: Record types that never speak (a city named for its government is the state).
_NOT_SPEAKERS = {"City", "Region", "Place", "Role"}
#: Speakers detected as a pronoun that names a person.
_PERSONAL_PRONOUNS = {"He", "She", "he", "she"}
#: How far back the antecedent of "he" or "she" is looked for.
_ANTECEDENT_CHARS = 400
_CAPITALISED = re.compile(r"[A-ZÀ-ÖØ-Þ][\w’'.\-]*(?:\s+[A-ZÀ-ÖØ-Þ][\w’'.\-]*)*")
#: Record keys whose values are aliases of its label.
_ALIAS_KEYS = {"altLabel", "alias", "aliases"}


#: Predicates that only name a thing: a quote supporting nothing else is a mention.
_MENTION = {RDF.type, RDFS.label, SKOS.altLabel}


def _claim_role(rec) -> str | None:
    """"structured-claim" or "claim" for a claim record (a proposition or a reported
    claim is structured content), None for any other record."""
    names = {p.name for p in rec.properties}
    if not ({"Claim", "ReportedClaim"} & set(rec.types) or {"claimant", "reportedSpeaker"}
            & names):
        return None
    return "structured-claim" if rec.propositions or "reports" in names else "claim"


def _fact_role(triples) -> str:
    return "fact" if any(p not in _MENTION for _s, p, _o in triples) else "mention"


def _norm_name(name: str) -> str:
    """A name as compared with a speaker: case-folded, possessive and spacing dropped."""
    name = " ".join(name.replace("’", "'").split()).casefold()
    return name.removesuffix("'s")


def typed_literal(text: str, range_iri: str | None, lang: str, fail) -> Literal:
    """Type a value written in an annotation file by the property's range."""
    xsd = ns.XSD
    if range_iri in (xsd + "integer", xsd + "nonNegativeInteger", xsd + "positiveInteger"):
        if not re.fullmatch(r"[+-]?\d{1,18}", text):
            fail(f"{text!r} is not an integer (write 1000, not 1,000)")
        n = int(text)
        if range_iri != xsd + "integer" and n < (1 if range_iri.endswith("positiveInteger")
                                                 and "non" not in range_iri else 0):
            fail(f"{text!r} is out of range for {range_iri[len(xsd):]}")
        return Literal(n, datatype=URIRef(range_iri))
    if range_iri == xsd + "decimal":
        if not re.fullmatch(r"[+-]?\d+(\.\d+)?", text):
            fail(f"{text!r} is not a decimal number")
        return Literal(text, datatype=XSD.decimal)
    if range_iri == xsd + "boolean":
        if text not in ("true", "false"):
            fail(f"{text!r} is not true or false")
        return Literal(text == "true")
    if range_iri == xsd + "duration":
        if not _DURATION.match(text):
            fail(f"{text!r} is not an ISO 8601 duration such as P30D")
        return Literal(text, datatype=XSD.duration)
    if range_iri in (xsd + "date", xsd + "gYear", xsd + "gYearMonth", ns.RDFS + "Literal") \
            and re.fullmatch(r"-?\d{4}(-\d{2}(-\d{2})?)?", text):
        return date_literal(text, fail)
    if range_iri in (xsd + "date", xsd + "gYear", xsd + "gYearMonth"):
        fail(f"{text!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    if range_iri == xsd + "string":
        return Literal(text, datatype=XSD.string)
    if range_iri == xsd + "anyURI":
        return Literal(text, datatype=XSD.anyURI)
    return Literal(text, lang=lang)


def date_literal(text: str, fail) -> Literal:
    parts = text.lstrip("-").split("-")
    try:
        if len(parts) == 3:
            dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
            return Literal(text, datatype=XSD.date)
        if len(parts) == 2:
            if not 1 <= int(parts[1]) <= 12:
                raise ValueError
            return Literal(text, datatype=XSD.gYearMonth)
        return Literal(text, datatype=XSD.gYear)
    except ValueError:
        fail(f"{text!r} is not a valid date")
    raise AssertionError("unreachable")


def record_id_problem(text: str) -> tuple[str, str] | None:
    """Why ``text`` cannot be a record id (message, hint), or None when it can."""
    if ns.is_valid_id(text):
        return None
    shown = repr(text if len(text) <= 60 else text[:59] + "…")
    parts = [x.strip() for x in text.strip("[]").split(",")]
    if "," in text and all(ns.is_valid_id(x) for x in parts):
        return (f"{shown} is a list written as a string",
                f"write a YAML list: [{', '.join(parts)}]")
    if "[" in text or "]" in text or "," in text:
        return (f"{shown} is not a record id",
                "a list of record ids is written [a, b], the brackets around the whole value")
    slug = "-".join(re.findall(r"[a-z0-9]+", _ascii(text).lower()))
    return (f"{shown} is not a record id (lower-case letters, digits and hyphens)",
            f"write the id of a record, e.g. {slug}" if slug and ns.is_valid_id(slug)
            else "write the id of a record (lower-case letters, digits and hyphens)")


def _ascii(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _close_matches(word: str, choices: Iterable[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.75)
    return " or ".join(repr(f) for f in found) if found else None


def map_articles(pairs: Iterable[tuple[Article, AnnotationFile]], vocab: Vocabulary,
                 background: tuple[tuple[str, tuple[BackgroundFact, ...]], ...] = (),
                 wikidata: dict[str, str] | None = None, errors: list | None = None) -> Mapped:
    """Map every article with its annotations, then the background facts.

    The result's ``evidence`` holds the evidence graph as rdflib triples.
    With ``errors`` (a list), InputErrors are collected there and the mapping
    goes on with the next record, property or entry (see ``kg check``).
    """
    mapped, batches = stream_articles(pairs, vocab, background, wikidata, errors)
    lines = [line for batch in batches for line in batch]
    mapped.evidence = parse_evidence(lines)
    return mapped


def stream_articles(pairs: Iterable[tuple[Article, AnnotationFile]], vocab: Vocabulary,
                    background: tuple[tuple[str, tuple[BackgroundFact, ...]], ...] = (),
                    wikidata: dict[str, str] | None = None, errors: list | None = None,
                    evidence: bool = True, resume: dict | None = None,
                    saved: list | None = None, contributions: dict | None = None
                    ) -> tuple[Mapped, Iterator[list[str]]]:
    """Map the articles one at a time; the evidence comes out article by article.

    Returns the Mapped result (filled as the iterator runs; its ``evidence``
    stays empty) and an iterator over each article's evidence, as N-Triples
    statements (see :func:`evidence_nquads`), so that a large build never
    holds the whole evidence graph, nor every annotation file, in memory.
    ``pairs`` may be lazy. A reference to a record id is resolved against
    every file: the iterator fails at its end if some id is defined nowhere.
    With ``evidence=False`` (``kg check``) the batches are empty: nothing else changes.
    ``resume`` (a state ``saved`` by an earlier run: the list gets the mapper's
    state once every file is mapped) maps ``pairs`` as articles that follow the
    earlier run's (an incremental build). ``contributions`` (a dict) gets, per doc id
    (None: the background facts), what the file contributed and read (see
    :func:`contribution`), packed (see :func:`pack`).
    """
    mapper = _Mapper(vocab, wikidata, errors, evidence)
    if resume is not None:
        mapper.restore(resume)

    def batches() -> Iterator[list[str]]:
        for article, ann in pairs:
            first_span = len(mapper.out.spans)
            if contributions is not None:
                mapper.track()
            mapper.map_file(article, ann)
            lines = mapper.take_evidence()
            if contributions is not None:
                contributions[article.doc_id] = pack(contribution(
                    mapper.contrib, mapper.out.spans[first_span:], *mapper.ev.taken))
            yield lines
        if contributions is not None:
            mapper.track()
        for path, facts in background:
            mapper.map_background(facts, path, "en")
        if contributions is not None:
            contributions[None] = pack(contribution(mapper.contrib, [], set(), set()))
            mapper.contrib = None
        mapper.finish()
        if saved is not None:
            saved.append(mapper.state())
        yield mapper.take_evidence()

    return mapper.out, batches()


def contribution(contrib: dict, spans: list[Span], subjects: set[str], statements: set[str],
                 texts: dict | None = None) -> dict:
    """One file's bookkeeping as plain data: what it adds to the mapper's cross-file
    state (ids, classes, labels, speaker names, persons, ``within``s, reference
    sources), what it reads of it (ids referred to, speaker names looked up), its
    asserted and background triples (N-Triples statements without the dot), the
    first annotation line of each record it quotes (``kg check``'s record lines) and
    the subjects of its own evidence (every one but the shared reified statements
    and reference sources). ``subjects`` and ``statements`` are the file's evidence
    subjects and the statements its annotations support; ``texts`` the N-Triples
    text of terms already written (term -> text)."""
    out = dict(contrib)
    for key in ("refs", "sources", "lookups"):
        out[key] = sorted(contrib[key])
    texts = {} if texts is None else texts

    def text(term) -> str:
        found = texts.get(term)
        return nt(term) if found is None else found

    for key in ("asserted", "background"):
        out[key] = sorted({f"{text(s)} {text(p)} {text(o)}" for s, p, o in contrib[key]})
    records: dict[str, int] = {}
    for span in spans:
        records.setdefault(span.record_id, span.line)
    out["records"] = list(records.items())
    out["evidence"] = sorted(subjects - statements - set(out["sources"]))
    return out


def pack(data: dict) -> bytes:
    """One file's bookkeeping (plain data: see :func:`contribution`) as one compact
    ``bytes``: pickled, then compressed. A large build holds one per article until
    its state is written, and a list of strings costs several times its text."""
    return zlib.compress(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL), 1)


class _PlainUnpickler(pickle.Unpickler):
    """Plain data only (dicts, lists, tuples, sets, strings, numbers): no class at all."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"{module}.{name} is not plain data")


def unpack(packed: bytes) -> dict:
    """What :func:`pack` packed. Damaged bytes raise ValueError (``zlib.error``,
    ``pickle.UnpicklingError`` and the like are turned into it), as does anything
    but a dict or any class in the data."""
    try:
        data = _PlainUnpickler(io.BytesIO(zlib.decompress(packed))).load()
    except Exception as e:  # noqa: BLE001 - any damage: the caller says the data is unreadable
        raise ValueError(f"damaged packed data ({type(e).__name__})") from None
    if not isinstance(data, dict):
        raise ValueError("damaged packed data (not a dict)")
    return data




def evidence_nquads(lines: list[str], graph_iri: str) -> bytes:
    """Evidence statements as N-Quads in the named graph ``graph_iri``."""
    tail = f" <{graph_iri}> .\n"
    return (tail.join(lines) + tail).encode("utf-8") if lines else b""


def parse_evidence(lines: list[str]) -> set:
    """Evidence statements as a set of rdflib triples."""
    import pyoxigraph as ox

    from kg.model.rdfterms import from_ox

    data = "".join(line + " .\n" for line in lines)
    return {(from_ox(t.subject), from_ox(t.predicate), from_ox(t.object))
            for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)}
