"""The community's models in the Django admin, for staff.

Changes that moderation logs (removing comments, deciding author claims, verifying an
organization's email domains) are admin actions that go through the same services as
the site, so they are logged too; the fields they set are read-only in the forms so
they cannot be changed around the log.
"""

from django.contrib import admin, messages
from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.db.models import F, QuerySet
from django.http import HttpRequest

from dailypapers.community.models import (
    LIVE,
    AuthorClaim,
    Collection,
    CollectionItem,
    Comment,
    CommentFlag,
    Membership,
    ModerationAction,
)
from dailypapers.community.services import claims, orgs
from dailypapers.community.services import moderation as services
from dailypapers.papers.models import Organization

ADMIN_REASON = "from the admin"


def _staff(request: HttpRequest) -> AbstractBaseUser:
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    return user


class DomainsFilter(admin.SimpleListFilter):
    title = "email domains"
    parameter_name = "domains"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Organization]
    ) -> list[tuple[str, str]]:
        return [("requested", "Requested, not all verified"), ("verified", "Some verified")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Organization]
    ) -> QuerySet[Organization]:
        if self.value() == "requested":
            requested = queryset.exclude(requested_email_domains="")
            return requested.exclude(requested_email_domains=F("verified_email_domains"))
        if self.value() == "verified":
            return queryset.exclude(verified_email_domains="")
        return queryset


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin[Organization]):
    list_display = (
        "slug",
        "name",
        "requested_email_domains",
        "verified_email_domains",
        "created_by",
        "created_at",
    )
    list_filter = (DomainsFilter,)
    search_fields = ("slug", "name", "requested_email_domains", "verified_email_domains")
    list_select_related = ("created_by",)
    raw_id_fields = ("created_by",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # Verified domains confirm author claims: they change only through the logged
    # actions below, never by editing the field.
    readonly_fields = ("verified_email_domains", "created_at")
    actions = ("verify_domains", "unverify_domains")

    @admin.action(description="Verify the requested email domains of the selected (logged)")
    def verify_domains(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        for org in queryset:
            added = orgs.verify_domains(_staff(request), org, reason=ADMIN_REASON)
            if added:
                self.message_user(request, f"{org.slug}: verified {' '.join(added)}.")

    @admin.action(description="Withdraw the verified email domains of the selected (logged)")
    def unverify_domains(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        for org in queryset:
            removed = orgs.unverify_domains(_staff(request), org, reason=ADMIN_REASON)
            if removed:
                self.message_user(request, f"{org.slug}: withdrew {' '.join(removed)}.")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ("organization", "user", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("organization__slug", "organization__name", "user__username")
    raw_id_fields = ("organization", "user")
    list_select_related = ("organization", "user")


class RemovedFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Comment]
    ) -> list[tuple[str, str]]:
        return [
            ("shown", "Shown"),
            ("removed", "Removed by a moderator"),
            ("deleted", "Deleted by its author"),
            ("flagged", "With open flags"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Comment]) -> QuerySet[Comment]:
        value = self.value()
        if value == "shown":
            return queryset.filter(LIVE)
        if value == "removed":
            return queryset.filter(removed_at__isnull=False)
        if value == "deleted":
            return queryset.filter(deleted_at__isnull=False)
        if value == "flagged":
            open_flags = CommentFlag.objects.open()
            return queryset.filter(pk__in=open_flags.values("comment_id"))
        return queryset


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin[Comment]):
    list_display = ("pk", "paper", "author", "created_at", "edited_at", "deleted_at", "removed_at")
    list_filter = (RemovedFilter, "created_at")
    search_fields = ("body", "author__username", "=paper__arxiv_id")
    date_hierarchy = "created_at"
    list_select_related = ("paper", "author")
    raw_id_fields = ("paper", "author", "parent")
    # The text is the author's: moderators remove or restore it, they do not rewrite it.
    readonly_fields = (
        "body",
        "body_html",
        "created_at",
        "edited_at",
        "deleted_at",
        "removed_at",
        "removed_by",
    )
    actions = ("remove_comments", "restore_comments")

    @admin.action(description="Remove the selected comments (logged)")
    def remove_comments(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        done = sum(services.remove_comment(_staff(request), c, ADMIN_REASON) for c in queryset)
        self.message_user(request, f"Removed {done} comment(s).", messages.SUCCESS)

    @admin.action(description="Restore the selected comments (logged)")
    def restore_comments(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        done = sum(services.restore_comment(_staff(request), c, ADMIN_REASON) for c in queryset)
        self.message_user(request, f"Restored {done} comment(s).", messages.SUCCESS)


@admin.register(CommentFlag)
class CommentFlagAdmin(admin.ModelAdmin[CommentFlag]):
    list_display = ("pk", "comment", "user", "reason", "created_at", "resolved_at", "resolved_by")
    list_filter = ("reason", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("note", "user__username", "comment__body")
    raw_id_fields = ("comment", "user", "resolved_by")
    list_select_related = ("comment", "user", "resolved_by")
    readonly_fields = ("created_at", "resolved_at", "resolved_by")


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin[ModerationAction]):
    """The log is written by the actions themselves; nobody edits or deletes it here."""

    list_display = ("created_at", "moderator", "kind", "target_type", "target_label", "reason")
    list_filter = ("kind", "target_type")
    search_fields = ("target_label", "reason", "moderator__username", "=target_id")
    date_hierarchy = "created_at"
    list_select_related = ("moderator",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: ModerationAction | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: ModerationAction | None = None
    ) -> bool:
        return False


@admin.register(AuthorClaim)
class AuthorClaimAdmin(admin.ModelAdmin[AuthorClaim]):
    list_display = ("pk", "author", "user", "status", "how", "created_at", "decided_at")
    list_filter = ("status", "how")
    search_fields = ("author__name", "user__username", "=author__paper__arxiv_id")
    raw_id_fields = ("author", "user")
    list_select_related = ("author", "user")
    readonly_fields = ("status", "how", "created_at", "decided_at", "decided_by")
    actions = ("confirm_claims", "reject_claims")

    def _decide(self, request: HttpRequest, queryset: QuerySet[AuthorClaim], confirm: bool) -> None:
        done = 0
        for found in queryset:
            try:
                claims.decide(found.pk, _staff(request), confirm=confirm, reason=ADMIN_REASON)
            except claims.ClaimError as exc:
                self.message_user(request, f"Claim {found.pk}: {exc}", messages.WARNING)
            else:
                done += 1
        verb = "Confirmed" if confirm else "Rejected"
        self.message_user(request, f"{verb} {done} claim(s).", messages.SUCCESS)

    @admin.action(description="Confirm the selected claims (logged)")
    def confirm_claims(self, request: HttpRequest, queryset: QuerySet[AuthorClaim]) -> None:
        self._decide(request, queryset, confirm=True)

    @admin.action(description="Reject the selected claims (logged)")
    def reject_claims(self, request: HttpRequest, queryset: QuerySet[AuthorClaim]) -> None:
        self._decide(request, queryset, confirm=False)


class CollectionItemInline(admin.TabularInline[CollectionItem, Collection]):
    model = CollectionItem
    extra = 0
    raw_id_fields = ("paper",)


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin[Collection]):
    list_display = ("name", "owner", "slug", "is_public", "updated_at")
    list_filter = ("is_public",)
    search_fields = ("name", "slug", "owner__username")
    raw_id_fields = ("owner",)
    list_select_related = ("owner",)
    inlines = (CollectionItemInline,)


@admin.register(CollectionItem)
class CollectionItemAdmin(admin.ModelAdmin[CollectionItem]):
    list_display = ("collection", "paper", "added_at")
    search_fields = ("collection__name", "=paper__arxiv_id")
    raw_id_fields = ("collection", "paper")
    list_select_related = ("collection", "paper")
