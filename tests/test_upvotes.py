"""Upvotes: one per user per paper, exact counts under concurrency, form and JSON answers."""

from __future__ import annotations

import random
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.http.response import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dailypapers.config import Rate
from dailypapers.papers.models import Paper, Upvote
from dailypapers.papers.services import toggle_upvote
from tests.support.factories import paper, utc
from tests.support.races import race_on_sqlite

VOTERS = 50


def body(response: HttpResponseBase) -> str:
    return str(response.content, "utf-8")  # type: ignore[attr-defined]


def race(paper_id: int, user_ids: list[int], workers: int = 16) -> dict[str, int]:
    """Every user votes twice at once (a double click), then every other user takes the
    vote back twice at once, all users interleaved on parallel connections.

    Returns the stored counter and the number of vote rows; both must equal
    len(user_ids) // 2 afterwards.
    """

    def act(user_id: int, want: bool) -> None:
        try:
            toggle_upvote(user_id, paper_id, want)
        finally:
            connection.close()

    rng = random.Random(4)
    votes = [(u, True) for u in user_ids for _ in range(2)]
    rng.shuffle(votes)
    takebacks = [(u, False) for u in user_ids[::2] for _ in range(2)]
    rng.shuffle(takebacks)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda task: act(*task), votes))
        after_votes = Paper.objects.get(pk=paper_id).upvotes_local
        list(pool.map(lambda task: act(*task), takebacks))
    stored = Paper.objects.get(pk=paper_id)
    return {
        "after_votes": after_votes,
        "local": stored.upvotes_local,
        "imported": stored.upvotes_imported,
        "rows": Upvote.objects.filter(paper_id=paper_id).count(),
    }


def race_on_a_fresh_database() -> dict[str, int]:
    """The race in a process of its own (see tests/support/races.py)."""
    paper = Paper.objects.create(arxiv_id="2604.00001", title="Raced", upvotes_imported=7)
    User.objects.bulk_create([User(username=f"voter{i}") for i in range(VOTERS)])
    return race(paper.pk, list(User.objects.values_list("pk", flat=True)))


def test_parallel_votes_on_sqlite_give_the_exact_count(tmp_path: Path) -> None:
    result = race_on_sqlite(race_on_a_fresh_database, tmp_path)
    assert result == {
        "after_votes": VOTERS,
        "local": VOTERS // 2,
        "imported": 7,
        "rows": VOTERS // 2,
    }


@pytest.mark.django_db(transaction=True)
def test_parallel_votes_on_postgresql_give_the_exact_count() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (the SQLite race runs in its own process above)")
    target = paper("2604.00001", upvotes=7)
    User.objects.bulk_create([User(username=f"voter{i}") for i in range(VOTERS)])
    result = race(target.pk, list(User.objects.values_list("pk", flat=True)))
    assert result == {
        "after_votes": VOTERS,
        "local": VOTERS // 2,
        "imported": 7,
        "rows": VOTERS // 2,
    }


@pytest.fixture
def voter(db: None) -> User:
    return User.objects.create_user("ada", "ada@example.org", "a long enough passphrase")


@pytest.fixture
def logged_in(voter: User) -> Client:
    client = Client()
    client.force_login(voter)
    return client


pytestmark_db = pytest.mark.django_db


@pytestmark_db
class TestService:
    def test_toggle_flips_and_explicit_wishes_repeat_harmlessly(self, voter: User) -> None:
        target = paper(upvotes=3)
        assert toggle_upvote(voter.pk, target.pk).voted is True
        state = toggle_upvote(voter.pk, target.pk)
        assert (state.voted, state.upvotes) == (False, 3)
        for _ in range(3):
            state = toggle_upvote(voter.pk, target.pk, True)
        assert (state.voted, state.upvotes) == (True, 4)
        for _ in range(3):
            state = toggle_upvote(voter.pk, target.pk, False)
        assert (state.voted, state.upvotes) == (False, 3)
        assert Paper.objects.get(pk=target.pk).upvotes_local == 0

    def test_reimporting_keeps_local_votes(self, voter: User) -> None:
        target = paper("2604.00001", upvotes=3)
        toggle_upvote(voter.pk, target.pk, True)
        again = paper("2604.00001", upvotes=5)
        assert (again.upvotes_imported, again.upvotes_local, again.upvotes) == (5, 1, 6)


