"""The sync section of /healthz and `dailypapers status` (see dailypapers.core.status)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from dailypapers.core.status import register, when
from dailypapers.ingest.models import SyncRun, SyncState


@register("sync")
def sync_section() -> dict[str, Any]:
    states = {s.source: s for s in SyncState.objects.all()}
    sources: dict[str, Any] = {}
    for source in sorted(set(settings.SYNC_SOURCES) | set(states)):
        state = states.get(source)
        last = SyncRun.objects.filter(source=source).order_by("-started_at").first()
        failed = (
            SyncRun.objects.filter(source=source, status=SyncRun.Status.FAILED)
            .order_by("-started_at")
            .first()
        )
        sources[source] = {
            "enabled": source in settings.SYNC_SOURCES,
            "last_success": when(state.last_success_at if state else None),
            "next_due": when(state.next_due_at if state else None),
            "last_run": None if last is None else {"status": last.status, "summary": last.summary},
            "last_error": None
            if failed is None
            else {"at": when(failed.started_at), "summary": failed.summary},
        }
    return {"enabled": list(settings.SYNC_SOURCES), "sources": sources}


@register("media")
def media_section() -> dict[str, Any]:
    """Thumbnails, papers' media and avatars kept by the hub (ingest.media)."""
    from dailypapers.ingest import media

    return {"fetching": settings.MEDIA_FETCH, "files": media.counts()}
