"""The web server's worker (core.webworker): new connections go to the processes that
hold the fewest, so that kept-alive connections spread evenly over the processes."""

from __future__ import annotations

import http.client
import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from gunicorn.config import Config

from dailypapers.core import webworker
from tests.support.hub import clean_env, scratch_database, start_server


@pytest.fixture
def shared() -> Iterator[None]:
    webworker.share_counts()
    yield
    webworker._counts = None


def _worker(threads: int = 4) -> Any:
    """A worker object as gunicorn makes one in a forked process, not started: its
    accepting rule reads only its own count and the shared array."""
    cfg = Config()
    cfg.set("threads", threads)
    log = SimpleNamespace(debug=lambda *a, **k: None, info=lambda *a, **k: None)
    worker = webworker.BalancedThreadWorker(0, 0, [], None, 30, cfg, log)
    worker._slot = webworker._claim()
    return worker


def _accepts(worker: Any) -> bool:
    # gunicorn's loop listens for new connections while this holds.
    return bool(worker.nr_conns < worker.worker_connections)


def _other_process_holds(connections: int) -> None:
    """Another live worker (this test's parent process stands in for one)."""
    counts = webworker._counts
    free = next(s for s in range(webworker.SLOTS) if not counts[2 * s])
    counts[2 * free], counts[2 * free + 1] = os.getppid(), connections


def test_a_process_takes_a_connection_only_while_it_holds_the_fewest(shared: None) -> None:
    worker = _worker()
    _other_process_holds(3)
    worker.nr_conns = 3
    assert _accepts(worker)  # level: either may take it
    worker.nr_conns = 4
    assert not _accepts(worker)  # one ahead: the other takes the next
    _other_process_holds(9)  # a third process; the fewest is still 3
    assert not _accepts(worker)
    webworker.forget(os.getppid())  # both others gone: this one is the fewest
    assert _accepts(worker)
    worker.nr_conns = 1000  # never beyond gunicorn's own cap
    assert not _accepts(worker)


def test_a_dead_process_slot_is_taken_over(shared: None) -> None:
    counts = webworker._counts
    for slot in range(webworker.SLOTS):  # every slot names a process that is gone
        counts[2 * slot], counts[2 * slot + 1] = 2**22 + 1 + slot, 0
    assert webworker._claim() is not None


def test_without_the_shared_counts_it_is_gunicorns_worker() -> None:
    worker = _worker()
    worker.nr_conns = 999
    assert _accepts(worker)


def _sockets_of(pid: int, port: int) -> int:
    """How many established connections to ``port`` the process ``pid`` holds."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                if local_port == port and fields[3] == "01":
                    inodes.add(fields[9])
    held = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        held += link.startswith("socket:[") and link[8:-1] in inodes
    return held


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            if parent == pid:
                found.append(int(entry))
    return found


def test_the_server_spreads_kept_alive_connections_over_its_processes(tmp_path: Path) -> None:
    with scratch_database() as db_env:
        server = start_server(tmp_path / "data", tmp_path / "serve.log", env=clean_env(**db_env))
        conns = []
        try:
            for _ in range(12):
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
                conn.request("GET", "/healthz")
                response = conn.getresponse()
                response.read()
                assert response.status == 200
                assert response.getheader("Connection", "").lower() == "keep-alive"
                conns.append(conn)
            workers = _children(server.process.pid)
            held = sorted(_sockets_of(pid, server.port) for pid in workers)
            assert sum(held) == 12, held
            assert len(held) == 2 and held[-1] - held[0] <= 1, held
        finally:
            for conn in conns:
                conn.close()
            server.stop()
