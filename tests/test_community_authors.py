"""Author pages, author links on paper pages, and author claims with their review."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.http.response import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone

from dailypapers.accounts.models import Profile
from dailypapers.community.models import AuthorClaim, ModerationAction
from dailypapers.community.services import claims
from dailypapers.community.views import authors as author_views
from dailypapers.config import Rate
from dailypapers.papers.models import Organization, PaperAuthor
from tests.support.factories import paper, utc

pytestmark = pytest.mark.django_db

CONFIRMED, PENDING, REJECTED = "confirmed", "pending", "rejected"


def body(response: HttpResponseBase) -> str:
    return str(response.content, "utf-8")  # type: ignore[attr-defined]


def make_user(username: str, *, email: str = "", confirmed: bool = False, **fields: Any) -> User:
    email = email or f"{username}@example.org"
    # Old enough to claim (new accounts wait: tests/test_claims_trust.py).
    fields.setdefault("date_joined", timezone.now() - dt.timedelta(days=30))
    user = User.objects.create_user(username=username, email=email, **fields)
    Profile.objects.create(
        user=user,
        confirmed_email=email if confirmed else "",
        email_confirmed_at=timezone.now() if confirmed else None,
    )
    return user


def logged_in(user: User, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def entry(arxiv_id: str = "2604.00001", position: int = 0) -> PaperAuthor:
    return PaperAuthor.objects.get(paper__arxiv_id=arxiv_id, position=position)


def claim_url(arxiv_id: str = "2604.00001", position: int = 0) -> str:
    return f"/papers/{arxiv_id}/authors/{position}/claim"


class TestAuthorPage:
    def test_lists_papers_newest_first_under_the_most_common_spelling(self, client: Client) -> None:
        paper("2604.00001", title="Old", authors=("Ada Lovelace",), published_at=utc(2025, 1, 1))
        paper("2604.00002", title="New", authors=("ada lovelace",), published_at=utc(2026, 1, 1))
        paper("2604.00003", title="Mid", authors=("Ada Lovelace",), published_at=utc(2025, 6, 1))
        paper("2604.00004", title="Someone else's", authors=("Alan Turing",))
        html = body(client.get("/authors/ada-lovelace"))
        assert "<h1>Ada Lovelace</h1>" in html
        assert html.index(">New<") < html.index(">Mid<") < html.index(">Old<")
        assert "Someone else" not in html
        assert "3 papers on this hub" in html

    def test_unknown_author_is_404(self, client: Client) -> None:
        assert client.get("/authors/nobody-at-all").status_code == 404

    def test_links_the_claimed_profile(self, client: Client) -> None:
        paper("2604.00001", authors=("Ada Lovelace",))
        ada = make_user("ada")
        AuthorClaim.objects.create(author=entry(), user=ada, status=CONFIRMED)
        make_user("pat")
        AuthorClaim.objects.create(author=entry(), user=User.objects.get(username="pat"))
        html = body(client.get("/authors/ada-lovelace"))
        assert 'claimed by <a href="/users/ada">@ada</a>' in html
        assert "/users/pat" not in html

    def test_name_is_escaped(self, client: Client) -> None:
        paper("2604.00001", authors=("<b>Eve</b> Evil",))
        slug = entry().slug
        html = body(client.get(f"/authors/{slug}"))
        assert "<b>Eve</b>" not in html
        assert "&lt;b&gt;Eve&lt;/b&gt; Evil" in html
        paper_html = body(client.get("/papers/2604.00001"))
        assert "<b>Eve</b>" not in paper_html
        assert f'<a href="/authors/{slug}">&lt;b&gt;Eve&lt;/b&gt; Evil</a>' in paper_html

    def test_paginated(self, client: Client, monkeypatch: Any) -> None:
        monkeypatch.setattr(author_views, "PAGE_SIZE", 2)
        for day in range(1, 6):
            paper(f"2604.0000{day}", title=f"Day {day}", published_at=utc(2026, 1, day))
        first = body(client.get("/authors/ada-lovelace"))
        assert "Day 5" in first and "Day 4" in first and "Day 3" not in first
        assert "Day 1" in body(client.get("/authors/ada-lovelace?page=3"))

    def test_bounded_queries(self, client: Client) -> None:
        def count() -> int:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get("/authors/ada-lovelace").status_code == 200
            return len(ctx.captured_queries)

        paper(authors=("Ada Lovelace",))
        small = count()
        for n in range(12):
            paper(authors=("Ada Lovelace", *(f"Co Author {n}-{k}" for k in range(9))))
        for n, author in enumerate(PaperAuthor.objects.filter(slug="ada-lovelace")[:5]):
            AuthorClaim.objects.create(author=author, user=make_user(f"u{n}"), status=CONFIRMED)
        large = count()
        assert large == small
        assert large <= 6


class TestPaperPage:
    def test_the_author_line_escapes_names_and_addresses(self, client: Client) -> None:
        """The line is built in Python (org_tags.paper_authors): the exact markup the
        template made, every name and address part escaped."""
        paper("2604.00001", authors=('Ada <i>"L"</i>', "Bob & Co"))
        PaperAuthor.objects.filter(position=1).update(slug="bob/&<x>")
        AuthorClaim.objects.create(author=entry(), user=make_user("a.d-a_"), status=CONFIRMED)
        html = body(client.get("/papers/2604.00001"))
        ada = "Ada &lt;i&gt;&quot;L&quot;&lt;/i&gt;"
        assert (
            f'<span class="visually-hidden">Authors: </span><span class="author">'
            f'<a href="/authors/{entry().slug}">{ada}</a> <a class="claimed" href="/users/a.d-a_">'
            f'<span class="visually-hidden">profile of {ada}: </span>@a.d-a_</a></span>, '
            '<span class="author"><a href="/authors/bob/%26%3Cx%3E">Bob &amp; Co</a></span></p>'
        ) in html
        paper("2604.00002", authors=())
        unknown = body(client.get("/papers/2604.00002"))
        assert '<span class="visually-hidden">Authors: </span>Authors unknown</p>' in unknown

    def test_authors_link_to_author_pages_and_claimed_profiles(self, client: Client) -> None:
        paper("2604.00001", authors=("Ada Lovelace", "Alan Turing"))
        AuthorClaim.objects.create(author=entry(), user=make_user("ada"), status=CONFIRMED)
        AuthorClaim.objects.create(author=entry(position=1), user=make_user("alan"))
        html = body(client.get("/papers/2604.00001"))
        assert '<a href="/authors/ada-lovelace">Ada Lovelace</a>' in html
        assert '<a href="/authors/alan-turing">Alan Turing</a>' in html
        assert 'href="/users/ada"' in html
        assert 'href="/users/alan"' not in html

    def test_claim_buttons_for_logged_in_users_only(self, client: Client) -> None:
        paper("2604.00001", authors=("Ada Lovelace", "Alan Turing"))
        assert claim_url() not in body(client.get("/papers/2604.00001"))
        html = body(logged_in(make_user("ada")).get("/papers/2604.00001"))
        assert "Claim authorship" in html
        assert claim_url(position=0) in html and claim_url(position=1) in html

    def test_pending_claim_shows_withdraw_instead_of_buttons(self) -> None:
        paper("2604.00001", authors=("Ada Lovelace", "Alan Turing"))
        ada = make_user("ada")
        mine = AuthorClaim.objects.create(author=entry(), user=ada)
        html = body(logged_in(ada).get("/papers/2604.00001"))
        assert f"/authors/claims/{mine.pk}/withdraw" in html
        assert claim_url(position=1) not in html

    @pytest.mark.parametrize("viewer", ["visitor", "user"])
    def test_bounded_queries(self, viewer: str, settings: Any) -> None:
        settings.PAGE_CACHE_SECONDS = 0
        client = logged_in(make_user("viewer")) if viewer == "user" else Client()

        def count(arxiv_id: str) -> int:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(f"/papers/{arxiv_id}").status_code == 200
            return len(ctx.captured_queries)

        paper("2604.00001", authors=("Ada Lovelace",))
        paper("2604.00002", authors=tuple(f"Author {k}" for k in range(30)))
        for k in range(8):
            author = entry("2604.00002", k)
            AuthorClaim.objects.create(author=author, user=make_user(f"u{k}"), status=CONFIRMED)
        count("2604.00001")  # warm up whatever a first request reads once
        assert count("2604.00002") == count("2604.00001")


class TestClaims:
    def test_routes_win_over_the_paper_page(self) -> None:
        assert resolve(claim_url()).func is author_views.claim_author
        old = resolve("/papers/hep-th/9901001/authors/2/claim")
        assert old.kwargs == {"ref": "hep-th/9901001", "position": 2}

    @pytest.mark.parametrize(
        "fields",
        [
            {"abstract": "Contact: ADA@Example.org for the code."},
            {"comments": "12 pages; correspondence to ada@example.org"},
        ],
    )
    def test_confirmed_at_once_when_the_paper_prints_the_address(
        self, fields: dict[str, str]
    ) -> None:
        paper("2604.00001", **fields)
        ada = make_user("ada", confirmed=True)
        response = logged_in(ada).post(claim_url())
        assert response.status_code == 200
        assert "Confirmed" in body(response)
        made = AuthorClaim.objects.get(user=ada)
        assert (made.status, made.how) == (CONFIRMED, claims.BY_EMAIL_IN_PAPER)

    def test_unconfirmed_address_stays_pending(self) -> None:
        paper("2604.00001", abstract="Contact: ada@example.org")
        ada = make_user("ada", confirmed=False)
        response = logged_in(ada).post(claim_url())
        assert "awaits a moderator" in body(response)
        assert AuthorClaim.objects.get(user=ada).status == PENDING

    def test_changed_address_is_no_longer_confirmed(self) -> None:
        paper("2604.00001", abstract="Contact: ada@example.org")
        ada = make_user("ada", confirmed=True)
        User.objects.filter(pk=ada.pk).update(email="ada@elsewhere.test")
        logged_in(User.objects.get(pk=ada.pk)).post(claim_url())
        assert AuthorClaim.objects.get(user=ada).status == PENDING

    def test_a_longer_address_does_not_count(self) -> None:
        paper("2604.00001", abstract="Mail jimbob@example.org or bob@example.org.evil.test")
        bob = make_user("bob", confirmed=True)
        logged_in(bob).post(claim_url())
        assert AuthorClaim.objects.get(user=bob).status == PENDING

    def test_confirmed_at_once_by_a_domain_staff_verified_for_the_organization(self) -> None:
        paper("2604.00001", organization="Lab")
        Organization.objects.update(verified_email_domains="lab.example.org example.org")
        ada = make_user("ada", confirmed=True)
        logged_in(ada).post(claim_url())
        made = AuthorClaim.objects.get(user=ada)
        assert (made.status, made.how) == (CONFIRMED, claims.BY_ORG_DOMAIN)

    def test_other_domains_stay_pending(self) -> None:
        paper("2604.00001", organization="Lab")
        Organization.objects.update(verified_email_domains="lab.example.org")
        ada = make_user("ada", email="ada@example.org", confirmed=True)
        logged_in(ada).post(claim_url())
        assert AuthorClaim.objects.get(user=ada).status == PENDING

    def test_claiming_again_after_confirming_the_address_confirms(self) -> None:
        paper("2604.00001", abstract="ada@example.org")
        ada = make_user("ada", confirmed=False)
        client = logged_in(ada)
        client.post(claim_url())
        assert AuthorClaim.objects.get(user=ada).status == PENDING
        Profile.objects.filter(user=ada).update(confirmed_email="ada@example.org")
        client.post(claim_url())
        assert AuthorClaim.objects.get(user=ada).status == CONFIRMED
        assert AuthorClaim.objects.count() == 1

    def test_an_entry_claimed_by_someone_else_is_refused(self) -> None:
        paper("2604.00001")
        AuthorClaim.objects.create(author=entry(), user=make_user("ada"), status=CONFIRMED)
        eve = make_user("eve", confirmed=True)
        response = logged_in(eve).post(claim_url())
        assert response.status_code == 409
        assert "already belongs to someone else" in body(response)
        assert not AuthorClaim.objects.filter(user=eve).exists()

    def test_one_author_entry_per_user_and_paper(self) -> None:
        paper("2604.00001")
        ada = make_user("ada")
        client = logged_in(ada)
        client.post(claim_url(position=0))
        assert client.post(claim_url(position=1)).status_code == 409
        assert AuthorClaim.objects.filter(user=ada).count() == 1

    def test_visitors_are_sent_to_log_in_and_get_changes_nothing(self, client: Client) -> None:
        paper("2604.00001")
        assert client.post(claim_url())["Location"].startswith("/login")
        assert logged_in(make_user("ada")).get(claim_url()).status_code == 405
        assert not AuthorClaim.objects.exists()

    def test_unknown_author_entry_is_404(self) -> None:
        paper("2604.00001")
        assert logged_in(make_user("ada")).post(claim_url(position=9)).status_code == 404

    def test_csrf_is_required(self) -> None:
        paper("2604.00001")
        assert logged_in(make_user("ada"), csrf=True).post(claim_url()).status_code == 403
        assert not AuthorClaim.objects.exists()

    def test_rate_limited_with_retry_after(self, settings: Any) -> None:
        settings.COMMUNITY_RATE_LIMITS = {"claim": Rate(per_account=2, per_ip=100, seconds=3600)}
        for n in range(1, 4):
            paper(f"2604.0000{n}")
        client = logged_in(make_user("ada"))
        assert client.post(claim_url("2604.00001")).status_code == 200
        assert client.post(claim_url("2604.00002")).status_code == 200
        response = client.post(claim_url("2604.00003"))
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        assert AuthorClaim.objects.count() == 2

    def test_withdraw_own_pending_claim_only(self) -> None:
        paper("2604.00001", authors=("Ada Lovelace", "Alan Turing"))
        ada, alan = make_user("ada"), make_user("alan")
        mine = AuthorClaim.objects.create(author=entry(), user=ada)
        theirs = AuthorClaim.objects.create(author=entry(position=1), user=alan)
        client = logged_in(ada)
        assert client.get(f"/authors/claims/{mine.pk}/withdraw").status_code == 405
        client.post(f"/authors/claims/{theirs.pk}/withdraw")
        assert AuthorClaim.objects.filter(pk=theirs.pk).exists()
        response = client.post(
            f"/authors/claims/{mine.pk}/withdraw", {"next": "/papers/2604.00001"}
        )
        assert response["Location"] == "/papers/2604.00001"
        assert not AuthorClaim.objects.filter(pk=mine.pk).exists()
        AuthorClaim.objects.filter(pk=theirs.pk).update(status=CONFIRMED)
        logged_in(alan).post(f"/authors/claims/{theirs.pk}/withdraw")
        assert AuthorClaim.objects.filter(pk=theirs.pk).exists()


class TestReview:
    def test_only_staff_see_the_queue(self, client: Client) -> None:
        assert client.get("/authors/claims")["Location"].startswith("/login")
        assert logged_in(make_user("eve")).get("/authors/claims").status_code == 403
        paper("2604.00001", title="The <i>Paper</i>")
        AuthorClaim.objects.create(author=entry(), user=make_user("ada"))
        html = body(logged_in(make_user("mod", is_staff=True)).get("/authors/claims"))
        assert "@ada" in html and "The &lt;i&gt;Paper&lt;/i&gt;" in html

    def test_confirm_and_reject_are_logged(self) -> None:
        paper("2604.00001")
        mod = make_user("mod", is_staff=True)
        one = AuthorClaim.objects.create(author=entry(), user=make_user("ada"))
        two = AuthorClaim.objects.create(author=entry(position=1), user=make_user("alan"))
        client = logged_in(mod)
        response = client.post(f"/authors/claims/{one.pk}/confirm", {"reason": "checked"})
        assert response["Location"] == "/authors/claims"
        client.post(f"/authors/claims/{two.pk}/reject", {"reason": "not them"})
        one.refresh_from_db()
        two.refresh_from_db()
        assert (one.status, one.decided_by, one.how) == (CONFIRMED, mod, claims.BY_MODERATOR)
        assert (two.status, two.decided_by) == (REJECTED, mod)
        log = {
            (a.kind, a.target_id, a.reason, a.moderator_id) for a in ModerationAction.objects.all()
        }
        assert log == {
            (ModerationAction.Kind.CONFIRM_CLAIM, str(one.pk), "checked", mod.pk),
            (ModerationAction.Kind.REJECT_CLAIM, str(two.pk), "not them", mod.pk),
        }

    def test_non_staff_cannot_decide(self) -> None:
        paper("2604.00001")
        ada = make_user("ada")
        mine = AuthorClaim.objects.create(author=entry(), user=ada)
        assert logged_in(ada).post(f"/authors/claims/{mine.pk}/confirm").status_code == 403
        assert AuthorClaim.objects.get().status == PENDING
        assert not ModerationAction.objects.exists()

    def test_second_confirmation_of_an_entry_is_refused_cleanly(self) -> None:
        paper("2604.00001")
        one = AuthorClaim.objects.create(author=entry(), user=make_user("ada"))
        two = AuthorClaim.objects.create(author=entry(), user=make_user("eve"))
        client = logged_in(make_user("mod", is_staff=True))
        assert client.post(f"/authors/claims/{one.pk}/confirm").status_code == 302
        response = client.post(f"/authors/claims/{two.pk}/confirm", {"reason": "typed reason"})
        assert response.status_code == 409
        html = body(response)
        assert "already has a confirmed claim" in html
        assert "typed reason" in html
        assert AuthorClaim.objects.get(pk=two.pk).status == PENDING
        assert ModerationAction.objects.count() == 1

    def test_a_decided_claim_is_not_decided_again(self) -> None:
        paper("2604.00001")
        one = AuthorClaim.objects.create(author=entry(), user=make_user("ada"))
        client = logged_in(make_user("mod", is_staff=True))
        client.post(f"/authors/claims/{one.pk}/reject")
        response = client.post(f"/authors/claims/{one.pk}/confirm")
        assert response.status_code == 409
        assert AuthorClaim.objects.get().status == REJECTED
        assert ModerationAction.objects.count() == 1

    def test_get_and_missing_csrf_change_nothing(self) -> None:
        paper("2604.00001")
        one = AuthorClaim.objects.create(author=entry(), user=make_user("ada"))
        mod = make_user("mod", is_staff=True)
        assert logged_in(mod).get(f"/authors/claims/{one.pk}/confirm").status_code == 405
        assert (
            logged_in(mod, csrf=True).post(f"/authors/claims/{one.pk}/confirm").status_code == 403
        )
        assert AuthorClaim.objects.get().status == PENDING

    def test_queue_has_bounded_queries(self) -> None:
        client = logged_in(make_user("mod", is_staff=True))

        def count() -> int:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get("/authors/claims").status_code == 200
            return len(ctx.captured_queries)

        paper("2604.00001", authors=tuple(f"A {k}" for k in range(12)))
        AuthorClaim.objects.create(author=entry(), user=make_user("u0"))
        small = count()
        for k in range(1, 12):
            AuthorClaim.objects.create(author=entry(position=k), user=make_user(f"u{k}"))
        assert count() == small
