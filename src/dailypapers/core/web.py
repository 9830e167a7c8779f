"""The answers views share: 400 for text that cannot be stored, 404, 429, and one page
of a longer list.

Requests whose text cannot be stored are refused before any view sees them.

PostgreSQL refuses a NUL character in text (``DataError``, a 500 in every view that
passes the value to a query), and a lone surrogate or bytes that are not UTF-8 are
not text at all. Rather than teaching every view and form about them, one
middleware answers 400 with a message saying what is wrong, in the API's JSON shape
for ``/api/`` addresses. It looks at the address, the query string and form bodies
(URL-encoded and multipart, field names and values). Under /admin/ it also refuses
the few values Django's admin itself fails on (see ``_admin_problem``).

``not_found`` is the site's 404 page (also Django's ``handler404``), ``too_many`` and
``too_many_page`` answer 429 always with ``Retry-After``, ``paper_or_404`` looks a
paper up by the arXiv id in its address, and ``Page[T]`` is what list queries return.
Parameters from the query string are read by ``dailypapers.core.params``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from dailypapers.core import arxiv_ids
from dailypapers.core.params import to_int, unstorable

T = TypeVar("T")

_FORM = "application/x-www-form-urlencoded"
_REPERCENTED = re.compile(r"%[89A-F][0-9A-F]")
_DATE_PARTS = (("__year", 1, 9998), ("__month", 1, 12), ("__day", 1, 31))
_MULTIPART = "multipart/form-data"


def _raw_bytes(value: str) -> bytes | None:
    """The bytes of a WSGI value (latin-1 by PEP 3333); None when it is already text."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return None


def _encoded_problem(raw: bytes, plus_is_space: bool) -> str | None:
    """What is wrong with percent-encoded ``raw`` once decoded, or None."""
    if plus_is_space:
        raw = raw.replace(b"+", b" ")
    try:
        decoded = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return "bytes that are not UTF-8 text"
    return unstorable(decoded)


def _path_problem(request: HttpRequest) -> str | None:
    # Django has already turned bytes that are not UTF-8 back into "%XX" escapes
    # (upper case, 80-FF); a path of this site never holds such text otherwise.
    if _REPERCENTED.search(request.path_info):
        return "bytes that are not UTF-8 text"
    return unstorable(request.path_info)


def _query_problem(request: HttpRequest) -> str | None:
    query = str(request.META.get("QUERY_STRING", ""))
    raw = _raw_bytes(query)
    return _encoded_problem(raw if raw is not None else query.encode(), plus_is_space=True)


def _form_problem(request: HttpRequest) -> tuple[str, str] | None:
    """(where, what) for the first unstorable form field, or None."""
    content_type = request.content_type or ""
    if content_type == _FORM:
        problem = _encoded_problem(request.body, plus_is_space=True)
        return ("the form data", problem) if problem else None
    if content_type == _MULTIPART:
        for name, values in request.POST.lists():
            problem = unstorable(name)
            if problem:
                return "a form field name", problem
            for value in values:
                problem = unstorable(value)
                if problem:
                    return f"the form field “{name[:40]}”", problem
        for name, uploads in request.FILES.lists():
            for upload in [name, *(u.name or "" for u in uploads)]:
                problem = unstorable(upload)
                if problem:
                    return "an uploaded file's name", problem
    return None


def _admin_problem(request: HttpRequest) -> str | None:
    """What Django's admin would answer with a 500 (it is Django's code, so the check
    is here): ids past 64 bits in its choice fields and filters (OverflowError on
    SQLite), and date-hierarchy filters past the calendar (``?created_at__year=9999``
    makes it add a year to 9999)."""
    values = request.GET.lists()
    if request.method == "POST":
        values = [*values, *request.POST.lists()]
    for name, items in values:
        for value in items:
            if value.isascii() and value.isdigit() and len(value) > 18 and int(value) >= 2**63:
                return f"The parameter “{name[:40]}” holds a number too large to be an id."
        for suffix, low, high in _DATE_PARTS:
            if name.endswith(suffix) and any(to_int(v, low, high) is None for v in items):
                return f"The parameter “{name[:40]}” must be from {low} to {high}."
    return None


def problem(request: HttpRequest) -> str | None:
    """Why this request's text cannot be used, as a sentence; None when it can."""
    found = _path_problem(request)
    if found:
        return f"The address contains {found}."
    found = _query_problem(request)
    if found:
        return f"The query string contains {found}."
    if request.method in ("POST", "PUT", "PATCH"):
        form = _form_problem(request)
        if form:
            where, what = form
            return f"{where[0].upper()}{where[1:]} contains {what}."
    if request.path_info.startswith("/admin/"):
        return _admin_problem(request)
    return None


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    """A 400 saying ``message``: JSON ``{"error": ...}`` under /api/, plain text elsewhere."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"error": message}, status=400)
    return HttpResponse(
        f"Bad request. {message}\n", status=400, content_type="text/plain; charset=utf-8"
    )


class RejectUnstorableInputMiddleware:
    """Answer 400 to a request with NUL, lone surrogates or non-UTF-8 bytes in its text."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        message = problem(request)
        if message:
            return bad_request(request, message)
        return self.get_response(request)


# -- 404 -------------------------------------------------------------------------------


def not_found(
    request: HttpRequest,
    exception: Exception | None = None,
    *,
    message: str = "",
    query: str = "",
) -> HttpResponse:
    """The site's 404 page: ``message``, a search box holding ``query``, a link to arXiv
    when ``query`` names an arXiv id, and one to the latest daily list."""
    mentioned = arxiv_ids.find(query) if query else None
    context = {
        "message": message or "There is nothing at this address.",
        "query": query,
        "arxiv_id": mentioned.id if mentioned else "",
    }
    return render(request, "404.html", context, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)


def paper_or_404(
    request: HttpRequest,
    ref: str,
    load: Callable[[str], T | None],
    message: str = "No such paper on this hub.",
) -> T | HttpResponse:
    """``load(arxiv_id)`` for the arXiv id ``ref`` names; the 404 page when ``ref`` is no
    arXiv id or ``load`` finds nothing. ``load`` is the query the view needs (a plain
    paper, one with its details, ...)."""
    parsed = arxiv_ids.parse(ref)
    found = load(parsed.id) if parsed else None
    if found is None:
        return not_found(request, message=message)
    return found


# -- 429 -------------------------------------------------------------------------------


def retry_minutes(wait: int) -> int:
    """``wait`` seconds as whole minutes, rounded up, at least one: what pages say."""
    return max(1, (wait + 59) // 60)


def too_many(wait: int, answer: HttpResponse | str) -> HttpResponse:
    """``answer`` as a 429 that says when to try again (``Retry-After``: ``wait`` seconds);
    a string becomes a plain-text answer."""
    response = (
        answer
        if isinstance(answer, HttpResponse)
        else HttpResponse(answer, content_type="text/plain; charset=utf-8")
    )
    response.status_code = 429
    response["Retry-After"] = str(wait)
    return response


def too_many_page(
    request: HttpRequest, template: str, context: dict[str, Any], wait: int
) -> HttpResponse:
    """A form page again as a 429: its template shows ``limited`` and ``retry_minutes``."""
    context = {**context, "limited": True, "retry_minutes": retry_minutes(wait)}
    return too_many(wait, render(request, template, context))


# -- lists -----------------------------------------------------------------------------


@dataclass
class Page(Generic[T]):
    """One page of a longer list: its ``items``, the list's length, where it starts."""

    items: list[T]
    total: int
    offset: int
    limit: int

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.items) < self.total

    @property
    def has_previous(self) -> bool:
        return self.offset > 0
