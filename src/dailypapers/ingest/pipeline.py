"""The import pipeline: files -> records -> batched, idempotent writes.

Each batch is written in its own transaction, and progress is reported only after
it commits, so an import killed at any moment loses nothing it reported, and a
re-run finishes the job (records already stored count as unchanged).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dailypapers.ingest.formats import Problem, discover, read_file
from dailypapers.papers.records import PaperRecord
from dailypapers.papers.services import UpsertResult, upsert_papers

DEFAULT_BATCH = 1000


@dataclass
class ImportSummary:
    files: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    problems: list[Problem] = field(default_factory=list)
    changed_ids: list[str] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.new + self.updated + self.unchanged

    def absorb(self, result: UpsertResult) -> None:
        self.new += result.new
        self.updated += result.updated
        self.unchanged += result.unchanged
        self.changed_ids.extend(result.changed_ids)

    def line(self) -> str:
        return (
            f"{self.files} files: {self.new} new, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.skipped} skipped"
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


def run_import(
    paths: Iterable[Path],
    *,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
    write: Callable[[list[PaperRecord]], UpsertResult] = upsert_papers,
) -> ImportSummary:
    progress = progress or Progress()
    summary = ImportSummary()
    files, missing = discover(list(paths))
    for problem in missing:
        summary.problems.append(problem)
        summary.skipped += 1
        progress.problem(problem)
    total = 0
    for path in files:
        with contextlib.suppress(OSError):
            total += path.stat().st_size
    progress.start(total)
    batch: list[PaperRecord] = []

    def flush() -> None:
        if batch:
            summary.absorb(write(batch))
            batch.clear()
            progress.committed(summary)

    for path in files:
        summary.files += 1
        for item in read_file(path, progress.advance):
            if isinstance(item, Problem):
                summary.problems.append(item)
                summary.skipped += 1
                progress.problem(item)
                continue
            batch.append(item)
            if len(batch) >= batch_size:
                flush()
    flush()
    progress.finish()
    return summary
