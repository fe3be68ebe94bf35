"""`kg explain` reads what the build recorded: the explain.json sidecar of the
intermediate memberships, and the store (no closure is recomputed)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kg.insight.explain import (
    EXPLAIN_SIDECAR,
    INTERMEDIATE,
    Source,
    bnode_keys,
    explain,
    read_sidecar,
    to_json,
)
from kg.store.disk import open_store

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from kg.build import build

    path = tmp_path_factory.mktemp("explain-build") / ".kg"
    build(SEEDS, path, checks="none")
    return path


def recorded(store: Path) -> Source:
    return Source(open_store(store).oxigraph, read_sidecar(store / "current"))


def recomputed(store: Path) -> Source:
    return Source(open_store(store).oxigraph)


def test_the_build_records_the_intermediate_memberships(store):
    rows = read_sidecar(store / "current")
    assert rows is not None and len(rows) == 15
    src = recorded(store)
    assert src.hidden == recomputed(store).hidden
    assert src.hidden_recorded                  # taken from the sidecar, not recomputed
    data = json.loads((store / "current" / EXPLAIN_SIDECAR).read_text("utf-8"))
    assert data["intermediate"] == sorted(data["intermediate"])


def test_explanations_from_the_record_equal_the_recomputed_ones(store):
    """Every inferred triple: the same tree, whether the intermediate memberships
    come from the build's record or from the closure computed again."""
    a, b = recorded(store), recomputed(store)
    inferred = sorted(a.inferred, key=lambda x: tuple(map(str, x)))
    assert len(inferred) > 400
    with_intermediate = 0
    for triple in inferred:
        ea, eb = explain(a, triple), explain(b, triple)
        assert to_json(ea) == to_json(eb), triple
        with_intermediate += any(n.status == INTERMEDIATE for n in ea.walk())
    assert with_intermediate > 0


def test_a_build_without_the_record_is_explained_the_same(kg, store, tmp_path):
    """A store built before the sidecar existed: explain recomputes what it needs."""
    old = tmp_path / ".kg"
    shutil.copytree(store, old, symlinks=True)
    (old / "current" / EXPLAIN_SIDECAR).unlink()
    assert read_sidecar(old / "current") is None
    args = ("kgr:russia", "kg:participatesIn", "kgr:istanbul-talks-2025")
    new = kg("explain", "--store", str(store), *args, "--format", "json")
    again = kg("explain", "--store", str(old), *args, "--format", "json")
    assert new.exit_code == again.exit_code == 0
    assert new.output == again.output
    assert json.loads(new.output)["status"] == "inferred"


def test_a_record_naming_no_class_expression_is_recomputed(store):
    src = Source(open_store(store).oxigraph, [("https://w3id.org/kg/id/russia", "0" * 40)])
    assert src.hidden == recomputed(store).hidden
    assert not src.hidden_recorded


def test_blank_node_keys_do_not_depend_on_labels():
    from rdflib import BNode, URIRef

    p, c, d = (URIRef(f"https://example.org/{x}") for x in "pcd")
    one = [(c, p, BNode("x1")), (BNode("x1"), p, BNode("y1")), (BNode("y1"), p, d)]
    two = [(c, p, BNode("zz")), (BNode("zz"), p, BNode("q")), (BNode("q"), p, d)]
    k1, k2 = bnode_keys(one), bnode_keys(two)
    assert k1[BNode("x1")] == k2[BNode("zz")] and k1[BNode("y1")] == k2[BNode("q")]
    assert k1[BNode("x1")] != k1[BNode("y1")]
