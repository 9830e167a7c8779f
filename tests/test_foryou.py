"""The For-you list: ranked for the reader with reasons, less like this, the switch, privacy.

Vectors come from a stand-in encoder (hashed word counts, as in test_search_dense):
the real MiniLM model takes ~10 s to build and seconds to embed, and these tests are
about what the hub does with vectors, not about the vectors. The offline evaluation
(benchmarks/foryou_eval.py) uses the real model.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.http.response import HttpResponseBase
from django.test import Client
from django.utils import timezone

from dailypapers.config import Rate
from dailypapers.digests.models import Subscription
from dailypapers.foryou import queries, services
from dailypapers.foryou.models import LessLike, LibraryItem, Preference, Profile
from dailypapers.papers.models import Paper
from tests.support.foryou import seed_hub, upvote

pytestmark = pytest.mark.django_db

DAY = "2026-04-02"


def body(response: HttpResponseBase) -> str:
    return str(response.content, "utf-8")  # type: ignore[attr-defined]


def titles_in_order(html: str) -> list[str]:
    return re.findall(r'<h3 id="t-\d+"><a href="/papers/[^"]+">([^<]+)</a></h3>', html)


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> dict[str, Paper]:
    """Yesterday's papers (the reader's history) and today's list of twelve."""
    return seed_hub(monkeypatch)


@pytest.fixture
def reader(db: None) -> User:
    return User.objects.create_user("reader", "reader@example.org", "a long enough passphrase")


@pytest.fixture
def signed_in(reader: User) -> Client:
    client = Client()
    client.force_login(reader)
    return client


class TestTab:
    def test_signed_in_readers_see_a_for_you_tab_visitors_do_not(
        self, hub: dict[str, Paper], signed_in: Client, client: Client
    ) -> None:
        assert "/for-you/" not in body(client.get(f"/papers/date/{DAY}"))
        page = body(signed_in.get(f"/papers/date/{DAY}"))
        assert f'href="/for-you/date/{DAY}"' in page
        assert ">For you</a>" in page

    def test_visitors_are_sent_to_log_in(self, hub: dict[str, Paper], client: Client) -> None:
        response = client.get(f"/for-you/date/{DAY}")
        assert response.status_code == 302 and "/login" in response["Location"]

    def test_bad_periods_are_not_found(self, hub: dict[str, Paper], signed_in: Client) -> None:
        assert signed_in.get("/for-you/date/2026-13-45").status_code == 404
        assert signed_in.get("/for-you/year/2026").status_code == 404


class TestRanking:
    def test_a_reader_without_history_gets_the_plain_list_and_an_invitation(
        self, hub: dict[str, Paper], signed_in: Client
    ) -> None:
        page = body(signed_in.get(f"/for-you/date/{DAY}"))
        assert "Nothing to go on yet" in page
        assert titles_in_order(page)[0] == "Language model number 0"
        assert "Less like this" not in page

    def test_papers_like_the_upvoted_ones_come_first_with_their_reason(
        self, hub: dict[str, Paper], reader: User, signed_in: Client
    ) -> None:
        upvote(reader, *(hub[f"old-protein-{n}"] for n in range(3)))
        page = body(signed_in.get(f"/for-you/date/{DAY}"))
        order = titles_in_order(page)
        # Twelfth by votes, first for this reader; the day's top paper stays near the top.
        assert order[0] == "Protein folding with diffusion"
        assert order.index("Language model number 0") <= 3
        assert "like 3 papers you upvoted: “Protein folding study" in page
        # By an author of the papers the reader upvoted.
        assert "by Grace Hopper, whose papers you read" in page
        assert order.index("Compilers for everyone") < order.index("Robot grasping")

    def test_the_page_is_the_whole_period_and_stays_strict_csp(
        self, hub: dict[str, Paper], reader: User, signed_in: Client
    ) -> None:
        upvote(reader, hub["old-protein-0"])
        response = signed_in.get(f"/for-you/date/{DAY}")
        page = body(response)
        assert len(titles_in_order(page)) == 12
        assert "<script" not in page.split("</main>")[0].split("<main")[-1]
        assert " style=" not in page
        assert "private" in response.get("Cache-Control", "") or "no-cache" in response.get(
            "Cache-Control", ""
        )

    def test_followed_authors_and_saved_searches_count_and_say_so(
        self, hub: dict[str, Paper], reader: User, signed_in: Client
    ) -> None:
        Subscription.objects.create(
            email="reader@example.org",
            user=reader,
            authors=["rob-ot"],
            searches=["quantum error"],
        )
        page = body(signed_in.get(f"/for-you/date/{DAY}"))
        order = titles_in_order(page)
        # Eleventh and twelfth by votes, first and second for this reader.
        assert set(order[:2]) == {"Robot grasping", "Quantum error correction"}
        assert order[2] == "Language model number 0"
        assert "by Rob Ot, an author you follow" in page
        assert "matches your saved search “quantum error”" in page


