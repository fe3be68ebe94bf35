"""Quotes anchor to code-point offsets that slice the text back to the quote."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.anchoring import AnchorError, anchor, occurrences


def test_unique_quote():
    a = anchor("Held in Istanbul, the talks", "Istanbul")
    assert (a.start, a.end) == (8, 16)


def test_code_points_not_bytes():
    text = "Türkiye’s Foreign Minister"
    a = anchor(text, "Foreign")
    assert text[a.start:a.end] == "Foreign"
    assert a.start == 10


def test_missing_quote_has_typographic_hint():
    with pytest.raises(AnchorError) as e:
        anchor("Moscow’s control", "Moscow's control")
    assert "is not in the article" in str(e.value)
    assert "Moscow’s control" in e.value.hint


def test_ambiguous_quote_lists_occurrences():
    with pytest.raises(AnchorError) as e:
        anchor("a b\na b", "a b")
    assert str(e.value) == "quote 'a b' occurs 2 times (#1 at line 1, #2 at line 2)"
    assert "occurrence: N" in e.value.hint


def test_occurrence_picks_one():
    assert anchor("xx yy xx", "xx", occurrence=2).start == 6
    with pytest.raises(AnchorError, match="occurrence 3 does not exist"):
        anchor("xx yy xx", "xx", occurrence=3)


@given(st.text(min_size=1), st.text(min_size=0), st.text(min_size=0))
def test_anchor_slices_back_to_quote(quote, before, after):
    quote = quote.strip() or "q"
    text = before + quote + after
    n = len(occurrences(text, quote))
    if n == 1:
        a = anchor(text, quote)
        assert text[a.start:a.end] == quote
        assert a.start == len(before)
    else:
        for k in range(1, n + 1):
            a = anchor(text, quote, occurrence=k)
            assert text[a.start:a.end] == quote
        with pytest.raises(AnchorError):
            anchor(text, quote)
