"""The digest section of the account settings page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import template

from dailypapers.digests import compose, services

register = template.Library()


def _paths(links: compose.Links) -> dict[str, str]:
    return {
        "manage": urlsplit(links.manage).path,
        "preview": urlsplit(links.preview).path,
        "unsubscribe": urlsplit(links.unsubscribe).path,
    }


@register.inclusion_tag("digests/_account.html", takes_context=True)
def account_digest(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    sub = services.account_subscription(user)
    return {
        "show": True,
        "email": user.email,
        "subscription": sub,
        # Paths, not the absolute links of the emails: this page may be on another host name.
        "links": _paths(compose.Links.of(sub)) if sub is not None else None,
        "csrf_token": context.get("csrf_token"),
        "saved": context.get("saved", ""),
    }
