"""Feed views: Django's syndication framework over ``lists``. Thin: parse, read, write.

Every feed is cached whole like the pages (for ``PAGE_CACHE_SECONDS``), public to any
cache and readable from any origin. It never depends on who asks: a private
collection has no feed, not even for its owner.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.views.decorators.cache import cache_page
from django.views.decorators.http import require_safe

from dailypapers.core import periods
from dailypapers.core.web import not_found
from dailypapers.feeds import lists
from dailypapers.feeds.lists import FeedItem, FeedList
from dailypapers.search import params as search_params

FORMATS: dict[str, type[SyndicationFeed]] = {"rss": Rss201rev2Feed, "atom": Atom1Feed}
# The search page's own parameters; anything else in a feed's query string is dropped.
SEARCH_KEYS = ("q", "sort", "from", "to", "cat", "org", "list", "code")


class PaperFeed(Feed[FeedItem, FeedList]):
    """One list of papers as RSS 2.0 or Atom 1.0 (chosen per request)."""

    def __init__(self, listing: FeedList, fmt: str) -> None:
        super().__init__()
        self.listing = listing
        self.feed_type = FORMATS[fmt]
        self.fmt = fmt

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FeedList:
        self.feed_path = request.get_full_path()
        return self.listing

    def title(self, obj: FeedList) -> str:
        return obj.title

    def link(self, obj: FeedList) -> str:
        return obj.page_url

    def description(self, obj: FeedList) -> str:
        return obj.description

    def subtitle(self, obj: FeedList) -> str:
        return obj.description

    def feed_url(self, obj: FeedList) -> str:
        return settings.BASE_URL + self.feed_path

    def feed_guid(self, obj: FeedList) -> str:
        return settings.BASE_URL + self.feed_path

    def author_name(self, obj: FeedList) -> str:
        # Atom wants an author for the feed when an entry may have none.
        return str(settings.SITE_NAME)

    def items(self, obj: FeedList) -> list[FeedItem]:
        return obj.items

    def item_title(self, item: FeedItem) -> str:
        return item.title

    def item_description(self, item: FeedItem) -> str:
        return item.abstract

    def item_link(self, item: FeedItem) -> str:
        return item.url

    def item_guid(self, item: FeedItem) -> str:
        # The paper's address: the same in every poll and every feed of this hub.
        return item.url

    def item_guid_is_permalink(self, item: FeedItem) -> bool:
        return True

    def item_author_name(self, item: FeedItem) -> str | None:
        return item.author_line or None

    def item_categories(self, item: FeedItem) -> tuple[str, ...]:
        return item.categories

    def item_pubdate(self, item: FeedItem) -> dt.datetime:
        return item.listed_at

    def item_updateddate(self, item: FeedItem) -> dt.datetime:
        return item.listed_at


View = Callable[..., HttpResponse]


def feed_view(view: View) -> View:
    """GET and HEAD; cached whole like the pages, public, readable from any origin."""

    @require_safe
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        ttl = settings.PAGE_CACHE_SECONDS
        inner = view if ttl <= 0 else cache_page(ttl, key_prefix="feed")(view)
        response = inner(request, *args, **kwargs)
        if response.status_code == 200:
            patch_cache_control(response, public=True)
            response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapped


def _send(request: HttpRequest, listing: FeedList | None, fmt: str, missing: str) -> HttpResponse:
    if listing is None:
        return not_found(request, message=missing)
    return PaperFeed(listing, fmt)(request)


@feed_view
def daily_latest(request: HttpRequest, fmt: str) -> HttpResponse:
    return _send(request, lists.latest_daily(), fmt, "")


def _period_feed(kind: periods.Kind) -> View:
    @feed_view
    def view(request: HttpRequest, value: str, fmt: str) -> HttpResponse:
        try:
            period = periods.parse(kind, value)
        except ValueError as exc:
            return not_found(request, message=f"{exc}.")
        return _send(request, lists.daily(period), fmt, "")

    view.__name__ = f"daily_{kind}_feed"
    return view


daily_date = _period_feed("day")
daily_week = _period_feed("week")
daily_month = _period_feed("month")


@feed_view
def trending(request: HttpRequest, fmt: str) -> HttpResponse:
    return _send(request, lists.trending(), fmt, "")


@feed_view
def search(request: HttpRequest, fmt: str) -> HttpResponse:
    try:
        wanted = search_params.parse(request.GET, strict=True)
    except search_params.ParamError as exc:
        return HttpResponse(f"{exc}\n", status=400, content_type="text/plain; charset=utf-8")
    if not wanted.q.strip() and not wanted.filters.any:
        message = "q is required: the words to search for\n"
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    kept = {key: request.GET[key] for key in SEARCH_KEYS if request.GET.get(key)}
    return _send(request, lists.search(wanted, kept), fmt, "")


@feed_view
def organization(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    missing = f"No organization {slug[:100]} on this hub."
    return _send(request, lists.organization(slug), fmt, missing)


@feed_view
def author(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    return _send(request, lists.author(slug), fmt, f"No author {slug[:100]} on this hub.")


@feed_view
def collection(request: HttpRequest, username: str, slug: str, fmt: str) -> HttpResponse:
    return _send(request, lists.collection(username, slug), fmt, "No such collection on this hub.")
