"""Digest subscriptions and the record of every digest sent (or not) to them."""

from __future__ import annotations

from typing import TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q


class Frequency(models.TextChoices):
    DAILY = "daily", "Daily (weekdays)"
    WEEKLY = "weekly", "Weekly (Mondays)"


# A subscription that receives mail: confirmed, not unsubscribed and not suspended
# (as ``Subscription.is_active``).
ACTIVE = Q(confirmed_at__isnull=False, unsubscribed_at__isnull=True, suspended_at__isnull=True)

_S = TypeVar("_S", bound="Subscription", covariant=True)


class SubscriptionQuerySet(models.QuerySet[_S]):
    def active(self) -> SubscriptionQuerySet[_S]:
        """Subscriptions that receive mail (see ``ACTIVE``)."""
        return self.filter(ACTIVE)


class Subscription(models.Model):
    """One address that asked for the digest.

    It receives mail only while confirmed, not unsubscribed and not suspended
    (too many permanent delivery failures in a row); ``next_digest_at`` is then
    the next delivery moment, and None otherwise, so the sender finds due
    subscriptions through one index.
    """

    email = models.EmailField(max_length=254, unique=True, help_text="normalized: lower case")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="digest_subscriptions",
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.DAILY)
    hour = models.PositiveSmallIntegerField(default=8, help_text="local hour, 0–23")
    time_zone = models.CharField(max_length=64, default="UTC")
    categories = models.JSONField(default=list, blank=True, help_text='e.g. ["cs.CV"]')
    organizations = models.JSONField(default=list, blank=True, help_text="organization slugs")
    authors = models.JSONField(default=list, blank=True, help_text="author name slugs")
    searches = models.JSONField(default=list, blank=True, help_text="saved search queries")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(
        null=True, blank=True, help_text="set after too many permanent delivery failures"
    )
    next_digest_at = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    bounces = models.PositiveIntegerField(default=0, help_text="permanent failures in a row")
    temporary_failures = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["next_digest_at"], name="digest_sub_next_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(hour__gte=0) & Q(hour__lte=23), name="digest_sub_hour_range"
            ),
            models.CheckConstraint(
                condition=Q(frequency__in=[f.value for f in Frequency]),
                name="digest_sub_frequency_known",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_active(self) -> bool:
        return (
            self.confirmed_at is not None
            and self.unsubscribed_at is None
            and self.suspended_at is None
        )

    @property
    def state(self) -> str:
        if self.unsubscribed_at:
            return "unsubscribed"
        if self.suspended_at:
            return "suspended"
        if self.confirmed_at:
            return "active"
        return "unconfirmed"


class SendStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CLAIMED = "claimed", "Claimed by a sender"
    SENDING = "sending", "Being handed to SMTP"
    SENT = "sent", "Sent"
    RETRY = "retry", "Waiting to retry"
    FAILED = "failed", "Failed"
    UNKNOWN = "unknown", "Interrupted during SMTP hand-off"
    SKIPPED = "skipped", "Nothing to send"
    EXPIRED = "expired", "Too late to send"


class DigestSend(models.Model):
    """One subscriber's digest for one delivery slot: created once, claimed once.

    The unique (subscription, period_key) pair is what makes a second worker, a
    retry or a re-run unable to create a second digest for the same slot; status
    changes are conditional updates (see dailypapers.digests.sending).
    """

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="sends")
    period_key = models.CharField(max_length=32, help_text="daily:YYYY-MM-DD or weekly:YYYY-Www")
    due_at = models.DateTimeField(help_text="the delivery slot; papers up to this moment")
    window_start = models.DateTimeField(help_text="papers submitted after this moment")
    status = models.CharField(max_length=10, choices=SendStatus.choices, default=SendStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=120, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    papers = models.PositiveSmallIntegerField(default=0, help_text="papers in the message")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "period_key"], name="digest_send_once_per_period"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="digest_send_due_idx"),
            models.Index(fields=["due_at"], name="digest_send_due_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.period_key}: {self.status}"
