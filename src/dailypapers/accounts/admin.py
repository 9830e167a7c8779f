from django.contrib import admin

from dailypapers.accounts.models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin[Profile]):
    list_display = ("user", "confirmed_email", "email_confirmed_at", "locked_until")
    search_fields = ("user__username", "user__email")
    raw_id_fields = ("user",)
