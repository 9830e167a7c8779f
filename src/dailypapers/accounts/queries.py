"""Everything that reads accounts for a page."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F

from dailypapers.accounts import tokens
from dailypapers.accounts.models import Profile
from dailypapers.community.models import AuthorClaim, Collection, Comment
from dailypapers.community.queries.collections import visible_collections
from dailypapers.papers.models import Paper, Submission, Upvote

PROFILE_LIST_LIMIT = 50
PROFILE_COMMENTS_LIMIT = 20


@dataclass
class ProfilePage:
    user: AbstractBaseUser
    profile: Profile | None
    submissions: list[Submission]
    upvotes: list[Upvote] | None  # None: the user keeps their upvotes private
    comments: list[Comment]
    collections: list[Collection]
    claimed: list[Paper]

    @property
    def display_name(self) -> str:
        return self.profile.display_name if self.profile else ""

    @property
    def bio(self) -> str:
        return self.profile.bio if self.profile else ""

    @property
    def address(self) -> str:
        return shown_address(self.user, self.profile)

    @property
    def waiting(self) -> str:
        return waiting_address(self.user, self.profile)


def profile_page(username: str, *, viewer: AbstractBaseUser | None = None) -> ProfilePage | None:
    """A user's public page: who they are, what they submitted, upvoted (if public),
    said and collected, and the papers they are a confirmed author of.

    A fixed number of queries, however long the lists.
    """
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        return None
    profile = Profile.objects.filter(user=user).first()
    submissions = list(
        Submission.objects.visible()
        .filter(submitter=user)
        .select_related("paper")
        .order_by("-submitted_at")[:PROFILE_LIST_LIMIT]
    )
    own = viewer is not None and viewer.pk == user.pk
    public = profile is None or profile.upvotes_public
    upvotes = None
    if public or own:
        upvotes = list(
            Upvote.objects.filter(user=user)
            .select_related("paper")
            .order_by("-created_at", "-pk")[:PROFILE_LIST_LIMIT]
        )
    comments = list(
        Comment.objects.live()
        .filter(author=user)
        .select_related("paper")
        .order_by("-created_at", "-pk")[:PROFILE_COMMENTS_LIMIT]
    )
    claimed = [
        claim.author.paper
        for claim in AuthorClaim.objects.filter(user=user, status=AuthorClaim.Status.CONFIRMED)
        .select_related("author__paper")
        .order_by(F("author__paper__published_at").desc(nulls_last=True), "-pk")[
            :PROFILE_LIST_LIMIT
        ]
    ]
    collections = visible_collections(user, own=own, limit=PROFILE_LIST_LIMIT)
    return ProfilePage(user, profile, submissions, upvotes, comments, collections, claimed)


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