class TestLessLikeThis:
    def test_it_changes_the_ranking_at_once(
        self, hub: dict[str, Paper], reader: User, signed_in: Client
    ) -> None:
        upvote(reader, *(hub[f"old-protein-{n}"] for n in range(3)))
        before = titles_in_order(body(signed_in.get(f"/for-you/date/{DAY}")))
        assert before[0] == "Protein folding with diffusion"
        response = signed_in.post(
            "/for-you/less",
            {"paper": hub["protein"].arxiv_id, "next": f"/for-you/date/{DAY}"},
        )
        assert response.status_code == 302 and response["Location"] == f"/for-you/date/{DAY}"
        page = body(signed_in.get(f"/for-you/date/{DAY}"))
        after = titles_in_order(page)
        assert after[-1] == "Protein folding with diffusion"
        assert "you asked for less like this" in page and "Undo “less like this”" in page
        # Undone: back where it was.
        signed_in.post("/for-you/less", {"paper": hub["protein"].arxiv_id, "undo": "1"})
        assert titles_in_order(body(signed_in.get(f"/for-you/date/{DAY}")))[0] == before[0]

    def test_twice_is_once_and_unknown_papers_are_refused(
        self, hub: dict[str, Paper], reader: User, signed_in: Client
    ) -> None:
        for _ in range(2):
            signed_in.post("/for-you/less", {"paper": hub["robots"].arxiv_id})
        assert LessLike.objects.filter(user=reader).count() == 1
        assert signed_in.post("/for-you/less", {"paper": "9999.99999"}).status_code == 404
        assert signed_in.post("/for-you/less", {"paper": "nonsense"}).status_code == 404
        assert signed_in.get("/for-you/less").status_code == 405

    def test_it_is_rate_limited(
        self, hub: dict[str, Paper], reader: User, signed_in: Client, settings: Any
    ) -> None:
        settings.LESS_LIKE_RATE_LIMIT = Rate(per_account=1, per_ip=100, seconds=600)
        assert signed_in.post("/for-you/less", {"paper": hub["robots"].arxiv_id}).status_code == 302
        refused = signed_in.post("/for-you/less", {"paper": hub["protein"].arxiv_id})
        assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
        papers = LessLike.objects.filter(user=reader).values_list("paper__arxiv_id", flat=True)
        assert list(papers) == [hub["robots"].arxiv_id]

    def test_csrf_is_enforced(self, hub: dict[str, Paper], reader: User) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(reader)
        response = client.post("/for-you/less", {"paper": hub["robots"].arxiv_id})
        assert response.status_code == 403
        assert not LessLike.objects.exists()

    def test_next_never_leaves_the_site(self, hub: dict[str, Paper], signed_in: Client) -> None:
        response = signed_in.post(
            "/for-you/less", {"paper": hub["robots"].arxiv_id, "next": "https://evil.example/"}
        )
        assert response["Location"] == "/for-you"


class TestPrivacy:
    def test_switching_off_deletes_the_profile_and_shows_the_plain_list(
        self, hub: dict[str, Paper], reader: User, signed_in: Client
    ) -> None:
        upvote(reader, *(hub[f"old-protein-{n}"] for n in range(3)))
        services.less_like(reader, hub["robots"])
        assert services.store_profile(reader)
        assert Profile.objects.get(user=reader).mean is not None
        settings_page = body(signed_in.get("/settings"))
        assert "Turn personalization off and delete my profile" in settings_page
        response = signed_in.post("/for-you/settings", {"personalize": "off"})
        assert response.status_code == 302 and response["Location"] == "/settings"
        assert not Profile.objects.filter(user=reader).exists()
        assert not LessLike.objects.filter(user=reader).exists()
        page = body(signed_in.get(f"/for-you/date/{DAY}"))
        assert "Personalization is off" in page
        assert titles_in_order(page)[0] == "Language model number 0"
        assert not services.store_profile(reader)
        assert not Profile.objects.filter(user=reader).exists()
        # And on again.
        signed_in.post("/for-you/settings", {"personalize": "on"})
        assert Preference.objects.get(user=reader).enabled
        assert titles_in_order(body(signed_in.get(f"/for-you/date/{DAY}")))[0] == (
            "Protein folding with diffusion"
        )

    def test_the_switch_wants_on_or_off(self, hub: dict[str, Paper], signed_in: Client) -> None:
        assert signed_in.post("/for-you/settings", {"personalize": "maybe"}).status_code == 400
        assert not Preference.objects.exists()

    def test_one_readers_interests_never_reach_another(
        self, hub: dict[str, Paper], reader: User, signed_in: Client
    ) -> None:
        upvote(reader, *(hub[f"old-protein-{n}"] for n in range(3)))
        other = User.objects.create_user("other", "o@example.org", "a long enough passphrase")
        client = Client()
        client.force_login(other)
        page = body(client.get(f"/for-you/date/{DAY}"))
        assert "Nothing to go on yet" in page
        assert "Grace Hopper" not in page and "Protein folding study" not in page
        mine = body(signed_in.get(f"/for-you/date/{DAY}"))
        assert "only you see this page" in mine and "Grace Hopper" in mine


