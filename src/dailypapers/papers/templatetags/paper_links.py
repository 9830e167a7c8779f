"""Links into the daily lists for pages rendered outside this app (the 404 page)."""

from __future__ import annotations

from django import template

from dailypapers.core import periods
from dailypapers.papers import queries

register = template.Library()


@register.simple_tag
def latest_list_url() -> str:
    """The newest daily list's own address, or /papers on a hub without papers."""
    latest = queries.latest_day()
    return f"/papers/date/{periods.day(latest).key}" if latest else "/papers"
