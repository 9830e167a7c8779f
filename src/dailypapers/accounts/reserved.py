"""Names no account may take: the hub's own top-level addresses.

/<username> is a short link to a profile, so a user called "papers" or "settings"
would compete with a page. The names are read from the URL configuration (every
first path segment that is not a variable), so a page added later is reserved
without editing a list here; a few more are reserved for files and pages a hub
commonly grows.
"""

from __future__ import annotations

import functools
import re

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

_EXTRA = frozenset(
    {
        "about",
        "account",
        "accounts",
        "favicon.ico",
        "feed",
        "feeds",
        "help",
        "media",
        "robots.txt",
        "rss",
        "security.txt",
        "sitemap.xml",
        "static",
        "user",
        "users",
        "well-known",
        ".well-known",
    }
)
_LITERAL_RE = re.compile(r"^[^<]+")


def _first_segments(patterns: list[URLPattern | URLResolver]) -> set[str]:
    found: set[str] = set()
    for entry in patterns:
        route = str(entry.pattern).lstrip("^")
        literal = _LITERAL_RE.match(route)
        if literal:
            segment = literal.group(0).split("/", 1)[0]
            # Regex routes and a route ending in a variable ("<x>.bib") leave no clean name.
            if (
                segment
                and "<" not in route.split("/", 1)[0]
                and not set(segment) & set("\\$()[]?*+")
            ):
                found.add(segment.lower())
        elif route == "" and isinstance(entry, URLResolver):
            found |= _first_segments(entry.url_patterns)
    return found


@functools.cache
def _from_urls(urlconf: str) -> frozenset[str]:
    return frozenset(_first_segments(get_resolver(urlconf).url_patterns))


def names() -> frozenset[str]:
    static = str(settings.STATIC_URL or "").strip("/").split("/", 1)[0].lower()
    return _from_urls(settings.ROOT_URLCONF) | _EXTRA | ({static} if static else set())


def is_reserved(username: str) -> bool:
    return username.strip().lower() in names()
