"""The answers views share (dailypapers.core.web): 404, 429, paper-or-404 and Page[T]."""

from __future__ import annotations

import pytest
from django.http import HttpResponse, JsonResponse
from django.test import RequestFactory

from dailypapers.core import web
from dailypapers.papers import queries
from dailypapers.papers.models import Paper
from tests import factories

rf = RequestFactory()


class TestTooMany:
    def test_text_becomes_a_plain_429_with_retry_after(self) -> None:
        response = web.too_many(61, "Slow down.")
        assert response.status_code == 429
        assert response["Retry-After"] == "61"
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response.content == b"Slow down."

    def test_a_response_keeps_its_body_and_type(self) -> None:
        response = web.too_many(5, JsonResponse({"error": "later"}))
        assert response.status_code == 429 and response["Retry-After"] == "5"
        assert response["Content-Type"] == "application/json"

    @pytest.mark.parametrize(("wait", "minutes"), [(1, 1), (60, 1), (61, 2), (3600, 60)])
    def test_retry_minutes_round_up(self, wait: int, minutes: int) -> None:
        assert web.retry_minutes(wait) == minutes


@pytest.mark.django_db
class TestNotFound:
    def test_the_page_links_to_the_newest_list_and_to_arxiv(self) -> None:
        factories.paper("2604.00001", submitted_at=factories.utc(2026, 4, 7, 9))
        response = web.not_found(rf.get("/x"), message="Nothing here.", query="2604.99999")
        html = response.content.decode()
        assert response.status_code == 404
        assert "Nothing here." in html
        assert 'href="/papers/date/2026-04-07"' in html
        assert "arxiv.org/abs/2604.99999" in html

    def test_an_empty_hub_links_to_papers(self) -> None:
        html = web.not_found(rf.get("/x")).content.decode()
        assert "There is nothing at this address." in html
        assert 'href="/papers"' in html

    def test_paper_or_404(self) -> None:
        factories.paper("2604.00002")
        found = web.paper_or_404(rf.post("/"), "2604.00002", queries.paper_by_id)
        assert isinstance(found, Paper) and found.arxiv_id == "2604.00002"
        for ref in ("2604.00003", "not an id"):
            missing = web.paper_or_404(rf.post("/"), ref, queries.paper_by_id)
            assert isinstance(missing, HttpResponse) and missing.status_code == 404
            assert "No such paper on this hub." in missing.content.decode()


class TestPage:
    def test_next_and_previous(self) -> None:
        assert web.Page([1, 2], total=5, offset=0, limit=2).has_next
        assert not web.Page([1, 2], total=5, offset=0, limit=2).has_previous
        last = web.Page([5], total=5, offset=4, limit=2)
        assert not last.has_next and last.has_previous
        assert not web.Page[int]([], total=0, offset=0, limit=2).has_next
