"""Debian's Chromium driven by Playwright, and a real hub for it to read.

``browser`` (registered in tests/conftest.py) is one Chromium per test module;
``opened_page`` gives a page in a context of its own that records uncaught errors;
``served_hub`` imports daily files with the CLI and serves them with
``dailypapers serve`` in a subprocess.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.support import hub

NEEDS_CHROMIUM = pytest.mark.skipif(
    not hub.CHROMIUM.exists(),
    reason=f"{hub.CHROMIUM} is missing: install Debian's chromium (`make test` does)",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with hub.launched_chromium() as chromium:
        yield chromium


@contextlib.contextmanager
def opened_page(
    browser: Browser, errors: list[str], **context_options: Any
) -> Iterator[tuple[BrowserContext, Page]]:
    """A page in a fresh context (10 s timeouts); its uncaught errors go to ``errors``."""
    context = browser.new_context(**context_options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    try:
        yield context, page
    finally:
        context.close()


@contextlib.contextmanager
def served_hub(folder: Path, *days: str, **server_options: Any) -> Iterator[hub.Server]:
    """A hub holding the real daily lists of ``days``, on the suite's kind of database."""
    with hub.scratch_database() as db_env:
        env = hub.clean_env(**db_env)
        files = [str(hub.daily_file(day)) for day in days]
        imported = hub.cli(folder / "data", "import", *files, env=env)
        assert imported.returncode == 0, imported.stdout + imported.stderr
        server = hub.start_server(folder / "data", folder / "serve.log", env=env, **server_options)
        if db_env:  # the suite runs on PostgreSQL: so does this hub
            assert "postgresql" in server.output(), server.output()
        try:
            yield server
        finally:
            server.stop()
