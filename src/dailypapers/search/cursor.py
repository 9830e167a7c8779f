"""Following a table by a cursor over a time stamp, with an overlap window.

The lexical index follows papers by ``modified_at``, the vector store follows
embeddings by ``updated_at``. A stamp is taken when a row is written and its
transaction may commit later, so every catch-up reads the rows stamped since the
cursor minus an overlap window; the rows seen in that window at the same stamp
are remembered (``recent``) and skipped, so the overlap costs a read, not redoing
the work. Rows are read in keyset pages over (stamp, pk).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, Self

from django.db.models import Q, QuerySet

from dailypapers.search import conf

Row = tuple[Any, ...]


class Saved:
    """A dataclass kept as one JSON file in a folder (``FILE``), replaced atomically.

    Reading a missing or damaged file gives the defaults, and keys the class no longer
    has are dropped, so an older or newer file never stops the index from opening.
    """

    FILE: ClassVar[str]

    @classmethod
    def read(cls, folder: Path) -> Self:
        try:
            raw = json.loads((folder / cls.FILE).read_text())
        except (OSError, ValueError):
            return cls()
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in raw.items() if k in names})

    def write(self, folder: Path) -> None:
        tmp = folder / f"{self.FILE}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(self.__dict__))
        os.replace(tmp, folder / self.FILE)


class Follower:
    """One catch-up: the pages to read, the rows not seen yet, the cursor to keep."""

    def __init__(self, cursor: str, recent: dict[str, str] | None, *, started: dt.datetime) -> None:
        self.window = conf.overlap()
        self.started = started
        self.cursor = dt.datetime.fromisoformat(cursor) if cursor else None
        self.recent = dict(recent or {})
        self.newest = self.cursor

    def pages(
        self, rows: QuerySet[Any], stamp: str, *columns: str, size: int
    ) -> Iterator[list[Row]]:
        """(pk, stamp, *columns) of ``rows`` stamped at or after the cursor minus the window."""
        if self.cursor is not None:
            rows = rows.filter(**{f"{stamp}__gte": self.cursor - self.window})
        rows = rows.order_by(stamp, "pk")
        after: tuple[dt.datetime, Any] | None = None
        while True:
            page = rows
            if after is not None:
                page = page.filter(
                    Q(**{f"{stamp}__gt": after[0]}) | Q(**{stamp: after[0], "pk__gt": after[1]})
                )
            found = list(page.values_list("pk", stamp, *columns)[:size])
            if not found:
                return
            yield found
            after = (found[-1][1], found[-1][0])

    def unseen(self, page: list[Row]) -> list[Row]:
        """The rows of ``page`` not seen at their stamp before; all are seen from now on."""
        fresh = []
        for row in page:
            stamp = row[1].isoformat()
            if self.recent.get(str(row[0])) != stamp:
                fresh.append(row)
            self.recent[str(row[0])] = stamp
        self.newest = page[-1][1]
        return fresh

    def finish(self, *, complete: bool) -> tuple[str, dict[str, str]] | None:
        """(cursor, recent) to keep; None when nothing moves the cursor.

        After a complete pass everything visible at the start is done, so the next
        one may start at (start - window); after a partial one, at the last row read.
        Only what falls in the window is remembered.
        """
        newest = self.started if complete else self.newest
        if newest is None:
            return None
        floor = newest - self.window
        recent = {k: v for k, v in self.recent.items() if dt.datetime.fromisoformat(v) >= floor}
        return newest.isoformat(), recent


class Throttle:
    """Catching up from a request: at most once every few seconds per process."""

    def __init__(self) -> None:
        self._last = 0.0
        self._lock = threading.Lock()

    def due(self) -> bool:
        if not conf.follow_on_request():
            return False
        now = time.monotonic()
        with self._lock:
            if now - self._last < conf.follow_interval():
                return False
            self._last = now
        return True


# A running worker follows the database every 5 s: a copy it brought up to date within
# this many seconds is left to it.
WORKER_KEEPS_WITHIN = 30.0


def left_to_worker(last: str) -> bool:
    """Whether a search should leave catching up to the worker: one is running and it
    caught this node's copy up lately (``last``, an ISO time, kept by the worker's own
    job in this node's folder). A search then never waits for index writes the worker
    is about to make. While the worker is busy with a long job (a first embedding of a
    large import), or runs on another node with a folder of its own, searches keep
    this node's copy current themselves."""
    if not last:
        return False
    try:
        age = (dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(last)).total_seconds()
    except ValueError:
        return False
    if age > WORKER_KEEPS_WITHIN:
        return False
    from dailypapers.core.status import worker_running

    return worker_running()
