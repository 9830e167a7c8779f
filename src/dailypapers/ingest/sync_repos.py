"""The second half of an ``hf`` turn: the repositories citing each paper of the days
it synced (``/api/arxiv/<id>/repos``), mirrored into ``LinkedRepo`` and ``PaperRepos``.

A paper is asked again once its answer is ``SYNC_HF_REPOS_EVERY`` seconds old. The
papers due are claimed in one batch (``core.claims.take_batch`` on their
``PaperRepos`` rows), so two workers never ask for the same paper; an upstream error
on one paper is recorded as a problem of the run, its claim freed so that the next
turn asks again, and the turn goes on with the next paper.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from dailypapers.core import claims
from dailypapers.ingest import hf_repos
from dailypapers.ingest.http import BudgetExceeded, FetchError
from dailypapers.papers import repos
from dailypapers.papers.models import PaperRepos, Submission

if TYPE_CHECKING:
    from collections.abc import Callable

    from dailypapers.ingest.sync import Run


def _listed(since: dt.date, until: dt.date) -> dict[int, str]:
    """The papers on the daily list from ``since`` to ``until``: pk to arXiv id."""
    start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    rows = Submission.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    return dict(
        rows.order_by("submitted_at", "paper_id").values_list("paper_id", "paper__arxiv_id")
    )


def claim_due(
    papers: dict[int, str], now: dt.datetime, every: dt.timedelta
) -> tuple[str, list[int]]:
    """Claim those of ``papers`` never asked about or asked about ``every`` ago."""
    known = dict(
        PaperRepos.objects.filter(paper_id__in=papers).values_list("paper_id", "fetched_at")
    )
    new = [pk for pk in papers if pk not in known]
    old = [pk for pk, at in known.items() if at is None or at <= now - every]
    if not new and not old:
        return "", []
    timeout = dt.timedelta(seconds=settings.SYNC_CLAIM_TIMEOUT)
    holder, mine = claims.take_batch(PaperRepos, "paper_id", new, old, now, timeout)
    order = list(papers)
    return holder, sorted(mine, key=order.index)


def mirror(run: Run, since: dt.date, until: dt.date, should_stop: Callable[[], bool]) -> bool:
    """Fetch and store the repositories citing the papers listed from ``since`` to
    ``until``; True when stopped before the end."""
    every = settings.SYNC_HF_REPOS_EVERY
    if every <= 0:
        return False
    papers = _listed(since, until)
    holder, mine = claim_due(papers, timezone.now(), dt.timedelta(seconds=every))
    stored = 0
    left = list(mine)
    try:
        while left:
            if should_stop():
                return True
            pk = left[0]
            try:
                url, found = hf_repos.fetch(run.client, settings.HF_API_URL, papers[pk])
            except BudgetExceeded:
                raise
            except FetchError as exc:
                url, found = exc.url, hf_repos.Repos(error=exc.reason)
            left.pop(0)
            if found.error:
                run.problem(url, f"linked repositories: {found.error}")
                repos.give_up(pk, holder)
                continue
            if repos.store(pk, found.repos, found.totals, timezone.now(), holder):
                stored += 1
    finally:
        for pk in left:
            repos.give_up(pk, holder)
        if mine:
            run.notes.append(f"linked repositories of {stored} papers")
    return False
