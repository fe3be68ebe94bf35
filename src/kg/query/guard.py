"""Static checks of ad hoc SPARQL before it runs: read-only, and local unless allowed.

pyoxigraph parses and runs a query in one call and exposes no syntax tree,
so the text is inspected with a small SPARQL tokenizer that knows the
tokens in which a keyword cannot hide: comments, IRIs (with their ``\\uXXXX``
and ``\\UXXXXXXXX`` escapes, decoded before any comparison), strings (short
and long, with escapes), variables, prefixed names and blank node labels.
What remains are the bare words, and those decide:

* ``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``, ``DROP``, ``CREATE``, ``ADD``,
  ``MOVE``, ``COPY`` or ``WITH`` make the text SPARQL Update: always refused
  (none of them is a word of the query grammar);
* ``SERVICE <iri>`` would make the engine open a network connection;
* ``FROM <iri>`` / ``FROM NAMED <iri>`` name a dataset outside the build
  (a remote document or a file) unless the IRI is one of the build's graphs.

The last two are refused unless the caller allows remote access; the
message names the blocked IRI. Prefixed names are expanded with the
query's own ``PREFIX`` declarations and the predeclared prefixes.

The guard fails closed where its reading could differ from Oxigraph's:

* ``<`` is either an IRI's start or "less than". The tokenizer's IRIs are
  a superset of Oxigraph's (every character Oxigraph allows, plus escapes),
  so a ``<`` it does not read as an IRI is "less than" for Oxigraph too.
  The other way round, an IRI holding a raw ``#`` or ``'`` would, read as
  "less than", start a comment or a string; that second reading is
  tokenized as well, and a keyword it reveals refuses the query.
* An unterminated string is refused (Oxigraph would refuse it too).
* Text longer than :data:`MAX_QUERY_CHARS`, or brackets nested deeper than
  :data:`MAX_NESTING` (Oxigraph's recursive parser overflows its stack at
  a few thousand), is refused before anything parses it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from kg import namespaces as ns
from kg.errors import QueryError, UsageError

UPDATE_WORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD",
                          "MOVE", "COPY", "WITH"})
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
#: Words whose presence the guard must see: a second reading that reveals one is refused.
WATCHED = UPDATE_WORDS | {"SERVICE", "FROM"}

#: The longest query text accepted, in characters.
MAX_QUERY_CHARS = 1_000_000
#: The deepest nesting of ( [ { accepted (Oxigraph's parser overflows at a few thousand).
MAX_NESTING = 256
#: How much second-reading tokenization one query may cost, in tokens, per character.
_SECOND_READING_BUDGET = 4

# Name characters. ASCII exactly as the SPARQL grammar has them; beyond ASCII, any
# character but whitespace. That is broader than the grammar's PN_CHARS ranges (and
# compiles in 2 ms, where those ranges take 60): it changes the reading only of text
# holding a non-ASCII character outside a string, IRI or comment that is not a name
# character, which Oxigraph refuses to parse, so nothing runs.
_NA = r"[^\x00-\x7f\s]"
_PN_CHARS_BASE = rf"(?:[A-Za-z]|{_NA})"
_PN_CHARS = rf"(?:[A-Za-z_0-9\-]|{_NA})"
_PNAME_NS = rf"(?:{_PN_CHARS_BASE}(?:(?:{_PN_CHARS}|\.)*{_PN_CHARS})?)?:"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_LOCAL = (rf"(?:[A-Za-z_:0-9]|{_NA}|{_PLX})"
             rf"(?:(?:{_PN_CHARS}|[.:]|{_PLX})*(?:{_PN_CHARS}|:|{_PLX}))?")
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_Q3 = '"' * 3
_A3 = "'" * 3

_TOKEN_SOURCE = "|".join([
    r"(?P<ws>\s+)",
    r"(?P<comment>#[^\r\n]*)",
    r"(?P<iri><(?:[^<>\"{}|^`\\\x00-\x20]|" + _UCHAR + r")*>)",
    "(?P<string>" + _Q3 + r'(?:[^"\\]|\\.|"(?!""))*' + _Q3
    + "|" + _A3 + r"(?:[^'\\]|\\.|'(?!''))*" + _A3
    + r'|"(?:[^"\\\r\n]|\\.)*"' + r"|'(?:[^'\\\r\n]|\\.)*')",
    rf"(?P<var>[?$](?:[A-Za-z_0-9]|{_NA})+)",
    rf"(?P<bnode>_:(?:[A-Za-z_0-9]|{_NA})(?:(?:{_PN_CHARS}|\.)*{_PN_CHARS})?)",
    rf"(?P<pname>{_PNAME_NS}(?:{_PN_LOCAL})?)",
    r"(?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)",
    r"(?P<word>[A-Za-z_][A-Za-z0-9_]*)",
    r"(?P<other>.)",
])


@functools.cache
def _token_re() -> re.Pattern:
    """The tokenizer's pattern, compiled on first use (not at import: ``kg query`` is fast)."""
    return re.compile(_TOKEN_SOURCE, re.S)


