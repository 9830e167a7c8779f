"""A cache shared by every server process, kept in one SQLite file in the data folder.

The production server runs several worker processes; with a cache in each one's
memory, a page rendered by one worker is rendered again by every other. This one
lives in a small SQLite database of its own (not the main database, so cache
writes never wait for an import), and a lookup is one indexed read, a few tens
of microseconds: about as cheap as a memory cache, with nothing else to run.

It is only a cache: if the file cannot be read or written (locked for too long,
damaged, a full disk), a lookup is a miss and a store is skipped, and the page is
rendered as if nothing had been cached.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

# Pages are tens to hundreds of kB: stored in a rowid table of 16 kB pages, one costs
# half the CPU it did in a WITHOUT ROWID table of 4 kB pages (a layout for small rows),
# and a lookup half as much. The page size is set before the file's first table.
_PAGE_SIZE = 16384
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS cache "
    "(key TEXT PRIMARY KEY, expires REAL NOT NULL, value BLOB NOT NULL)"
)
# Expired and surplus entries are removed every this many stores (per process).
_CULL_EVERY = 200
_NEVER = 1e18  # "expires" of entries stored without a timeout


class SQLiteCache(BaseCache):
    """Django cache backend: ``LOCATION`` is the database file's path."""

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        self.path = Path(location)
        self._local = threading.local()
        self._stores = 0

    # -- connection ---------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        """This thread's connection (a forked worker opens its own)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            return conn
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=1.0, isolation_level=None)
        conn.execute(f"PRAGMA page_size={_PAGE_SIZE}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(_SCHEMA)
        self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def _live(self, key: str, column: str) -> tuple[Any, ...] | None:
        """``column`` of the unexpired entry ``key``; None when there is none."""
        try:
            row: tuple[Any, ...] | None = (
                self._db()
                .execute(
                    f"SELECT {column} FROM cache WHERE key = ? AND expires > ?",  # noqa: S608
                    (key, time.time()),
                )
                .fetchone()
            )
        except sqlite3.Error:
            return None
        return row

    def _expiry(self, timeout: Any) -> float:
        seconds = self.get_backend_timeout(timeout)
        return _NEVER if seconds is None else float(seconds)

    # -- the cache API --------------------------------------------------------------------

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        row = self._live(key, "value")
        if row is None:
            return default
        try:
            return pickle.loads(row[0])  # noqa: S301 - written by this class only
        except Exception:  # an entry from another version of the code
            return default

    def set(
        self,
        key: str,
        value: Any,
        timeout: Any = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> None:
        self._store(key, value, timeout, version, replace=True)

    def add(
        self,
        key: str,
        value: Any,
        timeout: Any = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        return self._store(key, value, timeout, version, replace=False)

    def _store(
        self,
        key: str,
        value: Any,
        timeout: Any,
        version: int | None,
        *,
        replace: bool,
    ) -> bool:
        key = self.make_and_validate_key(key, version=version)
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        expires = self._expiry(timeout)
        now = time.time()
        try:
            db = self._db()
            if replace:
                db.execute(
                    "INSERT OR REPLACE INTO cache (key, expires, value) VALUES (?, ?, ?)",
                    (key, expires, data),
                )
                stored = True
            else:
                # Stored unless a live entry is there already.
                stored = (
                    db.execute(
                        "INSERT INTO cache (key, expires, value) VALUES (?, ?, ?) "
                        "ON CONFLICT (key) DO UPDATE SET expires = excluded.expires, "
                        "value = excluded.value WHERE cache.expires <= ?",
                        (key, expires, data, now),
                    ).rowcount
                    == 1
                )
            self._stores += 1
            if self._stores % _CULL_EVERY == 0:
                self._cull(db, now)
        except sqlite3.Error:
            return False
        return stored

    def _cull(self, db: sqlite3.Connection, now: float) -> None:
        db.execute("DELETE FROM cache WHERE expires <= ?", (now,))
        db.execute(
            "DELETE FROM cache WHERE key IN (SELECT key FROM cache ORDER BY expires DESC "
            "LIMIT -1 OFFSET ?)",
            (self._max_entries,),
        )

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        try:
            cursor = self._db().execute(
                "UPDATE cache SET expires = ? WHERE key = ? AND expires > ?",
                (self._expiry(timeout), key, time.time()),
            )
        except sqlite3.Error:
            return False
        return cursor.rowcount == 1

    def delete(self, key: str, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        try:
            cursor = self._db().execute("DELETE FROM cache WHERE key = ?", (key,))
        except sqlite3.Error:
            return False
        return cursor.rowcount == 1

    def has_key(self, key: str, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return self._live(key, "1") is not None

    def clear(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db().execute("DELETE FROM cache")

    def close(self, **kwargs: Any) -> None:
        """Keep the connection: Django calls this after every request."""
