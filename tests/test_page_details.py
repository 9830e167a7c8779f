"""What the cards and the paper page say: AI summaries, stars, day-only times,
organization avatars served by the hub (initials until fetched), and the logged-out upvote."""

from __future__ import annotations

import re

import pytest
from django.http.response import HttpResponseBase
from django.test import Client

from dailypapers.papers.models import Organization
from tests.support.factories import paper, utc

pytestmark = pytest.mark.django_db

SUMMARY = "A library that unifies world models behind one interface."


def body(response: HttpResponseBase) -> str:
    return str(response.content, "utf-8")  # type: ignore[attr-defined]


def test_card_shows_the_ai_summary_labelled_and_the_github_stars(client: Client) -> None:
    paper(
        "2604.04707",
        submitted_at=utc(2026, 4, 7, 2, 36),
        ai_summary=SUMMARY,
        github_repo="https://github.com/OpenDCAI/OpenWorldLib",
        github_stars=1234,
    )
    html = body(client.get("/papers/date/2026-04-07"))
    summary = re.search(r'<p class="summary"[^>]*>(.*?)</p>', html, re.S)
    assert summary, html
    assert "AI summary" in summary.group(1) and SUMMARY in summary.group(1)
    assert '<span class="stars" title="GitHub stars">★ 1234</span>' in html
    # Separators are drawn by the stylesheet: no item of the meta line starts with "·".
    meta = re.search(r'<p class="meta">(.*?)</p>', html, re.S)
    assert meta and "·" not in meta.group(1)


def test_paper_page_labels_the_summary_as_machine_written(client: Client) -> None:
    paper("2604.04707", submitted_at=utc(2026, 4, 7, 2, 36), ai_summary=SUMMARY)
    html = body(client.get("/papers/2604.04707"))
    section = re.search(r'<section class="ai-summary".*?</section>', html, re.S)
    assert section and "machine-written" in section.group(0) and SUMMARY in section.group(0)
    # The actions come before the abstract.
    assert html.index('class="paper-actions"') < html.index('class="abstract"')


def test_a_submission_time_known_only_to_the_day_shows_the_day(client: Client) -> None:
    paper("2604.00001", submitted_at=utc(2026, 4, 6))
    paper("2604.00002", submitted_at=utc(2026, 4, 6, 2, 36))
    day_only = body(client.get("/papers/2604.00001"))
    timed = body(client.get("/papers/2604.00002"))
    assert re.search(r"Sub Mitter.*?, <time [^>]*>Apr 6, 2026</time>", day_only), day_only
    assert ">Apr 6, 2026 00:00<" not in day_only
    assert re.search(r"Apr 6, 2026 \d\d:36</time>", timed), timed


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("University of Tokyo", "UT"),
        ("The Alan Turing Institute", "AT"),
        ("Institute of the Sciences", "IS"),
        ("KlingTeam", "K"),
        ("of the", "OT"),
    ],
)
def test_initials_skip_of_and_the(name: str, initials: str) -> None:
    assert Organization(slug="x", name=name).initials == initials


def test_organization_avatars_are_not_hot_linked(client: Client) -> None:
    Organization.objects.create(
        slug="lab", name="University of Somewhere", avatar_url="https://cdn.example.org/a.png"
    )
    for path in ("/orgs", "/orgs/lab"):
        html = body(client.get(path))
        assert "cdn.example.org" not in html, path
        assert 'src="/media/avatar/org/lab"' in html, path
    # Not fetched yet (no worker here): the hub's address draws the initials.
    assert ">US</text>" in body(client.get("/media/avatar/org/lab"))


def test_a_visitor_who_upvotes_is_told_why_they_log_in(client: Client) -> None:
    paper("2604.00001", submitted_at=utc(2026, 4, 7, 9))
    response = client.post(
        "/papers/2604.00001/upvote", {"vote": "1", "next": "/papers/date/2026-04-07#c-1"}
    )
    assert response.status_code == 302
    login = body(client.get(response["Location"]))
    assert "Log in to upvote" in login
    assert 'name="next" value="/papers/date/2026-04-07#c-1"' in login
