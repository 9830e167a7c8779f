"""`sync oai` (resumption, errors, deletions, resume after a kill) and `sync rss`."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from dailypapers.ingest import oai, rss
from dailypapers.ingest.models import SyncRun, SyncState
from dailypapers.papers.models import Paper, Submission
from dailypapers.papers.records import PaperRecord
from tests.support.replay import FIRST, NEXT, OAI_ARXIV, OAI_RAW, RSS, XML, Replay, Reply

pytestmark = pytest.mark.django_db

DELETED = b"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-04-08T00:00:00Z</responseDate>
<request verb="ListRecords">http://export.arxiv.org/oai2</request><ListRecords>
<record><header status="deleted"><identifier>oai:arXiv.org:0704.0471</identifier>
<datestamp>2026-04-07</datestamp></header></record></ListRecords></OAI-PMH>"""


def _two_pages(replay: Replay, second: Reply | None = None) -> None:
    replay.add(
        "/oai", Reply(200, (OAI_RAW / "ListRecordsResponse.xml").read_bytes(), XML), params=FIRST
    )
    page_two = (OAI_ARXIV / "arxiv-physics-hep-th.xml").read_bytes()
    replay.add("/oai", second or Reply(200, page_two, XML), params=NEXT)


def _harvest(*extra: str) -> None:
    call_command("sync", "oai", "--categories", "physics", "--since", "2014-10-01", *extra)


def test_a_harvest_follows_the_resumption_token(replay: Replay) -> None:
    _two_pages(replay)
    _harvest()
    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.OK
    assert (run.new, run.requests) == (9, 2)
    paper = Paper.objects.get(arxiv_id="0704.0471")
    assert paper.version == 1 and paper.source == "arxiv-oai"
    assert paper.doi == "10.1103/PhysRevC.76.024606 10.1103/PhysRevC.76.039902"
    assert "$^{11}$Be" in Paper.objects.get(arxiv_id="0704.1586").title
    assert SyncState.objects.get(source="oai").watermark["token"] == ""


def test_no_records_match_is_a_clean_empty_run(replay: Replay) -> None:
    replay.add("/oai", Reply(200, (OAI_RAW / "ErrorResponseNoRecordsMatch.xml").read_bytes(), XML))
    _harvest()
    assert SyncRun.objects.get().status == SyncRun.Status.OK


@pytest.mark.parametrize("name", ["BadArgument", "BadVerb", "IdDoesNotExist"])
def test_oai_errors_fail_the_run(replay: Replay, name: str) -> None:
    replay.add("/oai", Reply(200, (OAI_RAW / f"ErrorResponse{name}.xml").read_bytes(), XML))
    with pytest.raises(SystemExit) as exit_:
        _harvest()
    assert exit_.value.code == 3
    assert name[0].lower() + name[1:] in SyncRun.objects.get().errors[0]


def test_deleted_records_withdraw_the_paper_and_keep_its_votes(replay: Replay) -> None:
    _two_pages(replay)
    _harvest()
    Paper.objects.filter(arxiv_id="0704.0471").update(upvotes_local=4)
    replay.add("/oai", Reply(200, DELETED, XML), params={**FIRST, "from": "2026-04-07"})
    call_command("sync", "oai", "--categories", "physics", "--since", "2026-04-07")
    paper = Paper.objects.get(arxiv_id="0704.0471")
    assert paper.withdrawn and paper.upvotes_local == 4
    assert SyncRun.objects.first().withdrawn == 1  # type: ignore[union-attr]


def test_an_interrupted_harvest_resumes_from_its_token(replay: Replay, settings: Any) -> None:
    _two_pages(replay, Reply(fault="reset"))
    with pytest.raises(SystemExit):
        _harvest()
    assert Paper.objects.count() == 6  # the first page was committed
    state = SyncState.objects.get(source="oai")
    assert state.watermark["token"] == "726959|1001"
    _two_pages(replay)
    call_command("sync", "oai", "--categories", "physics")  # no --since: resume
    last = replay.seen[-1]
    assert last.params == NEXT
    assert Paper.objects.count() == 9
    assert SyncRun.objects.first().new == 3  # type: ignore[union-attr]


def test_a_token_rejected_midway_restarts_the_range_next_time(replay: Replay) -> None:
    bad = (OAI_RAW / "ErrorResponseBadResumptionToken.xml").read_bytes()
    _two_pages(replay, Reply(200, bad, XML))
    with pytest.raises(SystemExit):
        _harvest()
    assert Paper.objects.count() == 6
    assert SyncState.objects.get(source="oai").watermark == {
        "set": "physics",
        "prefix": "arXivRaw",
        "from": "2014-10-01",
        "until": "",
        "token": "",
    }


def test_oai_parser_reads_the_arxiv_format() -> None:
    page = oai.parse_page((OAI_ARXIV / "arxiv-physics-hep-ex.xml").read_bytes(), "x")
    first = page.items[0]
    assert isinstance(first, PaperRecord)
    assert first.authors[0].name == "Tyler Anderson"


# -- RSS --------------------------------------------------------------------------


def test_the_announcement_feed_stores_new_replaced_and_cross_listed(replay: Replay) -> None:
    body = (RSS / "rss_mock_feed_all_archives_2024-11-28.xml").read_bytes()
    replay.add(
        "/rss/cs+math", Reply(200, body, {"Content-Type": "application/rss+xml", "ETag": '"d1"'})
    )
    call_command("sync", "rss", "--categories", "cs", "math")
    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.OK
    assert "926 new" in run.summary and "569 replace" in run.summary and "9 cross" in run.summary
    assert Paper.objects.count() == 1504
    assert Paper.objects.get(arxiv_id="1401.3665").version == 4
    assert Submission.objects.count() == 0  # the feed is not the daily list
    call_command("sync", "rss", "--categories", "cs", "math")
    assert "feed not modified" in SyncRun.objects.first().summary  # type: ignore[union-attr]


def test_an_empty_feed_is_fine_and_an_error_feed_fails(replay: Replay) -> None:
    replay.add("/rss/test", Reply(200, (RSS / "empty_rss_mock_feed.xml").read_bytes(), XML))
    call_command("sync", "rss", "--categories", "test")
    assert SyncRun.objects.get().summary.startswith("0 new")
    replay.add("/rss/astroph", Reply(200, (RSS / "error_rss_mock_feed.xml").read_bytes(), XML))
    with pytest.raises(SystemExit) as exit_:
        call_command("sync", "rss", "--categories", "astroph")
    assert exit_.value.code == 3
    assert "Bad archive 'astroph'" in SyncRun.objects.first().errors[0]  # type: ignore[union-attr]


def test_rss_parser_rejects_what_is_not_a_feed() -> None:
    with pytest.raises(rss.FeedError, match="HTML"):
        rss.parse_feed(b"<!DOCTYPE html><html><body>503</body></html>", "x")
    with pytest.raises(rss.FeedError, match="DTD"):
        rss.parse_feed(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss/>', "x")
