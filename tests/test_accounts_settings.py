"""The settings page, the fuller profile page, /<username> and the names it reserves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.http.response import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone

from dailypapers.accounts import reserved, services
from dailypapers.accounts.forms import SignUpForm
from dailypapers.accounts.models import Profile
from dailypapers.accounts.views import profile_alias
from dailypapers.community.markdown import render
from dailypapers.community.models import AuthorClaim, Comment
from dailypapers.community.services import collections
from dailypapers.config import Rate
from dailypapers.papers.models import PaperAuthor, Submission
from dailypapers.papers.services import toggle_upvote
from tests.factories import paper, utc
from tests.test_accounts import link_in
from tests.test_digest_sink import Sink, running_sink, use_sink

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def body(response: HttpResponseBase) -> str:
    return str(response.content, "utf-8")  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def quick_hashing(settings: Any) -> None:
    """Argon2 is tested with sign-up; here it would only spend seconds per account."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def mail(settings: Any) -> Iterator[Sink]:
    with running_sink() as sink:
        use_sink(settings, sink)
        settings.BASE_URL = "https://papers.example.org"
        yield sink


def member(username: str = "ada", email: str = "") -> User:
    return services.sign_up(username, email or f"{username}@example.org", PASSWORD)


@pytest.fixture
def ada() -> User:
    return member()


@pytest.fixture
def client_of_ada(ada: User) -> Client:
    client = Client()
    client.force_login(ada)
    return client


def profile_form(**changes: str) -> dict[str, str]:
    return {"form": "profile", "display_name": "Ada L.", "bio": "Counts.", **changes}


class TestSettingsPage:
    def test_needs_a_login(self) -> None:
        response = Client().get("/settings")
        assert response.status_code == 302 and response["Location"] == "/login?next=/settings"

    def test_the_header_links_to_it(self, client_of_ada: Client) -> None:
        assert 'href="/settings"' in body(client_of_ada.get("/papers/trending"))
        assert 'href="/settings"' not in body(Client().get("/papers/trending"))

    def test_profile_fields_are_saved_and_shown_escaped(
        self, client_of_ada: Client, ada: User
    ) -> None:
        bio = "I <script>alert(1)</script> count.\r\n\r\n\r\n\r\nSecond   paragraph."
        response = client_of_ada.post(
            "/settings", profile_form(display_name="Ada <b>L</b>", bio=bio)
        )
        assert response.status_code == 302 and response["Location"] == "/settings?saved=profile"
        profile = Profile.objects.get(user=ada)
        assert profile.display_name == "Ada <b>L</b>"
        assert profile.bio == "I <script>alert(1)</script> count.\n\nSecond paragraph."
        assert profile.upvotes_public is False  # the box was not ticked
        html = body(Client().get("/users/ada"))
        assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "Ada &lt;b&gt;L&lt;/b&gt;" in html and "<b>L</b>" not in html
        assert "Second paragraph." in html
        assert "Your profile is saved" in body(client_of_ada.get("/settings?saved=profile"))

    def test_get_changes_nothing(self, client_of_ada: Client, ada: User) -> None:
        response = client_of_ada.get("/settings", profile_form(display_name="Sneaky"))
        assert response.status_code == 200
        assert Profile.objects.get(user=ada).display_name == ""

    def test_profile_errors_keep_what_was_typed(self, client_of_ada: Client, ada: User) -> None:
        response = client_of_ada.post(
            "/settings",
            profile_form(display_name="x" * 151, bio="My typed bio", upvotes_public="on"),
        )
        assert response.status_code == 400
        html = body(response)
        assert 'value="' + "x" * 151 + '"' in html and "My typed bio" in html
        assert Profile.objects.get(user=ada).display_name == ""

    def test_an_unknown_form_is_refused(self, client_of_ada: Client) -> None:
        assert client_of_ada.post("/settings", {"form": "nope"}).status_code == 400

    def test_every_form_needs_the_csrf_token(self, ada: User) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(ada)
        for data in (
            profile_form(),
            {"form": "email", "email": "new@example.org", "password": PASSWORD},
            {
                "form": "password",
                "old_password": PASSWORD,
                "new_password1": "another fine passphrase",
                "new_password2": "another fine passphrase",
            },
        ):
            assert client.post("/settings", data).status_code == 403
        ada.refresh_from_db()
        assert ada.email == "ada@example.org" and ada.check_password(PASSWORD)
        assert Profile.objects.get(user=ada).display_name == ""

    def test_saves_are_rate_limited(self, client_of_ada: Client, settings: Any) -> None:
        settings.ACCOUNT_RATE_LIMITS = {
            **settings.ACCOUNT_RATE_LIMITS,
            "settings": Rate(per_account=2, per_ip=100, seconds=3600),
        }
        codes = [client_of_ada.post("/settings", profile_form()).status_code for _ in range(2)]
        assert codes == [302, 302]
        response = client_of_ada.post("/settings", profile_form(bio="Typed while limited"))
        assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 3600
        assert "Typed while limited" in body(response)
        assert Profile.objects.get(user__username="ada").bio == "Counts."


