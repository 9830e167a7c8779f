"""How dense the lists are: cards (title, summary, facts) or compact (one row per paper).

The choice is a cookie, set by a small POST form on every list page (so it works
without JavaScript and for visitors who are not logged in). Pages read it through
the ``site`` context processor and mark ``<body>`` with it; the stylesheet does the
rest. Cached pages differ by it (``core.pagecache`` keys on :func:`current`).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_POST

from dailypapers.core.redirects import safe_next
from dailypapers.core.web import bad_request

COOKIE = "dp_density"
CARDS = "cards"
COMPACT = "compact"
CHOICES = (CARDS, COMPACT)
# A year: a reading preference, not a session.
MAX_AGE = 365 * 24 * 3600


def current(request: HttpRequest) -> str:
    """The visitor's density; anything but a known value counts as cards."""
    value = request.COOKIES.get(COOKIE, CARDS)
    return value if value in CHOICES else CARDS


@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    """Remember the density the form asks for and go back to the list it was sent from."""
    wanted = request.POST.get("density", "")
    if wanted not in CHOICES:
        return bad_request(request, f"The density must be one of: {', '.join(CHOICES)}.")
    response = HttpResponseRedirect(safe_next(request, "/papers"))
    response.set_cookie(
        COOKIE,
        wanted,
        max_age=MAX_AGE,
        samesite="Lax",
        httponly=True,
        secure=request.is_secure(),
    )
    return response
