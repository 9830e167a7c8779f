"""Reading a reader's own marks: for the cards of a list, a paper page, the read-later list.

Every function takes the reader and answers only about their marks.
"""

from __future__ import annotations

from collections.abc import Sequence

from dailypapers.community.models import ReadingMark
from dailypapers.core.prepared import owned_rows
from dailypapers.core.web import Page


def marks_for(user_id: int, paper_ids: Sequence[int]) -> dict[int, set[str]]:
    """The reader's marks on these papers, by paper id (papers without marks absent)."""
    found: dict[int, set[str]] = {}
    if not paper_ids:
        return found
    for paper_id, kind in owned_rows(ReadingMark, ("paper_id", "kind"), user_id, paper_ids):
        found.setdefault(paper_id, set()).add(kind)
    return found


def read_later(user_id: int, *, offset: int = 0, limit: int = 50) -> Page[ReadingMark]:
    """The papers the reader keeps to read later, the latest marked first."""
    marks = ReadingMark.objects.filter(user_id=user_id, kind=ReadingMark.Kind.LATER)
    total = marks.count()
    rows = list(
        marks.select_related("paper").order_by("-created_at", "-pk")[offset : offset + limit]
    )
    return Page(rows, total, offset, limit)