class TestEmailChange:
    def test_a_new_address_replaces_the_old_one_when_its_link_is_followed(
        self, client_of_ada: Client, ada: User, mail: Sink
    ) -> None:
        services.send_confirmation(ada)
        client_of_ada.post(link_in(mail, "ada@example.org"))
        assert services.profile_of(ada).email_confirmed
        response = client_of_ada.post(
            "/settings", {"form": "email", "email": "Ada@New.Example.ORG", "password": PASSWORD}
        )
        assert response.status_code == 302 and response["Location"] == "/settings?saved=email"
        # Until the link is followed the old address stays, confirmed.
        ada.refresh_from_db()
        assert ada.email == "ada@example.org"
        profile = services.profile_of(ada)
        assert profile.email_confirmed and profile.pending_email == "Ada@new.example.org"
        html = body(client_of_ada.get("/settings?saved=email"))
        assert "Waiting for confirmation: <strong>Ada@new.example.org</strong>" in html
        assert "We sent a confirmation link to Ada@new.example.org" in html
        link = link_in(mail, "Ada@new.example.org")
        assert "Ada@new.example.org" in body(client_of_ada.get(link))
        assert client_of_ada.post(link).status_code == 200
        ada.refresh_from_db()
        profile = services.profile_of(ada)
        assert ada.email == "Ada@new.example.org" and profile.pending_email == ""
        assert profile.email_confirmed
        # The link for the old address no longer confirms anything.
        assert client_of_ada.post(link_in(mail, "ada@example.org")).status_code == 400

    def test_errors_keep_the_address_but_not_the_password(
        self, client_of_ada: Client, ada: User, mail: Sink
    ) -> None:
        response = client_of_ada.post(
            "/settings", {"form": "email", "email": "new@example.org", "password": "wrong guess"}
        )
        html = body(response)
        assert response.status_code == 400 and "password is not right" in html
        assert 'value="new@example.org"' in html and "wrong guess" not in html
        ada.refresh_from_db()
        assert ada.email == "ada@example.org"
        assert mail.messages == []

    def test_an_address_in_use_is_not_revealed_and_cannot_be_taken(
        self, client_of_ada: Client, ada: User, mail: Sink
    ) -> None:
        member("bob", "bob@example.org")
        taken = client_of_ada.post(
            "/settings", {"form": "email", "email": "BOB@example.org", "password": PASSWORD}
        )
        free = client_of_ada.post(
            "/settings", {"form": "email", "email": "free@example.org", "password": PASSWORD}
        )
        assert taken.status_code == free.status_code == 302
        assert taken["Location"] == free["Location"] == "/settings?saved=email"
        (notice,) = mail.to("BOB@example.org")
        assert "/confirm-email/" not in notice.get_content()
        ada.refresh_from_db()
        assert ada.email == "ada@example.org"

    def test_an_address_taken_after_its_link_was_sent_is_not_shared(
        self, client_of_ada: Client, ada: User, mail: Sink
    ) -> None:
        client_of_ada.post(
            "/settings", {"form": "email", "email": "new@example.org", "password": PASSWORD}
        )
        link = link_in(mail, "new@example.org")
        member("bob", "new@example.org")
        response = client_of_ada.post(link)
        assert response.status_code == 400 and "has an account already" in body(response)
        ada.refresh_from_db()
        assert ada.email == "ada@example.org"
        assert User.objects.filter(email="new@example.org").count() == 1


