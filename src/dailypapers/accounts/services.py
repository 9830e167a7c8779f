"""Everything that writes accounts: sign-up, email confirmation, the login lockout."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, User
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from dailypapers.accounts import tokens
from dailypapers.accounts.models import Profile

log = logging.getLogger(__name__)


def profile_of(user: AbstractBaseUser) -> Profile:
    """The user's profile; accounts made outside the sign-up form get one on first use."""
    profile, _ = Profile.objects.get_or_create(user_id=user.pk)
    return profile


@transaction.atomic
def sign_up(username: str, email: str, password: str) -> User:
    user: User = get_user_model().objects.create_user(
        username=username, email=email, password=password
    )
    Profile.objects.create(user=user)
    return user


def confirmation_url(user: AbstractBaseUser) -> str:
    email = str(getattr(user, "email", ""))
    return f"{settings.BASE_URL}/confirm-email/{tokens.make(int(user.pk), email)}"


def send_confirmation(user: AbstractBaseUser) -> bool:
    """Mail the confirmation link; False when the mail server did not take it.

    A failure is logged, not raised: the account exists either way and the link
    can be sent again from the profile page.
    """
    context = {
        "user": user,
        "url": confirmation_url(user),
        "site_name": settings.SITE_NAME,
        "days": settings.ACCOUNT_CONFIRM_DAYS,
    }
    body = render_to_string("accounts/email/confirm.txt", context)
    try:
        send_mail(
            f"Confirm your email for {settings.SITE_NAME}",
            body,
            None,
            [str(getattr(user, "email", ""))],
        )
    except (smtplib.SMTPException, OSError):
        log.warning("confirmation mail to user %s not sent", user.pk, exc_info=True)
        return False
    return True


def confirm_email(user: AbstractBaseUser, tag: str) -> bool:
    """Mark the user's current address confirmed if the link was made for it."""
    email = str(getattr(user, "email", ""))
    if not email or not tokens.matches(tag, email):
        return False
    profile = profile_of(user)
    if profile.confirmed_email != email:
        profile.confirmed_email = email
        profile.email_confirmed_at = timezone.now()
        profile.save(update_fields=["confirmed_email", "email_confirmed_at"])
    return True


def locked_for(user: AbstractBaseUser, now: dt.datetime | None = None) -> int:
    """Seconds the account stays locked after too many failed logins (0: not locked)."""
    now = now or timezone.now()
    until = Profile.objects.filter(user_id=user.pk).values_list("locked_until", flat=True).first()
    if until is None or until <= now:
        return 0
    return max(1, int((until - now).total_seconds()))


def record_failed_login(user: AbstractBaseUser, now: dt.datetime | None = None) -> None:
    """Count a wrong password; the Nth within the lockout period locks the account.

    Counted with conditional UPDATEs so that parallel attempts each count.
    """
    now = now or timezone.now()
    period = dt.timedelta(seconds=settings.ACCOUNT_LOCKOUT_SECONDS)
    profile_of(user)
    mine = Profile.objects.filter(user_id=user.pk)
    # A failure long after the previous one starts a new count.
    restarted = mine.exclude(last_failed_login_at__gt=now - period).update(
        failed_logins=1, last_failed_login_at=now
    )
    if not restarted:
        mine.update(failed_logins=F("failed_logins") + 1, last_failed_login_at=now)
    mine.filter(failed_logins__gte=settings.ACCOUNT_LOCKOUT_FAILURES).update(
        failed_logins=0, locked_until=now + period
    )


def clear_failed_logins(user: AbstractBaseUser) -> None:
    """After a successful login or a password reset, earlier failures no longer count."""
    Profile.objects.filter(user_id=user.pk).update(
        failed_logins=0, last_failed_login_at=None, locked_until=None
    )


def update_profile(
    user: AbstractBaseUser, *, display_name: str, bio: str, upvotes_public: bool
) -> None:
    profile_of(user)
    Profile.objects.filter(user_id=user.pk).update(
        display_name=display_name, bio=bio, upvotes_public=upvotes_public
    )


def change_email(user: User, email: str) -> bool:
    """Give the account a new address, unconfirmed until its link is followed.

    Returns whether the confirmation mail went out (the change stands either way).
    """
    with transaction.atomic():
        user.email = email
        user.save(update_fields=["email"])
        profile_of(user)
        # The old confirmation was for the old address; it vouches for nothing now.
        Profile.objects.filter(user_id=user.pk).update(confirmed_email="", email_confirmed_at=None)
    return send_confirmation(user)
