"""Why a triple is in the graph: its quotes, or the OWL 2 RL derivation that yields it.

An asserted triple is explained by its evidence (the quotes of the
annotations that support its reified statement, with their offsets, source
document and, for a claim, the speaker); a background triple by its reference
source; an ontology triple is an ontology axiom. An inferred triple is
explained by a derivation tree: the W3C OWL 2 RL rule (prp-inv1, prp-spo2,
cax-sco, ...), the ontology axiom it uses, and its premises, each explained in
turn down to asserted triples. The derivations come from
:mod:`kg.reason.rl_engine` and are computed over the triples of the built graph, so
every premise shown is in the graph and the rule yields the conclusion from
them. One kind of premise is not stored: membership of an anonymous class
expression (``x rdf:type [kg:makesClaim some kg:Claim]``), which the build
drops as reasoner noise; it appears as an *intermediate* step, itself
derived from stored triples.

The functions here read a pyoxigraph store (a built store, or an in-memory
one made from rdflib graphs by :func:`memory_source`) and return plain data;
:func:`to_text` and :func:`to_json` render it.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kg import namespaces as ns
from kg.errors import KgError, UsageError
from kg.model.rdfterms import from_ox, to_ox

Triple = tuple[Node, Node, Node]

#: Status of an explained triple, by the graph that holds it.
STORED = ("ontology", "asserted", "background", "evidence", "inferred")
INTERMEDIATE = "intermediate"   # entailed membership of an anonymous class; not stored
ABSENT = "absent"
CLAIMED = "claimed"   # not in the graph as a fact: only the content of claims

RDF_TYPE = URIRef(ns.RDF + "type")
_OWL = ns.OWL


class NotInGraph(KgError):
    """The triple asked about is not in the built graph (exit status 1)."""


class NotAsserted(NotInGraph):
    """The triple asked about is only what claims say, not a fact (exit status 1)."""


# --------------------------------------------------------------------------- data


@dataclass
class Evidence:
    """One quote (or reference source) that supports a stated triple."""

    quote: str | None           # the exact text; None for a reference source
    start: int | None           # code points, end exclusive
    end: int | None
    document: str | None        # IRI of the source document or reference source
    annotation_file: str | None
    line: int | None
    speaker: str | None = None  # IRI of the claimant when the triple belongs to a claim
    annotation: str | None = None      # IRI of the oa:Annotation
    document_title: str | None = None  # dcterms:title, or the reference source's label
    source_note: str | None = None     # dcterms:source of a background annotation


@dataclass
class Derivation:
    """One rule instance: ``rule`` with ``axiom`` applied to ``premises``."""

    rule: str                   # W3C OWL 2 RL rule name
    axiom: list[Triple]         # the asserted ontology triples it uses
    premises: list[Explanation]
    via: list[str] = field(default_factory=list)  # scm-* rules that derived the axiom used
    alternatives: int = 0       # other one-step derivations of the same conclusion


@dataclass
class ClaimedBy:
    """A claim whose content (a proposition, or a claim it reports) is the triple."""

    claim: str                  # IRI of the kg:Claim
    claimants: list[str]        # kg:claimant: who makes the claim
    reported_speakers: list[str]  # kg:reportedSpeaker: who, by the outer claim, said it
    stated_in: list[str]        # kg:statedIn: the statement or interview
    evidence: list[Evidence]    # the claim's quotes
    reported_by: list[ClaimedBy] = field(default_factory=list)  # outer claims (kg:reports)


@dataclass
class Explanation:
    """Why ``triple`` is in the graph."""

    triple: Triple
    status: str                 # one of STORED, INTERMEDIATE or ABSENT
    evidence: list[Evidence] = field(default_factory=list)
    derivation: Derivation | None = None
    truncated: bool = False     # the depth limit stopped the tree here
    unproved: bool = False      # inferred, but no derivation from stored triples was found
    near: list[tuple[Triple, str]] = field(default_factory=list)  # (triple, graph) if absent
    claims: list[ClaimedBy] = field(default_factory=list)  # if CLAIMED
    expressions: dict[str, str] = field(default_factory=dict)   # blank node -> class text

    def walk(self) -> Iterable[Explanation]:
        """This node and every node below it."""
        yield self
        if self.derivation:
            for p in self.derivation.premises:
                yield from p.walk()


# --------------------------------------------------------------------------- source


#: The file of a build that records what ``kg explain`` needs besides the
#: store: the memberships of anonymous class expressions the closure derived
#: (the build drops them from the graphs). JSON, sorted; no export reads it.
EXPLAIN_SIDECAR = "explain.json"


def explain_sidecar(hidden: Iterable[Triple], ontology: Iterable[Triple],
                    recorded: Iterable[tuple[str, str]] = ()) -> bytes:
    """The sidecar's bytes for the intermediate memberships ``hidden`` (and the rows an
    earlier build ``recorded``, see :func:`read_sidecar`: an incremental build adds to them).

    A blank node's label is not kept by the store, so each class expression
    is named by :func:`bnode_keys` (its structure in ``ontology``).
    """
    keys = bnode_keys(ontology)
    rows = sorted({(str(s), keys[o]) for s, _p, o in hidden if o in keys} | set(recorded))
    return (json.dumps({"intermediate": [list(r) for r in rows]}, indent=0) + "\n"
            ).encode("utf-8")


def read_sidecar(build_dir: Path) -> list[tuple[str, str]] | None:
    """The intermediate memberships a build recorded (subject IRI, class
    expression key), or None (a build made before the sidecar existed)."""
    try:
        data = json.loads((Path(build_dir) / EXPLAIN_SIDECAR).read_text(encoding="utf-8"))
        return [(str(s), str(k)) for s, k in data["intermediate"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def bnode_keys(triples: Iterable[Triple]) -> dict[Node, str]:
    """A key for each blank node of ``triples`` that does not depend on its label:
    a hash of what it says (recursively, through nested blank nodes and lists)
    and of the named resources that point at it."""
    out_edges: dict[Node, list[tuple[str, Node]]] = {}
    in_edges: dict[Node, list[str]] = {}
    for s, p, o in triples:
        if isinstance(s, BNode):
            out_edges.setdefault(s, []).append((str(p), o))
        if isinstance(o, BNode) and not isinstance(s, BNode):
            in_edges.setdefault(o, []).append(f"{s} {p}")
    memo: dict[Node, str] = {}

    def text(b: Node, seen: frozenset) -> str:
        if b in memo:
            return memo[b]
        if b in seen:
            return "(cycle)"
        parts = sorted(f"{p} " + (text(o, seen | {b}) if isinstance(o, BNode)
                                  else o.n3()) for p, o in out_edges.get(b, ()))
        memo[b] = "[" + "; ".join(parts) + "]"
        return memo[b]

    import hashlib

    nodes = set(out_edges) | set(in_edges)
    return {b: hashlib.sha1((text(b, frozenset()) + " <- " + "; ".join(
        sorted(in_edges.get(b, ())))).encode("utf-8")).hexdigest() for b in nodes}


_ABOX_GRAPHS = ("asserted", "background", "inferred")


class _StoreIndex:
    """The ABox of a built store (asserted, background, inferred, the ontology's
    individuals) and the intermediate memberships, looked up in the store on
    demand: what :class:`kg.reason.rl_engine.Explainer` reads, without loading it."""

    def __init__(self, src: Source):
        self.src = src
        self.all = self   # membership: ``t in index.all``
        self._objs: dict = {}   # caches: a proof asks the same questions many times
        self._subjs: dict = {}
        self._has: dict = {}

    def _graphs(self, s) -> list:
        names = list(_ABOX_GRAPHS)
        if s is None or s not in self.src.tb.terms:
            names.append("ontology")
        return [self.src.graphs[n] for n in names]

    def _lookup(self, s, p, o) -> Iterable:
        try:
            pat = tuple(None if x is None else to_ox(x) for x in (s, p, o))
        except TypeError:
            return
        if isinstance(pat[0], ox.Literal) or isinstance(pat[1], (ox.Literal, ox.BlankNode)):
            return
        for g in self._graphs(s):
            for q in self.src.store.quads_for_pattern(*pat, g):
                t = (from_ox(q.subject), from_ox(q.predicate), from_ox(q.object))
                if g == self.src.graphs["ontology"] and t[0] in self.src.tb.terms:
                    continue
                yield t

    @property
    def sp(self) -> _Predicates:
        """The predicates in use (``p in index.sp``), as :class:`_GIndex` has them."""
        return _Predicates(self)

    def __contains__(self, t) -> bool:
        found = self._has.get(t)
        if found is None:
            found = self._has[t] = t in self.src.hidden or any(
                True for _ in self._lookup(*t))
        return found

    def objs(self, s: Node, p: Node) -> set[Node]:
        key = (s, p)
        if key not in self._objs:
            out = {t[2] for t in self._lookup(s, p, None)}
            out |= {h[2] for h in self.src.hidden_of(s) if h[1] == p}
            self._objs[key] = out
        return self._objs[key]

    def subjs(self, p: Node, o: Node) -> set[Node]:
        key = (p, o)
        if key not in self._subjs:
            out = {t[0] for t in self._lookup(None, p, o)}
            if p == RDF_TYPE:
                out |= {h[0] for h in self.src.hidden if h[2] == o}
            self._subjs[key] = out
        return self._subjs[key]


class _Predicates:
    def __init__(self, index: _StoreIndex):
        self.index = index

    def __contains__(self, p) -> bool:
        return any(True for _ in self.index._lookup(None, p, None)) or (
            p == RDF_TYPE and bool(self.index.src.hidden))


class Source:
    """A built graph opened for explanation: the store, its TBox, and the
    derivations, looked up in the store as they are needed.

    ``hidden`` is the set of intermediate memberships the build recorded (see
    :data:`EXPLAIN_SIDECAR`); without it (an in-memory source, or a build made
    before the sidecar existed) it is recomputed from the graph on first use.
    """

    def __init__(self, store: ox.Store, hidden: list[tuple[str, str]] | None = None):
        self.store = store
        self.graphs = {name: ox.NamedNode(ns.graph_iri(name)) for name in ns.GRAPH_NAMES}
        self._recorded = hidden
        self.hidden_recorded = False   # whether ``hidden`` came from the build's record
        self._hidden_set: set[Triple] | None = None
        self._hidden_by_s: dict | None = None
        self._evidence: dict = {}   # stated triple (pyoxigraph terms) -> its evidence
        self._stated: dict[Triple, bool] = {}

    # the TBox is compiled only when a derivation or a class expression is shown

    @cached_property
    def tbox(self) -> set[Triple]:
        return self._triples("ontology")

    @cached_property
    def tbox_props(self) -> dict[Node, dict[str, list[Node]]]:
        props: dict[Node, dict[str, list[Node]]] = {}
        for ts, tp, to in self.tbox:
            if isinstance(ts, BNode):
                props.setdefault(ts, {}).setdefault(str(tp), []).append(to)
        return props

    @cached_property
    def tb(self):
        from kg.reason import rl_engine

        return rl_engine.compile_tbox(self.tbox)

    @cached_property
    def explainer(self):
        from kg.reason import rl_engine

        return rl_engine.Explainer(self.tb, _StoreIndex(self))

    def _resolve(self, recorded: list[tuple[str, str]]) -> set[Triple] | None:
        """The recorded memberships with this store's blank nodes; None if a key
        names no class expression or several (then they are recomputed)."""
        by_key: dict[str, list[Node]] = {}
        for b, k in bnode_keys(self.tbox).items():
            by_key.setdefault(k, []).append(b)
        out = set()
        for s, k in recorded:
            bs = by_key.get(k, [])
            if len(bs) != 1:
                return None
            out.add((URIRef(s), RDF_TYPE, bs[0]))
        return out

    @property
    def hidden(self) -> set[Triple]:
        """Memberships of anonymous class expressions (``x a [restriction]``).

        The build drops them as noise; they are the unstored links between a
        class expression (cls-svf1, cls-int1, ...) and the named class it is a
        subclass of (cax-sco).
        """
        if self._hidden_set is None and self._recorded is not None:
            self._hidden_set = self._resolve(self._recorded)
            self._recorded = None
            self.hidden_recorded = self._hidden_set is not None
        if self._hidden_set is None:
            self._hidden_set = self._compute_hidden()
        return self._hidden_set

    def hidden_of(self, s: Node) -> list[Triple]:
        if self._hidden_by_s is None:
            by: dict = {}
            for t in self.hidden:
                by.setdefault(t[0], []).append(t)
            self._hidden_by_s = by
        return self._hidden_by_s.get(s, [])

    @property
    def asserted(self) -> set[Triple]:
        return self._triples("asserted")

    @property
    def background(self) -> set[Triple]:
        return self._triples("background")

    @property
    def inferred(self) -> set[Triple]:
        return self._triples("inferred")

    @property
    def base(self) -> set[Triple]:
        """Every stated triple of the ABox (loaded: for tests and small graphs)."""
        return (self.asserted | self.background
                | {t for t in self.tbox if t[0] not in self.tb.terms})

    @property
    def abox(self) -> set[Triple]:
        return self.base | self.inferred

    def is_stated(self, t: Triple) -> bool:
        """Whether ``t`` is stated (asserted, background, or an ontology individual's)."""
        found = self._stated.get(t)
        if found is None:
            found = self._stated[t] = self._is_stated(t)
        return found

    def _is_stated(self, t: Triple) -> bool:
        try:
            s, p, o = (to_ox(x) for x in t)
        except TypeError:
            return False
        if isinstance(s, ox.Literal) or isinstance(p, (ox.Literal, ox.BlankNode)):
            return False
        for name in ("asserted", "background"):
            for _q in self.store.quads_for_pattern(s, p, o, self.graphs[name]):
                return True
        if t[0] in self.tb.terms:
            return False
        return any(True for _q in self.store.quads_for_pattern(s, p, o, self.graphs["ontology"]))

    def _triples(self, name: str) -> set[Triple]:
        return {(from_ox(q.subject), from_ox(q.predicate), from_ox(q.object))
                for q in self.store.quads_for_pattern(None, None, None, self.graphs[name])}

    def _compute_hidden(self) -> set[Triple]:
        from kg.reason import rl_engine

        hidden: set[Triple] = set()
        try:
            rl_engine.infer(self.tb, self.base, raise_on_clash=False, hidden=hidden)
        except (ValueError, rl_engine.Inconsistency):
            return set()
        return hidden

    def graph_of(self, t: Triple) -> str | None:
        """The graph that holds ``t`` (each triple is in one graph), or None."""
        try:
            s, p, o = (to_ox(x) for x in t)
        except TypeError:
            return None
        if isinstance(p, (ox.BlankNode, ox.Literal)) or isinstance(s, ox.Literal):
            return None
        for name in ("asserted", "background", "inferred", "ontology", "evidence"):
            for _q in self.store.quads_for_pattern(s, p, o, self.graphs[name]):
                return name
        if t in self.hidden:
            return INTERMEDIATE
        return None


def memory_source(graphs: Mapping[str, Iterable[Triple]]) -> Source:
    """A :class:`Source` over in-memory graphs (name -> rdflib triples)."""
    from kg.model.rdfterms import quads

    store = ox.Store()
    for name, triples in graphs.items():
        store.bulk_extend(quads(ns.graph_iri(name), triples))
    return Source(store)


def open_source(store_or_graphs) -> Source:
    """A Source from a store directory, a BuiltStore, a pyoxigraph Store or graphs."""
    if isinstance(store_or_graphs, Source):
        return store_or_graphs
    if isinstance(store_or_graphs, ox.Store):
        return Source(store_or_graphs)
    if isinstance(store_or_graphs, Mapping):
        return memory_source(store_or_graphs)
    if isinstance(store_or_graphs, (str, Path)):

        return _open_built(Path(store_or_graphs))
    store = getattr(store_or_graphs, "oxigraph", None)
    if isinstance(store, ox.Store):
        return Source(store, read_sidecar(Path(store_or_graphs.path) / "current"))
    raise TypeError(f"cannot explain over {type(store_or_graphs).__name__}")


# --------------------------------------------------------------------------- explain


def _open_built(store_dir: Path) -> Source:
    from kg.store.disk import open_store

    built = open_store(store_dir)
    return Source(built.oxigraph, read_sidecar(Path(built.path) / "current"))


def explain(store_or_graphs, triple: Triple, depth: int | None = None) -> Explanation:
    """Why ``triple`` (rdflib terms) is in the graph, down to ``depth`` derivation steps."""
    src = open_source(store_or_graphs)
    status = src.graph_of(triple)
    if status is None:
        claims = claims_of(src, triple)
        if claims:
            return Explanation(triple, CLAIMED, claims=claims)
        return Explanation(triple, ABSENT, near=near_matches(src, triple))
    expressions: dict[str, str] = {}
    if status in ("inferred", INTERMEDIATE):
        proof = src.explainer.tree(triple, src.is_stated)
        root = _from_proof(src, proof, depth, expressions)
    else:
        root = _stated(src, triple, status)
    for node in root.walk():
        for term in node.triple:
            _describe(src, term, expressions)
        if node.derivation:
            for ax in node.derivation.axiom:
                for term in ax:
                    _describe(src, term, expressions)
    root.expressions = expressions
    return root


def explain_resource(store_or_graphs, resource: Node,
                     depth: int | None = None) -> list[Explanation]:
    """An explanation of every triple whose subject is ``resource``, sorted."""
    src = open_source(store_or_graphs)
    r = to_ox(resource)
    triples = sorted({(from_ox(q.subject), from_ox(q.predicate), from_ox(q.object))
                      for q in src.store.quads_for_pattern(r, None, None, None)
                      if q.graph_name in src.graphs.values()}, key=_sort_key)
    order = {name: i for i, name in enumerate(("asserted", "background", "inferred"))}
    expls = [explain(src, t, depth) for t in triples]
    return sorted(expls, key=lambda e: order.get(e.status, len(order)))


def _sort_key(t: Triple) -> tuple:
    return tuple(str(x) for x in t)


def _stated(src: Source, t: Triple, status: str) -> Explanation:
    if status in ("asserted", "background"):
        return Explanation(t, status, evidence=evidence(src, t))
    return Explanation(t, status)


def _from_proof(src: Source, proof, depth: int | None, expressions: dict) -> Explanation:
    t = proof.triple
    status = src.graph_of(t) or INTERMEDIATE
    if proof.derivation is None:
        if proof.unproved:
            return Explanation(t, status, unproved=True)
        return _stated(src, t, status)
    if depth is not None and depth <= 0:
        return Explanation(t, status, truncated=True)
    d = proof.derivation
    others = len(src.explainer.derivations(t)) - 1
    kids = [_from_proof(src, k, None if depth is None else depth - 1, expressions)
            for k in proof.children]
    return Explanation(t, status, derivation=Derivation(
        d.rule, list(d.axiom), kids, list(d.via), max(others, 0)))


_OA = "http://www.w3.org/ns/oa#"
_DCT = "http://purl.org/dc/terms/"


class _Lookup:
    """Pattern lookups in one graph of the store (pyoxigraph terms)."""

    def __init__(self, store: ox.Store, graph: ox.NamedNode):
        self.store, self.graph = store, graph

    def objs(self, s, p: str) -> list:
        return [q.object for q in self.store.quads_for_pattern(s, ox.NamedNode(p), None,
                                                               self.graph)]

    def subjs(self, p: str, o) -> list:
        return [q.subject for q in self.store.quads_for_pattern(None, ox.NamedNode(p), o,
                                                                self.graph)]

    def has(self, s, p: str, o) -> bool:
        return any(True for _ in self.store.quads_for_pattern(s, ox.NamedNode(p), o,
                                                              self.graph))

    def one(self, s, p: str):
        found = self.objs(s, p)
        return found[0] if found else None


def _quote(ev: _Lookup, target) -> tuple:
    """(document, exact, start, end) of an annotation target."""
    for doc in ev.objs(target, _OA + "hasSource"):
        sels = ev.objs(target, _OA + "hasSelector")
        quotes = [q for q in sels if ev.has(q, ns.RDF + "type", ox.NamedNode(
            _OA + "TextQuoteSelector"))]
        spans = [q for q in sels if ev.has(q, ns.RDF + "type", ox.NamedNode(
            _OA + "TextPositionSelector"))]
        for q in quotes:
            exact = ev.one(q, _OA + "exact")
            for ps in spans:
                start, end = ev.one(ps, _OA + "start"), ev.one(ps, _OA + "end")
                if exact is not None and start is not None and end is not None:
                    return doc.value, exact.value, int(start.value), int(end.value)
    return target.value, None, None, None


def _title(ev: _Lookup, doc: str) -> str | None:
    x = ox.NamedNode(doc)
    title = ev.one(x, _DCT + "title")
    if title is None and ev.has(x, ns.RDF + "type", ox.NamedNode(ns.PROV + "Entity")):
        title = ev.one(x, ns.RDFS + "label")
    return None if title is None else title.value


def _speakers(src: Source, claim) -> set[str]:
    asserted = _Lookup(src.store, src.graphs["asserted"])
    if not isinstance(claim, (ox.NamedNode, ox.BlankNode)) or not asserted.has(
            claim, ns.RDF + "type", ox.NamedNode(ns.KG + "Claim")):
        return set()
    return {x.value for x in asserted.objs(claim, ns.KG + "claimant")}


def _evidence_of(src: Source, key: tuple) -> list[Evidence]:
    """The evidence of one stated triple (pyoxigraph terms): the annotations
    that support its reified statement, looked up in the evidence graph
    (cached on ``src``)."""
    index = src._evidence
    if key in index:
        return index[key]
    ev = _Lookup(src.store, src.graphs["evidence"])
    s, p, o = key
    found = []
    for st in ev.subjs(ns.RDF + "subject", s):
        if not (ev.has(st, ns.RDF + "predicate", p) and ev.has(st, ns.RDF + "object", o)):
            continue
        for ann in ev.subjs(ns.KG + "supportsStatement", st):
            files = ev.objs(ann, ns.KG + "annotationFile") or [None]
            lines = ev.objs(ann, ns.KG + "annotationLine") or [None]
            notes = ev.objs(ann, _DCT + "source") or [None]
            bodies = ev.objs(ann, _OA + "hasBody") or [None]
            who = set().union(*(_speakers(src, b) for b in bodies), _speakers(src, s))
            for target in ev.objs(ann, _OA + "hasTarget"):
                doc, exact, start, end = _quote(ev, target)
                for file, line, note in itertools.product(files, lines, notes):
                    found.append(Evidence(
                        quote=exact, start=start, end=end, document=doc,
                        annotation_file=None if file is None else file.value,
                        line=None if line is None else int(line.value),
                        speaker=", ".join(sorted(who)) or None, annotation=ann.value,
                        document_title=_title(ev, doc), source_note=None if note is None
                        else note.value))
    unique = {(e.annotation, e.document, e.start, e.end): e for e in found}
    index[key] = sorted(unique.values(), key=lambda e: (
        e.document or "", e.start or -1, e.end or -1, e.annotation or ""))
    return index[key]


def claims_of(src: Source, t: Triple) -> list[ClaimedBy]:
    """The claims whose content is ``t``: a kg:Proposition of ``t`` (rdf:subject,
    rdf:predicate, rdf:object) that a claim has as kg:proposition, each with the
    claims that report it (kg:reports), out to the one a claimant makes."""
    try:
        s, p, o = (to_ox(x) for x in t)
    except TypeError:
        return []
    g = src.graphs["asserted"]

    def subjects(pred: str, obj) -> set:
        return {q.subject for q in src.store.quads_for_pattern(None, ox.NamedNode(pred), obj, g)}

    def objects(subj, pred: str) -> list[str]:
        return sorted(q.object.value for q in src.store.quads_for_pattern(
            subj, ox.NamedNode(pred), None, g) if isinstance(q.object, ox.NamedNode))

    props = (subjects(ns.RDF + "subject", s) & subjects(ns.RDF + "predicate", p)
             & subjects(ns.RDF + "object", o))

    def node(claim, via: tuple, content) -> ClaimedBy:
        c = from_ox(claim)
        link = ns.KG + ("proposition" if via == () else "reports")
        outer = [node(x, via + (claim,), claim) for x in sorted(
            subjects(ns.KG + "reports", claim), key=lambda x: x.value) if x not in via]
        return ClaimedBy(
            claim=str(c), claimants=objects(claim, ns.KG + "claimant"),
            reported_speakers=objects(claim, ns.KG + "reportedSpeaker"),
            stated_in=objects(claim, ns.KG + "statedIn"),
            evidence=evidence(src, (c, URIRef(link), from_ox(content))),
            reported_by=outer)

    out = []
    for prop in sorted(props, key=lambda x: str(x)):
        for claim in sorted(subjects(ns.KG + "proposition", prop), key=lambda x: x.value):
            out.append(node(claim, (), prop))
    return out


def evidence(src: Source, t: Triple) -> list[Evidence]:
    """The quotes (or reference sources) that support the stated triple ``t``."""
    try:
        key = tuple(to_ox(x) for x in t)
    except TypeError:
        return []
    if isinstance(key[0], ox.Literal) or isinstance(key[1], (ox.Literal, ox.BlankNode)):
        return []
    return list(_evidence_of(src, key))


def near_matches(src: Source, t: Triple, limit: int = 10) -> list[tuple[Triple, str]]:
    """Stored triples with the same subject and predicate, or subject and object,
    or the reverse direction; each with its graph."""
    s, p, o = t
    out: list[tuple[Triple, str]] = []
    try:
        s_ox, p_ox, o_ox = to_ox(s), to_ox(p), to_ox(o)
    except TypeError:
        return out
    if isinstance(s_ox, ox.Literal):
        return out
    graph_names = {v: k for k, v in src.graphs.items() if k != "evidence"}
    patterns = [(s_ox, p_ox, None), (s_ox, None, o_ox)]
    if not isinstance(o_ox, ox.Literal):
        patterns.append((o_ox, p_ox, s_ox))
    for pat in patterns:
        if isinstance(pat[1], ox.Literal):
            continue
        found = sorted((((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)),
                         graph_names[q.graph_name])
                        for q in src.store.quads_for_pattern(*pat, None)
                        if q.graph_name in graph_names),
                       key=lambda item: (ns.GRAPH_NAMES.index(item[1]), _sort_key(item[0])))
        for item in found:
            if item[0] != t and item not in out:
                out.append(item)
            if len(out) >= limit:
                return out
    return out


