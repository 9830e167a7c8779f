"""The Hugging Face daily list keeps a hub current by default: first turn backfills a
week, later turns fetch the recent days, and an unreachable upstream is said once."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
from typing import Any

import pytest
from django.utils import timezone

from dailypapers.ingest import sync
from dailypapers.ingest.models import SyncRun, SyncState
from tests.support.replay import Replay, Reply

pytestmark = pytest.mark.django_db


def _answer_every_day(server: Replay, today: dt.date, days: int = 20) -> None:
    for back in range(days):
        day = (today - dt.timedelta(days=back)).isoformat()
        server.add(
            "/hfapi/daily_papers",
            Reply(200, b"[]", {"Content-Type": "application/json"}),
            params={"date": day, "limit": "100"},
        )


def _days_asked(server: Replay) -> list[str]:
    return [seen.params["date"] for seen in server.requests_to("/hfapi/daily_papers")]


def test_the_first_turn_backfills_a_week_later_turns_the_recent_days(
    replay: Replay,
    settings: Any,
    frozen_now: dt.datetime,
) -> None:
    settings.SYNC_SOURCES = ["hf"]
    today = frozen_now.date()
    _answer_every_day(replay, today)
    assert sync.run_if_due("hf", timezone.now(), lambda: False).startswith("ok")
    week = [(today - dt.timedelta(days=n)).isoformat() for n in range(6, -1, -1)]
    assert _days_asked(replay) == week

    SyncState.objects.filter(source="hf").update(next_due_at=None)
    sync.run_if_due("hf", timezone.now(), lambda: False)
    assert _days_asked(replay)[7:] == [
        (today - dt.timedelta(days=1)).isoformat(),
        today.isoformat(),
    ]


def test_after_a_pause_a_turn_reaches_back_to_the_last_day_fetched() -> None:
    until = dt.date(2026, 8, 21)
    assert sync._hf_since({}, until) == dt.date(2026, 8, 15)
    assert sync._hf_since({"last_day": "2026-08-21"}, until) == dt.date(2026, 8, 20)
    assert sync._hf_since({"last_day": "2026-08-17"}, until) == dt.date(2026, 8, 17)
    assert sync._hf_since({"last_day": "2026-01-01"}, until) == dt.date(2026, 8, 15)
    assert sync._hf_since({"last_day": "not a day"}, until) == dt.date(2026, 8, 15)


def test_an_unreachable_upstream_is_logged_once_and_shown_in_status(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.SYNC_SOURCES = ["hf"]
    settings.HF_API_URL = "http://127.0.0.1:9/api"  # nothing listens there
    settings.SYNC_MAX_RETRIES = 0
    caplog.set_level(logging.INFO, logger="dailypapers.ingest.sync")
    for _ in range(3):
        SyncState.objects.filter(source="hf").update(next_due_at=None)
        assert sync.run_if_due("hf", timezone.now(), lambda: False).startswith("failed")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "sync hf failed" in errors[0].getMessage()
    assert sum("still failing" in r.getMessage() for r in caplog.records) == 2
    assert SyncRun.objects.filter(source="hf", status=SyncRun.Status.FAILED).count() == 3

    from dailypapers.core import status

    report = status.collect()["sync"]["sources"]["hf"]
    assert report["enabled"] and report["last_error"] is not None


def _settings_in_a_fresh_process(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DAILYPAPERS_")}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='dailypapers.settings';"
            "django.setup(); from django.conf import settings; print(settings.SYNC_SOURCES)",
        ],
        env={**clean, "DAILYPAPERS_DATA_DIR": os.environ.get("DAILYPAPERS_DATA_DIR", ""), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def test_hf_is_synced_by_default_and_none_turns_syncing_off() -> None:
    assert _settings_in_a_fresh_process() == "['hf']"
    assert _settings_in_a_fresh_process(DAILYPAPERS_SYNC_SOURCES="none") == "[]"
    assert _settings_in_a_fresh_process(DAILYPAPERS_SYNC_SOURCES="hf,rss") == "['hf', 'rss']"
