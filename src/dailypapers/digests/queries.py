"""Everything the digests read: the papers of a window, subscriptions by token, status."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q

from dailypapers.digests import tokens
from dailypapers.digests.models import ACTIVE, DigestSend, SendStatus, Subscription
from dailypapers.papers import queries as paper_queries
from dailypapers.papers import trending as trending_formula
from dailypapers.papers.models import PaperAuthor, Submission

log = logging.getLogger(__name__)
# Saved searches look at this many best matches among all daily-list papers.
SEARCH_MATCHES = 500


@dataclass(frozen=True)
class Candidate:
    """What ranking and topic matching need of one daily-list entry."""

    pk: int
    votes: int
    submitted_at: dt.datetime
    arxiv_id: str
    categories: frozenset[str]
    organization: str
    paper_id: int = 0
    authors: frozenset[str] = frozenset()


def ranked_window(start: dt.datetime, end: dt.datetime) -> list[Candidate]:
    """Visible entries submitted in (start, end], ranked by the trending formula at ``end``.

    The same formula and tie-breaks as /papers/trending (dailypapers.papers.trending),
    over the digest's own window instead of the site's trending window, so two
    digests in a row never repeat or skip a paper.
    """
    rows = (
        Submission.objects.visible()
        .filter(submitted_at__gt=start, submitted_at__lte=end)
        .with_votes()
        .values_list(
            "pk",
            "votes",
            "submitted_at",
            "paper__arxiv_id",
            "paper__categories",
            "paper__organization__slug",
            "paper_id",
        )
    )
    found = [
        Candidate(pk, votes, submitted, arxiv_id, frozenset(cats.split()), org or "", paper)
        for pk, votes, submitted, arxiv_id, cats, org, paper in rows
    ]
    slugs: dict[int, set[str]] = {}
    for paper_id, slug in PaperAuthor.objects.filter(
        paper_id__in=[c.paper_id for c in found]
    ).values_list("paper_id", "slug"):
        slugs.setdefault(paper_id, set()).add(slug)
    found = [dataclasses.replace(c, authors=frozenset(slugs.get(c.paper_id, ()))) for c in found]
    found.sort(key=lambda c: trending_formula.sort_key(c.votes, c.submitted_at, c.arxiv_id, end))
    return found


@dataclass(frozen=True)
class Topics:
    """What a subscriber follows beyond the trending papers."""

    categories: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()  # author page slugs
    searches: tuple[str, ...] = ()

    @classmethod
    def of(cls, sub: Subscription) -> Topics:
        return cls(
            tuple(sub.categories),
            tuple(sub.organizations),
            tuple(sub.authors),
            tuple(sub.searches),
        )

    @property
    def labels(self) -> list[str]:
        return [
            *self.categories,
            *self.organizations,
            *self.authors,
            *(f"“{q}”" for q in self.searches),
        ]


def matching_topics(
    ranked: list[Candidate], topics: Topics, found_by_search: set[int] | None = None
) -> list[Candidate]:
    """Candidates in any followed category, organization or author, or found by a saved
    search (``found_by_search``: paper ids), order kept."""
    cats = {c.lower() for c in topics.categories}
    orgs = {o.lower() for o in topics.organizations}
    authors = set(topics.authors)
    found = found_by_search or set()
    if not (cats or orgs or authors or found):
        return []
    return [
        c
        for c in ranked
        if (orgs and c.organization.lower() in orgs)
        or cats & {x.lower() for x in c.categories}
        or authors & c.authors
        or c.paper_id in found
    ]


def search_matches(query: str) -> set[int]:
    """Ids of daily-list papers whose words match a saved search (no matching by meaning:
    a digest section should hold what the words ask for). The best SEARCH_MATCHES only."""
    from dailypapers.search import Filters, search

    try:
        result = search(
            query, filters=Filters(on_daily=True), limit=SEARCH_MATCHES, use_dense=False
        )
    except Exception:
        # A broken index must not stop the digest; the section just stays shorter.
        log.exception("digest: saved search %r failed", query)
        return set()
    return {hit.paper.pk for hit in result.hits}


def card_entries_in_order(pks: list[int]) -> list[Submission]:
    """Entries with paper, organization and authors, in the order of ``pks``; 3 queries."""
    if not pks:
        return []
    by_pk = {s.pk: s for s in paper_queries.card_entries(with_authors=True).filter(pk__in=pks)}
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
    """Ranked windows, saved-search results and card entries, kept for one sending run.

    Every subscriber with the same hour, zone and frequency shares a window, so a
    run of 100,000 digests reads the papers a handful of times, not 100,000.
    """

    def __init__(self) -> None:
        self._ranked: dict[tuple[dt.datetime, dt.datetime], list[Candidate]] = {}
        self._entries: dict[int, Submission] = {}
        self._searches: dict[str, set[int]] = {}
        self._contents: dict[tuple[dt.datetime, dt.datetime, Topics], Content] = {}

    def _found(self, searches: tuple[str, ...]) -> set[int]:
        found: set[int] = set()
        for query in searches:
            if query not in self._searches:
                self._searches[query] = search_matches(query)
            found |= self._searches[query]
        return found

    def content(self, start: dt.datetime, end: dt.datetime, topics: Topics) -> Content:
        """The papers for one window and set of topics; subscribers who share both share
        the result (it is only read)."""
        shared = (start, end, topics)
        if shared not in self._contents:
            self._contents[shared] = self._content(start, end, topics)
        return self._contents[shared]

    def ranked(self, start: dt.datetime, end: dt.datetime) -> list[Candidate]:
        """The window's entries in trending order (read once per run and window)."""
        key = (start, end)
        if key not in self._ranked:
            self._ranked[key] = ranked_window(start, end)
        return self._ranked[key]

    def entries(self, pks: list[int]) -> list[Submission]:
        """Card entries of those submissions, in that order (each read once per run)."""
        missing = [pk for pk in pks if pk not in self._entries]
        self._entries.update((s.pk, s) for s in card_entries_in_order(missing))
        return [self._entries[pk] for pk in pks if pk in self._entries]

    def _content(self, start: dt.datetime, end: dt.datetime, topics: Topics) -> Content:
        ranked = self.ranked(start, end)
        top = ranked[: settings.DIGEST_TOP_PAPERS]
        chosen = {c.pk for c in top}
        matching = matching_topics(ranked, topics, self._found(topics.searches))
        interests = [c for c in matching if c.pk not in chosen][: settings.DIGEST_TOPIC_PAPERS]
        found = self.entries([c.pk for c in (*top, *interests)])
        return Content(
            window_start=start,
            window_end=end,
            top=[s for s in found if s.pk in chosen],
            interests=[s for s in found if s.pk not in chosen],
            total=len(ranked),
            topics=topics.labels,
        )


def content(subscription: Subscription, start: dt.datetime, end: dt.datetime) -> Content:
    return WindowCache().content(start, end, Topics.of(subscription))


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
        active=Count("pk", filter=ACTIVE),
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