class TestPasswordChange:
    def test_the_password_changes_and_the_session_stays(
        self, client_of_ada: Client, ada: User
    ) -> None:
        other_session = Client()
        other_session.force_login(ada)
        new = "another fine passphrase"
        response = client_of_ada.post(
            "/settings",
            {
                "form": "password",
                "old_password": PASSWORD,
                "new_password1": new,
                "new_password2": new,
            },
        )
        assert response.status_code == 302 and response["Location"] == "/settings?saved=password"
        ada.refresh_from_db()
        assert ada.check_password(new) and not ada.check_password(PASSWORD)
        assert client_of_ada.get("/settings").status_code == 200
        # Other sessions of the account end with the old password.
        assert other_session.get("/settings").status_code == 302
        fresh = Client()
        assert fresh.post("/login", {"username": "ada", "password": new}).status_code == 302

    def test_a_wrong_old_password_echoes_no_password(
        self, client_of_ada: Client, ada: User
    ) -> None:
        response = client_of_ada.post(
            "/settings",
            {
                "form": "password",
                "old_password": "not my password",
                "new_password1": "another fine passphrase",
                "new_password2": "another fine passphrase",
            },
        )
        html = body(response)
        assert response.status_code == 400
        assert "not my password" not in html and "another fine passphrase" not in html
        ada.refresh_from_db()
        assert ada.check_password(PASSWORD)


def comment(user: User, target: Any, text: str, **fields: Any) -> Comment:
    return Comment.objects.create(
        paper=target, author=user, body=text, body_html=render(text), **fields
    )


def claim(user: User, target: Any, status: str) -> AuthorClaim:
    author = PaperAuthor.objects.filter(paper=target).order_by("position").first()
    assert author is not None
    return AuthorClaim.objects.create(author=author, user=user, status=status)


