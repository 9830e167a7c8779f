"""How trending works.

Each paper on the daily list gets a score from its upvotes and the hours since it
was put on the list:

    score = (upvotes + 1) / (hours_since_submission + 2) ** GRAVITY

with GRAVITY = 1.5. Fresh papers with a few votes can outrank older papers with
more; every paper's score falls as it ages. Only papers submitted within the
trending window (the last TRENDING_WINDOW_DAYS days, ending at the newest paper on
the list when the list has gone quiet) are ranked. Ties go to more upvotes, then
the earlier submission, then the arXiv id, so the order is fully determined by the
clock passed in; tests pin that clock.
"""

from __future__ import annotations

import datetime as dt

GRAVITY = 1.5
HOURS_OFFSET = 2.0

EXPLANATION = (
    "Papers are ranked by (upvotes + 1) / (hours since submission + 2)^1.5 over the "
    "last {days} days of the daily list, so new papers with a few votes can outrank "
    "older ones with more. Ties go to more upvotes, then earlier submission."
)


def hours_on_list(submitted_at: dt.datetime, now: dt.datetime) -> float:
    """Hours since the paper joined the list (never negative)."""
    return max((now - submitted_at).total_seconds() / 3600.0, 0.0)


def score(upvotes: int, submitted_at: dt.datetime, now: dt.datetime) -> float:
    hours = hours_on_list(submitted_at, now)
    return float((upvotes + 1) / (hours + HOURS_OFFSET) ** GRAVITY)


def sort_key(
    upvotes: int, submitted_at: dt.datetime, arxiv_id: str, now: dt.datetime
) -> tuple[float, int, dt.datetime, str]:
    return (-score(upvotes, submitted_at, now), -upvotes, submitted_at, arxiv_id)
