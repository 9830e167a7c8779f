"""The For-you section of the account settings page."""

from __future__ import annotations

from typing import Any

from django import template

from dailypapers.foryou import queries

register = template.Library()


@register.inclusion_tag("foryou/_settings.html", takes_context=True)
def account_foryou(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    return {"show": True, "enabled": queries.enabled(user), "csrf_token": context.get("csrf_token")}
