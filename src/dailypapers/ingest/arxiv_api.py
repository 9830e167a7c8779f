"""The arXiv API (``export.arxiv.org/api/query``): Atom feeds of papers.

Parses both the 2016 shape (namespaces declared on each element) and the 2026
one (all on the root); the parser works on namespaced tags, so either is the same
tree. An error comes back as one entry whose id points at ``/api/errors`` (with
HTTP 400 on the new backend); it is reported as a problem, not a paper.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from dailypapers.core import links
from dailypapers.core.text import clean
from dailypapers.ingest import sources, xmlsafe
from dailypapers.ingest.formats import Item, Problem
from dailypapers.ingest.http import PoliteClient, Response
from dailypapers.papers.records import AuthorRecord, PaperRecord

SOURCE = "arxiv-api"
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
# arXiv's own advice: at most 2000 results per request, 30000 per query.
MAX_PAGE = 2000
MAX_QUERY = 30_000


class ArxivApiError(ValueError):
    """The response as a whole is unusable (not a feed, an error entry, a bad status).

    ``status`` is the HTTP status it came with (0 when unknown) and ``entries`` the
    error entries arXiv put in the feed: an id arXiv does not accept comes back as an
    error entry, with 400 today and with 200 in older responses.
    """

    def __init__(self, message: str, status: int = 0, entries: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.entries = entries


@dataclass
class FeedPage:
    """One response: its records and problems, and where it sits in the result list."""

    request: str
    total: int = 0
    start: int = 0
    items: list[Item] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _int(element: ET.Element | None, default: int) -> int:
    number = sources.whole_number(xmlsafe.text(element), sources.MAX_COUNT)
    return default if number is None else number


def _entry(entry: ET.Element, location: str) -> PaperRecord:
    ident = sources.require_id(xmlsafe.text(entry.find(f"{ATOM}id")).strip())
    title = sources.require_title(xmlsafe.text(entry.find(f"{ATOM}title")))
    abstract = clean(xmlsafe.text(entry.find(f"{ATOM}summary")))
    comments = clean(xmlsafe.text(entry.find(f"{ARXIV}comment")))
    authors = [
        AuthorRecord(name[: sources.MAX_NAME])
        for name in (
            clean(xmlsafe.text(a.find(f"{ATOM}name"))) for a in entry.findall(f"{ATOM}author")
        )
        if name
    ][: sources.MAX_AUTHORS]
    primary = entry.find(f"{ARXIV}primary_category")
    terms = [primary.get("term", "")] if primary is not None else []
    terms += [c.get("term", "") for c in entry.findall(f"{ATOM}category")]
    categories = " ".join(dict.fromkeys(t for t in map(clean, terms) if t))
    published = sources.iso_date(xmlsafe.text(entry.find(f"{ATOM}published")).strip(), "published")
    updated = sources.iso_date(xmlsafe.text(entry.find(f"{ATOM}updated")).strip(), "updated")
    code, project = links.extract(abstract, comments)
    return PaperRecord(
        arxiv_id=ident.id,
        version=ident.version,
        title=title,
        abstract=abstract,
        source=SOURCE,
        location=location,
        authors=authors,
        published_at=published,
        updated_at_source=updated,
        categories=categories[:300],
        comments=comments,
        journal_ref=clean(xmlsafe.text(entry.find(f"{ARXIV}journal_ref"))),
        doi=clean(xmlsafe.text(entry.find(f"{ARXIV}doi")))[:200],
        github_repo=code,
        project_page=project,
        observed_at=updated or published,
    )


def parse_feed(body: bytes, request: str) -> FeedPage:
    """Records of one Atom response; ArxivApiError when it holds none by design."""
    try:
        root = xmlsafe.parse(body)
    except xmlsafe.XmlError as exc:
        raise ArxivApiError(str(exc)) from None
    if root.tag != f"{ATOM}feed":
        raise ArxivApiError(f"not an Atom feed (root element {xmlsafe.local(root.tag)!r})")
    page = FeedPage(
        request,
        total=_int(root.find(f"{OPENSEARCH}totalResults"), 0),
        start=_int(root.find(f"{OPENSEARCH}startIndex"), 0),
    )
    for number, entry in enumerate(root.findall(f"{ATOM}entry"), start=1):
        entry_id = xmlsafe.text(entry.find(f"{ATOM}id"))
        if "/api/errors" in entry_id:
            page.errors.append(clean(xmlsafe.text(entry.find(f"{ATOM}summary"))) or entry_id)
            continue
        location = f"{request} entry {number}"
        try:
            page.items.append(_entry(entry, location))
        except sources.BadRecord as exc:
            page.items.append(Problem(location, str(exc)))
    return page


def _page(client: PoliteClient, base_url: str, params: dict[str, str | int]) -> FeedPage:
    response: Response = client.get(base_url, params, accept="application/atom+xml")
    try:
        page = parse_feed(response.body, response.url)
    except ArxivApiError as exc:
        raise ArxivApiError(
            f"{response.url}: HTTP {response.status}: {exc}", response.status
        ) from None
    if page.errors:
        raise ArxivApiError(
            f"{response.url}: HTTP {response.status}: {'; '.join(page.errors)}",
            response.status,
            tuple(page.errors),
        )
    if not response.ok:
        raise ArxivApiError(f"{response.url}: HTTP {response.status}", response.status)
    return page


def fetch_ids(
    client: PoliteClient, base_url: str, ids: Sequence[str], *, page_size: int = 100
) -> Iterator[FeedPage]:
    """Pages of the papers with these ids (versioned or not, old or new style)."""
    wanted = [i.strip() for i in ids if i.strip()]
    for start in range(0, len(wanted), page_size):
        chunk = wanted[start : start + page_size]
        yield _page(
            client,
            base_url,
            {
                "search_query": "",
                "id_list": ",".join(chunk),
                "sortBy": "relevance",
                "sortOrder": "descending",
                "start": 0,
                "max_results": page_size,
            },
        )


def search(
    client: PoliteClient,
    base_url: str,
    query: str,
    *,
    page_size: int = 100,
    limit: int = 1000,
    start: int = 0,
    sort_by: str = "relevance",
    sort_order: str = "descending",
) -> Iterator[FeedPage]:
    """Pages of a search, from ``start``, until ``limit`` results or the end of the list."""
    page_size = max(1, min(page_size, MAX_PAGE))
    end = min(start + limit, MAX_QUERY)
    while start < end:
        page = _page(
            client,
            base_url,
            {
                "search_query": query,
                "id_list": "",
                "sortBy": sort_by,
                "sortOrder": sort_order,
                "start": start,
                "max_results": min(page_size, end - start),
            },
        )
        yield page
        # An empty page before the reported end happens when arXiv's index is
        # briefly behind; stopping is safer than asking again and again.
        if not page.items or start + page_size >= page.total:
            return
        start += page_size
