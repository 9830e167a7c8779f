"""Rate limits of organization creation and author claims, per user and per client IP."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from dailypapers.core import ratelimit

# (per user, per client IP, window in seconds); settings.COMMUNITY_RATE_LIMITS overrides.
DEFAULTS: dict[str, tuple[int, int, int]] = {
    "org-create": (5, 20, 3600),
    "claim": (30, 100, 3600),
}


def check(request: HttpRequest, action: str) -> int | None:
    """Count one attempt at ``action``; None when allowed, else seconds to wait."""
    limits = getattr(settings, "COMMUNITY_RATE_LIMITS", {})
    return ratelimit.per_user_and_ip(request, action, limits.get(action, DEFAULTS[action]))