@pytestmark_db
class TestEndpoint:
    def test_a_plain_form_post_votes_and_goes_back(self, logged_in: Client) -> None:
        paper("2604.00001", upvotes=4, submitted_at=utc(2026, 4, 7))
        back = "/papers/date/2026-04-07"
        response = logged_in.post("/papers/2604.00001/upvote", {"vote": "1", "next": back})
        assert response.status_code == 302 and response["Location"] == back
        assert Paper.objects.get(arxiv_id="2604.00001").upvotes == 5
        html = body(logged_in.get(back))
        assert 'aria-pressed="true"' in html and '<span class="count">5</span>' in html
        assert 'name="vote" value="0"' in html
        # Submitting the same form again (a double click, a reload) changes nothing.
        logged_in.post("/papers/2604.00001/upvote", {"vote": "1", "next": back})
        assert Paper.objects.get(arxiv_id="2604.00001").upvotes == 5
        logged_in.post("/papers/2604.00001/upvote", {"vote": "0", "next": back})
        assert Paper.objects.get(arxiv_id="2604.00001").upvotes == 4
        assert 'aria-pressed="false"' in body(logged_in.get(back))

    def test_json_when_asked(self, logged_in: Client) -> None:
        paper("2604.00001", upvotes=4)
        response = logged_in.post(
            "/papers/2604.00001/upvote", {"vote": "1"}, headers={"Accept": "application/json"}
        )
        assert response.status_code == 200
        assert response.json() == {"paper": "2604.00001", "voted": True, "upvotes": 5}

    def test_without_a_wish_the_vote_toggles(self, logged_in: Client) -> None:
        paper("2604.00001")
        response = logged_in.post("/papers/2604.00001/upvote")
        assert response["Location"] == "/papers/2604.00001"
        assert Upvote.objects.count() == 1
        logged_in.post("/papers/2604.00001/upvote")
        assert Upvote.objects.count() == 0

    def test_visitors_are_sent_to_log_in_and_back(self, client: Client) -> None:
        paper("2604.00001")
        response = client.post(
            "/papers/2604.00001/upvote", {"vote": "1", "next": "/papers/trending?page=2"}
        )
        assert response.status_code == 302
        assert response["Location"] == "/login?next=%2Fpapers%2Ftrending%3Fpage%3D2&why=upvote"
        response = client.post(
            "/papers/2604.00001/upvote", {"vote": "1"}, headers={"Accept": "application/json"}
        )
        assert response.status_code == 401
        assert response.json()["login_url"] == "/login?next=%2Fpapers%2F2604.00001&why=upvote"
        assert not Upvote.objects.exists()

    def test_next_never_leaves_the_site(self, logged_in: Client) -> None:
        paper("2604.00001")
        response = logged_in.post(
            "/papers/2604.00001/upvote", {"vote": "1", "next": "https://evil.example/"}
        )
        assert response["Location"] == "/papers/2604.00001"

    def test_get_changes_nothing(self, logged_in: Client) -> None:
        paper("2604.00001")
        assert logged_in.get("/papers/2604.00001/upvote").status_code == 405
        assert logged_in.head("/papers/2604.00001/upvote").status_code == 405
        assert not Upvote.objects.exists()

    def test_csrf_is_enforced(self, voter: User) -> None:
        paper("2604.00001", submitted_at=utc(2026, 4, 7))
        client = Client(enforce_csrf_checks=True)
        client.force_login(voter)
        assert client.post("/papers/2604.00001/upvote", {"vote": "1"}).status_code == 403
        assert not Upvote.objects.exists()
        html = body(client.get("/papers/date/2026-04-07"))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token
        response = client.post(
            "/papers/2604.00001/upvote",
            {"vote": "1"},
            headers={"Accept": "application/json", "X-CSRFToken": token.group(1)},
        )
        assert response.status_code == 200
        assert Upvote.objects.count() == 1

    def test_unknown_papers_and_old_style_ids(self, logged_in: Client) -> None:
        assert logged_in.post("/papers/2605.99999/upvote").status_code == 404
        assert logged_in.post("/papers/not-an-id/upvote").status_code == 404
        paper("hep-th/9901001")
        assert logged_in.post("/papers/hep-th/9901001/upvote").status_code == 302
        assert Paper.objects.get(arxiv_id="hep-th/9901001").upvotes_local == 1

    def test_votes_are_limited_per_user_and_per_ip(self, logged_in: Client, settings) -> None:  # type: ignore[no-untyped-def]
        settings.UPVOTE_RATE_LIMIT = Rate(per_account=3, per_ip=5, seconds=600)
        paper("2604.00001")
        codes = [logged_in.post("/papers/2604.00001/upvote").status_code for _ in range(4)]
        assert codes == [302, 302, 302, 429]
        limited = logged_in.post(
            "/papers/2604.00001/upvote", headers={"Accept": "application/json"}
        )
        assert limited.status_code == 429 and 0 < int(limited["Retry-After"]) <= 600
        assert "error" in limited.json()
        # Another user from the same address runs into the per-IP limit.
        other = Client()
        other.force_login(User.objects.create_user("bob"))
        codes = [other.post("/papers/2604.00001/upvote").status_code for _ in range(2)]
        assert codes == [429, 429]
        assert Paper.objects.get(arxiv_id="2604.00001").upvotes_local == 1


