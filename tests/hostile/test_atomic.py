"""Atomic outputs: a failure at any point leaves the previous file byte-identical, no temp file.

Covers the built store (a failed, an interrupted and a killed build) and the
files written with ``-o`` (export, query, sparql, stats), each through the
public CLI.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .helpers import SEEDS, kg_executable, store_state

OLD = b"previous contents \xe2\x9c\x93\n"


def out_dir(tmp_path: Path) -> tuple[Path, Path]:
    d = tmp_path / "out"
    d.mkdir()
    target = d / "kg.ttl"
    target.write_bytes(OLD)
    return d, target


# --- exports and reports ------------------------------------------------------------------

def test_export_that_does_not_reparse_leaves_the_old_file(kg, store, before, tmp_path,
                                                          monkeypatch):
    d, target = out_dir(tmp_path)
    monkeypatch.setattr("kg.interop.export.serialize_quads", lambda quads, fmt: b"<broken .\n")
    # Turtle is streamed (made file to file), not made by serialize_quads: break it there too.
    monkeypatch.setattr("kg.interop.export._serialized_blocks",
                        lambda lines, fmt, tmp: iter([b"<broken .\n"]))
    r = kg("export", "--store", str(store), "-o", str(target))
    assert r.exit_code == 1
    assert r.stderr.startswith("Error: the turtle output did not re-parse (")
    assert r.stderr.splitlines()[0].endswith(f"{target} left as it was")
    assert target.read_bytes() == OLD
    assert sorted(os.listdir(d)) == ["kg.ttl"]
    assert store_state(store) == before


@pytest.mark.parametrize("where", ["write", "fsync", "replace"])
def test_interrupted_export_leaves_the_old_file(where, kg, store, before, tmp_path,
                                                monkeypatch):
    d, target = out_dir(tmp_path)
    import kg.interop.export as export

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    if where == "fsync":
        monkeypatch.setattr(export.os, "fsync", interrupt)
    elif where == "replace":
        monkeypatch.setattr(export.os, "replace", interrupt)
    else:
        real = export.os.fdopen

        class Half:
            def __init__(self, f):
                self.f = f

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.f.close()

            def write(self, data):
                self.f.write(data[: len(data) // 2])
                raise KeyboardInterrupt

        monkeypatch.setattr(export.os, "fdopen", lambda fd, mode: Half(real(fd, mode)))
    r = kg("export", "--store", str(store), "-o", str(target))
    assert r.exit_code == 130
    assert r.stderr == "Error: interrupted\n"
    assert target.read_bytes() == OLD
    assert sorted(os.listdir(d)) == ["kg.ttl"]
    assert store_state(store) == before


@pytest.mark.parametrize("args", [
    ["query", "talks", "-o", "{out}"],
    ["sparql", "SELECT * WHERE { ?s ?p ?o }", "-o", "{out}"],
    ["stats", "-o", "{out}"],
    ["export", "--format", "nquads", "-o", "{out}"],
])
def test_disk_full_leaves_the_old_file(args, kg, store, before, tmp_path, monkeypatch):
    d = tmp_path / "out"
    d.mkdir()
    target = d / ("result.nq" if "export" in args else "result.csv")
    target.write_bytes(OLD)
    import kg.interop.export as export

    real = export.os.fsync

    def full(fd):
        real(fd)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export.os, "fsync", full)
    r = kg(*[a.replace("{out}", str(target)) for a in args], "--store", str(store))
    assert r.exit_code == 1
    assert r.stderr == (f"Error: cannot write {target}: No space left on device; {target} "
                        "left as it was\n")
    assert "Traceback" not in r.stderr
    assert target.read_bytes() == OLD
    assert sorted(os.listdir(d)) == [target.name]
    assert store_state(store) == before


def test_disk_full_is_a_clean_error_not_an_internal_one(kg, store, tmp_path, monkeypatch):
    target = tmp_path / "result.csv"
    import kg.interop.export as export

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export.os, "fsync", full)
    r = kg("query", "talks", "-o", str(target), "--store", str(store))
    assert r.exit_code == 1
    assert r.stderr == (f"Error: cannot write {target}: No space left on device; {target} "
                        "left as it was\n")
    assert list(tmp_path.iterdir()) == [store]


def test_output_into_a_missing_directory_is_a_clean_error(kg, store, tmp_path):
    target = tmp_path / "no" / "such" / "dir" / "out.ttl"
    r = kg("export", "--store", str(store), "-o", str(target))
    assert r.exit_code == 1
    assert r.stderr == (f"Error: cannot write {target}: No such file or directory\n"
                        "Hint: check that the directory exists and is writable\n")
    assert not (tmp_path / "no").exists()


def test_failed_query_writes_nothing(kg, store, before, tmp_path):
    d, target = out_dir(tmp_path)
    r = kg("sparql", "--store", str(store), "--timeout", "1", "-o", str(target),
           "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }")
    assert r.exit_code == 1
    assert r.stderr.startswith("Error: <argument>: the query ran longer than 1 s and was "
                               "stopped\n")
    assert target.read_bytes() == OLD
    assert sorted(os.listdir(d)) == ["kg.ttl"]
    assert store_state(store) == before


# --- the built store -------------------------------------------------------------------------

def test_failed_build_leaves_the_store(kg, store, before, seeds_copy):
    ann = seeds_copy / "000_99214e3abbb71cf3.yaml"
    text = ann.read_text(encoding="utf-8")
    ann.write_text(text.replace("type: State", "type: Stat", 1), encoding="utf-8")
    line = text[: text.index("type: State")].count("\n")  # the record's '- id:' line
    r = kg("build", "--seeds", str(seeds_copy), "--store", str(store))
    assert r.exit_code == 1
    first = r.stderr.splitlines()[0]
    assert first.startswith(f"Error: {ann}:{line}: unknown class 'Stat' for record 'russia'") \
        or first.startswith("Error: ") and f":{line}: unknown class 'Stat'" in first
    assert store_state(store) == before


def test_build_interrupted_while_writing_leaves_the_store(kg, store, before, monkeypatch):
    import kg.model.rdfterms as rdfterms

    real = rdfterms.nquads
    calls = []

    def interrupted(graph, triples):
        calls.append(graph)
        if len(calls) > 1:  # after the first article, while the new store is open
            raise KeyboardInterrupt
        return real(graph, triples)

    monkeypatch.setattr(rdfterms, "nquads", interrupted)
    r = kg("build", "--store", str(store))
    assert r.exit_code == 130
    assert r.stderr == "Error: interrupted\n"
    assert store_state(store) == before


def test_build_interrupted_in_the_checks_waits_for_the_compaction(kg, store, before,
                                                                   monkeypatch):
    """The store is compacted on a second thread while the checks run: a Ctrl-C in
    the checks waits for it before the new build is removed."""
    import kg.build as build
    import kg.store.disk as disk

    real = disk._start_optimizing
    settled = []

    def optimizing(ox, timings):
        wait = real(ox, timings)

        def settle():
            seconds = wait()
            settled.append(timings["store-optimize"] > 0)
            return seconds
        return settle

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(disk, "_start_optimizing", optimizing)
    monkeypatch.setattr(build, "check_build", interrupted)
    r = kg("build", "--store", str(store))
    assert (r.exit_code, r.stderr) == (130, "Error: interrupted\n")
    assert settled == [True]
    assert store_state(store) == before


def test_compaction_failing_beside_the_checks_leaves_the_store(kg, store, before,
                                                              monkeypatch):
    """An error of the compaction (a full disk) reaches the user after the checks, as a
    one-line error, and the previous build stays."""
    import errno

    import kg.store.disk as disk

    class FullDisk:
        def optimize(self):
            raise OSError(errno.ENOSPC, "No space left on device")

    real = disk._start_optimizing
    monkeypatch.setattr(disk, "_start_optimizing", lambda ox, timings: real(FullDisk(), timings))
    r = kg("build", "--store", str(store))
    assert r.exit_code == 1
    assert r.stderr == (f"Error: cannot write the store at {store}: No space left on device; "
                        "the previous build is still current\n"
                        "Hint: free some disk space, or pass --store a directory on another "
                        "disk\n")
    assert store_state(store) == before


def whole(store_dir: Path) -> bool:
    """The current build holds exactly the quads its manifest counts, graph by graph."""
    import json

    import pyoxigraph as ox

    from kg import namespaces as ns

    current = (store_dir / "current").resolve()
    manifest = json.loads((current / "manifest.json").read_text(encoding="utf-8"))
    st = ox.Store.read_only(str(current / "oxigraph"))
    held = {name: sum(1 for _ in st.quads_for_pattern(None, None, None,
                                                    ox.NamedNode(ns.graph_iri(name))))
            for name in ns.GRAPH_NAMES}
    del st
    return held == manifest["counts"]


def test_sigint_at_any_moment_leaves_a_whole_store(store, before, tmp_path):
    """A real SIGINT to a real `kg build`, at several moments: old or new, never half."""
    outcomes = []
    # From 1.5 s on: a Ctrl-C while Python is still importing kg is not kg's to handle.
    for delay in (1.5, 3.0, 4.5):
        proc = subprocess.Popen([kg_executable(), "build", "--seeds", str(SEEDS),
                                 "--store", str(store)],
                                cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        outcomes.append(proc.returncode)
        assert b"Traceback" not in err, err.decode()
        assert proc.returncode in (0, 130), err.decode()
        if proc.returncode == 130:
            assert err.decode().splitlines()[-1] == "Error: interrupted"
        after = store_state(store)
        if proc.returncode == 130 and after["link"] == before["link"]:
            assert after == before
        assert whole(store)
        assert len(after["builds"]) == 1
        assert after["entries"] == [".kg-store", "builds", "current"]
    assert 130 in outcomes
