"""Moderators' pages and actions, and everyone's "flag this comment". Thin: parse, call, redirect.

Every action is a POST with a CSRF token, checked for staff on the server (others get
the plain 404 page, so the moderation pages do not advertise themselves), and returns
to the page that sent it when that page is on this site.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dailypapers.community.models import Comment, CommentFlag
from dailypapers.community.queries import moderation as queries
from dailypapers.community.services import moderation as services
from dailypapers.community.services import modlog
from dailypapers.config import Rate
from dailypapers.core import params, ratelimit
from dailypapers.core.redirects import safe_next
from dailypapers.core.web import not_found, paper_or_404, too_many
from dailypapers.papers import queries as paper_queries
from dailypapers.papers.models import Paper

View = Callable[..., HttpResponse]
# Flags per user, per client IP, and the window in seconds.
DEFAULT_FLAG_RATE_LIMIT = Rate(per_account=20, per_ip=60, seconds=3600)


def is_moderator(user: object) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
        and getattr(user, "is_staff", False)
    )


def staff_only(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_moderator(request.user):
            return not_found(request)
        return view(request, *args, **kwargs)

    return wrapped


def _moderator(request: HttpRequest) -> AbstractBaseUser:
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    return user


_back = safe_next


def _reason(request: HttpRequest) -> str:
    return params.text(request.POST, "reason", modlog.REASON_MAX)


def _refused(request: HttpRequest, message: str, back: str, status: int = 400) -> HttpResponse:
    context = {"message": message, "back": back}
    return render(request, "community/moderation/refused.html", context, status=status)


# -- pages -------------------------------------------------------------------------


@never_cache
@require_safe
@staff_only
def queue(request: HttpRequest) -> HttpResponse:
    context = {"queue": queries.queue(), "nav": "moderation"}
    return render(request, "community/moderation/queue.html", context)


@never_cache
@require_safe
@staff_only
def log(request: HttpRequest) -> HttpResponse:
    page = queries.log_page(params.page_number(request, 100_000))
    actions = list(page.object_list)
    links = queries.target_links(actions)
    rows = [(action, links.get(action.pk)) for action in actions]
    context = {"page": page, "rows": rows, "nav": "moderation"}
    return render(request, "community/moderation/log.html", context)


# -- papers ------------------------------------------------------------------------

PaperAction = Callable[[AbstractBaseUser | None, Paper, str], bool]
PAPER_ACTIONS: dict[str, PaperAction] = {
    "hide": services.hide_paper,
    "show": services.show_paper,
    "lock": services.lock_discussion,
    "unlock": services.unlock_discussion,
}


@require_POST
@staff_only
def paper_action(request: HttpRequest, ref: str, action: str) -> HttpResponse:
    paper = paper_or_404(request, ref, paper_queries.paper_by_id)
    if isinstance(paper, HttpResponse):
        return paper
    act = PAPER_ACTIONS[action]
    back = _back(request, paper.get_absolute_url())
    try:
        act(_moderator(request), paper, _reason(request))
    except services.ModerationError as exc:
        return _refused(request, str(exc), back)
    return HttpResponseRedirect(back)


# -- comments ----------------------------------------------------------------------


@require_POST
@staff_only
def comment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    comment = Comment.objects.select_related("paper").filter(pk=pk).first()
    if comment is None:
        return not_found(request, message="No such comment.")
    back = _back(request, comment_url(comment))
    act = {
        "remove": services.remove_comment,
        "restore": services.restore_comment,
        "dismiss": services.dismiss_flags,
    }[action]
    act(_moderator(request), comment, _reason(request))
    return HttpResponseRedirect(back)


def comment_url(comment: Comment) -> str:
    return f"{comment.paper.get_absolute_url()}#comment-{comment.pk}"


# -- users -------------------------------------------------------------------------


@require_POST
@staff_only
def user_action(request: HttpRequest, username: str, action: str) -> HttpResponse:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        return not_found(request, message="No such user.")
    back = _back(request, f"/users/{username}")
    act = services.suspend_user if action == "suspend" else services.unsuspend_user
    try:
        act(_moderator(request), user, _reason(request))
    except services.ModerationError as exc:
        return _refused(request, str(exc), back, status=403)
    return HttpResponseRedirect(back)


# -- flags -------------------------------------------------------------------------


def _flag_limited(request: HttpRequest) -> int | None:
    return ratelimit.by_setting(request, "flag", "COMMENT_FLAG_RATE_LIMIT", DEFAULT_FLAG_RATE_LIMIT)


def _flag_page(
    request: HttpRequest, comment: Comment, status: int = 200, **extra: Any
) -> HttpResponse:
    context = {
        "comment": comment,
        "reasons": CommentFlag.Reason.choices,
        "chosen": request.POST.get("reason", ""),
        "note": params.text(request.POST, "note", modlog.REASON_MAX),
        "next": _back(request, comment_url(comment)),
        **extra,
    }
    return render(request, "community/moderation/flag.html", context, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def flag(request: HttpRequest, pk: int) -> HttpResponse:
    """The flag form (GET) and flagging (POST); one flag per user and comment."""
    comment = Comment.objects.select_related("paper", "author").filter(pk=pk).first()
    if comment is None or not comment.visible:
        return not_found(request, message="No such comment.")
    if not request.user.is_authenticated:
        back = _back(request, comment_url(comment))
        return HttpResponseRedirect(f"{settings.LOGIN_URL}?{urlencode({'next': back})}")
    user = _moderator(request)
    if comment.author_id == user.pk:
        return _flag_page(request, comment, status=403, refused="You cannot flag your own comment.")
    if request.method != "POST":
        return _flag_page(request, comment)
    wait = _flag_limited(request)
    if wait:
        return too_many(wait, _flag_page(request, comment, limited=True))
    reason = request.POST.get("reason", "")
    if reason not in CommentFlag.Reason.values:
        return _flag_page(request, comment, status=400, error="Choose a reason.")
    try:
        note = params.text(request.POST, "note", modlog.REASON_MAX)
        services.flag_comment(user, comment, reason, note)
    except services.FlagRefused as exc:
        return _flag_page(request, comment, status=403, refused=str(exc))
    return HttpResponseRedirect(_back(request, comment_url(comment)))
