"""What every response under ``/api/`` shares, whichever view (or none) made it.

- Readable from any origin (``Access-Control-Allow-Origin: *``), errors and 304s too.
- CORS preflights (``OPTIONS``, e.g. before a request with ``Authorization``) are
  answered here with 204, before any view: browsers send them without credentials.
- Errors are JSON: an unknown path gets ``{"error": ...}`` with 404, not the site's
  HTML page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

PREFIX = "/api/"
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
# Writes too, from other origins: they need a bearer token, which a browser never adds
# by itself (no credentials are allowed, so cookies are not sent).
CORS_METHODS = "GET, HEAD, POST, DELETE, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type, If-None-Match, If-Modified-Since"
# How long a browser may reuse a preflight's answer (seconds).
PREFLIGHT_MAX_AGE = 86_400


def _preflight() -> HttpResponse:
    response = HttpResponse(status=204)
    response["Allow"] = ALLOWED_METHODS
    response["Access-Control-Allow-Methods"] = CORS_METHODS
    response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
    response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    return response


def _as_json_error(response: HttpResponse) -> HttpResponse:
    if response.status_code == 404:
        message = "no such API endpoint or object"
    else:
        message = response.reason_phrase.lower()
    out = JsonResponse({"error": message}, status=response.status_code)
    for name in ("Allow", "Retry-After"):
        if name in response:
            out[name] = response[name]
    return out


class ApiMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        if request.method == "OPTIONS":
            response = _preflight()
        else:
            response = self.get_response(request)
            content_type = response.get("Content-Type", "")
            if response.status_code >= 400 and not content_type.startswith("application/json"):
                response = _as_json_error(response)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = "ETag, Link, Retry-After, WWW-Authenticate"
        return response
