"""Accounts: sign-up with email confirmation, login and lockout, password reset, profiles.

Mail goes through Django's SMTP backend to the real SMTP server of the digest tests.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.http.response import HttpResponseBase
from django.test import Client
from django.utils import timezone

from dailypapers.accounts import mailing, services
from dailypapers.accounts.models import LoginFailures, Profile
from dailypapers.config import Rate
from dailypapers.papers.models import Submission
from dailypapers.papers.services import toggle_upvote
from tests.factories import paper, utc
from tests.test_digest_sink import Sink, running_sink, use_sink

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def body(response: HttpResponseBase) -> str:
    return str(response.content, "utf-8")  # type: ignore[attr-defined]


@pytest.fixture
def mail(settings: Any) -> Iterator[Sink]:
    with running_sink() as sink:
        use_sink(settings, sink)
        settings.BASE_URL = "https://papers.example.org"
        yield sink


def member(username: str = "ada", email: str = "ada@example.org") -> User:
    return services.sign_up(username, email, PASSWORD)


def without_tokens(response: HttpResponseBase) -> str:
    """The page without its CSRF tokens, which differ from one answer to the next."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body(response))


def link_in(sink: Sink, address: str) -> str:
    (message,) = sink.to(address)
    text = message.get_content()
    found = re.search(r"https://papers\.example\.org(/\S+)", text)
    assert found, text
    return found.group(1)


def signup_form(**changes: str) -> dict[str, str]:
    return {
        "username": "ada",
        "email": "ada@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **changes,
    }


