"""The annotation format (YAML) -> plain data, with file:line in every error.

The YAML is composed into nodes, never constructed: every scalar stays a
string (no implicit booleans, dates or numbers) and keeps its line, and the
ontology decides later how a value is typed. See docs/design.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kg.errors import InputError, attempt
from kg.namespaces import is_valid_id

#: libyaml's parser when PyYAML has it (about 12 times faster), else the pure-Python one.
_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: The tag every node of a kind gets: kg never reads a node's tag (every scalar stays a
#: string), so the implicit resolver, a Python call per node, is not run.
_TAGS = {yaml.ScalarNode: yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG,
         yaml.SequenceNode: yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
         yaml.MappingNode: yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG}


class _Loader(_BASE_LOADER):  # type: ignore[misc,valid-type]
    """The safe loader, composing only, with a trivial tag resolver."""

    def resolve(self, kind, value, implicit):
        return _TAGS[kind]

    def descend_resolver(self, current_node, current_index):
        pass  # no path resolvers

    def ascend_resolver(self):
        pass


_LOADER = _Loader

MAX_NODES = 200_000
MAX_DEPTH = 32
#: The longest scalar (a label, a quote, a value) in characters.
MAX_SCALAR_CHARS = 100_000

#: Keys of a record that are not ontology properties.
RESERVED = {"id", "type", "label", "quote", "quotes", "facts", "wikidata", "proposition",
            "propositions", "note", "notes", "draft"}


@dataclass(frozen=True)
class QuoteRef:
    text: str
    occurrence: int | None
    line: int


@dataclass(frozen=True)
class Value:
    """A scalar value as written, or a nested mapping (for propositions)."""

    text: str
    line: int


@dataclass(frozen=True)
class Property:
    name: str
    values: tuple[Value, ...]
    line: int


@dataclass(frozen=True)
class Fact:
    properties: tuple[Property, ...]
    quotes: tuple[QuoteRef, ...]
    line: int


@dataclass(frozen=True)
class Proposition:
    subject: Value
    predicate: Value
    object: Value
    line: int


@dataclass(frozen=True)
class Record:
    id: str
    types: tuple[str, ...]
    label: str | None
    quotes: tuple[QuoteRef, ...]
    properties: tuple[Property, ...]
    facts: tuple[Fact, ...]
    wikidata: Value | None
    propositions: tuple[Proposition, ...]
    line: int
    #: ``draft: true``: made by ``kg draft`` and not yet confirmed by a person
    draft: bool = False


@dataclass(frozen=True)
class Unmapped:
    quote: QuoteRef
    reason: str
    line: int


@dataclass(frozen=True)
class VoiceCorrection:
    """A ``voices:`` entry: the voice (and speaker record) of a span, set by hand."""

    quote: QuoteRef
    voice: str  # "own" | "direct" | "reported"
    speaker: Value | None  # a record id; None for "own"
    line: int


@dataclass(frozen=True)
class DocumentMeta:
    title: str
    publisher: Value
    published: Value
    language: str
    quote: QuoteRef | None
    line: int


@dataclass(frozen=True)
class AnnotationFile:
    path: str
    document: DocumentMeta | None  # None only when parsed with ``errors`` and it was wrong
    records: tuple[Record, ...]
    unmapped: tuple[Unmapped, ...] = field(default=())
    voices: tuple[VoiceCorrection, ...] = field(default=())
    #: ids of records left out because they were wrong (parsed with ``errors`` only)
    broken_ids: tuple[str, ...] = field(default=())
    #: ``values:`` entries (dates, durations, numbers found by ``kg draft``): facts not yet
    #: placed under a record, so never mapped; ``kg check`` checks their quotes and values
    values: tuple[Fact, ...] = field(default=())


@dataclass(frozen=True)
class BackgroundFact:
    subject: Value
    properties: tuple[Property, ...]
    source: str
    line: int


class _Reader:
    """Typed access to composed YAML nodes, raising InputError with lines."""

    def __init__(self, path: str, errors: list | None = None):
        self.path = path
        #: None: the first error is raised; a list: errors are collected where the
        #: reader can go on (a record, a property, an unmapped entry is left out)
        self.errors = errors

    def attempt(self, fn, *args):
        """``fn(*args)``; in collecting mode an InputError is kept and None returned."""
        return attempt(self.errors, fn, *args)

    def fail(self, node_or_line, message: str, hint: str | None = None):
        line = node_or_line if isinstance(node_or_line, int) else _line(node_or_line)
        raise InputError(message, path=self.path, line=line, hint=hint)

    def mapping(self, node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{what} must be a mapping (key: value)")
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                self.fail(key, f"a key in {what} must be a plain word")
            if key.value in out:
                self.fail(key, f"duplicate key {key.value!r} in {what}")
            out[key.value] = (key, value)
        return out

    def sequence(self, node, what: str) -> list:
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        self.fail(node, f"{what} must be a list")
        return []

    def scalar(self, node, what: str) -> str:
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, f"{what} must be a single value, not a list or mapping")
        value = node.value
        if len(value) > MAX_SCALAR_CHARS:
            self.fail(node, f"{what} is {len(value)} characters long, more than the limit of "
                      f"{MAX_SCALAR_CHARS}", "quote the words that matter, not whole passages")
        if _BAD_SCALAR_CHAR.search(value):
            self.fail(node, f"{what} contains a control character or a lone surrogate")
        return value

    def scalars(self, node, what: str) -> tuple[Value, ...]:
        """A scalar or a list of scalars."""
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        if not items:
            self.fail(node, f"{what} is an empty list")
        return tuple(Value(self.scalar(n, what), _line(n)) for n in items)

    def quotes(self, node, what: str) -> tuple[QuoteRef, ...]:
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        if not items:
            self.fail(node, f"{what} is an empty list")
        out = []
        for item in items:
            if isinstance(item, yaml.MappingNode):
                m = self.mapping(item, "a quote")
                unknown = set(m) - {"text", "occurrence"}
                if unknown:
                    self.fail(item, f"unknown key {sorted(unknown)[0]!r} in a quote",
                              "a quote is a string or {text: ..., occurrence: N}")
                if "text" not in m:
                    self.fail(item, "a quote needs 'text'")
                occ = None
                if "occurrence" in m:
                    raw = self.scalar(m["occurrence"][1], "occurrence")
                    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or int(raw) < 1:
                        self.fail(m["occurrence"][1], f"occurrence must be a positive integer, "
                                  f"not {raw!r}")
                    occ = int(raw)
                out.append(QuoteRef(self.scalar(m["text"][1], "a quote"), occ, _line(item)))
            else:
                out.append(QuoteRef(self.scalar(item, "a quote"), None, _line(item)))
        return tuple(out)


#: Characters a value may not hold once YAML escapes are decoded: C0 controls
#: other than tab and newline, DEL, lone surrogates.
_BAD_SCALAR_CHAR = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def _line(node) -> int:
    return node.start_mark.line + 1


#: Characters YAML does not allow anywhere (PyYAML's Reader.NON_PRINTABLE).
_NON_PRINTABLE = re.compile(
    "[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")


def _compose(text: str, path: str):
    bad = _NON_PRINTABLE.search(text)
    if bad:
        raise InputError(f"character U+{ord(bad.group()):04X} is not allowed in a YAML file",
                         path=path, line=text.count("\n", 0, bad.start()) + 1,
                         hint="remove it, or write it as an escape (\\t, \\u00e9) inside "
                              "double quotes")
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.reader.ReaderError as e:
        # A character YAML does not allow anywhere: C0/C1 controls, lone surrogates, U+FFFE.
        position = e.position if isinstance(e.position, int) else 0
        line = text.count("\n", 0, position) + 1
        char = e.character if isinstance(e.character, int) else ord(text[position])
        raise InputError(f"character U+{char:04X} is not allowed in a YAML file",
                         path=path, line=line,
                         hint="remove it, or write it as an escape (\\t, \\u00e9) inside "
                              "double quotes") from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        problem = " ".join(str(e.problem or e.context or "invalid YAML").split())
        raise InputError(f"YAML syntax error: {problem}", path=path, line=line) from None
    except yaml.YAMLError as e:
        raise InputError("YAML error: " + " ".join(str(e).split()), path=path,
                         line=1) from None
    except RecursionError:
        raise InputError(f"YAML nested deeper than {MAX_DEPTH} levels", path=path,
                         line=_deepest_line(text)) from None
    _check_size(root, path)
    return root


def _deepest_line(text: str) -> int:
    """The line on which flow brackets first nest deeper than MAX_DEPTH (1 if none)."""
    depth = 0
    line = 1
    for c in text:
        if c == "\n":
            line += 1
        elif c in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line
        elif c in "]}":
            depth -= 1
    return 1


def _check_size(root, path: str) -> None:
    """Refuse alias bombs and absurd nesting before walking the tree."""
    if root is None or _within_limits(root):
        return
    _size_error(root, path)


def _within_limits(root) -> bool:
    """True when the tree has at most MAX_NODES nodes, MAX_DEPTH levels and no node
    twice (no alias): one pass level by level, with no error to place (see _size_error)."""
    level, depth, count, ids = [root], 0, 1, {id(root)}
    mapping, sequence = yaml.MappingNode, yaml.SequenceNode
    while level:
        below: list = []
        for node in level:
            kind = node.__class__
            if kind is mapping:
                for pair in node.value:
                    below += pair
            elif kind is sequence:
                below += node.value
        if not below:
            return True
        depth += 1
        count += len(below)
        if depth > MAX_DEPTH or count > MAX_NODES:
            return False
        ids.update(map(id, below))
        if len(ids) != count:
            return False
        level = below
    return True


def _size_error(root, path: str) -> None:
    """Raise the error for the first node over a limit, walking depth first."""
    count = 0
    stack = [(root, 0)] if root is not None else []
    seen: set[int] = set()
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise InputError(f"more than {MAX_NODES} YAML nodes", path=path, line=_line(node),
                             hint="split the annotations over several files")
        if depth > MAX_DEPTH:
            raise InputError(f"YAML nested deeper than {MAX_DEPTH} levels", path=path,
                             line=_line(node))
        if id(node) in seen:
            raise InputError("YAML aliases (*name) are not allowed in annotation files",
                             path=path, line=_line(node))
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((n, depth + 1) for n in node.value)
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                stack.append((k, depth + 1))
                stack.append((v, depth + 1))


def parse_annotations(text: str, path: str, errors: list | None = None) -> AnnotationFile:
    """Parse one annotation file's text. ``path`` is used in error messages.

    With ``errors`` (a list), errors are appended to it and parsing goes on
    where it can: a wrong record, property or unmapped entry is left out (the
    ids of records left out are in ``broken_ids``), a wrong document section
    gives ``document=None``. YAML that does not parse still raises.
    """
    r = _Reader(path, errors)
    root = _compose(text, path)
    if root is None:
        raise InputError("annotation file is empty", path=path, line=1)
    top = r.mapping(root, "the annotation file")
    unknown = set(top) - {"document", "records", "unmapped", "voices", "values"}
    if unknown:
        key = sorted(unknown)[0]
        r.attempt(r.fail, top[key][0], f"unknown top-level key {key!r}",
                  "the top level has document, records, unmapped, voices and values")
    if "document" not in top:
        r.attempt(r.fail, root, "missing 'document' section")
        document = None
    else:
        document = r.attempt(_document, r, top["document"][1])
    records, broken = [], []
    for n in (r.attempt(r.sequence, top["records"][1], "records") or ()
              if "records" in top else ()):
        rec = r.attempt(_record, r, n)
        if rec is not None:
            records.append(rec)
        elif (rid := _record_id(n)) is not None:
            broken.append(rid)
    unmapped = [u for n in (r.attempt(r.sequence, top["unmapped"][1], "unmapped") or ()
                            if "unmapped" in top else ())
                if (u := r.attempt(_unmapped, r, n)) is not None]
    voices = [v for n in (r.attempt(r.sequence, top["voices"][1], "voices") or ()
                          if "voices" in top else ())
              if (v := r.attempt(_voice, r, n)) is not None]
    values = [f for n in (r.attempt(r.sequence, top["values"][1], "values") or ()
                          if "values" in top else ())
              if (f := r.attempt(_fact, r, n)) is not None]
    return AnnotationFile(path, document, tuple(records), tuple(unmapped), tuple(voices),
                          broken_ids=tuple(broken), values=tuple(values))


def _record_id(node) -> str | None:
    """The id of a record node, if it has a valid one (for records left out)."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "id" \
                    and isinstance(value, yaml.ScalarNode) and is_valid_id(value.value):
                return value.value
    return None


