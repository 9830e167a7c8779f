"""Sending due digests: plan, claim, hand to SMTP, record. Every step is a write.

The guarantees, in the order a digest moves through its states:

* **Planned once.** A run creates one DigestSend per (subscription, slot); the
  unique constraint turns a second creation, by a re-run or a second worker, into
  nothing.
* **Claimed once.** A sender takes rows with one conditional UPDATE (``pending`` or
  ``retry`` → ``claimed``, tagged with its own id); rows another sender holds are
  not touched. On PostgreSQL the candidate rows are picked with SKIP LOCKED, on
  SQLite the UPDATE holds the write lock.
* **Marked before hand-off.** Just before the message goes to SMTP the row moves
  ``claimed`` → ``sending`` (again conditional on the sender's id), and to ``sent``
  once the server accepted it.
* **After a crash.** At the start of every run, rows held by a sender that is gone
  (its process on this host has ended, also when it is an unreaped zombie: see
  ``core.claims``; or its claim is older than DIGEST_CLAIM_TIMEOUT) are recovered:
  ``claimed`` rows were never handed to SMTP and go back to ``pending``, so the
  unsent digests go out on this run; ``sending`` rows may or may not have reached
  the server and become ``unknown``, never resent. Delivery is therefore **at
  most once**: a sender killed between handing a message over and recording it
  loses at most that one digest (per sender), and no subscriber ever gets the
  same digest twice.
* **Failures.** 4xx answers, timeouts and dropped connections put the row in
  ``retry`` with a growing delay (the run goes on with the others); 5xx answers
  mark it ``failed`` and count a bounce; after DIGEST_BOUNCE_LIMIT bounces in a
  row the subscription is suspended. When the server cannot be reached at all the
  run stops and releases what it claimed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet, Subquery
from django.utils import timezone

from dailypapers.core import claims
from dailypapers.digests import compose, schedule
from dailypapers.digests.mail import Failure, Mailer, MailerUnavailable, classify
from dailypapers.digests.models import DigestSend, SendStatus, Subscription

log = logging.getLogger(__name__)

CLAIM_BATCH = 100
SENT_FLUSH = 50
PLAN_CHUNK = 1000
RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 4 * 3600


def active() -> QuerySet[Subscription]:
    return Subscription.objects.active()


def retry_delay(attempts: int) -> dt.timedelta:
    """1, 4, 16, 64 minutes, then 4 hours: growing, so a struggling server gets air."""
    seconds = RETRY_BASE_SECONDS * 4 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, RETRY_MAX_SECONDS))


@dataclass
class Report:
    """What one run did; ``summary()`` is the line the worker and the command print."""

    planned: int = 0
    sent: int = 0
    skipped: int = 0
    retry: int = 0
    failed: int = 0
    suspended: int = 0
    expired: int = 0
    released: int = 0
    unknown: int = 0
    stopped: str = ""
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [
            f"{self.sent} sent",
            f"{self.skipped} skipped (nothing new)",
            f"{self.retry} to retry",
            f"{self.failed} failed",
        ]
        for label, value in (
            ("planned", self.planned),
            ("suspended", self.suspended),
            ("expired", self.expired),
            ("recovered from stopped senders", self.released),
            ("interrupted during hand-off, not resent", self.unknown),
        ):
            if value:
                parts.append(f"{value} {label}")
        text = ", ".join(parts)
        return f"{text}; stopped: {self.stopped}" if self.stopped else text


def plan(at: dt.datetime) -> int:
    """Record a pending digest for every active subscription due at ``at``.

    Subscribers sharing frequency, hour and zone share a slot, so they are planned
    together: one bulk insert and one update of ``next_digest_at`` per thousand.
    """
    due = active().filter(next_digest_at__lte=at)
    planned = 0
    groups = list(due.values_list("frequency", "hour", "time_zone").distinct())
    for frequency, hour, tz_name in groups:
        try:
            slot = schedule.slot_at(frequency, hour, tz_name, at)
            following = schedule.next_slot(frequency, hour, tz_name, at)
        except ValueError:
            log.error("digest: subscriptions with unknown time zone %r are skipped", tz_name)
            continue
        members = due.filter(frequency=frequency, hour=hour, time_zone=tz_name)
        ids = list(members.values_list("pk", flat=True))
        for start in range(0, len(ids), PLAN_CHUNK):
            chunk = ids[start : start + PLAN_CHUNK]
            with transaction.atomic():
                DigestSend.objects.bulk_create(
                    [
                        DigestSend(
                            subscription_id=pk,
                            period_key=slot.period_key,
                            due_at=slot.due_at,
                            window_start=slot.window_start,
                            next_attempt_at=slot.due_at,
                        )
                        for pk in chunk
                    ],
                    ignore_conflicts=True,
                )
                # Conditional on the schedule still being the one planned for, so a
                # preferences change made meanwhile keeps its own next_digest_at.
                members.filter(pk__in=chunk).update(next_digest_at=following)
            planned += len(chunk)
    return planned


def expire(at: dt.datetime) -> int:
    """Digests still unsent long after their slot are dropped, not sent late."""
    limit = at - dt.timedelta(hours=settings.DIGEST_MAX_DELAY_HOURS)
    return DigestSend.objects.filter(
        status__in=[SendStatus.PENDING, SendStatus.RETRY], due_at__lt=limit
    ).update(status=SendStatus.EXPIRED, error="not sent within DIGEST_MAX_DELAY_HOURS")


def recover() -> tuple[int, int]:
    """Free the rows of senders that are gone; see the module docstring for the rule."""
    held = [SendStatus.CLAIMED, SendStatus.SENDING]
    owners = set(
        DigestSend.objects.filter(status__in=held).values_list("claimed_by", flat=True).distinct()
    )
    stale = timezone.now() - dt.timedelta(seconds=settings.DIGEST_CLAIM_TIMEOUT)
    abandoned = claims.held_by_gone(owners) | Q(claimed_at__lt=stale)
    released = DigestSend.objects.filter(abandoned, status=SendStatus.CLAIMED).update(
        status=SendStatus.PENDING, claimed_by="", claimed_at=None
    )
    unknown = DigestSend.objects.filter(abandoned, status=SendStatus.SENDING).update(
        status=SendStatus.UNKNOWN,
        error="sender stopped while handing the message to SMTP; not resent (at most once)",
    )
    return released, unknown


def claim(at: dt.datetime, owner: str, batch: int = CLAIM_BATCH) -> list[DigestSend]:
    """Take up to ``batch`` due rows for ``owner``; rows others hold are left alone."""
    claimable = Q(
        status__in=[SendStatus.PENDING, SendStatus.RETRY],
        next_attempt_at__lte=at,
        due_at__gte=at - dt.timedelta(hours=settings.DIGEST_MAX_DELAY_HOURS),
    )
    with transaction.atomic():
        # In the order of the (status, next_attempt_at) index, so a batch is read off
        # the index instead of sorting every due row again for each batch: first
        # digests not tried yet ("pending" sorts before "retry"), oldest first.
        candidates = DigestSend.objects.filter(claimable).order_by(
            "status", "next_attempt_at", "pk"
        )
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        DigestSend.objects.filter(
            claimable, pk__in=Subquery(candidates.values("pk")[:batch])
        ).update(status=SendStatus.CLAIMED, claimed_by=owner, claimed_at=timezone.now())
    return list(
        DigestSend.objects.filter(claimed_by=owner, status=SendStatus.CLAIMED)
        .select_related("subscription")
        .order_by("pk")
    )


def _move(send: DigestSend, owner: str, from_: list[str], **changes: object) -> bool:
    return bool(
        DigestSend.objects.filter(pk=send.pk, claimed_by=owner, status__in=from_).update(**changes)
    )


def _record_failure(
    send: DigestSend, owner: str, failure: Failure, at: dt.datetime, report: Report
) -> None:
    now = timezone.now()
    attempts = send.attempts + 1
    sub_changes: dict[str, object] = {"last_error": failure.reason[:1000], "last_error_at": now}
    give_up = failure.kind == "permanent" or attempts >= settings.DIGEST_MAX_ATTEMPTS
    if give_up:
        status = SendStatus.FAILED
        error = (
            failure.reason
            if failure.kind == "permanent"
            else (f"gave up after {attempts} attempts: {failure.reason}")
        )
        changes: dict[str, object] = {"status": status, "error": error[:1000]}
    else:
        changes = {
            "status": SendStatus.RETRY,
            "error": failure.reason[:1000],
            "next_attempt_at": at + retry_delay(attempts),
            "claimed_by": "",
            "claimed_at": None,
        }
    if failure.kind == "permanent":
        sub_changes["bounces"] = F("bounces") + 1
    elif failure.kind == "temporary":
        sub_changes["temporary_failures"] = F("temporary_failures") + 1
    with transaction.atomic():
        if not _move(send, owner, [SendStatus.SENDING], **changes):
            return
        Subscription.objects.filter(pk=send.subscription_id).update(**sub_changes)
        if failure.kind == "permanent":
            report.suspended += Subscription.objects.filter(
                pk=send.subscription_id,
                bounces__gte=settings.DIGEST_BOUNCE_LIMIT,
                suspended_at__isnull=True,
            ).update(suspended_at=now, next_digest_at=None)
    if give_up:
        report.failed += 1
    else:
        report.retry += 1
    report.errors.append(f"{send.subscription.email}: {failure.reason}")


def _deliver(
    send: DigestSend,
    owner: str,
    at: dt.datetime,
    composer: compose.Composer,
    mailer: Mailer,
    report: Report,
    accepted: list[int],
) -> None:
    sub = send.subscription
    if not sub.is_active:
        if _move(send, owner, [SendStatus.CLAIMED], status=SendStatus.SKIPPED, error=sub.state):
            report.skipped += 1
        return
    local_date = send.due_at.astimezone(schedule.zone(sub.time_zone)).date()
    composed = composer.compose(
        sub,
        window_start=send.window_start,
        window_end=send.due_at,
        local_date=local_date,
        send_id=send.pk,
    )
    if composed is None:
        if _move(send, owner, [SendStatus.CLAIMED], status=SendStatus.SKIPPED, papers=0):
            report.skipped += 1
        return
    message = compose.email_message(composed, sub.email)
    mailer.ensure_open()  # raises MailerUnavailable before the row is marked
    if not _mark_sending(send.pk, owner, composed.papers):
        return  # recovered by another sender after a long pause: theirs now
    try:
        mailer.send(message)
    except Exception as exc:
        failure = classify(exc)
        if failure is None:
            raise
        _record_failure(send, owner, failure, at, report)
        if failure.kind == "system":
            raise MailerUnavailable(failure) from exc
        return
    _mark_sent(send.pk, owner)
    accepted.append(send.subscription_id)
    report.sent += 1
    if len(accepted) >= SENT_FLUSH:
        _record_sent(accepted)


# The two writes every digest makes, as plain SQL: through the ORM they cost more CPU
# than composing the message. Both stay conditional on the sender holding the row.
def _mark_sending(pk: int, owner: str, papers: int) -> bool:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {DigestSend._meta.db_table} SET status = %s, claimed_at = %s,"  # noqa: S608
            " attempts = attempts + 1, papers = %s"
            " WHERE id = %s AND claimed_by = %s AND status = %s",
            [SendStatus.SENDING, now, papers, pk, owner, SendStatus.CLAIMED],
        )
        return bool(cursor.rowcount == 1)


def _mark_sent(pk: int, owner: str) -> None:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        # ``unknown`` too: a sender paused past the claim timeout that still got its
        # message accepted records the truth.
        cursor.execute(
            f"UPDATE {DigestSend._meta.db_table} SET status = %s, sent_at = %s,"  # noqa: S608
            " error = '' WHERE id = %s AND claimed_by = %s AND status IN (%s, %s)",
            [SendStatus.SENT, now, pk, owner, SendStatus.SENDING, SendStatus.UNKNOWN],
        )


def _record_sent(subscription_ids: list[int]) -> None:
    """Note the delivery on the subscriptions, a few dozen per write (informational)."""
    if subscription_ids:
        Subscription.objects.filter(pk__in=subscription_ids).update(
            last_sent_at=timezone.now(), bounces=0
        )
        subscription_ids.clear()


def _release(owner: str) -> int:
    return DigestSend.objects.filter(claimed_by=owner, status=SendStatus.CLAIMED).update(
        status=SendStatus.PENDING, claimed_by="", claimed_at=None
    )


def run(
    at: dt.datetime | None = None,
    *,
    should_stop: Callable[[], bool] = lambda: False,
    mailer: Mailer | None = None,
) -> Report:
    """Send every digest due at ``at`` (default: now). Safe to run in several processes."""
    at = at or timezone.now()
    report = Report()
    report.released, report.unknown = recover()
    # Plan before expiring, so a slot planned already too late is dropped by every
    # sender alike instead of sent by one and expired by another.
    report.planned = plan(at)
    report.expired = expire(at)
    owner = claims.new_holder()
    composer = compose.Composer()
    mailer = mailer or Mailer()
    accepted: list[int] = []
    try:
        while not should_stop():
            batch = claim(at, owner)
            if not batch:
                break
            for send in batch:
                if should_stop():
                    report.stopped = "asked to stop"
                    break
                _deliver(send, owner, at, composer, mailer, report, accepted)
            _record_sent(accepted)
    except MailerUnavailable as exc:
        report.stopped = f"mail server unavailable: {exc.failure.reason}"
        log.warning("digest run stopped: %s", exc.failure.reason)
    finally:
        _record_sent(accepted)
        _release(owner)
        mailer.close()
    if report.stopped == "" and should_stop():
        report.stopped = "asked to stop"
    return report


@dataclass(frozen=True)
class Planned:
    """One digest a dry run would send."""

    email: str
    period_key: str
    subject: str | None  # None: nothing new, nothing would be sent


def dry_run(at: dt.datetime | None = None) -> Iterator[Planned]:
    """What ``run(at)`` would send, without writing anything."""
    at = at or timezone.now()
    composer = compose.Composer()
    seen: set[int] = set()
    waiting = DigestSend.objects.filter(
        status__in=[SendStatus.PENDING, SendStatus.RETRY],
        next_attempt_at__lte=at,
        due_at__gte=at - dt.timedelta(hours=settings.DIGEST_MAX_DELAY_HOURS),
    ).select_related("subscription")
    for send in waiting.iterator(chunk_size=1000):
        seen.add(send.subscription_id)
        yield _planned(composer, send.subscription, send.period_key, send.window_start, send.due_at)
    for sub in active().filter(next_digest_at__lte=at).iterator(chunk_size=1000):
        if sub.pk in seen:
            continue
        try:
            slot = schedule.slot_at(sub.frequency, sub.hour, sub.time_zone, at)
        except ValueError:
            continue
        if DigestSend.objects.filter(subscription=sub, period_key=slot.period_key).exists():
            continue
        yield _planned(composer, sub, slot.period_key, slot.window_start, slot.due_at)


def _planned(
    composer: compose.Composer,
    sub: Subscription,
    key: str,
    start: dt.datetime,
    end: dt.datetime,
) -> Planned:
    local_date = end.astimezone(schedule.zone(sub.time_zone)).date()
    composed = composer.compose(sub, window_start=start, window_end=end, local_date=local_date)
    return Planned(sub.email, key, composed.subject if composed else None)
