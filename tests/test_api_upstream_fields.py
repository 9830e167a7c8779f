"""Upstream fields an import keeps and the API serves again, one behaviour per test."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.test import Client

from dailypapers.ingest.sources import hf_entry
from dailypapers.papers.models import EarlierListing, PaperAuthor, Submission
from dailypapers.papers.services import upsert_papers

pytestmark = pytest.mark.django_db

DISCUSSION = "69d85acd79548974da9464af"
ORG_ID = "64c8b5837fe12ecd0a7e92eb"


@pytest.fixture(autouse=True)
def utc_days(settings: Any) -> None:
    settings.TIME_ZONE = "UTC"
    settings.PAGE_CACHE_SECONDS = 0


def upstream(
    arxiv_id: str = "2604.08377",
    on_daily: str = "2026-04-10T00:35:04.063Z",
    upvotes: int = 108,
    published: str = "2026-04-09T00:00:00.000Z",
) -> dict[str, Any]:
    """One entry in the 2026 shape of the upstream's ``/api/daily_papers``."""
    submitter = {
        "_id": "6039478ab3ecf716b1a5fd4d",
        "avatarUrl": "https://cdn-avatars.huggingface.co/v1/x.jpeg",
        "isPro": True,
        "fullname": "taesiri",
        "user": "taesiri",
        "type": "user",
        "name": "taesiri",
    }
    org = {"_id": ORG_ID, "name": "Qwen", "fullname": "Qwen", "avatar": "https://e.org/q.png"}
    return {
        "paper": {
            "id": arxiv_id,
            "authors": [
                {"_id": "69d85acc79548974da9464a7", "name": "Ziyu Ma", "hidden": False},
                {"_id": "69d85acc79548974da9464a8", "name": "Secret Author", "hidden": True},
                {
                    "_id": "69d85acc79548974da9464a9",
                    "user": {
                        "_id": "650df49b8f3228d807623533",
                        "avatarUrl": "/avatars/44e6.svg",
                        "isPro": False,
                        "fullname": "Yuxiang J.",
                        "user": "yji",
                        "type": "user",
                        "name": "yji",
                    },
                    "name": "Yuxiang Ji",
                    "status": "claimed_verified",
                    "statusLastChangedAt": "2026-04-10T08:36:26.012Z",
                    "hidden": False,
                },
            ],
            "mediaUrls": ["https://cdn-uploads.huggingface.co/production/uploads/v.mp4"],
            "publishedAt": published,
            "submittedOnDailyAt": on_daily,
            "title": "SkillClaw",
            "submittedOnDailyBy": submitter,
            "summary": "First paragraph,\nwrapped.\n  Second paragraph.",
            "upvotes": upvotes,
            "discussionId": DISCUSSION,
            "githubRepo": "https://github.com/x/skillclaw",
            "githubRepoAddedBy": "user",
            "ai_summary": "A summary.",
            "ai_summary_model": "Qwen/Qwen3-235B-A22B",
            "organization": org,
        },
        "publishedAt": "2026-04-08T20:00:00.000Z",
        "title": "SkillClaw",
        "summary": "First paragraph,\nwrapped.\n  Second paragraph.",
        "mediaUrls": ["https://cdn-uploads.huggingface.co/production/uploads/v.mp4"],
        "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{arxiv_id}.png",
        "numComments": 2,
        "submittedBy": {
            **{k: v for k, v in submitter.items() if k != "user"},
            "isHf": False,
            "isHfAdmin": False,
            "isMod": False,
            "followerCount": 1,
            "isUserFollowing": False,
        },
        "organization": org,
        "isAuthorParticipating": True,
    }


def load(*entries: dict[str, Any]) -> None:
    upsert_papers([hf_entry(copy.deepcopy(e), f"test:{n}") for n, e in enumerate(entries)])


def day(date: str) -> list[dict[str, Any]]:
    response = Client().get("/api/daily_papers", {"date": date})
    assert response.status_code == 200
    data: list[dict[str, Any]] = response.json()
    return data


def test_an_imported_entry_comes_back_as_the_upstream_sent_it() -> None:
    sent = upstream()
    load(sent)
    [entry] = day("2026-04-10")
    for key in ("publishedAt", "mediaUrls", "organization", "isAuthorParticipating"):
        assert entry[key] == sent[key], key
    assert entry["submittedBy"] == {**sent["submittedBy"], "user": "taesiri"}
    paper = entry["paper"]
    for key in (
        "authors",
        "mediaUrls",
        "discussionId",
        "githubRepoAddedBy",
        "ai_summary_model",
        "organization",
        "submittedOnDailyBy",
        "publishedAt",
        "submittedOnDailyAt",
    ):
        assert paper[key] == sent["paper"][key], key


def test_hidden_authors_are_kept_hidden() -> None:
    load(upstream())
    authors = day("2026-04-10")[0]["paper"]["authors"]
    assert [(a["name"], a["hidden"]) for a in authors] == [
        ("Ziyu Ma", False),
        ("Secret Author", True),
        ("Yuxiang Ji", False),
    ]
    # The hub's own author list (pages, search) leaves the hidden author out.
    assert list(PaperAuthor.objects.values_list("name", flat=True)) == ["Ziyu Ma", "Yuxiang Ji"]


def test_paragraph_breaks_are_kept_and_hard_wraps_joined() -> None:
    load(upstream())
    assert day("2026-04-10")[0]["paper"]["summary"] == (
        "First paragraph, wrapped.\n  Second paragraph."
    )


def test_the_organization_keeps_its_spelling_and_id() -> None:
    load(upstream())
    org = day("2026-04-10")[0]["paper"]["organization"]
    assert org["name"] == "Qwen" and org["_id"] == ORG_ID
    assert Client().get("/api/papers/2604.08377").json()["organization"]["name"] == "Qwen"


