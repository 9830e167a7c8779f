"""The markup that shows the hub's images: a card's thumbnail, an organization's
badge, a paper's media. Every address is the hub's own (``papers/media_views.py``)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.utils.safestring import SafeString

from dailypapers.core.markup import format_html
from dailypapers.papers import media
from dailypapers.papers.models import Organization, Paper

_VIDEO_ENDINGS = (".mp4", ".webm", ".mov", ".qt", ".m4v")


def card_thumbnail(paper: Paper) -> SafeString:
    """The card's picture: the fetched thumbnail or, until then, the paper's cover."""
    return format_html(
        '<a class="thumb" href="/papers/{id}" tabindex="-1" aria-hidden="true">'
        '<img src="/media/thumbnail/{id}" alt="" width="160" height="90" loading="lazy" '
        'decoding="async"></a>',
        id=paper.arxiv_id,
    )


def org_logo(org: Organization, css: str = "org-logo") -> SafeString:
    """The organization's avatar as the hub serves it (its initials until fetched)."""
    return format_html(
        '<img class="{}" src="/media/avatar/org/{}" alt="" width="32" height="32" '
        'loading="lazy" decoding="async">',
        css,
        quote(org.slug),
    )


def user_avatar(name: str) -> SafeString:
    """A submitter's avatar as the hub serves it (initials until fetched)."""
    return format_html(
        '<img class="user-avatar" src="/media/avatar/user/{}" alt="" width="20" height="20" '
        'loading="lazy" decoding="async">',
        quote(name, safe=""),
    )


@dataclass(frozen=True)
class MediaItem:
    url: str  # the upstream's address, for the link out
    local: str  # the hub's address when fetched, else ""
    video: bool
    name: str  # the file's name, for the link's text
    host: str


def paper_media(paper: Paper) -> list[MediaItem]:
    """The paper's media: the hub's copy when fetched, else the upstream's address."""
    urls = media.paper_media_urls(paper)
    have = media.stored(urls)
    items = []
    for url in urls:
        row = have.get(url)
        split = urlsplit(url)
        if row is not None:
            video = row.content_type.startswith("video/")
        else:
            video = split.path.lower().endswith(_VIDEO_ENDINGS)
        items.append(
            MediaItem(
                url=url,
                local=f"/media/file/{row.key}" if row is not None else "",
                video=video,
                name=posixpath.basename(split.path) or split.netloc,
                host=split.netloc,
            )
        )
    return items
