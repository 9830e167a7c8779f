"""The submit page: a paper put on today's list by its arXiv id (ingest.submitting)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dailypapers.core import ratelimit
from dailypapers.core.web import retry_minutes, too_many
from dailypapers.ingest import submitting
from dailypapers.ingest.forms import SubmitForm


def _submit_limited(request: HttpRequest) -> int | None:
    """Seconds to wait when this user or this IP posted the submit form too often."""
    return ratelimit.per_user_and_ip(request, "submit", settings.SUBMIT_RATE_LIMIT)


def _submit_page(
    request: HttpRequest, form: SubmitForm, *, status: int = 200, **extra: Any
) -> HttpResponse:
    user = request.user
    assert user.is_authenticated
    now = timezone.now()
    refusal = submitting.account_refusal(user, now)
    # Said once: not again above the form when the form's own error already says it.
    shown_refusal = "" if refusal in form.non_field_errors() else refusal
    context: dict[str, Any] = {
        "form": form,
        "refusal": shown_refusal,
        "may_submit": not refusal,
        "left_today": max(0, settings.SUBMIT_PER_DAY - submitting.submitted_today(user, now)),
        "max_age_days": settings.SUBMIT_MAX_PAPER_AGE_DAYS,
        **extra,
    }
    return render(request, "papers/submit.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def submit_paper(request: HttpRequest) -> HttpResponse:
    """The submit form; a valid POST puts the paper on today's list and shows its page."""
    if request.method != "POST":
        return _submit_page(request, SubmitForm())
    form = SubmitForm(request.POST)
    wait = _submit_limited(request)
    if wait:
        page = _submit_page(request, form, limited=True, retry_minutes=retry_minutes(wait))
        return too_many(wait, page)
    if not form.is_valid():
        return _submit_page(request, form, status=400)
    data = form.cleaned_data
    user = request.user
    assert user.is_authenticated
    try:
        done = submitting.submit(
            user, data["paper"], github=data["github"], project=data["project"]
        )
    except submitting.SubmitError as exc:
        form.add_error(exc.field or None, exc.message)
        status = 400
        if isinstance(exc, submitting.Refused):
            status = 403
        elif isinstance(exc, submitting.ArxivUnavailable):
            status = 502
        return _submit_page(request, form, status=status)
    if not done.created:
        return _submit_page(request, form, existing=done.submission)
    return HttpResponseRedirect(done.paper.get_absolute_url())