class TestSignUp:
    def test_sign_up_logs_in_hashes_with_argon2_and_mails_a_confirmation_link(
        self, client: Client, mail: Sink
    ) -> None:
        response = client.post("/signup", signup_form(email="Ada@Example.ORG"))
        assert response.status_code == 200
        assert "confirmation link" in body(response)
        user = User.objects.get(username="ada")
        assert user.email == "Ada@example.org"
        assert user.password.startswith("argon2")
        assert client.get("/users/ada").context["own"] is True
        (message,) = mail.to("Ada@example.org")
        assert "Confirm your email" in message["Subject"]

        link = link_in(mail, "Ada@example.org")
        assert link.startswith("/confirm-email/")
        # A mail scanner following the link confirms nothing.
        page = client.get(link)
        assert page.status_code == 200 and page["X-Robots-Tag"] == "noindex, nofollow"
        # "no-referrer" would make browsers send "Origin: null" with the button's POST.
        assert page["Referrer-Policy"] == "same-origin"
        assert not services.profile_of(user).email_confirmed
        response = client.post(link)
        assert response.status_code == 200 and "Email confirmed" in body(response)
        assert services.profile_of(user).email_confirmed

    def test_the_confirmation_link_works_without_being_logged_in(self, mail: Sink) -> None:
        user = member()
        services.send_confirmation(user)
        response = Client().post(link_in(mail, "ada@example.org"))
        assert response.status_code == 200
        assert services.profile_of(user).email_confirmed

    def test_a_tampered_or_outdated_link_confirms_nothing(self, client: Client, mail: Sink) -> None:
        user = member()
        services.send_confirmation(user)
        link = link_in(mail, "ada@example.org")
        assert client.post(link[:-2] + "xx").status_code == 400
        user.email = "new@example.org"
        user.save()
        assert client.post(link).status_code == 400
        assert not services.profile_of(user).email_confirmed

    def test_an_expired_link_confirms_nothing(self, client: Client, mail: Sink, settings) -> None:  # type: ignore[no-untyped-def]
        user = member()
        services.send_confirmation(user)
        settings.ACCOUNT_CONFIRM_DAYS = -1
        assert client.post(link_in(mail, "ada@example.org")).status_code == 400
        assert not services.profile_of(user).email_confirmed

    def test_errors_keep_what_was_typed_except_passwords(self, client: Client) -> None:
        response = client.post("/signup", signup_form(password2="something else entirely"))
        html = body(response)
        assert response.status_code == 400
        assert 'value="ada"' in html and 'value="ada@example.org"' in html
        assert PASSWORD not in html and "something else entirely" not in html
        assert not User.objects.exists()

    def test_usernames_are_taken_whatever_their_case(self, client: Client) -> None:
        member()
        for name in ("ADA", "Ada", "aDa"):
            response = client.post("/signup", signup_form(username=name, email="o@example.org"))
            assert response.status_code == 400 and "already exists" in body(response)
            assert f'value="{name}"' in body(response)
        services.sign_up("Émile", "emile@example.org", PASSWORD)
        # SQLite's own case folding knows only ASCII letters.
        response = client.post("/signup", signup_form(username="éMILE", email="e@example.org"))
        assert response.status_code == 400 and "already exists" in body(response)
        assert User.objects.count() == 2

    def test_the_database_refuses_a_second_name_in_another_case_or_a_shared_address(
        self,
    ) -> None:
        member()
        for username, email in (("ADA", "new@example.org"), ("bob", "ADA@example.org")):
            with pytest.raises(IntegrityError), transaction.atomic():
                User.objects.create(username=username, email=email)
        # Accounts without an address are many.
        User.objects.create(username="bob", email="")
        User.objects.create(username="cy", email="")

    def test_an_address_in_use_is_not_revealed_its_owner_is_told(
        self, client: Client, mail: Sink
    ) -> None:
        member()
        taken = client.post("/signup", signup_form(username="bob", email="ADA@example.org"))
        free_client = Client()
        free = free_client.post("/signup", signup_form(username="cy", email="cy@example.org"))
        assert taken.status_code == free.status_code == 200
        assert "We sent a confirmation link to <strong>ADA@example.org</strong>" in body(taken)
        assert without_tokens(taken).replace("bob", "cy").replace(
            "ADA@example.org", "cy@example.org"
        ) == without_tokens(free)
        # The owner of the address hears of it; the newcomer gets no link for it.
        (notice,) = mail.to("ADA@example.org")
        assert "Someone tried to use your address" in notice["Subject"]
        assert "/confirm-email/" not in notice.get_content()
        bob = User.objects.get(username="bob")
        assert bob.email == "" and services.profile_of(bob).pending_email == "ADA@example.org"
        assert User.objects.get(username="ada").email == "ada@example.org"
        # Bob's pages show the address as any unconfirmed one.
        assert "ADA@example.org</strong> (not confirmed)" in body(client.get("/settings"))
        assert "ADA@example.org is not confirmed yet" in body(client.get("/users/bob"))
        change = {"form": "email", "password": PASSWORD}
        for who, address in ((client, "ADA@example.org"), (free_client, "cy@example.org")):
            response = who.post("/settings", {**change, "email": address})
            assert response.status_code == 400 and "your address already" in body(response)
        # A password reset for the address goes to the account that has it.
        client.post("/password/reset", {"email": "ada@example.org"})
        assert mailing.wait()
        assert "Hello ada," in mail.to("ada@example.org")[-1].get_content()

    def test_a_mail_server_that_refuses_does_not_lose_the_account(
        self, client: Client, mail: Sink
    ) -> None:
        mail.refuse("ada@example.org", "550 5.1.1 no such user")
        response = client.post("/signup", signup_form())
        assert response.status_code == 200 and "could not send" in body(response)
        assert User.objects.filter(username="ada").exists()
        response = client.post("/confirm-email/resend")
        assert response.status_code == 200
        assert len(mail.to("ada@example.org")) == 1

    def test_sign_ups_are_limited_per_ip_and_per_address(self, client: Client, settings) -> None:  # type: ignore[no-untyped-def]
        settings.ACCOUNT_RATE_LIMITS = {
            **settings.ACCOUNT_RATE_LIMITS,
            "signup": Rate(per_account=2, per_ip=3, seconds=3600),
        }
        bad = {"password2": "nope"}
        codes = [
            client.post("/signup", signup_form(email=f"a{i}@example.org", **bad)).status_code
            for i in range(4)
        ]
        assert codes == [400, 400, 400, 429]
        other = Client(REMOTE_ADDR="198.51.100.7")
        third = Client(REMOTE_ADDR="198.51.100.8")
        assert other.post("/signup", signup_form(**bad)).status_code == 400
        assert other.post("/signup", signup_form(**bad)).status_code == 400
        response = third.post("/signup", signup_form(email="ADA@example.org"))
        assert response.status_code == 429
        assert 0 < int(response["Retry-After"]) <= 3600
        assert 'value="ada"' in body(response)
        assert not User.objects.exists()


