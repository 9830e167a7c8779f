"""Author claims survive a newer version of a paper that changes its author list."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from dailypapers.community.models import AuthorClaim
from dailypapers.papers.models import Paper, PaperAuthor
from dailypapers.papers.services import upsert_papers
from tests.support.factories import record, utc

pytestmark = pytest.mark.django_db(transaction=True)


def claim(user: User, paper: Paper, name: str, status: str) -> AuthorClaim:
    author = PaperAuthor.objects.get(paper=paper, name=name)
    return AuthorClaim.objects.create(author=author, user=user, status=status)


def test_claims_follow_their_names_and_go_only_with_them() -> None:
    first = record(
        "2604.00001",
        submitted_at=utc(2026, 4, 7),
        authors=("Ada Lovelace", "Alan Turing", "Grace Hopper"),
    )
    upsert_papers([first])
    paper = Paper.objects.get()
    ada, alan, grace = (User.objects.create_user(n) for n in ("ada", "alan", "grace"))
    kept = claim(ada, paper, "Ada Lovelace", AuthorClaim.Status.CONFIRMED)
    pending = claim(alan, paper, "Alan Turing", AuthorClaim.Status.PENDING)
    gone = claim(grace, paper, "Grace Hopper", AuthorClaim.Status.CONFIRMED)

    # The arXiv API's newer record: authors reordered, one dropped, one added.
    newer = record(
        "2604.00001",
        submitted_at=utc(2026, 4, 7),
        authors=("Alan Turing", "Edsger Dijkstra", "Ada Lovelace"),
        source="arxiv-api",
        version=2,
    )
    result = upsert_papers([newer])
    assert result.updated == 1

    names = list(PaperAuthor.objects.filter(paper=paper).order_by("position").values_list("name"))
    assert names == [("Alan Turing",), ("Edsger Dijkstra",), ("Ada Lovelace",)]
    kept.refresh_from_db()
    pending.refresh_from_db()
    assert (kept.author.name, kept.author.position, kept.status) == ("Ada Lovelace", 2, "confirmed")
    assert (pending.author.name, pending.author.position) == ("Alan Turing", 0)
    assert not AuthorClaim.objects.filter(pk=gone.pk).exists()
    # Importing the same record again changes nothing.
    assert upsert_papers([newer]).unchanged == 1
    assert AuthorClaim.objects.count() == 2
