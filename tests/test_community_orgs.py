"""Organizations: pages, creating and editing, members, and linking papers to them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.http.response import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone

from dailypapers.community.models import AuthorClaim, Membership
from dailypapers.community.views import orgs as org_views
from dailypapers.config import Rate
from dailypapers.papers.models import Organization, Paper, PaperAuthor, Submission
from tests.support.factories import paper, utc

pytestmark = pytest.mark.django_db


def body(response: HttpResponseBase) -> str:
    return str(response.content, "utf-8")  # type: ignore[attr-defined]


def make_user(username: str, **fields: Any) -> User:
    """An account old enough to act (new ones wait: tests/test_claims_trust.py)."""
    fields.setdefault("date_joined", timezone.now() - dt.timedelta(days=30))
    return User.objects.create_user(username=username, email=f"{username}@example.org", **fields)


def logged_in(user: User, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def make_org(name: str = "Lab One", *, admin: User | None = None, **fields: Any) -> Organization:
    org = Organization.objects.create(slug=name.lower().replace(" ", "-"), name=name, **fields)
    if admin is not None:
        Membership.objects.create(organization=org, user=admin, role=Membership.Role.ADMIN)
    return org


def org_form(**changes: str) -> dict[str, str]:
    data = {"name": "Lab One", "description": "", "avatar_url": "", "email_domains": ""}
    data.update(changes)
    return data


class TestCreate:
    def test_creator_becomes_admin_and_slug_comes_from_the_name(self) -> None:
        ada = make_user("ada")
        response = logged_in(ada).post("/orgs/new", org_form(name="Analytical Engines Lab"))
        assert response.status_code == 302
        assert response["Location"] == "/orgs/analytical-engines-lab"
        org = Organization.objects.get(slug="analytical-engines-lab")
        assert org.name == "Analytical Engines Lab"
        assert org.created_by == ada
        assert Membership.objects.get(organization=org).user == ada
        assert Membership.objects.get(organization=org).role == Membership.Role.ADMIN

    def test_a_taken_slug_gets_a_number(self) -> None:
        client = logged_in(make_user("ada"))
        client.post("/orgs/new", org_form(name="Same Name"))
        response = client.post("/orgs/new", org_form(name="same name"))
        assert response["Location"] == "/orgs/same-name-2"
        assert Organization.objects.filter(slug__startswith="same-name").count() == 2

    def test_the_new_page_itself_is_not_an_organization(self) -> None:
        client = logged_in(make_user("ada"))
        response = client.post("/orgs/new", org_form(name="New"))
        assert response["Location"] != "/orgs/new"
        assert client.get(response["Location"]).status_code == 200

    def test_visitors_are_sent_to_log_in(self, client: Client) -> None:
        assert client.get("/orgs/new")["Location"].startswith("/login")
        response = client.post("/orgs/new", org_form())
        assert response["Location"].startswith("/login")
        assert not Organization.objects.exists()

    def test_get_creates_nothing(self) -> None:
        response = logged_in(make_user("ada")).get("/orgs/new?name=Sneaky")
        assert response.status_code == 200
        assert not Organization.objects.exists()

    def test_errors_keep_what_was_typed(self) -> None:
        response = logged_in(make_user("ada")).post(
            "/orgs/new",
            org_form(
                name="Typed Lab",
                description="Typed description",
                avatar_url="javascript:alert(1)",
                email_domains="example.org not_a_domain!",
            ),
        )
        assert response.status_code == 400
        html = body(response)
        assert 'value="Typed Lab"' in html
        assert "Typed description" in html
        assert "not_a_domain!" in html
        assert "is not an email domain" in html
        assert not Organization.objects.exists()

    def test_csrf_is_required(self) -> None:
        response = logged_in(make_user("ada"), csrf=True).post("/orgs/new", org_form())
        assert response.status_code == 403
        assert not Organization.objects.exists()

    def test_rate_limited_per_user_with_retry_after(self, settings: Any) -> None:
        settings.COMMUNITY_RATE_LIMITS = {
            "org-create": Rate(per_account=2, per_ip=100, seconds=3600)
        }
        client = logged_in(make_user("ada"))
        for n in range(2):
            assert client.post("/orgs/new", org_form(name=f"Lab {n}")).status_code == 302
        response = client.post("/orgs/new", org_form(name="One Too Many"))
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        assert 'value="One Too Many"' in body(response)
        assert Organization.objects.count() == 2

    def test_rate_limited_per_ip(self, settings: Any) -> None:
        settings.COMMUNITY_RATE_LIMITS = {
            "org-create": Rate(per_account=100, per_ip=1, seconds=3600)
        }
        assert logged_in(make_user("ada")).post("/orgs/new", org_form()).status_code == 302
        response = logged_in(make_user("bob")).post("/orgs/new", org_form(name="Other"))
        assert response.status_code == 429
        assert Organization.objects.count() == 1


class TestPage:
    def test_shows_name_description_members_and_papers(self, client: Client) -> None:
        ada, bob = make_user("ada"), make_user("bob")
        org = make_org("Lab One", admin=ada, description="First line\nSecond line")
        Membership.objects.create(organization=org, user=bob)
        paper("2604.00001", title="Older", published_at=utc(2026, 1, 1))
        paper("2604.00002", title="Newer", published_at=utc(2026, 3, 1))
        Paper.objects.update(organization=org)
        html = body(client.get("/orgs/lab-one"))
        assert "<h1>Lab One</h1>" in html
        assert "First line<br>Second line" in html
        assert '<a href="/users/ada">ada</a> <span class="muted">· Admin</span>' in html
        assert '<a href="/users/bob">bob</a> <span class="muted">· Member</span>' in html
        assert html.index("Newer") < html.index("Older")

    def test_description_and_name_are_escaped(self, client: Client) -> None:
        make_org("Lab One", description='<script>alert("x")</script>\n<b>bold</b>')
        Organization.objects.update(name="<i>Lab</i>")
        html = body(client.get("/orgs/lab-one"))
        assert "<script>alert" not in html
        assert (
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>&lt;b&gt;bold&lt;/b&gt;" in html
        )
        assert "<i>Lab</i>" not in html
        assert "&lt;i&gt;Lab&lt;/i&gt;" in html

    def test_initials_and_no_hot_linked_avatar(self, client: Client) -> None:
        make_org("Lab One", avatar_url="https://img.example.org/a.png")
        make_org("Other Place")
        html = body(client.get("/orgs/lab-one"))
        assert "img.example.org" not in html and 'src="/media/avatar/org/lab-one"' in html
        # The worker has fetched nothing here: the hub's address draws the initials.
        assert ">LO</text>" in body(client.get("/media/avatar/org/lab-one"))
        html = body(client.get("/orgs/other-place"))
        assert re.findall(r'<img[^>]* src="([^"]*)"', html.split("<main", 1)[1]) == [
            "/media/avatar/org/other-place"
        ]
        assert ">OP</text>" in body(client.get("/media/avatar/org/other-place"))

    def test_unknown_organization_is_404(self, client: Client) -> None:
        assert client.get("/orgs/nowhere").status_code == 404

    def test_papers_are_paginated(self, client: Client, monkeypatch: Any) -> None:
        monkeypatch.setattr(org_views, "PAGE_SIZE", 2)
        org = make_org()
        for day in range(1, 6):
            paper(f"2604.0000{day}", title=f"Day {day}", published_at=utc(2026, 1, day))
        Paper.objects.update(organization=org)
        first = body(client.get("/orgs/lab-one"))
        assert "Day 5" in first and "Day 4" in first and "Day 3" not in first
        assert 'href="?page=2"' in first
        third = body(client.get("/orgs/lab-one?page=3"))
        assert "Day 1" in third and "Day 2" not in third

    def test_members_see_a_leave_button_and_admins_a_manage_link(self) -> None:
        ada, bob = make_user("ada"), make_user("bob")
        org = make_org(admin=ada)
        Membership.objects.create(organization=org, user=bob)
        admin_html = body(logged_in(ada).get("/orgs/lab-one"))
        member_html = body(logged_in(bob).get("/orgs/lab-one"))
        stranger_html = body(logged_in(make_user("eve")).get("/orgs/lab-one"))
        assert "/orgs/lab-one/edit" in admin_html
        assert "/orgs/lab-one/edit" not in member_html
        assert "/orgs/lab-one/leave" in member_html
        assert "/orgs/lab-one/leave" not in stranger_html
        assert "/orgs/lab-one/edit" not in stranger_html

    def test_bounded_queries_however_many_papers_and_members(self, client: Client) -> None:
        def count() -> int:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get("/orgs/lab-one").status_code == 200
            return len(ctx.captured_queries)

        org = make_org()
        paper(authors=("A B",))
        Paper.objects.update(organization=org)
        Membership.objects.create(organization=org, user=make_user("u0"))
        small = count()
        for n in range(1, 12):
            paper(authors=tuple(f"Author {n}-{k}" for k in range(8)), organization="lab-one")
            Membership.objects.create(organization=org, user=make_user(f"u{n}"))
        Paper.objects.update(organization=org)
        large = count()
        assert large == small
        assert large <= 6


class TestList:
    def test_lists_organizations_with_counts(self, client: Client) -> None:
        org = make_org("Lab One", admin=make_user("ada"))
        make_org("Zeta Group")
        paper()
        Paper.objects.update(organization=org)
        html = body(client.get("/orgs"))
        assert '<a href="/orgs/lab-one">Lab One</a>' in html
        assert "1 paper · 1 member" in html
        assert html.index("Lab One") < html.index("Zeta Group")

    def test_bounded_queries(self, client: Client) -> None:
        make_org("Org 0")
        with CaptureQueriesContext(connection) as small:
            client.get("/orgs")
        for n in range(1, 15):
            make_org(f"Org {n}", admin=make_user(f"u{n}"))
        with CaptureQueriesContext(connection) as large:
            client.get("/orgs")
        assert len(large.captured_queries) == len(small.captured_queries) <= 3


class TestEdit:
    def test_admin_edits_the_organization(self) -> None:
        ada = make_user("ada")
        make_org(admin=ada)
        client = logged_in(ada)
        assert 'value="Lab One"' in body(client.get("/orgs/lab-one/edit"))
        response = client.post(
            "/orgs/lab-one/edit",
            org_form(
                name="Lab Renamed",
                description="About\r\nus",
                avatar_url="https://img.example.org/x.png",
                email_domains="Example.org, @lab.example.org",
            ),
        )
        assert response.status_code == 302
        org = Organization.objects.get(slug="lab-one")
        assert org.name == "Lab Renamed"
        assert org.description == "About\nus"
        assert org.avatar_url == "https://img.example.org/x.png"
        assert org.requested_email_domains == "example.org lab.example.org"

    @pytest.mark.parametrize("who", ["stranger", "member"])
    def test_others_cannot_edit(self, who: str) -> None:
        org = make_org(admin=make_user("ada"))
        eve = make_user("eve")
        if who == "member":
            Membership.objects.create(organization=org, user=eve)
        client = logged_in(eve)
        assert client.get("/orgs/lab-one/edit").status_code == 403
        response = client.post("/orgs/lab-one/edit", org_form(name="Taken Over"))
        assert response.status_code == 403
        assert Organization.objects.get(pk=org.pk).name == "Lab One"

    def test_staff_can_edit(self) -> None:
        make_org(admin=make_user("ada"))
        mod = make_user("mod", is_staff=True)
        response = logged_in(mod).post("/orgs/lab-one/edit", org_form(name="Moderated"))
        assert response.status_code == 302
        assert Organization.objects.get().name == "Moderated"

    def test_visitors_cannot_edit(self, client: Client) -> None:
        make_org()
        response = client.post("/orgs/lab-one/edit", org_form(name="Taken Over"))
        assert response["Location"].startswith("/login")
        assert Organization.objects.get().name == "Lab One"

    def test_edit_errors_keep_what_was_typed(self) -> None:
        ada = make_user("ada")
        make_org(admin=ada)
        response = logged_in(ada).post(
            "/orgs/lab-one/edit", org_form(name="", description="Kept text")
        )
        assert response.status_code == 400
        assert "Kept text" in body(response)
        assert Organization.objects.get().name == "Lab One"

    def test_csrf_is_required(self) -> None:
        ada = make_user("ada")
        make_org(admin=ada)
        response = logged_in(ada, csrf=True).post("/orgs/lab-one/edit", org_form(name="X"))
        assert response.status_code == 403
        assert Organization.objects.get().name == "Lab One"


class TestMembers:
    def test_admin_adds_a_member_and_changes_a_role(self) -> None:
        ada, bob = make_user("ada"), make_user("bob")
        org = make_org(admin=ada)
        client = logged_in(ada)
        response = client.post(
            "/orgs/lab-one/members", {"member-username": "bob", "member-role": "member"}
        )
        assert response.status_code == 302
        assert Membership.objects.get(organization=org, user=bob).role == "member"
        client.post("/orgs/lab-one/members", {"member-username": "bob", "member-role": "admin"})
        assert Membership.objects.get(organization=org, user=bob).role == "admin"

    def test_unknown_username_keeps_the_form(self) -> None:
        ada = make_user("ada")
        make_org(admin=ada)
        response = logged_in(ada).post(
            "/orgs/lab-one/members", {"member-username": "nobody-here", "member-role": "admin"}
        )
        assert response.status_code == 400
        html = body(response)
        assert "There is no user" in html
        assert 'value="nobody-here"' in html

    def test_strangers_and_members_cannot_add_or_remove(self) -> None:
        ada, bob, eve = make_user("ada"), make_user("bob"), make_user("eve")
        org = make_org(admin=ada)
        Membership.objects.create(organization=org, user=bob)
        for who in (eve, bob):
            client = logged_in(who)
            added = client.post(
                "/orgs/lab-one/members", {"member-username": who.username, "member-role": "admin"}
            )
            assert added.status_code == 403
            removed = client.post(f"/orgs/lab-one/members/{ada.pk}/remove")
            assert removed.status_code == 403
        assert set(Membership.objects.values_list("user__username", "role")) == {
            ("ada", "admin"),
            ("bob", "member"),
        }

    def test_admin_removes_a_member_but_not_the_last_admin(self) -> None:
        ada, bob = make_user("ada"), make_user("bob")
        org = make_org(admin=ada)
        Membership.objects.create(organization=org, user=bob)
        client = logged_in(ada)
        assert client.post(f"/orgs/lab-one/members/{bob.pk}/remove").status_code == 302
        assert not Membership.objects.filter(user=bob).exists()
        response = client.post(f"/orgs/lab-one/members/{ada.pk}/remove")
        assert response.status_code == 400
        assert "at least one admin" in body(response)
        assert Membership.objects.filter(user=ada, role="admin").exists()
        demoted = client.post(
            "/orgs/lab-one/members", {"member-username": "ada", "member-role": "member"}
        )
        assert demoted.status_code == 400
        assert Membership.objects.get(user=ada).role == "admin"

    def test_members_can_leave(self) -> None:
        ada, bob = make_user("ada"), make_user("bob")
        org = make_org(admin=ada)
        Membership.objects.create(organization=org, user=bob)
        assert logged_in(bob).post("/orgs/lab-one/leave").status_code == 302
        assert not Membership.objects.filter(user=bob).exists()
        assert logged_in(ada).post("/orgs/lab-one/leave").status_code == 403
        assert Membership.objects.filter(user=ada).exists()

    def test_get_changes_nothing(self) -> None:
        ada, bob = make_user("ada"), make_user("bob")
        org = make_org(admin=ada)
        Membership.objects.create(organization=org, user=bob)
        client = logged_in(ada)
        assert client.get(f"/orgs/lab-one/members/{bob.pk}/remove").status_code == 405
        assert client.get("/orgs/lab-one/members?member-username=x").status_code == 405
        assert logged_in(bob).get("/orgs/lab-one/leave").status_code == 405
        assert Membership.objects.count() == 2

    def test_csrf_is_required(self) -> None:
        ada, bob = make_user("ada"), make_user("bob")
        org = make_org(admin=ada)
        Membership.objects.create(organization=org, user=bob)
        response = logged_in(ada, csrf=True).post(f"/orgs/lab-one/members/{bob.pk}/remove")
        assert response.status_code == 403
        assert logged_in(bob, csrf=True).post("/orgs/lab-one/leave").status_code == 403
        assert Membership.objects.count() == 2


class TestLinkPaper:
    def link(self, user: User | None, slug: str, ref: str = "2604.00001") -> HttpResponseBase:
        client = logged_in(user) if user else Client()
        return client.post(f"/papers/{ref}/organization", {"org": slug})

    def org_of(self, ref: str = "2604.00001") -> str | None:
        org = Paper.objects.select_related("organization").get(arxiv_id=ref).organization
        return org.slug if org else None

    def test_routes_win_over_the_paper_page(self) -> None:
        assert resolve("/papers/2604.00001/organization").func is org_views.paper_organization
        old = resolve("/papers/hep-th/9901001/organization")
        assert old.func is org_views.paper_organization
        assert old.kwargs == {"ref": "hep-th/9901001"}

    def test_strangers_cannot_link(self) -> None:
        paper("2604.00001")
        make_org()
        response = self.link(make_user("eve"), "lab-one")
        assert response.status_code == 403
        assert "may not change" in body(response)
        assert self.org_of() is None

    def test_visitors_are_sent_to_log_in(self) -> None:
        paper("2604.00001")
        make_org()
        assert self.link(None, "lab-one")["Location"].startswith("/login")
        assert self.org_of() is None

    def test_submitter_links_to_their_organizations_and_unlinks(self) -> None:
        sam = make_user("sam")
        paper("2604.00001", submitted_at=utc(2026, 4, 7))
        Submission.objects.update(submitter=sam)
        org = make_org()
        assert self.link(sam, "lab-one").status_code == 403
        assert self.org_of() is None
        Membership.objects.create(organization=org, user=sam)
        assert self.link(sam, "lab-one")["Location"] == "/papers/2604.00001"
        assert self.org_of() == "lab-one"
        self.link(sam, "")
        assert self.org_of() is None

    def test_claimed_author_links(self) -> None:
        ada = make_user("ada")
        paper("2604.00001")
        entry = PaperAuthor.objects.get(paper__arxiv_id="2604.00001", position=0)
        AuthorClaim.objects.create(author=entry, user=ada, status="pending")
        Membership.objects.create(organization=make_org(), user=ada)
        assert self.link(ada, "lab-one").status_code == 403
        AuthorClaim.objects.update(status="confirmed")
        assert self.link(ada, "lab-one").status_code == 302
        assert self.org_of() == "lab-one"

    def test_org_admin_links_only_to_their_own_org(self) -> None:
        ada = make_user("ada")
        paper("2604.00001")
        make_org("Lab One", admin=ada, verified_email_domains="lab.example.org")
        make_org("Other Lab", admin=make_user("bob"))
        assert self.link(ada, "other-lab").status_code == 403
        assert self.org_of() is None
        assert self.link(ada, "lab-one").status_code == 302
        assert self.org_of() == "lab-one"
        assert self.link(ada, "").status_code == 302
        assert self.org_of() is None

    def test_org_admin_cannot_take_a_paper_from_another_org(self) -> None:
        ada = make_user("ada")
        paper("2604.00001")
        make_org("Lab One", admin=ada)
        other = make_org("Other Lab")
        Paper.objects.update(organization=other)
        assert self.link(ada, "lab-one").status_code == 403
        assert self.link(ada, "").status_code == 403
        assert self.org_of() == "other-lab"

    def test_plain_member_is_not_an_org_admin(self) -> None:
        bob = make_user("bob")
        paper("2604.00001")
        org = make_org("Lab One", admin=make_user("ada"))
        Membership.objects.create(organization=org, user=bob)
        assert self.link(bob, "lab-one").status_code == 403
        assert self.org_of() is None

    def test_staff_links_anything(self) -> None:
        paper("2604.00001")
        make_org("Lab One")
        assert self.link(make_user("mod", is_staff=True), "lab-one").status_code == 302
        assert self.org_of() == "lab-one"

    def test_unknown_org_keeps_what_was_typed(self) -> None:
        sam = make_user("sam")
        paper("2604.00001", submitted_at=utc(2026, 4, 7))
        Submission.objects.update(submitter=sam)
        response = self.link(sam, "no-such-<org>")
        assert response.status_code == 400
        assert 'value="no-such-&lt;org&gt;"' in body(response)

    def test_get_and_missing_csrf_change_nothing(self) -> None:
        sam = make_user("sam")
        paper("2604.00001", submitted_at=utc(2026, 4, 7))
        Submission.objects.update(submitter=sam)
        Membership.objects.create(organization=make_org(), user=sam)
        assert logged_in(sam).get("/papers/2604.00001/organization?org=lab-one").status_code == 405
        csrf_client = logged_in(sam, csrf=True)
        response = csrf_client.post("/papers/2604.00001/organization", {"org": "lab-one"})
        assert response.status_code == 403
        assert self.org_of() is None


class TestPaperPageAndCards:
    def test_org_line_and_card_link_to_the_org_page(self, client: Client) -> None:
        paper("2604.00001", submitted_at=utc(2026, 4, 7), organization="KlingTeam")
        paper_html = body(client.get("/papers/2604.00001"))
        assert '<a class="org" href="/orgs/klingteam">' in paper_html
        list_html = body(client.get("/papers/date/2026-04-07"))
        assert '<a class="org" href="/orgs/klingteam" title="KlingTeam">' in list_html

    def test_link_form_only_for_those_allowed(self) -> None:
        sam = make_user("sam")
        paper("2604.00001", submitted_at=utc(2026, 4, 7))
        Submission.objects.update(submitter=sam)
        form = 'action="/papers/2604.00001/organization"'
        assert form not in body(logged_in(sam).get("/papers/2604.00001"))
        admin = make_user("ada")
        org = make_org(admin=admin, verified_email_domains="lab.example.org")
        Membership.objects.create(organization=org, user=sam)
        assert form in body(logged_in(sam).get("/papers/2604.00001"))
        assert form not in body(logged_in(make_user("eve")).get("/papers/2604.00001"))
        assert form not in body(Client().get("/papers/2604.00001"))
        admin_html = body(logged_in(admin).get("/papers/2604.00001"))
        assert form in admin_html
        assert '<option value="lab-one">Lab One</option>' in admin_html
