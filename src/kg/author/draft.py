"""``kg draft``: a first annotation file for a new article, rule-based, for a person to edit.

From the article's text and what the project already knows (the records of
the annotation files in the seeds directory) it finds

* the metadata: title, date (normalised) and publisher;
* every sentence with its voice and the speaker guessed from the
  attribution cue (:mod:`kg.read.voice`), pronouns resolved to the last named
  speaker; speech whose speaker is a record becomes a ``voices:`` entry;
* every mention of a known entity (an actor or a place): its label, the
  label's last word for a person, short quotes of its records, a few
  aliases and capitals named for their states ("Moscow said" -> Russia, as
  in docs/design.md), matched case- and accent-insensitively ("Turkey",
  "Turkiye" -> Türkiye), as a reference to the existing record;
* candidate new entities (capitalised names not known yet), typed by a
  guess (person, organisation, place);
* dates, durations and numbers, normalised, each a facts entry (``date:``,
  ``duration:``, ``quantity:`` with its quote) under the top-level ``values:``,
  which kg build leaves out: the person moves each under the record it is
  about, or deletes it; ``kg check`` checks them where they are.

Every quote is the article's text verbatim with the occurrence the anchoring
counts (:func:`kg.read.anchoring.occurrences`), so that every anchor holds and
the draft builds as it is. Every record is marked ``draft: true`` until a
person confirms it; ``kg coverage`` counts them. Plain Python, nothing is
downloaded; pure functions from text and records to YAML text.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field

from kg.namespaces import is_valid_id
from kg.read.anchoring import occurrences

#: Other names of entities, by the label of their record.
ALIASES = {
    "Turkey": "Türkiye", "UN": "United Nations", "U.N.": "United Nations",
    "U.S.": "United States", "US": "United States", "USA": "United States",
    "America": "United States", "EU": "European Union", "Britain": "United Kingdom",
    "UK": "United Kingdom",
}
#: Capitals and seats of power named for the state or organisation that acts
#: (docs/design.md, metonymy), by the label of its record; after "in", "at",
#: "from", "to" or "near" they are the city itself when it has a record.
SEATS = {
    "Moscow": "Russia", "Kremlin": "Russia", "Kyiv": "Ukraine", "Kiev": "Ukraine",
    "Washington": "United States", "White House": "United States", "Ankara": "Türkiye",
    "Brussels": "European Union", "Beijing": "China", "London": "United Kingdom",
    "Paris": "France", "Berlin": "Germany",
}
_PLACE_PREPOSITIONS = ("in", "at", "from", "to", "near", "of")
#: Capitalised words that are not names (at a sentence start, titles, months...).
_NOT_NAMES = {
    "a", "an", "the", "this", "that", "these", "those", "he", "she", "it", "they", "we", "i",
    "you", "his", "her", "its", "their", "our", "my", "but", "and", "or", "yet", "so", "if",
    "when", "while", "after", "before", "since", "as", "in", "on", "at", "by", "for", "with",
    "from", "to", "of", "about", "according", "however", "meanwhile", "also", "still",
    "both", "each", "every", "some", "many", "most", "no", "not", "none", "there", "here",
    "what", "who", "why", "how", "where", "which", "second", "first", "third", "next", "last",
    "new", "president", "minister", "foreign", "prime", "general", "negotiator", "analyst",
    "political", "researcher", "delegations", "delegation", "mr", "mrs", "ms", "dr",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday",
    "friday", "saturday", "sunday", "synthetic", "test", "article",
}
_TITLES = {"president", "minister", "foreign", "prime", "general", "negotiator", "kremlin",
           "analyst", "political", "ukrainian", "russian", "turkish", "u.s.", "journalist",
           "researcher", "spokesperson", "spokesman", "chancellor", "secretary"}
_ORG_WORDS = {"centre", "center", "institute", "university", "ministry", "council",
              "committee", "agency", "party", "bank", "fund", "organisation", "organization",
              "union", "office", "foundation", "service", "news", "times", "post", "press",
              "group", "company", "association", "commission", "court", "army", "forces"}
_PLACE_WORDS = {"palace", "square", "street", "river", "sea", "island", "region", "province",
                "city", "port", "bay", "mountains", "valley", "airport", "hall"}
_PLACE_TYPES = {"Place", "City", "Region", "Country"}
_PRONOUNS = {"he", "she", "they", "his", "her", "their", "him", "them"}
MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], 1)}
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20,
                 "thirty": 30, "hundred": 100, "thousand": 1000, "dozen": 12}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}


# --- what the project knows ------------------------------------------------------------

@dataclass(frozen=True)
class Known:
    """A record that can be mentioned: an actor or a place of the annotation files."""

    id: str
    types: tuple[str, ...]
    label: str | None
    names: tuple[str, ...]  # other names: short quotes, aliases
    defined_in: str
    line: int
    is_person: bool


def known_entities(files, entity_classes: set[str], person_classes: set[str]) -> list[Known]:
    """The actor and place records of parsed annotation files, first definition first."""
    seen: dict[str, Known] = {}
    for ann in files:
        for rec in ann.records:
            if not set(rec.types) & entity_classes:
                continue
            names = tuple(q.text.removeprefix("the ").removeprefix("The ") for q in rec.quotes
                          if len(q.text.split()) <= 3 and q.text[:1].isupper())
            old = seen.get(rec.id)
            if old is None:
                seen[rec.id] = Known(rec.id, rec.types, rec.label, names, ann.path, rec.line,
                                     bool(set(rec.types) & person_classes))
            else:
                seen[rec.id] = Known(old.id, old.types, old.label or rec.label,
                                     old.names + names, old.defined_in, old.line,
                                     old.is_person)
    return list(seen.values())


def _fold(s: str) -> str:
    """Case- and accent-insensitive form, the same length as ``s`` (one char per char)."""
    out = []
    for c in s:
        base = unicodedata.normalize("NFKD", c)
        base = "".join(b for b in base if not unicodedata.combining(b)) or c
        f = base.casefold()
        if c in "’‘":
            f = "'"
        out.append(f[0] if len(f) >= 1 else c)
    return "".join(out)


@dataclass
class _Index:
    #: folded name -> (priority, record id); a lower priority wins
    names: dict[str, tuple[int, str]] = field(default_factory=dict)
    seats: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # name->(state,city)
    by_label: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, rid: str, priority: int) -> None:
        key = _fold(name.strip())
        if len(key) < 2 or key in _NOT_NAMES:
            return
        old = self.names.get(key)
        if old is None or priority < old[0]:
            self.names[key] = (priority, rid)
        elif old[0] == priority and old[1] != rid:
            self.names[key] = (priority, "")  # ambiguous at this priority: no match


def build_index(known: list[Known]) -> _Index:
    ix = _Index()
    for k in known:
        if k.label:
            ix.by_label[_fold(k.label)] = k.id
            bare = re.sub(r"\s*\([^)]*\)", "", k.label).strip()
            ix.add(bare, k.id, 0)
            if k.is_person and len(bare.split()) > 1:
                ix.add(bare.split()[-1], k.id, 2)  # "Dymov" for "Valeriy Dymov"
        for n in k.names:
            ix.add(n, k.id, 3)
    for alias, label in ALIASES.items():
        rid = ix.by_label.get(_fold(label))
        if rid:
            ix.add(alias, rid, 1)
    for seat, label in SEATS.items():
        state = ix.by_label.get(_fold(label))
        city = ix.names.get(_fold(seat), (9, None))[1] or None
        if state:
            ix.seats[_fold(seat)] = (state, city)
    return ix


# --- finding things in the text --------------------------------------------------------

@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    record: str
    how: str  # "label", "alias", "seat", "candidate"


def _is_word_boundary(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or after.isalnum())


def find_mentions(text: str, ix: _Index) -> list[Mention]:
    """Known entities in ``text``: longest names first, never overlapping."""
    folded = _fold(text)
    taken = [False] * len(text)
    found: list[Mention] = []
    keys = sorted(set(ix.names) | set(ix.seats), key=len, reverse=True)
    for key in keys:
        i = folded.find(key)
        while i != -1:
            j = i + len(key)
            if _is_word_boundary(folded, i, j) and not any(taken[i:j]) \
                    and text[i].isupper():
                rid, how = _resolve(text, i, key, ix)
                if rid:
                    found.append(Mention(i, j, rid, how))
                    for x in range(i, j):
                        taken[x] = True
            i = folded.find(key, i + 1)
    return sorted(found, key=lambda m: m.start)


def _resolve(text: str, i: int, key: str, ix: _Index) -> tuple[str | None, str]:
    if key in ix.seats:
        state, city = ix.seats[key]
        before = text[max(0, i - 12):i].split()
        if city and before and before[-1].lower() in _PLACE_PREPOSITIONS:
            return city, "label"
        return state, "seat"
    priority, rid = ix.names[key]
    return (rid or None), ("label" if priority == 0 else "alias")


_CAP_WORD = r"[A-Z][\w’'.-]*[\w]"
_CANDIDATE = re.compile(rf"{_CAP_WORD}(?:\s+(?:of\s+the\s+|of\s+|de\s+)?{_CAP_WORD})*")


def find_candidates(text: str, taken: list[Mention], sentence_starts: set[int],
                    skip: tuple[int, int] = (0, 0)) -> list[Mention]:
    """Capitalised names that are not known: candidate new entities."""
    occupied = [False] * (len(text) + 1)
    for m in taken:
        for x in range(m.start, m.end):
            occupied[x] = True
    out = []
    for m in _CANDIDATE.finditer(text):
        s, e = m.start(), m.end()
        if skip[0] <= s < skip[1]:
            continue
        words = m.group(0).split()
        # drop leading titles and not-names ("Foreign Minister", "President", "However")
        while words and (words[0].lower() in _NOT_NAMES or words[0].lower() in _TITLES):
            s = text.index(words[0], s) + len(words[0])
            s += len(text[s:]) - len(text[s:].lstrip())
            words = words[1:]
        while words and words[-1].lower() in ("of", "the", "de"):
            words = words[:-1]
        if not words:
            continue
        e = s + len(" ".join(words)) if text[s:e].startswith(" ".join(words)) else e
        name = text[s:e]
        if any(occupied[s:e]) or not name or name.isupper() and len(name) > 5:
            continue
        if len(words) == 1 and (s in sentence_starts or words[0].lower() in _NOT_NAMES
                                or words[0].endswith(("ian", "ish", "ese"))):
            continue  # a capitalised word at a sentence start, or an adjective of a people
        out.append(Mention(s, e, "", "candidate"))
    return out


def guess_type(text: str, m: Mention) -> str:
    name = text[m.start:m.end]
    words = [w.lower() for w in name.split()]
    before = text[max(0, m.start - 12):m.start].split()
    after = text[m.end:m.end + 40]
    if set(words) & _ORG_WORDS:
        return "Organisation"
    if set(words) & _PLACE_WORDS or (before and before[-1].lower() in ("in", "at", "near")):
        return "Place"
    if len(words) >= 2 and re.match(r",\s+(a|an|the)\s|\s+(said|noted|told|added|wrote|"
                                     r"argued|warned|stressed)\b", after):
        return "Person"
    if len(words) in (2, 3) and all(w[:1].isalpha() for w in words):
        return "Person"
    return "Actor"


def slug(name: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return "-".join(re.findall(r"[a-z0-9]+", ascii_.lower())) or "entity"


# --- dates and numbers -----------------------------------------------------------------

_DATE_DMY = re.compile(r"\b(\d{1,2})\s+(" + "|".join(m.title() for m in MONTHS) + r")\s+(\d{4})\b")
_DATE_MDY = re.compile(r"\b(" + "|".join(m.title() for m in MONTHS) + r")\s+(\d{1,2}),\s+(\d{4})\b")
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MONTH_NAMES = "|".join(m.title() for m in MONTHS)
#: a month with a year ("May 2025"), and a day and month without one ("May 16", "16 May":
#: the article's year)
_MONTH_YEAR = re.compile(r"\b(" + _MONTH_NAMES + r")\s+(\d{4})\b")
_DAY_MONTH = re.compile(r"\b(\d{1,2})\s+(" + _MONTH_NAMES + r")\b")
_MONTH_DAY = re.compile(r"\b(" + _MONTH_NAMES + r")\s+(\d{1,2})\b")
_MONTH_ALONE = re.compile(r"\b(?:in|of|by|until|since)\s+(?:the\s+\w+\s+half\s+of\s+)?("
                          + "|".join(m.title() for m in MONTHS) + r")\b(?!\s+\d)")
#: "a week", "a year": one of the unit
_ONE = {"a": 1, "an": 1}
_DURATION = re.compile(r"\b(\d+|" + "|".join([*_NUMBER_WORDS, *_ONE])
                       + r")[- ](day|week|month|year)s?\b",
                       re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w.-])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w-])")


def _number(word: str) -> int | None:
    word = word.lower().replace(",", "")
    if word.isdigit():
        return int(word)
    return _NUMBER_WORDS.get(word, _ONE.get(word))


def dates_and_numbers(text: str, year: int | None,
                      start: int = 0) -> list[tuple[int, int, str, str]]:
    """(start, end, normalised value, kind) for each date, duration and number."""
    out: list[tuple[int, int, str, str]] = []
    taken: set[int] = set()

    def add(s, e, value, kind):
        if s < start or any(x in taken for x in range(s, e)):
            return
        taken.update(range(s, e))
        out.append((s, e, value, kind))

    for m in _DATE_DMY.finditer(text):
        add(m.start(), m.end(), f"{int(m.group(3)):04d}-{MONTHS[m.group(2).lower()]:02d}-"
            f"{int(m.group(1)):02d}", "date")
    for m in _DATE_MDY.finditer(text):
        add(m.start(), m.end(), f"{int(m.group(3)):04d}-{MONTHS[m.group(1).lower()]:02d}-"
            f"{int(m.group(2)):02d}", "date")
    for m in _DATE_ISO.finditer(text):
        add(m.start(), m.end(), m.group(0), "date")
    for m in _MONTH_YEAR.finditer(text):
        add(m.start(), m.end(), f"{int(m.group(2)):04d}-{MONTHS[m.group(1).lower()]:02d}",
            "month")
    if year is not None:
        for m in _DAY_MONTH.finditer(text):
            add(m.start(), m.end(), f"{year:04d}-{MONTHS[m.group(2).lower()]:02d}-"
                f"{int(m.group(1)):02d}", "date")
        for m in _MONTH_DAY.finditer(text):
            add(m.start(), m.end(), f"{year:04d}-{MONTHS[m.group(1).lower()]:02d}-"
                f"{int(m.group(2)):02d}", "date")
        for m in _MONTH_ALONE.finditer(text):
            add(m.start(1), m.end(1), f"{year:04d}-{MONTHS[m.group(1).lower()]:02d}", "month")
    for m in _DURATION.finditer(text):
        n = _number(m.group(1))
        if n is None:
            continue
        unit = m.group(2).lower()
        value = {"day": f"P{n}D", "week": f"P{7 * n}D", "month": f"P{n}M", "year": f"P{n}Y"}[unit]
        add(m.start(), m.end(), value, "duration")
    for m in _NUMBER.finditer(text):
        add(m.start(), m.end(), m.group(1).replace(",", ""), "number")
    return sorted(out)


# --- the draft -------------------------------------------------------------------------

@dataclass
class Draft:
    yaml: str
    mentions: list[Mention]
    candidates: list[Mention]
    voices: list[tuple[int, int, str, str, str | None]]  # start, end, voice, speaker id, as written
    stats: dict = field(default_factory=dict)


def _yaml_string(s: str) -> str:
    """A YAML double-quoted string (JSON's escapes, and \\uXXXX for what YAML refuses)."""
    from kg.read.annotations import _NON_PRINTABLE

    return _NON_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}",
                              json.dumps(s, ensure_ascii=False))


