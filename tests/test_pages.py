"""The HTML pages: daily lists, trending, paper pages and helpful errors."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.http.response import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dailypapers.core import periods
from dailypapers.papers import queries
from dailypapers.papers.models import Paper, Submission
from tests.support.factories import paper, utc

pytestmark = pytest.mark.django_db


def body(response: HttpResponseBase) -> str:
    return str(response.content, "utf-8")  # type: ignore[attr-defined]


def titles(html: str) -> list[str]:
    return re.findall(r'<h3 id="t-\d+"><a href="[^"]+">([^<]+)</a>', html)


class TestDailyList:
    def test_cards_are_ordered_by_upvotes_then_arxiv_then_submission_time(
        self, client: Client
    ) -> None:
        paper("2604.00001", title="Late tie", submitted_at=utc(2026, 4, 7, 9), upvotes=5)
        paper("2604.00002", title="Top", submitted_at=utc(2026, 4, 7, 12), upvotes=50)
        paper("2604.00003", title="Early tie", submitted_at=utc(2026, 4, 7, 1), upvotes=5)
        paper("2604.00004", title="Other day", submitted_at=utc(2026, 4, 6, 12), upvotes=99)
        paper(
            "2604.00005",
            title="Newer on arXiv",
            submitted_at=utc(2026, 4, 7, 0),
            upvotes=5,
            published_at=utc(2026, 4, 6),
        )
        html = body(client.get("/papers/date/2026-04-07"))
        # As the upstream: ties go to the paper newer on arXiv, then the later submission.
        assert titles(html) == ["Top", "Newer on arXiv", "Late tie", "Early tie"]

    def test_local_votes_count_on_top_of_imported_ones(self, client: Client) -> None:
        paper("2604.00001", title="A", submitted_at=utc(2026, 4, 7, 9), upvotes=5)
        paper("2604.00002", title="B", submitted_at=utc(2026, 4, 7, 9), upvotes=6)
        Paper.objects.filter(arxiv_id="2604.00001").update(upvotes_local=2)
        html = body(client.get("/papers/date/2026-04-07"))
        assert titles(html) == ["A", "B"]
        assert '<span class="count">7</span>' in html

    def test_card_shows_what_a_reader_needs(self, client: Client) -> None:
        paper(
            "2604.04707",
            title="OpenWorldLib",
            submitted_at=utc(2026, 4, 7, 2, 36),
            upvotes=113,
            authors=("A One", "B Two", "C Three"),
            organization="KlingTeam",
            abstract="World models " * 100,
            published_at=utc(2026, 4, 6),
            github_repo="https://github.com/OpenDCAI/OpenWorldLib",
            num_comments=5,
        )
        html = body(client.get("/papers/date/2026-04-07"))
        assert '<a href="/papers/2604.04707">OpenWorldLib</a>' in html
        assert "3 authors" in html
        assert "KlingTeam" in html
        assert "Published <time" in html and "Apr 6, 2026" in html
        assert '<span class="count">113</span>' in html
        assert "5 comments" in html
        assert 'href="https://github.com/OpenDCAI/OpenWorldLib"' in html
        excerpt = re.search(r'<p class="excerpt">([^<]*)</p>', html)
        assert excerpt and len(excerpt.group(1)) <= 320 and excerpt.group(1).endswith("…")

    def test_latest_day_is_the_newest_day_with_visible_papers(self, client: Client) -> None:
        paper("2604.00001", title="Visible", submitted_at=utc(2026, 4, 6, 9))
        hidden = paper("2604.00002", title="Hidden", submitted_at=utc(2026, 4, 8, 9))
        Submission.objects.filter(paper=hidden).update(hidden=True)
        html = body(client.get("/papers"))
        assert titles(html) == ["Visible"]
        assert '<link rel="canonical" href="/papers/date/2026-04-06">' in html

    def test_previous_next_and_tabs(self, client: Client) -> None:
        paper("2604.00001", submitted_at=utc(2026, 4, 7, 9))
        paper("2604.00002", submitted_at=utc(2026, 4, 3, 9))  # a Friday, then a weekend
        paper("2604.00003", submitted_at=utc(2026, 4, 8, 9))
        html = body(client.get("/papers/date/2026-04-07"))
        assert 'rel="prev" href="/papers/date/2026-04-03"' in html
        assert 'rel="next" href="/papers/date/2026-04-08"' in html
        assert 'href="/papers/week/2026-W15"' in html
        assert 'href="/papers/month/2026-04"' in html
        assert re.search(r'href="/papers/date/2026-04-07"\s+aria-current="page">Daily', html)

    def test_no_next_link_into_the_future(self, client: Client, frozen_now: dt.datetime) -> None:
        paper("2604.00001", submitted_at=frozen_now)
        today = periods.local_date(frozen_now)
        html = body(client.get(f"/papers/date/{today.isoformat()}"))
        assert 'rel="next"' not in html

    def test_previous_and_next_skip_empty_periods_and_say_newest_and_oldest(
        self, client: Client
    ) -> None:
        paper("2604.00001", submitted_at=utc(2026, 4, 7, 9))
        paper("2602.00002", submitted_at=utc(2026, 2, 10, 9))
        html = body(client.get("/papers/date/2026-04-07"))
        assert 'rel="prev" href="/papers/date/2026-02-10"' in html
        assert 'rel="next"' not in html and "Newest" in html
        html = body(client.get("/papers/date/2026-02-10"))
        assert 'rel="next" href="/papers/date/2026-04-07"' in html
        assert 'rel="prev"' not in html and "Oldest" in html
        month = body(client.get("/papers/month/2026-04"))
        assert 'rel="prev" href="/papers/month/2026-02"' in month and "Newest" in month
        week = body(client.get("/papers/week/2026-W07"))
        assert 'rel="next" href="/papers/week/2026-W15"' in week

    def test_week_and_month_collect_their_days(self, client: Client) -> None:
        paper("2604.00001", title="Monday", submitted_at=utc(2026, 4, 6, 9))
        paper("2604.00002", title="Sunday", submitted_at=utc(2026, 4, 12, 23, 59))
        paper("2604.00003", title="Next Monday", submitted_at=utc(2026, 4, 13, 0, 0))
        paper("2603.00004", title="March", submitted_at=utc(2026, 3, 31, 23))
        week = body(client.get("/papers/week/2026-W15"))
        assert sorted(titles(week)) == ["Monday", "Sunday"]
        month = body(client.get("/papers/month/2026-04"))
        assert sorted(titles(month)) == ["Monday", "Next Monday", "Sunday"]
        assert 'rel="prev" href="/papers/week/2026-W14"' in week
        assert 'rel="prev" href="/papers/month/2026-03"' in month

    def test_days_are_cut_in_the_configured_time_zone(self, client: Client, settings) -> None:  # type: ignore[no-untyped-def]
        paper("2604.00001", title="Late UTC evening", submitted_at=utc(2026, 4, 6, 23))
        assert titles(body(client.get("/papers/date/2026-04-06"))) == ["Late UTC evening"]
        settings.TIME_ZONE = "Asia/Tokyo"
        assert titles(body(client.get("/papers/date/2026-04-07"))) == ["Late UTC evening"]
        assert titles(body(client.get("/papers/date/2026-04-06"))) == []

    def test_an_empty_day_says_so_and_links_to_the_nearest_days(self, client: Client) -> None:
        paper("2604.00001", submitted_at=utc(2026, 4, 3, 9))
        paper("2604.00002", submitted_at=utc(2026, 4, 9, 9))
        response = client.get("/papers/date/2026-04-05")
        html = body(response)
        assert response.status_code == 200
        assert "No papers on the daily list" in html
        assert 'href="/papers/date/2026-04-03"' in html
        assert 'href="/papers/date/2026-04-09"' in html

    def test_pagination_of_long_periods(self, client: Client) -> None:
        for i in range(55):
            paper(f"2604.{i:05d}", submitted_at=utc(2026, 4, 7, 1, i), upvotes=100 - i)
        first = body(client.get("/papers/month/2026-04"))
        second = body(client.get("/papers/month/2026-04?page=2"))
        assert len(titles(first)) == 50 and len(titles(second)) == 5
        assert 'rel="next" href="?page=2"' in first
        assert not set(titles(first)) & set(titles(second))

    def test_the_number_of_queries_does_not_grow_with_the_list(self, client: Client) -> None:
        def count(path: str) -> int:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(path).status_code == 200
            return len(ctx.captured_queries)

        paper("2604.10000", submitted_at=utc(2026, 4, 6, 1), organization="Org")
        small = count("/papers/date/2026-04-06")
        for i in range(40):
            paper(f"2604.{i:05d}", submitted_at=utc(2026, 4, 7, 1), organization=f"Org{i % 3}")
        assert count("/papers/date/2026-04-07") == small
        assert count("/papers/trending") <= small + 2
        assert count("/papers/2604.00001") <= 4


class TestTrending:
    def test_formula_is_pinned_by_the_clock(self) -> None:
        now = utc(2026, 4, 8, 12)
        paper("2604.00001", title="Old favourite", submitted_at=utc(2026, 4, 5, 12), upvotes=100)
        paper("2604.00002", title="Fresh", submitted_at=utc(2026, 4, 8, 10), upvotes=10)
        paper("2604.00003", title="Yesterday", submitted_at=utc(2026, 4, 7, 12), upvotes=30)
        order = [s.paper.title for s in queries.trending(now).items]
        # (10+1)/4^1.5 = 1.375 > (30+1)/26^1.5 = 0.234 > (100+1)/74^1.5 = 0.159
        assert order == ["Fresh", "Yesterday", "Old favourite"]
        later = [s.paper.title for s in queries.trending(utc(2026, 4, 12, 12)).items]
        assert later == ["Old favourite", "Yesterday", "Fresh"]

    def test_window_and_future_papers(self) -> None:
        paper("2604.00001", title="Too old", submitted_at=utc(2026, 3, 20), upvotes=500)
        paper("2604.00002", title="In window", submitted_at=utc(2026, 4, 7), upvotes=1)
        paper("2604.00003", title="Future", submitted_at=utc(2026, 4, 9), upvotes=500)
        order = [s.paper.title for s in queries.trending(utc(2026, 4, 8)).items]
        assert order == ["In window"]

    def test_a_quiet_hub_still_shows_its_last_week(self) -> None:
        paper("2604.00001", title="Last", submitted_at=utc(2026, 4, 7), upvotes=3)
        paper("2604.00002", title="Week before", submitted_at=utc(2026, 3, 20), upvotes=3)
        items = queries.trending(utc(2026, 11, 28)).items
        assert [s.paper.title for s in items] == ["Last"]

    def test_page_explains_the_formula(self, client: Client) -> None:
        paper("2604.00001", title="Something", submitted_at=utc(2026, 4, 7), upvotes=3)
        html = body(client.get("/papers/trending"))
        assert "How trending works" in html
        assert "(upvotes + 1) / (hours since submission + 2)^1.5" in html
        assert titles(html) == ["Something"]


class TestPaperPage:
    def test_everything_about_the_paper(self, client: Client) -> None:
        paper(
            "2604.04707",
            title="OpenWorldLib: $\\alpha$ models",
            submitted_at=utc(2026, 4, 7, 2, 36),
            upvotes=113,
            authors=("Ada Lovelace", "Alan Turing"),
            abstract="A full abstract with $x^2$ math.",
            published_at=utc(2026, 4, 6),
            updated_at_source=utc(2026, 4, 9),
            version=2,
            categories="cs.CV cs.AI",
            github_repo="https://github.com/o/r",
            project_page="https://example.org/proj",
        )
        html = body(client.get("/papers/2604.04707"))
        assert "OpenWorldLib: $\\alpha$ models" in html
        assert "Ada Lovelace" in html and "Alan Turing" in html
        assert "A full abstract with $x^2$ math." in html
        assert 'href="https://arxiv.org/abs/2604.04707"' in html
        assert 'href="https://arxiv.org/pdf/2604.04707"' in html
        assert 'href="https://github.com/o/r"' in html
        assert 'href="https://example.org/proj"' in html
        for label in ("Published", "Latest version", "On the daily list", "Submitted by"):
            assert label in html
        assert "Apr 9, 2026" in html and "(v2)" in html
        assert "cs.CV" in html and "Sub Mitter" in html
        assert '<span class="count">113</span>' in html

    @pytest.mark.parametrize(
        "path",
        [
            "/papers/2604.04707v3",
            "/papers/arxiv.org/abs/2604.04707",
            "/papers/https://arxiv.org/abs/2604.04707v1",
            "/papers/arXiv:2604.04707",
            "/papers/2604.04707/",
        ],
    )
    def test_other_spellings_redirect_to_the_canonical_page(
        self, client: Client, path: str
    ) -> None:
        paper("2604.04707", submitted_at=utc(2026, 4, 7))
        response = client.get(path)
        assert response.status_code == 301
        assert response["Location"] == "/papers/2604.04707"

    def test_old_style_ids(self, client: Client) -> None:
        paper("hep-th/9901001", title="Old style")
        assert client.get("/papers/hep-th/9901001").status_code == 200
        response = client.get("/papers/hep-th/9901001v2")
        assert response.status_code == 301 and response["Location"] == "/papers/hep-th/9901001"

    def test_a_paper_not_on_the_daily_list(self, client: Client) -> None:
        paper("0704.0001", title="Snapshot only", source="arxiv-snapshot")
        html = body(client.get("/papers/0704.0001"))
        assert "Snapshot only" in html and "On the daily list" not in html

    def test_unknown_paper_offers_a_search(self, client: Client) -> None:
        paper("2604.00001", submitted_at=utc(2026, 4, 7))
        response = client.get("/papers/2605.12345")
        html = body(response)
        assert response.status_code == 404
        assert 'action="/search"' in html and 'value="2605.12345"' in html
        assert "https://arxiv.org/abs/2605.12345" in html
        assert 'href="/papers/date/2026-04-07"' in html

    def test_text_is_escaped(self, client: Client) -> None:
        paper("2604.00001", title="<script>alert(1)</script>", submitted_at=utc(2026, 4, 7))
        html = body(client.get("/papers/2604.00001"))
        assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
        assert "<script>alert(1)" not in body(client.get("/papers/date/2026-04-07"))


class TestWrongAddresses:
    def test_malformed_dates_give_404_with_a_link_to_the_latest_day(self, client: Client) -> None:
        paper("2604.00001", submitted_at=utc(2026, 4, 7))
        for path in ("/papers/date/2026-02-30", "/papers/week/2026-W60", "/papers/month/2026-13"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert 'href="/papers/date/2026-04-07"' in body(response)

    @pytest.mark.parametrize(
        "path",
        [
            "/papers/date/0000-01-01",
            "/papers/date/9999-12-31",
            "/papers/date/2026-04-07%00",
            "/papers/week/2026-W00",
            "/papers/week/9999-W52",
            "/papers/month/0001-01",
            "/papers/%E2%80%AE",
            "/papers/" + "1" * 5000,
            "/papers/../../etc/passwd",
            "/papers/2604.04707v99999999999999999999",
            "/papers/date/2026-04-07?page=-1",
            "/papers/date/2026-04-07?page=99999999999999999999",
            "/papers/trending?page=abc",
            "/search?q=%00%01",
            "/search?q=" + "x" * 10000,
            "/nothing/here",
        ],
    )
    def test_nothing_typed_into_a_url_is_a_server_error(self, client: Client, path: str) -> None:
        paper("2604.00001", submitted_at=utc(2026, 4, 7))
        # 400: NUL, which PostgreSQL cannot store, is refused before any view.
        assert client.get(path).status_code in {200, 301, 302, 400, 404}

    def test_pages_do_not_accept_writes(self, client: Client) -> None:
        paper("2604.00001", submitted_at=utc(2026, 4, 7))
        for path in ("/papers", "/papers/date/2026-04-07", "/papers/2604.00001"):
            assert client.post(path).status_code in {403, 405}

    def test_papers_with_a_query_is_a_search(self, client: Client) -> None:
        response = client.get("/papers", {"q": "world models", "cat": "cs.CV"})
        assert response.status_code == 302
        assert response["Location"] == "/search?q=world+models&cat=cs.CV"

    def test_search_goes_straight_to_a_paper_by_id(self, client: Client) -> None:
        paper("2604.00001", title="Findable thing", submitted_at=utc(2026, 4, 7))
        response = client.get("/search", {"q": "https://arxiv.org/abs/2604.00001v2"})
        assert response.status_code == 302 and response["Location"] == "/papers/2604.00001"
        html = body(client.get("/search", {"q": "findable"}))
        assert 'href="/papers/2604.00001"' in html and "Findable</mark> thing" in html
