"""Incremental builds: the current build updated instead of a full one.

A full build keeps, beside its quads, the state that mapping and reasoning carry
from one article to the next (:data:`SIDECAR`, see :func:`write_state`). When
the only change to the seeds since then is one or more new articles (text and
annotations) that sort after every built one, :func:`previous_build` finds that
state and :func:`delta` maps the new articles as if they came last in a full
build, extends the closure semi-naively from their facts, and works out what the
store gains and loses. When the only change is built articles removed (both
files gone) or changed, :func:`removal` takes their contributions out, maps the
changed ones again and revises the closure (DRed in the engine the full build
kept, when it can; else the closure is computed again).
:func:`kg.build.build` copies the current build, applies the delta, checks the
result and swaps it in. Anything else raises :class:`Fallback`, whose message
says why the build is a full one. See docs/design.md, "Incremental builds".
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
STATE_VERSION = 4  # 3: each file's bookkeeping packed (kg.model.mapping.pack);
#                   4: the engine's lone objects stored bare (kg.reason.forward.objects)


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
                kept: list, contributions: dict) -> bool:
    """Write :data:`SIDECAR` for a full build (to ``path``, streamed: the bytes are never
    held whole); False when its state cannot be kept. The state: the mapper's state
    after the last file, the record lines of the checks, the articles in order, and
    the compiled engine's fact store (``kept``, see :func:`kg.reason.reasoning.closure`)
    and each file's bookkeeping (``contributions``, see
    :func:`kg.model.mapping.contribution`: what taking an article out takes out),
    packed as :func:`kg.model.mapping.stream_articles` made it (one ``bytes`` a file)."""
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
               "records": {k: list(v) for k, v in records.items()}, "engine": engine,
               "per": contributions}, f)
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
            {"articles", "mapper", "records", "engine", "per"} <= state.keys() and \
            isinstance(state["per"], dict) and \
            all(isinstance(v, bytes) for v in state["per"].values()) and \
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
    removed: list = None  # doc ids of the built articles removed since (both files gone)
    changed: list = None  # the built articles changed since (kg.read.sources.Article)


def previous_build(store_dir: Path, seeds_dir: Path) -> Previous:
    """The current build, when the seeds differ from its inputs only by new articles
    that sort after every built one, or only by removed articles (text and
    annotations gone); else :class:`Fallback` says why."""
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
    new_files, gone, changed = _new_files(manifest["inputs"], seeds_dir)
    state = read_state(build_dir)
    articles = discover(seeds_dir)
    built = state["articles"]
    if gone or changed:
        return _removal(build_dir, manifest, state, articles, seeds_dir, new_files, gone,
                        changed)
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


def _new_files(recorded: dict[str, list], seeds_dir: Path
               ) -> tuple[set[str], list[str], list[str]]:
    """The input files that are new, removed and changed since the build that recorded
    ``recorded``."""
    from kg.read.sources import input_stats
    from kg.store.disk import unchanged

    current = input_stats(seeds_dir)
    changed = [rel for rel in sorted(recorded.keys() & current.keys())
               if not unchanged(current[rel], recorded[rel], seeds_dir / rel)]
    return current.keys() - recorded.keys(), sorted(recorded.keys() - current.keys()), changed


def _removal(build_dir, manifest, state, articles, seeds_dir, new_files, gone, changed
             ) -> Previous:
    """The current build and the built articles removed (both files gone) or changed
    since; :class:`Fallback` when anything else changed too."""
    built = state["articles"]
    done = set(built)
    for rel in changed:
        if rel.rsplit(".", 1)[0] not in done or not rel.endswith((".txt", ".yaml")):
            raise Fallback(f"{_shown(seeds_dir, rel)} changed since the last build")
    ids = {rel[:-4] for rel in gone if rel.endswith(".txt")}
    if gone and (new_files or not ids <= done or
                 set(gone) != {f"{d}{ext}" for d in ids for ext in (".txt", ".yaml")}):
        raise Fallback(f"{_shown(seeds_dir, gone[0])} was removed since the last build")
    if new_files or [a.doc_id for a in articles] != [d for d in built if d not in ids]:
        raise Fallback(f"{_shown(seeds_dir, (changed or gone)[0])} "
                       f"{'changed' if changed else 'was removed'} since the last build")
    touched = {rel.rsplit(".", 1)[0] for rel in changed}
    return Previous(build_dir, manifest, state, articles, [], [d for d in built if d in ids],
                    [a for a in articles if a.doc_id in touched])


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
    engine: str | None = None  # the reasoner, when it ran again (removed articles)


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
    per: dict = {}
    with _damaged_state():
        mapped, batches = stream_articles(seeds.pairs, seeds.vocab, (), seeds.wikidata,
                                          resume=prev.state["mapper"], saved=saved,
                                          contributions=per)
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
        per.pop(None, None)  # the background facts were mapped by the last build
        state = _dumps({**prev.state, "articles": [a.doc_id for a in prev.articles],
                        "mapper": saved[0], "engine": engine_data,
                        "records": {k: list(v) for k, v in records.items()},
                        "per": {**prev.state["per"], **per}})
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
        self.removed: dict[str, set] = {name: set() for name in graphs}
        self.added: dict[str, list] = {name: [] for name in graphs}

    def ox_quad(self, t, graph: str):
        """A pyoxigraph triple in ``graph``."""
        return _quad(t.subject, t.predicate, t.object, self.graphs[graph])

    def remove(self, t, graph: str) -> bool:
        """Take the pyoxigraph triple ``t`` out of ``graph``; False when it is not there."""
        return self.remove_quad(self.ox_quad(t, graph), graph)

    def remove_quad(self, q, graph: str) -> bool:
        if q in self.removed[graph] or q not in self.store:
            return False
        self.removed[graph].add(q)
        self.removals.append(q)
        self.counts[graph] -= 1
        return True

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
        if q in self._added or (q in self.store and q not in self.removed[graph]):
            return
        self._added.add(q)
        self.additions.append(q)
        self.added[graph].append(q)
        self.counts[graph] += 1


def _quad(s, p, o, g):
    import pyoxigraph as ox

    return ox.Quad(s, p, o, g)


# --- removed articles -------------------------------------------------------------------------

def removal(prev: Previous, seeds, store, *, reasoner: str, progress) -> Delta:
    """Take the removed articles (``prev.removed``) out of the current build (``store``,
    read-only) and map the changed ones (``prev.changed``, whose annotation files
    ``seeds.pairs`` yields) again in their place, when the other articles map as they
    did: the mapper's state is folded again from each file's bookkeeping, the asserted
    and background triples go to the graph a full build puts them in, the removed and
    changed files' evidence is replaced, and the closure is computed again from what
    remains (with the engine a full build runs, so the inferred graph, the intermediate
    memberships and the kept engine are a full build's). :class:`Fallback` when another
    file read something a removed or changed one gave."""
    import pyoxigraph as ox

    from kg.model.locate import display_path

    with _damaged_state():
        per = _Per(prev.state["per"])
        order = prev.state["articles"]
        gone = set(prev.removed)
        remaining = [d for d in order if d not in gone]
        old = {d: per[d] for d in list(gone) + [a.doc_id for a in prev.changed or ()]}
        shown = {d: f"{d}.yaml" for d in order}
        evidence = _remap(per, order, gone, seeds, shown)
        mapper = _fold_mapper([per[d] for d in remaining], per[None],
                              [shown[d] for d in sorted(old)])
        _check_speakers(per, old, order, gone, shown)
        files = {a.doc_id: display_path(a.annotation_path) for a in prev.articles}
        records: dict = {}
        for d in remaining:
            for rid, line in per[d]["records"]:
                records.setdefault(rid, (files[d], line))
    progress(f"taking out {len(gone)} removed and {len(old) - len(gone)} changed article(s)")
    graphs = {name: ox.NamedNode(ns.graph_iri(name)) for name in ns.GRAPH_NAMES}
    changes = _Changes(store, graphs, dict(prev.manifest["counts"]))
    _retract(changes, per, remaining, old)
    _drop_evidence(changes, store, graphs["evidence"], per, remaining, old)
    for quad in ox.parse(evidence, format=ox.RdfFormat.N_QUADS):
        changes.add_quad(quad, "evidence")
    return _reclose(prev, seeds, changes, graphs, reasoner, progress, remaining, mapper,
                    records, per.packed_only([*remaining, None]))


class _Per:
    """Each file's bookkeeping in the state (doc id, or None for the background facts ->
    its packed ``bytes``, see :func:`kg.model.mapping.pack`), unpacked when first read,
    once: :class:`Fallback` when it is damaged. Setting an entry sets its packed bytes."""

    def __init__(self, packed: dict):
        self.packed = dict(packed)
        self._open: dict = {}

    def __getitem__(self, doc_id) -> dict:
        try:
            return self._open[doc_id]
        except KeyError:
            pass
        from kg.model.mapping import unpack

        with _damaged_state():
            got = self._open[doc_id] = unpack(self.packed[doc_id])
        return got

    def __setitem__(self, doc_id, packed: bytes) -> None:
        self.packed[doc_id] = packed
        self._open.pop(doc_id, None)

    def __contains__(self, doc_id) -> bool:
        return doc_id in self.packed

    def get(self, doc_id, default=None):
        return self[doc_id] if doc_id in self.packed else default

    def values(self) -> list[dict]:
        return [self[d] for d in self.packed]

    def packed_only(self, doc_ids: list) -> dict:
        """The packed bookkeeping of ``doc_ids`` (what the next state keeps)."""
        with _damaged_state():
            return {d: self.packed[d] for d in doc_ids}


def _remap(per: _Per, order: list[str], gone: set, seeds, shown: dict) -> bytes:
    """Map each changed article (``seeds.pairs``) after the files before it, its
    (packed) bookkeeping replacing the old in ``per``; its evidence as N-Quads."""
    from kg.errors import InputError
    from kg.model.mapping import evidence_nquads, stream_articles

    evidence_iri = ns.graph_iri("evidence")
    out = []
    for article, ann in seeds.pairs:
        pos = order.index(article.doc_id)
        before = _fold_mapper([per[d] for d in order[:pos] if d not in gone],
                              {"sources": [], "refs": []}, [], check=False)
        got: dict = {}
        try:
            _mapped, batches = stream_articles([(article, ann)], seeds.vocab, (),
                                               seeds.wikidata, resume=before,
                                               contributions=got)
            out += [evidence_nquads(batch, evidence_iri) for batch in batches]
        except InputError:  # perhaps only an id a later file defines: a full build says
            raise Fallback(f"{shown[article.doc_id]} changed since the last build, and "
                           "does not map after the files before it") from None
        per[article.doc_id] = got[article.doc_id]
    return b"".join(out)


def _fold_mapper(contribs: list[dict], background: dict, removed: list[str], *,
                 check: bool = True) -> dict:
    """The mapper's state after the files of ``contribs`` in order and the background
    facts (what :meth:`kg.model.mapping._Mapper.state` gives after a full build of
    them); :class:`Fallback` when a remaining file refers to an id, or names in a
    ``within`` a claim, only a removed file defined."""
    ids: set = set()
    labels: dict = {}
    types: dict = {}
    names: dict = {}
    persons: set = set()
    sources: set = set(background["sources"])
    within: list = []
    refs: set = set(background["refs"])
    for c in contribs:
        ids.update(c["ids"])
        types.update((i, tuple(t)) for i, t in c["types"])
        for i, lang, label, path, line in c["labels"]:
            first = labels.setdefault(f"{i}\t{lang}", [label, path, line])
            if first[0] != label:
                raise Fallback(f"record {i!r} is labelled differently in {first[1]} and "
                               f"{path}")
        for key, i in c["names"]:
            names.setdefault(key, set()).add(i)
        persons.update(c["persons"])
        sources.update(c["sources"])
        within.extend(list(w) for w in c["within"])
        refs.update(c["refs"])
    undefined = sorted(refs - ids) if check else ()
    if undefined:
        raise Fallback(f"without the old {', '.join(removed)}, record id "
                       f"{undefined[0]!r} is undefined")
    for rid, _path, _line in within if check else ():
        if rid in types and not {"Claim", "ReportedClaim"} & set(types[rid]):
            raise Fallback(f"without the old {', '.join(removed)}, {rid!r} (which a "
                           "`within` names) is not a claim")
    return {"ids": sorted(ids), "labels": labels,
            "types": {i: list(t) for i, t in types.items()},
            "names": {n: sorted(i) for n, i in names.items()}, "persons": sorted(persons),
            "sources": sorted(sources), "within": within}


def _check_speakers(per: _Per, old: dict, order: list[str], gone: set, shown: dict) -> None:
    """:class:`Fallback` when an article after a removed or changed one (``old``: their
    bookkeeping in the last build; ``per``: now) looked up a speaker name whose records
    that one added to or took out of the speaker index (its mapping could differ)."""
    every: dict = {}
    for c in list(per.values()) + list(old.values()):
        for key, i in c["names"] if c is not per[None] else ():
            every.setdefault(key, set()).add(i)
    for pos, k in enumerate(order):
        if k not in old:
            continue
        before = [per[d] for d in order[:pos] if d not in old]
        pairs = {(key, i) for c in before for key, i in c["names"]}
        persons = {p for c in before for p in c["persons"]}
        now = per.get(k) if k not in gone else {"names": [], "persons": []}
        diff = {tuple(x) for x in old[k]["names"]} ^ {tuple(x) for x in now["names"]}
        changed = {key for key, i in diff if (key, i) not in pairs}
        new_persons = (set(old[k]["persons"]) ^ set(now["persons"])) - persons
        if new_persons:
            changed.update(key for key, i in every.items() if i & new_persons)
        for d in order[pos + 1:]:
            if d not in gone and changed & set(per[d]["lookups"]):
                raise Fallback(f"{shown[d]} names a speaker {shown[k]} defined")


def _nt_triples(lines) -> list:
    import pyoxigraph as ox

    data = "".join(line + " .\n" for line in lines)
    return list(ox.parse(data.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))


def _retract(changes: _Changes, per: _Per, remaining: list[str], old: dict) -> None:
    """Each asserted or background triple the removed or changed files gave (``old``)
    or the changed ones give now goes to the graph a full build puts it in: asserted if
    a remaining file asserts it, else background if one (or background.yaml) gives it
    as such, else none (a triple of the ontology stays in none)."""
    asserted = {t for d in remaining for t in per[d]["asserted"]}
    background = set(per[None]["background"])
    background.update(t for d in remaining for t in per[d]["background"])
    touched = {t for c in old.values() for t in c["asserted"] + c["background"]}
    touched.update(t for d in old if d in per for t in per[d]["asserted"] + per[d]["background"])
    lines = sorted(touched)
    for line, t in zip(lines, _nt_triples(lines), strict=True):
        if changes.ox_quad(t, "ontology") in changes.store:
            continue
        target = "asserted" if line in asserted else \
            "background" if line in background else None
        for graph in ("asserted", "background"):
            if graph != target:
                changes.remove(t, graph)
            else:
                changes.add_quad(changes.ox_quad(t, graph), graph)


def _drop_evidence(changes: _Changes, store, graph, per: _Per, remaining: list[str],
                   old: dict) -> None:
    """The removed and changed files' own evidence (as the last build had it), and the
    reified statements and reference sources nothing remaining supports (a changed
    file's evidence now is added again after)."""
    import pyoxigraph as ox

    subjects = {s for c in old.values() for s in c["evidence"]}
    supports = ox.NamedNode(ns.KG + "supportsStatement")
    statements: set = set()
    for s in sorted(subjects):
        for q in store.quads_for_pattern(ox.NamedNode(s), None, None, graph):
            changes.remove_quad(q, "evidence")
            if q.predicate == supports:
                statements.add(q.object)
    shared = []
    for st in statements:
        if all(q.subject.value in subjects
               for q in store.quads_for_pattern(None, supports, st, graph)):
            shared.append(st)
    used = set(per[None]["sources"]) | {s for d in remaining for s in per[d]["sources"]}
    shared += [ox.NamedNode(s) for c in old.values() for s in c["sources"] if s not in used]
    for node in shared:
        for q in store.quads_for_pattern(node, None, None, graph):
            changes.remove_quad(q, "evidence")


def _reclose(prev: Previous, seeds, changes: _Changes, graphs: dict, reasoner: str, progress,
             remaining: list[str], mapper: dict, records: dict, per: dict) -> Delta:
    """The closure of what remains, revised by DRed in the kept engine when it can be
    (:func:`_revise`), else computed again, and the inferred graph's changes."""
    from kg.model.rdfterms import from_ox, to_ox
    from kg.reason.reasoning import choose_engine, closure
    from kg.reason.tbox import compile_tbox

    revised = _revise(prev, seeds, changes, graphs, reasoner, progress)
    if revised is not None:
        size, engine, hidden, eng = revised
        return _delta_after(prev, seeds, changes, size, engine, hidden, eng, remaining,
                            mapper, records, per)
    store = changes.store
    data = set()
    for name in ("asserted", "background"):
        gone = changes.removed[name]
        for q in store.quads_for_pattern(None, None, None, graphs[name]):
            if q not in gone:
                data.add((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))
        for q in changes.added[name]:
            data.add((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))
    size = len(data)
    engine = choose_engine(reasoner, size)
    progress(f"reasoning ({engine}) over {size} remaining triples")
    hidden: set = set()
    kept: list = []
    inferred = closure(seeds.ontology, data, engine=engine, hidden=hidden, keep=kept)
    stated = set(seeds.ontology)
    g = graphs["inferred"]
    new = {_quad(to_ox(s), to_ox(p), to_ox(o), g)
           for s, p, o in inferred - stated - data}
    for q in store.quads_for_pattern(None, None, None, g):
        if q not in new:
            changes.remove_quad(q, "inferred")
    for q in new:
        changes.add_quad(q, "inferred")
    eng = kept[0] if kept and kept[0].tb is compile_tbox(seeds.ontology) else None
    return _delta_after(prev, seeds, changes, size, engine, hidden, eng, remaining, mapper,
                        records, per)


def _delta_after(prev: Previous, seeds, changes: _Changes, size: int, engine: str,
                 hidden: set, eng, remaining: list[str], mapper: dict, records: dict,
                 per: dict) -> Delta:
    """The delta of a removal, with the state the next build starts from (``eng``, the
    engine holding the closure now; None: no state)."""
    from kg.reason.forward import engine_state

    state = None
    codec = _TermCodec(seeds.ontology)
    if eng is not None and codec.unique:
        try:
            engine_data = engine_state(eng, codec.encode)
        except _NoState:
            pass
        else:
            state = _dumps({**prev.state, "articles": remaining, "mapper": mapper,
                            "engine": engine_data, "per": per,
                            "records": {k: list(v) for k, v in records.items()}})
    return Delta(changes.removals, changes.additions, changes.counts, size, records, hidden,
                 state, engine)


def _revise(prev: Previous, seeds, changes: _Changes, graphs: dict, reasoner: str,
            progress) -> tuple[int, str, set, object] | None:
    """DRed in the engine the last build kept (``rl_engine.revise``): the triples that left
    the asserted and background graphs (and are in neither now) are taken out of the
    closure, the ones new to both put in; the inferred graph changes by what left the
    closure and what is (again) in it. (size, engine, hidden, the engine), or None when
    it does not apply (another reasoner is chosen now, equality), and then nothing has
    changed."""
    from kg.model.rdfterms import from_ox
    from kg.reason.forward import restore_engine
    from kg.reason.reasoning import MAX_GROWTH, MIN_BUDGET, choose_engine, revise_closure
    from kg.reason.tbox import compile_tbox

    size = changes.counts["asserted"] + changes.counts["background"]
    engine = choose_engine(reasoner, size)
    if engine != prev.manifest.get("reasoner") or "engine" not in prev.state:
        return None

    def triples(quads) -> set:
        return {(from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)) for q in quads}

    base = ("asserted", "background")
    left = triples(q for g in base for q in changes.removed[g])
    joined = triples(q for g in base for q in changes.added[g])
    added = {g: set(changes.added[g]) for g in base}

    def still_base(t) -> bool:
        if type(t[0]) is Literal or type(t[1]) is not URIRef:
            return False  # generalised RDF, the reasoner's own: never in a graph
        for g in base:
            q = changes.quad(t, g)
            if q in added[g] or (q in changes.store and q not in changes.removed[g]):
                return True
        return False

    codec = _TermCodec(seeds.ontology)
    tbox = compile_tbox(seeds.ontology)
    with _damaged_state():
        eng = restore_engine(tbox, prev.state["engine"], codec.decode)
    progress("reasoning (incremental, DRed)")
    hidden: set = set()
    budget = max(MIN_BUDGET, MAX_GROWTH * (size + len(seeds.ontology)))
    revised = revise_closure(eng, left - joined, joined - left, still_base, budget, hidden)
    if revised is None:
        return None
    gone, now = revised
    for t in gone:
        changes.remove_quad(changes.quad(t, "inferred"), "inferred")
    for t in joined - left:  # now in the input: not inferred any more
        changes.remove_quad(changes.quad(t, "inferred"), "inferred")
    for t in now:
        if not still_base(t) and t not in seeds.ontology:
            changes.add(t, "inferred")
    return size, engine, hidden, eng
