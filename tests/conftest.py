from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import browser
from tests.support.clock import Clock
from tests.support.replay import replay

__all__ = ["browser", "replay"]  # fixtures defined in tests/support, shared by every module

NETGUARD = Path(__file__).with_name("netguard")


def pytest_configure(config: pytest.Config) -> None:
    """Block the internet for the suite and for every Python process it starts."""
    from tests.netguard import sitecustomize as netguard

    os.environ[netguard.ENV] = "1"
    path = os.environ.get("PYTHONPATH", "")
    if str(NETGUARD) not in path.split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(NETGUARD), path]))
    netguard.install()


@pytest.fixture(autouse=True)
def own_search_index(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Each test gets a search index of its own, as its database is its own too.

    The index is derived from the database; sharing one folder between tests whose
    databases are rolled back would show papers of earlier tests.
    """
    settings.SEARCH_DIR = tmp_path / "search"
    settings.SEARCH_MODEL_DIR = tmp_path / "no-model"
    # The worker would build the model there (~10 s): tests that want it say so.
    settings.SEARCH_MODEL_AUTOBUILD = False
    # No upstream is synced unless a test asks for one (a hub syncs Hugging Face by default).
    settings.SYNC_SOURCES = []
    # Nor are thumbnails, media and avatars fetched (ingest.media).
    settings.MEDIA_FETCH = False
    settings.SEARCH_FOLLOW_INTERVAL = 0
    settings.SEARCH_OVERLAP_SECONDS = 120


@pytest.fixture(autouse=True)
def empty_page_cache() -> None:
    """Pages cached by one test must not be served to the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """``time.time()`` stands still until the test calls ``clock.advance(seconds)``."""
    frozen = Clock()
    monkeypatch.setattr(time, "time", frozen)
    yield frozen


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    """``django.utils.timezone.now()`` gives one moment for the whole test, so a day
    derived from it cannot change at midnight between two calls."""
    from django.utils import timezone

    moment = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment
