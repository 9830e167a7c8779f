"""The login lockout as neither a weapon nor an oracle, the sign-in link past it, the
admin's login behind the same protection, and a password reset that answers alike
for known and unknown addresses.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.models import User
from django.http.response import HttpResponseBase
from django.test import Client

from dailypapers.accounts import mailing, services
from dailypapers.accounts.models import LoginFailures
from dailypapers.config import Rate
from tests.test_accounts import link_in, without_tokens
from tests.test_digest_sink import Sink, running_sink, use_sink

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


class CountingHasher(MD5PasswordHasher):
    """MD5 (quick), counting how often a password is hashed or checked."""

    algorithm = "counted_md5"
    calls = 0

    def encode(self, password: str, salt: str) -> str:
        type(self).calls += 1
        return super().encode(password, salt)


@pytest.fixture(autouse=True)
def quick_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]


@pytest.fixture
def mail(settings: Any) -> Iterator[Sink]:
    with running_sink() as sink:
        use_sink(settings, sink)
        settings.BASE_URL = "https://papers.example.org"
        yield sink
        mailing.wait()


def body(response: HttpResponseBase) -> str:
    return str(response.content, "utf-8")  # type: ignore[attr-defined]


def member(username: str = "ada", *, confirmed: bool = True) -> User:
    user = services.sign_up(username, f"{username}@example.org", PASSWORD)
    if confirmed:
        profile = services.profile_of(user)
        profile.confirmed_email = user.email
        profile.save()
    return user


def from_ip(ip: str) -> Client:
    return Client(REMOTE_ADDR=ip)


WRONG = "wrong guess"


def attempt(client: Client, username: str, password: str = WRONG) -> HttpResponseBase:
    return client.post("/login", {"username": username, "password": password})


class TestNoOracle:
    def test_known_and_unknown_names_get_the_same_answers(self, settings: Any) -> None:
        settings.ACCOUNT_LOCKOUT_FAILURES = 3
        member("ada")
        answers = {}
        for name in ("ada", "eve"):  # eve has no account
            client = from_ip("203.0.113.5")
            answers[name] = [attempt(client, name) for _ in range(4)]
        statuses = {name: [r.status_code for r in rs] for name, rs in answers.items()}
        assert statuses == {"ada": [400, 400, 400, 429], "eve": [400, 400, 400, 429]}
        for known, unknown in zip(answers["ada"], answers["eve"], strict=True):
            assert without_tokens(known).replace("ada", "eve") == without_tokens(unknown)
        assert (
            abs(int(answers["ada"][3]["Retry-After"]) - int(answers["eve"][3]["Retry-After"])) <= 2
        )

    def test_known_and_unknown_names_cost_the_same_hashing(self) -> None:
        member("ada")
        CountingHasher.calls = 0
        attempt(from_ip("203.0.113.5"), "ada")
        known = CountingHasher.calls
        CountingHasher.calls = 0
        attempt(from_ip("203.0.113.5"), "eve")
        assert known == CountingHasher.calls == 1


class TestNoWeapon:
    def test_guesses_from_one_client_do_not_lock_the_owner_out(self, settings: Any) -> None:
        settings.ACCOUNT_LOCKOUT_FAILURES = 3
        member("ada")
        attacker = from_ip("198.51.100.66")
        codes = [attempt(attacker, "ada").status_code for _ in range(4)]
        assert codes == [400, 400, 400, 429]
        assert attempt(attacker, "ada", PASSWORD).status_code == 429
        owner = from_ip("192.0.2.10")
        assert attempt(owner, "ada", PASSWORD).status_code == 302
        # The attacker's lock stays; the owner's success does not lift it.
        assert attempt(attacker, "ada", PASSWORD).status_code == 429

    def test_a_success_clears_only_that_clients_failures(self, settings: Any) -> None:
        settings.ACCOUNT_LOCKOUT_FAILURES = 3
        member("ada")
        owner = from_ip("192.0.2.10")
        for _ in range(2):
            attempt(owner, "ada")
        assert attempt(owner, "ada", PASSWORD).status_code == 302
        assert not LoginFailures.objects.exists()


class TestSignInLink:
    def lock_everywhere(self, settings: Any) -> None:
        """The backstop: more attempts on the name than its limit, from many clients."""
        settings.ACCOUNT_LOCKOUT_FAILURES = 3
        settings.ACCOUNT_RATE_LIMITS = {
            **settings.ACCOUNT_RATE_LIMITS,
            "login": Rate(per_account=6, per_ip=100, seconds=900),
        }
        codes = [attempt(from_ip(f"198.51.100.{i % 3}"), "ada").status_code for i in range(7)]
        assert codes == [400] * 6 + [429]
        assert attempt(from_ip("192.0.2.10"), "ada", PASSWORD).status_code == 429

    def test_the_owner_gets_in_through_the_mailed_link_once(
        self, settings: Any, mail: Sink
    ) -> None:
        member("ada")
        self.lock_everywhere(settings)
        assert mailing.wait()
        assert len(mail.to("ada@example.org")) == 1  # one mail, however many refusals
        link = link_in(mail, "ada@example.org")
        assert link.startswith("/login/link/")
        owner = from_ip("192.0.2.10")
        # Opening the link (as a mail scanner does) signs nobody in.
        page = owner.get(link)
        assert page.status_code == 200 and "Sign in as <strong>ada</strong>" in body(page)
        assert "_auth_user_id" not in owner.session
        response = owner.post(link)
        assert response.status_code == 302 and response["Location"] == "/settings?saved=signed-in"
        assert owner.session["_auth_user_id"] == str(User.objects.get(username="ada").pk)
        assert "signed in with the link" in body(owner.get("/settings?saved=signed-in"))
        # Once only.
        again = from_ip("192.0.2.11")
        assert again.post(link).status_code == 400
        assert "_auth_user_id" not in again.session
        # The backstop is lifted: the password works again from elsewhere.
        assert attempt(from_ip("192.0.2.12"), "ada", PASSWORD).status_code == 302

    def test_a_lock_by_one_client_mails_the_link_too(self, settings: Any, mail: Sink) -> None:
        settings.ACCOUNT_LOCKOUT_FAILURES = 3
        member("ada")
        member("bob", confirmed=False)
        for name in ("ada", "bob", "eve"):
            for _ in range(4):
                attempt(from_ip("198.51.100.1"), name)
        assert mailing.wait()
        # Only to a confirmed address of an account.
        assert [m["To"] for m in mail.messages] == ["ada@example.org"]

    def test_an_old_or_mangled_link_does_nothing(self, settings: Any, mail: Sink) -> None:
        member("ada")
        self.lock_everywhere(settings)
        assert mailing.wait()
        link = link_in(mail, "ada@example.org")
        client = Client()
        assert client.post(link[:-3] + "abc").status_code == 400
        assert client.post("/login/link/xx/yy").status_code == 400
        settings.ACCOUNT_LOGIN_LINK_SECONDS = -1
        response = client.post(link)
        assert response.status_code == 400 and "does not work" in body(response)
        assert "_auth_user_id" not in client.session


class TestAdminLogin:
    def superuser(self) -> User:
        return User.objects.create_superuser("root", "root@example.org", PASSWORD)

    def test_visits_go_to_the_site_login_and_back(self) -> None:
        self.superuser()
        client = Client()
        response = client.get("/admin/papers/paper/", follow=True)
        assert response.redirect_chain[-1][0] == "/login?next=/admin/papers/paper/"
        response = client.post(
            "/login", {"username": "root", "password": PASSWORD, "next": "/admin/papers/paper/"}
        )
        assert response["Location"] == "/admin/papers/paper/"
        assert client.get("/admin/papers/paper/").status_code == 200
        evil = client.get("/admin/login/?next=https://evil.example/")
        assert evil["Location"] == "/login?next=/admin/"

    def test_wrong_passwords_posted_to_the_admin_login_are_counted_and_lock(
        self, settings: Any
    ) -> None:
        settings.ACCOUNT_LOCKOUT_FAILURES = 5
        self.superuser()
        client = from_ip("198.51.100.7")
        codes = [
            client.post("/admin/login/", {"username": "root", "password": f"guess {i}"}).status_code
            for i in range(6)
        ]
        assert codes == [400] * 5 + [429]
        response = client.post("/admin/login/", {"username": "root", "password": PASSWORD})
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session
        assert LoginFailures.objects.filter(locked_until__isnull=False).count() == 1

    def test_the_admin_login_is_rate_limited_per_ip(self, settings: Any) -> None:
        settings.ACCOUNT_RATE_LIMITS = {
            **settings.ACCOUNT_RATE_LIMITS,
            "login": Rate(per_account=100, per_ip=3, seconds=900),
        }
        client = from_ip("198.51.100.8")
        codes = [
            client.post("/admin/login/", {"username": f"user{i}", "password": "x"}).status_code
            for i in range(4)
        ]
        assert codes == [400, 400, 400, 429]


class Gate:
    """A mail server's front door that lets connections wait until opened, then
    passes them through to the server: a mail server that is slow to answer."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.opened = threading.Event()
        self.threads: list[threading.Thread] = []

    def open(self) -> None:
        self.opened.set()
        thread = threading.Thread(target=self._serve, daemon=True)
        thread.start()

    def _serve(self) -> None:
        self.listener.settimeout(0.2)
        while True:
            try:
                inner, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            outer = socket.create_connection(self.target)
            for a, b in ((inner, outer), (outer, inner)):
                thread = threading.Thread(target=self._pipe, args=(a, b), daemon=True)
                thread.start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self.listener.close()


class TestPasswordResetAnswers:
    def test_known_and_unknown_addresses_get_the_same_answer_before_any_mail(
        self, settings: Any, mail: Sink
    ) -> None:
        member("ada")
        gate = Gate((mail.host, mail.port))
        settings.EMAIL_PORT = gate.port
        settings.EMAIL_TIMEOUT = 5
        try:
            known = Client().post("/password/reset", {"email": "ada@example.org"})
            unknown = Client().post("/password/reset", {"email": "eve@example.org"})
            assert known.status_code == unknown.status_code == 302
            assert known["Location"] == unknown["Location"] == "/password/reset/sent"
            assert body(known) == body(unknown)
            assert mail.messages == []  # the answers did not wait for the mail server
            gate.open()
            assert mailing.wait()
        finally:
            gate.close()
        # The mail arrives all the same.
        assert re.search(r"/password/reset/\S+/\S+", mail.to("ada@example.org")[0].get_content())
        assert mail.to("eve@example.org") == []
