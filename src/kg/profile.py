"""Everything the graph says about one entity, as data: the profile behind ``kg show``.

:func:`find_entity` turns what a user typed (a label, an alias, a prefixed
name, an IRI or a record id; case- and accent-insensitive) into one IRI, or
raises with the close labels as suggestions. :func:`profile` gathers, with a
few SPARQL queries on the built store, the entity's types, labels and
aliases, its facts in and out (asserted, background and inferred, each
asserted one with its quotes and offsets), its positions, the claims it makes
and the claims about it (with the claimant: claims stay claims), and the
events it takes part in with their time and place. Rendering is the caller's
business (``kg show``, ``kg serve``).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import pyoxigraph as ox

from . import namespaces as ns
from .errors import KgError, UsageError

RDF_TYPE = ns.RDF + "type"
LABEL = ns.RDFS + "label"
PREF_LABEL = ns.SKOS + "prefLabel"
ALT_LABEL = ns.SKOS + "altLabel"
NAME_PREDICATES = (LABEL, PREF_LABEL, ALT_LABEL)
KG = ns.PREFIXES["kg"]
KGR = ns.PREFIXES["kgr"]
#: graphs whose triples are facts of a profile (the evidence graph is their support)
FACT_GRAPHS = ("asserted", "background", "inferred", "ontology")


class EntityNotFound(KgError):
    """Nothing in the graph matches what was asked for (exit status 1)."""


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Term:
    """An RDF term as plain data: an IRI, a literal (with datatype or language) or a blank node."""

    value: str
    kind: str = "iri"  # "iri" | "literal" | "bnode"
    datatype: str | None = None
    language: str | None = None

    @classmethod
    def of(cls, term) -> Term:
        if isinstance(term, ox.NamedNode):
            return cls(term.value)
        if isinstance(term, ox.BlankNode):
            return cls(term.value, "bnode")
        if term.language:
            return cls(term.value, "literal", language=term.language)
        dt = term.datatype.value
        return cls(term.value, "literal", None if dt == ns.XSD + "string" else dt)


@dataclass(frozen=True)
class Quote:
    """Verbatim words: ``document``'s text sliced at ``[start, end)`` (code points)."""

    text: str
    start: int
    end: int
    document: str


@dataclass(frozen=True)
class Fact:
    """One triple about the entity, the graph it is in, and its quotes (asserted ones)."""

    subject: Term
    predicate: str
    object: Term
    graph: str  # asserted | background | inferred | ontology
    quotes: tuple[Quote, ...] = ()


@dataclass(frozen=True)
class PositionItem:
    """A position the entity holds, is the target of, or is: holder, stance, target."""

    iri: str
    holder: str
    stance: str
    target: str
    expressed_in: str | None
    quotes: tuple[Quote, ...] = ()


@dataclass(frozen=True)
class Proposition:
    """The unasserted content of a claim: what the claimant says is so."""

    subject: Term
    predicate: str
    object: Term


@dataclass(frozen=True)
class ClaimItem:
    """A claim: who makes it (never a fact of the world), what it is about, its words."""

    iri: str
    label: str | None
    claimant: tuple[str, ...]
    stated_in: tuple[str, ...]
    about: tuple[str, ...]
    propositions: tuple[Proposition, ...]
    quotes: tuple[Quote, ...] = ()


@dataclass(frozen=True)
class EventItem:
    """An event linked to the entity: how, when and where, with its words."""

    iri: str
    label: str | None
    relations: tuple[str, ...]  # predicates linking entity and event (asserted; else inferred)
    types: tuple[str, ...]
    dates: tuple[Term, ...]
    qualifiers: tuple[str, ...]
    places: tuple[str, ...]
    quotes: tuple[Quote, ...] = ()


@dataclass
class Profile:
    """Everything :func:`profile` found about ``iri``; ``names`` maps IRIs to labels."""

    iri: str
    labels: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    types: list[tuple[str, str]] = field(default_factory=list)  # (class IRI, graph)
    facts_out: list[Fact] = field(default_factory=list)
    facts_in: list[Fact] = field(default_factory=list)
    positions: list[PositionItem] = field(default_factory=list)
    claims_by: list[ClaimItem] = field(default_factory=list)
    claims_about: list[ClaimItem] = field(default_factory=list)
    events: list[EventItem] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """Plain JSON-ready data (dataclasses as dicts, tuples as lists)."""
        d = asdict(self)
        d["types"] = [{"type": t, "graph": g} for t, g in self.types]
        return d

    def label(self, iri: str) -> str:
        return self.names.get(iri) or ns.shorten(iri)


