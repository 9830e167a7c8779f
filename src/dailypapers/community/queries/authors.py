"""Reads for author pages, the claims on a paper's authors and the moderators' claim queue.

An author page gathers every author entry with the same name slug; a confirmed claim
ties an entry to a user account. Every function runs a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Q, QuerySet

from dailypapers.community.models import AuthorClaim
from dailypapers.community.queries.orgs import papers_page
from dailypapers.core.prepared import SAMPLE_ID, SAMPLE_OTHER_ID, Prepared
from dailypapers.core.web import Page
from dailypapers.papers.models import Paper, PaperAuthor

CLAIMANTS_SHOWN = 20


@dataclass
class AuthorPage:
    slug: str
    name: str
    papers: Page[Paper]
    claimed_by: list[AbstractBaseUser]


def author_page(slug: str, *, offset: int = 0, limit: int = 30) -> AuthorPage | None:
    """Papers of every author entry with this slug, newest first, under the most common
    spelling of the name; None when no entry has the slug."""
    spelling = (
        PaperAuthor.objects.filter(slug=slug)
        .values("name")
        .annotate(n=Count("pk"))
        .order_by("-n", "name")
        .values_list("name", flat=True)
        .first()
    )
    if spelling is None:
        return None
    claims = (
        AuthorClaim.objects.confirmed()
        .filter(author__slug=slug)
        .select_related("user")
        .order_by("user__username")
    )
    claimed_by: list[AbstractBaseUser] = []
    for claim in claims[: CLAIMANTS_SHOWN * 4]:
        if claim.user not in claimed_by and claim.user.is_active:
            claimed_by.append(claim.user)
    papers = papers_page(
        Paper.objects.filter(pk__in=PaperAuthor.objects.filter(slug=slug).values("paper_id")),
        offset=offset,
        limit=limit,
    )
    return AuthorPage(slug, spelling, papers, claimed_by[:CLAIMANTS_SHOWN])


@dataclass
class PaperClaims:
    """The claims a paper page shows: who each author entry belongs to, and the
    viewer's own claims (pending ones included)."""

    confirmed: dict[int, AbstractBaseUser] = field(default_factory=dict)
    mine: dict[int, AuthorClaim] = field(default_factory=dict)

    @property
    def viewer_confirmed(self) -> bool:
        return any(c.status == AuthorClaim.Status.CONFIRMED for c in self.mine.values())


def _claims_on(paper_id: int, viewer_id: int | None = None) -> QuerySet[AuthorClaim]:
    """The confirmed claims on a paper's authors, and the viewer's own."""
    wanted = Q(status=AuthorClaim.Status.CONFIRMED)
    if viewer_id is not None:
        wanted |= Q(user_id=viewer_id)
    return AuthorClaim.objects.filter(wanted, author__paper_id=paper_id).select_related("user")


# Compiled once (core.prepared): a paper page runs one of these on every visit.
_CLAIMS = Prepared(_claims_on, SAMPLE_ID)
_CLAIMS_WITH_VIEWERS = Prepared(_claims_on, SAMPLE_ID, SAMPLE_OTHER_ID)


def paper_claims(paper: Paper, viewer: AbstractBaseUser | AnonymousUser) -> PaperClaims:
    """One query for all claims a paper page needs, however many authors it has."""
    if viewer.is_authenticated:
        claims = _CLAIMS_WITH_VIEWERS(paper.pk, viewer.pk)
    else:
        claims = _CLAIMS(paper.pk)
    found = PaperClaims()
    for claim in claims:
        if claim.status == AuthorClaim.Status.CONFIRMED and claim.user.is_active:
            found.confirmed[claim.author_id] = claim.user
        if viewer.is_authenticated and claim.user_id == viewer.pk:
            found.mine[claim.author_id] = claim
    return found


def pending_claims(*, offset: int = 0, limit: int = 50) -> tuple[list[AuthorClaim], int]:
    """The moderators' queue, oldest first, with the claimant's profile: two queries."""
    qs = AuthorClaim.objects.pending()
    total = qs.count()
    items = list(
        qs.select_related("author__paper", "user", "user__profile").order_by("created_at", "pk")[
            offset : offset + limit
        ]
    )
    return items, total
