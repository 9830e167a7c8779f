"""Reads for the For-you list: a reader's signals, their profile, a period ranked for them.

A fixed number of queries per page, however many signals or papers there are. The
vectors come from this node's copy (search.dense); without a model or vectors the
ranking uses authors, categories, follows and saved searches alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from dailypapers.community.models import AuthorClaim, CollectionItem, Comment
from dailypapers.core import periods
from dailypapers.foryou import blas, ranking
from dailypapers.foryou.models import LessLike, LibraryItem, Preference, Profile
from dailypapers.papers import queries as paper_queries
from dailypapers.papers.models import Paper, PaperAuthor, Submission, Upvote

# At most this many of the reader's newest signals of each kind make the profile.
SIGNALS_PER_KIND = 500
# The linear model's shared negatives come from the lists of this many recent days.
NEGATIVE_DAYS = 30
# Papers read per query when many readers' signals are read at once.
CHUNK = 5000
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
    return follows_many([user.pk]).get(user.pk, Follows())


def follows_many(user_ids: Sequence[int]) -> dict[int, Follows]:
    """``follows`` for many readers in one query (the worker's batches)."""
    try:
        model = apps.get_model("digests", "Subscription")
    except LookupError:
        return {}
    out: dict[int, Follows] = {}
    for row in model.objects.filter(user_id__in=list(user_ids)).values(
        "user_id", "authors", "organizations", "categories", "searches"
    ):
        found = out.setdefault(row["user_id"], Follows())
        found.authors += [str(a) for a in row["authors"] or []]
        found.organizations += [str(o) for o in row["organizations"] or []]
        found.categories += [str(c) for c in row["categories"] or []]
        found.searches += [str(s) for s in row["searches"] or []]
    return out


def signals(user: AbstractBaseUser, now: dt.datetime) -> list[ranking.Signal]:
    """Everything the reader did with papers, newest first per kind, with titles and authors."""
    return signals_many([user.pk], now).get(user.pk, [])


def signals_many(
    user_ids: Sequence[int], now: dt.datetime, *, authors: bool = True
) -> dict[int, list[ranking.Signal]]:
    """``signals`` of many readers in a fixed number of queries (the worker's batches);
    without ``authors``, the signals' papers come without their authors."""
    wanted = list(user_ids)
    # (rows, the path to the reader, their time stamp, the path to the paper, the kind)
    sources: tuple[tuple[QuerySet[Any], str, str, str, str], ...] = (
        (Upvote.objects.all(), "user_id", "created_at", "paper_id", "upvoted"),
        (CollectionItem.objects.all(), "collection__owner_id", "added_at", "paper_id", "collected"),
        (Comment.objects.live(), "author_id", "created_at", "paper_id", "commented"),
        (Submission.objects.all(), "submitter_id", "submitted_at", "paper_id", "submitted"),
        (AuthorClaim.objects.confirmed(), "user_id", "created_at", "author__paper_id", "wrote"),
        (LibraryItem.objects.all(), "user_id", "created_at", "paper_id", "imported"),
        (LessLike.objects.all(), "user_id", "created_at", "paper_id", "less"),
    )
    raw: dict[int, list[tuple[int, str, float]]] = {uid: [] for uid in wanted}
    for rows, reader, stamp, paper, kind in sources:
        newest = rows.filter(**{f"{reader}__in": wanted}).order_by(reader, f"-{stamp}")
        if len(wanted) == 1:
            newest = newest[:SIGNALS_PER_KIND]
        counts: dict[int, int] = {}
        for uid, pk, at in newest.values_list(reader, paper, stamp):
            counts[uid] = counts.get(uid, 0) + 1
            if counts[uid] <= SIGNALS_PER_KIND:
                raw[uid].append((pk, kind, max((now - at).total_seconds() / 86400.0, 0.0)))
    ids = sorted({pk for found in raw.values() for pk, _, _ in found})
    titles, cats = {}, {}
    names: dict[int, tuple[str, ...]] = {}
    # In chunks: a batch of heavy readers names more papers than a query may hold.
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        shown = Paper.objects.filter(pk__in=chunk).values_list("pk", "title", "categories")
        for pk, title, categories in shown:
            titles[pk], cats[pk] = title, tuple(categories.split())
        if authors:
            names.update(_author_slugs(chunk))
    return {
        uid: [
            ranking.Signal(pk, kind, age, titles[pk], names.get(pk, ()), cats[pk])
            for pk, kind, age in found
            if pk in titles
        ]
        for uid, found in raw.items()
    }


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


def background(now: dt.datetime | None = None) -> ranking.Background | None:
    """The linear model's shared negatives: the newest papers on the lists of the last
    30 days. One per process and hour (the worker's run, a page's fresh profile)."""
    now = now or timezone.now()
    key = (now.replace(minute=0, second=0, microsecond=0), _store_size())
    cached = _backgrounds.get("shared")
    if cached is not None and cached[0] == key:
        return cached[1]
    recent = list(
        Submission.objects.visible()
        .filter(submitted_at__gte=now - dt.timedelta(days=NEGATIVE_DAYS), submitted_at__lte=now)
        .order_by("-submitted_at")
        .values_list("paper_id", flat=True)[: ranking.BACKGROUND_SIZE]
    )
    vectors = vectors_of(recent)
    found = ranking.background(np.stack(list(vectors.values()))) if vectors else None
    _backgrounds["shared"] = (key, found)
    return found


_backgrounds: dict[str, tuple[tuple[dt.datetime, int], ranking.Background | None]] = {}


def _store_size() -> int:
    from dailypapers.search import dense

    store = dense.store()
    return 0 if store is None else len(store)


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
    """The reader's profile: the stored one when it is current, else computed now.

    The stored one brings its author affinities and linear model, so a page reads only
    which papers the reader took and their titles, not the authors of each.
    """
    now = now or timezone.now()
    extra = follows(user)
    found = signals_many([user.pk], now, authors=False)[user.pk]
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
        profile.authors = {str(k): float(v) for k, v in (stored.authors or {}).items()}
        profile.weights = _array(stored.weights)
        profile.bias = stored.bias
    else:
        names = _author_slugs({s.paper_id for s in found})
        profile = ranking.build(
            [dataclasses.replace(s, authors=names.get(s.paper_id, ())) for s in found],
            vectors,
            background=background(now) if len(found) >= ranking.MIN_POSITIVES else None,
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
    found = _personal(user, subs, explain=offset + limit)
    if found is None:
        return Ranking(
            [Entry(s, "", False) for s in subs[offset : offset + limit]], page.total, False
        )
    profile, ranked, names = found
    by_id = {s.paper_id: s for s in subs}
    entries = [
        Entry(by_id[r.paper_id], r.reason, r.paper_id in profile.less_ids)
        for r in ranked[offset : offset + limit]
    ]
    return Ranking(entries, page.total, True, interests(profile, names))


# Reasons that say nothing about the reader (a digest's For-you section leaves them out).
_NOT_PERSONAL = {"", "top of the list today", "you asked for less like this"}


def picks(
    user: AbstractBaseUser, submission_ids: Sequence[int], limit: int
) -> list[tuple[int, str]]:
    """(submission, reason) of the entries, in the list's order, most for the reader first.

    Only entries with a reason of the reader's own; empty when personalization is off
    or the reader has nothing to go on. For the digest's For-you section.
    """
    rows = Submission.objects.filter(pk__in=list(submission_ids)[:MAX_CANDIDATES]).select_related(
        "paper", "paper__organization"
    )
    by_pk = {s.pk: s for s in rows}
    subs = [by_pk[pk] for pk in submission_ids if pk in by_pk]
    found = _personal(user, subs, explain=limit * 4)
    if found is None:
        return []
    _, ranked, _ = found
    sub_of = {s.paper_id: s.pk for s in subs}
    chosen = [(sub_of[r.paper_id], r.reason) for r in ranked if r.reason not in _NOT_PERSONAL]
    return chosen[:limit]


def _personal(
    user: AbstractBaseUser, subs: list[Submission], *, explain: int
) -> tuple[ranking.Profile, list[ranking.Ranked], dict[str, str]] | None:
    """``subs`` (in the list's order) ranked for the reader; None without personalization."""
    if not enabled(user):
        return None
    with blas.one_thread():
        return _ranked_for(user, subs, explain=explain)


def _ranked_for(
    user: AbstractBaseUser, subs: list[Submission], *, explain: int
) -> tuple[ranking.Profile, list[ranking.Ranked], dict[str, str]] | None:
    profile, extra = profile_for(user)
    if profile.empty and not extra.searches and not extra.organizations:
        return None
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
    shown_authors = {
        a
        for c in candidates
        for a in c.authors
        if a in profile.authors or a in profile.followed_authors
    }
    names = author_names(shown_authors)
    ranked = ranking.rank(profile, candidates, vectors_of(paper_ids), names=names, explain=explain)
    return profile, ranked, names


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
