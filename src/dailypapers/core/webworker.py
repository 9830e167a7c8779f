"""The web server's worker processes: gunicorn's threaded worker, with connections
that go to a process that has a thread free.

A kept-alive connection stays with the process that accepted it, and gunicorn's
threaded worker accepts whatever arrives while its main thread is awake. When many
clients connect at once, or reconnect, the busy process that is already awake takes
them: 12 of 20 connections on one of 4 processes was seen. That process has one
interpreter lock and so at most one core; its clients wait several times as long as
the rest while other processes sit idle.

Here a process stops taking new connections while every one of its threads has a
request (idle kept-alive connections do not count), so a new connection waits in
the listening socket's queue for a process with a thread free, as it would for a
process-per-request server. A connection is also closed (``Connection: close``,
announced in the answer) after ``REQUESTS_PER_CONNECTION`` answers, so that
connections taken in a burst spread out again; reconnecting costs a handshake, once
per many requests.
"""

from __future__ import annotations

from typing import Any

from gunicorn.workers.gthread import ThreadWorker

# Like a web server's cap on requests per kept-alive connection (nginx: 1,000), low
# enough that connections taken in a burst spread out again within seconds.
REQUESTS_PER_CONNECTION = 50


class BalancedThreadWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's ``gthread`` worker; connections are handed out as described above."""

    _most_connections = 1000

    @property
    def worker_connections(self) -> int:
        """How many connections this process may hold now: gunicorn's loop accepts only
        while it holds fewer."""
        busy = self.nr_conns - len(self.keepalived_conns) - len(self.pending_conns)
        if busy >= self.cfg.threads:
            return int(self.nr_conns)
        return self._most_connections

    @worker_connections.setter
    def worker_connections(self, value: int) -> None:
        self._most_connections = value

    def handle_request(self, req: Any, conn: Any) -> Any:
        served = getattr(conn, "dp_served", 0) + 1
        conn.dp_served = served
        if served >= REQUESTS_PER_CONNECTION:
            req.force_close()
        return super().handle_request(req, conn)
