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


def test_open_gives_the_data_the_commands_render(kg, built_store):
    import kg as library

    with library.open(built_store) as s:
        talks = s.query("talks")
        csv = kg("query", "talks", "--store", str(built_store), "--format", "csv").stdout
        assert talks.kind == "select"
        assert csv.splitlines()[0] == ",".join(talks.variables)
        assert len(talks) == len(csv.splitlines()) - 1 > 0
        assert all(set(d) <= set(talks.variables) for d in talks.dicts())
        asked = s.sparql("ASK { kgr:russia a kg:State }")
        assert (asked.kind, asked.boolean) == ("ask", True)
        exported = kg("export", "--store", str(built_store), "--format", "nquads").stdout_bytes
        assert s.export("nquads") == exported
        from kg.insight.stats import to_json

        shown = kg("stats", "--store", str(built_store), "--format", "json").stdout
        assert to_json(s.stats()) == shown
        assert s.stats().graphs["asserted"] > 0


def test_query_parameters_are_bound_by_label(built_store):
    import kg as library

    s = library.open(built_store)
    by_label = s.query("positions-of-actor", actor="Russia")
    by_iri = s.query("positions-of-actor", {"actor": "kgr:russia"})
    assert by_label.rows == by_iri.rows
    assert by_label.rows


def test_a_session_on_no_store_is_a_store_error(tmp_path):
    import pytest

    import kg as library
    from kg.errors import StoreError

    with pytest.raises(StoreError, match="no built graph at"):
        library.open(tmp_path / "nothing")


def test_the_api_reference_example_runs(built_store, monkeypatch, capsys):
    import re
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 1
    monkeypatch.setenv("KG_STORE", str(built_store))
    exec(compile(blocks[0], "docs/api.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out == ["['talks', 'place', 'participant', 'quote']",
                   "https://w3id.org/kg/id/istanbul-talks-2025",
                   "https://w3id.org/kg/id/istanbul-talks-2025", "inferred"]


def test_show_and_explain_return_what_the_commands_render(kg, built_store):
    import kg as library
    from kg.cli.show_cmd import to_json
    from kg.insight.explain import NotInGraph

    s = library.open(built_store)
    shown = kg("show", "Türkiye", "--store", str(built_store), "--format", "json").stdout
    assert to_json(s.show("Türkiye")) == shown
    why = s.explain("kgr:russia", "kg:participatesIn", "kgr:istanbul-talks-2025")
    assert [e.status for e in why] == ["inferred"]
    assert len(s.explain("kgr:russia")) > 1
    import pytest

    with pytest.raises(NotInGraph, match="is not in the graph"):
        s.explain("kgr:russia", "kg:participatesIn", "kgr:russia")


def test_an_endpoint_session_refuses_what_needs_the_store(monkeypatch):
    import pytest

    import kg as library
    from kg.errors import UsageError

    s = library.connect("http://127.0.0.1:9/query")
    with pytest.raises(UsageError, match="stats needs a built store, not an endpoint"):
        s.stats()