def _comment(s: str) -> str:
    """Text fit for a YAML comment: one line, nothing YAML refuses."""
    from kg.read.annotations import _NON_PRINTABLE

    return _NON_PRINTABLE.sub("\ufffd", " ".join(s.split()))


def _clean_title(title: str | None) -> str | None:
    """The title without characters a value may not hold (control characters)."""
    from kg.read.annotations import _BAD_SCALAR_CHAR

    return " ".join(_BAD_SCALAR_CHAR.sub(" ", title).split()) if title else None


def _quotable(text: str, start: int, end: int) -> bool:
    """Whether the annotation loader accepts ``text[start:end]`` as a quote."""
    from kg.read.annotations import _BAD_SCALAR_CHAR

    exact = text[start:end]
    return bool(exact.strip()) and exact == exact.strip() and not _BAD_SCALAR_CHAR.search(exact)


def _quote(text: str, start: int, end: int) -> str:
    """A YAML flow value for the quote ``text[start:end]`` with its occurrence if needed."""
    exact = text[start:end]
    starts = occurrences(text, exact)
    value = _yaml_string(exact)
    if len(starts) == 1:
        return value
    return f"{{text: {value}, occurrence: {starts.index(start) + 1}}}"


def _header(text: str) -> tuple[str | None, tuple[int, int] | None, int]:
    """The title (text), the first date span, and where the body starts."""
    title = None
    date_span = None
    lines = []
    pos = 0
    for line in text.splitlines(keepends=True):
        lines.append((pos, line.rstrip("\r\n")))
        pos += len(line)
    for p, line in lines[:8]:
        s = line.strip()
        if not s or (s.startswith("[") and s.endswith("]")):
            continue
        if date_span is None:
            for rx in (_DATE_DMY, _DATE_MDY, _DATE_ISO):
                m = rx.search(line)
                if m:
                    date_span = (p + m.start(), p + m.end())
                    break
        if title is None and 4 <= len(s.split()) <= 25 and not (
                date_span and p <= date_span[0] < p + len(line)):
            title = s
    if date_span is None:
        for rx in (_DATE_DMY, _DATE_MDY, _DATE_ISO):
            m = rx.search(text)
            if m:
                date_span = (m.start(), m.end())
                break
    return title, date_span, 0


