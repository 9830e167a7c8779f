"""Keeping this node's lexical index in step with the database.

The database is the source of truth; the index is derived. Each node follows the
papers table by a cursor over ``modified_at``: every catch-up reads the papers
written since the last one, plus an overlap window before it, because
``modified_at`` is set when a row is written and its transaction may commit
later. Papers seen in the window at the same ``modified_at`` are skipped, so the
overlap costs a read, not a re-index. Whoever holds the index's write lock does
the work; everyone else just reads.

State lives in ``state.json`` next to the index folders; a reindex builds a new
folder, records its progress so an interrupted one resumes, and switches over
only when complete.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from django.db.models import Max
from django.utils import timezone

from dailypapers.papers.models import Paper
from dailypapers.search import conf, documents
from dailypapers.search.cursor import Follower, Saved, Throttle, left_to_worker
from dailypapers.search.lexical import SCHEMA_VERSION, LexicalIndex

log = logging.getLogger(__name__)

BATCH = 1000
# A rebuild commits and saves its progress after this many papers' ids: what an
# interruption can lose, and resume.
CHECKPOINT = 20 * BATCH
STATE = "state.json"
Progress = Callable[[int, int], None]


class Busy(Exception):
    """Another process is writing this node's index right now."""


@dataclass
class State(Saved):
    FILE: ClassVar[str] = STATE

    lexical: str = ""
    schema: int = SCHEMA_VERSION
    cursor: str = ""  # ISO time: every paper written before (cursor - overlap) is indexed
    recent: dict[str, str] | None = None  # id -> modified_at already indexed in the window
    caught_up_at: str = ""
    # When a worker sharing this node's folder last caught it up (search.follow).
    worker_caught_up_at: str = ""
    build: dict[str, Any] | None = None  # an unfinished reindex


