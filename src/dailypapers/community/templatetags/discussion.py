from __future__ import annotations

from typing import Any

from django import template
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from dailypapers.community import conf
from dailypapers.community.models import CommentFlag
from dailypapers.community.queries import comments as queries
from dailypapers.community.views.comments import login_url
from dailypapers.papers.models import Paper

register = template.Library()


def _draft_target(thread: queries.Thread, draft: dict[str, Any]) -> int | None:
    """The comment whose reply form holds the draft; None for the main form.

    A draft for a comment that can no longer be answered goes to the main form, so
    its text and message are never lost from the page.
    """
    parent = draft.get("parent")
    for entry in thread.entries:
        for candidate in (entry, *entry.replies):
            if candidate.comment.pk == parent and candidate.can_reply:
                return int(parent)
    return None


@register.simple_tag(takes_context=True)
def paper_discussion(context: template.Context, paper: Paper) -> SafeString:
    """The discussion section of a paper page."""
    request = context.get("request")
    viewer = getattr(request, "user", None) or AnonymousUser()
    thread = queries.thread(paper, viewer)
    draft: dict[str, Any] = context.get("discussion_draft") or {}
    page_path = paper.get_absolute_url()
    return render_to_string(
        "community/discussion/thread.html",
        {
            "thread": thread,
            "paper": paper,
            "draft": draft,
            "draft_target": _draft_target(thread, draft) if draft else None,
            "page_path": page_path,
            "login_url": login_url(f"{page_path}#discussion"),
            "flag_reasons": CommentFlag.Reason.choices,
            "max_length": conf.COMMENT_MAX_LENGTH,
        },
        request=request,
    )