def _speech(text: str, regions, sentence_spans, ix: _Index, cand_ids, places: set[str],
            persons: set[str]):
    """Speech regions with a speaker record: (start, end, voice, record id, as written)."""
    from kg.read.voice import OWN

    def speaker_id(name: str | None) -> str | None:
        if not name:
            return None
        words = [w for w in re.findall(r"[\w’'.-]+", name) if w.lower() not in _TITLES]
        for k in range(len(words)):
            key = _fold(" ".join(words[k:]))
            if key in ix.seats:
                return ix.seats[key][0]  # "Kyiv said": the state speaks
            if key in ix.names and ix.names[key][1] and ix.names[key][1] not in places:
                return ix.names[key][1]
            if key in cand_ids:
                return cand_ids[key]
        return None

    out = []
    last: str | None = None
    last_person: str | None = None
    # sentences the detector leaves in the article's voice but a cue attributes to a name
    cue = re.compile(r"^(?P<who>[A-Z][^,]{1,60}?)(?:,[^,]{1,80},)?\s+(?:said|says|noted|added|"
                     r"told|wrote|warned|stressed|argued|insisted|believes)\b(?:\s+that)?\s+")
    pieces = []
    for r in regions:
        if r.voice != OWN:
            pieces.append((r.start, r.end, r.voice, r.speaker, r.cue))
            continue
        for s, e in sentence_spans:
            if r.start <= s < r.end:
                m = cue.match(text[s:min(e, r.end)])
                if m and speaker_id(m.group("who")) and s + m.end() < min(e, r.end):
                    end = min(e, r.end)
                    while end > s and text[end - 1].isspace():
                        end -= 1
                    pieces.append((s + m.end(), end, "reported", m.group("who"), "said"))
    pieces.sort()
    for i, (s, e, voice, name, _cue) in enumerate(pieces):
        if name and name.lower() in _PRONOUNS:
            rid = last_person if name.lower() in ("he", "she", "his", "her", "him") else last
        else:
            rid = speaker_id(name)
        if rid is None and name is None:  # a quotation inside someone's sentence
            sent = next(((a, b) for a, b in sentence_spans if a <= s < b), None)
            neighbours = [p for p in out if sent and sent[0] <= p[0] < sent[1]]
            if neighbours:
                rid = neighbours[-1][3]
            else:
                following = [p for p in pieces[i + 1:] if sent and sent[0] <= p[0] < sent[1]
                             and p[3]]
                if following:
                    rid = (last if following[0][3].lower() in _PRONOUNS
                           else speaker_id(following[0][3]))
        if rid:
            last = rid
            if rid in persons:
                last_person = rid
            out.append((s, e, voice, rid, name))
    return out


