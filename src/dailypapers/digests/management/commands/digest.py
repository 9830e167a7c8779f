from __future__ import annotations

import datetime as dt
import signal
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dailypapers.core import email_url
from dailypapers.core.bootstrap import ensure_database
from dailypapers.core.timefmt import parse_iso
from dailypapers.digests import compose, queries, schedule, sending, services
from dailypapers.digests.models import Frequency

DRY_RUN_SHOWN = 50


def _moment(text: str | None) -> dt.datetime:
    if not text:
        return timezone.now()
    moment = parse_iso(text)
    if moment is None:
        raise CommandError(f"--at {text!r} is not an ISO date-time like 2026-04-07T08:00Z", 2)
    return moment


class Command(BaseCommand):
    help = "Email digests: send, subscribe, unsubscribe, status, preview."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        send = sub.add_parser("send", help="send every digest due at a moment (default: now)")
        send.add_argument("--at", help="ISO date-time, e.g. 2026-04-07T08:00Z")
        send.add_argument(
            "--dry-run", action="store_true", help="list, send nothing, change nothing"
        )

        add = sub.add_parser("subscribe", help="subscribe addresses")
        add.add_argument("emails", nargs="+", metavar="EMAIL")
        add.add_argument("--frequency", choices=Frequency.values, default=Frequency.DAILY)
        add.add_argument("--hour", type=int, default=8, help="local hour, 0-23 (default 8)")
        add.add_argument("--time-zone", default=None, help="IANA zone (default: the site's)")
        add.add_argument("--category", action="append", default=[], help="e.g. cs.CV (repeatable)")
        add.add_argument("--organization", action="append", default=[], help="slug (repeatable)")
        add.add_argument(
            "--author", action="append", default=[], help="followed author name (repeatable)"
        )
        add.add_argument(
            "--search", action="append", default=[], help="saved search query (repeatable)"
        )
        add.add_argument(
            "--confirmed",
            action="store_true",
            help="already confirmed elsewhere: start sending without a confirmation mail",
        )

        remove = sub.add_parser("unsubscribe", help="unsubscribe addresses")
        remove.add_argument("emails", nargs="+", metavar="EMAIL")

        sub.add_parser("status", help="subscribers, recent sends, retries and errors")

        preview = sub.add_parser("preview", help="print the digest one address would get")
        preview.add_argument("--email", required=True)
        preview.add_argument("--at", help="the digest a send at this moment would make")
        preview.add_argument("--html", action="store_true", help="print the HTML part")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_database()
        action = options["action"]
        if action == "send":
            self._send(_moment(options["at"]), options["dry_run"])
        elif action == "subscribe":
            self._subscribe(options)
        elif action == "unsubscribe":
            for email, result in services.admin_unsubscribe(options["emails"]):
                self.stdout.write(f"{email}: {result}")
        elif action == "status":
            self._status()
        else:
            self._preview(options["email"], _moment(options["at"]), options["html"])

    def _send(self, at: dt.datetime, dry_run: bool) -> None:
        if dry_run:
            would = skipped = 0
            for planned in sending.dry_run(at):
                if planned.subject is None:
                    skipped += 1
                    continue
                would += 1
                if would <= DRY_RUN_SHOWN:
                    self.stdout.write(f"{planned.email}  [{planned.period_key}]  {planned.subject}")
            if would > DRY_RUN_SHOWN:
                self.stdout.write(f"… and {would - DRY_RUN_SHOWN} more")
            self.stdout.write(
                f"Dry run at {at.isoformat()}: {would} would be sent, {skipped} have nothing new."
            )
            return
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        report = sending.run(at, should_stop=lambda: stopping)
        self.stdout.write(report.summary())
        for line in report.errors[:20]:
            self.stderr.write(f"  {line}")
        if report.stopped and not stopping:
            raise SystemExit(1)

    def _subscribe(self, options: dict[str, Any]) -> None:
        try:
            choices = services.Choices(
                frequency=options["frequency"],
                hour=options["hour"],
                time_zone=options["time_zone"] or settings.TIME_ZONE,
                categories=tuple(options["category"]),
                organizations=tuple(options["organization"]),
                authors=tuple(options["author"]),
                searches=tuple(options["search"]),
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages), returncode=2) from None
        results = services.admin_subscribe(
            options["emails"], choices, confirmed=options["confirmed"]
        )
        for email, result in results:
            self.stdout.write(f"{email}: {result}")
        if any("invalid" in result for _, result in results):
            raise SystemExit(1)

    def _status(self) -> None:
        now = timezone.now()
        report = queries.status(now)
        subs = report.subscriptions
        self.stdout.write(self.style.MIGRATE_HEADING("Subscriptions"))
        for name in ("active", "unconfirmed", "suspended", "unsubscribed", "total"):
            self.stdout.write(f"  {name:<13} {subs.get(name, 0)}")
        self.stdout.write(self.style.MIGRATE_HEADING("Digests of the last 7 days"))
        if not report.sends:
            self.stdout.write("  none")
        for name, count in sorted(report.sends.items()):
            self.stdout.write(f"  {name:<13} {count}")
        self.stdout.write(
            f"Next digest due: {report.next_due.isoformat() if report.next_due else '-'}"
        )
        self.stdout.write(
            f"Last sent:       {report.last_sent.isoformat() if report.last_sent else '-'}"
        )
        self.stdout.write(f"Mail server:     {email_url.in_use(settings).safe_url()}")
        if report.retrying:
            self.stdout.write(self.style.MIGRATE_HEADING("Waiting to retry"))
            for send in report.retrying:
                self.stdout.write(
                    f"  {send.subscription.email} [{send.period_key}] attempt {send.attempts}, "
                    f"next {send.next_attempt_at.isoformat()}: {send.error}"
                )
        if report.problems:
            self.stdout.write(self.style.MIGRATE_HEADING("Last error per address"))
            for sub in report.problems:
                when = sub.last_error_at.isoformat() if sub.last_error_at else "?"
                self.stdout.write(
                    f"  {sub.email} ({sub.state}, {sub.bounces} bounces) {when}: {sub.last_error}"
                )

    def _preview(self, email: str, at: dt.datetime, html: bool) -> None:
        try:
            normalized = services.normalize_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not a valid address", returncode=2) from None
        sub = queries.by_email([normalized]).get(normalized)
        if sub is None:
            raise CommandError(f"{normalized} is not subscribed", returncode=3)
        slot = schedule.slot_at(sub.frequency, sub.hour, sub.time_zone, at)
        composed = compose.Composer().compose(
            sub,
            window_start=slot.window_start,
            window_end=slot.due_at,
            local_date=slot.local_date,
            quiet_note=True,
        )
        assert composed is not None
        self.stdout.write(f"To: {sub.email} ({sub.state})")
        self.stdout.write(f"Slot: {slot.period_key}, due {slot.due_at.isoformat()}")
        self.stdout.write(f"Subject: {composed.subject}")
        for name, value in composed.headers.items():
            self.stdout.write(f"{name}: {value}")
        self.stdout.write("")
        self.stdout.write(composed.html if html else composed.text)
