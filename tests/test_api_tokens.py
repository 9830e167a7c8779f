"""Personal access tokens: made and revoked on the settings page, shown once, kept
only as a digest, and accepted as ``Authorization: Bearer`` by the API."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.http.response import HttpResponseBase
from django.test import Client
from django.utils import timezone

from dailypapers.accounts import services
from dailypapers.accounts.models import ApiToken
from dailypapers.config import Rate

pytestmark = pytest.mark.django_db

TOKEN_RE = re.compile(r'<code class="new-token">(dp_[A-Za-z0-9_-]+)</code>')


def body(response: HttpResponseBase) -> str:
    return str(response.content, "utf-8")  # type: ignore[attr-defined]


@pytest.fixture
def ada() -> User:
    return User.objects.create_user("ada", "ada@example.org", "a long passphrase")


@pytest.fixture
def browser(ada: User) -> Client:
    """Ada's logged-in browser, which sends CSRF tokens like a real one must."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)
    client.get("/settings")
    return client


def csrf(client: Client) -> str:
    return str(client.cookies["csrftoken"].value)


def make(client: Client, name: str = "laptop script", scope: str = "write") -> Any:
    return client.post(
        "/settings/tokens", {"name": name, "scope": scope, "csrfmiddlewaretoken": csrf(client)}
    )


def whoami(token: str) -> Any:
    return Client().get("/api/whoami", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_token_is_shown_once_and_kept_only_as_its_digest(browser: Client, ada: User) -> None:
    response = make(browser)
    assert response.status_code == 201
    assert response["Cache-Control"].startswith("max-age=0")
    (token,) = TOKEN_RE.findall(body(response))
    row = ApiToken.objects.get(user=ada)
    assert (row.name, row.scope) == ("laptop script", "write")
    assert row.digest == hashlib.sha256(token.encode()).hexdigest()
    assert token.startswith(row.prefix) and len(row.prefix) < len(token) // 3
    # Nowhere in the database in the clear.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        stored = " ".join(str(v) for v in cursor.fetchone())
    assert token not in stored
    # The next visit lists it by its prefix, without the token.
    again = body(browser.get("/settings"))
    assert token not in again and f"{row.prefix}…" in again and "laptop script" in again
    assert whoami(token).json() == {"name": "ada", "scope": "write"}


def test_last_use_is_recorded_to_the_minute(ada: User) -> None:
    row, token = services.create_token(ada, "cron", "read")
    assert row.last_used_at is None
    assert whoami(token).status_code == 200
    first = ApiToken.objects.get(pk=row.pk).last_used_at
    assert first is not None
    assert whoami(token).status_code == 200
    assert ApiToken.objects.get(pk=row.pk).last_used_at == first
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=first - dt.timedelta(minutes=5))
    assert whoami(token).status_code == 200
    assert ApiToken.objects.get(pk=row.pk).last_used_at > first  # type: ignore[operator]


def test_a_revoked_token_stops_working(browser: Client, ada: User) -> None:
    row, token = services.create_token(ada, "old", "write")
    assert whoami(token).status_code == 200
    response = browser.post(
        f"/settings/tokens/{row.pk}/revoke", {"csrfmiddlewaretoken": csrf(browser)}
    )
    assert response.status_code == 302
    assert ApiToken.objects.get(pk=row.pk).revoked_at is not None
    refused = whoami(token)
    assert refused.status_code == 401
    assert refused.json()["error"] == "this token is unknown or revoked"
    assert refused["WWW-Authenticate"] == 'Bearer realm="dailypapers", error="invalid_token"'
    assert "revoked" in body(browser.get("/settings"))


def test_a_token_cannot_be_revoked_by_another_account(browser: Client) -> None:
    bob = User.objects.create_user("bob", "bob@example.org", "another passphrase")
    row, token = services.create_token(bob, "bob's", "write")
    browser.post(f"/settings/tokens/{row.pk}/revoke", {"csrfmiddlewaretoken": csrf(browser)})
    assert ApiToken.objects.get(pk=row.pk).revoked_at is None
    assert whoami(token).json()["name"] == "bob"


