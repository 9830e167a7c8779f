"""Sync jobs, run by `dailypapers worker` for the sources in DAILYPAPERS_SYNC_SOURCES.

The worker checks every minute; whether a source is due is kept in the database
(``SyncState.next_due_at``), so several workers share one schedule.
"""

from __future__ import annotations

import datetime as dt

from dailypapers.core import worker
from dailypapers.ingest import sync

CHECK_EVERY = 60


def _job(source: str) -> worker.JobFunc:
    def job(now: dt.datetime, should_stop: worker.StopCheck) -> str:
        return sync.run_if_due(source, now, should_stop)

    job.__name__ = f"sync_{source}"
    return job


for _source in sync.SOURCES:
    worker.register(f"sync.{_source}", every=CHECK_EVERY)(_job(_source))


@worker.register("sample.retire", every=CHECK_EVERY)
def retire_sample(now: dt.datetime, should_stop: worker.StopCheck) -> str:
    """The first-start sample gives way once the hub has real papers (ingest.sample)."""
    from dailypapers.ingest import sample

    removed = sample.retire()
    return f"{removed} sample papers removed" if removed else "nothing to do"


@worker.register("media.fetch", every=CHECK_EVERY)
def fetch_media(now: dt.datetime, should_stop: worker.StopCheck) -> str:
    """Copies of thumbnails, papers' media and avatars for the pages (ingest.media)."""
    from dailypapers.ingest import media

    return media.run(now, should_stop)
