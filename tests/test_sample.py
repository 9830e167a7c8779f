"""The sample of real daily lists that an empty hub starts with, and its retirement."""

from __future__ import annotations

import json

import pytest

from dailypapers.ingest import sample
from dailypapers.ingest.pipeline import run_import
from dailypapers.papers.models import Paper, Submission
from tests.support.hub import daily_file

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_empty_hub_gets_the_sample_and_only_once() -> None:
    summary = sample.load_if_empty()
    assert summary is not None and summary.imported == 333
    ids = set(sample.sample_ids())
    assert Paper.objects.count() == len(ids) > 300
    assert set(Paper.objects.values_list("source", flat=True)) == {sample.SOURCE}
    days = {s.submitted_at.date().isoformat() for s in Submission.objects.all()}
    assert min(days) == "2026-08-03" and max(days) == "2026-08-21"
    assert sample.load_if_empty() is None
    assert Paper.objects.count() == len(ids)


def test_a_hub_with_papers_gets_no_sample() -> None:
    run_import([daily_file("2026-04-07")], worker=False)
    before = Paper.objects.count()
    assert sample.load_if_empty() is None
    assert Paper.objects.count() == before
    assert not Paper.objects.filter(source=sample.SOURCE).exists()


def test_real_papers_retire_the_sample_but_keep_what_they_bring_again() -> None:
    sample.load_if_empty()
    assert sample.retire() == 0  # nothing real yet: the sample stays
    real_day = daily_file("2026-08-03")
    again = {entry["paper"]["id"] for entry in json.loads(real_day.read_text())}
    run_import([real_day], worker=False)
    assert not Paper.objects.filter(arxiv_id__in=again, source=sample.SOURCE).exists()

    removed = sample.retire()
    assert removed == len(set(sample.sample_ids()) - again) > 0
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == again
    assert sample.retire() == 0


def test_retired_sample_papers_leave_search(client) -> None:  # type: ignore[no-untyped-def]
    sample.load_if_empty()
    gone = Paper.objects.exclude(
        arxiv_id__in=[e["paper"]["id"] for e in json.loads(daily_file("2026-08-03").read_text())]
    ).first()
    assert gone is not None
    query = gone.title[:120]
    found = client.get("/api/papers/search", {"q": query}).json()
    assert gone.arxiv_id in [hit["paper"]["id"] for hit in found]

    run_import([daily_file("2026-08-03")], worker=False)
    sample.retire()
    found = client.get("/api/papers/search", {"q": query}).json()
    assert gone.arxiv_id not in [hit["paper"]["id"] for hit in found]
    assert client.get(f"/papers/{gone.arxiv_id}").status_code == 404
