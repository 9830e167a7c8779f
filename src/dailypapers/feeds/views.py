"""Feed views: Django's syndication framework over ``lists``. Thin: parse, read, write.

Every feed is cached whole like the pages (for ``PAGE_CACHE_SECONDS``), public to any
cache and readable from any origin. It never depends on who asks: a private
collection has no feed, not even for its owner.

``Last-Modified`` is when the feed's content last changed, as this hub saw it: not its
newest item's date, which a paper joining the list with an older date (an earlier
arXiv version, an earlier time on the day) leaves as it was, so that a reader sending
only ``If-Modified-Since`` would never get it. The ``ETag`` is the body's digest
(``ConditionalGetMiddleware``); either gets a reader with the current copy a 304.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.http import http_date
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
# How long the moment a feed last changed is remembered. Forgotten (or evicted), the
# next change is dated when the feed is next made: later than it was, never earlier,
# so a reader may fetch a copy it had, but never misses one.
CHANGED_KEPT = 30 * 86_400


def changed_at(address: str, body: bytes) -> int:
    """When the feed at ``address`` last changed to ``body`` (seconds since the epoch)."""
    key = "feed-changed:" + hashlib.sha256(address.encode()).hexdigest()
    digest = hashlib.sha256(body).hexdigest()
    seen = cache.get(key)
    if isinstance(seen, tuple) and len(seen) == 2 and seen[0] == digest:
        return int(seen[1])
    now = int(timezone.now().timestamp())
    # A second change within the second it was last dated still gets a later date.
    moment = max(now, int(seen[1]) + 1) if isinstance(seen, tuple) and len(seen) == 2 else now
    cache.set(key, (digest, moment), CHANGED_KEPT)
    return moment


def _dated(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            moment = changed_at(request.get_full_path(), response.content)
            response["Last-Modified"] = http_date(moment)
        return response

    return wrapped


def feed_view(view: View) -> View:
    """GET and HEAD; cached whole like the pages, public, readable from any origin."""
    dated = _dated(view)

    @require_safe
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        ttl = settings.PAGE_CACHE_SECONDS
        inner = dated if ttl <= 0 else cache_page(ttl, key_prefix="feed")(dated)
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
