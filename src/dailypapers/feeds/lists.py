"""What each feed lists, read through the same queries as the page it mirrors.

A feed is a ``FeedList``: a title, the page it mirrors and its newest papers as
``FeedItem`` values. Builders return None when the page itself would be a 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone
from django.utils.http import urlencode

from dailypapers.community.queries import authors as author_queries
from dailypapers.community.queries import collections as collection_queries
from dailypapers.community.queries import orgs as org_queries
from dailypapers.core import periods
from dailypapers.papers import queries
from dailypapers.papers.models import Paper, Submission
from dailypapers.search import search as run_search
from dailypapers.search.params import SearchParams

# Items per feed: a daily list is sent whole (the API's largest page), others their newest.
DAILY_ITEMS = 100
ITEMS = 50
# Authors named in an item; the rest are "et al.".
AUTHORS_NAMED = 10
_SEGMENT = {"day": "date", "week": "week", "month": "month"}


@dataclass(frozen=True)
class FeedItem:
    arxiv_id: str
    title: str
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    # When the paper joined this list (daily-list time, collection time) or, for lists
    # without such a time, when it appeared on arXiv. Never changes for an item.
    listed_at: dt.datetime

    @property
    def url(self) -> str:
        return f"{settings.BASE_URL}/papers/{self.arxiv_id}"

    @property
    def author_line(self) -> str:
        named = ", ".join(self.authors[:AUTHORS_NAMED])
        return f"{named}, et al." if len(self.authors) > AUTHORS_NAMED else named


@dataclass(frozen=True)
class FeedList:
    title: str
    description: str
    page_path: str  # the page this feed mirrors, from the site root
    items: list[FeedItem] = field(default_factory=list)

    @property
    def page_url(self) -> str:
        return settings.BASE_URL + self.page_path


def _item(paper: Paper, listed_at: dt.datetime | None, authors: Iterable[str]) -> FeedItem:
    return FeedItem(
        arxiv_id=paper.arxiv_id,
        title=paper.title,
        abstract=paper.abstract,
        authors=tuple(authors),
        categories=tuple(paper.category_list),
        listed_at=listed_at or paper.published_at or paper.created_at,
    )


def _from_submissions(entries: Iterable[Submission]) -> list[FeedItem]:
    return [
        _item(s.paper, s.submitted_at, (a.name for a in s.paper.authors.all())) for s in entries
    ]


def _from_papers(papers: Iterable[Paper]) -> list[FeedItem]:
    # Organization and author lists prefetch the first authors only (``first_authors``).
    return [
        _item(p, None, (a.name for a in getattr(p, "first_authors", None) or p.authors.all()))
        for p in papers
    ]


def _site(title: str) -> str:
    return f"{title} · {settings.SITE_NAME}"


def period_path(period: periods.Period) -> str:
    return f"/papers/{_SEGMENT[period.kind]}/{period.key}"


def daily(period: periods.Period, *, latest: bool = False) -> FeedList:
    page = queries.daily_list(period, limit=DAILY_ITEMS, with_authors=True)
    if latest:
        return FeedList(
            _site("Daily papers"),
            "The papers of the newest daily list, most upvoted first.",
            "/papers",
            _from_submissions(page.items),
        )
    return FeedList(
        _site(f"Daily papers: {period.label}"),
        f"The papers of the daily list for {period.label}, most upvoted first.",
        period_path(period),
        _from_submissions(page.items),
    )


def latest_daily() -> FeedList:
    latest = queries.latest_day()
    if latest is None:
        return FeedList(_site("Daily papers"), "The papers of the newest daily list.", "/papers")
    return daily(periods.day(latest), latest=True)


def trending() -> FeedList:
    page = queries.trending(timezone.now(), limit=ITEMS, with_authors=True)
    return FeedList(
        _site("Trending papers"),
        f"The papers rising fastest over the last {settings.TRENDING_WINDOW_DAYS} days.",
        "/papers/trending",
        _from_submissions(page.items),
    )


def search(wanted: SearchParams, query_string: dict[str, str]) -> FeedList:
    """The newest matches of a search, however the page sorts them: a feed shows news."""
    result = run_search(wanted.q, filters=wanted.filters, sort=wanted.sort, limit=ITEMS)
    if result.redirect:
        found = queries.paper(result.redirect)
        papers = [found] if found is not None else []
    else:
        papers = [hit.paper for hit in result.hits]
    shown = wanted.q.strip() or "filtered papers"
    return FeedList(
        _site(f"Search: {shown[:100]}"),
        f"Papers matching the search {shown[:250]!r}.",
        "/search?" + urlencode(query_string),
        _from_papers(papers),
    )


def organization(slug: str) -> FeedList | None:
    page = org_queries.org_page(slug, limit=ITEMS)
    if page is None:
        return None
    return FeedList(
        _site(page.org.name),
        f"Papers from {page.org.name}, newest first.",
        f"/orgs/{quote(page.org.slug)}",
        _from_papers(page.papers.items),
    )


def author(slug: str) -> FeedList | None:
    page = author_queries.author_page(slug, limit=ITEMS)
    if page is None:
        return None
    return FeedList(
        _site(page.name),
        f"Papers by {page.name}, newest first.",
        f"/authors/{quote(page.slug)}",
        _from_papers(page.papers.items),
    )


def collection(username: str, slug: str) -> FeedList | None:
    """A public collection's newest additions; a private one has no feed, even for its
    owner (feed readers are not signed in, and a feed address gets shared)."""
    found = collection_queries.find(username, slug, viewer=None)
    if found is None:
        return None
    page = collection_queries.items(found, offset=0, limit=ITEMS)
    owner = found.owner.get_username()
    return FeedList(
        _site(f"{found.name} ({owner})"),
        found.description or f"Papers collected by {owner}, newest additions first.",
        f"/users/{quote(owner)}/collections/{quote(found.slug)}",
        [
            _item(row.paper, row.added_at, (a.name for a in row.paper.authors.all()))
            for row in page.items
        ],
    )
