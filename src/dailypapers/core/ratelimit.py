"""Fixed-window rate limits shared by every server process.

``hit("subscribe-ip:203.0.113.9", limit=10, window=3600)`` counts one attempt and
says whether it is still within the limit. Counters live in the database (table
core_ratelimitcounter), so the limit holds across gunicorn workers and restarts.
A fixed window lets a burst of up to twice the limit straddle a boundary; for
sign-up forms that is an acceptable price for one row per key and window.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from dailypapers.config import Rate
from dailypapers.core import proxies
from dailypapers.core.models import RateLimitCounter

_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def private_key(kind: str, value: str) -> str:
    """A counter key that does not store ``value`` (an address, an IP) in the clear."""
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    return f"{kind}:{digest}"


def hit(key: str, *, limit: int, window: int, now: dt.datetime | None = None) -> bool:
    """Count one attempt for ``key``; True while at most ``limit`` attempts fell in the window.

    Attempts over the limit are counted too, so hammering does not reopen the gate
    before the window ends.
    """
    if window <= 0:
        raise ValueError("window must be a positive number of seconds")
    now = now or timezone.now()
    seconds = int((now - _EPOCH).total_seconds())
    start = _EPOCH + dt.timedelta(seconds=seconds - seconds % window)
    expires = start + dt.timedelta(seconds=window)
    updated = RateLimitCounter.objects.filter(key=key, window_start=start).update(
        hits=F("hits") + 1
    )
    if not updated:
        try:
            with transaction.atomic():
                RateLimitCounter.objects.create(
                    key=key, window_start=start, expires_at=expires, hits=1
                )
        except IntegrityError:
            # Another process created this window's row between our UPDATE and INSERT.
            RateLimitCounter.objects.filter(key=key, window_start=start).update(hits=F("hits") + 1)
        else:
            # A new window is a cheap moment to drop the rows of windows that are over.
            RateLimitCounter.objects.filter(expires_at__lte=now).delete()
    hits = (
        RateLimitCounter.objects.filter(key=key, window_start=start)
        .values_list("hits", flat=True)
        .first()
    )
    return hits is not None and hits <= limit


def retry_after(window: int, now: dt.datetime | None = None) -> int:
    """Seconds until the current window of ``hit`` ends: the Retry-After to answer."""
    now = now or timezone.now()
    seconds = int((now - _EPOCH).total_seconds())
    return max(1, window - seconds % window)


def client_ip(request: HttpRequest) -> str:
    """The address limits are counted for: the peer, or behind the proxies named by
    ``TRUSTED_PROXIES`` the address they received the request from (see core.proxies)."""
    trusted: proxies.TrustedProxies = getattr(settings, "TRUSTED_PROXIES", proxies.NONE)
    return proxies.client_address(
        str(request.META.get("REMOTE_ADDR", "")),
        str(request.META.get("HTTP_X_FORWARDED_FOR", "")),
        trusted,
    )


def reset(key: str) -> None:
    RateLimitCounter.objects.filter(key=key).delete()


def by_setting(request: HttpRequest, action: str, setting: str, default: Rate) -> int | None:
    """``per_user_and_ip`` with the rate of the Django ``setting``, else ``default``."""
    return per_user_and_ip(request, action, getattr(settings, setting, default))


def per_user_and_ip(request: HttpRequest, action: str, rate: Rate) -> int | None:
    """Count one write by a logged-in user; seconds to wait when the user went over
    ``rate.per_account`` or the client IP over ``rate.per_ip``, else None.

    Both counters are hit, so a refused attempt still counts against the other key.
    """
    window = rate.seconds
    user_ok = hit(f"{action}-user:{request.user.pk}", limit=rate.per_account, window=window)
    ip_ok = hit(private_key(f"{action}-ip", client_ip(request)), limit=rate.per_ip, window=window)
    return None if user_ok and ip_ok else retry_after(window)
