"""Reading discussions: a paper's thread for its page, a comment for its edit page."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from dailypapers.community.models import AuthorClaim, Comment
from dailypapers.core.prepared import SAMPLE_ID, Prepared
from dailypapers.papers.models import Paper


@dataclass
class Entry:
    """One comment as the viewer sees it, with what they may do to it."""

    comment: Comment
    author_name: str
    badges: list[str]
    state: str  # "visible", "deleted" or "removed"
    can_edit: bool = False
    can_delete: bool = False
    can_reply: bool = False
    can_flag: bool = False
    can_remove: bool = False
    replies: list[Entry] = field(default_factory=list)


@dataclass
class Thread:
    paper: Paper
    entries: list[Entry]  # top-level comments, oldest first, each with its replies
    visible: int
    locked: bool
    can_post: bool


def _author_name(comment: Comment) -> str:
    profile = getattr(comment.author, "profile", None)
    name = profile.display_name.strip() if profile is not None else ""
    return name or comment.author.get_username()


def _submitter_id(paper: Paper) -> int | None:
    # Already loaded with the paper on its page; one query otherwise.
    submission = getattr(paper, "submission", None)
    return submission.submitter_id if submission is not None else None


def _claimed_authors(paper: Paper, user_ids: set[int]) -> set[int]:
    """Which of these users are confirmed authors of the paper (one query)."""
    if not user_ids:
        return set()
    return set(
        AuthorClaim.objects.confirmed()
        .filter(author__paper_id=paper.pk, user_id__in=user_ids)
        .values_list("user_id", flat=True)
    )


# Compiled once (core.prepared): every paper page reads its discussion.
_COMMENTS = Prepared(
    lambda paper_id: (
        Comment.objects.filter(paper_id=paper_id)
        .select_related("author", "author__profile")
        .order_by("created_at", "pk")
    ),
    SAMPLE_ID,
)


def thread(paper: Paper, viewer: AbstractBaseUser | AnonymousUser | None) -> Thread:
    """The whole discussion of ``paper`` in two queries, however long it is."""
    comments = _COMMENTS(paper.pk)
    authors = _claimed_authors(paper, {c.author_id for c in comments})
    submitter = _submitter_id(paper)
    active = viewer is not None and viewer.is_authenticated and viewer.is_active
    viewer_id = viewer.pk if active and viewer is not None else None
    staff = active and bool(getattr(viewer, "is_staff", False))
    locked = paper.discussion_locked

    entries: dict[int, Entry] = {}
    top: list[Entry] = []
    for comment in comments:
        badges = []
        if comment.author_id in authors:
            badges.append("Author")
        if submitter is not None and comment.author_id == submitter:
            badges.append("Submitter")
        if comment.author.is_staff:
            badges.append("Moderator")
        state = "visible"
        if comment.removed_at is not None:
            state = "removed"
        elif comment.deleted_at is not None:
            state = "deleted"
        own = viewer_id is not None and comment.author_id == viewer_id
        shown = state == "visible"
        entry = Entry(
            comment=comment,
            author_name=_author_name(comment),
            badges=badges,
            state=state,
            can_edit=shown and own and not locked,
            can_delete=shown and (own or staff),
            can_reply=shown and active and not locked,
            can_flag=shown and active and not own,
            can_remove=shown and staff and not own,
        )
        entries[comment.pk] = entry
        parent = entries.get(comment.parent_id) if comment.parent_id is not None else None
        if parent is not None:
            parent.replies.append(entry)
        else:
            # A reply whose parent is missing (older data) still shows, at the top level.
            top.append(entry)
    visible = sum(1 for e in entries.values() if e.state == "visible")
    return Thread(paper, top, visible, locked, can_post=active and not locked)


def editable(comment_id: int) -> Comment | None:
    """A comment with its paper, for the edit page."""
    return Comment.objects.select_related("paper").filter(pk=comment_id).first()
