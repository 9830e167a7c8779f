"""What the hub is doing, for ``/healthz`` and ``dailypapers status``.

Apps add a section in a ``status.py`` module (found the way the worker finds
``jobs.py``): ``@register("search")`` on a function returning a small JSON-able dict.
A section that fails says so in its own entry; the others are still reported. Every
section is cheap (a few indexed reads), so a health check does not slow pages.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from dailypapers.core.models import WorkerBeat

log = logging.getLogger(__name__)

Section = Callable[[], dict[str, Any]]
_sections: dict[str, Section] = {}
_discovered = False

# A worker not seen for this long is taken for gone.
WORKER_SILENT_SECONDS = 120
BEAT_EVERY_SECONDS = 10.0


def register(name: str) -> Callable[[Section], Section]:
    def add(func: Section) -> Section:
        _sections[name] = func
        return func

    return add


def collect() -> dict[str, Any]:
    global _discovered
    if not _discovered:
        autodiscover_modules("status")
        _discovered = True
    report: dict[str, Any] = {}
    for name in sorted(_sections):
        try:
            report[name] = _sections[name]()
        except Exception as exc:
            log.exception("status section %s failed", name)
            report[name] = {"error": f"{type(exc).__name__}: {exc}"}
    return report


def when(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat(timespec="seconds")


class Heartbeat:
    """Records that this worker process is alive, at most every ``every`` seconds."""

    def __init__(self, every: float = BEAT_EVERY_SECONDS) -> None:
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        self.every = every
        self.started_at = timezone.now()
        self._last: dt.datetime | None = None

    def beat(self) -> None:
        from dailypapers.core.models import WorkerBeat

        now = timezone.now()
        if self._last is not None and (now - self._last).total_seconds() < self.every:
            return
        WorkerBeat.objects.update_or_create(
            holder=self.holder, defaults={"started_at": self.started_at, "beat_at": now}
        )
        self._last = now
        # Workers that stopped without saying so (killed) are forgotten after a while.
        WorkerBeat.objects.filter(beat_at__lt=now - dt.timedelta(days=1)).delete()

    def stop(self) -> None:
        from dailypapers.core.models import WorkerBeat

        WorkerBeat.objects.filter(holder=self.holder).delete()


def _seen_lately() -> QuerySet[WorkerBeat]:
    """The workers seen in the last WORKER_SILENT_SECONDS."""
    from dailypapers.core.models import WorkerBeat

    since = timezone.now() - dt.timedelta(seconds=WORKER_SILENT_SECONDS)
    return WorkerBeat.objects.filter(beat_at__gte=since)


def worker_running() -> bool:
    """Whether a worker has been seen lately (it then keeps the search indexes current)."""
    return _seen_lately().exists()


@register("worker")
def worker_section() -> dict[str, Any]:
    alive = list(_seen_lately().order_by("holder"))
    return {
        "state": "running" if alive else "not running",
        "workers": [
            {"holder": b.holder, "since": when(b.started_at), "last_seen": when(b.beat_at)}
            for b in alive
        ],
    }