@pytestmark_db
class TestPages:
    def test_buttons_on_cards_trending_and_the_paper_page(self, logged_in: Client) -> None:
        voted = paper("2604.00001", title="Voted", submitted_at=utc(2026, 4, 7), upvotes=2)
        paper("2604.00002", title="Not voted", submitted_at=utc(2026, 4, 7), upvotes=1)
        toggle_upvote(User.objects.get(username="ada").pk, voted.pk, True)
        for path in ("/papers/date/2026-04-07", "/papers/trending"):
            html = body(logged_in.get(path))
            forms = dict(
                re.findall(
                    r'action="/papers/([^"]+)/upvote".*?aria-pressed="(true|false)"', html, re.S
                )
            )
            assert forms == {"2604.00001": "true", "2604.00002": "false"}, path
        html = body(logged_in.get("/papers/2604.00002"))
        assert 'action="/papers/2604.00002/upvote"' in html and 'aria-pressed="false"' in html
        html = body(logged_in.get("/papers/2604.00001"))
        assert 'aria-pressed="true"' in html and '<span class="count">3</span>' in html

    def test_visitors_see_the_buttons_unpressed(self, client: Client) -> None:
        paper("2604.00001", submitted_at=utc(2026, 4, 7))
        html = body(client.get("/papers/date/2026-04-07"))
        assert 'aria-pressed="false"' in html and "dailypapers/upvote.js" in html

    def test_vote_state_costs_one_query_per_page(  # type: ignore[no-untyped-def]
        self, logged_in: Client, voter: User, settings
    ) -> None:
        def count(client: Client, path: str) -> int:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(path).status_code == 200
            return len(ctx.captured_queries)

        settings.PAGE_CACHE_SECONDS = 0
        paper("2604.10000", submitted_at=utc(2026, 4, 6, 1), organization="Org")
        small = count(logged_in, "/papers/date/2026-04-06")
        for i in range(40):
            target = paper(f"2604.{i:05d}", submitted_at=utc(2026, 4, 7, 1))
            if i % 2:
                toggle_upvote(voter.pk, target.pk, True)
        assert count(logged_in, "/papers/date/2026-04-07") == small
        # Logged in: the session, the user, the user's votes and marks on the shown papers;
        # the paper page also reads the user's organizations and collections for its forms.
        anonymous = Client()
        for path in ("/papers/date/2026-04-07", "/papers/trending"):
            assert count(logged_in, path) == count(anonymous, path) + 4, path
        assert count(logged_in, "/papers/2604.00001") == count(anonymous, "/papers/2604.00001") + 6
        # From the copy shared by all readers, a list costs those four queries alone.
        settings.PAGE_CACHE_SECONDS = 60
        for path in ("/papers/date/2026-04-07", "/papers/trending"):
            count(logged_in, path)
            assert count(logged_in, path) == 4, path

    def test_the_script_is_served(self, client: Client) -> None:
        response = client.get("/static/dailypapers/upvote.js")
        assert response.status_code == 200
        script = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
        assert "application/json" in script and "aria-pressed" in script
        assert "X-CSRFToken" in script