# --------------------------------------------------------------------------- parsing


def read_terms(texts: list[str]) -> list:
    """What a user typed, checked without the store: one value or three, each an
    IRI, a prefixed name or a quoted literal (an oxigraph term), ``rdf:type`` for
    ``a`` as the predicate, or None for a label (resolved once the store is open).
    A mistyped IRI or a wrong number of values is an error at once."""
    from kg.query.querying import parse_term

    if len(texts) not in (1, 3):
        raise UsageError(f"give a resource or a triple S P O, not {len(texts)} values",
                         hint="example: kg explain kgr:russia kg:participatesIn "
                              "kgr:istanbul-talks-2025")
    return [RDF_TYPE if i == 1 and text.strip() == "a" else parse_term(text)
            for i, text in enumerate(texts)]


def parse_triple(src: Source, texts: list[str], read: list | None = None) -> tuple:
    """Terms from what a user typed: a resource (one value) or S P O (three).

    Each value is an IRI, a prefixed name, a quoted literal or a label; ``a``
    as the predicate is ``rdf:type``. Returns one term or a triple of terms.
    ``read`` is what :func:`read_terms` made of ``texts``, if already known.
    """
    from kg.query.querying import resolve_label

    read = read_terms(texts) if read is None else read
    names = ("SUBJECT", "PREDICATE", "OBJECT") if len(texts) == 3 else ("RESOURCE",)
    terms = []
    for text, name, term in zip(texts, names, read, strict=True):
        if term is None:
            try:
                term = resolve_label(_lookup(src.store), text, name)
            except UsageError:
                if name != "OBJECT":
                    raise
                term = _literal_object(src, terms, text.strip())
                if term is None:
                    raise
        elif name == "OBJECT" and isinstance(term, ox.Literal):
            term = _literal_object(src, terms, term.value) or term
        terms.append(from_ox(term) if not isinstance(term, Node) else term)
    return tuple(terms) if len(terms) == 3 else terms[0]


