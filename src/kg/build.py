"""The build pipeline: read -> anchor + map -> reason -> check -> store.

Each stage is a function that takes data and returns data (``read_seeds``,
``anchor_and_map``, ``reason``, ``check_stage``); the store is the sink
(:func:`kg.store.disk.new_build`). ``compile_graphs`` runs read -> map ->
reason for ``build`` and for ``build_in_memory`` (the tests' entry). See
docs/design.md, Architecture.
"""

from __future__ import annotations

import collections
import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from kg import __version__
from kg import namespaces as ns
from kg.checks.run import CHECKS_AUTO_THRESHOLD, check_build, choose_checks  # noqa: F401
from kg.errors import InputError
from kg.gcpause import paused_gc
from kg.model import rdfterms
from kg.model.locate import display_path, record_lines
from kg.model.mapping import Mapped, evidence_nquads, parse_evidence, stream_articles
from kg.model.vocabulary import vocabulary_from_graph
from kg.read.annotations import load_annotations, parse_background
from kg.read.sources import Article, discover, input_files, read_text_file, read_wikidata_table
from kg.reason.reasoning import choose_engine, closure
from kg.resources import ontology_file, read_text


def _quiet(message: str) -> None:
    """The default progress reporter: says nothing."""


def load_ontology() -> Graph:
    """kg's ontology, and the current project's ontology extension (see kg.project)."""
    from kg.project import ontology_files

    g = rdfterms.graph_from_turtle(read_text(ontology_file("kg.ttl")))
    for path in ontology_files():
        text, _ = read_text_file(path, 5_000_000)
        try:
            g.parse(data=text, format="turtle")
        except Exception as e:  # noqa: BLE001 - rdflib raises many kinds of syntax errors
            raise InputError("not valid Turtle: " + " ".join(str(e).split())[:300],
                             path=str(path)) from None
    return g


# --- read ------------------------------------------------------------------------------------

@dataclass
class Seeds:
    """The inputs of a build. ``pairs`` yields each article with its annotation file,
    parsed when it is reached (its time added to ``timings["load"]``)."""

    ontology: Graph
    vocab: object
    articles: list[Article]
    pairs: Iterable
    background: tuple
    wikidata: dict | None
    timings: dict[str, float]


def read_seeds(seeds_dir: Path, *, progress: Callable[[str], None] = _quiet) -> Seeds:
    """Read the ontology and every article, annotation file and reference table of the seeds."""
    t0 = time.perf_counter()
    seeds_dir = Path(seeds_dir)
    ontology = load_ontology()
    articles = discover(seeds_dir)
    background = ()
    bg_path = seeds_dir / "background.yaml"
    if bg_path.exists() or bg_path.is_symlink():
        text, _ = read_text_file(bg_path, 5_000_000, seeds_dir)
        background = ((display_path(bg_path), parse_background(text, display_path(bg_path))),)
    timings = {"load": 0.0}
    seeds = Seeds(ontology, vocabulary_from_graph(ontology), articles,
                  _pairs(articles, timings, progress), background,
                  read_wikidata_table(seeds_dir), timings)
    timings["load"] = time.perf_counter() - t0
    return seeds


def _pairs(articles: list[Article], timings: dict[str, float],
           progress: Callable[[str], None]) -> Iterator:
    """Each article with its annotation file, parsed when it is reached."""
    for i, a in enumerate(articles, 1):
        t = time.perf_counter()
        ann = load_annotations(a.annotation_path, display_path(a.annotation_path))
        timings["load"] += time.perf_counter() - t
        yield a, ann
        if i % 100 == 0 or i == len(articles):
            progress(f"read {i}/{len(articles)} articles")


def read_new_seeds(seeds_dir: Path, articles: list[Article]) -> Seeds:
    """The inputs an incremental build reads: the ontology, the reference table and
    ``articles`` (the new ones; the background facts are in the current build)."""
    t0 = time.perf_counter()
    ontology = load_ontology()
    timings = {"load": 0.0}
    seeds = Seeds(ontology, vocabulary_from_graph(ontology), articles,
                  _pairs(articles, timings, _quiet), (), read_wikidata_table(Path(seeds_dir)),
                  timings)
    timings["load"] = time.perf_counter() - t0
    return seeds


