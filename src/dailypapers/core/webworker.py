"""The web server's worker processes: gunicorn's threaded worker, with connections
spread evenly over the processes.

A kept-alive connection stays with the process that accepted it, and gunicorn's
threaded worker accepts whatever arrives while its main thread is awake. When many
clients connect at once, the process that happens to be awake takes most of them:
12 of 20 connections on one of 4 processes was seen. That process has one
interpreter lock and so at most one core; its clients wait several times as long as
the others' while the other processes sit idle.

Here the processes publish how many connections each holds (``share_counts``, an
array in shared memory made by ``serve`` before it starts them), and a process
takes a new connection only while it holds no more than the fewest held by any
process. Some process always qualifies, so a new connection is never left
waiting for long; counts stay within a connection or two of each other. Without the
shared array (another server starting this worker) it behaves as gunicorn's own.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

# Worker processes the array has room for (more are given no slot and are not held
# back; ``serve`` starts at most 8 by default).
SLOTS = 64
# A process takes a new connection while it holds fewer than the fewest held by any
# process plus this: counts stay within one of each other.
SPREAD = 1

# (pid, connections) per slot; made by the master before it forks its workers.
_counts: Any = None


def share_counts() -> None:
    """Make the shared array; call in the server's master, before workers start."""
    global _counts
    _counts = multiprocessing.Array("q", 2 * SLOTS, lock=True)


def forget(pid: int) -> None:
    """A worker has exited: free its slot (called in the master)."""
    if _counts is None:
        return
    with _counts.get_lock():
        for slot in range(SLOTS):
            if _counts[2 * slot] == pid:
                _counts[2 * slot] = 0
                _counts[2 * slot + 1] = 0


def _claim() -> int | None:
    """A free slot for this process (one whose process is gone counts as free)."""
    if _counts is None:
        return None
    with _counts.get_lock():
        for slot in range(SLOTS):
            pid = _counts[2 * slot]
            if pid and pid != os.getpid():
                try:
                    os.kill(pid, 0)
                    continue
                except ProcessLookupError:
                    pass
                except PermissionError:
                    continue
            _counts[2 * slot] = os.getpid()
            _counts[2 * slot + 1] = 0
            return slot
    return None


def fewest() -> int | None:
    """The fewest connections any live worker holds (None without the array)."""
    if _counts is None:
        return None
    # One copy of the whole array, without the lock (each slot has one writer): read
    # item by item through the lock it cost a process 128 lock round trips a loop.
    raw = _counts.get_obj()[:]
    held = [raw[i + 1] for i in range(0, len(raw), 2) if raw[i]]
    return min(held) if held else None


class BalancedThreadWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's ``gthread`` worker; new connections go as described above."""

    _most_connections = 1000
    _slot: int | None = None

    def init_process(self) -> None:
        self._slot = _claim()
        super().init_process()

    @property
    def worker_connections(self) -> int:
        """How many connections this process may hold now: gunicorn's loop accepts only
        while it holds fewer."""
        held = int(self.nr_conns)
        if self._slot is None:
            return self._most_connections
        _counts.get_obj()[2 * self._slot + 1] = held
        least = fewest()
        if least is not None and held >= least + SPREAD:
            return held
        return self._most_connections

    @worker_connections.setter
    def worker_connections(self, value: int) -> None:
        self._most_connections = value
