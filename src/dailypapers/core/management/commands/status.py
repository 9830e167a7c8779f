from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dailypapers.core import status
from dailypapers.core.bootstrap import ensure_database


class Command(BaseCommand):
    help = "What the hub is doing: worker, search index, syncs, digests and mail settings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="the /healthz report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_database()
        report = status.collect()
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2, sort_keys=True))
            return
        for line in describe(report):
            self.stdout.write(line)


def describe(report: dict[str, Any]) -> list[str]:
    """The report in a few lines a person reads at a glance."""
    lines = []
    worker = report.get("worker", {})
    holders = ", ".join(w["holder"] for w in worker.get("workers", []))
    lines.append(f"worker:   {worker.get('state', '?')}" + (f" ({holders})" if holders else ""))
    search = report.get("search", {})
    dense = search.get("dense") or {}
    share = search.get("embedded_share")
    meaning = (
        "by meaning"
        if search.get("by_meaning") and not dense.get("pending")
        else f"by meaning: {share:.0%} of papers indexed so far"
        if search.get("by_meaning") and share is not None
        else "by words only (no embedding model yet)"
    )
    lines.append(f"search:   {meaning}; {dense.get('pending', 0)} papers waiting for embeddings")
    sync = report.get("sync", {})
    if not sync.get("sources"):
        lines.append("sync:     no upstream enabled (DAILYPAPERS_SYNC_SOURCES)")
    for name, source in sorted(sync.get("sources", {}).items()):
        error = source.get("last_error")
        lines.append(
            f"sync {name:<4} {'on ' if source['enabled'] else 'off'}"
            f" last success {source.get('last_success') or 'never'}"
            + (f"; last error {error['at']}: {error['summary']}" if error else "")
        )
    digests = report.get("digests", {})
    lines.append(
        f"digests:  {digests.get('subscribers', 0)} subscribers; next due"
        f" {digests.get('next_due') or '-'}; last sent {digests.get('last_sent') or '-'}"
    )
    lines.append(f"mail:     {digests.get('mail', '?')}; links to {digests.get('links', '?')}")
    for name, section in sorted(report.items()):
        if isinstance(section, dict) and "error" in section:
            lines.append(f"{name}: could not be read: {section['error']}")
    return lines
