"""What the community adds to papers: organizations' members, discussions, author
claims, collections, a reader's own marks, and the moderation that keeps it civil.

Paper-side state that every list needs cheaply (comment counts, a locked discussion,
a hidden submission) lives on the papers models, and so do organizations themselves
(the upstream names them as paper metadata).
"""

from __future__ import annotations

from typing import TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    organization = models.ForeignKey(
        "papers.Organization", on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_once")
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} {self.role} of org {self.organization_id}"


# A comment shown in its discussion: neither deleted by its author nor removed by a
# moderator (as ``Comment.visible``).
LIVE = Q(deleted_at__isnull=True, removed_at__isnull=True)

_C = TypeVar("_C", bound="Comment", covariant=True)


class CommentQuerySet(models.QuerySet[_C]):
    def live(self) -> CommentQuerySet[_C]:
        """Comments shown in their discussions (see ``LIVE``)."""
        return self.filter(LIVE)


class Comment(models.Model):
    """A comment in a paper's discussion; replies point at a top-level comment.

    Nothing is ever deleted: the author's delete and a moderator's removal blank the
    text on the page but keep the row, so replies stay in their thread.
    """

    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="thread")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    body = models.TextField(help_text="Markdown as written")
    body_html = models.TextField(blank=True, help_text="rendered and sanitized body")
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True, help_text="deleted by its author")
    removed_at = models.DateTimeField(null=True, blank=True, help_text="removed by a moderator")
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["paper", "created_at"]),
            models.Index(fields=["author", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on paper {self.paper_id}"

    @property
    def visible(self) -> bool:
        return self.deleted_at is None and self.removed_at is None


# A flag no moderator has dealt with yet; ``OPEN_FLAG`` is the same rule seen from
# a comment (for ``Count(filter=...)``).
OPEN = Q(resolved_at__isnull=True)
OPEN_FLAG = Q(flags__resolved_at__isnull=True)

_F = TypeVar("_F", bound="CommentFlag", covariant=True)


class CommentFlagQuerySet(models.QuerySet[_F]):
    def open(self) -> CommentFlagQuerySet[_F]:
        """Flags waiting for a moderator (see ``OPEN``)."""
        return self.filter(OPEN)


class CommentFlag(models.Model):
    """A user's report of a comment; open flags make the moderation queue."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        ABUSE = "abuse", "Abusive or harassing"
        OFF_TOPIC = "off-topic", "Off topic"
        OTHER = "other", "Something else"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_flags"
    )
    reason = models.CharField(max_length=16, choices=Reason.choices, default=Reason.OTHER)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = CommentFlagQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="flag_once")]
        indexes = [models.Index(fields=["resolved_at", "created_at"])]

    def __str__(self) -> str:
        return f"flag {self.pk} on comment {self.comment_id}"


class ModerationAction(models.Model):
    """The log of every moderation action: who did what to what, when and why."""

    class Kind(models.TextChoices):
        HIDE_PAPER = "hide-paper", "Hid a paper from the daily list"
        SHOW_PAPER = "show-paper", "Put a paper back on the daily list"
        REMOVE_COMMENT = "remove-comment", "Removed a comment"
        RESTORE_COMMENT = "restore-comment", "Restored a comment"
        LOCK_DISCUSSION = "lock-discussion", "Locked a discussion"
        UNLOCK_DISCUSSION = "unlock-discussion", "Unlocked a discussion"
        SUSPEND_USER = "suspend-user", "Suspended a user"
        UNSUSPEND_USER = "unsuspend-user", "Lifted a suspension"
        DISMISS_FLAGS = "dismiss-flags", "Dismissed flags"
        CONFIRM_CLAIM = "confirm-claim", "Confirmed an author claim"
        REJECT_CLAIM = "reject-claim", "Rejected an author claim"
        VERIFY_DOMAINS = "verify-domains", "Verified an organization's email domains"
        UNVERIFY_DOMAINS = "unverify-domains", "Withdrew an organization's email domains"
        # Not moderators' actions, but changes to what an organization shows that its
        # members (or staff) make and others may need to trace.
        LINK_PAPER = "link-paper", "Linked a paper to an organization"
        UNLINK_PAPER = "unlink-paper", "Took a paper off an organization"

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions",
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    # What the action was about, as a model label and key plus a readable label that
    # survives the target's deletion.
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=300, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.target_type}:{self.target_id}"


_A = TypeVar("_A", bound="AuthorClaim", covariant=True)


class AuthorClaimQuerySet(models.QuerySet[_A]):
    def confirmed(self) -> AuthorClaimQuerySet[_A]:
        """Claims that make their users the authors (by an admin or by email)."""
        return self.filter(status=AuthorClaim.Status.CONFIRMED)

    def pending(self) -> AuthorClaimQuerySet[_A]:
        """Claims waiting for a decision: the moderators' queue."""
        return self.filter(status=AuthorClaim.Status.PENDING)


class AuthorClaim(models.Model):
    """A user saying "this author entry is me"; confirmed by an admin or by email."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Rejected"

    author = models.ForeignKey(
        "papers.PaperAuthor", on_delete=models.CASCADE, related_name="claims"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="author_claims"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    how = models.CharField(max_length=32, blank=True, help_text="how it was confirmed")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = AuthorClaimQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["author", "user"], name="claim_once_per_user"),
            # An author entry belongs to at most one person.
            models.UniqueConstraint(
                fields=["author"],
                condition=Q(status="confirmed"),
                name="claim_confirmed_once",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"claim of author {self.author_id} by user {self.user_id} ({self.status})"


class Collection(models.Model):
    """A user's named list of papers, public or private."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="paper_collections"
    )
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140)
    description = models.TextField(blank=True)
    is_public = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "slug"], name="collection_slug_per_owner")
        ]

    def __str__(self) -> str:
        return self.name


class CollectionItem(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    paper = models.ForeignKey(
        "papers.Paper", on_delete=models.CASCADE, related_name="collection_items"
    )
    note = models.TextField(blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-added_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "paper"], name="collection_paper_once")
        ]

    def __str__(self) -> str:
        return f"paper {self.paper_id} in collection {self.collection_id}"


class ReadingMark(models.Model):
    """A reader's own mark on a paper: seen it, or keep it to read later. Private:
    only its owner ever sees it."""

    class Kind(models.TextChoices):
        SEEN = "seen", "Seen"
        LATER = "later", "Read later"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reading_marks"
    )
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "paper", "kind"], name="reading_mark_once"),
            models.CheckConstraint(
                condition=Q(kind__in=["seen", "later"]), name="reading_mark_kind_known"
            ),
        ]
        indexes = [models.Index(fields=["user", "kind", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.paper_id} by {self.user_id}"
