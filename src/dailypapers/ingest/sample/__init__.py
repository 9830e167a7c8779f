"""A small sample of real daily lists, so a new hub shows papers from its first start.

``daily-papers-2026-08.json.gz`` holds the Hugging Face daily-papers entries of
2026-08-03 to 2026-08-21 (15 weekdays, 333 entries) in the API's own shape; see
``PROVENANCE.md`` beside it. ``dailypapers serve`` imports it when the database holds
no papers at all. Its papers are marked ``source="sample"``: once any import or sync
brings papers of its own, the worker's ``sample.retire`` job deletes the sample papers
that the real data did not bring again (a re-imported paper takes its real source).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from django.db import transaction

from dailypapers.ingest.pipeline import ImportSummary, Progress, run_import
from dailypapers.papers.models import Paper

SAMPLE_FILE = Path(__file__).with_name("daily-papers-2026-08.json.gz")
SOURCE = "sample"


def sample_ids() -> list[str]:
    with gzip.open(SAMPLE_FILE, "rt", encoding="utf-8") as handle:
        entries = json.load(handle)
    return [str(entry["paper"]["id"]) for entry in entries]


def load_if_empty(progress: Progress | None = None) -> ImportSummary | None:
    """Import the sample into an empty database; None when there are papers already."""
    if Paper.objects.exists():
        return None
    summary = run_import([SAMPLE_FILE], progress=progress, worker=False)
    # The sample's source ranks below every real one, so a real import of the same
    # paper later takes it over (papers.services.SOURCE_RANKS).
    Paper.objects.filter(arxiv_id__in=sample_ids()).update(source=SOURCE)
    return summary


def retire() -> int:
    """Delete the sample's papers once the hub has papers of its own; how many went."""
    if not Paper.objects.exclude(source=SOURCE).exists():
        return 0
    with transaction.atomic():
        gone = Paper.objects.filter(source=SOURCE)
        count = gone.count()
        gone.delete()
    return count
