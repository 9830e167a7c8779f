"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the tests that send mail.

The sink records every message it accepts and can be told, per address, to refuse
at RCPT or DATA with any reply (421, 451, 550, ...) or to drop the connection
after receiving a message without acknowledging it. ``running_sink`` starts one,
``use_sink`` points Django's SMTP backend at it.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import re
import socket
import threading
from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

DROP = "drop"


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


class SinkHandler:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.delay = 0.0
        self._lock = threading.Lock()
        self._rcpt_rules: dict[str, deque[str]] = defaultdict(deque)
        self._data_rules: dict[str, deque[str]] = defaultdict(deque)

    def _next(self, rules: dict[str, deque[str]], address: str) -> str | None:
        with self._lock:
            for key in (address.lower(), "*"):
                if rules[key]:
                    return rules[key].popleft()
        return None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        reply = self._next(self._rcpt_rules, address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        reply = self._next(self._data_rules, envelope.rcpt_tos[0])
        if reply == DROP:
            # Received the whole message, never acknowledged it: per RFC 5321 the
            # message is not accepted, and the client sees the connection drop.
            server.transport.close()
            return "421 closing"
        if reply:
            return reply
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class Sink:
    def __init__(self, host: str, port: int, handler: SinkHandler) -> None:
        self.host, self.port, self.handler = host, port, handler

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        return [r.message for r in self.handler.received]

    def to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.handler.received if address in r.recipients]

    def per_recipient(self) -> Counter[str]:
        return Counter(a for r in self.handler.received for a in r.recipients)

    def refuse(self, address: str, reply: str, *, times: int = 1, at: str = "rcpt") -> None:
        """Answer ``reply`` (e.g. "550 5.1.1 no such user") to the next ``times`` tries."""
        rules = self.handler._rcpt_rules if at == "rcpt" else self.handler._data_rules
        rules[address.lower()].extend([reply] * times)

    def drop(self, address: str, *, times: int = 1) -> None:
        self.handler._data_rules[address.lower()].extend([DROP] * times)

    def clear(self) -> None:
        self.handler.received.clear()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def running_sink() -> Iterator[Sink]:
    handler = SinkHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Sink("127.0.0.1", port, handler)
    finally:
        controller.stop()


def use_sink(settings: Any, sink: Sink) -> None:
    """Point Django's SMTP backend at ``sink`` (pytest-django swaps in locmem otherwise)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = sink.host
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10


def link_in(sink: Sink, address: str) -> str:
    """The path of the hub's one link in the one message sent to ``address``."""
    (message,) = sink.to(address)
    text = message.get_content()
    found = re.search(r"https://papers\.example\.org(/\S+)", text)
    assert found, text
    return found.group(1)


def html_part(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def text_part(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())
