"""arXiv OAI-PMH: incremental harvesting with ``ListRecords``.

Both of arXiv's own metadata formats are read: ``arXivRaw`` (a version list with
RFC 2822 dates, authors as one string) and ``arXiv`` (structured authors, no
versions). A header with ``status="deleted"`` names a paper arXiv no longer
serves; it is reported as withdrawn, never as a record to drop.

OAI errors come back as HTTP 200 bodies with ``<error code=...>``;
``noRecordsMatch`` only means "nothing in this range" and ends a harvest cleanly.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field

from dailypapers.core import arxiv_ids, links
from dailypapers.core.text import clean
from dailypapers.ingest import sources, xmlsafe
from dailypapers.ingest.formats import Item, Problem
from dailypapers.ingest.http import PoliteClient
from dailypapers.papers.records import AuthorRecord, PaperRecord

SOURCE = "arxiv-oai"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
RAW = "{http://arxiv.org/OAI/arXivRaw/}"
ARXIV = "{http://arxiv.org/OAI/arXiv/}"
PREFIXES = ("arXivRaw", "arXiv")
# Codes that mean the harvest cannot go on; anything but noRecordsMatch.
NO_RECORDS = "noRecordsMatch"


class OaiError(ValueError):
    """The response is an OAI error (other than noRecordsMatch) or not OAI-PMH at all."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}" if code else message)
        self.code = code


@dataclass
class OaiPage:
    request: str
    items: list[Item] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    token: str = ""
    complete_size: int | None = None


def _child_text(parent: ET.Element, ns: str, name: str) -> str:
    return clean(xmlsafe.text(parent.find(f"{ns}{name}")))


def _raw_record(meta: ET.Element, location: str) -> PaperRecord:
    ident = sources.require_id(_child_text(meta, RAW, "id"))
    versions = []
    for element in meta.findall(f"{RAW}version"):
        label = element.get("version", "").lower().removeprefix("v")
        number = sources.whole_number(label, sources.MAX_VERSION)
        if number:
            when = sources.rfc2822_date(_child_text(element, RAW, "date"), "version date")
            versions.append((number, when))
    versions.sort(key=lambda pair: pair[0])
    abstract = _child_text(meta, RAW, "abstract")
    comments = _child_text(meta, RAW, "comments")
    names = _child_text(meta, RAW, "authors").replace(" and ", ", ")
    code, project = links.extract(abstract, comments)
    return PaperRecord(
        arxiv_id=ident.id,
        version=versions[-1][0] if versions else ident.version,
        title=sources.require_title(_child_text(meta, RAW, "title")),
        abstract=abstract,
        source=SOURCE,
        location=location,
        authors=[
            AuthorRecord(n.strip()[: sources.MAX_NAME])
            for n in names.split(",")[: sources.MAX_AUTHORS]
            if n.strip()
        ],
        published_at=versions[0][1] if versions else None,
        updated_at_source=versions[-1][1] if versions else None,
        categories=_child_text(meta, RAW, "categories")[:300],
        comments=comments,
        journal_ref=_child_text(meta, RAW, "journal-ref"),
        doi=_child_text(meta, RAW, "doi")[:200],
        github_repo=code,
        project_page=project,
        observed_at=versions[-1][1] if versions else None,
    )


def _arxiv_record(meta: ET.Element, location: str) -> PaperRecord:
    ident = sources.require_id(_child_text(meta, ARXIV, "id"))
    authors = []
    for author in meta.iter(f"{ARXIV}author"):
        parts = [
            _child_text(author, ARXIV, "forenames"),
            _child_text(author, ARXIV, "keyname"),
            _child_text(author, ARXIV, "suffix"),
        ]
        name = " ".join(p for p in parts if p)
        if name:
            authors.append(AuthorRecord(name[: sources.MAX_NAME]))
    abstract = _child_text(meta, ARXIV, "abstract")
    comments = _child_text(meta, ARXIV, "comments")
    created = sources.day_date(_child_text(meta, ARXIV, "created"), "created")
    updated = sources.day_date(_child_text(meta, ARXIV, "updated"), "updated")
    code, project = links.extract(abstract, comments)
    return PaperRecord(
        arxiv_id=ident.id,
        version=ident.version,
        title=sources.require_title(_child_text(meta, ARXIV, "title")),
        abstract=abstract,
        source=SOURCE,
        location=location,
        authors=authors[: sources.MAX_AUTHORS],
        published_at=created,
        updated_at_source=updated or created,
        categories=_child_text(meta, ARXIV, "categories")[:300],
        comments=comments,
        journal_ref=_child_text(meta, ARXIV, "journal-ref"),
        doi=_child_text(meta, ARXIV, "doi")[:200],
        github_repo=code,
        project_page=project,
        observed_at=updated or created,
    )


