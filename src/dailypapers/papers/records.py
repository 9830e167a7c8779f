"""The normalized shape every source is turned into before it is written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class AuthorRecord:
    name: str
    hf_user: str = ""


@dataclass(frozen=True)
class OrganizationRecord:
    slug: str
    name: str
    avatar_url: str = ""


@dataclass(frozen=True)
class SubmissionRecord:
    submitted_at: dt.datetime
    submitter_name: str = ""
    submitter_fullname: str = ""


@dataclass
class PaperRecord:
    """One paper as read from a source. Empty/None fields mean "the source does not say"."""

    arxiv_id: str
    title: str
    source: str
    location: str  # file:line or file:entry, for messages
    version: int | None = None
    abstract: str = ""
    authors: list[AuthorRecord] = field(default_factory=list)
    published_at: dt.datetime | None = None
    updated_at_source: dt.datetime | None = None
    categories: str = ""
    comments: str = ""
    journal_ref: str = ""
    doi: str = ""
    github_repo: str = ""
    github_stars: int | None = None
    project_page: str = ""
    ai_summary: str = ""
    ai_keywords: list[str] = field(default_factory=list)
    upvotes: int | None = None
    num_comments: int | None = None
    organization: OrganizationRecord | None = None
    submission: SubmissionRecord | None = None
    # When the source saw the paper like this; breaks ties between records of equal
    # version and source.
    observed_at: dt.datetime | None = None