# --- anchor + map ----------------------------------------------------------------------------

def anchor_and_map(seeds: Seeds, write_evidence: Callable[[Iterator[list[str]]], None], *,
                   progress: Callable[[str], None] = _quiet, saved: list | None = None,
                   contributions: dict | None = None) -> Mapped:
    """Anchor each quote and map each article's annotations, then the background facts.
    ``write_evidence`` must consume the iterator over each article's evidence (N-Triples
    statements, see :func:`kg.model.mapping.stream_articles`): that fills the result.
    ``saved`` (a list) gets the mapper's state at the end and ``contributions`` (a dict)
    each file's bookkeeping (for an incremental build)."""
    mapped, evidence = stream_articles(seeds.pairs, seeds.vocab, seeds.background,
                                       seeds.wikidata, saved=saved,
                                       contributions=contributions)
    progress("reading and mapping the articles, writing the evidence")
    write_evidence(evidence)
    return mapped


@dataclass
class MappedSeeds:
    articles: list[Article]
    mapped: Mapped


def map_seeds(seeds_dir: Path, *, progress: Callable[[str], None] = _quiet) -> MappedSeeds:
    """The seeds read, anchored and mapped, their evidence dropped (for kg coverage)."""
    with paused_gc():
        seeds = read_seeds(seeds_dir, progress=progress)
        mapped = anchor_and_map(seeds, collections.deque(maxlen=0).extend, progress=progress)
    return MappedSeeds(seeds.articles, mapped)


# --- reason ----------------------------------------------------------------------------------

@dataclass
class Reasoned:
    """The stated graphs made disjoint, and what OWL 2 RL adds to them."""

    asserted: set
    background: set
    inferred: set
    engine: str
    hidden: set = field(default_factory=set)  # intermediate memberships, for kg explain
    kept: list = field(default_factory=list)  # the compiled engine, when asked to keep it


def reason(ontology: Graph, asserted: set, background: set, *, reasoner: str = "auto",
           progress: Callable[[str], None] = _quiet, keep: bool = False) -> Reasoned:
    """Keep each triple in the first graph that has it (ontology, asserted,
    background) and compute the closure, less everything already stated."""
    stated = set(ontology)
    # A copy only when some triple must go: at 10,000 articles each copy of a graph
    # this size is hundreds of megabytes.
    if not stated.isdisjoint(asserted):
        asserted = asserted - stated
    if not (stated.isdisjoint(background) and asserted.isdisjoint(background)):
        background = background - stated - asserted
    engine = choose_engine(reasoner, len(asserted) + len(background))
    progress(f"reasoning ({engine}) over {len(asserted)} asserted triples")
    hidden: set = set()
    kept: list = []
    inferred = closure(ontology, asserted | background, engine=engine, hidden=hidden,
                       keep=kept if keep else None)
    for given in (stated, asserted, background):
        inferred -= given
    return Reasoned(asserted, background, inferred, engine, hidden, kept)


# --- read -> anchor + map -> reason, for the store or in memory ------------------------------

@dataclass
class Compiled:
    """The graphs of a build but the evidence (which went to the evidence writer)."""

    seeds: Seeds
    mapped: Mapped
    reasoned: Reasoned

    def graphs(self) -> list[tuple[str, Iterable]]:
        """(name, triples) of the ontology, asserted, background and inferred graphs."""
        r = self.reasoned
        return [("ontology", self.seeds.ontology), ("asserted", r.asserted),
                ("background", r.background), ("inferred", r.inferred)]

    @property
    def size(self) -> int:  # what ``--checks auto`` goes by
        return len(self.reasoned.asserted) + len(self.reasoned.background)


