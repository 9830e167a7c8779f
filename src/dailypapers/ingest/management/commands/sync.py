from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dailypapers.core.bootstrap import ensure_database
from dailypapers.ingest import sync
from dailypapers.ingest.models import SyncRun, SyncState

EXIT_PROBLEMS = 1  # finished, but some records or requests were skipped
EXIT_FAILED = 3  # could not finish (upstream error, time budget)
EXIT_BUSY = 4  # another worker is syncing this source


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}", returncode=2) from None


class Command(BaseCommand):
    help = "Fetch new papers from one upstream once, or show the recent runs (sync status)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", choices=[*sync.SOURCES, "status"])
        parser.add_argument("--since", type=_date, help="first day (YYYY-MM-DD)")
        parser.add_argument("--until", type=_date, help="last day (YYYY-MM-DD)")
        parser.add_argument(
            "--categories", nargs="+", default=[], help="arXiv categories or archives (cs.CL, cs)"
        )
        parser.add_argument("--ids", nargs="+", default=[], help="arxiv: these papers only")
        parser.add_argument("--query", default="", help="arxiv: an API search query")
        parser.add_argument("--limit", type=int, default=10, help="status: runs to show")
        parser.add_argument(
            "--no-repos",
            action="store_true",
            help="hf: leave out the models, datasets and Spaces citing each paper",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_database()
        if options["source"] == "status":
            self._status(options["limit"])
            return
        request = sync.Request(
            since=options["since"],
            until=options["until"],
            categories=options["categories"],
            ids=options["ids"],
            query=options["query"],
            repos=not options["no_repos"],
        )
        try:
            done = sync.run(options["source"], request)
        except sync.Busy as exc:
            self.stderr.write(str(exc))
            raise SystemExit(EXIT_BUSY) from None
        line = f"{done.source}: {done.status}: {done.summary}"
        if done.status == SyncRun.Status.OK:
            self.stdout.write(line)
            return
        self.stdout.write(self.style.ERROR(line))
        for error in done.errors[:20]:
            self.stderr.write(f"  {error}")
        raise SystemExit(EXIT_FAILED if done.status == SyncRun.Status.FAILED else EXIT_PROBLEMS)

    def _status(self, limit: int) -> None:
        states = {s.source: s for s in SyncState.objects.all()}
        for source in sync.SOURCES:
            state = states.get(source)
            last = SyncRun.objects.filter(source=source).first()
            parts = [f"{source:<6}"]
            parts.append(
                f"last run {last.started_at:%Y-%m-%d %H:%M} {last.status}" if last else "never run"
            )
            if state and state.last_success_at:
                parts.append(f"last success {state.last_success_at:%Y-%m-%d %H:%M}")
            if state and state.claimed_by:
                parts.append(f"running on {state.claimed_by}")
            if state and state.watermark:
                parts.append(f"watermark {state.watermark}")
            self.stdout.write("  ".join(parts))
        self.stdout.write("")
        for run in SyncRun.objects.all()[: max(limit, 0)]:
            self.stdout.write(
                f"{run.started_at:%Y-%m-%d %H:%M} {run.source:<6} {run.status:<8} {run.summary}"
            )