def _literal_object(src: Source, sp: list, text: str):
    """The one literal object of (S, P) whose lexical form is ``text``."""
    s, p = (to_ox(x) for x in sp)
    found = {q.object for q in src.store.quads_for_pattern(s, p, None, None)
             if isinstance(q.object, ox.Literal) and q.object.value == text}
    return found.pop() if len(found) == 1 else None


def explain_args(store_dir: Path, texts: list[str], depth: int | None = None
                 ) -> tuple[Source, list[Explanation]]:
    """What ``kg explain`` does: read the terms, open the store, resolve labels, explain.

    Raises :class:`NotInGraph` for a triple (or a resource with no triple)
    that is not in the graph, with the near matches in the hint.
    """

    if depth is not None and depth < 0:
        raise UsageError("--depth must be 0 or more")
    read = read_terms(texts)  # a mistyped term is an error before the store is opened
    src = _open_built(Path(store_dir))
    parsed = parse_triple(src, texts, read)
    if isinstance(parsed, tuple):
        expl = explain(src, parsed, depth)
        if expl.status == ABSENT:
            hint = None
            if expl.near:
                hint = "near matches: " + "; ".join(
                    f"{triple_text(t)} ({g})" for t, g in expl.near)
            raise NotInGraph(f"the triple {triple_text(parsed)} is not in the graph", hint=hint)
        return src, [expl]
    expls = explain_resource(src, parsed, depth)
    if not expls:
        raise NotInGraph(f"{term_text(parsed)} is the subject of no triple in the graph",
                         hint="give a triple S P O, or a resource that has properties")
    return src, expls