class TestProfile:
    def test_a_stored_profile_is_used_while_the_signals_are_the_same(
        self, hub: dict[str, Paper], reader: User
    ) -> None:
        upvote(reader, *(hub[f"old-protein-{n}"] for n in range(3)))
        services.store_profile(reader)
        stored = Profile.objects.get(user=reader)
        profile, _ = queries.profile_for(reader)
        assert (
            queries.fingerprint(queries.signals(reader, timezone.now()), queries.follows(reader))
            == stored.signals
        )
        assert profile.mean is not None
        # A new signal makes the stored one stale.
        upvote(reader, hub["old-language"])
        assert (
            queries.fingerprint(queries.signals(reader, timezone.now()), queries.follows(reader))
            != stored.signals
        )


class TestLibrary:
    BIBTEX = """@misc{a, title = {Protein folding study 0}, eprint = {%s}, archivePrefix = {arXiv}}
@article{b, title={Elsewhere}, url={https://arxiv.org/abs/%sv2}}
@misc{c, title = {Not here}, eprint = {2301.99999}}
@misc{d, title = {Old style}, note = {arXiv:hep-th/9901001}}
"""

    def test_a_bibtex_upload_seeds_the_ranking(
        self, hub: dict[str, Paper], reader: User, signed_in: Client
    ) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        text = self.BIBTEX % (hub["old-protein-0"].arxiv_id, hub["old-protein-1"].arxiv_id)
        response = signed_in.post(
            "/for-you/library",
            {"library": SimpleUploadedFile("lib.bib", text.encode(), "application/x-bibtex")},
        )
        page = body(response)
        assert response.status_code == 200
        assert "Found 4 arXiv ids or DOIs: 2 of 4 papers are on this hub" in page
        assert "2 are not on this hub" in page
        assert LibraryItem.objects.filter(user=reader).count() == 2
        ranked = body(signed_in.get(f"/for-you/date/{DAY}"))
        assert titles_in_order(ranked)[0] == "Protein folding with diffusion"
        assert "papers in your library" in ranked

    def test_an_id_list_and_csl_json_are_read_too(
        self, hub: dict[str, Paper], reader: User, signed_in: Client
    ) -> None:
        ids = f"{hub['robots'].arxiv_id}\narXiv:{hub['quantum'].arxiv_id}\n"
        assert "2 of 2 papers" in body(signed_in.post("/for-you/library", {"ids": ids}))
        csl = json.dumps([{"id": "x", "URL": f"http://arxiv.org/abs/{hub['hopper'].arxiv_id}"}])
        assert "1 of 1 paper" in body(signed_in.post("/for-you/library", {"ids": csl}))
        assert LibraryItem.objects.filter(user=reader).count() == 3

    def test_bad_uploads_get_a_clear_error_and_change_nothing(
        self, hub: dict[str, Paper], reader: User, signed_in: Client
    ) -> None:
        response = signed_in.post("/for-you/library", {"ids": "no ids in here at all"})
        assert response.status_code == 400 and "No arXiv ids or DOIs found" in body(response)
        Preference.objects.create(user=reader, enabled=False)
        response = signed_in.post("/for-you/library", {"ids": hub["robots"].arxiv_id})
        assert response.status_code == 400 and "Personalization is off" in body(response)
        assert not LibraryItem.objects.exists()

    def test_switching_off_deletes_the_library(
        self, hub: dict[str, Paper], reader: User, signed_in: Client
    ) -> None:
        signed_in.post("/for-you/library", {"ids": hub["robots"].arxiv_id})
        signed_in.post("/for-you/settings", {"personalize": "off"})
        assert not LibraryItem.objects.exists()
