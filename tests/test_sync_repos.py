"""An hf turn mirrors the models, datasets and Spaces citing each paper of its days:
idempotently, under a claim, asking again only when the answer is old, and carrying
on past an upstream error on one paper."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from dailypapers.core import claims
from dailypapers.ingest import hf_repos, sync, sync_repos
from dailypapers.ingest.models import SyncRun
from dailypapers.papers import repos
from dailypapers.papers.models import LinkedRepo, Paper, PaperRepos
from tests.support.factories import hf_entry
from tests.support.replay import HF_REPOS, JSON, Replay, Reply

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 4, 7)
IDS = ("2604.04707", "2604.04708", "2604.04709")


@pytest.fixture(autouse=True)
def _mirroring(replay: Replay, settings: Any) -> None:
    settings.SYNC_HF_REPOS_EVERY = 24 * 3600  # the default, which the replay fixture turns off


def _day_list(server: Replay, ids: tuple[str, ...] = IDS) -> None:
    entries = [hf_entry(i, submittedOnDailyAt=f"{DAY}T02:36:53.761Z") for i in ids]
    server.add(
        "/hfapi/daily_papers",
        Reply(200, json.dumps(entries).encode(), JSON),
        params={"date": DAY.isoformat(), "limit": "100"},
    )


def _turn(**request: Any) -> SyncRun:
    return sync.run("hf", sync.Request(since=DAY, until=DAY, **request))


def _asked(server: Replay) -> list[str]:
    return [s.path.split("/")[3] for s in server.seen if s.path.endswith("/repos")]


def _stored(arxiv_id: str, kind: str) -> list[tuple[str, int]]:
    rows = LinkedRepo.objects.filter(paper__arxiv_id=arxiv_id, kind=kind).order_by("-likes")
    return list(rows.values_list("repo_id", "likes"))


def _totals(arxiv_id: str) -> tuple[int, int, int]:
    row = PaperRepos.objects.get(paper__arxiv_id=arxiv_id)
    return row.num_models, row.num_datasets, row.num_spaces


def _age(arxiv_id: str, days: int) -> None:
    PaperRepos.objects.filter(paper__arxiv_id=arxiv_id).update(
        fetched_at=timezone.now() - dt.timedelta(days=days)
    )


def test_a_turn_mirrors_the_repositories_citing_each_paper_of_its_days(replay: Replay) -> None:
    _day_list(replay)
    replay.add_recorded_repos()
    done = _turn()
    assert done.status == SyncRun.Status.OK, done.errors
    assert "linked repositories of 3 papers" in done.summary
    assert sorted(_asked(replay)) == list(IDS)
    assert _totals("2604.04707") == (7, 2, 3)
    assert _stored("2604.04707", "model")[:2] == [
        ("OpenDCAI/OpenWorldLib-7B", 412),
        ("OpenDCAI/OpenWorldLib-1.5B", 97),
    ]
    assert _stored("2604.04707", "space")[0] == ("OpenDCAI/OpenWorldLib-demo", 133)
    seven_b = LinkedRepo.objects.get(repo_id="OpenDCAI/OpenWorldLib-7B")
    assert seven_b.downloads == 18840
    assert seven_b.last_modified == dt.datetime(2026, 4, 20, 9, 12, 44, tzinfo=dt.UTC)
    assert seven_b.url == "https://huggingface.co/OpenDCAI/OpenWorldLib-7B"
    assert _totals("2604.04708") == (0, 0, 0)
    assert PaperRepos.objects.get(paper__arxiv_id="2604.04708").fetched_at is not None
    assert not PaperRepos.objects.exclude(claimed_by="").exists()


def test_a_paper_is_asked_again_only_when_its_answer_is_old(replay: Replay) -> None:
    _day_list(replay)
    replay.add_recorded_repos()
    _turn()
    _turn()
    assert len(_asked(replay)) == 3  # the second turn found every answer fresh

    later = (HF_REPOS / "2604.04707.later.json").read_bytes()
    replay.add("/hfapi/arxiv/2604.04707/repos", Reply(200, later, JSON))
    _age("2604.04707", days=2)
    done = _turn()
    assert _asked(replay)[3:] == ["2604.04707"]
    assert "linked repositories of 1 papers" in done.summary
    assert _totals("2604.04707") == (6, 2, 4)
    assert ("OpenDCAI/OpenWorldLib-7B", 455) in _stored("2604.04707", "model")
    assert "student-lab/owl-distilled" not in dict(_stored("2604.04707", "model"))
    assert "hf-demos/owl-playground" in dict(_stored("2604.04707", "space"))

    # The same answer again changes nothing.
    before = list(LinkedRepo.objects.order_by("pk").values_list("pk", "repo_id", "likes"))
    _age("2604.04707", days=2)
    _turn()
    assert list(LinkedRepo.objects.order_by("pk").values_list("pk", "repo_id", "likes")) == before


def test_an_upstream_error_on_one_paper_is_reported_and_the_turn_goes_on(
    replay: Replay, settings: Any
) -> None:
    settings.SYNC_MAX_RETRIES = 0
    _day_list(replay)
    replay.add_recorded_repos()
    replay.add("/hfapi/arxiv/2604.04708/repos", Reply(500, b"<html>oops</html>"))
    replay.add(
        "/hfapi/arxiv/2604.04709/repos",
        Reply(200, b'{"models": [{"id": "a/b", "likes": 1', JSON),
    )
    done = _turn()
    assert done.status == SyncRun.Status.PARTIAL
    assert done.skipped == 2
    assert any("2604.04708/repos: linked repositories: HTTP 500" in e for e in done.errors)
    assert any("2604.04709/repos: linked repositories: malformed JSON" in e for e in done.errors)
    assert _totals("2604.04707") == (7, 2, 3)  # stored all the same
    for failed in ("2604.04708", "2604.04709"):
        row = PaperRepos.objects.get(paper__arxiv_id=failed)
        assert row.fetched_at is None and row.claimed_by == ""

    # The next turn asks for the failed papers only.
    replay.add_recorded_repos()
    again = _turn()
    assert again.status == SyncRun.Status.OK
    assert sorted(_asked(replay)[3:]) == ["2604.04708", "2604.04709"]
    assert _totals("2604.04709") == (1, 0, 0)


def test_no_repos_and_a_zero_interval_ask_for_nothing(replay: Replay, settings: Any) -> None:
    _day_list(replay)
    replay.add_recorded_repos()
    assert _turn(repos=False).status == SyncRun.Status.OK
    settings.SYNC_HF_REPOS_EVERY = 0
    assert _turn().status == SyncRun.Status.OK
    assert _asked(replay) == []
    assert not PaperRepos.objects.exists()
    assert Paper.objects.count() == 3


def test_the_command_leaves_repositories_out_when_asked(replay: Replay) -> None:
    _day_list(replay)
    replay.add_recorded_repos()
    call_command("sync", "hf", "--since", DAY.isoformat(), "--until", DAY.isoformat(), "--no-repos")
    assert _asked(replay) == []
    call_command("sync", "hf", "--since", DAY.isoformat(), "--until", DAY.isoformat())
    assert sorted(_asked(replay)) == list(IDS)


def test_a_paper_another_worker_holds_is_left_to_it(replay: Replay) -> None:
    _day_list(replay, IDS[:1])
    _turn(repos=False)
    paper = Paper.objects.get(arxiv_id=IDS[0])
    other = "elsewhere:1:1:aaaa-bbbbbb:00000000"  # another machine: maybe alive
    PaperRepos.objects.create(
        paper=paper, claimed_by=other, claimed_until=timezone.now() + dt.timedelta(hours=1)
    )
    replay.add_recorded_repos()
    _turn()
    assert _asked(replay) == []
    assert PaperRepos.objects.get(paper=paper).claimed_by == other


def test_a_write_after_the_claim_was_lost_changes_nothing(replay: Replay) -> None:
    _day_list(replay, IDS[:1])
    _turn(repos=False)
    papers = {Paper.objects.get(arxiv_id=IDS[0]).pk: IDS[0]}
    now = timezone.now()
    mine, taken = sync_repos.claim_due(papers, now, dt.timedelta(days=1))
    assert list(taken) == list(papers)
    # The claim ran out and another worker took the paper over.
    claims.take(
        PaperRepos.objects.filter(paper_id__in=papers),
        "elsewhere:1:1:aaaa-bbbbbb:00000000",
        now + dt.timedelta(days=1),
        dt.timedelta(hours=1),
    )
    record = repos.RepoRecord(kind="model", repo_id="late/answer", likes=1)
    assert not repos.store(taken[0], [record], {"model": 1}, now, mine)
    assert not LinkedRepo.objects.exists()
    assert _totals(IDS[0]) == (0, 0, 0)


def test_only_the_most_liked_are_kept_but_all_are_counted(replay: Replay) -> None:
    _day_list(replay, IDS[:1])
    _turn(repos=False)
    many = [{"id": f"org/m{n}", "likes": n} for n in range(repos.KEEP_PER_KIND + 20)]
    body = json.dumps({"models": many, "datasets": [], "spaces": []}).encode()
    replay.add(f"/hfapi/arxiv/{IDS[0]}/repos", Reply(200, body, JSON))
    _turn()
    assert _totals(IDS[0]) == (repos.KEEP_PER_KIND + 20, 0, 0)
    kept = _stored(IDS[0], "model")
    assert len(kept) == repos.KEEP_PER_KIND
    assert kept[0] == (f"org/m{repos.KEEP_PER_KIND + 19}", repos.KEEP_PER_KIND + 19)


@pytest.mark.parametrize(
    ("body", "content_type", "error"),
    [
        (b"<html></html>", "text/html", "expected JSON, got 'text/html'"),
        (b'{"error": "Sorry, we can\'t find the page"}', "application/json", "upstream error"),
        (b"[]", "application/json", "expected an object with models, datasets and spaces"),
        (b"\xff\xfe", "application/json", "malformed JSON"),
        (b"[" * 100_000, "application/json", "malformed JSON"),
    ],
)
def test_unreadable_answers_are_named(body: bytes, content_type: str, error: str) -> None:
    found = hf_repos.parse(body, content_type)
    assert found.error.startswith(error)
    assert found.repos == []


def test_odd_entries_are_left_out_and_odd_numbers_read_as_zero() -> None:
    body = {
        "models": [
            {"id": "good/one", "likes": "many", "downloads": -5, "lastModified": "yesterday"},
            {"id": "good/one", "likes": 3},  # the same repository twice
            {"id": "secret/one", "private": True},
            {"id": "../../etc/passwd"},
            {"id": 42},
            "not an object",
            {"likes": 9},
            {"id": "bert-base-uncased", "likes": True, "downloads": 2**70},
        ],
        "spaces": None,
    }
    found = hf_repos.parse(json.dumps(body).encode(), "application/json")
    assert found.error == ""
    assert [(r.repo_id, r.likes, r.downloads, r.last_modified) for r in found.repos] == [
        ("good/one", 0, 0, None),
        ("bert-base-uncased", 0, 2**63 - 1, None),
    ]
    assert found.totals == {"model": 2, "dataset": 0, "space": 0}
    assert found.dropped == 6
