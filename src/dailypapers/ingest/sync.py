"""Run one upstream source once: fetch, store, record the run.

Each page of upstream results is written in one transaction together with the
source's watermark, so a run killed at any moment resumes after the last page it
committed, and a rerun of a page changes nothing (the writes are upserts). A
source is claimed before it runs (a conditional UPDATE on its state row), so two
workers never harvest the same source at once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dailypapers.core import claims
from dailypapers.core.text import clean
from dailypapers.ingest import arxiv_api, hf_api, oai, rss, sync_repos
from dailypapers.ingest.formats import Item, Problem
from dailypapers.ingest.http import FetchError, PoliteClient, Validators
from dailypapers.ingest.models import SyncRun, SyncState
from dailypapers.ingest.writing import write_batch
from dailypapers.papers.records import PaperRecord, fit
from dailypapers.papers.services import mark_withdrawn

log = logging.getLogger(__name__)

SOURCES = ("arxiv", "oai", "rss", "hf")
MAX_ERRORS = 50  # kept on the run row; the log has them all
ARXIV_LIMIT = 500  # results per arXiv search run
StopCheck = Callable[[], bool]


class Busy(Exception):
    """Another worker holds the claim on this source."""


class Failed(Exception):
    """The run could not go on (upstream error, budget, a broken harvest)."""


@dataclass
class Request:
    since: dt.date | None = None
    until: dt.date | None = None
    categories: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    query: str = ""
    # hf: also mirror the repositories citing the papers of the days synced.
    repos: bool = True

    def as_params(self) -> dict[str, object]:
        shown: dict[str, object] = {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "categories": self.categories,
            "ids": self.ids[:20],
            "query": self.query,
            "no_repos": not self.repos,
        }
        return {k: v for k, v in shown.items() if v}


def user_agent() -> str:
    contact = settings.SYNC_CONTACT or "no contact configured"
    return f"dailypapers/0.1 (self-hosted Daily Papers hub; {settings.BASE_URL}; mailto:{contact})"


def make_client(source: str) -> PoliteClient:
    interval = settings.SYNC_HF_INTERVAL if source == "hf" else settings.SYNC_ARXIV_INTERVAL
    return PoliteClient(
        user_agent=user_agent(),
        min_interval=interval,
        timeout=settings.SYNC_TIMEOUT,
        request_deadline=settings.SYNC_REQUEST_DEADLINE,
        max_retries=settings.SYNC_MAX_RETRIES,
        backoff_base=settings.SYNC_BACKOFF,
        budget=settings.SYNC_BUDGET,
    )


# -- claims ---------------------------------------------------------------------


def _timeout() -> dt.timedelta:
    return dt.timedelta(seconds=settings.SYNC_CLAIM_TIMEOUT)


def claim(source: str, owner: str, now: dt.datetime) -> bool:
    state, _ = SyncState.objects.get_or_create(source=source)
    # A holder killed or crashed on this machine is taken over at once.
    rows = SyncState.objects.filter(source=source)
    return claims.take(rows, owner, now, _timeout(), seen=state.claimed_by) == 1


def release(source: str, owner: str) -> None:
    claims.release(SyncState.objects.filter(source=source), owner)


# -- one run ----------------------------------------------------------------------


def _counts(row: SyncRun) -> str:
    return (
        f"{row.new} new, {row.updated} updated, {row.unchanged} unchanged, "
        f"{row.skipped} skipped, {row.withdrawn} withdrawn, {row.requests} requests"
    )


def close_abandoned(source: str, now: dt.datetime) -> int:
    """Close the runs left "running" by processes that ended; call holding the claim.

    Their pages were committed one by one with the counts, so what they did stays.
    """
    closed = 0
    for row in SyncRun.objects.filter(source=source, status=SyncRun.Status.RUNNING):
        row.status = SyncRun.Status.FAILED
        row.finished_at = now
        row.summary = f"{_counts(row)}; stopped before it finished (killed or crashed)"
        row.save(update_fields=["status", "finished_at", "summary"])
        closed += 1
    return closed


class Run:
    """The run being made: counts, problems and the state row, saved as it goes."""

    def __init__(self, source: str, request: Request, owner: str, client: PoliteClient) -> None:
        self.source = source
        self.owner = owner
        self.client = client
        self.row = SyncRun.objects.create(
            source=source, started_at=timezone.now(), params=request.as_params()
        )
        self.state = SyncState.objects.get(source=source)
        self.failed = False
        self.shortened = 0
        self.notes: list[str] = []
        client.validators.update(
            {url: Validators(*pair) for url, pair in self.state.validators.items()}
        )

    def problem(self, location: str, reason: str) -> None:
        # The errors column is JSON, and PostgreSQL refuses NUL characters and lone
        # surrogates in it; upstream text can carry both.
        location, reason = clean(location), clean(reason)
        log.warning("sync %s: %s: %s", self.source, location, reason)
        self.row.skipped += 1
        if len(self.row.errors) < MAX_ERRORS:
            self.row.errors.append(f"{location}: {reason}")

    def cut(self, location: str, reason: str) -> None:
        """A record stored with its text cut to the limits of ``records.fit``."""
        location, reason = clean(location), clean(reason)
        log.warning("sync %s: %s: %s", self.source, location, reason)
        self.shortened += 1
        if len(self.row.errors) < MAX_ERRORS:
            self.row.errors.append(f"{location}: {reason}")

    def fail(self, reason: str) -> None:
        reason = clean(reason)
        if self._failing_already():
            # An upstream that cannot be reached is said once, not at every turn;
            # /healthz and `dailypapers status` show the last error meanwhile.
            log.info("sync %s still failing: %s", self.source, reason)
        else:
            log.error("sync %s failed: %s", self.source, reason)
        self.failed = True
        if len(self.row.errors) < MAX_ERRORS:
            self.row.errors.append(reason)

    def _failing_already(self) -> bool:
        last = (
            SyncRun.objects.filter(source=self.source, finished_at__isnull=False)
            .exclude(pk=self.row.pk)
            .order_by("-started_at")
            .values_list("status", flat=True)
            .first()
        )
        return last == SyncRun.Status.FAILED

    def _write(self, records: list[PaperRecord]) -> None:
        counts = write_batch(records, lambda record, why: self.problem(record.location, why))
        self.row.new += counts.new
        self.row.updated += counts.updated
        self.row.unchanged += counts.unchanged

    def store(
        self, items: Iterable[Item], *, withdrawn: Iterable[str] = (), watermark: object = None
    ) -> None:
        """Write one page and the new watermark in one transaction."""
        records: list[PaperRecord] = []
        for item in items:
            if isinstance(item, Problem):
                self.problem(item.location, item.reason)
                continue
            notes = fit(item)
            if notes:
                self.cut(item.location, "imported shortened: " + "; ".join(notes))
            records.append(item)
        with transaction.atomic():
            if records:
                self._write(records)
            gone = list(withdrawn)
            if gone:
                self.row.withdrawn += mark_withdrawn(gone)
            if watermark is not None:
                self.state.watermark = watermark
            self.state.validators = {
                url: [v.etag, v.last_modified] for url, v in self.client.validators.items()
            }
            self.state.save(update_fields=["watermark", "validators"])
            self.row.requests = self.client.requests
            self.row.save()
            # Extend the claim: a long harvest is alive, not stuck.
            claims.extend(
                SyncState.objects.filter(source=self.source),
                self.owner,
                timezone.now() + _timeout(),
            )

    def finish(self, stopped: bool) -> SyncRun:
        row = self.row
        row.finished_at = timezone.now()
        row.requests = self.client.requests
        if self.failed:
            row.status = SyncRun.Status.FAILED
        elif row.skipped or self.shortened or stopped:
            row.status = SyncRun.Status.PARTIAL
        else:
            row.status = SyncRun.Status.OK
        parts = [_counts(row), *self.notes]
        if self.shortened:
            parts.append(f"{self.shortened} shortened")
        if stopped:
            parts.append("stopped early")
        if self.failed and row.errors:
            parts.append(f"failed: {row.errors[-1]}")
        row.summary = "; ".join(parts)
        row.save()
        if not self.failed:
            SyncState.objects.filter(source=self.source).update(last_success_at=row.finished_at)
        return row


# -- the sources ----------------------------------------------------------------------


def _search_query(request: Request) -> str:
    if request.query:
        return request.query
    categories = request.categories or settings.SYNC_CATEGORIES
    query = " OR ".join(f"cat:{c}" for c in categories)
    if len(categories) > 1:
        query = f"({query})"
    if request.since or request.until:
        low = (request.since or dt.date(1991, 1, 1)).strftime("%Y%m%d0000")
        high = (request.until or timezone.now().date()).strftime("%Y%m%d2359")
        query += f" AND submittedDate:[{low} TO {high}]"
    return query


def _sync_arxiv(run: Run, request: Request, should_stop: StopCheck) -> bool:
    url = settings.ARXIV_API_URL
    if request.ids:
        pages = arxiv_api.fetch_ids(run.client, url, request.ids)
    else:
        sort = "relevance" if request.query else "submittedDate"
        pages = arxiv_api.search(
            run.client, url, _search_query(request), limit=ARXIV_LIMIT, sort_by=sort
        )
    for page in pages:
        run.store(page.items)
        if should_stop():
            return True
    return False


def _sync_oai(run: Run, request: Request, should_stop: StopCheck) -> bool:
    mark = dict(run.state.watermark) if isinstance(run.state.watermark, dict) else {}
    set_spec = request.categories[0] if request.categories else settings.SYNC_OAI_SET
    prefix = settings.SYNC_OAI_PREFIX
    today = timezone.now().date()
    same_harvest = mark.get("set") == set_spec and mark.get("prefix") == prefix
    token = str(mark.get("token", "")) if same_harvest and not request.since else ""
    if request.since:
        since = request.since.isoformat()
    elif same_harvest and mark.get("from"):
        since = str(mark["from"])
    else:
        since = (today - dt.timedelta(days=1)).isoformat()
    until = request.until.isoformat() if request.until else ""
    base = {"set": set_spec, "prefix": prefix, "from": since, "until": until}
    if token:
        run.notes.append(f"resumed harvest from {since}")
    pages = oai.list_records(
        run.client,
        settings.ARXIV_OAI_URL,
        metadata_prefix=prefix,
        set_spec=set_spec,
        since=since,
        until=until,
        token=token,
    )
    try:
        for page in pages:
            run.store(page.items, withdrawn=page.deleted, watermark={**base, "token": page.token})
            if should_stop():
                return True
    except oai.OaiError as exc:
        if exc.code == "badResumptionToken":
            # Tokens expire; the next run starts this range again from its beginning.
            run.store([], watermark={**base, "token": ""})
        raise
    # Done: the next harvest starts at the day this one ran (datestamps are days,
    # and records changed later today must not be missed).
    next_from = until or today.isoformat()
    run.store([], watermark={"set": set_spec, "prefix": prefix, "from": next_from, "token": ""})
    return False


def _sync_rss(run: Run, request: Request, should_stop: StopCheck) -> bool:
    archives = request.categories or settings.SYNC_CATEGORIES
    feed = rss.fetch(run.client, settings.ARXIV_RSS_URL, archives)
    if feed.not_modified:
        run.notes.append("feed not modified")
    else:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(feed.kinds.items()))
        run.notes.append(f"announced: {kinds or 'nothing'}")
    run.store(feed.items)
    return False


def _sync_hf(run: Run, request: Request, should_stop: StopCheck) -> bool:
    today = timezone.now().date()
    until = request.until or today
    since = request.since or _hf_since(run.state.watermark, until)
    if since > until:
        raise Failed(f"--since {since} is after --until {until}")
    day = since
    while day <= until:
        result = hf_api.fetch_day(run.client, settings.HF_API_URL, day)
        run.store(result.items, watermark={"last_day": day.isoformat()})
        if should_stop():
            return True
        day += dt.timedelta(days=1)
    if request.repos:
        return sync_repos.mirror(run, since, until, should_stop)
    return False


def _hf_since(watermark: object, until: dt.date) -> dt.date:
    """The first day a turn fetches: the recent days, reaching back to the last day
    fetched when the hub was away for a while, and SYNC_HF_BACKFILL_DAYS on the first
    turn ever (or when the last day fetched is older than that)."""
    recent = until - dt.timedelta(days=max(settings.SYNC_HF_DAYS - 1, 0))
    oldest = until - dt.timedelta(days=max(settings.SYNC_HF_BACKFILL_DAYS - 1, 0))
    last = watermark.get("last_day") if isinstance(watermark, dict) else None
    try:
        last_day = dt.date.fromisoformat(last) if isinstance(last, str) else None
    except ValueError:
        last_day = None
    if last_day is None:
        return min(recent, oldest)
    return min(recent, max(last_day, oldest))


_RUNNERS: dict[str, Callable[[Run, Request, StopCheck], bool]] = {
    "arxiv": _sync_arxiv,
    "oai": _sync_oai,
    "rss": _sync_rss,
    "hf": _sync_hf,
}


def run(
    source: str,
    request: Request | None = None,
    *,
    should_stop: StopCheck = lambda: False,
    client: PoliteClient | None = None,
    owner: str | None = None,
) -> SyncRun:
    """Run ``source`` once and return its recorded run; Busy when another worker has it."""
    if source not in _RUNNERS:
        raise ValueError(f"unknown source {source!r}; sources: {', '.join(SOURCES)}")
    request = request or Request()
    owner = owner or claims.new_holder()
    if not claim(source, owner, timezone.now()):
        raise Busy(f"{source} is being synced by another worker")
    try:
        close_abandoned(source, timezone.now())
        current = Run(source, request, owner, client or make_client(source))
        stopped = False
        try:
            stopped = _RUNNERS[source](current, request, should_stop)
        except (
            FetchError,
            Failed,
            arxiv_api.ArxivApiError,
            oai.OaiError,
            rss.FeedError,
        ) as exc:
            current.fail(str(exc))
        return current.finish(stopped)
    finally:
        release(source, owner)


def run_if_due(source: str, now: dt.datetime, should_stop: StopCheck) -> str:
    """The worker's entry: run ``source`` when enabled and due; a one-line summary."""
    if source not in settings.SYNC_SOURCES:
        return "not enabled (DAILYPAPERS_SYNC_SOURCES)"
    state, _ = SyncState.objects.get_or_create(source=source)
    due = Q(next_due_at__isnull=True) | Q(next_due_at__lte=now)
    # A worker killed in the middle of this source's turn (it had already moved
    # next_due_at on): that turn is finished now instead of a whole interval later.
    due |= claims.held_by_gone([state.claimed_by])
    every = dt.timedelta(seconds=settings.SYNC_EVERY.get(source, 3600))
    # Moving next_due_at forward is itself a claim on this turn: of two workers
    # looking at once, only one sees its update count.
    if not SyncState.objects.filter(source=source).filter(due).update(next_due_at=now + every):
        return "not due"
    try:
        done = run(source, should_stop=should_stop)
    except Busy as exc:
        return str(exc)
    return f"{done.status}: {done.summary}"
