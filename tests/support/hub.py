"""Run the real ``dailypapers`` command in subprocesses, the way a newcomer would.

The subprocesses get a clean environment: no DAILYPAPERS_* variable leaks in from the
test run, so each hub lives in its own data folder (SQLite there), unless a test passes
a database of its own (see ``scratch_database``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from playwright.sync_api import Browser, sync_playwright

from tests.support.replay import Replay
from tests.support.shared import SHARED_DATA

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

REPO = Path(__file__).resolve().parents[2]
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
# Every upstream a hub syncs, each answered by the replay server in hub_env.
SOURCES = ("arxiv", "oai", "rss", "hf")
START_TIMEOUT = 60.0


@contextlib.contextmanager
def launched_chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, through Playwright; closed on the way out."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def shared_data() -> Path:
    return SHARED_DATA


def daily_file(day: str) -> Path:
    """One real daily-papers file of 2026, e.g. ``daily_file("2026-04-07")``."""
    return shared_data() / "hf-daily-papers" / "api-2026-03_2026-08" / f"{day}.json"


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAILYPAPERS_")}
    # Hubs started by tests sync nothing unless a test says so (the default syncs the
    # Hugging Face daily list, which tests must never reach).
    env["DAILYPAPERS_SYNC_SOURCES"] = "none"
    # Nor fetch thumbnails, media and avatars from the upstream's CDN (ingest.media).
    env["DAILYPAPERS_MEDIA_FETCH"] = "0"
    # Nor do they build the search model (~10 s a start) unless a test asks for it.
    env["DAILYPAPERS_SEARCH_MODEL_AUTOBUILD"] = "0"
    env.update(extra)
    return env


def cli(data_dir: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python -m dailypapers --data-dir DIR ARGS...``, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "dailypapers", "--data-dir", str(data_dir), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> int:
        """SIGTERM (gunicorn's graceful stop), then SIGKILL; returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode


def get(url: str, timeout: float = 10) -> tuple[int, dict[str, str], str]:
    """Status, headers and body of a GET; HTTP errors are returned, not raised."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode(errors="replace")


def start_server(
    data_dir: Path,
    log: Path,
    *,
    env: dict[str, str],
    workers: int = 2,
    background_worker: bool = False,
    sample: bool = False,
    port: int | None = None,
) -> Server:
    """Start ``dailypapers serve`` on a free port and wait until /papers answers.

    The background worker and the first-start sample that serve has by default are left
    out unless asked for, so that what a page test sees is the data it imported.
    """
    port = port or free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dailypapers",
                "--data-dir",
                str(data_dir),
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
                *([] if background_worker else ["--no-worker"]),
                *([] if sample else ["--no-sample"]),
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, port, log)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"server exited with status {process.returncode}:\n{server.output()}"
            )
        with contextlib.suppress(OSError):
            get(f"{server.url}/papers", timeout=2)
            return server
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"server did not answer within {START_TIMEOUT:.0f}s:\n{server.output()}")


@contextlib.contextmanager
def scratch_database() -> Iterator[dict[str, str]]:
    """Environment for a hub's own database.

    When the suite runs on PostgreSQL (DAILYPAPERS_DATABASE_URL is a postgres:// URL), a
    fresh database is created beside the configured one and dropped afterwards, so the
    real server is exercised on PostgreSQL too. Otherwise nothing: SQLite in the data folder.
    """
    url = os.environ.get("DAILYPAPERS_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield {}
        return
    import psycopg
    from psycopg import sql

    name = f"dailypapers_e2e_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield {"DAILYPAPERS_DATABASE_URL": urlunsplit(urlsplit(url)._replace(path=f"/{name}"))}
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


# -- sync processes against a replayed upstream -------------------------------------------


def hub_env(server: Replay, db_env: dict[str, str]) -> dict[str, str]:
    return clean_env(
        DAILYPAPERS_ARXIV_API_URL=f"{server.url}/api/query",
        DAILYPAPERS_ARXIV_OAI_URL=f"{server.url}/oai",
        DAILYPAPERS_ARXIV_RSS_URL=f"{server.url}/rss",
        DAILYPAPERS_HF_API_URL=f"{server.url}/hfapi",
        DAILYPAPERS_SYNC_SOURCES=",".join(SOURCES),
        DAILYPAPERS_SYNC_CATEGORIES="cs.CL",
        DAILYPAPERS_SYNC_OAI_SET="physics",
        DAILYPAPERS_SYNC_ARXIV_INTERVAL="0",
        DAILYPAPERS_SYNC_HF_INTERVAL="0",
        DAILYPAPERS_SYNC_TIMEOUT="30",
        DAILYPAPERS_SYNC_MAX_RETRIES="1",
        DAILYPAPERS_SYNC_BACKOFF="0.01",
        DAILYPAPERS_SYNC_CONTACT="admin@hub.example",
        **db_env,
    )


def prepared(data: Path, env: dict[str, str]) -> None:
    # Migrating is a deployment step; two processes must not race to create tables.
    done = cli(data, "migrate", "--verbosity", "0", env=env)
    assert done.returncode == 0, done.stderr


def start(data: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "dailypapers", "--data-dir", str(data), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
