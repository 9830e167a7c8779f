"""JSON endpoints of search, in the Hugging Face response shape."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

from dailypapers.api.views import error, next_link, public_read
from dailypapers.core import arxiv_ids
from dailypapers.papers import queries
from dailypapers.search import engine, params, similar
from dailypapers.search.engine import Hit
from dailypapers.search.hits import entry

MAX_LIMIT = 120
DEFAULT_LIMIT = 50
MAX_SIMILAR = 50


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
