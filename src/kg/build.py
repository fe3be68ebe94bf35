"""The pipeline: articles + annotations -> triples -> closure -> checks -> store.

``compile_dataset`` does everything but writing (it reads the inputs and
returns the graphs); ``build`` checks the result and writes the store.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from kg import __version__
from kg import namespaces as ns
from kg.checks.run import CHECKS_AUTO_THRESHOLD, check_build, choose_checks  # noqa: F401
from kg.errors import InputError
from kg.gcpause import paused_gc
from kg.model.mapping import Mapped, map_articles
from kg.model.rdfterms import graph_from_turtle
from kg.model.vocabulary import vocabulary_from_graph
from kg.read.annotations import load_annotations, parse_background
from kg.read.sources import Article, discover, input_files, read_text_file, read_wikidata_table
from kg.reason.reasoning import choose_engine, closure
from kg.resources import ontology_file, read_text


@dataclass
class Dataset:
    """The named graphs of a build (as sets of rdflib triples), plus what was anchored."""

    triples: dict[str, set]
    ontology: Graph
    mapped: Mapped
    seeds_dir: Path
    timings: dict[str, float] = field(default_factory=dict)
    _graphs: dict[str, Graph] = field(default_factory=dict, repr=False)

    @property
    def graphs(self) -> dict[str, Graph]:
        return {name: self.graph(name) for name in ns.GRAPH_NAMES}

    def graph(self, name: str) -> Graph:
        """One named graph as an rdflib Graph (built on first use)."""
        if name == "ontology":
            return self.ontology
        if name not in self._graphs:
            g = Graph()
            for t in self.triples[name]:
                g.add(t)
            self._graphs[name] = g
        return self._graphs[name]

    def union(self, names=ns.GRAPH_NAMES) -> Graph:
        g = Graph()
        for prefix, iri in ns.PREFIXES.items():
            g.bind(prefix, iri)
        for name in names:
            for t in self.triples[name]:
                g.add(t)
        return g

    def counts(self) -> dict[str, int]:
        return {name: len(self.triples[name]) for name in ns.GRAPH_NAMES}


def load_ontology() -> Graph:
    """kg's ontology, and the current project's ontology extension (see kg.project)."""
    from kg.project import ontology_files

    g = graph_from_turtle(read_text(ontology_file("kg.ttl")))
    for path in ontology_files():
        text, _ = read_text_file(path, 5_000_000)
        try:
            g.parse(data=text, format="turtle")
        except Exception as e:  # noqa: BLE001 - rdflib raises many kinds of syntax errors
            raise InputError("not valid Turtle: " + " ".join(str(e).split())[:300],
                             path=str(path)) from None
    return g


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _quiet(message: str) -> None:
    """The default progress reporter: says nothing."""


@dataclass
class LoadedSeeds:
    """The seeds read: articles with their annotations, before mapping.

    ``pairs`` is a list, or with ``load_seeds(..., lazy=True)`` an iterator
    that parses each annotation file when it is reached (its time is added
    to ``timings["load"]``).
    """

    ontology: Graph
    vocab: object
    articles: list[Article]
    pairs: object
    background: tuple
    wikidata: dict | None
    timings: dict[str, float]


def load_seeds(seeds_dir: Path, *, progress: Callable[[str], None] = _quiet,
               lazy: bool = False) -> LoadedSeeds:
    """Read every article, annotation file and reference table of ``seeds_dir``."""
    t0 = time.perf_counter()
    seeds_dir = Path(seeds_dir)
    ontology = load_ontology()
    vocab = vocabulary_from_graph(ontology)
    articles = discover(seeds_dir)
    background = ()
    bg_path = seeds_dir / "background.yaml"
    if bg_path.exists() or bg_path.is_symlink():
        text, _ = read_text_file(bg_path, 5_000_000, seeds_dir)
        background = ((_display(bg_path), parse_background(text, _display(bg_path))),)
    timings = {"load": 0.0}

    def pairs():
        for i, a in enumerate(articles, 1):
            t = time.perf_counter()
            ann = load_annotations(a.annotation_path, _display(a.annotation_path))
            timings["load"] += time.perf_counter() - t
            yield a, ann
            if i % 100 == 0 or i == len(articles):
                progress(f"read {i}/{len(articles)} articles")

    seeds = LoadedSeeds(ontology, vocab, articles, pairs(), background,
                        read_wikidata_table(seeds_dir), timings)
    timings["load"] = time.perf_counter() - t0
    if not lazy:
        seeds.pairs = list(seeds.pairs)
    return seeds


@dataclass
class MappedSeeds:
    """The seeds read, anchored and mapped, before any reasoning."""

    articles: list[Article]
    ontology: Graph
    mapped: Mapped
    timings: dict[str, float]


def map_seeds(seeds_dir: Path, *, progress: Callable[[str], None] = _quiet) -> MappedSeeds:
    """Read every article and annotation file of ``seeds_dir`` and map them to triples."""
    with paused_gc():
        seeds = load_seeds(seeds_dir, progress=progress)
        t0 = time.perf_counter()
        progress("mapping annotations to RDF")
        mapped = map_articles(seeds.pairs, seeds.vocab, seeds.background, seeds.wikidata)
    timings = {**seeds.timings, "map": time.perf_counter() - t0}
    return MappedSeeds(seeds.articles, seeds.ontology, mapped, timings)


@dataclass
class Reasoned:
    """The stated graphs made disjoint, and what OWL 2 RL adds to them."""

    asserted: set
    background: set
    inferred: set
    engine: str
    hidden: set = field(default_factory=set)  # intermediate memberships, for kg explain


def reason(ontology: Graph, asserted: set, background: set, *, reasoner: str = "auto",
           progress: Callable[[str], None] = _quiet) -> Reasoned:
    """Keep each triple in the first graph that has it (ontology, asserted,
    background) and compute the closure, less everything already stated."""
    stated = set(ontology)
    asserted = asserted - stated
    background = background - stated - asserted
    engine = choose_engine(reasoner, len(asserted) + len(background))
    progress(f"reasoning ({engine}) over {len(asserted)} asserted triples")
    hidden: set = set()
    inferred = closure(ontology, asserted | background, engine=engine, hidden=hidden)
    inferred -= stated | asserted | background
    return Reasoned(asserted, background, inferred, engine, hidden)


def compile_dataset(seeds_dir: Path, *, reasoner: str = "auto",
                    progress: Callable[[str], None] = _quiet) -> Dataset:
    """Read the seeds, map them, reason, and return the graphs (nothing is written)."""
    seeds = map_seeds(seeds_dir, progress=progress)
    ontology, mapped, timings = seeds.ontology, seeds.mapped, seeds.timings
    t0 = time.perf_counter()
    r = reason(ontology, mapped.asserted, mapped.background, reasoner=reasoner,
               progress=progress)
    timings["reason"] = time.perf_counter() - t0
    triples: dict[str, set] = {
        "ontology": set(ontology), "asserted": r.asserted, "background": r.background,
        # evidence describes documents and quotes (kgd: subjects): apart by construction
        "evidence": mapped.evidence - set(ontology) - r.asserted - r.background,
        "inferred": r.inferred - mapped.evidence,
    }
    return Dataset(triples, ontology, mapped, Path(seeds_dir), timings)


def record_lines(mapped: Mapped, articles: list[Article]) -> dict[str, tuple[str, int]]:
    """record id -> (annotation file, line) of the first record that gives it a quote."""
    files = {a.doc_id: _display(a.annotation_path) for a in articles}
    out: dict[str, tuple[str, int]] = {}
    for span in mapped.spans:
        if span.doc_id in files:
            out.setdefault(span.record_id, (files[span.doc_id], span.line))
    return out


@dataclass
class BuildReport:
    store: Path
    counts: dict[str, int]
    timings: dict[str, float]  # per stage; "store-*" entries are parts of "store"
    articles: int
    seconds: float = 0.0  # the whole build, wall clock


def build(seeds_dir: Path, store_dir: Path, *, reasoner: str = "auto",
          checks: str = "auto", shapes: str = "auto",
          progress: Callable[[str], None] = _quiet) -> BuildReport:
    """Map, reason, check and write the store; the previous build stays on failure.

    The store directory must be kg's (new, empty, or marked by an earlier
    build); the build holds its lock from start to end, so a second build
    into the same store fails at once (see :func:`kg.store.disk.build_lock`).
    """
    from kg.store.disk import build_lock

    with build_lock(Path(store_dir)):
        return _build(seeds_dir, store_dir, reasoner=reasoner, checks=checks, shapes=shapes,
                      progress=progress)


def _build(seeds_dir: Path, store_dir: Path, *, reasoner: str = "auto",
           checks: str = "auto", shapes: str = "auto",
           progress: Callable[[str], None] = _quiet) -> BuildReport:
    """Map, reason, check and write the store (the caller holds the build lock).

    The evidence graph is streamed into the new store article by article and
    everything else is written after the closure, so memory does not grow
    with the evidence. The checks run on the new store before it is swapped in.
    """
    from kg.insight.explain import EXPLAIN_SIDECAR, explain_sidecar
    from kg.model.mapping import evidence_nquads, stream_articles
    from kg.model.rdfterms import nquads
    from kg.project import project_fingerprint
    from kg.store.disk import fingerprint, graph_counts, packaged_fingerprint, write_store

    t_start = time.perf_counter()
    seeds_dir = Path(seeds_dir).resolve()
    inputs = fingerprint(input_files(seeds_dir), seeds_dir)
    seeds = load_seeds(seeds_dir, progress=progress, lazy=True)
    timings = seeds.timings
    mapped, evidence_batches = stream_articles(seeds.pairs, seeds.vocab, seeds.background,
                                               seeds.wikidata)
    state: dict = {}
    t_write = time.perf_counter()

    eager_load = timings["load"]  # the rest of "load" is spent while mapping

    def chunks():
        t0 = time.perf_counter()
        evidence_iri = ns.graph_iri("evidence")
        progress("reading and mapping the articles, writing the evidence")
        for batch in evidence_batches:
            yield evidence_nquads(batch, evidence_iri)
        timings["map"] = time.perf_counter() - t0 - (timings["load"] - eager_load)
        t0 = time.perf_counter()
        r = reason(seeds.ontology, mapped.asserted, mapped.background, reasoner=reasoner,
                   progress=progress)
        timings["reason"] = time.perf_counter() - t0
        state.update(engine=r.engine, size=len(r.asserted) + len(r.background),
                     hidden=r.hidden)
        progress("writing the store")
        for name, triples in (("ontology", seeds.ontology), ("asserted", r.asserted),
                              ("background", r.background), ("inferred", r.inferred)):
            yield from nquads(ns.graph_iri(name), triples)

    def verify(store) -> None:
        if fingerprint(input_files(seeds_dir), seeds_dir) != inputs:
            raise InputError("the inputs changed while the build was running",
                             path=str(seeds_dir), hint="run `kg build` again")
        with ThreadPoolExecutor(max_workers=1) as pool:
            counting = pool.submit(graph_counts, store)  # side by side with the checks
            state["checks"] = choose_checks(checks, state["size"])
            if state["checks"] != "none":
                progress(f"checking ({state['checks']}): shapes and violation queries")
                t0 = time.perf_counter()
                check_build(store, seeds.ontology, shapes=shapes, checks=state["checks"],
                            size=state["size"], records=record_lines(mapped, seeds.articles))
                timings["check"] = time.perf_counter() - t0
            state["counts"] = counting.result()

    def manifest(store) -> dict:
        return {
            "kg_version": __version__,
            "packaged": packaged_fingerprint(),
            "project": project_fingerprint(),
            "seeds_dir": str(seeds_dir),
            "inputs": inputs,
            "counts": state["counts"],
            "reasoner": state["engine"],
            "checks": state["checks"],
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }

    with paused_gc():
        write_store(Path(store_dir), chunks(), manifest, verify=verify, timings=timings,
                    sidecars=lambda: {EXPLAIN_SIDECAR: explain_sidecar(state["hidden"],
                                                                       seeds.ontology)})
    timings["store"] = (time.perf_counter() - t_write - (timings["load"] - eager_load)
                        - timings.get("map", 0.0) - timings.get("reason", 0.0)
                        - timings.get("check", 0.0))  # store-drain and -optimize included
    return BuildReport(Path(store_dir), state["counts"], timings, len(seeds.articles),
                       time.perf_counter() - t_start)
