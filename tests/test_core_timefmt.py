"""Timestamps in the Hugging Face API shape."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from dailypapers.core.timefmt import iso_z, parse_iso


def test_iso_z_has_milliseconds_and_z() -> None:
    moment = dt.datetime(2026, 4, 7, 2, 36, 53, 761999, tzinfo=dt.UTC)
    assert iso_z(moment) == "2026-04-07T02:36:53.761Z"
    assert iso_z(dt.datetime(2026, 4, 7, tzinfo=dt.UTC)) == "2026-04-07T00:00:00.000Z"
    assert iso_z(None) is None


def test_iso_z_converts_to_utc() -> None:
    local = dt.datetime(2026, 4, 6, 22, 36, 53, tzinfo=ZoneInfo("America/New_York"))
    assert iso_z(local) == "2026-04-07T02:36:53.000Z"
    # Naive datetimes are taken as UTC, like parse_iso does, whatever the machine's zone.
    assert iso_z(dt.datetime(2026, 4, 7, 2, 36, 53)) == "2026-04-07T02:36:53.000Z"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-04-07T02:36:53.761Z", dt.datetime(2026, 4, 7, 2, 36, 53, 761000, tzinfo=dt.UTC)),
        ("2026-04-07T02:36:53Z", dt.datetime(2026, 4, 7, 2, 36, 53, tzinfo=dt.UTC)),
        ("2026-04-07T02:36:53.761z", dt.datetime(2026, 4, 7, 2, 36, 53, 761000, tzinfo=dt.UTC)),
        ("2026-04-07T04:36:53+02:00", dt.datetime(2026, 4, 7, 2, 36, 53, tzinfo=dt.UTC)),
        ("2026-04-07T02:36:53", dt.datetime(2026, 4, 7, 2, 36, 53, tzinfo=dt.UTC)),
        ("2026-04-07", dt.datetime(2026, 4, 7, tzinfo=dt.UTC)),
        ("  2026-04-07T00:00:00.000Z ", dt.datetime(2026, 4, 7, tzinfo=dt.UTC)),
    ],
)
def test_parse_iso(text: str, expected: dt.datetime) -> None:
    parsed = parse_iso(text)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() == dt.timedelta(0)


def test_round_trip() -> None:
    text = "2026-08-21T23:59:59.999Z"
    assert iso_z(parse_iso(text)) == text


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "yesterday",
        "2026-02-30T00:00:00Z",  # no such day
        "2026-13-01T00:00:00Z",
        "2026-04-07T25:00:00Z",
        "2026-04-07T02:36:53+25:00",
        "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
        "9999-12-31T23:59:59-01:00",  # after year 9999 in UTC
        "2026-04-07T02:36:53.761Z" + " " * 10 + "x" * 40,
        20260407,
        1712457413.761,
        ["2026-04-07"],
    ],
)
def test_parse_iso_refuses(value: object) -> None:
    assert parse_iso(value) is None
