from __future__ import annotations

from django.db import models


class RateLimitCounter(models.Model):
    """Hits of one key in one fixed time window (see dailypapers.core.ratelimit).

    Kept in the database rather than a per-process cache so that every server
    process, and every machine behind a load balancer, counts against one limit.
    """

    key = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="ratelimit_key_window")
        ]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start:%Y-%m-%d %H:%M}: {self.hits}"


class WorkerBeat(models.Model):
    """A running ``dailypapers worker``: written every few seconds, removed when it stops.

    Kept in the database so that ``/healthz`` and ``dailypapers status`` on any node see
    the workers of every machine.
    """

    holder = models.CharField(max_length=200, unique=True, help_text="host:pid")
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.holder} (last seen {self.beat_at:%Y-%m-%d %H:%M:%S})"
