"""Author claims: a user saying "this author entry is me", and deciding on it.

A claim is confirmed at once when the user's own confirmed email address is printed
in the paper (abstract or arXiv comments, which come from arXiv, not from users) or is
at one of the email domains that staff verified for the paper's organization; otherwise
a moderator confirms or rejects it. Domains an organization's admins typed are only a
request: anyone can create an organization and own an address at a free mail domain.
New accounts claim nothing until they are old enough (the rule of submissions). The
database allows one confirmed claim per author entry, so two confirmations of the same
entry cannot both succeed, whatever their timing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from dailypapers.accounts.models import Profile
from dailypapers.community.models import AuthorClaim, ModerationAction
from dailypapers.community.queries.standing import community_refusal
from dailypapers.community.services.modlog import log_action
from dailypapers.papers.models import Paper, PaperAuthor

Status = AuthorClaim.Status
BY_EMAIL_IN_PAPER = "email-in-paper"
BY_ORG_DOMAIN = "org-email-domain"
BY_MODERATOR = "moderator"


class ClaimError(Exception):
    """A claim or decision that cannot be made; the message is shown to the user."""


class ClaimRefused(ClaimError):
    """This account may not claim at all (yet); the message says why."""


def confirmed_email(user: AbstractBaseUser) -> str:
    """The user's address if it is confirmed (lower case), else ""."""
    email = str(getattr(user, "email", "") or "")
    profile = Profile.objects.filter(user_id=user.pk).first()
    if profile is None or not email:
        return ""
    profile.user = user  # type: ignore[assignment]
    return email.lower() if profile.email_confirmed else ""


def _printed_in(text: str, email: str) -> bool:
    # The address must stand on its own: "bob@example.org" is not in
    # "jimbob@example.org" nor in "bob@example.org.evil.test".
    pattern = rf"(?<![\w.+-]){re.escape(email)}(?![\w-]|\.\w)"
    return re.search(pattern, text, flags=re.IGNORECASE) is not None


def evidence(user: AbstractBaseUser, paper: Paper) -> str:
    """How the claim can be confirmed without a moderator, or "" when it cannot."""
    email = confirmed_email(user)
    if not email:
        return ""
    if _printed_in(paper.abstract, email) or _printed_in(paper.comments, email):
        return BY_EMAIL_IN_PAPER
    org = paper.organization
    domain = email.rsplit("@", 1)[-1]
    if org is not None and domain in org.verified_email_domains.lower().split():
        return BY_ORG_DOMAIN
    return ""


def claim(user: AbstractBaseUser, author: PaperAuthor) -> AuthorClaim:
    """Claim ``author`` for ``user``: confirmed at once with evidence, else pending.

    Claiming again returns the claim already made. Raises ClaimRefused when the
    account is too new, ClaimError when the claim conflicts with another.
    """
    refusal = community_refusal(user, "claim author entries")
    if refusal:
        raise ClaimRefused(refusal)
    mine = list(
        AuthorClaim.objects.filter(
            user_id=user.pk, author__paper_id=author.paper_id
        ).select_related("author")
    )
    for existing in mine:
        if existing.author_id == author.pk:
            if existing.status == Status.REJECTED:
                raise ClaimError("A moderator rejected this claim; it cannot be made again.")
            if existing.status == Status.PENDING:
                # The user may have confirmed their address since the first try.
                _confirm_by_evidence(existing, user)
            return existing
        if existing.status != Status.REJECTED:
            raise ClaimError("You have already claimed another author of this paper.")
    if AuthorClaim.objects.confirmed().filter(author=author).exists():
        raise ClaimError("This author entry already belongs to someone else.")
    paper = Paper.objects.select_related("organization").get(pk=author.paper_id)
    how = evidence(user, paper)
    if how:
        try:
            with transaction.atomic():
                return AuthorClaim.objects.create(
                    author=author,
                    user_id=user.pk,
                    status=Status.CONFIRMED,
                    how=how,
                    decided_at=timezone.now(),
                )
        except IntegrityError:
            # Someone else's claim of this entry was confirmed meanwhile, or this
            # user's own claim was just written by a second click.
            pass
    try:
        with transaction.atomic():
            return AuthorClaim.objects.create(author=author, user_id=user.pk)
    except IntegrityError:
        again = AuthorClaim.objects.filter(author=author, user_id=user.pk).first()
        if again is None:
            raise
        return again


def _confirm_by_evidence(pending: AuthorClaim, user: AbstractBaseUser) -> None:
    paper = Paper.objects.select_related("organization").get(pk=pending.author.paper_id)
    how = evidence(user, paper)
    if not how:
        return
    now = timezone.now()
    try:
        with transaction.atomic():
            changed = AuthorClaim.objects.filter(pk=pending.pk, status=Status.PENDING).update(
                status=Status.CONFIRMED, how=how, decided_at=now
            )
    except IntegrityError:
        return  # someone else's claim of this entry is confirmed; a moderator decides
    if changed:
        pending.status, pending.how, pending.decided_at = Status.CONFIRMED, how, now


