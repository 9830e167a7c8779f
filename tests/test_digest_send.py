"""Sending digests through a real SMTP server: timing, content, failures, recovery."""

from __future__ import annotations

import datetime as dt
import smtplib
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest

from dailypapers.digests import sending
from dailypapers.digests.mail import Mailer
from dailypapers.digests.models import DigestSend, SendStatus, Subscription
from tests.support.claims import holder_for
from tests.support.digests import DUE, SIGNED_UP, subscriber
from tests.support.factories import paper, utc
from tests.support.mail import Sink, free_port, html_part, running_sink, text_part, use_sink

pytestmark = pytest.mark.django_db


@pytest.fixture
def sink(settings: Any) -> Iterator[Sink]:
    with running_sink() as running:
        use_sink(settings, running)
        settings.BASE_URL = "https://papers.example.org"
        settings.DEFAULT_FROM_EMAIL = "Daily Papers <digest@papers.example.org>"
        yield running


@pytest.fixture
def papers() -> None:
    paper(
        "2604.00001",
        title="Top paper",
        submitted_at=utc(2026, 4, 7, 2),
        upvotes=90,
        authors=("A One", "B Two", "C Three", "D Four"),
        categories="cs.CV",
        github_repo="https://github.com/o/top",
        abstract="World models " * 60,
    )
    paper(
        "2604.00002",
        title="Second",
        submitted_at=utc(2026, 4, 6, 20),
        upvotes=20,
        categories="cs.CL",
        organization="KlingTeam",
    )
    paper("2604.00003", title="Before the window", submitted_at=utc(2026, 4, 6, 7), upvotes=500)
    paper("2604.00004", title="After the slot", submitted_at=utc(2026, 4, 7, 9), upvotes=500)


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[tuple[str, str]] = []
        self.tags: Counter[str] = Counter()
        self._href: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        if tag == "a":
            self._href, self._text = dict(attrs).get("href") or "", ""

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.hrefs.append((self._href, self._text.strip()))
            self._href = None


