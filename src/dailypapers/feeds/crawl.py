"""``/robots.txt`` and ``/sitemap.xml`` (an index of one sitemap per month).

Addresses are absolute, from ``BASE_URL``. Cached like the feeds.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from dailypapers.core import periods
from dailypapers.core.web import not_found
from dailypapers.feeds import queries
from dailypapers.feeds.views import feed_view

_XML = "application/xml; charset=utf-8"
_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
# Pages that are per visitor, forms, or too costly to crawl (every search is a page).
_DISALLOWED = (
    "/admin/",
    "/api/",
    "/login",
    "/signup",
    "/settings",
    "/moderation",
    "/search",
    "/collections/",
    "/digest/",
    "/authors/claims",
)


@feed_view
def robots(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *", "Allow: /api/docs"]
    lines += [f"Disallow: {path}" for path in _DISALLOWED]
    lines += ["", f"Sitemap: {settings.BASE_URL}/sitemap.xml", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def _urlset(tag: str, locations: list[str]) -> HttpResponse:
    inner = "".join(f"<{tag}><loc>{escape(loc)}</loc></{tag}>\n" for loc in locations)
    root = "sitemapindex" if tag == "sitemap" else "urlset"
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} {_NS}>\n{inner}</{root}>\n'
    return HttpResponse(body, content_type=_XML)


@feed_view
def sitemap_index(request: HttpRequest) -> HttpResponse:
    base = settings.BASE_URL
    return _urlset("sitemap", [f"{base}/sitemap-{m.key}.xml" for m in queries.months()])


@feed_view
def sitemap_month(request: HttpRequest, value: str) -> HttpResponse:
    try:
        period = periods.parse("month", value)
    except ValueError as exc:
        return not_found(request, message=f"{exc}.")
    days, papers = queries.month_pages(period)
    base = settings.BASE_URL
    locations = [f"{base}/papers/date/{periods.day(d).key}" for d in days]
    locations += [f"{base}/papers/{arxiv_id}" for arxiv_id in papers]
    return _urlset("url", locations[: queries.MAX_URLS])
