"""Everything that writes collections: create, edit, delete, add and remove papers.

Adding is idempotent (the unique (collection, paper) constraint decides), and slugs
are made unique per owner with a retry, so double submits and parallel requests
leave one row each.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from dailypapers.community.collection_forms import clean_name
from dailypapers.community.models import Collection, CollectionItem
from dailypapers.papers.models import Paper

_SLUG_BASE_MAX = 120
_SLUG_ATTEMPTS = 50


def _slug_candidates(name: str) -> list[str]:
    base = slugify(name)[:_SLUG_BASE_MAX].strip("-_") or "collection"
    return [base] + [f"{base}-{n}" for n in range(2, _SLUG_ATTEMPTS + 1)]


def create(
    owner_id: int, name: str, *, description: str = "", is_public: bool = True
) -> Collection:
    """A new collection with a slug unique among the owner's collections.

    The slug is made once: renaming keeps the address, so shared links keep working.
    """
    name = clean_name(name)
    if not name:
        raise ValueError("a collection needs a name")
    candidates = _slug_candidates(name)
    taken = set(
        Collection.objects.filter(owner_id=owner_id, slug__in=candidates).values_list(
            "slug", flat=True
        )
    )
    for slug in candidates:
        if slug in taken:
            continue
        try:
            with transaction.atomic():
                return Collection.objects.create(
                    owner_id=owner_id,
                    name=name,
                    slug=slug,
                    description=description,
                    is_public=is_public,
                )
        except IntegrityError:
            # Taken between the look-up and the insert; try the next one.
            continue
    # Fifty collections with the same name: fall back to a slug nobody can hold yet.
    slug = f"{candidates[0]}-{timezone.now():%Y%m%d%H%M%S%f}"
    return Collection.objects.create(
        owner_id=owner_id, name=name, slug=slug, description=description, is_public=is_public
    )


def named(owner_id: int, name: str) -> Collection:
    """The owner's collection of this name, made when missing (a repeated "new
    collection" submit does not make a second one)."""
    found = Collection.objects.filter(owner_id=owner_id, name=clean_name(name)).first()
    return found or create(owner_id, name)


def update(collection: Collection, *, name: str, description: str, is_public: bool) -> None:
    collection.name = clean_name(name) or collection.name
    collection.description = description
    collection.is_public = is_public
    collection.save(update_fields=["name", "description", "is_public", "updated_at"])


def delete(collection: Collection) -> None:
    collection.delete()


def add_paper(collection: Collection, paper: Paper) -> bool:
    """Put the paper in the collection; False when it was there already."""
    try:
        with transaction.atomic():
            CollectionItem.objects.create(collection=collection, paper=paper)
    except IntegrityError:
        return False
    _touch(collection)
    return True


def remove_paper(collection: Collection, paper: Paper) -> bool:
    """Take the paper out; False when it was not there."""
    removed, _ = CollectionItem.objects.filter(collection=collection, paper=paper).delete()
    if removed:
        _touch(collection)
    return bool(removed)


def _touch(collection: Collection) -> None:
    # Recently changed collections come first in their owner's list.
    Collection.objects.filter(pk=collection.pk).update(updated_at=timezone.now())
