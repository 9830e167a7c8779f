"""What the sync keeps between runs: one row per run, one state row per source."""

from __future__ import annotations

from django.db import models


class SyncRun(models.Model):
    """One run of one source, visible to admins and in `dailypapers sync status`."""

    class Status(models.TextChoices):
        RUNNING = "running"
        OK = "ok"
        PARTIAL = "partial", "ok, with problems"
        FAILED = "failed"

    source = models.CharField(max_length=16)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True, help_text="what was asked for")
    requests = models.PositiveIntegerField(default=0)
    new = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    errors = models.JSONField(
        default=list, blank=True, help_text="the first problems, with reasons"
    )
    summary = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["source", "-started_at"])]
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class SyncState(models.Model):
    """Per source: the harvest watermark, conditional-request validators and the claim.

    The claim (``claimed_by`` until ``claimed_until``) is taken with a conditional
    UPDATE, so two workers never run the same source at once; a crashed worker's
    claim simply expires.
    """

    source = models.CharField(max_length=16, unique=True)
    watermark = models.JSONField(default=dict, blank=True)
    validators = models.JSONField(default=dict, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    next_due_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.source
