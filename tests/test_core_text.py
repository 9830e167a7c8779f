"""Text cleanup: whitespace and arXiv line wraps go, LaTeX and letters stay."""

from __future__ import annotations

import pytest

from dailypapers.core.text import clean, excerpt, slugify_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # arXiv hard-wraps titles with a newline and two spaces.
        (
            "Calculation of prompt diphoton production cross sections at Tevatron\n  and LHC",
            "Calculation of prompt diphoton production cross sections at Tevatron and LHC",
        ),
        (
            "  A fully differential calculation\nis presented.\n",
            "A fully differential calculation is presented.",
        ),
        ("tabs\tand\r\nwindows\u00a0spaces\u2003too", "tabs and windows spaces too"),
        # LaTeX is kept exactly as written.
        ("The $(k,\\ell)$-pebble game", "The $(k,\\ell)$-pebble game"),
        (
            "$\\omega$Test: $^{11}$Be and \\textbf{bold}",
            "$\\omega$Test: $^{11}$Be and \\textbf{bold}",
        ),
        ("C. Bal\\'azs", "C. Bal\\'azs"),
        # Control characters, lone surrogates and byte-order marks are dropped;
        # whitespace-like controls separate words.
        ("a\x00b\x07c\x1bd", "abcd"),
        ("\ufeffTitle", "Title"),
        ("bad \ud800surrogate", "bad surrogate"),
        ("form\x0cfeed\x1cand\x1fseparators", "form feed and separators"),
        ("C1\x85next line", "C1 next line"),
        ("Ünïcödé 量子 Ελληνικά", "Ünïcödé 量子 Ελληνικά"),
        ("already clean", "already clean"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_clean(raw: str, expected: str) -> None:
    assert clean(raw) == expected


@pytest.mark.parametrize("value", [None, 42, ["a"], {"a": 1}, b"bytes"])
def test_clean_ignores_non_text(value: object) -> None:
    assert clean(value) == ""


def test_clean_result_can_always_be_stored() -> None:
    value = clean("x\ud83d\x00y \udfff z")
    value.encode("utf-8")  # no lone surrogates left
    assert "\x00" not in value


def test_excerpt_keeps_short_text() -> None:
    assert excerpt("short", 300) == "short"
    assert excerpt("a" * 300, 300) == "a" * 300


def test_excerpt_cuts_at_a_word_boundary() -> None:
    text = "The quick brown fox jumps over the lazy dog"
    assert excerpt(text, 17) == "The quick brown…"
    # The limit falls exactly after a complete word: that word stays.
    assert excerpt(text, 15) == "The quick brown…"
    assert excerpt("Results: we find, broadly, that it works", 17) == "Results: we find…"
    assert excerpt("One two, three four", 9) == "One two…"
    assert len(excerpt("word " * 200, 50)) <= 51


def test_excerpt_of_one_long_word() -> None:
    assert excerpt("x" * 500, 10) == "x" * 10 + "…"


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Florian Tramèr", "florian-tramer"),
        ("C. Balázs", "c-balazs"),
        ("C. -P. Yuan", "c-p-yuan"),
        ("Jia-Bin Huang", "jia-bin-huang"),
        ("李明", "李明"),
        ("Σωκράτης Παπαδόπουλος", "σωκρατης-παπαδοπουλος"),
        ("DataFlow Team", "dataflow-team"),
        ("  --Weird__Name--  ", "weird__name"),
        ("", "unknown"),
        ("!!!", "unknown"),
        ("___", "unknown"),
    ],
)
def test_slugify_name(name: str, slug: str) -> None:
    assert slugify_name(name) == slug


def test_slugify_name_is_at_most_100_characters_and_never_ends_in_a_dash() -> None:
    slug = slugify_name("a" * 99 + " b" * 10)
    assert len(slug) <= 100
    assert not slug.endswith("-")
