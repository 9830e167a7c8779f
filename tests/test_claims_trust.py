"""What an author claim and a paper's organization link may rest on.

The attack these tests reproduce: a new account confirms its own address at a free
mail domain, creates an organization listing that domain, links a paper without an
organization to it, claims an author entry and is confirmed at once, then moves the
paper to someone else's organization. Typed domains are no evidence, new accounts
wait, and a paper's link changes only by members of the organizations involved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http.response import HttpResponseBase
from django.test import Client
from django.utils import timezone

from dailypapers.accounts.models import Profile
from dailypapers.community.models import (
    AuthorClaim,
    Membership,
    ModerationAction,
)
from dailypapers.community.services import claims, orgs
from dailypapers.papers.models import Organization, Paper, PaperAuthor
from tests.factories import paper

pytestmark = pytest.mark.django_db

OLD = dt.timedelta(days=30)


def body(response: HttpResponseBase) -> str:
    return str(response.content, "utf-8")  # type: ignore[attr-defined]


def make_user(username: str, *, email: str = "", age: dt.timedelta = OLD, **fields: Any) -> User:
    """A user whose address is confirmed, signed up ``age`` ago."""
    email = email or f"{username}@example.org"
    user = User.objects.create_user(
        username=username, email=email, date_joined=timezone.now() - age, **fields
    )
    Profile.objects.create(user=user, confirmed_email=email, email_confirmed_at=timezone.now())
    return user


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def org_of(arxiv_id: str = "2604.00001") -> str | None:
    org = Paper.objects.select_related("organization").get(arxiv_id=arxiv_id).organization
    return org.slug if org else None


def new_org(client: Client, name: str, domains: str = "") -> HttpResponseBase:
    return client.post(
        "/orgs/new", {"name": name, "description": "", "avatar_url": "", "email_domains": domains}
    )


def link(client: Client, slug: str, arxiv_id: str = "2604.00001") -> HttpResponseBase:
    return client.post(f"/papers/{arxiv_id}/organization", {"org": slug})


def claim(client: Client, arxiv_id: str = "2604.00001", position: int = 0) -> HttpResponseBase:
    return client.post(f"/papers/{arxiv_id}/authors/{position}/claim")


@pytest.fixture
def victim_org() -> Organization:
    owner = make_user("owner", email="owner@victim.example")
    org = Organization.objects.create(slug="victim-lab", name="Victim Lab")
    Membership.objects.create(organization=org, user=owner, role=Membership.Role.ADMIN)
    return org


class TestTheReportedAttack:
    def test_a_five_minute_old_account_gets_nothing(self, victim_org: Organization) -> None:
        paper("2604.00001", authors=("Famous Author", "Someone Else"))
        eve = make_user("eve", email="eve@freemail.test", age=dt.timedelta(minutes=5))
        client = logged_in(eve)

        created = new_org(client, "Eve Lab", "freemail.test")
        linked = link(client, "eve-lab")
        claimed = claim(client)
        moved = link(client, "victim-lab")

        assert not AuthorClaim.objects.filter(user=eve, status="confirmed").exists()
        assert org_of() is None
        assert created.status_code == 403
        assert "hours after signing up" in body(created)
        assert not Organization.objects.filter(created_by=eve).exists()
        assert linked.status_code in (400, 403)
        assert claimed.status_code == 403
        assert "hours after signing up" in body(claimed)
        assert not AuthorClaim.objects.filter(user=eve).exists()
        assert moved.status_code == 403

    def test_an_old_account_gets_no_confirmation_from_a_domain_it_typed(
        self, victim_org: Organization
    ) -> None:
        paper("2604.00001", authors=("Famous Author", "Someone Else"))
        eve = make_user("eve", email="eve@freemail.test")
        client = logged_in(eve)

        assert new_org(client, "Eve Lab", "freemail.test").status_code == 302
        # The admin of an organization nobody has verified links only her own papers.
        assert link(client, "eve-lab").status_code == 403
        assert org_of() is None
        # Even on a paper that is rightly the organization's, a typed domain is no proof.
        Paper.objects.update(organization=Organization.objects.get(slug="eve-lab"))
        response = claim(client)

        made = AuthorClaim.objects.get(user=eve)
        assert (made.status, made.how) == ("pending", "")
        assert "awaits a moderator" in body(response)
        # Not a member of the victim's organization: the paper stays where it is.
        assert link(client, "victim-lab").status_code == 403
        assert org_of() == "eve-lab"

    def test_a_confirmed_author_cannot_move_a_paper_between_others_organizations(
        self, victim_org: Organization
    ) -> None:
        paper("2604.00001", authors=("Eve Author", "Someone Else"))
        Organization.objects.create(slug="third-lab", name="Third Lab")
        eve = make_user("eve")
        author = PaperAuthor.objects.get(paper__arxiv_id="2604.00001", position=0)
        AuthorClaim.objects.create(author=author, user=eve, status="confirmed", how="moderator")
        client = logged_in(eve)

        # Onto an organization she is not a member of: refused.
        assert link(client, "victim-lab").status_code == 403
        assert org_of() is None
        # Off an organization she is not a member of: refused, both moving and unlinking.
        Paper.objects.update(organization=victim_org)
        assert link(client, "third-lab").status_code == 403
        assert link(client, "").status_code == 403
        assert org_of() == "victim-lab"


class TestNewAccountsWait:
    """The waiting rule of submissions, one implementation, for claims and organizations."""

    def test_claims_organizations_and_links_wait_like_submissions(self, settings: Any) -> None:
        settings.SUBMIT_MIN_ACCOUNT_HOURS = 24
        paper("2604.00001", abstract="Contact: new@example.org")
        new = make_user("new", age=dt.timedelta(hours=23))
        client = logged_in(new)
        refused = [new_org(client, "New Lab"), claim(client)]
        assert [r.status_code for r in refused] == [403, 403]
        assert "New accounts can create organizations 24 hours after signing up" in body(refused[0])
        assert "New accounts can claim author entries 24 hours after signing up" in body(refused[1])
        assert not Organization.objects.exists() and not AuthorClaim.objects.exists()
        # An organization's admin who is new links nothing either.
        org = Organization.objects.create(
            slug="lab", name="Lab", verified_email_domains="example.org"
        )
        Membership.objects.create(organization=org, user=new, role=Membership.Role.ADMIN)
        response = link(client, "lab")
        assert response.status_code == 403
        assert "New accounts can link papers to organizations" in body(response)
        assert org_of() is None

        # The same setting, so the same rule: shorten the wait and all three work.
        settings.SUBMIT_MIN_ACCOUNT_HOURS = 12
        assert new_org(client, "New Lab").status_code == 302
        assert link(client, "lab").status_code == 302
        assert AuthorClaim.objects.filter(user=new).count() == 0
        assert claim(client).status_code == 200
        assert AuthorClaim.objects.get(user=new).status == "confirmed"

    def test_a_confirmed_claim_ends_the_wait_as_for_submissions(self) -> None:
        paper("2604.00001")
        paper("2604.00002")
        new = make_user("new", age=dt.timedelta(minutes=5))
        author = PaperAuthor.objects.get(paper__arxiv_id="2604.00001", position=0)
        AuthorClaim.objects.create(author=author, user=new, status="confirmed", how="moderator")
        assert claim(logged_in(new), "2604.00002").status_code == 200
        assert AuthorClaim.objects.get(user=new, author__paper__arxiv_id="2604.00002")

    def test_staff_do_not_wait(self) -> None:
        paper("2604.00001")
        mod = make_user("mod", age=dt.timedelta(minutes=1), is_staff=True)
        client = logged_in(mod)
        assert new_org(client, "Staff Lab").status_code == 302
        assert link(client, "staff-lab").status_code == 302
        assert claim(client).status_code == 200

    def test_the_submit_rule_is_the_same_function(self) -> None:
        from dailypapers.ingest import submitting

        new = make_user("new", age=dt.timedelta(minutes=5))
        assert submitting.account_refusal(new, timezone.now()) == (
            "New accounts can submit papers 24 hours after signing up, "
            "or as soon as one of their author claims is confirmed."
        )


class TestVerifiedDomains:
    def setup_lab(self, requested: str = "lab.example.org") -> Organization:
        paper("2604.00001", organization="Lab")
        org = Organization.objects.get()
        Organization.objects.update(requested_email_domains=requested)
        org.refresh_from_db()
        return org

    def test_requested_domains_confirm_nothing_until_staff_verify_them(self) -> None:
        org = self.setup_lab()
        ada = make_user("ada", email="ada@lab.example.org")
        client = logged_in(ada)
        claim(client)
        assert AuthorClaim.objects.get(user=ada).status == "pending"
        assert orgs.verify_domains(make_user("mod", is_staff=True), org) == ["lab.example.org"]
        claim(client)  # claiming again looks at the evidence again
        made = AuthorClaim.objects.get(user=ada)
        assert (made.status, made.how) == ("confirmed", claims.BY_ORG_DOMAIN)

    def test_verifying_is_logged_and_withdrawing_too(self) -> None:
        org = self.setup_lab("lab.example.org example.org")
        mod = make_user("mod", is_staff=True)
        assert orgs.verify_domains(mod, org, reason="checked the website") == [
            "lab.example.org",
            "example.org",
        ]
        assert orgs.verify_domains(mod, org) == []  # nothing new, nothing logged
        assert orgs.unverify_domains(mod, org) == ["lab.example.org", "example.org"]
        assert orgs.unverify_domains(mod, org) == []
        log = list(
            ModerationAction.objects.order_by("id").values_list("kind", "moderator", "reason")
        )
        assert log == [
            ("verify-domains", mod.pk, "lab.example.org example.org: checked the website"),
            ("unverify-domains", mod.pk, "lab.example.org example.org"),
        ]
        org.refresh_from_db()
        assert (org.requested_email_domains, org.verified_email_domains) == (
            "lab.example.org example.org",
            "",
        )

    def test_admins_cannot_verify_through_the_edit_form_but_can_narrow(self) -> None:
        org = self.setup_lab("lab.example.org example.org")
        admin = make_user("ada")
        Membership.objects.create(organization=org, user=admin, role=Membership.Role.ADMIN)
        orgs.verify_domains(None, org, ["lab.example.org"])
        form = {
            "name": "Lab",
            "description": "",
            "avatar_url": "",
            "email_domains": "example.org freemail.test",
            "verified_email_domains": "freemail.test example.org",
        }
        assert logged_in(admin).post("/orgs/lab/edit", form).status_code == 302
        org.refresh_from_db()
        assert org.requested_email_domains == "example.org freemail.test"
        # lab.example.org is no longer asked for, so it no longer counts; nothing new does.
        assert org.verified_email_domains == ""
        html = body(logged_in(admin).get("/orgs/lab/edit"))
        assert "Awaiting verification: example.org freemail.test." in html

    def test_an_edit_from_an_older_copy_does_not_bring_a_withdrawn_domain_back(self) -> None:
        org = self.setup_lab()
        orgs.verify_domains(None, org)
        stale = Organization.objects.get()
        assert stale.verified_email_domains == "lab.example.org"
        orgs.unverify_domains(None, Organization.objects.get())
        fields = {"name": "Lab", "description": "", "avatar_url": ""}
        orgs.update_org(stale, email_domains="lab.example.org", **fields)
        assert Organization.objects.get().verified_email_domains == ""

    def test_the_admin_verifies_through_a_logged_action_only(self) -> None:
        org = self.setup_lab()
        root = make_user("root", is_staff=True, is_superuser=True)
        client = logged_in(root)
        changelist = "/admin/papers/organization/"
        assert "requested" in body(client.get(changelist + "?domains=requested"))
        # The field is read-only in the change form: posting it changes nothing.
        page = body(client.get(f"{changelist}{org.pk}/change/"))
        assert 'name="verified_email_domains"' not in page
        response = client.post(
            changelist, {"action": "verify_domains", "_selected_action": [str(org.pk)]}
        )
        assert response.status_code == 302
        org.refresh_from_db()
        assert org.verified_email_domains == "lab.example.org"
        assert ModerationAction.objects.get().kind == "verify-domains"

    def test_the_command_line_verifies_and_withdraws(self, capsys: Any) -> None:
        self.setup_lab()
        make_user("mod", is_staff=True)
        call_command("moderate", "verify-domains", "lab", "--as", "mod", "--reason", "ok")
        assert Organization.objects.get().verified_email_domains == "lab.example.org"
        with pytest.raises(SystemExit) as unchanged:
            call_command("moderate", "verify-domains", "lab")
        assert unchanged.value.code == 1
        call_command("moderate", "unverify-domains", "lab")
        assert Organization.objects.get().verified_email_domains == ""
        with pytest.raises(SystemExit) as missing:
            call_command("moderate", "verify-domains", "no-such-org")
        assert missing.value.code == 3
        kinds = list(ModerationAction.objects.order_by("id").values_list("kind", flat=True))
        assert kinds == ["verify-domains", "unverify-domains"]


class TestLinkRules:
    def test_members_link_their_own_papers_and_every_change_is_logged(self) -> None:
        paper("2604.00001", authors=("Bob Author",))
        bob = make_user("bob")
        lab = Organization.objects.create(slug="lab", name="Lab")
        other = Organization.objects.create(slug="other", name="Other")
        for org in (lab, other):
            Membership.objects.create(organization=org, user=bob)
        client = logged_in(bob)
        assert link(client, "lab").status_code == 403  # not his paper
        author = PaperAuthor.objects.get(paper__arxiv_id="2604.00001")
        AuthorClaim.objects.create(author=author, user=bob, status="confirmed", how="moderator")
        assert link(client, "lab").status_code == 302
        assert link(client, "lab").status_code == 302  # no change, nothing logged
        assert link(client, "other").status_code == 302
        assert link(client, "").status_code == 302
        assert org_of() is None
        log = list(
            ModerationAction.objects.order_by("id").values_list(
                "kind", "moderator", "target_type", "reason"
            )
        )
        assert log == [
            ("link-paper", bob.pk, "papers.paper", "from (none) to lab"),
            ("link-paper", bob.pk, "papers.paper", "from lab to other"),
            ("unlink-paper", bob.pk, "papers.paper", "from other to (none)"),
        ]
        assert "from lab to other" in body(
            logged_in(make_user("mod", is_staff=True)).get("/moderation/log")
        )

    def test_an_admin_cannot_take_a_paper_off_an_organization_that_is_not_theirs(
        self, victim_org: Organization
    ) -> None:
        paper("2604.00001")
        Paper.objects.update(organization=victim_org)
        eve = make_user("eve")
        Organization.objects.create(slug="eve-lab", name="Eve Lab")
        Membership.objects.create(
            organization=Organization.objects.get(slug="eve-lab"),
            user=eve,
            role=Membership.Role.ADMIN,
        )
        response = link(logged_in(eve), "eve-lab")
        assert response.status_code == 403
        assert "not a member of" in body(response)
        assert org_of() == "victim-lab"
        assert not ModerationAction.objects.exists()

    def test_a_change_made_meanwhile_is_not_overwritten(self, victim_org: Organization) -> None:
        paper("2604.00001")
        mod = make_user("mod", is_staff=True)
        third = Organization.objects.create(slug="third-lab", name="Third Lab")
        stale = Paper.objects.get()
        Paper.objects.update(organization=victim_org)
        with pytest.raises(orgs.OrgError, match="changed meanwhile"):
            orgs.link_paper(mod, stale, third)
        assert org_of() == "victim-lab"
        assert not ModerationAction.objects.exists()

    def test_the_paper_page_offers_the_form_only_for_organizations_one_manages(
        self, victim_org: Organization
    ) -> None:
        paper("2604.00001", authors=("Eve Author",))
        eve = make_user("eve")
        author = PaperAuthor.objects.get(paper__arxiv_id="2604.00001")
        AuthorClaim.objects.create(author=author, user=eve, status="confirmed", how="moderator")
        form = 'action="/papers/2604.00001/organization"'
        assert form not in body(logged_in(eve).get("/papers/2604.00001"))
        Membership.objects.create(organization=victim_org, user=eve)
        html = body(logged_in(eve).get("/papers/2604.00001"))
        assert form in html and '<option value="victim-lab">' in html


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_typed_domains_into_requests_and_their_claims_into_reviews() -> None:
    before = [("community", "0002_community")]
    after = [("community", "0003_org_domains_verified_by_staff")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        paper("2604.00001", authors=("Eve Author", "Ada Author", "Bob Author"))
        eve, ada, bob = (make_user(n) for n in ("eve", "ada", "bob"))
        org = old.get_model("community", "Organization").objects.create(
            slug="eve-lab", name="Eve Lab", email_domains="freemail.test"
        )
        Claim = old.get_model("community", "AuthorClaim")
        entries = list(PaperAuthor.objects.order_by("position").values_list("pk", flat=True))
        now = timezone.now()
        for user, entry, how in (
            (eve, entries[0], "org-email-domain"),
            (ada, entries[1], "moderator"),
        ):
            Claim.objects.create(
                author_id=entry, user_id=user.pk, status="confirmed", how=how, decided_at=now
            )
        Claim.objects.create(author_id=entries[2], user_id=bob.pk)

        executor = MigrationExecutor(connection)
        executor.migrate(after)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    migrated = Organization.objects.get(pk=org.pk)
    assert (migrated.requested_email_domains, migrated.verified_email_domains) == (
        "freemail.test",
        "",
    )
    states = dict(AuthorClaim.objects.values_list("user__username", "status"))
    assert states == {"eve": "pending", "ada": "confirmed", "bob": "pending"}
    assert AuthorClaim.objects.get(user=eve).decided_at is None


def test_admins_of_an_unverified_organization_link_only_their_own_papers() -> None:
    paper("2604.00001", authors=("Eve Author",))
    paper("2604.00002", authors=("Someone Famous",))
    eve = make_user("eve")
    client = logged_in(eve)
    assert new_org(client, "Famous AI Lab").status_code == 302
    # Not her paper: an organization nobody verified cannot collect other people's papers.
    assert link(client, "famous-ai-lab", "2604.00002").status_code == 403
    author = PaperAuthor.objects.get(paper__arxiv_id="2604.00001")
    AuthorClaim.objects.create(author=author, user=eve, status="confirmed", how="moderator")
    assert link(client, "famous-ai-lab", "2604.00001").status_code == 302
    # Once staff verified the organization, its admins link papers that have none.
    orgs.verify_domains(None, Organization.objects.get(), ["famous.example"])
    assert link(client, "famous-ai-lab", "2604.00002").status_code == 302
    assert org_of("2604.00002") == "famous-ai-lab"
