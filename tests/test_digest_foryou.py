"""The digest's For-you section, sent through a real SMTP server (aiosmtpd).

A subscriber with an account and history gets the window's papers their profile
picks, each with its reason and a "less like this" link; the link opens a page that
asks to confirm (a GET changes nothing) and the POST of its form does it. Uses the
small hub and stand-in encoder of tests/support/foryou.py.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dailypapers.digests import sending
from dailypapers.foryou import services as foryou_services
from dailypapers.foryou.models import LessLike
from dailypapers.papers.models import Paper
from tests.support.digests import subscriber
from tests.support.factories import utc
from tests.support.foryou import seed_hub, upvote
from tests.support.mail import Sink, html_part, running_sink, text_part, use_sink

pytestmark = pytest.mark.django_db

SIGNED_UP = utc(2026, 4, 1, 12)
DUE = utc(2026, 4, 2, 10)  # the 10:00 UTC slot: the whole of the day's list of twelve


@pytest.fixture
def sink(settings: Any) -> Iterator[Sink]:
    with running_sink() as running:
        use_sink(settings, running)
        settings.BASE_URL = "https://papers.example.org"
        settings.DIGEST_TOP_PAPERS = 3  # the trending part: the three most upvoted
        yield running


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> dict[str, Paper]:
    return seed_hub(monkeypatch)


def account(name: str, *, history: list[Paper]) -> User:
    user = User.objects.create_user(name, f"{name}@example.org", "a long enough passphrase")
    upvote(user, *history)
    sub = subscriber(f"{name}@example.org", now=SIGNED_UP, hour=10)
    sub.user = user
    sub.save(update_fields=["user"])
    return user


def for_you_section(text: str) -> str:
    """The plain-text For-you section of a digest ('' when it has none)."""
    _, found, rest = text.replace("\r\n", "\n").partition("\nFOR YOU (")
    return rest.split("\n--\n")[0] if found else ""


def test_a_reader_with_history_gets_picks_with_reasons_and_others_do_not(
    sink: Sink, hub: dict[str, Paper]
) -> None:
    history = [hub[f"old-protein-{n}"] for n in range(3)]
    account("ada", history=history)
    account("bob", history=[])  # an account with nothing to go on
    cy = account("cy", history=history)
    foryou_services.set_enabled(cy, False)
    subscriber("dee@example.org", now=SIGNED_UP, hour=10)  # no account at all

    assert sending.run(DUE + dt.timedelta(seconds=30)).sent == 4

    [ada] = sink.to("ada@example.org")
    section = for_you_section(text_part(ada))
    assert section, text_part(ada)
    # The protein paper (ninth by votes, not in the trending three) with its reason,
    # and the paper by the author of the papers Ada upvoted.
    assert "Protein folding with diffusion\n   Why: like 3 papers you upvoted" in section
    assert "Compilers for everyone\n   Why: by Grace Hopper, whose papers you read" in section
    protein = hub["protein"].arxiv_id
    assert f"Less like this: https://papers.example.org/for-you/less/{protein}" in section
    # Papers already in the digest are not repeated, and the list's leaders are not "for you".
    assert "Language model number 0" not in section
    html = html_part(ada)
    assert ">For you</h2>" in html and "like 3 papers you upvoted" in html
    assert f'href="https://papers.example.org/for-you/less/{protein}"' in html

    for name in ("bob", "cy", "dee"):
        [message] = sink.to(f"{name}@example.org")
        assert for_you_section(text_part(message)) == ""
        assert "For you</h2>" not in html_part(message)
        assert "Language model number 0" in text_part(message)  # the rest of the digest is there


def test_the_less_like_this_link_asks_before_it_changes_anything(
    sink: Sink, hub: dict[str, Paper]
) -> None:
    ada = account("ada", history=[hub[f"old-protein-{n}"] for n in range(3)])
    sending.run(DUE + dt.timedelta(seconds=30))
    [message] = sink.to("ada@example.org")
    link = re.search(r"Less like this: (\S+)", text_part(message))
    assert link is not None
    path = link.group(1).removeprefix("https://papers.example.org")

    visitor = Client()
    assert visitor.get(path).status_code == 302  # sign in first
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)
    page = client.get(path)
    assert page.status_code == 200 and b'method="post" action="/for-you/less"' in page.content
    assert not LessLike.objects.exists()  # opening the link changed nothing
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    assert token is not None
    paper_id = path.rsplit("/", 1)[1]
    done = client.post(
        "/for-you/less",
        {"paper": paper_id, "next": "/for-you", "csrfmiddlewaretoken": token.group(1).decode()},
    )
    assert done.status_code == 302
    assert LessLike.objects.filter(user=ada, paper__arxiv_id=paper_id).count() == 1
    assert client.get("/for-you/less/2604.99999").status_code == 404  # no such paper
