"""Incremental builds: new articles added to the current build instead of a full one.

A full build keeps, beside its quads, the state that mapping and reasoning carry
from one article to the next (:data:`SIDECAR`, see :func:`write_state`). When
the only change to the seeds since then is one or more new articles (text and
annotations) that sort after every built one, :func:`previous_build` finds that
state and :func:`delta` maps the new articles as if they came last in a full
build, extends the closure semi-naively from their facts, and works out what the
store gains and loses; :func:`kg.build.build` copies the current build, applies
the delta, checks the result and swaps it in. Anything else raises
:class:`Fallback`, whose message says why the build is a full one. See
docs/design.md, "Incremental builds".
"""

from __future__ import annotations

import contextlib
import io
import pickle
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Literal, URIRef

from kg import __version__
from kg import namespaces as ns

#: The incremental state of a build, in its build directory.
SIDECAR = "incremental.pickle"
STATE_VERSION = 1


class Fallback(Exception):  # noqa: N818 - not an error: a full build, and why
    """The build cannot be incremental; the message says why (None: no earlier build)."""

    def __init__(self, reason: str | None):
        super().__init__(reason or "")
        self.reason = reason


# --- the state a full build keeps -------------------------------------------------------------

class _TermCodec:
    """rdflib terms <-> plain values: an IRI as its string, a literal as (lexical form,
    datatype or None, language or None), a blank node of the ontology as ("_", key) by
    :func:`kg.insight.explain.bnode_keys` (a blank node's label changes with each parse)."""

    def __init__(self, ontology):
        from kg.insight.explain import bnode_keys

        self.keys = bnode_keys(ontology)
        self.nodes = {k: b for b, k in self.keys.items()}
        self.unique = len(self.nodes) == len(self.keys)

    def encode(self, t):
        if type(t) is URIRef:
            return str.__str__(t)
        if type(t) is Literal:
            dt = t.datatype
            return (str.__str__(t), str.__str__(dt) if dt is not None else None, t.language)
        key = self.keys.get(t)
        if key is None or not isinstance(t, BNode):
            raise _NoState(f"a term outside the ontology's blank nodes: {t!r}")
        return ("_", key)

    def decode(self, x):
        if type(x) is str:
            return URIRef(x)
        if len(x) == 2:
            node = self.nodes.get(x[1])
            if node is None:
                raise Fallback("the last build's incremental state names a class expression "
                               "the ontology does not have")
            return node
        return Literal(x[0], lang=x[2], datatype=URIRef(x[1]) if x[1] is not None else None)


class _NoState(Exception):
    """The build's state cannot be kept (the next build will be a full one)."""


def write_state(path: Path, ontology, articles, mapper_state: dict | None, records: dict,
                kept: list) -> bool:
    """Write :data:`SIDECAR` for a full build (to ``path``, streamed: the bytes are never
    held whole); False when its state cannot be kept. The state: the mapper's state
    after the last file, the record lines of the checks, the articles in order, and
    the compiled engine's fact store (``kept``, see :func:`kg.reason.reasoning.closure`)."""
    from kg.reason.forward import engine_state
    from kg.reason.tbox import compile_tbox

    if mapper_state is None or not kept or kept[0].tb is not compile_tbox(ontology):
        return False  # no engine, or one whose TBox the data extended
    codec = _TermCodec(ontology)
    if not codec.unique:
        return False
    try:
        engine = engine_state(kept[0], codec.encode)
    except _NoState:
        return False
    with open(path, "wb") as f:
        _dump({"version": STATE_VERSION, "kg_version": __version__,
               "articles": [a.doc_id for a in articles], "mapper": mapper_state,
               "records": {k: list(v) for k, v in records.items()}, "engine": engine}, f)
    return True


