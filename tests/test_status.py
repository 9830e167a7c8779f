"""What /healthz and `dailypapers status` say about the worker, search, syncs and digests."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from dailypapers.core import status
from dailypapers.core.models import WorkerBeat
from dailypapers.digests.models import Subscription
from dailypapers.ingest.models import SyncRun, SyncState

pytestmark = pytest.mark.django_db


def _status_lines() -> str:
    out = StringIO()
    call_command("status", stdout=out)
    return out.getvalue()


def test_a_beating_worker_is_running_and_gone_once_it_stops() -> None:
    assert status.collect()["worker"]["state"] == "not running"
    beat = status.Heartbeat()
    beat.beat()
    report = status.collect()["worker"]
    assert report["state"] == "running"
    assert [w["holder"] for w in report["workers"]] == [beat.holder]
    assert "worker:   running" in _status_lines()
    beat.stop()
    assert status.collect()["worker"]["state"] == "not running"


def test_a_silent_worker_is_not_taken_for_running() -> None:
    stale = timezone.now() - dt.timedelta(seconds=status.WORKER_SILENT_SECONDS + 5)
    WorkerBeat.objects.create(holder="elsewhere:1", started_at=stale, beat_at=stale)
    assert status.collect()["worker"]["state"] == "not running"


def test_healthz_reports_every_section(client: Client, settings: Any) -> None:
    settings.SYNC_SOURCES = ["hf"]
    now = timezone.now()
    SyncState.objects.create(source="hf", last_success_at=now - dt.timedelta(hours=2))
    SyncRun.objects.create(
        source="hf",
        status=SyncRun.Status.FAILED,
        started_at=now - dt.timedelta(minutes=5),
        summary="cannot connect to huggingface.co",
    )
    Subscription.objects.create(
        email="reader@example.org", confirmed_at=now, next_digest_at=now + dt.timedelta(hours=3)
    )
    response = client.get("/healthz")
    data = json.loads(response.content)
    assert response.status_code == 200 and data["ok"] is True
    assert set(data) >= {"ok", "search", "worker", "sync", "digests"}
    hf = data["sync"]["sources"]["hf"]
    assert hf["enabled"] is True and hf["last_success"] is not None
    assert hf["last_error"]["summary"] == "cannot connect to huggingface.co"
    assert data["digests"]["subscribers"] == 1 and data["digests"]["next_due"] is not None
    assert "password" not in json.dumps(data["digests"]).lower()
    assert data["search"]["by_meaning"] is False
    lines = _status_lines()
    assert "sync hf   on  last success" in lines and "last error" in lines
    assert "digests:  1 subscribers" in lines
    assert "by words only" in lines


def test_mail_settings_are_shown_without_the_password(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "mail.example.org", 587
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "hub", "s3cret-pass"
    report = status.collect()["digests"]
    assert "mail.example.org:587" in report["mail"]
    assert "s3cret-pass" not in json.dumps(report)


def test_a_failing_section_is_reported_and_the_others_still_are() -> None:
    @status.register("broken-for-test")
    def broken() -> dict[str, Any]:
        raise RuntimeError("boom")

    try:
        report = status.collect()
        assert report["broken-for-test"] == {"error": "RuntimeError: boom"}
        assert report["worker"]["state"] == "not running"
    finally:
        status._sections.pop("broken-for-test")
