"""Everything that reads accounts for a page."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from dailypapers.accounts import tokens
from dailypapers.accounts.models import ApiToken, Profile


def username_taken(username: str, *, by_other_than: AbstractBaseUser | None = None) -> bool:
    """Whether an account has this name in any case.

    The database compares in lowercase (a unique index on LOWER(username)); SQLite's
    LOWER and its case-insensitive LIKE know only ASCII, so names with other letters
    are compared with a case-insensitive regular expression, which SQLite evaluates
    with Python's (Unicode) rules.
    """
    users = get_user_model().objects.all()
    if username.isascii():
        users = users.filter(username__iexact=username)
    else:
        users = users.filter(username__iregex=f"^{re.escape(username)}$")
    if by_other_than is not None:
        users = users.exclude(pk=by_other_than.pk)
    return users.exists()


def address_taken(email: str, *, by_other_than: AbstractBaseUser | None = None) -> bool:
    """Whether an account has this address (in any case) as its own."""
    # One account per address: password resets go to the address, so two accounts
    # sharing it could take over each other.
    if not email:
        return False
    users = get_user_model().objects.filter(email__iexact=email)
    if by_other_than is not None:
        users = users.exclude(pk=by_other_than.pk)
    return users.exists()


def shown_address(user: AbstractBaseUser, profile: Profile | None) -> str:
    """The address the account is shown with: its own, else the one it waits for.

    An account whose address was taken by another at sign-up has none of its own
    yet; it is shown the address typed, as any account before confirmation.
    """
    own = str(getattr(user, "email", ""))
    return own or (profile.pending_email if profile else "")


def waiting_address(user: AbstractBaseUser, profile: Profile | None) -> str:
    """A new address waiting for its link, beside the account's own (else "")."""
    own = str(getattr(user, "email", ""))
    return profile.pending_email if own and profile else ""


def link_address(user: AbstractBaseUser, tag: str) -> str:
    """The address a confirmation link (its address tag) was made for, if still current."""
    profile = Profile.objects.filter(user_id=user.pk).first()
    for address in (profile.pending_email if profile else "", str(getattr(user, "email", ""))):
        if address and tokens.matches(tag, address):
            return address
    return ""


def user_exists(username: str) -> bool:
    return get_user_model().objects.filter(username=username, is_active=True).exists()


def api_tokens(user: AbstractBaseUser) -> list[ApiToken]:
    """The user's API tokens for the settings page: live ones first, newest first."""
    rows = ApiToken.objects.filter(user_id=user.pk).order_by("-created_at", "-id")
    return sorted(rows, key=lambda t: t.revoked_at is not None)