def _dump(state: dict, f) -> None:
    """The state pickled without a memo (less than half the time and memory: the data
    holds no cycles, and a shared join step is stored twice, harmlessly)."""
    pickler = pickle.Pickler(f, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(state)


def _dumps(state: dict) -> bytes:
    out = io.BytesIO()
    _dump(state, out)
    return out.getvalue()


class _Unpickler(pickle.Unpickler):
    """Plain data only, and the engine's join steps."""

    def find_class(self, module, name):
        if (module, name) == ("kg.reason.forward", "_Join"):
            from kg.reason.forward import _Join

            return _Join
        raise pickle.UnpicklingError(f"{module}.{name} is not part of the state")


def read_state(build_dir: Path) -> dict:
    """The state a build kept; :class:`Fallback` when there is none or it is unreadable."""
    path = Path(build_dir) / SIDECAR
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise Fallback("the last build kept no incremental state") from None
    except OSError as e:
        raise Fallback(f"the last build's incremental state is unreadable ({e.strerror})"
                       ) from None
    try:
        state = _Unpickler(io.BytesIO(data)).load()
        ok = isinstance(state, dict) and state.get("version") == STATE_VERSION and \
            state.get("kg_version") == __version__ and \
            {"articles", "mapper", "records", "engine"} <= state.keys() and \
            isinstance(state["articles"], list) and \
            all(isinstance(a, str) for a in state["articles"]) and \
            isinstance(state["records"], dict)
    except Exception:  # noqa: BLE001 - any damage means: build in full
        ok = False
    if not ok:
        raise Fallback("the last build's incremental state is unreadable")
    return state


# --- what changed since the last build --------------------------------------------------------

@dataclass
class Previous:
    """The current build, and the new articles an incremental build adds to it."""

    build_dir: Path
    manifest: dict
    state: dict
    articles: list  # every article now, in order (kg.read.sources.Article)
    new: list       # the new ones (the last of ``articles``)


def previous_build(store_dir: Path, seeds_dir: Path) -> Previous:
    """The current build, when the seeds differ from its inputs only by new articles
    that sort after every built one; else :class:`Fallback` says why."""
    from kg.project import project_fingerprint
    from kg.read.sources import discover
    from kg.store.disk import current_build, packaged_fingerprint, read_manifest

    build_dir = current_build(store_dir)
    if build_dir is None:
        raise Fallback(None)
    manifest = read_manifest(build_dir)
    if manifest is None:
        raise Fallback("the last build's manifest is unreadable")
    if manifest.get("kg_version") != __version__ or \
            manifest.get("packaged") != packaged_fingerprint():
        raise Fallback("kg or its ontology changed since the last build")
    if manifest.get("project") != project_fingerprint():
        raise Fallback("the project's ontology extension or queries changed since the last "
                       "build")
    if manifest["seeds_dir"] != str(seeds_dir):
        raise Fallback(f"the last build read another seeds directory ({manifest['seeds_dir']})")
    new_files = _new_files(manifest["inputs"], seeds_dir)
    state = read_state(build_dir)
    articles = discover(seeds_dir)
    built = state["articles"]
    if [a.doc_id for a in articles[:len(built)]] != built:
        raise Fallback(f"{_shown(seeds_dir, _first_inserted(articles, built))} is a new "
                       "article that sorts before a built one")
    new = articles[len(built):]
    expected = {f"{a.doc_id}.txt" for a in new} | {f"{a.doc_id}.yaml" for a in new}
    for rel in sorted(new_files):
        if rel not in expected:
            raise Fallback(f"{_shown(seeds_dir, rel)} is new since the last build")
    if not new:
        raise Fallback("no new article since the last build")
    return Previous(build_dir, manifest, state, articles, new)


def _new_files(recorded: dict[str, list], seeds_dir: Path) -> set[str]:
    """The input files that are new since the build that recorded ``recorded``;
    :class:`Fallback` for a file changed or removed since."""
    from kg.read.sources import input_stats
    from kg.store.disk import unchanged

    current = input_stats(seeds_dir)
    for rel in sorted(recorded.keys() - current.keys()):
        raise Fallback(f"{_shown(seeds_dir, rel)} was removed since the last build")
    for rel in sorted(recorded.keys() & current.keys()):
        if not unchanged(current[rel], recorded[rel], seeds_dir / rel):
            raise Fallback(f"{_shown(seeds_dir, rel)} changed since the last build")
    return current.keys() - recorded.keys()


def _first_inserted(articles, built: list[str]) -> str:
    done = set(built)
    for a in articles:
        if a.doc_id not in done:
            return f"{a.doc_id}.txt"
    return "an article"  # unreachable: the lists differ, and no built article was removed


def _shown(seeds_dir: Path, rel: str) -> str:
    from kg.model.locate import display_path

    return display_path(Path(seeds_dir) / rel)


# --- the delta --------------------------------------------------------------------------------

@dataclass
class Delta:
    """What the new articles change in the store (pyoxigraph quads), and the new state."""

    removals: list
    additions: list
    counts: dict[str, int]
    size: int          # asserted + background triples (what --checks auto goes by)
    records: dict
    hidden: set        # new intermediate memberships (kg explain's sidecar)
    state: bytes | None


def delta(prev: Previous, seeds, store, *, reasoner: str, progress) -> Delta:
    """Map the new articles after the built ones, extend the closure, and compare with
    the current build's quads (``store``, read-only). ``seeds`` is a
    :class:`kg.build.Seeds` whose ``pairs`` are the new articles only."""
    import pyoxigraph as ox

    from kg.model.locate import record_lines
    from kg.model.mapping import evidence_nquads, stream_articles
    from kg.reason.forward import engine_state, restore_engine
    from kg.reason.reasoning import MAX_GROWTH, MIN_BUDGET, choose_engine, extend_closure
    from kg.reason.tbox import _is_schema_triple, compile_tbox

    saved: list = []
    with _damaged_state():
        mapped, batches = stream_articles(seeds.pairs, seeds.vocab, (), seeds.wikidata,
                                          resume=prev.state["mapper"], saved=saved)
    progress(f"mapping {len(prev.new)} new article(s)")
    evidence_iri = ns.graph_iri("evidence")
    evidence = b"".join(evidence_nquads(batch, evidence_iri) for batch in batches)
    stated = set(seeds.ontology)
    asserted = mapped.asserted - stated
    background = mapped.background - stated - asserted
    if any(_is_schema_triple(t) for t in asserted | background):
        raise Fallback("a new article states a schema triple (the TBox changes)")
    graphs = {name: ox.NamedNode(ns.graph_iri(name)) for name in ns.GRAPH_NAMES}
    changes = _Changes(store, graphs, dict(prev.manifest["counts"]))
    for t in asserted:
        changes.move(t, "asserted", ("background", "inferred"))
    for t in background:
        if not changes.has(t, "asserted"):
            changes.move(t, "background", ("inferred",))
    size = changes.counts["asserted"] + changes.counts["background"]
    engine = choose_engine(reasoner, size)
    if engine != prev.manifest.get("reasoner"):
        raise Fallback(f"the {engine} reasoner is chosen now (the last build used "
                       f"{prev.manifest.get('reasoner')})")
    progress(f"reasoning (incremental) over {len(asserted)} new asserted triples")
    codec = _TermCodec(seeds.ontology)
    tbox = compile_tbox(seeds.ontology)
    with _damaged_state():
        eng = restore_engine(tbox, prev.state["engine"], codec.decode)
    hidden: set = set()
    budget = max(MIN_BUDGET, MAX_GROWTH * (size + len(seeds.ontology)))
    for t in extend_closure(eng, asserted | background, budget, hidden):
        changes.add(t, "inferred")
    for quad in ox.parse(evidence, format=ox.RdfFormat.N_QUADS):
        changes.add_quad(quad, "evidence")
    with _damaged_state():
        records = {k: (str(v[0]), int(v[1])) for k, v in prev.state["records"].items()}
    for k, v in record_lines(mapped, prev.new).items():
        records.setdefault(k, v)
    try:
        engine_data = engine_state(eng, codec.encode)
    except _NoState:
        state = None
    else:
        state = _dumps({**prev.state, "articles": [a.doc_id for a in prev.articles],
                        "mapper": saved[0], "engine": engine_data,
                        "records": {k: list(v) for k, v in records.items()}})
    return Delta(changes.removals, changes.additions, changes.counts, size, records, hidden,
                 state)


@contextlib.contextmanager
def _damaged_state():
    """A state of the wrong shape (it unpickled, but is not what a build keeps)."""
    try:
        yield
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        raise Fallback("the last build's incremental state is unreadable") from None


class _Changes:
    """Quads to remove and to add, and the triples per graph after them."""

    def __init__(self, store, graphs: dict, counts: dict[str, int]):
        from kg.model.rdfterms import to_ox

        self.store, self.graphs, self.counts = store, graphs, counts
        self.removals: list = []
        self.additions: list = []
        self._added: set = set()
        self._to_ox = to_ox

    def quad(self, t, graph: str):
        to_ox = self._to_ox
        return _quad(to_ox(t[0]), to_ox(t[1]), to_ox(t[2]), self.graphs[graph])

    def has(self, t, graph: str) -> bool:
        return self.quad(t, graph) in self.store

    def move(self, t, graph: str, out_of: tuple[str, ...]) -> None:
        """``t`` belongs to ``graph`` now, and to none of ``out_of``."""
        for other in out_of:
            q = self.quad(t, other)
            if q in self.store:
                self.removals.append(q)
                self.counts[other] -= 1
        self.add(t, graph)

    def add(self, t, graph: str) -> None:
        self.add_quad(self.quad(t, graph), graph)

    def add_quad(self, q, graph: str) -> None:
        if q in self._added or q in self.store:
            return
        self._added.add(q)
        self.additions.append(q)
        self.counts[graph] += 1


def _quad(s, p, o, g):
    import pyoxigraph as ox

    return ox.Quad(s, p, o, g)
