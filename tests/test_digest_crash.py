"""Real `dailypapers digest send` processes: two at once, and one killed with SIGKILL.

Each subscriber must receive exactly one digest. The only allowed exception is a
digest whose sender was killed while handing it to SMTP: it is recorded as
``unknown`` and never resent (at most once), so that subscriber has at most one.
"""

from __future__ import annotations

import datetime as dt
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dailypapers.digests import schedule
from tests.support.hub import clean_env, cli, scratch_database
from tests.support.mail import Sink, running_sink

SUBSCRIBERS = 120


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str], Sink]]:
    with scratch_database() as db_env, running_sink() as sink:
        env = clean_env(
            DAILYPAPERS_EMAIL_URL=sink.url,
            DAILYPAPERS_BASE_URL="https://papers.example.org",
            # Every subscriber gets mail even with no papers in the window, so the
            # count of messages is the count of digests.
            DAILYPAPERS_DIGEST_QUIET_NOTE="true",
            **db_env,
        )
        data = tmp_path / "hub"
        emails = [f"reader{i:03d}@example.org" for i in range(SUBSCRIBERS)]
        done = cli(
            data,
            "digest",
            "subscribe",
            "--confirmed",
            "--hour",
            "8",
            "--time-zone",
            "UTC",
            *emails,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        yield data, env, sink


def _at() -> str:
    """A minute after a slot that is due for everyone subscribed just now."""
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    return (schedule.next_slot("daily", 8, "UTC", tomorrow) + dt.timedelta(minutes=1)).isoformat()


def _sender(data: Path, env: dict[str, str], at: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dailypapers",
            "--data-dir",
            str(data),
            "digest",
            "send",
            "--at",
            at,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _status_count(data: Path, env: dict[str, str], status: str) -> int:
    out = cli(data, "digest", "status", env=env).stdout
    found = re.search(rf"^\s+{status}\s+(\d+)$", out, re.MULTILINE)
    return int(found.group(1)) if found else 0


def test_two_senders_at_once_send_each_digest_once(
    hub: tuple[Path, dict[str, str], Sink],
) -> None:
    data, env, sink = hub
    sink.handler.delay = 0.002
    at = _at()
    first, second = _sender(data, env, at), _sender(data, env, at)
    outputs = [p.communicate(timeout=300) for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, outputs
    counts = sink.per_recipient()
    assert len(counts) == SUBSCRIBERS and set(counts.values()) == {1}
    sent = [int(re.match(r"(\d+) sent", out).group(1)) for out, _ in outputs]  # type: ignore[union-attr]
    assert sum(sent) == SUBSCRIBERS
    assert _status_count(data, env, "sent") == SUBSCRIBERS


def test_a_sender_killed_mid_run_is_finished_by_the_next_without_duplicates(
    hub: tuple[Path, dict[str, str], Sink],
) -> None:
    data, env, sink = hub
    sink.handler.delay = 0.01  # a slow relay: the kill lands in the middle
    at = _at()
    victim = _sender(data, env, at)
    deadline = time.monotonic() + 120
    while len(sink.messages) < SUBSCRIBERS // 3:
        assert victim.poll() is None, victim.communicate()
        assert time.monotonic() < deadline, "sender made no progress"
        time.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    before = len(sink.messages)
    assert before < SUBSCRIBERS

    sink.handler.delay = 0
    restart = _sender(data, env, at)
    out, err = restart.communicate(timeout=300)
    assert restart.returncode == 0, err
    assert "recovered from stopped senders" in out

    counts = sink.per_recipient()
    unknown = _status_count(data, env, "unknown")
    assert unknown <= 1  # at most the one message in hand-off when the kill came
    assert max(counts.values()) == 1, "a subscriber got the same digest twice"
    assert len(counts) >= SUBSCRIBERS - unknown
    assert _status_count(data, env, "sent") == SUBSCRIBERS - unknown

    # Later runs for the same moment add nothing.
    again = cli(data, "digest", "send", "--at", at, env=env)
    assert again.returncode == 0 and again.stdout.startswith("0 sent")
    assert sink.per_recipient() == counts