def compile_graphs(seeds: Seeds, write_evidence: Callable[[Iterator[list[str]]], None], *,
                   reasoner: str = "auto", progress: Callable[[str], None] = _quiet,
                   saved: list | None = None, contributions: dict | None = None
                   ) -> Compiled:
    """Anchor, map and reason; the timings of each stage go into ``seeds.timings``.
    With ``saved`` (a list), the mapper's state is appended to it and the compiled
    engine kept in ``reasoned.kept`` (what an incremental build starts from)."""
    timings = seeds.timings
    eager_load = timings["load"]  # the rest of "load" is spent while mapping
    t0 = time.perf_counter()
    mapped = anchor_and_map(seeds, write_evidence, progress=progress, saved=saved,
                            contributions=contributions)
    timings["map"] = time.perf_counter() - t0 - (timings["load"] - eager_load)
    t0 = time.perf_counter()
    r = reason(seeds.ontology, mapped.asserted, mapped.background, reasoner=reasoner,
               progress=progress, keep=saved is not None)
    timings["reason"] = time.perf_counter() - t0
    return Compiled(seeds, mapped, r)


@dataclass
class Dataset:
    """The named graphs of a build, in memory (as sets of rdflib triples), for tests."""

    triples: dict[str, set]
    ontology: Graph
    mapped: Mapped
    _graphs: dict[str, Graph] = field(default_factory=dict, repr=False)

    @property
    def graphs(self) -> dict[str, Graph]:
        return {name: self.graph(name) for name in ns.GRAPH_NAMES}

    def graph(self, name: str) -> Graph:
        """One named graph as an rdflib Graph (built on first use)."""
        if name == "ontology":
            return self.ontology
        if name not in self._graphs:
            self._graphs[name] = _graph(self.triples[name])
        return self._graphs[name]

    def union(self, names=ns.GRAPH_NAMES) -> Graph:
        g = _graph(t for name in names for t in self.triples[name])
        for prefix, iri in ns.PREFIXES.items():
            g.bind(prefix, iri)
        return g


def _graph(triples: Iterable) -> Graph:
    g = Graph()
    for t in triples:
        g.add(t)
    return g


def build_in_memory(seeds_dir: Path, *, reasoner: str = "auto") -> Dataset:
    """The build's graphs, through the build's own stages, held in memory (nothing is
    written, nothing checked)."""
    lines: list[str] = []
    with paused_gc():
        seeds = read_seeds(seeds_dir)
        c = compile_graphs(seeds, lambda evidence: lines.extend(itertools.chain.from_iterable(
            evidence)), reasoner=reasoner)
    triples = {name: set(t) for name, t in c.graphs()}
    triples["evidence"] = parse_evidence(lines)
    return Dataset(triples, seeds.ontology, c.mapped)


# --- check -----------------------------------------------------------------------------------

def check_stage(store, seeds: Seeds, size: int, records: dict[str, tuple[str, int]], *,
                checks: str = "auto", shapes: str = "auto",
                progress: Callable[[str], None] = _quiet) -> tuple[str, dict[str, int]]:
    """Check a new store (the checks level ``checks`` picks for ``size``, the asserted
    and background triples); return that level and the store's triples per graph,
    counted side by side with the checks. ``records``: see :func:`record_lines`."""
    from kg.store.disk import graph_counts

    chosen = choose_checks(checks, size)
    with ThreadPoolExecutor(max_workers=1) as pool:
        counting = pool.submit(graph_counts, store)
        if chosen != "none":
            progress(f"checking ({chosen}): shapes and violation queries")
            t0 = time.perf_counter()
            check_build(store, seeds.ontology, shapes=shapes, checks=chosen, size=size,
                        records=records)
            seeds.timings["check"] = time.perf_counter() - t0
        return chosen, counting.result()


def _release(c: Compiled) -> None:
    """Empty the compiled triple sets (and the spans and voices) once they are in the
    store and the records located: the checks read the store, and at 10,000 articles
    these held gigabytes through them."""
    for triples in (c.mapped.asserted, c.mapped.background, c.mapped.evidence,
                    c.reasoned.asserted, c.reasoned.background, c.reasoned.inferred,
                    c.reasoned.hidden, c.mapped.spans, c.mapped.unmapped, c.mapped.voices):
        triples.clear()


# --- the build: every stage, into a new store ------------------------------------------------

