"""The web server's worker (core.webworker): kept-alive connections are handed back
after a number of answers, and a process whose threads are all busy takes no new
connection, so that connections spread over the processes."""

from __future__ import annotations

import http.client
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from gunicorn.config import Config

from dailypapers.core import webworker
from tests.support.hub import clean_env, scratch_database, start_server


def test_a_kept_alive_connection_is_handed_back_after_its_share_of_answers(
    tmp_path: Path,
) -> None:
    with scratch_database() as db_env:
        server = start_server(tmp_path / "data", tmp_path / "serve.log", env=clean_env(**db_env))
        try:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            announced = []
            for _ in range(webworker.REQUESTS_PER_CONNECTION):
                conn.request("GET", "/healthz")
                response = conn.getresponse()
                response.read()
                assert response.status == 200
                announced.append(response.getheader("Connection", "").lower())
            # Kept alive until the last answer, which says it closes; then it is closed.
            assert set(announced[:-1]) == {"keep-alive"}
            assert announced[-1] == "close"
            assert conn.sock is None
            # A new connection is served as before.
            conn.request("GET", "/healthz")
            assert conn.getresponse().status == 200
            conn.close()
        finally:
            server.stop()


def _worker(threads: int) -> Any:
    """A worker object as gunicorn makes one in a forked process, not started: its
    accepting rule reads only its own counts."""
    cfg = Config()
    cfg.set("threads", threads)
    cfg.set("worker_class", "dailypapers.core.webworker.BalancedThreadWorker")
    log = SimpleNamespace(debug=lambda *a, **k: None, info=lambda *a, **k: None)
    return webworker.BalancedThreadWorker(0, 0, [], None, 30, cfg, log)


@pytest.mark.parametrize("threads", [1, 4])
def test_a_process_takes_new_connections_only_while_a_thread_is_free(threads: int) -> None:
    worker = _worker(threads)

    def accepts() -> bool:
        # gunicorn's loop: it listens for new connections while this holds.
        return bool(worker.nr_conns < worker.worker_connections)

    assert accepts()
    worker.nr_conns = threads - 1  # requests in hand, one thread free
    assert accepts()
    worker.nr_conns = threads  # every thread has a request
    assert not accepts()
    worker.keepalived_conns.append(object())  # one of them is idle, kept alive
    assert accepts()
    worker.nr_conns = 600  # idle connections do not count against it ...
    worker.keepalived_conns.extend(object() for _ in range(600 - threads))
    assert accepts()
    worker.nr_conns = 1000  # ... up to gunicorn's own cap
    assert not accepts()