def decide(
    claim_id: int, moderator: AbstractBaseUser, *, confirm: bool, reason: str = ""
) -> AuthorClaim:
    """A moderator confirms or rejects a pending claim; the decision is logged."""
    with transaction.atomic():
        found = AuthorClaim.objects.select_related("author").filter(pk=claim_id).first()
        if found is None:
            raise ClaimError("There is no such claim.")
        now = timezone.now()
        status = Status.CONFIRMED if confirm else Status.REJECTED
        try:
            with transaction.atomic():
                # Conditional: of two moderators deciding at once, only one changes it.
                changed = AuthorClaim.objects.filter(pk=claim_id, status=Status.PENDING).update(
                    status=status,
                    how=BY_MODERATOR if confirm else "",
                    decided_at=now,
                    decided_by_id=moderator.pk,
                )
        except IntegrityError:
            raise ClaimError(
                f"“{found.author.name}” already has a confirmed claim by someone else, "
                "so this one cannot be confirmed too."
            ) from None
        if not changed:
            raise ClaimError("This claim has already been decided.")
        found.status, found.decided_at, found.decided_by_id = status, now, moderator.pk
        found.how = BY_MODERATOR if confirm else ""
        kind = (
            ModerationAction.Kind.CONFIRM_CLAIM if confirm else ModerationAction.Kind.REJECT_CLAIM
        )
        log_action(moderator, kind, found, reason)
        return found


def withdraw(claim_id: int, user: AbstractBaseUser) -> bool:
    """The claimant takes back a pending claim; False when there was none to take back."""
    deleted, _ = AuthorClaim.objects.filter(
        pk=claim_id, user_id=user.pk, status=Status.PENDING
    ).delete()
    return deleted > 0


# -- claims follow their authors to a new version of a paper ----------------------------

# Keeps every IN (...) list well under SQLite's variable limit.
_CHUNK = 500


@dataclass(frozen=True)
class _Claim:
    pk: int
    paper_id: int
    slug: str
    position: int
    user_id: int
    confirmed: bool


def _claims_on(paper_ids: list[int]) -> list[_Claim]:
    """Author claims on the author rows about to be replaced (usually none)."""
    found: list[_Claim] = []
    for start in range(0, len(paper_ids), _CHUNK):
        chunk = paper_ids[start : start + _CHUNK]
        rows = AuthorClaim.objects.filter(author__paper_id__in=chunk).values_list(
            "pk", "author__paper_id", "author__slug", "author__position", "user_id", "status"
        )
        found += [
            _Claim(pk, paper, slug, position, user, status == AuthorClaim.Status.CONFIRMED)
            for pk, paper, slug, position, user, status in rows
        ]
    return found


def _repoint_claims(claims: list[_Claim]) -> None:
    """Move claims from the replaced author rows to the new row of the same name.

    A new version of a paper may reorder, add or drop authors; a claim follows its
    name (the nearest position first) and is dropped only when the name is gone. The
    foreign key is checked at commit, so the claims may point at deleted rows until
    this runs in the same transaction.
    """
    if not claims:
        return
    rows: dict[tuple[int, str], list[tuple[int, int]]] = {}
    for pk, paper_id, slug, position in PaperAuthor.objects.filter(
        paper_id__in={c.paper_id for c in claims}
    ).values_list("pk", "paper_id", "slug", "position"):
        rows.setdefault((paper_id, slug), []).append((position, pk))
    taken: set[tuple[int, int]] = set()  # (author row, user)
    owned: set[int] = set()  # author rows with a confirmed claim
    dropped: list[int] = []
    # Confirmed claims choose first, so a pending one never takes their row.
    for claim in sorted(claims, key=lambda c: (not c.confirmed, c.pk)):
        candidates = sorted(
            rows.get((claim.paper_id, claim.slug), []),
            key=lambda row: (abs(row[0] - claim.position), row[0]),
        )
        target = next(
            (
                pk
                for _, pk in candidates
                if (pk, claim.user_id) not in taken and not (claim.confirmed and pk in owned)
            ),
            None,
        )
        if target is None:
            dropped.append(claim.pk)
            continue
        taken.add((target, claim.user_id))
        if claim.confirmed:
            owned.add(target)
        AuthorClaim.objects.filter(pk=claim.pk).update(author_id=target)
    if dropped:
        AuthorClaim.objects.filter(pk__in=dropped).delete()


def authors_replacing(paper_ids: list[int], **_: object) -> Callable[[], None] | None:
    """Receiver of ``papers.signals.authors_replacing``: the claims on the author rows
    about to be replaced move to the new rows once those are written."""
    claims = _claims_on(paper_ids)
    return functools.partial(_repoint_claims, claims) if claims else None
