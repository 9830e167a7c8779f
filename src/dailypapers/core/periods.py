"""Days, ISO weeks and months of the daily list, cut in the configured time zone."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

Kind = Literal["day", "week", "month"]

_DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_WEEK_RE = re.compile(r"([0-9]{4})-W([0-9]{2})")
_MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{2})")
MIN_YEAR = 1990
MAX_YEAR = 2200


@dataclass(frozen=True)
class Period:
    kind: Kind
    first_day: dt.date
    last_day: dt.date  # inclusive

    @property
    def key(self) -> str:
        if self.kind == "day":
            return self.first_day.isoformat()
        if self.kind == "week":
            year, week, _ = self.first_day.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.first_day.year}-{self.first_day.month:02d}"

    @property
    def label(self) -> str:
        if self.kind == "day":
            return self.first_day.strftime("%A, %B %-d, %Y")
        if self.kind == "week":
            year, week, _ = self.first_day.isocalendar()
            return (
                f"Week {week}, {year} ({self.first_day.strftime('%b %-d')}"
                f" – {self.last_day.strftime('%b %-d')})"
            )
        return self.first_day.strftime("%B %Y")

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as aware datetimes in the daily-list time zone."""
        zone = ZoneInfo(settings.TIME_ZONE)
        start = dt.datetime.combine(self.first_day, dt.time.min, tzinfo=zone)
        end = dt.datetime.combine(self.last_day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        return start, end

    def shifted(self, steps: int) -> Period | None:
        """The period ``steps`` before (negative) or after (positive) this one."""
        try:
            if self.kind == "day":
                return day(self.first_day + dt.timedelta(days=steps))
            if self.kind == "week":
                return week_of(self.first_day + dt.timedelta(weeks=steps))
            month_index = self.first_day.year * 12 + self.first_day.month - 1 + steps
            return month(month_index // 12, month_index % 12 + 1)
        except (ValueError, OverflowError):
            return None


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year {year} is outside {MIN_YEAR}–{MAX_YEAR}")


def day(date: dt.date) -> Period:
    _check_year(date.year)
    return Period("day", date, date)


def week_of(date: dt.date) -> Period:
    monday = date - dt.timedelta(days=date.weekday())
    _check_year(monday.isocalendar()[0])
    return Period("week", monday, monday + dt.timedelta(days=6))


def month(year: int, month_number: int) -> Period:
    _check_year(year)
    if not 1 <= month_number <= 12:
        raise ValueError(f"month {month_number} is not between 1 and 12")
    first = dt.date(year, month_number, 1)
    following = dt.date(year + (month_number == 12), month_number % 12 + 1, 1)
    return Period("month", first, following - dt.timedelta(days=1))


def parse(kind: Kind, text: str) -> Period:
    """Parse ``YYYY-MM-DD``, ``YYYY-Www`` or ``YYYY-MM``; ValueError says what is wrong."""
    if kind == "day":
        m = _DATE_RE.fullmatch(text)
        if not m:
            raise ValueError(f"{text!r} is not a date like 2026-04-07")
        _check_year(int(m[1]))
        try:
            date = dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise ValueError(f"{text} is not a day of the calendar") from None
        return day(date)
    if kind == "week":
        m = _WEEK_RE.fullmatch(text)
        if not m:
            raise ValueError(f"{text!r} is not a week like 2026-W15")
        year, number = int(m[1]), int(m[2])
        _check_year(year)
        # ISO years have 52 or 53 weeks: 2025-W53 does not exist, 2026-W53 does.
        weeks = dt.date(year, 12, 28).isocalendar()[1]
        if not 1 <= number <= weeks:
            raise ValueError(f"{year} has weeks 1 to {weeks}, not week {number}")
        return week_of(dt.date.fromisocalendar(year, number, 1))
    m = _MONTH_RE.fullmatch(text)
    if not m:
        raise ValueError(f"{text!r} is not a month like 2026-04")
    return month(int(m[1]), int(m[2]))


def local_date(moment: dt.datetime) -> dt.date:
    """The daily-list day that ``moment`` falls on."""
    return timezone.localtime(moment, ZoneInfo(settings.TIME_ZONE)).date()


def containing(kind: Kind, date: dt.date) -> Period:
    if kind == "day":
        return day(date)
    if kind == "week":
        return week_of(date)
    return month(date.year, date.month)