# --------------------------------------------------------------------------- rendering

_MANCHESTER = {
    _OWL + "someValuesFrom": "some", _OWL + "allValuesFrom": "only",
    _OWL + "hasValue": "value",
}
_CARD = {_OWL + "maxCardinality": "max", _OWL + "maxQualifiedCardinality": "max",
         _OWL + "cardinality": "exactly", _OWL + "minCardinality": "min"}


def _describe(src: Source, term: Node, out: dict[str, str], seen: frozenset = frozenset()
              ) -> str:
    """Manchester-like text for a blank node of the ontology (a class expression
    or a list), remembered in ``out``; other terms as :func:`term_text`."""
    if not isinstance(term, BNode):
        return term_text(term)
    if str(term) in out:
        return out[str(term)]
    if term in seen:
        return "_:" + str(term)
    seen = seen | {term}
    props = src.tbox_props.get(term, {})

    def d(x):
        return _describe(src, x, out, seen)

    text = None
    if ns.RDF + "first" in props:
        items = []
        node = term
        while isinstance(node, BNode) and len(items) < 50:
            first = src.tbox_props.get(node, {}).get(ns.RDF + "first")
            rest = src.tbox_props.get(node, {}).get(ns.RDF + "rest")
            if not first:
                break
            items.append(d(first[0]))
            node = rest[0] if rest else None
        text = "(" + " ".join(items) + ")"
    elif _OWL + "onProperty" in props:
        prop = d(props[_OWL + "onProperty"][0])
        for key, word in _MANCHESTER.items():
            if key in props:
                text = f"({prop} {word} {d(props[key][0])})"
        for key, word in _CARD.items():
            if key in props:
                n = term_text(props[key][0])
                cls = props.get(_OWL + "onClass")
                text = f"({prop} {word} {n}" + (f" {d(cls[0])})" if cls else ")")
    elif _OWL + "intersectionOf" in props:
        inner = d(props[_OWL + "intersectionOf"][0])
        text = "(" + " and ".join(_split_list(inner)) + ")"
    elif _OWL + "unionOf" in props:
        inner = d(props[_OWL + "unionOf"][0])
        text = "(" + " or ".join(_split_list(inner)) + ")"
    elif _OWL + "complementOf" in props:
        text = f"(not {d(props[_OWL + 'complementOf'][0])})"
    if text is None:
        text = "_:" + str(term)
    out[str(term)] = text
    return text


