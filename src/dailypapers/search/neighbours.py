"""Similar papers: nearest by meaning when the paper has a vector, else by its words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dailypapers.papers.models import Paper
from dailypapers.search import dense, follow
from dailypapers.search.documents import Doc

if TYPE_CHECKING:
    from dailypapers.search import Similar


def similar(paper: Paper, limit: int) -> Similar:
    from dailypapers.search import Similar

    method: str = "meaning"
    # Rendered with every paper page: no catch-up here (searches and the worker do
    # that), and one query, for the papers shown.
    ranked = dense.neighbours(paper.pk, limit * 2)
    if not ranked:
        method = "words"
        index = follow.current()
        ranked = index.like(_as_doc(paper), limit * 2) if index is not None else []
    order = [pk for pk, _ in ranked if pk != paper.pk]
    if not order:
        return Similar()
    shown = Paper.objects.filter(pk__in=order).only(
        "arxiv_id", "title", "upvotes_imported", "upvotes_local"
    )
    by_id = {p.pk: p for p in shown.with_votes()}
    papers = [by_id[pk] for pk in order if pk in by_id][:limit]
    return Similar(papers, "meaning" if method == "meaning" else "words")


def _as_doc(paper: Paper) -> Doc:
    """Only the text matters for finding papers with the same words."""
    return Doc(
        id=paper.pk,
        arxiv_id=paper.arxiv_id,
        title=paper.title,
        abstract=paper.abstract,
        authors="",
        categories=paper.categories,
        organization="",
        has_code=False,
        on_daily=False,
        published=paper.published_at,
        modified_at=paper.modified_at,
    )
