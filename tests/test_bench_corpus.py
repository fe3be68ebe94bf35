"""The synthetic corpus of the scale benchmark (bench/generate_corpus.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location("generate_corpus",
                                                  ROOT / "bench" / "generate_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("generate_corpus", mod)
    spec.loader.exec_module(mod)
    return mod


def _files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    _generator().generate(5, out, seed=7)
    return out


def test_deterministic_for_a_seed(corpus, tmp_path):
    gen = _generator()
    gen.generate(5, tmp_path / "again", seed=7)
    assert _files(tmp_path / "again") == _files(corpus)
    gen.generate(5, tmp_path / "other", seed=8)
    assert _files(tmp_path / "other") != _files(corpus)


def test_prefix_of_a_larger_corpus(corpus, tmp_path):
    _generator().generate(6, tmp_path / "six", seed=7)
    six = _files(tmp_path / "six")
    for name, data in _files(corpus).items():
        if name.endswith(".txt") or (name.endswith(".yaml") and name != "background.yaml"):
            assert six[name] == data


def test_builds_with_the_real_loader_and_passes_checks(corpus, tmp_path):
    from kg.build import build

    report = build(corpus, tmp_path / "store", checks="all")
    assert report.articles == 5
    c = report.counts
    # about 200-250 asserted triples per article, entities shared across articles
    assert 180 * 5 <= c["asserted"] <= 260 * 5
    assert c["inferred"] > 0 and c["background"] > 0


def test_entities_are_shared_across_articles(corpus):
    ids_per_file = []
    for path in sorted(corpus.glob("*.yaml")):
        if path.name == "background.yaml":
            continue
        ids_per_file.append({line.split(":", 1)[1].strip() for line in
                             path.read_text(encoding="utf-8").splitlines()
                             if line.startswith("  - id: ")})
    shared = set.intersection(*ids_per_file[:1]) & set.union(*ids_per_file[1:])
    assert len(ids_per_file) == 5
    assert shared, "no record id recurs across articles"


def test_a_corpus_past_the_auto_thresholds_passes_every_check(tmp_path):
    """--checks auto leaves the evidence-integrity checks out of large builds; they
    still hold there: a 100-article corpus (past every auto threshold) passes them all
    with the fast engines."""
    import json

    from kg.build import CHECKS_AUTO_THRESHOLD, build

    corpus = tmp_path / "corpus"
    _generator().generate(100, corpus, seed=3)
    report = build(corpus, tmp_path / "store", checks="all", shapes="sparql", reasoner="rules")
    c = report.counts
    assert c["asserted"] + c["background"] > CHECKS_AUTO_THRESHOLD
    manifest = json.loads((tmp_path / "store" / "current" / "manifest.json").read_text())
    assert (manifest["checks"], manifest["reasoner"]) == ("all", "rules")
