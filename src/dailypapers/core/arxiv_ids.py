"""arXiv identifiers: parse, validate and canonicalize.

Canonical ids have no version (``2403.06634``, ``hep-th/9901001``); the version
travels separately. Old-style ids drop the subject class that some sources add
(``math.GT/0309136`` is ``math/0309136`` on arXiv too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NEW = r"(?P<yymm>\d{4})\.(?P<num>\d{4,5})"
_OLD = r"(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.[A-Za-z]{2})?/(?P<oldnum>\d{7})"
_VERSION = r"(?:v(?P<version>\d{1,4}))?"
_ID_RE = re.compile(rf"^(?:{_NEW}|{_OLD}){_VERSION}$")
_FIND_RE = re.compile(
    rf"(?<![\w.])(?:arxiv:)?(?:{_NEW}|{_OLD}){_VERSION}(?![\w])", flags=re.IGNORECASE
)
_URL_PREFIX = re.compile(
    r"^(?:https?:/{1,2})?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/", re.IGNORECASE
)

MAX_ID_LENGTH = 32


@dataclass(frozen=True)
class ArxivId:
    id: str
    version: int | None

    def __str__(self) -> str:
        return self.id if self.version is None else f"{self.id}v{self.version}"


def _build(match: re.Match[str]) -> ArxivId | None:
    version = int(match["version"]) if match["version"] else None
    if version == 0:
        return None
    if match["yymm"]:
        yymm, num = match["yymm"], match["num"]
        month = int(yymm[2:])
        if not 1 <= month <= 12:
            return None
        # Four-digit numbers until 2014-12, five-digit from 2015-01 on.
        expected = 4 if int(yymm) < 1501 else 5
        if len(num) != expected or int(yymm) < 704:
            return None
        return ArxivId(f"{yymm}.{num}", version)
    oldnum = match["oldnum"]
    month = int(oldnum[2:4])
    if not 1 <= month <= 12:
        return None
    return ArxivId(f"{match['archive'].lower()}/{oldnum}", version)


def parse(text: str) -> ArxivId | None:
    """Parse an id, a versioned id, ``arXiv:...`` or an arxiv.org abs/pdf URL."""
    value = text.strip()
    if len(value) > 300:
        return None
    value = _URL_PREFIX.sub("", value)
    value = re.sub(r"^arxiv:", "", value, flags=re.IGNORECASE)
    value = value.removesuffix(".pdf").rstrip("/")
    match = _ID_RE.match(value)
    return _build(match) if match else None


def find(text: str) -> ArxivId | None:
    """The first arXiv id mentioned anywhere in ``text``."""
    for match in _FIND_RE.finditer(text[:2000]):
        found = _build(match)
        if found:
            return found
    return None
