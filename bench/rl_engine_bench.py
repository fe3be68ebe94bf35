"""Benchmark of kg.reason.rl_engine against owlrl on a synthetic news-like ABox.

    python bench/rl_engine_bench.py --articles 1000 --runs 3 [--owlrl] [--check]

The generator reads the ontology's vocabulary (named classes, properties with
their closed domains and ranges) and writes, per article, a document with
literals and about 25 resources typed by ontology classes, linked by object
properties whose domain and range the resources satisfy (so the ABox stays
consistent), about 230 asserted triples per article.  A fifth of the
resources of an article are reused from a shared pool (countries, leaders),
as in real news.  Each measurement runs in a fresh subprocess so that the
peak RSS is the measurement's own.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "kg.ttl"
KGR = Namespace("https://w3id.org/kg/id/")
KGD = Namespace("https://w3id.org/kg/doc/")

_SAMPLE = {
    XSD.date: lambda r: Literal(f"20{r.randint(10, 25)}-0{r.randint(1, 9)}-1{r.randint(0, 9)}",
                                datatype=XSD.date),
    XSD.integer: lambda r: Literal(r.randint(0, 10_000)),
    XSD.boolean: lambda r: Literal(r.random() < 0.5),
    XSD.duration: lambda r: Literal(f"P{r.randint(1, 90)}D", datatype=XSD.duration),
    XSD.gYear: lambda r: Literal(str(r.randint(1700, 2025)), datatype=XSD.gYear),
}


def _literal(rng_classes: set, r: random.Random) -> Literal:
    for dt, make in _SAMPLE.items():
        if dt in rng_classes:
            return make(r)
    return Literal(f"text {r.randint(0, 10**9)}", lang="en")


def synthetic_abox(tbox: Graph, n_articles: int, seed: int = 0,
                   per_article: int = 57) -> list[tuple]:
    """A consistent random ABox in the ontology's vocabulary."""
    from kg.reason.rl_engine import compile_tbox

    tb = compile_tbox(tbox)
    r = random.Random(seed)
    classes = sorted({c for c in tbox.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)},
                     key=str)
    # a class is usable when it has no disjointness with one of its own superclasses
    sup = {c: (tb.sup_c.get(c, set()) | {c}) for c in classes}
    obj_props = sorted({p for p in tbox.subjects(RDF.type, OWL.ObjectProperty)
                        if isinstance(p, URIRef)}, key=str)
    data_props = sorted({p for p in tbox.subjects(RDF.type, OWL.DatatypeProperty)
                         if isinstance(p, URIRef)}, key=str)
    # inverse properties: subject/object constraints of the inverse apply too
    def needs(p: URIRef) -> tuple[set, set]:
        dom = set(tb.dom.get(p, ())) - {OWL.Thing}
        rng = set(tb.rng.get(p, ())) - {OWL.Thing}
        for q in tb.inv.get(p, ()):
            dom |= set(tb.rng.get(q, ())) - {OWL.Thing}
            rng |= set(tb.dom.get(q, ())) - {OWL.Thing}
        return dom, rng

    prop_needs = {p: needs(p) for p in obj_props}
    # transitive properties (kg:locatedIn) form a forest, as place containment does
    # in the news; their inverses are left to inference
    tree_props = {p for p in obj_props if p in tb.trp}
    obj_props = [p for p in obj_props
                 if not any(q in tb.trp for q in tb.inv.get(p, ())) or p in tree_props]
    parent: dict[tuple[URIRef, URIRef], URIRef] = {}
    pool_index: dict[URIRef, int] = {}
    # chains and transitivity derive links whose domains must also hold: only use
    # a property if some class satisfies its domain and another its range
    out: list[tuple] = []
    pool: list[tuple[URIRef, URIRef]] = []   # shared resources (iri, class)

    def fits(c: URIRef, need: set) -> bool:
        return need <= sup[c]

    def new_resource(tag: str) -> tuple[URIRef, URIRef]:
        c = r.choice(classes)
        x = KGR[f"{tag}-{len(out)}"]
        out.append((x, RDF.type, c))
        out.append((x, RDFS.label, Literal(f"{c.split('#')[-1]} {len(out)}", lang="en")))
        return x, c

    for i in range(max(20, n_articles // 10)):
        pool.append(new_resource(f"shared{i}"))
        pool_index[pool[-1][0]] = i
    for a in range(n_articles):
        doc = KGD[f"article-{a}"]
        out.append((doc, RDF.type, URIRef("https://w3id.org/kg/ontology#NewsArticle")))
        out.append((doc, URIRef("http://purl.org/dc/terms/title"),
                    Literal(f"Article {a}", lang="en")))
        out.append((doc, URIRef("http://purl.org/dc/terms/date"),
                    Literal(f"2025-05-{a % 28 + 1:02d}", datatype=XSD.date)))
        local = [new_resource(f"a{a}r{j}") for j in range(per_article)]
        local += r.sample(pool, min(len(pool), per_article // 5))
        for x, c in local:
            for _ in range(r.randint(3, 7)):
                if r.random() < 0.25 and data_props:
                    p = r.choice(data_props)
                    if fits(c, set(tb.dom.get(p, ())) - {OWL.Thing}):
                        out.append((x, p, _literal(set(tb.rng.get(p, ())), r)))
                    continue
                p = r.choice(obj_props)
                dom, rng = prop_needs[p]
                if not fits(c, dom):
                    continue
                if p in tree_props:
                    if (x, p) in parent:
                        continue
                    limit = pool_index.get(x, len(pool))
                    cands = [(y, d) for y, d in pool[:limit] if fits(d, rng)][-50:]
                    if cands:
                        y, _d = r.choice(cands)
                        parent[(x, p)] = y
                        out.append((x, p, y))
                    continue
                cands = [(y, d) for y, d in local if y != x and fits(d, rng)]
                if cands:
                    y, _d = r.choice(cands)
                    out.append((x, p, y))
    return out


def _consistent(tbox: Graph, abox: list[tuple]) -> list[tuple]:
    """Drop the triples of resources that take part in a clash (a few rounds)."""
    from kg.reason.rl_engine import check

    for _ in range(5):
        clashes = check(tbox, abox)
        if not clashes:
            return abox
        bad = {x for c in clashes for x in c.resources if isinstance(x, URIRef)}
        abox = [t for t in abox if t[0] not in bad and t[2] not in bad]
    return abox


def corpus(n_articles: int, seed: int = 0, ontology: Path = ONTOLOGY) -> tuple[Graph, list]:
    tbox = Graph().parse(ontology)
    return tbox, _consistent(tbox, synthetic_abox(tbox, n_articles, seed))


def _measure(engine: str, n_articles: int, seed: int) -> dict:
    """Runs in a subprocess: one timed closure, peak RSS."""
    import resource

    tbox, abox = corpus(n_articles, seed)
    import gc

    gc.collect()
    with open("/proc/self/statm") as f:
        rss_before = int(f.read().split()[1]) * resource.getpagesize() / 2**20
    t0 = time.perf_counter()
    if engine == "rl_engine":
        from kg.reason.rl_engine import infer

        n = len(infer(tbox, abox))
    else:
        import owlrl

        from kg.reason.rl_engine import tbox_terms, user_visible

        g = Graph()
        for t in tbox:
            g.add(t)
        for t in abox:
            g.add(t)
        before = set(g)
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
        terms = tbox_terms(tbox)
        n = sum(1 for t in g if t not in before and user_visible(t, terms))
    dt = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"engine": engine, "articles": n_articles, "asserted": len(abox),
            "inferred_visible": n, "seconds": round(dt, 2), "peak_rss_mb": round(rss),
            "rss_with_corpus_before_mb": round(rss_before)}


def _run_child(engine: str, n: int, seed: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", engine, "--articles", str(n),
                          "--seed", str(seed)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--owlrl", action="store_true", help="also time owlrl (slow)")
    ap.add_argument("--check", action="store_true", help="compare the inferences with owlrl")
    ap.add_argument("--derive", action="store_true",
                    help="time one derivation step for every inferred triple")
    ap.add_argument("--child", choices=["rl_engine", "owlrl"])
    a = ap.parse_args()
    if a.child:
        print(json.dumps(_measure(a.child, a.articles, a.seed)))
        return
    runs = [_run_child("rl_engine", a.articles, a.seed) for _ in range(a.runs)]
    med = statistics.median(x["seconds"] for x in runs)
    print(json.dumps({**runs[0], "seconds_runs": [x["seconds"] for x in runs],
                      "seconds_median": med,
                      "peak_rss_mb": max(x["peak_rss_mb"] for x in runs)}))
    if a.owlrl:
        print(json.dumps(_run_child("owlrl", a.articles, a.seed)))
    if a.derive:
        print(json.dumps(derive_all(a.articles, a.seed)))
    if a.check:
        diff = compare_with_owlrl(a.articles, a.seed)
        print(json.dumps({"check": "identical" if not any(diff) else "DIFFERENT",
                          "only_rl_engine": len(diff[0]), "only_owlrl": len(diff[1])}))


def derive_all(n_articles: int, seed: int = 0) -> dict:
    """derivations() for every visible inferred triple; all must have one."""
    from kg.reason.rl_engine import Explainer, infer

    tbox, abox = corpus(n_articles, seed)
    every = infer(tbox, abox, visible_only=False)
    graph = set(tbox) | set(abox) | every
    t0 = time.perf_counter()
    ex = Explainer(tbox, graph)
    t_index = time.perf_counter() - t0
    visible = infer(tbox, abox)
    t0 = time.perf_counter()
    missing = sum(1 for t in visible if not ex.derivations(t))
    dt = time.perf_counter() - t0
    sample = sorted(visible, key=str)[:: max(1, len(visible) // 200)]
    t0 = time.perf_counter()
    asserted = set(tbox) | set(abox)
    unproved = sum(1 for t in sample if ex.tree(t, asserted).unproved)
    t_tree = time.perf_counter() - t0
    return {"derivations_for": len(visible), "without_derivation": missing,
            "index_seconds": round(t_index, 2), "derivations_seconds": round(dt, 2),
            "trees": len(sample), "unproved_trees": unproved,
            "tree_seconds": round(t_tree, 2)}


def compare_with_owlrl(n_articles: int, seed: int = 0) -> tuple[set, set]:
    import owlrl

    from kg.reason.rl_engine import infer, tbox_terms, user_visible

    tbox, abox = corpus(n_articles, seed)
    mine = infer(tbox, abox)
    g = Graph()
    for t in tbox:
        g.add(t)
    for t in abox:
        g.add(t)
    before = set(g)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    terms = tbox_terms(tbox)
    ref = {t for t in g if t not in before and user_visible(t, terms)}
    return mine - ref, ref - mine


if __name__ == "__main__":
    main()
