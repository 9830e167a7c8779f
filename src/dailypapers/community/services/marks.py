"""Writing a reader's marks ("seen", "read later") on papers.

Setting a mark that is already there, or clearing one that is not, changes nothing:
the unique (user, paper, kind) constraint decides, so a double submit or two tabs
leave one row.
"""

from __future__ import annotations

from dailypapers.community.models import ReadingMark

KINDS = frozenset(ReadingMark.Kind.values)


def set_mark(user_id: int, paper_id: int, kind: str, on: bool) -> bool:
    """Put the mark ``kind`` on the paper (``on``) or take it off; returns ``on``."""
    if kind not in KINDS:
        raise ValueError(f"unknown mark {kind!r}")
    if on:
        ReadingMark.objects.bulk_create(
            [ReadingMark(user_id=user_id, paper_id=paper_id, kind=kind)], ignore_conflicts=True
        )
    else:
        ReadingMark.objects.filter(user_id=user_id, paper_id=paper_id, kind=kind).delete()
    return on