# --------------------------------------------------------------------------- running queries

Lookup = Callable[[str], object]  # text -> kg.querying.ResultSet


def _lookup(store_or_lookup) -> Lookup:
    if callable(store_or_lookup):
        return store_or_lookup
    from .querying import execute

    return lambda text: execute(store_or_lookup, text)


def _rows(lookup: Lookup, text: str) -> list[tuple]:
    return list(lookup(ns.sparql_prologue() + text).rows)


def _iri(value: str) -> str:
    return str(ox.NamedNode(value))


def _values(var: str, iris) -> str:
    return "VALUES ?%s { %s }" % (var, " ".join(_iri(i) for i in sorted(iris)))


# --------------------------------------------------------------------------- finding an entity


def fold(text: str) -> str:
    """Case- and accent-insensitive form: ``"TÜRKIYE"``, ``"türkiye"`` -> ``"turkiye"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-")
    return " ".join(plain.casefold().split())


def names_index(store_or_lookup) -> list[tuple[str, str, str]]:
    """(IRI, name, predicate) for every label, preferred label and alias of an IRI."""
    lookup = _lookup(store_or_lookup)
    q = ("SELECT DISTINCT ?s ?l ?p WHERE { ?s ?p ?l . VALUES ?p { %s } FILTER(isIRI(?s)) }"
         % " ".join(_iri(p) for p in NAME_PREDICATES))
    return sorted((s.value, lab.value, p.value) for s, lab, p in _rows(lookup, q))


def find_entity(store_or_lookup, text: str) -> str:
    """The IRI of the one resource ``text`` names.

    ``text`` is an IRI (``<...>`` or ``https://...``), a prefixed name
    (``kgr:turkiye``), a record id (``turkiye``), a label or an alias
    (``skos:altLabel``), compared case- and accent-insensitively. Raises
    :class:`EntityNotFound` (exit 1) with close labels as suggestions when
    nothing matches, :class:`~kg.errors.UsageError` (exit 2) when several
    resources share the name.
    """
    from .querying import parse_term

    lookup = _lookup(store_or_lookup)
    wanted = text.strip()
    if not wanted:
        raise UsageError("give an entity: a label, an alias, a prefixed name or an IRI")
    term = parse_term(wanted)
    if isinstance(term, ox.Literal):
        raise UsageError(f"{text!r} is a literal, not an entity",
                         hint="give a label, an alias, a prefixed name or an IRI")
    if isinstance(term, ox.NamedNode):
        if _exists(lookup, term.value):
            return term.value
        raise EntityNotFound(f"no entity {ns.shorten(term.value)} in the graph",
                             hint=_suggest_hint(lookup, term.value.rsplit("/", 1)[-1]
                                                .rsplit("#", 1)[-1]))
    key = fold(wanted)
    index = names_index(lookup)
    by_label = sorted({s for s, name, p in index if p != ALT_LABEL and fold(name) == key})
    by_alias = sorted({s for s, name, p in index if p == ALT_LABEL and fold(name) == key})
    by_id = sorted({s for s, _, _ in index
                    if s.startswith(KGR) and fold(s[len(KGR):]) == key.replace(" ", "-")})
    for found in (by_label, by_id, by_alias):
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            names = _first_names(index)
            raise UsageError(f"{text!r} names {len(found)} entities",
                             hint="say which: " + "; ".join(
                                 f"{names.get(s, ns.shorten(s))} ({ns.shorten(s)})"
                                 for s in found))
    raise EntityNotFound(f"no entity matches {text!r}", hint=_suggest_hint(lookup, wanted, index))


def _exists(lookup: Lookup, iri: str) -> bool:
    i = _iri(iri)
    return bool(lookup(f"ASK {{ {{ {i} ?p ?o }} UNION {{ ?s ?p {i} }} }}").boolean)


def _first_names(index) -> dict[str, str]:
    names: dict[str, str] = {}
    for s, name, p in index:
        if p != ALT_LABEL:
            names.setdefault(s, name)
    return names


def suggestions(store_or_lookup, text: str, index=None, limit: int = 5) -> list[str]:
    """Close labels or aliases for ``text``, as ``label (prefixed name)``, best first.

    A name scores its similarity to ``text`` as a whole, or (a little less)
    that of its closest word, so that "Medinsky" suggests "Vladimir Medinsky".
    """
    index = names_index(store_or_lookup) if index is None else index
    key = fold(text)
    if not key:
        return []
    names = _first_names(index)
    scored: dict[str, tuple[float, int, str]] = {}
    for s, name, _ in index:
        candidates = [fold(name)] + ([fold(s[len(KGR):])] if s.startswith(KGR) else [])
        best = 0.0
        for c in candidates:
            best = max(best, difflib.SequenceMatcher(None, key, c).ratio(),
                       0.95 * max((difflib.SequenceMatcher(None, key, w).ratio()
                                   for w in re.split(r"[\W_]+", c) if w), default=0.0))
        if best >= 0.6:
            shown = names.get(s, name)
            scored[s] = max(scored.get(s, (0.0, 0, "")), (best, -len(shown), shown))
    ranked = sorted(scored, key=lambda s: (-scored[s][0], -scored[s][1], s))
    return [f"{scored[s][2]} ({ns.shorten(s)})" for s in ranked[:limit]]


def _suggest_hint(lookup: Lookup, text: str, index=None) -> str:
    found = suggestions(lookup, text, index)
    if found:
        return "did you mean: " + "; ".join(found)
    return "give a label, an alias, a prefixed name (kgr:russia) or an IRI; " \
           "`kg query search -p text WORD` lists resources by label"


# --------------------------------------------------------------------------- the profile

_SECTION_SUBJECTS = (KG + "Claim", KG + "Proposition", KG + "Position")
_CLAIM_FIELDS = {LABEL: "label", KG + "claimant": "claimant", KG + "statedIn": "stated_in",
                 KG + "about": "about"}


def profile(store, iri: str) -> Profile:
    """Everything the graph says about ``iri`` (see the module's docstring)."""
    lookup = _lookup(store)
    me = _iri(iri)
    graphs = " ".join(_iri(ns.graph_iri(g)) for g in FACT_GRAPHS)
    rows = _rows(lookup, f"""
        SELECT DISTINCT ?g ?s ?p ?o WHERE {{
          VALUES ?g {{ {graphs} }}
          GRAPH ?g {{ {{ {me} ?p ?o BIND({me} AS ?s) }} UNION {{ ?s ?p {me} BIND({me} AS ?o) }} }}
        }}""")
    graph_name = {ns.graph_iri(g): g for g in FACT_GRAPHS}
    triples = sorted({(Term.of(s), p.value, Term.of(o), graph_name[g.value])
                      for g, s, p, o in rows}, key=_fact_key)
    out = Profile(iri)
    section_nodes = _typed(lookup, {t[0].value for t in triples
                                    if t[2].value == iri and t[0].kind == "iri"},
                           _SECTION_SUBJECTS)
    quotes = _quotes(lookup, iri)
    for s, p, o, g in triples:
        if s.value == iri and s.kind == "iri":
            if p in (LABEL, PREF_LABEL) and o.kind == "literal":
                if o.value not in out.labels:
                    out.labels.append(o.value)
                continue
            if p == ALT_LABEL and o.kind == "literal":
                if o.value not in out.aliases:
                    out.aliases.append(o.value)
                continue
            if p == RDF_TYPE:
                out.types.append((o.value, g))
                continue
            out.facts_out.append(Fact(s, p, o, g, quotes.get((s.value, p, o), ())))
        elif s.value not in section_nodes:
            out.facts_in.append(Fact(s, p, o, g, quotes.get((s.value, p, o), ())))
    out.positions = _positions(lookup, me)
    claims = _claims(lookup, me)
    out.claims_by = [c for c, by in claims if by]
    out.claims_about = [c for c, by in claims if not by]
    out.events = _events(lookup, iri, me, quotes)
    out.names = _names(lookup, out)
    return out


def _fact_key(t) -> tuple:
    s, p, o, g = t
    return (FACT_GRAPHS.index(g), p, s.value, o.kind, o.value, o.datatype or "",
            o.language or "")


def _typed(lookup: Lookup, iris: set[str], classes) -> set[str]:
    if not iris:
        return set()
    rows = _rows(lookup, "SELECT DISTINCT ?s WHERE { %s ?s a ?c . VALUES ?c { %s } }"
                 % (_values("s", iris), " ".join(_iri(c) for c in classes)))
    return {r[0].value for r in rows}


_QUOTE_PATTERN = """
    ?annotation kg:supportsStatement ?statement ; oa:hasTarget ?target .
    ?target oa:hasSource ?document ; oa:hasSelector ?exactSelector , ?positionSelector .
    ?exactSelector oa:exact ?exact .
    ?positionSelector oa:start ?start ; oa:end ?end ."""


def _quotes(lookup: Lookup, iri: str) -> dict[tuple, tuple[Quote, ...]]:
    """(subject IRI, predicate, object Term) -> quotes, for the triples touching ``iri``."""
    me = _iri(iri)
    rows = _rows(lookup, f"""
        SELECT DISTINCT ?s ?p ?o ?exact ?start ?end ?document WHERE {{
          GRAPH kgg:evidence {{
            {{ ?statement rdf:subject {me} ; rdf:predicate ?p ; rdf:object ?o . BIND({me} AS ?s) }}
            UNION
            {{ ?statement rdf:object {me} ; rdf:subject ?s ; rdf:predicate ?p . BIND({me} AS ?o) }}
            {_QUOTE_PATTERN}
          }}
        }}""")
    return _group_quotes(((s.value, p.value, Term.of(o)), e, a, b, d)
                         for s, p, o, e, a, b, d in rows)


def _record_quotes(lookup: Lookup, iris: set[str]) -> dict[str, tuple[Quote, ...]]:
    """IRI -> the quotes of its record (those supporting its rdf:type triples)."""
    if not iris:
        return {}
    rows = _rows(lookup, f"""
        SELECT DISTINCT ?s ?exact ?start ?end ?document WHERE {{
          {_values("s", iris)}
          GRAPH kgg:evidence {{
            ?statement rdf:subject ?s ; rdf:predicate rdf:type .
            {_QUOTE_PATTERN}
          }}
        }}""")
    return _group_quotes((s.value, e, a, b, d) for s, e, a, b, d in rows)


def _group_quotes(rows) -> dict:
    grouped: dict = {}
    for key, exact, start, end, document in rows:
        grouped.setdefault(key, set()).add(Quote(exact.value, int(start.value), int(end.value),
                                                 document.value))
    return {k: tuple(sorted(v, key=lambda q: (q.document, q.start, q.end, q.text)))
            for k, v in grouped.items()}


def _positions(lookup: Lookup, me: str) -> list[PositionItem]:
    rows = _rows(lookup, f"""
        SELECT DISTINCT ?position ?holder ?stance ?target ?expressedIn WHERE {{
          {{ ?position kg:holder {me} }} UNION {{ ?position kg:target {me} }}
          UNION {{ ?position kg:expressedIn {me} }}
          UNION {{ ?position a kg:Position . FILTER(?position = {me}) }}
          ?position a kg:Position ; kg:holder ?holder ; kg:stance ?stance ; kg:target ?target .
          OPTIONAL {{ ?position kg:expressedIn ?expressedIn }}
        }}""")
    quotes = _record_quotes(lookup, {r[0].value for r in rows})
    items = {PositionItem(pos.value, holder.value, stance.value, target.value,
                          expressed.value if expressed is not None else None,
                          quotes.get(pos.value, ()))
             for pos, holder, stance, target, expressed in rows}
    return sorted(items, key=lambda p: (p.holder, p.stance, p.target, p.iri,
                                        p.expressed_in or ""))


def _claims(lookup: Lookup, me: str) -> list[tuple[ClaimItem, bool]]:
    """(claim, made by the entity?) for the claims it makes and the claims about it."""
    rows = _rows(lookup, f"""
        SELECT DISTINCT ?claim ?by WHERE {{
          {{ ?claim kg:claimant {me} BIND(true AS ?by) }}
          UNION {{ ?claim kg:about {me} BIND(false AS ?by) }}
          UNION {{ ?claim kg:proposition ?x . ?x rdf:subject {me} BIND(false AS ?by) }}
          UNION {{ ?claim kg:proposition ?x . ?x rdf:object {me} BIND(false AS ?by) }}
          ?claim a kg:Claim .
        }}""")
    roles: dict[str, set[bool]] = {}
    for claim, by in rows:
        roles.setdefault(claim.value, set()).add(by.value == "true")
    if not roles:
        return []
    fields: dict[str, dict[str, list[str]]] = {c: {} for c in roles}
    for claim, p, o in _rows(lookup, """
            SELECT DISTINCT ?claim ?p ?o WHERE { %s ?claim ?p ?o . VALUES ?p { %s } }"""
                             % (_values("claim", roles),
                                " ".join(_iri(p) for p in _CLAIM_FIELDS))):
        fields[claim.value].setdefault(_CLAIM_FIELDS[p.value], []).append(o.value)
    props: dict[str, set[Proposition]] = {}
    for claim, s, p, o in _rows(lookup, """
            SELECT DISTINCT ?claim ?s ?p ?o WHERE {
              %s ?claim kg:proposition ?x .
              ?x rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o }"""
                                % _values("claim", roles)):
        props.setdefault(claim.value, set()).add(Proposition(Term.of(s), p.value, Term.of(o)))
    quotes = _record_quotes(lookup, set(roles))
    out = []
    for c in sorted(roles):
        f = fields[c]
        item = ClaimItem(c, min(f["label"]) if f.get("label") else None,
                         tuple(sorted(set(f.get("claimant", [])))),
                         tuple(sorted(set(f.get("stated_in", [])))),
                         tuple(sorted(set(f.get("about", [])))),
                         tuple(sorted(props.get(c, ()), key=lambda x: (
                             x.subject.value, x.predicate, x.object.value))),
                         quotes.get(c, ()))
        for by in sorted(roles[c], reverse=True):
            out.append((item, by))
    return out


def _events(lookup: Lookup, iri: str, me: str, quotes: dict) -> list[EventItem]:
    rows = _rows(lookup, f"""
        SELECT DISTINCT ?event ?p ?g WHERE {{
          GRAPH ?g {{ {{ ?event ?p {me} }} UNION {{ {me} ?p ?event }} }}
          ?event a kg:Event .
          FILTER(isIRI(?event) && ?event != {me} && ?p != rdf:type)
          FILTER NOT EXISTS {{ ?event a kg:Claim }}
        }}""")
    rels: dict[str, set[tuple[int, str]]] = {}
    for event, p, g in rows:
        asserted = g.value == ns.graph_iri("asserted")
        rels.setdefault(event.value, set()).add((0 if asserted else 1, p.value))
    if not rels:
        return []
    detail: dict[str, dict[str, set]] = {e: {} for e in rels}
    for event, p, o in _rows(lookup, """
            SELECT DISTINCT ?event ?p ?o WHERE { %s ?event ?p ?o .
              VALUES ?p { rdfs:label rdf:type kg:date kg:dateQualifier kg:heldIn
                          kg:takesPlaceIn } }""" % _values("event", rels)):
        detail[event.value].setdefault(p.value, set()).add(Term.of(o))
    record = _record_quotes(lookup, set(rels))
    out = []
    for e in sorted(rels):
        d = detail[e]
        labels = sorted(t.value for t in d.get(LABEL, ()))
        places = d.get(KG + "heldIn") or d.get(KG + "takesPlaceIn") or set()
        linking: set[Quote] = set()
        for _, p in rels[e]:
            for key in ((e, p, Term(iri)), (iri, p, Term(e))):
                linking.update(quotes.get(key, ()))
        qs = tuple(sorted(linking, key=lambda q: (q.document, q.start, q.end, q.text))) \
            or record.get(e, ())
        out.append(EventItem(
            e, labels[0] if labels else None,
            tuple(p for g, p in sorted(rels[e]) if g == min(g for g, _ in rels[e])),
            tuple(sorted(t.value for t in d.get(RDF_TYPE, ()))),
            tuple(sorted(d.get(KG + "date", ()), key=lambda t: (t.value, t.datatype or ""))),
            tuple(sorted(t.value for t in d.get(KG + "dateQualifier", ()))),
            tuple(sorted(t.value for t in places)),
            qs))
    return sorted(out, key=lambda ev: (min((t.value for t in ev.dates), default="~"), ev.iri))


def _names(lookup: Lookup, p: Profile) -> dict[str, str]:
    from .querying import labels

    iris = {p.iri} | {t for t, _ in p.types}
    for f in p.facts_out + p.facts_in:
        iris |= {x.value for x in (f.subject, f.object) if x.kind == "iri"} | {f.predicate}
    for pos in p.positions:
        iris |= {pos.iri, pos.holder, pos.stance, pos.target} | (
            {pos.expressed_in} if pos.expressed_in else set())
    for c in p.claims_by + p.claims_about:
        iris |= {c.iri, *c.claimant, *c.stated_in, *c.about}
        for x in c.propositions:
            iris |= {t.value for t in (x.subject, x.object) if t.kind == "iri"} | {x.predicate}
    for ev in p.events:
        iris |= {ev.iri, *ev.relations, *ev.types, *ev.places}
    return labels(lookup, iris)
