"""Quotes anchor to code-point offsets that slice the text back to the quote."""

import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kg.read.anchoring import AnchorError, anchor, occurrences, unify_line_breaks


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


_NO_CR = st.text(alphabet=st.characters(blacklist_characters="\r"))


@settings(derandomize=True, deadline=None)
@given(_NO_CR.filter(lambda q: q.strip()), _NO_CR, _NO_CR)
def test_anchor_slices_back_to_quote(quote, before, after):
    quote = quote.strip()
    text = before + quote + after
    n = len(occurrences(text, quote))
    if n == 1:
        a = anchor(text, quote)
        assert text[a.start:a.end] == quote == a.exact
        assert a.start == len(before)
    else:
        for k in range(1, n + 1):
            a = anchor(text, quote, occurrence=k)
            assert text[a.start:a.end] == quote
        with pytest.raises(AnchorError):
            anchor(text, quote)


# --- line breaks: a quote's \n matches the article's \r\n, \r or \n -----------------------

@settings(derandomize=True, deadline=None)
@given(st.text(alphabet="ab \n"), st.text(alphabet="ab \n", min_size=1),
       st.text(alphabet="ab \n"), st.sampled_from(["\r\n", "\r", "\n"]))
@example("a\n", "b\nb", "", "\r\n")
def test_a_quote_with_line_breaks_anchors_in_any_line_ending(before, quote, after, ending):
    quote = quote.strip()
    if not quote:
        return
    article = (before + quote + after).replace("\n", ending)
    unified = before + quote + after
    starts = occurrences(unified, quote)
    k = starts.index(len(before)) + 1
    a = anchor(article, quote, occurrence=k)
    assert a.exact == article[a.start:a.end]
    assert a.exact.replace(ending, "\n") == quote
    assert article[:a.start].replace(ending, "\n") == before


def test_crlf_offsets_slice_the_original_text():
    text = "one\r\ntwo\r\nHeld in\r\nIstanbul, the talks"
    a = anchor(text, "in\nIstanbul")
    assert (a.start, a.end) == (15, 27)
    assert a.exact == text[15:27] == "in\r\nIstanbul"
    assert anchor(text, "Istanbul").start == text.index("Istanbul")


def test_unify_line_breaks_maps_positions_back():
    text = "a\r\nb\rc\nd\r\n"
    unified, shifts = unify_line_breaks(text)
    assert unified == "a\nb\nc\nd\n"
    assert shifts == [1, 7]


def test_a_whitespace_difference_is_named():
    with pytest.raises(AnchorError) as e:
        anchor("the ceasefire\r\nproposal", "ceasefire proposal")
    assert e.value.hint == ("the article has 'ceasefire\\r\\nproposal': the white space "
                            "differs (a line break, a non-breaking space or repeated spaces); "
                            "copy it exactly")


# --- Unicode normalisation: exact code points, a hint that says so ---------------------------

@pytest.mark.parametrize("article_form, quote_form, said", [
    ("NFD", "NFC", "the article writes accented letters decomposed (NFD) and the quote "
                   "composed (NFC)"),
    ("NFC", "NFD", "the article writes accented letters composed (NFC) and the quote "
                   "decomposed (NFD)"),
])
def test_nfc_nfd_mismatch_hint(article_form, quote_form, said):
    text = unicodedata.normalize(article_form, "Orbán and Erdoğan met")
    quote = unicodedata.normalize(quote_form, "Orbán")
    with pytest.raises(AnchorError) as e:
        anchor(text, quote)
    assert str(e.value) == f"quote {quote!r} is not in the article"
    assert e.value.hint == (f"{said}: the same letters in other Unicode code points; "
                            "copy the quote from the article's text")


def test_typography_hint_is_not_given_for_identical_looking_text():
    """Before: an NFD quote got 'the article has 'Orbán': copy it exactly', the same word."""
    with pytest.raises(AnchorError) as e:
        anchor("Orbán said", unicodedata.normalize("NFD", "Orbán"))
    assert "copy it exactly" not in e.value.hint


# --- bounded error paths (M5) ---------------------------------------------------------------

def test_many_occurrences_list_five_and_a_count():
    text = "x\n" + "ab " * 300_000
    with pytest.raises(AnchorError) as e:
        anchor(text, "ab")
    assert str(e.value) == ("quote 'ab' occurs 300000 times (#1 at line 2, #2 at line 2, "
                            "#3 at line 2, #4 at line 2, #5 at line 2 and 299995 more)")


def test_exactly_five_occurrences_have_no_more():
    with pytest.raises(AnchorError) as e:
        anchor("a\na\na\na\na", "a")
    assert str(e.value) == ("quote 'a' occurs 5 times (#1 at line 1, #2 at line 2, "
                            "#3 at line 3, #4 at line 4, #5 at line 5)")


def test_a_long_unmatched_quote_in_a_long_article_gets_a_short_hint():
    words = [f"w{i}" for i in range(700_000)]
    text = " ".join(words)  # 4.8 MB
    quote = " ".join(words[10_000:25_000]) + " zzz"  # 98 KB, its last word wrong
    with pytest.raises(AnchorError) as e:
        anchor(text, quote)
    assert str(e.value) == f"quote {quote[:59] + '…'!r} is not in the article"
    assert e.value.hint == ("the first word occurs in the article; check the rest of the "
                            "quote word for word")


def test_a_long_near_miss_shows_the_start_of_the_article_text():
    words = [f"w{i}" for i in range(100_000)]
    text = " ".join(words)
    quote = " ".join(words[500:20_000]).upper()
    with pytest.raises(AnchorError) as e:
        anchor(text, quote)
    shown = " ".join(words[500:20_000])[:59] + "…"
    assert e.value.hint == (f"the article has {shown!r}: copy it exactly (apostrophes ’, "
                            "quotation marks “ ”, dashes — and case matter)")
