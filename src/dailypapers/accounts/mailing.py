"""Mail that must not hold up (or show in) the answer to a request.

A password reset for a known address sends a mail, one for an unknown address does
not: sent inline, the time of the answer told which addresses have accounts. Such
mail is built in the request (the same database work either way) and handed to a
thread that delivers it after the answer has gone.

The threads are not daemons, so a server that shuts down still finishes what it
took (each delivery is bounded by EMAIL_TIMEOUT); a failed delivery is logged.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from collections.abc import Sequence

from django.core.mail import EmailMessage

log = logging.getLogger(__name__)

_lock = threading.Lock()
_running: set[threading.Thread] = set()


def _deliver(messages: Sequence[EmailMessage]) -> None:
    try:
        for message in messages:
            try:
                message.send()
            except (smtplib.SMTPException, OSError):
                log.warning("mail to %s not sent", ", ".join(message.to), exc_info=True)
    finally:
        with _lock:
            _running.discard(threading.current_thread())


def send_in_background(*messages: EmailMessage) -> None:
    """Deliver ``messages`` from a thread of their own; returns at once."""
    if not messages:
        return
    thread = threading.Thread(target=_deliver, args=(messages,), name="accounts-mail")
    with _lock:
        _running.add(thread)
    thread.start()


def wait(timeout: float = 30.0) -> bool:
    """Wait for the deliveries under way (tests, shutdown); False if some still run."""
    with _lock:
        threads = list(_running)
    for thread in threads:
        thread.join(timeout)
    with _lock:
        return not _running
