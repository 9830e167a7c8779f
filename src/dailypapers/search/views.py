"""JSON endpoints of search, in the Hugging Face response shape, and /healthz."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from dailypapers.api import serializers
from dailypapers.api.views import error, next_link, public_read
from dailypapers.core import arxiv_ids, status
from dailypapers.core.timefmt import iso_z
from dailypapers.papers import queries
from dailypapers.papers.models import Paper
from dailypapers.search import engine, params, similar
from dailypapers.search.engine import Hit

MAX_LIMIT = 120
DEFAULT_LIMIT = 50
MAX_SIMILAR = 50


def entry(paper: Paper, hit: Hit | None = None) -> dict[str, Any]:
    """One search result as upstream sends it: the paper, a few top-level copies, highlights."""
    submission = getattr(paper, "submission", None)
    if submission is not None and submission.hidden:
        submission = None
    when = submission.submitted_at if submission else paper.published_at
    out: dict[str, Any] = {"paper": serializers.paper_object(paper)}
    if when:
        out["publishedAt"] = iso_z(when)
    out["title"] = paper.title
    out["summary"] = paper.abstract
    out["thumbnail"] = serializers.THUMBNAIL_URL.format(id=paper.arxiv_id)
    out["numComments"] = paper.num_comments
    out["upvoted"] = False
    out["isAuthorParticipating"] = False
    if hit is not None:
        out["highlightedTitle"] = hit.title_segments or [{"type": "text", "text": paper.title}]
        out["highlightedSummary"] = hit.summary_segments or (
            [{"type": "text", "text": paper.abstract}] if paper.abstract else []
        )
    return out


@public_read
def search(request: HttpRequest) -> HttpResponse:
    try:
        wanted = params.parse(request.GET, strict=True)
        limit = params.integer(request.GET, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        page = params.integer(request.GET, "p", 0, 0, engine.CANDIDATES)
    except params.ParamError as exc:
        return error(str(exc), 400)
    if not wanted.q.strip() and not wanted.filters.any:
        return error("q is required: the words to search for", 400)
    result = engine.search(
        wanted.q,
        filters=wanted.filters,
        sort=wanted.sort,
        offset=page * limit,
        limit=limit,
    )
    if result.redirect:
        found = queries.paper(result.redirect)
        if found is None:
            return JsonResponse([], safe=False)
        hit = Hit(found, 1.0, [], [])
        return JsonResponse([entry(found, hit)], safe=False)
    response = JsonResponse([entry(hit.paper, hit) for hit in result.hits], safe=False)
    if result.offset + len(result.hits) < result.total:
        response["Link"] = next_link(request, page + 1)
    return response


@public_read
def similar_papers(request: HttpRequest, ref: str) -> HttpResponse:
    parsed = arxiv_ids.parse(ref)
    if parsed is None:
        return error(f"{ref[:100]!r} is not an arXiv id", 404)
    try:
        limit = params.integer(request.GET, "limit", 10, 1, MAX_SIMILAR)
    except params.ParamError as exc:
        return error(str(exc), 400)
    found = queries.paper(parsed.id)
    if found is None:
        return error(f"no paper {parsed.id} on this hub", 404)
    result = similar(found, limit)
    response = JsonResponse([entry(p) for p in result.papers], safe=False)
    response["X-Similar-By"] = result.method
    return response


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
