"""Handing messages to the configured email backend, and what its failures mean.

SMTP hands responsibility for a message to the server when the server answers 250
to the end of DATA (RFC 5321, section 6.1). Anything short of that, a refusal,
a timeout or a dropped connection, means the server did not take the message.
"""

from __future__ import annotations

import contextlib
import smtplib
from dataclasses import dataclass
from typing import Literal

from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend

from dailypapers.digests.mime import DigestEmail

# temporary: try this message again later (4xx, timeouts, dropped connections).
# permanent: the server will not take this message for this address (5xx).
# system:    nothing can be sent now (server unreachable, our login or sender
#            address refused), so the run stops without blaming any subscriber.
Kind = Literal["temporary", "permanent", "system"]


@dataclass(frozen=True)
class Failure:
    kind: Kind
    reason: str


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def _by_code(code: int, reason: str) -> Failure:
    return Failure("permanent" if 500 <= code < 600 else "temporary", f"{code} {reason}".strip())


def classify(exc: BaseException) -> Failure | None:
    """What an exception from sending means; None for anything that is not a mail error."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, message = next(iter(exc.recipients.values()), (450, b"recipient refused"))
        return _by_code(code, _text(message))
    if isinstance(exc, smtplib.SMTPSenderRefused):
        reason = f"sender {exc.sender} refused: {exc.smtp_code} {_text(exc.smtp_error)}"
        return Failure("system" if exc.smtp_code >= 500 else "temporary", reason)
    if isinstance(exc, smtplib.SMTPAuthenticationError | smtplib.SMTPHeloError):
        return Failure("system", f"{exc.smtp_code} {_text(exc.smtp_error)}")
    if isinstance(exc, smtplib.SMTPConnectError):
        return Failure("system", f"cannot connect: {exc.smtp_code} {_text(exc.smtp_error)}")
    if isinstance(exc, smtplib.SMTPResponseException):
        return _by_code(exc.smtp_code, _text(exc.smtp_error))
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return Failure("system", f"server does not support: {exc}")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return Failure(
            "temporary", f"connection dropped: {exc}" if str(exc) else "connection dropped"
        )
    if isinstance(exc, smtplib.SMTPException):
        return Failure("temporary", f"{type(exc).__name__}: {exc}")
    if isinstance(exc, TimeoutError):
        return Failure("temporary", "timed out")
    if isinstance(exc, OSError):
        return Failure("temporary", f"{type(exc).__name__}: {exc}")
    return None


class MailerUnavailable(Exception):
    """The backend could not be opened; carries the Failure that says why."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.reason)
        self.failure = failure


class Mailer:
    """One backend connection reused for many messages and reopened after any failure."""

    def __init__(self, backend: BaseEmailBackend | None = None) -> None:
        self._backend = backend or get_connection(fail_silently=False)
        self._open = False

    def ensure_open(self) -> None:
        if self._open:
            return
        try:
            self._backend.open()
        except Exception as exc:
            failure = classify(exc)
            if failure is None:
                raise
            self.close()
            raise MailerUnavailable(Failure("system", f"cannot open: {failure.reason}")) from exc
        self._open = True

    def send(self, message: EmailMessage) -> None:
        """Hand over one message; raises the backend's exception when it was not taken."""
        self.ensure_open()
        try:
            accepted = self._send(message)
        except Exception:
            # After a refusal the session may be in any state; a fresh one is cheap.
            self.close()
            raise
        if accepted != 1:
            self.close()
            raise smtplib.SMTPException("the backend did not take the message")

    def _send(self, message: EmailMessage) -> int:
        # A digest on Django's SMTP backend goes straight to its connection: the
        # backend would parse and re-encode both addresses of every message, which
        # costs more than writing the message. Anything else takes the normal way.
        connection = getattr(self._backend, "connection", None)
        smtp = isinstance(self._backend, SMTPBackend) and connection is not None
        if isinstance(message, DigestEmail) and smtp:
            sender, recipients = message.envelope()
            connection.sendmail(sender, recipients, message.serialize("\r\n"))  # type: ignore[union-attr]
            return 1
        return self._backend.send_messages([message])

    def close(self) -> None:
        self._open = False
        # Closing a connection that already broke may fail again; it is gone either way.
        with contextlib.suppress(Exception):
            self._backend.close()
