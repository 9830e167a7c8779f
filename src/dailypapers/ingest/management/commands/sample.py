from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dailypapers.core.bootstrap import ensure_database
from dailypapers.ingest import sample
from dailypapers.papers.models import Paper


class Command(BaseCommand):
    help = (
        "The sample of real daily lists a new hub starts with: load it into an empty "
        "database, retire it once real papers arrived, or show its state."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["load", "retire", "status"])

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_database()
        action = options["action"]
        if action == "load":
            summary = sample.load_if_empty()
            if summary is None:
                self.stdout.write("The hub has papers already; the sample was not loaded.")
            else:
                self.stdout.write(
                    f"Loaded the sample: {summary.imported} daily-list entries of"
                    " 2026-08-03 to 2026-08-21 (replaced once real papers arrive)."
                )
        elif action == "retire":
            self.stdout.write(f"{sample.retire()} sample papers removed.")
        else:
            held = Paper.objects.filter(source=sample.SOURCE).count()
            real = Paper.objects.exclude(source=sample.SOURCE).count()
            self.stdout.write(f"sample papers: {held}\nother papers:  {real}")
