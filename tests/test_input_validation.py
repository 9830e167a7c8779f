"""Bad input gets a 4xx with a message, never a server error, on SQLite and PostgreSQL.

Each case here answered 500 before: Unicode digits that ``str.isdigit()`` accepts and
``int()`` refuses, a date whose next day does not exist, and NUL characters that
PostgreSQL cannot store.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.http import QueryDict
from django.http.response import HttpResponseBase
from django.test import Client

from dailypapers.community.models import Collection, Comment, CommentFlag
from dailypapers.core import params
from tests.support.hostile import DAY, NUL_AND_BROKEN, PAPER, UNICODE_DIGITS, Hub, seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def hub(settings: Any) -> Hub:
    return seed(settings)


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: HttpResponseBase) -> str:
    return str(response.content, "utf-8")  # type: ignore[attr-defined]


def listing_pages(hub: Hub) -> list[str]:
    owner = hub.ada.get_username()
    return [
        "/papers",
        "/papers/trending",
        f"/papers/date/{DAY}",
        "/papers/week/2026-W15",
        "/papers/month/2026-04",
        "/search?q=seeded",
        "/orgs",
        f"/orgs/{hub.org.slug}",
        f"/authors/{hub.author_slug}",
        f"/users/{owner}/collections/{hub.collection.slug}",
    ]


class TestUnicodeDigits:
    @pytest.mark.parametrize("digits", UNICODE_DIGITS)
    def test_every_listing_page_reads_them_as_the_first_page(self, hub: Hub, digits: str) -> None:
        client = Client()
        for path in listing_pages(hub):
            joiner = "&" if "?" in path else "?"
            response = client.get(f"{path}{joiner}page={digits}")
            assert response.status_code == 200, path

    @pytest.mark.parametrize("digits", UNICODE_DIGITS)
    def test_moderators_pages_too(self, hub: Hub, digits: str) -> None:
        client = logged_in(hub.staff)
        for path in ("/moderation/log", "/authors/claims"):
            assert client.get(path, {"page": digits}).status_code == 200, path

    @pytest.mark.parametrize("digits", UNICODE_DIGITS)
    def test_the_api_refuses_them_with_a_message(self, hub: Hub, digits: str) -> None:
        for path, name in (("/api/daily_papers", "p"), ("/api/papers/search?q=seeded", "limit")):
            joiner = "&" if "?" in path else "?"
            response = Client().get(f"{path}{joiner}{name}={digits}")
            assert response.status_code == 400, path
            assert "whole number" in response.json()["error"]

    @pytest.mark.parametrize("digits", UNICODE_DIGITS)
    def test_a_comment_parent_is_not_a_number(self, hub: Hub, digits: str) -> None:
        client = logged_in(hub.ada)
        response = client.post(f"/papers/{PAPER}/comments", {"body": "Hi", "parent": digits})
        assert response.status_code == 302
        posted = Comment.objects.get(body="Hi")
        assert posted.parent_id is None

    @pytest.mark.parametrize("digits", UNICODE_DIGITS)
    def test_a_collection_field_is_not_a_number(self, hub: Hub, digits: str) -> None:
        client = logged_in(hub.ada)
        before = Collection.objects.count()
        response = client.post("/collections/add", {"paper": PAPER, "collection": digits})
        assert response.status_code == 400
        assert "Choose a collection" in text(response)
        assert Collection.objects.count() == before


class TestDates:
    @pytest.mark.parametrize("bound", ["to", "from"])
    def test_the_last_day_of_the_calendar_on_the_search_page(self, hub: Hub, bound: str) -> None:
        response = Client().get("/search", {"q": "seeded", bound: "9999-12-31"})
        assert response.status_code == 200
        assert f"{bound[0].upper()}{bound[1:]} must be a date" in text(response)

    @pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "2026-02-30", "２０２６-04-07"])
    def test_the_search_api_refuses_dates_out_of_range(self, hub: Hub, value: str) -> None:
        response = Client().get("/api/papers/search", {"q": "seeded", "to": value})
        assert response.status_code == 400
        assert response.json()["error"].startswith("to must be a date like 2026-04-07")

    def test_dates_within_range_still_filter(self, hub: Hub) -> None:
        found = Client().get("/api/papers/search", {"q": "seeded", "to": "2200-12-31"}).json()
        assert [e["paper"]["id"] for e in found] == [PAPER]
        none = Client().get("/api/papers/search", {"q": "seeded", "to": "1900-01-01"}).json()
        assert none == []


class TestUnstorableText:
    """NUL made PostgreSQL answer DataError; now every database gets a 400 first."""

    @pytest.mark.parametrize("path", ["/users/", "/orgs/", "/authors/", "/", "/papers/"])
    @pytest.mark.parametrize("value", NUL_AND_BROKEN)
    def test_in_the_address(self, hub: Hub, path: str, value: str) -> None:
        response = Client().get(f"{path}{value}")
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/plain")
        assert "The address contains" in text(response)

    @pytest.mark.parametrize("value", NUL_AND_BROKEN)
    def test_in_the_query_string_of_the_api(self, hub: Hub, value: str) -> None:
        response = Client().get(f"/api/daily_papers?submitter={value}")
        assert response.status_code == 400
        assert response.json()["error"].startswith("The query string contains")

    def test_in_a_login_username(self, hub: Hub) -> None:
        response = Client().post("/login", {"username": "ada\x00", "password": "x"})
        assert response.status_code == 400
        assert "NUL character" in text(response)

    def test_in_a_comment_body_and_an_edit(self, hub: Hub) -> None:
        client = logged_in(hub.ada)
        response = client.post(f"/papers/{PAPER}/comments", {"body": "bad\x00body"})
        assert response.status_code == 400
        assert "“body” contains a NUL character" in text(response)
        response = client.post(f"/comments/{hub.reply.pk}/edit", {"body": "edit\x00ed"})
        assert response.status_code == 400
        hub.reply.refresh_from_db()
        assert hub.reply.body == "A reply."

    def test_in_a_flag_note(self, hub: Hub) -> None:
        client = logged_in(hub.ada)
        form = {"reason": CommentFlag.Reason.SPAM, "note": "see\x00this"}
        response = client.post(f"/comments/{hub.comment.pk}/flag", form)
        assert response.status_code == 400
        assert not CommentFlag.objects.exists()

    def test_url_encoded_forms_that_are_not_utf8(self, hub: Hub) -> None:
        client = logged_in(hub.ada)
        for raw in ("body=%ED%A0%80", "body=%FF", "body=a%00b", "bo%00dy=x"):
            response = client.post(
                f"/papers/{PAPER}/comments", raw, content_type="application/x-www-form-urlencoded"
            )
            assert response.status_code == 400, raw
        assert Comment.objects.count() == 2

    def test_ordinary_text_passes(self, hub: Hub) -> None:
        client = logged_in(hub.ada)
        response = client.post(f"/papers/{PAPER}/comments", {"body": "Ünïcödé ✓ 数学 \t ok"})
        assert response.status_code == 302
        assert Client().get("/search", {"q": "数学 ²"}).status_code == 200


class TestHelpers:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("1", 1),
            (" 42 ", 42),
            ("0", None),
            ("10001", None),
            ("-1", None),
            ("+1", None),
            ("1_000", None),
            ("²", None),
            ("١", None),
            ("1" * 19, None),
            ("", None),
            (None, None),
        ],
    )
    def test_to_int(self, raw: str | None, expected: int | None) -> None:
        assert params.to_int(raw, 1, 10_000) == expected

    def test_integer_and_date_messages(self) -> None:
        query = QueryDict("n=%C2%B2&d=9999-12-31&e=")
        with pytest.raises(params.ParamError, match="n must be a whole number from 0 to 9"):
            params.integer(query, "n", 0, 0, 9)
        with pytest.raises(params.ParamError, match="outside 1900-01-01 to 2200-12-31"):
            params.date(query, "d")
        assert params.date(query, "e") is None
        assert params.parse_date("2200-12-31") + dt.timedelta(days=1) == dt.date(2201, 1, 1)

    def test_text_drops_what_cannot_be_stored(self) -> None:
        query = QueryDict(mutable=True)
        query["note"] = " a\x00b\ud800c "
        assert params.text(query, "note", 2) == "ab"
        assert params.unstorable("fine ✓") is None


def test_api_errors_stay_json(hub: Hub) -> None:
    response = Client().get("/api/papers/%00")
    assert response.status_code == 400
    assert set(json.loads(response.content)) == {"error"}
