"""Fixed-window rate limits kept in the database."""

from __future__ import annotations

import datetime as dt

import pytest

from dailypapers.core import ratelimit
from dailypapers.core.models import RateLimitCounter
from tests.support.factories import utc

pytestmark = pytest.mark.django_db


def test_allows_up_to_the_limit_then_refuses_until_the_window_ends() -> None:
    start = utc(2026, 4, 7, 10, 0)
    results = [ratelimit.hit("k", limit=3, window=3600, now=start) for _ in range(5)]
    assert results == [True, True, True, False, False]
    assert ratelimit.hit("k", limit=3, window=3600, now=start + dt.timedelta(minutes=59)) is False
    assert ratelimit.hit("k", limit=3, window=3600, now=start + dt.timedelta(hours=1)) is True


def test_keys_are_counted_separately() -> None:
    now = utc(2026, 4, 7, 10)
    assert ratelimit.hit("a", limit=1, window=60, now=now)
    assert not ratelimit.hit("a", limit=1, window=60, now=now)
    assert ratelimit.hit("b", limit=1, window=60, now=now)


def test_rows_of_finished_windows_are_removed() -> None:
    now = utc(2026, 4, 7, 10)
    for i in range(5):
        ratelimit.hit(f"ip-{i}", limit=1, window=60, now=now)
    ratelimit.hit("later", limit=1, window=60, now=now + dt.timedelta(minutes=5))
    assert list(RateLimitCounter.objects.values_list("key", flat=True)) == ["later"]


def test_private_keys_do_not_store_the_value() -> None:
    key = ratelimit.private_key("signup", "ada@example.org")
    assert key.startswith("signup:") and "ada" not in key
    assert key == ratelimit.private_key("signup", "ada@example.org")


def test_reset_and_bad_window() -> None:
    now = utc(2026, 4, 7, 10)
    assert ratelimit.hit("k", limit=1, window=60, now=now)
    ratelimit.reset("k")
    assert ratelimit.hit("k", limit=1, window=60, now=now)
    with pytest.raises(ValueError):
        ratelimit.hit("k", limit=1, window=0, now=now)