def draft(text: str, file_name: str, known: list[Known], *, publishers: dict[str, str],
          default_publisher: str | None = None,
          other_records: dict[str, str | None] | None = None) -> Draft:
    """The draft annotation of one article (its text and the article's file name).

    ``other_records`` (id -> label) are the records of the annotation files
    that are not entities (events, proposals...): a capitalised name that is
    one of them ("the Crimean War") is not a candidate new entity.
    """
    from kg.read.voice import detect, sentences

    ix = build_index(known)
    known_by_id = {k.id: k for k in known}
    title, date_span, _ = _header(text)
    published = _published(text, date_span)
    spans = sentences(text)
    body = spans[0][0] if spans else 0
    header_skip = (0, text.find("\n", 0) + 1 if text.startswith("[") else 0)
    mentions = [m for m in find_mentions(text, ix) if m.start >= header_skip[1]
                and _quotable(text, m.start, m.end)]
    candidates = [c for c in find_candidates(text, mentions, {s for s, _ in spans}, header_skip)
                  if _quotable(text, c.start, c.end)]
    cand_ids, cand_records = _candidate_records(text, candidates, mentions, known_by_id,
                                                other_records or {})
    publisher, guessed = _publisher(text[:body + 400], publishers, default_publisher)
    places = {k.id for k in known if not k.is_person and set(k.types) & _PLACE_TYPES}
    persons = {k.id for k in known if k.is_person} | {
        rid for rid, rec in cand_records.items() if rec["type"] == "Person"}
    speech = [x for x in _speech(text, detect(text), spans, ix, cand_ids, places, persons)
              if _quotable(text, x[0], x[1])]
    year = int(published[:4]) if published else None
    values = [v for v in dates_and_numbers(text, year, body)
              if _quotable(text, v[0], v[1]) and _valid_value(v[2], v[3])
              and not (date_span and v[0] < date_span[1] and v[1] > date_span[0])]
    lines = _document_lines(text, file_name, title, date_span, published, publisher, guessed)
    lines += _note_lines(text, header_skip[1])
    lines += _sentence_lines(text, spans, speech)
    lines += _value_lines(text, values)
    lines += _voice_lines(text, speech)
    lines += ["", "records:"]
    by_record: dict[str, list[Mention]] = {}
    for m in mentions:
        by_record.setdefault(m.record, []).append(m)
    lines += _known_lines(text, by_record, known_by_id)
    lines += _candidate_lines(text, cand_records)
    if publisher is None:
        lines += ["", "  # no publisher found: this record stands in for it",
                  "  - id: unknown-publisher", "    type: Organisation",
                  "    label: unknown publisher", "    draft: true",
                  f"    quote: {_quote(text, *spans[0]) if spans else '?'}"]
    stats = {"mentions": len(mentions), "known": len(by_record), "candidates": len(cand_records),
             "speech": len(speech), "sentences": len(spans), "values": len(values)}
    return Draft("\n".join(lines) + "\n", mentions, candidates, speech, stats)


