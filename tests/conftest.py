"""Shared fixtures: the repository paths, a built store, and a CLI runner."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

from kg.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
if str(ROOT) not in sys.path:  # the development tools (tools/) are not installed with kg
    sys.path.insert(0, str(ROOT))
ARTICLE = SEEDS / "000_99214e3abbb71cf3.txt"
# Property tests draw the same examples on every run (a failure they find becomes an
# explicit regression case); KG_HYPOTHESIS_PROFILE=explore draws new ones.
settings.register_profile("kg", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("KG_HYPOTHESIS_PROFILE", "kg"))
# kg check's ontology cache goes to a directory of this run, never the user's ~/.cache
os.environ["KG_CACHE_DIR"] = tempfile.mkdtemp(prefix="kg-test-cache-")


@pytest.fixture(scope="session")
def article_text() -> str:
    return ARTICLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def built_store(tmp_path_factory) -> Path:
    """The seed graph, built once per test session with the library API."""
    from kg.build import build

    store = tmp_path_factory.mktemp("store") / ".kg"
    build(SEEDS, store)
    return store


@pytest.fixture(scope="session")
def dataset():
    from kg.build import build_in_memory

    return build_in_memory(SEEDS)


@pytest.fixture
def seeds_copy(tmp_path) -> Path:
    """A private copy of seeds/ that a test may edit."""
    dest = tmp_path / "seeds"
    shutil.copytree(SEEDS, dest)
    return dest


class Kg:
    """Runs the ``kg`` command line in-process and returns click's Result."""

    def __init__(self):
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, env: dict | None = None):
        return self.runner.invoke(cli, list(args), input=input, env=env,
                                  catch_exceptions=False)


@pytest.fixture
def kg() -> Kg:
    return Kg()