def test_a_claim_made_here_replaces_the_upstream_account() -> None:
    load(upstream())
    PaperAuthor.objects.filter(name="Ziyu Ma").update(hf_user="ziyuma")
    PaperAuthor.objects.filter(name="Yuxiang Ji").update(hf_user="")
    first, hidden, third = day("2026-04-10")[0]["paper"]["authors"]
    assert first["user"]["user"] == "ziyuma" and first["_id"] == "69d85acc79548974da9464a7"
    assert hidden["hidden"] is True
    assert "user" not in third and "status" not in third


def test_unusable_upstream_values_are_dropped_not_served() -> None:
    sent = upstream()
    sent["paper"]["discussionId"] = "not-an-object-id"
    sent["paper"]["mediaUrls"] = ["javascript:alert(1)", "https://e.org/ok.png"]
    sent["mediaUrls"] = sent["paper"]["mediaUrls"]
    sent["paper"]["authors"][0]["_id"] = {"$oid": "nested"}
    sent["paper"]["authors"][2]["user"]["isPro"] = "yes"
    load(sent)
    [entry] = day("2026-04-10")
    assert entry["paper"]["discussionId"] != "not-an-object-id"
    assert entry["mediaUrls"] == entry["paper"]["mediaUrls"] == ["https://e.org/ok.png"]
    assert "_id" not in entry["paper"]["authors"][0]
    assert "isPro" not in entry["paper"]["authors"][2]["user"]


def test_the_2024_shape_keeps_its_media_url() -> None:
    load(
        {
            "paper": {
                "id": "2403.06504",
                "authors": [{"_id": "65f0fb4d1ebcd2b1e0d0a4c5", "name": "A", "hidden": False}],
                "publishedAt": "2024-03-11T06:35:52.000Z",
                "title": "Old shape",
                "summary": "Text.",
                "upvotes": 5,
            },
            "publishedAt": "2024-03-12T03:34:44.689Z",
            "title": "Old shape",
            "mediaUrl": "https://cdn-uploads.huggingface.co/production/uploads/a.png",
            "numComments": 0,
        }
    )
    [entry] = day("2024-03-12")
    assert entry["mediaUrl"] == "https://cdn-uploads.huggingface.co/production/uploads/a.png"


@pytest.mark.parametrize("later_first", [False, True])
def test_a_paper_listed_on_two_days_is_on_both(later_first: bool) -> None:
    earlier = upstream(on_daily="2026-04-10T00:58:14.251Z", upvotes=2)
    later = upstream(on_daily="2026-04-16T00:37:41.094Z", upvotes=42)
    entries = (later, earlier) if later_first else (earlier, later)
    load(*entries)
    load(*entries)  # importing the same files again adds nothing
    assert EarlierListing.objects.count() == 1
    assert Submission.objects.get().submitted_at.day == 16
    for date, when in (("2026-04-10", "2026-04-10T00:58"), ("2026-04-16", "2026-04-16T00:37")):
        [entry] = day(date)
        assert entry["paper"]["submittedOnDailyAt"].startswith(when)
        assert entry["paper"]["upvotes"] == 42  # the paper as it is now
    week = Client().get("/api/daily_papers", {"week": "2026-W15"}).json()
    assert [e["paper"]["id"] for e in week] == ["2604.08377"]


def test_the_earlier_day_is_merged_in_the_daily_order_and_pages() -> None:
    load(
        upstream("2604.00001", on_daily="2026-04-10T01:00:00.000Z", upvotes=50),
        upstream("2604.00002", on_daily="2026-04-10T02:00:00.000Z", upvotes=1),
        upstream("2604.00003", on_daily="2026-04-10T03:00:00.000Z", upvotes=9),
        upstream("2604.00003", on_daily="2026-04-16T03:00:00.000Z", upvotes=9),
    )
    ids = [e["paper"]["id"] for e in day("2026-04-10")]
    assert ids == ["2604.00001", "2604.00003", "2604.00002"]
    first = Client().get("/api/daily_papers", {"date": "2026-04-10", "limit": "2"})
    assert [e["paper"]["id"] for e in first.json()] == ids[:2]
    assert 'rel="next"' in first["Link"]
    second = Client().get("/api/daily_papers", {"date": "2026-04-10", "limit": "2", "p": "1"})
    assert [e["paper"]["id"] for e in second.json()] == ids[2:]
    assert "Link" not in second


def test_ties_in_upvotes_go_to_the_paper_newer_on_arxiv() -> None:
    load(
        upstream("2604.00001", on_daily="2026-04-10T05:00:00.000Z", upvotes=3),
        upstream(
            "2604.00002",
            on_daily="2026-04-10T01:00:00.000Z",
            upvotes=3,
            published="2026-04-09T12:00:00.000Z",
        ),
        upstream("2604.00003", on_daily="2026-04-10T09:00:00.000Z", upvotes=3),
    )
    ids = [e["paper"]["id"] for e in day("2026-04-10")]
    # Newer on arXiv first; at the same arXiv time the later submission first.
    assert ids == ["2604.00002", "2604.00003", "2604.00001"]


def test_very_long_author_lists_are_kept_by_name_only() -> None:
    sent = upstream()
    sent["paper"]["authors"] = [
        {"_id": f"{n:024x}", "name": f"Author {n}", "hidden": n == 5} for n in range(1_001)
    ]
    load(sent)
    authors = day("2026-04-10")[0]["paper"]["authors"]
    assert len(authors) == 1_000  # the hidden one is not known without the list as sent
    assert authors[0]["name"] == "Author 0" and authors[0]["_id"] != f"{0:024x}"
