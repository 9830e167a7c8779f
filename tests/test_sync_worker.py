"""Claims, the worker schedule, `sync status`, and a kill followed by a rerun."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from dailypapers.core import worker
from dailypapers.ingest import sync
from dailypapers.ingest.models import SyncRun, SyncState
from dailypapers.papers.models import Paper, PaperAuthor
from tests.support.replay import FIRST, NEXT, OAI_ARXIV, OAI_RAW, XML, Replay, Reply

pytestmark = pytest.mark.django_db


def test_only_one_worker_claims_a_source() -> None:
    now = timezone.now()
    assert sync.claim("hf", "worker-a", now)
    assert not sync.claim("hf", "worker-b", now)
    sync.release("hf", "worker-b")  # not its claim: nothing happens
    assert not sync.claim("hf", "worker-b", now)
    sync.release("hf", "worker-a")
    assert sync.claim("hf", "worker-b", now)


def test_a_crashed_workers_claim_expires(settings: Any) -> None:
    now = timezone.now()
    assert sync.claim("oai", "crashed", now)
    later = now + dt.timedelta(seconds=settings.SYNC_CLAIM_TIMEOUT + 1)
    assert sync.claim("oai", "fresh", later)


def test_a_claimed_source_is_not_run_twice(replay: Replay) -> None:
    sync.claim("arxiv", "someone-else", timezone.now())
    with pytest.raises(sync.Busy):
        sync.run("arxiv", sync.Request(ids=["1605.08386"]))
    assert replay.seen == [] and SyncRun.objects.count() == 0


def test_the_worker_runs_enabled_sources_when_due(replay: Replay, settings: Any) -> None:
    worker.discover()
    assert {"sync.arxiv", "sync.oai", "sync.rss", "sync.hf"} <= {j.name for j in worker.jobs()}
    settings.SYNC_SOURCES = ["rss"]
    settings.SYNC_CATEGORIES = ["test"]
    body = b"<rss version='2.0'><channel><title>test</title></channel></rss>"
    replay.add("/rss/test", Reply(200, body, XML))
    now = timezone.now()
    assert sync.run_if_due("hf", now, lambda: False).startswith("not enabled")
    assert sync.run_if_due("rss", now, lambda: False).startswith("ok")
    assert sync.run_if_due("rss", now, lambda: False) == "not due"
    later = now + dt.timedelta(seconds=settings.SYNC_EVERY["rss"])
    assert sync.run_if_due("rss", later, lambda: False).startswith("ok")
    assert SyncRun.objects.filter(source="rss").count() == 2


def test_sync_status_lists_sources_and_runs(replay: Replay, capsys: Any) -> None:
    replay.add("/rss/test", Reply(200, b"<rss><channel><title>t</title></channel></rss>", XML))
    call_command("sync", "rss", "--categories", "test")
    capsys.readouterr()
    call_command("sync", "status")
    out = capsys.readouterr().out
    assert "rss     last run" in out and " ok" in out
    assert "hf      never run" in out


def _snapshot() -> list[tuple[Any, ...]]:
    papers = list(
        Paper.objects.order_by("arxiv_id").values_list(
            "arxiv_id", "version", "title", "abstract", "withdrawn", "published_at"
        )
    )
    authors = list(
        PaperAuthor.objects.order_by("paper__arxiv_id", "position").values_list(
            "paper__arxiv_id", "name"
        )
    )
    return [*papers, *authors]


def test_a_kill_mid_harvest_then_a_rerun_equals_one_clean_run(replay: Replay) -> None:
    page_one = (OAI_RAW / "ListRecordsResponse.xml").read_bytes()
    page_two = (OAI_ARXIV / "arxiv-physics-hep-th.xml").read_bytes()
    replay.add("/oai", Reply(200, page_one, XML), params=FIRST)
    replay.add("/oai", Reply(200, page_two, XML), params=NEXT)
    request = sync.Request(since=dt.date(2014, 10, 1), categories=["physics"])
    sync.run("oai", request)
    clean = _snapshot()
    Paper.objects.all().delete()
    SyncState.objects.all().delete()

    calls = 0

    def killed() -> bool:
        # Stop as a SIGTERM would, right after the first page was committed.
        nonlocal calls
        calls += 1
        return calls == 1

    stopped = sync.run("oai", request, should_stop=killed)
    assert stopped.status == SyncRun.Status.PARTIAL and "stopped early" in stopped.summary
    sync.run("oai", sync.Request(categories=["physics"]))
    sync.run("oai", request)  # and once more: nothing changes
    assert _snapshot() == clean
