"""Digest messages serialized directly to MIME bytes.

Python's email package builds a tree of objects and folds every header on each
``as_bytes()``, which cost more CPU per digest than composing it. A digest has a
fixed shape (one multipart/alternative of a text and an HTML part), so it is written
out here in one pass: headers encoded with ``email.header`` where they need it and
bodies as quoted-printable UTF-8 by ``binascii``. Django's SMTP backend asks the
message for ``message().as_bytes(linesep=...)``, which is all that is provided.
"""

from __future__ import annotations

import binascii
import functools
import re
import secrets
from email.header import Header
from email.utils import formatdate
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import sanitize_address

MAX_PLAIN_HEADER = 78
_BARE = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


@functools.lru_cache(maxsize=64)
def _sender(address: str, encoding: str) -> str:
    # The same sender on every digest; parsing and re-encoding it is not free.
    return sanitize_address(address, encoding)


def _fold(line: str, linesep: str) -> str:
    """Fold an ASCII header line at spaces so lines stay near 78 characters."""
    out: list[str] = []
    current = ""
    for word in line.split(" "):
        if current and len(current) + 1 + len(word) > MAX_PLAIN_HEADER:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    out.append(current)
    return (linesep + " ").join(out)


def _header(name: str, value: str, linesep: str) -> str:
    value = " ".join(value.split())  # no line breaks of its own, ever
    if value.isascii():
        return _fold(f"{name}: {value}", linesep)
    folded = Header(value, "utf-8", header_name=name).encode(splitchars=", ", linesep=linesep)
    return f"{name}: {folded}"


def _body(text: str, linesep: str) -> bytes:
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    if not lines.endswith("\n"):
        lines += "\n"
    return binascii.b2a_qp(lines.replace("\n", linesep).encode("utf-8"), istext=True)


def _recipient(address: str, encoding: str) -> str:
    # A bare ASCII address needs no encoding; anything else (a display name, an
    # internationalized address) goes through Django's full treatment.
    if address.isascii() and _BARE.fullmatch(address):
        return address
    return sanitize_address(address, encoding)


class Prebuilt:
    """The serialized message, in the one form the SMTP backend asks for."""

    def __init__(self, email: DigestEmail) -> None:
        self._email = email

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n", **_: Any) -> bytes:
        return self._email.serialize(linesep)


class DigestEmail(EmailMultiAlternatives):
    """A text + HTML email whose bytes are written directly (see the module docstring).

    It is still an EmailMultiAlternatives, so any other backend (locmem in tests,
    console, file) sees subject, body, alternatives and headers as usual.
    """

    def message(self) -> Prebuilt:  # type: ignore[override]
        return Prebuilt(self)

    def envelope(self) -> tuple[str, list[str]]:
        """Sender and recipients for the SMTP envelope, encoded as SMTP needs them."""
        encoding = self.encoding or settings.DEFAULT_CHARSET
        recipients = [_recipient(a, encoding) for a in self.recipients()]
        return _sender(self.from_email, encoding), recipients

    def serialize(self, linesep: str) -> bytes:
        encoding = self.encoding or settings.DEFAULT_CHARSET
        boundary = f"=_dp{secrets.token_hex(12)}"
        html = next((c for c, mime in self.alternatives if mime == "text/html"), "")
        extra = {k.lower(): (k, v) for k, v in self.extra_headers.items()}
        headers = [
            _header("From", _sender(self.from_email, encoding), linesep),
            _header("To", ", ".join(_recipient(a, encoding) for a in self.to), linesep),
            _header("Subject", str(self.subject), linesep),
        ]
        if "date" not in extra:
            headers.append(f"Date: {formatdate(localtime=settings.EMAIL_USE_LOCALTIME)}")
        for name, value in extra.values():
            headers.append(_header(name, str(value), linesep))
        headers += [
            "MIME-Version: 1.0",
            f'Content-Type: multipart/alternative; boundary="{boundary}"',
        ]
        head = linesep.join(headers).encode("ascii")
        sep = linesep.encode()
        part_head = 'Content-Type: {}; charset="utf-8"' + linesep
        part_head += "Content-Transfer-Encoding: quoted-printable" + linesep + linesep
        delimiter = f"--{boundary}".encode()
        return b"".join(
            [
                head,
                sep * 2,
                delimiter,
                sep,
                part_head.format("text/plain").encode(),
                _body(str(self.body), linesep),
                sep,  # the line break before a boundary belongs to the boundary
                delimiter,
                sep,
                part_head.format("text/html").encode(),
                _body(str(html), linesep),
                sep,
                delimiter,
                b"--",
                sep,
            ]
        )
