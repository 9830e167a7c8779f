"""Posting, replying to, editing and deleting comments. Thin: parse, call the service, answer.

Every write needs a logged-in user, a POST with a CSRF token and room in the
per-user and per-IP rate limits (429 with Retry-After otherwise). A refused write
shows its form again with what was typed and why; a successful one goes back to
the comment on the paper page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from dailypapers.community import conf
from dailypapers.community.models import Comment
from dailypapers.community.queries import comments as queries
from dailypapers.community.services import comments as services
from dailypapers.core import ratelimit
from dailypapers.core.params import optional_int
from dailypapers.core.web import not_found, paper_or_404, retry_minutes, too_many
from dailypapers.papers import queries as paper_queries
from dailypapers.papers.models import Paper
from dailypapers.papers.views import paper_context


def login_url(next_path: str) -> str:
    """The login page, coming back to ``next_path`` (which may carry a #fragment)."""
    return f"{settings.LOGIN_URL}?next={quote(next_path, safe='/')}"


def comment_url(comment: Comment, arxiv_id: str) -> str:
    return f"/papers/{arxiv_id}#comment-{comment.pk}"


def _limited(request: HttpRequest) -> int | None:
    """Count one comment write; seconds to wait when this user or this IP wrote too often."""
    return ratelimit.per_user_and_ip(request, "comment", conf.comment_rate_limit())


def _too_many_message(wait: int) -> str:
    minutes = retry_minutes(wait)
    return f"You are commenting too often. Please try again in {minutes} minute" + (
        "s." if minutes != 1 else "."
    )


def _paper_page(
    request: HttpRequest, paper: Paper, draft: dict[str, Any], status: int
) -> HttpResponse:
    """The paper page again, its comment form holding ``draft`` (body, parent, error)."""
    context = paper_context(request, paper)
    context["discussion_draft"] = draft
    return render(request, "papers/detail.html", context, status=status)


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "community/discussion/refused.html", {"message": message}, status=403)


def _parent_id(request: HttpRequest) -> int | None:
    return optional_int(request.POST, "parent")


@require_POST
def post_comment(request: HttpRequest, ref: str) -> HttpResponse:
    paper = paper_or_404(request, ref, paper_queries.paper)
    if isinstance(paper, HttpResponse):
        return paper
    if not request.user.is_authenticated:
        return HttpResponseRedirect(login_url(f"/papers/{paper.arxiv_id}#discussion"))
    body = request.POST.get("body", "")
    draft: dict[str, Any] = {"body": body, "parent": _parent_id(request)}
    wait = _limited(request)
    if wait:
        draft["error"] = _too_many_message(wait)
        return too_many(wait, _paper_page(request, paper, draft, 429))
    try:
        comment = services.post(request.user, paper, body, draft["parent"])
    except services.CommentError as error:
        draft["error"] = str(error)
        status = 400 if isinstance(error, services.InvalidComment) else 403
        return _paper_page(request, paper, draft, status)
    return HttpResponseRedirect(comment_url(comment, paper.arxiv_id))


def _edit_page(
    request: HttpRequest, comment: Comment, body: str, error: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "comment": comment,
        "paper": comment.paper,
        "body": body,
        "error": error,
        "max_length": conf.COMMENT_MAX_LENGTH,
    }
    return render(request, "community/discussion/edit.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def edit_comment(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return HttpResponseRedirect(login_url(f"/comments/{pk}/edit"))
    comment = queries.editable(pk)
    if comment is None or not comment.visible:
        return not_found(request, message="This comment is no longer there.")
    if comment.author_id != request.user.pk:
        return _forbidden(request, "You can only edit your own comments.")
    if request.method != "POST":
        return _edit_page(request, comment, comment.body)
    body = request.POST.get("body", "")
    wait = _limited(request)
    if wait:
        return too_many(wait, _edit_page(request, comment, body, _too_many_message(wait), 429))
    try:
        services.edit(request.user, pk, body)
    except services.CommentError as error:
        status = 400 if isinstance(error, services.InvalidComment) else 403
        return _edit_page(request, comment, body, str(error), status)
    return HttpResponseRedirect(comment_url(comment, comment.paper.arxiv_id))


@require_POST
def delete_comment(request: HttpRequest, pk: int) -> HttpResponse:
    comment = queries.editable(pk)
    if comment is None:
        return not_found(request, message="This comment is no longer there.")
    back = comment_url(comment, comment.paper.arxiv_id)
    if not request.user.is_authenticated:
        return HttpResponseRedirect(login_url(back))
    wait = _limited(request)
    if wait:
        context = {"message": _too_many_message(wait), "back": back}
        return too_many(wait, render(request, "community/discussion/refused.html", context))
    try:
        services.delete(request.user, pk)
    except services.CommentError as error:
        return _forbidden(request, str(error))
    return HttpResponseRedirect(back)
