"""This node's copy of the paper vectors, and nearest-neighbour search over it.

Vectors are computed once into the database (embed.py); each node copies them
into its folder as append-only segment files (ids + float32 rows), following the
embeddings table by ``updated_at`` the way follow.py follows papers. Every
process memory-maps the segments, so the page cache holds one copy for all of
them. A paper embedded again appears in a later segment, which wins; segments
are merged when there are too many.

Below ``conf.ann_threshold()`` vectors search is exact: one matrix product per
segment (8 ms for 100k vectors). From there on the worker keeps an approximate
index (ann.py; named "graph" in the manifest) over the segments it has seen
("covered", always the first ones of the manifest); a search asks the index for
candidates, scans the few newer segments
exactly, and scores every candidate again on its current float32 vector.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import mmap
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from django.utils import timezone

from dailypapers.search import ann, conf, encoder
from dailypapers.search.cursor import Follower, Saved, Throttle, left_to_worker
from dailypapers.search.models import Embedding

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
MAX_SEGMENTS = 8
# New vectors join the index in batches of at least this many (each addition
# rewrites the index file, ~110 MB at 1M); until then they are scanned exactly.
GRAPH_BATCH = 5_000
PAGE = 2000

Ids = npt.NDArray[np.int64]


def folder() -> Path:
    return conf.made(conf.index_dir() / "vectors")


@dataclass
class Manifest(Saved):
    FILE: ClassVar[str] = MANIFEST

    model: str = encoder.MODEL_NAME
    segments: list[str] = field(default_factory=list)
    cursor: str = ""
    recent: dict[str, str] = field(default_factory=dict)
    synced_at: str = ""
    worker_synced_at: str = ""  # the last sync by a worker sharing this node's folder
    graph: str = ""  # the approximate index file (ann.py), when the node has one
    covered: list[str] = field(default_factory=list)  # the segments in the graph


class Store:
    """The segments of one manifest, memory-mapped, with the superseded rows masked."""

    def __init__(self, path: Path, manifest: Manifest, graph: ann.Index | None = None) -> None:
        self.graph = graph
        self.graph_name = manifest.graph if graph is not None else ""
        self.segments = list(manifest.segments)
        covered = set(manifest.covered) if graph is not None else set()
        self.ids: list[Ids] = []
        self.vectors: list[npt.NDArray[np.float32]] = []
        for name in manifest.segments:
            self.ids.append(np.load(path / f"{name}.ids.npy", mmap_mode="r"))
            self.vectors.append(np.load(path / f"{name}.vec.npy", mmap_mode="r"))
        everything = np.concatenate(self.ids) if self.ids else np.zeros(0, dtype=np.int64)
        # The last occurrence of an id is its current vector.
        reversed_ids = everything[::-1]
        _, first = np.unique(reversed_ids, return_index=True)
        keep = np.zeros(len(everything), dtype=bool)
        keep[len(everything) - 1 - first] = True
        self.masks: list[npt.NDArray[np.bool_]] = []
        start = 0
        for ids in self.ids:
            self.masks.append(keep[start : start + len(ids)])
            start += len(ids)
        live = np.flatnonzero(keep)
        order = np.argsort(everything[live], kind="stable")
        self.sorted_ids = everything[live][order]
        self.sorted_rows = live[order]
        self.offsets = np.cumsum([0, *(len(i) for i in self.ids)])
        # What an exact scan still has to cover: everything, or what the graph lacks.
        self.scanned = [n for n, name in enumerate(manifest.segments) if name not in covered]
        # Rescoring reads rows through the mapping: a page fault the first time, no
        # system call after (a pread per row cost ~4 ms a search at 1M, 1,200 rows).
        # Random access, so no read-ahead. Pages a process has touched count in its
        # resident memory: at most the segments' size (1.5 GB at 1M papers), shared
        # with every other process through the page cache.
        for array in self.vectors:
            mapping = getattr(array, "_mmap", None)
            if mapping is not None and hasattr(mapping, "madvise"):
                mapping.madvise(mmap.MADV_RANDOM)

    def __len__(self) -> int:
        return len(self.sorted_ids)

    def lookup(self, paper_ids: Ids) -> tuple[Ids, npt.NDArray[np.float32]]:
        """The current vectors of those of ``paper_ids`` that have one (ids, rows)."""
        at = np.searchsorted(self.sorted_ids, paper_ids)
        at = np.minimum(at, max(len(self.sorted_ids) - 1, 0))
        known = (self.sorted_ids[at] == paper_ids) if len(self.sorted_ids) else at < 0
        rows = self.sorted_rows[at[known]]
        segments = np.searchsorted(self.offsets, rows, side="right") - 1
        out = np.empty((len(rows), encoder.DIM), dtype=np.float32)
        for segment in np.unique(segments):
            here = segments == segment
            local = rows[here] - self.offsets[segment]
            out[here] = self.vectors[segment][local]
        return np.asarray(paper_ids[known], dtype=np.int64), out

    def vector(self, paper_id: int) -> npt.NDArray[np.float32] | None:
        at = int(np.searchsorted(self.sorted_ids, paper_id))
        if at >= len(self.sorted_ids) or self.sorted_ids[at] != paper_id:
            return None
        found: npt.NDArray[np.float32] = self.lookup(np.asarray([paper_id], dtype=np.int64))[1][0]
        return found

    def nearest(
        self, query: npt.NDArray[np.float32], k: int, exclude: set[int] | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` most similar papers by cosine (vectors are unit length)."""
        exclude = exclude or set()
        want = k + len(exclude)
        found_ids: list[Ids] = []
        found_scores: list[npt.NDArray[np.float32]] = []
        if self.graph is not None:
            # At least ann.CANDIDATES: rescoring them is cheap, and an entry whose
            # vector changed since must not crowd out the others.
            candidates, _ = self.graph.search(query, max(want, ann.CANDIDATES))
            # Exact scores on the current vectors; an id found twice (an old vector
            # still in the graph) counts once.
            ids, rows = self.lookup(np.unique(candidates))
            found_ids.append(ids)
            found_scores.append((rows @ query).astype(np.float32))
        for n in self.scanned:
            ids, vectors, mask = self.ids[n], self.vectors[n], self.masks[n]
            scores = vectors @ query
            scores = np.where(mask, scores, -np.inf).astype(np.float32)
            if len(scores) > want:
                top = np.argpartition(-scores, want)[:want]
            else:
                top = np.arange(len(scores))
            found_ids.append(np.asarray(ids[top]))
            found_scores.append(scores[top])
        if not found_ids:
            return []
        all_ids, all_scores = np.concatenate(found_ids), np.concatenate(found_scores)
        order = np.argsort(-all_scores, kind="stable")
        out = []
        seen: set[int] = set()
        for i in order:
            pk, score = int(all_ids[i]), float(all_scores[i])
            if score == -np.inf or pk in exclude or pk in seen:
                continue
            seen.add(pk)
            out.append((pk, score))
            if len(out) == k:
                break
        return out


