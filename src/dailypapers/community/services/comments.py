"""Writing to a paper's discussion: post, reply, edit, delete, and the comment counter.

Every rule is enforced here, not only in the templates: a locked discussion takes
no new comments, replies or edits; only the author edits a comment; the author or
a moderator deletes it; an inactive account writes nothing. Paper.comments_local
follows the number of visible comments through F() updates in the same
transaction as the change, and ``recount`` sets it from the rows when in doubt.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from dailypapers.community import conf
from dailypapers.community.markdown import render
from dailypapers.community.models import Comment, ModerationAction
from dailypapers.community.services.modlog import log_action
from dailypapers.papers.models import Paper

Actor = AbstractBaseUser | AnonymousUser


class CommentError(Exception):
    """A write the discussion refuses; ``str(error)`` is the message to show."""


class InvalidComment(CommentError):
    """The text cannot be posted as it is (the form shows it again with the message)."""


class DiscussionLocked(CommentError):
    def __init__(self) -> None:
        super().__init__("This discussion is locked: it takes no new comments or edits.")


class NotAllowed(CommentError):
    """The user may not do this to this comment."""


def clean_body(body: str) -> str:
    """The text to store, or InvalidComment saying what is wrong with it."""
    text = body.replace("\r\n", "\n").strip()
    if not text:
        raise InvalidComment("Write something before posting.")
    if len(text) > conf.COMMENT_MAX_LENGTH:
        raise InvalidComment(
            f"Comments are limited to {conf.COMMENT_MAX_LENGTH:,} characters; "
            f"this one has {len(text):,}."
        )
    return text


def _writer_id(user: Actor) -> int:
    """The id of a user who may write, or NotAllowed."""
    if not user.is_authenticated or not user.is_active or user.pk is None:
        raise NotAllowed("Log in with an active account to take part in discussions.")
    return int(user.pk)


def post(user: Actor, paper: Paper, body: str, parent_id: int | None = None) -> Comment:
    """A new comment on ``paper``, or a reply when ``parent_id`` names one of its comments.

    Replies nest one level: a reply to a reply joins the thread of the top-level comment.
    """
    user_id = _writer_id(user)
    text = clean_body(body)
    with transaction.atomic():
        thread_id = None
        if parent_id is not None:
            answered = Comment.objects.filter(pk=parent_id, paper_id=paper.pk).first()
            if answered is None or not answered.visible:
                raise InvalidComment("The comment you replied to is no longer there.")
            # The thread goes on under its top-level comment, even one deleted since.
            thread_id = answered.parent_id or answered.pk
        # Counting and checking the lock in one conditional update: a discussion locked
        # a moment ago cannot take this comment.
        counted = Paper.objects.filter(pk=paper.pk, discussion_locked=False).update(
            comments_local=F("comments_local") + 1
        )
        if not counted:
            if Paper.objects.filter(pk=paper.pk).exists():
                raise DiscussionLocked()
            raise InvalidComment("This paper is no longer on the hub.")
        return Comment.objects.create(
            paper_id=paper.pk,
            author_id=user_id,
            parent_id=thread_id,
            body=text,
            body_html=render(text),
        )


def edit(user: Actor, comment_id: int, body: str) -> Comment:
    """Replace the text of the user's own comment and mark it edited."""
    user_id = _writer_id(user)
    text = clean_body(body)
    with transaction.atomic():
        comment = (
            Comment.objects.select_for_update()
            .select_related("paper")
            .filter(pk=comment_id)
            .first()
        )
        if comment is None or not comment.visible:
            raise NotAllowed("This comment is no longer there.")
        if comment.author_id != user_id:
            raise NotAllowed("You can only edit your own comments.")
        if comment.paper.discussion_locked:
            raise DiscussionLocked()
        if text != comment.body:
            comment.body = text
            comment.body_html = render(text)
            comment.edited_at = timezone.now()
            comment.save(update_fields=["body", "body_html", "edited_at"])
        return comment


def delete(user: Actor, comment_id: int) -> Comment:
    """Delete a comment: its author's delete, or a moderator's removal of another's.

    The row stays so its replies keep their thread; deleting twice changes nothing.
    A locked discussion still lets people take their own words back.
    """
    user_id = _writer_id(user)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().filter(pk=comment_id).first()
        if comment is None:
            raise NotAllowed("This comment is no longer there.")
        own = comment.author_id == user_id
        if not own and not getattr(user, "is_staff", False):
            raise NotAllowed("You can only delete your own comments.")
        if not comment.visible:
            return comment
        now = timezone.now()
        if own:
            comment.deleted_at = now
            comment.save(update_fields=["deleted_at"])
        else:
            comment.removed_at = now
            comment.removed_by_id = user_id
            comment.save(update_fields=["removed_at", "removed_by"])
            assert isinstance(user, AbstractBaseUser)
            log_action(user, ModerationAction.Kind.REMOVE_COMMENT, comment, "deleted in the thread")
        Paper.objects.filter(pk=comment.paper_id, comments_local__gt=0).update(
            comments_local=F("comments_local") - 1
        )
        return comment


def recount(paper_id: int) -> int:
    """Set the paper's comments_local from its visible comments; the new count.

    For changes made outside this module (a moderator's removal or restore).
    """
    visible = (
        Comment.objects.filter(
            paper_id=OuterRef("pk"), deleted_at__isnull=True, removed_at__isnull=True
        )
        .order_by()
        .values("paper_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    with transaction.atomic():
        Paper.objects.filter(pk=paper_id).update(comments_local=Coalesce(Subquery(visible), 0))
        found = Paper.objects.filter(pk=paper_id).values_list("comments_local", flat=True).first()
    return found or 0
