"""Whole-page caching of list and paper pages for visitors who are not logged in.

Rendering a day of fifty cards costs tens of milliseconds of CPU, far more than its
queries; most readers are anonymous and see the same page, so it is rendered once
per ``PAGE_CACHE_SECONDS`` and served from the cache until then. Logged-in users
always get a fresh page (it shows their own votes).

Pages carry CSRF tokens (vote and subscribe forms), which are per visitor. The stored
copy holds a placeholder instead, and every response gets the visitor's own token.
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

View = Callable[..., HttpResponse]
_TOKEN_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{32,128})"')


def _placeholder() -> bytes:
    # Derived from the secret key so page text can never forge it, and the same in
    # every worker process.
    digest = hmac.new(settings.SECRET_KEY.encode(), b"page-cache-csrf", hashlib.sha256)
    return b"csrf" + digest.hexdigest().encode()


def _key(request: HttpRequest) -> str:
    raw = f"{settings.TIME_ZONE}|{request.get_full_path()}"
    return "page:" + hashlib.sha256(raw.encode()).hexdigest()


def cached_for_visitors(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        ttl = settings.PAGE_CACHE_SECONDS
        if ttl <= 0 or request.method != "GET" or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        key = _key(request)
        stored = cache.get(key)
        if stored is not None:
            body, content_type = stored
            token = get_token(request).encode()
            return HttpResponse(body.replace(_placeholder(), token), content_type=content_type)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            body = response.content
            # Each form may carry a differently masked token; all become the placeholder.
            for token in set(_TOKEN_RE.findall(body)):
                body = body.replace(token, _placeholder())
            cache.set(key, (body, response["Content-Type"]), ttl)
        return response

    return wrapped
