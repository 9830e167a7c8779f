"""Rate limits of the account forms, on top of dailypapers.core.ratelimit.

Each action is counted per client IP and per account (the username or address the
form names), so neither one address hammering many accounts nor many addresses
hammering one account gets through. Only attempts (POSTs) are counted.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from dailypapers.config import Rate
from dailypapers.core import ratelimit

# Actions settings.ACCOUNT_RATE_LIMITS may leave out. "settings" counts saves of the
# settings page that neither send mail nor check a password; "token" counts API tokens
# made (and tries to make one).
DEFAULTS = {
    "settings": Rate(per_account=30, per_ip=60, seconds=3600),
    "token": Rate(per_account=10, per_ip=30, seconds=3600),
}


def check(request: HttpRequest, action: str, account: str) -> int | None:
    """Count one attempt at ``action``; None when allowed, else seconds to wait.

    Limits come from settings.ACCOUNT_RATE_LIMITS: {action: Rate}.
    """
    rate: Rate = settings.ACCOUNT_RATE_LIMITS.get(action) or DEFAULTS[action]
    window = rate.seconds
    # Both counters are hit, so a refused attempt still counts against the other key.
    ip_ok = ratelimit.hit(
        ratelimit.private_key(f"{action}-ip", ratelimit.client_ip(request)),
        limit=rate.per_ip,
        window=window,
    )
    account_ok = True
    if account:
        account_ok = ratelimit.hit(
            ratelimit.private_key(f"{action}-account", account.strip().lower()),
            limit=rate.per_account,
            window=window,
        )
    return None if ip_ok and account_ok else ratelimit.retry_after(window)
