"""Whole-response caching of list pages, paper pages and the API for visitors.

Rendering a day of fifty cards costs tens of milliseconds of CPU, far more than its
queries; most readers are anonymous and see the same page, so it is rendered once
per ``PAGE_CACHE_SECONDS`` and served from the cache until then. Signed-in
readers get a fresh paper page; the lists (``cached_per_reader``) are stored once for
all of them, with each reader's own parts filled in (see below).

Pages carry CSRF tokens (vote and subscribe forms), which are per visitor. The stored
copy holds a placeholder instead, and every response gets the visitor's own token
(and with it the token cookie). A stored copy without a placeholder (any JSON) is
the same for everyone: no token is made for it, so no cookie is set, and a response
marked ``public`` never hands one visitor's cookie to another through a shared cache.

Every response served here carries an ``ETag``: the stored body's digest, mixed with
the visitor's CSRF secret when the body carries tokens (the same page with another
visitor's token is another representation). A request whose ``If-None-Match``
matches gets a 304.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.cache import get_conditional_response

from dailypapers.core import density

View = Callable[..., HttpResponse]
_TOKEN_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{32,128})"')


def _placeholder() -> bytes:
    # Derived from the secret key so page text can never forge it, and the same in
    # every worker process.
    digest = hmac.new(settings.SECRET_KEY.encode(), b"page-cache-csrf", hashlib.sha256)
    return b"csrf" + digest.hexdigest().encode()


def _key(request: HttpRequest, kind: str = "page") -> str:
    # The list density (a cookie) changes the page's markup, so it is part of the key.
    raw = f"{settings.TIME_ZONE}|{density.current(request)}|{request.get_full_path()}"
    return f"{kind}:" + hashlib.sha256(raw.encode()).hexdigest()


def _tokens_to_placeholder(body: bytes) -> tuple[bytes, bool]:
    """``body`` with every form's token replaced by the placeholder; whether it had any."""
    # Each form may carry a differently masked token; all become the placeholder.
    tokens = set(_TOKEN_RE.findall(body))
    for token in tokens:
        body = body.replace(token, _placeholder())
    return body, bool(tokens)


def _etag(digest: str, request: HttpRequest, per_visitor: bool) -> str:
    if per_visitor:
        secret = str(request.META.get("CSRF_COOKIE", ""))
        digest = hashlib.sha256(f"{digest}|{secret}".encode()).hexdigest()
    return f'"{digest[:32]}"'


def _validated(request: HttpRequest, response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    conditional = get_conditional_response(request, etag=etag, response=response)
    return conditional if conditional is not None else response


def _cached(view: View, *, same_for_everyone: bool) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        ttl = settings.PAGE_CACHE_SECONDS
        if ttl <= 0 or request.method != "GET":
            return view(request, *args, **kwargs)
        # Reading request.user touches the session (and adds ``Vary: Cookie``): only
        # for pages that differ between visitors.
        if not same_for_everyone and request.user.is_authenticated:
            return view(request, *args, **kwargs)
        key = _key(request)
        stored = cache.get(key)
        if stored is not None and len(stored) == 3:
            body, content_type, digest = stored
            per_visitor = _placeholder() in body
            if per_visitor:
                body = body.replace(_placeholder(), get_token(request).encode())
            response = HttpResponse(body, content_type=content_type)
            return _validated(request, response, _etag(digest, request, per_visitor))
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming:
            return response
        body, has_tokens = _tokens_to_placeholder(response.content)
        digest = hashlib.sha256(body).hexdigest()
        cache.set(key, (body, response["Content-Type"], digest), ttl)
        return _validated(request, response, _etag(digest, request, has_tokens))

    return wrapped


def cached_for_visitors(view: View) -> View:
    """Cache ``view``'s pages for visitors who are not logged in."""
    return _cached(view, same_for_everyone=False)


def cached_for_everyone(view: View) -> View:
    """Cache ``view``, whose responses do not depend on who asks (the JSON API)."""
    return _cached(view, same_for_everyone=True)


# -- Pages shared by every signed-in reader -----------------------------------------------
#
# A list page differs between signed-in readers only in a few places: the header's
# account links, the CSRF tokens, and each card's reader slots (their vote, their
# reading marks; see ``papers.cards``). It is stored once for all readers with those
# places left open, and each reader's copy is filled in from the stored one: two small
# queries instead of rendering the list. Other readers' votes and comments show up
# within ``PAGE_CACHE_SECONDS``, as for visitors; a reader's own writes show at once,
# since a page stored before their last write is not used for them (``NoteWrites``).

Fill = Callable[[str, HttpRequest], str]


def _account_placeholder() -> bytes:
    digest = hmac.new(settings.SECRET_KEY.encode(), b"page-cache-account", hashlib.sha256)
    return b"account" + digest.hexdigest().encode()


def _account(request: HttpRequest) -> bytes:
    """The header's account links for this reader, as ``base.html`` includes them, with
    the token placeholder in the logout form."""
    context = {"user": request.user, "request": request, "csrf_token": _placeholder().decode()}
    return render_to_string("core/_account.html", context).encode()


def _wrote_key(user_pk: object) -> str:
    return f"wrote:{user_pk}"


def _filled(response: HttpResponse, request: HttpRequest, fill: Fill) -> HttpResponse:
    if response.status_code == 200 and not response.streaming:
        response.content = fill(response.content.decode(), request).encode()
    return response


def _for_reader(
    view: View, fill: Fill, request: HttpRequest, args: Any, kwargs: Any
) -> HttpResponse:
    ttl = settings.PAGE_CACHE_SECONDS
    key, wrote_key = _key(request, "reader"), _wrote_key(request.user.pk)
    found = cache.get_many([key, wrote_key])
    stored = found.get(key)
    account = _account(request)
    if stored is None or len(stored) != 3 or stored[2] <= found.get(wrote_key, 0.0):
        started = time.time()
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming:
            return _filled(response, request, fill)
        body, _ = _tokens_to_placeholder(response.content)
        if body.count(account) != 1:  # a page without the usual header: not shared
            return _filled(response, request, fill)
        stored = (body.replace(account, _account_placeholder()), response["Content-Type"], started)
        cache.set(key, stored, ttl)
    body, content_type, _ = stored
    body = body.replace(_account_placeholder(), account)
    body = body.replace(_placeholder(), get_token(request).encode())
    return HttpResponse(fill(body.decode(), request).encode(), content_type=content_type)


def cached_per_reader(fill: Fill) -> Callable[[View], View]:
    """Cache a page for visitors as ``cached_for_visitors`` does, and once for all
    signed-in readers, each reader's parts filled in by ``fill`` (html, request)."""

    def decorate(view: View) -> View:
        def rendered(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            return _filled(view(request, *args, **kwargs), request, fill)

        for_visitors = cached_for_visitors(rendered)

        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if (
                settings.PAGE_CACHE_SECONDS <= 0
                or request.method != "GET"
                or not request.user.is_authenticated
            ):
                return for_visitors(request, *args, **kwargs)
            return _for_reader(view, fill, request, args, kwargs)

        return wrapped

    return decorate


class NoteWrites:
    """Middleware: remembers when a signed-in reader last changed something (a vote, a
    comment, a mark, a submission, through a page or the API), so that a page stored
    for all readers before that moment is rendered anew for them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method in ("GET", "HEAD", "OPTIONS") or response.status_code >= 400:
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ttl = max(settings.PAGE_CACHE_SECONDS, 1)
            cache.set(_wrote_key(user.pk), time.time(), ttl)
        return response
