"""The store: written atomically, never answered from silently when stale."""

import os
import shutil
from pathlib import Path

from kg.build import build


def _build(seeds, store):
    return build(seeds, store)


def test_stale_store_is_refused(kg, seeds_copy, tmp_path):
    store = tmp_path / "store"
    _build(seeds_copy, store)
    assert kg("query", "talks", "--store", str(store)).exit_code == 0
    ann = seeds_copy / "000_99214e3abbb71cf3.yaml"
    ann.write_text(ann.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    result = kg("query", "talks", "--store", str(store))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: the built graph at {store} is stale: 000_99214e3abbb71cf3.yaml changed "
        "since the build\nHint: run `kg build` to rebuild it\n")


def test_touching_without_change_is_not_stale(kg, seeds_copy, tmp_path):
    store = tmp_path / "store"
    _build(seeds_copy, store)
    ann = seeds_copy / "000_99214e3abbb71cf3.yaml"
    os.utime(ann, ns=(1, 1))
    assert kg("query", "talks", "--store", str(store)).exit_code == 0


def test_failed_build_keeps_previous_store(kg, seeds_copy, tmp_path):
    store = tmp_path / "store"
    _build(seeds_copy, store)
    before = os.readlink(store / "current")
    ann = seeds_copy / "000_99214e3abbb71cf3.yaml"
    text = ann.read_text(encoding="utf-8")
    ann.write_text(text.replace("Held in Istanbul", "Held in Ankara", 1), encoding="utf-8")
    result = kg("build", "--seeds", str(seeds_copy), "--store", str(store))
    assert result.exit_code == 1
    assert "quote 'Held in Ankara' is not in the article" in result.stderr
    assert os.readlink(store / "current") == before
    assert sorted(p.name for p in (store / "builds").iterdir()) == [before.split("/")[-1]]
    assert [p.name for p in store.iterdir() if p.name.startswith("current.tmp")] == []


def test_failed_checks_keep_previous_store(kg, seeds_copy, tmp_path):
    """A graph that fails its shapes is checked in the new build and never swapped in."""
    store = tmp_path / "store"
    _build(seeds_copy, store)
    before = os.readlink(store / "current")
    ann = seeds_copy / "000_99214e3abbb71cf3.yaml"
    text = ann.read_text(encoding="utf-8")
    broken = text.replace("      - \"Ukraine’s ceasefire proposal\"\n    holder: ukraine\n",
                          "      - \"Ukraine’s ceasefire proposal\"\n", 1)
    assert broken != text
    ann.write_text(broken, encoding="utf-8")
    result = kg("build", "--seeds", str(seeds_copy), "--store", str(store))
    assert result.exit_code == 3
    assert result.stderr.startswith("Error: the graph failed its checks\n")
    assert "position-without-holder-violation: 1 violation(s)" in result.stderr
    assert result.stderr.endswith(
        "Hint: fix the annotation files; the store was not written\n")
    assert os.readlink(store / "current") == before
    assert sorted(p.name for p in (store / "builds").iterdir()) == [before.split("/")[-1]]


def test_a_process_holds_at_most_a_few_builds(tmp_path, monkeypatch):
    """Each build opened keeps a shared lock; the oldest goes past MAX_HELD_BUILDS."""
    import kg.store.disk as kgstore
    from kg.store.disk import open_store

    store = tmp_path / "store"
    _build(Path(__file__).resolve().parent.parent / "seeds", store)
    monkeypatch.setattr(kgstore, "MAX_HELD_BUILDS", 2)
    monkeypatch.setattr(kgstore, "_READERS", {})
    copies = []
    for i in range(3):
        copy = tmp_path / f"copy{i}"
        shutil.copytree(store, copy, symlinks=True)
        copies.append(copy)
        open_store(copy)
    held = list(kgstore._READERS)
    assert held == [str((c / "current").resolve()) for c in copies[1:]]
    kgstore.release_readers()
    assert kgstore._READERS == {}
