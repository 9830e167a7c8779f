"""DAILYPAPERS_EMAIL_URL → Django email settings."""

from __future__ import annotations

import pytest

from dailypapers.config import ConfigError
from dailypapers.core import email_url


def test_plain_smtp_with_defaults() -> None:
    cfg = email_url.parse("smtp://mail.example.org")
    assert cfg.backend == email_url.SMTP_BACKEND
    assert (cfg.host, cfg.port, cfg.user, cfg.password) == ("mail.example.org", 25, "", "")
    assert not cfg.use_tls and not cfg.use_ssl
    assert cfg.timeout == email_url.DEFAULT_TIMEOUT


def test_starttls_with_percent_encoded_credentials() -> None:
    cfg = email_url.parse("smtp+tls://me%40example.org:p%3Ass%2Fw@smtp.example.org")
    assert (cfg.user, cfg.password) == ("me@example.org", "p:ss/w")
    assert cfg.port == 587 and cfg.use_tls and not cfg.use_ssl


def test_implicit_tls_explicit_port_and_timeout() -> None:
    cfg = email_url.parse("SMTP+SSL://u:p@relay.example.org:2465?timeout=7")
    assert (cfg.port, cfg.use_ssl, cfg.use_tls, cfg.timeout) == (2465, True, False, 7)


def test_ipv6_host_and_console() -> None:
    assert email_url.parse("smtp://[::1]:2525").host == "::1"
    assert email_url.parse("console://").backend == email_url.CONSOLE_BACKEND


def test_safe_url_never_shows_the_password() -> None:
    cfg = email_url.parse("smtp+tls://user:hunter2@h.example.org:587")
    assert cfg.safe_url() == "smtp+tls://user:***@h.example.org:587"
    assert "hunter2" not in repr(cfg.safe_url())


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example.org",
        "mail.example.org",
        "smtp://",
        "smtp://host:notaport",
        "smtp://host?timeout=0",
        "smtp://host?timeout=soon",
    ],
)
def test_unusable_urls_are_configuration_errors(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        email_url.parse(url)
    assert "DAILYPAPERS_EMAIL_URL" in str(info.value)


def test_errors_do_not_leak_the_password() -> None:
    with pytest.raises(ConfigError) as info:
        email_url.parse("smtp://user:s3cret@host:99999")
    assert "s3cret" not in str(info.value)
