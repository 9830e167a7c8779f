from django.contrib import admin

from dailypapers.accounts.models import LoginFailures, Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin[Profile]):
    list_display = ("user", "confirmed_email", "email_confirmed_at", "pending_email")
    search_fields = ("user__username", "user__email")
    raw_id_fields = ("user",)


@admin.register(LoginFailures)
class LoginFailuresAdmin(admin.ModelAdmin[LoginFailures]):
    """Keys are hashes of (username, client IP); deleting a row lifts that lock."""

    list_display = ("key", "failures", "last_failed_at", "locked_until")
    ordering = ("-last_failed_at",)