def test_settings_forms_need_a_post_with_csrf(browser: Client, ada: User) -> None:
    assert browser.get("/settings/tokens").status_code == 405
    refused = browser.post("/settings/tokens", {"name": "x", "scope": "read"})
    assert refused.status_code == 403
    row, _ = services.create_token(ada, "kept", "read")
    assert browser.post(f"/settings/tokens/{row.pk}/revoke").status_code == 403
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 1
    assert Client().post("/settings/tokens", {"name": "x", "scope": "read"}).status_code == 302


def test_a_bad_form_says_why_and_makes_nothing(browser: Client) -> None:
    response = make(browser, name="  ", scope="admin")
    assert response.status_code == 400
    page = body(response)
    assert "Give the token a name." in page and "Select a valid choice." in page
    assert not ApiToken.objects.exists()


def test_making_tokens_is_rate_limited(browser: Client, settings: Any) -> None:
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "token": Rate(per_account=2, per_ip=10, seconds=3600),
    }
    assert [make(browser, f"t{i}").status_code for i in range(3)] == [201, 201, 429]
    assert int(make(browser, "t4")["Retry-After"]) > 0
    assert ApiToken.objects.count() == 2


def test_an_account_holds_a_bounded_number_of_tokens(ada: User) -> None:
    for i in range(services.MAX_ACTIVE_TOKENS):
        services.create_token(ada, f"t{i}", "read")
    with pytest.raises(services.TooManyTokens):
        services.create_token(ada, "one more", "read")
    services.revoke_token(ada, ApiToken.objects.first().pk)  # type: ignore[union-attr]
    services.create_token(ada, "one more", "read")


@pytest.mark.parametrize(
    "header",
    ["Bearer dp_not-a-real-token", "Bearer ", "Basic YWRhOnBhc3N3b3Jk", "dp_no_scheme", "Bearer x"],
)
def test_bad_authorization_gets_401_with_a_challenge(header: str) -> None:
    response = Client().get("/api/whoami", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response["WWW-Authenticate"].startswith('Bearer realm="dailypapers"')
    assert response.json()["error"]


def test_no_credentials_get_401(ada: User) -> None:
    response = Client().get("/api/whoami")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="dailypapers"'


def test_a_suspended_account_s_tokens_stop_working(ada: User) -> None:
    _, token = services.create_token(ada, "t", "write")
    ada.is_active = False
    ada.save(update_fields=["is_active"])
    assert whoami(token).status_code == 401


def test_a_session_reads_whoami_without_a_token(browser: Client) -> None:
    assert browser.get("/api/whoami").json() == {"name": "ada", "scope": "session"}


def test_tokens_made_at_once_are_all_different(ada: User) -> None:
    made = {services.create_token(ada, f"t{i}", "read")[1] for i in range(10)}
    assert len(made) == 10
    assert ApiToken.objects.filter(created_at__lte=timezone.now()).count() == 10


def test_tokens_from_the_command_line(ada: User) -> None:
    out = io.StringIO()
    call_command(
        "tokens", "create", "--user", "ada", "--name", "cron", "--scope", "write", stdout=out
    )
    token = out.getvalue().strip()
    assert whoami(token).json() == {"name": "ada", "scope": "write"}
    row = ApiToken.objects.get()
    out = io.StringIO()
    call_command("tokens", "list", "--user", "ada", stdout=out)
    assert f"{row.pk}\t{row.prefix}…\twrite\tcron\t" in out.getvalue()
    assert token not in out.getvalue()
    call_command("tokens", "revoke", "--user", "ada", str(row.pk), stdout=io.StringIO())
    assert whoami(token).status_code == 401
    with pytest.raises(CommandError):
        call_command("tokens", "revoke", "--user", "ada", str(row.pk))
    with pytest.raises(CommandError):
        call_command("tokens", "list", "--user", "nobody")


def test_staff_see_tokens_by_prefix_and_can_revoke_them(ada: User) -> None:
    row, token = services.create_token(ada, "cron", "write")
    User.objects.create_superuser("admin", "admin@example.org", "a-long-password-1")
    staff = Client()
    staff.login(username="admin", password="a-long-password-1")
    listing = body(staff.get("/admin/accounts/apitoken/"))
    assert row.prefix in listing and token not in listing
    assert staff.get("/admin/accounts/apitoken/add/").status_code == 403
    change = f"/admin/accounts/apitoken/{row.pk}/change/"
    assert token not in body(staff.get(change))
    staff.post(change, {"revoked_at_0": "2026-12-01", "revoked_at_1": "10:00:00"})
    assert whoami(token).status_code == 401