@dataclass
class BuildReport:
    store: Path
    counts: dict[str, int]
    #: per stage; "store-drain" and "store-settle" are parts of "store", and
    #: "store-optimize" runs beside "check" (see kg.store.disk.BuildSink.finish)
    timings: dict[str, float]
    articles: int
    seconds: float = 0.0  # the whole build, wall clock
    #: "incremental: N new article(s)", or "full build" and why when an earlier build
    #: could not be updated ("full build: seeds/a.yaml changed since the last build")
    mode: str = "full build"


def build(seeds_dir: Path, store_dir: Path, *, reasoner: str = "auto",
          checks: str = "auto", shapes: str = "auto",
          progress: Callable[[str], None] = _quiet, full: bool = False) -> BuildReport:
    """Read, anchor, map, reason, check and write the store; the previous build stays on
    failure.

    The store directory must be kg's (new, empty, or marked by an earlier
    build); the build holds its lock from start to end, so a second build
    into the same store fails at once (see :func:`kg.store.disk.build_lock`).
    When the only change since the current build is new articles that sort
    after every built one, or built articles removed or changed (and nothing
    else), the build is incremental (see :mod:`kg.incremental`) unless ``full``;
    else it says why it is a full one (``progress`` and the report's ``mode``).
    """
    from kg.incremental import Fallback, previous_build
    from kg.store.disk import build_lock

    with build_lock(Path(store_dir)):
        t_start = time.perf_counter()
        seeds_dir = Path(seeds_dir).resolve()
        why = "--full was given" if full else None
        if not full:
            try:
                prev = previous_build(Path(store_dir), seeds_dir)
                return _build_incremental(prev, seeds_dir, Path(store_dir), reasoner=reasoner,
                                          checks=checks, shapes=shapes, progress=progress,
                                          t_start=t_start)
            except Fallback as e:
                why = e.reason
        if why:
            progress(f"full build: {why}")
        report = _build_full(seeds_dir, Path(store_dir), reasoner=reasoner, checks=checks,
                             shapes=shapes, progress=progress, t_start=t_start)
        report.mode = f"full build: {why}" if why else "full build"
        return report


