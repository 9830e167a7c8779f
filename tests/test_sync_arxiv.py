"""`dailypapers sync arxiv` and `sync hf` against replayed recordings."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command

from dailypapers.ingest import arxiv_api, sync
from dailypapers.ingest.formats import Problem
from dailypapers.ingest.models import SyncRun
from dailypapers.papers.models import Paper, Submission
from tests.support.replay import ARXIV_2016, HF_DAILY, Replay, Reply

pytestmark = pytest.mark.django_db


def test_both_feed_shapes_parse_with_latex_versions_and_old_ids() -> None:
    legacy = arxiv_api.parse_feed((ARXIV_2016 / "search_au_del_maestro.xml").read_bytes(), "legacy")
    assert legacy.total == 31 and len(legacy.items) == 10
    first = legacy.items[1]
    assert not isinstance(first, Problem)
    assert (first.arxiv_id, first.version) == ("cond-mat/0412498", 1)
    one = arxiv_api.parse_feed((ARXIV_2016 / "id_list_1111.2011v2.xml").read_bytes(), "x")
    paper = one.items[0]
    assert not isinstance(paper, Problem)
    assert paper.version == 2 and paper.doi == "10.1103/PhysRevB.85.115117"
    assert paper.categories == "cond-mat.str-el cond-mat.stat-mech"
    assert paper.title.startswith("Quantum Criticality for Extended Nodes on a Bethe Lattice in")
    assert "\n" not in paper.title


@pytest.mark.parametrize(
    "ident",
    ["astro-ph/0601001", "hep-ex/0406020v1", "quant-ph/0201082v1", "2104.12255v1", "1605.08386"],
)
def test_each_recorded_id_is_stored(replay: Replay, ident: str) -> None:
    replay.add_recorded_arxiv()
    done = sync.run("arxiv", sync.Request(ids=[ident]))
    assert done.status == SyncRun.Status.OK, done.errors
    paper = Paper.objects.get(arxiv_id=ident.removesuffix("v1"))
    assert paper.version == 1 and paper.source == "arxiv-api" and paper.authors.exists()
    assert done.new == 1


def test_the_astro_ph_paper_keeps_its_latex_and_metadata(replay: Replay) -> None:
    replay.add_recorded_arxiv()
    sync.run("arxiv", sync.Request(ids=["astro-ph/0601001"]))
    paper = Paper.objects.get(arxiv_id="astro-ph/0601001")
    assert "(1/310)(1^{+1.39}_{-0.59})" in paper.abstract
    assert "V_max<17.5" in paper.abstract
    assert paper.journal_ref == "ActaAstron.56:1-50,2006"
    assert [a.name for a in paper.authors.all()][:2] == ["Andrew Gould", "Susan Dorsher"]


def test_an_error_entry_fails_the_run_with_the_reason(replay: Replay, capsys: Any) -> None:
    replay.add_recorded_arxiv()
    with pytest.raises(SystemExit) as exit_:
        call_command("sync", "arxiv", "--ids", "abc")
    assert exit_.value.code == 3
    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.FAILED
    assert "HTTP 400" in run.errors[0] and "incorrect id format for abc" in run.errors[0]
    assert Paper.objects.count() == 0


def test_an_empty_result_is_a_clean_run(replay: Replay) -> None:
    replay.add_recorded_arxiv()
    done = sync.run("arxiv", sync.Request(ids=["0000.0000"]))
    assert done.status == SyncRun.Status.OK
    assert (done.new, done.skipped) == (0, 0)


def test_a_search_pages_through_the_results(replay: Replay, settings: Any) -> None:
    replay.add_recorded_arxiv()
    pages = list(
        arxiv_api.search(
            sync.make_client("arxiv"), settings.ARXIV_API_URL, "testing", page_size=10, limit=60
        )
    )
    starts = [s.params["start"] for s in replay.requests_to("/api/query")]
    assert starts == ["0", "10", "20", "30", "40", "50"]
    assert [p.start for p in pages] == [0, 10, 20, 30, 40, 50]
    assert sum(len(p.items) for p in pages) == 60


def test_a_rerun_changes_nothing_and_keeps_votes(replay: Replay) -> None:
    replay.add_recorded_arxiv()
    sync.run("arxiv", sync.Request(ids=["1605.08386"]))
    Paper.objects.filter(arxiv_id="1605.08386").update(upvotes_local=3)
    again = sync.run("arxiv", sync.Request(ids=["1605.08386"]))
    assert (again.new, again.updated, again.unchanged) == (0, 0, 1)
    assert Paper.objects.get(arxiv_id="1605.08386").upvotes_local == 3


def test_broken_xml_and_html_pages_are_failures_not_crashes(replay: Replay) -> None:
    replay.add(
        "/api/query",
        Reply(200, b"<feed><entry>"),
        params={
            "id_list": "2401.00001",
            "sortBy": "relevance",
            "sortOrder": "descending",
            "start": "0",
            "max_results": "100",
        },
    )
    done = sync.run("arxiv", sync.Request(ids=["2401.00001"]))
    assert done.status == SyncRun.Status.FAILED and "malformed XML" in done.errors[0]
    replay.add("/api/query", Reply(503, b"<!DOCTYPE html><html>down</html>"))
    done = sync.run("arxiv", sync.Request(ids=["2401.00001"]))
    assert done.status == SyncRun.Status.FAILED and "HTML page" in done.errors[0]


# -- Hugging Face -------------------------------------------------------------


def _hf_day(replay: Replay, day: str, body: bytes, **reply: Any) -> None:
    headers = {"Content-Type": "application/json; charset=utf-8", **reply.pop("headers", {})}
    replay.add(
        "/hfapi/daily_papers",
        Reply(200, body, headers, **reply),
        params={"date": day, "limit": "100"},
    )


def test_hf_days_of_both_shapes_are_mirrored(replay: Replay, capsys: Any) -> None:
    day_2026 = HF_DAILY / "api-2026-03_2026-08" / "2026-04-07.json"
    day_2024 = next((HF_DAILY / "api-raw-2024-03_2024-04").glob("*2024-03-12.json"))
    _hf_day(replay, "2026-04-07", day_2026.read_bytes())
    _hf_day(replay, "2024-03-12", day_2024.read_bytes())
    call_command("sync", "hf", "--since", "2026-04-07", "--until", "2026-04-07")
    expected = len(json.loads(day_2026.read_text()))
    assert Submission.objects.count() == expected
    call_command("sync", "hf", "--since", "2024-03-12", "--until", "2024-03-12")
    assert Submission.objects.count() == expected + len(json.loads(day_2024.read_text()))
    assert "hf: ok" in capsys.readouterr().out


def test_hf_bad_responses_keep_the_good_entries(replay: Replay) -> None:
    good = [
        {
            "paper": {
                "id": f"2604.0000{n}",
                "title": f"Paper {n}",
                "publishedAt": "2026-04-06T00:00:00.000Z",
                "submittedOnDailyAt": "2026-04-07T01:00:00.000Z",
                "upvotes": n,
            }
        }
        for n in range(1, 4)
    ]
    good[1]["paper"]["publishedAt"] = "1850-01-01T00:00:00.000Z"
    body = json.dumps(good).encode()
    _hf_day(replay, "2026-04-07", body[: len(body) - 40])  # cut inside the last entry
    _hf_day(
        replay,
        "2026-04-08",
        b"<html><body>Bad gateway</body></html>",
        headers={"Content-Type": "text/html"},
    )
    replay.add(
        "/hfapi/daily_papers",
        Reply(404, b'{"error":"Sorry, we can\'t find the page you are looking for."}'),
        params={"date": "2026-04-09", "limit": "100"},
    )
    with pytest.raises(SystemExit) as exit_:
        call_command("sync", "hf", "--since", "2026-04-07", "--until", "2026-04-09")
    assert exit_.value.code == 1
    assert list(Paper.objects.values_list("arxiv_id", flat=True)) == ["2604.00001"]
    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.PARTIAL and run.new == 1
    reasons = " | ".join(run.errors)
    assert "impossible date" in reasons
    assert "malformed JSON" in reasons and "2 complete entries read" in reasons
    assert "expected JSON, got 'text/html'" in reasons
    assert "HTTP 404" in reasons and "can't find the page" in reasons
