"""Papers read from the database in the plain form the indexes take."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from dailypapers.papers.models import Paper, PaperAuthor, Submission


@dataclass(frozen=True)
class Doc:
    id: int
    arxiv_id: str
    title: str
    abstract: str
    authors: str
    categories: str
    organization: str
    has_code: bool
    on_daily: bool
    published: dt.datetime | None
    modified_at: dt.datetime

    def embedding_text(self) -> str:
        return embedding_text(self.title, self.abstract)


def embedding_text(title: str, abstract: str) -> str:
    """What the encoder reads: the title and the head of the abstract.

    MiniLM sees 256 word pieces; most abstracts are longer, and their first
    sentences say what the paper is about, so the head is what is kept (the
    encoder cuts the rest).
    """
    return f"{title}. {abstract}" if abstract else title


def text_hash(title: str, abstract: str) -> str:
    return hashlib.sha1(embedding_text(title, abstract).encode(), usedforsecurity=False).hexdigest()


_FIELDS = (
    "id",
    "arxiv_id",
    "title",
    "abstract",
    "categories",
    "github_repo",
    "organization__slug",
    "published_at",
    "modified_at",
)


def load(ids: Iterable[int]) -> list[Doc]:
    """The papers with these ids, in three queries whatever their number."""
    wanted = list(ids)
    if not wanted:
        return []
    rows = list(Paper.objects.filter(pk__in=wanted).values_list(*_FIELDS))
    authors: dict[int, list[str]] = {}
    for paper_id, name in (
        PaperAuthor.objects.filter(paper_id__in=wanted)
        .order_by("paper_id", "position")
        .values_list("paper_id", "name")
    ):
        authors.setdefault(paper_id, []).append(name)
    daily = set(
        Submission.objects.visible().filter(paper_id__in=wanted).values_list("paper_id", flat=True)
    )
    return [
        Doc(
            id=pk,
            arxiv_id=arxiv_id,
            title=title,
            abstract=abstract,
            authors=", ".join(authors.get(pk, [])),
            categories=categories,
            organization=org or "",
            has_code=bool(repo),
            on_daily=pk in daily,
            published=published,
            modified_at=modified,
        )
        for pk, arxiv_id, title, abstract, categories, repo, org, published, modified in rows
    ]