def _published(text: str, date_span: tuple[int, int] | None) -> str | None:
    """The normalised date of the header's date span (None when there is none)."""
    if not date_span:
        return None
    values = dates_and_numbers(text[:date_span[1]], None, date_span[0])
    return values[0][2] if values else None


def _candidate_records(text: str, candidates: list[Mention], mentions: list[Mention],
                       known_by_id: dict[str, Known], other_records: dict[str, str | None]
                       ) -> tuple[dict[str, str], dict[str, dict]]:
    """One record per candidate name (folded name -> id, id -> label, type, quotes), with
    later mentions of a person by the last name alone."""
    taken_labels = {_fold(re.sub(r"\s*\([^)]*\)", "", label)) for label in
                    other_records.values() if label}
    cand_ids: dict[str, str] = {}
    cand_records: dict[str, dict] = {}
    for c in candidates:
        name = text[c.start:c.end]
        key = _fold(name)
        if key not in cand_ids:
            rid = slug(name)
            if rid in other_records or key in taken_labels:
                continue  # an event, a proposal... the project knows: not a new entity
            while rid in known_by_id or rid in cand_records or rid in other_records \
                    or not is_valid_id(rid):
                rid = rid + "-new"
            cand_ids[key] = rid
            cand_records[rid] = {"label": name, "type": guess_type(text, c), "quotes": []}
            if len(name.split()) > 1 and cand_records[rid]["type"] == "Person":
                cand_ids.setdefault(_fold(name.split()[-1]), rid)  # the last name alone
        if key in cand_ids:
            cand_records[cand_ids[key]]["quotes"].append((c.start, c.end))
    folded = _fold(text)
    for key, rid in list(cand_ids.items()):
        if " " in key:
            continue
        i = folded.find(key)
        while i != -1:
            j = i + len(key)
            if _is_word_boundary(text, i, j) and not any(
                    m.start <= i < m.end for m in mentions + candidates):
                cand_records[rid]["quotes"].append((i, j))
            i = folded.find(key, i + 1)
    return cand_ids, cand_records


