"""Everything that reads collections for a page, an export or the paper page's control.

Each function runs a fixed number of queries, however many papers a collection holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, OuterRef

from dailypapers.community import bibtex
from dailypapers.community.models import Collection, CollectionItem
from dailypapers.core.web import Page
from dailypapers.papers.models import Paper

# More than anyone collects by hand; keeps an export's memory bounded.
EXPORT_LIMIT = 5000
LIST_LIMIT = 200
# The collections offered in a paper page's "add to collection" select.
CHOICES_LIMIT = 100


def _is_owner(collection: Collection, viewer: AbstractBaseUser | None) -> bool:
    return viewer is not None and viewer.pk == collection.owner_id


def find(username: str, slug: str, viewer: AbstractBaseUser | None) -> Collection | None:
    """The collection at /users/<username>/collections/<slug> if the viewer may see it.

    A private collection is found only by its owner: for anyone else it does not exist.
    """
    collection = (
        Collection.objects.select_related("owner")
        .filter(owner__username=username, owner__is_active=True, slug=slug)
        .first()
    )
    if collection is None or not (collection.is_public or _is_owner(collection, viewer)):
        return None
    return collection


def owned(collection_id: int, owner: AbstractBaseUser) -> Collection | None:
    return Collection.objects.filter(pk=collection_id, owner_id=owner.pk).first()


@dataclass
class ListPage:
    owner: AbstractBaseUser
    collections: list[Collection]  # each with num_items
    own: bool


def of_user(
    username: str, viewer: AbstractBaseUser | None, *, limit: int = LIST_LIMIT
) -> ListPage | None:
    """A user's collections with their sizes: the public ones, or all for their owner."""
    owner = get_user_model().objects.filter(username=username, is_active=True).first()
    if owner is None:
        return None
    own = viewer is not None and viewer.pk == owner.pk
    return ListPage(owner, visible_collections(owner, own=own, limit=limit), own)


def visible_collections(
    owner: AbstractBaseUser, *, own: bool, limit: int = LIST_LIMIT
) -> list[Collection]:
    qs = Collection.objects.filter(owner_id=owner.pk).annotate(num_items=Count("items"))
    if not own:
        qs = qs.filter(is_public=True)
    return list(qs.order_by("-updated_at", "-id")[:limit])


def items(collection: Collection, *, offset: int, limit: int) -> Page[CollectionItem]:
    """A page of the collection's papers, the most recently added first."""
    qs = CollectionItem.objects.filter(collection=collection)
    total = qs.count()
    page = list(
        qs.select_related("paper")
        .prefetch_related("paper__authors")  # in author order (PaperAuthor.Meta)
        .order_by("-added_at", "-id")[offset : offset + limit]
    )
    return Page(page, total, offset, limit)


def export_papers(collection: Collection) -> list[Paper]:
    """The collection's papers for the exports, the most recently added first."""
    rows = (
        CollectionItem.objects.filter(collection=collection)
        .select_related("paper")
        .prefetch_related("paper__authors")  # in author order (PaperAuthor.Meta)
        .order_by("-added_at", "-id")[:EXPORT_LIMIT]
    )
    return [row.paper for row in rows]


def references(papers: list[Paper]) -> list[bibtex.Reference]:
    return [
        bibtex.Reference(
            arxiv_id=p.arxiv_id,
            title=p.title,
            authors=[a.name for a in p.authors.all()],
            year=p.published_at.year if p.published_at else bibtex.year_of_id(p.arxiv_id),
            categories=p.category_list,
            doi=p.doi,
        )
        for p in papers
    ]


def choices_for(user: AbstractBaseUser, paper: Paper) -> list[Collection]:
    """The user's collections for the paper page's select, each marked with has_paper."""
    holds = CollectionItem.objects.filter(collection=OuterRef("pk"), paper=paper)
    return list(
        Collection.objects.filter(owner_id=user.pk)
        .annotate(has_paper=Exists(holds))
        .order_by("-updated_at", "-id")[:CHOICES_LIMIT]
    )