_stores: dict[str, tuple[float, Store | None]] = {}
_stores_lock = threading.Lock()
_warned = False


def _open_graph(path: Path, manifest: Manifest) -> ann.Index | None:
    global _warned
    if not manifest.graph:
        return None
    if not ann.available():
        if not _warned:
            log.warning("faiss is not installed: searching %s vectors exactly", path)
            _warned = True
        return None
    if not manifest.graph.startswith(ann.FILE_PREFIX):
        return None  # a file of an earlier kind: scanned past until the worker replaces it
    return ann.Index.load(path / manifest.graph)


def store() -> Store | None:
    """This process's view of the vectors, reopened when the segments or the graph change."""
    path = folder()
    try:
        stamp = (path / MANIFEST).stat().st_mtime
    except OSError:
        return None
    key = str(path)
    with _stores_lock:
        cached = _stores.get(key)
        if cached and cached[0] == stamp:
            return cached[1]
        manifest = Manifest.read(path)
        if manifest.model != encoder.MODEL_NAME or not manifest.segments:
            return None
        previous = cached[1] if cached else None
        if (
            previous is not None
            and previous.segments == manifest.segments
            and previous.graph_name == manifest.graph
        ):
            # Only the cursor moved (every sync writes the manifest): keep what is open.
            _stores[key] = (stamp, previous)
            return previous
        try:
            loaded = Store(path, manifest, _open_graph(path, manifest))
        except (OSError, RuntimeError):
            return None  # a merge replaced the files a moment ago; next time
        _stores[key] = (stamp, loaded)
        return loaded