def _publisher(head: str, publishers: dict[str, str], default: str | None
               ) -> tuple[str | None, bool]:
    """The publisher named in the article's head (folded label -> id), else ``default``;
    and whether it is that guess."""
    folded = _fold(head)
    found = None
    for label_key, rid in publishers.items():
        if label_key in folded:
            found = rid
    return (found, False) if found else (default, default is not None)


def _document_lines(text, file_name, title, date_span, published, publisher, guessed):
    lines = [
        f"# Draft annotation of {_comment(file_name)}, made by `kg draft` (rule-based).",
        "# Every record is marked draft: true until you confirm it: check its type, label",
        "# and quotes, then delete the draft: true line. Add facts, positions and claims",
        "# (docs/design.md), then run `kg check`, `kg build` and `kg coverage`.",
        "",
        "document:",
        f"  title: {_yaml_string(_clean_title(title) or file_name)}",
        f"  publisher: {publisher or 'unknown-publisher'}"
        + ("  # guessed: no publisher found in the article" if guessed else ""),
        f"  published: {published or 'YYYY-MM-DD  # not found: give the date'}",
        "  language: en",
    ]
    if date_span:
        lines.append(f"  quote: {_quote(text, *date_span)}")
    return lines


def _note_lines(text: str, end: int) -> list[str]:
    """A bracketed first line (an editor's note, page debris) as an ``unmapped:`` entry,
    so that ``kg coverage`` counts it as left out on purpose."""
    note = text[:end].strip()
    if not (note.startswith("[") and note.endswith("]")) or not _quotable(text, 0, len(note)):
        return []
    return ["", "unmapped:", f"  - quote: {_quote(text, 0, len(note))}",
            "    reason: a bracketed note before the report, not part of it (kg draft)"]


