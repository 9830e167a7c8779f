"""arXiv identifiers: what is accepted, how it is canonicalized, and what is refused."""

from __future__ import annotations

import pytest

from dailypapers.core.arxiv_ids import ArxivId, find, parse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2403.06634", ArxivId("2403.06634", None)),
        ("2403.06634v2", ArxivId("2403.06634", 2)),
        ("2403.06634V12", ArxivId("2403.06634", 12)),
        ("  2403.06634 \n", ArxivId("2403.06634", None)),
        ("arXiv:2403.06634v3", ArxivId("2403.06634", 3)),
        ("ARXIV: 2403.06634", ArxivId("2403.06634", None)),
        ("https://arxiv.org/abs/2403.06634", ArxivId("2403.06634", None)),
        ("https://arxiv.org/abs/2403.06634v4", ArxivId("2403.06634", 4)),
        ("http://arxiv.org/abs/2403.06634v1/", ArxivId("2403.06634", 1)),
        ("https://arxiv.org/pdf/2403.06634v2.pdf", ArxivId("2403.06634", 2)),
        ("https://arxiv.org/pdf/2403.06634", ArxivId("2403.06634", None)),
        ("https://www.arxiv.org/abs/2403.06634", ArxivId("2403.06634", None)),
        ("https://export.arxiv.org/abs/2403.06634?context=cs.LG", ArxivId("2403.06634", None)),
        ("arxiv.org/html/2403.06634v1#S2", ArxivId("2403.06634", 1)),
        ("https://huggingface.co/papers/2604.04707", ArxivId("2604.04707", None)),
        # New-style ids began in April 2007 with four digits, five from 2015 on.
        ("0704.0001", ArxivId("0704.0001", None)),
        ("1412.9999", ArxivId("1412.9999", None)),
        ("1501.00001", ArxivId("1501.00001", None)),
        # Old-style ids: archive/YYMMNNN, the subject class is not part of the id.
        ("hep-th/9901001", ArxivId("hep-th/9901001", None)),
        ("hep-th/9901001v2", ArxivId("hep-th/9901001", 2)),
        ("http://arxiv.org/abs/cond-mat/0412498v1", ArxivId("cond-mat/0412498", 1)),
        ("math.GT/0309136", ArxivId("math/0309136", None)),
        ("Math.GT/0309136v1", ArxivId("math/0309136", 1)),
        ("math-ph/0101001", ArxivId("math-ph/0101001", None)),
        ("cs.AI/0101001", ArxivId("cs/0101001", None)),
        ("hep-th/9108001", ArxivId("hep-th/9108001", None)),
        ("quant-ph/0703001", ArxivId("quant-ph/0703001", None)),
    ],
)
def test_parse_accepts_and_canonicalizes(text: str, expected: ArxivId) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "0703.0001",  # before new-style ids existed
        "0000.0000",
        "2413.00001",  # month 13
        "2400.00001",  # month 0
        "1412.12345",  # five digits before 2015
        "1501.1234",  # four digits from 2015 on
        "2403.0663",
        "2403.066341",
        "2403.00000",
        "2403.06634v0",
        "2403.06634v",
        "2403.06634v12345",
        "2403.06634x",
        "2403-06634",
        "hep-th/9913001",  # month 13
        "hep-th/9107001",  # before arXiv opened
        "hep-th/0704001",  # old-style numbering ended in March 2007
        "hep-th/990100",
        "hep-th/99010011",
        "hep-th/9901000",
        "foo/9901001",  # not an archive
        "https://example.org/abs/2403.06634",
        "https://arxiv.org/list/cs.LG/2403",
        "２４０３.０６６３４",  # full-width digits
        "2403.0663\u0664",  # an Arabic-Indic digit
        "2403.06634\x00",
        "<script>2403.06634</script>",
        "2403.06634 OR 1=1",
        "x" * 400,
        "2403.06634" * 40,
    ],
)
def test_parse_refuses(text: str) -> None:
    assert parse(text) is None


def test_parse_ignores_non_strings() -> None:
    assert parse(None) is None  # type: ignore[arg-type]
    assert parse(2403.06634) is None  # type: ignore[arg-type]


def test_str_round_trips() -> None:
    assert str(parse("2403.06634v2")) == "2403.06634v2"
    assert str(parse("hep-th/9901001")) == "hep-th/9901001"
    assert parse(str(parse("math.GT/0309136v3"))) == ArxivId("math/0309136", 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("As shown in arXiv:2403.06634v2, the attack works.", ArxivId("2403.06634", 2)),
        ("see https://arxiv.org/abs/hep-th/9901001v3 for details", ArxivId("hep-th/9901001", 3)),
        ("(math.GT/0309136)", ArxivId("math/0309136", None)),
        # The first candidate is not an id (month 34); the second one is.
        ("on 1234.5678 and 2403.06634", ArxivId("2403.06634", None)),
        ("ids 0703.1234 then 2401.12345.", ArxivId("2401.12345", None)),
    ],
)
def test_find_the_first_id_in_text(text: str, expected: ArxivId) -> None:
    assert find(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no id here",
        "version 2403.06634.5",  # part of a longer number
        "x2403.06634",
        "10.1103/PhysRevD.76.013009",
        "www.example.com/abc/9901001",
        "２４０３.０６６３４",
    ],
)
def test_find_nothing(text: str) -> None:
    assert find(text) is None


def test_find_only_looks_at_the_start_of_long_text() -> None:
    assert find("word " * 1000 + "2403.06634") is None
    assert find("2403.06634 " + "word " * 1000) == ArxivId("2403.06634", None)
