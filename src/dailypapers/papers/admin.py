from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from dailypapers.papers.models import MediaFile, Paper, PaperAuthor, Submission


class AuthorInline(admin.TabularInline[PaperAuthor, Paper]):
    model = PaperAuthor
    extra = 0
    fields = ("position", "name", "hf_user")


class SubmissionInline(admin.StackedInline[Submission, Paper]):
    model = Submission
    extra = 0
    raw_id_fields = ("submitter",)


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin[Paper]):
    list_display = ("arxiv_id", "title", "upvotes_imported", "upvotes_local", "source", "withdrawn")
    list_filter = ("source", "withdrawn")
    search_fields = ("=arxiv_id", "title")
    raw_id_fields = ("organization",)
    readonly_fields = ("created_at", "modified_at", "observed_at")
    inlines = (AuthorInline, SubmissionInline)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin[Submission]):
    list_display = ("paper", "submitted_at", "submitter_name", "hidden", "source")
    list_filter = ("hidden", "source")
    search_fields = ("=paper__arxiv_id", "submitter_name")
    date_hierarchy = "submitted_at"
    raw_id_fields = ("paper", "submitter")
    list_select_related = ("paper",)


@admin.register(MediaFile)
class MediaFileAdmin(admin.ModelAdmin[MediaFile]):
    """Files the worker keeps for the pages (ingest.media): what was stored, what was
    refused and why."""

    list_display = ("url", "kind", "state", "content_type", "size", "error", "fetched_at")
    list_filter = ("kind", "state")
    search_fields = ("url", "=key")
    readonly_fields = [f.name for f in MediaFile._meta.fields]
    actions = ("fetch_again",)

    @admin.action(description="Fetch again at the worker's next run")
    def fetch_again(self, request: HttpRequest, queryset: QuerySet[MediaFile]) -> None:
        queryset.update(state=MediaFile.NEW, retry_at=None, attempts=0, error="")
