"""Reads for the For-you list: a reader's signals, their profile, a period ranked for them.

A fixed number of queries per page, however many signals or papers there are. The
vectors come from this node's copy (search.dense); without a model or vectors the
ranking uses authors, categories, follows and saved searches alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from dailypapers.community.models import AuthorClaim, CollectionItem, Comment
from dailypapers.core import periods
from dailypapers.foryou import ranking
from dailypapers.foryou.models import LessLike, LibraryItem, Preference, Profile
from dailypapers.papers import queries as paper_queries
from dailypapers.papers.models import Paper, PaperAuthor, Submission, Upvote

# At most this many of the reader's newest signals of each kind make the profile.
SIGNALS_PER_KIND = 500
# Negatives for the linear model: other papers of the days the reader upvoted on.
NEGATIVE_DAYS = 30
MAX_NEGATIVES = 600
# The most papers a period ranks (a busy month); the rest follow in the list's order.
MAX_CANDIDATES = 3000


def enabled(user: AbstractBaseUser) -> bool:
    return not Preference.objects.filter(user_id=user.pk, enabled=False).exists()


@dataclass
class Follows:
    authors: list[str] = field(default_factory=list)  # author slugs
    organizations: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    searches: list[str] = field(default_factory=list)


def follows(user: AbstractBaseUser) -> Follows:
    """What the reader follows through their digest subscription, when the hub has digests."""
    try:
        model = apps.get_model("digests", "Subscription")
    except LookupError:
        return Follows()
    out = Follows()
    for row in model.objects.filter(user_id=user.pk).values(
        "authors", "organizations", "categories", "searches"
    ):
        out.authors += [str(a) for a in row["authors"] or []]
        out.organizations += [str(o) for o in row["organizations"] or []]
        out.categories += [str(c) for c in row["categories"] or []]
        out.searches += [str(s) for s in row["searches"] or []]
    return out


def _ages(
    rows: Iterable[tuple[int, dt.datetime]], kind: str, now: dt.datetime
) -> list[tuple[int, str, float]]:
    return [(pk, kind, max((now - at).total_seconds() / 86400.0, 0.0)) for pk, at in rows]


def signals(user: AbstractBaseUser, now: dt.datetime) -> list[ranking.Signal]:
    """Everything the reader did with papers, newest first per kind, with titles and authors."""
    uid = user.pk
    cap = SIGNALS_PER_KIND
    # (rows, their time stamp, the path to the paper, the kind of signal)
    sources: tuple[tuple[QuerySet[Any], str, str, str], ...] = (
        (Upvote.objects.filter(user_id=uid), "created_at", "paper_id", "upvoted"),
        (
            CollectionItem.objects.filter(collection__owner_id=uid),
            "added_at",
            "paper_id",
            "collected",
        ),
        (Comment.objects.live().filter(author_id=uid), "created_at", "paper_id", "commented"),
        (Submission.objects.filter(submitter_id=uid), "submitted_at", "paper_id", "submitted"),
        (
            AuthorClaim.objects.confirmed().filter(user_id=uid),
            "created_at",
            "author__paper_id",
            "wrote",
        ),
        (LibraryItem.objects.filter(user_id=uid), "created_at", "paper_id", "imported"),
        (LessLike.objects.filter(user_id=uid), "created_at", "paper_id", "less"),
    )
    raw: list[tuple[int, str, float]] = []
    for rows, stamp, paper, kind in sources:
        newest = rows.order_by(f"-{stamp}").values_list(paper, stamp)[:cap]
        raw += _ages(newest, kind, now)
    ids = {pk for pk, _, _ in raw}
    shown = Paper.objects.filter(pk__in=ids).values_list("pk", "title", "categories")
    titles, cats = {}, {}
    for pk, title, categories in shown:
        titles[pk], cats[pk] = title, categories
    names = _author_slugs(ids)
    return [
        ranking.Signal(
            pk, kind, age, titles.get(pk, ""), names.get(pk, ()), tuple(cats.get(pk, "").split())
        )
        for pk, kind, age in raw
        if pk in titles
    ]


def _author_slugs(paper_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    out: dict[int, list[str]] = {}
    for pk, slug in (
        PaperAuthor.objects.filter(paper_id__in=list(paper_ids))
        .order_by("paper_id", "position")
        .values_list("paper_id", "slug")
    ):
        if slug:
            out.setdefault(pk, []).append(slug)
    return {pk: tuple(v) for pk, v in out.items()}


def author_names(slugs: Iterable[str]) -> dict[str, str]:
    """A display name for each author slug (the first entry found)."""
    wanted = list(set(slugs))
    out: dict[str, str] = {}
    for slug, name in PaperAuthor.objects.filter(slug__in=wanted).values_list("slug", "name")[
        : len(wanted) * 4
    ]:
        out.setdefault(slug, name)
    return out


def negatives(user: AbstractBaseUser) -> list[int]:
    """Papers listed on the days the reader upvoted on that they did not take."""
    days = (
        Upvote.objects.filter(user_id=user.pk, paper__submission__isnull=False)
        .order_by("-created_at")
        .values_list("paper__submission__submitted_at", flat=True)[:NEGATIVE_DAYS]
    )
    dates = sorted({periods.local_date(d) for d in days if d is not None})
    if not dates:
        return []
    taken = set(Upvote.objects.filter(user_id=user.pk).values_list("paper_id", flat=True))
    out: list[int] = []
    for date in dates:
        start, end = periods.day(date).bounds()
        out += list(
            Submission.objects.visible()
            .filter(submitted_at__gte=start, submitted_at__lt=end)
            .order_by("pk")
            .values_list("paper_id", flat=True)[:100]
        )
    return [pk for pk in dict.fromkeys(out) if pk not in taken][:MAX_NEGATIVES]


def vectors_of(paper_ids: Iterable[int]) -> dict[int, ranking.Vectors]:
    """This node's vectors of those papers that have one (none without a model)."""
    from dailypapers.search import dense

    store = dense.store()
    wanted = np.asarray(sorted(set(paper_ids)), dtype=np.int64)
    if store is None or len(store) == 0 or len(wanted) == 0:
        return {}
    ids, rows = store.lookup(wanted)
    return {int(pk): rows[n] for n, pk in enumerate(ids)}


