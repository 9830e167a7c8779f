"""The digest's hand-written MIME bytes, read back by Python's own mail parser."""

from __future__ import annotations

import email
import email.policy
from typing import Any

import pytest

from dailypapers.digests.mime import DigestEmail

TEXT = "Trending papers\n\nÜber große Modelle — 1. line\n.leading dot\n" + "x" * 300 + "\n"
HTML = '<p style="color:#57606a">Über <a href="https://example.org/a?b=1&amp;c=2">x</a></p>\n'


def build(**changes: Any) -> DigestEmail:
    fields: dict[str, Any] = {
        "subject": "Trending papers, Tue Apr 7: Überraschend gute Modelle and 9 more",
        "body": TEXT,
        "from_email": "Daily Papers <digest@papers.example.org>",
        "to": ["reader@example.org"],
        "headers": {
            "List-Unsubscribe": "<mailto:digest@papers.example.org?subject=unsubscribe>, "
            "<https://papers.example.org/digest/unsubscribe/" + "t" * 120 + ">",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Message-ID": "<digest.1.2@papers.example.org>",
        },
    }
    fields.update(changes)
    message = DigestEmail(**fields)
    message.attach_alternative(HTML, "text/html")
    return message


def parse(message: DigestEmail) -> email.message.EmailMessage:
    raw = message.message().as_bytes(linesep="\r\n")
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


def test_headers_and_both_parts_read_back_unchanged() -> None:
    parsed = parse(build())
    assert parsed["Subject"] == "Trending papers, Tue Apr 7: Überraschend gute Modelle and 9 more"
    assert parsed["From"].addresses[0].addr_spec == "digest@papers.example.org"
    assert parsed["From"].addresses[0].display_name == "Daily Papers"
    assert parsed["To"] == "reader@example.org"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed["List-Unsubscribe"].endswith("t" * 120 + ">")
    assert parsed["Message-ID"] == "<digest.1.2@papers.example.org>"
    assert parsed["Date"] is not None
    assert parsed.get_content_type() == "multipart/alternative"
    text = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert text.get_content().replace("\r\n", "\n") == TEXT
    assert html.get_content().replace("\r\n", "\n") == HTML
    assert parsed.defects == [] and text.defects == [] and html.defects == []


def test_long_ascii_headers_are_folded_near_78_columns() -> None:
    raw = build().message().as_bytes(linesep="\r\n")
    head = raw.split(b"\r\n\r\n", 1)[0]
    subject_lines = [line for line in head.split(b"\r\n") if line.startswith(b"Subject:")]
    assert subject_lines and all(len(line) <= 80 for line in head.split(b"\r\n")[:6])


@pytest.mark.parametrize(
    "to",
    ["Ada Lovelace <ada@example.org>", "josé@exämple.org", "o'brien+digest@example.org"],
)
def test_unusual_recipients_are_encoded_the_way_smtp_needs(to: str) -> None:
    parsed = parse(build(to=[to]))
    assert parsed["To"].addresses[0].username.lower() in to.lower() or "xn--" in str(parsed["To"])


def test_header_values_cannot_inject_headers() -> None:
    parsed = parse(build(subject="Hello\r\nBcc: victim@example.org"))
    assert parsed["Bcc"] is None
    assert "victim@example.org" in parsed["Subject"]
