"""The worker's For-you job: profiles of active readers, claimed by conditional update.

Uses the stand-in encoder of tests/support/foryou.py (the real model is not what is tested here).
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from dailypapers.core import worker
from dailypapers.foryou import queries, services
from dailypapers.foryou.models import Preference, Profile
from dailypapers.papers.models import Paper
from tests.support.foryou import seed_hub, upvote

pytestmark = pytest.mark.django_db
_numbers = itertools.count()


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> dict[str, Paper]:
    return seed_hub(monkeypatch)


def readers(count: int, *, logged_in: dt.datetime | None) -> list[User]:
    out = []
    for _ in range(count):
        name = f"r{next(_numbers)}"
        user = User.objects.create_user(name, f"{name}@example.org", "x" * 20)
        user.last_login = logged_in
        user.save(update_fields=["last_login"])
        out.append(user)
    return out


def test_active_readers_get_profiles_and_others_do_not(hub: dict[str, Paper]) -> None:
    now = timezone.now()
    active = readers(3, logged_in=now - dt.timedelta(days=1))
    idle = readers(2, logged_in=now - dt.timedelta(days=90)) + readers(1, logged_in=None)
    upvote(active[0], hub["old-protein-0"], hub["old-protein-1"])
    Preference.objects.create(user=active[2], enabled=False)
    assert services.refresh_profiles(now) == 2
    assert set(Profile.objects.values_list("user_id", flat=True)) == {active[0].pk, active[1].pk}
    first = Profile.objects.get(user=active[0])
    assert first.mean is not None and first.signals and first.claimed_by == ""
    assert not Profile.objects.filter(user__in=idle).exists()
    # Nothing is due until the profiles grow old.
    assert services.refresh_profiles(now + dt.timedelta(minutes=1)) == 0
    assert services.refresh_profiles(now + services.REFRESH + dt.timedelta(minutes=1)) == 2


def test_two_workers_never_claim_the_same_reader(hub: dict[str, Paper]) -> None:
    now = timezone.now()
    readers(5, logged_in=now)
    first_token, first = services.claim_batch(now, size=3)
    _, second = services.claim_batch(now, size=10)
    assert len(first) == 3 and len(second) == 2 and not set(first) & set(second)
    # A third finds nothing while the claims hold; all of them once they run out.
    assert services.claim_batch(now, size=10)[1] == []
    later = now + services.CLAIM + dt.timedelta(seconds=1)
    assert len(services.claim_batch(later + services.REFRESH, size=10)[1]) == 5
    # A worker whose claim was taken over writes nothing.
    assert not services.store_profile(User.objects.get(pk=first[0]), now, claim=first_token)


def test_the_job_is_registered(hub: dict[str, Paper]) -> None:
    worker.discover()
    job = {j.name: j for j in worker.jobs()}["foryou.profiles"]
    readers(1, logged_in=timezone.now())
    assert job.func(timezone.now(), lambda: False) == "computed 1 reader profiles"


def test_a_batch_of_readers_costs_the_same_queries_whatever_its_size(
    hub: dict[str, Paper],
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    now = timezone.now()
    group = readers(8, logged_in=now)
    for n, user in enumerate(group):
        upvote(user, hub[f"old-protein-{n % 3}"], hub[f"language-{n}"])
    Preference.objects.create(user=group[-1], enabled=False)
    counts = []
    for size in (2, 6):
        token, mine = services.claim_batch(now, size=size)
        queries._backgrounds.clear()  # read once per process and hour: count it each time
        with CaptureQueriesContext(connection) as ctx:
            stored = services.store_profiles(mine, now, claim=token)
        assert stored == len(mine) == min(size, 5)  # 7 readers can have a profile
        counts.append(len(ctx.captured_queries) - stored)  # one write per reader
    assert counts[0] == counts[1]
    assert Profile.objects.exclude(computed_at=None).count() == 7
    assert not Profile.objects.filter(user=group[-1]).exists()  # personalization off
    profile = Profile.objects.get(user=group[0])
    assert profile.mean is not None and profile.categories is not None
