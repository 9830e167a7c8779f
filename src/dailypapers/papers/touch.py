"""Telling the search index that papers changed.

Every node's search index follows the papers table by ``modified_at`` (see
``search.follow``): a write that changes what the index holds for a paper (its
text, its organization, whether it is on the daily list or withdrawn) must move
that stamp. The bulk writer of ``papers.services`` sets it in its own rows; every
other such write goes through ``touch``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from dailypapers.papers.models import Paper


def touch(papers: Iterable[int] | QuerySet[Paper], **changes: object) -> int:
    """Write ``changes`` (if any) to ``papers`` (ids or a query) and stamp them as changed.

    One UPDATE, so a condition in the query (the value the caller checked) holds for
    the change and the stamp alike. Returns how many papers it matched.
    """
    rows = papers if isinstance(papers, QuerySet) else Paper.objects.filter(pk__in=list(papers))
    return rows.update(**changes, modified_at=timezone.now())
