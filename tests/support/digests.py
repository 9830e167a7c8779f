"""Digest subscriptions made the way the admin makes them, and the slot the digest tests send in."""

from __future__ import annotations

from typing import Any

from tests.support.factories import utc

SIGNED_UP = utc(2026, 4, 6, 12)  # a Monday
DUE = utc(2026, 4, 7, 8)  # Tuesday's 08:00 UTC slot: papers from Monday 08:00 on


def subscriber(
    email_address: str,
    *,
    now: Any,
    hour: int = 8,
    time_zone: str = "UTC",
    frequency: str = "daily",
    categories: tuple[str, ...] = (),
    organizations: tuple[str, ...] = (),
) -> Any:
    """A confirmed subscription made at ``now`` (its first digest is the next slot)."""
    from dailypapers.digests import services
    from dailypapers.digests.models import Subscription

    choices = services.Choices(frequency, hour, time_zone, categories, organizations)
    services.admin_subscribe([email_address], choices, confirmed=True, now=now)
    return Subscription.objects.get(email=email_address)