class TestLogin:
    def test_log_in_goes_to_next_and_log_out_is_a_post(self, client: Client) -> None:
        member()
        response = client.post(
            "/login", {"username": "ada", "password": PASSWORD, "next": "/papers/trending"}
        )
        assert response.status_code == 302 and response["Location"] == "/papers/trending"
        assert "_auth_user_id" in client.session
        assert client.get("/logout").status_code == 405
        assert "_auth_user_id" in client.session
        response = client.post("/logout")
        assert response.status_code == 302
        assert "_auth_user_id" not in client.session

    def test_next_never_leaves_the_site(self, client: Client) -> None:
        member()
        response = client.post(
            "/login", {"username": "ada", "password": PASSWORD, "next": "https://evil.example"}
        )
        assert response["Location"] == "/papers"

    def test_a_wrong_password_keeps_the_username(self, client: Client) -> None:
        member()
        response = client.post("/login", {"username": "ada", "password": "wrong password"})
        html = body(response)
        assert response.status_code == 400
        assert 'value="ada"' in html and "wrong password" not in html
        assert "_auth_user_id" not in client.session

    def test_too_many_wrong_passwords_lock_the_account_for_that_client(
        self, client: Client, settings: Any
    ) -> None:
        settings.ACCOUNT_LOCKOUT_FAILURES = 3
        settings.ACCOUNT_LOCKOUT_SECONDS = 600
        member()
        for _ in range(3):
            assert client.post("/login", {"username": "ada", "password": "x"}).status_code == 400
        response = client.post("/login", {"username": "ada", "password": PASSWORD})
        assert response.status_code == 429
        assert 500 < int(response["Retry-After"]) <= 600
        assert "locked" in body(response)
        assert "_auth_user_id" not in client.session
        # Other accounts are not affected.
        member("bob", "bob@example.org")
        assert client.post("/login", {"username": "bob", "password": PASSWORD}).status_code == 302
        LoginFailures.objects.update(locked_until=timezone.now() - dt.timedelta(seconds=1))
        assert client.post("/login", {"username": "ada", "password": PASSWORD}).status_code == 302

    def test_a_success_clears_earlier_failures(self, client: Client, settings) -> None:  # type: ignore[no-untyped-def]
        settings.ACCOUNT_LOCKOUT_FAILURES = 3
        member()
        for _ in range(2):
            client.post("/login", {"username": "ada", "password": "x"})
        assert client.post("/login", {"username": "ada", "password": PASSWORD}).status_code == 302
        for _ in range(2):
            client.post("/login", {"username": "ada", "password": "x"})
        assert client.post("/login", {"username": "ada", "password": PASSWORD}).status_code == 302

    def test_logins_are_limited_per_ip_and_per_account(self, settings) -> None:  # type: ignore[no-untyped-def]
        settings.ACCOUNT_RATE_LIMITS = {
            **settings.ACCOUNT_RATE_LIMITS,
            "login": Rate(per_account=2, per_ip=3, seconds=900),
        }
        settings.ACCOUNT_LOCKOUT_FAILURES = 100
        member()
        one_ip = Client(REMOTE_ADDR="203.0.113.1")
        codes = [
            one_ip.post("/login", {"username": f"user{i}", "password": "x"}).status_code
            for i in range(4)
        ]
        assert codes == [400, 400, 400, 429]
        codes = [
            Client(REMOTE_ADDR=f"203.0.113.{10 + i}")
            .post("/login", {"username": "ada", "password": PASSWORD if i == 2 else "x"})
            .status_code
            for i in range(3)
        ]
        # Even the right password waits once the account's limit is reached.
        assert codes == [400, 400, 429]