def _split_list(text: str) -> list[str]:
    """Top-level items of a rendered list ``(a (b c) d)``."""
    body = text[1:-1]
    items, depth, cur = [], 0, ""
    for ch in body:
        if ch == " " and depth == 0:
            if cur:
                items.append(cur)
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    if cur:
        items.append(cur)
    return items


def term_text(term: Node, expressions: Mapping[str, str] | None = None) -> str:
    """A term as a prefixed name, ``<IRI>``, a class expression or an N-Triples literal."""
    if isinstance(term, URIRef):
        short = ns.shorten(str(term))
        return short if short != str(term) else f"<{term}>"
    if isinstance(term, BNode):
        if expressions and str(term) in expressions:
            return expressions[str(term)]
        return "_:" + str(term)
    if isinstance(term, Literal):
        return str(to_ox(term))
    return str(term)


def triple_text(t: Triple, expressions: Mapping[str, str] | None = None) -> str:
    return " ".join(term_text(x, expressions) for x in t)


def collect_iris(expls: Iterable[Explanation]) -> set[str]:
    """Every IRI an explanation mentions (to look up labels for :func:`to_text`)."""
    out: set[str] = set()
    for root in expls:
        for node in root.walk():
            out.update(str(x) for x in node.triple if isinstance(x, URIRef))
            for ev in node.evidence:
                if ev.speaker:
                    out.update(ev.speaker.split(", "))
        stack = list(root.claims)
        while stack:
            c = stack.pop()
            out.update([c.claim, *c.claimants, *c.reported_speakers, *c.stated_in])
            stack.extend(c.reported_by)
        for t, _g in root.near:
            out.update(str(x) for x in t if isinstance(x, URIRef))
    return out


