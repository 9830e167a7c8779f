"""Whether an account has waited long enough to act on the hub.

One rule for every action that puts something in front of other people or claims
something about the world: submitting a paper, claiming an author entry, creating an
organization, linking a paper to one. An account must be active and either
``SUBMIT_MIN_ACCOUNT_HOURS`` old or have an author claim that a moderator (or
evidence the hub trusts) confirmed.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from dailypapers.community.models import AuthorClaim


def new_account_refusal(user: AbstractBaseUser, now: dt.datetime, doing: str) -> str:
    """Why this account cannot ``doing`` (e.g. "submit papers") yet; "" when it can."""
    if not user.is_active:
        return f"This account is not active, so it cannot {doing}."
    hours = settings.SUBMIT_MIN_ACCOUNT_HOURS
    joined = getattr(user, "date_joined", None)
    if joined is not None and now - joined >= dt.timedelta(hours=hours):
        return ""
    if AuthorClaim.objects.confirmed().filter(user_id=user.pk).exists():
        return ""
    return (
        f"New accounts can {doing} {hours} hours after signing up, "
        "or as soon as one of their author claims is confirmed."
    )


def community_refusal(user: AbstractBaseUser, doing: str) -> str:
    """The same rule for claims and organizations, which staff are trusted with at once."""
    if getattr(user, "is_staff", False) and user.is_active:
        return ""
    return new_account_refusal(user, timezone.now(), doing)
