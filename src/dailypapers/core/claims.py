"""Claims on rows (take, extend, release), who holds a claim, and whether that process is gone.

Work that one process takes for itself (a source being synced, a batch of digests
being sent) is tagged with its holder; when the holder was killed, the next
process takes the work over at once instead of waiting for the claim to time out.
That is only safe when the holder is surely gone, so the answer is "gone" only
for a process of this very machine and process-id namespace that

- no longer exists,
- is a zombie: it ended but no parent reaped it (containers without an init
  process keep them around, and ``kill(pid, 0)`` still succeeds on them),
- or was replaced: its pid now belongs to a process that started at another time,
- or is this process's pid from an earlier run (a restarted container often gets
  the same pid).

Anything else (another host, another container, a holder written in an older
format) is "maybe alive": only the claim's timeout can free it.

A holder reads ``host:pid:start:nonce-run:place``: ``start`` is when the process
started (clock ticks after boot, from /proc), ``nonce`` tells this process apart
from earlier ones with its pid, ``run`` tells one claim of this process from its
next, and ``place`` is a short digest of the boot id and the pid namespace:
containers on one machine may share a host name without seeing each other's
processes, and a pid means something only where the place is the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import socket
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TypeVar

from django.db import models
from django.db.models import Q, QuerySet

_PROC = Path("/proc")
# Process states of /proc/<pid>/stat that mean the process has ended.
_ENDED_STATES = frozenset("ZXx")


def _stat(pid: int | str) -> tuple[str, str] | None:
    """(state, start time) of a process from /proc; None when there is no such process."""
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except FileNotFoundError:
        return None
    except ProcessLookupError:
        return None
    # The command name is in parentheses and may hold spaces and parentheses itself.
    fields = text.rpartition(")")[2].split()
    # After the name: state (field 3 of proc(5)) ... starttime (field 22).
    return fields[0], fields[19]


def _place() -> str:
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        space = os.readlink("/proc/self/ns/pid")
    except OSError:
        return "0"  # no /proc: no pid namespaces either; the host name decides
    return hashlib.sha256(f"{boot} {space}".encode()).hexdigest()[:8]


def _started() -> str:
    try:
        found = _stat("self")
    except OSError:
        return "0"
    return found[1] if found else "0"


# Host names are at most 64 characters on Linux; a holder must fit its columns.
_HOST = socket.gethostname()[:64].replace(":", "-")
_PLACE = _place()
_NONCE = secrets.token_hex(4)
_PID = os.getpid()
_START = _started()


def _refresh_after_fork() -> None:
    global _NONCE, _PID, _START
    _NONCE, _PID, _START = secrets.token_hex(4), os.getpid(), _started()


os.register_at_fork(after_in_child=_refresh_after_fork)


def new_holder() -> str:
    """A holder tag for one claim of this process (each call a new one)."""
    return f"{_HOST}:{_PID}:{_START}:{_NONCE}-{secrets.token_hex(3)}:{_PLACE}"


def holder_gone(holder: str) -> bool:
    """True when ``holder`` was a process here that has ended; False when unsure."""
    parts = holder.split(":")
    if len(parts) != 5:
        return False  # an older format: only the timeout can tell
    host, pid_text, start, run, place = parts
    if host != _HOST or place != _PLACE or not (pid_text.isascii() and pid_text.isdigit()):
        return False  # another machine's or container's claim
    pid = int(pid_text)
    if pid == _PID:
        return not run.startswith(f"{_NONCE}-")
    if not _PROC.is_dir():
        return _signal_says_gone(pid)
    try:
        found = _stat(pid)
    except OSError:
        return False
    if found is None:
        return True
    state, started = found
    return state in _ENDED_STATES or (start != "0" and started != start)


def _signal_says_gone(pid: int) -> bool:
    """Without /proc: whether signalling ``pid`` finds no process (zombies look alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False
    return False


# -- claims on rows -----------------------------------------------------------------
#
# A claimable row has a holder column (``claimed_by``, "" when free) and an expiry
# column (``claimed_until``, null when free). A claim is taken by one conditional
# UPDATE: of two takers, only one's update matches a row, so the rows a taker reads
# back with its own holder are surely its own.

_M = TypeVar("_M", bound=models.Model)


def unheld(now: dt.datetime) -> Q:
    """Rows that no claim holds at ``now``: never claimed, released, or run out."""
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def held_by_gone(holders: Iterable[str], *, column: str = "claimed_by") -> Q:
    """Rows held by one of ``holders`` that is surely gone (see ``holder_gone``).

    Meant to be OR-ed to a condition: matches nothing when none of them is gone.
    """
    gone = sorted({h for h in holders if h and holder_gone(h)})
    return Q(**{f"{column}__in": gone})


def take(
    rows: QuerySet[_M], holder: str, now: dt.datetime, timeout: dt.timedelta, *, seen: str = ""
) -> int:
    """Claim those of ``rows`` that are free (or already ``holder``'s) until ``now + timeout``.

    ``seen`` is the holder last read on the row: when that process is surely gone its
    claim is taken over at once instead of after its timeout; the update stays
    conditional on that holder, so of two takers only one gets it. Returns how many
    rows were taken.
    """
    free = unheld(now) | Q(claimed_by=holder) | held_by_gone([seen])
    return rows.filter(free).update(claimed_by=holder, claimed_until=now + timeout)


def extend(rows: QuerySet[_M], holder: str, until: dt.datetime) -> int:
    """Move ``holder``'s claim on ``rows`` forward to ``until``: long work is alive, not stuck."""
    return rows.filter(claimed_by=holder).update(claimed_until=until)


def release(rows: QuerySet[_M], holder: str, **changes: object) -> int:
    """Free ``holder``'s claim on ``rows``, writing ``changes`` in the same update."""
    return rows.filter(claimed_by=holder).update(**changes, claimed_by="", claimed_until=None)


def take_batch(
    model: type[_M],
    key: str,
    new: Sequence[int],
    old: Sequence[int],
    now: dt.datetime,
    timeout: dt.timedelta,
    *,
    holder: str = "",
    **fields: object,
) -> tuple[str, list[int]]:
    """Claim a batch of rows keyed by ``key``; two workers never get the same key.

    ``new`` keys have no row yet: theirs are created already claimed (with ``fields``),
    and a key another worker created first is left to it. ``old`` rows are taken when
    unheld. Returns the holder and the keys it got.
    """
    holder = holder or new_holder()
    until = now + timeout
    manager = model._default_manager
    manager.bulk_create(
        [model(**{key: pk}, claimed_by=holder, claimed_until=until, **fields) for pk in new],
        ignore_conflicts=True,
    )
    if old:
        take(manager.filter(**{f"{key}__in": old}), holder, now, timeout)
    mine = list(
        manager.filter(**{f"{key}__in": [*new, *old]}, claimed_by=holder).values_list(
            key, flat=True
        )
    )
    return holder, mine
