from __future__ import annotations

from django.conf import settings
from django.db import models


class Profile(models.Model):
    """What the hub keeps about an account beyond Django's user: its confirmed email,
    an address waiting for confirmation, and what the profile page shows."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    # The address that was confirmed; a later change of the user's email does not
    # inherit the confirmation.
    confirmed_email = models.EmailField(blank=True)
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    # An address typed in the settings, or at sign-up when another account had it
    # already: it becomes the account's address (user.email) when its link is
    # followed. Addresses are unique among accounts (auth_user has a unique index on
    # the lowercased address), so it cannot be taken over before that.
    pending_email = models.EmailField(blank=True)
    upvotes_public = models.BooleanField(default=True, help_text="upvotes shown on the profile")
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


class LoginFailures(models.Model):
    """Wrong passwords typed for one username from one client, and the lock they cause.

    Keyed by a hash of the name as typed (in lowercase) and the client's IP, whether
    or not an account has that name: the answers do not tell which names exist, and
    one client's guesses lock that client out, not the account's owner.
    """

    key = models.CharField(max_length=100, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failed_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.failures} wrong passwords ({self.key[:16]}…)"


class ApiToken(models.Model):
    """A personal access token for the JSON API (``Authorization: Bearer <token>``).

    Only a SHA-256 digest of the token is kept: the token itself is shown once, when
    it is made. ``prefix`` (the first characters of the token) tells its owner which
    token a row is. A revoked token stays listed with its date, and never works again.
    """

    READ = "read"
    WRITE = "write"
    SCOPES = [(READ, "read"), (WRITE, "read and write")]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=5, choices=SCOPES, default=READ)
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"