def _sentence_lines(text, spans, speech) -> list[str]:
    lines = ["", "# Sentences, with their voice and the speaker kg draft guessed:"]
    for n, (s, e) in enumerate(spans, 1):
        voices_here = sorted({(v, rid) for (a, b, v, rid, _) in speech if a < e and b > s})
        tag = ", ".join(f"{v}: {rid}" for v, rid in voices_here) or "own"
        shown = _comment(text[s:e])
        shown = shown if len(shown) <= 70 else shown[:69] + "…"
        lines.append(f"#  {n:3d} [{tag}] {shown}")
    return lines


#: The annotation property a value of each kind is written with (a proposal's duration,
#: an event's date, a count's quantity), as a facts entry under ``values:``.
VALUE_PROPERTIES = {"date": "date", "month": "date", "duration": "duration",
                    "number": "quantity"}


def _valid_value(value: str, kind: str) -> bool:
    """Whether kg check accepts ``value`` for its property: a real calendar date, an
    integer of at most 18 digits (a decimal has no property to go to)."""
    import datetime as dt

    if kind == "number":
        return value.isdigit() and len(value) <= 18
    if kind == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return False
    return True


def _value_lines(text, values) -> list[str]:
    """The ``values:`` section: each date, duration and number as a facts entry with its
    quote, to move under the record it is about (kg build leaves ``values:`` out)."""
    if not values:
        return []
    lines = ["", "# Dates, durations and numbers, normalised. Each is a facts entry: move it",
             "# under the record it is about (an event's date, a proposal's duration, a",
             "# count's quantity or numberOfPrisoners), or delete it. kg check checks them",
             "# here; kg build leaves this section out.",
             "values:"]
    for s, e, value, kind in values:
        lines += [f"  - {VALUE_PROPERTIES[kind]}: {value}", f"    quote: {_quote(text, s, e)}"]
    return lines


def _voice_lines(text, speech) -> list[str]:
    if not speech:
        return []
    lines = ["", "voices:"]
    for s, e, voice, rid, name in speech:
        written = name or "none (a quotation in the speaker's sentence)"
        note = _yaml_string(f"kg draft: speaker as written: {written}")
        lines += [f"  - quote: {_quote(text, s, e)}", f"    voice: {voice}",
                  f"    speaker: {rid}", f"    note: {note}"]
    return lines


def _known_lines(text, by_record, known_by_id) -> list[str]:
    lines = ["", "  # Known entities mentioned in the article (records of other files)"] \
        if by_record else []
    for rid in sorted(by_record, key=lambda r: by_record[r][0].start):
        k = known_by_id[rid]
        where = f"{k.defined_in}:{k.line}" if k.line else k.defined_in
        lines += [f"  - id: {rid}  # {_comment(k.label or '')} ({_comment(where)})",
                  f"    type: {k.types[0] if len(k.types) == 1 else json.dumps(list(k.types))}",
                  "    draft: true",
                  "    quotes:"]
        lines += [f"      - {_quote(text, m.start, m.end)}" for m in by_record[rid]]
    return lines


def _candidate_lines(text, cand_records) -> list[str]:
    lines = ["", "  # New entities: capitalised names kg does not know yet (check each)"] \
        if cand_records else []
    for rid, rec in cand_records.items():
        lines += [f"  - id: {rid}",
                  f"    type: {rec['type']}  # a guess",
                  f"    label: {_yaml_string(rec['label'])}",
                  "    draft: true",
                  "    quotes:"]
        lines += [f"      - {_quote(text, s, e)}" for s, e in sorted(set(rec["quotes"]))]
    return lines


