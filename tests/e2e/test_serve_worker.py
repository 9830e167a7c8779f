"""`dailypapers serve` runs the background worker beside the web server, supervised."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.hub import (
    Server,
    clean_env,
    cli,
    free_port,
    get,
    scratch_database,
    start_server,
)
from tests.support.mail import running_sink

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def _children(pid: int) -> dict[int, str]:
    """Child process ids of ``pid`` with their command lines (Linux /proc)."""
    found = {}
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) != pid:
                continue
            cmdline = (stat_file.parent / "cmdline").read_bytes().replace(b"\0", b" ")
        except (OSError, IndexError, ValueError):
            continue
        found[int(stat_file.parent.name)] = cmdline.decode(errors="replace")
    return found


def _descendants(pid: int) -> dict[int, str]:
    found = _children(pid)
    for child in list(found):
        found.update(_descendants(child))
    return found


def _worker_of(server: Server) -> int | None:
    workers = [
        pid
        for pid, cmd in _descendants(server.process.pid).items()
        if cmd.rstrip().endswith("dailypapers worker")
    ]
    assert len(workers) <= 1, workers
    return workers[0] if workers else None


def _wait_for(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_the_worker_runs_beside_the_server_is_restarted_and_stops_with_it(
    tmp_path: Path, servers: list[Server]
) -> None:
    server = start_server(
        tmp_path / "data", tmp_path / "serve.log", env=clean_env(), background_worker=True
    )
    servers.append(server)
    assert "Worker:      running beside the server" in server.output()
    _wait_for(lambda: _worker_of(server) is not None, "the worker to start")
    first = _worker_of(server)
    assert first is not None
    # Its log lines are in the server's output.
    _wait_for(lambda: "worker: running" in server.output(), "the worker's first log line")
    # It reports itself alive where a health check looks.
    _wait_for(
        lambda: json.loads(get(f"{server.url}/healthz")[2])["worker"]["state"] == "running",
        "/healthz to see the worker",
    )

    os.kill(first, signal.SIGKILL)
    _wait_for(
        lambda: _worker_of(server) not in (None, first), "a new worker after the kill", timeout=20
    )
    second = _worker_of(server)
    assert second is not None and second != first
    assert "the background worker exited (signal SIGKILL)" in server.output()

    assert server.stop() == 0, server.output()
    assert not _running(second), "the worker outlived the server"


def test_a_server_killed_outright_leaves_no_worker_behind(
    tmp_path: Path, servers: list[Server]
) -> None:
    server = start_server(
        tmp_path / "data", tmp_path / "serve.log", env=clean_env(), background_worker=True
    )
    servers.append(server)
    _wait_for(lambda: _worker_of(server) is not None, "the worker to start")
    worker = _worker_of(server)
    assert worker is not None
    server.process.kill()
    server.process.wait(10)
    _wait_for(lambda: not _running(worker), "the orphaned worker to stop", timeout=30)


def test_no_worker_starts_only_the_web_server(tmp_path: Path, servers: list[Server]) -> None:
    server = start_server(tmp_path / "data", tmp_path / "serve.log", env=clean_env(), workers=1)
    servers.append(server)
    assert "Worker:      off (--no-worker)" in server.output()
    time.sleep(1)
    assert _worker_of(server) is None


def test_a_port_in_use_is_reported_before_anything_else(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = cli(tmp_path / "data", "serve", "--port", str(port), env=clean_env())
    assert done.returncode == 69, done.stdout + done.stderr
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert "Open http" not in done.stdout


def _post_form(
    opener: urllib.request.OpenerDirector, page_url: str, url: str, fields: dict[str, str]
) -> int:
    page = opener.open(page_url, timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, "no CSRF token on the form"
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), **fields}).encode()
    request = urllib.request.Request(url, data=body, headers={"Referer": url})
    with opener.open(request, timeout=10) as response:
        status: int = response.status
        return status


def test_a_confirmation_mail_links_to_the_port_the_hub_listens_on(
    tmp_path: Path, servers: list[Server]
) -> None:
    with running_sink() as sink:
        port = free_port()
        env = clean_env(DAILYPAPERS_EMAIL_URL=sink.url)
        server = start_server(
            tmp_path / "data", tmp_path / "serve.log", env=env, workers=1, port=port
        )
        servers.append(server)
        assert f"Links:       http://localhost:{port}" in server.output()
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        status = _post_form(
            opener,
            f"{server.url}/digest",
            f"{server.url}/digest/subscribe",
            {"email": "reader@example.org"},
        )
        assert status == 200
        _wait_for(lambda: len(sink.messages) == 1, "the confirmation mail", timeout=20)
        text = sink.messages[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert f"http://localhost:{port}/digest/confirm/" in text


SUBSCRIBERS = 40


def test_two_hubs_on_one_data_folder_send_each_digest_once(
    tmp_path: Path, servers: list[Server]
) -> None:
    with scratch_database() as db_env, running_sink() as sink:
        sink.handler.delay = 0.005
        env = clean_env(
            DAILYPAPERS_EMAIL_URL=sink.url,
            DAILYPAPERS_DIGEST_QUIET_NOTE="true",
            # The latest daily slot may lie days back (none on weekends): still in time.
            DAILYPAPERS_DIGEST_MAX_DELAY_HOURS="200",
            **db_env,
        )
        data = tmp_path / "data"
        emails = [f"reader{i:02d}@example.org" for i in range(SUBSCRIBERS)]
        done = cli(data, "digest", "subscribe", "--confirmed", *emails, env=env)
        assert done.returncode == 0, done.stderr
        due = cli(
            data,
            "shell",
            "-c",
            "import datetime as dt; from django.utils import timezone;"
            "from dailypapers.digests.models import Subscription;"
            "Subscription.objects.update(next_digest_at=timezone.now() - dt.timedelta(minutes=5))",
            env=env,
        )
        assert due.returncode == 0, due.stderr
        hubs = [
            start_server(data, tmp_path / f"serve-{n}.log", env=env, background_worker=True)
            for n in (1, 2)
        ]
        servers.extend(hubs)
        _wait_for(lambda: len(sink.messages) >= SUBSCRIBERS, "every digest", timeout=120)
        # Both workers have run the digest job at least once by now (it runs at start).
        _wait_for(
            lambda: all("digests.send:" in hub.output() for hub in hubs),
            "both workers' digest runs",
            timeout=60,
        )
        counts = sink.per_recipient()
        assert sorted(counts) == emails
        assert set(counts.values()) == {1}, counts