@contextlib.contextmanager
def _locked_state(folder: Path) -> Iterator[State]:
    """Read-modify-write of state.json, one process at a time (the reindex and a
    catch-up may both be writing it)."""
    with open(folder / ".state.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            state = State.read(folder)
            yield state
            state.write(folder)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def _parse(value: str) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


# -- the index of this process ----------------------------------------------------------

_open: dict[str, LexicalIndex] = {}
_open_lock = threading.Lock()


_live_seen: dict[str, tuple[tuple[int, int, int], str, int]] = {}


def _live(folder: Path) -> tuple[str, int]:
    """(live index folder name, schema) from the state file, parsed again only when it
    changed: every search and paper page asks, and the file can be large (the ids seen
    in the overlap window)."""
    path = folder / STATE
    try:
        stat = path.stat()
    except OSError:
        return "", 0
    stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    seen = _live_seen.get(str(path))
    if seen is None or seen[0] != stamp:
        state = State.read(folder)
        seen = _live_seen[str(path)] = (stamp, state.lexical, state.schema)
    return seen[1], seen[2]


def current() -> LexicalIndex | None:
    """This process's handle on the live index, reopened when a reindex switched folders."""
    folder = conf.index_dir()
    lexical, schema = _live(folder)
    if not lexical or schema != SCHEMA_VERSION:
        return None
    path = folder / lexical
    key = str(path)
    with _open_lock:
        found = _open.get(key)
        if found is None:
            if not path.exists():
                return None
            for stale in [k for k in _open if k.startswith(str(folder))]:
                del _open[stale]
            found = _open[key] = LexicalIndex(path)
    return found


def schema_stale(state: State | None = None) -> bool:
    """Whether the live index was built with other fields than this code reads (an
    upgrade changed them): it must be rebuilt before it serves searches again.
    ``state``: this node's, when already read."""
    state = state or State.read(conf.index_dir())
    return bool(state.lexical) and state.schema != SCHEMA_VERSION


def ensure() -> LexicalIndex:
    """The live index, created empty (and due for a full catch-up) on first use."""
    found = current()
    if found is not None:
        return found
    folder = conf.index_dir()
    state = State.read(folder)
    if state.lexical and state.schema == SCHEMA_VERSION and (folder / state.lexical).exists():
        return LexicalIndex(folder / state.lexical)
    with _locked_state(folder) as state:
        if not (state.lexical and (folder / state.lexical).exists()):
            name = f"lexical-{int(time.time() * 1000)}"
            LexicalIndex(folder / name)
            state.lexical, state.schema, state.cursor, state.recent = name, SCHEMA_VERSION, "", {}
    found = current()
    assert found is not None
    return found


@contextlib.contextmanager
def _writing(index: LexicalIndex, threads: int = 1) -> Iterator[Any]:
    try:
        writer = index.writer(threads)
    except ValueError:
        raise Busy from None
    try:
        yield writer
    finally:
        writer.wait_merging_threads()


# -- following --------------------------------------------------------------------------


def catch_up(
    *, limit: int | None = None, progress: Progress | None = None, worker: bool = False
) -> int:
    """Index what changed since the last catch-up; returns how many papers were (re)indexed.

    ``limit`` bounds the work (a search request catches up a little at a time and
    leaves a big backlog to the worker). ``worker``: the worker's own job, which
    searches on this node then leave the following to. Raises Busy when another
    process writes.
    """
    index = ensure()
    folder = conf.index_dir()
    with _writing(index) as writer:
        state = State.read(folder)
        if folder / state.lexical != index.path:
            raise Busy  # a reindex switched folders a moment ago
        follower = Follower(state.cursor, state.recent, started=timezone.now())
        done = 0
        complete = True
        for rows in follower.pages(Paper.objects.all(), "modified_at", size=BATCH):
            todo = [pk for pk, _ in follower.unseen(rows)]
            done += LexicalIndex.put(writer, documents.load(todo))
            if progress:
                progress(done, 0)
            if limit is not None and done >= limit:
                complete = False
                break
        writer.commit()
        kept = follower.finish(complete=complete)
        recent = follower.recent
        if kept is not None:
            state.cursor, recent = kept
        with _locked_state(folder) as latest:
            if folder / latest.lexical == index.path:
                latest.cursor, latest.recent = state.cursor, recent
                latest.caught_up_at = _iso(timezone.now())
                if worker:
                    latest.worker_caught_up_at = latest.caught_up_at
    index.reload()
    return done


_throttle = Throttle()


def maybe_catch_up(limit: int = 2000) -> None:
    """Catch up from a request, at most every few seconds per process, never waiting."""
    if not _throttle.due():
        return
    state = State.read(conf.index_dir())
    if schema_stale(state):
        return  # a stale index is the worker's to rebuild
    if left_to_worker(state.worker_caught_up_at):
        return
    try:
        catch_up(limit=limit)
    except Busy:
        pass
    except Exception:
        # Search must keep answering from the index it has.
        log.exception("search index catch-up failed")
    index = current()
    if index is not None:
        index.reload()


# -- rebuilding ----------------------------------------------------------------------------


def reindex(*, progress: Progress | None = None, fresh: bool = False) -> int:
    """Rebuild the lexical index from the database into a new folder, then switch to it.

    Resumes an interrupted rebuild (unless ``fresh``). Searches keep using the old
    folder until the new one is complete.
    """
    folder = conf.index_dir()
    with _locked_state(folder) as state:
        build = state.build if state.build and not fresh else None
        resumed = build is not None and (folder / build["dir"]).exists()
        if build is None or not resumed:
            build = {
                "dir": f"lexical-{int(time.time() * 1000)}",
                "started_at": _iso(timezone.now()),
                "last_id": 0,
                "done": 0,
            }
            state.build = build
    index = LexicalIndex(folder / build["dir"])
    total = Paper.objects.count()
    # Counted in ids, not in documents written: a paper deleted while the rebuild runs
    # writes nothing, and must not put the next checkpoint out of reach.
    since_checkpoint = 0
    with _writing(index, threads=0) as writer:
        while True:
            ids = list(
                Paper.objects.filter(pk__gt=build["last_id"])
                .order_by("pk")
                .values_list("pk", flat=True)[:BATCH]
            )
            if not ids:
                break
            # A new folder cannot hold these papers yet, so they are only added; a resumed
            # one may (a commit may have outrun the saved progress), so they replace.
            write = LexicalIndex.put if resumed else LexicalIndex.add
            build["done"] += write(writer, documents.load(ids))
            build["last_id"] = ids[-1]
            since_checkpoint += len(ids)
            if since_checkpoint >= CHECKPOINT:
                writer.commit()
                _save_build(folder, build)
                since_checkpoint = 0
            if progress:
                progress(build["done"], total)
        writer.commit()
    # Papers written while the rebuild ran are picked up by following from its start.
    with _locked_state(folder) as latest:
        old = latest.lexical
        latest.lexical = build["dir"]
        latest.schema = SCHEMA_VERSION
        latest.cursor = build["started_at"]
        latest.recent = {}
        latest.build = None
    if old and old != build["dir"]:
        shutil.rmtree(folder / old, ignore_errors=True)
    return int(build["done"])


def _save_build(folder: Path, build: dict[str, Any]) -> None:
    with _locked_state(folder) as state:
        state.build = build


def status() -> dict[str, Any]:
    """How far behind the database this node's index is."""
    folder = conf.index_dir()
    state = State.read(folder)
    cursor = _parse(state.cursor)
    latest = Paper.objects.aggregate(m=Max("modified_at"))["m"]
    pending = Paper.objects.filter(modified_at__gt=cursor).count() if cursor else None
    if cursor is None:
        pending = Paper.objects.count()
    lag = max(0.0, (latest - cursor).total_seconds()) if latest and cursor else None
    index = current()
    return {
        "index": state.lexical or None,
        "schema_current": state.schema == SCHEMA_VERSION,
        "documents": index.searcher().num_docs if index else 0,
        "papers": Paper.objects.count(),
        "pending": pending,
        "behind_seconds": lag if cursor else None,
        "caught_up_at": state.caught_up_at or None,
        "rebuilding": bool(state.build),
    }
