"""Typed readers for the environment and the data folder.

Everything a deployment can change is read here, once, so settings.py stays a
plain list of Django settings.
"""

from __future__ import annotations

import math
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ConfigError(Exception):
    """A setting in the environment has a value that cannot work."""


@dataclass(frozen=True)
class Rate:
    """A limit counted twice: ``per_account`` attempts by one account (the logged-in
    user, or the account or address a form names) and ``per_ip`` attempts from one
    client IP, in each fixed window of ``seconds``. Settings and defaults name the
    fields: ``Rate(per_account=10, per_ip=30, seconds=3600)``."""

    per_account: int
    per_ip: int
    seconds: int


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number, got {raw!r}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def data_dir() -> Path:
    """The folder that holds the database, the secret key and other state."""
    path = Path(env_str("DAILYPAPERS_DATA_DIR", "data")).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    (path / "static").mkdir(exist_ok=True)
    return path


def time_zone() -> str:
    name = env_str("DAILYPAPERS_TIME_ZONE", "UTC")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"DAILYPAPERS_TIME_ZONE: unknown time zone {name!r}") from None
    return name


def secret_key(folder: Path) -> str:
    """The key from the environment, else the one stored in the data folder.

    On first start a random key is written with O_EXCL, so several server
    processes starting at once all end up reading the same key.
    """
    from_env = env_str("DAILYPAPERS_SECRET_KEY")
    if from_env:
        return from_env
    path = folder / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    for _ in range(50):
        key = path.read_text().strip()
        if key:
            return key
        # Another process created the file a moment ago and is still writing it.
        import time

        time.sleep(0.02)
    raise ConfigError(f"{path} is empty; delete it to have a new key generated")
