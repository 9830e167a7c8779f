"""Feed routes: each list page's address plus ``/feed.rss`` or ``/feed.atom``.

Included before the papers app's routes, whose ``papers/<path:ref>`` would take
``/papers/date/<day>/feed.rss`` for a paper id.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path, register_converter

from dailypapers.feeds import crawl, views


class FeedFormat:
    regex = "rss|atom"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FeedFormat, "feedformat")

_FEED = "feed.<feedformat:fmt>"

urlpatterns: list[URLPattern | URLResolver] = [
    path(f"papers/{_FEED}", views.daily_latest, name="feed-daily"),
    path(f"papers/trending/{_FEED}", views.trending, name="feed-trending"),
    path(f"papers/date/<str:value>/{_FEED}", views.daily_date, name="feed-daily-date"),
    path(f"papers/week/<str:value>/{_FEED}", views.daily_week, name="feed-daily-week"),
    path(f"papers/month/<str:value>/{_FEED}", views.daily_month, name="feed-daily-month"),
    path(f"search/{_FEED}", views.search, name="feed-search"),
    path(f"orgs/<str:slug>/{_FEED}", views.organization, name="feed-org"),
    path(f"authors/<str:slug>/{_FEED}", views.author, name="feed-author"),
    path(
        f"users/<str:username>/collections/<slug:slug>/{_FEED}",
        views.collection,
        name="feed-collection",
    ),
    path("robots.txt", crawl.robots, name="robots"),
    path("sitemap.xml", crawl.sitemap_index, name="sitemap"),
    path("sitemap-<str:value>.xml", crawl.sitemap_month, name="sitemap-month"),
]
