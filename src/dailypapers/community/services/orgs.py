"""Writes for organizations: creating one, editing it, its members, and papers' links.

Permission checks live with the callers' queries (community.queries.orgs); these
functions refuse what would leave an organization in a bad state (no admin left) and
what the given user may not do to a paper's link.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from dailypapers.community.models import Membership, Organization
from dailypapers.community.queries.orgs import link_rights
from dailypapers.core.text import slugify_name
from dailypapers.papers.models import Paper

# Slugs that name pages under /orgs/ rather than an organization.
RESERVED_SLUGS = frozenset({"new"})
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff]")


class OrgError(Exception):
    """A change that cannot be made; the message is shown to the user."""


def plain_text(value: str) -> str:
    """User text with its line breaks kept and control characters dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_RE.sub("", value).strip()


def parse_domains(value: str) -> list[str]:
    """Email domains from a space- or comma-separated list; raises OrgError on a bad one."""
    domains: list[str] = []
    for raw in re.split(r"[\s,;]+", value.strip().lower()):
        domain = raw.lstrip("@").rstrip(".")
        if not domain:
            continue
        if not _DOMAIN_RE.match(domain):
            raise OrgError(f"“{raw[:100]}” is not an email domain.")
        if domain not in domains:
            domains.append(domain)
    if len(" ".join(domains)) > 500:
        raise OrgError("Too many email domains (500 characters at most).")
    return domains


def _slug_candidates(name: str) -> list[str]:
    base = slugify_name(name)[:90].rstrip("-_")
    if not base or base in RESERVED_SLUGS:
        base = f"{base or 'org'}-org"
    return [base, *(f"{base}-{n}" for n in range(2, 50))]


def create_org(
    user: AbstractBaseUser,
    *,
    name: str,
    description: str = "",
    avatar_url: str = "",
    email_domains: str = "",
) -> Organization:
    """A new organization with a free slug from its name; its creator is its admin."""
    domains = " ".join(parse_domains(email_domains))
    candidates = _slug_candidates(name)
    taken = set(Organization.objects.filter(slug__in=candidates).values_list("slug", flat=True))
    for slug in candidates:
        if slug in taken:
            continue
        try:
            with transaction.atomic():
                org = Organization.objects.create(
                    slug=slug,
                    name=name,
                    description=plain_text(description),
                    avatar_url=avatar_url,
                    email_domains=domains,
                    created_by_id=user.pk,
                )
                Membership.objects.create(
                    organization=org, user_id=user.pk, role=Membership.Role.ADMIN
                )
                return org
        except IntegrityError:
            # Someone took this slug a moment ago; try the next one.
            continue
    raise OrgError("Too many organizations have this name; please choose another one.")


def update_org(
    org: Organization, *, name: str, description: str, avatar_url: str, email_domains: str
) -> Organization:
    org.email_domains = " ".join(parse_domains(email_domains))
    org.name = name
    org.description = plain_text(description)
    org.avatar_url = avatar_url
    org.save(update_fields=["name", "description", "avatar_url", "email_domains"])
    return org


def _admins_left(org: Organization, without_user_id: int) -> bool:
    return (
        Membership.objects.filter(organization=org, role=Membership.Role.ADMIN)
        .exclude(user_id=without_user_id)
        .exists()
    )


@transaction.atomic
def add_member(org: Organization, username: str, role: str) -> Membership:
    """Add a user by username, or change the role of a member."""
    if role not in Membership.Role.values:
        raise OrgError("Choose admin or member.")
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise OrgError(f"There is no user “{username[:150]}”.")
    # Lock the organization's row so two admins demoting each other cannot both win.
    Organization.objects.select_for_update().filter(pk=org.pk).first()
    membership = Membership.objects.filter(organization=org, user=user).first()
    if membership is None:
        return Membership.objects.create(organization=org, user=user, role=role)
    demoted = membership.role == Membership.Role.ADMIN and role != Membership.Role.ADMIN
    if demoted and not _admins_left(org, user.pk):
        raise OrgError("An organization keeps at least one admin.")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def remove_member(org: Organization, user_id: int) -> bool:
    """Remove a member (also how a member leaves); False when they were not one."""
    Organization.objects.select_for_update().filter(pk=org.pk).first()
    membership = Membership.objects.filter(organization=org, user_id=user_id).first()
    if membership is None:
        return False
    if membership.role == Membership.Role.ADMIN and not _admins_left(org, user_id):
        raise OrgError("An organization keeps at least one admin; make someone else admin first.")
    membership.delete()
    return True


def link_paper(user: AbstractBaseUser, paper: Paper, org: Organization | None) -> None:
    """Link the paper to ``org`` (None: unlink) if the user may; raises OrgError if not."""
    rights = link_rights(user, paper)
    if not rights.allows(paper.organization_id, org):
        if org is not None and rights.admin_org_ids and org.pk in rights.admin_org_ids:
            raise OrgError("This paper belongs to another organization.")
        raise OrgError("You may not change this paper's organization.")
    paper.organization = org
    # Only these columns: the paper's other fields belong to the importer. A new
    # modified_at lets the search index pick up the organization filter's change.
    Paper.objects.filter(pk=paper.pk).update(organization=org, modified_at=timezone.now())
