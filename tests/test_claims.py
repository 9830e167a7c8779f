"""Claim holders: one liveness check for syncs and digest senders, zombies included.

A zombie is made for real: a forked child that exits and is not reaped, as happens
to every killed process in a container that has no init to reap it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone

from dailypapers.core import claims
from dailypapers.digests import sending
from dailypapers.digests.models import DigestSend, SendStatus
from dailypapers.ingest import sync
from tests.support.claims import ended_pid, holder_for, start_of
from tests.support.digests import subscriber
from tests.support.factories import utc

SIGNED_UP = utc(2026, 4, 6, 12)
DUE = utc(2026, 4, 7, 8)  # the next 08:00 UTC slot


def state_of(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]


@pytest.fixture
def zombie() -> Iterator[int]:
    """The pid of a child that has exited and is not reaped (yet)."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    try:
        deadline = time.monotonic() + 30
        while state_of(pid) != "Z":
            assert time.monotonic() < deadline, "the child did not exit"
            time.sleep(0.01)
        yield pid
    finally:
        os.waitpid(pid, 0)


def test_a_zombie_is_gone(zombie: int) -> None:
    assert state_of(zombie) == "Z"  # still there: kill(pid, 0) would succeed
    os.kill(zombie, 0)
    assert claims.holder_gone(holder_for(zombie))


@pytest.mark.parametrize(
    "holder, gone",
    [
        ("ended", True),
        ("earlier-process-with-our-pid", True),
        ("pid-reused-by-another-process", True),
        ("alive", False),
        ("this-process", False),
        ("alive-without-start-time", False),
        ("other-host", False),
        ("other-pid-namespace", False),
        ("older-format", False),
        ("garbage", False),
    ],
)
def test_holder_gone(holder: str, gone: bool) -> None:
    host, _, _, run, place = claims.new_holder().split(":")
    ended = ended_pid()
    parent = os.getppid()
    tag = {
        "ended": holder_for(ended),
        "earlier-process-with-our-pid": holder_for(os.getpid()),
        "pid-reused-by-another-process": holder_for(parent, start=str(int(start_of(parent)) + 1)),
        "alive": holder_for(parent),
        "this-process": claims.new_holder(),
        "alive-without-start-time": holder_for(parent, start="0"),
        "other-host": f"elsewhere:{ended}:0:{run}:{place}",
        "other-pid-namespace": holder_for(ended, place="f" * len(place)),
        "older-format": f"{host}:{ended}:{run}:{place}",
        "garbage": "::::",
    }[holder]
    assert claims.holder_gone(tag) is gone


def test_holders_are_unique_and_fit_the_claim_columns() -> None:
    holders = {claims.new_holder() for _ in range(100)}
    assert len(holders) == 100
    assert max(len(h) for h in holders) <= 120  # DigestSend.claimed_by


@pytest.mark.django_db
def test_a_sync_claim_held_by_a_zombie_is_taken_at_once(zombie: int) -> None:
    now = timezone.now()
    assert sync.claim("hf", holder_for(zombie), now)
    assert sync.claim("hf", claims.new_holder(), now)
    assert not sync.claim("hf", claims.new_holder(), now)  # the taker's claim holds


@pytest.mark.django_db
def test_a_sync_claim_held_by_a_live_process_stands() -> None:
    now = timezone.now()
    assert sync.claim("hf", holder_for(os.getppid()), now)
    assert not sync.claim("hf", claims.new_holder(), now)


@pytest.mark.django_db
@pytest.mark.parametrize("holder", ["zombie", "alive"])
def test_digests_claimed_by_a_zombie_sender_are_recovered_at_once(holder: str, zombie: int) -> None:
    for name in ("a", "b"):
        subscriber(f"{name}@example.org", now=SIGNED_UP)
    sending.plan(DUE)
    first, second = DigestSend.objects.order_by("subscription__email")
    owner = holder_for(zombie if holder == "zombie" else os.getppid())
    DigestSend.objects.filter(pk=first.pk).update(
        status=SendStatus.CLAIMED, claimed_by=owner, claimed_at=timezone.now()
    )
    DigestSend.objects.filter(pk=second.pk).update(
        status=SendStatus.SENDING, claimed_by=owner, claimed_at=timezone.now()
    )
    released, unknown = sending.recover()
    if holder == "zombie":
        assert (released, unknown) == (1, 1)
        first.refresh_from_db()
        assert first.status == SendStatus.PENDING and first.claimed_by == ""
    else:
        assert (released, unknown) == (0, 0)
