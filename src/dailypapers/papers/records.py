"""The normalized shape every source is turned into before it is written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
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

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Records cross a process boundary by the thousand when files are parsed in
        # a worker process; plain tuples pickle several times faster than dataclasses.
        values = [getattr(self, name) for name in _PAPER_FIELDS]
        values[_AUTHORS] = [tuple(a) for a in self.authors]
        org, sub = self.organization, self.submission
        values[_ORGANIZATION] = (org.slug, org.name, org.avatar_url) if org else None
        values[_SUBMISSION] = (
            (sub.submitted_at, sub.submitter_name, sub.submitter_fullname) if sub else None
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
