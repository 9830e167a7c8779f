"""Reads for organization pages and for who may change an organization or a paper's link.

Each page function runs a fixed number of queries, however many members or papers
an organization has.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from dailypapers.community.models import AuthorClaim, Membership
from dailypapers.core.web import Page
from dailypapers.papers.models import Organization, Paper, PaperAuthor

Viewer = AbstractBaseUser | AnonymousUser

# Authors shown per paper in a list; the rest are counted.
AUTHORS_SHOWN = 5
MEMBERS_SHOWN = 200


@dataclass
class OrgPage:
    org: Organization
    members: list[Membership]
    papers: Page[Paper]


def _count_of(model: type[Paper] | type[Membership]) -> Subquery:
    return Subquery(
        model.objects.filter(organization=OuterRef("pk"))
        .order_by()
        .values("organization")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


def org_list(*, offset: int = 0, limit: int = 50) -> Page[Organization]:
    """Organizations by name, each with its number of papers and members: two queries."""
    qs = Organization.objects.all()
    total = qs.count()
    items: list[Organization] = list(
        qs.annotate(
            num_papers=Coalesce(_count_of(Paper), Value(0)),
            num_members=Coalesce(_count_of(Membership), Value(0)),
        ).order_by("name", "pk")[offset : offset + limit]
    )
    return Page(items, total, offset, limit)


def paper_list(qs: QuerySet[Paper]) -> QuerySet[Paper]:
    """Papers newest first with what a list row shows: the first authors and their count."""
    num_authors = Subquery(
        PaperAuthor.objects.filter(paper=OuterRef("pk"))
        .order_by()
        .values("paper")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )
    first_authors = PaperAuthor.objects.order_by("position")[:AUTHORS_SHOWN]
    return (
        qs.select_related("organization")
        .annotate(num_authors=Coalesce(num_authors, Value(0)))
        .prefetch_related(Prefetch("authors", queryset=first_authors, to_attr="first_authors"))
        .order_by("-published_at", "-arxiv_id")
    )


def papers_page(qs: QuerySet[Paper], *, offset: int, limit: int) -> Page[Paper]:
    total = qs.count()
    items = list(paper_list(qs)[offset : offset + limit])
    return Page(items, total, offset, limit)


def org_by_slug(slug: str) -> Organization | None:
    return Organization.objects.filter(slug=slug).first()


def org_page(slug: str, *, offset: int = 0, limit: int = 30) -> OrgPage | None:
    """An organization with its members (admins first) and a page of its papers."""
    org = org_by_slug(slug)
    if org is None:
        return None
    members = list(
        Membership.objects.filter(organization=org)
        .select_related("user")
        .order_by("role", "user__username")[:MEMBERS_SHOWN]
    )
    papers = papers_page(Paper.objects.filter(organization=org), offset=offset, limit=limit)
    return OrgPage(org, members, papers)


def pending_domains(org: Organization) -> list[str]:
    """The email domains the organization's admins asked for that staff have not verified."""
    verified = set(org.verified_email_domains.split())
    return [d for d in org.requested_email_domains.split() if d not in verified]


def role_of(user: Viewer, org: Organization) -> str:
    """The user's role in the organization, or "" when not a member."""
    if not user.is_authenticated:
        return ""
    role = (
        Membership.objects.filter(organization=org, user_id=user.pk)
        .values_list("role", flat=True)
        .first()
    )
    return role or ""


def can_manage(user: Viewer, org: Organization) -> bool:
    """Org admins and moderators change an organization; nobody else."""
    if not user.is_authenticated:
        return False
    return bool(getattr(user, "is_staff", False)) or role_of(user, org) == Membership.Role.ADMIN


def memberships_of(user: Viewer) -> list[Membership]:
    """The user's memberships with their organizations, by organization name."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user_id=user.pk)
        .select_related("organization")
        .order_by("organization__name")[:MEMBERS_SHOWN]
    )


@dataclass
class LinkRights:
    """What a user may do with one paper's organization link.

    A link says "this paper is this organization's", so only that organization's
    people say it, and a paper leaves an organization only by that organization's
    people. Staff change any link. Otherwise a change needs the right to take the paper
    off the organization it leaves and the right to link it to the one it joins:

    - taking off: the organization's admins, or its members for their own papers;
    - linking to: its members (admins included) for their own papers, and its admins
      for any paper once staff have verified the organization's email domains (anyone
      can create an organization called after a famous lab; until staff have looked,
      it shows only its own people's papers).

    "Their own papers" are those the user submitted or is a confirmed author of. Being
    an author or the submitter alone links to no organization one is not a member of.
    """

    any_org: bool = False  # staff
    link_to: set[int] = field(default_factory=set)
    take_off: set[int] = field(default_factory=set)
    choices: list[Organization] = field(default_factory=list)

    def may_take_off(self, org_id: int | None) -> bool:
        return self.any_org or org_id is None or org_id in self.take_off

    def allows(self, current_org_id: int | None, target: Organization | None) -> bool:
        if self.any_org:
            return True
        target_id = target.pk if target is not None else None
        if target_id == current_org_id:
            return target_id is not None and target_id in self.take_off
        if not self.may_take_off(current_org_id):
            return False
        return target_id is None or target_id in self.link_to

    def shown_for(self, current_org_id: int | None) -> bool:
        if self.any_org:
            return True
        if current_org_id is None:
            return bool(self.link_to)
        return current_org_id in self.take_off


def link_rights(
    user: Viewer,
    paper: Paper,
    *,
    claimed: bool | None = None,
    memberships: list[Membership] | None = None,
) -> LinkRights:
    """Who may link ``paper`` to an organization; ``claimed`` and ``memberships`` may be
    passed in when the caller has read them already (the paper page has)."""
    if not user.is_authenticated:
        return LinkRights()
    if memberships is None:
        memberships = memberships_of(user)
    if getattr(user, "is_staff", False):
        return LinkRights(True, choices=[m.organization for m in memberships])

    def trusted_admin(m: Membership) -> bool:
        return m.role == Membership.Role.ADMIN and bool(m.organization.verified_email_domains)

    own = False
    if not all(trusted_admin(m) for m in memberships):
        if claimed is None:
            claimed = AuthorClaim.objects.filter(
                author__paper=paper, user_id=user.pk, status=AuthorClaim.Status.CONFIRMED
            ).exists()
        own = claimed or _is_submitter(user, paper)
    rights = LinkRights()
    for m in memberships:
        if own or trusted_admin(m):
            rights.link_to.add(m.organization_id)
            rights.choices.append(m.organization)
        if own or m.role == Membership.Role.ADMIN:
            rights.take_off.add(m.organization_id)
    return rights


def _is_submitter(user: AbstractBaseUser, paper: Paper) -> bool:
    # The paper page reads the submission with the paper; other callers pay one query.
    submission = getattr(paper, "submission", None)
    return submission is not None and submission.submitter_id == user.pk
