from __future__ import annotations

from django.contrib import admin

from dailypapers.digests.models import DigestSend, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin[Subscription]):
    list_display = (
        "email",
        "frequency",
        "hour",
        "time_zone",
        "confirmed_at",
        "unsubscribed_at",
        "suspended_at",
        "bounces",
        "last_sent_at",
        "last_error",
    )
    list_filter = ("frequency",)
    search_fields = ("email",)
    raw_id_fields = ("user",)
    readonly_fields = ("created_at", "confirmation_sent_at", "last_sent_at", "last_error_at")


@admin.register(DigestSend)
class DigestSendAdmin(admin.ModelAdmin[DigestSend]):
    list_display = (
        "subscription",
        "period_key",
        "status",
        "attempts",
        "due_at",
        "sent_at",
        "error",
    )
    list_filter = ("status",)
    search_fields = ("subscription__email", "period_key")
    raw_id_fields = ("subscription",)
    date_hierarchy = "due_at"
