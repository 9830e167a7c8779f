"""Which daily-list entries ``/api/daily_papers`` returns for a query.

With a date, week or month the default order is the upstream's: most upvoted first,
the same as the hub's own daily pages. Without one it is the newest entries first.
"""

from __future__ import annotations

import datetime as dt

from dailypapers.api.params import DailyQuery
from dailypapers.papers import queries


def entries(query: DailyQuery, now: dt.datetime) -> queries.Page:
    if query.sort == "trending":
        return queries.trending(
            now,
            offset=query.offset,
            limit=query.limit,
            period=query.period,
            submitter=query.submitter,
            with_authors=True,
        )
    if query.period is not None:
        return queries.daily_list(
            query.period,
            offset=query.offset,
            limit=query.limit,
            submitter=query.submitter,
            with_authors=True,
        )
    return queries.recent_papers(offset=query.offset, limit=query.limit, submitter=query.submitter)
