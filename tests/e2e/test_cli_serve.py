"""`dailypapers serve` on an empty data folder, as a newcomer first runs it."""

from __future__ import annotations

import re
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.hub import Server, clean_env, get, start_server


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "hub data"  # a space, as in many home folders
    assert not folder.exists()
    return folder


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    """Servers the test started; all are stopped at the end, whatever happened."""
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def _children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat_file.parent.name))
    return found


def test_first_start_creates_the_data_folder_and_serves_with_gunicorn(
    data_dir: Path, tmp_path: Path, servers: list[Server]
) -> None:
    server = start_server(data_dir, tmp_path / "serve-1.log", env=clean_env(), workers=2)
    servers.append(server)

    output = server.output()
    assert f"Data folder: {data_dir.resolve()}" in output
    assert f"http://localhost:{server.port}/papers" in output

    database = data_dir / "dailypapers.sqlite3"
    assert database.is_file()
    assert database.stat().st_size > 0
    key_file = data_dir / "secret_key"
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text().strip()) >= 50

    status, headers, body = get(f"{server.url}/papers")
    assert status == 200
    assert "No papers yet" in body
    assert "dailypapers import" in body

    # gunicorn, not Django's development server (which says "WSGIServer/0.2 CPython/...").
    assert headers.get("Server", "").startswith("gunicorn")
    if Path("/proc/self/stat").exists():
        deadline = time.monotonic() + 10
        while len(_children(server.process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(_children(server.process.pid)) == 2, "expected 2 gunicorn workers"

    # The stylesheet is served (whitenoise) by the same process.
    css_status, css_headers, _ = get(f"{server.url}/static/dailypapers/site.css")
    assert css_status == 200
    assert css_headers.get("Content-Type", "").startswith("text/css")

    assert server.stop() == 0, server.output()


def test_a_second_start_reuses_the_secret_key_and_database(
    data_dir: Path, tmp_path: Path, servers: list[Server]
) -> None:
    first = start_server(data_dir, tmp_path / "serve-1.log", env=clean_env())
    servers.append(first)
    key = (data_dir / "secret_key").read_text()
    assert "Database migrated." in first.output()
    assert first.stop() == 0, first.output()

    second = start_server(data_dir, tmp_path / "serve-2.log", env=clean_env())
    servers.append(second)
    assert (data_dir / "secret_key").read_text() == key
    # Nothing left to migrate on the second start.
    assert "Database migrated." not in second.output()
    status, _, _ = get(f"{second.url}/papers")
    assert status == 200


def test_first_start_of_an_empty_hub_shows_the_sample_of_real_papers(
    data_dir: Path, tmp_path: Path, servers: list[Server]
) -> None:
    server = start_server(data_dir, tmp_path / "serve.log", env=clean_env(), sample=True)
    servers.append(server)
    assert "Loaded the sample: 333 daily-list entries" in server.output()
    status, _, body = get(f"{server.url}/papers")
    assert status == 200
    assert "No papers yet" not in body
    assert "2026-08-21" in body or "Aug 21, 2026" in body
    status, _, body = get(f"{server.url}/papers/date/2026-08-03")
    assert status == 200 and re.search(r'href="/papers/\d{4}\.\d{4,5}"', body)
