"""Author pages and author claims: claiming an entry, withdrawing a pending claim, and
the moderators' queue where pending claims are confirmed or rejected."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe

from dailypapers.community.queries import authors as queries
from dailypapers.community.services import claims as services
from dailypapers.community.views import org_limits
from dailypapers.community.views.org_forms import DecisionForm
from dailypapers.community.views.orgs import forbidden
from dailypapers.core import arxiv_ids
from dailypapers.core.params import page_number
from dailypapers.core.redirects import safe_next
from dailypapers.core.web import not_found, too_many_page
from dailypapers.papers.models import PaperAuthor

PAGE_SIZE = 30
QUEUE_SIZE = 50


@require_safe
def author_detail(request: HttpRequest, slug: str) -> HttpResponse:
    number = page_number(request)
    page = queries.author_page(slug, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    if page is None:
        return not_found(request, message=f"No author {slug[:100]} on this hub.")
    context = {"page": page, "papers": page.papers, "page_number": number}
    return render(request, "community/authors/detail.html", context)


@require_POST
def claim_author(request: HttpRequest, ref: str, position: int) -> HttpResponse:
    parsed = arxiv_ids.parse(ref)
    author = None
    if parsed is not None:
        author = (
            PaperAuthor.objects.select_related("paper")
            .filter(paper__arxiv_id=parsed.id, position=position)
            .first()
        )
    if author is None:
        return not_found(request, message="No such author entry on this hub.")
    paper = author.paper
    if not request.user.is_authenticated:
        login = f"{settings.LOGIN_URL}?{urlencode({'next': paper.get_absolute_url()})}"
        return HttpResponseRedirect(login)
    template = "community/authors/claim_result.html"
    context: dict[str, Any] = {"paper": paper, "author": author}
    wait = org_limits.check(request, "claim")
    if wait:
        return too_many_page(request, template, context, wait)
    try:
        found = services.claim(request.user, author)
    except services.ClaimError as exc:
        context["error"] = str(exc)
        status = 403 if isinstance(exc, services.ClaimRefused) else 409
        return render(request, template, context, status=status)
    context["claim"] = found
    if found.status == found.Status.PENDING:
        context["email_confirmed"] = bool(services.confirmed_email(request.user))
    return render(request, template, context)


@require_POST
@login_required
def withdraw_claim(request: HttpRequest, claim_id: int) -> HttpResponse:
    services.withdraw(claim_id, request.user)  # type: ignore[arg-type]
    return HttpResponseRedirect(safe_next(request, f"/users/{request.user.get_username()}"))


def _queue(
    request: HttpRequest,
    *,
    error: str = "",
    failed_id: int | None = None,
    form: DecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    number = page_number(request)
    claims, total = queries.pending_claims(offset=(number - 1) * QUEUE_SIZE, limit=QUEUE_SIZE)
    context = {
        "claims": claims,
        "total": total,
        "page": {
            "has_previous": number > 1,
            "has_next": number * QUEUE_SIZE < total,
        },
        "page_number": number,
        "error": error,
        "failed_id": failed_id,
        "failed_reason": form.data.get("reason", "") if form is not None else "",
    }
    return render(request, "community/authors/claims.html", context, status=status)


@require_safe
@login_required
def claims_queue(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        return forbidden(request, "Only moderators review author claims.")
    return _queue(request)


@require_POST
@login_required
def decide_claim(request: HttpRequest, claim_id: int, decision: str) -> HttpResponse:
    if not request.user.is_staff:
        return forbidden(request, "Only moderators review author claims.")
    if decision not in ("confirm", "reject"):
        return not_found(request)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _queue(
            request, error="The reason is too long.", failed_id=claim_id, form=form, status=400
        )
    try:
        services.decide(
            claim_id,
            request.user,
            confirm=decision == "confirm",
            reason=form.cleaned_data["reason"],
        )
    except services.ClaimError as exc:
        return _queue(request, error=str(exc), failed_id=claim_id, form=form, status=409)
    return HttpResponseRedirect("/authors/claims")
