"""The digest section of /healthz and `dailypapers status` (see dailypapers.core.status)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Max, Min

from dailypapers.core import email_url
from dailypapers.core.status import register, when
from dailypapers.digests.models import Subscription


@register("digests")
def digests_section() -> dict[str, Any]:
    subscribers = Subscription.objects.active()
    times = subscribers.aggregate(next_due=Min("next_digest_at"), last_sent=Max("last_sent_at"))
    mail = email_url.in_use(settings)
    return {
        "subscribers": subscribers.count(),
        "next_due": when(times["next_due"]),
        "last_sent": when(times["last_sent"]),
        # The address of the mail server, never its password.
        "mail": mail.safe_url(),
        "links": settings.BASE_URL,
    }