def _build_full(seeds_dir: Path, store_dir: Path, *, reasoner: str, checks: str, shapes: str,
                progress: Callable[[str], None], t_start: float) -> BuildReport:
    """Every stage, into a new store.

    The evidence graph is streamed into the new store article by article and
    everything else is written after the closure, so memory does not grow
    with the evidence. The checks run on the new store before it is swapped in.
    """
    from kg.incremental import SIDECAR, write_state
    from kg.insight.explain import EXPLAIN_SIDECAR, explain_sidecar
    from kg.project import project_fingerprint
    from kg.store.disk import fingerprint, new_build, packaged_fingerprint

    inputs = fingerprint(input_files(seeds_dir), seeds_dir)
    seeds = read_seeds(seeds_dir, progress=progress)
    timings, eager_load = seeds.timings, seeds.timings["load"]
    t_write = time.perf_counter()
    evidence_iri = ns.graph_iri("evidence")
    saved: list = []
    contributions: dict = {}
    with paused_gc(), new_build(store_dir) as sink:
        # The writer goes on with the last evidence batches while the closure is computed.
        c = compile_graphs(seeds, lambda evidence: sink.load(
            (evidence_nquads(batch, evidence_iri) for batch in evidence), wait=False),
            reasoner=reasoner, progress=progress, saved=saved, contributions=contributions)
        t0 = time.perf_counter()
        records = record_lines(c.mapped, seeds.articles)
        write_state(sink.dir / SIDECAR, seeds.ontology, seeds.articles,
                    saved[0] if saved else None, records, c.reasoned.kept, contributions)
        c.reasoned.kept.clear()  # the engine's memory, before the store is written
        contributions.clear()
        saved.clear()  # the mapper's state: hundreds of megabytes at 10,000 articles
        timings["state"] = time.perf_counter() - t0
        progress("writing the store")
        sink.load(chunk for name, triples in c.graphs()
                  for chunk in rdfterms.nquads(ns.graph_iri(name), triples))
        size, engine = c.size, c.reasoned.engine
        sidecars = {EXPLAIN_SIDECAR: explain_sidecar(c.reasoned.hidden, seeds.ontology)}
        _release(c)
        sink.finish()
        if fingerprint(input_files(seeds_dir), seeds_dir) != inputs:
            raise InputError("the inputs changed while the build was running",
                             path=str(seeds_dir), hint="run `kg build` again")
        chosen, counts = check_stage(sink.store, seeds, size, records, checks=checks,
                                     shapes=shapes, progress=progress)
        sink.commit({
            "kg_version": __version__, "packaged": packaged_fingerprint(),
            "project": project_fingerprint(), "seeds_dir": str(seeds_dir),
            "inputs": inputs, "counts": counts, "reasoner": engine,
            "checks": chosen, "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }, sidecars)
    timings.update(sink.timings)
    timings["store"] = (time.perf_counter() - t_write - (timings["load"] - eager_load)
                        - timings["map"] - timings["reason"] - timings.get("check", 0.0)
                        - timings["state"])
    return BuildReport(store_dir, counts, timings, len(seeds.articles),
                       time.perf_counter() - t_start)


def _mode(prev) -> str:
    """"incremental: 1 new article", "incremental: 2 articles removed, 1 article changed"."""
    def n(count: int, what: str) -> str:
        return f"{count} {what}" if count == 1 else f"{count} {what.replace('article', 'articles')}"

    parts = [n(len(items), what) for items, what in (
        (prev.new, "new article"), (prev.removed or (), "article removed"),
        (prev.changed or (), "article changed")) if items]
    return "incremental: " + ", ".join(parts)


def _build_incremental(prev, seeds_dir: Path, store_dir: Path, *, reasoner: str, checks: str,
                       shapes: str, progress: Callable[[str], None], t_start: float
                       ) -> BuildReport:
    """The current build, copied, with what ``prev.new`` (the new articles) or
    ``prev.removed`` (the removed ones) changes: see :mod:`kg.incremental`.
    :class:`kg.incremental.Fallback` when it cannot be."""
    from kg.incremental import SIDECAR, Fallback, delta, removal
    from kg.insight.explain import EXPLAIN_SIDECAR, explain_sidecar, read_sidecar
    from kg.store.disk import fingerprint, new_build

    recorded = read_sidecar(prev.build_dir)
    if recorded is None:
        raise Fallback("the last build has no kg explain sidecar")
    inputs = fingerprint(input_files(seeds_dir), seeds_dir)
    rework = bool(prev.removed or prev.changed)
    seeds = read_new_seeds(seeds_dir, prev.changed if rework else prev.new)
    timings = seeds.timings
    mode = _mode(prev)
    with paused_gc(), new_build(store_dir, base=prev.build_dir) as sink:
        t0 = time.perf_counter()
        d = (removal if rework else delta)(prev, seeds, sink.store, reasoner=reasoner,
                                           progress=progress)
        timings["delta"] = time.perf_counter() - t0  # map, reason, compare with the store
        progress(mode)
        t0 = time.perf_counter()
        sink.update(d.removals, d.additions)
        timings["store"] = time.perf_counter() - t0
        if fingerprint(input_files(seeds_dir), seeds_dir) != inputs:
            raise InputError("the inputs changed while the build was running",
                             path=str(seeds_dir), hint="run `kg build` again")
        chosen = choose_checks(checks, d.size)
        if chosen != "none":
            progress(f"checking ({chosen}): shapes and violation queries")
            t0 = time.perf_counter()
            check_build(sink.store, seeds.ontology, shapes=shapes, checks=chosen, size=d.size,
                        records=d.records)
            timings["check"] = time.perf_counter() - t0
        sidecars = {EXPLAIN_SIDECAR: explain_sidecar(d.hidden, seeds.ontology,
                                                     () if rework else recorded)}
        if d.state is not None:
            sidecars[SIDECAR] = d.state
        manifest = {k: v for k, v in prev.manifest.items() if k != "format"}
        if d.engine is not None:
            manifest["reasoner"] = d.engine
        manifest.update(inputs=inputs, counts=d.counts, checks=chosen,
                        built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        sink.commit(manifest, sidecars)
    return BuildReport(store_dir, d.counts, timings, len(prev.articles),
                       time.perf_counter() - t_start, mode=mode)
