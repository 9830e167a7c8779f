"""Everything that reads papers for a page, an endpoint or the terminal.

Each function runs a fixed number of queries, however many papers it returns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from dailypapers.core import periods
from dailypapers.core.prepared import (
    SAMPLE_END,
    SAMPLE_ID,
    SAMPLE_NAME,
    SAMPLE_START,
    Prepared,
    owned_rows,
    prefetched,
)
from dailypapers.core.web import Page
from dailypapers.papers import trending as trending_formula
from dailypapers.papers.models import (
    LinkedRepo,
    Paper,
    PaperAuthor,
    PaperRepos,
    RepoKind,
    Submission,
    SubmissionQuerySet,
    Upvote,
)

# Each entry's number of authors. Built once: an expression is copied, never changed,
# by each query that uses it, and building the subquery's query anew cost a list
# page a tenth of its ORM time.
AUTHORS_COUNT = Coalesce(
    Subquery(
        PaperAuthor.objects.filter(paper=OuterRef("paper_id"))
        .order_by()
        .values("paper")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    ),
    Value(0),
)


# What a card never shows, left out of the lists that make cards: the upstream's raw
# JSON (decoding it was a third of a list's query time), bookkeeping dates, what only
# the paper page shows and what only the organization's page shows (each column
# costs its share of reading and converting every row). A card (or the For-you
# ranking, which reads categories, title and abstract) that starts showing one of
# these must drop it from here, or it costs a query a card (tests/test_pages.py
# counts them).
NOT_ON_CARDS = (
    "hf_extra",
    "created_at",
    "source",
    "paper__hf_extra",
    "paper__ai_keywords",
    "paper__observed_at",
    "paper__created_at",
    "paper__modified_at",
    "paper__version",
    "paper__updated_at_source",
    "paper__comments",
    "paper__journal_ref",
    "paper__doi",
    "paper__project_page",
    "paper__discussion_locked",
    "paper__source",
    "paper__withdrawn",
    "paper__organization__avatar_url",
    "paper__organization__description",
    "paper__organization__requested_email_domains",
    "paper__organization__verified_email_domains",
    "paper__organization__created_by",
    "paper__organization__created_at",
)


def card_entries(with_authors: bool = False) -> QuerySet[Submission]:
    """Visible daily-list entries with everything a card shows, in one query.

    With ``with_authors`` (the API, feeds, digests), every field of the paper and its
    authors; without, only what cards show (``NOT_ON_CARDS`` is left out).
    """
    # A copy of the query built once: building it anew (the join, the annotations,
    # the deferred fields) cost a list page a sixth of its ORM time.
    return _card_entries(with_authors).all()


@cache
def _card_entries(with_authors: bool) -> QuerySet[Submission]:
    qs = (
        Submission.objects.visible()
        .select_related("paper", "paper__organization")
        .with_votes()
        .annotate(num_authors=AUTHORS_COUNT)
    )
    if with_authors:
        return qs.prefetch_related("paper__authors")
    return qs.defer(*NOT_ON_CARDS)


# The order of a daily list (also of ``api.listing``'s merged lists).
DAILY_ORDER = (
    F("votes").desc(),
    F("paper__published_at").desc(nulls_last=True),
    "-submitted_at",
    "paper__arxiv_id",
)


def daily_list(
    period: periods.Period,
    *,
    offset: int = 0,
    limit: int = 100,
    submitter: str | None = None,
    with_authors: bool = False,
) -> Page[Submission]:
    """A day's, week's or month's papers: most upvoted first, ties as the upstream
    orders them: the paper newer on arXiv first, then the later submission."""
    start, end = period.bounds()
    values = (start, end, submitter) if submitter else (start, end)
    items = _daily_query(with_authors, bool(submitter), offset, limit)(*values)
    if with_authors:
        attach_authors([s.paper for s in items])

    def count() -> int:
        # Without the joins and annotations of the cards: the same rows, half the cost.
        return _period_entries(start, end, submitter or None).count()

    return Page(items, _total(count, items, offset, limit), offset, limit)


@lru_cache(maxsize=64)
def _daily_query(
    with_authors: bool, by_submitter: bool, offset: int, limit: int
) -> Prepared[Submission]:
    """The list query of one shape (the page's place is part of its SQL)."""

    def build(start: dt.datetime, end: dt.datetime, submitter: str = "") -> QuerySet[Submission]:
        entries = _period_entries(start, end, submitter if by_submitter else None)
        # The page's entries chosen first, sorting only the columns the order needs; the
        # cards' columns and author counts are then read for those rows alone (a month's
        # first page: 2.4 ms of SQL, now 0.9).
        page = entries.with_votes().order_by(*DAILY_ORDER).values("pk")[offset : offset + limit]
        # The authors are attached afterwards (``attach_authors``).
        qs = card_entries(with_authors).prefetch_related(None).filter(pk__in=page)
        return qs.order_by(*DAILY_ORDER)

    samples = (SAMPLE_START, SAMPLE_END) + ((SAMPLE_NAME,) if by_submitter else ())
    return Prepared(build, *samples)


def _period_entries(
    start: dt.datetime, end: dt.datetime, submitter: str | None
) -> SubmissionQuerySet[Submission]:
    """The visible entries submitted in [start, end), by ``submitter`` when given."""
    entries = Submission.objects.visible().filter(submitted_at__gte=start, submitted_at__lt=end)
    return entries.filter(submitter_name=submitter) if submitter is not None else entries


def attach_authors(papers: Sequence[Paper]) -> None:
    """Each paper's authors in one query, handed over as ``prefetch_related("authors")``
    would; without its way of filtering by the papers themselves, which cost an API
    list a fifth of its time."""
    found: dict[int, list[PaperAuthor]] = {paper.pk: [] for paper in papers}
    if found:
        for author in PaperAuthor.objects.filter(paper_id__in=list(found)):
            found[author.paper_id].append(author)
    for paper in papers:
        prefetched(paper, "authors", found[paper.pk])


def _total(count: Callable[[], int], items: list[Submission], offset: int, limit: int) -> int:
    """How many entries the list has, given the page it gave: ``count``ed only when the
    page is full or empty past the start (most days fit on one page: no second query,
    nor the building of one)."""
    if len(items) < limit and (items or offset == 0):
        return offset + len(items)
    return count()


def latest_day() -> dt.date | None:
    newest = (
        Submission.objects.visible()
        .order_by("-submitted_at")
        .values_list("submitted_at", flat=True)
        .first()
    )
    return periods.local_date(newest) if newest else None


def _nearest(before: bool) -> Prepared[dt.datetime]:
    """The time of the last visible entry before a moment, or of the first from it."""
    lookup, order = ("lt", "-submitted_at") if before else ("gte", "submitted_at")

    def build(moment: dt.datetime) -> QuerySet[Submission, dt.datetime]:
        rows = Submission.objects.visible().filter(**{f"submitted_at__{lookup}": moment})
        return rows.order_by(order).values_list("submitted_at", flat=True)[:1]

    return Prepared(build, SAMPLE_START)


_LAST_BEFORE = _nearest(before=True)
_FIRST_FROM = _nearest(before=False)


def nearest_days(period: periods.Period) -> tuple[dt.date | None, dt.date | None]:
    """The nearest days before and after ``period`` that have papers."""
    start, end = period.bounds()
    before = next(iter(_LAST_BEFORE(start)), None)
    after = next(iter(_FIRST_FROM(end)), None)
    return (
        periods.local_date(before) if before else None,
        periods.local_date(after) if after else None,
    )


def trending(
    now: dt.datetime,
    *,
    offset: int = 0,
    limit: int = 50,
    period: periods.Period | None = None,
    submitter: str | None = None,
    with_authors: bool = False,
) -> Page[Submission]:
    """Papers ranked by the trending formula at the moment ``now``.

    Without a period, the candidates are the trending window; with one, the papers of
    that period (as the API's ``sort=trending`` does).
    """
    visible = Submission.objects.visible().filter(submitted_at__lte=now)
    if period is not None:
        start, end = period.bounds()
        visible = visible.filter(submitted_at__gte=start, submitted_at__lt=end)
    else:
        newest = visible.order_by("-submitted_at").values_list("submitted_at", flat=True).first()
        if newest is None:
            return Page([], 0, offset, limit)
        window = dt.timedelta(days=settings.TRENDING_WINDOW_DAYS)
        visible = visible.filter(submitted_at__gt=min(now, newest) - window)
    if submitter:
        visible = visible.filter(submitter_name=submitter)
    rows = list(visible.with_votes().values_list("pk", "votes", "submitted_at", "paper__arxiv_id"))
    rows.sort(key=lambda r: trending_formula.sort_key(r[1], r[2], r[3], now))
    chosen = [r[0] for r in rows[offset : offset + limit]]
    by_pk = {s.pk: s for s in card_entries(with_authors).filter(pk__in=chosen)}
    return Page([by_pk[pk] for pk in chosen if pk in by_pk], len(rows), offset, limit)


def _unique(rows: QuerySet[Paper]) -> Paper | None:
    """The one row of a lookup by a unique key, or None. Not ``first()``: the ordering
    it adds to an unordered query cost a paper page more than the lookup's own SQL."""
    return next(iter(rows[:1]), None)


def paper(arxiv_id: str) -> Paper | None:
    """One paper with its authors, organization, daily-list entry and linked-repository
    counts."""
    found = next(iter(_PAPER(arxiv_id)), None)
    if found is not None:
        prefetched(found, "authors", _AUTHORS(found.pk))
    return found


_PAPER = Prepared(
    lambda arxiv_id: Paper.objects.select_related("organization", "submission", "repos").filter(
        arxiv_id=arxiv_id
    )[:1],
    SAMPLE_NAME,
)
_AUTHORS = Prepared(lambda pk: PaperAuthor.objects.filter(paper_id=pk), SAMPLE_ID)


def paper_by_id(arxiv_id: str) -> Paper | None:
    """Just the paper row, for writes that need nothing else."""
    return _unique(Paper.objects.filter(arxiv_id=arxiv_id))


@dataclass
class LinkedRepos:
    """The repositories citing a paper: per kind, how many there are and the kept ones
    (most liked first); ``fetched_at`` is None when the hub has not asked yet."""

    totals: dict[str, int] = field(default_factory=dict)
    top: dict[str, list[LinkedRepo]] = field(default_factory=dict)
    fetched_at: dt.datetime | None = None

    @property
    def any(self) -> bool:
        return any(self.totals.values())


def linked_repos(paper: Paper, per_kind: int | None = None) -> LinkedRepos:
    """What ``LinkedRepo`` and ``PaperRepos`` hold for one paper; ``per_kind`` keeps the
    first few of each kind. No query for the counts when ``paper`` came from ``paper``
    (which joins them), none for the repositories when there are none."""
    found = LinkedRepos(totals=dict.fromkeys(RepoKind.values, 0))
    found.top = {kind: [] for kind in RepoKind.values}
    try:
        counts = paper.repos
    except PaperRepos.DoesNotExist:
        return found
    found.fetched_at = counts.fetched_at
    found.totals = {
        RepoKind.MODEL: counts.num_models,
        RepoKind.DATASET: counts.num_datasets,
        RepoKind.SPACE: counts.num_spaces,
    }
    if not found.any:
        return found
    rows = LinkedRepo.objects.filter(paper_id=paper.pk).order_by(
        "kind", "-likes", "-downloads", "repo_id"
    )
    for row in rows:
        kept = found.top[row.kind]
        if per_kind is None or len(kept) < per_kind:
            kept.append(row)
    return found


def recent_papers(
    *, offset: int = 0, limit: int = 50, submitter: str | None = None
) -> Page[Submission]:
    """Newest daily-list entries first, regardless of day (the API's default listing)."""
    qs = card_entries(with_authors=True)
    if submitter:
        qs = qs.filter(submitter_name=submitter)
    items = list(qs.order_by("-submitted_at", "paper__arxiv_id")[offset : offset + limit])
    return Page(items, _total(qs.count, items, offset, limit), offset, limit)


def voted_paper_ids(user: AbstractBaseUser | AnonymousUser, paper_ids: Iterable[int]) -> set[int]:
    """Which of ``paper_ids`` the user has upvoted: one query, none for visitors."""
    wanted = list(paper_ids)
    if not user.is_authenticated or not wanted:
        return set()
    return {row[0] for row in owned_rows(Upvote, ("paper_id",), int(user.pk), wanted)}
