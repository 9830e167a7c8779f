from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from tqdm import tqdm

from dailypapers.core.bootstrap import ensure_database
from dailypapers.ingest.formats import Problem
from dailypapers.ingest.pipeline import DEFAULT_BATCH, ImportSummary, Progress, run_import

EXIT_SKIPPED = 1
EXIT_NOTHING = 2
# Problems printed one per line; past these, only their count (a hostile file can
# hold millions).
SHOWN_PROBLEMS = 100
# Pages of SQLite's write-ahead log between checkpoints while importing (default
# 1000). Each checkpoint waits for the disk; doing them twenty times less often
# makes a large import about a quarter faster and keeps every commit durable.
_IMPORT_WAL_PAGES = 20_000
_DEFAULT_WAL_PAGES = 1000


class BarProgress(Progress):
    def __init__(self, stderr: Any, enabled: bool | None) -> None:
        self.stderr = stderr
        self.enabled = enabled
        self.bar: tqdm[Any] | None = None
        self.problems = 0

    def start(self, total_bytes: int) -> None:
        self.bar = tqdm(
            total=total_bytes,
            unit="B",
            unit_scale=True,
            desc="Importing",
            disable=self.enabled is False or (self.enabled is None and not sys.stderr.isatty()),
            file=sys.stderr,
        )

    def advance(self, nbytes: int) -> None:
        if self.bar:
            self.bar.update(nbytes)

    def committed(self, summary: ImportSummary) -> None:
        if self.bar:
            self.bar.set_postfix(new=summary.new, updated=summary.updated, skipped=summary.skipped)

    def problem(self, problem: Problem) -> None:
        self.problems += 1
        if self.problems <= SHOWN_PROBLEMS:
            self.say(f"{'shortened' if problem.kept else 'skipped'} {problem}")

    def say(self, message: str) -> None:
        if self.bar and not self.bar.disable:
            self.bar.write(message, file=sys.stderr)
        else:
            self.stderr.write(message)

    def finish(self) -> None:
        if self.problems > SHOWN_PROBLEMS:
            self.say(f"… and {self.problems - SHOWN_PROBLEMS} more problems")
        if self.bar:
            self.bar.close()


@contextlib.contextmanager
def _bulk_writes() -> Iterator[None]:
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA wal_autocheckpoint = {_IMPORT_WAL_PAGES}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {_DEFAULT_WAL_PAGES}")


class Command(BaseCommand):
    help = (
        "Import papers from files or folders (read recursively): Hugging Face daily-papers "
        "JSON (2024 and 2026 shapes, also as JSON Lines), the PaperExplorer scrape, and the "
        "arXiv metadata snapshot (JSON Lines, optionally .gz). Safe to re-run and to "
        "interrupt: stored papers count as unchanged. Exit status: 0 all imported, "
        f"{EXIT_SKIPPED} some records skipped or shortened, {EXIT_NOTHING} nothing imported "
        "(an empty or unreadable file, no records, or a path that does not exist)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH,
            help=f"papers per transaction (default {DEFAULT_BATCH})",
        )
        parser.add_argument(
            "--progress",
            action="store_true",
            default=None,
            help="always draw the progress bar (default: only on a terminal)",
        )
        parser.add_argument("--no-progress", dest="progress", action="store_false")
        parser.add_argument(
            "--reader",
            choices=["auto", "process", "inline"],
            default="auto",
            help="parse files in a separate process while writing (default auto: for large "
            "imports when a CPU core is free)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[Path] = options["paths"]
        missing = [p for p in paths if not p.exists()]
        if missing:
            # A mistyped path is found before anything is written, not after an hour.
            for path in missing:
                self.stderr.write(f"{path}: no such file or folder")
            self.stderr.write("Nothing imported.")
            raise SystemExit(EXIT_NOTHING)
        ensure_database()
        with _bulk_writes():
            summary = run_import(
                paths,
                batch_size=max(1, options["batch_size"]),
                progress=BarProgress(self.stderr, options["progress"]),
                worker={"auto": None, "process": True, "inline": False}[options["reader"]],
            )
        self.stdout.write(f"Imported {summary.line()}.")
        if summary.files == 0 or (summary.imported == 0 and summary.skipped):
            self.stderr.write("Nothing could be imported.")
            raise SystemExit(EXIT_NOTHING)
        if summary.skipped or summary.shortened:
            if summary.skipped:
                self.stderr.write(f"{summary.skipped} records skipped; see the messages above.")
            if summary.shortened:
                self.stderr.write(
                    f"{summary.shortened} records shortened to the text limits; "
                    "see the messages above."
                )
            raise SystemExit(EXIT_SKIPPED)
