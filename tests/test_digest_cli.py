"""`dailypapers digest ...` for admins: subscribe, unsubscribe, status, preview, send."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dailypapers.digests.models import DigestSend, Subscription
from tests.support.factories import paper, utc
from tests.support.mail import Sink, running_sink, use_sink

pytestmark = pytest.mark.django_db


@pytest.fixture
def sink(settings: Any) -> Iterator[Sink]:
    with running_sink() as running:
        use_sink(settings, running)
        yield running


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    call_command("digest", *args)
    return capsys.readouterr().out


def test_subscribe_confirmed_unsubscribe(sink: Sink, capsys: pytest.CaptureFixture[str]) -> None:
    out = run(
        capsys,
        "subscribe",
        "A@Example.org",
        "b@example.org",
        "--confirmed",
        "--frequency",
        "weekly",
        "--hour",
        "7",
        "--time-zone",
        "Europe/Paris",
        "--category",
        "cs.CV",
    )
    assert out.splitlines() == ["a@example.org: subscribed", "b@example.org: subscribed"]
    a = Subscription.objects.get(email="a@example.org")
    assert (a.state, a.frequency, a.hour, a.time_zone, a.categories) == (
        "active",
        "weekly",
        7,
        "Europe/Paris",
        ["cs.CV"],
    )
    assert sink.messages == []  # --confirmed: no confirmation mail
    out = run(capsys, "unsubscribe", "a@example.org", "nobody@example.org")
    assert out.splitlines() == ["a@example.org: unsubscribed", "nobody@example.org: not subscribed"]
    assert Subscription.objects.get(email="a@example.org").state == "unsubscribed"


def test_subscribe_without_confirmed_mails_the_link(
    sink: Sink, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "subscribe", "c@example.org") == "c@example.org: confirmation sent\n"
    assert "/digest/confirm/" in sink.to("c@example.org")[0].get_content()
    assert Subscription.objects.get().state == "unconfirmed"


def test_bad_input_is_refused(sink: Sink) -> None:
    with pytest.raises(CommandError, match="Hour must be between 0 and 23"):
        call_command("digest", "subscribe", "a@example.org", "--hour", "24")
    with pytest.raises(SystemExit):
        call_command("digest", "subscribe", "not-an-address", "--confirmed")
    with pytest.raises(CommandError, match="not an ISO date-time"):
        call_command("digest", "send", "--at", "tomorrow")


def test_dry_run_lists_and_changes_nothing(sink: Sink, capsys: pytest.CaptureFixture[str]) -> None:
    paper("2604.00001", title="Listed", submitted_at=utc(2026, 4, 7, 1), upvotes=3)
    run(capsys, "subscribe", "a@example.org", "--confirmed")
    Subscription.objects.update(next_digest_at=utc(2026, 4, 7, 8))
    out = run(capsys, "send", "--dry-run", "--at", "2026-04-07T08:05Z")
    assert "a@example.org  [daily:2026-04-07]  Trending papers, Tue Apr 7: Listed" in out
    assert "1 would be sent" in out
    assert not DigestSend.objects.exists() and sink.messages == []
    out = run(capsys, "send", "--at", "2026-04-07T08:05Z")
    assert out.startswith("1 sent") and len(sink.messages) == 1


def test_status_shows_counts_and_last_errors(
    sink: Sink, capsys: pytest.CaptureFixture[str]
) -> None:
    paper("2604.00001", submitted_at=utc(2026, 4, 7, 1))
    run(capsys, "subscribe", "ok@example.org", "bad@example.org", "--confirmed")
    Subscription.objects.update(next_digest_at=utc(2026, 4, 7, 8))
    sink.refuse("bad@example.org", "550 5.1.1 no such user")
    run(capsys, "send", "--at", "2026-04-07T08:00Z")
    out = run(capsys, "status")
    assert "active        2" in out
    assert "bad@example.org (active, 1 bounces)" in out and "550 5.1.1 no such user" in out
    assert "Mail server:     smtp://127.0.0.1:" in out


def test_preview_prints_the_digest(sink: Sink, capsys: pytest.CaptureFixture[str]) -> None:
    paper("2604.00001", title="Previewed", submitted_at=utc(2026, 4, 7, 1))
    run(capsys, "subscribe", "a@example.org", "--confirmed")
    out = run(capsys, "preview", "--email", "A@example.org", "--at", "2026-04-07T08:00Z")
    assert "Subject: Trending papers, Tue Apr 7: Previewed" in out
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in out
    assert "1. Previewed" in out
    html = run(capsys, "preview", "--email", "a@example.org", "--at", "2026-04-07T08:00Z", "--html")
    assert "<!doctype html>" in html
    with pytest.raises(CommandError, match="not subscribed"):
        call_command("digest", "preview", "--email", "z@example.org")
    assert sink.messages == []
