"""Subscribe, confirm, preferences, one-click unsubscribe and previews, over HTTP,
with the confirmation and digest mails going through a real SMTP server."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dailypapers.digests import schedule, sending, tokens
from dailypapers.digests.models import Subscription
from tests.factories import paper, utc
from tests.test_digest_sink import Sink, running_sink, subscriber, use_sink

pytestmark = pytest.mark.django_db


@pytest.fixture
def sink(settings: Any) -> Iterator[Sink]:
    with running_sink() as running:
        use_sink(settings, running)
        settings.BASE_URL = "https://papers.example.org"
        yield running


def body(response: Any) -> str:
    return str(response.content, "utf-8")


def link(message: EmailMessage, kind: str) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    found = re.search(rf"https://papers\.example\.org(/digest/{kind}/\S+)", part.get_content())
    assert found, f"no {kind} link in {part.get_content()!r}"
    return found.group(1)


def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def post_with_csrf(client: Client, page: str, path: str, data: dict[str, str]) -> Any:
    client.get(page)
    token = client.cookies["csrftoken"].value
    return client.post(path, {**data, "csrfmiddlewaretoken": token})


class TestSubscribe:
    def test_list_pages_carry_the_form(self, client: Client) -> None:
        paper("2604.00001", submitted_at=utc(2026, 4, 7))
        for path in (
            "/papers",
            "/papers/date/2026-04-07",
            "/papers/trending",
            "/papers/2604.00001",
        ):
            html = body(client.get(path))
            assert 'action="/digest/subscribe" method="post"' in html, path
            assert "Get trending papers in your email inbox" in html
            assert 'name="csrfmiddlewaretoken"' in html

    def test_subscribing_mails_a_confirmation_and_nothing_else(self, sink: Sink) -> None:
        response = post_with_csrf(
            csrf_client(), "/papers", "/digest/subscribe", {"email": "  Ada@Example.org "}
        )
        assert response.status_code == 200 and "Check your inbox" in body(response)
        sub = Subscription.objects.get()
        assert sub.email == "ada@example.org" and sub.state == "unconfirmed"
        assert sub.next_digest_at is None
        [message] = sink.to("ada@example.org")
        assert "Confirm" in message["Subject"]
        assert link(message, "confirm")

    def test_the_form_needs_its_csrf_token(self, sink: Sink) -> None:
        response = csrf_client().post("/digest/subscribe", {"email": "ada@example.org"})
        assert response.status_code == 403
        assert not Subscription.objects.exists() and sink.messages == []

    def test_the_page_never_tells_whether_an_address_is_subscribed(
        self, client: Client, sink: Sink
    ) -> None:
        subscriber("known@example.org", now=timezone.now())

        def page(address: str) -> str:
            html = body(client.post("/digest/subscribe", {"email": address}))
            html = re.sub(r'value="[^"]+"', "", html)  # CSRF tokens differ per response
            return html.replace(address, "ADDRESS")

        assert page("known@example.org") == page("new@example.org")
        # The owner of the known address is told, through their own inbox.
        [note] = sink.to("known@example.org")
        assert "already subscribed" in note.get_content()
        assert Subscription.objects.get(email="known@example.org").frequency == "daily"

    def test_an_active_subscription_keeps_its_settings(self, client: Client, sink: Sink) -> None:
        subscriber("known@example.org", now=timezone.now(), hour=7)
        client.post("/digest/subscribe", {"email": "known@example.org", "hour": "22"})
        assert Subscription.objects.get().hour == 7

    def test_errors_keep_what_was_typed(self, client: Client, sink: Sink) -> None:
        response = client.post(
            "/digest/subscribe",
            {"email": "not-an-address", "categories": "cs.CV", "time_zone": "Europe/Paris"},
        )
        html = body(response)
        assert response.status_code == 400
        assert 'value="not-an-address"' in html and "Enter a valid email address" in html
        assert 'value="cs.CV"' in html and 'value="Europe/Paris"' in html
        bad_zone = client.post("/digest/subscribe", {"email": "a@b.org", "time_zone": "Mars/X"})
        assert bad_zone.status_code == 400 and "Unknown time zone" in body(bad_zone)
        assert not Subscription.objects.exists() and sink.messages == []

    def test_sign_ups_are_rate_limited_per_ip_and_per_address(
        self, client: Client, sink: Sink, settings: Any
    ) -> None:
        settings.DIGEST_SIGNUPS_PER_IP = 4
        settings.DIGEST_SIGNUPS_PER_ADDRESS = 2
        codes = [
            client.post("/digest/subscribe", {"email": "same@example.org"}).status_code
            for _ in range(3)
        ]
        assert codes == [200, 200, 200]
        assert len(sink.to("same@example.org")) == 2  # the third is silently not sent
        assert client.post("/digest/subscribe", {"email": "x@example.org"}).status_code == 200
        limited = client.post("/digest/subscribe", {"email": "y@example.org"})
        assert limited.status_code == 429
        assert 1 <= int(limited["Retry-After"]) <= 3600
        assert 'value="y@example.org"' in body(limited)
        assert not Subscription.objects.filter(email="y@example.org").exists()
        other_ip = client.post(
            "/digest/subscribe", {"email": "y@example.org"}, REMOTE_ADDR="192.0.2.9"
        )
        assert other_ip.status_code == 200


class TestLinks:
    def _pending(self, client: Client, sink: Sink, **fields: str) -> str:
        client.post("/digest/subscribe", {"email": "ada@example.org", **fields})
        return link(sink.to("ada@example.org")[-1], "confirm")

    def test_confirm_page_asks_first_and_post_confirms(self, client: Client, sink: Sink) -> None:
        path = self._pending(client, sink, hour="6", time_zone="Europe/Paris")
        page = client.get(path)
        assert page.status_code == 200 and "Confirm your subscription" in body(page)
        assert "06:00 (Europe/Paris)" in body(page)
        assert page["X-Robots-Tag"] == "noindex, nofollow"
        assert Subscription.objects.get().confirmed_at is None
        done = client.post(path)
        assert "You are subscribed" in body(done)
        sub = Subscription.objects.get()
        assert sub.state == "active" and sub.hour == 6
        assert sub.next_digest_at and sub.next_digest_at > timezone.now()

    def test_tokens_are_signed_expiring_and_single_purpose(
        self, client: Client, sink: Sink, settings: Any
    ) -> None:
        path = self._pending(client, sink)
        token = path.rsplit("/", 1)[1]
        sub = Subscription.objects.get()
        assert client.post(f"/digest/unsubscribe/{token}").status_code == 400
        assert client.get(f"/digest/preferences/{token}").status_code == 400
        assert client.post(path[:-3] + "xyz").status_code == 400
        other = tokens.make("confirm", sub.pk, "someone-else@example.org")
        assert client.post(f"/digest/confirm/{other}").status_code == 400
        settings.DIGEST_CONFIRM_DAYS = 0
        assert client.post(path).status_code == 400
        assert Subscription.objects.get().confirmed_at is None

    def test_one_click_unsubscribe(self, sink: Sink) -> None:
        sub = subscriber("ada@example.org", now=timezone.now())
        path = f"/digest/unsubscribe/{tokens.make('unsubscribe', sub.pk, sub.email)}"
        client = csrf_client()
        page = client.get(path)
        assert page.status_code == 200 and 'method="post"' in body(page)
        assert Subscription.objects.get().state == "active"  # a GET changes nothing
        response = client.post(path, {"List-Unsubscribe": "One-Click"})  # no cookie, no CSRF
        assert response.status_code == 200 and "You are unsubscribed" in body(response)
        sub.refresh_from_db()
        assert sub.state == "unsubscribed" and sub.next_digest_at is None
        assert client.post(path).status_code == 200  # again: still fine

    def test_an_old_confirmation_link_does_not_undo_an_unsubscribe(
        self, client: Client, sink: Sink
    ) -> None:
        path = self._pending(client, sink)
        client.post(path)
        sub = Subscription.objects.get()
        client.post(f"/digest/unsubscribe/{tokens.make('unsubscribe', sub.pk, sub.email)}")
        assert "out of date" in body(client.post(path))
        assert Subscription.objects.get().state == "unsubscribed"
        # Subscribing again sends a fresh link, which works.
        fresh = self._pending(client, sink)
        client.post(fresh)
        assert Subscription.objects.get().state == "active"

    def test_preferences_change_the_schedule(self, client: Client, sink: Sink) -> None:
        sub = subscriber("ada@example.org", now=timezone.now())
        path = f"/digest/preferences/{tokens.make('manage', sub.pk, sub.email)}"
        form = body(client.get(path))
        assert 'value="UTC"' in form and "Unsubscribe" in form
        response = client.post(
            path,
            {
                "frequency": "weekly",
                "hour": "18",
                "time_zone": "Asia/Tokyo",
                "categories": "cs.CV, cs.CL",
                "organizations": "KlingTeam",
            },
        )
        assert response.status_code == 200 and "Saved." in body(response)
        sub.refresh_from_db()
        assert (sub.frequency, sub.hour, sub.time_zone) == ("weekly", 18, "Asia/Tokyo")
        assert sub.categories == ["cs.CV", "cs.CL"] and sub.organizations == ["klingteam"]
        assert sub.next_digest_at is not None
        local = sub.next_digest_at.astimezone(dt.timezone(dt.timedelta(hours=9)))
        assert (local.weekday(), local.hour) == (0, 18)
        bad = client.post(path, {"frequency": "hourly", "hour": "99", "time_zone": "UTC"})
        assert bad.status_code == 400
        sub.refresh_from_db()
        assert sub.frequency == "weekly"

    def test_preview_and_view_in_browser(self, client: Client, sink: Sink) -> None:
        now = timezone.now()
        paper("2604.00001", title="Fresh result", submitted_at=now - dt.timedelta(minutes=5))
        sub = subscriber("ada@example.org", now=now - dt.timedelta(days=8))
        preview = client.get(f"/digest/preview/{tokens.make('manage', sub.pk, sub.email)}")
        assert preview.status_code == 200 and "Fresh result" in body(preview)
        assert "<script" not in body(preview)
        sending.run(schedule.next_slot("daily", 8, "UTC", now))  # the digest the preview foretold
        [message] = sink.messages
        view = client.get(link(message, "view"))
        assert view.status_code == 200
        assert (
            "Fresh result" in body(view) and "default-src 'none'" in view["Content-Security-Policy"]
        )
        assert (
            client.get(f"/digest/view/{tokens.make('view', sub.pk, sub.email)}").status_code == 400
        )


def test_the_whole_journey(settings: Any, sink: Sink) -> None:
    """Subscribe → confirmation mail → confirm → digest at the chosen hour → one click out."""
    client = csrf_client()
    signup = post_with_csrf(
        client,
        "/papers",
        "/digest/subscribe",
        {"email": "reader@example.org", "hour": "9", "time_zone": "Europe/Paris"},
    )
    assert signup.status_code == 200
    confirm_path = link(sink.to("reader@example.org")[0], "confirm")
    post_with_csrf(client, confirm_path, confirm_path, {})
    sub = Subscription.objects.get()
    assert sub.state == "active"

    # Next weekday at 09:00 Paris: the papers put on the list since the slot before.
    due = sub.next_digest_at
    assert due is not None and due.astimezone(dt.UTC).minute == 0
    paper(
        "2604.00001", title="In this digest", submitted_at=due - dt.timedelta(hours=3), upvotes=10
    )
    paper("2604.00002", title="Too new", submitted_at=due + dt.timedelta(minutes=1), upvotes=99)
    assert sending.run(due - dt.timedelta(minutes=1)).sent == 0
    assert sending.run(due + dt.timedelta(minutes=1)).sent == 1
    digest = sink.to("reader@example.org")[-1]
    assert digest["Subject"].startswith("Trending papers, ")
    assert digest["Subject"].endswith(": In this digest")
    assert "Too new" not in digest.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The mail provider's one-click POST: no cookies, no CSRF token.
    one_click = digest["List-Unsubscribe"].split(", ")[1].strip("<>")
    provider = Client(enforce_csrf_checks=True)
    response = provider.post(
        one_click.removeprefix("https://papers.example.org"),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    received = len(sink.messages)
    for days in range(1, 8):
        sending.run(due + dt.timedelta(days=days))
    assert len(sink.messages) == received