@functools.cache
def _uchar_re() -> re.Pattern:
    return re.compile(_UCHAR)


@dataclass(frozen=True)
class Token:
    kind: str  # comment, iri, string, var, bnode, pname, langtag, word, other
    text: str
    start: int


def tokens(text: str) -> list[Token]:
    """The significant tokens of ``text`` (whitespace dropped; comments kept)."""
    out = []
    for m in _token_re().finditer(text):
        kind = m.lastgroup
        if kind != "ws":
            out.append(Token(kind, m.group(), m.start()))
    return out


def decode_uchars(text: str) -> str:
    """``\\uXXXX`` and ``\\UXXXXXXXX`` replaced by their characters (as SPARQL reads an IRI)."""
    if "\\" not in text:
        return text

    def one(m: re.Match) -> str:
        try:
            return chr(int(m.group()[2:], 16))
        except (ValueError, OverflowError):
            return m.group()

    return _uchar_re().sub(one, text)


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _shown(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_shape(text: str, label: str = "query") -> None:
    """Refuse text too long, nested too deep, with an unterminated string or a second reading.

    Run before anything parses ``text``; raises :class:`QueryError`.
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"{label}: the query is {len(text):,} characters long, more than the "
                         f"limit of {MAX_QUERY_CHARS:,}",
                         hint="a query this long is usually data; load it with `kg build`")
    pattern = _token_re()
    starts: set[int] = set()
    depth = 0
    ambiguous: list[re.Match] = []
    for m in pattern.finditer(text):
        starts.add(m.start())
        kind = m.lastgroup
        if kind == "other":
            c = m.group()
            if c in "([{":
                depth += 1
                if depth > MAX_NESTING:
                    line, col = _line_col(text, m.start())
                    raise QueryError(f"{label}: line {line}, column {col}: brackets nested "
                                     f"deeper than {MAX_NESTING} levels",
                                     hint="flatten the query; kg refuses deeper nesting "
                                          "before parsing it")
            elif c in ")]}":
                depth -= 1
            elif c in "\"'":
                line, col = _line_col(text, m.start())
                raise QueryError(f"{label}: line {line}, column {col}: unterminated string "
                                 f"(a {c} that is never closed on its line)",
                                 hint="close the string, or escape the quote as \\" + c)
        elif kind == "iri" and ("#" in m.group() or "'" in m.group()):
            ambiguous.append(m)
    if ambiguous:
        _second_readings(text, pattern, starts, ambiguous, label)


def _second_readings(text: str, pattern: re.Pattern, starts: set[int],
                     ambiguous: list[re.Match], label: str) -> None:
    """Tokenize again from each ambiguous ``<`` read as "less than", until back in step.

    Tokenizing from a position is deterministic, so a second reading that
    reaches a position where the first reading has a token reads the rest
    the same way. Every position is visited once: linear in the text.
    """
    budget = _SECOND_READING_BUDGET * len(text) + 1000
    visited: set[int] = set()
    work = [(m.start() + 1, m) for m in ambiguous]
    while work:
        pos, origin = work.pop()
        while pos < len(text) and pos not in starts and pos not in visited:
            visited.add(pos)
            budget -= 1
            if budget < 0:
                line, col = _line_col(text, origin.start())
                raise QueryError(f"{label}: line {line}, column {col}: too many IRIs that "
                                 "could also be read as 'less than'",
                                 hint="write # and ' inside IRIs as \\u0023 and \\u0027")
            m = pattern.match(text, pos)
            kind, word = m.lastgroup, m.group()
            if kind == "word" and word.upper() in WATCHED:
                line, col = _line_col(text, origin.start())
                wline, wcol = _line_col(text, m.start())
                raise QueryError(
                    f"{label}: line {line}, column {col}: {_shown(origin.group())} can also be "
                    f"read as 'less than', and read so the query holds {word.upper()} "
                    f"(line {wline}, column {wcol}) where kg's reading does not: refused",
                    hint="put a space after a '<' that compares, and write # and ' inside "
                         "IRIs as \\u0023 and \\u0027")
            if kind == "iri" and ("#" in word or "'" in word):
                work.append((pos + 1, origin))
            pos = m.end()


@dataclass
class Inspection:
    """What a SPARQL text does, as far as safety is concerned."""

    form: str | None = None  # SELECT, ASK, CONSTRUCT, DESCRIBE (None if unknown)
    update_words: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)  # IRIs, or "?var"
    from_graphs: list[str] = field(default_factory=list)
    from_named: list[str] = field(default_factory=list)

    @property
    def is_update(self) -> bool:
        return bool(self.update_words)

    @property
    def has_dataset(self) -> bool:
        return bool(self.from_graphs or self.from_named)


def _unescape_local(local: str) -> str:
    return re.sub(r"\\(.)", r"\1", local)


def inspect(text: str, prefixes: dict[str, str] | None = None) -> Inspection:
    """Tokenize ``text`` and report its query form, update words, SERVICEs and FROMs."""
    toks = [t for t in tokens(text) if t.kind != "comment"]
    known = dict(ns.PREFIXES if prefixes is None else prefixes)
    base = ""
    out = Inspection()

    def term(tok: Token | None) -> str | None:
        if tok is None:
            return None
        if tok.kind == "iri":
            iri = decode_uchars(tok.text[1:-1])
            if base and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", iri):
                iri = base + iri
            return iri
        if tok.kind == "pname":
            prefix, _, local = tok.text.partition(":")
            if prefix in known:
                return known[prefix] + _unescape_local(local)
            return tok.text
        if tok.kind == "var":
            return tok.text
        return None

    i = 0
    while i < len(toks):
        tok = toks[i]
        word = tok.text.upper() if tok.kind == "word" else None
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if word == "PREFIX" and nxt is not None and nxt.kind == "pname" \
                and nxt.text.endswith(":") and i + 2 < len(toks) and toks[i + 2].kind == "iri":
            known[nxt.text[:-1]] = term(toks[i + 2]) or ""
            i += 3
            continue
        if word == "BASE" and nxt is not None and nxt.kind == "iri":
            base = decode_uchars(nxt.text[1:-1])
            i += 2
            continue
        if word in QUERY_FORMS and out.form is None:
            out.form = word
        elif word in UPDATE_WORDS:
            out.update_words.append(word)
        elif word == "SERVICE":
            j = i + 1
            if j < len(toks) and toks[j].kind == "word" and toks[j].text.upper() == "SILENT":
                j += 1
            target = term(toks[j] if j < len(toks) else None)
            out.services.append(target or "?")
        elif word == "FROM":
            j = i + 1
            named = j < len(toks) and toks[j].kind == "word" and toks[j].text.upper() == "NAMED"
            if named:
                j += 1
            target = term(toks[j] if j < len(toks) else None) or "?"
            (out.from_named if named else out.from_graphs).append(target)
        i += 1
    return out


def local_graphs() -> set[str]:
    return {ns.graph_iri(n) for n in ns.GRAPH_NAMES}


def check(text: str, *, allow_remote: bool = False, prefixes: dict[str, str] | None = None,
          label: str = "query", asserted_only: bool = False) -> Inspection:
    """Refuse SPARQL Update always, and SERVICE / outside FROM unless ``allow_remote``.

    With ``asserted_only``, a FROM or FROM NAMED naming the inferred graph is
    refused (a usage error): the query's own dataset would bring back what
    the option leaves out.
    """
    check_shape(text, label)
    found = inspect(text, prefixes)
    inferred = ns.graph_iri("inferred")
    if asserted_only and inferred in found.from_graphs + found.from_named:
        keyword = "FROM" if inferred in found.from_graphs else "FROM NAMED"
        raise UsageError(f"{label}: --asserted-only leaves out kgg:inferred, but the query "
                         f"names it ({keyword} <{inferred}>)",
                         hint="drop --asserted-only, or the FROM naming kgg:inferred")
    if found.is_update:
        raise QueryError(f"{label}: SPARQL Update is refused ({found.update_words[0]}): "
                         "queries are read-only",
                         hint="use SELECT, ASK, CONSTRUCT or DESCRIBE; `kg build` changes "
                              "the graph")
    if allow_remote:
        return found
    for iri in found.services:
        shown = f"<{iri}>" if not iri.startswith(("?", "$")) else iri
        raise QueryError(f"{label}: SERVICE {shown} is refused: a federated query "
                         "would open a network connection",
                         hint="pass --allow-remote to let the query call other servers")
    graphs = local_graphs()
    for keyword, iris in (("FROM", found.from_graphs), ("FROM NAMED", found.from_named)):
        for iri in iris:
            if iri not in graphs:
                raise QueryError(
                    f"{label}: {keyword} <{iri}> is refused: it is not a graph of the build",
                    hint="the build's graphs are " + ", ".join(
                        "kgg:" + n for n in ns.GRAPH_NAMES)
                    + "; pass --allow-remote to name other datasets")
    return found
