"""The domain rules the models' querysets name: what each includes and excludes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from dailypapers.community.models import LIVE, OPEN_FLAG, AuthorClaim, Comment, CommentFlag
from dailypapers.digests.models import ACTIVE, Subscription
from dailypapers.papers.models import (
    LISTED,
    EarlierListing,
    Paper,
    PaperAuthor,
    Submission,
    vote_count,
)

pytestmark = pytest.mark.django_db

DAY = dt.datetime(2025, 3, 4, 12, tzinfo=dt.UTC)


def _paper(arxiv_id: str, *, imported: int = 0, local: int = 0) -> Paper:
    return Paper.objects.create(
        arxiv_id=arxiv_id, title=arxiv_id, upvotes_imported=imported, upvotes_local=local
    )


def _listed(arxiv_id: str, *, hidden: bool = False, **votes: int) -> Submission:
    return Submission.objects.create(
        paper=_paper(arxiv_id, **votes), submitted_at=DAY, hidden=hidden
    )


def test_papers_with_votes_add_imported_and_local_votes() -> None:
    _paper("2501.00001", imported=7, local=2)
    _paper("2501.00002")
    votes = dict(Paper.objects.with_votes().values_list("arxiv_id", "votes"))
    assert votes == {"2501.00001": 9, "2501.00002": 0}


def test_papers_with_votes_keep_their_filters_and_order() -> None:
    for n, imported in enumerate([3, 1, 2], start=1):
        _paper(f"2501.0000{n}", imported=imported)
    qs = Paper.objects.exclude(arxiv_id="2501.00002").with_votes().order_by("-votes")
    assert [(p.arxiv_id, p.votes) for p in qs] == [("2501.00001", 3), ("2501.00003", 2)]


def test_submissions_with_votes_count_their_papers_votes() -> None:
    _listed("2501.00001", imported=4, local=1)
    _listed("2501.00002", hidden=True, local=3)
    votes = dict(Submission.objects.with_votes().values_list("paper__arxiv_id", "votes"))
    assert votes == {"2501.00001": 5, "2501.00002": 3}


def test_vote_count_follows_a_path_to_the_paper() -> None:
    paper = _paper("2501.00001", imported=2, local=2)
    EarlierListing.objects.create(paper=paper, submitted_at=DAY - dt.timedelta(days=3))
    listing = EarlierListing.objects.annotate(votes=vote_count("paper__")).get()
    assert listing.votes == 4


def test_visible_submissions_leave_out_hidden_ones() -> None:
    _listed("2501.00001")
    _listed("2501.00002", hidden=True)
    shown = Submission.objects.visible().values_list("paper__arxiv_id", flat=True)
    assert list(shown) == ["2501.00001"]
    assert Submission.objects.count() == 2


def test_visible_submissions_chain_with_filters_and_votes() -> None:
    _listed("2501.00001", imported=1)
    _listed("2501.00002", imported=5, hidden=True)
    _listed("2501.00003", imported=3)
    qs = Submission.objects.filter(submitted_at__lte=DAY).visible().with_votes()
    assert sorted(qs.values_list("paper__arxiv_id", "votes")) == [
        ("2501.00001", 1),
        ("2501.00003", 3),
    ]


def test_listed_papers_have_a_visible_submission() -> None:
    _listed("2501.00001")
    _listed("2501.00002", hidden=True)
    _paper("2501.00003")
    listed = Paper.objects.filter(LISTED).values_list("arxiv_id", flat=True)
    assert list(listed) == ["2501.00001"]
    unlisted = Paper.objects.exclude(LISTED).values_list("arxiv_id", flat=True)
    assert sorted(unlisted) == ["2501.00002", "2501.00003"]


def test_live_comments_leave_out_deleted_and_removed_ones() -> None:
    author = get_user_model().objects.create_user("ada")
    paper = _paper("2501.00001")
    shown = Comment.objects.create(paper=paper, author=author, body="shown")
    Comment.objects.create(paper=paper, author=author, body="deleted", deleted_at=DAY)
    Comment.objects.create(paper=paper, author=author, body="removed", removed_at=DAY)
    Comment.objects.create(paper=paper, author=author, body="both", deleted_at=DAY, removed_at=DAY)
    assert list(Comment.objects.live()) == [shown]
    assert list(Comment.objects.filter(LIVE)) == [shown]
    assert [c.body for c in Comment.objects.all() if c.visible] == ["shown"]
    assert list(paper.thread.live()) == [shown]


def test_open_flags_are_the_ones_no_moderator_resolved() -> None:
    users = get_user_model().objects
    author, ann, bob = (users.create_user(n) for n in ("ada", "ann", "bob"))
    paper = _paper("2501.00001")
    flagged = Comment.objects.create(paper=paper, author=author, body="flagged")
    dealt_with = Comment.objects.create(paper=paper, author=author, body="dealt with")
    waiting = CommentFlag.objects.create(comment=flagged, user=ann)
    CommentFlag.objects.create(comment=dealt_with, user=ann, resolved_at=DAY)
    CommentFlag.objects.create(comment=dealt_with, user=bob, resolved_at=DAY)
    assert list(CommentFlag.objects.open()) == [waiting]
    assert list(flagged.flags.open()) == [waiting]
    assert list(dealt_with.flags.open()) == []
    with_open = Comment.objects.filter(OPEN_FLAG).distinct()
    assert list(with_open) == [flagged]


def test_active_subscriptions_are_confirmed_and_neither_unsubscribed_nor_suspended() -> None:
    def sub(email: str, **fields: dt.datetime) -> Subscription:
        return Subscription.objects.create(email=f"{email}@example.org", **fields)

    active = sub("active", confirmed_at=DAY)
    sub("unconfirmed")
    sub("unsubscribed", confirmed_at=DAY, unsubscribed_at=DAY)
    sub("suspended", confirmed_at=DAY, suspended_at=DAY)
    sub("unconfirmed-and-gone", unsubscribed_at=DAY)
    assert list(Subscription.objects.active()) == [active]
    assert list(Subscription.objects.filter(ACTIVE)) == [active]
    assert [s.email for s in Subscription.objects.order_by("pk") if s.is_active] == [active.email]
    assert Subscription.objects.filter(email__startswith="un").active().count() == 0


def test_confirmed_and_pending_claims_by_status() -> None:
    paper = _paper("2501.00001")
    users = [get_user_model().objects.create_user(name) for name in ("ada", "bob", "cy")]
    author = PaperAuthor.objects.create(paper=paper, position=0, name="Ada", slug="ada")
    statuses = [
        AuthorClaim.Status.CONFIRMED,
        AuthorClaim.Status.PENDING,
        AuthorClaim.Status.REJECTED,
    ]
    confirmed, pending, _ = (
        AuthorClaim.objects.create(author=author, user=user, status=status)
        for user, status in zip(users, statuses, strict=True)
    )
    assert list(AuthorClaim.objects.confirmed()) == [confirmed]
    assert list(AuthorClaim.objects.pending()) == [pending]
    assert list(author.claims.confirmed().filter(user=users[0])) == [confirmed]
    assert not AuthorClaim.objects.pending().filter(user=users[0]).exists()
