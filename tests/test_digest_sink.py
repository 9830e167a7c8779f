"""The SMTP sink of tests/support/mail.py refuses, drops and records as told."""

from __future__ import annotations

import smtplib
from collections import Counter
from collections.abc import Iterator

import pytest

from tests.support.mail import Sink, running_sink


@pytest.fixture
def sink() -> Iterator[Sink]:
    with running_sink() as running:
        yield running


def _send(sink: Sink, to: str) -> None:
    with smtplib.SMTP(sink.host, sink.port, timeout=10) as client:
        client.sendmail("from@example.org", [to], b"Subject: hi\r\n\r\nbody\r\n")


def test_the_sink_records_what_it_accepts(sink: Sink) -> None:
    _send(sink, "a@example.org")
    assert sink.per_recipient() == Counter({"a@example.org": 1})
    assert sink.messages[0]["Subject"] == "hi"


def test_the_sink_refuses_as_told_then_accepts(sink: Sink) -> None:
    sink.refuse("a@example.org", "550 5.1.1 no such user")
    sink.refuse("b@example.org", "451 4.3.0 try later", at="data")
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        _send(sink, "a@example.org")
    assert refused.value.recipients["a@example.org"][0] == 550
    with pytest.raises(smtplib.SMTPDataError) as data_error:
        _send(sink, "b@example.org")
    assert data_error.value.smtp_code == 451
    _send(sink, "a@example.org")
    assert sink.per_recipient() == Counter({"a@example.org": 1})


def test_the_sink_drops_the_connection_without_accepting(sink: Sink) -> None:
    sink.drop("a@example.org")
    with pytest.raises(smtplib.SMTPServerDisconnected):
        _send(sink, "a@example.org")
    assert sink.messages == []
