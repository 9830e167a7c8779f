"""Everything that writes papers, authors and daily-list entries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from dailypapers.community.models import Organization
from dailypapers.core.text import slugify_name
from dailypapers.papers.models import SOURCE_RANKS, Paper, PaperAuthor, Submission
from dailypapers.papers.records import OrganizationRecord, PaperRecord

# Metadata fields a winning record may overwrite (when it has a value for them).
_TEXT_FIELDS = (
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
_VALUE_FIELDS = ("published_at", "updated_at_source", "github_stars", "observed_at")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass
class UpsertResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_ids: list[str] = field(default_factory=list)

    def add(self, other: UpsertResult) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.changed_ids.extend(other.changed_ids)


def _rank(source: str) -> int:
    return SOURCE_RANKS.get(source, 0)


def _record_wins(paper: Paper, record: PaperRecord) -> bool:
    """A record describes the paper at least as well as what is stored.

    Newer versions win; for the same version the more authoritative source wins,
    then the later observation (a daily entry seen on a later day); a tie goes to
    the record. This makes the outcome independent of import order.
    """
    mine = (paper.version or 0, _rank(paper.source), paper.observed_at or _EPOCH)
    theirs = (record.version or 0, _rank(record.source), record.observed_at or _EPOCH)
    return theirs >= mine


def _organizations(records: Sequence[PaperRecord]) -> dict[str, Organization]:
    wanted: dict[str, OrganizationRecord] = {}
    for record in records:
        if record.organization:
            wanted.setdefault(record.organization.slug, record.organization)
    if not wanted:
        return {}
    found = {o.slug: o for o in Organization.objects.filter(slug__in=list(wanted))}
    missing = [
        Organization(slug=r.slug, name=r.name or r.slug, avatar_url=r.avatar_url)
        for slug, r in wanted.items()
        if slug not in found
    ]
    if missing:
        Organization.objects.bulk_create(missing, ignore_conflicts=True)
        found = {o.slug: o for o in Organization.objects.filter(slug__in=list(wanted))}
    return found


def _new_paper(record: PaperRecord, orgs: dict[str, Organization]) -> Paper:
    return Paper(
        arxiv_id=record.arxiv_id,
        version=record.version,
        title=record.title,
        abstract=record.abstract,
        published_at=record.published_at,
        updated_at_source=record.updated_at_source,
        categories=record.categories,
        comments=record.comments,
        journal_ref=record.journal_ref,
        doi=record.doi,
        github_repo=record.github_repo,
        github_stars=record.github_stars,
        project_page=record.project_page,
        ai_summary=record.ai_summary,
        ai_keywords=record.ai_keywords,
        organization=orgs[record.organization.slug] if record.organization else None,
        upvotes_imported=record.upvotes or 0,
        comments_imported=record.num_comments or 0,
        source=record.source,
        observed_at=record.observed_at,
    )


def _merge(paper: Paper, record: PaperRecord, orgs: dict[str, Organization]) -> set[str]:
    """Apply ``record`` to ``paper`` in memory; return the names of changed fields."""
    changed: set[str] = set()

    def put(name: str, value: Any) -> None:
        if getattr(paper, name) != value:
            setattr(paper, name, value)
            changed.add(name)

    if _record_wins(paper, record):
        for name in _TEXT_FIELDS:
            value = getattr(record, name)
            if value:
                put(name, value)
        for name in _VALUE_FIELDS:
            value = getattr(record, name)
            if value is not None:
                put(name, value)
        if record.ai_keywords:
            put("ai_keywords", record.ai_keywords)
        if _rank(record.source) > _rank(paper.source):
            put("source", record.source)
        if record.organization:
            put("organization_id", orgs[record.organization.slug].pk)
    elif record.organization and paper.organization_id is None:
        put("organization_id", orgs[record.organization.slug].pk)
    if record.version and record.version > (paper.version or 0):
        put("version", record.version)
    # Upstream counts only grow; keeping the largest seen makes re-imports of older
    # files harmless.
    if record.upvotes is not None and record.upvotes > paper.upvotes_imported:
        put("upvotes_imported", record.upvotes)
    if record.num_comments is not None and record.num_comments > paper.comments_imported:
        put("comments_imported", record.num_comments)
    return changed


def _author_rows(paper: Paper, record: PaperRecord) -> list[PaperAuthor]:
    return [
        PaperAuthor(
            paper=paper,
            position=i,
            name=a.name[:300],
            slug=slugify_name(a.name),
            hf_user=a.hf_user[:100],
        )
        for i, a in enumerate(record.authors)
    ]


def _submission_changes(sub: Submission, record: PaperRecord) -> bool:
    """Apply a record's daily-list entry to ``sub``; True when something changed.

    A paper can be put on the list again on a later day (the upstream then moves
    it), so among records of equal source rank the latest submission wins, whatever
    order the files are read in.
    """
    incoming = record.submission
    if incoming is None:
        return False
    mine = (_rank(sub.source), sub.submitted_at)
    theirs = (_rank(record.source), incoming.submitted_at)
    if theirs < mine:
        return False
    changed = False
    for name, value in (
        ("submitted_at", incoming.submitted_at),
        ("submitter_name", incoming.submitter_name),
        ("submitter_fullname", incoming.submitter_fullname),
        ("source", record.source),
    ):
        if value and getattr(sub, name) != value:
            setattr(sub, name, value)
            changed = True
    return changed


def upsert_papers(records: Sequence[PaperRecord]) -> UpsertResult:
    """Insert or update a batch of papers in one transaction.

    Idempotent: writing the same records again changes nothing and counts them as
    unchanged. Votes, comments and daily-list entries made here are never touched.
    """
    result = UpsertResult()
    first: dict[str, PaperRecord] = {}
    repeats: list[PaperRecord] = []
    for record in records:
        if record.arxiv_id in first:
            repeats.append(record)
        else:
            first[record.arxiv_id] = record
    with transaction.atomic():
        _upsert_unique(list(first.values()), result)
    if repeats:
        # A later record of the same paper in one batch is applied after the first.
        result.add(upsert_papers(repeats))
    return result


def _upsert_unique(records: list[PaperRecord], result: UpsertResult) -> None:
    orgs = _organizations(records)
    existing = {
        p.arxiv_id: p
        for p in Paper.objects.filter(arxiv_id__in=[r.arxiv_id for r in records]).select_related(
            "submission"
        )
    }
    stored_authors: dict[int, list[tuple[str, str]]] = {}
    if existing:
        for paper_id, name, hf_user in PaperAuthor.objects.filter(
            paper_id__in=[p.pk for p in existing.values()]
        ).values_list("paper_id", "name", "hf_user"):
            stored_authors.setdefault(paper_id, []).append((name, hf_user))

    now = timezone.now()
    new_papers: list[tuple[Paper, PaperRecord]] = []
    changed_papers: list[Paper] = []
    changed_fields: set[str] = set()
    replace_authors: list[tuple[Paper, PaperRecord]] = []
    new_submissions: list[Submission] = []
    changed_submissions: list[Submission] = []

    for record in records:
        paper = existing.get(record.arxiv_id)
        if paper is None:
            new_papers.append((_new_paper(record, orgs), record))
            continue
        fields = _merge(paper, record, orgs)
        authors_differ = (
            bool(record.authors)
            and _record_wins(paper, record)
            and [(a.name[:300], a.hf_user[:100]) for a in record.authors]
            != stored_authors.get(paper.pk, [])
        )
        if authors_differ:
            replace_authors.append((paper, record))
        sub_changed = False
        if record.submission:
            sub = getattr(paper, "submission", None)
            if sub is None:
                new_submissions.append(_new_submission(paper, record))
                sub_changed = True
            elif _submission_changes(sub, record):
                changed_submissions.append(sub)
                sub_changed = True
        if fields:
            paper.modified_at = now
            changed_papers.append(paper)
            changed_fields |= fields
        if fields or authors_differ or sub_changed:
            result.updated += 1
            result.changed_ids.append(paper.arxiv_id)
        else:
            result.unchanged += 1

    if new_papers:
        Paper.objects.bulk_create([p for p, _ in new_papers], batch_size=500)
        result.new += len(new_papers)
        result.changed_ids.extend(p.arxiv_id for p, _ in new_papers)
        new_submissions.extend(_new_submission(p, r) for p, r in new_papers if r.submission)
    if changed_papers:
        Paper.objects.bulk_update(changed_papers, sorted(changed_fields | {"modified_at"}), 500)
    if replace_authors:
        PaperAuthor.objects.filter(paper__in=[p for p, _ in replace_authors]).delete()
    author_rows = [row for p, r in new_papers + replace_authors for row in _author_rows(p, r)]
    if author_rows:
        PaperAuthor.objects.bulk_create(author_rows, batch_size=2000)
    if new_submissions:
        Submission.objects.bulk_create(new_submissions, batch_size=500)
    if changed_submissions:
        Submission.objects.bulk_update(
            changed_submissions,
            ["submitted_at", "submitter_name", "submitter_fullname", "source"],
            batch_size=500,
        )


def _new_submission(paper: Paper, record: PaperRecord) -> Submission:
    assert record.submission is not None
    return Submission(
        paper=paper,
        submitted_at=record.submission.submitted_at,
        submitter_name=record.submission.submitter_name[:100],
        submitter_fullname=record.submission.submitter_fullname[:200],
        source=record.source,
    )
