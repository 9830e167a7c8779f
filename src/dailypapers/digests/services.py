"""Everything that changes a subscription: sign-up, confirmation, preferences, leaving.

Sending digests is in dailypapers.digests.sending.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from dailypapers.core import ratelimit, text
from dailypapers.digests import compose, schedule
from dailypapers.digests.models import DigestSend, Frequency, SendStatus, Subscription

log = logging.getLogger(__name__)

MAX_TOPICS = 20
MAX_SEARCHES = 5
MAX_SEARCH_CHARS = 200
_CATEGORY_RE = re.compile(r"[a-z][a-z-]{0,15}(\.[A-Za-z][A-Za-z-]{0,15})?")
_ORGANIZATION_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")
_validate_email = EmailValidator(message="Enter a valid email address.")

Outcome = Literal["created", "resent", "already", "limited", "mail-failed"]


def normalize_email(raw: str) -> str:
    """The address as stored: trimmed, NFC, lower case; ValidationError when unusable.

    Lower-casing the local part is what every large provider does in practice, and
    it keeps ``Ada@x.org`` and ``ada@x.org`` from becoming two subscriptions.
    """
    email = unicodedata.normalize("NFC", raw.strip()).lower()
    if not email or len(email) > 254:
        raise ValidationError("Enter a valid email address.")
    _validate_email(email)
    return email


def _topics(values: Iterable[str], pattern: re.Pattern[str], what: str) -> list[str]:
    cleaned: list[str] = []
    for value in values:
        item = value.strip()
        if not item:
            continue
        if not pattern.fullmatch(item):
            raise ValidationError(f"{item!r} is not a valid {what}.")
        if item not in cleaned:
            cleaned.append(item)
    if len(cleaned) > MAX_TOPICS:
        raise ValidationError(f"At most {MAX_TOPICS} {what}s.")
    return cleaned


@dataclass(frozen=True)
class Choices:
    """What a subscriber picks: validated on creation."""

    frequency: str = Frequency.DAILY
    hour: int = 8
    time_zone: str = "UTC"
    categories: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    searches: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.frequency not in Frequency.values:
            raise ValidationError(f"Frequency must be one of {', '.join(Frequency.values)}.")
        if not 0 <= self.hour <= 23:
            raise ValidationError("Hour must be between 0 and 23.")
        try:
            schedule.zone(self.time_zone)
        except ValueError:
            raise ValidationError(f"Unknown time zone {self.time_zone!r}.") from None
        object.__setattr__(
            self, "categories", tuple(_topics(self.categories, _CATEGORY_RE, "category"))
        )
        object.__setattr__(
            self,
            "organizations",
            tuple(
                _topics((o.lower() for o in self.organizations), _ORGANIZATION_RE, "organization")
            ),
        )
        object.__setattr__(self, "authors", _authors(self.authors))
        object.__setattr__(self, "searches", _searches(self.searches))

    def fields(self) -> dict[str, Any]:
        return {
            "frequency": self.frequency,
            "hour": self.hour,
            "time_zone": self.time_zone,
            "categories": list(self.categories),
            "organizations": list(self.organizations),
            "authors": list(self.authors),
            "searches": list(self.searches),
        }


def _authors(names: tuple[str, ...]) -> tuple[str, ...]:
    """Followed authors as the slugs of their author pages, e.g. "Ada Lovelace" -> ada-lovelace."""
    slugs = list(dict.fromkeys(text.slugify_name(n) for n in names if n.strip()))
    if len(slugs) > MAX_TOPICS:
        raise ValidationError(f"At most {MAX_TOPICS} authors.")
    return tuple(slugs)


def _searches(queries: tuple[str, ...]) -> tuple[str, ...]:
    kept = list(dict.fromkeys(" ".join(q.split()) for q in queries if q.strip()))
    if len(kept) > MAX_SEARCHES:
        raise ValidationError(f"At most {MAX_SEARCHES} saved searches.")
    for query in kept:
        if len(query) > MAX_SEARCH_CHARS:
            raise ValidationError(f"A saved search has at most {MAX_SEARCH_CHARS} characters.")
    return tuple(kept)


def _send_confirmation(sub: Subscription, now: dt.datetime) -> bool:
    message = compose.confirmation_message(sub, already_confirmed=sub.is_active)
    try:
        get_connection(fail_silently=False).send_messages([message])
    except Exception as exc:
        # The page says the same either way; the admin sees the error in the log.
        log.warning("digest: confirmation mail to subscription %s failed: %s", sub.pk, exc)
        return False
    if not sub.is_active:
        Subscription.objects.filter(pk=sub.pk).update(confirmation_sent_at=now)
    return True


def subscribe(
    raw_email: str,
    choices: Choices | None = None,
    *,
    user: Any = None,
    now: dt.datetime | None = None,
) -> Outcome:
    """Ask for the digest at an address: double opt-in, same visible result every time.

    A new or not yet active address gets a confirmation link (with the new choices
    kept for when it confirms); an active one gets a note with its preferences
    link and keeps its settings, since whoever typed the address is not known to
    be its owner. Each address gets at most DIGEST_SIGNUPS_PER_ADDRESS such mails
    an hour. The outcome is for logs and tests, never for the person at the form.
    """
    email = normalize_email(raw_email)
    choices = choices or Choices()
    now = now or timezone.now()
    if not ratelimit.hit(
        ratelimit.private_key("digest-signup-address", email),
        limit=settings.DIGEST_SIGNUPS_PER_ADDRESS,
        window=3600,
        now=now,
    ):
        return "limited"
    outcome: Outcome
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().filter(email=email).first()
        if sub is None:
            try:
                with transaction.atomic():
                    sub = Subscription.objects.create(email=email, user=user, **choices.fields())
                outcome = "created"
            except IntegrityError:
                # The same address arrived twice at once; the other request created it.
                sub = Subscription.objects.get(email=email)
                outcome = "resent"
        elif sub.is_active:
            outcome = "already"
        else:
            for name, value in choices.fields().items():
                setattr(sub, name, value)
            if user is not None and sub.user_id is None:
                sub.user = user
            sub.save(update_fields=[*choices.fields(), "user"])
            outcome = "resent"
    return outcome if _send_confirmation(sub, now) else "mail-failed"


ConfirmResult = Literal["confirmed", "already", "superseded"]


def confirm(sub: Subscription, now: dt.datetime | None = None) -> ConfirmResult:
    """Start the digest for an address whose owner opened the confirmation link.

    A link mailed before the address unsubscribed does not undo the unsubscribe.
    """
    now = now or timezone.now()
    if sub.is_active:
        return "already"
    if sub.unsubscribed_at and (
        sub.confirmation_sent_at is None or sub.confirmation_sent_at < sub.unsubscribed_at
    ):
        return "superseded"
    following = schedule.next_slot(sub.frequency, sub.hour, sub.time_zone, now)
    Subscription.objects.filter(pk=sub.pk).update(
        confirmed_at=now,
        unsubscribed_at=None,
        suspended_at=None,
        bounces=0,
        next_digest_at=following,
    )
    sub.refresh_from_db()
    return "confirmed"


def unsubscribe(sub: Subscription, now: dt.datetime | None = None) -> bool:
    """Stop all mail to the address at once; True when it was subscribed until now."""
    now = now or timezone.now()
    with transaction.atomic():
        changed = Subscription.objects.filter(pk=sub.pk, unsubscribed_at__isnull=True).update(
            unsubscribed_at=now, next_digest_at=None
        )
        # Digests planned but not yet handed to SMTP are dropped too.
        DigestSend.objects.filter(
            subscription_id=sub.pk,
            status__in=[SendStatus.PENDING, SendStatus.RETRY, SendStatus.CLAIMED],
        ).update(status=SendStatus.SKIPPED, error="unsubscribed")
    sub.refresh_from_db()
    return bool(changed)


def update_preferences(
    sub: Subscription, choices: Choices, now: dt.datetime | None = None
) -> Subscription:
    """New frequency, hour, zone or topics; the next digest follows the new schedule."""
    now = now or timezone.now()
    fields = choices.fields()
    if sub.is_active:
        fields["next_digest_at"] = schedule.next_slot(
            choices.frequency, choices.hour, choices.time_zone, now
        )
    Subscription.objects.filter(pk=sub.pk).update(**fields)
    sub.refresh_from_db()
    return sub


def admin_subscribe(
    raw_emails: Iterable[str],
    choices: Choices,
    *,
    confirmed: bool,
    now: dt.datetime | None = None,
) -> list[tuple[str, str]]:
    """``digest subscribe``: (address, what happened) for each address given.

    With ``confirmed`` the addresses start receiving digests without a
    confirmation mail (for moving a list that already confirmed elsewhere);
    without it each gets the confirmation mail, with no rate limit.
    """
    now = now or timezone.now()
    results: list[tuple[str, str]] = []
    for raw in raw_emails:
        try:
            email = normalize_email(raw)
        except ValidationError:
            results.append((raw, "invalid address, skipped"))
            continue
        sub, created = Subscription.objects.get_or_create(email=email, defaults=choices.fields())
        if not created:
            update_preferences(sub, choices, now)
        if confirmed:
            if not sub.is_active:
                Subscription.objects.filter(pk=sub.pk).update(confirmation_sent_at=now)
                sub.refresh_from_db()
                confirm(sub, now)
            results.append((email, "subscribed" if created else "updated, active"))
        elif sub.is_active:
            results.append((email, "updated, already active"))
        else:
            sent = _send_confirmation(sub, now)
            results.append((email, "confirmation sent" if sent else "confirmation mail failed"))
    return results


def admin_unsubscribe(
    raw_emails: Iterable[str], now: dt.datetime | None = None
) -> list[tuple[str, str]]:
    now = now or timezone.now()
    results: list[tuple[str, str]] = []
    for raw in raw_emails:
        try:
            email = normalize_email(raw)
        except ValidationError:
            results.append((raw, "invalid address, skipped"))
            continue
        sub = Subscription.objects.filter(email=email).first()
        if sub is None:
            results.append((email, "not subscribed"))
        else:
            results.append(
                (email, "unsubscribed" if unsubscribe(sub, now) else "already unsubscribed")
            )
    return results


AccountOutcome = Literal["subscribed", "already", "confirmation-sent", "mail-failed", "limited"]


def subscribe_account(user: Any, now: dt.datetime | None = None) -> AccountOutcome:
    """The digest for a logged-in user's own address, from the account settings.

    An address the account has confirmed needs no second confirmation: the owner is
    the one asking. An unconfirmed one goes through the usual double opt-in.
    """
    from dailypapers.accounts.services import profile_of

    now = now or timezone.now()
    email = normalize_email(user.email)
    if not profile_of(user).email_confirmed:
        outcome = subscribe(email, user=user, now=now)
        return "confirmation-sent" if outcome in ("created", "resent") else outcome  # type: ignore[return-value]
    with transaction.atomic():
        sub, _ = Subscription.objects.get_or_create(email=email, defaults={"user": user})
        if sub.user_id is None:
            Subscription.objects.filter(pk=sub.pk, user__isnull=True).update(user=user)
        if sub.is_active:
            return "already"
        Subscription.objects.filter(pk=sub.pk).update(confirmation_sent_at=now)
        sub.refresh_from_db()
        confirm(sub, now)
    return "subscribed"


def account_subscription(user: Any) -> Subscription | None:
    """The subscription of the user's current address, if there is one."""
    if not user.email:
        return None
    try:
        email = normalize_email(user.email)
    except ValidationError:
        return None
    return Subscription.objects.filter(email=email).first()
