"""Which daily-list entries ``/api/daily_papers`` returns for a query.

With a date, week or month the default order is the upstream's: most upvoted first,
the same as the hub's own daily pages. Without one it is the newest entries first.

A paper the upstream listed on two days is on both days' lists here too: its
``Submission`` holds the latest day, an ``EarlierListing`` each earlier one. Those
are rare, so they are merged in only for periods that have one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from dailypapers.api.params import DailyQuery
from dailypapers.core.prepared import SAMPLE_END, SAMPLE_NAME, SAMPLE_START, Prepared
from dailypapers.core.web import Page
from dailypapers.papers import queries
from dailypapers.papers.models import EarlierListing, Submission, vote_count

Entry = Submission | EarlierListing


@dataclass(frozen=True)
class Listing:
    items: list[Entry]
    has_next: bool


def _page(page: Page[Submission]) -> Listing:
    return Listing(list(page.items), page.has_next)


def entries(query: DailyQuery, now: dt.datetime) -> Listing:
    if query.sort == "trending":
        return _page(
            queries.trending(
                now,
                offset=query.offset,
                limit=query.limit,
                period=query.period,
                submitter=query.submitter,
                with_authors=True,
            )
        )
    if query.period is not None:
        return _daily(query)
    return _page(
        queries.recent_papers(offset=query.offset, limit=query.limit, submitter=query.submitter)
    )


def _earlier(query: DailyQuery) -> list[EarlierListing]:
    assert query.period is not None
    start, end = query.period.bounds()
    if query.submitter:
        found = _EARLIER_BY_SUBMITTER(start, end, query.submitter)
    else:
        found = _EARLIER(start, end)
    queries.attach_authors([entry.paper for entry in found])
    return found


def _earlier_query(
    start: dt.datetime, end: dt.datetime, submitter: str | None = None
) -> QuerySet[EarlierListing]:
    qs = EarlierListing.objects.filter(
        Q(paper__submission__isnull=True) | Q(paper__submission__hidden=False),
        submitted_at__gte=start,
        submitted_at__lt=end,
    )
    if submitter is not None:
        qs = qs.filter(submitter_name=submitter)
    return qs.select_related("paper", "paper__organization").annotate(votes=vote_count("paper__"))


# Compiled once (core.prepared): every list of the API looks for earlier listings.
_EARLIER = Prepared(_earlier_query, SAMPLE_START, SAMPLE_END)
_EARLIER_BY_SUBMITTER = Prepared(_earlier_query, SAMPLE_START, SAMPLE_END, SAMPLE_NAME)


def _order(entry: Any) -> tuple[Any, ...]:
    published = entry.paper.published_at
    return (
        -entry.votes,
        published is None,
        -(published.timestamp() if published else 0),
        -entry.submitted_at.timestamp(),
        entry.paper.arxiv_id,
    )


def _daily(query: DailyQuery) -> Listing:
    assert query.period is not None
    earlier = _earlier(query)
    if not earlier:
        return _page(
            queries.daily_list(
                query.period,
                offset=query.offset,
                limit=query.limit,
                submitter=query.submitter,
                with_authors=True,
            )
        )
    # Everything up to the end of the requested page, merged in the daily order.
    head = queries.daily_list(
        query.period,
        offset=0,
        limit=query.offset + query.limit,
        submitter=query.submitter,
        with_authors=True,
    )
    merged: list[Entry] = sorted([*head.items, *earlier], key=_order)
    items = merged[query.offset : query.offset + query.limit]
    total = head.total + len(earlier)
    return Listing(items, query.offset + len(items) < total)
