"""A user's public page (community.queries.profiles)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from dailypapers.community.queries.profiles import profile_page
from dailypapers.core.web import not_found


@require_safe
def profile(request: HttpRequest, username: str) -> HttpResponse:
    viewer = request.user if request.user.is_authenticated else None
    page = profile_page(username, viewer=viewer)
    if page is None:
        return not_found(request, message=f"No user {username[:100]} on this hub.")
    own = viewer is not None and viewer.pk == page.user.pk
    return render(request, "accounts/profile.html", {"page": page, "own": own})
