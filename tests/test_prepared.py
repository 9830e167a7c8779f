"""Queries compiled once and run again with other values (core.prepared) give what the
queryset itself gives: the same rows, related objects, annotations and prefetched
authors, with values passed as parameters, never as SQL."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connections
from django.db.models import QuerySet

from dailypapers.core import periods
from dailypapers.core.prepared import Prepared
from dailypapers.papers import queries
from dailypapers.papers.models import Paper, Submission
from tests.support.factories import paper, utc

pytestmark = pytest.mark.django_db

HOSTILE = "x' OR '1'='1"


def _papers() -> None:
    for day in (6, 7, 8):
        for n in range(3):
            paper(
                f"2604.{day:02d}{n:03d}",
                submitted_at=utc(2026, 4, day, n + 1),
                upvotes=(n * 7 + day) % 5,
                organization="Acme" if n == 1 else None,
                authors=tuple(f"Author {day}-{n}-{k}" for k in range(n + 1)),
            )


def _shown(items: list[Submission]) -> list[tuple[Any, ...]]:
    return [
        (
            s.pk,
            s.paper.arxiv_id,
            s.paper.title,
            s.votes,  # type: ignore[attr-defined]
            s.num_authors,  # type: ignore[attr-defined]
            s.submitted_at,
            s.paper.organization.name if s.paper.organization else None,
        )
        for s in items
    ]


def _plain(period: periods.Period, offset: int, limit: int, with_authors: bool) -> list[Submission]:
    start, end = period.bounds()
    qs = queries.card_entries(with_authors).filter(submitted_at__gte=start, submitted_at__lt=end)
    return list(qs.order_by(*queries.DAILY_ORDER)[offset : offset + limit])


@pytest.mark.parametrize("with_authors", [False, True])
def test_lists_are_what_the_queryset_gives_for_every_period_and_page(with_authors: bool) -> None:
    _papers()
    for period in (
        periods.day(dt.date(2026, 4, 7)),
        periods.day(dt.date(2026, 4, 8)),
        periods.day(dt.date(2026, 4, 9)),
        periods.containing("week", dt.date(2026, 4, 7)),
        periods.containing("month", dt.date(2026, 4, 7)),
    ):
        for offset, limit in ((0, 100), (0, 2), (2, 2), (4, 50)):
            page = queries.daily_list(period, offset=offset, limit=limit, with_authors=with_authors)
            plain = _plain(period, offset, limit, with_authors)
            assert _shown(page.items) == _shown(plain)
            if with_authors:
                assert [[a.name for a in s.paper.authors.all()] for s in page.items] == [
                    [a.name for a in s.paper.authors.all()] for s in plain
                ]


def test_prefetched_authors_and_joined_rows_cost_no_further_query(
    django_assert_num_queries: Any,
) -> None:
    _papers()
    week = periods.containing("week", dt.date(2026, 4, 7))
    queries.daily_list(week, limit=5, with_authors=True)  # compiled
    with django_assert_num_queries(3):  # the entries, their authors, the count
        page = queries.daily_list(week, limit=5, with_authors=True)
        names = [a.name for s in page.items for a in s.paper.authors.all()]
        orgs = [s.paper.organization for s in page.items]
    assert len(names) == sum(s.num_authors for s in page.items)  # type: ignore[attr-defined]
    assert any(orgs)


def test_values_go_in_as_parameters() -> None:
    _papers()
    Submission.objects.filter(paper__arxiv_id="2604.07001").update(submitter_name=HOSTILE)
    day = periods.day(dt.date(2026, 4, 7))
    found = queries.daily_list(day, submitter=HOSTILE).items
    assert [s.paper.arxiv_id for s in found] == ["2604.07001"]
    assert queries.daily_list(day, submitter="submitter").total == 2
    assert queries.paper(HOSTILE) is None
    shown = queries.paper("2604.07002")
    assert shown is not None and shown.submission.submitted_at == utc(2026, 4, 7, 3)
    assert [a.name for a in shown.authors.all()] == [f"Author 7-2-{k}" for k in range(3)]


def test_one_compilation_serves_every_later_value() -> None:
    _papers()
    by_id: Prepared[Paper] = Prepared(lambda a: Paper.objects.filter(arxiv_id=a), "sample id")
    first = by_id("2604.06000")
    plan = by_id._plan()
    assert [p.arxiv_id for p in first] == ["2604.06000"]
    assert [p.arxiv_id for p in by_id("2604.08002")] == ["2604.08002"]
    assert by_id("nothing") == []
    assert by_id._plan() is plan


def test_flat_values_come_back_converted() -> None:
    _papers()
    times: Prepared[dt.datetime] = Prepared(
        lambda start: (
            Submission.objects.filter(submitted_at__gte=start)
            .order_by("submitted_at")
            .values_list("submitted_at", flat=True)
        ),
        utc(1901, 1, 1),
    )
    assert times(utc(2026, 4, 8, 2)) == [utc(2026, 4, 8, 2), utc(2026, 4, 8, 3)]


def test_a_value_the_query_does_not_pass_as_it_is_cannot_be_prepared() -> None:
    def containing(word: str) -> QuerySet[Paper]:
        return Paper.objects.filter(title__contains=word)  # sent as "%word%"

    with pytest.raises(ValueError, match="not among the parameters"):
        Prepared(containing, "sample")("Paper")


def test_a_papers_authors_are_handed_over_as_prefetched(django_assert_num_queries: Any) -> None:
    _papers()
    queries.paper("2604.06002")  # compiled
    with django_assert_num_queries(2):  # the paper with its joins, its authors
        shown = queries.paper("2604.08002")
        assert shown is not None
        names = [a.name for a in shown.authors.all()]
        assert all(a.paper is shown for a in shown.authors.all())
    assert names == [f"Author 8-2-{k}" for k in range(3)]
    # Narrowing still asks the database, about this paper only.
    assert [a.name for a in shown.authors.filter(position__gte=1)] == names[1:]


@pytest.mark.django_db(transaction=True)
def test_each_thread_compiles_for_its_own_connection() -> None:
    """Server threads each have a database connection; each runs the query it
    compiled on its own."""
    _papers()
    by_id: Prepared[Paper] = Prepared(lambda a: Paper.objects.filter(arxiv_id=a), "sample id")
    wanted = [f"2604.{day:02d}{n:03d}" for day in (6, 7, 8) for n in range(3)]

    def read(arxiv_id: str) -> tuple[str, int]:
        try:
            found = [p.arxiv_id for p in by_id(arxiv_id)]
            return found[0], id(by_id._plan())
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(read, wanted * 4))
    assert [found for found, _ in results] == wanted * 4
    assert 1 < len({plan for _, plan in results}) <= 3


def test_owned_rows_answers_for_one_user_and_refuses_unknown_columns() -> None:
    from django.contrib.auth.models import User

    from dailypapers.core.prepared import owned_rows
    from dailypapers.papers.models import Upvote
    from dailypapers.papers.services import toggle_upvote

    ada = User.objects.create_user("ada-owned", "a@example.org", "pw")
    bob = User.objects.create_user("bob-owned", "b@example.org", "pw")
    ids = [paper(f"2604.0{i:04d}", submitted_at=utc(2026, 4, 7, 1)).pk for i in range(1, 4)]
    toggle_upvote(ada.pk, ids[0], True)
    toggle_upvote(ada.pk, ids[2], True)
    toggle_upvote(bob.pk, ids[1], True)
    assert sorted(owned_rows(Upvote, ("paper_id",), ada.pk, ids)) == [(ids[0],), (ids[2],)]
    assert owned_rows(Upvote, ("paper_id",), ada.pk, ids[1:2]) == []
    assert owned_rows(Upvote, ("paper_id",), ada.pk, []) == []
    with pytest.raises(ValueError, match="no column"):
        owned_rows(Upvote, ("paper_id; DROP TABLE x",), ada.pk, ids)
