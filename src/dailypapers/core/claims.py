"""Who holds a claim, and whether that process is gone.

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

import hashlib
import os
import secrets
import socket
from pathlib import Path

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
