"""Everything that writes accounts: sign-up, email confirmation, profiles, addresses,
API tokens.

The login lockout is in dailypapers.accounts.lockout.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser, User
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from dailypapers.accounts import queries, tokens
from dailypapers.accounts.models import ApiToken, Profile
from dailypapers.core import ratelimit

log = logging.getLogger(__name__)

# Notes to the owner of an address that a sign-up or a change of address typed it.
NOTICES_PER_DAY = 3


def profile_of(user: AbstractBaseUser) -> Profile:
    """The user's profile; accounts made outside the sign-up form get one on first use."""
    profile, _ = Profile.objects.get_or_create(user_id=user.pk)
    return profile


class UsernameTaken(Exception):
    """Another account has this username (in some case)."""


def sign_up(username: str, email: str, password: str) -> User:
    """Make an account; raises UsernameTaken when another has the name in any case.

    The address is the account's own when no other account has it. When one has it,
    the new account waits for it (Profile.pending_email) like any unconfirmed
    account, so the answer does not tell that the address has an account; the
    confirmation mail then tells its owner instead (see send_confirmation).

    Two sign-ups at once can both pass the form's checks: the unique indexes on the
    lowercased username and address decide, and their refusal lands here.
    """
    model = get_user_model()
    username = model.normalize_username(username)
    hashed = make_password(password)  # outside the transaction: it takes a while
    own = "" if queries.address_taken(email) else email
    while True:
        try:
            with transaction.atomic():
                # Inside the transaction, which takes SQLite's write lock first, the
                # check also covers case variants that SQLite's LOWER cannot see.
                if queries.username_taken(username):
                    raise UsernameTaken(username)
                user: User = model.objects.create(username=username, email=own, password=hashed)
                Profile.objects.create(user=user, pending_email="" if own else email)
            return user
        except IntegrityError:
            if queries.username_taken(username):
                raise UsernameTaken(username) from None
            if own and queries.address_taken(own):
                own = ""  # taken meanwhile: wait for it, as if it had been taken before
                continue
            raise


def confirmation_url(user: AbstractBaseUser, address: str) -> str:
    return f"{settings.BASE_URL}/confirm-email/{tokens.make(int(user.pk), address)}"


def address_to_confirm(user: AbstractBaseUser) -> str:
    """The address a confirmation link is for: a new one waiting, else the account's."""
    profile = profile_of(user)
    return profile.pending_email or str(getattr(user, "email", ""))


def send_confirmation(user: AbstractBaseUser) -> bool:
    """Mail the confirmation link; False when the mail server did not take it.

    When another account has the address, its owner gets a note that someone tried
    to use it instead of a link (at most NOTICES_PER_DAY a day per address; more
    are dropped quietly), so the person who typed it learns nothing from the answer.

    A failure is logged, not raised: the account exists either way and the link
    can be sent again from the profile page.
    """
    address = address_to_confirm(user)
    if not address:
        return False
    context = {
        "user": user,
        "address": address,
        "site_name": settings.SITE_NAME,
        "base_url": settings.BASE_URL,
        "days": settings.ACCOUNT_CONFIRM_DAYS,
    }
    if queries.address_taken(address, by_other_than=user):
        if not ratelimit.hit(
            ratelimit.private_key("address-notice", address.lower()),
            limit=NOTICES_PER_DAY,
            window=86400,
        ):
            return True
        subject = f"Someone tried to use your address on {settings.SITE_NAME}"
        body = render_to_string("accounts/email/address_in_use.txt", context)
    else:
        context["url"] = confirmation_url(user, address)
        subject = f"Confirm your email for {settings.SITE_NAME}"
        body = render_to_string("accounts/email/confirm.txt", context)
    try:
        send_mail(subject, body, None, [address])
    except (smtplib.SMTPException, OSError):
        log.warning("confirmation mail to user %s not sent", user.pk, exc_info=True)
        return False
    return True


def confirm_email(user: AbstractBaseUser, tag: str) -> str:
    """Confirm the address the link was made for: "done", "bad" or "taken".

    A link for the address waiting makes it the account's own ("taken" when another
    account got it meanwhile: only who reads that mailbox sees that).
    """
    profile = profile_of(user)
    email = str(getattr(user, "email", ""))
    if profile.pending_email and tokens.matches(tag, profile.pending_email):
        try:
            with transaction.atomic():
                get_user_model().objects.filter(pk=user.pk).update(email=profile.pending_email)
                Profile.objects.filter(pk=profile.pk).update(
                    confirmed_email=profile.pending_email,
                    email_confirmed_at=timezone.now(),
                    pending_email="",
                )
        except IntegrityError:
            return "taken"
        user.email = profile.pending_email  # type: ignore[attr-defined]
        return "done"
    if not email or not tokens.matches(tag, email):
        return "bad"
    if profile.confirmed_email != email:
        profile.confirmed_email = email
        profile.email_confirmed_at = timezone.now()
        profile.save(update_fields=["confirmed_email", "email_confirmed_at"])
    return "done"


def update_profile(
    user: AbstractBaseUser, *, display_name: str, bio: str, upvotes_public: bool
) -> None:
    profile_of(user)
    Profile.objects.filter(user_id=user.pk).update(
        display_name=display_name, bio=bio, upvotes_public=upvotes_public
    )


def change_email(user: User, email: str) -> bool:
    """Ask for a new address: it waits for its link and then replaces the old one.

    Until then the account keeps its address (and its confirmation), so a typo does
    not lock anyone out, and whether another account has the new address shows only
    in the mail to it. Returns whether the mail went out.
    """
    profile_of(user)
    Profile.objects.filter(user_id=user.pk).update(pending_email=email)
    return send_confirmation(user)


# -- API tokens --------------------------------------------------------------------------

TOKEN_START = "dp_"  # noqa: S105 (what every token starts with, not a secret)
# Characters of a token kept in the clear, so that its owner can tell tokens apart.
TOKEN_PREFIX_LENGTH = 10
# Tokens an account may hold at once (revoked ones do not count).
MAX_ACTIVE_TOKENS = 20
# last_used_at is written at most this often per token, not on every request.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


class TooManyTokens(Exception):
    """The account holds MAX_ACTIVE_TOKENS tokens already."""


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: AbstractBaseUser, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token for ``user``: the row, and the token itself, which is not stored and
    cannot be shown again."""
    if scope not in (ApiToken.READ, ApiToken.WRITE):
        raise ValueError(f"unknown scope {scope!r}")
    active = ApiToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise TooManyTokens(f"An account can hold {MAX_ACTIVE_TOKENS} tokens; revoke one first.")
    token = TOKEN_START + secrets.token_urlsafe(30)
    row = ApiToken.objects.create(
        user_id=user.pk,
        name=name,
        scope=scope,
        prefix=token[:TOKEN_PREFIX_LENGTH],
        digest=token_digest(token),
    )
    return row, token


def revoke_token(user: AbstractBaseUser, token_id: int) -> bool:
    """Revoke one of the user's tokens; False when it is not theirs or was revoked already."""
    changed = ApiToken.objects.filter(pk=token_id, user_id=user.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return bool(changed)


def authenticate_token(token: str) -> ApiToken | None:
    """The live token ``token`` is, with its user, or None (unknown, revoked, or its
    account suspended). Records the use, to the minute."""
    if not token.startswith(TOKEN_START) or len(token) > 200:
        return None
    found = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if found is None:
        return None
    now = timezone.now()
    if found.last_used_at is None or now - found.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        found.last_used_at = now
    return found
