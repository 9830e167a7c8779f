"""The digest from the account settings page: one button for the account's address."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from dailypapers.accounts.services import profile_of
from dailypapers.digests.models import Subscription
from tests.support.mail import Sink, running_sink, use_sink

pytestmark = pytest.mark.django_db


@pytest.fixture
def sink(settings: Any) -> Iterator[Sink]:
    with running_sink() as running:
        use_sink(settings, running)
        settings.BASE_URL = "https://papers.example.org"
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        yield running


def account(confirmed: bool) -> Client:
    user = User.objects.create_user("ada", "Ada@Example.org", "a long passphrase 1")
    if confirmed:
        profile = profile_of(user)
        profile.confirmed_email = user.email
        profile.email_confirmed_at = timezone.now()
        profile.save()
    client = Client()
    client.force_login(user)
    return client


def test_a_confirmed_address_is_subscribed_at_once(sink: Sink) -> None:
    client = account(confirmed=True)
    page = client.get("/settings").content.decode()
    assert 'action="/digest/account"' in page
    response = client.post("/digest/account")
    assert response.status_code == 302 and "saved=digest" in response["Location"]
    sub = Subscription.objects.get()
    assert sub.email == "ada@example.org" and sub.is_active and sub.user is not None
    assert sink.messages == []  # no second confirmation for an address already confirmed
    page = client.get("/settings").content.decode()
    assert "Change frequency, hour or topics" in page
    # The unsubscribe form on the page works like the link in every digest.
    unsubscribe = re.search(r'action="(/digest/unsubscribe/[^"]+)"', page)
    assert unsubscribe
    assert client.post(unsubscribe.group(1)).status_code == 200
    sub.refresh_from_db()
    assert not sub.is_active


def test_an_unconfirmed_address_gets_the_double_opt_in_mail(sink: Sink) -> None:
    client = account(confirmed=False)
    response = client.post("/digest/account")
    assert "saved=digest-confirm" in response["Location"]
    sub = Subscription.objects.get()
    assert not sub.is_active
    [message] = sink.to("ada@example.org")
    assert "/digest/confirm/" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_subscribing_twice_changes_nothing(sink: Sink) -> None:
    client = account(confirmed=True)
    client.post("/digest/account")
    first = Subscription.objects.get()
    client.post("/digest/account")
    assert Subscription.objects.get().next_digest_at == first.next_digest_at


def test_only_a_logged_in_post_with_its_token_subscribes(sink: Sink) -> None:
    assert Client().post("/digest/account").status_code == 302  # to the login page
    client = account(confirmed=True)
    assert client.get("/digest/account").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(User.objects.get())
    assert strict.post("/digest/account").status_code == 403
    assert not Subscription.objects.exists()
