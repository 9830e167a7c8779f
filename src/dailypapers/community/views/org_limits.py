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
    per_user, per_ip, window = limits.get(action, DEFAULTS[action])
    # Both counters are hit, so a refused attempt still counts against the other key.
    user_ok = ratelimit.hit(f"{action}-user:{request.user.pk}", limit=per_user, window=window)
    ip_ok = ratelimit.hit(
        ratelimit.private_key(f"{action}-ip", ratelimit.client_ip(request)),
        limit=per_ip,
        window=window,
    )
    return None if user_ok and ip_ok else ratelimit.retry_after(window)
