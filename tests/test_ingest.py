"""The importer: every supported shape, normalization, days, merging, bad records."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import DataError
from django.test import override_settings

from dailypapers.core import periods
from dailypapers.ingest.formats import Problem, read_file
from dailypapers.ingest.pipeline import ImportSummary, run_import
from dailypapers.papers.models import Organization, Paper, PaperAuthor, Submission
from dailypapers.papers.records import PaperRecord
from dailypapers.papers.services import UpsertResult, upsert_papers
from tests.factories import utc
from tests.shared import SHARED_DATA

HF = SHARED_DATA / "hf-daily-papers"
DAILY_2026 = HF / "api-2026-03_2026-08"
RAW_2024 = HF / "api-raw-2024-03_2024-04"
EXPLORER = HF / "paperexplorer-2023-11_2024-04.json"
SNAPSHOT = SHARED_DATA / "upstream/arxiv-kaggle-snapshot"
SNAPSHOT_2023 = SNAPSHOT / "wanng-ide_arxiv-metadata-oai-snapshot_first200.jsonl"


def read(path: Path) -> tuple[list[PaperRecord], list[Problem]]:
    items = list(read_file(path, lambda n: None))
    return (
        [i for i in items if isinstance(i, PaperRecord)],
        [i for i in items if isinstance(i, Problem)],
    )


def hf_entry(arxiv_id: str = "2604.00001", **paper: Any) -> dict[str, Any]:
    """A daily-papers entry in the 2026 shape, small enough to read in a test."""
    body: dict[str, Any] = {
        "id": arxiv_id,
        "authors": [
            {"_id": "a1", "name": "Ada Lovelace", "hidden": False, "user": {"user": "ada"}},
            {"_id": "a2", "name": "Alan  Turing", "hidden": False},
        ],
        "publishedAt": "2026-04-06T00:00:00.000Z",
        "submittedOnDailyAt": "2026-04-07T02:36:53.761Z",
        "submittedOnDailyBy": {"user": "taesiri", "fullname": "taesiri"},
        "title": f"A title for {arxiv_id}",
        "summary": "An abstract.",
        "upvotes": 7,
    }
    body.update(paper)
    return {"paper": body, "publishedAt": "2026-04-05T20:00:00.000Z", "numComments": 2}


def snapshot_row(arxiv_id: str | None = "0704.0001", **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": arxiv_id,
        "authors": "C. Bal\\'azs, E. L. Berger",
        "title": "Calculation of prompt diphoton production cross sections at Tevatron and\n  LHC",
        "comments": "37 pages",
        "journal-ref": None,
        "doi": None,
        "categories": "hep-ph",
        "abstract": "  A fully differential calculation\nis presented.\n",
        "versions": [
            {"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"},
            {"version": "v2", "created": "Tue, 24 Jul 2007 20:10:27 GMT"},
        ],
        "update_date": "2008-11-26",
        "authors_parsed": [["Balázs", "C.", ""], ["Berger", "E. L.", ""]],
    }
    row.update(fields)
    return row


def write_json(folder: Path, name: str, data: object) -> Path:
    path = folder / name
    path.write_text(json.dumps(data))
    return path


def write_lines(folder: Path, name: str, rows: list[object]) -> Path:
    path = folder / name
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def state() -> dict[str, list[tuple[Any, ...]]]:
    """Everything an import writes, without ids and timestamps of the writing itself."""
    paper_fields = [
        f.attname
        for f in Paper._meta.concrete_fields
        if f.attname not in {"id", "organization_id", "created_at", "modified_at"}
    ]
    return {
        "papers": sorted(
            (*p, org) for *p, org in Paper.objects.values_list(*paper_fields, "organization__slug")
        ),
        "authors": sorted(
            PaperAuthor.objects.values_list(
                "paper__arxiv_id", "position", "name", "slug", "hf_user"
            )
        ),
        "submissions": sorted(
            Submission.objects.values_list(
                "paper__arxiv_id",
                "submitted_at",
                "submitter_name",
                "submitter_fullname",
                "source",
                "hidden",
            )
        ),
        "organizations": sorted(Organization.objects.values_list("slug", "name", "avatar_url")),
    }


def forget_everything() -> None:
    Paper.objects.all().delete()
    Organization.objects.all().delete()


# -- reading each shape -------------------------------------------------------------


def test_reads_the_2026_daily_papers_shape() -> None:
    records, problems = read(DAILY_2026 / "2026-04-07.json")
    assert problems == []
    first = records[0]
    assert (first.arxiv_id, first.version, first.source) == ("2604.04707", None, "hf-daily")
    assert first.title == "OpenWorldLib: A Unified Codebase and Definition of Advanced World Models"
    assert first.location.endswith("2026-04-07.json:entry 1")
    assert first.upvotes == 113 and first.num_comments == 5
    assert first.published_at == utc(2026, 4, 6)
    assert first.submission is not None
    assert first.submission.submitted_at == dt.datetime(2026, 4, 7, 2, 36, 53, 761000, dt.UTC)
    assert first.submission.submitter_name == "taesiri"
    assert first.authors[1].name == "Bohan Zeng" and first.authors[1].hf_user == "zbhpku"
    assert first.organization is not None and first.organization.name == "Kling Team"
    assert first.github_repo == "https://github.com/OpenDCAI/OpenWorldLib"
    assert first.project_page.startswith("https://wcny4qa9krto.feishu.cn/")
    assert "world models" in first.ai_keywords


def test_reads_the_2024_raw_shape_and_unwraps_titles() -> None:
    records, problems = read(RAW_2024 / "daily_papers_2024-03-12.json")
    assert problems == []
    raw = {
        e["paper"]["id"]: e
        for e in json.loads((RAW_2024 / "daily_papers_2024-03-12.json").read_text())
    }
    wrapped = raw["2403.06504"]["paper"]["title"]
    assert "\n  " in wrapped  # the upstream keeps arXiv's line wrap
    record = next(r for r in records if r.arxiv_id == "2403.06504")
    assert record.title == (
        "Adding NVMe SSDs to Enable and Accelerate 100B Model Fine-tuning on a Single GPU"
    )
    # arXiv's hard wraps are joined; a break followed by indentation starts a paragraph
    # and is kept, as the upstream keeps it.
    assert "\n" not in record.abstract.replace("\n  ", "")
    assert "capabilities stemming from the massive number of parameters" in record.abstract
    # In the 2024 shape the entry's own publishedAt is the moment on the daily list.
    assert record.submission is not None
    assert record.submission.submitted_at == utc(2024, 3, 12, 3, 34, 44) + dt.timedelta(
        microseconds=689000
    )
    assert record.published_at == utc(2024, 3, 11, 8, 25, 53)


def test_reads_the_paperexplorer_scrape() -> None:
    records, problems = read(EXPLORER)
    assert problems == []
    assert len(records) == 753
    larp = next(r for r in records if r.arxiv_id == "2312.17653")
    assert larp.source == "paperexplorer"
    assert larp.location.endswith(":2312.17653")
    assert larp.upvotes == 29
    assert larp.published_at == utc(2023, 12, 24, 10, 8, 59)
    assert larp.project_page == "https://miao-ai-lab.github.io/LARP/"
    assert "\n" not in larp.abstract
    flowvid = next(r for r in records if r.arxiv_id == "2312.17681")
    assert flowvid.title == (
        "FlowVid: Taming Imperfect Optical Flows for Consistent Video-to-Video Synthesis"
    )


def test_reads_the_arxiv_snapshot_keeping_latex_and_the_latest_version() -> None:
    records, problems = read(SNAPSHOT_2023)
    assert problems == [] and len(records) == 200
    by_id = {r.arxiv_id: r for r in records}
    first = by_id["0704.0001"]
    assert first.version == 2
    assert first.source == "arxiv-snapshot" and first.submission is None
    assert first.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert first.published_at == utc(2007, 4, 2, 19, 18, 42)
    assert first.updated_at_source == utc(2007, 7, 24, 20, 10, 27)
    assert first.observed_at == utc(2008, 11, 26)
    assert [a.name for a in first.authors] == [
        "C. Balázs",
        "E. L. Berger",
        "P. M. Nadolsky",
        "C. -P. Yuan",
    ]
    assert first.doi == "10.1103/PhysRevD.76.013009" and first.categories == "hep-ph"
    assert first.location.endswith("first200.jsonl:1")
    assert "$(k,\\ell)$-pebble game" in by_id["0704.0002"].abstract
    assert by_id["0704.0003"].version == 3


def test_the_two_snapshot_versions_read_the_same() -> None:
    old, _ = read(SNAPSHOT_2023)
    new, _ = read(SNAPSHOT / "Sharath-1736_arxiv-metadata-oai-snapshot_first200_2025.jsonl")
    strip = [(r.arxiv_id, r.title, r.abstract, r.version, r.authors) for r in old]
    assert strip == [(r.arxiv_id, r.title, r.abstract, r.version, r.authors) for r in new]


def test_hf_entries_as_json_lines(tmp_path: Path) -> None:
    entries = json.loads((DAILY_2026 / "2026-04-07.json").read_text())
    lines = write_lines(tmp_path, "entries.jsonl", entries)
    # The same lines in a file named .json are recognized by their content.
    named_json = write_lines(tmp_path, "entries.json", entries)
    from_list, _ = read(DAILY_2026 / "2026-04-07.json")
    for path in (lines, named_json):
        records, problems = read(path)
        assert problems == []
        assert [r.arxiv_id for r in records] == [r.arxiv_id for r in from_list]
        assert records[0].location == f"{path}:1"
        assert [(r.title, r.submission, r.authors) for r in records] == [
            (r.title, r.submission, r.authors) for r in from_list
        ]


def test_ids_with_versions_and_old_style_ids(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path,
        "old.jsonl",
        [
            snapshot_row("math.GT/0309136v2", versions=[]),
            snapshot_row("hep-th/9901001", versions=[{"version": "v3", "created": ""}]),
            hf_entry("2403.06634v4"),
            hf_entry("https://arxiv.org/abs/2604.00002v2"),
        ],
    )
    records, problems = read(path)
    assert problems == []
    assert [(r.arxiv_id, r.version) for r in records] == [
        ("math/0309136", 2),
        ("hep-th/9901001", 3),
        ("2403.06634", 4),
        ("2604.00002", 2),
    ]


def test_gzip_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "snapshot.jsonl.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(SNAPSHOT_2023.read_text())
    records, problems = read(path)
    assert problems == [] and len(records) == 200


# -- days on the daily list ----------------------------------------------------------


def test_every_2026_entry_lands_on_the_day_of_its_file() -> None:
    files = sorted(DAILY_2026.glob("*.json"))
    assert len(files) == 102
    for path in files:
        records, problems = read(path)
        assert problems == []
        day = dt.date.fromisoformat(path.stem)
        assert records, path
        for record in records:
            assert record.submission is not None
            assert periods.local_date(record.submission.submitted_at) == day, record.location


def test_every_2024_entry_lands_on_the_day_of_its_file() -> None:
    for path in sorted(RAW_2024.glob("*.json")):
        day = dt.date.fromisoformat(path.stem.removeprefix("daily_papers_"))
        records, _ = read(path)
        assert {periods.local_date(r.submission.submitted_at) for r in records if r.submission} == {
            day
        }


@pytest.mark.django_db
@override_settings(TIME_ZONE="America/Los_Angeles")
def test_days_are_cut_in_the_configured_time_zone() -> None:
    path = DAILY_2026 / "2026-06-10.json"  # every entry was submitted at 00:00 UTC
    entries = json.loads(path.read_text())
    assert {e["paper"]["submittedOnDailyAt"][11:] for e in entries} == {"00:00:00.000Z"}
    summary = run_import([path], worker=False)
    assert summary.new == len(entries)

    def on_day(date: str) -> int:
        start, end = periods.parse("day", date).bounds()
        return Submission.objects.filter(submitted_at__gte=start, submitted_at__lt=end).count()

    # Midnight UTC is 17:00 the day before in Los Angeles.
    assert (on_day("2026-06-09"), on_day("2026-06-10")) == (len(entries), 0)
    zone = ZoneInfo("America/Los_Angeles")
    for submission in Submission.objects.all():
        assert periods.local_date(submission.submitted_at) == dt.date(2026, 6, 9)
        assert submission.submitted_at.astimezone(zone).hour == 17
    with override_settings(TIME_ZONE="UTC"):
        assert (on_day("2026-06-09"), on_day("2026-06-10")) == (0, len(entries))


# -- idempotent, order-independent merging --------------------------------------------


@pytest.mark.django_db
def test_reimport_changes_nothing() -> None:
    paths = [DAILY_2026 / "2026-04-07.json", EXPLORER, SNAPSHOT_2023]
    first = run_import(paths, worker=False)
    assert (first.skipped, first.updated, first.unchanged) == (0, 0, 0)
    before = state()
    modified = dict(Paper.objects.values_list("arxiv_id", "modified_at"))
    again = run_import(paths, worker=False)
    assert (again.new, again.updated, again.skipped) == (0, 0, 0)
    assert again.unchanged == first.new
    assert again.changed_ids == []
    assert state() == before
    assert dict(Paper.objects.values_list("arxiv_id", "modified_at")) == modified


def _import_records(*batches: list[PaperRecord]) -> list[UpsertResult]:
    return [upsert_papers(batch) for batch in batches]


def _records(path: Path) -> list[PaperRecord]:
    return read(path)[0]


@pytest.mark.django_db
def test_a_newer_version_updates_the_paper_and_an_older_one_does_not(tmp_path: Path) -> None:
    v1 = snapshot_row(
        title="First title", versions=[{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}]
    )
    v2 = snapshot_row(title="Second title")
    (older,), (newer,) = (
        _records(write_lines(tmp_path, "1.jsonl", [v1])),
        _records(write_lines(tmp_path, "2.jsonl", [v2])),
    )
    results = _import_records([older], [newer], [older])
    assert [(r.new, r.updated, r.unchanged) for r in results] == [(1, 0, 0), (0, 1, 0), (0, 0, 1)]
    paper = Paper.objects.get(arxiv_id="0704.0001")
    assert (paper.title, paper.version) == ("Second title", 2)


@pytest.mark.django_db
def test_the_more_authoritative_source_wins_whatever_the_order(tmp_path: Path) -> None:
    explorer = write_json(
        tmp_path,
        "explorer.json",
        {
            "2604.00001": {
                "title": "Scraped title",
                "authors": ["Ada Lovelace"],
                "abstract": "Scraped abstract with https://example.org/project.",
                "publication_date": "2026-04-06T00:00:00Z",
                "upvotes": 40,
            }
        },
    )
    daily = write_json(tmp_path, "daily.json", [hf_entry(title="Daily title", upvotes=7)])
    run_import([explorer, daily], worker=False)
    one_way = state()
    paper = Paper.objects.get()
    assert (paper.title, paper.source, paper.upvotes_imported) == ("Daily title", "hf-daily", 40)
    # The daily record has no project page; the scraped one fills it in.
    assert paper.project_page == "https://example.org/project"
    assert paper.submission.submitted_at == dt.datetime(2026, 4, 7, 2, 36, 53, 761000, dt.UTC)
    forget_everything()
    run_import([daily, explorer], worker=False)
    assert state() == one_way


@pytest.mark.django_db
def test_a_later_observation_wins_and_the_later_day_keeps_the_paper(tmp_path: Path) -> None:
    early = write_json(
        tmp_path,
        "early.json",
        [hf_entry(title="Early title", upvotes=2, submittedOnDailyAt="2026-04-10T00:58:14.251Z")],
    )
    late = write_json(
        tmp_path,
        "late.json",
        [hf_entry(title="Late title", upvotes=42, submittedOnDailyAt="2026-04-16T00:37:41.094Z")],
    )
    assert run_import([early, late], worker=False).updated == 1
    one_way = state()
    paper = Paper.objects.get()
    assert (paper.title, paper.upvotes_imported) == ("Late title", 42)
    assert periods.local_date(paper.submission.submitted_at) == dt.date(2026, 4, 16)
    forget_everything()
    run_import([late, early], worker=False)
    assert state() == one_way


@pytest.mark.django_db
def test_a_losing_record_fills_in_what_the_paper_lacks(tmp_path: Path) -> None:
    snapshot = write_lines(tmp_path, "s.jsonl", [snapshot_row("2604.00001", title="arXiv title")])
    daily = write_json(
        tmp_path,
        "d.json",
        [
            {
                **hf_entry(
                    "2604.00001",
                    title="Daily title",
                    ai_summary="Short summary.",
                    githubRepo="https://github.com/a/b",
                    authors=[{"name": "C. Balázs", "user": {"user": "cbalazs"}}],
                ),
                "organization": {"name": "KlingTeam", "fullname": "Kling Team"},
            }
        ],
    )
    run_import([snapshot, daily], worker=False)
    one_way = state()
    paper = Paper.objects.get()
    # The snapshot knows the version, so it wins; the daily entry adds what it alone has.
    assert (paper.title, paper.version, paper.source) == ("arXiv title", 2, "arxiv-snapshot")
    assert (paper.ai_summary, paper.github_repo) == ("Short summary.", "https://github.com/a/b")
    assert paper.organization is not None and paper.organization.slug == "klingteam"
    assert paper.submission.submitter_name == "taesiri"
    authors = list(paper.authors.values_list("name", "hf_user"))
    assert authors == [("C. Balázs", "cbalazs"), ("E. L. Berger", "")]
    forget_everything()
    run_import([daily, snapshot], worker=False)
    assert state() == one_way


@pytest.mark.django_db
def test_local_votes_and_submissions_are_kept(tmp_path: Path) -> None:
    first = write_json(tmp_path, "1.json", [hf_entry("2604.00001"), hf_entry("2604.00002")])
    run_import([first], worker=False)
    Paper.objects.filter(arxiv_id="2604.00001").update(upvotes_local=5)
    Submission.objects.filter(paper__arxiv_id="2604.00001").update(hidden=True)
    Submission.objects.filter(paper__arxiv_id="2604.00002").update(
        source="local", submitted_at=utc(2026, 4, 1), submitter_name="alice"
    )
    newer = write_json(
        tmp_path,
        "2.json",
        [
            hf_entry(
                "2604.00001",
                title="New title",
                upvotes=9,
                submittedOnDailyAt="2026-04-20T01:00:00Z",
            ),
            hf_entry("2604.00002", title="Other title", submittedOnDailyAt="2026-04-20T01:00:00Z"),
        ],
    )
    assert run_import([newer], worker=False).updated == 2
    voted = Paper.objects.get(arxiv_id="2604.00001")
    assert (voted.title, voted.upvotes_imported, voted.upvotes_local) == ("New title", 9, 5)
    assert voted.upvotes == 14
    assert voted.submission.hidden is True
    assert voted.submission.submitted_at == utc(2026, 4, 20, 1)
    local = Submission.objects.get(paper__arxiv_id="2604.00002")
    assert (local.source, local.submitted_at, local.submitter_name) == (
        "local",
        utc(2026, 4, 1),
        "alice",
    )
    assert local.paper.title == "Other title"


@pytest.mark.django_db
def test_imported_upvotes_are_kept_and_only_grow(tmp_path: Path) -> None:
    def day(name: str, upvotes: int) -> Path:
        return write_json(tmp_path, name, [hf_entry(upvotes=upvotes)])

    run_import([day("a.json", 10)], worker=False)
    run_import([day("b.json", 3)], worker=False)  # an older copy of the list
    assert Paper.objects.get().upvotes_imported == 10
    run_import([day("c.json", 12)], worker=False)
    paper = Paper.objects.get()
    assert (paper.upvotes_imported, paper.upvotes) == (12, 12)


@pytest.mark.django_db
def test_snapshot_papers_are_on_no_daily_list_until_a_list_has_them(tmp_path: Path) -> None:
    run_import([SNAPSHOT_2023], worker=False)
    assert Paper.objects.count() == 200 and Submission.objects.count() == 0
    daily = write_json(tmp_path, "d.json", [hf_entry("0704.0001", title="Daily")])
    run_import([daily], worker=False)
    assert Submission.objects.get().paper.arxiv_id == "0704.0001"


@pytest.mark.django_db
def test_repeats_in_one_batch_are_applied_in_order() -> None:
    records = _records(DAILY_2026 / "2026-04-07.json")[:3]
    later = PaperRecord(
        **{**records[0].__dict__, "title": "Retitled", "observed_at": utc(2026, 5, 1)}
    )
    result = upsert_papers([records[0], later, records[1], records[0], records[2]])
    assert (result.new, result.updated, result.unchanged) == (3, 1, 1)
    assert Paper.objects.get(arxiv_id=records[0].arxiv_id).title == "Retitled"


# -- links at import ----------------------------------------------------------------


@pytest.mark.django_db
def test_links_are_extracted_at_import(tmp_path: Path) -> None:
    run_import([DAILY_2026 / "2026-04-09.json", EXPLORER, SNAPSHOT_2023], worker=False)
    # No githubRepo on the entry: the abstract's link into the repository is used.
    assert (
        Paper.objects.get(arxiv_id="2604.06182").github_repo
        == "https://github.com/inclusionAI/UI-Venus"
    )
    assert (
        Paper.objects.get(arxiv_id="2403.10131").github_repo
        == "https://github.com/ShishirPatil/gorilla"
    )
    # Links in the comments of arXiv records count too.
    assert Paper.objects.get(arxiv_id="0704.0192").project_page == "http://www.gb.nrao.edu/~koneil"
    hostile = write_json(
        tmp_path,
        "hostile.json",
        [hf_entry("2604.00009", githubRepo="javascript:alert(1)", projectPage="data:text/html,x")],
    )
    run_import([hostile], worker=False)
    paper = Paper.objects.get(arxiv_id="2604.00009")
    assert (paper.github_repo, paper.project_page) == ("", "")


# -- bad records ------------------------------------------------------------------------


def _reasons(summary: ImportSummary) -> dict[str, str]:
    return {p.location: p.reason for p in summary.problems}


@pytest.mark.django_db
def test_bad_json_lines_are_reported_by_line_and_skipped(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path,
        "bad.jsonl",
        [
            snapshot_row("0704.0001"),
            '{"id": "0704.0002", "title": ',
            snapshot_row(None),
            snapshot_row("0704.0004", title="  "),
            snapshot_row("0704.0005", update_date="2026-02-30"),
            snapshot_row(
                "0704.0006", versions=[{"version": "v1", "created": "Mon, 2 Apr 3024 19:18:42 GMT"}]
            ),
            "[1, 2, 3]",
            "",
            hf_entry("2604.00007", submittedOnDailyAt="2026-02-30T10:00:00Z"),
            hf_entry("not-an-id"),
            snapshot_row("0704.0011"),
        ],
    )
    summary = run_import([path], worker=False)
    reasons = _reasons(summary)
    assert set(reasons) == {f"{path}:{n}" for n in (2, 3, 4, 5, 6, 7, 9, 10)}
    assert reasons[f"{path}:2"].startswith("malformed JSON line")
    assert reasons[f"{path}:3"] == "missing arXiv id"
    assert reasons[f"{path}:4"] == "missing title"
    assert reasons[f"{path}:5"] == "impossible date '2026-02-30' in update_date"
    assert "3024" in reasons[f"{path}:6"] and "impossible date" in reasons[f"{path}:6"]
    assert reasons[f"{path}:7"] == "line is not a JSON object"
    assert "impossible date '2026-02-30T10:00:00Z'" in reasons[f"{path}:9"]
    assert reasons[f"{path}:10"] == "not an arXiv id: 'not-an-id'"
    assert (summary.new, summary.skipped) == (2, 8)
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == {"0704.0001", "0704.0011"}


@pytest.mark.django_db
def test_bad_entries_of_json_files_are_reported_and_skipped(tmp_path: Path) -> None:
    daily = write_json(
        tmp_path,
        "daily.json",
        [
            hf_entry("2604.00001"),
            "just a string",
            {"paper": {"title": "No id"}},
            hf_entry("2604.00004", publishedAt="3024-01-01T00:00:00Z"),
            {"title": "no paper object"},
            hf_entry("2604.00006"),
        ],
    )
    explorer = write_json(
        tmp_path,
        "explorer.json",
        {
            "2401.00001": {
                "title": "Fine",
                "authors": ["A"],
                "abstract": "x",
                "publication_date": "2024-01-02T00:00:00Z",
            },
            "garbage": {"title": "Bad key", "url": "https://example.org"},
            "2401.00003": {"authors": ["B"], "abstract": "no title"},
            "2401.00004": ["not", "an", "object"],
        },
    )
    summary = run_import([daily, explorer], worker=False)
    assert _reasons(summary) == {
        f"{daily}:entry 2": "entry is not a JSON object",
        f"{daily}:entry 3": "missing arXiv id",
        f"{daily}:entry 4": "impossible date '3024-01-01T00:00:00Z' in paper.publishedAt "
        "(outside 1991 to now)",
        f"{daily}:entry 5": "entry has no 'paper' object",
        f"{explorer}:garbage": "not an arXiv id: 'garbage'",
        f"{explorer}:2401.00003": "missing title",
        f"{explorer}:2401.00004": "entry is not a JSON object",
    }
    assert (summary.new, summary.skipped, summary.files) == (3, 7, 2)


@pytest.mark.django_db
def test_unreadable_files_are_reported_and_the_others_imported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('[{"paper": {"id": "2604.00001", "title": "x"}}')  # never closed
    wrong_shape = write_json(tmp_path, "shape.json", {"hello": "world", "n": 1})
    number = write_json(tmp_path, "number.json", 42)
    empty_list = write_json(tmp_path, "empty.json", [])
    truncated = tmp_path / "cut.jsonl.gz"
    truncated.write_bytes(gzip.compress(SNAPSHOT_2023.read_bytes())[:5000])
    good = write_json(tmp_path, "good.json", [hf_entry("2604.00009")])
    summary = run_import([tmp_path], worker=False)
    reasons = _reasons(summary)
    assert reasons[str(broken)].startswith("malformed JSON (")
    assert reasons[str(broken)].endswith("file skipped")
    assert reasons[str(wrong_shape)].startswith("unrecognized format")
    assert reasons[str(number)].startswith("unrecognized format")
    assert reasons[str(truncated)].startswith("cannot read file")
    assert str(empty_list) not in reasons
    assert summary.files == 6
    # What the truncated files held before the cut is kept: the complete first entry
    # of the list that never closes, the snapshot lines before the cut.
    kept = Paper.objects.filter(source="arxiv-snapshot").count()
    assert 0 < kept < 200
    assert "1 complete entries read before it, rest of file skipped" in reasons[str(broken)]
    assert Paper.objects.filter(arxiv_id="2604.00001").exists()
    assert summary.new == kept + 2
    assert Paper.objects.filter(arxiv_id="2604.00009").exists()
    assert str(good) not in reasons


@pytest.mark.django_db
def test_hostile_values_are_stored_safely(tmp_path: Path) -> None:
    entry = hf_entry(
        "2604.00001",
        upvotes=10**15,
        githubStars="NAN-HERE",
        title="Null\u0000byte and \ud800 surrogate",
        authors=[{"name": f"Author {i}"} for i in range(12_000)],
        ai_keywords=["ok", 3, None, "x" * 10],
    )
    path = tmp_path / "hostile.json"
    # NaN is not JSON, but Python's json (and so many exporters) write it.
    path.write_text(json.dumps([entry]).replace('"NAN-HERE"', "NaN"))
    summary = run_import([path], worker=False)
    assert summary.skipped == 0
    paper = Paper.objects.get()
    assert paper.upvotes_imported == 2**31 - 1
    assert paper.github_stars is None
    assert paper.title == "Nullbyte and surrogate"
    assert paper.authors.count() == 10_000
    assert paper.ai_keywords == ["ok", "x" * 10]


@pytest.mark.django_db
def test_a_record_the_database_refuses_is_reported_and_the_rest_kept(tmp_path: Path) -> None:
    def picky(records: list[PaperRecord]) -> UpsertResult:
        if any(r.arxiv_id == "2604.00002" for r in records):
            raise DataError("value too long for type character varying(32)")
        return upsert_papers(records)

    path = write_json(tmp_path, "d.json", [hf_entry(f"2604.0000{n}") for n in range(1, 5)])
    summary = run_import([path], write=picky, worker=False)
    assert _reasons(summary) == {
        f"{path}:entry 2": "cannot be stored (value too long for type character varying(32))"
    }
    assert sorted(Paper.objects.values_list("arxiv_id", flat=True)) == [
        "2604.00001",
        "2604.00003",
        "2604.00004",
    ]


# -- the whole shared data set ----------------------------------------------------------


@pytest.mark.django_db
def test_the_whole_shared_folder_imports_and_reimports() -> None:
    summary = run_import([HF])
    assert summary.problems == []
    assert summary.files == 102 + 16 + 1
    # 2,489 + 172 daily entries and 753 scraped papers; every 2024 entry is also in
    # the scrape, and four 2026 papers were on two days.
    assert summary.imported == 2489 + 172 + 753
    assert summary.new == Paper.objects.count() == 2485 + 753
    assert Submission.objects.count() == 2485 + 753
    assert not Paper.objects.filter(authors__isnull=True).exists()

    days: dict[str, list[dt.date]] = {}
    for path in sorted(DAILY_2026.glob("*.json")):
        for entry in json.loads(path.read_text()):
            days.setdefault(entry["paper"]["id"], []).append(dt.date.fromisoformat(path.stem))
    twice = {arxiv_id: d for arxiv_id, d in days.items() if len(d) > 1}
    assert set(twice) == {"2604.07429", "2606.11176", "2608.12313", "2608.13558"}
    placed = {
        arxiv_id: periods.local_date(at)
        for arxiv_id, at in Submission.objects.filter(paper__arxiv_id__in=days).values_list(
            "paper__arxiv_id", "submitted_at"
        )
    }
    assert placed == {arxiv_id: max(d) for arxiv_id, d in days.items()}
    assert Paper.objects.get(arxiv_id="2606.11176").upvotes_imported == 82
    per_day = Counter(placed.values())
    assert per_day[dt.date(2026, 4, 7)] == len(
        json.loads((DAILY_2026 / "2026-04-07.json").read_text())
    )

    before = state()
    again = run_import([HF])
    assert (again.new, again.updated, again.skipped) == (0, 0, 0)
    assert again.unchanged == summary.imported
    assert state() == before


@pytest.mark.django_db
def test_parsing_in_a_worker_process_gives_the_same_result() -> None:
    paths = [
        DAILY_2026 / "2026-05-12.json",
        EXPLORER,
        SNAPSHOT,
        RAW_2024 / "daily_papers_2024-03-12.json",
    ]
    here = run_import(paths, worker=False)
    in_process = state()
    forget_everything()
    there = run_import(paths, worker=True)
    assert state() == in_process
    assert (there.files, there.new, there.updated, there.unchanged, there.skipped) == (
        here.files,
        here.new,
        here.updated,
        here.unchanged,
        here.skipped,
    )
