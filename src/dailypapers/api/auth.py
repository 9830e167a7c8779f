"""Who calls an endpoint of /api/ that needs an account: a token, or the session.

- ``Authorization: Bearer <token>`` (a personal access token made on the settings
  page) acts as the token's owner. No cookie is involved, so no CSRF token is asked
  for. A malformed, unknown or revoked token, or one whose account is suspended,
  gets 401 with ``WWW-Authenticate: Bearer``; a read token on a write gets 403.
- Without that header, a logged-in session (the site's own pages calling the API)
  acts as its user, and a write must then pass Django's CSRF check, as a form would.
- Neither: 401 with ``WWW-Authenticate: Bearer``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Concatenate, Literal, ParamSpec

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from dailypapers.accounts import services as accounts
from dailypapers.accounts.models import ApiToken

P = ParamSpec("P")
Scope = Literal["read", "write"]
REALM = "dailypapers"


@dataclass(frozen=True)
class Caller:
    user: AbstractBaseUser
    # "read" or "write" for a token; "session" for a logged-in browser, which may do
    # what its pages do.
    scope: str


AuthedView = Callable[Concatenate[HttpRequest, Caller, P], HttpResponse]
View = Callable[Concatenate[HttpRequest, P], HttpResponse]


def _challenge(message: str, status: int, error: str = "", scope: str = "") -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    parts = [f'realm="{REALM}"']
    if error:
        parts.append(f'error="{error}"')
    if scope:
        parts.append(f'scope="{scope}"')
    response["WWW-Authenticate"] = "Bearer " + ", ".join(parts)
    return response


class _CsrfCheck(CsrfViewMiddleware):
    """Django's CSRF check, answering a refusal in JSON."""

    def _reject(self, request: HttpRequest, reason: str) -> HttpResponse:
        message = f"CSRF check failed ({reason}); scripts should send a token instead"
        return JsonResponse({"error": message}, status=403)


def _no_view(request: HttpRequest) -> HttpResponse:
    raise AssertionError("the CSRF check never calls the view")


def _csrf_refusal(request: HttpRequest) -> HttpResponse | None:
    check = _CsrfCheck(_no_view)
    check.process_request(request)
    return check.process_view(request, _no_view, (), {})


def _from_token(request: HttpRequest, header: str, needs: Scope) -> Caller | HttpResponse:
    kind, _, raw = header.strip().partition(" ")
    if kind.lower() != "bearer" or not raw.strip():
        return _challenge(
            "send the token as 'Authorization: Bearer <token>'", 401, "invalid_request"
        )
    token = accounts.authenticate_token(raw.strip())
    if token is None:
        return _challenge("this token is unknown or revoked", 401, "invalid_token")
    request.user = token.user
    if needs == ApiToken.WRITE and token.scope != ApiToken.WRITE:
        return _challenge(
            "this token may only read: make a write token on the settings page",
            403,
            "insufficient_scope",
            ApiToken.WRITE,
        )
    return Caller(token.user, token.scope)


def caller(request: HttpRequest, needs: Scope) -> Caller | HttpResponse:
    """The account the request acts for, or the answer refusing it."""
    header = request.headers.get("Authorization")
    if header is not None:
        return _from_token(request, header, needs)
    user = request.user
    if not user.is_authenticated:
        return _challenge("this endpoint needs a token: 'Authorization: Bearer <token>'", 401)
    refusal = _csrf_refusal(request)
    if refusal is not None:
        return refusal
    return Caller(user, "session")


def with_account(
    methods: tuple[str, ...], needs: Scope = "write"
) -> Callable[[AuthedView[P]], View[P]]:
    """For a view taking ``(request, caller, ...)``: only ``methods``, and only for a
    caller allowed ``needs``. Never cached; CSRF is checked here, for sessions only."""

    def decorate(view: AuthedView[P]) -> View[P]:
        @csrf_exempt
        @never_cache
        @wraps(view)
        def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            if request.method not in methods:
                response: HttpResponse = JsonResponse(
                    {"error": f"use {' or '.join(methods)}"}, status=405
                )
                response["Allow"] = ", ".join(methods)
                return response
            found = caller(request, needs)
            if isinstance(found, HttpResponse):
                return found
            return view(request, found, *args, **kwargs)

        return wrapper

    return decorate
