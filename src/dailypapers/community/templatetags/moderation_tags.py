"""Moderators' in-page controls; they render nothing for anyone else."""

from __future__ import annotations

from django import template
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from dailypapers.accounts.models import Profile
from dailypapers.community.views.moderation import is_moderator
from dailypapers.papers.models import Paper

register = template.Library()


def _request(context: template.Context) -> HttpRequest | None:
    request = context.get("request")
    return request if isinstance(request, HttpRequest) else None


@register.simple_tag(takes_context=True)
def paper_moderation(context: template.Context, paper: Paper) -> SafeString:
    """Hide/show on the daily list and lock/unlock the discussion, for staff."""
    request = _request(context)
    if request is None or not is_moderator(request.user):
        return mark_safe("")
    submission = getattr(paper, "submission", None)
    return render_to_string(
        "community/moderation/_paper_actions.html",
        {
            "paper": paper,
            "on_list": submission is not None,
            "hidden": bool(submission and submission.hidden),
            "csrf_token": get_token(request),
            "next": request.get_full_path(),
        },
    )


@register.simple_tag(takes_context=True)
def user_moderation(context: template.Context, target: object) -> SafeString:
    """Suspend/unsuspend on a user's page, for staff (not on their own page or a superuser's)."""
    request = _request(context)
    if request is None or not is_moderator(request.user):
        return mark_safe("")
    target_id = getattr(target, "pk", None)
    if target_id is None or target_id == request.user.pk or getattr(target, "is_superuser", True):
        return mark_safe("")
    profile = Profile.objects.filter(user_id=target_id).first()
    return render_to_string(
        "community/moderation/_user_actions.html",
        {
            "target": target,
            "suspended": bool(profile and profile.suspended_at),
            "csrf_token": get_token(request),
            "next": request.get_full_path(),
        },
    )
