"""A tiny registry of background jobs and the loop that runs them.

A job is a plain, idempotent function ``job(now, should_stop) -> str`` that does
whatever is due at ``now`` and returns a one-line summary; ``should_stop`` lets a
long job end early between units of work when the worker is asked to stop.
Apps add their jobs in a ``jobs.py`` module, found the way the admin finds
``admin.py``; `dailypapers worker` runs each job every ``every`` seconds,
``--once`` runs each once (for cron and tests). Because jobs are idempotent, a
queue or a scheduler can take over later without changing them.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import close_old_connections
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

log = logging.getLogger(__name__)

StopCheck = Callable[[], bool]
JobFunc = Callable[[dt.datetime, StopCheck], str]


@dataclass(frozen=True)
class Job:
    name: str
    func: JobFunc
    every: float  # seconds between the starts of two runs


_jobs: dict[str, Job] = {}


def register(name: str, *, every: float) -> Callable[[JobFunc], JobFunc]:
    """Decorator: ``@register("digests.send", every=60)``; registering twice replaces."""

    def add(func: JobFunc) -> JobFunc:
        _jobs[name] = Job(name, func, every)
        return func

    return add


def discover() -> None:
    autodiscover_modules("jobs")


def jobs() -> list[Job]:
    return sorted(_jobs.values(), key=lambda j: j.name)


@dataclass(frozen=True)
class Result:
    job: str
    ok: bool
    summary: str
    seconds: float


def run_job(job: Job, now: dt.datetime, should_stop: StopCheck) -> Result:
    """Run one job; an exception is logged and reported, never raised, so others still run."""
    started = time.monotonic()
    try:
        summary = job.func(now, should_stop)
        ok = True
    except Exception as exc:
        log.exception("job %s failed", job.name)
        summary = f"failed: {type(exc).__name__}: {exc}"
        ok = False
    return Result(job.name, ok, summary, time.monotonic() - started)


def run_once(
    selected: list[Job] | None = None,
    *,
    now: dt.datetime | None = None,
    should_stop: StopCheck = lambda: False,
) -> list[Result]:
    results = []
    for job in selected if selected is not None else jobs():
        if should_stop():
            break
        results.append(run_job(job, now or timezone.now(), should_stop))
    return results


def run_forever(
    selected: list[Job],
    *,
    should_stop: StopCheck,
    report: Callable[[Result], None],
    tick: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    between_ticks: Callable[[], None] = close_old_connections,
) -> None:
    """Run each job when its interval has passed, until ``should_stop()``.

    Every job runs at start-up: after a crash or a deploy, whatever became due
    meanwhile is done at once. Between ticks, database connections that broke or
    outlived CONN_MAX_AGE are dropped, as Django does between requests.
    """
    next_run = {job.name: clock() for job in selected}
    while not should_stop():
        between_ticks()
        for job in selected:
            if should_stop():
                return
            if clock() >= next_run[job.name]:
                next_run[job.name] = clock() + job.every
                report(run_job(job, timezone.now(), should_stop))
        sleep(tick)
