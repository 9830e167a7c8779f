"""The list pages' reading aids without a browser: "why is this trending" shows the
trending formula's own numbers, and the density switch is remembered per visitor."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re

import pytest
from django.http.response import HttpResponseBase
from django.test import Client
from django.utils import timezone

from dailypapers.core import density
from dailypapers.papers import trending, why
from tests.support.factories import paper, utc

pytestmark = pytest.mark.django_db

DAY = "2026-04-07"


def body(response: HttpResponseBase) -> str:
    return str(response.content, "utf-8")  # type: ignore[attr-defined]


def why_numbers(html: str, arxiv_id: str) -> dict[str, str]:
    """The numbers in the "why" panel of the card whose title links to the paper."""
    card = re.search(rf'<article class="card".*?href="/papers/{arxiv_id}".*?</article>', html, re.S)
    assert card, arxiv_id
    found = re.findall(r'data-why="(\w+)">([^<]*)<', card.group(0))
    return {name: htmllib.unescape(value) for name, value in found}


class TestWhyTrending:
    def test_each_card_shows_the_formulas_numbers(self, monkeypatch: pytest.MonkeyPatch) -> None:
        now = utc(2026, 4, 8, 12)
        monkeypatch.setattr(timezone, "now", lambda: now)
        cases = {
            "2604.00011": (utc(2026, 4, 7, 2), 41),
            "2604.00012": (utc(2026, 4, 7, 20, 30), 0),
            "2604.00013": (utc(2026, 4, 7, 9, 15), 1),
        }
        for arxiv_id, (submitted, upvotes) in cases.items():
            paper(arxiv_id, submitted_at=submitted, upvotes=upvotes)
        for path in (f"/papers/date/{DAY}", "/papers/trending"):
            html = body(Client().get(path))
            for arxiv_id, (submitted, upvotes) in cases.items():
                hours = (now - submitted).total_seconds() / 3600
                score = trending.score(upvotes, submitted, now)
                shown = why_numbers(html, arxiv_id)
                assert shown["upvotes"] == str(upvotes)
                assert float(shown["hours"]) == pytest.approx(hours, abs=0.051)
                assert float(shown["score"]) == pytest.approx(score, rel=1e-3)
                assert shown["worked"] == (
                    f"({upvotes} + 1) / ({hours:.1f} + 2)^1.5 = {float(shown['score']):.4g}"
                )
        # The general formula, as papers.trending computes it.
        assert (
            htmllib.escape(why.FORMULA) in html and why.FORMULA == "(upvotes + 1) / (hours + 2)^1.5"
        )

    def test_the_numbers_follow_the_trending_score(self) -> None:
        submitted = utc(2026, 4, 7, 0)
        for upvotes, hours in ((0, 0.0), (5, 3.25), (120, 47.9), (3, 500.0)):
            now = submitted + dt.timedelta(hours=hours)
            n = why.numbers(upvotes, submitted, now)
            assert n.score == trending.score(upvotes, submitted, now)
            assert n.score == pytest.approx((upvotes + 1) / (hours + 2) ** 1.5)
            assert n.hours == pytest.approx(hours)
        # A submission a little in the future (clock skew) is zero hours old, not negative.
        assert why.numbers(1, submitted, submitted - dt.timedelta(hours=1)).hours == 0.0

    def test_it_needs_no_script_and_is_labelled(self) -> None:
        paper("2604.00021", submitted_at=utc(2026, 4, 7, 3), upvotes=2)
        html = body(Client().get(f"/papers/date/{DAY}"))
        disclosure = re.search(r'<details class="why">.*?</details>', html, re.S)
        assert disclosure
        summary = re.search(r"<summary ([^>]*)>(.*?)</summary>", disclosure.group(0), re.S)
        assert summary
        assert 'title="Trending score' in summary.group(1) and "2 upvotes" in summary.group(1)
        assert "Why this rank" in summary.group(2)


class TestDensity:
    def test_the_switch_remembers_the_choice_and_goes_back(self) -> None:
        paper("2604.00031", submitted_at=utc(2026, 4, 7, 3))
        client = Client()
        assert 'class="density-cards"' in body(client.get(f"/papers/date/{DAY}"))
        response = client.post("/density", {"density": "compact", "next": f"/papers/date/{DAY}"})
        assert response.status_code == 302 and response["Location"] == f"/papers/date/{DAY}"
        cookie = response.cookies[density.COOKIE]
        assert cookie.value == "compact" and cookie["samesite"] == "Lax"
        assert int(cookie["max-age"]) >= 30 * 24 * 3600
        for path in (f"/papers/date/{DAY}", "/papers/trending", "/search?q=paper"):
            html = body(client.get(path))
            assert 'class="density-compact"' in html, path
        switch = re.search(r'<form class="density-switch".*?</form>', html, re.S)
        assert switch and 'value="compact" aria-pressed="true"' in switch.group(0)
        client.post("/density", {"density": "cards"})
        assert 'class="density-cards"' in body(client.get(f"/papers/date/{DAY}"))

    def test_cached_pages_differ_by_density(self) -> None:
        paper("2604.00032", submitted_at=utc(2026, 4, 7, 3))
        path = f"/papers/date/{DAY}"
        assert 'class="density-cards"' in body(Client().get(path))
        compact = Client()
        compact.cookies[density.COOKIE] = "compact"
        assert 'class="density-compact"' in body(compact.get(path))
        assert 'class="density-cards"' in body(Client().get(path))
        odd = Client()
        odd.cookies[density.COOKIE] = "<script>"
        assert 'class="density-cards"' in body(odd.get(path))

    def test_bad_values_and_gets_change_nothing(self) -> None:
        client = Client()
        bad = client.post("/density", {"density": "huge"})
        assert bad.status_code == 400 and "cards, compact" in body(bad)
        assert density.COOKIE not in bad.cookies
        assert client.get("/density?density=compact").status_code == 405
        outside = client.post("/density", {"density": "compact", "next": "https://evil.example/"})
        assert outside["Location"] == "/papers"

    def test_the_switch_needs_the_csrf_token(self) -> None:
        client = Client(enforce_csrf_checks=True)
        response = client.post("/density", {"density": "compact"})
        assert response.status_code == 403 and density.COOKIE not in response.cookies
