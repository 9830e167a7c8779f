"""Conditional requests and compression on feeds, pages and the API: a client that has
the current copy gets a 304, one that has an old copy gets the new one, text is
gzipped for clients that accept it, and public responses set no cookie."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from django.test import Client
from django.utils.http import http_date

from dailypapers.ingest.pipeline import run_import
from tests.support.factories import paper, utc
from tests.support.shared import SHARED_DATA

pytestmark = pytest.mark.django_db

FEEDS = [
    "/papers/feed.rss",
    "/papers/date/2026-04-07/feed.atom",
    "/papers/month/2026-04/feed.rss",
    "/papers/trending/feed.atom",
    "/orgs/acme/feed.rss",
    "/authors/ada-lovelace/feed.atom",
]


@pytest.fixture(autouse=True)
def listed(settings: Any) -> None:
    settings.TIME_ZONE = "UTC"
    paper(
        "2604.00001",
        title="Diffusion for proteins",
        authors=("Ada Lovelace",),
        organization="Acme",
        published_at=utc(2026, 4, 6),
        submitted_at=utc(2026, 4, 7, 9),
    )


def vary(response: Any) -> set[str]:
    return {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}


@pytest.mark.parametrize("url", FEEDS)
def test_a_feed_reader_with_the_current_copy_gets_304(url: str) -> None:
    first = Client().get(url)
    assert first.status_code == 200
    assert first.has_header("ETag") and first.has_header("Last-Modified")
    by_tag = Client().get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert by_tag.status_code == 304 and by_tag.content == b""
    assert by_tag["ETag"] == first["ETag"]
    by_date = Client().get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert by_date.status_code == 304
    assert not first.cookies and not by_tag.cookies and not by_date.cookies


@pytest.mark.parametrize("url", [f for f in FEEDS if "trending" not in f])
def test_a_feed_reader_with_an_old_copy_gets_the_new_one(url: str, settings: Any) -> None:
    """Last-Modified is when the feed last changed, not its newest item's date: a paper
    that joins a list with an older date (an earlier arXiv version, an earlier time on
    the day) must still reach a reader that sends only If-Modified-Since."""
    settings.PAGE_CACHE_SECONDS = 0
    first = Client().get(url)
    unchanged = Client().get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert unchanged.status_code == 304  # regenerated, the same: still not modified
    paper(
        "2604.00002",
        title="An older preprint",
        authors=("Ada Lovelace",),
        organization="Acme",
        published_at=utc(2025, 1, 1),
        submitted_at=utc(2026, 4, 7, 8),
        upvotes=50,
    )
    later = http_date(utc(2026, 12, 31).timestamp())
    changed = Client().get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert changed.status_code == 200
    assert b"An older preprint" in changed.content
    assert changed["ETag"] != first["ETag"]
    assert Client().get(url, HTTP_IF_MODIFIED_SINCE=later).status_code == 304


@pytest.mark.parametrize("url", FEEDS[:2])
def test_feeds_are_gzipped_and_vary_on_encoding_only(url: str) -> None:
    plain = Client().get(url)
    packed = Client().get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert vary(packed) == {"accept-encoding"}
    assert "public" in packed["Cache-Control"]
    # The compressed copy's tag is the plain one's, weakened: either validates.
    assert packed["ETag"] in (plain["ETag"], f"W/{plain['ETag']}")
    again = Client().get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=packed["ETag"])
    assert again.status_code == 304


@pytest.mark.parametrize(
    "url", ["/papers/2604.00001", "/papers/date/2026-04-07", "/papers/2604.00001.md"]
)
def test_pages_are_gzipped_and_validated(url: str) -> None:
    visitor = Client()
    first = visitor.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert first.status_code == 200
    assert first["Content-Encoding"] == "gzip"
    assert "accept-encoding" in vary(first)
    again = visitor.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_compressed_pages_are_the_page_with_random_padding() -> None:
    """The hub's gzip (core.compress, cheaper than Django's level) keeps Django's
    guard against BREACH: a random-length file name in every compressed body."""
    plain = Client().get("/papers/date/2026-04-07")
    packed = [
        Client().get("/papers/date/2026-04-07", HTTP_ACCEPT_ENCODING="gzip") for _ in range(8)
    ]
    assert all(p["Content-Encoding"] == "gzip" for p in packed)
    # The same page but for the visitor's CSRF token.
    bodies = [gzip.decompress(p.content) for p in packed]
    assert {len(b) for b in bodies} == {len(plain.content)}
    assert all(p.content[3] & gzip.FNAME for p in packed)
    assert len({len(p.content) for p in packed}) > 1
    assert all(int(p["Content-Length"]) == len(p.content) for p in packed)


@pytest.mark.parametrize("url", ["/papers/2604.00001.md", "/robots.txt", "/sitemap.xml"])
def test_public_text_sets_no_cookie(url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 200
    assert not response.cookies
    assert "cookie" not in vary(response)


MONTH = "/api/daily_papers?month=2026-04&limit=100"


def test_a_month_of_json_is_compressed_to_a_fraction(settings: Any) -> None:
    """The recorded upstream days of April 2026, served as one page of the month and
    compressed; the sizes are in docs/hf-compatibility.md."""
    days = sorted((SHARED_DATA / "hf-daily-papers/api-2026-03_2026-08").glob("2026-04-*.json"))
    assert run_import(days).problems == []
    plain = Client().get(MONTH)
    packed = Client().get(MONTH, HTTP_ACCEPT_ENCODING="gzip")
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert len(json.loads(plain.content)) == 100
    ratio = len(packed.content) / len(plain.content)
    print(f"month page: {len(plain.content):,} bytes, gzip {len(packed.content):,} ({ratio:.1%})")
    assert ratio < 0.3
    again = Client().get(MONTH, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=packed["ETag"])
    assert again.status_code == 304 and again.content == b""
