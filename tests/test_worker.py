"""The job registry and the `dailypapers worker` loop."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command

from dailypapers.core import worker
from tests.support.digests import subscriber
from tests.support.factories import utc
from tests.support.mail import running_sink, use_sink


@pytest.fixture
def registry() -> Iterator[dict[str, worker.Job]]:
    saved = dict(worker._jobs)
    worker._jobs.clear()
    yield worker._jobs
    worker._jobs.clear()
    worker._jobs.update(saved)


def test_a_failing_job_does_not_stop_the_others(registry: dict[str, worker.Job]) -> None:
    calls: list[str] = []

    @worker.register("a.fails", every=10)
    def fails(now: dt.datetime, should_stop: worker.StopCheck) -> str:
        calls.append("fails")
        raise RuntimeError("boom")

    @worker.register("b.works", every=10)
    def works(now: dt.datetime, should_stop: worker.StopCheck) -> str:
        calls.append(f"works at {now:%H:%M}")
        return "did it"

    results = worker.run_once(now=utc(2026, 4, 7, 8))
    assert calls == ["fails", "works at 08:00"]
    assert [(r.job, r.ok) for r in results] == [("a.fails", False), ("b.works", True)]
    assert results[0].summary == "failed: RuntimeError: boom"
    assert results[1].summary == "did it"


def test_the_loop_runs_each_job_at_its_interval_until_stopped(
    registry: dict[str, worker.Job],
) -> None:
    runs: list[str] = []
    clock = [0.0]

    def job(name: str) -> worker.JobFunc:
        def run(now: dt.datetime, should_stop: worker.StopCheck) -> str:
            runs.append(name)
            return "ok"

        return run

    worker.register("fast", every=10)(job("fast"))
    worker.register("slow", every=25)(job("slow"))

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    worker.run_forever(
        worker.jobs(),
        should_stop=lambda: clock[0] >= 50,
        report=lambda result: None,
        tick=5,
        clock=lambda: clock[0],
        sleep=sleep,
        between_ticks=lambda: None,
    )
    # At start-up both run; then fast at 10, 20, 30, 40 and slow at 25.
    assert runs.count("fast") == 5 and runs.count("slow") == 2
    assert runs[:2] == ["fast", "slow"]


def test_apps_register_their_jobs() -> None:
    worker.discover()
    assert "digests.send" in {job.name for job in worker.jobs()}


@pytest.mark.django_db
def test_worker_once_sends_the_due_digests(
    settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_sink() as sink:
        use_sink(settings, sink)
        settings.DIGEST_QUIET_NOTE = True
        settings.DIGEST_MAX_DELAY_HOURS = 24 * 4  # the latest weekday slot may be Friday's
        now = dt.datetime.now(dt.UTC)
        subscriber("ada@example.org", now=now - dt.timedelta(days=5))
        call_command("worker", "--once", "--job", "digests.send")
        assert capsys.readouterr().out.startswith("digests.send: 1 sent")
        call_command("worker", "--once", "--job", "digests.send")
        assert capsys.readouterr().out.startswith("digests.send: 0 sent")
        assert len(sink.to("ada@example.org")) == 1


def test_unknown_job_is_a_usage_error() -> None:
    with pytest.raises(Exception, match="unknown job nope"):
        call_command("worker", "--once", "--job", "nope")
