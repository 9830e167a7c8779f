"""The read API: HF-compatible shapes, parameters, errors, query counts and the real client."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.signals import request_started
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dailypapers.ingest.pipeline import run_import
from dailypapers.papers.models import Paper, PaperAuthor, Submission
from dailypapers.papers.serializers import THUMBNAIL_URL
from dailypapers.papers.services import upsert_papers
from tests.support.factories import paper, record, utc
from tests.support.shared import SHARED_DATA
from tests.support.web import hang_up_on_live_server

pytestmark = pytest.mark.django_db

UPSTREAM_DAY = SHARED_DATA / "hf-daily-papers/api-2026-03_2026-08/2026-04-07.json"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")

ENTRY_KEYS = {
    "paper",
    "publishedAt",
    "title",
    "summary",
    "thumbnail",
    "numComments",
    "isAuthorParticipating",
    "submittedOnDailyAt",
    "upvotes",
}
PAPER_KEYS = {
    "id",
    "authors",
    "publishedAt",
    "submittedOnDailyAt",
    "title",
    "summary",
    "upvotes",
    "discussionId",
}
LINK_KEYS = {"projectPage", "githubRepo", "ai_summary", "ai_keywords", "githubStars"}
USER_KEYS = {"_id", "fullname", "name", "user", "type"}


@pytest.fixture(autouse=True)
def utc_days(settings: Any) -> None:
    settings.TIME_ZONE = "UTC"
    settings.TRENDING_WINDOW_DAYS = 7


def get_json(client: Client, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def full_paper(arxiv_id: str = "2604.04707", **kwargs: Any) -> None:
    """A paper with every optional field, an organization and a claimed author."""
    fields: dict[str, Any] = {
        "title": "OpenWorldLib",
        "submitted_at": utc(2026, 4, 7, 2, 36, 53, 761_000),
        "upvotes": 113,
        "authors": ("DataFlow Team", "Bohan Zeng"),
        "organization": "KlingTeam",
        "published_at": utc(2026, 4, 6),
        "github_repo": "https://github.com/OpenDCAI/OpenWorldLib",
        "github_stars": 42,
        "project_page": "https://example.org/owl",
        "ai_summary": "A unified codebase for world models.",
        "ai_keywords": ["world models", "perception"],
        "num_comments": 5,
    }
    fields.update(kwargs)
    paper(arxiv_id, **fields)
    PaperAuthor.objects.filter(paper__arxiv_id=arxiv_id, name="Bohan Zeng").update(hf_user="zbhpku")


def bare_paper(arxiv_id: str, **kwargs: Any) -> None:
    """A paper with no optional field at all, not even a submitter."""
    paper(arxiv_id, **kwargs)
    Submission.objects.filter(paper__arxiv_id=arxiv_id).update(
        submitter_name="", submitter_fullname=""
    )


# -- shapes ----------------------------------------------------------------------------


def test_daily_entry_has_the_upstream_shape(client: Client) -> None:
    full_paper()
    [entry] = get_json(client, "/api/daily_papers?date=2026-04-07")

    assert set(entry) == ENTRY_KEYS | LINK_KEYS | {"submittedBy", "organization"}
    inner = entry["paper"]
    assert set(inner) == PAPER_KEYS | LINK_KEYS | {"submittedOnDailyBy", "organization"}
    assert inner["id"] == "2604.04707"
    assert inner["title"] == entry["title"] == "OpenWorldLib"
    assert inner["summary"] == entry["summary"]
    assert inner["upvotes"] == entry["upvotes"] == 113
    assert entry["numComments"] == 5
    assert entry["thumbnail"] == THUMBNAIL_URL.format(id="2604.04707")
    assert inner["githubRepo"] == entry["githubRepo"] == "https://github.com/OpenDCAI/OpenWorldLib"
    assert inner["githubStars"] == 42
    assert inner["projectPage"] == "https://example.org/owl"
    assert inner["ai_summary"] == "A unified codebase for world models."
    assert inner["ai_keywords"] == ["world models", "perception"]
    assert OBJECT_ID.match(inner["discussionId"])

    plain, claimed = inner["authors"]
    assert plain == {"_id": plain["_id"], "name": "DataFlow Team", "hidden": False}
    assert set(claimed) == {"_id", "user", "name", "hidden"}
    assert claimed["name"] == "Bohan Zeng"
    assert set(claimed["user"]) == USER_KEYS
    assert claimed["user"]["user"] == claimed["user"]["name"] == "zbhpku"
    assert claimed["user"]["type"] == "user"
    assert OBJECT_ID.match(plain["_id"]) and OBJECT_ID.match(claimed["_id"])
    assert plain["_id"] != claimed["_id"]

    for submitter in (entry["submittedBy"], inner["submittedOnDailyBy"]):
        assert submitter == {
            "_id": submitter["_id"],
            "fullname": "Sub Mitter",
            "name": "submitter",
            "user": "submitter",
            "type": "user",
        }
        assert OBJECT_ID.match(submitter["_id"])

    org = entry["organization"]
    assert org == inner["organization"]
    assert set(org) == {"_id", "name", "fullname"}
    assert org["name"] == "klingteam"
    assert org["fullname"] == "KlingTeam"


def test_ids_are_stable_between_requests(client: Client) -> None:
    full_paper()
    first = get_json(client, "/api/daily_papers")
    assert get_json(client, "/api/daily_papers") == first


def test_optional_keys_are_left_out_rather_than_null(client: Client) -> None:
    bare_paper("2604.00001", submitted_at=utc(2026, 4, 7, 9), authors=())
    [entry] = get_json(client, "/api/daily_papers")
    assert set(entry) == ENTRY_KEYS
    assert set(entry["paper"]) == PAPER_KEYS - {"publishedAt"}
    assert entry["paper"]["authors"] == []
    assert entry["upvotes"] == entry["paper"]["upvotes"] == 0
    assert entry["numComments"] == 0
    assert None not in entry.values()
    assert None not in entry["paper"].values()


def test_timestamps_use_the_upstream_format(client: Client) -> None:
    full_paper(submitted_at=utc(2026, 4, 7, 2, 36, 53, 761_999), published_at=utc(2026, 4, 6))
    [entry] = get_json(client, "/api/daily_papers")
    # The upstream writes the arXiv time as New York wall-clock time marked "Z".
    assert entry["publishedAt"] == "2026-04-05T20:00:00.000Z"
    assert entry["paper"]["submittedOnDailyAt"] == "2026-04-07T02:36:53.761Z"
    assert entry["submittedOnDailyAt"] == "2026-04-07T02:36:53.761Z"
    assert entry["paper"]["publishedAt"] == "2026-04-06T00:00:00.000Z"


def test_timestamps_are_utc_whatever_the_site_time_zone(client: Client, settings: Any) -> None:
    settings.TIME_ZONE = "America/New_York"
    full_paper(submitted_at=utc(2026, 4, 7, 12, 0, 0, 5_000))
    [entry] = get_json(client, "/api/daily_papers?date=2026-04-07")
    assert entry["submittedOnDailyAt"] == "2026-04-07T12:00:00.005Z"
    assert entry["publishedAt"] == "2026-04-05T20:00:00.000Z"
    assert TIMESTAMP.match(entry["paper"]["publishedAt"])


def test_paper_endpoint_returns_the_paper_object(client: Client) -> None:
    full_paper()
    data = get_json(client, "/api/papers/2604.04707")
    assert set(data) == PAPER_KEYS | LINK_KEYS | {
        "submittedOnDailyBy",
        "organization",
        "numComments",
        "linkedModels",
        "numTotalModels",
        "linkedDatasets",
        "numTotalDatasets",
        "linkedSpaces",
        "numTotalSpaces",
    }
    assert data["id"] == "2604.04707"
    assert data["submittedOnDailyAt"] == "2026-04-07T02:36:53.761Z"
    assert data["publishedAt"] == "2026-04-06T00:00:00.000Z"
    assert data["numComments"] == 5
    assert data["upvotes"] == 113
    assert data["organization"]["fullname"] == "KlingTeam"
    [entry] = get_json(client, "/api/daily_papers")
    only_here = {"numComments", *(k for k in data if k.startswith(("linked", "numTotal")))}
    assert {k: v for k, v in data.items() if k not in only_here} == entry["paper"]


def test_paper_off_the_daily_list_has_no_daily_fields(client: Client) -> None:
    paper("2604.00002", title="Never submitted", published_at=utc(2026, 4, 1))
    data = get_json(client, "/api/papers/2604.00002")
    assert "submittedOnDailyAt" not in data
    assert "submittedOnDailyBy" not in data
    assert data["title"] == "Never submitted"


def test_hidden_entries_are_not_listed_or_shown_as_on_the_list(client: Client) -> None:
    paper("2604.00003", submitted_at=utc(2026, 4, 7, 1))
    Submission.objects.filter(paper__arxiv_id="2604.00003").update(hidden=True)
    assert get_json(client, "/api/daily_papers") == []
    assert get_json(client, "/api/daily_papers?date=2026-04-07") == []
    assert get_json(client, "/api/daily_papers?sort=trending") == []
    data = get_json(client, "/api/papers/2604.00003")
    assert "submittedOnDailyAt" not in data


def test_upvotes_include_votes_made_here(client: Client) -> None:
    full_paper(upvotes=10)
    Paper.objects.update(upvotes_local=3)
    [entry] = get_json(client, "/api/daily_papers")
    assert entry["paper"]["upvotes"] == entry["upvotes"] == 13
    assert get_json(client, "/api/papers/2604.04707")["upvotes"] == 13


# -- /api/papers/<id> ------------------------------------------------------------------


def test_versioned_and_prefixed_ids_find_the_paper(client: Client) -> None:
    paper("2403.06634", title="Stealing", submitted_at=utc(2024, 3, 12, 2))
    for ref in ("2403.06634", "2403.06634v2", "arXiv:2403.06634"):
        assert get_json(client, f"/api/papers/{ref}")["id"] == "2403.06634"


def test_old_style_ids_with_a_slash(client: Client) -> None:
    paper("hep-th/9901001", title="Old style")
    assert get_json(client, "/api/papers/hep-th/9901001")["title"] == "Old style"
    assert get_json(client, "/api/papers/hep-th/9901001v3")["id"] == "hep-th/9901001"
    assert get_json(client, "/api/papers/hep-th%2F9901001")["id"] == "hep-th/9901001"


@pytest.mark.parametrize(
    "ref",
    ["2604.99999", "hep-th/9901002", "not-an-id", "2613.00001", "2604.1", "2604.00001v0"],
)
def test_unknown_or_malformed_ids_are_404(client: Client, ref: str) -> None:
    paper("2604.00001")
    data = get_json(client, f"/api/papers/{ref}", status=404)
    assert set(data) == {"error"}
    assert data["error"]


# -- /api/daily_papers parameters --------------------------------------------------------


def _ids(data: list[dict[str, Any]]) -> list[str]:
    return [entry["paper"]["id"] for entry in data]


@pytest.fixture
def two_weeks() -> None:
    """Papers over two ISO weeks and two months, with two submitters."""
    paper("2603.00001", submitted_at=utc(2026, 3, 31, 8), upvotes=50)
    paper("2604.00001", submitted_at=utc(2026, 4, 6, 1), upvotes=1)
    paper("2604.00002", submitted_at=utc(2026, 4, 7, 1), upvotes=3)
    paper("2604.00003", submitted_at=utc(2026, 4, 7, 5), upvotes=9)
    paper("2604.00004", submitted_at=utc(2026, 4, 7, 3), upvotes=3)
    paper("2604.00005", submitted_at=utc(2026, 4, 13, 0, 30), upvotes=2)
    Submission.objects.filter(paper__arxiv_id__in=["2604.00003", "2604.00005"]).update(
        submitter_name="akhaliq", submitter_fullname="AK"
    )


@pytest.mark.usefixtures("two_weeks")
def test_without_a_period_the_newest_entries_come_first(client: Client) -> None:
    assert _ids(get_json(client, "/api/daily_papers")) == [
        "2604.00005",
        "2604.00003",
        "2604.00004",
        "2604.00002",
        "2604.00001",
        "2603.00001",
    ]
    assert _ids(get_json(client, "/api/daily_papers?sort=publishedAt&limit=2")) == [
        "2604.00005",
        "2604.00003",
    ]


@pytest.mark.usefixtures("two_weeks")
def test_date_lists_that_day_most_upvoted_first(client: Client) -> None:
    # The upstream's answer for a day is ordered by upvotes; ties go to the newer paper
    # on arXiv, then (these have no arXiv date) to the later submission.
    expected = ["2604.00003", "2604.00004", "2604.00002"]
    assert _ids(get_json(client, "/api/daily_papers?date=2026-04-07")) == expected
    assert _ids(get_json(client, "/api/daily_papers?date=2026-04-07&sort=publishedAt")) == expected
    assert get_json(client, "/api/daily_papers?date=2026-04-08") == []


@pytest.mark.usefixtures("two_weeks")
def test_week_and_month(client: Client) -> None:
    week = _ids(get_json(client, "/api/daily_papers?week=2026-W15"))
    assert week == ["2604.00003", "2604.00004", "2604.00002", "2604.00001"]
    assert _ids(get_json(client, "/api/daily_papers?week=2026-W16")) == ["2604.00005"]
    assert _ids(get_json(client, "/api/daily_papers?month=2026-03")) == ["2603.00001"]
    assert len(get_json(client, "/api/daily_papers?month=2026-04")) == 5


@pytest.mark.usefixtures("two_weeks")
def test_submitter(client: Client) -> None:
    assert _ids(get_json(client, "/api/daily_papers?submitter=akhaliq")) == [
        "2604.00005",
        "2604.00003",
    ]
    assert _ids(get_json(client, "/api/daily_papers?submitter=akhaliq&month=2026-04")) == [
        "2604.00003",
        "2604.00005",
    ]
    assert _ids(
        get_json(client, "/api/daily_papers?submitter=akhaliq&sort=trending&week=2026-W15")
    ) == ["2604.00003"]
    assert get_json(client, "/api/daily_papers?submitter=nobody") == []


@pytest.mark.usefixtures("two_weeks")
def test_pages_and_limit(client: Client) -> None:
    everything = _ids(get_json(client, "/api/daily_papers?limit=100"))
    assert len(everything) == 6
    pages = [_ids(get_json(client, f"/api/daily_papers?limit=4&p={p}")) for p in range(2)]
    assert pages[0] + pages[1] == everything
    assert len(pages[0]) == 4
    assert get_json(client, "/api/daily_papers?limit=4&p=2") == []
    assert get_json(client, "/api/daily_papers?p=1") == []
    assert get_json(client, "/api/daily_papers?p=1000000") == []
    assert get_json(client, "/api/daily_papers?date=2026-04-07&limit=2&p=5") == []
    assert get_json(client, "/api/daily_papers?sort=trending&limit=2&p=5") == []
    day = _ids(get_json(client, "/api/daily_papers?date=2026-04-07&limit=2&p=1"))
    assert day == ["2604.00002"]


def test_default_limit_is_50(client: Client) -> None:
    upsert_papers(
        [record(f"2604.{n:05d}", submitted_at=utc(2026, 4, 7, 0, n)) for n in range(1, 56)]
    )
    assert len(get_json(client, "/api/daily_papers")) == 50
    assert len(get_json(client, "/api/daily_papers?p=1")) == 5


def test_trending_without_a_period_ranks_the_trending_window(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = utc(2026, 4, 7, 12)
    monkeypatch.setattr(timezone, "now", lambda: now)
    paper("2603.00001", submitted_at=utc(2026, 3, 20, 12), upvotes=500)  # outside the window
    paper("2604.00001", submitted_at=utc(2026, 4, 4, 12), upvotes=30)
    paper("2604.00002", submitted_at=utc(2026, 4, 7, 10), upvotes=5)
    paper("2604.00003", submitted_at=utc(2026, 4, 7, 11), upvotes=0)
    data = get_json(client, "/api/daily_papers?sort=trending")
    assert _ids(data) == ["2604.00002", "2604.00003", "2604.00001"]
    assert _ids(get_json(client, "/api/daily_papers?sort=trending&limit=1&p=1")) == ["2604.00003"]


def test_trending_within_a_period(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    now = utc(2026, 4, 8, 0)
    monkeypatch.setattr(timezone, "now", lambda: now)
    paper("2604.00001", submitted_at=utc(2026, 4, 7, 1), upvotes=10)
    paper("2604.00002", submitted_at=utc(2026, 4, 7, 22), upvotes=4)
    paper("2604.00003", submitted_at=utc(2026, 4, 6, 22), upvotes=100)
    assert _ids(get_json(client, "/api/daily_papers?date=2026-04-07")) == [
        "2604.00001",
        "2604.00002",
    ]
    assert _ids(get_json(client, "/api/daily_papers?date=2026-04-07&sort=trending")) == [
        "2604.00002",
        "2604.00001",
    ]


@pytest.mark.parametrize(
    ("query", "mentions"),
    [
        ("date=2026-4-7", "date"),
        ("date=2026-02-30", "date"),
        ("date=07-04-2026", "date"),
        ("date=1066-10-14", "date"),
        ("date=", "date"),
        ("week=2026-W60", "week"),
        ("week=2026-15", "week"),
        ("week=2026-W00", "week"),
        ("month=2026-13", "month"),
        ("month=2026-4", "month"),
        ("month=2026-04-01", "month"),
        ("date=2026-04-07&week=2026-W15", "only one"),
        ("month=2026-04&week=2026-W15", "only one"),
        ("sort=newest", "sort"),
        ("sort=", "sort"),
        ("sort=PUBLISHEDAT", "sort"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=-1", "limit"),
        ("limit=ten", "limit"),
        ("limit=1e3", "limit"),
        ("p=-1", "p "),
        ("p=x", "p "),
        ("p=1.5", "p "),
        ("p=1000001", "p "),
        ("p=" + "9" * 5000, "p "),
        ("submitter=", "submitter"),
        ("submitter=%20", "submitter"),
    ],
)
def test_bad_parameters_are_400_with_a_reason(client: Client, query: str, mentions: str) -> None:
    data = get_json(client, f"/api/daily_papers?{query}", status=400)
    assert set(data) == {"error"}
    assert mentions in data["error"]


def test_unknown_parameters_are_ignored(client: Client) -> None:
    paper("2604.00001", submitted_at=utc(2026, 4, 7, 1))
    assert len(get_json(client, "/api/daily_papers?foo=bar")) == 1


# -- HTTP ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/api/daily_papers", "/api/daily_papers?limit=0", "/api/papers/2604.99999"]
)
def test_headers(client: Client, url: str) -> None:
    response = client.get(url)
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=60"
    assert response["Access-Control-Allow-Origin"] == "*"


def test_head_is_allowed(client: Client) -> None:
    paper("2604.00001", submitted_at=utc(2026, 4, 7, 1))
    for url in ("/api/daily_papers", "/api/papers/2604.00001"):
        response = client.head(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", ["/api/daily_papers", "/api/papers/2604.00001"])
def test_other_methods_are_405(method: str, url: str) -> None:
    paper("2604.00001", submitted_at=utc(2026, 4, 7, 1))
    # A real browser-like client: CSRF checks on, as in production.
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(url)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response["Content-Type"] == "application/json"
    assert "error" in json.loads(response.content)
    assert "Cache-Control" not in response


# -- query count -----------------------------------------------------------------------


@pytest.fixture
def sixty_papers() -> None:
    upsert_papers(
        [
            record(
                f"2604.{n:05d}",
                submitted_at=utc(2026, 4, 7, n // 4, n % 60),
                upvotes=n % 7,
                authors=("A One", "B Two", "C Three"),
                organization=f"Lab {n % 5}",
                github_repo=f"https://github.com/lab/repo{n}",
                ai_keywords=["x"],
            )
            for n in range(1, 61)
        ]
    )
    Submission.objects.filter(paper__arxiv_id__endswith="0").update(submitter_name="akhaliq")


@pytest.mark.usefixtures("sixty_papers")
@pytest.mark.parametrize(
    "query",
    [
        "",
        "date=2026-04-07",
        "week=2026-W15",
        "sort=trending",
        "sort=trending&month=2026-04",
        "submitter=akhaliq",
        "submitter=akhaliq&date=2026-04-07",
    ],
)
def test_query_count_does_not_grow_with_the_page(
    client: Client, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    now = utc(2026, 4, 8)
    monkeypatch.setattr(timezone, "now", lambda: now)

    def count(limit: int) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            data = get_json(client, f"/api/daily_papers?{query}&limit={limit}")
        assert all(len(entry["paper"]["authors"]) == 3 for entry in data)
        return len(captured), len(data)

    small, one = count(1)
    large, many = count(50)
    assert one == 1
    assert many == (6 if "submitter" in query else 50)
    # A page that is not full needs no count of the whole list: one query fewer.
    assert large <= small
    assert large <= 5


def test_page_of_50_stays_within_a_fixed_number_of_queries(
    client: Client, django_assert_max_num_queries: Any, sixty_papers: None
) -> None:
    with django_assert_max_num_queries(4):
        data = get_json(client, "/api/daily_papers?date=2026-04-07&limit=50")
    assert len(data) == 50


@pytest.mark.usefixtures("sixty_papers")
def test_paper_endpoint_query_count(client: Client, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(2):
        get_json(client, "/api/papers/2604.00010")


# -- the official client against a live server -------------------------------------------


@pytest.fixture
def hf_api(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, list[Any]]]:
    """The real huggingface_hub client pointed at a live server, and the requests it made."""
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    # A token in the environment must not reach the server: calls pass token=False.
    monkeypatch.setenv("HF_TOKEN", "hf_not_a_real_token")
    from huggingface_hub import HfApi

    seen: list[dict[str, Any]] = []

    def record_request(sender: Any, environ: dict[str, Any], **kwargs: Any) -> None:
        seen.append(environ)

    request_started.connect(record_request)
    try:
        yield HfApi(endpoint=live_server.url, token=False), seen
    finally:
        request_started.disconnect(record_request)
        hang_up_on_live_server()


@pytest.mark.django_db(transaction=True)
def test_official_client_reads_the_daily_list_and_papers(hf_api: tuple[Any, list[Any]]) -> None:
    api, seen = hf_api
    full_paper()
    bare_paper("2604.00001", title="No votes yet", submitted_at=utc(2026, 4, 7, 9))
    paper("hep-th/9901001", title="Old style", published_at=utc(1999, 1, 1))

    papers = list(api.list_daily_papers(date="2026-04-07", limit=10, token=False))
    assert [p.id for p in papers] == ["2604.04707", "2604.00001"]
    first, second = papers
    assert first.title == "OpenWorldLib"
    assert first.upvotes == 113
    assert first.comments == 5
    assert [a.name for a in first.authors] == ["DataFlow Team", "Bohan Zeng"]
    assert first.authors[0].user is None
    assert first.authors[1].user.username == "zbhpku"
    assert first.authors[1].hidden is False
    assert first.published_at == utc(2026, 4, 6)
    # As from the upstream: the client reads the entry's publishedAt, the arXiv time.
    assert first.submitted_at == utc(2026, 4, 5, 20)
    assert first.submitted_by.username == "submitter"
    assert first.submitted_by.fullname == "Sub Mitter"
    assert first.organization.name == "klingteam"
    assert first.organization.fullname == "KlingTeam"
    assert first.github_repo == "https://github.com/OpenDCAI/OpenWorldLib"
    assert first.github_stars == 42
    assert first.project_page == "https://example.org/owl"
    assert first.ai_summary == "A unified codebase for world models."
    assert first.ai_keywords == ["world models", "perception"]
    assert first.summary
    assert second.title == "No votes yet"
    assert second.upvotes == 0
    # No arXiv date: the client falls back to the entry's date, and still finds when
    # the paper went on the list.
    assert second.published_at == utc(2026, 4, 7, 9)
    assert second.submitted_at == utc(2026, 4, 7, 9)
    assert second.submitted_by is None
    assert second.organization is None
    assert second.github_repo is None

    info = api.paper_info("2604.04707v2")
    assert info.id == "2604.04707"
    assert info.title == "OpenWorldLib"
    assert info.upvotes == 113
    assert info.comments == 5
    assert [a.name for a in info.authors] == ["DataFlow Team", "Bohan Zeng"]
    assert info.published_at == utc(2026, 4, 6)
    assert info.submitted_at == utc(2026, 4, 7, 2, 36, 53, 761_000)
    assert info.submitted_by.username == "submitter"
    assert info.organization.fullname == "KlingTeam"
    assert info.github_repo == "https://github.com/OpenDCAI/OpenWorldLib"
    assert info.project_page == "https://example.org/owl"
    assert info.ai_summary == "A unified codebase for world models."

    old = api.paper_info("hep-th/9901001")
    assert old.title == "Old style"
    assert old.submitted_at is None

    from huggingface_hub.errors import HfHubHTTPError

    with pytest.raises(HfHubHTTPError) as raised:
        api.paper_info("2604.99999")
    assert raised.value.response.status_code == 404

    assert [e["PATH_INFO"] for e in seen] == [
        "/api/daily_papers",
        "/api/papers/2604.04707v2",
        "/api/papers/hep-th/9901001",
        "/api/papers/2604.99999",
    ]
    assert "date=2026-04-07" in seen[0]["QUERY_STRING"]
    assert "limit=10" in seen[0]["QUERY_STRING"]
    assert not any("HTTP_AUTHORIZATION" in e for e in seen)


# -- a real upstream day ---------------------------------------------------------------


@pytest.mark.skipif(not UPSTREAM_DAY.exists(), reason="upstream data folder not available")
def test_an_imported_upstream_day_comes_back_as_the_upstream_sent_it(client: Client) -> None:
    upstream = json.loads(UPSTREAM_DAY.read_text())
    summary = run_import([UPSTREAM_DAY])
    assert summary.problems == []
    assert summary.new == len(upstream)

    ours = get_json(client, "/api/daily_papers?date=2026-04-07&limit=100")

    def essentials(entry: dict[str, Any]) -> tuple[Any, ...]:
        inner = entry["paper"]
        return (
            inner["id"],
            entry["title"],
            inner["title"],
            inner["upvotes"],
            inner["submittedOnDailyAt"],
            inner["publishedAt"],
            entry["numComments"],
            len(inner["authors"]),
        )

    assert sorted(map(essentials, ours)) == sorted(map(essentials, upstream))
    # Same order as the upstream's answer, up to papers with equal votes.
    assert [e["paper"]["upvotes"] for e in ours] == [e["paper"]["upvotes"] for e in upstream]

    by_id = {e["paper"]["id"]: e for e in ours}
    for theirs in upstream:
        mine = by_id[theirs["paper"]["id"]]
        assert [a["name"] for a in mine["paper"]["authors"]] == [
            a["name"] for a in theirs["paper"]["authors"]
        ]
        assert mine["submittedBy"]["name"] == theirs["submittedBy"]["name"]
        assert ("organization" in mine) == ("organization" in theirs)
        if "organization" in theirs:
            assert mine["organization"]["fullname"] == theirs["organization"]["fullname"]
        assert mine["paper"].get("ai_summary") == theirs["paper"].get("ai_summary")
        assert set(mine) >= set(theirs) - {"isAuthorParticipating", "mediaUrls"}
        assert set(mine["paper"]) >= set(theirs["paper"]) - {"githubRepoAddedBy", "mediaUrls"}
        assert TIMESTAMP.match(mine["publishedAt"])
