"""Database rows for a new paper, built straight from its record.

A first import spends as much CPU on turning records into query parameters (dates
as text, JSON, author slugs) as the database spends storing them, so this is one
flat function per record and no model instances. Nothing here needs Django or a
connection: the writer (``papers.services``) says which dialect its database takes.

A ``Packed`` paper is a plain tuple: the new-paper row, the organization, and the
author and submission rows without their paper id (known only when it is written).
Giving a parsing process this work as well was measured: shipping the rows cost the
importer as much to unpickle as it saved, so records are packed where they are
written.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from typing import Any

from dailypapers.core.text import slugify_name
from dailypapers.papers.records import PaperRecord, fit

# Metadata fields a winning record overwrites and a losing one only fills in.
TEXT_FIELDS = (
    "title",
    "abstract",
    "categories",
    "comments",
    "journal_ref",
    "doi",
    "github_repo",
    "project_page",
    "ai_summary",
)
# Columns of a new paper row, in order; ``organization_id`` follows them, added by
# the writer once it knows the organization's id. ``papers.columns`` checks them
# against the model.
NEW_PAPER_COLUMNS = (
    "arxiv_id",
    "version",
    *TEXT_FIELDS,
    "github_stars",
    "upvotes_imported",
    "comments_imported",
    "source",
    "published_at",
    "updated_at_source",
    "observed_at",
    "ai_keywords",
    "hf_extra",
)
# Author and submission rows; ``paper_id`` comes first, added by the writer.
AUTHOR_COLUMNS = ("position", "name", "slug", "hf_user")
SUBMISSION_COLUMNS = (
    "submitted_at",
    "submitter_name",
    "submitter_fullname",
    "source",
    "hf_extra",
)

# How each database takes a date and a JSON value as a parameter. "sqlite" stores
# naive UTC text (what Django writes for a UTC connection); "postgresql" takes
# aware datetimes and JSON text (its bulk insert is COPY, which parses text).
DIALECTS = ("sqlite", "postgresql")

Converter = Callable[[Any], Any]
Organization = tuple[str, str, str]  # slug, name, avatar URL
AuthorRow = tuple[int, str, str, str]
Packed = tuple[
    str,  # arxiv_id
    tuple[Any, ...],  # the new-paper row
    Organization | None,
    tuple[AuthorRow, ...],
    tuple[Any, ...] | None,  # the submission row
]

# Author names repeat across papers (and a slug is needed for every author row).
slug = functools.lru_cache(maxsize=1 << 16)(slugify_name)


def _sqlite_time(value: dt.datetime) -> str:
    if value.tzinfo is dt.UTC:  # what every reader makes: text, less its "+00:00"
        return str(value)[:-6]
    if value.tzinfo is not None:
        if value.utcoffset():
            value = value.astimezone(dt.UTC)
        value = value.replace(tzinfo=None)
    return str(value)


def _as_is(value: Any) -> Any:
    return value


def _json_text(value: Any) -> str:
    return json.dumps(value)


def converters(dialect: str) -> tuple[Converter, Converter]:
    """(date, JSON) converters of a dialect in ``DIALECTS``."""
    if dialect == "sqlite":
        return _sqlite_time, _json_text
    if dialect == "postgresql":
        return _as_is, _json_text
    raise ValueError(f"unknown dialect {dialect!r}")


def pack(record: PaperRecord, when: Converter, as_json: Converter) -> Packed:
    """The rows of ``record``, with dates and JSON made parameters by ``when``, ``as_json``.

    Text longer than its limit is cut first (``records.fit``; readers have reported it).
    """
    fit(record)
    r = record
    org = r.organization
    sub = r.submission
    row = (
        r.arxiv_id,
        r.version,
        r.title,
        r.abstract,
        r.categories,
        r.comments,
        r.journal_ref,
        r.doi,
        r.github_repo,
        r.project_page,
        r.ai_summary,
        r.github_stars,
        r.upvotes or 0,
        r.num_comments or 0,
        r.source,
        None if r.published_at is None else when(r.published_at),
        None if r.updated_at_source is None else when(r.updated_at_source),
        None if r.observed_at is None else when(r.observed_at),
        as_json(r.ai_keywords or []),
        as_json(r.hf_extra or {}),
    )
    authors = tuple(
        (position, name[:300], slug(name), hf_user[:100])
        for position, (name, hf_user) in enumerate(r.authors)
    )
    submission = (
        (
            when(sub.submitted_at),
            sub.submitter_name[:100],
            sub.submitter_fullname[:200],
            r.source,
            as_json(sub.hf_extra or {}),
        )
        if sub is not None
        else None
    )
    return (
        r.arxiv_id,
        row,
        (org.slug, org.name, org.avatar_url) if org else None,
        authors,
        submission,
    )
