"""``kg check``: every error of some annotation files in one run, nothing written.

The annotation files are parsed, their quotes anchored and their records
mapped in collecting mode (:func:`kg.read.annotations.parse_annotations` and
:func:`kg.model.mapping.map_articles` with ``errors``), so that one run reports
every error it can find, each as ``FILE:LINE: message``: YAML errors,
unknown record ids, values of the wrong kind, lists written as strings,
quotes not in the article (with the nearest match and how it differs),
labels that conflict across files; then, on what maps, the OWL 2 RL closure
and the data checks (SHACL data shapes, ``*-violation`` queries of scope
data), each violation mapped back to the record and line that defined its
resource. The other annotation files of the seeds directory are read too
(for the record ids and labels they define) but not reported on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from kg import namespaces as ns
from kg.errors import InputError, KgError
from kg.model.locate import locate

_NOT_FOUND = "is not in the article"


@dataclass(frozen=True, order=True)
class Problem:
    """One error: where (file and line, when known) and what."""

    path: str
    line: int
    message: str
    hint: str | None = field(default=None, compare=False)

    def text(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class CheckResult:
    files: list[str]
    records: int
    problems: list[Problem]


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _article_for(path: Path):
    """The Article of an annotation file (or of the article named), for ``kg check FILE``."""
    from kg.read.sources import MAX_ARTICLE_BYTES, Article, read_text_file

    ann = path.with_suffix(".yaml") if path.suffix == ".txt" else path
    text_path = ann.with_suffix(".txt")
    if not ann.is_file():
        raise InputError("no such annotation file", path=str(ann))
    if not text_path.is_file():
        raise InputError("annotation file has no article (.txt) beside it", path=str(ann),
                         hint=f"put the article in {text_path.name}")
    text, data = read_text_file(text_path, MAX_ARTICLE_BYTES)
    return Article(text_path.stem, text_path, ann, text, hashlib.sha256(data).hexdigest())


def _quotes(ann):
    """Every quote reference of a parsed annotation file."""
    if ann.document is not None and ann.document.quote is not None:
        yield ann.document.quote
    for u in ann.unmapped:
        yield u.quote
    for rec in ann.records:
        yield from rec.quotes
        for fact in rec.facts:
            yield from fact.quotes
    for fact in ann.values:
        yield from fact.quotes


def _problem(e: InputError) -> Problem:
    message = e.message
    if e.path is not None:
        prefix = f"{e.path}:{e.line}: " if e.line is not None else f"{e.path}: "
        message = message.removeprefix(prefix)
    return Problem(e.path or "", e.line or 1, message, e.hint)


def check_annotations(seeds_dir: Path, files: list[Path] | None = None, *,
                      checks: bool = True, ontology=None) -> CheckResult:
    """Check ``files`` (default: every annotation file of ``seeds_dir``); nothing is written.

    Raises only for what stops everything (the seeds directory unreadable);
    every error of the files themselves is a :class:`Problem` of the result.
    The cyclic garbage collector is paused meanwhile (:mod:`kg.gcpause`): its
    collections over the terms parsed, mapped and reasoned about were about a
    quarter of the time of ``kg check`` on the seed, and they free nothing.
    """
    from kg.gcpause import paused_gc

    with paused_gc():
        return _check(seeds_dir, files, checks, ontology)


def _check(seeds_dir, files, checks, ontology) -> CheckResult:
    from kg.author.ontology_cache import ontology_facts
    from kg.model.mapping import stream_articles
    from kg.read.annotations import parse_annotations, parse_background
    from kg.read.sources import discover, read_text_file, read_wikidata_table

    seeds_dir = Path(seeds_dir)
    facts = ontology_facts(ontology)
    vocab = facts.vocab
    context = discover(seeds_dir) if seeds_dir.is_dir() else []
    problems: list[Problem] = []
    if files:
        targets = []
        for f in files:
            try:
                targets.append(_article_for(Path(f)))
            except InputError as e:
                problems.append(_problem(e))
    else:
        targets = context
    target_paths = {a.annotation_path.resolve() for a in targets}
    others = [a for a in context if a.annotation_path.resolve() not in target_paths]
    shown = {a.annotation_path.resolve(): _display(a.annotation_path) for a in targets}
    reported = set(shown.values())

    pairs = []
    quote_at: dict[tuple[str, int], tuple[str, str]] = {}
    records = 0
    for article in others + targets:
        errors: list = []
        display = shown.get(article.annotation_path.resolve(), _display(article.annotation_path))
        try:
            text, _ = read_text_file(article.annotation_path, 5_000_000)
            ann = parse_annotations(text, display, errors)
        except InputError as e:
            errors.append(e)
            ann = None
        if display in reported:
            problems.extend(_problem(e) for e in errors)
        if ann is None:
            continue
        if display in reported:
            records += len(ann.records)
            for q in _quotes(ann):
                quote_at[(display, q.line)] = (q.text, article.text)
        pairs.append((article, ann))

    background = ()
    bg_path = seeds_dir / "background.yaml"
    if bg_path.is_file():
        try:
            text, _ = read_text_file(bg_path, 5_000_000)
            background = ((_display(bg_path), parse_background(text, _display(bg_path))),)
        except InputError:
            background = ()  # the build reports it; kg check looks at annotation files
    try:
        wikidata = read_wikidata_table(seeds_dir) if seeds_dir.is_dir() else None
    except InputError:
        wikidata = None

    errors = []
    mapped, batches = stream_articles(pairs, vocab, background, wikidata, errors=errors,
                                      evidence=False)  # the data checks read no evidence
    for _ in batches:  # the articles are mapped as the iterator runs
        pass
    lines_of = _definitions(pairs, shown, reported)
    for e in errors:
        if e.path not in reported:
            continue
        p = _problem(e)
        if (p.path, p.line) in quote_at:
            quote, text = quote_at[(p.path, p.line)]
            p = _quote_problem(p.path, p.line, quote, text, p.message, p.hint)
        problems.append(p)
    problems.extend(_range_problems(pairs, shown, reported, vocab, facts.subclasses))
    problems.extend(_value_problems(pairs, shown, reported, vocab))
    if checks and pairs:
        problems.extend(_data_checks(facts, mapped, lines_of, problems))
    problems = sorted(set(problems))
    return CheckResult(sorted(reported), records, problems)


def _quote_problem(path: str, line: int, quote: str, text: str, message: str,
                   hint: str | None) -> Problem:
    """A problem with a quote; for one not in the article, the nearest match and why."""
    if message.endswith(_NOT_FOUND):
        from kg.read.quote_diagnosis import diagnose

        hint = diagnose(text, quote)
    return Problem(path, line, message, hint)


def _definitions(pairs, shown, reported) -> dict[str, tuple[str, int]]:
    """record id -> (file, line) of its first definition in the files reported on."""
    out: dict[str, tuple[str, int]] = {}
    for article, ann in pairs:
        display = shown.get(article.annotation_path.resolve())
        if display not in reported:
            continue
        for rec in ann.records:
            out.setdefault(rec.id, (display, rec.line))
    return out


def _range_problems(pairs, shown, reported, vocab, subclasses) -> list[Problem]:
    """Record ids given to a property whose range their declared types do not fit
    ("heldIn: russia" where russia is a State, not a Place). The build infers the
    range's class instead, so only kg check says so. ``subclasses`` maps a class
    IRI to itself and every class below it."""
    types: dict[str, set[str]] = {}
    for _, ann in pairs:
        for rec in ann.records:
            types.setdefault(rec.id, set()).update(rec.types)
    out = []
    for article, ann in pairs:
        display = shown.get(article.annotation_path.resolve())
        if display not in reported:
            continue
        for rec in ann.records:
            props = list(rec.properties) + [p for f in rec.facts for p in f.properties]
            for p in props:
                info = vocab.properties.get(p.name)
                if info is None or info.kind != "object" or not info.range \
                        or info.range not in vocab.classes.values():
                    continue
                fits = subclasses[info.range]
                for v in p.values:
                    declared = types.get(v.text)
                    if not declared or any(vocab.classes.get(t) in fits for t in declared):
                        continue
                    rng = info.range.rsplit("#", 1)[-1]
                    out.append(Problem(display, v.line,
                                       f"{p.name}: {v.text!r} is a {'/'.join(sorted(declared))}"
                                       f", not a {rng} (the range of {p.name})",
                                       f"give a record of class {rng}, or fix the type of "
                                       f"{v.text!r}"))
    return out


def _value_problems(pairs, shown, reported, vocab) -> list[Problem]:
    """The ``values:`` entries (facts not yet placed under a record, which the build
    leaves out): each property a datatype property, each value fitting its range, each
    quote in the article."""
    from kg.model.mapping import typed_literal
    from kg.read.anchoring import AnchorError, anchor

    out: list[Problem] = []

    def fail(message: str):
        raise ValueError(message)

    for article, ann in pairs:
        display = shown.get(article.annotation_path.resolve())
        if display not in reported:
            continue
        for fact in ann.values:
            for q in fact.quotes:
                try:
                    anchor(article.text, q.text, q.occurrence)
                except AnchorError as e:
                    out.append(_quote_problem(display, q.line, q.text, article.text, str(e),
                                              e.hint))
            for p in fact.properties:
                info = vocab.properties.get(p.name)
                if info is None or info.kind != "datatype":
                    out.append(Problem(display, p.line, f"values: {p.name!r} is not a property "
                                       "for a date, a duration or a number",
                                       "write date:, duration:, quantity: or another "
                                       "datatype property of docs/ontology.md"))
                    continue
                for v in p.values:
                    try:
                        typed_literal(v.text, info.range, "en", fail)
                    except ValueError as e:
                        out.append(Problem(display, v.line, f"{p.name}: {e}"))
    return out


def _data_checks(facts, mapped, lines_of, problems) -> list[Problem]:
    """The closure and the data checks; violations as Problems at their records' lines.

    The data checks read the ontology, asserted, background and inferred graphs; the
    evidence graph, which kg derives itself, is read only by the evidence-integrity
    checks, which kg check leaves out (only a kg defect can fail them): so the store
    checked here has no evidence graph.
    """
    import pyoxigraph as ox

    from kg.checks.shacl_sparql import run_compiled
    from kg.errors import ViolationsError
    from kg.model.rdfterms import quads

    out: list[Problem] = []
    starts: dict[str, list[int]] = {}
    for path, line in lines_of.values():
        starts.setdefault(path, []).append(line)
    # the records that have an error already: their violations would only repeat it
    have_errors = {(p.path, max((x for x in starts.get(p.path, ()) if x <= p.line), default=0))
                   for p in problems}
    try:
        graphs = _reason(facts, mapped.asserted, mapped.background)
    except ViolationsError as e:
        where = locate(e.message + "\n" + e.report, lines_of) or next(iter(lines_of.values()),
                                                                      ("", 1))
        return [Problem(where[0], where[1], e.message, e.hint)]
    except KgError as e:
        return [Problem(next(iter(lines_of.values()), ("", 1))[0], 1, e.message, e.hint)]
    # kg wrote the ontology's N-Quads itself: no need to validate the IRIs
    store = ox.Store()
    store.load(facts.nquads, format=ox.RdfFormat.N_QUADS, lenient=True)
    store.extend([q for name, triples in graphs.items()
                  for q in quads(ns.graph_iri(name), triples)])
    report = run_compiled(facts.shapes, store, None, "SHACL data shapes")
    for v in report.violations:
        where = locate(v.focus, lines_of)
        if where is not None and where not in have_errors:
            out.append(Problem(where[0], where[1], "SHACL: " + v.line()))
    return out


def _reason(facts, asserted: set, background: set) -> dict[str, set]:
    """As :func:`kg.build.reason` with the rules engine, on the cached compiled TBox:
    each triple in the first graph that has it, and what OWL 2 RL adds."""
    from kg.reason.reasoning import MAX_GROWTH, MIN_BUDGET, _rules_closure

    stated = facts.triples
    asserted = asserted - stated
    background = background - stated - asserted
    data = asserted | background
    budget = max(MIN_BUDGET, MAX_GROWTH * (len(data) + len(stated)))
    inferred = _rules_closure(facts.tbox, data, budget) - stated - data
    return {"asserted": asserted, "background": background, "inferred": inferred}
