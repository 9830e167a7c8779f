"""The paper calls of the official ``huggingface_hub`` client, against a live hub holding
recorded upstream days.

The client's own tests of its paper calls ask the hosted Hub for a day, a week, a month,
a submitter, a search, a paper and a missing paper, and check what comes back. These do
the same against this hub, with the recorded upstream files as the expected answers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dailypapers.ingest.pipeline import run_import
from tests.support.shared import SHARED_DATA
from tests.support.web import hang_up_on_live_server

DAYS = SHARED_DATA / "hf-daily-papers/api-2026-03_2026-08"
WEEK = ["2026-04-06", "2026-04-07", "2026-04-08", "2026-04-09", "2026-04-10"]  # 2026-W15
HF_CLI = Path(sys.executable).with_name("hf")

pytestmark = [
    pytest.mark.skipif(not DAYS.exists(), reason="upstream data folder not available"),
    pytest.mark.django_db(transaction=True),
]


def recorded(day: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads((DAYS / f"{day}.json").read_text())
    return entries


@pytest.fixture
def api(live_server: Any, monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[Any]:
    settings.TIME_ZONE = "UTC"
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_TOKEN", "hf_not_a_real_token")
    summary = run_import([DAYS / f"{day}.json" for day in WEEK])
    assert summary.problems == []
    from huggingface_hub import HfApi

    try:
        yield HfApi(endpoint=live_server.url, token=False)
    finally:
        hang_up_on_live_server()


def every_page(api: Any, **params: Any) -> list[Any]:
    """All pages of a listing, 20 at a time, until the hub answers an empty page."""
    found: list[Any] = []
    for page in range(50):
        batch = list(api.list_daily_papers(p=page, limit=20, token=False, **params))
        if not batch:
            return found
        assert len(batch) <= 20
        found.extend(batch)
    raise AssertionError("the listing never ended")


def test_a_day_comes_back_with_the_upstream_papers_and_their_text(api: Any) -> None:
    upstream = recorded("2026-04-07")
    papers = list(api.list_daily_papers(date="2026-04-07", limit=100, token=False))
    assert len(papers) == len(upstream) > 10
    by_id = {p.id: p for p in papers}
    assert set(by_id) == {e["paper"]["id"] for e in upstream}
    for entry in upstream:
        mine = by_id[entry["paper"]["id"]]
        assert mine.title == entry["title"]
        assert mine.summary == entry["paper"]["summary"]
        assert [a.name for a in mine.authors] == [a["name"] for a in entry["paper"]["authors"]]
    # Most upvoted first, as the upstream lists a day.
    votes = [p.upvotes for p in papers]
    assert votes == sorted(votes, reverse=True)
    # Without a date: the most recently listed first, so the newest day leads.
    last_day = {e["paper"]["id"] for e in recorded(WEEK[-1])}
    newest = list(api.list_daily_papers(limit=100, token=False))
    assert len(newest) == 100
    assert {p.id for p in newest[: len(last_day)]} == last_day


def test_a_week_and_a_month_page_through_every_paper_once(api: Any) -> None:
    expected = {e["paper"]["id"] for day in WEEK for e in recorded(day)}
    for params in ({"week": "2026-W15"}, {"month": "2026-04"}):
        papers = every_page(api, **params)
        ids = [p.id for p in papers]
        assert set(ids) == expected, params
        assert len(ids) == len(set(ids)), params
    assert list(api.list_daily_papers(week="2026-W30", token=False)) == []
    trending = list(api.list_daily_papers(month="2026-04", sort="trending", limit=5, token=False))
    assert len(trending) == 5 and {p.id for p in trending} <= expected


def test_a_submitter_filter_keeps_only_their_papers(api: Any) -> None:
    entry = recorded("2026-04-07")[0]
    name = entry["submittedBy"]["name"]
    theirs = [
        e["paper"]["id"]
        for day in WEEK
        for e in recorded(day)
        if e.get("submittedBy", {}).get("name") == name
    ]
    papers = every_page(api, submitter=name)
    assert {p.id for p in papers} == set(theirs)
    assert {p.submitted_by.username for p in papers} == {name}
    assert list(api.list_daily_papers(submitter="nobody-submits-here", token=False)) == []


def test_search_paper_info_and_markdown(api: Any) -> None:
    from huggingface_hub.errors import HfHubHTTPError

    entry = recorded("2026-04-08")[0]
    arxiv_id, title = entry["paper"]["id"], entry["title"]
    found = list(api.list_papers(query=title, limit=5, token=False))
    assert 0 < len(found) <= 5
    assert found[0].id == arxiv_id

    info = api.paper_info(arxiv_id)
    assert info.id == arxiv_id
    assert info.title == title
    assert info.summary == entry["paper"]["summary"]
    assert [a.name for a in info.authors] == [a["name"] for a in entry["paper"]["authors"]]
    assert info.linked_models == [] and info.num_total_models == 0

    text = api.read_paper(arxiv_id)
    assert text.startswith("# ") and title in text
    assert entry["paper"]["summary"].split("\n")[0][:60] in text

    with pytest.raises(HfHubHTTPError) as raised:
        api.paper_info("2604.99999")
    assert raised.value.response.status_code == 404
    with pytest.raises(HfHubHTTPError):
        api.read_paper("2604.99999")


def test_the_hf_cli_lists_and_reads_papers(api: Any, live_server: Any) -> None:
    # The process inherits the environment, and with it the test's network guard.
    env = {**os.environ, "HF_ENDPOINT": live_server.url, "HF_HUB_DISABLE_TELEMETRY": "1"}
    env.pop("HF_TOKEN", None)
    entry = recorded("2026-04-09")[0]

    def hf(*args: str) -> str:
        done = subprocess.run(
            [str(HF_CLI), "papers", *args],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert entry["paper"]["id"] in hf("ls", "--date", "2026-04-09")
    assert entry["title"][:20] in hf("info", entry["paper"]["id"])
