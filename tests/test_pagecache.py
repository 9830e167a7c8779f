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


# -- Lists shared by every signed-in reader -------------------------------------------------

VOTE = re.compile(
    r'action="/papers/(?P<id>[^/"]+)/upvote".*?name="vote" value="(?P<wish>[01])">'
    r'<button type="submit" aria-pressed="(?P<pressed>true|false)"(?P<hint>[^>]*)>'
    r'.*?<span class="count">(?P<count>\d+)</span>',
    re.S,
)
MARK = re.compile(
    r'<form class="marks"[^>]*action="/papers/(?P<id>[^/"]+)/mark".*?'
    r'class="mark-later"[^>]*aria-pressed="(?P<later>true|false)"',
    re.S,
)


def _reader(name: str, *, staff: bool = False) -> tuple[User, Client]:
    user = User.objects.create_user(name, f"{name}@example.org", "pw-long-enough-1")
    user.is_staff = staff
    user.save()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return user, client


def _votes(html: str) -> dict[str, tuple[bool, int]]:
    found = {m["id"]: (m["pressed"] == "true", int(m["count"])) for m in VOTE.finditer(html)}
    for m in VOTE.finditer(html):  # the form asks for the opposite of the state it shows
        assert (m["wish"] == "0") == (m["pressed"] == "true") and m["hint"] == ""
    return found


def test_readers_share_one_list_each_with_their_own_votes_marks_and_header() -> None:
    from dailypapers.community.services.marks import set_mark
    from dailypapers.papers.services import toggle_upvote

    first = paper("2604.00001", title="Shared title", submitted_at=utc(2026, 4, 7, 1))
    second = paper("2604.00002", title="Other title", submitted_at=utc(2026, 4, 7, 2))
    ada, ada_client = _reader("ada")
    bob, bob_client = _reader("bob", staff=True)
    toggle_upvote(ada.pk, first.pk, True)
    set_mark(bob.pk, second.pk, "later", True)
    ada_page = ada_client.get("/papers/date/2026-04-07").content.decode()
    # Stored for all readers: a change of the list is not seen until the copy expires...
    Paper.objects.filter(pk=first.pk).update(title="Changed title")
    bob_page = bob_client.get("/papers/date/2026-04-07").content.decode()
    assert "Shared title" in bob_page and "Changed title" not in bob_page
    # ... but each reader's own parts are theirs.
    assert _votes(ada_page) == {"2604.00001": (True, 1), "2604.00002": (False, 0)}
    assert _votes(bob_page) == {"2604.00001": (False, 1), "2604.00002": (False, 0)}
    assert {m["id"]: m["later"] for m in MARK.finditer(ada_page)} == {
        "2604.00001": "false",
        "2604.00002": "false",
    }
    assert {m["id"]: m["later"] for m in MARK.finditer(bob_page)} == {
        "2604.00001": "false",
        "2604.00002": "true",
    }
    assert '<a href="/users/ada">ada</a>' in ada_page and "/users/bob" not in ada_page
    assert '<a href="/users/bob">bob</a>' in bob_page and "/users/ada" not in bob_page
    assert "/moderation" in bob_page and "/moderation" not in ada_page
    # Every form of the shared copy carries this reader's working token.
    tokens = set(TOKEN.findall(bob_page))
    assert tokens and all(len(token) == 64 for token in tokens)
    for token in tokens:
        response = bob_client.post(
            "/papers/2604.00002/upvote", {"csrfmiddlewaretoken": token, "vote": "1"}
        )
        assert response.status_code == 302


def test_a_readers_own_write_shows_at_once_on_the_shared_list() -> None:
    paper("2604.00001", title="Voted on", submitted_at=utc(2026, 4, 7, 1))
    _, ada_client = _reader("ada")
    _, bob_client = _reader("bob")
    assert _votes(ada_client.get("/papers/trending").content.decode())["2604.00001"] == (False, 0)
    page = bob_client.get("/papers/trending").content.decode()
    token = TOKEN.findall(page)[0]
    bob_client.post("/papers/2604.00001/upvote", {"csrfmiddlewaretoken": token, "vote": "1"})
    # Bob's vote is on his next page, rendered anew and stored for every reader.
    assert _votes(bob_client.get("/papers/trending").content.decode())["2604.00001"] == (True, 1)
    assert _votes(ada_client.get("/papers/trending").content.decode())["2604.00001"] == (False, 1)
    # A write through the API counts too (the session's JSON vote here).
    ada_page = ada_client.get("/papers/date/2026-04-07").content.decode()
    ada_client.post(
        "/papers/2604.00001/upvote",
        {"vote": "1"},
        HTTP_ACCEPT="application/json",
        HTTP_X_CSRFTOKEN=TOKEN.findall(ada_page)[0],
    )
    assert _votes(ada_client.get("/papers/trending").content.decode())["2604.00001"] == (True, 2)


def test_card_slots_never_reach_a_page_and_cannot_be_forged() -> None:
    from dailypapers.papers.cards import _prefix

    forged = "slot" + "0" * 24 + "v1;"
    paper("2604.00001", title=f"Title {forged}", submitted_at=utc(2026, 4, 7, 1))
    _, reader = _reader("ada")
    for client in (Client(), reader):
        for path in ("/papers/date/2026-04-07", "/papers/trending", "/papers"):
            for _ in range(2):  # rendered, then from the cache
                html = client.get(path).content.decode()
                assert _prefix() not in html and f"Title {forged}" in html, path
    html = reader.get("/for-you/date/2026-04-07").content.decode()
    assert _prefix() not in html and "Title " in html
    visitor = Client().get("/papers/trending").content.decode()
    assert [m["hint"] for m in VOTE.finditer(visitor)] == [' title="Log in to upvote"']
