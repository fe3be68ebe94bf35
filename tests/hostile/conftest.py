"""Fixtures of the hostile-input tests: a private copy of the built store per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import copy_store, graph_hash, store_state


@pytest.fixture(scope="session")
def seed_hash(built_store) -> str:
    """The canonical hash of the seed graph, as built."""
    return graph_hash(built_store)


@pytest.fixture
def store(tmp_path, built_store) -> Path:
    """A private copy of the built store that a test may try to damage."""
    return copy_store(built_store, tmp_path / "kgstore")


@pytest.fixture
def before(store) -> dict:
    """The store's state before the test did anything."""
    return store_state(store)
