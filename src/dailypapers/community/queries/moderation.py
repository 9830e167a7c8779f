"""What the moderation pages read: the queue of flagged comments and the log.

Each function runs a fixed number of queries, however long its list.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import Count, Max

from dailypapers.accounts.models import Profile
from dailypapers.community.models import (
    OPEN_FLAG,
    AuthorClaim,
    Comment,
    CommentFlag,
    ModerationAction,
)
from dailypapers.core.params import to_int
from dailypapers.papers.models import Paper

QUEUE_LIMIT = 100
LOG_PAGE_SIZE = 50


@dataclass
class FlaggedComment:
    comment: Comment
    open_flags: int
    reasons: list[tuple[str, int]]  # (reason label, how many), most frequent first
    notes: list[str] = field(default_factory=list)


@dataclass
class Queue:
    items: list[FlaggedComment]
    total: int  # comments with open flags, of which the first QUEUE_LIMIT are in items
    pending_claims: int
    suspended: list[Profile]  # the most recently suspended accounts


def queue(limit: int = QUEUE_LIMIT) -> Queue:
    """Comments with open flags, the most flagged first, then the longest waiting.

    Five queries: the comments, their open flags, the total, the pending claims and
    the suspended accounts.
    """
    flagged = Comment.objects.filter(pk__in=CommentFlag.objects.open().values("comment_id"))
    comments = list(
        flagged.select_related("paper", "author")
        .annotate(
            open_flags=Count("flags", filter=OPEN_FLAG),
            last_flag_at=Max("flags__created_at", filter=OPEN_FLAG),
        )
        .order_by("-open_flags", "last_flag_at", "pk")[:limit]
    )
    labels = dict(CommentFlag.Reason.choices)
    reasons: dict[int, Counter[str]] = {c.pk: Counter() for c in comments}
    notes: dict[int, list[str]] = {c.pk: [] for c in comments}
    open_flags = CommentFlag.objects.open().filter(comment_id__in=list(reasons))
    for comment_id, reason, note in open_flags.values_list("comment_id", "reason", "note"):
        reasons[comment_id][labels.get(reason, reason)] += 1
        if note:
            notes[comment_id].append(note)
    items = [
        FlaggedComment(
            comment=c,
            open_flags=c.open_flags,
            reasons=reasons[c.pk].most_common(),
            notes=notes[c.pk],
        )
        for c in comments
    ]
    total = flagged.count() if len(comments) >= limit else len(comments)
    suspended = list(
        Profile.objects.filter(suspended_at__isnull=False)
        .select_related("user")
        .order_by("-suspended_at")[:limit]
    )
    return Queue(items=items, total=total, pending_claims=pending_claims(), suspended=suspended)


def pending_claims() -> int:
    return AuthorClaim.objects.pending().count()


def log_page(number: int, per_page: int = LOG_PAGE_SIZE) -> Page[ModerationAction]:
    """One page of the moderation log, newest first (numbers past the end give the last)."""
    actions = ModerationAction.objects.select_related("moderator").order_by("-created_at", "-id")
    return Paginator(actions, per_page).get_page(number)


def target_links(actions: Iterable[ModerationAction]) -> dict[int, str]:
    """Where each logged action's target lives on the site, by action id.

    One query per kind of target on the page; targets deleted since have no link.
    """
    wanted: dict[str, dict[str, list[int]]] = {}
    for action in actions:
        wanted.setdefault(action.target_type, {}).setdefault(action.target_id, []).append(action.pk)
    urls: dict[str, dict[str, str]] = {}
    if ids := wanted.get("papers.paper"):
        urls["papers.paper"] = {
            str(pk): f"/papers/{arxiv_id}"
            for pk, arxiv_id in Paper.objects.filter(pk__in=_ints(ids)).values_list(
                "pk", "arxiv_id"
            )
        }
    if ids := wanted.get("community.comment"):
        urls["community.comment"] = {
            str(pk): f"/papers/{arxiv_id}#comment-{pk}"
            for pk, arxiv_id in Comment.objects.filter(pk__in=_ints(ids)).values_list(
                "pk", "paper__arxiv_id"
            )
        }
    if ids := wanted.get("auth.user"):
        urls["auth.user"] = {
            str(pk): f"/users/{quote(name)}"
            for pk, name in get_user_model()
            .objects.filter(pk__in=_ints(ids))
            .values_list("pk", "username")
        }
    links: dict[int, str] = {}
    for target_type, by_id in wanted.items():
        for target_id, action_ids in by_id.items():
            url = urls.get(target_type, {}).get(target_id)
            if url:
                links.update(dict.fromkeys(action_ids, url))
    return links


def _ints(values: Iterable[str]) -> list[int]:
    numbers = (to_int(v, 1, 2**63 - 1) for v in values)
    return [n for n in numbers if n is not None]
