"""Days, ISO weeks and months of the daily list, and where they are cut."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from dailypapers.core import periods


def test_day() -> None:
    period = periods.parse("day", "2026-04-07")
    assert (period.first_day, period.last_day) == (dt.date(2026, 4, 7), dt.date(2026, 4, 7))
    assert period.key == "2026-04-07"
    assert period.label == "Tuesday, April 7, 2026"


def test_week_across_a_year_boundary() -> None:
    # ISO week 1 of 2026 starts on Monday 2025-12-29.
    period = periods.parse("week", "2026-W01")
    assert (period.first_day, period.last_day) == (dt.date(2025, 12, 29), dt.date(2026, 1, 4))
    assert period.key == "2026-W01"
    assert period.label == "Week 1, 2026 (Dec 29 – Jan 4)"
    assert periods.week_of(dt.date(2026, 1, 1)) == period
    assert periods.containing("week", dt.date(2025, 12, 31)) == period


def test_week_53_exists_only_in_long_years() -> None:
    # ISO years that start on a Thursday (and leap years starting on a Wednesday)
    # have 53 weeks: 2020 and 2026 do, 2021 and 2025 do not.
    long_year = periods.parse("week", "2020-W53")
    assert (long_year.first_day, long_year.last_day) == (dt.date(2020, 12, 28), dt.date(2021, 1, 3))
    assert long_year.key == "2020-W53"
    assert periods.parse("week", "2026-W53").first_day == dt.date(2026, 12, 28)
    assert periods.parse("week", "2026-W53").shifted(1) == periods.parse("week", "2027-W01")
    with pytest.raises(ValueError, match="2025 has weeks 1 to 52, not week 53"):
        periods.parse("week", "2025-W53")
    with pytest.raises(ValueError, match="2021 has weeks 1 to 52, not week 53"):
        periods.parse("week", "2021-W53")
    with pytest.raises(ValueError, match="not week 0"):
        periods.parse("week", "2026-W00")
    with pytest.raises(ValueError, match="not week 54"):
        periods.parse("week", "2026-W54")


def test_month() -> None:
    february = periods.parse("month", "2024-02")
    assert (february.first_day, february.last_day) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    december = periods.parse("month", "2026-12")
    assert december.last_day == dt.date(2026, 12, 31)
    assert december.key == "2026-12"
    assert december.label == "December 2026"
    assert periods.containing("month", dt.date(2026, 4, 7)) == periods.month(2026, 4)


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("day", "2026-02-30", "not a day of the calendar"),
        ("day", "2026-13-01", "not a day of the calendar"),
        ("day", "2026-4-7", "not a date like"),
        ("day", "07.04.2026", "not a date like"),
        ("day", "2026-04-07\n", "not a date like"),
        ("day", "２０２６-04-07", "not a date like"),
        ("day", "", "not a date like"),
        ("week", "2026-15", "not a week like"),
        ("week", "2026-W5", "not a week like"),
        ("month", "2026-13", "month 13 is not between 1 and 12"),
        ("month", "2026-00", "month 0 is not between 1 and 12"),
        ("month", "2026", "not a month like"),
        ("day", "0000-01-01", "year 0 is outside"),
        ("day", "1989-12-31", "year 1989 is outside"),
        ("day", "9999-12-31", "year 9999 is outside"),
        ("week", "0001-W01", "year 1 is outside"),
        ("week", "9999-W52", "year 9999 is outside"),
        ("month", "3024-01", "year 3024 is outside"),
    ],
)
def test_parse_says_what_is_wrong(kind: periods.Kind, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        periods.parse(kind, text)


def test_shifted() -> None:
    day = periods.parse("day", "2026-03-01")
    assert day.shifted(-1) == periods.parse("day", "2026-02-28")
    week = periods.parse("week", "2020-W53")
    assert week.shifted(1) == periods.parse("week", "2021-W01")
    assert week.shifted(-52) == periods.parse("week", "2020-W01")
    month = periods.parse("month", "2026-01")
    assert month.shifted(-1) == periods.parse("month", "2025-12")
    assert month.shifted(13) == periods.parse("month", "2027-02")


def test_shifted_past_the_supported_years_is_none() -> None:
    assert periods.parse("day", "1990-01-01").shifted(-1) is None
    assert periods.parse("month", "2200-12").shifted(1) is None
    assert periods.parse("week", "2200-W52").shifted(10) is None
    assert periods.parse("day", "2026-04-07").shifted(10**9) is None


def test_bounds_are_utc_days_by_default() -> None:
    start, end = periods.parse("day", "2026-04-07").bounds()
    assert start == dt.datetime(2026, 4, 7, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 4, 8, tzinfo=dt.UTC)
    assert periods.local_date(dt.datetime(2026, 4, 7, 23, 59, tzinfo=dt.UTC)) == dt.date(2026, 4, 7)


@override_settings(TIME_ZONE="America/New_York")
def test_bounds_in_a_zone_with_daylight_saving() -> None:
    # Clocks go forward on 2026-03-08 in New York: that day has 23 hours.
    start, end = periods.parse("day", "2026-03-08").bounds()
    assert start.astimezone(dt.UTC) == dt.datetime(2026, 3, 8, 5, tzinfo=dt.UTC)
    assert end.astimezone(dt.UTC) == dt.datetime(2026, 3, 9, 4, tzinfo=dt.UTC)
    assert end.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(hours=23)
    week_start, week_end = periods.parse("week", "2026-W15").bounds()
    assert week_start.astimezone(dt.UTC) == dt.datetime(2026, 4, 6, 4, tzinfo=dt.UTC)
    assert week_end.astimezone(dt.UTC) == dt.datetime(2026, 4, 13, 4, tzinfo=dt.UTC)


@override_settings(TIME_ZONE="Asia/Kolkata")
def test_days_are_cut_in_the_configured_zone() -> None:
    # 20:00 UTC is already the next day in India (UTC+05:30).
    assert periods.local_date(dt.datetime(2026, 4, 6, 20, tzinfo=dt.UTC)) == dt.date(2026, 4, 7)
    assert periods.local_date(dt.datetime(2026, 4, 6, 18, 29, tzinfo=dt.UTC)) == dt.date(2026, 4, 6)
    start, end = periods.parse("day", "2026-04-07").bounds()
    assert start.astimezone(dt.UTC) == dt.datetime(2026, 4, 6, 18, 30, tzinfo=dt.UTC)
    assert end.astimezone(dt.UTC) == dt.datetime(2026, 4, 7, 18, 30, tzinfo=dt.UTC)


def test_a_moment_falls_inside_the_bounds_of_its_own_day() -> None:
    moments = [
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=97 * i) for i in range(500)
    ]
    for zone in ("UTC", "America/Los_Angeles", "Pacific/Chatham", "Asia/Kathmandu"):
        with override_settings(TIME_ZONE=zone):
            for moment in moments:
                start, end = periods.day(periods.local_date(moment)).bounds()
                assert start <= moment < end, (zone, moment)
