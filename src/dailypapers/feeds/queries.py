"""Reads for the sitemaps: which months, days and papers the hub has pages for.

A month's sitemap lists that month's daily-list days and the papers on them, and the
papers first published that month that are on no list; each is far below the
protocol's 50,000 addresses, and the index lists one sitemap per month.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dailypapers.core import periods
from dailypapers.papers.models import LISTED, Paper, Submission

# The sitemap protocol's limit of addresses per file.
MAX_URLS = 50_000


def months() -> list[periods.Period]:
    """Every month with a daily list or a paper first published in it, oldest first."""
    zone = timezone.get_current_timezone()
    found = {
        (m.year, m.month)
        for m in Submission.objects.visible().datetimes("submitted_at", "month", tzinfo=zone)
    }
    found |= {
        (m.year, m.month)
        for m in Paper.objects.exclude(LISTED)
        .filter(published_at__isnull=False)
        .datetimes("published_at", "month", tzinfo=zone)
    }
    return [periods.month(year, number) for year, number in sorted(found)]


def month_pages(period: periods.Period) -> tuple[list[dt.date], list[str]]:
    """The days of ``period`` with a daily list, and the arXiv ids of its papers."""
    start, end = period.bounds()
    zone = timezone.get_current_timezone()
    entries = Submission.objects.visible().filter(submitted_at__gte=start, submitted_at__lt=end)
    days = [d.date() for d in entries.datetimes("submitted_at", "day", tzinfo=zone)]
    listed = list(
        entries.order_by("submitted_at", "paper__arxiv_id").values_list(
            "paper__arxiv_id", flat=True
        )[:MAX_URLS]
    )
    others = list(
        Paper.objects.exclude(LISTED)
        .filter(published_at__gte=start, published_at__lt=end)
        .order_by("published_at", "arxiv_id")
        .values_list("arxiv_id", flat=True)[: MAX_URLS - len(days) - len(listed)]
    )
    return days, listed + others
