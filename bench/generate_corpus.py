"""A synthetic corpus of news articles with annotation files, for the scale benchmark.

    python bench/generate_corpus.py N OUT_DIR [--seed S]

Writes ``OUT_DIR/NNNNNN_synth.txt`` + ``.yaml`` for N articles in the project's
real annotation format (docs/design.md), a ``background.yaml`` (city
``locatedIn`` state for every city the corpus names) and
``reference/wikidata.tsv`` (the pool's identifiers). The real loader reads it
unchanged: ``kg build --seeds OUT_DIR --store /tmp/x``.

Each article reports one round of talks between two states, mediated by a
third and hosted in one of its cities, with delegations (leads / memberOf /
represents), a ceasefire proposal (duration, unconditional, scope), a demand
and a peace plan, positions on them (holder / stance / target, expressed in
statements), an agreement with a prisoner exchange, an analyst's interview,
and claims with unasserted propositions. States, cities, persons (with their
roles), organisations and media outlets come from a shared pool, so the same
ids (and IRIs) recur across articles. Every quote is a span of the article
text, written with ``occurrence:`` when the words occur more than once.

The output is a pure function of (article index, seed): article k is the
same whatever N is, so a corpus of 10 is the first 10 articles of a corpus
of 100, and two runs with the same seed are byte-identical. About 220
asserted triples per article.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

# ---------------------------------------------------------------------------
# The shared pool
# ---------------------------------------------------------------------------

N_STATES = 60
CITIES_PER_STATE = 3
PERSONS_PER_STATE = 10
N_ORGS = 24
N_OUTLETS = 16

_ONSETS = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr",
           "gr", "kr", "st", "tr", "sh", "ch"]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ei", "ou"]
_STATE_ENDS = ["ia", "ovia", "stan", "land", "aria", "enia", "ora"]
_CITY_ENDS = ["grad", "polis", "burg", "ovo", "ville", "mar", "sk", "haven"]
_FIRST = ["Anna", "Boris", "Clara", "Dmitri", "Elena", "Farid", "Greta", "Hakan", "Irina",
          "Jonas", "Katya", "Lev", "Mira", "Nikos", "Olga", "Pavel", "Rosa", "Sergei",
          "Tamara", "Viktor", "Yusuf", "Zofia", "Aleksi", "Bianca", "Cyril", "Dana"]
_SURNAME_ENDS = ["ov", "ic", "ski", "er", "an", "escu"]
_ORG_KINDS = ["Union", "Council", "Alliance", "League", "Assembly", "Commission"]
_ORG_OF = ["Northern States", "Coastal Nations", "the Steppe", "Free Cities", "the Inner Sea",
           "Mountain Republics"]

#: role type concept -> how the text names it
ROLE_TITLES = {
    "foreign-minister": "the foreign minister of",
    "president": "the president of",
    "negotiator": "the chief negotiator of",
    "general": "a general of",
    "head-of-delegation": "the head of the delegation of",
    "leader": "a party leader of",
}


def _word(r: random.Random, ends: list[str], syllables: int) -> str:
    w = "".join(r.choice(_ONSETS) + r.choice(_VOWELS) for _ in range(syllables))
    return (w + r.choice(ends)).capitalize()


def _slug(text: str) -> str:
    out = "".join(c if c.isascii() and c.isalnum() else "-" for c in text.lower())
    return "-".join(p for p in out.split("-") if p)


@dataclass(frozen=True)
class Entity:
    id: str
    type: str
    label: str
    qid: str | None = None


@dataclass(frozen=True)
class Person:
    id: str
    label: str
    state: int  # index into pool.states
    role_type: str
    qid: str | None

    @property
    def role_id(self) -> str:
        return f"{self.id}-{self.role_type}"


class Pool:
    """States, cities, persons, organisations and outlets shared by all articles."""

    def __init__(self, seed: int):
        r = random.Random(f"pool-{seed}")
        used: set[str] = set()

        def unique(make) -> str:
            while True:
                w = make()
                if w not in used and _slug(w) not in used:
                    used.add(w)
                    used.add(_slug(w))
                    return w

        self.states = [Entity(_slug(n), "State", n, f"Q{9_100_000 + i}")
                       for i, n in enumerate(unique(lambda: _word(r, _STATE_ENDS, 2))
                                             for _ in range(N_STATES))]
        self.cities: list[list[Entity]] = []
        for si in range(N_STATES):
            row = []
            for ci in range(CITIES_PER_STATE):
                name = unique(lambda: _word(r, _CITY_ENDS, r.randint(1, 2)))
                qid = f"Q{9_200_000 + si * CITIES_PER_STATE + ci}" if ci == 0 else None
                row.append(Entity(_slug(name), "City", name, qid))
            self.cities.append(row)
        self.persons: list[list[Person]] = []
        roles = list(ROLE_TITLES)
        for si in range(N_STATES):
            row = []
            for pi in range(PERSONS_PER_STATE):
                name = unique(lambda: f"{r.choice(_FIRST)} "
                              f"{_word(r, _SURNAME_ENDS, r.randint(1, 2))}")
                qid = f"Q{9_300_000 + si * PERSONS_PER_STATE + pi}" if pi < 3 else None
                row.append(Person(_slug(name), name, si, roles[pi % len(roles)], qid))
            self.persons.append(row)
        self.analysts = [[unique(lambda: f"{r.choice(_FIRST)} "
                                 f"{_word(r, ['berg', 'ova', 'ini'], 2)}")
                          for _ in range(2)] for _ in range(N_STATES)]
        self.orgs = []
        for i in range(N_ORGS):
            kind = _ORG_KINDS[i % len(_ORG_KINDS)]
            name = f"{kind} of {_ORG_OF[(i // len(_ORG_KINDS)) % len(_ORG_OF)]}"
            if i >= len(_ORG_KINDS) * len(_ORG_OF):  # pragma: no cover - pool is small
                name += f" {i}"
            self.orgs.append(Entity(_slug(name), "Organisation", name, f"Q{9_400_000 + i}"))
        self.outlets = [Entity(_slug(n) + "-news", "MediaOutlet", n + " News")
                        for n in (unique(lambda: _word(r, ["", "o", "a"], 2))
                                  for _ in range(N_OUTLETS))]


# ---------------------------------------------------------------------------
# The article text, with the spans of marked pieces
# ---------------------------------------------------------------------------


class Text:
    """An article being written: sentences, and the spans of marked pieces."""

    def __init__(self):
        self.parts: list[str] = []
        self.length = 0
        self.spans: dict[str, tuple[int, int]] = {}

    def _put(self, s: str) -> None:
        self.parts.append(s)
        self.length += len(s)

    def sentence(self, key: str | None, *pieces) -> None:
        """One sentence; a piece is a string or (key, string); key marks the whole sentence."""
        if self.parts and not self.parts[-1].endswith("\n"):
            self._put(" ")
        start = self.length
        for piece in pieces:
            if isinstance(piece, tuple):
                k, s = piece
                if k not in self.spans:  # first mention wins
                    self.spans[k] = (self.length, self.length + len(s))
                self._put(s)
            else:
                self._put(piece)
        if key is not None:
            self.spans[key] = (start, self.length)

    def paragraph(self) -> None:
        self._put("\n\n")

    def text(self) -> str:
        return "".join(self.parts).rstrip() + "\n"


def _occurrences(text: str, quote: str) -> list[int]:
    found, i = [], text.find(quote)
    while i != -1:
        found.append(i)
        i = text.find(quote, i + 1)
    return found


def _quote(text: str, span: tuple[int, int]) -> str:
    """The YAML for a quote of text[span]: a string, or {text, occurrence} when repeated."""
    s, e = span
    q = text[s:e]
    starts = _occurrences(text, q)
    if len(starts) == 1:
        return _y(q)
    return "{text: %s, occurrence: %d}" % (_y(q), starts.index(s) + 1)


def _y(s: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(s, ensure_ascii=False)


# ---------------------------------------------------------------------------
# One article
# ---------------------------------------------------------------------------


class _Records:
    def __init__(self, text: str, spans: dict[str, tuple[int, int]]):
        self.text = text
        self.spans = spans
        self.lines: list[str] = []

    def q(self, key: str) -> str:
        return _quote(self.text, self.spans[key])

    def record(self, rid: str, rtype: str, label: str, quotes: list[str] | str,
               props: list[tuple[str, object]] = (), facts: list[tuple[str, object, list]] = (),
               wikidata: str | None = None, propositions: list[tuple] = ()) -> None:
        quotes = [quotes] if isinstance(quotes, str) else quotes
        out = self.lines
        out.append("")
        out.append(f"  - id: {rid}")
        out.append(f"    type: {rtype}")
        out.append(f"    label: {_y(label)}")
        if wikidata:
            out.append(f"    wikidata: {wikidata}")
        if len(quotes) == 1:
            out.append(f"    quote: {self.q(quotes[0])}")
        else:
            out.append("    quotes:")
            out.extend(f"      - {self.q(k)}" for k in quotes)
        for name, value in props:
            out.append(f"    {name}: {_value(value)}")
        if len(propositions) == 1:
            s, p, o = propositions[0]
            out.append(f"    proposition: {{subject: {s}, predicate: {p}, object: {o}}}")
        elif propositions:
            out.append("    propositions:")
            out.extend(f"      - {{subject: {s}, predicate: {p}, object: {o}}}"
                       for s, p, o in propositions)
        if facts:
            out.append("    facts:")
            for name, value, fquotes in facts:
                out.append(f"      - {name}: {_value(value)}")
                if len(fquotes) == 1:
                    out.append(f"        quote: {self.q(fquotes[0])}")
                else:
                    out.append("        quotes:")
                    out.extend(f"          - {self.q(k)}" for k in fquotes)


def _value(v) -> str:
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    s = str(v)
    # ids, concept names, durations and booleans are plain; everything else quoted
    if all(c.isascii() and (c.isalnum() or c == "-") for c in s) and not s[:1].isdigit():
        return s
    return _y(s)


def article(pool: Pool, k: int, seed: int) -> tuple[str, str, str, set[int], set[tuple]]:
    """(doc name, text, yaml, states used, cities used as (state, city index))."""
    r = random.Random(f"article-{seed}-{k}")
    tag = f"a{k:06d}"
    name = f"{k:06d}_{hashlib.sha1(f'{seed}-{k}'.encode()).hexdigest()[:12]}"
    ia, ib, im, ix = r.sample(range(N_STATES), 4)
    A, B, M, X = (pool.states[i] for i in (ia, ib, im, ix))
    host = pool.cities[im][r.randrange(CITIES_PER_STATE)]
    cap_a = pool.cities[ia][0]
    pa = r.sample(pool.persons[ia], 2)
    pb = r.sample(pool.persons[ib], 2)
    pm = r.choice(pool.persons[im])
    px = r.choice(pool.persons[ix])
    analyst_state = r.choice((ia, ib, im, ix))
    analyst_name = r.choice(pool.analysts[analyst_state])
    analyst = Entity(_slug(analyst_name), "Person", analyst_name)
    org = r.choice(pool.orgs)
    outlet = r.choice(pool.outlets)
    year = 2015 + (k * 7 + seed) % 11
    month = 1 + (k * 5) % 12
    day = 1 + (k * 11) % 28
    date = f"{year}-{month:02d}-{day:02d}"
    days = r.choice((7, 14, 30, 60, 90))
    unconditional = r.random() < 0.5
    scope = r.choice(("land", "sea", "air"))
    prisoners = r.randint(10, 120) * 10
    cf_status = r.choice(("pending", "proposed"))

    # -- text --------------------------------------------------------------
    t = Text()
    t.sentence("dateline", (f"date:{date}", date), f" — {outlet.label} reports.")
    t.paragraph()
    t.sentence("talks", "Delegations of ", ("A", A.label), " and ", ("B", B.label),
               " met for a new round of talks on ", date, ".")
    t.sentence("held", "The talks were held in ", ("host", host.label), ", ",
               ("M", M.label), ", under ", M.label, "'s mediation.")
    t.sentence("mediates", M.label, " has mediated between the two sides since ", str(year - 1),
               ".")
    t.sentence("org", "Observers from the ", ("org", org.label), " attended the opening session.")
    t.paragraph()
    t.sentence("leadA", (f"p:{pa[0].id}", f"{pa[0].label}, {ROLE_TITLES[pa[0].role_type]} "
                         f"{A.label}"), ", led the delegation of ", A.label, ".")
    t.sentence("memA", (f"p:{pa[1].id}", f"{pa[1].label}, {ROLE_TITLES[pa[1].role_type]} "
                        f"{A.label}"), ", was a member of it.")
    t.sentence("leadB", "The delegation of ", B.label, " was led by ",
               (f"p:{pb[0].id}", f"{pb[0].label}, {ROLE_TITLES[pb[0].role_type]} {B.label}"),
               ", with ", (f"p:{pb[1].id}", f"{pb[1].label}, {ROLE_TITLES[pb[1].role_type]} "
                           f"{B.label}"), " as a member.")
    t.sentence("delegations", "Both delegations spoke for their governments.")
    t.paragraph()
    t.sentence("cf", A.label, " proposed ", ("cf", f"a {days}-day "
               f"{'unconditional ' if unconditional else ''}ceasefire on {scope}"), " in ",
               ("stmtA", f"a statement issued in {cap_a.label}"), ".")
    t.sentence("cfstatus", "No date was set for the ceasefire to begin.")
    t.sentence("rejectCf", B.label, " rejected the ceasefire proposal in ",
               ("stmtB", "a written reply"), ".")
    t.sentence("demand", B.label, " instead demanded ", ("demand", f"that {A.label} withdraw "
               f"its forces from the border area around {cap_a.label}"), ".")
    t.sentence("rejectDemand", A.label, " called the demand unacceptable.")
    t.sentence("plan", (f"p:{px.id}", f"{px.label}, {ROLE_TITLES[px.role_type]} {X.label}"),
               ", presented ", ("plan", f"a peace plan from {X.label}"), ", which ",
               M.label, " said it supported in ", ("stmtM", f"a note from {host.label}"), ".")
    t.sentence("planstatus", "The plan was formally tabled on the second day.")
    t.paragraph()
    t.sentence("agreement", "The talks ended with ", ("agreement", "an agreement to exchange "
               f"{prisoners} prisoners of war"), ", signed by both sides.")
    t.sentence("exchange", ("exchange", f"The exchange of {prisoners} prisoners"),
               " is to take place within a month.")
    t.sentence("fm", (f"p:{pm.id}", f"{pm.label}, {ROLE_TITLES[pm.role_type]} {M.label}"),
               ", said that both sides remained open to further talks.")
    t.paragraph()
    t.sentence("interview", (f"p:{analyst.id}", f"{analyst.label}, a political analyst"),
               " from ", pool.states[analyst_state].label, ", told ", ("outlet", outlet.label),
               " in ", ("iv", "an interview"), " that the talks changed little.")
    t.sentence("claim1", "In his view, ", B.label, " would never accept the ceasefire.")
    t.sentence("claim2", "He added that the exchange of prisoners was the only real result.")
    t.sentence("claim3", B.label, "'s negotiator, he said, had hinted that ", A.label,
               " was open to the demand.")
    t.sentence("claim4", "He also recalled that earlier rounds had taken place in ",
               ("cap", cap_a.label), ".")
    text = t.text()

    # -- records -----------------------------------------------------------
    rec = _Records(text, t.spans)
    talks, cf, demand, plan = (f"talks-{tag}", f"ceasefire-{tag}", f"demand-{tag}",
                               f"peace-plan-{tag}")
    agreement, exchange = f"agreement-{tag}", f"prisoner-exchange-{tag}"
    stmt_a, stmt_b, stmt_m, stmt_fm = (f"statement-{tag}-a", f"statement-{tag}-b",
                                       f"statement-{tag}-m", f"statement-{tag}-fm")
    interview = f"interview-{tag}"
    del_a, del_b = f"delegation-{tag}-a", f"delegation-{tag}-b"

    states = [(A, "A"), (B, "B"), (M, "M"), (X, None)]
    for ent, key in states:
        q = key if key else f"p:{px.id}"
        facts = []
        if ent is M:
            facts.append(("mediates", talks, ["mediates"]))
            facts.append(("hosts", talks, ["held"]))
        rec.record(ent.id, "State", ent.label, q, wikidata=ent.qid, facts=facts)
    for city, key in ((host, "host"), (cap_a, "cap")):
        rec.record(city.id, "City", city.label, key, wikidata=city.qid)
    rec.record(org.id, "Organisation", org.label, "org", wikidata=org.qid,
               facts=[("participatesIn", talks, ["org"])])
    rec.record(outlet.id, "MediaOutlet", outlet.label, "outlet")

    def person(p: Person, extra: list = ()):
        st = pool.states[p.state]
        key = f"p:{p.id}"
        rec.record(p.id, "Person", p.label, key, wikidata=p.qid,
                   props=[("nationality", st.id), ("hasRole", p.role_id)], facts=list(extra))
        rec.record(p.role_id, "Role", f"{p.role_type.replace('-', ' ')} of {st.label} "
                   f"({p.label})", key, props=[("roleType", p.role_type), ("roleFor", st.id)])

    person(pa[0], [("leads", del_a, ["leadA"])])
    person(pa[1], [("memberOf", del_a, ["memA"])])
    person(pb[0], [("leads", del_b, ["leadB"])])
    person(pb[1], [("memberOf", del_b, ["leadB"])])
    person(pm)
    person(px)
    rec.record(analyst.id, "Person", analyst.label, f"p:{analyst.id}",
               props=[("nationality", pool.states[analyst_state].id),
                      ("hasRole", f"{analyst.id}-analyst")])
    rec.record(f"{analyst.id}-analyst", "Role", f"political analyst ({analyst.label})",
               f"p:{analyst.id}", props=[("roleType", "analyst")])

    rec.record(del_a, "Delegation", f"delegation of {A.label} ({date})", "leadA",
               props=[("represents", A.id)], facts=[("participatesIn", talks, ["delegations"])])
    rec.record(del_b, "Delegation", f"delegation of {B.label} ({date})", "leadB",
               props=[("represents", B.id)], facts=[("participatesIn", talks, ["delegations"])])

    rec.record(talks, "Negotiation", f"talks between {A.label} and {B.label} ({date})",
               "talks", props=[("participant", [A.id, B.id]), ("eventType", "cameo-046"),
                               ("date", date)],
               facts=[("heldIn", host.id, ["held"]), ("mediatedBy", M.id, ["held"]),
                      ("outcome", agreement, ["agreement"])])
    rec.record(agreement, "Agreement", f"agreement to exchange {prisoners} prisoners "
               f"({A.label}, {B.label}, {date})", "agreement",
               props=[("participant", [A.id, B.id]), ("provides", exchange),
                      ("eventType", "cameo-057")])
    rec.record(exchange, "PrisonerExchange", f"exchange of {prisoners} prisoners "
               f"({A.label}, {B.label}, {date})", "exchange",
               props=[("participant", [A.id, B.id]), ("numberOfPrisoners", str(prisoners)),
                      ("eventType", "cameo-0841")])

    rec.record(cf, "CeasefireProposal", f"{days}-day ceasefire proposed by {A.label} ({date})",
               "cf", props=[("duration", f"P{days}D"),
                            ("unconditional", "true" if unconditional else "false"),
                            ("scope", scope), ("addressedTo", B.id)],
               facts=[("status", cf_status, ["cfstatus"])])
    rec.record(demand, "Demand", f"demand by {B.label} that {A.label} withdraw ({date})",
               "demand", props=[("addressedTo", A.id), ("concerns", cap_a.id)],
               facts=[("status", "rejected", ["rejectDemand"])])
    rec.record(plan, "PeacePlan", f"peace plan of {X.label} ({date})", "plan",
               props=[("proposedBy", X.id)], facts=[("status", "proposed", ["planstatus"])])

    for sid, key, speaker, label, etype in (
            (stmt_a, "stmtA", A.id, f"statement of {A.label} proposing a ceasefire", "cameo-0256"),
            (stmt_b, "stmtB", B.id, f"reply of {B.label} rejecting the ceasefire", "cameo-120"),
            (stmt_m, "stmtM", M.id, f"note of {M.label} supporting the peace plan", "cameo-010"),
            (stmt_fm, "fm", pm.id, f"remarks of {pm.label} on further talks", "cameo-010")):
        rec.record(sid, "Statement", f"{label} ({date})", key,
                   props=[("speaker", speaker), ("eventType", etype), ("date", date)])
    rec.record(interview, "Interview", f"{outlet.label} interview with {analyst.label} "
               f"({date})", "iv", props=[("publishedBy", outlet.id), ("interviewee", analyst.id),
                                         ("date", date)])

    for i, (holder, stance, target, key, where) in enumerate((
            (A.id, "proposes", cf, "cf", stmt_a), (B.id, "rejects", cf, "rejectCf", stmt_b),
            (B.id, "demands", demand, "demand", stmt_b),
            (A.id, "rejects", demand, "rejectDemand", stmt_a),
            (X.id, "proposes", plan, "plan", stmt_m), (M.id, "supports", plan, "plan", stmt_m)),
            1):
        rec.record(f"pos-{tag}-{i}", "Position", f"{holder} {stance} {target}", key,
                   props=[("holder", holder), ("stance", stance), ("target", target),
                          ("expressedIn", where)])

    for i, (claimant, where, key, about, props) in enumerate((
            (analyst.id, interview, "claim1", [B.id, cf], [(B.id, "rejects", cf)]),
            (analyst.id, interview, "claim2", [agreement, exchange, talks],
             [(talks, "outcome", exchange)]),
            (analyst.id, interview, "claim3", [A.id, B.id, demand], [(A.id, "openTo", demand)]),
            (analyst.id, interview, "claim4", [talks, cap_a.id], [(talks, "heldIn", cap_a.id)]),
            (pm.id, stmt_fm, "fm", [A.id, B.id, talks],
             [(A.id, "openTo", talks), (B.id, "openTo", talks)])), 1):
        rec.record(f"claim-{tag}-{i}", "Claim", f"claim {i} of {name}", key,
                   props=[("claimant", claimant), ("statedIn", where), ("about", about)],
                   propositions=props)

    head = [
        f"# Synthetic article {k} (bench/generate_corpus.py, seed {seed}).",
        "document:",
        f"  title: {_y(f'Talks between {A.label} and {B.label} in {host.label}')}",
        f"  publisher: {outlet.id}",
        f"  published: {date}",
        "  language: en",
        f"  quote: {rec.q(f'date:{date}')}",
        "",
        "unmapped:",
        f"  - quote: {rec.q('delegations')}",
        "    reason: restates the delegation records",
        "",
        "records:",
    ]
    yaml_text = "\n".join(head + rec.lines) + "\n"
    cities = {(im, pool.cities[im].index(host)), (ia, 0)}
    return name, text, yaml_text, {ia, ib, im, ix}, cities


# ---------------------------------------------------------------------------
# The corpus
# ---------------------------------------------------------------------------


def generate(n: int, out_dir: Path, seed: int = 0) -> list[Path]:
    """Write n articles (+ background.yaml, reference/wikidata.tsv) into out_dir.

    Returns the article text paths. Files of an earlier, larger corpus in
    out_dir are removed so that the directory holds exactly n articles.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pool = Pool(seed)
    written: list[Path] = []
    states_used: set[int] = set()
    cities_used: set[tuple[int, int]] = set()
    keep: set[str] = set()
    for k in range(n):
        name, text, yaml_text, states, cities = article(pool, k, seed)
        _write(out_dir / f"{name}.txt", text)
        _write(out_dir / f"{name}.yaml", yaml_text)
        keep.update((f"{name}.txt", f"{name}.yaml"))
        written.append(out_dir / f"{name}.txt")
        states_used |= states
        cities_used |= cities
    for stale in list(out_dir.glob("*.txt")) + list(out_dir.glob("*.yaml")):
        if stale.name not in keep and stale.name != "background.yaml":
            stale.unlink()
    lines = ["# Reference facts of the synthetic corpus: each city named is located in its state."]
    for si, ci in sorted(cities_used):
        city, state = pool.cities[si][ci], pool.states[si]
        lines += [f"- subject: {city.id}",
                  f"  locatedIn: {state.id}",
                  f"  source: {_y(f'synthetic pool: {city.label} is a city of {state.label}')}"]
    _write(out_dir / "background.yaml", "\n".join(lines) + "\n")
    rows = ["# Identifiers of the synthetic pool (not real Wikidata items).", "label\tqid\tnote"]
    ents = [pool.states[i] for i in range(N_STATES)] + \
        [c for row in pool.cities for c in row] + pool.orgs
    rows += [f"{e.label}\t{e.qid}\t" for e in ents if e.qid]
    rows += [f"{p.label}\t{p.qid}\t" for row in pool.persons for p in row if p.qid]
    (out_dir / "reference").mkdir(exist_ok=True)
    _write(out_dir / "reference" / "wikidata.tsv", "\n".join(rows) + "\n")
    return written


def _write(path: Path, text: str) -> None:
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return  # keep mtimes stable for cached corpora
    path.write_bytes(data)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, help="number of articles")
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    paths = generate(args.n, args.out_dir, args.seed)
    print(f"wrote {len(paths)} article(s) to {args.out_dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