def labels(src: Source, expls: Iterable[Explanation]) -> dict[str, str]:
    from kg.query.querying import labels as lookup

    return lookup(_lookup(src.store), collect_iris(expls))


def _lookup(store: ox.Store):
    """What kg.query.querying's label functions take: a query runner over the store."""
    from kg.query.querying import local_lookup

    return local_lookup(store)


def _labelled(term: Node, names: Mapping[str, str], expressions: Mapping[str, str],
              seen: set | None = None) -> str:
    """A term with its label in parentheses, the first time it is mentioned."""
    text = term_text(term, expressions)
    if isinstance(term, URIRef) and str(term) in names and term != RDF_TYPE:
        if seen is not None:
            if term in seen:
                return text
            seen.add(term)
        return f"{text} ({names[str(term)]})"
    return text


_STATUS_WORDS = {
    "asserted": "asserted",
    "background": "background knowledge",
    "ontology": "ontology axiom",
    "evidence": "evidence record (kgg:evidence)",
    "inferred": "inferred",
    INTERMEDIATE: "intermediate step (an anonymous class; not stored)",
}


def to_text(expl: Explanation | list[Explanation], labels: Mapping[str, str] | None = None
            ) -> str:
    """An indented tree: the triple, then its evidence or its rule, axiom and premises.

    Terms are prefixed names; an IRI with a label in ``labels`` is followed by
    the label, in parentheses, where it is first mentioned in each tree.
    """
    names = labels or {}
    roots = expl if isinstance(expl, list) else [expl]
    blocks = []
    for root in roots:
        lines: list[str] = []
        _text_node(root, names, root.expressions, 0, lines, set())
        blocks.append("\n".join(lines))
    from kg.visible import visible

    return visible("\n\n".join(blocks) + "\n")  # quotes and labels may hold escapes