def known_from_store(store_dir, entity_classes: set[str], person_classes: set[str],
                     known_ids: set[str]) -> list[Known]:
    """Actors and places of a built graph that no annotation file read defines (labels and
    skos:altLabel names); nothing when there is no readable build."""
    from pathlib import Path

    from kg.errors import KgError
    from kg.namespaces import KG, KGR

    try:
        from kg.store.disk import open_store

        built = open_store(Path(store_dir), check_fresh=False)
    except KgError:
        return []
    query = """
        SELECT ?s ?type ?label ?alt WHERE {
          ?s a ?type ; <http://www.w3.org/2000/01/rdf-schema#label> ?label .
          OPTIONAL { ?s <http://www.w3.org/2004/02/skos/core#altLabel> ?alt }
        }"""
    found: dict[str, dict] = {}
    try:
        rows = list(built.oxigraph.query(query, use_default_graph_as_union=True))
    except (OSError, SyntaxError, ValueError):
        return []
    for row in rows:
        s, t = row["s"].value, row["type"].value
        if not (s.startswith(KGR) and t.startswith(KG)):
            continue
        rid, cls = s[len(KGR):], t[len(KG):]
        if rid in known_ids or cls not in entity_classes or not is_valid_id(rid):
            continue
        entry = found.setdefault(rid, {"types": set(), "label": row["label"].value,
                                       "names": set()})
        entry["types"].add(cls)
        if row["alt"] is not None:
            entry["names"].add(row["alt"].value)
    return [Known(rid, tuple(sorted(e["types"])), e["label"], tuple(sorted(e["names"])),
                  "the built graph", 0, bool(e["types"] & person_classes))
            for rid, e in sorted(found.items())]


def draft_file(article_path, seeds_dir, *, force: bool = False, store_dir=None):
    """Write ARTICLE.yaml beside ARTICLE.txt; refuse to overwrite without ``force``.

    Known entities come from the annotation files of ``seeds_dir`` and, when
    ``store_dir`` holds a build, from its graph (labels and skos:altLabel)."""
    from pathlib import Path

    from kg.build import load_ontology
    from kg.errors import InputError
    from kg.interop.export import write_atomically
    from kg.read.annotations import load_annotations
    from kg.read.sources import MAX_ARTICLE_BYTES, read_text_file

    article_path = Path(article_path)
    if article_path.suffix != ".txt":
        raise InputError("an article is a .txt file", path=str(article_path))
    target = article_path.with_suffix(".yaml")
    if target.exists() and not force:
        raise InputError("an annotation file is already there", path=str(target),
                         hint="kg draft never overwrites one: pass --force to replace it")
    text, _ = read_text_file(article_path, MAX_ARTICLE_BYTES)
    if not text.strip():
        raise InputError("the article is empty", path=str(article_path),
                         hint="put the article's text in the file first")
    files = []
    seeds_dir = Path(seeds_dir)
    if seeds_dir.is_dir():
        for p in sorted(seeds_dir.glob("*.yaml")):
            if p.name == "background.yaml" or p.resolve() == target.resolve():
                continue
            try:
                files.append(load_annotations(p))
            except InputError:
                continue  # a broken file only knows less; kg check reports it
    entity, person = _entity_classes(load_ontology())
    known = known_entities(files, entity, person)
    if store_dir is not None:
        known += known_from_store(store_dir, entity, person, {k.id for k in known})
    publishers = {}
    default = None
    for ann in files:
        if ann.document is not None:
            default = default or ann.document.publisher.text
    for k in known:
        if "MediaOutlet" in k.types and k.label:
            publishers[_fold(k.label)] = k.id
    known_ids = {k.id for k in known}
    others = {r.id: r.label for ann in files for r in ann.records if r.id not in known_ids}
    result = draft(text, article_path.name, known, publishers=publishers, other_records=others,
                   default_publisher=default if default in {k.id for k in known} else None)
    write_atomically(target, result.yaml.encode("utf-8"), None)
    return target, result


def _entity_classes(ontology) -> tuple[set[str], set[str]]:
    """Local names of the subclasses of kg:Actor and kg:Place, and of kg:Person."""
    from rdflib import RDFS, URIRef

    from kg.namespaces import KG

    def below(root: str) -> set[str]:
        out = {root}
        frontier = [URIRef(KG + root)]
        while frontier:
            c = frontier.pop()
            for s in ontology.subjects(RDFS.subClassOf, c):
                if isinstance(s, URIRef) and str(s).startswith(KG) and \
                        str(s)[len(KG):] not in out:
                    out.add(str(s)[len(KG):])
                    frontier.append(s)
        return out

    return below("Actor") | below("Place"), below("Person")


def draft_counts(seeds_dir) -> list[tuple[str, int, int, int]]:
    """(annotation file, records still ``draft: true``, records, ``values:`` entries not yet
    placed) for each file with drafts or values."""
    from pathlib import Path

    from kg.read.annotations import load_annotations
    from kg.read.sources import discover

    out = []
    for article in discover(Path(seeds_dir)):
        ann = load_annotations(article.annotation_path, article.annotation_path.name)
        n = sum(1 for r in ann.records if r.draft)
        if n or ann.values:
            out.append((article.annotation_path.name, n, len(ann.records), len(ann.values)))
    return out
