"""The pipeline: articles + annotations -> triples -> closure -> checks -> store.

``compile_dataset`` does everything but writing (it reads the inputs and
returns the graphs); ``build`` checks the result and writes the store.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from . import __version__
from . import namespaces as ns
from .annotations import load_annotations, parse_background
from .errors import InputError, ViolationsError
from .mapping import Mapped, map_articles
from .reasoning import choose_engine, closure
from .resources import ontology_file, read_text
from .sources import Article, discover, input_files, read_text_file, read_wikidata_table
from .vocabulary import vocabulary_from_graph


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
    g = Graph()
    g.parse(data=read_text(ontology_file("kg.ttl")), format="turtle")
    return g


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _quiet(message: str) -> None:
    """The default progress reporter: says nothing."""


@dataclass
class MappedSeeds:
    """The seeds read, anchored and mapped, before any reasoning."""

    articles: list[Article]
    ontology: Graph
    mapped: Mapped
    timings: dict[str, float]


def map_seeds(seeds_dir: Path, *, progress: Callable[[str], None] = _quiet) -> MappedSeeds:
    """Read every article and annotation file of ``seeds_dir`` and map them to triples."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    seeds_dir = Path(seeds_dir)
    ontology = load_ontology()
    vocab = vocabulary_from_graph(ontology)
    articles = discover(seeds_dir)
    pairs = []
    for i, a in enumerate(articles, 1):
        pairs.append((a, load_annotations(a.annotation_path, _display(a.annotation_path))))
        if i % 100 == 0 or i == len(articles):
            progress(f"loaded {i}/{len(articles)} articles")
    background = ()
    bg_path = seeds_dir / "background.yaml"
    if bg_path.is_file():
        text, _ = read_text_file(bg_path, 5_000_000)
        background = ((_display(bg_path), parse_background(text, _display(bg_path))),)
    timings["load"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    progress("mapping annotations to RDF")
    mapped = map_articles(pairs, vocab, background, read_wikidata_table(seeds_dir))
    timings["map"] = time.perf_counter() - t0
    return MappedSeeds(articles, ontology, mapped, timings)


def compile_dataset(seeds_dir: Path, *, reasoner: str = "auto",
                    progress: Callable[[str], None] = _quiet) -> Dataset:
    """Read the seeds, map them, reason, and return the graphs (nothing is written)."""
    seeds = map_seeds(seeds_dir, progress=progress)
    ontology, mapped, timings = seeds.ontology, seeds.mapped, seeds.timings
    triples: dict[str, set] = {"ontology": set(ontology), "asserted": mapped.asserted,
                               "background": mapped.background, "evidence": mapped.evidence}

    t0 = time.perf_counter()
    progress(f"reasoning ({reasoner}) over {len(mapped.asserted)} asserted triples")
    triples["inferred"] = closure(ontology, mapped.asserted | mapped.background,
                                  engine=reasoner)
    timings["reason"] = time.perf_counter() - t0
    _make_disjoint(triples)
    return Dataset(triples, ontology, mapped, Path(seeds_dir), timings)


def _make_disjoint(triples: dict[str, set]) -> None:
    """Keep each triple only in the first graph (in GRAPH_NAMES order) that has it."""
    seen: set = set()
    for name in ns.GRAPH_NAMES:
        triples[name] -= seen
        seen |= triples[name]


@dataclass
class BuildReport:
    store: Path
    counts: dict[str, int]
    timings: dict[str, float]
    articles: int


#: Above this many asserted + background triples, the shapes are checked by kg's
#: SPARQL compilation of ontology/shapes.ttl on Oxigraph instead of pySHACL (the
#: reference); a differential test shows both report the same violations.
SHAPES_AUTO_THRESHOLD = 20_000
SHAPES_ENGINES = ("auto", "pyshacl", "sparql")


def check(dataset: Dataset, store=None, *, shapes: str = "auto") -> None:
    """Run the SHACL shapes and the *-violation queries; raise on violations.

    ``store`` is a pyoxigraph Store holding the dataset (the build being
    written); without one, an in-memory store is made.
    """
    from .catalogue import violation_queries
    from .localengine import memory_store

    if shapes not in SHAPES_ENGINES:
        raise ValueError(f"unknown shapes engine {shapes!r}")
    if shapes == "auto":
        size = len(dataset.triples["asserted"]) + len(dataset.triples["background"])
        shapes = "pyshacl" if size <= SHAPES_AUTO_THRESHOLD else "sparql"
    if store is None:
        store = memory_store(dataset)
    problems: list[str] = []
    if shapes == "pyshacl":
        from .validation import validate

        report = validate(dataset.union(("asserted", "background", "evidence", "inferred")),
                          dataset.graph("ontology"))
    else:
        from .validation import validate_store

        report = validate_store(store)  # the store holds only the build's graphs
    if not report.conforms:
        problems.append(report.text())
    for q in violation_queries():
        rows = list(store.query(q.text, use_default_graph_as_union=True))
        if rows:
            lines = [f"{q.name}: {len(rows)} violation(s)"]
            for row in rows[:20]:
                lines.append("  " + ", ".join(str(v) for v in row))
            problems.append("\n".join(lines))
    if problems:
        raise ViolationsError("the graph failed its checks", report="\n\n".join(problems),
                              hint="fix the annotation files; the store was not written")


def build(seeds_dir: Path, store_dir: Path, *, reasoner: str = "auto",
          run_checks: bool = True, shapes: str = "auto",
          progress: Callable[[str], None] = _quiet) -> BuildReport:
    """Compile, check and write the store; the previous build stays on failure."""
    from .rdfterms import quads
    from .store import fingerprint, packaged_fingerprint, write_store

    seeds_dir = Path(seeds_dir).resolve()
    inputs = fingerprint(input_files(seeds_dir), seeds_dir)
    dataset = compile_dataset(seeds_dir, reasoner=reasoner, progress=progress)
    t0 = time.perf_counter()

    def verify(store) -> None:
        """Check the new build before it replaces the current one."""
        if run_checks:
            progress("checking shapes and violation queries")
            t1 = time.perf_counter()
            check(dataset, store, shapes=shapes)
            dataset.timings["check"] = time.perf_counter() - t1

    def all_quads():
        for name in ns.GRAPH_NAMES:
            yield from quads(ns.graph_iri(name), dataset.triples[name])

    manifest = {
        "kg_version": __version__,
        "packaged": packaged_fingerprint(),
        "seeds_dir": str(seeds_dir),
        "inputs": inputs,
        "counts": dataset.counts(),
        "reasoner": choose_engine(reasoner, len(dataset.mapped.asserted)
                                  + len(dataset.mapped.background)),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if fingerprint(input_files(seeds_dir), seeds_dir) != inputs:
        raise InputError("the inputs changed while the build was running",
                         path=str(seeds_dir), hint="run `kg build` again")
    progress(f"writing the store to {store_dir}")
    write_store(Path(store_dir), all_quads(), manifest, verify=verify)
    dataset.timings["store"] = time.perf_counter() - t0 - dataset.timings.get("check", 0.0)
    return BuildReport(Path(store_dir), dataset.counts(), dataset.timings,
                       len({s.doc_id for s in dataset.mapped.spans}))
