"""A small hub with something on every kind of page, and values an attacker types."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from dailypapers.community.models import Collection, Comment
from dailypapers.community.services import collections as collection_services
from dailypapers.community.services import comments as comment_services
from dailypapers.community.services import orgs as org_services
from dailypapers.papers.models import Organization, PaperAuthor
from tests.factories import paper, utc

PAPER = "2604.00001"
DAY = "2026-04-07"
PASSWORD = "correct horse battery staple"

# str.isdigit() says yes to these, int() says no (or reads them as digits).
UNICODE_DIGITS = ("²", "③", "١٢", "𝟗")
# Text PostgreSQL cannot store, or that is not text at all, percent-encoded as sent.
NUL_AND_BROKEN = ("%00", "a%00b", "%ED%A0%80", "%FF", "%C0%AF")


@dataclass
class Hub:
    ada: User
    bob: User
    staff: User
    comment: Comment
    reply: Comment
    org: Organization
    collection: Collection
    author_slug: str


def seed(settings: Any = None) -> Hub:
    """Two papers on the list, an author page, an organization, a public collection,
    a comment with a reply, and three accounts (one of them staff).

    Given pytest-django's ``settings``, passwords are hashed quickly from then on:
    argon2 would spend most of a short test's time.
    """
    if settings is not None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    first = paper(
        PAPER,
        title="Seeded paper",
        submitted_at=utc(2026, 4, 7, 9),
        upvotes=3,
        authors=("Ada Lovelace", "Alan Turing"),
        organization="SeedLab",
        published_at=utc(2026, 4, 6),
    )
    paper("2604.00002", title="Second paper", submitted_at=utc(2026, 4, 6, 9))
    # Accounts past the new-account wait, so every form is open to them.
    joined = timezone.now() - dt.timedelta(days=30)
    ada = User.objects.create_user("ada", "ada@example.org", PASSWORD, date_joined=joined)
    bob = User.objects.create_user("bob", "bob@example.org", PASSWORD, date_joined=joined)
    staff = User.objects.create_user(
        "mod", "mod@example.org", PASSWORD, is_staff=True, date_joined=joined
    )
    staff.is_superuser = True
    staff.save(update_fields=["is_superuser"])
    comment = comment_services.post(bob, first, "A first comment.")
    reply = comment_services.post(ada, first, "A reply.", comment.pk)
    org = org_services.create_org(ada, name="Hostile Input Lab")
    collection = collection_services.create(ada.pk, "Reading list", is_public=True)
    collection_services.add_paper(collection, first)
    author = PaperAuthor.objects.filter(paper=first).order_by("position").first()
    assert author is not None
    return Hub(ada, bob, staff, comment, reply, org, collection, author.slug)
