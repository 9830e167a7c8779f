"""Bring your library: the arXiv ids in an uploaded BibTeX file, CSL JSON or id list.

Every arXiv id the text mentions (``2401.12345``, ``arXiv:2401.12345v2``, an
arxiv.org link, ``eprint = {hep-th/9901001}``) is looked up; papers on this hub
join the reader's library and count as interests, the others are only counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from dailypapers.core import arxiv_ids
from dailypapers.foryou.models import LibraryItem
from dailypapers.papers.models import Paper

MAX_BYTES = 2 * 1024 * 1024
MAX_IDS = 5000
# Ids sit between these in every format we read (BibTeX braces, JSON quotes, URLs, lists).
_SPLIT = re.compile(r"[\s{}\[\]\"',;<>()=]+")


class LibraryError(ValueError):
    pass


@dataclass
class Imported:
    found: int  # ids mentioned
    linked: int  # of those, papers on this hub now in the library
    missing: int  # not on this hub


def ids_in(text: str) -> list[str]:
    """The distinct arXiv ids ``text`` mentions, in order."""
    out: dict[str, None] = {}
    for token in _SPLIT.split(text):
        if not token or len(token) > 300:
            continue
        found = arxiv_ids.parse(token) or (
            arxiv_ids.find(token) if "arxiv" in token.lower() else None
        )
        if found:
            out[found.id] = None
            if len(out) >= MAX_IDS:
                break
    return list(out)


def decode(raw: bytes) -> str:
    if len(raw) > MAX_BYTES:
        raise LibraryError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def add(user: AbstractBaseUser, text: str) -> Imported:
    """Link the hub's papers among the ids in ``text`` to the reader's library."""
    ids = ids_in(text)
    if not ids:
        raise LibraryError("No arXiv ids found: upload a BibTeX file, CSL JSON or a list of ids.")
    papers = list(Paper.objects.filter(arxiv_id__in=ids).values_list("pk", flat=True))
    LibraryItem.objects.bulk_create(
        [LibraryItem(user_id=user.pk, paper_id=pk) for pk in papers], ignore_conflicts=True
    )
    return Imported(len(ids), len(papers), len(ids) - len(papers))
