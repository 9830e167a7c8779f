"""The normalized shape every source is turned into before it is written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields, replace
from typing import Any, NamedTuple


class AuthorRecord(NamedTuple):
    """One author; a tuple because papers carry a dozen of them and they are built,
    pickled and compared by the hundred thousand in an import."""

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
    # The upstream entry's fields kept as sent (``Submission.hf_extra``).
    hf_extra: dict[str, Any] = field(default_factory=dict)


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
    # Hugging Face fields kept as the upstream sent them (``Paper.hf_extra``).
    hf_extra: dict[str, Any] = field(default_factory=dict)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Records cross a process boundary by the thousand when files are parsed in
        # a worker process; plain tuples pickle several times faster than dataclasses.
        values = [getattr(self, name) for name in _PAPER_FIELDS]
        values[_AUTHORS] = [tuple(a) for a in self.authors]
        org, sub = self.organization, self.submission
        values[_ORGANIZATION] = (org.slug, org.name, org.avatar_url) if org else None
        values[_SUBMISSION] = (
            (sub.submitted_at, sub.submitter_name, sub.submitter_fullname, sub.hf_extra)
            if sub
            else None
        )
        return _rebuild, (tuple(values),)


_PAPER_FIELDS = tuple(f.name for f in fields(PaperRecord))
_AUTHORS = _PAPER_FIELDS.index("authors")
_ORGANIZATION = _PAPER_FIELDS.index("organization")
_SUBMISSION = _PAPER_FIELDS.index("submission")


# What AuthorRecord._make does, without its checks: the tuples come from __reduce__.
_new_tuple = tuple.__new__


def _rebuild(values: tuple[Any, ...]) -> PaperRecord:
    kwargs = dict(zip(_PAPER_FIELDS, values, strict=True))
    kwargs["authors"] = [_new_tuple(AuthorRecord, author) for author in values[_AUTHORS]]
    org, sub = values[_ORGANIZATION], values[_SUBMISSION]
    kwargs["organization"] = OrganizationRecord(*org) if org else None
    kwargs["submission"] = SubmissionRecord(*sub) if sub else None
    return PaperRecord(**kwargs)


# -- how long stored text may be ---------------------------------------------------------

# The longest text stored for each field, in characters. Real records stay far below:
# the longest in the reference data (3,400 daily-list and scraped papers, 400 snapshot
# rows) are abstract 1,920 (arXiv's own limit), AI summary 1,319, comments 340,
# journal ref 175, title 167, keyword 64 and author name 55 characters. A longer
# value is cut to its limit and reported; an identifier or URL would be broken by a
# cut, so it is dropped and reported instead.
TEXT_LIMITS = {
    "title": 1_000,
    "abstract": 20_000,
    "comments": 5_000,
    "journal_ref": 1_000,
    "ai_summary": 5_000,
    "categories": 300,
    "keyword": 100,
    "author": 300,
    "hf_user": 100,
    "organization": 200,
    "submitter": 100,
    "submitter_fullname": 200,
}
DROP_LIMITS = {"doi": 200, "github_repo": 500, "project_page": 1_000, "avatar_url": 500}
_CUT_FIELDS = ("title", "abstract", "comments", "journal_ref", "ai_summary", "categories")


def fit(record: PaperRecord) -> list[str]:
    """Cut ``record``'s text to ``TEXT_LIMITS`` in place; what was cut, for a report.

    Idempotent, and cheap when nothing is too long, so every writer can call it.
    """
    notes: list[str] = []
    for name in _CUT_FIELDS:
        value: str = getattr(record, name)
        limit = TEXT_LIMITS[name]
        if len(value) > limit:
            setattr(record, name, value[:limit])
            notes.append(f"{name} cut from {len(value):,} to {limit:,} characters")
    for name, limit in DROP_LIMITS.items():
        if name != "avatar_url" and len(getattr(record, name)) > limit:
            notes.append(f"{name} dropped (longer than {limit:,} characters)")
            setattr(record, name, "")
    _fit_authors(record, notes)
    limit = TEXT_LIMITS["keyword"]
    long_words = sum(len(k) > limit for k in record.ai_keywords)
    if long_words:
        record.ai_keywords = [k[:limit] for k in record.ai_keywords]
        notes.append(f"{long_words} ai keywords cut to {limit} characters")
    _fit_organization(record, notes)
    _fit_submission(record, notes)
    return notes


def _fit_authors(record: PaperRecord, notes: list[str]) -> None:
    name_limit, user_limit = TEXT_LIMITS["author"], TEXT_LIMITS["hf_user"]
    if all(len(a.name) <= name_limit and len(a.hf_user) <= user_limit for a in record.authors):
        return
    names = sum(len(a.name) > name_limit for a in record.authors)
    users = sum(len(a.hf_user) > user_limit for a in record.authors)
    record.authors = [
        AuthorRecord(a.name[:name_limit], a.hf_user[:user_limit]) for a in record.authors
    ]
    if names:
        notes.append(f"{names} author names cut to {name_limit} characters")
    if users:
        notes.append(f"{users} author user names cut to {user_limit} characters")


def _fit_organization(record: PaperRecord, notes: list[str]) -> None:
    org = record.organization
    if org is None:
        return
    limit, url_limit = TEXT_LIMITS["organization"], DROP_LIMITS["avatar_url"]
    if len(org.name) > limit:
        notes.append(f"organization name cut to {limit} characters")
        org = replace(org, name=org.name[:limit])
    if len(org.slug) > 100:
        org = replace(org, slug=org.slug[:100])
    if len(org.avatar_url) > url_limit:
        notes.append(f"organization avatar dropped (longer than {url_limit} characters)")
        org = replace(org, avatar_url="")
    record.organization = org


def _fit_submission(record: PaperRecord, notes: list[str]) -> None:
    sub = record.submission
    if sub is None:
        return
    name_limit, full_limit = TEXT_LIMITS["submitter"], TEXT_LIMITS["submitter_fullname"]
    if len(sub.submitter_name) > name_limit or len(sub.submitter_fullname) > full_limit:
        notes.append("submitter name cut")
        record.submission = replace(
            sub,
            submitter_name=sub.submitter_name[:name_limit],
            submitter_fullname=sub.submitter_fullname[:full_limit],
        )
