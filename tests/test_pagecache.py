"""Pages cached for visitors: served again within the TTL, with each visitor's own token."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dailypapers.papers.models import Paper
from tests.support.factories import paper, utc

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_visitors_get_the_cached_page_until_it_expires(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    paper("2604.00001", title="First title", submitted_at=utc(2026, 4, 7))
    assert "First title" in client.get("/papers/date/2026-04-07").content.decode()
    Paper.objects.filter(arxiv_id="2604.00001").update(title="Second title")
    assert "First title" in Client().get("/papers/date/2026-04-07").content.decode()
    settings.PAGE_CACHE_SECONDS = 0
    assert "Second title" in Client().get("/papers/date/2026-04-07").content.decode()


def test_logged_in_users_always_get_a_fresh_page() -> None:
    paper("2604.00001", title="First title", submitted_at=utc(2026, 4, 7))
    Client().get("/papers/2604.00001")
    Paper.objects.filter(arxiv_id="2604.00001").update(title="Second title")
    user = Client()
    user.force_login(User.objects.create_user("reader", "r@example.org", "pw-long-enough-1"))
    assert "Second title" in user.get("/papers/2604.00001").content.decode()


def test_each_visitor_gets_a_working_token_of_their_own() -> None:
    paper("2604.00001", title="Tokens", submitted_at=utc(2026, 4, 7))
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    page_one = first.get("/papers/trending").content.decode()
    page_two = second.get("/papers/trending").content.decode()
    tokens_one, tokens_two = set(TOKEN.findall(page_one)), set(TOKEN.findall(page_two))
    assert tokens_one and tokens_two and not tokens_one & tokens_two
    assert all(len(t) == 64 for t in tokens_one | tokens_two)
    # The second visitor's page came from the cache; its token must pass the CSRF check.
    for token in tokens_two:
        response = second.post(
            "/digest/subscribe", {"email": "reader@example.org", "csrfmiddlewaretoken": token}
        )
        assert response.status_code != 403


def test_errors_and_redirects_are_not_cached(client: Client) -> None:
    assert client.get("/papers/2604.00001").status_code == 404
    paper("2604.00001", title="Arrived", submitted_at=utc(2026, 4, 7))
    assert client.get("/papers/2604.00001").status_code == 200


def test_the_api_is_cached_too_and_keeps_its_headers(client: Client) -> None:
    paper("2604.00001", title="First title", submitted_at=utc(2026, 4, 7))
    first = client.get("/api/daily_papers", {"date": "2026-04-07"})
    Paper.objects.filter(arxiv_id="2604.00001").update(title="Second title")
    again = Client().get("/api/daily_papers", {"date": "2026-04-07"})
    assert again.json()[0]["title"] == first.json()[0]["title"] == "First title"
    assert again["Content-Type"] == "application/json"
    assert again["Access-Control-Allow-Origin"] == "*"
    assert again["Cache-Control"] == "public, max-age=60"
