"""The read API, compatible with the Hugging Face ``/api/daily_papers`` and ``/api/papers``.

Thin: parse the parameters, query, serialize.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from dailypapers.api import listing, params
from dailypapers.core import arxiv_ids
from dailypapers.core.pagecache import cached_for_everyone
from dailypapers.papers import queries, serializers

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, P], HttpResponse]


def error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def public_read(view: View[P]) -> View[P]:
    """GET and HEAD only, cacheable by anyone for a minute, readable from any origin.

    Exempt from CSRF so that other methods get a 405 rather than a 403: nothing here
    changes state.
    """

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if request.method in ("GET", "HEAD"):
            response = view(request, *args, **kwargs)
            response["Cache-Control"] = "public, max-age=60"
        else:
            response = error("this API is read-only: use GET", 405)
            response["Allow"] = "GET, HEAD"
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapper


@public_read
@cached_for_everyone
def daily_papers(request: HttpRequest) -> HttpResponse:
    try:
        query = params.daily_query(request.GET)
    except params.ParamError as exc:
        return error(str(exc), 400)
    page = listing.entries(query, timezone.now())
    data: list[Any] = [serializers.daily_entry(s) for s in page.items]
    response = JsonResponse(data, safe=False)
    if page.has_next:
        response["Link"] = next_link(request, query.page + 1)
    return response


def next_link(request: HttpRequest, page: int) -> str:
    """``Link: <...>; rel="next"``: this address with ``p`` one further."""
    params = request.GET.copy()
    params["p"] = str(page)
    return f'<{request.build_absolute_uri(request.path)}?{params.urlencode()}>; rel="next"'


@public_read
@cached_for_everyone
def paper(request: HttpRequest, ref: str) -> HttpResponse:
    parsed = arxiv_ids.parse(ref)
    if parsed is None:
        return error(f"{ref[:100]!r} is not an arXiv id", 404)
    found = queries.paper(parsed.id)
    if found is None:
        return error(f"no paper {parsed.id} on this hub", 404)
    repos = queries.linked_repos(found)
    return JsonResponse(serializers.paper_info(found, repos))


@public_read
@cached_for_everyone
def arxiv_repos(request: HttpRequest, ref: str) -> HttpResponse:
    """The repositories citing a paper, in the Hub's shape: models, datasets, spaces."""
    parsed = arxiv_ids.parse(ref)
    if parsed is None:
        return error(f"{ref[:100]!r} is not an arXiv id", 404)
    found = queries.paper_by_id(parsed.id)
    if found is None:
        return error(f"no paper {parsed.id} on this hub", 404)
    return JsonResponse(serializers.linked_repos(queries.linked_repos(found)))