def _text_node(e: Explanation, names, exprs, indent: int, lines: list[str], seen: set
               ) -> None:
    pad = "  " * indent
    lines.append(pad + " ".join(_labelled(x, names, exprs, seen) for x in e.triple))
    pad += "  "
    if e.status == ABSENT:
        lines.append(pad + "not in the graph")
        return
    if e.status == CLAIMED:
        n = len(e.claims)
        lines.append(pad + "not asserted: only what " + ("a claim says" if n == 1
                                                          else f"{n} claims say"))
        for c in e.claims:
            _text_claim(c, names, indent + 2, lines, seen)
        return
    if e.derivation is None:
        if e.truncated:
            lines.append(pad + f"{_STATUS_WORDS[e.status]} (depth limit reached; "
                         "rerun with a larger --depth)")
        elif e.unproved:
            lines.append(pad + f"{_STATUS_WORDS[e.status]}: no derivation from the stored "
                         "triples was found")
        elif not e.evidence:
            lines.append(pad + _STATUS_WORDS[e.status] +
                         (" with no recorded evidence" if e.status in ("asserted",
                                                                       "background") else ""))
        else:
            lines.append(pad + _STATUS_WORDS[e.status])
            for ev in e.evidence:
                lines.append(pad + "  " + _evidence_text(ev, names, seen))
        return
    d = e.derivation
    head = f"{_STATUS_WORDS[e.status]} by {d.rule}"
    if d.alternatives:
        head += (" (1 other derivation)" if d.alternatives == 1
                 else f" ({d.alternatives} other derivations)")
    lines.append(pad + head)
    for ax in _axiom_texts(d.axiom, exprs):
        lines.append(pad + "  axiom: " + ax)
    if d.via:
        lines.append(pad + "  (the axiom used follows from these by " + ", ".join(d.via) + ")")
    for k in d.premises:
        _text_node(k, names, exprs, indent + 2, lines, seen)


