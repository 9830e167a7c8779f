"""Rate limits of organization creation and author claims, per user and per client IP."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from dailypapers.config import Rate
from dailypapers.core import ratelimit

# Per user and per client IP; settings.COMMUNITY_RATE_LIMITS overrides.
DEFAULTS = {
    "org-create": Rate(per_account=5, per_ip=20, seconds=3600),
    "claim": Rate(per_account=30, per_ip=100, seconds=3600),
}


def check(request: HttpRequest, action: str) -> int | None:
    """Count one attempt at ``action``; None when allowed, else seconds to wait."""
    limits = getattr(settings, "COMMUNITY_RATE_LIMITS", {})
    return ratelimit.per_user_and_ip(request, action, limits.get(action, DEFAULTS[action]))