def _document(r: _Reader, node) -> DocumentMeta:
    m = r.mapping(node, "document")
    for key in ("title", "publisher", "published", "language"):
        if key not in m:
            r.fail(node, f"document needs {key!r}")
    unknown = set(m) - {"title", "publisher", "published", "language", "quote"}
    if unknown:
        r.fail(m[sorted(unknown)[0]][0], f"unknown key {sorted(unknown)[0]!r} in document")
    quote = r.quotes(m["quote"][1], "quote")[0] if "quote" in m else None
    return DocumentMeta(
        title=r.scalar(m["title"][1], "title"),
        publisher=r.scalars(m["publisher"][1], "publisher")[0],
        published=r.scalars(m["published"][1], "published")[0],
        language=r.scalar(m["language"][1], "language"),
        quote=quote,
        line=_line(node),
    )


def _properties(r: _Reader, m: dict, skip: set[str]) -> tuple[Property, ...]:
    props = []
    for name, (key, value) in m.items():
        if name in skip:
            continue
        values = r.attempt(r.scalars, value, name)
        if values is not None:
            props.append(Property(name, values, _line(key)))
    return tuple(props)


def _record(r: _Reader, node) -> Record:
    m = r.mapping(node, "a record")
    if "id" not in m:
        r.fail(node, "record has no 'id'")
    rid = r.scalar(m["id"][1], "id")
    if not is_valid_id(rid):
        r.fail(m["id"][1], f"id {rid!r} is not lower-case letters, digits and hyphens")
    if "type" not in m:
        r.fail(node, f"record {rid!r} has no 'type'")
    quotes: tuple[QuoteRef, ...] = ()
    if "quote" in m and "quotes" in m:
        r.fail(m["quotes"][0], "use either 'quote' or 'quotes', not both")
    for key in ("quote", "quotes"):
        if key in m:
            quotes = r.quotes(m[key][1], key)
    if not quotes:
        r.fail(node, f"record {rid!r} has no quote",
               "every record needs the words of the article that support it")
    facts = ()
    if "facts" in m:
        facts = tuple(_fact(r, n) for n in r.sequence(m["facts"][1], "facts"))
    props: list[Proposition] = []
    for key in ("proposition", "propositions"):
        if key in m:
            node_p = m[key][1]
            items = node_p.value if isinstance(node_p, yaml.SequenceNode) else [node_p]
            props.extend(_proposition(r, n) for n in items)
    return Record(
        id=rid,
        types=tuple(v.text for v in r.scalars(m["type"][1], "type")),
        label=r.scalar(m["label"][1], "label") if "label" in m else None,
        quotes=quotes,
        properties=_properties(r, m, RESERVED),
        facts=facts,
        wikidata=r.scalars(m["wikidata"][1], "wikidata")[0] if "wikidata" in m else None,
        propositions=tuple(props),
        line=_line(node),
        draft=_flag(r, m["draft"][1], "draft") if "draft" in m else False,
    )


