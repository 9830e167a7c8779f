"""The columns of papers and submissions that imports read and write, from the models.

The bulk writer (``papers.services``) reads a stored paper's imported columns to
merge a record into it; those are every concrete field of the model except the
ones listed here, which belong to the site (votes and comments made here,
moderation, time stamps Django keeps). A new field of ``Paper`` is therefore
imported unless it is added to ``PAPER_NOT_IMPORTED``; ``papers.rows`` builds the
new-paper row and a test checks that its columns are these.
"""

from __future__ import annotations

from django.db import models

from dailypapers.papers.models import Paper, Submission

PAPER_NOT_IMPORTED = frozenset(
    {
        "upvotes_local",
        "comments_local",
        "discussion_locked",
        "withdrawn",
        "created_at",
        "modified_at",
    }
)
SUBMISSION_NOT_IMPORTED = frozenset({"paper_id", "submitter_id", "hidden", "created_at"})


def attnames(model: type[models.Model], excluded: frozenset[str]) -> tuple[str, ...]:
    """The model's concrete columns (``id`` first) less ``excluded``, in model order."""
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname not in excluded)


PAPER_COLUMNS = attnames(Paper, PAPER_NOT_IMPORTED)
SUBMISSION_COLUMNS = attnames(Submission, SUBMISSION_NOT_IMPORTED)
