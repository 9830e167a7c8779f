"""When digests are due: delivery slots in each subscriber's own time zone.

A daily digest goes out Monday to Friday at the subscriber's hour, a weekly one on
Mondays. Each digest covers the papers put on the list since the slot before it,
so Monday's daily digest covers the weekend and nothing falls between two digests.
A local hour that does not exist on a day (a clock moving forward) is taken with
the offset in force before the change, which lands an hour later on the wall clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dailypapers.digests.models import Frequency

_SEARCH_DAYS = 9  # a week plus the two days either side a zone offset can shift to


def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for ``name``; ValueError when there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


def zone_names() -> list[str]:
    """Every IANA zone name, for the preferences form."""
    return sorted(n for n in available_timezones() if "/" in n or n == "UTC")


def delivers_on(frequency: str, day: dt.date) -> bool:
    if frequency == Frequency.WEEKLY:
        return day.weekday() == 0
    return day.weekday() < 5


def _moment(day: dt.date, hour: int, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=tz).astimezone(dt.UTC)


def latest_slot(frequency: str, hour: int, tz_name: str, at: dt.datetime) -> dt.datetime:
    """The last delivery moment at or before ``at`` (UTC)."""
    tz = zone(tz_name)
    day = at.astimezone(tz).date() + dt.timedelta(days=1)
    for _ in range(_SEARCH_DAYS):
        if delivers_on(frequency, day):
            moment = _moment(day, hour, tz)
            if moment <= at:
                return moment
        day -= dt.timedelta(days=1)
    raise AssertionError("every frequency delivers at least once a week")


def next_slot(frequency: str, hour: int, tz_name: str, after: dt.datetime) -> dt.datetime:
    """The first delivery moment strictly after ``after`` (UTC)."""
    tz = zone(tz_name)
    day = after.astimezone(tz).date() - dt.timedelta(days=1)
    for _ in range(_SEARCH_DAYS):
        if delivers_on(frequency, day):
            moment = _moment(day, hour, tz)
            if moment > after:
                return moment
        day += dt.timedelta(days=1)
    raise AssertionError("every frequency delivers at least once a week")


@dataclass(frozen=True)
class Slot:
    """One delivery: when it is due, what it covers, and its key for de-duplication."""

    due_at: dt.datetime
    window_start: dt.datetime
    period_key: str
    local_date: dt.date


def slot_at(frequency: str, hour: int, tz_name: str, at: dt.datetime) -> Slot:
    """The slot a digest sent at ``at`` belongs to: the latest one due by then."""
    due = latest_slot(frequency, hour, tz_name, at)
    previous = latest_slot(frequency, hour, tz_name, due - dt.timedelta(microseconds=1))
    local = due.astimezone(zone(tz_name)).date()
    if frequency == Frequency.WEEKLY:
        year, week, _ = local.isocalendar()
        key = f"weekly:{year}-W{week:02d}"
    else:
        key = f"daily:{local.isoformat()}"
    return Slot(due_at=due, window_start=previous, period_key=key, local_date=local)
