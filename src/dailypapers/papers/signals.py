"""What the papers writer tells the apps built on papers (which it does not import)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.dispatch import Signal

from dailypapers.papers.models import PaperAuthor

# Sent by the batch writer with ``paper_ids``, inside its transaction, just before
# the author rows of those papers are deleted and written anew (a new version may
# reorder, add or drop authors). A receiver may return a callable, called once the
# new rows are in, in the same transaction: rows of other apps that point at author
# rows (author claims) are moved over then. Foreign keys are checked at commit, so
# they may point at deleted rows in between.
authors_replacing = Signal()


def replacing_authors(paper_ids: list[int]) -> list[Callable[[], None]]:
    """Send ``authors_replacing``; what to call once the new author rows are written."""
    if not paper_ids:
        return []
    # (The stubs type responses as text; receivers here return callables.)
    sent: list[tuple[Any, Any]] = authors_replacing.send(PaperAuthor, paper_ids=paper_ids)
    return [then for _, then in sent if callable(then)]
