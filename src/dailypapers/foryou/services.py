"""Writes of the For-you list: "less like this", the settings switch, stored profiles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dailypapers.core import claims
from dailypapers.foryou import blas, queries, ranking
from dailypapers.foryou.models import LessLike, LibraryItem, Preference, Profile
from dailypapers.papers.models import Paper


def less_like(user: AbstractBaseUser, paper: Paper, *, undo: bool = False) -> bool:
    """Mark (or unmark) a paper as "less like this" for the reader; True when it is marked."""
    if undo:
        LessLike.objects.filter(user_id=user.pk, paper=paper).delete()
        return False
    # A second click (or two at once) leaves one row.
    LessLike.objects.bulk_create([LessLike(user_id=user.pk, paper=paper)], ignore_conflicts=True)
    return True


@transaction.atomic
def set_enabled(user: AbstractBaseUser, enabled: bool) -> None:
    """Turn personalization on or off; off deletes the profile, the library and the
    "less like this" marks."""
    Preference.objects.update_or_create(user_id=user.pk, defaults={"enabled": enabled})
    if not enabled:
        Profile.objects.filter(user_id=user.pk).delete()
        LessLike.objects.filter(user_id=user.pk).delete()
        LibraryItem.objects.filter(user_id=user.pk).delete()


def store_profile(
    user: AbstractBaseUser, now: dt.datetime | None = None, *, claim: str = ""
) -> bool:
    """Compute the reader's profile and keep it; False when personalization is off.

    With ``claim`` (the worker), the row is written only while that claim holds it.
    """
    return store_profiles([user.pk], now or timezone.now(), claim=claim) == 1


def store_profiles(user_ids: Sequence[int], now: dt.datetime, *, claim: str = "") -> int:
    """Compute and keep the profiles of many readers at once; returns how many were kept.

    A fixed number of queries for the batch, whatever its size, and one write each in
    one transaction. Readers who turned personalization off lose their profile instead.
    """
    off = set(
        Preference.objects.filter(user_id__in=list(user_ids), enabled=False).values_list(
            "user_id", flat=True
        )
    )
    wanted = [uid for uid in user_ids if uid not in off]
    found = queries.signals_many(wanted, now)
    extra = queries.follows_many(wanted)
    vectors = queries.vectors_of(s.paper_id for signals in found.values() for s in signals)
    stored = 0
    with blas.one_thread(), transaction.atomic():
        shared = queries.background(now) if vectors else None
        Profile.objects.filter(user_id__in=off).delete()
        for uid in wanted:
            follows = extra.get(uid, queries.Follows())
            profile = ranking.build(
                found[uid],
                vectors,
                background=shared,
                followed_authors=follows.authors,
                followed_categories=follows.categories,
            )
            values = {
                "mean": _bytes(profile.mean),
                "weights": _bytes(profile.weights),
                "bias": profile.bias,
                "authors": dict(sorted(profile.authors.items(), key=lambda kv: -kv[1])[:200]),
                "categories": profile.categories,
                "signals": queries.fingerprint(found[uid], follows),
                "computed_at": now,
            }
            if claim:
                rows = Profile.objects.filter(user_id=uid)
                stored += claims.release(rows, claim, **values)
            else:
                Profile.objects.update_or_create(user_id=uid, defaults=values)
                stored += 1
    return stored


def _bytes(vector: npt.NDArray[np.float32] | None) -> bytes | None:
    if vector is None:
        return None
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


# -- the worker: profiles of active readers, kept fresh -----------------------------------

ACTIVE = dt.timedelta(days=30)  # readers signed in within this are "active"
REFRESH = dt.timedelta(hours=6)  # a profile older than this is computed again
CLAIM = dt.timedelta(minutes=10)
BATCH = 500  # readers per claim: ~1 s of work (benchmarks/bench_foryou.py)


def _due(now: dt.datetime, size: int) -> tuple[list[int], list[int]]:
    """(active readers without a profile, profiles to take over: old, unclaimed or run out)."""
    active = (
        get_user_model()
        .objects.filter(is_active=True, last_login__gte=now - ACTIVE)
        .exclude(foryou_preference__enabled=False)
    )
    new = list(
        active.filter(foryou_profile__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:size]
    )
    if len(new) >= size:
        return new, []
    old = list(
        Profile.objects.filter(user__in=active)
        .filter(Q(computed_at__isnull=True) | Q(computed_at__lt=now - REFRESH))
        .filter(claims.unheld(now))
        .order_by("computed_at", "pk")
        .values_list("user_id", flat=True)[: size - len(new)]
    )
    return new, old


def claim_batch(now: dt.datetime, size: int = BATCH) -> tuple[str, list[int]]:
    """Claim readers whose profile is due; two workers never get the same reader."""
    new, old = _due(now, size)
    return claims.take_batch(Profile, "user_id", new, old, now, CLAIM)


def refresh_profiles(
    now: dt.datetime, should_stop: Callable[[], bool] = lambda: False, *, limit: int | None = None
) -> int:
    """Compute the due profiles of active readers, a claimed batch at a time; returns how many."""
    done = 0
    while not should_stop() and (limit is None or done < limit):
        token, mine = claim_batch(now)
        if not mine:
            break
        store_profiles(mine, now, claim=token)
        done += len(mine)
    return done
