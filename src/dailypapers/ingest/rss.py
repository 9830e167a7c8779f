"""The arXiv announcement feed (``rss.arxiv.org/rss/<archives>``), RSS 2.0.

Each item is one paper announced today: ``new``, ``cross`` (listed in another
archive), ``replace`` (a new version) or ``replace-cross``. The item's guid
carries the version; the description is ``arXiv:ID Announce Type: T \\nAbstract: ...``.
A bad archive name answers with a feed whose title starts with "Feed error".
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field

from dailypapers.core import arxiv_ids, links
from dailypapers.core.text import clean
from dailypapers.ingest import sources, xmlsafe
from dailypapers.ingest.formats import Item, Problem
from dailypapers.ingest.http import PoliteClient
from dailypapers.papers.records import AuthorRecord, PaperRecord

SOURCE = "arxiv-rss"
ARXIV = "{http://arxiv.org/schemas/atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")


class FeedError(ValueError):
    """The feed is an error feed or not an RSS feed at all."""


@dataclass
class Announcement:
    request: str
    published: dt.datetime | None = None
    items: list[Item] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    not_modified: bool = False


def _abstract(description: str) -> str:
    _, marker, rest = description.partition("Abstract:")
    return clean(rest if marker else "")


def _item(
    item: ET.Element, location: str, announced: dt.datetime | None
) -> tuple[str, PaperRecord]:
    guid = xmlsafe.text(item.find("guid")).strip()
    link = xmlsafe.text(item.find("link")).strip()
    ident = arxiv_ids.find(guid) or arxiv_ids.find(link)
    if ident is None:
        raise sources.BadRecord(f"no arXiv id in guid {guid[:60]!r} or link {link[:60]!r}")
    description = xmlsafe.text(item.find("description"))
    kind = clean(xmlsafe.text(item.find(f"{ARXIV}announce_type"))).lower()
    if not kind:
        _, _, after = description.partition("Announce Type:")
        kind = (after.split() or [""])[0].lower()
    if kind not in ANNOUNCE_TYPES:
        raise sources.BadRecord(f"unknown announce type {kind[:30]!r}")
    abstract = _abstract(description)
    creators = clean(xmlsafe.text(item.find(f"{DC}creator"))).replace(" and ", ", ")
    categories = [clean(xmlsafe.text(c)) for c in item.findall("category")]
    code, project = links.extract(abstract)
    record = PaperRecord(
        arxiv_id=ident.id,
        version=ident.version,
        title=sources.require_title(xmlsafe.text(item.find("title"))),
        abstract=abstract,
        source=SOURCE,
        location=location,
        authors=[
            AuthorRecord(n.strip()[: sources.MAX_NAME])
            for n in creators.split(",")[: sources.MAX_AUTHORS]
            if n.strip()
        ],
        # Only a new paper was first published on the day it is announced.
        published_at=announced if kind == "new" and ident.version in (None, 1) else None,
        categories=" ".join(dict.fromkeys(c for c in categories if c))[:300],
        github_repo=code,
        project_page=project,
        observed_at=announced,
    )
    return kind, record


def parse_feed(body: bytes, request: str) -> Announcement:
    """Records of one feed; FeedError for an error feed or a body that is not RSS."""
    try:
        root = xmlsafe.parse(body)
    except xmlsafe.XmlError as exc:
        raise FeedError(str(exc)) from None
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise FeedError(f"not an RSS feed (root element {xmlsafe.local(root.tag)!r})")
    title = clean(xmlsafe.text(channel.find("title")))
    if title.lower().startswith("feed error"):
        reason = clean(xmlsafe.text(channel.find("description")))
        raise FeedError(f"{title}: {reason[:300]}")
    result = Announcement(request)
    try:
        result.published = sources.rfc2822_date(
            clean(xmlsafe.text(channel.find("pubDate"))), "pubDate"
        )
    except sources.BadRecord as exc:
        result.items.append(Problem(request, str(exc)))
    for number, item in enumerate(channel.findall("item"), start=1):
        location = f"{request} item {number}"
        try:
            kind, record = _item(item, location, result.published)
        except sources.BadRecord as exc:
            result.items.append(Problem(location, str(exc)))
            continue
        result.kinds[kind] += 1
        result.items.append(record)
    return result


def fetch(client: PoliteClient, base_url: str, archives: list[str]) -> Announcement:
    """Today's announcements for ``archives`` (``cs``, ``cs.CL``, ``math``...)."""
    url = f"{base_url.rstrip('/')}/{'+'.join(archives)}"
    response = client.get(url, conditional=True, accept="application/rss+xml")
    if response.not_modified:
        return Announcement(url, not_modified=True)
    if not response.ok:
        raise FeedError(f"{url}: HTTP {response.status}")
    try:
        return parse_feed(response.body, url)
    except FeedError as exc:
        raise FeedError(f"{url}: {exc}") from None
