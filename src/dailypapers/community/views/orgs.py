"""Organization pages: the list, one organization, creating and editing one, its
members, and linking a paper to an organization. Thin: parse, check, call, render."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dailypapers.community.models import Membership
from dailypapers.community.queries import orgs as queries
from dailypapers.community.services import orgs as services
from dailypapers.community.views import org_limits
from dailypapers.community.views.org_forms import LinkForm, MemberForm, OrgForm
from dailypapers.core.params import page_number
from dailypapers.core.web import not_found, paper_or_404, too_many_page
from dailypapers.papers.models import Organization
from dailypapers.papers.queries import paper as paper_with_details

PAGE_SIZE = 30
ORGS_PAGE_SIZE = 50


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "community/orgs/forbidden.html", {"message": message}, status=403)


@require_safe
def org_list(request: HttpRequest) -> HttpResponse:
    number = page_number(request)
    page = queries.org_list(offset=(number - 1) * ORGS_PAGE_SIZE, limit=ORGS_PAGE_SIZE)
    return render(request, "community/orgs/list.html", {"page": page, "page_number": number})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def org_new(request: HttpRequest) -> HttpResponse:
    template = "community/orgs/new.html"
    if request.method != "POST":
        return render(request, template, {"form": OrgForm()})
    form = OrgForm(request.POST)
    context: dict[str, Any] = {"form": form}
    wait = org_limits.check(request, "org-create")
    if wait:
        return too_many_page(request, template, context, wait)
    if not form.is_valid():
        return render(request, template, context, status=400)
    assert request.user.is_authenticated
    try:
        org = services.create_org(request.user, **form.cleaned_data)
    except services.OrgError as exc:
        form.add_error(None, str(exc))
        status = 403 if isinstance(exc, services.OrgRefused) else 400
        return render(request, template, context, status=status)
    return HttpResponseRedirect(org.get_absolute_url())


@require_safe
def org_detail(request: HttpRequest, slug: str) -> HttpResponse:
    number = page_number(request)
    page = queries.org_page(slug, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    if page is None:
        return not_found(request, message=f"No organization {slug[:100]} on this hub.")
    role = ""
    if request.user.is_authenticated:
        role = next((m.role for m in page.members if m.user_id == request.user.pk), "")
    context = {
        "page": page,
        "org": page.org,
        "papers": page.papers,
        "page_number": number,
        "role": role,
        "can_manage": role == Membership.Role.ADMIN or request.user.is_staff,
    }
    return render(request, "community/orgs/detail.html", context)


def _managed(request: HttpRequest, slug: str) -> Organization | HttpResponse:
    """The organization if the user may change it, else the answer to send."""
    org = queries.org_by_slug(slug)
    if org is None:
        return not_found(request, message=f"No organization {slug[:100]} on this hub.")
    if not queries.can_manage(request.user, org):
        return forbidden(request, "Only this organization's admins can change it.")
    return org


def _edit_page(
    request: HttpRequest,
    org: Organization,
    *,
    form: OrgForm | None = None,
    member_form: MemberForm | None = None,
    member_error: str = "",
    status: int = 200,
) -> HttpResponse:
    if form is None:
        form = OrgForm(
            initial={
                "name": org.name,
                "description": org.description,
                "avatar_url": org.avatar_url,
                "email_domains": org.requested_email_domains,
            }
        )
    members = list(
        Membership.objects.filter(organization=org)
        .select_related("user")
        .order_by("role", "user__username")[: queries.MEMBERS_SHOWN]
    )
    context = {
        "org": org,
        "form": form,
        "member_form": member_form or MemberForm(),
        "member_error": member_error,
        "members": members,
        "roles": Membership.Role.choices,
        "pending_domains": queries.pending_domains(org),
    }
    return render(request, "community/orgs/edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def org_edit(request: HttpRequest, slug: str) -> HttpResponse:
    org = _managed(request, slug)
    if isinstance(org, HttpResponse):
        return org
    if request.method != "POST":
        return _edit_page(request, org)
    form = OrgForm(request.POST)
    if not form.is_valid():
        return _edit_page(request, org, form=form, status=400)
    services.update_org(org, **form.cleaned_data)
    return HttpResponseRedirect(org.get_absolute_url())


@require_POST
@login_required
def org_add_member(request: HttpRequest, slug: str) -> HttpResponse:
    org = _managed(request, slug)
    if isinstance(org, HttpResponse):
        return org
    form = MemberForm(request.POST)
    if not form.is_valid():
        return _edit_page(request, org, member_form=form, status=400)
    try:
        services.add_member(org, form.cleaned_data["username"], form.cleaned_data["role"])
    except services.OrgError as exc:
        return _edit_page(request, org, member_form=form, member_error=str(exc), status=400)
    return HttpResponseRedirect(f"{org.get_absolute_url()}/edit#members")


@require_POST
@login_required
def org_remove_member(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    org = _managed(request, slug)
    if isinstance(org, HttpResponse):
        return org
    try:
        services.remove_member(org, user_id)
    except services.OrgError as exc:
        return _edit_page(request, org, member_error=str(exc), status=400)
    return HttpResponseRedirect(f"{org.get_absolute_url()}/edit#members")


@require_POST
@login_required
def org_leave(request: HttpRequest, slug: str) -> HttpResponse:
    org = queries.org_by_slug(slug)
    if org is None:
        return not_found(request, message=f"No organization {slug[:100]} on this hub.")
    user_id = request.user.pk
    assert user_id is not None  # login_required
    try:
        services.remove_member(org, user_id)
    except services.OrgError as exc:
        return forbidden(request, str(exc))
    return HttpResponseRedirect(org.get_absolute_url())


@require_POST
def paper_organization(request: HttpRequest, ref: str) -> HttpResponse:
    """Link a paper to an organization (or unlink it) from the paper page's form."""
    paper = paper_or_404(request, ref, paper_with_details)
    if isinstance(paper, HttpResponse):
        return paper
    if not request.user.is_authenticated:
        login = f"{settings.LOGIN_URL}?{urlencode({'next': paper.get_absolute_url()})}"
        return HttpResponseRedirect(login)
    form = LinkForm(request.POST)
    context: dict[str, Any] = {"paper": paper, "form": form}
    if not form.is_valid():
        return render(request, "community/orgs/link.html", context, status=400)
    slug = form.cleaned_data["org"].strip()
    org = queries.org_by_slug(slug) if slug else None
    if slug and org is None:
        form.add_error("org", f"There is no organization “{slug}”.")
        return render(request, "community/orgs/link.html", context, status=400)
    try:
        services.link_paper(request.user, paper, org)
    except services.OrgError as exc:
        form.add_error(None, str(exc))
        status = 403 if isinstance(exc, services.OrgRefused) else 409
        return render(request, "community/orgs/link.html", context, status=status)
    return HttpResponseRedirect(paper.get_absolute_url())
