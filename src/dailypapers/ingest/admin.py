from __future__ import annotations

from django.contrib import admin

from dailypapers.ingest.models import SyncRun, SyncState


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin[SyncRun]):
    list_display = [
        "source",
        "status",
        "started_at",
        "finished_at",
        "new",
        "updated",
        "skipped",
        "withdrawn",
        "requests",
    ]
    list_filter = ["source", "status"]
    readonly_fields = [f.name for f in SyncRun._meta.fields]
    date_hierarchy = "started_at"


@admin.register(SyncState)
class SyncStateAdmin(admin.ModelAdmin[SyncState]):
    list_display = ["source", "last_success_at", "next_due_at", "claimed_by", "claimed_until"]
    readonly_fields = ["last_success_at", "claimed_by", "claimed_until"]
