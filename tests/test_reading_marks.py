"""A reader's "seen" and "read later" marks: private, POST-only with CSRF, idempotent,
rate-limited, shown on cards, the paper page and the read-later list."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.http.response import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dailypapers.community.models import ReadingMark
from dailypapers.community.services.marks import set_mark
from dailypapers.config import Rate
from dailypapers.papers.models import Paper
from tests.support.factories import paper, utc

pytestmark = pytest.mark.django_db

DAY = "2026-04-07"


def body(response: HttpResponseBase) -> str:
    return str(response.content, "utf-8")  # type: ignore[attr-defined]


@pytest.fixture
def papers() -> list[Paper]:
    return [
        paper(f"2604.0000{i}", title=f"Marked paper {i}", submitted_at=utc(2026, 4, 7, i))
        for i in range(1, 4)
    ]


@pytest.fixture
def ada() -> User:
    return User.objects.create_user("ada", "ada@example.org", "pw")


@pytest.fixture
def bob() -> User:
    return User.objects.create_user("bob", "bob@example.org", "pw")


def signed_in(user: User, enforce_csrf_checks: bool = False) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    client.force_login(user)
    return client


def pressed(html: str, arxiv_id: str, kind: str) -> bool:
    """Whether the mark button ``kind`` of the paper's form in ``html`` is pressed."""
    form = re.search(rf'<form class="marks"[^>]*action="/papers/{arxiv_id}/mark".*?</form>', html)
    assert form, f"no marks form for {arxiv_id}"
    button = re.search(rf'class="mark-{kind}"[^>]*aria-pressed="(true|false)"', form.group(0))
    assert button
    return button.group(1) == "true"


def marks_of(user: User) -> set[tuple[str, str]]:
    rows = ReadingMark.objects.filter(user=user).values_list("paper__arxiv_id", "kind")
    return set(rows)


class TestSetting:
    def test_a_form_post_sets_a_mark_and_comes_back(self, papers: list[Paper], ada: User) -> None:
        client = signed_in(ada)
        back = f"/papers/date/{DAY}"
        response = client.post("/papers/2604.00001/mark", {"later": "1", "next": back})
        assert response.status_code == 302 and response["Location"] == back
        assert marks_of(ada) == {("2604.00001", "later")}
        client.post("/papers/2604.00001/mark", {"seen": "1"})
        client.post("/papers/2604.00001/mark", {"later": "0"})
        assert marks_of(ada) == {("2604.00001", "seen")}

    def test_setting_twice_or_clearing_twice_changes_nothing(
        self, papers: list[Paper], ada: User
    ) -> None:
        client = signed_in(ada)
        for _ in range(3):
            assert client.post("/papers/2604.00002/mark", {"seen": "1"}).status_code == 302
        assert ReadingMark.objects.filter(user=ada).count() == 1
        for _ in range(2):
            assert client.post("/papers/2604.00002/mark", {"seen": "0"}).status_code == 302
        assert not ReadingMark.objects.filter(user=ada).exists()
        # The service itself is idempotent too, as the constraint is the judge.
        set_mark(ada.pk, papers[0].pk, "later", True)
        set_mark(ada.pk, papers[0].pk, "later", True)
        assert ReadingMark.objects.filter(user=ada, kind="later").count() == 1

    def test_json_for_a_fetch(self, papers: list[Paper], ada: User) -> None:
        response = signed_in(ada).post(
            "/papers/2604.00001/mark", {"later": "1"}, headers={"Accept": "application/json"}
        )
        assert response.json() == {"paper": "2604.00001", "mark": "later", "on": True}

    @pytest.mark.parametrize(
        "form",
        [{}, {"seen": "1", "later": "1"}, {"seen": "yes"}, {"unread": "1"}, {"later": ""}],
    )
    def test_bad_input_is_a_clear_400_and_changes_nothing(
        self, papers: list[Paper], ada: User, form: dict[str, str]
    ) -> None:
        set_mark(ada.pk, papers[0].pk, "seen", True)
        response = signed_in(ada).post("/papers/2604.00001/mark", form)
        assert response.status_code == 400
        assert "seen=0|1" in body(response)
        assert marks_of(ada) == {("2604.00001", "seen")}

    def test_unknown_paper_is_404(self, papers: list[Paper], ada: User) -> None:
        assert signed_in(ada).post("/papers/2699.99999/mark", {"seen": "1"}).status_code == 404
        assert signed_in(ada).post("/papers/not-an-id/mark", {"seen": "1"}).status_code == 404

    def test_a_get_changes_nothing(self, papers: list[Paper], ada: User) -> None:
        client = signed_in(ada)
        assert client.get("/papers/2604.00001/mark?seen=1").status_code == 405
        assert not ReadingMark.objects.exists()

    def test_without_the_csrf_token_nothing_happens(self, papers: list[Paper], ada: User) -> None:
        client = signed_in(ada, enforce_csrf_checks=True)
        assert client.post("/papers/2604.00001/mark", {"seen": "1"}).status_code == 403
        assert not ReadingMark.objects.exists()
        # With the token the page gave, the same post works.
        html = body(client.get("/papers/2604.00001"))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token
        form = {"seen": "1", "csrfmiddlewaretoken": token.group(1)}
        assert client.post("/papers/2604.00001/mark", form).status_code == 302
        assert marks_of(ada) == {("2604.00001", "seen")}

    def test_visitors_are_sent_to_log_in_and_back(self, papers: list[Paper]) -> None:
        back = f"/papers/date/{DAY}"
        response = Client().post("/papers/2604.00001/mark", {"seen": "1", "next": back})
        assert response.status_code == 302
        assert response["Location"].startswith("/login?next=%2Fpapers%2Fdate%2F2026-04-07")
        answer = Client().post(
            "/papers/2604.00001/mark", {"seen": "1"}, headers={"Accept": "application/json"}
        )
        assert answer.status_code == 401 and answer.json()["login_url"].startswith("/login")
        assert not ReadingMark.objects.exists()

    def test_next_never_leaves_the_site(self, papers: list[Paper], ada: User) -> None:
        response = signed_in(ada).post(
            "/papers/2604.00001/mark", {"seen": "1", "next": "https://evil.example/"}
        )
        assert response["Location"] == "/papers/2604.00001"

    def test_writes_are_rate_limited(
        self, papers: list[Paper], ada: User, settings: object
    ) -> None:
        settings.MARK_RATE_LIMIT = Rate(per_account=2, per_ip=100, seconds=600)  # type: ignore[attr-defined]
        client = signed_in(ada)
        assert client.post("/papers/2604.00001/mark", {"seen": "1"}).status_code == 302
        assert client.post("/papers/2604.00002/mark", {"seen": "1"}).status_code == 302
        limited = client.post("/papers/2604.00003/mark", {"seen": "1"})
        assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
        assert ("2604.00003", "seen") not in marks_of(ada)


