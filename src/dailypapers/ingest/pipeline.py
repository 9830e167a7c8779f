"""The import pipeline: files -> records -> batched, idempotent writes.

Each batch is written in its own transaction, and progress is reported only after
it commits, so an import killed at any moment loses nothing it reported, and a
re-run finishes the job (records already stored count as unchanged).
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dailypapers.ingest import reader
from dailypapers.ingest.formats import Problem, discover
from dailypapers.ingest.writing import Counts, Writer, write_batch
from dailypapers.papers.records import PaperRecord
from dailypapers.papers.services import upsert_papers

# Papers per transaction. Fewer, larger commits write each index page fewer times:
# 5,000 makes a first import about a fifth faster than 1,000, for about 25 MiB more.
DEFAULT_BATCH = 5000
# Below this much input, starting a reader process costs more than it saves.
WORKER_MIN_BYTES = 8 << 20
# Problems kept on the summary for the caller to look at; the rest are only counted
# (a hostile file can hold millions).
KEPT_PROBLEMS = 1000


@dataclass
class ImportSummary(Counts):
    """The counts of the records written (new, updated, unchanged) and of the rest."""

    files: int = 0
    skipped: int = 0
    shortened: int = 0  # imported with text cut to its limit
    problems: list[Problem] = field(default_factory=list)  # the first KEPT_PROBLEMS

    @property
    def imported(self) -> int:
        return self.new + self.updated + self.unchanged

    def line(self) -> str:
        shortened = f", {self.shortened} shortened" if self.shortened else ""
        return (
            f"{self.files} files: {self.new} new, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.skipped} skipped{shortened}"
        )


class Progress:
    """What the pipeline tells its caller; the command draws a bar from it."""

    def start(self, total_bytes: int) -> None:
        pass

    def advance(self, nbytes: int) -> None:
        pass

    def committed(self, summary: ImportSummary) -> None:
        pass

    def problem(self, problem: Problem) -> None:
        pass

    def finish(self) -> None:
        pass


def _spare_core() -> bool:
    """Whether a second process would get a core of its own.

    On a machine busy with other work, two processes share one core and only add
    the cost of passing records between them.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]
    except (AttributeError, OSError):
        busy = 0.0
    return cores > 1 and busy <= cores - 1


def run_import(
    paths: Iterable[Path],
    *,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
    write: Writer = upsert_papers,
    worker: bool | None = None,
) -> ImportSummary:
    """Import ``paths``; ``worker`` parses in a separate process (default: when it pays)."""
    thresholds = gc.get_threshold()
    reader.fewer_collections()
    try:
        return _run_import(paths, batch_size, progress, write, worker)
    finally:
        gc.set_threshold(*thresholds)


def _run_import(
    paths: Iterable[Path],
    batch_size: int,
    progress: Progress | None,
    write: Writer,
    worker: bool | None,
) -> ImportSummary:
    progress = progress or Progress()
    summary = ImportSummary()
    batch_size = max(1, batch_size)

    def skip(problem: Problem) -> None:
        if len(summary.problems) < KEPT_PROBLEMS:
            summary.problems.append(problem)
        if problem.kept:
            summary.shortened += 1
        else:
            summary.skipped += 1
        progress.problem(problem)

    files, missing = discover(list(paths))
    for problem in missing:
        skip(problem)
    total = 0
    for path in files:
        with contextlib.suppress(OSError):
            total += path.stat().st_size
    progress.start(total)
    batch: list[PaperRecord] = []

    def flush() -> None:
        if not batch:
            return
        summary.add(
            write_batch(batch, lambda record, why: skip(Problem(record.location, why)), write)
        )
        batch.clear()
        progress.committed(summary)

    if worker is None:
        worker = total >= WORKER_MIN_BYTES and _spare_core()
    chunks = reader.read_in_worker(files) if worker and files else reader.read_here(files)
    for chunk in chunks:
        progress.advance(chunk.nbytes)
        for item in chunk.items:
            if isinstance(item, Problem):
                skip(item)
                continue
            batch.append(item)
            if len(batch) >= batch_size:
                flush()
        if chunk.end_of_file:
            summary.files += 1
    flush()
    progress.finish()
    return summary