class TestPasswordReset:
    def test_reset_by_email(self, client: Client, mail: Sink, settings) -> None:  # type: ignore[no-untyped-def]
        settings.ACCOUNT_LOCKOUT_FAILURES = 2
        member()
        for _ in range(2):
            client.post("/login", {"username": "ada", "password": "x"})
        response = client.post("/password/reset", {"email": "ada@example.org"})
        assert response.status_code == 302 and response["Location"] == "/password/reset/sent"
        assert mailing.wait()
        link = link_in(mail, "ada@example.org")
        assert link.startswith("/password/reset/")
        response = client.get(link, follow=True)
        assert response.status_code == 200 and "Choose a new password" in body(response)
        form_url = response.redirect_chain[-1][0]
        new = "a brand new passphrase"
        response = client.post(form_url, {"new_password1": new, "new_password2": new})
        assert response.status_code == 302 and response["Location"] == "/password/reset/done"
        # The reset also lifts the lockout the wrong passwords caused.
        assert client.post("/login", {"username": "ada", "password": new}).status_code == 302
        assert client.get(link, follow=True).context["validlink"] is False

    def test_an_unknown_address_looks_the_same_and_gets_nothing(
        self, client: Client, mail: Sink
    ) -> None:
        response = client.post("/password/reset", {"email": "nobody@example.org"})
        assert response.status_code == 302 and response["Location"] == "/password/reset/sent"
        assert mailing.wait()
        assert mail.messages == []

    def test_resets_are_limited_per_ip_and_per_address(self, client: Client, settings) -> None:  # type: ignore[no-untyped-def]
        settings.ACCOUNT_RATE_LIMITS = {
            **settings.ACCOUNT_RATE_LIMITS,
            "reset": Rate(per_account=2, per_ip=3, seconds=3600),
        }
        codes = [
            client.post("/password/reset", {"email": f"x{i}@example.org"}).status_code
            for i in range(4)
        ]
        assert codes == [302, 302, 302, 429]
        codes = [
            Client(REMOTE_ADDR=f"192.0.2.{i}")
            .post("/password/reset", {"email": "ada@example.org"})
            .status_code
            for i in range(3)
        ]
        assert codes == [302, 302, 429]
        response = Client(REMOTE_ADDR="192.0.2.99").post(
            "/password/reset", {"email": "ada@example.org"}
        )
        assert int(response["Retry-After"]) > 0
        assert 'value="ada@example.org"' in body(response)


class TestSafety:
    @pytest.mark.parametrize(
        ("path", "data"),
        [
            ("/signup", signup_form()),
            ("/login", {"username": "ada", "password": PASSWORD}),
            ("/logout", {}),
            ("/password/reset", {"email": "ada@example.org"}),
            ("/confirm-email/resend", {}),
        ],
    )
    def test_every_form_needs_the_csrf_token(self, path: str, data: dict[str, str]) -> None:
        member("bob", "bob@example.org")
        client = Client(enforce_csrf_checks=True)
        client.force_login(User.objects.get(username="bob"))
        assert client.post(path, data).status_code == 403
        assert User.objects.count() == 1

    def test_the_forms_carry_the_token(self) -> None:
        client = Client(enforce_csrf_checks=True)
        html = body(client.get("/login"))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token
        member()
        response = client.post(
            "/login",
            {"username": "ada", "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
        )
        assert response.status_code == 302


class TestProfile:
    def test_profile_lists_submissions_and_upvotes(self, client: Client) -> None:
        user = member()
        mine = paper("2604.00001", title="Submitted by Ada", submitted_at=utc(2026, 4, 7))
        Submission.objects.filter(paper=mine).update(submitter=user)
        liked = paper("2604.00002", title="Liked by Ada", submitted_at=utc(2026, 4, 7))
        paper("2604.00003", title="Someone else's", submitted_at=utc(2026, 4, 7))
        toggle_upvote(user.pk, liked.pk, True)
        html = body(client.get("/users/ada"))
        assert "Submitted by Ada" in html and "Liked by Ada" in html
        assert "Someone else" not in html

    def test_private_upvotes_are_shown_only_to_their_owner(self, client: Client) -> None:
        user = member()
        liked = paper("2604.00002", title="Liked by Ada", submitted_at=utc(2026, 4, 7))
        toggle_upvote(user.pk, liked.pk, True)
        Profile.objects.filter(user=user).update(upvotes_public=False)
        html = body(client.get("/users/ada"))
        assert "Liked by Ada" not in html and "keeps their upvotes private" in html
        client.force_login(user)
        assert "Liked by Ada" in body(client.get("/users/ada"))

    def test_unknown_user_is_not_found(self, client: Client) -> None:
        assert client.get("/users/nobody").status_code == 404

    def test_names_are_escaped(self, client: Client) -> None:
        services.sign_up("<b>x</b>", "x@example.org", PASSWORD)
        # Usernames cannot hold markup, but the page must not trust that.
        User.objects.filter(email="x@example.org").update(username="a<b>")
        html = body(client.get("/users/a%3Cb%3E"))
        assert "a<b>" not in html and "a&lt;b&gt;" in html

    def test_the_header_offers_the_right_links(self, client: Client) -> None:
        html = body(client.get("/papers/trending"))
        assert 'href="/login?next=/papers/trending"' in html and 'href="/signup"' in html
        client.force_login(member())
        html = body(client.get("/papers/trending"))
        assert 'href="/users/ada"' in html and 'action="/logout"' in html
        assert 'href="/signup"' not in html
