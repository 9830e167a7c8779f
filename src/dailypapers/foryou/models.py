"""What the For-you list keeps per reader: their choice, their "less like this", their profile.

All three are the reader's alone: no page shows them to anyone else, and turning
personalization off deletes the profile and the "less like this" marks
(services.set_enabled).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Preference(models.Model):
    """A reader's switch; no row means personalization is on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="foryou_preference"
    )
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"for-you {'on' if self.enabled else 'off'} for user {self.user_id}"


class LessLike(models.Model):
    """The reader asked for fewer papers like this one (a negative signal)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="foryou_less"
    )
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "paper"], name="foryou_less_once_per_user")
        ]

    def __str__(self) -> str:
        return f"user {self.user_id}: less like paper {self.paper_id}"


class Profile(models.Model):
    """A reader's computed interests, kept by the worker for active readers (jobs.py).

    ``mean`` is the recency-weighted mean vector (float32 bytes), ``weights`` the
    per-reader linear model's (with ``bias``) when there was enough to fit one;
    ``authors`` and ``categories`` map names to affinities. ``signals`` is a
    fingerprint of what it was computed from: a page whose reader did something
    since computes afresh. ``claimed_*``: the worker's claim (conditional update).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="foryou_profile"
    )
    mean = models.BinaryField(null=True)
    weights = models.BinaryField(null=True)
    bias = models.FloatField(default=0.0)
    authors = models.JSONField(default=dict)
    categories = models.JSONField(default=dict)
    signals = models.CharField(max_length=64, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=120, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"for-you profile of user {self.user_id}"


class LibraryItem(models.Model):
    """A paper of the reader's own library (an uploaded BibTeX file or arXiv id list)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="foryou_library"
    )
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "paper"], name="foryou_library_once_per_user")
        ]

    def __str__(self) -> str:
        return f"user {self.user_id}: paper {self.paper_id} in their library"