def _record(record: ET.Element, location: str, page: OaiPage) -> None:
    header = record.find(f"{OAI}header")
    if header is None:
        page.items.append(Problem(location, "record without a header"))
        return
    identifier = _child_text(header, OAI, "identifier")
    location = f"{location} {identifier}" if identifier else location
    if header.get("status") == "deleted":
        ident = arxiv_ids.find(identifier)
        if ident is None:
            page.items.append(Problem(location, "deleted record without an arXiv id"))
        else:
            page.deleted.append(ident.id)
        return
    metadata = record.find(f"{OAI}metadata")
    meta = next(iter(metadata), None) if metadata is not None else None
    try:
        if meta is not None and meta.tag == f"{RAW}arXivRaw":
            page.items.append(_raw_record(meta, location))
        elif meta is not None and meta.tag == f"{ARXIV}arXiv":
            page.items.append(_arxiv_record(meta, location))
        else:
            shown = xmlsafe.local(meta.tag) if meta is not None else "nothing"
            page.items.append(Problem(location, f"unsupported metadata ({shown})"))
    except sources.BadRecord as exc:
        page.items.append(Problem(location, str(exc)))


def parse_page(body: bytes, request: str) -> OaiPage:
    """One ListRecords (or GetRecord) response. OaiError for errors other than noRecordsMatch."""
    try:
        root = xmlsafe.parse(body)
    except xmlsafe.XmlError as exc:
        raise OaiError("", str(exc)) from None
    if root.tag != f"{OAI}OAI-PMH":
        raise OaiError("", f"not an OAI-PMH response (root {xmlsafe.local(root.tag)!r})")
    page = OaiPage(request)
    errors = root.findall(f"{OAI}error")
    codes = [e.get("code", "") for e in errors]
    if errors and all(code == NO_RECORDS for code in codes):
        return page
    if errors:
        first = next(e for e in errors if e.get("code") != NO_RECORDS)
        raise OaiError(first.get("code", ""), clean(xmlsafe.text(first)))
    container = root.find(f"{OAI}ListRecords")
    if container is None:
        container = root.find(f"{OAI}GetRecord")
    if container is None:
        raise OaiError("", "neither ListRecords nor GetRecord in the response")
    for number, record in enumerate(container.findall(f"{OAI}record"), start=1):
        _record(record, f"{request} record {number}", page)
    token = container.find(f"{OAI}resumptionToken")
    if token is not None:
        page.token = (token.text or "").strip()
        page.complete_size = sources.whole_number(
            token.get("completeListSize", ""), sources.MAX_COUNT
        )
    return page


def list_records(
    client: PoliteClient,
    base_url: str,
    *,
    metadata_prefix: str = "arXivRaw",
    set_spec: str = "",
    since: str = "",
    until: str = "",
    token: str = "",
) -> Iterator[OaiPage]:
    """Pages of a harvest, following resumption tokens; starts from ``token`` if given."""
    while True:
        if token:
            params: dict[str, str | int] = {"verb": "ListRecords", "resumptionToken": token}
        else:
            params = {"verb": "ListRecords", "metadataPrefix": metadata_prefix}
            if set_spec:
                params["set"] = set_spec
            if since:
                params["from"] = since
            if until:
                params["until"] = until
        response = client.get(base_url, params, accept="text/xml")
        if not response.ok:
            raise OaiError("", f"{response.url}: HTTP {response.status}")
        try:
            page = parse_page(response.body, response.url)
        except OaiError as exc:
            raise OaiError(exc.code, f"{response.url}: {exc}") from None
        yield page
        if not page.token:
            return
        token = page.token