class TestProfilePage:
    def test_the_sections(self, ada: User) -> None:
        Profile.objects.filter(user=ada).update(display_name="Countess", bio="Engines.")
        talked = paper("2604.00001", title="Talked about")
        comment(ada, talked, "A fine <em>point</em>")
        comment(ada, paper("2604.00002", title="Deleted talk"), "gone", deleted_at=timezone.now())
        comment(ada, paper("2604.00003", title="Removed talk"), "gone", removed_at=timezone.now())
        claim(ada, paper("2604.00004", title="Written by Ada"), AuthorClaim.Status.CONFIRMED)
        claim(ada, paper("2604.00005", title="Only claimed"), AuthorClaim.Status.PENDING)
        claim(ada, paper("2604.00006", title="Turned down"), AuthorClaim.Status.REJECTED)
        collections.create(ada.pk, "Public shelf")
        collections.create(ada.pk, "Hidden shelf", is_public=False)
        html = body(Client().get("/users/ada"))
        assert "Countess" in html and "Engines." in html
        assert "Talked about" in html and "A fine &lt;em&gt;point&lt;/em&gt;" in html
        assert "Deleted talk" not in html and "Removed talk" not in html
        assert "Written by Ada" in html
        assert "Only claimed" not in html and "Turned down" not in html
        assert "Public shelf" in html and "Hidden shelf" not in html
        own = Client()
        own.force_login(ada)
        html = body(own.get("/users/ada"))
        assert "Hidden shelf" in html and 'href="/settings"' in html

    def test_private_upvotes_are_hidden_from_others(self, ada: User) -> None:
        liked = paper("2604.00002", title="Liked by Ada")
        toggle_upvote(ada.pk, liked.pk, True)
        client = Client()
        client.force_login(ada)
        client.post("/settings", profile_form())  # the box unticked: private
        assert "Liked by Ada" not in body(Client().get("/users/ada"))
        assert "keeps their upvotes private" in body(Client().get("/users/ada"))
        assert "Liked by Ada" in body(client.get("/users/ada"))
        client.post("/settings", profile_form(upvotes_public="on"))
        assert "Liked by Ada" in body(Client().get("/users/ada"))

    def test_a_fixed_number_of_queries(self, ada: User) -> None:
        def count(client: Client) -> int:
            with CaptureQueriesContext(connection) as captured:
                assert client.get("/users/ada").status_code == 200
            return len(captured)

        own = Client()
        own.force_login(ada)
        first = paper("2604.00001", submitted_at=utc(2026, 4, 7))
        Submission.objects.filter(paper=first).update(submitter=ada)
        comment(ada, first, "one")
        claim(ada, first, AuthorClaim.Status.CONFIRMED)
        collections.create(ada.pk, "One")
        toggle_upvote(ada.pk, first.pk, True)
        few = (count(Client()), count(own))
        for n in range(2, 12):
            more = paper(f"2604.{n:05d}", submitted_at=utc(2026, 4, 7) + dt.timedelta(hours=n))
            Submission.objects.filter(paper=more).update(submitter=ada)
            comment(ada, more, f"comment {n}")
            claim(ada, more, AuthorClaim.Status.CONFIRMED)
            collections.add_paper(collections.create(ada.pk, f"Shelf {n}"), more)
            toggle_upvote(ada.pk, more.pk, True)
        assert (count(Client()), count(own)) == few


class TestAlias:
    def test_redirects_to_the_profile_of_a_user(self, ada: User) -> None:
        response = Client().get("/ada")
        assert response.status_code == 302 and response["Location"] == "/users/ada"
        assert Client().get("/nobody").status_code == 404
        # Only a look-up: other methods find nothing here, as before.
        assert Client().post("/ada").status_code == 404
        ada.is_active = False
        ada.save()
        assert Client().get("/ada").status_code == 404

    def test_pages_are_not_shadowed(self, ada: User) -> None:
        for path in ("/papers", "/search", "/login", "/signup", "/settings", "/healthz", "/digest"):
            assert resolve(path).func is not profile_alias, path
        assert Client().get("/papers").status_code == 200
        # /admin still gets its trailing slash, even with a user of that name.
        User.objects.create_user("admin", "root@example.org", PASSWORD)
        response = Client().get("/admin?x=1")
        assert response.status_code == 301 and response["Location"] == "/admin/?x=1"
        for segment in reserved.names():
            if resolve(f"/{segment}").func is profile_alias:
                # A prefix without a page of its own (/api, /users): still nothing there.
                assert Client().get(f"/{segment}").status_code in (301, 404), segment

    def test_page_names_are_reserved_at_sign_up(self, client: Client) -> None:
        urls = reserved.names()
        for name in ("papers", "search", "login", "signup", "settings", "admin", "api", "healthz"):
            assert name in urls
        for name in sorted(urls | {"Papers", "SETTINGS"}):
            form = SignUpForm(
                {
                    "username": name,
                    "email": "x@example.org",
                    "password1": PASSWORD,
                    "password2": PASSWORD,
                }
            )
            assert not form.is_valid(), name
            assert "reserved" in str(form.errors["username"]), name
        response = client.post(
            "/signup",
            {
                "username": "search",
                "email": "s@example.org",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
        assert response.status_code == 400 and "reserved" in body(response)
        assert not User.objects.exists()
        assert SignUpForm(
            {
                "username": "papers2",
                "email": "p@example.org",
                "password1": PASSWORD,
                "password2": PASSWORD,
            }
        ).is_valid()
