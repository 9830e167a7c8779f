from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from dailypapers.core.bootstrap import ensure_database
from dailypapers.ingest.formats import Problem
from dailypapers.ingest.pipeline import DEFAULT_BATCH, ImportSummary, Progress, run_import

EXIT_SKIPPED = 1
EXIT_NOTHING = 2


class BarProgress(Progress):
    def __init__(self, stderr: Any, enabled: bool | None) -> None:
        self.stderr = stderr
        self.enabled = enabled
        self.bar: tqdm[Any] | None = None

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
        message = f"skipped {problem}"
        if self.bar and not self.bar.disable:
            self.bar.write(message, file=sys.stderr)
        else:
            self.stderr.write(message)

    def finish(self) -> None:
        if self.bar:
            self.bar.close()


class Command(BaseCommand):
    help = (
        "Import papers from files or folders (read recursively): Hugging Face daily-papers "
        "JSON (2024 and 2026 shapes), the PaperExplorer scrape, and the arXiv metadata "
        "snapshot (JSON Lines, optionally .gz). Safe to re-run: stored papers are "
        f"unchanged. Exit status: 0 all imported, {EXIT_SKIPPED} some records skipped, "
        f"{EXIT_NOTHING} nothing could be read."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)
        parser.add_argument(
            "--progress",
            action="store_true",
            default=None,
            help="always draw the progress bar (default: only on a terminal)",
        )
        parser.add_argument("--no-progress", dest="progress", action="store_false")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_database()
        summary = run_import(
            options["paths"],
            batch_size=max(1, options["batch_size"]),
            progress=BarProgress(self.stderr, options["progress"]),
        )
        self.stdout.write(f"Imported {summary.line()}.")
        if summary.files == 0 or (summary.imported == 0 and summary.skipped):
            raise SystemExit(EXIT_NOTHING)
        if summary.skipped:
            self.stderr.write(f"{summary.skipped} records skipped; see the messages above.")
            raise SystemExit(EXIT_SKIPPED)
