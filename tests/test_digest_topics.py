"""The "for your interests" section: followed authors and saved searches, beside
categories and organizations, delivered through the real SMTP sink."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from dailypapers.digests import sending, services
from dailypapers.digests.models import Subscription
from tests.support.digests import DUE, SIGNED_UP
from tests.support.factories import paper, utc
from tests.support.mail import Sink, running_sink, text_part, use_sink

pytestmark = pytest.mark.django_db


@pytest.fixture
def sink(settings: Any) -> Iterator[Sink]:
    with running_sink() as running:
        use_sink(settings, running)
        settings.BASE_URL = "https://papers.example.org"
        settings.DIGEST_TOP_PAPERS = 1
        yield running


@pytest.fixture
def papers() -> None:
    paper("2604.00001", title="Top paper", submitted_at=utc(2026, 4, 7, 2), upvotes=90)
    paper(
        "2604.00002",
        title="Compilers for quantum annealing",
        submitted_at=utc(2026, 4, 6, 20),
        upvotes=5,
        authors=("Grace Hopper", "Alan Turing"),
        abstract="We compile programs to annealing schedules.",
    )
    paper(
        "2604.00003",
        title="Protein folding with small models",
        submitted_at=utc(2026, 4, 6, 21),
        upvotes=4,
        authors=("Rosalind Franklin",),
        abstract="Small models fold proteins.",
    )


def subscribe(email: str, **topics: tuple[str, ...]) -> Subscription:
    services.admin_subscribe(
        [email], services.Choices("daily", 8, "UTC", **topics), confirmed=True, now=SIGNED_UP
    )
    return Subscription.objects.get(email=email)


def interests(sink: Sink, email: str) -> str:
    [message] = sink.to(email)
    text = text_part(message)
    assert "FOR YOUR INTERESTS" in text, text
    return text.split("FOR YOUR INTERESTS", 1)[1]


def test_followed_authors_are_matched_by_their_names(sink: Sink, papers: None) -> None:
    sub = subscribe("ada@example.org", authors=("Grace  Hopper", "grace hopper"))
    assert sub.authors == ["grace-hopper"]
    sending.run(DUE)
    section = interests(sink, "ada@example.org")
    assert "Compilers for quantum annealing" in section
    assert "Protein folding" not in section


def test_saved_searches_list_the_papers_whose_words_match(sink: Sink, papers: None) -> None:
    subscribe("bob@example.org", searches=("protein folding",))
    sending.run(DUE)
    section = interests(sink, "bob@example.org")
    assert "Protein folding with small models" in section
    assert "quantum" not in section
    assert "“protein folding”" in section


def test_without_topics_there_is_no_interests_section(sink: Sink, papers: None) -> None:
    subscribe("cy@example.org")
    sending.run(DUE)
    [message] = sink.to("cy@example.org")
    assert "FOR YOUR INTERESTS" not in text_part(message)


def test_choices_are_bounded() -> None:
    with pytest.raises(ValidationError):
        services.Choices(searches=tuple(f"query {i}" for i in range(6)))
    with pytest.raises(ValidationError):
        services.Choices(searches=("x" * 201,))


def test_the_preferences_form_keeps_authors_and_searches(client: Any, papers: None) -> None:
    from dailypapers.digests import tokens

    sub = subscribe("dee@example.org")
    manage = tokens.make("manage", sub.pk, sub.email)
    form = {
        "frequency": "weekly",
        "hour": "9",
        "time_zone": "UTC",
        "categories": "",
        "organizations": "",
        "authors": "Grace Hopper\nRosalind Franklin",
        "searches": "protein folding\nquantum annealing",
    }
    response = client.post(f"/digest/preferences/{manage}", form)
    assert response.status_code in (200, 302)
    sub.refresh_from_db()
    assert sub.authors == ["grace-hopper", "rosalind-franklin"]
    assert sub.searches == ["protein folding", "quantum annealing"]
    page = client.get(f"/digest/preferences/{manage}").content.decode()
    assert "Rosalind Franklin" in page or "rosalind-franklin" in page
    assert "quantum annealing" in page