@contextlib.contextmanager
def _write_lock(path: Path) -> Iterator[bool]:
    with open(path / ".write.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_segment(path: Path, ids: Ids, vectors: npt.NDArray[np.float32]) -> str:
    name = f"seg-{time.time_ns()}"
    for suffix, array in ((".ids.npy", ids), (".vec.npy", vectors)):
        tmp = path / f"{name}{suffix}.tmp"
        with tmp.open("wb") as handle:
            np.save(handle, array)
        os.replace(tmp, path / f"{name}{suffix}")
    return name


def _merge(path: Path, manifest: Manifest, names: list[str]) -> None:
    """Rewrite a run of consecutive segments as one (the last vector of each id wins)."""
    if len(names) < 2:
        return
    current = Store(path, Manifest(segments=names))
    ids = np.asarray(current.sorted_ids)
    _, vectors = current.lookup(ids)
    merged = _write_segment(path, ids, vectors)
    at = manifest.segments.index(names[0])
    manifest.segments[at : at + len(names)] = [merged]
    if manifest.covered and names[0] in manifest.covered:
        manifest.covered = [n for n in manifest.covered if n not in names] + [merged]
    manifest.write(path)
    # Readers that mapped the old files keep them until they reopen (POSIX unlink).
    for name in names:
        for suffix in (".ids.npy", ".vec.npy"):
            (path / f"{name}{suffix}").unlink(missing_ok=True)


def _compact(path: Path, manifest: Manifest, *, graph_work: bool) -> None:
    """Keep the number of segments small: the new ones first, the graph's own if allowed."""
    if len(manifest.segments) <= MAX_SEGMENTS:
        return
    _merge(path, manifest, [n for n in manifest.segments if n not in manifest.covered])
    if len(manifest.segments) > MAX_SEGMENTS and graph_work:
        # The first segment is the big one the graph was built from: leave it be and
        # merge the later, smaller ones, so a merge costs what was added since.
        _merge(path, manifest, [n for n in manifest.segments if n in manifest.covered][1:])


def _drop_graph(path: Path, manifest: Manifest) -> None:
    old = manifest.graph
    manifest.graph, manifest.covered = "", []
    manifest.write(path)
    if old:
        (path / old).unlink(missing_ok=True)


def update_graph(path: Path, manifest: Manifest) -> int:
    """Build or extend the approximate index when the node holds enough vectors; returns rows added.

    Called with the write lock held. The new graph is written to a new file and
    named in the manifest, so readers switch over at their next search.
    """
    threshold = conf.ann_threshold()
    up_to_date = manifest.graph.startswith(ann.FILE_PREFIX) and set(manifest.segments) <= set(
        manifest.covered
    )
    if up_to_date and threshold > 0 and (path / manifest.graph).exists():
        return 0  # nothing new (the common case: checked every few seconds)
    rows = sum(len(np.load(path / f"{n}.ids.npy", mmap_mode="r")) for n in manifest.segments)
    if not manifest.graph and (threshold <= 0 or rows < threshold):
        return 0
    current = Store(path, manifest)
    if threshold <= 0 or len(current) < threshold:
        if manifest.graph:
            _drop_graph(path, manifest)
        return 0
    if not ann.available():
        log.warning("%s vectors but faiss is not installed: exact search", len(current))
        return 0
    graph: ann.Index | None = None
    todo: list[str] = []
    if manifest.graph.startswith(ann.FILE_PREFIX) and (path / manifest.graph).exists():
        todo = [n for n in manifest.segments if n not in manifest.covered]
        if not todo:
            return 0
        pending = sum(len(current.ids[manifest.segments.index(n)]) for n in todo)
        if pending < GRAPH_BATCH:
            return 0  # scanned exactly meanwhile; rewriting the index file costs more
        # Read once, only when there is a batch to add: the file is ~110 MB at 1M.
        graph = ann.Index.load(path / manifest.graph, writable=True)
        if graph.outgrown(len(current)):
            graph = None  # too few groups for what the node holds now: build it anew
    if graph is None:
        ids = np.asarray(current.sorted_ids)
        _, vectors = current.lookup(ids)
        graph = ann.Index.build(ids, vectors)
    else:
        ids = np.concatenate([current.ids[manifest.segments.index(n)] for n in todo])
        # The newest vector of each id among the new segments (older ones are superseded).
        ids, vectors = current.lookup(np.unique(ids))
        graph.add(ids, vectors)
    name = f"{ann.FILE_PREFIX}{time.time_ns()}.faiss"
    graph.save(path / name)
    old = manifest.graph
    manifest.graph = name
    manifest.covered = list(manifest.segments)
    manifest.write(path)
    if old and old != name:
        (path / old).unlink(missing_ok=True)
    return len(ids)


def sync(limit: int | None = None, *, graph_work: bool = False, worker: bool = False) -> int:
    """Copy vectors written since the last sync into a new segment; returns how many.

    With ``graph_work`` (the worker and the ``search`` command, never a search) the
    approximate index is built or extended too, and its segments may be merged.
    ``worker``: the worker's own job (see cursor.left_to_worker). Returns 0 without
    waiting when another process is syncing this node.
    """
    path = folder()
    with _write_lock(path) as mine:
        if not mine:
            return 0
        manifest = Manifest.read(path)
        if manifest.model != encoder.MODEL_NAME:
            manifest = Manifest()
        follower = Follower(manifest.cursor, manifest.recent, started=timezone.now())
        rows = Embedding.objects.filter(vector__isnull=False, model=encoder.MODEL_NAME)
        ids: list[int] = []
        chunks: list[bytes] = []
        complete = True
        for batch in follower.pages(rows, "updated_at", "vector", size=PAGE):
            for pk, _, vector in follower.unseen(batch):
                ids.append(pk)
                chunks.append(bytes(vector or b""))
            if limit is not None and len(ids) >= limit:
                complete = False
                break
        if ids:
            vectors = np.frombuffer(b"".join(chunks), dtype="<f4").reshape(len(ids), encoder.DIM)
            manifest.segments.append(
                _write_segment(path, np.asarray(ids, dtype=np.int64), vectors.astype(np.float32))
            )
        kept = follower.finish(complete=complete)
        manifest.recent = follower.recent
        if kept is not None:
            manifest.cursor, manifest.recent = kept
        manifest.synced_at = timezone.now().isoformat()
        if worker:
            manifest.worker_synced_at = manifest.synced_at
        manifest.write(path)
        _compact(path, manifest, graph_work=graph_work)
        if graph_work:
            update_graph(path, manifest)
        return len(ids)


_throttle = Throttle()


def maybe_sync() -> None:
    if not _throttle.due() or left_to_worker(Manifest.read(folder()).worker_synced_at):
        return
    try:
        sync(limit=20_000)
    except Exception:
        log.exception("vector sync failed")


def encode_query(text: str) -> tuple[npt.NDArray[np.float32], Store] | None:
    """The query's vector and the vectors to search; None when there is no model or none."""
    if not conf.dense_enabled():
        return None
    model = encoder.load(queries=True)
    if model is None:
        return None
    maybe_sync()
    vectors = store()
    if vectors is None or len(vectors) == 0:
        return None
    return model.encode([text])[0], vectors


def query(text: str, k: int) -> list[tuple[int, float]] | None:
    """Papers nearest in meaning to ``text``; None when there is no model or no vectors."""
    found = encode_query(text)
    return found[1].nearest(found[0], k) if found else None


def neighbours(paper_id: int, k: int) -> list[tuple[int, float]] | None:
    """Papers nearest in meaning to a paper; None when that paper has no vector here."""
    if not conf.dense_enabled():
        return None
    vectors = store()
    if vectors is None:
        return None
    mine = vectors.vector(paper_id)
    if mine is None:
        return None
    return vectors.nearest(mine, k, exclude={paper_id})


def status() -> dict[str, Any]:
    manifest = Manifest.read(folder())
    vectors = store()
    return {
        "model_file": encoder.available(),
        "vectors": len(vectors) if vectors else 0,
        "synced_at": manifest.synced_at or None,
        "search": "ivf" if vectors is not None and vectors.graph is not None else "exact",
        "ann_threshold": conf.ann_threshold(),
    }
