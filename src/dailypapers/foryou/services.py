"""Writes of the For-you list: "less like this", the settings switch, stored profiles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dailypapers.core import claims
from dailypapers.foryou import queries, ranking
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
    if not queries.enabled(user):
        Profile.objects.filter(user_id=user.pk).delete()
        return False
    now = now or timezone.now()
    extra = queries.follows(user)
    found = queries.signals(user, now)
    negatives = queries.negatives(user) if len(found) >= 5 else []
    vectors = queries.vectors_of([*(s.paper_id for s in found), *negatives])
    profile = ranking.build(
        found,
        vectors,
        negatives=negatives,
        followed_authors=extra.authors,
        followed_categories=extra.categories,
    )
    values = {
        "mean": _bytes(profile.mean),
        "weights": _bytes(profile.weights),
        "bias": profile.bias,
        "authors": dict(sorted(profile.authors.items(), key=lambda kv: -kv[1])[:200]),
        "categories": profile.categories,
        "signals": queries.fingerprint(found, extra),
        "computed_at": now,
    }
    if claim:
        return claims.release(Profile.objects.filter(user_id=user.pk), claim, **values) > 0
    Profile.objects.update_or_create(user_id=user.pk, defaults=values)
    return True


def _bytes(vector: npt.NDArray[np.float32] | None) -> bytes | None:
    if vector is None:
        return None
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


# -- the worker: profiles of active readers, kept fresh -----------------------------------

ACTIVE = dt.timedelta(days=30)  # readers signed in within this are "active"
REFRESH = dt.timedelta(hours=6)  # a profile older than this is computed again
CLAIM = dt.timedelta(minutes=10)
BATCH = 50


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
    users = get_user_model().objects
    while not should_stop() and (limit is None or done < limit):
        token, mine = claim_batch(now)
        if not mine:
            break
        for user in users.filter(pk__in=mine):
            store_profile(user, now, claim=token)
            done += 1
    return done
