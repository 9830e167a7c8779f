"""Everything that reads accounts for a page."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from dailypapers.accounts.models import Profile
from dailypapers.papers.models import Submission, Upvote

PROFILE_LIST_LIMIT = 50


@dataclass
class ProfilePage:
    user: AbstractBaseUser
    profile: Profile | None
    submissions: list[Submission]
    upvotes: list[Upvote] | None  # None: the user keeps their upvotes private


def profile_page(username: str, *, viewer: AbstractBaseUser | None = None) -> ProfilePage | None:
    """A user's public page: their submissions and, if public, their latest upvotes.

    A fixed number of queries, however long the lists.
    """
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        return None
    profile = Profile.objects.filter(user=user).first()
    submissions = list(
        Submission.objects.filter(submitter=user, hidden=False)
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
    return ProfilePage(user, profile, submissions, upvotes)
