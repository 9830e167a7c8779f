"""Mail that must not hold up, or show in, the answer to a request.

A password reset for a known address sends a mail, one for an unknown address does
not: made and sent inline, the time of the answer told which addresses have
accounts. Such work is queued with ``after_response`` and run by a thread started
when the request is finished (Django's request_finished, sent when the server has
delivered the response and closes it), so the answer costs the same either way.
Outside a request (commands, the shell) the thread starts at once.

Jobs must not use the database (their thread has no transaction of the request's);
what they need is read before they are queued. The threads are not daemons, so a
server shutting down still finishes what it took (a delivery is bounded by
EMAIL_TIMEOUT); a failure is logged.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from collections.abc import Callable

from django.core.mail import EmailMessage
from django.core.signals import request_finished, request_started

log = logging.getLogger(__name__)

Job = Callable[[], None]

_local = threading.local()
_lock = threading.Lock()
_running: set[threading.Thread] = set()


def _run(jobs: list[Job]) -> None:
    try:
        for job in jobs:
            try:
                job()
            except Exception:
                log.exception("mail job %r failed", job)
    finally:
        with _lock:
            _running.discard(threading.current_thread())


def _start(jobs: list[Job]) -> None:
    thread = threading.Thread(target=_run, args=(jobs,), name="accounts-mail")
    with _lock:
        _running.add(thread)
    thread.start()


def _flush() -> None:
    jobs: list[Job] | None = getattr(_local, "jobs", None)
    _local.jobs = None
    if jobs:
        _start(jobs)


def _on_request_started(**_: object) -> None:
    _flush()  # left by a request whose response was never closed
    _local.jobs = []


def _on_request_finished(**_: object) -> None:
    _flush()


request_started.connect(_on_request_started, dispatch_uid="accounts-mailing-started")
request_finished.connect(_on_request_finished, dispatch_uid="accounts-mailing-finished")


def after_response(job: Job) -> None:
    """Run ``job`` in a thread once the current response has gone (now, outside one)."""
    jobs: list[Job] | None = getattr(_local, "jobs", None)
    if jobs is None:
        _start([job])
    else:
        jobs.append(job)


def send(message: EmailMessage) -> None:
    """Deliver one message, logging (not raising) a mail server's refusal."""
    try:
        message.send()
    except (smtplib.SMTPException, OSError):
        log.warning("mail to %s not sent", ", ".join(message.to), exc_info=True)


def wait(timeout: float = 30.0) -> bool:
    """Wait for the jobs under way (tests, shutdown); False if some still run."""
    with _lock:
        threads = list(_running)
    for thread in threads:
        thread.join(timeout)
    with _lock:
        return not _running
