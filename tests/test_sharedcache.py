"""The page cache shared by all server processes (one SQLite file)."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

from dailypapers.core.sharedcache import SQLiteCache
from tests.support.clock import Clock


def _cache(path: Path, **options: int) -> SQLiteCache:
    return SQLiteCache(str(path), {"OPTIONS": options})


def _store_in_another_process(path: str) -> None:
    SQLiteCache(path, {}).set("page", (b"<html>from a worker</html>", "text/html"), 60)


def test_an_entry_stored_by_one_process_is_read_by_another(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    worker = multiprocessing.get_context("spawn").Process(
        target=_store_in_another_process, args=(str(path),)
    )
    worker.start()
    worker.join(60)
    assert worker.exitcode == 0
    assert _cache(path).get("page") == (b"<html>from a worker</html>", "text/html")


def test_entries_expire_and_can_be_replaced_deleted_and_cleared(
    tmp_path: Path, clock: Clock
) -> None:
    cache = _cache(tmp_path / "c.sqlite3")
    cache.set("short", "gone soon", 0.2)
    cache.set("long", "stays", 60)
    assert cache.get("short") == "gone soon"
    clock.advance(0.3)
    assert cache.get("short") is None
    assert cache.get("short", "default") == "default"
    assert not cache.has_key("short")
    cache.set("long", "replaced", 60)
    assert cache.get("long") == "replaced"
    assert cache.delete("long") and cache.get("long") is None
    cache.set("a", 1, None)
    cache.clear()
    assert cache.get("a") is None


def test_add_stores_only_when_nothing_live_is_there(tmp_path: Path, clock: Clock) -> None:
    cache = _cache(tmp_path / "c.sqlite3")
    assert cache.add("k", "first", 60)
    assert not cache.add("k", "second", 60)
    assert cache.get("k") == "first"
    cache.set("old", "expired", 0.1)
    clock.advance(0.2)
    assert cache.add("old", "fresh", 60)
    assert cache.get("old") == "fresh"
    assert cache.touch("k", 0.1)
    clock.advance(0.2)
    assert cache.get("k") is None


def test_the_number_of_entries_stays_bounded(tmp_path: Path) -> None:
    cache = _cache(tmp_path / "c.sqlite3", MAX_ENTRIES=50)
    for n in range(1000):
        cache.set(f"page-{n}", n, 60)
    kept = [n for n in range(1000) if cache.get(f"page-{n}") is not None]
    assert len(kept) <= 50 + 200  # culled every 200 stores
    assert 999 in kept, "the newest entries are the ones kept"
    assert 0 not in kept


def test_a_damaged_file_is_a_miss_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    cache = _cache(path)
    cache.set("k", "v", 60)
    assert cache.get("k") is None
    assert not cache.has_key("k")


def test_a_new_cache_file_is_laid_out_for_whole_pages(tmp_path: Path) -> None:
    """Large pages in a rowid table of 16 kB pages: half the CPU per stored page of a
    WITHOUT ROWID table of 4 kB pages (core.sharedcache)."""
    path = tmp_path / "c.sqlite3"
    cache = _cache(path)
    page = bytes(range(256)) * 600  # 150 kB, like a day's list
    cache.set("page", (page, "text/html"), 60)
    assert cache.get("page") == (page, "text/html")
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA page_size").fetchone() == (16384,)
    (schema,) = db.execute("SELECT sql FROM sqlite_master WHERE name = 'cache'").fetchone()
    assert "WITHOUT ROWID" not in schema
    db.close()
