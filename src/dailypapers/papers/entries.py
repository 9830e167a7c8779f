"""Daily-list entries of imported records: which day a paper's ``Submission`` holds,
and the earlier days it was listed on (``EarlierListing``).

Part of the batch writer (``papers.services``): plain rows in, plain rows out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dailypapers.papers.models import SOURCE_RANKS
from dailypapers.papers.records import PaperRecord

Row = dict[str, Any]
# Submissions made on this site; imports never move or rewrite them.
LOCAL_SOURCE = "local"
# Two entries of a paper further apart than this are two days on the list, not one.
_ANOTHER_DAY = dt.timedelta(hours=12)


def _rank(source: str) -> int:
    return SOURCE_RANKS.get(source, 0)


def _listing(paper_id: int, entry: Row) -> Row:
    return {
        "paper_id": paper_id,
        **{name: entry[name] for name in _LISTING_COLUMNS},
    }


_LISTING_COLUMNS = ("submitted_at", "submitter_name", "submitter_fullname", "source", "hf_extra")


def submission_changes(sub: Row, record: PaperRecord, earlier: list[Row]) -> set[str]:
    """Apply a record's daily-list entry to the stored ``sub`` row; return changed fields.

    A paper can be put on the list again on a later day, so among records of equal
    source rank the latest submission wins, whatever order the files are read in; the
    other day's entry is added to ``earlier`` (an ``EarlierListing``: the upstream's
    list of that day keeps the paper). Entries made on this site are kept as they are.
    """
    incoming = record.submission
    if incoming is None or sub["source"] == LOCAL_SOURCE:
        return set()
    mine = (_rank(sub["source"]), sub["submitted_at"])
    wins = (_rank(record.source), incoming.submitted_at) >= mine
    entry: Row = {
        "submitted_at": incoming.submitted_at,
        "submitter_name": incoming.submitter_name[:100],
        "submitter_fullname": incoming.submitter_fullname[:200],
        "source": record.source,
        "hf_extra": incoming.hf_extra,
    }
    if (
        _rank(record.source) == _rank(sub["source"])
        and abs(incoming.submitted_at - sub["submitted_at"]) > _ANOTHER_DAY
    ):
        if not wins:
            earlier.append(_listing(sub["paper_id"], entry))
            return set()
        earlier.append(_listing(sub["paper_id"], sub))
        changed = {name for name in _LISTING_COLUMNS if sub[name] != entry[name]}
        sub.update(entry)
        return changed
    updates: list[tuple[str, object]] = [
        ("submitter_name", entry["submitter_name"]),
        ("submitter_fullname", entry["submitter_fullname"]),
    ]
    if wins:
        updates += [
            ("submitted_at", incoming.submitted_at),
            ("source", record.source),
            ("hf_extra", incoming.hf_extra),
        ]
    changed = set()
    for name, value in updates:
        if value and (wins or not sub[name]) and sub[name] != value:
            sub[name] = value
            changed.add(name)
    return changed


def new_submission(paper_id: int, record: PaperRecord) -> Row:
    assert record.submission is not None
    return {
        "paper_id": paper_id,
        "submitted_at": record.submission.submitted_at,
        "submitter_name": record.submission.submitter_name[:100],
        "submitter_fullname": record.submission.submitter_fullname[:200],
        "source": record.source,
        "hf_extra": record.submission.hf_extra,
    }
