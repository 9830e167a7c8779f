"""A user's public page: what the account, its papers and its community activity show.

It reads accounts, papers and the community's comments, claims and collections, so it
lives here, in the lowest app that may read all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F

from dailypapers.accounts import queries
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
        return queries.shown_address(self.user, self.profile)

    @property
    def waiting(self) -> str:
        return queries.waiting_address(self.user, self.profile)


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
    comments = list(
        Comment.objects.filter(author=user, deleted_at__isnull=True, removed_at__isnull=True)
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
