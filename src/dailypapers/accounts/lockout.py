"""The failed-login lockout, and the sign-in link that lets an account's owner past it.

Wrong passwords are counted per username and client IP: ACCOUNT_LOCKOUT_FAILURES of
them within ACCOUNT_LOCKOUT_SECONDS lock that name for that client only, so guessing
from one place does not shut the owner out elsewhere. Over all clients, the login
rate limit per account (ACCOUNT_RATE_LIMITS["login"], much higher) is the backstop.

Both are keyed by the name as typed, whether or not an account has it, and the login
form checks a password for unknown names too (Django's ModelBackend hashes against a
dummy): known and unknown names get the same answers, so neither the lock nor the
429 tells which names exist.

When an account with a confirmed address is locked (by either), its owner is mailed
a one-time sign-in link (at most one per lockout period), delivered after the answer.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, User
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

from dailypapers.accounts import mailing
from dailypapers.accounts.models import LoginFailures, Profile
from dailypapers.core import ratelimit


def _key(username: str, ip: str) -> str:
    return ratelimit.private_key("login-fail", f"{username.strip().lower()}\n{ip}")


def _period() -> dt.timedelta:
    return dt.timedelta(seconds=settings.ACCOUNT_LOCKOUT_SECONDS)


def locked_for(username: str, ip: str, now: dt.datetime | None = None) -> int:
    """Seconds this client stays locked out of this name (0: not locked)."""
    now = now or timezone.now()
    until = (
        LoginFailures.objects.filter(key=_key(username, ip))
        .values_list("locked_until", flat=True)
        .first()
    )
    if until is None or until <= now:
        return 0
    return max(1, int((until - now).total_seconds()))


def record_failure(username: str, ip: str, now: dt.datetime | None = None) -> bool:
    """Count a wrong password for this name from this client; True if it now locks.

    Counted with conditional UPDATEs (and an INSERT that a parallel one may win), so
    that parallel attempts each count.
    """
    now = now or timezone.now()
    period = _period()
    key = _key(username, ip)
    mine = LoginFailures.objects.filter(key=key)
    # A failure long after the previous one starts a new count.
    counted = mine.exclude(last_failed_at__gt=now - period).update(
        failures=1, last_failed_at=now, locked_until=None
    ) or mine.update(failures=F("failures") + 1, last_failed_at=now)
    if not counted:
        try:
            with transaction.atomic():
                LoginFailures.objects.create(key=key, failures=1, last_failed_at=now)
        except IntegrityError:
            mine.update(failures=F("failures") + 1, last_failed_at=now)
        else:
            # A new row is a cheap moment to drop the ones that no longer count.
            LoginFailures.objects.filter(last_failed_at__lte=now - period).filter(
                Q(locked_until__isnull=True) | Q(locked_until__lte=now)
            ).delete()
    return bool(
        mine.filter(failures__gte=settings.ACCOUNT_LOCKOUT_FAILURES).update(
            failures=0, locked_until=now + period
        )
    )


def clear(username: str, ip: str) -> None:
    """After a successful login, this client's earlier failures no longer count."""
    LoginFailures.objects.filter(key=_key(username, ip)).delete()


def lift(user: AbstractBaseUser) -> None:
    """The owner proved themselves (a password reset, the sign-in link): every lock
    on the account's name goes, the backstop's count too."""
    name = user.get_username().strip().lower()
    ratelimit.reset(ratelimit.private_key("login-account", name))
    # Locks of other clients are keyed by their IPs, which are not kept in the
    # clear; they run out on their own, and only lock those clients out.


class _LinkTokens(PasswordResetTokenGenerator):
    """One-time sign-in links: a login changes last_login, which the token covers,
    so a link works once (and not after any later login)."""

    key_salt = "dailypapers.accounts.lockout.sign-in-link"

    def check_token(self, user: User | None, token: str | None) -> bool:
        if user is None or not token:
            return False
        try:
            issued = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        age = self._num_seconds(self._now()) - issued
        if age > settings.ACCOUNT_LOGIN_LINK_SECONDS:
            return False
        return super().check_token(user, token)


link_tokens = _LinkTokens()


def sign_in_path(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"/login/link/{uid}/{link_tokens.make_token(user)}"


def mail_sign_in_link(username: str) -> None:
    """Mail the account of this name a sign-in link, if it has a confirmed address and
    got none within the lockout period.

    Called whenever a name is refused for a lock, known or not, with the same
    database work either way; the mail is made and sent after the answer.
    """
    name = username.strip().lower()
    first = ratelimit.hit(
        ratelimit.private_key("sign-in-link", name),
        limit=1,
        window=settings.ACCOUNT_LOCKOUT_SECONDS,
    )
    user = (
        get_user_model()
        .objects.filter(username=username, is_active=True)
        .select_related("profile")
        .first()
    )
    profile: Profile | None = getattr(user, "profile", None) if user is not None else None
    if not first or user is None or profile is None or not profile.email_confirmed:
        return
    mailing.after_response(lambda: _send_sign_in_link(user))


def _send_sign_in_link(user: User) -> None:
    context = {
        "user": user,
        "url": f"{settings.BASE_URL}{sign_in_path(user)}",
        "site_name": settings.SITE_NAME,
        "minutes": max(1, settings.ACCOUNT_LOGIN_LINK_SECONDS // 60),
    }
    body = render_to_string("accounts/email/sign_in_link.txt", context)
    subject = f"Sign in to {settings.SITE_NAME}: your account is locked"
    mailing.send(EmailMessage(subject, body, None, [user.email]))
