"""A search result in the upstream's JSON shape, for the API and ``dailypapers search --json``."""

from __future__ import annotations

from typing import Any

from dailypapers.core.timefmt import iso_z
from dailypapers.papers import serializers
from dailypapers.papers.models import Paper
from dailypapers.search.engine import Hit


def entry(paper: Paper, hit: Hit | None = None) -> dict[str, Any]:
    """One search result as upstream sends it: the paper, a few top-level copies, highlights."""
    submission = getattr(paper, "submission", None)
    if submission is not None and submission.hidden:
        submission = None
    when = submission.submitted_at if submission else paper.published_at
    out: dict[str, Any] = {"paper": serializers.paper_object(paper)}
    if when:
        out["publishedAt"] = iso_z(when)
    out["title"] = paper.title
    out["summary"] = paper.abstract
    out["thumbnail"] = serializers.THUMBNAIL_URL.format(id=paper.arxiv_id)
    out["numComments"] = paper.num_comments
    out["upvoted"] = False
    out["isAuthorParticipating"] = False
    if hit is not None:
        out["highlightedTitle"] = hit.title_pieces
        out["highlightedSummary"] = hit.summary_segments or (
            [{"type": "text", "text": paper.abstract}] if paper.abstract else []
        )
    return out
