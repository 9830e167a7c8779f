"""Django email settings from one URL, DAILYPAPERS_EMAIL_URL.

    smtp://[user[:password]@]host[:port]       plain SMTP (port 25)
    smtp+tls://user:password@host[:port]       STARTTLS (port 587)
    smtp+ssl://user:password@host[:port]       TLS from the first byte (port 465)
    console://                                 print messages to standard output

A query string may set ``timeout`` in seconds (default 30). User names and
passwords are percent-decoded, so ``me%40example.org`` is ``me@example.org``.
Only the standard library and ConfigError are imported: settings.py reads this.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from dailypapers.config import ConfigError

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_TIMEOUT = 30

_DEFAULT_PORTS = {"smtp": 25, "smtp+tls": 587, "smtp+ssl": 465}


@dataclass(frozen=True)
class EmailConfig:
    backend: str
    host: str = "localhost"
    port: int = 25
    user: str = ""
    password: str = ""
    use_tls: bool = False
    use_ssl: bool = False
    timeout: int = DEFAULT_TIMEOUT

    def safe_url(self) -> str:
        """The URL without its password, for logs and ``digest status``."""
        if self.backend == CONSOLE_BACKEND:
            return "console://"
        if self.backend != SMTP_BACKEND:
            return self.backend
        scheme = "smtp+ssl" if self.use_ssl else "smtp+tls" if self.use_tls else "smtp"
        who = f"{self.user}:***@" if self.password else f"{self.user}@" if self.user else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{who}{host}:{self.port}"


def parse(url: str) -> EmailConfig:
    """Read an email URL; ConfigError names what is wrong, never the password."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"DAILYPAPERS_EMAIL_URL is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    timeout = _timeout(parts.query)
    if scheme == "console":
        return EmailConfig(backend=CONSOLE_BACKEND, timeout=timeout)
    if scheme not in _DEFAULT_PORTS:
        raise ConfigError(
            f"DAILYPAPERS_EMAIL_URL: unknown scheme {parts.scheme or '(none)'!r}; "
            "use smtp://, smtp+tls://, smtp+ssl:// or console://"
        )
    if not parts.hostname:
        raise ConfigError("DAILYPAPERS_EMAIL_URL: the URL has no host name")
    return EmailConfig(
        backend=SMTP_BACKEND,
        host=parts.hostname,
        port=port or _DEFAULT_PORTS[scheme],
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_tls=scheme == "smtp+tls",
        use_ssl=scheme == "smtp+ssl",
        timeout=timeout,
    )


def _timeout(query: str) -> int:
    values = parse_qs(query).get("timeout")
    if not values:
        return DEFAULT_TIMEOUT
    try:
        seconds = int(values[-1])
    except ValueError:
        seconds = 0
    if seconds <= 0:
        raise ConfigError(
            f"DAILYPAPERS_EMAIL_URL: timeout must be a positive integer, got {values[-1]!r}"
        )
    return seconds


def in_use(settings: Any) -> EmailConfig:
    """What Django will actually use, which tests and deployments may have overridden."""
    return EmailConfig(
        backend=settings.EMAIL_BACKEND,
        host=settings.EMAIL_HOST,
        port=settings.EMAIL_PORT,
        user=settings.EMAIL_HOST_USER,
        password=settings.EMAIL_HOST_PASSWORD,
        use_tls=settings.EMAIL_USE_TLS,
        use_ssl=settings.EMAIL_USE_SSL,
        timeout=settings.EMAIL_TIMEOUT or DEFAULT_TIMEOUT,
    )
