"""The search page, and /healthz (what the hub is doing, search index first)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from dailypapers.core import status
from dailypapers.core.params import page_number
from dailypapers.papers import queries
from dailypapers.papers.models import Paper
from dailypapers.search import params, search

SEARCH_PAGE = 20
SEARCH_SORTS = (("relevance", "Relevance"), ("upvotes", "Upvotes"), ("date", "Newest"))


@require_safe
def search_page(request: HttpRequest) -> HttpResponse:
    wanted = params.parse(request.GET, strict=False)
    number = page_number(request)
    result = search(
        wanted.q,
        filters=wanted.filters,
        sort=wanted.sort,
        offset=(number - 1) * SEARCH_PAGE,
        limit=SEARCH_PAGE,
        full=False,  # the page shows no authors
    )
    if result.redirect:
        return HttpResponseRedirect(f"/papers/{result.redirect}")
    searched = not result.query.empty or wanted.filters.any
    trending = []
    if not result.hits and not result.suggestion:
        trending = queries.trending(timezone.now(), limit=10).items

    def with_page(to_page: int | None = None, **changes: str) -> str:
        query = request.GET.copy()
        for key, value in changes.items():
            query[key] = value
        query.pop("page", None)
        if to_page and to_page > 1:
            query["page"] = str(to_page)
        return query.urlencode()

    shown = ("from", "to", "cat", "org", "list", "code")
    form = {key: request.GET.get(key, "")[:100] for key in shown}
    form["sort"] = wanted.sort
    return render(
        request,
        "papers/search.html",
        {
            "query": result.query.raw,
            "search_query": result.query.raw,
            "result": result,
            "notes": [*wanted.notes, *result.notes],
            "searched": searched,
            "filtered": wanted.filters.any,
            "filters_open": wanted.filters.any or wanted.sort != "relevance",
            "form": form,
            "sorts": SEARCH_SORTS,
            "trending": trending,
            "suggestion_query": with_page(q=result.suggestion) if result.suggestion else "",
            "previous_query": with_page(number - 1) if number > 1 else "",
            "next_query": with_page(number + 1) if result.has_next else "",
        },
    )


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Up, and what the hub is doing: search index, worker, syncs, digests (core.status)."""
    try:
        Paper.objects.exists()
    except Exception as exc:  # the database itself is down: say so, do not 500
        return JsonResponse({"ok": False, "error": type(exc).__name__}, status=503)
    report = status.collect()
    report["search"]["ok"] = "error" not in report["search"]
    return JsonResponse({"ok": True, **report})
