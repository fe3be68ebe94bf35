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

from kg import namespaces as ns
from kg.errors import KgError, UsageError

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
    #: reported speech (kg:ReportedClaim): whom the claim is attributed to inside another
    #: claim (kg:reportedSpeaker), and the claimants of the claims that report it (kg:reports)
    reported_speaker: tuple[str, ...] = ()
    reported_by: tuple[str, ...] = ()
    speech_act: tuple[str, ...] = ()  # kg:speechAct: says, blames, demands, ... (concepts)


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
    not_later_than: tuple[Term, ...] = ()  # kg:notLaterThan: an upper bound, for undated events
    modality: tuple[str, ...] = ()  # kg:modality: happened, planned, alleged (concept IRIs)


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
    #: what others report it said (kg:ReportedClaim with it as kg:reportedSpeaker): never
    #: its own claim, only the reporting claimant's
    claims_reported: list[ClaimItem] = field(default_factory=list)

    def as_dict(self) -> dict:
        """Plain JSON-ready data (dataclasses as dicts, tuples as lists)."""
        d = asdict(self)
        d["types"] = [{"type": t, "graph": g} for t, g in self.types]
        return d

    def label(self, iri: str) -> str:
        return self.names.get(iri) or ns.shorten(iri)


# --------------------------------------------------------------------------- running queries

Lookup = Callable[[str], object]  # text -> kg.query.querying.ResultSet


def _lookup(store_or_lookup) -> Lookup:
    if callable(store_or_lookup):
        return store_or_lookup
    from kg.query.querying import execute

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
    from kg.query.querying import parse_term

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
    exact = _exact_names(lookup, wanted)
    if len(exact) == 1:  # the name as typed (or capitalised): no need to read every name
        return exact.pop()
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


def _exact_names(lookup: Lookup, text: str) -> set[str]:
    """The IRIs with a label written exactly ``text`` (or with its case changed as usual:
    lower, Title, Capitalised), in English or without a language: an index lookup where
    :func:`names_index` reads every name. (Aliases rank below labels: not here.)"""
    variants = sorted({text, text.lower(), text.title(), text[:1].upper() + text[1:]})
    literals = " ".join(str(lit) for v in variants
                        for lit in (ox.Literal(v), ox.Literal(v, language="en")))
    rows = _rows(lookup, "SELECT DISTINCT ?s ?p WHERE { VALUES ?l { %s } ?s ?p ?l . "
                         "FILTER(isIRI(?s)) }" % literals)
    return {s.value for s, p in rows if p.value in (LABEL, PREF_LABEL)}


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
    """Everything the graph says about ``iri`` (see the module's docstring).

    Every query starts from known IRIs (the entity, then its neighbours),
    never from a class or a predicate alone, so that a profile costs about
    the same in a graph of one article or of thousands.
    """
    lookup = _lookup(store)
    triples = touching(lookup, iri)
    neighbours = {t.value for s, _, o, _ in triples for t in (s, o)
                  if t.kind == "iri" and t.value != iri}
    desc = _describe(lookup, neighbours | {iri})
    types = {n: {o.value for p, o in desc.get(n, ()) if p == RDF_TYPE} for n in desc}
    out = Profile(iri)
    quotes = _quotes(lookup, iri)
    sections = {n for n in neighbours if types.get(n, set()) & set(_SECTION_SUBJECTS)}
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
        elif s.value not in sections:
            out.facts_in.append(Fact(s, p, o, g, quotes.get((s.value, p, o), ())))
    out.positions = _positions(lookup, iri, triples, types, desc)
    claims = _claims(lookup, iri, triples, types)
    out.claims_by = [c for c, by in claims if by is True]
    out.claims_about = [c for c, by in claims if by is False]
    out.claims_reported = [c for c, by in claims if by == "reported"]
    out.events = _events(lookup, iri, triples, types, desc, quotes)
    out.names = _names(lookup, out)
    return out


def touching(store_or_lookup, iri: str) -> list[tuple[Term, str, Term, str]]:
    """(subject, predicate, object, graph name) for every triple with ``iri`` as its
    subject or object, in the asserted, background, inferred and ontology graphs."""
    me = _iri(iri)
    # (a VALUES block on ?g would make Oxigraph scan: the graph is checked here)
    rows = _rows(_lookup(store_or_lookup), f"""
        SELECT DISTINCT ?g ?s ?p ?o WHERE {{
          GRAPH ?g {{ {{ {me} ?p ?o BIND({me} AS ?s) }} UNION {{ ?s ?p {me} BIND({me} AS ?o) }} }}
        }}""")
    graph_name = {ns.graph_iri(g): g for g in FACT_GRAPHS}
    return sorted({(Term.of(s), p.value, Term.of(o), graph_name[g.value])
                   for g, s, p, o in rows if g.value in graph_name}, key=_fact_key)


def describe(store_or_lookup, iris: set[str]) -> dict[str, list[tuple[str, Term]]]:
    """IRI -> its (predicate, object) pairs in the build's graphs (evidence excepted)."""
    return _describe(_lookup(store_or_lookup), iris)


