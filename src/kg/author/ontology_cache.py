"""What ``kg check`` needs from the ontology, computed once per ontology and cached on disk.

Everything here depends only on the ontology (kg's ``kg.ttl`` and a project's
extension), the shapes (``shapes.ttl``) and the kg code that compiles them: the
ontology's triples and :class:`~kg.model.vocabulary.Vocabulary`, the rules
engine's compiled TBox, each class's subclasses, the data shapes compiled to
SPARQL (less the evidence-integrity ones, which only a kg defect can fail) and
the ontology as N-Quads for the in-memory store. Computing them is about a third
of ``kg check`` on the seed; reading them back, 10-20 ms.

The cache file is named by the SHA-256 of every input (the ontology and shapes
files' bytes, the project's extension files, the source of the modules that
read and compile them, the versions of kg, Python, rdflib and pyoxigraph), so it is never
stale: a change to any of them is another file. It lives in ``$KG_CACHE_DIR``,
else ``$XDG_CACHE_HOME/kg``, else ``~/.cache/kg``; when that cannot be written
the facts are simply computed each time. A cache file that cannot be read back
is computed again and replaced.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDFS, BNode, Literal, URIRef

import kg
from kg.model.vocabulary import Vocabulary

#: Bump when the layout of :class:`OntologyFacts` changes.
FORMAT = 1
_KG_DIR = Path(kg.__file__).parent
#: The code whose output is cached: a change to any of it is a new cache key.
_CODE = ("reason", "checks", "model/vocabulary.py", "model/rdfterms.py", "build.py",
         "namespaces.py", "project.py", "resources.py", "author/ontology_cache.py")


@dataclass(frozen=True)
class OntologyFacts:
    triples: frozenset                  # the ontology's rdflib triples
    vocab: Vocabulary
    tbox: object                        # kg.reason.rl_engine.TBox, compiled
    subclasses: dict[str, frozenset[str]]  # class IRI -> itself and every class below it
    shapes: tuple                       # compiled data shapes, evidence-integrity ones left out
    nquads: bytes                       # the ontology in its named graph, N-Quads


def ontology_sources() -> list[tuple[str, bytes]]:
    """(name, bytes) of every ontology input: kg.ttl, shapes.ttl, the project's extension."""
    from kg.project import ontology_files
    from kg.resources import ontology_file

    out = [(name, ontology_file(name).read_bytes()) for name in ("kg.ttl", "shapes.ttl")]
    out += [(str(p), p.read_bytes()) for p in ontology_files()]
    return out


def cache_key(sources: list[tuple[str, bytes]]) -> str:
    import pyoxigraph
    import rdflib

    h = hashlib.sha256(f"{FORMAT} {kg.__version__} {sys.version} {rdflib.__version__} "
                       f"{pyoxigraph.__version__}".encode())
    code = []
    for part in _CODE:
        p = _KG_DIR / part
        code += sorted(p.rglob("*.py")) if p.is_dir() else [p]
    for name, data in sources + [(str(p.relative_to(_KG_DIR)), p.read_bytes()) for p in code]:
        h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


def cache_dir() -> Path:
    if os.environ.get("KG_CACHE_DIR"):
        return Path(os.environ["KG_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kg"


_LAST: dict = {}


def ontology_facts(ontology=None) -> OntologyFacts:
    """The facts of ``ontology`` (an rdflib Graph: computed, kept for the next call with
    the same unchanged Graph) or of the current ontology (kg's and the project's: read
    from the cache file, or computed and written to it)."""
    if ontology is not None:
        if _LAST.get("graph") is not ontology or _LAST.get("size") != len(ontology):
            _LAST.update(graph=ontology, size=len(ontology), facts=compute(ontology))
        return _LAST["facts"]
    try:
        key = cache_key(ontology_sources())
    except OSError:  # an input unreadable: load_ontology says which, as the build does
        return compute(_load_ontology())
    path = cache_dir() / f"check-{key[:32]}.pickle"
    try:
        return _loads(path.read_bytes())
    except Exception:  # noqa: BLE001 - missing, unreadable or from another kg: compute again
        pass
    facts = compute(_load_ontology())
    _store(path, facts)
    return facts


def _load_ontology():
    from kg.build import load_ontology  # imported only when the cache cannot serve

    return load_ontology()


def compute(ontology) -> OntologyFacts:
    import pyoxigraph as ox

    from kg import namespaces as ns
    from kg.checks.shacl_sparql import compiled_data_shapes
    from kg.checks.shapes import evidence_integrity_shapes, show
    from kg.model.rdfterms import quads
    from kg.model.vocabulary import vocabulary_from_graph
    from kg.reason.rl_engine import compile_tbox

    vocab = vocabulary_from_graph(ontology)
    subclasses = {c: frozenset(str(s) for s in ontology.transitive_subjects(
        RDFS.subClassOf, URIRef(c))) for c in vocab.classes.values()}
    skip = evidence_integrity_shapes()
    shapes = tuple(c for c in compiled_data_shapes() if show(c.shape) not in skip)
    store = ox.Store()
    store.bulk_extend(quads(ns.graph_iri("ontology"), ontology))
    out = io.BytesIO()
    store.dump(out, format=ox.RdfFormat.N_QUADS)
    return OntologyFacts(frozenset(ontology), vocab, compile_tbox(ontology), subclasses,
                         shapes, out.getvalue())


def _store(path: Path, facts: OntologyFacts) -> None:
    """Write the cache file atomically; say nothing if it cannot be written (a directory
    not writable, or facts that cannot be pickled: then they are computed each time)."""
    import tempfile

    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".check-", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            _Pickler(f, protocol=pickle.HIGHEST_PROTOCOL).dump(facts)
        os.replace(tmp, path)
        tmp = None
        _prune(path.parent)
    except Exception:  # noqa: BLE001 - a cache that cannot be written is no error
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


#: How many cache files (ontologies, kg versions) are kept; the least recently written go.
KEEP = 8


def _prune(directory: Path) -> None:
    files = sorted(directory.glob("check-*.pickle"), key=lambda p: p.stat().st_mtime,
                   reverse=True)
    for old in files[KEEP:]:
        with contextlib.suppress(OSError):
            old.unlink()


# rdflib's own pickling rebuilds each term through its validating constructors
# (about 50 ms for the compiled TBox); these rebuild them as they were, shared.
_INTERNED: dict = {}


def _uri(value: str) -> URIRef:
    term = _INTERNED.get(value)
    if term is None:
        term = _INTERNED[value] = str.__new__(URIRef, value)
    return term


def _literal(value: str, language, datatype, python_value, ill_typed) -> Literal:
    term = str.__new__(Literal, value)
    for slot, v in (("_language", language), ("_datatype", datatype),
                    ("_value", python_value), ("_ill_typed", ill_typed)):
        object.__setattr__(term, slot, v)
    return term


def _bnode(value: str) -> BNode:
    return str.__new__(BNode, value)


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj):
        if type(obj) is URIRef:
            return _uri, (str(obj),)
        if type(obj) is Literal:
            return _literal, (str(obj), obj._language, obj._datatype, obj._value, obj._ill_typed)
        if type(obj) is BNode:
            return _bnode, (str(obj),)
        return NotImplemented


def _loads(data: bytes) -> OntologyFacts:
    facts = pickle.loads(data)
    if not isinstance(facts, OntologyFacts):
        raise TypeError("not a kg check cache")
    return facts
