"""Whole-response caching of list pages, paper pages and the API for visitors.

Rendering a day of fifty cards costs tens of milliseconds of CPU, far more than its
queries; most readers are anonymous and see the same page, so it is rendered once
per ``PAGE_CACHE_SECONDS`` and served from the cache until then. Logged-in users
always get a fresh page (it shows their own votes).

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
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import get_conditional_response

from dailypapers.core import density

View = Callable[..., HttpResponse]
_TOKEN_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{32,128})"')


def _placeholder() -> bytes:
    # Derived from the secret key so page text can never forge it, and the same in
    # every worker process.
    digest = hmac.new(settings.SECRET_KEY.encode(), b"page-cache-csrf", hashlib.sha256)
    return b"csrf" + digest.hexdigest().encode()


def _key(request: HttpRequest) -> str:
    # The list density (a cookie) changes the page's markup, so it is part of the key.
    raw = f"{settings.TIME_ZONE}|{density.current(request)}|{request.get_full_path()}"
    return "page:" + hashlib.sha256(raw.encode()).hexdigest()


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
        body = response.content
        # Each form may carry a differently masked token; all become the placeholder.
        tokens = set(_TOKEN_RE.findall(body))
        for token in tokens:
            body = body.replace(token, _placeholder())
        digest = hashlib.sha256(body).hexdigest()
        cache.set(key, (body, response["Content-Type"], digest), ttl)
        return _validated(request, response, _etag(digest, request, bool(tokens)))

    return wrapped


def cached_for_visitors(view: View) -> View:
    """Cache ``view``'s pages for visitors who are not logged in."""
    return _cached(view, same_for_everyone=False)


def cached_for_everyone(view: View) -> View:
    """Cache ``view``, whose responses do not depend on who asks (the JSON API)."""
    return _cached(view, same_for_everyone=True)
