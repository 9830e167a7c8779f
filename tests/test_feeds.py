"""Feeds of every list: RSS 2.0 and Atom, valid, advertised, cached, with stable ids."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET  # our own output, not untrusted input
from typing import Any

import feedparser
import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http.response import HttpResponseBase
from django.test import Client

from dailypapers.community.services import collections as collection_services
from dailypapers.search import index
from tests.support.factories import paper, utc

pytestmark = pytest.mark.django_db

BASE = "https://hub.example"
ATOM = "{http://www.w3.org/2005/Atom}"

FEEDS = [
    "/papers",
    "/papers/date/2026-04-07",
    "/papers/week/2026-W15",
    "/papers/month/2026-04",
    "/papers/trending",
    "/search?q=diffusion",
    "/orgs/acme",
    "/authors/ada-lovelace",
    "/users/reader/collections/reading-list",
]


@pytest.fixture(autouse=True)
def hub(settings: Any) -> None:
    settings.BASE_URL = BASE
    settings.PAGE_CACHE_SECONDS = 60
    paper(
        "2604.00001",
        title="Diffusion models for protein design",
        abstract="We generate protein backbones with a denoising diffusion model.",
        authors=("Ada Lovelace", "Alan Turing"),
        categories="q-bio.BM cs.LG",
        submitted_at=utc(2026, 4, 7, 9),
        published_at=utc(2026, 4, 6),
        upvotes=40,
        organization="Acme",
    )
    paper(
        "2604.00002",
        title="Scaling laws & <language> models",
        abstract="Loss falls as a power law.\n\nIn parameters and data.",
        authors=("Ada Lovelace",),
        categories="cs.CL",
        submitted_at=utc(2026, 4, 7, 10),
        published_at=utc(2026, 4, 6),
        upvotes=90,
    )
    paper(
        "2604.00003",
        title="Diffusion for images",
        authors=(),
        submitted_at=utc(2026, 4, 8, 9),
        published_at=utc(2026, 4, 7),
        upvotes=3,
        organization="Acme",
    )
    owner = get_user_model().objects.create_user("reader", "reader@example.org", "pw-123456789")
    public = collection_services.create(owner.pk, "Reading list")
    private = collection_services.create(owner.pk, "Secret list", is_public=False)
    from dailypapers.papers.models import Paper

    for p in Paper.objects.all():
        collection_services.add_paper(public, p)
        collection_services.add_paper(private, p)
    index.catch_up()


def feed_url(page: str, fmt: str) -> str:
    path, _, query = page.partition("?")
    return f"{path}/feed.{fmt}" + (f"?{query}" if query else "")


def get(url: str, client: Client | None = None) -> HttpResponseBase:
    return (client or Client()).get(url)


def parsed(url: str) -> Any:
    response = get(url)
    assert response.status_code == 200, (url, response.status_code)
    return feedparser.parse(response.content)  # type: ignore[attr-defined]


def ids(url: str) -> list[str]:
    return [e.id for e in parsed(url).entries]


@pytest.mark.parametrize("fmt", ["rss", "atom"])
@pytest.mark.parametrize("page", FEEDS)
def test_every_list_has_a_valid_feed(page: str, fmt: str) -> None:
    response = get(feed_url(page, fmt))
    assert response.status_code == 200
    expected = "application/rss+xml" if fmt == "rss" else "application/atom+xml"
    assert response["Content-Type"].startswith(expected)
    feed = feedparser.parse(response.content)  # type: ignore[attr-defined]
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == ("rss20" if fmt == "rss" else "atom10")
    assert feed.feed.title and feed.feed.link.startswith(BASE + "/")
    assert feed.entries, page
    for entry in feed.entries:
        assert entry.title
        assert entry.link == entry.id
        assert entry.id.startswith(f"{BASE}/papers/2604.")
        assert entry.published_parsed is not None


def test_items_carry_the_paper() -> None:
    feed = parsed("/papers/date/2026-04-07/feed.atom")
    first, second = feed.entries
    # The day's order: most upvoted first.
    assert first.title == "Scaling laws & <language> models"
    assert "Loss falls as a power law." in first.summary
    assert first.author == "Ada Lovelace"
    assert second.author == "Ada Lovelace, Alan Turing"
    assert [t.term for t in second.tags] == ["q-bio.BM", "cs.LG"]
    assert feed.feed.link == f"{BASE}/papers/date/2026-04-07"


def test_the_lists_hold_what_their_pages_hold() -> None:
    def arxiv_ids(url: str) -> set[str]:
        return {i.rsplit("/", 1)[1] for i in ids(url)}

    assert arxiv_ids("/papers/feed.rss") == {"2604.00003"}
    assert arxiv_ids("/papers/date/2026-04-07/feed.rss") == {"2604.00001", "2604.00002"}
    assert arxiv_ids("/papers/month/2026-04/feed.rss") == {"2604.00001", "2604.00002", "2604.00003"}
    assert arxiv_ids("/search/feed.rss?q=diffusion") == {"2604.00001", "2604.00003"}
    assert arxiv_ids("/orgs/acme/feed.rss") == {"2604.00001", "2604.00003"}
    assert arxiv_ids("/authors/ada-lovelace/feed.rss") == {"2604.00001", "2604.00002"}


def _check_atom(body: bytes) -> None:
    """The structure RFC 4287 requires of a feed and its entries (section 4.1)."""
    root = ET.fromstring(body)  # noqa: S314
    assert root.tag == f"{ATOM}feed"

    def one(parent: ET.Element, name: str) -> ET.Element:
        found = parent.findall(f"{ATOM}{name}")
        assert len(found) == 1, (name, len(found))
        return found[0]

    def date(element: ET.Element) -> None:
        text = element.text or ""
        assert dt.datetime.fromisoformat(text).tzinfo is not None, text

    for name in ("id", "title", "updated"):
        one(root, name)
    date(one(root, "updated"))
    self_links = [e for e in root.findall(f"{ATOM}link") if e.get("rel") == "self"]
    assert len(self_links) == 1
    feed_has_author = bool(root.findall(f"{ATOM}author"))
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            one(entry, name)
        date(one(entry, "updated"))
        assert one(entry, "id").text, "an entry id is an IRI"
        alternates = [e for e in entry.findall(f"{ATOM}link") if e.get("rel") == "alternate"]
        assert len(alternates) == 1
        assert feed_has_author or entry.findall(f"{ATOM}author")
        for author in entry.findall(f"{ATOM}author"):
            one(author, "name")


@pytest.mark.parametrize("page", FEEDS)
def test_atom_feeds_follow_rfc_4287(page: str) -> None:
    response = get(feed_url(page, "atom"))
    _check_atom(response.content)  # type: ignore[attr-defined]


def test_rss_has_the_required_channel_elements() -> None:
    root = ET.fromstring(get("/papers/trending/feed.rss").content)  # type: ignore[attr-defined]  # noqa: S314
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    for name in ("title", "link", "description"):
        assert channel.findtext(name)
    for item in channel.findall("item"):
        guid = item.find("guid")
        assert guid is not None and guid.get("isPermaLink", "true") == "true"
        assert guid.text == item.findtext("link")


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_polling_twice_shows_no_item_twice(fmt: str) -> None:
    url = f"/papers/month/2026-04/feed.{fmt}"
    first = ids(url)
    assert len(first) == len(set(first)) == 3
    # New papers, changed votes and titles: the ids of the papers already seen stay.
    paper("2604.00009", submitted_at=utc(2026, 4, 9, 9), upvotes=500)
    paper(
        "2604.00001",
        title="Diffusion models for protein design (v2)",
        upvotes=41,
        submitted_at=utc(2026, 4, 7, 9),
        organization="Acme",
    )
    cache.clear()
    second = ids(url)
    assert len(second) == len(set(second)) == 4
    assert set(first) < set(second)
    assert set(second) - set(first) == {f"{BASE}/papers/2604.00009"}


def test_a_private_collection_has_no_feed_even_for_its_owner() -> None:
    url = "/users/reader/collections/secret-list/feed.rss"
    assert get(url).status_code == 404
    owner = Client()
    owner.login(username="reader", password="pw-123456789")
    assert get(url, owner).status_code == 404
    assert get("/users/reader/collections/secret-list", owner).status_code == 200


def test_missing_lists_are_404() -> None:
    for url in (
        "/orgs/nobody/feed.rss",
        "/authors/nobody/feed.atom",
        "/users/nobody/collections/x/feed.rss",
        "/papers/date/2026-02-31/feed.rss",
    ):
        assert get(url).status_code == 404, url


def test_a_search_feed_refuses_bad_parameters() -> None:
    response = get("/search/feed.rss?q=x&sort=sideways")
    assert response.status_code == 400
    assert b"sort must be" in response.content  # type: ignore[attr-defined]
    assert get("/search/feed.rss").status_code == 400


def test_feeds_are_cached_and_public() -> None:
    url = "/papers/month/2026-04/feed.rss"
    response = get(url)
    assert "public" in response["Cache-Control"]
    assert response["Access-Control-Allow-Origin"] == "*"
    again = get(url)  # from the cache: still public, so never a cookie
    assert again.content == response.content  # type: ignore[attr-defined]
    assert "public" in again["Cache-Control"]
    assert not response.cookies and not again.cookies
    paper("2604.00010", submitted_at=utc(2026, 4, 9, 9))
    assert f"{BASE}/papers/2604.00010" not in ids(url)  # the cached copy
    cache.clear()
    assert f"{BASE}/papers/2604.00010" in ids(url)


def test_feeds_answer_get_and_head_only() -> None:
    assert Client().head("/papers/feed.rss").status_code == 200
    assert Client().post("/papers/feed.rss").status_code == 405


@pytest.mark.parametrize("page", FEEDS)
def test_pages_advertise_their_feeds(page: str) -> None:
    html = get(page).content.decode()  # type: ignore[attr-defined]
    for fmt, kind in (("rss", "application/rss+xml"), ("atom", "application/atom+xml")):
        href = feed_url(page, fmt).replace("&", "&amp;")
        assert f'type="{kind}"' in html
        assert f'href="{href}"' in html, (page, href)
        assert parsed(feed_url(page, fmt)).entries


def test_a_private_collection_page_advertises_no_feed() -> None:
    owner = Client()
    owner.login(username="reader", password="pw-123456789")
    html = get("/users/reader/collections/secret-list", owner).content.decode()  # type: ignore[attr-defined]
    assert "application/rss+xml" not in html


SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_robots_txt_points_at_the_sitemap() -> None:
    response = get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()  # type: ignore[attr-defined]
    assert text.startswith("User-agent: *\n")
    assert f"Sitemap: {BASE}/sitemap.xml" in text
    assert "Disallow: /admin/" in text and "Disallow: /settings" in text


def test_the_sitemap_lists_every_day_and_paper_by_month() -> None:
    paper("2501.00001", published_at=utc(2025, 1, 2))  # on no daily list
    index_root = ET.fromstring(get("/sitemap.xml").content)  # type: ignore[attr-defined]  # noqa: S314
    assert index_root.tag == f"{SITEMAP}sitemapindex"
    months = [e.text for e in index_root.iter(f"{SITEMAP}loc")]
    assert months == [f"{BASE}/sitemap-2025-01.xml", f"{BASE}/sitemap-2026-04.xml"]
    pages: list[str] = []
    for month in months:
        assert month is not None
        response = get(month.removeprefix(BASE))
        assert response["Content-Type"].startswith("application/xml")
        root = ET.fromstring(response.content)  # type: ignore[attr-defined]  # noqa: S314
        assert root.tag == f"{SITEMAP}urlset"
        pages += [str(e.text) for e in root.iter(f"{SITEMAP}loc")]
    assert pages == [
        f"{BASE}/papers/2501.00001",
        f"{BASE}/papers/date/2026-04-07",
        f"{BASE}/papers/date/2026-04-08",
        f"{BASE}/papers/2604.00001",
        f"{BASE}/papers/2604.00002",
        f"{BASE}/papers/2604.00003",
    ]
    for page in pages:
        assert get(page.removeprefix(BASE)).status_code == 200, page


def test_a_month_sitemap_of_a_bad_month_is_404() -> None:
    assert get("/sitemap-2026-13.xml").status_code == 404
    empty = ET.fromstring(get("/sitemap-1999-01.xml").content)  # type: ignore[attr-defined]  # noqa: S314
    assert list(empty) == []
