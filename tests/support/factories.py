"""Small builders for test data, written through the same service the importer uses."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from dailypapers.papers.models import Paper
from dailypapers.papers.records import (
    AuthorRecord,
    OrganizationRecord,
    PaperRecord,
    SubmissionRecord,
)
from dailypapers.papers.services import upsert_papers

_counter = itertools.count(1)


def record(
    arxiv_id: str | None = None,
    *,
    title: str | None = None,
    submitted_at: dt.datetime | None = None,
    upvotes: int = 0,
    authors: tuple[str, ...] = ("Ada Lovelace", "Alan Turing"),
    organization: str | None = None,
    source: str = "hf-daily",
    **fields: object,
) -> PaperRecord:
    n = next(_counter)
    arxiv_id = arxiv_id or f"2604.{n:05d}"
    return PaperRecord(
        arxiv_id=arxiv_id,
        title=title or f"Paper number {n}",
        source=source,
        location=f"test:{n}",
        abstract=fields.pop("abstract", f"Abstract of paper {n}."),  # type: ignore[arg-type]
        authors=[AuthorRecord(a) for a in authors],
        upvotes=upvotes,
        organization=OrganizationRecord(organization.lower(), organization)
        if organization
        else None,
        submission=SubmissionRecord(submitted_at, "submitter", "Sub Mitter")
        if submitted_at
        else None,
        observed_at=submitted_at,
        **fields,  # type: ignore[arg-type]
    )


def paper(arxiv_id: str | None = None, **kwargs: object) -> Paper:
    rec = record(arxiv_id, **kwargs)  # type: ignore[arg-type]
    upsert_papers([rec])
    return Paper.objects.get(arxiv_id=rec.arxiv_id)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, us, tzinfo=dt.UTC)


def hf_entry(arxiv_id: str = "2604.00001", **paper: Any) -> dict[str, Any]:
    """A daily-papers entry in the 2026 shape, small enough to read in a test."""
    body: dict[str, Any] = {
        "id": arxiv_id,
        "authors": [
            {"_id": "a1", "name": "Ada Lovelace", "hidden": False, "user": {"user": "ada"}},
            {"_id": "a2", "name": "Alan  Turing", "hidden": False},
        ],
        "publishedAt": "2026-04-06T00:00:00.000Z",
        "submittedOnDailyAt": "2026-04-07T02:36:53.761Z",
        "submittedOnDailyBy": {"user": "taesiri", "fullname": "taesiri"},
        "title": f"A title for {arxiv_id}",
        "summary": "An abstract.",
        "upvotes": 7,
    }
    body.update(paper)
    return {"paper": body, "publishedAt": "2026-04-05T20:00:00.000Z", "numComments": 2}
