"""Where a form returns to after it is posted."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, fallback: str, wanted: str | None = None) -> str:
    """``wanted`` (default: the form's ``next`` field) if it stays on this site, else
    ``fallback``: a form must never send anyone to another site."""
    if wanted is None:
        wanted = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return fallback
