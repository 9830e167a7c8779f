"""Subscribe, confirm, preferences, one-click unsubscribe, preview. Thin: parse, call, render.

Pages reached through a signed link are private to the subscriber: not cached, not
indexed, and a GET never changes anything (mail scanners follow links).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from dailypapers.core import ratelimit
from dailypapers.core.web import too_many, too_many_page
from dailypapers.digests import compose, queries, schedule, services
from dailypapers.digests.forms import PreferencesForm, SubscribeForm
from dailypapers.digests.models import Subscription

View = Callable[..., HttpResponse]


def private(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = never_cache(view)(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        # same-origin, not no-referrer: the token in the URL never reaches other sites,
        # and browsers still send a real Origin with the page's POST buttons, which
        # the CSRF check needs (no-referrer makes Chromium send "Origin: null").
        response["Referrer-Policy"] = "same-origin"
        return response

    return wrapped


def _invalid(request: HttpRequest, what: str) -> HttpResponse:
    return render(request, "digests/invalid_link.html", {"what": what}, status=400)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "digests/subscribe.html", {"form": SubscribeForm(), "nav": "digest"})


@require_http_methods(["POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    form = SubscribeForm(request.POST)
    ip = ratelimit.client_ip(request)
    if not ratelimit.hit(
        ratelimit.private_key("digest-signup-ip", ip),
        limit=settings.DIGEST_SIGNUPS_PER_IP,
        window=3600,
    ):
        context = {"form": form, "nav": "digest"}
        wait = ratelimit.retry_after(3600)
        return too_many_page(request, "digests/subscribe.html", context, wait)
    if not form.is_valid():
        return render(
            request, "digests/subscribe.html", {"form": form, "nav": "digest"}, status=400
        )
    user = request.user if request.user.is_authenticated else None
    services.subscribe(form.cleaned_data["email"], form.choices(), user=user)
    # Whatever happened (new, already subscribed, rate-limited, mail trouble), the
    # page is the same, so it never tells whether an address is subscribed.
    return render(
        request, "digests/check_inbox.html", {"email": form.cleaned_data["email"], "nav": "digest"}
    )


@login_required
@require_http_methods(["POST"])
def subscribe_account(request: HttpRequest) -> HttpResponse:
    """The subscribe button of the account settings page."""
    wait = _account_limited(request)
    if wait is not None:
        return too_many(wait, "Too many requests; try again later.")
    outcome = services.subscribe_account(request.user)
    saved = "digest" if outcome in ("subscribed", "already") else "digest-confirm"
    return HttpResponseRedirect(f"/settings?saved={saved}#digest-h")


def _account_limited(request: HttpRequest) -> int | None:
    per_user = settings.DIGEST_SIGNUPS_PER_ADDRESS
    if ratelimit.hit(f"digest-account:{request.user.pk}", limit=per_user, window=3600):
        return None
    return ratelimit.retry_after(3600)


def _confirm_max_age() -> int:
    return settings.DIGEST_CONFIRM_DAYS * 86400


@private
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    sub = queries.from_token("confirm", token, _confirm_max_age())
    if sub is None:
        return _invalid(request, "confirmation")
    if request.method != "POST":
        return render(request, "digests/confirm.html", {"sub": sub, "state": "ask"})
    state = services.confirm(sub)
    links = compose.Links.of(sub)
    return render(request, "digests/confirm.html", {"sub": sub, "state": state, "links": links})


@csrf_exempt  # RFC 8058: the mail provider POSTs without our cookie; the token is the proof.
@private
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    sub = queries.from_token("unsubscribe", token, max_age=None)
    if sub is None:
        return _invalid(request, "unsubscribe")
    if request.method != "POST":
        return render(request, "digests/unsubscribe.html", {"sub": sub, "state": "ask"})
    services.unsubscribe(sub)
    return render(request, "digests/unsubscribe.html", {"sub": sub, "state": "done"})


def _manage_max_age() -> int | None:
    return None  # the link is in every digest, and old digests must keep working


@private
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    sub = queries.from_token("manage", token, _manage_max_age())
    if sub is None:
        return _invalid(request, "preferences")
    saved = False
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            sub = services.update_preferences(sub, form.choices())
            saved = True
    else:
        form = PreferencesForm(initial=_initial(sub))
    context = {
        "sub": sub,
        "form": form,
        "saved": saved,
        "token": token,
        "links": compose.Links.of(sub),
    }
    return render(request, "digests/preferences.html", context, status=400 if form.errors else 200)


def _initial(sub: Subscription) -> dict[str, Any]:
    return {
        "frequency": sub.frequency,
        "hour": sub.hour,
        "time_zone": sub.time_zone,
        "categories": " ".join(sub.categories),
        "organizations": " ".join(sub.organizations),
        "authors": "\n".join(sub.authors),
        "searches": "\n".join(sub.searches),
    }


def _email_page(html: str) -> HttpResponse:
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@private
@require_safe
def preview(request: HttpRequest, token: str) -> HttpResponse:
    """The next digest as it stands now: papers since the last slot, ranked now."""
    sub = queries.from_token("manage", token, _manage_max_age())
    if sub is None:
        return _invalid(request, "preview")
    now = timezone.now()
    start = schedule.latest_slot(sub.frequency, sub.hour, sub.time_zone, now)
    composed = compose.Composer().compose(
        sub,
        window_start=start,
        window_end=now,
        local_date=_local_date(sub, now),
        quiet_note=True,
    )
    assert composed is not None  # a quiet note is always composed
    return _email_page(composed.html)


@private
@require_safe
def view(request: HttpRequest, token: str) -> HttpResponse:
    """ "View in browser": a digest that was mailed, with the papers of its window."""
    send = queries.send_from_token(token)
    if send is None:
        return _invalid(request, "digest")
    sub = send.subscription
    composed = compose.Composer().compose(
        sub,
        window_start=send.window_start,
        window_end=send.due_at,
        local_date=_local_date(sub, send.due_at),
        send_id=send.pk,
        quiet_note=True,
    )
    assert composed is not None
    return _email_page(composed.html)


def _local_date(sub: Subscription, moment: dt.datetime) -> dt.date:
    return moment.astimezone(schedule.zone(sub.time_zone)).date()