def _fact_key(t) -> tuple:
    s, p, o, g = t
    return (FACT_GRAPHS.index(g), p, s.value, o.kind, o.value, o.datatype or "",
            o.language or "")


_PIECE = 500  # IRIs in one VALUES block


def _describe(lookup: Lookup, iris: set[str]) -> dict[str, list[tuple[str, Term]]]:
    """IRI -> its (predicate, object) pairs in the build's graphs (evidence excepted)."""
    out: dict[str, list[tuple[str, Term]]] = {i: [] for i in iris}
    ordered = sorted(iris)
    wanted = {ns.graph_iri(g) for g in FACT_GRAPHS}
    for k in range(0, len(ordered), _PIECE):
        found = set()
        for g, s, p, o in _rows(lookup, f"""
                SELECT DISTINCT ?g ?s ?p ?o WHERE {{ {_values("s", ordered[k:k + _PIECE])}
                  GRAPH ?g {{ ?s ?p ?o }} }}"""):
            if g.value in wanted:
                found.add((s.value, p.value, Term.of(o)))
        for s, p, o in sorted(found, key=lambda x: (x[0], x[1], x[2].value, x[2].kind)):
            out[s].append((p, o))
    return out


def _values_of(pairs, predicate: str) -> list[str]:
    return sorted({o.value for p, o in pairs if p == predicate})


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
    ordered = sorted(iris)
    rows: list = []
    for k in range(0, len(ordered), _PIECE):
        rows += _rows(lookup, f"""
            SELECT DISTINCT ?s ?exact ?start ?end ?document WHERE {{
              {_values("s", ordered[k:k + _PIECE])}
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


_POSITION_LINKS = (KG + "holder", KG + "target", KG + "expressedIn")


def _positions(lookup: Lookup, iri: str, triples, types, desc) -> list[PositionItem]:
    found = {s.value for s, p, o, _ in triples
             if o.value == iri and p in _POSITION_LINKS and KG + "Position" in types.get(s.value,
                                                                                         ())}
    if KG + "Position" in types.get(iri, ()):
        found.add(iri)
    quotes = _record_quotes(lookup, found)
    items = set()
    for pos in found:
        d = desc.get(pos, [])
        expressed = _values_of(d, KG + "expressedIn") or [None]
        for holder in _values_of(d, KG + "holder"):
            for stance in _values_of(d, KG + "stance"):
                for target in _values_of(d, KG + "target"):
                    for e in expressed:
                        items.add(PositionItem(pos, holder, stance, target, e,
                                               quotes.get(pos, ())))
    return sorted(items, key=lambda p: (p.holder, p.stance, p.target, p.iri,
                                        p.expressed_in or ""))


def _claims(lookup: Lookup, iri: str, triples, types) -> list[tuple[ClaimItem, object]]:
    """(claim, role) for the claims it makes (True), the claims about it (False) and
    the claims others report it made ("reported")."""
    roles: dict[str, set] = {}
    propositions = set()
    for s, p, o, _ in triples:
        if o.value != iri or s.kind != "iri":
            continue
        if p == KG + "claimant":
            roles.setdefault(s.value, set()).add(True)
        elif p == KG + "about":
            roles.setdefault(s.value, set()).add(False)
        elif p == KG + "reportedSpeaker":
            roles.setdefault(s.value, set()).add("reported")
        elif p in (ns.RDF + "subject", ns.RDF + "object") and \
                KG + "Proposition" in types.get(s.value, ()):
            propositions.add(s.value)
    if propositions:
        ordered = sorted(propositions)
        for k in range(0, len(ordered), _PIECE):
            for (claim,) in _rows(lookup, "SELECT DISTINCT ?claim WHERE { %s ?claim kg:proposition "
                                          "?x }" % _values("x", ordered[k:k + _PIECE])):
                roles.setdefault(claim.value, set()).add(False)
    desc = _describe(lookup, set(roles))
    roles = {c: r for c, r in roles.items()
             if any(p == RDF_TYPE and o.value == KG + "Claim" for p, o in desc[c])}
    if not roles:
        return []
    props = {c: _values_of(desc[c], KG + "proposition") for c in roles}
    pdesc = _describe(lookup, {x for xs in props.values() for x in xs})
    quotes = _record_quotes(lookup, set(roles))
    reporters: dict[str, set[str]] = {}  # reported claim -> the claims that report it
    for outer, rc in _rows(lookup, "SELECT DISTINCT ?outer ?rc WHERE { %s ?outer kg:reports "
                                   "?rc }" % _values("rc", roles)):
        reporters.setdefault(rc.value, set()).add(outer.value)
    odesc = _describe(lookup, {o for os in reporters.values() for o in os})
    out = []
    for c in sorted(roles):
        d = desc[c]
        contents = set()
        for x in props[c]:
            px = pdesc.get(x, [])
            for s_ in (o for p, o in px if p == ns.RDF + "subject"):
                for p_ in _values_of(px, ns.RDF + "predicate"):
                    for o_ in (o for p, o in px if p == ns.RDF + "object"):
                        contents.add(Proposition(s_, p_, o_))
        labels = _values_of(d, LABEL)
        item = ClaimItem(c, labels[0] if labels else None,
                         tuple(_values_of(d, KG + "claimant")),
                         tuple(_values_of(d, KG + "statedIn")),
                         tuple(_values_of(d, KG + "about")),
                         tuple(sorted(contents, key=lambda x: (
                             x.subject.value, x.predicate, x.object.value))),
                         quotes.get(c, ()),
                         tuple(_values_of(d, KG + "reportedSpeaker")),
                         tuple(sorted({w for o in reporters.get(c, ())
                                       for w in _values_of(odesc.get(o, []), KG + "claimant")})),
                         tuple(_values_of(d, KG + "speechAct")))
        for role in sorted(roles[c], key=lambda r: {True: 0, False: 1}.get(r, 2)):
            out.append((item, role))
    return out


def _events(lookup: Lookup, iri: str, triples, types, desc, quotes) -> list[EventItem]:
    rels: dict[str, set[tuple[int, str]]] = {}
    for s, p, o, g in triples:
        other = o if s.value == iri else s
        if other.kind != "iri" or other.value == iri or p == RDF_TYPE:
            continue
        kinds = types.get(other.value, set())
        if KG + "Event" in kinds and KG + "Claim" not in kinds:
            rels.setdefault(other.value, set()).add((0 if g == "asserted" else 1, p))
    if not rels:
        return []
    record = _record_quotes(lookup, set(rels))
    out = []
    for e in sorted(rels):
        d = desc.get(e, [])
        places = _values_of(d, KG + "heldIn") or _values_of(d, KG + "takesPlaceIn")
        linking: set[Quote] = set()
        for _, p in rels[e]:
            for key in ((e, p, Term(iri)), (iri, p, Term(e))):
                linking.update(quotes.get(key, ()))
        qs = tuple(sorted(linking, key=lambda q: (q.document, q.start, q.end, q.text))) \
            or record.get(e, ())
        best = min(g for g, _ in rels[e])
        labels = _values_of(d, LABEL)
        out.append(EventItem(
            e, labels[0] if labels else None,
            tuple(p for g, p in sorted(rels[e]) if g == best),
            tuple(sorted(types.get(e, ()))),
            tuple(sorted({o for p, o in d if p == KG + "date"},
                         key=lambda t: (t.value, t.datatype or ""))),
            tuple(_values_of(d, KG + "dateQualifier")),
            tuple(places),
            qs,
            tuple(sorted({o for p, o in d if p == KG + "notLaterThan"},
                         key=lambda t: (t.value, t.datatype or ""))),
            tuple(_values_of(d, KG + "modality"))))
    return sorted(out, key=lambda ev: (min((t.value for t in ev.dates + ev.not_later_than),
                                           default="~"), ev.iri))


def _names(lookup: Lookup, p: Profile) -> dict[str, str]:

    iris = {p.iri} | {t for t, _ in p.types}
    for f in p.facts_out + p.facts_in:
        iris |= {x.value for x in (f.subject, f.object) if x.kind == "iri"} | {f.predicate}
    for pos in p.positions:
        iris |= {pos.iri, pos.holder, pos.stance, pos.target} | (
            {pos.expressed_in} if pos.expressed_in else set())
    for c in p.claims_by + p.claims_about + p.claims_reported:
        iris |= {c.iri, *c.claimant, *c.stated_in, *c.about, *c.reported_speaker,
                 *c.reported_by, *c.speech_act}
        for x in c.propositions:
            iris |= {t.value for t in (x.subject, x.object) if t.kind == "iri"} | {x.predicate}
    for ev in p.events:
        iris |= {ev.iri, *ev.relations, *ev.types, *ev.places, *ev.modality} | {
            q for q in ev.qualifiers if q.startswith(("http://", "https://"))}
    return names_of(lookup, iris)


#: after the name of a resource that only a claim's content names
ONLY_IN_CLAIMS = " (only in claims)"


def names_of(store_or_lookup, iris: set[str]) -> dict[str, str]:
    """IRI -> label (English preferred), for the IRIs that have one; for a resource
    that exists only inside claims, the label its claim gives, marked ``(only in
    claims)``, so that what a claim names is never shown as a plain fact."""
    from kg.query.querying import labels

    lookup = _lookup(store_or_lookup)
    names = labels(lookup, iris)
    missing = sorted(i for i in iris if i not in names)
    for k in range(0, len(missing), _PIECE):
        found: dict[str, set[str]] = {}
        for s, lab in _rows(lookup, f"""
                SELECT DISTINCT ?s ?l WHERE {{ {_values("s", missing[k:k + _PIECE])}
                  ?x rdf:subject ?s ; rdf:predicate rdfs:label ; rdf:object ?l .
                  ?x a kg:Proposition . }}"""):
            found.setdefault(s.value, set()).add(lab.value)
        names.update({s: min(ls) + ONLY_IN_CLAIMS for s, ls in found.items()})
    return names
