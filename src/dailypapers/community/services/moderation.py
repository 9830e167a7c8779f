"""Moderation: every action here is logged with who, what, when and why.

Each action is a conditional update ("hide this submission only if it is still
shown"), so repeating it changes nothing and logs nothing a second time; the return
value says whether anything changed. ``moderator`` is None for actions taken from the
command line without ``--as``.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from dailypapers.accounts.models import Profile
from dailypapers.community.models import Comment, CommentFlag, ModerationAction
from dailypapers.community.services import comments
from dailypapers.community.services.modlog import REASON_MAX, log_action
from dailypapers.papers.models import Paper, Submission
from dailypapers.papers.touch import touch


class ModerationError(Exception):
    """The action is not allowed (e.g. suspending a superuser); the message says why."""


def _pages_changed() -> None:
    # Visitors' cached copies of lists and paper pages would show the old state until
    # they expire: drop this process's copies now and again once the change is
    # committed (a page rendered in between would otherwise be kept).
    cache.clear()
    transaction.on_commit(cache.clear)


# -- papers ------------------------------------------------------------------------


def _set_hidden(
    moderator: AbstractBaseUser | None, paper: Paper, hidden: bool, reason: str
) -> bool:
    with transaction.atomic():
        changed = Submission.objects.filter(paper=paper, hidden=not hidden).update(hidden=hidden)
        if not changed:
            if not Submission.objects.filter(paper=paper).exists():
                raise ModerationError(f"{paper.arxiv_id} is not on the daily list.")
            return False
        # The search index follows papers by modified_at; it records whether a
        # paper is on the daily list.
        touch([paper.pk])
        kind = ModerationAction.Kind.HIDE_PAPER if hidden else ModerationAction.Kind.SHOW_PAPER
        log_action(moderator, kind, paper, reason)
        _pages_changed()
    return True


def hide_paper(moderator: AbstractBaseUser | None, paper: Paper, reason: str = "") -> bool:
    """Take the paper off the daily lists (its page stays)."""
    return _set_hidden(moderator, paper, True, reason)


def show_paper(moderator: AbstractBaseUser | None, paper: Paper, reason: str = "") -> bool:
    return _set_hidden(moderator, paper, False, reason)


def _set_locked(
    moderator: AbstractBaseUser | None, paper: Paper, locked: bool, reason: str
) -> bool:
    with transaction.atomic():
        changed = Paper.objects.filter(pk=paper.pk, discussion_locked=not locked).update(
            discussion_locked=locked
        )
        if not changed:
            return False
        paper.discussion_locked = locked
        kind = (
            ModerationAction.Kind.LOCK_DISCUSSION
            if locked
            else ModerationAction.Kind.UNLOCK_DISCUSSION
        )
        log_action(moderator, kind, paper, reason)
        _pages_changed()
    return True


def lock_discussion(moderator: AbstractBaseUser | None, paper: Paper, reason: str = "") -> bool:
    """No new comments, replies or edits on the paper; what is there stays."""
    return _set_locked(moderator, paper, True, reason)


def unlock_discussion(moderator: AbstractBaseUser | None, paper: Paper, reason: str = "") -> bool:
    return _set_locked(moderator, paper, False, reason)


# -- comments ----------------------------------------------------------------------


def _recount(paper_id: int) -> None:
    comments.recount(paper_id)


def _resolve_flags(moderator: AbstractBaseUser | None, comment: Comment) -> int:
    return (
        CommentFlag.objects.open()
        .filter(comment=comment)
        .update(resolved_at=timezone.now(), resolved_by_id=moderator.pk if moderator else None)
    )


def remove_comment(moderator: AbstractBaseUser | None, comment: Comment, reason: str = "") -> bool:
    """Blank the comment on the page (the row stays) and close its open flags."""
    now = timezone.now()
    with transaction.atomic():
        changed = Comment.objects.filter(pk=comment.pk, removed_at__isnull=True).update(
            removed_at=now, removed_by_id=moderator.pk if moderator else None
        )
        # Removing settles the reports whether or not someone removed it first.
        _resolve_flags(moderator, comment)
        if not changed:
            return False
        comment.removed_at = now
        log_action(moderator, ModerationAction.Kind.REMOVE_COMMENT, comment, reason)
        _recount(comment.paper_id)
        _pages_changed()
    return True


def restore_comment(moderator: AbstractBaseUser | None, comment: Comment, reason: str = "") -> bool:
    with transaction.atomic():
        changed = Comment.objects.filter(pk=comment.pk, removed_at__isnull=False).update(
            removed_at=None, removed_by=None
        )
        if not changed:
            return False
        comment.removed_at = None
        log_action(moderator, ModerationAction.Kind.RESTORE_COMMENT, comment, reason)
        _recount(comment.paper_id)
        _pages_changed()
    return True


def dismiss_flags(moderator: AbstractBaseUser | None, comment: Comment, reason: str = "") -> int:
    """Close the comment's open flags, keeping the comment; returns how many were open."""
    with transaction.atomic():
        closed = _resolve_flags(moderator, comment)
        if closed:
            log_action(moderator, ModerationAction.Kind.DISMISS_FLAGS, comment, reason)
    return closed


