"""Writing records in batches, one record at a time when a batch fails.

A batch is written in one transaction (``papers.services.upsert_papers``). When a
record in it cannot be stored (a value the database refuses), the batch rolls back
as a whole; it is then written again one record at a time, so the good records are
kept and the bad one is named. Anything else (a lost connection, a full disk)
stops the caller instead of being blamed on every record in turn.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import DataError, IntegrityError

from dailypapers.papers.records import PaperRecord
from dailypapers.papers.services import UpsertResult, upsert_papers

# Errors that one record can cause.
RECORD_ERRORS = (DataError, IntegrityError)

# The counts of a write: new, updated and unchanged records and the ids that changed.
Counts = UpsertResult
Writer = Callable[[list[PaperRecord]], Counts]
Refused = Callable[[PaperRecord, str], None]


def write_batch(
    records: Sequence[PaperRecord], refused: Refused, write: Writer = upsert_papers
) -> Counts:
    """Store ``records``; what cannot be stored goes to ``refused`` with the reason."""
    batch = list(records)
    try:
        return write(batch)
    except RECORD_ERRORS:
        counts = Counts()
        for record in batch:
            try:
                counts.add(write([record]))
            except RECORD_ERRORS as exc:
                refused(record, f"cannot be stored ({exc})")
        return counts