class TestWhenAndWhat:
    def test_nothing_before_the_hour_then_one_digest_with_the_windows_papers(
        self, sink: Sink, papers: None
    ) -> None:
        subscriber("ada@example.org", now=SIGNED_UP)
        assert sending.run(DUE - dt.timedelta(minutes=1)).sent == 0
        assert sink.messages == []
        report = sending.run(DUE + dt.timedelta(seconds=30))
        assert report.sent == 1
        [message] = sink.to("ada@example.org")
        assert message["Subject"] == "Trending papers, Tue Apr 7: Top paper and 1 more"
        text = text_part(message)
        assert "Top paper" in text and "Second" in text
        assert "Before the window" not in text and "After the slot" not in text
        assert text.index("Top paper") < text.index("Second")
        assert "A One, B Two, C Three and 1 more" in text
        assert "https://papers.example.org/papers/2604.00001" in text
        assert "Code: https://github.com/o/top" in text

    def test_running_again_sends_nothing_more(self, sink: Sink, papers: None) -> None:
        subscriber("ada@example.org", now=SIGNED_UP)
        sending.run(DUE)
        for minutes in (0, 1, 45, 600):
            assert sending.run(DUE + dt.timedelta(minutes=minutes)).sent == 0
        assert sink.per_recipient() == Counter({"ada@example.org": 1})
        assert DigestSend.objects.get().status == SendStatus.SENT

    def test_each_subscriber_gets_their_own_hour_and_zone(self, sink: Sink, papers: None) -> None:
        subscriber("utc@example.org", now=SIGNED_UP, hour=8)
        subscriber("tokyo@example.org", now=SIGNED_UP, hour=17, time_zone="Asia/Tokyo")  # 08 UTC
        subscriber("late@example.org", now=SIGNED_UP, hour=9)
        sending.run(DUE)
        assert sink.per_recipient() == Counter({"utc@example.org": 1, "tokyo@example.org": 1})

    def test_headers_parts_and_html(self, sink: Sink, papers: None) -> None:
        subscriber("ada@example.org", now=SIGNED_UP)
        sending.run(DUE)
        [message] = sink.messages
        assert message.get_content_type() == "multipart/alternative"
        assert message["From"] == "Daily Papers <digest@papers.example.org>"
        unsubscribe = message["List-Unsubscribe"]
        assert unsubscribe.startswith("<mailto:digest@papers.example.org?subject=unsubscribe>, ")
        https_link = unsubscribe.split(", ")[1].strip("<>")
        assert https_link.startswith("https://papers.example.org/digest/unsubscribe/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["Message-ID"].endswith("@papers.example.org>")
        parser = Links()
        parser.feed(html_part(message))
        assert parser.tags["script"] == 0 and parser.tags["img"] == 0
        assert parser.hrefs and all(h.startswith("https://") for h, _ in parser.hrefs)
        assert (https_link, "Unsubscribe") in parser.hrefs
        assert ("https://papers.example.org/papers/2604.00001", "Top paper") in parser.hrefs
        assert any(text == "View in browser" for _, text in parser.hrefs)
        assert any(text == "Code" for _, text in parser.hrefs)

    def test_interests_section_follows_categories_and_organizations(
        self, sink: Sink, settings: Any, papers: None
    ) -> None:
        settings.DIGEST_TOP_PAPERS = 1
        paper(
            "2604.00005",
            title="Vision extra",
            submitted_at=utc(2026, 4, 7, 1),
            upvotes=1,
            categories="cs.CV",
        )
        paper(
            "2604.00006",
            title="Unrelated",
            submitted_at=utc(2026, 4, 7, 1),
            upvotes=2,
            categories="math.AG",
        )
        subscriber("cv@example.org", now=SIGNED_UP, categories=("cs.CV",))
        subscriber("org@example.org", now=SIGNED_UP, organizations=("klingteam",))
        subscriber("none@example.org", now=SIGNED_UP)
        sending.run(DUE)
        cv = text_part(sink.to("cv@example.org")[0])
        org = text_part(sink.to("org@example.org")[0])
        none = text_part(sink.to("none@example.org")[0])
        assert "FOR YOUR INTERESTS (cs.CV)" in cv and "Vision extra" in cv
        assert "Second" not in cv and "Unrelated" not in cv
        assert "FOR YOUR INTERESTS (klingteam)" in org and "Second" in org
        assert "FOR YOUR INTERESTS" not in none and "Top paper" in none

    def test_an_empty_window_sends_nothing_unless_a_quiet_note_is_wanted(
        self, sink: Sink, settings: Any
    ) -> None:
        subscriber("ada@example.org", now=SIGNED_UP)
        report = sending.run(DUE)
        assert (report.sent, report.skipped, sink.messages) == (0, 1, [])
        settings.DIGEST_QUIET_NOTE = True
        sending.run(DUE + dt.timedelta(days=1))
        [note] = sink.messages
        assert "a quiet day" in note["Subject"]
        assert "no new papers" in text_part(note)

    def test_weekly_digest_covers_the_week(self, sink: Sink) -> None:
        paper("2604.00001", title="Early in week", submitted_at=utc(2026, 4, 7, 10), upvotes=3)
        paper("2604.00002", title="Sunday", submitted_at=utc(2026, 4, 12, 10), upvotes=3)
        subscriber("w@example.org", now=SIGNED_UP, frequency="weekly", hour=6)
        sending.run(utc(2026, 4, 10, 6))  # a Friday: nothing for weekly subscribers
        assert sink.messages == []
        sending.run(utc(2026, 4, 13, 6, 1))
        [message] = sink.messages
        assert message["Subject"].startswith("Trending papers, week of Apr 13: ")
        assert "Early in week" in text_part(message) and "Sunday" in text_part(message)

    def test_unsubscribed_or_unconfirmed_addresses_get_nothing(
        self, sink: Sink, papers: None
    ) -> None:
        gone = subscriber("gone@example.org", now=SIGNED_UP)
        subscriber("stays@example.org", now=SIGNED_UP)
        sending.plan(DUE)
        Subscription.objects.filter(pk=gone.pk).update(unsubscribed_at=SIGNED_UP)
        Subscription.objects.create(email="never@example.org", next_digest_at=SIGNED_UP)
        sending.run(DUE)
        assert sink.per_recipient() == Counter({"stays@example.org": 1})


class TestFailures:
    def test_temporary_failures_retry_with_backoff_and_do_not_block_others(
        self, sink: Sink, papers: None
    ) -> None:
        for name in ("a", "b", "c"):
            subscriber(f"{name}@example.org", now=SIGNED_UP)
        sink.refuse("a@example.org", "451 4.3.0 try again later")
        sink.refuse("b@example.org", "421 4.7.0 too busy, closing", at="data")
        report = sending.run(DUE)
        assert (report.sent, report.retry) == (1, 2)
        assert sink.per_recipient() == Counter({"c@example.org": 1})
        waiting = DigestSend.objects.filter(status=SendStatus.RETRY)
        assert {s.next_attempt_at for s in waiting} == {DUE + dt.timedelta(minutes=1)}
        assert "451" in waiting.get(subscription__email="a@example.org").error
        assert sending.run(DUE + dt.timedelta(seconds=59)).sent == 0
        assert sending.run(DUE + dt.timedelta(seconds=60)).sent == 2
        assert sink.per_recipient() == Counter(
            {"a@example.org": 1, "b@example.org": 1, "c@example.org": 1}
        )
        a = Subscription.objects.get(email="a@example.org")
        assert a.temporary_failures == 1 and a.bounces == 0 and "451" in a.last_error

    def test_a_dropped_connection_is_retried_and_later_mail_still_goes(
        self, sink: Sink, papers: None
    ) -> None:
        subscriber("a@example.org", now=SIGNED_UP)
        subscriber("b@example.org", now=SIGNED_UP)
        sink.drop("a@example.org")
        report = sending.run(DUE)
        assert (report.sent, report.retry) == (1, 1)
        assert "connection dropped" in DigestSend.objects.get(status=SendStatus.RETRY).error
        sending.run(DUE + dt.timedelta(minutes=1))
        assert sink.per_recipient() == Counter({"a@example.org": 1, "b@example.org": 1})

    def test_backoff_grows_and_gives_up_after_max_attempts(
        self, sink: Sink, settings: Any, papers: None
    ) -> None:
        settings.DIGEST_MAX_ATTEMPTS = 3
        subscriber("a@example.org", now=SIGNED_UP)
        sink.refuse("a@example.org", "450 4.2.1 mailbox busy", times=10)
        at = DUE
        seen = []
        for _ in range(3):
            sending.run(at)
            send = DigestSend.objects.get()
            seen.append(send.status)
            at = send.next_attempt_at
        assert seen == [SendStatus.RETRY, SendStatus.RETRY, SendStatus.FAILED]
        send = DigestSend.objects.get()
        assert send.attempts == 3 and send.error.startswith("gave up after 3 attempts")
        assert sending.retry_delay(2) == dt.timedelta(minutes=4)
        assert sink.messages == []

    def test_permanent_failures_mark_the_address_and_stop_after_the_limit(
        self, sink: Sink, settings: Any
    ) -> None:
        settings.DIGEST_BOUNCE_LIMIT = 2
        settings.DIGEST_QUIET_NOTE = True  # a message every weekday
        subscriber("bad@example.org", now=SIGNED_UP)
        subscriber("good@example.org", now=SIGNED_UP)
        sink.refuse("bad@example.org", "550 5.1.1 no such user", times=10)
        sending.run(DUE)
        bad = Subscription.objects.get(email="bad@example.org")
        assert (bad.bounces, bad.suspended_at, bad.last_error) == (
            1,
            None,
            "550 5.1.1 no such user",
        )
        assert DigestSend.objects.get(subscription=bad).status == SendStatus.FAILED
        report = sending.run(DUE + dt.timedelta(days=1))
        assert report.suspended == 1
        bad.refresh_from_db()
        assert bad.suspended_at is not None and bad.next_digest_at is None
        sending.run(DUE + dt.timedelta(days=2))
        assert DigestSend.objects.filter(subscription=bad).count() == 2
        assert sink.per_recipient() == Counter({"good@example.org": 3})

    def test_an_unreachable_server_stops_the_run_and_blames_nobody(
        self, sink: Sink, settings: Any, papers: None
    ) -> None:
        subscriber("a@example.org", now=SIGNED_UP)
        subscriber("b@example.org", now=SIGNED_UP)
        settings.EMAIL_PORT = free_port()  # nothing listens there
        report = sending.run(DUE)
        assert report.sent == 0 and report.stopped.startswith("mail server unavailable")
        assert set(DigestSend.objects.values_list("status", "attempts")) == {("pending", 0)}
        assert not Subscription.objects.exclude(last_error="").exists()
        settings.EMAIL_PORT = sink.port
        assert sending.run(DUE + dt.timedelta(minutes=1)).sent == 2

    def test_a_refused_sender_address_stops_the_run(
        self, sink: Sink, settings: Any, papers: None
    ) -> None:
        subscriber("a@example.org", now=SIGNED_UP)
        subscriber("b@example.org", now=SIGNED_UP)

        class RefusingMailer(Mailer):
            def send(self, message: Any) -> None:
                raise smtplib.SMTPSenderRefused(553, b"sender not allowed", "x@y")

        report = sending.run(DUE, mailer=RefusingMailer())
        assert report.stopped.startswith("mail server unavailable: sender x@y refused")
        statuses = Counter(DigestSend.objects.values_list("status", flat=True))
        assert statuses == Counter({"retry": 1, "pending": 1})
        assert Subscription.objects.filter(bounces__gt=0).count() == 0


class TestRecovery:
    def _planned(self) -> list[DigestSend]:
        for name in ("a", "b", "c"):
            subscriber(f"{name}@example.org", now=SIGNED_UP)
        sending.plan(DUE)
        return list(DigestSend.objects.order_by("subscription__email"))

    def test_work_of_a_dead_sender_is_finished_and_nothing_is_sent_twice(
        self, sink: Sink, papers: None
    ) -> None:
        a, b, c = self._planned()
        dead = holder_for(999_999_999)  # no such process here
        # a: claimed, never handed over → sent now. b: handed over when the sender
        # died → outcome unknown, not resent. c: already sent → untouched.
        DigestSend.objects.filter(pk=a.pk).update(status="claimed", claimed_by=dead, claimed_at=DUE)
        DigestSend.objects.filter(pk=b.pk).update(
            status="sending", claimed_by=dead, claimed_at=DUE, attempts=1
        )
        DigestSend.objects.filter(pk=c.pk).update(status="sent", claimed_by=dead, sent_at=DUE)
        report = sending.run(DUE + dt.timedelta(minutes=2))
        assert (report.released, report.unknown, report.sent) == (1, 1, 1)
        assert sink.per_recipient() == Counter({"a@example.org": 1})
        b.refresh_from_db()
        assert b.status == SendStatus.UNKNOWN and "not resent" in b.error
        assert sending.run(DUE + dt.timedelta(minutes=5)).sent == 0

    def test_claims_of_a_live_sender_are_respected_until_they_time_out(
        self, sink: Sink, settings: Any, papers: None
    ) -> None:
        a, _, _ = self._planned()
        elsewhere = "other-host:1234:cafe:0001"
        from django.utils import timezone

        DigestSend.objects.filter(pk=a.pk).update(
            status="claimed", claimed_by=elsewhere, claimed_at=timezone.now()
        )
        sending.run(DUE)
        assert "a@example.org" not in sink.per_recipient()
        settings.DIGEST_CLAIM_TIMEOUT = 0
        sending.run(DUE + dt.timedelta(minutes=1))
        assert sink.per_recipient()["a@example.org"] == 1

    def test_digests_too_late_to_matter_expire(self, sink: Sink, papers: None) -> None:
        self._planned()
        report = sending.run(DUE + dt.timedelta(hours=21))
        assert report.expired == 3
        assert set(DigestSend.objects.values_list("status", flat=True)) == {"expired"}
        # The next slot's digest goes out as usual.
        assert sending.run(utc(2026, 4, 8, 8)).sent == 3
