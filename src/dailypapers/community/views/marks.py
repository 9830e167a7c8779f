"""A reader's marks: the form that sets them and the read-later list. Thin: parse, call, render.

Marks are private: the list is the signed-in reader's own, the page is never cached
for anyone else, and the form only ever changes the poster's marks. Writes are POST
only, with CSRF, and rate-limited per user and per client IP (429 with Retry-After).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe

from dailypapers.community import marks
from dailypapers.community.queries import marks as queries
from dailypapers.community.services import marks as services
from dailypapers.config import Rate
from dailypapers.core import ratelimit
from dailypapers.core.params import page_number
from dailypapers.core.redirects import safe_next
from dailypapers.core.web import bad_request, paper_or_404, too_many
from dailypapers.papers import queries as paper_queries

PAGE_SIZE = 50
# Writes per user, per client IP, and the window in seconds.
DEFAULT_RATE_LIMIT = Rate(per_account=300, per_ip=1000, seconds=600)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _wish(request: HttpRequest) -> tuple[str, bool] | None:
    """The one mark the form asks to set (``kind=1``) or clear (``kind=0``)."""
    asked = [(kind, request.POST[kind]) for kind in sorted(services.KINDS) if kind in request.POST]
    if len(asked) != 1 or asked[0][1] not in ("0", "1"):
        return None
    kind, value = asked[0]
    return kind, value == "1"


@require_POST
def mark(request: HttpRequest, ref: str) -> HttpResponse:
    """Set or clear one mark: a form POST goes back where it came from, a fetch gets JSON."""
    paper = paper_or_404(request, ref, paper_queries.paper_by_id)
    if isinstance(paper, HttpResponse):
        return paper
    back = safe_next(request, paper.get_absolute_url())
    if not request.user.is_authenticated:
        login_url = f"{settings.LOGIN_URL}?{urlencode({'next': back})}"
        if _wants_json(request):
            answer = {"error": "log in to mark papers", "login_url": login_url}
            return JsonResponse(answer, status=401)
        return HttpResponseRedirect(login_url)
    wish = _wish(request)
    if wish is None:
        return bad_request(request, "Send one of seen=0|1 or later=0|1.")
    wait = ratelimit.by_setting(request, "mark", "MARK_RATE_LIMIT", DEFAULT_RATE_LIMIT)
    if wait:
        return too_many(wait, "Too many changes to your marks; try again later.")
    kind, on = wish
    services.set_mark(int(request.user.pk), paper.pk, kind, on)
    if _wants_json(request):
        return JsonResponse({"paper": paper.arxiv_id, "mark": kind, "on": on})
    return HttpResponseRedirect(back)


@login_required
@require_safe
def read_later(request: HttpRequest) -> HttpResponse:
    """The reader's own read-later list, with the mark buttons on each paper."""
    assert request.user.is_authenticated
    user_id = int(request.user.pk)
    number = page_number(request)
    page = queries.read_later(user_id, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    papers = [m.paper for m in page.items]
    buttons = marks.on_cards(request, papers)
    rows = [{"mark": m, "paper": m.paper, "buttons": buttons.get(m.paper.pk)} for m in page.items]
    context = {"page": page, "rows": rows, "page_number": number, "nav": "read-later"}
    response = render(request, "community/marks/read_later.html", context)
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
