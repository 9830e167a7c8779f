"""Pages of the daily list, trending and paper pages. Thin: parse, query, render."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe

from dailypapers.core import arxiv_ids, periods, ratelimit
from dailypapers.core.pagecache import cached_for_visitors, cached_per_reader
from dailypapers.core.params import page_number
from dailypapers.core.redirects import safe_next
from dailypapers.core.text import clean
from dailypapers.core.web import not_found, too_many
from dailypapers.papers import cards, extras, queries, services
from dailypapers.papers.models import Paper
from dailypapers.papers.trending import EXPLANATION

PAGE_SIZE = 50
TABS: tuple[tuple[periods.Kind, str], ...] = (
    ("day", "Daily"),
    ("week", "Weekly"),
    ("month", "Monthly"),
)


def _period_url(period: periods.Period) -> str:
    segment = {"day": "date", "week": "week", "month": "month"}[period.kind]
    return f"/papers/{segment}/{period.key}"


def _render_period(
    request: HttpRequest, period: periods.Period, *, canonical: bool
) -> HttpResponse:
    number = page_number(request)
    page = queries.daily_list(period, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    # Previous and next lead to the nearest period that has papers, never into empty
    # days (or past the newest list into the future).
    before, after = queries.nearest_days(period)
    previous = periods.containing(period.kind, before) if before else None
    following = periods.containing(period.kind, after) if after else None
    tabs = [
        {
            "label": label,
            "url": _period_url(periods.containing(kind, period.first_day)),
            "active": kind == period.kind,
        }
        for kind, label in TABS
    ]
    if request.user.is_authenticated:
        # The same period ranked for this reader (the foryou app's page).
        tabs.append(
            {"label": "For you", "url": f"/for-you{_period_url(period)[7:]}", "active": False}
        )
    context: dict[str, Any] = {
        "period": period,
        "page": page,
        "page_number": number,
        "tabs": tabs,
        "previous_url": _period_url(previous) if previous else None,
        "next_url": _period_url(following) if following else None,
        "nearest_before": periods.day(before) if before else None,
        "nearest_after": periods.day(after) if after else None,
        "nearest_before_url": _period_url(periods.day(before)) if before else None,
        "nearest_after_url": _period_url(periods.day(after)) if after else None,
        "canonical_url": _period_url(period) if canonical else None,
        "rank_offset": page.offset,
        "nav": "daily",
        # Each reader's vote and marks are filled in by ``cached_per_reader``.
        "cards": cards.slotted(page.items, request),
    }
    return render(request, "papers/daily.html", context)


@require_safe
@cached_per_reader(cards.fill)
def daily_latest(request: HttpRequest) -> HttpResponse:
    if "q" in request.GET:
        # The upstream site searches at /papers?q=; keep such links working.
        return HttpResponseRedirect(f"/search?{request.GET.urlencode()}")
    latest = queries.latest_day()
    if latest is None:
        return render(request, "papers/empty_hub.html")
    return _render_period(request, periods.day(latest), canonical=True)


def _period_view(kind: periods.Kind) -> Any:
    @require_safe
    @cached_per_reader(cards.fill)
    def view(request: HttpRequest, value: str) -> HttpResponse:
        try:
            period = periods.parse(kind, value)
        except ValueError as exc:
            return not_found(request, message=f"{exc}.")
        return _render_period(request, period, canonical=False)

    view.__name__ = f"daily_{kind}"
    return view


daily_date = _period_view("day")
daily_week = _period_view("week")
daily_month = _period_view("month")


@require_safe
@cached_per_reader(cards.fill)
def trending(request: HttpRequest) -> HttpResponse:
    number = page_number(request)
    page = queries.trending(timezone.now(), offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return render(
        request,
        "papers/trending.html",
        {
            "page": page,
            "page_number": number,
            "explanation": EXPLANATION.format(days=settings.TRENDING_WINDOW_DAYS),
            "rank_offset": page.offset,
            "nav": "trending",
            "cards": cards.slotted(page.items, request),
        },
    )


@require_safe
@cached_for_visitors
def paper_detail(request: HttpRequest, ref: str) -> HttpResponse:
    parsed = arxiv_ids.parse(ref)
    if parsed is None:
        shown = clean(ref)
        return not_found(request, message=f"“{shown[:100]}” is not an arXiv id.", query=shown[:250])
    if ref != parsed.id:
        return HttpResponseRedirect(f"/papers/{parsed.id}", status=301)
    paper = queries.paper(parsed.id)
    if paper is None:
        return not_found(request, message=f"No paper {parsed.id} on this hub yet.", query=parsed.id)
    return render(request, "papers/detail.html", paper_context(request, paper))


def paper_context(request: HttpRequest, paper: Paper) -> dict[str, Any]:
    """What the paper page shows; also used by forms that re-render it with an error."""
    submission = getattr(paper, "submission", None)
    return {
        "paper": paper,
        "submission": submission if submission and not submission.hidden else None,
        "authors": list(paper.authors.all()),
        "version_label": f"v{paper.version}" if paper.version else "",
        **extras.for_paper_page(paper),  # "similar", from the search app
        **extras.for_reader(request, paper),  # the reader's own marks, from community
        "voted": queries.voted_paper_ids(request.user, [paper.pk]),
    }


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _back_url(request: HttpRequest, fallback: str) -> str:
    """Where a form POST returns to: the page that sent it, if it is on this site."""
    return safe_next(request, fallback)


def _upvote_limited(request: HttpRequest) -> int | None:
    """Seconds to wait when this user or this IP voted too often, else None."""
    return ratelimit.per_user_and_ip(request, "upvote", settings.UPVOTE_RATE_LIMIT)


@require_POST
def upvote(request: HttpRequest, ref: str) -> HttpResponse:
    """Vote or take a vote back: a form POST is redirected back, a fetch gets JSON."""
    parsed = arxiv_ids.parse(ref)
    paper = queries.paper_by_id(parsed.id) if parsed else None
    if paper is None:
        if _wants_json(request):
            return JsonResponse({"error": "no such paper"}, status=404)
        return not_found(request, message="No such paper on this hub.")
    back = _back_url(request, paper.get_absolute_url())
    if not request.user.is_authenticated:
        login_url = f"{settings.LOGIN_URL}?{urlencode({'next': back, 'why': 'upvote'})}"
        if _wants_json(request):
            return JsonResponse({"error": "log in to vote", "login_url": login_url}, status=401)
        return HttpResponseRedirect(login_url)
    wait = _upvote_limited(request)
    if wait:
        if _wants_json(request):
            return too_many(wait, JsonResponse({"error": "too many votes; try again later"}))
        return too_many(wait, "Too many votes; try again later.")
    wanted = {"1": True, "0": False}.get(request.POST.get("vote", ""))
    state = services.toggle_upvote(int(request.user.pk), paper.pk, wanted)
    if _wants_json(request):
        return JsonResponse(
            {"paper": paper.arxiv_id, "voted": state.voted, "upvotes": state.upvotes}
        )
    return HttpResponseRedirect(back)
