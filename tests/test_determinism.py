"""The suite's property tests draw the same examples on every run (tests/conftest.py)."""

import os

import pytest
from hypothesis import settings


@pytest.mark.skipif(os.environ.get("KG_HYPOTHESIS_PROFILE", "kg") != "kg",
                    reason="another Hypothesis profile was asked for")
def test_property_tests_are_derandomized_and_keep_no_database():
    current = settings()
    assert current.derandomize is True
    assert current.database is None
