"""Writes of the For-you list: "less like this", the settings switch, stored profiles."""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from dailypapers.foryou import queries
from dailypapers.foryou.models import LessLike, Preference, Profile
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
    """Turn personalization on or off; off deletes the profile and the "less like this" marks."""
    Preference.objects.update_or_create(user_id=user.pk, defaults={"enabled": enabled})
    if not enabled:
        Profile.objects.filter(user_id=user.pk).delete()
        LessLike.objects.filter(user_id=user.pk).delete()


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
    from dailypapers.foryou import ranking

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
        done = Profile.objects.filter(user_id=user.pk, claimed_by=claim).update(
            **values, claimed_by="", claimed_until=None
        )
        return done > 0
    Profile.objects.update_or_create(user_id=user.pk, defaults=values)
    return True


def _bytes(vector: np.ndarray | None) -> bytes | None:
    if vector is None:
        return None
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()
