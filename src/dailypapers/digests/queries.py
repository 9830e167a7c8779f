"""Everything the digests read: the papers of a window, subscriptions by token, status."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, F, Q

from dailypapers.digests import tokens
from dailypapers.digests.models import DigestSend, SendStatus, Subscription
from dailypapers.papers import queries as paper_queries
from dailypapers.papers import trending as trending_formula
from dailypapers.papers.models import Submission


@dataclass(frozen=True)
class Candidate:
    """What ranking and topic matching need of one daily-list entry."""

    pk: int
    votes: int
    submitted_at: dt.datetime
    arxiv_id: str
    categories: frozenset[str]
    organization: str


def ranked_window(start: dt.datetime, end: dt.datetime) -> list[Candidate]:
    """Visible entries submitted in (start, end], ranked by the trending formula at ``end``.

    The same formula and tie-breaks as /papers/trending (dailypapers.papers.trending),
    over the digest's own window instead of the site's trending window, so two
    digests in a row never repeat or skip a paper.
    """
    rows = (
        Submission.objects.filter(hidden=False, submitted_at__gt=start, submitted_at__lte=end)
        .annotate(votes=F("paper__upvotes_imported") + F("paper__upvotes_local"))
        .values_list(
            "pk",
            "votes",
            "submitted_at",
            "paper__arxiv_id",
            "paper__categories",
            "paper__organization__slug",
        )
    )
    found = [
        Candidate(pk, votes, submitted, arxiv_id, frozenset(cats.split()), org or "")
        for pk, votes, submitted, arxiv_id, cats, org in rows
    ]
    found.sort(key=lambda c: trending_formula.sort_key(c.votes, c.submitted_at, c.arxiv_id, end))
    return found


def matching_topics(
    ranked: list[Candidate], categories: list[str], organizations: list[str]
) -> list[Candidate]:
    """Candidates in any of ``categories`` or from any of ``organizations``, order kept."""
    cats = {c.lower() for c in categories}
    orgs = {o.lower() for o in organizations}
    if not cats and not orgs:
        return []
    return [
        c
        for c in ranked
        if (orgs and c.organization.lower() in orgs) or cats & {x.lower() for x in c.categories}
    ]


def cards(pks: list[int]) -> list[Submission]:
    """Entries with paper, organization and authors, in the order of ``pks``; 3 queries."""
    if not pks:
        return []
    by_pk = {s.pk: s for s in paper_queries.cards(with_authors=True).filter(pk__in=pks)}
    return [by_pk[pk] for pk in pks if pk in by_pk]


@dataclass
class Content:
    """The papers of one digest."""

    window_start: dt.datetime
    window_end: dt.datetime
    top: list[Submission]
    interests: list[Submission]
    total: int = 0
    topics: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.top


class WindowCache:
    """Ranked windows and their cards, kept for one sending run.

    Every subscriber with the same hour, zone and frequency shares a window, so a
    run of 100,000 digests reads the papers a handful of times, not 100,000.
    """

    def __init__(self) -> None:
        self._ranked: dict[tuple[dt.datetime, dt.datetime], list[Candidate]] = {}
        self._cards: dict[int, Submission] = {}

    def content(
        self,
        start: dt.datetime,
        end: dt.datetime,
        categories: list[str],
        organizations: list[str],
    ) -> Content:
        key = (start, end)
        if key not in self._ranked:
            self._ranked[key] = ranked_window(start, end)
        ranked = self._ranked[key]
        top = ranked[: settings.DIGEST_TOP_PAPERS]
        chosen = {c.pk for c in top}
        interests = [
            c for c in matching_topics(ranked, categories, organizations) if c.pk not in chosen
        ][: settings.DIGEST_TOPIC_PAPERS]
        missing = [c.pk for c in (*top, *interests) if c.pk not in self._cards]
        self._cards.update((s.pk, s) for s in cards(missing))
        return Content(
            window_start=start,
            window_end=end,
            top=[self._cards[c.pk] for c in top if c.pk in self._cards],
            interests=[self._cards[c.pk] for c in interests if c.pk in self._cards],
            total=len(ranked),
            topics=[*categories, *organizations],
        )


def content(subscription: Subscription, start: dt.datetime, end: dt.datetime) -> Content:
    return WindowCache().content(
        start, end, list(subscription.categories), list(subscription.organizations)
    )


def from_token(purpose: tokens.Purpose, token: str, max_age: int | None) -> Subscription | None:
    """The subscription a genuine, fresh token of ``purpose`` was made for."""
    read = tokens.read(purpose, token, max_age)
    if read is None:
        return None
    sub_id, tag, _ = read
    sub = Subscription.objects.filter(pk=sub_id).first()
    if sub is None or not tokens.matches(tag, sub.email):
        return None
    return sub


def send_from_token(token: str) -> DigestSend | None:
    """The sent digest a "view in browser" token points at."""
    read = tokens.read("view", token, max_age=None)
    if read is None:
        return None
    sub_id, tag, send_id = read
    if send_id is None:
        return None
    send = (
        DigestSend.objects.select_related("subscription")
        .filter(pk=send_id, subscription_id=sub_id)
        .first()
    )
    if send is None or not tokens.matches(tag, send.subscription.email):
        return None
    return send


def by_email(emails: list[str]) -> dict[str, Subscription]:
    return {s.email: s for s in Subscription.objects.filter(email__in=emails)}


@dataclass
class Status:
    subscriptions: dict[str, int]
    sends: dict[str, int]
    next_due: dt.datetime | None
    last_sent: dt.datetime | None
    retrying: list[DigestSend]
    problems: list[Subscription]


def status(now: dt.datetime, problems: int = 10) -> Status:
    """Counts for ``digest status`` and the admin: who gets mail, what happened lately."""
    subs = Subscription.objects.aggregate(
        total=Count("pk"),
        unconfirmed=Count("pk", filter=Q(confirmed_at__isnull=True, unsubscribed_at__isnull=True)),
        active=Count(
            "pk",
            filter=Q(
                confirmed_at__isnull=False,
                unsubscribed_at__isnull=True,
                suspended_at__isnull=True,
            ),
        ),
        suspended=Count("pk", filter=Q(suspended_at__isnull=False, unsubscribed_at__isnull=True)),
        unsubscribed=Count("pk", filter=Q(unsubscribed_at__isnull=False)),
    )
    next_due = (
        Subscription.objects.filter(next_digest_at__isnull=False)
        .order_by("next_digest_at")
        .values_list("next_digest_at", flat=True)
        .first()
    )
    last_sent = (
        DigestSend.objects.filter(status=SendStatus.SENT)
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    recent = now - dt.timedelta(days=7)
    sends = dict(
        DigestSend.objects.filter(due_at__gte=recent)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    retrying = list(
        DigestSend.objects.filter(status=SendStatus.RETRY)
        .select_related("subscription")
        .order_by("next_attempt_at")[:problems]
    )
    troubled = list(
        Subscription.objects.exclude(last_error="").order_by("-last_error_at")[:problems]
    )
    return Status(
        subscriptions={k: int(v or 0) for k, v in subs.items()},
        sends={k: int(v) for k, v in sends.items()},
        next_due=next_due,
        last_sent=last_sent,
        retrying=retrying,
        problems=troubled,
    )
