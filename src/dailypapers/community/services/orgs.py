"""Writes for organizations: creating one, editing it, its members, and papers' links.

Permission checks live with the callers' queries (community.queries.orgs); these
functions refuse what would leave an organization in a bad state (no admin left),
what the given user may not do to a paper's link, and anything from an account too
new to act (the rule of submissions, community.queries.standing).

An organization's email domains are evidence for author claims only once staff have
verified them (``verify_domains``, logged); its admins only request them. Every change
of a paper's link is logged in the moderation log, with who made it.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from dailypapers.community.models import Membership, ModerationAction
from dailypapers.community.queries.orgs import link_rights
from dailypapers.community.queries.standing import community_refusal
from dailypapers.community.services.modlog import log_action
from dailypapers.core.text import slugify_name
from dailypapers.papers.models import Organization, Paper
from dailypapers.papers.touch import touch

# Slugs that name pages under /orgs/ rather than an organization.
RESERVED_SLUGS = frozenset({"new"})
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff]")


class OrgError(Exception):
    """A change that cannot be made; the message is shown to the user."""


class OrgRefused(OrgError):
    """This user may not make the change; the message says why."""


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
    """A new organization with a free slug from its name; its creator is its admin.

    ``email_domains`` are recorded as requested; staff decide whether they count.
    """
    refusal = community_refusal(user, "create organizations")
    if refusal:
        raise OrgRefused(refusal)
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
                    requested_email_domains=domains,
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
    """The admins' edit. Their domains are a request; a verified domain they no longer
    list stops counting (an admin may narrow what staff verified, never widen it)."""
    requested = parse_domains(email_domains)
    with transaction.atomic():
        # Read the verified domains under the row's lock: staff withdrawing one at the
        # same moment must not see it written back from an older copy.
        verified = (
            Organization.objects.select_for_update()
            .filter(pk=org.pk)
            .values_list("verified_email_domains", flat=True)
            .get()
        )
        org.requested_email_domains = " ".join(requested)
        org.verified_email_domains = " ".join(d for d in verified.split() if d in requested)
        org.name = name
        org.description = plain_text(description)
        org.avatar_url = avatar_url
        org.save(
            update_fields=[
                "name",
                "description",
                "avatar_url",
                "requested_email_domains",
                "verified_email_domains",
            ]
        )
    return org


def _note(domains: list[str], reason: str) -> str:
    """The log's reason for a change of domains: which ones, then the moderator's why."""
    why = reason.strip()
    return f"{' '.join(domains)}: {why}" if why else " ".join(domains)


def verify_domains(
    moderator: AbstractBaseUser | None,
    org: Organization,
    domains: list[str] | None = None,
    reason: str = "",
) -> list[str]:
    """Staff verify ``domains`` (default: every requested one) for ``org``: confirmed
    addresses there then confirm claims of the organization's papers. Logged; returns
    the domains newly verified."""
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=org.pk)
        wanted = locked.requested_email_domains.split() if domains is None else domains
        verified = locked.verified_email_domains.split()
        added = [d for d in parse_domains(" ".join(wanted)) if d not in verified]
        if not added:
            return []
        locked.verified_email_domains = " ".join(parse_domains(" ".join(verified + added)))
        requested = locked.requested_email_domains.split()
        locked.requested_email_domains = " ".join(
            requested + [d for d in added if d not in requested]
        )
        locked.save(update_fields=["verified_email_domains", "requested_email_domains"])
        log_action(moderator, ModerationAction.Kind.VERIFY_DOMAINS, locked, _note(added, reason))
    org.verified_email_domains = locked.verified_email_domains
    org.requested_email_domains = locked.requested_email_domains
    return added


def unverify_domains(
    moderator: AbstractBaseUser | None, org: Organization, reason: str = ""
) -> list[str]:
    """Staff withdraw every verified domain of ``org`` (they stay requested). Logged;
    returns the domains withdrawn. Claims already confirmed stay confirmed."""
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=org.pk)
        removed = locked.verified_email_domains.split()
        if not removed:
            return []
        locked.verified_email_domains = ""
        locked.save(update_fields=["verified_email_domains"])
        log_action(
            moderator, ModerationAction.Kind.UNVERIFY_DOMAINS, locked, _note(removed, reason)
        )
    org.verified_email_domains = ""
    return removed


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


def link_paper(user: AbstractBaseUser, paper: Paper, org: Organization | None) -> bool:
    """Link the paper to ``org`` (None: unlink) if the user may; raises OrgError if not.

    Logged in the moderation log; False when the paper was linked so already.
    """
    refusal = community_refusal(user, "link papers to organizations")
    if refusal:
        raise OrgRefused(refusal)
    current = paper.organization_id
    rights = link_rights(user, paper)
    if not rights.allows(current, org):
        if not rights.may_take_off(current):
            raise OrgRefused(
                "This paper belongs to an organization you are not a member of; "
                "only its members or a moderator can change that."
            )
        raise OrgRefused(
            "You may not change this paper's organization: papers are linked to an "
            "organization by its members who wrote or submitted them, or by its admins "
            "once the moderators have verified the organization's email domains."
        )
    target = org.pk if org is not None else None
    if target == current:
        return False
    with transaction.atomic():
        # Only these columns: the paper's other fields belong to the importer. A new
        # modified_at lets the search index pick up the organization filter's change.
        # Conditional on the link checked above, so a change made meanwhile by someone
        # else is not overwritten under rights that were checked against the old one.
        changed = touch(Paper.objects.filter(pk=paper.pk, organization=current), organization=org)
        if not changed:
            raise OrgError("The paper's organization changed meanwhile; please try again.")
        before = Organization.objects.filter(pk=current).first() if current else None
        note = f"from {before.slug if before else '(none)'} to {org.slug if org else '(none)'}"
        kind = ModerationAction.Kind.LINK_PAPER if org else ModerationAction.Kind.UNLINK_PAPER
        log_action(user, kind, paper, note)
    paper.organization = org
    return True
