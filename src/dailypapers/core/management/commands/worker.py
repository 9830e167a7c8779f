from __future__ import annotations

import contextlib
import signal
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections

from dailypapers.core import worker
from dailypapers.core.bootstrap import ensure_database
from dailypapers.core.status import Heartbeat
from dailypapers.core.supervise import parent_gone


class Command(BaseCommand):
    help = (
        "Run background jobs (sending due digests, ...): each at its interval until "
        "stopped, or each once with --once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run every job once, then exit")
        parser.add_argument(
            "--job", action="append", default=[], metavar="NAME", help="only this job (repeatable)"
        )
        parser.add_argument("--list", action="store_true", help="list the jobs and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        worker.discover()
        available = {job.name: job for job in worker.jobs()}
        if options["list"]:
            for job in available.values():
                self.stdout.write(f"{job.name:<24} every {job.every:g}s")
            return
        unknown = [name for name in options["job"] if name not in available]
        if unknown:
            raise CommandError(
                f"unknown job {', '.join(unknown)}; jobs: {', '.join(available)}", returncode=2
            )
        selected = [available[n] for n in options["job"]] or list(available.values())
        ensure_database()
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True
            self.stderr.write("worker: stopping after the current unit of work")

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        failed = False

        def report(result: worker.Result) -> None:
            nonlocal failed
            failed = failed or not result.ok
            line = f"{result.job}: {result.summary} ({result.seconds:.1f}s)"
            self.stdout.write(line if result.ok else self.style.ERROR(line))
            self.stdout.flush()

        def should_stop() -> bool:
            # A worker started by `dailypapers serve` also stops when the server is gone.
            return stopping or parent_gone()

        if options["once"]:
            for result in worker.run_once(selected, should_stop=should_stop):
                report(result)
            if failed:
                raise SystemExit(1)
            return
        self.stdout.write(f"worker: running {', '.join(j.name for j in selected)}; Ctrl-C stops")
        self.stdout.flush()
        last: dict[str, str] = {}

        def report_changes(result: worker.Result) -> None:
            # A job that keeps finding nothing to do says so once, not every few seconds.
            if not result.ok or last.get(result.job) != result.summary:
                last[result.job] = result.summary
                report(result)

        heartbeat = Heartbeat()

        def between_ticks() -> None:
            close_old_connections()
            try:
                heartbeat.beat()
            except DatabaseError:
                # The database is away for a moment; the jobs will say so themselves.
                close_old_connections()

        try:
            worker.run_forever(
                selected,
                should_stop=should_stop,
                report=report_changes,
                between_ticks=between_ticks,
            )
        finally:
            with contextlib.suppress(DatabaseError):
                heartbeat.stop()
