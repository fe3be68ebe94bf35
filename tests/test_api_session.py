"""The session API (``kg.open``) and a store that outlives its seeds."""

import shutil

from kg.build import build


def test_a_store_stays_queryable_without_its_seeds(kg, seeds_copy, tmp_path):
    store = tmp_path / "store"
    build(seeds_copy, store)
    before = kg("query", "talks", "--store", str(store), "--format", "csv")
    assert before.exit_code == 0
    shutil.move(seeds_copy, tmp_path / "archived")
    after = kg("query", "talks", "--store", str(store), "--format", "csv")
    assert (after.exit_code, after.stderr) == (0, "")
    assert after.stdout == before.stdout
    assert after.stdout.count("\n") > 1


def test_seeds_that_come_back_edited_make_the_store_stale(kg, seeds_copy, tmp_path):
    store = tmp_path / "store"
    build(seeds_copy, store)
    shutil.move(seeds_copy, tmp_path / "archived")
    shutil.move(tmp_path / "archived", seeds_copy)
    (seeds_copy / "extra.yaml").write_text("{}\n", encoding="utf-8")
    result = kg("query", "talks", "--store", str(store))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: the built graph at {store} is stale: extra.yaml (new) changed since the "
        "build\nHint: run `kg build` to rebuild it\n")
