"""The store writer goes on with the last evidence batches while the closure is computed
(kg.store.disk.BuildSink.load(wait=False)): a failure on either side, at any moment of
that overlap, still leaves the previous build current and no writer thread behind."""

from __future__ import annotations

import threading

from .helpers import disk_full_error, store_state


def _writers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "kg-store-writer" and t.is_alive()]


def test_interrupted_while_reasoning_beside_the_writer_leaves_the_store(kg, store, before,
                                                                         monkeypatch):
    import kg.build as kgbuild

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(kgbuild, "reason", interrupted)
    r = kg("build", "--store", str(store))
    assert r.exit_code == 130
    assert r.stderr == "Error: interrupted\n"
    assert store_state(store) == before
    assert _writers() == []  # the writer was told to stop before the build was removed


def test_a_writer_failure_found_after_the_evidence_is_reported(kg, store, before, monkeypatch):
    import kg.store.disk as kgstore

    def full(ox, chunks):
        for _ in chunks:
            pass

        def finish() -> float:
            raise OSError(28, "No space left on device")

        return finish

    monkeypatch.setattr(kgstore, "_start_loading", full)
    r = kg("build", "--store", str(store))
    assert r.exit_code == 1
    assert r.stderr == disk_full_error(store)
    assert store_state(store) == before
    assert _writers() == []
