"""Delivery slots: weekdays or Mondays, at the subscriber's hour in their zone."""

from __future__ import annotations

import datetime as dt

import pytest

from dailypapers.digests import schedule
from tests.support.factories import utc


def test_daily_slots_are_weekdays_at_the_local_hour() -> None:
    # 2026-04-07 is a Tuesday.
    assert schedule.latest_slot("daily", 8, "UTC", utc(2026, 4, 7, 8)) == utc(2026, 4, 7, 8)
    assert schedule.latest_slot("daily", 8, "UTC", utc(2026, 4, 7, 7, 59)) == utc(2026, 4, 6, 8)
    assert schedule.next_slot("daily", 8, "UTC", utc(2026, 4, 7, 8)) == utc(2026, 4, 8, 8)
    # Saturday and Sunday have no slot: Monday's comes after Friday's.
    assert schedule.latest_slot("daily", 8, "UTC", utc(2026, 4, 12, 20)) == utc(2026, 4, 10, 8)
    assert schedule.next_slot("daily", 8, "UTC", utc(2026, 4, 10, 9)) == utc(2026, 4, 13, 8)


def test_weekly_slots_are_mondays() -> None:
    assert schedule.latest_slot("weekly", 9, "UTC", utc(2026, 4, 9, 12)) == utc(2026, 4, 6, 9)
    assert schedule.next_slot("weekly", 9, "UTC", utc(2026, 4, 6, 9)) == utc(2026, 4, 13, 9)


def test_the_hour_is_local_to_the_subscribers_zone() -> None:
    # 08:00 in Tokyo (UTC+9) is 23:00 UTC the day before.
    assert schedule.latest_slot("daily", 8, "Asia/Tokyo", utc(2026, 4, 7, 0)) == utc(2026, 4, 6, 23)
    # 08:00 in New York is 12:00 UTC in April (EDT) and 13:00 UTC in January (EST).
    assert schedule.next_slot("daily", 8, "America/New_York", utc(2026, 4, 7)) == utc(
        2026, 4, 7, 12
    )
    assert schedule.next_slot("daily", 8, "America/New_York", utc(2026, 1, 6)) == utc(
        2026, 1, 6, 13
    )


def test_a_missing_local_hour_on_a_dst_change_still_has_one_slot() -> None:
    # Europe/Berlin skips 02:00-03:00 on Sunday 2026-03-29; the weekly Monday slot
    # after it and the daily ones around it are each exactly one.
    slots = []
    at = utc(2026, 3, 25)
    while at < utc(2026, 4, 2):
        at = schedule.next_slot("daily", 2, "Europe/Berlin", at)
        slots.append(at)
    assert len(slots) == len(set(slots))
    local_days = [s.astimezone(schedule.zone("Europe/Berlin")).date() for s in slots]
    assert len(local_days) == len(set(local_days))
    assert all(d.weekday() < 5 for d in local_days)


def test_slot_window_and_key() -> None:
    monday = schedule.slot_at("daily", 8, "UTC", utc(2026, 4, 13, 8, 30))
    assert monday.due_at == utc(2026, 4, 13, 8)
    assert monday.window_start == utc(2026, 4, 10, 8)  # covers the weekend
    assert monday.period_key == "daily:2026-04-13"
    weekly = schedule.slot_at("weekly", 8, "UTC", utc(2026, 4, 15))
    assert (weekly.window_start, weekly.due_at) == (utc(2026, 4, 6, 8), utc(2026, 4, 13, 8))
    assert weekly.period_key == "weekly:2026-W16"


def test_consecutive_windows_touch() -> None:
    at = utc(2026, 4, 1)
    previous = schedule.slot_at("daily", 7, "Asia/Kolkata", at)
    for _ in range(15):
        at = schedule.next_slot("daily", 7, "Asia/Kolkata", at)
        current = schedule.slot_at("daily", 7, "Asia/Kolkata", at)
        assert current.window_start == previous.due_at
        previous = current


def test_unknown_zone() -> None:
    with pytest.raises(ValueError):
        schedule.latest_slot("daily", 8, "Mars/Olympus", dt.datetime.now(dt.UTC))
