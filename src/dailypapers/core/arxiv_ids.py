"""arXiv identifiers: parse, validate and canonicalize.

Canonical ids have no version (``2403.06634``, ``hep-th/9901001``); the version
travels separately. Old-style ids drop the subject class that some sources add
(``math.GT/0309136`` is ``math/0309136`` on arXiv too).

Only ids arXiv can have issued are accepted: new-style ids from 0704 on (four-digit
numbers until 1412, five-digit from 1501), old-style ids of the archives that
existed before April 2007, dated 9108 to 0703.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OLD_ARCHIVES = (
    "acc-phys",
    "adap-org",
    "alg-geom",
    "ao-sci",
    "astro-ph",
    "atom-ph",
    "bayes-an",
    "chao-dyn",
    "chem-ph",
    "cmp-lg",
    "comp-gas",
    "cond-mat",
    "cs",
    "dg-ga",
    "funct-an",
    "gr-qc",
    "hep-ex",
    "hep-lat",
    "hep-ph",
    "hep-th",
    "math",
    "math-ph",
    "mtrl-th",
    "nlin",
    "nucl-ex",
    "nucl-th",
    "patt-sol",
    "physics",
    "plasm-ph",
    "q-alg",
    "q-bio",
    "quant-ph",
    "solv-int",
    "supr-con",
)
# Longest first, so that ``math-ph`` is not read as ``math``.
_ARCHIVES = "|".join(sorted(OLD_ARCHIVES, key=len, reverse=True))
_NEW = r"(?P<yymm>[0-9]{4})\.(?P<num>[0-9]{4,5})"
_OLD = rf"(?P<archive>{_ARCHIVES})(?:\.[A-Za-z][A-Za-z-]{{1,9}})?/(?P<oldnum>[0-9]{{7}})"
_VERSION = r"(?:[vV](?P<version>[0-9]{1,4}))?"
_ID_RE = re.compile(rf"(?:{_NEW}|{_OLD}){_VERSION}", re.IGNORECASE)
_FIND_RE = re.compile(
    rf"(?<![\w.])(?:{_NEW}|{_OLD}){_VERSION}(?![\w]|\.[0-9])", re.IGNORECASE | re.ASCII
)
_PREFIX_RE = re.compile(
    r"^(?:(?:https?:)?/{0,2}(?:www\.|export\.|browse\.)?arxiv\.org/(?:abs|pdf|html|format|ps)/"
    r"|(?:https?:)?/{0,2}(?:www\.)?huggingface\.co/papers/"
    r"|arxiv:\s*)",
    re.IGNORECASE,
)

MAX_ID_LENGTH = 32
# Longer input is not an id or an arXiv URL, whatever it contains.
_MAX_INPUT = 300


@dataclass(frozen=True)
class ArxivId:
    id: str
    version: int | None

    def __str__(self) -> str:
        return self.id if self.version is None else f"{self.id}v{self.version}"


def _old_style_date_ok(yymm: str) -> bool:
    year, month = int(yymm[:2]), int(yymm[2:])
    if not 1 <= month <= 12:
        return False
    if year >= 91:
        return (year, month) >= (91, 8)
    return (year, month) <= (7, 3)


def _build(match: re.Match[str]) -> ArxivId | None:
    version = int(match["version"]) if match["version"] else None
    if version == 0:
        return None
    if match["yymm"]:
        yymm, num = match["yymm"], match["num"]
        if not 1 <= int(yymm[2:]) <= 12 or int(yymm) < 704:
            return None
        expected = 4 if int(yymm) < 1501 else 5
        if len(num) != expected or int(num) == 0:
            return None
        return ArxivId(f"{yymm}.{num}", version)
    oldnum = match["oldnum"]
    if not _old_style_date_ok(oldnum[:4]) or int(oldnum[4:]) == 0:
        return None
    return ArxivId(f"{match['archive'].lower()}/{oldnum}", version)


def parse(text: str) -> ArxivId | None:
    """Parse an id, a versioned id, ``arXiv:...`` or an arxiv.org abs/pdf URL."""
    if not isinstance(text, str):
        return None
    value = text.strip()
    if not value or len(value) > _MAX_INPUT:
        return None
    value = _PREFIX_RE.sub("", value, count=1)
    value = value.split("#", 1)[0].split("?", 1)[0].rstrip("/")
    value = value.removesuffix(".pdf")
    match = _ID_RE.fullmatch(value)
    if not match or not value.isascii():
        return None
    return _build(match)


def find(text: str) -> ArxivId | None:
    """The first arXiv id mentioned anywhere in ``text``."""
    for match in _FIND_RE.finditer(text[:2000]):
        found = _build(match)
        if found:
            return found
    return None