def _flag(r: _Reader, node, what: str) -> bool:
    value = r.scalar(node, what)
    if value not in ("true", "false"):
        r.fail(node, f"{what} must be true or false, not {value!r}")
    return value == "true"


def _fact(r: _Reader, node) -> Fact:
    m = r.mapping(node, "a fact")
    quotes: tuple[QuoteRef, ...] = ()
    for key in ("quote", "quotes"):
        if key in m:
            quotes = r.quotes(m[key][1], key)
    if not quotes:
        r.fail(node, "fact has no quote")
    props = _properties(r, m, {"quote", "quotes", "note", "notes"})
    if not props:
        r.fail(node, "fact states no property")
    return Fact(props, quotes, _line(node))


def _proposition(r: _Reader, node) -> Proposition:
    m = r.mapping(node, "a proposition")
    for key in ("subject", "predicate", "object"):
        if key not in m:
            r.fail(node, f"proposition needs {key!r}")
    unknown = set(m) - {"subject", "predicate", "object"}
    if unknown:
        r.fail(m[sorted(unknown)[0]][0], f"unknown key {sorted(unknown)[0]!r} in proposition")
    return Proposition(*(r.scalars(m[k][1], k)[0] for k in ("subject", "predicate", "object")),
                       line=_line(node))


def _unmapped(r: _Reader, node) -> Unmapped:
    m = r.mapping(node, "an unmapped entry")
    if "quote" not in m or "reason" not in m:
        r.fail(node, "an unmapped entry needs 'quote' and 'reason'")
    return Unmapped(r.quotes(m["quote"][1], "quote")[0], r.scalar(m["reason"][1], "reason"),
                    _line(node))


