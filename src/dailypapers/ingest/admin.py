from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

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

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A run is a record of what a sync did; one made by hand would have no start.
        return False


@admin.register(SyncState)
class SyncStateAdmin(admin.ModelAdmin[SyncState]):
    list_display = ["source", "last_success_at", "next_due_at", "claimed_by", "claimed_until"]
    readonly_fields = ["last_success_at", "claimed_by", "claimed_until"]