class TestShowing:
    def test_cards_and_the_paper_page_show_the_readers_own_marks(
        self, papers: list[Paper], ada: User
    ) -> None:
        set_mark(ada.pk, papers[0].pk, "seen", True)
        set_mark(ada.pk, papers[1].pk, "later", True)
        html = body(signed_in(ada).get(f"/papers/date/{DAY}"))
        assert pressed(html, "2604.00001", "seen") and not pressed(html, "2604.00001", "later")
        assert pressed(html, "2604.00002", "later") and not pressed(html, "2604.00002", "seen")
        assert not pressed(html, "2604.00003", "seen")
        page = body(signed_in(ada).get("/papers/2604.00002"))
        assert pressed(page, "2604.00002", "later")
        # A pressed button takes the mark off, an unpressed one puts it on.
        assert 'name="later" value="0" aria-pressed="true"' in page

    def test_for_you_shows_them_in_one_query_for_the_list(
        self, papers: list[Paper], ada: User
    ) -> None:
        set_mark(ada.pk, papers[2].pk, "later", True)
        client = signed_in(ada)
        path = f"/for-you/date/{DAY}"

        def count() -> int:
            with CaptureQueriesContext(connection) as ctx:
                html = body(client.get(path))
            assert pressed(html, "2604.00003", "later")
            assert not pressed(html, "2604.00001", "later")
            return len(ctx.captured_queries)

        few = count()
        for i in range(10):
            paper(f"2604.0010{i}", submitted_at=utc(2026, 4, 7, 5, i))
        assert count() == few

    def test_marks_are_private(self, papers: list[Paper], ada: User, bob: User) -> None:
        set_mark(ada.pk, papers[0].pk, "seen", True)
        set_mark(ada.pk, papers[0].pk, "later", True)
        bobs = body(signed_in(bob).get(f"/papers/date/{DAY}"))
        assert not pressed(bobs, "2604.00001", "seen")
        assert not pressed(bobs, "2604.00001", "later")
        assert not pressed(body(signed_in(bob).get("/papers/2604.00001")), "2604.00001", "seen")
        assert "Marked paper 1" not in body(signed_in(bob).get("/read-later"))
        # Bob's posts change only Bob's marks.
        signed_in(bob).post("/papers/2604.00001/mark", {"seen": "0"})
        assert marks_of(ada) == {("2604.00001", "seen"), ("2604.00001", "later")}
        # Visitors, and the pages cached for them, carry no marks at all.
        signed_in(ada).get(f"/papers/date/{DAY}")
        for path in (f"/papers/date/{DAY}", "/papers/2604.00001", f"/papers/date/{DAY}"):
            assert 'class="marks"' not in body(Client().get(path)), path
        assert "ada" not in str(signed_in(bob).get("/read-later").content)

    def test_the_read_later_list(self, papers: list[Paper], ada: User) -> None:
        client = signed_in(ada)
        for arxiv_id in ("2604.00003", "2604.00001"):
            client.post(f"/papers/{arxiv_id}/mark", {"later": "1"})
        client.post("/papers/2604.00002/mark", {"seen": "1"})
        response = client.get("/read-later")
        html = body(response)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        # The latest marked first; a paper only seen is not on it.
        assert html.index("Marked paper 1") < html.index("Marked paper 3")
        assert "Marked paper 2" not in html and "2 papers" in html
        assert pressed(html, "2604.00001", "later")
        # The user menu links to it.
        assert 'href="/read-later"' in body(client.get(f"/papers/date/{DAY}"))
        client.post("/papers/2604.00001/mark", {"later": "0", "next": "/read-later"})
        assert "Marked paper 1" not in body(client.get("/read-later"))

    def test_the_read_later_list_needs_a_login(self) -> None:
        response = Client().get("/read-later")
        assert response.status_code == 302 and response["Location"].startswith("/login")
        assert 'href="/read-later"' not in body(Client().get("/papers"))

    def test_a_deleted_paper_or_user_takes_its_marks_along(
        self, papers: list[Paper], ada: User
    ) -> None:
        set_mark(ada.pk, papers[0].pk, "seen", True)
        set_mark(ada.pk, papers[1].pk, "later", True)
        papers[0].delete()
        assert marks_of(ada) == {("2604.00002", "later")}
        ada.delete()
        assert not ReadingMark.objects.exists()