def _text_claim(c: ClaimedBy, names, indent: int, lines: list[str], seen: set) -> None:
    pad = "  " * indent

    def iris(xs: list[str]) -> str:
        return ", ".join(_labelled(URIRef(x), names, {}, seen) for x in xs)

    lines.append(pad + "claim " + _labelled(URIRef(c.claim), names, {}, seen))
    if c.claimants:
        text = "claimed by " + iris(c.claimants)
        if c.stated_in:
            text += " in " + iris(c.stated_in)
        lines.append(pad + "  " + text)
    for ev in c.evidence:
        lines.append(pad + "    " + _evidence_text(
            Evidence(**{**ev.__dict__, "speaker": None}), names, seen))
    if c.reported_speakers or c.reported_by:
        who = iris(c.reported_speakers) if c.reported_speakers else "someone"
        lines.append(pad + f"  said by {who}, as reported in")
        for outer in c.reported_by:
            _text_claim(outer, names, indent + 2, lines, seen)


def _axiom_texts(axiom: list[Triple], exprs: Mapping[str, str]) -> list[str]:
    """Axiom triples as text; the defining triples of one class expression become one line."""
    out: list[str] = []
    defining = {_OWL + "onProperty", _OWL + "someValuesFrom", _OWL + "allValuesFrom",
                _OWL + "hasValue", _OWL + "maxCardinality", _OWL + "maxQualifiedCardinality",
                _OWL + "onClass", _OWL + "intersectionOf", _OWL + "unionOf"}
    for s, p, o in axiom:
        if isinstance(s, BNode) and str(p) in defining and str(s) in exprs:
            text = "class expression " + exprs[str(s)]
        else:
            text = triple_text((s, p, o), exprs)
        if text not in out:
            out.append(text)
    return out


def _evidence_text(ev: Evidence, names: Mapping[str, str], seen: set) -> str:
    where = []
    if ev.annotation_file:
        where.append(ev.annotation_file + (f" line {ev.line}" if ev.line is not None else ""))
    if ev.quote is not None:
        doc = term_text(URIRef(ev.document)) if ev.document else "?"
        text = f"“{ev.quote}” [{ev.start}, {ev.end}) in {doc}"
        if ev.speaker:
            text += ", said by " + ", ".join(
                _labelled(URIRef(x), names, {}, seen) for x in ev.speaker.split(", "))
    else:
        src = term_text(URIRef(ev.document)) if ev.document else "?"
        text = f"reference source {src}"
        if ev.document_title:
            text += f" ({ev.document_title})"
        if ev.source_note:
            text += f": {ev.source_note}"
    if where:
        text += " — " + ", ".join(where)
    return text


def _term_json(term: Node, exprs: Mapping[str, str]) -> dict:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term), "name": term_text(term)}
    if isinstance(term, BNode):
        d = {"type": "bnode", "value": str(term)}
        if str(term) in exprs:
            d["expression"] = exprs[str(term)]
        return d
    d = {"type": "literal", "value": str(term)}
    if term.language:
        d["xml:lang"] = term.language
    elif term.datatype is not None and str(term.datatype) != ns.XSD + "string":
        d["datatype"] = str(term.datatype)
    return d


def _triple_json(t: Triple, exprs: Mapping[str, str]) -> dict:
    return {"subject": _term_json(t[0], exprs), "predicate": _term_json(t[1], exprs),
            "object": _term_json(t[2], exprs), "text": triple_text(t, exprs)}


def to_dict(e: Explanation, labels: Mapping[str, str] | None = None,
            _exprs: Mapping[str, str] | None = None) -> dict:
    """The explanation as plain JSON-ready data."""
    exprs = _exprs if _exprs is not None else e.expressions
    out: dict = {"triple": _triple_json(e.triple, exprs), "status": e.status}
    if labels:
        shown = {str(x) for x in e.triple} | (collect_iris([e]) if e.claims else set())
        out["labels"] = {k: v for k, v in sorted(labels.items()) if k in shown}
    if e.evidence:
        out["evidence"] = [{k: v for k, v in ev.__dict__.items()} for ev in e.evidence]
    if e.derivation:
        d = e.derivation
        out["derivation"] = {
            "rule": d.rule,
            "axiom": [_triple_json(t, exprs) for t in d.axiom],
            "via": list(d.via),
            "alternatives": d.alternatives,
            "premises": [to_dict(k, labels, exprs) for k in d.premises],
        }
    if e.truncated:
        out["truncated"] = True
    if e.unproved:
        out["unproved"] = True
    if e.status == ABSENT:
        out["near"] = [{"triple": _triple_json(t, exprs), "graph": g} for t, g in e.near]
    if e.claims:
        out["claims"] = [_claim_dict(c) for c in e.claims]
    return out


def _claim_dict(c: ClaimedBy) -> dict:
    return {"claim": c.claim, "claimants": c.claimants,
            "reported_speakers": c.reported_speakers, "stated_in": c.stated_in,
            "evidence": [dict(ev.__dict__) for ev in c.evidence],
            "reported_by": [_claim_dict(x) for x in c.reported_by]}


def to_json(expl: Explanation | list[Explanation], labels: Mapping[str, str] | None = None
            ) -> str:
    """JSON text: one object for an Explanation, an array for a list."""
    data = ([to_dict(e, labels) for e in expl] if isinstance(expl, list)
            else to_dict(expl, labels))
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