class FlagRefused(Exception):
    """The user may not flag this comment (their own, or one no longer shown)."""


def flag_comment(
    user: AbstractBaseUser, comment: Comment, reason: str, note: str = ""
) -> tuple[CommentFlag, bool]:
    """One flag per user and comment: a second one returns the first, unchanged.

    Returns the flag and whether it was created now.
    """
    if comment.author_id == user.pk:
        raise FlagRefused("You cannot flag your own comment.")
    if not comment.visible:
        raise FlagRefused("This comment is no longer shown.")
    if reason not in CommentFlag.Reason.values:
        raise ValueError(f"unknown flag reason {reason!r}")
    existing = CommentFlag.objects.filter(comment=comment, user_id=user.pk).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            flag = CommentFlag.objects.create(
                comment=comment, user_id=user.pk, reason=reason, note=note.strip()[:REASON_MAX]
            )
    except IntegrityError:
        # The same user's double click, committed between our read and our insert.
        return CommentFlag.objects.get(comment=comment, user_id=user.pk), False
    return flag, True


# -- users -------------------------------------------------------------------------


def end_sessions(user: AbstractBaseUser) -> int:
    """Delete the user's database sessions; returns how many there were.

    Sessions store the user id inside their encoded data, so each live session is
    decoded; suspensions are rare and the table holds only unexpired rows.
    """
    wanted = str(user.pk)
    doomed = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id", "")) == wanted
    ]
    Session.objects.filter(pk__in=doomed).delete()
    return len(doomed)


def suspend_user(
    moderator: AbstractBaseUser | None, user: AbstractBaseUser, reason: str = ""
) -> bool:
    """Stop the account from logging in and end the sessions it has open."""
    if moderator is not None and moderator.pk == user.pk:
        raise ModerationError("You cannot suspend yourself.")
    if getattr(user, "is_superuser", False):
        raise ModerationError("Superusers cannot be suspended.")
    users = get_user_model().objects
    with transaction.atomic():
        profile, _ = Profile.objects.get_or_create(user_id=user.pk)
        changed = Profile.objects.filter(pk=profile.pk, suspended_at__isnull=True).update(
            suspended_at=timezone.now()
        )
        if changed:
            users.filter(pk=user.pk).update(is_active=False)
            log_action(moderator, ModerationAction.Kind.SUSPEND_USER, user, reason)
        # Also on a repeat: a session may have been opened by a race with the first.
        end_sessions(user)
    user.is_active = False
    return bool(changed)


def unsuspend_user(
    moderator: AbstractBaseUser | None, user: AbstractBaseUser, reason: str = ""
) -> bool:
    """Lift a suspension; an account that was never suspended is left as it is."""
    with transaction.atomic():
        changed = Profile.objects.filter(user_id=user.pk, suspended_at__isnull=False).update(
            suspended_at=None
        )
        if not changed:
            return False
        get_user_model().objects.filter(pk=user.pk).update(is_active=True)
        log_action(moderator, ModerationAction.Kind.UNSUSPEND_USER, user, reason)
    user.is_active = True
    return True
