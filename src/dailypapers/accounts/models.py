from __future__ import annotations

from django.conf import settings
from django.db import models


class Profile(models.Model):
    """What the hub keeps about an account beyond Django's user: its confirmed email
    and the state of the failed-login lockout."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    # The address that was confirmed; a later change of the user's email does not
    # inherit the confirmation.
    confirmed_email = models.EmailField(blank=True)
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    upvotes_public = models.BooleanField(default=True, help_text="upvotes shown on the profile")
    failed_logins = models.PositiveIntegerField(default=0)
    last_failed_login_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    display_name = models.CharField(max_length=150, blank=True)
    bio = models.TextField(blank=True)
    # A suspended account cannot log in (user.is_active is cleared with it); the
    # reason is in the moderation log.
    suspended_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"profile of user {self.user_id}"

    @property
    def email_confirmed(self) -> bool:
        return bool(self.confirmed_email) and self.confirmed_email == self.user.email