def _voice(r: _Reader, node) -> VoiceCorrection:
    m = r.mapping(node, "a voices entry")
    unknown = set(m) - {"quote", "voice", "speaker", "note"}
    if unknown:
        r.fail(m[sorted(unknown)[0]][0], f"unknown key {sorted(unknown)[0]!r} in a voices entry",
               "a voices entry has quote, voice and speaker")
    if "quote" not in m or "voice" not in m:
        r.fail(node, "a voices entry needs 'quote' and 'voice'")
    voice = r.scalar(m["voice"][1], "voice")
    if voice not in ("own", "direct", "reported"):
        r.fail(m["voice"][1], f"voice {voice!r} is not own, direct or reported")
    speaker = r.scalars(m["speaker"][1], "speaker")[0] if "speaker" in m else None
    if speaker is None and voice != "own":
        r.fail(node, f"a {voice} voice needs a 'speaker' (a record id)")
    if speaker is not None and voice == "own":
        r.fail(m["speaker"][0], "the article's own voice has no speaker")
    if speaker is not None and not is_valid_id(speaker.text):
        r.fail(m["speaker"][1], f"speaker {speaker.text!r} is not a record id")
    return VoiceCorrection(r.quotes(m["quote"][1], "quote")[0], voice, speaker, _line(node))


def parse_background(text: str, path: str) -> tuple[BackgroundFact, ...]:
    r = _Reader(path)
    root = _compose(text, path)
    if root is None:
        return ()
    out = []
    for node in r.sequence(root, "background facts"):
        m = r.mapping(node, "a background fact")
        if "subject" not in m or "source" not in m:
            r.fail(node, "a background fact needs 'subject' and 'source'")
        props = _properties(r, m, {"subject", "source", "note"})
        if not props:
            r.fail(node, "background fact states no property")
        out.append(BackgroundFact(r.scalars(m["subject"][1], "subject")[0], props,
                                  r.scalar(m["source"][1], "source"), _line(node)))
    return tuple(out)


def load_annotations(path: Path, display: str | None = None) -> AnnotationFile:
    from kg.read.sources import MAX_ANNOTATION_BYTES, read_text_file

    text, _ = read_text_file(path, MAX_ANNOTATION_BYTES)
    return parse_annotations(text, display or str(path))
