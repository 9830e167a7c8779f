"""``papers.touch`` stamps papers for the search index, which follows them by an index."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from dailypapers.papers.models import Paper
from dailypapers.papers.touch import touch
from tests.support.factories import paper

pytestmark = pytest.mark.django_db


def test_touch_stamps_the_papers_and_writes_the_changes_in_one_update() -> None:
    first, second, other = paper(), paper(), paper()
    old = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    Paper.objects.update(modified_at=old)
    assert touch([first.pk, second.pk]) == 2
    assert touch(Paper.objects.filter(pk=other.pk, withdrawn=True), withdrawn=False) == 0
    assert touch(Paper.objects.filter(pk=other.pk, withdrawn=False), withdrawn=True) == 1
    stamps = dict(Paper.objects.values_list("pk", "modified_at"))
    assert all(stamps[p.pk] > old for p in (first, second, other))
    assert Paper.objects.get(pk=other.pk).withdrawn


def test_one_index_follows_papers_by_modified_at() -> None:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Paper._meta.db_table)
    following = [
        name
        for name, info in found.items()
        if info["index"] and info["columns"] == ["modified_at", "id"]
    ]
    assert following == ["search_paper_modified"]