def fingerprint(found: list[ranking.Signal], extra: Follows) -> str:
    """What a stored profile was computed from; changes when the reader does anything."""
    digest = hashlib.sha1(usedforsecurity=False)
    for s in sorted(found, key=lambda s: (s.kind, s.paper_id)):
        digest.update(f"{s.kind}:{s.paper_id};".encode())
    digest.update(repr((sorted(extra.authors), sorted(extra.categories))).encode())
    return digest.hexdigest()


def profile_for(
    user: AbstractBaseUser, now: dt.datetime | None = None
) -> tuple[ranking.Profile, Follows]:
    """The reader's profile: the stored one when it is current, else computed now."""
    now = now or timezone.now()
    extra = follows(user)
    found = signals(user, now)
    stamp = fingerprint(found, extra)
    vectors = vectors_of([s.paper_id for s in found])
    stored = Profile.objects.filter(user_id=user.pk, signals=stamp).first()
    if stored is not None and stored.computed_at is not None:
        profile = ranking.build(
            found,
            vectors,
            followed_authors=extra.authors,
            followed_categories=extra.categories,
            fit=False,
        )
        profile.weights = _array(stored.weights)
        profile.bias = stored.bias
    else:
        profile = ranking.build(
            found,
            {**vectors, **vectors_of(negatives(user))}
            if len(found) >= ranking.MIN_POSITIVES
            else vectors,
            negatives=negatives(user) if len(found) >= ranking.MIN_POSITIVES else (),
            followed_authors=extra.authors,
            followed_categories=extra.categories,
        )
    return profile, extra


def _array(raw: bytes | memoryview | None) -> ranking.Vectors | None:
    if raw is None:
        return None
    return np.frombuffer(bytes(raw), dtype="<f4").astype(np.float32)


_WORD = re.compile(r"\w+", re.UNICODE)


def search_match(searches: list[str], title: str, abstract: str) -> str:
    """The first saved search whose every word is in the paper's title or abstract."""
    if not searches:
        return ""
    words = set(_WORD.findall(f"{title} {abstract}".lower()))
    for query in searches:
        wanted = _WORD.findall(query.lower())
        if wanted and all(w in words for w in wanted):
            return query
    return ""


@dataclass
class Entry:
    submission: Submission
    reason: str
    less: bool


@dataclass
class Ranking:
    entries: list[Entry]
    total: int
    personal: bool  # False: the plain list (no history, or personalization off)
    interests: list[str] = field(default_factory=list)  # shown to the reader alone


def ranked_period(
    user: AbstractBaseUser, period: periods.Period, *, offset: int, limit: int
) -> Ranking:
    """The period's list ranked for the reader, with a reason for each paper."""
    page = paper_queries.daily_list(period, offset=0, limit=MAX_CANDIDATES)
    subs = page.items
    if not enabled(user):
        return Ranking(
            [Entry(s, "", False) for s in subs[offset : offset + limit]], page.total, False
        )
    profile, extra = profile_for(user)
    if profile.empty and not extra.searches and not extra.organizations:
        return Ranking(
            [Entry(s, "", False) for s in subs[offset : offset + limit]], page.total, False
        )
    paper_ids = [s.paper_id for s in subs]
    slugs = _author_slugs(paper_ids)
    orgs = {s.paper_id: (s.paper.organization.slug if s.paper.organization else "") for s in subs}
    followed_orgs = set(extra.organizations)
    candidates = [
        ranking.Candidate(
            s.paper_id,
            slugs.get(s.paper_id, ()),
            tuple(s.paper.categories.split()),
            search=search_match(extra.searches, s.paper.title, s.paper.abstract),
            organization=orgs[s.paper_id] if orgs[s.paper_id] in followed_orgs else "",
        )
        for s in subs
    ]
    vectors = vectors_of(paper_ids)
    shown_authors = {
        a
        for c in candidates
        for a in c.authors
        if a in profile.authors or a in profile.followed_authors
    }
    names = author_names(shown_authors)
    ranked = ranking.rank(profile, candidates, vectors, names=names, explain=offset + limit)
    by_id = {s.paper_id: s for s in subs}
    entries = [
        Entry(by_id[r.paper_id], r.reason, r.paper_id in profile.less_ids)
        for r in ranked[offset : offset + limit]
    ]
    return Ranking(entries, page.total, True, interests(profile, names))


def interests(profile: ranking.Profile, names: dict[str, str]) -> list[str]:
    """A few words on what the profile holds (shown on the reader's own page only)."""
    out = []
    top_authors = sorted(profile.authors, key=lambda a: -profile.authors[a])[:3]
    missing = [a for a in top_authors if a not in names]
    if missing:
        names = {**names, **author_names(missing)}
    if top_authors:
        out.append("authors: " + ", ".join(names.get(a, a) for a in top_authors))
    cats = sorted(profile.categories, key=lambda c: -profile.categories[c])[:3]
    if cats:
        out.append("categories: " + ", ".join(cats))
    out.append(
        f"{len(profile.papers)} paper{'s' if len(profile.papers) != 1 else ''} "
        "you upvoted, saved, discussed, submitted or wrote"
    )
    return out
