from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import User

from dailypapers.accounts import queries
from dailypapers.accounts.models import ApiToken, LoginFailures, Profile

_ADDRESS_TAKEN = "Another account has this address already (in some case)."
_NAME_TAKEN = "Another account has this username already (in some case)."


class _Checked:
    """Usernames and addresses are unique in any case (the database says so too; this
    says it as a form error rather than a server error)."""

    instance: User
    cleaned_data: dict[str, Any]

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if queries.username_taken(username, by_other_than=self.instance):
            raise forms.ValidationError(_NAME_TAKEN)
        return username

    def clean_email(self) -> str:
        email: str = self.cleaned_data.get("email") or ""
        if queries.address_taken(email, by_other_than=self.instance):
            raise forms.ValidationError(_ADDRESS_TAKEN)
        return email


class CheckedUserChangeForm(_Checked, UserChangeForm[User]):
    pass


class CheckedUserCreationForm(_Checked, AdminUserCreationForm[User]):
    pass


class HubUserAdmin(UserAdmin[User]):
    form = CheckedUserChangeForm
    add_form = CheckedUserCreationForm


admin.site.unregister(User)
admin.site.register(User, HubUserAdmin)


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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Tokens are made by their owners (the settings page, `dailypapers tokens`); here
    they can be seen by prefix and revoked, never read back."""

    list_display = ("prefix", "name", "user", "scope", "created_at", "last_used_at", "revoked_at")
    list_filter = ("scope",)
    search_fields = ("user__username", "prefix", "name")
    readonly_fields = ("user", "name", "scope", "prefix", "digest", "created_at", "last_used_at")
    fields = (*readonly_fields, "revoked_at")

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False
