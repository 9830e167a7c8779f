from __future__ import annotations

from pathlib import Path

import pytest


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
    settings.SEARCH_FOLLOW_INTERVAL = 0
    settings.SEARCH_OVERLAP_SECONDS = 120


@pytest.fixture(autouse=True)
def empty_page_cache() -> None:
    """Pages cached by one test must not be served to the next."""
    from django.core.cache import cache

    cache.clear()
