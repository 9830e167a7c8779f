"""The For-you pages. Thin: parse, query, render; writes go through services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from dailypapers.config import Rate
from dailypapers.core import periods, ratelimit
from dailypapers.core.params import page_number
from dailypapers.core.redirects import safe_next
from dailypapers.core.web import not_found, paper_or_404, retry_minutes, too_many
from dailypapers.foryou import library, queries, services
from dailypapers.papers import cards
from dailypapers.papers import queries as paper_queries

PAGE_SIZE = 50
# Writes per user, per client IP, and the window in seconds: library imports (each
# reads up to a 2 MB file and links up to 5,000 papers), and "less like this" clicks.
DEFAULT_LIBRARY_RATE_LIMIT = Rate(per_account=20, per_ip=60, seconds=3600)
DEFAULT_LESS_LIKE_RATE_LIMIT = Rate(per_account=300, per_ip=1000, seconds=600)


SEGMENTS: dict[str, periods.Kind] = {"date": "day", "week": "week", "month": "month"}
TABS: tuple[tuple[periods.Kind, str], ...] = (
    ("day", "Daily"),
    ("week", "Weekly"),
    ("month", "Monthly"),
)


def period_url(period: periods.Period, *, personal: bool) -> str:
    segment = {"day": "date", "week": "week", "month": "month"}[period.kind]
    return f"/{'for-you' if personal else 'papers'}/{segment}/{period.key}"


@never_cache
@login_required
@require_safe
def latest(request: HttpRequest) -> HttpResponse:
    day = paper_queries.latest_day()
    if day is None:
        return HttpResponseRedirect("/papers")
    return _page(request, periods.day(day))


@never_cache
@login_required
@require_safe
def for_period(request: HttpRequest, segment: str, value: str) -> HttpResponse:
    kind = SEGMENTS.get(segment)
    if kind is None:
        return not_found(request, message="No such list.")
    try:
        period = periods.parse(kind, value)
    except ValueError as exc:
        return not_found(request, message=f"{exc}.")
    return _page(request, period)


def _page(request: HttpRequest, period: periods.Period) -> HttpResponse:
    number = page_number(request)
    user = request.user
    assert user.is_authenticated
    result = queries.ranked_period(user, period, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    subs = [e.submission for e in result.entries]
    voted = paper_queries.voted_paper_ids(user, [s.paper_id for s in subs])
    items = [
        {
            "card": card,
            "reason": e.reason,
            "less": e.less,
            "arxiv_id": e.submission.paper.arxiv_id,
        }
        for e, card in zip(result.entries, cards.render_each(subs, voted, request), strict=True)
    ]
    before, after = paper_queries.nearest_days(period)
    previous = periods.containing(period.kind, before) if before else None
    following = periods.containing(period.kind, after) if after else None
    tabs = [
        {
            "label": label,
            "url": period_url(periods.containing(kind, period.first_day), personal=False),
            "active": False,
        }
        for kind, label in TABS
    ]
    tabs.append({"label": "For you", "url": request.path, "active": True})
    kinds = [
        {
            "label": label,
            "url": period_url(periods.containing(kind, period.first_day), personal=True),
            "active": kind == period.kind,
        }
        for kind, label in TABS
    ]
    context: dict[str, Any] = {
        "period": period,
        "ranking": result,
        "items": items,
        "enabled": queries.enabled(user),
        "tabs": tabs,
        "kinds": kinds,
        "page_number": number,
        "has_next": number * PAGE_SIZE < result.total,
        "previous_url": period_url(previous, personal=True) if previous else None,
        "next_url": period_url(following, personal=True) if following else None,
        "nav": "daily",
        "here": request.get_full_path(),
    }
    return render(request, "foryou/list.html", context)


@never_cache
@login_required
@require_safe
def confirm_less(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """The digest's "less like this" link: a page asking to confirm (a GET changes nothing)."""
    paper = paper_or_404(request, arxiv_id, paper_queries.paper_by_id)
    if isinstance(paper, HttpResponse):
        return paper
    return render(request, "foryou/less.html", {"paper": paper})


@login_required
@require_POST
def less_like(request: HttpRequest) -> HttpResponse:
    """Less like this (or undo it): stored at once, and the list it came from is shown again."""
    paper = paper_or_404(request, request.POST.get("paper", ""), paper_queries.paper_by_id)
    if isinstance(paper, HttpResponse):
        return paper
    user = request.user
    assert user.is_authenticated
    wait = ratelimit.by_setting(
        request, "less-like", "LESS_LIKE_RATE_LIMIT", DEFAULT_LESS_LIKE_RATE_LIMIT
    )
    if wait:
        return too_many(wait, "Too many changes to your For-you list; try again later.")
    services.less_like(user, paper, undo=request.POST.get("undo") == "1")
    return HttpResponseRedirect(safe_next(request, "/for-you"))


@login_required
@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    """The settings switch: off deletes the profile and the "less like this" marks."""
    wanted = {"on": True, "off": False}.get(request.POST.get("personalize", ""))
    if wanted is None:
        return HttpResponse("Say on or off.", status=400, content_type="text/plain")
    user = request.user
    assert user.is_authenticated
    services.set_enabled(user, wanted)
    return HttpResponseRedirect(safe_next(request, "/settings"))


@login_required
@require_POST
def upload_library(request: HttpRequest) -> HttpResponse:
    """Seed interests from a BibTeX file, CSL JSON or arXiv id list (file or pasted)."""
    user = request.user
    assert user.is_authenticated
    wait = ratelimit.by_setting(
        request, "library", "LIBRARY_RATE_LIMIT", DEFAULT_LIBRARY_RATE_LIMIT
    )
    if wait:
        error = f"Too many imports; try again in {retry_minutes(wait)} minutes."
        return too_many(wait, render(request, "foryou/library.html", {"error": error}))
    upload = request.FILES.get("library")
    try:
        if upload is not None:
            if upload.size is not None and upload.size > library.MAX_BYTES:
                raise library.LibraryError("The file is larger than 2 MB.")
            text = library.decode(upload.read(library.MAX_BYTES + 1))
        else:
            text = request.POST.get("ids", "")[: library.MAX_BYTES]
        if not queries.enabled(user):
            raise library.LibraryError("Personalization is off: turn it on first.")
        done = library.add(user, text)
    except library.LibraryError as exc:
        return render(request, "foryou/library.html", {"error": str(exc)}, status=400)
    return render(request, "foryou/library.html", {"done": done})
