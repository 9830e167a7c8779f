"""HTTP behaviour of the API and cached pages: cookies, validators, compression, CORS."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from django.test import Client

from dailypapers.papers.models import Paper
from tests.support.factories import paper, utc

pytestmark = pytest.mark.django_db

DAY = {"date": "2026-04-07"}


@pytest.fixture(autouse=True)
def utc_days(settings: Any) -> None:
    settings.TIME_ZONE = "UTC"


def three_papers() -> None:
    for n, votes in enumerate((30, 20, 10), 1):
        paper(f"2604.0000{n}", upvotes=votes, submitted_at=utc(2026, 4, 7, n))


def vary(response: Any) -> set[str]:
    return {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}


@pytest.mark.parametrize("url", ["/api/daily_papers?date=2026-04-07", "/api/papers/2604.00001"])
def test_public_api_responses_set_no_cookie_when_cached_or_not(url: str) -> None:
    three_papers()
    for _ in range(2):  # the first fills the page cache, the second is served from it
        response = Client().get(url)
        assert response.status_code == 200
        assert response["Cache-Control"].startswith("public")
        assert not response.cookies, response.cookies
        assert "Set-Cookie" not in response
        assert "cookie" not in vary(response)


def test_cached_pages_still_give_each_visitor_a_token_cookie() -> None:
    three_papers()
    for _ in range(2):
        response = Client().get("/papers/date/2026-04-07")
        assert "csrftoken" in response.cookies
        assert "public" not in response.get("Cache-Control", "")
        assert "cookie" in vary(response)


@pytest.mark.parametrize("cache_seconds", [60, 0])
def test_a_conditional_api_request_gets_304_until_the_data_changes(
    settings: Any, cache_seconds: int
) -> None:
    settings.PAGE_CACHE_SECONDS = cache_seconds
    three_papers()
    first = Client().get("/api/daily_papers", DAY)
    etag = first["ETag"]
    again = Client().get("/api/daily_papers", DAY, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Access-Control-Allow-Origin"] == "*"
    assert not again.cookies
    if cache_seconds == 0:
        Paper.objects.filter(arxiv_id="2604.00001").update(title="Changed")
        changed = Client().get("/api/daily_papers", DAY, HTTP_IF_NONE_MATCH=etag)
        assert changed.status_code == 200
        assert changed["ETag"] != etag


def test_a_conditional_page_request_gets_304_from_the_page_cache() -> None:
    three_papers()
    visitor = Client()
    first = visitor.get("/papers/date/2026-04-07")
    assert first.status_code == 200
    again = visitor.get("/papers/date/2026-04-07", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    # Another visitor's copy carries another token, so the first visitor's ETag is no use.
    other = Client().get("/papers/date/2026-04-07", HTTP_IF_NONE_MATCH=first["ETag"])
    assert other.status_code == 200
    assert other["ETag"] != first["ETag"]


def test_json_is_compressed_for_clients_that_accept_gzip() -> None:
    for n in range(40):
        paper(f"2604.{n + 10:05d}", submitted_at=utc(2026, 4, 7, 1), abstract="words " * 200)
    plain = Client().get("/api/daily_papers", DAY)
    packed = Client().get("/api/daily_papers", DAY, HTTP_ACCEPT_ENCODING="gzip")
    assert packed["Content-Encoding"] == "gzip"
    assert "accept-encoding" in vary(packed)
    assert "cookie" not in vary(packed)
    body = gzip.decompress(packed.content)
    assert json.loads(body) == json.loads(plain.content)
    assert len(packed.content) * 5 < len(plain.content)


def test_cors_preflight_with_authorization_is_answered() -> None:
    response = Client().options(
        "/api/daily_papers",
        HTTP_ORIGIN="https://example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert "authorization" in response["Access-Control-Allow-Headers"].lower()
    # Writes take a bearer token from any origin; cookies are never allowed across.
    assert {"POST", "DELETE"} <= set(response["Access-Control-Allow-Methods"].split(", "))
    assert "Access-Control-Allow-Credentials" not in response
    assert int(response["Access-Control-Max-Age"]) > 0
    assert not response.cookies


@pytest.mark.parametrize("url", ["/api/nothing-here", "/api/papers/2604.99999", "/api/"])
def test_unknown_api_paths_answer_json_404_with_cors(url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "error" in response.json()
    assert response["Access-Control-Allow-Origin"] == "*"


def test_paged_responses_link_the_next_page() -> None:
    three_papers()
    first = Client().get("/api/daily_papers", {**DAY, "limit": "2"})
    assert len(first.json()) == 2
    link = first["Link"]
    assert 'rel="next"' in link
    target = link.split(";")[0].strip("<> ")
    assert target.startswith("http://testserver/api/daily_papers?")
    rest = Client().get(target.removeprefix("http://testserver"))
    assert [e["paper"]["id"] for e in rest.json()] == ["2604.00003"]
    assert "Link" not in rest


@pytest.mark.parametrize(
    "url",
    [
        "/api/daily_papers?limit=",
        "/api/daily_papers?date=2026-04-07&limit=&p=",
        "/api/papers/search?q=paper&limit=",
        "/api/papers/2604.00001/similar?limit=",
    ],
)
def test_an_empty_limit_is_the_default_everywhere(url: str) -> None:
    three_papers()
    response = Client().get(url)
    assert response.status_code == 200, response.content


def test_paged_search_links_the_next_page() -> None:
    for n in range(3):
        paper(f"2604.0000{n + 1}", title=f"Graph networks part {n}", submitted_at=utc(2026, 4, 7))
    first = Client().get("/api/papers/search", {"q": "graph networks", "limit": "2"})
    assert len(first.json()) == 2
    assert 'rel="next"' in first["Link"] and "p=1" in first["Link"]
    last = Client().get("/api/papers/search", {"q": "graph networks", "limit": "2", "p": "1"})
    assert len(last.json()) == 1
    assert "Link" not in last
